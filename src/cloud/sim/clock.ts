/**
 * Time for the simulator's injected latency. The real clock sleeps; the virtual clock advances
 * only when everything runnable is waiting on it, so a test (or a benchmark) can measure how many
 * latency periods a piece of work needs, deterministically and without waiting for them.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => (ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms))),
};

/**
 * A clock whose time moves only by sleeping. After every macrotask tick (when all promise
 * continuations have run, so every concurrent caller has registered its sleep), time jumps to the
 * earliest pending deadline and those sleepers wake. Ten calls sleeping 50 ms in parallel finish
 * at t=50; ten in sequence at t=500.
 */
export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: { at: number; seq: number; wake: () => void }[] = [];
  private scheduled = false;

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((wake) => {
      this.timers.push({ at: this.t + ms, seq: this.seq++, wake });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.fire();
    });
  }

  private fire(): void {
    if (this.timers.length === 0) return;
    const at = Math.min(...this.timers.map((x) => x.at));
    const due = this.timers.filter((x) => x.at === at).sort((a, b) => a.seq - b.seq);
    this.timers = this.timers.filter((x) => x.at !== at);
    this.t = at;
    for (const x of due) x.wake();
    if (this.timers.length > 0) this.schedule();
  }
}
