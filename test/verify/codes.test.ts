/**
 * Every reason code in the catalogue has a scenario that produces it and one where it must not
 * appear. The tables are typed `Record<ReasonCode, ...>`, so adding a code without both cases does
 * not compile. docs/verify.md must name every code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as Mailauth from "mailauth";
import { describe, expect, it, vi } from "vitest";
import type { ParsedItem } from "../../src/notice/types.ts";
import { DnsError } from "../../src/verify/dns.ts";
import { verify } from "../../src/verify/index.ts";
import { REASON_CODES, REASONS, type ReasonCode } from "../../src/verify/reasons.ts";
import type { Verdict, VerifyOptions } from "../../src/verify/types.ts";
import { arcSeal, awsSign, emailItem, FORGER_IP, KEYS, message, NOTICE_BODY, NOW, SES_IP, sign, textItem, zone } from "./helpers.ts";

type Scenario = () => Promise<[ParsedItem, VerifyOptions?]>;
const online = (extra: VerifyOptions = {}): VerifyOptions => ({ resolver: zone().resolve, now: NOW, ...extra });
const trusted = (extra: VerifyOptions = {}) => online({ trustedAuthServIds: ["mx.customer.example"], ...extra });
const received = (ip: string, host: string) => `Received: from ${host} (${host} [${ip}]) by mx.customer.example with ESMTPS; Wed, 10 Jul 2024 09:30:02 +0000`;
const body = (extra: string) => ({ body: NOTICE_BODY + extra + "\r\n" });
const att = (filename: string, contentType: string) => ({ attachments: [{ filename, contentType, size: 100 }] });
const health = (source: string, fetchedFromApi: boolean): ParsedItem =>
  textItem(JSON.stringify({ source, detail: { eventDescription: [{ latestDescription: "Port scanning reported." }] } }), { health: { eventTypeCode: "AWS_ABUSE_PORT_SCANNING_REPORT", source, fetchedFromApi } }, "health-event");
const inlineForward = (from: string) =>
  emailItem(message({ from: "Jane Admin <jane@customer.example>", body: `FYI\r\n\r\n---------- Forwarded message ---------\r\nFrom: ${from}\r\n\r\n${NOTICE_BODY}` }), { mail: { forwarded: true }, notice: { from } });
async function attachedForward() {
  const inner = await awsSign(message());
  const b = "b-1";
  const raw = message({
    from: "Jane Admin <jane@customer.example>",
    contentType: `multipart/mixed; boundary="${b}"`,
    body: [`--${b}`, "Content-Type: text/plain", "", "See attached.", `--${b}`, "Content-Type: message/rfc822", "", inner, `--${b}--`, ""].join("\r\n"),
  });
  return emailItem(raw, { mail: { forwarded: true } });
}
const gmail = (ar: string) => [
  `Received: from a1-25.smtp-out.amazonses.com (a1-25.smtp-out.amazonses.com. [${SES_IP}]) by mx.google.com with ESMTPS; Wed, 10 Jul 2024 02:30:02 -0700`,
  `Authentication-Results: mx.google.com; ${ar}`,
];
const retiredKey = (ar: string) => sign(message({ headers: gmail(ar) }), [{ domain: "amazon.com", selector: "retired-2019", key: KEYS.awsRsa }]);
const arcForward = async () => arcSeal((await awsSign(message())) + "\r\n-- list footer\r\n", "mx.forwarder.example; dkim=pass header.d=amazon.com; dmarc=pass header.from=amazon.com");
const lBody = NOTICE_BODY;
const lSigned = () => sign(message(), [{ domain: "amazon.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa, maxBodyLength: Buffer.byteLength(lBody) }]);
const html = (h: string) => ({ contentType: "text/html; charset=UTF-8", body: h });

/** Named scenarios, each verified once. */
const S = {
  genuine: async () => [emailItem(await awsSign(message())), online()],
  genuineOffline: async () => [emailItem(await awsSign(message())), { now: NOW }],
  pasted: async () => [textItem(NOTICE_BODY), online()],
  mailCopy: async () => [textItem(`From: Amazon EC2 Abuse <ec2-abuse@amazon.com>\r\nSent: Wednesday, July 10, 2024 9:30 AM\r\nTo: security@customer.example\r\nSubject: Your AWS Abuse Report [12345678901]\r\n\r\n${NOTICE_BODY}`), online()],
  healthApi: async () => [health("aws.health", true), online()],
  healthFile: async () => [health("aws.health", false), online()],
  healthMock: async () => [health("awsmock.health", false), online()],
  inline: async () => [inlineForward("Amazon EC2 Abuse <ec2-abuse@amazon.com>"), online()],
  attached: async () => [await attachedForward(), online()],
  bodyTampered: async () => [emailItem((await awsSign(message())).replace("i-0abc1234def567890", "i-0fff9999eee888777")), online()],
  headerTampered: async () => [emailItem((await awsSign(message())).replace("[12345678901]", "[99999999999]")), online()],
  awsSigForeignFrom: async () => [emailItem(await sign(message({ from: "x@example.org" }), [{ domain: "amazon.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa }])), online()],
  sesOnly: async () => [emailItem(await sign(message({ from: "Notices <n@mailer.example>" }), [{ domain: "amazonses.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa }])), online()],
  forgerOwn: async () => [emailItem(await sign(message({ from: "Desk <desk@example.net>" }), [{ domain: "example.net", selector: "forger", key: KEYS.forger }])), online()],
  forgedAmazon: async () => [emailItem(await sign(message(), [{ domain: "example.net", selector: "forger", key: KEYS.forger }])), online()],
  unsignedAmazon: async () => [emailItem(message()), online()],
  unsignedForeign: async () => [emailItem(message({ from: "Help <help@mailer.example>" })), online()],
  retired: async () => [emailItem(await sign(message(), [{ domain: "amazon.com", selector: "retired-2019", key: KEYS.awsRsa }])), online()],
  expired: async () => [emailItem(await sign(message(), [{ domain: "amazon.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa, expires: new Date("2024-07-10T10:00:00Z") }])), online()],
  notYetExpired: async () => [
    emailItem(await sign(message(), [{ domain: "amazon.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa, expires: new Date("2024-07-10T10:00:00Z") }])),
    online({ now: new Date("2024-07-10T09:45:00Z") }),
  ],
  weak: async () => [emailItem(await sign(message(), [{ domain: "amazon.com", selector: "abusedesk-weak", key: KEYS.weak }])), online()],
  lAppended: async () => [emailItem((await lSigned()) + "Also: unsigned text.\r\n"), online()],
  lIntact: async () => [emailItem(await lSigned()), online()],
  dnsDown: async () => [emailItem(await awsSign(message())), { now: NOW, resolver: async (n: string, r: string) => Promise.reject(new DnsError("ESERVFAIL", n, r)) }],
  spfPass: async () => [emailItem(await awsSign(message({ headers: [received(SES_IP, "a1.smtp-out.amazonses.com")], returnPath: "b@us-west-2.amazonses.com" }))), trusted()],
  spfPassUntrusted: async () => [emailItem(await awsSign(message({ headers: [received(SES_IP, "a1.smtp-out.amazonses.com")], returnPath: "b@us-west-2.amazonses.com" }))), online()],
  spfFail: async () => [emailItem(message({ headers: [received(FORGER_IP, "mail.example.net")], returnPath: "bounces@amazon.com" })), trusted()],
  spfSoftfail: async () => [emailItem(message({ headers: [received(FORGER_IP, "mail.softfail.example")], returnPath: "b@softfail.example" })), trusted()],
  spfNone: async () => [emailItem(await awsSign(message({ headers: [received(SES_IP, "a1.smtp-out.amazonses.com")], returnPath: "b@nospf.example" }))), trusted()],
  arcTrusted: async () => [emailItem(await arcForward()), online({ trustedArcSealers: ["forwarder.example"] })],
  arcUntrusted: async () => [emailItem(await arcForward()), online()],
  arcBroken: async () => [emailItem((await arcForward()).replace("Subject: Your", "Subject: Fwd: Your")), online({ trustedArcSealers: ["forwarder.example"] })],
  serverPass: async () => [emailItem(await retiredKey("dkim=pass header.i=@amazon.com; dmarc=pass header.from=amazon.com")), online({ trustedAuthServIds: ["mx.google.com"] })],
  serverUntrusted: async () => [emailItem(await retiredKey("dkim=pass header.i=@amazon.com; dmarc=pass header.from=amazon.com")), online()],
  serverUnbacked: async () => [emailItem(message({ headers: gmail("dkim=pass header.i=@amazon.com; dmarc=pass header.from=amazon.com") })), online({ trustedAuthServIds: ["mx.google.com"] })],
  serverFail: async () => [emailItem(message({ headers: gmail("dkim=none; dmarc=fail header.from=amazon.com") })), online({ trustedAuthServIds: ["mx.google.com"] })],
  twoFroms: async () => [emailItem("From: AWS <security@example.net>\r\n" + (await awsSign(message()))), online()],
  noFrom: async () => [emailItem(message().replace(/^From: .*\r\n/m, "")), online()],
  unlisted: async () => [emailItem(await awsSign(message({ from: "AWS <aws-notices@amazon.com>" }))), online()],
  sns: async () => [emailItem(await sign(message({ from: "AWS Notifications <no-reply@sns.amazonaws.com>" }), [{ domain: "sns.amazonaws.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa }])), online()],
  spoof: async () => [emailItem(message({ from: "AWS Abuse <aws-abuse@gmail.example>" })), online()],
  listRewrite: async () => [emailItem(message({ from: "'Amazon EC2 Abuse' via Security <security@customer.example>", headers: ["List-Id: <security.customer.example>"] })), online()],
  lookalikeFrom: async () => [emailItem(message({ from: "AWS <abuse@amaz0n.com>" })), online()],
  replyToForeign: async () => [emailItem(await awsSign(message({ replyTo: "desk@mailer.example" }))), online()],
  replyToAws: async () => [emailItem(await awsSign(message({ replyTo: "ec2-abuse@amazon.com" }))), online()],
  returnPathForeign: async () => [emailItem(message({ returnPath: "bounces@mailer.example" })), online()],
  returnPathSes: async () => [emailItem(message({ returnPath: "b@us-west-2.amazonses.com" })), online()],
  linkLookalike: async () => [emailItem(await awsSign(message(body("See https://amaz0n-case.example/")))), online()],
  linkHomograph: async () => [emailItem(await awsSign(message(body("See https://xn--mazon-3ve.com/")))), online()],
  linkSubdomain: async () => [emailItem(await awsSign(message(body("See https://aws.amazon.com.case.example/")))), online()],
  linkPunycode: async () => [emailItem(await awsSign(message(body("See https://xn--bcher-kva.example/")))), online()],
  linkMismatch: async () => [emailItem(await awsSign(message(html('<a href="https://case.example/">https://console.aws.amazon.com/</a>')))), online()],
  linkAwsAnchors: async () => [emailItem(await awsSign(message(html('<a href="https://aws.amazon.com/">https://docs.aws.amazon.com/</a>')))), online()],
  linkUserinfo: async () => [emailItem(await awsSign(message(body("See https://aws.amazon.com@case.example/")))), online()],
  linkScript: async () => [emailItem(await awsSign(message(html('<a href="javascript:void(0)">Open</a>')))), online()],
  linkIp: async () => [emailItem(await awsSign(message(body("See http://203.0.113.50/case")))), online()],
  linkShortener: async () => [emailItem(await awsSign(message(body("See https://bit.ly/abc")))), online()],
  linkBucket: async () => [emailItem(await awsSign(message(body("See https://case-review.s3.amazonaws.com/index.html")))), online()],
  reportedBucket: async () => [
    emailItem(await awsSign(message(body("Destination URLs: https://case-review.s3.amazonaws.com/index.html"))), { notice: { destinationUrls: ["https://case-review.s3.amazonaws.com/index.html"] } }),
    online(),
  ],
  askSecret: async () => [emailItem(message(body("Reply with your secret access key."))), online()],
  askGiftCards: async () => [emailItem(message(body("Purchase gift cards and send us the codes."))), online()],
  askVerify: async () => [emailItem(message(body("Verify your account at the link below."))), online()],
  advice: async () => [
    emailItem(await awsSign(message(body("AWS will never ask for your password. Rotate the exposed key; you do not need to verify your account with us. Pay attention to the instance.")))),
    online(),
  ],
  exe: async () => [emailItem(message(), { mail: att("case.exe", "application/octet-stream") }), online()],
  macro: async () => [emailItem(message(), { mail: att("case.docm", "application/octet-stream") }), online()],
  htmlFile: async () => [emailItem(message(), { mail: att("signin.htm", "text/html") }), online()],
  zip: async () => [emailItem(message(), { mail: att("logs.7z", "application/octet-stream") }), online()],
  pdf: async () => [emailItem(await awsSign(message()), { mail: att("report.pdf", "application/pdf") }), online()],
  throwingNotice: async () => {
    const item = emailItem(await awsSign(message()));
    Object.defineProperty(item.notice, "destinationUrls", {
      get() {
        throw new Error("boom");
      },
    });
    return [item, online()];
  },
  // mailauth's own dkimVerify (the fast path would not call it)
  mailauthThrows: async () => [emailItem(await awsSign(message({ subject: "mailauth-should-throw" }))), online({ dkim: "mailauth" })],
} satisfies Record<string, Scenario>;
type Name = keyof typeof S;

const PRODUCE: Record<ReasonCode, Name> = {
  "source.pasted_text": "pasted",
  "source.mail_copy": "mailCopy",
  "source.health_api": "healthApi",
  "source.health_file": "healthFile",
  "health.source_not_aws": "healthMock",
  "forward.inline": "inline",
  "forward.attached": "attached",
  "dkim.aws_pass": "genuine",
  "dkim.aws_not_aligned": "awsSigForeignFrom",
  "dkim.ses_only": "sesOnly",
  "dkim.other_pass": "forgerOwn",
  "dkim.missing": "unsignedAmazon",
  "dkim.body_modified": "bodyTampered",
  "dkim.bad_signature": "headerTampered",
  "dkim.key_missing": "retired",
  "dkim.expired": "expired",
  "dkim.weak_key": "weak",
  "dkim.unsigned_content": "lAppended",
  "dkim.not_checked": "genuineOffline",
  "verify.error": "throwingNotice",
  "auth.error": "mailauthThrows",
  "dns.unavailable": "dnsDown",
  "spf.pass": "spfPass",
  "spf.fail": "spfFail",
  "spf.softfail": "spfSoftfail",
  "spf.none": "spfNone",
  "spf.not_evaluated": "spfPassUntrusted",
  "dmarc.pass": "genuine",
  "dmarc.fail": "forgedAmazon",
  "arc.trusted_pass": "arcTrusted",
  "arc.pass": "arcUntrusted",
  "arc.fail": "arcBroken",
  "authres.trusted_pass": "serverPass",
  "authres.trusted_fail": "serverFail",
  "authres.unbacked": "serverUnbacked",
  "authres.untrusted": "serverUntrusted",
  "header.duplicate": "twoFroms",
  "header.from_missing": "noFrom",
  "sender.known": "genuine",
  "sender.aws_unlisted": "unlisted",
  "sender.customer_content": "sns",
  "sender.not_aws": "unsignedForeign",
  "sender.forwarder": "inline",
  "sender.list_rewrite": "listRewrite",
  "sender.display_name_spoof": "spoof",
  "sender.lookalike": "lookalikeFrom",
  "reply_to.foreign": "replyToForeign",
  "return_path.foreign": "returnPathForeign",
  "link.lookalike": "linkLookalike",
  "link.homograph": "linkHomograph",
  "link.subdomain_trick": "linkSubdomain",
  "link.punycode": "linkPunycode",
  "link.text_mismatch": "linkMismatch",
  "link.userinfo": "linkUserinfo",
  "link.script": "linkScript",
  "link.ip_literal": "linkIp",
  "link.shortener": "linkShortener",
  "link.customer_hosted": "linkBucket",
  "content.credential_request": "askSecret",
  "content.payment_request": "askGiftCards",
  "content.verify_account": "askVerify",
  "attachment.executable": "exe",
  "attachment.macro": "macro",
  "attachment.html": "htmlFile",
  "attachment.archive": "zip",
};

const ABSENT: Record<ReasonCode, Name> = {
  "source.pasted_text": "genuine",
  "source.mail_copy": "pasted",
  "source.health_api": "healthFile",
  "source.health_file": "healthApi",
  "health.source_not_aws": "healthFile",
  "forward.inline": "attached",
  "forward.attached": "inline",
  "dkim.aws_pass": "bodyTampered",
  "dkim.aws_not_aligned": "genuine",
  "dkim.ses_only": "genuine",
  "dkim.other_pass": "genuine",
  "dkim.missing": "unsignedForeign",
  "dkim.body_modified": "headerTampered",
  "dkim.bad_signature": "bodyTampered",
  "dkim.key_missing": "genuine",
  "dkim.expired": "notYetExpired",
  "dkim.weak_key": "genuine",
  "dkim.unsigned_content": "lIntact",
  "dkim.not_checked": "genuine",
  "verify.error": "genuine",
  "auth.error": "genuine",
  "dns.unavailable": "genuine",
  "spf.pass": "spfPassUntrusted",
  "spf.fail": "spfPass",
  "spf.softfail": "spfPass",
  "spf.none": "spfPass",
  "spf.not_evaluated": "spfPass",
  "dmarc.pass": "bodyTampered",
  "dmarc.fail": "genuine",
  "arc.trusted_pass": "arcUntrusted",
  "arc.pass": "arcTrusted",
  "arc.fail": "arcTrusted",
  "authres.trusted_pass": "serverUntrusted",
  "authres.trusted_fail": "serverPass",
  "authres.unbacked": "serverPass",
  "authres.untrusted": "serverPass",
  "header.duplicate": "genuine",
  "header.from_missing": "genuine",
  "sender.known": "unlisted",
  "sender.aws_unlisted": "genuine",
  "sender.customer_content": "genuine",
  "sender.not_aws": "spoof",
  "sender.forwarder": "unsignedForeign",
  "sender.list_rewrite": "spoof",
  "sender.display_name_spoof": "listRewrite",
  "sender.lookalike": "genuine",
  "reply_to.foreign": "replyToAws",
  "return_path.foreign": "returnPathSes",
  "link.lookalike": "linkAwsAnchors",
  "link.homograph": "linkLookalike",
  "link.subdomain_trick": "linkAwsAnchors",
  "link.punycode": "linkHomograph",
  "link.text_mismatch": "linkAwsAnchors",
  "link.userinfo": "linkSubdomain",
  "link.script": "linkMismatch",
  "link.ip_literal": "genuine",
  "link.shortener": "genuine",
  "link.customer_hosted": "reportedBucket",
  "content.credential_request": "advice",
  "content.payment_request": "advice",
  "content.verify_account": "advice",
  "attachment.executable": "pdf",
  "attachment.macro": "pdf",
  "attachment.html": "pdf",
  "attachment.archive": "pdf",
};

vi.mock("mailauth", async (importOriginal) => {
  const real = await importOriginal<typeof Mailauth>();
  return {
    ...real,
    dkimVerify: async (input: Buffer, opts: unknown) => {
      if (Buffer.from(input).includes("mailauth-should-throw")) throw new Error("mailauth exploded");
      return real.dkimVerify(input, opts as never);
    },
  };
});

const results = new Map<Name, Promise<Verdict>>();
function run(name: Name): Promise<Verdict> {
  let p = results.get(name);
  if (!p) {
    p = S[name]().then(([item, opts]) => verify(item, opts));
    results.set(name, p);
  }
  return p;
}

describe("every reason code", () => {
  for (const code of REASON_CODES) {
    it(`${code}: produced by "${PRODUCE[code]}", absent from "${ABSENT[code]}"`, async () => {
      const yes = await run(PRODUCE[code]);
      const r = yes.reasons.find((x) => x.code === code);
      expect(r, JSON.stringify(yes.reasons.map((x) => x.code))).toBeDefined();
      expect(r!.message.length).toBeGreaterThan(10);
      const no = await run(ABSENT[code]);
      expect(no.reasons.map((x) => x.code)).not.toContain(code);
    });
  }

  it("a fail reason always makes the verdict phishing, a warn at least suspicious", async () => {
    for (const name of Object.keys(S) as Name[]) {
      const v = await run(name);
      if (v.reasons.some((r) => r.severity === "fail")) expect(v.verdict, name).toBe("phishing");
      else if (v.reasons.some((r) => r.severity === "warn")) expect(v.verdict, name).toBe("suspicious");
      else expect(["authentic", "unverified"], name).toContain(v.verdict);
    }
  });

  it("the catalogue's default severities are what the codes usually carry", async () => {
    const seen = new Map<string, Set<string>>();
    for (const name of Object.keys(S) as Name[]) for (const r of (await run(name)).reasons) (seen.get(r.code) ?? seen.set(r.code, new Set()).get(r.code)!).add(r.severity);
    for (const [code, severities] of seen) {
      const spec = REASONS[code as ReasonCode] as { severity: string; note?: string };
      if (!spec.note) expect([...severities], code).toEqual([spec.severity]);
    }
  });
});

describe("docs/verify.md", () => {
  it("lists every reason code with the catalogue's severity", () => {
    const doc = readFileSync(join(import.meta.dirname, "../../docs/verify.md"), "utf8");
    const missing = REASON_CODES.filter((c) => !doc.includes(`| \`${c}\` | ${REASONS[c].severity}`));
    expect(missing).toEqual([]);
  });
});
