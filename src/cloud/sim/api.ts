/**
 * The simulated AWS APIs: what each call does to the state and which of AWS's rules it enforces.
 * No faults, no latency, no retries here (./account.ts adds those); limits are AWS's own, so a
 * call with 21 instance ids to Auto Scaling is refused here exactly as AWS refuses it. The AWS
 * adapter's tests back their SDK mocks with this layer, so both implementations meet the same rules.
 *
 * Errors are CloudError with AWS's error code in `code` (InvalidPermission.Duplicate,
 * NetworkAclEntryAlreadyExists, ValidationError...), so a mock can rethrow them as SDK exceptions.
 *
 * SimApi is the simulator's one surface; each call is a line delegating to its service's module,
 * as ../aws/index.ts composes the adapter: ./ec2.ts, ./security-groups.ts, ./network-acls.ts,
 * ./autoscaling.ts, ./elb.ts, ./ssm.ts, ./cloudtrail.ts, ./iam.ts, ./s3.ts, ./cloudfront.ts,
 * ./posture.ts. What they all stand on (the state, the clock, accounts and regions, ids, the
 * CloudTrail record of a write) is ./core.ts.
 */
import type { PutObjectInput, PutObjectResult } from "../port-evidence.ts";
import { getInstanceProfile as getSimInstanceProfile } from "./profile.ts";
import * as stsSim from "./sts.ts";
import type {
  AccessKey,
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
import type { InstanceAttributeChange, InstanceQuery, NetworkInterfaceQuery, RuleSpec, TrailQuery } from "../port.ts";
import type { AccountSummary, AlternateContact, CredentialReportRow, EventRule, GuardDutyDetector, InventoryApplication, PolicyEntities, PublicAccessBlock, TrailInfo } from "../port-posture.ts";
import type { InlinePolicyOwner, PolicyOwner } from "../port-iam.ts";
import type { AccessSide } from "../port-access.ts";
import type { CommandInvocation, SendCommandRequest } from "../port-ssm.ts";
import { SimCore } from "./core.ts";
import * as asg from "./autoscaling.ts";
import * as cf from "./cloudfront.ts";
import * as trail from "./cloudtrail.ts";
import * as ec2 from "./ec2.ts";
import * as elb from "./elb.ts";
import * as iamSim from "./iam.ts";
import * as fleetSim from "./fleet.ts";
import * as trailLogging from "./trail-logging.ts";
import * as access from "./access.ts";
import * as acls from "./network-acls.ts";
import * as posture from "./posture.ts";
import * as s3 from "./s3.ts";
import * as sgs from "./security-groups.ts";
import * as ssm from "./ssm.ts";

export { DEFAULT_LIMITS, type SimLimits } from "./core.ts";
export { describeRule } from "./security-groups.ts";

export class SimApi extends SimCore {
  // ---- EC2 (./ec2.ts, ./security-groups.ts, ./network-acls.ts) -------------------------------

  describeInstances(scope: Scope, q: InstanceQuery): Instance[] { return ec2.describeInstances(this, scope, q); }
  describeAddresses(scope: Scope, q: { publicIps?: string[]; allocationIds?: string[]; instanceIds?: string[]; networkInterfaceIds?: string[] }): ElasticIp[] { return ec2.describeAddresses(this, scope, q); }
  describeNetworkInterfaces(scope: Scope, q: NetworkInterfaceQuery): NetworkInterface[] { return ec2.describeNetworkInterfaces(this, scope, q); }
  describeNatGateways(scope: Scope, q: { natGatewayIds?: string[]; vpcIds?: string[] }): NatGateway[] { return ec2.describeNatGateways(this, scope, q); }
  describeSubnets(scope: Scope, subnetIds: string[]): Subnet[] { return ec2.describeSubnets(this, scope, subnetIds); }
  describeVpcs(scope: Scope, vpcIds: string[]): Vpc[] { return ec2.describeVpcs(this, scope, vpcIds); }
  describeSnapshots(scope: Scope, q: { snapshotIds?: string[]; tags?: Tags }): Snapshot[] { return ec2.describeSnapshots(this, scope, q); }
  modifyInstanceAttribute(scope: Scope, instanceId: string, change: InstanceAttributeChange): void { ec2.modifyInstanceAttribute(this, scope, instanceId, change); }
  createSnapshots(scope: Scope, instanceId: string, opts: { description: string; tags: Tags }): { snapshotId: string; volumeId: string }[] { return ec2.createSnapshots(this, scope, instanceId, opts); }
  getConsoleOutput(scope: Scope, instanceId: string): string | null { return ec2.getConsoleOutput(this, scope, instanceId); }
  getConsoleScreenshot(scope: Scope, instanceId: string): string | null { return ec2.getConsoleScreenshot(this, scope, instanceId); }
  getUserData(scope: Scope, instanceId: string): string | null { return ec2.getUserData(this, scope, instanceId); }
  stopInstances(scope: Scope, instanceIds: string[]): void { ec2.stopInstances(this, scope, instanceIds); }
  startInstances(scope: Scope, instanceIds: string[]): void { ec2.startInstances(this, scope, instanceIds); }
  createTags(scope: Scope, resourceIds: string[], tags: Tags): void { ec2.createTags(this, scope, resourceIds, tags); }

  describeSecurityGroups(scope: Scope, groupIds: string[]): SecurityGroup[] { return sgs.describeSecurityGroups(this, scope, groupIds); }
  findSecurityGroups(scope: Scope, q: { vpcId: string; groupNames?: string[]; tags?: Tags }): SecurityGroup[] { return sgs.findSecurityGroups(this, scope, q); }
  createSecurityGroup(scope: Scope, spec: { vpcId: string; groupName: string; description: string; tags: Tags }): string { return sgs.createSecurityGroup(this, scope, spec); }
  authorizeRules(scope: Scope, groupId: string, rules: RuleSpec[]): void { sgs.authorizeRules(this, scope, groupId, rules); }
  revokeRules(scope: Scope, groupId: string, rules: RuleSpec[]): void { sgs.revokeRules(this, scope, groupId, rules); }
  setNetworkInterfaceGroups(scope: Scope, networkInterfaceId: string, groupIds: string[]): void { sgs.setNetworkInterfaceGroups(this, scope, networkInterfaceId, groupIds); }

  describeNetworkAcls(scope: Scope, q: { subnetIds?: string[]; networkAclIds?: string[] }): NetworkAcl[] { return acls.describeNetworkAcls(this, scope, q); }
  createNetworkAclEntry(scope: Scope, networkAclId: string, entry: NetworkAclEntry): void { acls.createNetworkAclEntry(this, scope, networkAclId, entry); }
  deleteNetworkAclEntry(scope: Scope, networkAclId: string, entry: { ruleNumber: number; egress: boolean }): void { acls.deleteNetworkAclEntry(this, scope, networkAclId, entry); }

  // ---- Auto Scaling (./autoscaling.ts) -----------------------------------------------------

  autoScalingGroupsOf(scope: Scope, instanceIds: string[]): AutoScalingGroup[] { return asg.autoScalingGroupsOf(this, scope, instanceIds); }
  describeAutoScalingGroups(scope: Scope, names: string[]): AutoScalingGroup[] { return asg.describeAutoScalingGroups(this, scope, names); }
  enterStandby(scope: Scope, groupName: string, instanceIds: string[], decrementDesiredCapacity: boolean): void { asg.enterStandby(this, scope, groupName, instanceIds, decrementDesiredCapacity); }
  exitStandby(scope: Scope, groupName: string, instanceIds: string[]): void { asg.exitStandby(this, scope, groupName, instanceIds); }
  detachInstances(scope: Scope, groupName: string, instanceIds: string[], decrementDesiredCapacity: boolean): void { asg.detachInstances(this, scope, groupName, instanceIds, decrementDesiredCapacity); }
  attachInstances(scope: Scope, groupName: string, instanceIds: string[]): void { asg.attachInstances(this, scope, groupName, instanceIds); }
  suspendProcesses(scope: Scope, groupName: string, processes: string[]): void { asg.suspendProcesses(this, scope, groupName, processes); }
  resumeProcesses(scope: Scope, groupName: string, processes: string[]): void { asg.resumeProcesses(this, scope, groupName, processes); }
  setInstanceProtection(scope: Scope, groupName: string, instanceIds: string[], protectedFromScaleIn: boolean): void { asg.setInstanceProtection(this, scope, groupName, instanceIds, protectedFromScaleIn); }
  updateAutoScalingGroup(scope: Scope, groupName: string, change: { minSize?: number; maxSize?: number; desiredCapacity?: number }): void { asg.updateAutoScalingGroup(this, scope, groupName, change); }

  // ---- Elastic Load Balancing (./elb.ts) ---------------------------------------------------

  targetGroupsOf(scope: Scope, targetIds: string[]): TargetGroup[] { return elb.targetGroupsOf(this, scope, targetIds); }
  describeLoadBalancers(scope: Scope, q: { ids?: string[]; instanceIds?: string[] }): LoadBalancer[] { return elb.describeLoadBalancers(this, scope, q); }
  /**
   * DeregisterTargets matches (id, port), the port defaulting to the group's: a target registered
   * on another port is left in place and AWS still answers 200, so the caller must pass the port.
   */
  deregisterTargets(scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): void { elb.deregisterTargets(this, scope, targetGroupArn, targets); }
  registerTargets(scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): void { elb.registerTargets(this, scope, targetGroupArn, targets); }
  deregisterFromClassicLoadBalancer(scope: Scope, loadBalancerName: string, instanceIds: string[]): void { elb.deregisterFromClassicLoadBalancer(this, scope, loadBalancerName, instanceIds); }
  registerWithClassicLoadBalancer(scope: Scope, loadBalancerName: string, instanceIds: string[]): void { elb.registerWithClassicLoadBalancer(this, scope, loadBalancerName, instanceIds); }

  // ---- Systems Manager (./ssm.ts) ----------------------------------------------------------

  ssmManagedInstances(scope: Scope, instanceIds: string[]): SsmManagedInstance[] { return ssm.ssmManagedInstances(this, scope, instanceIds); }
  /** Run Command; the id has AWS's shape (a UUID). */
  sendCommand(scope: Scope, req: SendCommandRequest): string { return ssm.simSendCommand(this, scope, req); }
  getCommandInvocation(scope: Scope, commandId: string, instanceId: string): CommandInvocation | null { return ssm.simGetCommandInvocation(this, scope, commandId, instanceId); }

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

  // ---- CloudTrail (./cloudtrail.ts) --------------------------------------------------------

  lookupEvents(scope: Scope, q: TrailQuery): TrailEvent[] { return trail.lookupEvents(this, scope, q); }

  // ---- S3, CloudFront (./s3.ts, ./cloudfront.ts) -------------------------------------------

  getBucket(accountId: string, bucketName: string): Bucket | null { return s3.getBucket(this, accountId, bucketName); }
  putPublicAccessBlock(accountId: string, bucketName: string, block: NonNullable<Bucket["publicAccessBlock"]>): void { s3.putPublicAccessBlock(this, accountId, bucketName, block); }
  deletePublicAccessBlock(accountId: string, bucketName: string): void { s3.deletePublicAccessBlock(this, accountId, bucketName); }
  /** PutObject with Object Lock retention (evidence bundles): sim/evidence.ts. */
  putObject(accountId: string, input: PutObjectInput): PutObjectResult { return s3.putObject(this, accountId, input); }
  getDistribution(accountId: string, distributionId: string): Distribution | null { return cf.getDistribution(this, accountId, distributionId); }
  setDistributionEnabled(accountId: string, distributionId: string, enabled: boolean): void { cf.setDistributionEnabled(this, accountId, distributionId, enabled); }

  // ---- IAM, STS and the credential response (./iam.ts) -------------------------------------

  findAccessKey(accountId: string, accessKeyId: string): AccessKey | null { return iamSim.findAccessKey(this, accountId, accessKeyId); }
  /** STS GetAccessKeyInfo: the account an access key belongs to, whichever account asks. */
  accountOfAccessKey(accessKeyId: string): string | null { return stsSim.accessKeyAccount(this, accessKeyId); }
  getIamUser(accountId: string, userName: string): IamUser | null { return iamSim.getIamUser(this, accountId, userName); }
  setAccessKeyStatus(accountId: string, userName: string, accessKeyId: string, status: "Active" | "Inactive"): void { iamSim.setAccessKeyStatus(this, accountId, userName, accessKeyId, status); }
  describeIamUsers = (accountId: string, userNames?: string[]) => iamSim.describeIamUsers(this, accountId, userNames);
  getIamRole = (accountId: string, roleName: string) => iamSim.getIamRole(this, accountId, roleName);
  getInstanceProfile = (accountId: string, name: string) => getSimInstanceProfile(this, accountId, name);
  getInlinePolicy = (accountId: string, owner: InlinePolicyOwner, name: string) => iamSim.getInlinePolicy(this, accountId, owner, name);
  describeSpotInstanceRequests = (scope: Scope, ids?: string[]) => iamSim.describeSpotInstanceRequests(this, scope, ids);
  getSesAccount = (scope: Scope) => iamSim.getSesAccount(this, scope);
  putInlinePolicy = (accountId: string, owner: InlinePolicyOwner, name: string, doc: string) => iamSim.putInlinePolicy(this, accountId, owner, name, doc);
  deleteInlinePolicy = (accountId: string, owner: InlinePolicyOwner, name: string) => iamSim.deleteInlinePolicy(this, accountId, owner, name);
  listAttachedPolicies = (accountId: string, owner: PolicyOwner) => iamSim.listAttachedPolicies(this, accountId, owner);
  attachManagedPolicy = (accountId: string, owner: PolicyOwner, policyArn: string) => iamSim.attachManagedPolicy(this, accountId, owner, policyArn);
  detachManagedPolicy = (accountId: string, owner: PolicyOwner, policyArn: string) => iamSim.detachManagedPolicy(this, accountId, owner, policyArn);
  updateAssumeRolePolicy = (accountId: string, roleName: string, doc: string) => iamSim.updateAssumeRolePolicy(this, accountId, roleName, doc);
  deleteLoginProfile = (accountId: string, userName: string) => iamSim.deleteLoginProfile(this, accountId, userName);
  cancelSpotInstanceRequests = (scope: Scope, ids: string[]) => iamSim.cancelSpotInstanceRequests(this, scope, ids);
  setSesSendingEnabled = (scope: Scope, enabled: boolean) => iamSim.setSesSendingEnabled(this, scope, enabled);
  // ---- fleets and Lightsail (./fleet.ts)
  describeSpotFleetRequests = (scope: Scope, ids?: string[]) => fleetSim.describeSpotFleetRequests(this, scope, ids);
  describeFleets = (scope: Scope, ids?: string[]) => fleetSim.describeFleets(this, scope, ids);
  getLightsailInstances = (scope: Scope) => fleetSim.getLightsailInstances(this, scope);
  getLightsailInstanceSnapshot = (scope: Scope, name: string) => fleetSim.getLightsailInstanceSnapshot(this, scope, name);
  cancelSpotFleetRequests = (scope: Scope, ids: string[]) => fleetSim.cancelSpotFleetRequests(this, scope, ids);
  deleteFleets = (scope: Scope, ids: string[]) => fleetSim.deleteFleets(this, scope, ids);
  createLightsailInstanceSnapshot = (scope: Scope, instanceName: string, snapshotName: string) => fleetSim.createLightsailInstanceSnapshot(this, scope, instanceName, snapshotName);
  stopLightsailInstance = (scope: Scope, instanceName: string) => fleetSim.stopLightsailInstance(this, scope, instanceName);
  startLightsailInstance = (scope: Scope, instanceName: string) => fleetSim.startLightsailInstance(this, scope, instanceName);

  // ---- trail logging (./trail-logging.ts)
  getTrailStatus = (scope: Scope, trail: string) => trailLogging.getTrailStatus(this, scope, trail);
  startLogging = (scope: Scope, trail: string) => trailLogging.startLogging(this, scope, trail);

  // ---- reaching accounts (./access.ts) ----------------------------------------------------
  organizationAccounts = () => access.organizationAccounts(this);
  enterAccount = (accountId: string, side: AccessSide) => access.enterAccount(this, accountId, side);
  assumeRole = (accountId: string, roleName: string) => access.assumeRole(this, accountId, roleName);
}
