/**
 * Plan locks: one apply or rollback of a plan at a time, across terminals and machines sharing the
 * store. Two engineers pressing apply at once would otherwise both call AWS for the same steps and
 * interleave their journal entries.
 *
 * The lock is a row of `plan_locks` keyed by the plan id, taken inside the store's write
 * transaction (the primary key is what makes a second holder impossible, whatever else happens).
 * The holder renews a heartbeat; a holder that stopped renewing for its lease (it died on another
 * machine, or hangs), or whose process on this host is gone, may be taken over, and the takeover is
 * journalled. Every journal append made under a lock checks, in its transaction, that the lock is
 * still its holder's (a fencing token): a holder that was taken over cannot write another entry,
 * so it cannot start another step.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { sql } from "kysely";
import { UserError } from "../errors.ts";
import type { JournalStore } from "../execute/types.ts";
import type { Dialect } from "./db/migrations.ts";
import type { PlanLocksTable } from "./db/schema.ts";
import { appendTx } from "./journal.ts";
import { num, type Trx } from "./rows.ts";
import type { CaseStore, HeldPlanLock, PlanLock, PlanLockOptions, PlanOperation, ProcessIdentity } from "./types.ts";
import type { Write } from "./writes.ts";

/** A holder that has not renewed for this long is presumed dead. */
export const DEFAULT_LEASE_MS = 120_000;

/** Exit status of a refusal because someone else holds the lock: EX_TEMPFAIL, try again later. */
export const EX_TEMPFAIL = 75;

// ---------------------------------------------------------------- who holds it, and is it alive

/** `<boot id>/<pid namespace>/<start time>` of a Linux process, or null (another OS, or /proc unreadable). */
export function processInstance(pid: number): string | null {
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const ns = readlinkSync(`/proc/${pid}/ns/pid`);
    return `${boot}/${ns}/${startTime(pid)}`;
  } catch {
    return null;
  }
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. Throws when it does not exist. */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const t = fields[22 - 3];
  if (!t) throw new Error(`unreadable /proc/${pid}/stat`);
  return t;
}

function osUser(): string {
  try {
    return userInfo().username || "unknown";
  } catch {
    return "unknown";
  }
}

export function selfIdentity(): ProcessIdentity {
  return { user: osUser(), host: hostname(), pid: process.pid, instance: processInstance(process.pid) };
}

export const holderName = (p: ProcessIdentity) => `${p.user}@${p.host} pid ${p.pid}`;

/**
 * Whether the holder's process still runs, as far as this process can tell: only on the same
 * host, and on Linux only in the same boot and pid namespace (a container with the same host name
 * sees other pids). The start time tells a reused pid from the holder.
 */
export function processState(holder: { host: string; pid: number; instance: string | null }, self: ProcessIdentity = selfIdentity()): "alive" | "gone" | "unknown" {
  if (holder.host !== self.host) return "unknown";
  if (holder.instance !== null && self.instance !== null) {
    const [boot, ns, start] = holder.instance.split("/");
    const [myBoot, myNs] = self.instance.split("/");
    if (boot !== myBoot || ns !== myNs) return "unknown";
    try {
      return startTime(holder.pid) === start ? "alive" : "gone";
    } catch {
      return "gone";
    }
  }
  if (holder.instance !== null || self.instance !== null) return "unknown";
  try {
    process.kill(holder.pid, 0);
    return "alive";
  } catch (err) {
    // EPERM: it exists, it is someone else's.
    return (err as NodeJS.ErrnoException).code === "ESRCH" ? "gone" : "alive";
  }
}

/** Why the lock may be taken over now, or null while its holder may still be at work. */
export function takeoverReason(row: Pick<PlanLocksTable, "host" | "pid" | "instance" | "lease_ms" | "heartbeat_at">, now: string, self: ProcessIdentity): string | null {
  const silent = Date.parse(now) - Date.parse(row.heartbeat_at);
  if (silent > num(row.lease_ms)) return `its last heartbeat was ${duration(silent)} ago (lease ${duration(num(row.lease_ms))})`;
  if (processState({ host: row.host, pid: num(row.pid), instance: row.instance }, self) === "gone") return `its process ${num(row.pid)} on ${row.host} is gone`;
  return null;
}

// ---------------------------------------------------------------- errors

const VERB: Record<PlanOperation, string> = { apply: "applied", rollback: "rolled back" };

/** The plan is being applied or rolled back by someone else. */
export class PlanLockedError extends UserError {
  constructor(
    readonly lock: PlanLock,
    now: string,
  ) {
    const since = Date.parse(now) - Date.parse(lock.acquiredAt);
    const beat = Date.parse(now) - Date.parse(lock.heartbeatAt);
    const lapses = new Date(Date.parse(lock.heartbeatAt) + lock.leaseMs);
    super(
      `plan ${lock.planId} is being ${VERB[lock.operation]} by ${lock.holder}${lock.actor !== lock.holder.split("@")[0] ? ` (as ${lock.actor})` : ""} ` +
        `since ${utc(lock.acquiredAt)} (${duration(since)} ago; last heartbeat ${duration(beat)} ago)`,
      {
        exitCode: EX_TEMPFAIL,
        hint:
          `wait for it to finish, then run the command again: it resumes where that run stopped. ` +
          `If that process died, its lock lapses ${duration(lock.leaseMs)} after its last heartbeat (at ${utc(lapses.toISOString())}), at once if it ran on this host`,
      },
    );
  }
}

/** This run's lock was taken over (it stopped renewing for its lease): it must not write on. */
export class PlanLockLostError extends UserError {
  constructor(lock: HeldPlanLock, now: PlanLock | null) {
    super(
      `plan ${lock.planId}: this ${lock.operation} lost its lock${now ? ` to ${now.holder} (since ${utc(now.acquiredAt)})` : ""} after its heartbeat stopped; it stopped here, and nothing more was journalled`,
      { exitCode: EX_TEMPFAIL, hint: `the new holder resumes the plan from the real state; check it with abuse-desk case show, or run the command again once it is done` },
    );
  }
}

const utc = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC");

/** `45s`, `2m 5s`, `1h 3m`, `3d`: how long, for a person. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ""}`;
  if (s < 2 * 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ""}`;
  return `${Math.floor(s / 86400)}d`;
}

// ---------------------------------------------------------------- in the write transaction

/**
 * The time lease decisions use. On PostgreSQL the server's clock (holders on several machines
 * compare heartbeats on one clock, whatever their own say; clock_timestamp, not now(): the
 * transaction may have waited for the write lock). On SQLite every holder shares this machine's.
 */
export async function dbNow(trx: Trx, dialect: Dialect): Promise<string> {
  if (dialect === "sqlite") return new Date().toISOString();
  const r = await sql<{ now: string }>`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as now`.execute(trx);
  return r.rows[0]!.now;
}

export function rowToLock(r: PlanLocksTable): PlanLock {
  return {
    planId: r.plan_id,
    operation: r.operation as PlanOperation,
    holder: r.holder,
    actor: r.actor,
    host: r.host,
    pid: num(r.pid),
    leaseMs: num(r.lease_ms),
    acquiredAt: r.acquired_at,
    heartbeatAt: r.heartbeat_at,
  };
}

const auditView = (l: PlanLock) => ({ planId: l.planId, operation: l.operation, holder: l.holder, actor: l.actor, acquiredAt: l.acquiredAt, heartbeatAt: l.heartbeatAt, leaseMs: l.leaseMs });

export type AcquireOutcome = { held: HeldPlanLock } | { refused: PlanLock; now: string };

/**
 * Takes the lock, or takes it over, or says who holds it. The insert is conditional on the
 * primary key and the takeover on the old holder's token, so even a writer outside the store's
 * write lock could not make two holders.
 */
export async function acquireTx(w: Write, dialect: Dialect, planId: string, opts: PlanLockOptions): Promise<AcquireOutcome> {
  const self = opts.process ?? selfIdentity();
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  if (!Number.isInteger(leaseMs) || leaseMs < 1) throw new UserError(`a plan lock's lease must be a whole number of ms >= 1, not ${leaseMs}`, { exitCode: 64 });
  const now = await dbNow(w.trx, dialect);
  const row: PlanLocksTable = {
    plan_id: planId,
    token: randomUUID(),
    operation: opts.operation,
    holder: holderName(self),
    actor: w.actor,
    host: self.host,
    pid: self.pid,
    instance: self.instance,
    lease_ms: leaseMs,
    acquired_at: now,
    heartbeat_at: now,
  };
  const plan = await w.trx.selectFrom("plans").select("case_id").where("id", "=", planId).executeTakeFirst();
  const caseId = plan?.case_id ?? null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await w.trx
      .insertInto("plan_locks")
      .values(row)
      .onConflict((oc) => oc.column("plan_id").doNothing())
      .returning("plan_id")
      .executeTakeFirst();
    if (inserted) {
      const held: HeldPlanLock = { ...rowToLock(row), token: row.token, tookOver: null };
      w.audit("plan.lock.acquired", caseId, auditView(held));
      return { held };
    }
    const current = await w.trx.selectFrom("plan_locks").selectAll().where("plan_id", "=", planId).executeTakeFirst();
    if (!current) continue; // released between the two statements (only a writer outside the write lock could)
    const reason = takeoverReason(current, now, self);
    if (!reason) return { refused: rowToLock(current), now };
    const taken = await w.trx.updateTable("plan_locks").set(row).where("plan_id", "=", planId).where("token", "=", current.token).executeTakeFirst();
    if (num(taken.numUpdatedRows) !== 1) continue;
    const from = rowToLock(current);
    const held: HeldPlanLock = { ...rowToLock(row), token: row.token, tookOver: { from, reason } };
    w.audit("plan.lock.taken-over", caseId, { ...auditView(held), from: auditView(from), reason });
    // The journal of a plan that was never saved (its holder died before saving it) cannot take
    // an entry; the audit log above still records the takeover.
    if (plan) {
      await appendTx(w, { planId, stepId: null, phase: "lock-taken-over", actor: w.actor, detail: { from: auditView(from), reason, operation: opts.operation, holder: held.holder } });
    }
    return { held };
  }
  throw new Error(`plan ${planId}: the lock changed hands three times while it was being taken`);
}

/** Moves the heartbeat on; false when the lock is no longer this holder's. */
export async function renewTx(w: Write, dialect: Dialect, lock: HeldPlanLock): Promise<boolean> {
  const now = await dbNow(w.trx, dialect);
  const r = await w.trx.updateTable("plan_locks").set({ heartbeat_at: now }).where("plan_id", "=", lock.planId).where("token", "=", lock.token).executeTakeFirst();
  const ok = num(r.numUpdatedRows) === 1;
  if (ok) lock.heartbeatAt = now;
  return ok;
}

export async function releaseTx(w: Write, dialect: Dialect, lock: HeldPlanLock): Promise<void> {
  const r = await w.trx.deleteFrom("plan_locks").where("plan_id", "=", lock.planId).where("token", "=", lock.token).executeTakeFirst();
  if (num(r.numDeletedRows) !== 1) return;
  const plan = await w.trx.selectFrom("plans").select("case_id").where("id", "=", lock.planId).executeTakeFirst();
  const now = await dbNow(w.trx, dialect);
  w.audit("plan.lock.released", plan?.case_id ?? null, { ...auditView(lock), releasedAt: now, heldMs: Date.parse(now) - Date.parse(lock.acquiredAt) });
}

/** The fence: throws unless the lock is still this holder's. */
export async function assertHeldTx(trx: Trx, lock: HeldPlanLock): Promise<void> {
  const current = await trx.selectFrom("plan_locks").selectAll().where("plan_id", "=", lock.planId).executeTakeFirst();
  if (current?.token !== lock.token) throw new PlanLockLostError(lock, current ? rowToLock(current) : null);
}

// ---------------------------------------------------------------- holding it while work runs

/**
 * Acquires the plan's lock, renews it every `renewEveryMs` while `fn` runs, and releases it
 * however `fn` ends. `fn` journals through the held journal, so a run whose lock was taken over
 * (it hung past its lease) cannot write on. A release that fails (the database went away) is not
 * an error of the work: the lock lapses after its lease.
 */
export async function withPlanLock<T>(store: CaseStore, planId: string, opts: PlanLockOptions, fn: (held: { lock: HeldPlanLock; journal: JournalStore }) => Promise<T>): Promise<T> {
  const lock = await store.acquirePlanLock(planId, opts);
  const every = Math.max(10, opts.renewEveryMs ?? Math.floor(lock.leaseMs / 6));
  let lost = false;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      if (lost) return;
      try {
        lost = !(await store.renewPlanLock(lock));
      } catch {
        // A missed heartbeat (the database briefly away): the lease allows several.
      }
    });
  }, every);
  timer.unref();
  try {
    return await fn({ lock, journal: store.heldJournal(lock) });
  } finally {
    clearInterval(timer);
    await renewing;
    if (!lost) await store.releasePlanLock(lock).catch(() => undefined);
  }
}
