/**
 * What the desk keeps (the data directory, the case store, the simulated account's state) and what
 * `--out` writes (plans, reports, replies) is private whatever the umask or an existing directory's
 * mode; `--out` never writes through a symbolic link and never replaces a file without --force.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SAMPLE_FILE } from "../../scripts/gen-samples.ts";
import { DRILL_DIR } from "../../src/drill/index.ts";
import { ensurePrivateDir, writePrivateFile } from "../../src/private-file.ts";
import { runCli } from "../helpers/cli.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const mode = (p: string) => (lstatSync(p).mode & 0o777).toString(8);
const DNS = ["--offline", "--dns-cache", join(DRILL_DIR, "dns.json")];

let dir: string;
const saved = { ...process.env };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "abuse-desk-private-"));
  for (const k of ["DATABASE_URL", "ABUSE_DESK_POLICY", "ABUSE_DESK_ACCOUNT", "ABUSE_DESK_CONFIG"]) delete process.env[k];
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
});

/** Every file and directory under `top`, with its mode. */
function modes(top: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    out[p.slice(top.length) || "/"] = mode(p);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(top);
  return out;
}

describe("private files, whatever the umask", () => {
  it("umask 0000 and a data directory left 0777: the directory becomes 0700, everything in it and every --out file 0600", () => {
    const home = join(dir, "home");
    mkdirSync(home);
    chmodSync(home, 0o777);
    const outs = join(dir, "outs");
    mkdirSync(outs);
    const runs = [
      ["intake", SAMPLE_FILE, "--account", "sim", ...DNS],
      ["plan", "AD-2026-0001", "--account", "sim", "--out", join(outs, "plan.json")],
      ["apply", "AD-2026-0001", "--account", "sim", "--yes"],
      ["report", "AD-2026-0001", "--out", join(outs, "report.md")],
      ["report", "AD-2026-0001", "--out", join(outs, "report.pdf")],
      ["reply", "AD-2026-0001", "--out", join(outs, "reply.eml")],
      ["reply", "AD-2026-0001", "--send", "file"],
    ];
    const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./child/umask.ts", import.meta.url)), JSON.stringify(runs)], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "", ABUSE_DESK_HOME: home },
    });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout.trim().split("\n").at(-1)!), child.stderr).toEqual([0, 0, 0, 0, 0, 0, 0]);
    const kept = modes(home);
    expect(Object.keys(kept).length).toBeGreaterThan(4);
    expect(Object.keys(kept).some((p) => p.endsWith(".db"))).toBe(true);
    expect(Object.keys(kept).some((p) => p.startsWith("/sim/"))).toBe(true);
    expect(Object.keys(kept).some((p) => p.startsWith("/replies/"))).toBe(true);
    for (const [p, m] of Object.entries(kept)) expect([p, m]).toEqual([p, statSync(join(home, p)).isDirectory() ? "700" : "600"]);
    const { "/": _dir, ...written } = modes(outs);
    expect(written).toEqual({ "/plan.json": "600", "/report.md": "600", "/report.pdf": "600", "/reply.eml": "600" });
  });

  it("a data directory that is someone else's or shared (sticky) is refused with a sentence, never chmod'ed", () => {
    const shared = join(dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(() => ensurePrivateDir(shared)).toThrow(/is a shared directory \(mode 1777\)/);
    expect(mode(shared)).toBe("777");
  });
});

describe("--out never follows a symbolic link and never overwrites without --force", () => {
  it("plan, report and reply: exit 73 for an existing file or a link; --force replaces a file, never a link", async () => {
    process.env.ABUSE_DESK_HOME = join(dir, "home");
    expect((await runCli("intake", SAMPLE_FILE, "--account", "sim", ...DNS)).code).toBe(0);
    const target = join(dir, "victim.txt");
    writeFileSync(target, "keep me\n");
    for (const [cmd, ...rest] of [["plan", "AD-2026-0001", "--account", "sim"], ["report", "AD-2026-0001"], ["reply", "AD-2026-0001"]] as const) {
      const link = join(dir, `${cmd}-link`);
      symlinkSync(target, link);
      let r = await runCli(cmd, ...rest, "--out", link);
      expect([cmd, r.code, r.err]).toEqual([cmd, 73, expect.stringContaining("it is a symbolic link, which is never followed")]);
      r = await runCli(cmd, ...rest, "--out", link, "--force");
      expect([cmd, r.code]).toEqual([cmd, 73]);
      expect(readFileSync(target, "utf8")).toBe("keep me\n");
      expect(lstatSync(link).isSymbolicLink()).toBe(true);

      const file = join(dir, `${cmd}-existing`);
      writeFileSync(file, "old\n");
      chmodSync(file, 0o644);
      r = await runCli(cmd, ...rest, "--out", file);
      expect([cmd, r.code, r.err]).toEqual([cmd, 73, expect.stringContaining("the file exists, and is not overwritten")]);
      expect(readFileSync(file, "utf8")).toBe("old\n");
      r = await runCli(cmd, ...rest, "--out", file, "--force");
      expect([cmd, r.code, r.err]).toEqual([cmd, 0, expect.anything()]);
      expect(readFileSync(file, "utf8")).not.toBe("old\n");
      expect(mode(file)).toBe("600");
    }
  });

  it("the helper: a dangling link is not created through, a FIFO is not written", () => {
    const link = join(dir, "dangling");
    symlinkSync(join(dir, "nowhere"), link);
    expect(() => writePrivateFile(link, "x")).toThrow(/symbolic link/);
    expect(() => writePrivateFile(link, "x", { force: true })).toThrow(/symbolic link/);
    expect(existsSync(join(dir, "nowhere"))).toBe(false);
    const fifo = join(dir, "fifo");
    if (spawnSync("mkfifo", [fifo]).status === 0) expect(() => writePrivateFile(fifo, "x", { force: true })).toThrow(/not a regular file/);
  });
});
