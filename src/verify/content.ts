/**
 * What the message asks for, and what it carries: requests for credentials or payment that AWS
 * never makes, and attachments AWS never sends.
 *
 * Only the message's own words are read: the reporter's forwarded report and log extract can
 * quote a phishing page ("enter your password") without the notice asking anything.
 */
import { ATTACHMENT_CONTENT_TYPES, ATTACHMENT_RULES } from "./aws.ts";
import { reason } from "./reasons.ts";
import type { Reason } from "./types.ts";

/**
 * A line where the reporter's material starts in a notice: everything after it is quoted, not
 * asked. Matched line by line with a sticky pattern (`y`), never as one multiline `^...` search:
 * V8 retries a multiline pattern at every position, which on a long run of spaces or blank lines
 * takes quadratic time. Spaces are `[ \t]*`, never `\s*`, so a match cannot run across lines, and
 * no two space runs can follow each other (`[ \t>]*` then `[ \t]*` would backtrack quadratically).
 */
const QUOTED_LINE = /[ \t>]*(?:-{2,}[ \t]*(?:beginning of |begin )?forwarded reports?|={3,}[ \t]*details[ \t]*={3,}|(?:\*[ \t]*)?log extract[ \t]*:|logs \(4kb max\)\*?[ \t]*:|abuse type\*[ \t]*:)/iy;

/** Offset of the first line that starts the reporter's material, or -1. */
function quotedStart(text: string): number {
  for (let pos = 0; pos < text.length; ) {
    QUOTED_LINE.lastIndex = pos;
    if (QUOTED_LINE.test(text)) return pos;
    const nl = text.indexOf("\n", pos);
    if (nl < 0) return -1;
    pos = nl + 1;
  }
  return -1;
}
/** Removes `<<< ... >>>` blocks (the legacy notices' log extract) in one pass; an unclosed `<<<` runs to the end. */
function dropLogBlocks(text: string): string {
  let out = "";
  let pos = 0;
  for (;;) {
    const open = text.indexOf("<<<", pos);
    if (open < 0) return out + text.slice(pos);
    out += text.slice(pos, open) + " ";
    const close = text.indexOf(">>>", open + 3);
    if (close < 0) return out;
    pos = close + 3;
  }
}

/**
 * Splits a notice's text into its own words (up to the reporter's material, quoted logs and the
 * given quoted strings removed) and the reporter's material (after the markers).
 */
export function splitQuoted(text: string, quoted: readonly string[] = []): { own: string; reported: string } {
  let own = text;
  let reported = "";
  const cut = quotedStart(text);
  if (cut >= 0) {
    own = text.slice(0, cut);
    reported = text.slice(cut);
  }
  if (own.includes("<<<")) own = dropLogBlocks(own);
  for (const q of quoted) {
    if (q.length >= 12 && own.includes(q)) own = own.split(q).join(" ");
  }
  return { own, reported };
}

const NEGATION = /\b(?:never|not|no one|nobody|n't|don't|do not|won't|will not|cannot|can't|should not|shouldn't|avoid)\b[^.!?\n]{0,40}$/i;

const CREDENTIAL = new RegExp(
  String.raw`\b(?:send|provide|enter|submit|share|reply|respond|type in|upload|paste|give us|forward|re-?enter|input|fill in|tell us|disclose)\b` +
    String.raw`((?:[^.!?\n]|\.(?=\d)){0,60}?)\b(?:(?:aws\s+)?secret(?:\s+access)?\s+keys?|access keys? and secret|passwords?|passcodes?|mfa\s+(?:codes?|tokens?)|one[- ]time\s+(?:codes?|passwords?)|otp|2fa\s+codes?|verification\s+codes?|authentication\s+codes?|security\s+codes?|credit\s+card(?:\s+(?:number|details))?|card\s+numbers?|cvv|cvc|bank\s+(?:account|details)|(?:login|sign[- ]in|root|account|aws)\s+(?:credentials|details)|your\s+credentials)\b(?![\s-]*(?:reset|policy|policies|manager|rotation|change|length|complexity|requirements))`,
  "gi",
);
const PAYMENT = new RegExp(
  String.raw`\b(?:pay|purchase|buy|settle|remit|deposit|send)\b(?:[^.!?\n]|\.(?=\d)){0,60}?\b(?:gift\s?cards?|itunes\s+cards?|google\s+play\s+cards?|steam\s+cards?|prepaid\s+cards?|bitcoins?|btc|ethereum|usdt|monero|crypto\s?currency|wire\s+transfer|western\s+union|moneygram)\b` +
    String.raw`|\bpay\b(?:[^.!?\n]|\.(?=\d)){0,40}?\b(?:fine|penalty|reactivation\s+fee|reinstatement\s+fee|unlock\s+fee|release\s+fee)\b`,
  "gi",
);
const VERIFY_ACCOUNT = new RegExp(
  String.raw`\b(?:verify|confirm|validate|re-?activate|unlock|re-?validate)\s+(?:your\s+)?(?:aws\s+|amazon\s+)?(?:account|identity|login|billing\s+information|payment\s+(?:information|details|method))\b` +
    String.raw`|\bunless\s+you\b(?:[^.!?\n]|\.(?=\d)){0,40}?\b(?:click|log\s?in|sign\s?in|verify|confirm)\b`,
  "gi",
);

/** Words between the verb and the secret that make it advice about handling the secret, not a request for it. */
const HANDLING = /\b(?:rotat|chang|revok|delet|disabl|deactivat|reset|remov|replac|secur|protect|expos|leak|compromis|audit|review)/i;

function firstUnnegated(re: RegExp, text: string, handling = false): string | null {
  re.lastIndex = 0;
  for (const m of text.matchAll(re)) {
    const before = text.slice(Math.max(0, m.index - 60), m.index);
    if (NEGATION.test(before)) continue;
    if (handling && HANDLING.test(m[1] ?? "")) continue;
    return m[0].replace(/\s+/g, " ").trim();
  }
  return null;
}

/**
 * Cheap tests for the rare words each request needs (the secret, the payment, the verb), so the
 * full patterns run only on the few messages that could match.
 */
const MAY_ASK_CREDENTIAL = /secret|passw|passcode|mfa|one[- ]time|\botp\b|2fa|(?:verification|authentication|security)\s+code|card|cvv|cvc|bank\s|(?:login|sign[- ]in|root|account|aws)\s+(?:credentials|details)|your\s+credentials/i;
const MAY_ASK_PAYMENT = /gift|itunes|google\s+play|steam|prepaid|bitcoin|btc|ethereum|usdt|monero|crypto|wire\s+transfer|western\s+union|moneygram|fine|penalty|fee\b/i;
const MAY_ASK_VERIFY = /verify|confirm|validate|activate|unlock|unless\s+you/i;

/** Requests AWS never makes, in the message's own words. */
export function checkRequests(ownText: string): Reason[] {
  const reasons: Reason[] = [];
  const text = ownText.length > 200_000 ? ownText.slice(0, 200_000) : ownText;
  const cred = MAY_ASK_CREDENTIAL.test(text) ? firstUnnegated(CREDENTIAL, text, true) : null;
  if (cred) reasons.push(reason("content.credential_request", `It asks: "${cred.slice(0, 120)}". AWS never asks for passwords, secret access keys, MFA codes or card numbers by mail.`));
  const pay = MAY_ASK_PAYMENT.test(text) ? firstUnnegated(PAYMENT, text) : null;
  if (pay) reasons.push(reason("content.payment_request", `It asks: "${pay.slice(0, 120)}". AWS never asks for payment in gift cards, cryptocurrency or by wire to settle an abuse case.`));
  const ver = MAY_ASK_VERIFY.test(text) ? firstUnnegated(VERIFY_ACCOUNT, text) : null;
  if (ver) reasons.push(reason("content.verify_account", `It asks you to "${ver.slice(0, 120)}": abuse notices ask you to fix and reply, not to verify an account through a link.`));
  return reasons;
}

export interface Attachment {
  filename: string | null;
  contentType: string;
  size: number;
}

type AttachmentKind = keyof typeof ATTACHMENT_RULES;
const BY_EXTENSION = new Map<string, AttachmentKind>();
for (const kind of ["archive", "html", "macro", "executable"] as const) for (const ext of ATTACHMENT_RULES[kind]) BY_EXTENSION.set(ext, kind);
const SEVERITY_ORDER: AttachmentKind[] = ["executable", "macro", "html", "archive"];
const CODE = { executable: "attachment.executable", macro: "attachment.macro", html: "attachment.html", archive: "attachment.archive" } as const;
const WHAT = { executable: "a program or script", macro: "an Office document that can carry macros", html: "an HTML page (a local sign-in form needs no web site)", archive: "an archive" } as const;

/** Attachments AWS never sends. Every extension of the name counts (`report.pdf.exe`, `invoice.html.zip`). */
export function checkAttachments(attachments: readonly Attachment[]): Reason[] {
  const reasons: Reason[] = [];
  const said = new Set<AttachmentKind>();
  for (const a of attachments.slice(0, 200)) {
    const ct = a.contentType.toLowerCase().split(";")[0]!.trim();
    if (ct === "message/rfc822" || ct === "message/global") continue; // a forwarded original: judged by its own signature
    const name = (a.filename ?? "").toLowerCase().trim();
    const kinds = new Set<AttachmentKind>();
    const exts = name.split(".").slice(1);
    for (const ext of exts) {
      const k = BY_EXTENSION.get(ext.replace(/[^a-z0-9-]/g, ""));
      if (k) kinds.add(k);
    }
    const byType = ATTACHMENT_CONTENT_TYPES[ct];
    // a text/html body part without a name is the message's own HTML, not an attachment
    if (byType && (byType !== "html" || name)) kinds.add(byType);
    const kind = SEVERITY_ORDER.find((k) => kinds.has(k));
    if (!kind || said.has(kind)) continue;
    said.add(kind);
    reasons.push(reason(CODE[kind], `It carries ${a.filename ? `"${a.filename}"` : `a ${ct} attachment`}, ${WHAT[kind]}: AWS does not send attachments like this with abuse notices.`));
  }
  return reasons;
}
