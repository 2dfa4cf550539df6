/** The MIME readers: the fast path agrees with mailparser; mbox splitting; headers; HTML to text. */
import { describe, expect, it } from "vitest";
import { simpleParser } from "mailparser";
import { readFast, readMail } from "../../src/notice/mime/mail.ts";
import { splitMbox, isMbox } from "../../src/notice/mime/mbox.ts";
import { decodeWords, parseContentType, parseAddresses } from "../../src/notice/mime/headers.ts";
import { decodeQuotedPrintable } from "../../src/notice/mime/decode.ts";
import { htmlToText } from "../../src/notice/mime/html.ts";
import { unwrapInlineForward } from "../../src/notice/mime/forward.ts";
import { generateMbox } from "./helpers/generate.ts";
import { fixture } from "./helpers/load.ts";

const norm = (s: string) => s.replace(/\r\n/g, "\n").replace(/[ \t]+$/gm, "").trim();

describe("fast MIME reader agrees with mailparser", () => {
  const { messages } = generateMbox(200, 99);
  const withText = messages.filter((m) => !/^Content-Type: text\/html/m.test(m.toString().split("\r\n\r\n")[0]!));
  it.each(withText.slice(0, 60).map((m, i) => [i, m] as const))("generated message %i", async (_i, m) => {
    const fast = readFast(m);
    const ref = await simpleParser(m);
    expect(norm(fast.text)).toBe(norm(ref.text ?? ""));
    expect(fast.subject).toBe(ref.subject);
    expect(fast.from?.address).toBe(ref.from?.value[0]?.address);
    expect(fast.date?.getTime()).toBe(ref.date?.getTime());
    expect(fast.messageId).toBe(ref.messageId);
  });
  it.each(["aws2017-multi-resource.eml", "credentials-exposed-base64.eml", "forwarded-inline.eml"])("%s", async (name) => {
    const m = fixture(name);
    const fast = readFast(m);
    const ref = await simpleParser(m);
    expect(norm(fast.text)).toBe(norm(ref.text ?? ""));
    expect(fast.subject).toBe(ref.subject);
  });
  it("message/rfc822 parts are kept whole for the forwarded notice", async () => {
    const fast = readFast(fixture("forwarded-rfc822.eml"));
    expect(fast.embedded).toHaveLength(1);
    expect(fast.embedded[0]!.toString()).toContain("Reported Activity: Web Crawling");
    const viaRead = await readMail(fixture("forwarded-rfc822.eml"));
    expect(viaRead.reader).toBe("fast");
  });
});

describe("mbox", () => {
  it("splits on From_ lines after a blank line, undoes >From quoting", () => {
    const mbox = Buffer.from("From a@x Mon Jan  1 00:00:00 2024\nSubject: 1\n\nbody\n>From here\n>>From there\nFrom inside the body\n\nFrom b@x Mon Jan  1 00:00:00 2024\nSubject: 2\n\ntwo\n");
    expect(isMbox(mbox)).toBe(true);
    const msgs = splitMbox(mbox).map((b) => b.toString());
    expect(msgs).toEqual(["Subject: 1\n\nbody\nFrom here\n>From there\nFrom inside the body\n", "Subject: 2\n\ntwo\n"]);
  });
  it("a generated mbox round-trips message by message", () => {
    const { mbox, messages } = generateMbox(50, 5);
    const split = splitMbox(mbox);
    expect(split).toHaveLength(50);
    split.forEach((m, i) => expect(m.toString()).toBe(messages[i]!.toString()));
  });
});

describe("headers", () => {
  it("RFC 2047 words, RFC 2231 parameters, addresses", () => {
    expect(decodeWords("=?UTF-8?B?QW1hem9uIOKAkyBjYXNl?= =?iso-8859-1?Q?caf=E9?=")).toBe("Amazon – casecafé");
    expect(parseContentType("text/plain; charset=\"UTF-8\"; format=flowed")).toEqual({ type: "text/plain", params: { charset: "UTF-8", format: "flowed" } });
    expect(parseContentType("attachment; filename*=utf-8''%E2%82%AC%20rates.txt").params.filename).toBe("€ rates.txt");
    expect(parseAddresses('"Amazon EC2 Abuse" <ec2-abuse@amazon.com>, other@example.com (Other)')).toEqual([
      { address: "ec2-abuse@amazon.com", name: "Amazon EC2 Abuse" },
      { address: "other@example.com", name: "Other" },
    ]);
  });
  it("quoted-printable with soft breaks and a malformed escape", () => {
    expect(decodeQuotedPrintable(Buffer.from("We=E2=80=99ve a=\r\nb =ZZ")).toString()).toBe("We’ve ab =ZZ");
  });
});

describe("HTML to text and inline forwards", () => {
  it("keeps paragraphs, line breaks and table cells apart", () => {
    const t = htmlToText("<html><head><style>p{}</style></head><body><p>Hello,</p><p>Line one<br>Line&nbsp;two &amp; more</p><table><tr><td>Instance Id</td><td>Remote IP</td></tr><tr><td>i-0123</td><td>203.0.113.5</td></tr></table></body></html>");
    expect(t).toBe("Hello,\n\nLine one\nLine two & more\n\nInstance Id  Remote IP\ni-0123  203.0.113.5");
  });
  it("finds the innermost forwarded message and its headers", () => {
    const u = unwrapInlineForward("hi\n\n-----Original Message-----\nFrom: AWS <abuse@amazonaws.com>\nSent: Tuesday, November 27, 2018 1:30 AM\nTo: me\nSubject: Your AWS Abuse Report [12345678901]\n\nBody here\n");
    expect(u).toMatchObject({ forwarded: true, subject: "Your AWS Abuse Report [12345678901]", from: "AWS <abuse@amazonaws.com>", text: "Body here\n" });
    expect(u.date?.toISOString()).toBe("2018-11-27T01:30:00.000Z"); // no zone written: UTC, whatever the machine's zone
  });
});
