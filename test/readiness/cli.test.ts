/**
 * `abuse-desk readiness` keeps each run in the case store (the web desk's page and the cases' gaps
 * read it) unless --no-save; a store that cannot keep it is said after the report, never silently.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

const home = tempHome("abuse-desk-readiness-cli-");

describe("abuse-desk readiness keeps its runs", () => {
  it("keeps the run by default and says which; --json carries it", async () => {
    const r = await runCli("readiness", "--account", "sim", "--json", "--now", "2026-05-01T09:30:00Z");
    // no configuration here: the intake check could not run (exit 69); the run is kept all the same
    expect(r.code, r.err).toBe(69);
    const out = JSON.parse(r.out) as { saved: { runId: number; kept: number; total: number; truncated: string | null }; checks: { failed: unknown[] }[] };
    expect(out.saved).toEqual({ runId: 1, kept: out.checks.reduce((n, c) => n + c.failed.length, 0), total: out.checks.reduce((n, c) => n + c.failed.length, 0), truncated: null });
    expect(r.err).toMatch(/kept as run 1 in the case store/);
    const store = await openStore({ home: home.dir });
    try {
      expect((await store.readinessLatest()).map((a) => [a.accountId, a.runId, a.generatedAt])).toEqual([
        ["111122223333", 1, "2026-05-01T09:30:00.000Z"],
        ["444455556666", 1, "2026-05-01T09:30:00.000Z"],
        ["777788889999", 1, "2026-05-01T09:30:00.000Z"],
      ]);
    } finally {
      await store.destroy();
    }
  });

  it("--no-save keeps nothing", async () => {
    const r = await runCli("readiness", "--account", "sim", "--no-save", "--json");
    expect(r.code, r.err).toBe(69);
    expect((JSON.parse(r.out) as { saved: unknown }).saved).toBeNull();
    expect(r.err).not.toMatch(/kept as run/);
    expect(existsSync(join(home.dir, "abuse-desk.db"))).toBe(false);
  });

  it("a store that cannot keep the run: the report is printed, then the failure is said with a status", async () => {
    process.env.DATABASE_URL = "mysql://db.example/abuse";
    const r = await runCli("readiness", "--account", "sim");
    expect(r.out).toMatch(/^# abuse-desk readiness/m);
    expect(r.err).toMatch(/the run was not kept in the case store/);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(69);
  });
});
