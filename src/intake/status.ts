/**
 * What every intake source keeps about itself for `health()` (and so for /readyz, /metrics and the
 * web desk's sources page), and the abortable wait between its rounds. One class for every kind
 * of source, so a state means the same everywhere.
 */
import type { SourceHealth, SourceState } from "./types.ts";

export class SourceStatus {
  private state: SourceState;
  private since: Date;
  private lastError: string | null = null;
  private lastOkAt: Date | null = null;
  /** Arrivals kept since the process started. */
  received = 0;
  /** Failed rounds in a row (reset by `ok`): what the back-off counts. */
  failures = 0;

  /**
   * `clean` is applied to every error text kept (a source that holds secrets passes its scrubber);
   * `initial` is the state before the source runs.
   */
  constructor(
    readonly name: string,
    readonly kind: string,
    private readonly now: () => Date,
    opts: { initial?: SourceState; clean?: (words: string) => string } = {},
  ) {
    this.state = opts.initial ?? "starting";
    this.clean = opts.clean ?? ((w) => w);
    this.since = now();
  }

  private readonly clean: (words: string) => string;

  private set(state: SourceState): void {
    if (state !== this.state) {
      this.state = state;
      this.since = this.now();
    }
  }

  get current(): SourceState {
    return this.state;
  }

  starting(): void {
    this.set("starting");
  }

  ok(): void {
    this.failures = 0;
    this.lastOkAt = this.now();
    this.set("ok");
  }

  fail(words: string): void {
    this.failures++;
    this.lastError = this.clean(words);
    this.set("failing");
  }

  /** Records what went wrong with one item without calling the source failing (it moved on). */
  note(words: string): void {
    this.lastError = this.clean(words);
  }

  /** One arrival kept. */
  kept(): void {
    this.received++;
    this.lastOkAt = this.now();
  }

  stopped(): void {
    this.set("stopped");
  }

  snapshot(): SourceHealth {
    return {
      name: this.name,
      kind: this.kind,
      state: this.state,
      since: this.since.toISOString(),
      lastError: this.lastError,
      lastOkAt: this.lastOkAt ? this.lastOkAt.toISOString() : null,
      received: this.received,
    };
  }
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
