/**
 * The service's Prometheus metrics (text exposition format 0.0.4): counters and a histogram kept
 * in this process, and gauges read from the store when scraped (cases by status, the inbox).
 * Several instances on one store each count their own work; the gauges are the same for all.
 */

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labelText = (l: Labels) => {
  const keys = Object.keys(l).sort();
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(l[k]!)}"`).join(",")}}` : "";
};

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const e = this.values.get(key) ?? { labels, value: 0 };
    e.value += by;
    this.values.set(key, e);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join("\n");
  }
}

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    if (!Number.isFinite(v) || v < 0) return;
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i]!++;
    });
    this.sum += v;
    this.count++;
  }
  get observations(): number {
    return this.count;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

export interface GaugeReading {
  name: string;
  help: string;
  values: { labels: Labels; value: number }[];
}

export class ServeMetrics {
  readonly arrivals = new Counter("abuse_desk_arrivals_total", "Arrivals kept from each source (new ones; re-deliveries are counted as duplicates).");
  readonly duplicates = new Counter("abuse_desk_arrivals_duplicate_total", "Arrivals a source delivered again, or the same bytes from another source.");
  readonly processed = new Counter("abuse_desk_arrivals_processed_total", "Arrivals through the pipeline, by outcome (done, rejected, retry, failed).");
  readonly verdicts = new Counter("abuse_desk_verdicts_total", "Notices verified by the service, by verdict.");
  readonly sourceErrors = new Counter("abuse_desk_source_errors_total", "Times a source could not hand an arrival in, or turned failing.");
  readonly applied = new Counter("abuse_desk_automatic_steps_total", "Plan steps the policy ran without a person, by outcome.");
  readonly timeToPlan = new Histogram("abuse_desk_time_to_plan_seconds", "From an arrival's receipt to its case's plan stored.", [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300]);

  render(gauges: GaugeReading[]): string {
    const parts = [this.arrivals, this.duplicates, this.processed, this.verdicts, this.sourceErrors, this.applied, this.timeToPlan].map((m) => m.render());
    for (const g of gauges) {
      parts.push([`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, ...g.values.map((v) => `${g.name}${labelText(v.labels)} ${v.value}`)].join("\n"));
    }
    return parts.join("\n") + "\n";
  }
}
