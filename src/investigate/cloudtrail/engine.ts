/** The SQL engine the options ask for (src/investigate/sql, from the flow-log reader's branch). */
import type { InvestigateContext } from "../types.ts";
import type { TrailSqlEngine } from "./files.ts";

export function openSqlEngine(_ctx: InvestigateContext): Promise<TrailSqlEngine> {
  return Promise.reject(new Error("no SQL engine is available in this build (src/investigate/sql)"));
}
