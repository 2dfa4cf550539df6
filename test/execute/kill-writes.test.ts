/**
 * Kill tests, part 2: a run killed right after each write call reached the account and before the
 * journal recorded it: the window where "done twice" happens if resume trusts the journal alone.
 * Resume reads the account first (the interface already moved, the snapshot with the step's tag,
 * the group by its name, the ACL entry by number), so nothing is done twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chain, reference, type Reference } from "./kill-helpers.ts";

let ref: Reference;
const chains: Chain[] = [];
beforeAll(async () => {
  ref = await reference("K-writes");
}, 60_000);
afterAll(() => chains.forEach((c) => c.close()));

describe("killed after every write, before the journal knows", () => {
  it("resumes from the real state and ends exactly as a run without kills", async () => {
    const chain = new Chain(ref.plan);
    chains.push(chain);
    const kills = await chain.untilDone(() => ({ killAfterWrite: 1, concurrency: 1 }));
    const total = Object.values(ref.writes).reduce((a, b) => a + b, 0);
    expect(kills).toBe(total);
    await chain.expectSameEnd(ref);
    const entries = await chain.journal();
    // Steps found already done by a resumed run say so: `skipped` after a `started` with resumed: true.
    const resumed = entries.filter((e) => e.phase === "started" && (e.detail as { resumed?: boolean }).resumed);
    expect(resumed.length).toBeGreaterThan(5);
    expect(entries.filter((e) => e.phase === "skipped").length).toBeGreaterThan(3);
  }, 300_000);
});
