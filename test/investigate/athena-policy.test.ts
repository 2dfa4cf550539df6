/**
 * docs/iam/athena-policy.json, proved: `--engine athena` runs as the desk's own identity in the
 * Athena account (investigate.athena; not the per-account read-only role), so its permissions are
 * their own policy. The Athena actions are exactly what the engine sends (recorded under
 * aws-sdk-client-mock down every path: a query paged, a failed query, a DDL statement); the Glue
 * actions are those of the statements the tool generates (tables, the flow-log view, the
 * questions); query results go only to an abuse-desk-athena-results-* bucket.
 */
import { readFileSync } from "node:fs";
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { AthenaEngine } from "../../src/investigate/sql/athena.ts";
import { cloudTrailDdl, flowLogsDdl, flowLogsViewSql, flowTableName, FLOW_FIELDS } from "../../src/investigate/sql/tables.ts";
import { evaluate, type PolicyDocument } from "../cloud/aws/iam-eval.ts";

type Statement = { Sid: string; Effect: string; Action: string[]; Resource: string | string[] };
const policy = JSON.parse(readFileSync(new URL("../../docs/iam/athena-policy.json", import.meta.url), "utf8")) as { Version: string; Statement: Statement[] };
const allowed = (prefix: string) => [...new Set(policy.Statement.flatMap((s) => s.Action).filter((a) => a.startsWith(prefix)))].sort();

/**
 * Glue actions each kind of statement needs (Athena's "Fine-grained access to databases and
 * tables in the AWS Glue Data Catalog"): a table created if missing, a view created or replaced,
 * a question read from tables and views.
 */
const GLUE_FOR: Record<"create-table" | "create-view" | "select", string[]> = {
  "create-table": ["glue:GetDatabase", "glue:GetTable", "glue:CreateTable"],
  "create-view": ["glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable"],
  select: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
};
function kindOf(sql: string): keyof typeof GLUE_FOR {
  const s = sql.trim().toUpperCase();
  if (s.startsWith("CREATE EXTERNAL TABLE")) return "create-table";
  if (s.startsWith("CREATE OR REPLACE VIEW")) return "create-view";
  if (s.startsWith("SELECT") || s.startsWith("WITH")) return "select";
  throw new Error(`a statement the policy does not know: ${s.slice(0, 40)}`);
}

async function recordAthena(): Promise<Set<string>> {
  const used = new Set<string>();
  const athena = mockClient(AthenaClient);
  try {
    let state = "SUCCEEDED";
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).callsFake(() => ({ QueryExecution: { Status: { State: state, StateChangeReason: "denied" } } }));
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: "n", Type: "bigint" }] }, Rows: [{ Data: [{ VarCharValue: "n" }] }, { Data: [{ VarCharValue: "1" }] }] }, NextToken: "t" })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: "n", Type: "bigint" }] }, Rows: [{ Data: [{ VarCharValue: "2" }] }] } });
    const engine = new AthenaEngine({ client: new AthenaClient({ region: "eu-west-1" }), database: "abuse_desk", outputLocation: "s3://abuse-desk-athena-results-x/q/", pollMs: 1, sleep: () => Promise.resolve() });
    for await (const page of engine.query("SELECT 1 AS n")) expect(page.length).toBeGreaterThan(0);
    await engine.execute("CREATE OR REPLACE VIEW v AS SELECT 1");
    state = "FAILED";
    await expect(engine.execute("SELECT 2")).rejects.toThrow(/failed/);
    for (const call of athena.calls()) used.add(`athena:${(call.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, "")}`);
  } finally {
    athena.restore();
  }
  return used;
}

describe("docs/iam/athena-policy.json", () => {
  it("allows exactly the Athena calls the engine sends", async () => {
    expect(allowed("athena:")).toEqual([...(await recordAthena())].sort());
  });

  it("allows exactly the Glue actions of the statements the tool sends (tables, the flow-log view, the questions)", () => {
    const common = { bucket: "prod-logs", prefix: "", accounts: ["111122223333"], regions: ["eu-west-1"], since: "2026/01/01" };
    const table = flowTableName("fl-0a1b2c3d");
    const statements = [
      flowLogsDdl({ ...common, table, fileFormat: "plain-text", perHourPartition: false, hiveCompatiblePartitions: false }),
      flowLogsViewSql("vpc_flow_logs_x", [{ table, fields: FLOW_FIELDS }]),
      cloudTrailDdl({ ...common, table: "cloudtrail_logs" }),
      "SELECT count(*) FROM vpc_flow_logs_x",
    ];
    const needed = new Set(statements.flatMap((s) => GLUE_FOR[kindOf(s)]));
    expect(allowed("glue:")).toEqual([...needed].sort());
  });

  it("writes query results only into abuse-desk-athena-results-* buckets; reads the log files anywhere it is pointed", () => {
    const doc = policy as unknown as PolicyDocument;
    expect(evaluate(doc, { action: "s3:PutObject", resource: "arn:aws:s3:::abuse-desk-athena-results-prod/q/1.csv", context: {} })).toBe("allowed");
    for (const other of ["arn:aws:s3:::prod-cloudtrail-111122223333/AWSLogs/x.json.gz", "arn:aws:s3:::abuse-desk-evidence-prod/x", "arn:aws:s3:::abuse-desk-athena-resultsx/x"])
      expect(evaluate(doc, { action: "s3:PutObject", resource: other, context: {} }), other).toBe("implicit-deny");
    expect(evaluate(doc, { action: "s3:GetObject", resource: "arn:aws:s3:::prod-cloudtrail-111122223333/AWSLogs/x.json.gz", context: {} })).toBe("allowed");
    expect(evaluate(doc, { action: "s3:DeleteObject", resource: "arn:aws:s3:::abuse-desk-athena-results-prod/q/1.csv", context: {} })).toBe("implicit-deny");
    expect(policy.Statement.flatMap((s) => s.Action).filter((a) => a.includes("*"))).toEqual([]);
  });
});
