/**
 * The credential sweep (issue 14) over 17 regions x 30 days of events, through the real AWS
 * adapter (its per-region LookupEvents pacer) against the fake AWS (aws-sdk-client-mock answering
 * from the scripted attacker's simulated account, pages of 2 events).
 *
 * The quota is simulated at RATE requests per second per region (AWS's is 2; scaled up so the run
 * takes seconds: the ratio does not depend on the rate). The quota's bound is the busiest region's
 * LookupEvents requests at that rate, (n - 1) / RATE: no sweep can be faster. Target: the sweep's
 * wall time within 1.2x of the bound. Baseline, same process: the same sweep with one region after
 * another (LookupEvents calls serialized), which takes the sum over regions.
 */
import { createAwsPort } from "../src/cloud/aws/index.ts";
import type { CloudPort } from "../src/cloud/port.ts";
import { SimAccount } from "../src/cloud/sim/index.ts";
import { compromisedKeyEstate, DEFAULT_REGIONS, SCENARIO as S } from "../src/credentials/scenario.ts";
import { sweep } from "../src/credentials/sweep.ts";
import { installFakeAws } from "../test/cloud/aws/fake-aws.ts";
import { mockAws } from "../test/cloud/aws/helpers.ts";
import type { Bench, Figure } from "./harness.ts";

// AWS's quota is 2/s; 4/s keeps the serial baseline under a minute. Every request also costs the fake
// AWS some CPU (the simulator answers each page), which a real region does not: at a high simulated
// rate that cost, not the quota, would be measured.
const RATE = Number(process.env.SWEEP_BENCH_RATE ?? 4);
const KEY_EVENTS = Number(process.env.SWEEP_BENCH_EVENTS ?? 20);

/** Serializes lookupEvents: one region after another. */
function oneAtATime(port: CloudPort): CloudPort {
  let chain: Promise<unknown> = Promise.resolve();
  return new Proxy(port, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (key !== "lookupEvents" || typeof v !== "function") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      return (...args: unknown[]) => {
        const run = chain.then(() => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        chain = run.catch(() => undefined);
        return run;
      };
    },
  });
}

const bench: Bench = {
  name: "credential sweep",
  async run(log) {
    const aws = mockAws();
    try {
      const measure = async (serial: boolean) => {
        aws.reset();
        const sim = SimAccount.fromEstate(compromisedKeyEstate({ regions: DEFAULT_REGIONS, keyEventsPerRegion: KEY_EVENTS, noisePerRegion: 200 }));
        const fake = installFakeAws(sim, aws);
        const adapter = createAwsPort({ region: "us-east-1", credentials: async () => ({ accessKeyId: "AKIABENCHCALLER00001", secretAccessKey: "x", accountId: S.account }), maxAttempts: 3, lookupEventsPerSecond: RATE });
        const port = serial ? oneAtATime(adapter) : adapter;
        const start = new Date(Date.parse(S.now) - 30 * 86_400_000).toISOString();
        const t0 = performance.now();
        const r = await sweep(port, { accessKeyIds: [S.exposedKey], start, end: S.now });
        const ms = performance.now() - t0;
        adapter.close();
        const perRegion = new Map<string, number>();
        for (const l of fake.log) if (l.op === "cloudtrail.LookupEvents") perRegion.set(l.region, (perRegion.get(l.region) ?? 0) + 1);
        const busiest = Math.max(...perRegion.values());
        const total = [...perRegion.values()].reduce((a, b) => a + b, 0);
        if (r.notSearched.length || r.inventory.filter((i) => i.kind === "instance" && i.gpu).length !== 8 || r.inventory.filter((i) => i.kind === "spot-fleet" || i.kind === "fleet" || i.kind === "lightsail-instance").length !== 4) throw new Error("the benchmark's sweep did not find the scenario completely");
        return { ms, busiest, total, regions: perRegion.size, events: r.events.length };
      };
      const par = await measure(false);
      const seq = await measure(true);
      const bound = ((par.busiest - 1) / RATE) * 1000;
      log(`${par.regions} regions, ${par.total} LookupEvents requests (busiest region ${par.busiest}), ${par.events} events kept; quota ${RATE}/s per region`);
      log(`sweep ${par.ms.toFixed(0)} ms; quota bound ${bound.toFixed(0)} ms; one region after another ${seq.ms.toFixed(0)} ms`);
      const figures: Figure[] = [
        {
          name: `sweep, 17 regions x 30 days, quota ${RATE}/s per region (wall time / the quota's bound)`,
          value: par.ms / bound,
          unit: "x bound",
          better: "lower",
          target: { text: "<= 1.2x the quota's bound", met: par.ms / bound <= 1.2 },
        },
        {
          name: "sweep vs one region after another",
          value: par.ms,
          unit: "ms",
          baseline: { name: "one region after another", value: seq.ms },
          better: "lower",
        },
      ];
      return figures;
    } finally {
      aws.restore();
    }
  },
};

export default bench;
