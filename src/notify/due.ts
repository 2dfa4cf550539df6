/**
 * Which notifications a case's state calls for, now. Pure: the scheduler (`abuse-desk notify run`),
 * the drill and every command that changes a case call it, send what it returns, and record each
 * sent key on the timeline so the next call does not send it again.
 */
import { canMoveCase, isOpen } from "../case/rules.ts";
import type { Case, TimelineEvent } from "../case/types.ts";
import type { JournalEntry, Plan } from "../execute/types.ts";
import { describeStep, stepOutcomes } from "../reply/actions.ts";
import { ACTIVITY_LABELS } from "../reply/family.ts";
import { fmtTime } from "../reply/format.ts";
import { REPORT_SPOOFING } from "../verify/aws.ts";
import type { VerdictLevel } from "../verify/types.ts";
import type { DeliveryOutcome, NotifyEvent } from "./types.ts";

/** A verdict that doubts the notice: nothing is replied to or applied on its word. */
const doubtful = (v: VerdictLevel) => v === "phishing" || v === "suspicious";

export interface CaseState {
  case: Case;
  timeline?: TimelineEvent[];
  plans?: Plan[];
  journal?: JournalEntry[];
}

export interface DueOptions {
  /** Keys already notified (default: read from the timeline's `notification` events). */
  sent?: ReadonlySet<string>;
  /** Warn when the deadline is this close (default 4 hours). */
  deadlineWarningHours?: number;
}

export const DEFAULT_DEADLINE_WARNING_HOURS = 4;
/** How long after its arrival a doubtful notice in a closed case is still worth an alarm. */
const FRESH_MS = 24 * 3_600_000;

/** Runs of the scheduler that may try an event no channel could deliver, before it is given up. */
export const MAX_NOTIFY_RUNS = 3;

/**
 * The keys the timeline says are settled: delivered on at least one channel (the team heard it;
 * the others are not sent a copy), refused for good by every channel that tried (a revoked
 * webhook), or tried on MAX_NOTIFY_RUNS runs. A run that could deliver it nowhere (Slack down
 * for a minute) leaves it due, so a deadline warning is not lost to a passing outage.
 */
export function sentKeys(timeline: readonly TimelineEvent[]): Set<string> {
  const runs = new Map<string, number>();
  const keys = new Set<string>();
  for (const e of timeline) {
    if (e.type !== "notification") continue;
    const k = e.data.key;
    if (typeof k !== "string") continue;
    const outcomes = e.data.outcomes;
    // A record without outcomes (written before they were kept) counts as sent.
    if (!Array.isArray(outcomes) || outcomes.length === 0) {
      keys.add(k);
      continue;
    }
    const list = outcomes as Partial<DeliveryOutcome>[];
    const n = (runs.get(k) ?? 0) + 1;
    runs.set(k, n);
    if (list.some((o) => o.ok === true) || list.every((o) => o.retryable === false) || n >= MAX_NOTIFY_RUNS) keys.add(k);
  }
  return keys;
}

/** `AD-2026-0001 (AWS case 14425262173-1)`: how a notification names a case. */
export function caseRef(c: Pick<CaseState["case"], "id" | "awsCaseNumber">): string {
  return `${c.id}${c.awsCaseNumber ? ` (AWS case ${c.awsCaseNumber})` : ""}`;
}

/**
 * Builds a notification about a case: the fields every channel shows (case, activity, account,
 * deadline, status) and the case's data, plus what the event adds. The scheduler's follow-ups
 * (src/serve/followups.ts) build theirs with it too.
 */
export function caseEventBuilder(c: CaseState["case"]) {
  const ref = caseRef(c);
  return (kind: NotifyEvent["kind"], key: string, at: string, severity: NotifyEvent["severity"], title: string, text: string, extra: NotifyEvent["fields"] = [], data: Record<string, unknown> = {}): NotifyEvent => ({
    kind,
    key,
    caseId: c.id,
    awsCaseNumber: c.awsCaseNumber,
    at,
    title,
    text,
    severity,
    fields: [
      { label: "Case", value: ref },
      { label: "Activity", value: ACTIVITY_LABELS[c.activityType] },
      { label: "Account", value: c.accountIds.join(", ") || "unknown" },
      { label: "Deadline", value: fmtTime(c.deadline.at) },
      { label: "Status", value: c.status },
      ...extra,
    ],
    data: { caseId: c.id, awsCaseNumber: c.awsCaseNumber, status: c.status, activityType: c.activityType, accountIds: c.accountIds, deadline: c.deadline.at, verdict: c.verdict, severity: c.severity, ...data },
  });
}

export function dueNotifications(state: CaseState, now: Date, opts: DueOptions = {}): NotifyEvent[] {
  const c = state.case;
  const timeline = state.timeline ?? [];
  const sent = opts.sent ?? sentKeys(timeline);
  const warnMs = (opts.deadlineWarningHours ?? DEFAULT_DEADLINE_WARNING_HOURS) * 3_600_000;
  const open = isOpen(c.status);
  const out: NotifyEvent[] = [];
  const ref = caseRef(c);
  const activity = ACTIVITY_LABELS[c.activityType];
  const base = caseEventBuilder(c);
  const push = (e: NotifyEvent) => {
    if (!sent.has(e.key)) out.push(e);
  };

  // "New" while nobody has contained or answered it yet: turning notifications on later does not
  // announce every old case.
  if (c.status === "new" || c.status === "triaged") {
    push(
      base(
        "case-new",
        `case-new:${c.id}`,
        c.createdAt,
        c.severity === "critical" || c.severity === "high" ? "warning" : "info",
        `New abuse case ${ref}: ${activity}`,
        `AWS reported ${activity}${c.resources.length ? ` involving ${c.resources.slice(0, 5).join(", ")}${c.resources.length > 5 ? ` and ${c.resources.length - 5} more` : ""}` : ""}. Verdict: ${c.verdict}. Reply due by ${fmtTime(c.deadline.at)}.`,
        [{ label: "Severity", value: c.severity }, ...(c.assignee ? [{ label: "Assignee", value: c.assignee }] : [])],
      ),
    );
  }

  if (open && (c.verdict === "suspicious" || c.verdict === "phishing")) {
    push(
      base(
        "verdict-alarm",
        `verdict:${c.id}:${c.verdict}`,
        c.updatedAt,
        "critical",
        `Notice judged ${c.verdict}: ${ref}`,
        c.verdict === "phishing"
          ? `This notice is very likely not from AWS. Do not act on it, follow its links or reply to its sender; nothing will be done automatically. Report it to AWS (forward it as an attachment to ${REPORT_SPOOFING}) and check the account in the AWS console.`
          : `This notice could not be shown to come from AWS. Do not act on it or reply to its sender; nothing will be done automatically. Look for the case in the AWS console (Support Center, AWS Health); if AWS has none, report the message to ${REPORT_SPOOFING}.`,
        [{ label: "Verdict", value: c.verdict }],
      ),
    );
  }

  // A doubtful notice that joined a case whose verdict is better (a forgery quoting a real case
  // number): the case-level alarm above cannot see it, yet it is the most dangerous kind, since it
  // knows the case. Announced while the case is open, or within a day of its arrival (it does not
  // reopen a closed case, so a person would never look).
  if (canMoveCase(c.verdict)) {
    for (const e of timeline) {
      const level = e.data.verdict;
      if (e.type !== "verdict" || (level !== "suspicious" && level !== "phishing")) continue;
      if (!open && now.getTime() - Date.parse(e.at) > FRESH_MS) continue;
      push(
        base(
          "verdict-alarm",
          `verdict:${c.id}:notice:${String(e.data.noticeId ?? e.id)}`,
          e.at,
          "critical",
          `A notice judged ${level} joined ${ref}`,
          `${e.summary}. It quotes this case, so whoever sent it knows about the incident. Do not follow its links or reply to its sender; the reply to AWS answers the case's genuine notices only. Nothing it says changes the case.`,
          [{ label: "Verdict", value: level }],
          { noticeId: e.data.noticeId ?? null, noticeVerdict: level },
        ),
      );
    }
  }

  if (open && c.status !== "replied" && c.deadline.at) {
    const due = Date.parse(c.deadline.at);
    const left = due - now.getTime();
    if (!Number.isNaN(due) && left <= warnMs) {
      const overdue = left < 0;
      push(
        base(
          "deadline-near",
          `deadline-near:${c.id}:${new Date(due).toISOString()}`,
          now.toISOString(),
          overdue || left <= warnMs / 4 ? "critical" : "warning",
          overdue ? `Reply overdue by ${duration(-left)}: ${ref}` : `Reply due in ${duration(left)}: ${ref}`,
          doubtful(c.verdict)
            ? `The notice claims a reply is due by ${fmtTime(c.deadline.at)}, but it was judged ${c.verdict}: do not reply to its sender or act on it. Look for the case in the AWS console (Support Center); answer there if AWS has it, else report the message to ${REPORT_SPOOFING}.`
            : `AWS expects a reply by ${fmtTime(c.deadline.at)}${c.deadline.text ? ` (${c.deadline.text})` : ""}; without one it may block the resources or suspend the account. Draft it with: abuse-desk reply ${c.id}${overdue ? "" : " (ask for more time with --extend HOURS --why TEXT)"}.`,
          [{ label: "Time left", value: overdue ? `overdue by ${duration(-left)}` : duration(left) }],
        ),
      );
    }
  }

  const plans = state.plans ?? [];
  const journal = state.journal ?? [];
  if (open && plans.length > 0) {
    // Only the newest plan can be waiting: an older one was replaced.
    const latest = [...plans].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0]!;
    const touched = journal.some((e) => e.planId === latest.id);
    if (!touched && latest.steps.length > 0) {
      const changing = latest.steps.filter((s) => !s.action.startsWith("capture-")).length;
      push(
        base(
          "plan-awaiting-approval",
          `plan-awaiting-approval:${latest.id}`,
          latest.createdAt,
          "warning",
          `Containment plan waiting for approval: ${ref}`,
          `${latest.summary}\n${latest.steps.length} steps (${changing} change the account)${latest.refused.length ? `, ${latest.refused.length} resources protected by policy` : ""}. ${
            doubtful(latest.verdict) ? `Its notice was judged ${latest.verdict}: do not apply it; report the notice to AWS (${REPORT_SPOOFING}).` : `Review and apply it with: abuse-desk apply ${latest.id}`
          }`,
          [
            { label: "Plan", value: latest.id },
            { label: "Playbook", value: latest.playbook },
          ],
          { planId: latest.id, steps: latest.steps.length },
        ),
      );
    }
  }

  if (journal.length > 0) {
    const { outcomes } = stepOutcomes(plans, journal);
    const failedEntry = new Map<string, JournalEntry>();
    for (const e of journal) if (e.stepId && (e.phase === "failed" || e.phase === "rollback-failed")) failedEntry.set(`${e.planId}\u0000${e.stepId}`, e);
    for (const o of outcomes) {
      const failedNow = o.status === "failed" || o.rollback?.status === "failed";
      const e = failedEntry.get(`${o.planId}\u0000${o.stepId}`);
      if (!failedNow || !e) continue;
      const rollback = e.phase === "rollback-failed";
      push(
        base(
          "step-failed",
          `step-failed:${o.planId}:${o.stepId}:${e.seq}`,
          e.at,
          "critical",
          `${rollback ? "Rollback of a step" : "Containment step"} failed: ${ref}`,
          `${describeStep(o)}: ${e.error ?? "failed"}.\nThe plan stopped here; fix the cause and resume it with: abuse-desk apply ${o.planId}`,
          [
            { label: "Plan", value: o.planId },
            { label: "Step", value: o.stepId },
            { label: "Error", value: e.error ?? "failed" },
          ],
          { planId: o.planId, stepId: o.stepId, seq: e.seq, error: e.error ?? null, rollback },
        ),
      );
    }
  }

  for (const e of timeline) {
    if (e.type !== "reply-sent") continue;
    const via = typeof e.data.via === "string" ? e.data.via : "mail";
    const to = typeof e.data.to === "string" ? e.data.to : null;
    push(
      base(
        "reply-sent",
        `reply-sent:${c.id}:${e.id}`,
        e.at,
        "info",
        `Reply sent to AWS: ${ref}`,
        `${e.summary}${e.actor ? ` (by ${e.actor})` : ""}.`,
        [{ label: "Sent via", value: via }, ...(to ? [{ label: "To", value: to }] : [])],
        { timelineEventId: e.id, via, to, messageId: e.data.messageId ?? null },
      ),
    );
  }
  return out;
}

/** `3 h 20 min`, `45 min`, `2 d 4 h`. */
export function duration(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
