/**
 * Notifications wired to the case store: read a case's state, work out what is due, send it, and
 * record each outcome on the case's timeline (which is also what stops it being sent twice).
 *
 * Any command that changes a case can call `notifyCase(store, id, settings)` after its write; a
 * scheduler (`abuse-desk notify run`, from cron or a systemd timer) catches deadlines.
 */
import { plansJournal } from "../case/read.ts";
import type { CaseStore } from "../case/types.ts";
import { dueNotifications, type CaseState } from "./due.ts";
import { Notifier, outcomeSummary, type RecordOutcome } from "./dispatch.ts";
import type { NotifySettings } from "./config.ts";
import type { DeliveryOutcome, NotifyEvent } from "./types.ts";

export type { NotifyEvent, DeliveryOutcome, Channel } from "./types.ts";
export { dueNotifications, sentKeys } from "./due.ts";
export { Notifier, dispatch } from "./dispatch.ts";
export { notifySettings } from "./config.ts";

/** Everything `dueNotifications` reads about a case, from the store. */
export async function caseState(store: CaseStore, caseId: string): Promise<CaseState> {
  const c = await store.requireCase(caseId);
  const [timeline, plans] = await Promise.all([store.timeline(c.id), store.plansForCase(c.id)]);
  const journal = await plansJournal(store, plans);
  return { case: c, timeline, plans, journal };
}

/** Records an outcome as a `notification` event on the case's timeline (with the key that marks it sent). */
export function timelineRecorder(store: CaseStore, actor = "abuse-desk"): RecordOutcome {
  return (event: NotifyEvent, outcomes: DeliveryOutcome[]) =>
    store.recordEvent(event.caseId, "notification", outcomeSummary(event, outcomes), { key: event.key, kind: event.kind, outcomes }, { actor });
}

export function storeNotifier(store: CaseStore, settings: NotifySettings, onError?: (err: unknown) => void): Notifier {
  return new Notifier(settings.channels, { retry: settings.retry, record: timelineRecorder(store), ...(onError ? { onError } : {}) });
}

/**
 * Sends what is due for one case. With `wait: false` (what case-changing commands use) it returns
 * as soon as the events are known and delivery continues in the background; the CLI drains the
 * notifier before exiting. Returns the events it sent (none when no channel is configured).
 */
export async function notifyCase(store: CaseStore, caseId: string, settings: NotifySettings, opts: { now?: Date; wait?: boolean; notifier?: Notifier } = {}): Promise<NotifyEvent[]> {
  if (settings.channels.length === 0) return [];
  const state = await caseState(store, caseId);
  const events = dueNotifications(state, opts.now ?? new Date(), { deadlineWarningHours: settings.deadlineWarningHours });
  const notifier = opts.notifier ?? storeNotifier(store, settings);
  if (opts.wait === false) for (const e of events) notifier.emit(e);
  else for (const e of events) await notifier.send(e);
  return events;
}
