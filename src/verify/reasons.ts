/**
 * Every reason the verifier can give, in one catalogue: its stable code, its usual severity and
 * what it means. docs/verify.md lists the same codes (a test keeps the two in step), and the
 * verdict is computed from reasons alone (aggregate.ts), so this table is the whole vocabulary.
 *
 * A few codes carry a different severity depending on the circumstances (noted in `severity`
 * below as the usual one and in `note`); the message always says why.
 */
import type { Reason, VerdictLevel } from "./types.ts";

type Severity = Reason["severity"];

export interface ReasonSpec {
  severity: Severity;
  /** When the severity can differ, why. */
  note?: string;
  /** What the code means, for docs/verify.md. */
  meaning: string;
}

export const REASONS = {
  // Where the notice came from
  "source.pasted_text": { severity: "info", meaning: "Pasted text carries no signature: it can be at best unverified." },
  "source.mail_copy": { severity: "info", meaning: "A copy of a message pasted from a mail client (From:/Sent:/To:/Subject:, no Received, Message-ID or Date): a copy, not a message; at best unverified, and the missing signature is not held against it." },
  "source.health_api": { severity: "pass", meaning: "An AWS Health event abuse-desk fetched from the AWS Health API itself: authentic by source." },
  "source.health_file": { severity: "info", meaning: "An AWS Health event handed in as a file or pasted: it cannot be proven; fetch it from the API to prove it." },
  "health.source_not_aws": { severity: "warn", meaning: "The event's `source` is not `aws.health` (a mock or hand-made event)." },
  "forward.inline": { severity: "info", meaning: "Forwarded inline by the recipient: AWS's signature did not survive, so it cannot be proven." },
  "forward.attached": { severity: "info", meaning: "Forwarded as an attached message: the attached original is what was authenticated." },

  // DKIM
  "dkim.aws_pass": { severity: "pass", meaning: "A DKIM signature by an AWS sending domain verifies and aligns with the From domain: sent by AWS." },
  "dkim.aws_not_aligned": { severity: "info", meaning: "A signature by an AWS domain verifies, but the From address is at another domain: it proves nothing about From." },
  "dkim.ses_only": { severity: "info", meaning: "Only the amazonses.com signature verifies: Amazon SES carried it, and any AWS customer can send through SES." },
  "dkim.other_pass": { severity: "info", meaning: "A signature by a non-AWS domain verifies: that domain sent it." },
  "dkim.missing": { severity: "fail", meaning: "The From address is at an AWS domain but no AWS signature is present: AWS signs all its mail." },
  "dkim.body_modified": {
    severity: "warn",
    note: "info when another proof (trusted ARC or mail server record) explains the change",
    meaning: "The body no longer matches AWS's signature: changed after AWS sent it (a gateway's banner or link rewriting, or a forger).",
  },
  "dkim.bad_signature": {
    severity: "warn",
    note: "info when another proof explains the change",
    meaning: "AWS's signature does not verify over the headers: a signed header (Subject, From, Date) was changed.",
  },
  "dkim.key_missing": { severity: "info", meaning: "The signing key is not published (any more): the signature cannot be checked; AWS rotates keys, so old mail ends here." },
  "dkim.expired": { severity: "info", meaning: "The signature's expiry (x=) has passed: it cannot be checked any more." },
  "dkim.weak_key": { severity: "warn", meaning: "The signing key is shorter than 1024 bits: its signature proves nothing." },
  "dkim.unsigned_content": { severity: "warn", meaning: "The signature covers only the first part of the body (l=) and more text follows: someone may have appended it." },
  "dkim.not_checked": { severity: "info", meaning: "Offline: signatures were not checked against DNS (the body hash was)." },
  "verify.error": { severity: "info", meaning: "The verifier itself failed on this input; the verdict stays unverified (please report it)." },
  "auth.error": { severity: "info", meaning: "Mail authentication could not run on this message (malformed beyond what mailauth reads)." },
  "dns.unavailable": { severity: "info", meaning: "DNS lookups failed: some checks could not be made; the verdict cannot be authentic." },

  // SPF, DMARC, ARC, and the recipient's mail server
  "spf.pass": { severity: "info", note: "pass when the bounce domain is an AWS sending domain", meaning: "The connecting server may send for the bounce (Return-Path) domain." },
  "spf.fail": {
    severity: "fail",
    note: "warn when AWS's signature verifies (a relay), info when the bounce domain is not AWS's",
    meaning: "The connecting server may not send for the AWS bounce domain.",
  },
  "spf.softfail": { severity: "warn", note: "info when the bounce domain is not AWS's", meaning: "The bounce domain's SPF says the server is probably not allowed." },
  "spf.none": { severity: "info", meaning: "SPF gives no answer (none, neutral, or a broken record)." },
  "spf.not_evaluated": { severity: "info", meaning: "SPF needs the IP that delivered the message, which only a trusted mail server's Received header gives." },
  "dmarc.pass": { severity: "pass", meaning: "The AWS From domain's DMARC passes (an aligned signature or aligned SPF)." },
  "dmarc.fail": {
    severity: "fail",
    note: "warn when AWS's signature is present but broken or the policy is none; info when it could not be checked",
    meaning: "The AWS From domain's DMARC fails: AWS's own policy says to reject or quarantine this message.",
  },
  "arc.trusted_pass": { severity: "pass", meaning: "An ARC chain sealed by a sealer you trust records AWS's signature passing before the message was forwarded." },
  "arc.pass": { severity: "info", meaning: "An ARC chain verifies, but its sealer is not one you trust: what it records is said, not relied on." },
  "arc.fail": { severity: "warn", meaning: "The ARC chain is broken: the message changed after it was sealed." },
  "authres.trusted_pass": { severity: "pass", meaning: "Your own mail server (a trusted authserv-id) recorded AWS's signature or DMARC passing on arrival." },
  "authres.trusted_fail": { severity: "fail", meaning: "Your own mail server recorded DMARC failing for the AWS From domain on arrival." },
  "authres.unbacked": { severity: "warn", meaning: "A trusted mail server's record says a DKIM signature by a domain passed, but the message carries no DKIM-Signature by that domain: the record is not relied on." },
  "authres.untrusted": { severity: "info", meaning: "Authentication-Results headers from servers you have not said you trust: anyone can write those." },

  // Headers and addresses
  "header.duplicate": { severity: "fail", meaning: "Two From (or Subject, Reply-To, Sender) headers: a trick to show one value while another is signed." },
  "header.from_missing": { severity: "warn", meaning: "The message has no usable From address." },
  "sender.known": { severity: "pass", note: "info while nothing proves the message came from AWS", meaning: "From is an address AWS sends abuse notices from." },
  "sender.aws_unlisted": { severity: "info", meaning: "From is at an AWS domain but is not an address AWS is known to send abuse notices from." },
  "sender.customer_content": { severity: "warn", meaning: "From is an AWS service that delivers what customers write (SNS): never an abuse notice." },
  "sender.not_aws": { severity: "warn", meaning: "From is not at an AWS domain." },
  "sender.forwarder": { severity: "info", meaning: "From is the person who forwarded the notice." },
  "sender.list_rewrite": { severity: "info", meaning: "A mailing list rewrote From (\"'AWS' via list\"): the original sender is in the display name." },
  "sender.display_name_spoof": { severity: "fail", meaning: "The display name (or local part) claims AWS but the address is at another domain." },
  "sender.lookalike": { severity: "fail", meaning: "The From, Reply-To or Return-Path domain imitates an AWS domain." },
  "reply_to.foreign": { severity: "warn", meaning: "Replies would go to a domain that is not AWS's." },
  "return_path.foreign": { severity: "warn", meaning: "Bounces go to a domain that is neither AWS's nor Amazon SES's while From claims AWS." },

  // Links and hosts
  "link.lookalike": { severity: "fail", meaning: "A link or host imitates an AWS domain (amaz0n, arnazon, aws-support-center)." },
  "link.homograph": { severity: "fail", meaning: "A link or host uses look-alike Unicode characters (punycode) to read as an AWS domain." },
  "link.subdomain_trick": { severity: "fail", meaning: "An AWS name sits left of someone else's domain (aws.amazon.com.example.net)." },
  "link.punycode": { severity: "warn", meaning: "A link goes to an internationalised (punycode) domain." },
  "link.text_mismatch": { severity: "fail", note: "warn when neither host is AWS's", meaning: "A link shows one host and goes to another." },
  "link.userinfo": { severity: "fail", meaning: "A link hides its real host behind user@ (https://aws.amazon.com@example.net/)." },
  "link.script": { severity: "fail", meaning: "A javascript:, data: or vbscript: link." },
  "link.ip_literal": { severity: "warn", meaning: "A link goes to a bare IP address." },
  "link.shortener": { severity: "warn", meaning: "A link goes through a URL shortener." },
  "link.customer_hosted": { severity: "warn", meaning: "A link goes to a customer's content on AWS (an S3 bucket, API Gateway, CloudFront), not to AWS." },

  // What the message asks for, and what it carries
  "content.credential_request": { severity: "fail", meaning: "Asks you to send or enter a password, secret access key, MFA code or card number: AWS never does." },
  "content.payment_request": { severity: "fail", meaning: "Asks for payment in gift cards, cryptocurrency or by wire: AWS never does." },
  "content.verify_account": { severity: "warn", meaning: "Asks you to verify or confirm your account or identity through a link." },
  "attachment.executable": { severity: "fail", meaning: "Carries a program or script (exe, js, iso, lnk...): AWS never sends one." },
  "attachment.macro": { severity: "fail", meaning: "Carries an Office document that can hold macros." },
  "attachment.html": { severity: "fail", meaning: "Carries an HTML or SVG file (a classic local sign-in form)." },
  "attachment.archive": { severity: "warn", meaning: "Carries an archive (zip, rar, 7z)." },
} as const satisfies Record<string, ReasonSpec>;

export type ReasonCode = keyof typeof REASONS;

export const REASON_CODES = Object.keys(REASONS) as ReasonCode[];

/** Makes a reason with the catalogue's severity unless the caller states why it differs. */
export function reason(code: ReasonCode, message: string, severity?: Severity): Reason {
  return { code, severity: severity ?? REASONS[code].severity, message };
}

/** Reasons that, with severity `pass`, prove the notice came from AWS. */
export const PROOF_CODES: ReadonlySet<string> = new Set<ReasonCode>([
  "dkim.aws_pass",
  "dmarc.pass",
  "arc.trusted_pass",
  "authres.trusted_pass",
  "source.health_api",
]);

/**
 * The verdict, from the reasons alone:
 * 1. any `fail` (evidence of forgery) -> phishing;
 * 2. else any `warn` -> suspicious;
 * 3. else a proof (`pass` from PROOF_CODES) on an input that can be proven -> authentic;
 * 4. else unverified.
 * Pasted text and Health event files can never be proven (`provable` false), so they stop at 3.
 */
export function decide(reasons: readonly Reason[], provable: boolean): VerdictLevel {
  if (reasons.some((r) => r.severity === "fail")) return "phishing";
  if (reasons.some((r) => r.severity === "warn")) return "suspicious";
  if (provable && reasons.some((r) => r.severity === "pass" && PROOF_CODES.has(r.code))) return "authentic";
  return "unverified";
}
