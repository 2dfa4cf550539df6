/**
 * Apply and rollback against the simulated account, journalled in the real SQLite case store:
 * the state after apply, the exact calls made, the dry run against what really happened, the
 * gates (verdict, policy), idempotence, and rollback back to the state before.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";
import type { SimAccount, SimSnapshot } from "../../src/cloud/sim/index.ts";
import { diffSnapshots } from "../../src/cloud/sim/index.ts";
import { apply, type ApplyOptions } from "../../src/execute/apply.ts";
import { ApplyRefused } from "../../src/execute/errors.ts";
import { sha256 } from "../../src/plan/evidence.ts";
import { rollback } from "../../src/execute/rollback.ts";
import type { JournalStore, Plan } from "../../src/execute/types.ts";
import { planContainment, type NoticeFacts, type PlaybookOptions } from "../../src/playbook/index.ts";
import { automaticSteps } from "../../src/policy/automatic.ts";
import { parsePolicy, type Policy } from "../../src/policy/policy.ts";
import type { Resolution } from "../../src/resolve/types.ts";
import { newSim, notice, resolutionOf, resolveAll, resolveBucket, resolveDistribution, resolveInstance, resolveKey, tempStore, withoutKept, writeCalls, X } from "./helpers.ts";

const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\nhostTriage: { enabled: true }\n");
const noSleep = { sleep: async () => {} };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

interface Setup {
  sim: SimAccount;
  plan: Plan;
  journal: JournalStore;
  before: SimSnapshot;
  run(o?: Partial<ApplyOptions>): ReturnType<typeof apply>;
}

async function setup(resolve: (sim: SimAccount) => Promise<Resolution>, n: Partial<NoticeFacts> = {}, o: { policy?: Policy; options?: PlaybookOptions; planId?: string } = {}): Promise<Setup> {
  const sim = newSim();
  const resolution = await resolve(sim);
  const plan = planContainment({
    planId: o.planId ?? "P-1",
    caseId: null,
    createdAt: "2025-06-01T12:00:00Z",
    notice: notice(n),
    verdict: "authentic",
    resolution,
    policy: o.policy ?? POLICY,
    ...(o.options ? { options: o.options } : {}),
  });
  const t = await tempStore();
  closers.push(t.close);
  sim.calls.length = 0;
  const before = sim.snapshot();
  return { sim, plan, journal: t.store, before, run: (x = {}) => apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep, ...x }) };
}

const instancesOf = (...ids: string[]) => (sim: SimAccount) => resolveAll(sim, [{ scope: X.eu, ids }]);
const afterOf = (p: Plan, action: string, journalEntries: { stepId: string | null; phase: string; after?: unknown }[]) => {
  const step = p.steps.find((s) => s.action === action)!;
  return journalEntries.find((e) => e.stepId === step.id && (e.phase === "done" || e.phase === "skipped"))!.after as Record<string, unknown>;
};

/** Mutating plan calls (reads aside): what the dry run says will change. */
const plannedWrites = (p: Plan) =>
  p.steps
    .flatMap((s) => s.calls.map((c) => c.api))
    .filter((api) => !/:(Describe|Get|List)/.test(api))
    .sort();
/** What the sim saw changing, as IAM actions. */
const actualWrites = (sim: SimAccount) =>
  sim.calls
    .filter((c) => c.outcome === "ok" && !/:(Describe|Get|List)/.test(c.action) && !["autoScalingGroupsOf", "targetGroupsOf", "findAccessKey", "getBucket", "getDistribution", "getUserData"].includes(c.method))
    .map((c) => c.action)
    .sort();

describe("compromised host on the simulated account", () => {
  it("contains every host: protections, snapshots, standby, deregistration, isolation, ACL, tags", async () => {
    const s = await setup(instancesOf(X.web1, X.web2, X.legacy), { remoteIps: X.peers });
    const result = await s.run();
    expect(result.status).toBe("complete");
    expect(result.steps.filter((r) => r.status !== "done")).toEqual([]);

    const [web1] = await s.sim.describeInstances(X.eu, { instanceIds: [X.web1] });
    expect(web1).toMatchObject({ state: "running", disableApiTermination: true, instanceInitiatedShutdownBehavior: "stop" });
    expect(web1!.blockDevices.every((d) => d.deleteOnTermination === false)).toBe(true);
    expect(web1!.tags).toMatchObject({ "abuse-desk:case": "P-1", "abuse-desk:plan": "P-1" });

    const entries = await s.journal.entries("P-1");
    const isoId = afterOf(s.plan, "create-isolation-group", entries).groupId as string;
    const allId = afterOf(s.plan, "create-all-traffic-group", entries).groupId as string;
    const enis = await s.sim.describeNetworkInterfaces(X.eu, { instanceIds: [X.web1, X.web2, X.legacy] });
    expect(enis.map((e) => [e.networkInterfaceId, e.groupIds])).toEqual(enis.map((e) => [e.networkInterfaceId, [isoId]]));
    const [iso] = await s.sim.describeSecurityGroups(X.eu, [isoId]);
    expect(iso!.rules.map(({ ruleId: _r, ...r }) => r)).toEqual([
      { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.16/28", description: "abuse-desk examiner access P-1" },
      { direction: "egress", protocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "10.0.0.0/16", description: "abuse-desk host triage: SSM endpoints P-1" },
    ]);
    const [all] = await s.sim.describeSecurityGroups(X.eu, [allId]);
    expect(all!.rules.map((r) => `${r.direction} ${r.protocol} ${r.cidrIpv4 ?? r.cidrIpv6}`).sort()).toEqual(["egress -1 0.0.0.0/0", "egress -1 ::/0", "ingress -1 0.0.0.0/0", "ingress -1 ::/0"]);

    const [asg] = await s.sim.describeAutoScalingGroups(X.eu, [X.asg]);
    expect(asg).toMatchObject({ minSize: 1, desiredCapacity: 1, maxSize: 4 });
    expect([...asg!.suspendedProcesses].sort()).toEqual(["AZRebalance", "ReplaceUnhealthy"]);
    expect(asg!.instances.map((i) => [i.instanceId, i.lifecycleState, i.protectedFromScaleIn])).toEqual([
      [X.web1, "Standby", true],
      [X.web2, "Standby", true],
      [X.web3, "InService", false],
    ]);
    const tgs = await s.sim.targetGroupsOf(X.eu, [X.web1, X.web2, X.web3, X.legacy]);
    expect(tgs.flatMap((t) => t.targets.map((x) => x.id))).toEqual([X.web3]);
    const [clb] = await s.sim.describeLoadBalancers(X.eu, { ids: [X.clb] });
    expect(clb!.instanceIds).toEqual([]);
    const [acl] = await s.sim.describeNetworkAcls(X.eu, { networkAclIds: [X.webAcl] });
    expect(acl!.entries.filter((e) => e.ruleAction === "deny" && e.ruleNumber < 10).map((e) => `${e.egress ? "out" : "in"} #${e.ruleNumber} ${e.cidrBlock}`)).toEqual([
      "in #1 192.0.2.44/32",
      "in #2 192.0.2.45/32",
      "out #1 192.0.2.44/32",
      "out #2 192.0.2.45/32",
    ]);
    const snaps = await s.sim.describeSnapshots(X.eu, { tags: { "abuse-desk:case": "P-1" } });
    expect(snaps.map((x) => x.volumeId).sort()).toEqual(["vol-0e0000000000000a1", "vol-0e0000000000000a2", "vol-0e0000000000000a3", "vol-0e0000000000000c1"]);
  });

  it("makes exactly the calls the dry run showed, each ENI through the all-traffic group first", async () => {
    const s = await setup(instancesOf(X.web1, X.web2, X.legacy), { remoteIps: X.peers });
    await s.run();
    expect(actualWrites(s.sim)).toEqual(plannedWrites(s.plan));
    const entries = await s.journal.entries("P-1");
    const isoId = afterOf(s.plan, "create-isolation-group", entries).groupId;
    const allId = afterOf(s.plan, "create-all-traffic-group", entries).groupId;
    for (const eni of [X.web1Eni, X.web1Eni2, X.web2Eni]) {
      expect(writeCalls(s.sim).filter((c) => c.method === "setNetworkInterfaceGroups" && c.args[0] === eni).map((c) => c.args)).toEqual([
        [eni, [allId]],
        [eni, [isoId]],
      ]);
    }
    const w = writeCalls(s.sim);
    expect(w.filter((c) => c.method === "enterStandby").map((c) => c.args)).toEqual([[X.asg, [X.web1, X.web2], true]]);
    expect(w.filter((c) => c.method === "setInstanceProtection").map((c) => c.args)).toEqual([[X.asg, [X.web1, X.web2], true]]);
    expect(w.filter((c) => c.method === "updateAutoScalingGroup").map((c) => c.args)).toEqual([[X.asg, { minSize: 1 }]]);
    expect(w.filter((c) => c.method === "suspendProcesses").map((c) => c.args)).toEqual([[X.asg, ["ReplaceUnhealthy", "AZRebalance"]]]);
    // The isolation group loses its default egress, then gets the examiners and HTTPS to the VPC.
    expect(w.filter((c) => c.args[0] === isoId).map((c) => [c.method, (c.args[1] as { direction: string; cidrIpv4?: string }[]).map((r) => `${r.direction} ${r.cidrIpv4}`)])).toEqual([
      ["revokeRules", ["egress 0.0.0.0/0"]],
      ["authorizeRules", ["ingress 203.0.113.16/28"]],
      ["authorizeRules", ["egress 10.0.0.0/16"]],
    ]);
    // Standby happened before the instances' interfaces changed groups.
    const seqOf = (pred: (c: SimAccount["calls"][number]) => boolean) => s.sim.calls.find(pred)!.seq;
    expect(seqOf((c) => c.method === "enterStandby")).toBeLessThan(seqOf((c) => c.method === "setNetworkInterfaceGroups" && c.args[0] === X.web1Eni));
  });

  it("journals every step before and after, with what undoes it and what it produced", async () => {
    const s = await setup(instancesOf(X.web1), {});
    await s.run({ actor: "alice" });
    const entries = await s.journal.entries("P-1");
    for (const step of s.plan.steps) {
      const mine = entries.filter((e) => e.stepId === step.id);
      // Isolating an interface journals its all-traffic transit between the two (src/execute/transit.ts).
      expect(mine.map((e) => e.phase), step.id).toEqual(step.action === "isolate-eni" ? ["started", "transit", "done"] : ["started", "done"]);
      expect(mine[0]!.actor).toBe("alice");
      expect(mine[0]!.seq).toBeLessThan(mine[1]!.seq);
    }
    const iso = s.plan.steps.find((x) => x.action === "isolate-eni" && x.target.id === X.web1Eni)!;
    expect(entries.find((e) => e.stepId === iso.id && e.phase === "started")!.before).toEqual({ groupIds: [X.sgWeb] });
    const asg = s.plan.steps.find((x) => x.action === "asg-suspend-processes")!;
    expect(entries.find((e) => e.stepId === asg.id && e.phase === "started")!.before).toEqual({ suspended: [] });
    const cap = afterOf(s.plan, "capture-metadata", entries) as { evidence: { name: string; sha256: string; text?: string; base64?: string }[] };
    expect(cap.evidence.map((e) => e.name)).toEqual([`${X.web1}-instance.json`, `${X.web1}-user-data.txt`, `${X.web1}-console-output.txt`, `${X.web1}-screenshot.jpg`]);
    const console = cap.evidence[2]!;
    expect(console.text).toBe("boot ok\nkworker: high cpu\n");
    expect(console.sha256).toBe(sha256(Buffer.from(console.text!)));
    expect(cap.evidence[3]!.base64).toBe("/9j/4AAQSkZJRgABAQ==");
    const snap = afterOf(s.plan, "snapshot-volumes", entries) as { snapshots: { snapshotId: string; volumeId: string }[] };
    expect(snap.snapshots.map((x) => x.volumeId).sort()).toEqual(["vol-0e0000000000000a1", "vol-0e0000000000000a2"]);
  });

  it("is idempotent: applying again calls nothing", async () => {
    const s = await setup(instancesOf(X.web1, X.web2), { remoteIps: X.peers });
    await s.run();
    s.sim.calls.length = 0;
    const again = await s.run();
    expect(again.status).toBe("complete");
    expect(again.steps.every((r) => r.status === "already-done")).toBe(true);
    expect(s.sim.calls).toEqual([]);
  });

  it("rolls back to the state before, newest first, keeping the evidence; a second rollback calls nothing", async () => {
    const s = await setup(instancesOf(X.web1, X.web2, X.legacy), { remoteIps: X.peers });
    await s.run();
    const after = s.sim.snapshot();
    expect(diffSnapshots(withoutKept(after, s.before), withoutKept(s.before, s.before)).length).toBeGreaterThan(10);
    s.sim.calls.length = 0;
    const rb = await rollback("P-1", { port: s.sim, journal: s.journal, retry: noSleep });
    expect(rb.status).toBe("complete");
    const restored = s.sim.snapshot();
    expect(diffSnapshots(withoutKept(restored, s.before), withoutKept(s.before, s.before))).toEqual([]);
    expect(withoutKept(restored, s.before)).toEqual(withoutKept(s.before, s.before));
    // Kept on purpose: the snapshots and both groups.
    expect(rb.steps.filter((x) => x.status === "kept").map((x) => x.action).sort()).toEqual(["capture-metadata", "capture-metadata", "capture-metadata", "create-all-traffic-group", "create-isolation-group", "snapshot-volumes", "snapshot-volumes", "snapshot-volumes", "tag-resources"]);
    // Newest first: the interfaces got their groups back before the instances left standby.
    const seqOf = (m: string, arg?: string) => s.sim.calls.find((c) => c.method === m && (arg === undefined || c.args[0] === arg))!.seq;
    expect(seqOf("setNetworkInterfaceGroups", X.web1Eni)).toBeLessThan(seqOf("exitStandby"));
    expect(seqOf("exitStandby")).toBeLessThan(seqOf("updateAutoScalingGroup"));
    expect(seqOf("updateAutoScalingGroup")).toBeLessThan(seqOf("resumeProcesses"));
    s.sim.calls.length = 0;
    const again = await rollback("P-1", { port: s.sim, journal: s.journal });
    expect(again.steps.every((x) => ["already-rolled-back", "kept", "never-applied"].includes(x.status))).toBe(true);
    expect(writeCalls(s.sim)).toEqual([]);
    await expect(s.run()).rejects.toMatchObject({ code: "rolled-back" });
  });

  it("refuses to roll back a plan that was never applied", async () => {
    const s = await setup(instancesOf(X.web3));
    await s.journal.savePlan(s.plan);
    await expect(rollback("P-1", { port: s.sim, journal: s.journal })).rejects.toMatchObject({ code: "not-applied" });
    await expect(rollback("P-none", { port: s.sim, journal: s.journal })).rejects.toMatchObject({ code: "unknown-plan" });
  });

  it("stops an instance only when the plan says so, and starts it again on rollback", async () => {
    const s = await setup(instancesOf(X.web3), {}, { options: { stop: true } });
    await s.run();
    expect((await s.sim.describeInstances(X.eu, { instanceIds: [X.web3] }))[0]!.state).toBe("stopped");
    await rollback("P-1", { port: s.sim, journal: s.journal });
    expect((await s.sim.describeInstances(X.eu, { instanceIds: [X.web3] }))[0]!.state).toBe("running");
  });

  it("treats protections it cannot read as unknown: sets them, and a rollback leaves them set", async () => {
    const s = await setup(instancesOf(X.web3));
    // What the AWS adapter returns when DescribeInstanceAttribute is not allowed: no values at all.
    const blind = new Proxy(s.sim, {
      get(target, prop, recv) {
        if (prop !== "describeInstances") return Reflect.get(target, prop, recv);
        return async (...a: Parameters<SimAccount["describeInstances"]>) =>
          (await target.describeInstances(...a)).map(({ disableApiTermination: _t, instanceInitiatedShutdownBehavior: _s, ...rest }) => rest);
      },
    }) as SimAccount;
    const result = await apply(s.plan, { port: blind, journal: s.journal, verdict: "authentic", approve: "person", retry: noSleep });
    expect(result.status).toBe("complete");
    const protectCall = s.sim.calls.filter((c) => c.method === "modifyInstanceAttribute").map((c) => c.args[1]);
    expect(protectCall).toContainEqual({ disableApiTermination: true });
    const rb = await rollback("P-1", { port: blind, journal: s.journal, retry: noSleep });
    expect(rb.status).toBe("complete");
    const [web3] = await s.sim.describeInstances(X.eu, { instanceIds: [X.web3] });
    expect(web3).toMatchObject({ disableApiTermination: true, instanceInitiatedShutdownBehavior: "stop" });
    expect(rb.steps.find((x) => x.action === "protect-termination")).toMatchObject({ status: "kept" });
  });

  it("does not undo someone else's later change to an interface: that step's rollback fails and says why", async () => {
    const s = await setup(instancesOf(X.web3));
    await s.run();
    await s.sim.setNetworkInterfaceGroups(X.eu, "eni-0e0000000000000a3", [X.sgApp]);
    const rb = await rollback("P-1", { port: s.sim, journal: s.journal });
    expect(rb.status).toBe("failed");
    const failed = rb.steps.find((x) => x.status === "failed")!;
    expect(failed.action).toBe("isolate-eni");
    expect(failed.error).toMatch(/changed by someone since/);
    expect((await s.sim.describeNetworkInterfaces(X.eu, { networkInterfaceIds: ["eni-0e0000000000000a3"] }))[0]!.groupIds).toEqual([X.sgApp]);
  });

  it("does not undo someone else's later change to an Auto Scaling group's minimum size", async () => {
    const s = await setup(instancesOf(X.web1, X.web2));
    await s.run();
    expect((await s.sim.describeAutoScalingGroups(X.eu, [X.asg]))[0]!.minSize).toBe(1);
    // The owner lowers the minimum further while the case is open.
    await s.sim.updateAutoScalingGroup(X.eu, X.asg, { minSize: 0 });
    const rb = await rollback("P-1", { port: s.sim, journal: s.journal, retry: noSleep });
    expect(rb.status).toBe("failed");
    expect(rb.steps.find((x) => x.action === "asg-lower-min")).toMatchObject({ status: "failed", error: expect.stringMatching(/MinSize of web-asg is now 0, not the 1 this plan set: changed by someone since/) });
    expect((await s.sim.describeAutoScalingGroups(X.eu, [X.asg]))[0]!.minSize).toBe(0);
  });
});

describe("the other playbooks on the simulated account", () => {
  const roundTrip = async (s: Setup) => {
    const r = await s.run();
    expect(r.status).toBe("complete");
    expect(actualWrites(s.sim)).toEqual(plannedWrites(s.plan));
    const applied = s.sim.snapshot();
    await rollback("P-1", { port: s.sim, journal: s.journal });
    expect(withoutKept(s.sim.snapshot(), s.before)).toEqual(withoutKept(s.before, s.before));
    return applied;
  };
  const rulesOf = async (sim: CloudPort, id: string) =>
    (await sim.describeSecurityGroups(X.eu, [id]))[0]!.rules.map((r) => `${r.direction} ${r.protocol} ${r.fromPort ?? ""}-${r.toPort ?? ""} ${r.cidrIpv4 ?? r.cidrIpv6 ?? r.groupId}`).sort();

  it("open proxy: 3128 closed to the world, the website and private rules untouched", async () => {
    const s = await setup(instancesOf(X.proxy), { activityType: "open_proxy", logExtract: "via 198.51.100.30:3128" });
    let during: string[] = [];
    const orig = s.run;
    s.run = async (o) => {
      const r = await orig(o);
      during = await rulesOf(s.sim, X.sgProxy);
      return r;
    };
    await roundTrip(s);
    expect(during).toEqual(["egress -1 - 0.0.0.0/0", "ingress tcp 80-80 0.0.0.0/0", "ingress tcp 8080-8080 10.0.0.0/8"]);
  });

  it("reflection: DNS closed to the world over UDP and TCP, every other UDP port still open", async () => {
    const s = await setup(instancesOf(X.dns), { activityType: "dos", activityText: "open resolver amplification", protocol: "UDP" });
    await s.run();
    expect(await rulesOf(s.sim, X.sgDns)).toEqual(["egress -1 - 0.0.0.0/0", "ingress tcp 22-22 203.0.113.0/28", "ingress udp 0-52 0.0.0.0/0", "ingress udp 54-65535 0.0.0.0/0"]);
    await rollback("P-1", { port: s.sim, journal: s.journal });
    expect(withoutKept(s.sim.snapshot(), s.before)).toEqual(withoutKept(s.before, s.before));
  });

  it("a world-open rule someone removed before apply is not brought back in pieces", async () => {
    const s = await setup(instancesOf(X.dns), { activityType: "dos", activityText: "open resolver amplification", protocol: "UDP" });
    // Between plan and apply the owner closes the world-open UDP rule themselves.
    await s.sim.revokeRules(X.eu, X.sgDns, [{ direction: "ingress", protocol: "udp", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0" }]);
    const r = await s.run();
    expect(r.status).toBe("complete");
    // The rest of what that rule allowed (udp 0-52, 54-65535) must not be opened: only tcp/53 is revoked.
    expect(await rulesOf(s.sim, X.sgDns)).toEqual(["egress -1 - 0.0.0.0/0", "ingress tcp 22-22 203.0.113.0/28"]);
  });

  it("e-mail spam: no SMTP out, everything else out still allowed", async () => {
    const s = await setup(instancesOf(X.mail), { activityType: "spam_email" });
    await s.run();
    const rules = await rulesOf(s.sim, X.sgMail);
    expect(rules.filter((r) => r.startsWith("egress"))).toEqual([
      "egress icmp - 0.0.0.0/0",
      "egress icmpv6 - ::/0",
      "egress tcp 0-24 0.0.0.0/0",
      "egress tcp 0-24 ::/0",
      "egress tcp 26-464 0.0.0.0/0",
      "egress tcp 26-464 ::/0",
      "egress tcp 466-586 0.0.0.0/0",
      "egress tcp 466-586 ::/0",
      "egress tcp 588-65535 0.0.0.0/0",
      "egress tcp 588-65535 ::/0",
      "egress udp 0-65535 0.0.0.0/0",
      "egress udp 0-65535 ::/0",
    ]);
    await rollback("P-1", { port: s.sim, journal: s.journal });
    expect(withoutKept(s.sim.snapshot(), s.before)).toEqual(withoutKept(s.before, s.before));
  });

  it("content: bucket blocked, distribution disabled, web ingress closed; all restored", async () => {
    const s = await setup(
      async (sim) => resolutionOf([await resolveInstance(sim, X.eu, X.site), await resolveBucket(sim, X.acct, X.bucket), await resolveDistribution(sim, X.acct, X.distribution)]),
      { activityType: "phishing" },
    );
    await s.run();
    expect((await s.sim.getBucket(X.acct, X.bucket))!.publicAccessBlock).toEqual({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true });
    expect((await s.sim.getDistribution(X.acct, X.distribution))!.enabled).toBe(false);
    expect(await rulesOf(s.sim, X.sgSite)).toContain("ingress tcp 81-442 0.0.0.0/0");
    await rollback("P-1", { port: s.sim, journal: s.journal });
    expect((await s.sim.getBucket(X.acct, X.bucket))!.publicAccessBlock).toBeUndefined();
    expect(withoutKept(s.sim.snapshot(), s.before)).toEqual(withoutKept(s.before, s.before));
  });

  it("content: a public access block someone changed after apply is left as they set it", async () => {
    const s = await setup(async (sim) => resolutionOf([await resolveBucket(sim, X.acct, X.bucket)]), { activityType: "phishing" });
    await s.run();
    const theirs = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false };
    await s.sim.putPublicAccessBlock(X.acct, X.bucket, theirs);
    const rb = await rollback("P-1", { port: s.sim, journal: s.journal, retry: noSleep });
    expect(rb.steps.find((x) => x.action === "block-bucket-public-access")).toMatchObject({ status: "failed", error: expect.stringMatching(/changed by someone since/) });
    expect((await s.sim.getBucket(X.acct, X.bucket))!.publicAccessBlock).toEqual(theirs);
  });

  it("credentials: the key is Inactive after apply, Active after rollback; its last use is evidence", async () => {
    const s = await setup(async (sim) => resolutionOf([await resolveKey(sim, X.acct, X.key)]), { activityType: "credentials_exposed", kind: "credentials_exposed" });
    await roundTrip(s);
    const entries = await s.journal.entries("P-1");
    expect(afterOf(s.plan, "capture-key-usage", entries).lastUsed).toEqual({ date: "2025-05-30T22:10:00Z", service: "ec2", region: "eu-west-1" });
    expect(writeCalls(s.sim).filter((c) => c.method === "setAccessKeyStatus").map((c) => c.args)).toEqual([
      [X.user, X.key, "Inactive"],
      [X.user, X.key, "Active"],
    ]);
  });

  it("a case-only plan changes nothing", async () => {
    const s = await setup(instancesOf(X.web1), { kind: "follow_up" });
    const r = await s.run();
    expect(r).toMatchObject({ status: "complete", steps: [] });
    expect(writeCalls(s.sim)).toEqual([]);
  });
});

describe("who may apply", () => {
  it("refuses a plan from a phishing or suspicious notice without a reason, and journals nothing", async () => {
    const s = await setup(instancesOf(X.web3));
    for (const verdict of ["phishing", "suspicious"] as const) {
      const err = await s.run({ verdict }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplyRefused);
      expect((err as ApplyRefused).code).toBe("verdict");
      await expect(s.run({ verdict, override: { reason: "   " } })).rejects.toMatchObject({ code: "verdict" });
    }
    expect(await s.journal.entries("P-1")).toEqual([]);
    expect(s.sim.calls).toEqual([]);
  });

  it("applies despite the verdict when a person gives a reason, which the journal keeps", async () => {
    const s = await setup(instancesOf(X.web3));
    const r = await s.run({ verdict: "suspicious", override: { reason: "confirmed by phone with AWS, case 123" }, actor: "bob" });
    expect(r.status).toBe("complete");
    expect(r.override).toBe("confirmed by phone with AWS, case 123");
    const [first] = await s.journal.entries("P-1");
    expect(first).toMatchObject({ phase: "override", stepId: null, actor: "bob", detail: { reason: "confirmed by phone with AWS, case 123", verdict: "suspicious" } });
  });

  it("automatic apply runs only for authentic notices, never overridable", async () => {
    const s = await setup(instancesOf(X.legacy));
    for (const verdict of ["unverified", "suspicious", "phishing"] as const) {
      await expect(s.run({ verdict, approve: "policy", override: { reason: "please" } })).rejects.toMatchObject({ code: "automatic-not-authentic" });
      // A plan written for a doubtful notice, whatever verdict the caller passes now, and even with its steps marked automatic.
      const doubtful = { ...s.plan, id: `P-${verdict}`, verdict, steps: s.plan.steps.map((x) => ({ ...x, autoApprovable: true })) };
      await expect(apply(doubtful, { port: s.sim, journal: s.journal, verdict: "authentic", approve: "policy" })).rejects.toMatchObject({ code: "automatic-not-authentic" });
    }
    expect(s.sim.calls).toEqual([]);
  });

  it("automatic apply runs the steps a policy rule allows and leaves the rest to a person", async () => {
    const policy = parsePolicy(`examiners: { cidrs: [203.0.113.16/28] }\nautomatic: [{ actions: [preserve] }]\n`);
    const s = await setup(instancesOf(X.legacy), {}, { policy });
    const r = await s.run({ approve: "policy", automatic: automaticSteps(policy, s.plan) });
    expect(r.status).toBe("incomplete");
    const ran = r.steps.filter((x) => x.status === "done").map((x) => x.action);
    expect(ran.sort()).toEqual(["capture-metadata", "keep-volumes", "snapshot-volumes", "tag-resources"]);
    expect(r.steps.find((x) => x.action === "isolate-eni")).toMatchObject({ status: "not-run" });
    expect(r.steps.find((x) => x.action === "create-isolation-group")!.reason).toBe("needs a person: no policy rule lets it run automatically");
    expect(writeCalls(s.sim).map((c) => c.method).sort()).toEqual(["createSnapshots", "createTags", "modifyInstanceAttribute"]);
    // A person then applies the whole plan: what ran is not run again.
    s.sim.calls.length = 0;
    const rest = await s.run();
    expect(rest.status).toBe("complete");
    expect(rest.steps.filter((x) => x.status === "already-done").map((x) => x.action).sort()).toEqual(ran.sort());
    expect(writeCalls(s.sim).map((c) => c.method)).not.toContain("createSnapshots");
  });

  it("refuses a different plan under an id already applied (an unapplied one may be replaced)", async () => {
    const s = await setup(instancesOf(X.web3));
    await s.journal.savePlan({ ...s.plan, summary: "an earlier draft" });
    await s.run();
    expect((await s.journal.getPlan("P-1"))!.summary).toBe(s.plan.summary);
    const changed = { ...s.plan, summary: "something else" };
    await expect(apply(changed, { port: s.sim, journal: s.journal, verdict: "authentic", approve: "person" })).rejects.toThrow(/different content|changed plan/);
  });
});

describe("a step that fails", () => {
  it("stops the run, says what was and was not done, and a second apply finishes it", async () => {
    const s = await setup(instancesOf(X.web1, X.legacy));
    s.sim.faults.add({ call: "autoscaling:EnterStandby", accessDenied: true });
    const r = await s.run();
    expect(r.status).toBe("failed");
    const failed = r.steps.filter((x) => x.status === "failed");
    expect(failed.map((x) => x.action)).toEqual(["asg-standby"]);
    expect(failed[0]!.error).toMatch(/access-denied: .*autoscaling:EnterStandby/);
    // Nothing that needed standby ran: web-1's interfaces are untouched.
    for (const x of r.steps.filter((x) => x.action === "isolate-eni" && x.target.includes(X.web1Eni))) expect(x).toMatchObject({ status: "not-run", reason: expect.stringMatching(/asg-standby/) });
    expect((await s.sim.describeNetworkInterfaces(X.eu, { networkInterfaceIds: [X.web1Eni] }))[0]!.groupIds).toEqual([X.sgWeb]);
    const entries = await s.journal.entries("P-1");
    const standby = s.plan.steps.find((x) => x.action === "asg-standby")!;
    expect(entries.filter((e) => e.stepId === standby.id).map((e) => e.phase)).toEqual(["started", "failed"]);
    expect(entries.find((e) => e.stepId === standby.id && e.phase === "failed")!.detail).toMatchObject({ kind: "access-denied", action: "autoscaling:EnterStandby" });

    s.sim.faults.clear();
    const done = await s.run();
    expect(done.status).toBe("complete");
    expect(s.sim.callsOf("enterStandby").filter((c) => c.outcome === "ok")).toHaveLength(1);
  });

  it("reuses a group a killed run created even when the name lookup does not show it yet", async () => {
    const s = await setup(instancesOf(X.web3));
    const iso = s.plan.steps.find((x) => x.action === "create-isolation-group")!;
    const p = iso.params as { vpcId: string; groupName: string; description: string; tags: Record<string, string> };
    // A run killed right after CreateSecurityGroup; AWS's name lookup lags behind the creation.
    const made = await s.sim.createSecurityGroup(X.eu, { vpcId: p.vpcId, groupName: p.groupName, description: p.description, tags: p.tags });
    let lagging = true;
    const port = new Proxy(s.sim, {
      get(target, prop, recv) {
        if (prop !== "findSecurityGroups") return Reflect.get(target, prop, recv);
        return async (...a: Parameters<CloudPort["findSecurityGroups"]>) => {
          const found = await target.findSecurityGroups(...a);
          if (lagging && found.some((g) => g.groupId === made)) {
            lagging = false;
            return [];
          }
          return found;
        };
      },
    }) as CloudPort;
    const r = await s.run({ port });
    expect(r.status).toBe("complete");
    expect(r.steps.find((x) => x.stepId === iso.id)!.after).toMatchObject({ groupId: made, created: false });
    expect((await s.sim.findSecurityGroups(X.eu, { vpcId: p.vpcId, groupNames: [p.groupName] })).map((g) => g.groupId)).toEqual([made]);
  });

  it("a step that fails part-way records what it had done: the state it changes, read again", async () => {
    const s = await setup(instancesOf(X.web1, X.web2), { remoteIps: X.peers });
    let n = 0;
    const port = new Proxy(s.sim, {
      get(target, prop, recv) {
        if (prop !== "createNetworkAclEntry") return Reflect.get(target, prop, recv);
        return async (...a: Parameters<CloudPort["createNetworkAclEntry"]>) => {
          if (++n === 3) throw new (await import("../../src/cloud/errors.ts")).CloudError("access-denied", "not allowed", { action: "ec2:CreateNetworkAclEntry" });
          return target.createNetworkAclEntry(...a);
        };
      },
    }) as CloudPort;
    const r = await s.run({ port });
    const step = r.steps.find((x) => x.action === "nacl-deny")!;
    expect(step.status).toBe("failed");
    const denies = (o: unknown) => (o as { entries: { ruleAction: string; ruleNumber: number; egress: boolean }[] }).entries.filter((e) => e.ruleAction === "deny" && e.ruleNumber < 10).map((e) => `${e.egress ? "out" : "in"} #${e.ruleNumber}`);
    expect(denies(step.observed)).toEqual(["in #1", "in #2"]);
    const failed = (await s.journal.entries("P-1")).find((e) => e.stepId === step.stepId && e.phase === "failed")!;
    expect(denies(failed.detail!.observed)).toEqual(["in #1", "in #2"]);
  });

  it("never leaves an interface in the all-traffic group: a failed second move is undone", async () => {
    const s = await setup(instancesOf(X.web3));
    let n = 0;
    const port = new Proxy(s.sim, {
      get(target, prop, recv) {
        if (prop === "setNetworkInterfaceGroups") {
          return async (...args: Parameters<CloudPort["setNetworkInterfaceGroups"]>) => {
            n++;
            if (n === 2) throw Object.assign(new (await import("../../src/cloud/errors.ts")).CloudError("invalid", "InvalidGroup.NotFound", { code: "InvalidGroup.NotFound" }));
            return target.setNetworkInterfaceGroups(...args);
          };
        }
        return Reflect.get(target, prop, recv);
      },
    }) as CloudPort;
    const r = await s.run({ port });
    const step = r.steps.find((x) => x.action === "isolate-eni")!;
    expect(step.status).toBe("failed");
    expect(step.reason).toMatch(/left the all-traffic group: eni-0e0000000000000a3 is back in sg-0e0000000000000a1/);
    expect((await s.sim.describeNetworkInterfaces(X.eu, { networkInterfaceIds: ["eni-0e0000000000000a3"] }))[0]!.groupIds).toEqual([X.sgWeb]);
  });
});
