/**
 * readFlows on the simulated account, with real DuckDB over the files the simulator's scenarios
 * deliver into its "S3" (and its CloudWatch Logs): every activity, default and custom formats of
 * versions 2 to 5, text and Parquet, daily, hourly and Hive-compatible partitions, no logs, denied
 * reads, containment; and the Athena engine sent the very SQL text DuckDB ran.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_FLOW_LOG_FORMAT } from "../../src/cloud/port-logs.ts";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import { flowLogText, scenarioRecords, seedFlowScenario, type ScenarioKind, type ScenarioSpec } from "../../src/cloud/sim/flowgen.ts";
import { addFlowLog, logsOf, putLogEvents, putObject } from "../../src/cloud/sim/logs.ts";
import type { FaultRule } from "../../src/cloud/sim/faults.ts";
import { ask, readFlows } from "../../src/investigate/flows/index.ts";
import { AthenaEngine } from "../../src/investigate/sql/athena.ts";
import { DuckDbEngine } from "../../src/investigate/sql/duckdb.ts";
import { FLOW_FIELDS } from "../../src/investigate/sql/tables.ts";
import type { InvestigateContext, Subject } from "../../src/investigate/types.ts";
import { CONTRACT_ESTATE } from "../cloud/contract.ts";

// Real DuckDB over real files, on a machine the whole suite shares: generous time-outs (nothing here is a timed assertion).
vi.setConfig({ testTimeout: 120_000 });

const text = readFileSync(CONTRACT_ESTATE, "utf8");
const PROD = "111122223333";
const EU = { accountId: PROD, region: "eu-west-1" };
const ENI = "eni-0c0000000000000a1";
const IP = "10.0.1.10";
const START = Date.parse("2025-05-30T10:00:00Z") / 1000;
const root = mkdtempSync(join(tmpdir(), "abuse-desk-flows-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const V5 = FLOW_FIELDS.map((f) => `\${${f.field}}`).join(" ");
const V3 = FLOW_FIELDS.filter((f) => f.version <= 3).map((f) => `\${${f.field}}`).join(" ");
const V4 = FLOW_FIELDS.filter((f) => f.version <= 4).map((f) => `\${${f.field}}`).join(" ");
const CUSTOM = "${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${tcp-flags}";

function spec(kind: ScenarioKind, more: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return { kind, accountId: PROD, region: "eu-west-1", interfaceId: ENI, privateIp: IP, start: START, minutes: 90, ...more };
}

function sim(faults: FaultRule[] = []) {
  return new SimAccount(parseEstate(text, "contract.yaml").state, { label: "sim:flows", faults });
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

function ctx(port: SimAccount): InvestigateContext {
  const workDir = join(root, `w${++n}`);
  return { port, options: { marginMinutes: 30, engine: "local", hostTimeoutSeconds: 60 }, now: () => new Date("2025-06-01T12:00:00Z"), workDir };
}

const bucket = "flow-logs-archive";

describe("readFlows: each scenario gives its verdict, with figures", () => {
  const cases: [ScenarioKind, Subject["activityType"], Partial<Subject>, Record<string, unknown>][] = [
    ["scanning-host", "port_scan", {}, { maxDestinationsPerMinute: 120, port: 22, synOnlyFlows: 120 }],
    ["open-proxy", "open_proxy", {}, { proxyPort: 3128 }],
    ["miner", "crypto_mining", {}, { pool: "198.51.100.77:3333" }],
    ["spam-relay", "spam_email", {}, { ports: "25,465,587" }],
  ];
  for (const [kind, activity, more, figures] of cases) {
    it(`${kind}: confirmed`, async () => {
      const s = sim();
      seedFlowScenario(s.state, spec(kind), { flowLogId: "fl-0c0000000000000a1", bucket, logFormat: V5 });
      const part = await readFlows(ctx(s), subject(activity, more));
      expect(part.activity?.verdict, JSON.stringify(part, null, 1).slice(0, 2000)).toBe("confirmed");
      expect(part.activity?.figures).toMatchObject(figures);
      expect(part.findings[0]?.kind).toMatch(/^flow\.\w+\.confirmed$/);
      expect(part.findings[0]?.sources[0]?.query).toBe(part.activity?.query);
      expect(part.artifacts).toHaveLength(1);
      expect(JSON.parse(String(part.artifacts[0]!.content)).questions[0].sql).toBe(part.activity?.query);
      expect(part.notSearched).toEqual([]);
    });
  }
  it("open proxy in figures: 25 sources a minute in, 40 destinations out, the whole hour", async () => {
    const s = sim();
    seedFlowScenario(s.state, spec("open-proxy"), { flowLogId: "fl-0c0000000000000a1", bucket });
    const part = await readFlows(ctx(s), subject("open_proxy"));
    expect(Number(part.activity?.figures.inboundSources)).toBeGreaterThan(200);
    expect(Number(part.activity?.figures.outboundDestinations)).toBeGreaterThan(200);
  });
  it("miner: the pool connection lasted the hour", async () => {
    const s = sim();
    seedFlowScenario(s.state, spec("miner"), { flowLogId: "fl-0c0000000000000a1", bucket });
    const part = await readFlows(ctx(s), subject("crypto_mining"));
    expect(part.activity?.figures.longestSeconds).toBe(3600);
  });
  it("a false report: the ENI's records are there, no scan in them (not observed)", async () => {
    const s = sim();
    seedFlowScenario(s.state, spec("false-report"), { flowLogId: "fl-0c0000000000000a1", bucket });
    for (const a of ["port_scan", "spam_email", "open_proxy", "crypto_mining"] as const) {
      const part = await readFlows(ctx(s), subject(a));
      expect(part.activity?.verdict, a).toBe("not-observed");
      expect(Number(part.activity?.figures.records)).toBe(60 * 4);
      expect(part.findings[0]?.kind).toMatch(/not-observed$/);
    }
  });
  it("another activity's traffic is not this one: a miner is not a port scan", async () => {
    const s = sim();
    seedFlowScenario(s.state, spec("miner"), { flowLogId: "fl-0c0000000000000a1", bucket });
    expect((await readFlows(ctx(s), subject("port_scan"))).activity?.verdict).toBe("not-observed");
  });
});

describe("readFlows: reads only the window", () => {
  it("downloads only the files delivered around the window, of that flow log", async () => {
    const s = sim();
    // 3 hours of scanning, hourly partitions; the notice's window is the middle hour.
    seedFlowScenario(s.state, spec("scanning-host", { start: START - 3600, minutes: 180 }), { flowLogId: "fl-0c0000000000000a1", bucket });
    seedFlowScenario(s.state, { ...spec("scanning-host"), interfaceId: "eni-0c0000000000000a2", privateIp: "10.0.1.11" }, { flowLogId: "fl-0c0000000000000a2", bucket });
    const total = logsOf(s.state).objects.get(`${PROD}/${bucket}`)!.size;
    const part = await readFlows(ctx(s), subject("port_scan"));
    expect(part.activity?.verdict).toBe("confirmed");
    const got = s.callsOf("getObject").length;
    // 12 files in the hour, plus those named ten minutes before and thirty after (the delivery slack of flows/prune.ts): 21 of that flow log's 37; never the other ENI's 19.
    expect(got).toBe(21);
    expect(total).toBe(37 + 19);
    expect(s.callsOf("getObject").every((c) => String(c.args[1]).includes("fl-0c0000000000000a1"))).toBe(true);
    // Listing is per hourly partition and per flow log (the objects' name prefix): a few prefixes, not the bucket, never the other flow log's objects.
    expect(s.callsOf("listObjects").every((c) => /vpcflowlogs\/eu-west-1\/2025\/05\/30\/\d\d\/\d{12}_vpcflowlogs_eu-west-1_fl-0c0000000000000a1_$/.test(String(c.args[1])))).toBe(true);
  });
});

describe("readFlows: formats and layouts", () => {
  for (const [name, format] of [
    ["v2 default (no tcp-flags: scan still confirmed by destinations)", DEFAULT_FLOW_LOG_FORMAT],
    ["v3", V3],
    ["v4", V4],
    ["v5 every field", V5],
    ["custom order", CUSTOM],
  ] as const) {
    it(`text, ${name}`, async () => {
      const s = sim();
      seedFlowScenario(s.state, spec("scanning-host"), { flowLogId: "fl-0c0000000000000a1", bucket, logFormat: format });
      const part = await readFlows(ctx(s), subject("port_scan"));
      expect(part.activity?.verdict).toBe("confirmed");
      expect(part.activity?.figures.maxDestinationsPerMinute).toBe(120);
      expect(part.activity?.figures.synOnlyFlows).toBe(format.includes("tcp-flags") ? 120 : 0);
      expect(part.activity?.figures.tcpFlagsLogged).toBe(format.includes("tcp-flags"));
    });
  }
  it("daily partitions and Hive-compatible prefixes", async () => {
    for (const layout of [{ perHourPartition: false }, { hiveCompatiblePartitions: true }, { hiveCompatiblePartitions: true, perHourPartition: false }]) {
      const s = sim();
      seedFlowScenario(s.state, spec("spam-relay"), { flowLogId: "fl-0c0000000000000a1", bucket, prefix: "org/vpc", ...layout });
      const part = await readFlows(ctx(s), subject("spam_email"));
      expect(part.activity?.verdict, JSON.stringify(layout)).toBe("confirmed");
    }
  });
  it("Parquet files (converted with DuckDB from the generated records)", async () => {
    const s = sim();
    const fl = addFlowLog(s.state, EU, { flowLogId: "fl-0c0000000000000a1", resourceId: ENI, destinationType: "s3", bucket, prefix: "", fileFormat: "parquet", perHourPartition: true, logFormat: V5 });
    const db = await DuckDbEngine.open({ workDir: join(root, "pq"), threads: 1 });
    const recs = scenarioRecords(spec("scanning-host"));
    const csv = join(root, "pq", "all.log");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(csv, flowLogText(recs, V5));
    for (let h = 0; h < 2; h++) {
      const out = join(root, "pq", `h${h}.parquet`);
      const lo = START + h * 3600;
      const cols = FLOW_FIELDS.map((f) => `'${f.field}': '${f.type === "int" ? "INTEGER" : f.type === "bigint" ? "BIGINT" : "VARCHAR"}'`).join(", ");
      for await (const _ of db.query(`COPY (SELECT ${FLOW_FIELDS.map((f) => `"${f.field}" AS ${f.column}`).join(", ")} FROM read_csv('${csv}', delim = ' ', header = true, nullstr = '-', columns = {${cols}}, auto_detect = false) WHERE start >= ${lo} AND start < ${lo + 3600}) TO '${out}' (FORMAT parquet)`)) void _;
      const key = `AWSLogs/${PROD}/vpcflowlogs/eu-west-1/2025/05/30/${10 + h}/${PROD}_vpcflowlogs_eu-west-1_${fl.flowLogId}_20250530T${10 + h}05Z_0000000${h}.log.parquet`;
      putObject(s.state, PROD, bucket, key, readFileSync(out), { region: "eu-west-1" });
    }
    await db.close();
    const part = await readFlows(ctx(s), subject("port_scan"));
    expect(part.activity?.verdict).toBe("confirmed");
    expect(part.activity?.figures).toMatchObject({ maxDestinationsPerMinute: 120, synOnlyFlows: 120 });
  });
  it("CloudWatch Logs through Logs Insights: the ENI's stream, the window", async () => {
    const s = sim();
    addFlowLog(s.state, EU, { flowLogId: "fl-0c0000000000000c1", resourceId: "subnet-0c000000000000001", destinationType: "cloud-watch-logs", logGroupName: "vpc-flows", logFormat: CUSTOM });
    const recs = scenarioRecords(spec("spam-relay", { minutes: 60 }));
    const lines = flowLogText(recs, CUSTOM).trim().split("\n").slice(1);
    putLogEvents(s.state, EU, "vpc-flows", lines.map((message, i) => ({ stream: `${ENI}-all`, timestamp: recs[i]!.start * 1000 + 30_000, message })));
    putLogEvents(s.state, EU, "vpc-flows", [{ stream: "eni-0c0000000000000f4-all", timestamp: START * 1000, message: `eni-0c0000000000000f4 10.0.1.9 1.2.3.4 25 6 1 60 ${START} ${START + 60} ACCEPT 2` }]);
    const part = await readFlows(ctx(s), subject("spam_email"));
    expect(part.activity?.verdict).toBe("confirmed");
    expect(part.activity?.figures.mailDestinations).toBeGreaterThanOrEqual(20);
    expect(s.callsOf("startLogsQuery")).toHaveLength(1);
    expect((s.callsOf("startLogsQuery")[0]!.args[0] as { queryString: string }).queryString).toContain(`/^(${ENI})-/`);
  });
});

describe("readFlows: no logs, unreadable logs, containment, reported remotes", () => {
  it("no flow log on the ENI, its subnet or its VPC: no-logs, said as a finding", async () => {
    const part = await readFlows(ctx(sim()), subject("port_scan"));
    expect(part.activity).toMatchObject({ verdict: "no-logs", networkInterfaceIds: [ENI] });
    expect(part.findings[0]?.kind).toBe("flow.no-logs");
  });
  it("a flow log whose files cannot be read is not searched, and the verdict is no-logs, never not-observed", async () => {
    const s = sim([{ call: "s3:GetObject", accessDenied: true }]);
    seedFlowScenario(s.state, spec("scanning-host"), { flowLogId: "fl-0c0000000000000a1", bucket });
    const part = await readFlows(ctx(s), subject("port_scan"));
    expect(part.activity?.verdict).toBe("no-logs");
    expect(part.notSearched[0]).toMatchObject({ what: expect.stringContaining("fl-0c0000000000000a1"), reason: expect.stringContaining("s3:GetObject") });
  });
  it("Firehose and reject-only flow logs are said, not passed over", async () => {
    const s = sim();
    addFlowLog(s.state, EU, { flowLogId: "fl-0c0000000000000f1", resourceId: "vpc-0c000000000000001", destinationType: "kinesis-data-firehose", destination: "arn:aws:firehose:eu-west-1:111122223333:deliverystream/x" });
    const part = await readFlows(ctx(s), subject("port_scan"));
    expect(part.activity?.verdict).toBe("no-logs");
    expect(part.notSearched.map((x) => x.reason).join()).toContain("Kinesis Data Firehose");
  });
  it("stopped after containment, or continued", async () => {
    const contained = "2025-05-30T10:40:00Z";
    const stopping = sim();
    seedFlowScenario(stopping.state, spec("scanning-host", { stopAt: Date.parse(contained) / 1000 }), { flowLogId: "fl-0c0000000000000a1", bucket });
    const a = await readFlows(ctx(stopping), subject("port_scan", { containedAt: contained }));
    expect(a.activity).toMatchObject({ verdict: "confirmed", stoppedAfterContainment: true });
    expect(a.findings.map((f) => f.kind)).toContain("flow.stopped-after-containment");
    const going = sim();
    seedFlowScenario(going.state, spec("scanning-host"), { flowLogId: "fl-0c0000000000000a1", bucket });
    const b = await readFlows(ctx(going), subject("port_scan", { containedAt: contained }));
    expect(b.activity).toMatchObject({ verdict: "confirmed", stoppedAfterContainment: false });
    expect(b.findings.map((f) => f.kind)).toContain("flow.continued-after-containment");
  });
  it("reported remotes: seen and not seen", async () => {
    const s = sim();
    seedFlowScenario(s.state, spec("miner"), { flowLogId: "fl-0c0000000000000a1", bucket });
    const part = await readFlows(ctx(s), subject("crypto_mining", { remoteIps: ["198.51.100.77", "192.0.2.250"], remotePorts: [3333] }));
    const f = part.findings.find((x) => x.kind === "flow.reported-remotes");
    expect(f?.summary).toContain("198.51.100.77");
    expect(f?.summary).toContain("not seen: 192.0.2.250");
  });
  it("a hostile remote address from the notice never reaches the SQL", async () => {
    const s = sim();
    seedFlowScenario(s.state, spec("miner"), { flowLogId: "fl-0c0000000000000a1", bucket });
    await expect(readFlows(ctx(s), subject("crypto_mining", { remoteIps: ["1.2.3.4') OR ('1'='1"] }))).rejects.toThrow(/not an IP address/);
  });
});

describe("the same SQL on DuckDB and Athena", () => {
  it("each question's text is sent to Athena unchanged, and both give rows with the same columns and types", async () => {
    const athena = mockClient(AthenaClient);
    try {
      const s = sim();
      seedFlowScenario(s.state, spec("scanning-host"), { flowLogId: "fl-0c0000000000000a1", bucket });
      const c = ctx(s);
      // Download through readFlows' own path, then ask both engines.
      await readFlows(c, subject("port_scan"));
      const db = await DuckDbEngine.open({ workDir: c.workDir, threads: 1 });
      const { readdirSync } = await import("node:fs");
      const files = readdirSync(join(c.workDir, "flows")).filter((f) => f.endsWith(".gz")).map((f) => ({ path: join(c.workDir, "flows", f), fileFormat: "plain-text" as const, logFormat: DEFAULT_FLOW_LOG_FORMAT, accountId: PROD, region: "eu-west-1", dt: `2025/05/30/${/T(\d\d)/.exec(f)![1]}` }));
      await db.registerFlowLogs(files);
      const scope = { networkInterfaceIds: [ENI], ownIps: [IP], start: START, end: START + 3600, dts: ["2025/05/30/10", "2025/05/30/11"] };
      const local = await ask(db, "scan", scope, { remoteIps: [], remotePorts: [] });
      await db.close();
      // Athena's answer is written by hand in Athena's wire shape (not computed by DuckDB).
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q" });
      athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
      const meta = { ColumnInfo: [{ Name: "dstport", Type: "integer" }, { Name: "minute", Type: "bigint" }, { Name: "destinations", Type: "bigint" }, { Name: "flows", Type: "bigint" }, { Name: "syn_only_flows", Type: "bigint" }, { Name: "with_tcp_flags", Type: "bigint" }, { Name: "rejected_flows", Type: "bigint" }] };
      athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: meta.ColumnInfo.map((x) => ({ VarCharValue: x.Name })) }, { Data: ["22", "1748599200", "120", "120", "0", "0", "0"].map((v) => ({ VarCharValue: v })) }] } });
      const remote = await ask(new AthenaEngine({ client: new AthenaClient({ region: "eu-west-1", credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" } }), database: "security", sleep: async () => {} }), "scan", scope, { remoteIps: [], remotePorts: [] });
      expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input.QueryString).toBe(local.main);
      const shape = (rows: Record<string, unknown>[]) => Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, typeof v]));
      expect(shape(remote.questions[0]!.rows)).toEqual(shape(local.questions[0]!.rows));
      expect(Object.keys(remote.figures)).toEqual(Object.keys(local.figures));
      expect(local.figures.maxDestinationsPerMinute).toBe(120);
    } finally {
      athena.restore();
    }
  });
});

it("the generated files are AWS's text format: header line, space-separated, '-' for missing", () => {
  const recs = scenarioRecords(spec("miner", { minutes: 1 }));
  const t = flowLogText(recs.slice(0, 1), DEFAULT_FLOW_LOG_FORMAT);
  expect(t.split("\n")[0]).toBe("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status");
  expect(t.split("\n")[1]).toMatch(/^5 111122223333 eni-0c0000000000000a1 192\.0\.2\.\d+ 10\.0\.1\.10 \d+ 443 6 \d+ \d+ 1748599200 1748599260 ACCEPT OK$/);
  void gunzipSync;
});
