/**
 * The containment journal's append, shared by the store (`append`, the held journal) and the plan
 * locks (a takeover is journalled in the transaction that takes the lock): the entry, its audit
 * entry and, for a case's plan, the timeline event it reads as.
 */
import { UserError } from "../errors.ts";
import type { JournalEntry, JournalPhase, Plan } from "../execute/types.ts";
import { iso } from "./rules.ts";
import { rowToEntry } from "./rows.ts";
import type { EventType } from "./types.ts";
import type { Write } from "./writes.ts";

/** Journal phases that also go on the case's timeline, and how the event reads. */
export const JOURNAL_EVENTS: Partial<Record<JournalPhase, { type: EventType; verb: string }>> = {
  done: { type: "step-applied", verb: "applied" },
  failed: { type: "step-failed", verb: "failed" },
  skipped: { type: "step-skipped", verb: "skipped (already in the wanted state)" },
  "rolled-back": { type: "step-rolled-back", verb: "rolled back" },
  "rollback-failed": { type: "step-failed", verb: "failed to roll back" },
  override: { type: "plan", verb: "applied despite the verdict" },
  "lock-taken-over": { type: "plan", verb: "lock taken over" },
  "transit-resolved": { type: "plan", verb: "found left in the all-traffic transit" },
};

/** What a plan-level entry adds to its timeline line. */
export function planEntryReason(entry: Omit<JournalEntry, "seq" | "at">): string {
  if (entry.phase === "override") return `: ${String(entry.detail?.reason ?? "no reason given")}`;
  if (entry.phase === "lock-taken-over") {
    const from = entry.detail?.from as { holder?: string } | undefined;
    return ` by ${String(entry.detail?.holder)} from ${String(from?.holder)}: ${String(entry.detail?.reason)}`;
  }
  if (entry.phase === "transit-resolved") return `: ${String(entry.detail?.message ?? entry.detail?.outcome)}`;
  return entry.error ? `: ${entry.error}` : "";
}

/** A journal entry, with its audit entry and (for a case's plan) its timeline event, in the caller's transaction. */
export async function appendTx(w: Write, entry: Omit<JournalEntry, "seq" | "at"> & { at?: string }): Promise<JournalEntry> {
  const ev = JOURNAL_EVENTS[entry.phase];
  // The plan itself is read only to name a step on the timeline.
  const needPlan = !!(ev && entry.stepId);
  const plan = await w.trx
    .selectFrom("plans")
    .select("case_id")
    .$if(needPlan, (q) => q.select("plan_json"))
    .where("id", "=", entry.planId)
    .executeTakeFirst();
  if (!plan) throw new UserError(`journal: no plan ${entry.planId} in the store (save the plan before journalling its steps)`, { exitCode: 65 });
  const at = entry.at ? iso(entry.at) : w.at;
  const row = await w.trx
    .insertInto("journal")
    .values({
      plan_id: entry.planId,
      step_id: entry.stepId ?? null,
      phase: entry.phase,
      at,
      actor: entry.actor,
      before_json: entry.before === undefined ? null : JSON.stringify(entry.before),
      after_json: entry.after === undefined ? null : JSON.stringify(entry.after),
      error: entry.error ?? null,
      detail_json: entry.detail === undefined ? null : JSON.stringify(entry.detail),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const stored = rowToEntry(row);
  w.audit("journal.append", plan.case_id, { entry: stored });
  if (ev && plan.case_id && (await w.trx.selectFrom("cases").select("id").where("id", "=", plan.case_id).executeTakeFirst())) {
    const step = entry.stepId && plan.plan_json !== undefined ? (JSON.parse(plan.plan_json) as Plan).steps?.find((s) => s.id === entry.stepId) : undefined;
    const what = step ? `${step.action} on ${step.target.id}` : (entry.stepId ?? `plan ${entry.planId}`);
    const reason = planEntryReason(entry);
    await w.event(plan.case_id, ev.type, `${entry.stepId ? `Step ${entry.stepId} (${what})` : `Plan ${entry.planId}`} ${ev.verb}${reason}`, {
      planId: entry.planId,
      stepId: entry.stepId,
      journalSeq: stored.seq,
      phase: entry.phase,
    });
  }
  return stored;
}
