/**
 * The trail files' SQL: real DuckDB (extension auto-install and auto-load off) over CloudTrail log
 * files generated from the scenario's events, the same query text as Athena's, the values that
 * reach the SQL checked and quoted, and the Athena DDL's partition projection.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { SimAccount, validateEstate } from "../../../src/cloud/sim/index.ts";
import { trailLogFiles } from "../../../src/cloud/sim/trail-files.ts";
import { analyzeTrail, type FoundEvent } from "../../../src/investigate/cloudtrail/analyze.ts";
import { eventOfRow, partitionPrefixes, readRows } from "../../../src/investigate/cloudtrail/files.ts";
import { deliveryTimeOf, fileMayHoldWindow, trailQuerySql, UnsafeSqlValue, type TrailSqlQuery } from "../../../src/investigate/cloudtrail/sql.ts";
import { TRAIL_DUCKDB } from "../../../src/investigate/cloudtrail/engine.ts";
import { DuckDbEngine, type TrailLogFile as LocalFile } from "../../../src/investigate/sql/duckdb.ts";
import { scanSubject, T, trailEstate, webSubject } from "./scenario.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function scenarioEvents(region: string): Promise<FoundEvent[]> {
  const sim = new SimAccount(validateEstate(trailEstate(), "trail"));
  return (await sim.lookupEvents({ accountId: T.account, region }, { start: "2026-09-10T00:00:00Z", end: T.now })).map((e) => ({ ...e, accountId: T.account }));
}

/** Writes the scenario's trail files under a fresh directory, as they sit in the bucket. */
async function writeFiles(layout: { prefix?: string; organizationId?: string } = {}): Promise<LocalFile[]> {
  const dir = mkdtempSync(join(tmpdir(), "trail13-"));
  dirs.push(dir);
  const out: LocalFile[] = [];
  for (const region of ["eu-west-1", "us-east-1"])
    for (const f of trailLogFiles(await scenarioEvents(region), T.account, region, layout)) {
      const file = join(dir, f.key);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, f.body);
      out.push({ path: file, accountId: T.account, region, dt: /\/(\d{4}\/\d{2}\/\d{2})\//.exec(f.key)![1]! });
    }
  return out;
}

/** DuckDB (src/investigate/sql) with the view over these files. */
async function duckdb(files: LocalFile[]): Promise<DuckDbEngine> {
  const dir = mkdtempSync(join(tmpdir(), "trail13-db-"));
  dirs.push(dir);
  const db = await DuckDbEngine.open({ workDir: dir, ...TRAIL_DUCKDB });
  await db.registerCloudTrail(files);
  return db;
}

const base: TrailSqlQuery = { accounts: [T.account], regions: ["eu-west-1", "us-east-1"], start: T.window.start, end: T.window.end, resourceIds: [], accessKeyIds: [], userNames: [], sessionNames: [] };

describe("trail log files (sim)", () => {
  it("are CloudTrail's gzip JSON under AWSLogs/[o-id/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/, deterministic", async () => {
    const events = await scenarioEvents("us-east-1");
    const a = trailLogFiles(events, T.account, "us-east-1", { organizationId: "o-abcdefghij" });
    const b = trailLogFiles(events, T.account, "us-east-1", { organizationId: "o-abcdefghij" });
    expect(a.map((f) => f.key)).toEqual(b.map((f) => f.key));
    expect(a.map((f) => f.body.equals(b.find((x) => x.key === f.key)!.body))).toEqual(a.map(() => true));
    for (const f of a) expect(f.key).toMatch(/^AWSLogs\/o-abcdefghij\/111122223333\/CloudTrail\/us-east-1\/\d{4}\/\d{2}\/\d{2}\/111122223333_CloudTrail_us-east-1_\d{8}T\d{4}Z_[0-9a-f]{16}\.json\.gz$/);
    const records = a.flatMap((f) => (JSON.parse(gunzipSync(f.body).toString("utf8")) as { Records: { eventID: string; eventTime: string }[] }).Records);
    expect(records.map((r) => r.eventID).sort()).toEqual(events.map((e) => e.eventId).sort());
    // Delivered after the events it holds, in the folder of its delivery day.
    for (const f of a) {
      const t = deliveryTimeOf(f.key)!;
      for (const r of (JSON.parse(gunzipSync(f.body).toString("utf8")) as { Records: { eventTime: string }[] }).Records) expect(Date.parse(r.eventTime)).toBeLessThan(t);
      expect(f.key).toContain(`/${new Date(t).toISOString().slice(0, 10).replace(/-/g, "/")}/`);
    }
  });
});

describe("the trail query on DuckDB", () => {
  it("finds, from the files, the same findings LookupEvents' events give", async () => {
    const files = await writeFiles({ organizationId: "o-abcdefghij" });
    const db = await duckdb(files);
    try {
      for (const subject of [scanSubject(), webSubject()]) {
        const q = { ...base, resourceIds: subject.resources.map((r) => r.id), accessKeyIds: subject.principals.map((p) => p.id), sessionNames: subject.resources.map((r) => r.id) };
        const sql = trailQuerySql(q);
        const { events } = await readRows(db, sql, 10_000);
        const instances = subject.caseId === "case-web" ? [{ instanceId: T.web, ownAddresses: [T.webIp, T.webPrivate], natAddresses: [T.natIp], roleName: T.role }] : [];
        const fromFiles = analyzeTrail({ subject, events, instances, foundBy: new Map(), evidence: "e" });
        const lookup = [...(await scenarioEvents("eu-west-1")), ...(await scenarioEvents("us-east-1"))].filter((e) => e.eventTime >= T.window.start && e.eventTime <= T.window.end);
        const fromLookup = analyzeTrail({ subject, events: lookup, instances, foundBy: new Map(), evidence: "e" });
        const strip = (fs: typeof fromFiles) => fs.map((f) => ({ kind: f.kind, subject: f.subject, severity: f.severity, summary: f.summary, at: f.at, figures: f.figures, events: f.sources.map((s) => s.query?.split(" ")[1]) }));
        expect(strip(fromFiles)).toEqual(strip(fromLookup));
        expect(fromFiles.length).toBeGreaterThan(0);
      }
    } finally {
      await db.close();
    }
  });

  it("reads only the partitions and window asked: another region, day or account gives nothing", async () => {
    const files = await writeFiles();
    const db = await duckdb(files);
    try {
      const count = async (q: TrailSqlQuery) => (await readRows(db, trailQuerySql(q), 1000)).events.length;
      expect(await count({ ...base, accessKeyIds: [T.leakedKey] })).toBe(5);
      expect(await count({ ...base, regions: ["eu-west-1"], accessKeyIds: [T.leakedKey] })).toBe(3);
      expect(await count({ ...base, accounts: ["999999999999"], accessKeyIds: [T.leakedKey] })).toBe(0);
      // The day before: the older CreateUser only.
      expect(await count({ ...base, start: "2026-12-06T00:00:00Z", end: "2026-12-06T23:59:59Z", accessKeyIds: [T.leakedKey] })).toBe(1);
      expect(await count({ ...base, sessionNames: [T.web] })).toBe(5);
      expect(await count({ ...base, userNames: ["alice"] })).toBe(2);
      expect(await count({ ...base, resourceIds: [T.openedGroup] })).toBe(1);
      // A LIKE wildcard in a value matches itself only.
      expect(await count({ ...base, userNames: ["ali_e"] })).toBe(0);
    } finally {
      await db.close();
    }
  });

  it("a row becomes the event LookupEvents gives (identity, addresses, request)", async () => {
    const files = await writeFiles();
    const db = await duckdb(files);
    try {
      const { events } = await readRows(db, trailQuerySql({ ...base, resourceIds: [T.openedGroup] }), 10);
      const lookup = (await scenarioEvents("eu-west-1")).find((e) => e.eventName === "AuthorizeSecurityGroupIngress")!;
      const e = events[0]!;
      expect({ id: e.eventId, name: e.eventName, t: e.eventTime, ip: e.sourceIpAddress, key: e.accessKeyId, user: e.username, acct: e.accountId, region: e.awsRegion }).toEqual({
        id: lookup.eventId,
        name: lookup.eventName,
        t: lookup.eventTime,
        ip: lookup.sourceIpAddress,
        key: lookup.accessKeyId,
        user: lookup.username,
        acct: T.account,
        region: "eu-west-1",
      });
      expect(e.detail.requestParameters).toEqual(lookup.detail.requestParameters);
      expect((e.detail.userIdentity as { arn: string }).arn).toBe((lookup.detail.userIdentity as { arn: string }).arn);
    } finally {
      await db.close();
    }
  });
});

describe("the trail query text", () => {
  it("refuses values that do not have their AWS shape, so nothing from a notice is spliced into SQL", () => {
    for (const [k, v] of [
      ["resourceIds", "i-0abc' OR 1=1 --"],
      ["accessKeyIds", "AKIA'); DROP TABLE x; --"],
      ["userNames", "a' OR 'a'='a"],
      ["sessionNames", "x%' OR '1"],
      ["accounts", "1111'"],
      ["regions", "eu-west-1'"],
    ] as const) {
      expect(() => trailQuerySql({ ...base, userNames: ["alice"], [k]: [v] })).toThrow(UnsafeSqlValue);
    }
    expect(() => trailQuerySql({ ...base, start: "2026-12-07T02:00:00Z' --", userNames: ["alice"] })).toThrow(UnsafeSqlValue);
    expect(() => trailQuerySql(base)).toThrow(/at least one resource or principal/);
  });

  it("names the partitions of the window and the delivery slack after it", () => {
    const sql = trailQuerySql({ ...base, end: "2026-12-07T23:30:00Z", accessKeyIds: [T.leakedKey] });
    expect(sql).toContain("dt IN ('2026/12/07', '2026/12/08')");
    expect(sql).toContain("eventtime >= '2026-12-07T02:00:00Z' AND eventtime <= '2026-12-07T23:30:00Z'");
    expect(sql).toContain(`useridentity.accesskeyid IN ('${T.leakedKey}')`);
    expect(trailQuerySql({ ...base, userNames: ["a_b"] })).toContain("useridentity.username IN ('a_b')");
    expect(trailQuerySql({ ...base, sessionNames: ["i-00000000000000eb1"] })).toContain("useridentity.principalid LIKE '%:i-00000000000000eb1' ESCAPE '\\'");
  });

  it("lists only the partitions needed and keeps only the files whose delivery can hold the window", () => {
    const parts = partitionPrefixes({ accountId: "999988887777", region: "us-east-1", bucket: "org-trail", prefix: "ct", organizationId: "o-abcdefghij" }, { accounts: [T.account], regions: ["eu-west-1"] }, "2026-12-06T23:00:00Z", "2026-12-07T01:00:00Z");
    expect(parts.map((p) => p.prefix)).toEqual(["ct/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2026/12/06/", "ct/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2026/12/07/"]);
    const key = (hhmm: string) => `AWSLogs/${T.account}/CloudTrail/eu-west-1/2026/12/07/${T.account}_CloudTrail_eu-west-1_20261207T${hhmm}Z_abcdef0123456789.json.gz`;
    expect(fileMayHoldWindow(key("0155"), "2026-12-07T02:00:00Z", "2026-12-07T03:00:00Z")).toBe(false);
    expect(fileMayHoldWindow(key("0205"), "2026-12-07T02:00:00Z", "2026-12-07T03:00:00Z")).toBe(true);
    expect(fileMayHoldWindow(key("0355"), "2026-12-07T02:00:00Z", "2026-12-07T03:00:00Z")).toBe(true);
    expect(fileMayHoldWindow(key("0405"), "2026-12-07T02:00:00Z", "2026-12-07T03:00:00Z")).toBe(false);
    expect(eventOfRow({ eventid: "x", aws_account_id: T.account, identity_type: "AssumedRole", identity_principalid: "AROAX:i-1" }).username).toBe("i-1");
  });

});
