/**
 * A containment run in its own process, for the kill tests (test/execute/kill.test.ts).
 *
 * The account is the simulated one, made to survive the process: its state (with the sim's id
 * counter, which lives in it) and its call log are written to `stateFile` after every write call, atomically, so a
 * SIGKILL leaves the account as AWS would have it: every call that returned is in it; a call cut
 * short never reached it. The journal is the real SQLite case store at `dbPath`.
 *
 * `killAfterJournal: n` kills this process right after its n-th journal entry is durable;
 * `killAfterDone: n` right after its n-th `done` or `skipped` entry is durable (between two steps);
 * `killAfterWrite: n` right after its n-th write call reached the account (before the journal knows);
 * `killBeforeCall: n` / `killAfterCall: n` right before its n-th call to the account (read or write)
 * is made, or right after it returned: every API call boundary inside a step.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { deserialize, serialize } from "node:v8";
import { openStore } from "../../../src/case/index.ts";
import type { CloudPort } from "../../../src/cloud/port.ts";
import { loadEstateFile, SimAccount, type CallRecord, type SimState } from "../../../src/cloud/sim/index.ts";
import { apply } from "../../../src/execute/apply.ts";
import { rollback } from "../../../src/execute/rollback.ts";
import type { JournalStore, Plan } from "../../../src/execute/types.ts";

interface Args {
  estate: string;
  stateFile: string;
  dbPath: string;
  planFile: string;
  mode: "apply" | "rollback";
  killAfterJournal?: number;
  killAfterDone?: number;
  killAfterWrite?: number;
  killBeforeCall?: number;
  killAfterCall?: number;
  concurrency?: number;
  latencyMs?: number;
}
interface Saved {
  state: SimState;
  calls: CallRecord[];
}

const args = JSON.parse(process.argv[2]!) as Args;
const READS = /^(describe|find|get|lookup|accounts|regions|autoScalingGroupsOf|targetGroupsOf|ssmManagedInstances|label)/;

const saved: Saved | null = existsSync(args.stateFile) ? (deserialize(readFileSync(args.stateFile)) as Saved) : null;
const sim = new SimAccount(saved?.state ?? loadEstateFile(args.estate).state, { latencyMs: args.latencyMs ?? 0 });
if (saved) sim.calls.push(...saved.calls);
const persist = () => {
  const tmp = `${args.stateFile}.tmp`;
  writeFileSync(tmp, serialize({ state: sim.state, calls: sim.calls } satisfies Saved));
  renameSync(tmp, args.stateFile);
};
if (!saved) persist();

const die = () => process.kill(process.pid, "SIGKILL");
let writes = 0;
let calls = 0;
const methods: string[] = [];
const port = new Proxy(sim, {
  get(target, prop, recv) {
    const v = Reflect.get(target, prop, recv) as unknown;
    if (typeof v !== "function") return v;
    const fn = (v as (...a: unknown[]) => Promise<unknown>).bind(target);
    if (typeof prop !== "string") return fn;
    const read = READS.test(prop);
    return async (...a: unknown[]) => {
      const n = ++calls;
      methods.push(prop);
      if (n === args.killBeforeCall) die();
      const out = await fn(...a);
      if (!read) persist();
      if (n === args.killAfterCall) die();
      if (!read && ++writes === args.killAfterWrite) die();
      return out;
    };
  },
}) as CloudPort;

const store = await openStore({ url: args.dbPath });
let appended = 0;
let finished = 0;
const journal: JournalStore = {
  savePlan: (p) => store.savePlan(p),
  getPlan: (id) => store.getPlan(id),
  plansForCase: (id) => store.plansForCase(id),
  entries: (id) => store.entries(id),
  async append(e) {
    const out = await store.append(e);
    if (++appended === args.killAfterJournal) die();
    if ((e.phase === "done" || e.phase === "skipped") && ++finished === args.killAfterDone) die();
    return out;
  },
};

const plan = JSON.parse(readFileSync(args.planFile, "utf8")) as Plan;
// The parent may kill from outside at a moment of its choosing once this line is out.
process.stdout.write("ready\n");
const caps = args.concurrency ? { total: args.concurrency, perScope: args.concurrency } : undefined;
const result =
  args.mode === "apply"
    ? await apply(plan, { port, journal, verdict: "authentic", approve: "person", actor: `child-${process.pid}`, retry: { sleep: async () => {} }, ...(caps ? { concurrency: caps } : {}) })
    : await rollback(plan.id, { port, journal, actor: `child-${process.pid}`, retry: { sleep: async () => {} }, ...(caps ? { concurrency: caps } : {}) });
persist();
await store.destroy();
process.stdout.write(JSON.stringify({ status: result.status, writes, appended, calls, methods }) + "\n");
