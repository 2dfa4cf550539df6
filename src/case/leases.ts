/**
 * Scheduler leases: the service's scheduled jobs (deadline warnings, retries, re-resolution,
 * transit recovery: src/serve/scheduler.ts) run once per interval across every instance sharing
 * the store, never twice at once.
 *
 * A job is a row of `scheduler_leases` keyed by its name. An instance that wants to run it takes
 * the row inside the store's write transaction (writers are serialised: BEGIN IMMEDIATE on SQLite,
 * the writers' advisory lock on PostgreSQL) and, as a second guard, with an update conditional on
 * the row being free (or on the token of the holder it takes over). While it runs, it renews a
 * heartbeat; when done, it clears the token and sets the time the job is next due for everyone. A
 * holder that stopped renewing for its lease (it died on another machine, or hangs), or whose
 * process on this host is gone, is taken over, and the audit log says so. The holder checks its
 * lease between items of work (`renew` answers false once it was taken over) and stops: the
 * fence, so a hung instance that wakes up does not go on beside its successor.
 *
 * Lease times are the database's clock on PostgreSQL (instances on several machines compare on
 * one clock), this machine's on SQLite (locks.ts, `dbNow`).
 */
import { randomUUID } from "node:crypto";
import { UserError } from "../errors.ts";
import type { JournalPhase } from "../execute/types.ts";
import type { Dialect } from "./db/migrations.ts";
import type { SchedulerLeasesTable } from "./db/schema.ts";
import { dbNow, holderName, selfIdentity, takeoverReason } from "./locks.ts";
import { num, type Trx } from "./rows.ts";
import type { ProcessIdentity } from "./types.ts";
import type { Write } from "./writes.ts";

/** A job whose holder has not renewed for this long is presumed dead. */
export const DEFAULT_JOB_LEASE_MS = 120_000;

/** A run of a job this process holds. */
export interface JobLease {
  job: string;
  /** Drawn for this run: renewing and finishing check it. */
  token: string;
  holder: string;
  leaseMs: number;
  acquiredAt: string;
  heartbeatAt: string;
  /** The holder this run was taken from, and why it could be. */
  tookOver: { from: string; since: string | null; reason: string } | null;
}

/** What the store knows of a job: who runs it (if anyone) and when it is next due. */
export interface JobLeaseState {
  job: string;
  holder: string | null;
  acquiredAt: string | null;
  heartbeatAt: string | null;
  leaseMs: number;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastOutcome: string | null;
  nextDueAt: string;
}

export type JobLeaseOutcome =
  | { held: JobLease }
  /** Another instance runs it now. */
  | { busy: { holder: string; acquiredAt: string | null; heartbeatAt: string | null; leaseMs: number }; now: string }
  /** It ran recently: nobody runs it before `nextDueAt`. */
  | { notDue: { nextDueAt: string }; now: string };

export interface JobLeaseOptions {
  /** Default 2 minutes. */
  leaseMs?: number;
  /** Run it even when not due yet (a person asked: `serve --once`, tests); never while another holder is alive. */
  force?: boolean;
  /** The holder (default: this process). Tests name another. */
  process?: ProcessIdentity;
}

/** Job names: lower-case words and dashes, as they appear in logs and docs. */
const JOB_NAME = /^[a-z][a-z0-9-]{0,63}$/;

export function checkJobName(job: string): void {
  if (!JOB_NAME.test(job)) throw new UserError(`a scheduled job's name is lower-case letters, digits and dashes (at most 64), not ${JSON.stringify(job).slice(0, 80)}`, { exitCode: 64 });
}

function checkLease(ms: number, what: string): void {
  if (!Number.isInteger(ms) || ms < 1 || ms > 7 * 86_400_000) throw new UserError(`a scheduled job's ${what} must be a whole number of ms from 1 to 7 days, not ${ms}`, { exitCode: 64 });
}

export function rowToJobState(r: SchedulerLeasesTable): JobLeaseState {
  return {
    job: r.job,
    holder: r.token ? r.holder : null,
    acquiredAt: r.token ? r.acquired_at : null,
    heartbeatAt: r.token ? r.heartbeat_at : null,
    leaseMs: num(r.lease_ms),
    lastStartedAt: r.last_started_at,
    lastFinishedAt: r.last_finished_at,
    lastOutcome: r.last_outcome,
    nextDueAt: r.next_due_at,
  };
}

const addMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/**
 * Takes the job's lease when it is due and free (or its holder is dead), else says who runs it or
 * when it is due. The update is conditional on the token it saw, so even a writer outside the
 * store's write lock could not make two holders.
 */
export async function acquireJobLeaseTx(w: Write, dialect: Dialect, job: string, opts: JobLeaseOptions = {}): Promise<JobLeaseOutcome> {
  checkJobName(job);
  const self = opts.process ?? selfIdentity();
  const leaseMs = opts.leaseMs ?? DEFAULT_JOB_LEASE_MS;
  checkLease(leaseMs, "lease");
  const now = await dbNow(w.trx, dialect);
  const token = randomUUID();
  const mine = {
    token,
    holder: holderName(self),
    host: self.host,
    pid: self.pid,
    instance: self.instance,
    lease_ms: leaseMs,
    acquired_at: now,
    heartbeat_at: now,
    last_started_at: now,
  };
  const held = (tookOver: JobLease["tookOver"]): { held: JobLease } => ({ held: { job, token, holder: mine.holder, leaseMs, acquiredAt: now, heartbeatAt: now, tookOver } });
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await w.trx
      .insertInto("scheduler_leases")
      .values({ job, ...mine, last_finished_at: null, last_outcome: null, next_due_at: now })
      .onConflict((oc) => oc.column("job").doNothing())
      .returning("job")
      .executeTakeFirst();
    if (inserted) return held(null);
    const current = await w.trx.selectFrom("scheduler_leases").selectAll().where("job", "=", job).executeTakeFirst();
    if (!current) continue;
    if (current.token === null) {
      if (!opts.force && current.next_due_at > now) return { notDue: { nextDueAt: current.next_due_at }, now };
      const r = await w.trx.updateTable("scheduler_leases").set(mine).where("job", "=", job).where("token", "is", null).executeTakeFirst();
      if (num(r.numUpdatedRows) === 1) return held(null);
      continue;
    }
    const reason = takeoverReason(
      { host: current.host ?? "", pid: num(current.pid ?? 0), instance: current.instance, lease_ms: current.lease_ms, heartbeat_at: current.heartbeat_at ?? current.acquired_at ?? "1970-01-01T00:00:00.000Z" },
      now,
      self,
    );
    if (!reason) return { busy: { holder: current.holder ?? "unknown", acquiredAt: current.acquired_at, heartbeatAt: current.heartbeat_at, leaseMs: num(current.lease_ms) }, now };
    const r = await w.trx.updateTable("scheduler_leases").set(mine).where("job", "=", job).where("token", "=", current.token).executeTakeFirst();
    if (num(r.numUpdatedRows) !== 1) continue;
    const from = current.holder ?? "unknown";
    w.audit("scheduler.lease.taken-over", null, { job, holder: mine.holder, from, since: current.acquired_at, lastHeartbeat: current.heartbeat_at, reason });
    return held({ from, since: current.acquired_at, reason });
  }
  throw new Error(`scheduled job ${job}: the lease changed hands three times while it was being taken`);
}

/** Moves the heartbeat on; false when the lease is no longer this run's (it was taken over). */
export async function renewJobLeaseTx(w: Write, dialect: Dialect, lease: JobLease): Promise<boolean> {
  const now = await dbNow(w.trx, dialect);
  const r = await w.trx.updateTable("scheduler_leases").set({ heartbeat_at: now }).where("job", "=", lease.job).where("token", "=", lease.token).executeTakeFirst();
  const ok = num(r.numUpdatedRows) === 1;
  if (ok) lease.heartbeatAt = now;
  return ok;
}

/**
 * Ends a run: the lease is freed and the job is next due `intervalMs` from now, for every
 * instance. False (and nothing written) when the run had lost its lease. A run that failed is
 * also put on the audit log, with its error.
 */
export async function finishJobLeaseTx(w: Write, dialect: Dialect, lease: JobLease, end: { intervalMs: number; outcome: string; failed?: boolean }): Promise<boolean> {
  checkLease(end.intervalMs, "interval");
  const now = await dbNow(w.trx, dialect);
  const outcome = end.outcome.slice(0, 1000);
  const r = await w.trx
    .updateTable("scheduler_leases")
    .set({ token: null, heartbeat_at: now, last_finished_at: now, last_outcome: outcome, next_due_at: addMs(now, end.intervalMs) })
    .where("job", "=", lease.job)
    .where("token", "=", lease.token)
    .executeTakeFirst();
  const ok = num(r.numUpdatedRows) === 1;
  if (ok && end.failed) w.audit("scheduler.job.failed", null, { job: lease.job, holder: lease.holder, startedAt: lease.acquiredAt, finishedAt: now, error: outcome });
  return ok;
}

export async function jobLeasesQuery(trx: Trx): Promise<JobLeaseState[]> {
  const rows = await trx.selectFrom("scheduler_leases").selectAll().orderBy("job", "asc").execute();
  return rows.map(rowToJobState);
}

/**
 * What the scheduler's jobs scan instead of every case: the plans whose journal holds an entry of
 * one of these phases (`failed`: a step to retry; `transit`: an interface that may be left in the
 * all-traffic group), with their case; `openCases`: only those of open cases.
 */
export async function plansWithPhaseQuery(trx: Trx, phases: readonly JournalPhase[], opts: { openCases?: boolean } = {}): Promise<{ planId: string; caseId: string | null }[]> {
  if (phases.length === 0) return [];
  const rows = await trx
    .selectFrom("plans")
    .select(["id", "case_id"])
    .where("id", "in", (eb) => eb.selectFrom("journal").select("plan_id").where("phase", "in", [...phases]))
    .$if(!!opts.openCases, (q) => q.where("case_id", "in", (eb) => eb.selectFrom("cases").select("id").where("is_open", "=", 1)))
    .orderBy("created_at", "asc")
    .orderBy("id", "asc")
    .execute();
  return rows.map((r) => ({ planId: r.id, caseId: r.case_id }));
}
