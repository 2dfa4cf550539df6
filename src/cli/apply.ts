/**
 * `abuse-desk apply CASE|PLAN [--yes] [--override-verdict REASON] [--account SPEC]`: carries out a
 * plan, after a person confirms it (the plan is shown first; without a terminal, `--yes` is the
 * confirmation). Every step is journalled in the case store before and after; a second apply of
 * the same plan resumes where the first stopped and does nothing twice.
 *
 * PLAN is a plan file (from `plan --out`) or a plan id; CASE is a case id or AWS case number (its
 * latest plan). `--auto` applies only the steps the policy (`--policy`) lets run without a person,
 * and only for a notice verified authentic.
 *
 * Only the store is an authority: the verdict is the stored notice's of the plan's case, what may
 * run alone is judged from the policy now, a file names a stored plan (the stored one is applied)
 * or is adopted as a plan of its case only when a person applies it (never by --auto), and every
 * step is checked against its action's schema first (exit 65 naming the step).
 *
 * Before any step, an interface an earlier run of this plan (or of another plan of the case) left in
 * the all-traffic group is moved on to the isolation group, or back to its old groups when its plan
 * is rolled back (src/execute/transit.ts); that is said first.
 *
 * One apply or rollback of a plan runs at a time: while another holds the plan (another terminal,
 * another machine on the same PostgreSQL store), this one refuses, naming who and since when.
 *
 * Exit status: 0 every step done (or, with --auto, every allowed step), 1 a step failed (the run
 * stopped in a consistent state), 77 refused (verdict, or --auto on a plan not stored), 65 a plan
 * that fails its schema, 64 no confirmation, 75 the plan is being applied or rolled back by
 * someone else (try again later), 69 the steps ran but the case's search was incomplete (a place
 * could not be read): the case is not contained; what is missing is named.
 */
import type { Command } from "commander";

interface Options {
  yes?: boolean;
  overrideVerdict?: string;
  auto?: boolean;
  account?: string;
  profile?: string;
  region?: string;
  json?: boolean;
  concurrency?: string;
  actor?: string;
  policy?: string;
}

export function register(program: Command): void {
  program
    .command("apply")
    .description("apply a containment plan after confirmation, journalled step by step; resumes where a previous run stopped")
    .argument("<case-or-plan>", "a case (AD-2026-0001 or AWS case number), a plan file, or a plan id")
    .option("--yes", "the plan was reviewed: apply without asking (required without a terminal)")
    .option("--override-verdict <reason>", "apply although the notice was judged phishing or suspicious; the reason is journalled")
    .option("--auto", "apply only the steps the policy lets run without a person (authentic notices only; plans in the case store only)")
    .option("--policy <file>", "the containment policy that decides what --auto may run (YAML; default: $ABUSE_DESK_POLICY, else the safe defaults: nothing)")
    .option("--account <spec>", "the account to change: sim, sim:PATH or aws (default: $ABUSE_DESK_ACCOUNT)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .option("--concurrency <n>", "steps in flight at once (default 16; at most 8 per account and region)")
    .option("--actor <name>", "who applies, for the journal (default: $USER)")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, opts: Options) => {
      const { UserError } = await import("../errors.ts");
      const { colors, printJson, withStore, cliActor } = await import("./io.ts");
      const { planForApply, confirmOrRefuse } = await import("./plan.ts");
      const { ApplyRefused } = await import("../execute/index.ts");
      const { applyPlan, refuseIfLocked } = await import("../desk/index.ts");
      const { formatPlan, formatApplyResult } = await import("../execute/format.ts");
      const { openAccount } = await import("../config/account.ts");

      let total: number | undefined;
      if (opts.concurrency !== undefined) {
        total = Number(opts.concurrency);
        if (!Number.isInteger(total) || total < 1) throw new UserError(`--concurrency: "${opts.concurrency}" is not a whole number >= 1`, { exitCode: 64 });
      }
      if (opts.auto && opts.overrideVerdict) throw new UserError("--auto and --override-verdict exclude each other: only a person overrides a verdict", { exitCode: 64 });

      await withStore(async (store) => {
        // A plan file not in the store becomes a plan of its case only once shown and confirmed here:
        // apply stores it (after the verdict gate, before any step) with the store's verdict, no step automatic.
        const { plan, note } = await planForApply(ref, store, { auto: opts.auto === true });
        if (note) process.stderr.write(colors.yellow(`note: ${note}\n`));
        await refuseIfLocked(store, plan.id);
        // Nobody to ask: refuse before printing anything a script would have to read past.
        if (!opts.auto && !opts.yes && (!process.stdin.isTTY || !process.stdout.isTTY)) await confirmOrRefuse("", false, "change an account");
        // The person, read here at the edge; an automatic apply (--auto) is the policy's unless --actor says who.
        const actor = opts.actor ?? (opts.auto ? undefined : await cliActor());
        if (!opts.auto && plan.caseId && actor !== undefined) {
          // What the web desk says of this plan: its approval, and four-eyes for the plan's own author.
          const { applyGate } = await import("../case/approval.ts");
          const { readConfigFile } = await import("../config/file.ts");
          const { webConfig } = await import("../web/config.ts");
          const gate = applyGate(await store.timeline(plan.caseId), plan.id, actor, webConfig(readConfigFile()).fourEyes);
          if (gate.refusal) throw new UserError(gate.refusal, { exitCode: 77 });
          const said = gate.approval ? `approved on the web desk by ${gate.approval.by} at ${gate.approval.at}` : "not approved on the web desk";
          process.stderr.write(`desk: plan ${plan.id} ${said}\n`);
        }
        if (!opts.auto) {
          if (!opts.json) process.stdout.write(formatPlan(plan, colors, { calls: false }) + "\n\n");
          const n = plan.steps.length;
          await confirmOrRefuse(`Apply ${n} step${n === 1 ? "" : "s"} of plan ${plan.id} to the account?`, opts.yes, "change an account");
        }
        const { loadPolicy } = await import("../policy/load.ts");
        const policy = opts.auto ? await loadPolicy(opts.policy ?? (process.env.ABUSE_DESK_POLICY || undefined)) : undefined;
        const port = await openAccount(opts.account, { profile: opts.profile, region: opts.region });
        const progressLines = !opts.json || process.stderr.isTTY === true;
        let finished = 0;
        try {
          const result = await applyPlan(store, plan, {
            port,
            approve: opts.auto ? "policy" : "person",
            ...(policy ? { policy } : {}),
            ...(opts.overrideVerdict ? { override: { reason: opts.overrideVerdict } } : {}),
            ...(actor !== undefined ? { actor } : {}),
            ...(total ? { concurrency: { total } } : {}),
            onProgress: (e) => {
              if (!progressLines || e.status === "started") return;
              if (e.status !== "retrying") finished++;
              const tag = e.status === "failed" ? colors.red(e.status) : e.status === "retrying" ? colors.yellow(e.status) : e.status;
              process.stderr.write(`[${finished}/${plan.steps.length}] ${tag} ${e.stepId}${e.message ? colors.dim(` ${e.message}`) : ""}\n`);
            },
          });
          if (opts.json) printJson(result);
          else process.stdout.write(formatApplyResult(result, colors) + "\n");
          if (plan.caseId) {
            // A failed step, or steps left for a person, is news for the team (docs/notify.md).
            const { notifyAfterChange } = await import("./io.ts");
            const n = await notifyAfterChange(store, plan.caseId);
            if (n.warning) process.stderr.write(colors.yellow(`warning: ${n.warning}\n`));
          }
          if (result.status === "failed") process.exitCode = 1;
          else if (result.notSearched) {
            const { notSearchedError } = await import("../resolve/outcome.ts");
            const { accountFlags } = await import("./hint.ts");
            const again = plan.caseId ? `abuse-desk plan ${plan.caseId}${accountFlags(opts)}` : undefined;
            throw notSearchedError(result.notSearched, `apply ${plan.id}: the case is not contained`, again);
          }
        } catch (err) {
          if (err instanceof ApplyRefused) {
            if (err.recovered.length && !opts.json) {
              const { formatRecovered } = await import("../execute/format.ts");
              process.stdout.write(formatRecovered(err.recovered, colors).join("\n") + "\n");
            }
            throw new UserError(err.message, {
              exitCode: err.code === "verdict" || err.code === "automatic-not-authentic" || err.code === "not-stored" ? 77 : 65,
              ...(err.code === "plan-invalid" ? { hint: "a plan is checked against every action's schema before anything runs; write a new one with abuse-desk plan CASE" } : {}),
              ...(err.code === "verdict" ? { hint: `if a person confirmed the notice is genuine: abuse-desk apply ${ref} --override-verdict "why"` } : {}),
            });
          }
          throw err;
        } finally {
          port.close?.();
        }
      });
    });
}
