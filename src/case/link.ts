/**
 * Moving a case's notices into the case they belong to: by hand (`case link FROM INTO`), or by
 * itself when a notice kept apart from an authentic case is re-verified as authentic. The
 * receiving case takes them as if they had joined it on arrival, by the same rule as intake: only
 * notices as trusted as the case change what it acts on (its resources, its deadline).
 */
import { UserError } from "../errors.ts";
import { canMoveCase, isOpen, joinedDeadline, mostTrusted, union } from "./rules.ts";
import { caseAuditView, caseSeverity, insertRefs, rowToNotice, trustedResources, updateCase } from "./rows.ts";
import type { Case, JoinReason } from "./types.ts";
import type { Write } from "./writes.ts";

export async function linkTx(w: Write, from: Case, into: Case, joinedBy: JoinReason): Promise<Case> {
  if (from.id === into.id) throw new UserError(`cannot link ${from.id} into itself`, { exitCode: 64 });
  const moved = (await w.trx.selectFrom("notices").selectAll().where("case_id", "=", from.id).orderBy("id", "asc").execute()).map(rowToNotice);
  if (moved.length === 0) throw new UserError(`case ${from.id} has no notices to link (it was linked already?)`, { exitCode: 65 });
  const now = new Date(w.at);
  const c: Case = { ...into, updatedAt: w.at };
  for (const n of moved) {
    c.accountIds = union(c.accountIds, n.notice.accountIds);
    c.accountId = c.accountId ?? n.notice.accountIds[0] ?? null;
    c.regions = union(c.regions, n.notice.regions);
    c.verdict = mostTrusted(c.verdict, n.verdict);
    c.awsCaseNumber = c.awsCaseNumber ?? n.caseNumber;
    if (c.activityType === "other") c.activityType = n.notice.activityType;
    if (n.receivedAt > c.lastNoticeAt) c.lastNoticeAt = n.receivedAt;
  }
  // What the case acts on follows its most trusted notices only: a doubtful notice linked into an
  // authentic case is recorded there, and moves nothing.
  for (const n of moved) {
    if (n.verdict === c.verdict && canMoveCase(n.verdict) && isOpen(c.status)) c.deadline = joinedDeadline(c.deadline, n.notice, now);
  }
  c.noticeCount = into.noticeCount + moved.length;
  await w.trx.updateTable("notices").set({ case_id: into.id, joined_by: joinedBy }).where("case_id", "=", from.id).execute();
  c.resources = c.verdict === into.verdict ? union(into.resources, await trustedResources(w.trx, [into.id], c.verdict, { only: moved.map((n) => n.id) })) : await trustedResources(w.trx, [into.id], c.verdict);
  if (c.severitySource === "derived") c.severity = await caseSeverity(w.trx, c, [into.id]);
  // Only notices that count leave keys by which later notices find the case.
  for (const n of moved) if (n.verdict === c.verdict) await insertRefs(w.trx, into.id, n.notice);
  await w.trx.deleteFrom("case_refs").where("case_id", "=", from.id).execute();
  await updateCase(w.trx, c);
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
  await updateCase(w.trx, closedFrom);
  const ids = moved.map((n) => n.id);
  const by = joinedBy === "manual" ? "" : " (re-verified as authentic)";
  await w.event(from.id, "linked", `Linked into ${into.id}${by}: its ${moved.length === 1 ? "notice belongs" : `${moved.length} notices belong`} there`, { into: into.id, noticeIds: ids });
  await w.event(into.id, "linked", `${from.id} linked here${by} (${moved.length} notice${moved.length === 1 ? "" : "s"})`, { from: from.id, noticeIds: ids });
  if (c.deadline.at !== into.deadline.at) await w.event(into.id, "deadline", `Deadline shortened to ${c.deadline.at} by a linked notice`, { from: into.deadline, to: c.deadline });
  w.audit("case.linked", into.id, { from: from.id, into: into.id, noticeIds: ids, after: caseAuditView(c) });
  return c;
}
