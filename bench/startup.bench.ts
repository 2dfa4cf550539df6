/**
 * The speed of a command as a person feels it: `--version`, `--help` (the first time, and once
 * answered), a command's help, and a command that reads one notice, each a new process, against
 * `node -e ''` (the cost of starting Node at all) in the same run. Targets from issue 10:
 * `--help` and `--version` under 300 ms, one notice read under 1 s.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, type Bench, type Figure } from "./harness.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(root, "bin", "abuse-desk.js");
const NOTICE = join(root, "fixtures", "notices", "aws2017-multi-resource.eml");

const bench: Bench = {
  name: "startup",
  async run(log) {
    const cache = mkdtempSync(join(tmpdir(), "abuse-desk-bench-cache-"));
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-bench-home-"));
    const env = { ...process.env, XDG_CACHE_HOME: cache, ABUSE_DESK_HOME: home };
    const run = (args: string[], extra: Record<string, string> = {}) => () => {
      const r = spawnSync(process.execPath, args, { cwd: root, env: { ...env, ...extra }, encoding: "utf8" });
      if (r.status !== 0 && !(args.includes("parse") && r.status !== null)) throw new Error(`${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
    };
    try {
      const node = await median(run(["-e", ""]), 7);
      log(`node -e '': ${node.toFixed(0)} ms`);
      const figure = (name: string, ms: number, targetMs?: number): Figure => ({
        name,
        value: ms,
        unit: "ms",
        baseline: { name: "node -e ''", value: node },
        better: "lower",
        ...(targetMs ? { target: { text: `< ${targetMs} ms`, met: ms < targetMs } } : {}),
      });
      const version = await median(run([BIN, "--version"]), 7);
      const helpCold = await median(run([BIN, "--help"], { ABUSE_DESK_NO_FAST_START: "1" }), 3);
      // The first help request after a change runs the full CLI and fills the cache (keyed by the sources and the version).
      const firstHelp = await median(run([BIN, "--help"]), 1, 0);
      const help = await median(run([BIN, "--help"]), 7);
      const planHelp = await median(run([BIN, "plan", "--help"]), 7);
      const parse = await median(run([BIN, "parse", NOTICE, "--json"]), 5);
      return [
        figure("abuse-desk --version", version, 300),
        figure("abuse-desk --help (cached)", help, 300),
        figure("abuse-desk plan --help (cached)", planHelp, 300),
        figure("abuse-desk --help, first time after a code change (full CLI under tsx, fills the cache)", firstHelp),
        figure("abuse-desk --help, uncached (ABUSE_DESK_NO_FAST_START=1)", helpCold),
        figure("abuse-desk parse one notice (.eml)", parse, 1000),
      ];
    } finally {
      rmSync(cache, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  },
};
export default bench;
