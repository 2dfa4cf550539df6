/**
 * The trust zone of `--trust-authserv`: only the Authentication-Results the trusted server itself
 * wrote are believed. Three real header layouts, written out as they arrive:
 * - Gmail: internal `Received: by 2002:...` hops, then `Received: ... by mx.google.com`, Received-SPF,
 *   and its Authentication-Results BELOW its own Received header, where the sender's headers begin;
 * - Microsoft 365: internal `*.prod.outlook.com` hops, an Authentication-Results with NO authserv-id
 *   ABOVE Received-SPF and the `by *.mail.protection.outlook.com` hop (Exchange writes `from HELO (IP)`);
 * - a Postfix border relay with OpenDKIM/OpenDMARC milters (authserv-id mx.customer.example, its
 *   records below its own Received header) relaying to an internal mailstore from 10.0.0.5.
 *
 * Each delivers a forger's notice (From ec2-abuse@amazon.com, a DKIM-Signature naming amazon.com
 * whose key is published nowhere, so the signature itself is only "cannot be checked"), sent
 * straight to the server or through the forger's own relay, whose own headers carry forged
 * Authentication-Results claiming dkim=pass and dmarc=pass: at the top of the sender's message
 * (directly under the real record), between the sender's own hops (under a fake "by <trusted
 * server>" hop), and at the bottom of its header block. A sender cannot write above what the
 * receiving server adds; those three are every place it can write. The real record says
 * dmarc=fail, dmarc=none, or SPF only. Nothing forged may count.
 *
 * ARC headers Gmail and Microsoft also add are left out: a hand-made ARC set would not verify and
 * would add its own doubt, hiding what is tested here.
 */
import { describe, expect, it } from "vitest";
import { verify } from "../../src/verify/index.ts";
import { trustZone } from "../../src/verify/received.ts";
import { parseHeaders, splitHead } from "../../src/notice/mime/headers.ts";
import type { Verdict } from "../../src/verify/types.ts";
import { emailItem, FORGER_IP, KEYS, message, NOW, SES_IP, sign, zone } from "./helpers.ts";

const codes = (v: Verdict) => v.reasons.map((r) => r.code);
const online = (ids: string[]) => ({ resolver: zone().resolve, now: NOW, trustedAuthServIds: ids });
const headersOf = (raw: string) => parseHeaders(splitHead(Buffer.from(raw)).head);

type Real = "dmarc-fail" | "dmarc-none" | "spf-only" | "genuine-pass";
type Where = "top" | "between" | "bottom";

interface Layout {
  name: string;
  trust: string[];
  /** The headers the receiving side adds above the sender's message, for a message from `ip`/`helo`. */
  block: (real: Real, ip: string, helo: string, bounce: string) => string[];
  /** A forged record in this server's own style. */
  forged: string[];
  /** A Received header the forger writes claiming this server received it from SES. */
  fakeHop: string;
}

const forgedClaim = "dkim=pass header.i=@amazon.com header.s=retired-2019 header.b=QmFk; spf=pass smtp.mailfrom=bounces@amazon.com; dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=amazon.com";

const GMAIL: Layout = {
  name: "Gmail",
  trust: ["mx.google.com"],
  block: (real, ip, helo, bounce) => {
    const spf = `spf=pass (google.com: domain of ${bounce} designates ${ip} as permitted sender) smtp.mailfrom=${bounce}`;
    const ar = {
      "dmarc-fail": `dkim=neutral (no key for signature) header.i=@amazon.com header.s=retired-2019 header.b=QmFk;\r\n       ${spf};\r\n       dmarc=fail (p=QUARANTINE sp=QUARANTINE dis=QUARANTINE) header.from=amazon.com`,
      "dmarc-none": `dkim=neutral (no key for signature) header.i=@amazon.com header.s=retired-2019 header.b=QmFk;\r\n       ${spf};\r\n       dmarc=none header.from=amazon.com`,
      "spf-only": spf,
      "genuine-pass": `dkim=pass header.i=@amazon.com header.s=retired-2019 header.b=QmFk;\r\n       ${spf};\r\n       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=amazon.com`,
    }[real];
    return [
      "Delivered-To: security@customer.example",
      "Received: by 2002:a05:6a10:1234:b0:5a1:aaaa:bbbb with SMTP id x1csp1234567pxb;\r\n        Wed, 10 Jul 2024 02:30:03 -0700 (PDT)",
      "X-Google-Smtp-Source: AGHT+IEf0rGeDhYxL3m5sQqzExampleOnly",
      "X-Received: by 2002:a17:90a:e7c4:b0:2c9:6a2e:1f3 with SMTP id w4mr1234567pjy.12.1720603803;\r\n        Wed, 10 Jul 2024 02:30:03 -0700 (PDT)",
      `Return-Path: <${bounce}>`,
      `Received: from ${helo} (${helo}. [${ip}])\r\n        by mx.google.com with ESMTPS id d2e1a72fcca58-70b0c5e5f7bsi1234567b3a.123.2024.07.10.02.30.02\r\n        for <security@customer.example>\r\n        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);\r\n        Wed, 10 Jul 2024 02:30:02 -0700 (PDT)`,
      `Received-SPF: pass (google.com: domain of ${bounce} designates ${ip} as permitted sender) client-ip=${ip};`,
      `Authentication-Results: mx.google.com;\r\n       ${ar}`,
    ];
  },
  forged: [`Authentication-Results: mx.google.com;\r\n       ${forgedClaim}`],
  fakeHop: `Received: from a1-25.smtp-out.amazonses.com (a1-25.smtp-out.amazonses.com. [${SES_IP}])\r\n        by mx.google.com with ESMTPS id y2si1.2024.07.10.02.29.58;\r\n        Wed, 10 Jul 2024 02:29:58 -0700 (PDT)`,
};

const M365: Layout = {
  name: "Microsoft 365",
  trust: ["protection.outlook.com"],
  block: (real, ip, helo, bounce) => {
    const d = bounce.replace(/^.*@/, "");
    const spf = `spf=pass (sender IP is ${ip}) smtp.mailfrom=${d}`;
    const ar = {
      "dmarc-fail": `${spf}; dkim=fail (no key for signature) header.d=amazon.com;dmarc=fail action=quarantine header.from=amazon.com;compauth=fail reason=000`,
      "dmarc-none": `${spf}; dkim=fail (no key for signature) header.d=amazon.com;dmarc=none action=none header.from=amazon.com;compauth=softpass reason=201`,
      "spf-only": spf,
      "genuine-pass": `${spf}; dkim=pass (signature was verified) header.d=amazon.com;dmarc=pass action=none header.from=amazon.com;compauth=pass reason=100`,
    }[real];
    return [
      "Received: from SA1PR03MB6456.namprd03.prod.outlook.com (2603:10b6:806:1c8::10) by\r\n CH3PR03MB7434.namprd03.prod.outlook.com with HTTPS; Wed, 10 Jul 2024 09:30:05 +0000",
      "Received: from BN9PR03CA0123.namprd03.prod.outlook.com (2603:10b6:408:fe::8) by\r\n SA1PR03MB6456.namprd03.prod.outlook.com (2603:10b6:806:1c8::10) with Microsoft SMTP\r\n Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id\r\n 15.20.7762.20; Wed, 10 Jul 2024 09:30:04 +0000",
      "Received: from BN1PEPF00004680.namprd03.prod.outlook.com\r\n (2603:10b6:408:fe:cafe::4a) by BN9PR03CA0123.outlook.office365.com\r\n (2603:10b6:408:fe::8) with Microsoft SMTP Server (version=TLS1_3,\r\n cipher=TLS_AES_256_GCM_SHA384) id 15.20.7784.19 via Frontend Transport; Wed,\r\n 10 Jul 2024 09:30:04 +0000",
      `Authentication-Results: ${ar}`,
      `Received-SPF: Pass (protection.outlook.com: domain of ${d} designates\r\n ${ip} as permitted sender) receiver=protection.outlook.com;\r\n client-ip=${ip}; helo=${helo}; pr=C`,
      `Received: from ${helo} (${ip}) by\r\n BN1PEPF00004680.mail.protection.outlook.com (10.167.243.85) with Microsoft SMTP\r\n Server (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.7784.0 via\r\n Frontend Transport; Wed, 10 Jul 2024 09:30:03 +0000`,
      "X-IncomingTopHeaderMarker:\r\n OriginalChecksum:5C3A1B2D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3A2B;UpperCasedChecksum:1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D3E4F5A6B7C8D9E0F1A2B;SizeAsReceived:2345;Count:12",
    ];
  },
  // the forger writes records in Microsoft's own style (no authserv-id) and with the trusted id
  forged: [
    "Authentication-Results: spf=pass (sender IP is 198.51.100.25) smtp.mailfrom=amazonses.com; dkim=pass (signature was verified) header.d=amazon.com;dmarc=pass action=none header.from=amazon.com;compauth=pass reason=100",
    `Authentication-Results: protection.outlook.com; ${forgedClaim}`,
  ],
  fakeHop: `Received: from a1-25.smtp-out.amazonses.com (${SES_IP}) by\r\n BN2PEPF00001234.mail.protection.outlook.com (10.167.243.90) with Microsoft SMTP\r\n Server id 15.20.7784.0 via Frontend Transport; Wed, 10 Jul 2024 09:29:58 +0000`,
};

const POSTFIX: Layout = {
  name: "Postfix/OpenDKIM relay",
  trust: ["mx.customer.example"],
  block: (real, ip, helo, bounce) => {
    const d = bounce.replace(/^.*@/, "");
    // OpenDMARC and OpenDKIM insert their records under Postfix's own Received header (the milter layout)
    const records = {
      "dmarc-fail": [
        "Authentication-Results: mx.customer.example; dmarc=fail (p=quarantine dis=quarantine) header.from=amazon.com",
        'Authentication-Results: mx.customer.example;\r\n\tdkim=fail reason="key not found in DNS" (0-bit key; unprotected) header.d=amazon.com header.i=@amazon.com header.b="QmFk"',
      ],
      "dmarc-none": [
        "Authentication-Results: mx.customer.example; dmarc=none (p=none dis=none) header.from=amazon.com",
        'Authentication-Results: mx.customer.example;\r\n\tdkim=fail reason="key not found in DNS" (0-bit key; unprotected) header.d=amazon.com header.i=@amazon.com header.b="QmFk"',
      ],
      "spf-only": [`Authentication-Results: mx.customer.example; spf=pass (mailfrom) smtp.mailfrom=${d} (client-ip=${ip}; helo=${helo}; envelope-from=${bounce})`],
      "genuine-pass": [
        "Authentication-Results: mx.customer.example;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=amazon.com header.i=@amazon.com header.a=rsa-sha256 header.s=retired-2019 header.b=QmFk;\r\n\tdmarc=pass (p=quarantine dis=none) header.from=amazon.com",
      ],
    }[real];
    return [
      `Return-Path: <${bounce}>`,
      "Delivered-To: security@customer.example",
      "Received: from mx.customer.example (mx.customer.example [10.0.0.5])\r\n\tby mailstore.customer.example (Postfix) with ESMTPS id 4WKxyz1Abcd\r\n\tfor <security@customer.example>; Wed, 10 Jul 2024 09:30:04 +0000 (UTC)",
      `Received: from ${helo} (${helo} [${ip}])\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n\t(No client certificate requested)\r\n\tby mx.customer.example (Postfix) with ESMTPS id 4WKxyz0Defg\r\n\tfor <security@customer.example>; Wed, 10 Jul 2024 09:30:03 +0000 (UTC)`,
      ...records,
    ];
  },
  forged: [`Authentication-Results: mx.customer.example;\r\n\t${forgedClaim}`],
  fakeHop: `Received: from a1-25.smtp-out.amazonses.com (a1-25.smtp-out.amazonses.com [${SES_IP}])\r\n\tby mx.customer.example (Postfix) with ESMTPS id 4WKxyz9Zzzz\r\n\tfor <security@customer.example>; Wed, 10 Jul 2024 09:29:58 +0000 (UTC)`,
};

const LAYOUTS = [GMAIL, M365, POSTFIX];

/**
 * The forger's notice as it reaches the receiving server: a DKIM-Signature naming amazon.com (its
 * key is published nowhere) and the forged records at `where`; "between" came through the
 * forger's own relay and carries a fake hop of the trusted server above it.
 */
async function forgery(layout: Layout, where: Where): Promise<string> {
  const own = "Received: from [192.168.1.20] (unknown [192.168.1.20])\r\n\tby mail.example.net (Postfix) with ESMTPSA id 7F3A2C0042\r\n\tfor <security@customer.example>; Wed, 10 Jul 2024 09:29:59 +0000 (UTC)";
  // "top" and "bottom" go straight to the receiving server (no hop of the forger's own below it)
  const base = message({ headers: where === "between" ? [layout.fakeHop, ...layout.forged, own] : [], returnPath: "bounce@example.net" });
  const withForgedBottom = where === "bottom" ? base.replace("\r\n\r\n", `\r\n${layout.forged.join("\r\n")}\r\n\r\n`) : base;
  const signed = await sign(withForgedBottom, [{ domain: "amazon.com", selector: "retired-2019", key: KEYS.forger }]);
  return where === "top" ? `${layout.forged.join("\r\n")}\r\n${signed}` : signed;
}

/** What the receiving server delivers: its own block above the sender's message. */
const delivered = async (layout: Layout, real: Real, where: Where) =>
  [...layout.block(real, FORGER_IP, "mail.example.net", "bounce@example.net"), ""].join("\r\n") + (await forgery(layout, where));

const methods = (raw: string, trust: string[]) => trustZone(headersOf(raw), trust).trusted.flatMap((r) => r.methods.map((m) => `${m.method}=${m.result}`));

describe.each(LAYOUTS)("$name: forged Authentication-Results never count", (layout) => {
  describe.each(["dmarc-fail", "dmarc-none", "spf-only"] as const)("the real record says %s", (real) => {
    it.each(["top", "between", "bottom"] as const)("forged at the %s of the sender's headers: only the real record is read", async (where) => {
      const raw = await delivered(layout, real, where);
      // the zone holds exactly the real record
      const realMethods = methods([...layout.block(real, FORGER_IP, "mail.example.net", "bounce@example.net"), "", ""].join("\r\n"), layout.trust).filter((m) => m !== "dkim=pass");
      expect(methods(raw, layout.trust)).toEqual(realMethods);
      expect(methods(raw, layout.trust)).not.toContain("dmarc=pass");

      const v = await verify(emailItem(raw), online(layout.trust));
      expect(codes(v)).not.toContain("authres.trusted_pass");
      expect(v.verdict).not.toBe("authentic");
      if (real === "dmarc-fail") {
        expect(codes(v)).toContain("authres.trusted_fail");
        expect(v.verdict).toBe("phishing");
      }
    });
  });

  it("the genuine record of a notice AWS signed (key since rotated) still proves it: authentic", async () => {
    const notice = await sign(message({ returnPath: "0100018f-bounce@us-west-2.amazonses.com" }), [{ domain: "amazon.com", selector: "retired-2019", key: KEYS.awsRsa }]);
    const raw = [...layout.block("genuine-pass", SES_IP, "a1-25.smtp-out.amazonses.com", "0100018f-bounce@us-west-2.amazonses.com"), ""].join("\r\n") + notice;
    const v = await verify(emailItem(raw), online(layout.trust));
    expect(codes(v)).toContain("authres.trusted_pass");
    expect(v.verdict).toBe("authentic");
    // and not without trusting the server
    expect((await verify(emailItem(raw), online([]))).verdict).toBe("unverified");
  });

  it("the connecting IP is the one the server recorded, not the forger's fake hop", async () => {
    const raw = await delivered(layout, "spf-only", "between");
    expect(trustZone(headersOf(raw), layout.trust).entry?.ip).toBe(FORGER_IP);
  });
});

describe("trust zone: the rules behind the layouts", () => {
  it("a dkim=pass record for a domain that signed nothing in the message is not relied on (authres.unbacked)", async () => {
    const raw = [...GMAIL.block("genuine-pass", SES_IP, "a1-25.smtp-out.amazonses.com", "0100018f-bounce@us-west-2.amazonses.com"), ""].join("\r\n") + message();
    const zone = trustZone(headersOf(raw), ["mx.google.com"]);
    expect(zone.unbacked).toEqual([{ authservId: "mx.google.com", domain: "amazon.com" }]);
    expect(zone.trusted[0]!.methods.map((m) => m.method)).not.toContain("dkim");
    const v = await verify(emailItem(raw), online(["mx.google.com"]));
    expect(codes(v)).toContain("authres.unbacked");
    expect(v.verdict).not.toBe("authentic");
  });

  it("a server of the same provider that only sent the message out (Gmail's outbound) is not the trusted mx.google.com", async () => {
    // the forger mails from a Gmail account to a mailbox that is not at Gmail: Google's outbound hops, then its own records
    const raw = [
      "Received: from mail-sor-f41.google.com (mail-sor-f41.google.com [209.85.220.41]) by mailstore.customer.example (Postfix) with ESMTPS id 4WKq; Wed, 10 Jul 2024 09:30:03 +0000",
      "Received: by mail-sor-f41.google.com with SMTP id 98e67ed59e1d1-2c9;\r\n        Wed, 10 Jul 2024 02:30:02 -0700 (PDT)",
      GMAIL.forged[0]!,
      message(),
    ].join("\r\n");
    expect(trustZone(headersOf(raw), ["mx.google.com"]).trusted).toEqual([]);
    const v = await verify(emailItem(raw), online(["mx.google.com"]));
    expect(codes(v)).not.toContain("authres.trusted_pass");
  });

  it("direct to the MX with no hop of its own: the zone never runs down to the end of the header block", async () => {
    const raw = [
      `Received: from mail.example.net (mail.example.net [${FORGER_IP}]) by mx.customer.example (Postfix) with ESMTP id 4WK0; Wed, 10 Jul 2024 09:30:03 +0000`,
      "Authentication-Results: mx.customer.example; spf=pass smtp.mailfrom=example.net",
      message().replace("\r\n\r\n", `\r\n${POSTFIX.forged[0]}\r\n\r\n`),
    ].join("\r\n");
    expect(methods(raw, ["mx.customer.example"])).toEqual(["spf=pass"]);
  });

  it("below the entry hop only the topmost record of the trusted server counts, the next one is the sender's", () => {
    const raw = [
      `Received: from mail.example.net (mail.example.net [${FORGER_IP}]) by mx.google.com with ESMTPS id y2si; Wed, 10 Jul 2024 02:30:02 -0700`,
      "Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=example.net",
      GMAIL.forged[0]!,
      message(),
    ].join("\r\n");
    expect(methods(raw, ["mx.google.com"])).toEqual(["spf=pass"]);
  });
});
