/**
 * The `intake:` section of config.yaml: what `abuse-desk serve` runs (docs/service.md documents
 * every key). The sources are one key per kind (`intake.dir`, `intake.imap`, ...), validated by
 * the source registry (src/intake/registry.ts). With no section at all, the service runs on the
 * embedded defaults: a folder source on `inbox/` in the data directory.
 */
import { z } from "zod";
import { fromEnvReference, parseSection, type ConfigDocument, type Env, EX_CONFIG } from "../config/file.ts";
import { accountSpec } from "../config/account.ts";
import { policyPath } from "../config/policy.ts";
import { UserError } from "../errors.ts";
import { DEFAULT_MAX_ARRIVAL_BYTES } from "../case/inbox.ts";
import { configuredSources, sourcesShape, SOURCE_KINDS, type ConfiguredSource, type SourceKind } from "../intake/registry.ts";

const Common = {
  /** The account notices are resolved in and plans applied on: `sim`, `sim:PATH`, `aws` (default $ABUSE_DESK_ACCOUNT, else none: cases are opened, not resolved). */
  account: z.string().min(1).optional(),
  profile: z.string().optional(),
  region: z.string().optional(),
  /** The containment policy whose automatic steps run without a person, for authentic notices only (default: none, nothing runs by itself). */
  policy: z.string().min(1).optional(),
  /** Who the service acts as on the timeline and the journal. */
  actor: z.string().min(1).max(100).default("abuse-desk serve"),
  /** Arrivals worked on at once by this process. */
  workers: z.number().int().min(1).max(32).default(2),
  /** The largest arrival kept, in bytes. */
  maxBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(DEFAULT_MAX_ARRIVAL_BYTES),
  /** How long an arrival is leased to a worker before another (here or on another machine) may take it over. */
  leaseMs: z.number().int().min(1000).max(3_600_000).default(60_000),
  /** How often waiting arrivals are looked for when nothing woke the workers. */
  pollMs: z.number().int().min(10).max(600_000).default(1000),
  retry: z
    .object({
      maxAttempts: z.number().int().min(1).max(100).default(5),
      backoffMs: z.number().int().min(0).max(3_600_000).default(5000),
      maxBackoffMs: z.number().int().min(0).max(86_400_000).default(600_000),
    })
    .strict()
    .default({ maxAttempts: 5, backoffMs: 5000, maxBackoffMs: 600_000 }),
  verify: z
    .object({
      offline: z.boolean().default(false),
      dnsCache: z.string().optional(),
      trustAuthserv: z.array(z.string()).default([]),
      trustArcSealer: z.array(z.string()).default([]),
    })
    .strict()
    .default({ offline: false, trustAuthserv: [], trustArcSealer: [] }),
  /** The desk's address as people reach it (the web desk): notifications link to `<publicUrl>/cases/<id>`. */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  http: z
    .union([
      z.literal(false),
      z
        .object({
          host: z.string().default("127.0.0.1"),
          port: z.number().int().min(0).max(65535).default(8025),
          /** Bearer token for /metrics and the details of /readyz (write env:NAME). Required when not on loopback. */
          token: z.string().optional(),
        })
        .strict(),
    ])
    .default({ host: "127.0.0.1", port: 8025 }),
  log: z
    .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
    .strict()
    .default({ level: "info" }),
};

export function intakeSchema(kinds: Record<string, SourceKind> = SOURCE_KINDS) {
  return z.object({ ...Common, ...sourcesShape(kinds) }).strict();
}

export interface ServeSettings {
  account: string | null;
  profile?: string;
  region?: string;
  policy: string | null;
  actor: string;
  workers: number;
  maxBytes: number;
  leaseMs: number;
  pollMs: number;
  retry: { maxAttempts: number; backoffMs: number; maxBackoffMs: number };
  verify: { offline: boolean; dnsCache?: string; trustAuthserv: string[]; trustArcSealer: string[] };
  publicUrl: string | null;
  http: false | { host: string; port: number; token: string | null };
  logLevel: string;
  sources: ConfiguredSource[];
  /** True when no source was configured and the embedded default (a folder in the data directory) is used. */
  defaultSource: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

export function serveSettings(doc: ConfigDocument, env: Env, kinds: Record<string, SourceKind> = SOURCE_KINDS): ServeSettings {
  const s = parseSection(intakeSchema(kinds), doc, "intake");
  const where = doc.path ?? "configuration";
  let sources = configuredSources(s as Record<string, unknown>, kinds);
  const defaultSource = sources.length === 0;
  if (defaultSource) sources = [{ kind: "dir", name: "dir", config: { name: "dir", path: "inbox" } }];
  let http: ServeSettings["http"] = false;
  if (s.http !== false) {
    const token = fromEnvReference(s.http.token, env, `${where}: intake.http.token`) ?? null;
    if (token !== null && token.length < 16) throw new UserError(`${where}: intake.http.token: at least 16 characters`, { exitCode: EX_CONFIG });
    if (!LOOPBACK.test(s.http.host) && token === null) {
      throw new UserError(`${where}: intake.http.host ${s.http.host} is reachable from other machines: set intake.http.token (env:NAME) so /metrics and /readyz details need it`, { exitCode: EX_CONFIG });
    }
    http = { host: s.http.host, port: s.http.port, token };
  }
  return {
    account: accountSpec({ configured: s.account }, env),
    ...(s.profile ? { profile: s.profile } : {}),
    ...(s.region ? { region: s.region } : {}),
    policy: policyPath({ configured: s.policy }, env),
    actor: s.actor,
    workers: s.workers,
    maxBytes: s.maxBytes,
    leaseMs: s.leaseMs,
    pollMs: s.pollMs,
    retry: s.retry,
    verify: s.verify,
    publicUrl: s.publicUrl ? s.publicUrl.replace(/\/+$/, "") : null,
    http,
    logLevel: s.log.level,
    sources,
    defaultSource,
  };
}
