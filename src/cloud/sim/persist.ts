/**
 * A simulated account that outlives the process: its state is saved in the data directory after
 * every call that changed it, so `apply`, `rollback` and `resolve` run as separate commands see one
 * account, as they would in AWS. The saved state belongs to one estate file's content: when the
 * estate file changes, the account starts again from it.
 *
 * Saved with node:v8 (the state holds Maps) to a temporary file and renamed into place, so a
 * process killed mid-save leaves the previous state, never half of one.
 *
 * Several processes may change the account at once (two applies of different plans), as several
 * callers change one AWS account: each change is made under a lock on the state file, on the state
 * as the last writer saved it (read again when the file changed since this process last read or
 * wrote it), then saved before the lock is let go, so no process's change overwrites another's.
 * Every call, reads too, first picks up a state another process saved since. The lock is SQLite's
 * (an fcntl lock on `<state>.lock`): the kernel lets go of it when its holder dies, so a killed
 * holder never leaves a stale lock; a holder that keeps it (stopped, hung) for 30 s makes the change
 * fail with a clear error instead of waiting forever.
 */
import { ensurePrivateDir, makePrivateFile, replacePrivateFile } from "../../private-file.ts";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { deserialize, serialize } from "node:v8";
import { parseEstate, readEstateText } from "./load.ts";
import type { SimState } from "./state.ts";

interface Saved {
  version: 1;
  /** SHA-256 of the estate file the state grew from. */
  estateDigest: string;
  estatePath: string;
  savedAt: string;
  state: SimState;
}

export interface PersistentSim {
  state: SimState;
  /** Where the state is saved. */
  stateFile: string;
  /** True when the state was read back from an earlier run (the account has changed since the estate). */
  resumed: boolean;
  save(state: SimState): void;
  /** The state another process saved since this one last read or wrote the file, or null (nothing newer). */
  fresh(): SimState | null;
  /**
   * Runs one change under the state file's lock: `change` gets the newer saved state, if any, to
   * apply itself to, and returns the state to save; it is saved before the lock is let go.
   */
  transact<T>(change: (fresh: SimState | null) => { state: SimState; out: T }): T;
  /** Lets go of the lock's database handle. */
  close(): void;
}

/** How long a change waits for another process's change before it fails. */
export const SIM_LOCK_WAIT_MS = 30_000;

type Stamp = string | null;
function stampOf(path: string): Stamp {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}|${st.size}|${st.mtimeNs}|${st.ctimeNs}`;
  } catch {
    return null;
  }
}

interface LockDb {
  exec(sql: string): unknown;
  pragma(sql: string): unknown;
  prepare(sql: string): { run(...args: unknown[]): unknown };
  close(): void;
}

/** The state file of an estate: one per estate file, named so a person can tell which is which. */
export function stateFileFor(estatePath: string, home: string): string {
  const abs = resolve(estatePath);
  const tag = createHash("sha256").update(abs).digest("hex").slice(0, 10);
  return join(home, "sim", `${basename(abs).replace(/\.ya?ml$/i, "")}-${tag}.state`);
}

/** Opens an estate with its saved state, or fresh from the file when there is none (or the estate changed). */
export function openPersistentSim(estatePath: string, home: string): PersistentSim {
  const text = readEstateText(estatePath);
  const digest = createHash("sha256").update(text).digest("hex");
  const stateFile = stateFileFor(estatePath, home);
  let known: Stamp = stampOf(stateFile);
  const saved = readSaved(stateFile);
  const resumed = saved !== null && saved.estateDigest === digest;
  const state = resumed ? saved.state : parseEstate(text, estatePath).state;
  const save = (s: SimState) => {
    const doc: Saved = { version: 1, estateDigest: digest, estatePath: resolve(estatePath), savedAt: new Date().toISOString(), state: s };
    // The account's state (its resources, tags, the plan's groups) is the desk's own: private, replaced at once.
    ensurePrivateDir(home);
    ensurePrivateDir(dirname(stateFile), "the simulated accounts' directory");
    replacePrivateFile(stateFile, serialize(doc));
    known = stampOf(stateFile);
  };
  // Newer than what this process last read or wrote: saved by another process for the same estate.
  const fresh = (): SimState | null => {
    const now = stampOf(stateFile);
    if (now === null || now === known) return null;
    const doc = readSaved(stateFile);
    known = now;
    return doc && doc.estateDigest === digest ? doc.state : null;
  };
  let db: LockDb | null = null;
  const lockDb = (): LockDb => {
    if (db) return db;
    ensurePrivateDir(home);
    ensurePrivateDir(dirname(stateFile), "the simulated accounts' directory");
    const Database = createRequire(import.meta.url)("better-sqlite3") as new (path: string) => LockDb;
    makePrivateFile(`${stateFile}.lock`);
    db = new Database(`${stateFile}.lock`);
    db.pragma(`busy_timeout = ${SIM_LOCK_WAIT_MS}`);
    db.exec("CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, at TEXT NOT NULL)");
    return db;
  };
  return {
    state,
    stateFile,
    resumed,
    save,
    fresh,
    transact<T>(change: (fresh: SimState | null) => { state: SimState; out: T }): T {
      const d = lockDb();
      try {
        d.exec("BEGIN IMMEDIATE");
      } catch (err) {
        const e = new Error(`the simulated account ${stateFile} is being changed by another process that has held it for ${SIM_LOCK_WAIT_MS / 1000} s; try again (or abuse-desk sim reset)`);
        (e as Error & { cause?: unknown }).cause = err;
        throw e;
      }
      let ok = false;
      try {
        d.prepare("INSERT OR REPLACE INTO holder (id, pid, at) VALUES (1, ?, ?)").run(process.pid, new Date().toISOString());
        const r = change(fresh());
        save(r.state);
        ok = true;
        return r.out;
      } finally {
        d.exec(ok ? "COMMIT" : "ROLLBACK");
      }
    },
    close() {
      db?.close();
      db = null;
    },
  };
}

/** Forgets what happened to the account: the next command starts from the estate file again. */
export function resetPersistentSim(estatePath: string, home: string): { stateFile: string; existed: boolean } {
  const stateFile = stateFileFor(estatePath, home);
  const existed = existsSync(stateFile);
  rmSync(stateFile, { force: true });
  return { stateFile, existed };
}

function readSaved(path: string): Saved | null {
  if (!existsSync(path)) return null;
  try {
    const doc = deserialize(readFileSync(path)) as Saved;
    return doc && doc.version === 1 && doc.state ? doc : null;
  } catch {
    // An unreadable state file (another Node version's format, a damaged disk) is set aside, not fatal.
    return null;
  }
}
