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
import type { Bucket, NetworkAclEntry, Scope, Tags } from "../model.ts";
import type { CloudPort, InstanceQuery, NetworkInterfaceQuery, RuleSpec, TrailQuery } from "../port.ts";
import { AccountDirectory } from "./accounts.ts";
import { METHODS, type PortMethod } from "./actions.ts";
import * as asg from "./autoscaling.ts";
import * as cf from "./cloudfront.ts";
import * as ec2 from "./ec2.ts";
import * as elb from "./elb.ts";
import * as iam from "./iam.ts";
import type { AwsPortOptions } from "./options.ts";
import * as s3 from "./s3.ts";
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
    regions: (accountId: string) => directory.regions(accountId),

    describeInstances: (scope: Scope, q: InstanceQuery) => ec2.describeInstances(as("describeInstances"), scope, q),
    describeAddresses: (scope: Scope, q: { publicIps?: string[]; allocationIds?: string[]; instanceIds?: string[]; networkInterfaceIds?: string[] }) => ec2.describeAddresses(as("describeAddresses"), scope, q),
    describeNetworkInterfaces: (scope: Scope, q: NetworkInterfaceQuery) => ec2.describeNetworkInterfaces(as("describeNetworkInterfaces"), scope, q),
    describeNatGateways: (scope: Scope, q: { natGatewayIds?: string[]; vpcIds?: string[] }) => ec2.describeNatGateways(as("describeNatGateways"), scope, q),
    describeSecurityGroups: (scope: Scope, ids: string[]) => ec2.describeSecurityGroups(as("describeSecurityGroups"), scope, ids),
    describeSubnets: (scope: Scope, ids: string[]) => ec2.describeSubnets(as("describeSubnets"), scope, ids),
    describeVpcs: (scope: Scope, ids: string[]) => ec2.describeVpcs(as("describeVpcs"), scope, ids),
    describeNetworkAcls: (scope: Scope, q: { subnetIds?: string[]; networkAclIds?: string[] }) => ec2.describeNetworkAcls(as("describeNetworkAcls"), scope, q),
    describeSnapshots: (scope: Scope, q: { snapshotIds?: string[]; tags?: Tags }) => ec2.describeSnapshots(as("describeSnapshots"), scope, q),
    findSecurityGroups: (scope: Scope, q: { vpcId: string; groupNames?: string[]; tags?: Tags }) => ec2.findSecurityGroups(as("findSecurityGroups"), scope, q),

    autoScalingGroupsOf: (scope: Scope, ids: string[]) => asg.autoScalingGroupsOf(as("autoScalingGroupsOf"), scope, ids),
    describeAutoScalingGroups: (scope: Scope, names: string[]) => asg.describeAutoScalingGroups(as("describeAutoScalingGroups"), scope, names),
    targetGroupsOf: (scope: Scope, ids: string[]) => elb.targetGroupsOf(as("targetGroupsOf"), scope, ids),
    describeLoadBalancers: (scope: Scope, q: { ids?: string[]; instanceIds?: string[] }) => elb.describeLoadBalancers(as("describeLoadBalancers"), scope, q),

    findAccessKey: (accountId: string, keyId: string) => iam.findAccessKey(as("findAccessKey"), accountId, keyId, keyOwners),
    getIamUser: (accountId: string, userName: string) => iam.getIamUser(as("getIamUser"), accountId, userName),
    ssmManagedInstances: (scope: Scope, ids: string[]) => ssm.ssmManagedInstances(as("ssmManagedInstances"), scope, ids),
    lookupEvents: (scope: Scope, q: TrailQuery) => trail.lookupEvents(as("lookupEvents"), scope, q),
    getBucket: (accountId: string, name: string) => s3.getBucket(as("getBucket"), accountId, name, bucketRegions),
    getDistribution: (accountId: string, id: string) => cf.getDistribution(as("getDistribution"), accountId, id),

    modifyInstanceAttribute: (scope: Scope, id: string, change: ec2.InstanceAttributeChange) => ec2.modifyInstanceAttribute(as("modifyInstanceAttribute"), scope, id, change),
    createSnapshots: (scope: Scope, id: string, opts: { description: string; tags: Tags }) => ec2.createSnapshots(as("createSnapshots"), scope, id, opts),
    getConsoleOutput: (scope: Scope, id: string) => ec2.getConsoleOutput(as("getConsoleOutput"), scope, id),
    getConsoleScreenshot: (scope: Scope, id: string) => ec2.getConsoleScreenshot(as("getConsoleScreenshot"), scope, id),
    getUserData: (scope: Scope, id: string) => ec2.getUserData(as("getUserData"), scope, id),
    stopInstances: (scope: Scope, ids: string[]) => ec2.stopInstances(as("stopInstances"), scope, ids),
    startInstances: (scope: Scope, ids: string[]) => ec2.startInstances(as("startInstances"), scope, ids),
    createSecurityGroup: (scope: Scope, spec: { vpcId: string; groupName: string; description: string; tags: Tags }) =>
      ec2.createSecurityGroup(as("createSecurityGroup"), scope, spec),
    authorizeRules: (scope: Scope, groupId: string, rules: RuleSpec[]) => ec2.authorizeRules(as("authorizeRules"), scope, groupId, rules),
    revokeRules: (scope: Scope, groupId: string, rules: RuleSpec[]) => ec2.revokeRules(as("revokeRules"), scope, groupId, rules),
    setNetworkInterfaceGroups: (scope: Scope, eni: string, groupIds: string[]) => ec2.setNetworkInterfaceGroups(as("setNetworkInterfaceGroups"), scope, eni, groupIds),
    createTags: (scope: Scope, ids: string[], tags: Tags) => ec2.createTags(as("createTags"), scope, ids, tags),
    createNetworkAclEntry: (scope: Scope, aclId: string, entry: NetworkAclEntry) => ec2.createNetworkAclEntry(as("createNetworkAclEntry"), scope, aclId, entry),
    deleteNetworkAclEntry: (scope: Scope, aclId: string, entry: { ruleNumber: number; egress: boolean }) =>
      ec2.deleteNetworkAclEntry(as("deleteNetworkAclEntry"), scope, aclId, entry),

    enterStandby: (scope: Scope, group: string, ids: string[], decrement: boolean) => asg.enterStandby(as("enterStandby"), scope, group, ids, decrement),
    exitStandby: (scope: Scope, group: string, ids: string[]) => asg.exitStandby(as("exitStandby"), scope, group, ids),
    detachInstances: (scope: Scope, group: string, ids: string[], decrement: boolean) => asg.detachInstances(as("detachInstances"), scope, group, ids, decrement),
    attachInstances: (scope: Scope, group: string, ids: string[]) => asg.attachInstances(as("attachInstances"), scope, group, ids),
    suspendProcesses: (scope: Scope, group: string, processes: string[]) => asg.suspendProcesses(as("suspendProcesses"), scope, group, processes),
    resumeProcesses: (scope: Scope, group: string, processes: string[]) => asg.resumeProcesses(as("resumeProcesses"), scope, group, processes),
    setInstanceProtection: (scope: Scope, group: string, ids: string[], on: boolean) => asg.setInstanceProtection(as("setInstanceProtection"), scope, group, ids, on),
    updateAutoScalingGroup: (scope: Scope, group: string, change: { minSize?: number; maxSize?: number; desiredCapacity?: number }) =>
      asg.updateAutoScalingGroup(as("updateAutoScalingGroup"), scope, group, change),

    deregisterTargets: (scope: Scope, arn: string, targets: { id: string; port?: number }[]) => elb.deregisterTargets(as("deregisterTargets"), scope, arn, targets),
    registerTargets: (scope: Scope, arn: string, targets: { id: string; port?: number }[]) => elb.registerTargets(as("registerTargets"), scope, arn, targets),
    deregisterFromClassicLoadBalancer: (scope: Scope, name: string, ids: string[]) =>
      elb.deregisterFromClassicLoadBalancer(as("deregisterFromClassicLoadBalancer"), scope, name, ids),
    registerWithClassicLoadBalancer: (scope: Scope, name: string, ids: string[]) => elb.registerWithClassicLoadBalancer(as("registerWithClassicLoadBalancer"), scope, name, ids),

    putPublicAccessBlock: (accountId: string, bucket: string, block: NonNullable<Bucket["publicAccessBlock"]>) =>
      s3.putPublicAccessBlock(as("putPublicAccessBlock"), accountId, bucket, block, bucketRegions),
    deletePublicAccessBlock: (accountId: string, bucket: string) => s3.deletePublicAccessBlock(as("deletePublicAccessBlock"), accountId, bucket, bucketRegions),
    setDistributionEnabled: (accountId: string, id: string, enabled: boolean) => cf.setDistributionEnabled(as("setDistributionEnabled"), accountId, id, enabled),
    setAccessKeyStatus: (accountId: string, userName: string, keyId: string, status: "Active" | "Inactive") =>
      iam.setAccessKeyStatus(as("setAccessKeyStatus"), accountId, userName, keyId, status),
  };
}
