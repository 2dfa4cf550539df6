/**
 * Threading: which notice the reply answers, its subject kept (AWS files the reply by the case
 * reference the subject carries), and the In-Reply-To / References headers that put the reply in
 * the notice's thread (RFC 5322 section 3.6.4).
 */
import addressparser from "nodemailer/lib/addressparser";
import type { ReplyNotice } from "./types.ts";

/** Reply and forward prefixes in the languages mail clients add them, and gateway tags. */
const PREFIX = /^\s*(?:(?:re|aw|sv|vs|antw|fwd?|tr|wg|rv)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*|\[(?:external|ext|spam|suspicious)\]\s*|\*?external\*?:?\s+)+/i;

/** `Re: ` + the original subject, with any reply or forward prefixes it already had folded away. */
export function replySubject(original: string): string {
  const bare = original.replace(/\s+/g, " ").replace(PREFIX, "").trim();
  return `Re: ${bare}`;
}

/** A subject carrying the case when the notice came without one (pasted text, a Health event). */
export function fallbackSubject(caseNumber: string | null, accountId: string | null): string | null {
  if (!caseNumber) return null;
  return `Re: Your AWS Abuse Report [${caseNumber}]${accountId ? ` [AWS ID ${accountId}]` : ""}`;
}

/** `<id@host>`; accepts an id with or without its angle brackets. */
export function normalizeMessageId(id: string): string | null {
  const m = /<?\s*([^<>\s]+@[^<>\s]+)\s*>?/.exec(id.trim());
  return m ? `<${m[1]}>` : null;
}

/** Most references kept: the first (the thread's root) and the latest ones, as RFC 5322 suggests when trimming. */
const MAX_REFERENCES = 20;

export function threadHeaders(notice: ReplyNotice): { inReplyTo: string | null; references: string[] } {
  const own = notice.messageId ? normalizeMessageId(notice.messageId) : null;
  const refs: string[] = [];
  for (const r of notice.references ?? []) {
    const n = normalizeMessageId(r);
    if (n && !refs.includes(n) && n !== own) refs.push(n);
  }
  if (own) refs.push(own);
  const trimmed = refs.length > MAX_REFERENCES ? [refs[0]!, ...refs.slice(refs.length - MAX_REFERENCES + 1)] : refs;
  return { inReplyTo: own, references: trimmed };
}

/**
 * The notice the reply answers: the latest e-mail that AWS sent in the case (a reminder or final
 * notification is the newest message of the thread), not AWS's "resolved" letter unless it is all
 * there is.
 */
export function threadNotice(notices: readonly ReplyNotice[]): ReplyNotice | null {
  if (notices.length === 0) return null;
  const time = (n: ReplyNotice) => (n.receivedAt ? Date.parse(n.receivedAt) || 0 : 0);
  const ranked = [...notices]
    .map((n, i) => ({ n, i }))
    .sort((a, b) => score(b.n) - score(a.n) || time(b.n) - time(a.n) || b.i - a.i);
  return ranked[0]!.n;
}

function score(n: ReplyNotice): number {
  return (n.format === "email" && n.messageId ? 2 : 0) + (n.kind === "resolved" ? 0 : 1);
}

/** The bare, lower-cased address of a From or Reply-To value (`AWS <a@b>` -> `a@b`). */
export function bareAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  const parsed = addressparser(value, { flatten: true });
  const addr = parsed.find((a) => a.address)?.address;
  return addr ? addr.toLowerCase() : null;
}

/** The addresses AWS's abuse teams send from and read replies at. */
export const AWS_ABUSE_ADDRESSES = ["ec2-abuse@amazon.com", "abuse@amazonaws.com", "trustandsafety@support.aws.com", "ses-enforcement@amazon.com"] as const;

export function isAwsAbuseAddress(address: string, extra: readonly string[] = []): boolean {
  const a = address.trim().toLowerCase();
  return (AWS_ABUSE_ADDRESSES as readonly string[]).includes(a) || extra.some((e) => e.trim().toLowerCase() === a);
}
