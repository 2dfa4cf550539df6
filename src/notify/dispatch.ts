/**
 * Delivering notifications: every channel that wants the event, in parallel, each with bounded
 * retries and exponential back-off (with jitter, honouring Retry-After up to the cap). Nothing here
 * throws: a channel that fails is an outcome, recorded on the case's timeline, and the case work
 * that triggered it carries on (`Notifier.emit` returns before anything is sent).
 */
import type { Channel, DeliveryOutcome, NotifyEvent } from "./types.ts";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, initialDelayMs: 500, maxDelayMs: 10_000 };

export interface DispatchDeps {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function wants(channel: Channel, event: NotifyEvent): boolean {
  return event.kind === "test" || channel.events === "all" || channel.events.includes(event.kind);
}

/** The wait before attempt `n + 1` (n >= 1): initial * 2^(n-1), jittered to 50-100 %, capped. */
export function backoff(n: number, retry: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  const exp = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (n - 1));
  const jittered = Math.round(exp * (0.5 + random() / 2));
  return retryAfterMs === undefined ? jittered : Math.min(retry.maxDelayMs, Math.max(jittered, retryAfterMs));
}

export async function deliverWithRetry(channel: Channel, event: NotifyEvent, retry: RetryPolicy = DEFAULT_RETRY, deps: DispatchDeps = {}): Promise<DeliveryOutcome> {
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const t0 = now();
  const attempts = Math.max(1, Math.floor(retry.attempts));
  for (let n = 1; ; n++) {
    let r;
    try {
      r = await channel.deliver(event);
    } catch (err) {
      // A channel should not throw; if one does, it is treated like a network error.
      r = { ok: false as const, retryable: true, error: (err as Error).message ?? String(err) };
    }
    if (r.ok) return { channel: channel.name, ok: true, attempts: n, ...(r.status ? { status: r.status } : {}), elapsedMs: now() - t0 };
    if (!r.retryable || n >= attempts) {
      return { channel: channel.name, ok: false, attempts: n, error: r.error, ...(r.status ? { status: r.status } : {}), retryable: r.retryable, elapsedMs: now() - t0 };
    }
    await sleep(backoff(n, retry, random, r.retryAfterMs));
  }
}

/** Sends `event` to every channel that wants it; resolves with one outcome per channel, never rejects. */
export async function dispatch(event: NotifyEvent, channels: readonly Channel[], retry: RetryPolicy = DEFAULT_RETRY, deps: DispatchDeps = {}): Promise<DeliveryOutcome[]> {
  return Promise.all(channels.filter((c) => wants(c, event)).map((c) => deliverWithRetry(c, event, retry, deps)));
}

/** One line for the timeline: who got it, who did not and why. */
export function outcomeSummary(event: NotifyEvent, outcomes: readonly DeliveryOutcome[]): string {
  const ok = outcomes.filter((o) => o.ok).map((o) => o.channel);
  const bad = outcomes.filter((o) => !o.ok).map((o) => `${o.channel} (${o.error}; ${o.attempts} attempt${o.attempts === 1 ? "" : "s"})`);
  if (bad.length === 0) return `Notified ${ok.join(", ")}: ${event.title}`;
  return `Notification failed on ${bad.join(", ")}${ok.length ? `; delivered to ${ok.join(", ")}` : ""}: ${event.title}`;
}

export type RecordOutcome = (event: NotifyEvent, outcomes: DeliveryOutcome[]) => Promise<unknown>;

export interface NotifierOptions extends DispatchDeps {
  retry?: RetryPolicy;
  /** Where outcomes go (the case timeline); a failure to record is reported to `onError`, never thrown. */
  record?: RecordOutcome;
  onError?: (err: unknown) => void;
}

export class Notifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    readonly channels: readonly Channel[],
    private readonly opts: NotifierOptions = {},
  ) {}

  /** Sends and waits for the outcomes (recorded too). Never rejects. */
  async send(event: NotifyEvent): Promise<DeliveryOutcome[]> {
    const outcomes = await dispatch(event, this.channels, this.opts.retry, this.opts);
    if (outcomes.length > 0 && this.opts.record) {
      try {
        await this.opts.record(event, outcomes);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
    return outcomes;
  }

  /** Fire and forget: returns at once; delivery, retries and recording continue in the background. */
  emit(event: NotifyEvent): void {
    const p = this.send(event).then(
      () => undefined,
      (err: unknown) => this.opts.onError?.(err),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for background deliveries (a CLI calls it before exiting), at most `timeoutMs`. */
  async drain(timeoutMs = 60_000): Promise<boolean> {
    if (this.pending.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref?.();
    });
    const all = Promise.all([...this.pending]).then(() => true as const);
    const done = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return done;
  }
}
