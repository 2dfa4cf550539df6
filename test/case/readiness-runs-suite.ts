/**
 * Readiness runs (src/case/readiness-runs.ts) on every database the store supports: a run of the
 * sample estate kept per account with its failing resources and its could-not-run places, the
 * latest run and the trend of each account, the audit entry, and the bounds a hostile estate
 * meets (huge resource lists and names are cut, counted and said, never stored whole).
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CaseStore } from "../../src/case/index.ts";
import { READINESS_LIMITS } from "../../src/case/readiness-runs.ts";
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
