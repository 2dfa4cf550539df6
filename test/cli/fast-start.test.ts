/**
 * bin/fast-start.js answers `--version` and help requests without tsx: the help comes from
 * commander over the generated command tree (bin/command-tree.json). It must print exactly what
 * the full CLI prints, or nothing at all (then the full CLI answers):
 * - every command and subcommand, `--help`, `-h`, `help X`, no argument, at widths 80 and 132 and
 *   on a pipe: the same bytes on stdout and stderr and the same exit status as main();
 * - the same through the real `abuse-desk` process, on a pipe and on a (simulated) terminal;
 * - a tree whose sources or commander changed, or that is missing or broken, is not used;
 * - the tree does not depend on the environment it was generated in, and lists every module
 *   that is loaded to build the commands.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as commander from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { currentTree, fastHelp, helpRequest, programFromTree, sourceDigest, TREE_FILE } from "../../bin/fast-start.js";
import type { CommandNode, CommandTree } from "../../src/cli/command-tree.ts";
import { main } from "../../src/cli/main.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "abuse-desk.js");
const TTY = join(import.meta.dirname, "child", "tty.mjs");
const NO_TSX = ["--import", join(import.meta.dirname, "child", "no-tsx.mjs")];
const tree = JSON.parse(readFileSync(TREE_FILE, "utf8")) as CommandTree;

/** Every command path of the tree: [], ["case"], ["case", "list"], ... */
function paths(node: CommandNode, path: string[] = []): string[][] {
  return [path, ...(node.commands ?? []).flatMap((c) => paths(c, [...path, c.name]))];
}

/** Every way to ask for help of a path that the fast path takes. */
function requests(path: string[]): string[][] {
  const asks = [
    [...path, "--help"],
    [...path, "-h"],
    ["help", ...path],
  ];
  if (path.length === 0) asks.push([], ["help", "help"], ["help", "--help"], ["bogus", "--help"], ["help", "bogus"]);
  if (path.length === 1) asks.push([...path, "help", "-h"], [...path, "bogus", "--help"], [...path, "some-value", "--help"]);
  return asks;
}

type Printed = { stdout: string; stderr: string; code: number };

/** Runs `fn` with stdout and stderr captured, both looking like a terminal `columns` wide (undefined: a pipe). */
async function printed(columns: number | undefined, fn: () => Promise<number>): Promise<Printed> {
  const out = { stdout: "", stderr: "" };
  const saved = {
    stdout: { write: process.stdout.write, isTTY: process.stdout.isTTY, columns: process.stdout.columns },
    stderr: { write: process.stderr.write, isTTY: process.stderr.isTTY, columns: process.stderr.columns },
  };
  for (const name of ["stdout", "stderr"] as const) {
    const stream = process[name];
    stream.write = ((chunk: string | Uint8Array) => {
      out[name] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      return true;
    }) as typeof stream.write;
    Object.defineProperty(stream, "isTTY", { value: columns !== undefined, configurable: true, writable: true });
    Object.defineProperty(stream, "columns", { value: columns, configurable: true, writable: true });
  }
  try {
    const code = await fn();
    return { ...out, code };
  } finally {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      stream.write = saved[name].write;
      Object.defineProperty(stream, "isTTY", { value: saved[name].isTTY, configurable: true, writable: true });
      Object.defineProperty(stream, "columns", { value: saved[name].columns, configurable: true, writable: true });
    }
    process.exitCode = undefined;
  }
}

describe("the fast help is the full CLI's", () => {
  it("for every command and subcommand, every form of the request, at widths 80 and 132 and on a pipe", async () => {
    const all = paths(tree.program);
    expect(all.length).toBeGreaterThan(40); // the whole tree, not a part of it
    let compared = 0;
    for (const path of all) {
      for (const args of requests(path)) {
        expect(helpRequest(args), args.join(" ")).toBe(true);
        for (const columns of [undefined, 80, 132]) {
          const full = await printed(columns, () => main(["node", "abuse-desk", ...args]));
          const fast = await printed(columns, async () => {
            const r = fastHelp(args, tree);
            if (r === null) return -1;
            process.stdout.write(r.stdout);
            process.stderr.write(r.stderr);
            return r.code;
          });
          expect(fast, `abuse-desk ${args.join(" ")} at ${columns ?? "a pipe"}`).toEqual(full);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(400);
  }, 120_000);

  it("is the code's own tree (the committed tree's sources are unchanged)", () => {
    expect(currentTree()).toEqual(tree);
  });

  it("wraps at the terminal's width (132 is not 80)", async () => {
    const ask = async () => {
      const r = fastHelp(["plan", "--help"], tree)!;
      process.stdout.write(r.stdout);
      return r.code;
    };
    const wide = await printed(132, ask);
    const narrow = await printed(80, ask);
    expect(wide.stdout).not.toBe(narrow.stdout);
    expect(Math.max(...narrow.stdout.split("\n").map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(Math.max(...wide.stdout.split("\n").map((l) => l.length))).toBeGreaterThan(80);
  });
});

describe("what the fast path does not answer", () => {
  it("anything but a plain help request (options, values, files, long lists) goes to the full CLI", async () => {
    for (const args of [["plan", "notice.eml", "--help"], ["plan", "--json", "--help"], ["--help", "plan"], ["plan"], ["case", "list"], ["--version"], ["-V"], ["help", "a", "b", "c", "d"], ["PLAN", "--help"], ["plan", "--help=x"], ["plan", "--hel"], ["drill"]]) {
      expect(fastHelp(args, tree), args.join(" ")).toBeNull();
    }
  });

  it("a tree whose sources changed, made with another commander, missing or broken is not used", () => {
    const dir = mkdtempSync(join(tmpdir(), "abuse-desk-tree-"));
    try {
      for (const f of tree.sources.files) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        copyFileSync(join(ROOT, f), join(dir, f));
      }
      const file = join(dir, "command-tree.json");
      writeFileSync(file, JSON.stringify(tree));
      expect(currentTree(file, dir)).toEqual(tree);
      // one byte of one module changed: the tree is no longer the code's
      const plan = join(dir, "src/cli/plan.ts");
      writeFileSync(plan, readFileSync(plan, "utf8").replace('"', "'"));
      expect(currentTree(file, dir)).toBeNull();
      copyFileSync(join(ROOT, "src/cli/plan.ts"), plan);
      expect(currentTree(file, dir)).toEqual(tree);
      writeFileSync(file, JSON.stringify({ ...tree, commander: "0.0.1" }));
      expect(currentTree(file, dir)).toBeNull();
      writeFileSync(file, JSON.stringify({ ...tree, sources: { ...tree.sources, files: [...tree.sources.files, "../package.json"] } }));
      expect(currentTree(file, dir)).toBeNull();
      writeFileSync(file, "{ not json");
      expect(currentTree(file, dir)).toBeNull();
      expect(currentTree(join(dir, "absent.json"), dir)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a tree that does not build is no answer (the full CLI answers), never a crash", () => {
    const broken = JSON.parse(JSON.stringify(tree)) as CommandTree;
    (broken.program.commands![7] as unknown as { options: unknown }).options = 42;
    expect(fastHelp(["--help"], broken)).toBeNull();
    const dup = JSON.parse(JSON.stringify(tree)) as CommandTree;
    dup.program.commands!.push(dup.program.commands![0]!);
    expect(fastHelp(["--help"], dup)).toBeNull();
  });

  it("nothing in the tree runs: an action hands over to the full CLI; the listed sources stay under src/", () => {
    const program = programFromTree(tree, commander, { output: { writeOut: () => {}, writeErr: () => {} } });
    expect(() => program.parse(["node", "abuse-desk", "plan", "notice.eml"])).toThrow(expect.objectContaining({ constructor: expect.any(Function) }));
    let said = "";
    const quiet = programFromTree(tree, commander, { output: { writeOut: (s) => (said += s), writeErr: (s) => (said += s) } });
    expect(() => quiet.parse(["node", "abuse-desk", "case", "list"])).toThrow();
    expect(said).toBe("");
    expect(sourceDigest(tree.sources.files)).toBe(tree.sources.sha256);
    expect(() => sourceDigest(["src/../../etc/passwd"])).toThrow(/not a source file/);
  });
});

describe("the abuse-desk process", () => {
  const cache = mkdtempSync(join(tmpdir(), "abuse-desk-fast-"));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));
  const run = (args: string[], extra: Record<string, string> = {}, preload: string[] = []) => {
    const r = spawnSync(process.execPath, [...preload, BIN, ...args], { env: { ...process.env, XDG_CACHE_HOME: cache, ...extra }, encoding: "utf8" });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const FULL = { ABUSE_DESK_NO_FAST_START: "1" };

  it("--version is the full CLI's", () => {
    const fast = run(["--version"], {}, NO_TSX);
    expect(fast).toEqual({ code: 0, out: `${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}\n`, err: "" });
    expect(run(["--version"], FULL)).toEqual(fast);
  }, 60_000);

  it("prints the full CLI's help and exit status, on a pipe and on a terminal, and keeps no cache", () => {
    for (const args of [["--help"], [], ["help"], ["case", "list", "-h"], ["help", "plan"]]) {
      const full = run(args, FULL);
      expect(full.out + full.err).toContain("Usage: abuse-desk");
      expect(run(args, {}, NO_TSX), args.join(" ")).toEqual(full);
    }
    const tty = ["--import", TTY];
    for (const columns of ["132", "80"]) {
      const full = run(["plan", "--help"], { ...FULL, ABUSE_DESK_TEST_COLUMNS: columns }, tty);
      expect(full.code).toBe(0);
      expect(run(["plan", "--help"], { ABUSE_DESK_TEST_COLUMNS: columns }, [...NO_TSX, ...tty])).toEqual(full);
    }
    // no argument at all: the help on stderr, a usage error, as before
    expect(run([]).code).toBe(64);
    expect(run([]).out).toBe("");
    // the preload does stop the full CLI: what it printed above was the fast path's
    expect(run(["plan", "notice.eml"], {}, NO_TSX).err).toContain("the full CLI (tsx) was loaded");
    expect(spawnSync("find", [cache, "-type", "f"], { encoding: "utf8" }).stdout).toBe("");
  }, 120_000);

  it("errors and commands are the full CLI's", () => {
    expect(run(["plan", "--bogus"]).code).toBe(64);
    expect(run(["--bogus"]).code).toBe(64);
    expect(run(["help", "bogus"], {}, NO_TSX)).toEqual(run(["help", "bogus"], FULL));
  }, 60_000);
});
