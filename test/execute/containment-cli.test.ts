/**
 * What a case's containment looks like from the commands, run in-process against the simulated
 * incident estate (kept between commands in the data directory) and a temporary case store:
 * an interface left in the all-traffic transit is shown by `case show` and ended by every later
 * command on the case (case show --account, plan, intake, apply, rollback, the scheduler's desk
 * function); rollback describes the undo, a second one says there is nothing to roll back, the case
 * follows (contained -> rolled-back) and `case close` warns while containment holds.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { openPersistentSim } from "../../src/cloud/sim/persist.ts";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import { recoverTransits } from "../../src/desk/index.ts";
import type { Plan } from "../../src/execute/types.ts";
import { parseInput } from "../../src/notice/index.ts";
import { runCli as run, tempHome } from "../helpers/cli.ts";
import { INCIDENT, X } from "./helpers.ts";

const NOTICE = new URL("./notices/web-port-scan.txt", import.meta.url).pathname;
const POLICY = new URL("../../fixtures/policies/example.yaml", import.meta.url).pathname;
const ACCOUNT = `sim:${INCIDENT}`;

const data = tempHome("abuse-desk-containment-");

/** A case with a plan applied by the CLI. */
async function appliedCase(): Promise<{ caseId: string; plan: Plan }> {
  const store = await openStore();
  const { items } = await parseInput(readFileSync(NOTICE));
  const { case: c } = await store.intake({ notice: items[0]!.notice, verdict: { verdict: "authentic", reasons: [], auth: null }, raw: items[0]!.raw });
  await store.destroy();
  expect((await run("plan", c.id, "--account", ACCOUNT, "--policy", POLICY, "--plan-id", "P-case", "--json")).code).toBe(0);
  const a = await run("apply", c.id, "--yes", "--account", ACCOUNT);
  expect(a.code, a.err).toBe(0);
  const s = await openStore();
  const plan = (await s.getPlan("P-case"))!;
  await s.destroy();
  return { caseId: c.id, plan };
}

const sim = () => {
  const p = openPersistentSim(INCIDENT, data.dir);
  return new SimAccount(p.state, { onChange: (st) => p.save(st) });
};
const groupsOf = async (eni: string) => (await sim().describeNetworkInterfaces(X.eu, { networkInterfaceIds: [eni] }))[0]!.groupIds;

/**
 * The state a run killed between the two moves leaves: the interface in the all-traffic group, its
 * transit journalled and not ended. Returns the groups involved.
 */
async function leaveInTransit(plan: Plan, eni = X.web1Eni): Promise<{ all: string; iso: string; old: string[] }> {
  const store = await openStore();
  try {
    const entries = await store.entries(plan.id);
    const step = plan.steps.find((s) => s.action === "isolate-eni" && s.target.id === eni)!;
    const groupOf = (action: string) => (entries.find((e) => e.stepId === plan.steps.find((s) => s.action === action)!.id && e.phase === "done")!.after as { groupId: string }).groupId;
    const all = groupOf("create-all-traffic-group");
    const iso = groupOf("create-isolation-group");
    const old = (entries.find((e) => e.stepId === step.id && e.phase === "started")!.before as { groupIds: string[] }).groupIds;
    await store.append({ planId: plan.id, stepId: step.id, phase: "transit", actor: "killed-run", detail: { networkInterfaceId: eni, groupIds: old, allTrafficGroupId: all, isolationGroupId: iso } });
    await sim().setNetworkInterfaceGroups(X.eu, eni, [all]);
    expect(await groupsOf(eni)).toEqual([all]);
    return { all, iso, old };
  } finally {
    await store.destroy();
  }
}

describe("an interface left in the all-traffic transit", () => {
  it("case show shows it; case show --account, plan, intake and the scheduler's desk function end it and say so", async () => {
    const { caseId, plan } = await appliedCase();
    let g = await leaveInTransit(plan);

    const shown = await run("case", "show", caseId);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain("In transit: open to all until moved on");
    expect(shown.out).toMatch(new RegExp(`${X.web1Eni} may be in the all-traffic group ${g.all}`));
    expect(await groupsOf(X.web1Eni)).toEqual([g.all]); // without an account, nothing is touched

    const fixed = await run("case", "show", caseId, "--account", ACCOUNT);
    expect(fixed.code, fixed.err).toBe(0);
    expect(fixed.out).toMatch(new RegExp(`${X.web1Eni} was left in the all-traffic group ${g.all} \\(open to all, since [^)]+\\): moved on to the isolation group ${g.iso}`));
    expect(fixed.out).not.toContain("In transit: open to all");
    expect(await groupsOf(X.web1Eni)).toEqual([g.iso]);
    const timeline = await run("case", "show", caseId, "--json");
    const data = JSON.parse(timeline.out) as { transits: unknown[]; timeline: { summary: string }[] };
    expect(data.transits).toEqual([]);
    expect(data.timeline.map((e) => e.summary).join("\n")).toMatch(/found left in the all-traffic transit: eni-0e0000000000000a1 was left in the all-traffic group/);

    g = await leaveInTransit(plan);
    const planned = await run("plan", caseId, "--account", ACCOUNT, "--policy", POLICY, "--plan-id", "P-next", "--json");
    expect(planned.code, planned.err).toBe(0);
    expect(planned.err).toMatch(/moved on to the isolation group/);
    expect(await groupsOf(X.web1Eni)).toEqual([g.iso]);

    g = await leaveInTransit(plan);
    const again = await run("intake", NOTICE, "--account", ACCOUNT, "--offline");
    expect(again.err + again.out).toMatch(new RegExp(`case ${caseId}: ${X.web1Eni} was left in the all-traffic group .*moved on to the isolation group`));
    expect(await groupsOf(X.web1Eni)).toEqual([g.iso]);

    // The service's scheduler: every case, no case named.
    g = await leaveInTransit(plan, X.web1Eni2);
    const store = await openStore();
    try {
      const out = await recoverTransits(store, { port: sim(), actor: "scheduler" });
      expect(out.map((r) => [r.networkInterfaceId, r.outcome])).toEqual([[X.web1Eni2, "isolated"]]);
      expect(await recoverTransits(store, { port: sim() })).toEqual([]);
    } finally {
      await store.destroy();
    }
    expect(await groupsOf(X.web1Eni2)).toEqual([g.iso]);
  });

  it("rollback puts it back in its old groups first, and says so", async () => {
    const { caseId, plan } = await appliedCase();
    const g = await leaveInTransit(plan);
    const rb = await run("rollback", caseId, "--yes", "--account", ACCOUNT);
    expect(rb.code, rb.err).toBe(0);
    expect(rb.out).toMatch(new RegExp(`${X.web1Eni} was left in the all-traffic group ${g.all} .*: put back in its old groups ${g.old.join(", ")}`));
    expect(await groupsOf(X.web1Eni)).toEqual(g.old);
  });
});

describe("rollback and the case", () => {
  it("describes the undo, moves the case to rolled-back, and a second rollback says there is nothing to roll back", async () => {
    const { caseId, plan } = await appliedCase();
    const iso = plan.steps.find((s) => s.action === "isolate-eni" && s.target.id === X.web1Eni)!;
    const rb = await run("rollback", caseId, "--yes", "--account", ACCOUNT);
    expect(rb.code, rb.err).toBe(0);
    // The undo, not the forward action.
    expect(rb.out).toContain(`${iso.id}: puts ${X.web1Eni} back in its groups from before the plan (${X.sgWeb}`);
    expect(rb.out).not.toContain(iso.changes);
    expect(rb.out).toContain("Rolled back: everything the plan changed is restored.");
    const store = await openStore();
    expect((await store.getCase(caseId))!.status).toBe("rolled-back");
    await store.destroy();

    const second = await run("rollback", caseId, "--yes", "--account", ACCOUNT);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/^Nothing to roll back in plan P-case: it was rolled back by \S+ \(finished [^)]+\)\. Nothing was changed now\.$/m);
    expect(second.out).not.toContain("Rolled back: everything");
    const json = await run("rollback", "P-case", "--yes", "--account", ACCOUNT, "--json");
    expect(JSON.parse(json.out)).toMatchObject({ planId: "P-case", status: "nothing-to-roll-back" });

    // Contained again by a new plan: the case follows.
    expect((await run("plan", caseId, "--account", ACCOUNT, "--policy", POLICY, "--plan-id", "P-again", "--json")).code).toBe(0);
    expect((await run("apply", "P-again", "--yes", "--account", ACCOUNT)).code).toBe(0);
    const after = await openStore();
    expect((await after.getCase(caseId))!.status).toBe("contained");
    await after.destroy();
  });

  it("case close warns while containment is in place and says what, not once it is rolled back", async () => {
    const { caseId, plan } = await appliedCase();
    const closed = await run("case", "close", caseId, "--reason", "done");
    expect(closed.code).toBe(0);
    expect(closed.out).toContain(`${caseId} closed`);
    expect(closed.err).toContain(`warning: ${caseId} is closed, but containment is still in place`);
    const iso = plan.steps.find((s) => s.action === "isolate-eni")!;
    expect(closed.err).toContain(`P-case ${iso.id}: ${iso.changes}`);
    expect(closed.err).not.toMatch(/snapshot-volumes|capture-metadata|create-isolation-group/);
    expect(closed.err).toContain(`abuse-desk rollback ${caseId}`);

    expect((await run("case", "reopen", caseId)).code).toBe(0);
    expect((await run("rollback", caseId, "--yes", "--account", ACCOUNT)).code).toBe(0);
    const quiet = await run("case", "close", caseId);
    expect(quiet.code).toBe(0);
    expect(quiet.err).toBe("");
  });
});
