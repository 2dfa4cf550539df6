/**
 * The IMAP mailbox source (`intake.imap`): the account's root or security-contact mailbox, or a
 * shared one, read with imapflow.
 *
 * - Waits with IDLE where the server has it, and polls every `pollIntervalSeconds` in any case (a
 *   server without IDLE, or an IDLE notification lost on the way, delays a notice by at most one
 *   poll).
 * - Each message is handed to the sink as its raw RFC 822 bytes, ref `UIDVALIDITY:UID`. Only once
 *   the sink has resolved is the cursor (UIDVALIDITY + last UID, in the case store through
 *   `SourceCursorStore`) advanced and the message moved to the processed folder (or flagged).
 *   A crash between the two is finished on the next pass: a message at or below the cursor still
 *   in the mailbox is moved (or flagged) without being offered again. A new UIDVALIDITY (the
 *   mailbox was recreated) starts over from its first message: what was kept before is a
 *   duplicate the store recognises.
 * - A sink that rejects (the store is down) stops the pass at that message: nothing after it is
 *   taken, nothing is acknowledged, and the pass is tried again after a back-off.
 * - A message larger than `maxMessageBytes` is never downloaded: it is flagged
 *   `$AbuseDeskTooLarge` for a person, said in the source's health, and passed over. imapflow's
 *   literal and response limits are set from the same bound, so a server announcing a bigger
 *   literal than it said cannot make the process hold it.
 * - A connection that fails (refused, dropped mid-fetch, the server restarted, a login refused)
 *   makes the source `failing` with the reason in words and reconnects with exponential back-off;
 *   it never ends the process.
 * - Password or XOAUTH2 (an access token from an environment variable, or from a file read again
 *   on every connection so a token refresher can replace it). TLS: implicit (993), STARTTLS
 *   required, or none, which is allowed only to a loopback host.
 */
import { readFileSync } from "node:fs";
import { ImapFlow, type ImapFlowOptions } from "imapflow";
import { z } from "zod";
import { fromEnvReference, type Env } from "../config/file.ts";
import { UserError } from "../errors.ts";
import { Backoff, errorWords, isLoopbackHost, silentLogger, type SourceLogger } from "./mail-common.ts";
import { sleep, SourceStatus } from "./status.ts";
import type { ArrivalSink, IntakeSource, SourceCursorStore, SourceHealth } from "./types.ts";

const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
const TOO_LARGE_FLAG = "$AbuseDeskTooLarge";
/** Messages taken in one pass before the mailbox is searched again (bounds one SEARCH answer's use). */
const PASS_LIMIT = 500;

const SourceName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: "a source name is lower-case letters, digits, - and _ (up to 63)" });
const MailboxName = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => !/[\u0000-\u001f\u007f*%]/.test(s), { error: "a mailbox name has no control characters and no * or %" });
const Keyword = z.string().regex(/^\$?[A-Za-z0-9_.-]{1,60}$/, { error: "an IMAP keyword is letters, digits, $ _ . - (like $AbuseDeskKept)" });

export const ImapSourceSchema = z
  .object({
    name: SourceName.optional(),
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).optional(),
    /** `implicit`: TLS from the first byte (993); `starttls`: upgrade required before login; `none`: loopback only. */
    tls: z.enum(["implicit", "starttls", "none"]).optional(),
    rejectUnauthorized: z.boolean().optional(),
    /** A PEM file of the certificate authorities to trust (a private CA, a self-signed server). */
    ca: z.string().min(1).optional(),
    servername: z.string().min(1).max(255).optional(),
    user: z.string().min(1).max(320),
    /** The password, or `env:NAME`. */
    pass: z.string().min(1).optional(),
    /** An OAuth2 access token (XOAUTH2), or `env:NAME`. */
    accessToken: z.string().min(1).optional(),
    /** A file holding the access token, read again on every connection (a refresher keeps it current). */
    accessTokenFile: z.string().min(1).optional(),
    mailbox: MailboxName.optional(),
    processed: z
      .object({
        action: z.enum(["move", "flag"]),
        folder: MailboxName.optional(),
        flag: Keyword.optional(),
      })
      .strict()
      .optional(),
    idle: z.boolean().optional(),
    pollIntervalSeconds: z.number().min(0.01).max(3600).optional(),
    maxMessageBytes: z.number().int().min(1024).max(100 * 1024 * 1024).optional(),
    reconnect: z
      .object({
        initialMs: z.number().int().min(1).max(600_000).optional(),
        maxMs: z.number().int().min(1).max(3_600_000).optional(),
      })
      .strict()
      .optional(),
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const auth = [c.pass, c.accessToken, c.accessTokenFile].filter((v) => v !== undefined).length;
    if (auth !== 1) ctx.addIssue({ code: "custom", path: ["pass"], message: "give exactly one of pass, accessToken (XOAUTH2) or accessTokenFile" });
    if ((c.tls ?? "implicit") === "none" && !isLoopbackHost(c.host))
      ctx.addIssue({ code: "custom", path: ["tls"], message: `tls: none sends the password in clear; it is allowed only to a loopback host, not ${c.host}` });
    const mailbox = c.mailbox ?? "INBOX";
    const action = c.processed?.action ?? "move";
    if (action === "move" && (c.processed?.folder ?? "Processed") === mailbox)
      ctx.addIssue({ code: "custom", path: ["processed", "folder"], message: "the processed folder must not be the mailbox read" });
    if (action === "flag" && c.processed?.folder !== undefined) ctx.addIssue({ code: "custom", path: ["processed", "folder"], message: "folder is for action: move" });
    if (action === "move" && c.processed?.flag !== undefined) ctx.addIssue({ code: "custom", path: ["processed", "flag"], message: "flag is for action: flag" });
    if (c.reconnect?.initialMs !== undefined && c.reconnect.maxMs !== undefined && c.reconnect.maxMs < c.reconnect.initialMs)
      ctx.addIssue({ code: "custom", path: ["reconnect", "maxMs"], message: "maxMs must be at least initialMs" });
  });

export type ImapSourceConfig = z.output<typeof ImapSourceSchema>;

export interface ImapSourceDeps {
  cursors: SourceCursorStore;
  /** Where `env:NAME` references are read: the environment serve's entry read (default: none). */
  env?: Env;
  clock?: () => Date;
  logger?: SourceLogger;
  /** For tests: the jitter source of the back-off. */
  random?: () => number;
}

/** The connection settings, secrets resolved: what a connection is opened with. */
interface Resolved {
  name: string;
  host: string;
  port: number;
  tls: "implicit" | "starttls" | "none";
  rejectUnauthorized: boolean;
  ca: Buffer | undefined;
  servername: string | undefined;
  user: string;
  pass: string | undefined;
  accessToken: string | undefined;
  accessTokenFile: string | undefined;
  mailbox: string;
  action: "move" | "flag";
  folder: string;
  flag: string;
  idle: boolean;
  pollMs: number;
  maxBytes: number;
  initialMs: number;
  maxMs: number;
  timeoutMs: number;
}

function resolveConfig(c: ImapSourceConfig, env: Env): Resolved {
  const name = c.name ?? "imap";
  const where = `intake.imap${c.name ? ` (${c.name})` : ""}`;
  let ca: Buffer | undefined;
  if (c.ca) {
    try {
      ca = readFileSync(c.ca);
    } catch (err) {
      throw new UserError(`${where}.ca: cannot read ${c.ca} (${(err as NodeJS.ErrnoException).code ?? "error"})`, { exitCode: 78, cause: err });
    }
  }
  const tls = c.tls ?? "implicit";
  return {
    name,
    host: c.host,
    port: c.port ?? (tls === "implicit" ? 993 : 143),
    tls,
    rejectUnauthorized: c.rejectUnauthorized ?? true,
    ca,
    servername: c.servername,
    user: c.user,
    pass: fromEnvReference(c.pass, env, `${where}.pass`),
    accessToken: fromEnvReference(c.accessToken, env, `${where}.accessToken`),
    accessTokenFile: c.accessTokenFile,
    mailbox: c.mailbox ?? "INBOX",
    action: c.processed?.action ?? "move",
    folder: c.processed?.folder ?? "Processed",
    flag: c.processed?.flag ?? "$AbuseDeskKept",
    idle: c.idle ?? true,
    pollMs: Math.round((c.pollIntervalSeconds ?? 60) * 1000),
    maxBytes: c.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    initialMs: c.reconnect?.initialMs ?? 1000,
    maxMs: c.reconnect?.maxMs ?? 300_000,
    timeoutMs: c.timeoutMs ?? 60_000,
  };
}

/** The stored cursor `UIDVALIDITY:UID`; anything else is no cursor (start from the first message). */
export function parseImapCursor(value: string | null): { validity: string; uid: number } | null {
  const m = value ? /^(\d{1,20}):(\d{1,10})$/.exec(value) : null;
  if (!m) return null;
  return { validity: m[1]!, uid: Number(m[2]) };
}

/** An error with the reason in words a person can act on (never a secret). */
function describe(err: unknown, r: Resolved, secrets: string[]): string {
  const e = err as { code?: string; authenticationFailed?: boolean; responseText?: string; message?: string };
  const at = `${r.host}:${r.port}`;
  let words: string;
  if (e?.authenticationFailed) words = `${at}: the server refused the login for ${r.user}${e.responseText ? ` (${e.responseText})` : ""}`;
  else if (e?.code === "ECONNREFUSED") words = `${at}: connection refused (is the IMAP server running?)`;
  else if (e?.code === "ENOTFOUND" || e?.code === "EAI_AGAIN") words = `${r.host}: no such host`;
  else if (e?.code === "ETIMEDOUT" || e?.code === "ETIMEOUT" || e?.code === "CONNECT_TIMEOUT" || e?.code === "GREETING_TIMEOUT") words = `${at}: timed out`;
  else if (typeof e?.code === "string" && /CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(e.code))
    words = `${at}: the server's TLS certificate is not trusted (${e.code}); set intake.imap.ca to its CA, or fix the certificate`;
  else if (e?.code === "LiteralTooLarge" || e?.code === "ResponseTooLarge" || e?.code === "LineTooLarge")
    words = `${at}: the server sent more than the ${r.maxBytes}-byte limit (maxMessageBytes) for one response`;
  else words = `${at}: ${e?.responseText ? `${e.message ?? "error"}: ${e.responseText}` : (e?.message ?? String(err))}`;
  return errorWords(words, secrets);
}

class SinkRejected extends Error {}

/** The IMAP mailbox source for `intake.imap` (the registry calls this with the parsed section). */
export function imapSource(config: ImapSourceConfig, deps: ImapSourceDeps): IntakeSource {
  return new ImapSource(resolveConfig(ImapSourceSchema.parse(config), deps.env ?? {}), deps);
}

class ImapSource implements IntakeSource {
  readonly kind = "imap";
  readonly name: string;
  private readonly health_: SourceStatus;
  private readonly log: SourceLogger;
  private readonly backoff: Backoff;
  private readonly clock: () => Date;
  private running = false;

  constructor(
    private readonly r: Resolved,
    private readonly deps: ImapSourceDeps,
  ) {
    this.name = r.name;
    this.clock = deps.clock ?? (() => new Date());
    this.health_ = new SourceStatus(r.name, this.kind, this.clock, { initial: "stopped" });
    this.log = deps.logger ?? silentLogger;
    this.backoff = new Backoff(r.initialMs, r.maxMs, deps.random);
  }

  health(): SourceHealth {
    return this.health_.snapshot();
  }

  private secrets(token?: string): string[] {
    return [this.r.pass, this.r.accessToken, token].filter((s): s is string => !!s);
  }

  private accessToken(): string | undefined {
    if (this.r.accessToken) return this.r.accessToken;
    if (!this.r.accessTokenFile) return undefined;
    let t: string;
    try {
      t = readFileSync(this.r.accessTokenFile, "utf8").trim();
    } catch (err) {
      throw new Error(`cannot read the access token file ${this.r.accessTokenFile} (${(err as NodeJS.ErrnoException).code ?? "error"})`, { cause: err });
    }
    if (!t) throw new Error(`the access token file ${this.r.accessTokenFile} is empty`);
    return t;
  }

  private client(token: string | undefined): ImapFlow {
    const r = this.r;
    const opts: ImapFlowOptions = {
      host: r.host,
      port: r.port,
      secure: r.tls === "implicit",
      doSTARTTLS: r.tls === "starttls" ? true : r.tls === "none" ? false : undefined,
      servername: r.servername,
      tls: { rejectUnauthorized: r.rejectUnauthorized, ...(r.ca ? { ca: [r.ca] } : {}), minVersion: "TLSv1.2" },
      auth: token ? { user: r.user, accessToken: token } : { user: r.user, pass: r.pass ?? "" },
      logger: false,
      disableAutoIdle: true,
      disableCompression: true,
      connectionTimeout: r.timeoutMs,
      greetingTimeout: r.timeoutMs,
      socketTimeout: Math.max(r.timeoutMs, r.pollMs + 30_000),
      // One response never holds more than one message plus its framing.
      maxLiteralSize: r.maxBytes,
      maxResponseSize: r.maxBytes + 8 * 1024 * 1024 + 1024,
      // A SEARCH answer of many UIDs is one line: room for about a million of them.
      maxLineLength: 8 * 1024 * 1024,
      clientInfo: { name: "abuse-desk" },
    };
    return new ImapFlow(opts);
  }

  async run(sink: ArrivalSink, signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`intake source ${this.name} is already running`);
    this.running = true;
    this.health_.starting();
    try {
      while (!signal.aborted) {
        try {
          await this.session(sink, signal, false);
        } catch (err) {
          if (signal.aborted) break;
          const words = err instanceof SinkRejected ? err.message : describe(err, this.r, this.secrets());
          this.health_.fail(words);
          const wait = this.backoff.next();
          this.log.warn({ source: this.name, error: words, retryInMs: wait }, "mailbox source failing; reconnecting after a pause");
          await sleep(wait, signal);
        }
      }
    } finally {
      this.health_.stopped();
      this.running = false;
    }
  }

  async drain(sink: ArrivalSink, signal: AbortSignal): Promise<number> {
    this.health_.starting();
    try {
      const n = await this.session(sink, signal, true);
      this.health_.stopped();
      return n;
    } catch (err) {
      const words = err instanceof SinkRejected ? err.message : describe(err, this.r, this.secrets());
      this.health_.fail(words);
      throw new UserError(`intake source ${this.name}: ${words}`, { exitCode: 69, cause: err });
    }
  }

  /** One connection: passes over the mailbox until the signal aborts (or once, for drain). Returns how many were kept. */
  private async session(sink: ArrivalSink, signal: AbortSignal, once: boolean): Promise<number> {
    const token = this.accessToken();
    const client = this.client(token);
    let lastError: unknown = null;
    // An 'error' event without a listener would end the process: record it, the failing command reports it.
    client.on("error", (err: unknown) => {
      lastError = err;
    });
    let dirty = true;
    client.on("exists", () => {
      dirty = true;
    });
    const onAbort = () => client.close();
    signal.addEventListener("abort", onAbort, { once: true });
    const counter = { kept: 0 };
    try {
      await client.connect();
      if (this.r.action === "move") await this.ensureFolder(client);
      const mb = await client.mailboxOpen(this.r.mailbox);
      const validity = String(mb.uidValidity);
      this.log.info({ source: this.name, mailbox: this.r.mailbox }, "mailbox source connected");
      for (;;) {
        dirty = false;
        const before = counter.kept;
        await this.pass(client, validity, sink, signal, counter);
        const n = counter.kept - before;
        // Ok once a whole pass went through (connecting is not enough: the store may still refuse),
        // and only then is the back-off started over.
        this.health_.ok();
        this.backoff.reset();
        if (once || signal.aborted) break;
        if (n >= PASS_LIMIT) continue;
        if (!dirty) await this.waitForChange(client, signal, () => dirty);
        if (signal.aborted) break;
        if (!client.usable) throw lastError ?? new Error("the server closed the connection");
        if (client.mailbox && String(client.mailbox.uidValidity) !== validity) throw new Error("the mailbox's UIDVALIDITY changed; reopening it");
      }
      await client.logout().catch(() => undefined);
      return counter.kept;
    } catch (err) {
      if (signal.aborted && !(err instanceof SinkRejected)) return counter.kept;
      // The connection's own error event (a socket error, a literal over the limit) is the cause; the
      // failed command only reports that the connection is gone.
      throw err instanceof SinkRejected ? err : (lastError ?? err);
    } finally {
      signal.removeEventListener("abort", onAbort);
      client.close();
    }
  }

  private async ensureFolder(client: ImapFlow): Promise<void> {
    const list = await client.list();
    if (list.some((m) => m.path === this.r.folder)) return;
    await client.mailboxCreate(this.r.folder);
  }

  /** Waits for new mail (IDLE), the poll interval, the connection to close, or the signal. */
  private waitForChange(client: ImapFlow, signal: AbortSignal, changed: () => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        client.off("exists", finish);
        client.off("close", finish);
        signal.removeEventListener("abort", finish);
        resolve();
      };
      const timer = setTimeout(finish, this.r.pollMs);
      client.on("exists", finish);
      client.on("close", finish);
      signal.addEventListener("abort", finish, { once: true });
      if (changed() || signal.aborted || !client.usable) return finish();
      if (this.r.idle && client.capabilities.has("IDLE")) {
        // Resolves when IDLE is ended: by the next command (imapflow sends DONE first) or the connection closing.
        client.idle().catch(() => finish());
      }
    });
  }

  /** Finishes acknowledgements left by a crash, then takes every new message in UID order. */
  private async pass(client: ImapFlow, validity: string, sink: ArrivalSink, signal: AbortSignal, counter: { kept: number }): Promise<void> {
    const stored = parseImapCursor(await this.deps.cursors.getCursor(this.name));
    const last = stored && stored.validity === validity ? stored.uid : 0;
    if (stored && stored.validity !== validity)
      this.log.warn({ source: this.name, was: stored.validity, now: validity }, "the mailbox's UIDVALIDITY changed: taking it in again from its first message (kept ones are recognised as duplicates)");

    // Kept before, not yet acknowledged (the process stopped between the two): acknowledge only.
    if (last > 0) {
      const pending = await this.search(client, `1:${last}`);
      for (const uid of pending) await this.acknowledge(client, uid);
    }

    const uids = (await this.search(client, `${last + 1}:*`)).filter((u) => u > last).slice(0, PASS_LIMIT);
    for (const uid of uids) {
      if (signal.aborted) break;
      const head = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
      if (!head) continue; // expunged meanwhile
      const cursor = `${validity}:${uid}`;
      if ((head.size ?? 0) > this.r.maxBytes) {
        const words = `message UID ${uid} in ${this.r.mailbox} is ${head.size} bytes, over the ${this.r.maxBytes}-byte limit (maxMessageBytes): not taken in, flagged ${TOO_LARGE_FLAG}`;
        this.health_.note(words);
        this.log.warn({ source: this.name, uid, size: head.size }, words);
        await client.messageFlagsAdd(String(uid), [TOO_LARGE_FLAG], { uid: true });
        await this.deps.cursors.setCursor(this.name, cursor);
        continue;
      }
      const msg = await client.fetchOne(String(uid), { uid: true, source: true, internalDate: true }, { uid: true });
      if (!msg || !msg.source) continue;
      const meta: Record<string, string> = { mailbox: this.r.mailbox, uidValidity: validity, uid: String(uid) };
      if (msg.internalDate instanceof Date && !Number.isNaN(msg.internalDate.getTime())) meta.internalDate = msg.internalDate.toISOString();
      try {
        await sink({ raw: Buffer.from(msg.source), source: this.name, ref: cursor, receivedAt: this.clock(), meta });
      } catch (err) {
        throw new SinkRejected(`the store did not keep message UID ${uid} (${errorWords(err, this.secrets())}); it stays in ${this.r.mailbox} and is offered again`);
      }
      this.health_.kept();
      counter.kept++;
      await this.deps.cursors.setCursor(this.name, cursor);
      await this.acknowledge(client, uid);
    }
  }

  /** UIDs in `range` still waiting: in the mailbox (move) or without the processed flag (flag). */
  private async search(client: ImapFlow, range: string): Promise<number[]> {
    // A message passed over as too large is never acknowledged as if it had been kept.
    const query = this.r.action === "flag" ? { uid: range, unKeyword: this.r.flag, not: { keyword: TOO_LARGE_FLAG } } : { uid: range, unKeyword: TOO_LARGE_FLAG };
    const found = await client.search(query, { uid: true });
    if (!Array.isArray(found)) throw new Error(`the server refused to search ${this.r.mailbox}`);
    return [...found].sort((a, b) => a - b);
  }

  private async acknowledge(client: ImapFlow, uid: number): Promise<void> {
    const done =
      this.r.action === "flag"
        ? await client.messageFlagsAdd(String(uid), [this.r.flag], { uid: true })
        : await client.messageMove(String(uid), this.r.folder, { uid: true });
    if (done !== false) return;
    // Refused, or the message is already gone (another instance of the service moved it): only the first is an error.
    const still = await client.search({ uid: String(uid) }, { uid: true });
    if (Array.isArray(still) && still.length === 0) return;
    throw new Error(
      this.r.action === "flag"
        ? `the server refused to flag message UID ${uid} in ${this.r.mailbox} ${this.r.flag}`
        : `the server refused to move message UID ${uid} from ${this.r.mailbox} to ${this.r.folder}`,
    );
  }
}
