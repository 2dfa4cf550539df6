/**
 * The reply deadline. A timeline or date the notice states wins ("within 24 hours", "within five
 * (5) days", "by 2025-04-14"); otherwise AWS's published default applies: "If you don't respond to
 * an abuse notice within 24 hours, AWS might block your resources or suspend your AWS account"
 * (AWS Knowledge Center), counted from receipt.
 */
import type { Deadline, Source } from "../types.ts";
import { findTime, isoUTC } from "./times.ts";

const WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12,
  fourteen: 14, fifteen: 15, thirty: 30, "twenty-four": 24, "twenty four": 24, "forty-eight": 48, "forty eight": 48, "seventy-two": 72, "seventy two": 72,
};

const RELATIVE = /\bwithin\s+(?:the\s+next\s+)?(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|fifteen|thirty|twenty[- ]four|forty[- ]eight|seventy[- ]two)(?:\s*\(\d{1,3}\))?\s+(business\s+|working\s+|calendar\s+)?(hours?|days?|weeks?)\b/gi;
// case-sensitive on purpose: a date starts with a digit or a capital ("by April 14", "by 2025-04-14"), "by the abuse reporter" does not
const ABSOLUTE = /\b(?:[Bb]y|[Bb]efore|[Nn]o later than|[Nn]ot later than|[Uu]ntil)\s+(?:the\s+end\s+of\s+)?(?=\d|[A-Z])/g;
const CONTEXT = /respon|reply|replie|contact|action|suspen|secur|resolv|address|terminat|block|isolat|restor|confirm|rotat|delet|remov|stop|remediat|investigat|mitigat/i;

export interface StatedDeadline {
  text: string;
  /** 0-based offset in the text. */
  index: number;
  /** Milliseconds after receipt, for a timeline. */
  afterMs?: number;
  businessDays?: number;
  /** An absolute instant. */
  atMs?: number;
}

export function findStatedDeadlines(text: string, reference: Date | null): StatedDeadline[] {
  const out: StatedDeadline[] = [];
  const t = text.length > 256 * 1024 ? text.slice(0, 256 * 1024) : text;
  for (const m of t.matchAll(RELATIVE)) {
    const n = /^\d/.test(m[1]!) ? Number(m[1]) : WORDS[m[1]!.toLowerCase()] ?? 0;
    if (!n) continue;
    const unit = m[3]!.toLowerCase();
    const around = t.slice(Math.max(0, m.index - 160), m.index + m[0].length + 160);
    if (!CONTEXT.test(around)) continue;
    if (m[2] && /business|working/i.test(m[2]) && unit.startsWith("day")) out.push({ text: m[0], index: m.index, businessDays: n });
    else out.push({ text: m[0], index: m.index, afterMs: n * (unit.startsWith("hour") ? 3_600_000 : unit.startsWith("day") ? 86_400_000 : 7 * 86_400_000) });
  }
  for (const m of t.matchAll(ABSOLUTE)) {
    const rest = t.slice(m.index + m[0].length, m.index + m[0].length + 80);
    const time = findTime(rest.split(/[;\n]/)[0]!, { reference });
    if (!time || time.index !== 0) continue;
    const around = t.slice(Math.max(0, m.index - 160), m.index + 120);
    if (!CONTEXT.test(around)) continue;
    // a date alone ("by 2025-04-14") is taken as the start of that day in UTC: the conservative reading
    out.push({ text: (m[0] + rest.slice(0, time.length)).trim(), index: m.index, atMs: time.ms });
  }
  return out;
}

function addBusinessDays(ms: number, days: number): number {
  let t = ms;
  let left = days;
  while (left > 0) {
    t += 86_400_000;
    const wd = new Date(t).getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return t;
}

/** Chooses the deadline: the earliest stated one, else 24 hours after receipt, else unknown. */
export function decideDeadline(stated: (StatedDeadline & { source: Source })[], receivedMs: number | null): Deadline {
  let best: { at: number | null; d: StatedDeadline & { source: Source } } | null = null;
  for (const d of stated) {
    const at = d.atMs ?? (receivedMs === null ? null : d.businessDays ? addBusinessDays(receivedMs, d.businessDays) : receivedMs + (d.afterMs ?? 0));
    if (!best || (at !== null && (best.at === null || at < best.at))) best = { at, d };
  }
  if (best) return { at: best.at === null ? null : isoUTC(best.at), basis: "stated", text: best.d.text, source: best.d.source };
  if (receivedMs !== null) return { at: isoUTC(receivedMs + 86_400_000), basis: "default", text: "24 hours after receipt (AWS Knowledge Center)" };
  return { at: null, basis: "unknown", text: "24 hours after receipt; the time of receipt is unknown" };
}
