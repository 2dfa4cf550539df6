/**
 * Verifying the audit log as stored: the hash chain read in batches (audit.ts says what a link
 * is), against an anchor recorded elsewhere when given, and with `deep` every timeline event and
 * journal entry against the audit entry that recorded it.
 */
import type { Kysely } from "kysely";
import type { JournalEntry } from "../execute/types.ts";
import { canonicalJson, CHAIN_START, verifyChain, type ChainCursor } from "./audit.ts";
import type { Database } from "./db/schema.ts";
import { sha256Hex } from "./rules.ts";
import { num, rowToAudit, rowToEntry } from "./rows.ts";
import type { AuditVerification, RecordCheck } from "./types.ts";

type BrokenAt = Extract<AuditVerification, { intact: false }>["firstBroken"];

export interface AuditVerifyOptions {
  /** Entries (and rows) read per query. */
  batch?: number;
  /** A seq and hash recorded elsewhere earlier: also catches a rewritten or truncated log. */
  anchor?: { seq: number; hash: string };
  /** Also compare every timeline event and journal entry with the audit entry that recorded it. */
  deep?: boolean;
}

export async function verifyAuditLog(db: Kysely<Database>, opts: AuditVerifyOptions = {}): Promise<AuditVerification> {
  const batch = opts.batch ?? 5000;
  let cursor: ChainCursor = CHAIN_START;
  let count = 0;
  let anchorSeen = false;
  // With `deep`: what the chain says each timeline event and journal entry was (a digest, by id).
  const vouched = { timeline: new Map<number, { seq: number; digest: string }>(), journal: new Map<number, { seq: number; digest: string }>() };
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
    const r = verifyChain(entries, cursor);
    const head = { seq: entries[entries.length - 1]!.seq, hash: entries[entries.length - 1]!.hash };
    if (!r.ok) return { intact: false, entries: count + entries.filter((e) => e.seq < r.seq).length, firstBroken: { seq: r.seq, reason: r.reason }, head };
    if (opts.anchor) {
      const a = entries.find((e) => e.seq === opts.anchor!.seq);
      if (a) {
        anchorSeen = true;
        if (a.hash !== opts.anchor.hash) {
          return { intact: false, entries: count + entries.length, firstBroken: { seq: a.seq, reason: `its hash is not the anchored ${opts.anchor.hash}: the chain was rewritten up to here` }, head };
        }
      }
    }
    if (opts.deep) {
      for (const e of entries) {
        if (e.action.startsWith("timeline.") && typeof e.data.eventId === "number") {
          vouched.timeline.set(e.data.eventId, { seq: e.seq, digest: timelineDigest(e.caseId, e.at, e.actor, e.action.slice("timeline.".length), e.data.summary, e.data.data) });
        } else if (e.action === "journal.append" && e.data.entry && typeof (e.data.entry as JournalEntry).seq === "number") {
          const j = e.data.entry as JournalEntry;
          vouched.journal.set(j.seq, { seq: e.seq, digest: sha256Hex(canonicalJson(j)) });
        }
      }
    }
    cursor = r.cursor;
    count += entries.length;
  }
  const head = count === 0 ? null : { seq: cursor.nextSeq - 1, hash: cursor.prevHash };
  if (opts.anchor && !anchorSeen) {
    return { intact: false, entries: count, firstBroken: { seq: opts.anchor.seq, reason: `the anchored entry ${opts.anchor.seq} is gone: the log was cut short (it ends at ${head?.seq ?? 0})` }, head };
  }
  if (!opts.deep) return { intact: true, entries: count, head };
  const records: RecordCheck = { checked: 0, unaudited: 0 };
  for (const table of ["timeline", "journal"] as const) {
    const broken = await checkRecords(db, table, vouched[table], records, batch);
    if (broken) return { intact: false, entries: count, firstBroken: broken, head, records };
  }
  return { intact: true, entries: count, head, records };
}

/** Compares a table's rows with the digests the chain vouches for: changed, added behind its back, or deleted. */
async function checkRecords(
  db: Kysely<Database>,
  table: "timeline" | "journal",
  vouched: Map<number, { seq: number; digest: string }>,
  records: RecordCheck,
  batch: number,
): Promise<BrokenAt | null> {
  // Rows older than the first one the chain mentions predate the audit log (an upgraded database).
  const firstVouched = vouched.size ? Math.min(...vouched.keys()) : Infinity;
  let after = 0;
  for (;;) {
    const rows =
      table === "timeline"
        ? (await db.selectFrom("timeline").selectAll().where("id", ">", after).orderBy("id", "asc").limit(batch).execute()).map((r) => ({
            id: num(r.id),
            digest: timelineDigest(r.case_id, r.at, r.actor, r.type, r.summary, JSON.parse(r.data)),
          }))
        : (await db.selectFrom("journal").selectAll().where("seq", ">", after).orderBy("seq", "asc").limit(batch).execute()).map((r) => {
            const e = rowToEntry(r);
            return { id: e.seq, digest: sha256Hex(canonicalJson(e)) };
          });
    if (rows.length === 0) break;
    for (const row of rows) {
      const v = vouched.get(row.id);
      if (!v) {
        if (row.id < firstVouched) {
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
  for (const [id, v] of vouched) return { seq: v.seq, reason: `${table} record ${id}, recorded by audit entry ${v.seq}, is gone`, record: { table, id } };
  return null;
}

function timelineDigest(caseId: string | null, at: string, actor: string, type: string, summary: unknown, data: unknown): string {
return sha256Hex(canonicalJson({ caseId, at, actor, type, summary, data: data ?? {} }));
}
