/**
 * The cloud port's methods for a compromised credential (issue 14): who holds it, everything the
 * principal has (keys, console password, policies), roles and their trust, and the calls that cut
 * it off; plus the EC2 spot requests and the SES account an attacker uses. CloudReader and
 * CloudWriter extend these interfaces; the simulator (src/cloud/sim/iam.ts) and the AWS adapter
 * (src/cloud/aws/credentials.ts) implement them, test/cloud/contract-iam.ts checks both.
 */
import type { AccessKey, Scope, Tags } from "./model.ts";

/** An IAM user with everything a credential response needs to see. */
export interface IamUserDetail {
  userName: string;
  userId: string;
  arn: string;
  createDate: string;
  path: string;
  tags: Tags;
  /** Every access key (at most 2), with its last use. */
  accessKeys: AccessKey[];
  /** The console password (GetLoginProfile); null: no console access. */
  loginProfile: { createDate: string; passwordResetRequired: boolean } | null;
  /** Managed policies attached to the user (ARN and name). */
  attachedPolicies: { arn: string; name: string }[];
  /** Names of the user's inline policies. */
  inlinePolicies: string[];
}

export interface IamRoleDetail {
  roleName: string;
  roleId: string;
  arn: string;
  createDate: string;
  path: string;
  /** The trust policy as a JSON text (AWS's URL-encoding removed). */
  trustPolicy: string;
  inlinePolicies: string[];
  attachedPolicies: { arn: string; name: string }[];
}

/** The principal a policy (inline or managed) belongs to: a user, a role or a group. */
export type InlinePolicyOwner = { userName: string } | { roleName: string } | { groupName: string };
/** The same, for managed policies. */
export type PolicyOwner = InlinePolicyOwner;

/** A managed policy attached to a principal. */
export interface AttachedPolicy {
  arn: string;
  name: string;
}

/** IAM's grammar for user, role and group names (CreateUser/CreateRole/CreateGroup): what CloudTrail text must match before it goes into a request. */
export const IAM_PRINCIPAL_NAME = /^[\w+=,.@-]{1,128}$/;
/** IAM's grammar for an inline policy name. */
export const IAM_POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
/** A managed policy ARN: AWS's (`arn:aws:iam::aws:policy/...`) or an account's, with an optional path. */
export const IAM_POLICY_ARN = /^arn:aws(-[a-z]+)*:iam::(aws|\d{12}):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

/** Which kind of principal, and its name. */
export function ownerParts(o: PolicyOwner): { kind: "user" | "role" | "group"; name: string } {
  if ("userName" in o) return { kind: "user", name: o.userName };
  if ("roleName" in o) return { kind: "role", name: o.roleName };
  return { kind: "group", name: o.groupName };
}

export interface SpotInstanceRequest {
  spotInstanceRequestId: string;
  /** `open` | `active` | `closed` | `cancelled` | `failed`. */
  state: string;
  instanceType?: string;
  instanceId?: string;
  createTime: string;
  tags: Tags;
}

/** SES (v2 GetAccount) in one region. */
export interface SesAccount {
  sendingEnabled: boolean;
  productionAccessEnabled: boolean;
  /** Sending quota: messages per 24 hours. */
  max24HourSend: number;
}

/** Regions where SES (v2) is offered: elsewhere getSesAccount answers null without a call. */
export const SES_REGIONS: ReadonlySet<string> = new Set([
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
  "eu-north-1", "eu-south-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
  "me-south-1", "af-south-1", "il-central-1",
]);

export interface IamReader {
  /** STS GetAccessKeyInfo: the account that owns an access key (AKIA or ASIA), whichever account asks; null when STS cannot say. */
  accessKeyAccount(accessKeyId: string): Promise<string | null>;
  /**
   * IAM users of an account with their keys (and last use), login profile and policies. Every user
   * (ListUsers) or the named ones (a name that exists nowhere is left out).
   */
  describeIamUsers(accountId: string, userNames?: string[]): Promise<IamUserDetail[]>;
  /** A role with its trust policy and its policies, or null. */
  getIamRole(accountId: string, roleName: string): Promise<IamRoleDetail | null>;
  /** An inline policy's document (JSON text, URL-decoded), or null when there is none of that name (or no such principal). */
  getInlinePolicy(accountId: string, owner: InlinePolicyOwner, policyName: string): Promise<string | null>;
  /** ListAttached{User,Role,Group}Policies: the managed policies attached to a principal; null when the principal does not exist. */
  listAttachedPolicies(accountId: string, owner: PolicyOwner): Promise<AttachedPolicy[] | null>;
  /** Spot instance requests of a region (all, or these ids). */
  describeSpotInstanceRequests(scope: Scope, ids?: string[]): Promise<SpotInstanceRequest[]>;
  /** The SES account of a region; null when SES is not offered there. */
  getSesAccount(scope: Scope): Promise<SesAccount | null>;
}

export interface IamWriter {
  /** Put{User,Role,Group}Policy: creates or replaces an inline policy. */
  putInlinePolicy(accountId: string, owner: InlinePolicyOwner, policyName: string, document: string): Promise<void>;
  /** Delete{User,Role,Group}Policy. */
  deleteInlinePolicy(accountId: string, owner: InlinePolicyOwner, policyName: string): Promise<void>;
  /** Attach{User,Role,Group}Policy: attaches a managed policy (attaching one already attached changes nothing). */
  attachManagedPolicy(accountId: string, owner: PolicyOwner, policyArn: string): Promise<void>;
  /** Detach{User,Role,Group}Policy: not-found when it is not attached. */
  detachManagedPolicy(accountId: string, owner: PolicyOwner, policyArn: string): Promise<void>;
  /** UpdateAssumeRolePolicy: replaces a role's trust policy. */
  updateAssumeRolePolicy(accountId: string, roleName: string, document: string): Promise<void>;
  /** DeleteLoginProfile: removes a user's console password. Irreversible (the password cannot be restored). */
  deleteLoginProfile(accountId: string, userName: string): Promise<void>;
  cancelSpotInstanceRequests(scope: Scope, ids: string[]): Promise<void>;
  /** SES v2 PutAccountSendingAttributes. */
  setSesSendingEnabled(scope: Scope, enabled: boolean): Promise<void>;
}
