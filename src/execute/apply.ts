/**
 * Apply: carries out a plan's steps against a cloud port, journalling each before (`started`,
 * with the state needed to undo it) and after (`done` / `skipped` / `failed`).
 *
 * - Idempotent: a step the journal shows complete is not run again; a step started but never
 *   finished (a crash, a kill) is resumed from the real state, so no call is made twice.
 * - Gated: a plan from a notice judged phishing or suspicious is refused unless a person overrides
 *   it with a reason (journalled); automatic (policy) apply runs only for `authentic` notices and
 *   only the steps the policy lets run without a person.
 * - Safe on failure: transient errors are retried with backoff; a step that still fails stops the
 *   run (steps in flight finish), is compensated if it would otherwise leave more open than before,
 *   and the result says exactly what was done and what was not.
 */
import { CloudError } from "../cloud/errors.ts";
import type { Scope } from "../cloud/model.ts";
import type { CloudPort } from "../cloud/port.ts";
import type { VerdictLevel } from "../verify/types.ts";
import { ApplyRefused, StepError } from "./errors.ts";
import type { EvidenceSink } from "../plan/evidence.ts";
import { HANDLERS, type ActionName } from "../plan/actions/index.ts";
import type { Handler, StepContext } from "../plan/action.ts";
import { PlanInvalid, validatePlan } from "../plan/validate.ts";
import { coalescing, isComplete, rollbackBegun, stepStates, type StepState } from "./journal.ts";
import { resolveRefs } from "./refs.ts";
import { withRetry, type RetryOptions } from "./retry.ts";
import { runJobs, type Caps, type Job } from "./scheduler.ts";
import { recoverPlanTransits, type TransitOutcome } from "./transit.ts";
import type { JournalEntry, JournalStore, Plan, Step } from "./types.ts";

export type StepStatus = "done" | "skipped" | "already-done" | "failed" | "not-run";

export interface StepResult {
  stepId: string;
  action: string;
  target: string;
  status: StepStatus;
  /** What the step produced (snapshot ids, the new group id...). */
  after?: unknown;
  error?: string;
  /** Why it did not run, or what compensation did after a failure. */
  reason?: string;
  /** After a failure: the state the step changes, read again (what it had done before it failed). */
  observed?: unknown;
  attempts?: number;
}

export interface ApplyResult {
  planId: string;
  /** `complete`: every step done; `failed`: a step failed and the run stopped; `incomplete`: steps wait for a person. */
  status: "complete" | "failed" | "incomplete";
  steps: StepResult[];
  /** The override reason, when a person applied despite the verdict. */
  override?: string;
  /** Interfaces an earlier run left in the all-traffic group, found and ended before any step (./transit.ts). */
  recovered?: TransitOutcome[];
}

export interface ProgressEvent {
  stepId: string;
  action: string;
  target: string;
  status: StepStatus | "started" | "retrying";
  message?: string;
}

export interface ExecOptions {
  port: CloudPort;
  journal: JournalStore;
  /** Who acts, for the journal (`alice`, `policy:isolate dev hosts`). */
  actor?: string;
  onProgress?: (e: ProgressEvent) => void;
  /** At most `total` steps at once, at most `perScope` per account and region (default 16 and 8). */
  concurrency?: { total?: number; perScope?: number };
  retry?: RetryOptions;
  evidence?: EvidenceSink;
  now?: () => Date;
}

export interface ApplyOptions extends ExecOptions {
  /** The notice's verdict now (re-verified, or as the case recorded it). */
  verdict: VerdictLevel;
  /** Apply despite a phishing/suspicious verdict; the reason is journalled. Never honoured for `policy`. */
  override?: { reason: string };
  /** `person`: someone approved the whole plan; `policy`: only auto-approvable steps, authentic notices only. */
  approve: "person" | "policy";
  /**
   * With `policy`: the ids of the steps the policy in force lets run without a person, judged by
   * the caller from the policy (src/policy/automatic.ts). The plan's own `autoApprovable` flags
   * are never trusted: without this set, no step runs automatically.
   */
  automatic?: ReadonlySet<string>;
  /**
   * A person chose these steps (ids of the plan) to run now; the others wait ("not chosen"), and a
   * chosen step whose dependencies are neither done nor chosen waits for them. Every id must be a
   * step of the plan. Without it, every step.
   */
  only?: ReadonlySet<string>;
}

const DEFAULT_CAPS: Caps = { total: 16, perLane: 8 };

export function capsOf(o: ExecOptions["concurrency"]): Caps {
  return { total: o?.total ?? DEFAULT_CAPS.total, perLane: o?.perScope ?? DEFAULT_CAPS.perLane };
}

export const targetLabel = (s: Step) => `${s.target.type} ${s.target.id} (${s.target.accountId}/${s.target.region})`;
export const laneOf = (s: Step) => `${s.target.accountId}/${s.target.region}`;

export function errorText(err: unknown): string {
  if (err instanceof CloudError) return `${err.kind}: ${err.message}${err.action && !err.message.includes(err.action) ? ` (${err.action})` : ""}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

function errorDetail(err: unknown): Record<string, unknown> {
  if (err instanceof CloudError) return { kind: err.kind, code: err.code, action: err.action, transient: err.transient };
  if (err instanceof StepError) return { kind: "step" };
  return { kind: "internal" };
}

/** Stores the plan, or checks the stored one is the same plan: an id never names two plans. */
async function ensurePlan(journal: JournalStore, plan: Plan): Promise<void> {
  const stored = await journal.getPlan(plan.id);
  if (!stored) {
    await journal.savePlan(plan);
    return;
  }
  if (JSON.stringify(stored) === JSON.stringify(plan)) return;
  // A plan nothing was done for may be replaced; once applied it is what the journal describes.
  if ((await journal.entries(plan.id)).length === 0) {
    await journal.savePlan(plan);
    return;
  }
  throw new ApplyRefused("plan-mismatch", `plan ${plan.id} is already stored with different content and was applied; a plan is immutable once applied: make a new plan`);
}

export function handlerOf(step: Step): Handler<unknown, unknown, unknown> {
  const h = HANDLERS[step.action as ActionName] as Handler<unknown, unknown, unknown> | undefined;
  if (!h) throw new ApplyRefused("plan-mismatch", `step ${step.id}: unknown action ${step.action}`);
  return h;
}

export function stepContext(plan: Plan, step: Step, states: Map<string, StepState>, o: ExecOptions): StepContext<unknown> {
  const scope: Scope = { accountId: step.target.accountId, region: step.target.region };
  const params = resolveRefs(step.params, (id) => states.get(id)?.after);
  return { port: o.port, plan, step, scope, params, evidence: o.evidence, now: o.now ?? (() => new Date()) };
}

export async function apply(plan: Plan, opts: ApplyOptions): Promise<ApplyResult> {
  let o = opts;
  // Who acts is given by the caller (the CLI reads the person at its edge); a stage never reads the environment for it.
  const actor = o.actor ?? (o.approve === "policy" ? "policy" : "person");
  // The gate comes first: a refused plan leaves no trace but the refusal.
  // Both judgements must say authentic: the one the plan was written under and the one given now
  // (a plan file edited to mark its steps automatic still carries the verdict it was made with).
  const doubt = [o.verdict, plan.verdict].find((v) => v !== "authentic");
  if (o.approve === "policy" && doubt) {
    throw new ApplyRefused("automatic-not-authentic", `automatic apply runs only for notices verified authentic; this one is ${doubt}: a person must review and apply it`);
  }
  const risky = o.verdict === "phishing" || o.verdict === "suspicious";
  const reason = o.override?.reason?.trim();
  if (risky && !reason) {
    throw new ApplyRefused("verdict", `the notice was judged ${o.verdict}: applying its plan is refused; if you are sure it is genuine, override with a reason`);
  }

  // A plan is input to check, whoever wrote it: every step against its action's module before it is stored or run.
  try {
    validatePlan(plan);
  } catch (err) {
    if (err instanceof PlanInvalid) throw new ApplyRefused("plan-invalid", err.message);
    throw err;
  }
  if (o.only) {
    const unknown = [...o.only].filter((id) => !plan.steps.some((s) => s.id === id));
    if (unknown.length || o.only.size === 0) throw new ApplyRefused("not-chosen", unknown.length ? `plan ${plan.id} has no step ${unknown.join(", ")}` : "no step was chosen to apply");
  }
  o = { ...o, journal: coalescing(o.journal) };
  await ensurePlan(o.journal, plan);
  // An interface an earlier run left in the all-traffic group is moved out before anything else.
  const recovered = await recoverPlanTransits(plan, { port: o.port, journal: o.journal, actor });
  const entries = await o.journal.entries(plan.id);
  if (rollbackBegun(entries)) throw new ApplyRefused("rolled-back", `plan ${plan.id} has been rolled back; make a new plan to contain again`, recovered);
  if (risky && reason) {
    await o.journal.append({ planId: plan.id, stepId: null, phase: "override", actor, detail: { reason, verdict: o.verdict } });
  }

  const states = stepStates(entries);
  const results = new Map<string, StepResult>();
  const progress = (step: Step, status: ProgressEvent["status"], message?: string) =>
    o.onProgress?.({ stepId: step.id, action: step.action, target: targetLabel(step), status, ...(message ? { message } : {}) });

  const done = new Set<string>();
  for (const step of plan.steps) {
    const s = states.get(step.id);
    if (isComplete(s)) {
      done.add(step.id);
      results.set(step.id, { stepId: step.id, action: step.action, target: targetLabel(step), status: "already-done", after: s!.after });
      progress(step, "already-done");
    }
  }
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const jobs: Job[] = plan.steps.map((s) => ({ id: s.id, deps: s.dependsOn, lane: laneOf(s) }));

  const statuses = await runJobs(jobs, capsOf(o.concurrency), {
    done,
    hold: (job) =>
      o.only && !o.only.has(job.id) ? "not chosen: the person applied other steps" : o.approve === "policy" && !o.automatic?.has(job.id) ? "needs a person: no policy rule lets it run automatically" : null,
    run: async (job) => {
      const step = byId.get(job.id)!;
      const r = await runStep(plan, step, states, o, actor, progress);
      results.set(step.id, r);
      return r.status === "failed" ? "failed" : "ok";
    },
  });

  const steps = plan.steps.map((step): StepResult => {
    const r = results.get(step.id);
    if (r) return r;
    const st = statuses.get(step.id);
    const reasonText = st && st.status === "not-run" ? st.reason : undefined;
    progress(step, "not-run", reasonText);
    return { stepId: step.id, action: step.action, target: targetLabel(step), status: "not-run", ...(reasonText ? { reason: reasonText } : {}) };
  });
  const status = steps.some((s) => s.status === "failed") ? "failed" : steps.every((s) => s.status !== "not-run") ? "complete" : "incomplete";
  return { planId: plan.id, status, steps, ...(risky && reason ? { override: reason } : {}), ...(recovered.length ? { recovered } : {}) };
}

async function runStep(
  plan: Plan,
  step: Step,
  states: Map<string, StepState>,
  o: ExecOptions,
  actor: string,
  progress: (step: Step, status: ProgressEvent["status"], message?: string) => void,
): Promise<StepResult> {
  const h = handlerOf(step);
  const base = { stepId: step.id, action: step.action, target: targetLabel(step) };
  const prior = states.get(step.id);
  const append = (e: Omit<JournalEntry, "seq" | "at" | "planId" | "stepId" | "actor">) => o.journal.append({ planId: plan.id, stepId: step.id, actor, ...e });

  let ctx: StepContext<unknown>;
  try {
    ctx = { ...stepContext(plan, step, states, o), transit: async (record) => void (await append({ phase: "transit", detail: { ...record } })) };
  } catch (err) {
    await append({ phase: "failed", error: errorText(err), detail: { kind: "internal" } });
    progress(step, "failed", errorText(err));
    return { ...base, status: "failed", error: errorText(err) };
  }

  let before: unknown = prior?.firstStarted?.before;
  let started = false;
  const r = await withRetry(
    async (attempt) => {
      const now = await h.observe(ctx);
      if (!started) {
        const resumed = prior?.firstStarted !== undefined;
        if (!resumed) before = now;
        // Written before any call: after a kill, the next run knows the step began and what to restore.
        await append({ phase: "started", before, detail: { attempt, resumed, ...(resumed ? { observed: now, previous: prior?.last?.phase } : {}) } });
        progress(step, "started", resumed ? `resuming after ${prior?.last?.phase}` : undefined);
        started = true;
      }
      const out = await h.run(ctx, now, before);
      await append({ phase: out.outcome, after: out.after, detail: { attempts: attempt } });
      states.set(step.id, { ...(states.get(step.id) ?? { stepId: step.id }), after: out.after });
      progress(step, out.outcome);
      return out;
    },
    o.retry,
    (err, next, maxAttempts, wait) => progress(step, "retrying", `${errorText(err)}; attempt ${next} of ${maxAttempts} in ${wait} ms`),
  );
  if (r.ok) return { ...base, status: r.value.outcome, after: r.value.after, attempts: r.attempts };
  const { error: err, attempts } = r;
  let compensated: string | null = null;
  if (started && h.compensate) {
    try {
      compensated = await h.compensate(ctx, before);
    } catch (cerr) {
      compensated = `compensation failed too (${errorText(cerr)}): roll back or re-run this plan`;
    }
  }
  // A step of several calls may have made some: what it changes, read again, says which.
  let observed: unknown;
  if (started) observed = await h.observe(ctx).catch(() => undefined);
  const seen = observed === undefined ? {} : { observed };
  await append({ phase: "failed", error: errorText(err), detail: { ...errorDetail(err), attempts, ...(compensated ? { compensated } : {}), ...seen } });
  progress(step, "failed", errorText(err));
  return { ...base, status: "failed", error: errorText(err), attempts, ...(compensated ? { reason: compensated } : {}), ...seen };
}
