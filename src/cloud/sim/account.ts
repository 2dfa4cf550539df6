/**
 * The simulated account: the cloud port (../port.ts) over a simulated estate.
 *
 * Each port method is one simulated API call (or one per batch, where AWS limits a call's size):
 * it is logged with its arguments, delayed by the injected latency, failed by the injected
 * faults, retried when the failure is transient (as the AWS SDK's retry strategy does), then
 * applied to the state by ./api.ts, which enforces AWS's rules.
 */
import type { InstanceProfile } from "../port-profile.ts";
import type { PutObjectInput, PutObjectResult } from "../port-evidence.ts";
import type { FlowLog, FlowLogQuery, GetObjectOptions, ListObjectsOptions, LogsQuery, LogsQueryResults, S3Object } from "../port-logs.ts";
import * as simLogs from "./logs.ts";
import { CloudError, type CloudErrorKind } from "../errors.ts";
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
import type { CommandInvocation, SendCommandRequest } from "../port-ssm.ts";
import type { AccessSide, AccountEntry, OrganizationAccount } from "../port-access.ts";
import type { CloudPort, InstanceQuery, NetworkInterfaceQuery, RuleSpec, TrailQuery } from "../port.ts";
import type { AttachedPolicy, IamRoleDetail, IamUserDetail, InlinePolicyOwner, PolicyOwner, SesAccount, SpotInstanceRequest } from "../port-iam.ts";
import type { Ec2Fleet, LightsailInstance, LightsailInstanceSnapshot, SpotFleetRequest } from "../port-fleet.ts";
import type { TrailStatus } from "../port-trail.ts";
import type { AccountSummary, AlternateContact, CredentialReportRow, EventRule, GuardDutyDetector, InventoryApplication, PolicyEntities, PublicAccessBlock, TrailInfo } from "../port-posture.ts";
import { DEFAULT_LIMITS, SimApi, type SimLimits } from "./api.ts";
import { PORT_ACTIONS, isMutation, type PortMethod } from "./actions.ts";
import { realClock, type Clock } from "./clock.ts";
import { Faults, type FaultRule } from "./faults.ts";
import { validateEstate } from "./load.ts";
import type { Estate, EstateInput } from "./schema.ts";
import { snapshotState, type SimSnapshot } from "./snapshot.ts";
import type { PersistentSim } from "./persist.ts";
import type { SimState } from "./state.ts";

export interface SimOptions {
  /** Shown in messages ("sim:fixtures/estates/sample.yaml"). */
  label?: string;
  faults?: FaultRule[];
  /** Latency added to every call, in milliseconds (fault rules can add more to some calls). */
  latencyMs?: number;
  /** Where latency and backoff sleep: the real clock (default) or a VirtualClock. */
  clock?: Clock;
  /** The estate's current time: default the estate's `now`, else the real time. */
  now?: () => Date;
  /** Retries of throttling and 5xx, like the SDK's: 3 attempts in all, no backoff by default (tests stay fast). */
  retry?: { maxAttempts?: number; baseDelayMs?: number };
  limits?: Partial<SimLimits>;
  /** False: no indices, every query scans every record (the benchmark's baseline). Default true. */
  indexed?: boolean;
  /** Called after every call that changed the account, with the state (to persist it: ./persist.ts). */
  onChange?: (state: SimState) => void;
  /**
   * A state shared with other processes (./persist.ts): every call first takes up a newer saved
   * state, and every change is made under its lock on the latest state, then saved.
   */
  shared?: Pick<PersistentSim, "fresh" | "transact" | "close">;
}

export interface CallRecord {
  seq: number;
  /** The port method (`describeAddresses`), or the action a mock asked about through `simulate`. */
  method: string;
  /** The IAM action it stands for (`ec2:DescribeAddresses`). */
  action: string;
  accountId?: string;
  region?: string;
  /** The arguments after the scope, deep-copied. */
  args: unknown[];
  /** 1 for the first try, 2 for the first retry... */
  attempt: number;
  outcome: "ok" | CloudErrorKind;
  /** AWS's error code when it failed (Throttling, AccessDenied, InvalidPermission.Duplicate...). */
  code?: string;
  /** Clock time (ms) when the call started and ended. */
  startedAt: number;
  endedAt: number;
}

type ScopeLike = { accountId?: string; region?: string };

export class SimAccount implements CloudPort {
  readonly label: string;
  readonly api: SimApi;
  readonly faults: Faults;
  readonly clock: Clock;
  /** Every call made, in order, with its arguments and outcome. */
  readonly calls: CallRecord[] = [];
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly onChange: ((state: SimState) => void) | undefined;
  private readonly shared: SimOptions["shared"];

  constructor(state: SimState, opts: SimOptions = {}) {
    this.label = opts.label ?? "sim";
    this.clock = opts.clock ?? realClock;
    const fixed = state.now ? new Date(state.now) : undefined;
    this.api = new SimApi(state, opts.now ?? (() => fixed ?? new Date()), { ...DEFAULT_LIMITS, ...opts.limits }, opts.indexed ?? true);
    this.faults = new Faults(opts.faults ?? [], opts.latencyMs ?? 0);
    this.maxAttempts = Math.max(1, opts.retry?.maxAttempts ?? 3);
    this.baseDelayMs = opts.retry?.baseDelayMs ?? 0;
    this.onChange = opts.onChange;
    this.shared = opts.shared;
  }

  /** Lets go of what a shared state holds open (its lock's database handle). */
  close(): void {
    this.shared?.close();
  }

  /** A simulator over an estate (validated when given as written, with defaults still to apply). */
  static fromEstate(estate: Estate | EstateInput, opts: SimOptions = {}): SimAccount {
    return new SimAccount(validateEstate(estate, opts.label ?? "estate"), opts);
  }

  get state(): SimState {
    return this.api.state;
  }

  /** A deep, canonical copy of the state: equal snapshots mean an equal account (CloudTrail aside). */
  snapshot(): SimSnapshot {
    return snapshotState(this.api.state);
  }

  /** Calls of one method (or IAM action), for assertions. */
  callsOf(methodOrAction: string): CallRecord[] {
    return this.calls.filter((c) => c.method === methodOrAction || c.action === methodOrAction);
  }

  /**
   * One attempt of one AWS call, as a mock of the SDK sees it: logs it, waits the injected latency,
   * and throws the injected fault (no retry: the caller's SDK retries). For the AWS adapter's
   * tests, whose aws-sdk-client-mock handlers answer from `api` after this.
   */
  async simulate(action: string, scope: ScopeLike = {}, args: unknown[] = []): Promise<void> {
    const rec = this.begin(action, [action], scope, args, 1);
    const { latencyMs, error } = this.faults.decide({ method: action, actions: [action], ...definedScope(scope) });
    await this.clock.sleep(latencyMs);
    this.end(rec, error);
    if (error) throw error;
  }

  private begin(method: string, actions: readonly string[], scope: ScopeLike, args: unknown[], attempt: number): CallRecord {
    const rec: CallRecord = {
      seq: this.calls.length + 1,
      method,
      action: actions[0] ?? method,
      args: structuredClone(args),
      attempt,
      outcome: "ok",
      startedAt: this.clock.now(),
      endedAt: this.clock.now(),
    };
    if (scope.accountId !== undefined) rec.accountId = scope.accountId;
    if (scope.region !== undefined) rec.region = scope.region;
    this.calls.push(rec);
    return rec;
  }

  private end(rec: CallRecord, error: unknown): void {
    rec.endedAt = this.clock.now();
    if (error instanceof CloudError) {
      rec.outcome = error.kind;
      if (error.code) rec.code = error.code;
    } else if (error) rec.outcome = "unavailable";
  }

  /** Runs one simulated call: latency, faults, retries of transient failures, then the API. */
  private async run<T>(method: PortMethod, scope: ScopeLike, args: unknown[], fn: () => T, actions: readonly string[] = PORT_ACTIONS[method]): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const rec = this.begin(method, actions, scope, args, attempt);
      const { latencyMs, error } = this.faults.decide({ method, actions, ...definedScope(scope) });
      await this.clock.sleep(latencyMs);
      if (error) {
        this.end(rec, error);
        if (error.transient && attempt < this.maxAttempts) {
          await this.clock.sleep(this.baseDelayMs * 2 ** (attempt - 1));
          continue;
        }
        if (error.transient && this.maxAttempts > 1)
          throw new CloudError(error.kind, `${error.message}; still failing after ${attempt} attempts`, {
            ...(error.action ? { action: error.action } : {}),
            ...definedScope(scope),
            ...(error.code ? { code: error.code } : {}),
            cause: error,
          });
        throw error;
      }
      try {
        let out: T;
        if (this.shared && isMutation(method)) {
          // Under the lock, on the latest saved state: another process's change is kept, not overwritten.
          out = this.shared.transact((fresh) => {
            if (fresh) this.api.state = fresh;
            return { out: fn(), state: this.api.state };
          });
        } else {
          const fresh = this.shared?.fresh();
          if (fresh) this.api.state = fresh;
          out = fn();
        }
        this.end(rec, null);
        if (this.onChange && isMutation(method)) this.onChange(this.api.state);
        return out;
      } catch (err) {
        this.end(rec, err);
        throw err;
      }
    }
  }

  /** Auto Scaling limits ids per call; the port batches, each batch one call (AWS would refuse more). */
  private async batched(method: PortMethod, scope: Scope, ids: string[], size: number, each: (chunk: string[]) => void, extra: unknown[]): Promise<void> {
    if (ids.length === 0) throw new CloudError("invalid", `${method} needs at least one instance id`, { action: PORT_ACTIONS[method][0], ...scope, code: "ValidationError" });
    for (let i = 0; i < ids.length; i += size) {
      const chunk = ids.slice(i, i + size);
      await this.run(method, scope, [...extra.slice(0, 1), chunk, ...extra.slice(1)], () => each(chunk));
    }
  }

  // ---- read side ---------------------------------------------------------------------------

  accounts(): Promise<AccountInfo[]> {
    return this.run("accounts", {}, [], () => this.api.accounts());
  }
  regions(accountId: string): Promise<string[]> {
    return this.run("regions", { accountId }, [], () => this.api.regions(accountId));
  }
  organizationAccounts(): Promise<OrganizationAccount[] | null> {
    return this.run("organizationAccounts", {}, [], () => this.api.organizationAccounts());
  }
  /** As the adapter: STS refusing AssumeRole (an injected AccessDenied too) is an answer, `entered: false`. */
  async enterAccount(accountId: string, side: AccessSide): Promise<AccountEntry> {
    try {
      return await this.run("enterAccount", { accountId }, [side], () => this.api.enterAccount(accountId, side));
    } catch (err) {
      if (!(err instanceof CloudError) || err.kind !== "access-denied") throw err;
      const entry = this.api.enterAccount(accountId, side);
      return { ...entry, entered: false, refusal: err.message };
    }
  }
  describeInstances(scope: Scope, query: InstanceQuery): Promise<Instance[]> {
    return this.run("describeInstances", scope, [query], () => this.api.describeInstances(scope, query));
  }
  describeAddresses(scope: Scope, query: { publicIps?: string[]; allocationIds?: string[]; instanceIds?: string[]; networkInterfaceIds?: string[] }): Promise<ElasticIp[]> {
    return this.run("describeAddresses", scope, [query], () => this.api.describeAddresses(scope, query));
  }
  describeNetworkInterfaces(scope: Scope, query: NetworkInterfaceQuery): Promise<NetworkInterface[]> {
    return this.run("describeNetworkInterfaces", scope, [query], () => this.api.describeNetworkInterfaces(scope, query));
  }
  describeNatGateways(scope: Scope, query: { natGatewayIds?: string[]; vpcIds?: string[] }): Promise<NatGateway[]> {
    return this.run("describeNatGateways", scope, [query], () => this.api.describeNatGateways(scope, query));
  }
  describeSecurityGroups(scope: Scope, groupIds: string[]): Promise<SecurityGroup[]> {
    return this.run("describeSecurityGroups", scope, [groupIds], () => this.api.describeSecurityGroups(scope, groupIds));
  }
  describeSubnets(scope: Scope, subnetIds: string[]): Promise<Subnet[]> {
    return this.run("describeSubnets", scope, [subnetIds], () => this.api.describeSubnets(scope, subnetIds));
  }
  describeVpcs(scope: Scope, vpcIds: string[]): Promise<Vpc[]> {
    return this.run("describeVpcs", scope, [vpcIds], () => this.api.describeVpcs(scope, vpcIds));
  }
  describeNetworkAcls(scope: Scope, query: { subnetIds?: string[]; networkAclIds?: string[] }): Promise<NetworkAcl[]> {
    return this.run("describeNetworkAcls", scope, [query], () => this.api.describeNetworkAcls(scope, query));
  }
  describeSnapshots(scope: Scope, query: { snapshotIds?: string[]; tags?: Tags }): Promise<Snapshot[]> {
    return this.run("describeSnapshots", scope, [query], () => this.api.describeSnapshots(scope, query));
  }
  findSecurityGroups(scope: Scope, query: { vpcId: string; groupNames?: string[]; tags?: Tags }): Promise<SecurityGroup[]> {
    return this.run("findSecurityGroups", scope, [query], () => this.api.findSecurityGroups(scope, query));
  }
  autoScalingGroupsOf(scope: Scope, instanceIds: string[]): Promise<AutoScalingGroup[]> {
    return this.run("autoScalingGroupsOf", scope, [instanceIds], () => this.api.autoScalingGroupsOf(scope, instanceIds));
  }
  describeAutoScalingGroups(scope: Scope, names: string[]): Promise<AutoScalingGroup[]> {
    return this.run("describeAutoScalingGroups", scope, [names], () => this.api.describeAutoScalingGroups(scope, names));
  }
  targetGroupsOf(scope: Scope, targetIds: string[]): Promise<TargetGroup[]> {
    return this.run("targetGroupsOf", scope, [targetIds], () => this.api.targetGroupsOf(scope, targetIds));
  }
  describeLoadBalancers(scope: Scope, query: { ids?: string[]; instanceIds?: string[] }): Promise<LoadBalancer[]> {
    return this.run("describeLoadBalancers", scope, [query], () => this.api.describeLoadBalancers(scope, query));
  }
  findAccessKey(accountId: string, accessKeyId: string): Promise<AccessKey | null> {
    return this.run("findAccessKey", { accountId }, [accessKeyId], () => this.api.findAccessKey(accountId, accessKeyId));
  }
  getIamUser(accountId: string, userName: string): Promise<IamUser | null> {
    return this.run("getIamUser", { accountId }, [userName], () => this.api.getIamUser(accountId, userName));
  }
  ssmManagedInstances(scope: Scope, instanceIds: string[]): Promise<SsmManagedInstance[]> {
    return this.run("ssmManagedInstances", scope, [instanceIds], () => this.api.ssmManagedInstances(scope, instanceIds));
  }
  sendCommand(scope: Scope, request: SendCommandRequest): Promise<string> {
    return this.run("sendCommand", scope, [request], () => this.api.sendCommand(scope, request));
  }
  getCommandInvocation(scope: Scope, commandId: string, instanceId: string): Promise<CommandInvocation | null> {
    return this.run("getCommandInvocation", scope, [commandId, instanceId], () => this.api.getCommandInvocation(scope, commandId, instanceId));
  }
  lookupEvents(scope: Scope, query: TrailQuery): Promise<TrailEvent[]> {
    return this.run("lookupEvents", scope, [query], () => this.api.lookupEvents(scope, query));
  }
  getBucket(accountId: string, bucketName: string): Promise<Bucket | null> {
    return this.run("getBucket", { accountId }, [bucketName], () => this.api.getBucket(accountId, bucketName));
  }
  describeFlowLogs(scope: Scope, query: FlowLogQuery): Promise<FlowLog[]> {
    return this.run("describeFlowLogs", scope, [query], () => simLogs.describeFlowLogs(this.api, scope, query));
  }
  listObjects(accountId: string, bucket: string, prefix: string, opts?: ListObjectsOptions): Promise<{ objects: S3Object[]; truncated: boolean }> {
    return this.run("listObjects", { accountId }, [bucket, prefix, opts], () => simLogs.listObjects(this.api, accountId, bucket, prefix, opts));
  }
  getObject(accountId: string, bucket: string, key: string, toFile: string, opts?: GetObjectOptions): Promise<{ bytes: number }> {
    return this.run("getObject", { accountId }, [bucket, key, toFile, opts], () => simLogs.getObject(this.api, accountId, bucket, key, toFile, opts));
  }
  startLogsQuery(scope: Scope, query: LogsQuery): Promise<string> {
    return this.run("startLogsQuery", scope, [query], () => simLogs.startLogsQuery(this.api, scope, query));
  }
  getLogsQueryResults(scope: Scope, queryId: string): Promise<LogsQueryResults> {
    return this.run("getLogsQueryResults", scope, [queryId], () => simLogs.getLogsQueryResults(this.api, scope, queryId));
  }
  getDistribution(accountId: string, distributionId: string): Promise<Distribution | null> {
    return this.run("getDistribution", { accountId }, [distributionId], () => this.api.getDistribution(accountId, distributionId));
  }

  getSecurityContact(accountId: string): Promise<AlternateContact | null> {
    return this.run("getSecurityContact", { accountId }, [], () => this.api.getSecurityContact(accountId));
  }
  listEventRules(scope: Scope): Promise<EventRule[]> {
    return this.run("listEventRules", scope, [], () => this.api.listEventRules(scope));
  }
  describeTrails(scope: Scope): Promise<TrailInfo[]> {
    return this.run("describeTrails", scope, [], () => this.api.describeTrails(scope));
  }
  guardDutyDetectors(scope: Scope): Promise<GuardDutyDetector[]> {
    return this.run("guardDutyDetectors", scope, [], () => this.api.guardDutyDetectors(scope));
  }
  credentialReport(accountId: string): Promise<CredentialReportRow[]> {
    return this.run("credentialReport", { accountId }, [], () => this.api.credentialReport(accountId));
  }
  accountSummary(accountId: string): Promise<AccountSummary> {
    return this.run("accountSummary", { accountId }, [], () => this.api.accountSummary(accountId));
  }
  accountPublicAccessBlock(accountId: string): Promise<PublicAccessBlock | null> {
    return this.run("accountPublicAccessBlock", { accountId }, [], () => this.api.accountPublicAccessBlock(accountId));
  }
  getBucketLogging(accountId: string, bucketName: string): Promise<{ targetBucket: string; targetPrefix: string } | null> {
    return this.run("getBucketLogging", { accountId }, [bucketName], () => this.api.getBucketLogging(accountId, bucketName));
  }
  policyEntities(accountId: string, policyArn: string): Promise<PolicyEntities> {
    return this.run("policyEntities", { accountId }, [policyArn], () => this.api.policyEntities(accountId, policyArn));
  }
  inventoryApplications(scope: Scope, instanceId: string): Promise<InventoryApplication[]> {
    return this.run("inventoryApplications", scope, [instanceId], () => this.api.inventoryApplications(scope, instanceId));
  }

  // ---- write side --------------------------------------------------------------------------

  modifyInstanceAttribute(scope: Scope, instanceId: string, change: Parameters<CloudPort["modifyInstanceAttribute"]>[2]): Promise<void> {
    return this.run("modifyInstanceAttribute", scope, [instanceId, change], () => this.api.modifyInstanceAttribute(scope, instanceId, change));
  }
  createSnapshots(scope: Scope, instanceId: string, opts: { description: string; tags: Tags }): Promise<{ snapshotId: string; volumeId: string }[]> {
    return this.run("createSnapshots", scope, [instanceId, opts], () => this.api.createSnapshots(scope, instanceId, opts));
  }
  getConsoleOutput(scope: Scope, instanceId: string): Promise<string | null> {
    return this.run("getConsoleOutput", scope, [instanceId], () => this.api.getConsoleOutput(scope, instanceId));
  }
  getConsoleScreenshot(scope: Scope, instanceId: string): Promise<string | null> {
    return this.run("getConsoleScreenshot", scope, [instanceId], () => this.api.getConsoleScreenshot(scope, instanceId));
  }
  getUserData(scope: Scope, instanceId: string): Promise<string | null> {
    return this.run("getUserData", scope, [instanceId], () => this.api.getUserData(scope, instanceId));
  }
  stopInstances(scope: Scope, instanceIds: string[]): Promise<void> {
    return this.run("stopInstances", scope, [instanceIds], () => this.api.stopInstances(scope, instanceIds));
  }
  startInstances(scope: Scope, instanceIds: string[]): Promise<void> {
    return this.run("startInstances", scope, [instanceIds], () => this.api.startInstances(scope, instanceIds));
  }
  createSecurityGroup(scope: Scope, spec: { vpcId: string; groupName: string; description: string; tags: Tags }): Promise<string> {
    return this.run("createSecurityGroup", scope, [spec], () => this.api.createSecurityGroup(scope, spec));
  }
  authorizeRules(scope: Scope, groupId: string, rules: RuleSpec[]): Promise<void> {
    return this.run("authorizeRules", scope, [groupId, rules], () => this.api.authorizeRules(scope, groupId, rules), directional(PORT_ACTIONS.authorizeRules, rules));
  }
  revokeRules(scope: Scope, groupId: string, rules: RuleSpec[]): Promise<void> {
    return this.run("revokeRules", scope, [groupId, rules], () => this.api.revokeRules(scope, groupId, rules), directional(PORT_ACTIONS.revokeRules, rules));
  }
  setNetworkInterfaceGroups(scope: Scope, networkInterfaceId: string, groupIds: string[]): Promise<void> {
    return this.run("setNetworkInterfaceGroups", scope, [networkInterfaceId, groupIds], () => this.api.setNetworkInterfaceGroups(scope, networkInterfaceId, groupIds));
  }
  createTags(scope: Scope, resourceIds: string[], tags: Tags): Promise<void> {
    return this.run("createTags", scope, [resourceIds, tags], () => this.api.createTags(scope, resourceIds, tags));
  }
  createNetworkAclEntry(scope: Scope, networkAclId: string, entry: NetworkAclEntry): Promise<void> {
    return this.run("createNetworkAclEntry", scope, [networkAclId, entry], () => this.api.createNetworkAclEntry(scope, networkAclId, entry));
  }
  deleteNetworkAclEntry(scope: Scope, networkAclId: string, entry: { ruleNumber: number; egress: boolean }): Promise<void> {
    return this.run("deleteNetworkAclEntry", scope, [networkAclId, entry], () => this.api.deleteNetworkAclEntry(scope, networkAclId, entry));
  }
  enterStandby(scope: Scope, groupName: string, instanceIds: string[], decrementDesiredCapacity: boolean): Promise<void> {
    return this.batched("enterStandby", scope, instanceIds, this.api.limits.autoScalingIdsPerCall, (c) => this.api.enterStandby(scope, groupName, c, decrementDesiredCapacity), [groupName, decrementDesiredCapacity]);
  }
  exitStandby(scope: Scope, groupName: string, instanceIds: string[]): Promise<void> {
    return this.batched("exitStandby", scope, instanceIds, this.api.limits.autoScalingIdsPerCall, (c) => this.api.exitStandby(scope, groupName, c), [groupName]);
  }
  detachInstances(scope: Scope, groupName: string, instanceIds: string[], decrementDesiredCapacity: boolean): Promise<void> {
    return this.batched("detachInstances", scope, instanceIds, this.api.limits.autoScalingIdsPerCall, (c) => this.api.detachInstances(scope, groupName, c, decrementDesiredCapacity), [groupName, decrementDesiredCapacity]);
  }
  attachInstances(scope: Scope, groupName: string, instanceIds: string[]): Promise<void> {
    return this.batched("attachInstances", scope, instanceIds, this.api.limits.autoScalingIdsPerCall, (c) => this.api.attachInstances(scope, groupName, c), [groupName]);
  }
  suspendProcesses(scope: Scope, groupName: string, processes: string[]): Promise<void> {
    return this.run("suspendProcesses", scope, [groupName, processes], () => this.api.suspendProcesses(scope, groupName, processes));
  }
  resumeProcesses(scope: Scope, groupName: string, processes: string[]): Promise<void> {
    return this.run("resumeProcesses", scope, [groupName, processes], () => this.api.resumeProcesses(scope, groupName, processes));
  }
  setInstanceProtection(scope: Scope, groupName: string, instanceIds: string[], protectedFromScaleIn: boolean): Promise<void> {
    return this.batched("setInstanceProtection", scope, instanceIds, this.api.limits.instanceProtectionIdsPerCall, (c) => this.api.setInstanceProtection(scope, groupName, c, protectedFromScaleIn), [groupName, protectedFromScaleIn]);
  }
  updateAutoScalingGroup(scope: Scope, groupName: string, change: { minSize?: number; maxSize?: number; desiredCapacity?: number }): Promise<void> {
    return this.run("updateAutoScalingGroup", scope, [groupName, change], () => this.api.updateAutoScalingGroup(scope, groupName, change));
  }
  deregisterTargets(scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): Promise<void> {
    return this.run("deregisterTargets", scope, [targetGroupArn, targets], () => this.api.deregisterTargets(scope, targetGroupArn, targets));
  }
  registerTargets(scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): Promise<void> {
    return this.run("registerTargets", scope, [targetGroupArn, targets], () => this.api.registerTargets(scope, targetGroupArn, targets));
  }
  deregisterFromClassicLoadBalancer(scope: Scope, loadBalancerName: string, instanceIds: string[]): Promise<void> {
    return this.run("deregisterFromClassicLoadBalancer", scope, [loadBalancerName, instanceIds], () => this.api.deregisterFromClassicLoadBalancer(scope, loadBalancerName, instanceIds));
  }
  registerWithClassicLoadBalancer(scope: Scope, loadBalancerName: string, instanceIds: string[]): Promise<void> {
    return this.run("registerWithClassicLoadBalancer", scope, [loadBalancerName, instanceIds], () => this.api.registerWithClassicLoadBalancer(scope, loadBalancerName, instanceIds));
  }
  putPublicAccessBlock(accountId: string, bucketName: string, block: NonNullable<Bucket["publicAccessBlock"]>): Promise<void> {
    return this.run("putPublicAccessBlock", { accountId }, [bucketName, block], () => this.api.putPublicAccessBlock(accountId, bucketName, block));
  }
  putObject(accountId: string, input: PutObjectInput): Promise<PutObjectResult> {
    return this.run("putObject", { accountId }, [{ ...input, body: `<${input.body.length} bytes>` }], () => this.api.putObject(accountId, input));
  }
  deletePublicAccessBlock(accountId: string, bucketName: string): Promise<void> {
    return this.run("deletePublicAccessBlock", { accountId }, [bucketName], () => this.api.deletePublicAccessBlock(accountId, bucketName));
  }
  setDistributionEnabled(accountId: string, distributionId: string, enabled: boolean): Promise<void> {
    return this.run("setDistributionEnabled", { accountId }, [distributionId, enabled], () => this.api.setDistributionEnabled(accountId, distributionId, enabled));
  }
  accessKeyAccount(accessKeyId: string): Promise<string | null> {
    return this.run("accessKeyAccount", {}, [accessKeyId], () => this.api.accountOfAccessKey(accessKeyId));
  }
  describeIamUsers(accountId: string, userNames?: string[]): Promise<IamUserDetail[]> {
    return this.run("describeIamUsers", { accountId }, [userNames], () => this.api.describeIamUsers(accountId, userNames));
  }
  getIamRole(accountId: string, roleName: string): Promise<IamRoleDetail | null> {
    return this.run("getIamRole", { accountId }, [roleName], () => this.api.getIamRole(accountId, roleName));
  }
  getInstanceProfile(accountId: string, name: string): Promise<InstanceProfile | null> {
    return this.run("getInstanceProfile", { accountId }, [name], () => this.api.getInstanceProfile(accountId, name));
  }
  getInlinePolicy(accountId: string, owner: InlinePolicyOwner, policyName: string): Promise<string | null> {
    return this.run("getInlinePolicy", { accountId }, [owner, policyName], () => this.api.getInlinePolicy(accountId, owner, policyName));
  }
  describeSpotInstanceRequests(scope: Scope, ids?: string[]): Promise<SpotInstanceRequest[]> {
    return this.run("describeSpotInstanceRequests", scope, [ids], () => this.api.describeSpotInstanceRequests(scope, ids));
  }
  getSesAccount(scope: Scope): Promise<SesAccount | null> {
    return this.run("getSesAccount", scope, [], () => this.api.getSesAccount(scope));
  }
  putInlinePolicy(accountId: string, owner: InlinePolicyOwner, policyName: string, document: string): Promise<void> {
    return this.run("putInlinePolicy", { accountId }, [owner, policyName, document], () => this.api.putInlinePolicy(accountId, owner, policyName, document));
  }
  deleteInlinePolicy(accountId: string, owner: InlinePolicyOwner, policyName: string): Promise<void> {
    return this.run("deleteInlinePolicy", { accountId }, [owner, policyName], () => this.api.deleteInlinePolicy(accountId, owner, policyName));
  }
  listAttachedPolicies(accountId: string, owner: PolicyOwner): Promise<AttachedPolicy[] | null> {
    return this.run("listAttachedPolicies", { accountId }, [owner], () => this.api.listAttachedPolicies(accountId, owner));
  }
  attachManagedPolicy(accountId: string, owner: PolicyOwner, policyArn: string): Promise<void> {
    return this.run("attachManagedPolicy", { accountId }, [owner, policyArn], () => this.api.attachManagedPolicy(accountId, owner, policyArn));
  }
  detachManagedPolicy(accountId: string, owner: PolicyOwner, policyArn: string): Promise<void> {
    return this.run("detachManagedPolicy", { accountId }, [owner, policyArn], () => this.api.detachManagedPolicy(accountId, owner, policyArn));
  }
  updateAssumeRolePolicy(accountId: string, roleName: string, document: string): Promise<void> {
    return this.run("updateAssumeRolePolicy", { accountId }, [roleName, document], () => this.api.updateAssumeRolePolicy(accountId, roleName, document));
  }
  deleteLoginProfile(accountId: string, userName: string): Promise<void> {
    return this.run("deleteLoginProfile", { accountId }, [userName], () => this.api.deleteLoginProfile(accountId, userName));
  }
  cancelSpotInstanceRequests(scope: Scope, ids: string[]): Promise<void> {
    return this.run("cancelSpotInstanceRequests", scope, [ids], () => this.api.cancelSpotInstanceRequests(scope, ids));
  }
  setSesSendingEnabled(scope: Scope, enabled: boolean): Promise<void> {
    return this.run("setSesSendingEnabled", scope, [enabled], () => this.api.setSesSendingEnabled(scope, enabled));
  }
  describeSpotFleetRequests(scope: Scope, ids?: string[]): Promise<SpotFleetRequest[]> {
    return this.run("describeSpotFleetRequests", scope, [ids], () => this.api.describeSpotFleetRequests(scope, ids));
  }
  describeFleets(scope: Scope, ids?: string[]): Promise<Ec2Fleet[]> {
    return this.run("describeFleets", scope, [ids], () => this.api.describeFleets(scope, ids));
  }
  getLightsailInstances(scope: Scope): Promise<LightsailInstance[] | null> {
    return this.run("getLightsailInstances", scope, [], () => this.api.getLightsailInstances(scope));
  }
  getLightsailInstanceSnapshot(scope: Scope, snapshotName: string): Promise<LightsailInstanceSnapshot | null> {
    return this.run("getLightsailInstanceSnapshot", scope, [snapshotName], () => this.api.getLightsailInstanceSnapshot(scope, snapshotName));
  }
  cancelSpotFleetRequests(scope: Scope, ids: string[]): Promise<void> {
    return this.run("cancelSpotFleetRequests", scope, [ids], () => this.api.cancelSpotFleetRequests(scope, ids));
  }
  deleteFleets(scope: Scope, ids: string[]): Promise<void> {
    return this.run("deleteFleets", scope, [ids], () => this.api.deleteFleets(scope, ids));
  }
  createLightsailInstanceSnapshot(scope: Scope, instanceName: string, snapshotName: string): Promise<void> {
    return this.run("createLightsailInstanceSnapshot", scope, [instanceName, snapshotName], () => this.api.createLightsailInstanceSnapshot(scope, instanceName, snapshotName));
  }
  stopLightsailInstance(scope: Scope, instanceName: string): Promise<void> {
    return this.run("stopLightsailInstance", scope, [instanceName], () => this.api.stopLightsailInstance(scope, instanceName));
  }
  startLightsailInstance(scope: Scope, instanceName: string): Promise<void> {
    return this.run("startLightsailInstance", scope, [instanceName], () => this.api.startLightsailInstance(scope, instanceName));
  }
  getTrailStatus(scope: Scope, trail: string): Promise<TrailStatus | null> {
    return this.run("getTrailStatus", scope, [trail], () => this.api.getTrailStatus(scope, trail));
  }
  startLogging(scope: Scope, trail: string): Promise<void> {
    return this.run("startLogging", scope, [trail], () => this.api.startLogging(scope, trail));
  }
  setAccessKeyStatus(accountId: string, userName: string, accessKeyId: string, status: "Active" | "Inactive"): Promise<void> {
    return this.run("setAccessKeyStatus", { accountId }, [userName, accessKeyId, status], () => this.api.setAccessKeyStatus(accountId, userName, accessKeyId, status));
  }
}

/** Authorize/revoke are two AWS calls, ingress and egress; name the one these rules need. */
function directional(actions: readonly string[], rules: RuleSpec[]): readonly string[] {
  const [ingress, egress] = actions as [string, string];
  const hasIn = rules.some((r) => r.direction === "ingress");
  const hasOut = rules.some((r) => r.direction === "egress");
  return hasIn && hasOut ? [ingress, egress] : hasOut ? [egress] : [ingress];
}

function definedScope(scope: ScopeLike): { accountId?: string; region?: string } {
  const out: { accountId?: string; region?: string } = {};
  if (scope.accountId !== undefined) out.accountId = scope.accountId;
  if (scope.region !== undefined) out.region = scope.region;
  return out;
}
