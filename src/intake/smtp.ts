/**
 * The SMTP listener source (`intake.smtp`): a forwarding alias (`abuse-notices@` forwarded by your
 * mail system) delivers AWS's notices straight to the desk, with smtp-server.
 *
 * - A message is answered 250 only after the sink resolved (the store kept it). When the sink
 *   rejects (the store is down) the answer is 451: the sending MTA keeps the message and retries.
 *   Nothing is ever accepted that was not kept.
 * - Over `maxMessageBytes` (advertised as SIZE): 552, and what came beyond the limit is read and
 *   dropped, never held.
 * - Only peers in `allowedPeers` (CIDR; loopback by default) may connect (554 otherwise); when
 *   `allowedSenders` is set, only those envelope senders (an address, or `@domain`) (550), and when
 *   `recipients` is set, only those addresses (550). These gate the door; they prove nothing about
 *   the notice, which the pipeline verifies (DKIM and the rest) like any other.
 * - Optional AUTH (PLAIN/LOGIN against configured users, compared in constant time) and STARTTLS
 *   (a certificate and key from files; `tls.required` refuses MAIL before STARTTLS). A password is
 *   never taken over cleartext from a host that is not this machine.
 * - No reverse DNS lookups, no XCLIENT/XFORWARD/PROXY (a peer cannot claim another address), a
 *   bounded number of clients, recipients and unauthenticated commands, socket timeouts.
 * - Failing to listen (the port taken) shows as a failing source and is retried with back-off.
 *
 * The arrival's raw bytes are the message as received (the DATA, dot-unstuffed), untouched: the
 * envelope (MAIL FROM, RCPT TO, peer address, HELO, TLS, AUTH user) goes in `meta`.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import ipaddr from "ipaddr.js";
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from "smtp-server";
import { z } from "zod";
import { fromEnvReference, type Env } from "../config/file.ts";
import { UserError } from "../errors.ts";
import { Backoff, errorWords, isLoopbackHost, silentLogger, type SourceLogger } from "./mail-common.ts";
import { sleep, SourceStatus } from "./status.ts";
import type { ArrivalSink, IntakeSource, SourceCursorStore, SourceHealth } from "./types.ts";

const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

const SourceName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: "a source name is lower-case letters, digits, - and _ (up to 63)" });
const Cidr = z.string().refine(
  (s) => {
    try {
      ipaddr.parseCIDR(s);
      return true;
    } catch {
      return ipaddr.isValid(s);
    }
  },
  { error: "not an address or CIDR range (like 10.0.0.0/8 or 2001:db8::/32)" },
);
const SenderPattern = z
  .string()
  .min(2)
  .max(320)
  .regex(/^([^\s@<>]+@[^\s@<>]+|@[^\s@<>]+)$/, { error: "a sender is an address (abuse@amazonaws.com) or a domain (@amazonaws.com)" });

export const SmtpSourceSchema = z
  .object({
    name: SourceName.optional(),
    /** Where to listen (default 127.0.0.1: a local MTA relays to it). */
    host: z.string().min(1).max(255).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    maxMessageBytes: z.number().int().min(1024).max(100 * 1024 * 1024).optional(),
    /** Peers allowed to connect (CIDR or single addresses). Default: loopback only. */
    allowedPeers: z.array(Cidr).min(1).max(1000).optional(),
    /** Envelope senders allowed (MAIL FROM): addresses or `@domain`. Default: any. */
    allowedSenders: z.array(SenderPattern).min(1).max(1000).optional(),
    /** Recipients accepted (RCPT TO). Default: any. */
    recipients: z.array(SenderPattern).min(1).max(1000).optional(),
    auth: z
      .object({
        users: z
          .array(z.object({ user: z.string().min(1).max(320), pass: z.string().min(1) }).strict())
          .min(1)
          .max(100),
        /** Refuse MAIL until the peer logged in (default true). */
        required: z.boolean().optional(),
      })
      .strict()
      .optional(),
    tls: z
      .object({
        cert: z.string().min(1),
        key: z.string().min(1),
        /** Refuse MAIL until STARTTLS (default false). */
        required: z.boolean().optional(),
      })
      .strict()
      .optional(),
    maxClients: z.number().int().min(1).max(10_000).optional(),
    socketTimeoutMs: z.number().int().min(1000).max(3_600_000).optional(),
    /** The host name in the greeting (default: the OS host name). */
    serverName: z.string().min(1).max(255).regex(/^[A-Za-z0-9.-]+$/).optional(),
    reconnect: z
      .object({
        initialMs: z.number().int().min(1).max(600_000).optional(),
        maxMs: z.number().int().min(1).max(3_600_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const host = c.host ?? "127.0.0.1";
    if (c.auth && !c.tls && !isLoopbackHost(host))
      ctx.addIssue({ code: "custom", path: ["auth"], message: `auth without tls would take passwords in clear on ${host}; add tls (cert, key) or listen on loopback` });
  });

export type SmtpSourceConfig = z.output<typeof SmtpSourceSchema>;

export interface SmtpSourceDeps {
  /** Not used (a listener keeps no position); accepted so every source's factory takes the same deps. */
  cursors?: SourceCursorStore;
  /** Where `env:NAME` references are read: the environment serve's entry read (default: none). */
  env?: Env;
  clock?: () => Date;
  logger?: SourceLogger;
  random?: () => number;
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parseRanges(list: readonly string[]): Range[] {
  return list.map((s) => {
    if (s.includes("/")) return ipaddr.parseCIDR(s);
    const a = ipaddr.parse(s);
    return [a, a.kind() === "ipv4" ? 32 : 128] as Range;
  });
}

/** Whether a peer's address is in one of the ranges (an IPv4-mapped IPv6 address counts as its IPv4 address). */
export function peerAllowed(address: string, ranges: readonly Range[]): boolean {
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    a = ipaddr.process(address.replace(/%.*$/, ""));
  } catch {
    return false;
  }
  return ranges.some(([net, bits]) => a.kind() === net.kind() && a.match(net, bits));
}

/** Whether an address matches one of the patterns (`user@host` exactly, or `@host`), case-insensitively. */
export function addressAllowed(address: string, patterns: readonly string[]): boolean {
  const a = address.toLowerCase();
  const at = a.lastIndexOf("@");
  if (at < 1) return false;
  const domain = a.slice(at);
  return patterns.some((p) => {
    const q = p.toLowerCase();
    return q.startsWith("@") ? domain === q : a === q;
  });
}

function smtpError(code: number, message: string): Error {
  const e = new Error(message) as Error & { responseCode: number };
  e.responseCode = code;
  return e;
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y);
}

/** The SMTP listener source for `intake.smtp` (the registry calls this with the parsed section). */
export function smtpSource(config: SmtpSourceConfig, deps: SmtpSourceDeps = {}): IntakeSource & { address(): AddressInfo | null } {
  const c = SmtpSourceSchema.parse(config);
  const env = deps.env ?? {};
  const name = c.name ?? "smtp";
  const where = `intake.smtp${c.name ? ` (${c.name})` : ""}`;
  const users = (c.auth?.users ?? []).map((u, i) => ({ user: u.user, pass: fromEnvReference(u.pass, env, `${where}.auth.users[${i}].pass`)! }));
  let tls: { cert: Buffer; key: Buffer } | null = null;
  if (c.tls) {
    const read = (path: string, key: string) => {
      try {
        return readFileSync(path);
      } catch (err) {
        throw new UserError(`${where}.tls.${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`, { exitCode: 78, cause: err });
      }
    };
    tls = { cert: read(c.tls.cert, "cert"), key: read(c.tls.key, "key") };
  }
  return new SmtpSource({
    name,
    host: c.host ?? "127.0.0.1",
    port: c.port ?? 2525,
    maxBytes: c.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    peers: parseRanges(c.allowedPeers ?? ["127.0.0.0/8", "::1/128"]),
    senders: c.allowedSenders ?? null,
    recipients: c.recipients ?? null,
    users,
    authRequired: users.length > 0 && (c.auth?.required ?? true),
    tls,
    tlsRequired: !!tls && (c.tls?.required ?? false),
    maxClients: c.maxClients ?? 20,
    socketTimeoutMs: c.socketTimeoutMs ?? 60_000,
    serverName: c.serverName,
    initialMs: c.reconnect?.initialMs ?? 1000,
    maxMs: c.reconnect?.maxMs ?? 60_000,
    deps,
  });
}

interface Settings {
  name: string;
  host: string;
  port: number;
  maxBytes: number;
  peers: Range[];
  senders: string[] | null;
  recipients: string[] | null;
  users: Array<{ user: string; pass: string }>;
  authRequired: boolean;
  tls: { cert: Buffer; key: Buffer } | null;
  tlsRequired: boolean;
  maxClients: number;
  socketTimeoutMs: number;
  serverName: string | undefined;
  initialMs: number;
  maxMs: number;
  deps: SmtpSourceDeps;
}

class SmtpSource implements IntakeSource {
  readonly kind = "smtp";
  readonly name: string;
  private readonly health_: SourceStatus;
  private readonly log: SourceLogger;
  private readonly clock: () => Date;
  private bound: AddressInfo | null = null;
  private running = false;

  constructor(private readonly s: Settings) {
    this.name = s.name;
    this.clock = s.deps.clock ?? (() => new Date());
    this.health_ = new SourceStatus(s.name, this.kind, this.clock, { initial: "stopped" });
    this.log = s.deps.logger ?? silentLogger;
  }

  health(): SourceHealth {
    return this.health_.snapshot();
  }

  /** Where it listens while running (the port chosen when configured as 0). */
  address(): AddressInfo | null {
    return this.bound;
  }

  /** A listener takes nothing in by itself: `serve --once` does not start it. */
  async drain(): Promise<number> {
    return 0;
  }

  private secrets(): string[] {
    return this.s.users.map((u) => u.pass);
  }

  private server(sink: ArrivalSink): SMTPServer {
    const s = this.s;
    const disabled = ["XCLIENT", "XFORWARD"];
    if (!s.users.length) disabled.push("AUTH");
    if (!s.tls) disabled.push("STARTTLS");
    const opts: SMTPServerOptions & { maxRecipients?: number; maxAllowedUnauthenticatedCommands?: number } = {
      name: s.serverName,
      banner: "abuse-desk intake",
      size: s.maxBytes,
      secure: false,
      ...(s.tls ? { key: s.tls.key, cert: s.tls.cert, minVersion: "TLSv1.2" } : {}),
      disabledCommands: disabled,
      authMethods: ["PLAIN", "LOGIN"],
      authOptional: !s.authRequired,
      // AUTH before STARTTLS only where no network is crossed.
      allowInsecureAuth: !s.tls && isLoopbackHost(s.host),
      disableReverseLookup: true,
      useXClient: false,
      useXForward: false,
      useProxy: false,
      logger: false,
      maxClients: s.maxClients,
      maxRecipients: 20,
      maxAllowedUnauthenticatedCommands: 10,
      socketTimeout: s.socketTimeoutMs,
      closeTimeout: 5000,
      onConnect: (session, cb) => {
        if (!peerAllowed(session.remoteAddress, s.peers)) {
          this.log.warn({ source: this.name, peer: session.remoteAddress }, "SMTP peer not in allowedPeers refused");
          return cb(smtpError(554, "5.7.1 This address is not allowed to send here"));
        }
        cb();
      },
      onAuth: (auth, session, cb) => {
        if (auth.method !== "PLAIN" && auth.method !== "LOGIN") return cb(smtpError(504, "5.5.4 Unrecognized authentication type"));
        const u = s.users.find((x) => x.user === auth.username);
        // Compared even when the user is unknown, so timing does not tell which users exist.
        const ok = sameSecret(auth.password ?? "", u?.pass ?? "\u0000no-such-user") && !!u;
        if (!ok) {
          this.log.warn({ source: this.name, peer: session.remoteAddress }, "SMTP login refused");
          return cb(smtpError(535, "5.7.8 Authentication credentials invalid"));
        }
        cb(null, { user: u.user });
      },
      onMailFrom: (address, session, cb) => {
        if (s.tlsRequired && !session.secure) return cb(smtpError(530, "5.7.0 Must issue a STARTTLS command first"));
        if (s.senders && !addressAllowed(address.address, s.senders)) return cb(smtpError(550, "5.7.1 Sender not allowed here"));
        cb();
      },
      onRcptTo: (address, _session, cb) => {
        if (s.recipients && !addressAllowed(address.address, s.recipients)) return cb(smtpError(550, "5.1.1 No such recipient here"));
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let over = false;
        let answered = false;
        const answer = (err: Error | null, message?: string) => {
          if (answered) return;
          answered = true;
          if (err) cb(err);
          else cb(null, message);
        };
        stream.on("data", (d: Buffer) => {
          size += d.length;
          if (size > s.maxBytes) {
            over = true;
            chunks.length = 0; // what came is dropped; the rest is read and discarded
            return;
          }
          chunks.push(d);
        });
        stream.on("error", () => answer(smtpError(451, "4.3.0 The message could not be read, try again later")));
        stream.on("end", () => {
          if (over || stream.sizeExceeded) {
            const words = `a message from ${session.remoteAddress} over the ${s.maxBytes}-byte limit (maxMessageBytes) refused with 552`;
            this.health_.note(words);
            this.log.warn({ source: this.name, peer: session.remoteAddress }, words);
            return answer(smtpError(552, `5.3.4 Message exceeds the fixed maximum message size (${s.maxBytes} bytes)`));
          }
          const raw = Buffer.concat(chunks, size);
          const meta: Record<string, string> = {
            peer: session.remoteAddress,
            helo: String(session.hostNameAppearsAs ?? ""),
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            rcptTo: session.envelope.rcptTo.map((r) => r.address).join(", "),
            tls: session.secure ? "yes" : "no",
          };
          if (session.user) meta.authUser = String(session.user);
          const ref = `${session.id}.${(session as SMTPServerSession & { transaction?: number }).transaction ?? 1}`;
          sink({ raw, source: this.name, ref, receivedAt: this.clock(), meta }).then(
            (receipt) => {
              this.health_.kept();
              if (this.health_.current === "failing") this.health_.ok();
              answer(null, `2.0.0 Kept as ${receipt.id}${receipt.duplicate ? " (already kept)" : ""}`);
            },
            (err: unknown) => {
              const words = `the store could not keep a message from ${session.remoteAddress} (${errorWords(err, this.secrets())}); answered 451, the sender retries`;
              this.health_.fail(words);
              this.log.error({ source: this.name, peer: session.remoteAddress }, words);
              answer(smtpError(451, "4.3.0 Could not store the message now, try again later"));
            },
          );
        });
      },
    };
    return new SMTPServer(opts);
  }

  async run(sink: ArrivalSink, signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`intake source ${this.name} is already running`);
    this.running = true;
    this.health_.starting();
    const backoff = new Backoff(this.s.initialMs, this.s.maxMs, this.s.deps.random);
    try {
      while (!signal.aborted) {
        const server = this.server(sink);
        server.on("error", (err: Error) => {
          // A connection's error (a peer that reset, a TLS handshake gone wrong) is not the listener's.
          this.log.warn({ source: this.name, error: errorWords(err, this.secrets()) }, "SMTP connection error");
        });
        try {
          await new Promise<void>((resolve, reject) => {
            const onError = (err: Error) => reject(err);
            server.server.once("error", onError);
            server.listen(this.s.port, this.s.host, () => {
              server.server.off("error", onError);
              resolve();
            });
          });
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          const words = e.code === "EADDRINUSE" ? `${this.s.host}:${this.s.port}: the port is in use` : e.code === "EACCES" ? `${this.s.host}:${this.s.port}: not permitted to listen here` : `${this.s.host}:${this.s.port}: ${errorWords(err)}`;
          this.health_.fail(words);
          const wait = backoff.next();
          this.log.warn({ source: this.name, error: words, retryInMs: wait }, "SMTP listener could not listen; retrying after a pause");
          server.close(() => undefined);
          await sleep(wait, signal);
          continue;
        }
        this.bound = server.server.address() as AddressInfo;
        this.health_.ok();
        backoff.reset();
        this.log.info({ source: this.name, host: this.bound.address, port: this.bound.port }, "SMTP listener ready");
        await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
        await new Promise<void>((resolve) => server.close(() => resolve()));
        this.bound = null;
      }
    } finally {
      this.health_.stopped();
      this.running = false;
    }
  }
}
