/**
 * The source registry: every kind of intake source, its configuration schema and its factory, in
 * one table. `intake.<kind>:` in config.yaml (one mapping, or a list of them for several sources
 * of a kind) is validated by the kind's schema and turned into an `IntakeSource` by its factory.
 *
 * Adding a kind is one line in SOURCE_KINDS: `kind: defineSource(schema, factory)`, with the
 * schema and the factory exported by the source's own file (src/intake/<kind>.ts).
 */
import { z } from "zod";
import type { Env } from "../config/file.ts";
import { UserError } from "../errors.ts";
import { dirSchema, dirSource } from "./dir.ts";
import { healthSource, healthSourceSchema } from "./health.ts";
import { imapSource, ImapSourceSchema } from "./imap.ts";
import { smtpSource, SmtpSourceSchema } from "./smtp.ts";
import { sqsSource, sqsSourceSchema } from "./sqs.ts";
import type { IntakeSource, SourceCursorStore } from "./types.ts";

/** What a log call takes: pino's shape (an object of fields, then the message). */
export interface SourceLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What every source factory is given besides its own configuration. */
export interface SourceDeps {
  /** The source's durable position (kept in the case store: src/case/inbox.ts). */
  cursors: SourceCursorStore;
  /** Structured log, already bound to the source's name (secrets redacted by the service's logger). */
  log: SourceLog;
  /** The data directory. */
  home: string;
  /** Where `env:NAME` references are read from. */
  env: Env;
  /** The largest arrival the sink keeps, in bytes: a source refuses bigger ones at its edge. */
  maxBytes: number;
}

export interface SourceKind<S extends z.ZodType = z.ZodType> {
  schema: S;
  create(config: z.output<S>, deps: SourceDeps): IntakeSource;
}

/** Keeps the factory's config type tied to its schema. */
export function defineSource<S extends z.ZodType>(schema: S, create: (config: z.output<S>, deps: SourceDeps) => IntakeSource): SourceKind<S> {
  return { schema, create };
}

/**
 * Every kind of source the service knows: a watched folder, AWS Health, EventBridge -> SQS, an
 * IMAP mailbox and an SMTP listener (docs/service.md, service-aws.md, service-mail.md).
 */
export const SOURCE_KINDS: Record<string, SourceKind> = {
  dir: defineSource(dirSchema, dirSource),
  health: defineSource(healthSourceSchema, (config, deps) => healthSource(config, deps)),
  sqs: defineSource(sqsSourceSchema, (config, deps) => sqsSource(config, deps)),
  // A mail source never takes a message bigger than the sink keeps (its own limit may be lower).
  imap: defineSource(ImapSourceSchema, (config, deps) => imapSource({ ...config, maxMessageBytes: Math.min(config.maxMessageBytes ?? deps.maxBytes, deps.maxBytes) }, { cursors: deps.cursors, env: deps.env, logger: deps.log })),
  smtp: defineSource(SmtpSourceSchema, (config, deps) => smtpSource({ ...config, maxMessageBytes: Math.min(config.maxMessageBytes ?? deps.maxBytes, deps.maxBytes) }, { env: deps.env, logger: deps.log })),
};

/** `intake.<kind>`: one source, or a list of sources of that kind. */
function kindEntry(kind: SourceKind) {
  return z.union([kind.schema, z.array(kind.schema).max(32)]).optional();
}

/** The source entries of the `intake:` section, one key per registered kind. */
export function sourcesShape(kinds: Record<string, SourceKind> = SOURCE_KINDS): Record<string, ReturnType<typeof kindEntry>> {
  return Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, kindEntry(v)]));
}

export interface ConfiguredSource {
  kind: string;
  name: string;
  config: unknown;
}

/** The sources a parsed `intake:` section names, each with its kind and name (`name:`, default its kind); names must be unique. */
export function configuredSources(section: Record<string, unknown>, kinds: Record<string, SourceKind> = SOURCE_KINDS): ConfiguredSource[] {
  const out: ConfiguredSource[] = [];
  for (const kind of Object.keys(kinds)) {
    const v = section[kind];
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    list.forEach((config, i) => {
      const named = (config as { name?: unknown }).name;
      const name = typeof named === "string" && named ? named : list.length > 1 ? `${kind}-${i + 1}` : kind;
      out.push({ kind, name, config: { ...(config as object), name } });
    });
  }
  const seen = new Set<string>();
  for (const s of out) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(s.name)) throw new UserError(`intake.${s.kind}.name: "${s.name.slice(0, 80)}" must be letters, digits, '.', '_' or '-' (at most 64)`, { exitCode: 78 });
    if (seen.has(s.name)) throw new UserError(`intake: two sources are named "${s.name}"; give each its own name:`, { exitCode: 78 });
    seen.add(s.name);
  }
  return out;
}

/** Constructs the configured sources (the configuration already validated). */
export function buildSources(configured: ConfiguredSource[], deps: (name: string) => SourceDeps, kinds: Record<string, SourceKind> = SOURCE_KINDS): IntakeSource[] {
  return configured.map((s) => {
    const kind = kinds[s.kind];
    if (!kind) throw new UserError(`intake.${s.kind}: no such kind of source (one of: ${Object.keys(kinds).join(", ")})`, { exitCode: 78 });
    return kind.create(kind.schema.parse(s.config), deps(s.name));
  });
}
