/**
 * What of a case's containment holds, and the interfaces left in transit, as desk operations: the
 * CLI commands (apply, rollback, plan, intake, case show, case close) and the service's scheduler
 * call these, so every later command on a case finds an interface an earlier run left in the
 * all-traffic group and ends the transit (src/execute/transit.ts).
 */
import type { CaseStore } from "../case/types.ts";
import type { CloudPort } from "../cloud/port.ts";
import { stepsInPlace, type InPlace } from "../execute/journal.ts";
import { openTransits, recoverPlanTransits, type OpenTransit, type TransitOutcome } from "../execute/transit.ts";
import type { Plan } from "../execute/types.ts";

/** Interfaces of a case's plans that the journal has not seen leave the all-traffic transit. Reads the store only. */
export async function caseOpenTransits(store: CaseStore, caseId: string): Promise<OpenTransit[]> {
  const out: OpenTransit[] = [];
  for (const plan of await store.plansForCase(caseId)) out.push(...openTransits(plan, await store.entries(plan.id)));
  return out;
}

export interface RecoverTransitOptions {
  port: CloudPort;
  actor?: string;
  /** A plan the caller already holds (and recovers itself under its lock). */
  except?: string;
  prefer?: "isolate" | "restore";
}

/** One plan's open transits, ended under the plan's lock; a plan someone is applying or rolling back now is left to them. */
async function recoverPlan(store: CaseStore, plan: Plan, o: RecoverTransitOptions): Promise<TransitOutcome[]> {
  const open = openTransits(plan, await store.entries(plan.id));
  if (!open.length) return [];
  const actor = o.actor ?? "person";
  try {
    return await store.withPlanLock(plan.id, { operation: o.prefer === "restore" ? "rollback" : "apply", actor }, ({ journal }) =>
      recoverPlanTransits(plan, { port: o.port, journal, actor, ...(o.prefer ? { prefer: o.prefer } : {}) }),
    );
  } catch (err) {
    const { PlanLockedError } = await import("../case/locks.ts");
    if (!(err instanceof PlanLockedError)) throw err;
    return open.map((t) => ({
      planId: t.planId,
      stepId: t.stepId,
      networkInterfaceId: t.networkInterfaceId,
      outcome: "locked" as const,
      message: `${t.networkInterfaceId} is in transit (since ${t.since}) in a plan someone is running now (${err.message}); that run finishes or undoes it`,
    }));
  }
}

/**
 * Ends every transit an earlier run left open in a case's plans (or, without `caseId`, in every
 * case's plans: what the service's scheduler runs on a timer). Returns what it found and did, for
 * the caller to say; an empty list means nothing was in transit.
 */
export async function recoverTransits(store: CaseStore, o: RecoverTransitOptions & { caseId?: string }): Promise<TransitOutcome[]> {
  const caseIds: string[] = [];
  if (o.caseId) caseIds.push(o.caseId);
  else {
    let after: string | null = null;
    do {
      const page = await store.listCases({ all: true }, { limit: 1000, after });
      caseIds.push(...page.items.map((c) => c.id));
      after = page.next;
    } while (after);
  }
  const out: TransitOutcome[] = [];
  for (const id of caseIds) {
    for (const plan of await store.plansForCase(id)) {
      if (plan.id === o.except) continue;
      out.push(...(await recoverPlan(store, plan, o)));
    }
  }
  return out;
}

/** What of a case's containment still holds, plan by plan (`case close` warns with it). */
export async function caseContainmentInPlace(store: CaseStore, caseId: string): Promise<{ plan: Plan; steps: InPlace[] }[]> {
  const out: { plan: Plan; steps: InPlace[] }[] = [];
  for (const plan of await store.plansForCase(caseId)) {
    const steps = stepsInPlace(plan, await store.entries(plan.id));
    if (steps.length) out.push({ plan, steps });
  }
  return out;
}
