/**
 * The command tree as data: what `bin/fast-start.js` needs to build a commander program that prints
 * every help exactly as the full CLI does, without loading tsx or any command module.
 *
 * `describeProgram` reads the real program (buildProgram in main.ts) and keeps what commander's
 * help and its help dispatch read: names, aliases, descriptions, summaries, custom usage, arguments
 * and options (flags, descriptions, defaults, choices, presets, hidden, mandatory, help groups),
 * the texts added before and after the help, hidden and default subcommands, whether a command has
 * an action, and the parse settings that decide where `--help` lands. What only matters once a
 * command runs (argument parsers, conflicts) is left out: the fast path never runs a command.
 * Anything it cannot represent exactly (an option read from the environment, a hook, a custom help
 * option or command, a help text that depends on the context) makes it throw, naming the command,
 * rather than write a tree that would print a different help.
 *
 * `bin/command-tree.json` is written by `npx tsx scripts/gen-command-docs.ts` (with docs/commands.md);
 * test/cli/docs.test.ts fails when it is stale, test/cli/fast-start.test.ts compares every help
 * printed both ways.
 */
import type { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Argument, Command, Option } from "commander";
import { safeText } from "../safe-text.ts";

export interface DefaultNode {
  value?: unknown;
  description?: string;
}
export interface ArgumentNode {
  name: string;
  required: boolean;
  variadic: boolean;
  description: string;
  default?: DefaultNode;
  choices?: string[];
}
export interface OptionNode {
  flags: string;
  description: string;
  /** This is the command's version option (`.version()`): its value is read from package.json when rebuilt. */
  version?: true;
  default?: DefaultNode;
  choices?: string[];
  preset?: unknown;
  hidden?: true;
  mandatory?: true;
  helpGroup?: string;
}
export interface Settings {
  showHelpAfterError: boolean | string;
  showSuggestionAfterError: boolean;
  allowUnknownOption: boolean;
  allowExcessArguments: boolean;
  enablePositionalOptions: boolean;
  passThroughOptions: boolean;
  combineFlagAndOptionalValue: boolean;
}
export interface CommandNode {
  name: string;
  aliases?: string[];
  description?: string;
  summary?: string;
  usage?: string;
  hidden?: true;
  isDefault?: true;
  helpGroup?: string;
  /** Has an action: commander shows no implicit help command and no help for a missing subcommand. */
  action: boolean;
  settings: Settings;
  arguments?: ArgumentNode[];
  options?: OptionNode[];
  helpText?: { position: "beforeAll" | "before" | "after" | "afterAll"; text: string }[];
  commands?: CommandNode[];
}
export interface CommandTree {
  /** What wrote it. */
  generatedBy: string;
  /** The commander it was read with (the fast path uses it only with the same). */
  commander: string;
  /** The modules the command tree is built from and their SHA-256 (the fast path uses the tree only while they are unchanged). */
  sources: { files: string[]; sha256: string };
  /** The program's help configuration (helpWidth, sorting: values only). */
  help: Record<string, string | number | boolean>;
  program: CommandNode;
}

/** commander's fields the help and the help dispatch read that have no public getter (commander 14). */
interface Internals {
  _hidden: boolean;
  _actionHandler: unknown;
  _usage?: string;
  _defaultCommandName: string | null;
  _versionOptionName?: string;
  _helpOption?: unknown;
  _helpCommand?: unknown;
  _addImplicitHelpCommand?: boolean;
  _helpConfiguration: Record<string, unknown>;
  _outputConfiguration: unknown;
  _exitCallback: unknown;
  _argsDescription?: unknown;
  _lifeCycleHooks: Record<string, unknown[]>;
  _executableHandler: boolean;
  _storeOptionsAsProperties: boolean;
  _showHelpAfterError: boolean | string;
  _showSuggestionAfterError: boolean;
  _allowUnknownOption: boolean;
  _allowExcessArguments: boolean;
  _enablePositionalOptions: boolean;
  _passThroughOptions: boolean;
  _combineFlagAndOptionalValue: boolean;
}
const inside = (cmd: Command) => cmd as unknown as Internals;
/** A Command is an EventEmitter (commander's typings leave that out). */
const emitter = (cmd: Command) => cmd as unknown as EventEmitter;

const EVENTS = { beforeAllHelp: "beforeAll", beforeHelp: "before", afterHelp: "after", afterAllHelp: "afterAll" } as const;

/** The program as data; throws on anything the rebuilt program would print differently. */
export function describeProgram(program: Command, commanderVersion: string, sources: { files: string[]; sha256: string }): CommandTree {
  const top = inside(program);
  const help: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(top._helpConfiguration)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") help[k] = v;
    else throw new Error(`command tree: the help configuration's ${k} is not a plain value; the fast help cannot reproduce it`);
  }
  const describe = (cmd: Command, path: string[]): CommandNode => {
    const c = inside(cmd);
    const where = path.join(" ") || "the program";
    const refuse = (what: string): never => {
      throw new Error(`command tree: ${where}: ${what}; the fast help (bin/fast-start.js) cannot print it as the full CLI does`);
    };
    if (c._helpOption !== undefined) refuse("a custom help option");
    if (c._helpCommand !== undefined || c._addImplicitHelpCommand !== undefined) refuse("a custom help command");
    if (c._argsDescription !== undefined) refuse("argument descriptions given to .description()");
    if (Object.values(c._lifeCycleHooks).some((hooks) => hooks.length > 0)) refuse("a hook");
    if (c._executableHandler) refuse("a stand-alone executable subcommand");
    if (c._storeOptionsAsProperties) refuse("options stored as properties");
    if (emitter(cmd).listenerCount("--help") > 0) refuse('a listener on the "--help" event (use addHelpText)');
    if (cmd.parent) {
      const p = inside(cmd.parent);
      if (c._helpConfiguration !== p._helpConfiguration) refuse("a help configuration of its own");
      if (c._outputConfiguration !== p._outputConfiguration) refuse("an output configuration of its own");
      if (c._exitCallback !== p._exitCallback) refuse("an exit callback of its own (added with addCommand?)");
    }
    const node: CommandNode = {
      name: cmd.name(),
      action: Boolean(c._actionHandler),
      settings: {
        showHelpAfterError: c._showHelpAfterError,
        showSuggestionAfterError: c._showSuggestionAfterError,
        allowUnknownOption: c._allowUnknownOption,
        allowExcessArguments: c._allowExcessArguments,
        enablePositionalOptions: c._enablePositionalOptions,
        passThroughOptions: c._passThroughOptions,
        combineFlagAndOptionalValue: c._combineFlagAndOptionalValue,
      },
    };
    if (cmd.aliases().length) node.aliases = [...cmd.aliases()];
    if (cmd.description()) node.description = cmd.description();
    if (cmd.summary()) node.summary = cmd.summary();
    if (c._usage !== undefined) node.usage = c._usage;
    if (c._hidden) node.hidden = true;
    if (cmd.parent && inside(cmd.parent)._defaultCommandName === cmd.name()) node.isDefault = true;
    if (cmd.helpGroup()) node.helpGroup = cmd.helpGroup();
    if (cmd.registeredArguments.length) node.arguments = cmd.registeredArguments.map((a) => argumentNode(a, refuse));
    if (cmd.options.length) node.options = cmd.options.map((o) => optionNode(o, o.attributeName() === c._versionOptionName, refuse));
    const texts: NonNullable<CommandNode["helpText"]> = [];
    for (const [event, position] of Object.entries(EVENTS)) {
      for (const listener of emitter(cmd).listeners(event) as ((ctx: unknown) => void)[]) {
        const said = (error: boolean) => {
          let text = "";
          listener({ error, command: cmd, write: (s: string) => (text += s) });
          return text;
        };
        const text = said(false);
        if (said(true) !== text) refuse(`a help text (${position}) that depends on the context`);
        if (text === "") continue;
        if (!text.endsWith("\n")) refuse(`a help text (${position}) not ending with a new line`);
        texts.push({ position, text: text.slice(0, -1) });
      }
    }
    if (texts.length) node.helpText = texts;
    if (cmd.commands.length) node.commands = cmd.commands.map((sub) => describe(sub, [...path, sub.name()]));
    return node;
  };
  const tree: CommandTree = { generatedBy: "scripts/gen-command-docs.ts", commander: commanderVersion, sources, help, program: describe(program, []) };
  // Every string goes to the terminal through the output guard (src/cli/io.ts), which would change
  // a control character: none may be in the tree, so the guard is the identity on all of it.
  JSON.stringify(tree, (_k, v: unknown) => {
    if (typeof v === "string" && safeText(v) !== v) throw new Error(`command tree: ${JSON.stringify(v)} holds a character the output guard would change`);
    return v;
  });
  return tree;
}

function plain(value: unknown, what: string, refuse: (what: string) => never): unknown {
  const json = JSON.stringify(value);
  if (json === undefined || JSON.stringify(JSON.parse(json)) !== json || (typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype)) {
    refuse(`${what} is not a plain JSON value`);
  }
  return value;
}

function defaultNode(value: unknown, description: string | undefined, what: string, refuse: (what: string) => never): DefaultNode | undefined {
  if (value === undefined && description === undefined) return undefined;
  const d: DefaultNode = {};
  if (value !== undefined) d.value = plain(value, `${what}'s default`, refuse);
  if (description !== undefined) d.description = description;
  return d;
}

function argumentNode(a: Argument, refuse: (what: string) => never): ArgumentNode {
  const node: ArgumentNode = { name: a.name(), required: a.required, variadic: a.variadic, description: a.description };
  const d = defaultNode(a.defaultValue, a.defaultValueDescription, `argument ${a.name()}`, refuse);
  if (d) node.default = d;
  if (a.argChoices) node.choices = [...a.argChoices];
  return node;
}

function optionNode(o: Option, isVersion: boolean, refuse: (what: string) => never): OptionNode {
  if (o.envVar !== undefined) refuse(`option ${o.flags} is read from the environment ($${o.envVar})`);
  if ((o as unknown as { implied?: unknown }).implied !== undefined) refuse(`option ${o.flags} implies others`);
  const node: OptionNode = { flags: o.flags, description: o.description };
  if (isVersion) node.version = true;
  const d = defaultNode(o.defaultValue, o.defaultValueDescription, `option ${o.flags}`, refuse);
  if (d) node.default = d;
  if (o.argChoices) node.choices = [...o.argChoices];
  if (o.presetArg !== undefined) node.preset = plain(o.presetArg, `option ${o.flags}'s preset`, refuse);
  if (o.hidden) node.hidden = true;
  if (o.mandatory) node.mandatory = true;
  if (o.helpGroupHeading !== undefined) node.helpGroup = o.helpGroupHeading;
  return node;
}

/**
 * The modules loaded to build the command tree: main.ts, each command's file and what they import
 * at load time, followed through static `import`/`export ... from` (not `import type`, which is
 * erased; not `await import()`, which runs only in an action). Paths relative to `root`.
 */
export function treeSources(root: string, entries: string[]): string[] {
  const seen = new Set<string>();
  const STATIC = /^(?:import|export)\s+(?!type\s)(?:[^;"'`]*?\sfrom\s+)?["']([^"']+)["']/gm;
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(STATIC)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
    }
  };
  for (const e of entries) visit(resolve(root, e));
  return [...seen].map((f) => relative(root, f).split("\\").join("/")).sort();
}

/** The files the command tree reads, given the command names of main.ts. */
export function treeEntries(commands: readonly string[]): string[] {
  return ["src/cli/main.ts", ...commands.map((n) => join("src/cli", `${n}.ts`).split("\\").join("/"))];
}
