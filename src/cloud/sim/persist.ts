/**
 * A simulated account that outlives the process: its state is saved in the data directory after
 * every call that changed it, so `apply`, `rollback` and `resolve` run as separate commands see one
 * account, as they would in AWS. The saved state belongs to one estate file's content: when the
 * estate file changes, the account starts again from it.
 *
 * Saved with node:v8 (the state holds Maps) to a temporary file and renamed into place, so a
 * process killed mid-save leaves the previous state, never half of one.
 */
import { ensurePrivateDir, replacePrivateFile } from "../../private-file.ts";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
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
  const saved = readSaved(stateFile);
  const resumed = saved !== null && saved.estateDigest === digest;
  const state = resumed ? saved.state : parseEstate(text, estatePath).state;
  return {
    state,
    stateFile,
    resumed,
    save(s: SimState) {
      const doc: Saved = { version: 1, estateDigest: digest, estatePath: resolve(estatePath), savedAt: new Date().toISOString(), state: s };
      // The account's state (its resources, tags, the plan's groups) is the desk's own: private, replaced at once.
      ensurePrivateDir(home);
      ensurePrivateDir(dirname(stateFile), "the simulated accounts' directory");
      replacePrivateFile(stateFile, serialize(doc));
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
