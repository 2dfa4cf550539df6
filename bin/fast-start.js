// The fast start of `abuse-desk --version` and of a help request (plain JavaScript: it runs before
// tsx is loaded, which alone takes longer than the 300 ms a person waits for help).
//
// - `--version` / `-V` is read from package.json (main.ts reads the same field).
// - A help request (`--help`, `-h`, `help [COMMAND...]`, `COMMAND... --help`, or no argument at
//   all) is answered by commander from bin/command-tree.json: the command tree as data, written by
//   `npx tsx scripts/gen-command-docs.ts` from the real commands (src/cli/command-tree.ts). The
//   program rebuilt from it has the same commands, arguments, options and help texts, so commander
//   prints the same help at the terminal's own width and ends with the same exit status.
//
// The tree is used only while it is the code's own: the SHA-256 of the modules it was read from
// (listed in it) and commander's version must be what they were. Anything else — the tree missing
// or stale, a request commander would not answer with a help (an unknown command, a missing
// argument, a command to run) — returns null and the full CLI answers. Nothing in the tree is run:
// it is JSON, read into commander's own Command, Option and Argument objects.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
export const TREE_FILE = join(root, "bin", "command-tree.json");

export function version() {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
}

/**
 * Whether these arguments are a plain help request the fast path may try: nothing; `help` and up
 * to three command words; up to three command words then `--help` or `-h`. Words are lower-case
 * names; anything else (an option, a file, a value) goes to the full CLI.
 */
export function helpRequest(args) {
  if (args.length === 0) return true;
  if (args.length > 4) return false;
  const words = args.filter((a) => !a.startsWith("-"));
  const flags = args.filter((a) => a.startsWith("-"));
  if (!words.every((w) => /^[a-z][a-z-]{0,30}$/.test(w))) return false;
  if (flags.length === 1 && (flags[0] === "--help" || flags[0] === "-h") && args.at(-1) === flags[0]) return true;
  return flags.length === 0 && words[0] === "help";
}

/** The SHA-256 of these files (paths relative to `base`, under src/), names and contents. */
export function sourceDigest(files, base = root) {
  const h = require("node:crypto").createHash("sha256"); // loaded here: `--version` needs none of it
  for (const f of files) {
    if (typeof f !== "string" || !/^src\/[A-Za-z0-9_./-]+$/.test(f) || f.split("/").includes("..")) throw new Error(`not a source file: ${f}`);
    h.update(`${f}\0`);
    h.update(readFileSync(join(base, f)));
    h.update("\0");
  }
  return h.digest("hex");
}

/** The installed commander's version. */
export function commanderVersion() {
  const main = require.resolve("commander");
  return JSON.parse(readFileSync(join(dirname(main), "package.json"), "utf8")).version;
}

/** The command tree, if it is the code's own (its sources and commander unchanged); else null. */
export function currentTree(file = TREE_FILE, base = root) {
  try {
    const tree = JSON.parse(readFileSync(file, "utf8"));
    if (!tree || typeof tree !== "object" || !tree.program || !tree.sources || !Array.isArray(tree.sources.files)) return null;
    if (tree.commander !== commanderVersion()) return null;
    if (sourceDigest(tree.sources.files, base) !== tree.sources.sha256) return null;
    return tree;
  } catch {
    return null;
  }
}

class FallThrough extends Error {}

/** A commander program built from the tree (nothing in it runs: an action hands over to the full CLI). */
export function programFromTree(tree, commander, { output, ver = version() } = {}) {
  const { Command, Option, Argument } = commander;
  const str = (v) => (typeof v === "string" ? v : "");
  const program = new Command(str(tree.program.name));
  program.exitOverride();
  if (output) program.configureOutput(output);
  if (tree.help && typeof tree.help === "object") {
    const help = {};
    for (const [k, v] of Object.entries(tree.help)) if (["string", "number", "boolean"].includes(typeof v)) help[k] = v;
    program.configureHelp(help);
  }
  const fill = (cmd, node) => {
    const s = node.settings ?? {};
    cmd.showHelpAfterError(s.showHelpAfterError ?? false);
    cmd.showSuggestionAfterError(s.showSuggestionAfterError ?? true);
    cmd.allowUnknownOption(s.allowUnknownOption ?? false);
    cmd.allowExcessArguments(s.allowExcessArguments ?? false);
    cmd.enablePositionalOptions(s.enablePositionalOptions ?? false);
    if (s.passThroughOptions) cmd.passThroughOptions(true);
    cmd.combineFlagAndOptionalValue(s.combineFlagAndOptionalValue ?? true);
    if (Array.isArray(node.aliases)) cmd.aliases(node.aliases.map(str));
    if (node.description !== undefined) cmd.description(str(node.description));
    if (node.summary !== undefined) cmd.summary(str(node.summary));
    if (node.usage !== undefined) cmd.usage(str(node.usage));
    if (node.helpGroup !== undefined) cmd.helpGroup(str(node.helpGroup));
    for (const a of node.arguments ?? []) {
      const name = `${str(a.name)}${a.variadic ? "..." : ""}`;
      const arg = new Argument(a.required ? `<${name}>` : `[${name}]`, str(a.description));
      if (a.default) arg.default(a.default.value, a.default.description);
      if (Array.isArray(a.choices)) arg.choices(a.choices.map(str));
      cmd.addArgument(arg);
    }
    for (const o of node.options ?? []) {
      if (o.version) {
        cmd.version(ver, str(o.flags), str(o.description));
        continue;
      }
      const opt = new Option(str(o.flags), str(o.description));
      if (o.default) opt.default(o.default.value, o.default.description);
      if (Array.isArray(o.choices)) opt.choices(o.choices.map(str));
      if (o.preset !== undefined) opt.preset(o.preset);
      if (o.hidden) opt.hideHelp();
      if (o.mandatory) opt.makeOptionMandatory();
      if (o.helpGroup !== undefined) opt.helpGroup(str(o.helpGroup));
      cmd.addOption(opt);
    }
    for (const t of node.helpText ?? []) {
      if (["beforeAll", "before", "after", "afterAll"].includes(t.position)) cmd.addHelpText(t.position, str(t.text));
    }
    if (node.action) {
      cmd.action(() => {
        throw new FallThrough();
      });
    }
    for (const sub of node.commands ?? []) {
      fill(cmd.command(str(sub.name), { hidden: sub.hidden === true, isDefault: sub.isDefault === true }), sub);
    }
  };
  fill(program, tree.program);
  return program;
}

/**
 * What the full CLI would print for this help request, and its exit status, or null when the fast
 * path cannot say it exactly (then the full CLI runs). Writes nothing.
 */
export function fastHelp(args, given) {
  if (!helpRequest(args)) return null; // before reading anything: a command to run pays nothing here
  const tree = given === undefined ? currentTree() : given;
  if (tree === null) return null;
  // required, not imported: commander is CommonJS, and its ES module wrapper costs a third more to load
  const commander = require("commander");
  let stdout = "";
  let stderr = "";
  try {
    // a tree that does not build (not what the generator writes) is no answer either
    const program = programFromTree(tree, commander, { output: { writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) } });
    program.parse(["node", "abuse-desk", ...args]);
  } catch (err) {
    if (err instanceof commander.CommanderError) {
      // commander printed a help: on request (0), or because a command was missing (1: a usage error, 64 as main.ts says).
      if ((err.code === "commander.helpDisplayed" || err.code === "commander.help") && (err.exitCode === 0 || err.exitCode === 1)) {
        return { stdout, stderr, code: err.exitCode === 0 ? 0 : 64 };
      }
    }
    return null;
  }
  return null;
}
