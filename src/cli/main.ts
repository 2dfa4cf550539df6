import { Command, CommanderError } from "commander";
import { CloudError } from "../cloud/errors.ts";
import { UserError } from "../errors.ts";

/**
 * Every command lives in its own file under src/cli/ and exports `register(program)`.
 * Command files import their stages lazily (inside the action), so starting the CLI for one
 * command never loads the AWS SDK, the database driver or the mail stack of another.
 */
const COMMANDS = ["drill", "triage", "parse", "verify", "intake", "resolve", "plan", "apply", "rollback", "reply", "report", "case", "audit", "notify", "sim", "user", "web"] as const;

/** The whole command tree (docs/commands.md is generated from it by scripts/gen-command-docs.ts). */
export async function buildProgram(opts: { helpWidth?: number } = {}): Promise<Command> {
  const program = new Command("abuse-desk")
    .description("Respond to AWS abuse notices: verify, extract, resolve, contain, reply, track.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  if (opts.helpWidth) program.configureHelp({ helpWidth: opts.helpWidth });
  for (const name of COMMANDS) {
    const mod = (await import(`./${name}.ts`)) as { register(p: Command): void };
    mod.register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // Everything printed from here on passes the output guard: no control character or escape
  // sequence from a notice reaches the terminal (src/cli/io.ts, src/safe-text.ts).
  const { guardOutput } = await import("./io.ts");
  const unguard = guardOutput();
  try {
    const program = await buildProgram();
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  } finally {
    unguard();
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (help, version, unknown option)
    return err.exitCode;
  }
  if (err instanceof UserError) {
    process.stderr.write(`abuse-desk: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  ${err.hint}\n`);
    return err.exitCode;
  }
  if (err instanceof CloudError) {
    // Access denied names the IAM action; no credentials says how to configure them.
    process.stderr.write(`abuse-desk: ${err.message}\n`);
    return err.kind === "access-denied" ? 77 : err.kind === "no-credentials" ? 78 : 69;
  }
  const e = err as Error;
  process.stderr.write(`abuse-desk: unexpected error: ${e?.stack ?? String(err)}\n`);
  return 70;
}
