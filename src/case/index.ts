/**
 * The case store: `openStore(opts)` opens (and migrates) the database it is given and returns a
 * `CaseStore`, which is also the `JournalStore` of plans and the containment journal. It reads no
 * environment: the edge resolves DATABASE_URL and the audit key (src/config/store.ts, storeOptions).
 *
 *   const store = await openStore();                  // SQLite in $ABUSE_DESK_HOME or ~/.abuse-desk
 *   const store = await openStore({ url: "postgres://..." });
 *   const store = await openStore(await storeOptions(process.env, { actor }));   // as the CLI opens it
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
