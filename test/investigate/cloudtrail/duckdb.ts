/** A DuckDB engine for the tests (the SqlEngine shape): pages of rows as JSON-safe objects. */
import { DuckDBInstance } from "@duckdb/node-api";
import type { TrailSqlEngine } from "../../../src/investigate/cloudtrail/files.ts";

export async function duckdb(): Promise<TrailSqlEngine> {
  const inst = await DuckDBInstance.create(":memory:", { autoinstall_known_extensions: "false", autoload_known_extensions: "false" });
  const c = await inst.connect();
  return {
    kind: "duckdb",
    async *query(sql: string) {
      const r = await c.runAndReadAll(sql);
      yield r.getRowObjectsJson() as Record<string, unknown>[];
    },
    close() {
      c.closeSync();
      inst.closeSync();
    },
  };
}
