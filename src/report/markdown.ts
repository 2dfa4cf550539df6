/**
 * The case report in Markdown (GitHub-flavoured tables), for a ticket, a wiki or a pull request.
 *
 * Everything from a case (and so from a notice: its subject, its activity text, the reasons that
 * quote its links, ids) is text, never markup: control characters and escapes are made visible
 * (src/safe-text.ts), HTML is written as entities, Markdown's link, code and table syntax is
 * backslash-escaped, and URLs and e-mail addresses are shown as inline code, so no link and no
 * HTML from a notice is live in the rendered report.
 */
import { fmtTime } from "../reply/format.ts";
import { safeText } from "../safe-text.ts";
import { actionGroups, type Report } from "./model.ts";

/** A URL (any scheme, or www.), or an e-mail address: what a Markdown renderer would make a link of. */
const LINKISH = /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<>"'`]+|[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+/gi;

/** Inline code no content can close early (a fence longer than any run of backticks in it). */
function code(s: string): string {
  const t = safeText(s).replace(/\n/g, " ");
  const longest = Math.max(0, ...[...t.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** Plain text: HTML as entities; backslash, backticks (code), brackets (links, images) and pipes (tables) escaped. */
function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/[\\`[\]|]/g, "\\$&");
}

/** Text from a case as Markdown that renders as that text: links and addresses as code, the rest escaped. */
function md(s: string): string {
  const t = safeText(s);
  let out = "";
  let last = 0;
  for (const m of t.matchAll(LINKISH)) {
    out += escapeText(t.slice(last, m.index)) + code(m[0]);
    last = m.index + m[0].length;
  }
  return out + escapeText(t.slice(last));
}

/** `md` on one line (a list item or a paragraph: a newline there could start a block of its own). */
const line = (s: string) => md(s).replace(/\n+/g, " ");

/** A table cell of Markdown already made safe: line breaks kept as <br>, never empty (some renderers collapse it). */
function cell(s: string): string {
  const t = s.replace(/\n/g, "<br>").trim();
  return t === "" ? " " : t;
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return "_None._\n";
  return [`| ${head.join(" | ")} |`, `|${head.map(() => " --- ").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n") + "\n";
}

/** A fence longer than any run of backticks in the text, so the reply cannot close it early. */
function fenced(text: string, lang = "text"): string {
  const t = safeText(text);
  const longest = Math.max(2, ...[...t.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${t.replace(/\n$/, "")}\n${fence}\n`;
}

export function renderMarkdown(r: Report): string {
  const out: string[] = [];
  out.push(`# ${line(r.title)}`, "", `${line(r.subtitle)}  `, `Generated ${line(r.generatedAt)} by abuse-desk.`, "");

  out.push("## Facts", "", table(["Fact", "Value"], r.facts.map((f) => [md(f.label), md(f.value)])));

  out.push(`## Verdict: ${line(r.verdict?.level ?? "not verified")}`, "");
  if (r.verdict && r.verdict.reasons.length) {
    for (const x of r.verdict.reasons) out.push(`- **${line(x.severity)}** ${code(x.code)}: ${line(x.message)}`);
    out.push("");
  } else out.push("_No reasons recorded._", "");

  out.push("## Notices", "", table(["Received", "Kind", "AWS case", "Verdict", "Subject", "SHA-256 of the message"], r.notices.map((n) => [md(n.receivedAt), md(n.kind), md(n.caseNumber), md(n.verdict), md(n.subject), code(n.sha256)])));
  if (r.awsMitigations.length) {
    out.push("What AWS says it already did:", "", ...r.awsMitigations.map((m) => `- ${line(m)}`), "");
  }

  out.push("## Resources", "", table(["Resource", "Type", "Account/region", "Status", "Owner", "Summary"], r.resources.map((x) => [code(x.id), md(x.type), md(x.where), md(x.status), md(x.owner), md(x.summary)])));
  if (r.notSearched.length) out.push("**Not searched** (these could not be read, so nothing there is known to be absent):", "", ...r.notSearched.map((l) => `- ${line(l)}`), "");

  out.push("## Actions", "", "Every step of every plan, with what the containment journal records for it (times in UTC).", "");
  if (r.plans.length === 0 && r.actions.length === 0) out.push("_No plan yet._", "");
  for (const p of actionGroups(r)) {
    out.push(`**Plan ${line(p.id)}**${p.playbook ? ` (${line(p.playbook)}, ${line(p.createdAt)})` : ""}${p.summary ? `: ${line(p.summary)}` : ""}`, "");
    for (const x of p.refused) out.push(`- Not touched: ${line(x)}`);
    if (p.refused.length) out.push("");
    out.push(table(["Time", "Step", "Action", "Outcome"], p.actions.map((a) => [md(a.at), md(a.step), md(a.text), md(a.outcome)])));
  }
  if (r.overrides.length) {
    out.push("Applied despite the verdict:", "", ...r.overrides.map((o) => `- ${line(o.at)}: plan ${line(o.plan)} by ${line(o.actor)}${o.reason ? `: ${line(o.reason)}` : ""}`), "");
  }

  if (r.checklist) {
    const open = r.checklist.filter((i) => i.state === "open").length;
    out.push("## Root checklist", "", `What only the root user can do (${open} of ${r.checklist.length} open).`, "");
    out.push(table(["Item", "What", "State", "By", "When"], r.checklist.map((i) => [code(i.id), md(i.text), md(i.state), md(i.by ?? ""), md(i.at ?? "")])));
  }

  if (r.investigation) {
    const i = r.investigation;
    out.push(`## Investigation${i.status === "partial" ? " (partial: something was not searched)" : ""}`, "", `Investigation ${i.investigationId}, finished ${line(i.at)}.`, "");
    for (const a of i.activity) out.push(`- ${line(a)}`);
    out.push(`- Likely cause: ${i.likelyCause ? line(i.likelyCause) : "not established by the investigation"}`);
    for (const f of i.fixed) out.push(`- ${line(f)}`);
    out.push("");
    if (i.findings.length) out.push(table(["Severity", "Finding", "About", "When", "Sources"], i.findings.map((f) => [md(f.severity), md(f.summary), md(f.subject), md(f.at ?? ""), md(f.sources.join(", "))])));
    if (i.notSearched.length) out.push("**Not searched** (nothing there is known to be absent):", "", ...i.notSearched.map((l) => `- ${line(l)}`), "");
  }

  if (r.gaps) {
    const g = r.gaps;
    out.push("## Gaps that let this happen", "");
    out.push(
      g.runs.length
        ? `The failing readiness checks that concern this case's resources, regions and accounts, from the latest readiness run of each (${g.runs.map((x) => `${line(x.accountId)}: run ${x.runId}, ${line(fmtTime(x.generatedAt))}`).join("; ")}).`
        : g.noRun.length
          ? "No readiness run was kept for the accounts of this case: run `abuse-desk readiness` to know the gaps."
          : "This case names no account and none of its resources was found, so no readiness gap can be linked to it.",
      "",
    );
    if (g.noRun.length && g.runs.length) out.push(`No readiness run was kept for ${g.noRun.map(line).join(", ")}.`, "");
    if (g.runs.length) {
      if (g.gaps.length === 0) out.push("_No failing check concerns this case._", "");
      for (const x of g.gaps) {
        out.push(`- **${line(x.severity)}** ${code(x.checkId)}: ${line(x.title)} (${x.scope === "resource" ? "its resources" : x.scope === "region" ? "its region" : "its account"}: ${x.resources.map((f) => `${code(f.id)} ${line(f.detail)}`).join("; ")})`);
        if (x.remediation) out.push(`  - Fix (console): ${line(x.remediation.console)}`, `  - Fix (CLI): ${code(x.remediation.cli)}`);
      }
      if (g.gaps.length) out.push("");
      if (g.notChecked.length)
        out.push("**Not checked** (these could not run where this case is, so nothing there is known to be fine):", "", ...g.notChecked.map((n) => `- ${code(n.checkId)} in ${line(n.accountId)}: ${n.notRun.map((w) => line(`${w.region ? `${w.region}: ` : ""}${w.reason}`)).join("; ")}`), "");
    }
  }

  out.push("## Evidence", "", table(["Artefact", "SHA-256", "Size", "Source", "Collected", "Kept"], r.evidence.map((e) => [md(e.label), code(e.sha256), md(e.size), md(e.source), md(e.collectedAt), md(e.where)])));

  out.push("## Timeline", "", table(["Time", "Event", "Summary", "By"], r.timeline.map((t) => [md(t.at), md(t.type), md(t.summary), md(t.actor)])));

  out.push("## Reply to AWS", "");
  if (r.reply) {
    const rp = r.reply;
    out.push(`${rp.status === "sent" ? `Sent ${line(fmtTime(rp.at))}${rp.via ? ` by ${line(rp.via)}` : ""}${rp.to ? ` to ${line(rp.to)}` : ""}` : `Drafted ${line(fmtTime(rp.at))}, not sent`}.  `);
    out.push(`Subject: ${line(rp.subject)}`, "", fenced(rp.text));
  } else out.push("_No reply drafted yet._", "");

  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}
