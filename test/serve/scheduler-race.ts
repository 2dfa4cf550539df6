/**
 * Several schedulers on one store (scheduler-race.sqlite.test.ts, scheduler-race.pg.test.ts): four
 * instances, each with its own connection, tick at the same moment over the same cases and the
 * same account. Each job runs on one of them; every notification is delivered once, the failed
 * step is retried once, and the record says so once. A holder that hung is taken over, and when it
 * wakes it stops at its next item instead of going on beside its successor.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CaseStore } from "../../src/case/index.ts";
import type { SimAccount } from "../../src/cloud/sim/index.ts";
import { applyPlan } from "../../src/desk/index.ts";
import type { NotifyEvent } from "../../src/notify/types.ts";
import { JOBS, schedulerTick, type TickReport } from "../../src/serve/scheduler.ts";
import { caseAbout, deps, hours, instance, instanceAt, memoryChannel, newSim, notifyWith, planned, POLICY, X, type Stores } from "./helpers.ts";

export function raceSuite(name: string, make: () => Promise<Stores>): void {
  describe(`schedulers racing on ${name}`, () => {
    let s: Stores;
    let store: CaseStore;
    let sim: SimAccount;
    beforeEach(async () => {
      s = await make();
      store = s.store;
      sim = newSim();
    });
    afterEach(async () => {
      await s.close();
    });

    it("four instances ticking at once: each job runs on one, each notification is sent once, the failed step is retried once", async () => {
      // Cases whose replies are due in 3 hours (so warned now), one with an automatic apply that a throttled API failed.
      const t0 = hours(new Date(), -21);
      const ids: string[] = [];
      for (const id of [X.legacy, X.web3, X.proxy]) ids.push(await caseAbout(store, instance(id, { receivedAt: t0.toISOString() }), t0));
      const plan = await planned(store, sim, ids[0]!);
      sim.faults.add({ call: "createSnapshots", throttle: "always" });
      const first = await applyPlan(store, plan, { port: sim, approve: "policy", policy: POLICY, actor: "abuse-desk service", retry: { sleep: () => Promise.resolve() } });
      const failedStep = first.steps.find((x) => x.status === "failed")!.stepId;

      const channel = memoryChannel("siem");
      const instances = [store, await s.second(), await s.second(), await s.second()];
      const now = hours(new Date(), 1);
      const run = (i: number) => schedulerTick(deps(instances[i]!, { port: sim, policy: POLICY, notify: notifyWith(channel), process: instanceAt(i), force: false }), now);
      const reports: TickReport[] = await Promise.all(instances.map((_, i) => run(i)));

      for (const job of JOBS) {
        const statuses = reports.map((r) => r.jobs.find((j) => j.job === job)!.status);
        expect(statuses.filter((x) => x === "ran"), `${job}: ${statuses.join(", ")}`).toHaveLength(1);
        expect(statuses.filter((x) => x !== "ran").every((x) => x === "busy" || x === "not-due"), `${job}: ${statuses.join(", ")}`).toBe(true);
      }
      // Every notification once.
      const keys = channel.got.map((e: NotifyEvent) => e.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const id of ids) {
        expect(keys).toContain(`case-new:${id}`);
        expect(keys.filter((k) => k.startsWith(`deadline-near:${id}:`))).toHaveLength(1);
      }
      const recorded = [];
      for (const id of ids) recorded.push(...(await store.timeline(id)).filter((e) => e.type === "notification").map((e) => e.data.key));
      expect(recorded.sort()).toEqual([...keys].sort());
      // The failed step: run once by the first apply, once by one retry; one record of that retry.
      expect((await store.entries(plan.id)).filter((e) => e.stepId === failedStep && e.phase === "started")).toHaveLength(2);
      const retries = (await store.timeline(ids[0]!)).filter((e) => e.type === "scheduled" && e.data.job === "step-retries");
      expect(retries).toHaveLength(1);
      expect(retries[0]!.summary).toMatch(/^Retry 1 of 3 of plan .* failed again/);

      // A second round at once: nothing is due for anyone, nothing is sent again.
      const again = await Promise.all(instances.map((_, i) => run(i)));
      expect(again.flatMap((r) => r.jobs.map((j) => j.status)).every((x) => x === "not-due" || x === "busy")).toBe(true);
      expect(channel.got).toHaveLength(keys.length);
      expect((await store.auditVerify({ deep: true })).intact).toBe(true);
    });

    it("takes over from an instance that hung mid-job; woken, the old one stops at its next case", async () => {
      const t0 = hours(new Date(), -21);
      const ids: string[] = [];
      for (const id of [X.legacy, X.web3]) ids.push(await caseAbout(store, instance(id, { receivedAt: t0.toISOString() }), t0));
      const other = await s.second();
      // Instance 1's channel hangs on its first delivery until released.
      let release!: () => void;
      const hung = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const slow = memoryChannel("slack");
      const stuck = { ...slow, deliver: async (e: NotifyEvent) => (entered(), await hung, slow.deliver(e)) };
      const now = hours(new Date(), 1);
      const d1 = deps(store, { notify: notifyWith(stuck), process: instanceAt(1), force: false, jobs: ["notifications"], settings: { leaseMs: 60_000 } });
      const first = schedulerTick(d1, now);
      await inside;
      // It went silent: its heartbeat is older than its lease.
      await (store as unknown as { db: { updateTable: (t: string) => { set: (v: object) => { execute: () => Promise<unknown> } } } }).db
        .updateTable("scheduler_leases")
        .set({ heartbeat_at: "2000-01-01T00:00:00.000Z" })
        .execute();
      const fresh = memoryChannel("slack");
      const second = await schedulerTick(deps(other, { notify: notifyWith(fresh), process: instanceAt(2), force: false, jobs: ["notifications"] }), now);
      expect(second.jobs[0]!.status).toBe("ran");
      const takeover = (await store.auditEntries()).filter((e) => e.action === "scheduler.lease.taken-over");
      expect(takeover).toHaveLength(1);
      expect(takeover[0]!.data).toMatchObject({ job: "notifications", from: "svc@desk-1.example pid 1001", holder: "svc@desk-2.example pid 1002" });
      release();
      const r1 = await first;
      expect(r1.jobs[0]).toMatchObject({ status: "lost", reason: expect.stringMatching(/^the lease of notifications was taken over/) as string });
      // The hung instance delivered only what it was in the middle of; everything else came from its successor.
      expect(slow.got).toHaveLength(1);
      const all = [...slow.got, ...fresh.got].map((e) => e.key);
      for (const id of ids) expect(all).toContain(`case-new:${id}`);
      // Its lease is its successor's: finished by it, free now, next due for everyone.
      const [lease] = await store.jobLeases();
      expect(lease).toMatchObject({ job: "notifications", holder: null });
    });
  });
}
