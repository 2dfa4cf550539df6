/**
 * The data directory: the SQLite case store, config.yaml, reply templates, the simulated accounts'
 * state. `$ABUSE_DESK_HOME`, else `~/.abuse-desk`. The one place this rule lives.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export function dataHome(home?: string, env: Record<string, string | undefined> = process.env): string {
  return resolve(home ?? env.ABUSE_DESK_HOME ?? join(homedir(), ".abuse-desk"));
}
