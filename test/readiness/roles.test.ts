/**
 * abuse_desk_roles_deployed: abuse-desk's read-only and containment roles in every account of the
 * organization. On the sample estate they are deployed (pass); with the staging account lacking the
 * containment role and the sandbox refusing abuse-desk, exactly those fail, saying why; an account
 * where it could not be told is could-not-run there, never passed.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SAMPLE_ESTATE } from "../../src/cloud/open.ts";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import type { FaultRule } from "../../src/cloud/sim/faults.ts";
import type { SimState } from "../../src/cloud/sim/state.ts";
import { CHECKS } from "../../src/readiness/checks.ts";
import { runReadiness } from "../../src/readiness/run.ts";

const NOW = new Date("2026-05-01T09:30:00Z");
const text = readFileSync(SAMPLE_ESTATE, "utf8");
const ROLES = CHECKS.find((c) => c.id === "abuse_desk_roles_deployed")!;
const STAGING = "444455556666";
const SANDBOX = "777788889999";

async function roles(mutate: (s: SimState) => void = () => {}, faults: FaultRule[] = [], accounts?: string[]) {
  const state = parseEstate(text, "sample.yaml").state;
  mutate(state);
  const report = await runReadiness(new SimAccount(state, { faults }), { now: NOW, checks: [ROLES], ...(accounts ? { accounts } : {}) });
  return report.checks[0]!;
}

describe("abuse_desk_roles_deployed", () => {
  it("passes on the sample estate: both roles in all three accounts", async () => {
    expect(await roles()).toMatchObject({ status: "pass", examined: 3, failed: [], notRun: [] });
  });

  it("finds the account without the containment role and the account that refuses abuse-desk, and only those", async () => {
    const r = await roles((s) => {
      s.accounts.get(STAGING)!.roles!.delete("AbuseDeskContainment");
      s.accounts.get(SANDBOX)!.reachable = false;
    });
    expect(r.status).toBe("fail");
    expect(r.examined).toBe(3);
    expect(r.failed.map((f) => [f.accountId, f.id])).toEqual([
      [STAGING, "AbuseDeskContainment"],
      [SANDBOX, "AbuseDeskContainment"],
      [SANDBOX, "AbuseDeskReadOnly"],
    ]);
    expect(r.failed[0]!.detail).toBe("containment role AbuseDeskContainment does not exist in the account");
    expect(r.failed.find((f) => f.accountId === SANDBOX && f.id === "AbuseDeskReadOnly")!.detail).toMatch(/^read-only role AbuseDeskReadOnly cannot be assumed \(AccessDenied/);
    expect(r.failed.find((f) => f.accountId === SANDBOX && f.id === "AbuseDeskContainment")!.detail).toContain("whether it exists could not be read");
    expect(r.notRun).toEqual([]);
  });

  it("a role that exists but does not trust abuse-desk is told apart from a missing one (GetRole through the read-only role)", async () => {
    const r = await roles((s) => {
      s.accounts.get(STAGING)!.roles!.get("AbuseDeskContainment")!.trustPolicy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" }] });
    });
    expect(r.failed).toEqual([{ accountId: STAGING, id: "AbuseDeskContainment", detail: "containment role AbuseDeskContainment exists but does not let abuse-desk assume it (its trust policy, or the external id)" }]);
  });

  it("iam:GetRole denied: the refused role still fails, saying its existence could not be read", async () => {
    const r = await roles((s) => s.accounts.get(STAGING)!.roles!.delete("AbuseDeskContainment"), [{ call: "iam:GetRole", accountId: STAGING, accessDenied: true }]);
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0]).toMatchObject({ accountId: STAGING, id: "AbuseDeskContainment" });
    expect(r.failed[0]!.detail).toMatch(/cannot be assumed .*whether it exists could not be read: access denied: iam:GetRole/);
  });

  it("an account where AssumeRole cannot be answered is could-not-run there, never passed", async () => {
    const r = await roles(() => {}, [{ call: "sts:AssumeRole", accountId: SANDBOX, throttle: "always" }]);
    expect(r.status).toBe("could-not-run");
    expect(r.examined).toBe(2);
    expect(r.notRun).toEqual([expect.objectContaining({ accountId: SANDBOX })]);
    expect(r.notRun[0]!.reason).toMatch(/could not be told: throttled/);
  });

  it("Organizations cannot be listed: the accounts abuse-desk is configured for are still checked, the listing is not run", async () => {
    const r = await roles(() => {}, [{ call: "organizationAccounts", accessDenied: true }]);
    expect(r.examined).toBe(3);
    expect(r.status).toBe("could-not-run");
    expect(r.notRun).toEqual([expect.objectContaining({ accountId: "organization", action: "organizations:ListAccounts" })]);
  });

  it("narrowed to some accounts, checks only those (the organization is not listed)", async () => {
    const r = await roles((s) => (s.accounts.get(SANDBOX)!.reachable = false), [{ call: "organizationAccounts", accessDenied: true }], [STAGING]);
    expect(r).toMatchObject({ status: "pass", examined: 1, notRun: [] });
  });
});
