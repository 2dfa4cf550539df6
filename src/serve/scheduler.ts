/**
 * The service's scheduler: the jobs `abuse-desk serve` runs on a timer (and `serve --once` runs
 * once), replacing the cron line (`abuse-desk notify run`). Each tick runs every job that is due,
 * each under its lease in the store (src/case/leases.ts), so several instances on one PostgreSQL
 * run each job once per interval between them and never twice at once.
 *
 *   transits       interfaces a run left in the all-traffic group, found and moved out
 *                  (src/desk/containment.ts recoverTransits; first, since it closes an exposure)
 *   re-resolve     cases whose account could not be read ("not searched"), resolved again with
 *                  back-off, a bounded number of times; a complete search replans the case
 *   step-retries   steps of an automatic apply that failed on a transient error (throttled, 5xx),
 *                  applied again under the policy (authentic notices only, only the steps the
 *                  policy lets run without a person), with back-off, a bounded number of times
 *   notifications  what src/notify/due.ts finds due (deadline warnings, plans waiting, failed
 *                  steps, alarms...), plus follow-ups and reminders (./followups.ts); an event no
 *                  channel could deliver is tried again on later runs, at most MAX_NOTIFY_RUNS
 *   inventory      the estate's public addresses and who holds each, recorded in the address
 *                  history (src/case/address-history.ts), so `resolve` can answer "who held it
 *                  then" beyond CloudTrail's 90 days; daily by default
 *   readiness      a readiness run (src/readiness) kept in the store (src/case/readiness-runs.ts):
 *                  the web desk's readiness page and the cases' gaps read it; daily by default
 *
 * The two estate jobs read every account and region: daily by default (`scheduler.intervals`),
 * each can be switched off (`scheduler.inventory.enabled: false`), `serve --once` runs them only
 * when due (never forced: a cron line calling it every minute does not read the estate every
 * minute), and a run that failed is tried again after `retryMs` (default an hour), not a day.
 *
 * Every outcome goes on the case it concerns, as a timeline event (so on the audit chain): a
 * retry that failed says it failed, one given up says so and what a person must do. The desk
 * functions do the work (applyPlan, planCase, resolveCase, recoverTransits), exactly as the
 * CLI does it. The service gives the store, the cloud port, the policy and the notification
 * settings; `schedulerTick` runs one round, `runScheduler` runs rounds until its signal aborts.
 */
import { z } from "zod";
import type { ReadinessRetention } from "../case/readiness-runs.ts";
import type { Case, CaseStore, JobLease, ProcessIdentity, TimelineEvent } from "../case/types.ts";
import type { CloudPort } from "../cloud/port.ts";
import { parseSection, type ConfigDocument } from "../config/file.ts";
import { actingNotice, applyPlan, caseSearch, planCase, recoverTransits, resolveCase, storedVerdict } from "../desk/index.ts";
import { rollbackBegun, stepStates } from "../execute/journal.ts";
import type { RetryOptions } from "../execute/retry.ts";
import type { JournalEntry, Plan } from "../execute/types.ts";
import { MAX_NOTIFY_RUNS, dueNotifications, sentKeys } from "../notify/due.ts";
import { Notifier, outcomeSummary } from "../notify/dispatch.ts";
import type { NotifySettings } from "../notify/config.ts";
import { caseState } from "../notify/index.ts";
import type { DeliveryOutcome, NotifyEvent } from "../notify/types.ts";
import type { Policy } from "../policy/policy.ts";
import { missingSentence, searchOutcome } from "../resolve/outcome.ts";
import { sleep } from "../intake/status.ts";
import { followUpNotifications } from "./followups.ts";

export const JOBS = ["transits", "re-resolve", "step-retries", "notifications", "inventory", "readiness"] as const;
export type JobName = (typeof JOBS)[number];
/** The jobs that read the whole estate (see above). */
export const ESTATE_JOBS = ["inventory", "readiness"] as const;
export type EstateJob = (typeof ESTATE_JOBS)[number];
const isEstateJob = (job: JobName): job is EstateJob => (ESTATE_JOBS as readonly string[]).includes(job);
/** Public addresses one inventory run records at most (the rest are counted and said). */
export const MAX_INVENTORY_ADDRESSES = 50_000;

// ---------------------------------------------------------------- settings

const ms = (max: number) => z.number().int().min(1000).max(max);
const SchedulerSchema = z
  .object({
    /** How often each job runs, across all instances (ms). */
    intervals: z
      .object({ transits: ms(86_400_000), "re-resolve": ms(86_400_000), "step-retries": ms(86_400_000), notifications: ms(86_400_000), inventory: ms(7 * 86_400_000), readiness: ms(7 * 86_400_000) })
      .partial()
      .strict()
      .optional(),
    inventory: z.object({ enabled: z.boolean().optional(), retryMs: ms(86_400_000).optional() }).strict().optional(),
    readiness: z.object({ enabled: z.boolean().optional(), retryMs: ms(86_400_000).optional() }).strict().optional(),
    /** How long a job's holder may go without renewing before another instance takes the job over (ms). */
    leaseMs: ms(3_600_000).optional(),
    stepRetries: z.object({ max: z.number().int().min(0).max(10).optional(), backoffMs: ms(86_400_000).optional() }).strict().optional(),
    reResolve: z.object({ max: z.number().int().min(0).max(50).optional(), backoffMs: ms(86_400_000).optional() }).strict().optional(),
    followUpAfterHours: z.number().positive().max(24 * 60).optional(),
    settleMs: z.number().int().min(0).max(3_600_000).optional(),
  })
  .strict();

export interface SchedulerSettings {
  intervals: Record<JobName, number>;
  leaseMs: number;
  /** Automatic retries of a failed step (after the run that failed it). */
  maxStepRetries: number;
  /** Wait before retry n: backoff * 2^(n-1). */
  stepRetryBackoffMs: number;
  /** Re-resolutions of a not-searched case before the scheduler stops and a person must look. */
  maxResolveAttempts: number;
  resolveBackoffMs: number;
  followUpAfterHours: number;
  /** A case changed less than this ago is left to the command that changed it (it notifies itself). */
  settleMs: number;
  /** The estate jobs: on or off, and how soon a run that failed is tried again. */
  estate: Record<EstateJob, { enabled: boolean; retryMs: number }>;
}

export const DEFAULT_SCHEDULER: SchedulerSettings = {
  intervals: { transits: 60_000, "re-resolve": 300_000, "step-retries": 60_000, notifications: 60_000, inventory: 86_400_000, readiness: 86_400_000 },
  leaseMs: 120_000,
  maxStepRetries: 3,
  stepRetryBackoffMs: 300_000,
  maxResolveAttempts: 6,
  resolveBackoffMs: 600_000,
  followUpAfterHours: 72,
  settleMs: 60_000,
  estate: { inventory: { enabled: true, retryMs: 3_600_000 }, readiness: { enabled: true, retryMs: 3_600_000 } },
};

/** The `scheduler:` section of config.yaml (docs/service-scheduler.md), every key optional. */
export function schedulerSettings(doc: ConfigDocument): SchedulerSettings {
  const s = parseSection(SchedulerSchema, doc, "scheduler");
  const d = DEFAULT_SCHEDULER;
  return {
    intervals: { ...d.intervals, ...s.intervals },
    leaseMs: s.leaseMs ?? d.leaseMs,
    maxStepRetries: s.stepRetries?.max ?? d.maxStepRetries,
    stepRetryBackoffMs: s.stepRetries?.backoffMs ?? d.stepRetryBackoffMs,
    maxResolveAttempts: s.reResolve?.max ?? d.maxResolveAttempts,
    resolveBackoffMs: s.reResolve?.backoffMs ?? d.resolveBackoffMs,
    followUpAfterHours: s.followUpAfterHours ?? d.followUpAfterHours,
    settleMs: s.settleMs ?? d.settleMs,
    estate: {
      inventory: { enabled: s.inventory?.enabled ?? d.estate.inventory.enabled, retryMs: s.inventory?.retryMs ?? d.estate.inventory.retryMs },
      readiness: { enabled: s.readiness?.enabled ?? d.estate.readiness.enabled, retryMs: s.readiness?.retryMs ?? d.estate.readiness.retryMs },
    },
  };
}

// ---------------------------------------------------------------- the API the service calls

/** What a log line takes (pino's signature, reduced). */
export interface SchedulerLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface SchedulerDeps {
  store: CaseStore;
  /** The account(s) cases are read and contained in; without it the jobs that need one are skipped (and say so). */
  port?: CloudPort | null;
  /** The policy in force: which steps may run without a person. Without it nothing is retried automatically. */
  policy?: Policy | null;
  /** Notification channels and their settings; without a channel the notifications job is skipped. */
  notify?: NotifySettings | null;
  settings?: Partial<SchedulerSettings>;
  /** Who acts, on the timeline and in the journal (default `abuse-desk scheduler`). */
  actor?: string;
  /** The lease holder (default: this process). Tests name two. */
  process?: ProcessIdentity;
  /** Only these jobs (default: all). */
  jobs?: readonly JobName[];
  /** Retries inside one apply (execute/retry.ts); tests make the back-off free. */
  applyRetry?: RetryOptions;
  /** Run every job now even when not due (`serve --once`); never while another instance runs it; never the estate jobs (they run when due). */
  force?: boolean;
  /** abuse-desk's configured intake sources, for the readiness run's intake check (absent: that check could not run). */
  intakeSources?: { name: string; kind: string }[];
  /** How long kept readiness runs are kept (`readiness.retention`; absent: the defaults). */
  readinessRetention?: ReadinessRetention;
  log?: SchedulerLog;
}

/** What one job did to one case or plan. */
export interface JobItem {
  /** The case it concerns (absent for the estate jobs). */
  caseId?: string;
  planId?: string;
  outcome: string;
  summary: string;
}

export interface JobReport {
  job: JobName;
  /**
   * `ran`: this instance ran it; `busy`: another instance runs it now; `not-due`: it ran recently;
   * `skipped`: it cannot run here (what it needs is not configured: `reason`); `lost`: its lease was
   * taken over midway (it stopped); `failed`: it threw (`error`; the audit log has it).
   */
  status: "ran" | "busy" | "not-due" | "skipped" | "lost" | "failed";
  items: JobItem[];
  reason?: string;
  holder?: string;
  nextDueAt?: string;
  error?: string;
}

export interface TickReport {
  at: string;
  jobs: JobReport[];
}

const DEFAULT_ACTOR = "abuse-desk scheduler";

interface Ctx {
  deps: SchedulerDeps;
  store: CaseStore;
  settings: SchedulerSettings;
  actor: string;
  now: Date;
  lease: JobLease;
  items: JobItem[];
}

/** The lease is still this run's (renewed); throws LeaseLost otherwise, which ends the job. */
class LeaseLost extends Error {}
async function fence(ctx: Ctx): Promise<void> {
  if (!(await ctx.store.renewJobLease(ctx.lease))) throw new LeaseLost(`the lease of ${ctx.lease.job} was taken over`);
}

function settingsOf(deps: SchedulerDeps): SchedulerSettings {
  const d = DEFAULT_SCHEDULER;
  const e = deps.settings?.estate;
  return {
    ...d,
    ...deps.settings,
    intervals: { ...d.intervals, ...deps.settings?.intervals },
    estate: { inventory: { ...d.estate.inventory, ...e?.inventory }, readiness: { ...d.estate.readiness, ...e?.readiness } },
  };
}

/** Why a job cannot run with these deps, or null. */
function missing(job: JobName, deps: SchedulerDeps, settings: SchedulerSettings): string | null {
  switch (job) {
    case "inventory":
    case "readiness":
      if (!settings.estate[job].enabled) return `switched off in the configuration (scheduler.${job}.enabled: false)`;
      return deps.port ? null : "no cloud account is configured";
    case "transits":
    case "re-resolve":
      return deps.port ? null : "no cloud account is configured";
    case "step-retries":
      if (!deps.port) return "no cloud account is configured";
      return deps.policy?.automatic.length ? null : "the policy lets no step run without a person, so nothing is retried automatically";
    case "notifications":
      return deps.notify?.channels.length ? null : "no notification channel is configured";
  }
}

/**
 * One round: every due job, in order (transits first: it closes an exposure), each under its
 * lease. Never throws for a job: a job that failed is reported (and on the audit log); the next
 * round tries again. Throws only when the store cannot be reached at all.
 */
export async function schedulerTick(deps: SchedulerDeps, now: Date = new Date()): Promise<TickReport> {
  const settings = settingsOf(deps);
  const actor = deps.actor ?? DEFAULT_ACTOR;
  const reports: JobReport[] = [];
  for (const job of JOBS) {
    if (deps.jobs && !deps.jobs.includes(job)) continue;
    const why = missing(job, deps, settings);
    if (why) {
      reports.push({ job, status: "skipped", items: [], reason: why });
      continue;
    }
    const force = deps.force === true && !isEstateJob(job);
    const got = await deps.store.acquireJobLease(job, { leaseMs: settings.leaseMs, ...(force ? { force: true } : {}), ...(deps.process ? { process: deps.process } : {}) });
    if ("busy" in got) {
      reports.push({ job, status: "busy", items: [], holder: got.busy.holder });
      continue;
    }
    if ("notDue" in got) {
      reports.push({ job, status: "not-due", items: [], nextDueAt: got.notDue.nextDueAt });
      continue;
    }
    const lease = got.held;
    if (lease.tookOver) deps.log?.warn({ job, from: lease.tookOver.from, reason: lease.tookOver.reason }, `scheduler: took over job ${job}`);
    const ctx: Ctx = { deps, store: deps.store, settings, actor, now, lease, items: [] };
    let report: JobReport;
    try {
      await RUN[job](ctx);
      // Finishing is fenced too: a run whose lease was taken over meanwhile did not finish the job for the fleet.
      if (!(await deps.store.finishJobLease(lease, { intervalMs: settings.intervals[job], outcome: outcomeLine(ctx.items) }))) throw new LeaseLost(`the lease of ${job} was taken over before this run finished`);
      report = { job, status: "ran", items: ctx.items };
    } catch (err) {
      if (err instanceof LeaseLost) {
        report = { job, status: "lost", items: ctx.items, reason: err.message };
        deps.log?.warn({ job }, `scheduler: ${err.message}; this instance stopped the job`);
      } else {
        const error = (err as Error)?.message ?? String(err);
        report = { job, status: "failed", items: ctx.items, error };
        deps.log?.error({ job, err: error }, `scheduler: job ${job} failed`);
        // Due again after its interval like a run that worked (a failing job does not spin); an estate job sooner, after its retryMs.
        const again = isEstateJob(job) ? Math.max(1, Math.min(settings.intervals[job], settings.estate[job].retryMs)) : settings.intervals[job];
        await deps.store.finishJobLease(lease, { intervalMs: again, outcome: `failed: ${error}`, failed: true }).catch(() => undefined);
      }
    }
    for (const it of report.items) deps.log?.info({ job, caseId: it.caseId, planId: it.planId, outcome: it.outcome }, it.summary);
    reports.push(report);
  }
  return { at: now.toISOString(), jobs: reports };
}

function outcomeLine(items: readonly JobItem[]): string {
  if (items.length === 0) return "nothing to do";
  const counts = new Map<string, number>();
  for (const it of items) counts.set(it.outcome, (counts.get(it.outcome) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
}

/**
 * Runs rounds until `signal` aborts: one at once, then whenever a job may be due (at most every
 * `pollMs`, default 15 s). A round that fails (the store unreachable) is logged and tried again
 * at the next poll. Resolves after the round in progress when aborted.
 */
export async function runScheduler(deps: SchedulerDeps, opts: { now?: () => Date; signal: AbortSignal; pollMs?: number; onTick?: (r: TickReport) => void }): Promise<void> {
  const clock = opts.now ?? (() => new Date());
  const pollMs = Math.max(100, opts.pollMs ?? 15_000);
  while (!opts.signal.aborted) {
    try {
      const r = await schedulerTick(deps, clock());
      opts.onTick?.(r);
    } catch (err) {
      deps.log?.error({ err: (err as Error)?.message ?? String(err) }, "scheduler: a round failed; trying again at the next poll");
    }
    if (opts.signal.aborted) break;
    await sleep(pollMs, opts.signal);
  }
}


// ---------------------------------------------------------------- recording outcomes on the case

/**
 * Records what a job did to a case as a `scheduled` timeline event (the audit chain gets it with
 * the event). `key` names the situation: when the case's last event of this job has the same key
 * (the same failure, again), nothing new is recorded, so a job failing every minute does not fill
 * the timeline.
 */
async function record(ctx: Ctx, caseId: string, outcome: string, summary: string, data: Record<string, unknown> & { key?: string }): Promise<TimelineEvent | null> {
  if (data.key) {
    const last = (await ctx.store.timeline(caseId)).filter((e) => e.type === "scheduled" && e.data.job === ctx.lease.job).at(-1);
    if (last && last.data.key === data.key) return null;
  }
  ctx.items.push({ caseId, ...(typeof data.planId === "string" ? { planId: data.planId } : {}), outcome, summary });
  return ctx.store.recordEvent(caseId, "scheduled", summary, { job: ctx.lease.job, outcome, ...data }, { actor: ctx.actor, now: ctx.now });
}

/** The open cases, a page at a time (memory stays bounded however many there are). */
async function* openCases(store: CaseStore): AsyncGenerator<Case> {
  let after: string | null = null;
  do {
    const page = await store.listCases({}, { limit: 200, after });
    yield* page.items;
    after = page.next;
  } while (after);
}

const at = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------- the jobs

const RUN: Record<JobName, (ctx: Ctx) => Promise<void>> = {
  transits: runTransits,
  "re-resolve": runReResolve,
  "step-retries": runStepRetries,
  notifications: runNotifications,
  inventory: runInventory,
  readiness: runReadinessJob,
};

/**
 * Runs `fn` (one long read of the estate) while renewing the job's lease every third of it; a lease
 * lost meanwhile ends the job (LeaseLost) before anything is recorded.
 */
async function withHeartbeat<T>(ctx: Ctx, fn: () => Promise<T>): Promise<T> {
  let lost = false;
  const timer = setInterval(
    () => {
      ctx.store.renewJobLease(ctx.lease).then(
        (ok) => (lost ||= !ok),
        () => undefined,
      );
    },
    Math.max(1000, Math.floor(ctx.settings.leaseMs / 3)),
  );
  timer.unref?.();
  let out: T;
  try {
    out = await fn();
  } finally {
    clearInterval(timer);
  }
  if (lost) throw new LeaseLost(`the lease of ${ctx.lease.job} was taken over while it read the estate`);
  await fence(ctx);
  return out;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The address history from an inventory of every account and region; nothing read at all is a failure (tried again after retryMs). */
async function runInventory(ctx: Ctx): Promise<void> {
  const port = ctx.deps.port!;
  const { collectInventory, addressObservations } = await import("../inventory/collect.ts");
  const inv = await withHeartbeat(ctx, () => collectInventory(port, { now: ctx.now }));
  const notRead = inv.notRead.map((n) => `${n.accountId}${n.region ? `/${n.region}` : ""}: ${n.reason}`);
  if (inv.rows.length === 0 && notRead.length > 0) throw new Error(`the inventory read nothing: ${notRead.slice(0, 5).join("; ")}${notRead.length > 5 ? `; and ${notRead.length - 5} more` : ""}`);
  const all = addressObservations(inv);
  const kept = all.slice(0, MAX_INVENTORY_ADDRESSES);
  const seenAt = ctx.now.toISOString().slice(0, 19) + "Z";
  const r = await ctx.store.recordAddresses(kept, seenAt);
  const cut = all.length > kept.length ? `; ${all.length - kept.length} more addresses not recorded (at most ${MAX_INVENTORY_ADDRESSES} per run)` : "";
  const partial = notRead.length ? `; NOT READ (tried again on the next run): ${notRead.slice(0, 5).join("; ")}${notRead.length > 5 ? `; and ${notRead.length - 5} more` : ""}` : "";
  ctx.items.push({
    outcome: notRead.length || cut ? "partial" : "recorded",
    summary: `Inventory: ${plural(inv.rows.length, "resource")}, ${plural(kept.length, "public address", "public addresses")} in the address history (${r.started} new holdings, ${r.extended} still held)${cut}${partial}`,
  });
}

/** A readiness run of every account the port reaches, kept in the store; checks that could not run are kept as such (a run, not a failure). */
async function runReadinessJob(ctx: Ctx): Promise<void> {
  const port = ctx.deps.port!;
  const { runReadiness } = await import("../readiness/run.ts");
  const report = await withHeartbeat(ctx, () => runReadiness(port, { now: ctx.now, ...(ctx.deps.intakeSources ? { intakeSources: ctx.deps.intakeSources } : {}) }));
  if (report.accounts.length === 0) throw new Error("readiness reached no account");
  const saved = await ctx.store.recordReadinessRun(report, { actor: ctx.actor, now: ctx.now, ...(ctx.deps.readinessRetention ? { retention: ctx.deps.readinessRetention } : {}) });
  const unreachable = report.accounts.filter((a) => !a.reachable).map((a) => a.accountId);
  ctx.items.push({
    outcome: report.counts["could-not-run"] > 0 ? "partial" : "recorded",
    summary:
      `Readiness run ${saved.runId}: score ${report.score}/100 over ${plural(report.accounts.length, "account")}, ${report.counts.fail} failed, ${report.counts["could-not-run"]} could not run` +
      (unreachable.length ? `; not entered: ${unreachable.slice(0, 5).join(", ")}${unreachable.length > 5 ? ` and ${unreachable.length - 5} more` : ""}` : "") +
      (saved.truncated ? `; bounded: ${saved.truncated}` : "") +
      (saved.pruned.accountRuns + saved.pruned.runs > 0 ? `; pruned ${plural(saved.pruned.accountRuns, "older account run")} (${plural(saved.pruned.runs, "whole run")}) beyond the retention` : ""),
  });
}

/** Interfaces left in the all-traffic group: only plans whose journal ever recorded a transit are read. */
async function runTransits(ctx: Ctx): Promise<void> {
  const port = ctx.deps.port!;
  const caseIds = new Set<string>();
  for (const p of await ctx.store.plansWithJournalPhase(["transit"])) if (p.caseId) caseIds.add(p.caseId);
  for (const caseId of caseIds) {
    await fence(ctx);
    // Each resolved transit is journalled by recoverPlanTransits (its timeline event says what was found and done).
    const outcomes = await recoverTransits(ctx.store, { port, caseId, actor: ctx.actor });
    for (const o of outcomes) {
      if (o.outcome === "locked") continue; // someone runs that plan now: that run ends the transit
      if (o.outcome === "failed") {
        await record(ctx, caseId, "failed", `Scheduler: ${o.message}; tried again on the next run`, { key: `transit-failed:${o.planId}:${o.networkInterfaceId}:${o.message}`, planId: o.planId, stepId: o.stepId, networkInterfaceId: o.networkInterfaceId });
      } else {
        ctx.items.push({ caseId, planId: o.planId, outcome: o.outcome, summary: o.message });
      }
    }
  }
}

/** Scheduler events of one job since a timeline event id. */
const jobEventsSince = (timeline: readonly TimelineEvent[], job: JobName, sinceId: number) => timeline.filter((e) => e.type === "scheduled" && e.data.job === job && e.id > sinceId);

async function runReResolve(ctx: Ctx): Promise<void> {
  const port = ctx.deps.port!;
  const { maxResolveAttempts: max, resolveBackoffMs: backoff } = ctx.settings;
  for await (const c of openCases(ctx.store)) {
    const search = await caseSearch(ctx.store, c.id);
    if (search?.status !== "not-searched") continue;
    const timeline = await ctx.store.timeline(c.id);
    // Attempts count from the search a person's (or the pipeline's) command recorded last.
    const origin = [...timeline].reverse().find((e) => e.type === "resources-found" && e.actor !== ctx.actor);
    const tries = jobEventsSince(timeline, "re-resolve", origin?.id ?? 0);
    if (tries.length >= max) continue; // given up, and said so
    const last = tries.at(-1) ?? origin;
    if (last && Date.parse(last.at) + backoff * 2 ** tries.length > ctx.now.getTime()) continue;
    await fence(ctx);
    const n = tries.length + 1;
    const chosen = actingNotice(await ctx.store.notices(c.id));
    if (!chosen) continue;
    // The case's search as plan makes it (resolveCase): a credential case's sweep runs again, and
    // its gaps are the search's, so "complete" is said only once the credentials were swept too.
    let resolved;
    try {
      resolved = await resolveCase(ctx.store, c, chosen.notice, { port, now: ctx.now, actor: ctx.actor, sweep: "run", via: "re-resolve" });
    } catch (err) {
      const more = n < max ? `tried again after ${at(ctx.now.getTime() + backoff * 2 ** n)}` : `no more automatic attempts: a person must look (abuse-desk plan ${c.id})`;
      await record(ctx, c.id, "failed", `Re-resolution ${n} of ${max} failed: ${(err as Error).message}; ${more}`, { attempt: n, of: max, error: (err as Error).message });
      continue;
    }
    const { resolution } = resolved;
    const now = searchOutcome(resolution);
    const found = resolution.findings.filter((f) => f.status === "found" || f.status === "moved").length;
    if (now.status === "not-searched") {
      const more = n < max ? `tried again after ${at(ctx.now.getTime() + backoff * 2 ** n)}` : `no more automatic attempts: give the desk access, then run abuse-desk plan ${c.id}`;
      await record(ctx, c.id, "not-searched", `Re-resolution ${n} of ${max}: still not searched (${missingSentence(now.missing)}); ${more}`, { attempt: n, of: max, missing: now.missing });
      continue;
    }
    // Complete now. A plan made from the incomplete search may miss what was not read: a new plan covers it.
    const hadPlan = (await ctx.store.plansForCase(c.id)).length > 0;
    let planned = "";
    if (hadPlan && ctx.deps.policy) {
      const r = await planCase(ctx.store, c.id, { port, policy: ctx.deps.policy, now: ctx.now, actor: ctx.actor, recoverWith: port, resolved: { noticeId: chosen.id, result: resolved } });
      const again = searchOutcome(r.resolution);
      planned =
        again.status === "searched"
          ? `; new plan ${r.plan.id} made from the complete search (${r.plan.steps.length} steps): review and apply it with abuse-desk apply ${r.plan.id}`
          : `; planning read the account again and it was incomplete once more (${missingSentence(again.missing)})`;
    } else if (hadPlan) {
      planned = `; its plan was made from the incomplete search: make a new one with abuse-desk plan ${c.id}`;
    }
    const swept = resolved.sweep ? `, the credentials swept (${resolved.sweep.sweep.inventory.length} things the attacker made or changed found)` : "";
    await record(ctx, c.id, "searched", `Re-resolution ${n} of ${max}: the search is complete now, ${found} of ${resolution.findings.length} resources found${swept}${planned}`, { attempt: n, of: max });
  }
}

interface StepTrouble {
  stepId: string;
  last: JournalEntry;
  /** Runs of the step that failed, or that started it (for one left started). */
  count: number;
}

/**
 * The automatic steps of a plan whose latest apply-side entry is a failure, and those left
 * `started` by a run that stopped before it could journal the end (the process was killed).
 */
function troubledSteps(plan: Plan, entries: readonly JournalEntry[], automatic: ReadonlySet<string>): { failed: StepTrouble[]; interrupted: StepTrouble[] } {
  const states = stepStates(entries);
  const failed: StepTrouble[] = [];
  const interrupted: StepTrouble[] = [];
  for (const step of plan.steps) {
    const s = states.get(step.id);
    if (!s?.last || !automatic.has(step.id)) continue;
    if (s.last.phase === "failed") failed.push({ stepId: step.id, last: s.last, count: entries.filter((e) => e.stepId === step.id && e.phase === "failed").length });
    else if (s.last.phase === "started") interrupted.push({ stepId: step.id, last: s.last, count: entries.filter((e) => e.stepId === step.id && e.phase === "started").length });
  }
  return { failed, interrupted };
}

async function runStepRetries(ctx: Ctx): Promise<void> {
  const port = ctx.deps.port!;
  const policy = ctx.deps.policy!;
  const { maxStepRetries: max, stepRetryBackoffMs: backoff } = ctx.settings;
  const { automaticSteps } = await import("../policy/automatic.ts");
  const { PlanLockedError } = await import("../case/locks.ts");
  for (const { planId, caseId } of await ctx.store.plansWithJournalPhase(["failed", "started"], { openCases: true })) {
    if (!caseId) continue;
    const plan = await ctx.store.getPlan(planId);
    if (!plan) continue;
    const entries = await ctx.store.entries(planId);
    if (rollbackBegun(entries)) continue;
    const { failed, interrupted } = troubledSteps(plan, entries, automaticSteps(policy, plan));
    if (failed.length === 0 && interrupted.length === 0) continue;
    // A refusal that will not change (access denied, invalid, a step error) needs a person: said once.
    const lasting = failed.find((f) => f.last.detail?.transient !== true);
    if (lasting) {
      await record(ctx, caseId, "not-retried", `Plan ${planId} step ${lasting.stepId} is not retried automatically: it failed with an error a retry does not fix (${lasting.last.error ?? "failed"}); a person must resume it with abuse-desk apply ${planId}`, {
        key: `not-retried:${planId}:${lasting.last.seq}`,
        planId,
        stepId: lasting.stepId,
        journalSeq: lasting.last.seq,
      });
      continue;
    }
    const lastSeq = Math.max(...[...failed, ...interrupted].map((f) => f.last.seq));
    // A retry that could not even start (apply refused it) is not tried again until the journal moves.
    const stuck = (await ctx.store.timeline(caseId)).some((e) => e.type === "scheduled" && e.data.job === "step-retries" && e.data.planId === planId && e.data.outcome === "could-not-run" && e.data.journalSeq === lastSeq);
    if (stuck) continue;
    let n: number;
    let what: string;
    if (failed.length > 0) {
      // Retry number n of a step is its n-th failure's; the most failed step decides.
      n = Math.max(...failed.map((f) => f.count));
      if (n > max) continue; // given up, and said so when the last retry failed
      const lastAt = Math.max(...failed.map((f) => Date.parse(f.last.at)));
      if (lastAt + backoff * 2 ** (n - 1) > ctx.now.getTime()) continue;
      what = `Retry ${n} of ${max} of plan ${planId}`;
    } else {
      // Left started: resumed once nobody holds the plan (its run died: its lock lapsed or its process is gone).
      n = Math.max(...interrupted.map((f) => f.count));
      if (n > max) {
        await record(ctx, caseId, "not-retried", `Plan ${planId} step ${interrupted[0]!.stepId} was started ${n} times and never finished; it is not resumed automatically again: a person must look, then resume it with abuse-desk apply ${planId}`, {
          key: `interrupted-given-up:${planId}:${lastSeq}`,
          planId,
          journalSeq: lastSeq,
        });
        continue;
      }
      const held = await ctx.store.planLock(planId);
      if (held && !held.takeover) continue; // a run is at work on it
      const by = interrupted[0]!.last;
      what = `Resumed plan ${planId}, left with steps ${interrupted.map((f) => f.stepId).join(", ")} started by ${by.actor} at ${by.at} and never finished (resume ${n} of ${max})`;
    }
    if ((await storedVerdict(ctx.store, plan).catch(() => null)) !== "authentic") continue; // apply would refuse; due.ts tells the team about a failed step
    await fence(ctx);
    const ids = [...failed, ...interrupted].map((f) => f.stepId);
    const more = n < max ? `tried again after ${at(ctx.now.getTime() + backoff * 2 ** n)}` : `no more automatic retries: a person must resume it with abuse-desk apply ${planId}`;
    let result;
    try {
      result = await applyPlan(ctx.store, plan, { port, approve: "policy", policy, actor: ctx.actor, ...(ctx.deps.applyRetry ? { retry: ctx.deps.applyRetry } : {}) });
    } catch (err) {
      if (err instanceof PlanLockedError) continue; // someone applies or rolls it back now
      const msg = (err as Error)?.message ?? String(err);
      await record(ctx, caseId, "could-not-run", `${what} could not run: ${msg}; not tried again until the plan's journal changes: a person must resume it with abuse-desk apply ${planId}`, { planId, steps: ids, attempt: n, of: max, error: msg, journalSeq: lastSeq });
      continue;
    }
    const still = result.steps.filter((x) => x.status === "failed");
    if (still.length === 0) {
      const waiting = result.steps.filter((x) => x.status === "not-run").length;
      await record(ctx, caseId, "done", `${what}: steps ${ids.join(", ")} done now${result.status === "complete" ? "; the plan is complete" : waiting ? `; ${waiting} steps wait for a person` : ""}`, { planId, steps: ids, attempt: n, of: max, status: result.status });
    } else {
      const errs = still.map((x) => `${x.stepId}: ${x.error ?? "failed"}`).join("; ");
      await record(ctx, caseId, "failed", `${what} failed${failed.length ? " again" : ""} (${errs}); ${more}`, { planId, steps: ids, failed: still.map((x) => x.stepId), attempt: n, of: max, status: result.status });
    }
  }
}

/** How many runs have tried a notification key so far (the timeline's `notification` events with outcomes). */
function runsOf(timeline: readonly TimelineEvent[], key: string): number {
  return timeline.filter((e) => e.type === "notification" && e.data.key === key && Array.isArray(e.data.outcomes) && e.data.outcomes.length > 0).length;
}

async function runNotifications(ctx: Ctx): Promise<void> {
  const settings = ctx.deps.notify!;
  for await (const c of openCases(ctx.store)) {
    // A case changed a moment ago is being worked on: the command that changed it notifies after
    // its change (desk notifyAfterChange); sending here too would say it twice. The next run
    // catches whatever that left due.
    if (ctx.now.getTime() - Date.parse(c.updatedAt) < ctx.settings.settleMs) continue;
    const state = await caseState(ctx.store, c.id);
    const timeline = state.timeline ?? [];
    const sent = sentKeys(timeline);
    const opts = { deadlineWarningHours: settings.deadlineWarningHours, sent };
    const events: NotifyEvent[] = [...dueNotifications(state, ctx.now, opts), ...followUpNotifications(state, ctx.now, { ...opts, followUpAfterHours: ctx.settings.followUpAfterHours })];
    if (events.length === 0) continue;
    for (const event of events) {
      // Before each send: a run that hung past its lease sends nothing more beside its successor.
      await fence(ctx);
      const run = runsOf(timeline, event.key) + 1;
      // Recorded with the run's number; the last run that could deliver nowhere says it was given up.
      const recordOutcome = async (e: NotifyEvent, outcomes: DeliveryOutcome[]) => {
        const delivered = outcomes.some((o) => o.ok);
        const refused = !delivered && outcomes.every((o) => o.retryable === false);
        const givenUp = !delivered && !refused && run >= MAX_NOTIFY_RUNS;
        const tail = delivered ? "" : refused ? " (refused for good: not tried again)" : givenUp ? ` (run ${run} of ${MAX_NOTIFY_RUNS}: given up, not tried again)` : ` (run ${run} of ${MAX_NOTIFY_RUNS}: tried again on the next run)`;
        const summary = `${outcomeSummary(e, outcomes)}${tail}`;
        await ctx.store.recordEvent(e.caseId, "notification", summary, { key: e.key, kind: e.kind, outcomes, run, of: MAX_NOTIFY_RUNS, ...(givenUp ? { givenUp: true } : {}) }, { actor: ctx.actor, now: ctx.now });
        ctx.items.push({ caseId: e.caseId, outcome: delivered ? "notified" : givenUp ? "notify-given-up" : refused ? "notify-refused" : "notify-failed", summary });
      };
      let recordError: unknown = null;
      const notifier = new Notifier(settings.channels, { retry: settings.retry, record: recordOutcome, onError: (err) => (recordError = err) });
      const outcomes = await notifier.send(event);
      // Nothing sent and nothing recorded would be a lie by silence: a store that failed to record is the job's failure.
      if (recordError) throw recordError instanceof Error ? recordError : new Error(String(recordError));
      if (outcomes.length === 0) continue; // no channel wants this kind
    }
  }
}
