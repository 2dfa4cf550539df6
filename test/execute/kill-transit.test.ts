/**
 * Kill tests, part 4: the all-traffic transit. A run (a real process, SIGKILL) is killed at every
 * API call boundary inside each isolate-eni step: after the read of the interface, before the move
 * to the all-traffic group, after it, and after the move to the isolation group. Whenever the kill
 * leaves an interface in the all-traffic group (open to all), the journal already holds its open
 * transit; and once any later command has run on the plan (apply, or rollback), no interface is in
 * the all-traffic group, and the journal says how the transit was ended.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTransits } from "../../src/execute/transit.ts";
import { withoutKept, X } from "./helpers.ts";
import { Chain, reference, type KillSpec, type Reference } from "./kill-helpers.ts";

let ref: Reference;
let methods: string[];
const chains: Chain[] = [];
beforeAll(async () => {
  ref = await reference("K-transit");
  // The calls of an uninterrupted run, one step at a time: where each isolate-eni step makes its calls.
  const chain = new Chain(ref.plan);
  chains.push(chain);
  const r = await chain.run({ concurrency: 1 });
  methods = (JSON.parse(r.out.trim().split("\n").at(-1)!) as { methods: string[] }).methods;
}, 120_000);
afterAll(() => chains.forEach((c) => c.close()));

const ENIS = [X.web1Eni, X.web1Eni2];

/** Every boundary inside the isolate-eni steps: [label, kill spec] (call numbers are 1-based). */
function boundaries(): [string, KillSpec][] {
  const moves = methods.flatMap((m, i) => (m === "setNetworkInterfaceGroups" ? [i + 1] : []));
  expect(moves).toHaveLength(2 * ENIS.length);
  const out: [string, KillSpec][] = [];
  for (let k = 0; k < ENIS.length; k++) {
    const toAll = moves[2 * k]!;
    const toIso = moves[2 * k + 1]!;
    expect(methods[toAll - 2]).toBe("describeNetworkInterfaces");
    out.push(
      [`eni ${k + 1}: after reading it`, { killAfterCall: toAll - 1 }],
      [`eni ${k + 1}: before the move to all-traffic`, { killBeforeCall: toAll }],
      [`eni ${k + 1}: in the all-traffic group`, { killAfterCall: toAll }],
      [`eni ${k + 1}: after the move to isolation`, { killAfterCall: toIso }],
    );
  }
  return out;
}

function groupsOf(chain: Chain): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of chain.account().state.accounts.values()) for (const r of a.regions.values()) for (const e of r.enis.values()) out.set(e.networkInterfaceId, [...e.groupIds]);
  return out;
}

/** The all-traffic groups the run created (from their steps' results, not from the transit entries under test). */
async function allTrafficGroups(chain: Chain): Promise<Set<string>> {
  const entries = await chain.journal();
  const steps = new Set(ref.plan.steps.filter((s) => s.action === "create-all-traffic-group").map((s) => s.id));
  const out = new Set<string>();
  for (const e of entries) if (e.stepId && steps.has(e.stepId) && (e.phase === "done" || e.phase === "skipped")) out.add((e.after as { groupId: string }).groupId);
  return out;
}

describe("killed at every API call boundary inside an isolate-eni step", () => {
  it("the journal holds the transit whenever an interface is in the all-traffic group, and the next apply or rollback ends it", async () => {
    const points = boundaries();
    let sawOpen = 0;
    for (const [i, [label, spec]] of points.entries()) {
      const chain = new Chain(ref.plan);
      chains.push(chain);
      const killed = await chain.run({ ...spec, concurrency: 1 });
      expect(killed.killed, label).toBe(true);

      // Right after the kill: an interface in the all-traffic group has its transit in the journal, open.
      const all = await allTrafficGroups(chain);
      const open = openTransits(ref.plan, await chain.journal());
      const groups = groupsOf(chain);
      for (const eni of ENIS) {
        const g = groups.get(eni)!;
        if (g.length === 1 && all.has(g[0]!)) {
          sawOpen++;
          expect(open.map((t) => t.networkInterfaceId), `${label}: ${eni} is open to all`).toContain(eni);
        }
      }

      // Any later command on the plan: apply (it resumes) or rollback, alternately.
      const later = i % 2 === 0 ? "apply" : "rollback";
      const done = await chain.run({ mode: later, concurrency: 1 });
      expect(done.killed).toBe(false);
      const after = groupsOf(chain);
      for (const eni of ENIS) expect([...all].some((id) => after.get(eni)!.includes(id)), `${label}, then ${later}: ${eni} in ${after.get(eni)!.join(",")}`).toBe(false);
      const entries = await chain.journal();
      expect(openTransits(ref.plan, entries), label).toEqual([]);
      // An interface that was open to all is said to have been moved out, and how.
      for (const t of open) {
        const resolved = entries.find((e) => e.phase === "transit-resolved" && e.stepId === t.stepId);
        const wasOpen = groups.get(t.networkInterfaceId)!.length === 1 && all.has(groups.get(t.networkInterfaceId)![0]!);
        expect((resolved?.detail as { outcome?: string } | undefined)?.outcome, label).toBe(wasOpen ? (later === "apply" ? "isolated" : "restored") : "not-in-transit");
      }
      if (later === "apply") await chain.expectSameEnd(ref);
      else expect(withoutKept(chain.account().snapshot(), ref.base)).toEqual(withoutKept(ref.base, ref.base));
    }
    // The boundaries after the move to all-traffic did leave an interface open to all (the window is real).
    expect(sawOpen).toBe(ENIS.length);
  }, 600_000);
});
