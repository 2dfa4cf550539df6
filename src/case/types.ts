/**
 * The case: one incident, as plain data, and the store that keeps it.
 *
 * A case is opened by a notice; later notices about the same incident (follow-ups, reminders,
 * additional reports, final notifications, AWS's "resolved") join it. Everything that happens to
 * it is a timeline event; every change is also an entry of the hash-chained audit log. Plans and
 * the containment journal live in the same store (it implements `JournalStore`).
 */
import type { ChecklistItemState } from "../credentials/checklist.ts";
import type { AddressAt, AddressHolding, AddressObservation } from "./address-history.ts";
import type { ReadinessAccountRun, ReadinessAccountSummary, ReadinessRetention, RecordedReadinessRun } from "./readiness-runs.ts";
import type { ReadinessReport } from "../readiness/types.ts";
import type { JournalPhase, JournalStore } from "../execute/types.ts";
import type { JobLease, JobLeaseOptions, JobLeaseOutcome, JobLeaseState } from "./leases.ts";
import type { ActivityType, Notice, NoticeKind } from "../notice/types.ts";
import type { Verdict, VerdictLevel } from "../verify/types.ts";
import type { UserStore } from "./users.ts";
import type { Attention } from "./attention.ts";
import type { NoticeRaw } from "./notice-raw.ts";
import type { InvestigationInput, StoredInvestigation } from "./investigations.ts";

/**
 * `rolled-back`: its containment was undone (every applied plan rolled back). Stored as text like
 * every status, so a store written before it existed reads unchanged (no migration).
 */
export const CASE_STATUSES = ["new", "triaged", "contained", "rolled-back", "replied", "resolved", "closed"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
/** Statuses in which the case still needs work (its deadline counts). */
export const OPEN_STATUSES: readonly CaseStatus[] = ["new", "triaged", "contained", "rolled-back", "replied"];

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Case {
  /** `AD-2026-0001`: the desk's own id (see docs/case.md). */
  id: string;
  status: CaseStatus;
  /** The status before it was resolved or closed; `reopen` returns to it. */
  statusBeforeClose: CaseStatus | null;
  severity: Severity;
  /** `derived` follows the notices; `manual` was set by a person and is never recomputed. */
  severitySource: "derived" | "manual";
  activityType: ActivityType;
  /** AWS's case number (`14425262173-1`, `AWS-DMCA-3816`) as first seen, when any notice gave one. */
  awsCaseNumber: string | null;
  /** Primary account (the first the notice named) and every account any notice named. */
  accountId: string | null;
  accountIds: string[];
  /** Resource ids every notice named (instance ids, IPs, access keys...), in order of first mention. */
  resources: string[];
  regions: string[];
  /** Its most trusted notice's verdict (authentic > unverified > suspicious > phishing): one genuine notice makes the incident genuine. A doubtful notice that joined is on the timeline (`verdict` events). */
  verdict: VerdictLevel;
  subject: string | null;
  assignee: string | null;
  deadline: { at: string; basis: "stated" | "default" | "manual"; text: string | null };
  /** A follow-up that matched no case opened this one: a person should link it. */
  needsLinking: boolean;
  /** Why it needs linking: a follow-up that matched no case, or a notice that is not authentic kept apart from the authentic case it names. */
  linkReason: string | null;
  /** The case such a notice would have joined (a person decides with `case link`; re-verified as authentic, it joins by itself). */
  linkInto: string | null;
  noticeCount: number;
  /** When the first notice was received (its Date header, else when it was stored). */
  receivedAt: string;
  lastNoticeAt: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Why it was resolved or closed. */
  resolution: string | null;
}

export interface StoredNotice {
  id: number;
  caseId: string;
  kind: NoticeKind;
  activityType: ActivityType;
  messageId: string | null;
  /** SHA-256 of the raw bytes, hex. */
  rawSha256: string;
  /** `mid:<message-id> sha256:<raw hash>`, `health:<event ARN>:<accounts>:<status>` or `sha256:<raw hash>`: what makes two arrivals the same notice. */
  dedupeKey: string;
  receivedAt: string;
  storedAt: string;
  subject: string | null;
  caseNumber: string | null;
  verdict: VerdictLevel;
  /** How it found its case (`new`, `case-number`, `resources`, `only-open-case`, `new-needs-linking`, `kept-apart`: not authentic, kept out of the authentic case it named; `manual`). */
  joinedBy: JoinReason;
  notice: Notice;
  verdictDetail: Verdict;
}

export type JoinReason = "new" | "case-number" | "resources" | "only-open-case" | "new-needs-linking" | "kept-apart" | "manual";

export const EVENT_TYPES = [
  "notice-received",
  "verdict",
  "resources-found",
  "plan",
  "step-applied",
  "step-failed",
  "step-skipped",
  "step-rolled-back",
  "evidence",
  "reply-drafted",
  "reply-sent",
  "aws-answer",
  "status",
  "severity",
  "deadline",
  "note",
  "assignment",
  "linked",
  "notification",
  "notice-kept-apart",
  /** What a job of the service's scheduler did to the case (src/serve/scheduler.ts): a retry, a re-resolution, and their outcome. */
  "scheduled",
  /** A run of `abuse-desk investigate` (src/case/investigations.ts): its findings, verdicts and what it could not search. */
  "investigation",
  /** An item of a credential case's root checklist done or open again (src/case/checklist.ts). */
  "checklist",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface TimelineEvent {
  id: number;
  caseId: string;
  at: string;
  actor: string;
  type: EventType;
  /** One line a person reads in `case show`. */
  summary: string;
  data: Record<string, unknown>;
}

export interface EvidenceInput {
  /** A short name (`instance-metadata i-0abc`, `console-output`, `flow-logs 2026-05-01`). */
  label: string;
  /** Where the artifact is (a file path, an S3 URI) when it is not kept inline. */
  path?: string;
  /** The artifact itself, when small enough to keep in the store. */
  content?: string | Buffer;
  /** Required when only `path` is given and the caller already hashed it; computed from `content` otherwise. */
  sha256?: string;
  size?: number;
  /** Where it came from (`ec2:DescribeInstances eu-west-1 111122223333`, `ssm:SendCommand i-0abc`). */
  source: string;
  /** When it was collected (default: now). */
  collectedAt?: string;
  planId?: string;
  stepId?: string;
  actor?: string;
}

export interface Evidence {
  id: number;
  caseId: string;
  label: string;
  path: string | null;
  /** Inline content: UTF-8 text, or base64 when `encoding` says so. */
  content: string | null;
  encoding: "utf8" | "base64" | null;
  sha256: string;
  size: number | null;
  source: string;
  collectedAt: string;
  recordedAt: string;
  actor: string;
  planId: string | null;
  stepId: string | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  /** What happened (`case.created`, `case.status`, `journal.append`, `evidence.added`...). */
  action: string;
  caseId: string | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type AuditVerification =
  | { intact: true; entries: number; head: { seq: number; hash: string } | null; records?: RecordCheck; keyed?: AuditKeyed }
  | {
      intact: false;
      entries: number;
      /**
       * The audit entry where the chain (or, with `deep`, a record it vouches for) stops matching; `record` names the row.
       * `problem: "key"`: the chain could not be checked with the key given (none, or another one), which is not evidence of tampering.
       */
      firstBroken: { seq: number; reason: string; record?: { table: "timeline" | "journal" | "notices" | "cases"; id: number | string }; problem?: "key" };
      head: { seq: number; hash: string } | null;
      records?: RecordCheck;
      keyed?: AuditKeyed;
    };

/** Where the keyed chain begins: entries before `from` (`legacy` of them) were written before it was keyed, checked as plain SHA-256 and sealed by the marker. */
export interface AuditKeyed {
  from: number;
  legacy: number;
}

/** What a deep verification compared: timeline and journal rows against the audit entries that recorded them, and the verdict columns of notices and cases. */
export interface RecordCheck {
  checked: number;
  /** Rows written before the audit log existed (a database upgraded from before it). */
  unaudited: number;
  /** Notices and cases whose verdict columns match what the chain last recorded of them. */
  verdicts?: number;
}

export interface CaseFilter {
  /** Default: the open statuses. */
  status?: CaseStatus[];
  /** Every status (overrides the open-only default when `status` is not given). */
  all?: boolean;
  /** Deadline strictly before this instant (ISO 8601). */
  deadlineBefore?: string;
  accountId?: string;
  activityType?: ActivityType;
  /** `null` lists unassigned cases. */
  assignee?: string | null;
  severity?: Severity;
  needsLinking?: boolean;
  /** Any of these verdicts. */
  verdict?: VerdictLevel[];
  /** Cases with any of these keys (AWS case number, resource id or address, account): the web desk's search. */
  refs?: { kind: "aws-case" | "resource" | "account"; value: string }[];
}

export interface Page<T> {
  items: T[];
  /** Pass back as `after` for the next page; null on the last page. */
  next: string | null;
  /** Pass back as `before` for the previous page; null or absent on the first page. */
  prev?: string | null;
}

export interface IntakeInput {
  notice: Notice;
  verdict: Verdict;
  /** The exact bytes received (hashed for dedupe and evidence) or their SHA-256 in hex. */
  raw: Buffer | { sha256: string };
  actor?: string;
  /** When the desk received it (default: now); the receipt time when the notice has no Date. */
  now?: Date;
}

export interface IntakeResult {
  case: Case;
  notice: StoredNotice;
  /** True when this call opened the case. */
  created: boolean;
  /** True when the notice was already stored (the same bytes, or the same Message-ID judged the same): nothing changed unless `reverified` says so. */
  duplicate: boolean;
  joinedBy: JoinReason;
  /** A stored notice taken in again whose verdict changed (and the case followed); null otherwise. */
  reverified: { from: VerdictLevel; to: VerdictLevel } | null;
}

export interface ActorOpt {
  actor?: string;
  now?: Date;
}

export type { JobLease, JobLeaseOptions, JobLeaseOutcome, JobLeaseState } from "./leases.ts";
export type { NoticeRaw } from "./notice-raw.ts";

export type PlanOperation = "apply" | "rollback";

/** A process, as a plan lock names its holder. */
export interface ProcessIdentity {
  /** The OS user. */
  user: string;
  host: string;
  pid: number;
  /** Linux: `<boot id>/<pid namespace>/<start time>`, which tells a live holder from a dead one whose pid was reused; null elsewhere. */
  instance: string | null;
}

/** Who is applying or rolling back a plan (docs/case.md, "Plan locks"). */
export interface PlanLock {
  planId: string;
  operation: PlanOperation;
  /** `alice@ops-1 pid 4242`: the OS user, the host and the process. */
  holder: string;
  /** Who acts, as the journal names them (`--actor`, else the OS user). */
  actor: string;
  host: string;
  pid: number;
  /** How long the holder may go without renewing before the lock may be taken over. */
  leaseMs: number;
  acquiredAt: string;
  heartbeatAt: string;
}

/** A plan lock this process holds. */
export interface HeldPlanLock extends PlanLock {
  /** Drawn for this acquisition: renewing, releasing and journalling under the lock check it. */
  token: string;
  /** The holder this lock was taken from (it had died, or stopped renewing), and why it could be. */
  tookOver: { from: PlanLock; reason: string } | null;
}

export interface PlanLockOptions extends ActorOpt {
  operation: PlanOperation;
  /** Default 2 minutes. */
  leaseMs?: number;
  /** How often `withPlanLock` renews the lock (default: a sixth of the lease, 20 s). */
  renewEveryMs?: number;
  /** The holder (default: this process). Tests and tools name another. */
  process?: ProcessIdentity;
}

export interface CaseStore extends JournalStore {
  readonly dialect: "sqlite" | "postgres";
  /** The address history (address-history.ts): record an inventory's public addresses, ask who held one when. */
  recordAddresses(observations: AddressObservation[], seenAt: string): Promise<{ extended: number; started: number }>;
  addressAt(publicIp: string, at: string): Promise<AddressAt>;
  addressHoldings(publicIp: string): Promise<AddressHolding[]>;
  /** Readiness runs (readiness-runs.ts): keep a run (bounded, audited, older runs pruned by the retention); the latest run of each account, an account's trend, an account's results. */
  recordReadinessRun(report: ReadinessReport, opts?: ActorOpt & { retention?: ReadinessRetention }): Promise<RecordedReadinessRun>;
  readinessLatest(opts?: { limit?: number }): Promise<ReadinessAccountSummary[]>;
  readinessTrend(accountId: string, opts?: { limit?: number }): Promise<ReadinessAccountSummary[]>;
  readinessAccountRun(accountId: string, opts?: { runId?: number }): Promise<ReadinessAccountRun | null>;
  /** Where it is (a file path, or the PostgreSQL URL without its password). */
  readonly location: string;

  intake(input: IntakeInput): Promise<IntakeResult>;
  /** A notice's bytes as received (notice-raw.ts): kept, too large to keep, or not kept (stored before 0010). */
  noticeRaw(noticeId: number): Promise<NoticeRaw>;
  getCase(id: string): Promise<Case | null>;
  /** By desk id (any case) or AWS case number; throws UserError when nothing matches. */
  requireCase(ref: string): Promise<Case>;
  /** Keyset paging: `after` the next page's cursor, or `before` the previous page's (from `prev`). */
  listCases(filter?: CaseFilter, page?: { limit?: number; after?: string | null; before?: string | null }): Promise<Page<Case>>;
  countByStatus(filter?: Omit<CaseFilter, "status" | "all">): Promise<Record<CaseStatus, number>>;

  setStatus(id: string, to: CaseStatus, opts?: ActorOpt & { reason?: string }): Promise<Case>;
  closeCase(id: string, opts?: ActorOpt & { reason?: string }): Promise<Case>;
  reopenCase(id: string, opts?: ActorOpt & { reason?: string }): Promise<Case>;
  assign(id: string, assignee: string | null, opts?: ActorOpt): Promise<Case>;
  addNote(id: string, text: string, opts?: ActorOpt): Promise<TimelineEvent>;
  setSeverity(id: string, severity: Severity | "derived", opts?: ActorOpt & { reason?: string }): Promise<Case>;
  /** Sets the deadline by hand (AWS granted more time): may lengthen it, unlike notices. */
  setDeadline(id: string, at: string, opts?: ActorOpt & { reason: string }): Promise<Case>;
  /**
   * Moves a case's notices into the case they belong to (a follow-up that opened a case of its
   * own, flagged `needsLinking`). The emptied case is closed as "linked into ..."; its timeline,
   * plans and evidence stay where they were. Returns the case that received the notices.
   */
  linkCase(fromId: string, intoId: string, opts?: ActorOpt): Promise<Case>;

  /** Records an event that is not one of the above (resources found, reply drafted or sent, AWS's answer...). */
  recordEvent(caseId: string, type: EventType, summary: string, data?: Record<string, unknown>, opts?: ActorOpt): Promise<TimelineEvent>;
  timeline(caseId: string): Promise<TimelineEvent[]>;
  notices(caseId: string): Promise<StoredNotice[]>;
  addEvidence(caseId: string, input: EvidenceInput): Promise<Evidence>;
  evidence(caseId: string): Promise<Evidence[]>;
  /** Keeps a run of the investigation (investigations.ts): findings, activity verdicts, what was not searched; a timeline event and an audit entry with it. */
  recordInvestigation(caseId: string, input: InvestigationInput, opts?: ActorOpt): Promise<StoredInvestigation>;
  /** The case's investigations, oldest first. */
  investigations(caseId: string): Promise<StoredInvestigation[]>;
  /** The case's root checklist (src/case/checklist.ts): every catalogue item with its state, who and when. */
  checklist(caseId: string): Promise<ChecklistItemState[]>;
  /** Sets an item of the root checklist (an item outside the catalogue: exit 64); audited. */
  setChecklistItem(caseId: string, item: string, state: "open" | "done", opts?: ActorOpt): Promise<{ changed: boolean; item: ChecklistItemState }>;

  /** Checks the whole chain; `anchor` (a seq and hash recorded elsewhere earlier) also catches a rewritten or truncated log. */
  /** `deep` also compares every timeline event and journal entry with the audit entry that recorded it. */
  auditVerify(opts?: { batch?: number; anchor?: { seq: number; hash: string }; deep?: boolean }): Promise<AuditVerification>;
  /** Where the audit key comes from and its id (never the key itself). */
  readonly auditKeyInfo: { id: string; source: string };
  /** Appends entries of its own to the chain (the store's writes add theirs automatically). */
  auditAppend(entries: { action: string; caseId?: string | null; data: Record<string, unknown> }[], opts?: ActorOpt): Promise<void>;
  auditEntries(opts?: { caseId?: string; afterSeq?: number; limit?: number }): Promise<AuditEntry[]>;

  /**
   * Takes the lock of a plan for an apply or a rollback: one holder at a time, across processes
   * and machines sharing the store. A holder that stopped renewing for its lease, or whose process
   * on this host is gone, is taken over (and the plan's journal says so). Otherwise throws
   * `PlanLockedError` (a UserError, exit 75) naming who holds it and since when.
   */
  acquirePlanLock(planId: string, opts: PlanLockOptions): Promise<HeldPlanLock>;
  /** Renews the heartbeat; false when the lock is no longer this holder's (it was taken over). */
  renewPlanLock(lock: HeldPlanLock): Promise<boolean>;
  /** Releases it (nothing happens when it was taken over meanwhile). */
  releasePlanLock(lock: HeldPlanLock): Promise<void>;
  /** Who holds the plan's lock now (null: nobody), why it could be taken over (null: it could not), and the time the store judged it at. */
  planLock(planId: string, opts?: { process?: ProcessIdentity }): Promise<{ lock: PlanLock; takeover: string | null; now: string } | null>;
  /** The journal as the holder of a lock writes it: every append checks, in its transaction, that the lock is still this holder's. */
  heldJournal(lock: HeldPlanLock): JournalStore;
  /** Acquires, renews while `fn` runs, and releases in any case; `fn` journals through the held journal. */
  withPlanLock<T>(planId: string, opts: PlanLockOptions, fn: (held: { lock: HeldPlanLock; journal: JournalStore }) => Promise<T>): Promise<T>;

  /**
   * Scheduled jobs of the service (leases.ts): takes the job's lease when it is due and nobody
   * alive runs it; otherwise returns (never throws) who runs it or when it is next due.
   */
  acquireJobLease(job: string, opts?: JobLeaseOptions): Promise<JobLeaseOutcome>;
  /** Renews the heartbeat; false once the lease was taken over (the run must stop). */
  renewJobLease(lease: JobLease): Promise<boolean>;
  /** Frees the lease; the job is next due `intervalMs` from now for every instance. False when the lease had been lost. */
  finishJobLease(lease: JobLease, end: { intervalMs: number; outcome: string; failed?: boolean }): Promise<boolean>;
  /** Every scheduled job the store knows: who runs it now, its last outcome, when it is next due. */
  jobLeases(): Promise<JobLeaseState[]>;
  /** Plans whose journal has an entry of one of these phases, with their case (what the scheduler scans). */
  plansWithJournalPhase(phases: readonly JournalPhase[], opts?: { openCases?: boolean }): Promise<{ planId: string; caseId: string | null }[]>;
  /** The web desk's local users and sessions (users.ts). */
  readonly users: UserStore;
  /** Plans waiting for approval and failed steps of open cases, most urgent first (attention.ts). */
  needsAttention(opts?: { scan?: number }): Promise<Attention>;

  /** Releases the connection (pool). */
  destroy(): Promise<void>;
}
