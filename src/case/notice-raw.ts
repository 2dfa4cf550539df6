/**
 * The bytes of each notice as received (migration "0010-notice-raw"): the web desk shows the whole
 * notice from them, with each fact marked where it was read. One row per stored notice, written
 * in the intake's transaction. A notice larger than the limit is not kept: its row says so (the
 * size and why), so the page states it rather than showing nothing. Notices stored before 0010
 * have no row: their bytes were never kept (only their SHA-256, in `notices.raw_sha256`).
 *
 * The bytes are stored base64 in a text column (as `arrivals.raw`), the same on SQLite and
 * PostgreSQL; reading them back checks their SHA-256 against the notice's.
 */
import { createHash } from "node:crypto";
import type { Kysely, Transaction } from "kysely";

/** Notices up to this size are kept (the parser reads at most 2 MiB of text; mail adds encoding). */
export const MAX_NOTICE_RAW_BYTES = 4 * 1024 * 1024;

export interface NoticeRawTable {
  notice_id: number | string;
  /** 1: the bytes are in `content`; 0: not kept (`reason` says why). */
  kept: number;
  size: number;
  sha256: string;
  /** base64 of the bytes; "" when not kept. */
  content: string;
  reason: string | null;
  stored_at: string;
}

/** What the store says of one notice's received bytes. */
export type NoticeRaw =
  | { state: "kept"; noticeId: number; size: number; sha256: string; bytes: Buffer }
  | { state: "too-large"; noticeId: number; size: number; sha256: string; reason: string }
  /** The stored bytes do not hash to the notice's SHA-256: they are not shown as the notice. */
  | { state: "mismatch"; noticeId: number; size: number; sha256: string; reason: string }
  /** Stored before the desk kept the bytes (0010), or never given as bytes. */
  | { state: "not-kept"; noticeId: number; reason: string };

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was then */
export async function noticeRawTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("notice_raw")
    .addColumn("notice_id", "integer", (c) => c.primaryKey())
    .addColumn("kept", "integer", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("stored_at", "text", (c) => c.notNull())
    .execute();
}

const sha256Hex = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Keeps a newly stored notice's bytes (or says they were too large), inside the intake's transaction. */
export async function keepRawTx(trx: Transaction<any> | Kysely<any>, noticeId: number, raw: Buffer, at: string, max = MAX_NOTICE_RAW_BYTES): Promise<void> {
  const tooLarge = raw.length > max;
  await trx
    .insertInto("notice_raw")
    .values({
      notice_id: noticeId,
      kept: tooLarge ? 0 : 1,
      size: raw.length,
      sha256: sha256Hex(raw),
      content: tooLarge ? "" : raw.toString("base64"),
      reason: tooLarge ? `the notice is ${raw.length} bytes, larger than the ${max} bytes the store keeps` : null,
      stored_at: at,
    })
    .onConflict((oc) => oc.column("notice_id").doNothing())
    .execute();
}

/** The received bytes of a notice, checked against the SHA-256 the notice was stored with. */
export async function readRaw(db: Kysely<any>, noticeId: number, expectSha256: string | null): Promise<NoticeRaw> {
  const row = await db.selectFrom("notice_raw").selectAll().where("notice_id", "=", noticeId).executeTakeFirst();
  if (!row) return { state: "not-kept", noticeId, reason: "the received bytes of this notice were not kept (it was stored before the desk kept them); only their SHA-256 is known" };
  const size = Number(row.size);
  if (Number(row.kept) !== 1) return { state: "too-large", noticeId, size, sha256: row.sha256, reason: row.reason ?? "the notice was too large to keep" };
  const bytes = Buffer.from(row.content, "base64");
  const sha = sha256Hex(bytes);
  if (sha !== row.sha256 || (expectSha256 !== null && sha !== expectSha256.toLowerCase())) {
    return { state: "mismatch", noticeId, size, sha256: sha, reason: `the kept bytes hash to ${sha}, not to the notice's SHA-256 ${expectSha256 ?? row.sha256}: they are not shown as the notice` };
  }
  return { state: "kept", noticeId, size: bytes.length, sha256: sha, bytes };
}
