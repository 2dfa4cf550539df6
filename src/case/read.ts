/**
 * A case with all its records, read through the `CaseStore` API: what the report, the reply and
 * `case show` each read of a case.
 */
import type { JournalEntry, Plan } from "../execute/types.ts";
import type { Case, CaseStore, Evidence, StoredNotice, TimelineEvent } from "./types.ts";
import type { StoredInvestigation } from "./investigations.ts";
import type { ReadinessAccountRun } from "./readiness-runs.ts";
import { findingsFromTimeline } from "../reply/timeline.ts";
import { isCredentialCase, type ChecklistItemState } from "../credentials/checklist.ts";

/** Accounts whose readiness a case reads at most (a case naming more reads the first ones). */
export const MAX_GAP_ACCOUNTS = 20;

export interface CaseRecords {
  case: Case;
  notices: StoredNotice[];
  plans: Plan[];
  /** The journal entries of the plans, plan by plan (in the plans' order), each plan's in order. */
  journal: JournalEntry[];
  evidence: Evidence[];
  timeline: TimelineEvent[];
  /** The case's investigations, oldest first (investigations.ts). */
  investigations?: StoredInvestigation[];
  /** The latest readiness run of each account the case concerns (readiness-runs.ts): src/readiness/gaps.ts reads the gaps from them. */
  readiness?: ReadinessAccountRun[];
  /** A credential case's root checklist (checklist.ts); null for any other case. */
  checklist?: ChecklistItemState[] | null;
}

/** The journal entries of these plans, flattened in the plans' order. */
export async function plansJournal(store: Pick<CaseStore, "entries">, plans: readonly Plan[]): Promise<JournalEntry[]> {
  return (await Promise.all(plans.map((p) => store.entries(p.id)))).flat();
}

/** The case a reference names (an id or AWS's case number), with its notices, plans, journal, evidence and timeline. */
export async function readCase(store: CaseStore, ref: string): Promise<CaseRecords> {
  const c = await store.requireCase(ref);
  const [notices, plans, evidence, timeline, investigations] = await Promise.all([store.notices(c.id), store.plansForCase(c.id), store.evidence(c.id), store.timeline(c.id), store.investigations(c.id)]);
  const accounts = new Set(c.accountIds);
  for (const f of findingsFromTimeline(timeline)) for (const r of f.resources) accounts.add(r.accountId);
  const [journal, readiness, checklist] = await Promise.all([
    plansJournal(store, plans),
    Promise.all([...accounts].sort().slice(0, MAX_GAP_ACCOUNTS).map((a) => store.readinessAccountRun(a))).then((runs) => runs.filter((r): r is ReadinessAccountRun => r !== null)),
    isCredentialCase(c, notices) ? store.checklist(c.id) : Promise.resolve(null),
  ]);
  return { case: c, notices, plans, journal, evidence, timeline, investigations, readiness, checklist };
}
