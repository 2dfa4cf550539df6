/**
 * The simulated AWS APIs: what each call does to the state and which of AWS's rules it enforces.
 * No faults, no latency, no retries here (./account.ts adds those); limits are AWS's own, so a
 * call with 21 instance ids to Auto Scaling is refused here exactly as AWS refuses it. The AWS
 * adapter's tests back their SDK mocks with this layer, so both implementations meet the same rules.
 *
 * Errors are CloudError with AWS's error code in `code` (InvalidPermission.Duplicate,
 * NetworkAclEntryAlreadyExists, ValidationError...), so a mock can rethrow them as SDK exceptions.
 */
import type { PutObjectInput, PutObjectResult } from "../port-evidence.ts";
import { simPutObject } from "./evidence.ts";
import { getInstanceProfile as getSimInstanceProfile } from "./profile.ts";
import { putObject as putS3Object } from "./logs.ts";
import { CloudError } from "../errors.ts";
import type {
  AccessKey,
  AccountInfo,
  AutoScalingGroup,
  Bucket,
  Distribution,
  ElasticIp,
  IamUser,
  Instance,
  LoadBalancer,
  NatGateway,
  NetworkAcl,
  NetworkAclEntry,
  NetworkInterface,
  Scope,
  SecurityGroup,
  Snapshot,
  SsmManagedInstance,
  Subnet,
  Tags,
  TargetGroup,
  TrailEvent,
  Vpc,
} from "../model.ts";
import { normaliseProtocol } from "../model.ts";
import type { InstanceAttributeChange, InstanceQuery, NetworkInterfaceQuery, RuleSpec, TrailQuery } from "../port.ts";
import { hexOf } from "./ids.ts";
import * as posture from "./posture.ts";
import type { AccountSummary, AlternateContact, CredentialReportRow, EventRule, GuardDutyDetector, InventoryApplication, PolicyEntities, PublicAccessBlock, TrailInfo } from "../port-posture.ts";
import { addTargetIndex, defaultEgress, reindexIps, toRule, type AccountState, type AsgRec, type RegionState, type SimState } from "./state.ts";
import { buildTrailEvent, type TrailSpec } from "./trail.ts";
import * as iamSim from "./iam.ts";
import type { InlinePolicyOwner } from "../port-iam.ts";
import * as ssmRun from "./ssm.ts";
import type { CommandInvocation, SendCommandRequest } from "../port-ssm.ts";
import { aclView, asgView, eipView, eniView, instanceView, lbView, natView, primaryPublicIp, sgView, tgView } from "./views.ts";

/** AWS's default quotas and per-call limits, adjustable per simulator (some are adjustable in AWS too). */
export interface SimLimits {
  /** Network ACL entries per direction, the default deny rule included (AWS default 20). */
  networkAclRulesPerDirection: number;
  /** Rules per security group per direction (AWS default 60). */
  rulesPerSecurityGroup: number;
  /** Security groups per network interface (AWS default 5). */
  groupsPerNetworkInterface: number;
  /** Instance ids per Auto Scaling call (EnterStandby, ExitStandby, DetachInstances, AttachInstances). */
  autoScalingIdsPerCall: number;
  /** Instance ids per SetInstanceProtection call. */
  instanceProtectionIdsPerCall: number;
  /** Tags per resource. */
  tagsPerResource: number;
}

export const DEFAULT_LIMITS: SimLimits = {
  networkAclRulesPerDirection: 20,
  rulesPerSecurityGroup: 60,
  groupsPerNetworkInterface: 5,
  autoScalingIdsPerCall: 20,
  instanceProtectionIdsPerCall: 50,
  tagsPerResource: 50,
};

/** CloudTrail keeps management events for 90 days (LookupEvents). */
const TRAIL_DAYS = 90;
const ASG_PROCESSES = ["Launch", "Terminate", "AddToLoadBalancer", "AlarmNotification", "AZRebalance", "HealthCheck", "InstanceRefresh", "ReplaceUnhealthy", "ScheduledActions"];

/** The identity the simulator's own writes are logged under in CloudTrail. */
const SIM_CALLER = "abuse-desk";

function invalid(code: string, message: string, action: string, scope?: Partial<Scope>): CloudError {
  return new CloudError("invalid", message, { code, action, ...(scope?.accountId ? { accountId: scope.accountId } : {}), ...(scope?.region ? { region: scope.region } : {}) });
}
function notFound(code: string, message: string, action: string, scope?: Partial<Scope>): CloudError {
  return new CloudError("not-found", message, { code, action, ...(scope?.accountId ? { accountId: scope.accountId } : {}), ...(scope?.region ? { region: scope.region } : {}) });
}

/** Filter semantics shared by every query: an absent filter matches all; a filter given as a list matches its members (an empty list, nothing). */
function allows<T>(filter: readonly T[] | undefined, value: T | undefined): boolean {
  if (filter === undefined) return true;
  return value !== undefined && filter.includes(value);
}

function ruleKey(r: RuleSpec): string {
  const protocol = normaliseProtocol(r.protocol);
  const all = protocol === "-1";
  const from = all || r.fromPort === undefined || r.fromPort === -1 ? "" : String(r.fromPort);
  const to = all || r.toPort === undefined || r.toPort === -1 ? from : String(r.toPort);
  return [r.direction, protocol, from, to, r.cidrIpv4 ?? "", r.cidrIpv6 ?? "", r.groupId ?? "", r.prefixListId ?? ""].join("|");
}

export class SimApi {
  constructor(
    /** Replaced when another process saved a newer state of a persistent account (./persist.ts). */
    public state: SimState,
    private readonly clockNow: () => Date,
    readonly limits: SimLimits = DEFAULT_LIMITS,
    /** False: answer every query by scanning every record (the benchmark's baseline). */
    readonly indexed = true,
  ) {}

  now(): Date {
    return this.clockNow();
  }

  private nowIso(): string {
    return this.now().toISOString().slice(0, 19) + "Z";
  }

  /** A fresh id with AWS's shape (prefix + 17 hex digits), deterministic per simulator. */
  newId(prefix: string): string {
    this.state.idCounter += 1;
    return `${prefix}-0${hexOf(`sim|${prefix}|${this.state.idCounter}`, 16)}`;
  }

  // ---- accounts and regions --------------------------------------------------------------

  /** The account, or unknown-account; access-denied (sts:AssumeRole) when it can't be entered. */
  account(accountId: string, action = "sts:AssumeRole"): AccountState {
    const acc = this.state.accounts.get(accountId);
    if (!acc) throw new CloudError("unknown-account", `account ${accountId} is not one this port can reach (known: ${[...this.state.accounts.keys()].join(", ")})`, { accountId, action });
    if (!acc.reachable)
      throw new CloudError("access-denied", `access denied: cannot assume a role in account ${accountId} (sts:AssumeRole)`, { accountId, action: "sts:AssumeRole", code: "AccessDenied" });
    return acc;
  }

  /** The region's state, or region-disabled. */
  region(scope: Scope, action: string): RegionState {
    const acc = this.account(scope.accountId);
    const rs = acc.regions.get(scope.region);
    if (!rs)
      throw new CloudError("region-disabled", `region ${scope.region} is not enabled for account ${scope.accountId} (enabled: ${acc.enabledRegions.join(", ")})`, {
        accountId: scope.accountId,
        region: scope.region,
        action,
        code: "OptInRequired",
      });
    return rs;
  }

  accounts(): AccountInfo[] {
    return [...this.state.accounts.values()].map((a) => ({ accountId: a.accountId, ...(a.name ? { name: a.name } : {}), origin: "sim" as const }));
  }

  regions(accountId: string): string[] {
    return [...this.account(accountId, "ec2:DescribeRegions").enabledRegions];
  }

  // ---- EC2 reads ---------------------------------------------------------------------------

  describeInstances(scope: Scope, q: InstanceQuery): Instance[] {
    const rs = this.region(scope, "ec2:DescribeInstances");
    let candidates: Iterable<string>;
    if (!this.indexed) candidates = rs.instances.keys();
    else if (q.instanceIds) candidates = q.instanceIds;
    else if (q.publicIps) candidates = q.publicIps.flatMap((ip) => this.instanceHoldingPrimary(rs, ip));
    else candidates = rs.instances.keys();
    const out: Instance[] = [];
    const seen = new Set<string>();
    for (const id of candidates) {
      if (seen.has(id)) continue;
      seen.add(id);
      const rec = rs.instances.get(id);
      if (!rec) continue;
      if (!this.indexed) {
        // The scan compares raw fields first, as a store without indices would.
        if (q.instanceIds && !q.instanceIds.includes(id)) continue;
        const primary = rs.enis.get(rec.eniIds[0] ?? "");
        if (q.publicIps && !(primary && q.publicIps.includes(primaryPublicIp(rs, primary) ?? ""))) continue;
      }
      const view = instanceView(rs, rec);
      if (!allows(q.instanceIds, view.instanceId)) continue;
      if (!allows(q.publicIps, view.publicIpAddress)) continue;
      if (q.privateIps && !rec.eniIds.some((e) => { const eni = rs.enis.get(e); return eni && (q.privateIps!.includes(eni.privateIpAddress) || eni.secondaryPrivateIpAddresses.some((p) => q.privateIps!.includes(p))); })) continue;
      if (q.subnetIds && !rec.eniIds.some((e) => q.subnetIds!.includes(rs.enis.get(e)?.subnetId ?? ""))) continue;
      out.push(view);
    }
    return out;
  }

  /** The instance whose PublicIpAddress is `ip` (the `ip-address` filter), via the public-IP index. */
  private instanceHoldingPrimary(rs: RegionState, ip: string): string[] {
    const holder = rs.byPublicIp.get(ip);
    const eni = holder ? rs.enis.get(holder.eniId) : undefined;
    return eni?.attachment && eni.attachment.deviceIndex === 0 ? [eni.attachment.instanceId] : [];
  }

  describeAddresses(scope: Scope, q: { publicIps?: string[]; allocationIds?: string[]; instanceIds?: string[]; networkInterfaceIds?: string[] }): ElasticIp[] {
    const rs = this.region(scope, "ec2:DescribeAddresses");
    let candidates: Iterable<string>;
    if (!this.indexed) candidates = [...rs.eips.values()].filter((x) => allows(q.allocationIds, x.allocationId) && allows(q.publicIps, x.publicIp)).map((x) => x.allocationId);
    else if (q.allocationIds) candidates = q.allocationIds;
    else if (q.publicIps) candidates = q.publicIps.map((ip) => rs.eipByIp.get(ip) ?? "");
    else if (q.networkInterfaceIds) candidates = q.networkInterfaceIds.flatMap((id) => (rs.eipsByEni.get(id) ?? []).map((x) => x.allocationId));
    else if (q.instanceIds)
      candidates = q.instanceIds.flatMap((id) => (rs.instances.get(id)?.eniIds ?? []).flatMap((e) => (rs.eipsByEni.get(e) ?? []).map((x) => x.allocationId)));
    else candidates = rs.eips.keys();
    const out: ElasticIp[] = [];
    const seen = new Set<string>();
    for (const id of candidates) {
      if (seen.has(id)) continue;
      seen.add(id);
      const rec = rs.eips.get(id);
      if (!rec) continue;
      const view = eipView(rs, rec);
      if (!allows(q.allocationIds, view.allocationId) || !allows(q.publicIps, view.publicIp)) continue;
      if (!allows(q.instanceIds, view.instanceId) || !allows(q.networkInterfaceIds, view.networkInterfaceId)) continue;
      out.push(view);
    }
    return out;
  }

  describeNetworkInterfaces(scope: Scope, q: NetworkInterfaceQuery): NetworkInterface[] {
    const rs = this.region(scope, "ec2:DescribeNetworkInterfaces");
    let candidates: Iterable<string>;
    if (!this.indexed) {
      const eipHolders = new Set<string>();
      if (q.publicIps) for (const x of rs.eips.values()) if (x.networkInterfaceId && q.publicIps.includes(x.publicIp)) eipHolders.add(x.networkInterfaceId);
      candidates = [...rs.enis.values()]
        .filter((e) => allows(q.networkInterfaceIds, e.networkInterfaceId) && allows(q.instanceIds, e.attachment?.instanceId))
        .filter((e) => !q.publicIps || q.publicIps.includes(e.publicIp ?? "") || eipHolders.has(e.networkInterfaceId) || e.ipv6Addresses.some((ip) => q.publicIps!.includes(ip)))
        .map((e) => e.networkInterfaceId);
    }
    else if (q.networkInterfaceIds) candidates = q.networkInterfaceIds;
    // IPv6 addresses are rare in a notice and not indexed: those are a scan of the region's ENIs.
    else if (q.publicIps) candidates = q.publicIps.flatMap((ip) => (ip.includes(":") ? [...rs.enis.values()].filter((e) => e.ipv6Addresses.includes(ip)).map((e) => e.networkInterfaceId) : [rs.byPublicIp.get(ip)?.eniId ?? ""]));
    else if (q.instanceIds) candidates = q.instanceIds.flatMap((id) => rs.instances.get(id)?.eniIds ?? []);
    else candidates = rs.enis.keys();
    const out: NetworkInterface[] = [];
    const seen = new Set<string>();
    for (const id of candidates) {
      if (seen.has(id)) continue;
      seen.add(id);
      const rec = rs.enis.get(id);
      if (!rec) continue;
      const view = eniView(rs, rec);
      if (!allows(q.networkInterfaceIds, view.networkInterfaceId)) continue;
      if (q.publicIps && !view.associations.some((a) => q.publicIps!.includes(a.publicIp)) && !view.ipv6Addresses.some((ip) => q.publicIps!.includes(ip))) continue;
      if (!allows(q.instanceIds, view.attachment?.instanceId)) continue;
      out.push(view);
    }
    return out;
  }

  describeNatGateways(scope: Scope, q: { natGatewayIds?: string[]; vpcIds?: string[] }): NatGateway[] {
    const rs = this.region(scope, "ec2:DescribeNatGateways");
    const ids = q.natGatewayIds ?? [...rs.nats.keys()];
    return [...new Set(ids)].flatMap((id) => {
      const n = rs.nats.get(id);
      return n && allows(q.vpcIds, n.vpcId) ? [natView(rs, n)] : [];
    });
  }

  describeSecurityGroups(scope: Scope, groupIds: string[]): SecurityGroup[] {
    const rs = this.region(scope, "ec2:DescribeSecurityGroups");
    return [...new Set(groupIds)].flatMap((id) => {
      const g = rs.groups.get(id);
      return g ? [sgView(g)] : [];
    });
  }

  describeSubnets(scope: Scope, subnetIds: string[]): Subnet[] {
    const rs = this.region(scope, "ec2:DescribeSubnets");
    return [...new Set(subnetIds)].flatMap((id) => {
      const s = rs.subnets.get(id);
      return s ? [{ ...s, tags: { ...s.tags } }] : [];
    });
  }

  describeVpcs(scope: Scope, vpcIds: string[]): Vpc[] {
    const rs = this.region(scope, "ec2:DescribeVpcs");
    return [...new Set(vpcIds)].flatMap((id) => {
      const v = rs.vpcs.get(id);
      return v ? [{ ...v, tags: { ...v.tags } }] : [];
    });
  }

  describeNetworkAcls(scope: Scope, q: { subnetIds?: string[]; networkAclIds?: string[] }): NetworkAcl[] {
    const rs = this.region(scope, "ec2:DescribeNetworkAcls");
    const ids = new Set<string>();
    if (q.networkAclIds) for (const id of q.networkAclIds) ids.add(id);
    else if (q.subnetIds) for (const s of q.subnetIds) { const id = rs.subnets.get(s)?.networkAclId; if (id) ids.add(id); }
    else for (const id of rs.acls.keys()) ids.add(id);
    const out: NetworkAcl[] = [];
    for (const id of ids) {
      const a = rs.acls.get(id);
      if (!a) continue;
      const view = aclView(rs, a);
      if (q.subnetIds && !view.subnetIds.some((s) => q.subnetIds!.includes(s))) continue;
      out.push(view);
    }
    return out;
  }

  describeSnapshots(scope: Scope, q: { snapshotIds?: string[]; tags?: Tags }): Snapshot[] {
    const rs = this.region(scope, "ec2:DescribeSnapshots");
    const ids = q.snapshotIds ? [...new Set(q.snapshotIds)] : [...rs.snapshots.keys()];
    return ids.flatMap((id) => {
      const s = rs.snapshots.get(id);
      return s && tagsMatch(s.tags, q.tags) ? [{ ...s, tags: { ...s.tags } }] : [];
    });
  }

  findSecurityGroups(scope: Scope, q: { vpcId: string; groupNames?: string[]; tags?: Tags }): SecurityGroup[] {
    const rs = this.region(scope, "ec2:DescribeSecurityGroups");
    return [...rs.groups.values()].filter((g) => g.vpcId === q.vpcId && allows(q.groupNames, g.groupName) && tagsMatch(g.tags, q.tags)).map(sgView);
  }

  // ---- Auto Scaling, ELB, SSM reads ---------------------------------------------------------

  autoScalingGroupsOf(scope: Scope, instanceIds: string[]): AutoScalingGroup[] {
    const rs = this.region(scope, "autoscaling:DescribeAutoScalingInstances");
    const wanted = new Set(instanceIds);
    return [...rs.asgs.values()].filter((g) => g.instances.some((m) => wanted.has(m.instanceId))).map((g) => asgView(rs, g));
  }

  describeAutoScalingGroups(scope: Scope, names: string[]): AutoScalingGroup[] {
    const rs = this.region(scope, "autoscaling:DescribeAutoScalingGroups");
    return [...new Set(names)].flatMap((n) => {
      const g = rs.asgs.get(n);
      return g ? [asgView(rs, g)] : [];
    });
  }

  targetGroupsOf(scope: Scope, targetIds: string[]): TargetGroup[] {
    const rs = this.region(scope, "elasticloadbalancing:DescribeTargetGroups");
    const arns = new Set<string>();
    if (this.indexed) for (const id of targetIds) for (const arn of rs.tgsByTarget.get(id) ?? []) arns.add(arn);
    else for (const tg of rs.tgs.values()) if (tg.targets.some((t) => targetIds.includes(t.id))) arns.add(tg.arn);
    return [...arns].flatMap((arn) => {
      const tg = rs.tgs.get(arn);
      return tg && tg.targets.some((t) => targetIds.includes(t.id)) ? [tgView(rs, tg)] : [];
    });
  }

  describeLoadBalancers(scope: Scope, q: { ids?: string[]; instanceIds?: string[] }): LoadBalancer[] {
    const rs = this.region(scope, "elasticloadbalancing:DescribeLoadBalancers");
    const out: LoadBalancer[] = [];
    for (const lb of rs.lbs.values()) {
      if (q.ids && !q.ids.includes(lb.id) && !q.ids.includes(lb.name)) continue;
      if (q.instanceIds && !(lb.type === "classic" && lb.instanceIds.some((i) => q.instanceIds!.includes(i)))) continue;
      out.push(lbView(lb));
    }
    return out;
  }

  ssmManagedInstances(scope: Scope, instanceIds: string[]): SsmManagedInstance[] {
    const rs = this.region(scope, "ssm:DescribeInstanceInformation");
    return [...new Set(instanceIds)].flatMap((id) => {
      const m = rs.ssm.get(id);
      return m ? [{ ...m }] : [];
    });
  }

  // ---- posture reads (./posture.ts) --------------------------------------------------------

  getSecurityContact(accountId: string): AlternateContact | null { return posture.getSecurityContact(this, accountId); }
  listEventRules(scope: Scope): EventRule[] { return posture.listEventRules(this, scope); }
  describeTrails(scope: Scope): TrailInfo[] { return posture.describeTrails(this, scope); }
  guardDutyDetectors(scope: Scope): GuardDutyDetector[] { return posture.guardDutyDetectors(this, scope); }
  credentialReport(accountId: string): CredentialReportRow[] { return posture.credentialReport(this, accountId); }
  accountSummary(accountId: string): AccountSummary { return posture.accountSummary(this, accountId); }
  accountPublicAccessBlock(accountId: string): PublicAccessBlock | null { return posture.accountPublicAccessBlock(this, accountId); }
  getBucketLogging(accountId: string, bucketName: string): { targetBucket: string; targetPrefix: string } | null { return posture.getBucketLogging(this, accountId, bucketName); }
  policyEntities(accountId: string, policyArn: string): PolicyEntities { return posture.policyEntities(this, accountId, policyArn); }
  inventoryApplications(scope: Scope, instanceId: string): InventoryApplication[] { return posture.inventoryApplications(this, scope, instanceId); }

  /** Run Command (./ssm.ts); the id has AWS's shape (a UUID). */
  sendCommand(scope: Scope, req: SendCommandRequest): string {
    const rs = this.region(scope, "ssm:SendCommand");
    const commandId = ssmRun.sendCommand(rs, scope, req, this.now(), () => {
      const hex = this.newId("cmd").slice(5);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(1, 4)}-${hex.slice(4, 16)}`.padEnd(36, "0");
    });
    // CloudTrail hides the commands (HIDDEN_DUE_TO_SECURITY_REASONS), as AWS does.
    this.log(
      rs,
      "SendCommand",
      { instanceIds: [...req.instanceIds], documentName: req.documentName, comment: req.comment, parameters: "HIDDEN_DUE_TO_SECURITY_REASONS", ...(req.outputS3 ? { outputS3BucketName: req.outputS3.bucket } : {}) },
      { command: { commandId, documentName: req.documentName, status: "Pending" } },
      [...req.instanceIds.map((name) => ({ type: "AWS::EC2::Instance", name })), { type: "AWS::SSM::Document", name: req.documentName }],
    );
    return commandId;
  }

  getCommandInvocation(scope: Scope, commandId: string, instanceId: string): CommandInvocation | null {
    return ssmRun.getCommandInvocation(this.region(scope, "ssm:GetCommandInvocation"), commandId, instanceId, (bucket, key, body) => {
      // The agent writes with the instance role: into an existing bucket of the account, or nowhere.
      if (this.state.accounts.get(scope.accountId)?.buckets.has(bucket)) putS3Object(this.state, scope.accountId, bucket, key, body, { lastModified: this.nowIso() });
    });
  }

  // ---- IAM, CloudTrail, S3, CloudFront reads -----------------------------------------------

  findAccessKey(accountId: string, accessKeyId: string): AccessKey | null {
    const acc = this.account(accountId, "iam:GetAccessKeyLastUsed");
    for (const u of acc.users.values()) {
      const k = u.keys.find((x) => x.accessKeyId === accessKeyId);
      if (k) return { ...k, ...(k.lastUsed ? { lastUsed: { ...k.lastUsed } } : {}) };
    }
    return null;
  }

  /** STS GetAccessKeyInfo: the account an access key belongs to, whichever account asks. */
  accountOfAccessKey(accessKeyId: string): string | null {
    for (const acc of this.state.accounts.values()) for (const u of acc.users.values()) if (u.keys.some((k) => k.accessKeyId === accessKeyId)) return acc.accountId;
    return null;
  }

  getIamUser(accountId: string, userName: string): IamUser | null {
    const u = this.account(accountId, "iam:GetUser").users.get(userName);
    return u ? { ...u.user, attachedPolicies: [...u.user.attachedPolicies], groups: [...u.user.groups], tags: { ...u.user.tags } } : null;
  }

  lookupEvents(scope: Scope, q: TrailQuery): TrailEvent[] {
    const rs = this.region(scope, "cloudtrail:LookupEvents");
    const start = Date.parse(q.start);
    const end = Date.parse(q.end);
    if (Number.isNaN(start) || Number.isNaN(end)) throw invalid("InvalidTimeRangeException", `LookupEvents needs ISO 8601 start and end (got ${q.start}, ${q.end})`, "cloudtrail:LookupEvents", scope);
    if (start > end) throw invalid("InvalidTimeRangeException", `LookupEvents start ${q.start} is after end ${q.end}`, "cloudtrail:LookupEvents", scope);
    const oldest = this.now().getTime() - TRAIL_DAYS * 86_400_000;
    const out: TrailEvent[] = [];
    for (const ev of rs.trail) {
      const t = Date.parse(ev.eventTime);
      if (t > end || t < start || t < oldest) continue;
      if (q.eventNames && !q.eventNames.includes(ev.eventName)) continue;
      if (q.resourceName !== undefined && !ev.resources.some((r) => r.name === q.resourceName)) continue;
      if (q.username !== undefined && ev.username !== q.username) continue;
      if (q.accessKeyId !== undefined && ev.accessKeyId !== q.accessKeyId) continue;
      out.push(structuredClone(ev));
      if (q.limit !== undefined && out.length >= q.limit) break;
    }
    return out;
  }

  getBucket(accountId: string, bucketName: string): Bucket | null {
    const b = this.account(accountId, "s3:GetBucketLocation").buckets.get(bucketName);
    return b ? structuredClone(b) : null;
  }

  getDistribution(accountId: string, distributionId: string): Distribution | null {
    const d = this.account(accountId, "cloudfront:GetDistribution").distributions.get(distributionId);
    return d ? structuredClone(d) : null;
  }

  // ---- EC2 writes --------------------------------------------------------------------------

  private instance(rs: RegionState, id: string, action: string) {
    const rec = rs.instances.get(id);
    if (!rec) throw notFound("InvalidInstanceID.NotFound", `the instance ID '${id}' does not exist in ${rs.accountId}/${rs.region}`, action, rs);
    return rec;
  }

  /** Logs one of the simulator's writes in CloudTrail, as the simulator's caller unless `caller` says otherwise (an AWS service acting on its own). */
  private log(
    rs: RegionState | { accountId: string; region: string },
    eventName: string,
    requestParameters: Record<string, unknown>,
    responseElements: Record<string, unknown> | null = null,
    resources: { type?: string; name?: string }[] = [],
    caller: Pick<TrailSpec, "username" | "userAgent" | "sourceIpAddress"> = { username: SIM_CALLER, userAgent: "abuse-desk", sourceIpAddress: "AWS Internal" },
  ): void {
    const acc = this.state.accounts.get(rs.accountId);
    const target = acc?.regions.get(rs.region);
    if (!target) return;
    const ev = buildTrailEvent(
      { eventName, eventTime: this.nowIso(), ...caller, resources, requestParameters, responseElements },
      rs.accountId,
      rs.region,
      `w${++this.state.idCounter}`,
    );
    target.trail.unshift(ev);
  }

  modifyInstanceAttribute(
    scope: Scope,
    instanceId: string,
    change: InstanceAttributeChange,
  ): void {
    const action = "ec2:ModifyInstanceAttribute";
    const rs = this.region(scope, action);
    const rec = this.instance(rs, instanceId, action);
    if (rec.state === "terminated" || rec.state === "shutting-down") throw invalid("IncorrectInstanceState", `instance ${instanceId} is ${rec.state}`, action, scope);
    if ("disableApiTermination" in change) rec.disableApiTermination = change.disableApiTermination;
    else if ("instanceInitiatedShutdownBehavior" in change) {
      if (change.instanceInitiatedShutdownBehavior !== "stop" && change.instanceInitiatedShutdownBehavior !== "terminate")
        throw invalid("InvalidParameterValue", `shutdown behaviour must be stop or terminate`, action, scope);
      rec.instanceInitiatedShutdownBehavior = change.instanceInitiatedShutdownBehavior;
    } else {
      for (const d of change.blockDeviceDeleteOnTermination)
        if (!rec.blockDevices.some((b) => b.deviceName === d.deviceName))
          throw invalid("InvalidInstanceAttributeValue", `instance ${instanceId} has no block device ${d.deviceName}`, action, scope);
      for (const d of change.blockDeviceDeleteOnTermination) rec.blockDevices.find((b) => b.deviceName === d.deviceName)!.deleteOnTermination = d.deleteOnTermination;
    }
    this.log(rs, "ModifyInstanceAttribute", { instanceId, ...change }, { _return: true }, [{ type: "AWS::EC2::Instance", name: instanceId }]);
  }

  createSnapshots(scope: Scope, instanceId: string, opts: { description: string; tags: Tags }): { snapshotId: string; volumeId: string }[] {
    const action = "ec2:CreateSnapshots";
    const rs = this.region(scope, action);
    const rec = this.instance(rs, instanceId, action);
    if (rec.state === "terminated") throw invalid("IncorrectInstanceState", `instance ${instanceId} is terminated`, action, scope);
    this.checkTags(opts.tags, action, scope);
    const out = rec.blockDevices.map((b) => {
      const snapshotId = this.newId("snap");
      rs.snapshots.set(snapshotId, { snapshotId, volumeId: b.volumeId, description: opts.description, startTime: this.nowIso(), state: "completed", tags: { ...opts.tags } });
      return { snapshotId, volumeId: b.volumeId };
    });
    this.log(rs, "CreateSnapshots", { instanceSpecification: { instanceId }, description: opts.description }, { snapshotSet: { items: out } }, [{ type: "AWS::EC2::Instance", name: instanceId }]);
    return out;
  }

  getConsoleOutput(scope: Scope, instanceId: string): string | null {
    const rs = this.region(scope, "ec2:GetConsoleOutput");
    return rs.instances.get(instanceId)?.consoleOutput ?? null;
  }

  getConsoleScreenshot(scope: Scope, instanceId: string): string | null {
    const rs = this.region(scope, "ec2:GetConsoleScreenshot");
    const rec = rs.instances.get(instanceId);
    // AWS takes screenshots of running instances only.
    return rec && rec.state === "running" ? (rec.consoleScreenshot ?? null) : null;
  }

  getUserData(scope: Scope, instanceId: string): string | null {
    const rs = this.region(scope, "ec2:DescribeInstanceAttribute");
    const ud = rs.instances.get(instanceId)?.userData;
    return ud === undefined ? null : Buffer.from(ud, "utf8").toString("base64");
  }

  stopInstances(scope: Scope, instanceIds: string[]): void {
    const action = "ec2:StopInstances";
    const rs = this.region(scope, action);
    const recs = instanceIds.map((id) => this.instance(rs, id, action));
    for (const rec of recs) {
      if (rec.state === "terminated" || rec.state === "shutting-down") throw invalid("IncorrectInstanceState", `instance ${rec.instanceId} is ${rec.state} and can't be stopped`, action, scope);
      if (rec.disableApiStop) throw invalid("OperationNotPermitted", `instance ${rec.instanceId} has stop protection (disableApiStop); turn it off first`, action, scope);
    }
    for (const rec of recs) {
      if (rec.state === "stopped") continue;
      rec.state = "stopped";
      // AWS releases an auto-assigned public IPv4 when the instance stops; Elastic IPs stay.
      for (const id of rec.eniIds) {
        const eni = rs.enis.get(id);
        if (eni?.publicIp) {
          rs.byPublicIp.delete(eni.publicIp);
          delete eni.publicIp;
        }
      }
    }
    this.log(rs, "StopInstances", { instancesSet: { items: instanceIds.map((instanceId) => ({ instanceId })) } });
    // An Auto Scaling group's EC2 health check counts a stopped instance as unhealthy, and the
    // ReplaceUnhealthy process terminates it: stopping an InService member is how evidence gets
    // destroyed, unless HealthCheck or ReplaceUnhealthy is suspended or the member is in Standby.
    for (const rec of recs) {
      for (const g of rs.asgs.values()) {
        const m = g.instances.find((x) => x.instanceId === rec.instanceId);
        if (!m || m.lifecycleState !== "InService" || g.suspendedProcesses.includes("HealthCheck")) continue;
        m.healthStatus = "Unhealthy";
        if (!g.suspendedProcesses.includes("ReplaceUnhealthy")) this.terminateForGroup(rs, rec.instanceId, g);
      }
    }
  }

  /**
   * The group replaces an unhealthy member: AWS terminates it (the replacement launch is not
   * simulated). ENIs and volumes marked delete-on-termination go with it; the others stay,
   * detached; Elastic IPs are disassociated but stay allocated.
   */
  private terminateForGroup(rs: RegionState, instanceId: string, g: AsgRec): void {
    const rec = rs.instances.get(instanceId)!;
    // A terminated instance leaves every target group and classic load balancer, not only its group's.
    for (const tg of rs.tgs.values()) tg.targets = tg.targets.filter((t) => t.id !== instanceId);
    rs.tgsByTarget.delete(instanceId);
    for (const lb of rs.lbs.values()) lb.instanceIds = lb.instanceIds.filter((x) => x !== instanceId);
    g.instances = g.instances.filter((x) => x.instanceId !== instanceId);
    for (const eniId of rec.eniIds) {
      const eni = rs.enis.get(eniId);
      if (!eni) continue;
      for (const eip of rs.eips.values())
        if (eip.networkInterfaceId === eniId) {
          delete eip.networkInterfaceId;
          delete eip.privateIpAddress;
          delete eip.associationId;
        }
      if (eni.attachment?.deleteOnTermination) rs.enis.delete(eniId);
      else {
        delete eni.attachment;
        delete eni.publicIp;
        eni.inUse = false;
      }
    }
    for (const b of rec.blockDevices) if (!b.deleteOnTermination) rs.survivingVolumes.set(b.volumeId, { volumeId: b.volumeId, ...(b.sizeGiB !== undefined ? { sizeGiB: b.sizeGiB } : {}), fromInstance: instanceId, deviceName: b.deviceName });
    rec.state = "terminated";
    rec.eniIds = [];
    rec.blockDevices = [];
    const ssm = rs.ssm.get(instanceId);
    if (ssm) ssm.pingStatus = "ConnectionLost";
    reindexIps(rs);
    this.log(rs, "TerminateInstances", { instancesSet: { items: [{ instanceId }] } }, null, [], { userAgent: "autoscaling.amazonaws.com", sourceIpAddress: "autoscaling.amazonaws.com" });
  }

  startInstances(scope: Scope, instanceIds: string[]): void {
    const action = "ec2:StartInstances";
    const rs = this.region(scope, action);
    const recs = instanceIds.map((id) => this.instance(rs, id, action));
    for (const rec of recs)
      if (rec.state === "terminated" || rec.state === "shutting-down") throw invalid("IncorrectInstanceState", `instance ${rec.instanceId} is ${rec.state} and can't be started`, action, scope);
    for (const rec of recs) {
      if (rec.state === "running" || rec.state === "pending") continue;
      rec.state = "running";
      rec.launchTime = this.nowIso();
      // A new auto-assigned address, unless an Elastic IP covers the primary private IP.
      for (const id of rec.eniIds) {
        const eni = rs.enis.get(id);
        if (!eni || !eni.associatePublicIp || eni.publicIp) continue;
        if ((rs.eipsByEni.get(id) ?? []).some((x) => x.privateIpAddress === eni.privateIpAddress)) continue;
        eni.publicIp = this.freshPublicIp();
        rs.byPublicIp.set(eni.publicIp, { eniId: id });
      }
    }
    this.log(rs, "StartInstances", { instancesSet: { items: instanceIds.map((instanceId) => ({ instanceId })) } });
  }

  /** Addresses handed out on start come from 198.18.0.0/15 (RFC 2544), never from the estate's documentation ranges. */
  private freshPublicIp(): string {
    const used = new Set<string>();
    for (const acc of this.state.accounts.values()) for (const rs of acc.regions.values()) for (const ip of rs.byPublicIp.keys()) used.add(ip);
    for (let n = 1; ; n++) {
      const ip = `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
      if ((n & 255) !== 0 && (n & 255) !== 255 && !used.has(ip)) return ip;
    }
  }

  createSecurityGroup(scope: Scope, spec: { vpcId: string; groupName: string; description: string; tags: Tags }): string {
    const action = "ec2:CreateSecurityGroup";
    const rs = this.region(scope, action);
    if (!rs.vpcs.has(spec.vpcId)) throw notFound("InvalidVpcID.NotFound", `the vpc ID '${spec.vpcId}' does not exist`, action, scope);
    if (!spec.groupName || spec.groupName.length > 255) throw invalid("InvalidParameterValue", "a group name is 1 to 255 characters", action, scope);
    if (spec.groupName.toLowerCase().startsWith("sg-")) throw invalid("InvalidParameterValue", "group names may not start with sg-", action, scope);
    if ([...rs.groups.values()].some((g) => g.vpcId === spec.vpcId && g.groupName === spec.groupName))
      throw invalid("InvalidGroup.Duplicate", `the security group '${spec.groupName}' already exists for VPC '${spec.vpcId}'`, action, scope);
    this.checkTags(spec.tags, action, scope);
    const groupId = this.newId("sg");
    // AWS creates every VPC security group with all IPv4 traffic out, plus all IPv6 out when the VPC has IPv6.
    const egress = defaultEgress(rs.vpcs.get(spec.vpcId)).map((r) => ({ ...r, ruleId: this.newId("sgr") }));
    rs.groups.set(groupId, { groupId, groupName: spec.groupName, description: spec.description, vpcId: spec.vpcId, rules: egress, tags: { ...spec.tags } });
    this.log(rs, "CreateSecurityGroup", { groupName: spec.groupName, groupDescription: spec.description, vpcId: spec.vpcId }, { _return: true, groupId }, [{ type: "AWS::EC2::SecurityGroup", name: groupId }]);
    return groupId;
  }

  private group(rs: RegionState, groupId: string, action: string): SecurityGroup {
    const g = rs.groups.get(groupId);
    if (!g) throw notFound("InvalidGroup.NotFound", `the security group '${groupId}' does not exist in ${rs.accountId}/${rs.region}`, action, rs);
    return g;
  }

  authorizeRules(scope: Scope, groupId: string, rules: RuleSpec[]): void {
    const action = rules.some((r) => r.direction === "ingress") ? "ec2:AuthorizeSecurityGroupIngress" : "ec2:AuthorizeSecurityGroupEgress";
    const rs = this.region(scope, action);
    const g = this.group(rs, groupId, action);
    const existing = new Set(g.rules.map(ruleKey));
    const adding = new Set<string>();
    for (const r of rules) {
      this.checkRule(rs, r, action, scope);
      const key = ruleKey(r);
      if (existing.has(key) || adding.has(key))
        throw invalid("InvalidPermission.Duplicate", `the specified rule "${describeRule(r)}" already exists in ${groupId}`, action, scope);
      adding.add(key);
    }
    for (const dir of ["ingress", "egress"] as const) {
      const n = g.rules.filter((r) => r.direction === dir).length + rules.filter((r) => r.direction === dir).length;
      if (n > this.limits.rulesPerSecurityGroup)
        throw invalid("RulesPerSecurityGroupLimitExceeded", `the maximum number of ${dir} rules (${this.limits.rulesPerSecurityGroup}) for ${groupId} has been reached`, action, scope);
    }
    for (const r of rules) g.rules.push(toRule(r.direction, { ...r, ruleId: this.newId("sgr") }));
    this.log(rs, action.endsWith("Ingress") ? "AuthorizeSecurityGroupIngress" : "AuthorizeSecurityGroupEgress", { groupId, ipPermissions: rules.map(describeRule) }, { _return: true }, [{ type: "AWS::EC2::SecurityGroup", name: groupId }]);
  }

  revokeRules(scope: Scope, groupId: string, rules: RuleSpec[]): void {
    const action = rules.some((r) => r.direction === "ingress") ? "ec2:RevokeSecurityGroupIngress" : "ec2:RevokeSecurityGroupEgress";
    const rs = this.region(scope, action);
    const g = this.group(rs, groupId, action);
    const keys = rules.map(ruleKey);
    for (const [i, key] of keys.entries())
      if (!g.rules.some((r) => ruleKey(r) === key))
        throw notFound("InvalidPermission.NotFound", `the specified rule "${describeRule(rules[i]!)}" does not exist in ${groupId}`, action, scope);
    g.rules = g.rules.filter((r) => !keys.includes(ruleKey(r)));
    this.log(rs, action.endsWith("Ingress") ? "RevokeSecurityGroupIngress" : "RevokeSecurityGroupEgress", { groupId, ipPermissions: rules.map(describeRule) }, { _return: true }, [{ type: "AWS::EC2::SecurityGroup", name: groupId }]);
  }

  private checkRule(rs: RegionState, r: RuleSpec, action: string, scope: Scope): void {
    if (r.direction !== "ingress" && r.direction !== "egress") throw invalid("InvalidParameterValue", `rule direction must be ingress or egress`, action, scope);
    const peers = [r.cidrIpv4, r.cidrIpv6, r.groupId, r.prefixListId].filter((p) => p !== undefined).length;
    if (peers !== 1) throw invalid("InvalidParameterValue", `a rule needs exactly one peer (CIDR, group or prefix list): ${describeRule(r)}`, action, scope);
    const protocol = normaliseProtocol(r.protocol);
    if ((protocol === "tcp" || protocol === "udp") && (r.fromPort === undefined || r.toPort === undefined || r.fromPort > r.toPort || r.fromPort < 0 || r.toPort > 65535))
      throw invalid("InvalidParameterValue", `a ${protocol} rule needs a port range 0-65535 with fromPort <= toPort: ${describeRule(r)}`, action, scope);
    if (r.groupId !== undefined && !rs.groups.has(r.groupId)) throw notFound("InvalidGroup.NotFound", `the security group '${r.groupId}' does not exist`, action, scope);
  }

  setNetworkInterfaceGroups(scope: Scope, networkInterfaceId: string, groupIds: string[]): void {
    const action = "ec2:ModifyNetworkInterfaceAttribute";
    const rs = this.region(scope, action);
    const eni = rs.enis.get(networkInterfaceId);
    if (!eni) throw notFound("InvalidNetworkInterfaceID.NotFound", `the networkInterface ID '${networkInterfaceId}' does not exist`, action, scope);
    if (eni.requesterManaged)
      throw invalid(
        "OperationNotPermitted",
        `${networkInterfaceId} is managed by AWS for a service (${eni.description || eni.interfaceType}); its security groups can't be modified (change them on the service instead)`,
        action,
        scope,
      );
    if (groupIds.length === 0) throw invalid("InvalidParameterValue", "a network interface needs at least one security group", action, scope);
    if (groupIds.length > this.limits.groupsPerNetworkInterface)
      throw invalid("SecurityGroupsPerInterfaceLimitExceeded", `at most ${this.limits.groupsPerNetworkInterface} security groups per network interface`, action, scope);
    for (const gid of groupIds) {
      const g = rs.groups.get(gid);
      if (!g || g.vpcId !== eni.vpcId) throw notFound("InvalidGroup.NotFound", `the security group '${gid}' does not exist in VPC '${eni.vpcId}'`, action, scope);
    }
    eni.groupIds = [...new Set(groupIds)];
    this.log(rs, "ModifyNetworkInterfaceAttribute", { networkInterfaceId, groupSet: { items: groupIds.map((groupId) => ({ groupId })) } }, { _return: true }, [{ type: "AWS::EC2::NetworkInterface", name: networkInterfaceId }]);
  }

  private checkTags(tags: Tags, action: string, scope: Scope): void {
    for (const [k, v] of Object.entries(tags)) {
      if (k.toLowerCase().startsWith("aws:")) throw invalid("InvalidParameterValue", `tag keys starting with aws: are reserved (${k})`, action, scope);
      if (k.length === 0 || k.length > 128) throw invalid("InvalidParameterValue", `a tag key is 1 to 128 characters (${k})`, action, scope);
      if (String(v).length > 256) throw invalid("InvalidParameterValue", `a tag value is at most 256 characters (${k})`, action, scope);
    }
  }

  /** The tag map of any taggable EC2 resource in the region, by id. */
  private taggable(rs: RegionState, id: string): Tags | null {
    const maps: Map<string, { tags: Tags }>[] = [rs.instances, rs.enis, rs.groups, rs.subnets, rs.vpcs, rs.acls, rs.nats, rs.eips, rs.snapshots];
    for (const m of maps) {
      const rec = m.get(id);
      if (rec) return rec.tags;
    }
    if (rs.survivingVolumes.has(id)) return (rs.volumeTags.get(id) ?? rs.volumeTags.set(id, {}).get(id))!;
    if (id.startsWith("vol-")) {
      for (const inst of rs.instances.values()) if (inst.blockDevices.some((b) => b.volumeId === id)) return (rs.volumeTags.get(id) ?? rs.volumeTags.set(id, {}).get(id))!;
    }
    return null;
  }

  createTags(scope: Scope, resourceIds: string[], tags: Tags): void {
    const action = "ec2:CreateTags";
    const rs = this.region(scope, action);
    this.checkTags(tags, action, scope);
    const targets = resourceIds.map((id) => {
      const t = this.taggable(rs, id);
      if (!t) throw notFound("InvalidID", `the ID '${id}' is not valid or does not exist in ${scope.accountId}/${scope.region}`, action, scope);
      return t;
    });
    for (const [i, t] of targets.entries())
      if (new Set([...Object.keys(t), ...Object.keys(tags)]).size > this.limits.tagsPerResource)
        throw invalid("TagLimitExceeded", `${resourceIds[i]} would have more than ${this.limits.tagsPerResource} tags`, action, scope);
    for (const t of targets) Object.assign(t, tags);
    this.log(rs, "CreateTags", { resourcesSet: { items: resourceIds.map((resourceId) => ({ resourceId })) }, tagSet: { items: Object.entries(tags).map(([key, value]) => ({ key, value })) } }, { _return: true });
  }

  createNetworkAclEntry(scope: Scope, networkAclId: string, entry: NetworkAclEntry): void {
    const action = "ec2:CreateNetworkAclEntry";
    const rs = this.region(scope, action);
    const acl = rs.acls.get(networkAclId);
    if (!acl) throw notFound("InvalidNetworkAclID.NotFound", `the network ACL '${networkAclId}' does not exist`, action, scope);
    if (!Number.isInteger(entry.ruleNumber) || entry.ruleNumber < 1 || entry.ruleNumber > 32766)
      throw invalid("InvalidParameterValue", `rule numbers are 1 to 32766 (32767 is the default rule): ${entry.ruleNumber}`, action, scope);
    if (entry.ruleAction !== "allow" && entry.ruleAction !== "deny") throw invalid("InvalidParameterValue", "ruleAction is allow or deny", action, scope);
    if ((entry.cidrBlock === undefined) === (entry.ipv6CidrBlock === undefined)) throw invalid("InvalidParameterValue", "an entry has exactly one of cidrBlock, ipv6CidrBlock", action, scope);
    const protocol = String(entry.protocol);
    if ((protocol === "6" || protocol === "17") && !entry.portRange) throw invalid("InvalidParameterValue", "TCP and UDP entries need a port range", action, scope);
    const dir = entry.egress ? "egress" : "ingress";
    if (acl.entries.some((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber))
      throw invalid("NetworkAclEntryAlreadyExists", `${networkAclId} already has ${dir} rule number ${entry.ruleNumber}`, action, scope);
    const count = acl.entries.filter((e) => e.egress === entry.egress).length;
    if (count >= this.limits.networkAclRulesPerDirection)
      throw invalid("NetworkAclEntryLimitExceeded", `${networkAclId} already has ${count} ${dir} rules (limit ${this.limits.networkAclRulesPerDirection}, the default rule included)`, action, scope);
    const clean: NetworkAclEntry = { ruleNumber: entry.ruleNumber, egress: entry.egress, protocol, ruleAction: entry.ruleAction };
    if (entry.cidrBlock) clean.cidrBlock = entry.cidrBlock;
    if (entry.ipv6CidrBlock) clean.ipv6CidrBlock = entry.ipv6CidrBlock;
    if (entry.portRange) clean.portRange = { from: entry.portRange.from, to: entry.portRange.to };
    acl.entries.push(clean);
    this.log(rs, "CreateNetworkAclEntry", { networkAclId, ...clean }, { _return: true });
  }

  deleteNetworkAclEntry(scope: Scope, networkAclId: string, entry: { ruleNumber: number; egress: boolean }): void {
    const action = "ec2:DeleteNetworkAclEntry";
    const rs = this.region(scope, action);
    const acl = rs.acls.get(networkAclId);
    if (!acl) throw notFound("InvalidNetworkAclID.NotFound", `the network ACL '${networkAclId}' does not exist`, action, scope);
    if (entry.ruleNumber >= 32767) throw invalid("InvalidParameterValue", "the default rule can't be deleted", action, scope);
    const i = acl.entries.findIndex((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber);
    if (i < 0) throw notFound("InvalidNetworkAclEntry.NotFound", `${networkAclId} has no ${entry.egress ? "egress" : "ingress"} rule number ${entry.ruleNumber}`, action, scope);
    acl.entries.splice(i, 1);
    this.log(rs, "DeleteNetworkAclEntry", { networkAclId, ruleNumber: entry.ruleNumber, egress: entry.egress }, { _return: true });
  }

  // ---- Auto Scaling writes ------------------------------------------------------------------

  private asg(rs: RegionState, name: string, action: string): AsgRec {
    const g = rs.asgs.get(name);
    if (!g) throw invalid("ValidationError", `AutoScalingGroup name not found - ${name}`, action, rs);
    return g;
  }

  private asgIds(ids: string[], limit: number, action: string, scope: Scope): void {
    if (ids.length === 0) throw invalid("ValidationError", "at least one instance id is required", action, scope);
    if (ids.length > limit) throw invalid("ValidationError", `${action} takes at most ${limit} instance ids per call (got ${ids.length})`, action, scope);
  }

  private member(g: AsgRec, id: string, action: string, scope: Scope) {
    const m = g.instances.find((x) => x.instanceId === id);
    if (!m) throw invalid("ValidationError", `the instance ${id} is not part of Auto Scaling group ${g.name}`, action, scope);
    return m;
  }

  /** Moving out of service deregisters an instance from the group's load balancers and target groups, as AWS does. */
  private leaveLoadBalancers(rs: RegionState, g: AsgRec, id: string): void {
    for (const arn of g.targetGroupArns) {
      const tg = rs.tgs.get(arn);
      if (!tg) continue;
      tg.targets = tg.targets.filter((t) => t.id !== id);
      rs.tgsByTarget.get(id)?.delete(arn);
    }
    for (const name of g.loadBalancerNames) {
      const lb = rs.lbs.get(name);
      if (lb) lb.instanceIds = lb.instanceIds.filter((x) => x !== id);
    }
  }

  private joinLoadBalancers(rs: RegionState, g: AsgRec, id: string): void {
    for (const arn of g.targetGroupArns) {
      const tg = rs.tgs.get(arn);
      if (!tg || tg.targets.some((t) => t.id === id)) continue;
      tg.targets.push({ id, health: "healthy", ...(tg.port !== undefined ? { port: tg.port } : {}) });
      addTargetIndex(rs, id, arn);
    }
    for (const name of g.loadBalancerNames) {
      const lb = rs.lbs.get(name);
      if (lb && !lb.instanceIds.includes(id)) lb.instanceIds.push(id);
    }
  }

  enterStandby(scope: Scope, groupName: string, instanceIds: string[], decrementDesiredCapacity: boolean): void {
    const action = "autoscaling:EnterStandby";
    const rs = this.region(scope, action);
    this.asgIds(instanceIds, this.limits.autoScalingIdsPerCall, action, scope);
    const g = this.asg(rs, groupName, action);
    const members = instanceIds.map((id) => this.member(g, id, action, scope));
    for (const m of members)
      if (m.lifecycleState !== "InService") throw invalid("ValidationError", `the instance ${m.instanceId} is not in InService (it is ${m.lifecycleState}); only InService instances can enter Standby`, action, scope);
    if (decrementDesiredCapacity && g.desiredCapacity - members.length < g.minSize)
      throw invalid("ValidationError", `decrementing the desired capacity of ${groupName} by ${members.length} would take it below its minimum size ${g.minSize}`, action, scope);
    for (const m of members) {
      m.lifecycleState = "Standby";
      this.leaveLoadBalancers(rs, g, m.instanceId);
    }
    if (decrementDesiredCapacity) g.desiredCapacity -= members.length;
    this.log(rs, "EnterStandby", { autoScalingGroupName: groupName, instanceIds, shouldDecrementDesiredCapacity: decrementDesiredCapacity });
  }

  exitStandby(scope: Scope, groupName: string, instanceIds: string[]): void {
    const action = "autoscaling:ExitStandby";
    const rs = this.region(scope, action);
    this.asgIds(instanceIds, this.limits.autoScalingIdsPerCall, action, scope);
    const g = this.asg(rs, groupName, action);
    const members = instanceIds.map((id) => this.member(g, id, action, scope));
    for (const m of members) if (m.lifecycleState !== "Standby") throw invalid("ValidationError", `the instance ${m.instanceId} is not in Standby (it is ${m.lifecycleState})`, action, scope);
    if (g.desiredCapacity + members.length > g.maxSize)
      throw invalid("ValidationError", `exiting standby would raise the desired capacity of ${groupName} above its maximum size ${g.maxSize}`, action, scope);
    for (const m of members) {
      m.lifecycleState = "InService";
      this.joinLoadBalancers(rs, g, m.instanceId);
    }
    g.desiredCapacity += members.length;
    this.log(rs, "ExitStandby", { autoScalingGroupName: groupName, instanceIds });
  }

  detachInstances(scope: Scope, groupName: string, instanceIds: string[], decrementDesiredCapacity: boolean): void {
    const action = "autoscaling:DetachInstances";
    const rs = this.region(scope, action);
    this.asgIds(instanceIds, this.limits.autoScalingIdsPerCall, action, scope);
    const g = this.asg(rs, groupName, action);
    const members = instanceIds.map((id) => this.member(g, id, action, scope));
    for (const m of members)
      if (m.lifecycleState !== "InService" && m.lifecycleState !== "Standby")
        throw invalid("ValidationError", `the instance ${m.instanceId} is ${m.lifecycleState}; only InService or Standby instances can be detached`, action, scope);
    const inService = members.filter((m) => m.lifecycleState === "InService").length;
    if (decrementDesiredCapacity && g.desiredCapacity - inService < g.minSize)
      throw invalid("ValidationError", `decrementing the desired capacity of ${groupName} by ${inService} would take it below its minimum size ${g.minSize}`, action, scope);
    for (const m of members) this.leaveLoadBalancers(rs, g, m.instanceId);
    g.instances = g.instances.filter((m) => !instanceIds.includes(m.instanceId));
    if (decrementDesiredCapacity) g.desiredCapacity -= inService;
    this.log(rs, "DetachInstances", { autoScalingGroupName: groupName, instanceIds, shouldDecrementDesiredCapacity: decrementDesiredCapacity });
  }

  attachInstances(scope: Scope, groupName: string, instanceIds: string[]): void {
    const action = "autoscaling:AttachInstances";
    const rs = this.region(scope, action);
    this.asgIds(instanceIds, this.limits.autoScalingIdsPerCall, action, scope);
    const g = this.asg(rs, groupName, action);
    for (const id of instanceIds) {
      const rec = rs.instances.get(id);
      if (!rec) throw invalid("ValidationError", `instance ${id} is not valid`, action, scope);
      if (rec.state !== "running") throw invalid("ValidationError", `instance ${id} is ${rec.state}; only running instances can be attached`, action, scope);
      for (const other of rs.asgs.values())
        if (other.instances.some((m) => m.instanceId === id)) throw invalid("ValidationError", `instance ${id} is already part of Auto Scaling group ${other.name}`, action, scope);
      const subnet = rs.enis.get(rec.eniIds[0] ?? "")?.subnetId;
      const azs = new Set(g.subnetIds.map((s) => rs.subnets.get(s)?.availabilityZone));
      if (g.subnetIds.length > 0 && !azs.has(rec.availabilityZone))
        throw invalid("ValidationError", `instance ${id} is in ${rec.availabilityZone} (${subnet}), outside the zones of ${groupName}`, action, scope);
    }
    if (g.desiredCapacity + instanceIds.length > g.maxSize)
      throw invalid("ValidationError", `attaching ${instanceIds.length} instances would raise the desired capacity of ${groupName} above its maximum size ${g.maxSize}`, action, scope);
    for (const id of instanceIds) {
      g.instances.push({ instanceId: id, lifecycleState: "InService", healthStatus: "Healthy", protectedFromScaleIn: false });
      this.joinLoadBalancers(rs, g, id);
    }
    g.desiredCapacity += instanceIds.length;
    this.log(rs, "AttachInstances", { autoScalingGroupName: groupName, instanceIds });
  }

  suspendProcesses(scope: Scope, groupName: string, processes: string[]): void {
    const action = "autoscaling:SuspendProcesses";
    const rs = this.region(scope, action);
    const g = this.asg(rs, groupName, action);
    const list = processes.length === 0 ? ASG_PROCESSES : processes;
    for (const p of list) if (!ASG_PROCESSES.includes(p)) throw invalid("ValidationError", `unknown process ${p} (one of ${ASG_PROCESSES.join(", ")})`, action, scope);
    for (const p of list) if (!g.suspendedProcesses.includes(p)) g.suspendedProcesses.push(p);
    this.log(rs, "SuspendProcesses", { autoScalingGroupName: groupName, scalingProcesses: processes });
  }

  resumeProcesses(scope: Scope, groupName: string, processes: string[]): void {
    const action = "autoscaling:ResumeProcesses";
    const rs = this.region(scope, action);
    const g = this.asg(rs, groupName, action);
    const list = processes.length === 0 ? ASG_PROCESSES : processes;
    for (const p of list) if (!ASG_PROCESSES.includes(p)) throw invalid("ValidationError", `unknown process ${p} (one of ${ASG_PROCESSES.join(", ")})`, action, scope);
    g.suspendedProcesses = g.suspendedProcesses.filter((p) => !list.includes(p));
    this.log(rs, "ResumeProcesses", { autoScalingGroupName: groupName, scalingProcesses: processes });
  }

  setInstanceProtection(scope: Scope, groupName: string, instanceIds: string[], protectedFromScaleIn: boolean): void {
    const action = "autoscaling:SetInstanceProtection";
    const rs = this.region(scope, action);
    this.asgIds(instanceIds, this.limits.instanceProtectionIdsPerCall, action, scope);
    const g = this.asg(rs, groupName, action);
    const members = instanceIds.map((id) => this.member(g, id, action, scope));
    for (const m of members) m.protectedFromScaleIn = protectedFromScaleIn;
    this.log(rs, "SetInstanceProtection", { autoScalingGroupName: groupName, instanceIds, protectedFromScaleIn });
  }

  updateAutoScalingGroup(scope: Scope, groupName: string, change: { minSize?: number; maxSize?: number; desiredCapacity?: number }): void {
    const action = "autoscaling:UpdateAutoScalingGroup";
    const rs = this.region(scope, action);
    const g = this.asg(rs, groupName, action);
    const min = change.minSize ?? g.minSize;
    const max = change.maxSize ?? g.maxSize;
    const desired = change.desiredCapacity ?? g.desiredCapacity;
    for (const v of [min, max, desired]) if (!Number.isInteger(v) || v < 0) throw invalid("ValidationError", "sizes are whole numbers >= 0", action, scope);
    if (min > max) throw invalid("ValidationError", `minimum size ${min} is above maximum size ${max}`, action, scope);
    if (desired < min || desired > max) throw invalid("ValidationError", `desired capacity ${desired} must be between the minimum ${min} and maximum ${max}`, action, scope);
    g.minSize = min;
    g.maxSize = max;
    g.desiredCapacity = desired;
    this.log(rs, "UpdateAutoScalingGroup", { autoScalingGroupName: groupName, ...change });
  }

  // ---- ELB writes -----------------------------------------------------------------------------

  private tg(rs: RegionState, arn: string, action: string) {
    const tg = rs.tgs.get(arn);
    if (!tg) throw notFound("TargetGroupNotFound", `target group '${arn}' not found`, action, rs);
    return tg;
  }

  /**
   * DeregisterTargets matches (id, port), the port defaulting to the group's: a target registered
   * on another port is left in place and AWS still answers 200, so the caller must pass the port.
   */
  deregisterTargets(scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): void {
    const action = "elasticloadbalancing:DeregisterTargets";
    const rs = this.region(scope, action);
    const tg = this.tg(rs, targetGroupArn, action);
    const matches = (t: { id: string; port?: number }, x: { id: string; port?: number }) => t.id === x.id && (x.port ?? tg.port) === (t.port ?? tg.port);
    tg.targets = tg.targets.filter((t) => !targets.some((x) => matches(t, x)));
    for (const x of targets) if (!tg.targets.some((t) => t.id === x.id)) rs.tgsByTarget.get(x.id)?.delete(tg.arn);
    this.log(rs, "DeregisterTargets", { targetGroupArn, targets });
  }

  registerTargets(scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): void {
    const action = "elasticloadbalancing:RegisterTargets";
    const rs = this.region(scope, action);
    const tg = this.tg(rs, targetGroupArn, action);
    if (tg.targetType === "instance")
      for (const x of targets) {
        const rec = rs.instances.get(x.id);
        if (!rec) throw invalid("InvalidTarget", `the following targets are not valid: ${x.id}`, action, scope);
        if (rec.state !== "running") throw invalid("InvalidTarget", `the following targets are not in a running state and cannot be registered: '${x.id}'`, action, scope);
        const vpc = rs.enis.get(rec.eniIds[0] ?? "")?.vpcId;
        if (tg.vpcId && vpc !== tg.vpcId) throw invalid("InvalidTarget", `the following targets are not in the target group VPC '${tg.vpcId}': '${x.id}'`, action, scope);
      }
    for (const x of targets) {
      const port = x.port ?? tg.port;
      if (tg.targets.some((t) => t.id === x.id && (t.port ?? tg.port) === port)) continue;
      tg.targets.push({ id: x.id, health: "healthy", ...(port !== undefined ? { port } : {}) });
      addTargetIndex(rs, x.id, tg.arn);
    }
    this.log(rs, "RegisterTargets", { targetGroupArn, targets });
  }

  private classic(rs: RegionState, name: string, action: string) {
    const lb = rs.lbs.get(name);
    if (!lb || lb.type !== "classic") throw notFound("LoadBalancerNotFound", `there is no ACTIVE load balancer named '${name}'`, action, rs);
    return lb;
  }

  deregisterFromClassicLoadBalancer(scope: Scope, loadBalancerName: string, instanceIds: string[]): void {
    const action = "elasticloadbalancing:DeregisterInstancesFromLoadBalancer";
    const rs = this.region(scope, action);
    const lb = this.classic(rs, loadBalancerName, action);
    for (const id of instanceIds) if (!rs.instances.has(id)) throw invalid("InvalidInstance", `the specified instance '${id}' does not exist`, action, scope);
    lb.instanceIds = lb.instanceIds.filter((id) => !instanceIds.includes(id));
    this.log(rs, "DeregisterInstancesFromLoadBalancer", { loadBalancerName, instances: instanceIds.map((instanceId) => ({ instanceId })) });
  }

  registerWithClassicLoadBalancer(scope: Scope, loadBalancerName: string, instanceIds: string[]): void {
    const action = "elasticloadbalancing:RegisterInstancesWithLoadBalancer";
    const rs = this.region(scope, action);
    const lb = this.classic(rs, loadBalancerName, action);
    for (const id of instanceIds) {
      const rec = rs.instances.get(id);
      if (!rec) throw invalid("InvalidInstance", `the specified instance '${id}' does not exist`, action, scope);
      const vpc = rs.enis.get(rec.eniIds[0] ?? "")?.vpcId;
      if (lb.vpcId && vpc !== lb.vpcId) throw invalid("InvalidInstance", `instance '${id}' is not in the load balancer's VPC ${lb.vpcId}`, action, scope);
    }
    for (const id of instanceIds) if (!lb.instanceIds.includes(id)) lb.instanceIds.push(id);
    this.log(rs, "RegisterInstancesWithLoadBalancer", { loadBalancerName, instances: instanceIds.map((instanceId) => ({ instanceId })) });
  }

  // ---- S3, CloudFront, IAM writes ---------------------------------------------------------------

  private globalTrail(accountId: string, preferred?: string): { accountId: string; region: string } {
    const acc = this.state.accounts.get(accountId)!;
    const region = preferred && acc.regions.has(preferred) ? preferred : acc.regions.has("us-east-1") ? "us-east-1" : acc.enabledRegions[0]!;
    return { accountId, region };
  }

  putPublicAccessBlock(accountId: string, bucketName: string, block: NonNullable<Bucket["publicAccessBlock"]>): void {
    const action = "s3:PutBucketPublicAccessBlock";
    const b = this.account(accountId, action).buckets.get(bucketName);
    if (!b) throw notFound("NoSuchBucket", `the specified bucket does not exist: ${bucketName}`, action, { accountId });
    b.publicAccessBlock = { blockPublicAcls: block.blockPublicAcls, ignorePublicAcls: block.ignorePublicAcls, blockPublicPolicy: block.blockPublicPolicy, restrictPublicBuckets: block.restrictPublicBuckets };
    this.log(this.globalTrail(accountId, b.region), "PutBucketPublicAccessBlock", { bucketName, PublicAccessBlockConfiguration: block }, null, [{ type: "AWS::S3::Bucket", name: bucketName }]);
  }

  deletePublicAccessBlock(accountId: string, bucketName: string): void {
    const action = "s3:PutBucketPublicAccessBlock";
    const b = this.account(accountId, action).buckets.get(bucketName);
    if (!b) throw notFound("NoSuchBucket", `the specified bucket does not exist: ${bucketName}`, action, { accountId });
    delete b.publicAccessBlock;
    this.log(this.globalTrail(accountId, b.region), "DeleteBucketPublicAccessBlock", { bucketName }, null, [{ type: "AWS::S3::Bucket", name: bucketName }]);
  }

  /** PutObject with Object Lock retention (evidence bundles): sim/evidence.ts. */
  putObject(accountId: string, input: PutObjectInput): PutObjectResult {
    const acc = this.account(accountId, "s3:PutObject");
    const out = simPutObject(acc, accountId, input, this.now());
    const b = acc.buckets.get(input.bucket)!;
    // One S3 per account: what was put is what listObjects/getObject read back (the versions and retention stay in evidence.ts).
    putS3Object(this.state, accountId, input.bucket, input.key, input.body, { lastModified: this.now().toISOString() });
    this.log(this.globalTrail(accountId, b.region), "PutObject", { bucketName: input.bucket, key: input.key, "x-amz-object-lock-mode": input.retention?.mode, "x-amz-object-lock-retain-until-date": input.retention?.retainUntil }, null, [{ type: "AWS::S3::Object", name: `${input.bucket}/${input.key}` }]);
    return out;
  }

  setDistributionEnabled(accountId: string, distributionId: string, enabled: boolean): void {
    const action = "cloudfront:UpdateDistribution";
    const d = this.account(accountId, action).distributions.get(distributionId);
    if (!d) throw notFound("NoSuchDistribution", `the specified distribution does not exist: ${distributionId}`, action, { accountId });
    d.enabled = enabled;
    this.log(this.globalTrail(accountId), "UpdateDistribution", { id: distributionId, distributionConfig: { enabled } }, null, [{ type: "AWS::CloudFront::Distribution", name: distributionId }]);
  }

  // ---- credential response (./iam.ts) ------------------------------------------------------

  /** Logs a write made by ./iam.ts (an IAM write in the account's global trail region). */
  record(where: { accountId: string; region?: string }, eventName: string, requestParameters: Record<string, unknown>, resources: { type?: string; name?: string }[]): void {
    this.log(where.region ? { accountId: where.accountId, region: where.region } : this.globalTrail(where.accountId), eventName, requestParameters, null, resources);
  }
  describeIamUsers = (accountId: string, userNames?: string[]) => iamSim.describeIamUsers(this, accountId, userNames);
  getIamRole = (accountId: string, roleName: string) => iamSim.getIamRole(this, accountId, roleName);
  getInstanceProfile = (accountId: string, name: string) => getSimInstanceProfile(this, accountId, name);
  getInlinePolicy = (accountId: string, owner: InlinePolicyOwner, name: string) => iamSim.getInlinePolicy(this, accountId, owner, name);
  describeSpotInstanceRequests = (scope: Scope, ids?: string[]) => iamSim.describeSpotInstanceRequests(this, scope, ids);
  getSesAccount = (scope: Scope) => iamSim.getSesAccount(this, scope);
  putInlinePolicy = (accountId: string, owner: InlinePolicyOwner, name: string, doc: string) => iamSim.putInlinePolicy(this, accountId, owner, name, doc);
  deleteInlinePolicy = (accountId: string, owner: InlinePolicyOwner, name: string) => iamSim.deleteInlinePolicy(this, accountId, owner, name);
  updateAssumeRolePolicy = (accountId: string, roleName: string, doc: string) => iamSim.updateAssumeRolePolicy(this, accountId, roleName, doc);
  deleteLoginProfile = (accountId: string, userName: string) => iamSim.deleteLoginProfile(this, accountId, userName);
  cancelSpotInstanceRequests = (scope: Scope, ids: string[]) => iamSim.cancelSpotInstanceRequests(this, scope, ids);
  setSesSendingEnabled = (scope: Scope, enabled: boolean) => iamSim.setSesSendingEnabled(this, scope, enabled);

  setAccessKeyStatus(accountId: string, userName: string, accessKeyId: string, status: "Active" | "Inactive"): void {
    const action = "iam:UpdateAccessKey";
    const u = this.account(accountId, action).users.get(userName);
    if (!u) throw notFound("NoSuchEntity", `the user with name ${userName} cannot be found`, action, { accountId });
    const k = u.keys.find((x) => x.accessKeyId === accessKeyId);
    if (!k) throw notFound("NoSuchEntity", `the access key with id ${accessKeyId} cannot be found for user ${userName}`, action, { accountId });
    if (status !== "Active" && status !== "Inactive") throw invalid("ValidationError", "status is Active or Inactive", action, { accountId });
    k.status = status;
    this.log(this.globalTrail(accountId), "UpdateAccessKey", { userName, accessKeyId, status }, null, [{ type: "AWS::IAM::AccessKey", name: accessKeyId }]);
  }
}

function tagsMatch(have: Tags, want: Tags | undefined): boolean {
  return want === undefined || Object.entries(want).every(([k, v]) => have[k] === v);
}

export function describeRule(r: RuleSpec): string {
  const protocol = normaliseProtocol(r.protocol);
  const ports = protocol === "-1" ? "all traffic" : r.fromPort === undefined ? protocol : r.fromPort === r.toPort ? `${protocol}/${r.fromPort}` : `${protocol}/${r.fromPort}-${r.toPort}`;
  const peer = r.cidrIpv4 ?? r.cidrIpv6 ?? r.groupId ?? r.prefixListId ?? "?";
  return `${r.direction} ${ports} ${r.direction === "ingress" ? "from" : "to"} ${peer}`;
}
