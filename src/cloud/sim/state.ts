/**
 * The simulator's state: an estate normalised the way AWS keeps it, with the indices AWS's own
 * filters stand on (by id, by public IP, by target), so a lookup in a 10,000-instance estate is
 * O(1) like `DescribeNetworkInterfaces --filters addresses.association.public-ip=...`.
 *
 * `buildState` turns a validated Estate (./schema.ts) into this state and checks every
 * cross-reference (a subnet's VPC, an ENI's groups, an EIP's ENI, a target's instance...), naming
 * the estate path of each bad value, so a hand-written estate can't describe an impossible account.
 */
import type { LogsState } from "./logs.ts";
import ipaddr from "ipaddr.js";
import { normaliseProtocol, type AccessKey, type BlockDevice, type Bucket, type Distribution, type IamUser, type NetworkAclEntry, type SecurityGroup, type SgRule, type SsmManagedInstance, type Subnet, type Tags, type TrailEvent, type Vpc } from "../model.ts";
import type { Estate, RegionInput, SgRuleInput } from "./schema.ts";
import type { SesAccount, SpotInstanceRequest } from "../port-iam.ts";
import { buildIamExtras, buildRegionExtras } from "./iam.ts";
import { EMPTY_POSTURE, type PostureInput } from "./posture-schema.ts";
import { hexOf, macOf, uuidOf } from "./ids.ts";
import type { SsmRegion } from "./ssm.ts";
import { buildTrailEvent, byNewestFirst, eventSourceOf } from "./trail.ts";

export type Path = (string | number)[];
export interface EstateIssue {
  path: Path;
  message: string;
}

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
  callerAccountId: string;
  accounts: Map<string, AccountState>;
  /** Account -> instance profile name -> the profile (./profile.ts). */
  instanceProfiles?: Map<string, Map<string, import("../port-profile.ts").InstanceProfile>>;
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
  const to = r.port ?? r.toPort ?? r.fromPort;
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

/**
 * Builds the state, or returns every inconsistency found (each with the estate path of the bad
 * value), so an author fixes them all in one pass.
 */
export function buildState(estate: Estate): { state: SimState; issues: EstateIssue[] } {
  const issues: EstateIssue[] = [];
  const accounts = new Map<string, AccountState>();
  const seenIps = new Map<string, string>();
  estate.accounts.forEach((acc, ai) => {
    const base: Path = ["accounts", ai];
    if (accounts.has(acc.accountId)) issues.push({ path: [...base, "accountId"], message: `account ${acc.accountId} is listed twice` });
    const enabled = [...new Set(acc.enabledRegions)];
    const as: AccountState = {
      accountId: acc.accountId,
      status: acc.status,
      reachable: acc.reachable,
      enabledRegions: enabled,
      regions: new Map(),
      users: new Map(),
      buckets: new Map(),
      distributions: new Map(),
      posture: structuredClone(acc.posture ?? EMPTY_POSTURE),
    };
    if (acc.name !== undefined) as.name = acc.name;
    if (acc.email !== undefined) as.email = acc.email;
    for (const r of enabled) as.regions.set(r, emptyRegion(acc.accountId, r));
    for (const [region, input] of Object.entries(acc.regions)) {
      const path: Path = [...base, "regions", region];
      if (!enabled.includes(region)) {
        issues.push({ path, message: `region ${region} has resources but is not in enabledRegions (${enabled.join(", ")})` });
        continue;
      }
      buildRegion(as.regions.get(region)!, input, path, issues, seenIps);
    }
    buildGlobal(as, acc, base, issues);
    accounts.set(acc.accountId, as);
  });
  const state: SimState = { idCounter: 0, callerAccountId: estate.callerAccountId ?? estate.accounts[0]!.accountId, accounts };
  if (estate.now !== undefined) state.now = estate.now;
  if (estate.organization) state.organization = { ...estate.organization };
  if (!accounts.has(state.callerAccountId)) issues.push({ path: ["callerAccountId"], message: `caller account ${state.callerAccountId} is not one of the accounts` });
  if (state.organization && !accounts.has(state.organization.managementAccountId))
    issues.push({ path: ["organization", "managementAccountId"], message: `management account ${state.organization.managementAccountId} is not one of the accounts` });
  return { state, issues };
}

function buildGlobal(as: AccountState, acc: Estate["accounts"][number], base: Path, issues: EstateIssue[]): void {
  const keyOwners = new Map<string, string>();
  buildIamExtras(as, acc);
  acc.iam.users.forEach((u, ui) => {
    const path: Path = [...base, "iam", "users", ui];
    if (as.users.has(u.userName)) issues.push({ path: [...path, "userName"], message: `IAM user ${u.userName} is listed twice` });
    const user: IamUser = {
      userName: u.userName,
      userId: u.userId ?? `AIDA${hexOf(`${acc.accountId}${u.userName}`, 16).toUpperCase()}`,
      arn: `arn:aws:iam::${acc.accountId}:user${u.path.endsWith("/") ? u.path : `${u.path}/`}${u.userName}`,
      createDate: u.createDate,
      path: u.path,
      attachedPolicies: [...u.attachedPolicies],
      groups: [...u.groups],
      tags: { ...u.tags },
    };
    const keys: AccessKey[] = u.accessKeys.map((k, ki) => {
      if (keyOwners.has(k.accessKeyId)) issues.push({ path: [...path, "accessKeys", ki, "accessKeyId"], message: `access key ${k.accessKeyId} already belongs to ${keyOwners.get(k.accessKeyId)}` });
      keyOwners.set(k.accessKeyId, u.userName);
      const key: AccessKey = { accessKeyId: k.accessKeyId, userName: u.userName, status: k.status, createDate: k.createDate };
      if (k.lastUsed) key.lastUsed = { ...k.lastUsed };
      return key;
    });
    const rec: UserRec = { user, keys, inline: new Map(Object.entries(u.inlinePolicies)) };
    if (u.loginProfile) rec.loginProfile = { ...u.loginProfile };
    as.users.set(u.userName, rec);
  });
  acc.s3Buckets.forEach((b, bi) => {
    if (as.buckets.has(b.name)) issues.push({ path: [...base, "s3Buckets", bi, "name"], message: `bucket ${b.name} is listed twice` });
    const bucket: Bucket = { name: b.name, region: b.region, tags: { ...b.tags } };
    if (b.publicAccessBlock) bucket.publicAccessBlock = { ...b.publicAccessBlock };
    as.buckets.set(b.name, bucket);
  });
  acc.cloudFrontDistributions.forEach((d, di) => {
    if (as.distributions.has(d.id)) issues.push({ path: [...base, "cloudFrontDistributions", di, "id"], message: `distribution ${d.id} is listed twice` });
    as.distributions.set(d.id, {
      id: d.id,
      arn: `arn:aws:cloudfront::${acc.accountId}:distribution/${d.id}`,
      domainName: d.domainName ?? `d${hexOf(d.id, 13)}.cloudfront.net`,
      aliases: [...d.aliases],
      enabled: d.enabled,
      origins: [...d.origins],
      status: d.status,
      tags: { ...d.tags },
    });
  });
}

function buildRegion(rs: RegionState, input: RegionInput, base: Path, issues: EstateIssue[], seenIps: Map<string, string>): void {
  const { accountId, region } = rs;
  const where = `${accountId}/${region}`;
  const dup = (map: Map<string, unknown>, id: string, path: Path, what: string) => {
    if (map.has(id)) issues.push({ path, message: `${what} ${id} is declared twice in ${where}` });
  };
  const claimIp = (ip: string, holder: string, path: Path) => {
    const prev = seenIps.get(ip);
    if (prev) issues.push({ path, message: `public IP ${ip} is already held by ${prev}; an address has one holder at a time` });
    else seenIps.set(ip, `${holder} (${where})`);
  };

  input.vpcs.forEach((v, i) => {
    dup(rs.vpcs, v.vpcId, [...base, "vpcs", i, "vpcId"], "VPC");
    rs.vpcs.set(v.vpcId, { vpcId: v.vpcId, cidrBlock: v.cidrBlock, ...(v.ipv6CidrBlocks?.length ? { ipv6CidrBlocks: [...v.ipv6CidrBlocks] } : {}), isDefault: v.isDefault, tags: { ...v.tags } });
  });
  input.networkAcls.forEach((a, i) => {
    const path: Path = [...base, "networkAcls", i];
    dup(rs.acls, a.networkAclId, [...path, "networkAclId"], "network ACL");
    if (!rs.vpcs.has(a.vpcId)) issues.push({ path: [...path, "vpcId"], message: `VPC ${a.vpcId} is not declared in ${where}` });
    const entries: NetworkAclEntry[] = [];
    a.entries.forEach((e, ei) => {
      if (entries.some((x) => x.egress === e.egress && x.ruleNumber === e.ruleNumber))
        issues.push({ path: [...path, "entries", ei, "ruleNumber"], message: `rule number ${e.ruleNumber} is used twice for ${e.egress ? "egress" : "ingress"}` });
      const entry: NetworkAclEntry = { ruleNumber: e.ruleNumber, egress: e.egress, protocol: e.protocol, ruleAction: e.ruleAction };
      if (e.cidrBlock) entry.cidrBlock = e.cidrBlock;
      if (e.ipv6CidrBlock) entry.ipv6CidrBlock = e.ipv6CidrBlock;
      if (e.portRange) entry.portRange = { ...e.portRange };
      entries.push(entry);
    });
    for (const d of defaultDenyEntries()) if (!entries.some((x) => x.egress === d.egress && x.ruleNumber === d.ruleNumber)) entries.push(d);
    rs.acls.set(a.networkAclId, { networkAclId: a.networkAclId, vpcId: a.vpcId, isDefault: a.isDefault, entries, tags: { ...a.tags } });
  });
  // Every VPC has a default network ACL; create the AWS default (allow all, then deny) when none is declared.
  for (const vpc of rs.vpcs.values()) {
    const defaults = [...rs.acls.values()].filter((a) => a.vpcId === vpc.vpcId && a.isDefault);
    if (defaults.length > 1) issues.push({ path: [...base, "networkAcls"], message: `VPC ${vpc.vpcId} has ${defaults.length} default network ACLs` });
    if (defaults.length === 0) {
      const id = `acl-${hexOf(`acl${accountId}${region}${vpc.vpcId}`, 17)}`;
      rs.acls.set(id, {
        networkAclId: id,
        vpcId: vpc.vpcId,
        isDefault: true,
        entries: [
          { ruleNumber: 100, egress: false, protocol: "-1", ruleAction: "allow", cidrBlock: "0.0.0.0/0" },
          { ruleNumber: 100, egress: true, protocol: "-1", ruleAction: "allow", cidrBlock: "0.0.0.0/0" },
          ...defaultDenyEntries(),
        ],
        tags: {},
      });
    }
  }
  input.subnets.forEach((s, i) => {
    const path: Path = [...base, "subnets", i];
    dup(rs.subnets, s.subnetId, [...path, "subnetId"], "subnet");
    if (!rs.vpcs.has(s.vpcId)) issues.push({ path: [...path, "vpcId"], message: `VPC ${s.vpcId} is not declared in ${where}` });
    if (!s.availabilityZone.startsWith(region)) issues.push({ path: [...path, "availabilityZone"], message: `zone ${s.availabilityZone} is not in ${region}` });
    let aclId = s.networkAclId;
    if (aclId === undefined) aclId = [...rs.acls.values()].find((a) => a.vpcId === s.vpcId && a.isDefault)?.networkAclId;
    else if (!rs.acls.has(aclId)) issues.push({ path: [...path, "networkAclId"], message: `network ACL ${aclId} is not declared in ${where}` });
    else if (rs.acls.get(aclId)!.vpcId !== s.vpcId) issues.push({ path: [...path, "networkAclId"], message: `network ACL ${aclId} belongs to another VPC` });
    rs.subnets.set(s.subnetId, { subnetId: s.subnetId, vpcId: s.vpcId, cidrBlock: s.cidrBlock, availabilityZone: s.availabilityZone, networkAclId: aclId ?? "", tags: { ...s.tags } });
  });
  input.securityGroups.forEach((g, i) => {
    const path: Path = [...base, "securityGroups", i];
    dup(rs.groups, g.groupId, [...path, "groupId"], "security group");
    if (!rs.vpcs.has(g.vpcId)) issues.push({ path: [...path, "vpcId"], message: `VPC ${g.vpcId} is not declared in ${where}` });
    if ([...rs.groups.values()].some((x) => x.vpcId === g.vpcId && x.groupName === g.groupName))
      issues.push({ path: [...path, "groupName"], message: `a group named ${g.groupName} already exists in ${g.vpcId}` });
    const rules = [...g.ingress.map((r) => toRule("ingress", r)), ...(g.egress === undefined ? defaultEgress(rs.vpcs.get(g.vpcId)) : g.egress.map((r) => toRule("egress", r)))];
    rules.forEach((r, ri) => {
      if (!r.ruleId) r.ruleId = `sgr-${hexOf(`${g.groupId}|${ri}|${JSON.stringify(r)}`, 17)}`;
    });
    rs.groups.set(g.groupId, { groupId: g.groupId, groupName: g.groupName, description: g.description || g.groupName, vpcId: g.vpcId, rules, tags: { ...g.tags } });
  });
  for (const [gi, g] of input.securityGroups.entries())
    for (const [dir, list] of [["ingress", g.ingress], ["egress", g.egress ?? []]] as const)
      list.forEach((r, ri) => {
        if (r.groupId !== undefined && !rs.groups.has(r.groupId))
          issues.push({ path: [...base, "securityGroups", gi, dir, ri, "groupId"], message: `security group ${r.groupId} is not declared in ${where}` });
      });

  const privateIps = new Map<string, string>();
  const cidrs = new Map<string, [ipaddr.IPv4, number]>();
  const subnetCidr = (id: string, block: string): [ipaddr.IPv4, number] => {
    let c = cidrs.get(id);
    if (!c) cidrs.set(id, (c = ipaddr.IPv4.parseCIDR(block)));
    return c;
  };
  const addEni = (
    e: { networkInterfaceId: string; subnetId?: string; description: string; interfaceType: string; requesterManaged: boolean; requesterId?: string; macAddress?: string; privateIpAddress: string; secondaryPrivateIpAddresses: string[]; ipv6Addresses: string[]; publicIp?: string; associatePublicIpAddress?: boolean; groupIds: string[]; sourceDestCheck: boolean; deleteOnTermination?: boolean; tags: Tags },
    path: Path,
    attachment: { instanceId: string; deviceIndex: number } | undefined,
    inUse: boolean,
  ): EniRec | null => {
    dup(rs.enis, e.networkInterfaceId, [...path, "networkInterfaceId"], "network interface");
    if (e.subnetId === undefined) {
      issues.push({ path: [...path, "subnetId"], message: "an ENI needs a subnetId" });
      return null;
    }
    const subnet = rs.subnets.get(e.subnetId);
    if (!subnet) {
      issues.push({ path: [...path, "subnetId"], message: `subnet ${e.subnetId} is not declared in ${where}` });
      return null;
    }
    e.groupIds.forEach((gid, gi) => {
      const g = rs.groups.get(gid);
      if (!g) issues.push({ path: [...path, "groupIds", gi], message: `security group ${gid} is not declared in ${where}` });
      else if (g.vpcId !== subnet.vpcId) issues.push({ path: [...path, "groupIds", gi], message: `security group ${gid} is in ${g.vpcId}, the ENI in ${subnet.vpcId}` });
    });
    const cidr = subnetCidr(subnet.subnetId, subnet.cidrBlock);
    for (const [k, ip] of [e.privateIpAddress, ...e.secondaryPrivateIpAddresses].entries()) {
      const field: Path = k === 0 ? [...path, "privateIpAddress"] : [...path, "secondaryPrivateIpAddresses", k - 1];
      if (!ipaddr.IPv4.parse(ip).match(cidr)) issues.push({ path: field, message: `${ip} is not in subnet ${subnet.subnetId} (${subnet.cidrBlock})` });
      const owner = privateIps.get(`${subnet.vpcId}|${ip}`);
      if (owner) issues.push({ path: field, message: `${ip} is already used by ${owner} in ${subnet.vpcId}` });
      else privateIps.set(`${subnet.vpcId}|${ip}`, e.networkInterfaceId);
    }
    if (e.groupIds.length > 5) issues.push({ path: [...path, "groupIds"], message: "an ENI has at most 5 security groups (AWS default quota)" });
    if (e.publicIp) claimIp(e.publicIp, e.networkInterfaceId, [...path, "publicIp"]);
    const rec: EniRec = {
      networkInterfaceId: e.networkInterfaceId,
      subnetId: e.subnetId,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      description: e.description,
      interfaceType: e.interfaceType,
      requesterManaged: e.requesterManaged,
      macAddress: e.macAddress ?? macOf(e.networkInterfaceId),
      privateIpAddress: e.privateIpAddress,
      secondaryPrivateIpAddresses: [...e.secondaryPrivateIpAddresses],
      ipv6Addresses: [...e.ipv6Addresses],
      associatePublicIp: e.associatePublicIpAddress ?? e.publicIp !== undefined,
      groupIds: [...e.groupIds],
      sourceDestCheck: e.sourceDestCheck,
      inUse,
      tags: { ...e.tags },
    };
    if (e.requesterId !== undefined) rec.requesterId = e.requesterId;
    if (e.publicIp) rec.publicIp = e.publicIp;
    if (attachment)
      rec.attachment = {
        ...attachment,
        attachmentId: `eni-attach-${hexOf(`${e.networkInterfaceId}${attachment.instanceId}`, 17)}`,
        deleteOnTermination: e.deleteOnTermination ?? attachment.deviceIndex === 0,
      };
    rs.enis.set(rec.networkInterfaceId, rec);
    return rec;
  };

  input.networkInterfaces.forEach((e, i) => {
    addEni(e, [...base, "networkInterfaces", i], e.attachment, e.requesterManaged || e.interfaceType !== "interface");
  });

  input.instances.forEach((inst, i) => {
    const path: Path = [...base, "instances", i];
    dup(rs.instances, inst.instanceId, [...path, "instanceId"], "instance");
    const gone = inst.state === "terminated";
    if (gone && inst.networkInterfaces.length > 0) issues.push({ path: [...path, "networkInterfaces"], message: "a terminated instance has no network interfaces" });
    if (!gone && inst.networkInterfaces.length === 0) issues.push({ path: [...path, "networkInterfaces"], message: "an instance needs at least one network interface (device index 0)" });
    const indices = inst.networkInterfaces.map((e, k) => e.deviceIndex ?? k);
    if (new Set(indices).size !== indices.length) issues.push({ path: [...path, "networkInterfaces"], message: "two network interfaces share a device index" });
    if (inst.networkInterfaces.length > 0 && !indices.includes(0)) issues.push({ path: [...path, "networkInterfaces"], message: "no network interface has device index 0 (the primary)" });
    const recs: EniRec[] = [];
    inst.networkInterfaces.forEach((e, k) => {
      const epath: Path = [...path, "networkInterfaces", k];
      if (e.publicIp && inst.state !== "running" && inst.state !== "pending" && inst.state !== "stopping")
        issues.push({ path: [...epath, "publicIp"], message: `a ${inst.state} instance holds no auto-assigned public IP (AWS releases it on stop); use an Elastic IP` });
      const rec = addEni(e, epath, { instanceId: inst.instanceId, deviceIndex: indices[k]! }, false);
      if (rec) recs.push(rec);
    });
    recs.sort((a, b) => a.attachment!.deviceIndex - b.attachment!.deviceIndex);
    const azs = new Set(recs.map((r) => r.availabilityZone));
    if (azs.size > 1) issues.push({ path: [...path, "networkInterfaces"], message: `an instance's ENIs are all in one zone (found ${[...azs].join(", ")})` });
    if (new Set(recs.map((r) => r.vpcId)).size > 1) issues.push({ path: [...path, "networkInterfaces"], message: "an instance's ENIs are all in one VPC" });
    const az = recs[0]?.availabilityZone ?? inst.availabilityZone;
    if (az === undefined) issues.push({ path: [...path, "availabilityZone"], message: "a terminated instance needs its availabilityZone" });
    const vols = new Set<string>();
    inst.blockDevices.forEach((b, bi) => {
      if (vols.has(b.volumeId)) issues.push({ path: [...path, "blockDevices", bi, "volumeId"], message: `volume ${b.volumeId} is attached twice` });
      vols.add(b.volumeId);
    });
    const rec: InstanceRec = {
      instanceId: inst.instanceId,
      state: inst.state,
      instanceType: inst.instanceType,
      imageId: inst.imageId,
      launchTime: inst.launchTime,
      availabilityZone: az ?? `${region}a`,
      rootDeviceName: inst.rootDeviceName,
      blockDevices: inst.blockDevices.map((b) => ({ ...b })),
      eniIds: recs.map((r) => r.networkInterfaceId),
      disableApiTermination: inst.disableApiTermination,
      disableApiStop: inst.disableApiStop,
      instanceInitiatedShutdownBehavior: inst.instanceInitiatedShutdownBehavior,
      tags: { ...inst.tags },
    };
    for (const k of ["keyName", "platform", "iamInstanceProfile", "lifecycle", "metadataHttpTokens", "userData", "consoleOutput", "consoleScreenshot"] as const)
      if (inst[k] !== undefined) (rec as unknown as Record<string, unknown>)[k] = inst[k];
    rs.instances.set(rec.instanceId, rec);
  });
  // Standalone ENIs that say they are attached: the instance must exist and not declare that device index itself.
  input.networkInterfaces.forEach((e, i) => {
    if (!e.attachment) return;
    const inst = rs.instances.get(e.attachment.instanceId);
    const path: Path = [...base, "networkInterfaces", i, "attachment", "instanceId"];
    if (!inst) return void issues.push({ path, message: `instance ${e.attachment.instanceId} is not declared in ${where}` });
    const taken = inst.eniIds.some((id) => rs.enis.get(id)?.attachment?.deviceIndex === e.attachment!.deviceIndex && id !== e.networkInterfaceId);
    if (taken) return void issues.push({ path, message: `instance ${inst.instanceId} already has an ENI at device index ${e.attachment.deviceIndex}` });
    const eni = rs.enis.get(e.networkInterfaceId);
    if (eni && eni.availabilityZone !== inst.availabilityZone) issues.push({ path, message: `the ENI is in ${eni.availabilityZone}, the instance in ${inst.availabilityZone}` });
    inst.eniIds.push(e.networkInterfaceId);
    inst.eniIds.sort((a, b) => (rs.enis.get(a)?.attachment?.deviceIndex ?? 0) - (rs.enis.get(b)?.attachment?.deviceIndex ?? 0));
  });

  input.natGateways.forEach((n, i) => {
    const path: Path = [...base, "natGateways", i];
    dup(rs.nats, n.natGatewayId, [...path, "natGatewayId"], "NAT gateway");
    const subnet = rs.subnets.get(n.subnetId);
    if (!subnet) return void issues.push({ path: [...path, "subnetId"], message: `subnet ${n.subnetId} is not declared in ${where}` });
    if (n.connectivityType === "private" && n.allocationId) issues.push({ path: [...path, "allocationId"], message: "a private NAT gateway holds no Elastic IP" });
    const live = n.state !== "deleted" && n.state !== "failed";
    if (live)
      addEni(
        {
          networkInterfaceId: n.networkInterfaceId,
          subnetId: n.subnetId,
          description: `Interface for NAT Gateway ${n.natGatewayId}`,
          interfaceType: "nat_gateway",
          requesterManaged: true,
          requesterId: "amazon-nat-gateway",
          privateIpAddress: n.privateIp,
          secondaryPrivateIpAddresses: [],
          ipv6Addresses: [],
          groupIds: [],
          sourceDestCheck: false,
          tags: {},
        },
        [...path, "networkInterfaceId"],
        undefined,
        true,
      );
    const rec: NatRec = {
      natGatewayId: n.natGatewayId,
      vpcId: subnet.vpcId,
      subnetId: n.subnetId,
      state: n.state,
      connectivityType: n.connectivityType,
      networkInterfaceId: n.networkInterfaceId,
      privateIp: n.privateIp,
      tags: { ...n.tags },
    };
    if (n.allocationId) rec.allocationId = n.allocationId;
    rs.nats.set(rec.natGatewayId, rec);
  });

  input.addresses.forEach((a, i) => {
    const path: Path = [...base, "addresses", i];
    dup(rs.eips, a.allocationId, [...path, "allocationId"], "Elastic IP allocation");
    if ([...rs.eips.values()].some((x) => x.publicIp === a.publicIp)) issues.push({ path: [...path, "publicIp"], message: `Elastic IP ${a.publicIp} is declared twice` });
    let eniId = a.networkInterfaceId;
    if (a.instanceId) {
      const inst = rs.instances.get(a.instanceId);
      if (!inst) issues.push({ path: [...path, "instanceId"], message: `instance ${a.instanceId} is not declared in ${where}` });
      else if (inst.eniIds.length === 0) issues.push({ path: [...path, "instanceId"], message: `instance ${a.instanceId} has no network interface to hold the address` });
      else eniId = inst.eniIds[0];
    }
    // A NAT gateway's EIP is associated with its ENI.
    const nat = [...rs.nats.values()].find((n) => n.allocationId === a.allocationId && n.state !== "deleted" && n.state !== "failed");
    if (nat) {
      if (eniId && eniId !== nat.networkInterfaceId) issues.push({ path, message: `the address is held by NAT gateway ${nat.natGatewayId}; it can't also be on ${eniId}` });
      eniId = nat.networkInterfaceId;
    }
    const rec: EipRec = { publicIp: a.publicIp, allocationId: a.allocationId, domain: a.domain, tags: { ...a.tags } };
    if (eniId) {
      const eni = rs.enis.get(eniId);
      if (!eni) issues.push({ path: [...path, "networkInterfaceId"], message: `network interface ${eniId} is not declared in ${where}` });
      else {
        const privateIp = a.privateIpAddress ?? eni.privateIpAddress;
        if (privateIp !== eni.privateIpAddress && !eni.secondaryPrivateIpAddresses.includes(privateIp))
          issues.push({ path: [...path, "privateIpAddress"], message: `${privateIp} is not a private IP of ${eniId}` });
        if (privateIp === eni.privateIpAddress && eni.publicIp)
          issues.push({ path, message: `${eniId} already holds auto-assigned ${eni.publicIp} on ${privateIp}; AWS releases it when an Elastic IP is associated, so drop its publicIp` });
        if ([...rs.eips.values()].some((x) => x.networkInterfaceId === eniId && x.privateIpAddress === privateIp))
          issues.push({ path, message: `${eniId} already has an Elastic IP on ${privateIp}` });
        rec.networkInterfaceId = eniId;
        rec.privateIpAddress = privateIp;
        rec.associationId = a.associationId ?? `eipassoc-${hexOf(`${a.allocationId}${eniId}`, 17)}`;
      }
    } else if (a.associationId) issues.push({ path: [...path, "associationId"], message: "an unassociated address has no association id" });
    claimIp(a.publicIp, a.allocationId, [...path, "publicIp"]);
    rs.eips.set(rec.allocationId, rec);
  });
  for (const [i, n] of input.natGateways.entries())
    if (n.allocationId && !rs.eips.has(n.allocationId)) issues.push({ path: [...base, "natGateways", i, "allocationId"], message: `Elastic IP ${n.allocationId} is not declared under addresses in ${where}` });

  input.loadBalancers.forEach((lb, i) => {
    const path: Path = [...base, "loadBalancers", i];
    const id = lb.type === "classic" ? lb.name : lbArn(accountId, region, lb.type, lb.name);
    if ([...rs.lbs.values()].some((x) => x.name === lb.name && (x.type === "classic") === (lb.type === "classic")))
      issues.push({ path: [...path, "name"], message: `load balancer ${lb.name} is declared twice in ${where}` });
    const vpcs = new Set<string>();
    lb.subnetIds.forEach((sid, si) => {
      const s = rs.subnets.get(sid);
      if (!s) issues.push({ path: [...path, "subnetIds", si], message: `subnet ${sid} is not declared in ${where}` });
      else vpcs.add(s.vpcId);
    });
    if (vpcs.size > 1) issues.push({ path: [...path, "subnetIds"], message: "a load balancer's subnets are all in one VPC" });
    lb.securityGroupIds.forEach((gid, gi) => {
      if (!rs.groups.has(gid)) issues.push({ path: [...path, "securityGroupIds", gi], message: `security group ${gid} is not declared in ${where}` });
    });
    if (lb.type !== "classic" && lb.instanceIds.length > 0) issues.push({ path: [...path, "instanceIds"], message: "only classic load balancers register instances directly; use a target group" });
    lb.instanceIds.forEach((iid, ii) => {
      if (!rs.instances.has(iid)) issues.push({ path: [...path, "instanceIds", ii], message: `instance ${iid} is not declared in ${where}` });
    });
    const kind = lb.type === "classic" ? "" : lb.type === "application" ? "app/" : lb.type === "network" ? "net/" : "gwy/";
    const eniIds: string[] = [];
    lb.networkInterfaces.forEach((e, ei) => {
      const rec = addEni(
        {
          networkInterfaceId: e.networkInterfaceId,
          subnetId: e.subnetId,
          description: `ELB ${kind}${lb.name}${lb.type === "classic" ? "" : `/${id.split("/").pop()}`}`,
          interfaceType: lb.type === "network" ? "network_load_balancer" : lb.type === "gateway" ? "gateway_load_balancer" : "interface",
          requesterManaged: true,
          requesterId: "amazon-elb",
          privateIpAddress: e.privateIp,
          secondaryPrivateIpAddresses: [],
          ipv6Addresses: [],
          ...(e.publicIp ? { publicIp: e.publicIp } : {}),
          groupIds: lb.type === "network" || lb.type === "gateway" ? [] : [...lb.securityGroupIds],
          sourceDestCheck: true,
          tags: {},
        },
        [...path, "networkInterfaces", ei],
        undefined,
        true,
      );
      if (rec) eniIds.push(rec.networkInterfaceId);
    });
    const vpcId = [...vpcs][0];
    const rec: LbRec = {
      id,
      name: lb.name,
      type: lb.type,
      scheme: lb.scheme,
      dnsName: `${lb.scheme === "internal" ? "internal-" : ""}${lb.name}-${parseInt(hexOf(id, 8), 16) % 10 ** 9}.${region}.elb.amazonaws.com`,
      securityGroupIds: [...lb.securityGroupIds],
      subnetIds: [...lb.subnetIds],
      instanceIds: [...lb.instanceIds],
      eniIds,
      tags: { ...lb.tags },
    };
    if (vpcId) rec.vpcId = vpcId;
    rs.lbs.set(id, rec);
  });

  input.targetGroups.forEach((tg, i) => {
    const path: Path = [...base, "targetGroups", i];
    const arn = tgArn(accountId, region, tg.name);
    if (rs.tgs.has(arn)) issues.push({ path: [...path, "name"], message: `target group ${tg.name} is declared twice in ${where}` });
    if (tg.vpcId && !rs.vpcs.has(tg.vpcId)) issues.push({ path: [...path, "vpcId"], message: `VPC ${tg.vpcId} is not declared in ${where}` });
    const lbArns: string[] = [];
    tg.loadBalancers.forEach((name, li) => {
      const lb = [...rs.lbs.values()].find((x) => x.name === name && x.type !== "classic");
      if (!lb) issues.push({ path: [...path, "loadBalancers", li], message: `load balancer ${name} (ALB/NLB/GWLB) is not declared in ${where}` });
      else lbArns.push(lb.id);
    });
    tg.targets.forEach((t, ti) => {
      if (tg.targetType === "instance") {
        const inst = rs.instances.get(t.id);
        if (!inst) issues.push({ path: [...path, "targets", ti, "id"], message: `instance ${t.id} is not declared in ${where}` });
        else if (tg.vpcId && inst.eniIds.length > 0 && rs.enis.get(inst.eniIds[0]!)?.vpcId !== tg.vpcId)
          issues.push({ path: [...path, "targets", ti, "id"], message: `instance ${t.id} is not in the target group's VPC ${tg.vpcId}` });
      }
    });
    const rec: TgRec = {
      arn,
      name: tg.name,
      targetType: tg.targetType,
      loadBalancerArns: lbArns,
      targets: tg.targets.map((t) => ({ id: t.id, health: t.health, ...(t.port !== undefined ? { port: t.port } : tg.port !== undefined ? { port: tg.port } : {}) })),
    };
    if (tg.protocol) rec.protocol = tg.protocol;
    if (tg.port !== undefined) rec.port = tg.port;
    if (tg.vpcId) rec.vpcId = tg.vpcId;
    rs.tgs.set(arn, rec);
  });

  const asgOf = new Map<string, string>();
  input.autoScalingGroups.forEach((g, i) => {
    const path: Path = [...base, "autoScalingGroups", i];
    dup(rs.asgs, g.name, [...path, "name"], "Auto Scaling group");
    if (!(g.minSize <= g.desiredCapacity && g.desiredCapacity <= g.maxSize))
      issues.push({ path: [...path, "desiredCapacity"], message: `needs minSize <= desiredCapacity <= maxSize (${g.minSize} <= ${g.desiredCapacity} <= ${g.maxSize})` });
    g.subnetIds.forEach((sid, si) => {
      if (!rs.subnets.has(sid)) issues.push({ path: [...path, "subnetIds", si], message: `subnet ${sid} is not declared in ${where}` });
    });
    const tgArns: string[] = [];
    g.targetGroups.forEach((name, ti) => {
      const arn = name.startsWith("arn:") ? name : tgArn(accountId, region, name);
      if (!rs.tgs.has(arn)) issues.push({ path: [...path, "targetGroups", ti], message: `target group ${name} is not declared in ${where}` });
      else tgArns.push(arn);
    });
    g.loadBalancerNames.forEach((name, li) => {
      if (!rs.lbs.has(name)) issues.push({ path: [...path, "loadBalancerNames", li], message: `classic load balancer ${name} is not declared in ${where}` });
    });
    g.instances.forEach((m, mi) => {
      if (!rs.instances.has(m.instanceId)) issues.push({ path: [...path, "instances", mi, "instanceId"], message: `instance ${m.instanceId} is not declared in ${where}` });
      const other = asgOf.get(m.instanceId);
      if (other) issues.push({ path: [...path, "instances", mi, "instanceId"], message: `instance ${m.instanceId} is already in group ${other}; an instance is in one group at most` });
      asgOf.set(m.instanceId, g.name);
    });
    const inService = g.instances.filter((m) => m.lifecycleState !== "Standby" && m.lifecycleState !== "EnteringStandby" && m.lifecycleState !== "Detaching").length;
    if (inService > g.desiredCapacity) issues.push({ path: [...path, "instances"], message: `${inService} instances in service exceed desiredCapacity ${g.desiredCapacity}` });
    rs.asgs.set(g.name, {
      name: g.name,
      arn: `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:${uuidOf(`${accountId}${region}${g.name}`)}:autoScalingGroupName/${g.name}`,
      minSize: g.minSize,
      maxSize: g.maxSize,
      desiredCapacity: g.desiredCapacity,
      subnetIds: [...g.subnetIds],
      targetGroupArns: tgArns,
      loadBalancerNames: [...g.loadBalancerNames],
      suspendedProcesses: [...g.suspendedProcesses],
      instances: g.instances.map((m) => ({ ...m })),
      tags: { ...g.tags },
    });
  });

  input.ssmManagedInstances.forEach((m, i) => {
    if (!rs.instances.has(m.instanceId)) issues.push({ path: [...base, "ssmManagedInstances", i, "instanceId"], message: `instance ${m.instanceId} is not declared in ${where}` });
    const rec: SsmManagedInstance = { instanceId: m.instanceId, pingStatus: m.pingStatus };
    for (const k of ["platformType", "platformName", "agentVersion", "lastPingDateTime"] as const) if (m[k] !== undefined) rec[k] = m[k];
    rs.ssm.set(m.instanceId, rec);
  });

  input.hostTriage.forEach((h, i) => {
    if (!rs.ssm.has(h.instanceId)) issues.push({ path: [...base, "hostTriage", i, "instanceId"], message: `instance ${h.instanceId} is not in ssmManagedInstances in ${where}` });
    rs.hostTriage.set(h.instanceId, { ...h });
  });

  input.snapshots.forEach((s) => {
    rs.snapshots.set(s.snapshotId, { snapshotId: s.snapshotId, volumeId: s.volumeId, description: s.description, startTime: s.startTime, state: "completed", tags: { ...s.tags } });
  });

  buildRegionExtras(rs, input);
  input.cloudTrail.forEach((e, i) => {
    if (!e.eventSource && !eventSourceOf(e.eventName))
      issues.push({ path: [...base, "cloudTrail", i, "eventSource"], message: `unknown event ${e.eventName}: give its eventSource (ec2.amazonaws.com...)` });
    rs.trail.push(buildTrailEvent(e, accountId, region, String(i)));
  });
  const eventIds = new Set<string>();
  for (const ev of rs.trail) {
    if (eventIds.has(ev.eventId)) issues.push({ path: [...base, "cloudTrail"], message: `event id ${ev.eventId} is used twice` });
    eventIds.add(ev.eventId);
  }
  rs.trail.sort(byNewestFirst);

  reindexIps(rs);
  indexTargets(rs);
}
