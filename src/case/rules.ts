/**
 * The case rules, as pure functions over plain data: statuses and their transitions, severity,
 * deadlines, case ids, what makes two arrivals the same notice, and which keys a later notice can
 * find its case by. The store applies them inside its transactions; tests call them directly.
 */
import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";
import type { ActivityType, Notice, NoticeKind } from "../notice/types.ts";
import type { Verdict, VerdictLevel } from "../verify/types.ts";
import { OPEN_STATUSES, type Case, type CaseStatus, type Severity } from "./types.ts";

/** A notice with no case number joins a case about the same account, resource and activity seen within this window. */
export const JOIN_WINDOW_MS = 14 * 24 * 3600_000;
/** AWS asks for a reply within 24 hours unless the notice gives its own timeline. */
export const DEFAULT_REPLY_MS = 24 * 3600_000;

/** Kinds that continue an earlier case rather than open one. */
export const FOLLOW_UP_KINDS: readonly NoticeKind[] = ["follow_up", "final_notification", "resolved"];

export function formatCaseId(year: number, n: number): string {
  return `AD-${year}-${String(n).padStart(4, "0")}`;
}

/** Normalises a typed case id (`ad-2026-7` -> `AD-2026-0007`); null when it is not one. */
export function parseCaseId(ref: string): string | null {
  const m = /^AD-(\d{4})-(\d+)$/i.exec(ref.trim());
  return m ? formatCaseId(Number(m[1]), Number(m[2])) : null;
}

export function isOpen(status: CaseStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

const FORWARD: readonly CaseStatus[] = ["new", "triaged", "contained", "replied"];

/** Error for a transition the rules refuse: says what is allowed instead. */
export class InvalidTransition extends UserError {
  constructor(caseId: string, from: CaseStatus, to: CaseStatus, why: string) {
    super(`case ${caseId} is ${from}; it cannot become ${to}: ${why}`, { exitCode: 65 });
    this.name = "InvalidTransition";
  }
}

/**
 * Checks a status change: forward along new -> triaged -> contained -> replied (steps may be
 * skipped: a case with nothing to contain goes from triaged to replied), any open status to
 * resolved or closed, resolved <-> closed; contained or replied -> rolled-back (containment
 * undone) -> contained again or replied. Going back, or out of resolved/closed, is a reopen.
 * Returns false when the case already has that status (nothing to do).
 */
export function checkTransition(caseId: string, from: CaseStatus, to: CaseStatus): boolean {
  if (from === to) return false;
  if (to === "resolved" || to === "closed") return true;
  if (!isOpen(from)) throw new InvalidTransition(caseId, from, to, "reopen it first");
  // Rolled back: off the forward line. Only containment is undone; containing again (or replying) moves on.
  if (to === "rolled-back") {
    if (from === "contained" || from === "replied") return true;
    throw new InvalidTransition(caseId, from, to, "only a contained (or replied) case has containment to roll back");
  }
  if (from === "rolled-back") {
    if (to === "contained" || to === "replied") return true;
    throw new InvalidTransition(caseId, from, to, "its containment was rolled back: apply a new plan (contained), reply, resolve or close it");
  }
  if (FORWARD.indexOf(to) < FORWARD.indexOf(from)) {
    throw new InvalidTransition(caseId, from, to, `statuses only move forward (${FORWARD.join(" -> ")}); close and reopen it to start over`);
  }
  return true;
}

/** Where a reopened case goes: back to the status it had before it was resolved or closed. */
export function reopenStatus(c: Pick<Case, "id" | "status" | "statusBeforeClose">): CaseStatus {
  if (isOpen(c.status)) throw new InvalidTransition(c.id, c.status, c.status, "it is open; only resolved or closed cases reopen");
  const prev = c.statusBeforeClose;
  return prev && isOpen(prev) ? prev : "triaged";
}

const ACTIVITY_SEVERITY: Record<ActivityType, Severity> = {
  credentials_exposed: "critical",
  account_compromise: "critical",
  intrusion: "high",
  botnet_c2: "high",
  malware_hosting: "high",
  crypto_mining: "high",
  dos: "high",
  phishing: "high",
  illegal_content: "high",
  port_scan: "medium",
  brute_force: "medium",
  web_attack: "medium",
  open_proxy: "medium",
  spam_email: "medium",
  spam_web: "medium",
  crawling: "low",
  copyright: "low",
  other: "medium",
};

const SEVERITY_ORDER: readonly Severity[] = ["low", "medium", "high", "critical"];

/**
 * Severity from what the notices say: the activity sets the level (credentials and compromise are
 * critical: someone else holds the keys), a final notification raises it one step (suspension is
 * next), and a notice that is probably not from AWS at all (suspicious, phishing) is low: the case
 * exists to record the attempt, not to act on it.
 */
export function deriveSeverity(activity: ActivityType, verdict: VerdictLevel, kinds: readonly NoticeKind[]): Severity {
  if (verdict === "suspicious" || verdict === "phishing") return "low";
  let i = SEVERITY_ORDER.indexOf(ACTIVITY_SEVERITY[activity]);
  if (kinds.includes("final_notification")) i = Math.min(i + 1, SEVERITY_ORDER.length - 1);
  return SEVERITY_ORDER[i]!;
}

const VERDICT_TRUST: readonly VerdictLevel[] = ["phishing", "suspicious", "unverified", "authentic"];

/** The case's verdict is its most trusted notice's: one genuine notice makes the incident genuine. */
export function mostTrusted(a: VerdictLevel, b: VerdictLevel): VerdictLevel {
  return VERDICT_TRUST.indexOf(a) >= VERDICT_TRUST.indexOf(b) ? a : b;
}

/**
 * The notice a case's plan is written for: among its most trusted notices (a case never acts on a
 * notice less trusted than itself), the latest that asks for action (a reminder repeats it).
 */
export function actingNotice<T extends { kind: NoticeKind; verdict: VerdictLevel }>(notices: readonly T[]): T | undefined {
  if (notices.length === 0) return undefined;
  const level = notices.map((n) => n.verdict).reduce(mostTrusted);
  const trusted = notices.filter((n) => n.verdict === level);
  const asking = trusted.filter((n) => !FOLLOW_UP_KINDS.includes(n.kind));
  return (asking.length ? asking : trusted).at(-1);
}

/**
 * Whether a verification says something either way: authentic (the evidence holds), or evidence
 * against it (a reason that fails or warns). "Unverified" with nothing against it is only "could
 * not check" (offline, DNS down, a DKIM key AWS has since rotated away): it neither upgrades nor
 * downgrades a stored verdict.
 */
export function conclusive(v: Pick<Verdict, "verdict" | "reasons">): boolean {
  return v.verdict === "authentic" || v.reasons.some((r) => r.severity === "fail" || r.severity === "warn");
}

/** A notice that may be a forgery records its arrival but never moves a case (status, deadline, severity). */
export function canMoveCase(verdict: VerdictLevel): boolean {
  return verdict === "authentic" || verdict === "unverified";
}

/** ISO 8601 UTC with milliseconds: fixed width, so times sort as text on both dialects. */
export function iso(d: Date | string | number): string {
  const date = d instanceof Date ? d : new Date(d);
  if (Number.isNaN(date.getTime())) throw new UserError(`not a valid time: ${String(d)}`, { exitCode: 65 });
  return date.toISOString();
}

/** When the desk counts the notice as received: its Date, else the time it was stored. */
export function receiptTime(notice: Notice, now: Date): string {
  if (notice.receivedAt) {
    const t = new Date(notice.receivedAt);
    if (!Number.isNaN(t.getTime())) return t.toISOString();
  }
  return now.toISOString();
}

/** The reply deadline a notice sets: its own when it states one, else 24 hours after receipt. */
export function noticeDeadline(notice: Notice, now: Date): { at: string; basis: "stated" | "default"; text: string | null } {
  const d = notice.deadline;
  if (d && d.basis === "stated" && d.at && !Number.isNaN(new Date(d.at).getTime())) {
    return { at: iso(d.at), basis: "stated", text: d.text ?? null };
  }
  const received = new Date(receiptTime(notice, now)).getTime();
  return { at: iso(received + DEFAULT_REPLY_MS), basis: "default", text: null };
}

/**
 * The deadline after a later notice joins: a final notification sets the earlier of the two, a
 * notice that states its own (earlier) deadline shortens it, nothing ever lengthens it (only a
 * person can, with `setDeadline`).
 */
export function joinedDeadline(current: Case["deadline"], notice: Notice, now: Date): Case["deadline"] {
  if (notice.kind === "resolved") return current;
  const d = noticeDeadline(notice, now);
  const counts = notice.kind === "final_notification" || d.basis === "stated";
  if (counts && d.at < current.at) return d;
  return current;
}

/** `14425262173-1` and `14425262173` are the same AWS case; DMCA ids (`AWS-DMCA-3816`) are kept whole. */
export function caseNumberKey(caseNumber: string): string {
  const n = caseNumber.trim().toUpperCase();
  const m = /^(\d{6,})-\d{1,3}$/.exec(n);
  return m ? m[1]! : n;
}

export function normalizeMessageId(id: string | null | undefined): string | null {
  if (!id) return null;
  const v = id.trim().replace(/^<|>$/g, "").trim();
  return v === "" ? null : v;
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * What makes two arrivals one notice: the Message-ID and the raw bytes together when there is a
 * Message-ID (so a forgery carrying a genuine notice's Message-ID cannot shadow it; intake also
 * takes the same Message-ID in other bytes judged the same as a relayed copy); for an AWS Health event,
 * its ARN, accounts and status (the same event reaches the desk from the Health API and from
 * EventBridge in different JSON; an update to its status is news, and an organisation's event
 * names each account separately); else the exact bytes.
 */
export function dedupeKey(messageId: string | null, rawSha256: string, notice?: Pick<Notice, "accountIds" | "health">): string {
  if (messageId) return `mid:${messageId} sha256:${rawSha256}`;
  const arn = notice?.health?.arn?.trim();
  if (arn) return `health:${arn}:${[...new Set(notice!.accountIds)].sort().join(",")}:${notice!.health!.statusCode ?? ""}`;
  return `sha256:${rawSha256}`;
}

/** Resource ids a notice names (lower-cased for matching), in order, without repeats. */
export function noticeResources(n: Notice): string[] {
  const ids = [
    ...n.instanceIds,
    ...n.networkInterfaceIds,
    ...n.accessKeyIds,
    ...n.publicIps,
    ...n.resources.filter((r) => r.type !== "other").map((r) => r.id),
  ];
  return [...new Set(ids.map((s) => s.trim()).filter((s) => s !== ""))];
}

/** Keys stored beside a case so that later notices find it. */
export function caseRefs(n: Notice): { kind: "aws-case" | "resource" | "account"; value: string }[] {
  const refs: { kind: "aws-case" | "resource" | "account"; value: string }[] = [];
  if (n.caseNumber) refs.push({ kind: "aws-case", value: caseNumberKey(n.caseNumber) });
  for (const r of noticeResources(n)) refs.push({ kind: "resource", value: r.toLowerCase() });
  for (const a of new Set(n.accountIds)) refs.push({ kind: "account", value: a });
  return refs;
}

/** Merges lists keeping first-seen order. */
export function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
