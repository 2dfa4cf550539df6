/**
 * "Detach created policies" (issue 14): the policies an attacker attached or put, contained by
 * `detach-policy` and `remove-inline-policy`. What is proved here, beyond the scripted scenario:
 * - AWS's quarantine policy and abuse-desk's own deny policies are never a step, and a plan file
 *   naming them is refused by the actions' schemas;
 * - a step on one of the customer's own principals is never automatic, whatever a policy names;
 *   on a principal the attacker created it may be;
 * - names and ARNs from CloudTrail are the attacker's text: a malformed one is a warning, and no
 *   request carries it;
 * - the handlers are safe to run twice and undo only what they changed.
 */
import { afterAll, describe, expect, it } from "vitest";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import type { EstateInput } from "../../src/cloud/sim/schema.ts";
import { planSweepFor } from "../../src/credentials/index.ts";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { sweep } from "../../src/credentials/sweep.ts";
import { apply, rollback } from "../../src/execute/index.ts";
import { ACTION_MODULES, needsPerson } from "../../src/plan/actions/index.ts";
import { QUARANTINE_POLICY_NAME, REVOKE_POLICY_NAME } from "../../src/plan/actions/credentials.ts";
import { validatePlan } from "../../src/plan/validate.ts";

const refusal = (plan: unknown): string => {
  try {
    validatePlan(plan);
    return "accepted";
  } catch (err) {
    return (err as { problems?: string[] }).problems?.join("\n") ?? String(err);
  }
};
import { allowsAutomatic, automaticSteps } from "../../src/policy/automatic.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { tempStore } from "../execute/helpers.ts";

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});
const noSleep = { sleep: async () => {} };
const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n");
const AUTO = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\nautomatic:\n  - name: cut off\n    actions: [cut-off-credentials, detach-policy, remove-inline-policy]\n");
const run = (sim: SimAccount) => sweep(sim, { accessKeyIds: [S.exposedKey], start: S.exposedAt, end: S.now });

/** The scenario with more events of the attacker's in us-east-1 (IAM's log region). */
function withEvents(events: Record<string, unknown>[]): EstateInput {
  const e = compromisedKeyEstate();
  const g = e.accounts[0]!.regions!["us-east-1"]!.cloudTrail as Record<string, unknown>[];
  for (const x of events) g.push({ username: S.holder, accessKeyId: S.exposedKey, sourceIpAddress: "203.0.113.66", ...x });
  return e;
}

describe("what is never detached or removed", () => {
  const detach = ACTION_MODULES["detach-policy"].params;
  const remove = ACTION_MODULES["remove-inline-policy"].params;

  it("the schemas refuse AWS's quarantine policy, abuse-desk's deny policies, and names outside IAM's grammar", () => {
    const ok = { owner: { userName: "ci-deploy" }, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess", principal: "yours" };
    expect(detach.safeParse(ok).success).toBe(true);
    expect(detach.safeParse({ ...ok, policyArn: "arn:aws:iam::123456789012:policy/team/escalate" }).success).toBe(true);
    for (const arn of ["arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3", "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine", "arn:aws-us-gov:iam::aws:policy/AWSCompromisedKeyQuarantineV2"])
      expect(detach.safeParse({ ...ok, policyArn: arn }).success, arn).toBe(false);
    for (const arn of ["AdministratorAccess", "arn:aws:iam::aws:policy/", "arn:aws:iam::12345:policy/x", "arn:aws:iam::aws:policy/a b", "arn:aws:iam::aws:policy/x\nAction=DeleteUser", "arn:aws:s3:::bucket"])
      expect(detach.safeParse({ ...ok, policyArn: arn }).success, arn).toBe(false);
    for (const owner of [{ userName: "a b" }, { roleName: "x/../y" }, { groupName: "" }, { groupName: "g".repeat(129) }, { userName: "u", roleName: "r" }])
      expect(detach.safeParse({ ...ok, owner }).success, JSON.stringify(owner)).toBe(false);
    expect(detach.safeParse({ ...ok, principal: "mine" }).success).toBe(false);

    const inl = { owner: { groupName: "developers" }, policyName: "dev-escalate", principal: "created-by-attacker" };
    expect(remove.safeParse(inl).success).toBe(true);
    for (const name of [REVOKE_POLICY_NAME, QUARANTINE_POLICY_NAME, "AWSCompromisedKeyQuarantineV3", "a b", "x;y", ""])
      expect(remove.safeParse({ ...inl, policyName: name }).success, name).toBe(false);
  });

  it("a plan file stepping on AWS's quarantine policy or abuse-desk's revoke policy is refused before anything runs", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate());
    const plan = planSweepFor(await run(sim), { planId: "P-tamper", caseId: null, createdAt: S.now, policy: POLICY });
    const i = plan.steps.findIndex((s) => s.action === "detach-policy");
    const tampered = structuredClone(plan);
    const step = tampered.steps[i]!;
    (step.params as Record<string, unknown>).policyArn = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3";
    expect(refusal(plan)).toBe("accepted");
    expect(refusal(tampered)).toMatch(/quarantine policy/);
    const j = plan.steps.findIndex((s) => s.action === "remove-inline-policy");
    const t2 = structuredClone(plan);
    (t2.steps[j]!.params as Record<string, unknown>).policyName = REVOKE_POLICY_NAME;
    expect(refusal(t2)).toMatch(/abuse-desk's own deny policies/);
  });

  it("the attacker attaching AWS's quarantine policy, or putting a policy under abuse-desk's names: warned, never a step", async () => {
    const sim = SimAccount.fromEstate(
      withEvents([
        { eventName: "AttachUserPolicy", eventTime: "2025-06-01T08:16:00Z", requestParameters: { userName: S.holder, policyArn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3" } },
        { eventName: "PutUserPolicy", eventTime: "2025-06-01T08:17:00Z", requestParameters: { userName: S.ownUser, policyName: REVOKE_POLICY_NAME, policyDocument: S.inlineDocument } },
      ]),
    );
    await sim.putInlinePolicy(S.account, { userName: S.ownUser }, REVOKE_POLICY_NAME, S.inlineDocument);
    const r = await run(sim);
    const plan = planSweepFor(r, { planId: "P-q", caseId: null, createdAt: S.now, policy: POLICY });
    expect(JSON.stringify(plan.steps.filter((s) => s.action === "detach-policy" || s.action === "remove-inline-policy"))).not.toMatch(/AWSCompromisedKeyQuarantine|AWSRevokeOlderSessions/);
    const w = plan.warnings.join("\n");
    expect(w).toMatch(/managed policy arn:aws:iam::aws:policy\/AWSCompromisedKeyQuarantineV3 on user ci-deploy .*abuse-desk never removes those/);
    expect(w).toMatch(/inline policy AWSRevokeOlderSessions on user reporting .*abuse-desk never removes those/);
    // Applied and rolled back, the quarantine policy stays attached.
    const t = await tempStore();
    closers.push(t.close);
    await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep });
    await rollback("P-q", { port: sim, journal: t.store, retry: noSleep });
    expect((await sim.listAttachedPolicies(S.account, { userName: S.holder }))!.map((a) => a.name)).toContain("AWSCompromisedKeyQuarantineV3");
    expect(sim.calls.filter((c) => c.method === "detachManagedPolicy").map((c) => JSON.stringify(c.args))).not.toEqual(expect.arrayContaining([expect.stringMatching(/Quarantine/)]));
  });
});

describe("who approves", () => {
  it("on your own principal a person approves, whatever a policy names; on the attacker's principal a rule may make it automatic", async () => {
    const own = { owner: { roleName: S.role }, policyArn: S.adminPolicy, principal: "yours" };
    const theirs = { ...own, principal: "created-by-attacker" };
    const subjects = [{ accountId: S.account, tags: {} }];
    expect(needsPerson("detach-policy", own)).toBe(true);
    expect(needsPerson("detach-policy", theirs)).toBe(false);
    // Params that do not parse are a person's too.
    expect(needsPerson("detach-policy", { ...own, principal: undefined })).toBe(true);
    expect(allowsAutomatic(AUTO, "credentials-exposed", "detach-policy", subjects, own)).toBe(false);
    expect(allowsAutomatic(AUTO, "credentials-exposed", "detach-policy", subjects, theirs)).toBe(true);

    const sim = SimAccount.fromEstate(compromisedKeyEstate());
    const plan = planSweepFor(await run(sim), { planId: "P-auto", caseId: null, createdAt: S.now, policy: AUTO });
    const auto = automaticSteps(AUTO, plan);
    const policySteps = plan.steps.filter((s) => s.action === "detach-policy" || s.action === "remove-inline-policy");
    expect(policySteps).toHaveLength(6);
    for (const s of policySteps) {
      const mine = (s.params as { principal: string }).principal === "created-by-attacker";
      expect(auto.has(s.id), s.id).toBe(mine);
      expect(s.autoApprovable, s.id).toBe(mine);
    }
    // apply --auto runs the attacker's principals' steps and leaves yours to a person.
    const t = await tempStore();
    closers.push(t.close);
    await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "policy", automatic: auto, retry: noSleep });
    expect((await sim.listAttachedPolicies(S.account, { userName: S.backdoorUser }))!.map((a) => a.arn)).toEqual([]);
    expect((await sim.listAttachedPolicies(S.account, { roleName: S.role }))!.map((a) => a.arn)).toContain(S.adminPolicy);
    expect(await sim.getInlinePolicy(S.account, { userName: S.ownUser }, S.ownUserInline)).toBe(S.inlineDocument);
    expect(await sim.getInlinePolicy(S.account, { roleName: S.createdRole }, S.createdRoleInline)).toBeNull();
  });
});

describe("CloudTrail's names are the attacker's text", () => {
  it("a malformed principal or policy name is a warning; no request carries it", async () => {
    const bad = [
      { eventName: "AttachUserPolicy", eventTime: "2025-06-01T08:18:00Z", requestParameters: { userName: "x y;DeleteUser", policyArn: S.adminPolicy } },
      { eventName: "AttachRolePolicy", eventTime: "2025-06-01T08:19:00Z", requestParameters: { roleName: S.role, policyArn: "arn:aws:iam::aws:policy/x\"}&Action=DeleteRole" } },
      { eventName: "PutGroupPolicy", eventTime: "2025-06-01T08:20:00Z", requestParameters: { groupName: S.group, policyName: "a&Action=DeleteGroup", policyDocument: "{}" } },
      { eventName: "PutUserPolicy", eventTime: "2025-06-01T08:21:00Z", requestParameters: { userName: { nested: true }, policyName: "p" } },
    ];
    const sim = SimAccount.fromEstate(withEvents(bad));
    const r = await run(sim);
    const items = r.inventory.filter((i) => i.kind === "policy" && i.details?.valid === false);
    expect(items).toHaveLength(4);
    for (const i of items) expect(i.state).toMatch(/^not read: .*not a valid IAM name/);
    const sent = JSON.stringify(sim.calls.map((c) => c.args));
    for (const needle of ["x y;DeleteUser", "Action=DeleteRole", "a&Action=DeleteGroup"]) expect(sent).not.toContain(needle);
    const plan = planSweepFor(r, { planId: "P-bad", caseId: null, createdAt: S.now, policy: POLICY });
    expect(JSON.stringify(plan.steps)).not.toMatch(/DeleteUser"|Action=DeleteRole|a&Action/);
    expect(plan.warnings.filter((w) => /not a valid IAM name/.test(w))).toHaveLength(4);
    // The valid ones are still contained.
    expect(plan.steps.filter((s) => s.action === "detach-policy" || s.action === "remove-inline-policy")).toHaveLength(6);
  });

  it("a policy read that fails is said not searched, never 'gone'", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate(), { faults: [{ call: "iam:ListAttachedGroupPolicies", accessDenied: true }] });
    const r = await run(sim);
    const g = r.inventory.find((i) => i.id === `group/${S.group}:${S.groupPolicy}`)!;
    expect(g.state).toBe("not read");
    expect(r.notSearched.map((n) => n.what)).toContain(`the managed policy ${S.groupPolicy} of group ${S.group}`);
    const plan = planSweepFor(r, { planId: "P-nr", caseId: null, createdAt: S.now, policy: POLICY });
    expect(plan.steps.some((s) => s.action === "detach-policy" && s.target.id === S.group)).toBe(false);
  });
});

describe("the handlers", () => {
  it("already detached / already removed: skipped, and rollback changes nothing", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate());
    const plan = planSweepFor(await run(sim), { planId: "P-twice", caseId: null, createdAt: S.now, policy: POLICY });
    // Someone detached and removed them by hand after the plan was written.
    await sim.detachManagedPolicy(S.account, { roleName: S.role }, S.adminPolicy);
    await sim.deleteInlinePolicy(S.account, { groupName: S.group }, S.groupInline);
    const t = await tempStore();
    closers.push(t.close);
    const res = await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep });
    const st = (action: string, id: string) => res.steps.find((s) => s.action === action && s.stepId.includes(`${action}-${id}-`))!;
    expect(st("detach-policy", S.role).status).toBe("skipped");
    expect(st("remove-inline-policy", S.group).status).toBe("skipped");
    const before = sim.calls.length;
    const rb = await rollback("P-twice", { port: sim, journal: t.store, retry: noSleep });
    expect(rb.steps.filter((s) => s.status === "failed")).toEqual([]);
    // Not put back: abuse-desk did not remove them.
    expect((await sim.listAttachedPolicies(S.account, { roleName: S.role }))!.map((a) => a.arn)).not.toContain(S.adminPolicy);
    expect(await sim.getInlinePolicy(S.account, { groupName: S.group }, S.groupInline)).toBeNull();
    expect(sim.calls.slice(before).some((c) => c.method === "attachManagedPolicy" && JSON.stringify(c.args).includes(S.role))).toBe(false);
  });

  it("rollback does not overwrite an inline policy someone put again since: the step fails and says so", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate());
    const plan = planSweepFor(await run(sim), { planId: "P-since", caseId: null, createdAt: S.now, policy: POLICY });
    const t = await tempStore();
    closers.push(t.close);
    await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep });
    const theirs = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }] });
    await sim.putInlinePolicy(S.account, { userName: S.ownUser }, S.ownUserInline, theirs);
    const rb = await rollback("P-since", { port: sim, journal: t.store, retry: noSleep });
    const failed = rb.steps.find((s) => s.action === "remove-inline-policy" && s.status === "failed");
    expect(failed?.error).toMatch(/put again by someone since/);
    expect(await sim.getInlinePolicy(S.account, { userName: S.ownUser }, S.ownUserInline)).toBe(theirs);
  });
});
