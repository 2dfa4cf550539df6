/**
 * The audit key: what makes the audit chain's hashes HMACs that only a holder of the key can
 * compute, so someone who can write the database cannot edit a row and hash the chain again. It
 * is never stored in the database: `ABUSE_DESK_AUDIT_KEY` (at least 32 characters; a team sharing
 * one PostgreSQL store sets the same value on every machine), else the file `audit.key` in the
 * data directory, created on first use (0600, 32 random bytes in hex).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
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

/** The audit key from the environment, else the data directory's key file (created when missing). */
export function loadAuditKey(home: string, env: Record<string, string | undefined> = process.env): AuditKey {
  const fromEnv = env[AUDIT_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return checked(fromEnv, AUDIT_KEY_ENV);
  const file = join(home, AUDIT_KEY_FILE);
  try {
    return checked(readFileSync(file, "utf8"), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      if (err instanceof UserError) throw err;
      throw new UserError(`cannot read the audit key ${file}: ${(err as Error).message}`, { exitCode: 78, cause: err });
    }
  }
  // Written whole to a private temporary file, then linked into place: a process that loses the
  // race reads the winner's key, never a half-written one.
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(tmp);
  }
  return checked(readFileSync(file, "utf8"), file);
}
