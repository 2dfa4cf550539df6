/**
 * Intake in one transaction: is the notice already stored (dedupe), which case it belongs to
 * (AWS case number, then account + resource + activity, then the only open case), and what it
 * changes there (status, deadline, severity), with the timeline events that say so.
 */
import type { Notice, NoticeKind } from "../notice/types.ts";
import type { Verdict, VerdictLevel } from "../verify/types.ts";
import {
  canMoveCase,
  caseNumberKey,
  conclusive,
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
  receiptTime,
  reopenStatus,
  sha256Hex,
  union,
} from "./rules.ts";
import type { Selectable } from "kysely";
import { noticeRecord } from "./audit.ts";
import type { NoticesTable } from "./db/schema.ts";
import { linkTx } from "./link.ts";
import { caseAuditView, caseIn, caseSeverity, caseToRow, insertRefs, num, rowToCase, rowToNotice, trustedResources, updateCase, type Trx } from "./rows.ts";
import type { Case, CaseStatus, EventType, IntakeResult, JoinReason } from "./types.ts";
import type { Write } from "./writes.ts";

type PendingEvent = [EventType, string, Record<string, unknown>];

/**
 * Stores one notice in the write `w`: the stored one when it is a duplicate (re-verified when its
 * verdict changed), else the case it opened or joined, or the case it was kept apart in.
 */
export async function intakeTx(w: Write, notice: Notice, verdict: Verdict, rawSha256: string, messageId: string | null, key: string, now: Date): Promise<IntakeResult> {
  const { trx } = w;
  // The same bytes (or the same Health event) again: the same notice, checked again.
  const existing = await trx.selectFrom("notices").selectAll().where("dedupe_key", "=", key).executeTakeFirst();
  if (existing) return reverifyTx(w, existing, verdict);
  if (messageId) {
    // The same Message-ID in other bytes is a copy relayed another way when it is judged the
    // same; otherwise (a forgery reusing a genuine notice's Message-ID, or a genuine notice after
    // such a forgery) it is a notice of its own, and neither shadows the other.
    const relayed = await trx.selectFrom("notices").selectAll().where("message_id", "=", messageId).where("verdict", "=", verdict.verdict).orderBy("id", "asc").limit(1).executeTakeFirst();
    if (relayed) {
      const c = await caseIn(trx, relayed.case_id);
      return { case: c!, notice: rowToNotice(relayed), created: false, duplicate: true, joinedBy: relayed.joined_by as JoinReason, reverified: null };
    }
  }
  const received = receiptTime(notice, now);
  const match = await findCase(trx, notice, received, verdict.verdict);
  let c: Case;
  let joinedBy: JoinReason;
  let consequences: PendingEvent[] = [];
  // A notice that is not authentic never changes what an authentic case acts on: it is kept
  // apart, in a case of its own that needs linking, and says why.
  const target = match.caseId === null ? null : (await caseIn(trx, match.caseId))!;
  const keptFrom = target && target.verdict === "authentic" && verdict.verdict !== "authentic" ? target : null;
  if (keptFrom) {
    const why = verdict.reasons.filter((r) => r.severity === "fail" || r.severity === "warn").map((r) => r.message);
    const reason =
      `a ${verdict.verdict} notice naming authentic case ${keptFrom.id} (${match.caseId !== null && "reason" in match ? JOIN_WORDS[match.reason] : ""}): kept apart so that it cannot change what that case acts on` +
      (why.length ? `; ${why.slice(0, 2).join("; ")}` : "") +
      `; verify it, then link it by hand or take it in again once it verifies`;
    c = await createCase(w, notice, verdict.verdict, received, now, { reason, into: keptFrom.id });
    joinedBy = "kept-apart";
  } else if (match.caseId === null) {
    c = await createCase(w, notice, verdict.verdict, received, now, match.needsLinking ? { reason: match.why, into: null } : null);
    joinedBy = match.needsLinking ? "new-needs-linking" : "new";
  } else {
    ({ case: c, events: consequences } = await joinCase(w, match.caseId, notice, verdict.verdict, received, now, match.reason));
    joinedBy = match.reason;
  }
  const created = match.caseId === null || keptFrom !== null;
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
  // A kept-apart notice leaves no keys behind: later notices of that AWS case still find the authentic one.
  if (!keptFrom) await insertRefs(trx, c.id, notice);
  const stored = rowToNotice(inserted);
  const how: Record<JoinReason, string> = {
    new: "opened the case",
    "new-needs-linking": "opened the case (a follow-up that matched no case: link it)",
    "kept-apart": `kept apart from authentic case ${keptFrom?.id ?? ""} (${verdict.verdict}): link it by hand if it belongs there`,
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
  w.audit("notice.stored", c.id, { noticeId: stored.id, dedupeKey: key, rawSha256, ...noticeRecord(inserted) });
  const reasons = verdict.reasons.filter((r) => r.severity === "fail" || r.severity === "warn").map((r) => r.message);
  await w.event(c.id, "verdict", `Verdict: ${verdict.verdict}${reasons.length ? ` (${reasons.slice(0, 2).join("; ")})` : ""}`, {
    noticeId: stored.id,
    verdict: verdict.verdict,
    reasons: verdict.reasons.map((r) => ({ code: r.code, severity: r.severity })),
  });
  // What the notice changed (status, deadline, severity) follows its arrival on the timeline.
  for (const [type, summary, data] of consequences) await w.event(c.id, type, summary, data);
  if (keptFrom) {
    // The authentic case records the attempt on its timeline, and nothing else.
    await w.event(keptFrom.id, "notice-kept-apart", `A ${verdict.verdict} ${kindWords(notice.kind).toLowerCase()} naming this case was kept apart in ${c.id}; it changes nothing here`, {
      noticeId: stored.id,
      caseId: c.id,
      verdict: verdict.verdict,
      reasons: verdict.reasons.map((r) => ({ code: r.code, severity: r.severity })),
    });
  }
  return { case: c, notice: stored, created, duplicate: false, joinedBy, reverified: null };
}

const JOIN_WORDS: Record<JoinReason, string> = {
  new: "new",
  "new-needs-linking": "a follow-up that matched no case",
  "kept-apart": "kept apart",
  "case-number": "the same AWS case number",
  resources: "the same account, resource and activity",
  "only-open-case": "the only open case it could belong to",
  manual: "linked by hand",
};

/**
 * A stored notice taken in again (the same bytes): when its verification now says something else,
 * conclusively (DNS is back, an authserv is trusted, or evidence of forgery turned up), the notice
 * takes the new verdict and its case follows: the case's verdict is its most trusted notice's,
 * and its resources are those its notices of that verdict name, so an upgrade may make the notice
 * the one the case acts on and a downgrade never leaves a case acting on a notice less trusted
 * than itself. A notice kept apart from an authentic case that is now authentic joins that case.
 */
async function reverifyTx(w: Write, row: Selectable<NoticesTable>, verdict: Verdict): Promise<IntakeResult> {
  const { trx } = w;
  const before = (await caseIn(trx, row.case_id))!;
  const from = row.verdict as VerdictLevel;
  const to = verdict.verdict;
  // A check that says nothing either way changes nothing (the stored notice says what was proven).
  if (from === to || !conclusive(verdict)) return { case: before, notice: rowToNotice(row), created: false, duplicate: true, joinedBy: row.joined_by as JoinReason, reverified: null };
  const verdictJson = JSON.stringify(verdict);
  await trx.updateTable("notices").set({ verdict: to, verdict_json: verdictJson }).where("id", "=", row.id).execute();
  const updated = { ...row, verdict: to, verdict_json: verdictJson };
  const noticeId = num(row.id);
  const levels = (await trx.selectFrom("notices").select("verdict").distinct().where("case_id", "=", before.id).execute()).map((r) => r.verdict as VerdictLevel);
  const c: Case = { ...before, verdict: levels.reduce(mostTrusted), updatedAt: w.at };
  c.resources = await trustedResources(trx, [c.id], c.verdict);
  if (c.severitySource === "derived") c.severity = await caseSeverity(trx, c, [c.id]);
  await updateCase(trx, c);
  const why = verdict.reasons.filter((r) => r.severity === "fail" || r.severity === "warn").map((r) => r.message);
  w.audit("notice.verdict", c.id, { noticeId, from, to, ...noticeRecord(updated) });
  w.audit("case.verdict", c.id, { reason: "re-verified", noticeId, before: caseAuditView(before), after: caseAuditView(c) });
  await w.event(c.id, "verdict", `Verdict of notice #${noticeId} re-checked: ${from} -> ${to}${why.length ? ` (${why.slice(0, 2).join("; ")})` : ""}`, {
    noticeId,
    verdict: to,
    from,
    reverified: true,
    reasons: verdict.reasons.map((r) => ({ code: r.code, severity: r.severity })),
    case: { verdict: { from: before.verdict, to: c.verdict }, resources: { from: before.resources, to: c.resources } },
  });
  if (c.severity !== before.severity) await w.event(c.id, "severity", `Severity ${before.severity} -> ${c.severity}`, { from: before.severity, to: c.severity, reason: "re-verified" });
  let result: Case = c;
  let joinedBy = row.joined_by as JoinReason;
  if (to === "authentic" && c.linkInto && c.needsLinking && isOpen(c.status)) {
    const into = await caseIn(trx, c.linkInto);
    if (into) {
      result = await linkTx(w, c, into, "case-number");
      joinedBy = "case-number";
    }
  }
  const stored = rowToNotice({ ...updated, case_id: result.id, joined_by: joinedBy });
  return { case: result, notice: stored, created: false, duplicate: true, joinedBy, reverified: { from, to } };
}

/** Which case a new notice belongs to: case number first, then account + resource + activity in the window, then the only open case. */
async function findCase(
  trx: Trx,
  notice: Notice,
  received: string,
  verdict: VerdictLevel,
): Promise<{ caseId: string; reason: JoinReason; needsLinking: false } | { caseId: null; needsLinking: false } | { caseId: null; needsLinking: true; why: string }> {
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
    if (!canMoveCase(verdict)) return { caseId: null, needsLinking: true, why: `a ${verdict} follow-up that names no case we know (a possibly forged notice never joins the only open case)` };
    let q = trx.selectFrom("cases").select("id").where("is_open", "=", 1);
    if (notice.accountIds.length > 0) {
      q = q.where("id", "in", (eb) => eb.selectFrom("case_refs").select("case_id").where("kind", "=", "account").where("value", "in", notice.accountIds));
    }
    if (notice.activityType !== "other") q = q.where("activity_type", "in", [notice.activityType, "other"]);
    const open = await q.orderBy("last_notice_at", "desc").limit(2).execute();
    if (open.length === 1) return { caseId: open[0]!.id, reason: "only-open-case", needsLinking: false };
    return { caseId: null, needsLinking: true, why: `a follow-up that names no case we know, and ${open.length ? "more than one" : "no"} open case it could belong to` };
  }
  return { caseId: null, needsLinking: false };
}

async function nextCaseId(trx: Trx, now: Date): Promise<string> {
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

async function createCase(w: Write, notice: Notice, verdict: VerdictLevel, received: string, now: Date, linking: { reason: string; into: string | null } | null): Promise<Case> {
  const id = await nextCaseId(w.trx, now);
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
    needsLinking: linking !== null,
    linkReason: linking?.reason ?? null,
    linkInto: linking?.into ?? null,
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

async function joinCase(
  w: Write,
  caseId: string,
  notice: Notice,
  verdict: VerdictLevel,
  received: string,
  now: Date,
  reason: JoinReason,
): Promise<{ case: Case; events: PendingEvent[] }> {
  const before = (await caseIn(w.trx, caseId))!;
  const c: Case = {
    ...before,
    accountIds: union(before.accountIds, notice.accountIds),
    accountId: before.accountId ?? notice.accountIds[0] ?? null,
    regions: union(before.regions, notice.regions),
    verdict: mostTrusted(before.verdict, verdict),
    awsCaseNumber: before.awsCaseNumber ?? notice.caseNumber,
    subject: before.subject ?? notice.subject,
    activityType: before.activityType === "other" ? notice.activityType : before.activityType,
    noticeCount: before.noticeCount + 1,
    lastNoticeAt: received > before.lastNoticeAt ? received : before.lastNoticeAt,
    updatedAt: w.at,
  };
  // The resources the case acts on are those of its most trusted notices: a less trusted notice adds
  // none, and a more trusted one (a genuine notice in a case a doubtful one opened) replaces them.
  if (verdict !== c.verdict) c.resources = before.resources;
  else if (verdict === before.verdict) c.resources = union(before.resources, noticeResources(notice));
  else c.resources = union(await trustedResources(w.trx, [caseId], c.verdict), noticeResources(notice));
  const events: PendingEvent[] = [];
  if (canMoveCase(verdict) && verdict === c.verdict) {
    const reply = before.status === "replied" ? await replyBefore(w.trx, caseId, received) : null;
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
      c.severity = await caseSeverity(w.trx, c, [caseId], [notice.kind]);
      if (c.severity !== before.severity) events.push(["severity", `Severity ${before.severity} -> ${c.severity}`, { from: before.severity, to: c.severity, reason: "derived" }]);
    }
  }
  await updateCase(w.trx, c);
  w.audit("case.joined", caseId, { reason, before: caseAuditView(before), after: caseAuditView(c) });
  return { case: c, events };
}

/**
 * When the case's latest status change marked it replied before `received` (so a notice received
 * then was written after our reply, not a reminder that crossed it): the open status it had
 * before the reply (`triaged` when that was not an open status, as after a reopen).
 */
async function replyBefore(trx: Trx, caseId: string, received: string): Promise<{ from: CaseStatus } | null> {
  const last = await trx.selectFrom("timeline").select(["at", "data"]).where("case_id", "=", caseId).where("type", "=", "status").orderBy("id", "desc").limit(1).executeTakeFirst();
  if (!last || !(received > last.at)) return null;
  const d = JSON.parse(last.data) as { from?: unknown; to?: unknown };
  if (d.to !== "replied") return null;
  const from = d.from as CaseStatus;
  return { from: isOpen(from) && from !== "replied" ? from : "triaged" };
}

export function kindWords(kind: NoticeKind): string {
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
