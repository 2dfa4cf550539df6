/**
 * Scheduler leases, on every database the store supports (store.sqlite.test.ts, store.pg.test.ts):
 * one run of a job at a time across instances, once per interval between them, a holder that died
 * is taken over (and the audit log says so), and a run that was taken over can neither renew nor
 * finish. "Another instance" is a second store on the same database; the schedulers racing
 * through whole ticks are in test/serve/scheduler-race.ts.
 */
import { spawn } from "node:child_process";
import { hostname, userInfo } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { processInstance, type CaseStore, type JobLeaseOutcome, type ProcessIdentity } from "../../src/case/index.ts";
import type { LockHarness } from "./lock-suite.ts";

const OLD = "2000-01-01T00:00:00.000Z";
const elsewhere = (pid: number): ProcessIdentity => ({ user: "svc", host: `node-${pid}.example`, pid, instance: null });

async function deadProcess(): Promise<ProcessIdentity> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  await new Promise<void>((resolve, reject) => child.once("spawn", resolve).once("error", reject));
  const identity: ProcessIdentity = { user: userInfo().username, host: hostname(), pid: child.pid!, instance: processInstance(child.pid!) };
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
  return identity;
}

const held = (o: JobLeaseOutcome) => ("held" in o ? o.held : null);

export function leaseSuite(name: string, make: () => Promise<LockHarness>): void {
  describe(`scheduler leases on ${name}`, () => {
    let h: LockHarness;
    let store: CaseStore;
    let other: CaseStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
      other = await h.second();
    });
    afterEach(async () => {
      await other.destroy();
      await h.close();
    });

    it("lets exactly one of many concurrent takers run a job; the others are told who runs it", async () => {
      const tries = Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).acquireJobLease("notifications", { process: elsewhere(100 + i) }));
      const outcomes = await Promise.all(tries);
      const winners = outcomes.map(held).filter((x) => x !== null);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!;
      for (const o of outcomes) {
        if ("held" in o) continue;
        // Busy while the winner runs (nobody saw it finish yet).
        expect(o).toMatchObject({ busy: { holder: winner.holder, acquiredAt: winner.acquiredAt } });
      }
      expect(await h.exec("select job from scheduler_leases")).toHaveLength(1);
      expect(await other.jobLeases()).toMatchObject([{ job: "notifications", holder: winner.holder, nextDueAt: winner.acquiredAt }]);
    });

    it("runs a job once per interval between instances: finished, it is not due for anyone until the interval has passed", async () => {
      const a = held(await store.acquireJobLease("transits", { process: elsewhere(1) }))!;
      expect(a).not.toBeNull();
      expect(await store.finishJobLease(a, { intervalMs: 3_600_000, outcome: "2 isolated" })).toBe(true);
      const [state] = await store.jobLeases();
      expect(state).toMatchObject({ job: "transits", holder: null, lastOutcome: "2 isolated" });
      expect(Date.parse(state!.nextDueAt) - Date.parse(state!.lastFinishedAt!)).toBe(3_600_000);
      for (const s of [store, other]) {
        const o = await s.acquireJobLease("transits", { process: elsewhere(2) });
        expect(o).toEqual({ notDue: { nextDueAt: state!.nextDueAt }, now: expect.any(String) as string });
      }
      // Once due (the row says it is), any instance takes it; `force` runs it early, but never beside a live holder.
      await h.exec(`update scheduler_leases set next_due_at = '${OLD}'`);
      const b = held(await other.acquireJobLease("transits", { process: elsewhere(3) }))!;
      expect(b.holder).toBe("svc@node-3.example pid 3");
      expect(await store.acquireJobLease("transits", { process: elsewhere(4), force: true })).toMatchObject({ busy: { holder: b.holder } });
      await other.finishJobLease(b, { intervalMs: 3_600_000, outcome: "nothing to do" });
      expect(held(await store.acquireJobLease("transits", { process: elsewhere(4), force: true }))).not.toBeNull();
      // Jobs are independent.
      expect(held(await store.acquireJobLease("re-resolve", { process: elsewhere(5) }))).not.toBeNull();
    });

    it("takes over a holder that stopped renewing; the audit log says so, and the old run can neither renew nor finish", async () => {
      const a = held(await store.acquireJobLease("step-retries", { process: elsewhere(7), leaseMs: 60_000 }))!;
      expect(await store.renewJobLease(a)).toBe(true);
      // Within its lease it is alive, whatever the other instance wants.
      expect(await other.acquireJobLease("step-retries", { process: elsewhere(8), force: true })).toMatchObject({ busy: { holder: a.holder } });
      await h.exec(`update scheduler_leases set heartbeat_at = '${OLD}'`);
      const b = held(await other.acquireJobLease("step-retries", { process: elsewhere(8) }))!;
      expect(b.tookOver).toMatchObject({ from: a.holder, reason: expect.stringMatching(/^its last heartbeat was \d+d ago \(lease 1m\)$/) as string });
      const audit = (await store.auditEntries()).filter((e) => e.action === "scheduler.lease.taken-over");
      expect(audit).toHaveLength(1);
      expect(audit[0]!.data).toMatchObject({ job: "step-retries", from: a.holder, holder: b.holder, lastHeartbeat: OLD });
      expect((await store.auditVerify()).intact).toBe(true);
      // The fence: the old run learns it lost the job, and its finish changes nothing.
      expect(await store.renewJobLease(a)).toBe(false);
      expect(await store.finishJobLease(a, { intervalMs: 60_000, outcome: "stale" })).toBe(false);
      expect((await store.jobLeases())[0]).toMatchObject({ holder: b.holder, lastOutcome: null });
      expect(await other.finishJobLease(b, { intervalMs: 60_000, outcome: "done", failed: false })).toBe(true);
    });

    it("takes over at once a holder whose process on this host is gone", async () => {
      const dead = await deadProcess();
      const a = held(await store.acquireJobLease("notifications", { process: dead }))!;
      expect(a).not.toBeNull();
      const b = held(await other.acquireJobLease("notifications"))!;
      expect(b.tookOver?.reason).toBe(`its process ${dead.pid} on ${dead.host} is gone`);
    });

    it("puts a failed run on the audit log; refuses job names and leases that are not well formed", async () => {
      const a = held(await store.acquireJobLease("re-resolve"))!;
      await store.finishJobLease(a, { intervalMs: 60_000, outcome: "failed: the database went away", failed: true });
      expect((await store.auditEntries()).filter((e) => e.action === "scheduler.job.failed").map((e) => e.data)).toMatchObject([{ job: "re-resolve", error: "failed: the database went away" }]);
      for (const bad of ["", "Notify", "a b", "x".repeat(65), "../etc", "job;drop table cases"]) {
        await expect(store.acquireJobLease(bad)).rejects.toMatchObject({ exitCode: 64 });
      }
      await expect(store.acquireJobLease("ok-job", { leaseMs: 0 })).rejects.toMatchObject({ exitCode: 64 });
      await expect(store.acquireJobLease("ok-job", { leaseMs: 1.5 })).rejects.toMatchObject({ exitCode: 64 });
      expect((await store.jobLeases()).map((j) => j.job)).toEqual(["re-resolve"]);
    });
  });
}
