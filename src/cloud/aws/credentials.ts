/**
 * The AWS side of the credential methods (../port-iam.ts): IAM users with their keys, console
 * password and policies; roles and their trust; inline policies put and deleted (the revoke-sessions
 * and quarantine policies); spot requests; SES sending. IAM returns policy documents URL-encoded:
 * they are decoded here so callers always see JSON text.
 */
import {
  DeleteGroupPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  GetGroupPolicyCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  paginateListAccessKeys,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListRolePolicies,
  paginateListUserPolicies,
  paginateListUsers,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type User,
} from "@aws-sdk/client-iam";
import { CancelSpotInstanceRequestsCommand, paginateDescribeSpotInstanceRequests } from "@aws-sdk/client-ec2";
import { GetAccountCommand, PutAccountSendingAttributesCommand } from "@aws-sdk/client-sesv2";
import { GetAccessKeyInfoCommand } from "@aws-sdk/client-sts";
import { CloudError } from "../errors.ts";
import type { AccessKey, Scope } from "../model.ts";
import { SES_REGIONS, type IamRoleDetail, type IamUserDetail, type InlinePolicyOwner, type SesAccount, type SpotInstanceRequest } from "../port-iam.ts";
import { definedOnly, iso as isoMs, tagsOf } from "./convert.ts";
import { isNotFound } from "./errors.ts";
import { allPages, CALLER, global, target, type Ctx } from "./session.ts";

/** IAM and EC2 record whole seconds: "2025-05-30T22:10:00Z", as CloudTrail and the simulator write them. */
const iso = (d: Date | undefined): string | undefined => isoMs(d)?.replace(/\.000Z$/, "Z");

/** IAM hands policy documents back URL-encoded (RFC 3986). */
export function decodePolicy(doc: string | undefined): string {
  if (!doc) return "";
  try {
    return decodeURIComponent(doc);
  } catch {
    return doc;
  }
}

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export async function accessKeyAccount(ctx: Ctx, accessKeyId: string): Promise<string | null> {
  if (!/^(AKIA|ASIA)[A-Z0-9]{16}$/.test(accessKeyId)) return null;
  const home = await ctx.session.homeRegion();
  const out = await ctx.session.run("sts.GetAccessKeyInfo", { accountId: CALLER, region: home, base: true }, (sts) => sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: accessKeyId })));
  return out.Account ?? null;
}

async function keysOf(ctx: Ctx, accountId: string, userName: string): Promise<AccessKey[]> {
  const g = global(ctx, accountId);
  const pages = await ctx.session.run("iam.ListAccessKeys", g, (iam) => allPages(paginateListAccessKeys, iam, { UserName: userName }));
  const metas = pages.flatMap((p) => p.AccessKeyMetadata ?? []);
  return Promise.all(
    metas.map(async (m) => {
      const id = m.AccessKeyId ?? "";
      const out = await orNull(ctx.session.run("iam.GetAccessKeyLastUsed", g, (iam) => iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }))));
      const u = out?.AccessKeyLastUsed;
      // A key never used reports ServiceName/Region "N/A" and no date.
      const used = u?.LastUsedDate ? definedOnly({ date: iso(u.LastUsedDate), service: u.ServiceName === "N/A" ? undefined : u.ServiceName, region: u.Region === "N/A" ? undefined : u.Region }) : undefined;
      return definedOnly({ accessKeyId: id, userName, status: (m.Status ?? "Active") as AccessKey["status"], createDate: iso(m.CreateDate) ?? "", lastUsed: used });
    }),
  );
}

async function userDetail(ctx: Ctx, accountId: string, user: User): Promise<IamUserDetail> {
  const userName = user.UserName!;
  const g = global(ctx, accountId);
  const [keys, login, attached, inline] = await Promise.all([
    keysOf(ctx, accountId, userName),
    orNull(ctx.session.run("iam.GetLoginProfile", g, (iam) => iam.send(new GetLoginProfileCommand({ UserName: userName })))),
    ctx.session.run("iam.ListAttachedUserPolicies", g, (iam) => allPages(paginateListAttachedUserPolicies, iam, { UserName: userName })),
    ctx.session.run("iam.ListUserPolicies", g, (iam) => allPages(paginateListUserPolicies, iam, { UserName: userName })),
  ]);
  const lp = login?.LoginProfile;
  return {
    userName,
    userId: user.UserId ?? "",
    arn: user.Arn ?? "",
    createDate: iso(user.CreateDate) ?? "",
    path: user.Path ?? "/",
    tags: tagsOf(user.Tags),
    accessKeys: keys,
    loginProfile: lp ? { createDate: iso(lp.CreateDate) ?? "", passwordResetRequired: lp.PasswordResetRequired ?? false } : null,
    attachedPolicies: attached.flatMap((p) => p.AttachedPolicies ?? []).map((p) => ({ arn: p.PolicyArn ?? "", name: p.PolicyName ?? "" })),
    inlinePolicies: inline.flatMap((p) => p.PolicyNames ?? []).sort(),
  };
}

export async function describeIamUsers(ctx: Ctx, accountId: string, userNames?: string[]): Promise<IamUserDetail[]> {
  const g = global(ctx, accountId);
  let users: User[];
  if (userNames) {
    const found = await Promise.all([...new Set(userNames)].map((n) => orNull(ctx.session.run("iam.GetUser", g, (iam) => iam.send(new GetUserCommand({ UserName: n }))))));
    users = found.flatMap((o) => (o?.User ? [o.User] : []));
  } else {
    const pages = await ctx.session.run("iam.ListUsers", g, (iam) => allPages(paginateListUsers, iam, {}));
    users = pages.flatMap((p) => p.Users ?? []);
  }
  const out = await Promise.all(users.map((u) => userDetail(ctx, accountId, u)));
  return out.sort((a, b) => a.userName.localeCompare(b.userName));
}

export async function getIamRole(ctx: Ctx, accountId: string, roleName: string): Promise<IamRoleDetail | null> {
  const g = global(ctx, accountId);
  const out = await orNull(ctx.session.run("iam.GetRole", g, (iam) => iam.send(new GetRoleCommand({ RoleName: roleName }))));
  const r = out?.Role;
  if (!r) return null;
  const [inline, attached] = await Promise.all([
    ctx.session.run("iam.ListRolePolicies", g, (iam) => allPages(paginateListRolePolicies, iam, { RoleName: roleName })),
    ctx.session.run("iam.ListAttachedRolePolicies", g, (iam) => allPages(paginateListAttachedRolePolicies, iam, { RoleName: roleName })),
  ]);
  return {
    roleName: r.RoleName ?? roleName,
    roleId: r.RoleId ?? "",
    arn: r.Arn ?? "",
    createDate: iso(r.CreateDate) ?? "",
    path: r.Path ?? "/",
    trustPolicy: decodePolicy(r.AssumeRolePolicyDocument),
    inlinePolicies: inline.flatMap((p) => p.PolicyNames ?? []).sort(),
    attachedPolicies: attached.flatMap((p) => p.AttachedPolicies ?? []).map((p) => ({ arn: p.PolicyArn ?? "", name: p.PolicyName ?? "" })),
  };
}

export async function getInlinePolicy(ctx: Ctx, accountId: string, owner: InlinePolicyOwner, policyName: string): Promise<string | null> {
  const g = global(ctx, accountId);
  let out: { PolicyDocument?: string } | null;
  if ("userName" in owner) out = await orNull(ctx.session.run("iam.GetUserPolicy", g, (iam) => iam.send(new GetUserPolicyCommand({ UserName: owner.userName, PolicyName: policyName }))));
  else if ("roleName" in owner) out = await orNull(ctx.session.run("iam.GetRolePolicy", g, (iam) => iam.send(new GetRolePolicyCommand({ RoleName: owner.roleName, PolicyName: policyName }))));
  else out = await orNull(ctx.session.run("iam.GetGroupPolicy", g, (iam) => iam.send(new GetGroupPolicyCommand({ GroupName: owner.groupName, PolicyName: policyName }))));
  return out ? decodePolicy(out.PolicyDocument) : null;
}

export async function putInlinePolicy(ctx: Ctx, accountId: string, owner: InlinePolicyOwner, policyName: string, document: string): Promise<void> {
  const g = global(ctx, accountId);
  if ("userName" in owner) await ctx.session.run("iam.PutUserPolicy", g, (iam) => iam.send(new PutUserPolicyCommand({ UserName: owner.userName, PolicyName: policyName, PolicyDocument: document })));
  else if ("roleName" in owner) await ctx.session.run("iam.PutRolePolicy", g, (iam) => iam.send(new PutRolePolicyCommand({ RoleName: owner.roleName, PolicyName: policyName, PolicyDocument: document })));
  else await ctx.session.run("iam.PutGroupPolicy", g, (iam) => iam.send(new PutGroupPolicyCommand({ GroupName: owner.groupName, PolicyName: policyName, PolicyDocument: document })));
}

export async function deleteInlinePolicy(ctx: Ctx, accountId: string, owner: InlinePolicyOwner, policyName: string): Promise<void> {
  const g = global(ctx, accountId);
  if ("userName" in owner) await ctx.session.run("iam.DeleteUserPolicy", g, (iam) => iam.send(new DeleteUserPolicyCommand({ UserName: owner.userName, PolicyName: policyName })));
  else if ("roleName" in owner) await ctx.session.run("iam.DeleteRolePolicy", g, (iam) => iam.send(new DeleteRolePolicyCommand({ RoleName: owner.roleName, PolicyName: policyName })));
  else await ctx.session.run("iam.DeleteGroupPolicy", g, (iam) => iam.send(new DeleteGroupPolicyCommand({ GroupName: owner.groupName, PolicyName: policyName })));
}

export async function updateAssumeRolePolicy(ctx: Ctx, accountId: string, roleName: string, document: string): Promise<void> {
  await ctx.session.run("iam.UpdateAssumeRolePolicy", global(ctx, accountId), (iam) => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: document })));
}

export async function deleteLoginProfile(ctx: Ctx, accountId: string, userName: string): Promise<void> {
  await ctx.session.run("iam.DeleteLoginProfile", global(ctx, accountId), (iam) => iam.send(new DeleteLoginProfileCommand({ UserName: userName })));
}

export async function describeSpotInstanceRequests(ctx: Ctx, scope: Scope, ids?: string[]): Promise<SpotInstanceRequest[]> {
  if (ids && ids.length === 0) return [];
  const pages = await ctx.session.run("ec2.DescribeSpotInstanceRequests", target(ctx, scope), (ec2) =>
    allPages(paginateDescribeSpotInstanceRequests, ec2, ids ? { SpotInstanceRequestIds: ids } : {}),
  );
  return pages
    .flatMap((p) => p.SpotInstanceRequests ?? [])
    .map((r) =>
      definedOnly({
        spotInstanceRequestId: r.SpotInstanceRequestId ?? "",
        state: r.State ?? "",
        instanceType: r.LaunchSpecification?.InstanceType,
        instanceId: r.InstanceId,
        createTime: iso(r.CreateTime) ?? "",
        tags: tagsOf(r.Tags),
      }),
    );
}

export async function cancelSpotInstanceRequests(ctx: Ctx, scope: Scope, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await ctx.session.run("ec2.CancelSpotInstanceRequests", target(ctx, scope), (ec2) => ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: ids })));
}

export async function getSesAccount(ctx: Ctx, scope: Scope): Promise<SesAccount | null> {
  if (!SES_REGIONS.has(scope.region)) return null;
  const out = await ctx.session.run("sesv2.GetAccount", target(ctx, scope), (ses) => ses.send(new GetAccountCommand({})));
  return {
    sendingEnabled: out.SendingEnabled ?? false,
    productionAccessEnabled: out.ProductionAccessEnabled ?? false,
    max24HourSend: out.SendQuota?.Max24HourSend ?? 0,
  };
}

export async function setSesSendingEnabled(ctx: Ctx, scope: Scope, enabled: boolean): Promise<void> {
  if (!SES_REGIONS.has(scope.region)) throw new CloudError("unavailable", `SES is not offered in ${scope.region}`, { action: "ses:PutAccountSendingAttributes", ...scope });
  await ctx.session.run("sesv2.PutAccountSendingAttributes", target(ctx, scope), (ses) => ses.send(new PutAccountSendingAttributesCommand({ SendingEnabled: enabled })));
}
