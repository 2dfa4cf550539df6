/**
 * The credential sweep of a case (`abuse-desk sweep CASE`, and `plan` of a credential case): the
 * sweep's request is taken from what the case's notices say (the access key ids, the exposure or
 * the notice's window, the accounts), the sweep runs (read-only), and its result is kept with the
 * case as an investigation run (migration 0011: findings, what was not searched, an audit entry
 * with the SHA-256 of what it states) whose artifact `credential-sweep.json` is case evidence
 * (SHA-256 computed by the store). The reply and the report read the latest stored sweep back
 * (`latestCaseSweep`), its bytes checked against the SHA-256 the store recorded.
 *
 * Everything a notice says is hostile: key ids and account ids are kept only when well formed, and
 * at most MAX_KEYS keys are swept.
 */
import { createHash } from "node:crypto";
import type { StoredInvestigation } from "../case/investigations.ts";
import type { Case, CaseStore, Evidence, StoredNotice } from "../case/types.ts";
import type { CloudReader } from "../cloud/port.ts";
import { mostTrusted } from "../case/rules.ts";
import { UserError } from "../errors.ts";
import type { NotSearched, Subject } from "../investigate/types.ts";
import type { ActivityType, NoticeKind } from "../notice/types.ts";
import type { Unsearched } from "../resolve/types.ts";
import { findingsOf, SWEEP_LABEL } from "./index.ts";
import { sweep, type SweepRequest, type SweepResult } from "./sweep.ts";

const CREDENTIAL: ReadonlySet<string> = new Set<ActivityType | NoticeKind>(["credentials_exposed", "account_compromise"]);
const KEY = /^(AKIA|ASIA)[A-Z0-9]{16}$/;
const ACCOUNT = /^\d{12}$/;
/** More keys than this in one case is not a notice AWS writes: the rest are said as not searched. */
export const MAX_KEYS = 20;
/** CloudTrail's event history keeps 90 days. */
const TRAIL_DAYS = 90;
/** With no window in the notices, the sweep reaches this far back from the earliest notice (as `sweep --key` does without --since). */
const LOOKBACK_MS = 7 * 86_400_000;

/** A notice about exposed credentials or a compromised account. */
export function isCredentialNotice(n: { kind?: string; activityType: string }): boolean {
  return CREDENTIAL.has(n.activityType) || (n.kind !== undefined && CREDENTIAL.has(n.kind));
}

/** The notices of the case the sweep reads: those as trusted as the case (the acting notice's level). */
function trustedNotices(notices: readonly StoredNotice[]): StoredNotice[] {
  if (!notices.length) return [];
  const level = notices.map((n) => n.verdict).reduce(mostTrusted);
  return notices.filter((n) => n.verdict === level);
}

export interface CredentialFacts {
  request: SweepRequest;
  /** Where the start came from: "--since", "the notice's window", "7 days before the notice". */
  startFrom: string;
  /** What the facts leave out (keys past MAX_KEYS, days past CloudTrail's 90). */
  notSearched: NotSearched[];
}

/**
 * The sweep's request from a case: the keys every trusted notice names, from the earliest notice
 * window's start (or `since`; else 7 days before the earliest notice) to now, in the case's
 * accounts (every account the port reaches when the notices name none).
 */
export function credentialFacts(c: Case, notices: readonly StoredNotice[], o: { now: Date; since?: Date }): CredentialFacts {
  const trusted = trustedNotices(notices);
  if (!isCredentialNotice(c) && !trusted.some((n) => isCredentialNotice(n.notice)))
    throw new UserError(`case ${c.id} is not a credential case (its notices are about ${c.activityType.replace(/_/g, " ")}): the sweep is for exposed credentials and account compromise`, {
      exitCode: 65,
      hint: "to sweep a key anyway: abuse-desk sweep --key AKIA... --since ISO",
    });
  const notSearched: NotSearched[] = [];
  const keys = [...new Set(trusted.flatMap((n) => n.notice.accessKeyIds).filter((k) => typeof k === "string" && KEY.test(k)))];
  if (!keys.length)
    throw new UserError(`case ${c.id} names no access key (AKIA... or ASIA...): there is nothing to sweep by`, {
      exitCode: 65,
      hint: "sweep the keys you suspect with abuse-desk sweep --key AKIA... --since ISO",
    });
  if (keys.length > MAX_KEYS) notSearched.push({ what: `access keys past the first ${MAX_KEYS}: ${keys.slice(MAX_KEYS).join(", ")}`, reason: `the case names ${keys.length} keys; sweep the rest with abuse-desk sweep --key` });
  const accounts = [...new Set([c.accountId, ...c.accountIds, ...trusted.flatMap((n) => n.notice.accountIds)].filter((a): a is string => typeof a === "string" && ACCOUNT.test(a)))];

  const now = o.now.getTime();
  const parse = (t: string | null | undefined) => (t && !Number.isNaN(Date.parse(t)) ? Date.parse(t) : null);
  let start: number;
  let startFrom: string;
  const begins = trusted.map((n) => parse(n.notice.window.begin)).filter((x): x is number => x !== null);
  if (o.since) {
    start = o.since.getTime();
    startFrom = "--since";
  } else if (begins.length) {
    start = Math.min(...begins);
    startFrom = "the notice's window";
  } else {
    const received = trusted.map((n) => parse(n.notice.receivedAt) ?? parse(n.receivedAt)).filter((x): x is number => x !== null);
    start = (received.length ? Math.min(...received) : now) - LOOKBACK_MS;
    startFrom = "7 days before the notice";
  }
  const oldest = now - TRAIL_DAYS * 86_400_000;
  if (start < oldest) {
    notSearched.push({ what: `CloudTrail events from ${new Date(start).toISOString()} to ${new Date(oldest).toISOString()}`, reason: "CloudTrail's event history keeps 90 days; older events are only in a trail's S3 files" });
    start = oldest;
  }
  if (start > now) start = now;
  return {
    request: { accessKeyIds: keys.slice(0, MAX_KEYS), start: new Date(start).toISOString(), end: o.now.toISOString(), ...(accounts.length ? { accountIds: accounts } : {}) },
    startFrom,
    notSearched,
  };
}

export interface CaseSweep {
  case: Case;
  sweep: SweepResult;
  startFrom: string;
  investigation: StoredInvestigation;
  evidence: Evidence;
}

/** Runs the sweep of a case and keeps it with the case (evidence + investigation run, audited). */
export async function sweepCase(
  store: CaseStore,
  caseRef: string,
  deps: { port: CloudReader; now: Date; since?: Date; actor?: string; progress?: (m: string) => void; signal?: AbortSignal; via?: string },
): Promise<CaseSweep> {
  const c = await store.requireCase(caseRef);
  const notices = await store.notices(c.id);
  const facts = credentialFacts(c, notices, { now: deps.now, ...(deps.since ? { since: deps.since } : {}) });
  const startedAt = new Date().toISOString();
  const s = await sweep(deps.port, facts.request, { ...(deps.progress ? { progress: deps.progress } : {}), ...(deps.signal ? { signal: deps.signal } : {}) });
  s.notSearched.push(...facts.notSearched);
  const actor = deps.actor ? { actor: deps.actor } : {};
  const evidence = await store.addEvidence(c.id, {
    label: SWEEP_LABEL,
    content: JSON.stringify(s, null, 2),
    source: `abuse-desk credential sweep of ${facts.request.accessKeyIds.join(", ")} (${s.searched.length} region(s), ${s.window.start}..${s.window.end})`,
    collectedAt: deps.now.toISOString(),
    ...actor,
  });
  const { containedAt } = await import("../investigate/subject.ts");
  const { actingNotice } = await import("../case/rules.ts");
  const acting = actingNotice(notices);
  const subject: Subject = {
    caseId: c.id,
    activityType: c.activityType,
    window: { ...s.window },
    noticeWindow: { begin: acting?.notice.window.begin ?? null, end: acting?.notice.window.end ?? null },
    remoteIps: [],
    remotePorts: [],
    resources: [],
    principals: s.holders.flatMap((h) => (h.accountId ? [{ accountId: h.accountId, kind: "access-key" as const, id: h.accessKeyId }] : [])),
    containedAt: await containedAt(store, c.id),
  };
  const findings = findingsOf(s);
  const investigation = await store.recordInvestigation(
    c.id,
    {
      startedAt,
      finishedAt: new Date().toISOString(),
      options: { only: ["credentials"], via: deps.via ?? "sweep", startFrom: facts.startFrom, request: facts.request },
      subject: subject as unknown as Record<string, unknown>,
      readers: [{ name: "credentials", status: "ran", findings: findings.length, artifacts: 1 }],
      findings,
      activity: [],
      notSearched: s.notSearched,
      evidenceIds: [evidence.id],
    },
    actor,
  );
  return { case: c, sweep: s, startFrom: facts.startFrom, investigation, evidence };
}

/**
 * The latest credential sweep kept with the case (by `sweep CASE`, `plan CASE` or `investigate`),
 * or null when none was. Its bytes must match the SHA-256 the store recorded: a sweep that does
 * not is refused (exit 65), never read as if it were what was found.
 */
export async function latestCaseSweep(store: CaseStore, caseId: string): Promise<{ sweep: SweepResult; evidence: Evidence; investigationId: number } | null> {
  return sweepFromRecords(await store.investigations(caseId), await store.evidence(caseId));
}

/** The same, from records already read (the reply and the report read the case once). */
export function sweepFromRecords(runs: readonly StoredInvestigation[], evidence: readonly Evidence[]): { sweep: SweepResult; evidence: Evidence; investigationId: number } | null {
  for (const run of [...runs].reverse()) {
    if (!run.readers.some((r) => r.name === "credentials" && r.status === "ran")) continue;
    const ev = evidence.find((e) => run.evidenceIds.includes(e.id) && e.label === SWEEP_LABEL);
    if (!ev || ev.content === null) continue;
    const bytes = ev.encoding === "base64" ? Buffer.from(ev.content, "base64") : Buffer.from(ev.content, "utf8");
    if (createHash("sha256").update(bytes).digest("hex") !== ev.sha256)
      throw new UserError(`case ${run.caseId}: the stored credential sweep (evidence ${ev.id}) does not match its SHA-256; it is not read`, { exitCode: 65, hint: "run abuse-desk audit verify, then sweep the case again" });
    let s: SweepResult;
    try {
      s = JSON.parse(bytes.toString("utf8")) as SweepResult;
    } catch {
      continue;
    }
    if (!s || typeof s !== "object" || !Array.isArray(s.holders) || !Array.isArray(s.inventory) || !Array.isArray(s.notSearched) || !Array.isArray(s.searched) || !s.window) continue;
    return { sweep: s, evidence: ev, investigationId: run.id };
  }
  return null;
}

/**
 * `plan` of a case: for a notice about exposed credentials or a compromised account, the sweep
 * runs (read-only) and is kept with the case; what it could not read comes back as search gaps
 * (the plan, apply and the case then say the search is incomplete). A credential notice that names
 * no key is a gap too: the account's credentials were not swept, which is never "nothing to do".
 * Null for any other notice.
 */
export async function credentialPlanSweep(
  store: CaseStore,
  c: Case,
  chosen: StoredNotice,
  deps: { port: CloudReader; now: Date; actor?: string; credentials?: { since?: Date; progress?: (m: string) => void } },
): Promise<{ sweep?: CaseSweep; gaps: Unsearched[] } | null> {
  if (!isCredentialNotice(chosen.notice)) return null;
  const account = c.accountId ?? "*";
  let cs: CaseSweep;
  try {
    cs = await sweepCase(store, c.id, {
      port: deps.port,
      now: deps.now,
      via: "plan",
      ...(deps.actor ? { actor: deps.actor } : {}),
      ...(deps.credentials?.since ? { since: deps.credentials.since } : {}),
      ...(deps.credentials?.progress ? { progress: deps.credentials.progress } : {}),
    });
  } catch (err) {
    if (!(err instanceof UserError) || err.exitCode !== 65) throw err;
    return { gaps: [{ accountId: account, reason: `the credentials were not swept: ${err.message}`, fix: err.hint ?? "sweep the keys you suspect with abuse-desk sweep --key AKIA... --since ISO", cause: "not-swept" }] };
  }
  const gaps: Unsearched[] = cs.sweep.notSearched.map((n) => ({
    accountId: n.scope?.accountId ?? account,
    ...(n.scope?.region ? { region: n.scope.region } : {}),
    reason: `credential sweep: ${n.what}: ${n.reason}`,
    fix: `make it readable (docs/iam/read-only-policy.json), then plan again (abuse-desk plan ${c.id})`,
    cause: "credential-sweep",
  }));
  return { sweep: cs, gaps };
}
