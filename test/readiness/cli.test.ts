/**
 * `abuse-desk readiness` keeps each run in the case store (the web desk's page and the cases' gaps
 * read it) unless --no-save; a store that cannot keep it is said after the report, never silently.
 */
import { existsSync, writeFileSync } from "node:fs";
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

  it("keeps runs within readiness.retention: older ones pruned on the save, said and audited; the trend reads what is kept", async () => {
    writeFileSync(join(home.dir, "config.yaml"), "intake:\n  sqs: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/abuse' }\nreadiness:\n  retention: { keepRuns: 2, keepDays: 30 }\n");
    for (const day of ["01", "02", "03"]) {
      const r = await runCli("readiness", "--account", "sim", "--now", `2026-05-${day}T09:30:00Z`);
      expect([0, 69], r.err).toContain(r.code);
      expect(r.err).toMatch(/kept as run \d in the case store/);
      if (day === "03") expect(r.err).toMatch(/pruned 3 older account runs \(1 whole run\) beyond the retention \(each account's newest 2 runs, none recorded over 30 days ago; an account's latest run is always kept\)/);
      else expect(r.err).not.toMatch(/pruned/);
    }
    const store = await openStore({ home: home.dir });
    try {
      expect((await store.readinessTrend("444455556666")).map((t) => [t.runId, t.generatedAt])).toEqual([
        [2, "2026-05-02T09:30:00.000Z"],
        [3, "2026-05-03T09:30:00.000Z"],
      ]);
      expect((await store.auditEntries()).filter((a) => a.action === "readiness.pruned").map((a) => a.data)).toMatchObject([{ accountRuns: 3, runs: 1, runIds: [1], keepRuns: 2, keepDays: 30 }]);
    } finally {
      await store.destroy();
    }
  });

  it("a retention that is not one is refused before the estate is read (78, naming the key)", async () => {
    writeFileSync(join(home.dir, "config.yaml"), "readiness:\n  retention: { keepRuns: 1 }\n");
    const r = await runCli("readiness", "--account", "sim");
    expect(r.code).toBe(78);
    expect(r.err).toMatch(/readiness\.retention\.keepRuns: at least 2: the trend compares runs/);
    expect(r.out).toBe("");
    writeFileSync(join(home.dir, "config.yaml"), "readiness:\n  keep: 3\n");
    expect((await runCli("readiness", "--account", "sim")).code).toBe(78);
    // --no-save keeps nothing, so it reads no retention
    expect((await runCli("readiness", "--account", "sim", "--no-save", "--json")).code).toBe(0);
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
