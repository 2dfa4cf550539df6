/**
 * Plan locks, on every database the store supports (store.sqlite.test.ts, store.pg.test.ts): one
 * apply or rollback of a plan at a time, a holder that died is taken over (after its lease, or at
 * once when its process on this host is gone), and a holder that was taken over cannot journal on.
 * "Another process" is a second store on the same database (its own connection or pool); the real
 * two-process race is in test/execute/plan-lock.test.ts.
 */
import { spawn } from "node:child_process";
import { hostname, userInfo } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlanLockedError, PlanLockLostError, processInstance, selfIdentity, type CaseStore, type HeldPlanLock, type ProcessIdentity } from "../../src/case/index.ts";
import { makeNotice, makePlan, makeVerdict, raw } from "./fixtures.ts";
import type { StoreHarness } from "./store-suite.ts";

export interface LockHarness extends StoreHarness {
  /** Another store on the same database, as a second process would open it. */
  second(): Promise<CaseStore>;
}

const OLD = "2000-01-01T00:00:00.000Z";
/** A holder on another machine: whether it lives cannot be seen from here, only its heartbeat. */
const elsewhere = (pid = 4242): ProcessIdentity => ({ user: "bob", host: "ops-2.example", pid, instance: null });

/** A process that has run and ended: its identity, as it held the lock while alive. */
async function deadProcess(): Promise<ProcessIdentity> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  await new Promise<void>((resolve, reject) => child.once("spawn", resolve).once("error", reject));
  const identity: ProcessIdentity = { user: userInfo().username, host: hostname(), pid: child.pid!, instance: processInstance(child.pid!) };
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
  return identity;
}

export function lockSuite(name: string, make: () => Promise<LockHarness>): void {
  describe(`plan locks on ${name}`, () => {
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

    const heartbeat = async (planId: string) => (await h.exec(`select heartbeat_at from plan_locks where plan_id = '${planId}'`))[0]?.heartbeat_at as string | undefined;
    const backdate = (planId: string) => h.exec(`update plan_locks set heartbeat_at = '${OLD}' where plan_id = '${planId}'`);

    it("lets exactly one of many concurrent acquisitions win, and tells the others who holds it and since when", async () => {
      const attempts = Array.from({ length: 8 }, (_, i) => (i % 2 ? other : store).acquirePlanLock("P-race", { operation: i % 3 ? "apply" : "rollback", actor: `eng-${i}` }));
      const settled = await Promise.allSettled(attempts);
      const won = settled.filter((s): s is PromiseFulfilledResult<HeldPlanLock> => s.status === "fulfilled");
      expect(won).toHaveLength(1);
      const lock = won[0]!.value;
      expect(lock.holder).toBe(`${userInfo().username}@${hostname()} pid ${process.pid}`);
      expect(lock.tookOver).toBeNull();
      for (const s of settled.filter((x) => x.status === "rejected")) {
        const err = (s as PromiseRejectedResult).reason as PlanLockedError;
        expect(err).toBeInstanceOf(PlanLockedError);
        expect(err.exitCode).toBe(75);
        expect(err.lock).toMatchObject({ planId: "P-race", holder: lock.holder, actor: lock.actor, acquiredAt: lock.acquiredAt });
        expect(err.message).toMatch(new RegExp(`^plan P-race is being (applied|rolled back) by ${lock.holder.replace(/[.]/g, "\\.")} \\(as ${lock.actor}\\) since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+s ago; last heartbeat \\d+s ago\\)$`));
        expect(err.hint).toMatch(/wait for it to finish.*resumes.*lapses 2m after its last heartbeat/);
      }
      // The store agrees: one row, this holder's.
      expect(await h.exec("select plan_id from plan_locks")).toHaveLength(1);
      expect(await other.planLock("P-race")).toMatchObject({ lock: { holder: lock.holder, operation: lock.operation }, takeover: null });
    });

    it("is free again once released, for anyone; locks of other plans are independent", async () => {
      const a = await store.acquirePlanLock("P-1", { operation: "apply", actor: "alice" });
      const b = await other.acquirePlanLock("P-2", { operation: "apply", actor: "bob" });
      await expect(other.acquirePlanLock("P-1", { operation: "rollback", actor: "bob" })).rejects.toBeInstanceOf(PlanLockedError);
      await store.releasePlanLock(a);
      expect(await store.planLock("P-1")).toBeNull();
      const c = await other.acquirePlanLock("P-1", { operation: "rollback", actor: "bob" });
      expect(c).toMatchObject({ operation: "rollback", actor: "bob", tookOver: null });
      // Releasing twice, or a lock that is no longer yours, changes nothing.
      await store.releasePlanLock(a);
      expect(await store.planLock("P-1")).toMatchObject({ lock: { actor: "bob" } });
      await other.releasePlanLock(b);
      await other.releasePlanLock(c);
      expect(await h.exec("select plan_id from plan_locks")).toHaveLength(0);
      const actions = (await store.auditEntries()).map((e) => e.action).filter((a) => a.startsWith("plan.lock"));
      expect(actions).toEqual(["plan.lock.acquired", "plan.lock.acquired", "plan.lock.released", "plan.lock.acquired", "plan.lock.released", "plan.lock.released"]);
      expect((await store.auditVerify()).intact).toBe(true);
    });

    it("takes over a holder on another machine only once its heartbeat is older than its lease, and journals the takeover", async () => {
      const c = await store.intake({ notice: makeNotice(), verdict: makeVerdict(), raw: raw(makeNotice()) });
      const plan = makePlan(c.case.id, "P-lease");
      await store.savePlan(plan);
      const old = await other.acquirePlanLock(plan.id, { operation: "apply", actor: "bob", process: elsewhere(), leaseMs: 60_000 });
      expect(old.holder).toBe("bob@ops-2.example pid 4242");
      // Alive as far as anyone can tell: its pid means nothing here, its heartbeat is fresh.
      await expect(store.acquirePlanLock(plan.id, { operation: "apply", actor: "alice" })).rejects.toThrow(/is being applied by bob@ops-2\.example pid 4242 since/);
      await backdate(plan.id);
      expect((await store.planLock(plan.id))?.takeover).toMatch(/^its last heartbeat was \d+d ago \(lease 1m\)$/);
      const lock = await store.acquirePlanLock(plan.id, { operation: "apply", actor: "alice" });
      expect(lock.tookOver).toMatchObject({ from: { holder: "bob@ops-2.example pid 4242", actor: "bob" }, reason: expect.stringMatching(/last heartbeat/) });
      // The journal, the case's timeline and the audit log say so.
      const entries = await store.entries(plan.id);
      expect(entries).toMatchObject([{ stepId: null, phase: "lock-taken-over", actor: "alice", detail: { from: { holder: "bob@ops-2.example pid 4242" }, reason: lock.tookOver!.reason, holder: lock.holder } }]);
      const ev = (await store.timeline(c.case.id)).at(-1)!;
      expect(ev).toMatchObject({ type: "plan", actor: "alice" });
      expect(ev.summary).toBe(`Plan P-lease lock taken over by ${lock.holder} from bob@ops-2.example pid 4242: ${lock.tookOver!.reason}`);
      expect((await store.auditEntries()).filter((e) => e.action === "plan.lock.taken-over")).toMatchObject([{ caseId: c.case.id, data: { from: { holder: "bob@ops-2.example pid 4242" } } }]);
      expect((await store.auditVerify({ deep: true })).intact).toBe(true);
      // The old holder, should it wake up, has lost it: it cannot renew, journal or release it.
      expect(await other.renewPlanLock(old)).toBe(false);
      const late = other.heldJournal(old).append({ planId: plan.id, stepId: "01-snapshot-vol-0aaa", phase: "started", actor: "bob", before: {} });
      await expect(late).rejects.toBeInstanceOf(PlanLockLostError);
      await expect(late).rejects.toThrow(new RegExp(`lost its lock to ${lock.holder.replace(/[.]/g, "\\.")}`));
      await other.releasePlanLock(old);
      expect(await store.planLock(plan.id)).toMatchObject({ lock: { actor: "alice" } });
      expect(await store.entries(plan.id)).toHaveLength(1);
      // The new holder journals as usual.
      await store.heldJournal(lock).append({ planId: plan.id, stepId: "01-snapshot-vol-0aaa", phase: "started", actor: "alice", before: {} });
      expect((await store.entries(plan.id)).map((e) => e.phase)).toEqual(["lock-taken-over", "started"]);
    });

    it("takes over at once a holder on this host whose process is gone, but not a live one", async () => {
      const dead = await deadProcess();
      await other.acquirePlanLock("P-dead", { operation: "rollback", actor: "bob", process: dead });
      const lock = await store.acquirePlanLock("P-dead", { operation: "apply", actor: "alice" });
      expect(lock.tookOver?.reason).toBe(`its process ${dead.pid} on ${hostname()} is gone`);
      // The plan was never saved (its holder died first): no journal to write to, the audit log has it.
      expect(await store.entries("P-dead")).toEqual([]);
      expect((await store.auditEntries()).filter((e) => e.action === "plan.lock.taken-over")).toMatchObject([{ data: { planId: "P-dead", reason: lock.tookOver!.reason } }]);
      // This process is alive: a lock it holds is not taken over on its pid.
      await expect(other.acquirePlanLock("P-dead", { operation: "apply", actor: "bob" })).rejects.toBeInstanceOf(PlanLockedError);
    });

    it("tells a reused pid from its holder by the process's start time (Linux)", async () => {
      const self = selfIdentity();
      expect(self.instance, "this test runs where /proc tells process start times").not.toBeNull();
      const [boot, ns] = self.instance!.split("/");
      // Same host, boot and pid namespace, this very pid, but another start time: the holder was a
      // process that had this pid before.
      await other.acquirePlanLock("P-reused", { operation: "apply", process: { ...self, instance: `${boot}/${ns}/1` } });
      const lock = await store.acquirePlanLock("P-reused", { operation: "apply" });
      expect(lock.tookOver?.reason).toMatch(/its process \d+ on .* is gone/);
      // Another pid namespace (a container with the same host name): pids there say nothing here.
      await other.acquirePlanLock("P-container", { operation: "apply", process: { ...self, pid: 999_999, instance: `${boot}/pid:[1]/1` } });
      await expect(store.acquirePlanLock("P-container", { operation: "apply" })).rejects.toBeInstanceOf(PlanLockedError);
    });

    it("is kept by renewing: a renewed heartbeat is not stale, and withPlanLock renews by itself and releases however its work ends", async () => {
      const old = await other.acquirePlanLock("P-renew", { operation: "apply", process: elsewhere(), leaseMs: 60_000 });
      await backdate("P-renew");
      expect(await other.renewPlanLock(old)).toBe(true);
      expect(old.heartbeatAt > OLD).toBe(true);
      await expect(store.acquirePlanLock("P-renew", { operation: "apply" })).rejects.toBeInstanceOf(PlanLockedError);
      await other.releasePlanLock(old);

      const result = await store.withPlanLock("P-auto", { operation: "apply", actor: "alice", renewEveryMs: 20 }, async ({ lock }) => {
        await backdate("P-auto");
        // The heartbeat moves on by itself while the work runs.
        for (let i = 0; i < 200 && (await heartbeat("P-auto")) === OLD; i++) await new Promise((r) => setTimeout(r, 10));
        expect(await heartbeat("P-auto")).not.toBe(OLD);
        await expect(other.acquirePlanLock("P-auto", { operation: "rollback" })).rejects.toThrow(/is being applied by .* \(as alice\)/);
        return lock.planId;
      });
      expect(result).toBe("P-auto");
      expect(await store.planLock("P-auto")).toBeNull();
      await expect(store.withPlanLock("P-auto", { operation: "rollback" }, async () => Promise.reject(new Error("the work failed")))).rejects.toThrow("the work failed");
      expect(await store.planLock("P-auto")).toBeNull();
    });

    it("journals through the lock: appends are fenced by the holder's token", async () => {
      const plan = makePlan(null, "P-fence");
      await store.savePlan(plan);
      await store.withPlanLock(plan.id, { operation: "apply", actor: "alice" }, async ({ journal, lock }) => {
        const e = await journal.append({ planId: plan.id, stepId: "01-snapshot-vol-0aaa", phase: "started", actor: "alice", before: { volumeIds: ["vol-0aaa"] } });
        expect(e.phase).toBe("started");
        await expect(journal.append({ planId: "P-other", stepId: null, phase: "override", actor: "alice" })).rejects.toThrow(/cannot take an entry of plan P-other/);
        // Behind its back, the lock goes to someone else (as a takeover would).
        await h.exec(`update plan_locks set token = 'someone-else' where plan_id = '${lock.planId}'`);
        await expect(journal.append({ planId: plan.id, stepId: "01-snapshot-vol-0aaa", phase: "done", actor: "alice" })).rejects.toBeInstanceOf(PlanLockLostError);
      });
      expect((await store.entries(plan.id)).map((e) => e.phase)).toEqual(["started"]);
      // Its release left the other holder's lock alone.
      expect(await h.exec("select token from plan_locks")).toEqual([{ token: "someone-else" }]);
    });

    it("refuses a bad lease", async () => {
      await expect(store.acquirePlanLock("P-x", { operation: "apply", leaseMs: 0 })).rejects.toThrow(/lease must be a whole number/);
    });
  });
}
