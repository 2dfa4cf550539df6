/**
 * `abuse-desk sweep --key AKIA... [--since ISO] [--until ISO] [--accounts IDS] [--plan] [--out FILE]
 * [--delete-console-passwords] [--json] [--account sim|sim:PATH|aws]`: who holds an exposed access
 * key, and what it and every principal it created did and made, in every region of every account
 * (src/credentials, docs/credentials.md). With --plan, the containment plan for it (written to
 * --out, to be applied with `abuse-desk apply FILE`).
 *
 * --json prints `{ sweep, plan? }` (SweepResult, src/credentials/sweep.ts; Plan).
 * Exit 69 when a region or account could not be read (what was found is printed, then what was not searched).
 */
import type { Command } from "commander";

interface Options {
  key: string[];
  since?: string;
  until?: string;
  accounts?: string;
  plan?: boolean;
  out?: string;
  force?: boolean;
  deleteConsolePasswords?: boolean;
  policy?: string;
  json?: boolean;
  account?: string;
  profile?: string;
  region?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  program
    .command("sweep")
    .description("find who holds an exposed access key and everything it and the principals it created did and made, in every region; --plan writes the containment")
    .requiredOption("--key <id>", "the exposed access key (AKIA... or ASIA...); repeat for several", collect)
    .option("--since <iso>", "from when (the exposure, or the notice's window; default: 7 days before --until)")
    .option("--until <iso>", "to when (default: now)")
    .option("--accounts <ids>", "only these accounts (comma-separated; default: every account reachable)")
    .option("--plan", "also write the containment plan for what was found")
    .option("--out <file>", "with --plan: save the plan to this file (for abuse-desk apply FILE)")
    .option("--force", "with --out: replace an existing file")
    .option("--delete-console-passwords", "with --plan: also delete the console passwords of users the attacker created (IRREVERSIBLE)")
    .option("--policy <file>", "the containment policy (default: $ABUSE_DESK_POLICY or the built-in)")
    .option("--json", "print { sweep, plan? } as JSON")
    .option("--account <spec>", "where to search: sim, sim:PATH, or aws (default: $ABUSE_DESK_ACCOUNT)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .action(async (opts: Options) => {
      const { timeOption, printJson, colors, progressLine } = await import("./io.ts");
      const { UserError } = await import("../errors.ts");
      for (const k of opts.key) if (!/^(AKIA|ASIA)[A-Z0-9]{16}$/.test(k)) throw new UserError(`--key: "${k.slice(0, 40)}" is not an access key id (AKIA or ASIA and 16 upper-case letters or digits)`, { exitCode: 64 });
      const until = opts.until ? timeOption("--until", opts.until) : new Date();
      const since = opts.since ? timeOption("--since", opts.since) : new Date(until.getTime() - 7 * 86_400_000);
      if (since > until) throw new UserError(`--since ${since.toISOString()} is after --until ${until.toISOString()}`, { exitCode: 64 });
      if (until.getTime() - since.getTime() > 90 * 86_400_000) throw new UserError("CloudTrail's event history keeps 90 days: --since is further back than it can answer", { exitCode: 64 });
      const accounts = opts.accounts ? opts.accounts.split(",").map((x) => x.trim()).filter(Boolean) : undefined;
      for (const a of accounts ?? []) if (!/^\d{12}$/.test(a)) throw new UserError(`--accounts: "${a.slice(0, 40)}" is not a 12-digit account id`, { exitCode: 64 });
      if ((opts.out || opts.deleteConsolePasswords) && !opts.plan) throw new UserError("--out and --delete-console-passwords go with --plan", { exitCode: 64 });

      const { openCloud } = await import("../cloud/open.ts");
      const { sweep } = await import("../credentials/sweep.ts");
      const port = await openCloud(opts.account, { profile: opts.profile, region: opts.region });
      const tty = !opts.json && process.stderr.isTTY === true;
      let result;
      try {
        result = await sweep(port, { accessKeyIds: opts.key, start: since.toISOString(), end: until.toISOString(), ...(accounts ? { accountIds: accounts } : {}) }, tty ? { progress: (m) => progressLine(m) } : {});
      } finally {
        if (tty) progressLine(null);
        port.close?.();
      }

      let plan;
      if (opts.plan) {
        const { loadPolicy } = await import("../policy/load.ts");
        const { planSweepFor } = await import("../credentials/index.ts");
        const { newPlanId } = await import("../desk/index.ts");
        const policy = await loadPolicy(opts.policy ?? (process.env.ABUSE_DESK_POLICY || undefined));
        plan = planSweepFor(result, { planId: newPlanId(until), caseId: null, createdAt: until.toISOString(), policy, deleteConsolePasswords: opts.deleteConsolePasswords === true });
        if (opts.out) {
          const { writePrivateFile } = await import("../private-file.ts");
          writePrivateFile(opts.out, JSON.stringify(plan, null, 2) + "\n", { force: opts.force === true });
        }
      }

      if (opts.json) printJson(plan ? { sweep: result, plan } : { sweep: result });
      else {
        const { formatSweep } = await import("../credentials/format.ts");
        const p = colors;
        process.stdout.write(formatSweep(result, p) + "\n");
        if (plan) {
          const { formatPlan } = await import("../execute/format.ts");
          process.stdout.write("\n" + formatPlan(plan, p) + "\n");
          if (opts.out) process.stdout.write(`\nPlan saved to ${opts.out}: review it, then abuse-desk apply ${opts.out}\n`);
        }
      }
      if (result.notSearched.length) process.exitCode = 69;
    });
}
