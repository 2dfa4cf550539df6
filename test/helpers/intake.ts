/**
 * Test doubles for the intake contract (src/intake/types.ts): a cursor store in memory and a sink
 * that records what it kept (or rejects, as a store that is down does). The service's store-backed
 * ones are tested with the store.
 */
import type { Arrival, ArrivalReceipt, ArrivalSink, SourceCursorStore } from "../../src/intake/types.ts";

export class MemoryCursors implements SourceCursorStore {
  readonly values = new Map<string, string>();
  readonly writes: Array<[string, string]> = [];
  async getCursor(source: string): Promise<string | null> {
    return this.values.get(source) ?? null;
  }
  async setCursor(source: string, value: string): Promise<void> {
    this.values.set(source, value);
    this.writes.push([source, value]);
  }
}

export interface RecordingSink {
  sink: ArrivalSink;
  /** Every arrival kept, in order (duplicates included, marked so). */
  kept: Arrival[];
  /** Every call, kept or rejected. */
  calls: number;
  /** While true the sink rejects, as a store that is down. */
  failing: boolean;
  /** Keys (source + ref) of the arrivals kept more than once. */
  duplicates(): string[];
}

export function recordingSink(): RecordingSink {
  const seen = new Map<string, number>();
  const rec: RecordingSink = {
    kept: [],
    calls: 0,
    failing: false,
    duplicates: () => [...seen.entries()].filter(([, n]) => n > 1).map(([k]) => k),
    sink: async (a: Arrival): Promise<ArrivalReceipt> => {
      rec.calls++;
      if (rec.failing) throw new Error("the case store is unavailable (connection refused)");
      const key = `${a.source} ${a.ref}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      rec.kept.push(a);
      return { id: String(rec.kept.length), duplicate: n > 1 };
    },
  };
  return rec;
}

/**
 * Waits until `cond` holds (checked every 20 ms), failing with `what` after `limitMs`: a bound for a
 * hung test on a loaded machine, not a timing assertion (the whole suite shares two cores).
 */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, limitMs = 45_000): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
