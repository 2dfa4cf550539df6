/**
 * The cloud port: everything the pipeline needs from a cloud account, and nothing more.
 *
 * Two implementations pass one contract suite (test/cloud/contract.ts): the AWS adapter
 * (src/cloud/aws, AWS SDK v3) and the simulated account (src/cloud/sim, a YAML estate).
 * Methods take a Scope (account + region) and return plain data from ./model.ts.
 *
 * Rules every implementation keeps:
 * - Queries return only what exists; an id that exists nowhere is an empty result, not an error
 *   (AWS's InvalidInstanceID.NotFound and friends are translated).
 * - Failures are CloudError (./errors.ts) with a kind a person can act on: access denied names the
 *   IAM action, throttling is retried inside the implementation before it surfaces.
 * - Lists are complete: implementations follow pagination.
 * - Filters: in a query object an absent filter matches everything and a filter given as a list
 *   matches its members, so an empty list matches nothing (never "everything"); a positional id
 *   list that is empty returns nothing. Filters in one query all apply (AND), as AWS's do.
 */
import type { AccessReader } from "./port-access.ts";
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
  SgRule,
  Snapshot,
  SsmManagedInstance,
  Subnet,
  Tags,
  TargetGroup,
  TrailEvent,
  Vpc,
} from "./model.ts";
import type { EvidenceWriter } from "./port-evidence.ts";
import type { LogsReader } from "./port-logs.ts";
import type { IamReader, IamWriter } from "./port-iam.ts";
import type { FleetReader, FleetWriter } from "./port-fleet.ts";
import type { TrailReader, TrailWriter } from "./port-trail.ts";
import type { PostureReader } from "./port-posture.ts";
import type { SsmCommandReader } from "./port-ssm.ts";
import type { InstanceProfileReader } from "./port-profile.ts";

/** One attribute a ModifyInstanceAttribute call changes. */
export type InstanceAttributeChange =
  | { disableApiTermination: boolean }
  | { instanceInitiatedShutdownBehavior: "stop" | "terminate" }
  | { blockDeviceDeleteOnTermination: { deviceName: string; deleteOnTermination: boolean }[] };

export interface InstanceQuery {
  instanceIds?: string[];
  /** Matches the instance's public IPv4 (`ip-address` filter). */
  publicIps?: string[];
  privateIps?: string[];
  subnetIds?: string[];
}

export interface NetworkInterfaceQuery {
  networkInterfaceIds?: string[];
  /**
   * Public IPv4 addresses on any private address of the ENI (`addresses.association.public-ip`), and
   * IPv6 addresses of the ENI (`ipv6-addresses.ipv6-address`: every AWS IPv6 address is public). Finds
   * ENIs of NAT gateways, load balancers, Lambda and other managed ENIs too.
   */
  publicIps?: string[];
  instanceIds?: string[];
}

export interface TrailQuery {
  /** ISO 8601 bounds (CloudTrail LookupEvents keeps 90 days). */
  start: string;
  end: string;
  eventNames?: string[];
  /** LookupEvents' ResourceName attribute (an instance id, an allocation id, an IP...). */
  resourceName?: string;
  /** LookupEvents' Username attribute: the IAM user, or the role session name of assumed-role calls. */
  username?: string;
  /** LookupEvents' AccessKeyId attribute (long-term AKIA or temporary ASIA keys). */
  accessKeyId?: string;
  /** Stop after this many events (default: all in range). */
  limit?: number;
}

/** The read side: resolution and investigation (and the posture readiness reads: ./port-posture.ts). */
export interface CloudReader extends LogsReader, IamReader, PostureReader, SsmCommandReader, FleetReader, AccessReader, InstanceProfileReader, TrailReader {
  /** A short label for messages ("aws (profile prod)", "sim:estate.yaml"). */
  readonly label: string;

  /** Accounts this port can reach: configured, discovered through AWS Organizations, or the caller's own. */
  accounts(): Promise<AccountInfo[]>;
  /** Regions enabled for the account (DescribeRegions, opted-in or not required). */
  regions(accountId: string): Promise<string[]>;

  describeInstances(scope: Scope, query: InstanceQuery): Promise<Instance[]>;
  /** Elastic IPs; `instanceIds` / `networkInterfaceIds` are the `instance-id` / `network-interface-id` filters (every ENI of the instance). */
  describeAddresses(scope: Scope, query: { publicIps?: string[]; allocationIds?: string[]; instanceIds?: string[]; networkInterfaceIds?: string[] }): Promise<ElasticIp[]>;
  describeNetworkInterfaces(scope: Scope, query: NetworkInterfaceQuery): Promise<NetworkInterface[]>;
  describeNatGateways(scope: Scope, query: { natGatewayIds?: string[]; vpcIds?: string[] }): Promise<NatGateway[]>;
  describeSecurityGroups(scope: Scope, groupIds: string[]): Promise<SecurityGroup[]>;
  describeSubnets(scope: Scope, subnetIds: string[]): Promise<Subnet[]>;
  describeVpcs(scope: Scope, vpcIds: string[]): Promise<Vpc[]>;
  describeNetworkAcls(scope: Scope, query: { subnetIds?: string[]; networkAclIds?: string[] }): Promise<NetworkAcl[]>;

  /**
   * Snapshots the account owns (DescribeSnapshots, OwnerIds=self), by id and/or by tags (every tag
   * must match). Containment tags its snapshots with the plan step and finds them again after a crash.
   */
  describeSnapshots(scope: Scope, query: { snapshotIds?: string[]; tags?: Tags }): Promise<Snapshot[]>;
  /**
   * Security groups of one VPC by name and/or tags (DescribeSecurityGroups with vpc-id, group-name,
   * tag filters). Containment finds the isolation group it created when a crash lost the new id.
   */
  findSecurityGroups(scope: Scope, query: { vpcId: string; groupNames?: string[]; tags?: Tags }): Promise<SecurityGroup[]>;

  /** The Auto Scaling groups that hold these instances (DescribeAutoScalingInstances, then the groups). */
  autoScalingGroupsOf(scope: Scope, instanceIds: string[]): Promise<AutoScalingGroup[]>;
  describeAutoScalingGroups(scope: Scope, names: string[]): Promise<AutoScalingGroup[]>;
  /** Target groups in which any of these instance ids (or private IPs, for ip targets) is registered. */
  targetGroupsOf(scope: Scope, targetIds: string[]): Promise<TargetGroup[]>;
  /** Load balancers: by name/ARN, or the classic ones these instances are registered with. */
  describeLoadBalancers(scope: Scope, query: { ids?: string[]; instanceIds?: string[] }): Promise<LoadBalancer[]>;

  /** IAM is global: an access key of this account, with its user and last use, or null. */
  findAccessKey(accountId: string, accessKeyId: string): Promise<AccessKey | null>;
  getIamUser(accountId: string, userName: string): Promise<IamUser | null>;

  /** Instances of these ids that Systems Manager manages (DescribeInstanceInformation). */
  ssmManagedInstances(scope: Scope, instanceIds: string[]): Promise<SsmManagedInstance[]>;

  /** CloudTrail management events (LookupEvents), newest first as AWS returns them. */
  lookupEvents(scope: Scope, query: TrailQuery): Promise<TrailEvent[]>;

  getBucket(accountId: string, bucketName: string): Promise<Bucket | null>;
  getDistribution(accountId: string, distributionId: string): Promise<Distribution | null>;
}

/** A rule to add or remove; the same shape as a read rule without the direction-specific id. */
export type RuleSpec = Omit<SgRule, "ruleId">;

/**
 * The write side: containment (src/execute). Every method is one AWS call (or one batch of a
 * call), so the journal can record exactly what was done and undo it.
 */
export interface CloudWriter extends EvidenceWriter, IamWriter, FleetWriter, TrailWriter {
  modifyInstanceAttribute(
    scope: Scope,
    instanceId: string,
    change: InstanceAttributeChange,
  ): Promise<void>;
  /** Crash-consistent snapshots of every EBS volume of an instance (CreateSnapshots). */
  createSnapshots(scope: Scope, instanceId: string, opts: { description: string; tags: Tags }): Promise<{ snapshotId: string; volumeId: string }[]>;
  /** The console output as text (AWS's base64 decoded), or null when there is none or no such instance. */
  getConsoleOutput(scope: Scope, instanceId: string): Promise<string | null>;
  /** A JPEG, base64 as AWS returns it; null when not running or no such instance. */
  getConsoleScreenshot(scope: Scope, instanceId: string): Promise<string | null>;
  /** User data, base64 as AWS returns it (it may be gzip or binary); null when none or no such instance. */
  getUserData(scope: Scope, instanceId: string): Promise<string | null>;
  stopInstances(scope: Scope, instanceIds: string[]): Promise<void>;
  startInstances(scope: Scope, instanceIds: string[]): Promise<void>;

  createSecurityGroup(scope: Scope, spec: { vpcId: string; groupName: string; description: string; tags: Tags }): Promise<string>;
  authorizeRules(scope: Scope, groupId: string, rules: RuleSpec[]): Promise<void>;
  revokeRules(scope: Scope, groupId: string, rules: RuleSpec[]): Promise<void>;
  /** Replace the security groups of one ENI (ModifyNetworkInterfaceAttribute). */
  setNetworkInterfaceGroups(scope: Scope, networkInterfaceId: string, groupIds: string[]): Promise<void>;
  createTags(scope: Scope, resourceIds: string[], tags: Tags): Promise<void>;

  createNetworkAclEntry(scope: Scope, networkAclId: string, entry: NetworkAclEntry): Promise<void>;
  deleteNetworkAclEntry(scope: Scope, networkAclId: string, entry: { ruleNumber: number; egress: boolean }): Promise<void>;

  /** Auto Scaling calls take at most 20 instance ids; implementations batch. */
  enterStandby(scope: Scope, groupName: string, instanceIds: string[], decrementDesiredCapacity: boolean): Promise<void>;
  exitStandby(scope: Scope, groupName: string, instanceIds: string[]): Promise<void>;
  detachInstances(scope: Scope, groupName: string, instanceIds: string[], decrementDesiredCapacity: boolean): Promise<void>;
  attachInstances(scope: Scope, groupName: string, instanceIds: string[]): Promise<void>;
  suspendProcesses(scope: Scope, groupName: string, processes: string[]): Promise<void>;
  resumeProcesses(scope: Scope, groupName: string, processes: string[]): Promise<void>;
  /** SetInstanceProtection takes at most 50 instance ids; implementations batch. */
  setInstanceProtection(scope: Scope, groupName: string, instanceIds: string[], protectedFromScaleIn: boolean): Promise<void>;
  updateAutoScalingGroup(scope: Scope, groupName: string, change: { minSize?: number; maxSize?: number; desiredCapacity?: number }): Promise<void>;

  deregisterTargets(scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): Promise<void>;
  registerTargets(scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): Promise<void>;
  deregisterFromClassicLoadBalancer(scope: Scope, loadBalancerName: string, instanceIds: string[]): Promise<void>;
  registerWithClassicLoadBalancer(scope: Scope, loadBalancerName: string, instanceIds: string[]): Promise<void>;

  putPublicAccessBlock(accountId: string, bucketName: string, block: NonNullable<Bucket["publicAccessBlock"]>): Promise<void>;
  deletePublicAccessBlock(accountId: string, bucketName: string): Promise<void>;
  setDistributionEnabled(accountId: string, distributionId: string, enabled: boolean): Promise<void>;

  /** UpdateAccessKey: Inactive contains an exposed key, Active undoes it. */
  setAccessKeyStatus(accountId: string, userName: string, accessKeyId: string, status: "Active" | "Inactive"): Promise<void>;
}

export interface CloudPort extends CloudReader, CloudWriter {
  /** Releases what the implementation holds open (the AWS adapter's sockets); the port is not used afterwards. */
  close?(): void;
}

/** The port's calls to the cloud: every method but the label and close(). */
export type PortCall = Exclude<keyof CloudPort, "label" | "close">;
