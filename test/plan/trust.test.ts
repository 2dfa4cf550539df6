/**
 * A plan file is not an authority (issue 9). `apply` takes the verdict from the stored notice of
 * the plan's case, judges what may run alone from the policy in force, adopts a file only when a
 * person applies it as a plan of its case, checks every step against its action's schema, and
 * never adopts a security group the plan did not create.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { createAwsPort } from "../../src/cloud/aws/index.ts";
import type { CloudPort } from "../../src/cloud/port.ts";
import type { SimAccount } from "../../src/cloud/sim/index.ts";
import { applyPlan } from "../../src/desk/index.ts";
import { apply } from "../../src/execute/apply.ts";
import { parseInput } from "../../src/notice/index.ts";
import type { Plan } from "../../src/plan/types.ts";
import { PlanInvalid, validatePlan } from "../../src/plan/validate.ts";
import { planContainment } from "../../src/playbook/index.ts";
import { defaultPolicy, parsePolicy } from "../../src/policy/policy.ts";
import { installFakeAws } from "../cloud/aws/fake-aws.ts";
import { mockAws } from "../cloud/aws/helpers.ts";
import { INCIDENT, newSim, notice, resolveAll, tempStore, X } from "../execute/helpers.ts";
import { runCli as run, tempHome } from "../helpers/cli.ts";

const NOTICE = new URL("../execute/notices/web-port-scan.txt", import.meta.url).pathname;
const POLICY = new URL("../../fixtures/policies/example.yaml", import.meta.url).pathname;
const ACCOUNT = `sim:${INCIDENT}`;
const noSleep = { sleep: async () => {} };

const data = tempHome("abuse-desk-trust-");

/** A case whose notice the store judged `verdict`, and its plan (stored), also written to a file. */
async function caseWithPlan(verdict: "authentic" | "phishing"): Promise<{ caseId: string; plan: Plan; file: string }> {
  const store = await openStore();
  const { items } = await parseInput(readFileSync(NOTICE));
  const { case: c } = await store.intake({ notice: items[0]!.notice, verdict: { verdict, reasons: [], auth: null }, raw: items[0]!.raw });
  await store.destroy();
  const file = join(data.dir, "plan.json");
  const p = await run("plan", c.id, "--account", ACCOUNT, "--policy", POLICY, "--out", file, "--plan-id", "P-real");
  expect(p.code).toBe(0);
  return { caseId: c.id, plan: JSON.parse(readFileSync(file, "utf8")) as Plan, file };
}

/** The plan with a new id (so it is not stored), its group tags following the id, and `edit` applied. */
function forged(plan: Plan, id: string, edit: (p: Plan) => void = () => {}): Plan {
  const p = JSON.parse(JSON.stringify(plan).replaceAll(plan.id, id)) as Plan;
  edit(p);
  return p;
}

async function stored(): Promise<{ plans: string[]; entries: number }> {
  const store = await openStore();
  const cases = (await store.listCases({})).items;
  const plans = (await Promise.all(cases.map((c) => store.plansForCase(c.id)))).flat().map((p) => p.id);
  const entries = (await Promise.all(plans.map((id) => store.entries(id)))).flat().length;
  await store.destroy();
  return { plans, entries };
}

describe("apply FILE trusts only the store", () => {
  it("a forged file claiming an authentic verdict and automatic steps, on a phishing case: --auto refuses it unstored, a person is refused by the stored verdict", async () => {
    const { plan } = await caseWithPlan("phishing");
    const lie = forged(plan, "P-forged", (p) => {
      p.verdict = "authentic";
      for (const s of p.steps) s.autoApprovable = true;
    });
    const file = join(data.dir, "forged.json");
    writeFileSync(file, JSON.stringify(lie));

    const auto = await run("apply", file, "--auto", "--account", ACCOUNT);
    expect(auto.code).toBe(77);
    expect(auto.err).toMatch(/not in the case store; an unattended apply never adopts a plan file/);

    const person = await run("apply", file, "--yes", "--account", ACCOUNT);
    expect(person.code).toBe(77);
    expect(person.err).toMatch(/judged phishing/);
    expect(person.err).toMatch(/says the notice was authentic; the case store says phishing/);
    // Nothing was stored or journalled for the forged plan.
    expect(await stored()).toEqual({ plans: ["P-real"], entries: 0 });
  });

  it("a stored plan's file edited to say authentic is applied under the store's verdict", async () => {
    const { file } = await caseWithPlan("phishing");
    const edited = JSON.parse(readFileSync(file, "utf8")) as Plan;
    writeFileSync(file, JSON.stringify({ ...edited, verdict: "authentic", steps: edited.steps.map((s) => ({ ...s, autoApprovable: true })) }));
    const r = await run("apply", file, "--auto", "--account", ACCOUNT);
    expect(r.code).toBe(77);
    expect(r.err).toMatch(/differs from the stored plan P-real: the stored plan is what is applied/);
    expect(r.err).toMatch(/only for notices verified authentic; this one is phishing/);
    expect((await stored()).entries).toBe(0);
  });

  it("--auto judges what may run alone from the policy in force, never from the plan's flags", async () => {
    const { caseId, plan } = await caseWithPlan("authentic");
    // The stored plan says every step may run alone; the policy given now has no automatic rule.
    const store = await openStore();
    const flagged = { ...plan, id: "P-flagged", steps: plan.steps.map((s) => ({ ...s, autoApprovable: true })) };
    await store.savePlan(JSON.parse(JSON.stringify(flagged).replaceAll("P-real", "P-flagged")) as Plan);
    const port = newSimFor();
    const r = await applyPlan(store, (await store.getPlan("P-flagged"))!, { port, approve: "policy", policy: defaultPolicy(), retry: noSleep });
    expect(r.status).toBe("incomplete");
    expect(r.steps.every((s) => s.status === "not-run")).toBe(true);
    expect(await store.entries("P-flagged")).toEqual([]);
    // And without a policy at all, nothing either.
    const none = await applyPlan(store, (await store.getPlan("P-flagged"))!, { port, approve: "policy", retry: noSleep });
    expect(none.steps.every((s) => s.status === "not-run")).toBe(true);
    expect(caseId).toMatch(/^AD-/);
    await store.destroy();
  });

  it("an unstored file is applied only as a plan of a stored case, shown to a person, and stored before it runs", async () => {
    const { plan } = await caseWithPlan("authentic");
    const copy = forged(plan, "P-copy");
    const file = join(data.dir, "copy.json");
    writeFileSync(file, JSON.stringify(copy));
    const caseless = join(data.dir, "caseless.json");
    writeFileSync(caseless, JSON.stringify({ ...copy, caseId: null }));
    const r0 = await run("apply", caseless, "--yes", "--account", ACCOUNT);
    expect(r0.code).toBe(65);
    expect(r0.err).toMatch(/belongs to no case/);
    const unknownCase = join(data.dir, "unknown-case.json");
    writeFileSync(unknownCase, JSON.stringify({ ...copy, caseId: "AD-2099-0999" }));
    expect((await run("apply", unknownCase, "--yes", "--account", ACCOUNT)).code).toBe(66);

    const r = await run("apply", file, "--yes", "--account", ACCOUNT);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Plan P-copy"); // shown before it ran
    const store = await openStore();
    const kept = (await store.getPlan("P-copy"))!;
    expect(kept.caseId).toBe(plan.caseId);
    expect(kept.steps.every((s) => !s.autoApprovable)).toBe(true);
    await store.destroy();
  });

  for (const [what, edit, message] of [
    ["an unknown action", (p: Plan) => ((p.steps[1] as { action: string }).action = "terminate-instance"), /step 02-\S+: unknown action "terminate-instance"/],
    ["an extra param", (p: Plan) => ((p.steps[1]!.params as Record<string, unknown>).force = true), /step 02-\S+: params of protect-termination: .*force/],
    ["a missing param", (p: Plan) => delete (p.steps[1]!.params as Record<string, unknown>).instanceId, /step 02-\S+: params of protect-termination: instanceId/],
    ["a wrong-typed param", (p: Plan) => ((p.steps[1]!.params as Record<string, unknown>).instanceId = 7), /step 02-\S+: params of protect-termination: instanceId/],
    ["a target that disagrees with the params", (p: Plan) => ((p.steps[1]!.params as Record<string, unknown>).instanceId = "i-0ffffffffffffffff"), /step 02-\S+: target i-0e0000000000000a1 disagrees with its params, which name i-0ffffffffffffffff/],
    ["calls that are not what the step makes", (p: Plan) => (p.steps[1]!.calls = []), /step 02-\S+: its calls are not the calls protect-termination makes/],
    [
      "an ENI moved to a group the plan did not create",
      (p: Plan) => {
        const s = p.steps.find((x) => x.action === "isolate-eni")!;
        (s.params as Record<string, unknown>).isolationGroupId = "sg-0e000000000000001";
      },
      /the isolation group must be the one this plan creates/,
    ],
  ] as const) {
    it(`refuses a plan file with ${what} (exit 65, naming the step), changing nothing`, async () => {
      const { plan } = await caseWithPlan("authentic");
      const file = join(data.dir, "tampered.json");
      writeFileSync(file, JSON.stringify(forged(plan, "P-tampered", edit)));
      const r = await run("apply", file, "--yes", "--account", ACCOUNT);
      expect(r.code).toBe(65);
      expect(r.err).toMatch(message);
      expect(await stored()).toEqual({ plans: ["P-real"], entries: 0 });
    });
  }

  it("apply() itself refuses a plan with tampered params before any call (every caller, not only the CLI)", async () => {
    const sim = newSim();
    const plan = planContainment({ planId: "P-t", caseId: null, createdAt: "2025-06-01T12:00:00Z", notice: notice(), verdict: "authentic", resolution: await resolveAll(sim, [{ scope: X.eu, ids: [X.web1] }]), policy: defaultPolicy() });
    const bad = JSON.parse(JSON.stringify(plan)) as Plan;
    (bad.steps[0]!.params as Record<string, unknown>).instanceId = ["i-0e0000000000000a1", "i-0e0000000000000a2"];
    expect(() => validatePlan(bad)).toThrow(PlanInvalid);
    const t = await tempStore();
    try {
      sim.calls.length = 0;
      await expect(apply(bad, { port: sim, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep })).rejects.toMatchObject({ code: "plan-invalid" });
      expect(sim.calls).toEqual([]);
      expect(await t.store.getPlan("P-t")).toBeNull();
    } finally {
      await t.close();
    }
  });
});

function newSimFor(): CloudPort {
  return newSim();
}

describe("a create-group step never adopts a group it did not create", () => {
  const aws = mockAws();
  afterAll(() => aws.restore());

  const ports: [string, (sim: SimAccount) => CloudPort][] = [
    ["the simulated account", (sim) => sim],
    [
      "the AWS adapter",
      (sim) => {
        aws.reset();
        installFakeAws(sim, aws);
        return createAwsPort({ region: "eu-west-1", credentials: async () => ({ accessKeyId: "AKIAINCIDENTCALLER01", secretAccessKey: "x", accountId: X.acct }), maxAttempts: 1 });
      },
    ],
  ];
  for (const [name, portOf] of ports) {
    it(`${name}: a group of the plan's name without the plan's tags stops the step with a clear error; no ENI moves`, async () => {
      const sim = newSim();
      const plan = planContainment({
        planId: "P-squat",
        caseId: null,
        createdAt: "2025-06-01T12:00:00Z",
        notice: notice(),
        verdict: "authentic",
        resolution: await resolveAll(sim, [{ scope: X.eu, ids: [X.web1] }]),
        policy: parsePolicy("examiners: { cidrs: [203.0.113.16/28] }"),
      });
      const create = plan.steps.find((s) => s.action === "create-isolation-group")!;
      const { vpcId, groupName } = create.params as { vpcId: string; groupName: string };
      // Someone made a group of that name first (open to the world), without the plan's tags.
      const squat = await sim.createSecurityGroup(X.eu, { vpcId, groupName, description: "not ours", tags: { owner: "someone else" } });
      await sim.authorizeRules(X.eu, squat, [{ direction: "ingress", protocol: "-1", cidrIpv4: "0.0.0.0/0" }]);
      const enisBefore = (await sim.describeNetworkInterfaces(X.eu, { networkInterfaceIds: [X.web1Eni] }))[0]!.groupIds;
      const t = await tempStore();
      try {
        const r = await apply(plan, { port: portOf(sim), journal: t.store, verdict: "authentic", approve: "person", retry: { ...noSleep, attempts: 1 } });
        expect(r.status).toBe("failed");
        const failed = r.steps.find((s) => s.stepId === create.id)!;
        expect(failed.status).toBe("failed");
        expect(failed.error).toMatch(new RegExp(`security group ${groupName} already exists in ${vpcId} \\(${squat}\\) and was not created by this plan .*never adopts a group it did not create`));
        expect(r.steps.filter((s) => s.action === "isolate-eni").every((s) => s.status === "not-run")).toBe(true);
        expect((await sim.describeNetworkInterfaces(X.eu, { networkInterfaceIds: [X.web1Eni] }))[0]!.groupIds).toEqual(enisBefore);
        // Its rules were not rewritten either.
        const [g] = await sim.describeSecurityGroups(X.eu, [squat]);
        expect(g!.rules.some((x) => x.cidrIpv4 === "0.0.0.0/0" && x.direction === "ingress")).toBe(true);
      } finally {
        await t.close();
      }
    });
  }
});
