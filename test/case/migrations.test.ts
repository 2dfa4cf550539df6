/**
 * Migrations, forward only, on both dialects: from an empty database, and from every earlier
 * version with data in it (the loop walks `migrationNames()`, so a new migration adds its cases).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql, type Kysely } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { connect, migrate, type Connection, type OpenOptions } from "../../src/case/db/connect.ts";
import { canonicalJson, chainEntry, GENESIS } from "../../src/case/audit.ts";
import { AUDIT_BASELINE, migrationNames } from "../../src/case/db/migrations.ts";
import { sha256Hex } from "../../src/case/rules.ts";
import { makeNotice, makeVerdict, raw } from "./fixtures.ts";
import { freshSchema } from "./pg.ts";

const OLD_MID = "old-notice@aws.example";
const OLD_NOTICE = makeNotice({ messageId: `<${OLD_MID}>`, caseNumber: "31415926535", instanceIds: ["i-0old"], publicIps: [], receivedAt: "2026-03-01T10:00:00.000Z" });
const OLD_RAW = Buffer.from("Message-ID: <old-notice@aws.example>\n\nthe old notice\n");

/* eslint-disable @typescript-eslint/no-explicit-any -- seeds write the schema as it was at their version */
/** Data as a user of each version would have it, written with that version's tables. */
const seeds: Record<string, (db: Kysely<any>) => Promise<void>> = {
  "0001-cases-notices-journal": async (db) => {
    const t = "2026-03-01T10:00:00.000Z";
    await db
      .insertInto("cases")
      .values({
        id: "AD-2026-0001",
        status: "contained",
        is_open: 1,
        status_before_close: null,
        severity: "medium",
        severity_source: "derived",
        activity_type: "port_scan",
        aws_case_number: "31415926535",
        account_id: "111122223333",
        account_ids: '["111122223333"]',
        resources: '["i-0old"]',
        regions: '["us-east-1"]',
        verdict: "authentic",
        subject: "old case",
        assignee: "alice",
        deadline_at: "2026-03-02T10:00:00.000Z",
        deadline_basis: "default",
        deadline_text: null,
        needs_linking: 0,
        notice_count: 1,
        received_at: t,
        last_notice_at: t,
        created_at: t,
        updated_at: t,
        closed_at: null,
        resolution: null,
      })
      .execute();
    await db.insertInto("case_counters").values({ year: 2026, last: 1 }).execute();
    await db.insertInto("case_refs").values({ case_id: "AD-2026-0001", kind: "aws-case", value: "31415926535" }).execute();
    // Its notice, deduplicated by Message-ID alone as every version before 0006 did.
    await db
      .insertInto("notices")
      .values({
        case_id: "AD-2026-0001",
        dedupe_key: `mid:${OLD_MID}`,
        message_id: OLD_MID,
        raw_sha256: sha256Hex(OLD_RAW),
        kind: "initial_report",
        activity_type: "port_scan",
        case_number: "31415926535",
        subject: "old case",
        received_at: t,
        stored_at: t,
        verdict: "authentic",
        joined_by: "new",
        notice_json: JSON.stringify(OLD_NOTICE),
        verdict_json: JSON.stringify(makeVerdict("authentic")),
      })
      .execute();
    await db
      .insertInto("timeline")
      .values({ case_id: "AD-2026-0001", at: t, actor: "intake", type: "notice-received", summary: "old notice", data: "{}" })
      .execute();
    await db
      .insertInto("plans")
      .values({ id: "plan-old", case_id: "AD-2026-0001", created_at: t, saved_at: t, playbook: "compromised-host", plan_json: '{"id":"plan-old","steps":[]}' })
      .execute();
    await db.insertInto("journal").values({ plan_id: "plan-old", step_id: null, phase: "started", at: t, actor: "executor", before_json: '{"x":1}', after_json: null, error: null, detail_json: null }).execute();
  },
  // A version with the audit log: a note written the way the store wrote it then, timeline row
  // and audit entry together (a later migration must continue this chain, not start another).
  "0002-audit-log": async (db) => {
    const t = "2026-03-01T11:00:00.000Z";
    const data = { text: "checked the old case" };
    const row = await db.insertInto("timeline").values({ case_id: "AD-2026-0001", at: t, actor: "alice", type: "note", summary: data.text, data: JSON.stringify(data) }).returning("id").executeTakeFirstOrThrow();
    const e = chainEntry(GENESIS, { seq: 1, at: t, actor: "alice", action: "timeline.note", caseId: "AD-2026-0001", data: { eventId: Number(row.id), summary: data.text, data } });
    await db.insertInto("audit_log").values({ seq: 1, at: e.at, actor: e.actor, action: e.action, case_id: e.caseId, data: canonicalJson(e.data), prev_hash: e.prevHash, hash: e.hash }).execute();
  },
  // A lock its holder never released (it was killed on another machine, long ago).
  "0005-plan-locks": async (db) => {
    const t = "2026-03-01T12:30:00.000Z";
    await db
      .insertInto("plan_locks")
      .values({ plan_id: "plan-old", token: "t-old", operation: "apply", holder: "bob@gone pid 7", actor: "bob", host: "gone", pid: 7, instance: null, lease_ms: 120000, acquired_at: t, heartbeat_at: t })
      .execute();
  },
};

interface Target {
  options(): Promise<OpenOptions>;
}

function suite(name: string, target: Target) {
  describe(`migrations on ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c();
    });

    async function fresh(): Promise<OpenOptions> {
      return target.options();
    }

    async function executed(conn: Connection): Promise<string[]> {
      const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(conn.db);
      return rows.rows.map((r) => r.name);
    }

    it("builds the latest schema from an empty database", async () => {
      const opts = await fresh();
      const store = await openStore(opts);
      cleanups.push(() => store.destroy());
      const conn = await connect({ ...opts, migrate: false });
      cleanups.push(() => conn.db.destroy());
      expect(await executed(conn)).toEqual(migrationNames());
      const r = await store.intake({ notice: makeNotice(), verdict: makeVerdict(), raw: Buffer.from("x") });
      expect(r.case.id).toMatch(/^AD-\d{4}-0001$/);
      expect((await store.auditVerify()).intact).toBe(true);
      expect((await store.auditEntries())[0]).toMatchObject({ seq: 1, action: AUDIT_BASELINE, data: { timeline: 0, journal: 0 } });
      // Opening again is a no-op.
      const again = await openStore(opts);
      await again.destroy();
      expect(await executed(conn)).toEqual(migrationNames());
    });

    const names = migrationNames();
    for (const [i, version] of names.slice(0, -1).entries()) {
      it(`upgrades a database at ${version} (with data) to the latest`, async () => {
        const opts = await fresh();
        const conn = await connect({ ...opts, migrate: false });
        cleanups.push(() => conn.db.destroy());
        // The database lived through every version up to this one, gathering each one's data as
        // it went (a migration such as the audit baseline looks at what is already there).
        for (const v of names.slice(0, i + 1)) {
          await migrate(conn, (m) => m.migrateTo(v));
          await seeds[v]?.(conn.db);
        }
        expect(await executed(conn)).toEqual(names.slice(0, i + 1));

        const store = await openStore(opts);
        cleanups.push(() => store.destroy());
        expect(await executed(conn)).toEqual(names);
        const old = await store.requireCase("AD-2026-0001");
        expect(old).toMatchObject({ status: "contained", assignee: "alice", awsCaseNumber: "31415926535", accountIds: ["111122223333"] });
        expect(await store.entries("plan-old")).toMatchObject([{ planId: "plan-old", phase: "started", before: { x: 1 } }]);
        // The old case keeps working: a follow-up joins it, the counter continues, the chain starts.
        const n = makeNotice({ kind: "follow_up", caseNumber: "31415926535-2" });
        const joined = await store.intake({ notice: n, verdict: makeVerdict(), raw: raw(n), now: new Date("2026-03-01T12:00:00Z") });
        expect(joined).toMatchObject({ joinedBy: "case-number", case: { id: "AD-2026-0001", noticeCount: 2 } });
        const other = await store.intake({ notice: makeNotice({ instanceIds: ["i-0new"], publicIps: [] }), verdict: makeVerdict(), raw: Buffer.from("y"), now: new Date("2026-03-01T12:00:00Z") });
        expect(other.case.id).toBe("AD-2026-0002");
        expect((await store.timeline("AD-2026-0001")).map((e) => e.summary)[0]).toBe("old notice");
        expect((await store.auditVerify()).intact).toBe(true);
        // The seeded rows were written without the store (so without audit entries): they are
        // counted as older than the audit log, not flagged; everything since is vouched for.
        const deep = await store.auditVerify({ deep: true });
        expect(deep).toMatchObject({ intact: true, records: { unaudited: 2 } });
        // The log says where it begins: the baseline covers the rows older than it, after any
        // entries the database already had.
        const baseline = (await store.auditEntries()).find((e) => e.action === AUDIT_BASELINE)!;
        const hadLog = names.indexOf("0002-audit-log") <= i;
        expect(baseline).toMatchObject({ seq: hadLog ? 2 : 1, data: { timeline: hadLog ? 2 : 1, journal: 1 } });
        // The chain is keyed from the upgrade on: the entries before it are legacy (plain SHA-256),
        // sealed by the keyed marker, and the verdicts of the notices and cases there were then
        // are vouched for from the upgrade on (three notices and two cases by now).
        expect(deep.keyed).toEqual({ from: baseline.seq + 1, legacy: baseline.seq });
        expect(deep.records!.verdicts).toBe(5);
        // The old notice's dedupe key now has its hash: the same bytes are the same notice, and a
        // forgery carrying its Message-ID is a notice of its own that changes nothing.
        expect(await store.intake({ notice: OLD_NOTICE, verdict: makeVerdict(), raw: OLD_RAW })).toMatchObject({ duplicate: true, case: { id: "AD-2026-0001" } });
        const forged = await store.intake({ notice: { ...OLD_NOTICE, instanceIds: ["i-0forged"] }, verdict: makeVerdict("suspicious"), raw: Buffer.concat([OLD_RAW, Buffer.from("x")]) });
        expect(forged).toMatchObject({ duplicate: false, joinedBy: "kept-apart" });
        expect((await store.requireCase("AD-2026-0001")).resources).not.toContain("i-0forged");
        // Applying an old plan takes its lock like a new one (a lock an earlier version left is taken over).
        const lock = await store.acquirePlanLock("plan-old", { operation: "apply", actor: "alice" });
        expect(lock).toMatchObject({ planId: "plan-old", operation: "apply", actor: "alice" });
        await store.releasePlanLock(lock);
        expect(await store.planLock("plan-old")).toBeNull();
      });
    }

    it("refuses a database written by a newer version, and names the problem", async () => {
      const opts = await fresh();
      const store = await openStore(opts);
      cleanups.push(() => store.destroy());
      const conn = await connect({ ...opts, migrate: false });
      cleanups.push(() => conn.db.destroy());
      await sql`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(conn.db);
      await expect(openStore(opts)).rejects.toThrow(/written by a newer abuse-desk/);
    });
  });
}

suite("SQLite", {
  async options() {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-mig-"));
    onTestFinishedCleanup(() => rmSync(home, { recursive: true, force: true }));
    return { home, url: join(home, "cases.db") };
  },
});

suite("PostgreSQL", {
  async options() {
    const schema = await freshSchema();
    onTestFinishedCleanup(() => schema.drop());
    return { url: schema.url };
  },
});

// Cleanups that must run after the stores are closed (dropping a schema, removing a directory).
const late: (() => unknown)[] = [];
function onTestFinishedCleanup(fn: () => unknown) {
  late.push(fn);
}
afterEach(async () => {
  for (const fn of late.splice(0)) await fn();
});
