import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import pc from "picocolors";
import type { CaseStore } from "../case/types.ts";
import { UserError } from "../errors.ts";
import { safeJson, safeText, terminalText } from "../safe-text.ts";
import type { ParseOptions, ParseResult } from "../notice/index.ts";

/** Largest input accepted from a file or stdin (an mbox of many notices fits; a disk image does not). */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

/** Reads a file argument, or standard input when the argument is `-` or absent and stdin is piped. */
export async function readInput(file: string | undefined): Promise<{ bytes: Buffer; name: string }> {
  if (file === undefined || file === "-") {
    if (file === undefined && process.stdin.isTTY) {
      throw new UserError("no input: give a FILE, or pipe a notice on standard input", { exitCode: 64 });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      size += (chunk as Buffer).length;
      if (size > MAX_INPUT_BYTES) throw new UserError(`standard input is larger than ${MAX_INPUT_BYTES} bytes`, { exitCode: 65 });
      chunks.push(chunk as Buffer);
    }
    return { bytes: Buffer.concat(chunks), name: "<stdin>" };
  }
  try {
    return { bytes: await readFile(file), name: file };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`${file}: no such file`, { exitCode: 66 });
    if (code === "EISDIR") throw new UserError(`${file}: is a directory, not a notice`, { exitCode: 66 });
    if (code === "EACCES") throw new UserError(`${file}: permission denied`, { exitCode: 66 });
    throw new UserError(`${file}: cannot read (${code ?? String(err)})`, { exitCode: 66, cause: err });
  }
}

/** Parses the notice(s) read from `name`; an input that holds none is an error naming it. */
export async function parseNotices(bytes: Buffer, name: string, opts: ParseOptions = {}): Promise<ParseResult> {
  const { parseInput } = await import("../notice/index.ts");
  try {
    return await parseInput(bytes, opts);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${name}: ${e.message}`, { exitCode: e.exitCode, ...(e.hint ? { hint: e.hint } : {}) });
    throw e;
  }
}

/** A time given on the command line (--now, --at): whatever Date.parse reads, else a usage error. */
export function timeOption(flag: string, value: string): Date {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UserError(`${flag}: "${value}" is not a date`, { exitCode: 64 });
  return new Date(t);
}

/** Prints one JSON document on stdout (characters a terminal would act on written as \u escapes: the same JSON value). */
export function printJson(value: unknown): void {
  process.stdout.write(safeJson(JSON.stringify(value, null, 2)) + "\n");
}

/** Colours only when stdout is a terminal and NO_COLOR is not set (picocolors checks both). */
const colorsOn = process.stdout.isTTY === true && !process.env.NO_COLOR;
export const colors = pc.createColors(colorsOn);

type Write = typeof process.stdout.write;
let originals: { stdout: Write; stderr: Write } | null = null;

/**
 * The one place every line the CLI prints passes through (main() installs it for the length of a
 * command): text written to stdout or stderr has its control characters and escape sequences made
 * visible (src/safe-text.ts), so nothing a notice carries can act on the terminal. The CLI's own
 * colours pass, only when colours are on. Bytes (a PDF, a Markdown report already made safe by its
 * renderer) pass as they are. Returns the function that takes it away again.
 */
export function guardOutput(): () => void {
  if (originals) return () => {};
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write };
  originals = saved;
  for (const name of ["stdout", "stderr"] as const) {
    const stream = process[name];
    const write = saved[name];
    stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      return (write as (...a: unknown[]) => boolean).call(stream, typeof chunk === "string" ? terminalText(chunk, colorsOn) : chunk, ...rest);
    } as Write;
  }
  return () => {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
    originals = null;
  };
}

/**
 * Runs an interactive prompt (@clack/prompts draws with cursor movement and colours) with the
 * terminal as it is: the caller makes the prompt's own text safe (safeText) first.
 */
export async function withTerminal<T>(fn: () => Promise<T>): Promise<T> {
  if (!originals) return fn();
  const guarded = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = originals.stdout;
  process.stderr.write = originals.stderr;
  try {
    return await fn();
  } finally {
    process.stdout.write = guarded.stdout;
    process.stderr.write = guarded.stderr;
  }
}

/** A progress line on stderr that the next one replaces (a terminal only): its text made safe, its own erase-line sequence kept. */
export function progressLine(text: string | null): void {
  const write = originals?.stderr ?? process.stderr.write;
  write.call(process.stderr, `\r\x1b[2K${text === null ? "" : safeText(text)}`);
}

/**
 * The case store for a command that can do without one (resolve, triage, plan of a file: the
 * address history answers who held an address when CloudTrail has nothing): the store when there
 * is one (DATABASE_URL, or the SQLite file already in the data directory; none is created), else
 * null. A store that cannot be opened is said on stderr and the command goes on without it.
 */
export async function withStoreIfAny<T>(fn: (store: CaseStore | null) => Promise<T>): Promise<T> {
  const [{ openStore, describeTarget }, { storeOptions, storeTarget }] = await Promise.all([import("../case/index.ts"), import("../config/store.ts")]);
  let store: CaseStore | null = null;
  let where = "the case store";
  try {
    const target = describeTarget(storeTarget(process.env));
    where = target.location;
    if (target.dialect === "postgres" || existsSync(target.location)) store = await openStore(await storeOptions(process.env, { actor: await cliActor() }));
  } catch (err) {
    // Only a UserError's message is written for a person (no connection string, no stack).
    process.stderr.write(`${safeText(where)} could not be opened${err instanceof UserError ? ` (${safeText(err.message)})` : ""}: the address history is not read\n`);
  }
  try {
    return await fn(store);
  } finally {
    await store?.destroy();
  }
}

/** Who the person running this command is (read here, at the edge; the stages are given it): src/config/actor.ts. */
export async function cliActor(): Promise<string> {
  const { actorFromEnv } = await import("../config/actor.ts");
  return actorFromEnv();
}

/**
 * After a command changed a case: what is due is sent to the channels the config file names
 * (read here, at the edge). A config that cannot be read is a warning, as a failed send is: the
 * change stands.
 */
export async function notifyAfterChange(store: CaseStore, caseId: string, now?: Date): Promise<{ sent: number; warning: string | null }> {
  const [{ readConfigFile }, desk] = await Promise.all([import("../config/file.ts"), import("../desk/index.ts")]);
  let config;
  try {
    config = readConfigFile();
  } catch (err) {
    return { sent: 0, warning: `notifications were not sent: ${(err as Error).message}` };
  }
  return desk.notifyAfterChange(store, caseId, config, now);
}

/** Opens the case store (DATABASE_URL, else SQLite in the data directory) for one command, and closes it. */
export async function withStore<T>(fn: (store: CaseStore) => Promise<T>): Promise<T> {
  const [{ openStore }, { storeOptions }] = await Promise.all([import("../case/index.ts"), import("../config/store.ts")]);
  const store = await openStore(await storeOptions(process.env, { actor: await cliActor() }));
  try {
    return await fn(store);
  } finally {
    await store.destroy();
  }
}
