import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SendEmailCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { mockClient } from "aws-sdk-client-mock";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.ts";
import type { SmtpSettings } from "../../src/reply/config.ts";
import { draftReply } from "../../src/reply/draft.ts";
import { checkSendable, composeReply, fileSender, sesSender, smtpSender } from "../../src/reply/send.ts";
import type { ReplyDraft } from "../../src/reply/types.ts";
import { MESSAGE_ID, SUBJECT, makeCase, makeEvidence, makeNotice, makePlan, mixedJournal } from "./fixtures.ts";
import { startSmtp, type Listener } from "./smtp-listener.ts";

const FROM = "Example Security <security@example.com>";
const ROOT = "<root.0001@email.amazonses.com>";
const DATE = new Date("2026-05-01T12:00:00.000Z");

function draft(): ReplyDraft {
  return draftReply({
    notices: [makeNotice({ subject: `RE: ${SUBJECT}`, references: [ROOT] })],
    case: makeCase(),
    verdict: "authentic",
    plans: [makePlan()],
    journal: mixedJournal(),
    evidence: makeEvidence(),
  });
}

const local = (port: number, extra: Partial<SmtpSettings> = {}): SmtpSettings => ({
  host: "127.0.0.1",
  port,
  secure: false,
  requireTLS: false,
  rejectUnauthorized: true,
  auth: null,
  timeoutMs: 5_000,
  ...extra,
});

describe("composing", () => {
  it("threads the message under the notice and keeps the subject", async () => {
    const d = draft();
    const msg = await composeReply(d, { from: FROM, cc: ["SecOps <secops@example.com>"], messageId: "<reply-1@example.com>", date: DATE });
    const parsed = await simpleParser(msg.raw);
    expect(parsed.subject).toBe(`Re: ${SUBJECT}`);
    expect(parsed.inReplyTo).toBe(MESSAGE_ID);
    expect(parsed.references).toEqual([ROOT, MESSAGE_ID]);
    expect(parsed.messageId).toBe("<reply-1@example.com>");
    expect(parsed.headers.get("x-abuse-desk-case")).toBe("AD-2026-0007");
    expect((parsed.to as { value: { address: string }[] }).value.map((v) => v.address)).toEqual(["trustandsafety@support.aws.com"]);
    expect((parsed.cc as { value: { address: string }[] }).value.map((v) => v.address)).toEqual(["secops@example.com"]);
    expect(parsed.text).toBe(d.text);
    expect(msg.raw.toString("latin1")).toMatch(/\r\n\r\n/); // CRLF line ends, as SMTP wants
  });
});

describe("sending by SMTP to a real listener on loopback", () => {
  let smtp: Listener;
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(async () => smtp.close());
  beforeEach(() => {
    smtp.received.length = 0;
  });

  it("delivers the reply with its threading headers, subject and body", async () => {
    const d = draft();
    const msg = await composeReply(d, { from: FROM, date: DATE });
    const result = await smtpSender(local(smtp.port)).send(msg);
    expect(result).toMatchObject({ via: "smtp", messageId: msg.messageId, path: null });
    expect(result.detail).toMatch(/^250/);
    expect(smtp.received).toHaveLength(1);
    const got = smtp.received[0]!;
    expect(got.from).toBe("security@example.com");
    expect(got.to).toEqual(["trustandsafety@support.aws.com"]);
    const parsed = await simpleParser(got.raw);
    expect(parsed.subject).toBe(`Re: ${SUBJECT}`);
    expect(parsed.inReplyTo).toBe(MESSAGE_ID);
    expect(parsed.references).toEqual([ROOT, MESSAGE_ID]);
    expect(parsed.messageId).toBe(msg.messageId);
    expect(parsed.text).toContain("2026-05-01 09:41:15 UTC: Isolated network interface eni-0f1e2d3c4b5a69788");
    expect(parsed.text).toContain("SHA-256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    expect(parsed.text).not.toContain("Auto Scaling");
  });

  it("sends copies to the team in the envelope", async () => {
    const msg = await composeReply(draft(), { from: FROM, cc: ["secops@example.com"], date: DATE });
    await smtpSender(local(smtp.port)).send(msg);
    expect(smtp.received[0]!.to).toEqual(["trustandsafety@support.aws.com", "secops@example.com"]);
  });

  it("refuses to send in clear when TLS is required and the server offers none", async () => {
    const msg = await composeReply(draft(), { from: FROM, date: DATE });
    await expect(smtpSender(local(smtp.port, { requireTLS: true })).send(msg)).rejects.toThrow(/STARTTLS/);
    expect(smtp.received).toHaveLength(0);
  });

  it("reports a server that is not there as a UserError", async () => {
    const msg = await composeReply(draft(), { from: FROM, date: DATE });
    const closed = await startSmtp();
    const port = closed.port;
    await closed.close();
    await expect(smtpSender(local(port)).send(msg)).rejects.toThrow(/SMTP 127\.0\.0\.1:\d+/);
  });
});

describe("SMTP with STARTTLS and authentication", () => {
  let smtp: Listener;
  beforeAll(async () => {
    smtp = await startSmtp({ starttls: true, auth: { user: "desk", pass: "s3cret" } });
  });
  afterAll(async () => smtp.close());

  it("upgrades to TLS and logs in before sending", async () => {
    const msg = await composeReply(draft(), { from: FROM, date: DATE });
    // smtp-server's built-in test certificate is self-signed: trust it for this test only.
    await smtpSender(local(smtp.port, { requireTLS: true, rejectUnauthorized: false, auth: { user: "desk", pass: "s3cret" } })).send(msg);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatchObject({ secure: true, user: "desk" });
  });

  it("does not trust an unverifiable certificate by default", async () => {
    const msg = await composeReply(draft(), { from: FROM, date: DATE });
    await expect(smtpSender(local(smtp.port, { requireTLS: true, auth: { user: "desk", pass: "s3cret" } })).send(msg)).rejects.toThrow(/certificate/i);
  });

  it("fails on wrong credentials", async () => {
    const msg = await composeReply(draft(), { from: FROM, date: DATE });
    await expect(smtpSender(local(smtp.port, { requireTLS: true, rejectUnauthorized: false, auth: { user: "desk", pass: "nope" } })).send(msg)).rejects.toThrow(/535|auth/i);
  });
});

describe("sending by SES", () => {
  const ses = mockClient(SESv2Client);
  beforeEach(() => ses.reset());

  it("sends the raw message with exactly this request", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: "0102018f-ses-id" });
    const msg = await composeReply(draft(), { from: FROM, messageId: "<reply-2@example.com>", date: DATE });
    const result = await sesSender(new SESv2Client({ region: "eu-west-1" }), { configurationSet: "abuse-replies" }).send(msg);
    expect(result).toMatchObject({ via: "ses", messageId: "<reply-2@example.com>", providerId: "0102018f-ses-id" });
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input).toEqual({
      FromEmailAddress: "security@example.com",
      Destination: { ToAddresses: ["trustandsafety@support.aws.com"] },
      Content: { Raw: { Data: new Uint8Array(msg.raw) } },
      ConfigurationSetName: "abuse-replies",
    });
    const parsed = await simpleParser(Buffer.from(input.Content!.Raw!.Data!));
    expect(parsed.inReplyTo).toBe(MESSAGE_ID);
    expect(parsed.subject).toBe(`Re: ${SUBJECT}`);
  });

  it("turns SES's rejection into a UserError with a hint", async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error("Email address is not verified."), { name: "MessageRejected" }));
    const msg = await composeReply(draft(), { from: FROM, date: DATE });
    const err = await sesSender(new SESv2Client({ region: "eu-west-1" })).send(msg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe("SES: MessageRejected: Email address is not verified.");
    expect((err as UserError).hint).toMatch(/verified in SES/);
  });
});

describe("writing to a file", () => {
  it("writes the .eml and never overwrites", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ad-eml-"));
    const path = join(dir, "sub", "reply.eml");
    const msg = await composeReply(draft(), { from: null, date: DATE });
    const r = await fileSender(path).send(msg);
    expect(r).toMatchObject({ via: "file", path });
    const parsed = await simpleParser(readFileSync(path));
    expect(parsed.inReplyTo).toBe(MESSAGE_ID);
    writeFileSync(join(dir, "taken.eml"), "x");
    await expect(fileSender(join(dir, "taken.eml")).send(msg)).rejects.toThrow(/the file exists, and is not overwritten/);
    expect(readFileSync(join(dir, "taken.eml"), "utf8")).toBe("x");
  });
});

describe("checkSendable", () => {
  const ok = { via: "smtp" as const, from: FROM, allowNonAws: false };

  it("lets a reply to AWS's address go", () => {
    expect(() => checkSendable(draft(), ok)).not.toThrow();
  });

  it("refuses a recipient that is not AWS's unless confirmed", () => {
    const d = { ...draft(), to: "trustandsafety@support.aws.co", toIsAws: false };
    expect(() => checkSendable(d, ok)).toThrow(/not one of AWS's abuse addresses/);
    expect(() => checkSendable(d, { ...ok, allowNonAws: true })).not.toThrow();
    expect(() => checkSendable(d, { ...ok, awsAddresses: ["trustandsafety@support.aws.co"] })).not.toThrow();
  });

  it("never replies to phishing, even to a file", () => {
    const d = { ...draft(), verdict: "phishing" as const };
    expect(() => checkSendable(d, ok)).toThrow(/phishing/);
    expect(() => checkSendable(d, { ...ok, via: "file" })).toThrow(/phishing/);
  });

  it("sends a suspicious notice's reply only to AWS", () => {
    const d = { ...draft(), verdict: "suspicious" as const };
    expect(() => checkSendable(d, ok)).not.toThrow();
    expect(() => checkSendable({ ...d, to: "attacker@example.net" }, { ...ok, allowNonAws: true })).toThrow(/suspicious/);
  });

  it("needs a From and a recipient to send, not to write a file", () => {
    expect(() => checkSendable(draft(), { ...ok, from: null })).toThrow(/no From/);
    expect(() => checkSendable({ ...draft(), to: null }, ok)).toThrow(/no recipient/);
    expect(() => checkSendable({ ...draft(), to: null }, { ...ok, via: "file", from: null })).not.toThrow();
  });
});
