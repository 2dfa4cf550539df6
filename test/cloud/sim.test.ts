/**
 * The simulator itself: the estate loader and its errors, the AWS rules of the API layer (the
 * ones the port's batching hides), fault injection and latency, the call log, snapshots, and the
 * sample estate's demo incident.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CloudError } from "../../src/cloud/errors.ts";
import { diffSnapshots, EstateError, parseEstate, SimAccount, validateEstate, VirtualClock, type EstateInput } from "../../src/cloud/sim/index.ts";
import { SAMPLE_IDS, sampleEstate, sampleEstateYaml } from "../../src/cloud/sim/generate.ts";
import { C, CONTRACT_ESTATE, expectCloudError } from "./contract.ts";

const contractState = parseEstate(readFileSync(CONTRACT_ESTATE, "utf8"), "contract.yaml").state;
const contract = (opts: ConstructorParameters<typeof SimAccount>[1] = {}) => new SimAccount(structuredClone(contractState), opts);

function tiny(over: Partial<EstateInput["accounts"][number]> = {}): EstateInput {
  return {
    version: 1,
    accounts: [
      {
        accountId: "111122223333",
        enabledRegions: ["eu-west-1"],
        regions: {
          "eu-west-1": {
            vpcs: [{ vpcId: "vpc-00000000000000001", cidrBlock: "10.0.0.0/16" }],
            subnets: [{ subnetId: "subnet-00000000000000001", vpcId: "vpc-00000000000000001", cidrBlock: "10.0.1.0/24", availabilityZone: "eu-west-1a" }],
            securityGroups: [{ groupId: "sg-00000000000000001", groupName: "a", vpcId: "vpc-00000000000000001" }],
          },
        },
        ...over,
      },
    ],
  };
}

function issuesOf(fn: () => unknown): { path: string; where?: string; message: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EstateError);
    return (e as EstateError).issues;
  }
  throw new Error("expected an EstateError");
}

describe("estate loader", () => {
  it("names the file position and estate path of every bad value", () => {
    const yaml = ["version: 1", "accounts:", "  - accountId: 12345", "    enabledRegions: [eu-west-1, mars-1]", "    regions: {}", ""].join("\n");
    const issues = issuesOf(() => parseEstate(yaml, "e.yaml"));
    expect(issues).toContainEqual({ path: "accounts[0].accountId", where: "e.yaml:3:16", message: 'account id 12345 is not 12 digits (write account ids as quoted strings: "012345678901")' });
    expect(issues).toContainEqual(expect.objectContaining({ path: "accounts[0].enabledRegions[1]", where: "e.yaml:4:33", message: "not an AWS region code (eu-west-1, us-east-1...)" }));
  });

  it("reports YAML syntax errors with their position", () => {
    const issues = issuesOf(() => parseEstate("version: 1\naccounts: [\n", "broken.yaml"));
    expect(issues[0]?.where).toMatch(/^broken\.yaml:\d+:\d+$/);
    expect(issues[0]?.message).toMatch(/^YAML: /);
  });

  it("refuses references that don't resolve, and impossible states, all at once", () => {
    const e = tiny();
    const r = e.accounts[0]!.regions!["eu-west-1"]!;
    r.instances = [
      {
        instanceId: "i-00000000000000001",
        state: "stopped",
        imageId: "ami-00000000000000001",
        launchTime: "2026-01-01T00:00:00Z",
        networkInterfaces: [
          { networkInterfaceId: "eni-00000000000000001", subnetId: "subnet-00000000000000009", privateIpAddress: "10.0.1.5", groupIds: ["sg-00000000000000001"] },
          { networkInterfaceId: "eni-00000000000000002", subnetId: "subnet-00000000000000001", privateIpAddress: "10.0.2.5", publicIp: "198.51.100.1", groupIds: ["sg-00000000000000009"], deviceIndex: 1 },
        ],
      },
    ];
    r.addresses = [{ publicIp: "198.51.100.1", allocationId: "eipalloc-00000000000000001", networkInterfaceId: "eni-0000000000000000f" }];
    r.autoScalingGroups = [{ name: "g", minSize: 2, maxSize: 4, desiredCapacity: 1, instances: [{ instanceId: "i-0000000000000000f" }] }];
    const messages = issuesOf(() => validateEstate(e, "tiny")).map((i) => `${i.path}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        "accounts[0].regions.eu-west-1.instances[0].networkInterfaces[0].subnetId: subnet subnet-00000000000000009 is not declared in 111122223333/eu-west-1",
        "accounts[0].regions.eu-west-1.instances[0].networkInterfaces[1].privateIpAddress: 10.0.2.5 is not in subnet subnet-00000000000000001 (10.0.1.0/24)",
        "accounts[0].regions.eu-west-1.instances[0].networkInterfaces[1].groupIds[0]: security group sg-00000000000000009 is not declared in 111122223333/eu-west-1",
        "accounts[0].regions.eu-west-1.instances[0].networkInterfaces[1].publicIp: a stopped instance holds no auto-assigned public IP (AWS releases it on stop); use an Elastic IP",
        "accounts[0].regions.eu-west-1.addresses[0].publicIp: public IP 198.51.100.1 is already held by eni-00000000000000002 (111122223333/eu-west-1); an address has one holder at a time",
        "accounts[0].regions.eu-west-1.addresses[0].networkInterfaceId: network interface eni-0000000000000000f is not declared in 111122223333/eu-west-1",
        "accounts[0].regions.eu-west-1.autoScalingGroups[0].desiredCapacity: needs minSize <= desiredCapacity <= maxSize (2 <= 1 <= 4)",
        "accounts[0].regions.eu-west-1.autoScalingGroups[0].instances[0].instanceId: instance i-0000000000000000f is not declared in 111122223333/eu-west-1",
      ]),
    );
  });

  it("refuses resources in a region that is not enabled", () => {
    const e = tiny({ enabledRegions: ["us-east-1"] });
    expect(issuesOf(() => validateEstate(e, "t")).map((i) => i.message)).toContain("region eu-west-1 has resources but is not in enabledRegions (us-east-1)");
  });

  it("derives what AWS derives: a default ACL with the deny rules, a group's default egress (IPv6 too when the VPC has it)", async () => {
    const e = tiny();
    const r = e.accounts[0]!.regions!["eu-west-1"]!;
    r.vpcs!.push({ vpcId: "vpc-00000000000000002", cidrBlock: "10.1.0.0/16", ipv6CidrBlocks: ["2001:db8::/56"] });
    r.securityGroups!.push({ groupId: "sg-00000000000000002", groupName: "b", vpcId: "vpc-00000000000000002" });
    const sim = SimAccount.fromEstate(e);
    const scope = { accountId: "111122223333", region: "eu-west-1" };
    const [acl] = await sim.describeNetworkAcls(scope, { subnetIds: ["subnet-00000000000000001"] });
    expect(acl?.isDefault).toBe(true);
    expect(acl?.entries.map((x) => [x.ruleNumber, x.egress, x.ruleAction])).toEqual([
      [100, false, "allow"],
      [32767, false, "deny"],
      [100, true, "allow"],
      [32767, true, "deny"],
    ]);
    const [a, b] = await sim.describeSecurityGroups(scope, ["sg-00000000000000001", "sg-00000000000000002"]);
    expect(a?.rules.map((x) => x.cidrIpv4 ?? x.cidrIpv6)).toEqual(["0.0.0.0/0"]);
    expect(b?.rules.map((x) => x.cidrIpv4 ?? x.cidrIpv6)).toEqual(["0.0.0.0/0", "::/0"]);
    const created = await sim.createSecurityGroup(scope, { vpcId: "vpc-00000000000000002", groupName: "iso", description: "iso", tags: {} });
    expect((await sim.describeSecurityGroups(scope, [created]))[0]?.rules.map((x) => x.cidrIpv4 ?? x.cidrIpv6)).toEqual(["0.0.0.0/0", "::/0"]);
  });
});

describe("AWS limits at the API layer (the port batches; AWS refuses)", () => {
  it("refuses more than 20 instance ids per Auto Scaling call and 50 per SetInstanceProtection", () => {
    const sim = contract();
    const ids21 = [...C.batch, "i-0c0000000000000a1"].slice(0, 21);
    expect(ids21).toHaveLength(21);
    for (const call of [() => sim.api.enterStandby(C.eu, C.batchAsg, [...C.batch.slice(0, 21)].concat(C.web).slice(0, 21), false), () => sim.api.exitStandby(C.eu, C.batchAsg, ids21), () => sim.api.detachInstances(C.eu, C.batchAsg, ids21, false), () => sim.api.attachInstances(C.eu, C.batchAsg, ids21)]) {
      expect(call).toThrow(CloudError);
      expect(call).toThrow(/at most 20 instance ids per call \(got 21\)/);
    }
    const ids51 = Array.from({ length: 51 }, (_, i) => `i-0c0000000000${String(i).padStart(5, "0")}`);
    expect(() => sim.api.setInstanceProtection(C.eu, C.batchAsg, ids51, true)).toThrow(/at most 50 instance ids per call \(got 51\)/);
    expect(() => sim.api.setInstanceProtection(C.eu, C.batchAsg, C.batch, true)).not.toThrow();
  });

  it("the port splits 22 ids into one call of 20 and one of 2", async () => {
    const sim = contract();
    await sim.enterStandby(C.eu, C.batchAsg, C.batch, false);
    const calls = sim.callsOf("enterStandby");
    expect(calls.map((c) => (c.args[1] as string[]).length)).toEqual([20, 2]);
    expect(calls.every((c) => c.action === "autoscaling:EnterStandby" && c.outcome === "ok")).toBe(true);
  });

  it("a write refused by AWS leaves the state as it was", async () => {
    const sim = contract();
    const before = sim.snapshot();
    await expectCloudError(sim.enterStandby(C.eu, C.asg, [C.web, C.legacy], true), "invalid", { code: "ValidationError" });
    await expectCloudError(sim.setNetworkInterfaceGroups(C.eu, C.natEni, [C.sgWeb]), "invalid", { code: "OperationNotPermitted" });
    await expectCloudError(sim.revokeRules(C.eu, C.sgWeb, [{ direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" }, { direction: "ingress", protocol: "tcp", fromPort: 1, toPort: 1, cidrIpv4: "0.0.0.0/0" }]), "not-found");
    expect(diffSnapshots(before, sim.snapshot())).toEqual([]);
  });

  it("deregistering a target without its port leaves it registered, as AWS does (and says nothing)", async () => {
    const sim = contract();
    const [tg] = await sim.targetGroupsOf(C.eu, [C.web]);
    await sim.registerTargets(C.eu, tg!.targetGroupArn, [{ id: C.web, port: 8443 }]);
    await sim.deregisterTargets(C.eu, tg!.targetGroupArn, [{ id: C.web, port: 8443 }]);
    await sim.deregisterTargets(C.eu, tg!.targetGroupArn, [{ id: C.web, port: 9999 }]);
    const [still] = await sim.targetGroupsOf(C.eu, [C.web]);
    expect(still?.targets.filter((t) => t.id === C.web).map((t) => t.port)).toEqual([443]);
  });

  it("stop protection refuses a stop; a terminated instance can't be stopped", async () => {
    const sim = contract();
    const rec = sim.state.accounts.get(C.prod)!.regions.get("eu-west-1")!.instances.get(C.web)!;
    rec.disableApiStop = true;
    await expectCloudError(sim.stopInstances(C.eu, [C.web]), "invalid", { code: "OperationNotPermitted" });
    rec.disableApiStop = false;
    rec.state = "terminated";
    await expectCloudError(sim.stopInstances(C.eu, [C.web]), "invalid", { code: "IncorrectInstanceState" });
  });

  it("writes leave CloudTrail events, newest first, as user abuse-desk", async () => {
    const sim = contract();
    await sim.createTags(C.eu, [C.web], { case: "C-1" });
    await sim.setNetworkInterfaceGroups(C.eu, C.webEni, [C.sgIsolation]);
    const events = await sim.lookupEvents(C.eu, { start: "2025-05-31T00:00:00Z", end: "2025-06-02T00:00:00Z" });
    expect(events.map((e) => [e.eventName, e.username])).toEqual([
      ["ModifyNetworkInterfaceAttribute", "abuse-desk"],
      ["CreateTags", "abuse-desk"],
    ]);
    expect(events[0]?.detail).toMatchObject({ requestParameters: { networkInterfaceId: C.webEni }, eventSource: "ec2.amazonaws.com", userIdentity: { userName: "abuse-desk" } });
  });
});

describe("faults, latency and the call log", () => {
  it("latency is deterministic: parallel calls overlap, sequential calls add up (virtual clock)", async () => {
    const clock = new VirtualClock();
    const sim = contract({ clock, latencyMs: 40, faults: [{ call: "ec2:DescribeAddresses", latencyMs: 100 }] });
    await Promise.all([sim.describeInstances(C.eu, {}), sim.describeVpcs(C.eu, [C.vpc]), sim.describeAddresses(C.eu, {})]);
    expect(clock.now()).toBe(100);
    await sim.describeInstances(C.eu, {});
    await sim.describeInstances(C.eu, {});
    expect(clock.now()).toBe(180);
    expect(sim.calls.map((c) => [c.method, c.startedAt, c.endedAt])).toEqual([
      ["describeInstances", 0, 40],
      ["describeVpcs", 0, 40],
      ["describeAddresses", 0, 100],
      ["describeInstances", 100, 140],
      ["describeInstances", 140, 180],
    ]);
  });

  it("throttling N times then success is retried inside, each attempt logged; backoff waits on the clock", async () => {
    const clock = new VirtualClock();
    const sim = contract({ clock, retry: { maxAttempts: 4, baseDelayMs: 100 }, faults: [{ call: "describeInstances", throttle: 3 }] });
    expect(await sim.describeInstances(C.eu, { instanceIds: [C.web] })).toHaveLength(1);
    expect(sim.calls.map((c) => [c.attempt, c.outcome, c.code])).toEqual([
      [1, "throttled", "RequestLimitExceeded"],
      [2, "throttled", "RequestLimitExceeded"],
      [3, "throttled", "RequestLimitExceeded"],
      [4, "ok", undefined],
    ]);
    expect(clock.now()).toBe(100 + 200 + 400);
  });

  it("faults carry the error code each service really answers with", async () => {
    const sim = contract({
      retry: { maxAttempts: 1 },
      faults: [
        { call: "lookupEvents", throttle: "always" },
        { call: "describeVpcs", accessDenied: true },
        { call: "ssmManagedInstances", accessDenied: true },
        { call: "getIamUser", throttle: "always" },
      ],
    });
    const window = { start: "2025-05-01T00:00:00Z", end: "2025-06-01T00:00:00Z" };
    await expectCloudError(sim.lookupEvents(C.eu, window), "throttled", { code: "ThrottlingException" });
    await expectCloudError(sim.describeVpcs(C.eu, [C.vpc]), "access-denied", { code: "UnauthorizedOperation", action: "ec2:DescribeVpcs" });
    await expectCloudError(sim.ssmManagedInstances(C.eu, [C.web]), "access-denied", { code: "AccessDeniedException" });
    await expectCloudError(sim.getIamUser(C.prod, "ci-contract"), "throttled", { code: "Throttling" });
  });

  it("N counts per account and region", async () => {
    const sim = contract({ retry: { maxAttempts: 1 }, faults: [{ call: "ec2:DescribeVpcs", throttle: 1 }] });
    await expectCloudError(sim.describeVpcs(C.eu, [C.vpc]), "throttled");
    await expectCloudError(sim.describeVpcs(C.use1, [C.vpc]), "throttled");
    expect(await sim.describeVpcs(C.eu, [C.vpc])).toHaveLength(1);
  });

  it("throttling that never stops surfaces as throttled after the attempts; 5xx as unavailable", async () => {
    const sim = contract({ faults: [{ call: "ec2:*", region: "us-east-1", throttle: "always" }, { call: "iam:GetUser", serverError: "always" }] });
    const e = await expectCloudError(sim.describeInstances(C.use1, {}), "throttled", { code: "RequestLimitExceeded", action: "ec2:DescribeInstances" });
    expect(e.message).toMatch(/still failing after 3 attempts/);
    expect(await sim.describeInstances(C.eu, { instanceIds: [C.web] })).toHaveLength(1);
    await expectCloudError(sim.getIamUser(C.prod, "ci-contract"), "unavailable", { code: "InternalError" });
  });

  it("access denied names the IAM action, by method name or action, per account", async () => {
    const sim = contract({ faults: [{ call: "findAccessKey", accountId: C.staging, accessDenied: true }] });
    const e = await expectCloudError(sim.findAccessKey(C.staging, C.stagingKey), "access-denied", { action: "iam:GetAccessKeyLastUsed", code: "AccessDenied" });
    expect(e.message).toBe("access denied: the caller is not authorized to perform iam:GetAccessKeyLastUsed in 444455556666");
    expect(await sim.findAccessKey(C.prod, C.key)).not.toBeNull();
    const egress = contract({ faults: [{ call: "ec2:AuthorizeSecurityGroupEgress", accessDenied: true }] });
    await egress.authorizeRules(C.eu, C.sgWeb, [{ direction: "ingress", protocol: "tcp", fromPort: 1, toPort: 1, cidrIpv4: "192.0.2.1/32" }]);
    await expectCloudError(egress.authorizeRules(C.eu, C.sgWeb, [{ direction: "egress", protocol: "tcp", fromPort: 1, toPort: 1, cidrIpv4: "192.0.2.1/32" }]), "access-denied", { action: "ec2:AuthorizeSecurityGroupEgress" });
  });

  it("faults can be added and cleared between steps", async () => {
    const sim = contract();
    sim.faults.add({ call: "*", accessDenied: true });
    await expectCloudError(sim.describeVpcs(C.eu, [C.vpc]), "access-denied");
    sim.faults.clear();
    expect(await sim.describeVpcs(C.eu, [C.vpc])).toHaveLength(1);
  });

  it("simulate() is one attempt of one SDK call, for mocks: latency, fault, log, no retry", async () => {
    const clock = new VirtualClock();
    const sim = contract({ clock, latencyMs: 25, faults: [{ call: "ec2:DescribeRegions", throttle: 1 }] });
    await expect(sim.simulate("ec2:DescribeRegions", { accountId: C.prod })).rejects.toMatchObject({ kind: "throttled", code: "RequestLimitExceeded" });
    await sim.simulate("ec2:DescribeRegions", { accountId: C.prod });
    expect(sim.calls.map((c) => [c.action, c.outcome, c.startedAt])).toEqual([
      ["ec2:DescribeRegions", "throttled", 0],
      ["ec2:DescribeRegions", "ok", 25],
    ]);
  });

  it("results are copies: changing one changes nothing in the account", async () => {
    const sim = contract();
    const [i] = await sim.describeInstances(C.eu, { instanceIds: [C.web] });
    i!.tags.Owner = "mallory";
    i!.securityGroupIds.push("sg-0ffffffffffffffff");
    const [again] = await sim.describeInstances(C.eu, { instanceIds: [C.web] });
    expect(again?.tags.Owner).toBe("alice@example.com");
    expect(again?.securityGroupIds).not.toContain("sg-0ffffffffffffffff");
  });
});

describe("snapshots", () => {
  it("a containment and its rollback leave the account equal to its state before", async () => {
    const sim = contract();
    const tgArn = (await sim.targetGroupsOf(C.eu, [C.web]))[0]!.targetGroupArn;
    const before = sim.snapshot();
    const iso = await sim.createSecurityGroup(C.eu, { vpcId: C.vpc, groupName: "isolation", description: "no traffic", tags: {} });
    await sim.revokeRules(C.eu, iso, [{ direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" }]);
    await sim.setNetworkInterfaceGroups(C.eu, C.webEni, [iso]);
    await sim.enterStandby(C.eu, C.asg, [C.web], true);
    await sim.suspendProcesses(C.eu, C.asg, ["ReplaceUnhealthy"]);
    await sim.createNetworkAclEntry(C.eu, C.privateAcl, { ruleNumber: 10, egress: true, protocol: "-1", ruleAction: "deny", cidrBlock: "0.0.0.0/0" });
    await sim.revokeRules(C.eu, C.sgWeb, [{ direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" }]);
    await sim.setAccessKeyStatus(C.prod, C.user, C.key, "Inactive");
    expect(diffSnapshots(before, sim.snapshot()).sort()).toEqual(
      [
        "accounts.111122223333.iamUsers.ci-contract.keys",
        "accounts.111122223333.regions.eu-west-1.autoScalingGroups.contract-asg.desiredCapacity",
        "accounts.111122223333.regions.eu-west-1.autoScalingGroups.contract-asg.instances",
        "accounts.111122223333.regions.eu-west-1.autoScalingGroups.contract-asg.suspendedProcesses",
        `accounts.111122223333.regions.eu-west-1.networkAcls.${C.privateAcl}.entries`,
        `accounts.111122223333.regions.eu-west-1.networkInterfaces.${C.webEni}.groupIds`,
        `accounts.111122223333.regions.eu-west-1.securityGroups.${C.sgWeb}.rules`,
        `accounts.111122223333.regions.eu-west-1.securityGroups.${iso}`,
        `accounts.111122223333.regions.eu-west-1.targetGroups.${tgArn}.targets`,
      ].sort(),
    );
    // Rollback, in reverse.
    await sim.setAccessKeyStatus(C.prod, C.user, C.key, "Active");
    await sim.authorizeRules(C.eu, C.sgWeb, [{ direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0", description: "ssh from anywhere" }]);
    await sim.deleteNetworkAclEntry(C.eu, C.privateAcl, { ruleNumber: 10, egress: true });
    await sim.resumeProcesses(C.eu, C.asg, ["ReplaceUnhealthy"]);
    await sim.exitStandby(C.eu, C.asg, [C.web]);
    await sim.setNetworkInterfaceGroups(C.eu, C.webEni, [C.sgWeb]);
    const after = sim.snapshot();
    // The isolation group stays (the port deletes nothing); everything else is as before.
    expect(diffSnapshots(before, after)).toEqual([`accounts.111122223333.regions.eu-west-1.securityGroups.${iso}`]);
    const regionAfter = after.accounts[C.prod]!.regions as Record<string, { securityGroups: Record<string, unknown> }>;
    delete regionAfter["eu-west-1"]!.securityGroups[iso];
    expect(after).toEqual(before);
  });

  it("catches a rollback that is not one: Standby without decrementing, then ExitStandby, raises the desired capacity", async () => {
    const sim = contract();
    const before = sim.snapshot();
    await sim.enterStandby(C.eu, C.asg, [C.web], false);
    await sim.exitStandby(C.eu, C.asg, [C.web]);
    expect(diffSnapshots(before, sim.snapshot())).toEqual(["accounts.111122223333.regions.eu-west-1.autoScalingGroups.contract-asg.desiredCapacity"]);
    expect((await sim.describeAutoScalingGroups(C.eu, [C.asg]))[0]?.desiredCapacity).toBe(3);
  });

  it("is a copy: changing the account later does not change a snapshot taken before", async () => {
    const sim = contract();
    const s = sim.snapshot();
    await sim.createTags(C.eu, [C.web], { x: "y" });
    expect(JSON.stringify(s)).not.toContain('"x":"y"');
  });
});

describe("the sample estate", () => {
  it("is what scripts/gen-sample-estate.ts writes, byte for byte", () => {
    expect(readFileSync(new URL("../../fixtures/estates/sample.yaml", import.meta.url), "utf8")).toBe(sampleEstateYaml());
  });

  it("holds the demo incident documented in docs/sim.md", async () => {
    const sim = SimAccount.fromEstate(sampleEstate());
    const eu = { accountId: "111122223333", region: "eu-west-1" };
    expect((await sim.accounts()).map((a) => a.accountId)).toEqual(["111122223333", "444455556666", "777788889999"]);
    expect(await sim.regions("111122223333")).toHaveLength(17);
    const [i] = await sim.describeInstances(eu, { instanceIds: [SAMPLE_IDS.instance] });
    expect(i).toMatchObject({ state: "running", publicIpAddress: "198.51.100.23", keyName: "payments-deploy", tags: { Owner: "alice@example.com", Team: "payments", Environment: "dev" } });
    expect(i?.networkInterfaceIds).toHaveLength(2);
    expect(i?.iamInstanceProfile).toMatch(/instance-profile\//);
    const [g] = await sim.autoScalingGroupsOf(eu, [SAMPLE_IDS.instance]);
    expect(g?.name).toBe("web-asg");
    expect(g?.instances).toHaveLength(3);
    const [tg] = await sim.targetGroupsOf(eu, [SAMPLE_IDS.instance]);
    expect(tg?.name).toBe("web-tg");
    expect((await sim.describeLoadBalancers(eu, { ids: tg!.loadBalancerArns }))[0]?.type).toBe("application");
    expect(await sim.ssmManagedInstances(eu, [SAMPLE_IDS.instance])).toHaveLength(1);
    const [sg] = await sim.describeSecurityGroups(eu, [SAMPLE_IDS.sg]);
    expect(sg?.rules.filter((r) => r.direction === "ingress" && r.cidrIpv4 === "0.0.0.0/0").map((r) => r.fromPort)).toEqual([22, 443]);
    expect(await sim.describeAddresses(eu, { publicIps: [SAMPLE_IDS.releasedIp] })).toEqual([]);
    const trail = await sim.lookupEvents(eu, { start: "2026-04-01T00:00:00Z", end: "2026-05-01T00:00:00Z", resourceName: SAMPLE_IDS.releasedAlloc });
    expect(trail.map((e) => e.eventName)).toEqual(["ReleaseAddress", "DisassociateAddress", "AssociateAddress", "AllocateAddress"]);
    expect(await sim.findAccessKey("111122223333", SAMPLE_IDS.key)).toMatchObject({ userName: "ci-deployer" });
    const [nat] = await sim.describeNetworkInterfaces(eu, { publicIps: [SAMPLE_IDS.natIp] });
    expect(nat).toMatchObject({ interfaceType: "nat_gateway", requesterManaged: true });
    const [proxy] = await sim.describeInstances({ accountId: "444455556666", region: "us-east-1" }, { instanceIds: [SAMPLE_IDS.proxy] });
    const [proxySg] = await sim.describeSecurityGroups({ accountId: "444455556666", region: "us-east-1" }, proxy!.securityGroupIds);
    expect(proxySg?.rules).toContainEqual(expect.objectContaining({ direction: "ingress", fromPort: 3128, cidrIpv4: "0.0.0.0/0" }));
  });
});
