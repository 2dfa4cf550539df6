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

/** What a sweep could not read, as gaps of the case's search (the plan, apply and the case then say the search is incomplete). */
function sweepGaps(c: Case, notSearched: readonly NotSearched[], fix: string): Unsearched[] {
  const account = c.accountId ?? "*";
  return notSearched.map((n) => ({
    accountId: n.scope?.accountId ?? account,
    ...(n.scope?.region ? { region: n.scope.region } : {}),
    reason: `credential sweep: ${n.what}: ${n.reason}`,
    fix,
    cause: "credential-sweep",
  }));
}

/** The credentials of a case were not swept (no key named, not a case the sweep can read): a gap, never "nothing to do". */
function notSweptGap(c: Case, why: string, fix: string): Unsearched {
  return { accountId: c.accountId ?? "*", reason: `the credentials were not swept: ${why}`, fix, cause: "not-swept" };
}

/**
 * `plan` of a credential case (and the scheduler's re-resolution of one): the sweep runs
 * (read-only) and is kept with the case; what it could not read comes back as search gaps (the
 * plan, apply and the case then say the search is incomplete). A credential notice that names no
 * key is a gap too: the account's credentials were not swept, which is never "nothing to do".
 * The caller decides that the case is a credential case (src/desk/index.ts resolveCase).
 */
export async function credentialPlanSweep(
  store: CaseStore,
  c: Case,
  deps: { port: CloudReader; now: Date; actor?: string; via?: string; credentials?: { since?: Date; progress?: (m: string) => void } },
): Promise<{ sweep?: CaseSweep; gaps: Unsearched[] }> {
  let cs: CaseSweep;
  try {
    cs = await sweepCase(store, c.id, {
      port: deps.port,
      now: deps.now,
      via: deps.via ?? "plan",
      ...(deps.actor ? { actor: deps.actor } : {}),
      ...(deps.credentials?.since ? { since: deps.credentials.since } : {}),
      ...(deps.credentials?.progress ? { progress: deps.credentials.progress } : {}),
    });
  } catch (err) {
    if (!(err instanceof UserError) || err.exitCode !== 65) throw err;
    return { gaps: [notSweptGap(c, err.message, err.hint ?? "sweep the keys you suspect with abuse-desk sweep --key AKIA... --since ISO")] };
  }
  return { sweep: cs, gaps: sweepGaps(c, cs.sweep.notSearched, `make it readable (docs/iam/read-only-policy.json), then plan again (abuse-desk plan ${c.id})`) };
}

/**
 * The credential part of a case's search without sweeping again (intake of a notice, the
 * investigation's subject): what the latest sweep kept with the case could not read, and what it
 * does not cover of what the case's notices ask now (a key it did not sweep, an earlier start).
 * No sweep kept (or one that fails its SHA-256) is a gap: the credentials were not swept, and
 * `plan CASE` sweeps them. Never "searched" on the word of a sweep that did not run.
 */
export async function storedSweepGaps(store: CaseStore, c: Case, o: { now: Date }): Promise<Unsearched[]> {
  const again = `abuse-desk plan ${c.id} (it sweeps the case's credentials)`;
  let facts: CredentialFacts;
  try {
    facts = credentialFacts(c, await store.notices(c.id), { now: o.now });
  } catch (err) {
    if (!(err instanceof UserError) || err.exitCode !== 65) throw err;
    return [notSweptGap(c, err.message, err.hint ?? "sweep the keys you suspect with abuse-desk sweep --key AKIA... --since ISO")];
  }
  let kept: Awaited<ReturnType<typeof latestCaseSweep>>;
  try {
    kept = await latestCaseSweep(store, c.id);
  } catch (err) {
    if (!(err instanceof UserError) || err.exitCode !== 65) throw err;
    return [notSweptGap(c, err.message, again)];
  }
  if (!kept) return [notSweptGap(c, "no sweep has run for this case yet (what the attacker made is not searched until it does)", again)];
  const gaps = sweepGaps(c, kept.sweep.notSearched, `make it readable (docs/iam/read-only-policy.json), then plan again (${again})`);
  const swept = new Set(kept.sweep.holders.map((h) => h.accessKeyId));
  const missing = facts.request.accessKeyIds.filter((k) => !swept.has(k));
  if (missing.length) gaps.push(notSweptGap(c, `the case's notices name ${missing.join(", ")}, which the sweep kept with the case (evidence ${kept.evidence.id}) did not sweep`, again));
  const start = Date.parse(kept.sweep.window.start);
  if (!Number.isNaN(start) && start > Date.parse(facts.request.start))
    gaps.push(notSweptGap(c, `CloudTrail from ${facts.request.start} to ${kept.sweep.window.start}: the sweep kept with the case (evidence ${kept.evidence.id}) began later than the case's notices ask`, again));
  return gaps;
}

/**
 * A credential notice planned from its file, with no case (`plan notice.eml`): nothing sweeps its
 * credentials there (the sweep is kept with a case), so the plan's search is never complete: a gap
 * that says how to have them swept. Null for any other notice.
 */
export function noticeNotSweptGap(notice: { kind?: string; activityType: string; accountIds: readonly string[]; accessKeyIds: readonly string[] }): Unsearched | null {
  if (!isCredentialNotice(notice)) return null;
  const account = notice.accountIds.find((a) => ACCOUNT.test(a)) ?? "*";
  const keys = notice.accessKeyIds.filter((k) => KEY.test(k));
  return {
    accountId: account,
    reason: "the credentials were not swept: a plan made from a notice file does not run the credential sweep (what the attacker made is not searched)",
    fix: `take the notice in (abuse-desk intake FILE) and plan its case (abuse-desk plan CASE), which sweeps${keys.length ? `; or abuse-desk sweep --key ${keys.join(" --key ")} --since ISO --plan` : ""}`,
    cause: "not-swept",
  };
}
