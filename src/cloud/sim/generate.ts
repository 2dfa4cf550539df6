/**
 * Estate generators: the bundled sample estate (fixtures/estates/sample.yaml, written by
 * scripts/gen-sample-estate.ts) and the large estate of the benchmark (10,000 instances, built in
 * memory). Deterministic: a seeded PRNG and ids derived from counters, so the same code always
 * writes the same file.
 *
 * The sample estate holds the demo incident the README's main command resolves; docs/sim.md lists
 * its ids. Addresses are RFC 5737 documentation ranges (198.51.100.0/24, 203.0.113.0/24 public;
 * 192.0.2.0/24 for remote peers), account ids the documentation ones.
 */
import { stringify } from "yaml";
import { DEFAULT_REGIONS } from "../model.ts";
import type { EstateInput } from "./schema.ts";
import { hexOf } from "./ids.ts";
import { addSamplePosture } from "./generate-posture.ts";
import { addSampleLogs } from "./generate-logs.ts";

type Acc = EstateInput["accounts"][number];
type Region = NonNullable<Acc["regions"]>[string];
type InstanceIn = NonNullable<Region["instances"]>[number];
type TrailIn = NonNullable<Region["cloudTrail"]>[number];

/** mulberry32: small, fast, good enough to pick instance types and tags deterministically. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `prefix-0` + 16 hex digits derived from a key: an AWS-shaped id that never collides with the hand-picked demo ids. */
export function genId(prefix: string, key: string): string {
  return `${prefix}-0${hexOf(`${prefix}|${key}`, 16)}`;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const TEAMS = ["payments", "search", "data", "platform", "growth", "identity"] as const;
const OWNERS = ["alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com", "erin@example.com"] as const;
const TYPES = ["t3.micro", "t3.small", "t3.medium", "m6i.large", "c6i.xlarge", "r6i.large"] as const;

interface Sub {
  id: string;
  /** Third octet of the subnet's /24 (10.B.octet.0/24). */
  octet: number;
  public: boolean;
}

/** Builds a VPC with public and private subnets in three zones, its default SG and a web SG. */
function network(accountId: string, region: string, key: string, cidr2: number): { region: Region; vpcId: string; publicSubnets: string[]; privateSubnets: string[]; subs: Sub[]; sgDefault: string; sgWeb: string } {
  const vpcId = genId("vpc", `${accountId}|${region}|${key}`);
  const zones = ["a", "b", "c"];
  const publicSubnets = zones.map((z) => genId("subnet", `${vpcId}|public|${z}`));
  const privateSubnets = zones.map((z) => genId("subnet", `${vpcId}|private|${z}`));
  const subs: Sub[] = [...publicSubnets.map((id, i) => ({ id, octet: i + 1, public: true })), ...privateSubnets.map((id, i) => ({ id, octet: i + 11, public: false }))];
  const sgDefault = genId("sg", `${vpcId}|default`);
  const sgWeb = genId("sg", `${vpcId}|web`);
  return {
    vpcId,
    publicSubnets,
    privateSubnets,
    subs,
    sgDefault,
    sgWeb,
    region: {
      vpcs: [{ vpcId, cidrBlock: `10.${cidr2}.0.0/16`, tags: { Name: `${key}-vpc` } }],
      subnets: [
        ...zones.map((z, i) => ({ subnetId: publicSubnets[i]!, vpcId, cidrBlock: `10.${cidr2}.${i + 1}.0/24`, availabilityZone: `${region}${z}`, tags: { Name: `${key}-public-${z}` } })),
        ...zones.map((z, i) => ({ subnetId: privateSubnets[i]!, vpcId, cidrBlock: `10.${cidr2}.${i + 11}.0/24`, availabilityZone: `${region}${z}`, tags: { Name: `${key}-private-${z}` } })),
      ],
      securityGroups: [
        { groupId: sgDefault, groupName: "default", description: "default VPC security group", vpcId, ingress: [{ protocol: "-1", groupId: sgDefault }] },
        {
          groupId: sgWeb,
          groupName: `${key}-web`,
          description: "HTTPS from anywhere",
          vpcId,
          ingress: [
            { protocol: "tcp", port: 443, cidrIpv4: "0.0.0.0/0" },
            { protocol: "tcp", port: 80, cidrIpv4: "0.0.0.0/0" },
          ],
        },
      ],
      instances: [],
      cloudTrail: [],
    },
  };
}

/** Filler instances spread over the given subnets; those in public subnets get a public IP from the pool while it lasts. */
function filler(r: () => number, opts: { accountId: string; region: string; count: number; subnets: Sub[]; groups: string[]; cidr2: number; publicPool?: () => string | undefined; launchBase: number }): InstanceIn[] {
  const out: InstanceIn[] = [];
  for (let n = 0; n < opts.count; n++) {
    const key = `${opts.accountId}|${opts.region}|${n}`;
    const sub = opts.subnets[n % opts.subnets.length]!;
    const stopped = r() < 0.08;
    // A stopped instance holds no auto-assigned address.
    const publicIp = sub.public && !stopped ? opts.publicPool?.() : undefined;
    const team = pick(r, TEAMS);
    out.push({
      instanceId: genId("i", key),
      instanceType: pick(r, TYPES),
      imageId: genId("ami", `${opts.region}|${pick(r, ["al2023", "ubuntu", "debian"])}`),
      launchTime: new Date(opts.launchBase - Math.floor(r() * 60) * 86_400_000).toISOString().slice(0, 19) + "Z",
      state: stopped ? "stopped" : "running",
      networkInterfaces: [
        {
          networkInterfaceId: genId("eni", key),
          subnetId: sub.id,
          privateIpAddress: `10.${opts.cidr2}.${sub.octet}.${100 + Math.floor(n / opts.subnets.length)}`,
          groupIds: opts.groups,
          ...(publicIp ? { publicIp } : {}),
        },
      ],
      blockDevices: [{ deviceName: "/dev/xvda", volumeId: genId("vol", key), sizeGiB: 8 + Math.floor(r() * 4) * 8 }],
      tags: { Name: `${team}-${n}`, team, owner: pick(r, OWNERS), env: pick(r, ["prod", "staging", "dev"]) },
    });
  }
  return out;
}

/** Public IPs handed to filler instances: 198.51.100.150-249 (the demo ids use lower numbers). */
function pool(start: number, end: number): () => string | undefined {
  let next = start;
  return () => (next <= end ? `198.51.100.${next++}` : undefined);
}

const DEMO = {
  now: "2026-05-01T09:30:00Z",
  instance: "i-0a1b2c3d4e5f67890",
  eni: "eni-0a1b2c3d4e5f60001",
  eni2: "eni-0a1b2c3d4e5f60002",
  ip: "198.51.100.23",
  sg: "sg-0a1b2c3d4e5f6a7b8",
  sgApp: "sg-0a1b2c3d4e5f6a7b9",
  sgAlb: "sg-0a1b2c3d4e5f6a7c0",
  releasedIp: "203.0.113.45",
  releasedAlloc: "eipalloc-0a1b2c3d4e5f60045",
  formerHolder: "i-0f9e8d7c6b5a43210",
  movedIp: "203.0.113.60",
  movedAlloc: "eipalloc-0a1b2c3d4e5f60060",
  natIp: "198.51.100.77",
  key: "AKIA2EXAMPLEKEY00001",
  proxy: "i-0b5c6d7e8f9a01234",
  proxyIp: "198.51.100.128",
};
export { DEMO as SAMPLE_IDS };

function ev(e: TrailIn): TrailIn {
  return e;
}

/** The bundled sample estate: three accounts, 17 + 4 + 3 regions, a few hundred resources, the demo incident. */
export function sampleEstate(): EstateInput {
  const r = rng(20260501);
  const now = Date.parse(DEMO.now);
  const prod = "111122223333";
  const staging = "444455556666";
  const sandbox = "777788889999";

  // ---- prod, eu-west-1: the demo incident ----------------------------------------------------
  const eu = network(prod, "eu-west-1", "prod", 20);
  const euR = eu.region;
  const [pubA, pubB, pubC] = eu.publicSubnets as [string, string, string];
  const [privA, privB, privC] = eu.privateSubnets as [string, string, string];
  euR.securityGroups!.push(
    {
      groupId: DEMO.sg,
      groupName: "payments-web-public",
      description: "payments web: SSH and HTTPS from anywhere",
      vpcId: eu.vpcId,
      ingress: [
        { protocol: "tcp", port: 22, cidrIpv4: "0.0.0.0/0", description: "SSH (temporary)" },
        { protocol: "tcp", port: 443, cidrIpv4: "0.0.0.0/0" },
        { protocol: "tcp", port: 443, cidrIpv6: "::/0" },
      ],
      tags: { Team: "payments" },
    },
    { groupId: DEMO.sgApp, groupName: "payments-app-internal", description: "app tier from the web tier", vpcId: eu.vpcId, ingress: [{ protocol: "tcp", port: 8080, groupId: DEMO.sg }], tags: { Team: "payments" } },
    { groupId: DEMO.sgAlb, groupName: "payments-alb", description: "public load balancer", vpcId: eu.vpcId, ingress: [{ protocol: "tcp", port: 443, cidrIpv4: "0.0.0.0/0" }] },
  );
  const webTags = (n: number) => ({ Name: `payments-web-${n}`, Owner: "alice@example.com", Team: "payments", Environment: "dev", "aws:autoscaling:groupName": "web-asg" });
  const webInstance = (id: string, n: number, subnet: string, privSubnet: string, ip: string | undefined, launch: string): InstanceIn => ({
    instanceId: id,
    instanceType: "t3.medium",
    imageId: "ami-0abcdef1234567890",
    launchTime: launch,
    keyName: "payments-deploy",
    iamInstanceProfile: `arn:aws:iam::${prod}:instance-profile/payments-web`,
    blockDevices: [
      { deviceName: "/dev/xvda", volumeId: genId("vol", `${id}|root`), sizeGiB: 16 },
      { deviceName: "/dev/xvdb", volumeId: genId("vol", `${id}|data`), sizeGiB: 100, deleteOnTermination: false },
    ],
    networkInterfaces: [
      { networkInterfaceId: n === 1 ? DEMO.eni : genId("eni", `${id}|0`), subnetId: subnet, privateIpAddress: `10.20.${n}.23`, groupIds: [DEMO.sg], ...(ip ? { publicIp: ip } : {}) },
      { networkInterfaceId: n === 1 ? DEMO.eni2 : genId("eni", `${id}|1`), subnetId: privSubnet, privateIpAddress: `10.20.${10 + n}.23`, groupIds: [DEMO.sgApp], deviceIndex: 1, description: "app tier" },
    ],
    tags: webTags(n),
    userData: "#!/bin/bash\n/opt/payments/bootstrap.sh --env dev\n",
    consoleOutput: "[    0.000000] Linux version 6.1.0 (builder@example)\ncloud-init: payments bootstrap complete\n",
  });
  const web2 = genId("i", "web-asg|2");
  const web3 = genId("i", "web-asg|3");
  euR.instances!.push(
    webInstance(DEMO.instance, 1, pubA, privA, DEMO.ip, "2026-04-28T06:00:00Z"),
    webInstance(web2, 2, pubB, privB, "198.51.100.24", "2026-04-28T06:00:00Z"),
    webInstance(web3, 3, pubC, privC, "198.51.100.25", "2026-04-29T14:30:00Z"),
    {
      instanceId: DEMO.formerHolder,
      instanceType: "c6i.xlarge",
      imageId: "ami-0abcdef1234567891",
      launchTime: "2026-03-30T11:00:00Z",
      keyName: "data-batch",
      iamInstanceProfile: `arn:aws:iam::${prod}:instance-profile/batch-worker`,
      blockDevices: [{ deviceName: "/dev/xvda", volumeId: genId("vol", `${DEMO.formerHolder}|root`), sizeGiB: 50 }],
      networkInterfaces: [{ networkInterfaceId: "eni-0f9e8d7c6b5a40001", subnetId: privA, privateIpAddress: "10.20.11.45", groupIds: [eu.sgDefault] }],
      tags: { Name: "batch-worker-7", owner: "bob@example.com", team: "data", env: "prod" },
    },
  );
  euR.ssmManagedInstances = [
    { instanceId: DEMO.instance, pingStatus: "Online", platformType: "Linux", platformName: "Amazon Linux", agentVersion: "3.3.1142.0", lastPingDateTime: "2026-05-01T09:25:00Z" },
    { instanceId: web2, pingStatus: "Online", platformType: "Linux", platformName: "Amazon Linux" },
    { instanceId: web3, pingStatus: "Online", platformType: "Linux", platformName: "Amazon Linux" },
  ];
  euR.loadBalancers = [
    {
      name: "payments-alb",
      type: "application",
      securityGroupIds: [DEMO.sgAlb],
      subnetIds: [pubA, pubB, pubC],
      networkInterfaces: [
        { networkInterfaceId: genId("eni", "payments-alb|a"), subnetId: pubA, privateIp: "10.20.1.200", publicIp: "198.51.100.80" },
        { networkInterfaceId: genId("eni", "payments-alb|b"), subnetId: pubB, privateIp: "10.20.2.200", publicIp: "198.51.100.81" },
        { networkInterfaceId: genId("eni", "payments-alb|c"), subnetId: pubC, privateIp: "10.20.3.200", publicIp: "198.51.100.82" },
      ],
      tags: { Team: "payments" },
    },
  ];
  euR.targetGroups = [{ name: "web-tg", protocol: "HTTPS", port: 443, vpcId: eu.vpcId, loadBalancers: ["payments-alb"], targets: [{ id: DEMO.instance }, { id: web2 }, { id: web3 }] }];
  euR.autoScalingGroups = [
    {
      name: "web-asg",
      minSize: 2,
      maxSize: 6,
      desiredCapacity: 3,
      subnetIds: [pubA, pubB, pubC],
      targetGroups: ["web-tg"],
      instances: [{ instanceId: DEMO.instance }, { instanceId: web2 }, { instanceId: web3 }],
      tags: { Team: "payments" },
    },
  ];
  const natEni = genId("eni", "prod-nat-a");
  const natAlloc = genId("eipalloc", "prod-nat-a");
  euR.natGateways = [{ natGatewayId: "nat-0a1b2c3d4e5f60077", subnetId: pubA, networkInterfaceId: natEni, privateIp: "10.20.1.250", allocationId: natAlloc, tags: { Name: "prod-nat-a" } }];
  euR.addresses = [
    { publicIp: DEMO.natIp, allocationId: natAlloc, tags: { Name: "prod-nat-a" } },
    { publicIp: "203.0.113.70", allocationId: genId("eipalloc", "spare-eu"), tags: { Name: "spare" } },
  ];
  euR.networkInterfaces = [
    {
      networkInterfaceId: genId("eni", "lambda-thumbnailer"),
      subnetId: privB,
      description: "AWS Lambda VPC ENI-thumbnailer-6f1c2a9b",
      interfaceType: "lambda",
      requesterManaged: true,
      requesterId: "AROA2EXAMPLELAMBDA01:thumbnailer",
      privateIpAddress: "10.20.12.77",
      groupIds: [DEMO.sgApp],
    },
  ];
  euR.instances!.push(...filler(r, { accountId: prod, region: "eu-west-1", count: 40, subnets: eu.subs.filter((x) => !x.public), groups: [eu.sgDefault], cidr2: 20, launchBase: now - 5 * 86_400_000 }));
  const alice = { username: "alice", sourceIpAddress: "192.0.2.10", userAgent: "aws-cli/2.15.30" };
  const bob = { username: "bob", sourceIpAddress: "192.0.2.11", userAgent: "aws-cli/2.15.30" };
  euR.cloudTrail = [
    ev({ ...bob, eventName: "RunInstances", eventTime: "2026-03-30T11:00:00Z", resources: [{ type: "AWS::EC2::Instance", name: DEMO.formerHolder }], responseElements: { instancesSet: { items: [{ instanceId: DEMO.formerHolder }] } } }),
    ev({ ...bob, eventName: "AllocateAddress", eventTime: "2026-04-02T09:58:00Z", resources: [{ type: "AWS::EC2::EIP", name: DEMO.releasedAlloc }], responseElements: { publicIp: DEMO.releasedIp, allocationId: DEMO.releasedAlloc, domain: "vpc" } }),
    ev({
      ...bob,
      eventName: "AssociateAddress",
      eventTime: "2026-04-02T10:00:00Z",
      resources: [{ type: "AWS::EC2::Instance", name: DEMO.formerHolder }, { type: "AWS::EC2::EIP", name: DEMO.releasedAlloc }],
      requestParameters: { allocationId: DEMO.releasedAlloc, instanceId: DEMO.formerHolder },
      responseElements: { associationId: "eipassoc-0a1b2c3d4e5f60045" },
    }),
    ev({ ...bob, eventName: "DisassociateAddress", eventTime: "2026-04-24T16:00:00Z", resources: [{ type: "AWS::EC2::EIP", name: DEMO.releasedAlloc }], requestParameters: { associationId: "eipassoc-0a1b2c3d4e5f60045" } }),
    ev({ ...bob, eventName: "ReleaseAddress", eventTime: "2026-04-24T16:05:00Z", resources: [{ type: "AWS::EC2::EIP", name: DEMO.releasedAlloc }], requestParameters: { allocationId: DEMO.releasedAlloc } }),
    ev({ ...alice, eventName: "RunInstances", eventTime: "2026-04-28T06:00:00Z", resources: [{ type: "AWS::EC2::Instance", name: DEMO.instance }, { type: "AWS::EC2::Instance", name: web2 }], responseElements: { instancesSet: { items: [{ instanceId: DEMO.instance }, { instanceId: web2 }] } } }),
    ev({
      ...alice,
      eventName: "AuthorizeSecurityGroupIngress",
      eventTime: "2026-04-28T06:20:00Z",
      resources: [{ type: "AWS::EC2::SecurityGroup", name: DEMO.sg }],
      requestParameters: { groupId: DEMO.sg, ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } }] } },
    }),
    ev({ username: "ci-deployer", accessKeyId: DEMO.key, sourceIpAddress: "203.0.113.200", userAgent: "Boto3/1.34.0", eventName: "DescribeInstances", eventTime: "2026-04-30T22:10:00Z", resources: [] }),
    ev({ username: "ci-deployer", accessKeyId: DEMO.key, sourceIpAddress: "203.0.113.200", userAgent: "Boto3/1.34.0", eventName: "RunInstances", eventTime: "2026-04-30T22:14:00Z", errorCode: "Client.UnauthorizedOperation", resources: [] }),
  ];

  // ---- prod, us-east-1: an address that moved ------------------------------------------------
  const use1 = network(prod, "us-east-1", "prod-use1", 30);
  const movedFrom = genId("i", "moved-from");
  const movedTo = genId("i", "moved-to");
  use1.region.instances!.push(
    {
      instanceId: movedFrom,
      instanceType: "t3.small",
      imageId: genId("ami", "us-east-1|al2023"),
      launchTime: "2026-03-01T08:00:00Z",
      networkInterfaces: [{ networkInterfaceId: genId("eni", "moved-from"), subnetId: use1.publicSubnets[0]!, privateIpAddress: "10.30.1.60", groupIds: [use1.sgWeb] }],
      tags: { Name: "marketing-site-old", owner: "carol@example.com", team: "growth" },
    },
    {
      instanceId: movedTo,
      instanceType: "t3.small",
      imageId: genId("ami", "us-east-1|al2023"),
      launchTime: "2026-04-27T08:00:00Z",
      networkInterfaces: [{ networkInterfaceId: genId("eni", "moved-to"), subnetId: use1.publicSubnets[1]!, privateIpAddress: "10.30.2.60", groupIds: [use1.sgWeb] }],
      tags: { Name: "marketing-site", owner: "carol@example.com", team: "growth" },
    },
    ...filler(r, { accountId: prod, region: "us-east-1", count: 30, subnets: use1.subs, groups: [use1.sgDefault], cidr2: 30, publicPool: pool(150, 165), launchBase: now - 3 * 86_400_000 }),
  );
  use1.region.addresses = [{ publicIp: DEMO.movedIp, allocationId: DEMO.movedAlloc, instanceId: movedTo, associationId: "eipassoc-0a1b2c3d4e5f60602", tags: { Name: "marketing" } }];
  use1.region.loadBalancers = [
    {
      name: "legacy-clb",
      type: "classic",
      securityGroupIds: [use1.sgWeb],
      subnetIds: [use1.publicSubnets[0]!],
      instanceIds: [movedFrom],
      networkInterfaces: [{ networkInterfaceId: genId("eni", "legacy-clb"), subnetId: use1.publicSubnets[0]!, privateIp: "10.30.1.201", publicIp: "198.51.100.90" }],
    },
  ];
  use1.region.cloudTrail = [
    ev({ ...alice, eventName: "AllocateAddress", eventTime: "2026-03-01T08:10:00Z", resources: [{ type: "AWS::EC2::EIP", name: DEMO.movedAlloc }], responseElements: { publicIp: DEMO.movedIp, allocationId: DEMO.movedAlloc, domain: "vpc" } }),
    ev({ ...alice, eventName: "AssociateAddress", eventTime: "2026-03-01T08:12:00Z", resources: [{ type: "AWS::EC2::Instance", name: movedFrom }, { type: "AWS::EC2::EIP", name: DEMO.movedAlloc }], requestParameters: { allocationId: DEMO.movedAlloc, instanceId: movedFrom }, responseElements: { associationId: "eipassoc-0a1b2c3d4e5f60601" } }),
    ev({
      ...alice,
      eventName: "AssociateAddress",
      eventTime: "2026-04-28T12:00:00Z",
      resources: [{ type: "AWS::EC2::Instance", name: movedTo }, { type: "AWS::EC2::EIP", name: DEMO.movedAlloc }],
      requestParameters: { allocationId: DEMO.movedAlloc, instanceId: movedTo, allowReassociation: true },
      responseElements: { associationId: "eipassoc-0a1b2c3d4e5f60602" },
    }),
    ev({
      username: "admin",
      sourceIpAddress: "192.0.2.12",
      eventName: "CreateAccessKey",
      eventTime: "2026-02-10T10:00:00Z",
      resources: [{ type: "AWS::IAM::AccessKey", name: DEMO.key }, { type: "AWS::IAM::User", name: "ci-deployer" }],
      responseElements: { accessKey: { accessKeyId: DEMO.key, userName: "ci-deployer", status: "Active" } },
    }),
  ];

  const prodRegions: Record<string, Region> = { "eu-west-1": euR, "us-east-1": use1.region };
  // A little in two more regions, so "every region" has something to skip past.
  for (const [i, region] of ["eu-central-1", "ap-southeast-2"].entries()) {
    const net = network(prod, region, `prod-${region}`, 40 + i);
    net.region.instances!.push(...filler(r, { accountId: prod, region, count: 8, subnets: net.subs.filter((x) => !x.public), groups: [net.sgDefault], cidr2: 40 + i, launchBase: now - 10 * 86_400_000 }));
    prodRegions[region] = net.region;
  }

  // ---- staging, us-east-1: the open proxy ------------------------------------------------------
  const st = network(staging, "us-east-1", "staging", 50);
  const sgProxy = "sg-0b5c6d7e8f9a0f128";
  st.region.securityGroups!.push({
    groupId: sgProxy,
    groupName: "squid-test",
    description: "proxy test, open",
    vpcId: st.vpcId,
    ingress: [
      { protocol: "tcp", port: 3128, cidrIpv4: "0.0.0.0/0" },
      { protocol: "tcp", port: 22, cidrIpv4: "192.0.2.0/24" },
    ],
    tags: { Team: "search" },
  });
  st.region.instances!.push(
    {
      instanceId: DEMO.proxy,
      instanceType: "t3.small",
      imageId: genId("ami", "us-east-1|ubuntu"),
      launchTime: "2026-04-15T13:00:00Z",
      keyName: "search-test",
      blockDevices: [{ deviceName: "/dev/sda1", volumeId: genId("vol", `${DEMO.proxy}|root`), sizeGiB: 20 }],
      rootDeviceName: "/dev/sda1",
      networkInterfaces: [{ networkInterfaceId: "eni-0b5c6d7e8f9a00001", subnetId: st.publicSubnets[0]!, privateIpAddress: "10.50.1.128", publicIp: DEMO.proxyIp, groupIds: [sgProxy] }],
      tags: { Name: "squid-test", Owner: "dave@example.com", Team: "search", Environment: "staging" },
    },
    ...filler(r, { accountId: staging, region: "us-east-1", count: 30, subnets: st.subs, groups: [st.sgDefault], cidr2: 50, publicPool: pool(170, 190), launchBase: now - 7 * 86_400_000 }),
  );
  st.region.cloudTrail = [
    ev({ username: "dave", sourceIpAddress: "192.0.2.20", eventName: "RunInstances", eventTime: "2026-04-15T13:00:00Z", resources: [{ type: "AWS::EC2::Instance", name: DEMO.proxy }], responseElements: { instancesSet: { items: [{ instanceId: DEMO.proxy }] } } }),
    ev({
      username: "dave",
      sourceIpAddress: "192.0.2.20",
      eventName: "AuthorizeSecurityGroupIngress",
      eventTime: "2026-04-15T13:05:00Z",
      resources: [{ type: "AWS::EC2::SecurityGroup", name: sgProxy }],
      requestParameters: { groupId: sgProxy, ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 3128, toPort: 3128, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } }] } },
    }),
  ];
  const stEu = network(staging, "eu-west-1", "staging-eu", 51);
  stEu.region.instances!.push(...filler(r, { accountId: staging, region: "eu-west-1", count: 15, subnets: stEu.subs.filter((x) => !x.public), groups: [stEu.sgDefault], cidr2: 51, launchBase: now - 9 * 86_400_000 }));

  // ---- sandbox ------------------------------------------------------------------------------
  const sb = network(sandbox, "us-west-2", "sandbox", 60);
  sb.region.instances!.push(...filler(r, { accountId: sandbox, region: "us-west-2", count: 20, subnets: sb.subs, groups: [sb.sgDefault, sb.sgWeb], cidr2: 60, publicPool: pool(200, 215), launchBase: now - 2 * 86_400_000 }));

  const estate: EstateInput = {
    version: 1,
    now: DEMO.now,
    organization: { id: "o-a1b2c3d4e5", managementAccountId: prod },
    callerAccountId: prod,
    accounts: [
      {
        accountId: prod,
        name: "prod",
        email: "aws-prod@example.com",
        enabledRegions: [...DEFAULT_REGIONS],
        regions: prodRegions,
        iam: {
          users: [
            {
              userName: "ci-deployer",
              createDate: "2026-02-10T09:55:00Z",
              path: "/automation/",
              attachedPolicies: [`arn:aws:iam::${prod}:policy/ci-deploy`],
              groups: ["automation"],
              tags: { owner: "platform@example.com", team: "platform" },
              accessKeys: [{ accessKeyId: DEMO.key, createDate: "2026-02-10T10:00:00Z", lastUsed: { date: "2026-04-30T22:14:00Z", service: "ec2", region: "eu-west-1" } }],
            },
            { userName: "alice", createDate: "2025-01-10T09:00:00Z", groups: ["admins"], tags: { team: "payments" }, accessKeys: [{ accessKeyId: "AKIA2EXAMPLEKEY00002", createDate: "2025-12-01T09:00:00Z", lastUsed: { date: "2026-04-28T06:20:00Z", service: "ec2", region: "eu-west-1" } }] },
            { userName: "bob", createDate: "2025-01-10T09:00:00Z", groups: ["data"], tags: { team: "data" } },
          ],
        },
        s3Buckets: [
          { name: "payments-invoices-prod", region: "eu-west-1", publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true }, tags: { Team: "payments", Owner: "alice@example.com" } },
          { name: "marketing-assets-public", region: "us-east-1", tags: { team: "growth", owner: "carol@example.com" } },
        ],
        cloudFrontDistributions: [{ id: "E2EXAMPLE0DIST", aliases: ["assets.example.com"], origins: ["marketing-assets-public.s3.amazonaws.com"], tags: { team: "growth" } }],
      },
      {
        accountId: staging,
        name: "staging",
        email: "aws-staging@example.com",
        enabledRegions: ["us-east-1", "us-east-2", "eu-west-1", "us-west-2"],
        regions: { "us-east-1": st.region, "eu-west-1": stEu.region },
        iam: { users: [{ userName: "dave", createDate: "2025-03-01T09:00:00Z", tags: { team: "search" } }] },
      },
      {
        accountId: sandbox,
        name: "sandbox",
        email: "aws-sandbox@example.com",
        enabledRegions: ["us-east-1", "us-west-2", "eu-west-1"],
        regions: { "us-west-2": sb.region },
      },
    ],
  };
  addSamplePosture(estate, DEMO.now, { proxy: DEMO.proxy });
  addSampleLogs(estate, { instance: DEMO.instance, proxy: DEMO.proxy, instanceRole: "payments-web-role" });
  return estate;
}

/** fixtures/estates/sample.yaml, byte for byte. */
export function sampleEstateYaml(): string {
  const header = [
    "# The bundled sample estate: three accounts, the demo incident of the README and the drills.",
    "# GENERATED by scripts/gen-sample-estate.ts from src/cloud/sim/generate.ts; edit those, then run",
    "#   npx tsx scripts/gen-sample-estate.ts",
    "# docs/sim.md lists the ids of the demo incident. Addresses are RFC 5737 documentation ranges.",
    "",
  ].join("\n");
  return header + stringify(sampleEstate(), { lineWidth: 0, flowCollectionPadding: true });
}

/**
 * The benchmark's large estate: one account, `regions` regions, `instances` instances spread over
 * them (each with an ENI, most with a public IP), Elastic IPs, NAT gateways and Auto Scaling
 * groups in proportion. Returns the estate and an IP that is held (the needle) and where.
 */
export function largeEstate(opts: { instances: number; regions?: readonly string[] }): { estate: EstateInput; needle: { ip: string; instanceId: string; region: string } } {
  const regions = opts.regions ?? DEFAULT_REGIONS;
  const accountId = "111122223333";
  const r = rng(10_000);
  const perRegion = Math.ceil(opts.instances / regions.length);
  const out: Record<string, Region> = {};
  let made = 0;
  let needle: { ip: string; instanceId: string; region: string } | undefined;
  regions.forEach((region, ri) => {
    const net = network(accountId, region, `big-${region}`, ri);
    const count = Math.min(perRegion, opts.instances - made);
    const instances: InstanceIn[] = [];
    for (let n = 0; n < count; n++) {
      const key = `big|${region}|${n}`;
      const id = genId("i", key);
      // Public addresses: sequential in 11.0.0.0/8 (never routed: a benchmark needs unique, not real).
      const ip = `11.${ri}.${(n >> 8) & 255}.${n & 255}`;
      const sub = n % 3;
      const k = Math.floor(n / 3);
      instances.push({
        instanceId: id,
        instanceType: pick(r, TYPES),
        imageId: genId("ami", `${region}|al2023`),
        launchTime: "2026-04-01T00:00:00Z",
        networkInterfaces: [
          {
            networkInterfaceId: genId("eni", key),
            subnetId: net.publicSubnets[sub]!,
            privateIpAddress: `10.${ri}.${16 * (sub + 1) + ((k + 4) >> 8)}.${(k + 4) & 255}`,
            groupIds: [net.sgWeb],
            ...(n % 10 === 0 ? {} : { publicIp: ip }),
          },
        ],
        blockDevices: [{ deviceName: "/dev/xvda", volumeId: genId("vol", key), sizeGiB: 8 }],
        tags: { Name: `big-${n}`, team: pick(r, TEAMS), owner: pick(r, OWNERS) },
      });
      if (n % 10 !== 0 && ri === Math.floor(regions.length / 2) && n === Math.floor(count / 2) + 1) needle = { ip, instanceId: id, region };
    }
    made += count;
    // Big public subnets (/20) to hold every instance's private IP.
    net.region.subnets = net.region.subnets!.map((x) => {
      const i = net.publicSubnets.indexOf(x.subnetId);
      return i < 0 ? x : { ...x, cidrBlock: `10.${ri}.${16 * (i + 1)}.0/20` };
    });
    net.region.instances = instances;
    // Elastic IPs on every tenth instance (those without an auto-assigned address).
    net.region.addresses = instances
      .filter((_, n) => n % 10 === 0)
      .map((inst, k) => ({ publicIp: `12.${ri}.${(k >> 8) & 255}.${k & 255}`, allocationId: genId("eipalloc", `${region}|${k}`), instanceId: inst.instanceId }));
    // Auto Scaling groups of 20.
    net.region.autoScalingGroups = [];
    for (let g = 0; g * 20 < instances.length; g++) {
      const members = instances.slice(g * 20, g * 20 + 20).filter((i) => i.state !== "stopped");
      net.region.autoScalingGroups.push({ name: `big-asg-${g}`, minSize: 0, maxSize: 40, desiredCapacity: members.length, subnetIds: net.publicSubnets, instances: members.map((m) => ({ instanceId: m.instanceId })) });
    }
    out[region] = net.region;
  });
  return {
    estate: { version: 1, now: "2026-05-01T09:30:00Z", accounts: [{ accountId, name: "big", enabledRegions: [...regions], regions: out }] },
    needle: needle!,
  };
}
