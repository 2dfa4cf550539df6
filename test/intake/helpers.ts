/** A sink and a cursor store in memory, as the service's would behave (dedupe on source + ref). */
import { UserError } from "../../src/errors.ts";
import type { Arrival, ArrivalReceipt, SourceCursorStore } from "../../src/intake/types.ts";

export class MemoryCursors implements SourceCursorStore {
  readonly values = new Map<string, string>();
  async getCursor(source: string): Promise<string | null> {
    return this.values.get(source) ?? null;
  }
  async setCursor(source: string, value: string): Promise<void> {
    this.values.set(source, value);
  }
}

export interface MemorySink {
  (a: Arrival): Promise<ArrivalReceipt>;
  kept: Arrival[];
  offered: Arrival[];
  /** Makes the next offers reject (the store is down) while true. */
  down: boolean;
  /** Rejects from the n-th offer on (1-based), for "the store fails mid-batch". */
  failFrom: number | null;
  /** The store refusing an arrival itself (ArrivalRefused, a UserError): the reason, or null to keep it. */
  refuse: ((a: Arrival) => string | null) | null;
}

export function memorySink(): MemorySink {
  const byRef = new Map<string, number>();
  const sink = (async (a: Arrival) => {
    sink.offered.push(a);
    if (sink.down || (sink.failFrom !== null && sink.offered.length >= sink.failFrom)) throw new Error("the case store is unavailable");
    const refused = sink.refuse?.(a);
    if (refused) throw new UserError(refused, { exitCode: 65 });
    const k = `${a.source}\u0000${a.ref}`;
    const known = byRef.get(k);
    if (known !== undefined) return { id: String(known), duplicate: true };
    sink.kept.push(a);
    byRef.set(k, sink.kept.length);
    return { id: String(sink.kept.length), duplicate: false };
  }) as MemorySink;
  sink.kept = [];
  sink.offered = [];
  sink.down = false;
  sink.failFrom = null;
  sink.refuse = null;
  return sink;
}

export const staticCredentials = async () => ({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "example-secret" });

/** A sleep that returns at once (and records what was asked), so no test waits on a timer. */
export function instantSleep(): { sleep: (ms: number, signal: AbortSignal) => Promise<void>; asked: number[] } {
  const asked: number[] = [];
  return { asked, sleep: async (ms) => void asked.push(ms) };
}
