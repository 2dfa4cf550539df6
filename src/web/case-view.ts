/**
 * The case page as plain data: everything the web desk shows of one case, decided here once so
 * the page (src/web/case-page.tsx), its route tests and the bench read the same thing.
 *
 * It reuses the report's model (src/report/model.ts: facts, verdict and its reasons, resources,
 * evidence, timeline, the reply) and the reply's reading of the journal (src/reply/actions.ts:
 * what became of each step), and adds what only a screen needs: each notice's lines with the
 * facts marked where the parser read them (`Source` of src/notice/types.ts), the time left, every
 * step with its exact API calls (src/plan/calls.ts writes them; the plan keeps them), the journal
 * line by line, and whether the person looking may act (roles, four-eyes).
 *
 * Nothing here is HTML: values are plain strings (the page escapes them); a highlighted line is a
 * list of segments, so attacker-controlled notice text is never markup.
 */
import { readCase, type CaseRecords } from "../case/read.ts";
import type { Case, CaseStore, StoredNotice, TimelineEvent } from "../case/types.ts";
import type { JournalEntry, Plan, Step } from "../execute/types.ts";
import type { Notice, Source } from "../notice/types.ts";
import { buildReport, type Report } from "../report/model.ts";
import { describeStep, stepOutcomes, type StepOutcome } from "../reply/actions.ts";
import { findingsFromTimeline } from "../reply/timeline.ts";
import type { Finding, Resolved } from "../resolve/types.ts";
import type { Reason, VerdictLevel } from "../verify/types.ts";
import { approvalIn } from "../case/approval.ts";

/** Who approved a plan (../case/approval.ts, one reading for the desk, the queue and the CLI). */
export { approvalIn };

/** A piece of a notice line: plain text, or a fact the parser read there (`fact` names it). */
export interface Segment {
  text: string;
  fact?: string;
}

/** One line of a notice that facts were read from, with those facts marked. */
export interface NoticeLine {
  part: Source["part"];
  line: number | null;
  segments: Segment[];
  /** The facts read from this line (`remoteIps`, `Remote IP`...), in order. */
  facts: string[];
}

export interface NoticeView {
  id: number;
  kind: string;
  receivedAt: string;
  subject: string | null;
  from: string | null;
  messageId: string | null;
  verdict: VerdictLevel;
  reasons: Reason[];
  sha256: string;
  joinedBy: string;
  /** The lines the parser read facts from, in the order of the notice (subject, headers, body, forwarded report, event fields). */
  lines: NoticeLine[];
  /** The labelled fields as found (`Remote IP: 203.0.113.9`), with where. */
  fields: { label: string; value: string; where: string }[];
  logExtract: string | null;
  mitigations: string[];
  redactions: string[];
  warnings: string[];
}

export interface ResourceView {
  id: string;
  type: string;
  where: string;
  status: string;
  summary: string;
  owner: string;
  /** Network context: VPC, subnet, interfaces with their security groups, public IPs. */
  network: string[];
  /** Scaling context: Auto Scaling group, target groups, load balancers. */
  scaling: string[];
  notes: string[];
}

export type StepState = "not-started" | "in-progress" | "done" | "skipped" | "failed" | "rolled-back" | "rollback-failed" | "rollback-in-progress";

export interface StepView {
  id: string;
  action: string;
  target: string;
  reason: string;
  changes: string;
  risk: Step["risk"];
  reversible: boolean;
  dependsOn: string[];
  /** The API calls exactly as the dry run makes them (IAM action names and their parameters), as indented JSON. */
  calls: { api: string; params: string }[];
  state: StepState;
  /** One line on what the journal says (when, by whom, the error). */
  outcome: string;
  /** What was done, as the reply would state it (done steps only). */
  done: string | null;
  /** The step may be chosen for an apply (not done) / for a rollback (done, not read-only, not rolled back). */
  canApply: boolean;
  canRollback: boolean;
}

export interface PlanView {
  id: string;
  playbook: string;
  createdAt: string;
  summary: string;
  /** Who wrote the plan (its `plan` timeline event's actor); null when the timeline does not say. */
  author: string | null;
  /** Who approved the plan on the web desk and when; null: not approved (applying needs an approval, or the approver's explicit one-step confirmation). */
  approval: { by: string; at: string } | null;
  steps: StepView[];
  refused: string[];
  warnings: string[];
  /** Counts by state, for the header. */
  counts: Partial<Record<StepState, number>>;
}

export interface JournalLine {
  seq: number;
  at: string;
  planId: string;
  stepId: string | null;
  phase: string;
  actor: string;
  /** One line a person reads: the error, the override reason, the outcome. */
  text: string;
}

export interface Deadline {
  at: string;
  basis: Case["deadline"]["basis"];
  text: string | null;
  /** Milliseconds left at `now` (negative: overdue). */
  msLeft: number;
  overdue: boolean;
  /** "5 h 12 min left", "overdue by 2 h 3 min". */
  left: string;
  /** True when the case no longer needs work (resolved, closed): its deadline no longer counts. */
  settled: boolean;
}

export interface CaseView {
  case: Case;
  now: string;
  title: string;
  subtitle: string;
  deadline: Deadline;
  facts: Report["facts"];
  verdict: { level: VerdictLevel; reasons: Reason[]; worstNotice: number | null };
  notices: NoticeView[];
  resources: ResourceView[];
  notSearched: string[];
  plans: PlanView[];
  journal: JournalLine[];
  /** The highest journal seq shown: the live feed continues after it. */
  journalSeq: number;
  evidence: { id: number | null; label: string; sha256: string; size: string; source: string; collectedAt: string; where: string; downloadable: boolean }[];
  timeline: { id: number; at: string; actor: string; type: string; summary: string }[];
  /** The highest timeline event id shown. */
  timelineId: number;
  reply: Report["reply"];
  awsMitigations: string[];
  /** Cases this one was linked into / from (from `linked` events), and the case it should join. */
  links: { direction: "into" | "from"; caseId: string }[];
  /** What the latest investigation states (routes/case-investigation.tsx shows it). */
  investigation: Report["investigation"];
  /** The gaps that let this happen (src/readiness/gaps.ts; routes/case-gaps.tsx shows them). */
  gaps: Report["gaps"];
}

const VERDICT_RANK: Record<VerdictLevel, number> = { authentic: 0, unverified: 1, suspicious: 2, phishing: 3 };
const READ_ONLY = new Set(["capture-metadata"]);

/** Reads the case (by id or AWS case number) and builds its view at `now`. */
export async function caseViewFor(store: CaseStore, ref: string, now: Date): Promise<CaseView> {
  return buildCaseView(await readCase(store, ref), now);
}

export function buildCaseView(records: CaseRecords, now: Date): CaseView {
  const c = records.case;
  const findings = findingsFromTimeline(records.timeline);
  const report = buildReport({ ...records, findings, generatedAt: now });
  const worst = [...records.notices].sort((a, b) => VERDICT_RANK[b.verdict] - VERDICT_RANK[a.verdict])[0];
  const { outcomes } = stepOutcomes(records.plans, records.journal);
  const byStep = new Map(outcomes.map((o) => [`${o.planId}\u0000${o.stepId}`, o]));
  const journal = [...records.journal].sort((a, b) => a.seq - b.seq);
  const evidenceIds = new Map(records.evidence.map((e) => [`${e.sha256}\u0000${e.label}`, e]));
  return {
    case: c,
    now: now.toISOString(),
    title: report.title,
    subtitle: report.subtitle,
    deadline: deadlineView(c, now),
    facts: report.facts,
    verdict: { level: worst?.verdict ?? c.verdict, reasons: worst?.verdictDetail.reasons ?? [], worstNotice: worst?.id ?? null },
    notices: records.notices.map(noticeView),
    resources: resourceViews(findings, report.resources),
    notSearched: report.notSearched,
    plans: [...records.plans]
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .map((p) => planView(p, byStep, records.timeline)),
    journal: journal.map(journalLine),
    journalSeq: journal.at(-1)?.seq ?? 0,
    evidence: report.evidence.map((e) => {
      const stored = evidenceIds.get(`${e.sha256}\u0000${e.label}`);
      return { ...e, id: stored?.id ?? null, downloadable: stored !== undefined && stored.content !== null };
    }),
    timeline: records.timeline.map((e) => ({ id: e.id, at: e.at, actor: e.actor, type: e.type, summary: e.summary })),
    timelineId: records.timeline.reduce((m, e) => Math.max(m, e.id), 0),
    reply: report.reply,
    investigation: report.investigation,
    gaps: report.gaps,
    awsMitigations: report.awsMitigations,
    links: linksOf(c, records.timeline),
  };
}

// ---------------------------------------------------------------------------------------------
// Deadline

export function deadlineView(c: Pick<Case, "deadline" | "status">, now: Date): Deadline {
  const msLeft = Date.parse(c.deadline.at) - now.getTime();
  const settled = c.status === "resolved" || c.status === "closed";
  const overdue = !settled && msLeft < 0;
  return { at: c.deadline.at, basis: c.deadline.basis, text: c.deadline.text, msLeft, overdue, left: settled ? "settled" : overdue ? `overdue by ${duration(-msLeft)}` : `${duration(msLeft)} left`, settled };
}

/** "2 d 3 h", "5 h 12 min", "7 min", "under a minute". */
export function duration(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return "under a minute";
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d > 0) return h ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}

// ---------------------------------------------------------------------------------------------
// The notice, with its facts marked where they were read

const PART_ORDER: Record<Source["part"], number> = { subject: 0, header: 1, body: 2, forwarded: 3, event: 4 };

/** What a provenance key's value is, as a string that may appear in the text (index `i` of an array field). */
function provenanceValue(n: Notice, key: string, i: number): string | null {
  const v = (n as unknown as Record<string, unknown>)[key];
  if (Array.isArray(v)) return typeof v[i] === "string" || typeof v[i] === "number" ? String(v[i]) : null;
  if (typeof v === "string" || typeof v === "number") return String(v);
  if (key === "remotePorts" && !Array.isArray(n.remotePorts)) return null;
  return null;
}

/** A fact the parser read, with where (its `Source`) and its value as it may be written in the text. */
export interface FactMark {
  source: Source;
  value: string | null;
  fact: string;
  /** A labelled field around facts: extracted facts win where both mark the same text. */
  weak?: boolean;
}

/** Every (source, value, fact) the parser recorded: provenance, resources, fields, deadline, mitigations. */
export function noticeMarks(n: Notice): FactMark[] {
  const marks: FactMark[] = [];
  for (const [key, sources] of Object.entries(n.provenance ?? {})) {
    sources.forEach((src, i) => marks.push({ source: src, value: provenanceValue(n, key, i), fact: key }));
  }
  for (const r of n.resources) marks.push({ source: r.source, value: r.id, fact: r.type });
  for (const f of n.fields) if (f.value) marks.push({ source: f.source, value: f.value, fact: f.label, weak: true });
  if (n.deadline.source) marks.push({ source: n.deadline.source, value: n.deadline.text ?? null, fact: "deadline" });
  for (const m of n.mitigations) marks.push({ source: m.source, value: null, fact: "mitigation" });
  return marks;
}

export function noticeView(s: StoredNotice): NoticeView {
  const n = s.notice;
  const marks = noticeMarks(n);

  const lines = new Map<string, { part: Source["part"]; line: number | null; excerpt: string; marks: { value: string | null; fact: string; label?: string; weak?: boolean }[] }>();
  for (const m of marks) {
    if (!m.source?.excerpt) continue;
    const k = `${m.source.part}\u0000${m.source.line ?? ""}\u0000${m.source.excerpt}`;
    const entry = lines.get(k) ?? { part: m.source.part, line: m.source.line ?? null, excerpt: m.source.excerpt, marks: [] };
    entry.marks.push({ value: m.value, fact: m.fact, ...(m.source.label ? { label: m.source.label } : {}), ...(m.weak ? { weak: true } : {}) });
    lines.set(k, entry);
  }
  const ordered = [...lines.values()].sort((a, b) => PART_ORDER[a.part] - PART_ORDER[b.part] || (a.line ?? 0) - (b.line ?? 0));
  return {
    id: s.id,
    kind: s.kind,
    receivedAt: s.receivedAt,
    subject: n.subject,
    from: n.from,
    messageId: n.messageId,
    verdict: s.verdict,
    reasons: s.verdictDetail.reasons,
    sha256: s.rawSha256,
    joinedBy: s.joinedBy,
    lines: ordered.map((l) => ({ part: l.part, line: l.line, segments: highlight(l.excerpt, l.marks), facts: [...new Set(l.marks.map((m) => m.fact))] })),
    fields: n.fields.map((f) => ({ label: f.label, value: f.value, where: where(f.source) })),
    logExtract: n.logExtract,
    mitigations: n.mitigations.map((m) => m.text),
    redactions: n.redactions.map((r) => `${r.field}: ${r.text}`),
    warnings: n.warnings,
  };
}

export function where(s: Source): string {
  return [s.part, s.line !== undefined ? `line ${s.line}` : null, s.label ? `after "${s.label}"` : null].filter(Boolean).join(", ");
}

/**
 * Splits `text` into plain and marked segments: each value found in it (case-insensitively) is
 * marked; a value that is not written literally (a time the parser normalized) marks what follows
 * its label instead. Extracted facts win over the labelled field around them (`weak`); among
 * overlapping marks of one kind the earliest, then longest, is kept.
 */
export function highlight(text: string, marks: { value: string | null; fact: string; label?: string; weak?: boolean }[]): Segment[] {
  const lower = text.toLowerCase();
  const ranges: { from: number; to: number; fact: string; weak: boolean }[] = [];
  for (const m of marks) {
    let found = false;
    const value = m.value?.trim();
    const weak = m.weak === true;
    if (value) {
      const v = value.toLowerCase();
      for (let at = lower.indexOf(v); at >= 0; at = lower.indexOf(v, at + v.length)) {
        ranges.push({ from: at, to: at + v.length, fact: m.fact, weak });
        found = true;
      }
    }
    if (!found && m.label) {
      const at = lower.indexOf(m.label.toLowerCase());
      if (at >= 0) {
        let from = at + m.label.length;
        while (from < text.length && /[\s:*=-]/.test(text[from]!)) from++;
        if (from < text.length) ranges.push({ from, to: text.length, fact: m.fact, weak: true });
      }
    }
  }
  // Extracted facts first, then labelled fields and label-only marks where nothing else is; earlier, then longer, first.
  ranges.sort((a, b) => Number(a.weak) - Number(b.weak) || a.from - b.from || b.to - b.from - (a.to - a.from));
  const chosen: typeof ranges = [];
  for (const r of ranges) if (!chosen.some((c) => r.from < c.to && c.from < r.to)) chosen.push(r);
  chosen.sort((a, b) => a.from - b.from);
  const segments: Segment[] = [];
  let pos = 0;
  for (const r of chosen) {
    if (r.from > pos) segments.push({ text: text.slice(pos, r.from) });
    segments.push({ text: text.slice(r.from, r.to), fact: r.fact });
    pos = r.to;
  }
  if (pos < text.length) segments.push({ text: text.slice(pos) });
  return segments;
}

// ---------------------------------------------------------------------------------------------
// Resources

function resourceViews(findings: readonly Finding[], rows: Report["resources"]): ResourceView[] {
  const resolved = new Map<string, { r: Resolved; f: Finding }>();
  for (const f of findings) for (const r of f.resources) if (!resolved.has(r.id)) resolved.set(r.id, { r, f });
  const notesOf = new Map<string, string[]>();
  for (const f of findings) for (const r of f.resources.length ? f.resources.map((x) => x.id) : [f.ref.id]) notesOf.set(r, [...(notesOf.get(r) ?? []), ...(f.notes ?? [])]);
  return rows.map((row) => {
    const hit = resolved.get(row.id);
    return { ...row, network: hit ? networkOf(hit.r) : [], scaling: hit ? scalingOf(hit.r) : [], notes: [...new Set(notesOf.get(row.id) ?? [])] };
  });
}

function networkOf(r: Resolved): string[] {
  const out: string[] = [];
  if (r.type === "ec2-instance") {
    const i = r.instance;
    out.push(`${i.instanceType ?? "instance"} ${i.state ?? ""} in ${[i.vpcId, i.subnetId, i.availabilityZone].filter(Boolean).join(" / ")}`.replace(/\s+/g, " ").trim());
    if (i.privateIpAddress || r.publicIps.length) out.push(`addresses: ${[i.privateIpAddress, ...r.publicIps].filter(Boolean).join(", ")}`);
    for (const eni of r.interfaces) out.push(`${eni.networkInterfaceId}: ${eni.securityGroups.map((g) => `${g.groupId}${g.groupName ? ` (${g.groupName})` : ""}`).join(", ") || eni.groupIds.join(", ") || "no security groups"}`);
    if (i.iamInstanceProfile) out.push(`instance profile: ${i.iamInstanceProfile}`);
  } else if (r.type === "network-interface") {
    const eni = r.networkInterface;
    out.push(`${eni.networkInterfaceId}${eni.attachment?.instanceId ? ` attached to ${eni.attachment.instanceId}` : ""}: ${eni.securityGroups.map((g) => g.groupId).join(", ")}`);
  } else if (r.type === "nat-gateway") {
    out.push(`NAT gateway ${r.natGateway.natGatewayId ?? r.id}${r.subnet ? ` in ${r.subnet.subnetId}` : ""}`);
  }
  return out;
}

function scalingOf(r: Resolved): string[] {
  if (r.type !== "ec2-instance") return [];
  const out: string[] = [];
  const asg = r.autoScalingGroup;
  if (asg) out.push(`Auto Scaling group ${asg.name}: desired ${asg.desiredCapacity}, min ${asg.minSize}, max ${asg.maxSize}${asg.suspendedProcesses.length ? `, suspended ${asg.suspendedProcesses.join(", ")}` : ""}`);
  for (const tg of r.targetGroups) out.push(`target group ${tg.name} (${tg.targets.length} target${tg.targets.length === 1 ? "" : "s"})`);
  for (const lb of r.classicLoadBalancers) out.push(`load balancer ${lb.name ?? ""}`.trim());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plans and the journal


function planView(p: Plan, byStep: Map<string, StepOutcome>, timeline: readonly TimelineEvent[]): PlanView {
  const steps = p.steps.map((s) => stepView(p, s, byStep.get(`${p.id}\u0000${s.id}`) ?? null));
  const counts: PlanView["counts"] = {};
  for (const s of steps) counts[s.state] = (counts[s.state] ?? 0) + 1;
  // A plan written on the web desk names its author in a note (the store's `plan` event names the process's user).
  const byPerson = [...timeline].reverse().find((e) => e.data.planId === p.id && typeof e.data.planAuthor === "string");
  const made = timeline.find((e) => e.type === "plan" && e.data.planId === p.id);
  return {
    id: p.id,
    playbook: p.playbook,
    createdAt: p.createdAt,
    summary: p.summary,
    author: typeof byPerson?.data.planAuthor === "string" ? byPerson.data.planAuthor : (made?.actor ?? null),
    approval: approvalIn(timeline, p.id),
    steps,
    refused: p.refused.map((r) => `${r.target}: ${r.reason}`),
    warnings: p.warnings,
    counts,
  };
}

function stepView(p: Plan, s: Step, o: StepOutcome | null): StepView {
  const rb = o?.rollback ?? null;
  let state: StepState = o?.status ?? "not-started";
  if ((state === "done" || state === "skipped" || state === "failed" || state === "in-progress") && rb) {
    state = rb.status === "rolled-back" ? "rolled-back" : rb.status === "failed" ? "rollback-failed" : "rollback-in-progress";
  }
  const outcome =
    state === "not-started"
      ? "not applied"
      : state === "done"
        ? `done at ${o!.doneAt}${o!.actor ? ` by ${o!.actor}` : ""}`
        : state === "skipped"
          ? "already in the wanted state: nothing called"
          : state === "failed"
            ? `failed: ${o!.error ?? "no error recorded"}`
            : state === "in-progress"
              ? "started, not finished"
              : state === "rolled-back"
                ? `rolled back at ${rb!.at}${rb!.reason ? ` (${rb!.reason})` : ""}`
                : state === "rollback-failed"
                  ? `rollback failed: ${rb!.error ?? "no error recorded"}`
                  : "rollback started, not finished";
  const readOnly = READ_ONLY.has(s.action);
  return {
    id: s.id,
    action: s.action,
    target: `${s.target.type} ${s.target.id} (${s.target.accountId}/${s.target.region})`,
    reason: s.reason,
    changes: s.changes,
    risk: s.risk,
    reversible: s.reversible,
    dependsOn: s.dependsOn,
    calls: s.calls.map((c) => ({ api: c.api, params: JSON.stringify(c.params, null, 2) })),
    state,
    outcome,
    done: o && o.status === "done" ? describeStep(o) : null,
    canApply: state === "not-started" || state === "failed" || state === "in-progress" || state === "rolled-back",
    canRollback: !readOnly && (state === "done" || state === "skipped" || state === "rollback-failed" || state === "rollback-in-progress" || (state === "failed" && o?.doneAt !== null) || state === "in-progress"),
  };
  void p;
}

export function journalLine(e: JournalEntry): JournalLine {
  const reason = typeof e.detail?.reason === "string" ? e.detail.reason : null;
  const outcome = typeof e.detail?.outcome === "string" ? e.detail.outcome : null;
  const text = e.error ?? (e.phase === "override" && reason ? `override: ${reason}` : outcome ?? reason ?? "");
  return { seq: e.seq, at: e.at, planId: e.planId, stepId: e.stepId, phase: e.phase, actor: e.actor, text: text.length > 500 ? `${text.slice(0, 500)}…` : text };
}

function linksOf(c: Case, timeline: readonly TimelineEvent[]): CaseView["links"] {
  const out: CaseView["links"] = [];
  for (const e of timeline) {
    if (e.type !== "linked") continue;
    const into = typeof e.data.into === "string" ? e.data.into : null;
    const from = typeof e.data.from === "string" ? e.data.from : null;
    if (into && into !== c.id) out.push({ direction: "into", caseId: into });
    if (from && from !== c.id) out.push({ direction: "from", caseId: from });
  }
  return out;
}
