/**
 * The journal: what the executor writes before and after every step, kept by the case store and
 * read by the reply. Plans and steps are the plan folder's (src/plan/types.ts); re-exported here
 * for the journal's users.
 */
import type { Plan } from "../plan/types.ts";

export type { ApiCall, Plan, Step, StepOf, StepTarget } from "../plan/types.ts";

export type JournalPhase =
  | "started" // about to call: written before the call, with `before` (the state needed to undo)
  | "done" // the call succeeded: `after` holds what it produced (snapshot ids, new group id)
  | "failed" // the call failed: `error`; the plan stops here
  | "skipped" // already in the wanted state (idempotent resume): nothing called
  | "rollback-started"
  | "rolled-back"
  | "rollback-failed"
  | "override" // a person applied a plan despite the verdict: `detail.reason` says why
  | "lock-taken-over" // (plan-level) an apply or rollback took the plan's lock from a holder that had died or stopped renewing: `detail` names it
  | "transit" // (isolate-eni) about to move the interface into the all-traffic group: `detail` is the TransitRecord (src/plan/action.ts)
  | "transit-resolved"; // a later command found the transit unfinished and ended it: `detail.outcome` and `detail.message` say how

export interface JournalEntry {
  /** Monotonic within the store. */
  seq: number;
  planId: string;
  stepId: string | null;
  phase: JournalPhase;
  at: string;
  actor: string;
  before?: unknown;
  after?: unknown;
  error?: string;
  detail?: Record<string, unknown>;
}

/** Where plans and the journal live (the case store implements it; tests use it on SQLite). */
export interface JournalStore {
  savePlan(plan: Plan): Promise<void>;
  getPlan(planId: string): Promise<Plan | null>;
  plansForCase(caseId: string): Promise<Plan[]>;
  /** Appends durably (the entry is on disk when the promise resolves). */
  append(entry: Omit<JournalEntry, "seq" | "at"> & { at?: string }): Promise<JournalEntry>;
  entries(planId: string): Promise<JournalEntry[]>;
}
