/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in arrival order.
 * One per (account, region), so a search across 17 regions runs them all in parallel while no single
 * region's API sees more than `limit` requests in flight (the adaptive retry mode paces the rest).
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // hand the slot straight to the next task, so a newcomer can't overtake it
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * A request-rate cap per key: calls start at least `intervalMs` apart, in arrival order. For the
 * APIs whose quota is a rate rather than a number in flight (CloudTrail LookupEvents: 2 per second
 * per account and region), so they are not throttled and retried into failure.
 */
export class Pacer {
  private readonly nextStart = new Map<string, number>();
  constructor(readonly intervalMs: number) {
    if (!(intervalMs >= 0)) throw new RangeError(`interval must be a number of milliseconds, got ${intervalMs}`);
  }

  /** Resolves when the next call under `key` may start. */
  async wait(key: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextStart.get(key) ?? now);
    this.nextStart.set(key, at + this.intervalMs);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}
