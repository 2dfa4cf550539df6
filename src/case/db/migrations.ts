/**
 * The migration set: forward only, one set for both dialects, provided in code (no files to find
 * at run time). Names sort in the order they run; a released migration is never edited, a change
 * is a new migration. The few dialect differences (auto-increment keys, append-only triggers) are
 * spelt out here, in one place.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from "kysely";
import type { CreateTableBuilder } from "kysely";
import { webUsersSessions } from "../users-schema.ts";
import { noticeRawTable } from "../notice-raw.ts";
import { createInvestigationTables } from "../investigations.ts";
import { createReadinessTables } from "../readiness-runs.ts";
import { createChecklistTable } from "../checklist.ts";
import { AUDIT_KEYED, auditKeyId, canonicalJson, caseRecord, chainEntry, GENESIS, noticeRecord } from "../audit.ts";

export type Dialect = "sqlite" | "postgres";

/** Advisory lock key serialising the store's writers on PostgreSQL (the audit chain head, intake). */
export const PG_WRITE_LOCK = 0x61626465; // "abde"

/** The audit entry that says where the log begins: rows up to these ids predate it. */
export const AUDIT_BASELINE = "audit.baseline";

/** Audit entries vouching for the verdict columns of notices and cases that existed when the chain was keyed. */
export const AUDIT_ADOPTED = "audit.adopted";

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was then, not the current types */
type Db = Kysely<any>;

function serialKey<T extends string>(t: CreateTableBuilder<T, any>, name: string, dialect: Dialect): CreateTableBuilder<T, any> {
  // SQLite: AUTOINCREMENT so a key is never reused after a delete (journal seq is "monotonic").
  return dialect === "postgres" ? t.addColumn(name, "bigserial", (c) => c.primaryKey()) : t.addColumn(name, "integer", (c) => c.primaryKey().autoIncrement());
}

/** Rejects UPDATE and DELETE on a table: the journal, the timeline and the audit log only grow. */
async function appendOnly(db: Db, table: string, dialect: Dialect): Promise<void> {
  if (dialect === "sqlite") {
    for (const op of ["update", "delete"]) {
      await sql
        .raw(`create trigger ${table}_no_${op} before ${op} on ${table} begin select raise(abort, '${table} is append-only'); end`)
        .execute(db);
    }
  } else {
    await sql
      .raw(
        `create or replace function abuse_desk_append_only() returns trigger language plpgsql as $$ ` +
          `begin raise exception '% is append-only', TG_TABLE_NAME; end $$`,
      )
      .execute(db);
    await sql.raw(`create trigger ${table}_append_only before update or delete on ${table} for each row execute function abuse_desk_append_only()`).execute(db);
  }
}

/** Appends entries to the chain inside a migration (under the writers' lock, taken by the caller on PostgreSQL). */
async function appendEntries(db: Db, items: { action: string; data: Record<string, unknown>; keyed: boolean }[], key: Buffer): Promise<void> {
  const head = (await sql<{ seq: unknown; hash: string }>`select seq, hash from audit_log order by seq desc limit 1`.execute(db)).rows[0];
  let seq = head ? Number(head.seq) : 0;
  let prev = head?.hash ?? GENESIS;
  const at = new Date().toISOString();
  for (const it of items) {
    const e = chainEntry(prev, { seq: ++seq, at, actor: "abuse-desk (migration)", action: it.action, caseId: null, data: it.data }, it.keyed ? key : null);
    await db
      .insertInto("audit_log")
      .values({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, case_id: null, data: canonicalJson(e.data), prev_hash: e.prevHash, hash: e.hash })
      .execute();
    prev = e.hash;
  }
}

function all(dialect: Dialect, key: Buffer): Record<string, Migration> {
  return {
    "0001-cases-notices-journal": {
      async up(db: Db) {
        await db.schema
          .createTable("cases")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("is_open", "integer", (c) => c.notNull())
          .addColumn("status_before_close", "text")
          .addColumn("severity", "text", (c) => c.notNull())
          .addColumn("severity_source", "text", (c) => c.notNull())
          .addColumn("activity_type", "text", (c) => c.notNull())
          .addColumn("aws_case_number", "text")
          .addColumn("account_id", "text")
          .addColumn("account_ids", "text", (c) => c.notNull())
          .addColumn("resources", "text", (c) => c.notNull())
          .addColumn("regions", "text", (c) => c.notNull())
          .addColumn("verdict", "text", (c) => c.notNull())
          .addColumn("subject", "text")
          .addColumn("assignee", "text")
          .addColumn("deadline_at", "text", (c) => c.notNull())
          .addColumn("deadline_basis", "text", (c) => c.notNull())
          .addColumn("deadline_text", "text")
          .addColumn("needs_linking", "integer", (c) => c.notNull())
          .addColumn("notice_count", "integer", (c) => c.notNull())
          .addColumn("received_at", "text", (c) => c.notNull())
          .addColumn("last_notice_at", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .addColumn("closed_at", "text")
          .addColumn("resolution", "text")
          .execute();
        // Every list is deadline-sorted with the id as tie-breaker (keyset paging); each filter has
        // an index that ends in (deadline_at, id) so the first page is read, not sorted.
        for (const [name, cols] of [
          ["cases_open_deadline", ["is_open", "deadline_at", "id"]],
          ["cases_status_deadline", ["status", "deadline_at", "id"]],
          ["cases_account_deadline", ["account_id", "deadline_at", "id"]],
          ["cases_activity_deadline", ["activity_type", "deadline_at", "id"]],
          ["cases_assignee_deadline", ["assignee", "deadline_at", "id"]],
          ["cases_deadline", ["deadline_at", "id"]],
        ] as const) {
          await db.schema.createIndex(name).on("cases").columns([...cols]).execute();
        }

        await db.schema
          .createTable("case_refs")
          .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("value", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("case_refs_pk", ["kind", "value", "case_id"])
          .execute();
        await db.schema.createIndex("case_refs_case").on("case_refs").columns(["case_id"]).execute();

        await db.schema
          .createTable("case_counters")
          .addColumn("year", "integer", (c) => c.primaryKey())
          .addColumn("last", "integer", (c) => c.notNull())
          .execute();

        await serialKey(db.schema.createTable("notices"), "id", dialect)
          .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
          // The same notice arriving twice is one notice: the database says so, not a prior SELECT.
          .addColumn("dedupe_key", "text", (c) => c.notNull().unique())
          .addColumn("message_id", "text")
          .addColumn("raw_sha256", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("activity_type", "text", (c) => c.notNull())
          .addColumn("case_number", "text")
          .addColumn("subject", "text")
          .addColumn("received_at", "text", (c) => c.notNull())
          .addColumn("stored_at", "text", (c) => c.notNull())
          .addColumn("verdict", "text", (c) => c.notNull())
          .addColumn("joined_by", "text", (c) => c.notNull())
          .addColumn("notice_json", "text", (c) => c.notNull())
          .addColumn("verdict_json", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("notices_case").on("notices").columns(["case_id", "id"]).execute();
        await db.schema.createIndex("notices_raw").on("notices").columns(["raw_sha256"]).execute();

        await serialKey(db.schema.createTable("timeline"), "id", dialect)
          .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("summary", "text", (c) => c.notNull())
          .addColumn("data", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("timeline_case").on("timeline").columns(["case_id", "id"]).execute();

        await serialKey(db.schema.createTable("evidence"), "id", dialect)
          .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
          .addColumn("label", "text", (c) => c.notNull())
          .addColumn("path", "text")
          .addColumn("content", "text")
          .addColumn("encoding", "text")
          .addColumn("sha256", "text", (c) => c.notNull())
          .addColumn("size", "bigint")
          .addColumn("source", "text", (c) => c.notNull())
          .addColumn("collected_at", "text", (c) => c.notNull())
          .addColumn("recorded_at", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("plan_id", "text")
          .addColumn("step_id", "text")
          .execute();
        await db.schema.createIndex("evidence_case").on("evidence").columns(["case_id", "id"]).execute();

        // No foreign key on case_id: a plan may be made before (or without) a case.
        await db.schema
          .createTable("plans")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("case_id", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("saved_at", "text", (c) => c.notNull())
          .addColumn("playbook", "text", (c) => c.notNull())
          .addColumn("plan_json", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("plans_case").on("plans").columns(["case_id", "created_at"]).execute();

        await serialKey(db.schema.createTable("journal"), "seq", dialect)
          .addColumn("plan_id", "text", (c) => c.notNull().references("plans.id"))
          .addColumn("step_id", "text")
          .addColumn("phase", "text", (c) => c.notNull())
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("before_json", "text")
          .addColumn("after_json", "text")
          .addColumn("error", "text")
          .addColumn("detail_json", "text")
          .execute();
        await db.schema.createIndex("journal_plan").on("journal").columns(["plan_id", "seq"]).execute();

        await appendOnly(db, "journal", dialect);
        await appendOnly(db, "timeline", dialect);
      },
    },
    "0002-audit-log": {
      async up(db: Db) {
        // seq is assigned by the writer (head + 1) under the write lock, not by the database: the
        // chain says which entry follows which, and a gap is visible.
        await db.schema
          .createTable("audit_log")
          .addColumn("seq", "bigint", (c) => c.primaryKey())
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("action", "text", (c) => c.notNull())
          .addColumn("case_id", "text")
          .addColumn("data", "text", (c) => c.notNull())
          .addColumn("prev_hash", "text", (c) => c.notNull())
          .addColumn("hash", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("audit_log_case").on("audit_log").columns(["case_id", "seq"]).execute();
        await appendOnly(db, "audit_log", dialect);
      },
    },
    "0003-cases-status-index": {
      async up(db: Db) {
        // Counts by status read a narrow index (PostgreSQL scans it index-only, grouped in
        // order) instead of the whole table or the wide (status, deadline_at, id) index.
        await db.schema.createIndex("cases_status").on("cases").column("status").execute();
      },
    },
    "0004-audit-baseline": {
      async up(db: Db) {
        // One entry on the chain saying which timeline and journal rows it does not cover (those
        // written before the log existed, in a database upgraded from then). Verification then
        // tells an emptied or cut log (no baseline, or rows newer than anything it records) from
        // an old database, instead of taking every unrecorded row for an old one.
        if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${PG_WRITE_LOCK})`.execute(db); // the writers' lock: the head cannot move
        const max = async (table: string, col: string) => Number((await sql<{ m: unknown }>`select max(${sql.ref(col)}) as m from ${sql.table(table)}`.execute(db)).rows[0]?.m ?? 0);
        const data = { timeline: await max("timeline", "id"), journal: await max("journal", "seq") };
        const head = (await sql<{ seq: unknown; hash: string }>`select seq, hash from audit_log order by seq desc limit 1`.execute(db)).rows[0];
        const e = chainEntry(head?.hash ?? GENESIS, { seq: head ? Number(head.seq) + 1 : 1, at: new Date().toISOString(), actor: "abuse-desk (migration)", action: AUDIT_BASELINE, caseId: null, data });
        await db
          .insertInto("audit_log")
          .values({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, case_id: null, data: canonicalJson(e.data), prev_hash: e.prevHash, hash: e.hash })
          .execute();
      },
    },
    "0005-plan-locks": {
      async up(db: Db) {
        // Who is applying or rolling back a plan right now: one row per plan (the primary key is
        // what makes two holders impossible), deleted on release. Not append-only: it is state,
        // not history; acquisitions, takeovers and releases go to the audit log.
        await db.schema
          .createTable("plan_locks")
          .addColumn("plan_id", "text", (c) => c.primaryKey())
          .addColumn("token", "text", (c) => c.notNull())
          .addColumn("operation", "text", (c) => c.notNull())
          .addColumn("holder", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("host", "text", (c) => c.notNull())
          .addColumn("pid", "integer", (c) => c.notNull())
          .addColumn("instance", "text")
          .addColumn("lease_ms", "integer", (c) => c.notNull())
          .addColumn("acquired_at", "text", (c) => c.notNull())
          .addColumn("heartbeat_at", "text", (c) => c.notNull())
          .execute();
      },
    },
    "0006-keyed-audit-verdicts-dedupe": {
      async up(db: Db) {
        // A case that needs linking says why, and which case a notice kept apart would have joined.
        await db.schema.alterTable("cases").addColumn("link_reason", "text").execute();
        await db.schema.alterTable("cases").addColumn("link_into", "text").execute();
        // Dedupe on Message-ID and raw bytes together: a forgery carrying a genuine notice's
        // Message-ID no longer shadows it. The notices sharing a Message-ID are found by this index.
        await db.schema.createIndex("notices_message_id").on("notices").columns(["message_id"]).execute();
        await sql`update notices set dedupe_key = dedupe_key || ' sha256:' || raw_sha256 where dedupe_key like 'mid:%'`.execute(db);
        if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${PG_WRITE_LOCK})`.execute(db);
        // The chain is keyed from here on: the marker (itself keyed) names the legacy entries
        // before it, then the verdicts of every notice and case as they are now, so that
        // `audit verify --deep` can hold each row to what the chain says from the upgrade on.
        const head = (await sql<{ seq: unknown; hash: string }>`select seq, hash from audit_log order by seq desc limit 1`.execute(db)).rows[0];
        const items: { action: string; data: Record<string, unknown>; keyed: boolean }[] = [
          { action: AUDIT_KEYED, data: { keyId: auditKeyId(key), legacy: { entries: head ? Number(head.seq) : 0, head: head?.hash ?? GENESIS } }, keyed: true },
        ];
        const notices = (await sql<{ id: unknown; case_id: string; verdict: string; verdict_json: string }>`select id, case_id, verdict, verdict_json from notices order by id`.execute(db)).rows;
        for (let i = 0; i < notices.length; i += 500) {
          items.push({ action: AUDIT_ADOPTED, data: { table: "notices", rows: notices.slice(i, i + 500).map((r) => ({ id: Number(r.id), ...noticeRecord(r) })) }, keyed: true });
        }
        const cases = (await sql<{ id: string; verdict: string; resources: string }>`select id, verdict, resources from cases order by id`.execute(db)).rows;
        for (let i = 0; i < cases.length; i += 500) {
          items.push({ action: AUDIT_ADOPTED, data: { table: "cases", rows: cases.slice(i, i + 500).map((r) => ({ id: r.id, ...caseRecord({ verdict: r.verdict, resources: JSON.parse(r.resources) as string[] }) })) }, keyed: true });
        }
        await appendEntries(db, items, key);
      },
    },
    "0007-intake-arrivals": {
      async up(db: Db) {
        // What the service's sources handed in (src/case/inbox.ts): the bytes as received, kept
        // before the source acknowledges its peer, and how far the pipeline got with each. State,
        // not history: what became of an arrival goes to its case's timeline and the audit log.
        await serialKey(db.schema.createTable("arrivals"), "id", dialect)
          .addColumn("source", "text", (c) => c.notNull())
          .addColumn("ref", "text", (c) => c.notNull())
          .addColumn("sha256", "text", (c) => c.notNull())
          .addColumn("raw", "text", (c) => c.notNull())
          .addColumn("size", "integer", (c) => c.notNull())
          .addColumn("meta", "text", (c) => c.notNull())
          .addColumn("received_at", "text", (c) => c.notNull())
          .addColumn("kept_at", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("stage", "text", (c) => c.notNull())
          .addColumn("duplicate_of", "integer")
          .addColumn("progress", "text", (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull())
          .addColumn("last_error", "text")
          .addColumn("next_attempt_at", "text", (c) => c.notNull())
          .addColumn("lease_token", "text")
          .addColumn("lease_holder", "text")
          .addColumn("lease_host", "text")
          .addColumn("lease_pid", "integer")
          .addColumn("lease_instance", "text")
          .addColumn("lease_until", "text")
          .addColumn("done_at", "text")
          .addColumn("updated_at", "text", (c) => c.notNull())
          .addUniqueConstraint("arrivals_source_ref", ["source", "ref"])
          .execute();
        await db.schema.createIndex("arrivals_sha256").on("arrivals").columns(["sha256"]).execute();
        await db.schema.createIndex("arrivals_due").on("arrivals").columns(["state", "next_attempt_at"]).execute();
        // The plan the service makes for a case: one per case, whichever arrival (source, worker,
        // instance) gets there first; the others see it and do not plan the incident again.
        await db.schema
          .createTable("case_autoplans")
          .addColumn("case_id", "text", (c) => c.primaryKey())
          .addColumn("plan_id", "text", (c) => c.notNull())
          .addColumn("arrival_id", "integer", (c) => c.notNull())
          .addColumn("at", "text", (c) => c.notNull())
          .execute();
        // A source's durable position (IMAP UIDVALIDITY + UID, the Health cursor).
        await db.schema
          .createTable("source_cursors")
          .addColumn("source", "text", (c) => c.primaryKey())
          .addColumn("value", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
      },
    },
    "0008-scheduler-leases": {
      async up(db: Db) {
        // The service's scheduled jobs (leases.ts): one row per job. `token` is set while an
        // instance runs the job (the row is its lease, renewed by heartbeat) and cleared when it
        // finishes, with the time the job is next due for the whole fleet. State, not history:
        // takeovers and failed runs go to the audit log, what a job did goes on its cases.
        await db.schema
          .createTable("scheduler_leases")
          .addColumn("job", "text", (c) => c.primaryKey())
          .addColumn("token", "text")
          .addColumn("holder", "text")
          .addColumn("host", "text")
          .addColumn("pid", "integer")
          .addColumn("instance", "text")
          .addColumn("lease_ms", "integer", (c) => c.notNull())
          .addColumn("acquired_at", "text")
          .addColumn("heartbeat_at", "text")
          .addColumn("last_started_at", "text")
          .addColumn("last_finished_at", "text")
          .addColumn("last_outcome", "text")
          .addColumn("next_due_at", "text", (c) => c.notNull())
          .execute();
      },
    },
    "0009-web-users-sessions": {
      async up(db: Db) {
        await webUsersSessions(db);
      },
    },
    "0010-notice-raw": {
      async up(db: Db) {
        // The bytes of each notice as received (notice-raw.ts); notices stored before have none.
        await noticeRawTable(db);
      },
    },
    "0011-investigations": {
      async up(db: Db) {
        // Each run of `abuse-desk investigate` on a case, its findings and activity verdicts (src/case/investigations.ts).
        await createInvestigationTables(db, (t, name) => serialKey(t, name, dialect));
      },
    },
    "0012-address-history": {
      async up(db: Db) {
        // Which resource held which public address, when (address-history.ts): state that grows
        // by inventory runs; rows are extended (last_seen), so the table is not append-only.
        await serialKey(db.schema.createTable("address_history"), "id", dialect)
          .addColumn("public_ip", "text", (c) => c.notNull())
          .addColumn("account_id", "text", (c) => c.notNull())
          .addColumn("region", "text", (c) => c.notNull())
          .addColumn("resource_kind", "text", (c) => c.notNull())
          .addColumn("resource_id", "text", (c) => c.notNull())
          .addColumn("resource_name", "text")
          .addColumn("first_seen", "text", (c) => c.notNull())
          .addColumn("last_seen", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("address_history_ip").on("address_history").columns(["public_ip", "last_seen"]).execute();
      },
    },
    "0013-credential-checklist": {
      async up(db: Db) {
        // The root checklist of a credential case, item by item (checklist.ts): state, who, when.
        await createChecklistTable(db);
      },
    },
    "0014-readiness-runs": {
      async up(db: Db) {
        // Each readiness run, its score per account and every check's result (readiness-runs.ts): history, bounded per run.
        await createReadinessTables(db, (t, name) => serialKey(t, name, dialect));
      },
    },
  };
}

/** The migrations in order, as Kysely's Migrator wants them; `key` is the audit key (audit-key.ts) the keyed marker is written with. */
export function migrationProvider(dialect: Dialect, key: Buffer): MigrationProvider {
  return { getMigrations: async () => all(dialect, key) };
}

/** Names of every migration, oldest first (tests walk them to migrate from each earlier version). */
export function migrationNames(): string[] {
  return Object.keys(all("sqlite", Buffer.alloc(0))).sort();
}
