/**
 * What needs a person (the web desk's "needs a person" view): plans of open cases that wait for
 * someone to approve them or, approved, to apply them (the approval read as ./approval.ts reads
 * it), steps that failed (applying or rolling back) and were not since done,
 * read from the plans, the journal and the approvals' notes in three queries. Cases with a doubtful verdict and
 * follow-ups that matched no case are `listCases` filters (verdict, needsLinking).
 */
import type { Plan } from "../plan/types.ts";
import { approvalIn, type PlanApproval } from "./approval.ts";
import { num, type Trx } from "./rows.ts";

export interface PendingPlan {
  caseId: string;
  planId: string;
  createdAt: string;
  playbook: string;
  /** Steps not yet done (nor found already in the wanted state). */
  waiting: number;
  steps: number;
  deadline: string;
  /** Who approved it on the web desk and when; null: it waits for an approval, else for someone to apply it. */
  approval: PlanApproval | null;
}

export interface FailedStep {
  caseId: string;
  planId: string;
  stepId: string;
  phase: "failed" | "rollback-failed";
  at: string;
  error: string | null;
  deadline: string;
}

export interface Attention {
  pendingPlans: PendingPlan[];
  failedSteps: FailedStep[];
  /** True when more open cases' plans existed than were read (the lists show the most urgent). */
  truncated: boolean;
}

/** Reads at most `scan` plans of open cases, most urgent deadline first. */
export async function attentionIn(db: Trx, opts: { scan?: number } = {}): Promise<Attention> {
  const scan = Math.max(1, Math.min(opts.scan ?? 500, 5000));
  const plans = await db
    .selectFrom("plans as p")
    .innerJoin("cases as c", "c.id", "p.case_id")
    .select(["p.id", "p.case_id", "p.created_at", "p.plan_json", "c.deadline_at"])
    .where("c.is_open", "=", 1)
    .orderBy("c.deadline_at", "asc")
    .orderBy("c.id", "asc")
    .orderBy("p.created_at", "desc")
    .limit(scan + 1)
    .execute();
  const truncated = plans.length > scan;
  const rows = plans.slice(0, scan);
  const latest = new Map<string, Map<string, { phase: string; at: string; error: string | null; seq: number }>>();
  for (let i = 0; i < rows.length; i += 300) {
    const ids = rows.slice(i, i + 300).map((r) => r.id);
    const entries = await db.selectFrom("journal").select(["plan_id", "step_id", "phase", "at", "error", "seq"]).where("plan_id", "in", ids).where("step_id", "is not", null).orderBy("seq", "asc").execute();
    for (const e of entries) {
      let m = latest.get(e.plan_id);
      if (!m) latest.set(e.plan_id, (m = new Map()));
      m.set(e.step_id!, { phase: e.phase, at: e.at, error: e.error, seq: num(e.seq) });
    }
  }
  const pendingPlans: PendingPlan[] = [];
  const failedSteps: FailedStep[] = [];
  const seenCase = new Set<string>();
  for (const r of rows) {
    const caseId = r.case_id!;
    const steps = (JSON.parse(r.plan_json) as Plan).steps;
    const m = latest.get(r.id) ?? new Map();
    let failed = false;
    let rolled = false;
    for (const [stepId, e] of m) {
      if (e.phase === "failed" || e.phase === "rollback-failed") {
        failed = true;
        failedSteps.push({ caseId, planId: r.id, stepId, phase: e.phase, at: e.at, error: e.error, deadline: r.deadline_at });
      }
      if (e.phase === "rolled-back" || e.phase === "rollback-started") rolled = true;
    }
    // The newest plan of a case is the one a person would approve; older ones were replaced.
    if (seenCase.has(caseId)) continue;
    seenCase.add(caseId);
    const waiting = steps.filter((s) => {
      const e = m.get(s.id);
      return !e || (e.phase !== "done" && e.phase !== "skipped");
    }).length;
    if (!failed && !rolled && steps.length > 0 && waiting > 0) {
      pendingPlans.push({ caseId, planId: r.id, createdAt: r.created_at, playbook: (JSON.parse(r.plan_json) as Plan).playbook, waiting, steps: steps.length, deadline: r.deadline_at, approval: null });
    }
  }
  // The approvals of the plans that wait: the web desk's notes naming them, read as the desk reads them.
  const byCase = new Map<string, PendingPlan[]>();
  for (const p of pendingPlans) byCase.set(p.caseId, [...(byCase.get(p.caseId) ?? []), p]);
  const caseIds = [...byCase.keys()];
  for (let i = 0; i < caseIds.length; i += 300) {
    const notes = await db
      .selectFrom("timeline")
      .select(["case_id", "at", "data"])
      .where("case_id", "in", caseIds.slice(i, i + 300))
      .where("type", "=", "note")
      .where("data", "like", '%"planApproved"%')
      .orderBy("id", "asc")
      .execute();
    const entries = new Map<string, { at: string; data: Record<string, unknown> }[]>();
    for (const n of notes) entries.set(n.case_id, [...(entries.get(n.case_id) ?? []), { at: n.at, data: JSON.parse(n.data) as Record<string, unknown> }]);
    for (const [caseId, list] of entries) for (const p of byCase.get(caseId) ?? []) p.approval = approvalIn(list, p.planId);
  }
  return { pendingPlans, failedSteps, truncated };
}
