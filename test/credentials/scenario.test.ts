/**
 * Issue 14's done-means on the simulated account: the scripted attacker (src/credentials/scenario.ts)
 * found completely by the sweep, contained by the plan (applied through the executor with a real
 * SQLite journal), and rollback restoring what the plan changed while the attacker's resources stay
 * preserved (snapshots kept, nothing terminated or deleted).
 */
import { afterAll, describe, expect, it } from "vitest";
import { planSweepFor } from "../../src/credentials/index.ts";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { sweep, type SweepResult } from "../../src/credentials/sweep.ts";
import { REVOKE_POLICY_NAME } from "../../src/plan/actions/credentials.ts";
import { lightsailSnapshotName } from "../../src/credentials/plan.ts";
import { apply, rollback } from "../../src/execute/index.ts";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { tempStore } from "../execute/helpers.ts";

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});
const noSleep = { sleep: async () => {} };
const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n");

const newSim = () => SimAccount.fromEstate(compromisedKeyEstate());
const run = (sim: SimAccount): Promise<SweepResult> => sweep(sim, { accessKeyIds: [S.exposedKey], start: S.exposedAt, end: S.now });
const kinds = (r: SweepResult) => r.inventory.map((i) => `${i.kind} ${i.scope.region} ${i.id}`).sort();

describe("the credential sweep on the scripted attacker", () => {
  it("finds who holds the key, AWS's quarantine policy, and the chain of principals the attacker created", async () => {
    const r = await run(newSim());
    expect(r.holders).toHaveLength(1);
    const h = r.holders[0]!;
    expect([h.kind, h.accountId, h.userName]).toEqual(["user", S.account, S.holder]);
    expect(h.quarantinePolicies).toEqual(["AWSCompromisedKeyQuarantineV3"]);
    expect(h.user!.accessKeys.map((k) => k.accessKeyId)).toEqual([S.exposedKey, S.otherKey]);
    expect(r.principals.map((p) => `${p.kind}:${p.id}`)).toEqual([`access-key:${S.exposedKey}`, `user:${S.backdoorUser}`, `access-key:${S.backdoorKey}`]);
    expect(r.searched).toHaveLength(17);
    expect(r.notSearched).toEqual([]);
  });

  it("lists everything the attacker made or changed, with its event and its state now, and nothing of anyone else's", async () => {
    const r = await run(newSim());
    expect(kinds(r)).toEqual(
      [
        ...S.minerRegions.map((reg) => `instance ${reg} ${r.inventory.find((i) => i.kind === "instance" && i.scope.region === reg && i.instanceType === S.minerType)!.id}`),
        `instance ${S.spotRegion} ${S.spotInstance}`,
        `instance ${S.colleagueRegion} ${S.colleagueInstance}`,
        `instance ${S.spotFleetRegion} ${S.spotFleetInstance}`,
        `instance ${S.fleetRegion} ${S.fleetInstance}`,
        `spot-fleet ${S.spotFleetRegion} ${S.spotFleet}`,
        `fleet ${S.fleetRegion} ${S.fleet}`,
        `lightsail-instance ${S.lightsailRegion} ${S.lightsailInstance}`,
        `lightsail-instance ${S.colleagueRegion} ${S.colleagueLightsail}`,
        `spot-request ${S.spotRegion} ${S.spotRequest}`,
        `iam-user global ${S.backdoorUser}`,
        `access-key global ${S.backdoorKey}`,
        `login-profile global ${S.backdoorUser}`,
        `policy global user/${S.backdoorUser}:${S.adminPolicy}`,
        `policy global user/${S.ownUser}:${S.ownUserInline}`,
        `policy global role/${S.role}:${S.adminPolicy}`,
        `policy global group/${S.group}:${S.groupPolicy}`,
        `policy global group/${S.group}:${S.groupInline}`,
        `policy global role/${S.createdRole}:${S.createdRoleInline}`,
        `trust-policy global ${S.role}`,
        `role global ${S.createdRole}`,
        `trail-stopped ${S.loggingStoppedIn} arn:aws:cloudtrail:${S.loggingStoppedIn}:${S.account}:trail/${S.stoppedTrail}`,
        `ses ${S.sesRegion} ses:${S.sesRegion}`,
        `security-group-ingress ${S.loggingStoppedIn} ${S.openedGroup}`,
        `bucket-list us-east-1 buckets`,
      ].sort(),
    );
    const miners = r.inventory.filter((i) => i.kind === "instance" && i.instanceType === S.minerType);
    expect(miners).toHaveLength(5);
    for (const m of miners) {
      expect(m.state).toBe("running");
      expect(m.gpu).toBe(true);
      expect(m.event?.by).toBe(S.holder);
      // g4dn.12xlarge at $3.912/h from launch (08:20..08:24) to now (12:00 the next day): about 27.6 h.
      expect(m.cost!.usdPerHour).toBe(3.912);
      expect(m.cost!.hours).toBeGreaterThan(27.5);
      expect(m.cost!.hours).toBeLessThan(27.7);
    }
    const spotInstance = r.inventory.find((i) => i.id === S.spotInstance)!;
    expect(spotInstance.event?.eventName).toBe("RequestSpotInstances");
    expect(spotInstance.gpu).toBe(true);
    expect(r.inventory.find((i) => i.id === S.colleagueInstance)!.event).toBeNull();
    expect(r.inventory.find((i) => i.kind === "spot-request")!.state).toBe("active");
    expect(r.inventory.find((i) => i.kind === "access-key")!.state).toBe("Active");
    expect(r.inventory.find((i) => i.kind === "login-profile")!.state).toBe("console password set");
    // The policies the attacker attached or put, with their state read now, and whose principal each is.
    const policies = r.inventory.filter((i) => i.kind === "policy").map((i) => [i.id, i.state, i.details?.managed, i.details?.createdByAttacker]);
    expect(policies).toEqual(
      expect.arrayContaining([
        [`user/${S.backdoorUser}:${S.adminPolicy}`, "attached", true, true],
        [`user/${S.ownUser}:${S.ownUserInline}`, "still the attacker's", false, false],
        [`role/${S.role}:${S.adminPolicy}`, "attached", true, false],
        [`group/${S.group}:${S.groupPolicy}`, "attached", true, false],
        [`group/${S.group}:${S.groupInline}`, "still the attacker's", false, false],
        [`role/${S.createdRole}:${S.createdRoleInline}`, "still the attacker's", false, true],
      ]),
    );
    const trust = r.inventory.find((i) => i.kind === "trust-policy")!;
    expect(trust.state).toBe("still the attacker's");
    expect(JSON.parse(trust.details!.previous as string)).toEqual(S.originalTrust);
    const ses = r.inventory.find((i) => i.kind === "ses")!;
    expect(ses.details).toMatchObject({ identities: [S.sesIdentity], sendingEnabled: true });
    expect(r.inventory.find((i) => i.kind === "security-group-ingress")!.state).toBe("1 rule(s) still open");
    // Another admin's user created in the window is not the attacker's.
    expect(r.inventory.some((i) => i.id === "new-hire")).toBe(false);
    // Fleets: found with the event that made them, their state now, their instances (which take the fleet's event), GPU types flagged.
    const sf = r.inventory.find((i) => i.kind === "spot-fleet")!;
    expect([sf.state, sf.event?.eventName, sf.event?.by, sf.gpu, sf.details?.instanceIds]).toEqual(["active", "RequestSpotFleet", S.backdoorUser, true, [S.spotFleetInstance]]);
    const ef = r.inventory.find((i) => i.kind === "fleet")!;
    expect([ef.state, ef.event?.eventName, ef.event?.by, ef.instanceType, ef.gpu, ef.details?.type]).toEqual(["active", "CreateFleet", S.holder, S.fleetType, true, "maintain"]);
    for (const [id, via, type, price] of [[S.spotFleetInstance, S.spotFleet, "p3.8xlarge", 12.24], [S.fleetInstance, S.fleet, S.fleetType, 5.672]] as const) {
      const inst = r.inventory.find((i) => i.id === id)!;
      expect([inst.state, inst.instanceType, inst.gpu, inst.event?.eventName, inst.details?.viaFleet, inst.cost?.usdPerHour]).toEqual(["running", type, true, via === S.spotFleet ? "RequestSpotFleet" : "CreateFleet", via, price]);
    }
    // Lightsail: the attacker's with its event and a cost estimate; a colleague's in the window listed with no event.
    const ls = r.inventory.find((i) => i.id === S.lightsailInstance)!;
    expect([ls.state, ls.event?.eventName, ls.event?.by, ls.instanceType, ls.cost?.usdPerHour]).toEqual(["running", "CreateInstances", S.holder, S.lightsailBundle, 0.2247]);
    expect(ls.cost!.hours).toBeCloseTo(27.48, 1);
    const alice = r.inventory.find((i) => i.id === S.colleagueLightsail)!;
    expect([alice.event, alice.details?.noEvent]).toEqual([null, true]);
    // 5 x g4dn.12xlarge + p3.2xlarge + p3.8xlarge + g5.12xlarge + Lightsail 2xlarge running, and the colleague's t3.micro and Lightsail small.
    expect(r.cost.usdPerHourNow).toBeCloseTo(5 * 3.912 + 3.06 + 12.24 + 5.672 + 0.2247 + 0.0104 + 0.0164, 2);
    expect(r.cost.note).toMatch(/estimate/);
  });

  it("a region it cannot read is said as not searched, never as nothing found", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate(), { faults: [{ call: "cloudtrail:LookupEvents", region: "ap-southeast-1", accessDenied: true }] });
    const r = await run(sim);
    expect(r.notSearched.map((n) => `${n.what} ${n.scope?.region}`)).toEqual(["CloudTrail LookupEvents ap-southeast-1"]);
    expect(r.searched.map((s) => s.region)).not.toContain("ap-southeast-1");
    // The miner there is still listed: instances launched in the window are read apart from CloudTrail.
    const there = r.inventory.find((i) => i.kind === "instance" && i.scope.region === "ap-southeast-1");
    expect(there?.state).toBe("running");
    expect(there?.event).toBeNull();
  });
});

describe("the plan from the sweep", () => {
  it("contains every created thing; apply holds; rollback restores what it changed; the attacker's resources stay preserved", async () => {
    const sim = newSim();
    const r = await run(sim);
    const plan = planSweepFor(r, { planId: "P-creds", caseId: null, createdAt: S.now, policy: POLICY });
    const actions = plan.steps.map((s) => `${s.action} ${s.target.id}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        `deactivate-access-key ${S.exposedKey}`,
        `revoke-sessions ${S.holder}`,
        `revoke-sessions ${S.createdRole}`,
        `deactivate-access-key ${S.backdoorKey}`,
        `quarantine-user ${S.backdoorUser}`,
        `restore-trust-policy ${S.role}`,
        `cancel-spot-requests ${S.spotRequest}`,
        `suspend-ses-sending ${S.sesRegion}`,
        `revoke-open-ingress ${S.openedGroup}`,
        `stop-instance ${S.spotInstance}`,
        `cancel-spot-fleet-requests ${S.spotFleet}`,
        `delete-fleets ${S.fleet}`,
        `stop-instance ${S.spotFleetInstance}`,
        `stop-instance ${S.fleetInstance}`,
        `snapshot-lightsail-instance ${S.lightsailInstance}`,
        `stop-lightsail-instance ${S.lightsailInstance}`,
        `detach-policy ${S.backdoorUser}`,
        `detach-policy ${S.role}`,
        `detach-policy ${S.group}`,
        `remove-inline-policy ${S.ownUser}`,
        `remove-inline-policy ${S.group}`,
        `remove-inline-policy ${S.createdRole}`,
        `start-logging arn:aws:cloudtrail:${S.loggingStoppedIn}:${S.account}:trail/${S.stoppedTrail}`,
      ]),
    );
    // Policies: the attacker's principals' steps are ordinary; on your own principals a person approves (never automatic).
    const policySteps = plan.steps.filter((s) => s.action === "detach-policy" || s.action === "remove-inline-policy");
    expect(policySteps.map((s) => [s.action, s.target.id, (s.params as { principal: string }).principal, s.reversible]).sort()).toEqual(
      [
        ["detach-policy", S.backdoorUser, "created-by-attacker", true],
        ["detach-policy", S.role, "yours", true],
        ["detach-policy", S.group, "yours", true],
        ["remove-inline-policy", S.ownUser, "yours", true],
        ["remove-inline-policy", S.group, "yours", true],
        ["remove-inline-policy", S.createdRole, "created-by-attacker", true],
      ].sort(),
    );
    expect(policySteps.find((s) => s.target.id === S.role)!.calls).toEqual([{ api: "iam:DetachRolePolicy", params: { RoleName: S.role, PolicyArn: S.adminPolicy } }]);
    for (const st of policySteps.filter((x) => (x.params as { principal: string }).principal === "yours")) expect(st.changes).toMatch(/person to approve/);
    // AWS's quarantine policy on the holder is never a step.
    expect(JSON.stringify(plan.steps)).not.toMatch(/AWSCompromisedKeyQuarantine/);
    expect(plan.steps.filter((s) => s.action === "stop-instance")).toHaveLength(8);
    expect(plan.steps.filter((s) => s.action === "snapshot-volumes")).toHaveLength(8);
    // Fleets: cancelled/deleted without terminating (named not reversible), before their instances are stopped (a maintain fleet replaces them).
    const byAction = (a: string, id: string) => plan.steps.find((s) => s.action === a && s.target.id === id)!;
    for (const [fleetStep, inst] of [[byAction("cancel-spot-fleet-requests", S.spotFleet), S.spotFleetInstance], [byAction("delete-fleets", S.fleet), S.fleetInstance]] as const) {
      expect(fleetStep.reversible).toBe(false);
      expect(fleetStep.changes).toMatch(/NOT REVERSIBLE.*TerminateInstances=false/);
      expect(fleetStep.calls).toEqual([expect.objectContaining({ params: expect.objectContaining({ TerminateInstances: false }) })]);
      expect(byAction("stop-instance", inst).dependsOn).toContain(fleetStep.id);
    }
    // Lightsail: the snapshot first, then the stop; the colleague's is not touched.
    const lsStop = byAction("stop-lightsail-instance", S.lightsailInstance);
    expect(lsStop.dependsOn).toContain(byAction("snapshot-lightsail-instance", S.lightsailInstance).id);
    expect(lsStop.reversible).toBe(true);
    expect(actions.some((a) => a.includes(S.colleagueLightsail))).toBe(false);
    expect(plan.warnings.join("\n")).toMatch(new RegExp(`${S.colleagueLightsail}.*check whether it is yours`));
    expect(plan.warnings.join("\n")).toMatch(/lightsail:DeleteInstance/);
    // Never by default: the console password deletion, termination, the colleague's instance.
    expect(actions.some((a) => a.startsWith("delete-login-profile"))).toBe(false);
    expect(actions.some((a) => a.includes(S.colleagueInstance))).toBe(false);
    expect(plan.warnings.join("\n")).toMatch(/--delete-console-passwords/);
    expect(plan.warnings.join("\n")).toMatch(/AWSCompromisedKeyQuarantineV3/);
    expect(plan.warnings.join("\n")).toMatch(new RegExp(`${S.otherKey}.*rotate`));
    expect(plan.warnings.join("\n")).toMatch(new RegExp(`${S.colleagueInstance}.*check whether it is yours`));
    // The trail the attacker stopped: restarted, and the plan says rollback leaves it logging.
    const trailStep = plan.steps.find((x) => x.action === "start-logging")!;
    expect([trailStep.target.region, trailStep.calls]).toEqual([S.loggingStoppedIn, [{ api: "cloudtrail:StartLogging", params: { Name: `arn:aws:cloudtrail:${S.loggingStoppedIn}:${S.account}:trail/${S.stoppedTrail}` } }]]);
    expect(trailStep.changes).toMatch(/rollback LEAVES IT LOGGING/);
    expect(plan.steps.find((s) => s.action === "cancel-spot-requests")!.reversible).toBe(false);

    const t = await tempStore();
    closers.push(t.close);
    const res = await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep });
    expect(res.steps.filter((s) => s.status === "failed")).toEqual([]);

    // Contained: the sweep again finds nothing running, no live key, no live request, SES off.
    const after = await run(sim);
    expect(after.inventory.filter((i) => i.kind === "instance" && i.event).map((i) => i.state)).toEqual(Array(8).fill("stopped"));
    expect(after.inventory.find((i) => i.kind === "spot-fleet")!.state).toBe("cancelled_running");
    expect(after.inventory.find((i) => i.kind === "fleet")!.state).toBe("deleted_running");
    expect(after.inventory.find((i) => i.id === S.lightsailInstance)!.state).toBe("stopped");
    expect(after.inventory.find((i) => i.id === S.colleagueLightsail)!.state).toBe("running");
    const lsSnapshot = lightsailSnapshotName("P-creds", S.lightsailInstance);
    expect(await sim.getLightsailInstanceSnapshot({ accountId: S.account, region: S.lightsailRegion }, lsSnapshot)).toMatchObject({ fromInstanceName: S.lightsailInstance, state: "available" });
    expect(after.inventory.find((i) => i.kind === "access-key")!.state).toBe("Inactive");
    expect(after.inventory.find((i) => i.kind === "spot-request")!.state).toBe("cancelled");
    expect(after.inventory.find((i) => i.kind === "trust-policy")!.state).toBe("changed since");
    expect(after.inventory.find((i) => i.kind === "ses")!.details!.sendingEnabled).toBe(false);
    expect(after.inventory.find((i) => i.kind === "security-group-ingress")!.state).toBe("rules no longer present");
    expect(after.inventory.find((i) => i.kind === "trail-stopped")!.state).toBe("logging again");
    expect(after.cost.usdPerHourNow).toBeCloseTo(0.0104 + 0.0164, 2); // the colleague's t3.micro and Lightsail instance only
    expect(JSON.parse((await sim.getIamRole(S.account, S.role))!.trustPolicy)).toEqual(S.originalTrust);
    expect(JSON.parse((await sim.getInlinePolicy(S.account, { userName: S.holder }, REVOKE_POLICY_NAME))!).Statement[0].Condition.DateLessThan["aws:TokenIssueTime"]).toBe(S.now);
    const [ci] = await sim.describeIamUsers(S.account, [S.holder]);
    expect(ci!.accessKeys.map((k) => k.status)).toEqual(["Inactive", "Active"]);
    // The attacker's grants are gone; AWS's quarantine policy on the holder stays.
    expect(ci!.attachedPolicies.map((a) => a.name)).toContain("AWSCompromisedKeyQuarantineV3");
    expect((await sim.listAttachedPolicies(S.account, { userName: S.backdoorUser }))!.map((a) => a.arn)).toEqual([]);
    expect((await sim.listAttachedPolicies(S.account, { roleName: S.role }))!.map((a) => a.arn)).toEqual(["arn:aws:iam::aws:policy/PowerUserAccess"]);
    expect((await sim.listAttachedPolicies(S.account, { groupName: S.group }))!.map((a) => a.arn)).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    for (const [owner, name] of [[{ userName: S.ownUser }, S.ownUserInline], [{ groupName: S.group }, S.groupInline], [{ roleName: S.createdRole }, S.createdRoleInline]] as const)
      expect(await sim.getInlinePolicy(S.account, owner, name)).toBeNull();
    expect(after.inventory.filter((i) => i.kind === "policy").map((i) => i.state).sort()).toEqual(["gone", "gone", "gone", "no longer attached", "no longer attached", "no longer attached"]);
    // The removed documents are in the journal, as IAM held them (the step's before).
    const journalled = (await t.store.entries("P-creds")).filter((e) => e.stepId?.includes("remove-inline-policy") && e.before !== undefined);
    expect(journalled.map((e) => (e.before as { document: string }).document)).toEqual(Array(3).fill(S.inlineDocument));
    const snapshotsTaken = (await Promise.all(S.minerRegions.map((reg) => sim.describeSnapshots({ accountId: S.account, region: reg }, {})))).flat();
    expect(snapshotsTaken).toHaveLength(6); // 5 miners and the spot instance (us-west-2)
    const fleetSnapshots = async () => (await Promise.all([S.spotFleetRegion, S.fleetRegion].map((reg) => sim.describeSnapshots({ accountId: S.account, region: reg }, {})))).flat();
    expect(await fleetSnapshots()).toHaveLength(2);

    // Applying again changes nothing.
    const writes = sim.calls.length;
    const again = await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep });
    expect(again.steps.every((s) => s.status === "already-done")).toBe(true);
    expect(sim.calls.slice(writes).filter((c) => /detach|attach|delete|put/i.test(c.method))).toEqual([]);

    const rb = await rollback("P-creds", { port: sim, journal: t.store, retry: noSleep });
    expect(rb.steps.filter((s) => s.status === "failed")).toEqual([]);
    const back = await run(sim);
    // What the plan changed is back (the exposed key active again, the attacker's trust, SES on, the SSH rule)...
    expect(back.inventory.find((i) => i.kind === "access-key")!.state).toBe("Active");
    expect(back.inventory.find((i) => i.kind === "trust-policy")!.state).toBe("still the attacker's");
    expect(back.inventory.find((i) => i.kind === "ses")!.details!.sendingEnabled).toBe(true);
    expect(back.inventory.find((i) => i.kind === "security-group-ingress")!.state).toBe("1 rule(s) still open");
    expect(back.inventory.filter((i) => i.kind === "instance" && i.event).map((i) => i.state)).toEqual(Array(8).fill("running"));
    expect(back.inventory.find((i) => i.id === S.lightsailInstance)!.state).toBe("running");
    expect(await sim.getInlinePolicy(S.account, { userName: S.holder }, REVOKE_POLICY_NAME)).toBeNull();
    expect(await sim.getInlinePolicy(S.account, { userName: S.backdoorUser }, "AbuseDeskQuarantine")).toBeNull();
    // The attacker's policies are back exactly (inline documents byte-equal to what IAM held), as the sweep first found them.
    for (const [owner, name] of [[{ userName: S.ownUser }, S.ownUserInline], [{ groupName: S.group }, S.groupInline], [{ roleName: S.createdRole }, S.createdRoleInline]] as const)
      expect(await sim.getInlinePolicy(S.account, owner, name)).toBe(S.inlineDocument);
    expect((await sim.listAttachedPolicies(S.account, { roleName: S.role }))!.map((a) => a.arn)).toEqual(["arn:aws:iam::aws:policy/PowerUserAccess", S.adminPolicy]);
    expect((await sim.listAttachedPolicies(S.account, { userName: S.backdoorUser }))!.map((a) => a.arn)).toEqual([S.adminPolicy]);
    expect(back.inventory.filter((i) => i.kind === "policy").map((i) => [i.id, i.state])).toEqual(r.inventory.filter((i) => i.kind === "policy").map((i) => [i.id, i.state]));
    // ...except what cannot be undone, said as kept: the cancelled spot request; and the evidence stays.
    expect(rb.steps.find((s) => s.action === "cancel-spot-requests")!.status).toBe("kept");
    expect(back.inventory.find((i) => i.kind === "spot-request")!.state).toBe("cancelled");
    expect(rb.steps.find((s) => s.action === "cancel-spot-fleet-requests")!.status).toBe("kept");
    expect(rb.steps.find((s) => s.action === "delete-fleets")!.status).toBe("kept");
    expect(back.inventory.find((i) => i.kind === "spot-fleet")!.state).toBe("cancelled_running");
    expect(back.inventory.find((i) => i.kind === "fleet")!.state).toBe("deleted_running");
    // The restarted trail is left logging on purpose (abuse-desk never stops a trail), and the rollback says so.
    expect(rb.steps.find((s) => s.action === "start-logging")).toMatchObject({ status: "kept", detail: { left: expect.stringMatching(/left logging: abuse-desk never stops a trail; by hand: aws cloudtrail stop-logging/) } });
    expect(back.inventory.find((i) => i.kind === "trail-stopped")!.state).toBe("logging again");
    expect(rb.steps.find((s) => s.action === "snapshot-lightsail-instance")!.status).toBe("kept");
    expect(await sim.getLightsailInstanceSnapshot({ accountId: S.account, region: S.lightsailRegion }, lsSnapshot)).not.toBeNull();
    expect(await fleetSnapshots()).toHaveLength(2);
    expect((await Promise.all(S.minerRegions.map((reg) => sim.describeSnapshots({ accountId: S.account, region: reg }, {})))).flat()).toHaveLength(6);
    // Nothing of the attacker's was deleted or terminated, before or after.
    const users = await sim.describeIamUsers(S.account, [S.backdoorUser]);
    expect(users[0]!.accessKeys.map((k) => k.accessKeyId)).toEqual([S.backdoorKey]);
    expect(users[0]!.loginProfile).not.toBeNull();
    expect(sim.calls.some((c) => /Terminate|Delete(User|AccessKey|LoginProfile)/i.test(c.method))).toBe(false);
    // The fleets' instances were never terminated (TerminateInstances=false), and the Lightsail instance is there.
    for (const [region, id] of [[S.spotFleetRegion, S.spotFleetInstance], [S.fleetRegion, S.fleetInstance]] as const)
      expect((await sim.describeInstances({ accountId: S.account, region }, { instanceIds: [id] }))[0]!.state).toBe("running");
  });

  it("deletes the attacker's console password only when a person asks, and says it cannot be rolled back", async () => {
    const sim = newSim();
    const r = await run(sim);
    const plan = planSweepFor(r, { planId: "P-del", caseId: null, createdAt: S.now, policy: POLICY, deleteConsolePasswords: true });
    const del = plan.steps.find((s) => s.action === "delete-login-profile")!;
    expect(del.target.id).toBe(S.backdoorUser);
    expect(del.reversible).toBe(false);
    expect(del.changes).toMatch(/IRREVERSIBLE/);
    const t = await tempStore();
    closers.push(t.close);
    await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep });
    expect((await sim.describeIamUsers(S.account, [S.backdoorUser]))[0]!.loginProfile).toBeNull();
    const rb = await rollback("P-del", { port: sim, journal: t.store, retry: noSleep });
    expect(rb.steps.find((s) => s.action === "delete-login-profile")!.status).toBe("kept");
  });
});
