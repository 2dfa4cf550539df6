/**
 * The tables as plain data: each row type to and from its object (`Case`, `StoredNotice`,
 * `TimelineEvent`...), the keyset cursor of case lists, and the few reads and writes every
 * transaction shares (a case by id, its update, the keys later notices find it by).
 */
import type { Kysely, Selectable } from "kysely";
import { UserError } from "../errors.ts";
import type { JournalEntry, JournalPhase } from "../execute/types.ts";
import type { Notice, NoticeKind } from "../notice/types.ts";
import type { Verdict, VerdictLevel } from "../verify/types.ts";
import type { AuditTable, CasesTable, Database, EvidenceTable, JournalTable, NoticesTable, TimelineTable } from "./db/schema.ts";
import { caseRefs, deriveSeverity, isOpen, noticeResources, parseCaseId, union } from "./rules.ts";
import type { AuditEntry, Case, CaseStatus, EventType, Evidence, JoinReason, Severity, StoredNotice, TimelineEvent } from "./types.ts";

export type Trx = Kysely<Database>;

/** PostgreSQL returns bigint as text; SQLite may return bigint for large integers. */
export function num(v: number | string | bigint | null | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}

export function parseJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

export function rowToCase(r: Selectable<CasesTable>): Case {
  return {
    id: r.id,
    status: r.status as CaseStatus,
    statusBeforeClose: (r.status_before_close as CaseStatus | null) ?? null,
    severity: r.severity as Severity,
    severitySource: r.severity_source as Case["severitySource"],
    activityType: r.activity_type as Case["activityType"],
    awsCaseNumber: r.aws_case_number,
    accountId: r.account_id,
    accountIds: JSON.parse(r.account_ids) as string[],
    resources: JSON.parse(r.resources) as string[],
    regions: JSON.parse(r.regions) as string[],
    verdict: r.verdict as VerdictLevel,
    subject: r.subject,
    assignee: r.assignee,
    deadline: { at: r.deadline_at, basis: r.deadline_basis as Case["deadline"]["basis"], text: r.deadline_text },
    needsLinking: num(r.needs_linking) === 1,
    linkReason: r.link_reason ?? null,
    linkInto: r.link_into ?? null,
    noticeCount: num(r.notice_count),
    receivedAt: r.received_at,
    lastNoticeAt: r.last_notice_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    resolution: r.resolution,
  };
}

export function caseToRow(c: Case): CasesTable {
  return {
    id: c.id,
    status: c.status,
    is_open: isOpen(c.status) ? 1 : 0,
    status_before_close: c.statusBeforeClose,
    severity: c.severity,
    severity_source: c.severitySource,
    activity_type: c.activityType,
    aws_case_number: c.awsCaseNumber,
    account_id: c.accountId,
    account_ids: JSON.stringify(c.accountIds),
    resources: JSON.stringify(c.resources),
    regions: JSON.stringify(c.regions),
    verdict: c.verdict,
    subject: c.subject,
    assignee: c.assignee,
    deadline_at: c.deadline.at,
    deadline_basis: c.deadline.basis,
    deadline_text: c.deadline.text,
    needs_linking: c.needsLinking ? 1 : 0,
    link_reason: c.linkReason,
    link_into: c.linkInto,
    notice_count: c.noticeCount,
    received_at: c.receivedAt,
    last_notice_at: c.lastNoticeAt,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    closed_at: c.closedAt,
    resolution: c.resolution,
  };
}

export function rowToNotice(r: Selectable<NoticesTable>): StoredNotice {
  return {
    id: num(r.id),
    caseId: r.case_id,
    kind: r.kind as NoticeKind,
    activityType: r.activity_type as StoredNotice["activityType"],
    messageId: r.message_id,
    rawSha256: r.raw_sha256,
    dedupeKey: r.dedupe_key,
    receivedAt: r.received_at,
    storedAt: r.stored_at,
    subject: r.subject,
    caseNumber: r.case_number,
    verdict: r.verdict as VerdictLevel,
    joinedBy: r.joined_by as JoinReason,
    notice: JSON.parse(r.notice_json) as Notice,
    verdictDetail: JSON.parse(r.verdict_json) as Verdict,
  };
}

export function rowToEvent(r: Selectable<TimelineTable>): TimelineEvent {
  return { id: num(r.id), caseId: r.case_id, at: r.at, actor: r.actor, type: r.type as EventType, summary: r.summary, data: JSON.parse(r.data) as Record<string, unknown> };
}

export function rowToEvidence(r: Selectable<EvidenceTable>): Evidence {
  return {
    id: num(r.id),
    caseId: r.case_id,
    label: r.label,
    path: r.path,
    content: r.content,
    encoding: r.encoding as Evidence["encoding"],
    sha256: r.sha256,
    size: r.size === null ? null : num(r.size),
    source: r.source,
    collectedAt: r.collected_at,
    recordedAt: r.recorded_at,
    actor: r.actor,
    planId: r.plan_id,
    stepId: r.step_id,
  };
}

export function rowToEntry(r: Selectable<JournalTable>): JournalEntry {
  const e: JournalEntry = { seq: num(r.seq), planId: r.plan_id, stepId: r.step_id, phase: r.phase as JournalPhase, at: r.at, actor: r.actor };
  if (r.before_json !== null) e.before = parseJson(r.before_json);
  if (r.after_json !== null) e.after = parseJson(r.after_json);
  if (r.error !== null) e.error = r.error;
  if (r.detail_json !== null) e.detail = parseJson(r.detail_json);
  return e;
}

export function rowToAudit(r: Selectable<AuditTable>): AuditEntry {
  return { seq: num(r.seq), at: r.at, actor: r.actor, action: r.action, caseId: r.case_id, data: JSON.parse(r.data) as Record<string, unknown>, prevHash: r.prev_hash, hash: r.hash };
}

/** A cursor for keyset paging: the (deadline, id) of the last case on the page. */
export function encodeCursor(c: Case): string {
  return Buffer.from(JSON.stringify([c.deadline.at, c.id])).toString("base64url");
}

export function decodeCursor(s: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string") return [v[0], v[1]];
  } catch {
    // fall through to the error
  }
  throw new UserError(`not a page cursor: ${s}`, { exitCode: 64, hint: "pass the `next` value a previous page printed" });
}

/** Stores the keys (AWS case number, resources, accounts) by which later notices find the case. */
export async function insertRefs(trx: Trx, caseId: string, notice: Notice): Promise<void> {
  const refs = caseRefs(notice).map((r) => ({ case_id: caseId, kind: r.kind, value: r.value }));
  if (refs.length === 0) return;
  for (let i = 0; i < refs.length; i += 300) {
    await trx
      .insertInto("case_refs")
      .values(refs.slice(i, i + 300))
      .onConflict((oc) => oc.columns(["kind", "value", "case_id"]).doNothing())
      .execute();
  }
}

export async function updateCase(trx: Trx, c: Case): Promise<void> {
  const { id: _id, ...row } = caseToRow(c);
  await trx.updateTable("cases").set(row).where("id", "=", c.id).execute();
}

/** The case with this exact id, or null. */
export async function caseIn(trx: Trx, id: string): Promise<Case | null> {
  const row = await trx.selectFrom("cases").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? rowToCase(row) : null;
}

/** The case an id (typed loosely: `ad-2026-7`) names, or the UserError a person reads. */
export async function caseForWrite(trx: Trx, id: string): Promise<Case> {
  const canonical = parseCaseId(id) ?? id;
  const c = await caseIn(trx, canonical);
  if (!c) throw unknownCase(id);
  return c;
}

/**
 * The severity derived for a case from the distinct kinds of the notices stored under `caseIds`
 * (and `extraKinds`, a notice not stored yet), its activity and its verdict.
 */
export async function caseSeverity(trx: Trx, c: Pick<Case, "activityType" | "verdict">, caseIds: readonly string[], extraKinds: readonly NoticeKind[] = []): Promise<Severity> {
  // Only the notices as trusted as the case count (a forged final notification raises nothing).
  const kinds = (await trx.selectFrom("notices").select("kind").distinct().where("case_id", "in", caseIds).where("verdict", "=", c.verdict).execute()).map((r) => r.kind as NoticeKind);
  return deriveSeverity(c.activityType, c.verdict, [...kinds, ...extraKinds]);
}

/**
 * The resources a case acts on: those named by its notices whose verdict is the case's (its most
 * trusted), in order of arrival; `only` limits it to some of them. A notice less trusted than
 * the case never adds a resource to it.
 */
export async function trustedResources(trx: Trx, caseIds: readonly string[], verdict: string, opts: { only?: readonly number[] } = {}): Promise<string[]> {
  let q = trx.selectFrom("notices").select(["id", "notice_json"]).where("case_id", "in", caseIds).where("verdict", "=", verdict);
  if (opts.only) {
    if (opts.only.length === 0) return [];
    q = q.where("id", "in", [...opts.only]);
  }
  let out: string[] = [];
  for (const r of await q.orderBy("id", "asc").execute()) out = union(out, noticeResources(JSON.parse(r.notice_json) as Notice));
  return out;
}

/** What an audit entry records of a case: the facts its handling turns on. */
export function caseAuditView(c: Case): Record<string, unknown> {
  return {
    id: c.id,
    status: c.status,
    severity: c.severity,
    activityType: c.activityType,
    awsCaseNumber: c.awsCaseNumber,
    accountIds: c.accountIds,
    resources: c.resources,
    verdict: c.verdict,
    deadline: c.deadline,
    needsLinking: c.needsLinking,
    assignee: c.assignee,
  };
}

export function unknownCase(ref: string): UserError {
  return new UserError(`no case ${ref}`, { exitCode: 66, hint: "case ids look like AD-2026-0001 (or give AWS's case number); `abuse-desk case list --all` lists them" });
}
