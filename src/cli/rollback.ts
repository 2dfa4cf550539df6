/**
 * `abuse-desk rollback CASE|PLAN [--yes]`: restores what a plan's apply changed, newest first,
 * from the journal (security groups per interface, ACL entries, Auto Scaling membership, capacity
 * and processes, load balancer registration, protections, public access blocks, distributions,
 * key status). Evidence, the case tags and the groups abuse-desk created are kept.
 * Like apply, it holds the plan's lock while it runs: refused (exit 75) while someone else applies
 * or rolls back the same plan.
 * A plan rolled back already is said to be ("nothing to roll back"), exit 0, nothing called. Before
 * any step, an interface an earlier run left in the all-traffic group is put back in its old groups
 * (src/execute/transit.ts), and that is said first. The case moves to `rolled-back` once none of
 * its plans holds anything.
 * Exit status: 0 restored (or nothing left to restore), 1 a step could not be restored (it says
 * why), 64 no confirmation, 75 the plan is being applied or rolled back by someone else.
 */
import type { Command } from "commander";

interface Options {
  yes?: boolean;
  reason?: string;
  account?: string;
  profile?: string;
  region?: string;
  json?: boolean;
  actor?: string;
}

export function register(program: Command): void {
  program
    .command("rollback")
    .description("undo what an applied plan changed, newest first, from the journal; evidence is kept")
    .argument("<case-or-plan>", "a case (its latest applied plan), a plan file, or a plan id")
    .option("--yes", "roll back without asking (required without a terminal)")
    .option("--reason <text>", "why, for the journal")
    .option("--account <spec>", "the account: sim, sim:PATH or aws (default: $ABUSE_DESK_ACCOUNT)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .option("--actor <name>", "who rolls back, for the journal (default: $USER)")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, opts: Options) => {
      const { UserError } = await import("../errors.ts");
      const { colors, printJson, withStore, cliActor } = await import("./io.ts");
      const { findPlan, confirmOrRefuse } = await import("./plan.ts");
      const { ApplyRefused, READ_ONLY_ACTIONS } = await import("../execute/index.ts");
      const { refuseIfLocked, rollbackPlan } = await import("../desk/index.ts");
      const { formatRecovered, formatRollbackResult } = await import("../execute/format.ts");
      const { openAccount } = await import("../config/account.ts");

      await withStore(async (store) => {
        const plan = await findPlan(ref, store, { forRollback: true });
        await refuseIfLocked(store, plan.id);
        if (!opts.yes && (!process.stdin.isTTY || !process.stdout.isTTY)) await confirmOrRefuse("", false, "roll back");
        const entries = await store.entries(plan.id);
        const { stepStates, stepsInPlace } = await import("../execute/journal.ts");
        const { openTransits } = await import("../execute/transit.ts");
        const { describeUndo } = await import("../execute/undo-text.ts");
        const states = stepStates(entries);
        const touched = plan.steps.filter((s) => states.get(s.id)?.firstStarted !== undefined);
        const toUndo = plan.steps.filter((s) => touched.includes(s) && states.get(s.id)?.lastRollback?.phase !== "rolled-back");
        // Nothing left to undo and nothing in transit: say so, ask nothing, touch no account.
        if (touched.length && stepsInPlace(plan, entries).length === 0 && toUndo.every((s) => READ_ONLY_ACTIONS.has(s.action)) && openTransits(plan, entries).length === 0) {
          const last = entries.filter((e) => e.phase === "rolled-back").at(-1);
          const result = {
            planId: plan.id,
            status: "nothing-to-roll-back" as const,
            steps: plan.steps.map((s) => ({ stepId: s.id, action: s.action, target: `${s.target.type} ${s.target.id}`, status: !touched.includes(s) ? ("never-applied" as const) : READ_ONLY_ACTIONS.has(s.action) ? ("kept" as const) : ("already-rolled-back" as const) })),
            ...(last ? { rolledBackBefore: { at: last.at, actor: last.actor } } : {}),
          };
          if (opts.json) printJson(result);
          else process.stdout.write(formatRollbackResult(result, colors) + "\n");
          return;
        }
        if (!opts.json) {
          process.stdout.write(`Plan ${plan.id} (${plan.playbook}${plan.caseId ? `, case ${plan.caseId}` : ""}): ${touched.length} of ${plan.steps.length} steps were applied${toUndo.length < touched.length ? `, ${touched.length - toUndo.length} of them rolled back already` : ""}. Rolling back:\n`);
          for (const s of [...toUndo].reverse()) process.stdout.write(colors.dim(`  ${s.id}: ${describeUndo(s, states.get(s.id)?.firstStarted?.before)}\n`));
        }
        await confirmOrRefuse(`Roll back plan ${plan.id}?`, opts.yes, "roll back");
        const port = await openAccount(opts.account, { profile: opts.profile, region: opts.region });
        try {
          const result = await rollbackPlan(store, plan.id, {
            port,
            ...(opts.reason ? { reason: opts.reason } : {}),
            actor: opts.actor ?? (await cliActor()),
            onProgress: (e) => {
              if (!opts.json && e.status !== "started") process.stderr.write(`${e.status} ${e.stepId}${e.message ? ` ${e.message}` : ""}\n`);
            },
          });
          if (opts.json) printJson(result);
          else process.stdout.write(formatRollbackResult(result, colors) + "\n");
          if (result.status !== "complete") process.exitCode = 1;
        } catch (err) {
          if (err instanceof ApplyRefused) {
            if (err.recovered.length && !opts.json) process.stdout.write(formatRecovered(err.recovered, colors).join("\n") + "\n");
            throw new UserError(err.message, { exitCode: 65 });
          }
          throw err;
        } finally {
          port.close?.();
        }
      });
    });
}
