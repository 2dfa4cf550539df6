/**
 * Benchmark harness. Each bench/*.bench.ts exports `default: Bench`. A bench measures its figure
 * and a baseline in the same process, so the ratio means something on any machine.
 */
export interface Figure {
  /** What was measured ("triage throughput, 10,000 mixed notices"). */
  name: string;
  value: number;
  unit: string;
  /** The baseline measured in the same run, in the same unit. */
  baseline?: { name: string; value: number };
  /** How the ratio reads: `higher` (value/baseline, bigger is better) or `lower` (value/baseline, smaller is better). */
  better: "higher" | "lower";
  /** The issue's target, as words ("<= 1.5x MIME parse alone") and as a check. */
  target?: { text: string; met: boolean };
}

export interface Bench {
  name: string;
  run(log: (line: string) => void): Promise<Figure[]>;
}

/** Times `fn` once after `warmup` untimed runs; returns milliseconds. */
export async function time(fn: () => unknown | Promise<unknown>, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Median of `runs` timings of `fn`, in milliseconds. */
export async function median(fn: () => unknown | Promise<unknown>, runs = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function formatFigure(f: Figure): string {
  const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
  let line = `${f.name}: ${num(f.value)} ${f.unit}`;
  if (f.baseline) {
    const ratio = f.baseline.value === 0 ? Infinity : f.value / f.baseline.value;
    line += ` | baseline (${f.baseline.name}): ${num(f.baseline.value)} ${f.unit} | ratio ${ratio.toFixed(2)}x`;
  }
  if (f.target) line += ` | target ${f.target.text}: ${f.target.met ? "met" : "NOT MET"}`;
  return line;
}
