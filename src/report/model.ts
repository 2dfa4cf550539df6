/**
 * The case report as plain data: facts, verdict and its reasons, notices, resources, actions (every
 * step of every plan with what the journal says became of it), evidence with SHA-256, the
 * timeline and the reply. The Markdown and PDF renderers only lay this out; what the report says
 * is decided here, once.
 */
import { readCase, type CaseRecords } from "../case/read.ts";
import type { ChecklistItemState } from "../credentials/checklist.ts";
import type { Case, CaseStore, TimelineEvent } from "../case/types.ts";
import type { Finding } from "../resolve/types.ts";
import type { AuthResults, Reason, VerdictLevel } from "../verify/types.ts";
import { describeStep, stepOutcomes, type StepOutcome } from "../reply/actions.ts";
import { evidenceFromJournal } from "../reply/evidence.ts";
import { ACTIVITY_LABELS } from "../reply/family.ts";
import { fmtBytes, fmtTime as fmtHumanTime } from "../reply/format.ts";
import { findingsFromTimeline, unsearchedFromTimeline } from "../reply/timeline.ts";
import { missingLines } from "../resolve/outcome.ts";
import { investigationStatement, type InvestigationStatement } from "../investigate/statement.ts";
import { caseGaps, gapSubject, type CaseGaps } from "../readiness/gaps.ts";

export interface ReportReply {
  status: "sent" | "drafted";
  at: string;
  subject: string;
  text: string;
  to: string | null;
  via: string | null;
  messageId: string | null;
}

export interface ReportInput extends CaseRecords {
  findings?: Finding[];
  /** Default: the last reply sent, else the last drafted, from the timeline. */
  reply?: ReportReply | null;
  generatedAt: Date;
  /**
   * How a time is written: for a reader (default, `2026-05-01 10:00:00 UTC`) or, for `report
   * --json`, ISO 8601 UTC with Z like every JSON output (an unknown time is then empty).
   */
  times?: "human" | "iso";
}

export interface Report {
  caseId: string;
  title: string;
  subtitle: string;
  generatedAt: string;
  facts: { label: string; value: string }[];
  verdict: { level: VerdictLevel; reasons: Pick<Reason, "severity" | "code" | "message">[]; auth: AuthResults | null } | null;
  notices: { receivedAt: string; kind: string; subject: string; caseNumber: string; verdict: string; sha256: string }[];
  resources: { id: string; type: string; where: string; status: string; owner: string; summary: string }[];
  /** The places the latest search could not read: where, why, the fix (empty when the search was complete). */
  notSearched: string[];
  /** The case's plans, oldest first; `actions` refer to them by id. */
  plans: { id: string; playbook: string; createdAt: string; summary: string; refused: string[] }[];
  actions: { at: string; plan: string; step: string; text: string; outcome: string }[];
  overrides: { at: string; plan: string; actor: string; reason: string }[];
  awsMitigations: string[];
  evidence: { label: string; sha256: string; size: string; source: string; collectedAt: string; where: string }[];
  timeline: { at: string; actor: string; type: string; summary: string }[];
  reply: ReportReply | null;
  /** What the latest investigation states (src/investigate/statement.ts); null when the case was not investigated. */
  investigation: InvestigationStatement | null;
  /** The gaps that let this happen: the failing readiness checks that concern the case's resources, region and account (src/readiness/gaps.ts); null when the readiness runs were not read. */
  gaps: CaseGaps | null;
  /** A credential case's root checklist (what only root can do), item by item; null for any other case. */
  checklist: ChecklistItemState[] | null;
}

const VERDICT_RANK = { authentic: 0, unverified: 1, suspicious: 2, phishing: 3 } as const;

export function buildReport(input: ReportInput): Report {
  const c = input.case;
  const fmtTime = input.times === "iso" ? isoTime : humanTime;
  // The case's verdict is its most trusted notice's; the Verdict section shows the worst notice's
  // (its reasons are what a reader must see), so the fact says when the two differ.
  const worst = [...input.notices].sort((a, b) => VERDICT_RANK[b.verdict] - VERDICT_RANK[a.verdict])[0];
  const worse = worst ? input.notices.filter((n) => n.verdict === worst.verdict && VERDICT_RANK[n.verdict] > VERDICT_RANK[c.verdict]).length : 0;
  const facts: Report["facts"] = [
    { label: "Case", value: c.id },
    { label: "AWS case", value: c.awsCaseNumber ?? "none given" },
    { label: "Subject", value: c.subject ?? "" },
    { label: "Activity", value: `${ACTIVITY_LABELS[c.activityType]} (${c.activityType})` },
    { label: "Status", value: c.closedAt ? `${c.status} at ${fmtTime(c.closedAt)}${c.resolution ? `: ${c.resolution}` : ""}` : c.status },
    { label: "Severity", value: `${c.severity}${c.severitySource === "manual" ? " (set by hand)" : ""}` },
    { label: "Verdict", value: worse ? `${c.verdict} (${worse} of ${input.notices.length} notices judged ${worst!.verdict}: see Verdict)` : c.verdict },
    { label: "Accounts", value: c.accountIds.join(", ") || "unknown" },
    { label: "Regions", value: c.regions.join(", ") || "unknown" },
    { label: "Deadline", value: `${fmtTime(c.deadline.at)} (${c.deadline.basis}${c.deadline.text ? `: ${c.deadline.text}` : ""})` },
    { label: "Received", value: fmtTime(c.receivedAt) },
    { label: "Notices", value: `${c.noticeCount}${c.noticeCount > 1 ? `, last ${fmtTime(c.lastNoticeAt)}` : ""}` },
    { label: "Assignee", value: c.assignee ?? "nobody" },
  ].filter((f) => f.value !== "");

  const verdict = worst ? { level: worst.verdict, reasons: worst.verdictDetail.reasons.map((r) => ({ code: r.code, severity: r.severity, message: r.message })), auth: worst.verdictDetail.auth } : null;

  const notices = input.notices.map((n) => ({
    receivedAt: fmtTime(n.receivedAt),
    kind: n.kind,
    subject: n.subject ?? "",
    caseNumber: n.caseNumber ?? "",
    verdict: n.verdict,
    sha256: n.rawSha256,
  }));

  const { outcomes, overrides } = stepOutcomes(input.plans, input.journal);
  const actions = outcomes.map((o) => ({
    at: fmtTime(o.doneAt ?? o.failedAt ?? ""),
    plan: o.planId,
    step: o.stepId,
    text: describeStep(o),
    outcome: outcomeText(o),
  }));

  const findings = input.findings ?? findingsFromTimeline(input.timeline);
  const journalEvidence = evidenceFromJournal(input.journal);
  const stored = new Set(input.evidence.map((e) => `${e.sha256}\u0000${e.label}`));
  const evidence = [
    ...input.evidence.map((e) => ({ label: e.label, sha256: e.sha256, size: fmtBytes(e.size), source: e.source, collectedAt: fmtTime(e.collectedAt), where: e.path ?? (e.content !== null ? "in the case store" : "") })),
    ...journalEvidence
      .filter((e) => !stored.has(`${e.sha256}\u0000${e.label}`))
      .map((e) => ({ label: e.label, sha256: e.sha256, size: fmtBytes(e.size ?? null), source: e.source, collectedAt: fmtTime(e.collectedAt), where: "in the containment journal" })),
  ];

  return {
    caseId: c.id,
    title: `Abuse case ${c.id}`,
    subtitle: [c.awsCaseNumber ? `AWS case ${c.awsCaseNumber}` : null, ACTIVITY_LABELS[c.activityType], c.status, c.accountIds[0] ? `account ${c.accountIds[0]}` : null].filter(Boolean).join(" · "),
    generatedAt: fmtTime(input.generatedAt.toISOString()),
    facts,
    verdict,
    notices,
    resources: resourceRows(findings, c),
    notSearched: missingLines(unsearchedFromTimeline(input.timeline)),
    plans: [...input.plans]
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))
      .map((p) => ({ id: p.id, playbook: p.playbook, createdAt: fmtTime(p.createdAt), summary: p.summary, refused: p.refused.map((x) => `${x.target}: ${x.reason}`) })),
    actions,
    overrides: overrides.map((o) => ({ at: fmtTime(o.at), plan: o.planId, actor: o.actor, reason: o.reason ?? "" })),
    awsMitigations: [...new Set(input.notices.flatMap((n) => n.notice.mitigations.map((m) => m.text.trim())))],
    evidence,
    timeline: input.timeline.map((e) => ({ at: fmtTime(e.at), actor: e.actor, type: e.type, summary: e.summary })),
    reply: input.reply === undefined ? replyFromTimeline(input.timeline) : input.reply,
    investigation: investigationStatement(input.investigations ?? []),
    gaps: input.readiness ? caseGaps(gapSubject(findings, c), input.readiness) : null,
    checklist: input.checklist ?? null,
  };
}

/** The actions plan by plan (a journal entry for a plan the store does not have gets a group of its own). */
export function actionGroups(r: Pick<Report, "plans" | "actions">): (Report["plans"][number] & { actions: Report["actions"] })[] {
  const groups = r.plans.map((p) => ({ ...p, actions: r.actions.filter((a) => a.plan === p.id) }));
  for (const a of r.actions) {
    if (groups.some((g) => g.id === a.plan)) continue;
    groups.push({ id: a.plan, playbook: "", createdAt: "", summary: "", refused: [], actions: r.actions.filter((x) => x.plan === a.plan) });
  }
  return groups;
}

function outcomeText(o: StepOutcome): string {
  const rb = o.rollback;
  switch (o.status) {
    case "done":
      if (rb?.status === "rolled-back") return `done, rolled back at ${fmtHumanTime(rb.at)}${rb.reason ? ` (${rb.reason})` : ""}`;
      if (rb?.status === "failed") return `done; rollback failed at ${fmtHumanTime(rb.at)}: ${rb.error}`;
      if (rb?.status === "in-progress") return `done; rollback started at ${fmtHumanTime(rb.at)}, not finished`;
      return "done";
    case "failed":
      return `failed: ${o.error}`;
    case "skipped":
      return "skipped: already in the wanted state";
    case "in-progress":
      return "started, not finished";
    case "not-started":
      return "not applied";
  }
}

/** The reply as the timeline last recorded it: the last one sent, else the last draft. */
export function replyFromTimeline(timeline: readonly TimelineEvent[]): ReportReply | null {
  const pick = (type: "reply-sent" | "reply-drafted") => [...timeline].reverse().find((e) => e.type === type && typeof e.data.text === "string");
  const e = pick("reply-sent") ?? pick("reply-drafted");
  if (!e) return null;
  const s = (k: string) => (typeof e.data[k] === "string" ? (e.data[k] as string) : null);
  return { status: e.type === "reply-sent" ? "sent" : "drafted", at: e.at, subject: s("subject") ?? "", text: s("text") ?? "", to: s("to"), via: s("via"), messageId: s("messageId") };
}

function resourceRows(findings: readonly Finding[], c: Case): Report["resources"] {
  const rows: Report["resources"] = [];
  const seen = new Set<string>();
  for (const f of findings) {
    if (f.resources.length === 0) {
      if (seen.has(f.ref.id)) continue;
      seen.add(f.ref.id);
      rows.push({ id: f.ref.id, type: f.ref.type, where: [f.ref.accountId, f.ref.region].filter(Boolean).join("/"), status: f.status, owner: "", summary: f.summary });
      continue;
    }
    for (const r of f.resources) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      const o = r.ownership;
      rows.push({ id: r.id, type: r.type, where: `${r.accountId}/${r.region}`, status: f.status, owner: [o.owner, o.team].filter(Boolean).join(", "), summary: f.summary });
    }
    // The IP (or key) the notice named is covered by what it resolved to.
    seen.add(f.ref.id);
    if (f.ref.publicIp) seen.add(f.ref.publicIp);
    for (const r of f.resources) if (r.type === "ec2-instance") for (const ip of r.publicIps) seen.add(ip);
  }
  for (const id of c.resources) {
    if (!seen.has(id)) rows.push({ id, type: "", where: "", status: findings.length ? "not resolved" : "named in the notice", owner: "", summary: "" });
  }
  return rows;
}

/** The report of a case in the store: everything it shows, read in one place. */
export async function reportForCase(store: CaseStore, ref: string, generatedAt: Date = new Date(), times: ReportInput["times"] = "human"): Promise<Report> {
  return buildReport({ ...(await readCase(store, ref)), generatedAt, times });
}

const humanTime = fmtHumanTime;
function isoTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString();
}
