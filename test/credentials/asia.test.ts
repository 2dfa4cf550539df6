/**
 * An exposed temporary key (ASIA...): traced to its role and session by the AssumeRole event whose
 * response carries that key id (through searchTrail, the one CloudTrail search), even before the
 * key made a call; the sweep follows the session's own events (what it launched); the plan revokes
 * the role's sessions (revoke-sessions, aws:TokenIssueTime) and deactivates no user key for it.
 */
import { describe, expect, it } from "vitest";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import { planSweepFor } from "../../src/credentials/index.ts";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { sweep } from "../../src/credentials/sweep.ts";
import type { EstateInput } from "../../src/cloud/sim/schema.ts";
import { REVOKE_POLICY_NAME } from "../../src/plan/actions/credentials.ts";
import { apply } from "../../src/execute/index.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { tempStore } from "../execute/helpers.ts";

const ASIA = "ASIAEXPOSEDSESSION01";
const SESSION = "build-4711";
const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n");
const MINER = "i-0a51a00000000000a";

/** The scenario's account, plus: ci-deploy assumed deploy-role (session build-4711) 20 minutes before the exposure; optionally the session then launched a miner in eu-north-1. */
function estate(o: { sessionUsed: boolean }): EstateInput {
  const e = compromisedKeyEstate();
  const acc = e.accounts[0]!;
  const regions = acc.regions!;
  const us = regions["us-east-1"]!;
  (us.cloudTrail ??= []).push({
    eventName: "AssumeRole",
    eventTime: "2025-06-01T07:35:00Z",
    username: S.holder,
    accessKeyId: "AKIACIDEPLOYOTHER001",
    requestParameters: { roleArn: `arn:aws:iam::${S.account}:role/${S.role}`, roleSessionName: SESSION, durationSeconds: 3600 },
    responseElements: { credentials: { accessKeyId: ASIA, expiration: "Jun 1, 2025, 8:35:00 AM" }, assumedRoleUser: { arn: `arn:aws:sts::${S.account}:assumed-role/${S.role}/${SESSION}`, assumedRoleId: `AROAEXAMPLE:${SESSION}` } },
  } as never);
  // Another session of the same role, another key: not this one.
  us.cloudTrail.push({
    eventName: "AssumeRole",
    eventTime: "2025-06-01T07:40:00Z",
    username: S.holder,
    requestParameters: { roleArn: `arn:aws:iam::${S.account}:role/${S.createdRole}`, roleSessionName: "other" },
    responseElements: { credentials: { accessKeyId: "ASIAOTHERSESSION0001" } },
  } as never);
  if (o.sessionUsed) {
    const north = regions["eu-north-1"]!;
    const subnet = north.subnets![0]!.subnetId;
    const sg = north.securityGroups![0]!.groupId;
    (north.instances ??= []).push({
      instanceId: MINER,
      instanceType: "g5.xlarge",
      imageId: "ami-0a7ac4e100000001",
      launchTime: "2025-06-01T08:15:00Z",
      blockDevices: [{ deviceName: "/dev/xvda", volumeId: "vol-0a51a00000000000a", sizeGiB: 100 }],
      networkInterfaces: [{ networkInterfaceId: "eni-0a51a00000000000a", subnetId: subnet, privateIpAddress: "172.31.0.200", groupIds: [sg] }],
      tags: {},
    } as never);
    (north.cloudTrail ??= []).push({
      eventName: "RunInstances",
      eventTime: "2025-06-01T08:15:00Z",
      username: `${S.role}/${SESSION}`,
      accessKeyId: ASIA,
      sourceIpAddress: "203.0.113.66",
      responseElements: { instancesSet: { items: [{ instanceId: MINER, instanceType: "g5.xlarge" }] } },
    } as never);
  }
  return e;
}

const run = (sim: SimAccount) => sweep(sim, { accessKeyIds: [ASIA], start: S.exposedAt, end: S.now });

describe("an exposed temporary key (ASIA)", () => {
  it("is traced to its role and session by the AssumeRole event that issued it, through searchTrail, before the key made any call", async () => {
    const sim = SimAccount.fromEstate(estate({ sessionUsed: false }));
    // STS names the role's account for the key the AssumeRole issued (src/cloud/sim/sts.ts), as AWS does.
    expect(await sim.accessKeyAccount(ASIA)).toBe(S.account);
    const r = await run(sim);
    const h = r.holders[0]!;
    expect([h.kind, h.accountId, h.roleName, h.sessionName]).toEqual(["role-session", S.account, S.role, SESSION]);
    expect(h.issuedBy).toMatchObject({ eventTime: "2025-06-01T07:35:00Z", region: "us-east-1", by: S.holder });
    // Through the one search: LookupEvents by EventName AssumeRole, from 12 hours before the exposure.
    const q = sim.calls.filter((c) => c.method === "lookupEvents" && JSON.stringify(c.args).includes("AssumeRole"));
    expect(q.length).toBeGreaterThan(0);
    expect(JSON.stringify(q[0]!.args)).toContain("2025-05-31T19:55:00");
    expect(r.notSearched).toEqual([]);

    const plan = planSweepFor(r, { planId: "P-asia", caseId: null, createdAt: S.now, policy: POLICY });
    const revoke = plan.steps.filter((s) => s.action === "revoke-sessions");
    expect(revoke.map((s) => s.target.id)).toEqual([S.role]);
    expect(revoke[0]!.params).toEqual({ owner: { roleName: S.role }, issuedBefore: S.now });
    // No user key is deactivated for a temporary key (the other key of ci-deploy that assumed the role is not the exposed one).
    expect(plan.steps.filter((s) => s.action === "deactivate-access-key")).toEqual([]);

    const t = await tempStore();
    try {
      const res = await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "person", retry: { sleep: async () => {} } });
      expect(res.steps.map((s) => s.status)).toEqual(["done"]);
      const doc = JSON.parse((await sim.getInlinePolicy(S.account, { roleName: S.role }, REVOKE_POLICY_NAME))!) as { Statement: { Effect: string; Condition: { DateLessThan: Record<string, string> } }[] };
      expect(doc.Statement[0]!.Effect).toBe("Deny");
      expect(doc.Statement[0]!.Condition.DateLessThan["aws:TokenIssueTime"]).toBe(S.now);
    } finally {
      await t.close();
    }
  });

  it("the sweep follows the session's events (what it launched), and the plan stops that, with the role's sessions revoked", async () => {
    const sim = SimAccount.fromEstate(estate({ sessionUsed: true }));
    const r = await run(sim);
    expect(r.holders[0]).toMatchObject({ kind: "role-session", roleName: S.role, sessionName: SESSION });
    expect(r.events.map((e) => `${e.eventName} ${e.region} ${e.accessKeyId}`)).toEqual([`RunInstances eu-north-1 ${ASIA}`]);
    const miner = r.inventory.find((i) => i.id === MINER)!;
    expect(miner.event?.eventName).toBe("RunInstances");
    expect(miner.gpu).toBe(true);
    const plan = planSweepFor(r, { planId: "P-asia2", caseId: null, createdAt: S.now, policy: POLICY });
    expect(plan.steps.map((s) => `${s.action} ${s.target.id}`)).toEqual(expect.arrayContaining([`revoke-sessions ${S.role}`, `snapshot-volumes ${MINER}`, `stop-instance ${MINER}`]));
    expect(plan.steps.some((s) => s.action === "deactivate-access-key")).toBe(false);
  });
});
