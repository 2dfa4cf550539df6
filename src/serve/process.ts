/**
 * One arrival through the desk, as `abuse-desk intake`, `plan` and `apply` would take it, unattended:
 *
 *   parse -> verify -> open or join the case (intakeItem; resources found when an account is set)
 *     -> plan (planCase) -> apply what the policy lets run without a person (authentic only)
 *     -> notify the configured channels, with a link to the case
 *
 * A notice judged suspicious or phishing opens (or marks) its case and raises the verdict alarm,
 * nothing else: its account is not read, nothing is planned or applied on its word.
 *
 * After each stage the arrival's progress is written (fenced by its lease), so a service killed at
 * any point resumes where it stopped: the case store dedupes the notice, the plan id is chosen and
 * recorded before planning (a plan stored by a killed run is reused, never planned twice), apply
 * resumes from the journal under the plan's lock, and a notification is recorded on the timeline
 * with its key (never sent twice once recorded). A stage that fails is recorded on the case and
 * retried with back-off, up to `retry.maxAttempts`; then the arrival is `failed`, for a person.
 */
import type { ArrivalStage, ClaimedArrival, Inbox } from "../case/inbox.ts";
import type { CaseStore } from "../case/types.ts";
import type { InvestigateOptions } from "../investigate/types.ts";
import type { CloudPort } from "../cloud/port.ts";
import { UserError } from "../errors.ts";
import type { ParsedItem } from "../notice/types.ts";
import type { NotifySettings } from "../notify/config.ts";
import type { Policy } from "../policy/policy.ts";
import type { Verdict } from "../verify/types.ts";
import type { ServeMetrics } from "./metrics.ts";
import type { SourceLog } from "../intake/registry.ts";
import { scrub } from "./log.ts";

export interface PipelineDeps {
  store: CaseStore;
  inbox: Inbox;
  verify(item: ParsedItem): Promise<Verdict>;
  /** The account to resolve in and apply on; null: cases are opened, resources not searched, nothing planned. */
  port: CloudPort | null;
  policy: Policy;
  actor: string;
  notify: NotifySettings | null;
  /** The case's address on the web desk, for notifications. */
  caseUrl: ((caseId: string) => string) | null;
  retry: { maxAttempts: number; backoffMs: number; maxBackoffMs: number };
  leaseMs: number;
  metrics: ServeMetrics;
  log: SourceLog;
  /** Config `investigate.afterContainment: true`: investigate a case once its containment is applied (src/investigate). */
  investigate?: { options: InvestigateOptions; evidenceDir: string } | null;
  /** Called once a stage's progress is recorded (fault tests end the process here). */
  afterStage?: (stage: ArrivalStage, arrival: ClaimedArrival) => void | Promise<void>;
}

export interface ItemProgress {
  index: number;
  caseId: string;
  /** This arrival's verdict, and the stored notice's (a re-delivery may keep an earlier one). */
  verdict: string;
  noticeVerdict: string;
  created: boolean;
  duplicate: boolean;
  joinedBy: string;
  /** Chosen and recorded before planning, so a run killed mid-plan reuses it. */
  planId?: string;
  plan?: { id: string; steps: number; refused: number };
  planSkipped?: string;
  apply?: { status: string; done: number; failed: number; waiting: number; contained: boolean; notSearched: boolean };
  applySkipped?: string;
  /** The investigation run after containment (config investigate.afterContainment), or why there was none. */
  investigated?: { id: number; status: string; findings: number };
  investigateSkipped?: string;
  notified?: number;
  notifyWarning?: string;
}

export interface ArrivalProgress {
  items: ItemProgress[];
  notNotices: { index: number; reason: string }[];
  unreadable: { index?: number; error: string }[];
}

export type ArrivalOutcome = "done" | "rejected" | "retry" | "failed" | "lost";

class LeaseLost extends Error {}

const doubtful = (v: string) => v === "phishing" || v === "suspicious";

function progressOf(a: ClaimedArrival): ArrivalProgress {
  const p = a.progress as Partial<ArrivalProgress>;
  return { items: p.items ?? [], notNotices: p.notNotices ?? [], unreadable: p.unreadable ?? [] };
}

/** Takes one claimed arrival as far as it goes; returns what became of it. */
export async function processArrival(a: ClaimedArrival, deps: PipelineDeps): Promise<ArrivalOutcome> {
  const progress = progressOf(a);
  let lost = false;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = renewing.then(async () => {
        if (!lost) lost = !(await deps.inbox.renew(a, deps.leaseMs).catch(() => true));
      });
    },
    Math.max(50, Math.floor(deps.leaseMs / 3)),
  );
  timer.unref();
  const save = async (stage: ArrivalStage) => {
    if (lost || !(await deps.inbox.progress(a, stage, progress as unknown as Record<string, unknown>))) throw new LeaseLost();
    await deps.afterStage?.(stage, a);
  };
  let stage: ArrivalStage | "parse" = "parse";
  try {
    const { parseInput } = await import("../notice/index.ts");
    let items: ParsedItem[];
    try {
      const parsed = await parseInput(a.raw);
      items = parsed.items;
      if (a.stage === "kept") progress.unreadable = parsed.failures.map((f) => ({ index: f.index, error: f.error }));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      progress.unreadable = [{ error: err.message }];
      await deps.inbox.finish(a, "rejected", progress as unknown as Record<string, unknown>, `could not be read: ${err.message}`);
      deps.metrics.processed.inc({ outcome: "rejected" });
      deps.log.warn({ arrival: a.id, source: a.source, reason: err.message }, "arrival rejected: not readable as a notice");
      return "rejected";
    }
    // Fetched from the AWS Health API by this desk's own Health source: decided by the kind of the
    // source that received it (stamped by the sink when it was kept, so a configuration changed
    // since cannot relabel it) and its mark, never by the bytes (an SQS body or a dropped file proves nothing).
    const { fetchedFromHealthApi } = await import("../intake/health.ts");
    if (fetchedFromHealthApi(a, a.meta.kind ?? "")) for (const it of items) if (it.notice.health) it.notice.health.fetchedFromApi = true;
    if (a.stage === "kept") await save("parsed");

    for (const item of items) {
      if (progress.notNotices.some((n) => n.index === item.index)) continue;
      let p = progress.items.find((x) => x.index === item.index);
      if (!p) {
        stage = "cased";
        const made = await intakeStage(item, deps);
        if ("notANotice" in made) {
          progress.notNotices.push({ index: item.index, reason: made.notANotice });
          await save("cased");
          continue;
        }
        p = made;
        progress.items.push(p);
        await save("cased");
      }
      if (p.plan === undefined && p.planSkipped === undefined) {
        stage = "planned";
        await planStage(a, p, deps, save);
        await save("planned");
      }
      if (p.plan && p.apply === undefined && p.applySkipped === undefined) {
        stage = "applied";
        await applyStage(p, deps);
        await save("applied");
      }
      if (deps.investigate && p.apply?.contained && p.investigated === undefined && p.investigateSkipped === undefined) {
        await investigateStage(p, deps);
        await save("applied");
      }
      if (p.notified === undefined) {
        stage = "notified";
        await notifyStage(p, deps);
        await save("notified");
      }
    }

    const cased = progress.items.length > 0;
    const reason = cased ? undefined : progress.notNotices.length ? `not an AWS abuse notice: ${progress.notNotices[0]!.reason}` : `no notice in it${progress.unreadable[0] ? `: ${progress.unreadable[0].error}` : ""}`;
    if (!(await deps.inbox.finish(a, cased ? "done" : "rejected", progress as unknown as Record<string, unknown>, reason))) throw new LeaseLost();
    deps.metrics.processed.inc({ outcome: cased ? "done" : "rejected" });
    deps.log.info({ arrival: a.id, source: a.source, cases: progress.items.map((i) => i.caseId), verdicts: progress.items.map((i) => i.verdict), reason }, cased ? "arrival processed" : "arrival rejected");
    return cased ? "done" : "rejected";
  } catch (err) {
    if (err instanceof LeaseLost) {
      deps.log.warn({ arrival: a.id }, "lease on the arrival lost (another worker took it over); stopped here");
      return "lost";
    }
    // An error's text goes to the case and the store: never a secret in it.
    const message = scrub((err as Error)?.message ?? String(err)).slice(0, 1000);
    const r = await deps.inbox.fail(a, `${stage}: ${message}`, deps.retry);
    if (r.outcome === "lost") return "lost";
    deps.metrics.processed.inc({ outcome: r.outcome });
    const what = r.outcome === "failed" ? `given up after ${r.attempts} attempts: a person must take it from here` : `attempt ${r.attempts} of ${deps.retry.maxAttempts}; tried again from ${r.nextAttemptAt}`;
    // The case says so (each case the arrival reached); an arrival with no case yet is in the log and /metrics.
    for (const p of progress.items) {
      await deps.store
        .recordEvent(p.caseId, "note", `The service could not finish ${stageWords(stage)} for this notice (${what}): ${message}`, { arrival: a.id, stage, attempts: r.attempts, outcome: r.outcome, error: message }, { actor: deps.actor })
        .catch(() => undefined);
    }
    deps.log.error({ arrival: a.id, source: a.source, stage, attempts: r.attempts, outcome: r.outcome, err: message }, `arrival stage failed (${r.outcome})`);
    return r.outcome;
  } finally {
    clearInterval(timer);
    await renewing;
  }
}

function stageWords(stage: ArrivalStage | "parse"): string {
  return { parse: "reading it", kept: "reading it", parsed: "reading it", cased: "verifying it and opening its case", planned: "planning the containment", applied: "applying what the policy allows", notified: "notifying the team" }[stage];
}

async function intakeStage(item: ParsedItem, deps: PipelineDeps): Promise<ItemProgress | { notANotice: string }> {
  const { intakeItem, NotANoticeError } = await import("../desk/index.ts");
  const verdict = await deps.verify(item);
  // A doubtful notice never makes the service read the account it names.
  const port = doubtful(verdict.verdict) ? null : deps.port;
  try {
    const out = await intakeItem(item, { store: deps.store, verify: async () => verdict, port, recoverWith: port, actor: deps.actor });
    deps.metrics.verdicts.inc({ verdict: verdict.verdict });
    return {
      index: item.index,
      caseId: out.intake.case.id,
      verdict: verdict.verdict,
      noticeVerdict: out.intake.notice.verdict,
      created: out.intake.created,
      duplicate: out.intake.duplicate,
      joinedBy: out.intake.joinedBy,
    };
  } catch (err) {
    if (err instanceof NotANoticeError) return { notANotice: err.why };
    throw err;
  }
}

async function planStage(a: ClaimedArrival, p: ItemProgress, deps: PipelineDeps, save: (s: ArrivalStage) => Promise<void>): Promise<void> {
  const { planCase, newPlanId } = await import("../desk/index.ts");
  if (doubtful(p.noticeVerdict)) {
    p.planSkipped = `the notice is judged ${p.noticeVerdict}: nothing is planned or done on its word`;
    return;
  }
  if (!deps.port) {
    p.planSkipped = "no account is configured (intake.account): its resources were not searched and nothing is planned";
    return;
  }
  if (!p.planId) {
    // A case that already has a plan (an earlier notice of it, by another source, or a person's)
    // keeps it: the same incident is not planned and applied twice. A person re-plans if this
    // notice changes it. The claim is in the store, so two workers or instances cannot both plan.
    const existing = await deps.store.plansForCase(p.caseId);
    const claim = existing.length ? null : await deps.inbox.claimCasePlan(p.caseId, newPlanId(new Date()), a.id);
    if (!claim || !claim.mine) {
      const id = claim?.planId ?? existing[existing.length - 1]!.id;
      p.planSkipped = `the case already has plan ${id}${claim ? ` (made for arrival #${claim.arrivalId})` : ""}; this notice did not make another (abuse-desk plan ${p.caseId} makes a new one)`;
      return;
    }
    p.planId = claim.planId;
    await save("cased");
  }
  const stored = await deps.store.getPlan(p.planId);
  const plan = stored ?? (await planCase(deps.store, p.caseId, { port: deps.port, recoverWith: deps.port, policy: deps.policy, now: new Date(), planId: p.planId, actor: deps.actor })).plan;
  p.plan = { id: plan.id, steps: plan.steps.length, refused: plan.refused.length };
  if (!stored) deps.metrics.timeToPlan.observe((Date.now() - Date.parse(a.receivedAt)) / 1000);
}

async function applyStage(p: ItemProgress, deps: PipelineDeps): Promise<void> {
  // Only the store is an authority: the verdict is the stored notice's, and applyPlan judges again.
  if (p.noticeVerdict !== "authentic") {
    p.applySkipped = `the notice is ${p.noticeVerdict}, not verified authentic: nothing runs without a person`;
    return;
  }
  if (deps.policy.automatic.length === 0) {
    p.applySkipped = "the policy lets nothing run without a person (policy: automatic is empty)";
    return;
  }
  if (!p.plan?.steps) {
    p.applySkipped = "the plan has no steps";
    return;
  }
  const { applyPlan } = await import("../desk/index.ts");
  const plan = await deps.store.getPlan(p.plan.id);
  if (!plan) throw new Error(`plan ${p.plan.id} is not in the case store`);
  const r = await applyPlan(deps.store, plan, { port: deps.port!, approve: "policy", policy: deps.policy, actor: `policy (${deps.actor})` });
  const done = r.steps.filter((s) => s.status === "done" || s.status === "already-done").length;
  const failed = r.steps.filter((s) => s.status === "failed").length;
  for (const s of r.steps) deps.metrics.applied.inc({ outcome: s.status });
  // Not recorded as applied: the next attempt runs applyPlan again, which resumes from the journal.
  if (r.status === "failed") throw new Error(`plan ${plan.id}: a step failed (${r.steps.find((s) => s.status === "failed")?.error ?? "see the journal"}); the journal keeps what ran, the next attempt resumes from it`);
  const c = await deps.store.getCase(p.caseId);
  p.apply = { status: r.status, done, failed, waiting: r.steps.length - done - failed, contained: c?.status === "contained", notSearched: !!r.notSearched?.length };
}

/**
 * The investigation after containment: never fails the arrival (the case is contained, the team is
 * still to be told); a failure is said on the case and in the progress, and not retried here
 * (`abuse-desk investigate CASE` runs it again).
 */
async function investigateStage(p: ItemProgress, deps: PipelineDeps): Promise<void> {
  if (!deps.port || !deps.investigate) return;
  try {
    const { investigateCase } = await import("../investigate/index.ts");
    const out = await investigateCase(deps.store, p.caseId, { port: deps.port, options: deps.investigate.options, evidenceDir: deps.investigate.evidenceDir, actor: deps.actor });
    p.investigated = { id: out.investigation.id, status: out.investigation.status, findings: out.investigation.findings.length };
  } catch (err) {
    const message = scrub((err as Error)?.message ?? String(err)).slice(0, 1000);
    p.investigateSkipped = `the investigation failed: ${message}`;
    await deps.store.recordEvent(p.caseId, "note", `The service could not investigate this case after containment: ${message} (abuse-desk investigate ${p.caseId} runs it again)`, { stage: "investigate", error: message }, { actor: deps.actor }).catch(() => undefined);
  }
}

async function notifyStage(p: ItemProgress, deps: PipelineDeps): Promise<void> {
  if (!deps.notify || deps.notify.channels.length === 0) {
    p.notified = 0;
    return;
  }
  const [{ caseState, dueNotifications, storeNotifier }] = await Promise.all([import("../notify/index.ts")]);
  const state = await caseState(deps.store, p.caseId);
  const events = dueNotifications(state, new Date(), { deadlineWarningHours: deps.notify.deadlineWarningHours });
  const url = deps.caseUrl?.(p.caseId);
  const notifier = storeNotifier(deps.store, deps.notify);
  for (const e of events) {
    if (url) {
      e.fields = [...e.fields, { label: "Case", value: url }];
      e.data = { ...e.data, url };
      e.text = `${e.text}\n${url}`;
    }
    await notifier.send(e);
  }
  p.notified = events.length;
}
