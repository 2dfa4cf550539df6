/**
 * `abuse-desk drill [--home DIR] [--json]`: the whole response on the embedded defaults, end to
 * end: a notice arrives -> verdict -> case in SQLite -> resources in the bundled simulated account
 * -> plan -> apply -> reply draft and report. Prints where the case, the journal and the reply are.
 * Nothing real is touched: the account is simulated, the reply is drafted, not sent.
 */
import type { Command } from "commander";

interface Options {
  home?: string;
  account?: string;
  now?: string;
  json?: boolean;
}

const LABEL: Record<string, string> = {
  notice: "notice",
  verdict: "verdict",
  case: "case",
  resources: "resources",
  plan: "plan",
  "apply-policy": "by policy",
  "apply-person": "by a person",
  reply: "reply",
  report: "report",
};

export function register(program: Command): void {
  program
    .command("drill")
    .description("run the whole response end to end on the simulated account: notice, verdict, case, resources, plan, apply, reply")
    .option("--home <dir>", "the drill's own data directory (default: a new one under $ABUSE_DESK_HOME/drills)")
    .option("--account <spec>", "sim (the bundled estate) or sim:PATH", "sim")
    .option("--now <iso>", "when the notice arrives (default: now)")
    .option("--json", "print the outcome as JSON")
    .action(async (opts: Options) => {
      const { existsSync, readdirSync } = await import("node:fs");
      const { join, resolve } = await import("node:path");
      const { UserError } = await import("../errors.ts");
      const { dataHome } = await import("../home.ts");
      const { printJson, timeOption, colors: c } = await import("./io.ts");
      const { runDrill } = await import("../drill/index.ts");

      if (opts.account && !opts.account.startsWith("sim")) {
        throw new UserError(`--account ${opts.account}: a drill runs on a simulated account only (sim or sim:PATH)`, { exitCode: 64 });
      }
      const now = opts.now ? timeOption("--now", opts.now) : new Date();
      const home = resolve(opts.home ?? join(dataHome(), "drills", now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")));
      if (existsSync(home) && readdirSync(home).length > 0) {
        throw new UserError(`${home}: not empty; a drill starts in a directory of its own`, { exitCode: 73, hint: "give --home a new directory" });
      }

      if (!opts.json) process.stdout.write(c.bold("abuse-desk drill") + c.dim(": the whole response on a simulated account; nothing real is touched\n\n"));
      // The drill's store is keyed as a command's would be in that directory (ABUSE_DESK_AUDIT_KEY,
      // the configuration's audit:, else a key file there), so `ABUSE_DESK_HOME=<drill>` commands can write to it.
      const { loadAuditKey } = await import("../config/store.ts");
      const result = await runDrill({
        home,
        now,
        auditKey: loadAuditKey(home, process.env),
        ...(opts.account ? { account: opts.account } : {}),
        onStage: (stage, detail) => {
          if (opts.json) return;
          process.stdout.write(`  ${c.green("✓")} ${LABEL[stage]!.padEnd(11)} ${detail}\n`);
        },
      });

      if (opts.json) {
        const { verdictJson } = await import("./json/view.ts");
        printJson({
          home: result.home,
          database: result.databaseLocation,
          notice: result.noticeFile,
          case: result.case,
          verdict: verdictJson(result.verdict),
          resolution: result.resolution,
          plan: result.plan,
          applied: { byPolicy: result.automatic, byPerson: result.byPerson },
          reply: result.replyFile,
          report: result.reportFile,
        });
        return;
      }
      const id = result.case.id;
      process.stdout.write(
        [
          "",
          c.bold("Where everything is"),
          `  case      ${id} (${result.case.status}), in ${result.databaseLocation}`,
          `  journal   the same store: every step before and after, with what undoes it`,
          `  notice    ${result.noticeFile}`,
          `  reply     ${result.replyFile} (a draft: nothing was sent)`,
          `  report    ${result.reportFile}`,
          "",
          c.bold("Look around"),
          `  export ABUSE_DESK_HOME=${result.home}${process.env.DATABASE_URL ? "; unset DATABASE_URL   # the drill's store is its own SQLite file" : ""}`,
          `  abuse-desk case show ${id}`,
          `  abuse-desk reply ${id}`,
          `  abuse-desk rollback ${id} --account ${opts.account ?? "sim"} --yes`,
          `  abuse-desk audit verify`,
          "",
        ].join("\n"),
      );
    });
}
