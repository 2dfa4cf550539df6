/**
 * The estate file: what a simulated AWS estate contains, as a zod schema.
 *
 * The YAML is written by people (drills, tests) and by generators (the sample estate, the 10,000
 * instance benchmark estate), so it is normalised the way AWS is: an ENI holds the private IPs,
 * the groups and the auto-assigned public IP; an Elastic IP says which ENI it is associated with;
 * an instance lists its ENIs. Everything AWS derives (an instance's public IP, its VPC and subnet,
 * an ENI's associations, a NAT gateway's public IP, ARNs, DNS names) is derived by the loader
 * (./load.ts), so an estate can never contradict itself. See docs/sim.md for a walk-through.
 */
import { z } from "zod";
import { iamGroup, iamRole, iamUserExtra, sesAccount, spotRequest } from "./schema-iam.ts";
import { fleetRegionFields } from "./schema-fleet.ts";
import { postureSchema } from "./posture-schema.ts";
import { hostTriageSchema } from "./ssm-schema.ts";
import { logsSchema } from "./logs-schema.ts";
import { instanceProfilesSchema } from "./profile-schema.ts";

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** YAML reads an unquoted 111122223333 as a number; accept it when it has 12 digits (a leading zero would be lost). */
export const accountId = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = typeof v === "number" ? String(v) : v;
  if (!ACCOUNT_ID.test(s)) {
    ctx.addIssue({
      code: "custom",
      message:
        typeof v === "number"
          ? `account id ${s} is not 12 digits (write account ids as quoted strings: "012345678901")`
          : `account id "${s}" is not 12 digits`,
    });
    return z.NEVER;
  }
  return s;
});

export const regionCode = z.string().regex(REGION, "not an AWS region code (eu-west-1, us-east-1...)");
const isoTime = z.iso.datetime({ offset: true, message: "not an ISO 8601 date-time (2025-05-01T10:00:00Z)" });
const tags = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({});
const ipv4 = z.ipv4({ message: "not an IPv4 address" });
const cidr4 = z.cidrv4({ message: "not an IPv4 CIDR (10.0.0.0/16)" });
const cidr6 = z.cidrv6({ message: "not an IPv6 CIDR" });

const prefixed = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `not a ${prefix}- id (${prefix}- then 8 or 17 hex digits)`);

export const ids = {
  instance: prefixed("i"),
  eni: prefixed("eni"),
  sg: prefixed("sg"),
  vpc: prefixed("vpc"),
  subnet: prefixed("subnet"),
  acl: prefixed("acl"),
  alloc: prefixed("eipalloc"),
  assoc: prefixed("eipassoc"),
  nat: prefixed("nat"),
  vol: prefixed("vol"),
  snap: prefixed("snap"),
  ami: prefixed("ami"),
};

/** A security group rule as written: `port: 22` is shorthand for fromPort = toPort = 22. Exactly one peer. */
const sgRule = z
  .object({
    protocol: z.union([z.string(), z.number()]).transform(String).default("tcp"),
    port: z.number().int().min(-1).max(65535).optional(),
    fromPort: z.number().int().min(-1).max(65535).optional(),
    toPort: z.number().int().min(-1).max(65535).optional(),
    cidrIpv4: cidr4.optional(),
    cidrIpv6: cidr6.optional(),
    groupId: ids.sg.optional(),
    prefixListId: z.string().regex(/^pl-[0-9a-f]+$/).optional(),
    description: z.string().optional(),
    ruleId: z.string().regex(/^sgr-[0-9a-f]+$/).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const peers = [r.cidrIpv4, r.cidrIpv6, r.groupId, r.prefixListId].filter((p) => p !== undefined).length;
    if (peers !== 1) ctx.addIssue({ code: "custom", message: "a rule has exactly one peer: cidrIpv4, cidrIpv6, groupId or prefixListId" });
    if (r.port !== undefined && (r.fromPort !== undefined || r.toPort !== undefined))
      ctx.addIssue({ code: "custom", message: "give either port or fromPort/toPort, not both" });
  });
export type SgRuleInput = z.output<typeof sgRule>;

const aclEntry = z
  .object({
    ruleNumber: z.number().int().min(1).max(32767),
    egress: z.boolean().default(false),
    protocol: z.union([z.string(), z.number()]).transform(String).default("-1"),
    ruleAction: z.enum(["allow", "deny"]),
    cidrBlock: cidr4.optional(),
    ipv6CidrBlock: cidr6.optional(),
    portRange: z.object({ from: z.number().int().min(0).max(65535), to: z.number().int().min(0).max(65535) }).strict().optional(),
  })
  .strict()
  .refine((e) => (e.cidrBlock === undefined) !== (e.ipv6CidrBlock === undefined), "an entry has exactly one of cidrBlock, ipv6CidrBlock");

/** An ENI: standalone (a NAT gateway's, a load balancer's, a Lambda function's) or attached to an instance. */
const eniFields = {
  networkInterfaceId: ids.eni,
  subnetId: ids.subnet.optional(),
  description: z.string().default(""),
  interfaceType: z.string().default("interface"),
  /** Set for ENIs AWS manages for a service (ELB, NAT gateway, Lambda): their groups can't be modified. */
  requesterManaged: z.boolean().default(false),
  /** Who created a managed ENI (`amazon-elb`, `AROA...:lambda`...). */
  requesterId: z.string().optional(),
  status: z.enum(["available", "in-use", "attaching", "detaching", "associated"]).optional(),
  macAddress: z.string().optional(),
  privateIpAddress: ipv4,
  secondaryPrivateIpAddresses: z.array(ipv4).default([]),
  ipv6Addresses: z.array(z.string()).default([]),
  /** An auto-assigned public IPv4 (owned by Amazon, released on stop). An Elastic IP is declared under `addresses`. */
  publicIp: ipv4.optional(),
  /** Gets a new auto-assigned public IPv4 when its instance starts (default: when it holds one now). */
  associatePublicIpAddress: z.boolean().optional(),
  groupIds: z.array(ids.sg).default([]),
  sourceDestCheck: z.boolean().default(true),
  deleteOnTermination: z.boolean().optional(),
  tags,
};
const networkInterface = z
  .object({
    ...eniFields,
    attachment: z.object({ instanceId: ids.instance, deviceIndex: z.number().int().min(0) }).strict().optional(),
  })
  .strict();
export type EniInput = z.output<typeof networkInterface>;

const instanceEni = z.object({ ...eniFields, deviceIndex: z.number().int().min(0).optional() }).strict();

const blockDevice = z
  .object({
    deviceName: z.string(),
    volumeId: ids.vol,
    deleteOnTermination: z.boolean().default(true),
    sizeGiB: z.number().int().positive().optional(),
  })
  .strict();

const INSTANCE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"] as const;

const instance = z
  .object({
    instanceId: ids.instance,
    state: z.enum(INSTANCE_STATES).default("running"),
    instanceType: z.string().default("t3.micro"),
    imageId: ids.ami,
    launchTime: isoTime,
    keyName: z.string().optional(),
    platform: z.string().optional(),
    /** Instance profile ARN. */
    iamInstanceProfile: z.string().optional(),
    rootDeviceName: z.string().default("/dev/xvda"),
    blockDevices: z.array(blockDevice).default([]),
    /** The ENIs, declared here; device index 0 (or the first) is the primary one. A terminated instance has none. */
    networkInterfaces: z.array(instanceEni).default([]),
    disableApiTermination: z.boolean().default(false),
    disableApiStop: z.boolean().default(false),
    instanceInitiatedShutdownBehavior: z.enum(["stop", "terminate"]).default("stop"),
    lifecycle: z.enum(["spot", "scheduled", "capacity-block"]).optional(),
    /** MetadataOptions.HttpTokens (IMDSv1 allowed when `optional`). */
    metadataHttpTokens: z.enum(["optional", "required"]).default("required"),
    /** For a terminated instance (it has no ENIs left): the zone it ran in. */
    availabilityZone: z.string().optional(),
    tags,
    /** Returned by GetUserData (the sim base64-encodes it). */
    userData: z.string().optional(),
    /** Returned by GetConsoleOutput. */
    consoleOutput: z.string().optional(),
    /** Returned by GetConsoleScreenshot (base64 JPEG, as AWS returns it). */
    consoleScreenshot: z.string().optional(),
  })
  .strict();
export type InstanceInput = z.output<typeof instance>;

const address = z
  .object({
    publicIp: ipv4,
    allocationId: ids.alloc,
    domain: z.enum(["vpc", "standard"]).default("vpc"),
    /** Associated with this ENI (an instance's, a NAT gateway's...). */
    networkInterfaceId: ids.eni.optional(),
    /** Shorthand: associated with this instance's primary ENI. */
    instanceId: ids.instance.optional(),
    /** Which private IP of the ENI (default: its primary one). */
    privateIpAddress: ipv4.optional(),
    associationId: ids.assoc.optional(),
    tags,
  })
  .strict()
  .refine((a) => !(a.networkInterfaceId && a.instanceId), "give networkInterfaceId or instanceId, not both");

const natGateway = z
  .object({
    natGatewayId: ids.nat,
    subnetId: ids.subnet,
    state: z.enum(["pending", "failed", "available", "deleting", "deleted"]).default("available"),
    connectivityType: z.enum(["public", "private"]).default("public"),
    /** The ENI AWS creates for it (requester-managed); the loader creates it. */
    networkInterfaceId: ids.eni,
    privateIp: ipv4,
    /** The Elastic IP it holds (public NAT gateways). */
    allocationId: ids.alloc.optional(),
    tags,
  })
  .strict();

const lbEni = z.object({ networkInterfaceId: ids.eni, subnetId: ids.subnet, privateIp: ipv4, publicIp: ipv4.optional() }).strict();

const loadBalancer = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9-]{1,32}$/, "load balancer names are 1-32 letters, digits and hyphens"),
    type: z.enum(["application", "network", "gateway", "classic"]),
    scheme: z.enum(["internet-facing", "internal"]).default("internet-facing"),
    securityGroupIds: z.array(ids.sg).default([]),
    subnetIds: z.array(ids.subnet).min(1),
    /** Classic load balancers register instances directly. */
    instanceIds: z.array(ids.instance).default([]),
    /** The ENIs AWS creates for it in its subnets (requester-managed); the loader creates them. */
    networkInterfaces: z.array(lbEni).default([]),
    tags,
  })
  .strict();

const targetGroup = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9-]{1,32}$/),
    targetType: z.enum(["instance", "ip", "lambda", "alb"]).default("instance"),
    protocol: z.string().optional(),
    port: z.number().int().optional(),
    vpcId: ids.vpc.optional(),
    /** Names of the load balancers (in this region) that forward to it. */
    loadBalancers: z.array(z.string()).default([]),
    targets: z
      .array(z.object({ id: z.string(), port: z.number().int().optional(), health: z.string().default("healthy") }).strict())
      .default([]),
  })
  .strict();

const ASG_LIFECYCLE = ["Pending", "InService", "Standby", "Terminating", "Detaching", "EnteringStandby"] as const;
const autoScalingGroup = z
  .object({
    name: z.string().min(1),
    minSize: z.number().int().min(0),
    maxSize: z.number().int().min(0),
    desiredCapacity: z.number().int().min(0),
    subnetIds: z.array(ids.subnet).default([]),
    /** Target group names (in this region). */
    targetGroups: z.array(z.string()).default([]),
    loadBalancerNames: z.array(z.string()).default([]),
    suspendedProcesses: z.array(z.string()).default([]),
    instances: z
      .array(
        z
          .object({
            instanceId: ids.instance,
            lifecycleState: z.enum(ASG_LIFECYCLE).default("InService"),
            healthStatus: z.enum(["Healthy", "Unhealthy"]).default("Healthy"),
            protectedFromScaleIn: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    tags,
  })
  .strict();

const ssmInstance = z
  .object({
    instanceId: ids.instance,
    pingStatus: z.enum(["Online", "ConnectionLost", "Inactive"]).default("Online"),
    platformType: z.enum(["Linux", "Windows", "MacOS"]).optional(),
    platformName: z.string().optional(),
    agentVersion: z.string().optional(),
    lastPingDateTime: isoTime.optional(),
  })
  .strict();

/**
 * A CloudTrail management event. Only `eventName` and `eventTime` are required; the loader fills
 * the rest the way CloudTrail writes it (eventSource from the name, a deterministic eventId, the
 * full CloudTrailEvent record with requestParameters and responseElements).
 */
const trailEvent = z
  .object({
    eventId: z.string().optional(),
    eventName: z.string().min(1),
    eventSource: z.string().optional(),
    eventTime: isoTime,
    username: z.string().optional(),
    accessKeyId: z.string().optional(),
    sourceIpAddress: z.string().optional(),
    userAgent: z.string().optional(),
    resources: z.array(z.object({ type: z.string().optional(), name: z.string().optional() }).strict()).default([]),
    requestParameters: z.record(z.string(), z.unknown()).nullable().default(null),
    responseElements: z.record(z.string(), z.unknown()).nullable().default(null),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
  })
  .strict();
export type TrailEventInput = z.output<typeof trailEvent>;

const snapshot = z
  .object({ snapshotId: ids.snap, volumeId: ids.vol, description: z.string().default(""), startTime: isoTime, tags })
  .strict();

const region = z
  .object({
    vpcs: z
      .array(z.object({ vpcId: ids.vpc, cidrBlock: cidr4, ipv6CidrBlocks: z.array(cidr6).optional(), isDefault: z.boolean().default(false), tags }).strict())
      .default([]),
    subnets: z
      .array(
        z
          .object({
            subnetId: ids.subnet,
            vpcId: ids.vpc,
            cidrBlock: cidr4,
            availabilityZone: z.string(),
            /** Default: the VPC's default network ACL. */
            networkAclId: ids.acl.optional(),
            tags,
          })
          .strict(),
      )
      .default([]),
    /** Each VPC gets a default ACL (allow all, then the `*` deny) when none is declared default. */
    networkAcls: z
      .array(
        z.object({ networkAclId: ids.acl, vpcId: ids.vpc, isDefault: z.boolean().default(false), entries: z.array(aclEntry).default([]), tags }).strict(),
      )
      .default([]),
    securityGroups: z
      .array(
        z
          .object({
            groupId: ids.sg,
            groupName: z.string().min(1),
            description: z.string().default(""),
            vpcId: ids.vpc,
            ingress: z.array(sgRule).default([]),
            /** Default: the allow-all IPv4 egress rule AWS creates with every group. */
            egress: z.array(sgRule).optional(),
            tags,
          })
          .strict(),
      )
      .default([]),
    networkInterfaces: z.array(networkInterface).default([]),
    instances: z.array(instance).default([]),
    addresses: z.array(address).default([]),
    natGateways: z.array(natGateway).default([]),
    loadBalancers: z.array(loadBalancer).default([]),
    targetGroups: z.array(targetGroup).default([]),
    autoScalingGroups: z.array(autoScalingGroup).default([]),
    ssmManagedInstances: z.array(ssmInstance).default([]),
    /** What Run Command answers on these instances (./ssm-schema.ts). */
    hostTriage: hostTriageSchema.default([]),
    snapshots: z.array(snapshot).default([]),
    /** This region's CloudTrail events (IAM and other global services log to us-east-1). */
    cloudTrail: z.array(trailEvent).default([]),
    spotRequests: z.array(spotRequest).default([]),
    ...fleetRegionFields,
    /** SES in this region (absent: SES as a new account has it, sandboxed, sending enabled). */
    ses: sesAccount.optional(),
  })
  .strict();
export type RegionInput = z.output<typeof region>;

const accessKey = z
  .object({
    accessKeyId: z.string().regex(/^(AKIA|ASIA)[A-Z0-9]{16}$/, "not an access key id (AKIA + 16 upper-case letters or digits)"),
    status: z.enum(["Active", "Inactive"]).default("Active"),
    createDate: isoTime,
    lastUsed: z.object({ date: isoTime.optional(), service: z.string().optional(), region: z.string().optional() }).strict().optional(),
  })
  .strict();

const iamUser = z
  .object({
    userName: z.string().regex(/^[\w+=,.@-]{1,64}$/),
    userId: z.string().optional(),
    path: z.string().default("/"),
    createDate: isoTime,
    attachedPolicies: z.array(z.string()).default([]),
    groups: z.array(z.string()).default([]),
    accessKeys: z.array(accessKey).max(2, "IAM allows at most 2 access keys per user").default([]),
    tags,
    ...iamUserExtra,
  })
  .strict();

const bucket = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not a valid S3 bucket name"),
    region: regionCode,
    publicAccessBlock: z
      .object({ blockPublicAcls: z.boolean(), ignorePublicAcls: z.boolean(), blockPublicPolicy: z.boolean(), restrictPublicBuckets: z.boolean() })
      .strict()
      .optional(),
    tags,
  })
  .strict();

const distribution = z
  .object({
    id: z.string().regex(/^E[A-Z0-9]{7,13}$/, "not a CloudFront distribution id (E + upper-case letters and digits)"),
    domainName: z.string().optional(),
    aliases: z.array(z.string()).default([]),
    enabled: z.boolean().default(true),
    origins: z.array(z.string()).default([]),
    status: z.string().default("Deployed"),
    tags,
  })
  .strict();

const account = z
  .object({
    accountId,
    name: z.string().optional(),
    email: z.string().optional(),
    /** Organizations status. */
    status: z.enum(["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"]).default("ACTIVE"),
    /** False: the account is listed (Organizations) but can't be entered (AssumeRole denied). */
    reachable: z.boolean().default(true),
    /** Regions enabled for the account (DescribeRegions). Regions under `regions` must be listed here. */
    enabledRegions: z.array(regionCode).min(1),
    regions: z.record(regionCode, region).default({}),
    iam: z.object({ users: z.array(iamUser).default([]), roles: z.array(iamRole).default([]), groups: z.array(iamGroup).default([]) }).strict().default({ users: [], roles: [], groups: [] }),
    s3Buckets: z.array(bucket).default([]),
    cloudFrontDistributions: z.array(distribution).default([]),
    posture: postureSchema.optional(),
    instanceProfiles: instanceProfilesSchema,
  })
  .strict();
export type AccountInput = z.output<typeof account>;

export const estateSchema = z
  .object({
    version: z.literal(1),
    /** The estate's "now" (CloudTrail's 90 days, times of writes). Default: the real clock. */
    now: isoTime.optional(),
    /** The Organizations view, when the accounts belong to one organization. */
    organization: z.object({ id: z.string().regex(/^o-[a-z0-9]{10,32}$/), managementAccountId: accountId }).strict().optional(),
    /** The account whose credentials the port holds (STS GetCallerIdentity). Default: the first account. */
    callerAccountId: accountId.optional(),
    /** abuse-desk's roles are modelled: each must be under an account's iam.roles, trusting the caller, to be assumed (./access.ts). */
    deskRoles: z.object({ roleName: z.string().default("AbuseDeskReadOnly"), containmentRoleName: z.string().default("AbuseDeskContainment") }).strict().optional(),
    accounts: z.array(account).min(1),
    /** Flow logs with their traffic and trail archives, generated on load (./logs-schema.ts). */
    logs: logsSchema.optional(),
  })
  .strict();

/** An estate as validated (defaults applied); ./load.ts turns it into the simulator's state. */
export type Estate = z.output<typeof estateSchema>;
/** An estate as written (before defaults): what generators produce. */
export type EstateInput = z.input<typeof estateSchema>;
