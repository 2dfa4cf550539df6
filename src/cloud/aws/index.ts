/**
 * The AWS adapter: a CloudPort over the AWS SDK for JavaScript v3.
 *
 *   const port = createAwsPort({ profile: "prod", region: "eu-west-1",
 *     assumeRole: { roleName: "AbuseDeskReadOnly", externalId: "..." }, discoverAccounts: true });
 *
 * Credentials come from the SDK's standard chain (or a profile); each account other than the
 * caller's is reached through a role; regions are the ones DescribeRegions says are enabled.
 * Reads go through the read role and writes through the containment role when one is configured
 * (actions.ts says which side each method is on). See docs/aws.md.
 */
import type { CloudPort } from "../port.ts";
import { AccountDirectory } from "./accounts.ts";
import { METHODS, type PortMethod } from "./actions.ts";
import * as asg from "./autoscaling.ts";
import * as cf from "./cloudfront.ts";
import * as creds from "./credentials.ts";
import * as iamPolicies from "./iam-policies.ts";
import * as ec2 from "./ec2.ts";
import * as fleet from "./fleet.ts";
import * as trailLogging from "./trail-logging.ts";
import * as elb from "./elb.ts";
import * as iam from "./iam.ts";
import * as logs from "./logs.ts";
import type { AwsPortOptions } from "./options.ts";
import * as posture from "./posture.ts";
import * as profile from "./profile.ts";
import * as s3 from "./s3.ts";
import { putEvidenceObject } from "./evidence.ts";
import { AwsSession, type Ctx, type Purpose } from "./session.ts";
import * as ssm from "./ssm.ts";
import * as trail from "./cloudtrail.ts";

export type { AwsPortOptions, AwsAccountEntry, AssumeRoleOptions } from "./options.ts";

export interface AwsPort extends CloudPort {
  /** Closes every SDK client (their sockets); the port is not usable afterwards. */
  close(): void;
}

export function createAwsPort(options: AwsPortOptions = {}): AwsPort {
  // The SDK warns on every run under Node 20 that *future* SDK releases will need Node 22: nothing a
  // responder can act on mid-incident, so it is silenced unless the user set the variable themselves.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const session = new AwsSession(options);
  const directory = new AccountDirectory(session, options);
  session.attach(directory);
  const contexts: Record<Purpose, Ctx> = {
    read: { session, purpose: "read" },
    write: { session, purpose: "write" },
  };
  /** The context a method runs in: its side in the action table picks the role. */
  const as = (m: PortMethod) => contexts[METHODS[m].side as Purpose];
  const bucketRegions: s3.BucketRegions = new Map();
  const keyOwners = new Map<string, Promise<string | undefined>>();

  const label = ["aws", options.profile ? `profile ${options.profile}` : undefined, options.region].filter(Boolean).join(" ");

  return {
    label,
    close: () => session.close(),

    accounts: () => directory.accounts(),
    regions: (accountId) => directory.regions(accountId),
    organizationAccounts: () => directory.organization(),
    enterAccount: (accountId, side) => directory.enter(accountId, side),

    describeInstances: (scope, q) => ec2.describeInstances(as("describeInstances"), scope, q),
    describeAddresses: (scope, q) => ec2.describeAddresses(as("describeAddresses"), scope, q),
    describeNetworkInterfaces: (scope, q) => ec2.describeNetworkInterfaces(as("describeNetworkInterfaces"), scope, q),
    describeNatGateways: (scope, q) => ec2.describeNatGateways(as("describeNatGateways"), scope, q),
    describeSecurityGroups: (scope, ids) => ec2.describeSecurityGroups(as("describeSecurityGroups"), scope, ids),
    describeSubnets: (scope, ids) => ec2.describeSubnets(as("describeSubnets"), scope, ids),
    describeVpcs: (scope, ids) => ec2.describeVpcs(as("describeVpcs"), scope, ids),
    describeNetworkAcls: (scope, q) => ec2.describeNetworkAcls(as("describeNetworkAcls"), scope, q),
    describeSnapshots: (scope, q) => ec2.describeSnapshots(as("describeSnapshots"), scope, q),
    findSecurityGroups: (scope, q) => ec2.findSecurityGroups(as("findSecurityGroups"), scope, q),

    autoScalingGroupsOf: (scope, ids) => asg.autoScalingGroupsOf(as("autoScalingGroupsOf"), scope, ids),
    describeAutoScalingGroups: (scope, names) => asg.describeAutoScalingGroups(as("describeAutoScalingGroups"), scope, names),
    targetGroupsOf: (scope, ids) => elb.targetGroupsOf(as("targetGroupsOf"), scope, ids),
    describeLoadBalancers: (scope, q) => elb.describeLoadBalancers(as("describeLoadBalancers"), scope, q),

    findAccessKey: (accountId, keyId) => iam.findAccessKey(as("findAccessKey"), accountId, keyId, keyOwners),
    getIamUser: (accountId, userName) => iam.getIamUser(as("getIamUser"), accountId, userName),
    ssmManagedInstances: (scope, ids) => ssm.ssmManagedInstances(as("ssmManagedInstances"), scope, ids),
    sendCommand: (scope, req) => ssm.sendCommand(as("sendCommand"), scope, req),
    getCommandInvocation: (scope, commandId, instanceId) => ssm.getCommandInvocation(as("getCommandInvocation"), scope, commandId, instanceId),
    lookupEvents: (scope, q) => trail.lookupEvents(as("lookupEvents"), scope, q),
    getBucket: (accountId, name) => s3.getBucket(as("getBucket"), accountId, name, bucketRegions),
    getDistribution: (accountId, id) => cf.getDistribution(as("getDistribution"), accountId, id),
    describeFlowLogs: (scope, q) => logs.describeFlowLogs(as("describeFlowLogs"), scope, q),
    listObjects: (accountId, bucket, prefix, opts) => logs.listObjects(as("listObjects"), accountId, bucket, prefix, opts, bucketRegions),
    getObject: (accountId, bucket, key, toFile, opts) => logs.getObject(as("getObject"), accountId, bucket, key, toFile, opts, bucketRegions),
    startLogsQuery: (scope, q) => logs.startLogsQuery(as("startLogsQuery"), scope, q),
    getLogsQueryResults: (scope, id) => logs.getLogsQueryResults(as("getLogsQueryResults"), scope, id),

    getSecurityContact: (accountId) => posture.getSecurityContact(as("getSecurityContact"), accountId),
    listEventRules: (scope) => posture.listEventRules(as("listEventRules"), scope),
    describeTrails: (scope) => posture.describeTrails(as("describeTrails"), scope),
    guardDutyDetectors: (scope) => posture.guardDutyDetectors(as("guardDutyDetectors"), scope),
    credentialReport: (accountId) => posture.credentialReport(as("credentialReport"), accountId, options.credentialReportPollMs ?? 1000),
    accountSummary: (accountId) => posture.accountSummary(as("accountSummary"), accountId),
    accountPublicAccessBlock: (accountId) => posture.accountPublicAccessBlock(as("accountPublicAccessBlock"), accountId),
    getBucketLogging: (accountId, bucket) => posture.getBucketLogging(as("getBucketLogging"), accountId, bucket, bucketRegions),
    policyEntities: (accountId, arn) => posture.policyEntities(as("policyEntities"), accountId, arn),
    inventoryApplications: (scope, id) => posture.inventoryApplications(as("inventoryApplications"), scope, id),

    modifyInstanceAttribute: (scope, id, change) => ec2.modifyInstanceAttribute(as("modifyInstanceAttribute"), scope, id, change),
    createSnapshots: (scope, id, opts) => ec2.createSnapshots(as("createSnapshots"), scope, id, opts),
    getConsoleOutput: (scope, id) => ec2.getConsoleOutput(as("getConsoleOutput"), scope, id),
    getConsoleScreenshot: (scope, id) => ec2.getConsoleScreenshot(as("getConsoleScreenshot"), scope, id),
    getUserData: (scope, id) => ec2.getUserData(as("getUserData"), scope, id),
    stopInstances: (scope, ids) => ec2.stopInstances(as("stopInstances"), scope, ids),
    startInstances: (scope, ids) => ec2.startInstances(as("startInstances"), scope, ids),
    createSecurityGroup: (scope, spec) =>
      ec2.createSecurityGroup(as("createSecurityGroup"), scope, spec),
    authorizeRules: (scope, groupId, rules) => ec2.authorizeRules(as("authorizeRules"), scope, groupId, rules),
    revokeRules: (scope, groupId, rules) => ec2.revokeRules(as("revokeRules"), scope, groupId, rules),
    setNetworkInterfaceGroups: (scope, eni, groupIds) => ec2.setNetworkInterfaceGroups(as("setNetworkInterfaceGroups"), scope, eni, groupIds),
    createTags: (scope, ids, tags) => ec2.createTags(as("createTags"), scope, ids, tags),
    createNetworkAclEntry: (scope, aclId, entry) => ec2.createNetworkAclEntry(as("createNetworkAclEntry"), scope, aclId, entry),
    deleteNetworkAclEntry: (scope, aclId, entry) =>
      ec2.deleteNetworkAclEntry(as("deleteNetworkAclEntry"), scope, aclId, entry),

    enterStandby: (scope, group, ids, decrement) => asg.enterStandby(as("enterStandby"), scope, group, ids, decrement),
    exitStandby: (scope, group, ids) => asg.exitStandby(as("exitStandby"), scope, group, ids),
    detachInstances: (scope, group, ids, decrement) => asg.detachInstances(as("detachInstances"), scope, group, ids, decrement),
    attachInstances: (scope, group, ids) => asg.attachInstances(as("attachInstances"), scope, group, ids),
    suspendProcesses: (scope, group, processes) => asg.suspendProcesses(as("suspendProcesses"), scope, group, processes),
    resumeProcesses: (scope, group, processes) => asg.resumeProcesses(as("resumeProcesses"), scope, group, processes),
    setInstanceProtection: (scope, group, ids, on) => asg.setInstanceProtection(as("setInstanceProtection"), scope, group, ids, on),
    updateAutoScalingGroup: (scope, group, change) =>
      asg.updateAutoScalingGroup(as("updateAutoScalingGroup"), scope, group, change),

    deregisterTargets: (scope, arn, targets) => elb.deregisterTargets(as("deregisterTargets"), scope, arn, targets),
    registerTargets: (scope, arn, targets) => elb.registerTargets(as("registerTargets"), scope, arn, targets),
    deregisterFromClassicLoadBalancer: (scope, name, ids) =>
      elb.deregisterFromClassicLoadBalancer(as("deregisterFromClassicLoadBalancer"), scope, name, ids),
    registerWithClassicLoadBalancer: (scope, name, ids) => elb.registerWithClassicLoadBalancer(as("registerWithClassicLoadBalancer"), scope, name, ids),

    putPublicAccessBlock: (accountId, bucket, block) =>
      s3.putPublicAccessBlock(as("putPublicAccessBlock"), accountId, bucket, block, bucketRegions),
    deletePublicAccessBlock: (accountId, bucket) => s3.deletePublicAccessBlock(as("deletePublicAccessBlock"), accountId, bucket, bucketRegions),
    putObject: (accountId, input) => putEvidenceObject(as("putObject"), accountId, input, bucketRegions),
    setDistributionEnabled: (accountId, id, enabled) => cf.setDistributionEnabled(as("setDistributionEnabled"), accountId, id, enabled),
    setAccessKeyStatus: (accountId, userName, keyId, status) =>
      iam.setAccessKeyStatus(as("setAccessKeyStatus"), accountId, userName, keyId, status),

    accessKeyAccount: (keyId) => creds.accessKeyAccount(as("accessKeyAccount"), keyId),
    describeIamUsers: (accountId, names) => creds.describeIamUsers(as("describeIamUsers"), accountId, names),
    getIamRole: (accountId, name) => creds.getIamRole(as("getIamRole"), accountId, name),
    getInstanceProfile: (accountId, name) => profile.getInstanceProfile(as("getInstanceProfile"), accountId, name),
    getInlinePolicy: (accountId, owner, name) => creds.getInlinePolicy(as("getInlinePolicy"), accountId, owner, name),
    describeSpotInstanceRequests: (scope, ids) => creds.describeSpotInstanceRequests(as("describeSpotInstanceRequests"), scope, ids),
    getSesAccount: (scope) => creds.getSesAccount(as("getSesAccount"), scope),
    putInlinePolicy: (accountId, owner, name, doc) => creds.putInlinePolicy(as("putInlinePolicy"), accountId, owner, name, doc),
    deleteInlinePolicy: (accountId, owner, name) => creds.deleteInlinePolicy(as("deleteInlinePolicy"), accountId, owner, name),
    listAttachedPolicies: (accountId, owner) => iamPolicies.listAttachedPolicies(as("listAttachedPolicies"), accountId, owner),
    attachManagedPolicy: (accountId, owner, arn) => iamPolicies.attachManagedPolicy(as("attachManagedPolicy"), accountId, owner, arn),
    detachManagedPolicy: (accountId, owner, arn) => iamPolicies.detachManagedPolicy(as("detachManagedPolicy"), accountId, owner, arn),
    updateAssumeRolePolicy: (accountId, name, doc) => creds.updateAssumeRolePolicy(as("updateAssumeRolePolicy"), accountId, name, doc),
    deleteLoginProfile: (accountId, name) => creds.deleteLoginProfile(as("deleteLoginProfile"), accountId, name),
    cancelSpotInstanceRequests: (scope, ids) => creds.cancelSpotInstanceRequests(as("cancelSpotInstanceRequests"), scope, ids),
    setSesSendingEnabled: (scope, enabled) => creds.setSesSendingEnabled(as("setSesSendingEnabled"), scope, enabled),

    describeSpotFleetRequests: (scope, ids) => fleet.describeSpotFleetRequests(as("describeSpotFleetRequests"), scope, ids),
    describeFleets: (scope, ids) => fleet.describeFleets(as("describeFleets"), scope, ids),
    getLightsailInstances: (scope) => fleet.getLightsailInstances(as("getLightsailInstances"), scope),
    getLightsailInstanceSnapshot: (scope, name) => fleet.getLightsailInstanceSnapshot(as("getLightsailInstanceSnapshot"), scope, name),
    cancelSpotFleetRequests: (scope, ids) => fleet.cancelSpotFleetRequests(as("cancelSpotFleetRequests"), scope, ids),
    deleteFleets: (scope, ids) => fleet.deleteFleets(as("deleteFleets"), scope, ids),
    createLightsailInstanceSnapshot: (scope, instance, snapshot) => fleet.createLightsailInstanceSnapshot(as("createLightsailInstanceSnapshot"), scope, instance, snapshot),
    stopLightsailInstance: (scope, name) => fleet.stopLightsailInstance(as("stopLightsailInstance"), scope, name),
    startLightsailInstance: (scope, name) => fleet.startLightsailInstance(as("startLightsailInstance"), scope, name),
    getTrailStatus: (scope, trail) => trailLogging.getTrailStatus(as("getTrailStatus"), scope, trail),
    startLogging: (scope, trail) => trailLogging.startLogging(as("startLogging"), scope, trail),
  };
}
