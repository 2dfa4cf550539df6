/**
 * Verifying the audit log as stored: the hash chain read in batches (audit.ts says what a link
 * is), against an anchor recorded elsewhere when given, and with `deep` every timeline event and
 * journal entry against the audit entry that recorded it.
 */
import type { Kysely } from "kysely";
import type { JournalEntry } from "../execute/types.ts";
import { AUDIT_KEYED, canonicalJson, caseRecord, CHAIN_START, noticeRecord, verifyChain, type ChainCursor } from "./audit.ts";
import { AUDIT_ADOPTED, AUDIT_BASELINE } from "./db/migrations.ts";
import type { Database } from "./db/schema.ts";
import { sha256Hex } from "./rules.ts";
import { num, rowToAudit, rowToEntry } from "./rows.ts";
import type { AuditEntry, AuditVerification, RecordCheck } from "./types.ts";

type BrokenAt = Extract<AuditVerification, { intact: false }>["firstBroken"];

export interface AuditVerifyOptions {
  /** Entries (and rows) read per query. */
  batch?: number;
  /** A seq and hash recorded elsewhere earlier: also catches a rewritten or truncated log. */
  anchor?: { seq: number; hash: string };
  /** Also compare every timeline event and journal entry, and the verdicts of every notice and case, with the audit entries that recorded them. */
  deep?: boolean;
  /** The audit key (audit-key.ts): keyed entries are HMACs under it. */
  key?: Buffer | null;
}

type Vouched = Map<number | string, { seq: number; digest: string }>;

export async function verifyAuditLog(db: Kysely<Database>, opts: AuditVerifyOptions = {}): Promise<AuditVerification> {
  const batch = opts.batch ?? 5000;
  // Where the log and the tables end before anything else is read (the log first): each row was
  // committed with its audit entries, so the scan below sees those. What commits during the
  // verification (rows past `newest`, entries past `lastSeq`) is not judged.
  const lastSeq = num((await db.selectFrom("audit_log").select((eb) => eb.fn.max("seq").as("m")).executeTakeFirst())?.m as number | string | null | undefined);
  const newest = { timeline: await newestId(db, "timeline"), journal: await newestId(db, "journal") };
  let cursor: ChainCursor = CHAIN_START;
  let count = 0;
  let anchorSeen = false;
  let baseline: Baseline | null = null;
  // The newest row of each table an entry records, and with `deep` what each one was (a digest, by id).
  const recorded = { timeline: 0, journal: 0 };
  const vouched = { timeline: new Map<number, { seq: number; digest: string }>(), journal: new Map<number, { seq: number; digest: string }>() };
  const verdicts = { notices: new Map() as Vouched, cases: new Map() as Vouched };
  for (;;) {
    const rows = await db
      .selectFrom("audit_log")
      .selectAll()
      .where("seq", ">", cursor.nextSeq - 1)
      .orderBy("seq", "asc")
      .limit(batch)
      .execute();
    if (rows.length === 0) break;
    const entries = rows.map(rowToAudit);
    const r = verifyChain(entries, cursor, opts.key ?? null);
    const head = { seq: entries[entries.length - 1]!.seq, hash: entries[entries.length - 1]!.hash };
    if (!r.ok) return { intact: false, entries: count + entries.filter((e) => e.seq < r.seq).length, firstBroken: { seq: r.seq, reason: r.reason, ...(r.problem ? { problem: r.problem } : {}) }, head };
    if (opts.anchor) {
      const a = entries.find((e) => e.seq === opts.anchor!.seq);
      if (a) {
        anchorSeen = true;
        if (a.hash !== opts.anchor.hash) {
          return { intact: false, entries: count + entries.length, firstBroken: { seq: a.seq, reason: `its hash is not the anchored ${opts.anchor.hash}: the chain was rewritten up to here` }, head };
        }
      }
    }
    for (const e of entries) {
      if (e.action === AUDIT_BASELINE && baseline === null) {
        baseline = { seq: e.seq, timeline: num(e.data.timeline as number), journal: num(e.data.journal as number) };
      } else if (e.action.startsWith("timeline.") && typeof e.data.eventId === "number") {
        recorded.timeline = Math.max(recorded.timeline, e.data.eventId);
        if (opts.deep) vouched.timeline.set(e.data.eventId, { seq: e.seq, digest: timelineDigest(e.caseId, e.at, e.actor, e.action.slice("timeline.".length), e.data.summary, e.data.data) });
      } else if (e.action === "journal.append" && e.data.entry && typeof (e.data.entry as JournalEntry).seq === "number") {
        const j = e.data.entry as JournalEntry;
        recorded.journal = Math.max(recorded.journal, j.seq);
        if (opts.deep) vouched.journal.set(j.seq, { seq: e.seq, digest: sha256Hex(canonicalJson(j)) });
      } else if (opts.deep) {
        vouchVerdicts(e, verdicts);
      }
    }
    cursor = r.cursor;
    count += entries.length;
  }
  const head = count === 0 ? null : { seq: cursor.nextSeq - 1, hash: cursor.prevHash };
  if (opts.anchor && !anchorSeen) {
    return { intact: false, entries: count, firstBroken: { seq: opts.anchor.seq, reason: `the anchored entry ${opts.anchor.seq} is gone: the log was cut short (it ends at ${head?.seq ?? 0})` }, head };
  }
  // Every database the store opens has the baseline (migration 0004 writes it): without it the
  // log was emptied, or cut short before it.
  if (baseline === null) {
    return { intact: false, entries: count, firstBroken: { seq: (head?.seq ?? 0) + 1, reason: `the audit log has no baseline entry (${count ? `it ends at entry ${head!.seq}` : "it is empty"}): it was emptied or cut short` }, head };
  }
  // Every store this version opened was keyed by migration 0006: a chain without the marker was
  // rewritten (as plain SHA-256, which anyone can compute).
  if (cursor.keyedFrom === null) {
    return { intact: false, entries: count, firstBroken: { seq: (head?.seq ?? 0) + 1, reason: `the audit log has no keyed marker (${AUDIT_KEYED}): it was rewritten without the audit key, or cut short before the marker` }, head };
  }
  const keyed = { from: cursor.keyedFrom, legacy: cursor.keyedFrom - 1 };
  // A row newer than anything the log records (and than the baseline) outlived its audit entries.
  // (`deep` names each such row below, with the rest of what it compares.)
  for (const table of opts.deep ? [] : (["timeline", "journal"] as const)) {
    const covered = Math.max(recorded[table], baseline[table]);
    if (newest[table] > covered) {
      return {
        intact: false,
        entries: count,
        firstBroken: { seq: (head?.seq ?? 0) + 1, reason: `${table} record ${newest[table]} is newer than anything the audit log records (it ends at entry ${head?.seq ?? 0}): the log was cut short, or the record was added behind the store's back`, record: { table, id: newest[table] } },
        head,
        keyed,
      };
    }
  }
  if (!opts.deep) return { intact: true, entries: count, head, keyed };
  const records: RecordCheck = { checked: 0, unaudited: 0, verdicts: 0 };
  for (const table of ["timeline", "journal"] as const) {
    const broken = await checkRecords(db, table, vouched[table], { upTo: newest[table], before: baseline[table], lastSeq }, records, batch);
    if (broken) return { intact: false, entries: count, firstBroken: broken, head, records, keyed };
  }
  const refresh = async () => {
    // Writes committed while this ran: their rows and entries are read again before a row is judged changed.
    for (;;) {
      const more = (await db.selectFrom("audit_log").selectAll().where("seq", ">", cursor.nextSeq - 1).orderBy("seq", "asc").limit(batch).execute()).map(rowToAudit);
      if (more.length === 0) return;
      const r = verifyChain(more, cursor, opts.key ?? null);
      if (!r.ok) return;
      for (const e of more) vouchVerdicts(e, verdicts);
      cursor = r.cursor;
    }
  };
  for (const table of ["notices", "cases"] as const) {
    const broken = await checkVerdicts(db, table, verdicts[table], records, batch, refresh);
    if (broken) return { intact: false, entries: count, firstBroken: broken, head, records, keyed };
  }
  return { intact: true, entries: count, head, records, keyed };
}

/** What an entry vouches for of notices' and cases' verdict columns (the latest entry wins). */
function vouchVerdicts(e: AuditEntry, v: { notices: Vouched; cases: Vouched }): void {
  const d = e.data as Record<string, unknown>;
  const caseView = (view: unknown) => {
    const c = view as { id?: unknown; verdict?: unknown; resources?: unknown } | undefined;
    if (c && typeof c.id === "string" && typeof c.verdict === "string" && Array.isArray(c.resources)) {
      v.cases.set(c.id, { seq: e.seq, digest: canonicalJson(caseRecord({ verdict: c.verdict, resources: c.resources as string[] })) });
    }
  };
  switch (e.action) {
    case "notice.stored":
    case "notice.verdict":
      v.notices.set(num(d.noticeId as number), { seq: e.seq, digest: canonicalJson({ caseId: d.caseId, verdict: d.verdict, verdictSha256: d.verdictSha256 }) });
      break;
    case "case.created":
      caseView(d.case);
      break;
    case "case.joined":
    case "case.verdict":
      caseView(d.after);
      break;
    case "case.linked":
      caseView(d.after);
      for (const id of (d.noticeIds as number[] | undefined) ?? []) {
        const prev = v.notices.get(id);
        if (prev) v.notices.set(id, { seq: e.seq, digest: canonicalJson({ ...(JSON.parse(prev.digest) as object), caseId: d.into }) });
      }
      break;
    case AUDIT_ADOPTED:
      for (const row of (d.rows as Record<string, unknown>[] | undefined) ?? []) {
        if (d.table === "notices") v.notices.set(num(row.id as number), { seq: e.seq, digest: canonicalJson({ caseId: row.caseId, verdict: row.verdict, verdictSha256: row.verdictSha256 }) });
        else if (d.table === "cases") v.cases.set(String(row.id), { seq: e.seq, digest: canonicalJson(caseRecord({ verdict: String(row.verdict), resources: row.resources as string[] })) });
      }
      break;
  }
}

/**
 * Holds every notice's verdict (and case) and every case's verdict and resources to what the
 * chain last recorded of them: an edited verdict column, or a row the chain never saw, breaks it.
 */
async function checkVerdicts(
  db: Kysely<Database>,
  table: "notices" | "cases",
  vouched: Vouched,
  records: RecordCheck,
  batch: number,
  refresh: () => Promise<void>,
): Promise<BrokenAt | null> {
  const read = async (after: number | string | null, limit: number, only?: number | string) => {
    if (table === "notices") {
      let q = db.selectFrom("notices").select(["id", "case_id", "verdict", "verdict_json"]);
      if (only !== undefined) q = q.where("id", "=", only as number);
      else if (after !== null) q = q.where("id", ">", after as number);
      return (await q.orderBy("id", "asc").limit(limit).execute()).map((r) => ({ id: num(r.id) as number | string, digest: canonicalJson(noticeRecord(r)) }));
    }
    let q = db.selectFrom("cases").select(["id", "verdict", "resources"]);
    if (only !== undefined) q = q.where("id", "=", only as string);
    else if (after !== null) q = q.where("id", ">", after as string);
    return (await q.orderBy("id", "asc").limit(limit).execute()).map((r) => ({ id: r.id as number | string, digest: canonicalJson(caseRecord({ verdict: r.verdict, resources: JSON.parse(r.resources) as string[] })) }));
  };
  let after: number | string | null = null;
  for (;;) {
    const rows = await read(after, batch);
    if (rows.length === 0) return null;
    for (let row of rows) {
      let v = vouched.get(row.id);
      if (!v || v.digest !== row.digest) {
        await refresh();
        row = (await read(null, 1, row.id))[0] ?? row;
        v = vouched.get(row.id);
      }
      const what = table === "notices" ? `notice ${row.id}` : `case ${row.id}`;
      if (!v) return { seq: 0, reason: `${what} has no audit entry: it was added behind the store's back`, record: { table, id: row.id } };
      if (v.digest !== row.digest) {
        return { seq: v.seq, reason: `${what}: its ${table === "notices" ? "verdict (or case)" : "verdict or resources"} differ from what audit entry ${v.seq} recorded: changed behind the store's back`, record: { table, id: row.id } };
      }
      records.verdicts = (records.verdicts ?? 0) + 1;
    }
    after = rows[rows.length - 1]!.id;
  }
}

interface Baseline {
  seq: number;
  /** Rows up to these ids were written before the audit log existed. */
  timeline: number;
  journal: number;
}

async function newestId(db: Kysely<Database>, table: "timeline" | "journal"): Promise<number> {
  const row =
    table === "timeline"
      ? await db.selectFrom("timeline").select((eb) => eb.fn.max("id").as("m")).executeTakeFirst()
      : await db.selectFrom("journal").select((eb) => eb.fn.max("seq").as("m")).executeTakeFirst();
  return num(row?.m as number | string | null | undefined);
}

/**
 * Compares a table's rows, up to `range.upTo`, with the digests the chain vouches for: changed,
 * added behind its back, or deleted (recorded by an entry up to `range.lastSeq`, and gone). A row
 * the chain does not mention is older than the log (counted as not covered) only up to the
 * baseline, `range.before`.
 */
async function checkRecords(
  db: Kysely<Database>,
  table: "timeline" | "journal",
  vouched: Map<number, { seq: number; digest: string }>,
  range: { upTo: number; before: number; lastSeq: number },
  records: RecordCheck,
  batch: number,
): Promise<BrokenAt | null> {
  let after = 0;
  while (after < range.upTo) {
    const rows =
      table === "timeline"
        ? (await db.selectFrom("timeline").selectAll().where("id", ">", after).where("id", "<=", range.upTo).orderBy("id", "asc").limit(batch).execute()).map((r) => ({
            id: num(r.id),
            digest: timelineDigest(r.case_id, r.at, r.actor, r.type, r.summary, JSON.parse(r.data)),
          }))
        : (await db.selectFrom("journal").selectAll().where("seq", ">", after).where("seq", "<=", range.upTo).orderBy("seq", "asc").limit(batch).execute()).map((r) => {
            const e = rowToEntry(r);
            return { id: e.seq, digest: sha256Hex(canonicalJson(e)) };
          });
    if (rows.length === 0) break;
    for (const row of rows) {
      const v = vouched.get(row.id);
      if (!v) {
        if (row.id <= range.before) {
          records.unaudited++;
          continue;
        }
        return { seq: 0, reason: `${table} record ${row.id} has no audit entry: it was added behind the store's back`, record: { table, id: row.id } };
      }
      if (v.digest !== row.digest) return { seq: v.seq, reason: `${table} record ${row.id} differs from what audit entry ${v.seq} recorded: it was changed after it was written`, record: { table, id: row.id } };
      vouched.delete(row.id);
      records.checked++;
    }
    after = rows[rows.length - 1]!.id;
  }
  // Entries past `lastSeq` recorded writes that committed during the verification.
  for (const [id, v] of vouched) if (v.seq <= range.lastSeq) return { seq: v.seq, reason: `${table} record ${id}, recorded by audit entry ${v.seq}, is gone`, record: { table, id } };
  return null;
}

function timelineDigest(caseId: string | null, at: string, actor: string, type: string, summary: unknown, data: unknown): string {
  return sha256Hex(canonicalJson({ caseId, at, actor, type, summary, data: data ?? {} }));
}
