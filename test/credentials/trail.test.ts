/**
 * Defence evasion in the scripted attacker (issue 14): CloudTrail logging stopped in one region.
 * Found by the sweep with the trail's status read now; contained by a start-logging step
 * (automatic under `cut-off-credentials`: it only makes the account observed again); apply twice is
 * one StartLogging; rollback leaves the trail logging and says so, truthfully, in its result, its
 * printed text and the journal's undo. A deleted trail, a trail logging again and a name that is
 * not CloudTrail's grammar (the attacker's text) are warnings, with no call made for the last.
 */
import { afterAll, describe, expect, it } from "vitest";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import type { EstateInput } from "../../src/cloud/sim/schema.ts";
import { planSweepFor } from "../../src/credentials/index.ts";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { sweep, type SweepResult } from "../../src/credentials/sweep.ts";
import { apply, rollback } from "../../src/execute/index.ts";
import { formatRollbackResult } from "../../src/execute/format.ts";
import { describeUndo } from "../../src/execute/undo-text.ts";
import { iamActionsOf } from "../../src/plan/actions/index.ts";
import { automaticSteps } from "../../src/policy/automatic.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { tempStore } from "../execute/helpers.ts";

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});
const noSleep = { sleep: async () => {} };
const PERSON = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n");
const AUTO = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\nautomatic:\n  - name: cut off\n    actions: [cut-off-credentials]\n");
const TRAIL_ARN = `arn:aws:cloudtrail:${S.loggingStoppedIn}:${S.account}:trail/${S.stoppedTrail}`;
const EU = { accountId: S.account, region: S.loggingStoppedIn };
const plain = { bold: (s: string) => s, dim: (s: string) => s, red: (s: string) => s, green: (s: string) => s, yellow: (s: string) => s, cyan: (s: string) => s };

const run = (sim: SimAccount): Promise<SweepResult> => sweep(sim, { accessKeyIds: [S.exposedKey], start: S.exposedAt, end: S.now });
const trailItems = (r: SweepResult) => r.inventory.filter((i) => i.kind === "trail-stopped");

/** The scripted estate with the eu-west-1 trail and its StopLogging event changed. */
function estate(change: (e: { trails: NonNullable<NonNullable<EstateInput["accounts"][number]["posture"]>["trails"]>; stop: Record<string, unknown> & { requestParameters: Record<string, unknown> } }) => void): EstateInput {
  const e = compromisedKeyEstate();
  const acc = e.accounts[0]!;
  const events = acc.regions![S.loggingStoppedIn]!.cloudTrail! as unknown as (Record<string, unknown> & { requestParameters: Record<string, unknown> })[];
  change({ trails: acc.posture!.trails!, stop: events.find((x) => x.eventName === "StopLogging")! });
  return e;
}

describe("a trail the attacker stopped", () => {
  it("is found with its status now, restarted by an automatic step; apply twice is one StartLogging; rollback leaves it logging and says so", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate());
    const r = await run(sim);
    expect(trailItems(r).map((i) => [i.scope.region, i.id, i.state, i.event?.eventName, i.event?.by])).toEqual([[S.loggingStoppedIn, TRAIL_ARN, "logging stopped", "StopLogging", S.backdoorUser]]);

    const plan = planSweepFor(r, { planId: "P-trail", caseId: null, createdAt: S.now, policy: AUTO });
    const step = plan.steps.find((s) => s.action === "start-logging")!;
    expect(step).toMatchObject({ target: { accountId: S.account, region: S.loggingStoppedIn, type: "cloudtrail-trail", id: TRAIL_ARN }, params: { trail: TRAIL_ARN }, reversible: true, dependsOn: [] });
    expect(step.calls).toEqual([{ api: "cloudtrail:StartLogging", params: { Name: TRAIL_ARN } }]);
    // Automatic under cut-off-credentials; its IAM actions never include stopping a trail.
    expect(automaticSteps(AUTO, plan).has(step.id)).toBe(true);
    expect(iamActionsOf("start-logging")).toEqual(["cloudtrail:GetTrailStatus", "cloudtrail:StartLogging"]);

    const t = await tempStore();
    closers.push(t.close);
    const auto = automaticSteps(AUTO, plan);
    const first = await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "policy", automatic: auto, retry: noSleep });
    expect(first.steps.find((s) => s.stepId === step.id)!.status).toBe("done");
    expect(await sim.getTrailStatus(EU, S.stoppedTrail)).toMatchObject({ isLogging: true });
    expect(trailItems(await run(sim))[0]!.state).toBe("logging again");
    expect(sim.callsOf("startLogging").map((c) => [c.region, c.args])).toEqual([[S.loggingStoppedIn, [TRAIL_ARN]]]);

    // Twice: nothing more is called.
    await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "policy", automatic: auto, retry: noSleep });
    expect(sim.callsOf("startLogging")).toHaveLength(1);

    // The undo, as the person confirming a rollback reads it, and as the rollback does it.
    const undo = describeUndo(step);
    expect(undo).toBe(`leaves the trail ${TRAIL_ARN} logging: abuse-desk never stops a trail (by hand: aws cloudtrail stop-logging --name ${TRAIL_ARN} --region ${S.loggingStoppedIn})`);
    const rb = await rollback("P-trail", { port: sim, journal: t.store, retry: noSleep });
    const undone = rb.steps.find((s) => s.stepId === step.id)!;
    expect(undone.status).toBe("kept");
    expect(undone.detail).toEqual({ left: `${TRAIL_ARN} left logging: abuse-desk never stops a trail; by hand: aws cloudtrail stop-logging --name ${TRAIL_ARN} --region ${S.loggingStoppedIn}` });
    expect(await sim.getTrailStatus(EU, TRAIL_ARN)).toMatchObject({ isLogging: true });
    expect(sim.calls.some((c) => /stopLogging|StopLogging|deleteTrail/.test(c.method))).toBe(false);
    const text = formatRollbackResult(rb, plain);
    expect(text).not.toContain("Rolled back: everything the plan changed is restored.");
    expect(text).toMatch(/^Rolled back, except 1 change\(s\) abuse-desk leaves in place on purpose \(below\); everything else the plan changed is restored\.$/m);
    expect(text).toContain(`Left in place: ${TRAIL_ARN} left logging: abuse-desk never stops a trail`);
    expect(text.split("\n").find((l) => l.includes(step.id))).toMatch(/^\s+kept\s/);
  });

  it("a trail that is logging again is found so, and nothing is planned", async () => {
    const sim = SimAccount.fromEstate(estate(({ trails }) => (trails[0]!.isLogging = true)));
    const r = await run(sim);
    expect(trailItems(r)[0]!.state).toBe("logging again");
    const plan = planSweepFor(r, { planId: "P-on", caseId: null, createdAt: S.now, policy: PERSON });
    expect(plan.steps.some((s) => s.action === "start-logging")).toBe(false);
    expect(plan.warnings.join("\n")).toMatch(new RegExp(`stopped the trail ${TRAIL_ARN.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} .*logs again now: nothing to do`));
  });

  it("a deleted trail is a warning to recreate it by hand; no step (abuse-desk creates no trail)", async () => {
    const sim = SimAccount.fromEstate(
      estate(({ trails, stop }) => {
        trails.length = 0;
        stop.eventName = "DeleteTrail";
      }),
    );
    const r = await run(sim);
    expect(trailItems(r).map((i) => [i.state, i.event?.eventName])).toEqual([["trail deleted", "DeleteTrail"]]);
    const plan = planSweepFor(r, { planId: "P-del", caseId: null, createdAt: S.now, policy: PERSON });
    expect(plan.steps.some((s) => s.action === "start-logging")).toBe(false);
    expect(plan.warnings.join("\n")).toMatch(/deleted the trail .* no longer exists: recreate it by hand/);
  });

  it("the trail deleted between plan and apply: the step fails saying so, nothing is started", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate());
    const plan = planSweepFor(await run(sim), { planId: "P-gone", caseId: null, createdAt: S.now, policy: PERSON });
    const only = plan.steps.filter((s) => s.action === "start-logging");
    const gone = SimAccount.fromEstate(estate(({ trails }) => (trails.length = 0)));
    const t = await tempStore();
    closers.push(t.close);
    const res = await apply({ ...plan, steps: only }, { port: gone, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep });
    expect(res.steps[0]).toMatchObject({ status: "failed", error: expect.stringMatching(/no longer exists \(deleted\): recreate it by hand/) });
    expect(gone.callsOf("startLogging")).toEqual([]);
  });

  it("a trail name that is not CloudTrail's grammar (the attacker's text) is reported and never sent", async () => {
    for (const bad of ["regional;curl evil", `arn:aws:cloudtrail:${S.loggingStoppedIn}:666666666666:trail/theirs`, "a--b", "x".repeat(400)]) {
      const sim = SimAccount.fromEstate(estate(({ stop }) => (stop.requestParameters = { name: bad })));
      const r = await run(sim);
      const [item] = trailItems(r);
      expect(item!.details).toEqual({ valid: false });
      expect(item!.id.length).toBeLessThanOrEqual(300);
      expect(sim.callsOf("getTrailStatus")).toEqual([]);
      const plan = planSweepFor(r, { planId: "P-bad", caseId: null, createdAt: S.now, policy: PERSON });
      expect(plan.steps.some((s) => s.action === "start-logging")).toBe(false);
      expect(plan.warnings.join("\n")).toMatch(/not a trail name or ARN of .*: nothing is planned for it/);
    }
  });

  it("its parameters refuse what is not a trail name or ARN, so a tampered plan is never applied", async () => {
    const { ACTION_MODULES } = await import("../../src/plan/actions/index.ts");
    const m = ACTION_MODULES["start-logging"];
    expect(m.params.safeParse({ trail: TRAIL_ARN }).success).toBe(true);
    for (const bad of [{ trail: "a b" }, { trail: "" }, { trail: TRAIL_ARN, extra: 1 }, {}]) expect(m.params.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});
