/**
 * The organization trail's files: readTrail with `orgTrail` lists only the partitions of the
 * window, downloads only the files that can hold it, reads them with DuckDB, and states the same
 * findings LookupEvents gives; with `engine: athena` it sends the DDL (partition projection) and
 * the same query text, and reads the result pages. Keys from the bucket are hostile.
 */
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SimAccount, validateEstate } from "../../../src/cloud/sim/index.ts";
import { trailLogFiles, type TrailLogFile } from "../../../src/cloud/sim/trail-files.ts";
import { makeReadTrail, readTrail } from "../../../src/investigate/cloudtrail/index.ts";
import { DEFAULT_FILES_LIMITS, type TrailObjectReader, type TrailSqlEngine } from "../../../src/investigate/cloudtrail/files.ts";
import { searchTrail } from "../../../src/investigate/trail.ts";
import type { TrailLogLocation } from "../../../src/investigate/types.ts";
import { duckdb } from "./duckdb.ts";
import { simCtx } from "./ctx.ts";
import { scanSubject, T, trailEstate, webSubject } from "./scenario.ts";

const ORG = "o-abcdefghij";
const LOG_ACCOUNT = "999988887777";
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
  it("lists only the window's partitions, downloads only the files that can hold it, and states what LookupEvents gives", async () => {
    const objects = await bucket();
    for (const subject of [scanSubject(), webSubject()]) {
      const base = simCtx();
      const { s3, listed, fetched } = fakeS3(objects);
      const ctx = { ...base, port: portWith(base.sim, s3), options: { ...base.options, orgTrail: loc } };
      const read = makeReadTrail({ search: searchTrail, openEngine: () => duckdb(), limits: DEFAULT_FILES_LIMITS });
      const part = await read(ctx, subject);
      expect(part.notSearched).toEqual([]);
      // Two regions, one day (the window ends at 06:00: no next-day folder).
      expect(listed.sort()).toEqual([`ct/AWSLogs/${ORG}/${T.account}/CloudTrail/eu-west-1/2026/12/07/`, `ct/AWSLogs/${ORG}/${T.account}/CloudTrail/us-east-1/2026/12/07/`]);
      expect(fetched.length).toBeGreaterThan(0);
      expect(fetched.length).toBeLessThan(objects.length);
      // No LookupEvents at all.
      expect(base.sim.calls.some((c) => c.method === "lookupEvents")).toBe(false);
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
    const part = await makeReadTrail({ search: searchTrail, openEngine: () => duckdb(), limits: DEFAULT_FILES_LIMITS })(ctx, scanSubject());
    expect(fetched).not.toContain(evil.key);
    expect(part.notSearched.some((n) => n.reason.includes("does not name a file under the work directory"))).toBe(true);
    expect(part.findings.some((f) => f.kind === "trail.instance.launched")).toBe(true);
  });

  it("past the download limits, the rest is not searched, and said", async () => {
    const objects = await bucket();
    const base = simCtx();
    const { s3, fetched } = fakeS3(objects);
    const ctx = { ...base, port: portWith(base.sim, s3), options: { ...base.options, orgTrail: loc } };
    const part = await makeReadTrail({ search: searchTrail, openEngine: () => duckdb(), limits: { ...DEFAULT_FILES_LIMITS, maxFiles: 1 } })(ctx, scanSubject());
    expect(fetched).toHaveLength(1);
    expect(part.notSearched.some((n) => /beyond the download limits/.test(n.what))).toBe(true);
  });

  it("a bucket that cannot be listed is not searched, never 'no events'", async () => {
    const base = simCtx();
    const s3: TrailObjectReader = { listObjects: () => Promise.reject(new Error("Access Denied (s3:ListBucket)")), getObject: () => Promise.reject(new Error("unreachable")) };
    const ctx = { ...base, port: portWith(base.sim, s3), options: { ...base.options, orgTrail: loc } };
    const part = await makeReadTrail({ search: searchTrail, openEngine: () => duckdb(), limits: DEFAULT_FILES_LIMITS })(ctx, scanSubject());
    expect(part.findings).toEqual([]);
    expect(part.notSearched.length).toBe(2);
    expect(part.notSearched.every((n) => n.reason === "Access Denied (s3:ListBucket)")).toBe(true);
  });
});

describe("readTrail through Athena", () => {
  it("sends the DDL with partition projection and the same query text as DuckDB, and reads every result page", async () => {
    const objects = await bucket();
    // Athena answers from the same files (the query run by DuckDB), in pages of 2 rows.
    const sent: string[] = [];
    const local: string[] = [];
    const athena = async (): Promise<TrailSqlEngine> => {
      const db = await duckdb();
      const { s3 } = fakeS3(objects);
      const { mkdtempSync, mkdirSync } = await import("node:fs");
      const { join, dirname } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const dir = mkdtempSync(join(tmpdir(), "trail13-athena-"));
      const paths: string[] = [];
      for (const o of objects) {
        const p = join(dir, o.key);
        mkdirSync(dirname(p), { recursive: true });
        await s3.getObject(LOG_ACCOUNT, loc.bucket, o.key, p);
        paths.push(p);
      }
      const { duckdbTrailViewSql } = await import("../../../src/investigate/cloudtrail/sql.ts");
      for await (const _ of db.query(duckdbTrailViewSql(paths)));
      return {
        kind: "athena",
        async *query(sql: string) {
          sent.push(sql);
          if (sql.startsWith("CREATE EXTERNAL TABLE")) return;
          const rows: Record<string, unknown>[] = [];
          for await (const page of db.query(sql)) rows.push(...page);
          for (let i = 0; i < rows.length; i += 2) yield rows.slice(i, i + 2).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])));
        },
        close: () => db.close(),
      };
    };
    const base = simCtx();
    const { s3, listed } = fakeS3(objects);
    const ctx = { ...base, port: portWith(base.sim, s3), options: { ...base.options, engine: "athena" as const, orgTrail: loc, athena: { accountId: LOG_ACCOUNT, region: "us-east-1", database: "abuse_desk", outputLocation: "s3://athena-results/abuse-desk/" } } };
    const part = await makeReadTrail({ search: searchTrail, openEngine: athena, limits: DEFAULT_FILES_LIMITS })(ctx, scanSubject());
    expect(listed).toEqual([]); // Athena reads the files where they lie
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^CREATE EXTERNAL TABLE IF NOT EXISTS abuse_desk\.cloudtrail_logs/);
    expect(sent[0]).toContain(`'projection.aws_account_id.values' = '${T.account}'`);
    expect(sent[0]).toContain("'projection.aws_region.values' = 'eu-west-1,us-east-1'");
    expect(sent[0]).toContain("'projection.dt.range' = '2026/12/07,NOW'");
    expect(sent[0]).toContain(`LOCATION 's3://org-trail-logs/ct/AWSLogs/${ORG}/'`);
    // The same query text the local engine ran.
    const lb = simCtx();
    const localS3 = fakeS3(objects);
    const recording = async (): Promise<TrailSqlEngine> => {
      const db = await duckdb();
      return { kind: "duckdb", query: (sql: string) => (local.push(sql), db.query(sql)), close: () => db.close() };
    };
    const localPart = await makeReadTrail({ search: searchTrail, openEngine: recording, limits: DEFAULT_FILES_LIMITS })({ ...lb, port: portWith(lb.sim, localS3.s3), options: { ...lb.options, orgTrail: loc } }, scanSubject());
    expect(sent[1]).toBe(local.at(-1));
    // Same answer on both engines.
    expect(strip(part.findings)).toEqual(strip(localPart.findings));
    expect(part.findings.length).toBeGreaterThan(0);
  });

  it("without investigate.athena, Athena is not searched, and said", async () => {
    const base = simCtx();
    const ctx = { ...base, options: { ...base.options, engine: "athena" as const, orgTrail: loc } };
    const part = await makeReadTrail({ search: searchTrail, openEngine: () => Promise.reject(new Error("not opened")), limits: DEFAULT_FILES_LIMITS })(ctx, scanSubject());
    expect(part.notSearched).toEqual([{ what: "the organization trail's files through Athena", reason: "engine athena needs investigate.athena (database, output location)" }]);
  });
});
