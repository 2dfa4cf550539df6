/**
 * The queue's query string -> a `CaseFilter` (the same filters as `abuse-desk case list`), and
 * the search box -> the keys a case is stored under. Every value is checked against its list;
 * anything else is a 400 with a sentence, never passed on.
 */
import { CASE_STATUSES, SEVERITIES, type CaseFilter, type CaseStatus, type Severity } from "../case/types.ts";
import { caseNumberKey, parseCaseId } from "../case/rules.ts";
import { UserError } from "../errors.ts";
import { ACTIVITY_TYPES, type ActivityType } from "../notice/types.ts";
import type { VerdictLevel } from "../verify/types.ts";

export const VERDICTS: readonly VerdictLevel[] = ["authentic", "unverified", "suspicious", "phishing"];

export interface QueueQuery {
  status: CaseStatus[];
  all: boolean;
  activity: ActivityType | null;
  account: string | null;
  /** A name, "-" for unassigned, or null for anyone. */
  assignee: string | null;
  verdict: VerdictLevel[];
  severity: Severity | null;
  needsLinking: boolean;
  q: string;
  after: string | null;
  /** The previous page's cursor (keyset, walked backwards); `after` wins when both are given. */
  before: string | null;
}

type Get = (k: string) => string | undefined;
type GetAll = (k: string) => string[];

function oneOf<T extends string>(list: readonly T[], v: string, what: string): T {
  if (!(list as readonly string[]).includes(v)) throw new UserError(`${what} "${v.slice(0, 40)}" is not one of ${list.join(", ")}`, { exitCode: 64 });
  return v as T;
}

export function parseQueueQuery(get: Get, getAll: GetAll): QueueQuery {
  const s = (k: string) => {
    const v = get(k)?.trim();
    if (v && v.length > 200) throw new UserError(`the ${k} filter is too long`, { exitCode: 64 });
    return v || null;
  };
  const account = s("account");
  if (account && !/^\d{12}$/.test(account)) throw new UserError("an account is 12 digits", { exitCode: 64 });
  const activity = s("activity");
  const severity = s("severity");
  const after = s("after");
  const before = s("before");
  return {
    status: getAll("status").filter(Boolean).map((v) => oneOf(CASE_STATUSES, v, "status")),
    all: get("all") === "1",
    activity: activity ? oneOf(ACTIVITY_TYPES, activity, "activity") : null,
    account,
    assignee: s("assignee"),
    verdict: getAll("verdict").filter(Boolean).map((v) => oneOf(VERDICTS, v, "verdict")),
    severity: severity ? oneOf(SEVERITIES, severity, "severity") : null,
    needsLinking: get("needsLinking") === "1",
    q: (get("q") ?? "").trim().slice(0, 200),
    after: after && /^[A-Za-z0-9_-]{1,400}$/.test(after) ? after : after ? badCursor() : null,
    before: after ? null : before && /^[A-Za-z0-9_-]{1,400}$/.test(before) ? before : before ? badCursor() : null,
  };
}

function badCursor(): never {
  throw new UserError("not a page cursor: follow the queue's own Next link", { exitCode: 64 });
}

/** The keys a search term can be stored under (docs/case.md: case_refs). */
export function searchRefs(q: string): NonNullable<CaseFilter["refs"]> {
  const t = q.trim();
  if (!t) return [];
  const refs: NonNullable<CaseFilter["refs"]> = [{ kind: "aws-case", value: caseNumberKey(t) }, { kind: "resource", value: t.toLowerCase() }];
  if (/^\d{12}$/.test(t)) refs.push({ kind: "account", value: t });
  return refs;
}

/** The desk's own case id in the search box (`AD-2026-0042`), or null. */
export function searchCaseId(q: string): string | null {
  return parseCaseId(q);
}

export function toFilter(qq: QueueQuery): CaseFilter {
  const f: CaseFilter = {};
  if (qq.status.length) f.status = qq.status;
  // A search looks through every case, resolved and closed included (a follow-up names old ones).
  if (qq.all || qq.q) f.all = true;
  if (qq.activity) f.activityType = qq.activity;
  if (qq.account) f.accountId = qq.account;
  if (qq.assignee) f.assignee = qq.assignee === "-" ? null : qq.assignee;
  if (qq.verdict.length) f.verdict = qq.verdict;
  if (qq.severity) f.severity = qq.severity;
  if (qq.needsLinking) f.needsLinking = true;
  if (qq.q) f.refs = searchRefs(qq.q);
  return f;
}

/** The query string of these filters (for the pager's links), without the cursor. */
export function queryString(qq: QueueQuery, after?: string | null, before?: string | null): string {
  const p = new URLSearchParams();
  for (const s of qq.status) p.append("status", s);
  if (qq.all) p.set("all", "1");
  if (qq.activity) p.set("activity", qq.activity);
  if (qq.account) p.set("account", qq.account);
  if (qq.assignee) p.set("assignee", qq.assignee);
  for (const v of qq.verdict) p.append("verdict", v);
  if (qq.severity) p.set("severity", qq.severity);
  if (qq.needsLinking) p.set("needsLinking", "1");
  if (qq.q) p.set("q", qq.q);
  if (after) p.set("after", after);
  else if (before) p.set("before", before);
  const s = p.toString();
  return s ? `?${s}` : "";
}
