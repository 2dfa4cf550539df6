/**
 * `abuse-desk sim status|reset [--account sim|sim:PATH]`: the simulated account's saved state.
 * Commands run against a simulated account keep its state between runs (src/cloud/sim/persist.ts);
 * `status` says what has changed since the estate file, `reset` starts the account again.
 */
import type { Command } from "commander";

interface Opts {
  account?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const sim = program.command("sim").description("the simulated account's saved state: what changed, and starting again");

  sim
    .command("status")
    .description("where the simulated account's state is kept and what has changed since its estate file")
    .option("--account <spec>", "sim (the bundled estate) or sim:PATH", "sim")
    .option("--json", "print JSON")
    .action(async (o: Opts) => {
      const { estateFor } = await loaders();
      const { path, home } = estateFor(o.account);
      const { openPersistentSim } = await import("../cloud/sim/persist.ts");
      const { loadEstateFile, snapshotState, diffSnapshots } = await import("../cloud/sim/index.ts");
      const p = openPersistentSim(path, home);
      const changes = p.resumed ? diffSnapshots(snapshotState(loadEstateFile(path).state), snapshotState(p.state)) : [];
      const { printJson, colors: c } = await import("./io.ts");
      if (o.json) {
        printJson({ estate: path, stateFile: p.stateFile, changed: changes.length > 0, changes });
        return;
      }
      process.stdout.write(`estate      ${path}\nstate file  ${p.stateFile}${p.resumed ? "" : c.dim(" (not yet written)")}\n`);
      if (!changes.length) process.stdout.write("the account is as its estate describes it\n");
      else {
        process.stdout.write(`${changes.length} change${changes.length > 1 ? "s" : ""} since the estate:\n`);
        for (const ch of changes.slice(0, 50)) process.stdout.write(`  ${ch}\n`);
        if (changes.length > 50) process.stdout.write(c.dim(`  ... and ${changes.length - 50} more (--json lists all)\n`));
      }
    });

  sim
    .command("reset")
    .description("forget every change made to the simulated account: the next command starts from the estate file")
    .option("--account <spec>", "sim (the bundled estate) or sim:PATH", "sim")
    .option("--json", "print JSON")
    .action(async (o: Opts) => {
      const { estateFor } = await loaders();
      const { path, home } = estateFor(o.account);
      const { resetPersistentSim } = await import("../cloud/sim/persist.ts");
      const r = resetPersistentSim(path, home);
      const { printJson } = await import("./io.ts");
      if (o.json) printJson({ estate: path, ...r });
      else process.stdout.write(r.existed ? `reset: ${path} starts again from its estate (removed ${r.stateFile})\n` : `nothing to reset: ${path} has no saved state\n`);
    });
}

async function loaders() {
  const { simEstatePath } = await import("../cloud/open.ts");
  const { dataHome } = await import("../home.ts");
  const { UserError } = await import("../errors.ts");
  return {
    estateFor(spec = "sim") {
      const path = simEstatePath(spec.trim());
      if (!path) throw new UserError(`--account ${spec}: only a simulated account (sim or sim:PATH) has a saved state`, { exitCode: 64 });
      return { path, home: dataHome() };
    },
  };
}
