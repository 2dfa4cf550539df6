/**
 * The audit key: what makes the audit chain's hashes HMACs that only a holder of the key can
 * compute, so someone who can write the database cannot edit a row and hash the chain again. It
 * is never stored in the database: `ABUSE_DESK_AUDIT_KEY` (at least 32 characters; a team sharing
 * one PostgreSQL store sets the same value on every machine), else the configuration's
 * `audit.key: env:NAME` (a variable named there) or `audit.keyFile: PATH` (a file kept elsewhere),
 * else the file `audit.key` in the data directory, created on first use (0600, 32 random bytes in hex).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EX_CONFIG, readConfigFile } from "../config/file.ts";
import { environmentError, UserError } from "../errors.ts";
import { ensurePrivateDir } from "../private-file.ts";
import { auditKeyId } from "./audit.ts";

export const AUDIT_KEY_ENV = "ABUSE_DESK_AUDIT_KEY";
export const AUDIT_KEY_FILE = "audit.key";
const MIN_LENGTH = 32;

export interface AuditKey {
  key: Buffer;
  /** `auditKeyId(key)`: names the key without revealing it. */
  id: string;
  /** Where it came from: the variable's name or the file's path. */
  source: string;
}

function checked(text: string, source: string): AuditKey {
  const value = text.trim();
  if (value.length < MIN_LENGTH) {
    throw new UserError(`the audit key in ${source} is too short (${value.length} characters; at least ${MIN_LENGTH})`, {
      exitCode: 78,
      hint: `use 32 random bytes in hex: openssl rand -hex 32`,
    });
  }
  const key = Buffer.from(value, "utf8");
  return { key, id: auditKeyId(key), source };
}

/** The key the configuration names (`audit.key: env:NAME`, `audit.keyFile: PATH`), or null. */
function fromConfig(home: string, env: Record<string, string | undefined>): AuditKey | null {
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
    return checked(v, m[1]!);
  }
  if (section.keyFile !== undefined) {
    if (typeof section.keyFile !== "string" || section.keyFile.trim() === "") throw new UserError(`${where}.keyFile: a path`, { exitCode: EX_CONFIG });
    const path = section.keyFile.trim();
    try {
      return checked(readFileSync(path, "utf8"), path);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${where}.keyFile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { exitCode: EX_CONFIG, cause: err });
    }
  }
  return null;
}

/** The audit key from the environment, else the configuration, else the data directory's key file (created when missing). */
export function loadAuditKey(home: string, env: Record<string, string | undefined> = process.env): AuditKey {
  const fromEnv = env[AUDIT_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return checked(fromEnv, AUDIT_KEY_ENV);
  const configured = fromConfig(home, env);
  if (configured) return configured;
  const file = join(home, AUDIT_KEY_FILE);
  // The key file lives in the data directory: a directory that cannot be used is said as such,
  // naming it and the fix (not as the key file's errno).
  ensurePrivateDir(home);
  try {
    return checked(readFileSync(file, "utf8"), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      if (err instanceof UserError) throw err;
      throw environmentError(err, file, "the audit key") ?? new UserError(`cannot read the audit key ${file}: ${(err as Error).message}`, { exitCode: 78, cause: err });
    }
  }
  // Written whole to a private temporary file, then linked into place: a process that loses the
  // race reads the winner's key, never a half-written one.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    writeFileSync(tmp, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(tmp, 0o600);
  } catch (err) {
    throw environmentError(err, home, "the data directory (writing the audit key)") ?? err;
  }
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw environmentError(err, file, "the audit key") ?? err;
  } finally {
    unlinkSync(tmp);
  }
  return checked(readFileSync(file, "utf8"), file);
}
