/**
 * The configuration file: one YAML file of sections (`aws:`, `smtp:`, `reply:`, `notify:`...), each
 * area validating its own section. It lives at `$ABUSE_DESK_CONFIG`, else `config.yaml` in the data
 * directory (`$ABUSE_DESK_HOME`, default `~/.abuse-desk`: src/home.ts).
 * A missing default file is no configuration; a missing file named by ABUSE_DESK_CONFIG is an error.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { UserError } from "../errors.ts";
import { dataHome } from "../home.ts";

export type Env = Record<string, string | undefined>;

export interface ConfigDocument {
  /** Where it was read; null when there is no file. */
  path: string | null;
  data: Record<string, unknown>;
  /**
   * The environment the edge read the file with (readConfigFile sets it): what each section's
   * `env:NAME` references and ABUSE_DESK_* overrides resolve against, so a stage given the
   * document reads no environment of its own. Not enumerable: a document printed, logged or
   * compared never carries it. A document built by hand has none (no overrides, no references).
   */
  readonly env?: Env;
}

/** The environment a document's references and overrides resolve against (none for a document built by hand). */
export function docEnv(doc: ConfigDocument): Env {
  return doc.env ?? {};
}

function withEnv(doc: { path: string | null; data: Record<string, unknown> }, env: Env): ConfigDocument {
  return Object.defineProperty(doc, "env", { value: env, enumerable: false, writable: false });
}

/** sysexits EX_CONFIG: the configuration is wrong. */
export const EX_CONFIG = 78;

export function configPath(env: Env = process.env, home?: string): string {
  if (env.ABUSE_DESK_CONFIG) return resolve(env.ABUSE_DESK_CONFIG);
  return join(dataHome(home, env), "config.yaml");
}

export function readConfigFile(env: Env = process.env, home?: string): ConfigDocument {
  const path = configPath(env, home);
  return withEnv(readDocument(path, env), env);
}

function readDocument(path: string, env: Env): ConfigDocument {
  if (!existsSync(path)) {
    if (env.ABUSE_DESK_CONFIG) throw new UserError(`${path}: no such configuration file (ABUSE_DESK_CONFIG)`, { exitCode: 66 });
    return { path: null, data: {} };
  }
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UserError(`${path}: not valid YAML (${(err as Error).message.split("\n")[0]})`, { exitCode: EX_CONFIG, cause: err });
  }
  if (data === null || data === undefined) return { path, data: {} };
  if (typeof data !== "object" || Array.isArray(data)) throw new UserError(`${path}: the configuration must be a mapping of sections (aws:, smtp:, reply:...)`, { exitCode: EX_CONFIG });
  return { path, data: data as Record<string, unknown> };
}

/** Validates one section, naming the exact key that is wrong (`aws.assumeRole.roleName: ...`). */
export function parseSection<T extends z.ZodType>(schema: T, doc: ConfigDocument, section: string): z.output<T> {
  const r = schema.safeParse(doc.data[section] ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = [section, ...issue.path.map(String)].join(".");
  throw new UserError(`${doc.path ?? "configuration"}: ${key}: ${issue.message}`, { exitCode: EX_CONFIG });
}

/** `env:NAME` -> that variable's value (an error when unset); anything else as written. Keeps secrets out of the file. */
export function fromEnvReference(value: string | undefined, env: Env, where: string): string | undefined {
  if (value === undefined) return undefined;
  const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value.trim());
  if (!m) return value;
  const v = env[m[1]!];
  if (v === undefined || v === "") throw new UserError(`${where}: environment variable ${m[1]} is not set`, { exitCode: EX_CONFIG });
  return v;
}
