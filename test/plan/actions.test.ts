/**
 * The action modules are the one source of what a step does: the handler table, the dry-run
 * calls, the IAM actions and docs/actions.md are derived from them. Here every handler is run
 * (observe, run, then undo) on the simulated account through a port that records what it calls,
 * and each must call only the port methods its module declares; the dry-run calls of every step
 * need only IAM actions the module derives from those methods.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";
import { stepContext } from "../../src/execute/apply.ts";
import type { StepState } from "../../src/execute/journal.ts";
import { ACTION_MODULES, ACTIONS, HANDLERS, iamActionsOf, moduleOf, type ActionName } from "../../src/plan/actions/index.ts";
import type { Plan } from "../../src/plan/types.ts";
import { validatePlan } from "../../src/plan/validate.ts";
import { planContainment } from "../../src/playbook/index.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { actionDocs } from "../../scripts/gen-action-docs.ts";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import { planSweepFor } from "../../src/credentials/index.ts";
import { compromisedKeyEstate, SCENARIO } from "../../src/credentials/scenario.ts";
import { sweep } from "../../src/credentials/sweep.ts";
import { newSim, notice, resolutionOf, resolveAll, resolveBucket, resolveDistribution, resolveInstance, resolveKey, X } from "../execute/helpers.ts";

/** A port that logs the name of every method called on it. */
function recording(port: CloudPort, log: string[]): CloudPort {
  return new Proxy(port, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        log.push(String(key));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const POLICIES = [
  "host: { stop: true }\nnetworkAcl: { use: always }\nexaminers: { cidrs: [203.0.113.16/28] }\nhostTriage: { enabled: true }",
  "host: { autoScaling: detach }\nnetworkAcl: { use: always }\nexaminers: { cidrs: [203.0.113.16/28] }",
];

async function plans(): Promise<{ plan: Plan; sim: ReturnType<typeof newSim> }[]> {
  const out: { plan: Plan; sim: ReturnType<typeof newSim> }[] = [];
  const builds = [
    (sim: ReturnType<typeof newSim>) => resolveAll(sim, [{ scope: X.eu, ids: [X.web1, X.web2, X.legacy] }]),
    async (sim: ReturnType<typeof newSim>) =>
      resolutionOf([await resolveInstance(sim, X.eu, X.site), await resolveBucket(sim, X.acct, X.bucket), await resolveDistribution(sim, X.acct, X.distribution), await resolveKey(sim, X.acct, X.key)]),
    (sim: ReturnType<typeof newSim>) => resolveAll(sim, [{ scope: X.eu, ids: [X.proxy, X.dns, X.mail] }]),
  ];
  for (const build of builds) {
    for (const playbook of ["compromised-host", "content", "credentials", "open-proxy", "reflection", "email-spam"] as const) {
      for (const policy of POLICIES) {
        const sim = newSim();
        const plan = planContainment({
          planId: "P-modules",
          caseId: null,
          createdAt: "2025-06-01T12:00:00Z",
          notice: notice({ remoteIps: X.peers, activityText: "open resolver" }),
          verdict: "authentic",
          resolution: await build(sim),
          policy: parsePolicy(policy),
          options: { playbook },
        });
        if (plan.steps.length) out.push({ plan, sim });
      }
    }
  }
  // The credential response's actions: the sweep of the scripted attacker, console passwords deleted on request.
  const sim = SimAccount.fromEstate(compromisedKeyEstate()) as unknown as ReturnType<typeof newSim>;
  const swept = await sweep(sim, { accessKeyIds: [SCENARIO.exposedKey], start: SCENARIO.exposedAt, end: SCENARIO.now });
  out.push({ plan: planSweepFor(swept, { planId: "P-modules", caseId: null, createdAt: SCENARIO.now, policy: parsePolicy(POLICIES[0]!), deleteConsolePasswords: true }), sim });
  return out;
}

describe("action modules", async () => {
  const all = await plans();

  it("the handler table is the modules' handlers, one per action", () => {
    expect(Object.keys(HANDLERS).sort()).toEqual([...ACTIONS].sort());
    for (const a of ACTIONS) expect(HANDLERS[a]).toBe(ACTION_MODULES[a].handler);
  });

  it("every step's dry-run calls are its module's, and need only the IAM actions the module derives", () => {
    const seen = new Set<string>();
    for (const { plan } of all) {
      for (const s of plan.steps) {
        seen.add(s.action);
        const iam = iamActionsOf(s.action);
        for (const c of s.calls) expect(iam, `${s.action} shows ${c.api}`).toContain(c.api);
        // The plan's params pass the module's own schema.
        expect(moduleOf(s.action).params.safeParse(s.params).success, s.id).toBe(true);
      }
      expect(validatePlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
    }
    expect([...seen].sort(), "every action is exercised").toEqual([...ACTIONS].sort());
  });

  it("each handler calls only the port methods its module declares (observe, run and undo, on the simulated account)", async () => {
    const used = new Map<ActionName, Set<string>>();
    for (const { plan, sim } of all) {
      const states = new Map<string, StepState>();
      const befores = new Map<string, unknown>();
      for (const step of plan.steps) {
        const log: string[] = [];
        // The transit hook journals before isolate-eni's first move; here there is no journal to keep.
        const ctx = { ...stepContext(plan, step, states, { port: recording(sim, log), journal: null as never }), transit: async () => {} };
        const h = HANDLERS[step.action] as { observe(c: unknown): Promise<unknown>; run(c: unknown, n: unknown, b: unknown): Promise<{ after: unknown }> };
        const now = await h.observe(ctx);
        befores.set(step.id, now);
        const r = await h.run(ctx, now, now);
        states.set(step.id, { stepId: step.id, after: r.after } as StepState);
        for (const m of log) (used.get(step.action) ?? used.set(step.action, new Set()).get(step.action)!).add(m);
      }
      for (const step of [...plan.steps].reverse()) {
        const log: string[] = [];
        const ctx = stepContext(plan, step, states, { port: recording(sim, log), journal: null as never });
        const h = HANDLERS[step.action] as { undo(c: unknown, b: unknown, a: unknown): Promise<unknown> };
        await h.undo(ctx, befores.get(step.id), states.get(step.id)?.after);
        for (const m of log) used.get(step.action)!.add(m);
      }
    }
    for (const [action, methods] of used) expect([...methods].filter((m) => !(moduleOf(action).uses as readonly string[]).includes(m)), action).toEqual([]);
  });

  it("docs/actions.md is derived from the modules (regenerate: npx tsx scripts/gen-action-docs.ts)", () => {
    expect(readFileSync(new URL("../../docs/actions.md", import.meta.url), "utf8")).toBe(actionDocs());
  });
});

describe("the containment policy and the action modules", () => {
  const policy = JSON.parse(readFileSync(new URL("../../docs/iam/containment-policy.json", import.meta.url), "utf8")) as { Statement: { Effect: string; Action: string | string[] }[] };
  const of = (effect: string) => policy.Statement.filter((s) => s.Effect === effect).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  const matches = (pattern: string, action: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(action);

  it("allows every write an action's handler needs and denies none of them (derived from the modules)", () => {
    const allowed = of("Allow");
    const denied = of("Deny");
    for (const a of ACTIONS) {
      for (const iam of iamActionsOf(a)) {
        if (/:(Describe|Get|List)/.test(iam)) continue; // reads: the read-only policy's
        expect(allowed.some((p) => matches(p, iam)), `${a} needs ${iam}`).toBe(true);
        expect(denied.some((p) => matches(p, iam)), `${a} needs ${iam}, which is denied`).toBe(false);
      }
    }
  });

  it("no way to take an Auto Scaling group's capacity to zero or delete it: terminate-in-group, set-desired-capacity and every Delete are denied", () => {
    const denied = of("Deny");
    for (const action of ["autoscaling:TerminateInstanceInAutoScalingGroup", "autoscaling:SetDesiredCapacity", "autoscaling:DeleteAutoScalingGroup", "autoscaling:DeleteLifecycleHook", "autoscaling:DeleteScheduledAction"]) {
      expect(denied.some((p) => matches(p, action)), action).toBe(true);
    }
    // And no Auto Scaling call a handler makes sends a desired or maximum capacity.
    for (const a of ACTIONS) {
      const m = moduleOf(a);
      if (!m.uses.some((u) => u.toLowerCase().includes("autoscaling") || ["updateAutoScalingGroup", "enterStandby", "detachInstances"].includes(u))) continue;
      expect(iamActionsOf(a).filter((x) => x === "autoscaling:SetDesiredCapacity" || x === "autoscaling:TerminateInstanceInAutoScalingGroup"), a).toEqual([]);
    }
  });
});
