/**
 * Notifications: what happened to a case that a person should hear about now, as plain data, and
 * the small interface every channel (Slack, e-mail, a signed webhook) implements.
 */

export const NOTIFY_EVENTS = ["case-new", "verdict-alarm", "deadline-near", "plan-awaiting-approval", "step-failed", "reply-sent", "aws-follow-up", "follow-up-due", "test"] as const;
export type NotifyEventKind = (typeof NOTIFY_EVENTS)[number];

export interface NotifyEvent {
  kind: NotifyEventKind;
  /**
   * What makes two detections the same event (`deadline-near:AD-2026-0007:2026-05-02T09:00:00.000Z`):
   * recorded on the timeline once notified, so a scheduler running every minute notifies once.
   */
  key: string;
  caseId: string;
  awsCaseNumber: string | null;
  /** When the thing happened (or, for a deadline, when it was noticed). ISO 8601. */
  at: string;
  /** One line: "Deadline in 3 h 20 min: AD-2026-0007 (port scan, 111122223333)". */
  title: string;
  /** A few lines of plain text with what to do next. */
  text: string;
  severity: "info" | "warning" | "critical";
  /** Label/value pairs shown as a table (Slack fields, webhook JSON, e-mail lines). */
  fields: { label: string; value: string }[];
  /** Machine-readable details for webhook receivers. */
  data: Record<string, unknown>;
}

/** The outcome of one delivery attempt, as the channel saw it. */
export type AttemptResult =
  | { ok: true; status?: number; detail?: string }
  | { ok: false; retryable: boolean; error: string; status?: number; retryAfterMs?: number };

export interface Channel {
  /** `slack`, `email`, `webhook:siem`: unique among the configured channels. */
  name: string;
  kind: "slack" | "email" | "webhook";
  /** The events this channel wants; `all` for every kind. */
  events: readonly NotifyEventKind[] | "all";
  deliver(event: NotifyEvent): Promise<AttemptResult>;
}

/** What became of one event on one channel, after retries. Recorded on the case's timeline. */
export interface DeliveryOutcome {
  channel: string;
  ok: boolean;
  attempts: number;
  status?: number;
  error?: string;
  /** On failure: whether a later try might succeed (false for a refusal that will not change, such as HTTP 404 or an SMTP 5xx). */
  retryable?: boolean;
  /** From the first attempt to the last answer, in ms. */
  elapsedMs: number;
}
