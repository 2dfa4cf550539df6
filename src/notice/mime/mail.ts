/**
 * One e-mail message -> its decoded parts. Two readers, one result:
 *  - a fast path for the shapes abuse notices come in (text/plain, multipart/alternative or mixed
 *    with a text part, attachments, message/rfc822 parts; 7bit/8bit/QP/base64; charsets the runtime
 *    knows), which costs a fraction of a general MIME parse;
 *  - mailparser for everything the fast path declines (unknown transfer encodings or charsets,
 *    structures it does not recognise).
 * HTML-only mail is turned to text by ./html.ts on the fast path.
 * A differential test checks both readers agree on the messages the fast path accepts.
 */
import type * as MailparserNs from "mailparser";
import { decodeBytes, decodeTransfer, knownCharset } from "./decode.ts";
import { parseTime } from "../extract/times.ts";
import { htmlToText } from "./html.ts";
import { htmlLinks, textLinks } from "./links.ts";
import type { MailView } from "../types.ts";
import { decodeWords, header, parseAddresses, parseContentType, parseHeaders, splitHead, type Address, type HeaderList } from "./headers.ts";

export interface MailData {
  headers: HeaderList;
  subject: string | null;
  from: Address | null;
  replyTo: Address[];
  returnPath: string | null;
  date: Date | null;
  messageId: string | null;
  /** Decoded text/plain parts, joined; or HTML turned to text when there is none. */
  text: string;
  html: string | null;
  attachments: { filename: string | null; contentType: string; size: number; content: Buffer }[];
  /** message/rfc822 parts, decoded (a forwarded notice). */
  embedded: Buffer[];
  reader: "fast" | "mailparser";
  warnings: string[];
}

/** The verifier's view of a read message: headers, addresses, links, attachments (without their bytes), text. */
export function toMailView(m: MailData, forwarded: boolean): MailView {
  return {
    headers: m.headers,
    from: m.from,
    replyTo: m.replyTo,
    returnPath: m.returnPath,
    subject: m.subject,
    links: [...(m.html ? htmlLinks(m.html) : []), ...textLinks(m.text)],
    attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })),
    text: m.text,
    forwarded,
  };
}

const MAX_DEPTH = 16;
const MAX_PARTS = 500;

class Decline extends Error {}

export async function readMail(raw: Buffer): Promise<MailData> {
  try {
    return readFast(raw);
  } catch (e) {
    if (!(e instanceof Decline)) throw e;
  }
  return readWithMailparser(raw);
}

/** The fast path alone (exported for the differential test); throws when it declines. */
export function readFast(raw: Buffer): MailData {
  const { head, bodyStart } = splitHead(raw);
  const headers = parseHeaders(head);
  const data = envelope(headers);
  const state = { parts: 0, warnings: [] as string[], texts: [] as string[], html: null as string | null, attachments: [] as MailData["attachments"], embedded: [] as Buffer[] };
  walk(headers, raw.subarray(bodyStart), 0, state);
  // HTML-only mail: the text a reader sees
  const text = state.texts.length === 0 && state.html !== null ? htmlToText(state.html) : state.texts.join("\n");
  return { ...data, text, html: state.html, attachments: state.attachments, embedded: state.embedded, reader: "fast", warnings: state.warnings };
}

function envelope(headers: HeaderList): Pick<MailData, "headers" | "subject" | "from" | "replyTo" | "returnPath" | "date" | "messageId"> {
  const subject = header(headers, "subject");
  // "Sent:" is what an Outlook copy of a message has instead of Date
  const date = header(headers, "date") ?? header(headers, "sent");
  // the one time parser (explicit offsets, UTC when none is written), never the machine's zone
  const t = date ? parseTime(date.replace(/\s*\([^)]*\)\s*$/, "")) : null;
  const d = t ? new Date(t.ms) : null;
  const rp = header(headers, "return-path");
  return {
    headers: headers.map(([n, v]) => [n, v] as [string, string]),
    subject: subject === null ? null : decodeWords(subject),
    from: parseAddresses(header(headers, "from"))[0] ?? null,
    replyTo: parseAddresses(header(headers, "reply-to")),
    returnPath: rp ? rp.replace(/^<|>$/g, "").trim() : null,
    date: d && !Number.isNaN(d.getTime()) ? d : null,
    messageId: header(headers, "message-id"),
  };
}

interface WalkState {
  parts: number;
  warnings: string[];
  texts: string[];
  html: string | null;
  attachments: MailData["attachments"];
  embedded: Buffer[];
}

function walk(headers: HeaderList, body: Buffer, depth: number, st: WalkState): void {
  if (++st.parts > MAX_PARTS) {
    st.warnings.push(`more than ${MAX_PARTS} MIME parts; the rest were not read`);
    return;
  }
  const ct = parseContentType(header(headers, "content-type"));
  const disposition = parseContentType(header(headers, "content-disposition"), "inline");
  const filename = disposition.params.filename ?? ct.params.name ?? null;
  if (ct.type.startsWith("multipart/")) {
    const boundary = ct.params.boundary;
    if (!boundary) throw new Decline("multipart without boundary");
    if (depth >= MAX_DEPTH) {
      st.warnings.push(`MIME parts nested deeper than ${MAX_DEPTH} levels were not read`);
      return;
    }
    const parts = splitMultipart(body, boundary, st);
    for (const p of parts) {
      const { head, bodyStart } = splitHead(p);
      walk(parseHeaders(head), p.subarray(bodyStart), depth + 1, st);
    }
    return;
  }
  const decoded = decodeTransfer(body, header(headers, "content-transfer-encoding"));
  if (decoded === null) throw new Decline("unknown transfer encoding");
  const attachment = disposition.type === "attachment" || (filename !== null && !ct.type.startsWith("text/"));
  if (ct.type === "message/rfc822" || ct.type === "message/global") {
    st.embedded.push(decoded);
    st.attachments.push({ filename, contentType: ct.type, size: decoded.length, content: decoded });
    return;
  }
  if (!attachment && (ct.type === "text/plain" || ct.type === "text/html")) {
    if (!knownCharset(ct.params.charset)) throw new Decline("unknown charset");
    const text = decodeBytes(decoded, ct.params.charset)!;
    if (ct.type === "text/plain") st.texts.push(text);
    else st.html ??= text;
    return;
  }
  st.attachments.push({ filename, contentType: ct.type, size: decoded.length, content: decoded });
}

/** Parts between `--boundary` lines; a missing closing boundary (a truncated message) ends at the end. */
function splitMultipart(body: Buffer, boundary: string, st: WalkState): Buffer[] {
  const delim = Buffer.from(`--${boundary}`, "latin1");
  const parts: Buffer[] = [];
  let pos = 0;
  let start = -1;
  let closed = false;
  for (;;) {
    const at = body.indexOf(delim, pos);
    if (at < 0) break;
    const lineStart = at === 0 || body[at - 1] === 0x0a;
    const after = at + delim.length;
    if (!lineStart) {
      pos = after;
      continue;
    }
    if (start >= 0) {
      let end = at;
      if (body[end - 1] === 0x0a) end--;
      if (body[end - 1] === 0x0d) end--;
      parts.push(body.subarray(start, Math.max(start, end)));
    }
    if (body[after] === 0x2d && body[after + 1] === 0x2d) {
      closed = true;
      break;
    }
    const nl = body.indexOf(0x0a, after);
    if (nl < 0) break;
    start = nl + 1;
    pos = start;
  }
  if (!closed) {
    if (start >= 0 && start < body.length) parts.push(body.subarray(start));
    st.warnings.push("the message was cut off (a multipart boundary is not closed)");
  }
  if (parts.length === 0) throw new Decline("no parts found");
  return parts;
}

type MailparserModule = typeof MailparserNs;
// loaded once, on first need: most mail never needs it
let mailparser: Promise<MailparserModule> | null = null;

async function readWithMailparser(raw: Buffer): Promise<MailData> {
  const { simpleParser } = await (mailparser ??= import("mailparser"));
  const m = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true, maxHtmlLengthToParse: 2 * 1024 * 1024 });
  const headers: HeaderList = [];
  for (const hl of m.headerLines ?? []) {
    const line = hl.line.replace(/\r?\n[ \t]+/g, " ");
    const colon = line.indexOf(":");
    if (colon > 0) headers.push([hl.key.toLowerCase(), line.slice(colon + 1).trim()]);
  }
  const env = envelope(headers);
  const attachments: MailData["attachments"] = [];
  const embedded: Buffer[] = [];
  for (const a of m.attachments ?? []) {
    const content = Buffer.isBuffer(a.content) ? a.content : Buffer.from(a.content as unknown as string);
    attachments.push({ filename: a.filename ?? null, contentType: a.contentType, size: a.size ?? content.length, content });
    if (a.contentType === "message/rfc822" || a.contentType === "message/global") embedded.push(content);
  }
  return {
    ...env,
    subject: m.subject ?? env.subject,
    text: m.text ?? "",
    html: typeof m.html === "string" ? m.html : null,
    attachments,
    embedded,
    reader: "mailparser",
    warnings: [],
  };
}

/**
 * The notice inside a forward sent as an attachment: the first attached message/rfc822 that reads
 * and has a text or a subject; null when there is none. One rule for the parser and for the web
 * desk's view of the notice as received.
 */
export async function forwardedMessage(mail: MailData): Promise<MailData | null> {
  for (const e of mail.embedded) {
    try {
      const m = await readMail(e);
      if (m.text.trim() || m.subject) return m;
    } catch {
      // an unreadable attachment is not the notice
    }
  }
  return null;
}
