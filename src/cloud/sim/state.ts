/**
 * The simulator's state: an estate normalised the way AWS keeps it, with the indices AWS's own
 * filters stand on (by id, by public IP, by target), so a lookup in a 10,000-instance estate is
 * O(1) like `DescribeNetworkInterfaces --filters addresses.association.public-ip=...`; and the
 * helpers that keep those indices and AWS's defaults (a new group's egress, an ACL's deny rules).
 *
 * The estate builder (./build.ts) turns a validated Estate (./schema.ts) into this state.
 */
import type { InstanceProfile } from "../port-profile.ts";
import type { LogsState } from "./logs.ts";
import { normaliseProtocol, type AccessKey, type BlockDevice, type Bucket, type Distribution, type IamUser, type NetworkAclEntry, type SecurityGroup, type SgRule, type SsmManagedInstance, type Subnet, type Tags, type TrailEvent, type Vpc } from "../model.ts";
import type { SgRuleInput } from "./schema.ts";
import type { SesAccount, SpotInstanceRequest } from "../port-iam.ts";
import type { PostureInput } from "./posture-schema.ts";
import { hexOf } from "./ids.ts";
import type { SsmRegion } from "./ssm.ts";
import type { FleetRegionState } from "./fleet.ts";

export interface EniRec {
  networkInterfaceId: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  description: string;
  interfaceType: string;
  requesterManaged: boolean;
  requesterId?: string;
  macAddress: string;
  privateIpAddress: string;
  secondaryPrivateIpAddresses: string[];
  ipv6Addresses: string[];
  /** The auto-assigned public IPv4 it holds now (released on stop). */
  publicIp?: string;
  /** Gets an auto-assigned public IPv4 when its instance starts. */
  associatePublicIp: boolean;
  groupIds: string[];
  sourceDestCheck: boolean;
  attachment?: { instanceId: string; deviceIndex: number; attachmentId: string; deleteOnTermination: boolean };
  /** Set for service ENIs that are in use without an instance (NAT gateway, ELB, Lambda). */
  inUse: boolean;
  tags: Tags;
}

export interface InstanceRec {
  instanceId: string;
  state: string;
  instanceType: string;
  imageId: string;
  launchTime: string;
  availabilityZone: string;
  keyName?: string;
  platform?: string;
  iamInstanceProfile?: string;
  rootDeviceName: string;
  blockDevices: BlockDevice[];
  /** ENI ids, primary (device index 0) first. */
  eniIds: string[];
  disableApiTermination: boolean;
  disableApiStop: boolean;
  instanceInitiatedShutdownBehavior: "stop" | "terminate";
  lifecycle?: "spot" | "scheduled" | "capacity-block";
  metadataHttpTokens?: "optional" | "required";
  tags: Tags;
  userData?: string;
  consoleOutput?: string;
  consoleScreenshot?: string;
}

export interface EipRec {
  publicIp: string;
  allocationId: string;
  domain: "vpc" | "standard";
  networkInterfaceId?: string;
  privateIpAddress?: string;
  associationId?: string;
  tags: Tags;
}

export interface NatRec {
  natGatewayId: string;
  vpcId: string;
  subnetId: string;
  state: string;
  connectivityType: "public" | "private";
  networkInterfaceId: string;
  privateIp: string;
  allocationId?: string;
  tags: Tags;
}

export interface LbRec {
  id: string;
  name: string;
  type: "application" | "network" | "gateway" | "classic";
  scheme: "internet-facing" | "internal";
  vpcId?: string;
  dnsName: string;
  securityGroupIds: string[];
  subnetIds: string[];
  instanceIds: string[];
  eniIds: string[];
  tags: Tags;
}

export interface TgRec {
  arn: string;
  name: string;
  targetType: "instance" | "ip" | "lambda" | "alb";
  protocol?: string;
  port?: number;
  vpcId?: string;
  loadBalancerArns: string[];
  targets: { id: string; port?: number; health: string }[];
}

export interface AsgInstanceRec {
  instanceId: string;
  lifecycleState: string;
  healthStatus: string;
  protectedFromScaleIn: boolean;
}

export interface AsgRec {
  name: string;
  arn: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  subnetIds: string[];
  targetGroupArns: string[];
  loadBalancerNames: string[];
  suspendedProcesses: string[];
  instances: AsgInstanceRec[];
  tags: Tags;
}

export interface AclRec {
  networkAclId: string;
  vpcId: string;
  isDefault: boolean;
  entries: NetworkAclEntry[];
  tags: Tags;
}

export interface SnapshotRec {
  snapshotId: string;
  volumeId: string;
  description: string;
  startTime: string;
  state: string;
  tags: Tags;
}

export interface RegionState {
  accountId: string;
  region: string;
  vpcs: Map<string, Vpc>;
  subnets: Map<string, Subnet>;
  acls: Map<string, AclRec>;
  groups: Map<string, SecurityGroup>;
  enis: Map<string, EniRec>;
  instances: Map<string, InstanceRec>;
  /** By allocation id. */
  eips: Map<string, EipRec>;
  nats: Map<string, NatRec>;
  /** By id: ARN for ALB/NLB/GWLB, name for classic. */
  lbs: Map<string, LbRec>;
  tgs: Map<string, TgRec>;
  asgs: Map<string, AsgRec>;
  ssm: Map<string, SsmManagedInstance>;
  snapshots: Map<string, SnapshotRec>;
  /** Tags of EBS volumes (the volumes themselves live in their instances' block devices). */
  volumeTags: Map<string, Tags>;
  /** Volumes left behind by a terminated instance (delete-on-termination off): evidence that survived. */
  survivingVolumes: Map<string, { volumeId: string; sizeGiB?: number; fromInstance: string; deviceName: string }>;
  /** Newest first. */
  trail: TrailEvent[];
  spot?: Map<string, SpotInstanceRequest>;
  /** Spot fleets, EC2 fleets, Lightsail (./fleet.ts). */
  fleet?: FleetRegionState;
  ses?: SesAccount;
  /** Public IPv4 -> the ENI holding it now (an EIP's or an auto-assigned one). */
  byPublicIp: Map<string, { eniId: string; allocationId?: string }>;
  /** Public IPv4 -> allocation id, for every Elastic IP (associated or not). */
  eipByIp: Map<string, string>;
  /** ENI id -> the Elastic IPs associated with it. */
  eipsByEni: Map<string, EipRec[]>;
  /** Target id (instance id, IP) -> target group ARNs. */
  tgsByTarget: Map<string, Set<string>>;
  /** Run Command: scripted host outputs and the commands sent (./ssm.ts). */
  hostTriage: SsmRegion["hostTriage"];
  commands: SsmRegion["commands"];
}

export interface UserRec {
  user: IamUser;
  keys: AccessKey[];
  loginProfile?: { createDate: string; passwordResetRequired: boolean };
  /** Inline policies: name -> document (JSON text). */
  inline?: Map<string, string>;
}

export interface RoleRec {
  roleName: string;
  roleId: string;
  arn: string;
  path: string;
  createDate: string;
  trustPolicy: string;
  attachedPolicies: string[];
  inline: Map<string, string>;
}

export interface GroupRec {
  groupName: string;
  arn: string;
  path: string;
  createDate: string;
  attachedPolicies: string[];
  inline: Map<string, string>;
}

export interface AccountState {
  accountId: string;
  name?: string;
  email?: string;
  status: string;
  reachable: boolean;
  enabledRegions: string[];
  regions: Map<string, RegionState>;
  users: Map<string, UserRec>;
  roles?: Map<string, RoleRec>;
  /** IAM groups (./iam.ts); `groups` of a region are security groups. */
  iamGroups?: Map<string, GroupRec>;
  /** What the readiness checks read (./posture.ts). */
  posture: PostureInput;
  buckets: Map<string, Bucket>;
  distributions: Map<string, Distribution>;
}

export interface SimState {
  /** Flow logs, S3 objects, log groups and Logs Insights queries (./logs.ts), created on first use. */
  logs?: LogsState;
  now?: string;
  /** Ids the simulator has drawn so far (kept in the state so a persisted account never reuses one). */
  idCounter: number;
  organization?: { id: string; managementAccountId: string };
  /** abuse-desk's role names, when the estate models its roles (./access.ts). */
  deskRoles?: { roleName: string; containmentRoleName: string };
  callerAccountId: string;
  accounts: Map<string, AccountState>;
  /** Account -> instance profile name -> the profile (./profile.ts). */
  instanceProfiles?: Map<string, Map<string, InstanceProfile>>;
}

/** The egress AWS gives a new security group: all IPv4 traffic, and all IPv6 traffic when the VPC has an IPv6 block. */
export function defaultEgress(vpc: Vpc | undefined): SgRule[] {
  const rules: SgRule[] = [{ direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" }];
  if (vpc?.ipv6CidrBlocks?.length) rules.push({ direction: "egress", protocol: "-1", cidrIpv6: "::/0" });
  return rules;
}

export function toRule(direction: "ingress" | "egress", r: SgRuleInput): SgRule {
  const protocol = normaliseProtocol(r.protocol);
  const rule: SgRule = { direction, protocol };
  const from = r.port ?? r.fromPort;
  // A TCP/UDP rule given one port is that port; an ICMP rule given a type only is every code of it (-1), as the adapter sends it.
  const icmp = protocol === "icmp" || protocol === "icmpv6";
  const to = r.port ?? r.toPort ?? (icmp ? -1 : r.fromPort);
  if (protocol !== "-1" && from !== undefined && from !== -1) {
    rule.fromPort = from;
    rule.toPort = to ?? from;
  }
  if (r.cidrIpv4 !== undefined) rule.cidrIpv4 = r.cidrIpv4;
  if (r.cidrIpv6 !== undefined) rule.cidrIpv6 = r.cidrIpv6;
  if (r.groupId !== undefined) rule.groupId = r.groupId;
  if (r.prefixListId !== undefined) rule.prefixListId = r.prefixListId;
  if (r.description !== undefined) rule.description = r.description;
  if (r.ruleId !== undefined) rule.ruleId = r.ruleId;
  return rule;
}

export function lbArn(accountId: string, region: string, type: string, name: string): string {
  const kind = type === "application" ? "app" : type === "network" ? "net" : "gwy";
  return `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/${kind}/${name}/${hexOf(`${accountId}${region}${name}`, 16)}`;
}

export function tgArn(accountId: string, region: string, name: string): string {
  return `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${name}/${hexOf(`tg${accountId}${region}${name}`, 16)}`;
}

export function emptyRegion(accountId: string, region: string): RegionState {
  return {
    accountId,
    region,
    vpcs: new Map(),
    subnets: new Map(),
    acls: new Map(),
    groups: new Map(),
    enis: new Map(),
    instances: new Map(),
    eips: new Map(),
    nats: new Map(),
    lbs: new Map(),
    tgs: new Map(),
    asgs: new Map(),
    ssm: new Map(),
    snapshots: new Map(),
    volumeTags: new Map(),
    survivingVolumes: new Map(),
    trail: [],
    byPublicIp: new Map(),
    eipByIp: new Map(),
    eipsByEni: new Map(),
    tgsByTarget: new Map(),
    hostTriage: new Map(),
    commands: new Map(),
  };
}

/** The rules every network ACL ends with, which can't be removed (`*` in the console). */
export function defaultDenyEntries(): NetworkAclEntry[] {
  return [
    { ruleNumber: 32767, egress: false, protocol: "-1", ruleAction: "deny", cidrBlock: "0.0.0.0/0" },
    { ruleNumber: 32767, egress: true, protocol: "-1", ruleAction: "deny", cidrBlock: "0.0.0.0/0" },
  ];
}

/** Rebuilds the public-IP index of a region from its ENIs and EIPs. */
export function reindexIps(rs: RegionState): void {
  rs.byPublicIp.clear();
  rs.eipByIp.clear();
  rs.eipsByEni.clear();
  for (const eni of rs.enis.values()) if (eni.publicIp) rs.byPublicIp.set(eni.publicIp, { eniId: eni.networkInterfaceId });
  for (const eip of rs.eips.values()) {
    rs.eipByIp.set(eip.publicIp, eip.allocationId);
    if (!eip.networkInterfaceId) continue;
    rs.byPublicIp.set(eip.publicIp, { eniId: eip.networkInterfaceId, allocationId: eip.allocationId });
    const list = rs.eipsByEni.get(eip.networkInterfaceId);
    if (list) list.push(eip);
    else rs.eipsByEni.set(eip.networkInterfaceId, [eip]);
  }
}

export function indexTargets(rs: RegionState): void {
  rs.tgsByTarget.clear();
  for (const tg of rs.tgs.values()) for (const t of tg.targets) addTargetIndex(rs, t.id, tg.arn);
}

export function addTargetIndex(rs: RegionState, targetId: string, arn: string): void {
  let set = rs.tgsByTarget.get(targetId);
  if (!set) rs.tgsByTarget.set(targetId, (set = new Set()));
  set.add(arn);
}
