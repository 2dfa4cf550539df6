/**
 * Follow-ups and reminders: what the scheduler tells the team on top of what src/notify/due.ts
 * finds, from the case's state alone (pure, like due.ts, and sent and recorded the same way, so
 * each key is notified once).
 *
 * - Deadline reminders. due.ts warns once per deadline (`deadline-near`, 4 hours before by
 *   default). A deadline that passes unanswered deserves more than one message: a second reminder
 *   when a quarter of the warning time is left (`:final`), and a last one when it is overdue
 *   (`:overdue`). Each only when the first warning went out before that stage began, so a case
 *   found with 30 minutes left is warned once, not three times in three minutes.
 * - AWS wrote again (`aws-follow-up`): a follow-up or final notification joined an open case; AWS
 *   is still waiting, and a final notification means suspension is next.
 * - Follow-up due (`follow-up-due`): the case was answered and AWS has said nothing since for
 *   `followUpAfterHours`; someone should look for AWS's answer in the Support Center case.
 */
import { isOpen } from "../case/rules.ts";
import type { TimelineEvent } from "../case/types.ts";
import type { CaseState } from "../notify/due.ts";
import { caseEventBuilder, caseRef, DEFAULT_DEADLINE_WARNING_HOURS, duration, sentKeys } from "../notify/due.ts";
import type { NotifyEvent } from "../notify/types.ts";
import { fmtTime } from "../reply/format.ts";
import { REPORT_SPOOFING } from "../verify/aws.ts";

export interface FollowUpOptions {
  deadlineWarningHours?: number;
  /** After our reply, how long AWS may stay silent before someone is asked to look (default 72 h). */
  followUpAfterHours?: number;
  sent?: ReadonlySet<string>;
}

export const DEFAULT_FOLLOW_UP_AFTER_HOURS = 72;
/** A notice AWS sent longer ago than this is not announced as news (turning the scheduler on does not replay history). */
const FRESH_MS = 24 * 3_600_000;
const FOLLOW_UP_KINDS = new Set(["follow_up", "final_notification"]);
/** How a notice joined a case it did not open. */
const JOINED = new Set(["case-number", "resources", "only-open-case", "manual"]);

/** When each notified key was first recorded on the timeline. */
function firstNotified(timeline: readonly TimelineEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of timeline) {
    if (e.type !== "notification" || typeof e.data.key !== "string") continue;
    if (!out.has(e.data.key)) out.set(e.data.key, e.at);
  }
  return out;
}

export function followUpNotifications(state: CaseState, now: Date, opts: FollowUpOptions = {}): NotifyEvent[] {
  const c = state.case;
  const timeline = state.timeline ?? [];
  const sent = opts.sent ?? sentKeys(timeline);
  const out: NotifyEvent[] = [];
  if (!isOpen(c.status)) return out;
  const doubtful = c.verdict === "phishing" || c.verdict === "suspicious";
  const ref = caseRef(c);
  const event = caseEventBuilder(c);
  const push = (e: NotifyEvent) => {
    if (!sent.has(e.key)) out.push(e);
  };

  // Deadline reminders after the first warning.
  const due = Date.parse(c.deadline.at);
  if (c.status !== "replied" && !Number.isNaN(due)) {
    const warnMs = (opts.deadlineWarningHours ?? DEFAULT_DEADLINE_WARNING_HOURS) * 3_600_000;
    const base = `deadline-near:${c.id}:${new Date(due).toISOString()}`;
    const firstAt = firstNotified(timeline).get(base);
    const left = due - now.getTime();
    const stage = left < 0 ? { name: "overdue", begins: due } : left <= warnMs / 4 ? { name: "final", begins: due - warnMs / 4 } : null;
    if (firstAt && sent.has(base) && stage && Date.parse(firstAt) < stage.begins) {
      const overdue = stage.name === "overdue";
      push(
        event(
          "deadline-near",
          `${base}:${stage.name}`,
          now.toISOString(),
          "critical",
          overdue ? `Reply overdue by ${duration(-left)}, still unanswered: ${ref}` : `Reminder: reply due in ${duration(left)}, still unanswered: ${ref}`,
          doubtful
            ? `The notice was judged ${c.verdict}: do not reply to its sender or act on it. Look for the case in the AWS console (Support Center); if AWS has none, report the message to ${REPORT_SPOOFING}.`
            : `You were warned at ${fmtTime(firstAt)}; the case has not been answered yet. AWS expects a reply by ${fmtTime(c.deadline.at)}; without one it may block the resources or suspend the account. Draft it with: abuse-desk reply ${c.id}${overdue ? "" : " (or ask for more time with --extend HOURS --why TEXT)"}.`,
          [{ label: "Time left", value: overdue ? `overdue by ${duration(-left)}` : duration(left) }],
          { reminder: stage.name, firstWarnedAt: firstAt },
        ),
      );
    }
  }

  // AWS wrote again about an open case.
  for (const e of timeline) {
    if (e.type !== "notice-received" || !FOLLOW_UP_KINDS.has(String(e.data.kind))) continue;
    if (now.getTime() - Date.parse(e.at) > FRESH_MS) continue;
    // A notice that opened its case is announced as a new case (due.ts); a doubtful one as a verdict alarm.
    if (!JOINED.has(String(e.data.joinedBy))) continue;
    const verdict = timeline.find((v) => v.type === "verdict" && v.data.noticeId === e.data.noticeId);
    const level = verdict?.data.verdict;
    if (level === "suspicious" || level === "phishing") continue;
    const final = e.data.kind === "final_notification";
    push(
      event(
        "aws-follow-up",
        `aws-follow-up:${c.id}:${String(e.data.noticeId ?? e.id)}`,
        e.at,
        final ? "critical" : "warning",
        `${final ? "Final notification" : "Follow-up"} from AWS: ${ref}`,
        `${e.summary}.\n${final ? "AWS's last word before it acts on the resources or the account. " : "AWS is still waiting for an answer. "}` +
          (c.status === "replied" ? `The case was answered before; answer this one too (abuse-desk reply ${c.id}).` : `Reply by ${fmtTime(c.deadline.at)} with: abuse-desk reply ${c.id}`),
        [],
        { noticeId: e.data.noticeId ?? null, noticeKind: e.data.kind },
      ),
    );
  }

  // Answered, and AWS silent since.
  if (c.status === "replied") {
    const afterMs = (opts.followUpAfterHours ?? DEFAULT_FOLLOW_UP_AFTER_HOURS) * 3_600_000;
    const reply = [...timeline].reverse().find((e) => e.type === "reply-sent");
    if (reply) {
      const heard = timeline.some((e) => e.id > reply.id && (e.type === "notice-received" || e.type === "aws-answer"));
      const silent = now.getTime() - Date.parse(reply.at);
      if (!heard && silent >= afterMs) {
        push(
          event(
            "follow-up-due",
            `follow-up-due:${c.id}:${reply.id}`,
            now.toISOString(),
            "info",
            `No word from AWS ${duration(silent)} after our reply: ${ref}`,
            `The reply was sent ${fmtTime(reply.at)}. Look for AWS's answer in the Support Center case; record it with abuse-desk case note ${c.id}, or close the case once AWS has resolved it.`,
            [{ label: "Replied", value: fmtTime(reply.at) }],
            { replyEventId: reply.id },
          ),
        );
      }
    }
  }
  return out;
}
