/**
 * The SQL engines: DuckDB for real (the bundled @duckdb/node-api, extensions never installed or
 * loaded) over generated flow log and CloudTrail files, and Athena through aws-sdk-client-mock: the
 * exact requests, the polling, the paging, the conversion of values, and the DDL it is given.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_FLOW_LOG_FORMAT } from "../../src/cloud/port-logs.ts";
import { AthenaEngine, AthenaQueryError } from "../../src/investigate/sql/athena.ts";
import { DuckDbEngine } from "../../src/investigate/sql/duckdb.ts";
import { allRows } from "../../src/investigate/sql/engine.ts";
import { cloudTrailDdl, FLOW_FIELDS, flowLogsDdl, parseLogFormat } from "../../src/investigate/sql/tables.ts";

const dir = mkdtempSync(join(tmpdir(), "abuse-desk-sql-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const V5 = FLOW_FIELDS.map((f) => `\${${f.field}}`).join(" ");

describe("DuckDB", () => {
  let db: DuckDbEngine;
  beforeAll(async () => {
    db = await DuckDbEngine.open({ workDir: dir, memoryLimit: "256MB", threads: 1 });
  });
  afterAll(() => db.close());

  it("runs with extension auto-install and auto-load off, bounded memory, spills in the work directory, and no httpfs", async () => {
    const [s] = await allRows(db, "SELECT current_setting('autoinstall_known_extensions') AS ai, current_setting('autoload_known_extensions') AS al, current_setting('memory_limit') AS mem, current_setting('temp_directory') AS tmp");
    expect(s).toMatchObject({ ai: false, al: false });
    expect(String(s!.mem)).toMatch(/^2\d\d\.\d MiB$|^256/);
    expect(s!.tmp).toBe(join(dir, "duckdb-tmp"));
    const ext = await allRows(db, "SELECT extension_name, loaded FROM duckdb_extensions() WHERE extension_name IN ('json', 'parquet', 'httpfs') ORDER BY 1");
    expect(ext).toEqual([
      { extension_name: "httpfs", loaded: false },
      { extension_name: "json", loaded: true },
      { extension_name: "parquet", loaded: true },
    ]);
    await expect(allRows(db, "SELECT * FROM read_csv('s3://some-bucket/some-key.log.gz')")).rejects.toThrow();
  });

  it("reads gzip text flow logs of the default and custom formats and Parquet into one vpc_flow_logs view", async () => {
    const v2 = join(dir, "v2.log.gz");
    writeFileSync(v2, gzipSync(["version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status", "2 111122223333 eni-a 10.0.0.5 198.51.100.1 40000 22 6 3 180 1746093600 1746093660 ACCEPT OK", "2 111122223333 eni-a - - - - - - - 1746093600 1746093660 - NODATA"].join("\n") + "\n"));
    const custom = "${version} ${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${tcp-flags} ${flow-direction}";
    const v5 = join(dir, "v5.log.gz");
    writeFileSync(v5, gzipSync(["version interface-id srcaddr dstaddr dstport protocol packets bytes start end action tcp-flags flow-direction", "5 eni-b 10.0.0.6 203.0.113.7 25 6 1 60 1746093700 1746093760 ACCEPT 2 egress"].join("\n") + "\n"));
    const pq = join(dir, "f.parquet");
    await allRows(db, `COPY (SELECT 5 AS version, '111122223333' AS account_id, 'eni-c' AS interface_id, '10.0.0.7' AS srcaddr, '192.0.2.1' AS dstaddr, CAST(443 AS INTEGER) AS dstport, CAST(6 AS INTEGER) AS protocol, CAST(10 AS BIGINT) AS packets, CAST(5000 AS BIGINT) AS bytes, CAST(1746093800 AS BIGINT) AS start, CAST(1746093860 AS BIGINT) AS "end", 'REJECT' AS action, CAST(18 AS INTEGER) AS tcp_flags) TO '${pq}' (FORMAT parquet)`);
    await db.registerFlowLogs([
      { path: v2, fileFormat: "plain-text", logFormat: DEFAULT_FLOW_LOG_FORMAT, accountId: "111122223333", region: "eu-west-1", dt: "2025/05/01/10" },
      { path: v5, fileFormat: "plain-text", logFormat: custom, accountId: "111122223333", region: "eu-west-1", dt: "2025/05/01/10" },
      { path: pq, fileFormat: "parquet", logFormat: V5, accountId: "444455556666", region: "us-east-1", dt: "2025/05/01" },
    ]);
    const rows = await allRows(db, `SELECT interface_id, dstport, packets, "end", action, tcp_flags, flow_direction, account_id, aws_account_id, aws_region, dt FROM vpc_flow_logs ORDER BY interface_id, packets NULLS LAST`);
    expect(rows).toEqual([
      { interface_id: "eni-a", dstport: 22, packets: 3, end: 1746093660, action: "ACCEPT", tcp_flags: null, flow_direction: null, account_id: "111122223333", aws_account_id: "111122223333", aws_region: "eu-west-1", dt: "2025/05/01/10" },
      { interface_id: "eni-a", dstport: null, packets: null, end: 1746093660, action: null, tcp_flags: null, flow_direction: null, account_id: "111122223333", aws_account_id: "111122223333", aws_region: "eu-west-1", dt: "2025/05/01/10" },
      { interface_id: "eni-b", dstport: 25, packets: 1, end: 1746093760, action: "ACCEPT", tcp_flags: 2, flow_direction: "egress", account_id: null, aws_account_id: "111122223333", aws_region: "eu-west-1", dt: "2025/05/01/10" },
      { interface_id: "eni-c", dstport: 443, packets: 10, end: 1746093860, action: "REJECT", tcp_flags: 18, flow_direction: null, account_id: "111122223333", aws_account_id: "444455556666", aws_region: "us-east-1", dt: "2025/05/01" },
    ]);
    const cols = await allRows(db, "SELECT column_name FROM (DESCRIBE vpc_flow_logs)");
    expect(cols.map((c) => c.column_name)).toEqual([...FLOW_FIELDS.map((f) => f.column), "aws_account_id", "aws_region", "dt"]);
  });

  it("an empty file list is an empty table with every column, not an error", async () => {
    await db.registerFlowLogs([]);
    expect(await allRows(db, "SELECT count(*) AS n, count(DISTINCT dstaddr) AS d FROM vpc_flow_logs")).toEqual([{ n: 0, d: 0 }]);
  });

  it("reads CloudTrail's gzip JSON into cloudtrail_logs with Athena's columns", async () => {
    const ct = join(dir, "ct.json.gz");
    const rec = {
      eventVersion: "1.08",
      userIdentity: { type: "AssumedRole", principalId: "AROA:i-1", arn: "arn:aws:sts::111122223333:assumed-role/web/i-1", accountId: "111122223333", accessKeyId: "ASIAEXAMPLE", sessionContext: { sessionIssuer: { type: "Role", arn: "arn:aws:iam::111122223333:role/web", userName: "web" }, attributes: { mfaAuthenticated: "false", creationDate: "2025-05-01T10:00:00Z" } } },
      eventTime: "2025-05-01T10:02:03Z",
      eventSource: "s3.amazonaws.com",
      eventName: "ListBuckets",
      awsRegion: "eu-west-1",
      sourceIPAddress: "203.0.113.50",
      userAgent: "aws-cli/2",
      requestParameters: { bucketName: "b" },
      responseElements: null,
      eventID: "e-1",
      readOnly: true,
      resources: [{ ARN: "arn:aws:s3:::b", accountId: "111122223333", type: "AWS::S3::Bucket" }],
      eventType: "AwsApiCall",
      recipientAccountId: "111122223333",
    };
    writeFileSync(ct, gzipSync(JSON.stringify({ Records: [rec, { ...rec, eventID: "e-2", eventName: "GetObject", userIdentity: { type: "IAMUser", userName: "bob", accessKeyId: "AKIAEXAMPLE" }, resources: undefined }] })));
    await db.registerCloudTrail([{ path: ct, accountId: "111122223333", region: "eu-west-1", dt: "2025/05/01" }]);
    const rows = await allRows(db, "SELECT eventid, eventname, useridentity.accesskeyid AS key, useridentity.sessioncontext.sessionissuer.arn AS issuer, sourceipaddress, requestparameters, resources[1].arn AS res, readonly, aws_account_id, dt FROM cloudtrail_logs ORDER BY eventid");
    expect(rows).toEqual([
      { eventid: "e-1", eventname: "ListBuckets", key: "ASIAEXAMPLE", issuer: "arn:aws:iam::111122223333:role/web", sourceipaddress: "203.0.113.50", requestparameters: '{"bucketName":"b"}', res: "arn:aws:s3:::b", readonly: "true", aws_account_id: "111122223333", dt: "2025/05/01" },
      { eventid: "e-2", eventname: "GetObject", key: "AKIAEXAMPLE", issuer: null, sourceipaddress: "203.0.113.50", requestparameters: '{"bucketName":"b"}', res: null, readonly: "true", aws_account_id: "111122223333", dt: "2025/05/01" },
    ]);
  });

  it("pages a large result in chunks", async () => {
    const pages: number[] = [];
    for await (const p of db.query("SELECT range AS i FROM range(5000)")) pages.push(p.length);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(pages.length).toBeGreaterThan(1);
  });
});

describe("Athena (mocked client: the requests it sends)", () => {
  const athena = mockClient(AthenaClient);
  afterAll(() => athena.restore());
  beforeEach(() => athena.reset());
  const client = new AthenaClient({ region: "eu-west-1", credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" } });
  const col = (Name: string, Type: string) => ({ Name, Type });

  it("starts the query as given, polls until it succeeds, pages the results and skips the header row", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "qe-1" });
    athena.on(GetQueryExecutionCommand).resolvesOnce({ QueryExecution: { Status: { State: "QUEUED" } } }).resolvesOnce({ QueryExecution: { Status: { State: "RUNNING" } } }).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
    const meta = { ColumnInfo: [col("dstport", "integer"), col("n", "bigint"), col("addr", "varchar"), col("ok", "boolean"), col("big", "bigint")] };
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({ ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: [{ VarCharValue: "dstport" }, { VarCharValue: "n" }, { VarCharValue: "addr" }, { VarCharValue: "ok" }, { VarCharValue: "big" }] }, { Data: [{ VarCharValue: "22" }, { VarCharValue: "310" }, { VarCharValue: "10.0.0.5" }, { VarCharValue: "true" }, { VarCharValue: "9007199254740993" }] }] }, NextToken: "t2" })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: [{ VarCharValue: "23" }, { VarCharValue: "2" }, {}, { VarCharValue: "false" }, { VarCharValue: "1" }] }] } });
    const slept: number[] = [];
    const engine = new AthenaEngine({ client, database: "security", workgroup: "abuse-desk", outputLocation: "s3://results/abuse-desk/", pollMs: 500, sleep: async (ms) => void slept.push(ms) });
    const sql = "SELECT dstport, count(*) AS n FROM vpc_flow_logs GROUP BY 1";
    const pages: Record<string, unknown>[][] = [];
    for await (const p of engine.query(sql)) pages.push(p);
    expect(pages).toEqual([[{ dstport: 22, n: 310, addr: "10.0.0.5", ok: true, big: "9007199254740993" }], [{ dstport: 23, n: 2, addr: null, ok: false, big: 1 }]]);
    expect(athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryString: sql, QueryExecutionContext: { Database: "security" }, WorkGroup: "abuse-desk", ResultConfiguration: { OutputLocation: "s3://results/abuse-desk/" } }]);
    expect(athena.commandCalls(GetQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: "qe-1" }, { QueryExecutionId: "qe-1" }, { QueryExecutionId: "qe-1" }]);
    expect(slept).toEqual([500, 1000]);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: "qe-1", MaxResults: 1000 }, { QueryExecutionId: "qe-1", MaxResults: 1000, NextToken: "t2" }]);
  });

  it("a failed query is an error with Athena's reason; a query that never ends times out", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "qe-2" });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "FAILED", StateChangeReason: "TABLE_NOT_FOUND: vpc_flow_logs" } } });
    const engine = new AthenaEngine({ client, database: "security", sleep: async () => {} });
    await expect(allRows(engine, "SELECT 1")).rejects.toThrow(/qe-2 failed: TABLE_NOT_FOUND/);
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "RUNNING" } } });
    const slow = new AthenaEngine({ client, database: "security", sleep: async () => {}, timeoutMs: 10_000 });
    const e = await allRows(slow, "SELECT 1").catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AthenaQueryError);
    expect((e as AthenaQueryError).state).toBe("RUNNING");
  });
});

describe("Athena DDL with partition projection", () => {
  it("flow logs: the documented columns, projected over account, region and hour, the location template of AWS's layout", () => {
    const ddl = flowLogsDdl({ bucket: "org-flow-logs", prefix: "vpc", accounts: ["111122223333", "444455556666"], regions: ["eu-west-1"], fileFormat: "plain-text", perHourPartition: true, hiveCompatiblePartitions: false, since: "2025/01/01" });
    expect(ddl).toContain("CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs` (\n  `version` int,\n  `account_id` string,\n  `interface_id` string,");
    expect(ddl).toContain("`tcp_flags` int,");
    expect(ddl).toContain("`end` bigint,");
    expect(ddl).toContain("PARTITIONED BY (`aws_account_id` string, `aws_region` string, `dt` string)");
    expect(ddl).toContain("FIELDS TERMINATED BY ' '");
    expect(ddl).toContain("'skip.header.line.count'='1'");
    expect(ddl).toContain("'projection.aws_account_id.values'='111122223333,444455556666'");
    expect(ddl).toContain("'projection.dt.format'='yyyy/MM/dd/HH'");
    expect(ddl).toContain("'projection.dt.range'='2025/01/01/00,NOW'");
    expect(ddl).toContain("'projection.dt.interval.unit'='HOURS'");
    expect(ddl).toContain("'storage.location.template'='s3://org-flow-logs/vpc/AWSLogs/${aws_account_id}/vpcflowlogs/${aws_region}/${dt}/'");
    const custom = flowLogsDdl({ bucket: "b", prefix: "", accounts: ["111122223333"], regions: ["eu-west-1"], fileFormat: "parquet", perHourPartition: false, hiveCompatiblePartitions: false, since: "2025/01/01" }, parseLogFormat("${interface-id} ${dstport}"));
    expect(custom).toContain("(\n  `interface_id` string,\n  `dstport` int\n)");
    expect(custom).toContain("STORED AS PARQUET");
    expect(custom).not.toContain("skip.header");
    expect(custom).toContain("'projection.dt.format'='yyyy/MM/dd'");
    expect(custom).toContain("s3://b/AWSLogs/${aws_account_id}");
  });
  it("CloudTrail: the organization trail's layout, projected by day", () => {
    const ddl = cloudTrailDdl({ bucket: "org-trail", organizationId: "o-abcdef1234", accounts: ["111122223333"], regions: ["eu-west-1", "us-east-1"], since: "2024/06/01" });
    expect(ddl).toContain("useridentity struct<type:string, principalid:string, arn:string, accountid:string, invokedby:string, accesskeyid:string, username:string,");
    expect(ddl).toContain("resources array<struct<arn:string, accountid:string, type:string>>");
    expect(ddl).toContain("'com.amazon.emr.cloudtrail.CloudTrailInputFormat'");
    expect(ddl).toContain("'storage.location.template'='s3://org-trail/AWSLogs/o-abcdef1234/${aws_account_id}/CloudTrail/${aws_region}/${dt}/'");
    expect(ddl).toContain("'projection.aws_region.values'='eu-west-1,us-east-1'");
  });
  it("refuses what a statement cannot safely hold, and the layout it cannot project", () => {
    const base = { bucket: "b", prefix: "", accounts: ["111122223333"], regions: ["eu-west-1"], fileFormat: "plain-text" as const, perHourPartition: false, hiveCompatiblePartitions: false, since: "2025/01/01" };
    expect(() => flowLogsDdl({ ...base, bucket: "b'; DROP TABLE x; --" })).toThrow(/cannot hold/);
    expect(() => flowLogsDdl({ ...base, prefix: "a b" })).toThrow(/cannot hold/);
    expect(() => flowLogsDdl({ ...base, accounts: ["1111'"] })).toThrow(/not an account id/);
    expect(() => flowLogsDdl({ ...base, accounts: [] })).toThrow(/at least one/);
    expect(() => flowLogsDdl({ ...base, hiveCompatiblePartitions: true })).toThrow(/Hive-compatible/);
    expect(() => cloudTrailDdl({ bucket: "b", organizationId: "o-x'", accounts: ["111122223333"], regions: ["eu-west-1"], since: "2025/01/01" })).toThrow(/organization/);
  });
});
