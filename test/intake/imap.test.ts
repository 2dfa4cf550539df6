/**
 * The IMAP mailbox source against a real server: Debian's dovecot, started by the test with a
 * throwaway configuration on a loopback port (test/helpers/dovecot.ts), messages appended while
 * the source runs. Faults: the connection cut in the middle of a fetched message, dovecot
 * restarted, the store refusing, a message over the size limit, a refused login, an untrusted
 * certificate, a recreated mailbox (new UIDVALIDITY).
 */
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UserError } from "../../src/errors.ts";
import { imapSource, ImapSourceSchema, parseImapCursor, type ImapSourceConfig } from "../../src/intake/imap.ts";
import type { IntakeSource } from "../../src/intake/types.ts";
import { startDovecot, type Dovecot } from "../helpers/dovecot.ts";
import { MemoryCursors, recordingSink, waitFor } from "../helpers/intake.ts";
import { startProxy } from "../helpers/tcp-proxy.ts";

function notice(i: number, extra = ""): string {
  return [
    "From: AWS Abuse <abuse@amazonaws.com>",
    "To: security@example.com",
    `Subject: Your AWS Abuse Report [${1000 + i}]`,
    `Message-ID: <notice-${i}-${Math.random().toString(36).slice(2)}@amazonaws.com>`,
    "Date: Mon, 07 Dec 2026 10:00:00 +0000",
    "",
    `Notice ${i}.${extra}`,
    "",
  ].join("\r\n");
}

let dc: Dovecot;
beforeAll(async () => {
  dc = await startDovecot();
});
afterAll(async () => {
  await dc?.close();
});

let seq = 0;
/** A config on its own mailbox of the shared server, so tests do not see each other's mail. */
async function setup(over: Partial<ImapSourceConfig> = {}, server: { port: number; user: string; pass: string } = dc) {
  seq++;
  const mailbox = `box${seq}`;
  await dc.create(mailbox);
  const config: ImapSourceConfig = {
    name: `imap${seq}`,
    host: "127.0.0.1",
    port: server.port,
    tls: "none",
    user: server.user,
    pass: server.pass,
    mailbox,
    processed: { action: "move", folder: `${mailbox}-done` },
    pollIntervalSeconds: 30,
    reconnect: { initialMs: 20, maxMs: 200 },
    timeoutMs: 5000,
    ...over,
  } as ImapSourceConfig;
  return { mailbox, config, done: `${mailbox}-done` };
}
function start(source: IntakeSource, sink: ReturnType<typeof recordingSink>) {
  const ctl = new AbortController();
  const running = source.run(sink.sink, ctl.signal);
  return {
    stop: async () => {
      ctl.abort();
      await running;
    },
    running,
  };
}

describe("intake.imap: taking mail in", { timeout: 90_000 }, () => {
  test("messages already waiting and messages appended while it runs (IDLE) reach the sink once each, as the exact bytes, in UID order; then moved", async () => {
    const { config, mailbox, done } = await setup();
    const cursors = new MemoryCursors();
    const sink = recordingSink();
    const raws = [notice(1), notice(2)];
    for (const r of raws) await dc.append(r, mailbox);
    const source = imapSource(config, { cursors });
    const s = start(source, sink);
    try {
      await waitFor(() => sink.kept.length === 2, "the two waiting messages");
      // Appended while the source waits in IDLE (the poll interval is 30 s, longer than the test's limit).
      await waitFor(() => source.health().state === "ok", "the source to be ok");
      for (const i of [3, 4, 5]) {
        raws.push(notice(i));
        await dc.append(raws[raws.length - 1]!, mailbox);
      }
      await waitFor(() => sink.kept.length === 5, "the appended messages");
      await waitFor(async () => (await dc.list(done)).length === 5, "all five moved");
    } finally {
      await s.stop();
    }
    expect(sink.kept.map((a) => a.raw.toString("latin1"))).toEqual(raws);
    expect(sink.duplicates()).toEqual([]);
    const validity = sink.kept[0]!.ref.split(":")[0]!;
    expect(sink.kept.map((a) => a.ref)).toEqual([1, 2, 3, 4, 5].map((u) => `${validity}:${u}`));
    expect(sink.kept.every((a) => a.source === config.name && a.meta?.mailbox === mailbox)).toBe(true);
    expect(await dc.list(mailbox)).toEqual([]);
    expect(cursors.values.get(config.name!)).toBe(`${validity}:5`);
    const h = source.health();
    expect(h).toMatchObject({ name: config.name, kind: "imap", state: "stopped", received: 5, lastError: null });
  });

  test("without IDLE it polls: appended messages are found by the next poll", async () => {
    const { config, mailbox } = await setup({ idle: false, pollIntervalSeconds: 0.05 });
    const sink = recordingSink();
    const source = imapSource(config, { cursors: new MemoryCursors() });
    const s = start(source, sink);
    try {
      await waitFor(() => source.health().state === "ok", "connected");
      await dc.append(notice(1), mailbox);
      await waitFor(() => sink.kept.length === 1, "the polled message");
      await dc.append(notice(2), mailbox);
      await waitFor(() => sink.kept.length === 2, "the second polled message");
    } finally {
      await s.stop();
    }
    expect(sink.duplicates()).toEqual([]);
  });

  test("flag mode: kept messages are flagged and stay; a new source on the same cursor store repeats none and skips none", async () => {
    const { config, mailbox } = await setup({ processed: { action: "flag", flag: "$Kept" } });
    const cursors = new MemoryCursors();
    const sink = recordingSink();
    await dc.append(notice(1), mailbox);
    await dc.append(notice(2), mailbox);
    let s = start(imapSource(config, { cursors }), sink);
    await waitFor(() => sink.kept.length === 2, "two kept");
    await waitFor(async () => (await dc.list(mailbox)).filter((m) => m.flags.includes("$Kept")).length === 2, "two flagged");
    await s.stop();
    // While nothing runs, one more arrives; a fresh source (a restarted service) takes only that one.
    await dc.append(notice(3), mailbox);
    s = start(imapSource(config, { cursors }), sink);
    await waitFor(() => sink.kept.length === 3, "the third");
    await waitFor(async () => (await dc.list(mailbox)).every((m) => m.flags.includes("$Kept")), "all flagged");
    await s.stop();
    expect(sink.calls).toBe(3);
    expect(sink.duplicates()).toEqual([]);
    expect((await dc.list(mailbox)).map((m) => m.uid)).toEqual([1, 2, 3]);
  });

  test("stopped after the store kept a message but before it was moved: the restart moves it without offering it again", async () => {
    const { config, mailbox, done } = await setup();
    await dc.append(notice(1), mailbox);
    await dc.append(notice(2), mailbox);
    // What the process left: the cursor says UID 1 was kept (the sink resolved), the move never happened.
    const probe = recordingSink();
    const cursors = new MemoryCursors();
    const first = imapSource(config, { cursors: { getCursor: cursors.getCursor.bind(cursors), setCursor: async () => undefined } });
    const ctl = new AbortController();
    const n = await first.drain(
      async (a) => {
        probe.kept.push(a);
        ctl.abort(); // the process ends right after the store kept it
        return { id: "1", duplicate: false };
      },
      ctl.signal,
    );
    expect(n).toBe(1);
    const validity = probe.kept[0]!.ref.split(":")[0]!;
    expect((await dc.list(mailbox)).map((m) => m.uid)).toEqual([1, 2]);
    await cursors.setCursor(config.name!, `${validity}:1`);

    const sink = recordingSink();
    const n2 = await imapSource(config, { cursors }).drain(sink.sink, new AbortController().signal);
    expect(n2).toBe(1);
    expect(sink.kept.map((a) => a.ref)).toEqual([`${validity}:2`]);
    expect(await dc.list(mailbox)).toEqual([]);
    expect((await dc.list(done)).length).toBe(2);
  });

  test("two services on one mailbox and one store: every message kept, the mailbox emptied, and a move the other instance already made is not an error", async () => {
    const { config, mailbox, done } = await setup();
    const cursors = new MemoryCursors();
    const sink = recordingSink();
    const a = imapSource(config, { cursors });
    const b = imapSource(config, { cursors });
    const sa = start(a, sink);
    const sb = start(b, sink);
    try {
      await waitFor(() => a.health().state === "ok" && b.health().state === "ok", "both connected");
      for (const i of [1, 2, 3, 4, 5, 6]) await dc.append(notice(i), mailbox);
      await waitFor(() => new Set(sink.kept.map((x) => x.ref)).size === 6, "all six kept");
      await waitFor(async () => (await dc.list(mailbox)).length === 0, "the mailbox emptied");
    } finally {
      await sa.stop();
      await sb.stop();
    }
    // A message both took is one delivery to the store (same source + ref: it says duplicate).
    // IMAP has no atomic claim: two instances moving one message at the same moment may each leave
    // a copy in the processed folder (docs/service-mail.md says so and recommends flag mode there).
    expect((await dc.list(done)).length).toBeGreaterThanOrEqual(6);
    expect(a.health().lastError).toBeNull();
    expect(b.health().lastError).toBeNull();
  });

  test("two services in flag mode: every message kept and flagged once, nothing copied", async () => {
    const { config, mailbox } = await setup({ processed: { action: "flag" } });
    const cursors = new MemoryCursors();
    const sink = recordingSink();
    const a = imapSource(config, { cursors });
    const b = imapSource(config, { cursors });
    const sa = start(a, sink);
    const sb = start(b, sink);
    try {
      await waitFor(() => a.health().state === "ok" && b.health().state === "ok", "both connected");
      for (const i of [1, 2, 3, 4]) await dc.append(notice(i), mailbox);
      await waitFor(async () => (await dc.list(mailbox)).filter((m) => m.flags.includes("$AbuseDeskKept")).length === 4, "all four flagged");
    } finally {
      await sa.stop();
      await sb.stop();
    }
    expect(new Set(sink.kept.map((x) => x.ref)).size).toBe(4);
    expect((await dc.list(mailbox)).map((m) => m.uid)).toEqual([1, 2, 3, 4]);
    expect(a.health().lastError).toBeNull();
    expect(b.health().lastError).toBeNull();
  });

  test("a recreated mailbox (new UIDVALIDITY) is taken in again from its first message", async () => {
    const { config, mailbox } = await setup({ processed: { action: "flag" } });
    const cursors = new MemoryCursors();
    await dc.append(notice(1), mailbox);
    const sink = recordingSink();
    expect(await imapSource(config, { cursors }).drain(sink.sink, new AbortController().signal)).toBe(1);
    const before = parseImapCursor(cursors.values.get(config.name!) ?? null)!;
    await dc.recreate(mailbox);
    await dc.append(notice(2), mailbox);
    expect(await imapSource(config, { cursors }).drain(sink.sink, new AbortController().signal)).toBe(1);
    const after = parseImapCursor(cursors.values.get(config.name!) ?? null)!;
    expect(after.validity).not.toBe(before.validity);
    expect(after.uid).toBe(1);
    expect(sink.kept.map((a) => a.raw.toString().includes("Notice 2."))).toEqual([false, true]);
  });
});

describe("intake.imap: faults", { timeout: 90_000 }, () => {
  test("the store refusing: nothing is moved or acknowledged, the source says failing, and once the store is back each message is kept once", async () => {
    const { config, mailbox, done } = await setup();
    const cursors = new MemoryCursors();
    const sink = recordingSink();
    sink.failing = true;
    await dc.append(notice(1), mailbox);
    await dc.append(notice(2), mailbox);
    const waits: number[] = [];
    const logger = { info: () => undefined, error: () => undefined, warn: (o: Record<string, unknown>) => void (typeof o.retryInMs === "number" && waits.push(o.retryInMs)) };
    const source = imapSource(config, { cursors, logger, random: () => 0 });
    const s = start(source, sink);
    try {
      await waitFor(() => sink.calls >= 4 && source.health().state === "failing", "retries while the store is down");
      // Connecting again is not success: the pause grows while the store keeps refusing.
      expect(waits.slice(0, 4)).toEqual([20, 40, 80, 160]);
      expect(source.health().lastError).toMatch(/store did not keep message UID 1/);
      expect((await dc.list(mailbox)).map((m) => m.uid)).toEqual([1, 2]);
      expect(cursors.values.size).toBe(0);
      sink.failing = false;
      await waitFor(() => sink.kept.length === 2, "both kept once the store is back");
      await waitFor(async () => (await dc.list(done)).length === 2, "both moved");
      await waitFor(() => source.health().state === "ok", "ok again");
    } finally {
      await s.stop();
    }
    expect(sink.duplicates()).toEqual([]);
    expect(sink.kept.map((a) => a.ref.split(":")[1])).toEqual(["1", "2"]);
  });

  test("the connection cut in the middle of a fetched message: reconnects, nothing lost, nothing doubled, no partial message handed on", async () => {
    const proxy = await startProxy(dc.port);
    try {
      const { config, mailbox, done } = await setup({ port: proxy.port });
      const raws = [1, 2, 3, 4].map((i) => notice(i, " padding ".repeat(200)));
      for (const r of raws) await dc.append(r, mailbox);
      // dovecot answers UID FETCH ... BODY.PEEK[] with `BODY[] {size}`: cut three connections a few bytes into a literal.
      proxy.cutOn("BODY[] {", 3, 40);
      const sink = recordingSink();
      const source = imapSource(config, { cursors: new MemoryCursors() });
      const s = start(source, sink);
      try {
        await waitFor(() => sink.kept.length === 4, "all four after the cuts");
        await waitFor(async () => (await dc.list(done)).length === 4, "all four moved");
      } finally {
        await s.stop();
      }
      expect(proxy.cuts).toBe(3);
      expect(proxy.connections).toBeGreaterThanOrEqual(4);
      expect(sink.kept.map((a) => a.raw.toString("latin1"))).toEqual(raws);
      expect(sink.duplicates()).toEqual([]);
      expect(source.health().lastError).toMatch(/127\.0\.0\.1/);
    } finally {
      await proxy.close();
    }
  });

  test("a server announcing a message far larger than it said (and than the limit): refused before it is read, the source failing, the message left alone", async () => {
    const proxy = await startProxy(dc.port);
    try {
      const { config, mailbox } = await setup({ port: proxy.port, maxMessageBytes: 4096 });
      await dc.append(notice(1), mailbox);
      // The size it reports is small; the literal it then announces is 2 GB.
      proxy.rewrite((chunk) => chunk.replace(/BODY\[\] \{\d+\}/g, "BODY[] {2000000000}"));
      const sink = recordingSink();
      const source = imapSource(config, { cursors: new MemoryCursors() });
      const s = start(source, sink);
      try {
        await waitFor(() => source.health().state === "failing" && /limit/.test(source.health().lastError ?? ""), "failing on the oversized literal");
      } finally {
        await s.stop();
      }
      expect(source.health().lastError).toMatch(/more than the 4096-byte limit/);
      expect(sink.calls).toBe(0);
      expect((await dc.list(mailbox)).map((m) => m.uid)).toEqual([1]);
    } finally {
      await proxy.close();
    }
  });

  test("dovecot restarted under a running source: failing while it is down (the process lives), then back, mail appended after the restart taken once", async () => {
    const own = await startDovecot();
    try {
      const cursors = new MemoryCursors();
      const sink = recordingSink();
      await own.append(notice(1));
      const source = imapSource(
        { name: "restart", host: "127.0.0.1", port: own.port, tls: "none", user: own.user, pass: own.pass, pollIntervalSeconds: 30, reconnect: { initialMs: 20, maxMs: 100 }, timeoutMs: 5000 },
        { cursors },
      );
      const s = start(source, sink);
      try {
        await waitFor(() => sink.kept.length === 1, "the first message");
        await own.stop();
        await waitFor(() => source.health().state === "failing", "failing while dovecot is down");
        expect(source.health().lastError).toMatch(/refused|closed|connection/i);
        await own.start();
        await waitFor(() => source.health().state === "ok", "reconnected");
        await own.append(notice(2));
        await own.append(notice(3));
        await waitFor(() => sink.kept.length === 3, "the messages appended after the restart");
      } finally {
        await s.stop();
      }
      expect(sink.duplicates()).toEqual([]);
      expect(await own.list("INBOX")).toEqual([]);
      expect((await own.list("Processed")).length).toBe(3);
    } finally {
      await own.close();
    }
  });

  test("a message over maxMessageBytes is never downloaded: flagged for a person, said in health, the next message still taken", async () => {
    const { config, mailbox, done } = await setup({ maxMessageBytes: 2048 });
    await dc.append(notice(1, "x".repeat(10_000)), mailbox);
    await dc.append(notice(2), mailbox);
    const sink = recordingSink();
    const cursors = new MemoryCursors();
    const source = imapSource(config, { cursors });
    expect(await source.drain(sink.sink, new AbortController().signal)).toBe(1);
    expect(sink.kept.map((a) => a.ref.split(":")[1])).toEqual(["2"]);
    expect(source.health().lastError).toMatch(/UID 1 .* over the 2048-byte limit/);
    const left = await dc.list(mailbox);
    expect(left).toEqual([{ uid: 1, flags: ["$AbuseDeskTooLarge"] }]);
    expect((await dc.list(done)).length).toBe(1);
    // A later pass neither offers it nor moves it as if it had been kept.
    expect(await source.drain(sink.sink, new AbortController().signal)).toBe(0);
    expect((await dc.list(mailbox)).map((m) => m.uid)).toEqual([1]);
  });

  test("a refused login: failing, said in words without the password; drain says unavailable (69)", async () => {
    const secret = "not-the-password-7d1f";
    const { config } = await setup({ pass: secret });
    const source = imapSource(config, { cursors: new MemoryCursors() });
    const sink = recordingSink();
    const s = start(source, sink);
    await waitFor(() => source.health().state === "failing", "failing");
    await s.stop();
    const h = source.health();
    expect(h.lastError).toMatch(/refused the login for abuse/);
    expect(JSON.stringify(h)).not.toContain(secret);
    const err = await source.drain(sink.sink, new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(69);
    expect((err as UserError).message).not.toContain(secret);
    expect(sink.calls).toBe(0);
  });

  test("nothing listening: failing with 'connection refused', retried, never thrown out of run()", async () => {
    const { config } = await setup();
    const proxy = await startProxy(1); // forwards to a closed port
    const closedPort = proxy.port;
    await proxy.close();
    const source = imapSource({ ...config, port: closedPort }, { cursors: new MemoryCursors() });
    const ctl = new AbortController();
    const running = source.run(recordingSink().sink, ctl.signal);
    await waitFor(() => source.health().state === "failing", "failing");
    expect(source.health().lastError).toMatch(/connection refused/);
    ctl.abort();
    await expect(running).resolves.toBeUndefined();
    expect(source.health().state).toBe("stopped");
  });
});

describe("intake.imap: TLS and XOAUTH2", { timeout: 90_000 }, () => {
  test("STARTTLS to a server with a self-signed certificate: refused unless its CA is configured, then works", async () => {
    const tlsServer = await startDovecot({ tls: true });
    try {
      await tlsServer.append(notice(1));
      const base = { name: "tls", host: "127.0.0.1", port: tlsServer.port, tls: "starttls" as const, user: tlsServer.user, pass: tlsServer.pass, servername: "localhost", reconnect: { initialMs: 20, maxMs: 100 } };
      const untrusted = imapSource(base, { cursors: new MemoryCursors() });
      const err = await untrusted.drain(recordingSink().sink, new AbortController().signal).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(untrusted.health().lastError).toMatch(/certificate is not trusted/);
      const ca = join(tlsServer.dir, "ca.pem");
      writeFileSync(ca, tlsServer.cert!);
      const sink = recordingSink();
      expect(await imapSource({ ...base, ca }, { cursors: new MemoryCursors() }).drain(sink.sink, new AbortController().signal)).toBe(1);
    } finally {
      await tlsServer.close();
    }
  });

  test("XOAUTH2: the access token (read from its file on each connection) is what logs in", async () => {
    const tokens = new Set<string>(["token-one"]);
    const asked: string[] = [];
    const http: Server = createServer((req, res) => {
      // dovecot's introspection (mode get) appends the token to the configured URL.
      const token = new URL(req.url ?? "/", "http://x").searchParams.get("access_token") ?? "";
      asked.push(token);
      const ok = tokens.has(token);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { active: "true", username: "abuse" } : { active: "false" }));
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const addr = http.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const server = await startDovecot({ oauthTokenInfoUrl: `http://127.0.0.1:${port}/tokeninfo?access_token=` });
    try {
      await server.append(notice(1));
      await server.append(notice(2), "INBOX");
      const file = join(server.dir, "token");
      writeFileSync(file, "token-one\n");
      const cfg: ImapSourceConfig = { name: "oauth", host: "127.0.0.1", port: server.port, tls: "none", user: "abuse", accessTokenFile: file, processed: { action: "flag" } };
      const sink = recordingSink();
      expect(await imapSource(cfg, { cursors: new MemoryCursors() }).drain(sink.sink, new AbortController().signal)).toBe(2);
      expect(asked).toContain("token-one");
      // A revoked token is refused; the refreshed one in the file is used on the next connection.
      writeFileSync(file, "token-two\n");
      const src = imapSource(cfg, { cursors: new MemoryCursors() });
      await expect(src.drain(sink.sink, new AbortController().signal)).rejects.toBeInstanceOf(UserError);
      expect(src.health().lastError).toMatch(/refused the login/);
      expect(src.health().lastError).not.toContain("token-two");
      tokens.add("token-two");
      expect(await src.drain(sink.sink, new AbortController().signal)).toBe(0); // all flagged already
    } finally {
      await server.close();
      await new Promise<void>((r) => http.close(() => r()));
    }
  });
});

describe("intake.imap: configuration", () => {
  const base = { host: "imap.example.com", user: "security@example.com", pass: "env:IMAP_PASS" };
  test("defaults: implicit TLS on 993, INBOX, moved to Processed", () => {
    expect(ImapSourceSchema.parse(base)).toEqual(base);
    expect(ImapSourceSchema.safeParse({ ...base, tls: "none" }).error?.issues[0]?.message).toMatch(/only to a loopback host/);
    expect(ImapSourceSchema.safeParse({ ...base, tls: "none", host: "127.0.0.1" }).success).toBe(true);
  });
  test("exactly one way to log in; names and keywords that could inject IMAP syntax are refused", () => {
    expect(ImapSourceSchema.safeParse({ host: "h", user: "u" }).error?.issues[0]?.message).toMatch(/exactly one of pass/);
    expect(ImapSourceSchema.safeParse({ ...base, accessToken: "t" }).success).toBe(false);
    expect(ImapSourceSchema.safeParse({ ...base, mailbox: "INBOX\r\nA1 LOGOUT" }).success).toBe(false);
    expect(ImapSourceSchema.safeParse({ ...base, processed: { action: "flag", flag: "\\Deleted" } }).success).toBe(false);
    expect(ImapSourceSchema.safeParse({ ...base, processed: { action: "move", folder: "INBOX" } }).success).toBe(false);
    expect(ImapSourceSchema.safeParse({ ...base, unknown: 1 }).success).toBe(false);
  });
  test("env: references are read from the environment; an unset one is a configuration error (78) naming the key", () => {
    expect(() => imapSource(base, { cursors: new MemoryCursors(), env: {} })).toThrow(/intake\.imap\.pass: environment variable IMAP_PASS is not set/);
    try {
      imapSource(base, { cursors: new MemoryCursors(), env: {} });
    } catch (e) {
      expect((e as UserError).exitCode).toBe(78);
    }
    expect(imapSource(base, { cursors: new MemoryCursors(), env: { IMAP_PASS: "x" } }).health()).toMatchObject({ name: "imap", kind: "imap", state: "stopped", received: 0 });
  });
});
