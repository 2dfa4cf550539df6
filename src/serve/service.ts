/**
 * The long-running service: the configured sources hand arrivals to the sink, which keeps each in
 * the store's inbox before the source acknowledges it; workers claim kept arrivals (leases in the
 * store, so several instances on one PostgreSQL share them) and take each through the desk
 * (process.ts); the scheduler runs the timed jobs. State lives in the store, never in memory: a
 * process killed at any moment loses nothing, and the next start (here or elsewhere) resumes.
 */
import type { ArrivalStage, ClaimedArrival, Inbox } from "../case/inbox.ts";
import { ArrivalRefused } from "../case/inbox.ts";
import type { CaseStore } from "../case/types.ts";
import type { SourceLog } from "../intake/registry.ts";
import type { Arrival, ArrivalReceipt, ArrivalSink, IntakeSource, SourceHealth } from "../intake/types.ts";
import type { GaugeReading, ServeMetrics } from "./metrics.ts";
import { processArrival, type ArrivalOutcome, type PipelineDeps } from "./process.ts";
import type { SchedulerPort } from "./scheduler-port.ts";

export interface ServiceOptions {
  store: CaseStore;
  inbox: Inbox;
  sources: IntakeSource[];
  pipeline: Omit<PipelineDeps, "store" | "inbox" | "metrics" | "log" | "leaseMs" | "afterStage">;
  scheduler: SchedulerPort;
  metrics: ServeMetrics;
  log: SourceLog;
  workers: number;
  leaseMs: number;
  pollMs: number;
  /** Fault tests: after an arrival is kept (before the source acknowledges), and after each stage. */
  hooks?: { afterKeep?: (receipt: ArrivalReceipt, arrival: Arrival) => void | Promise<void>; afterStage?: (stage: ArrivalStage, arrival: ClaimedArrival) => void | Promise<void> };
}

export interface OnceSummary {
  /** Arrivals each source handed in (new ones). */
  drained: Record<string, number>;
  /** What became of the arrivals this run worked on. */
  outcomes: Record<ArrivalOutcome, number>;
  /** Sources that could not be read this run, with why. */
  failingSources: { name: string; error: string | null }[];
  /** Arrivals still waiting (a failed stage to be retried later). */
  waiting: number;
  failed: number;
}

export class Service {
  private readonly wakers = new Set<() => void>();
  private started = false;
  private stopping = false;

  constructor(readonly opts: ServiceOptions) {}

  get sources(): IntakeSource[] {
    return this.opts.sources;
  }

  /** The sink a source hands its arrivals to: kept under the source's own name (a source cannot write into another's dedupe space). */
  sinkFor(source: IntakeSource): ArrivalSink {
    const { inbox, metrics, log, hooks } = this.opts;
    return async (arrival) => {
      // Kept under the source's own name, with the kind of source that received it, stamped here
      // (never the source's or the bytes' word): what the arrival is later judged by, whatever
      // the configuration says by then.
      const a = { ...arrival, source: source.name, meta: { ...arrival.meta, kind: source.kind } };
      let receipt: ArrivalReceipt;
      try {
        receipt = await inbox.keep(a);
      } catch (err) {
        metrics.sourceErrors.inc({ source: source.name });
        if (err instanceof ArrivalRefused) log.warn({ source: source.name, ref: a.ref.slice(0, 200), reason: err.message }, "arrival refused");
        else log.error({ source: source.name, ref: a.ref.slice(0, 200), err: (err as Error).message }, "arrival not kept: the store is unavailable; the source keeps it");
        throw err;
      }
      if (receipt.duplicate) metrics.duplicates.inc({ source: source.name });
      else metrics.arrivals.inc({ source: source.name });
      log.info({ source: source.name, arrival: receipt.id, duplicate: receipt.duplicate, bytes: a.raw.length }, receipt.duplicate ? "arrival already kept (re-delivery)" : "arrival kept");
      await hooks?.afterKeep?.(receipt, a);
      if (!receipt.duplicate) this.wake();
      return receipt;
    };
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  private pipelineDeps(): PipelineDeps {
    const { store, inbox, metrics, log, leaseMs, hooks, pipeline } = this.opts;
    return { ...pipeline, store, inbox, metrics, log, leaseMs, ...(hooks?.afterStage ? { afterStage: hooks.afterStage } : {}) };
  }

  /** Claims and processes one due arrival; null when none is due. */
  async step(seen?: Set<number>): Promise<ArrivalOutcome | null> {
    const [a] = await this.opts.inbox.claim({ limit: 1, leaseMs: this.opts.leaseMs, ...(seen ? { exclude: [...seen] } : {}) });
    if (!a) return null;
    seen?.add(a.id);
    return processArrival(a, this.pipelineDeps());
  }

  /**
   * `serve --once`: takes in what every source has waiting (a listener has nothing to drain),
   * processes every arrival that is due, runs the scheduler's jobs once, and returns.
   */
  async once(signal: AbortSignal = new AbortController().signal): Promise<OnceSummary> {
    const drained: Record<string, number> = {};
    for (const s of this.opts.sources) {
      try {
        drained[s.name] = await s.drain(this.sinkFor(s), signal);
      } catch (err) {
        drained[s.name] = 0;
        this.opts.metrics.sourceErrors.inc({ source: s.name });
        this.opts.log.error({ source: s.name, err: (err as Error).message }, "source could not be drained");
      }
    }
    const outcomes: Record<ArrivalOutcome, number> = { done: 0, rejected: 0, retry: 0, failed: 0, lost: 0 };
    // each arrival at most once per run: a stage that failed waits for the next run
    const seen = new Set<number>();
    const workers = Array.from({ length: this.opts.workers }, async () => {
      for (;;) {
        if (signal.aborted) return;
        const r = await this.step(seen);
        if (r === null) return;
        outcomes[r]++;
      }
    });
    await Promise.all(workers);
    try {
      await this.opts.scheduler.tick(new Date());
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message }, "scheduler tick failed");
    }
    const counts = await this.opts.inbox.counts();
    return {
      drained,
      outcomes,
      failingSources: this.opts.sources
        .map((s) => s.health())
        .filter((h) => h.state === "failing")
        .map((h) => ({ name: h.name, error: h.lastError })),
      waiting: counts.pending,
      failed: counts.failed,
    };
  }

  /** Runs until `signal` aborts: every source, the workers and the scheduler. Resolves once all have stopped. */
  async run(signal: AbortSignal): Promise<void> {
    this.started = true;
    const { log } = this.opts;
    const tasks: Promise<unknown>[] = [];
    for (const s of this.opts.sources) {
      tasks.push(
        s.run(this.sinkFor(s), signal).catch((err: unknown) => {
          this.opts.metrics.sourceErrors.inc({ source: s.name });
          log.error({ source: s.name, err: (err as Error).message }, "source stopped with an error");
        }),
      );
    }
    for (let i = 0; i < this.opts.workers; i++) tasks.push(this.worker(i, signal));
    tasks.push(
      this.opts.scheduler.run(signal).catch((err: unknown) => {
        log.error({ err: (err as Error).message }, "scheduler stopped with an error");
      }),
    );
    log.info({ sources: this.opts.sources.map((s) => `${s.kind}:${s.name}`), workers: this.opts.workers, scheduler: this.opts.scheduler.name }, "service started");
    await Promise.all(tasks);
    this.stopping = true;
    log.info({}, "service stopped");
  }

  private async worker(n: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let outcome: ArrivalOutcome | null;
      try {
        outcome = await this.step();
      } catch (err) {
        // the store is away: say so, wait, try again (never end the process)
        this.opts.log.error({ worker: n, err: (err as Error).message }, "could not claim or process an arrival");
        outcome = null;
      }
      if (outcome !== null) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.wakers.delete(done);
          signal.removeEventListener("abort", done);
          resolve();
        };
        const t = setTimeout(done, this.opts.pollMs);
        this.wakers.add(done);
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }

  /** Sources' health (what /readyz and the web desk's sources page show). */
  sourceHealth(): SourceHealth[] {
    return this.opts.sources.map((s) => s.health());
  }

  async readiness(): Promise<{ ready: boolean; store: boolean; running: boolean; sources: SourceHealth[] }> {
    const store = await this.opts.inbox.ping();
    const running = this.started && !this.stopping;
    return { ready: store && running, store, running, sources: this.sourceHealth() };
  }

  /** /metrics: this process's counters, and what the store says now (cases by status, the inbox, the sources). */
  async metricsText(): Promise<string> {
    const gauges: GaugeReading[] = [];
    try {
      const byStatus = await this.opts.store.countByStatus();
      gauges.push({ name: "abuse_desk_cases", help: "Cases in the store, by status.", values: Object.entries(byStatus).map(([status, n]) => ({ labels: { status }, value: n })) });
      const inbox = await this.opts.inbox.counts();
      gauges.push({
        name: "abuse_desk_inbox_arrivals",
        help: "Arrivals in the store's inbox, by state (due: pending and due now).",
        values: Object.entries(inbox).map(([state, n]) => ({ labels: { state }, value: n })),
      });
      gauges.push({ name: "abuse_desk_store_up", help: "1 when the store answered this scrape.", values: [{ labels: {}, value: 1 }] });
    } catch {
      gauges.push({ name: "abuse_desk_store_up", help: "1 when the store answered this scrape.", values: [{ labels: {}, value: 0 }] });
    }
    gauges.push({
      name: "abuse_desk_source_up",
      help: "1 while a source is working (0: starting, failing or stopped).",
      values: this.sourceHealth().map((h) => ({ labels: { source: h.name, kind: h.kind }, value: h.state === "ok" ? 1 : 0 })),
    });
    return this.opts.metrics.render(gauges);
  }
}
