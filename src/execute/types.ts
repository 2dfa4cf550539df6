/**
 * Plans and the journal: the contract between the playbook stage (which writes plans), the
 * executor (which applies them and journals every step), the case store (which keeps both) and
 * the reply (which tells AWS what was done, from the journal).
 */
import type { Scope } from "../cloud/model.ts";
import type { ActivityType } from "../notice/types.ts";
import type { VerdictLevel } from "../verify/types.ts";

/** One API call, exactly as a dry run would make it. */
export interface ApiCall {
  /** `ec2:ModifyNetworkInterfaceAttribute` (the IAM action name). */
  api: string;
  params: Record<string, unknown>;
}

export interface Step {
  /** Stable and unique within the plan (`03-isolate-eni-0abc`); the journal keys on it. */
  id: string;
  /** What kind of action: `capture-metadata`, `protect-termination`, `snapshot-volumes`, `isolate-eni`, ... */
  action: string;
  target: Scope & { type: string; id: string };
  /** The exact parameters of the action. */
  params: Record<string, unknown>;
  /** The API calls it makes (for the dry run and the IAM policy). */
  calls: ApiCall[];
  /** Why this step, in words a reviewer accepts or rejects. */
  reason: string;
  /** What it changes in the account, in words ("replaces sg-1, sg-2 on eni-0abc with sg-iso"). */
  changes: string;
  reversible: boolean;
  risk: "low" | "medium" | "high";
  /** Steps whose completion this one needs (ids). */
  dependsOn: string[];
  /** A written policy lets this step run without a person. */
  autoApprovable: boolean;
}

export interface Plan {
  id: string;
  caseId: string | null;
  createdAt: string;
  /** The playbook that produced it (`compromised-host`, `open-proxy`, `content`, `case-only`...). */
  playbook: string;
  activityType: ActivityType;
  verdict: VerdictLevel;
  /** One paragraph: what the plan does and why. */
  summary: string;
  steps: Step[];
  /** Resources the policy protects, or that exceed the blast radius: named, never touched. */
  refused: { target: string; reason: string }[];
  warnings: string[];
}

export type JournalPhase =
  | "started" // about to call: written before the call, with `before` (the state needed to undo)
  | "done" // the call succeeded: `after` holds what it produced (snapshot ids, new group id)
  | "failed" // the call failed: `error`; the plan stops here
  | "skipped" // already in the wanted state (idempotent resume): nothing called
  | "rollback-started"
  | "rolled-back"
  | "rollback-failed"
  | "override" // a person applied a plan despite the verdict: `detail.reason` says why
  | "lock-taken-over"; // (plan-level) an apply or rollback took the plan's lock from a holder that had died or stopped renewing: `detail` names it

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
