/**
 * The simulator's side of the credential methods (../port-iam.ts): users' console passwords and
 * inline policies, roles and their trust policies, spot requests and SES. SimApi delegates here in
 * a few lines; AWS's rules that matter to containment are kept (NoSuchEntity for what is not there,
 * a policy document must be JSON, a spot request already cancelled stays cancelled).
 */
import { CloudError } from "../errors.ts";
import type { AccessKey, IamUser, Scope } from "../model.ts";
import { IAM_POLICY_ARN, ownerParts, SES_REGIONS, type AttachedPolicy, type IamRoleDetail, type IamUserDetail, type InlinePolicyOwner, type PolicyOwner, type SesAccount, type SpotInstanceRequest } from "../port-iam.ts";
import { invalid as invalidCall, notFound, type SimCore } from "./core.ts";
import { hexOf } from "./ids.ts";
import type { Estate, RegionInput } from "./schema.ts";
import type { AccountState, GroupRec, RegionState, RoleRec, UserRec } from "./state.ts";

/** What these operations need from SimApi. */
export interface SimIamHost {
  account(accountId: string, action?: string): AccountState;
  region(scope: Scope, action: string): RegionState;
  /** Logs a write in CloudTrail (IAM's in us-east-1, a region's in that region). */
  record(where: { accountId: string; region?: string }, eventName: string, requestParameters: Record<string, unknown>, resources: { type?: string; name?: string }[]): void;
}


export function buildIamExtras(as: AccountState, acc: Estate["accounts"][number]): void {
  as.roles = new Map();
  for (const r of acc.iam.roles) {
    as.roles.set(r.roleName, {
      roleName: r.roleName,
      roleId: `AROA${hexOf(`${acc.accountId}role${r.roleName}`, 16).toUpperCase()}`,
      arn: `arn:aws:iam::${acc.accountId}:role${r.path.endsWith("/") ? r.path : `${r.path}/`}${r.roleName}`,
      path: r.path,
      createDate: r.createDate,
      trustPolicy: r.trustPolicy,
      attachedPolicies: [...r.attachedPolicies],
      inline: new Map(Object.entries(r.inlinePolicies)),
    });
  }
  as.iamGroups = new Map();
  for (const g of acc.iam.groups) {
    as.iamGroups.set(g.groupName, {
      groupName: g.groupName,
      arn: `arn:aws:iam::${acc.accountId}:group${g.path.endsWith("/") ? g.path : `${g.path}/`}${g.groupName}`,
      path: g.path,
      createDate: g.createDate,
      attachedPolicies: [...g.attachedPolicies],
      inline: new Map(Object.entries(g.inlinePolicies)),
    });
  }
}

export function buildRegionExtras(rs: RegionState, input: RegionInput): void {
  rs.spot = new Map();
  for (const s of input.spotRequests) {
    const rec: SpotInstanceRequest = { spotInstanceRequestId: s.spotInstanceRequestId, state: s.state, createTime: s.createTime, tags: { ...s.tags } };
    if (s.instanceType) rec.instanceType = s.instanceType;
    if (s.instanceId) rec.instanceId = s.instanceId;
    rs.spot.set(s.spotInstanceRequestId, rec);
  }
  if (input.ses) rs.ses = { ...input.ses };
}

function noSuch(what: string, action: string, accountId: string): CloudError {
  return new CloudError("not-found", `the ${what} cannot be found`, { code: "NoSuchEntity", action, accountId });
}

function invalid(message: string, action: string, accountId: string, code = "MalformedPolicyDocument"): CloudError {
  return new CloudError("invalid", message, { code, action, accountId });
}

const policyName = (arn: string) => arn.split("/").pop() ?? arn;
const attached = (list: string[]) => list.map((a) => ({ arn: a.startsWith("arn:") ? a : `arn:aws:iam::aws:policy/${a}`, name: policyName(a) }));

function userView(u: UserRec): IamUserDetail {
  return {
    userName: u.user.userName,
    userId: u.user.userId,
    arn: u.user.arn,
    createDate: u.user.createDate,
    path: u.user.path,
    tags: { ...u.user.tags },
    accessKeys: u.keys.map((k) => ({ ...k, ...(k.lastUsed ? { lastUsed: { ...k.lastUsed } } : {}) })),
    loginProfile: u.loginProfile ? { ...u.loginProfile } : null,
    attachedPolicies: attached(u.user.attachedPolicies),
    inlinePolicies: [...(u.inline?.keys() ?? [])].sort(),
  };
}

export function describeIamUsers(h: SimIamHost, accountId: string, userNames?: string[]): IamUserDetail[] {
  const acc = h.account(accountId, userNames ? "iam:GetUser" : "iam:ListUsers");
  const users = userNames ? [...new Set(userNames)].flatMap((n) => (acc.users.has(n) ? [acc.users.get(n)!] : [])) : [...acc.users.values()];
  return users.map(userView).sort((a, b) => a.userName.localeCompare(b.userName));
}

function roleOf(acc: AccountState, roleName: string, action: string): RoleRec {
  const r = acc.roles?.get(roleName);
  if (!r) throw noSuch(`role with name ${roleName}`, action, acc.accountId);
  return r;
}

export function getIamRole(h: SimIamHost, accountId: string, roleName: string): IamRoleDetail | null {
  const r = h.account(accountId, "iam:GetRole").roles?.get(roleName);
  if (!r) return null;
  return {
    roleName: r.roleName,
    roleId: r.roleId,
    arn: r.arn,
    createDate: r.createDate,
    path: r.path,
    trustPolicy: r.trustPolicy,
    inlinePolicies: [...r.inline.keys()].sort(),
    attachedPolicies: attached(r.attachedPolicies),
  };
}

function groupOf(acc: AccountState, groupName: string, action: string): GroupRec {
  const g = acc.iamGroups?.get(groupName);
  if (!g) throw noSuch(`group with name ${groupName}`, action, acc.accountId);
  return g;
}

function inlineOf(acc: AccountState, owner: InlinePolicyOwner, action: string): Map<string, string> {
  if ("userName" in owner) {
    const u = acc.users.get(owner.userName);
    if (!u) throw noSuch(`user with name ${owner.userName}`, action, acc.accountId);
    return (u.inline ??= new Map());
  }
  if ("roleName" in owner) return roleOf(acc, owner.roleName, action).inline;
  return groupOf(acc, owner.groupName, action).inline;
}

/** The IAM action of an operation on a principal's policy: `iam:` + verb + User/Role/Group + noun. */
const opOf = (owner: PolicyOwner, verb: string, noun = "Policy") => `${verb}${{ user: "User", role: "Role", group: "Group" }[ownerParts(owner).kind]}${noun}`;
/** CloudTrail's requestParameters naming the principal (userName / roleName / groupName). */
const whoOf = (owner: PolicyOwner): Record<string, string> => ({ [`${ownerParts(owner).kind}Name`]: ownerParts(owner).name });

/** The list of managed policies attached to a principal (ARNs or, for AWS's, bare names as the estate may write them). */
function attachedOf(acc: AccountState, owner: PolicyOwner, action: string): string[] {
  if ("userName" in owner) {
    const u = acc.users.get(owner.userName);
    if (!u) throw noSuch(`user with name ${owner.userName}`, action, acc.accountId);
    return u.user.attachedPolicies;
  }
  if ("roleName" in owner) return roleOf(acc, owner.roleName, action).attachedPolicies;
  return groupOf(acc, owner.groupName, action).attachedPolicies;
}

const arnOf = (a: string) => (a.startsWith("arn:") ? a : `arn:aws:iam::aws:policy/${a}`);

export function listAttachedPolicies(h: SimIamHost, accountId: string, owner: PolicyOwner): AttachedPolicy[] | null {
  const action = `iam:${opOf(owner, "ListAttached", "Policies")}`;
  const acc = h.account(accountId, action);
  try {
    return attached(attachedOf(acc, owner, action));
  } catch (err) {
    if (err instanceof CloudError && err.kind === "not-found") return null;
    throw err;
  }
}

function checkArn(arn: string, action: string, accountId: string): void {
  if (!IAM_POLICY_ARN.test(arn)) throw invalid(`ARN ${arn} is not valid`, action, accountId, "InvalidInput");
}

export function attachManagedPolicy(h: SimIamHost, accountId: string, owner: PolicyOwner, policyArn: string): void {
  const action = `iam:${opOf(owner, "Attach")}`;
  const acc = h.account(accountId, action);
  checkArn(policyArn, action, accountId);
  const list = attachedOf(acc, owner, action);
  // AWS: attaching a policy already attached succeeds and changes nothing.
  if (!list.some((a) => arnOf(a) === policyArn)) list.push(policyArn);
  h.record({ accountId }, opOf(owner, "Attach"), { ...whoOf(owner), policyArn }, []);
}

export function detachManagedPolicy(h: SimIamHost, accountId: string, owner: PolicyOwner, policyArn: string): void {
  const action = `iam:${opOf(owner, "Detach")}`;
  const acc = h.account(accountId, action);
  checkArn(policyArn, action, accountId);
  const list = attachedOf(acc, owner, action);
  const i = list.findIndex((a) => arnOf(a) === policyArn);
  if (i < 0) throw noSuch(`policy ${policyArn} attached to ${ownerParts(owner).kind} ${ownerParts(owner).name}`, action, accountId);
  list.splice(i, 1);
  h.record({ accountId }, opOf(owner, "Detach"), { ...whoOf(owner), policyArn }, []);
}

export function getInlinePolicy(h: SimIamHost, accountId: string, owner: InlinePolicyOwner, name: string): string | null {
  const action = `iam:${opOf(owner, "Get")}`;
  const acc = h.account(accountId, action);
  try {
    return inlineOf(acc, owner, action).get(name) ?? null;
  } catch (err) {
    if (err instanceof CloudError && err.kind === "not-found") return null;
    throw err;
  }
}

function checkDocument(doc: string, action: string, accountId: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch {
    throw invalid("the policy document is not valid JSON", action, accountId);
  }
  if (typeof parsed !== "object" || parsed === null || !("Statement" in parsed)) throw invalid("the policy document has no Statement", action, accountId);
  // IAM's limits: 2,048 characters for a user's inline policies, 10,240 for a role's; 2,048 for a trust policy by default.
  if (doc.length > 10_240) throw new CloudError("invalid", "the policy document is longer than IAM allows", { code: "LimitExceeded", action, accountId });
}

export function putInlinePolicy(h: SimIamHost, accountId: string, owner: InlinePolicyOwner, name: string, doc: string): void {
  const action = `iam:${opOf(owner, "Put")}`;
  const acc = h.account(accountId, action);
  if (!/^[\w+=,.@-]{1,128}$/.test(name)) throw invalid(`invalid policy name ${name}`, action, accountId, "ValidationError");
  checkDocument(doc, action, accountId);
  inlineOf(acc, owner, action).set(name, doc);
  h.record({ accountId }, opOf(owner, "Put"), { ...whoOf(owner), policyName: name, policyDocument: doc }, []);
}

export function deleteInlinePolicy(h: SimIamHost, accountId: string, owner: InlinePolicyOwner, name: string): void {
  const action = `iam:${opOf(owner, "Delete")}`;
  const acc = h.account(accountId, action);
  const map = inlineOf(acc, owner, action);
  if (!map.has(name)) throw noSuch(`policy with name ${name}`, action, accountId);
  map.delete(name);
  h.record({ accountId }, opOf(owner, "Delete"), { ...whoOf(owner), policyName: name }, []);
}

export function updateAssumeRolePolicy(h: SimIamHost, accountId: string, roleName: string, doc: string): void {
  const action = "iam:UpdateAssumeRolePolicy";
  const r = roleOf(h.account(accountId, action), roleName, action);
  checkDocument(doc, action, accountId);
  r.trustPolicy = doc;
  h.record({ accountId }, "UpdateAssumeRolePolicy", { roleName, policyDocument: doc }, [{ type: "AWS::IAM::Role", name: roleName }]);
}

export function deleteLoginProfile(h: SimIamHost, accountId: string, userName: string): void {
  const action = "iam:DeleteLoginProfile";
  const u = h.account(accountId, action).users.get(userName);
  if (!u) throw noSuch(`user with name ${userName}`, action, accountId);
  if (!u.loginProfile) throw noSuch(`login profile for user ${userName}`, action, accountId);
  delete u.loginProfile;
  h.record({ accountId }, "DeleteLoginProfile", { userName }, [{ type: "AWS::IAM::User", name: userName }]);
}

export function describeSpotInstanceRequests(h: SimIamHost, scope: Scope, ids?: string[]): SpotInstanceRequest[] {
  const action = "ec2:DescribeSpotInstanceRequests";
  const rs = h.region(scope, action);
  const all = rs.spot ?? new Map<string, SpotInstanceRequest>();
  if (ids) {
    const missing = ids.filter((id) => !all.has(id));
    if (missing.length) throw new CloudError("not-found", `the spot instance request ID '${missing[0]}' does not exist`, { code: "InvalidSpotInstanceRequestID.NotFound", action, ...scope });
  }
  return [...all.values()].filter((s) => !ids || ids.includes(s.spotInstanceRequestId)).map((s) => ({ ...s, tags: { ...s.tags } }));
}

export function cancelSpotInstanceRequests(h: SimIamHost, scope: Scope, ids: string[]): void {
  const action = "ec2:CancelSpotInstanceRequests";
  const rs = h.region(scope, action);
  for (const id of ids) if (!rs.spot?.has(id)) throw new CloudError("not-found", `the spot instance request ID '${id}' does not exist`, { code: "InvalidSpotInstanceRequestID.NotFound", action, ...scope });
  // AWS: cancelling a request does not terminate the instances it launched.
  for (const id of ids) {
    const s = rs.spot!.get(id)!;
    if (s.state === "open" || s.state === "active") s.state = "cancelled";
  }
  h.record(scope, "CancelSpotInstanceRequests", { spotInstanceRequestIdSet: { items: ids.map((spotInstanceRequestId) => ({ spotInstanceRequestId })) } }, []);
}

export function getSesAccount(h: SimIamHost, scope: Scope): SesAccount | null {
  const rs = h.region(scope, "ses:GetAccount");
  if (!SES_REGIONS.has(scope.region)) return null;
  return { ...(rs.ses ?? { sendingEnabled: true, productionAccessEnabled: false, max24HourSend: 200 }) };
}

export function setSesSendingEnabled(h: SimIamHost, scope: Scope, enabled: boolean): void {
  const action = "ses:PutAccountSendingAttributes";
  const rs = h.region(scope, action);
  if (!SES_REGIONS.has(scope.region)) throw new CloudError("unavailable", `SES is not offered in ${scope.region}`, { code: "UnknownEndpoint", action, ...scope });
  rs.ses = { ...(rs.ses ?? { sendingEnabled: true, productionAccessEnabled: false, max24HourSend: 200 }), sendingEnabled: enabled };
  h.record(scope, "PutAccountSendingAttributes", { sendingEnabled: enabled }, []);
}

// ---- access keys and users (IAM), an access key's account (STS) ------------------------------

export function findAccessKey(api: SimCore, accountId: string, accessKeyId: string): AccessKey | null {
  const acc = api.account(accountId, "iam:GetAccessKeyLastUsed");
  for (const u of acc.users.values()) {
    const k = u.keys.find((x) => x.accessKeyId === accessKeyId);
    if (k) return { ...k, ...(k.lastUsed ? { lastUsed: { ...k.lastUsed } } : {}) };
  }
  return null;
}

/** STS GetAccessKeyInfo: the account an access key belongs to, whichever account asks. */
export function accountOfAccessKey(api: SimCore, accessKeyId: string): string | null {
  for (const acc of api.state.accounts.values()) for (const u of acc.users.values()) if (u.keys.some((k) => k.accessKeyId === accessKeyId)) return acc.accountId;
  return null;
}

export function getIamUser(api: SimCore, accountId: string, userName: string): IamUser | null {
  const u = api.account(accountId, "iam:GetUser").users.get(userName);
  return u ? { ...u.user, attachedPolicies: [...u.user.attachedPolicies], groups: [...u.user.groups], tags: { ...u.user.tags } } : null;
}

export function setAccessKeyStatus(api: SimCore, accountId: string, userName: string, accessKeyId: string, status: "Active" | "Inactive"): void {
  const action = "iam:UpdateAccessKey";
  const u = api.account(accountId, action).users.get(userName);
  if (!u) throw notFound("NoSuchEntity", `the user with name ${userName} cannot be found`, action, { accountId });
  const k = u.keys.find((x) => x.accessKeyId === accessKeyId);
  if (!k) throw notFound("NoSuchEntity", `the access key with id ${accessKeyId} cannot be found for user ${userName}`, action, { accountId });
  if (status !== "Active" && status !== "Inactive") throw invalidCall("ValidationError", "status is Active or Inactive", action, { accountId });
  k.status = status;
  api.log(api.globalTrail(accountId), "UpdateAccessKey", { userName, accessKeyId, status }, null, [{ type: "AWS::IAM::AccessKey", name: accessKeyId }]);
}
