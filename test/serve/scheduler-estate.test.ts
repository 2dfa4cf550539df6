/**
 * The scheduler's estate jobs (src/serve/scheduler.ts): the inventory recorded in the address
 * history and a readiness run kept, each once per interval (daily by default), never forced by
 * `serve --once`, switched off by the configuration, and a run that failed noted (log, lease
 * outcome, audit) and tried again after retryMs while the other jobs go on. Driven by the
 * scheduler's clock and the store's leases: no timed assertion.
 */
import { readFileSync } from "node:fs";
import type { Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/case/db/schema.ts";
import type { CaseStore } from "../../src/case/index.ts";
import { SAMPLE_ESTATE } from "../../src/cloud/open.ts";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import type { CloudPort } from "../../src/cloud/port.ts";
import { schedulerSettings, schedulerTick, type SchedulerLog, type TickReport } from "../../src/serve/scheduler.ts";
import { readinessRetention } from "../../src/readiness/config.ts";
import { sqliteStores, type Stores } from "./helpers.ts";

const NOW = new Date("2026-05-01T09:30:00Z");
const estate = readFileSync(SAMPLE_ESTATE, "utf8");
const sample = () => new SimAccount(parseEstate(estate, "sample.yaml").state, { label: "sim:sample" });
const job = (r: TickReport, name: string) => r.jobs.find((j) => j.job === name)!;

function memoryLog(): SchedulerLog & { lines: { level: string; obj: Record<string, unknown>; msg: string }[] } {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  return {
    lines,
    info: (obj, msg) => void lines.push({ level: "info", obj, msg }),
    warn: (obj, msg) => void lines.push({ level: "warn", obj, msg }),
    error: (obj, msg) => void lines.push({ level: "error", obj, msg }),
  };
}

let s: Stores;
let store: CaseStore;
beforeEach(async () => {
  s = await sqliteStores();
  store = s.store;
});
afterEach(async () => s.close());

describe("the estate jobs", () => {
  it("record the address history and keep a readiness run, then are not due again for a day, even for serve --once", async () => {
    const log = memoryLog();
    const r = await schedulerTick({ store, port: sample(), jobs: ["inventory", "readiness"], intakeSources: [{ name: "sqs", kind: "sqs" }], log }, NOW);
    expect(job(r, "inventory")).toMatchObject({ status: "ran", items: [{ outcome: "recorded" }] });
    expect(job(r, "inventory").items[0]!.summary).toMatch(/^Inventory: \d+ resources, \d+ public addresses in the address history \(\d+ new holdings, 0 still held\)$/);
    expect(job(r, "readiness")).toMatchObject({ status: "ran", items: [{ outcome: "recorded" }] });
    expect(job(r, "readiness").items[0]!.summary).toMatch(/^Readiness run 1: score \d+\/100 over 3 accounts, 8 failed, 0 could not run$/);

    // what they recorded: the open-proxy host's address, and the run per account
    expect(await store.addressAt("198.51.100.128", NOW.toISOString())).toMatchObject({ status: "held", holding: { resourceId: "i-0b5c6d7e8f9a01234", accountId: "444455556666" } });
    expect((await store.readinessLatest()).map((a) => [a.accountId, a.runId, a.generatedAt])).toEqual([
      ["111122223333", 1, NOW.toISOString()],
      ["444455556666", 1, NOW.toISOString()],
      ["777788889999", 1, NOW.toISOString()],
    ]);
    expect((await store.auditEntries()).filter((e) => e.action === "readiness.recorded").map((e) => e.actor)).toEqual(["abuse-desk scheduler"]);
    // logged
    expect(log.lines.filter((l) => l.level === "info" && /^(Inventory|Readiness run 1)/.test(l.msg)).map((l) => l.obj.job)).toEqual(["inventory", "readiness"]);

    // a day's interval: not due at once, and `serve --once` (force) does not force them
    const again = await schedulerTick({ store, port: sample(), jobs: ["inventory", "readiness"], force: true }, NOW);
    expect(again.jobs.map((j) => [j.job, j.status])).toEqual([
      ["inventory", "not-due"],
      ["readiness", "not-due"],
    ]);
    const due = Date.parse(again.jobs[0]!.nextDueAt!);
    const leases = await store.jobLeases();
    const started = Date.parse(leases.find((l) => l.job === "readiness")!.lastFinishedAt!);
    expect(Date.parse(leases.find((l) => l.job === "readiness")!.nextDueAt) - started).toBe(86_400_000);
    expect(due - Date.parse(leases.find((l) => l.job === "inventory")!.lastFinishedAt!)).toBe(86_400_000);
  });

  it("the readiness job keeps runs within readiness.retention: older ones pruned on its save, said and audited", async () => {
    const retention = readinessRetention({ path: "config.yaml", data: { readiness: { retention: { keepRuns: 2, keepDays: 30 } } } });
    expect(retention).toEqual({ keepRuns: 2, keepDays: 30 });
    expect(readinessRetention({ path: null, data: {} })).toEqual({ keepRuns: 366, keepDays: 366 });
    expect(() => readinessRetention({ path: "config.yaml", data: { readiness: { retention: { keepDays: 0 } } } })).toThrow(/readiness\.retention\.keepDays/);
    const summaries: string[] = [];
    const sql = store as unknown as { db: Kysely<Database> };
    for (let day = 0; day < 3; day++) {
      // a day passes (the leases' clock is the database's: moved here behind the store's back)
      await sql.db.updateTable("scheduler_leases").set({ next_due_at: "2000-01-01T00:00:00.000Z" }).where("job", "=", "readiness").execute();
      const r = await schedulerTick({ store, port: sample(), jobs: ["readiness"], intakeSources: [{ name: "sqs", kind: "sqs" }], readinessRetention: retention }, new Date(NOW.getTime() + day * 86_400_000));
      expect(job(r, "readiness").status).toBe("ran");
      summaries.push(job(r, "readiness").items[0]!.summary);
    }
    expect(summaries[1]).not.toMatch(/pruned/);
    expect(summaries[2]).toMatch(/^Readiness run 3: .*; pruned 3 older account runs \(1 whole run\) beyond the retention$/);
    expect((await store.readinessTrend("111122223333")).map((t) => t.runId)).toEqual([2, 3]);
    expect((await store.auditEntries()).filter((e) => e.action === "readiness.pruned").map((e) => [e.actor, e.data.accountRuns, e.data.runIds])).toEqual([["abuse-desk scheduler", 3, [1]]]);
  });

  it("an interval from the configuration, and an off switch", async () => {
    const settings = schedulerSettings({ path: "config.yaml", data: { scheduler: { intervals: { readiness: 7 * 86_400_000 }, inventory: { enabled: false, retryMs: 600_000 } } } });
    expect(settings.intervals.readiness).toBe(7 * 86_400_000);
    expect(settings.intervals.inventory).toBe(86_400_000);
    expect(settings.estate).toEqual({ inventory: { enabled: false, retryMs: 600_000 }, readiness: { enabled: true, retryMs: 3_600_000 } });
    expect(() => schedulerSettings({ path: "config.yaml", data: { scheduler: { intervals: { readiness: 8 * 86_400_000 } } } })).toThrow(/readiness/);
    expect(() => schedulerSettings({ path: "config.yaml", data: { scheduler: { readiness: { enabled: "no" } } } })).toThrow(/enabled/);

    const r = await schedulerTick({ store, port: sample(), jobs: ["inventory", "readiness"], settings }, NOW);
    expect(job(r, "inventory")).toMatchObject({ status: "skipped", reason: "switched off in the configuration (scheduler.inventory.enabled: false)" });
    expect(job(r, "readiness").status).toBe("ran");
    expect(await store.addressHoldings("198.51.100.128")).toEqual([]);
    expect((await store.jobLeases()).find((l) => l.job === "readiness")!.nextDueAt).toBe(new Date(Date.parse((await store.jobLeases()).find((l) => l.job === "readiness")!.lastFinishedAt!) + 7 * 86_400_000).toISOString());
  });

  it("a run that failed is noted (log, lease, audit) and tried again after retryMs; the other jobs run; the service goes on", async () => {
    const log = memoryLog();
    let down = true;
    const sim = sample();
    // The organization cannot be listed while `down`: both jobs fail at once.
    const port = new Proxy(sim, { get: (t, p) => (p === "accounts" && down ? () => Promise.reject(new Error("Organizations is unavailable")) : (Reflect.get(t, p, t) as unknown)) }) as unknown as CloudPort;
    const r = await schedulerTick({ store, port, jobs: ["transits", "inventory", "readiness"], log }, NOW);
    expect(job(r, "transits").status).toBe("ran");
    expect(job(r, "inventory")).toMatchObject({ status: "failed", error: "Organizations is unavailable" });
    expect(job(r, "readiness")).toMatchObject({ status: "failed", error: "Organizations is unavailable" });
    expect(log.lines.filter((l) => l.level === "error").map((l) => [l.obj.job, l.msg])).toEqual([
      ["inventory", "scheduler: job inventory failed"],
      ["readiness", "scheduler: job readiness failed"],
    ]);
    const leases = await store.jobLeases();
    for (const name of ["inventory", "readiness"]) {
      const l = leases.find((x) => x.job === name)!;
      expect(l).toMatchObject({ holder: null, lastOutcome: "failed: Organizations is unavailable" });
      // tried again after retryMs (an hour by default), not after the day's interval
      expect(Date.parse(l.nextDueAt) - Date.parse(l.lastFinishedAt!)).toBe(3_600_000);
    }
    expect((await store.auditEntries()).filter((e) => e.action === "scheduler.job.failed").map((e) => e.data.job).sort()).toEqual(["inventory", "readiness"]);
    expect(await store.readinessLatest()).toEqual([]);

    // The hour passes (the leases' clock is the database's: moved here behind the store's back); the retry runs and works.
    down = false;
    const sql = store as unknown as { db: Kysely<Database> };
    await sql.db.updateTable("scheduler_leases").set({ next_due_at: "2000-01-01T00:00:00.000Z" }).where("job", "in", ["inventory", "readiness"]).execute();
    const retry = await schedulerTick({ store, port, jobs: ["inventory", "readiness"], log }, NOW);
    expect(retry.jobs.map((j) => [j.job, j.status])).toEqual([
      ["inventory", "ran"],
      ["readiness", "ran"],
    ]);
    expect((await store.readinessLatest()).length).toBe(3);
  });

  it("an inventory that read part of the estate records what it read and says what it did not", async () => {
    const sim = new SimAccount(parseEstate(estate, "sample.yaml").state, { label: "sim:sample", faults: [{ call: "ec2:DescribeInstances", accountId: "777788889999", accessDenied: true }] });
    const r = await schedulerTick({ store, port: sim, jobs: ["inventory"] }, NOW);
    expect(job(r, "inventory")).toMatchObject({ status: "ran", items: [{ outcome: "partial" }] });
    expect(job(r, "inventory").items[0]!.summary).toMatch(/NOT READ \(tried again on the next run\): 777788889999\/[a-z0-9-]+: access denied/);
    expect((await store.addressHoldings("198.51.100.128")).map((h) => h.resourceId)).toEqual(["i-0b5c6d7e8f9a01234"]);
  });
});
