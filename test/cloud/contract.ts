/**
 * The cloud contract: what every CloudPort implementation does, checked on one known estate
 * (fixtures/estates/contract.yaml). The simulated account runs it in sim.contract.test.ts; the AWS
 * adapter runs it with aws-sdk-client-mock handlers that answer from a SimAccount loaded from the
 * same file (their tests call `cloudContract("aws", setup)`).
 *
 * How to run it on an implementation: `setup(options)` returns a fresh port over the contract
 * estate (fresh for every test: write tests change it). When `options.faults` is given, the port
 * must see those faults exactly as the simulator injects them (a SimAccount's `faults`, or the
 * same rules applied by the mocks through `SimAccount.simulate`). The suite touches nothing but
 * the port, and checks errors by CloudError kind, IAM action and AWS error code.
 */
import { evidenceContract } from "./contract-evidence.ts";
import { describe, expect, it } from "vitest";
import { CloudError, type CloudErrorKind } from "../../src/cloud/errors.ts";
import type { Scope } from "../../src/cloud/model.ts";
import type { CloudPort } from "../../src/cloud/port.ts";
import type { FaultRule } from "../../src/cloud/sim/faults.ts";
import { logsContract } from "./contract-logs.ts";
import { credentialContract } from "./contract-iam.ts";
import { stsContract } from "./contract-sts.ts";
import { fleetContract } from "./contract-fleet.ts";
import { trailContract } from "./contract-trail.ts";
import { instanceProfileContract } from "./contract-profile.ts";
import { postureContract } from "./contract-posture.ts";
import { accessContract } from "./contract-access.ts";
import type { SimState } from "../../src/cloud/sim/state.ts";
import { ssmContract } from "./contract-ssm.ts";

export const CONTRACT_ESTATE = new URL("../../fixtures/estates/contract.yaml", import.meta.url).pathname;

export interface ContractSetupOptions {
  faults?: FaultRule[];
  /** Changes the contract estate's state before the port is made (both implementations see the change). */
  mutate?: (state: SimState) => void;
}
export interface ContractTarget {
  port: CloudPort;
}

/** The ids the suite relies on (all in fixtures/estates/contract.yaml). */
export const C = {
  prod: "111122223333",
  staging: "444455556666",
  locked: "777788889999",
  unknownAccount: "999999999999",
  eu: { accountId: "111122223333", region: "eu-west-1" } as Scope,
  use1: { accountId: "111122223333", region: "us-east-1" } as Scope,
  stagingUse1: { accountId: "444455556666", region: "us-east-1" } as Scope,
  disabled: { accountId: "111122223333", region: "ap-south-1" } as Scope,
  vpc: "vpc-0c000000000000001",
  otherVpc: "vpc-0c000000000000002",
  subnetA: "subnet-0c000000000000001",
  subnetB: "subnet-0c000000000000002",
  privateSubnet: "subnet-0c000000000000003",
  privateAcl: "acl-0c000000000000001",
  sgWeb: "sg-0c0000000000000a1",
  sgDb: "sg-0c0000000000000a2",
  sgAlb: "sg-0c0000000000000a3",
  sgIsolation: "sg-0c0000000000000a4",
  sgOtherVpc: "sg-0c0000000000000f2",
  web: "i-0c0000000000000a1",
  webEni: "eni-0c0000000000000a1",
  webEni2: "eni-0c0000000000000a2",
  webIp: "198.51.100.10",
  legacy: "i-0c0000000000000b2",
  legacyEip: "203.0.113.10",
  legacyAlloc: "eipalloc-0c0000000000000b2",
  stopped: "i-0c0000000000000c3",
  asgPeer: "i-0c0000000000000d4",
  natId: "nat-0c000000000000001",
  natEni: "eni-0c0000000000000f1",
  natIp: "203.0.113.20",
  natAlloc: "eipalloc-0c0000000000000f1",
  spareIp: "203.0.113.99",
  spareAlloc: "eipalloc-0c0000000000000f9",
  lambdaEni: "eni-0c0000000000000f3",
  spareEni: "eni-0c0000000000000f4",
  albIp: "198.51.100.30",
  albEni: "eni-0c0000000000000e1",
  clbIp: "198.51.100.32",
  asg: "contract-asg",
  batchAsg: "batch-asg",
  batch: Array.from({ length: 22 }, (_, i) => `i-0c00000000000b${String(i + 1).padStart(3, "0")}`),
  tgName: "contract-tg",
  albName: "contract-alb",
  clbName: "contract-clb",
  key: "AKIA2CONTRACTKEY0001",
  inactiveKey: "AKIA2CONTRACTKEY0002",
  stagingKey: "AKIA2CONTRACTKEY0003",
  user: "ci-contract",
  bucket: "contract-bucket",
  distribution: "E1CONTRACT0001",
  snapshot: "snap-0c000000000000001",
  useast1Instance: "i-0c0000000000000e5",
  useast1Eni: "eni-0c0000000000000e5",
  secondaryEip: "203.0.113.40",
  secondaryAlloc: "eipalloc-0c0000000000000e5",
  useast1Ipv6: "2001:db8:c0::e5",
  stagingInstance: "i-0c0000000000000f6",
};

const PAB_ON = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

/** Awaits a rejection and checks it is a CloudError of this kind (and AWS code / IAM action when given). */
export async function expectCloudError(p: Promise<unknown>, kind: CloudErrorKind, more: { code?: string; action?: string } = {}): Promise<CloudError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a CloudError ${kind}`).toBeInstanceOf(CloudError);
  const e = caught as CloudError;
  expect(e.kind, e.message).toBe(kind);
  if (more.code !== undefined) expect(e.code, e.message).toBe(more.code);
  if (more.action !== undefined) expect(e.action, e.message).toBe(more.action);
  return e;
}

export function cloudContract(name: string, setup: (opts: ContractSetupOptions) => Promise<ContractTarget>): void {
  const port = async (opts: ContractSetupOptions = {}) => (await setup(opts)).port;

  describe(`cloud contract: ${name}`, () => {
    credentialContract(() => port());
    stsContract(() => port());
    fleetContract(() => port());
    trailContract(() => port());
    instanceProfileContract(() => port());
    postureContract(port);
    accessContract(port);
    describe("accounts and regions", () => {
      it("lists every account it can reach", async () => {
        const ids = (await (await port()).accounts()).map((a) => a.accountId);
        expect(ids).toEqual(expect.arrayContaining([C.prod, C.staging]));
      });
      it("lists the regions enabled for an account", async () => {
        const p = await port();
        expect([...(await p.regions(C.prod))].sort()).toEqual(["eu-west-1", "us-east-1"]);
        expect([...(await p.regions(C.staging))].sort()).toEqual(["eu-west-1", "us-east-1"]);
      });
      it("refuses an unknown account as unknown-account", async () => {
        const p = await port();
        await expectCloudError(p.regions(C.unknownAccount), "unknown-account");
        await expectCloudError(p.describeInstances({ accountId: C.unknownAccount, region: "eu-west-1" }, { instanceIds: [C.web] }), "unknown-account");
      });
      it("says access denied, naming sts:AssumeRole, for an account it can't enter", async () => {
        const p = await port();
        await expectCloudError(p.describeInstances({ accountId: C.locked, region: "us-east-1" }, {}), "access-denied", { action: "sts:AssumeRole" });
      });
      it("refuses a region that is not enabled as region-disabled", async () => {
        const p = await port();
        const e = await expectCloudError(p.describeInstances(C.disabled, { instanceIds: [C.web] }), "region-disabled");
        expect(e.region).toBe("ap-south-1");
        await expectCloudError(p.describeAddresses(C.disabled, { publicIps: [C.webIp] }), "region-disabled");
      });
    });

    describe("instances", () => {
      it("describes an instance with several ENIs: primary first, public IP of the primary, groups of all", async () => {
        const [i] = await (await port()).describeInstances(C.eu, { instanceIds: [C.web] });
        expect(i).toMatchObject({
          instanceId: C.web,
          state: "running",
          instanceType: "t3.small",
          imageId: "ami-0c000000000000001",
          keyName: "contract-key",
          iamInstanceProfile: "arn:aws:iam::111122223333:instance-profile/web-role",
          vpcId: C.vpc,
          subnetId: C.subnetA,
          privateIpAddress: "10.0.1.10",
          publicIpAddress: C.webIp,
          availabilityZone: "eu-west-1a",
          networkInterfaceIds: [C.webEni, C.webEni2],
          tags: { Name: "web-1", Owner: "alice@example.com", Team: "payments", Environment: "prod" },
        });
        expect(new Date(i!.launchTime).toISOString()).toBe("2025-05-20T08:00:00.000Z");
        expect([...i!.securityGroupIds].sort()).toEqual([C.sgWeb, C.sgDb].sort());
        expect(i!.blockDevices.map((b) => [b.deviceName, b.volumeId, b.deleteOnTermination])).toEqual([
          ["/dev/xvda", "vol-0c0000000000000a1", true],
          ["/dev/xvdf", "vol-0c0000000000000a2", false],
        ]);
      });
      it("returns only the ids that exist (an unknown id is no error)", async () => {
        const p = await port();
        expect(await p.describeInstances(C.eu, { instanceIds: ["i-0ffffffffffffffff"] })).toEqual([]);
        const got = await p.describeInstances(C.eu, { instanceIds: ["i-0ffffffffffffffff", C.legacy] });
        expect(got.map((i) => i.instanceId)).toEqual([C.legacy]);
      });
      it("finds an instance by its public IP, an Elastic IP included, and not by a NAT gateway's", async () => {
        const p = await port();
        expect((await p.describeInstances(C.eu, { publicIps: [C.webIp] })).map((i) => i.instanceId)).toEqual([C.web]);
        const [legacy] = await p.describeInstances(C.eu, { publicIps: [C.legacyEip] });
        expect(legacy?.instanceId).toBe(C.legacy);
        expect(legacy?.publicIpAddress).toBe(C.legacyEip);
        expect(await p.describeInstances(C.eu, { publicIps: [C.natIp] })).toEqual([]);
        expect(await p.describeInstances(C.eu, { publicIps: ["192.0.2.250"] })).toEqual([]);
      });
      it("filters by private IP and subnet, and ANDs the filters", async () => {
        const p = await port();
        expect((await p.describeInstances(C.eu, { privateIps: ["10.0.1.11"] })).map((i) => i.instanceId)).toEqual([C.web]);
        const inB = (await p.describeInstances(C.eu, { subnetIds: [C.subnetB] })).map((i) => i.instanceId).sort();
        expect(inB).toEqual([C.legacy, C.asgPeer].sort());
        expect(await p.describeInstances(C.eu, { subnetIds: [C.subnetB], instanceIds: [C.web] })).toEqual([]);
      });
      it("an empty filter list matches nothing", async () => {
        const p = await port();
        expect(await p.describeInstances(C.eu, { instanceIds: [] })).toEqual([]);
        expect(await p.describeInstances(C.eu, { publicIps: [] })).toEqual([]);
      });
      it("a stopped instance holds no auto-assigned public IP", async () => {
        const [i] = await (await port()).describeInstances(C.eu, { instanceIds: [C.stopped] });
        expect(i?.state).toBe("stopped");
        expect(i?.publicIpAddress).toBeUndefined();
      });
      it("keeps regions apart", async () => {
        const p = await port();
        expect(await p.describeInstances(C.use1, { instanceIds: [C.web] })).toEqual([]);
        expect((await p.describeInstances(C.use1, { instanceIds: [C.useast1Instance] })).length).toBe(1);
        expect((await p.describeInstances(C.stagingUse1, { publicIps: ["198.51.100.60"] }))[0]?.instanceId).toBe(C.stagingInstance);
      });
    });

    describe("addresses and network interfaces", () => {
      it("describes an associated Elastic IP with its instance, ENI and private IP", async () => {
        const [a] = await (await port()).describeAddresses(C.eu, { publicIps: [C.legacyEip] });
        expect(a).toMatchObject({ publicIp: C.legacyEip, allocationId: C.legacyAlloc, domain: "vpc", instanceId: C.legacy, networkInterfaceId: "eni-0c0000000000000b2", privateIpAddress: "10.0.2.20" });
        expect(a?.associationId).toMatch(/^eipassoc-/);
      });
      it("describes an unassociated Elastic IP without association", async () => {
        const [a] = await (await port()).describeAddresses(C.eu, { allocationIds: [C.spareAlloc] });
        expect(a?.publicIp).toBe(C.spareIp);
        expect(a?.associationId).toBeUndefined();
        expect(a?.instanceId).toBeUndefined();
        expect(a?.networkInterfaceId).toBeUndefined();
      });
      it("finds the Elastic IP of a NAT gateway on its ENI, with no instance", async () => {
        const [a] = await (await port()).describeAddresses(C.eu, { publicIps: [C.natIp] });
        expect(a).toMatchObject({ allocationId: C.natAlloc, networkInterfaceId: C.natEni });
        expect(a?.instanceId).toBeUndefined();
      });
      it("finds Elastic IPs by instance and by ENI", async () => {
        const p = await port();
        expect((await p.describeAddresses(C.eu, { instanceIds: [C.legacy] })).map((a) => a.publicIp)).toEqual([C.legacyEip]);
        expect((await p.describeAddresses(C.eu, { networkInterfaceIds: [C.natEni] })).map((a) => a.publicIp)).toEqual([C.natIp]);
        expect(await p.describeAddresses(C.eu, { instanceIds: [C.web] })).toEqual([]);
        expect(await p.describeAddresses(C.eu, { publicIps: [C.webIp] })).toEqual([]);
        expect(await p.describeAddresses(C.eu, { allocationIds: ["eipalloc-0ffffffffffffffff"] })).toEqual([]);
      });
      it("finds the ENI holding a public IP: an instance's, a NAT gateway's, a load balancer's", async () => {
        const p = await port();
        const [web] = await p.describeNetworkInterfaces(C.eu, { publicIps: [C.webIp] });
        expect(web).toMatchObject({ networkInterfaceId: C.webEni, requesterManaged: false, attachment: { instanceId: C.web, deviceIndex: 0 } });
        expect(web?.associations).toEqual([expect.objectContaining({ publicIp: C.webIp, privateIp: "10.0.1.10" })]);
        expect(web?.associations[0]?.allocationId).toBeUndefined();

        const [nat] = await p.describeNetworkInterfaces(C.eu, { publicIps: [C.natIp] });
        expect(nat).toMatchObject({ networkInterfaceId: C.natEni, interfaceType: "nat_gateway", requesterManaged: true });
        expect(nat?.attachment?.instanceId).toBeUndefined();
        expect(nat?.description).toContain(C.natId);
        expect(nat?.associations[0]).toMatchObject({ publicIp: C.natIp, allocationId: C.natAlloc });

        const [alb] = await p.describeNetworkInterfaces(C.eu, { publicIps: [C.albIp] });
        expect(alb).toMatchObject({ networkInterfaceId: C.albEni, requesterManaged: true });
        expect(alb?.description).toMatch(/^ELB app\/contract-alb\//);

        const [clb] = await p.describeNetworkInterfaces(C.eu, { publicIps: [C.clbIp] });
        expect(clb?.description).toBe("ELB contract-clb");
        expect(await p.describeNetworkInterfaces(C.eu, { publicIps: ["192.0.2.250"] })).toEqual([]);
      });
      it("finds the ENI of an Elastic IP on a secondary private address; the instance's own public IP stays the primary's", async () => {
        const p = await port();
        const [eni] = await p.describeNetworkInterfaces(C.use1, { publicIps: [C.secondaryEip] });
        expect(eni).toMatchObject({ networkInterfaceId: C.useast1Eni, attachment: { instanceId: C.useast1Instance } });
        expect(eni?.associations).toContainEqual(expect.objectContaining({ publicIp: C.secondaryEip, privateIp: "172.31.0.6", allocationId: C.secondaryAlloc }));
        // `ip-address` is the instance's PublicIpAddress: the primary private address's public IP only
        expect(await p.describeInstances(C.use1, { publicIps: [C.secondaryEip] })).toEqual([]);
        expect((await p.describeAddresses(C.use1, { publicIps: [C.secondaryEip] }))[0]).toMatchObject({ networkInterfaceId: C.useast1Eni, privateIpAddress: "172.31.0.6" });
      });
      it("finds the ENI holding an IPv6 address (every AWS IPv6 address is public); no Elastic IP is ever IPv6", async () => {
        const p = await port();
        const [eni] = await p.describeNetworkInterfaces(C.use1, { publicIps: [C.useast1Ipv6] });
        expect(eni).toMatchObject({ networkInterfaceId: C.useast1Eni, ipv6Addresses: [C.useast1Ipv6], attachment: { instanceId: C.useast1Instance } });
        const both = await p.describeNetworkInterfaces(C.use1, { publicIps: [C.useast1Ipv6, "198.51.100.50"] });
        expect(both.map((e) => e.networkInterfaceId)).toEqual([C.useast1Eni]);
        expect(await p.describeNetworkInterfaces(C.use1, { publicIps: ["2001:db8:c0::ff"] })).toEqual([]);
        expect(await p.describeAddresses(C.use1, { publicIps: [C.useast1Ipv6] })).toEqual([]);
      });
      it("lists every ENI of an instance, and describes a Lambda ENI as managed", async () => {
        const p = await port();
        const enis = await p.describeNetworkInterfaces(C.eu, { instanceIds: [C.web] });
        expect(enis.map((e) => e.networkInterfaceId).sort()).toEqual([C.webEni, C.webEni2].sort());
        const second = enis.find((e) => e.networkInterfaceId === C.webEni2)!;
        expect(second).toMatchObject({ groupIds: [C.sgDb], privateIpAddress: "10.0.1.11", attachment: { deviceIndex: 1, instanceId: C.web }, associations: [] });
        const [lambda] = await p.describeNetworkInterfaces(C.eu, { networkInterfaceIds: [C.lambdaEni] });
        expect(lambda).toMatchObject({ interfaceType: "lambda", requesterManaged: true, subnetId: C.privateSubnet, vpcId: C.vpc });
        expect(await p.describeNetworkInterfaces(C.eu, { networkInterfaceIds: ["eni-0ffffffffffffffff"] })).toEqual([]);
      });
      it("describes NAT gateways by id and by VPC", async () => {
        const p = await port();
        const [n] = await p.describeNatGateways(C.eu, { natGatewayIds: [C.natId] });
        expect(n).toMatchObject({ natGatewayId: C.natId, vpcId: C.vpc, subnetId: C.subnetA, state: "available", connectivityType: "public" });
        expect(n?.addresses).toEqual([expect.objectContaining({ publicIp: C.natIp, allocationId: C.natAlloc, networkInterfaceId: C.natEni, privateIp: "10.0.1.250" })]);
        expect((await p.describeNatGateways(C.eu, { vpcIds: [C.vpc] })).map((x) => x.natGatewayId)).toEqual([C.natId]);
        expect(await p.describeNatGateways(C.eu, { vpcIds: [C.otherVpc] })).toEqual([]);
        expect(await p.describeNatGateways(C.eu, { natGatewayIds: ["nat-0ffffffffffffffff"] })).toEqual([]);
      });
    });

    describe("security groups, subnets, VPCs, network ACLs, snapshots", () => {
      it("describes security groups with every rule", async () => {
        const [g] = await (await port()).describeSecurityGroups(C.eu, [C.sgWeb]);
        expect(g).toMatchObject({ groupId: C.sgWeb, groupName: "web", vpcId: C.vpc });
        const rules = g!.rules.map(({ ruleId: _r, description: _d, ...r }) => r);
        expect(rules).toEqual(
          expect.arrayContaining([
            { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" },
            { direction: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" },
            { direction: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, cidrIpv6: "::/0" },
            { direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" },
          ]),
        );
        expect(rules).toHaveLength(4);
      });
      it("describes a rule that references a group, and an empty egress", async () => {
        const p = await port();
        const [db] = await p.describeSecurityGroups(C.eu, [C.sgDb]);
        expect(db?.rules.filter((r) => r.direction === "ingress")).toEqual([expect.objectContaining({ protocol: "tcp", fromPort: 5432, toPort: 5432, groupId: C.sgWeb })]);
        const [iso] = await p.describeSecurityGroups(C.eu, [C.sgIsolation]);
        expect(iso?.rules).toEqual([]);
        expect(await p.describeSecurityGroups(C.eu, ["sg-0ffffffffffffffff"])).toEqual([]);
        expect(await p.describeSecurityGroups(C.eu, [])).toEqual([]);
      });
      it("finds security groups by VPC, name and tags", async () => {
        const p = await port();
        expect((await p.findSecurityGroups(C.eu, { vpcId: C.vpc, groupNames: ["web"] })).map((g) => g.groupId)).toEqual([C.sgWeb]);
        expect((await p.findSecurityGroups(C.eu, { vpcId: C.otherVpc, groupNames: ["web"] })).map((g) => g.groupId)).toEqual([C.sgOtherVpc]);
        expect((await p.findSecurityGroups(C.eu, { vpcId: C.vpc, tags: { Purpose: "isolation" } })).map((g) => g.groupId)).toEqual([C.sgIsolation]);
        expect(await p.findSecurityGroups(C.eu, { vpcId: C.vpc, tags: { Purpose: "isolation", Case: "C-2" } })).toEqual([]);
      });
      it("describes subnets and VPCs", async () => {
        const p = await port();
        const [s] = await p.describeSubnets(C.eu, [C.privateSubnet]);
        expect(s).toMatchObject({ subnetId: C.privateSubnet, vpcId: C.vpc, cidrBlock: "10.0.3.0/24", availabilityZone: "eu-west-1a", networkAclId: C.privateAcl });
        const [v] = await p.describeVpcs(C.eu, [C.vpc]);
        expect(v).toMatchObject({ vpcId: C.vpc, cidrBlock: "10.0.0.0/16", isDefault: false, tags: { Name: "contract-vpc" } });
        expect(await p.describeSubnets(C.eu, ["subnet-0ffffffffffffffff"])).toEqual([]);
        expect(await p.describeVpcs(C.eu, [])).toEqual([]);
      });
      it("describes network ACLs by subnet, the default deny rules included", async () => {
        const p = await port();
        const [acl] = await p.describeNetworkAcls(C.eu, { subnetIds: [C.privateSubnet] });
        expect(acl).toMatchObject({ networkAclId: C.privateAcl, vpcId: C.vpc, isDefault: false });
        expect(acl?.subnetIds).toEqual([C.privateSubnet]);
        expect(acl?.entries).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ ruleNumber: 100, egress: false, protocol: "6", ruleAction: "allow", cidrBlock: "10.0.0.0/16", portRange: { from: 443, to: 443 } }),
            expect.objectContaining({ ruleNumber: 200, egress: false, ruleAction: "deny" }),
            expect.objectContaining({ ruleNumber: 32767, egress: false, ruleAction: "deny", cidrBlock: "0.0.0.0/0" }),
            expect.objectContaining({ ruleNumber: 32767, egress: true, ruleAction: "deny" }),
          ]),
        );
        const [def] = await p.describeNetworkAcls(C.eu, { subnetIds: [C.subnetA] });
        expect(def?.isDefault).toBe(true);
        expect(def?.subnetIds).toEqual(expect.arrayContaining([C.subnetA, C.subnetB]));
      });
      it("finds snapshots by id and by tags", async () => {
        const p = await port();
        const [s] = await p.describeSnapshots(C.eu, { tags: { Case: "C-1" } });
        expect(s).toMatchObject({ snapshotId: C.snapshot, volumeId: "vol-0c0000000000000a2", tags: { Case: "C-1" } });
        expect((await p.describeSnapshots(C.eu, { snapshotIds: [C.snapshot] })).length).toBe(1);
        expect(await p.describeSnapshots(C.eu, { tags: { Case: "C-404" } })).toEqual([]);
      });
    });

    describe("Auto Scaling, load balancers, SSM", () => {
      it("finds the Auto Scaling group of an instance", async () => {
        const p = await port();
        const [g] = await p.autoScalingGroupsOf(C.eu, [C.web]);
        expect(g).toMatchObject({ name: C.asg, minSize: 1, maxSize: 4, desiredCapacity: 2 });
        expect(g?.instances.map((m) => [m.instanceId, m.lifecycleState, m.healthStatus, m.protectedFromScaleIn]).sort()).toEqual(
          [
            [C.web, "InService", "Healthy", false],
            [C.asgPeer, "InService", "Healthy", false],
          ].sort(),
        );
        expect(g?.instances.find((m) => m.instanceId === C.web)?.availabilityZone).toBe("eu-west-1a");
        expect(g?.targetGroupArns).toHaveLength(1);
        expect(await p.autoScalingGroupsOf(C.eu, [C.legacy])).toEqual([]);
        expect((await p.describeAutoScalingGroups(C.eu, [C.asg, "no-such-group"])).map((x) => x.name)).toEqual([C.asg]);
      });
      it("finds the target groups an instance is registered in, and their load balancer", async () => {
        const p = await port();
        const [tg] = await p.targetGroupsOf(C.eu, [C.web]);
        expect(tg).toMatchObject({ name: C.tgName, targetType: "instance", protocol: "HTTPS", port: 443, vpcId: C.vpc });
        expect(tg?.targets.map((t) => t.id).sort()).toEqual([C.web, C.asgPeer].sort());
        expect(tg?.targetGroupArn).toMatch(/^arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup\/contract-tg\//);
        const [asg] = await p.autoScalingGroupsOf(C.eu, [C.web]);
        expect(asg?.targetGroupArns).toEqual([tg?.targetGroupArn]);
        const lbs = await p.describeLoadBalancers(C.eu, { ids: tg!.loadBalancerArns });
        expect(lbs).toEqual([expect.objectContaining({ name: C.albName, type: "application", scheme: "internet-facing", vpcId: C.vpc, securityGroupIds: [C.sgAlb] })]);
        expect(lbs[0]?.id).toBe(tg?.loadBalancerArns[0]);
        expect(await p.targetGroupsOf(C.eu, [C.legacy])).toEqual([]);
      });
      it("finds the classic load balancer an instance is registered with", async () => {
        const p = await port();
        const lbs = await p.describeLoadBalancers(C.eu, { instanceIds: [C.legacy] });
        expect(lbs).toEqual([expect.objectContaining({ id: C.clbName, name: C.clbName, type: "classic", instanceIds: [C.legacy] })]);
        expect(await p.describeLoadBalancers(C.eu, { instanceIds: [C.web] })).toEqual([]);
        expect((await p.describeLoadBalancers(C.eu, { ids: [C.clbName] })).map((l) => l.type)).toEqual(["classic"]);
      });
      it("says which instances Systems Manager manages", async () => {
        const p = await port();
        const got = await p.ssmManagedInstances(C.eu, [C.web, C.legacy, C.asgPeer]);
        expect(got.map((m) => [m.instanceId, m.pingStatus]).sort()).toEqual(
          [
            [C.web, "Online"],
            [C.asgPeer, "ConnectionLost"],
          ].sort(),
        );
        expect(got.find((m) => m.instanceId === C.web)).toMatchObject({ platformType: "Linux", platformName: "Amazon Linux" });
      });
    });

    ssmContract(port);

    describe("IAM, S3, CloudFront", () => {
      it("finds an access key with its user and last use", async () => {
        const p = await port();
        const k = await p.findAccessKey(C.prod, C.key);
        expect(k).toMatchObject({ accessKeyId: C.key, userName: C.user, status: "Active", lastUsed: { service: "ec2", region: "eu-west-1" } });
        expect(new Date(k!.lastUsed!.date!).toISOString()).toBe("2025-05-30T22:10:00.000Z");
        expect(await p.findAccessKey(C.prod, C.inactiveKey)).toMatchObject({ status: "Inactive", userName: C.user });
        expect(await p.findAccessKey(C.prod, C.stagingKey)).toBeNull();
        expect(await p.findAccessKey(C.staging, C.stagingKey)).toMatchObject({ userName: "other-user" });
        expect(await p.findAccessKey(C.prod, "AKIA2NOSUCHKEY000000")).toBeNull();
      });
      it("describes an IAM user", async () => {
        const p = await port();
        const u = await p.getIamUser(C.prod, C.user);
        expect(u).toMatchObject({ userName: C.user, arn: `arn:aws:iam::${C.prod}:user/${C.user}`, path: "/", groups: ["deployers"], attachedPolicies: ["arn:aws:iam::aws:policy/AmazonEC2FullAccess"], tags: { Team: "platform" } });
        expect(await p.getIamUser(C.prod, "no-such-user")).toBeNull();
      });
      it("describes buckets and distributions, null when absent", async () => {
        const p = await port();
        expect(await p.getBucket(C.prod, C.bucket)).toMatchObject({ name: C.bucket, region: "eu-west-1", publicAccessBlock: { blockPublicAcls: false }, tags: { Team: "web" } });
        expect((await p.getBucket(C.prod, "contract-open-bucket"))?.publicAccessBlock).toBeUndefined();
        expect(await p.getBucket(C.prod, "no-such-bucket-here")).toBeNull();
        const d = await p.getDistribution(C.prod, C.distribution);
        expect(d).toMatchObject({ id: C.distribution, aliases: ["cdn.example.com"], enabled: true, arn: `arn:aws:cloudfront::${C.prod}:distribution/${C.distribution}` });
        expect(d?.domainName).toMatch(/\.cloudfront\.net$/);
        expect(await p.getDistribution(C.prod, "E9NOSUCHDIST00")).toBeNull();
      });
    });

    describe("CloudTrail", () => {
      const window = { start: "2025-05-01T00:00:00Z", end: "2025-06-01T12:00:00Z" };
      it("returns events newest first, within the window", async () => {
        const events = await (await port()).lookupEvents(C.eu, window);
        expect(events.map((e) => e.eventName)).toEqual(["StopInstances", "AssociateAddress", "AllocateAddress", "RunInstances"]);
        const times = events.map((e) => Date.parse(e.eventTime));
        expect([...times].sort((a, b) => b - a)).toEqual(times);
      });
      it("filters by event name and by resource name, and stops at the limit", async () => {
        const p = await port();
        const assoc = await p.lookupEvents(C.eu, { ...window, eventNames: ["AssociateAddress", "DisassociateAddress"] });
        expect(assoc.map((e) => e.eventName)).toEqual(["AssociateAddress"]);
        expect(assoc[0]).toMatchObject({ eventSource: "ec2.amazonaws.com", awsRegion: "eu-west-1", username: "bob" });
        expect(assoc[0]?.detail).toMatchObject({ requestParameters: { allocationId: C.legacyAlloc, instanceId: C.legacy }, responseElements: { associationId: "eipassoc-0c0000000000000b2" } });
        const byRes = await p.lookupEvents(C.eu, { ...window, resourceName: C.legacyAlloc });
        expect(byRes.map((e) => e.eventName)).toEqual(["AssociateAddress", "AllocateAddress"]);
        expect((await p.lookupEvents(C.eu, { ...window, limit: 2 })).length).toBe(2);
        expect(await p.lookupEvents(C.eu, { start: "2025-05-22T00:00:00Z", end: "2025-05-23T00:00:00Z" })).toEqual([]);
      });
      it("filters by user name and access key, each alone or with the other filters (one goes to AWS, the rest apply after)", async () => {
        const p = await port();
        expect((await p.lookupEvents(C.eu, { ...window, username: "bob" })).map((e) => e.eventName)).toEqual(["AssociateAddress", "AllocateAddress"]);
        expect((await p.lookupEvents(C.eu, { ...window, username: "bob", eventNames: ["AllocateAddress"] })).map((e) => e.eventName)).toEqual(["AllocateAddress"]);
        const byKey = await p.lookupEvents(C.eu, { ...window, accessKeyId: "ASIA2CONTRACTSESSION1" });
        expect(byKey.map((e) => [e.eventName, e.accessKeyId])).toEqual([["AssociateAddress", "ASIA2CONTRACTSESSION1"]]);
        expect((await p.lookupEvents(C.eu, { ...window, accessKeyId: "ASIA2CONTRACTSESSION1", resourceName: C.legacyAlloc })).map((e) => e.eventName)).toEqual(["AssociateAddress"]);
        expect(await p.lookupEvents(C.eu, { ...window, accessKeyId: "ASIA2CONTRACTSESSION1", username: "alice" })).toEqual([]);
        expect(await p.lookupEvents(C.eu, { ...window, username: "nobody" })).toEqual([]);
      });
      it("keeps 90 days: an older event is never returned", async () => {
        const events = await (await port()).lookupEvents(C.eu, { start: "2024-12-01T00:00:00Z", end: "2025-06-01T12:00:00Z" });
        expect(events.map((e) => e.eventName)).not.toContain("CreateSecurityGroup");
      });
      it("logs IAM events in us-east-1", async () => {
        const events = await (await port()).lookupEvents(C.use1, { start: "2025-04-05T00:00:00Z", end: "2025-06-01T00:00:00Z", eventNames: ["CreateAccessKey"] });
        expect(events).toEqual([]);
        const all = await (await port()).lookupEvents(C.use1, { start: "2025-04-01T00:00:00Z", end: "2025-04-02T00:00:00Z", resourceName: C.key });
        expect(all.map((e) => [e.eventName, e.eventSource])).toEqual([["CreateAccessKey", "iam.amazonaws.com"]]);
      });
    });

    logsContract(port);

    describe("write side: instances and evidence", () => {
      it("changes instance attributes, and refuses an unknown instance or block device", async () => {
        const p = await port();
        await p.modifyInstanceAttribute(C.eu, C.web, { disableApiTermination: true });
        await p.modifyInstanceAttribute(C.eu, C.web, { instanceInitiatedShutdownBehavior: "stop" });
        await p.modifyInstanceAttribute(C.eu, C.web, { blockDeviceDeleteOnTermination: [{ deviceName: "/dev/xvda", deleteOnTermination: false }] });
        const [i] = await p.describeInstances(C.eu, { instanceIds: [C.web] });
        expect(i?.blockDevices.find((b) => b.deviceName === "/dev/xvda")?.deleteOnTermination).toBe(false);
        await expectCloudError(p.modifyInstanceAttribute(C.eu, "i-0ffffffffffffffff", { disableApiTermination: true }), "not-found", { code: "InvalidInstanceID.NotFound" });
        await expectCloudError(p.modifyInstanceAttribute(C.eu, C.web, { blockDeviceDeleteOnTermination: [{ deviceName: "/dev/sdz", deleteOnTermination: false }] }), "invalid");
      });
      it("snapshots every volume of an instance, tagged, and finds them again", async () => {
        const p = await port();
        const snaps = await p.createSnapshots(C.eu, C.web, { description: "case C-2", tags: { Case: "C-2" } });
        expect(snaps.map((s) => s.volumeId).sort()).toEqual(["vol-0c0000000000000a1", "vol-0c0000000000000a2"]);
        for (const s of snaps) expect(s.snapshotId).toMatch(/^snap-[0-9a-f]{17}$/);
        const found = await p.describeSnapshots(C.eu, { tags: { Case: "C-2" } });
        expect(found.map((s) => s.snapshotId).sort()).toEqual(snaps.map((s) => s.snapshotId).sort());
        expect(found[0]?.description).toBe("case C-2");
      });
      it("reads console output (text), user data (base64) and a screenshot", async () => {
        const p = await port();
        expect(await p.getConsoleOutput(C.eu, C.web)).toBe("boot ok\n");
        const ud = await p.getUserData(C.eu, C.web);
        expect(Buffer.from(ud!, "base64").toString("utf8")).toBe("#!/bin/bash\necho hello\n");
        expect(await p.getConsoleScreenshot(C.eu, C.web)).toBe("/9j/4AAQSkZJRgABAQ==");
        expect(await p.getUserData(C.eu, C.legacy)).toBeNull();
        expect(await p.getConsoleOutput(C.eu, "i-0ffffffffffffffff")).toBeNull();
      });
      it("stops an instance (releasing its auto-assigned public IP, keeping an Elastic IP) and starts it again", async () => {
        const p = await port();
        const use1Ip = "198.51.100.50";
        await p.stopInstances(C.eu, [C.legacy]);
        await p.stopInstances(C.use1, [C.useast1Instance]);
        const [legacy] = await p.describeInstances(C.eu, { instanceIds: [C.legacy] });
        const [plain] = await p.describeInstances(C.use1, { instanceIds: [C.useast1Instance] });
        expect([legacy?.state, plain?.state]).toEqual(["stopped", "stopped"]);
        expect(legacy?.publicIpAddress).toBe(C.legacyEip);
        expect(plain?.publicIpAddress).toBeUndefined();
        expect(await p.describeNetworkInterfaces(C.use1, { publicIps: [use1Ip] })).toEqual([]);
        await p.startInstances(C.use1, [C.useast1Instance]);
        const [again] = await p.describeInstances(C.use1, { instanceIds: [C.useast1Instance] });
        expect(again?.state).toBe("running");
        expect(again?.publicIpAddress).toBeDefined();
        expect(Date.parse(again!.launchTime)).toBeGreaterThan(Date.parse(plain!.launchTime));
        await expectCloudError(p.stopInstances(C.eu, ["i-0ffffffffffffffff"]), "not-found", { code: "InvalidInstanceID.NotFound" });
      });
      it("a stopped InService member of an Auto Scaling group is replaced: the group terminates it", async () => {
        const p = await port();
        await p.stopInstances(C.eu, [C.web]);
        const [i] = await p.describeInstances(C.eu, { instanceIds: [C.web] });
        expect(i?.state).toBe("terminated");
        expect(await p.autoScalingGroupsOf(C.eu, [C.web])).toEqual([]);
        expect(await p.targetGroupsOf(C.eu, [C.web])).toEqual([]);
        // The data volume (delete-on-termination off) and the secondary ENI survive; the primary ENI is gone.
        expect((await p.describeNetworkInterfaces(C.eu, { networkInterfaceIds: [C.webEni, C.webEni2] })).map((e) => [e.networkInterfaceId, e.status])).toEqual([[C.webEni2, "available"]]);
      });
      it("with ReplaceUnhealthy suspended (or in Standby), a stopped member stays, marked unhealthy", async () => {
        const p = await port();
        await p.suspendProcesses(C.eu, C.asg, ["ReplaceUnhealthy"]);
        await p.stopInstances(C.eu, [C.web]);
        expect((await p.describeInstances(C.eu, { instanceIds: [C.web] }))[0]?.state).toBe("stopped");
        const [g] = await p.autoScalingGroupsOf(C.eu, [C.web]);
        expect(g?.instances.find((m) => m.instanceId === C.web)).toMatchObject({ lifecycleState: "InService", healthStatus: "Unhealthy" });
        await p.enterStandby(C.eu, C.asg, [C.asgPeer], true);
        await p.stopInstances(C.eu, [C.asgPeer]);
        expect((await p.describeInstances(C.eu, { instanceIds: [C.asgPeer] }))[0]?.state).toBe("stopped");
      });
    });

    describe("write side: security groups and ENIs", () => {
      it("creates a security group with AWS's default egress rule (IPv4 only)", async () => {
        const p = await port();
        const id = await p.createSecurityGroup(C.eu, { vpcId: C.vpc, groupName: "abuse-desk-isolation", description: "isolation", tags: { Case: "C-9" } });
        expect(id).toMatch(/^sg-[0-9a-f]{8,17}$/);
        const [g] = await p.describeSecurityGroups(C.eu, [id]);
        expect(g).toMatchObject({ groupId: id, groupName: "abuse-desk-isolation", vpcId: C.vpc, tags: { Case: "C-9" } });
        expect(g?.rules.map(({ ruleId: _r, ...r }) => r)).toEqual([{ direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" }]);
        expect((await p.findSecurityGroups(C.eu, { vpcId: C.vpc, tags: { Case: "C-9" } })).map((x) => x.groupId)).toEqual([id]);
        await expectCloudError(p.createSecurityGroup(C.eu, { vpcId: C.vpc, groupName: "abuse-desk-isolation", description: "again", tags: {} }), "invalid", { code: "InvalidGroup.Duplicate" });
        await expectCloudError(p.createSecurityGroup(C.eu, { vpcId: "vpc-0ffffffffffffffff", groupName: "x", description: "x", tags: {} }), "not-found");
      });
      it("in a VPC with an IPv6 block, a new group's default egress covers ::/0 too", async () => {
        const p = await port();
        const [v] = await p.describeVpcs(C.eu, [C.otherVpc]);
        expect(v?.ipv6CidrBlocks).toEqual(["2001:db8:900::/56"]);
        const id = await p.createSecurityGroup(C.eu, { vpcId: C.otherVpc, groupName: "isolation-v6", description: "isolation", tags: {} });
        const [g] = await p.describeSecurityGroups(C.eu, [id]);
        expect(g?.rules.map(({ ruleId: _r, ...r }) => r)).toEqual(
          expect.arrayContaining([
            { direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" },
            { direction: "egress", protocol: "-1", cidrIpv6: "::/0" },
          ]),
        );
        expect(g?.rules).toHaveLength(2);
      });
      it("authorizes and revokes rules; a duplicate or a missing rule is refused", async () => {
        const p = await port();
        const rule = { direction: "ingress" as const, protocol: "tcp", fromPort: 8443, toPort: 8443, cidrIpv4: "192.0.2.0/24" };
        await p.authorizeRules(C.eu, C.sgWeb, [rule]);
        let [g] = await p.describeSecurityGroups(C.eu, [C.sgWeb]);
        expect(g?.rules).toEqual(expect.arrayContaining([expect.objectContaining(rule)]));
        await expectCloudError(p.authorizeRules(C.eu, C.sgWeb, [rule]), "invalid", { code: "InvalidPermission.Duplicate" });
        await p.revokeRules(C.eu, C.sgWeb, [rule, { direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" }]);
        [g] = await p.describeSecurityGroups(C.eu, [C.sgWeb]);
        expect(g?.rules.some((r) => r.fromPort === 8443)).toBe(false);
        expect(g?.rules.some((r) => r.direction === "egress")).toBe(false);
        await expectCloudError(p.revokeRules(C.eu, C.sgWeb, [rule]), "not-found", { code: "InvalidPermission.NotFound" });
        await expectCloudError(p.authorizeRules(C.eu, "sg-0ffffffffffffffff", [rule]), "not-found", { code: "InvalidGroup.NotFound" });
      });
      it("replaces the groups of an ENI, within its VPC", async () => {
        const p = await port();
        await p.setNetworkInterfaceGroups(C.eu, C.webEni, [C.sgIsolation]);
        const [eni] = await p.describeNetworkInterfaces(C.eu, { networkInterfaceIds: [C.webEni] });
        expect(eni?.groupIds).toEqual([C.sgIsolation]);
        const [i] = await p.describeInstances(C.eu, { instanceIds: [C.web] });
        expect([...i!.securityGroupIds].sort()).toEqual([C.sgDb, C.sgIsolation].sort());
        await expectCloudError(p.setNetworkInterfaceGroups(C.eu, C.webEni, [C.sgOtherVpc]), "not-found", { code: "InvalidGroup.NotFound" });
        await expectCloudError(p.setNetworkInterfaceGroups(C.eu, "eni-0ffffffffffffffff", [C.sgWeb]), "not-found");
      });
      it("refuses to change the groups of a requester-managed ENI (NAT gateway, load balancer, Lambda)", async () => {
        const p = await port();
        for (const eni of [C.natEni, C.albEni, C.lambdaEni]) await expectCloudError(p.setNetworkInterfaceGroups(C.eu, eni, [C.sgIsolation]), "invalid");
        const [lambda] = await p.describeNetworkInterfaces(C.eu, { networkInterfaceIds: [C.lambdaEni] });
        expect(lambda?.groupIds).toEqual([C.sgDb]);
      });
      it("tags resources, and refuses an id that does not exist", async () => {
        const p = await port();
        await p.createTags(C.eu, [C.web, C.webEni, C.sgWeb], { "abuse-desk:case": "C-3" });
        const [i] = await p.describeInstances(C.eu, { instanceIds: [C.web] });
        expect(i?.tags).toMatchObject({ "abuse-desk:case": "C-3", Owner: "alice@example.com" });
        const [g] = await p.describeSecurityGroups(C.eu, [C.sgWeb]);
        expect(g?.tags["abuse-desk:case"]).toBe("C-3");
        await expectCloudError(p.createTags(C.eu, ["i-0ffffffffffffffff"], { a: "b" }), "not-found");
      });
    });

    describe("write side: network ACLs", () => {
      it("adds and deletes entries; numbers are unique per direction", async () => {
        const p = await port();
        const entry = { ruleNumber: 50, egress: false, protocol: "-1", ruleAction: "deny" as const, cidrBlock: "198.51.100.0/24" };
        await p.createNetworkAclEntry(C.eu, C.privateAcl, entry);
        await p.createNetworkAclEntry(C.eu, C.privateAcl, { ...entry, egress: true });
        let [acl] = await p.describeNetworkAcls(C.eu, { networkAclIds: [C.privateAcl] });
        expect(acl?.entries).toEqual(expect.arrayContaining([expect.objectContaining(entry), expect.objectContaining({ ...entry, egress: true })]));
        await expectCloudError(p.createNetworkAclEntry(C.eu, C.privateAcl, { ...entry, cidrBlock: "203.0.113.0/24" }), "invalid", { code: "NetworkAclEntryAlreadyExists" });
        await p.deleteNetworkAclEntry(C.eu, C.privateAcl, { ruleNumber: 50, egress: false });
        [acl] = await p.describeNetworkAcls(C.eu, { networkAclIds: [C.privateAcl] });
        expect(acl?.entries.some((e) => e.ruleNumber === 50 && !e.egress)).toBe(false);
        expect(acl?.entries.some((e) => e.ruleNumber === 50 && e.egress)).toBe(true);
        await expectCloudError(p.deleteNetworkAclEntry(C.eu, C.privateAcl, { ruleNumber: 50, egress: false }), "not-found");
      });
      it("allows at most 20 entries per direction, the default rule included", async () => {
        const p = await port();
        // The private ACL has 3 ingress entries (100, 200, and the default 32767): 17 more fit.
        for (let n = 1; n <= 17; n++) await p.createNetworkAclEntry(C.eu, C.privateAcl, { ruleNumber: n, egress: false, protocol: "-1", ruleAction: "deny", cidrBlock: `192.0.2.${n}/32` });
        await expectCloudError(p.createNetworkAclEntry(C.eu, C.privateAcl, { ruleNumber: 18, egress: false, protocol: "-1", ruleAction: "deny", cidrBlock: "192.0.2.18/32" }), "invalid", { code: "NetworkAclEntryLimitExceeded" });
        await p.createNetworkAclEntry(C.eu, C.privateAcl, { ruleNumber: 18, egress: true, protocol: "-1", ruleAction: "deny", cidrBlock: "192.0.2.18/32" });
      });
    });

    describe("write side: Auto Scaling", () => {
      it("puts an InService instance in Standby (out of its target groups) and back", async () => {
        const p = await port();
        await p.enterStandby(C.eu, C.asg, [C.web], true);
        let [g] = await p.describeAutoScalingGroups(C.eu, [C.asg]);
        expect(g?.instances.find((m) => m.instanceId === C.web)?.lifecycleState).toBe("Standby");
        expect(g?.desiredCapacity).toBe(1);
        expect(await p.targetGroupsOf(C.eu, [C.web])).toEqual([]);
        await expectCloudError(p.enterStandby(C.eu, C.asg, [C.web], false), "invalid", { code: "ValidationError" });
        await p.exitStandby(C.eu, C.asg, [C.web]);
        [g] = await p.describeAutoScalingGroups(C.eu, [C.asg]);
        expect(g?.instances.find((m) => m.instanceId === C.web)?.lifecycleState).toBe("InService");
        expect(g?.desiredCapacity).toBe(2);
        expect((await p.targetGroupsOf(C.eu, [C.web])).map((t) => t.name)).toEqual([C.tgName]);
      });
      it("refuses Standby for an instance outside the group, and below the minimum size", async () => {
        const p = await port();
        await expectCloudError(p.enterStandby(C.eu, C.asg, [C.legacy], false), "invalid", { code: "ValidationError" });
        await expectCloudError(p.enterStandby(C.eu, C.asg, [C.web, C.asgPeer], true), "invalid", { code: "ValidationError" });
        await expectCloudError(p.enterStandby(C.eu, "no-such-group", [C.web], false), "invalid", { code: "ValidationError" });
      });
      it("takes more instance ids than one AWS call allows (batches of 20 and 50)", async () => {
        const p = await port();
        await p.enterStandby(C.eu, C.batchAsg, C.batch, true);
        let [g] = await p.describeAutoScalingGroups(C.eu, [C.batchAsg]);
        expect(g?.instances.every((m) => m.lifecycleState === "Standby")).toBe(true);
        expect(g?.desiredCapacity).toBe(0);
        await p.exitStandby(C.eu, C.batchAsg, C.batch);
        await p.setInstanceProtection(C.eu, C.batchAsg, C.batch, true);
        [g] = await p.describeAutoScalingGroups(C.eu, [C.batchAsg]);
        expect(g?.instances.every((m) => m.lifecycleState === "InService" && m.protectedFromScaleIn)).toBe(true);
        expect(g?.desiredCapacity).toBe(22);
      });
      it("detaches and attaches instances, keeping the group's target groups in step", async () => {
        const p = await port();
        await p.detachInstances(C.eu, C.asg, [C.web], true);
        let [g] = await p.describeAutoScalingGroups(C.eu, [C.asg]);
        expect(g?.instances.map((m) => m.instanceId)).toEqual([C.asgPeer]);
        expect(g?.desiredCapacity).toBe(1);
        expect(await p.autoScalingGroupsOf(C.eu, [C.web])).toEqual([]);
        expect(await p.targetGroupsOf(C.eu, [C.web])).toEqual([]);
        await p.attachInstances(C.eu, C.asg, [C.web]);
        [g] = await p.describeAutoScalingGroups(C.eu, [C.asg]);
        expect(g?.instances.map((m) => m.instanceId).sort()).toEqual([C.web, C.asgPeer].sort());
        expect(g?.desiredCapacity).toBe(2);
        expect((await p.targetGroupsOf(C.eu, [C.web])).length).toBe(1);
      });
      it("suspends and resumes processes, sets protection, updates sizes within the rules", async () => {
        const p = await port();
        await p.suspendProcesses(C.eu, C.asg, ["Launch", "ReplaceUnhealthy", "HealthCheck"]);
        let [g] = await p.describeAutoScalingGroups(C.eu, [C.asg]);
        expect([...g!.suspendedProcesses].sort()).toEqual(["HealthCheck", "Launch", "ReplaceUnhealthy"]);
        await p.resumeProcesses(C.eu, C.asg, ["Launch"]);
        await p.setInstanceProtection(C.eu, C.asg, [C.web], true);
        await p.updateAutoScalingGroup(C.eu, C.asg, { minSize: 0, desiredCapacity: 1 });
        [g] = await p.describeAutoScalingGroups(C.eu, [C.asg]);
        expect([...g!.suspendedProcesses].sort()).toEqual(["HealthCheck", "ReplaceUnhealthy"]);
        expect(g?.instances.find((m) => m.instanceId === C.web)?.protectedFromScaleIn).toBe(true);
        expect([g?.minSize, g?.desiredCapacity, g?.maxSize]).toEqual([0, 1, 4]);
        await expectCloudError(p.updateAutoScalingGroup(C.eu, C.asg, { desiredCapacity: 9 }), "invalid", { code: "ValidationError" });
        await expectCloudError(p.suspendProcesses(C.eu, C.asg, ["Dance"]), "invalid", { code: "ValidationError" });
      });
    });

    describe("write side: load balancers", () => {
      it("deregisters and registers targets", async () => {
        const p = await port();
        const [tg] = await p.targetGroupsOf(C.eu, [C.web]);
        await p.deregisterTargets(C.eu, tg!.targetGroupArn, [{ id: C.web, port: 443 }]);
        expect(await p.targetGroupsOf(C.eu, [C.web])).toEqual([]);
        await p.registerTargets(C.eu, tg!.targetGroupArn, [{ id: C.web, port: 443 }]);
        const [back] = await p.targetGroupsOf(C.eu, [C.web]);
        expect(back?.targets.find((t) => t.id === C.web)?.port).toBe(443);
        await expectCloudError(p.registerTargets(C.eu, tg!.targetGroupArn, [{ id: C.stopped }]), "invalid", { code: "InvalidTarget" });
      });
      it("deregisters from and registers with a classic load balancer", async () => {
        const p = await port();
        await p.deregisterFromClassicLoadBalancer(C.eu, C.clbName, [C.legacy]);
        expect(await p.describeLoadBalancers(C.eu, { instanceIds: [C.legacy] })).toEqual([]);
        await p.registerWithClassicLoadBalancer(C.eu, C.clbName, [C.legacy]);
        expect((await p.describeLoadBalancers(C.eu, { instanceIds: [C.legacy] })).map((l) => l.name)).toEqual([C.clbName]);
        await expectCloudError(p.deregisterFromClassicLoadBalancer(C.eu, "no-such-clb", [C.legacy]), "not-found");
      });
    });

    describe("write side: S3, CloudFront, IAM", () => {
      it("blocks public access to a bucket and removes the block", async () => {
        const p = await port();
        await p.putPublicAccessBlock(C.prod, C.bucket, PAB_ON);
        expect((await p.getBucket(C.prod, C.bucket))?.publicAccessBlock).toEqual(PAB_ON);
        await p.deletePublicAccessBlock(C.prod, C.bucket);
        expect((await p.getBucket(C.prod, C.bucket))?.publicAccessBlock).toBeUndefined();
        await expectCloudError(p.putPublicAccessBlock(C.prod, "no-such-bucket-here", PAB_ON), "not-found");
      });
      it("disables and enables a distribution", async () => {
        const p = await port();
        await p.setDistributionEnabled(C.prod, C.distribution, false);
        expect((await p.getDistribution(C.prod, C.distribution))?.enabled).toBe(false);
        await p.setDistributionEnabled(C.prod, C.distribution, true);
        expect((await p.getDistribution(C.prod, C.distribution))?.enabled).toBe(true);
        await expectCloudError(p.setDistributionEnabled(C.prod, "E9NOSUCHDIST00", false), "not-found");
      });
      it("deactivates and reactivates an access key", async () => {
        const p = await port();
        await p.setAccessKeyStatus(C.prod, C.user, C.key, "Inactive");
        expect((await p.findAccessKey(C.prod, C.key))?.status).toBe("Inactive");
        await p.setAccessKeyStatus(C.prod, C.user, C.key, "Active");
        expect((await p.findAccessKey(C.prod, C.key))?.status).toBe("Active");
        await expectCloudError(p.setAccessKeyStatus(C.prod, "nobody-contract", C.key, "Inactive"), "not-found", { code: "NoSuchEntity" });
      });
    });

    evidenceContract(port, C, expectCloudError);

    describe("failures", () => {
      it("access denied names the IAM action", async () => {
        const p = await port({ faults: [{ call: "ec2:DescribeAddresses", accessDenied: true }] });
        const e = await expectCloudError(p.describeAddresses(C.eu, { publicIps: [C.legacyEip] }), "access-denied", { action: "ec2:DescribeAddresses" });
        expect(e.message).toContain("ec2:DescribeAddresses");
        expect((await p.describeInstances(C.eu, { instanceIds: [C.web] })).length).toBe(1);
      });
      it("access denied in one region only", async () => {
        const p = await port({ faults: [{ call: "ec2:DescribeInstances", region: "us-east-1", accessDenied: true }] });
        await expectCloudError(p.describeInstances(C.use1, {}), "access-denied", { action: "ec2:DescribeInstances" });
        expect((await p.describeInstances(C.eu, { instanceIds: [C.web] })).length).toBe(1);
      });
      it("retries throttling, then succeeds", async () => {
        const p = await port({ faults: [{ call: "ec2:DescribeInstances", throttle: 2 }] });
        expect((await p.describeInstances(C.eu, { instanceIds: [C.web] })).length).toBe(1);
      });
      it("reports throttling that does not stop as throttled", async () => {
        const p = await port({ faults: [{ call: "ec2:DescribeInstances", throttle: "always" }] });
        await expectCloudError(p.describeInstances(C.eu, { instanceIds: [C.web] }), "throttled");
      });
      it("reports a server error that does not stop as unavailable", async () => {
        const p = await port({ faults: [{ call: "ec2:DescribeNetworkInterfaces", serverError: "always" }] });
        await expectCloudError(p.describeNetworkInterfaces(C.eu, { publicIps: [C.natIp] }), "unavailable");
      });
      it("a write that is denied changes nothing", async () => {
        const p = await port({ faults: [{ call: "ec2:ModifyNetworkInterfaceAttribute", accessDenied: true }] });
        await expectCloudError(p.setNetworkInterfaceGroups(C.eu, C.webEni, [C.sgIsolation]), "access-denied", { action: "ec2:ModifyNetworkInterfaceAttribute" });
        const [eni] = await p.describeNetworkInterfaces(C.eu, { networkInterfaceIds: [C.webEni] });
        expect(eni?.groupIds).toEqual([C.sgWeb]);
      });
    });
  });
}
