/** Human rendering of a triage report: colour on a terminal, plain when piped. */
import { humanTime } from "../time.ts";
import { renderTable } from "./table.ts";
import type { Notice } from "../notice/types.ts";
import { historySource } from "../resolve/format.ts";
import { missingLines } from "../resolve/outcome.ts";
import type { TriageReport } from "../triage/index.ts";
import { ACTIVITY_WORDS } from "../triage/summary.ts";
import { colors as c } from "./io.ts";
import { renderVerdict } from "./render-verdict.ts";

const KIND_WORDS: Record<Notice["kind"], string> = {
  initial_report: "initial report",
  follow_up: "follow-up / reminder",
  final_notification: "FINAL notification",
  resolved: "resolved",
  credentials_exposed: "credentials exposed",
  account_compromise: "account compromise",
  ses_enforcement: "SES enforcement",
  health_event: "AWS Health event",
};

function time(iso: string | null): string {
  return humanTime(iso, { seconds: true });
}

/** The facts that have a value, as [label, value] rows in reading order. */
export function factRows(n: Notice): [string, string][] {
  const ports = Array.isArray(n.remotePorts) ? n.remotePorts.join(", ") : `multiple (${n.remotePorts.count})`;
  const rows: [string, string][] = [
    ["Case", n.caseNumber ?? ""],
    ["Kind", KIND_WORDS[n.kind]],
    ["Activity", n.activityType === "other" && n.activityText ? n.activityText : `${n.activityType} (${ACTIVITY_WORDS[n.activityType]})`],
    ["From", n.from ?? ""],
    ["Received", time(n.receivedAt)],
    ["Account", n.accountIds.join(", ")],
    ["Region", n.regions.join(", ")],
    ["Instance", n.instanceIds.join(", ")],
    ["Public IP", n.publicIps.join(", ")],
    ["Network interface", n.networkInterfaceIds.join(", ")],
    ["Access key", n.accessKeyIds.join(", ")],
    ...n.resources
      .filter((r) => !["ec2-instance", "public-ip", "elastic-ip", "network-interface", "access-key"].includes(r.type))
      .map((r): [string, string] => [r.type.replace(/-/g, " "), r.id]),
    ["Remote IP", n.remoteIps.join(", ")],
    ["Remote port", ports],
    ["Protocol", n.protocol ?? ""],
    ["Destination URL", n.destinationUrls.join("\n")],
    ["Activity began", time(n.window.begin)],
    ["Activity ended", time(n.window.end)],
    ["AWS already did", n.mitigations.map((m) => m.text).join("\n")],
  ];
  return rows.filter(([, v]) => v !== "");
}

export function renderTriage(r: TriageReport, opts: { many?: boolean } = {}): string {
  const out: string[] = [];
  const n = r.notice;
  if (opts.many) out.push(c.bold(`# ${r.index + 1}${n.subject ? `  ${n.subject}` : ""}`));
  if (r.notAnAwsNotice) out.push(`${c.yellow(c.bold("NOT AN AWS NOTICE"))}  ${r.notAnAwsNotice}; nothing to contain or reply to.`);
  out.push(renderVerdict(r.verdict));
  out.push("");
  out.push(c.bold(r.summary));
  out.push("");
  out.push(renderTable(factRows(n).map(([k, v]) => [{ text: k, paint: c.dim }, v]), { indent: 2, wrap: [1] }));
  const d = r.deadline;
  const when = d.at ? `${time(d.at)} (${d.basis === "stated" ? "stated in the notice" : "24 hours after receipt"})` : "";
  const left = d.overdue ? c.red(c.bold(d.text)) : d.remainingMs !== null && d.remainingMs < 4 * 3600_000 ? c.yellow(c.bold(d.text)) : c.bold(d.text);
  out.push(`${c.bold("Deadline")}  ${when}${when ? "  " : ""}${left}`);
  if (r.resolution) {
    out.push("");
    out.push(c.bold("Resources"));
    const shown = new Set<string>();
    for (const f of r.resolution.findings) {
      const mark = f.status === "found" ? c.green("✓") : f.status === "moved" ? c.yellow("~") : f.status === "error" || f.status === "not-searched" ? c.red("✗") : c.yellow("?");
      const ids = f.resources.map((x) => `${x.accountId}/${x.region}/${x.id}`);
      // An IP that resolves to the instance already listed: say so instead of describing it twice.
      if (f.status === "found" && ids.length && ids.every((id) => shown.has(id))) {
        out.push(`  ${mark} ${f.ref.id}: ${c.dim(`held by ${f.resources.map((x) => x.id).join(", ")} (above)`)}`);
        continue;
      }
      ids.forEach((id) => shown.add(id));
      out.push(`  ${mark} ${f.summary}`);
      if (f.ipHistory) out.push(`      ${c.dim(`${f.ipHistory.summary} [${historySource(f.ipHistory)}]`)}`);
    }
    for (const g of r.resolution.gaps) out.push(`  ${c.yellow("!")} not searched: ${missingLines([g])[0]}`);
    if (!r.resolution.findings.length) out.push(c.dim("  the notice names no resource to look for"));
  }
  out.push("");
  out.push(c.bold("Next steps"));
  r.nextSteps.forEach((s, i) => out.push(`  ${i + 1}. ${s}`));
  if (n.warnings.length) {
    out.push("");
    for (const w of n.warnings) out.push(c.dim(`note: ${w}`));
  }
  return out.join("\n") + "\n";
}
