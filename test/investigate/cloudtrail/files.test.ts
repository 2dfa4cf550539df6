/**
 * The organization trail's files: readTrail with `orgTrail` lists only the partitions of the
 * window, downloads only the files that can hold it, reads them with DuckDB, and states the same
 * findings LookupEvents gives; with `engine: athena` it sends the DDL (partition projection) and
 * the same query text, and reads the result pages. Keys from the bucket are hostile.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, AthenaClient } from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import { SimAccount, validateEstate } from "../../../src/cloud/sim/index.ts";
import { putTrailFiles, trailLogFiles, type TrailLogFile } from "../../../src/cloud/sim/trail-files.ts";
import { makeReadTrail, readTrail, type TrailReaderDeps } from "../../../src/investigate/cloudtrail/index.ts";
import { TRAIL_DUCKDB } from "../../../src/investigate/cloudtrail/engine.ts";
import { DEFAULT_FILES_LIMITS, type TrailObjectReader } from "../../../src/investigate/cloudtrail/files.ts";
import { AthenaEngine } from "../../../src/investigate/sql/athena.ts";
import { DuckDbEngine } from "../../../src/investigate/sql/duckdb.ts";
import { searchTrail } from "../../../src/investigate/trail.ts";
import type { InvestigateContext, TrailLogLocation } from "../../../src/investigate/types.ts";
import { simCtx } from "./ctx.ts";
import { scanSubject, T, trailEstate, webSubject } from "./scenario.ts";

const ORG = "o-abcdefghij";
const LOG_ACCOUNT = T.logAccount;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// The reader's own DuckDB settings.
const openDuckDb = (ctx: InvestigateContext) => DuckDbEngine.open({ workDir: ctx.workDir, ...TRAIL_DUCKDB });
const deps = (over: Partial<TrailReaderDeps> = {}): TrailReaderDeps => ({ search: searchTrail, openDuckDb, openAthena: () => Promise.reject(new Error("Athena is not opened in this test")), limits: DEFAULT_FILES_LIMITS, ...over });
const loc: TrailLogLocation = { accountId: LOG_ACCOUNT, region: "us-east-1", bucket: "org-trail-logs", prefix: "ct", organizationId: ORG };

async function bucket(): Promise<TrailLogFile[]> {
  const sim = new SimAccount(validateEstate(trailEstate(), "trail"));
  const files: TrailLogFile[] = [];
  for (const region of ["eu-west-1", "us-east-1"]) {
    const events = await sim.lookupEvents({ accountId: T.account, region }, { start: "2026-09-10T00:00:00Z", end: T.now });
    files.push(...trailLogFiles(events, T.account, region, { prefix: "ct", organizationId: ORG }));
  }
  return files;
}

/** An S3 of these objects, recording what was listed and fetched. */
function fakeS3(objects: { key: string; body: Buffer }[]) {
  const listed: string[] = [];
  const fetched: string[] = [];
  const s3: TrailObjectReader = {
    listObjects(accountId, b, prefix) {
      expect([accountId, b]).toEqual([LOG_ACCOUNT, loc.bucket]);
      listed.push(prefix);
      return Promise.resolve({ objects: objects.filter((o) => o.key.startsWith(prefix)).map((o) => ({ key: o.key, size: o.body.length })), truncated: false });
    },
    getObject(_a, _b, key, toFile) {
      fetched.push(key);
      const o = objects.find((x) => x.key === key)!;
      writeFileSync(toFile, o.body, { flag: "wx", mode: 0o600 });
      return Promise.resolve({ bytes: o.body.length });
    },
  };
  return { s3, listed, fetched };
}

function portWith(sim: SimAccount, s3: TrailObjectReader) {
  return Object.assign(Object.create(sim) as SimAccount, s3);
}

const strip = (fs: { kind: string; subject: string; severity: string; summary: string; figures?: unknown; sources: { query?: string }[] }[]) =>
  fs.map((f) => ({ kind: f.kind, subject: f.subject, severity: f.severity, summary: f.summary, figures: f.figures, events: f.sources.map((s) => s.query?.split(" ")[1]) }));

describe("readTrail over the organization trail's files (DuckDB)", () => {
  it("lists only the window's partitions in the sim's bucket, downloads only the files that can hold it, and states what LookupEvents gives", async () => {
    for (const subject of [scanSubject(), webSubject()]) {
      const ctx = simCtx({ options: { orgTrail: loc } });
      const written = putTrailFiles(ctx.sim.api.state, { accountId: LOG_ACCOUNT, bucket: loc.bucket, prefix: "ct", organizationId: ORG });
      const part = await makeReadTrail(deps())(ctx, subject);
      // Only the window is read from the files: the scanner's key pair creation and the web server's launch, before it, are said.
      expect(part.notSearched.map((n) => n.what)).toEqual(subject.caseId === "case-scan" ? ["the creation of key pair x (of i-0000000000005ca11) (2026-11-07T02:00Z, before the window) in the organization trail's files"] : ["the launch of i-00000000000000eb1 (2026-05-31T23:00Z, before the window) in the organization trail's files"]);
      const listed = ctx.sim.calls.filter((c) => c.method === "listObjects").map((c) => String(c.args[1])).sort();
      const fetched = ctx.sim.calls.filter((c) => c.method === "getObject").map((c) => String(c.args[1]));
      // Two regions, one day (the window ends at 06:00: no next-day folder).
      expect(listed).toEqual([`ct/AWSLogs/${ORG}/${T.account}/CloudTrail/eu-west-1/2026/12/07/`, `ct/AWSLogs/${ORG}/${T.account}/CloudTrail/us-east-1/2026/12/07/`]);
      expect(fetched.length).toBeGreaterThan(0);
      expect(fetched.length).toBeLessThan(written);
      for (const k of fetched) expect(k).toMatch(/_20261207T0[2-6]\d\dZ_/);
      // No LookupEvents at all.
      expect(ctx.sim.calls.some((c) => c.method === "lookupEvents")).toBe(false);
      const lookup = await readTrail(simCtx(), subject);
      expect(strip(part.findings)).toEqual(strip(lookup.findings));
      const extract = JSON.parse(String(part.artifacts[0]!.content)) as { source: string; queries: string[] };
      expect(extract.source).toBe("trail files (duckdb)");
      expect(extract.queries.at(-1)).toMatch(/^SELECT eventid/);
    }
  });

  it("a key that would leave the work directory is refused and said; the rest is read", async () => {
    const objects = await bucket();
    const evil = { key: `ct/AWSLogs/${ORG}/${T.account}/CloudTrail/eu-west-1/2026/12/07/../../../../../../../../../../../../escape_CloudTrail_eu-west-1_20261207T0310Z_abcdef0123456789.json.gz`, body: objects[0]!.body };
    const base = simCtx();
    const { s3, fetched } = fakeS3([...objects, evil]);
    const ctx = { ...base, port: portWith(base.sim, s3), options: { ...base.options, orgTrail: loc } };
    const part = await makeReadTrail(deps())(ctx, scanSubject());
    expect(fetched).not.toContain(evil.key);
    expect(part.notSearched.some((n) => n.reason.includes("does not name a file under the work directory"))).toBe(true);
    expect(part.findings.some((f) => f.kind === "trail.instance.launched")).toBe(true);
  });

  it("past the download limits, the rest is not searched, and said", async () => {
    const objects = await bucket();
    const base = simCtx();
    const { s3, fetched } = fakeS3(objects);
    const ctx = { ...base, port: portWith(base.sim, s3), options: { ...base.options, orgTrail: loc } };
    const part = await makeReadTrail(deps({ limits: { ...DEFAULT_FILES_LIMITS, maxFiles: 1 } }))(ctx, scanSubject());
    expect(fetched).toHaveLength(1);
    expect(part.notSearched.some((n) => /beyond the download limits/.test(n.what))).toBe(true);
  });

  it("a principal from the notice that is not an AWS name is left out of the SQL and said; the rest is searched", async () => {
    const ctx = simCtx({ options: { orgTrail: loc } });
    putTrailFiles(ctx.sim.api.state, { accountId: LOG_ACCOUNT, bucket: loc.bucket, prefix: "ct", organizationId: ORG });
    const ran: string[] = [];
    const recording = async (c: InvestigateContext) => {
      const e = await openDuckDb(c);
      const q = e.query.bind(e);
      e.query = (sql: string) => (ran.push(sql), q(sql));
      return e;
    };
    const subject = { ...scanSubject(), principals: [...scanSubject().principals, { accountId: T.account, kind: "user" as const, id: "x' OR '1'='1" }] };
    const part = await makeReadTrail(deps({ openDuckDb: recording }))(ctx, subject);
    const ns = part.notSearched.filter((n) => !n.what.includes("before the window"));
    expect(ns).toHaveLength(1);
    expect(ns[0]!.what).toContain("user name");
    expect(ran.join("\n")).not.toContain("OR '1'='1");
    expect(part.findings.some((f) => f.kind === "trail.instance.launched" && f.subject === T.scanner)).toBe(true);
  });

  it("a bucket that cannot be listed is not searched, never 'no events'", async () => {
    const base = simCtx();
    const s3: TrailObjectReader = { listObjects: () => Promise.reject(new Error("Access Denied (s3:ListBucket)")), getObject: () => Promise.reject(new Error("unreachable")) };
    const ctx = { ...base, port: portWith(base.sim, s3), options: { ...base.options, orgTrail: loc } };
    const part = await makeReadTrail(deps())(ctx, scanSubject());
    expect(part.findings).toEqual([]);
    const ns = part.notSearched.filter((n) => !n.what.includes("before the window"));
    expect(ns.length).toBe(2);
    expect(ns.every((n) => n.reason === "Access Denied (s3:ListBucket)")).toBe(true);
  });
});

describe("readTrail through Athena", () => {
  it("sends the DDL with partition projection and the same query text as DuckDB (StartQueryExecution), and reads every result page", async () => {
    const objects = await bucket();
    // Athena answers from the same files: the query run by DuckDB, returned as Athena pages of 2 rows (a header row first).
    const dir = mkdtempSync(join(tmpdir(), "trail13-athena-"));
    dirs.push(dir);
    const files = objects.map((o) => {
      const path = join(dir, o.key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, o.body);
      const m = /CloudTrail\/([a-z0-9-]+)\/(\d{4}\/\d{2}\/\d{2})\//.exec(o.key)!;
      return { path, accountId: T.account, region: m[1]!, dt: m[2]! };
    });
    const db = await DuckDbEngine.open({ workDir: dir, ...TRAIL_DUCKDB });
    await db.registerCloudTrail(files);
    const athena = mockClient(AthenaClient);
    const results = new Map<string, Record<string, unknown>[]>();
    let n = 0;
    athena.on(StartQueryExecutionCommand).callsFake(async (input: { QueryString: string }) => {
      const id = `q${++n}`;
      const rows: Record<string, unknown>[] = [];
      if (input.QueryString.startsWith("SELECT")) for await (const page of db.query(input.QueryString)) rows.push(...page);
      results.set(id, rows);
      return { QueryExecutionId: id };
    });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
    athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string; NextToken?: string }) => {
      const rows = results.get(input.QueryExecutionId)!;
      const cols = rows.length > 0 ? Object.keys(rows[0]!) : [];
      const at = input.NextToken ? Number(input.NextToken) : 0;
      const cell = (v: unknown) => (v === null || v === undefined ? {} : { VarCharValue: String(v) });
      const page = rows.slice(at, at + 2).map((r) => ({ Data: cols.map((c) => cell(r[c])) }));
      return {
        ResultSet: { ResultSetMetadata: { ColumnInfo: cols.map((c) => ({ Name: c, Type: "varchar" })) }, Rows: at === 0 ? [{ Data: cols.map((c) => ({ VarCharValue: c })) }, ...page] : page },
        ...(at + 2 < rows.length ? { NextToken: String(at + 2) } : {}),
      };
    });
    try {
      const athenaOptions = { accountId: LOG_ACCOUNT, region: "us-east-1", database: "abuse_desk", workgroup: "investigations", outputLocation: "s3://athena-results/abuse-desk/" };
      const ctx = simCtx({ options: { engine: "athena", orgTrail: loc, athena: athenaOptions } });
      const openAthena = () => Promise.resolve(new AthenaEngine({ client: new AthenaClient({ region: "us-east-1" }), database: "abuse_desk", workgroup: "investigations", outputLocation: athenaOptions.outputLocation, sleep: () => Promise.resolve() }));
      const part = await makeReadTrail(deps({ openAthena }))(ctx, scanSubject());
      expect(part.notSearched.filter((n) => !n.what.includes("before the window"))).toEqual([]);
      // Athena reads the files where they lie: nothing listed or downloaded.
      expect(ctx.sim.calls.some((c) => c.method === "listObjects" || c.method === "getObject")).toBe(false);
      const sent = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
      expect(sent).toHaveLength(2);
      expect(sent.every((i) => i.QueryExecutionContext?.Database === "abuse_desk" && i.WorkGroup === "investigations" && i.ResultConfiguration?.OutputLocation === "s3://athena-results/abuse-desk/")).toBe(true);
      const ddl = sent[0]!.QueryString!;
      expect(ddl).toMatch(/^CREATE EXTERNAL TABLE IF NOT EXISTS `cloudtrail_logs`/);
      expect(ddl).toContain(`'projection.aws_account_id.values'='${T.account}'`);
      expect(ddl).toContain("'projection.aws_region.values'='eu-west-1,us-east-1'");
      expect(ddl).toContain("'projection.dt.range'='2026/12/07,NOW'");
      expect(ddl).toContain(`LOCATION 's3://org-trail-logs/ct/AWSLogs/${ORG}/'`);
      // Every result page was read.
      expect(athena.commandCalls(GetQueryResultsCommand).length).toBeGreaterThan(2);
      // The same query text the local engine runs, and the same answer.
      const local = simCtx({ options: { orgTrail: loc } });
      putTrailFiles(local.sim.api.state, { accountId: LOG_ACCOUNT, bucket: loc.bucket, prefix: "ct", organizationId: ORG });
      const ran: string[] = [];
      const recording = async (c: InvestigateContext) => {
        const e = await openDuckDb(c);
        const q = e.query.bind(e);
        e.query = (sql: string) => (ran.push(sql), q(sql));
        return e;
      };
      const localPart = await makeReadTrail(deps({ openDuckDb: recording }))(local, scanSubject());
      expect(sent[1]!.QueryString).toBe(ran.at(-1));
      expect(strip(part.findings)).toEqual(strip(localPart.findings));
      expect(part.findings.length).toBeGreaterThan(0);
    } finally {
      athena.restore();
      await db.close();
    }
  });

  it("without investigate.athena, Athena is not searched, and said", async () => {
    const ctx = simCtx({ options: { engine: "athena", orgTrail: loc } });
    const part = await makeReadTrail(deps())(ctx, scanSubject());
    expect(part.notSearched.filter((n) => !n.what.includes("before the window"))).toEqual([{ what: "the organization trail's files through Athena", reason: "engine athena needs investigate.athena (database, output location)" }]);
  });

  it("a failed Athena query is not searched, with Athena's reason", async () => {
    const athena = mockClient(AthenaClient);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q1" });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "FAILED", StateChangeReason: "Insufficient permissions to execute the query" } } });
    try {
      const ctx = simCtx({ options: { engine: "athena", orgTrail: loc, athena: { accountId: LOG_ACCOUNT, region: "us-east-1", database: "abuse_desk", outputLocation: "s3://r/" } } });
      const part = await makeReadTrail(deps({ openAthena: () => Promise.resolve(new AthenaEngine({ client: new AthenaClient({ region: "us-east-1" }), database: "abuse_desk", sleep: () => Promise.resolve() })) }))(ctx, scanSubject());
      expect(part.findings).toEqual([]);
      const ns = part.notSearched.filter((n) => !n.what.includes("before the window"));
      expect(ns).toHaveLength(1);
      expect(ns[0]!.reason).toContain("Insufficient permissions to execute the query");
    } finally {
      athena.restore();
    }
  });
});
