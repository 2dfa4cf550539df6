/**
 * The audit key: what makes the audit chain's hashes HMACs that only a holder of the key can
 * compute, so someone who can write the database cannot edit a row and hash the chain again. It
 * is never stored in the database: `ABUSE_DESK_AUDIT_KEY` (at least 32 characters; a team sharing
 * one PostgreSQL store sets the same value on every machine), else the configuration's
 * `audit.key: env:NAME` (a variable named there) or `audit.keyFile: PATH` (a file kept elsewhere),
 * else the file `audit.key` in the data directory, created on first use (0600, 32 random bytes in hex).
 *
 * The variable and the configuration are read at the edge (src/config/store.ts, auditKeyFrom) and
 * the key is given to the store; this module holds the key's form and the data directory's file.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

/** A key read from `source` (a variable's name, a file's path), refused when shorter than 32 characters. */
export function checkedAuditKey(text: string, source: string): AuditKey {
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

/**
 * The data directory's key file (created when missing): the key a store is given when the edge
 * names no other (src/config/store.ts reads ABUSE_DESK_AUDIT_KEY and the configuration's
 * `audit:` first, and falls back to this).
 */
export function dataDirAuditKey(home: string): AuditKey {
  const file = join(home, AUDIT_KEY_FILE);
  // The key file lives in the data directory: a directory that cannot be used is said as such,
  // naming it and the fix (not as the key file's errno).
  ensurePrivateDir(home);
  try {
    return checkedAuditKey(readFileSync(file, "utf8"), file);
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
  return checkedAuditKey(readFileSync(file, "utf8"), file);
}
