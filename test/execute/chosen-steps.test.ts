/**
 * Applying chosen steps and rolling back chosen steps (the web desk's "apply these" and "roll this
 * one back"), through the desk on the simulated account.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyPlan, rollbackPlan } from "../../src/desk/index.ts";
import { ApplyRefused } from "../../src/execute/errors.ts";
import { stepStates } from "../../src/execute/journal.ts";
import { drillCase, type DrillCase } from "../web/case-fixture.ts";

describe("chosen steps", () => {
  let d: DrillCase;
  beforeEach(async () => {
    d = await drillCase();
  });
  afterEach(async () => {
    await d.close();
  });

  it("apply runs only the chosen steps; the others wait, named as not chosen", async () => {
    const first = d.plan.steps[0]!;
    expect(first.dependsOn).toEqual([]);
    const r = await applyPlan(d.store, d.plan, { port: d.port, approve: "person", actor: "alice", only: new Set([first.id]) });
    expect(r.status).toBe("incomplete");
    expect(r.steps.find((s) => s.stepId === first.id)!.status).toBe("done");
    const others = r.steps.filter((s) => s.stepId !== first.id);
    expect(others.every((s) => s.status === "not-run")).toBe(true);
    expect(others.some((s) => s.reason === "not chosen: the person applied other steps")).toBe(true);
    const states = stepStates(await d.store.entries(d.plan.id));
    expect([...states.keys()]).toEqual([first.id]);
    // the case is not contained by part of a plan
    expect((await d.store.requireCase(d.caseId)).status).toBe("new");
  });

  it("apply refuses a step the plan does not have, and an empty choice, before anything runs", async () => {
    await expect(applyPlan(d.store, d.plan, { port: d.port, approve: "person", only: new Set(["99-made-up"]) })).rejects.toThrow(ApplyRefused);
    await expect(applyPlan(d.store, d.plan, { port: d.port, approve: "person", only: new Set() })).rejects.toThrow(/no step was chosen/);
    expect(await d.store.entries(d.plan.id)).toEqual([]);
  });

  it("rollback undoes only the chosen step, the rest stays in place and the case stays contained", async () => {
    const applied = await applyPlan(d.store, d.plan, { port: d.port, approve: "person", actor: "alice" });
    expect(applied.status).toBe("complete");
    const leaf = d.plan.steps.find((s) => s.action === "isolate-eni")!;
    expect(d.plan.steps.some((s) => s.dependsOn.includes(leaf.id))).toBe(false);
    const r = await rollbackPlan(d.store, d.plan.id, { port: d.port, actor: "bob", reason: "wrong interface", only: new Set([leaf.id]) });
    expect(r.status).toBe("complete");
    expect(r.steps.find((s) => s.stepId === leaf.id)!.status).toBe("rolled-back");
    expect(r.steps.filter((s) => s.stepId !== leaf.id).every((s) => s.status === "not-chosen")).toBe(true);
    const states = stepStates(await d.store.entries(d.plan.id));
    expect(states.get(leaf.id)?.lastRollback?.phase).toBe("rolled-back");
    const other = d.plan.steps.find((s) => s.action === "isolate-eni" && s.id !== leaf.id)!;
    expect(states.get(other.id)?.lastRollback).toBeUndefined();
    expect((await d.store.requireCase(d.caseId)).status).toBe("contained");

    // the rest later: nothing of the chosen step is undone twice, and then the case is rolled back
    const rest = await rollbackPlan(d.store, d.plan.id, { port: d.port, actor: "bob" });
    expect(rest.status).toBe("complete");
    expect(rest.steps.find((s) => s.stepId === leaf.id)!.status).toBe("already-rolled-back");
    expect((await d.store.requireCase(d.caseId)).status).toBe("rolled-back");
  });

  it("rollback refuses a step another step in place depends on, unless that one is chosen too", async () => {
    await applyPlan(d.store, d.plan, { port: d.port, approve: "person", actor: "alice" });
    const group = d.plan.steps.find((s) => s.action === "create-isolation-group")!;
    const dependants = d.plan.steps.filter((s) => s.dependsOn.includes(group.id));
    expect(dependants.length).toBeGreaterThan(0);
    await expect(rollbackPlan(d.store, d.plan.id, { port: d.port, only: new Set([group.id]) })).rejects.toThrow(/depends on/);
    const n = (await d.store.entries(d.plan.id)).length;
    const r = await rollbackPlan(d.store, d.plan.id, { port: d.port, only: new Set([group.id, ...dependants.map((s) => s.id)]) });
    expect(r.status).toBe("complete");
    expect((await d.store.entries(d.plan.id)).length).toBeGreaterThan(n);
  });
});
