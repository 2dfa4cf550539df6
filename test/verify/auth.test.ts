/**
 * Mail authentication through verify(): DKIM with the fixture keys served by an injected
 * resolver, SPF from a trusted Received header, DMARC, ARC, and the recipient's own
 * Authentication-Results.
 */
import { describe, expect, it } from "vitest";
import { verify } from "../../src/verify/index.ts";
import { DnsCache, DnsError } from "../../src/verify/dns.ts";
import type { Verdict } from "../../src/verify/types.ts";
import { arcSeal, awsSign, emailItem, FORGER_IP, KEYS, message, NOTICE_BODY, NOW, SES_IP, sign, zone } from "./helpers.ts";

const codes = (v: Verdict) => v.reasons.map((r) => r.code);
const sev = (v: Verdict, code: string) => v.reasons.find((r) => r.code === code)?.severity;
const opts = (extra: object = {}) => ({ resolver: zone().resolve, now: NOW, ...extra });

const received = (ip: string, from = "a1-25.smtp-out.amazonses.com") =>
  `Received: from ${from} (${from} [${ip}]) by mx.customer.example with ESMTPS id 4Wabc; Wed, 10 Jul 2024 09:30:02 +0000`;

describe("DKIM", () => {
  it("a notice signed by amazon.com (and amazonses.com) verifies: authentic", async () => {
    const v = await verify(emailItem(await awsSign(message())), opts());
    expect(v.verdict).toBe("authentic");
    expect(codes(v)).toContain("dkim.aws_pass");
    expect(codes(v)).toContain("dmarc.pass");
    expect(codes(v)).toContain("sender.known");
    expect(codes(v)).not.toContain("dkim.ses_only");
    // SES's signature cannot change the verdict once AWS's verifies: it is not checked (see onlyDecisiveSignatures)
    expect(v.auth?.dkim.map((d) => [d.domain, d.result])).toEqual([
      ["amazon.com", "pass"],
      ["amazonses.com", "skipped"],
    ]);
    expect(v.auth?.dmarc).toMatchObject({ result: "pass", domain: "amazon.com", policy: "quarantine" });
  });

  it("an ed25519 signature verifies the same way", async () => {
    const raw = await sign(message(), [{ domain: "amazon.com", selector: "abusedesk-test-ed", key: KEYS.awsEd, algorithm: "ed25519-sha256" }]);
    const v = await verify(emailItem(raw), opts());
    expect(v.verdict).toBe("authentic");
    expect(v.auth?.dkim[0]).toMatchObject({ domain: "amazon.com", result: "pass", selector: "abusedesk-test-ed" });
  });

  it("Trust & Safety mail signed by support.aws.com aligns with aws.com", async () => {
    const raw = await awsSign(message({ from: "AWS Trust & Safety <trustandsafety@support.aws.com>" }), "support.aws.com");
    const v = await verify(emailItem(raw), opts());
    expect(v.verdict).toBe("authentic");
    expect(v.reasons.find((r) => r.code === "sender.known")?.message).toContain("Trust & Safety");
  });

  it("a body changed after signing: suspicious, dkim.body_modified, DMARC fails without proving forgery", async () => {
    const signed = await awsSign(message());
    const tampered = signed.replace("i-0abc1234def567890", "i-0fff9999eee888777");
    const v = await verify(emailItem(tampered), opts());
    expect(v.verdict).toBe("suspicious");
    expect(sev(v, "dkim.body_modified")).toBe("warn");
    expect(sev(v, "dmarc.fail")).toBe("warn");
    expect(codes(v)).not.toContain("dkim.aws_pass");
    expect(codes(v)).not.toContain("dkim.missing");
  });

  it("a signed header changed after signing: dkim.bad_signature", async () => {
    const signed = await awsSign(message());
    const tampered = signed.replace("Subject: Your AWS Abuse Report [12345678901]", "Subject: Your AWS Abuse Report [99999999999]");
    const v = await verify(emailItem(tampered), opts());
    expect(v.verdict).toBe("suspicious");
    expect(codes(v)).toContain("dkim.bad_signature");
    expect(codes(v)).not.toContain("dkim.body_modified");
  });

  it("From amazon.com signed only by the forger's domain: DMARC reject/quarantine fails, dkim.missing: phishing", async () => {
    const raw = await sign(message(), [{ domain: "example.net", selector: "forger", key: KEYS.forger }]);
    const v = await verify(emailItem(raw), opts());
    expect(v.verdict).toBe("phishing");
    expect(sev(v, "dkim.missing")).toBe("fail");
    expect(sev(v, "dmarc.fail")).toBe("fail");
    expect(v.reasons.find((r) => r.code === "dkim.missing")?.message).toContain("example.net");
  });

  it("From support.aws.com (DMARC p=reject) signed by someone else: dmarc.fail says AWS's policy rejects it", async () => {
    const raw = await sign(message({ from: "AWS Trust & Safety <trustandsafety@support.aws.com>" }), [{ domain: "example.net", selector: "forger", key: KEYS.forger }]);
    const v = await verify(emailItem(raw), opts());
    expect(v.auth?.dmarc).toMatchObject({ result: "fail", domain: "aws.com", policy: "reject" });
    const r = v.reasons.find((x) => x.code === "dmarc.fail");
    expect(r?.severity).toBe("fail");
    expect(r?.message).toContain("policy reject");
    expect(r?.message).toContain("to reject such mail");
    expect(v.verdict).toBe("phishing");
  });

  it("From amazon.com with no signature at all: phishing even offline", async () => {
    const v = await verify(emailItem(message()), { now: NOW });
    expect(v.verdict).toBe("phishing");
    expect(codes(v)).toContain("dkim.missing");
    expect(v.auth?.dkim).toEqual([{ result: "none" }]);
  });

  it("the forger's own domain, honestly signed: the signature proves only the forger (dkim.other_pass) and From is not AWS", async () => {
    const raw = await sign(message({ from: "Abuse Desk <abuse@example.net>" }), [{ domain: "example.net", selector: "forger", key: KEYS.forger }]);
    const v = await verify(emailItem(raw), opts());
    expect(codes(v)).toContain("dkim.other_pass");
    expect(codes(v)).toContain("sender.not_aws");
    expect(codes(v)).not.toContain("dkim.missing");
    expect(codes(v)).not.toContain("dmarc.fail");
    expect(v.verdict).toBe("suspicious");
  });

  it("only an amazonses.com signature (any SES customer's mail has one): dkim.ses_only, never authentic", async () => {
    const raw = await sign(message({ from: "AWS Abuse <abuse@example.net>" }), [{ domain: "amazonses.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa }]);
    const v = await verify(emailItem(raw), opts());
    expect(codes(v)).toContain("dkim.ses_only");
    expect(codes(v)).toContain("sender.display_name_spoof");
    expect(v.verdict).toBe("phishing");
  });

  it("an AWS signature over a foreign From: dkim.aws_not_aligned", async () => {
    const raw = await sign(message({ from: "Someone <someone@example.org>" }), [{ domain: "amazon.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa }]);
    const v = await verify(emailItem(raw), opts());
    expect(codes(v)).toContain("dkim.aws_not_aligned");
    expect(codes(v)).not.toContain("dkim.aws_pass");
    expect(v.verdict).not.toBe("authentic");
  });

  it("a selector whose key is gone (old mail, rotated keys): dkim.key_missing, unverified", async () => {
    const raw = await sign(message(), [{ domain: "amazon.com", selector: "retired-2019", key: KEYS.awsRsa }]);
    const v = await verify(emailItem(raw), opts());
    expect(codes(v)).toContain("dkim.key_missing");
    expect(sev(v, "dmarc.fail")).toBe("info");
    expect(v.verdict).toBe("unverified");
  });

  it("an expired signature (x= before now): dkim.expired", async () => {
    const raw = await sign(message(), [{ domain: "amazon.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa, expires: new Date("2024-07-10T10:00:00Z") }]);
    const v = await verify(emailItem(raw), opts());
    expect(codes(v)).toContain("dkim.expired");
    expect(v.verdict).toBe("unverified");
    const before = await verify(emailItem(raw), opts({ now: new Date("2024-07-10T09:45:00Z") }));
    expect(before.verdict).toBe("authentic");
    expect(codes(before)).not.toContain("dkim.expired");
  });

  it("a key shorter than 1024 bits: dkim.weak_key", async () => {
    const raw = await sign(message(), [{ domain: "amazon.com", selector: "abusedesk-weak", key: KEYS.weak }]);
    const v = await verify(emailItem(raw), opts());
    expect(sev(v, "dkim.weak_key")).toBe("warn");
    expect(v.verdict).toBe("suspicious");
  });

  it("l= with text appended after the signed part: dkim.unsigned_content", async () => {
    const base = message();
    const bodyLength = Buffer.byteLength(NOTICE_BODY);
    const signed = await sign(base, [{ domain: "amazon.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa, maxBodyLength: bodyLength }]);
    const untouched = await verify(emailItem(signed), opts());
    expect(codes(untouched)).not.toContain("dkim.unsigned_content");
    const appended = signed + "URGENT: sign in at https://signin.aws.amazon.com.example.net/ now\r\n";
    const v = await verify(emailItem(appended), opts());
    expect(codes(v)).toContain("dkim.aws_pass");
    expect(codes(v)).toContain("dkim.unsigned_content");
    expect(v.verdict).toBe("phishing"); // the appended link is a subdomain trick
  });

  it("offline: the body hash is still checked, the signature is reported as not checked", async () => {
    const signed = await awsSign(message());
    const v = await verify(emailItem(signed), { now: NOW });
    expect(v.verdict).toBe("unverified");
    expect(codes(v)).toContain("dkim.not_checked");
    expect(codes(v)).not.toContain("dkim.aws_pass");
    const tampered = await verify(emailItem(signed.replace("scanning remote hosts", "scanning remote ports")), { now: NOW });
    expect(codes(tampered)).toContain("dkim.body_modified");
    expect(codes(tampered)).not.toContain("dkim.not_checked");
  });

  it("DNS down: dns.unavailable and unverified, never a crash", async () => {
    const down = async (name: string, rrtype: string): Promise<unknown[]> => {
      throw new DnsError("ETIMEOUT", name, rrtype);
    };
    const v = await verify(emailItem(await awsSign(message())), { resolver: down, now: NOW });
    expect(v.verdict).toBe("unverified");
    expect(codes(v)).toContain("dns.unavailable");
    expect(codes(v)).not.toContain("dkim.aws_pass");
  });

  it("a resolver that throws something odd is still only a reason", async () => {
    const weird = async (): Promise<unknown[]> => {
      throw "not an error object";
    };
    const v = await verify(emailItem(await awsSign(message())), { resolver: weird, now: NOW });
    expect(["unverified", "suspicious"]).toContain(v.verdict);
  });

  it("two From headers (the signed one hidden below the shown one): header.duplicate", async () => {
    const signed = await awsSign(message());
    const doubled = "From: AWS Security <security@example.net>\r\n" + signed;
    const v = await verify(emailItem(doubled), opts());
    expect(codes(v)).toContain("header.duplicate");
    expect(v.verdict).toBe("phishing");
  });
});

describe("which signatures are checked", () => {
  it("a DKIM-Signature naming amazon.com that mailauth cannot use at all is a bad signature, and DMARC still fails", async () => {
    const junk = "DKIM-Signature: v=1; a=rsa-sha512; c=relaxed/relaxed; d=amazon.com; s=abusedesk-test-rsa; h=from:subject; bh=AAAA; b=AAAA\r\n";
    const v = await verify(emailItem(junk + message()), opts());
    expect(sev(v, "dkim.bad_signature")).toBe("warn");
    expect(sev(v, "dmarc.fail")).toBe("fail");
    expect(v.verdict).toBe("phishing");
  });

  it("every signature, when ARC headers are present (an ARC seal may cover them)", async () => {
    const raw = await arcSeal(await awsSign(message()), "mx.forwarder.example; dkim=pass header.d=amazon.com");
    const v = await verify(emailItem(raw), opts());
    expect(v.auth?.dkim.map((d) => d.result)).toEqual(["pass", "pass"]);
    expect(v.verdict).toBe("authentic");
  });

  it("every signature, when there is no AWS signature to decide", async () => {
    const raw = await sign(message({ from: "Desk <desk@example.net>" }), [
      { domain: "example.net", selector: "forger", key: KEYS.forger },
      { domain: "amazonses.com", selector: "abusedesk-test-rsa", key: KEYS.awsRsa },
    ]);
    const v = await verify(emailItem(raw), opts());
    expect(v.auth?.dkim.map((d) => [d.domain, d.result])).toEqual([
      ["example.net", "pass"],
      ["amazonses.com", "pass"],
    ]);
  });

  it("a tampered message with both signatures is still caught through AWS's", async () => {
    const raw = (await awsSign(message())).replace("scanning remote hosts", "scanning remote ports");
    const v = await verify(emailItem(raw), opts());
    expect(v.auth?.dkim.map((d) => [d.domain, d.result])).toEqual([
      ["amazon.com", "neutral"],
      ["amazonses.com", "skipped"],
    ]);
    expect(v.verdict).toBe("suspicious");
  });
});

describe("SPF (connecting IP from the trusted server's Received header)", () => {
  const withReceived = async (ip: string, returnPath = "0100018f-bounce@us-west-2.amazonses.com") =>
    awsSign(message({ headers: [received(ip)], returnPath }));

  it("without a trusted server, SPF is not evaluated and says how to enable it", async () => {
    const v = await verify(emailItem(await withReceived(SES_IP)), opts());
    expect(v.reasons.find((r) => r.code === "spf.not_evaluated")?.message).toContain("--trust-authserv");
    expect(v.auth?.spf).toBeNull();
  });

  it("SES's IP passes for amazonses.com: said as transport only", async () => {
    const v = await verify(emailItem(await withReceived(SES_IP)), opts({ trustedAuthServIds: ["mx.customer.example"] }));
    expect(v.auth?.spf).toEqual({ result: "pass", domain: "us-west-2.amazonses.com" });
    expect(sev(v, "spf.pass")).toBe("info");
    expect(codes(v)).not.toContain("spf.not_evaluated");
    expect(v.verdict).toBe("authentic");
  });

  it("bounce domain amazon.com passing SPF is a pass", async () => {
    const v = await verify(emailItem(await withReceived(SES_IP, "bounces@amazon.com")), opts({ trustedAuthServIds: ["mx.customer.example"] }));
    expect(sev(v, "spf.pass")).toBe("pass");
  });

  it("an unsigned message from a forger's IP claiming an AWS bounce domain: spf.fail (fail)", async () => {
    const raw = message({ headers: [received(FORGER_IP, "mail.example.net")], returnPath: "bounces@amazon.com" });
    const v = await verify(emailItem(raw), opts({ trustedAuthServIds: ["mx.customer.example"] }));
    expect(sev(v, "spf.fail")).toBe("fail");
    expect(v.verdict).toBe("phishing");
  });

  it("AWS's signature verifies but the IP fails SPF (a relay): spf.fail is only a warning", async () => {
    const v = await verify(emailItem(await withReceived(FORGER_IP)), opts({ trustedAuthServIds: ["mx.customer.example"] }));
    expect(sev(v, "spf.fail")).toBe("warn");
    expect(codes(v)).toContain("dkim.aws_pass");
  });

  it("softfail for an AWS-claimed message: spf.softfail", async () => {
    const raw = message({ headers: [received(FORGER_IP, "mail.softfail.example")], returnPath: "bounce@softfail.example" });
    const v = await verify(emailItem(raw), opts({ trustedAuthServIds: ["mx.customer.example"] }));
    expect(codes(v)).toContain("spf.softfail");
  });

  it("no SPF record: spf.none", async () => {
    const raw = await awsSign(message({ headers: [received(SES_IP)], returnPath: "bounce@nospf.example" }));
    const v = await verify(emailItem(raw), opts({ trustedAuthServIds: ["mx.customer.example"] }));
    expect(codes(v)).toContain("spf.none");
  });

  it("a Received header a forger wrote lower down (borrowing SES's IP) is not believed", async () => {
    const forgedLower = `Received: from a1-25.smtp-out.amazonses.com (a1-25.smtp-out.amazonses.com [${SES_IP}]) by mx.customer.example; Wed, 10 Jul 2024 09:00:00 +0000`;
    const top = `Received: from mail.example.net (mail.example.net [${FORGER_IP}]) by mx.customer.example with ESMTPS; Wed, 10 Jul 2024 09:30:02 +0000`;
    const raw = message({ headers: [top, forgedLower], returnPath: "bounces@amazon.com" });
    const v = await verify(emailItem(raw), opts({ trustedAuthServIds: ["mx.customer.example"] }));
    expect(v.auth?.spf).toEqual({ result: "fail", domain: "amazon.com" });
    expect(v.reasons.find((r) => r.code === "spf.fail")?.message).toContain(FORGER_IP);
    expect(v.verdict).toBe("phishing");
  });

  it("internal relays (private addresses) are walked through to the hop where the message came in", async () => {
    const raw = await awsSign(
      message({
        headers: [
          "Received: from relay1.customer.example (relay1.customer.example [10.0.0.5]) by mailstore.customer.example; Wed, 10 Jul 2024 09:30:05 +0000",
          received(SES_IP),
        ],
        returnPath: "0100018f-bounce@us-west-2.amazonses.com",
      }),
    );
    const v = await verify(emailItem(raw), opts({ trustedAuthServIds: ["mx.customer.example"] }));
    expect(v.auth?.spf?.result).toBe("pass");
  });
});

describe("the recipient's mail server (trusted Authentication-Results)", () => {
  const gmailTop = (ar: string) => [
    "Received: by 2002:a05:6a10:1234:b0:5a1:aaaa:bbbb with SMTP id x1csp1; Wed, 10 Jul 2024 02:30:03 -0700",
    `Received: from a1-25.smtp-out.amazonses.com (a1-25.smtp-out.amazonses.com. [${SES_IP}]) by mx.google.com with ESMTPS id y2si; Wed, 10 Jul 2024 02:30:02 -0700`,
    `Authentication-Results: mx.google.com; ${ar}`,
  ];

  it("is only said unless trusted (authres.untrusted), and believed when trusted (authres.trusted_pass)", async () => {
    // an old message whose key is gone: only the server's record can prove it
    const signed = await sign(message({ headers: gmailTop("dkim=pass header.i=@amazon.com header.s=retired-2019; dmarc=pass (p=QUARANTINE) header.from=amazon.com") }), [
      { domain: "amazon.com", selector: "retired-2019", key: KEYS.awsRsa },
    ]);
    const untrusted = await verify(emailItem(signed), opts());
    expect(codes(untrusted)).toContain("authres.untrusted");
    expect(untrusted.verdict).toBe("unverified");
    const trusted = await verify(emailItem(signed), opts({ trustedAuthServIds: ["mx.google.com"] }));
    expect(codes(trusted)).toContain("authres.trusted_pass");
    expect(codes(trusted)).not.toContain("authres.untrusted");
    expect(trusted.verdict).toBe("authentic");
  });

  it("an Authentication-Results forged below the trusted server's Received header is ignored", async () => {
    const raw = message({
      headers: [
        `Received: from mail.example.net (mail.example.net [${FORGER_IP}]) by mx.google.com with ESMTPS; Wed, 10 Jul 2024 02:30:02 -0700`,
        "Received: from localhost by mail.example.net; Wed, 10 Jul 2024 02:30:00 -0700",
        "Authentication-Results: mx.google.com; dkim=pass header.i=@amazon.com; dmarc=pass header.from=amazon.com",
      ],
    });
    const v = await verify(emailItem(raw), opts({ trustedAuthServIds: ["mx.google.com"] }));
    expect(codes(v)).not.toContain("authres.trusted_pass");
    expect(codes(v)).toContain("authres.untrusted");
    expect(v.verdict).toBe("phishing");
  });

  it("SPF as the trusted server recorded it wins over evaluating it here", async () => {
    const raw = await awsSign(message({ headers: gmailTop("dkim=pass header.i=@amazon.com; spf=pass smtp.mailfrom=0100018f@us-west-2.amazonses.com; dmarc=pass header.from=amazon.com") }));
    const v = await verify(emailItem(raw), opts({ trustedAuthServIds: ["mx.google.com"] }));
    expect(v.auth?.spf).toEqual({ result: "pass", domain: "us-west-2.amazonses.com" });
    expect(v.reasons.find((r) => r.code === "spf.pass")?.message).toContain("amazonses.com");
    expect(v.verdict).toBe("authentic");
  });

  it("the trusted server recorded DMARC failing for amazon.com: authres.trusted_fail", async () => {
    const raw = message({ headers: gmailTop("dkim=none; spf=softfail smtp.mailfrom=amazon.com; dmarc=fail (p=QUARANTINE) header.from=amazon.com") });
    const v = await verify(emailItem(raw), opts({ trustedAuthServIds: ["mx.google.com"] }));
    expect(sev(v, "authres.trusted_fail")).toBe("fail");
    expect(v.verdict).toBe("phishing");
  });
});

describe("ARC (a forwarding service changed the message and sealed what it saw)", () => {
  const forwarded = async () => {
    const signed = await awsSign(message());
    // a mailing list adds a footer, breaking AWS's body hash, then seals
    const changed = signed + "\r\n--\r\nsecurity-team mailing list\r\n";
    return arcSeal(changed, "mx.forwarder.example; dkim=pass header.d=amazon.com header.s=abusedesk-test-rsa; dmarc=pass header.from=amazon.com");
  };

  it("a trusted sealer's record proves AWS signed it before the change: authentic", async () => {
    const raw = await forwarded();
    const v = await verify(emailItem(raw), opts({ trustedArcSealers: ["forwarder.example"] }));
    expect(v.auth?.arc).toEqual({ result: "pass" });
    expect(codes(v)).toContain("arc.trusted_pass");
    expect(sev(v, "dkim.body_modified")).toBe("info");
    expect(v.verdict).toBe("authentic");
  });

  it("an untrusted sealer is said (arc.pass) and the broken signature stays a warning", async () => {
    const v = await verify(emailItem(await forwarded()), opts());
    expect(codes(v)).toContain("arc.pass");
    expect(codes(v)).not.toContain("arc.trusted_pass");
    expect(sev(v, "dkim.body_modified")).toBe("warn");
    expect(v.verdict).toBe("suspicious");
  });

  it("a message changed after sealing: arc.fail", async () => {
    const raw = (await forwarded()).replace("Subject: Your AWS Abuse Report", "Subject: Fwd: Your AWS Abuse Report");
    const v = await verify(emailItem(raw), opts({ trustedArcSealers: ["forwarder.example"] }));
    expect(codes(v)).toContain("arc.fail");
    expect(codes(v)).not.toContain("arc.trusted_pass");
    expect(v.verdict).not.toBe("authentic");
  });
});

describe("cached DNS", () => {
  it("verifying many messages asks the upstream once per name", async () => {
    const upstream = zone();
    const cache = new DnsCache({ upstream: upstream.resolve });
    const raw = await awsSign(message());
    for (let i = 0; i < 5; i++) expect((await verify(emailItem(raw), { resolver: cache.resolve, now: NOW })).verdict).toBe("authentic");
    expect(upstream.stats.hits).toBe(cache.size);
    expect(cache.stats.hits).toBeGreaterThan(cache.stats.misses);
  });
});
