/**
 * An `apply` or `rollback` of the desk (src/desk: what the CLI and the drill run, under the plan's
 * lock) in its own process, for test/execute/plan-lock.test.ts.
 *
 * The account is the simulated one, persisted like the kill tests' (./contain.ts): its state and
 * call log are written to `stateFile` after every write call, atomically. The journal is the real
 * SQLite case store at `dbPath`.
 *
 * Says `ready` once the store is open, then waits for `go` on stdin, so that several children are
 * released together. With `holdAtWrite: n` it says `holding` before its n-th write call and makes
 * that call (and any later one) only once `continue` arrives: a holder of the lock that is
 * certainly still at work, or a moment to kill it at. Refused by the lock, it prints
 * `{"refused": ...}`, writes nothing to the account and exits 75.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { deserialize, serialize } from "node:v8";
import { openStore, PlanLockedError } from "../../../src/case/index.ts";
import type { CloudPort } from "../../../src/cloud/port.ts";
import { SimAccount, type CallRecord, type SimState } from "../../../src/cloud/sim/index.ts";
import { applyPlan, rollbackPlan } from "../../../src/desk/index.ts";
import type { Plan } from "../../../src/execute/types.ts";

interface Args {
  stateFile: string;
  dbPath: string;
  planFile: string;
  mode: "apply" | "rollback";
  holdAtWrite?: number;
}

const args = JSON.parse(process.argv[2]!) as Args;
const READS = /^(describe|find|get|lookup|accounts|regions|autoScalingGroupsOf|targetGroupsOf|ssmManagedInstances|label)/;

const lines = createInterface({ input: process.stdin });
const waiting = new Map<string, () => void>();
const heard = new Set<string>();
lines.on("line", (l) => {
  heard.add(l.trim());
  waiting.get(l.trim())?.();
});
const hear = (word: string) => (heard.has(word) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(word, resolve)));

const saved = deserialize(readFileSync(args.stateFile)) as { state: SimState; calls: CallRecord[] };
const sim = new SimAccount(saved.state);
sim.calls.push(...saved.calls);
const persist = () => {
  const tmp = `${args.stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, serialize({ state: sim.state, calls: sim.calls }));
  renameSync(tmp, args.stateFile);
};

let writes = 0;
let gate: Promise<void> | null = null;
const port = new Proxy(sim, {
  get(target, prop, recv) {
    const v = Reflect.get(target, prop, recv) as unknown;
    if (typeof v !== "function") return v;
    const fn = (v as (...a: unknown[]) => Promise<unknown>).bind(target);
    if (typeof prop !== "string" || READS.test(prop)) return fn;
    return async (...a: unknown[]) => {
      if (++writes === args.holdAtWrite) {
        process.stdout.write("holding\n");
        gate = hear("continue");
      }
      if (gate) await gate;
      const out = await fn(...a);
      persist();
      return out;
    };
  },
}) as CloudPort;

const store = await openStore({ url: args.dbPath });
const plan = JSON.parse(readFileSync(args.planFile, "utf8")) as Plan;
process.stdout.write("ready\n");
await hear("go");
const common = { port, actor: `child-${process.pid}`, retry: { sleep: async () => {} } };
try {
  const result = args.mode === "apply" ? await applyPlan(store, plan, { ...common, approve: "person" }) : await rollbackPlan(store, plan.id, common);
  persist();
  process.stdout.write(JSON.stringify({ status: result.status, writes }) + "\n");
} catch (err) {
  if (!(err instanceof PlanLockedError)) throw err;
  process.stdout.write(JSON.stringify({ refused: err.message, hint: err.hint, exitCode: err.exitCode, writes }) + "\n");
  process.exitCode = err.exitCode;
} finally {
  await store.destroy();
  lines.close();
}
