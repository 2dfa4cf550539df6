/**
 * The notice stage: bytes in, Notices out.
 *
 *   parseInput(bytes) -> { items: ParsedItem[], failures: ParseFailure[] }
 *
 * The input's form is detected (mbox, e-mail, Health event JSON or fragment, the Health console's
 * copy, pasted text); each message or event becomes one ParsedItem holding the Notice, the exact
 * bytes (the verifier runs DKIM on them) and, for e-mail, a MailView. An item that cannot be read
 * is a ParseFailure; nothing here throws on bad input except UserError for an input that holds
 * nothing readable at all.
 */
import { UserError } from "../errors.ts";
import type { Notice, ParsedItem, ParseFailure } from "./types.ts";
import { decide } from "./classify.ts";
import { detect } from "./detect.ts";
import { NoticeBuilder, extractText } from "./extract/index.ts";
import { findHealthEvents, type HealthEvent } from "./health/event.ts";
import { parseJsonLenient } from "./health/json.ts";
import { healthConsoleToNotice } from "./health/console.ts";
import { healthEventToNotice } from "./health/notice.ts";
import { readHeaderBlock, unwrapInlineForward } from "./mime/forward.ts";
import { forwardedMessage, readMail, toMailView } from "./mime/mail.ts";
import { referencesOf } from "./mime/headers.ts";
import { splitMbox } from "./mime/mbox.ts";
import { isoUTC } from "./extract/times.ts";
import { normalizeText } from "./extract/text.ts";
import { decodeBytes } from "./mime/decode.ts";

export interface ParseOptions {
  /** When the notice arrived (ISO 8601), if known better than the message's Date header. */
  receivedAt?: string;
  /** The clock, for tests. Only used for the year of a year-less time when nothing else gives one. */
  now?: Date;
}

export interface ParseResult {
  items: ParsedItem[];
  failures: ParseFailure[];
}

export async function parseInput(bytes: Buffer, opts: ParseOptions = {}): Promise<ParseResult> {
  const kind = detect(bytes);
  switch (kind) {
    case "empty":
      throw new UserError("the input is empty", { hint: "give an .eml, an mbox, a Health event (JSON) or the text of a notice" });
    case "binary":
      throw new UserError("the input is binary data, not a notice", { hint: "give an .eml, an mbox, a Health event (JSON) or the text of a notice" });
    case "mbox":
      return parseMbox(bytes, opts);
    case "email":
      return one(0, () => parseEmail(bytes, 0, opts));
    case "json":
      return parseJson(bytes, opts);
    case "health-console": {
      const notice = healthConsoleToNotice(decodeText(bytes), opts);
      return { items: [{ index: 0, format: "health-console", raw: bytes, notice, mail: null }], failures: [] };
    }
    case "text": {
      const text = decodeText(bytes);
      // a Health event pasted with words around it: a markdown fence, a "> " quote, a sentence before it
      const events = embeddedHealthEvents(text);
      if (events) return healthItems(events, bytes, opts);
      return { items: [{ index: 0, format: "text", raw: bytes, notice: parseText(text, opts), mail: null }], failures: [] };
    }
  }
}

const HEALTH_KEY = /"(?:eventTypeCode|detail-type|DetailType|eventArn)"\s*:/;

/** The Health event(s) in a text that holds one among other lines, or null. */
function embeddedHealthEvents(raw: string): HealthEvent[] | null {
  if (!HEALTH_KEY.test(raw.slice(0, 256 * 1024))) return null;
  const lines = normalizeText(raw.slice(0, 2 * 1024 * 1024)).text.split("\n");
  const from = lines.findIndex((l) => /^\s*[{["]/.test(l));
  let to = lines.length - 1;
  while (to > from && !/[}\]],?\s*$/.test(lines[to]!)) to--;
  if (from < 0 || to <= from) return null;
  try {
    const events = findHealthEvents(parseJsonLenient(lines.slice(from, to + 1).join("\n")));
    return events.length > 0 ? events : null;
  } catch {
    return null;
  }
}

async function one(index: number, f: () => Promise<ParsedItem>): Promise<ParseResult> {
  try {
    return { items: [await f()], failures: [] };
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`the message could not be read: ${(e as Error).message}`, { cause: e });
  }
}

/** One message of an mbox read as a stream (src/notice/mime/mbox-stream.ts): parsed as parseInput parses each message of an mbox. */
export async function parseMboxMessage(bytes: Buffer, index: number, opts: ParseOptions = {}): Promise<ParsedItem> {
  return parseEmail(bytes, index, opts);
}

async function parseMbox(bytes: Buffer, opts: ParseOptions): Promise<ParseResult> {
  const messages = splitMbox(bytes);
  const items: ParsedItem[] = [];
  const failures: ParseFailure[] = [];
  for (let i = 0; i < messages.length; i++) {
    try {
      items.push(await parseEmail(messages[i]!, i, opts));
    } catch (e) {
      failures.push({ index: i, error: (e as Error).message });
    }
  }
  if (items.length === 0 && failures.length === 0) throw new UserError("the mbox holds no messages");
  return { items, failures };
}

function parseJson(bytes: Buffer, opts: ParseOptions): ParseResult {
  let value: unknown;
  const text = decodeText(bytes);
  try {
    value = parseJsonLenient(text);
  } catch (e) {
    // "[12345678901] Your AWS Abuse Report ...": prose that starts like JSON is a pasted notice
    if (/[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}/.test(text.slice(0, 64 * 1024).replace(/"(?:[^"\\\n]|\\.){0,2000}"/g, '""'))) {
      return { items: [{ index: 0, format: "text", raw: bytes, notice: parseText(text, opts), mail: null }], failures: [] };
    }
    throw new UserError(`the input looks like JSON but cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const events = findHealthEvents(value);
  if (events.length === 0) {
    throw new UserError("the JSON is not an AWS Health event", {
      hint: "expected an EventBridge event (detail-type, detail.eventTypeCode), a PutEvents entry (DetailType, Detail) or a Health API event (eventTypeCode, arn)",
    });
  }
  return healthItems(events, bytes, opts);
}

function healthItems(events: HealthEvent[], bytes: Buffer, opts: ParseOptions): ParseResult {
  const items: ParsedItem[] = [];
  const failures: ParseFailure[] = [];
  events.forEach((e, index) => {
    try {
      const notice = healthEventToNotice(e, opts.receivedAt ? { receivedAt: opts.receivedAt } : {});
      // one event: the bytes as given; several: each event's own JSON
      items.push({ index, format: "health-event", raw: events.length === 1 ? bytes : Buffer.from(JSON.stringify(e.original)), notice, mail: null });
    } catch (err) {
      failures.push({ index, error: (err as Error).message });
    }
  });
  return { items, failures };
}

/** Text as given: UTF-8, UTF-16 with a byte-order mark, or (when not valid UTF-8) Windows-1252. */
function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return decodeBytes(bytes, "windows-1252")!;
  }
}

const SUBJECT_LINE = /^\s*(?:Subject:\s*)?((?=[^\n]{0,200}(?:Abuse Report|Your AWS account|Amazon SES|\[AWS ID|\[\d{8,14}(?:-\d{1,3})?\]|Your instances? ha))[^\n]{3,200})$/i;

/** Pasted text: the first line may be the subject the person copied along. */
export function parseText(text: string, opts: ParseOptions = {}): Notice {
  const fw = unwrapInlineForward(text);
  let body = fw.text;
  let subject = fw.subject;
  let from = fw.from;
  let date = fw.date;
  // header lines copied along with the text (Subject:, From:, Date: ... with no blank line after them)
  const copied = readHeaderBlock(body);
  if (copied && Object.keys(copied.headers).length >= 2 && (copied.subject || copied.date)) {
    subject ??= copied.subject;
    from ??= copied.headers.from ?? null;
    date ??= copied.date;
    body = copied.body;
  }
  const firstLine = /^[^\n]{0,300}/.exec(body.replace(/^\s+/, ""))?.[0] ?? "";
  const sm = SUBJECT_LINE.exec(firstLine);
  if (!subject && sm && !/[.!?]\s*$/.test(firstLine)) {
    subject = sm[1]!.trim();
    body = body.replace(/^\s*[^\n]*\n?/, "");
  }
  const received = opts.receivedAt ?? (date ? isoUTC(date.getTime()) : null);
  const reference = date ?? (opts.receivedAt ? new Date(opts.receivedAt) : null) ?? opts.now ?? null;
  return textNotice({ text: body, subject, from, messageId: null, receivedAt: received, reference, format: "text", forwarded: fw.forwarded });
}

function textNotice(a: { text: string; subject: string | null; from: string | null; messageId: string | null; receivedAt: string | null; reference: Date | null; format: "text" | "email"; forwarded: boolean; warnings?: string[] }): Notice {
  const b = new NoticeBuilder();
  for (const w of a.warnings ?? []) b.warn(w);
  const signals = extractText({ text: a.text, subject: a.subject, part: "body", reference: a.reference }, b);
  const receivedMs = a.receivedAt ? Date.parse(a.receivedAt) : null;
  const d = decide(b, signals, { health: false, receivedMs });
  if (a.text.trim() === "") b.warn("the message has no text");
  else if (d.activityType === "other" && b.list("instanceIds").length === 0 && !/\b(?:AWS|Amazon|EC2|abuse)\b/i.test(a.text.slice(0, 100_000)) && !a.subject) b.warn("this does not look like an AWS abuse notice");
  return b.build({
    format: a.format,
    kind: d.kind,
    activityType: d.activityType,
    activityText: d.activityText,
    subject: a.subject,
    from: a.from,
    messageId: a.messageId,
    receivedAt: a.receivedAt,
    deadline: d.deadline,
    health: null,
  });
}

function addressText(a: { address: string; name: string } | null): string | null {
  if (!a) return null;
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

async function parseEmail(raw: Buffer, index: number, opts: ParseOptions): Promise<ParsedItem> {
  const mail = await readMail(raw);
  // the notice inside a forward: an attached message/rfc822, else an inline forward in the text
  const inner = await forwardedMessage(mail);
  let text: string;
  let subject: string | null;
  let from: string | null;
  let date: Date | null;
  let forwarded: boolean;
  let messageId = mail.messageId;
  // the thread of the message whose Message-ID we report (an inline forward's own thread is the forwarder's, not AWS's)
  let references = referencesOf(mail.headers);
  if (inner) {
    const fw = unwrapInlineForward(inner.text);
    text = fw.text;
    subject = fw.subject ?? inner.subject;
    from = fw.from ?? addressText(inner.from);
    date = fw.date ?? inner.date ?? mail.date;
    messageId = inner.messageId ?? messageId;
    references = inner.messageId ? referencesOf(inner.headers) : references;
    forwarded = true;
  } else {
    const fw = unwrapInlineForward(mail.text);
    text = fw.text;
    forwarded = fw.forwarded;
    subject = fw.forwarded ? fw.subject ?? mail.subject : mail.subject;
    from = fw.forwarded ? fw.from ?? addressText(mail.from) : addressText(mail.from);
    date = fw.forwarded ? fw.date ?? mail.date : mail.date;
    if (fw.forwarded) references = [];
  }
  // a forwarded notice was received when AWS sent it to the original recipient, not when it was forwarded
  const receivedAt = opts.receivedAt ?? (date ? isoUTC(date.getTime()) : mail.date ? isoUTC(mail.date.getTime()) : null);
  const reference = date ?? mail.date ?? (opts.receivedAt ? new Date(opts.receivedAt) : null) ?? opts.now ?? null;
  const notice = textNotice({ text, subject, from, messageId, receivedAt, reference, format: "email", forwarded, warnings: mail.warnings });
  if (references.length > 0) notice.references = references;
  return { index, format: "email", raw, notice, mail: toMailView(mail, forwarded) };
}

export type { Notice, ParsedItem, ParseFailure, MailView } from "./types.ts";
