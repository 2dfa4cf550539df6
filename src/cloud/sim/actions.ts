/**
 * Which IAM actions each cloud-port method needs when it runs against AWS. The simulator uses the
 * map to answer fault rules written either way (`describeAddresses` or `ec2:DescribeAddresses`)
 * and to name the missing action when it denies a call, as AWS does. The first action is the one
 * named for a rule that matches the method as a whole. test/cloud/aws/policy.test.ts keeps this
 * table in step with the AWS adapter's (src/cloud/aws/actions.ts): a denial that fails a method
 * against AWS fails it here too.
 */
import type { PortCall } from "../port.ts";

export type PortMethod = PortCall;

export const PORT_ACTIONS: Record<PortMethod, readonly string[]> = {
  accounts: ["organizations:ListAccounts"],
  regions: ["ec2:DescribeRegions"],
  organizationAccounts: ["organizations:ListAccounts"],
  enterAccount: ["sts:AssumeRole"],
  describeInstances: ["ec2:DescribeInstances"],
  describeAddresses: ["ec2:DescribeAddresses"],
  describeNetworkInterfaces: ["ec2:DescribeNetworkInterfaces"],
  describeNatGateways: ["ec2:DescribeNatGateways"],
  describeSecurityGroups: ["ec2:DescribeSecurityGroups"],
  // A subnet's network ACL is read from the ACLs' associations.
  describeSubnets: ["ec2:DescribeSubnets", "ec2:DescribeNetworkAcls"],
  describeVpcs: ["ec2:DescribeVpcs"],
  describeNetworkAcls: ["ec2:DescribeNetworkAcls"],
  describeSnapshots: ["ec2:DescribeSnapshots"],
  findSecurityGroups: ["ec2:DescribeSecurityGroups"],
  autoScalingGroupsOf: ["autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeAutoScalingGroups"],
  describeAutoScalingGroups: ["autoscaling:DescribeAutoScalingGroups"],
  targetGroupsOf: ["elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"],
  describeLoadBalancers: ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags"],
  findAccessKey: ["iam:GetAccessKeyLastUsed", "iam:ListAccessKeys"],
  getIamUser: ["iam:GetUser", "iam:ListAttachedUserPolicies", "iam:ListGroupsForUser"],
  ssmManagedInstances: ["ssm:DescribeInstanceInformation"],
  sendCommand: ["ssm:SendCommand"],
  getCommandInvocation: ["ssm:GetCommandInvocation"],
  lookupEvents: ["cloudtrail:LookupEvents"],
  // ListBuckets (s3:ListAllMyBuckets) tells "ours" from "someone else's" before anything is read.
  getBucket: ["s3:GetBucketLocation", "s3:ListAllMyBuckets", "s3:GetBucketPublicAccessBlock", "s3:GetBucketTagging"],
  getDistribution: ["cloudfront:GetDistribution", "cloudfront:ListTagsForResource"],
  describeFlowLogs: ["ec2:DescribeFlowLogs"],
  listObjects: ["s3:ListBucket", "s3:GetBucketLocation"],
  getObject: ["s3:GetObject", "s3:GetBucketLocation"],
  startLogsQuery: ["logs:StartQuery"],
  getLogsQueryResults: ["logs:GetQueryResults"],
  // Posture reads (readiness).
  getSecurityContact: ["account:GetAlternateContact"],
  listEventRules: ["events:ListRules", "events:ListTargetsByRule"],
  describeTrails: ["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus"],
  guardDutyDetectors: ["guardduty:ListDetectors", "guardduty:GetDetector"],
  credentialReport: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
  accountSummary: ["iam:GetAccountSummary"],
  accountPublicAccessBlock: ["s3:GetAccountPublicAccessBlock"],
  getBucketLogging: ["s3:GetBucketLogging", "s3:GetBucketLocation"],
  policyEntities: ["iam:ListEntitiesForPolicy"],
  inventoryApplications: ["ssm:ListInventoryEntries"],

  modifyInstanceAttribute: ["ec2:ModifyInstanceAttribute"],
  // Tag-on-create needs ec2:CreateTags too.
  createSnapshots: ["ec2:CreateSnapshots", "ec2:CreateTags"],
  getConsoleOutput: ["ec2:GetConsoleOutput"],
  getConsoleScreenshot: ["ec2:GetConsoleScreenshot"],
  getUserData: ["ec2:DescribeInstanceAttribute"],
  stopInstances: ["ec2:StopInstances"],
  startInstances: ["ec2:StartInstances"],
  createSecurityGroup: ["ec2:CreateSecurityGroup", "ec2:CreateTags"],
  authorizeRules: ["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"],
  revokeRules: ["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"],
  setNetworkInterfaceGroups: ["ec2:ModifyNetworkInterfaceAttribute"],
  createTags: ["ec2:CreateTags"],
  createNetworkAclEntry: ["ec2:CreateNetworkAclEntry"],
  deleteNetworkAclEntry: ["ec2:DeleteNetworkAclEntry"],
  enterStandby: ["autoscaling:EnterStandby"],
  exitStandby: ["autoscaling:ExitStandby"],
  detachInstances: ["autoscaling:DetachInstances"],
  attachInstances: ["autoscaling:AttachInstances"],
  suspendProcesses: ["autoscaling:SuspendProcesses"],
  resumeProcesses: ["autoscaling:ResumeProcesses"],
  setInstanceProtection: ["autoscaling:SetInstanceProtection"],
  updateAutoScalingGroup: ["autoscaling:UpdateAutoScalingGroup"],
  deregisterTargets: ["elasticloadbalancing:DeregisterTargets"],
  registerTargets: ["elasticloadbalancing:RegisterTargets"],
  deregisterFromClassicLoadBalancer: ["elasticloadbalancing:DeregisterInstancesFromLoadBalancer"],
  registerWithClassicLoadBalancer: ["elasticloadbalancing:RegisterInstancesWithLoadBalancer"],
  // DeleteBucketPublicAccessBlock is authorised by s3:PutBucketPublicAccessBlock.
  putPublicAccessBlock: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketLocation"],
  deletePublicAccessBlock: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketLocation"],
  setDistributionEnabled: ["cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution"],
  // With Object Lock headers, PutObject is also authorised by s3:PutObjectRetention.
  putObject: ["s3:PutObject", "s3:PutObjectRetention", "s3:GetBucketLocation"],
  setAccessKeyStatus: ["iam:UpdateAccessKey"],

  // The credential response (port-iam.ts)
  accessKeyAccount: ["sts:GetAccessKeyInfo"],
  describeIamUsers: ["iam:ListUsers", "iam:GetUser", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:GetLoginProfile", "iam:ListAttachedUserPolicies", "iam:ListUserPolicies"],
  getIamRole: ["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"],
  getInstanceProfile: ["iam:GetInstanceProfile"],
  getInlinePolicy: ["iam:GetUserPolicy", "iam:GetRolePolicy", "iam:GetGroupPolicy"],
  listAttachedPolicies: ["iam:ListAttachedUserPolicies", "iam:ListAttachedRolePolicies", "iam:ListAttachedGroupPolicies"],
  describeSpotInstanceRequests: ["ec2:DescribeSpotInstanceRequests"],
  getSesAccount: ["ses:GetAccount"],
  putInlinePolicy: ["iam:PutUserPolicy", "iam:PutRolePolicy", "iam:PutGroupPolicy"],
  deleteInlinePolicy: ["iam:DeleteUserPolicy", "iam:DeleteRolePolicy", "iam:DeleteGroupPolicy"],
  attachManagedPolicy: ["iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:AttachGroupPolicy"],
  detachManagedPolicy: ["iam:DetachUserPolicy", "iam:DetachRolePolicy", "iam:DetachGroupPolicy"],
  updateAssumeRolePolicy: ["iam:UpdateAssumeRolePolicy"],
  deleteLoginProfile: ["iam:DeleteLoginProfile"],
  cancelSpotInstanceRequests: ["ec2:CancelSpotInstanceRequests"],
  setSesSendingEnabled: ["ses:PutAccountSendingAttributes"],
  describeSpotFleetRequests: ["ec2:DescribeSpotFleetRequests", "ec2:DescribeSpotFleetInstances"],
  describeFleets: ["ec2:DescribeFleets", "ec2:DescribeFleetInstances"],
  getLightsailInstances: ["lightsail:GetInstances"],
  getLightsailInstanceSnapshot: ["lightsail:GetInstanceSnapshot"],
  cancelSpotFleetRequests: ["ec2:CancelSpotFleetRequests"],
  deleteFleets: ["ec2:DeleteFleets"],
  createLightsailInstanceSnapshot: ["lightsail:CreateInstanceSnapshot"],
  stopLightsailInstance: ["lightsail:StopInstance"],
  startLightsailInstance: ["lightsail:StartInstance"],
  getTrailStatus: ["cloudtrail:GetTrailStatus"],
  startLogging: ["cloudtrail:StartLogging"],
};

/** True when a fault rule's `call` names this method: its name, one of its IAM actions, `service:*`, or `*`. */
export function ruleMatches(call: string, method: string, actions: readonly string[]): string | null {
  if (call === "*") return actions[0] ?? method;
  if (call === method) return actions[0] ?? method;
  const lc = call.toLowerCase();
  for (const a of actions) {
    if (a.toLowerCase() === lc) return a;
    if (lc.endsWith(":*") && a.toLowerCase().startsWith(lc.slice(0, -1))) return a;
  }
  return null;
}

/** A method changes the account when any IAM action it needs is not a read (Describe/Get/List/Lookup). */
export function isMutation(method: PortMethod): boolean {
  return PORT_ACTIONS[method].some((a) => !/^[a-z0-9-]+:(Describe|Get|List|Lookup)/.test(a));
}
