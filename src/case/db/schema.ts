/**
 * The tables, as Kysely sees them. Portable types only: text, integer (0/1 for booleans), times as
 * ISO 8601 UTC text of fixed width (so they sort as text on both dialects), JSON as text.
 * PostgreSQL returns `bigint` columns as strings; the store turns them into numbers.
 */
import type { Generated } from "kysely";
import type { WebLoginThrottleTable, WebSessionsTable, WebUsersTable } from "../users-schema.ts";
import type { NoticeRawTable } from "../notice-raw.ts";
import type { InvestigationActivityTable, InvestigationFindingsTable, InvestigationsTable } from "../investigations.ts";
import type { ReadinessResultsTable, ReadinessRunAccountsTable, ReadinessRunsTable } from "../readiness-runs.ts";
import type { CaseChecklistTable } from "../checklist.ts";

export type { WebLoginThrottleTable, WebSessionsTable, WebUsersTable };

export interface CasesTable {
  id: string;
  status: string;
  /** 1 while the status is one of the open ones: the default list reads an index on it. */
  is_open: number;
  status_before_close: string | null;
  severity: string;
  severity_source: string;
  activity_type: string;
  aws_case_number: string | null;
  account_id: string | null;
  account_ids: string; // JSON string[]
  resources: string; // JSON string[]
  regions: string; // JSON string[]
  verdict: string;
  subject: string | null;
  assignee: string | null;
  deadline_at: string;
  deadline_basis: string;
  deadline_text: string | null;
  needs_linking: number;
  /** Why it needs linking (a follow-up that matched no case; a doubtful notice kept apart from an authentic case). */
  link_reason: string | null;
  /** The case a notice kept apart would have joined (0006). */
  link_into: string | null;
  notice_count: number;
  received_at: string;
  last_notice_at: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  resolution: string | null;
}

/** Keys a later notice can find its case by: `aws-case`, `resource`, `account`. */
export interface CaseRefsTable {
  case_id: string;
  kind: string;
  value: string;
}

export interface CaseCountersTable {
  year: number;
  last: number;
}

export interface NoticesTable {
  id: Generated<number | string>;
  case_id: string;
  dedupe_key: string;
  message_id: string | null;
  raw_sha256: string;
  kind: string;
  activity_type: string;
  case_number: string | null;
  subject: string | null;
  received_at: string;
  stored_at: string;
  verdict: string;
  joined_by: string;
  notice_json: string;
  verdict_json: string;
}

export interface TimelineTable {
  id: Generated<number | string>;
  case_id: string;
  at: string;
  actor: string;
  type: string;
  summary: string;
  data: string; // JSON object
}

export interface EvidenceTable {
  id: Generated<number | string>;
  case_id: string;
  label: string;
  path: string | null;
  content: string | null;
  encoding: string | null;
  sha256: string;
  size: number | string | null;
  source: string;
  collected_at: string;
  recorded_at: string;
  actor: string;
  plan_id: string | null;
  step_id: string | null;
}

export interface PlansTable {
  id: string;
  case_id: string | null;
  created_at: string;
  saved_at: string;
  playbook: string;
  plan_json: string;
}

export interface JournalTable {
  seq: Generated<number | string>;
  plan_id: string;
  step_id: string | null;
  phase: string;
  at: string;
  actor: string;
  before_json: string | null;
  after_json: string | null;
  error: string | null;
  detail_json: string | null;
}

export interface AuditTable {
  seq: number | string;
  at: string;
  actor: string;
  action: string;
  case_id: string | null;
  data: string; // canonical JSON
  prev_hash: string;
  hash: string;
}

/** A plan being applied or rolled back, and by whom (locks.ts). */
export interface PlanLocksTable {
  plan_id: string;
  /** Random, per acquisition: only the holder that drew it renews, releases or journals under it. */
  token: string;
  operation: string;
  /** `alice@ops-1 pid 4242`. */
  holder: string;
  actor: string;
  host: string;
  pid: number;
  /** Linux: boot id, pid namespace and the process's start time, to tell a live holder from a dead one (or its reused pid). */
  instance: string | null;
  /** How long the holder may go without renewing before others may take the lock over. */
  lease_ms: number;
  acquired_at: string;
  heartbeat_at: string;
}

/** A scheduled job of the service: who runs it now (a lease) and when it is next due (leases.ts). */
export interface SchedulerLeasesTable {
  job: string;
  /** Random, per run; null while nobody runs the job. */
  token: string | null;
  holder: string | null;
  host: string | null;
  pid: number | null;
  instance: string | null;
  lease_ms: number;
  acquired_at: string | null;
  heartbeat_at: string | null;
  last_started_at: string | null;
  last_finished_at: string | null;
  /** One line: what the last run did, or why it failed. */
  last_outcome: string | null;
  next_due_at: string;
}

export interface Database {
  cases: CasesTable;
  case_refs: CaseRefsTable;
  case_counters: CaseCountersTable;
  notices: NoticesTable;
  timeline: TimelineTable;
  evidence: EvidenceTable;
  plans: PlansTable;
  journal: JournalTable;
  audit_log: AuditTable;
  plan_locks: PlanLocksTable;
  scheduler_leases: SchedulerLeasesTable;
  web_users: WebUsersTable;
  web_sessions: WebSessionsTable;
  web_login_throttle: WebLoginThrottleTable;
  arrivals: ArrivalsTable;
  source_cursors: SourceCursorsTable;
  case_autoplans: CaseAutoplansTable;
  notice_raw: NoticeRawTable;
  investigations: InvestigationsTable;
  investigation_findings: InvestigationFindingsTable;
  investigation_activity: InvestigationActivityTable;
  case_checklist: CaseChecklistTable;
  address_history: AddressHistoryTable;
  readiness_runs: ReadinessRunsTable;
  readiness_run_accounts: ReadinessRunAccountsTable;
  readiness_results: ReadinessResultsTable;
}

/** Which resource held which public address, when abuse-desk saw it (0012, address-history.ts). */
export interface AddressHistoryTable {
  id: Generated<number>;
  public_ip: string;
  account_id: string;
  region: string;
  resource_kind: string;
  resource_id: string;
  resource_name: string | null;
  first_seen: string;
  last_seen: string;
}

/** The one plan the service makes for a case, and the arrival that made it (0007). */
export interface CaseAutoplansTable {
  case_id: string;
  plan_id: string;
  arrival_id: number | string;
  at: string;
}

/** What a source handed the service (0007; src/case/inbox.ts). */
export interface ArrivalsTable {
  id: Generated<number | string>;
  source: string;
  ref: string;
  sha256: string;
  /** The bytes as received, base64. */
  raw: string;
  size: number;
  meta: string; // JSON Record<string, string>
  received_at: string;
  kept_at: string;
  /** pending | done | rejected | failed | duplicate */
  state: string;
  /** The last stage done: kept | parsed | cased | planned | applied | notified */
  stage: string;
  duplicate_of: number | string | null;
  /** JSON: per notice of the arrival, how far it got (case, plan, what was applied). */
  progress: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string;
  lease_token: string | null;
  lease_holder: string | null;
  lease_host: string | null;
  lease_pid: number | null;
  lease_instance: string | null;
  lease_until: string | null;
  done_at: string | null;
  updated_at: string;
}

export interface SourceCursorsTable {
  source: string;
  value: string;
  updated_at: string;
}
