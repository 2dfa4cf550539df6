/**
 * A case with all its records, read through the `CaseStore` API: what the report, the reply and
 * `case show` each read of a case.
 */
import type { JournalEntry, Plan } from "../execute/types.ts";
import type { Case, CaseStore, Evidence, StoredNotice, TimelineEvent } from "./types.ts";
import type { StoredInvestigation } from "./investigations.ts";
import { isCredentialCase, type ChecklistItemState } from "../credentials/checklist.ts";

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
  const journal = await plansJournal(store, plans);
  const checklist = isCredentialCase(c, notices) ? await store.checklist(c.id) : null;
  return { case: c, notices, plans, journal, evidence, timeline, investigations, checklist };
}
