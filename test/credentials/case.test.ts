/**
 * The sweep of a case (issue 14): the case's keys, window and accounts; the sweep kept with the
 * case (evidence with its SHA-256, an investigation run, audited); `plan` of a credential case runs
 * the sweep and contains what the attacker made; what was not read is a gap of the search (never
 * "nothing to do"); a policy never makes an irreversible step automatic.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { METHODS } from "../../src/cloud/aws/actions.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { SimAccount, type SimOptions } from "../../src/cloud/sim/index.ts";
import { credentialFacts, latestCaseSweep, sweepCase } from "../../src/credentials/case.ts";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { sweep } from "../../src/credentials/sweep.ts";
import { applyPlan, intakeItem, planCase } from "../../src/desk/index.ts";
import type { Notice } from "../../src/notice/types.ts";
import { automaticSteps } from "../../src/policy/automatic.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { searchOutcome } from "../../src/resolve/outcome.ts";
import { makeNotice, makeVerdict, raw } from "../case/fixtures.ts";
import { credentialNotice } from "./helpers.ts";

const NOW = new Date(S.now);
const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n");

let home: string;
let store: CaseStore;
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), "abuse-desk-creds-case-"));
  store = await openStore({ home, url: undefined });
});
afterEach(async () => {
  await store.destroy();
  rmSync(home, { recursive: true, force: true });
});

const newSim = (o: SimOptions = {}) => SimAccount.fromEstate(compromisedKeyEstate(), o);

async function openCase(notice: Notice, port: SimAccount, verdict: "authentic" | "unverified" = "authentic"): Promise<string> {
  const out = await intakeItem({ index: 0, notice, raw: raw(notice), format: "email", mail: null } as never, { store, verify: async () => makeVerdict(verdict), port, now: NOW });
  return out.intake.case.id;
}

describe("sweep CASE", () => {
  it("takes the keys, the exposure and the accounts from the case's notices", async () => {
    const sim = newSim();
    const id = await openCase(credentialNotice(), sim);
    const c = await store.requireCase(id);
    const f = credentialFacts(c, await store.notices(id), { now: NOW });
    expect(f.request).toEqual({ accessKeyIds: [S.exposedKey], start: new Date(S.exposedAt).toISOString(), end: NOW.toISOString(), accountIds: [S.account] });
    expect(f.startFrom).toBe("the notice's window");
    // No window: 7 days before the notice; a hostile key id or account id is not taken.
    const id2 = await openCase(credentialNotice({ window: { begin: null, end: null }, accessKeyIds: [S.exposedKey, "AKIA'; drop table--", "akiaexposedkey000001"], accountIds: [S.account, "12345"], caseNumber: "99999999999-1" }), sim);
    const f2 = credentialFacts(await store.requireCase(id2), (await store.notices(id2)).slice(-1), { now: NOW });
    expect(f2.request.accessKeyIds).toEqual([S.exposedKey]);
    expect(f2.request.accountIds).toEqual([S.account]);
    expect(f2.request.start).toBe("2025-05-25T08:10:00.000Z");
    // Further back than CloudTrail keeps: said as not searched, never silently cut.
    const f3 = credentialFacts(await store.requireCase(id2), (await store.notices(id2)).slice(-1), { now: new Date("2025-09-01T00:00:00Z") });
    expect(f3.notSearched.map((n) => n.reason)).toEqual([expect.stringMatching(/90 days/)]);
  });

  it("runs the sweep and keeps it with the case: evidence with its SHA-256, an investigation run, the audit chain", async () => {
    const sim = newSim();
    const id = await openCase(credentialNotice(), sim);
    const r = await sweepCase(store, id, { port: sim, now: NOW });
    const direct = await sweep(newSim(), { accessKeyIds: [S.exposedKey], start: S.exposedAt, end: S.now, accountIds: [S.account] });
    expect(r.sweep.inventory.map((i) => `${i.kind} ${i.id}`).sort()).toEqual(direct.inventory.map((i) => `${i.kind} ${i.id}`).sort());
    expect(r.sweep.notSearched).toEqual([]);
    expect(r.evidence.label).toBe("credential-sweep.json");
    expect(r.evidence.sha256).toBe(createHash("sha256").update(r.evidence.content!, "utf8").digest("hex"));
    const runs = await store.investigations(id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.readers).toEqual([{ name: "credentials", status: "ran", findings: r.investigation.findings.length, artifacts: 1 }]);
    expect(runs[0]!.status).toBe("complete");
    expect(runs[0]!.evidenceIds).toEqual([r.evidence.id]);
    expect(runs[0]!.findings.some((f) => f.kind === "credentials.iam-user" && f.subject.startsWith(S.backdoorUser))).toBe(true);
    expect((await store.timeline(id)).some((e) => e.type === "investigation")).toBe(true);
    expect((await store.auditVerify({ deep: true })).intact).toBe(true);
    const back = await latestCaseSweep(store, id);
    expect(back!.evidence.id).toBe(r.evidence.id);
    expect(back!.sweep.inventory).toHaveLength(r.sweep.inventory.length);
  });

  it("a region it could not read makes the run partial, kept as such", async () => {
    const sim = newSim({ faults: [{ call: "cloudtrail:LookupEvents", region: "ap-southeast-1", accessDenied: true }] });
    const id = await openCase(credentialNotice(), sim);
    const r = await sweepCase(store, id, { port: sim, now: NOW });
    expect(r.investigation.status).toBe("partial");
    expect(r.investigation.notSearched.map((n) => n.scope?.region)).toEqual(["ap-southeast-1"]);
  });

  it("refuses a case that is not about credentials, and one that names no key (exit 65, nothing kept)", async () => {
    const sim = newSim();
    const scan = await openCase(makeNotice({ accountIds: [S.account], instanceIds: [], publicIps: [] }), sim);
    await expect(sweepCase(store, scan, { port: sim, now: NOW })).rejects.toMatchObject({ exitCode: 65, message: expect.stringMatching(/not a credential case/) });
    const nokey = await openCase(credentialNotice({ accessKeyIds: [], resources: [], caseNumber: "88888888888-1" }), sim);
    await expect(sweepCase(store, nokey, { port: sim, now: NOW })).rejects.toMatchObject({ exitCode: 65, message: expect.stringMatching(/names no access key/) });
    expect(await store.investigations(scan)).toEqual([]);
    expect(await store.evidence(nokey)).toEqual([]);
  });
});

describe("plan of a credential case", () => {
  it("runs the sweep (read-only) and the plan contains what the attacker made", async () => {
    const sim = newSim();
    const id = await openCase(credentialNotice(), sim);
    const before = sim.calls.length;
    const r = await planCase(store, id, { port: sim, policy: POLICY, now: NOW });
    // Read-only: every call planning made is a read of the port (src/cloud/aws/actions.ts METHODS).
    const made = sim.calls.slice(before).map((c) => c.method);
    expect(made).toContain("lookupEvents");
    expect(made.filter((m) => (METHODS as Record<string, { side: string }>)[m]?.side !== "read")).toEqual([]);
    expect(r.sweep).toBeDefined();
    const actions = r.plan.steps.map((s) => `${s.action} ${s.target.id}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        `deactivate-access-key ${S.exposedKey}`,
        `revoke-sessions ${S.holder}`,
        `quarantine-user ${S.backdoorUser}`,
        `deactivate-access-key ${S.backdoorKey}`,
        `restore-trust-policy ${S.role}`,
        `cancel-spot-requests ${S.spotRequest}`,
        `suspend-ses-sending ${S.sesRegion}`,
        `revoke-open-ingress ${S.openedGroup}`,
      ]),
    );
    // Six miners launched by the key, and one instance of each fleet the attacker made.
    expect(r.plan.steps.filter((s) => s.action === "stop-instance").map((s) => s.target.id)).toEqual(expect.arrayContaining([S.spotFleetInstance, S.fleetInstance]));
    expect(r.plan.steps.filter((s) => s.action === "stop-instance")).toHaveLength(8);
    // The notice's key is deactivated once, not twice (the notice's resolution and the sweep).
    expect(actions.filter((a) => a === `deactivate-access-key ${S.exposedKey}`)).toHaveLength(1);
    expect(r.plan.caseId).toBe(id);
    expect(searchOutcome(r.resolution).status).toBe("searched");
    expect(await store.getPlan(r.plan.id)).not.toBeNull();
    expect((await latestCaseSweep(store, id))!.investigationId).toBe(r.sweep!.investigation.id);
  });

  it("a region the sweep could not read is a gap of the search: said in the plan, and apply does not call the case contained", async () => {
    const sim = newSim({ faults: [{ call: "cloudtrail:LookupEvents", region: "eu-west-1", accessDenied: true }] });
    const id = await openCase(credentialNotice(), sim);
    const r = await planCase(store, id, { port: sim, policy: POLICY, now: NOW });
    const o = searchOutcome(r.resolution);
    expect(o.status).toBe("not-searched");
    expect(o.status === "not-searched" && o.missing.map((g) => `${g.accountId}/${g.region}`)).toEqual([`${S.account}/eu-west-1`]);
    expect(r.plan.warnings.join("\n")).toMatch(/search is incomplete/);
    expect(r.plan.warnings.join("\n")).toMatch(/Not searched: CloudTrail LookupEvents \(210987654321\/eu-west-1\)/);
    const a = await applyPlan(store, r.plan, { port: sim, approve: "person", retry: { sleep: async () => {} } });
    expect(a.status).toBe("complete");
    expect(a.notSearched?.length).toBe(1);
    expect((await store.requireCase(id)).status).not.toBe("contained");
  });

  it("an account-compromise notice naming no key: the credentials are said not swept, never 'nothing to do'", async () => {
    const sim = newSim();
    const id = await openCase(credentialNotice({ kind: "account_compromise", activityType: "account_compromise", accessKeyIds: [], resources: [] }), sim);
    const r = await planCase(store, id, { port: sim, policy: POLICY, now: NOW });
    expect(r.sweep).toBeUndefined();
    const o = searchOutcome(r.resolution);
    expect(o.status === "not-searched" && o.missing[0]!.reason).toMatch(/credentials were not swept: .*names no access key/);
    expect(r.plan.warnings.join("\n")).toMatch(/search is incomplete.*not swept/);
  });

  it("an authentic notice under a policy that names every credential action: the irreversible steps still wait for a person", async () => {
    const sim = newSim();
    const id = await openCase(credentialNotice(), sim);
    const policy = parsePolicy(
      "examiners: { cidrs: [203.0.113.16/28] }\nautomatic:\n  - playbooks: [credentials]\n    actions: [cut-off-credentials, preserve, cancel-spot-requests, delete-login-profile, stop-instance, revoke-open-ingress]\n",
    );
    const r = await planCase(store, id, { port: sim, policy, now: NOW, credentials: { deleteConsolePasswords: true } });
    const irreversible = r.plan.steps.filter((s) => s.action === "cancel-spot-requests" || s.action === "delete-login-profile");
    expect(irreversible.map((s) => s.action).sort()).toEqual(["cancel-spot-requests", "delete-login-profile"]);
    for (const s of irreversible) expect(s.autoApprovable).toBe(false);
    const auto = automaticSteps(policy, r.plan);
    for (const s of irreversible) expect(auto.has(s.id)).toBe(false);
    expect(auto.size).toBeGreaterThan(10);
    // The service's apply (approve: policy): the rest runs, the irreversible steps wait.
    const a = await applyPlan(store, r.plan, { port: sim, approve: "policy", policy, retry: { sleep: async () => {} } });
    for (const s of irreversible) expect(a.steps.find((x) => x.stepId === s.id)!.status).not.toBe("done");
    expect(a.steps.find((x) => x.action === "quarantine-user")!.status).toBe("done");
    const spot = await sim.describeSpotInstanceRequests({ accountId: S.account, region: S.spotRegion });
    expect(spot.find((x) => x.spotInstanceRequestId === S.spotRequest)!.state).toBe("active");
    expect((await sim.describeIamUsers(S.account, [S.backdoorUser]))[0]!.loginProfile).not.toBeNull();
  });
});
