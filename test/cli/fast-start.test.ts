/**
 * bin/fast-start.js: `--version` without tsx prints what the full CLI prints; a help request is
 * answered from the private cache only after the full CLI printed it, byte for byte the same; a
 * cache directory open to others is not believed.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "..", "..", "bin", "abuse-desk.js");
let cache = "";
beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), "abuse-desk-fast-"));
});
afterEach(() => rmSync(cache, { recursive: true, force: true }));

const run = (args: string[], extra: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, XDG_CACHE_HOME: cache, ...extra }, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe("fast start", () => {
  it("--version is the full CLI's", () => {
    const fast = run(["--version"]);
    const full = run(["--version"], { ABUSE_DESK_NO_FAST_START: "1" });
    expect(fast).toEqual({ code: 0, out: "0.1.0\n", err: "" });
    expect(full).toEqual(fast);
  }, 60_000);

  it("help is the full CLI's, kept in a private cache after the first request, and a cache open to others is ignored", () => {
    for (const args of [["--help"], ["case", "list", "-h"]]) {
      const full = run(args, { ABUSE_DESK_NO_FAST_START: "1" });
      expect(full.code).toBe(0);
      const first = run(args);
      const second = run(args);
      expect(first).toEqual(full);
      expect(second).toEqual(full);
    }
    const dir = join(cache, "abuse-desk");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toHaveLength(2);
    for (const f of files) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);

    // The cache is what answers (a planted answer is printed while the directory is private)...
    for (const f of files) writeFileSync(join(dir, f), "PLANTED\n");
    expect(run(["--help"]).out).toBe("PLANTED\n");
    // ...and is not believed once others can write to it.
    chmodSync(dir, 0o777);
    const open = run(["--help"]);
    expect(open.out).toContain("Usage: abuse-desk");
    expect(open.out).not.toContain("PLANTED");
  }, 120_000);

  it("errors and non-help requests never come from the cache", () => {
    expect(run(["plan", "--bogus"]).code).toBe(64);
    expect(run(["--bogus"]).code).toBe(64);
    expect(readdirSync(cache)).toEqual([]);
  }, 60_000);
});

describe("the help cache's key", () => {
  it("changes with any edit of a source, even one that keeps the size and puts the time back, and with the version, width and request", async () => {
    const { sourceStamp, helpKey } = (await import(join(import.meta.dirname, "..", "..", "bin", "fast-start.js"))) as {
      sourceStamp(base: string): string;
      helpKey(stamp: string, version: string, width: number, request: string): string;
    };
    const { mkdirSync, utimesSync } = await import("node:fs");
    const base = mkdtempSync(join(tmpdir(), "abuse-desk-stamp-"));
    try {
      mkdirSync(join(base, "src"));
      const file = join(base, "src", "main.ts");
      writeFileSync(file, 'export const HELP = "one";\n');
      utimesSync(file, new Date("2026-01-01T00:00:00Z"), new Date("2026-01-01T00:00:00Z"));
      const before = sourceStamp(base);
      expect(sourceStamp(base)).toBe(before); // nothing changed: the same entry
      // the same size, the modification time put back (as cp -p, tar or touch -r would): still a new stamp
      await new Promise((r) => setTimeout(r, 20));
      writeFileSync(file, 'export const HELP = "two";\n');
      utimesSync(file, new Date("2026-01-01T00:00:00Z"), new Date("2026-01-01T00:00:00Z"));
      expect(statSync(file).mtimeMs).toBe(Date.parse("2026-01-01T00:00:00Z"));
      expect(sourceStamp(base)).not.toBe(before);
      // a new file is a new stamp too
      const after = sourceStamp(base);
      writeFileSync(join(base, "src", "more.ts"), "");
      expect(sourceStamp(base)).not.toBe(after);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
    const k = helpKey("s", "0.1.0", 0, "--help");
    expect(helpKey("s", "0.1.1", 0, "--help")).not.toBe(k);
    expect(helpKey("s", "0.1.0", 120, "--help")).not.toBe(k);
    expect(helpKey("s", "0.1.0", 0, "--help plan")).not.toBe(k);
    expect(helpKey("t", "0.1.0", 0, "--help")).not.toBe(k);
  });
});
