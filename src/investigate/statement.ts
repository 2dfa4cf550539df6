/**
 * What an investigation lets the desk say, decided once for the report, the reply and the case page:
 * the activity confirmed or not (with its figures and the query), the likely cause (the gravest
 * finding of the host, CloudTrail or the credentials), whether the traffic stopped after
 * containment, every finding with its sources, and what was not searched. Nothing here is said
 * beyond what a finding or a verdict states; a run that searched nothing states nothing.
 */
import type { StoredInvestigation } from "../case/investigations.ts";
import type { ActivityVerdict, Finding, FindingSeverity } from "./types.ts";

export interface InvestigationStatement {
  investigationId: number;
  status: "complete" | "partial";
  at: string;
  /** One sentence per activity verdict ("The reported traffic was confirmed in the VPC flow logs of eni-…: …"). */
  activity: string[];
  /** The gravest finding that explains how it happened, as its summary; null when none does. */
  likelyCause: string | null;
  /** What containment is shown to have fixed (the traffic stopped after it), or that it did not. */
  fixed: string[];
  findings: { severity: FindingSeverity; area: string; kind: string; subject: string; summary: string; at: string | null; sources: string[] }[];
  notSearched: string[];
  /** Each activity verdict with the query that produced it (the PDF report shows them). */
  verdicts: { result: ActivityVerdict["verdict"]; sentence: string; query: string }[];
}

const RANK: Record<FindingSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const CAUSE_AREAS = new Set(["host", "cloudtrail", "credentials"]);

const utc = (iso: string) => (Number.isNaN(Date.parse(iso)) ? iso : new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC"));

function figures(f: Record<string, number | string | boolean>): string {
  const parts = Object.entries(f)
    .slice(0, 8)
    .map(([k, v]) => `${k} ${String(v)}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

export function activitySentence(a: ActivityVerdict): string {
  const enis = a.networkInterfaceIds.join(", ") || "the implicated interfaces";
  const when = `between ${utc(a.window.start)} and ${utc(a.window.end)}`;
  switch (a.verdict) {
    case "confirmed":
      return `The reported activity was confirmed in the VPC flow logs of ${enis} ${when}${figures(a.figures)}.`;
    case "not-observed":
      return `The VPC flow logs of ${enis} show no traffic of the reported kind ${when}${figures(a.figures)}.`;
    case "no-logs":
      return `No VPC flow logs cover ${enis} ${when}: the reported traffic could not be checked.`;
  }
}

/** The statement of the latest investigation of a case, or null when there is none. */
export function investigationStatement(runs: readonly StoredInvestigation[]): InvestigationStatement | null {
  const inv = runs.at(-1);
  if (!inv) return null;
  const byRank = [...inv.findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  const cause: Finding | undefined = byRank.find((f) => CAUSE_AREAS.has(f.area) && RANK[f.severity] <= RANK.high);
  const fixed: string[] = [];
  for (const a of inv.activity) {
    if (a.stoppedAfterContainment === true) fixed.push(`No traffic of the reported kind was seen on ${a.networkInterfaceIds.join(", ")} after containment.`);
    else if (a.stoppedAfterContainment === false) fixed.push(`Traffic of the reported kind CONTINUED on ${a.networkInterfaceIds.join(", ")} after containment.`);
  }
  return {
    investigationId: inv.id,
    status: inv.status,
    at: inv.finishedAt,
    activity: inv.activity.map(activitySentence),
    likelyCause: cause ? cause.summary : null,
    fixed,
    findings: byRank.map((f) => ({ severity: f.severity, area: f.area, kind: f.kind, subject: f.subject, summary: f.summary, at: f.at ?? null, sources: f.sources.map((s) => s.evidence) })),
    notSearched: inv.notSearched.map((n) => `${n.scope ? `${n.scope.accountId}/${n.scope.region} ` : ""}${n.what}: ${n.reason}`),
    verdicts: inv.activity.map((a) => ({ result: a.verdict, sentence: activitySentence(a), query: a.query })),
  };
}
