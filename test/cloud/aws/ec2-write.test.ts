import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclEntryCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DeleteNetworkAclEntryCommand,
  DescribeInstanceAttributeCommand,
  GetConsoleOutputCommand,
  GetConsoleScreenshotCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CloudError } from "../../../src/cloud/errors.ts";
import { awsError, mockAws, SCOPE, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

const I = "i-0aaaaaaaaaaaaaaa1";

describe("instance attributes", () => {
  it("termination protection, shutdown behaviour and DeleteOnTermination are one call each", async () => {
    aws.ec2.on(ModifyInstanceAttributeCommand).resolves({});
    const port = testPort();
    await port.modifyInstanceAttribute(SCOPE, I, { disableApiTermination: true });
    await port.modifyInstanceAttribute(SCOPE, I, { instanceInitiatedShutdownBehavior: "stop" });
    await port.modifyInstanceAttribute(SCOPE, I, {
      blockDeviceDeleteOnTermination: [
        { deviceName: "/dev/xvda", deleteOnTermination: false },
        { deviceName: "/dev/sdf", deleteOnTermination: false },
      ],
    });
    expect(sent(aws.ec2, ModifyInstanceAttributeCommand)).toEqual([
      { InstanceId: I, DisableApiTermination: { Value: true } },
      { InstanceId: I, InstanceInitiatedShutdownBehavior: { Value: "stop" } },
      {
        InstanceId: I,
        BlockDeviceMappings: [
          { DeviceName: "/dev/xvda", Ebs: { DeleteOnTermination: false } },
          { DeviceName: "/dev/sdf", Ebs: { DeleteOnTermination: false } },
        ],
      },
    ]);
  });

  it("a write to an instance that does not exist is not-found", async () => {
    aws.ec2.on(ModifyInstanceAttributeCommand).rejects(awsError("InvalidInstanceID.NotFound"));
    await expect(testPort().modifyInstanceAttribute(SCOPE, I, { disableApiTermination: true })).rejects.toMatchObject({ kind: "not-found", code: "InvalidInstanceID.NotFound" });
  });
});

describe("evidence", () => {
  it("CreateSnapshots: every volume, crash-consistent, tagged with the case, volume tags copied", async () => {
    aws.ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: "snap-01", VolumeId: "vol-01" }, { SnapshotId: "snap-02", VolumeId: "vol-02" }] });
    const out = await testPort().createSnapshots(SCOPE, I, { description: "abuse-desk case C-1 evidence", tags: { "abuse-desk:step": "3", "abuse-desk:case": "C-1" } });
    expect(sent(aws.ec2, CreateSnapshotsCommand)).toEqual([
      {
        InstanceSpecification: { InstanceId: I, ExcludeBootVolume: false },
        Description: "abuse-desk case C-1 evidence",
        TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "abuse-desk:case", Value: "C-1" }, { Key: "abuse-desk:step", Value: "3" }] }],
        CopyTagsFromSource: "volume",
      },
    ]);
    expect(out).toEqual([
      { snapshotId: "snap-01", volumeId: "vol-01" },
      { snapshotId: "snap-02", volumeId: "vol-02" },
    ]);
  });

  it("GetConsoleOutput asks for the latest output and decodes it", async () => {
    aws.ec2.on(GetConsoleOutputCommand).resolves({ InstanceId: I, Output: Buffer.from("login: root\n").toString("base64") });
    expect(await testPort().getConsoleOutput(SCOPE, I)).toBe("login: root\n");
    expect(sent(aws.ec2, GetConsoleOutputCommand)).toEqual([{ InstanceId: I, Latest: true }]);
  });

  it("GetConsoleOutput retries without Latest where the instance type can't give it", async () => {
    aws.ec2.on(GetConsoleOutputCommand).callsFake(async (input: { Latest?: boolean }) => {
      if (input.Latest) throw awsError("UnsupportedOperation", "Latest is only supported on Nitro instances");
      return { Output: Buffer.from("boot").toString("base64") };
    });
    expect(await testPort().getConsoleOutput(SCOPE, I)).toBe("boot");
    expect(sent(aws.ec2, GetConsoleOutputCommand)).toEqual([{ InstanceId: I, Latest: true }, { InstanceId: I }]);
  });

  it("no console output, or no such instance, is null", async () => {
    aws.ec2.on(GetConsoleOutputCommand).resolvesOnce({ InstanceId: I }).rejectsOnce(awsError("InvalidInstanceID.NotFound"));
    const port = testPort();
    expect(await port.getConsoleOutput(SCOPE, I)).toBeNull();
    expect(await port.getConsoleOutput(SCOPE, I)).toBeNull();
  });

  it("GetConsoleScreenshot never wakes the instance; unsupported is null", async () => {
    aws.ec2.on(GetConsoleScreenshotCommand).resolvesOnce({ ImageData: "/9j/4AAQ" }).rejectsOnce(awsError("UnsupportedOperation"));
    const port = testPort();
    expect(await port.getConsoleScreenshot(SCOPE, I)).toBe("/9j/4AAQ");
    expect(await port.getConsoleScreenshot(SCOPE, I)).toBeNull();
    expect(sent(aws.ec2, GetConsoleScreenshotCommand)).toEqual([
      { InstanceId: I, WakeUp: false },
      { InstanceId: I, WakeUp: false },
    ]);
  });

  it("behind an emulator without GetConsoleScreenshot there is simply no screenshot", async () => {
    aws.ec2.on(GetConsoleScreenshotCommand).rejects(awsError("InternalError", "not implemented", 500, "server"));
    expect(await testPort({ endpoints: { ec2: "http://127.0.0.1:4566" } }).getConsoleScreenshot(SCOPE, I)).toBeNull();
    await expect(testPort().getConsoleScreenshot(SCOPE, I)).rejects.toMatchObject({ kind: "unavailable" });
  });

  it("user data is DescribeInstanceAttribute userData, kept base64", async () => {
    aws.ec2.on(DescribeInstanceAttributeCommand).resolvesOnce({ UserData: { Value: "IyEvYmluL3NoCg==" } }).resolvesOnce({ UserData: {} });
    const port = testPort();
    expect(await port.getUserData(SCOPE, I)).toBe("IyEvYmluL3NoCg==");
    expect(await port.getUserData(SCOPE, I)).toBeNull();
    expect(sent(aws.ec2, DescribeInstanceAttributeCommand)).toEqual([
      { InstanceId: I, Attribute: "userData" },
      { InstanceId: I, Attribute: "userData" },
    ]);
  });
});

describe("stop and start", () => {
  it("a plain stop (no Force, no Hibernate) and start", async () => {
    aws.ec2.on(StopInstancesCommand).resolves({}).on(StartInstancesCommand).resolves({});
    const port = testPort();
    await port.stopInstances(SCOPE, [I, "i-0aaaaaaaaaaaaaaa2"]);
    await port.startInstances(SCOPE, [I]);
    expect(sent(aws.ec2, StopInstancesCommand)).toEqual([{ InstanceIds: [I, "i-0aaaaaaaaaaaaaaa2"] }]);
    expect(sent(aws.ec2, StartInstancesCommand)).toEqual([{ InstanceIds: [I] }]);
  });
});

describe("isolation: security groups and ENIs", () => {
  it("CreateSecurityGroup tags the group as it is created", async () => {
    aws.ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: "sg-0iso" });
    const id = await testPort().createSecurityGroup(SCOPE, { vpcId: "vpc-0aaa", groupName: "abuse-desk-isolation-C-1", description: "isolation", tags: { "abuse-desk:case": "C-1" } });
    expect(id).toBe("sg-0iso");
    expect(sent(aws.ec2, CreateSecurityGroupCommand)).toEqual([
      {
        GroupName: "abuse-desk-isolation-C-1",
        Description: "isolation",
        VpcId: "vpc-0aaa",
        TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "abuse-desk:case", Value: "C-1" }] }],
      },
    ]);
  });

  it("revoking the default egress of a new group removes the IPv4 and the IPv6 all-traffic rules in one call", async () => {
    aws.ec2.on(RevokeSecurityGroupEgressCommand).resolves({ Return: true });
    await testPort().revokeRules(SCOPE, "sg-0iso", [
      { direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" },
      { direction: "egress", protocol: "-1", cidrIpv6: "::/0" },
    ]);
    expect(sent(aws.ec2, RevokeSecurityGroupEgressCommand)).toEqual([
      {
        GroupId: "sg-0iso",
        IpPermissions: [
          { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
          { IpProtocol: "-1", Ipv6Ranges: [{ CidrIpv6: "::/0" }] },
        ],
      },
    ]);
    expect(aws.ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
  });

  it("authorizes each peer kind, ingress and egress in one call per direction", async () => {
    aws.ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true }).on(AuthorizeSecurityGroupEgressCommand).resolves({ Return: true });
    await testPort().authorizeRules(SCOPE, "sg-0iso", [
      { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "198.51.100.7/32", description: "examiner" },
      { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "2001:db8::7/128" },
      { direction: "ingress", protocol: "-1", groupId: "sg-0bastion" },
      { direction: "ingress", protocol: "icmp", cidrIpv4: "198.51.100.7/32" },
      { direction: "egress", protocol: "tcp", fromPort: 443, toPort: 443, prefixListId: "pl-0ssm" },
      { direction: "egress", protocol: "udp", cidrIpv4: "10.0.0.2/32" },
    ]);
    expect(sent(aws.ec2, AuthorizeSecurityGroupIngressCommand)).toEqual([
      {
        GroupId: "sg-0iso",
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "198.51.100.7/32", Description: "examiner" }] },
          { IpProtocol: "tcp", FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: "2001:db8::7/128" }] },
          { IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: "sg-0bastion" }] },
          { IpProtocol: "icmp", FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: "198.51.100.7/32" }] },
        ],
      },
    ]);
    expect(sent(aws.ec2, AuthorizeSecurityGroupEgressCommand)).toEqual([
      {
        GroupId: "sg-0iso",
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: "pl-0ssm" }] },
          // "all ports" for UDP is the explicit range AWS wants
          { IpProtocol: "udp", FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: "10.0.0.2/32" }] },
        ],
      },
    ]);
  });

  it("revoking world-open ingress sends the rules without their descriptions", async () => {
    aws.ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
    await testPort().revokeRules(SCOPE, "sg-01", [{ direction: "ingress", protocol: "udp", fromPort: 53, toPort: 53, cidrIpv4: "0.0.0.0/0", description: "dns" }]);
    expect(sent(aws.ec2, RevokeSecurityGroupIngressCommand)).toEqual([
      { GroupId: "sg-01", IpPermissions: [{ IpProtocol: "udp", FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] },
    ]);
  });

  it("a rule already there is refused as AWS refuses it (InvalidPermission.Duplicate), in one call", async () => {
    aws.ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(awsError("InvalidPermission.Duplicate", "the specified rule already exists"));
    const rule = { direction: "ingress" as const, protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "198.51.100.7/32" };
    await expect(testPort().authorizeRules(SCOPE, "sg-0iso", [rule])).rejects.toMatchObject({ kind: "invalid", code: "InvalidPermission.Duplicate" });
    expect(aws.ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 1);
  });

  it("a revoke AWS answers with UnknownIpPermissions is not-found, naming the missing rule", async () => {
    aws.ec2.on(RevokeSecurityGroupIngressCommand).resolves({
      Return: false,
      UnknownIpPermissions: [{ IpProtocol: "tcp", FromPort: 8443, ToPort: 8443, IpRanges: [{ CidrIp: "192.0.2.0/24" }] }],
    });
    const e = await testPort()
      .revokeRules(SCOPE, "sg-01", [{ direction: "ingress", protocol: "tcp", fromPort: 8443, toPort: 8443, cidrIpv4: "192.0.2.0/24" }])
      .catch((err: unknown) => err);
    expect(e).toMatchObject({ kind: "not-found", code: "InvalidPermission.NotFound" });
    expect((e as Error).message).toContain("tcp/8443-8443 192.0.2.0/24");
  });

  it("a rule without a peer is refused before any call", async () => {
    await expect(testPort().authorizeRules(SCOPE, "sg-01", [{ direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22 }])).rejects.toBeInstanceOf(CloudError);
    expect(aws.ec2).not.toHaveReceivedAnyCommand();
  });

  it("moves every ENI of a multi-ENI instance: one ModifyNetworkInterfaceAttribute per ENI with its full group list", async () => {
    aws.ec2.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    const port = testPort();
    // all-traffic group first (tracked connections become untracked), then the isolation group
    for (const eni of ["eni-primary", "eni-second"]) await port.setNetworkInterfaceGroups(SCOPE, eni, ["sg-0alltraffic"]);
    for (const eni of ["eni-primary", "eni-second"]) await port.setNetworkInterfaceGroups(SCOPE, eni, ["sg-0iso"]);
    // rollback restores each ENI's own groups
    await port.setNetworkInterfaceGroups(SCOPE, "eni-primary", ["sg-01", "sg-02"]);
    await port.setNetworkInterfaceGroups(SCOPE, "eni-second", ["sg-03"]);
    expect(sent(aws.ec2, ModifyNetworkInterfaceAttributeCommand)).toEqual([
      { NetworkInterfaceId: "eni-primary", Groups: ["sg-0alltraffic"] },
      { NetworkInterfaceId: "eni-second", Groups: ["sg-0alltraffic"] },
      { NetworkInterfaceId: "eni-primary", Groups: ["sg-0iso"] },
      { NetworkInterfaceId: "eni-second", Groups: ["sg-0iso"] },
      { NetworkInterfaceId: "eni-primary", Groups: ["sg-01", "sg-02"] },
      { NetworkInterfaceId: "eni-second", Groups: ["sg-03"] },
    ]);
  });

  it("CreateTags tags many resources in one call, keys sorted", async () => {
    aws.ec2.on(CreateTagsCommand).resolves({});
    await testPort().createTags(SCOPE, [I, "eni-primary", "vol-01"], { "abuse-desk:case": "C-1", "abuse-desk:action": "isolated" });
    expect(sent(aws.ec2, CreateTagsCommand)).toEqual([
      {
        Resources: [I, "eni-primary", "vol-01"],
        Tags: [
          { Key: "abuse-desk:action", Value: "isolated" },
          { Key: "abuse-desk:case", Value: "C-1" },
        ],
      },
    ]);
  });
});

describe("network ACL entries", () => {
  it("creates deny entries for a host, inbound and outbound, and deletes them on rollback", async () => {
    aws.ec2.on(CreateNetworkAclEntryCommand).resolves({}).on(DeleteNetworkAclEntryCommand).resolves({});
    const port = testPort();
    await port.createNetworkAclEntry(SCOPE, "acl-01", { ruleNumber: 10, egress: false, protocol: "-1", ruleAction: "deny", cidrBlock: "10.0.1.10/32" });
    await port.createNetworkAclEntry(SCOPE, "acl-01", { ruleNumber: 10, egress: true, protocol: "6", ruleAction: "deny", cidrBlock: "10.0.1.10/32", portRange: { from: 25, to: 25 } });
    await port.createNetworkAclEntry(SCOPE, "acl-01", { ruleNumber: 11, egress: false, protocol: "58", ruleAction: "deny", ipv6CidrBlock: "2001:db8::10/128" });
    await port.deleteNetworkAclEntry(SCOPE, "acl-01", { ruleNumber: 10, egress: false });
    expect(sent(aws.ec2, CreateNetworkAclEntryCommand)).toEqual([
      { NetworkAclId: "acl-01", RuleNumber: 10, Egress: false, Protocol: "-1", RuleAction: "deny", CidrBlock: "10.0.1.10/32" },
      { NetworkAclId: "acl-01", RuleNumber: 10, Egress: true, Protocol: "6", RuleAction: "deny", CidrBlock: "10.0.1.10/32", PortRange: { From: 25, To: 25 } },
      { NetworkAclId: "acl-01", RuleNumber: 11, Egress: false, Protocol: "58", RuleAction: "deny", Ipv6CidrBlock: "2001:db8::10/128", IcmpTypeCode: { Type: -1, Code: -1 } },
    ]);
    expect(sent(aws.ec2, DeleteNetworkAclEntryCommand)).toEqual([{ NetworkAclId: "acl-01", RuleNumber: 10, Egress: false }]);
  });
});
