/**
 * Test kit for the verifier: the fixture keys, a DNS zone that publishes their public halves (the
 * resolver is injected; nothing touches real DNS), message builders, DKIM signing and ARC sealing
 * with mailauth, and ParsedItems built by hand (the parser is tested elsewhere).
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dkimSign, sealMessage } from "mailauth";
import addressparser from "nodemailer/lib/addressparser";
import type { MailView, Notice, ParsedItem } from "../../src/notice/types.ts";
import { blankNotice } from "../../src/notice/blank.ts";
import { DnsCache } from "../../src/verify/dns.ts";
import { header, parseHeaders, splitHead } from "../../src/notice/mime/headers.ts";

export const FIXTURES = join(import.meta.dirname, "../../fixtures/verify");
const key = (name: string) => readFileSync(join(FIXTURES, "keys", `${name}.pem`), "utf8");

export const KEYS = {
  awsRsa: key("aws-rsa2048"),
  awsEd: key("aws-ed25519"),
  forger: key("forger-rsa2048"),
  sealer: key("sealer-rsa2048"),
  weak: key("weak-rsa512"),
};

/** The DKIM TXT record publishing a private key's public half. */
export function dkimTxt(pem: string): string {
  const pub = createPublicKey(createPrivateKey(pem));
  if (pub.asymmetricKeyType === "ed25519") {
    const raw = pub.export({ format: "der", type: "spki" }).subarray(-32);
    return `v=DKIM1; k=ed25519; p=${raw.toString("base64")}`;
  }
  return `v=DKIM1; k=rsa; p=${pub.export({ format: "der", type: "spki" }).toString("base64")}`;
}

/** Documentation addresses standing in for SES's and a forger's sending IPs. */
export const SES_IP = "198.51.100.25";
export const FORGER_IP = "203.0.113.66";
export const NOW = new Date("2024-07-10T12:00:00Z");
export const SIGN_TIME = new Date("2024-07-10T09:30:00Z");

/** The test zone: AWS's (stand-in) keys, DMARC and SPF, a forger's domain, a forwarder's ARC key. */
export function zone(): DnsCache {
  const z = new DnsCache({ missCode: "ENOTFOUND", now: () => SIGN_TIME.getTime() });
  const txt = (name: string, ...values: string[]) => z.set("TXT", name, values.map((v) => [v]));
  txt("abusedesk-test-rsa._domainkey.amazon.com", dkimTxt(KEYS.awsRsa));
  txt("abusedesk-test-ed._domainkey.amazon.com", dkimTxt(KEYS.awsEd));
  txt("abusedesk-test-rsa._domainkey.support.aws.com", dkimTxt(KEYS.awsRsa));
  txt("abusedesk-test-rsa._domainkey.amazonses.com", dkimTxt(KEYS.awsRsa));
  txt("abusedesk-test-rsa._domainkey.sns.amazonaws.com", dkimTxt(KEYS.awsRsa));
  txt("abusedesk-weak._domainkey.amazon.com", dkimTxt(KEYS.weak));
  txt("forger._domainkey.example.net", dkimTxt(KEYS.forger));
  txt("arc._domainkey.forwarder.example", dkimTxt(KEYS.sealer));
  txt("_dmarc.amazon.com", "v=DMARC1; p=quarantine; pct=100");
  txt("_dmarc.aws.com", "v=DMARC1; p=reject");
  txt("_dmarc.amazonaws.com", "v=DMARC1; p=reject");
  txt("_dmarc.example.net", "v=DMARC1; p=none");
  txt("amazonses.com", "v=spf1 ip4:198.51.100.0/24 -all");
  txt("us-west-2.amazonses.com", "v=spf1 include:amazonses.com -all");
  txt("amazon.com", "v=spf1 ip4:198.51.100.0/24 -all");
  txt("example.net", "v=spf1 ip4:203.0.113.0/24 ~all");
  txt("softfail.example", "v=spf1 ip4:192.0.2.0/24 ~all");
  return z;
}

export interface MessageOptions {
  from?: string;
  to?: string;
  subject?: string;
  date?: string;
  messageId?: string;
  replyTo?: string;
  returnPath?: string;
  /** Extra header lines, placed above the rest (a Received header, List-Id...). */
  headers?: string[];
  contentType?: string;
  body?: string;
}

/** An abuse notice in AWS's style, in this project's own words, with documentation addresses. */
export const NOTICE_BODY = [
  "Hello,",
  "",
  "We have received a report that your AWS resource(s)",
  "",
  "AWS ID: 111122223333 Region: eu-west-1 EC2 Instance Id: i-0abc1234def567890 [192.0.2.10]",
  "",
  "has been implicated in activity that resembles scanning remote hosts on the internet.",
  "",
  "Please review the activity below, take the action needed to stop it, and reply to this",
  "message within 24 hours with the steps you took. More on responding to abuse reports:",
  "https://aws.amazon.com/premiumsupport/knowledge-center/aws-abuse-report/",
  "",
  "Regards,",
  "AWS Trust & Safety",
  "",
].join("\r\n");

export function message(o: MessageOptions = {}): string {
  const lines = [
    ...(o.headers ?? []),
    ...(o.returnPath ? [`Return-Path: <${o.returnPath}>`] : []),
    `From: ${o.from ?? "Amazon EC2 Abuse <ec2-abuse@amazon.com>"}`,
    `To: ${o.to ?? "security@customer.example"}`,
    ...(o.replyTo ? [`Reply-To: ${o.replyTo}`] : []),
    `Subject: ${o.subject ?? "Your AWS Abuse Report [12345678901] [AWS ID 111122223333]"}`,
    `Date: ${o.date ?? "Wed, 10 Jul 2024 09:30:00 +0000"}`,
    `Message-ID: ${o.messageId ?? "<0100018f-test-0001@email.amazonses.com>"}`,
    "MIME-Version: 1.0",
    `Content-Type: ${o.contentType ?? "text/plain; charset=UTF-8"}`,
    "Content-Transfer-Encoding: 7bit",
  ];
  return lines.join("\r\n") + "\r\n\r\n" + (o.body ?? NOTICE_BODY);
}

export interface SignOptions {
  domain: string;
  selector: string;
  key: string;
  algorithm?: string;
  maxBodyLength?: number;
  expires?: Date;
  headerList?: string[];
  /** `header/body` canonicalization; mailauth's default is relaxed/relaxed, SES signs relaxed/simple. */
  canonicalization?: string;
}

/** Prepends DKIM-Signature headers (in the order given: the first is outermost). */
export async function sign(raw: string, sigs: SignOptions[]): Promise<string> {
  const r = await dkimSign(raw, {
    signTime: SIGN_TIME,
    ...(sigs.some((s) => s.expires) ? { expires: sigs.find((s) => s.expires)!.expires! } : {}),
    signatureData: sigs.map((s) => ({
      signingDomain: s.domain,
      selector: s.selector,
      privateKey: s.key,
      ...(s.algorithm ? { algorithm: s.algorithm } : {}),
      ...(s.maxBodyLength !== undefined ? { maxBodyLength: s.maxBodyLength } : {}),
      ...(s.headerList ? { headerList: s.headerList } : {}),
      ...(s.canonicalization ? { canonicalization: s.canonicalization } : {}),
    })),
  } as never);
  if (r.errors?.length) throw new Error(`signing failed: ${JSON.stringify(r.errors)}`);
  return r.signatures + raw;
}

/** AWS's two signatures as AWS sends them: the From domain's and amazonses.com's. */
export function awsSign(raw: string, fromDomain = "amazon.com"): Promise<string> {
  return sign(raw, [
    { domain: fromDomain, selector: "abusedesk-test-rsa", key: KEYS.awsRsa },
    { domain: "amazonses.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa },
  ]);
}

/** Seals a message with one ARC set, as a forwarding service does, recording `authResults`. */
export async function arcSeal(raw: string, authResults: string, signingDomain = "forwarder.example"): Promise<string> {
  const headers = await sealMessage(Buffer.from(raw), {
    signingDomain,
    selector: "arc",
    privateKey: KEYS.sealer,
    authResults,
    cv: "none",
    signTime: SIGN_TIME,
  } as never);
  return headers.toString() + raw;
}

export function notice(overrides: Partial<Notice> = {}): Notice {
  return blankNotice({
    format: "email",
    activityType: "port_scan",
    caseNumber: "12345678901",
    accountIds: ["111122223333"],
    regions: ["eu-west-1"],
    instanceIds: ["i-0abc1234def567890"],
    publicIps: ["192.0.2.10"],
    ...overrides,
  });
}

const first = (v: string | null) => (v ? addressparser(v, { flatten: true }).find((a) => a.address) : undefined);

/** A MailView read from the message the simple way (test messages are 7bit); `over` replaces parts of it. */
export function mailView(raw: string | Buffer, over: Partial<MailView> = {}): MailView {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  const { head, bodyStart } = splitHead(buf);
  const headers = parseHeaders(head);
  const body = buf.toString("utf8", bodyStart);
  const f = first(header(headers, "from"));
  const links: MailView["links"] = [];
  for (const m of body.matchAll(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi)) links.push({ href: m[1]!, text: m[2]!.replace(/<[^<>]{0,2000}>/g, "").trim(), part: "html" });
  for (const m of body.replace(/<a\s[^>]*>[\s\S]*?<\/a>/gi, " ").matchAll(/\bhttps?:\/\/[^\s<>"]+/g)) links.push({ href: m[0], text: null, part: "text" });
  return {
    headers,
    from: f ? { address: f.address.toLowerCase(), name: f.name } : null,
    replyTo: header(headers, "reply-to") ? addressparser(header(headers, "reply-to")!, { flatten: true }).map((a) => ({ address: a.address, name: a.name })) : [],
    returnPath: header(headers, "return-path")?.replace(/[<>]/g, "") ?? null,
    subject: header(headers, "subject"),
    links,
    attachments: [],
    text: body.replace(/<[^<>]{0,2000}>/g, " "),
    forwarded: false,
    ...over,
  };
}

export function emailItem(raw: string | Buffer, over: { mail?: Partial<MailView>; notice?: Partial<Notice> } = {}): ParsedItem {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  return { index: 0, format: "email", raw: buf, notice: notice(over.notice), mail: mailView(buf, over.mail) };
}

export function textItem(text: string, over: Partial<Notice> = {}, format: ParsedItem["format"] = "text"): ParsedItem {
  return { index: 0, format, raw: Buffer.from(text), notice: notice({ format, ...over }), mail: null };
}
