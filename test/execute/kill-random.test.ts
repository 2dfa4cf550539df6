/**
 * Kill tests, part 3: kills at random points of a parallel run (seeded, so every run of the test
 * kills at the same points), a kill from outside at a moment the parent picks, and a rollback
 * killed half-way: every chain ends where a run without kills ends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withoutKept } from "./helpers.ts";
import { Chain, reference, seeded, type Reference } from "./kill-helpers.ts";

let ref: Reference;
const chains: Chain[] = [];
beforeAll(async () => {
  ref = await reference("K-random");
}, 60_000);
afterAll(() => chains.forEach((c) => c.close()));

const writesIn = (r: Reference) => Object.values(r.writes).reduce((a, b) => a + b, 0);

describe("killed at random points", () => {
  it("parallel runs killed after a random write or journal entry resume to the same end", async () => {
    for (const seed of [7, 1234]) {
      const rnd = seeded(seed);
      const chain = new Chain(ref.plan, { latencyMs: 2 });
      chains.push(chain);
      let left = 2;
      await chain.untilDone(() => {
        if (left-- <= 0) return {};
        return rnd() < 0.5 ? { killAfterWrite: 1 + Math.floor(rnd() * (writesIn(ref) / 2)) } : { killAfterJournal: 1 + Math.floor(rnd() * ref.plan.steps.length) };
      });
      expect(chain.runs.filter((r) => r.signal === "SIGKILL")).toHaveLength(2);
      await chain.expectSameEnd(ref);
    }
  }, 300_000);

  it("a kill from outside, mid-run, resumes to the same end", async () => {
    // 5 ms per call: the run lasts long enough for the kill to land inside it.
    const chain = new Chain(ref.plan, { latencyMs: 5 });
    chains.push(chain);
    const rnd = seeded(99);
    await chain.untilDone((i) => (i === 0 ? { killAfterMs: 20 + Math.floor(rnd() * 60) } : {}));
    expect(chain.runs[0]!.signal).toBe("SIGKILL");
    await chain.expectSameEnd(ref);
  }, 300_000);

  it("a rollback killed half-way resumes and leaves the account as it was", async () => {
    const chain = new Chain(ref.plan);
    chains.push(chain);
    await chain.untilDone(() => ({}));
    const rnd = seeded(42);
    let kills = 0;
    for (let i = 0; i < 10; i++) {
      const r = await chain.run(kills < 2 ? { mode: "rollback", killAfterWrite: 1 + Math.floor(rnd() * 3) } : { mode: "rollback" });
      if (!r.killed) break;
      kills++;
    }
    expect(kills).toBe(2);
    const sim = chain.account();
    expect(withoutKept(sim.snapshot(), ref.base)).toEqual(withoutKept(ref.base, ref.base));
    const entries = await chain.journal();
    for (const step of ref.plan.steps.filter((s) => !s.action.startsWith("capture"))) {
      expect(entries.filter((e) => e.stepId === step.id).at(-1)?.phase, step.id).toBe("rolled-back");
    }
  }, 300_000);
});
