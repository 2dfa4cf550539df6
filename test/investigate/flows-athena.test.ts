/**
 * readFlows with `engine: athena`: the DDL (one table per flow log, partition projection) and the
 * view it sends, the questions (the very text the local engine runs), every result page read; and,
 * on the same data, the same answer: the mocked Athena answers each SELECT by running its text on
 * DuckDB over the flow log's objects, so the local and Athena paths are compared on the same rows.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import { seedFlowScenario } from "../../src/cloud/sim/flowgen.ts";
import { addFlowLog, logsOf } from "../../src/cloud/sim/logs.ts";
import { readFlowsWith } from "../../src/investigate/flows/index.ts";
import { AthenaEngine } from "../../src/investigate/sql/athena.ts";
import { DuckDbEngine } from "../../src/investigate/sql/duckdb.ts";
import { flowLogsDdl, flowLogsViewSql, flowViewName, parseLogFormat, FLOW_FIELDS } from "../../src/investigate/sql/tables.ts";
import type { InvestigateContext, InvestigationPart, Subject } from "../../src/investigate/types.ts";
import { CONTRACT_ESTATE } from "../cloud/contract.ts";

vi.setConfig({ testTimeout: 120_000 });

const PROD = "111122223333";
const EU = { accountId: PROD, region: "eu-west-1" };
const ENI = "eni-0c0000000000000a1";
const IP = "10.0.1.10";
const FL = "fl-0c0000000000000a1";
const bucket = "flow-logs-archive";
const START = Date.parse("2025-05-30T10:00:00Z") / 1000;
const V4 = FLOW_FIELDS.filter((f) => f.version <= 4).map((f) => `\${${f.field}}`).join(" ");
const ATHENA = { accountId: "444455556666", region: "eu-west-1", database: "security", workgroup: "investigations", outputLocation: "s3://athena-results/abuse-desk/" };
const root = mkdtempSync(join(tmpdir(), "abuse-desk-flows-athena-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function sim() {
  return new SimAccount(parseEstate(readFileSync(CONTRACT_ESTATE, "utf8"), "contract.yaml").state, { label: "sim:flows-athena" });
}
function subject(activityType: Subject["activityType"], more: Partial<Subject> = {}): Subject {
  return {
    caseId: "C-13",
    activityType,
    window: { start: "2025-05-30T10:00:00Z", end: "2025-05-30T11:00:00Z" },
    noticeWindow: { begin: "2025-05-30T10:00:00Z", end: "2025-05-30T11:00:00Z" },
    remoteIps: [],
    remotePorts: [],
    resources: [{ scope: EU, kind: "instance", id: "i-0c0000000000000a1", publicIps: [], privateIps: [], networkInterfaceIds: [ENI] }],
    principals: [],
    containedAt: null,
    ...more,
  };
}
function ctx(port: SimAccount, engine: "local" | "athena"): InvestigateContext {
  return { port, options: { marginMinutes: 0, engine, hostTimeoutSeconds: 60, ...(engine === "athena" ? { athena: ATHENA } : {}) }, now: () => new Date("2025-06-01T12:00:00Z"), workDir: join(root, `w${++n}`) };
}

/** A mocked Athena that answers each SELECT by running its text on `db`, in pages of 3 rows, typed as Athena types them. */
function athenaOver(db: DuckDbEngine) {
  const athena = mockClient(AthenaClient);
  const results = new Map<string, Record<string, unknown>[]>();
  let q = 0;
  athena.on(StartQueryExecutionCommand).callsFake(async (input: { QueryString: string }) => {
    const id = `q${++q}`;
    const rows: Record<string, unknown>[] = [];
    if (input.QueryString.startsWith("SELECT")) for await (const page of db.query(input.QueryString)) rows.push(...page);
    results.set(id, rows);
    return { QueryExecutionId: id };
  });
  athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
  athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string; NextToken?: string; MaxResults?: number }) => {
    const rows = results.get(input.QueryExecutionId)!;
    const cols = rows.length > 0 ? Object.keys(rows[0]!) : [];
    const type = (c: string) => {
      const vs = rows.map((r) => r[c]).filter((v) => v !== null);
      return vs.length > 0 && vs.every((v) => typeof v === "number") ? (vs.every((v) => Number.isInteger(v)) ? "bigint" : "double") : "varchar";
    };
    const size = input.MaxResults ?? 1000;
    const at = input.NextToken ? Number(input.NextToken) : 0;
    const cell = (v: unknown) => (v === null || v === undefined ? {} : { VarCharValue: String(v) });
    const page = rows.slice(at, at + size).map((r) => ({ Data: cols.map((c) => cell(r[c])) }));
    return {
      ResultSet: { ResultSetMetadata: { ColumnInfo: cols.map((c) => ({ Name: c, Type: type(c) })) }, Rows: at === 0 && cols.length > 0 ? [{ Data: cols.map((c) => ({ VarCharValue: c })) }, ...page] : page },
      ...(at + size < rows.length ? { NextToken: String(at + size) } : {}),
    };
  });
  return athena;
}

/** DuckDB over every object of the flow log in the simulated bucket, under the view name the reader gives it. */
async function duckOver(s: SimAccount, format: string): Promise<DuckDbEngine> {
  const dir = join(root, `db${++n}`);
  mkdirSync(dir, { recursive: true });
  const files = [...logsOf(s.state).objects.get(`${PROD}/${bucket}`)!.entries()].map(([key, o], i) => {
    const path = join(dir, `${i}.log.gz`);
    writeFileSync(path, o.body);
    const m = /vpcflowlogs\/eu-west-1\/(\d{4}\/\d{2}\/\d{2}(?:\/\d{2})?)\//.exec(key)!;
    return { path, fileFormat: "plain-text" as const, logFormat: format, accountId: PROD, region: "eu-west-1", dt: m[1]! };
  });
  const db = await DuckDbEngine.open({ workDir: dir, threads: 1 });
  await db.registerFlowLogs(files, flowViewName([FL]));
  return db;
}

const openAthena = () => Promise.resolve(new AthenaEngine({ client: new AthenaClient({ region: "eu-west-1", credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" } }), database: ATHENA.database, workgroup: ATHENA.workgroup, outputLocation: ATHENA.outputLocation, pageSize: 3, sleep: () => Promise.resolve() }));
const same = (p: InvestigationPart) => ({ activity: { ...p.activity, figures: Object.fromEntries(Object.entries(p.activity?.figures ?? {}).filter(([k]) => k !== "files" && k !== "tables")) }, findings: p.findings.map((f) => ({ ...f, sources: f.sources.map((x) => x.query) })) });

describe("readFlows through Athena", () => {
  const cases: ["scanning-host" | "miner", Subject["activityType"], Partial<Subject>][] = [
    ["scanning-host", "port_scan", { containedAt: "2025-05-30T10:40:00Z" }],
    ["miner", "crypto_mining", { remoteIps: ["198.51.100.77", "192.0.2.250"], remotePorts: [3333] }],
  ];
  for (const [kind, activity, more] of cases) {
    it(`${kind}: sends the table DDL, the view and the local engine's question text; every page read; the same answer as local`, async () => {
      const s = sim();
      const fl = seedFlowScenario(s.state, { kind, accountId: PROD, region: "eu-west-1", interfaceId: ENI, privateIp: IP, start: START, minutes: 120 }, { flowLogId: FL, bucket, logFormat: V4 });
      // Local first: the questions it runs.
      const ran: string[] = [];
      const local = await readFlowsWith(ctx(s, "local"), subject(activity, more), {
        openEngine: async (c) => {
          const e = await DuckDbEngine.open({ workDir: c.workDir, threads: 1 });
          const q = e.query.bind(e);
          e.query = (sql: string) => (ran.push(sql), q(sql));
          return e;
        },
      });
      expect(local.activity?.verdict).toBe("confirmed");
      const db = await duckOver(s, V4);
      const athena = athenaOver(db);
      try {
        const before = s.calls.length;
        const part = await readFlowsWith(ctx(s, "athena"), subject(activity, more), { openAthena });
        // Read where the logs lie: nothing listed or downloaded.
        expect(s.calls.slice(before).some((c) => c.method === "listObjects" || c.method === "getObject")).toBe(false);
        const sent = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
        expect(sent.every((i) => i.QueryExecutionContext?.Database === "security" && i.WorkGroup === "investigations" && i.ResultConfiguration?.OutputLocation === "s3://athena-results/abuse-desk/")).toBe(true);
        const table = "vpc_flow_logs_fl_0c0000000000000a1";
        const view = flowViewName([FL]);
        expect(sent[0]!.QueryString).toBe(flowLogsDdl({ table, bucket, prefix: "", accounts: [PROD], regions: ["eu-west-1"], fileFormat: "plain-text", perHourPartition: true, hiveCompatiblePartitions: false, since: fl.creationTime ? fl.creationTime.slice(0, 10).replace(/-/g, "/") : "2015/06/01" }, parseLogFormat(V4)));
        expect(sent[0]!.QueryString).toContain(`CREATE EXTERNAL TABLE IF NOT EXISTS \`${table}\``);
        expect(sent[0]!.QueryString).toContain("'projection.dt.format'='yyyy/MM/dd/HH'");
        expect(sent[0]!.QueryString).toContain(`'storage.location.template'='s3://${bucket}/AWSLogs/\${aws_account_id}/vpcflowlogs/\${aws_region}/\${dt}/'`);
        expect(sent[0]!.QueryString).toContain("`tcp_flags` int");
        expect(sent[1]!.QueryString).toBe(flowLogsViewSql(view, [{ table, fields: parseLogFormat(V4) }]));
        expect(sent[1]!.QueryString).toContain(`CREATE OR REPLACE VIEW ${view} AS\nSELECT "version"`);
        expect(sent[1]!.QueryString).toContain('CAST(NULL AS varchar) AS "flow_direction"');
        // The questions: exactly the text the local engine ran, in the same order.
        const questions = sent.slice(2).map((i) => i.QueryString);
        expect(questions).toEqual(ran);
        expect(questions.every((q) => q!.includes(`FROM ${view}`) && q!.includes("dt IN ('2025/05/30/09', '2025/05/30/10', '2025/05/30/11'"))).toBe(true);
        // Pages of 3 rows: some answers took more than one page, each asked with the token of the one before.
        const pages = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input);
        if (kind === "scanning-host") expect(pages.some((p) => p.NextToken)).toBe(true);
        expect(pages.every((p) => p.MaxResults === 3)).toBe(true);
        // The same answer on the same data.
        expect(same(part)).toEqual(same(local));
        expect(part.activity?.figures.tables).toBe(1);
        expect(JSON.parse(String(part.artifacts[0]!.content)).statements).toEqual([sent[0]!.QueryString, sent[1]!.QueryString]);
        expect(part.notSearched).toEqual([]);
      } finally {
        athena.restore();
        await db.close();
      }
    });
  }

  it("flow logs Athena cannot read are said, never passed over: CloudWatch Logs and Hive-compatible prefixes; with nothing read, no-logs", async () => {
    const s = sim();
    addFlowLog(s.state, EU, { flowLogId: "fl-0c0000000000000c1", resourceId: ENI, destinationType: "cloud-watch-logs", logGroupName: "vpc-flows" });
    addFlowLog(s.state, EU, { flowLogId: "fl-0c0000000000000c2", resourceId: ENI, destinationType: "s3", bucket, prefix: "", hiveCompatiblePartitions: true });
    const athena = mockClient(AthenaClient);
    try {
      const part = await readFlowsWith(ctx(s, "athena"), subject("port_scan"), { openAthena });
      expect(part.activity?.verdict).toBe("no-logs");
      expect(part.findings).toEqual([]);
      const reasons = part.notSearched.map((x) => `${x.what}: ${x.reason}`).join("\n");
      expect(reasons).toContain("fl-0c0000000000000c1 (vpc-flows): it delivers to CloudWatch Logs, which Athena does not read: run with --engine local");
      expect(reasons).toMatch(/fl-0c0000000000000c2.*default S3 layout only/);
      expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
    } finally {
      athena.restore();
    }
  });

  it("without investigate.athena, the reader fails with the setting to give (the CLI refuses earlier, exit 78)", async () => {
    const s = sim();
    seedFlowScenario(s.state, { kind: "scanning-host", accountId: PROD, region: "eu-west-1", interfaceId: ENI, privateIp: IP, start: START, minutes: 60 }, { flowLogId: FL, bucket });
    const c = ctx(s, "athena");
    delete c.options.athena;
    await expect(readFlowsWith(c, subject("port_scan"), {})).rejects.toThrow(/investigate\.athena/);
  });
});
