/**
 * Readiness benchmark (issue 15): every check over the bundled sample estate (3 accounts, 17 + 4 +
 * 3 enabled regions), every simulated call taking 100 ms (real timers). Baseline, same process:
 * the same run with one call at a time. Target: at least 10x faster, within the API limits: never
 * more than 8 calls in flight for one account and region (the adapter's per-region cap) and 64 in
 * all, measured from the simulator's call log.
 */
import type { Bench, Figure } from "./harness.ts";
import { SimAccount, validateEstate } from "../src/cloud/sim/index.ts";
import { sampleEstate } from "../src/cloud/sim/generate.ts";
import { runReadiness } from "../src/readiness/run.ts";

const L = 100;
const PER_KEY = 8;
const TOTAL = 64;

/** The most calls that were in flight at once, per key, from the call log. */
function maxInFlight(calls: { startedAt: number; endedAt: number; accountId?: string; region?: string }[], keyOf: (c: { accountId?: string; region?: string }) => string): number {
  const events = new Map<string, { t: number; d: number }[]>();
  for (const c of calls) {
    const k = keyOf(c);
    const list = events.get(k) ?? [];
    list.push({ t: c.startedAt, d: 1 }, { t: c.endedAt, d: -1 });
    events.set(k, list);
  }
  let max = 0;
  for (const list of events.values()) {
    list.sort((a, b) => a.t - b.t || a.d - b.d);
    let n = 0;
    for (const e of list) max = Math.max(max, (n += e.d));
  }
  return max;
}

const bench: Bench = {
  name: "readiness",
  async run(log) {
    const sample = validateEstate(sampleEstate(), "sample");
    const now = new Date("2026-05-01T09:30:00Z");
    const timed = async (concurrency: number, total: number) => {
      const port = new SimAccount(structuredClone(sample), { latencyMs: L });
      const t0 = performance.now();
      const report = await runReadiness(port, { now, concurrency, totalConcurrency: total, intakeSources: [] });
      return { ms: performance.now() - t0, calls: port.calls, report };
    };
    await timed(PER_KEY, TOTAL); // warm-up
    const parallel = await timed(PER_KEY, TOTAL);
    const sequential = await timed(1, 1);
    const perKey = maxInFlight(parallel.calls, (c) => `${c.accountId ?? "-"}/${c.region ?? "global"}`);
    const all = maxInFlight(parallel.calls, () => "all");
    log(`${parallel.report.accounts.length} accounts, ${parallel.report.accounts.reduce((n, a) => n + a.regions, 0)} account-regions, ${parallel.calls.length} calls of ${L} ms, ${parallel.report.checks.length} checks`);
    log(`parallel: ${parallel.ms.toFixed(0)} ms; one call at a time: ${sequential.ms.toFixed(0)} ms (${sequential.calls.length} calls)`);
    log(`most calls in flight: ${perKey} per account and region (cap ${PER_KEY}), ${all} in all (cap ${TOTAL})`);
    if (JSON.stringify(parallel.report.checks.map((c) => [c.id, c.status, c.failed])) !== JSON.stringify(sequential.report.checks.map((c) => [c.id, c.status, c.failed]))) throw new Error("bench: the parallel and sequential runs disagree");
    const speedup = sequential.ms / parallel.ms;
    const figures: Figure[] = [
      {
        name: `readiness, sample estate, ${L} ms per call`,
        value: parallel.ms,
        unit: "ms",
        baseline: { name: "one call at a time", value: sequential.ms },
        better: "lower",
        target: { text: `>= 10x faster, <= ${PER_KEY} in flight per account/region`, met: speedup >= 10 && perKey <= PER_KEY && all <= TOTAL },
      },
    ];
    return figures;
  },
};
export default bench;
