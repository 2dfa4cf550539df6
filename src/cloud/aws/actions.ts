/**
 * The one table of what the AWS adapter calls and which IAM actions each call needs.
 *
 * Every SDK operation the adapter sends is listed in OPERATIONS (keyed `client.Operation`), and
 * every port method lists the operations it may send in METHODS. Three things read this table:
 * - error translation: an AccessDenied on `s3.GetPublicAccessBlock` names `s3:GetBucketPublicAccessBlock`;
 * - the policy files: docs/iam/read-only-policy.json and docs/iam/containment-policy.json must name
 *   exactly the actions of their side (test/cloud/aws/policy.test.ts runs every method under mocks,
 *   records what was sent and compares);
 * - people reading the code: what does `targetGroupsOf` cost me in permissions? Look here.
 */
import type { PortCall } from "../port.ts";

/** The SDK clients the adapter uses; the key is also the prefix of OPERATIONS keys. */
export type ServiceKey =
  | "ec2"
  | "autoscaling"
  | "elbv2"
  | "elb"
  | "iam"
  | "sts"
  | "organizations"
  | "ssm"
  | "cloudtrail"
  | "s3"
  | "cloudfront"
  | "logs"
  | "sesv2"
  | "account"
  | "eventbridge"
  | "guardduty"
  | "lightsail"
  | "s3control";

/**
 * SDK operation -> IAM actions it needs. Mostly `prefix:Operation`; the exceptions are why this
 * table exists (S3's public access block actions are named after the bucket, DeletePublicAccessBlock
 * is authorised by the Put action, tag-on-create needs CreateTags, ListBuckets is ListAllMyBuckets).
 * An empty list means AWS authorises the call without any permission (GetCallerIdentity).
 */
export const OPERATIONS = {
  // STS, Organizations: reaching accounts
  "sts.GetCallerIdentity": [],
  "sts.AssumeRole": ["sts:AssumeRole"],
  "sts.GetAccessKeyInfo": ["sts:GetAccessKeyInfo"],
  "organizations.ListAccounts": ["organizations:ListAccounts"],

  // EC2 reads
  "ec2.DescribeRegions": ["ec2:DescribeRegions"],
  "ec2.DescribeInstances": ["ec2:DescribeInstances"],
  "ec2.DescribeAddresses": ["ec2:DescribeAddresses"],
  "ec2.DescribeNetworkInterfaces": ["ec2:DescribeNetworkInterfaces"],
  "ec2.DescribeNatGateways": ["ec2:DescribeNatGateways"],
  "ec2.DescribeSecurityGroups": ["ec2:DescribeSecurityGroups"],
  "ec2.DescribeSubnets": ["ec2:DescribeSubnets"],
  "ec2.DescribeVpcs": ["ec2:DescribeVpcs"],
  "ec2.DescribeNetworkAcls": ["ec2:DescribeNetworkAcls"],
  "ec2.DescribeInstanceAttribute": ["ec2:DescribeInstanceAttribute"],
  "ec2.DescribeSnapshots": ["ec2:DescribeSnapshots"],
  "ec2.DescribeFlowLogs": ["ec2:DescribeFlowLogs"],

  // EC2 writes and evidence capture
  "ec2.ModifyInstanceAttribute": ["ec2:ModifyInstanceAttribute"],
  "ec2.CreateSnapshots": ["ec2:CreateSnapshots", "ec2:CreateTags"],
  "ec2.GetConsoleOutput": ["ec2:GetConsoleOutput"],
  "ec2.GetConsoleScreenshot": ["ec2:GetConsoleScreenshot"],
  "ec2.StopInstances": ["ec2:StopInstances"],
  "ec2.StartInstances": ["ec2:StartInstances"],
  "ec2.CreateSecurityGroup": ["ec2:CreateSecurityGroup", "ec2:CreateTags"],
  "ec2.AuthorizeSecurityGroupIngress": ["ec2:AuthorizeSecurityGroupIngress"],
  "ec2.AuthorizeSecurityGroupEgress": ["ec2:AuthorizeSecurityGroupEgress"],
  "ec2.RevokeSecurityGroupIngress": ["ec2:RevokeSecurityGroupIngress"],
  "ec2.RevokeSecurityGroupEgress": ["ec2:RevokeSecurityGroupEgress"],
  "ec2.ModifyNetworkInterfaceAttribute": ["ec2:ModifyNetworkInterfaceAttribute"],
  "ec2.CreateTags": ["ec2:CreateTags"],
  "ec2.CreateNetworkAclEntry": ["ec2:CreateNetworkAclEntry"],
  "ec2.DeleteNetworkAclEntry": ["ec2:DeleteNetworkAclEntry"],

  // Auto Scaling
  "autoscaling.DescribeAutoScalingInstances": ["autoscaling:DescribeAutoScalingInstances"],
  "autoscaling.DescribeAutoScalingGroups": ["autoscaling:DescribeAutoScalingGroups"],
  "autoscaling.EnterStandby": ["autoscaling:EnterStandby"],
  "autoscaling.ExitStandby": ["autoscaling:ExitStandby"],
  "autoscaling.DetachInstances": ["autoscaling:DetachInstances"],
  "autoscaling.AttachInstances": ["autoscaling:AttachInstances"],
  "autoscaling.SuspendProcesses": ["autoscaling:SuspendProcesses"],
  "autoscaling.ResumeProcesses": ["autoscaling:ResumeProcesses"],
  "autoscaling.SetInstanceProtection": ["autoscaling:SetInstanceProtection"],
  "autoscaling.UpdateAutoScalingGroup": ["autoscaling:UpdateAutoScalingGroup"],

  // Elastic Load Balancing: v2 (ALB/NLB/GWLB) and classic share the IAM prefix
  "elbv2.DescribeTargetGroups": ["elasticloadbalancing:DescribeTargetGroups"],
  "elbv2.DescribeTargetHealth": ["elasticloadbalancing:DescribeTargetHealth"],
  "elbv2.DescribeLoadBalancers": ["elasticloadbalancing:DescribeLoadBalancers"],
  "elbv2.DescribeTags": ["elasticloadbalancing:DescribeTags"],
  "elbv2.DeregisterTargets": ["elasticloadbalancing:DeregisterTargets"],
  "elbv2.RegisterTargets": ["elasticloadbalancing:RegisterTargets"],
  "elb.DescribeLoadBalancers": ["elasticloadbalancing:DescribeLoadBalancers"],
  "elb.DescribeTags": ["elasticloadbalancing:DescribeTags"],
  "elb.DeregisterInstancesFromLoadBalancer": ["elasticloadbalancing:DeregisterInstancesFromLoadBalancer"],
  "elb.RegisterInstancesWithLoadBalancer": ["elasticloadbalancing:RegisterInstancesWithLoadBalancer"],

  // IAM (global)
  "iam.GetAccessKeyLastUsed": ["iam:GetAccessKeyLastUsed"],
  "iam.ListAccessKeys": ["iam:ListAccessKeys"],
  "iam.GetUser": ["iam:GetUser"],
  "iam.ListAttachedUserPolicies": ["iam:ListAttachedUserPolicies"],
  "iam.ListGroupsForUser": ["iam:ListGroupsForUser"],
  "iam.UpdateAccessKey": ["iam:UpdateAccessKey"],

  // Systems Manager, CloudTrail
  "ssm.DescribeInstanceInformation": ["ssm:DescribeInstanceInformation"],
  "ssm.SendCommand": ["ssm:SendCommand"],
  "ssm.GetCommandInvocation": ["ssm:GetCommandInvocation"],
  "cloudtrail.LookupEvents": ["cloudtrail:LookupEvents"],

  // S3
  "s3.ListBuckets": ["s3:ListAllMyBuckets"],
  "s3.GetBucketLocation": ["s3:GetBucketLocation"],
  "s3.GetPublicAccessBlock": ["s3:GetBucketPublicAccessBlock"],
  "s3.GetBucketTagging": ["s3:GetBucketTagging"],
  // Log files: listing a bucket is authorised by s3:ListBucket.
  "s3.ListObjectsV2": ["s3:ListBucket"],
  "s3.GetObject": ["s3:GetObject"],
  "s3.PutPublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
  "s3.DeletePublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
  // With x-amz-object-lock-mode and -retain-until-date, S3 also checks s3:PutObjectRetention.
  "s3.PutObject": ["s3:PutObject", "s3:PutObjectRetention"],

  // CloudWatch Logs Insights (flow logs delivered to a log group)
  "logs.StartQuery": ["logs:StartQuery"],
  "logs.GetQueryResults": ["logs:GetQueryResults"],

  // CloudFront (global)
  "cloudfront.GetDistribution": ["cloudfront:GetDistribution"],
  "cloudfront.ListTagsForResource": ["cloudfront:ListTagsForResource"],
  "cloudfront.GetDistributionConfig": ["cloudfront:GetDistributionConfig"],
  "cloudfront.UpdateDistribution": ["cloudfront:UpdateDistribution"],

  // The credential response (port-iam.ts; credentials.ts)
  "iam.ListUsers": ["iam:ListUsers"],
  "iam.GetLoginProfile": ["iam:GetLoginProfile"],
  "iam.ListUserPolicies": ["iam:ListUserPolicies"],
  "iam.GetRole": ["iam:GetRole"],
  "iam.GetInstanceProfile": ["iam:GetInstanceProfile"],
  "iam.ListRolePolicies": ["iam:ListRolePolicies"],
  "iam.ListAttachedRolePolicies": ["iam:ListAttachedRolePolicies"],
  "iam.GetUserPolicy": ["iam:GetUserPolicy"],
  "iam.GetRolePolicy": ["iam:GetRolePolicy"],
  "iam.GetGroupPolicy": ["iam:GetGroupPolicy"],
  "iam.ListAttachedGroupPolicies": ["iam:ListAttachedGroupPolicies"],
  "iam.PutGroupPolicy": ["iam:PutGroupPolicy"],
  "iam.DeleteGroupPolicy": ["iam:DeleteGroupPolicy"],
  "iam.AttachUserPolicy": ["iam:AttachUserPolicy"],
  "iam.AttachRolePolicy": ["iam:AttachRolePolicy"],
  "iam.AttachGroupPolicy": ["iam:AttachGroupPolicy"],
  "iam.DetachUserPolicy": ["iam:DetachUserPolicy"],
  "iam.DetachRolePolicy": ["iam:DetachRolePolicy"],
  "iam.DetachGroupPolicy": ["iam:DetachGroupPolicy"],
  "iam.PutUserPolicy": ["iam:PutUserPolicy"],
  "iam.PutRolePolicy": ["iam:PutRolePolicy"],
  "iam.DeleteUserPolicy": ["iam:DeleteUserPolicy"],
  "iam.DeleteRolePolicy": ["iam:DeleteRolePolicy"],
  "iam.UpdateAssumeRolePolicy": ["iam:UpdateAssumeRolePolicy"],
  "iam.DeleteLoginProfile": ["iam:DeleteLoginProfile"],
  "ec2.DescribeSpotInstanceRequests": ["ec2:DescribeSpotInstanceRequests"],
  "ec2.CancelSpotInstanceRequests": ["ec2:CancelSpotInstanceRequests"],
  "sesv2.GetAccount": ["ses:GetAccount"],
  "sesv2.PutAccountSendingAttributes": ["ses:PutAccountSendingAttributes"],
  // Fleets and Lightsail (port-fleet.ts)
  "ec2.DescribeSpotFleetRequests": ["ec2:DescribeSpotFleetRequests"],
  "ec2.DescribeSpotFleetInstances": ["ec2:DescribeSpotFleetInstances"],
  "ec2.DescribeFleets": ["ec2:DescribeFleets"],
  "ec2.DescribeFleetInstances": ["ec2:DescribeFleetInstances"],
  "ec2.CancelSpotFleetRequests": ["ec2:CancelSpotFleetRequests"],
  "ec2.DeleteFleets": ["ec2:DeleteFleets"],
  "lightsail.GetInstances": ["lightsail:GetInstances"],
  "lightsail.GetInstanceSnapshot": ["lightsail:GetInstanceSnapshot"],
  "lightsail.CreateInstanceSnapshot": ["lightsail:CreateInstanceSnapshot"],
  "lightsail.StopInstance": ["lightsail:StopInstance"],
  "lightsail.StartInstance": ["lightsail:StartInstance"],
  // Posture reads (readiness)
  "account.GetAlternateContact": ["account:GetAlternateContact"],
  "eventbridge.ListRules": ["events:ListRules"],
  "eventbridge.ListTargetsByRule": ["events:ListTargetsByRule"],
  "cloudtrail.DescribeTrails": ["cloudtrail:DescribeTrails"],
  "cloudtrail.GetTrailStatus": ["cloudtrail:GetTrailStatus"],
  "cloudtrail.StartLogging": ["cloudtrail:StartLogging"],
  "guardduty.ListDetectors": ["guardduty:ListDetectors"],
  "guardduty.GetDetector": ["guardduty:GetDetector"],
  "iam.GenerateCredentialReport": ["iam:GenerateCredentialReport"],
  "iam.GetCredentialReport": ["iam:GetCredentialReport"],
  "iam.GetAccountSummary": ["iam:GetAccountSummary"],
  "iam.ListEntitiesForPolicy": ["iam:ListEntitiesForPolicy"],
  "s3.GetBucketLogging": ["s3:GetBucketLogging"],
  // S3 Control: the account's own Block Public Access (authorised as s3:, not s3control:)
  "s3control.GetPublicAccessBlock": ["s3:GetAccountPublicAccessBlock"],
  "ssm.ListInventoryEntries": ["ssm:ListInventoryEntries"],
} as const satisfies Record<string, readonly string[]>;

export type Operation = keyof typeof OPERATIONS;

/**
 * Calls made to reach an account at all, before any method's own calls: who am I, which accounts,
 * which regions, the role in the account. Every method may send these, so both policies carry them.
 */
export const REACH: readonly Operation[] = [
  "sts.GetCallerIdentity",
  "sts.AssumeRole",
  "organizations.ListAccounts",
  "ec2.DescribeRegions",
];

type Side = "read" | "write";

/** Each port method: which side's policy covers it, and the operations it may send (besides REACH). */
export const METHODS = {
  // CloudReader
  accounts: { side: "read", ops: [] },
  regions: { side: "read", ops: [] },
  // Reaching accounts only (Organizations ListAccounts, STS AssumeRole): readiness's roles check (../port-access.ts).
  organizationAccounts: { side: "read", ops: [] },
  enterAccount: { side: "read", ops: [] },
  describeInstances: { side: "read", ops: ["ec2.DescribeInstances", "ec2.DescribeInstanceAttribute"] },
  describeAddresses: { side: "read", ops: ["ec2.DescribeAddresses"] },
  describeNetworkInterfaces: { side: "read", ops: ["ec2.DescribeNetworkInterfaces"] },
  describeNatGateways: { side: "read", ops: ["ec2.DescribeNatGateways"] },
  describeSecurityGroups: { side: "read", ops: ["ec2.DescribeSecurityGroups"] },
  describeSubnets: { side: "read", ops: ["ec2.DescribeSubnets", "ec2.DescribeNetworkAcls"] },
  describeVpcs: { side: "read", ops: ["ec2.DescribeVpcs"] },
  describeNetworkAcls: { side: "read", ops: ["ec2.DescribeNetworkAcls"] },
  autoScalingGroupsOf: { side: "read", ops: ["autoscaling.DescribeAutoScalingInstances", "autoscaling.DescribeAutoScalingGroups"] },
  describeAutoScalingGroups: { side: "read", ops: ["autoscaling.DescribeAutoScalingGroups"] },
  targetGroupsOf: { side: "read", ops: ["elbv2.DescribeTargetGroups", "elbv2.DescribeTargetHealth"] },
  describeLoadBalancers: {
    side: "read",
    ops: ["elbv2.DescribeLoadBalancers", "elbv2.DescribeTags", "elb.DescribeLoadBalancers", "elb.DescribeTags"],
  },
  findAccessKey: { side: "read", ops: ["sts.GetAccessKeyInfo", "iam.GetAccessKeyLastUsed", "iam.ListAccessKeys"] },
  getIamUser: { side: "read", ops: ["iam.GetUser", "iam.ListAttachedUserPolicies", "iam.ListGroupsForUser"] },
  ssmManagedInstances: { side: "read", ops: ["ssm.DescribeInstanceInformation"] },
  // Host triage: the policy allows SendCommand only with the two triage documents (docs/iam).
  sendCommand: { side: "read", ops: ["ssm.SendCommand"] },
  getCommandInvocation: { side: "read", ops: ["ssm.GetCommandInvocation"] },
  lookupEvents: { side: "read", ops: ["cloudtrail.LookupEvents"] },
  getBucket: { side: "read", ops: ["s3.ListBuckets", "s3.GetBucketLocation", "s3.GetPublicAccessBlock", "s3.GetBucketTagging"] },
  getDistribution: { side: "read", ops: ["cloudfront.GetDistribution", "cloudfront.ListTagsForResource"] },
  describeFlowLogs: { side: "read", ops: ["ec2.DescribeFlowLogs"] },
  listObjects: { side: "read", ops: ["s3.GetBucketLocation", "s3.ListObjectsV2"] },
  getObject: { side: "read", ops: ["s3.GetBucketLocation", "s3.GetObject"] },
  startLogsQuery: { side: "read", ops: ["logs.StartQuery"] },
  getLogsQueryResults: { side: "read", ops: ["logs.GetQueryResults"] },
  getSecurityContact: { side: "read", ops: ["account.GetAlternateContact"] },
  listEventRules: { side: "read", ops: ["eventbridge.ListRules", "eventbridge.ListTargetsByRule"] },
  describeTrails: { side: "read", ops: ["cloudtrail.DescribeTrails", "cloudtrail.GetTrailStatus"] },
  guardDutyDetectors: { side: "read", ops: ["guardduty.ListDetectors", "guardduty.GetDetector"] },
  credentialReport: { side: "read", ops: ["iam.GenerateCredentialReport", "iam.GetCredentialReport"] },
  accountSummary: { side: "read", ops: ["iam.GetAccountSummary"] },
  accountPublicAccessBlock: { side: "read", ops: ["s3control.GetPublicAccessBlock"] },
  getBucketLogging: { side: "read", ops: ["s3.GetBucketLocation", "s3.GetBucketLogging"] },
  policyEntities: { side: "read", ops: ["iam.ListEntitiesForPolicy"] },
  inventoryApplications: { side: "read", ops: ["ssm.ListInventoryEntries"] },

  // Reads only containment makes (finding what it created before a crash): the containment policy's
  describeSnapshots: { side: "write", ops: ["ec2.DescribeSnapshots"] },
  findSecurityGroups: { side: "write", ops: ["ec2.DescribeSecurityGroups"] },

  // CloudWriter
  modifyInstanceAttribute: { side: "write", ops: ["ec2.ModifyInstanceAttribute"] },
  createSnapshots: { side: "write", ops: ["ec2.CreateSnapshots"] },
  getConsoleOutput: { side: "write", ops: ["ec2.GetConsoleOutput"] },
  getConsoleScreenshot: { side: "write", ops: ["ec2.GetConsoleScreenshot"] },
  getUserData: { side: "write", ops: ["ec2.DescribeInstanceAttribute"] },
  stopInstances: { side: "write", ops: ["ec2.StopInstances"] },
  startInstances: { side: "write", ops: ["ec2.StartInstances"] },
  createSecurityGroup: { side: "write", ops: ["ec2.CreateSecurityGroup"] },
  authorizeRules: { side: "write", ops: ["ec2.AuthorizeSecurityGroupIngress", "ec2.AuthorizeSecurityGroupEgress"] },
  revokeRules: { side: "write", ops: ["ec2.RevokeSecurityGroupIngress", "ec2.RevokeSecurityGroupEgress"] },
  setNetworkInterfaceGroups: { side: "write", ops: ["ec2.ModifyNetworkInterfaceAttribute"] },
  createTags: { side: "write", ops: ["ec2.CreateTags"] },
  createNetworkAclEntry: { side: "write", ops: ["ec2.CreateNetworkAclEntry"] },
  deleteNetworkAclEntry: { side: "write", ops: ["ec2.DeleteNetworkAclEntry"] },
  enterStandby: { side: "write", ops: ["autoscaling.EnterStandby"] },
  exitStandby: { side: "write", ops: ["autoscaling.ExitStandby"] },
  detachInstances: { side: "write", ops: ["autoscaling.DetachInstances"] },
  attachInstances: { side: "write", ops: ["autoscaling.AttachInstances"] },
  suspendProcesses: { side: "write", ops: ["autoscaling.SuspendProcesses"] },
  resumeProcesses: { side: "write", ops: ["autoscaling.ResumeProcesses"] },
  setInstanceProtection: { side: "write", ops: ["autoscaling.SetInstanceProtection"] },
  updateAutoScalingGroup: { side: "write", ops: ["autoscaling.UpdateAutoScalingGroup"] },
  deregisterTargets: { side: "write", ops: ["elbv2.DeregisterTargets"] },
  registerTargets: { side: "write", ops: ["elbv2.RegisterTargets"] },
  deregisterFromClassicLoadBalancer: { side: "write", ops: ["elb.DeregisterInstancesFromLoadBalancer"] },
  registerWithClassicLoadBalancer: { side: "write", ops: ["elb.RegisterInstancesWithLoadBalancer"] },
  putPublicAccessBlock: { side: "write", ops: ["s3.GetBucketLocation", "s3.PutPublicAccessBlock"] },
  deletePublicAccessBlock: { side: "write", ops: ["s3.GetBucketLocation", "s3.DeletePublicAccessBlock"] },
  setDistributionEnabled: { side: "write", ops: ["cloudfront.GetDistributionConfig", "cloudfront.UpdateDistribution"] },
  setAccessKeyStatus: { side: "write", ops: ["iam.UpdateAccessKey"] },
  // Evidence bundles with Object Lock retention (port-evidence.ts).
  putObject: { side: "write", ops: ["s3.GetBucketLocation", "s3.PutObject"] },

  // The credential response (port-iam.ts)
  accessKeyAccount: { side: "read", ops: ["sts.GetAccessKeyInfo"] },
  describeIamUsers: {
    side: "read",
    ops: ["iam.ListUsers", "iam.GetUser", "iam.ListAccessKeys", "iam.GetAccessKeyLastUsed", "iam.GetLoginProfile", "iam.ListAttachedUserPolicies", "iam.ListUserPolicies"],
  },
  getIamRole: { side: "read", ops: ["iam.GetRole", "iam.ListRolePolicies", "iam.ListAttachedRolePolicies"] },
  getInstanceProfile: { side: "read", ops: ["iam.GetInstanceProfile"] },
  getInlinePolicy: { side: "read", ops: ["iam.GetUserPolicy", "iam.GetRolePolicy", "iam.GetGroupPolicy"] },
  listAttachedPolicies: { side: "read", ops: ["iam.ListAttachedUserPolicies", "iam.ListAttachedRolePolicies", "iam.ListAttachedGroupPolicies"] },
  describeSpotInstanceRequests: { side: "read", ops: ["ec2.DescribeSpotInstanceRequests"] },
  getSesAccount: { side: "read", ops: ["sesv2.GetAccount"] },
  putInlinePolicy: { side: "write", ops: ["iam.PutUserPolicy", "iam.PutRolePolicy", "iam.PutGroupPolicy"] },
  deleteInlinePolicy: { side: "write", ops: ["iam.DeleteUserPolicy", "iam.DeleteRolePolicy", "iam.DeleteGroupPolicy"] },
  attachManagedPolicy: { side: "write", ops: ["iam.AttachUserPolicy", "iam.AttachRolePolicy", "iam.AttachGroupPolicy"] },
  detachManagedPolicy: { side: "write", ops: ["iam.DetachUserPolicy", "iam.DetachRolePolicy", "iam.DetachGroupPolicy"] },
  updateAssumeRolePolicy: { side: "write", ops: ["iam.UpdateAssumeRolePolicy"] },
  deleteLoginProfile: { side: "write", ops: ["iam.DeleteLoginProfile"] },
  cancelSpotInstanceRequests: { side: "write", ops: ["ec2.CancelSpotInstanceRequests"] },
  setSesSendingEnabled: { side: "write", ops: ["sesv2.PutAccountSendingAttributes"] },

  // Fleets and Lightsail (port-fleet.ts)
  describeSpotFleetRequests: { side: "read", ops: ["ec2.DescribeSpotFleetRequests", "ec2.DescribeSpotFleetInstances"] },
  describeFleets: { side: "read", ops: ["ec2.DescribeFleets", "ec2.DescribeFleetInstances"] },
  getLightsailInstances: { side: "read", ops: ["lightsail.GetInstances"] },
  // Containment's own read: has it taken the snapshot already.
  getLightsailInstanceSnapshot: { side: "write", ops: ["lightsail.GetInstanceSnapshot"] },
  cancelSpotFleetRequests: { side: "write", ops: ["ec2.CancelSpotFleetRequests"] },
  deleteFleets: { side: "write", ops: ["ec2.DeleteFleets"] },
  createLightsailInstanceSnapshot: { side: "write", ops: ["lightsail.CreateInstanceSnapshot"] },
  stopLightsailInstance: { side: "write", ops: ["lightsail.StopInstance"] },
  startLightsailInstance: { side: "write", ops: ["lightsail.StartInstance"] },

  // A trail the attacker stopped (port-trail.ts): read whether it logs, restart it. Never StopLogging.
  getTrailStatus: { side: "read", ops: ["cloudtrail.GetTrailStatus"] },
  startLogging: { side: "write", ops: ["cloudtrail.StartLogging"] },
} as const satisfies Record<string, { side: Side; ops: readonly Operation[] }>;

export type PortMethod = keyof typeof METHODS;

// Every port method must be in the table: a method added to CloudPort without its row (PortCall) fails to compile.
type Missing = Exclude<PortCall, PortMethod>;
const _everyMethodListed: [Missing] extends [never] ? true : Missing = true;
void _everyMethodListed;

/** The action to name in an access-denied message for this operation. */
export function primaryAction(op: Operation): string {
  const [service, name] = op.split(".") as [string, string];
  return OPERATIONS[op][0] ?? `${service}:${name}`;
}

/** Every IAM action one side of the port needs, sorted: what its policy file must name. */
export function actionsForSide(side: Side): string[] {
  const ops = new Set<Operation>(REACH);
  for (const m of Object.values(METHODS)) if (m.side === side) for (const op of m.ops) ops.add(op);
  const actions = new Set<string>();
  for (const op of ops) for (const a of OPERATIONS[op]) actions.add(a);
  return [...actions].sort();
}
