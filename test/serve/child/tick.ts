/**
 * One instance of the service's scheduler in its own process (test/serve/processes.test.ts): opens
 * the store, prints `ready`, waits for `go` on stdin so that every instance starts at once, runs
 * one round with a signed webhook channel, prints the report as JSON and exits.
 */
import { createInterface } from "node:readline";
import { openStore } from "../../../src/case/index.ts";
import { webhookChannel } from "../../../src/notify/webhook.ts";
import { loadEstateFile, SimAccount } from "../../../src/cloud/sim/index.ts";
import { parsePolicy } from "../../../src/policy/policy.ts";
import { schedulerTick } from "../../../src/serve/scheduler.ts";

// As test/serve/helpers.ts has them (which this process cannot import: it loads vitest).
const POLICY = parsePolicy(`examiners: { cidrs: [203.0.113.16/28] }\nautomatic: [{ actions: [preserve] }]\n`);
const newSim = () => new SimAccount(loadEstateFile(new URL("../../execute/estates/incident.yaml", import.meta.url).pathname).state, { label: "sim:incident" });

const arg = JSON.parse(process.argv[2]!) as { url?: string; home?: string; hook: string; secret: string; now: string; throttle: boolean };
const store = await openStore(arg.url ? { url: arg.url } : { home: arg.home!, url: undefined });
const sim = newSim();
if (arg.throttle) sim.faults.add({ call: "createSnapshots", throttle: "always" });
const channel = webhookChannel({ url: arg.hook, secret: arg.secret, events: "all", timeoutMs: 10_000, name: "siem" });
process.stdout.write("ready\n");
const rl = createInterface({ input: process.stdin });
for await (const line of rl) if (line.trim() === "go") break;
rl.close();
const report = await schedulerTick(
  { store, port: sim, policy: POLICY, notify: { channels: [channel], retry: { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 }, deadlineWarningHours: 4 }, applyRetry: { sleep: () => Promise.resolve() }, actor: `abuse-desk pid ${process.pid}` },
  new Date(arg.now),
);
process.stdout.write(`${JSON.stringify(report)}\n`);
await store.destroy();
