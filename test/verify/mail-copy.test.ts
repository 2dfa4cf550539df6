/**
 * A notice copied out of a mail client and pasted is a copy, not a message: read as pasted text,
 * unverified with a reason saying so, never phishing for the signature a copy cannot carry. A
 * forged message cannot dress as one: any field only a message carries keeps it a message.
 * From bytes to verdict, through the parser's detection.
 */
import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/notice/index.ts";
import { isMailClientCopy } from "../../src/notice/detect.ts";
import { verify } from "../../src/verify/index.ts";
import { FORGER_IP, NOTICE_BODY, NOW, zone } from "./helpers.ts";

const outlook = (extra: string[] = []) =>
  [
    ...extra,
    "From: Amazon EC2 Abuse <ec2-abuse@amazon.com>",
    "Sent: Wednesday, July 10, 2024 9:30 AM",
    "To: security@customer.example",
    "Subject: Your AWS Abuse Report [12345678901] [AWS ID 111122223333]",
    "",
    NOTICE_BODY,
  ].join("\r\n");

const appleMail = [
  "From: Amazon EC2 Abuse <ec2-abuse@amazon.com>",
  "Subject: Your AWS Abuse Report [12345678901] [AWS ID 111122223333]",
  "Date: July 10, 2024 at 11:30:00 AM GMT+2",
  "To: security@customer.example",
  "",
  NOTICE_BODY,
].join("\n");

async function judge(text: string) {
  const { items } = await parseInput(Buffer.from(text));
  const item = items[0]!;
  const v = await verify(item, { resolver: zone().resolve, now: NOW });
  return { item, v, codes: v.reasons.map((r) => r.code) };
}

describe("a mail client's copy of a notice", () => {
  it.each([
    ["Outlook (From/Sent/To/Subject)", outlook()],
    ["Apple Mail / Thunderbird (a displayed Date)", appleMail],
  ])("%s: a copy, unverified with the reason, never phishing", async (_name, text) => {
    expect(isMailClientCopy(text)).toBe(true);
    const { item, v, codes } = await judge(text);
    expect(item.format).toBe("text");
    expect(codes).toContain("source.mail_copy");
    expect(codes).not.toContain("dkim.missing");
    expect(v.verdict).toBe("unverified");
    // the facts are still read from it
    expect(item.notice.caseNumber).toBe("12345678901");
    expect(item.notice.instanceIds).toEqual(["i-0abc1234def567890"]);
    expect(item.notice.from).toContain("ec2-abuse@amazon.com");
  });

  it("what it says is still checked: a copy asking for your secret key is phishing", async () => {
    const { v } = await judge(outlook().replace("Regards,", "Reply with your secret access key to confirm.\r\n\r\nRegards,"));
    expect(v.verdict).toBe("phishing");
  });
});

describe("a message cannot dress as a copy", () => {
  it.each([
    ["a Received header", `Received: from mail.example.net (mail.example.net [${FORGER_IP}]) by mx.customer.example with ESMTP id 4Wabc; Wed, 10 Jul 2024 09:30:02 +0000`],
    ["a Message-ID", "Message-ID: <forged-0001@example.net>"],
    ["an RFC 5322 Date", "Date: Wed, 10 Jul 2024 09:30:00 +0000"],
    ["MIME fields", "MIME-Version: 1.0"],
    ["a DKIM-Signature", "DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=forger; h=from; bh=; b="],
  ])("with %s it is a message, judged as one", async (_name, field) => {
    const text = outlook([field]);
    expect(isMailClientCopy(text)).toBe(false);
    const { item, v, codes } = await judge(text);
    expect(item.format).toBe("email");
    expect(codes).not.toContain("source.mail_copy");
    expect(v.verdict).toBe("phishing");
  });
});
