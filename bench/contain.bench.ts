/**
 * Containment of a 60-instance incident: plan, then apply on the simulated account with injected
 * latency, journalled in the real SQLite case store, against a baseline that makes one call per
 * instance, one at a time.
 *
 * The incident: a worm in one web tier deployed in 3 regions, one Auto Scaling group of 20 per
 * region behind a target group (an Auto Scaling group is regional, so "60 instances in one group
 * across 3 regions" is really 3 groups of 20 — the realistic shape of a multi-region tier).
 *
 * - contained: the plan as abuse-desk writes it (Auto Scaling calls batched: one SetInstanceProtection
 *   and one EnterStandby per group of 20, one CreateTags per region), steps run in parallel with
 *   the default caps (16 at once, 8 per account and region).
 * - baseline: the same containment with one call per instance (`batch: false`: per-instance
 *   protection, standby and tagging) and one step at a time.
 * Both make the same state change and journal every step; the figure is wall time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../src/case/index.ts";
import { SimAccount, type EstateInput } from "../src/cloud/sim/index.ts";
import { apply, type ApplyOptions } from "../src/execute/apply.ts";
import type { Plan } from "../src/execute/types.ts";
import type { Notice } from "../src/notice/types.ts";
import { planContainment } from "../src/playbook/index.ts";
import { parsePolicy } from "../src/policy/policy.ts";
import { resolveNotice } from "../src/resolve/index.ts";
import type { Resolution } from "../src/resolve/types.ts";
import type { Bench, Figure } from "./harness.ts";
import { blankNotice } from "../src/notice/blank.ts";

const ACCOUNT = "111122223333";
const REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2"];
const PER_REGION = 20;
const LATENCY_MS = 10;

/** `PREFIX-0b` + region digit + 14 digits: 17 hex digits, as AWS writes long ids. */
const id17 = (prefix: string, r: number, n: number) => `${prefix}-0b${r}${String(n).padStart(14, "0")}`;
const instanceId = (r: number, i: number) => id17("i", r, i);

function estate(): EstateInput {
  const regions: Record<string, unknown> = {};
  REGIONS.forEach((region, r) => {
    const az = (x: string) => `${region}${x}`;
    const vpc = id17("vpc", r, 1);
    const subnets = [id17("subnet", r, 1), id17("subnet", r, 2)];
    const sg = id17("sg", r, 1);
    const ids = Array.from({ length: PER_REGION }, (_, i) => instanceId(r, i + 1));
    regions[region] = {
      vpcs: [{ vpcId: vpc, cidrBlock: `10.${r}.0.0/16` }],
      subnets: subnets.map((s, k) => ({ subnetId: s, vpcId: vpc, cidrBlock: `10.${r}.${k}.0/24`, availabilityZone: az(k ? "b" : "a") })),
      securityGroups: [{ groupId: sg, groupName: "web", vpcId: vpc, ingress: [{ protocol: "tcp", port: 443, cidrIpv4: "0.0.0.0/0" }] }],
      instances: ids.map((id, i) => ({
        instanceId: id,
        imageId: id17("ami", 0, 1),
        launchTime: "2025-05-20T08:00:00Z",
        instanceInitiatedShutdownBehavior: "terminate",
        blockDevices: [{ deviceName: "/dev/xvda", volumeId: id17("vol", r, i + 1) }],
        networkInterfaces: [{ networkInterfaceId: id17("eni", r, i + 1), subnetId: subnets[i % 2], privateIpAddress: `10.${r}.${i % 2}.${10 + i}`, groupIds: [sg] }],
        tags: { Name: `web-${region}-${i + 1}`, env: "prod" },
      })),
      loadBalancers: [{ name: `web-alb-${r}`, type: "application", subnetIds: subnets, securityGroupIds: [sg] }],
      targetGroups: [{ name: `web-tg-${r}`, protocol: "HTTPS", port: 443, vpcId: vpc, loadBalancers: [`web-alb-${r}`], targets: ids.map((id) => ({ id })) }],
      autoScalingGroups: [{ name: `web-asg-${r}`, minSize: 10, maxSize: 40, desiredCapacity: PER_REGION, subnetIds: subnets, targetGroups: [`web-tg-${r}`], instances: ids.map((id) => ({ instanceId: id })) }],
    };
  });
  return { version: 1, now: "2025-06-01T12:00:00Z", accounts: [{ accountId: ACCOUNT, name: "bench", enabledRegions: REGIONS, regions }] } as unknown as EstateInput;
}

function notice(): Notice {
  const source = { part: "body" as const, excerpt: "" };
  const ids = REGIONS.flatMap((region, r) => Array.from({ length: PER_REGION }, (_, i) => ({ id: instanceId(r, i + 1), region })));
  return blankNotice({
    activityType: "port_scan",
    activityText: "scanning remote hosts",
    caseNumber: "90000000001-1",
    receivedAt: "2025-06-01T11:00:00Z",
    accountIds: [ACCOUNT],
    regions: REGIONS,
    instanceIds: ids.map((x) => x.id),
    protocol: "TCP",
    resources: ids.map((x) => ({ type: "ec2-instance" as const, id: x.id, accountId: ACCOUNT, region: x.region, source })),
  });
}

const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\nblastRadius: { maxInstances: 60 }\n");

function makePlan(resolution: Resolution, id: string, batch: boolean): Plan {
  return planContainment({ planId: id, caseId: null, createdAt: "2025-06-01T12:00:00Z", notice: notice(), verdict: "authentic", resolution, policy: POLICY, options: { batch } });
}

async function timedApply(plan: Plan, opts: Partial<ApplyOptions>): Promise<{ ms: number; calls: number; writes: number; steps: number }> {
  const sim = SimAccount.fromEstate(estate(), { latencyMs: LATENCY_MS });
  const dir = mkdtempSync(join(tmpdir(), "abuse-desk-bench-"));
  const store = await openStore({ url: join(dir, "journal.db") });
  try {
    const t0 = performance.now();
    const r = await apply(plan, { port: sim, journal: store, verdict: "authentic", approve: "person", ...opts });
    const ms = performance.now() - t0;
    if (r.status !== "complete") throw new Error(`bench apply did not complete: ${JSON.stringify(r.steps.find((s) => s.status === "failed"))}`);
    const writes = sim.calls.filter((c) => !/^(describe|find|get|autoScalingGroupsOf|targetGroupsOf)/.test(c.method)).length;
    return { ms, calls: sim.calls.length, writes, steps: plan.steps.length };
  } finally {
    await store.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const bench: Bench = {
  name: "containment: 60 instances, 3 regions (one Auto Scaling group of 20 per region)",
  async run(log) {
    const sim = SimAccount.fromEstate(estate());
    const resolution = await resolveNotice(notice(), sim, { now: new Date("2025-06-01T12:00:00Z") });
    const found = resolution.findings.filter((f) => f.status === "found").length;
    if (found !== 60) throw new Error(`bench estate: resolution found ${found} of 60 instances`);

    const t0 = performance.now();
    let plan = makePlan(resolution, "bench-contained", true);
    for (let i = 0; i < 9; i++) plan = makePlan(resolution, "bench-contained", true);
    const planMs = (performance.now() - t0) / 10;
    const basePlan = makePlan(resolution, "bench-baseline", false);
    log(`plan: ${plan.steps.length} steps batched, ${basePlan.steps.length} one per instance; ${planMs.toFixed(1)} ms to write (pure function, 60 instances)`);
    log(`injected latency: ${LATENCY_MS} ms per simulated AWS call; journal: SQLite case store, every step before and after`);

    const fast = await timedApply(plan, {});
    log(`contained: ${fast.ms.toFixed(0)} ms, ${fast.calls} calls (${fast.writes} writes), caps 16 at once / 8 per region`);
    const slow = await timedApply(basePlan, { concurrency: { total: 1, perScope: 1 } });
    log(`baseline:  ${slow.ms.toFixed(0)} ms, ${slow.calls} calls (${slow.writes} writes), one call per instance, one at a time`);

    const figures: Figure[] = [
      {
        name: "contain 60 instances in 3 regions (plan + apply, journalled)",
        value: planMs + fast.ms,
        unit: "ms",
        baseline: { name: "one call per instance, sequential", value: slow.ms },
        better: "lower",
        target: { text: ">= 5x faster than the baseline", met: slow.ms / (planMs + fast.ms) >= 5 },
      },
      {
        name: "write calls for 60 instances",
        value: fast.writes,
        unit: "calls",
        baseline: { name: "one call per instance", value: slow.writes },
        better: "lower",
      },
    ];
    return figures;
  },
};

export default bench;
