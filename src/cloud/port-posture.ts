/**
 * The posture reads: what `abuse-desk readiness` asks of an account before the next notice arrives
 * (is AWS's mail reaching a person, is there a trail, GuardDuty, MFA on root...). CloudReader
 * extends this interface; the simulator (src/cloud/sim/posture.ts) and the AWS adapter
 * (src/cloud/aws/posture.ts) implement it and pass test/cloud/contract-posture.ts.
 *
 * Same rules as the rest of the port: a thing that is not configured is an empty answer (null, []),
 * never an error; an unreadable thing is a CloudError whose action names the IAM permission.
 */
import type { Bucket, Scope } from "./model.ts";

/** An alternate contact of the account (Account GetAlternateContact). */
export interface AlternateContact {
  type: "SECURITY" | "OPERATIONS" | "BILLING";
  name: string;
  title: string;
  emailAddress: string;
  phoneNumber: string;
}

/** An EventBridge rule on the default bus, with its targets (ListRules + ListTargetsByRule). */
export interface EventRule {
  name: string;
  arn: string;
  /** ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS. */
  state: string;
  /** The event pattern as JSON text, when the rule has one (scheduled rules have none). */
  eventPattern?: string;
  targets: { id: string; arn: string }[];
}

/** A CloudTrail trail that applies to the region (DescribeTrails, shadow trails included) and its status (GetTrailStatus). */
export interface TrailInfo {
  name: string;
  arn: string;
  homeRegion: string;
  isMultiRegionTrail: boolean;
  isOrganizationTrail: boolean;
  logFileValidationEnabled: boolean;
  s3BucketName?: string;
  /** From GetTrailStatus; absent when the status could not be read (a trail of another account). */
  isLogging?: boolean;
  latestDeliveryTime?: string;
  latestDeliveryError?: string;
}

/** A GuardDuty detector of the region (ListDetectors + GetDetector). */
export interface GuardDutyDetector {
  detectorId: string;
  status: "ENABLED" | "DISABLED";
}

/** One row of the IAM credential report (GenerateCredentialReport + GetCredentialReport, CSV). */
export interface CredentialReportRow {
  /** `<root_account>` for the root user. */
  user: string;
  arn: string;
  userCreationTime?: string;
  passwordEnabled: boolean;
  passwordLastUsed?: string;
  mfaActive: boolean;
  accessKeys: { n: 1 | 2; active: boolean; lastRotated?: string; lastUsedDate?: string }[];
}

/** The account-wide IAM summary (GetAccountSummary): root MFA and root access keys. */
export interface AccountSummary {
  accountMfaEnabled: boolean;
  accountAccessKeysPresent: boolean;
}

/** Where a managed policy is attached (ListEntitiesForPolicy). */
export interface PolicyEntities {
  users: string[];
  groups: string[];
  roles: string[];
}

/** An application SSM Inventory recorded on a managed instance (ListInventoryEntries, AWS:Application). */
export interface InventoryApplication {
  name: string;
  version?: string;
}

export type PublicAccessBlock = NonNullable<Bucket["publicAccessBlock"]>;

export interface PostureReader {
  /** The SECURITY alternate contact, or null when none is set. */
  getSecurityContact(accountId: string): Promise<AlternateContact | null>;
  /** Rules of the region's default event bus, with their targets. */
  listEventRules(scope: Scope): Promise<EventRule[]>;
  /** Trails that log this region (its own, multi-region and organization trails), with their status. */
  describeTrails(scope: Scope): Promise<TrailInfo[]>;
  guardDutyDetectors(scope: Scope): Promise<GuardDutyDetector[]>;
  /** The credential report, generated when none is recent. */
  credentialReport(accountId: string): Promise<CredentialReportRow[]>;
  accountSummary(accountId: string): Promise<AccountSummary>;
  /** S3 Block Public Access for the whole account (s3control GetPublicAccessBlock), or null when none is set. */
  accountPublicAccessBlock(accountId: string): Promise<PublicAccessBlock | null>;
  /** A bucket's server access logging (GetBucketLogging), or null when off. */
  getBucketLogging(accountId: string, bucketName: string): Promise<{ targetBucket: string; targetPrefix: string } | null>;
  /** Users, groups and roles a managed policy is attached to (empty when the policy is attached nowhere or does not exist). */
  policyEntities(accountId: string, policyArn: string): Promise<PolicyEntities>;
  /** Applications SSM Inventory lists for a managed instance (empty when inventory was never collected). */
  inventoryApplications(scope: Scope, instanceId: string): Promise<InventoryApplication[]>;
}

/** The AWS-managed quarantine policies AWS attaches to a user whose key it found exposed. */
export const QUARANTINE_POLICIES = ["arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine", "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2", "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3"] as const;
