/**
 * Forwarded notices. A recipient forwards AWS's notice to the team: inline (Gmail's "----------
 * Forwarded message ---------", Apple Mail's "Begin forwarded message:", Outlook's "-----Original
 * Message-----" or a rule line followed by From:/Sent:/To:/Subject:) or attached as message/rfc822.
 * The notice inside is what matters: its subject carries the case, its date the year of times.
 */
import { parseTime } from "../extract/times.ts";
import { decodeWords } from "./headers.ts";

export interface Unwrapped {
  text: string;
  subject: string | null;
  from: string | null;
  date: Date | null;
  forwarded: boolean;
}

const MARKERS = /^[ \t>]*(?:-{2,}[ \t]*(?:Forwarded message|Original Message|Forwarded Message|Weitergeleitete Nachricht|Message transféré)[ \t]*-{2,}|Begin forwarded message:|_{10,})[ \t]*$/im;
/** AWS's separator before the reporter's text, or a log block: the notice is above, the reporter's material below. */
const REPORT_STARTED = /beginning\s+of\s+forwarded\s+report|provided\s+by\s+(?:the\s+)?original\s+(?:abuse\s+)?reporter|^[ \t]*<<<|^[ \t*]*Log Extract:/im;
const HEADER_LINE = /^[ \t>]*\*?(From|Sent|Date|To|Cc|Subject|Reply-To)\*?[ \t]*:[ \t]*(.*)$/i;

/** Finds the innermost inline-forwarded message in `text`. */
export function unwrapInlineForward(text: string): Unwrapped {
  let current: Unwrapped = { text, subject: null, from: null, date: null, forwarded: false };
  for (let round = 0; round < 8; round++) {
    // the markers all contain one of these; most mail has none, and a substring search is cheap
    if (!/forward|original message|_{10}/i.test(current.text.slice(0, 4 * 1024 * 1024))) break;
    const m = MARKERS.exec(current.text.length > 4 * 1024 * 1024 ? current.text.slice(0, 4 * 1024 * 1024) : current.text);
    if (!m) break;
    // a forward inside the third party's report (a spam sample the reporter forwarded to AWS) is
    // part of the notice, not a wrapper around it: the notice has already begun above it
    if (REPORT_STARTED.test(current.text.slice(Math.max(0, m.index - 64 * 1024), m.index))) break;
    const after = current.text.slice(m.index + m[0].length).replace(/^\r?\n/, "");
    const block = readHeaderBlock(after);
    if (!block || (!block.headers.from && !block.headers.subject)) break;
    current = { text: block.body, subject: block.subject ?? current.subject, from: block.headers.from ?? current.from, date: block.date ?? current.date, forwarded: true };
  }
  return current;
}

export interface HeaderBlock {
  /** Lower-cased names: from, sent, date, to, cc, subject, reply-to. */
  headers: Record<string, string>;
  subject: string | null;
  date: Date | null;
  /** The text after the block. */
  body: string;
}

/**
 * The header lines a mail client writes above a forwarded or copied message (From:, Sent:/Date:,
 * To:, Subject:), at the top of `text`; the block ends at a blank line or at the first line that is
 * not a header. Read from at most 40 lines, never the whole text.
 */
export function readHeaderBlock(text: string): HeaderBlock | null {
  const lines = text.slice(0, 8192).split("\n", 40);
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === "") i++;
  const hdr: Record<string, string> = {};
  let n = 0;
  // a folded value is indented deeper than the header lines (which a quoted or indented copy indents too)
  let indent = 0;
  for (; i < lines.length && n < 12; i++) {
    const l = lines[i]!.replace(/\r$/, "");
    const h = HEADER_LINE.exec(l);
    if (h) {
      if (n === 0) indent = /^[ \t>]*/.exec(l)![0].length;
      hdr[h[1]!.toLowerCase()] = h[2]!.trim();
      n++;
      continue;
    }
    if (l.trim() === "") break;
    if (n > 0 && /^[ \t>]*/.exec(l)![0].length > indent && /^[ \t]/.test(l.slice(indent))) continue; // a folded header value
    break;
  }
  if (n === 0) return null;
  let offset = 0;
  for (let k = 0; k < i; k++) offset += lines[k]!.length + 1;
  const body = text.slice(Math.min(offset, text.length)).replace(/^[ \t]*\n/, "");
  const dateText = hdr.date ?? hdr.sent;
  return { headers: hdr, subject: hdr.subject ? decodeWords(hdr.subject) : null, date: dateText ? parseLooseDate(dateText) : null, body };
}

/**
 * "Tue, Nov 27, 2018 at 1:30 AM", "Tuesday, November 27, 2018 1:30 AM", RFC 2822. Mail clients
 * write the forwarder's local time without its zone; it is read as UTC (never the machine's zone).
 */
function parseLooseDate(s: string): Date | null {
  const t = parseTime(s.replace(/^[A-Za-z]+day,\s*/, ""));
  return t ? new Date(t.ms) : null;
}
