import {
  DescribeAddressesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type Instance as SdkInstance,
} from "@aws-sdk/client-ec2";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { awsError, mockAws, REGION, SCOPE, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

const sdkInstance = (id: string, extra: Record<string, unknown> = {}): SdkInstance => ({
  InstanceId: id,
  State: { Name: "running" as const },
  InstanceType: "t3.micro",
  ImageId: "ami-0123456789abcdef0",
  LaunchTime: new Date("2026-01-02T03:04:05Z"),
  Placement: { AvailabilityZone: "eu-west-1a" },
  VpcId: "vpc-0aaa",
  SubnetId: "subnet-0aaa",
  PrivateIpAddress: "10.0.1.10",
  Tags: [{ Key: "owner", Value: "alice" }],
  ...extra,
}) as SdkInstance;

describe("describeInstances", () => {
  it("asks by InstanceIds, follows NextToken, and translates every field", async () => {
    aws.ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              sdkInstance("i-0aaaaaaaaaaaaaaa1", {
                PublicIpAddress: "203.0.113.10",
                KeyName: "ops",
                PlatformDetails: "Linux/UNIX",
                IamInstanceProfile: { Arn: "arn:aws:iam::111122223333:instance-profile/web" },
                RootDeviceName: "/dev/xvda",
                BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-01", DeleteOnTermination: true } }],
                // listed out of order: the primary (device 0) must come first
                NetworkInterfaces: [
                  { NetworkInterfaceId: "eni-second", Attachment: { DeviceIndex: 1 } },
                  { NetworkInterfaceId: "eni-primary", Attachment: { DeviceIndex: 0 } },
                ],
                SecurityGroups: [{ GroupId: "sg-01", GroupName: "web" }],
                InstanceLifecycle: "spot",
              }),
            ],
          },
        ],
        NextToken: "page-2",
      })
      .resolvesOnce({ Reservations: [{ Instances: [sdkInstance("i-0aaaaaaaaaaaaaaa2")] }] });
    aws.ec2.on(DescribeInstanceAttributeCommand).callsFake(async (input: { InstanceId: string; Attribute: string }) => {
      if (input.Attribute === "disableApiTermination") return { InstanceId: input.InstanceId, DisableApiTermination: { Value: true } };
      if (input.Attribute === "disableApiStop") return { InstanceId: input.InstanceId, DisableApiStop: { Value: false } };
      return { InstanceId: input.InstanceId, InstanceInitiatedShutdownBehavior: { Value: "terminate" } };
    });

    const port = testPort();
    const found = await port.describeInstances(SCOPE, { instanceIds: ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"] });

    expect(sent(aws.ec2, DescribeInstancesCommand)).toEqual([
      { InstanceIds: ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"] },
      { InstanceIds: ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"], NextToken: "page-2" },
    ]);
    expect(found.map((i) => i.instanceId)).toEqual(["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"]);
    expect(found[0]).toEqual({
      instanceId: "i-0aaaaaaaaaaaaaaa1",
      state: "running",
      instanceType: "t3.micro",
      imageId: "ami-0123456789abcdef0",
      launchTime: "2026-01-02T03:04:05.000Z",
      availabilityZone: "eu-west-1a",
      vpcId: "vpc-0aaa",
      subnetId: "subnet-0aaa",
      privateIpAddress: "10.0.1.10",
      publicIpAddress: "203.0.113.10",
      keyName: "ops",
      platform: "Linux/UNIX",
      iamInstanceProfile: "arn:aws:iam::111122223333:instance-profile/web",
      rootDeviceName: "/dev/xvda",
      blockDevices: [{ deviceName: "/dev/xvda", volumeId: "vol-01", deleteOnTermination: true }],
      networkInterfaceIds: ["eni-primary", "eni-second"],
      securityGroupIds: ["sg-01"],
      lifecycle: "spot",
      disableApiTermination: true,
      disableApiStop: false,
      instanceInitiatedShutdownBehavior: "terminate",
      tags: { owner: "alice" },
    });
    // the protections DescribeInstances does not return: one DescribeInstanceAttribute each, per named instance
    const attrs = sent(aws.ec2, DescribeInstanceAttributeCommand) as { InstanceId: string; Attribute: string }[];
    const byKey = (a: { InstanceId: string; Attribute: string }) => `${a.InstanceId} ${a.Attribute}`;
    expect([...attrs].sort((x, y) => byKey(x).localeCompare(byKey(y)))).toEqual(
      ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"].flatMap((InstanceId) =>
        ["disableApiStop", "disableApiTermination", "instanceInitiatedShutdownBehavior"].map((Attribute) => ({ InstanceId, Attribute })),
      ),
    );
  });

  it("a query by IP or subnet reads no attributes; a terminated instance has none to read", async () => {
    aws.ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [sdkInstance("i-0aaaaaaaaaaaaaaa1")] }] })
      .resolvesOnce({ Reservations: [{ Instances: [sdkInstance("i-0aaaaaaaaaaaaaaa3", { State: { Name: "terminated" } })] }] });
    const port = testPort();
    const [byIp] = await port.describeInstances(SCOPE, { publicIps: ["203.0.113.10"] });
    await port.describeInstances(SCOPE, { instanceIds: ["i-0aaaaaaaaaaaaaaa3"] });
    expect(byIp?.disableApiTermination).toBeUndefined();
    expect(aws.ec2).not.toHaveReceivedCommand(DescribeInstanceAttributeCommand);
  });

  it("an attribute the endpoint does not know (disableApiStop on an emulator) stays unknown; the others are read", async () => {
    aws.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [sdkInstance("i-0aaaaaaaaaaaaaaa1")] }] });
    aws.ec2.on(DescribeInstanceAttributeCommand).callsFake(async (input: { Attribute: string }) => {
      if (input.Attribute === "disableApiStop") throw awsError("InvalidParameterValue", "Value (disableApiStop) for parameter attribute is invalid. Unknown attribute.");
      if (input.Attribute === "disableApiTermination") return { DisableApiTermination: { Value: false } };
      return { InstanceInitiatedShutdownBehavior: { Value: "stop" } };
    });
    const [i] = await testPort().describeInstances(SCOPE, { instanceIds: ["i-0aaaaaaaaaaaaaaa1"] });
    expect([i?.disableApiTermination, i?.instanceInitiatedShutdownBehavior, i?.disableApiStop]).toEqual([false, "stop", undefined]);
  });

  it("without ec2:DescribeInstanceAttribute the instance is still found, its protections unknown", async () => {
    aws.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [sdkInstance("i-0aaaaaaaaaaaaaaa1")] }] });
    aws.ec2.on(DescribeInstanceAttributeCommand).rejects(awsError("UnauthorizedOperation", "not authorized", 403));
    const [i] = await testPort().describeInstances(SCOPE, { instanceIds: ["i-0aaaaaaaaaaaaaaa1"] });
    expect(i?.instanceId).toBe("i-0aaaaaaaaaaaaaaa1");
    expect(i?.disableApiTermination).toBeUndefined();
    expect(i?.instanceInitiatedShutdownBehavior).toBeUndefined();
  });

  it("turns publicIps, privateIps (any ENI address) and subnetIds into filters, together", async () => {
    aws.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await testPort().describeInstances(SCOPE, { publicIps: ["203.0.113.10"], privateIps: ["10.0.1.10"], subnetIds: ["subnet-0aaa"] });
    expect(sent(aws.ec2, DescribeInstancesCommand)).toEqual([
      {
        Filters: [
          { Name: "ip-address", Values: ["203.0.113.10"] },
          { Name: "network-interface.addresses.private-ip-address", Values: ["10.0.1.10"] },
          { Name: "subnet-id", Values: ["subnet-0aaa"] },
        ],
      },
    ]);
  });

  it("an empty list matches nothing and sends nothing", async () => {
    const port = testPort();
    expect(await port.describeInstances(SCOPE, { instanceIds: [] })).toEqual([]);
    expect(await port.describeInstances(SCOPE, { publicIps: [] })).toEqual([]);
    expect(aws.ec2).not.toHaveReceivedCommand(DescribeInstancesCommand);
  });

  it("a single id that does not exist is an empty answer, not an error", async () => {
    aws.ec2.on(DescribeInstancesCommand).rejects(awsError("InvalidInstanceID.NotFound", "The instance ID 'i-0deadbeefdeadbeef' does not exist"));
    expect(await testPort().describeInstances(SCOPE, { instanceIds: ["i-0deadbeefdeadbeef"] })).toEqual([]);
    expect(aws.ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
  });

  it("a list mixing existing and missing ids falls back to the instance-id filter, which returns the ones that exist", async () => {
    aws.ec2
      .on(DescribeInstancesCommand, { InstanceIds: ["i-0aaaaaaaaaaaaaaa1", "i-0deadbeefdeadbeef"] })
      .rejects(awsError("InvalidInstanceID.NotFound", "The instance ID 'i-0deadbeefdeadbeef' does not exist"))
      .on(DescribeInstancesCommand, { Filters: [{ Name: "instance-id", Values: ["i-0aaaaaaaaaaaaaaa1", "i-0deadbeefdeadbeef"] }] })
      .resolves({ Reservations: [{ Instances: [sdkInstance("i-0aaaaaaaaaaaaaaa1")] }] });
    aws.ec2.on(DescribeInstanceAttributeCommand).resolves({});
    const found = await testPort().describeInstances(SCOPE, { instanceIds: ["i-0aaaaaaaaaaaaaaa1", "i-0deadbeefdeadbeef"] });
    expect(found.map((i) => i.instanceId)).toEqual(["i-0aaaaaaaaaaaaaaa1"]);
    expect(sent(aws.ec2, DescribeInstancesCommand)).toEqual([
      { InstanceIds: ["i-0aaaaaaaaaaaaaaa1", "i-0deadbeefdeadbeef"] },
      { Filters: [{ Name: "instance-id", Values: ["i-0aaaaaaaaaaaaaaa1", "i-0deadbeefdeadbeef"] }] },
    ]);
  });

  it("a malformed id is treated like a missing one", async () => {
    aws.ec2.on(DescribeInstancesCommand).rejects(awsError("InvalidInstanceID.Malformed", "Invalid id: \"i-xyz\""));
    expect(await testPort().describeInstances(SCOPE, { instanceIds: ["i-xyz"] })).toEqual([]);
  });

  it("splits a filter of more than 200 values into several requests", async () => {
    aws.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const ips = Array.from({ length: 201 }, (_, i) => `198.51.100.${i % 250}x${i}`);
    await testPort().describeInstances(SCOPE, { publicIps: ips });
    const inputs = sent(aws.ec2, DescribeInstancesCommand) as { Filters: { Values: string[] }[] }[];
    expect(inputs.map((i) => i.Filters[0]!.Values.length)).toEqual([200, 1]);
  });
});

describe("describeAddresses", () => {
  it("asks by PublicIps and translates the association", async () => {
    aws.ec2.on(DescribeAddressesCommand).resolves({
      Addresses: [
        {
          PublicIp: "203.0.113.20",
          AllocationId: "eipalloc-01",
          Domain: "vpc",
          AssociationId: "eipassoc-01",
          InstanceId: "i-0aaaaaaaaaaaaaaa1",
          NetworkInterfaceId: "eni-primary",
          PrivateIpAddress: "10.0.1.10",
          NetworkInterfaceOwnerId: "111122223333",
          Tags: [{ Key: "team", Value: "web" }],
        },
      ],
    });
    const found = await testPort().describeAddresses(SCOPE, { publicIps: ["203.0.113.20"] });
    expect(sent(aws.ec2, DescribeAddressesCommand)).toEqual([{ PublicIps: ["203.0.113.20"] }]);
    expect(found).toEqual([
      {
        publicIp: "203.0.113.20",
        allocationId: "eipalloc-01",
        domain: "vpc",
        associationId: "eipassoc-01",
        instanceId: "i-0aaaaaaaaaaaaaaa1",
        networkInterfaceId: "eni-primary",
        privateIpAddress: "10.0.1.10",
        networkInterfaceOwnerId: "111122223333",
        tags: { team: "web" },
      },
    ]);
  });

  it("an address that is not ours (InvalidAddress.NotFound) is nothing; several fall back to the public-ip filter", async () => {
    aws.ec2
      .on(DescribeAddressesCommand, { PublicIps: ["198.51.100.1", "198.51.100.2"] })
      .rejects(awsError("InvalidAddress.NotFound", "Address '198.51.100.2' not found."))
      .on(DescribeAddressesCommand, { Filters: [{ Name: "public-ip", Values: ["198.51.100.1", "198.51.100.2"] }] })
      .resolves({ Addresses: [{ PublicIp: "198.51.100.1", AllocationId: "eipalloc-02", Domain: "vpc" }] });
    const found = await testPort().describeAddresses(SCOPE, { publicIps: ["198.51.100.1", "198.51.100.2"] });
    expect(found.map((a) => a.allocationId)).toEqual(["eipalloc-02"]);
  });

  it("only IPv4 addresses are asked for: an Elastic IP is never IPv6, and one bad value would fail the whole call", async () => {
    aws.ec2.on(DescribeAddressesCommand).callsFake(async (input: { PublicIps?: string[] }) => {
      const bad = (input.PublicIps ?? []).find((ip) => !/^\d+\.\d+\.\d+\.\d+$/.test(ip));
      if (bad) throw awsError("InvalidParameterValue", `Invalid value '${bad}' for PublicIp`);
      return { Addresses: [{ PublicIp: "203.0.113.20", AllocationId: "eipalloc-01", Domain: "vpc" }] };
    });
    const port = testPort();
    expect((await port.describeAddresses(SCOPE, { publicIps: ["2001:db8::1", "203.0.113.20"] })).map((a) => a.allocationId)).toEqual(["eipalloc-01"]);
    expect(await port.describeAddresses(SCOPE, { publicIps: ["2001:db8::1"] })).toEqual([]);
    expect(sent(aws.ec2, DescribeAddressesCommand)).toEqual([{ PublicIps: ["203.0.113.20"] }]);
  });

  it("allocation ids go in AllocationIds; instance and ENI ids are filters", async () => {
    aws.ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    const port = testPort();
    await port.describeAddresses(SCOPE, { allocationIds: ["eipalloc-01"], instanceIds: ["i-0aaaaaaaaaaaaaaa1"] });
    await port.describeAddresses(SCOPE, { networkInterfaceIds: ["eni-1", "eni-2"] });
    expect(sent(aws.ec2, DescribeAddressesCommand)).toEqual([
      { AllocationIds: ["eipalloc-01"], Filters: [{ Name: "instance-id", Values: ["i-0aaaaaaaaaaaaaaa1"] }] },
      { Filters: [{ Name: "network-interface-id", Values: ["eni-1", "eni-2"] }] },
    ]);
  });

  it("a missing allocation id (InvalidAllocationID.NotFound) is nothing", async () => {
    aws.ec2.on(DescribeAddressesCommand).rejects(awsError("InvalidAllocationID.NotFound"));
    expect(await testPort().describeAddresses(SCOPE, { allocationIds: ["eipalloc-0dead"] })).toEqual([]);
  });
});

describe("describeNetworkInterfaces", () => {
  it("finds managed ENIs by addresses.association.public-ip (any private address, not only the primary) and reads every association", async () => {
    aws.ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        {
          NetworkInterfaceId: "eni-nat",
          SubnetId: "subnet-0aaa",
          VpcId: "vpc-0aaa",
          AvailabilityZone: "eu-west-1a",
          Description: "Interface for NAT Gateway nat-01",
          // the SDK's enum spelling; the model uses AWS's answer, nat_gateway
          InterfaceType: "natGateway",
          RequesterManaged: true,
          Status: "in-use",
          MacAddress: "02:00:00:00:00:01",
          PrivateIpAddress: "10.0.0.5",
          PrivateIpAddresses: [
            { PrivateIpAddress: "10.0.0.5", Primary: true, Association: { PublicIp: "203.0.113.30", AllocationId: "eipalloc-03", IpOwnerId: "111122223333" } },
            { PrivateIpAddress: "10.0.0.6", Primary: false },
          ],
          Ipv6Addresses: [{ Ipv6Address: "2001:db8::5" }],
          Groups: [],
          SourceDestCheck: false,
          TagSet: [{ Key: "Name", Value: "nat" }],
        },
      ],
    });
    const found = await testPort().describeNetworkInterfaces(SCOPE, { publicIps: ["203.0.113.30"] });
    expect(sent(aws.ec2, DescribeNetworkInterfacesCommand)).toEqual([{ Filters: [{ Name: "addresses.association.public-ip", Values: ["203.0.113.30"] }] }]);
    expect(found).toEqual([
      {
        networkInterfaceId: "eni-nat",
        subnetId: "subnet-0aaa",
        vpcId: "vpc-0aaa",
        availabilityZone: "eu-west-1a",
        description: "Interface for NAT Gateway nat-01",
        interfaceType: "nat_gateway",
        requesterManaged: true,
        status: "in-use",
        macAddress: "02:00:00:00:00:01",
        privateIpAddress: "10.0.0.5",
        privateIpAddresses: ["10.0.0.5", "10.0.0.6"],
        ipv6Addresses: ["2001:db8::5"],
        associations: [{ publicIp: "203.0.113.30", privateIp: "10.0.0.5", allocationId: "eipalloc-03", ipOwnerId: "111122223333" }],
        groupIds: [],
        sourceDestCheck: false,
        tags: { Name: "nat" },
      },
    ]);
  });

  it("asks by NetworkInterfaceIds with the attachment.instance-id filter beside it", async () => {
    aws.ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    await testPort().describeNetworkInterfaces(SCOPE, { networkInterfaceIds: ["eni-1"], instanceIds: ["i-0aaaaaaaaaaaaaaa1"] });
    expect(sent(aws.ec2, DescribeNetworkInterfacesCommand)).toEqual([
      { NetworkInterfaceIds: ["eni-1"], Filters: [{ Name: "attachment.instance-id", Values: ["i-0aaaaaaaaaaaaaaa1"] }] },
    ]);
  });

  it("InvalidNetworkInterfaceID.NotFound for a mixed list falls back to the network-interface-id filter", async () => {
    aws.ec2
      .on(DescribeNetworkInterfacesCommand, { NetworkInterfaceIds: ["eni-1", "eni-gone"] })
      .rejects(awsError("InvalidNetworkInterfaceID.NotFound"))
      .on(DescribeNetworkInterfacesCommand, { Filters: [{ Name: "network-interface-id", Values: ["eni-1", "eni-gone"] }] })
      .resolves({ NetworkInterfaces: [{ NetworkInterfaceId: "eni-1" }] });
    const found = await testPort().describeNetworkInterfaces(SCOPE, { networkInterfaceIds: ["eni-1", "eni-gone"] });
    expect(found.map((n) => n.networkInterfaceId)).toEqual(["eni-1"]);
  });
});

describe("describeNatGateways", () => {
  it("uses NatGatewayIds and the singular Filter parameter, and follows NextToken", async () => {
    aws.ec2
      .on(DescribeNatGatewaysCommand)
      .resolvesOnce({
        NatGateways: [
          {
            NatGatewayId: "nat-01",
            VpcId: "vpc-0aaa",
            SubnetId: "subnet-0aaa",
            State: "available",
            ConnectivityType: "public",
            NatGatewayAddresses: [{ PublicIp: "203.0.113.30", PrivateIp: "10.0.0.5", AllocationId: "eipalloc-03", NetworkInterfaceId: "eni-nat" }],
            Tags: [],
          },
        ],
        NextToken: "t2",
      })
      .resolvesOnce({ NatGateways: [] });
    const found = await testPort().describeNatGateways(SCOPE, { natGatewayIds: ["nat-01"], vpcIds: ["vpc-0aaa"] });
    expect(sent(aws.ec2, DescribeNatGatewaysCommand)).toEqual([
      { NatGatewayIds: ["nat-01"], Filter: [{ Name: "vpc-id", Values: ["vpc-0aaa"] }] },
      { NatGatewayIds: ["nat-01"], Filter: [{ Name: "vpc-id", Values: ["vpc-0aaa"] }], NextToken: "t2" },
    ]);
    expect(found).toEqual([
      {
        natGatewayId: "nat-01",
        vpcId: "vpc-0aaa",
        subnetId: "subnet-0aaa",
        state: "available",
        connectivityType: "public",
        addresses: [{ publicIp: "203.0.113.30", privateIp: "10.0.0.5", allocationId: "eipalloc-03", networkInterfaceId: "eni-nat" }],
        tags: {},
      },
    ]);
  });

  it("NatGatewayNotFound for one id is nothing", async () => {
    aws.ec2.on(DescribeNatGatewaysCommand).rejects(awsError("NatGatewayNotFound"));
    expect(await testPort().describeNatGateways(SCOPE, { natGatewayIds: ["nat-0dead"] })).toEqual([]);
  });
});

describe("security groups", () => {
  const group = {
    GroupId: "sg-01",
    GroupName: "web",
    Description: "web servers",
    VpcId: "vpc-0aaa",
    IpPermissions: [
      {
        IpProtocol: "tcp",
        FromPort: 443,
        ToPort: 443,
        IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "https" }],
        Ipv6Ranges: [{ CidrIpv6: "::/0" }],
        UserIdGroupPairs: [{ GroupId: "sg-02" }],
        PrefixListIds: [{ PrefixListId: "pl-01" }],
      },
      { IpProtocol: "icmp", FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: "192.0.2.0/24" }] },
    ],
    IpPermissionsEgress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
    Tags: [{ Key: "team", Value: "web" }],
  };

  it("describeSecurityGroups flattens each peer into its own rule", async () => {
    aws.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [group] });
    const [g] = await testPort().describeSecurityGroups(SCOPE, ["sg-01"]);
    expect(sent(aws.ec2, DescribeSecurityGroupsCommand)).toEqual([{ GroupIds: ["sg-01"] }]);
    expect(g).toEqual({
      groupId: "sg-01",
      groupName: "web",
      description: "web servers",
      vpcId: "vpc-0aaa",
      rules: [
        { direction: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "https" },
        { direction: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, cidrIpv6: "::/0" },
        { direction: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, groupId: "sg-02" },
        { direction: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, prefixListId: "pl-01" },
        // ICMP "all types" (-1/-1) reads as no range, like "all ports"
        { direction: "ingress", protocol: "icmp", cidrIpv4: "192.0.2.0/24" },
        { direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" },
      ],
      tags: { team: "web" },
    });
  });

  it("InvalidGroup.NotFound for a mixed list falls back to the group-id filter", async () => {
    aws.ec2
      .on(DescribeSecurityGroupsCommand, { GroupIds: ["sg-01", "sg-gone"] })
      .rejects(awsError("InvalidGroup.NotFound"))
      .on(DescribeSecurityGroupsCommand, { Filters: [{ Name: "group-id", Values: ["sg-01", "sg-gone"] }] })
      .resolves({ SecurityGroups: [group] });
    expect((await testPort().describeSecurityGroups(SCOPE, ["sg-01", "sg-gone"])).map((g) => g.groupId)).toEqual(["sg-01"]);
  });

  it("findSecurityGroups filters by vpc-id, group-name and tags", async () => {
    aws.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    await testPort().findSecurityGroups(SCOPE, { vpcId: "vpc-0aaa", groupNames: ["abuse-desk-isolation"], tags: { "abuse-desk:case": "C-1", "abuse-desk:step": "3" } });
    expect(sent(aws.ec2, DescribeSecurityGroupsCommand)).toEqual([
      {
        Filters: [
          { Name: "vpc-id", Values: ["vpc-0aaa"] },
          { Name: "group-name", Values: ["abuse-desk-isolation"] },
          { Name: "tag:abuse-desk:case", Values: ["C-1"] },
          { Name: "tag:abuse-desk:step", Values: ["3"] },
        ],
      },
    ]);
  });
});

describe("subnets, VPCs, network ACLs, snapshots", () => {
  it("describeSubnets reads the subnet's network ACL from the ACL associations", async () => {
    aws.ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [{ SubnetId: "subnet-0aaa", VpcId: "vpc-0aaa", CidrBlock: "10.0.1.0/24", AvailabilityZone: "eu-west-1a", Tags: [{ Key: "tier", Value: "web" }] }],
    });
    aws.ec2.on(DescribeNetworkAclsCommand).resolves({
      NetworkAcls: [{ NetworkAclId: "acl-01", VpcId: "vpc-0aaa", IsDefault: false, Associations: [{ SubnetId: "subnet-0aaa" }], Entries: [] }],
    });
    const found = await testPort().describeSubnets(SCOPE, ["subnet-0aaa"]);
    expect(sent(aws.ec2, DescribeSubnetsCommand)).toEqual([{ SubnetIds: ["subnet-0aaa"] }]);
    expect(sent(aws.ec2, DescribeNetworkAclsCommand)).toEqual([{ Filters: [{ Name: "association.subnet-id", Values: ["subnet-0aaa"] }] }]);
    expect(found).toEqual([{ subnetId: "subnet-0aaa", vpcId: "vpc-0aaa", cidrBlock: "10.0.1.0/24", availabilityZone: "eu-west-1a", networkAclId: "acl-01", tags: { tier: "web" } }]);
  });

  it("describeSubnets falls back to the VPC's default ACL when no association names the subnet", async () => {
    aws.ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: "subnet-0bbb", VpcId: "vpc-0aaa" }] });
    aws.ec2
      .on(DescribeNetworkAclsCommand)
      .resolvesOnce({ NetworkAcls: [] })
      .resolvesOnce({ NetworkAcls: [{ NetworkAclId: "acl-default", VpcId: "vpc-0aaa", IsDefault: true }] });
    const [s] = await testPort().describeSubnets(SCOPE, ["subnet-0bbb"]);
    expect(sent(aws.ec2, DescribeNetworkAclsCommand)).toEqual([
      { Filters: [{ Name: "association.subnet-id", Values: ["subnet-0bbb"] }] },
      { Filters: [{ Name: "vpc-id", Values: ["vpc-0aaa"] }, { Name: "default", Values: ["true"] }] },
    ]);
    expect(s?.networkAclId).toBe("acl-default");
  });

  it("describeSubnets: a subnet that does not exist is nothing (and no ACL lookup)", async () => {
    aws.ec2.on(DescribeSubnetsCommand).rejects(awsError("InvalidSubnetID.NotFound"));
    expect(await testPort().describeSubnets(SCOPE, ["subnet-0dead"])).toEqual([]);
    expect(aws.ec2).not.toHaveReceivedCommand(DescribeNetworkAclsCommand);
  });

  it("describeVpcs, with the VPC's associated IPv6 blocks", async () => {
    aws.ec2.on(DescribeVpcsCommand).resolves({
      Vpcs: [
        {
          VpcId: "vpc-0aaa",
          CidrBlock: "10.0.0.0/16",
          IsDefault: false,
          Ipv6CidrBlockAssociationSet: [
            { Ipv6CidrBlock: "2001:db8:1::/56", Ipv6CidrBlockState: { State: "associated" } },
            { Ipv6CidrBlock: "2001:db8:2::/56", Ipv6CidrBlockState: { State: "disassociated" } },
          ],
          Tags: [],
        },
      ],
    });
    expect(await testPort().describeVpcs(SCOPE, ["vpc-0aaa"])).toEqual([{ vpcId: "vpc-0aaa", cidrBlock: "10.0.0.0/16", isDefault: false, ipv6CidrBlocks: ["2001:db8:1::/56"], tags: {} }]);
    expect(sent(aws.ec2, DescribeVpcsCommand)).toEqual([{ VpcIds: ["vpc-0aaa"] }]);
  });

  it("describeNetworkAcls by id with the subnet filter, entries translated", async () => {
    aws.ec2.on(DescribeNetworkAclsCommand).resolves({
      NetworkAcls: [
        {
          NetworkAclId: "acl-01",
          VpcId: "vpc-0aaa",
          IsDefault: true,
          Associations: [{ SubnetId: "subnet-0aaa" }],
          Entries: [
            { RuleNumber: 100, Egress: false, Protocol: "6", RuleAction: "allow", CidrBlock: "0.0.0.0/0", PortRange: { From: 443, To: 443 } },
            { RuleNumber: 32767, Egress: false, Protocol: "-1", RuleAction: "deny", CidrBlock: "0.0.0.0/0" },
          ],
          Tags: [],
        },
      ],
    });
    const acls = await testPort().describeNetworkAcls(SCOPE, { networkAclIds: ["acl-01"], subnetIds: ["subnet-0aaa"] });
    expect(sent(aws.ec2, DescribeNetworkAclsCommand)).toEqual([{ NetworkAclIds: ["acl-01"], Filters: [{ Name: "association.subnet-id", Values: ["subnet-0aaa"] }] }]);
    expect(acls[0]?.entries).toEqual([
      { ruleNumber: 100, egress: false, protocol: "6", ruleAction: "allow", cidrBlock: "0.0.0.0/0", portRange: { from: 443, to: 443 } },
      { ruleNumber: 32767, egress: false, protocol: "-1", ruleAction: "deny", cidrBlock: "0.0.0.0/0" },
    ]);
    expect(acls[0]?.subnetIds).toEqual(["subnet-0aaa"]);
  });

  it("describeSnapshots asks for the account's own snapshots only, by tags", async () => {
    aws.ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [{ SnapshotId: "snap-01", VolumeId: "vol-01", State: "completed", StartTime: new Date("2026-01-01T00:00:00Z"), Description: "case C-1", Tags: [{ Key: "abuse-desk:case", Value: "C-1" }] }],
    });
    const found = await testPort().describeSnapshots(SCOPE, { tags: { "abuse-desk:case": "C-1" } });
    expect(sent(aws.ec2, DescribeSnapshotsCommand)).toEqual([{ OwnerIds: ["self"], Filters: [{ Name: "tag:abuse-desk:case", Values: ["C-1"] }] }]);
    expect(found).toEqual([{ snapshotId: "snap-01", volumeId: "vol-01", state: "completed", startTime: "2026-01-01T00:00:00.000Z", description: "case C-1", tags: { "abuse-desk:case": "C-1" } }]);
  });
});

it("reuses one EC2 client per (account, region)", async () => {
  aws.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  const port = testPort();
  await port.describeVpcs(SCOPE, ["vpc-1"]);
  await port.describeVpcs(SCOPE, ["vpc-2"]);
  await port.describeVpcs({ ...SCOPE, region: "us-west-2" }, ["vpc-3"]);
  const clients = aws.ec2.send.thisValues as { config: { region(): Promise<string> } }[];
  const unique = [...new Set(clients)];
  expect(unique).toHaveLength(2);
  expect(await Promise.all(unique.map((c) => c.config.region()))).toEqual([REGION, "us-west-2"]);
});

describe("describeNetworkInterfaces by IPv6 address", () => {
  it("an IPv6 address is looked for among the ENIs' IPv6 addresses (every AWS IPv6 address is public), IPv4 ones by association", async () => {
    aws.ec2.on(DescribeNetworkInterfacesCommand).callsFake(async (input: { Filters?: { Name: string; Values: string[] }[] }) => {
      const f = input.Filters?.[0];
      if (f?.Name === "ipv6-addresses.ipv6-address") return { NetworkInterfaces: [{ NetworkInterfaceId: "eni-v6", Ipv6Addresses: [{ Ipv6Address: "2001:db8:1::10" }] }] };
      return { NetworkInterfaces: [{ NetworkInterfaceId: "eni-v4", PrivateIpAddresses: [{ PrivateIpAddress: "10.0.0.5", Association: { PublicIp: "203.0.113.30" } }] }] };
    });
    const found = await testPort().describeNetworkInterfaces(SCOPE, { publicIps: ["203.0.113.30", "2001:db8:1::10"] });
    expect(found.map((n) => n.networkInterfaceId).sort()).toEqual(["eni-v4", "eni-v6"]);
    expect(sent(aws.ec2, DescribeNetworkInterfacesCommand)).toEqual([
      { Filters: [{ Name: "addresses.association.public-ip", Values: ["203.0.113.30"] }] },
      { Filters: [{ Name: "ipv6-addresses.ipv6-address", Values: ["2001:db8:1::10"] }] },
    ]);
  });

  it("only IPv6 addresses: one call, by IPv6 address", async () => {
    aws.ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    await testPort().describeNetworkInterfaces(SCOPE, { publicIps: ["2001:db8:1::10"], instanceIds: ["i-0aaaaaaaaaaaaaaa1"] });
    expect(sent(aws.ec2, DescribeNetworkInterfacesCommand)).toEqual([
      { Filters: [{ Name: "ipv6-addresses.ipv6-address", Values: ["2001:db8:1::10"] }, { Name: "attachment.instance-id", Values: ["i-0aaaaaaaaaaaaaaa1"] }] },
    ]);
  });
});

describe("API emulators that lack a filter", () => {
  const enis = {
    NetworkInterfaces: [
      { NetworkInterfaceId: "eni-a", PrivateIpAddress: "10.0.0.5", PrivateIpAddresses: [{ PrivateIpAddress: "10.0.0.5", Association: { PublicIp: "203.0.113.30" } }] },
      { NetworkInterfaceId: "eni-b", PrivateIpAddress: "10.0.0.6", PrivateIpAddresses: [{ PrivateIpAddress: "10.0.0.6", Association: { PublicIp: "203.0.113.31" } }] },
    ],
  };

  it("behind an endpoint override, a filter the emulator fails on is applied here instead, and remembered", async () => {
    aws.ec2.on(DescribeNetworkInterfacesCommand).callsFake(async (input: { Filters?: unknown[] }) => {
      if (input.Filters) throw awsError("InternalError", "The filter 'addresses.association.public-ip' for DescribeNetworkInterfaces has not been implemented", 500, "server");
      return enis;
    });
    const port = testPort({ endpoints: { ec2: "http://127.0.0.1:4566" } });
    expect((await port.describeNetworkInterfaces(SCOPE, { publicIps: ["203.0.113.31"] })).map((n) => n.networkInterfaceId)).toEqual(["eni-b"]);
    expect((await port.describeNetworkInterfaces(SCOPE, { publicIps: ["203.0.113.30"] })).map((n) => n.networkInterfaceId)).toEqual(["eni-a"]);
    expect(sent(aws.ec2, DescribeNetworkInterfacesCommand)).toEqual([{ Filters: [{ Name: "addresses.association.public-ip", Values: ["203.0.113.31"] }] }, {}, {}]);
  });

  it("against AWS itself a server error is reported, never answered by listing everything", async () => {
    aws.ec2.on(DescribeNetworkInterfacesCommand).rejects(awsError("InternalError", "boom", 500, "server"));
    await expect(testPort().describeNetworkInterfaces(SCOPE, { publicIps: ["203.0.113.31"] })).rejects.toMatchObject({ kind: "unavailable" });
    expect(aws.ec2).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 1);
  });

  it("an endpoint that says the filter is invalid gets the same treatment, tags included", async () => {
    aws.ec2.on(DescribeSecurityGroupsCommand).callsFake(async (input: { Filters?: unknown[] }) => {
      if (input.Filters) throw awsError("InvalidParameterValue", "The filter 'group-name' is invalid");
      return {
        SecurityGroups: [
          { GroupId: "sg-1", GroupName: "web", VpcId: "vpc-0aaa", Tags: [{ Key: "Case", Value: "C-1" }] },
          { GroupId: "sg-2", GroupName: "web", VpcId: "vpc-0bbb", Tags: [{ Key: "Case", Value: "C-1" }] },
          { GroupId: "sg-3", GroupName: "web", VpcId: "vpc-0aaa", Tags: [] },
        ],
      };
    });
    const found = await testPort().findSecurityGroups(SCOPE, { vpcId: "vpc-0aaa", groupNames: ["web"], tags: { Case: "C-1" } });
    expect(found.map((g) => g.groupId)).toEqual(["sg-1"]);
  });
});
