/**
 * The case store: `openStore()` opens (and migrates) the database the environment names and
 * returns a `CaseStore`, which is also the `JournalStore` of plans and the containment journal.
 *
 *   const store = await openStore();                  // SQLite in $ABUSE_DESK_HOME or ~/.abuse-desk
 *   const store = await openStore({ url: "postgres://..." });
 */
import { connect, type OpenOptions } from "./db/connect.ts";
import { SqlCaseStore } from "./store.ts";
import type { CaseStore } from "./types.ts";

export type { OpenOptions } from "./db/connect.ts";
export { dataHome, describeTarget, DB_FILE } from "./db/connect.ts";
export * from "./types.ts";
export { DEFAULT_LEASE_MS, EX_TEMPFAIL, PlanLockedError, PlanLockLostError, processInstance, selfIdentity } from "./locks.ts";

export async function openStore(opts: OpenOptions = {}): Promise<CaseStore> {
  return new SqlCaseStore(await connect(opts));
}
