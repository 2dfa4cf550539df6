import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { CloudError, type CloudErrorKind } from "../cloud/errors.ts";
import { asEnvironmentError, EX_SOFTWARE, EXIT_STATUS, UserError, type ErrorKind } from "../errors.ts";

/**
 * Every command lives in its own file under src/cli/ and exports `register(program)`.
 * Command files import their stages lazily (inside the action), so starting the CLI for one
 * command never loads the AWS SDK, the database driver or the mail stack of another.
 */
export const COMMANDS = ["drill", "triage", "parse", "verify", "intake", "resolve", "sweep", "plan", "apply", "rollback", "investigate", "evidence", "reply", "report", "case", "audit", "notify", "sim", "doctor", "serve", "user", "web", "readiness", "inventory"] as const;

/** The whole command tree (docs/commands.md is generated from it by scripts/gen-command-docs.ts). */
export async function buildProgram(opts: { helpWidth?: number; only?: string } = {}): Promise<Command> {
  const program = new Command("abuse-desk")
    .description("Respond to AWS abuse notices: verify, extract, resolve, contain, reply, track.")
    .version((JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version)
    .showHelpAfterError()
    .exitOverride();
  if (opts.helpWidth) program.configureHelp({ helpWidth: opts.helpWidth });
  // A command named on the command line loads only its own file (its help and its errors are its own).
  const only = (COMMANDS as readonly string[]).includes(opts.only ?? "") ? [opts.only!] : COMMANDS;
  for (const name of only) {
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
    const program = await buildProgram({ only: argv[2] });
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  } finally {
    unguard();
  }
}

export function reportError(err: unknown): number {
  const said = errorStatus(err);
  if (said.message !== null) process.stderr.write(said.message);
  return said.status;
}

/** Every error a command can end with -> what is printed and the exit status, by the one table (src/errors.ts EXIT_STATUS). */
export function errorStatus(err: unknown): { status: number; message: string | null } {
  if (err instanceof CommanderError) {
    // commander already printed its message (help, version, unknown option); help and version are success, the rest usage.
    return { status: err.exitCode === 0 ? 0 : EXIT_STATUS.usage, message: null };
  }
  if (err instanceof CloudError) {
    // Access denied names the IAM action; no credentials says how to configure them.
    return { status: EXIT_STATUS[CLOUD_KIND[err.kind]], message: `abuse-desk: ${err.message}\n` };
  }
  const user = err instanceof UserError ? err : asEnvironmentError(err);
  if (user) return { status: user.exitCode, message: `abuse-desk: ${user.message}\n${user.hint ? `  ${user.hint}\n` : ""}` };
  const e = err as Error;
  return { status: EX_SOFTWARE, message: `abuse-desk: unexpected error: ${e?.stack ?? String(err)}\n` };
}

const CLOUD_KIND: Record<CloudErrorKind, ErrorKind> = {
  "access-denied": "not-permitted",
  "no-credentials": "config",
  throttled: "unavailable",
  "region-disabled": "unavailable",
  "unknown-account": "unavailable",
  "not-found": "unavailable",
  invalid: "unavailable",
  unavailable: "unavailable",
};
