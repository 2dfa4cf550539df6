/**
 * An apply in its own process on the simulated account as the CLI opens it (`openCloud("sim:PATH")`,
 * its state kept in the data directory `home`), for test/execute/sim-concurrent.test.ts. Says
 * `ready` once the account and its journal (its own SQLite store at `dbPath`) are open, then waits
 * for `go` on stdin, so that two children change the account at the same time. `delayMs` is waited
 * before every call to the account, so the two runs interleave call by call.
 */
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { openStore } from "../../../src/case/index.ts";
import { openCloud } from "../../../src/cloud/open.ts";
import type { CloudPort } from "../../../src/cloud/port.ts";
import { apply } from "../../../src/execute/apply.ts";
import type { Plan } from "../../../src/execute/types.ts";

const args = JSON.parse(process.argv[2]!) as { estate: string; home: string; dbPath: string; planFile: string; delayMs: number };
const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.on("line", (l) => l.trim() === "go" && resolve()));

const sim = await openCloud(`sim:${args.estate}`, { home: args.home });
const port = new Proxy(sim, {
  get(target, prop, recv) {
    const v = Reflect.get(target, prop, recv) as unknown;
    if (typeof v !== "function" || typeof prop !== "string" || prop === "close") return v;
    const fn = (v as (...a: unknown[]) => Promise<unknown>).bind(target);
    return async (...a: unknown[]) => {
      await sleep(args.delayMs);
      return fn(...a);
    };
  },
}) as CloudPort;
const store = await openStore({ url: args.dbPath });
const plan = JSON.parse(readFileSync(args.planFile, "utf8")) as Plan;
process.stdout.write("ready\n");
await go;
const result = await apply(plan, { port, journal: store, verdict: "authentic", approve: "person", actor: `child-${process.pid}`, retry: { sleep: async () => {} } });
sim.close?.();
await store.destroy();
lines.close();
process.stdout.write(JSON.stringify({ status: result.status }) + "\n");
