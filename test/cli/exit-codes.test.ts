/**
 * The table of error kinds and exit statuses (src/errors.ts), across every command: commander's
 * usage errors are 64 on every command and subcommand, help and version 0, an environment problem
 * (a data directory that is a file, or under one) a sentence naming the path and the fix with no
 * stack trace, and each error type the stages throw mapped through the one table.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, errorStatus } from "../../src/cli/main.ts";
import { CloudError, type CloudErrorKind } from "../../src/cloud/errors.ts";
import { asEnvironmentError, environmentError, EXIT_STATUS, kindOfStatus, UserError, type ErrorKind } from "../../src/errors.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

const STACK = /\n\s+at [^\n]+:\d+:\d+/;

/** Every runnable command path: ["case", "list"], ["plan"], ... */
function leaves(cmd: Command, path: string[] = []): string[][] {
  const subs = cmd.commands.filter((c) => c.name() !== "help");
  if (subs.length === 0) return [path];
  return subs.flatMap((c) => leaves(c, [...path, c.name()]));
}

describe("the table", () => {
  it("maps each kind to the documented status", () => {
    expect(EXIT_STATUS).toEqual({ usage: 64, "bad-input": 65, missing: 66, unavailable: 69, "cannot-create": 73, locked: 75, "not-permitted": 77, config: 78, cancelled: 1 });
    for (const [kind, status] of Object.entries(EXIT_STATUS)) {
      expect(kindOfStatus(status)).toBe(kind);
      expect(new UserError("x", { kind: kind as ErrorKind }).exitCode).toBe(status);
      expect(new UserError("x", { exitCode: status }).kind).toBe(kind);
    }
  });

  it("no source gives an exit status outside the table (a new code goes in the table and the docs first)", () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.tsx?$/.test(e.name)) for (const m of readFileSync(p, "utf8").matchAll(/exitCode: (\d+)/g)) found.push(`${p}: ${m[1]}`);
      }
    };
    walk(join(import.meta.dirname, "..", "..", "src"));
    expect(found.length).toBeGreaterThan(100);
    const allowed = new Set(Object.values(EXIT_STATUS).map(String));
    expect(found.filter((f) => !allowed.has(f.split(": ").pop()!))).toEqual([]);
    expect(() => kindOfStatus(12)).toThrow(/not in the table/);
  });

  it("maps every cloud error kind through the table", () => {
    const expected: Record<CloudErrorKind, number> = {
      "access-denied": 77,
      "no-credentials": 78,
      throttled: 69,
      "region-disabled": 69,
      "unknown-account": 69,
      "not-found": 69,
      invalid: 69,
      unavailable: 69,
    };
    for (const [kind, status] of Object.entries(expected)) {
      const r = errorStatus(new CloudError(kind as CloudErrorKind, `it failed: ${kind}`));
      expect(r.status).toBe(status);
      expect(r.message).toContain(`it failed: ${kind}`);
      expect(r.message).not.toMatch(STACK);
    }
  });

  it("a plan lock is 75, a defect 70 with its stack", async () => {
    const { PlanLockedError } = await import("../../src/case/locks.ts");
    const now = "2026-05-01T10:00:00.000Z";
    const lock = { planId: "plan-1", operation: "apply", holder: "ops@host:1", actor: "ops", acquiredAt: now, heartbeatAt: now, leaseMs: 60_000 } as ConstructorParameters<typeof PlanLockedError>[0];
    expect(errorStatus(new PlanLockedError(lock, now)).status).toBe(75);
    const bug = errorStatus(new TypeError("x is undefined"));
    expect(bug.status).toBe(70);
    expect(bug.message).toMatch(STACK);
  });

  it("says a file-system error as a sentence naming the path and the fix", () => {
    const errno = (code: string, path: string) => Object.assign(new Error(`${code}: boom, open '${path}'`), { code, syscall: "open", path });
    for (const [code, says, status] of [
      ["EACCES", "permission denied", 73],
      ["EROFS", "read-only file system", 73],
      ["ENOSPC", "disk is full", 73],
      ["ENOTDIR", "is a file, not a directory", 73],
      ["ENOENT", "no such file", 66],
    ] as const) {
      const e = environmentError(errno(code, "/srv/desk"), "/srv/desk", "the data directory")!;
      expect(e.message).toBe(`/srv/desk: cannot use the data directory: ${e.message.split(": ").slice(2).join(": ")}`);
      expect(e.message).toContain(says);
      expect(e.hint).toBeTruthy();
      expect(e.exitCode).toBe(status);
      // The same error escaping raw (Node's own, with its path) is said the same way, without a stack.
      const r = errorStatus(errno(code, "/srv/desk/x.db"));
      expect(r.status).toBe(status);
      expect(r.message).toContain("/srv/desk/x.db");
      expect(r.message).not.toMatch(STACK);
    }
    expect(asEnvironmentError(new Error("plain"))).toBeNull();
  });
});

describe("every command", () => {
  const home = tempHome("abuse-desk-exit-");

  it("exits 64 on an unknown option and 0 on --help", async () => {
    const program = await buildProgram();
    const all = leaves(program);
    expect(all.length).toBeGreaterThan(20);
    for (const path of all) {
      const bad = await runCli(...path, "--no-such-option");
      expect({ path, code: bad.code }).toEqual({ path, code: 64 });
      expect(bad.err).toMatch(/unknown option|required option/);
      const help = await runCli(...path, "--help");
      expect({ path, code: help.code }).toEqual({ path, code: 0 });
      expect(help.out).toContain(`Usage: abuse-desk ${path.join(" ")}`);
    }
  });

  it("exits 64 on a missing argument, an unknown command, a group without its subcommand; 0 on --version and help", async () => {
    expect((await runCli("plan")).code).toBe(64);
    expect((await runCli("apply")).code).toBe(64);
    expect((await runCli("frobnicate")).code).toBe(64);
    expect((await runCli("case")).code).toBe(64);
    expect((await runCli("case", "show")).code).toBe(64);
    expect((await runCli("--version")).code).toBe(0);
    expect((await runCli("help")).code).toBe(0);
    expect((await runCli("help", "plan")).code).toBe(0);
  });

  it("a data directory that is a file, or under a file: a sentence with the path and the fix, exit 73, no stack", async () => {
    const file = join(home.dir, "not-a-dir");
    writeFileSync(file, "x");
    for (const dir of [file, join(file, "sub")]) {
      process.env.ABUSE_DESK_HOME = dir;
      for (const args of [["case", "list"], ["audit", "verify"], ["intake", "fixtures/notices/aws2017-multi-resource.eml", "--offline"]]) {
        const r = await runCli(...args);
        expect({ args, dir, code: r.code }).toEqual({ args, dir, code: 73 });
        expect(r.err).toContain(dir);
        expect(r.err).toMatch(/ABUSE_DESK_HOME/);
        expect(r.err).not.toMatch(STACK);
        expect(r.err).not.toContain("unexpected error");
      }
    }
  });
});
