/**
 * The data directory: the SQLite case store, config.yaml, reply templates, the simulated accounts'
 * state. `$ABUSE_DESK_HOME`, else `~/.abuse-desk`. The one place this rule lives.
 *
 * It holds notices, evidence and plans: whatever writes into it makes it private first
 * (src/private-file.ts: 0700, an existing one with a wider mode made 0700 if it is the user's own,
 * else refused with exit 77), and its files 0600.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export function dataHome(home?: string, env: Record<string, string | undefined> = process.env): string {
  return resolve(home ?? env.ABUSE_DESK_HOME ?? join(homedir(), ".abuse-desk"));
}
