/** The case report in Markdown (GitHub-flavoured tables), for a ticket, a wiki or a pull request. */
import { fmtTime } from "../reply/format.ts";
import { actionGroups, type Report } from "./model.ts";

/** A table cell: pipes escaped, line breaks kept as <br>, never empty (some renderers collapse it). */
function cell(s: string): string {
  const t = s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>").trim();
  return t === "" ? " " : t;
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return "_None._\n";
  return [`| ${head.join(" | ")} |`, `|${head.map(() => " --- ").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n") + "\n";
}

/** A fence longer than any run of backticks in the text, so the reply cannot close it early. */
function fenced(text: string, lang = "text"): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text.replace(/\n$/, "")}\n${fence}\n`;
}

export function renderMarkdown(r: Report): string {
  const out: string[] = [];
  out.push(`# ${r.title}`, "", `${r.subtitle}  `, `Generated ${r.generatedAt} by abuse-desk.`, "");

  out.push("## Facts", "", table(["Fact", "Value"], r.facts.map((f) => [f.label, f.value])));

  out.push(`## Verdict: ${r.verdict?.level ?? "not verified"}`, "");
  if (r.verdict && r.verdict.reasons.length) {
    for (const x of r.verdict.reasons) out.push(`- **${x.severity}** \`${x.code}\`: ${x.message.replace(/\n/g, " ")}`);
    out.push("");
  } else out.push("_No reasons recorded._", "");

  out.push("## Notices", "", table(["Received", "Kind", "AWS case", "Verdict", "Subject", "SHA-256 of the message"], r.notices.map((n) => [n.receivedAt, n.kind, n.caseNumber, n.verdict, n.subject, `\`${n.sha256}\``])));
  if (r.awsMitigations.length) {
    out.push("What AWS says it already did:", "", ...r.awsMitigations.map((m) => `- ${m}`), "");
  }

  out.push("## Resources", "", table(["Resource", "Type", "Account/region", "Status", "Owner", "Summary"], r.resources.map((x) => [`\`${x.id}\``, x.type, x.where, x.status, x.owner, x.summary])));

  if (r.notSearched.length) out.push("**Not searched** (these could not be read, so nothing there is known to be absent):", "", ...r.notSearched.map((l) => `- ${l}`), "");

  out.push("## Actions", "", "Every step of every plan, with what the containment journal records for it (times in UTC).", "");
  if (r.plans.length === 0 && r.actions.length === 0) out.push("_No plan yet._", "");
  for (const p of actionGroups(r)) {
    out.push(`**Plan ${p.id}**${p.playbook ? ` (${p.playbook}, ${p.createdAt})` : ""}${p.summary ? `: ${p.summary}` : ""}`, "");
    for (const x of p.refused) out.push(`- Not touched: ${x}`);
    if (p.refused.length) out.push("");
    out.push(table(["Time", "Step", "Action", "Outcome"], p.actions.map((a) => [a.at, a.step, a.text, a.outcome])));
  }
  if (r.overrides.length) {
    out.push("Applied despite the verdict:", "", ...r.overrides.map((o) => `- ${o.at}: plan ${o.plan} by ${o.actor}${o.reason ? `: ${o.reason}` : ""}`), "");
  }

  out.push("## Evidence", "", table(["Artefact", "SHA-256", "Size", "Source", "Collected", "Kept"], r.evidence.map((e) => [e.label, `\`${e.sha256}\``, e.size, e.source, e.collectedAt, e.where])));

  out.push("## Timeline", "", table(["Time", "Event", "Summary", "By"], r.timeline.map((t) => [t.at, t.type, t.summary, t.actor])));

  out.push("## Reply to AWS", "");
  if (r.reply) {
    const rp = r.reply;
    out.push(`${rp.status === "sent" ? `Sent ${fmtTime(rp.at)}${rp.via ? ` by ${rp.via}` : ""}${rp.to ? ` to ${rp.to}` : ""}` : `Drafted ${fmtTime(rp.at)}, not sent`}.  `);
    out.push(`Subject: ${rp.subject}`, "", fenced(rp.text));
  } else out.push("_No reply drafted yet._", "");

  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}
