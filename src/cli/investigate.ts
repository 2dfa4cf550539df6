/**
 * `abuse-desk investigate CASE [--engine local|athena] [--margin MINUTES] [--only trail,flows,host,credentials] [--json]`:
 * gathers the evidence of a case (CloudTrail, VPC flow logs, the host through SSM, the credentials),
 * states findings with numbers, each traced to its source, and keeps them with the case. Progress
 * on stderr; the result on stdout. Exits 69 when something could not be searched (it is named).
 */
import { type Command, Option } from "commander";
import type { InvestigationOutcome } from "../investigate/index.ts";
import type { ActivityVerdict } from "../investigate/types.ts";

interface Options {
  engine?: "local" | "athena";
  margin?: string;
  only?: string;
  json?: boolean;
  account?: string;
  profile?: string;
  region?: string;
  actor?: string;
}

export function register(program: Command): void {
  program
    .command("investigate")
    .description("gather and read the evidence of a case (CloudTrail, VPC flow logs, the host, credentials): findings with figures and their sources, kept with the case")
    .argument("<case>", "case id (AD-2026-0001) or AWS's case number")
    .addOption(new Option("--engine <engine>", "where log files are queried: local (DuckDB) or athena (default: the configuration's investigate.engine, else local)").choices(["local", "athena"]))
    .option("--margin <minutes>", "widen the notice's window by this many minutes on each side (default: investigate.marginMinutes, else 30)")
    .option("--only <readers>", "only these readers, comma-separated: trail, flows, host, credentials")
    .option("--account <spec>", "where the resources are: sim, sim:PATH or aws (default: $ABUSE_DESK_ACCOUNT)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .option("--actor <name>", "who investigates, as the case's timeline names them (default: the OS user)")
    .option("--json", "print the investigation as JSON")
    .action(async (ref: string, o: Options) => {
      const { UserError } = await import("../errors.ts");
      let margin: number | undefined;
      if (o.margin !== undefined) {
        if (!/^\d{1,5}$/.test(o.margin) || Number(o.margin) > 7 * 24 * 60) throw new UserError(`--margin: "${o.margin}" is not a number of minutes from 0 to ${7 * 24 * 60}`, { exitCode: 64 });
        margin = Number(o.margin);
      }
      const { parseOnly, investigateCase } = await import("../investigate/index.ts");
      const only = parseOnly(o.only);
      const { investigateOptions } = await import("../config/investigate.ts");
      const options = investigateOptions({ ...(o.engine ? { engine: o.engine } : {}), ...(margin !== undefined ? { margin } : {}) });
      if (options.engine === "athena" && !options.athena) {
        throw new UserError("--engine athena needs the Athena settings: investigate.athena (accountId, region, database, outputLocation) in the configuration", { exitCode: 78, hint: "see docs/investigate.md, or run with --engine local" });
      }
      const { openAccount } = await import("../config/account.ts");
      const port = await openAccount(o.account, { ...(o.profile ? { profile: o.profile } : {}), ...(o.region ? { region: o.region } : {}) });
      const { withStore, printJson } = await import("./io.ts");
      const { join } = await import("node:path");
      const { dataHome } = await import("../home.ts");
      try {
        const out = await withStore((store) =>
          investigateCase(store, ref, {
            port,
            options,
            ...(only ? { only } : {}),
            progress: (m) => process.stderr.write(`${m}\n`),
            evidenceDir: join(dataHome(), "evidence"),
            ...(o.actor ? { actor: o.actor } : {}),
          }),
        );
        if (o.json) printJson(investigationJson(out));
        else process.stdout.write(formatInvestigation(out));
        if (out.investigation.status === "partial") {
          process.stderr.write(`abuse-desk: the investigation is not complete: not searched: ${out.investigation.notSearched.map((n) => `${n.what} (${n.reason})`).join("; ")}\n`);
          process.exitCode = 69;
        }
      } finally {
        port.close?.();
      }
    });
}

export function investigationJson(out: InvestigationOutcome) {
  const i = out.investigation;
  return {
    caseId: i.caseId,
    investigationId: i.id,
    status: i.status,
    startedAt: i.startedAt,
    finishedAt: i.finishedAt,
    subject: out.subject,
    readers: i.readers,
    activity: i.activity.map(activityJson),
    findings: i.findings,
    notSearched: i.notSearched,
    evidence: out.evidence.map((e) => ({ id: e.id, label: e.label, source: e.source, sha256: e.sha256, size: e.size, collectedAt: e.collectedAt })),
  };
}

/** An activity verdict as --json prints it: `result`, since `verdict` in every output is a notice's (src/cli/json/vocabulary.ts). */
export function activityJson({ verdict, ...rest }: ActivityVerdict) {
  return { result: verdict, ...rest };
}

export function formatInvestigation(out: InvestigationOutcome): string {
  const i = out.investigation;
  const s = out.subject;
  const lines: string[] = [];
  lines.push(`Investigation ${i.id} of ${i.caseId}: ${i.status === "complete" ? "complete" : "PARTIAL (something was not searched)"}`);
  lines.push(`  window ${s.window.start} .. ${s.window.end}${s.containedAt ? `; contained at ${s.containedAt}` : "; not contained"}`);
  lines.push(`  resources: ${s.resources.map((r) => `${r.id} (${r.scope.accountId}/${r.scope.region})`).join(", ") || "none found"}`);
  if (s.principals.length) lines.push(`  principals: ${s.principals.map((p) => `${p.kind} ${p.id}`).join(", ")}`);
  for (const a of i.activity) {
    const figures = Object.entries(a.figures)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(", ");
    const after = a.stoppedAfterContainment === null ? "" : a.stoppedAfterContainment ? "; stopped after containment" : "; CONTINUED after containment";
    lines.push(`Activity: ${a.verdict} on ${a.networkInterfaceIds.join(", ") || "no interface"}${figures ? ` (${figures})` : ""}${after}`);
  }
  lines.push(`Findings (${i.findings.length}):`);
  for (const f of i.findings) {
    lines.push(`  [${f.severity}] ${f.summary}${f.at ? ` (${f.at})` : ""}`);
    lines.push(`      ${f.kind} about ${f.subject}; source: ${f.sources.map((x) => x.evidence).join(", ") || "none named"}`);
  }
  if (i.notSearched.length) {
    lines.push("Not searched:");
    for (const n of i.notSearched) lines.push(`  ${n.scope ? `${n.scope.accountId}/${n.scope.region} ` : ""}${n.what}: ${n.reason}`);
  }
  lines.push(`Evidence kept: ${out.evidence.length} artifact${out.evidence.length === 1 ? "" : "s"} (abuse-desk evidence export ${i.caseId} --out bundle.tar.gz)`);
  return lines.join("\n") + "\n";
}
