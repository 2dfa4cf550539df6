/**
 * The case store over Kysely: the same code for SQLite and PostgreSQL. Every change runs in one
 * write transaction that also writes its timeline events and its audit entries, so a case, its
 * timeline and the audit chain never disagree, whatever process dies when.
 *
 * Where things are: this class (the `CaseStore` API, a section per concern), intake.ts (a notice:
 * dedupe, which case it joins, what it changes), writes.ts (group commit and the audit chain
 * append), rows.ts (rows to plain data), audit-verify.ts (checking the log), rules.ts (the rules
 * as pure functions), locks.ts (one apply or rollback of a plan at a time), journal.ts (a journal
 * entry's append), read.ts (a case with all its records), db/ (connection and migrations).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { UserError } from "../errors.ts";
import type { JournalEntry, JournalPhase, JournalStore, Plan } from "../execute/types.ts";
import { canonicalJson } from "./audit.ts";
import { verifyAuditLog, type AuditVerifyOptions } from "./audit-verify.ts";
import type { Connection } from "./db/connect.ts";
import type { Database } from "./db/schema.ts";
import { Inbox } from "./inbox.ts";
import { intakeTx } from "./intake.ts";
import { linkTx } from "./link.ts";
import { appendTx } from "./journal.ts";
import { acquireJobLeaseTx, finishJobLeaseTx, jobLeasesQuery, plansWithPhaseQuery, renewJobLeaseTx, type JobLease, type JobLeaseOptions, type JobLeaseOutcome, type JobLeaseState } from "./leases.ts";
import { addressAt, addressHoldings, recordAddressesTx, type AddressAt, type AddressHolding, type AddressObservation } from "./address-history.ts";
import { readinessAccountRun, readinessLatest, readinessTrend, recordReadinessRunTx, type ReadinessAccountRun, type ReadinessAccountSummary, type ReadinessRetention, type RecordedReadinessRun } from "./readiness-runs.ts";
import type { ReadinessReport } from "../readiness/types.ts";
import { acquireTx, assertHeldTx, dbNow, PlanLockedError, releaseTx, renewTx, rowToLock, selfIdentity, takeoverReason, withPlanLock } from "./locks.ts";
import {
  caseNumberKey,
  checkTransition,
  dedupeKey,
  iso,
  isOpen,
  normalizeMessageId,
  parseCaseId,
  reopenStatus,
  sha256Hex,
} from "./rules.ts";
import {
  caseForWrite,
  caseIn,
  caseSeverity,
  decodeCursor,
  encodeCursor,
  num,
  rowToAudit,
  rowToCase,
  rowToEntry,
  rowToEvent,
  rowToEvidence,
  rowToNotice,
  unknownCase,
  updateCase,
} from "./rows.ts";
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
  type HeldPlanLock,
  type IntakeInput,
  type IntakeResult,
  type Page,
  type PlanLock,
  type PlanLockOptions,
  type ProcessIdentity,
  type Severity,
  type StoredNotice,
  type TimelineEvent,
} from "./types.ts";
import { WriteQueue, type Write } from "./writes.ts";
import { SqlUserStore, type UserStore } from "./users.ts";
import { attentionIn, type Attention } from "./attention.ts";
import { keepRawTx, readRaw, type NoticeRaw } from "./notice-raw.ts";
import { investigationsOf, recordInvestigationTx, type InvestigationInput, type StoredInvestigation } from "./investigations.ts";
import { checkItem, checklistOf, setChecklistItemTx } from "./checklist.ts";
import type { ChecklistItemState } from "../credentials/checklist.ts";

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === "23505" || e?.code === "SQLITE_CONSTRAINT_UNIQUE" || e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

export class SqlCaseStore implements CaseStore {
  private readonly writes: WriteQueue;

  constructor(private readonly conn: Connection) {
    this.writes = new WriteQueue(conn);
  }

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

  private inboxOf: Inbox | null = null;
  /** The service's inbox: arrivals and source cursors (inbox.ts). */
  inbox(opts: { maxBytes?: number } = {}): Inbox {
    if (!this.inboxOf || opts.maxBytes !== undefined) this.inboxOf = new Inbox(this.conn, opts);
    return this.inboxOf;
  }

  /** A write as the store makes them (grouped, durable on return); benchmarks measure their baselines with it. */
  writeTx<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.write(undefined, (w) => fn(w.trx));
  }

  /** The web desk's users and sessions (users.ts). */
  get users(): UserStore {
    return (this.userStore ??= new SqlUserStore(this.conn.db, (opts, fn) => this.write(opts, fn)));
  }
  private userStore: UserStore | undefined;

  needsAttention(opts: { scan?: number } = {}): Promise<Attention> {
    return attentionIn(this.conn.db, opts);
  }

  private write<T>(opts: ActorOpt | undefined, fn: (w: Write) => Promise<T>): Promise<T> {
    return this.writes.write(opts, fn);
  }

  // ---------------------------------------------------------------- intake

  async intake(input: IntakeInput): Promise<IntakeResult> {
    const { notice, verdict } = input;
    let rawSha256: string;
    if (Buffer.isBuffer(input.raw)) rawSha256 = sha256Hex(input.raw);
    else if (/^[0-9a-f]{64}$/i.test(input.raw.sha256)) rawSha256 = input.raw.sha256.toLowerCase();
    else throw new UserError("intake: raw.sha256 must be a SHA-256 in hex", { exitCode: 65 });
    const messageId = normalizeMessageId(notice.messageId);
    const key = dedupeKey(messageId, rawSha256, notice);
    const now = input.now ?? new Date();
    // Writers are serialised (BEGIN IMMEDIATE / advisory lock), so the duplicate check inside the
    // transaction is exact; the unique index on dedupe_key is the guarantee behind it. Should an
    // insert still collide (a writer that bypassed the lock), the retry finds the stored notice.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.write({ actor: input.actor, now }, async (w) => {
          const r = await intakeTx(w, notice, verdict, rawSha256, messageId, key, now);
          // the bytes as received, kept with a new notice (notice-raw.ts)
          if (!r.duplicate && Buffer.isBuffer(input.raw)) await keepRawTx(w.trx, r.notice.id, input.raw, w.at);
          return r;
        });
      } catch (err) {
        if (attempt < 3 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  // ---------------------------------------------------------------- reading cases

  async getCase(id: string): Promise<Case | null> {
    return caseIn(this.conn.db, parseCaseId(id) ?? id);
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

  async listCases(filter: CaseFilter = {}, page: { limit?: number; after?: string | null; before?: string | null } = {}): Promise<Page<Case>> {
    const limit = Math.max(1, Math.min(page.limit ?? 50, 1000));
    let q = this.filtered(filter);
    if (filter.status && filter.status.length > 0) q = q.where("status", "in", filter.status);
    else if (!filter.all) q = q.where("is_open", "=", 1);
    if (page.before) {
      // The page before a cursor: the same index walked backwards (keyset), then put back in order.
      const [at, id] = decodeCursor(page.before);
      const back = await q
        .where((eb) => eb(eb.refTuple("deadline_at", "id"), "<", eb.tuple(at, id)))
        .selectAll()
        .orderBy("deadline_at", "desc")
        .orderBy("id", "desc")
        .limit(limit + 1)
        .execute();
      const items = back.slice(0, limit).reverse().map(rowToCase);
      return { items, next: items.length ? encodeCursor(items[items.length - 1]!) : null, prev: back.length > limit ? encodeCursor(items[0]!) : null };
    }
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
    // A page after a cursor has one before it (the cursor's own case, at least): say where it starts.
    return { items, next: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null, prev: page.after && items.length ? encodeCursor(items[0]!) : null };
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
    if (filter.verdict?.length) q = q.where("verdict", "in", filter.verdict);
    if (filter.refs) {
      const refs = filter.refs;
      if (refs.length === 0) return q.where(sql<boolean>`1 = 0`);
      q = q.where("id", "in", (eb) => eb.selectFrom("case_refs").select("case_id").where((r) => r.or(refs.map((x) => r.and([r("kind", "=", x.kind), r("value", "=", x.value)])))));
    }
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
      const before = await caseForWrite(w.trx, id);
      if (!checkTransition(before.id, before.status, to)) return before;
      const c: Case = { ...before, status: to, updatedAt: w.at };
      if (!isOpen(to)) {
        c.statusBeforeClose = isOpen(before.status) ? before.status : before.statusBeforeClose;
        c.closedAt = w.at;
        c.resolution = opts.reason ?? before.resolution ?? (to === "resolved" ? "resolved" : "closed");
      }
      await updateCase(w.trx, c);
      await w.event(c.id, "status", `Status ${before.status} -> ${to}${opts.reason ? `: ${opts.reason}` : ""}`, { from: before.status, to, reason: opts.reason });
      return c;
    });
  }

  async closeCase(id: string, opts: ActorOpt & { reason?: string } = {}): Promise<Case> {
    return this.setStatus(id, "closed", opts);
  }

  async reopenCase(id: string, opts: ActorOpt & { reason?: string } = {}): Promise<Case> {
    return this.write(opts, async (w) => {
      const before = await caseForWrite(w.trx, id);
      const to = reopenStatus(before);
      const c: Case = { ...before, status: to, closedAt: null, resolution: null, updatedAt: w.at };
      await updateCase(w.trx, c);
      await w.event(c.id, "status", `Status ${before.status} -> ${to}: reopened${opts.reason ? `: ${opts.reason}` : ""}`, { from: before.status, to, reason: opts.reason ?? "reopened" });
      return c;
    });
  }

  async assign(id: string, assignee: string | null, opts: ActorOpt = {}): Promise<Case> {
    const who = assignee?.trim() || null;
    return this.write(opts, async (w) => {
      const before = await caseForWrite(w.trx, id);
      if (before.assignee === who) return before;
      const c: Case = { ...before, assignee: who, updatedAt: w.at };
      await updateCase(w.trx, c);
      await w.event(c.id, "assignment", who ? `Assigned to ${who}${before.assignee ? ` (was ${before.assignee})` : ""}` : `Unassigned (was ${before.assignee})`, { from: before.assignee, to: who });
      return c;
    });
  }

  async addNote(id: string, text: string, opts: ActorOpt = {}): Promise<TimelineEvent> {
    const body = text.trim();
    if (body === "") throw new UserError("a note needs some text", { exitCode: 64 });
    return this.recordEvent(id, "note", body, { text: body }, opts);
  }

  async setSeverity(id: string, severity: Severity | "derived", opts: ActorOpt & { reason?: string } = {}): Promise<Case> {
    if (severity !== "derived" && !SEVERITIES.includes(severity)) {
      throw new UserError(`unknown severity ${String(severity)}; one of ${SEVERITIES.join(", ")}, or derived`, { exitCode: 64 });
    }
    return this.write(opts, async (w) => {
      const before = await caseForWrite(w.trx, id);
      const c: Case = { ...before, updatedAt: w.at };
      if (severity === "derived") {
        c.severity = await caseSeverity(w.trx, c, [c.id]);
        c.severitySource = "derived";
      } else {
        c.severity = severity;
        c.severitySource = "manual";
      }
      if (c.severity === before.severity && c.severitySource === before.severitySource) return before;
      await updateCase(w.trx, c);
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
      const before = await caseForWrite(w.trx, id);
      const c: Case = { ...before, deadline: { at: when, basis: "manual", text: opts.reason }, updatedAt: w.at };
      await updateCase(w.trx, c);
      await w.event(c.id, "deadline", `Deadline ${before.deadline.at} -> ${when}: ${opts.reason}`, { from: before.deadline, to: c.deadline });
      return c;
    });
  }

  async linkCase(fromId: string, intoId: string, opts: ActorOpt = {}): Promise<Case> {
    return this.write(opts, async (w) => linkTx(w, await caseForWrite(w.trx, fromId), await caseForWrite(w.trx, intoId), "manual"));
  }

  // ---------------------------------------------------------------- timeline and evidence

  async recordEvent(caseId: string, type: EventType, summary: string, data: Record<string, unknown> = {}, opts: ActorOpt = {}): Promise<TimelineEvent> {
    if (!EVENT_TYPES.includes(type)) throw new UserError(`unknown event type ${type}`, { exitCode: 64 });
    if (summary.trim() === "") throw new UserError("an event needs a summary", { exitCode: 64 });
    return this.write(opts, async (w) => {
      const c = await caseForWrite(w.trx, caseId);
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

  async noticeRaw(noticeId: number): Promise<NoticeRaw> {
    const n = await this.conn.db.selectFrom("notices").select("raw_sha256").where("id", "=", noticeId).executeTakeFirst();
    if (!n) throw new UserError(`there is no notice ${noticeId}`, { exitCode: 66 });
    return readRaw(this.conn.db, noticeId, n.raw_sha256);
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
      const c = await caseForWrite(w.trx, caseId);
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

  // ---------------------------------------------------------------- investigations (investigations.ts)

  async recordInvestigation(caseId: string, input: InvestigationInput, opts: ActorOpt = {}): Promise<StoredInvestigation> {
    return this.write(opts, (w) => recordInvestigationTx(w, caseId, input));
  }

  async investigations(caseId: string): Promise<StoredInvestigation[]> {
    return investigationsOf(this.conn.db, parseCaseId(caseId) ?? caseId);
  }

  // ---------------------------------------------------------------- the root checklist (checklist.ts)

  async checklist(caseId: string): Promise<ChecklistItemState[]> {
    return checklistOf(this.conn.db, parseCaseId(caseId) ?? caseId);
  }

  async setChecklistItem(caseId: string, item: string, state: "open" | "done", opts: ActorOpt = {}): Promise<{ changed: boolean; item: ChecklistItemState }> {
    checkItem(item);
    return this.write(opts, (w) => setChecklistItemTx(w, caseId, item, state));
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
      if (plan.caseId && (await caseIn(w.trx, plan.caseId))) {
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
    return this.write({ actor: entry.actor }, (w) => appendTx(w, entry));
  }

  async entries(planId: string): Promise<JournalEntry[]> {
    const rows = await this.conn.db.selectFrom("journal").selectAll().where("plan_id", "=", planId).orderBy("seq", "asc").execute();
    return rows.map(rowToEntry);
  }

  // ---------------------------------------------------------------- plan locks (locks.ts)

  async acquirePlanLock(planId: string, opts: PlanLockOptions): Promise<HeldPlanLock> {
    if (!planId) throw new UserError("a plan lock needs a plan id", { exitCode: 64 });
    // The refusal is returned, not thrown, so it does not roll back the writes committed with it.
    const r = await this.write(opts, (w) => acquireTx(w, this.conn.dialect, planId, opts));
    if ("refused" in r) throw new PlanLockedError(r.refused, r.now);
    return r.held;
  }

  async renewPlanLock(lock: HeldPlanLock): Promise<boolean> {
    return this.write(undefined, (w) => renewTx(w, this.conn.dialect, lock));
  }

  async releasePlanLock(lock: HeldPlanLock): Promise<void> {
    await this.write({ actor: lock.actor }, (w) => releaseTx(w, this.conn.dialect, lock));
  }

  async planLock(planId: string, opts: { process?: ProcessIdentity } = {}): Promise<{ lock: PlanLock; takeover: string | null; now: string } | null> {
    const row = await this.conn.db.selectFrom("plan_locks").selectAll().where("plan_id", "=", planId).executeTakeFirst();
    if (!row) return null;
    const now = await dbNow(this.conn.db, this.conn.dialect);
    return { lock: rowToLock(row), takeover: takeoverReason(row, now, opts.process ?? selfIdentity()), now };
  }

  heldJournal(lock: HeldPlanLock): JournalStore {
    return {
      savePlan: (p) => this.savePlan(p),
      getPlan: (id) => this.getPlan(id),
      plansForCase: (id) => this.plansForCase(id),
      entries: (id) => this.entries(id),
      append: async (entry) => {
        if (entry.planId !== lock.planId) throw new Error(`the journal held for plan ${lock.planId} cannot take an entry of plan ${entry.planId}`);
        return this.write({ actor: entry.actor }, async (w) => {
          await assertHeldTx(w.trx, lock);
          return appendTx(w, entry);
        });
      },
    };
  }

  withPlanLock<T>(planId: string, opts: PlanLockOptions, fn: (held: { lock: HeldPlanLock; journal: JournalStore }) => Promise<T>): Promise<T> {
    return withPlanLock(this, planId, opts, fn);
  }

  // ---------------------------------------------------------------- scheduler leases (leases.ts)

  async acquireJobLease(job: string, opts: JobLeaseOptions = {}): Promise<JobLeaseOutcome> {
    return this.write(undefined, (w) => acquireJobLeaseTx(w, this.conn.dialect, job, opts));
  }

  async renewJobLease(lease: JobLease): Promise<boolean> {
    return this.write(undefined, (w) => renewJobLeaseTx(w, this.conn.dialect, lease));
  }

  async finishJobLease(lease: JobLease, end: { intervalMs: number; outcome: string; failed?: boolean }): Promise<boolean> {
    return this.write(undefined, (w) => finishJobLeaseTx(w, this.conn.dialect, lease, end));
  }

  async jobLeases(): Promise<JobLeaseState[]> {
    return jobLeasesQuery(this.conn.db);
  }

  async plansWithJournalPhase(phases: readonly JournalPhase[], opts: { openCases?: boolean } = {}): Promise<{ planId: string; caseId: string | null }[]> {
    return plansWithPhaseQuery(this.conn.db, phases, opts);
  }

  // ---------------------------------------------------------------- address history (address-history.ts)

  async recordAddresses(observations: AddressObservation[], seenAt: string): Promise<{ extended: number; started: number }> {
    return this.write(undefined, (w) => recordAddressesTx(w.trx, observations, seenAt));
  }

  async addressAt(publicIp: string, at: string): Promise<AddressAt> {
    return addressAt(this.conn.db, publicIp, at);
  }

  async addressHoldings(publicIp: string): Promise<AddressHolding[]> {
    return addressHoldings(this.conn.db, publicIp);
  }

  // ---------------------------------------------------------------- readiness runs (readiness-runs.ts)

  async recordReadinessRun(report: ReadinessReport, opts: ActorOpt & { retention?: ReadinessRetention } = {}): Promise<RecordedReadinessRun> {
    return this.write(opts, (w) => recordReadinessRunTx(w, report, opts.retention));
  }

  async readinessLatest(opts: { limit?: number } = {}): Promise<ReadinessAccountSummary[]> {
    return readinessLatest(this.conn.db, opts);
  }

  async readinessTrend(accountId: string, opts: { limit?: number } = {}): Promise<ReadinessAccountSummary[]> {
    return readinessTrend(this.conn.db, accountId, opts);
  }

  async readinessAccountRun(accountId: string, opts: { runId?: number } = {}): Promise<ReadinessAccountRun | null> {
    return readinessAccountRun(this.conn.db, accountId, opts);
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

  async auditVerify(opts: AuditVerifyOptions = {}): Promise<AuditVerification> {
    return verifyAuditLog(this.conn.db, { key: this.conn.auditKey.key, ...opts });
  }

  get auditKeyInfo(): { id: string; source: string } {
    return { id: this.conn.auditKey.id, source: this.conn.auditKey.source };
  }

  async destroy(): Promise<void> {
    await this.conn.db.destroy();
  }
}

async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const st = await stat(path);
  if (!st.isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return { sha256: h.digest("hex"), size: st.size };
}
