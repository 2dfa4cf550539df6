/**
 * `abuse-desk readiness [--account sim|sim:PATH|aws] [--json] [--format md|html|sarif|csv] [--out FILE]`:
 * the posture that decides how the next abuse notice goes (docs/readiness.md): whether AWS's mail
 * reaches a person, logging, identity, exposure, response readiness, in every account and region
 * at once. Prints a score and the failing resources with their fix.
 *
 * The run is kept in the case store (src/case/readiness-runs.ts: the web desk's readiness page and
 * the cases' gaps read it) unless `--no-save`; a run that cannot be kept is said (exit 73, or the
 * store's own status) after the report was printed or written. Saving prunes older runs beyond
 * `readiness.retention` (src/readiness/config.ts), and says so.
 *
 * Exit 0 when every check ran (whatever it found: the findings are the report); 69 when a check
 * could not run somewhere (access denied, an account not entered, a read this build cannot make):
 * the report is still printed or written, and the message names what could not be read.
 */
import type { Command } from "commander";

interface Options {
  json?: boolean;
  format?: string;
  out?: string;
  force?: boolean;
  account?: string;
  profile?: string;
  region?: string;
  accounts?: string;
  regions?: string;
  concurrency?: string;
  now?: string;
  save?: boolean;
}

const FORMATS = ["md", "html", "sarif", "csv"] as const;
const list = (s: string | undefined) => (s ? s.split(",").map((x) => x.trim()).filter(Boolean) : undefined);

export function register(program: Command): void {
  program
    .command("readiness")
    .description("check the accounts are ready for an abuse notice: contacts, logging, identity, exposure, response (docs/readiness.md)")
    .option("--account <spec>", "where to look: sim (the bundled simulated estate), sim:PATH (an estate file), or aws (default: $ABUSE_DESK_ACCOUNT)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .option("--accounts <ids>", "only these accounts (comma-separated)")
    .option("--regions <codes>", "only these regions (comma-separated)")
    .option("--concurrency <n>", "cloud calls in flight per account and region (default 8)")
    .option("--json", "print the report as JSON")
    .option("--format <format>", "md (default), html, sarif (SARIF 2.1.0 for code-scanning dashboards) or csv")
    .option("--out <file>", "write the report to this file instead of standard output (created 0600, never over an existing file without --force: exit 73)")
    .option("--force", "with --out: replace an existing file (never a symbolic link)")
    .option("--now <iso>", "the current time (default: now)")
    .option("--no-save", "do not keep the run in the case store (the web desk's readiness page and the cases' gaps read the kept runs)")
    .action(async (opts: Options) => {
      const { UserError } = await import("../errors.ts");
      const { timeOption, printJson, progressLine } = await import("./io.ts");
      const format = opts.format ?? "md";
      if (!(FORMATS as readonly string[]).includes(format)) throw new UserError(`--format: "${format}" is not one of ${FORMATS.join(", ")}`, { exitCode: 64 });
      if (opts.json && opts.format) throw new UserError("give --json or --format, not both", { exitCode: 64 });
      let concurrency: number | undefined;
      if (opts.concurrency !== undefined) {
        concurrency = Number(opts.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UserError(`--concurrency: "${opts.concurrency}" is not a whole number from 1 to 64`, { exitCode: 64 });
      }
      const accounts = list(opts.accounts);
      for (const a of accounts ?? []) if (!/^\d{12}$/.test(a)) throw new UserError(`--accounts: "${a.slice(0, 40)}" is not a 12-digit account id`, { exitCode: 64 });
      const regions = list(opts.regions);
      for (const r of regions ?? []) if (!/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(r)) throw new UserError(`--regions: "${r.slice(0, 40)}" is not a region code`, { exitCode: 64 });
      const now = opts.now ? timeOption("--now", opts.now) : undefined;

      const { readConfigFile } = await import("../config/file.ts");
      const { configuredSources } = await import("../intake/registry.ts");
      const doc = readConfigFile();
      // The retention of kept runs, read (and a wrong value refused, 78) before the estate is.
      const retention = opts.save !== false ? (await import("../readiness/config.ts")).readinessRetention(doc) : undefined;
      const intake = doc.data.intake;
      const intakeSources = doc.path === null ? undefined : intake && typeof intake === "object" && !Array.isArray(intake) ? configuredSources(intake as Record<string, unknown>).map((s) => ({ name: s.name, kind: s.kind })) : [];

      const { openAccount } = await import("../config/account.ts");
      const { runReadiness } = await import("../readiness/run.ts");
      const port = await openAccount(opts.account, { profile: opts.profile, region: opts.region });
      const tty = process.stderr.isTTY === true;
      let report;
      try {
        report = await runReadiness(port, {
          ...(now ? { now } : {}),
          ...(accounts ? { accounts } : {}),
          ...(regions ? { regions } : {}),
          ...(concurrency ? { concurrency } : {}),
          ...(intakeSources ? { intakeSources } : {}),
          ...(tty ? { progress: (m: string) => progressLine(m) } : {}),
        });
      } finally {
        if (tty) progressLine(null);
        port.close?.();
      }

      // Kept before anything is printed, so --json can say where; a store that fails is said after the report.
      let saved: { runId: number; kept: number; total: number; truncated: string | null } | null = null;
      let pruned: { accountRuns: number; runs: number } | null = null;
      let saveError: unknown = null;
      if (opts.save !== false) {
        const { withStore } = await import("./io.ts");
        try {
          const r = await withStore((store) => store.recordReadinessRun(report, { ...(retention ? { retention } : {}) }));
          saved = { runId: r.runId, kept: r.kept, total: r.total, truncated: r.truncated };
          pruned = r.pruned;
        } catch (err) {
          saveError = err;
        }
      }

      const render = await import("../readiness/render.ts");
      let text: string;
      if (opts.json) text = JSON.stringify({ ...report, saved }, null, 2) + "\n";
      else if (format === "html") text = render.renderHtml(report);
      else if (format === "sarif") {
        const { readFileSync } = await import("node:fs");
        const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
        text = render.renderSarif(report, version);
      } else if (format === "csv") text = render.renderCsv(report);
      else text = render.renderMarkdown(report);

      if (opts.out) {
        const { writePrivateFile } = await import("../private-file.ts");
        writePrivateFile(opts.out, text, { force: opts.force === true });
        process.stderr.write(`readiness: score ${report.score}/100, ${report.counts.fail} failed, ${report.counts["could-not-run"]} could not run; written to ${opts.out}\n`);
      } else if (opts.json) printJson({ ...report, saved });
      else process.stdout.write(text);
      if (saved) process.stderr.write(`readiness: kept as run ${saved.runId} in the case store${saved.truncated ? ` (bounded: ${saved.truncated})` : ""}\n`);
      if (pruned && pruned.accountRuns + pruned.runs > 0 && retention)
        process.stderr.write(`readiness: pruned ${pruned.accountRuns} older account run${pruned.accountRuns === 1 ? "" : "s"} (${pruned.runs} whole run${pruned.runs === 1 ? "" : "s"}) beyond the retention (each account's newest ${retention.keepRuns} runs, none recorded over ${retention.keepDays} days ago; an account's latest run is always kept)\n`);
      if (saveError) {
        const e = saveError as { message?: string; exitCode?: number };
        throw new UserError(`the run was not kept in the case store: ${e.message ?? String(saveError)}`, { exitCode: saveError instanceof UserError && e.exitCode ? e.exitCode : 73, hint: "the report above is complete; run again with --no-save to skip keeping it" });
      }

      const notRun = report.checks.filter((c) => c.status === "could-not-run");
      if (notRun.length)
        throw new UserError(`${notRun.length} check${notRun.length > 1 ? "s" : ""} could not run (never counted as passed): ${notRun.map((c) => `${c.id} (${c.notRun[0]?.reason ?? "unknown"})`).join("; ")}`, {
          exitCode: 69,
          hint: "grant what the read-only policy lists (docs/iam/read-only-policy.json), or see docs/readiness.md for checks this build cannot make",
        });
    });
}
