/**
 * The desk: the pipeline's stages composed into the operations a person (or the drill, or a
 * scheduler) carries out on a case. Each takes the store and the ports it needs and returns plain
 * data; the CLI commands are thin wrappers around these, so `intake`, `plan`, `apply` and `drill`
 * do exactly the same thing however they are reached.
 *
 *   intakeItem   notice -> verdict -> case (new or joined) -> resources found (when an account is given)
 *   planCase     the case's notice -> resolution -> plan, kept with the case
 *   applyPlan    plan -> journalled apply, evidence into the case, case moves to `contained`
 *                (not when the case's search was incomplete: that is said, and returned)
 *   rollbackPlan plan -> journalled rollback; the case moves to `rolled-back` once nothing of it holds
 *   (both under the plan's lock in the store: one apply or rollback of a plan at a time)
 *   recoverTransits  interfaces an earlier run left in the all-traffic group, found and moved out
 *                (every command on a case runs it first; the service's scheduler runs it on a timer)
 */
import { canonicalJson } from "../case/audit.ts";
import { actingNotice as actingRule } from "../case/rules.ts";
import type { Case, CaseStore, IntakeResult, PlanLockOptions, StoredNotice } from "../case/types.ts";
import type { CloudPort, CloudReader } from "../cloud/port.ts";
import type { EvidenceSink } from "../plan/evidence.ts";
import type { ApplyOptions, ApplyResult } from "../execute/apply.ts";
import type { RollbackOptions, RollbackResult } from "../execute/rollback.ts";
import type { TransitOutcome } from "../execute/transit.ts";
import type { Plan } from "../execute/types.ts";
import { UserError } from "../errors.ts";
import { notAnAwsNotice } from "../notice/aws-notice.ts";
import type { ParsedItem } from "../notice/types.ts";
import type { PlaybookOptions } from "../playbook/types.ts";
import type { Policy } from "../policy/policy.ts";
import type { ConfigDocument } from "../config/file.ts";
import { missingSentence, readResolution, searchOutcome, type SearchOutcome } from "../resolve/outcome.ts";
import type { Resolution, Unsearched } from "../resolve/types.ts";
import type { Verdict } from "../verify/types.ts";
import type { CaseSweep } from "../credentials/case.ts";

export interface IntakeOutcome {
  index: number;
  intake: IntakeResult;
  verdict: Verdict;
  /** What the account says about the notice's resources, when an account was given. */
  resolution: Resolution | null;
  /** Interfaces the case's plans had left in the all-traffic group, found and moved out (a notice joining a case). */
  recovered: TransitOutcome[];
  /** True when the resolution was recorded on the case's timeline (it said something new). */
  resourcesRecorded: boolean;
}

/** Records what resolution found on the case's timeline (the reply and the report read it there); false when it was already there. */
export async function recordResolution(store: CaseStore, caseId: string, resolution: Resolution, opts: { actor?: string; now?: Date } = {}): Promise<boolean> {
  // The same answer as last time (plan right after intake) is not news.
  const last = (await store.timeline(caseId)).filter((e) => e.type === "resources-found").at(-1);
  if (last && canonicalJson({ findings: last.data.findings, gaps: last.data.gaps }) === canonicalJson({ findings: resolution.findings, gaps: resolution.gaps })) return false;
  const found = resolution.findings.filter((f) => f.status === "found" || f.status === "moved").length;
  const search = searchOutcome(resolution);
  const summary = `Resources: ${found} of ${resolution.findings.length} found` + (search.status === "not-searched" ? `; NOT SEARCHED, the search is incomplete: ${missingSentence(search.missing).replace(/^not searched: /, "")}` : "");
  await store.recordEvent(caseId, "resources-found", summary, { findings: resolution.findings, gaps: resolution.gaps, search }, opts);
  return true;
}

/** The search the case's timeline records last (intake or plan): searched, or what was not. */
export async function caseSearch(store: CaseStore, caseId: string): Promise<SearchOutcome | null> {
  const last = (await store.timeline(caseId)).filter((e) => e.type === "resources-found").at(-1);
  return last ? searchOutcome(readResolution(last.data)) : null;
}

export interface CaseResolution {
  resolution: Resolution;
  /** The credential sweep this resolution ran, kept with the case (`sweep: "run"` of a credential case that names a key). */
  sweep?: CaseSweep;
  /** True when it said something new and went on the case's timeline. */
  recorded: boolean;
  /** How a credential case's sweep was taken: run now, or read from the one the case keeps. */
  swept: "run" | "stored";
}

/**
 * The one place a case's search is decided and recorded (intake, plan, the scheduler's
 * re-resolution, the investigation's subject all come here; nothing else records one):
 * the notice's resources in the account, and, when the case is about exposed credentials or a
 * compromised account, the credential sweep's gaps: the sweep run now (`sweep: "run"`: plan and
 * the scheduler, which may then call the search complete) or the sweep the case keeps
 * (`"stored"`: intake and the investigation, which do not sweep; no sweep kept is a gap, so the
 * case is never "searched" while its credentials were not swept or a region was unreadable).
 */
export async function resolveCase(
  store: CaseStore,
  c: Case,
  notice: StoredNotice["notice"],
  deps: {
    port: CloudReader;
    now?: Date;
    actor?: string;
    sweep: "run" | "stored";
    /** Why the sweep runs (the investigation run's `via`): "plan", "re-resolve". */
    via?: string;
    credentials?: { since?: Date; progress?: (m: string) => void };
  },
): Promise<CaseResolution> {
  const { resolveNotice, addressHistoryOf } = await import("../resolve/index.ts");
  const now = deps.now ?? new Date();
  const resolution = await resolveNotice(notice, deps.port, { now, ...addressHistoryOf(store) });
  const { isCredentialNotice, credentialPlanSweep, storedSweepGaps } = await import("../credentials/case.ts");
  const acting = actingNotice(await store.notices(c.id));
  let sweep: CaseSweep | undefined;
  if (isCredentialNotice(notice) || (acting && isCredentialNotice(acting.notice))) {
    if (deps.sweep === "run") {
      const swept = await credentialPlanSweep(store, c, { port: deps.port, now, ...(deps.actor ? { actor: deps.actor } : {}), ...(deps.via ? { via: deps.via } : {}), ...(deps.credentials ? { credentials: deps.credentials } : {}) });
      resolution.gaps.push(...swept.gaps);
      sweep = swept.sweep;
    } else {
      resolution.gaps.push(...(await storedSweepGaps(store, c, { now })));
    }
  }
  const recorded = await recordResolution(store, c.id, resolution, { now, ...(deps.actor ? { actor: deps.actor } : {}) });
  return { resolution, recorded, swept: deps.sweep, ...(sweep ? { sweep } : {}) };
}

/**
 * One notice into the desk: verified, stored in its case (a new one, or the case it belongs to),
 * unless it is not an AWS notice at all (NotANoticeError, unless `forceCase`),
 * and, when an account is given, its resources found and recorded. Taken in again, a stored notice
 * is verified again (the store updates its verdict when that changed) and, with an account, its
 * resources are found again (recorded when that says something new). Only a notice the case acts
 * on (as trusted as the case) records resources there.
 */
export async function intakeItem(
  item: ParsedItem,
  deps: { store: CaseStore; verify: (item: ParsedItem) => Promise<Verdict>; port?: CloudReader | null; now?: Date; actor?: string; forceCase?: boolean; recoverWith?: CloudPort | null },
): Promise<IntakeOutcome> {
  // text that is not an AWS notice opens no case unless a person asks for one
  const notANotice = deps.forceCase ? null : notAnAwsNotice(item.notice);
  if (notANotice) throw new NotANoticeError(notANotice);
  const verdict = await deps.verify(item);
  const at = { ...(deps.actor ? { actor: deps.actor } : {}), ...(deps.now ? { now: deps.now } : {}) };
  const intake = await deps.store.intake({ notice: item.notice, verdict, raw: item.raw, ...at });
  // A notice about an existing case (a follow-up, a reminder) is a command on it: a transit left open is ended first.
  let recovered: TransitOutcome[] = [];
  if (deps.recoverWith && !intake.created) {
    const { recoverTransits } = await import("./containment.ts");
    recovered = await recoverTransits(deps.store, { port: deps.recoverWith, caseId: intake.case.id, ...(deps.actor ? { actor: deps.actor } : {}) });
  }
  let resolution: Resolution | null = null;
  let resourcesRecorded = false;
  if (deps.port && intake.notice.verdict === intake.case.verdict && item.notice.resources.length) {
    // Intake does not sweep: a credential case's search carries what its kept sweep could not read (or that none ran).
    const r = await resolveCase(deps.store, intake.case, item.notice, { port: deps.port, sweep: "stored", ...at });
    resolution = r.resolution;
    resourcesRecorded = r.recorded;
  }
  return { index: item.index, intake, verdict, resolution, recovered, resourcesRecorded };
}

/** Refused intake: the input is not an AWS abuse notice (exit 65); `--force-case` takes it in anyway. */
export class NotANoticeError extends UserError {
  constructor(readonly why: string) {
    super(`not an AWS abuse notice: ${why}; no case opened`, { exitCode: 65, hint: "if it should be a case anyway, take it in with --force-case" });
  }
}

/** `plan-20260501T101500Z-3f9a`: sortable, unique enough for one desk, readable in a group name. */
export function newPlanId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `plan-${stamp}-${Math.floor(Math.random() * 0xffff).toString(16).padStart(4, "0")}`;
}

/** The notice a case's plan is written for (case/rules.ts): among its most trusted notices, the latest that asks for action. */
export function actingNotice(notices: StoredNotice[]): StoredNotice | undefined {
  return actingRule(notices);
}

/** Resolves the case's notice in the account as it is now, plans, and keeps the plan with the case. */
export async function planCase(
  store: CaseStore,
  caseRef: string,
  deps: {
    port: CloudReader;
    policy: Policy;
    options?: PlaybookOptions;
    now: Date;
    planId?: string;
    actor?: string;
    recoverWith?: CloudPort;
    /** A credential case: the sweep's start (default: the notices' window) and whether the attacker's console passwords are deleted (IRREVERSIBLE, a person asks). */
    credentials?: { since?: Date; deleteConsolePasswords?: boolean; progress?: (m: string) => void };
    /** The case's search resolveCase (sweep "run") just made from the stored notice `noticeId` at `now`: not read again. */
    resolved?: { noticeId: number; result: CaseResolution };
  },
): Promise<{ case: Case; plan: Plan; resolution: Resolution; recovered: TransitOutcome[]; sweep?: CaseSweep }> {
  const { UserError } = await import("../errors.ts");
  const { planContainment } = await import("../playbook/index.ts");
  const c = await store.requireCase(caseRef);
  // An interface an earlier plan left in the all-traffic group is moved out before the account is read for the new plan.
  const { recoverTransits } = await import("./containment.ts");
  const recovered = deps.recoverWith ? await recoverTransits(store, { port: deps.recoverWith, caseId: c.id, ...(deps.actor ? { actor: deps.actor } : {}) }) : [];
  const chosen = actingNotice(await store.notices(c.id));
  if (!chosen) throw new UserError(`case ${c.id} has no notice to plan from`, { exitCode: 66 });
  // The case's search (resolveCase): for a credential case the sweep runs (read-only) and finds what
  // the attacker made, for the plan to contain; what it could not read is a gap of the search, so
  // the plan, apply and the case say it. A search just made for this notice (the scheduler's
  // re-resolution) is used as it is unless moving interfaces out changed the account since.
  const given = deps.resolved && deps.resolved.noticeId === chosen.id && deps.resolved.result.swept === "run" && recovered.length === 0 ? deps.resolved.result : null;
  const { resolution, sweep: swept } = given ?? (await resolveCase(store, c, chosen.notice, { port: deps.port, now: deps.now, sweep: "run", via: "plan", ...(deps.actor ? { actor: deps.actor } : {}), ...(deps.credentials ? { credentials: deps.credentials } : {}) }));
  const plan = planContainment({
    ...(swept ? { credentialSweep: { result: swept.sweep, deleteConsolePasswords: deps.credentials?.deleteConsolePasswords === true } } : {}),
    planId: deps.planId ?? newPlanId(deps.now),
    caseId: c.id,
    createdAt: deps.now.toISOString(),
    notice: chosen.notice,
    verdict: chosen.verdict,
    resolution,
    policy: deps.policy,
    ...(deps.options ? { options: deps.options } : {}),
  });
  await store.savePlan(plan);
  return { case: c, plan, resolution, recovered, ...(swept ? { sweep: swept } : {}) };
}

/** Evidence of a case goes to the case store (with its SHA-256); without a case it stays in the journal. */
export function caseEvidence(store: CaseStore, caseId: string): EvidenceSink {
  return {
    async put(item) {
      const ev = await store.addEvidence(caseId, {
        label: item.name,
        content: item.contentType.startsWith("text/") || item.contentType === "application/json" ? item.data.toString("utf8") : item.data,
        source: item.source,
        collectedAt: item.capturedAt,
        planId: item.planId,
        stepId: item.stepId,
      });
      return { ref: `evidence:${ev.id}` };
    },
  };
}

/**
 * Applies a plan with the case store as its journal and evidence locker; when every step is done,
 * the case moves on to `contained` (if it was not already further). Under the plan's lock: a
 * second apply or a rollback of the same plan, from another terminal or machine, is refused
 * (`PlanLockedError`, exit 75) while this one runs.
 */
export async function applyPlan(
  store: CaseStore,
  plan: Plan,
  opts: Omit<ApplyOptions, "journal" | "evidence" | "verdict" | "automatic"> & { port: CloudPort; policy?: Policy; lock?: Omit<PlanLockOptions, "operation" | "actor"> },
): Promise<ApplyResult & { notSearched?: Unsearched[] }> {
  const { apply } = await import("../execute/index.ts");
  const { recoverTransits } = await import("./containment.ts");
  const { lock, policy, ...rest } = opts;
  // The case's other plans first (each under its own lock); this plan's, by apply, under this one.
  const others = plan.caseId ? await recoverTransits(store, { port: opts.port, caseId: plan.caseId, except: plan.id, ...(opts.actor ? { actor: opts.actor } : {}) }) : [];
  // Only the store is an authority: the verdict is the stored notice's, and what may run without a
  // person is judged again from the policy in force, never read from the plan.
  const verdict = await storedVerdict(store, plan);
  let automatic: Set<string> | undefined;
  if (opts.approve === "policy") {
    // Nothing unattended adopts a plan: an automatic apply runs only a plan the store already keeps.
    if (!(await store.getPlan(plan.id))) {
      const { ApplyRefused } = await import("../execute/errors.ts");
      throw new ApplyRefused("not-stored", `plan ${plan.id} is not in the case store: an automatic apply runs only a stored plan of a case`, others);
    }
    const { automaticSteps } = await import("../policy/automatic.ts");
    automatic = policy ? automaticSteps(policy, plan) : new Set();
  }
  const result = await store.withPlanLock(plan.id, { ...lock, operation: "apply", ...(opts.actor ? { actor: opts.actor } : {}) }, async ({ journal }) => {
    const result = await apply(plan, {
      ...rest,
      verdict,
      ...(automatic ? { automatic } : {}),
      journal,
      ...(plan.caseId ? { evidence: caseEvidence(store, plan.caseId) } : {}),
    });
    // Contained only when the steps ran and the search they were planned from was complete: a
    // place that was not read may hold what the plan does not cover.
    const search = plan.caseId ? await caseSearch(store, plan.caseId) : null;
    if (search?.status === "not-searched" && plan.caseId) {
      await store.recordEvent(plan.caseId, "note", `Plan ${plan.id} ${result.status === "complete" ? "applied" : "run"}, but the case is not contained: the search is incomplete (${missingSentence(search.missing)})`, { planId: plan.id, search }, opts.actor ? { actor: opts.actor } : {});
    } else if (result.status === "complete" && plan.caseId && plan.steps.length) {
      const c = await store.getCase(plan.caseId);
      if (c && (c.status === "new" || c.status === "triaged" || c.status === "rolled-back")) {
        await store.setStatus(c.id, "contained", { reason: `plan ${plan.id} applied`, ...(opts.actor ? { actor: opts.actor } : {}) });
      }
    }
    return search?.status === "not-searched" ? { ...result, notSearched: search.missing } : result;
  });
  const recovered = [...others, ...(result.recovered ?? [])];
  return { ...result, ...(recovered.length ? { recovered } : {}) };
}

/**
 * The verdict a plan is applied under: its case's acting notice's, as the store keeps it (never
 * the plan's own field, which a file can say anything in). A plan with no case has no stored
 * notice to vouch for it: `unverified` (a person may apply it; no policy ever does).
 */
export async function storedVerdict(store: CaseStore, plan: Pick<Plan, "id" | "caseId">): Promise<ApplyOptions["verdict"]> {
  if (!plan.caseId) return "unverified";
  const c = await store.requireCase(plan.caseId);
  const notice = actingNotice(await store.notices(c.id));
  if (!notice) {
    const { UserError } = await import("../errors.ts");
    throw new UserError(`case ${c.id} of plan ${plan.id} has no stored notice: there is no verdict to apply it under`, { exitCode: 66 });
  }
  return notice.verdict;
}

/**
 * Refuses at once when someone else is applying or rolling back the plan, so a person is not asked
 * to review and confirm what would then be refused. Only a courtesy: `applyPlan` and
 * `rollbackPlan` take the lock atomically whatever this said.
 */
export async function refuseIfLocked(store: CaseStore, planId: string): Promise<void> {
  const held = await store.planLock(planId);
  if (!held || held.takeover) return;
  const { PlanLockedError } = await import("../case/locks.ts");
  throw new PlanLockedError(held.lock, held.now);
}

/** Rolls a plan back from the case store's journal, under the plan's lock like `applyPlan`. */
export async function rollbackPlan(
  store: CaseStore,
  planId: string,
  opts: Omit<RollbackOptions, "journal"> & { port: CloudPort; lock?: Omit<PlanLockOptions, "operation" | "actor"> },
): Promise<RollbackResult> {
  const { rollback } = await import("../execute/index.ts");
  const { caseContainmentInPlace } = await import("./containment.ts");
  const { lock, ...rest } = opts;
  const result = await store.withPlanLock(planId, { ...lock, operation: "rollback", ...(opts.actor ? { actor: opts.actor } : {}) }, ({ journal }) => rollback(planId, { ...rest, journal }));
  // The case follows: once none of its plans holds anything, it is no longer contained.
  const plan = await store.getPlan(planId);
  if (result.status !== "failed" && plan?.caseId) {
    const c = await store.getCase(plan.caseId);
    if (c && (c.status === "contained" || c.status === "replied") && (await caseContainmentInPlace(store, c.id)).length === 0) {
      await store.setStatus(c.id, "rolled-back", { reason: `plan ${planId} rolled back`, ...(opts.actor ? { actor: opts.actor } : {}) });
    }
  }
  return result;
}

export { caseContainmentInPlace, caseOpenTransits, recoverTransits } from "./containment.ts";

/**
 * Sends what is due for a case to the configured channels (docs/notify.md), after the case has
 * changed, per the configuration the caller read (the file is read at the edge: the CLI, serve, web). Notifying
 * never fails the operation that changed the case: a problem is returned as a warning for the
 * caller to print.
 */
export async function notifyAfterChange(store: CaseStore, caseId: string, config: ConfigDocument, now?: Date): Promise<{ sent: number; warning: string | null }> {
  try {
    const [{ notifySettings }, { notifyCase }] = await Promise.all([import("../notify/config.ts"), import("../notify/index.ts")]);
    const settings = notifySettings(config);
    const events = await notifyCase(store, caseId, settings, now ? { now } : {});
    return { sent: events.length, warning: null };
  } catch (err) {
    return { sent: 0, warning: `notifications were not sent: ${(err as Error).message}` };
  }
}
