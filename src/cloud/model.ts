/**
 * What a cloud account says about its resources, as plain data.
 *
 * These are the shapes the cloud port returns (src/cloud/port.ts). The AWS adapter translates SDK
 * responses into them; the simulated account stores them directly (its YAML estate is a list of
 * these, per account and region). Field names follow AWS's own where AWS has one.
 */

export type Tags = Record<string, string>;

export interface Scope {
  accountId: string;
  region: string;
}

export interface AccountInfo {
  accountId: string;
  name?: string;
  /** Where it came from: listed in configuration, discovered through AWS Organizations, the caller's own. */
  origin: "config" | "organizations" | "caller" | "sim";
}

/** A security group rule, one per (direction, protocol, port range, peer). */
export interface SgRule {
  direction: "ingress" | "egress";
  /** `-1` for all traffic, else `tcp` / `udp` / `icmp` / `icmpv6` or an IP protocol number as a string. */
  protocol: string;
  /** Inclusive range; both undefined (or -1) for all ports. */
  fromPort?: number;
  toPort?: number;
  /** Exactly one peer: an IPv4 CIDR, an IPv6 CIDR, another security group, or a prefix list. */
  cidrIpv4?: string;
  cidrIpv6?: string;
  groupId?: string;
  prefixListId?: string;
  description?: string;
  /** AWS's own id for the rule (sgr-...), when known. */
  ruleId?: string;
}

/** AWS writes protocols as names for tcp/udp/icmp/icmpv6 and `-1` for all; numbers 6/17/1/58 mean the same. */
export function normaliseProtocol(p: string): string {
  const s = p.trim().toLowerCase();
  const byNumber: Record<string, string> = { "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", all: "-1" };
  return byNumber[s] ?? s;
}

export interface SecurityGroup {
  groupId: string;
  groupName: string;
  description: string;
  vpcId: string;
  rules: SgRule[];
  tags: Tags;
}

export interface Vpc {
  vpcId: string;
  cidrBlock: string;
  /** IPv6 blocks associated with the VPC (a new security group then also gets a default `::/0` egress rule). */
  ipv6CidrBlocks?: string[];
  isDefault: boolean;
  tags: Tags;
}

export interface Subnet {
  subnetId: string;
  vpcId: string;
  cidrBlock: string;
  availabilityZone: string;
  /** The network ACL associated with this subnet. */
  networkAclId: string;
  tags: Tags;
}

export interface NetworkAclEntry {
  ruleNumber: number;
  egress: boolean;
  /** `-1` for all, else an IP protocol number as a string (`6` TCP, `17` UDP). */
  protocol: string;
  ruleAction: "allow" | "deny";
  cidrBlock?: string;
  ipv6CidrBlock?: string;
  portRange?: { from: number; to: number };
}

export interface NetworkAcl {
  networkAclId: string;
  vpcId: string;
  isDefault: boolean;
  subnetIds: string[];
  entries: NetworkAclEntry[];
  tags: Tags;
}

export interface NetworkInterface {
  networkInterfaceId: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  description: string;
  /** `interface`, `nat_gateway`, `network_load_balancer`, `lambda`, `vpc_endpoint`... (AWS's InterfaceType / RequesterId tell a managed ENI). */
  interfaceType: string;
  /** Set when AWS manages the ENI for a service (ELB, NAT gateway, Lambda); its groups can't be changed by you. */
  requesterManaged: boolean;
  status: string;
  macAddress?: string;
  privateIpAddress: string;
  privateIpAddresses: string[];
  ipv6Addresses: string[];
  /** Public IPs associated with this ENI (an EIP or an auto-assigned one), with the EIP allocation when there is one. */
  associations: { publicIp: string; privateIp: string; allocationId?: string; ipOwnerId?: string }[];
  groupIds: string[];
  attachment?: { instanceId?: string; deviceIndex: number; attachmentId: string; deleteOnTermination: boolean; status: string };
  sourceDestCheck: boolean;
  tags: Tags;
}

export interface BlockDevice {
  deviceName: string;
  volumeId: string;
  deleteOnTermination: boolean;
  sizeGiB?: number;
}

export interface Instance {
  instanceId: string;
  /** `pending` | `running` | `stopping` | `stopped` | `shutting-down` | `terminated`. */
  state: string;
  instanceType: string;
  imageId: string;
  launchTime: string;
  availabilityZone: string;
  vpcId?: string;
  subnetId?: string;
  privateIpAddress?: string;
  publicIpAddress?: string;
  keyName?: string;
  platform?: string;
  /** Instance profile ARN. */
  iamInstanceProfile?: string;
  rootDeviceName?: string;
  blockDevices: BlockDevice[];
  /** ENI ids, primary (device index 0) first. */
  networkInterfaceIds: string[];
  securityGroupIds: string[];
  disableApiTermination?: boolean;
  disableApiStop?: boolean;
  instanceInitiatedShutdownBehavior?: "stop" | "terminate";
  lifecycle?: "spot" | "scheduled" | "capacity-block";
  /** MetadataOptions.HttpTokens: `optional` lets IMDSv1 answer (credentials readable through an SSRF or open proxy), `required` is IMDSv2 only. */
  metadataHttpTokens?: "optional" | "required";
  tags: Tags;
}

/** An EBS snapshot this account owns (containment's evidence; found again by its tags after a crash). */
export interface Snapshot {
  snapshotId: string;
  volumeId: string;
  /** `pending` | `completed` | `error` | `recoverable` | `recovering`. */
  state: string;
  startTime: string;
  description: string;
  tags: Tags;
}

export interface ElasticIp {
  publicIp: string;
  allocationId: string;
  domain: "vpc" | "standard";
  associationId?: string;
  instanceId?: string;
  networkInterfaceId?: string;
  privateIpAddress?: string;
  networkInterfaceOwnerId?: string;
  tags: Tags;
}

export interface NatGateway {
  natGatewayId: string;
  vpcId: string;
  subnetId: string;
  state: string;
  connectivityType: "public" | "private";
  addresses: { publicIp?: string; privateIp: string; allocationId?: string; networkInterfaceId: string }[];
  tags: Tags;
}

export interface LoadBalancer {
  /** ARN for ALB/NLB/GWLB; the name for a classic load balancer. */
  id: string;
  name: string;
  type: "application" | "network" | "gateway" | "classic";
  scheme: "internet-facing" | "internal";
  vpcId?: string;
  dnsName: string;
  securityGroupIds: string[];
  subnetIds: string[];
  /** Classic load balancers register instances directly. */
  instanceIds?: string[];
  tags: Tags;
}

export interface TargetGroup {
  targetGroupArn: string;
  name: string;
  targetType: "instance" | "ip" | "lambda" | "alb";
  protocol?: string;
  port?: number;
  vpcId?: string;
  loadBalancerArns: string[];
  targets: { id: string; port?: number; availabilityZone?: string; health?: string }[];
}

export interface AutoScalingGroup {
  name: string;
  arn?: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  subnetIds: string[];
  targetGroupArns: string[];
  loadBalancerNames: string[];
  suspendedProcesses: string[];
  instances: { instanceId: string; lifecycleState: string; healthStatus: string; protectedFromScaleIn: boolean; availabilityZone: string }[];
  tags: Tags;
}

export interface AccessKey {
  accessKeyId: string;
  userName: string;
  status: "Active" | "Inactive";
  createDate: string;
  lastUsed?: { date?: string; service?: string; region?: string };
}

export interface IamUser {
  userName: string;
  userId: string;
  arn: string;
  createDate: string;
  path: string;
  attachedPolicies: string[];
  groups: string[];
  tags: Tags;
}

/** A CloudTrail management event, reduced to what resolution and investigation read. */
export interface TrailEvent {
  eventId: string;
  eventName: string;
  eventSource: string;
  eventTime: string;
  awsRegion: string;
  username?: string;
  accessKeyId?: string;
  sourceIpAddress?: string;
  /** Resources CloudTrail lists for the event (type and name). */
  resources: { type?: string; name?: string }[];
  /** The event's full CloudTrailEvent JSON, parsed. */
  detail: Record<string, unknown>;
}

export interface SsmManagedInstance {
  instanceId: string;
  pingStatus: string;
  platformType?: string;
  platformName?: string;
  agentVersion?: string;
  lastPingDateTime?: string;
}

export interface Bucket {
  name: string;
  region: string;
  publicAccessBlock?: { blockPublicAcls: boolean; ignorePublicAcls: boolean; blockPublicPolicy: boolean; restrictPublicBuckets: boolean };
  tags: Tags;
}

export interface Distribution {
  id: string;
  arn: string;
  domainName: string;
  aliases: string[];
  enabled: boolean;
  origins: string[];
  status: string;
  tags: Tags;
}

/**
 * The commercial-partition regions AWS enables by default. They can't be disabled (only regions
 * launched after March 2019 are opt-in), so a search may start in them before DescribeRegions has
 * answered, and add the opt-in regions it lists.
 */
export const DEFAULT_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "sa-east-1",
] as const;
