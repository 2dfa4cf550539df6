/**
 * The whole notice as received, with each fact the parser read marked where it was found: what
 * the case page shows from the bytes the store kept (src/case/notice-raw.ts).
 *
 * The text shown is the text the parser read: an e-mail's decoded text body (for a forwarded
 * notice, the forwarded message's; for an HTML-only message, the parser's text rendition of the
 * HTML, never the HTML), a Health event's description, pasted text as given. Each fact's `Source`
 * (src/notice/types.ts: the part, the 1-based line of the text the parser read, the excerpt of
 * that line) places it: the line is taken when its excerpt matches, else the nearest line with that
 * excerpt; a fact the source does not place (no line, or the line is not found) is looked for by
 * its value, literally (indexOf, never a pattern built from notice text), at most a few times.
 *
 * Nothing here is HTML: a line is a list of plain segments, the page escapes them (hono/jsx).
 */
import type { NoticeRaw } from "../case/notice-raw.ts";
import type { StoredNotice } from "../case/types.ts";
import { excerpt, normalizeText } from "../notice/extract/text.ts";
import { findHealthEvents } from "../notice/health/event.ts";
import { parseJsonLenient } from "../notice/health/json.ts";
import { decodeBytes } from "../notice/mime/decode.ts";
import { decodeWords, header, type HeaderList } from "../notice/mime/headers.ts";
import { htmlToText } from "../notice/mime/html.ts";
import { forwardedMessage, readMail } from "../notice/mime/mail.ts";
import { highlight, noticeMarks, where, type FactMark, type Segment } from "./case-view.ts";

/** The most text shown of one notice (the parser reads no more than 2 MiB of text either). */
export const MAX_SHOWN_CHARS = 2 * 1024 * 1024;
/** How many places one value is marked at when its source does not place it. */
const MAX_VALUE_HITS = 20;

export interface ReceivedHeader {
  name: string;
  segments: Segment[];
}

export interface ReceivedView {
  /** `shown`: the text below is the notice; otherwise `statement` says why it cannot be shown. */
  state: NoticeRaw["state"] | "unreadable";
  statement: string | null;
  size: number | null;
  /** What the text is: "the text body", "the parser's text rendition of the HTML body"... */
  textIs: string;
  headers: ReceivedHeader[];
  /** Authentication-Results, one line per header: `mx.example: spf=pass dkim=pass dmarc=pass`. */
  authResults: string[];
  /** The forwarded message's own headers, when the notice came inside a forward. */
  forwarded: ReceivedHeader[];
  lines: Segment[][];
  /** The text was longer than what is shown. */
  truncated: boolean;
  /** Facts marked in the text, and facts whose value is not written in the text as shown (`fact: value (where)`). */
  marked: number;
  notFound: string[];
}

type Placed = { value: string | null; fact: string; label?: string; weak?: boolean };

function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return decodeBytes(bytes, "windows-1252") ?? bytes.toString("latin1");
  }
}

/** `mx.example.com: spf=pass dkim=pass dmarc=pass`: the methods and results of one Authentication-Results header. */
export function authSummary(value: string): string {
  const v = value.slice(0, 8192).replace(/\([^()]*\)/g, " ");
  const server = /^\s*([^\s;]+)/.exec(v)?.[1] ?? "";
  const results = [...v.matchAll(/(?:^|[;\s])(spf|dkim|dmarc|arc|bimi|iprev|auth|dkim-atps|smime)\s*=\s*([A-Za-z]+)/gi)].map((m) => `${m[1]!.toLowerCase()}=${m[2]!.toLowerCase()}`);
  return `${server && !server.includes("=") ? `${server}: ` : ""}${results.length ? results.join(" ") : "no results stated"}`;
}

const HEADER_NAMES = ["From", "To", "Date", "Subject", "Message-ID"] as const;

function headersOf(h: HeaderList, marks: FactMark[], subjectMarks: boolean): ReceivedHeader[] {
  const out: ReceivedHeader[] = [];
  for (const name of HEADER_NAMES) {
    const raw = header(h, name.toLowerCase());
    if (raw === null) continue;
    const value = decodeWords(raw).slice(0, 4000);
    const here = marks.filter((m) => (name === "Subject" && subjectMarks && m.source.part === "subject") || m.source.part === "header");
    out.push({ name, segments: here.length ? highlight(value, here.map(placed)) : [{ text: value }] });
  }
  return out;
}

const placed = (m: FactMark): Placed => ({ value: m.value, fact: m.fact, ...(m.source.label ? { label: m.source.label } : {}), ...(m.weak ? { weak: true } : {}) });

/** The text the parser read, what it is, and the message's headers. */
async function textOf(s: StoredNotice, bytes: Buffer, marks: FactMark[]): Promise<Pick<ReceivedView, "textIs" | "headers" | "authResults" | "forwarded"> & { text: string }> {
  const n = s.notice;
  if (n.format === "email") {
    const mail = await readMail(bytes);
    const inner = await forwardedMessage(mail);
    const src = inner ?? mail;
    const fromHtml = src.html !== null && src.text === htmlToText(src.html);
    return {
      text: src.text,
      textIs: `${inner ? "the forwarded message's " : "the "}${fromHtml ? "text rendition of its HTML body, as the parser read it (the HTML itself is never shown)" : "text body, decoded"}`,
      headers: headersOf(mail.headers, marks, !inner),
      authResults: mail.headers.filter(([k]) => k.toLowerCase() === "authentication-results").map(([, v]) => authSummary(v)),
      forwarded: inner ? headersOf(inner.headers, marks, true) : [],
    };
  }
  if (n.format === "health-event") {
    const text = decodeText(bytes);
    let description = "";
    try {
      const events = findHealthEvents(parseJsonLenient(text));
      const e = events.find((x) => x.arn && x.arn === n.health?.arn) ?? events[0];
      description = e?.description ?? "";
    } catch {
      // the JSON was read once (it made this notice); if it is not now, the statement says so below
    }
    return { text: description, textIs: "the Health event's description", headers: [], authResults: [], forwarded: [] };
  }
  return { text: decodeText(bytes), textIs: n.format === "health-console" ? "the text copied from the Health console, as given" : "the text as given", headers: [], authResults: [], forwarded: [] };
}

/** The view of one notice as received, from the bytes the store kept (or the statement why there are none). */
export async function receivedView(s: StoredNotice, raw: NoticeRaw): Promise<ReceivedView> {
  const empty = { textIs: "", headers: [], authResults: [], forwarded: [], lines: [], truncated: false, marked: 0, notFound: [] };
  if (raw.state !== "kept") return { ...empty, state: raw.state, statement: raw.reason, size: raw.state === "not-kept" ? null : raw.size };
  const marks = noticeMarks(s.notice);
  let t;
  try {
    t = await textOf(s, raw.bytes, marks);
  } catch (err) {
    return { ...empty, state: "unreadable", statement: `the kept bytes could not be read again: ${(err as Error).message.slice(0, 300)}`, size: raw.size };
  }
  const truncated = t.text.length > MAX_SHOWN_CHARS;
  const text = truncated ? t.text.slice(0, MAX_SHOWN_CHARS) : t.text;
  const shown = text.split(/\r\n|\r|\n/);
  // The parser's lines (normalized: line ends, quote marks, exotic spaces) number like the shown ones.
  const norm = normalizeText(text).text.split("\n");
  const read = norm.length === shown.length ? norm : shown;

  const byExcerpt = new Map<string, number[]>();
  const indexOf = (e: string): number[] => {
    if (byExcerpt.size === 0) {
      read.forEach((l, i) => {
        const k = excerpt(l);
        const list = byExcerpt.get(k);
        if (list) list.push(i);
        else byExcerpt.set(k, [i]);
      });
    }
    return byExcerpt.get(e) ?? [];
  };
  const matches = (line: string | undefined, e: string) => {
    if (line === undefined) return false;
    const x = excerpt(line);
    return x === e || (e.endsWith("...") && e.length >= 200 && x.startsWith(e.slice(0, -3)));
  };

  const perLine = new Map<number, Placed[]>();
  const put = (i: number, m: Placed) => perLine.set(i, [...(perLine.get(i) ?? []), m]);
  const unplaced: FactMark[] = [];
  for (const m of marks) {
    const src = m.source;
    if (!src || src.part === "subject" || src.part === "header") continue;
    let at = -1;
    if (src.excerpt && src.line !== undefined && matches(read[src.line - 1], src.excerpt)) at = src.line - 1;
    else if (src.excerpt) {
      let cands = indexOf(src.excerpt);
      if (cands.length === 0 && src.excerpt.endsWith("...")) cands = read.flatMap((l, i) => (matches(l, src.excerpt) ? [i] : []));
      const hint = (src.line ?? 1) - 1;
      at = cands.reduce((best, i) => (best < 0 || Math.abs(i - hint) < Math.abs(best - hint) ? i : best), -1);
    }
    if (at >= 0) put(at, placed(m));
    else unplaced.push(m);
  }
  const lower = unplaced.length ? shown.map((l) => l.toLowerCase()) : [];
  const notFound: string[] = [];
  for (const m of unplaced) {
    const v = m.value?.trim().toLowerCase();
    let hits = 0;
    if (v && v.length >= 2) {
      for (let i = 0; i < lower.length && hits < MAX_VALUE_HITS; i++) {
        if (lower[i]!.includes(v)) {
          put(i, { value: m.value, fact: m.fact, ...(m.weak ? { weak: true } : {}) });
          hits++;
        }
      }
    }
    if (hits === 0 && m.value) notFound.push(`${m.fact}: ${m.value.slice(0, 200)} (${where(m.source)})`);
  }
  let marked = 0;
  const lines = shown.map((l, i) => {
    const here = perLine.get(i);
    if (!here) return [{ text: l }];
    const segs = highlight(l, here);
    marked += segs.filter((x) => x.fact).length;
    return segs;
  });
  return {
    state: "kept",
    statement: null,
    size: raw.size,
    textIs: t.textIs,
    headers: t.headers,
    authResults: t.authResults,
    forwarded: t.forwarded,
    lines,
    truncated,
    marked,
    notFound: [...new Set(notFound)].slice(0, 50),
  };
}
