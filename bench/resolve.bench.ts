/**
 * Resolution benchmarks (issue 3):
 *
 * (a) A notice whose region is unknown, in an account with the 17 default regions enabled, every
 *     cloud call taking L ms (the simulator's injected latency, real timers). Finding the region
 *     takes one round trip (the default regions are searched while DescribeRegions answers), at
 *     most 2L of wall time; the complete resolution adds one round of enrichment, about 2L in all
 *     (two dependent round trips can't take less than 2L plus the work between them). Baseline,
 *     same process: the same resolution with one call at a time (a loop over regions and calls):
 *     17L or more to find the region.
 * (b) A simulated estate of 10,000 instances over 17 regions: resolving a public IP (region
 *     unknown, no injected latency) takes under 50 ms, because the simulator answers the
 *     `ip-address` / `association.public-ip` filters from indices, as AWS does. Baseline: the same
 *     resolution on the same estate with every query a scan of every record.
 */
import type { Bench, Figure } from "./harness.ts";
import { median } from "./harness.ts";
import { SimAccount, validateEstate } from "../src/cloud/sim/index.ts";
import { largeEstate, sampleEstate, SAMPLE_IDS } from "../src/cloud/sim/generate.ts";
import { resolveNotice } from "../src/resolve/index.ts";
import type { Notice } from "../src/notice/types.ts";
import { blankNotice } from "../src/notice/blank.ts";

const L = 50;

function notice(over: Partial<Notice>): Notice {
  return blankNotice({
    activityType: "port_scan",
    ...over,
  });
}

const bench: Bench = {
  name: "resolve",
  async run(log) {
    const figures: Figure[] = [];

    // ---- (a) region unknown, 17 regions, latency L per call --------------------------------
    const sample = validateEstate(sampleEstate(), "sample");
    const demo = notice({ accountIds: ["111122223333"], instanceIds: [SAMPLE_IDS.instance] });
    const timed = async (opts: { concurrency?: number; totalConcurrency?: number }) => {
      const port = new SimAccount(structuredClone(sample), { latencyMs: L });
      let located = 0;
      const t0 = performance.now();
      const res = await resolveNotice(demo, port, {
        ...opts,
        // The locate phase ends when enrichment starts: the instance's region is known then.
        onProgress: (e) => {
          if (e.phase === "enrich" && !located) located = performance.now() - t0;
        },
      });
      const ms = performance.now() - t0;
      if (res.findings[0]?.status !== "found") throw new Error(`bench (a): the demo instance was not found: ${res.findings[0]?.summary}`);
      return { ms, located, calls: port.calls.length, regions: res.findings[0].searched[0]?.regions.length ?? 0 };
    };
    await timed({}); // warm-up (module and JIT)
    const parallel = await timed({});
    const sequential = await timed({ concurrency: 1, totalConcurrency: 1 });
    log(`(a) ${parallel.regions} regions searched, ${parallel.calls} calls of ${L} ms each`);
    log(`    parallel: located at ${parallel.located.toFixed(0)} ms (${(parallel.located / L).toFixed(2)} L), fully resolved at ${parallel.ms.toFixed(0)} ms (${(parallel.ms / L).toFixed(2)} L: locate, then one round of enrichment)`);
    log(`    one call at a time: located at ${sequential.located.toFixed(0)} ms (${(sequential.located / L).toFixed(1)} L), fully resolved at ${sequential.ms.toFixed(0)} ms (${(sequential.ms / L).toFixed(1)} L)`);
    figures.push({
      name: `find the region of an instance when the notice gives none: ${parallel.regions} regions, ${L} ms per call (wall time)`,
      value: parallel.located,
      unit: "ms",
      baseline: { name: "one call at a time", value: sequential.located },
      better: "lower",
      target: { text: `<= 2L (${2 * L} ms), baseline >= 17L (${17 * L} ms)`, met: parallel.located <= 2 * L && sequential.located >= 17 * L },
    });
    figures.push({
      name: `resolve that notice completely (locate + enrich: ENIs, groups, subnet, VPC, ACL, ASG, target groups, SSM, EIPs), ${L} ms per call (wall time)`,
      value: parallel.ms,
      unit: "ms",
      baseline: { name: "one call at a time", value: sequential.ms },
      better: "lower",
    });

    // ---- (b) 10,000 instances: resolve a public IP ------------------------------------------
    const t0 = performance.now();
    const { estate, needle } = largeEstate({ instances: 10_000 });
    const big = validateEstate(estate, "large estate");
    const instances = [...big.accounts.values()].reduce((n, a) => n + [...a.regions.values()].reduce((m, r) => m + r.instances.size, 0), 0);
    log(`(b) estate: ${instances} instances in ${[...big.accounts.values()][0]!.regions.size} regions, built in ${(performance.now() - t0).toFixed(0)} ms; needle ${needle.ip} (${needle.instanceId}, ${needle.region})`);
    const ipNotice = notice({ accountIds: ["111122223333"], publicIps: [needle.ip] });
    const indexed = new SimAccount(big);
    const scanning = new SimAccount(big, { indexed: false });
    const check = async (port: SimAccount) => {
      const res = await resolveNotice(ipNotice, port);
      const got = res.findings[0]?.resources[0]?.id;
      if (got !== needle.instanceId) throw new Error(`bench (b): ${needle.ip} resolved to ${got}, not ${needle.instanceId}`);
    };
    const fast = await median(() => check(indexed), 9, 2);
    const slow = await median(() => check(scanning), 5, 1);
    figures.push({
      name: `resolve a public IP (region unknown) in a simulated estate of ${instances} instances`,
      value: fast,
      unit: "ms",
      baseline: { name: "same resolution, every query a linear scan", value: slow },
      better: "lower",
      target: { text: "< 50 ms", met: fast < 50 },
    });
    return figures;
  },
};

export default bench;
