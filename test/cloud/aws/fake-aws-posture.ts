/**
 * The fake AWS's answers to the posture reads (src/cloud/aws/posture.ts), from the simulator, in
 * AWS's wire shapes: EventBridge and GuardDuty NextToken pages, IAM's Marker pages, the credential
 * report as CSV bytes with AWS's columns and N/A markers, GetAlternateContact's
 * ResourceNotFoundException, ListInventoryEntries' InvalidInstanceId, S3 Control's
 * NoSuchPublicAccessBlockConfiguration. Requests are checked: a
 * field the adapter must send (AlternateContactType, includeShadowTrails, TypeName) is refused when
 * missing, as a typo would be against AWS.
 */
import { GetAlternateContactCommand } from "@aws-sdk/client-account";
import { DescribeTrailsCommand, GetTrailStatusCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail";
import { ListRulesCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetDetectorCommand, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { GenerateCredentialReportCommand, GetAccountSummaryCommand, GetCredentialReportCommand, ListEntitiesForPolicyCommand } from "@aws-sdk/client-iam";
import { GetBucketLoggingCommand } from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import { ListInventoryEntriesCommand } from "@aws-sdk/client-ssm";
import type { Operation } from "../../../src/cloud/aws/actions.ts";
import type { Scope } from "../../../src/cloud/model.ts";
import type { SimAccount } from "../../../src/cloud/sim/index.ts";
import type { Mocks } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK inputs are checked field by field
type In = any;
type On = (stub: Mocks[keyof Mocks], command: new (input: In) => unknown, op: Operation, handler: (call: { accountId: string; region: string; scope: Scope; input: In }) => unknown) => void;
type SdkError = (code: string, message: string, status?: number) => Error;

function page<T>(items: T[], token: string | undefined, size = 2): { items: T[]; next: string | undefined } {
  const start = token ? Number(token) : 0;
  return { items: items.slice(start, start + size), next: start + size < items.length ? String(start + size) : undefined };
}

const CSV_HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function installPostureFakes(sim: SimAccount, m: Mocks, on: On, sdkError: SdkError): void {
  const api = sim.api;
  on(m.account, GetAlternateContactCommand, "account.GetAlternateContact", ({ accountId, region, input }) => {
    if (input.AlternateContactType !== "SECURITY") throw sdkError("ValidationException", "the fake expects AlternateContactType SECURITY");
    if (region !== "us-east-1") throw sdkError("UnknownEndpoint", `the Account API has no endpoint in ${region}`);
    const c = api.getSecurityContact(accountId);
    if (!c) throw sdkError("ResourceNotFoundException", "No contact of the inputted alternate contact type found.", 404);
    return { AlternateContact: { AlternateContactType: "SECURITY", Name: c.name, Title: c.title, EmailAddress: c.emailAddress, PhoneNumber: c.phoneNumber } };
  });
  on(m.eventbridge, ListRulesCommand, "eventbridge.ListRules", ({ scope, input }) => {
    const p = page(api.listEventRules(scope), input.NextToken, 1);
    return { Rules: p.items.map((r) => ({ Name: r.name, Arn: r.arn, State: r.state, EventPattern: r.eventPattern, EventBusName: "default" })), NextToken: p.next };
  });
  on(m.eventbridge, ListTargetsByRuleCommand, "eventbridge.ListTargetsByRule", ({ scope, input }) => {
    const rule = api.listEventRules(scope).find((r) => r.name === input.Rule);
    if (!rule) throw sdkError("ResourceNotFoundException", `Rule ${input.Rule} does not exist.`);
    const p = page(rule.targets, input.NextToken, 1);
    return { Targets: p.items.map((t) => ({ Id: t.id, Arn: t.arn })), NextToken: p.next };
  });
  on(m.cloudtrail, DescribeTrailsCommand, "cloudtrail.DescribeTrails", ({ scope, input }) => {
    if (input.includeShadowTrails !== true) throw sdkError("InvalidParameterValue", "the fake expects includeShadowTrails: true");
    return {
      trailList: api.describeTrails(scope).map((t) => ({
        Name: t.name,
        TrailARN: t.arn,
        HomeRegion: t.homeRegion,
        IsMultiRegionTrail: t.isMultiRegionTrail,
        IsOrganizationTrail: t.isOrganizationTrail,
        LogFileValidationEnabled: t.logFileValidationEnabled,
        S3BucketName: t.s3BucketName,
      })),
    };
  });
  on(m.cloudtrail, GetTrailStatusCommand, "cloudtrail.GetTrailStatus", ({ scope, input }) => {
    if (typeof input.Name !== "string") throw sdkError("InvalidTrailNameException", "Trail name or ARN can only contain ...");
    const t = api.getTrailStatus(scope, input.Name);
    if (!t) throw sdkError("TrailNotFoundException", `Unknown trail: ${input.Name} for the user: ${scope.accountId}`);
    return { IsLogging: t.isLogging, LatestDeliveryTime: t.latestDeliveryTime ? new Date(t.latestDeliveryTime) : undefined, LatestDeliveryError: t.latestDeliveryError };
  });
  on(m.cloudtrail, StartLoggingCommand, "cloudtrail.StartLogging", ({ scope, input }) => {
    if (typeof input.Name !== "string" || Object.keys(input).length !== 1) throw sdkError("InvalidParameterException", "the fake expects exactly { Name }");
    api.startLogging(scope, input.Name);
    return {};
  });
  on(m.guardduty, ListDetectorsCommand, "guardduty.ListDetectors", ({ scope, input }) => {
    const p = page(api.guardDutyDetectors(scope), input.NextToken);
    return { DetectorIds: p.items.map((d) => d.detectorId), NextToken: p.next };
  });
  on(m.guardduty, GetDetectorCommand, "guardduty.GetDetector", ({ scope, input }) => {
    const d = api.guardDutyDetectors(scope).find((x) => x.detectorId === input.DetectorId);
    if (!d) throw sdkError("BadRequestException", `The request is rejected because the input detectorId is not owned by the current account.`);
    return { Status: d.status, ServiceRole: "arn:aws:iam::aws:role/guardduty", CreatedAt: "2025-01-01T00:00:00Z" };
  });
  const generated = new Set<string>();
  on(m.iam, GenerateCredentialReportCommand, "iam.GenerateCredentialReport", ({ accountId }) => {
    // The first call starts the report; the next says it is complete, as IAM does a few seconds later.
    const done = generated.has(accountId);
    generated.add(accountId);
    return { State: done ? "COMPLETE" : "STARTED" };
  });
  on(m.iam, GetCredentialReportCommand, "iam.GetCredentialReport", ({ accountId }) => {
    if (!generated.has(accountId)) throw sdkError("ReportNotPresent", "Credential report is not present.", 410);
    const na = (v: string | undefined) => v ?? "N/A";
    const lines = api.credentialReport(accountId).map((r) =>
      [
        r.user,
        r.arn,
        r.userCreationTime ?? "2020-01-01T00:00:00+00:00",
        r.user === "<root_account>" ? "not_supported" : String(r.passwordEnabled),
        r.passwordEnabled ? (r.passwordLastUsed ? r.passwordLastUsed.replace("Z", "+00:00") : "no_information") : "N/A",
        "N/A",
        "N/A",
        String(r.mfaActive),
        ...r.accessKeys.flatMap((k) => [String(k.active), na(k.lastRotated?.replace("Z", "+00:00")), na(k.lastUsedDate?.replace("Z", "+00:00")), "N/A", "N/A"]),
        "false",
        "N/A",
        "false",
        "N/A",
      ]
        .map(csvField)
        .join(","),
    );
    return { Content: new TextEncoder().encode([CSV_HEADER, ...lines].join("\n")), ReportFormat: "text/csv", GeneratedTime: new Date() };
  });
  on(m.iam, GetAccountSummaryCommand, "iam.GetAccountSummary", ({ accountId }) => {
    const s = api.accountSummary(accountId);
    return { SummaryMap: { AccountMFAEnabled: s.accountMfaEnabled ? 1 : 0, AccountAccessKeysPresent: s.accountAccessKeysPresent ? 1 : 0, Users: 2 } };
  });
  on(m.iam, ListEntitiesForPolicyCommand, "iam.ListEntitiesForPolicy", ({ accountId, input }) => {
    if (!String(input.PolicyArn).startsWith("arn:aws:iam::")) throw sdkError("InvalidInput", `bad ARN ${input.PolicyArn}`);
    const e = api.policyEntities(accountId, input.PolicyArn);
    const p = page(e.users, input.Marker, 1);
    return { PolicyUsers: p.items.map((UserName) => ({ UserName, UserId: `AIDA${UserName.toUpperCase()}` })), PolicyGroups: [], PolicyRoles: [], IsTruncated: p.next !== undefined, Marker: p.next };
  });
  on(m.s3, GetBucketLoggingCommand, "s3.GetBucketLogging", ({ accountId, region, input }) => {
    if (input.ExpectedBucketOwner !== accountId) throw sdkError("AccessDenied", `ExpectedBucketOwner ${input.ExpectedBucketOwner} is not ${accountId}`, 403);
    const b = sim.state.accounts.get(accountId)?.buckets.get(input.Bucket);
    if (!b) throw sdkError("NoSuchBucket", "The specified bucket does not exist", 404);
    if (b.region !== region) throw sdkError("PermanentRedirect", `The bucket is in ${b.region}; this request went to ${region}`, 301);
    const l = api.getBucketLogging(accountId, input.Bucket);
    return l ? { LoggingEnabled: { TargetBucket: l.targetBucket, TargetPrefix: l.targetPrefix } } : {};
  });
  on(m.s3control, GetAccountPublicAccessBlockCommand, "s3control.GetPublicAccessBlock", ({ accountId, input }) => {
    // S3 Control answers for the account in AccountId, which must be the caller's own.
    if (input.AccountId !== accountId) throw sdkError("AccessDenied", `AccountId ${input.AccountId} is not the caller's account ${accountId}`, 403);
    const b = api.accountPublicAccessBlock(accountId);
    if (!b) throw sdkError("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404);
    return { PublicAccessBlockConfiguration: { BlockPublicAcls: b.blockPublicAcls, IgnorePublicAcls: b.ignorePublicAcls, BlockPublicPolicy: b.blockPublicPolicy, RestrictPublicBuckets: b.restrictPublicBuckets } };
  });
  on(m.ssm, ListInventoryEntriesCommand, "ssm.ListInventoryEntries", ({ scope, input }) => {
    if (input.TypeName !== "AWS:Application") throw sdkError("InvalidTypeNameException", "the fake expects TypeName AWS:Application");
    const managed = api.ssmManagedInstances(scope, [input.InstanceId]).length > 0;
    if (!managed) throw sdkError("InvalidInstanceId", `Instance ${input.InstanceId} is not managed`);
    const p = page(api.inventoryApplications(scope, input.InstanceId), input.NextToken);
    return { TypeName: "AWS:Application", InstanceId: input.InstanceId, Entries: p.items.map((a) => ({ Name: a.name, ...(a.version ? { Version: a.version } : {}) })), NextToken: p.next };
  });
}
