/**
 * The scripted attacker of issue 14 on a simulated account: an access key of `ci-deploy` exposed
 * in a public repository; within the hour the attacker lists buckets, creates a backdoor user with
 * a key and a console password, gives it AdministratorAccess, opens the trust of `deploy-role` to
 * an account of theirs, attaches AdministratorAccess to that role too, puts an inline policy on
 * the existing user `reporting`, attaches IAMFullAccess and puts an inline policy on the group
 * `developers`, puts an inline policy on the role it created, launches GPU miners in 5 regions, requests spot capacity with the backdoor
 * key, stops CloudTrail logging in one region, creates an SES identity and opens SSH to the world.
 * More miners come through a spot fleet (us-east-2, the backdoor key), a maintain EC2 fleet
 * (ap-northeast-1) and a Lightsail instance (eu-west-2), whose instances CloudTrail names no swept
 * principal for. An instance and a Lightsail instance a colleague launched in the window (no
 * attacker event) are there too. The sweep must
 * find all of it; the plan must contain it; rollback must restore what the plan changed.
 *
 * Used by test/credentials and bench/sweep.bench.ts (`regions` and `eventsPerRegion` scale it).
 */
import type { EstateInput } from "../cloud/sim/schema.ts";

export const SCENARIO = {
  account: "210987654321",
  attackerAccount: "666666666666",
  exposedKey: "AKIAEXPOSEDKEY000001",
  otherKey: "AKIACIDEPLOYOTHER001",
  holder: "ci-deploy",
  backdoorUser: "backup-admin",
  backdoorKey: "AKIABACKDOORKEY00001",
  role: "deploy-role",
  createdRole: "ops-automation",
  /** An existing user of the customer's, an existing group, and the policies the attacker gave them. */
  ownUser: "reporting",
  ownUserInline: "s3-sync",
  group: "developers",
  groupPolicy: "arn:aws:iam::aws:policy/IAMFullAccess",
  groupInline: "dev-escalate",
  createdRoleInline: "ops-inline",
  adminPolicy: "arn:aws:iam::aws:policy/AdministratorAccess",
  /** The attacker's inline document: what IAM URL-encodes (spaces, %, +, &, quotes, non-ASCII) must come back byte for byte. */
  inlineDocument: '{"Version":"2012-10-17","Statement":[{"Sid":"sync 100% + more","Effect":"Allow","Action":["s3:*","iam:PassRole"],"Resource":"*","Condition":{"StringLike":{"aws:userid":"*:ci & co \u00e9"}}}]}',
  exposedAt: "2025-06-01T07:55:00Z",
  now: "2025-06-02T12:00:00Z",
  minerRegions: ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1", "sa-east-1"],
  minerType: "g4dn.12xlarge",
  spotRegion: "us-west-2",
  spotRequest: "sir-a77ac4e1",
  spotInstance: "i-0a7ac4e100000005f",
  loggingStoppedIn: "eu-west-1",
  /** The single-region trail of eu-west-1 the attacker stopped (StopLogging names it by ARN). */
  stoppedTrail: "regional",
  sesRegion: "us-east-1",
  sesIdentity: "billing@attacker.example",
  openedGroup: "sg-0a7ac4e100000000e",
  colleagueRegion: "eu-central-1",
  colleagueInstance: "i-0c011ea9e00000001",
  spotFleetRegion: "us-east-2",
  spotFleet: "sfr-0a7ac4e1-0000-4000-8000-000000000001",
  spotFleetInstance: "i-0a7ac4e10000000f1",
  fleetRegion: "ap-northeast-1",
  fleet: "fleet-0a7ac4e1-0000-4000-8000-000000000002",
  fleetInstance: "i-0a7ac4e10000000f2",
  fleetType: "g5.12xlarge",
  lightsailRegion: "eu-west-2",
  lightsailInstance: "wp-backup-1",
  lightsailBundle: "2xlarge_3_0",
  colleagueLightsail: "alice-dev",
  originalTrust: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] },
  attackerTrust: {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      { Effect: "Allow", Principal: { AWS: "arn:aws:iam::666666666666:root" }, Action: "sts:AssumeRole" },
    ],
  },
} as const;

/** The 17 regions enabled by default (2025). */
export const DEFAULT_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1", "eu-west-2", "eu-west-3",
  "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
];

const hex = (n: number, width = 17) => n.toString(16).padStart(width, "0");
const minerId = (i: number) => `i-0a7ac4e1${hex(i, 9)}`;
const at = (hhmm: string) => `2025-06-01T${hhmm}:00Z`;

export interface ScenarioOptions {
  /** Regions enabled (default: the 17 default regions). */
  regions?: readonly string[];
  /** Unrelated events per region spread over the 30 days before now (the benchmark's load); default 0. */
  noisePerRegion?: number;
  /** Events of the exposed key per region spread over the 30 days before now (the benchmark's load); default 0. */
  keyEventsPerRegion?: number;
}

export function compromisedKeyEstate(o: ScenarioOptions = {}): EstateInput {
  const S = SCENARIO;
  const regions = [...(o.regions ?? DEFAULT_REGIONS)];
  const key = { username: S.holder, accessKeyId: S.exposedKey, sourceIpAddress: "203.0.113.66", userAgent: "aws-cli/2.15.0 attacker" };
  const backdoor = { username: S.backdoorUser, accessKeyId: S.backdoorKey, sourceIpAddress: "203.0.113.66" };
  const byRegion: Record<string, NonNullable<EstateInput["accounts"][number]["regions"]>[string]> = {};
  const trail = (region: string) => ((byRegion[region] ??= {}).cloudTrail ??= []) as NonNullable<NonNullable<EstateInput["accounts"][number]["regions"]>[string]["cloudTrail"]>;
  const base = (region: string, n: number) => {
    const r = (byRegion[region] ??= {});
    const vpc = `vpc-0a7ac4e1${hex(n, 9)}`;
    const subnet = `subnet-0a7ac4e1${hex(n, 9)}`;
    const sg = region === S.loggingStoppedIn ? S.openedGroup : `sg-0a7ac4e1${hex(n, 9)}`;
    r.vpcs = [{ vpcId: vpc, cidrBlock: "172.31.0.0/16", isDefault: true }];
    r.subnets = [{ subnetId: subnet, vpcId: vpc, cidrBlock: "172.31.0.0/20", availabilityZone: `${region}a` }];
    r.securityGroups = [{ groupId: sg, groupName: "default", vpcId: vpc, ingress: region === S.loggingStoppedIn ? [{ protocol: "tcp", port: 22, cidrIpv4: "0.0.0.0/0" }] : [] }];
    return { subnet, sg };
  };

  regions.forEach((region, ri) => {
    const n = ri + 1;
    const { subnet, sg } = base(region, n);
    const r = byRegion[region]!;
    r.instances = [];
    const mi = S.minerRegions.indexOf(region as (typeof S.minerRegions)[number]);
    if (mi >= 0) {
      const id = minerId(n);
      r.instances.push({
        instanceId: id,
        instanceType: S.minerType,
        imageId: "ami-0a7ac4e100000001",
        launchTime: at(`08:2${mi}`),
        keyName: "miner",
        blockDevices: [{ deviceName: "/dev/xvda", volumeId: `vol-0a7ac4e1${hex(n, 9)}`, sizeGiB: 100 }],
        networkInterfaces: [{ networkInterfaceId: `eni-0a7ac4e1${hex(n, 9)}`, subnetId: subnet, privateIpAddress: `172.31.0.${10 + n}`, publicIp: `198.51.100.${100 + n}`, groupIds: [sg] }],
        tags: {},
      });
      trail(region).push({ eventName: "RunInstances", eventTime: at(`08:2${mi}`), ...key, requestParameters: { instanceType: S.minerType, instancesSet: { items: [{ imageId: "ami-0a7ac4e100000001", minCount: 1, maxCount: 1 }] } }, responseElements: { instancesSet: { items: [{ instanceId: id, instanceType: S.minerType }] } } });
    }
    if (region === S.spotRegion) {
      r.instances.push({
        instanceId: S.spotInstance,
        instanceType: "p3.2xlarge",
        imageId: "ami-0a7ac4e100000001",
        launchTime: at("08:26"),
        lifecycle: "spot",
        blockDevices: [{ deviceName: "/dev/xvda", volumeId: "vol-0a7ac4e10000005f0", sizeGiB: 100 }],
        networkInterfaces: [{ networkInterfaceId: "eni-0a7ac4e10000005f0", subnetId: subnet, privateIpAddress: "172.31.0.99", groupIds: [sg] }],
        tags: {},
      });
      r.spotRequests = [{ spotInstanceRequestId: S.spotRequest, state: "active", instanceType: "p3.2xlarge", instanceId: S.spotInstance, createTime: at("08:25") }];
      trail(region).push({ eventName: "RequestSpotInstances", eventTime: at("08:25"), ...backdoor, requestParameters: { instanceCount: 1, launchSpecification: { instanceType: "p3.2xlarge" } }, responseElements: { spotInstanceRequestSet: { items: [{ spotInstanceRequestId: S.spotRequest, state: "open" }] } } });
      trail(region).push({ eventName: "RunInstances", eventTime: at("08:26"), username: "spot.amazonaws.com" as string, responseElements: { instancesSet: { items: [{ instanceId: S.spotInstance, instanceType: "p3.2xlarge" }] } } });
    }
    // Fleets: their instances are launched by the fleet service, not by a swept principal.
    const fleetInstance = (instanceId: string, instanceType: string, launchTime: string) => ({
      instanceId,
      instanceType,
      imageId: "ami-0a7ac4e100000001",
      launchTime,
      lifecycle: "spot" as const,
      blockDevices: [{ deviceName: "/dev/xvda", volumeId: `vol-${instanceId.slice(2)}`, sizeGiB: 100 }],
      networkInterfaces: [{ networkInterfaceId: `eni-${instanceId.slice(2)}`, subnetId: subnet, privateIpAddress: "172.31.0.98", groupIds: [sg] }],
      tags: {},
    });
    if (region === S.spotFleetRegion) {
      r.instances.push(fleetInstance(S.spotFleetInstance, "p3.8xlarge", at("08:28")));
      r.spotFleets = [{ spotFleetRequestId: S.spotFleet, state: "active", type: "maintain", createTime: at("08:27"), targetCapacity: 1, instanceTypes: ["p3.8xlarge"], instanceIds: [S.spotFleetInstance] }];
      trail(region).push({
        eventName: "RequestSpotFleet",
        eventTime: at("08:27"),
        ...backdoor,
        requestParameters: { RequestSpotFleetRequest: { SpotFleetRequestConfig: { TargetCapacity: 1, Type: "maintain", LaunchSpecifications: { item: { InstanceType: "p3.8xlarge" } } } } },
        responseElements: { RequestSpotFleetResponse: { spotFleetRequestId: S.spotFleet } },
      });
    }
    if (region === S.fleetRegion) {
      r.instances.push(fleetInstance(S.fleetInstance, S.fleetType, at("08:29")));
      r.fleets = [{ fleetId: S.fleet, state: "active", type: "maintain", createTime: at("08:28"), targetCapacity: 1, instanceTypes: [S.fleetType], instanceIds: [S.fleetInstance] }];
      trail(region).push({ eventName: "CreateFleet", eventTime: at("08:28"), ...key, requestParameters: { CreateFleetRequest: { Type: "maintain", TargetCapacitySpecification: { TotalTargetCapacity: 1 } } }, responseElements: { CreateFleetResponse: { fleetId: S.fleet, errorSet: "", fleetInstanceSet: "" } } });
    }
    if (region === S.lightsailRegion) {
      r.lightsailInstances = [{ name: S.lightsailInstance, createdAt: at("08:31"), state: "running", bundleId: S.lightsailBundle, blueprintId: "ubuntu_22_04", publicIpAddress: "198.51.100.201", tags: {} }];
      trail(region).push({ eventName: "CreateInstances", eventTime: at("08:31"), ...key, eventSource: "lightsail.amazonaws.com", requestParameters: { instanceNames: [S.lightsailInstance], availabilityZone: `${region}a`, blueprintId: "ubuntu_22_04", bundleId: S.lightsailBundle } });
    }
    if (region === S.colleagueRegion) {
      // A colleague's Lightsail instance in the window, with no event of a swept principal.
      r.lightsailInstances = [{ name: S.colleagueLightsail, createdAt: at("10:05"), state: "running", bundleId: "small_3_0", blueprintId: "debian_12", tags: { Owner: "alice" } }];
      r.instances.push({
        instanceId: S.colleagueInstance,
        instanceType: "t3.micro",
        imageId: "ami-0a7ac4e100000002",
        launchTime: at("10:00"),
        networkInterfaces: [{ networkInterfaceId: "eni-0c011ea9e00000001", subnetId: subnet, privateIpAddress: "172.31.0.200", groupIds: [sg] }],
        tags: { Owner: "alice" },
      });
      trail(region).push({ eventName: "RunInstances", eventTime: at("10:00"), username: "alice", accessKeyId: "AKIAALICEKEY00000001", responseElements: { instancesSet: { items: [{ instanceId: S.colleagueInstance, instanceType: "t3.micro" }] } } });
    }
    if (region === S.loggingStoppedIn) {
      trail(region).push({ eventName: "StopLogging", eventTime: at("08:30"), ...backdoor, requestParameters: { name: `arn:aws:cloudtrail:${region}:${S.account}:trail/${S.stoppedTrail}` } });
      trail(region).push({
        eventName: "AuthorizeSecurityGroupIngress",
        eventTime: at("08:40"),
        ...key,
        requestParameters: { groupId: sg, ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } }] } },
      });
    }
    // Load for the benchmark: the key's own reads in every region, and other people's events.
    for (let i = 0; i < (o.keyEventsPerRegion ?? 0); i++)
      trail(region).push({ eventName: "DescribeInstances", eventTime: new Date(Date.parse(S.now) - 30 * 86_400_000 + (i + 1) * Math.floor((30 * 86_400_000) / ((o.keyEventsPerRegion ?? 1) + 1))).toISOString(), ...key });
    for (let i = 0; i < (o.noisePerRegion ?? 0); i++)
      trail(region).push({ eventName: "DescribeInstances", eventTime: new Date(Date.parse(S.now) - 30 * 86_400_000 + i * 60_000).toISOString(), username: "monitoring", accessKeyId: "AKIAMONITORING000001" });
  });

  // Global (IAM, STS, S3 listing, SES) events: us-east-1.
  const g = trail("us-east-1");
  g.push(
    { eventName: "CreateRole", eventTime: "2025-04-01T09:00:00Z", username: "admin", requestParameters: { roleName: S.role, assumeRolePolicyDocument: JSON.stringify(S.originalTrust) }, resources: [] },
    { eventName: "ListBuckets", eventTime: at("08:00"), ...key },
    { eventName: "CreateUser", eventTime: at("08:05"), ...key, requestParameters: { userName: S.backdoorUser }, responseElements: { user: { userName: S.backdoorUser } } },
    { eventName: "AttachUserPolicy", eventTime: at("08:06"), ...key, requestParameters: { userName: S.backdoorUser, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" } },
    { eventName: "CreateAccessKey", eventTime: at("08:07"), ...key, requestParameters: { userName: S.backdoorUser }, responseElements: { accessKey: { accessKeyId: S.backdoorKey, userName: S.backdoorUser, status: "Active" } } },
    { eventName: "CreateLoginProfile", eventTime: at("08:08"), ...key, requestParameters: { userName: S.backdoorUser, passwordResetRequired: false } },
    { eventName: "CreateRole", eventTime: at("08:09"), ...backdoor, requestParameters: { roleName: S.createdRole, assumeRolePolicyDocument: JSON.stringify(S.attackerTrust) } },
    { eventName: "UpdateAssumeRolePolicy", eventTime: at("08:10"), ...backdoor, requestParameters: { roleName: S.role, policyDocument: JSON.stringify(S.attackerTrust) } },
    { eventName: "PutUserPolicy", eventTime: at("08:11"), ...key, requestParameters: { userName: S.ownUser, policyName: S.ownUserInline, policyDocument: S.inlineDocument } },
    { eventName: "AttachRolePolicy", eventTime: at("08:12"), ...backdoor, requestParameters: { roleName: S.role, policyArn: S.adminPolicy } },
    { eventName: "AttachGroupPolicy", eventTime: at("08:13"), ...backdoor, requestParameters: { groupName: S.group, policyArn: S.groupPolicy } },
    { eventName: "PutGroupPolicy", eventTime: at("08:14"), ...backdoor, requestParameters: { groupName: S.group, policyName: S.groupInline, policyDocument: S.inlineDocument } },
    { eventName: "PutRolePolicy", eventTime: at("08:15"), ...backdoor, requestParameters: { roleName: S.createdRole, policyName: S.createdRoleInline, policyDocument: S.inlineDocument } },
    { eventName: "CreateEmailIdentity", eventTime: at("08:35"), ...key, eventSource: "ses.amazonaws.com", requestParameters: { emailIdentity: S.sesIdentity } },
    // Someone else's work in the window: not the attacker's, not in the inventory.
    { eventName: "CreateUser", eventTime: at("11:00"), username: "admin", requestParameters: { userName: "new-hire" } },
  );
  byRegion["us-east-1"]!.ses = { sendingEnabled: true, productionAccessEnabled: true, max24HourSend: 50000 };

  return {
    version: 1,
    now: S.now,
    callerAccountId: S.account,
    accounts: [
      {
        accountId: S.account,
        name: "victim",
        enabledRegions: regions,
        // The trail as the attacker's StopLogging left it: there, not logging.
        posture: { trails: [{ name: S.stoppedTrail, homeRegion: S.loggingStoppedIn, isMultiRegionTrail: false, s3BucketName: `trail-${S.account}`, isLogging: false }] },
        regions: byRegion,
        iam: {
          users: [
            {
              userName: S.holder,
              createDate: "2024-01-10T00:00:00Z",
              attachedPolicies: ["arn:aws:iam::aws:policy/AmazonEC2FullAccess", "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3"],
              accessKeys: [
                { accessKeyId: S.exposedKey, createDate: "2024-01-10T00:00:00Z", lastUsed: { date: at("08:40"), service: "ec2", region: "eu-west-1" } },
                { accessKeyId: S.otherKey, createDate: "2025-02-01T00:00:00Z", lastUsed: { date: "2025-05-30T00:00:00Z", service: "s3", region: "us-east-1" } },
              ],
            },
            {
              userName: S.backdoorUser,
              createDate: at("08:05"),
              attachedPolicies: ["arn:aws:iam::aws:policy/AdministratorAccess"],
              accessKeys: [{ accessKeyId: S.backdoorKey, createDate: at("08:07"), lastUsed: { date: at("08:30"), service: "cloudtrail", region: S.loggingStoppedIn } }],
              loginProfile: { createDate: at("08:08") },
            },
            { userName: "new-hire", createDate: at("11:00") },
            { userName: S.ownUser, createDate: "2024-03-01T00:00:00Z", groups: [S.group], inlinePolicies: { [S.ownUserInline]: S.inlineDocument } },
          ],
          groups: [{ groupName: S.group, createDate: "2024-03-01T00:00:00Z", attachedPolicies: ["arn:aws:iam::aws:policy/ReadOnlyAccess", S.groupPolicy], inlinePolicies: { [S.groupInline]: S.inlineDocument } }],
          roles: [
            { roleName: S.createdRole, createDate: at("08:09"), trustPolicy: S.attackerTrust, attachedPolicies: [S.adminPolicy], inlinePolicies: { [S.createdRoleInline]: S.inlineDocument } },
            { roleName: S.role, createDate: "2025-04-01T09:00:00Z", trustPolicy: S.attackerTrust, attachedPolicies: ["arn:aws:iam::aws:policy/PowerUserAccess", S.adminPolicy] },
          ],
        },
      },
    ],
  };
}
