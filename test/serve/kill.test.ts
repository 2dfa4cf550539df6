/**
 * Kill tests: `serve --once` in a process of its own, SIGKILLed at each stage of an arrival (kept
 * but not yet acknowledged to the source, parsed, cased, planned, in the middle of applying the
 * plan, applied, notified), then started again. Afterwards: the notice is in exactly one case,
 * with one plan, every automatic step done exactly once (the journal says so), the arrival done,
 * the file out of the folder, the audit chain intact, and a further run has nothing to do.
 */
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { spawnChild } from "../case/processes.ts";
import { newHome, SAMPLE, testService } from "./service-helpers.ts";

const CHILD = "../../serve/child/serve-once.ts";

async function run(arg: Record<string, unknown>) {
  const child = spawnChild(CHILD, arg);
  const exit = await child.exited;
  return { ...exit, lines: child.lines, stderr: child.stderr.join("") };
}

interface Outcome {
  cases: number;
  notices: number;
  plans: number;
  stepsDone: string[];
  doneTwice: string[];
  arrivals: string[];
  intact: boolean;
}

async function outcome(home: string, url?: string): Promise<Outcome> {
  const store = (await openStore({ home, ...(url ? { url } : {}) })) as SqlCaseStore;
  try {
    const cases = (await store.listCases({ all: true })).items;
    const notices = (await Promise.all(cases.map((c) => store.notices(c.id)))).flat();
    const plans = (await Promise.all(cases.map((c) => store.plansForCase(c.id)))).flat();
    const entries = (await Promise.all(plans.map((p) => store.entries(p.id)))).flat();
    const done = entries.filter((e) => e.phase === "done").map((e) => e.stepId!);
    const settled = entries.filter((e) => e.phase === "done" || e.phase === "skipped").map((e) => e.stepId!);
    return {
      cases: cases.length,
      notices: notices.length,
      plans: plans.length,
      stepsDone: [...new Set(settled)].sort(),
      doneTwice: done.filter((s, i) => done.indexOf(s) !== i),
      arrivals: (await store.inbox().list()).map((a) => a.state),
      intact: (await store.auditVerify()).intact,
    };
  } finally {
    await store.destroy();
  }
}

let reference: Outcome;

beforeAll(async () => {
  const home = newHome();
  copyFileSync(SAMPLE, join(home, "inbox", "n1.eml"));
  const r = await run({ home });
  expect(r.code, r.stderr).toBe(0);
  reference = await outcome(home);
  expect(reference.stepsDone.length).toBeGreaterThan(0);
}, 120_000);

describe("serve killed at each stage of an arrival, then started again", () => {
  for (const killAt of ["kept", "parsed", "cased", "planned", "applying", "applied", "notified"]) {
    it(`killed at ${killAt}: nothing lost, nothing doubled`, async () => {
      const home = newHome();
      copyFileSync(SAMPLE, join(home, "inbox", "n1.eml"));
      const killed = await run({ home, killAt });
      expect(killed.signal, killed.stderr).toBe("SIGKILL");
      expect(killed.lines).toContain(`killed ${killAt}`);
      // killed before the source acknowledged: the file is still there to be offered again
      if (killAt === "kept") expect(existsSync(join(home, "inbox", "n1.eml"))).toBe(true);

      // started again (the killed process is gone: its leases lapse at once)
      const restarted = await testService({ home });
      try {
        const again = await restarted.service.once();
        expect(again.outcomes.retry + again.outcomes.failed + again.outcomes.lost).toBe(0);
        const last = await restarted.service.once();
        expect(last).toMatchObject({ drained: { dir: 0 }, outcomes: { done: 0, rejected: 0, retry: 0, failed: 0, lost: 0 }, waiting: 0 });
      } finally {
        await restarted.close();
      }

      const o = await outcome(home);
      expect(o.cases).toBe(1);
      expect(o.notices).toBe(1);
      expect(o.plans).toBe(1);
      expect(o.doneTwice).toEqual([]);
      expect(o.stepsDone).toEqual(reference.stepsDone);
      expect(o.arrivals).toEqual(["done"]);
      expect(o.intact).toBe(true);
      expect(existsSync(join(home, "inbox", "n1.eml"))).toBe(false);
      expect(existsSync(join(home, "inbox", "processed", "n1.eml"))).toBe(true);
    }, 120_000);
  }
});
