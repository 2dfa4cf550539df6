/**
 * A realistic abuse mailbox for the triage benchmark and the verifier's tests: the generated
 * notices of test/notice/helpers/generate.ts (every format family and MIME shape), each given the
 * treatment mail really gets before it reaches an abuse desk:
 *
 * - genuine (most of them): signed the way AWS signs through SES, by the From domain and by
 *   amazonses.com (RSA-2048, relaxed/simple, the fixture keys), with an SES bounce address;
 * - forwarded by the recipient as an attachment (message/rfc822): the signed original inside;
 * - forwarded inline by the recipient: AWS's signature gone;
 * - forged: From an AWS address, unsigned, or signed by the forger's own domain;
 * - look-alike: From a domain that imitates AWS's.
 *
 * Deterministic for a seed. Every message says what verify must conclude (`expect`), so a fast
 * wrong answer is caught by whoever measures.
 */
import { generateMbox, rng } from "../notice/helpers/generate.ts";
import type { DnsCache } from "../../src/verify/dns.ts";
import type { VerdictLevel } from "../../src/verify/types.ts";
import { dkimTxt, KEYS, sign, zone } from "./helpers.ts";

export type Treatment = "genuine" | "forwarded-attached" | "forwarded-inline" | "forged-unsigned" | "forged-signed" | "lookalike";

export interface MailboxMessage {
  raw: Buffer;
  treatment: Treatment;
  /** The verdict verify must reach. */
  expect: VerdictLevel;
  /** What the parser should read (test/notice/helpers/generate.ts). */
  notice: ReturnType<typeof generateMbox>["expected"][number];
}

/** Shares of each treatment, in order; genuine takes what is left. */
export const TREATMENT_SHARES: [Treatment, number][] = [
  ["forwarded-attached", 0.04],
  ["forwarded-inline", 0.04],
  ["forged-unsigned", 0.05],
  ["forged-signed", 0.04],
  ["lookalike", 0.04],
];

const EXPECT: Record<Treatment, VerdictLevel> = {
  genuine: "authentic",
  "forwarded-attached": "authentic",
  "forwarded-inline": "unverified",
  "forged-unsigned": "phishing",
  "forged-signed": "phishing",
  lookalike: "phishing",
};

const SELECTOR = "abusedesk-test-rsa";

/** The test zone plus the keys this mailbox's senders need (AWS's from-domains and SES). */
export function mailboxZone(): DnsCache {
  const z = zone();
  z.set("TXT", `${SELECTOR}._domainkey.amazonaws.com`, [[dkimTxt(KEYS.awsRsa)]]);
  return z;
}

/** AWS's two signatures as SES writes them: relaxed headers, simple body. */
function awsSigned(raw: string, fromDomain: string): Promise<string> {
  return sign(raw, [
    { domain: fromDomain, selector: SELECTOR, key: KEYS.awsRsa, canonicalization: "relaxed/simple" },
    { domain: "amazonses.com", selector: SELECTOR, key: KEYS.awsRsa, canonicalization: "relaxed/simple" },
  ]);
}

function headerOf(raw: string, name: string): string | null {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, "im").exec(head);
  return m ? m[1]! : null;
}

function fromDomainOf(raw: string): string {
  const from = headerOf(raw, "From") ?? "";
  return /@([^>\s]+)/.exec(from)?.[1]?.toLowerCase() ?? "";
}

/** A single text/plain 7bit notice: the only shape a person's inline forward can quote as it is. */
function plainBody(raw: string): string | null {
  const sep = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, sep);
  if (!/^Content-Type: text\/plain/im.test(head) || !/^Content-Transfer-Encoding: 7bit/im.test(head)) return null;
  return raw.slice(sep + 4);
}

const LOOKALIKES = ["amaz0n-abuse.example", "aws-trust-safety.example", "arnazon-support.example", "amazon.com-case.example"];

/**
 * `count` messages from `generateMbox(count, seed)`, treated as above. Signing is RSA at about a
 * millisecond a signature, so building 10,000 takes a few seconds.
 */
export async function generateMailbox(count: number, seed = 7): Promise<MailboxMessage[]> {
  const { messages, expected } = generateMbox(count, seed);
  const r = rng(seed * 7919 + 1);
  const out: MailboxMessage[] = [];
  for (let i = 0; i < count; i++) {
    const original = messages[i]!.toString("utf8");
    const domain = fromDomainOf(original);
    // SES's bounce address, as on every message SES sends
    const withBounce = `Return-Path: <0100018f${i.toString(16).padStart(8, "0")}-bounce@amazonses.com>\r\n${original}`;
    let roll = r();
    let treatment: Treatment = "genuine";
    for (const [t, share] of TREATMENT_SHARES) {
      if (roll < share) {
        treatment = t;
        break;
      }
      roll -= share;
    }
    if (treatment === "forwarded-inline" && plainBody(original) === null) treatment = "forwarded-attached";

    let raw: string;
    switch (treatment) {
      case "genuine":
        raw = await awsSigned(withBounce, domain);
        break;
      case "forwarded-attached": {
        const signed = await awsSigned(withBounce, domain);
        const bnd = `fwd_${seed}_${i}`;
        raw = [
          "From: Sam Operator <sam@customer.example>",
          "To: abuse-desk@customer.example",
          `Subject: Fwd: ${headerOf(original, "Subject") ?? "AWS notice"}`,
          "Date: Tue, 02 Jan 2024 10:00:00 +0000",
          `Message-ID: <fwd-${seed}-${i}@customer.example>`,
          "MIME-Version: 1.0",
          `Content-Type: multipart/mixed; boundary="${bnd}"`,
          "",
          `--${bnd}`,
          "Content-Type: text/plain; charset=UTF-8",
          "",
          "Forwarding the notice AWS sent us, as an attachment.",
          "",
          `--${bnd}`,
          "Content-Type: message/rfc822",
          "Content-Disposition: attachment; filename=\"notice.eml\"",
          "",
          signed.replace(/\r\n$/, ""),
          `--${bnd}--`,
          "",
        ].join("\r\n");
        break;
      }
      case "forwarded-inline":
        raw = [
          "From: Sam Operator <sam@customer.example>",
          "To: abuse-desk@customer.example",
          `Subject: Fwd: ${headerOf(original, "Subject") ?? "AWS notice"}`,
          "Date: Tue, 02 Jan 2024 10:00:00 +0000",
          `Message-ID: <fwd-${seed}-${i}@customer.example>`,
          "MIME-Version: 1.0",
          "Content-Type: text/plain; charset=UTF-8",
          "Content-Transfer-Encoding: 7bit",
          "",
          "See below.",
          "",
          "---------- Forwarded message ---------",
          `From: ${headerOf(original, "From")}`,
          `Date: ${headerOf(original, "Date")}`,
          `Subject: ${headerOf(original, "Subject")}`,
          "To: security@example.com",
          "",
          plainBody(original)!,
        ].join("\r\n");
        break;
      case "forged-unsigned":
        // a forger's server: no SES, no signature
        raw = original;
        break;
      case "forged-signed":
        raw = await sign(`Return-Path: <bounce@example.net>\r\n${original}`, [{ domain: "example.net", selector: "forger", key: KEYS.forger }]);
        break;
      case "lookalike": {
        const fake = LOOKALIKES[i % LOOKALIKES.length]!;
        raw = original.replace(/^(From:[^\r\n]*@)[^>\s\r\n]+/im, `$1${fake}`);
        break;
      }
    }
    out.push({ raw: Buffer.from(raw, "utf8"), treatment, expect: EXPECT[treatment], notice: expected[i]! });
  }
  return out;
}

/** The messages as an mbox (mboxrd quoting, as generateMbox writes it). */
export function mboxOf(messages: readonly { raw: Buffer }[]): Buffer {
  return Buffer.from(
    messages.map((m) => `From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n${m.raw.toString("utf8").replace(/^(>*From )/gm, ">$1")}`).join("\n"),
    "utf8",
  );
}
