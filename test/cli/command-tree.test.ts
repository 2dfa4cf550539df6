/**
 * The command tree (src/cli/command-tree.ts, bin/command-tree.json) holds everything commander
 * prints in a help, refuses what it cannot hold, does not depend on the environment it was made in,
 * and lists every module loaded to build the commands (the fast path checks those are unchanged).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as commander from "commander";
import { Argument, Command, Option } from "commander";
import { describe, expect, it } from "vitest";
import { programFromTree, TREE_FILE } from "../../bin/fast-start.js";
import { describeProgram, type CommandTree } from "../../src/cli/command-tree.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const tree = JSON.parse(readFileSync(TREE_FILE, "utf8")) as CommandTree;
const SOURCES = { files: [], sha256: "" };

/** Every command's help, outputHelp as a person sees it (texts added before and after included), at a width. */
function helps(program: Command, width: number): string[] {
  const out: string[] = [];
  const walk = (cmd: Command) => {
    let text = "";
    cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s), getOutHelpWidth: () => width, getErrHelpWidth: () => width });
    cmd.outputHelp();
    text += "\n--- error ---\n";
    cmd.outputHelp({ error: true });
    out.push(text);
    cmd.commands.forEach(walk);
  };
  walk(program);
  return out;
}

/** A program using what commander's help shows that abuse-desk does not use today. */
function exotic(): Command {
  const p = new Command("tool").description("a tool").version("1.2.3", "-v, --vers", "the version").showHelpAfterError("(try --help)").exitOverride();
  p.configureHelp({ sortSubcommands: true, sortOptions: true, showGlobalOptions: true });
  p.option("-q, --quiet", "say less").addOption(new Option("--secret", "not shown").hideHelp());
  p.addHelpText("beforeAll", "BEFORE ALL").addHelpText("afterAll", "AFTER ALL");
  const z = p.command("zeta", { hidden: true }).description("hidden").action(() => {});
  z.argument("[x]", "x");
  const a = p.command("alpha", { isDefault: true }).alias("al").aliases(["a1"]).summary("short").description("the long description of alpha").usage("[weird] <usage>");
  a.addArgument(new Argument("<mode>", "a mode").choices(["one", "two"]));
  a.addArgument(new Argument("[rest...]", "the rest").default(["r"], "all of them"));
  a.addOption(new Option("--level [n]", "how much").preset("5").default(3).choices(["3", "5"]));
  a.addOption(new Option("--when <t>", "when").default("now", "the current time").makeOptionMandatory().helpGroup("Timing:"));
  a.option("--no-color", "no colour").option("--list <x...>", "several", (v: string, prev: string[]) => [...prev, v], []);
  a.addHelpText("before", "Before alpha.").addHelpText("after", "\nAfter alpha.");
  a.action(() => {});
  const g = p.command("group").description("has subcommands").helpGroup("Grouped:");
  g.command("inner").description("inner command").argument("<a>").action(() => {});
  g.command("other").alias("o").action(() => {});
  return p;
}

describe("the command tree", () => {
  it("rebuilds every help of a program using what commander shows (aliases, hidden, defaults, presets, choices, groups, texts), at several widths", () => {
    const source = exotic();
    const data = JSON.parse(JSON.stringify(describeProgram(source, "x", SOURCES))) as CommandTree;
    const rebuilt = programFromTree(data, commander, { ver: "1.2.3" });
    for (const width of [40, 80, 132]) expect(helps(rebuilt, width)).toEqual(helps(exotic(), width));
    expect(helps(rebuilt, 80).join("")).toContain("BEFORE ALL");
  });

  it("and of the real program: the committed tree rebuilt prints the helps the commands print", async () => {
    const { buildProgram } = await import("../../src/cli/main.ts");
    const rebuilt = programFromTree(tree, commander);
    for (const width of [80, 132]) expect(helps(rebuilt, width)).toEqual(helps(await buildProgram(), width));
  });

  it("refuses what the fast path cannot print as the full CLI does", () => {
    const refuses = (p: Command, what: RegExp) => expect(() => describeProgram(p, "x", SOURCES)).toThrow(what);
    refuses(new Command("t").addOption(new Option("--region <r>", "r").env("AWS_REGION")), /read from the environment/);
    refuses(new Command("t").hook("preAction", () => {}), /a hook/);
    refuses(new Command("t").addHelpText("after", (ctx) => (ctx.error ? "on error" : "on request")), /depends on the context/);
    refuses(new Command("t").description("bad \u001b[2J escape"), /output guard/);
    refuses(new Command("t").option("--at <t>", "when", new Date(0) as unknown as string), /plain JSON/);
    refuses(new Command("t").helpOption("-?, --usage", "usage"), /custom help option/);
    refuses(new Command("t").helpCommand("aide [cmd]"), /custom help command/);
    const own = new Command("t");
    own.addCommand(new Command("sub").action(() => {}).exitOverride());
    refuses(own.exitOverride(), /exit callback of its own|output configuration of its own|help configuration of its own/);
  });

  it("does not depend on the environment, the directory or the terminal it was generated in", () => {
    const names = new Set<string>();
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else for (const m of readFileSync(p, "utf8").matchAll(/\b((?:ABUSE_DESK|AWS)_[A-Z0-9_]*[A-Z0-9])\b/g)) names.add(m[1]!);
      }
    };
    walk(join(ROOT, "src"));
    expect(names.has("ABUSE_DESK_ACCOUNT")).toBe(true);
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: "/nonexistent/elsewhere", USER: "someone-else", LOGNAME: "someone-else", TZ: "Pacific/Chatham", LANG: "tr_TR.UTF-8", LC_ALL: "tr_TR.UTF-8", COLUMNS: "37", LINES: "9", TERM: "dumb", NO_COLOR: "1", FORCE_COLOR: "3", XDG_CONFIG_HOME: "/nonexistent/config" };
    for (const n of names) env[n] = "sim";
    const cwd = mkdtempSync(join(tmpdir(), "abuse-desk-elsewhere-"));
    try {
      const tsx = join(ROOT, "node_modules", "tsx", "dist", "loader.mjs");
      const script = `const m = await import(${JSON.stringify(join(ROOT, "scripts", "gen-command-docs.ts"))}); process.stdout.write(await m.commandTreeJson());`;
      const r = spawnSync(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], { cwd, env, encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(readFileSync(TREE_FILE, "utf8"));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  it("lists every module loaded to build the commands (a change in any of them makes the tree stale)", () => {
    const log = join(mkdtempSync(join(tmpdir(), "abuse-desk-loaded-")), "loaded.txt");
    try {
      const hook = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) { if (url.startsWith("file:")) appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context); }`;
      const script = `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hook)}));
const { buildProgram } = await import(${JSON.stringify(join(ROOT, "src", "cli", "main.ts"))});
await buildProgram();`;
      const tsx = join(ROOT, "node_modules", "tsx", "dist", "loader.mjs");
      const r = spawnSync(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
      expect(r.stderr).toBe("");
      const loaded = [
        ...new Set(
          readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((u) => relative(ROOT, fileURLToPath(u.split("?")[0]!)))
            .filter((f) => f.startsWith("src/")),
        ),
      ].sort();
      expect(loaded).toContain("src/cli/plan.ts");
      expect(loaded.length).toBeGreaterThan(20);
      expect(loaded.filter((f) => !tree.sources.files.includes(f))).toEqual([]);
    } finally {
      rmSync(join(log, ".."), { recursive: true, force: true });
    }
  }, 60_000);
});
