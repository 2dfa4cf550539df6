import { createHmac, timingSafeEqual } from "node:crypto";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { backoff, deliverWithRetry, dispatch, Notifier, outcomeSummary } from "../../src/notify/dispatch.ts";
import { emailChannel } from "../../src/notify/email.ts";
import { parseRetryAfter } from "../../src/notify/http.ts";
import { slackChannel, slackPayload } from "../../src/notify/slack.ts";
import type { Channel } from "../../src/notify/types.ts";
import { sign, verifySignature, webhookChannel } from "../../src/notify/webhook.ts";
import { startSmtp, type Listener } from "../reply/smtp-listener.ts";
import { makeEvent } from "./events.ts";
import { startHttp, type HttpListener } from "./http-listener.ts";

const SECRET = "whsec-test-0123456789abcdef";
const noSleep = { sleep: () => Promise.resolve(), random: () => 1 };
const FAST = { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 };

let http: HttpListener;
beforeAll(async () => {
  http = await startHttp();
});
afterAll(async () => http.close());
beforeEach(() => {
  http.requests.length = 0;
  http.script.length = 0;
  http.fallback = { status: 200, body: "ok" };
});

describe("Slack incoming webhook", () => {
  it("posts a Block Kit message with a plain-text fallback", async () => {
    const ch = slackChannel({ webhookUrl: http.url, events: "all", timeoutMs: 2000 });
    const out = await deliverWithRetry(ch, makeEvent(), FAST, noSleep);
    expect(out).toMatchObject({ channel: "slack", ok: true, attempts: 1, status: 200 });
    expect(http.requests).toHaveLength(1);
    const req = http.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.headers["content-type"]).toBe("application/json; charset=utf-8");
    const body = JSON.parse(req.body.toString("utf8"));
    expect(body).toEqual(slackPayload(makeEvent()));
    expect(body.text).toBe(":warning: Reply due in 3 h: AD-2026-0007 (AWS case 17654321098)");
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual(["header", "section", "section", "context"]);
    expect(body.blocks[0].text).toEqual({ type: "plain_text", text: "Reply due in 3 h: AD-2026-0007 (AWS case 17654321098)", emoji: true });
    // Slack's reserved characters are escaped in mrkdwn.
    expect(body.blocks[1].text.text).toBe(":warning: AWS expects a reply by 2026-05-02 09:00:00 UTC. &lt;b&gt;not markup&lt;/b&gt; &amp; co");
    expect(body.blocks[2].fields).toEqual([
      { type: "mrkdwn", text: "*Case*\nAD-2026-0007 (AWS case 17654321098)" },
      { type: "mrkdwn", text: "*Account*\n111122223333" },
    ]);
  });

  it("keeps within Slack's limits", () => {
    const many = makeEvent({ title: "x".repeat(400), fields: Array.from({ length: 14 }, (_, i) => ({ label: `f${i}`, value: "v" })) });
    const p = slackPayload(many) as { blocks: { text?: { text: string }; fields?: unknown[] }[] };
    expect(p.blocks[0]!.text!.text.length).toBe(150);
    expect(p.blocks[2]!.fields).toHaveLength(10);
  });

  it("cuts long text without breaking an escape or a character, and sends no empty field list", () => {
    // ":information_source: " and 2976 characters, then an ampersand escaped to "&amp;" right across the 3000-character limit.
    const text = `${"y".repeat(2976)}&tail`;
    const p = slackPayload(makeEvent({ severity: "info", text, fields: [] })) as { blocks: { type: string; text?: { text: string }; fields?: unknown[] }[] };
    const section = p.blocks[1]!.text!.text;
    expect(section.length).toBeLessThanOrEqual(3000);
    expect(section).toMatch(/y…$/);
    expect(p.blocks.map((b) => b.type)).toEqual(["header", "section", "context"]);
    const emoji = slackPayload(makeEvent({ title: `${"z".repeat(148)}\u{1F6A8}\u{1F6A8}` })) as { blocks: { text: { text: string } }[] };
    expect(emoji.blocks[0]!.text.text).toBe(`${"z".repeat(148)}…`);
    expect(JSON.stringify(emoji)).not.toMatch(/\\ud83d(?!\\ud)/i);
  });

  it("retries on 500, then gives up without throwing", async () => {
    http.fallback = { status: 500, body: "internal" };
    const sleeps: number[] = [];
    const ch = slackChannel({ webhookUrl: http.url, events: "all", timeoutMs: 2000 });
    const out = await deliverWithRetry(ch, makeEvent(), { attempts: 4, initialDelayMs: 100, maxDelayMs: 1000 }, { sleep: async (ms) => void sleeps.push(ms), random: () => 1 });
    expect(out).toMatchObject({ ok: false, attempts: 4, status: 500, error: "HTTP 500: internal" });
    expect(http.requests).toHaveLength(4);
    expect(sleeps).toEqual([100, 200, 400]); // exponential back-off between the four attempts
  });

  it("recovers when a retry succeeds", async () => {
    http.script.push({ status: 503 }, { status: 502 });
    const out = await deliverWithRetry(slackChannel({ webhookUrl: http.url, events: "all", timeoutMs: 2000 }), makeEvent(), FAST, noSleep);
    expect(out).toMatchObject({ ok: true, attempts: 3 });
  });

  it("does not retry a webhook Slack no longer knows", async () => {
    http.fallback = { status: 404, body: "no_service" };
    const out = await deliverWithRetry(slackChannel({ webhookUrl: http.url, events: "all", timeoutMs: 2000 }), makeEvent(), FAST, noSleep);
    expect(out).toMatchObject({ ok: false, attempts: 1, status: 404, error: "HTTP 404: no_service" });
  });

  it("waits as long as a 429's Retry-After asks, up to the cap", async () => {
    http.script.push({ status: 429, headers: { "retry-after": "3" } });
    const sleeps: number[] = [];
    const out = await deliverWithRetry(slackChannel({ webhookUrl: http.url, events: "all", timeoutMs: 2000 }), makeEvent(), { attempts: 2, initialDelayMs: 100, maxDelayMs: 10_000 }, { sleep: async (ms) => void sleeps.push(ms), random: () => 1 });
    expect(out.ok).toBe(true);
    expect(sleeps).toEqual([3000]);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT", Date.parse("2026-10-21T07:27:30Z"))).toBe(30_000);
  });

  it("gives up on a server that does not answer in time", async () => {
    http.fallback = { status: 200 };
    http.script.push({ status: 200, delayMs: 500 });
    const out = await deliverWithRetry(slackChannel({ webhookUrl: http.url, events: "all", timeoutMs: 50 }), makeEvent(), { attempts: 1, initialDelayMs: 1, maxDelayMs: 1 }, noSleep);
    expect(out).toMatchObject({ ok: false, attempts: 1, error: "no answer within 50 ms" });
  });

  it("counts a refused connection as a failure, not an exception", async () => {
    const gone = await startHttp();
    const url = gone.url;
    await gone.close();
    const out = await deliverWithRetry(slackChannel({ webhookUrl: url, events: "all", timeoutMs: 2000 }), makeEvent(), FAST, noSleep);
    expect(out).toMatchObject({ ok: false, attempts: 3, error: "ECONNREFUSED" });
  });
});

/** The receiver's procedure, as docs/notify.md states it (written here independently of src/). */
function receiverVerifies(secret: string, header: string, rawBody: Buffer, nowSeconds: number): boolean {
  const parts = Object.fromEntries(header.split(",").map((kv) => kv.split("=") as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > 300) return false;
  const expected = createHmac("sha256", secret).update(Buffer.concat([Buffer.from(`${t}.`), rawBody])).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe("signed JSON webhook", () => {
  it("posts the event signed with HMAC-SHA256 over timestamp and body", async () => {
    const now = Date.parse("2026-05-02T06:00:00Z");
    const ch = webhookChannel({ url: http.url, secret: SECRET, events: "all", timeoutMs: 2000, name: "webhook:siem", now: () => now });
    const out = await deliverWithRetry(ch, makeEvent(), FAST, noSleep);
    expect(out).toMatchObject({ channel: "webhook:siem", ok: true });
    const req = http.requests[0]!;
    const header = req.headers["x-abuse-desk-signature"] as string;
    expect(header).toMatch(/^t=1777701600,v1=[0-9a-f]{64}$/);
    expect(receiverVerifies(SECRET, header, req.body, now / 1000)).toBe(true);
    expect(receiverVerifies("another-secret-0000", header, req.body, now / 1000)).toBe(false);
    expect(receiverVerifies(SECRET, header, Buffer.concat([req.body, Buffer.from(" ")]), now / 1000)).toBe(false);
    expect(receiverVerifies(SECRET, header, req.body, now / 1000 + 301)).toBe(false); // replayed later
    expect(verifySignature(SECRET, header, req.body, { now })).toEqual({ ok: true, timestamp: 1777701600 });
    const body = JSON.parse(req.body.toString("utf8"));
    expect(body).toMatchObject({ type: "abuse-desk.deadline-near", key: makeEvent().key, caseId: "AD-2026-0007", awsCaseNumber: "17654321098", severity: "warning", data: makeEvent().data });
    expect(body.id).toBe(req.headers["x-abuse-desk-delivery"]);
    expect(req.headers["x-abuse-desk-event"]).toBe("deadline-near");
  });

  it("keeps the delivery id across retries and signs each attempt afresh", async () => {
    http.script.push({ status: 500 });
    let now = Date.parse("2026-05-02T06:00:00Z");
    const ch = webhookChannel({ url: http.url, secret: SECRET, events: "all", timeoutMs: 2000, now: () => now });
    const out = await deliverWithRetry(ch, makeEvent(), FAST, { ...noSleep, sleep: async () => void (now += 600_000) });
    expect(out).toMatchObject({ ok: true, attempts: 2 });
    const [a, b] = http.requests;
    expect(a!.headers["x-abuse-desk-delivery"]).toBe(b!.headers["x-abuse-desk-delivery"]);
    expect(a!.headers["x-abuse-desk-signature"]).not.toBe(b!.headers["x-abuse-desk-signature"]);
    expect(receiverVerifies(SECRET, b!.headers["x-abuse-desk-signature"] as string, b!.body, now / 1000)).toBe(true);
  });

  it("verifySignature names what is wrong, and accepts a rotated secret", () => {
    const body = '{"a":1}';
    const now = 1_777_701_600_000;
    const h = sign(SECRET, now / 1000, body);
    expect(verifySignature(SECRET, undefined, body, { now })).toEqual({ ok: false, reason: "missing" });
    expect(verifySignature(SECRET, "v1=abc", body, { now })).toEqual({ ok: false, reason: "malformed" });
    expect(verifySignature(SECRET, h, body, { now: now + 301_000 })).toEqual({ ok: false, reason: "stale" });
    expect(verifySignature(SECRET, h, body + " ", { now })).toEqual({ ok: false, reason: "mismatch" });
    expect(verifySignature(["new-secret-000000000", SECRET], h, body, { now })).toMatchObject({ ok: true });
  });
});

describe("e-mail to a distribution list", () => {
  let smtp: Listener;
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(async () => smtp.close());

  it("sends the event to every address of the list", async () => {
    const ch = emailChannel({
      smtp: { host: "127.0.0.1", port: smtp.port, secure: false, requireTLS: false, rejectUnauthorized: true, auth: null, timeoutMs: 5000 },
      from: "abuse-desk@example.com",
      to: ["secops@example.com", "oncall@example.com"],
      events: "all",
    });
    const out = await deliverWithRetry(ch, makeEvent(), FAST, noSleep);
    expect(out).toMatchObject({ channel: "email", ok: true });
    expect(smtp.received[0]!.to).toEqual(["secops@example.com", "oncall@example.com"]);
    const m = await simpleParser(smtp.received[0]!.raw);
    expect(m.subject).toBe("[abuse-desk] Reply due in 3 h: AD-2026-0007 (AWS case 17654321098)");
    expect(m.headers.get("auto-submitted")).toBe("auto-generated");
    expect(m.text).toContain("Case:    AD-2026-0007 (AWS case 17654321098)\nAccount: 111122223333");
  });

  it("does not retry a permanent SMTP refusal, retries a temporary one", async () => {
    const strict = await startSmtp({ rejectRecipients: ["gone@example.com"] });
    try {
      const ch = (to: string[]): Channel =>
        emailChannel({ smtp: { host: "127.0.0.1", port: strict.port, secure: false, requireTLS: false, rejectUnauthorized: true, auth: null, timeoutMs: 5000 }, from: "abuse-desk@example.com", to, events: "all" });
      const out = await deliverWithRetry(ch(["gone@example.com"]), makeEvent(), FAST, noSleep);
      expect(out).toMatchObject({ ok: false, attempts: 1, status: 550 });
      expect(out.error).toMatch(/no such user/);
      expect(strict.received).toHaveLength(0);
    } finally {
      await strict.close();
    }
    const missing = await startSmtp();
    const port = missing.port;
    await missing.close();
    const chDown = emailChannel({ smtp: { host: "127.0.0.1", port, secure: false, requireTLS: false, rejectUnauthorized: true, auth: null, timeoutMs: 2000 }, from: "a@example.com", to: ["b@example.com"], events: "all" });
    expect(await deliverWithRetry(chDown, makeEvent(), FAST, noSleep)).toMatchObject({ ok: false, attempts: 3 });
  });
});

describe("dispatch and the notifier", () => {
  const fake = (name: string, events: Channel["events"], results: boolean[]): Channel & { calls: number } => {
    const ch = {
      name,
      kind: "webhook" as const,
      events,
      calls: 0,
      async deliver() {
        const ok = results[Math.min(ch.calls++, results.length - 1)];
        return ok ? { ok: true as const } : { ok: false as const, retryable: true, error: "boom" };
      },
    };
    return ch;
  };

  it("sends only to channels that want the event", async () => {
    const a = fake("a", ["deadline-near"], [true]);
    const b = fake("b", ["case-new"], [true]);
    const c = fake("c", "all", [true]);
    const outcomes = await dispatch(makeEvent(), [a, b, c], FAST, noSleep);
    expect(outcomes.map((o) => o.channel)).toEqual(["a", "c"]);
    expect(b.calls).toBe(0);
  });

  it("never throws, even when a channel does", async () => {
    const thrower: Channel = { name: "t", kind: "slack", events: "all", deliver: () => Promise.reject(new Error("bug")) };
    await expect(dispatch(makeEvent(), [thrower], FAST, noSleep)).resolves.toEqual([{ channel: "t", ok: false, attempts: 3, error: "bug", retryable: true, elapsedMs: expect.any(Number) }]);
  });

  it("emit returns at once and records the outcome when delivery ends", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: Channel = { name: "slow", kind: "slack", events: "all", deliver: async () => (await gate, { ok: true }) };
    const recorded: unknown[] = [];
    const n = new Notifier([slow], { retry: FAST, ...noSleep, record: async (e, o) => void recorded.push([e.key, o.map((x) => x.ok)]) });
    n.emit(makeEvent());
    expect(recorded).toEqual([]); // the caller goes on while the channel is still busy
    release();
    expect(await n.drain(1000)).toBe(true);
    expect(recorded).toEqual([[makeEvent().key, [true]]]);
  });

  it("a failure to record is reported, not thrown", async () => {
    const onError = vi.fn();
    const n = new Notifier([fake("a", "all", [true])], { retry: FAST, ...noSleep, record: () => Promise.reject(new Error("db locked")), onError });
    await expect(n.send(makeEvent())).resolves.toHaveLength(1);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: "db locked" }));
  });

  it("drain gives up after its timeout", async () => {
    const never: Channel = { name: "n", kind: "slack", events: "all", deliver: () => new Promise(() => {}) };
    const n = new Notifier([never], { retry: FAST });
    n.emit(makeEvent());
    expect(await n.drain(20)).toBe(false);
  });

  it("summarises outcomes for the timeline", () => {
    const e = makeEvent();
    expect(outcomeSummary(e, [{ channel: "slack", ok: true, attempts: 1, elapsedMs: 3 }])).toBe(`Notified slack: ${e.title}`);
    expect(outcomeSummary(e, [{ channel: "slack", ok: false, attempts: 4, error: "HTTP 500", elapsedMs: 3 }, { channel: "email", ok: true, attempts: 1, elapsedMs: 1 }])).toBe(`Notification failed on slack (HTTP 500; 4 attempts); delivered to email: ${e.title}`);
  });

  it("backs off exponentially with jitter, capped", () => {
    const r = { attempts: 6, initialDelayMs: 500, maxDelayMs: 4000 };
    expect([1, 2, 3, 4, 5].map((n) => backoff(n, r, () => 1))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(backoff(1, r, () => 0)).toBe(250);
    expect(backoff(1, r, () => 0, 60_000)).toBe(4000);
  });
});
