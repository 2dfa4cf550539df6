/**
 * Readiness runs (src/case/readiness-runs.ts) on every database the store supports: a run of the
 * sample estate kept per account with its failing resources and its could-not-run places, the
 * latest run and the trend of each account, the audit entry, and the bounds a hostile estate
 * meets (huge resource lists and names are cut, counted and said, never stored whole).
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CaseStore } from "../../src/case/index.ts";
import { DEFAULT_READINESS_RETENTION, READINESS_LIMITS } from "../../src/case/readiness-runs.ts";
import { SAMPLE_ESTATE } from "../../src/cloud/open.ts";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import { CHECKS } from "../../src/readiness/checks.ts";
import { runReadiness } from "../../src/readiness/run.ts";
import type { ReadinessReport } from "../../src/readiness/types.ts";

const NOW = new Date("2026-05-01T09:30:00Z");
const estate = readFileSync(SAMPLE_ESTATE, "utf8");
const sim = (faults: ConstructorParameters<typeof SimAccount>[1] = {}) => new SimAccount(parseEstate(estate, "sample.yaml").state, faults);
const intakeSources = [{ name: "sqs", kind: "sqs" }];

/** A report whose one check failed on `n` resources with names of `len` characters (and a NUL). */
function hostile(n: number, len: number): ReadinessReport {
  const name = `sg-\u0000<script>${"x".repeat(len)}`;
  return {
    generatedAt: NOW.toISOString(),
    source: "sim",
    accounts: [{ accountId: "111122223333", regions: 1, reachable: true }],
    score: 0,
    counts: { pass: 0, fail: 1, "could-not-run": 1 },
    checks: [
      {
        id: "ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports",
        title: "t",
        severity: "high",
        category: "exposure",
        why: "w",
        remediation: { console: "c", cli: "x" },
        status: "fail",
        examined: n,
        failed: Array.from({ length: n }, (_, i) => ({ accountId: "111122223333", region: "eu-west-1", id: `${name}${i}`, detail: "d".repeat(len) })),
        notRun: [],
      },
      {
        id: "guardduty_is_enabled",
        title: "g",
        severity: "high",
        category: "logging",
        why: "w",
        remediation: { console: "c", cli: "x" },
        status: "could-not-run",
        examined: 0,
        failed: [],
        notRun: Array.from({ length: 50 }, (_, i) => ({ accountId: "111122223333", region: `r-${i}`, reason: "access denied", action: "guardduty:ListDetectors" })),
      },
    ],
    elapsedMs: 1,
  };
}

/** A small run over these accounts, each failing one check on one resource. */
function small(accounts: string[], at: Date): ReadinessReport {
  return {
    generatedAt: at.toISOString(),
    source: "sim",
    accounts: accounts.map((accountId) => ({ accountId, regions: 1, reachable: true })),
    score: 50,
    counts: { pass: 0, fail: 1, "could-not-run": 0 },
    checks: [
      {
        id: "ec2_instance_imdsv2_enabled",
        title: "t",
        severity: "high",
        category: "exposure",
        why: "w",
        remediation: { console: "c", cli: "x" },
        status: "fail",
        examined: accounts.length,
        failed: accounts.map((accountId) => ({ accountId, region: "eu-west-1", id: `i-${accountId}`, detail: "IMDSv1" })),
        notRun: [],
      },
    ],
    elapsedMs: 1,
  };
}
const DAY = 86_400_000;
const A = "111122223333";
const B = "444455556666";

export function readinessRunsSuite(name: string, make: () => Promise<{ store: CaseStore; close(): Promise<void> }>): void {
  describe(`readiness runs on ${name}`, () => {
    let h: { store: CaseStore; close(): Promise<void> };
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => h.close());

    it("keeps a run of the sample estate per account: score, every check's status, the failing resources", async () => {
      const s = h.store;
      const report = await runReadiness(sim(), { now: NOW, intakeSources });
      const saved = await s.recordReadinessRun(report, { actor: "alice", now: NOW });
      expect(saved).toMatchObject({ accounts: 3, truncated: null });
      expect(saved.kept).toBe(saved.total);
      expect(saved.total).toBe(report.checks.reduce((n, c) => n + c.failed.length, 0));

      const latest = await s.readinessLatest();
      expect(latest.map((a) => [a.accountId, a.runId, a.reachable])).toEqual([
        ["111122223333", saved.runId, true],
        ["444455556666", saved.runId, true],
        ["777788889999", saved.runId, true],
      ]);
      const run = (await s.readinessAccountRun("444455556666"))!;
      expect(run.results.map((r) => r.id)).toEqual(CHECKS.map((c) => c.id));
      const byId = (id: string) => run.results.find((r) => r.id === id)!;
      expect(byId("ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports")).toMatchObject({ status: "fail", failedTotal: 1, failed: [{ accountId: "444455556666", region: "us-east-1", id: "sg-0b5c6d7e8f9a0f128" }] });
      expect(byId("cloudtrail_multi_region_enabled").failed.map((f) => f.id)).toEqual(["us-east-2"]);
      // the contact gap is 777788889999's, not this account's
      expect(byId("account_security_contact_information_is_registered").status).toBe("pass");
      expect((await s.readinessAccountRun("777788889999"))!.results.find((r) => r.id === "account_security_contact_information_is_registered")!.status).toBe("fail");
      // the account's score: severity-weighted over its own statuses, counted
      expect(run.counts.pass + run.counts.fail + run.counts["could-not-run"]).toBe(CHECKS.length);
      expect(run.counts.fail).toBe(run.results.filter((r) => r.status === "fail").length);
      expect(run.score).toBeGreaterThan(0);
      expect(run.score).toBeLessThan(100);

      const audit = (await s.auditEntries()).filter((a) => a.action === "readiness.recorded");
      expect(audit).toHaveLength(1);
      expect(audit[0]!.actor).toBe("alice");
      expect(audit[0]!.data).toMatchObject({ runId: saved.runId, sha256: saved.sha256, accounts: 3 });
      expect((await s.auditVerify()).intact).toBe(true);
    });

    it("a check that could not run is kept as could-not-run with its reason, never as passed", async () => {
      const s = h.store;
      const denied = await runReadiness(sim({ faults: [{ call: "ec2:DescribeFlowLogs", accessDenied: true }] }), { now: NOW, intakeSources });
      await s.recordReadinessRun(denied);
      for (const acc of ["111122223333", "444455556666"]) {
        const flow = (await s.readinessAccountRun(acc))!.results.find((r) => r.id === "vpc_flow_logs_enabled")!;
        expect(flow.status).toBe("could-not-run");
        expect(flow.notRun[0]!.reason).toMatch(/access denied/);
        expect(flow.notRun[0]!.action).toBe("ec2:DescribeFlowLogs");
      }
    });

    it("the latest run of each account and its trend, oldest first", async () => {
      const s = h.store;
      const first = await s.recordReadinessRun(await runReadiness(sim(), { now: NOW, intakeSources }));
      // the second run sees only one account, with GuardDuty denied there
      const second = await s.recordReadinessRun(await runReadiness(sim({ faults: [{ call: "guardduty:ListDetectors", accessDenied: true }] }), { now: new Date(NOW.getTime() + 86_400_000), accounts: ["444455556666"], intakeSources }));
      const latest = await s.readinessLatest();
      expect(latest.map((a) => [a.accountId, a.runId])).toEqual([
        ["111122223333", first.runId],
        ["444455556666", second.runId],
        ["777788889999", first.runId],
      ]);
      const trend = await s.readinessTrend("444455556666");
      expect(trend.map((t) => t.runId)).toEqual([first.runId, second.runId]);
      expect(trend[1]!.score).toBeLessThan(trend[0]!.score);
      expect(trend[1]!.counts["could-not-run"]).toBeGreaterThan(0);
      expect((await s.readinessAccountRun("444455556666", { runId: first.runId }))!.runId).toBe(first.runId);
      expect(await s.readinessAccountRun("000000000000")).toBeNull();
      expect(await s.readinessTrend("000000000000")).toEqual([]);
    });

    it("a hostile estate's huge resource lists and names are cut, counted and said", async () => {
      const s = h.store;
      const saved = await s.recordReadinessRun(hostile(5000, 100_000));
      expect(saved.total).toBe(5000);
      expect(saved.kept).toBe(READINESS_LIMITS.resources);
      expect(saved.truncated).toMatch(/4900 failed resources beyond 100 per check and account counted, not listed/);
      expect(saved.truncated).toMatch(/30 places not read beyond 20/);
      const run = (await s.readinessAccountRun("111122223333"))!;
      expect(run.truncated).toBe(saved.truncated);
      const proxy = run.results[0]!;
      expect(proxy.failedTotal).toBe(5000);
      expect(proxy.failed).toHaveLength(READINESS_LIMITS.resources);
      for (const f of proxy.failed) {
        expect(f.id.length).toBeLessThanOrEqual(READINESS_LIMITS.text);
        expect(f.detail.length).toBeLessThanOrEqual(READINESS_LIMITS.text);
        expect(f.id).toContain("<script>"); // kept as text: the page escapes it
      }
      expect(run.results[1]).toMatchObject({ status: "could-not-run", notRunTotal: 50 });
      expect(run.results[1]!.notRun).toHaveLength(READINESS_LIMITS.notRun);
    });

    it("the resources of a whole run are bounded too", async () => {
      const s = h.store;
      const report = hostile(0, 10);
      const accounts = Array.from({ length: 250 }, (_, i) => String(100000000000 + i));
      report.accounts = accounts.map((accountId) => ({ accountId, regions: 1, reachable: true }));
      report.checks[0]!.failed = accounts.flatMap((accountId) => Array.from({ length: 100 }, (_, i) => ({ accountId, region: "eu-west-1", id: `sg-${i}`, detail: "open" })));
      const saved = await s.recordReadinessRun(report);
      expect(saved.total).toBe(25_000);
      expect(saved.kept).toBe(READINESS_LIMITS.runResources);
      expect(saved.truncated).toMatch(/5000 more failed resources counted, not listed \(at most 20000 per run\)/);
      const last = (await s.readinessAccountRun(accounts.at(-1)!))!.results[0]!;
      expect(last).toMatchObject({ status: "fail", failedTotal: 100, failed: [] });
    });

    it("retention by count: an account's runs beyond its newest keepRuns are pruned, its latest never; a run left with no account goes; audited", async () => {
      const s = h.store;
      const keep = { keepRuns: 3, keepDays: 3650 };
      const ids: number[] = [];
      // B is only in the first run: its one run is its latest, kept however many runs A gets
      for (let i = 0; i < 5; i++) {
        const at = new Date(NOW.getTime() + i * DAY);
        const saved = await s.recordReadinessRun(small(i === 0 ? [A, B] : [A], at), { retention: keep, now: at, actor: "sched" });
        ids.push(saved.runId);
        expect(saved.pruned).toEqual(i < 3 ? { accountRuns: 0, runs: 0, results: 0 } : { accountRuns: 1, runs: i === 3 ? 0 : 1, results: 1 });
      }
      // A keeps its newest three (the trend reads them, oldest first); B keeps its only run
      expect((await s.readinessTrend(A)).map((t) => t.runId)).toEqual(ids.slice(2));
      expect((await s.readinessTrend(B)).map((t) => t.runId)).toEqual([ids[0]]);
      expect((await s.readinessLatest()).map((a) => [a.accountId, a.runId])).toEqual([
        [A, ids[4]],
        [B, ids[0]],
      ]);
      // a pruned account run is gone with its results; B's results in the first run are still read
      expect(await s.readinessAccountRun(A, { runId: ids[0] })).toBeNull();
      expect(await s.readinessAccountRun(A, { runId: ids[1] })).toBeNull();
      expect((await s.readinessAccountRun(B))!.results[0]!.failed[0]!.id).toBe(`i-${B}`);
      // the audit: what was pruned, counted, with the bound applied
      const pruned = (await s.auditEntries()).filter((a) => a.action === "readiness.pruned");
      expect(pruned.map((a) => a.data)).toEqual([
        { accountRuns: 1, runs: 0, results: 1, keepRuns: 3, keepDays: 3650, recordedBefore: new Date(NOW.getTime() + 3 * DAY - 3650 * DAY).toISOString(), runIds: [], accountRunsListed: [{ runId: ids[0], accountId: A }] },
        { accountRuns: 1, runs: 1, results: 1, keepRuns: 3, keepDays: 3650, recordedBefore: new Date(NOW.getTime() + 4 * DAY - 3650 * DAY).toISOString(), runIds: [ids[1]], accountRunsListed: [{ runId: ids[1], accountId: A }] },
      ]);
      expect(pruned.every((a) => a.actor === "sched")).toBe(true);
      expect((await s.auditVerify()).intact).toBe(true);
    });

    it("retention by age: runs recorded more than keepDays ago are pruned, but an account's latest however old", async () => {
      const s = h.store;
      const keep = { keepRuns: 100, keepDays: 7 };
      const at = (d: number) => new Date(NOW.getTime() + d * DAY);
      const old = await s.recordReadinessRun(small([A, B], at(0)), { retention: keep, now: at(0) });
      const mid = await s.recordReadinessRun(small([A], at(5)), { retention: keep, now: at(5) });
      expect(mid.pruned.accountRuns).toBe(0); // 5 days old: kept
      const last = await s.recordReadinessRun(small([A], at(30)), { retention: keep, now: at(30) });
      // A's runs of day 0 and day 5 are over 7 days old; B's day-0 run is its latest: kept, so the run stays
      expect(last.pruned).toEqual({ accountRuns: 2, runs: 1, results: 2 });
      expect((await s.readinessTrend(A)).map((t) => t.runId)).toEqual([last.runId]);
      expect((await s.readinessTrend(B)).map((t) => t.runId)).toEqual([old.runId]);
      expect(await s.readinessAccountRun(A, { runId: mid.runId })).toBeNull();
      // exactly keepDays old is kept (strictly older goes)
      const edge = await s.recordReadinessRun(small([A], at(37)), { retention: keep, now: at(37) });
      expect(edge.pruned.accountRuns).toBe(0);
      expect((await s.readinessTrend(A)).map((t) => t.runId)).toEqual([last.runId, edge.runId]);
    });

    it("by default a year of runs is kept; a long history is pruned in one save, its audit listing bounded and the counts whole", async () => {
      const s = h.store;
      expect(DEFAULT_READINESS_RETENTION).toEqual({ keepRuns: 366, keepDays: 366 });
      const first = await s.recordReadinessRun(small([A], NOW), { now: NOW });
      const second = await s.recordReadinessRun(small([A], new Date(NOW.getTime() + 300 * DAY)), { now: new Date(NOW.getTime() + 300 * DAY) });
      expect(second.pruned.accountRuns).toBe(0);
      const third = await s.recordReadinessRun(small([A], new Date(NOW.getTime() + 400 * DAY)), { now: new Date(NOW.getTime() + 400 * DAY) });
      expect(third.pruned).toEqual({ accountRuns: 1, runs: 1, results: 1 });
      expect((await s.readinessTrend(A)).map((t) => t.runId)).toEqual([second.runId, third.runId]);
      expect(first.runId).toBeLessThan(second.runId);

      // 150 accounts twice, then a run with keepRuns 2: each account's oldest of three goes (150 account runs)
      const many = Array.from({ length: 150 }, (_, i) => String(200000000000 + i));
      for (let i = 0; i < 2; i++) await s.recordReadinessRun(small(many, NOW), { now: NOW });
      const big = await s.recordReadinessRun(small(many, NOW), { now: NOW, retention: { keepRuns: 2, keepDays: 3650 } });
      // the first of the three goes whole; A keeps its two runs (its newest two)
      expect(big.pruned).toEqual({ accountRuns: 150, runs: 1, results: 150 });
      const entry = (await s.auditEntries()).filter((a) => a.action === "readiness.pruned").at(-1)!;
      expect(entry.data).toMatchObject({ accountRuns: 150, runs: 1, runIds: [big.runId - 2], listedAtMost: 100 });
      expect((entry.data as { accountRunsListed: unknown[] }).accountRunsListed).toHaveLength(100);
      expect((await s.readinessTrend(many[0]!)).map((t) => t.runId)).toEqual([big.runId - 1, big.runId]);
      expect((await s.readinessTrend(A)).map((t) => t.runId)).toEqual([second.runId, third.runId]);
      expect((await s.auditVerify()).intact).toBe(true);
    });

    it("refuses a retention that would keep nothing or is not a whole number, and keeps nothing of the run", async () => {
      const s = h.store;
      for (const retention of [{ keepRuns: 1, keepDays: 30 }, { keepRuns: 0, keepDays: 30 }, { keepRuns: 2.5, keepDays: 30 }, { keepRuns: 10, keepDays: 0 }, { keepRuns: 10, keepDays: Number.NaN }])
        await expect(s.recordReadinessRun(small([A], NOW), { retention })).rejects.toMatchObject({ exitCode: 78 });
      expect(await s.readinessLatest()).toEqual([]);
    });

    it("refuses what is not a readiness report, and keeps nothing of it", async () => {
      const s = h.store;
      const bad = { ...hostile(1, 1), generatedAt: "yesterday" };
      await expect(s.recordReadinessRun(bad)).rejects.toMatchObject({ exitCode: 65 });
      const sev = hostile(1, 1);
      (sev.checks[0] as { severity: string }).severity = "urgent";
      await expect(s.recordReadinessRun(sev)).rejects.toMatchObject({ exitCode: 65 });
      expect(await s.readinessLatest()).toEqual([]);
    });
  });
}
