/**
 * The readiness report as Markdown, HTML (self-contained, every value escaped), SARIF 2.1.0 (one
 * rule per check, one result per failed resource, for code-scanning dashboards), CSV (one row per
 * check and resource, formula-safe) and JSON (the report as is).
 */
import { csvLine } from "../inventory/cells.ts";
import type { CheckResult, ReadinessReport } from "./types.ts";

const STATUS_WORD = { pass: "PASS", fail: "FAIL", "could-not-run": "COULD NOT RUN" } as const;

/** Markdown text: a value from the cloud cannot open a link, an HTML tag or a table cell. */
function md(s: string): string {
  return s.replace(/[\\`*_{}[\]()<>#+!|]/g, (c) => `\\${c}`).replace(/\r?\n/g, " ");
}

function where(x: { accountId: string; region?: string }): string {
  return x.region ? `${x.accountId}/${x.region}` : x.accountId;
}

export function renderMarkdown(r: ReadinessReport): string {
  const out: string[] = [];
  out.push(`# abuse-desk readiness`, "");
  out.push(`Score **${r.score}/100**: ${r.counts.pass} passed, ${r.counts.fail} failed, ${r.counts["could-not-run"]} could not run (never counted as passed).`, "");
  out.push(`Source ${md(r.source)}, ${r.generatedAt}. Accounts: ${r.accounts.map((a) => `${a.accountId}${a.name ? ` (${md(a.name)})` : ""}${a.reachable ? `, ${a.regions} regions` : ", not entered"}`).join("; ")}.`, "");
  out.push("| Status | Severity | Check | Failing |", "|---|---|---|---|");
  for (const c of r.checks) out.push(`| ${STATUS_WORD[c.status]} | ${c.severity} | \`${c.id}\` ${md(c.title)} | ${c.failed.length} |`);
  out.push("");
  for (const c of r.checks.filter((x) => x.status !== "pass")) {
    out.push(`## ${STATUS_WORD[c.status]}: ${md(c.title)}`, "", `\`${c.id}\` (${c.severity}${c.alignedWith ? `; ${md(c.alignedWith)}` : ""})`, "", md(c.why), "");
    for (const f of c.failed) out.push(`- ${where(f)} \`${f.id.replace(/`/g, "'")}\`: ${md(f.detail)}`);
    for (const n of c.notRun) out.push(`- could not run in ${where(n)}: ${md(n.reason)}`);
    out.push("", `Fix (console): ${md(c.remediation.console)}`, "", "```sh", c.remediation.cli.replace(/```/g, "'''"), "```", "");
  }
  return out.join("\n");
}

function h(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function renderHtml(r: ReadinessReport): string {
  const rows = r.checks
    .map(
      (c) =>
        `<tr class="${c.status}"><td>${STATUS_WORD[c.status]}</td><td>${h(c.severity)}</td><td><code>${h(c.id)}</code><br>${h(c.title)}</td><td>${c.failed.length}</td></tr>`,
    )
    .join("\n");
  const details = r.checks
    .filter((c) => c.status !== "pass")
    .map(
      (c) => `<section id="${h(c.id)}"><h2>${STATUS_WORD[c.status]}: ${h(c.title)}</h2><p><code>${h(c.id)}</code> (${h(c.severity)}${c.alignedWith ? `; ${h(c.alignedWith)}` : ""})</p><p>${h(c.why)}</p><ul>${c.failed
        .map((f) => `<li>${h(where(f))} <code>${h(f.id)}</code>: ${h(f.detail)}</li>`)
        .join("")}${c.notRun.map((n) => `<li>could not run in ${h(where(n))}: ${h(n.reason)}</li>`).join("")}</ul><p>Fix (console): ${h(c.remediation.console)}</p><pre>${h(c.remediation.cli)}</pre></section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>abuse-desk readiness</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}tr.fail td:first-child{color:#a00;font-weight:bold}tr.could-not-run td:first-child{color:#a60}pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}</style></head>
<body><h1>abuse-desk readiness</h1>
<p>Score <strong>${r.score}/100</strong>: ${r.counts.pass} passed, ${r.counts.fail} failed, ${r.counts["could-not-run"]} could not run (never counted as passed).</p>
<p>Source ${h(r.source)}, ${h(r.generatedAt)}.</p>
<table><thead><tr><th>Status</th><th>Severity</th><th>Check</th><th>Failing</th></tr></thead><tbody>
${rows}
</tbody></table>
${details}
</body></html>
`;
}

const SARIF_LEVEL = { critical: "error", high: "error", medium: "warning", low: "note" } as const;

export function renderSarif(r: ReadinessReport, version: string): string {
  const rules = r.checks.map((c) => ({
    id: c.id,
    name: c.id,
    shortDescription: { text: c.title },
    fullDescription: { text: c.why },
    help: { text: `Console: ${c.remediation.console}\nCLI: ${c.remediation.cli}` },
    defaultConfiguration: { level: SARIF_LEVEL[c.severity] },
    properties: { severity: c.severity, category: c.category, ...(c.alignedWith ? { alignedWith: c.alignedWith } : {}) },
  }));
  const uri = (f: { accountId: string; region?: string; id: string }) => `aws://${f.accountId}/${f.region ?? "global"}/${encodeURIComponent(f.id)}`;
  const results = r.checks.flatMap((c, ruleIndex) => [
    ...c.failed.map((f) => ({
      ruleId: c.id,
      ruleIndex,
      level: SARIF_LEVEL[c.severity],
      kind: "fail",
      message: { text: `${f.detail} (${where(f)} ${f.id})` },
      locations: [{ physicalLocation: { artifactLocation: { uri: uri(f) } } }],
    })),
    // A check that could not run is reported as open, never as a pass.
    ...(c.status === "could-not-run"
      ? [{ ruleId: c.id, ruleIndex, level: "warning", kind: "open", message: { text: `could not run: ${c.notRun.map((n) => `${where(n)}: ${n.reason}`).join("; ")}` } }]
      : []),
  ]);
  return (
    JSON.stringify(
      {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [{ tool: { driver: { name: "abuse-desk readiness", version, informationUri: "https://github.com/abuse-desk/abuse-desk/blob/main/docs/readiness.md", rules } }, results, properties: { score: r.score, source: r.source } }],
      },
      null,
      2,
    ) + "\n"
  );
}

export function renderCsv(r: ReadinessReport): string {
  let out = csvLine(["check", "status", "severity", "account", "region", "resource", "detail"]);
  const row = (c: CheckResult, acc: string, region: string | undefined, res: string, detail: string) => csvLine([c.id, c.status, c.severity, acc, region, res, detail]);
  for (const c of r.checks) {
    if (c.status === "pass") out += row(c, "", undefined, "", `${c.examined} examined`);
    for (const f of c.failed) out += row(c, f.accountId, f.region, f.id, f.detail);
    for (const n of c.notRun) out += row({ ...c, status: "could-not-run" }, n.accountId, n.region, "", n.reason);
  }
  return out;
}
