/**
 * The case store over Kysely: the same code for SQLite and PostgreSQL. Every change runs in one
 * write transaction (`Connection.writeTx`) that also writes its timeline events and its audit
 * entries, so a case, its timeline and the audit chain never disagree, whatever process dies when.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { userInfo } from "node:os";
import type { Kysely, Selectable } from "kysely";
import { UserError } from "../errors.ts";
import type { JournalEntry, JournalPhase, Plan } from "../execute/types.ts";
import type { Notice, NoticeKind } from "../notice/types.ts";
import type { Verdict, VerdictLevel } from "../verify/types.ts";
import { canonicalJson, chainEntry, CHAIN_START, GENESIS, verifyChain, type ChainCursor } from "./audit.ts";
import type { Connection } from "./db/connect.ts";
import type { AuditTable, CasesTable, Database, EvidenceTable, JournalTable, NoticesTable, TimelineTable } from "./db/schema.ts";
import {
  canMoveCase,
  caseNumberKey,
  caseRefs,
  checkTransition,
  dedupeKey,
  deriveSeverity,
  FOLLOW_UP_KINDS,
  formatCaseId,
  iso,
  isOpen,
  JOIN_WINDOW_MS,
  joinedDeadline,
  mostTrusted,
  noticeDeadline,
  noticeResources,
  normalizeMessageId,
  parseCaseId,
  receiptTime,
  reopenStatus,
  sha256Hex,
  union,
} from "./rules.ts";
import {
  CASE_STATUSES,
  EVENT_TYPES,
  SEVERITIES,
  type ActorOpt,
  type AuditEntry,
  type AuditVerification,
  type Case,
  type CaseFilter,
  type CaseStatus,
  type CaseStore,
  type EventType,
  type Evidence,
  type EvidenceInput,
  type IntakeInput,
  type IntakeResult,
  type JoinReason,
  type Page,
  type RecordCheck,
  type Severity,
  type StoredNotice,
  type TimelineEvent,
} from "./types.ts";

type Trx = Kysely<Database>;
type PendingEvent = [EventType, string, Record<string, unknown>];
interface QueuedWrite {
  opts: ActorOpt | undefined;
  fn: (w: Write) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}
type BrokenAt = Extract<AuditVerification, { intact: false }>["firstBroken"];
/** Most writes committed together in one transaction. */
const MAX_GROUP = 500;

/** Who did it, when the caller does not say: `ABUSE_DESK_ACTOR`, else the OS user. */
export function defaultActor(): string {
  if (process.env.ABUSE_DESK_ACTOR) return process.env.ABUSE_DESK_ACTOR;
  try {
    return userInfo().username || "abuse-desk";
  } catch {
    return "abuse-desk";
  }
}

/** PostgreSQL returns bigint as text; SQLite may return bigint for large integers. */
function num(v: number | string | bigint | null | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}

function parseJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

/** Data as it will read back: JSON-clean (undefined dropped, dates as text). */
function clean(data: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(canonicalJson(data)) as Record<string, unknown>;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === "23505" || e?.code === "SQLITE_CONSTRAINT_UNIQUE" || e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

function rowToCase(r: Selectable<CasesTable>): Case {
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
    noticeCount: num(r.notice_count),
    receivedAt: r.received_at,
    lastNoticeAt: r.last_notice_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    resolution: r.resolution,
  };
}

function caseToRow(c: Case): CasesTable {
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
    notice_count: c.noticeCount,
    received_at: c.receivedAt,
    last_notice_at: c.lastNoticeAt,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    closed_at: c.closedAt,
    resolution: c.resolution,
  };
}

function rowToNotice(r: Selectable<NoticesTable>): StoredNotice {
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

function rowToEvent(r: Selectable<TimelineTable>): TimelineEvent {
  return { id: num(r.id), caseId: r.case_id, at: r.at, actor: r.actor, type: r.type as EventType, summary: r.summary, data: JSON.parse(r.data) as Record<string, unknown> };
}

function rowToEvidence(r: Selectable<EvidenceTable>): Evidence {
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

function rowToEntry(r: Selectable<JournalTable>): JournalEntry {
  const e: JournalEntry = { seq: num(r.seq), planId: r.plan_id, stepId: r.step_id, phase: r.phase as JournalPhase, at: r.at, actor: r.actor };
  if (r.before_json !== null) e.before = parseJson(r.before_json);
  if (r.after_json !== null) e.after = parseJson(r.after_json);
  if (r.error !== null) e.error = r.error;
  if (r.detail_json !== null) e.detail = parseJson(r.detail_json);
  return e;
}

function rowToAudit(r: Selectable<AuditTable>): AuditEntry {
  return { seq: num(r.seq), at: r.at, actor: r.actor, action: r.action, caseId: r.case_id, data: JSON.parse(r.data) as Record<string, unknown>, prevHash: r.prev_hash, hash: r.hash };
}

/** A cursor for keyset paging: the (deadline, id) of the last case on the page. */
function encodeCursor(c: Case): string {
  return Buffer.from(JSON.stringify([c.deadline.at, c.id])).toString("base64url");
}

function decodeCursor(s: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string") return [v[0], v[1]];
  } catch {
    // fall through to the error
  }
  throw new UserError(`not a page cursor: ${s}`, { exitCode: 64, hint: "pass the `next` value a previous page printed" });
}

const JOURNAL_EVENTS: Partial<Record<JournalPhase, { type: EventType; verb: string }>> = {
  done: { type: "step-applied", verb: "applied" },
  failed: { type: "step-failed", verb: "failed" },
  skipped: { type: "step-skipped", verb: "skipped (already in the wanted state)" },
  "rolled-back": { type: "step-rolled-back", verb: "rolled back" },
  "rollback-failed": { type: "step-failed", verb: "failed to roll back" },
  override: { type: "plan", verb: "applied despite the verdict" },
};

/** Audit entries waiting to be chained: appended, in order, just before the transaction commits. */
class ChainBuffer {
  private readonly pending: Omit<AuditEntry, "seq" | "prevHash" | "hash">[] = [];

  add(e: Omit<AuditEntry, "seq" | "prevHash" | "hash">): void {
    this.pending.push(e);
  }

  /** Appends the pending entries to the chain. The caller holds the write lock, so the head cannot move. */
  async flush(trx: Trx): Promise<void> {
    if (this.pending.length === 0) return;
    const head = await trx.selectFrom("audit_log").select(["seq", "hash"]).orderBy("seq", "desc").limit(1).executeTakeFirst();
    let seq = head ? num(head.seq) : 0;
    let prev = head?.hash ?? GENESIS;
    const rows: AuditTable[] = [];
    for (const p of this.pending) {
      const e = chainEntry(prev, { ...p, seq: ++seq });
      rows.push({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, case_id: e.caseId, data: canonicalJson(e.data), prev_hash: e.prevHash, hash: e.hash });
      prev = e.hash;
    }
    // Chunked: SQLite allows a limited number of bound parameters per statement.
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto("audit_log").values(rows.slice(i, i + 500)).execute();
    this.pending.length = 0;
  }
}

/** One write: the transaction, its time and actor, the timeline events and audit entries it adds. */
class Write {
  readonly at: string;
  constructor(
    readonly trx: Trx,
    readonly actor: string,
    now: Date,
    private readonly chain: ChainBuffer,
  ) {
    this.at = iso(now);
  }

  audit(action: string, caseId: string | null, data: Record<string, unknown>): void {
    this.chain.add({ at: this.at, actor: this.actor, action, caseId, data: clean(data) });
  }

  async event(caseId: string, type: EventType, summary: string, data: Record<string, unknown> = {}): Promise<TimelineEvent> {
    const d = clean(data);
    const row = await this.trx
      .insertInto("timeline")
      .values({ case_id: caseId, at: this.at, actor: this.actor, type, summary, data: JSON.stringify(d) })
      .returning("id")
      .executeTakeFirstOrThrow();
    const ev: TimelineEvent = { id: num(row.id), caseId, at: this.at, actor: this.actor, type, summary, data: d };
    this.audit(`timeline.${type}`, caseId, { eventId: ev.id, summary, data: d });
    return ev;
  }
}

export class SqlCaseStore implements CaseStore {
  constructor(private readonly conn: Connection) {}

  get dialect(): "sqlite" | "postgres" {
    return this.conn.dialect;
  }
  get location(): string {
    return this.conn.location;
  }
  /** The Kysely instance (benchmarks and tests that need to go behind the store's back). */
  get db(): Kysely<Database> {
    return this.conn.db;
  }

  /** A write as the store makes them (grouped, durable on return); benchmarks measure their baselines with it. */
  writeTx<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.write(undefined, (w) => fn(w.trx));
  }

  private readonly queue: QueuedWrite[] = [];
  private draining = false;

  /**
   * Every change goes through here. Writes that arrive while a transaction is committing wait
   * and then commit together (group commit): one transaction, one fsync and one audit append for
   * many writes under load; each promise resolves only once its write is durable. If any write
   * of a group fails, the group is rolled back and its writes run again one transaction each, so
   * every write still succeeds or fails on its own.
   */
  private write<T>(opts: ActorOpt | undefined, fn: (w: Write) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ opts, fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // Let the callers the last commit woke up queue their next writes first, so they join
        // this group rather than trickle in one per transaction.
        await new Promise<void>((r) => setImmediate(r));
        const batch = this.queue.splice(0, MAX_GROUP);
        try {
          const values = await this.commitGroup(batch);
          batch.forEach((op, i) => op.resolve(values[i]));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          for (const op of batch) {
            try {
              op.resolve((await this.commitGroup([op]))[0]);
            } catch (err) {
              op.reject(err);
            }
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private commitGroup(batch: QueuedWrite[]): Promise<unknown[]> {
    return this.conn.writeTx(async (trx) => {
      const chain = new ChainBuffer();
      const values: unknown[] = [];
      for (const op of batch) values.push(await op.fn(new Write(trx, op.opts?.actor ?? defaultActor(), op.opts?.now ?? new Date(), chain)));
      await chain.flush(trx);
      return values;
    });
  }

  // ---------------------------------------------------------------- intake

  async intake(input: IntakeInput): Promise<IntakeResult> {
    const { notice, verdict } = input;
    let rawSha256: string;
    if (Buffer.isBuffer(input.raw)) rawSha256 = sha256Hex(input.raw);
    else if (/^[0-9a-f]{64}$/i.test(input.raw.sha256)) rawSha256 = input.raw.sha256.toLowerCase();
    else throw new UserError("intake: raw.sha256 must be a SHA-256 in hex", { exitCode: 65 });
    const messageId = normalizeMessageId(notice.messageId);
    const key = dedupeKey(messageId, rawSha256);
    const now = input.now ?? new Date();
    // Writers are serialised (BEGIN IMMEDIATE / advisory lock), so the duplicate check inside the
    // transaction is exact; the unique index on dedupe_key is the guarantee behind it. Should an
    // insert still collide (a writer that bypassed the lock), the retry finds the stored notice.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.write({ actor: input.actor, now }, (w) => this.intakeTx(w, notice, verdict, rawSha256, messageId, key, now));
      } catch (err) {
        if (attempt < 3 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  private async intakeTx(w: Write, notice: Notice, verdict: Verdict, rawSha256: string, messageId: string | null, key: string, now: Date): Promise<IntakeResult> {
    const { trx } = w;
    const existing = await trx.selectFrom("notices").selectAll().where("dedupe_key", "=", key).executeTakeFirst();
    if (existing) {
      const c = await this.caseIn(trx, existing.case_id);
      return { case: c!, notice: rowToNotice(existing), created: false, duplicate: true, joinedBy: existing.joined_by as JoinReason };
    }
    const received = receiptTime(notice, now);
    const match = await this.findCase(trx, notice, received, verdict.verdict);
    let c: Case;
    let joinedBy: JoinReason;
    let consequences: PendingEvent[] = [];
    if (match.caseId === null) {
      c = await this.createCase(w, notice, verdict.verdict, received, now, match.needsLinking);
      joinedBy = match.needsLinking ? "new-needs-linking" : "new";
    } else {
      ({ case: c, events: consequences } = await this.joinCase(w, match.caseId, notice, verdict.verdict, received, now, match.reason));
      joinedBy = match.reason;
    }
    const created = match.caseId === null;
    const inserted = await trx
      .insertInto("notices")
      .values({
        case_id: c.id,
        dedupe_key: key,
        message_id: messageId,
        raw_sha256: rawSha256,
        kind: notice.kind,
        activity_type: notice.activityType,
        case_number: notice.caseNumber,
        subject: notice.subject,
        received_at: received,
        stored_at: w.at,
        verdict: verdict.verdict,
        joined_by: joinedBy,
        notice_json: JSON.stringify(notice),
        verdict_json: JSON.stringify(verdict),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.insertRefs(trx, c.id, notice);
    const stored = rowToNotice(inserted);
    const how: Record<JoinReason, string> = {
      new: "opened the case",
      "new-needs-linking": "opened the case (a follow-up that matched no case: link it)",
      "case-number": `joined by AWS case number ${notice.caseNumber ?? ""}`.trim(),
      resources: "joined by account, resource and activity",
      "only-open-case": "joined the only open case it could belong to",
      manual: "linked by hand",
    };
    await w.event(c.id, "notice-received", `${kindWords(notice.kind)} received (${notice.activityType}${notice.caseNumber ? `, AWS case ${notice.caseNumber}` : ""}): ${how[joinedBy]}`, {
      noticeId: stored.id,
      kind: notice.kind,
      activityType: notice.activityType,
      caseNumber: notice.caseNumber,
      messageId,
      rawSha256,
      subject: notice.subject,
      receivedAt: received,
      joinedBy,
      noticeSha256: sha256Hex(inserted.notice_json),
    });
    const reasons = verdict.reasons.filter((r) => r.severity === "fail" || r.severity === "warn").map((r) => r.message);
    await w.event(c.id, "verdict", `Verdict: ${verdict.verdict}${reasons.length ? ` (${reasons.slice(0, 2).join("; ")})` : ""}`, {
      noticeId: stored.id,
      verdict: verdict.verdict,
      reasons: verdict.reasons.map((r) => ({ code: r.code, severity: r.severity })),
    });
    // What the notice changed (status, deadline, severity) follows its arrival on the timeline.
    for (const [type, summary, data] of consequences) await w.event(c.id, type, summary, data);
    return { case: c, notice: stored, created, duplicate: false, joinedBy };
  }

  /** Which case a new notice belongs to: case number first, then account + resource + activity in the window, then the only open case. */
  private async findCase(
    trx: Trx,
    notice: Notice,
    received: string,
    verdict: VerdictLevel,
  ): Promise<{ caseId: string; reason: JoinReason; needsLinking: false } | { caseId: null; needsLinking: boolean }> {
    if (notice.caseNumber) {
      const hit = await trx
        .selectFrom("case_refs as r")
        .innerJoin("cases as c", "c.id", "r.case_id")
        .select("c.id")
        .where("r.kind", "=", "aws-case")
        .where("r.value", "=", caseNumberKey(notice.caseNumber))
        .orderBy("c.last_notice_at", "desc")
        .orderBy("c.id", "desc")
        .limit(1)
        .executeTakeFirst();
      if (hit) return { caseId: hit.id, reason: "case-number", needsLinking: false };
    }
    const resources = noticeResources(notice).map((r) => r.toLowerCase());
    if (resources.length > 0) {
      // Within the window of the case's span of notices, on either side (a backlog may be processed late).
      const since = iso(new Date(received).getTime() - JOIN_WINDOW_MS);
      const until = iso(new Date(received).getTime() + JOIN_WINDOW_MS);
      const candidates = await trx
        .selectFrom("cases")
        .selectAll()
        .where("id", "in", (eb) => eb.selectFrom("case_refs").select("case_id").where("kind", "=", "resource").where("value", "in", resources))
        .where("last_notice_at", ">=", since)
        .where("received_at", "<=", until)
        .orderBy("last_notice_at", "desc")
        .orderBy("id", "desc")
        .limit(50)
        .execute();
      for (const row of candidates) {
        const c = rowToCase(row);
        const sameActivity = c.activityType === notice.activityType || c.activityType === "other" || notice.activityType === "other";
        const sameAccount = notice.accountIds.length === 0 || c.accountIds.length === 0 || notice.accountIds.some((a) => c.accountIds.includes(a));
        if (sameActivity && sameAccount) return { caseId: c.id, reason: "resources", needsLinking: false };
      }
    }
    if (FOLLOW_UP_KINDS.includes(notice.kind)) {
      // A follow-up that names nothing we know: the most recent open case, only when it is the
      // one case it could be (same account and activity when the notice names them).
      if (!canMoveCase(verdict)) return { caseId: null, needsLinking: true };
      let q = trx.selectFrom("cases").select("id").where("is_open", "=", 1);
      if (notice.accountIds.length > 0) {
        q = q.where("id", "in", (eb) => eb.selectFrom("case_refs").select("case_id").where("kind", "=", "account").where("value", "in", notice.accountIds));
      }
      if (notice.activityType !== "other") q = q.where("activity_type", "in", [notice.activityType, "other"]);
      const open = await q.orderBy("last_notice_at", "desc").limit(2).execute();
      if (open.length === 1) return { caseId: open[0]!.id, reason: "only-open-case", needsLinking: false };
      return { caseId: null, needsLinking: true };
    }
    return { caseId: null, needsLinking: false };
  }

  private async nextCaseId(trx: Trx, now: Date): Promise<string> {
    const year = now.getUTCFullYear();
    // Upsert + RETURNING under the write lock: two processes can never draw the same number.
    const row = await trx
      .insertInto("case_counters")
      .values({ year, last: 1 })
      .onConflict((oc) => oc.column("year").doUpdateSet((eb) => ({ last: eb("case_counters.last", "+", 1) })))
      .returning("last")
      .executeTakeFirstOrThrow();
    return formatCaseId(year, num(row.last));
  }

  private async createCase(w: Write, notice: Notice, verdict: VerdictLevel, received: string, now: Date, needsLinking: boolean): Promise<Case> {
    const id = await this.nextCaseId(w.trx, now);
    const c: Case = {
      id,
      status: "new",
      statusBeforeClose: null,
      severity: deriveSeverity(notice.activityType, verdict, [notice.kind]),
      severitySource: "derived",
      activityType: notice.activityType,
      awsCaseNumber: notice.caseNumber,
      accountId: notice.accountIds[0] ?? null,
      accountIds: union([], notice.accountIds),
      resources: noticeResources(notice),
      regions: union([], notice.regions),
      verdict,
      subject: notice.subject,
      assignee: null,
      deadline: noticeDeadline(notice, now),
      needsLinking,
      noticeCount: 1,
      receivedAt: received,
      lastNoticeAt: received,
      createdAt: w.at,
      updatedAt: w.at,
      closedAt: null,
      resolution: null,
    };
    await w.trx.insertInto("cases").values(caseToRow(c)).execute();
    w.audit("case.created", id, { case: caseAuditView(c) });
    return c;
  }

  private async joinCase(
    w: Write,
    caseId: string,
    notice: Notice,
    verdict: VerdictLevel,
    received: string,
    now: Date,
    reason: JoinReason,
  ): Promise<{ case: Case; events: PendingEvent[] }> {
    const before = (await this.caseIn(w.trx, caseId))!;
    const c: Case = {
      ...before,
      accountIds: union(before.accountIds, notice.accountIds),
      accountId: before.accountId ?? notice.accountIds[0] ?? null,
      resources: union(before.resources, noticeResources(notice)),
      regions: union(before.regions, notice.regions),
      verdict: mostTrusted(before.verdict, verdict),
      awsCaseNumber: before.awsCaseNumber ?? notice.caseNumber,
      subject: before.subject ?? notice.subject,
      activityType: before.activityType === "other" ? notice.activityType : before.activityType,
      noticeCount: before.noticeCount + 1,
      lastNoticeAt: received > before.lastNoticeAt ? received : before.lastNoticeAt,
      updatedAt: w.at,
    };
    const events: PendingEvent[] = [];
    if (canMoveCase(verdict)) {
      const reply = before.status === "replied" ? await this.replyBefore(w.trx, caseId, received) : null;
      if (notice.kind === "resolved") {
        if (c.status !== "resolved") {
          c.statusBeforeClose = isOpen(before.status) ? before.status : before.statusBeforeClose;
          c.status = "resolved";
          c.closedAt = w.at;
          c.resolution = "AWS reported the case resolved";
          events.push(["status", `Status ${before.status} -> resolved: AWS reported the case resolved`, { from: before.status, to: "resolved", reason: "aws-resolved" }]);
        }
      } else if (!isOpen(before.status)) {
        // AWS writing again about a closed case means it is not over: reopen, with the new demand's deadline.
        c.status = reopenStatus(before);
        c.closedAt = null;
        c.resolution = null;
        c.deadline = noticeDeadline(notice, now);
        events.push(["status", `Status ${before.status} -> ${c.status}: reopened by a new ${kindWords(notice.kind).toLowerCase()}`, { from: before.status, to: c.status, reason: "notice" }]);
      } else if (reply) {
        // AWS writing again after our reply ("we still see the activity") wants another answer:
        // the case goes back to where it was before the reply, with the new notice's deadline.
        c.status = reply.from;
        c.deadline = noticeDeadline(notice, now);
        events.push(["status", `Status replied -> ${c.status}: AWS wrote again after our reply (${kindWords(notice.kind).toLowerCase()})`, { from: "replied", to: c.status, reason: "notice-after-reply" }]);
      } else {
        c.deadline = joinedDeadline(before.deadline, notice, now);
      }
      if (c.deadline.at !== before.deadline.at) {
        events.push(["deadline", `Deadline ${c.deadline.at < before.deadline.at ? "shortened" : "set"} to ${c.deadline.at} by a ${kindWords(notice.kind).toLowerCase()}`, { from: before.deadline, to: c.deadline }]);
      }
      if (c.severitySource === "derived") {
        const kinds = (await w.trx.selectFrom("notices").select("kind").distinct().where("case_id", "=", caseId).execute()).map((r) => r.kind as NoticeKind);
        c.severity = deriveSeverity(c.activityType, c.verdict, [...kinds, notice.kind]);
        if (c.severity !== before.severity) events.push(["severity", `Severity ${before.severity} -> ${c.severity}`, { from: before.severity, to: c.severity, reason: "derived" }]);
      }
    }
    await this.updateCase(w.trx, c);
    w.audit("case.joined", caseId, { reason, before: caseAuditView(before), after: caseAuditView(c) });
    return { case: c, events };
  }

  /**
   * When the case's latest status change marked it replied before `received` (so a notice received
   * then was written after our reply, not a reminder that crossed it): the open status it had
   * before the reply (`triaged` when that was not an open status, as after a reopen).
   */
  private async replyBefore(trx: Trx, caseId: string, received: string): Promise<{ from: CaseStatus } | null> {
    const last = await trx.selectFrom("timeline").select(["at", "data"]).where("case_id", "=", caseId).where("type", "=", "status").orderBy("id", "desc").limit(1).executeTakeFirst();
    if (!last || !(received > last.at)) return null;
    const d = JSON.parse(last.data) as { from?: unknown; to?: unknown };
    if (d.to !== "replied") return null;
    const from = d.from as CaseStatus;
    return { from: isOpen(from) && from !== "replied" ? from : "triaged" };
  }

  private async insertRefs(trx: Trx, caseId: string, notice: Notice): Promise<void> {
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

  private async updateCase(trx: Trx, c: Case): Promise<void> {
    const { id: _id, ...row } = caseToRow(c);
    await trx.updateTable("cases").set(row).where("id", "=", c.id).execute();
  }

  private async caseIn(trx: Trx, id: string): Promise<Case | null> {
    const row = await trx.selectFrom("cases").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? rowToCase(row) : null;
  }

  private async caseForWrite(trx: Trx, id: string): Promise<Case> {
    const canonical = parseCaseId(id) ?? id;
    const c = await this.caseIn(trx, canonical);
    if (!c) throw unknownCase(id);
    return c;
  }

  // ---------------------------------------------------------------- reading cases

  async getCase(id: string): Promise<Case | null> {
    return this.caseIn(this.conn.db, parseCaseId(id) ?? id);
  }

  async requireCase(ref: string): Promise<Case> {
    const byId = await this.getCase(ref);
    if (byId) return byId;
    const hit = await this.conn.db
      .selectFrom("case_refs as r")
      .innerJoin("cases as c", "c.id", "r.case_id")
      .selectAll("c")
      .where("r.kind", "=", "aws-case")
      .where("r.value", "=", caseNumberKey(ref))
      .orderBy("c.last_notice_at", "desc")
      .limit(1)
      .executeTakeFirst();
    if (hit) return rowToCase(hit);
    throw unknownCase(ref);
  }

  async listCases(filter: CaseFilter = {}, page: { limit?: number; after?: string | null } = {}): Promise<Page<Case>> {
    const limit = Math.max(1, Math.min(page.limit ?? 50, 1000));
    let q = this.filtered(filter);
    if (filter.status && filter.status.length > 0) q = q.where("status", "in", filter.status);
    else if (!filter.all) q = q.where("is_open", "=", 1);
    if (page.after) {
      const [at, id] = decodeCursor(page.after);
      q = q.where((eb) => eb(eb.refTuple("deadline_at", "id"), ">", eb.tuple(at, id)));
    }
    const rows = await q
      .selectAll()
      .orderBy("deadline_at", "asc")
      .orderBy("id", "asc")
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(rowToCase);
    return { items, next: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null };
  }

  private filtered(filter: Omit<CaseFilter, "status" | "all">) {
    let q = this.conn.db.selectFrom("cases");
    if (filter.deadlineBefore) q = q.where("deadline_at", "<", iso(filter.deadlineBefore));
    if (filter.accountId) {
      const account = filter.accountId;
      q = q.where("id", "in", (eb) => eb.selectFrom("case_refs").select("case_id").where("kind", "=", "account").where("value", "=", account));
    }
    if (filter.activityType) q = q.where("activity_type", "=", filter.activityType);
    if (filter.assignee === null) q = q.where("assignee", "is", null);
    else if (filter.assignee !== undefined) q = q.where("assignee", "=", filter.assignee);
    if (filter.severity) q = q.where("severity", "=", filter.severity);
    if (filter.needsLinking !== undefined) q = q.where("needs_linking", "=", filter.needsLinking ? 1 : 0);
    return q;
  }

  async countByStatus(filter: Omit<CaseFilter, "status" | "all"> = {}): Promise<Record<CaseStatus, number>> {
    const rows = await this.filtered(filter)
      .select((eb) => ["status", eb.fn.countAll().as("n")])
      .groupBy("status")
      .execute();
    const out = Object.fromEntries(CASE_STATUSES.map((s) => [s, 0])) as Record<CaseStatus, number>;
    for (const r of rows) out[r.status as CaseStatus] = num(r.n as number | string);
    return out;
  }

  // ---------------------------------------------------------------- changing cases

  async setStatus(id: string, to: CaseStatus, opts: ActorOpt & { reason?: string } = {}): Promise<Case> {
    if (!CASE_STATUSES.includes(to)) throw new UserError(`unknown status ${to}; one of ${CASE_STATUSES.join(", ")}`, { exitCode: 64 });
    return this.write(opts, async (w) => {
      const before = await this.caseForWrite(w.trx, id);
      if (!checkTransition(before.id, before.status, to)) return before;
      const c: Case = { ...before, status: to, updatedAt: w.at };
      if (!isOpen(to)) {
        c.statusBeforeClose = isOpen(before.status) ? before.status : before.statusBeforeClose;
        c.closedAt = w.at;
        c.resolution = opts.reason ?? before.resolution ?? (to === "resolved" ? "resolved" : "closed");
      }
      await this.updateCase(w.trx, c);
      await w.event(c.id, "status", `Status ${before.status} -> ${to}${opts.reason ? `: ${opts.reason}` : ""}`, { from: before.status, to, reason: opts.reason });
      return c;
    });
  }

  async closeCase(id: string, opts: ActorOpt & { reason?: string } = {}): Promise<Case> {
    return this.setStatus(id, "closed", opts);
  }

  async reopenCase(id: string, opts: ActorOpt & { reason?: string } = {}): Promise<Case> {
    return this.write(opts, async (w) => {
      const before = await this.caseForWrite(w.trx, id);
      const to = reopenStatus(before);
      const c: Case = { ...before, status: to, closedAt: null, resolution: null, updatedAt: w.at };
      await this.updateCase(w.trx, c);
      await w.event(c.id, "status", `Status ${before.status} -> ${to}: reopened${opts.reason ? `: ${opts.reason}` : ""}`, { from: before.status, to, reason: opts.reason ?? "reopened" });
      return c;
    });
  }

  async assign(id: string, assignee: string | null, opts: ActorOpt = {}): Promise<Case> {
    const who = assignee?.trim() || null;
    return this.write(opts, async (w) => {
      const before = await this.caseForWrite(w.trx, id);
      if (before.assignee === who) return before;
      const c: Case = { ...before, assignee: who, updatedAt: w.at };
      await this.updateCase(w.trx, c);
      await w.event(c.id, "assignment", who ? `Assigned to ${who}${before.assignee ? ` (was ${before.assignee})` : ""}` : `Unassigned (was ${before.assignee})`, { from: before.assignee, to: who });
      return c;
    });
  }

  async addNote(id: string, text: string, opts: ActorOpt = {}): Promise<TimelineEvent> {
    const body = text.trim();
    if (body === "") throw new UserError("a note needs some text", { exitCode: 64 });
    return this.write(opts, async (w) => {
      const c = await this.caseForWrite(w.trx, id);
      await w.trx.updateTable("cases").set({ updated_at: w.at }).where("id", "=", c.id).execute();
      return w.event(c.id, "note", body, { text: body });
    });
  }

  async setSeverity(id: string, severity: Severity | "derived", opts: ActorOpt & { reason?: string } = {}): Promise<Case> {
    if (severity !== "derived" && !SEVERITIES.includes(severity)) {
      throw new UserError(`unknown severity ${String(severity)}; one of ${SEVERITIES.join(", ")}, or derived`, { exitCode: 64 });
    }
    return this.write(opts, async (w) => {
      const before = await this.caseForWrite(w.trx, id);
      const c: Case = { ...before, updatedAt: w.at };
      if (severity === "derived") {
        const kinds = (await w.trx.selectFrom("notices").select("kind").distinct().where("case_id", "=", c.id).execute()).map((r) => r.kind as NoticeKind);
        c.severity = deriveSeverity(c.activityType, c.verdict, kinds);
        c.severitySource = "derived";
      } else {
        c.severity = severity;
        c.severitySource = "manual";
      }
      if (c.severity === before.severity && c.severitySource === before.severitySource) return before;
      await this.updateCase(w.trx, c);
      await w.event(c.id, "severity", `Severity ${before.severity} -> ${c.severity} (${c.severitySource})${opts.reason ? `: ${opts.reason}` : ""}`, {
        from: before.severity,
        to: c.severity,
        source: c.severitySource,
        reason: opts.reason,
      });
      return c;
    });
  }

  async setDeadline(id: string, at: string, opts: ActorOpt & { reason: string }): Promise<Case> {
    if (!opts?.reason?.trim()) throw new UserError("changing a deadline by hand needs a reason (AWS granted more time...)", { exitCode: 64 });
    const when = iso(at);
    return this.write(opts, async (w) => {
      const before = await this.caseForWrite(w.trx, id);
      const c: Case = { ...before, deadline: { at: when, basis: "manual", text: opts.reason }, updatedAt: w.at };
      await this.updateCase(w.trx, c);
      await w.event(c.id, "deadline", `Deadline ${before.deadline.at} -> ${when}: ${opts.reason}`, { from: before.deadline, to: c.deadline });
      return c;
    });
  }

  async linkCase(fromId: string, intoId: string, opts: ActorOpt = {}): Promise<Case> {
    return this.write(opts, async (w) => {
      const from = await this.caseForWrite(w.trx, fromId);
      const into = await this.caseForWrite(w.trx, intoId);
      if (from.id === into.id) throw new UserError(`cannot link ${from.id} into itself`, { exitCode: 64 });
      const moved = (await w.trx.selectFrom("notices").selectAll().where("case_id", "=", from.id).orderBy("id", "asc").execute()).map(rowToNotice);
      if (moved.length === 0) throw new UserError(`case ${from.id} has no notices to link (it was linked already?)`, { exitCode: 65 });
      const now = new Date(w.at);
      // The receiving case takes the notices as if they had joined it on arrival.
      const c: Case = { ...into, updatedAt: w.at };
      for (const n of moved) {
        c.accountIds = union(c.accountIds, n.notice.accountIds);
        c.accountId = c.accountId ?? n.notice.accountIds[0] ?? null;
        c.resources = union(c.resources, noticeResources(n.notice));
        c.regions = union(c.regions, n.notice.regions);
        c.verdict = mostTrusted(c.verdict, n.verdict);
        c.awsCaseNumber = c.awsCaseNumber ?? n.caseNumber;
        if (n.receivedAt > c.lastNoticeAt) c.lastNoticeAt = n.receivedAt;
        if (canMoveCase(n.verdict) && isOpen(c.status)) c.deadline = joinedDeadline(c.deadline, n.notice, now);
      }
      c.noticeCount = into.noticeCount + moved.length;
      if (c.severitySource === "derived") {
        const kinds = (await w.trx.selectFrom("notices").select("kind").distinct().where("case_id", "in", [from.id, into.id]).execute()).map((r) => r.kind as NoticeKind);
        c.severity = deriveSeverity(c.activityType, c.verdict, kinds);
      }
      await w.trx.updateTable("notices").set({ case_id: into.id, joined_by: "manual" }).where("case_id", "=", from.id).execute();
      for (const n of moved) await this.insertRefs(w.trx, into.id, n.notice);
      await w.trx.deleteFrom("case_refs").where("case_id", "=", from.id).execute();
      await this.updateCase(w.trx, c);
      const closedFrom: Case = {
        ...from,
        status: "closed",
        statusBeforeClose: isOpen(from.status) ? from.status : from.statusBeforeClose,
        closedAt: from.closedAt ?? w.at,
        resolution: `linked into ${into.id}`,
        needsLinking: false,
        noticeCount: 0,
        updatedAt: w.at,
      };
      await this.updateCase(w.trx, closedFrom);
      const ids = moved.map((n) => n.id);
      await w.event(from.id, "linked", `Linked into ${into.id}: its ${moved.length === 1 ? "notice belongs" : `${moved.length} notices belong`} there`, { into: into.id, noticeIds: ids });
      await w.event(into.id, "linked", `${from.id} linked here (${moved.length} notice${moved.length === 1 ? "" : "s"})`, { from: from.id, noticeIds: ids });
      if (c.deadline.at !== into.deadline.at) await w.event(into.id, "deadline", `Deadline shortened to ${c.deadline.at} by a linked notice`, { from: into.deadline, to: c.deadline });
      w.audit("case.linked", into.id, { from: from.id, into: into.id, noticeIds: ids, after: caseAuditView(c) });
      return c;
    });
  }

  // ---------------------------------------------------------------- timeline and evidence

  async recordEvent(caseId: string, type: EventType, summary: string, data: Record<string, unknown> = {}, opts: ActorOpt = {}): Promise<TimelineEvent> {
    if (!EVENT_TYPES.includes(type)) throw new UserError(`unknown event type ${type}`, { exitCode: 64 });
    if (summary.trim() === "") throw new UserError("an event needs a summary", { exitCode: 64 });
    return this.write(opts, async (w) => {
      const c = await this.caseForWrite(w.trx, caseId);
      await w.trx.updateTable("cases").set({ updated_at: w.at }).where("id", "=", c.id).execute();
      return w.event(c.id, type, summary.trim(), data);
    });
  }

  async timeline(caseId: string): Promise<TimelineEvent[]> {
    const id = parseCaseId(caseId) ?? caseId;
    const rows = await this.conn.db.selectFrom("timeline").selectAll().where("case_id", "=", id).orderBy("id", "asc").execute();
    return rows.map(rowToEvent);
  }

  async notices(caseId: string): Promise<StoredNotice[]> {
    const id = parseCaseId(caseId) ?? caseId;
    const rows = await this.conn.db.selectFrom("notices").selectAll().where("case_id", "=", id).orderBy("id", "asc").execute();
    return rows.map(rowToNotice);
  }

  async addEvidence(caseId: string, input: EvidenceInput): Promise<Evidence> {
    if (!input.label?.trim()) throw new UserError("evidence needs a label", { exitCode: 64 });
    if (!input.source?.trim()) throw new UserError("evidence needs a source (where it came from)", { exitCode: 64 });
    let content: string | null = null;
    let encoding: Evidence["encoding"] = null;
    let sha256: string;
    let size: number | null = input.size ?? null;
    if (input.content !== undefined) {
      const bytes = Buffer.isBuffer(input.content) ? input.content : Buffer.from(input.content, "utf8");
      sha256 = sha256Hex(bytes);
      if (input.sha256 && input.sha256.toLowerCase() !== sha256) {
        throw new UserError(`evidence ${input.label}: the given SHA-256 does not match its content (${sha256})`, { exitCode: 65 });
      }
      size = bytes.length;
      content = Buffer.isBuffer(input.content) ? bytes.toString("base64") : input.content;
      encoding = Buffer.isBuffer(input.content) ? "base64" : "utf8";
    } else if (input.path) {
      if (input.sha256) {
        if (!/^[0-9a-f]{64}$/i.test(input.sha256)) throw new UserError(`evidence ${input.label}: sha256 must be 64 hex digits`, { exitCode: 65 });
        sha256 = input.sha256.toLowerCase();
      } else {
        const h = await hashFile(input.path).catch((err: NodeJS.ErrnoException) => {
          throw new UserError(`evidence ${input.label}: cannot read ${input.path} to hash it (${err.code ?? err.message})`, {
            exitCode: 66,
            hint: "give its sha256 when the artifact is not a local file",
          });
        });
        sha256 = h.sha256;
        size = h.size;
      }
    } else {
      throw new UserError(`evidence ${input.label}: give its content or its path`, { exitCode: 64 });
    }
    const collectedAt = input.collectedAt ? iso(input.collectedAt) : undefined;
    return this.write({ actor: input.actor }, async (w) => {
      const c = await this.caseForWrite(w.trx, caseId);
      const row = await w.trx
        .insertInto("evidence")
        .values({
          case_id: c.id,
          label: input.label.trim(),
          path: input.path ?? null,
          content,
          encoding,
          sha256,
          size,
          source: input.source.trim(),
          collected_at: collectedAt ?? w.at,
          recorded_at: w.at,
          actor: w.actor,
          plan_id: input.planId ?? null,
          step_id: input.stepId ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const ev = rowToEvidence(row);
      await w.event(c.id, "evidence", `Evidence: ${ev.label} (sha256 ${sha256.slice(0, 12)}..., from ${ev.source})`, {
        evidenceId: ev.id,
        label: ev.label,
        path: ev.path,
        sha256,
        size,
        source: ev.source,
        collectedAt: ev.collectedAt,
        planId: ev.planId,
        stepId: ev.stepId,
      });
      return ev;
    });
  }

  async evidence(caseId: string): Promise<Evidence[]> {
    const id = parseCaseId(caseId) ?? caseId;
    const rows = await this.conn.db.selectFrom("evidence").selectAll().where("case_id", "=", id).orderBy("id", "asc").execute();
    return rows.map(rowToEvidence);
  }

  // ---------------------------------------------------------------- plans and the journal (JournalStore)

  async savePlan(plan: Plan): Promise<void> {
    if (!plan?.id) throw new UserError("a plan needs an id", { exitCode: 65 });
    const json = JSON.stringify(plan);
    await this.write(undefined, async (w) => {
      const existing = await w.trx.selectFrom("plans").select(["plan_json"]).where("id", "=", plan.id).executeTakeFirst();
      if (existing) {
        if (canonicalJson(JSON.parse(existing.plan_json)) === canonicalJson(JSON.parse(json))) return;
        const used = await w.trx.selectFrom("journal").select("seq").where("plan_id", "=", plan.id).limit(1).executeTakeFirst();
        if (used) {
          throw new UserError(`plan ${plan.id} already has journal entries; a changed plan must be saved under a new id`, { exitCode: 65 });
        }
        await w.trx.updateTable("plans").set({ plan_json: json, case_id: plan.caseId, playbook: plan.playbook, saved_at: w.at }).where("id", "=", plan.id).execute();
      } else {
        await w.trx
          .insertInto("plans")
          .values({ id: plan.id, case_id: plan.caseId, created_at: iso(plan.createdAt ?? w.at), saved_at: w.at, playbook: plan.playbook, plan_json: json })
          .execute();
      }
      w.audit("plan.saved", plan.caseId, { planId: plan.id, playbook: plan.playbook, steps: plan.steps.length, sha256: sha256Hex(canonicalJson(JSON.parse(json))), replaced: !!existing });
      if (plan.caseId && (await this.caseIn(w.trx, plan.caseId))) {
        const summary = `Plan ${plan.id} (${plan.playbook}): ${plan.steps.length} step${plan.steps.length === 1 ? "" : "s"}${plan.refused.length ? `, ${plan.refused.length} refused` : ""}${existing ? " (revised)" : ""}`;
        await w.event(plan.caseId, "plan", summary, { planId: plan.id, playbook: plan.playbook, steps: plan.steps.map((s) => s.id), refused: plan.refused, summary: plan.summary });
      }
    });
  }

  async getPlan(planId: string): Promise<Plan | null> {
    const row = await this.conn.db.selectFrom("plans").select("plan_json").where("id", "=", planId).executeTakeFirst();
    return row ? (JSON.parse(row.plan_json) as Plan) : null;
  }

  async plansForCase(caseId: string): Promise<Plan[]> {
    const id = parseCaseId(caseId) ?? caseId;
    const rows = await this.conn.db.selectFrom("plans").select("plan_json").where("case_id", "=", id).orderBy("created_at", "asc").orderBy("id", "asc").execute();
    return rows.map((r) => JSON.parse(r.plan_json) as Plan);
  }

  async append(entry: Omit<JournalEntry, "seq" | "at"> & { at?: string }): Promise<JournalEntry> {
    return this.write({ actor: entry.actor }, async (w) => {
      const plan = await w.trx.selectFrom("plans").select(["case_id", "plan_json"]).where("id", "=", entry.planId).executeTakeFirst();
      if (!plan) throw new UserError(`journal: no plan ${entry.planId} in the store (save the plan before journalling its steps)`, { exitCode: 65 });
      const at = entry.at ? iso(entry.at) : w.at;
      const row = await w.trx
        .insertInto("journal")
        .values({
          plan_id: entry.planId,
          step_id: entry.stepId ?? null,
          phase: entry.phase,
          at,
          actor: entry.actor,
          before_json: entry.before === undefined ? null : JSON.stringify(entry.before),
          after_json: entry.after === undefined ? null : JSON.stringify(entry.after),
          error: entry.error ?? null,
          detail_json: entry.detail === undefined ? null : JSON.stringify(entry.detail),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const stored = rowToEntry(row);
      w.audit("journal.append", plan.case_id, { entry: stored });
      const ev = JOURNAL_EVENTS[entry.phase];
      if (ev && plan.case_id && (await this.caseIn(w.trx, plan.case_id))) {
        const step = entry.stepId ? (JSON.parse(plan.plan_json) as Plan).steps?.find((s) => s.id === entry.stepId) : undefined;
        const what = step ? `${step.action} on ${step.target.id}` : (entry.stepId ?? `plan ${entry.planId}`);
        const reason = entry.phase === "override" ? `: ${String(entry.detail?.reason ?? "no reason given")}` : entry.error ? `: ${entry.error}` : "";
        await w.event(plan.case_id, ev.type, `${entry.stepId ? `Step ${entry.stepId} (${what})` : `Plan ${entry.planId}`} ${ev.verb}${reason}`, {
          planId: entry.planId,
          stepId: entry.stepId,
          journalSeq: stored.seq,
          phase: entry.phase,
        });
      }
      return stored;
    });
  }

  async entries(planId: string): Promise<JournalEntry[]> {
    const rows = await this.conn.db.selectFrom("journal").selectAll().where("plan_id", "=", planId).orderBy("seq", "asc").execute();
    return rows.map(rowToEntry);
  }

  // ---------------------------------------------------------------- audit

  /** Appends entries to the audit chain in one transaction (what the store's own writes do). */
  async auditAppend(entries: { action: string; caseId?: string | null; data: Record<string, unknown> }[], opts: ActorOpt = {}): Promise<void> {
    await this.write(opts, async (w) => {
      for (const e of entries) w.audit(e.action, e.caseId ?? null, e.data);
    });
  }

  async auditEntries(opts: { caseId?: string; afterSeq?: number; limit?: number } = {}): Promise<AuditEntry[]> {
    let q = this.conn.db.selectFrom("audit_log").selectAll();
    if (opts.caseId) q = q.where("case_id", "=", parseCaseId(opts.caseId) ?? opts.caseId);
    if (opts.afterSeq !== undefined) q = q.where("seq", ">", opts.afterSeq);
    const rows = await q
      .orderBy("seq", "asc")
      .limit(opts.limit ?? 1000)
      .execute();
    return rows.map(rowToAudit);
  }

  async auditVerify(opts: { batch?: number; anchor?: { seq: number; hash: string }; deep?: boolean } = {}): Promise<AuditVerification> {
    const batch = opts.batch ?? 5000;
    let cursor: ChainCursor = CHAIN_START;
    let count = 0;
    let anchorSeen = false;
    // With `deep`: what the chain says each timeline event and journal entry was (a digest, by id).
    const vouched = { timeline: new Map<number, { seq: number; digest: string }>(), journal: new Map<number, { seq: number; digest: string }>() };
    for (;;) {
      const rows = await this.conn.db
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
      const broken = await this.checkRecords(table, vouched[table], records, batch);
      if (broken) return { intact: false, entries: count, firstBroken: broken, head, records };
    }
    return { intact: true, entries: count, head, records };
  }

  /** Compares a table's rows with the digests the chain vouches for: changed, added behind its back, or deleted. */
  private async checkRecords(
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
          ? (await this.conn.db.selectFrom("timeline").selectAll().where("id", ">", after).orderBy("id", "asc").limit(batch).execute()).map((r) => ({
              id: num(r.id),
              digest: timelineDigest(r.case_id, r.at, r.actor, r.type, r.summary, JSON.parse(r.data)),
            }))
          : (await this.conn.db.selectFrom("journal").selectAll().where("seq", ">", after).orderBy("seq", "asc").limit(batch).execute()).map((r) => {
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

  async destroy(): Promise<void> {
    await this.conn.db.destroy();
  }
}

function timelineDigest(caseId: string | null, at: string, actor: string, type: string, summary: unknown, data: unknown): string {
  return sha256Hex(canonicalJson({ caseId, at, actor, type, summary, data: data ?? {} }));
}

function caseAuditView(c: Case): Record<string, unknown> {
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

function kindWords(kind: NoticeKind): string {
  const words: Record<NoticeKind, string> = {
    initial_report: "Abuse report",
    follow_up: "Follow-up",
    final_notification: "Final notification",
    resolved: "Resolution notice",
    credentials_exposed: "Exposed-credentials notice",
    account_compromise: "Account-compromise notice",
    ses_enforcement: "SES enforcement notice",
    health_event: "Health event",
  };
  return words[kind] ?? kind;
}

function unknownCase(ref: string): UserError {
  return new UserError(`no case ${ref}`, { exitCode: 66, hint: "case ids look like AD-2026-0001 (or give AWS's case number); `abuse-desk case list --all` lists them" });
}

async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const st = await stat(path);
  if (!st.isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return { sha256: h.digest("hex"), size: st.size };
}
