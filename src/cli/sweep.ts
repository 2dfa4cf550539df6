/**
 * `abuse-desk sweep CASE [--since ISO] [--until ISO] [--plan] [--out FILE] [--delete-console-passwords] [--json]`
 * `abuse-desk sweep --key AKIA... [--since ISO] [--until ISO] [--accounts IDS] [--plan] [--out FILE]
 * [--delete-console-passwords] [--json] [--account sim|sim:PATH|aws]`: who holds an exposed access
 * key, and what it and every principal it created did and made, in every region of every account
 * (src/credentials, docs/credentials.md). With --plan, the containment plan for it (written to
 * --out, to be applied with `abuse-desk apply FILE`).
 *
 * With a CASE the keys, the start (the notices' window, else 7 days before the notice) and the
 * accounts are the case's (src/credentials/case.ts); the sweep is kept with the case (evidence
 * `credential-sweep.json` with its SHA-256, an investigation run, audited) and --plan saves the
 * plan with the case (as `plan CASE` does, for `apply CASE`). A case that is not about exposed
 * credentials or a compromised account, or names no key, is refused (exit 65).
 *
 * --json prints `{ sweep, plan? }` (SweepResult, src/credentials/sweep.ts; Plan), with a CASE also
 * `caseId`, `investigationId` and `evidence`.
 * Exit 69 when a region or account could not be read (what was found is printed, then what was not searched).
 */
import type { Command } from "commander";

interface Options {
  key?: string[];
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
    .argument("[case]", "a credential case (AD-2026-0001 or AWS case number): its keys, window and accounts; the sweep is kept with the case")
    .option("--key <id>", "the exposed access key (AKIA... or ASIA...); repeat for several (instead of a case)", collect)
    .option("--since <iso>", "from when (the exposure; default: the case's notice window, else 7 days before the notice or before --until)")
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
    .action(async (ref: string | undefined, opts: Options) => {
      const { timeOption, printJson, colors, progressLine } = await import("./io.ts");
      const { UserError } = await import("../errors.ts");
      if (ref !== undefined && opts.key) throw new UserError("give a case or --key, not both", { exitCode: 64 });
      if (ref === undefined && !opts.key) throw new UserError("give a case (abuse-desk sweep AD-2026-0001) or the exposed key (--key AKIA...)", { exitCode: 64 });
      if (ref !== undefined) return sweepCaseCommand(ref, opts);
      opts.key ??= [];
      for (const k of opts.key) if (!/^(AKIA|ASIA)[A-Z0-9]{16}$/.test(k)) throw new UserError(`--key: "${k.slice(0, 40)}" is not an access key id (AKIA or ASIA and 16 upper-case letters or digits)`, { exitCode: 64 });
      const until = opts.until ? timeOption("--until", opts.until) : new Date();
      const since = opts.since ? timeOption("--since", opts.since) : new Date(until.getTime() - 7 * 86_400_000);
      if (since > until) throw new UserError(`--since ${since.toISOString()} is after --until ${until.toISOString()}`, { exitCode: 64 });
      if (until.getTime() - since.getTime() > 90 * 86_400_000) throw new UserError("CloudTrail's event history keeps 90 days: --since is further back than it can answer", { exitCode: 64 });
      const accounts = opts.accounts ? opts.accounts.split(",").map((x) => x.trim()).filter(Boolean) : undefined;
      for (const a of accounts ?? []) if (!/^\d{12}$/.test(a)) throw new UserError(`--accounts: "${a.slice(0, 40)}" is not a 12-digit account id`, { exitCode: 64 });
      if ((opts.out || opts.deleteConsolePasswords) && !opts.plan) throw new UserError("--out and --delete-console-passwords go with --plan", { exitCode: 64 });

      const { openAccount } = await import("../config/account.ts");
      const { sweep } = await import("../credentials/sweep.ts");
      const port = await openAccount(opts.account, { profile: opts.profile, region: opts.region });
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

/** `abuse-desk sweep CASE`: the case's keys, window and accounts; the sweep kept with the case; --plan saved with the case. */
async function sweepCaseCommand(ref: string, opts: Options): Promise<void> {
  const { timeOption, printJson, colors, progressLine, withStore } = await import("./io.ts");
  const { UserError } = await import("../errors.ts");
  if (opts.accounts) throw new UserError("--accounts goes with --key: a case's sweep covers the accounts its notices name", { exitCode: 64 });
  if ((opts.out || opts.deleteConsolePasswords) && !opts.plan) throw new UserError("--out and --delete-console-passwords go with --plan", { exitCode: 64 });
  const now = opts.until ? timeOption("--until", opts.until) : new Date();
  const since = opts.since ? timeOption("--since", opts.since) : undefined;
  if (since && since > now) throw new UserError(`--since ${since.toISOString()} is after ${opts.until ? "--until" : "now"} ${now.toISOString()}`, { exitCode: 64 });
  if (since && now.getTime() - since.getTime() > 90 * 86_400_000) throw new UserError("CloudTrail's event history keeps 90 days: --since is further back than it can answer", { exitCode: 64 });
  const { openAccount } = await import("../config/account.ts");
  const port = await openAccount(opts.account, { profile: opts.profile, region: opts.region });
  const tty = !opts.json && process.stderr.isTTY === true;
  const progress = tty ? { progress: (m: string) => progressLine(m) } : {};
  try {
    await withStore(async (store) => {
      const { credentialFacts, isCredentialNotice, sweepCase } = await import("../credentials/case.ts");
      const { actingNotice } = await import("../case/rules.ts");
      const c = await store.requireCase(ref);
      const notices = await store.notices(c.id);
      // Refused before anything is read or written: not a credential case, or no key to sweep by.
      credentialFacts(c, notices, { now, ...(since ? { since } : {}) });
      let swept;
      let plan;
      let incomplete: string[] = [];
      try {
        if (opts.plan) {
          const chosen = actingNotice(notices);
          if (!chosen || !isCredentialNotice(chosen.notice))
            throw new UserError(`case ${c.id}: its latest notice asking for action is not about credentials (${chosen ? chosen.notice.activityType.replace(/_/g, " ") : "none"}): plan it with abuse-desk plan ${c.id}`, { exitCode: 65 });
          const { loadPolicy } = await import("../policy/load.ts");
          const { planCase } = await import("../desk/index.ts");
          const policy = await loadPolicy(opts.policy ?? (process.env.ABUSE_DESK_POLICY || undefined));
          const r = await planCase(store, c.id, { port, recoverWith: port, policy, now, credentials: { ...(since ? { since } : {}), deleteConsolePasswords: opts.deleteConsolePasswords === true, ...progress } });
          if (!r.sweep) throw new UserError(`case ${c.id}: the plan did not sweep (${r.resolution.gaps.map((g) => g.reason).join("; ")})`, { exitCode: 65 });
          swept = r.sweep;
          plan = r.plan;
          const { searchOutcome } = await import("../resolve/outcome.ts");
          const o = searchOutcome(r.resolution);
          if (o.status === "not-searched") incomplete = o.missing.map((g) => g.reason);
          if (opts.out) {
            const { writePrivateFile } = await import("../private-file.ts");
            writePrivateFile(opts.out, JSON.stringify(plan, null, 2) + "\n", { force: opts.force === true });
          }
        } else {
          swept = await sweepCase(store, c.id, { port, now, ...(since ? { since } : {}), ...progress });
        }
      } finally {
        if (tty) progressLine(null);
      }
      const result = swept.sweep;
      const evidence = { id: swept.evidence.id, label: swept.evidence.label, sha256: swept.evidence.sha256 };
      if (opts.json) printJson({ caseId: c.id, investigationId: swept.investigation.id, evidence, sweep: result, ...(plan ? { plan } : {}) });
      else {
        const { formatSweep } = await import("../credentials/format.ts");
        process.stdout.write(`Case ${c.id}: keys ${swept.sweep.holders.map((h) => h.accessKeyId).join(", ")}, from ${result.window.start} (${swept.startFrom})\n`);
        process.stdout.write(formatSweep(result, colors) + "\n");
        process.stdout.write(colors.dim(`Kept with case ${c.id}: evidence ${evidence.id} (${evidence.label}, sha256 ${evidence.sha256}), investigation ${swept.investigation.id}.\n`));
        if (plan) {
          const { formatPlan } = await import("../execute/format.ts");
          process.stdout.write("\n" + formatPlan(plan, colors) + "\n");
          process.stdout.write(colors.dim(`\nSaved with case ${c.id}. Review it, then: abuse-desk apply ${c.id}\n`));
          if (opts.out) process.stdout.write(`Plan saved to ${opts.out} too.\n`);
        }
      }
      if (result.notSearched.length || incomplete.length) {
        process.stderr.write(`abuse-desk: the sweep is not complete: not searched: ${[...result.notSearched.map((n) => `${n.what}${n.scope ? ` (${n.scope.accountId}/${n.scope.region})` : ""} (${n.reason})`), ...incomplete.filter((x) => !x.startsWith("credential sweep: "))].join("; ")}\n`);
        process.exitCode = 69;
      }
    });
  } finally {
    port.close?.();
  }
}
