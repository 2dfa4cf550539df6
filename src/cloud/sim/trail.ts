/**
 * CloudTrail records for the simulator: the estate's events (written compactly in YAML) and the
 * events the simulator's own writes leave behind, in the shape LookupEvents returns.
 */
import type { TrailEvent } from "../model.ts";
import { uuidOf } from "./ids.ts";

const SOURCES: [string, RegExp][] = [
  ["iam.amazonaws.com", /^(CreateUser|DeleteUser|CreateAccessKey|UpdateAccessKey|DeleteAccessKey|AttachUserPolicy|DetachUserPolicy|PutUserPolicy|DeleteUserPolicy|CreateLoginProfile|UpdateLoginProfile|DeleteLoginProfile|AddUserToGroup|CreateRole|AttachRolePolicy|PutRolePolicy|DeleteRolePolicy|UpdateAssumeRolePolicy|AttachGroupPolicy|PutGroupPolicy|GetAccessKeyLastUsed|ListAccessKeys|ListUsers|GetUser)$/],
  ["signin.amazonaws.com", /^(ConsoleLogin|SwitchRole|CheckMfa)$/],
  ["sts.amazonaws.com", /^(AssumeRole|AssumeRoleWithSAML|AssumeRoleWithWebIdentity|GetCallerIdentity|GetSessionToken|GetFederationToken|GetAccessKeyInfo)$/],
  ["autoscaling.amazonaws.com", /^(EnterStandby|ExitStandby|DetachInstances|AttachInstances|SuspendProcesses|ResumeProcesses|SetInstanceProtection|UpdateAutoScalingGroup|CreateAutoScalingGroup|DeleteAutoScalingGroup)$/],
  ["elasticloadbalancing.amazonaws.com", /^(RegisterTargets|DeregisterTargets|RegisterInstancesWithLoadBalancer|DeregisterInstancesFromLoadBalancer|CreateLoadBalancer|DeleteLoadBalancer|CreateTargetGroup)$/],
  ["s3.amazonaws.com", /^(ListBuckets|CreateBucket|DeleteBucket|PutBucketPublicAccessBlock|DeleteBucketPublicAccessBlock|PutBucketPolicy|DeleteBucketPolicy|PutBucketAcl)$/],
  ["cloudfront.amazonaws.com", /^(CreateDistribution|UpdateDistribution|DeleteDistribution)/],
  ["ssm.amazonaws.com", /^(SendCommand|StartSession|TerminateSession)$/],
  ["ses.amazonaws.com", /^(CreateEmailIdentity|VerifyEmailIdentity|VerifyDomainIdentity|PutAccountSendingAttributes|UpdateAccountSendingEnabled|PutAccountDetails)$/],
  ["cloudtrail.amazonaws.com", /^(StopLogging|DeleteTrail|StartLogging|UpdateTrail|PutEventSelectors)$/],
  ["guardduty.amazonaws.com", /^(DeleteDetector|UpdateDetector)$/],
  ["organizations.amazonaws.com", /^LeaveOrganization$/],
  ["account.amazonaws.com", /^(DisableRegion|EnableRegion|PutAlternateContact|PutContactInformation)$/],
  ["secretsmanager.amazonaws.com", /^GetSecretValue$/],
  ["lightsail.amazonaws.com", /^(CreateInstances|CreateInstancesFromSnapshot|CreateKeyPair|OpenInstancePublicPorts|CreateInstanceSnapshot|StopInstance|StartInstance)$/],
  ["lambda.amazonaws.com", /^(CreateFunction|UpdateFunctionCode|Invoke)/],
  ["ec2.amazonaws.com", /^(RunInstances|TerminateInstances|StartInstances|StopInstances|RebootInstances|AllocateAddress|AssociateAddress|DisassociateAddress|ReleaseAddress|CreateSecurityGroup|DeleteSecurityGroup|AuthorizeSecurityGroup(Ingress|Egress)|RevokeSecurityGroup(Ingress|Egress)|ModifyNetworkInterfaceAttribute|ModifyInstanceAttribute|CreateSnapshots?|CreateTags|DeleteTags|CreateNetworkAclEntry|DeleteNetworkAclEntry|ReplaceNetworkAclEntry|CreateNatGateway|DeleteNatGateway|CreateNetworkInterface|DeleteNetworkInterface|AttachNetworkInterface|DetachNetworkInterface|CreateKeyPair|ImportKeyPair|RequestSpotInstances|RequestSpotFleet|CreateFleet|CancelSpotInstanceRequests|CancelSpotFleetRequests|DeleteFleets|CreateVolume|AttachVolume|DetachVolume|CreateImage|Describe\w+|GetConsoleOutput|GetConsoleScreenshot)$/],
];

/** The service that logs an event name, or null when the name is not one the simulator knows. */
export function eventSourceOf(eventName: string): string | null {
  for (const [source, re] of SOURCES) if (re.test(eventName)) return source;
  return null;
}

export interface TrailSpec {
  eventId?: string;
  eventName: string;
  eventSource?: string;
  eventTime: string;
  username?: string;
  accessKeyId?: string;
  sourceIpAddress?: string;
  userAgent?: string;
  resources: { type?: string; name?: string }[];
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  errorCode?: string;
  errorMessage?: string;
}

const INSTANCE_EVENT = /^(RunInstances|TerminateInstances|StartInstances|StopInstances|RebootInstances)$/;

/** The instance ids an instance event names (instancesSet of the request or, for RunInstances, the response). */
function instancesOf(spec: TrailSpec): string[] {
  const ids: string[] = [];
  for (const part of [spec.requestParameters, spec.responseElements]) {
    const items = (part?.instancesSet as { items?: unknown } | undefined)?.items;
    if (Array.isArray(items)) for (const i of items) if (typeof (i as { instanceId?: unknown })?.instanceId === "string" && !ids.includes((i as { instanceId: string }).instanceId)) ids.push((i as { instanceId: string }).instanceId);
  }
  return ids;
}

/** Builds the event as LookupEvents returns it, with the full CloudTrailEvent record in `detail`. */
export function buildTrailEvent(spec: TrailSpec, accountId: string, region: string, seed: string): TrailEvent {
  const eventSource = spec.eventSource ?? eventSourceOf(spec.eventName) ?? "ec2.amazonaws.com";
  const eventId = spec.eventId ?? uuidOf(`${accountId}|${region}|${seed}|${spec.eventName}|${spec.eventTime}`);
  // CloudTrail records whole seconds; one format keeps string order equal to time order.
  const eventTime = new Date(spec.eventTime).toISOString().slice(0, 19) + "Z";
  const userIdentity: Record<string, unknown> = spec.username
    ? spec.username.includes("/")
      ? { type: "AssumedRole", accountId, arn: `arn:aws:sts::${accountId}:assumed-role/${spec.username}`, principalId: `AROA${uuidOf(spec.username).replace(/-/g, "").slice(0, 17).toUpperCase()}:${spec.username.split("/").pop()}` }
      : { type: "IAMUser", accountId, arn: `arn:aws:iam::${accountId}:user/${spec.username}`, userName: spec.username, principalId: `AIDA${uuidOf(spec.username).replace(/-/g, "").slice(0, 17).toUpperCase()}` }
    : { type: "AWSService", invokedBy: "ec2.amazonaws.com" };
  if (spec.accessKeyId) userIdentity.accessKeyId = spec.accessKeyId;
  const detail: Record<string, unknown> = {
    eventVersion: "1.09",
    userIdentity,
    eventTime,
    eventSource,
    eventName: spec.eventName,
    awsRegion: region,
    sourceIPAddress: spec.sourceIpAddress ?? "AWS Internal",
    userAgent: spec.userAgent ?? "aws-cli/2.15.0",
    requestParameters: spec.requestParameters,
    responseElements: spec.responseElements,
    requestID: uuidOf(`req|${eventId}`),
    eventID: eventId,
    readOnly: /^(Describe|Get|List|Lookup)/.test(spec.eventName),
    eventType: spec.eventName === "ConsoleLogin" ? "AwsConsoleSignIn" : "AwsApiCall",
    managementEvent: true,
    recipientAccountId: accountId,
  };
  if (spec.errorCode) detail.errorCode = spec.errorCode;
  if (spec.errorMessage) detail.errorMessage = spec.errorMessage;
  // CloudTrail lists the instances an instance event acts on as its resources (what LookupEvents' ResourceName finds).
  const resources = spec.resources.length > 0 || !INSTANCE_EVENT.test(spec.eventName) ? spec.resources.map((r) => ({ ...r })) : instancesOf(spec).map((name) => ({ type: "AWS::EC2::Instance", name }));
  const event: TrailEvent = { eventId, eventName: spec.eventName, eventSource, eventTime, awsRegion: region, resources, detail };
  if (spec.username) event.username = spec.username.split("/").pop()!;
  if (spec.accessKeyId) event.accessKeyId = spec.accessKeyId;
  if (spec.sourceIpAddress) event.sourceIpAddress = spec.sourceIpAddress;
  return event;
}

/** Newest first, as LookupEvents returns them; ties keep a stable order by event id. */
export function byNewestFirst(a: TrailEvent, b: TrailEvent): number {
  return b.eventTime < a.eventTime ? -1 : b.eventTime > a.eventTime ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}
