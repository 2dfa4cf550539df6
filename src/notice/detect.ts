/** What an input is: mbox, e-mail, Health event JSON (or a fragment), the Health console's copy, or text. */
import { isMbox } from "./mime/mbox.ts";
import { looksLikeHealthConsole } from "./health/console.ts";

export type Detected = "empty" | "binary" | "mbox" | "email" | "json" | "health-console" | "text";

const HEADER_NAMES = /^(?:from|to|cc|date|subject|message-id|received|return-path|mime-version|content-type|delivered-to|reply-to|dkim-signature|arc-seal|arc-message-signature|arc-authentication-results|authentication-results|x-[\w-]+|sender|in-reply-to|references|list-[\w-]+|thread-topic|thread-index|content-transfer-encoding|envelope-to|x-original-to|feedback-id|precedence|auto-submitted|importance)$/i;

export function detect(buf: Buffer): Detected {
  let start = 0;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
  while (start < buf.length && (buf[start] === 0x20 || buf[start] === 0x0a || buf[start] === 0x0d || buf[start] === 0x09)) start++;
  if (start >= buf.length) return "empty";
  // the first 64 KiB after the leading whitespace, decoded once for the tests that read text
  const text = buf.toString("utf8", start, Math.min(buf.length, start + 64 * 1024));
  if (isBinary(buf, start === 0 ? text : null)) return "binary";
  if (isMbox(buf.subarray(start))) return "mbox";
  const head = buf.toString("utf8", start, Math.min(buf.length, start + 4096));
  // "{" or "[" followed by what JSON can hold; "[AWS] Your abuse report" is text
  if (/^[{[]\s*(?:["{[\]}\d-]|true|false|null|$)/.test(head)) return "json";
  if (/^"[\w-]{1,64}"\s*:\s*[{["\d tfn]/.test(head)) return "json";
  if (looksLikeEmail(text)) return isMailClientCopy(text) ? "text" : "email";
  if (looksLikeHealthConsole(text)) return "health-console";
  return "text";
}

/**
 * NUL bytes or mostly control characters in the first 64 KiB: not a notice. UTF-16 text is handled by the caller.
 * `decoded` is those 64 KiB already decoded as UTF-8, when the caller has them.
 */
function isBinary(buf: Buffer, decoded: string | null): boolean {
  const n = Math.min(buf.length, 64 * 1024);
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) return false;
  let ctrl = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i]!;
    if (b === 0) return true;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) ctrl++;
  }
  if (ctrl > n * 0.02 + 4) return true;
  // invalid UTF-8 is common in old mail (latin-1); random bytes are invalid almost everywhere
  const text = decoded ?? buf.toString("utf8", 0, n);
  let bad = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) bad++;
  return bad > text.length * 0.3 && bad > 16;
}

/** The first block is RFC 5322 header lines (and at least two known header names). */
function looksLikeEmail(s: string): boolean {
  const fields = headerFields(s);
  return fields !== null && fields.filter(([name]) => HEADER_NAMES.test(name)).length >= 2;
}

/** The fields of the first block as [lower-cased name, value], or null when it is not header lines. */
function headerFields(s: string): [string, string][] | null {
  const end = s.search(/\r?\n\r?\n/);
  const head = end < 0 ? s : s.slice(0, end);
  const out: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    if (line === "") continue;
    if (line[0] === " " || line[0] === "\t") continue;
    const m = /^([\x21-\x39\x3b-\x7e]+):(.*)$/.exec(line);
    if (!m) return null;
    out.push([m[1]!.toLowerCase(), m[2]!.trim()]);
  }
  return out;
}

/**
 * Fields that only a message carries: its servers write Received (every server that takes a
 * message adds one, so delivered mail always has it), its software writes Message-ID, Date, MIME
 * and signature fields. A mail client's copy shows none of them.
 */
const MESSAGE_ONLY = new Set([
  "received",
  "message-id",
  "return-path",
  "delivered-to",
  "x-received",
  "received-spf",
  "authentication-results",
  "dkim-signature",
  "arc-seal",
  "arc-message-signature",
  "arc-authentication-results",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
]);

/** An RFC 5322 date (`Wed, 10 Jul 2024 09:30:00 +0000`), as a message carries it; a client shows "Wednesday, July 10, 2024 9:30 AM". */
const RFC5322_DATE = /^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}/;

/**
 * A notice copied out of a mail client (Outlook's From:/Sent:/To:/Subject: block, Apple Mail's or
 * Thunderbird's From:/Subject:/Date:/To:) and pasted: the header lines a person reads, with none
 * a message carries (no Received, Message-ID, MIME or signature fields, and no Date in the form a
 * message has it). It is a copy, not a message: there is nothing in it to authenticate. A message
 * with any of those fields stays a message, whatever else it looks like.
 */
export function isMailClientCopy(text: string): boolean {
  const fields = headerFields(text.replace(/^\uFEFF/, "").replace(/^\s+/, ""));
  if (!fields || fields.length === 0) return false;
  const names = new Set(fields.map(([n]) => n));
  if (!names.has("from") || !(names.has("subject") || names.has("sent"))) return false;
  for (const [name, value] of fields) {
    if (MESSAGE_ONLY.has(name)) return false;
    if (name === "date" && RFC5322_DATE.test(value)) return false;
  }
  return true;
}
