/**
 * Where the case store is and what its audit chain is keyed with, read at the edge (the CLI
 * commands, `serve`'s entry, `web`, `doctor`, `drill`) and given to the store (src/case/db/connect.ts),
 * which reads no environment and no configuration file itself.
 *
 * - The database (docs/case.md): `DATABASE_URL` (postgres://..., sqlite:/path, or a path), else the
 *   SQLite file in the data directory. No flag or configuration key names it.
 * - The audit key (docs/case.md, "The audit chain"): `ABUSE_DESK_AUDIT_KEY`, else the
 *   configuration's `audit.key: env:NAME` (a variable named there) or `audit.keyFile: PATH`, else
 *   the data directory's `audit.key` file (created on first use: src/case/audit-key.ts).
 */
import { readFileSync } from "node:fs";
import { checkedAuditKey, dataDirAuditKey, type AuditKey } from "../case/audit-key.ts";
import type { OpenOptions } from "../case/db/connect.ts";
import { UserError } from "../errors.ts";
import { dataHome } from "../home.ts";
import { EX_CONFIG, readConfigFile, type Env } from "./file.ts";

export const DATABASE_URL_ENV = "DATABASE_URL";
export const AUDIT_KEY_ENV = "ABUSE_DESK_AUDIT_KEY";

/** The database the environment names (`DATABASE_URL`), or undefined: SQLite in the data directory. */
export function storeUrl(env: Env): string | undefined {
  return env[DATABASE_URL_ENV] || undefined;
}

/** The key the configuration names (`audit.key: env:NAME`, `audit.keyFile: PATH`), or null. */
function fromConfig(home: string, env: Env): AuditKey | null {
  // A configuration that cannot be read is reported by the commands that use it; here it names no
  // key (and a store written under another key then refuses to write: nothing is silently mixed).
  let doc;
  try {
    doc = readConfigFile(env, home);
  } catch {
    return null;
  }
  const section = doc.data.audit as Record<string, unknown> | undefined;
  if (section === undefined || section === null) return null;
  const where = `${doc.path ?? "configuration"}: audit`;
  if (typeof section !== "object" || Array.isArray(section)) throw new UserError(`${where}: expected a mapping (key: env:NAME, or keyFile: PATH)`, { exitCode: EX_CONFIG });
  if (section.key !== undefined) {
    const m = typeof section.key === "string" ? /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(section.key.trim()) : null;
    if (!m) throw new UserError(`${where}.key: write env:NAME and keep the key in that variable (a key never goes in the file)`, { exitCode: EX_CONFIG });
    const v = env[m[1]!];
    if (v === undefined || v === "") throw new UserError(`${where}.key: environment variable ${m[1]} is not set`, { exitCode: EX_CONFIG });
    return checkedAuditKey(v, m[1]!);
  }
  if (section.keyFile !== undefined) {
    if (typeof section.keyFile !== "string" || section.keyFile.trim() === "") throw new UserError(`${where}.keyFile: a path`, { exitCode: EX_CONFIG });
    const path = section.keyFile.trim();
    try {
      return checkedAuditKey(readFileSync(path, "utf8"), path);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${where}.keyFile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { exitCode: EX_CONFIG, cause: err });
    }
  }
  return null;
}

/**
 * The audit key for the store in data directory `home`: `ABUSE_DESK_AUDIT_KEY`, else the
 * configuration (read from `env`'s ABUSE_DESK_CONFIG, else `home`'s config.yaml), else `home`'s key
 * file (created when missing).
 */
export function loadAuditKey(home: string, env: Env): AuditKey {
  const fromEnv = env[AUDIT_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return checkedAuditKey(fromEnv, AUDIT_KEY_ENV);
  return fromConfig(home, env) ?? dataDirAuditKey(home);
}

/** Where the store is, without opening it or reading its key (for `describeTarget`). */
export function storeTarget(env: Env, o: { home?: string } = {}): Pick<OpenOptions, "url" | "home"> {
  const url = storeUrl(env);
  return { home: dataHome(o.home, env), ...(url !== undefined ? { url } : {}) };
}

/**
 * Everything the store is opened with, resolved from `env` (the edge's environment): the data
 * directory, the database, the audit key; plus what the caller says (`actor`, an explicit `url`
 * over DATABASE_URL). The database named is checked first, so an unsupported one is refused before
 * any key file is made.
 */
export async function storeOptions(env: Env, o: { home?: string; url?: string; actor?: string } = {}): Promise<OpenOptions> {
  const target = { ...storeTarget(env, o), ...(o.url !== undefined ? { url: o.url } : {}) };
  const { describeTarget } = await import("../case/db/connect.ts");
  describeTarget(target);
  return { ...target, auditKey: loadAuditKey(target.home!, env), ...(o.actor !== undefined ? { actor: o.actor } : {}) };
}
