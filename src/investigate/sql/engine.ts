/**
 * One interface for the engines the investigation queries logs with: DuckDB over files downloaded
 * into the work directory (./duckdb.ts) and Athena over the logs where they lie (./athena.ts). Both
 * answer the same SQL over the same table names and columns (./tables.ts), and return rows with the
 * same shapes: integers and doubles as numbers (a BIGINT beyond 2^53 as a decimal string), text as
 * strings, NULL as null.
 */
export interface SqlEngine {
  readonly kind: "duckdb" | "athena";
  /** Runs one statement; the rows come in pages (DuckDB's chunks, Athena's result pages). */
  query(sql: string): AsyncIterable<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Every row of a query, bounded: more than `max` rows is an error rather than unbounded memory. */
export async function allRows(engine: SqlEngine, sql: string, max = 1_000_000): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const page of engine.query(sql)) {
    for (const r of page) {
      if (rows.length >= max) throw new Error(`the query returned more than ${max} rows`);
      rows.push(r);
    }
  }
  return rows;
}

/** A JS value as both engines give it: bigint to number when exact, else its decimal text. */
export function plainValue(v: unknown): unknown {
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x)]));
  return v ?? null;
}
