/**
 * Kill tests, part 1: a run killed (SIGKILL, a real process) between every pair of steps. Each
 * child completes one step and dies after its `done` is durable; the next resumes. The chain ends
 * where an uninterrupted run ends, with no call made twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chain, reference, type Reference } from "./kill-helpers.ts";

let ref: Reference;
const chains: Chain[] = [];
beforeAll(async () => {
  ref = await reference("K-steps");
}, 60_000);
afterAll(() => chains.forEach((c) => c.close()));

describe("killed between every pair of steps", () => {
  it("resumes after each kill and ends exactly as a run without kills", async () => {
    const chain = new Chain(ref.plan);
    chains.push(chain);
    // One step at a time (concurrency 1), so "between two steps" is one exact point: after a `done`.
    const kills = await chain.untilDone(() => ({ killAfterDone: 1, concurrency: 1 }));
    expect(kills).toBe(ref.plan.steps.length);
    await chain.expectSameEnd(ref);
    const entries = await chain.journal();
    // Every step was started and finished once: each child found the previous one's work done.
    for (const step of ref.plan.steps) expect(entries.filter((e) => e.stepId === step.id).map((e) => e.phase)).toEqual(step.action === "isolate-eni" ? ["started", "transit", "done"] : ["started", "done"]);
  }, 300_000);
});
