/**
 * Faults at every kind of call and at every single write: throttling, AccessDenied and 5xx. The
 * run stops in a consistent state (no interface left open in the all-traffic group, nothing run
 * that needed the failed step), and a later apply finishes the plan with no call made twice: the
 * account ends exactly as after a run without faults.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudError, type CloudErrorKind } from "../../src/cloud/errors.ts";
import type { CloudPort } from "../../src/cloud/port.ts";
import { diffSnapshots, type SimAccount, type SimSnapshot } from "../../src/cloud/sim/index.ts";
import type { FaultRule } from "../../src/cloud/sim/faults.ts";
import { apply, type ApplyResult } from "../../src/execute/apply.ts";
import type { Plan } from "../../src/execute/types.ts";
import { planContainment } from "../../src/playbook/index.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import type { CaseStore } from "../../src/case/index.ts";
import { newSim, normalized, notice, resolutionOf, resolveAll, resolveBucket, resolveDistribution, resolveInstance, resolveKey, tempStore, X } from "./helpers.ts";

const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\nhostTriage: { enabled: true }\n");
const noSleep = { sleep: async () => {} };

interface Scenario {
  name: string;
  plan: Plan;
  base: SimSnapshot;
  /** Successful calls per method in a run without faults. */
  counts: Record<string, number>;
  state: unknown;
  created: Record<string, number>;
}

const okCounts = (sim: SimAccount) => {
  const out: Record<string, number> = {};
  for (const c of sim.calls) if (c.outcome === "ok" && !/^(describe|find|get|autoScalingGroupsOf|targetGroupsOf|lookupEvents)/.test(c.method)) out[c.method] = (out[c.method] ?? 0) + 1;
  return out;
};

let store: CaseStore;
let close: () => Promise<void>;
let planSeq = 0;
const scenarios: Scenario[] = [];

async function scenario(name: string, build: (sim: SimAccount) => Promise<Plan>): Promise<Scenario> {
  const sim = newSim();
  const plan = await build(sim);
  const base = sim.snapshot();
  sim.calls.length = 0;
  const r = await apply({ ...plan, id: `${plan.id}-ref` }, { port: sim, journal: store, verdict: "authentic", approve: "person", retry: noSleep });
  expect(r.status).toBe("complete");
  const n = normalized(sim, base);
  return { name, plan, base, counts: okCounts(sim), state: n.state, created: n.createdCounts };
}

/** A fresh account, the scenario's plan under a new id, and an apply function over a port. */
async function fresh(s: Scenario) {
  const sim = newSim();
  const plan = { ...s.plan, id: `${s.plan.id}-${++planSeq}` };
  sim.calls.length = 0;
  return { sim, plan, run: (port: CloudPort = sim, attempts = 3) => apply(plan, { port, journal: store, verdict: "authentic", approve: "person", retry: { ...noSleep, attempts } }) };
}

/** What every stopped run must satisfy, whatever failed. */
async function expectConsistent(sim: SimAccount, plan: Plan, r: ApplyResult): Promise<void> {
  expect(r.status).toBe("failed");
  const entries = await store.entries(plan.id);
  for (const step of r.steps) {
    const phases = entries.filter((e) => e.stepId === step.stepId).map((e) => e.phase);
    if (step.status === "not-run") expect(phases, `${step.stepId} did not run`).toEqual([]);
    if (step.status === "done") expect(phases.at(-1)).toBe("done");
    if (step.status === "failed") expect(phases.at(-1)).toBe("failed");
  }
  // No interface is left in the group that allows everything.
  const allTraffic = (await sim.findSecurityGroups(X.eu, { vpcId: X.vpc, groupNames: [`abuse-desk-all-traffic-${plan.id}`] }))[0];
  if (allTraffic) {
    const enis = await sim.describeNetworkInterfaces(X.eu, { instanceIds: [X.web1, X.web2, X.legacy, X.site] });
    for (const e of enis) expect(e.groupIds, e.networkInterfaceId).not.toContain(allTraffic.groupId);
  }
}

/**
 * `extra`: calls the run made on purpose beyond a clean run's: an interface moved back out of the
 * all-traffic group after its second move failed (one call), and moved through it again on resume
 * (one more: the resumed step's first move).
 */
async function expectSameEnd(sim: SimAccount, s: Scenario, plan: Plan, extra: Record<string, number> = {}): Promise<void> {
  const n = normalized(sim, s.base);
  expect(n.createdCounts).toEqual(Object.fromEntries(Object.entries(s.created).map(([k, v]) => [k.replace(`${s.plan.id}-ref`, plan.id), v])));
  const got = JSON.parse(JSON.stringify(n.state).split(plan.id).join("PLAN")) as unknown;
  const want = JSON.parse(JSON.stringify(s.state).split(`${s.plan.id}-ref`).join("PLAN")) as unknown;
  expect(diffSnapshots(got, want)).toEqual([]);
  const counts = { ...s.counts };
  for (const [m, n] of Object.entries(extra)) counts[m] = (counts[m] ?? 0) + n;
  expect(okCounts(sim)).toEqual(counts);
}

const compensations = (r: ApplyResult) => r.steps.filter((x) => x.reason?.startsWith("left the all-traffic group")).length;

beforeAll(async () => {
  const t = await tempStore();
  store = t.store;
  close = t.close;
  const build = (name: string, resolve: (sim: SimAccount) => Promise<Parameters<typeof planContainment>[0]["resolution"]>, n: Parameters<typeof notice>[0]) => async (sim: SimAccount) =>
    planContainment({ planId: name, caseId: null, createdAt: "2025-06-01T12:00:00Z", notice: notice(n), verdict: "authentic", resolution: await resolve(sim), policy: POLICY });
  scenarios.push(await scenario("host", build("F-host", (sim) => resolveAll(sim, [{ scope: X.eu, ids: [X.web1, X.web2, X.legacy] }]), { remoteIps: X.peers })));
  scenarios.push(
    await scenario(
      "content",
      build(
        "F-content",
        async (sim) => resolutionOf([await resolveInstance(sim, X.eu, X.site), await resolveBucket(sim, X.acct, X.bucket), await resolveDistribution(sim, X.acct, X.distribution), await resolveKey(sim, X.acct, X.key)]),
        { activityType: "phishing" },
      ),
    ),
  );
}, 60_000);
afterAll(async () => close());

const MODES: { name: string; rule: (call: string) => FaultRule; kind: CloudErrorKind }[] = [
  { name: "AccessDenied", rule: (call) => ({ call, accessDenied: true }), kind: "access-denied" },
  { name: "5xx on every attempt", rule: (call) => ({ call, serverError: "always" }), kind: "unavailable" },
  { name: "throttling on every attempt", rule: (call) => ({ call, throttle: "always" }), kind: "throttled" },
];

describe("a fault at every kind of call", () => {
  it("stops consistently and resumes to the same end, for each call the plans make and each fault", async () => {
    let checked = 0;
    for (const s of scenarios) {
      const probe = await fresh(s);
      await probe.run();
      const methods = [...new Set(probe.sim.calls.map((c) => c.method))].sort();
      expect(methods.length).toBeGreaterThan(8);
      for (const method of methods) {
        const { sim, plan, run } = await fresh(s);
        let compensated = 0;
        for (const mode of MODES) {
          sim.faults.clear();
          sim.faults.add(mode.rule(method));
          const r = await run();
          sim.faults.clear(); // the checks read the account without faults
          if (r.status === "complete") continue; // an earlier mode's resume already did every call of this method
          compensated += compensations(r);
          await expectConsistent(sim, plan, r);
          const failed = r.steps.filter((x) => x.status === "failed");
          expect(failed.length).toBeGreaterThan(0);
          for (const f of failed) expect(f.error, `${s.name} ${method} ${mode.name}`).toMatch(new RegExp(`^${mode.kind}:`));
          checked++;
        }
        sim.faults.clear();
        // Throttled twice, then fine: absorbed by the retries, nothing to resume.
        sim.faults.add({ call: method, throttle: 2 });
        const r = await run();
        expect(r.status, `${s.name} ${method}`).toBe("complete");
        await expectSameEnd(sim, s, plan, compensated ? { setNetworkInterfaceGroups: 2 * compensated } : {});
      }
    }
    expect(checked).toBeGreaterThan(15);
  }, 120_000);

  it("retries throttling at the step when the port's own retries are not enough", async () => {
    const s = scenarios[0]!;
    const { sim, plan, run } = await fresh(s);
    // 4 throttles per region: the sim's 3 attempts fail once, the step's second attempt succeeds.
    sim.faults.add({ call: "setNetworkInterfaceGroups", throttle: 4 });
    const r = await run();
    expect(r.status).toBe("complete");
    expect(r.steps.filter((x) => x.action === "isolate-eni").map((x) => x.attempts)).toContain(2);
    await expectSameEnd(sim, s, plan);
  });
});

describe("a fault at every single write", () => {
  it("fails the k-th write (rotating AccessDenied, 5xx, throttling), then resumes: same end, no call twice", async () => {
    const kinds: CloudErrorKind[] = ["access-denied", "unavailable", "throttled"];
    for (const s of scenarios) {
      const probe = await fresh(s);
      await probe.run();
      const writes = Object.values(okCounts(probe.sim)).reduce((a, b) => a + b, 0);
      expect(writes).toBeGreaterThan(5);
      for (let k = 1; k <= writes; k++) {
        const { sim, plan, run } = await fresh(s);
        const kind = kinds[k % kinds.length]!;
        let n = 0;
        const port = new Proxy(sim, {
          get(target, prop, recv) {
            const v = Reflect.get(target, prop, recv) as unknown;
            if (typeof prop !== "string" || typeof v !== "function" || /^(describe|find|get|autoScalingGroupsOf|targetGroupsOf|lookupEvents)/.test(prop)) return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
            return async (...args: unknown[]) => {
              if (++n === k) throw new CloudError(kind, `injected ${kind} at write ${k}`, { action: prop });
              return (v as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        }) as CloudPort;
        // One attempt per step: a transient fault stops the run instead of being retried away.
        const r = await run(port, 1);
        await expectConsistent(sim, plan, r);
        expect(r.steps.filter((x) => x.status === "failed").map((x) => x.error)).toEqual([expect.stringContaining(`injected ${kind} at write ${k}`)]);
        const resumed = await run();
        expect(resumed.status, `${s.name} write ${k}`).toBe("complete");
        const c = compensations(r);
        await expectSameEnd(sim, s, plan, c ? { setNetworkInterfaceGroups: 2 * c } : {});
      }
    }
  }, 120_000);
});
