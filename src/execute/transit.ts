/**
 * The all-traffic transit of an interface, journalled so no crash leaves a host more open than
 * before (DESIGN.md, "No intermediate state is more exposed than the start").
 *
 * Isolating an interface passes through the all-traffic group: its flows are untracked, so the move
 * to the isolation group then cuts established connections too. Between the two moves the interface
 * is open to the world both ways. So, before the first move, the handler journals a `transit` entry
 * (interface, old groups, all-traffic group, isolation group; `enterTransit`); the step's `done` or
 * `skipped`, or a `transit-resolved` entry, ends it. Any later command on the plan or its case
 * (apply, rollback, plan, intake of a follow-up, `case show --account`, the service's scheduler) runs
 * `recoverPlanTransits` first: each interface still in transit is read in the account and, if it is
 * still in the all-traffic group, moved on to the isolation group (the plan was approved to isolate
 * it) or, when the plan is being rolled back or its isolation group is gone, back to its old groups;
 * the outcome is journalled as `transit-resolved` and said to the person.
 */
import { CloudError } from "../cloud/errors.ts";
import type { Scope } from "../cloud/model.ts";
import type { CloudPort } from "../cloud/port.ts";
import type { JournalEntry, JournalStore, Plan } from "./types.ts";
import type { TransitRecord } from "../plan/action.ts";

/** A transit the journal has not seen end. */
export interface OpenTransit extends TransitRecord {
  planId: string;
  stepId: string;
  scope: Scope;
  /** When the transit was journalled. */
  since: string;
}

export type TransitOutcomeKind =
  /** It was in the all-traffic group; moved on to the isolation group. */
  | "isolated"
  /** It was in the all-traffic group; put back in its old groups. */
  | "restored"
  /** It was not in the all-traffic group any more (never moved, or already moved on): nothing called. */
  | "not-in-transit"
  /** The interface no longer exists. */
  | "gone"
  /** Another process holds the plan (it is applying or rolling it back now): left to it. */
  | "locked"
  /** Reading or moving it failed: still open, the next command tries again. */
  | "failed";

export interface TransitOutcome {
  planId: string;
  stepId: string;
  networkInterfaceId: string;
  outcome: TransitOutcomeKind;
  /** The groups it was found in (when read). */
  found?: string[];
  /** The groups it is in now (when moved). */
  groupIds?: string[];
  /** One sentence for a person. */
  message: string;
}

const ENDS = new Set(["done", "skipped", "transit-resolved", "rolled-back"]);
const equalSets = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** The transits of a plan that the journal has not seen end, oldest first. */
export function openTransits(plan: Plan, entries: readonly JournalEntry[]): OpenTransit[] {
  const open = new Map<string, OpenTransit>();
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  for (const e of sorted) {
    if (e.stepId === null) continue;
    if (e.phase === "transit") {
      const step = plan.steps.find((s) => s.id === e.stepId);
      const r = e.detail as unknown as TransitRecord | undefined;
      if (!step || !r?.networkInterfaceId) continue;
      open.set(e.stepId, { ...r, planId: plan.id, stepId: e.stepId, scope: { accountId: step.target.accountId, region: step.target.region }, since: e.at });
      continue;
    }
    const t = open.get(e.stepId);
    if (!t) continue;
    if (ENDS.has(e.phase)) open.delete(e.stepId);
    // A failed step was compensated and read again: it ends the transit when what was read is not the all-traffic group.
    else if (e.phase === "failed") {
      const seen = (e.detail?.observed as { groupIds?: string[] } | undefined)?.groupIds;
      if (seen && !equalSets(seen, [t.allTrafficGroupId])) open.delete(e.stepId);
    }
  }
  return [...open.values()];
}

export interface RecoverOptions {
  port: CloudPort;
  journal: JournalStore;
  actor: string;
  /**
   * `isolate` (default): finish what the plan was approved to do, unless its rollback has begun or
   * its isolation group is gone; `restore`: put the old groups back (rollback).
   */
  prefer?: "isolate" | "restore";
}

async function groupExists(port: CloudPort, scope: Scope, groupId: string): Promise<boolean> {
  try {
    return (await port.describeSecurityGroups(scope, [groupId])).some((g) => g.groupId === groupId);
  } catch (err) {
    if (err instanceof CloudError && err.kind === "not-found") return false;
    throw err;
  }
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Ends every open transit of one plan: reads each interface, moves it out of the all-traffic group
 * when it is still there, and journals what it found and did. The caller holds the plan (its lock),
 * so no apply of the plan is moving the same interface meanwhile. Never throws for one interface:
 * a failure is returned (and the transit stays open for the next command).
 */
export async function recoverPlanTransits(plan: Plan, o: RecoverOptions): Promise<TransitOutcome[]> {
  const entries = await o.journal.entries(plan.id);
  const open = openTransits(plan, entries);
  if (!open.length) return [];
  const rollingBack = entries.some((e) => e.phase === "rollback-started");
  const out: TransitOutcome[] = [];
  for (const t of open) {
    const base = { planId: t.planId, stepId: t.stepId, networkInterfaceId: t.networkInterfaceId };
    const resolved = async (r: TransitOutcome) => {
      await o.journal.append({ planId: t.planId, stepId: t.stepId, phase: "transit-resolved", actor: o.actor, detail: { outcome: r.outcome, found: r.found ?? null, groupIds: r.groupIds ?? null, message: r.message } });
      out.push(r);
    };
    try {
      const [eni] = await o.port.describeNetworkInterfaces(t.scope, { networkInterfaceIds: [t.networkInterfaceId] });
      if (!eni) {
        await resolved({ ...base, outcome: "gone", message: `${t.networkInterfaceId} was left in transit (since ${t.since}) and no longer exists: nothing to do` });
        continue;
      }
      const found = eni.groupIds;
      if (!equalSets(found, [t.allTrafficGroupId])) {
        await resolved({ ...base, outcome: "not-in-transit", found, message: `${t.networkInterfaceId} was left in transit (since ${t.since}) but is not in the all-traffic group ${t.allTrafficGroupId} (it is in ${found.join(", ") || "no group"}): nothing to do` });
        continue;
      }
      const isolate = (o.prefer ?? "isolate") === "isolate" && !rollingBack && (await groupExists(o.port, t.scope, t.isolationGroupId));
      const to = isolate ? [t.isolationGroupId] : t.groupIds;
      await o.port.setNetworkInterfaceGroups(t.scope, t.networkInterfaceId, to);
      await resolved({
        ...base,
        outcome: isolate ? "isolated" : "restored",
        found,
        groupIds: to,
        message: isolate
          ? `${t.networkInterfaceId} was left in the all-traffic group ${t.allTrafficGroupId} (open to all, since ${t.since}): moved on to the isolation group ${t.isolationGroupId}`
          : `${t.networkInterfaceId} was left in the all-traffic group ${t.allTrafficGroupId} (open to all, since ${t.since}): put back in its old groups ${t.groupIds.join(", ")}`,
      });
    } catch (err) {
      out.push({ ...base, outcome: "failed", message: `${t.networkInterfaceId} may still be in the all-traffic group ${t.allTrafficGroupId} (open to all, since ${t.since}): recovering it failed: ${errText(err)}` });
    }
  }
  return out;
}
