/**
 * Rollback: undoes what a plan's apply changed, newest first (a step is undone only after every
 * step that depended on it), from the journal alone: each step started is restored to the
 * `before` of its first `started` entry, reading the real state first so only what differs is
 * called. Evidence (captures, snapshots), the case tags and the security groups abuse-desk
 * created are kept (docs/containment.md). Rollback is journalled and resumable like apply.
 */
import { ApplyRefused } from "./errors.ts";
import { capsOf, errorText, handlerOf, laneOf, stepContext, targetLabel, type ExecOptions, type ProgressEvent } from "./apply.ts";
import { coalescing, rollbackBegun, stepStates } from "./journal.ts";
import { READ_ONLY_ACTIONS } from "../plan/actions/index.ts";
import { withRetry } from "./retry.ts";
import { runJobs, type Job } from "./scheduler.ts";
import { recoverPlanTransits, type TransitOutcome } from "./transit.ts";
import type { JournalEntry, Plan, Step } from "./types.ts";

type UndoStatus = "rolled-back" | "nothing" | "kept" | "already-rolled-back" | "never-applied" | "not-chosen" | "failed" | "not-run";

export interface UndoStepResult {
  stepId: string;
  action: string;
  target: string;
  status: UndoStatus;
  detail?: Record<string, unknown>;
  error?: string;
  reason?: string;
}

export interface RollbackResult {
  planId: string;
  /**
   * `complete`: every step it changed is restored by this run; `failed`: a step could not be;
   * `nothing-to-roll-back`: no step is left to undo (an earlier rollback restored them all, or the
   * plan only kept evidence), so nothing was called.
   */
  status: "complete" | "failed" | "nothing-to-roll-back";
  steps: UndoStepResult[];
  /** With `nothing-to-roll-back`: when an earlier rollback finished, and who ran it. */
  rolledBackBefore?: { at: string; actor: string };
  /** Interfaces an earlier run left in the all-traffic group, put back before anything else (./transit.ts). */
  recovered?: TransitOutcome[];
}

export interface RollbackOptions extends ExecOptions {
  reason?: string;
  /**
   * Roll back only these steps (ids of the plan); the others stay as they are ("not-chosen").
   * Refused when a step still in place depends on a chosen one and is not chosen itself (undoing
   * under it would break what it did): choose it too, or roll back the whole plan.
   */
  only?: ReadonlySet<string>;
}

export async function rollback(planId: string, opts: RollbackOptions): Promise<RollbackResult> {
  const o = { ...opts, journal: coalescing(opts.journal) };
  const plan: Plan | null = await o.journal.getPlan(planId);
  if (!plan) throw new ApplyRefused("unknown-plan", `no plan ${planId} in the journal`);
  const actor = o.actor ?? "person";
  // An interface an earlier run left in the all-traffic group goes back to its old groups first.
  const recovered = await recoverPlanTransits(plan, { port: o.port, journal: o.journal, actor, prefer: "restore" });
  const rec = recovered.length ? { recovered } : {};
  const entries = await o.journal.entries(planId);
  const states = stepStates(entries);
  const touched = plan.steps.filter((s) => states.get(s.id)?.firstStarted !== undefined);
  if (!touched.length) throw new ApplyRefused("not-applied", `plan ${planId} was never applied: nothing to roll back`, recovered);
  const chosen = (s: Step) => !o.only || o.only.has(s.id);
  if (o.only) {
    const unknown = [...o.only].filter((id) => !plan.steps.some((s) => s.id === id));
    if (unknown.length || o.only.size === 0) throw new ApplyRefused("not-chosen", unknown.length ? `plan ${planId} has no step ${unknown.join(", ")}` : "no step was chosen to roll back", recovered);
    const inPlace = (s: Step) => states.get(s.id)?.firstStarted !== undefined && !READ_ONLY_ACTIONS.has(s.action) && states.get(s.id)?.lastRollback?.phase !== "rolled-back";
    for (const s of plan.steps) {
      if (chosen(s) || !inPlace(s)) continue;
      const under = s.dependsOn.filter((d) => o.only!.has(d) && inPlace(plan.steps.find((x) => x.id === d)!));
      if (under.length) throw new ApplyRefused("not-chosen", `step ${s.id} depends on ${under.join(", ")} and is still in place: roll it back too, or the whole plan`, recovered);
    }
  }
  const left = touched.filter((s) => chosen(s) && !READ_ONLY_ACTIONS.has(s.action) && states.get(s.id)?.lastRollback?.phase !== "rolled-back");
  if (!left.length) {
    const last = [...entries].filter((e) => e.phase === "rolled-back").sort((a, b) => a.seq - b.seq).at(-1);
    const steps = plan.steps.map((s): UndoStepResult => ({
      stepId: s.id,
      action: s.action,
      target: targetLabel(s),
      status: !chosen(s) ? "not-chosen" : !states.get(s.id)?.firstStarted ? "never-applied" : READ_ONLY_ACTIONS.has(s.action) ? "kept" : "already-rolled-back",
    }));
    return { planId, status: "nothing-to-roll-back", steps, ...(rollbackBegun(entries) && last ? { rolledBackBefore: { at: last.at, actor: last.actor } } : {}), ...rec };
  }

  const progress = (step: Step, status: UndoStatus | "started", message?: string) =>
    o.onProgress?.({ stepId: step.id, action: step.action, target: targetLabel(step), status: status as ProgressEvent["status"], ...(message ? { message } : {}) });
  const results = new Map<string, UndoStepResult>();
  const base = (s: Step) => ({ stepId: s.id, action: s.action, target: targetLabel(s) });

  // Reverse the graph: a step waits for every step that depended on it; the newest start goes first.
  const startedSeq = (s: Step) => states.get(s.id)?.firstStarted?.seq ?? -1;
  const order = [...plan.steps].sort((a, b) => startedSeq(b) - startedSeq(a));
  const dependants = new Map<string, string[]>();
  for (const s of plan.steps) for (const d of s.dependsOn) dependants.set(d, [...(dependants.get(d) ?? []), s.id]);
  const done = new Set<string>();
  for (const s of plan.steps) {
    const st = states.get(s.id);
    if (!chosen(s)) {
      done.add(s.id);
      results.set(s.id, { ...base(s), status: "not-chosen" });
    } else if (!st?.firstStarted || READ_ONLY_ACTIONS.has(s.action)) {
      done.add(s.id);
      results.set(s.id, { ...base(s), status: st?.firstStarted ? "kept" : "never-applied" });
    } else if (st.lastRollback?.phase === "rolled-back") {
      done.add(s.id);
      results.set(s.id, { ...base(s), status: "already-rolled-back" });
    }
  }
  const jobs: Job[] = order.map((s) => ({ id: s.id, deps: dependants.get(s.id) ?? [], lane: laneOf(s) }));
  const byId = new Map(plan.steps.map((s) => [s.id, s]));

  const statuses = await runJobs(jobs, capsOf(o.concurrency), {
    done,
    run: async (job) => {
      const step = byId.get(job.id)!;
      const st = states.get(step.id)!;
      const append = (e: Omit<JournalEntry, "seq" | "at" | "planId" | "stepId" | "actor">) => o.journal.append({ planId, stepId: step.id, actor, ...e });
      const h = handlerOf(step);
      let first = true;
      const r = await withRetry(async () => {
        const ctx = stepContext(plan, step, states, o);
        if (first) {
          await append({ phase: "rollback-started", before: st.firstStarted!.before, detail: { reason: o.reason ?? "rollback requested" } });
          progress(step, "started");
          first = false;
        }
        const undone = await h.undo(ctx, st.firstStarted!.before, st.after);
        await append({ phase: "rolled-back", after: undone.detail ?? null, detail: { outcome: undone.outcome } });
        results.set(step.id, { ...base(step), status: undone.outcome, ...(undone.detail ? { detail: undone.detail } : {}) });
        progress(step, undone.outcome);
      }, o.retry);
      if (r.ok) return "ok";
      await append({ phase: "rollback-failed", error: errorText(r.error) });
      results.set(step.id, { ...base(step), status: "failed", error: errorText(r.error) });
      progress(step, "failed", errorText(r.error));
      return "failed";
    },
  });

  const steps = plan.steps.map((s): UndoStepResult => {
    const r = results.get(s.id);
    if (r) return r;
    const st = statuses.get(s.id);
    return { ...base(s), status: "not-run", ...(st?.status === "not-run" ? { reason: st.reason } : {}) };
  });
  return { planId, status: steps.some((s) => s.status === "failed" || s.status === "not-run") ? "failed" : "complete", steps, ...rec };
}
