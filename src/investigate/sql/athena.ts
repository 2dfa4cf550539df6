/**
 * Athena: StartQueryExecution, GetQueryExecution until the query ends, GetQueryResults page by page.
 * The client is injected (the CLI builds it with the read role of the account that holds the logs);
 * the statement text is sent as given, so the local and Athena engines run the same SQL.
 *
 * Rows are converted by the result's column types as DuckDB gives them: integer types and doubles
 * as numbers (a bigint beyond 2^53 as text), booleans, NULL (a cell without a value) as null, the
 * rest as text.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type Datum,
} from "@aws-sdk/client-athena";
import type { SqlEngine } from "./engine.ts";

export interface AthenaEngineOptions {
  client: Pick<AthenaClient, "send">;
  database: string;
  workgroup?: string;
  /** s3://bucket/prefix/ for results (optional when the workgroup sets it). */
  outputLocation?: string;
  /** Wait between GetQueryExecution polls (default 1 s; doubled up to 5 s). */
  pollMs?: number;
  /** Give up after this long (default 15 minutes). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  /** Rows per GetQueryResults page (at most 1000). */
  pageSize?: number;
}

export class AthenaQueryError extends Error {
  constructor(
    message: string,
    readonly queryExecutionId: string | undefined,
    readonly state: string | undefined,
  ) {
    super(message);
    this.name = "AthenaQueryError";
  }
}

const NUMERIC = new Set(["tinyint", "smallint", "integer", "int", "bigint", "double", "float", "real", "decimal"]);

function convert(d: Datum | undefined, col: ColumnInfo): unknown {
  const v = d?.VarCharValue;
  if (v === undefined) return null;
  const type = (col.Type ?? "varchar").toLowerCase();
  if (NUMERIC.has(type)) {
    const n = Number(v);
    return Number.isSafeInteger(n) || !Number.isInteger(n) ? n : v;
  }
  if (type === "boolean") return v === "true";
  return v;
}

export class AthenaEngine implements SqlEngine {
  readonly kind = "athena" as const;
  constructor(private readonly o: AthenaEngineOptions) {}

  /** Runs the statement and waits until it has ended; its id. */
  async execute(sql: string): Promise<string> {
    const o = this.o;
    const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const started = await o.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        QueryExecutionContext: { Database: o.database },
        ...(o.workgroup ? { WorkGroup: o.workgroup } : {}),
        ...(o.outputLocation ? { ResultConfiguration: { OutputLocation: o.outputLocation } } : {}),
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new AthenaQueryError("Athena returned no query execution id", undefined, undefined);
    let wait = o.pollMs ?? 1000;
    let waited = 0;
    const timeout = o.timeoutMs ?? 15 * 60_000;
    for (;;) {
      o.signal?.throwIfAborted();
      const ex = await o.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = ex.QueryExecution?.Status?.State;
      if (state === "SUCCEEDED") return id;
      if (state === "FAILED" || state === "CANCELLED") {
        const reason = ex.QueryExecution?.Status?.StateChangeReason ?? ex.QueryExecution?.Status?.AthenaError?.ErrorMessage ?? "no reason given";
        throw new AthenaQueryError(`Athena query ${id} ${state.toLowerCase()}: ${reason}`, id, state);
      }
      if (waited >= timeout) throw new AthenaQueryError(`Athena query ${id} still ${state ?? "unknown"} after ${Math.round(waited / 1000)} s`, id, state);
      await sleep(wait);
      waited += wait;
      wait = Math.min(wait * 2, 5000);
    }
  }

  async *query(sql: string): AsyncIterable<Record<string, unknown>[]> {
    const id = await this.execute(sql);
    let token: string | undefined;
    let first = true;
    let columns: ColumnInfo[] | undefined;
    do {
      const page = await this.o.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: this.o.pageSize ?? 1000, ...(token ? { NextToken: token } : {}) }));
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      let rows = page.ResultSet?.Rows ?? [];
      // A SELECT's first row is its header (the column names): skipped when it is one.
      if (first && rows.length > 0 && columns.length > 0 && rows[0]!.Data?.every((d, i) => d.VarCharValue === columns![i]?.Name)) rows = rows.slice(1);
      first = false;
      const out = rows.map((r) => Object.fromEntries(columns!.map((c, i) => [c.Name ?? `_${i}`, convert(r.Data?.[i], c)])));
      if (out.length > 0) yield out;
      token = page.NextToken;
    } while (token);
  }

  async close(): Promise<void> {}
}
