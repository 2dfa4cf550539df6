/** The SQL engines the CloudTrail reader opens (src/investigate/sql), loaded only when the trail's files are read. */
import { AthenaClient } from "@aws-sdk/client-athena";
import { AthenaEngine } from "../sql/athena.ts";
import { DuckDbEngine } from "../sql/duckdb.ts";
import type { InvestigateContext } from "../types.ts";
import type { TrailDuckDb, TrailSqlEngine } from "./files.ts";

/**
 * DuckDB's JSON reader holds a buffer of twice the largest object per file it reads at once: with the
 * engine's default bound (64 MiB) a query over a few dozen trail files ran out of its 512 MB now and
 * then. CloudTrail's log files are far below 32 MiB of JSON (one file per 5 minutes per region).
 */
export const TRAIL_DUCKDB = { maxJsonBytes: 32 * 1024 * 1024, memoryLimit: "1GB" };

export function openDuckDb(ctx: InvestigateContext): Promise<TrailDuckDb> {
  return DuckDbEngine.open({ workDir: ctx.workDir, ...TRAIL_DUCKDB });
}

/** Athena in investigate.athena's account region, with the default credentials of the process (the profile or role the desk runs as). */
export function openAthena(ctx: InvestigateContext): Promise<TrailSqlEngine> {
  const a = ctx.options.athena;
  if (!a) return Promise.reject(new Error("engine athena needs investigate.athena (database, output location)"));
  return Promise.resolve(
    new AthenaEngine({
      client: new AthenaClient({ region: a.region }),
      database: a.database,
      ...(a.workgroup ? { workgroup: a.workgroup } : {}),
      outputLocation: a.outputLocation,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    }),
  );
}
