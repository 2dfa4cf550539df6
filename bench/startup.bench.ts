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

/** Each run a new process with a new, empty cache and data directory; returns the sorted times in ms. */
function times(args: string[], runs: number, extra: Record<string, string> = {}): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const cache = mkdtempSync(join(tmpdir(), "abuse-desk-bench-cache-"));
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-bench-home-"));
    try {
      const env = { ...process.env, XDG_CACHE_HOME: cache, ABUSE_DESK_HOME: home, ...extra };
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: "utf8" });
      const ms = performance.now() - t0;
      if (r.status !== 0 && !(args.includes("parse") && r.status !== null)) throw new Error(`${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
      if (i > 0) out.push(ms); // the first run warms the disk cache only
    } finally {
      rmSync(cache, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  }
  return out.sort((a, b) => a - b);
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
    const node = median(times(["-e", ""], 9));
    log(`node -e '': ${node.toFixed(0)} ms (median of 9)`);
    const figure = (name: string, ms: number, targetMs?: number): Figure => ({
      name,
      value: ms,
      unit: "ms",
      baseline: { name: "node -e ''", value: node },
      better: "lower",
      ...(targetMs ? { target: { text: `< ${targetMs} ms`, met: ms < targetMs } } : {}),
    });
    const spread = (name: string, t: number[]) => log(`${name}: min ${t[0]!.toFixed(0)}, median ${median(t).toFixed(0)}, max ${t.at(-1)!.toFixed(0)} ms over ${t.length} runs`);
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
      figure("abuse-desk --version (median)", median(version), 300),
      figure("abuse-desk --help, no cache (median)", median(help), 300),
      figure("abuse-desk --help, no cache (slowest of 9)", help.at(-1)!, 300),
      figure("abuse-desk plan --help, no cache (median)", median(planHelp), 300),
      figure("abuse-desk plan --help, no cache (slowest of 9)", planHelp.at(-1)!, 300),
      figure("abuse-desk case list --help, no cache (median)", median(caseListHelp), 300),
      figure("abuse-desk --help from the full CLI (tsx, every command module; ABUSE_DESK_NO_FAST_START=1)", median(fullHelp)),
      figure("abuse-desk parse one notice (.eml)", median(parse), 1000),
    ];
  },
};
export default bench;
