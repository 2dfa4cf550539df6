/**
 * Forged and look-alike notices, and the inputs that cannot be proven: senders, links and hosts,
 * requests for credentials or payment, attachments, pasted text, Health events, forwards.
 */
import { describe, expect, it } from "vitest";
import { verify } from "../../src/verify/index.ts";
import type { Verdict } from "../../src/verify/types.ts";
import { awsSign, emailItem, KEYS, message, NOTICE_BODY, NOW, sign, textItem, zone } from "./helpers.ts";

const codes = (v: Verdict) => v.reasons.map((r) => r.code);
const opts = () => ({ resolver: zone().resolve, now: NOW });
const withBody = (extra: string) => NOTICE_BODY + extra + "\r\n";

/** A genuine-looking notice, AWS-signed, with `extra` appended to its text. */
async function signedWith(extra: string, o: Parameters<typeof message>[0] = {}) {
  return awsSign(message({ ...o, body: withBody(extra) }));
}

describe("senders", () => {
  it("display-name spoof: 'AWS Abuse' <aws-abuse@gmail.com>", async () => {
    const v = await verify(emailItem(message({ from: "AWS Abuse <aws-abuse@gmail.example>" })), opts());
    expect(v.verdict).toBe("phishing");
    expect(codes(v)).toContain("sender.display_name_spoof");
    expect(codes(v)).not.toContain("sender.not_aws");
  });

  it("a look-alike character in the display name still claims AWS", async () => {
    const v = await verify(emailItem(message({ from: "\"Аmazon Web Services\" <notices@mailer.example>" })), opts());
    expect(codes(v)).toContain("sender.display_name_spoof");
  });

  it("a local part claiming AWS on a foreign domain", async () => {
    const v = await verify(emailItem(message({ from: "<ec2-abuse@mailer.example>" })), opts());
    expect(codes(v)).toContain("sender.display_name_spoof");
  });

  it("a look-alike From domain", async () => {
    for (const from of ["Amazon EC2 Abuse <ec2-abuse@amaz0n.com>", "AWS <abuse@arnazon.com>", "AWS <abuse@aws-abuse-team.com>", "AWS <abuse@amazon.com.abuse-center.example>"]) {
      const v = await verify(emailItem(message({ from })), opts());
      expect(codes(v), from).toContain("sender.lookalike");
      expect(v.verdict, from).toBe("phishing");
    }
  });

  it("a foreign sender that does not claim AWS is only suspicious", async () => {
    const v = await verify(emailItem(message({ from: "Help Desk <helpdesk@mailer.example>" })), opts());
    expect(codes(v)).toContain("sender.not_aws");
    expect(codes(v)).not.toContain("sender.display_name_spoof");
    expect(v.verdict).toBe("suspicious");
  });

  it("an AWS address that is not a known abuse sender is said, not held against it", async () => {
    const raw = await awsSign(message({ from: "Amazon Web Services <aws-marketing-email-replies@amazon.com>" }));
    const v = await verify(emailItem(raw), opts());
    expect(codes(v)).toContain("sender.aws_unlisted");
    expect(codes(v)).not.toContain("sender.known");
    expect(v.verdict).toBe("authentic");
  });

  it("SNS delivers customers' words from an AWS domain: sender.customer_content, never authentic", async () => {
    const raw = await sign(message({ from: "AWS Notifications <no-reply@sns.amazonaws.com>" }), [
      { domain: "sns.amazonaws.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa },
    ]);
    const v = await verify(emailItem(raw), opts());
    expect(codes(v)).toContain("dkim.aws_pass");
    expect(codes(v)).toContain("sender.customer_content");
    expect(v.verdict).toBe("suspicious");
  });

  it("Reply-To to a foreign domain", async () => {
    const raw = await awsSign(message({ replyTo: "AWS Abuse <aws.abuse.desk@mailer.example>" }));
    const v = await verify(emailItem(raw), opts());
    expect(codes(v)).toContain("reply_to.foreign");
    expect(v.verdict).toBe("suspicious");
    const same = await verify(emailItem(await awsSign(message({ replyTo: "ec2-abuse@amazon.com" }))), opts());
    expect(codes(same)).not.toContain("reply_to.foreign");
  });

  it("Reply-To or Return-Path at a look-alike domain", async () => {
    const v = await verify(emailItem(message({ replyTo: "abuse@amazon-support.example" })), opts());
    expect(v.reasons.find((r) => r.code === "sender.lookalike")?.message).toContain("Reply-To");
    const rp = await verify(emailItem(message({ returnPath: "bounce@amaz0nses.com" })), opts());
    expect(rp.reasons.find((r) => r.code === "sender.lookalike")?.message).toContain("Return-Path");
  });

  it("Return-Path at a foreign domain while From claims AWS, with no proof", async () => {
    const v = await verify(emailItem(message({ returnPath: "bounces@mailer.example" })), opts());
    expect(codes(v)).toContain("return_path.foreign");
    const ses = await verify(emailItem(message({ returnPath: "0100@us-west-2.amazonses.com" })), opts());
    expect(codes(ses)).not.toContain("return_path.foreign");
    const proven = await verify(emailItem(await awsSign(message({ returnPath: "bounces@mailer.example" }))), opts());
    expect(codes(proven)).not.toContain("return_path.foreign");
  });

  it("a mailing list's From rewrite is recognised, not called a spoof", async () => {
    const raw = message({ from: "'Amazon EC2 Abuse' via Security <security@customer.example>", headers: ["List-Id: <security.customer.example>"] });
    const v = await verify(emailItem(raw), opts());
    expect(codes(v)).toContain("sender.list_rewrite");
    expect(codes(v)).not.toContain("sender.display_name_spoof");
    const noList = await verify(emailItem(message({ from: "'Amazon EC2 Abuse' via Security <security@mailer.example>" })), opts());
    expect(codes(noList)).toContain("sender.display_name_spoof");
  });

  it("no From at all", async () => {
    const raw = message().replace(/^From: .*\r\n/m, "");
    const v = await verify(emailItem(raw), opts());
    expect(codes(v)).toContain("header.from_missing");
  });
});

describe("links and hosts", () => {
  const cases: [string, string, string][] = [
    ["punycode homograph", "https://xn--mazon-3ve.com/signin", "link.homograph"],
    ["Unicode homograph written out", "https://console.aws.amazоn.com/login", "link.homograph"],
    ["digit look-alike", "https://amaz0n-security.com/case", "link.lookalike"],
    ["rn for m", "https://arnazon.com/aws/login", "link.lookalike"],
    ["brand in a foreign domain", "https://aws-abuse-center.example/report", "link.lookalike"],
    ["subdomain trick", "https://aws.amazon.com.example.net/signin", "link.subdomain_trick"],
    ["hyphen trick", "https://signin.amazon.com-account.example/", "link.subdomain_trick"],
    ["bare IP", "http://203.0.113.50/aws/login", "link.ip_literal"],
    ["shortener", "https://bit.ly/3abcdef", "link.shortener"],
    ["user@ host disguise", "https://aws.amazon.com@203.0.113.50/login", "link.userinfo"],
    ["customer bucket", "https://aws-case-review.s3.amazonaws.com/index.html", "link.customer_hosted"],
    ["IDN that is not AWS", "https://xn--bcher-kva.example/", "link.punycode"],
  ];
  for (const [name, url, code] of cases) {
    it(`${name}: ${code}`, async () => {
      const v = await verify(emailItem(await signedWith(`Review the case: ${url}`)), opts());
      expect(codes(v)).toContain(code);
      expect(v.verdict).not.toBe("authentic");
    });
  }

  it("an anchor showing an AWS address and going elsewhere: link.text_mismatch (fail)", async () => {
    const html = `<p>Sign in: <a href="https://console-login.example/aws">https://console.aws.amazon.com/</a></p>`;
    const v = await verify(emailItem(await awsSign(message({ contentType: "text/html; charset=UTF-8", body: html }))), opts());
    const r = v.reasons.find((x) => x.code === "link.text_mismatch");
    expect(r?.severity).toBe("fail");
    expect(v.verdict).toBe("phishing");
  });

  it("anchors between two AWS hosts, or with words for text, are fine", async () => {
    const html = `<p><a href="https://aws.amazon.com/premiumsupport/">https://docs.aws.amazon.com/</a> and <a href="https://repost.aws/">here</a></p>`;
    const v = await verify(emailItem(await awsSign(message({ contentType: "text/html; charset=UTF-8", body: html }))), opts());
    expect(codes(v)).not.toContain("link.text_mismatch");
    expect(v.verdict).toBe("authentic");
  });

  it("a gateway-rewritten link (Safe Links) is judged by the original inside", async () => {
    const wrapped = `https://eur01.safelinks.protection.outlook.com/?url=${encodeURIComponent("https://aws.amazon.com/aup/")}&data=05`;
    const html = `<a href="${wrapped}">https://aws.amazon.com/aup/</a>`;
    const ok = await verify(emailItem(await awsSign(message({ contentType: "text/html", body: html }))), opts());
    expect(codes(ok)).not.toContain("link.text_mismatch");
    const bad = `https://eur01.safelinks.protection.outlook.com/?url=${encodeURIComponent("https://amaz0n-login.example/")}&data=05`;
    const v = await verify(emailItem(await awsSign(message({ contentType: "text/html", body: `<a href="${bad}">https://aws.amazon.com/</a>` }))), opts());
    expect(codes(v)).toContain("link.lookalike");
  });

  it("javascript: and data: links", async () => {
    const html = `<a href="javascript:alert(1)">Open the case</a>`;
    const v = await verify(emailItem(await awsSign(message({ contentType: "text/html", body: html }))), opts());
    expect(codes(v)).toContain("link.script");
  });

  it("a look-alike host named in the text (no link): still found", async () => {
    const v = await verify(emailItem(await signedWith("Reply to abuse-desk@amazon-trust-safety.example with your case number.")), opts());
    expect(codes(v)).toContain("link.lookalike");
  });

  it("reported URLs (the phishing site the customer hosts) are evidence, not phishing", async () => {
    const extra = [
      "Destination URLs: http://amaz0n-signin.example/login and https://aws.amazon.com.verify-case.example/",
      "",
      "---Beginning of forwarded report(s)---",
      "The page at http://xn--mazon-3ve.com/ asks visitors to enter your password.",
    ].join("\r\n");
    const raw = await signedWith(extra);
    const v = await verify(
      emailItem(raw, { notice: { activityType: "phishing", destinationUrls: ["http://amaz0n-signin.example/login", "https://aws.amazon.com.verify-case.example/"] } }),
      opts(),
    );
    expect(v.verdict).toBe("authentic");
    for (const c of ["link.lookalike", "link.homograph", "link.subdomain_trick", "content.credential_request"]) expect(codes(v)).not.toContain(c);
  });

  it("a reported URL hidden behind an anchor is still a mismatch", async () => {
    const html = `Destination URL: http://amaz0n-signin.example/login<br><a href="http://amaz0n-signin.example/login">Open your AWS case</a>`;
    const raw = await awsSign(message({ contentType: "text/html", body: html }));
    const v = await verify(emailItem(raw, { notice: { destinationUrls: ["http://amaz0n-signin.example/login"] } }), opts());
    expect(codes(v)).toContain("link.lookalike");
  });

  it("ordinary hosts are not look-alikes", async () => {
    const extra = "See https://flaws.cloud/ and https://www.example.com/laws and https://github.com/org/repo and https://d1.awsstatic.com/whitepaper.pdf and https://amazon.de/";
    const v = await verify(emailItem(await signedWith(extra)), opts());
    expect(v.reasons.filter((r) => r.code.startsWith("link."))).toEqual([]);
    expect(v.verdict).toBe("authentic");
  });
});

describe("requests AWS never makes", () => {
  it.each([
    ["Reply to this message with your AWS secret access key so we can confirm ownership.", "content.credential_request"],
    ["To keep the account open, enter your password and MFA code at the link below.", "content.credential_request"],
    ["Please provide your root credentials to the investigator.", "content.credential_request"],
    ["The fine can be settled: purchase Google Play cards worth 500 USD and send us the codes.", "content.payment_request"],
    ["Pay the reactivation fee within 24 hours.", "content.payment_request"],
    ["Send 0.05 bitcoin to the wallet below to release your instances.", "content.payment_request"],
    ["Click below to verify your account within 24 hours.", "content.verify_account"],
    ["Your account will be closed unless you sign in today.", "content.verify_account"],
  ])("%s -> %s", async (sentence, code) => {
    const v = await verify(emailItem(message({ body: withBody(sentence) })), opts());
    expect(codes(v)).toContain(code);
  });

  it("AWS's own advice is not a request", async () => {
    const advice = [
      "AWS will never ask you to send your password or secret access key.",
      "Do not share your credentials with anyone.",
      "Change your root user password, rotate and delete the exposed access keys, and enable MFA.",
      "Please confirm that you have rotated your credentials and reply with the actions you took.",
      "Your instance appears to be mining bitcoin; stop the process.",
      "We will send a password reset link if you ask us.",
      "Act now to secure and restore your account; we also suggest you change your email password and other passwords.",
    ].join("\r\n");
    const v = await verify(emailItem(await signedWith(advice)), opts());
    for (const c of ["content.credential_request", "content.payment_request", "content.verify_account"]) expect(codes(v)).not.toContain(c);
    expect(v.verdict).toBe("authentic");
  });
});

describe("attachments", () => {
  const att = (filename: string | null, contentType: string) => ({ filename, contentType, size: 1234 });
  it.each([
    [att("case-12345678901.exe", "application/octet-stream"), "attachment.executable"],
    [att("report.pdf.js", "application/octet-stream"), "attachment.executable"],
    [att(null, "application/x-msdownload"), "attachment.executable"],
    [att("evidence.iso", "application/octet-stream"), "attachment.executable"],
    [att("evidence.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12"), "attachment.macro"],
    [att("AWS-Signin.html", "text/html"), "attachment.html"],
    [att("logo.svg", "image/svg+xml"), "attachment.html"],
    [att("logs.zip", "application/zip"), "attachment.archive"],
  ])("%o -> %s", async (a, code) => {
    const v = await verify(emailItem(message(), { mail: { attachments: [a] } }), opts());
    expect(codes(v)).toContain(code);
  });

  it("a forwarded original (message/rfc822), a PDF and an image are not held against it", async () => {
    const raw = await awsSign(message());
    const v = await verify(emailItem(raw, { mail: { attachments: [att("original.eml", "message/rfc822"), att("report.pdf", "application/pdf"), att("chart.png", "image/png")] } }), opts());
    expect(v.reasons.filter((r) => r.code.startsWith("attachment."))).toEqual([]);
    expect(v.verdict).toBe("authentic");
  });
});

describe("inputs that cannot be proven", () => {
  it("pasted text is at best unverified", async () => {
    const v = await verify(textItem(NOTICE_BODY), opts());
    expect(v.verdict).toBe("unverified");
    expect(codes(v)).toEqual(["source.pasted_text"]);
    expect(v.auth).toBeNull();
  });

  it("pasted text with a look-alike link is still phishing", async () => {
    const v = await verify(textItem(NOTICE_BODY + "\nSign in at https://aws.amazon.com.example.net/ to respond.\n"), opts());
    expect(v.verdict).toBe("phishing");
    expect(codes(v)).toContain("link.subdomain_trick");
  });

  it("pasted text naming a spoofed sender", async () => {
    const v = await verify(textItem(NOTICE_BODY, { from: "AWS Abuse <aws-abuse@gmail.example>" }), opts());
    expect(codes(v)).toContain("sender.display_name_spoof");
    expect(v.verdict).toBe("phishing");
  });

  it("the Health console's text copy is pasted text", async () => {
    const v = await verify(textItem("Abuse open proxy report\nStart time\n...", {}, "health-console"), opts());
    expect(v.verdict).toBe("unverified");
    expect(v.reasons[0]?.message).toContain("Health console");
  });

  const event = (source: string) =>
    JSON.stringify({ source, "detail-type": "AWS Health Abuse Event", detail: { eventTypeCode: "AWS_ABUSE_PORT_SCANNING_REPORT", eventDescription: [{ latestDescription: "Port scanning reported." }] } });
  const health = (source: string, fetchedFromApi: boolean) =>
    textItem(event(source), { kind: "health_event", health: { eventTypeCode: "AWS_ABUSE_PORT_SCANNING_REPORT", source, fetchedFromApi } }, "health-event");

  it("a Health event fetched from the AWS API by the tool is authentic by source", async () => {
    const v = await verify(health("aws.health", true), opts());
    expect(v.verdict).toBe("authentic");
    expect(codes(v)).toEqual(["source.health_api"]);
  });

  it("a Health event handed in as a file is unverified", async () => {
    const v = await verify(health("aws.health", false), opts());
    expect(v.verdict).toBe("unverified");
    expect(codes(v)).toEqual(["source.health_file"]);
  });

  it("a Health event whose source is not aws.health says so", async () => {
    const v = await verify(health("awsmock.health", false), opts());
    expect(codes(v)).toContain("health.source_not_aws");
    expect(v.reasons.find((r) => r.code === "health.source_not_aws")?.message).toContain("awsmock.health");
    expect(v.verdict).toBe("suspicious");
    const api = await verify(health("aws.health", true), opts());
    expect(codes(api)).not.toContain("health.source_not_aws");
  });
});

describe("forwarded notices", () => {
  const forwardInline = (inner: string) =>
    message({
      from: "Jane Admin <jane@customer.example>",
      to: "security@customer.example",
      subject: "Fwd: Your AWS Abuse Report [12345678901]",
      body: ["FYI, see below.", "", "---------- Forwarded message ---------", inner, ""].join("\r\n"),
    });

  it("inline: cannot keep AWS's signature, so at best unverified", async () => {
    const raw = forwardInline("From: Amazon EC2 Abuse <ec2-abuse@amazon.com>\r\n\r\n" + NOTICE_BODY);
    const v = await verify(emailItem(raw, { mail: { forwarded: true }, notice: { from: "Amazon EC2 Abuse <ec2-abuse@amazon.com>" } }), opts());
    expect(v.verdict).toBe("unverified");
    expect(codes(v)).toContain("forward.inline");
    expect(codes(v)).toContain("sender.forwarder");
    expect(codes(v)).not.toContain("sender.not_aws");
    expect(codes(v)).not.toContain("forward.attached");
    expect(v.auth).toBeNull();
  });

  it("inline forward of a spoof: the original sender written in the body is still checked", async () => {
    const raw = forwardInline("From: AWS Abuse <aws-abuse@gmail.example>\r\n\r\n" + NOTICE_BODY);
    const v = await verify(emailItem(raw, { mail: { forwarded: true }, notice: { from: "AWS Abuse <aws-abuse@gmail.example>" } }), opts());
    expect(codes(v)).toContain("sender.display_name_spoof");
    expect(v.verdict).toBe("phishing");
  });

  const forwardAttached = (inner: string, cte: "7bit" | "base64" = "7bit") => {
    const b = "fwd-boundary-42";
    const payload = cte === "base64" ? Buffer.from(inner).toString("base64").replace(/.{76}/g, "$&\r\n") : inner;
    return message({
      from: "Jane Admin <jane@customer.example>",
      subject: "Fwd: Your AWS Abuse Report [12345678901]",
      contentType: `multipart/mixed; boundary="${b}"`,
      body: [
        `--${b}`,
        "Content-Type: text/plain; charset=UTF-8",
        "",
        "Forwarding the original as an attachment.",
        `--${b}`,
        "Content-Type: message/rfc822",
        'Content-Disposition: attachment; filename="original.eml"',
        ...(cte === "base64" ? ["Content-Transfer-Encoding: base64"] : []),
        "",
        payload,
        `--${b}--`,
        "",
      ].join("\r\n"),
    });
  };

  it("as an attachment whose AWS signature still verifies: authentic", async () => {
    const inner = await awsSign(message());
    for (const cte of ["7bit", "base64"] as const) {
      const v = await verify(emailItem(forwardAttached(inner, cte), { mail: { forwarded: true, attachments: [{ filename: "original.eml", contentType: "message/rfc822", size: inner.length }] } }), opts());
      expect(v.verdict, cte).toBe("authentic");
      expect(codes(v)).toContain("forward.attached");
      expect(codes(v)).toContain("dkim.aws_pass");
      expect(codes(v)).toContain("sender.known");
      expect(codes(v)).not.toContain("forward.inline");
    }
  });

  it("as an attachment whose original was changed: not authentic", async () => {
    const inner = (await awsSign(message())).replace("i-0abc1234def567890", "i-0fff9999eee888777");
    const v = await verify(emailItem(forwardAttached(inner), { mail: { forwarded: true } }), opts());
    expect(codes(v)).toContain("dkim.body_modified");
    expect(v.verdict).toBe("suspicious");
  });
});

describe("never throws", () => {
  it("garbage, empty and header-only messages give a verdict", async () => {
    for (const raw of ["", "\r\n\r\n", "From: <>\r\n", "Subject: x", "\u0000\u0001\u0002binary", "DKIM-Signature: v=1; d=amazon.com; s=x; b=AAAA; bh=AAAA; h=from\r\nFrom: ec2-abuse@amazon.com\r\n\r\nbody"]) {
      const v = await verify(emailItem(raw), opts());
      expect(["authentic", "unverified", "suspicious", "phishing"]).toContain(v.verdict);
      expect(v.verdict).not.toBe("authentic");
    }
  });

  it("an email item without a MailView is read from its bytes", async () => {
    const raw = await awsSign(message());
    const v = await verify({ ...emailItem(raw), mail: null }, opts());
    expect(v.verdict).toBe("authentic");
  });
});
