import { describe, expect, it } from "vitest";
import type { NetworkAcl } from "../../src/cloud/model.ts";
import type { Plan, StepOf } from "../../src/plan/types.ts";
import { callsFor, type ActionName } from "../../src/plan/actions/index.ts";
import { planAclEntries } from "../../src/playbook/acl.ts";
import { planContainment, selectPlaybook, type NoticeFacts, type PlaybookOptions } from "../../src/playbook/index.ts";
import { defaultPolicy, parsePolicy, type Policy } from "../../src/policy/policy.ts";
import type { Resolution } from "../../src/resolve/types.ts";
import type { VerdictLevel } from "../../src/verify/types.ts";
import { newSim, notice, resolutionOf, resolveAll, resolveBucket, resolveDistribution, resolveInstance, resolveKey, X } from "../execute/helpers.ts";

const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28, '2001:db8:5::/64'] }\nhostTriage: { enabled: true }\n");

function plan(resolution: Resolution, n: Partial<NoticeFacts> = {}, o: { policy?: Policy; options?: PlaybookOptions; verdict?: VerdictLevel; caseId?: string | null } = {}): Plan {
  return planContainment({
    planId: "P-test",
    caseId: o.caseId === undefined ? "AD-2025-0001" : o.caseId,
    createdAt: "2025-06-01T12:00:00Z",
    notice: notice(n),
    verdict: o.verdict ?? "authentic",
    resolution,
    policy: o.policy ?? POLICY,
    ...(o.options ? { options: o.options } : {}),
  });
}

const hosts = (...ids: string[]) => resolveAll(newSim(), [{ scope: X.eu, ids }]);
const stepsOf = <N extends ActionName>(p: Plan, action: N) => p.steps.filter((s): s is StepOf<N> => s.action === action);
const one = <N extends ActionName>(p: Plan, action: N, target?: string): StepOf<N> => {
  const s = p.steps.filter((x): x is StepOf<N> => x.action === action && (target === undefined || x.target.id === target));
  expect(s, `${action} ${target ?? ""}`).toHaveLength(1);
  return s[0]!;
};
/** Every step this one waits for, transitively. */
function ancestors(p: Plan, id: string): Set<string> {
  const out = new Set<string>();
  const visit = (x: string) => {
    for (const d of p.steps.find((s) => s.id === x)!.dependsOn) {
      if (out.has(d)) continue;
      out.add(d);
      visit(d);
    }
  };
  visit(id);
  return out;
}

describe("compromised-host playbook", () => {
  it("keeps evidence first, takes the hosts out of service, then isolates every ENI", async () => {
    const p = plan(await hosts(X.web1, X.web2, X.legacy), { remoteIps: X.peers });
    expect(p.playbook).toBe("compromised-host");
    expect(p.refused).toEqual([]);
    const ids = p.steps.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe("01-capture-metadata-i-0e0000000000000a1");

    // Every step that touches web-1 waits for its capture; isolation waits for its snapshot,
    // for the Auto Scaling standby, and for both groups.
    const cap = one(p, "capture-metadata", X.web1).id;
    for (const s of p.steps.filter((s) => "instanceId" in s.params && s.params.instanceId === X.web1 && s.action !== "capture-metadata")) expect(ancestors(p, s.id)).toContain(cap);
    const iso = one(p, "isolate-eni", X.web1Eni);
    const before = ancestors(p, iso.id);
    for (const need of [one(p, "snapshot-volumes", X.web1).id, one(p, "asg-standby").id, one(p, "create-all-traffic-group").id, one(p, "create-isolation-group").id]) expect(before).toContain(need);

    // Protections only where missing: web-2 already stops on shutdown, legacy is already protected.
    expect(stepsOf(p, "protect-termination").map((s) => s.target.id)).toEqual([X.web1, X.web2]);
    expect(stepsOf(p, "shutdown-stop").map((s) => s.target.id)).toEqual([X.web1]);
    expect(one(p, "keep-volumes", X.web1).params).toEqual({ instanceId: X.web1, deviceNames: ["/dev/xvda"] });
    expect(p.summary).toContain("Already in place: shutdown behaviour stop on i-0e0000000000000a2; termination protection on i-0e0000000000000c1");
    expect(p.summary).toContain("Not stopped: memory is evidence");
    expect(p.summary).toContain("put 2 of them in standby in 1 Auto Scaling group(s), deregister from 2 target group(s) or classic load balancer(s)");
    expect(stepsOf(p, "stop-instance")).toEqual([]);
  });

  it("writes the exact API calls a dry run makes, with references to what earlier steps create", async () => {
    const p = plan(await hosts(X.web1, X.web2, X.legacy), { remoteIps: X.peers });
    const snap = one(p, "snapshot-volumes", X.web1);
    expect(snap.calls).toEqual([
      {
        api: "ec2:CreateSnapshots",
        params: {
          InstanceSpecification: { InstanceId: X.web1, ExcludeBootVolume: false },
          Description: "abuse-desk AD-2025-0001: i-0e0000000000000a1 as found",
          TagSpecifications: [
            {
              ResourceType: "snapshot",
              Tags: [
                { Key: "abuse-desk:case", Value: "AD-2025-0001" },
                { Key: "abuse-desk:plan", Value: "P-test" },
                { Key: "abuse-desk:step", Value: `P-test/${snap.id}` },
              ],
            },
          ],
          CopyTagsFromSource: "volume",
        },
      },
    ]);
    const all = one(p, "create-all-traffic-group");
    const isoGroup = one(p, "create-isolation-group");
    expect(isoGroup.calls.map((c) => c.api)).toEqual(["ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"]);
    expect(isoGroup.calls[1]!.params).toEqual({ GroupId: `\${${isoGroup.id}.groupId}`, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] });
    expect(isoGroup.calls[2]!.params).toEqual({
      GroupId: `\${${isoGroup.id}.groupId}`,
      IpPermissions: [
        { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "203.0.113.16/28", Description: "abuse-desk examiner access AD-2025-0001" }] },
        { IpProtocol: "tcp", FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: "2001:db8:5::/64", Description: "abuse-desk examiner access AD-2025-0001" }] },
      ],
    });
    // Host triage: HTTPS out to the VPC (the SSM interface endpoints), nothing else.
    expect(isoGroup.calls[3]!.params).toEqual({
      GroupId: `\${${isoGroup.id}.groupId}`,
      IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "10.0.0.0/16", Description: "abuse-desk host triage: SSM endpoints AD-2025-0001" }] }],
    });
    // The multi-ENI instance: each ENI separately, all-traffic group first.
    for (const eni of [X.web1Eni, X.web1Eni2]) {
      expect(one(p, "isolate-eni", eni).calls).toEqual([
        { api: "ec2:ModifyNetworkInterfaceAttribute", params: { NetworkInterfaceId: eni, Groups: [`\${${all.id}.groupId}`] } },
        { api: "ec2:ModifyNetworkInterfaceAttribute", params: { NetworkInterfaceId: eni, Groups: [`\${${isoGroup.id}.groupId}`] } },
      ]);
    }
  });

  it("takes Auto Scaling members out without replacement, lowering the minimum when it must", async () => {
    const p = plan(await hosts(X.web1, X.web2));
    expect(one(p, "asg-suspend-processes").calls).toEqual([{ api: "autoscaling:SuspendProcesses", params: { AutoScalingGroupName: X.asg, ScalingProcesses: ["ReplaceUnhealthy", "AZRebalance"] } }]);
    expect(one(p, "asg-protect-scale-in").calls).toEqual([{ api: "autoscaling:SetInstanceProtection", params: { AutoScalingGroupName: X.asg, InstanceIds: [X.web1, X.web2], ProtectedFromScaleIn: true } }]);
    // desired 3 - 2 = 1 is below min 2: the minimum goes to 1 first.
    expect(one(p, "asg-lower-min").calls).toEqual([{ api: "autoscaling:UpdateAutoScalingGroup", params: { AutoScalingGroupName: X.asg, MinSize: 1 } }]);
    const standby = one(p, "asg-standby");
    expect(standby.calls).toEqual([{ api: "autoscaling:EnterStandby", params: { AutoScalingGroupName: X.asg, InstanceIds: [X.web1, X.web2], ShouldDecrementDesiredCapacity: true } }]);
    expect(ancestors(p, standby.id)).toEqual(new Set([...stepsOf(p, "capture-metadata"), one(p, "asg-suspend-processes"), one(p, "asg-protect-scale-in"), one(p, "asg-lower-min")].map((s) => s.id)));
    // Standby deregisters from the group's own target group: no DeregisterTargets for web-tg.
    expect(stepsOf(p, "deregister-targets")).toEqual([]);
    expect(standby.changes).toContain("the group itself deregisters them from its target groups");

    const detach = plan(await hosts(X.web1), {}, { policy: parsePolicy("host: { autoScaling: detach }") });
    expect(one(detach, "asg-detach").calls[0]!.api).toBe("autoscaling:DetachInstances");
    expect(stepsOf(detach, "asg-lower-min")).toEqual([]); // 3 - 1 = 2 is not below min 2
  });

  it("deregisters from target groups and classic load balancers the group does not own", async () => {
    const p = plan(await hosts(X.legacy));
    expect(one(p, "deregister-targets").calls).toEqual([{ api: "elasticloadbalancing:DeregisterTargets", params: { TargetGroupArn: expect.stringContaining("targetgroup/legacy-tg/"), Targets: [{ Id: X.legacy, Port: 8080 }] } }]);
    expect(one(p, "deregister-classic").calls).toEqual([{ api: "elasticloadbalancing:DeregisterInstancesFromLoadBalancer", params: { LoadBalancerName: X.clb, Instances: [{ InstanceId: X.legacy }] } }]);
  });

  it("batches Auto Scaling calls by 20 and protection by 50; unbatched writes one step per instance", async () => {
    const ids = Array.from({ length: 45 }, (_, i) => `i-${String(i).padStart(17, "0")}`);
    expect(callsFor("asg-standby", { groupName: "g", instanceIds: ids }, { stepId: "s", accountId: X.acct }).map((c) => (c.params.InstanceIds as string[]).length)).toEqual([20, 20, 5]);
    expect(callsFor("asg-protect-scale-in", { groupName: "g", instanceIds: [...ids, ...ids, ...ids] }, { stepId: "s", accountId: X.acct }).map((c) => (c.params.InstanceIds as string[]).length)).toEqual([50, 50, 35]);
    const p = plan(await hosts(X.web1, X.web2), {}, { options: { batch: false } });
    expect(stepsOf(p, "asg-standby").map((s) => s.params.instanceIds)).toEqual([[X.web1], [X.web2]]);
    expect(stepsOf(p, "asg-protect-scale-in")).toHaveLength(2);
    expect(stepsOf(p, "tag-resources")).toHaveLength(2);
  });

  it("stops only when asked, after the snapshots and the isolation", async () => {
    const p = plan(await hosts(X.web1), {}, { options: { stop: true } });
    const stop = one(p, "stop-instance", X.web1);
    expect(stop.calls).toEqual([{ api: "ec2:StopInstances", params: { InstanceIds: [X.web1] } }]);
    expect(stop.risk).toBe("high");
    const before = ancestors(p, stop.id);
    for (const s of [...stepsOf(p, "isolate-eni"), one(p, "snapshot-volumes")]) expect(before).toContain(s.id);
    expect(plan(await hosts(X.web1), {}, { policy: parsePolicy("host: { stop: true }") }).steps.some((s) => s.action === "stop-instance")).toBe(true);
  });

  it("denies the reported peers in the shared subnet's ACL, below its first allow rule", async () => {
    const p = plan(await hosts(X.web1, X.web2), { remoteIps: ["192.0.2.44", "2001:db8:9::7"] });
    const nacl = one(p, "nacl-deny");
    expect(nacl.params.entries).toEqual([
      { ruleNumber: 1, egress: false, protocol: "-1", ruleAction: "deny", cidrBlock: "192.0.2.44/32" },
      { ruleNumber: 2, egress: false, protocol: "-1", ruleAction: "deny", ipv6CidrBlock: "2001:db8:9::7/128" },
      { ruleNumber: 1, egress: true, protocol: "-1", ruleAction: "deny", cidrBlock: "192.0.2.44/32" },
      { ruleNumber: 2, egress: true, protocol: "-1", ruleAction: "deny", ipv6CidrBlock: "2001:db8:9::7/128" },
    ]);
    // Evidence first, as for the isolation: the ACL waits for each host's capture and snapshots.
    expect(nacl.dependsOn).toEqual([X.web1, X.web2].flatMap((h) => [one(p, "capture-metadata", h).id, one(p, "snapshot-volumes", h).id]));
    // One host per subnet: the default policy ("multi-host") plans no ACL; "traffic must stop now" does, first, waiting for nothing.
    expect(stepsOf(plan(await hosts(X.web1), { remoteIps: X.peers }), "nacl-deny")).toEqual([]);
    const urgent = plan(await hosts(X.web1), { remoteIps: X.peers }, { options: { urgent: true } });
    expect(urgent.steps[0]!.action).toBe("nacl-deny");
    expect(urgent.steps[0]!.dependsOn).toEqual([]);
    expect(stepsOf(plan(await hosts(X.web1, X.web2), { remoteIps: X.peers }, { policy: parsePolicy("networkAcl: { use: never }") }), "nacl-deny")).toEqual([]);
    const none = plan(await hosts(X.web1, X.web2), { remoteIps: [] });
    expect(stepsOf(none, "nacl-deny")).toEqual([]);
    expect(none.warnings.join("\n")).toMatch(/names no remote peer.*cannot single out a host of its own subnet/s);
  });

  it("keeps ACL denies within the rule quota and before the first allow", () => {
    const acl = (entries: NetworkAcl["entries"]): NetworkAcl => ({ networkAclId: "acl-1", vpcId: "vpc-1", isDefault: false, subnetIds: [], entries, tags: {} });
    const deny = { ruleNumber: 32767, egress: false, protocol: "-1", ruleAction: "deny" as const, cidrBlock: "0.0.0.0/0" };
    const full = acl([...Array.from({ length: 18 }, (_, i) => ({ ruleNumber: 100 + i, egress: false, protocol: "-1", ruleAction: "allow" as const, cidrBlock: `10.${i}.0.0/16` })), deny]);
    expect(planAclEntries(full, ["192.0.2.1"], 20).problem).toBeNull(); // 18 + default + 1 = 20
    expect(planAclEntries(full, ["192.0.2.1", "192.0.2.2"], 20).problem).toMatch(/exceed the quota of 20/);
    const tight = acl([{ ruleNumber: 1, egress: false, protocol: "-1", ruleAction: "allow", cidrBlock: "0.0.0.0/0" }, deny]);
    expect(planAclEntries(tight, ["192.0.2.1"], 20).problem).toMatch(/no free rule number below its first inbound allow rule \(1\)/);
    const gaps = acl([{ ruleNumber: 1, egress: false, protocol: "-1", ruleAction: "deny", cidrBlock: "198.18.0.0/15" }, { ruleNumber: 3, egress: false, protocol: "-1", ruleAction: "allow", cidrBlock: "0.0.0.0/0" }, deny]);
    expect(planAclEntries(gaps, ["192.0.2.1"], 20).entries.filter((e) => !e.egress).map((e) => e.ruleNumber)).toEqual([2]);
  });

  it("is a pure function of its input", async () => {
    const r = await hosts(X.web1, X.web2, X.legacy);
    expect(plan(r, { remoteIps: X.peers })).toEqual(plan(structuredClone(r), { remoteIps: X.peers }));
  });
});

describe("what the policy refuses", () => {
  it("names protected resources in refused and plans nothing for them", async () => {
    const p = plan(await hosts(X.protected, X.web3));
    expect(p.refused).toEqual([{ target: X.protected, reason: "tagged abuse-desk:protected=true (protected by the policy)" }]);
    expect(p.steps.some((s) => JSON.stringify(s.params).includes(X.protected))).toBe(false);
    const byId = plan(await hosts(X.web3), {}, { policy: parsePolicy(`protected: { ids: [${X.web3}] }`) });
    expect(byId.refused[0]!.reason).toMatch(/listed in the policy's protected ids/);
    expect(byId.steps).toEqual([]);
  });

  it("refuses an instance whose Auto Scaling group is protected: isolating it would let the group kill it", async () => {
    const r = await hosts(X.web1);
    const res = r.findings[0]!.resources[0]!;
    if (res.type === "ec2-instance") res.autoScalingGroup!.tags = { "abuse-desk:protected": "true" };
    expect(plan(r).refused[0]!.reason).toMatch(/Auto Scaling group web-asg is tagged abuse-desk:protected=true.*terminate it/);
  });

  it("refuses a host one of whose interfaces is protected: isolating it would change that interface", async () => {
    const r = await hosts(X.web1, X.web3);
    const res = r.findings[0]!.resources[0]!;
    if (res.type === "ec2-instance") res.interfaces.find((e) => e.networkInterfaceId === X.web1Eni2)!.tags = { "abuse-desk:protected": "true" };
    const p = plan(r);
    expect(p.refused).toEqual([{ target: X.web1, reason: expect.stringMatching(/network interface eni-0e0000000000000a9 is tagged abuse-desk:protected=true.*leave the host connected/) }]);
    expect(p.steps.some((s) => JSON.stringify(s.params).includes(X.web1))).toBe(false);
    expect(stepsOf(p, "isolate-eni").map((s) => s.target.id)).toEqual(["eni-0e0000000000000a3"]);
  });

  it("leaves a protected target group alone, and says the host stays registered", async () => {
    const p = plan(await hosts(X.legacy), {}, { policy: parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\nprotected: { ids: [legacy-tg] }") });
    expect(stepsOf(p, "deregister-targets")).toEqual([]);
    expect(p.warnings.join()).toMatch(/i-0e0000000000000c1 stays registered with target group legacy-tg: legacy-tg is listed in the policy's protected ids/);
    expect(stepsOf(p, "deregister-classic")).toHaveLength(1);
  });

  it("counts stand-alone interfaces against the blast radius too", async () => {
    const sim = newSim();
    const r = await resolveAll(sim, [{ scope: X.eu, ids: [X.web1, X.web2] }]);
    for (const id of ["eni-0e0000000000000a3", "eni-0e0000000000000c1"]) {
      const [eni] = await sim.describeNetworkInterfaces(X.eu, { networkInterfaceIds: [id] });
      const networkInterface = { ...eni!, securityGroups: await sim.describeSecurityGroups(X.eu, eni!.groupIds) };
      r.findings.push(...resolutionOf([{ ...X.eu, type: "network-interface", id, networkInterface, ownership: {}, tags: eni!.tags }]).findings);
    }
    expect(stepsOf(plan(r, {}, { policy: parsePolicy("blastRadius: { maxInstances: 4 }") }), "isolate-eni")).toHaveLength(5);
    // Interfaces alone do not say whether their VPC has IPv6: the step says what that means for the dry run.
    const enisOnly = plan(resolutionOf(r.findings.slice(2).flatMap((f) => f.resources)));
    expect(one(enisOnly, "create-isolation-group").changes).toMatch(/IPv6 too if the VPC has an IPv6 block, which this plan could not read/);
    const p = plan(r, {}, { policy: parsePolicy("blastRadius: { maxInstances: 3 }") });
    expect(p.steps).toEqual([]);
    expect(p.refused.map((x) => x.target)).toEqual([X.web1, X.web2, "eni-0e0000000000000a3", "eni-0e0000000000000c1"]);
    expect(p.warnings.join()).toMatch(/4 hosts \(2 instances, 2 stand-alone network interfaces\) exceed the limit of 3/);
  });

  it("refuses every instance beyond the blast radius, planning none of them", async () => {
    const p = plan(await hosts(X.web1, X.web2, X.web3), {}, { policy: parsePolicy("blastRadius: { maxInstances: 2 }") });
    expect(p.steps).toEqual([]);
    expect(p.refused.map((r) => r.target)).toEqual([X.web1, X.web2, X.web3]);
    expect(p.warnings.join()).toMatch(/3 instances exceed the limit of 2; none is planned/);
  });

  it("plans nothing for an address that changed hands, and says what was not found", async () => {
    const r = await hosts(X.web3);
    r.findings.push(
      { ref: { type: "public-ip", id: "198.51.100.99", publicIp: "198.51.100.99" }, status: "moved", summary: "held by i-0old until 10:00, now by i-0new", resources: [], searched: [] },
      { ref: { type: "ec2-instance", id: "i-0ffffffffffffffff" }, status: "not-found", summary: "in 1 account, 2 regions", resources: [], searched: [] },
    );
    const p = plan(r);
    expect(p.refused[0]).toEqual({ target: "198.51.100.99", reason: expect.stringMatching(/^moved: .*the current holder is not the reported resource/) });
    expect(p.warnings.join()).toContain("i-0ffffffffffffffff: not found");
  });

  it("marks steps automatic only where a rule covers the action and every touched resource's tags, for authentic notices", async () => {
    const policy = parsePolicy(`examiners: { cidrs: [203.0.113.16/28] }\nautomatic:\n  - { playbooks: [compromised-host], actions: [isolate], tags: { env: dev } }\n`);
    const r = await hosts(X.legacy, X.web1);
    const p = plan(r, {}, { policy });
    expect(one(p, "isolate-eni", "eni-0e0000000000000c1").autoApprovable).toBe(true);
    expect(one(p, "capture-metadata", X.legacy).autoApprovable).toBe(true);
    expect(one(p, "isolate-eni", X.web1Eni).autoApprovable).toBe(false);
    // The VPC's groups serve a prod host too: a person decides.
    expect(one(p, "create-isolation-group").autoApprovable).toBe(false);
    expect(plan(await hosts(X.legacy), {}, { policy }).steps.every((s) => s.autoApprovable)).toBe(true);
    expect(plan(await hosts(X.legacy), {}, { policy, verdict: "unverified" }).steps.some((s) => s.autoApprovable)).toBe(false);
    const other = parsePolicy(`automatic: [{ playbooks: [open-proxy], actions: [isolate] }]`);
    expect(plan(await hosts(X.legacy), {}, { policy: other }).steps.some((s) => s.autoApprovable)).toBe(false);
  });

  it("makes a step that changes a shared resource automatic only if the rule covers that resource too", async () => {
    const policy = parsePolicy(`examiners: { cidrs: [203.0.113.16/28] }\nautomatic:\n  - { actions: [isolate, restrict-ports], tags: { env: dev } }\n`);
    const dev = async (...ids: string[]) => {
      const r = await hosts(...ids);
      for (const res of r.findings.flatMap((f) => f.resources)) if (res.type === "ec2-instance") res.instance.tags = { ...res.instance.tags, env: "dev" };
      return r;
    };
    const resource = <T>(r: Resolution, get: (i: Extract<Resolution["findings"][number]["resources"][number], { type: "ec2-instance" }>) => T): T[] =>
      r.findings.flatMap((f) => f.resources).flatMap((x) => (x.type === "ec2-instance" ? [get(x)] : []));

    // Two dev hosts share a subnet: the ACL deny reaches every host of it, so the ACL must be dev too.
    const r = await dev(X.web1, X.web2);
    const p = plan(r, { remoteIps: X.peers }, { policy });
    expect(one(p, "nacl-deny").autoApprovable).toBe(false);
    expect(one(p, "asg-suspend-processes").autoApprovable).toBe(false);
    expect(one(p, "asg-lower-min").autoApprovable).toBe(false);
    expect(one(p, "asg-standby").autoApprovable).toBe(true);
    for (const acl of resource(r, (i) => i.networkAcl!)) acl.tags = { ...acl.tags, env: "dev" };
    for (const asg of resource(r, (i) => i.autoScalingGroup!)) asg.tags = { ...asg.tags, env: "dev" };
    const covered = plan(r, { remoteIps: X.peers }, { policy });
    expect((["nacl-deny", "asg-suspend-processes", "asg-lower-min"] as const).map((a) => one(covered, a).autoApprovable)).toEqual([true, true, true]);

    // A security group change reaches every interface using the group.
    const proxy = await dev(X.proxy);
    const n = { activityType: "open_proxy" as const, logExtract: "via 198.51.100.30:3128" };
    expect(one(plan(proxy, n, { policy }), "revoke-open-ingress").autoApprovable).toBe(false);
    for (const sg of resource(proxy, (i) => i.interfaces[0]!.securityGroups[0]!)) sg.tags = { ...sg.tags, env: "dev" };
    expect(one(plan(proxy, n, { policy }), "revoke-open-ingress").autoApprovable).toBe(true);
  });

  it("warns on a phishing or unverified verdict", async () => {
    expect(plan(await hosts(X.web3), {}, { verdict: "phishing" }).warnings.join()).toMatch(/judged phishing: applying this plan is refused unless a person overrides/);
    expect(plan(await hosts(X.web3), {}, { verdict: "unverified" }).warnings.join()).toMatch(/only a person can apply/);
  });
});

describe("playbooks that keep the service up", () => {
  it("open proxy: revokes the world-open proxy port the notice names, keeps the web and the private rules", async () => {
    const p = plan(await hosts(X.proxy), { activityType: "open_proxy", activityText: "operating an open proxy", logExtract: "CONNECT via 198.51.100.30:3128 at 10:00" });
    expect(p.playbook).toBe("open-proxy");
    const s = one(p, "revoke-open-ingress", X.sgProxy);
    expect(s.params.revoke).toEqual([{ direction: "ingress", protocol: "tcp", fromPort: 3128, toPort: 3128, cidrIpv4: "0.0.0.0/0", description: "squid" }]);
    expect(s.params.add).toEqual([]);
    // A revoke names the rule by what it allows: no description (the adapter sends none).
    expect(s.calls).toEqual([{ api: "ec2:RevokeSecurityGroupIngress", params: { GroupId: X.sgProxy, IpPermissions: [{ IpProtocol: "tcp", FromPort: 3128, ToPort: 3128, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] } }]);
    expect(p.steps.map((x) => x.action)).toEqual(["capture-metadata", "revoke-open-ingress", "tag-resources"]);
    const web = plan(await hosts(X.proxy), { activityType: "spam_web", logExtract: "POST through 198.51.100.30:80" });
    expect(web.warnings.join()).toMatch(/proxy answers on the web port\(s\) 80.*ProxyRequests Off/);
    expect(one(web, "revoke-open-ingress").params.revoke).toHaveLength(1); // 3128 only: 80 stays open
  });

  it("reflection: splits a world-open all-ports UDP rule around 53 and revokes DNS over TCP", async () => {
    const n = { activityType: "dos" as const, activityText: "open DNS resolver used for amplification", protocol: "UDP" };
    expect(selectPlaybook(notice(n), { instances: [], buckets: [], distributions: [] }).name).toBe("reflection");
    expect(selectPlaybook(notice({ activityType: "dos", activityText: "outbound SYN flood" }), { instances: [], buckets: [], distributions: [] }).name).toBe("compromised-host");
    const p = plan(await hosts(X.dns), n);
    const s = one(p, "revoke-open-ingress", X.sgDns);
    expect(s.params.revoke).toEqual([
      { direction: "ingress", protocol: "udp", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0", description: "everything udp" },
      { direction: "ingress", protocol: "tcp", fromPort: 53, toPort: 53, cidrIpv4: "0.0.0.0/0" },
    ]);
    expect((s.params.add as { fromPort: number; toPort: number; protocol: string }[]).map((r) => `${r.protocol} ${r.fromPort}-${r.toPort}`)).toEqual(["udp 0-52", "udp 54-65535"]);
    expect(s.calls.map((c) => c.api)).toEqual(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"]); // make before break
  });

  it("e-mail spam: replaces world-open egress by rules without SMTP, IPv4 and IPv6", async () => {
    const p = plan(await hosts(X.mail), { activityType: "spam_email" });
    expect(p.playbook).toBe("email-spam");
    const s = one(p, "block-smtp-egress", X.sgMail);
    expect(s.params.revoke).toEqual([
      { direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" },
      { direction: "egress", protocol: "-1", cidrIpv6: "::/0" },
    ]);
    const add = (s.params.add as { protocol: string; fromPort: number; toPort: number; cidrIpv4?: string; cidrIpv6?: string }[]).map((r) => `${r.protocol} ${r.fromPort}-${r.toPort} ${r.cidrIpv4 ?? r.cidrIpv6}`);
    expect(add).toEqual([
      "tcp 0-24 0.0.0.0/0",
      "tcp 26-464 0.0.0.0/0",
      "tcp 466-586 0.0.0.0/0",
      "tcp 588-65535 0.0.0.0/0",
      "udp 0-65535 0.0.0.0/0",
      "icmp -1--1 0.0.0.0/0",
      "tcp 0-24 ::/0",
      "tcp 26-464 ::/0",
      "tcp 466-586 ::/0",
      "tcp 588-65535 ::/0",
      "udp 0-65535 ::/0",
      "icmpv6 -1--1 ::/0",
    ]);
    expect(p.warnings.join()).toMatch(/only TCP, UDP and ICMP afterwards/);
  });
});

describe("security group rule quota", () => {
  // The quota is 60 rules per direction for IPv4 and, separately, 60 for IPv6.
  const withEgress = async (v4: number, v6: number) => {
    const r = await hosts(X.mail);
    const res = r.findings[0]!.resources[0]!;
    if (res.type !== "ec2-instance") throw new Error("not an instance");
    const sg = res.interfaces[0]!.securityGroups[0]!;
    for (let i = 0; i < v4; i++) sg.rules.push({ ruleId: `sgr-4${i}`, direction: "egress", protocol: "tcp", fromPort: 8000 + i, toPort: 8000 + i, cidrIpv4: `10.1.${i}.0/24` });
    for (let i = 0; i < v6; i++) sg.rules.push({ ruleId: `sgr-6${i}`, direction: "egress", protocol: "tcp", fromPort: 8000 + i, toPort: 8000 + i, cidrIpv6: `2001:db8:${i}::/48` });
    return plan(r, { activityType: "spam_email" }).warnings.join("\n");
  };

  it("counts IPv4 and IPv6 rules separately, as AWS does", async () => {
    // 6 IPv4 and 6 IPv6 rules replace the two world-open ones: 36 and 34, under 60 each (70 together).
    expect(await withEgress(30, 28)).not.toMatch(/quota/);
    expect(await withEgress(56, 0)).toMatch(/sg-0e0000000000000b3 would hold 62 IPv4 egress rules, above the default quota of 60 per address family/);
  });
});

describe("content, credentials, case-only", () => {
  it("content: preserves, then takes it offline where it is served, flagged for the owner", async () => {
    const sim = newSim();
    const r = resolutionOf([await resolveInstance(sim, X.eu, X.site), await resolveBucket(sim, X.acct, X.bucket), await resolveDistribution(sim, X.acct, X.distribution)]);
    const p = plan(r, { activityType: "phishing", destinationUrls: ["https://incident-assets.s3.amazonaws.com/login.html"] });
    expect(p.playbook).toBe("content");
    expect(p.steps.map((s) => s.action)).toEqual([
      "capture-metadata",
      "protect-termination",
      "keep-volumes",
      "snapshot-volumes",
      "close-web-ingress",
      "tag-resources",
      "capture-bucket",
      "block-bucket-public-access",
      "capture-distribution",
      "disable-distribution",
    ]);
    const web = one(p, "close-web-ingress");
    expect(web.params.revoke).toEqual([{ direction: "ingress", protocol: "tcp", fromPort: 80, toPort: 443, cidrIpv4: "0.0.0.0/0" }]);
    expect(web.params.add).toEqual([expect.objectContaining({ protocol: "tcp", fromPort: 81, toPort: 442, cidrIpv4: "0.0.0.0/0" })]);
    expect(ancestors(p, web.id)).toContain(one(p, "snapshot-volumes").id);
    expect(one(p, "capture-bucket").params.urls).toEqual(["https://incident-assets.s3.amazonaws.com/login.html"]);
    expect(one(p, "block-bucket-public-access").dependsOn).toEqual([one(p, "capture-bucket").id]);
    expect(one(p, "disable-distribution").calls.map((c) => c.api)).toEqual(["cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution"]);
    expect(p.warnings.join()).toMatch(/Owner review: flagged for the owner's review/);
  });

  it("content on an Auto Scaling member: says the group may still terminate it, and does not claim otherwise", async () => {
    const p = plan(await hosts(X.web1), { activityType: "phishing" });
    expect(p.playbook).toBe("content");
    expect(stepsOf(p, "asg-standby")).toEqual([]);
    expect(p.warnings.join()).toMatch(/i-0e0000000000000a1 is in Auto Scaling group web-asg, which this playbook leaves as it is: .*the group terminates the instance/);
    expect(one(p, "protect-termination").reason).not.toMatch(/handled below/);
    expect(one(plan(await hosts(X.web1)), "protect-termination").reason).toMatch(/handled below/);
  });

  it("credentials: captures the last use, then deactivates (never deletes)", async () => {
    const r = resolutionOf([await resolveKey(newSim(), X.acct, X.key)]);
    const p = plan(r, { activityType: "credentials_exposed", kind: "credentials_exposed" });
    expect(p.playbook).toBe("credentials");
    expect(p.steps.map((s) => [s.action, s.dependsOn.length])).toEqual([
      ["capture-key-usage", 0],
      ["deactivate-access-key", 1],
    ]);
    expect(one(p, "deactivate-access-key").calls).toEqual([{ api: "iam:UpdateAccessKey", params: { UserName: X.user, AccessKeyId: X.key, Status: "Inactive" } }]);
    expect(JSON.stringify(p)).not.toMatch(/DeleteAccessKey/);
    // the hint names the command that investigates it, for this case (a plan without a case: CASE)
    expect(p.warnings).toContainEqual(expect.stringContaining("abuse-desk investigate AD-2025-0001 --only credentials,trail"));
    expect(plan(r, { activityType: "credentials_exposed", kind: "credentials_exposed" }, { caseId: null }).warnings).toContainEqual(expect.stringContaining("abuse-desk investigate CASE --only credentials,trail"));
  });

  it("follow-ups, reminders and resolved notices change the case only", async () => {
    for (const kind of ["follow_up", "final_notification", "resolved"] as const) {
      const p = plan(await hosts(X.web1), { kind });
      expect(p.playbook).toBe("case-only");
      expect(p.steps).toEqual([]);
      expect(p.summary).toMatch(/No change to any account/);
    }
    const crawl = plan(await hosts(X.web1), { activityType: "crawling" });
    expect(crawl.steps).toEqual([]);
    expect(crawl.warnings.join()).toMatch(/no playbook acts on crawling by itself/);
  });

  it("a person may choose the playbook", async () => {
    const p = plan(await hosts(X.web3), { activityType: "crawling" }, { options: { playbook: "compromised-host" } });
    expect(p.playbook).toBe("compromised-host");
    expect(p.summary).toContain("chosen by a person");
    expect(stepsOf(p, "isolate-eni")).toHaveLength(1);
  });

  it("names what the chosen playbook does not cover", async () => {
    const sim = newSim();
    const r = resolutionOf([await resolveInstance(sim, X.eu, X.web3), await resolveKey(sim, X.acct, X.key)]);
    expect(plan(r).warnings.join()).toMatch(/Not covered by the compromised-host playbook: 1 keys \(AKIA2INCIDENTKEY0001\)/);
  });

  it("without a case, names its groups after the plan", async () => {
    const p = plan(await hosts(X.web3), {}, { caseId: null, policy: defaultPolicy() });
    expect(one(p, "create-isolation-group").params.groupName).toBe("abuse-desk-isolation-P-test");
    expect(p.warnings.join()).toMatch(/No examiner CIDRs in the policy/);
  });
});
