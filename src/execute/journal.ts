/**
 * Reading the journal back: where each step of a plan stands, from its entries alone. Apply and
 * rollback decide everything (run, resume, skip, undo) from this view, so a process that died
 * anywhere is picked up by the next one exactly where it stopped.
 */
import { READ_ONLY_ACTIONS } from "../plan/actions/index.ts";
import type { JournalEntry, JournalPhase, JournalStore, Plan, Step } from "./types.ts";

export interface StepState {
  stepId: string;
  /** The first `started`: its `before` is the state to restore on rollback. */
  firstStarted?: JournalEntry;
  /** The latest apply-side entry (started / done / skipped / failed). */
  last?: JournalEntry;
  /** What the step produced (the `after` of its `done` or `skipped`). */
  after?: unknown;
  /** The latest rollback-side entry. */
  lastRollback?: JournalEntry;
}

const APPLY: ReadonlySet<JournalPhase> = new Set(["started", "done", "skipped", "failed"]);
const ROLLBACK: ReadonlySet<JournalPhase> = new Set(["rollback-started", "rolled-back", "rollback-failed"]);

export function stepStates(entries: readonly JournalEntry[]): Map<string, StepState> {
  const out = new Map<string, StepState>();
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  for (const e of sorted) {
    if (e.stepId === null) continue;
    const s = out.get(e.stepId) ?? { stepId: e.stepId };
    if (APPLY.has(e.phase)) {
      if (e.phase === "started" && !s.firstStarted) s.firstStarted = e;
      s.last = e;
      if (e.phase === "done" || e.phase === "skipped") s.after = e.after;
    } else if (ROLLBACK.has(e.phase)) {
      s.lastRollback = e;
    }
    out.set(e.stepId, s);
  }
  return out;
}

/** The step reached its wanted state (by this run or an earlier one). */
export function isComplete(s: StepState | undefined): boolean {
  return s?.last?.phase === "done" || s?.last?.phase === "skipped";
}

/** Anything was ever started for the plan's rollback. */
export function rollbackBegun(entries: readonly JournalEntry[]): boolean {
  return entries.some((e) => ROLLBACK.has(e.phase));
}

/**
 * Hands the appends made in one turn of the event loop to the store together. Steps run in
 * parallel, but each reaches its journal entry at its own moment; a store that commits groups of
 * concurrent writes (one transaction, one fsync: the case store does) then sees them one by one.
 * Deferring to the end of the turn (setImmediate) lets every step that got that far join one
 * group. Nothing else changes: each append still resolves only once the store has made it
 * durable, and entries reach the store in the order they were made.
 */
export function coalescing(journal: JournalStore): JournalStore {
  let pending: { entry: Parameters<JournalStore["append"]>[0]; resolve: (e: JournalEntry) => void; reject: (err: unknown) => void }[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    for (const p of batch) journal.append(p.entry).then(p.resolve, p.reject);
  };
  return {
    savePlan: (plan) => journal.savePlan(plan),
    getPlan: (id) => journal.getPlan(id),
    plansForCase: (id) => journal.plansForCase(id),
    entries: (id) => journal.entries(id),
    append(entry) {
      return new Promise<JournalEntry>((resolve, reject) => {
        pending.push({ entry, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}

/** Steps whose change rollback leaves on purpose (evidence, case tags, the groups abuse-desk created): not containment that holds. */
const KEPT_BY_DESIGN: ReadonlySet<string> = new Set(["snapshot-volumes", "tag-resources", "create-all-traffic-group", "create-isolation-group"]);

export interface InPlace {
  step: Step;
  /** `applied`: done (or found in place); `partly`: started but never finished, so it may hold in part. */
  how: "applied" | "partly";
}

/** The steps of a plan whose change still holds as far as the journal knows: started, not rolled back, not evidence. */
export function stepsInPlace(plan: Plan, entries: readonly JournalEntry[]): InPlace[] {
  const states = stepStates(entries);
  const out: InPlace[] = [];
  for (const step of plan.steps) {
    const s = states.get(step.id);
    if (!s?.firstStarted || READ_ONLY_ACTIONS.has(step.action) || KEPT_BY_DESIGN.has(step.action)) continue;
    if (s.lastRollback?.phase === "rolled-back") continue;
    out.push({ step, how: isComplete(s) ? "applied" : "partly" });
  }
  return out;
}
