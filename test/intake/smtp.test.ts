/**
 * The SMTP listener source with a real client (nodemailer) and, where a client must misbehave, a
 * raw socket: 250 only once the sink kept the message, 451 and nothing kept while the store is
 * down, 552 over the size limit, peers/senders/recipients refused, AUTH and STARTTLS.
 */
import { createServer, connect, type Socket } from "node:net";
import { join } from "node:path";
import { writeFileSync, rmSync } from "node:fs";
import nodemailer from "nodemailer";
import { afterEach, describe, expect, test } from "vitest";
import { addressAllowed, peerAllowed, smtpSource, SmtpSourceSchema, type SmtpSourceConfig } from "../../src/intake/smtp.ts";
import type { ArrivalReceipt } from "../../src/intake/types.ts";
import { makeCertificate } from "../helpers/dovecot.ts";
import { recordingSink, waitFor } from "../helpers/intake.ts";

const NOTICE = [
  "From: AWS Abuse <abuse@amazonaws.com>",
  "To: abuse-notices@example.com",
  "Subject: Your AWS Abuse Report [12345]",
  "Message-ID: <smtp-1@amazonaws.com>",
  "",
  "Body line.",
  ".a line starting with a dot",
  "..two dots",
  "",
].join("\r\n");

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

async function listen(config: Partial<SmtpSourceConfig> = {}, sink = recordingSink()) {
  const source = smtpSource({ port: 0, ...config } as SmtpSourceConfig, {});
  const ctl = new AbortController();
  const running = source.run(sink.sink, ctl.signal);
  stops.push(async () => {
    ctl.abort();
    await running;
  });
  await waitFor(() => source.address() !== null || source.health().state === "failing", "the listener");
  return { source, sink, port: source.address()?.port ?? 0, running, ctl };
}

function transport(port: number, extra: Record<string, unknown> = {}) {
  return nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true, ...extra } as Parameters<typeof nodemailer.createTransport>[0]);
}

const envelope = { from: "abuse@amazonaws.com", to: ["abuse-notices@example.com"] };

/** A minimal SMTP client on a raw socket: sends lines, returns each reply. */
async function rawSession(port: number) {
  const sock: Socket = connect(port, "127.0.0.1");
  let buf = "";
  const waiters: Array<(line: string) => void> = [];
  sock.on("data", (d: Buffer) => {
    buf += d.toString("latin1");
    for (;;) {
      const m = /^(\d{3}) [^\r\n]*\r\n/m.exec(buf);
      if (!m) break;
      const end = m.index + m[0].length;
      const reply = buf.slice(0, end);
      buf = buf.slice(end);
      waiters.shift()?.(reply.trim().split("\r\n").pop()!);
    }
  });
  const next = () => new Promise<string>((resolve) => waiters.push(resolve));
  const greeting = await next();
  return {
    greeting,
    async cmd(line: string): Promise<string> {
      const r = next();
      sock.write(`${line}\r\n`);
      return r;
    },
    async write(data: string | Buffer): Promise<void> {
      await new Promise<void>((resolve) => sock.write(data, () => resolve()));
    },
    next,
    close: () => sock.destroy(),
  };
}

describe("intake.smtp: taking mail in", { timeout: 90_000 }, () => {
  test("250 only after the sink resolved; the bytes kept are the message as sent (dot-stuffing undone); the envelope in meta", async () => {
    let release!: (r: ArrivalReceipt) => void;
    const held: Array<{ raw: Buffer; meta?: Record<string, string>; ref: string }> = [];
    const { source, port } = await listen({}, {
      ...recordingSink(),
      sink: (a) => {
        held.push(a);
        return new Promise<ArrivalReceipt>((r) => (release = r));
      },
    } as ReturnType<typeof recordingSink>);
    let answered = false;
    const sending = transport(port)
      .sendMail({ envelope, raw: NOTICE })
      .then((info) => ((answered = true), info));
    await waitFor(() => held.length === 1, "the sink called");
    // The store has not said yes yet: the client has no answer.
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    release({ id: "a-1", duplicate: false });
    const info = await sending;
    expect(info.response).toMatch(/^250 2\.0\.0 Kept as a-1/);
    expect(held[0]!.raw.toString("latin1")).toBe(NOTICE);
    expect(held[0]!.meta).toMatchObject({ peer: "127.0.0.1", mailFrom: "abuse@amazonaws.com", rcptTo: "abuse-notices@example.com", tls: "no" });
    expect(held[0]!.ref).toMatch(/^[a-z0-9]+\.\d+$/);
    expect(source.health()).toMatchObject({ kind: "smtp", state: "ok", received: 1, lastError: null });
  });

  test("twenty messages at once over a pool: each kept once with its own ref", async () => {
    const { sink, port } = await listen();
    const t = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true, pool: true, maxConnections: 5 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.sendMail({ envelope, raw: NOTICE.replace("smtp-1@", `smtp-${i}@`) })));
    t.close();
    expect(sink.kept.length).toBe(20);
    expect(new Set(sink.kept.map((a) => a.ref)).size).toBe(20);
    expect(new Set(sink.kept.map((a) => a.raw.toString())).size).toBe(20);
  });
});

describe("intake.smtp: faults and refusals", { timeout: 90_000 }, () => {
  test("the store down: 451 (the sender retries), nothing kept, the source failing; back up: the retry gets 250", async () => {
    const sink = recordingSink();
    sink.failing = true;
    const { source, port } = await listen({}, sink);
    const err = (await transport(port).sendMail({ envelope, raw: NOTICE }).catch((e: unknown) => e)) as { responseCode?: number; response?: string };
    expect(err.responseCode).toBe(451);
    expect(err.response).toMatch(/4\.3\.0/);
    expect(sink.kept).toEqual([]);
    expect(sink.calls).toBe(1);
    expect(source.health().state).toBe("failing");
    expect(source.health().lastError).toMatch(/answered 451/);
    sink.failing = false;
    const info = await transport(port).sendMail({ envelope, raw: NOTICE });
    expect(info.response).toMatch(/^250 /);
    expect(sink.kept.length).toBe(1);
    expect(source.health().state).toBe("ok");
  });

  test("over maxMessageBytes: 552 whether the client declared SIZE or not; nothing kept", async () => {
    const { sink, port, source } = await listen({ maxMessageBytes: 2048 });
    const big = NOTICE + "x".repeat(78).concat("\r\n").repeat(100);
    // nodemailer declares the size (SIZE=) when the server advertises it: refused at MAIL FROM.
    const e1 = (await transport(port).sendMail({ envelope, raw: big }).catch((e: unknown) => e)) as { responseCode?: number };
    expect(e1.responseCode).toBe(552);
    // A client that does not declare it is refused at the end of DATA, after what it sent was discarded.
    const s = await rawSession(port);
    expect(await s.cmd("EHLO client.example")).toMatch(/^250/);
    expect(await s.cmd("MAIL FROM:<abuse@amazonaws.com>")).toMatch(/^250/);
    expect(await s.cmd("RCPT TO:<abuse-notices@example.com>")).toMatch(/^250/);
    expect(await s.cmd("DATA")).toMatch(/^354/);
    const reply = s.next();
    await s.write(big.replace(/\r\n$/, "") + "\r\n.\r\n");
    expect(await reply).toMatch(/^552 5\.3\.4/);
    s.close();
    expect(sink.calls).toBe(0);
    expect(source.health().lastError).toMatch(/over the 2048-byte limit/);
  });

  test("a peer not in allowedPeers is refused with 554 before anything else; an IPv4-mapped address counts as IPv4", async () => {
    const { sink, port } = await listen({ allowedPeers: ["10.0.0.0/8"] });
    const err = (await transport(port).sendMail({ envelope, raw: NOTICE }).catch((e: unknown) => e)) as { responseCode?: number };
    expect(err.responseCode).toBe(554);
    expect(sink.calls).toBe(0);
    const { parseCIDR } = (await import("ipaddr.js")).default;
    expect(peerAllowed("::ffff:10.1.2.3", [parseCIDR("10.0.0.0/8")])).toBe(true);
    expect(peerAllowed("::ffff:11.1.2.3", [parseCIDR("10.0.0.0/8")])).toBe(false);
    expect(peerAllowed("not an address", [parseCIDR("0.0.0.0/0")])).toBe(false);
  });

  test("allowedSenders and recipients: others get 550, listed ones 250", async () => {
    const { sink, port } = await listen({ allowedSenders: ["@amazonaws.com", "relay@example.net"], recipients: ["abuse-notices@example.com"] });
    const e1 = (await transport(port).sendMail({ envelope: { ...envelope, from: "mallory@evil.example" }, raw: NOTICE }).catch((e: unknown) => e)) as { responseCode?: number };
    expect(e1.responseCode).toBe(550);
    const e2 = (await transport(port).sendMail({ envelope: { ...envelope, to: ["someone@example.com"] }, raw: NOTICE }).catch((e: unknown) => e)) as { responseCode?: number };
    expect(e2.responseCode).toBe(550);
    expect((await transport(port).sendMail({ envelope: { ...envelope, from: "Relay@Example.NET" }, raw: NOTICE })).response).toMatch(/^250/);
    expect(sink.kept.length).toBe(1);
    expect(addressAllowed("x@sub.amazonaws.com", ["@amazonaws.com"])).toBe(false);
    expect(addressAllowed("x@amazonaws.com.evil", ["@amazonaws.com"])).toBe(false);
  });

  test("AUTH required: without it 530, a wrong password 535, the right one 250 (the user in meta); the password never in health", async () => {
    const { sink, port, source } = await listen({ auth: { users: [{ user: "relay", pass: "s3cret-relay-pw" }] } });
    const e1 = (await transport(port).sendMail({ envelope, raw: NOTICE }).catch((e: unknown) => e)) as { responseCode?: number };
    expect(e1.responseCode).toBe(530);
    const e2 = (await transport(port, { auth: { user: "relay", pass: "wrong" } }).sendMail({ envelope, raw: NOTICE }).catch((e: unknown) => e)) as { responseCode?: number };
    expect(e2.responseCode).toBe(535);
    const ok = await transport(port, { auth: { user: "relay", pass: "s3cret-relay-pw" } }).sendMail({ envelope, raw: NOTICE });
    expect(ok.response).toMatch(/^250/);
    expect(sink.kept[0]!.meta?.authUser).toBe("relay");
    expect(JSON.stringify(source.health())).not.toContain("s3cret");
  });

  test("STARTTLS with tls.required: MAIL before STARTTLS is refused (530); over TLS (self-signed cert, its CA trusted) it is kept", async () => {
    const cert = makeCertificate();
    try {
      writeFileSync(join(cert.dir, "c.pem"), cert.cert);
      writeFileSync(join(cert.dir, "k.pem"), cert.key);
      const { sink, port } = await listen({ tls: { cert: join(cert.dir, "c.pem"), key: join(cert.dir, "k.pem"), required: true } });
      const e1 = (await transport(port).sendMail({ envelope, raw: NOTICE }).catch((e: unknown) => e)) as { responseCode?: number };
      expect(e1.responseCode).toBe(530);
      const ok = await transport(port, { ignoreTLS: false, requireTLS: true, tls: { ca: [cert.cert], servername: "localhost" } }).sendMail({ envelope, raw: NOTICE });
      expect(ok.response).toMatch(/^250/);
      expect(sink.kept.length).toBe(1);
      expect(sink.kept[0]!.meta?.tls).toBe("yes");
    } finally {
      rmSync(cert.dir, { recursive: true, force: true });
    }
  });

  test("the port taken: failing with the reason, retried, listening once it is free; stopping ends run()", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    const { source, running, ctl } = await listen({ port, reconnect: { initialMs: 10, maxMs: 50 } });
    expect(source.health().state).toBe("failing");
    expect(source.health().lastError).toMatch(/port is in use/);
    await new Promise<void>((r) => blocker.close(() => r()));
    await waitFor(() => source.health().state === "ok", "listening once the port is free");
    expect((await transport(port).sendMail({ envelope, raw: NOTICE })).response).toMatch(/^250/);
    ctl.abort();
    await expect(running).resolves.toBeUndefined();
    expect(source.health().state).toBe("stopped");
  });

  test("drain (serve --once) takes nothing in and starts no listener", async () => {
    const source = smtpSource({ port: 0 }, {});
    expect(await source.drain(recordingSink().sink, new AbortController().signal)).toBe(0);
    expect(source.address()).toBeNull();
  });
});

describe("intake.smtp: configuration", () => {
  test("defaults listen on loopback for loopback peers; AUTH without TLS off loopback is refused; bad ranges and senders named", () => {
    expect(SmtpSourceSchema.parse({})).toEqual({});
    expect(SmtpSourceSchema.safeParse({ host: "0.0.0.0", auth: { users: [{ user: "u", pass: "p" }] } }).error?.issues[0]?.message).toMatch(/passwords in clear/);
    expect(SmtpSourceSchema.safeParse({ allowedPeers: ["10.0.0.0/33"] }).success).toBe(false);
    expect(SmtpSourceSchema.safeParse({ allowedPeers: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"] }).success).toBe(true);
    expect(SmtpSourceSchema.safeParse({ allowedSenders: ["amazonaws.com"] }).success).toBe(false);
    expect(SmtpSourceSchema.safeParse({ bogus: true }).success).toBe(false);
  });
  test("auth passwords may be env: references; an unset one is a configuration error (78)", () => {
    expect(() => smtpSource({ auth: { users: [{ user: "relay", pass: "env:RELAY_PW" }] } }, { env: {} })).toThrow(/intake\.smtp\.auth\.users\[0\]\.pass: environment variable RELAY_PW is not set/);
    expect(smtpSource({ auth: { users: [{ user: "relay", pass: "env:RELAY_PW" }] } }, { env: { RELAY_PW: "x" } }).name).toBe("smtp");
  });
});
