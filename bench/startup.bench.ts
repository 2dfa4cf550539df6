/**
 * The speed of a command as a person feels it, each a new process, against `node -e ''` (the cost
 * of starting Node at all) in the same run: `--version`, `--help` and a command's help as on a
 * fresh machine (no cache of any kind: each run gets a new, empty $XDG_CACHE_HOME and data
 * directory), the same help from the full CLI (tsx and every command module: what the fast path
 * saves), and a command that reads one notice. Targets from issue 10: `--help` and `--version`
 * under 300 ms, every time (the slowest run is a figure too), one notice read under 1 s.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bench, Figure } from "./harness.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(root, "bin", "abuse-desk.js");
const NOTICE = join(root, "fixtures", "notices", "aws2017-multi-resource.eml");
const NO_TSX = join(root, "test", "cli", "child", "no-tsx.mjs");

/** One new process, with a new, empty cache and data directory; its wall time in ms. */
function once(args: string[], extra: Record<string, string> = {}): number {
  const cache = mkdtempSync(join(tmpdir(), "abuse-desk-bench-cache-"));
  const home = mkdtempSync(join(tmpdir(), "abuse-desk-bench-home-"));
  try {
    const env = { ...process.env, XDG_CACHE_HOME: cache, ABUSE_DESK_HOME: home, ...extra };
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: "utf8" });
    const ms = performance.now() - t0;
    if (r.status !== 0 && !(args.includes("parse") && r.status !== null)) throw new Error(`${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
    return ms;
  } finally {
    rmSync(cache, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * `runs` timings of the command, each followed by one of `node -e ''` (on a shared machine the load
 * changes from one second to the next: the baseline is measured beside each figure, not once).
 * Sorted, in ms; a first untimed run of each warms the disk cache.
 */
function times(args: string[], runs: number, extra: Record<string, string> = {}): { cmd: number[]; node: number[] } {
  once(args, extra);
  once(["-e", ""]);
  const cmd: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < runs; i++) {
    cmd.push(once(args, extra));
    node.push(once(["-e", ""]));
  }
  return { cmd: cmd.sort((a, b) => a - b), node: node.sort((a, b) => a - b) };
}
const median = (t: number[]) => t[Math.floor(t.length / 2)]!;

const bench: Bench = {
  name: "startup",
  async run(log) {
    // The helps measured are the fast path's own: with tsx made unloadable they still print.
    for (const args of [["--help"], ["plan", "--help"], ["--version"]]) {
      const r = spawnSync(process.execPath, ["--import", NO_TSX, BIN, ...args], { cwd: root, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`abuse-desk ${args.join(" ")} needs the full CLI (is bin/command-tree.json stale? npx tsx scripts/gen-command-docs.ts): ${r.stderr}`);
    }
    const figure = (name: string, t: { cmd: number[]; node: number[] }, pick: (x: number[]) => number, targetMs?: number): Figure => ({
      name,
      value: pick(t.cmd),
      unit: "ms",
      baseline: { name: "node -e '', run in alternation", value: pick(t.node) },
      better: "lower",
      ...(targetMs ? { target: { text: `< ${targetMs} ms`, met: pick(t.cmd) < targetMs } } : {}),
    });
    const slowest = (x: number[]) => x.at(-1)!;
    const spread = (name: string, t: { cmd: number[]; node: number[] }) =>
      log(`${name}: min ${t.cmd[0]!.toFixed(0)}, median ${median(t.cmd).toFixed(0)}, max ${slowest(t.cmd).toFixed(0)} ms over ${t.cmd.length} runs (node -e '' beside it: min ${t.node[0]!.toFixed(0)}, median ${median(t.node).toFixed(0)}, max ${slowest(t.node).toFixed(0)})`);
    const version = times([BIN, "--version"], 9);
    spread("--version", version);
    const help = times([BIN, "--help"], 9);
    spread("--help", help);
    const planHelp = times([BIN, "plan", "--help"], 9);
    spread("plan --help", planHelp);
    const caseListHelp = times([BIN, "case", "list", "--help"], 5);
    const fullHelp = times([BIN, "--help"], 3, { ABUSE_DESK_NO_FAST_START: "1" });
    const parse = times([BIN, "parse", NOTICE, "--json"], 5);
    return [
      figure("abuse-desk --version (median)", version, median, 300),
      figure("abuse-desk --help, no cache (median)", help, median, 300),
      figure("abuse-desk --help, no cache (slowest of 9)", help, slowest, 300),
      figure("abuse-desk plan --help, no cache (median)", planHelp, median, 300),
      figure("abuse-desk plan --help, no cache (slowest of 9)", planHelp, slowest, 300),
      figure("abuse-desk case list --help, no cache (median)", caseListHelp, median, 300),
      figure("abuse-desk --help from the full CLI (tsx, every command module; ABUSE_DESK_NO_FAST_START=1)", fullHelp, median),
      figure("abuse-desk parse one notice (.eml)", parse, median, 1000),
    ];
  },
};
export default bench;
