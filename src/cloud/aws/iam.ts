/**
 * IAM (global): an access key to its user, its status and last use; a user with its policies and
 * groups; and turning a key off (or back on). STS GetAccessKeyInfo tells which account owns a key
 * without touching IAM, so a key of another account is "not here" rather than an access error.
 */
import {
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  paginateListAccessKeys,
  paginateListAttachedUserPolicies,
  paginateListGroupsForUser,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { GetAccessKeyInfoCommand } from "@aws-sdk/client-sts";
import { CloudError } from "../errors.ts";
import type { AccessKey, IamUser } from "../model.ts";
import { definedOnly, iso, tagsOf } from "./convert.ts";
import { isNotFound } from "./errors.ts";
import { allPages, CALLER, global, type Ctx } from "./session.ts";


const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{16}$/;

/** Which account owns a key (STS GetAccessKeyInfo); undefined when STS can't say (e.g. an emulator without it). */
async function keyOwner(ctx: Ctx, accessKeyId: string): Promise<string | undefined> {
  const home = await ctx.session.homeRegion();
  try {
    const out = await ctx.session.run("sts.GetAccessKeyInfo", { accountId: CALLER, region: home, base: true }, (sts) =>
      sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: accessKeyId })),
    );
    return out.Account;
  } catch (err) {
    // The owner lookup only saves calls: when STS can't answer (no permission, an emulator without
    // the call, a bad moment) IAM is asked directly. Missing credentials would fail IAM too: say so now.
    if (err instanceof CloudError && err.kind !== "no-credentials") return undefined;
    throw err;
  }
}

export async function findAccessKey(ctx: Ctx, accountId: string, accessKeyId: string, owners: Map<string, Promise<string | undefined>>): Promise<AccessKey | null> {
  if (!ACCESS_KEY_ID.test(accessKeyId)) return null;
  // One GetAccessKeyInfo per key for the whole session, however many accounts are searched.
  let owner = owners.get(accessKeyId);
  if (!owner) {
    owner = keyOwner(ctx, accessKeyId);
    owners.set(accessKeyId, owner);
    owner.catch(() => owners.delete(accessKeyId));
  }
  const ownerId = await owner;
  if (ownerId !== undefined && ownerId !== accountId) return null;

  let lastUsed;
  try {
    lastUsed = await ctx.session.run("iam.GetAccessKeyLastUsed", global(ctx, accountId), (iam) => iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const userName = lastUsed.UserName;
  if (!userName) return null;
  const pages = await ctx.session.run("iam.ListAccessKeys", global(ctx, accountId), (iam) => allPages(paginateListAccessKeys, iam, { UserName: userName }));
  const meta = pages.flatMap((p) => p.AccessKeyMetadata ?? []).find((k) => k.AccessKeyId === accessKeyId);
  if (!meta) return null;
  const u = lastUsed.AccessKeyLastUsed;
  // A key never used reports ServiceName/Region "N/A" and no date.
  const used = u?.LastUsedDate
    ? definedOnly({ date: iso(u.LastUsedDate), service: u.ServiceName === "N/A" ? undefined : u.ServiceName, region: u.Region === "N/A" ? undefined : u.Region })
    : undefined;
  return definedOnly({
    accessKeyId,
    userName,
    status: (meta.Status ?? "Active") as AccessKey["status"],
    createDate: iso(meta.CreateDate) ?? "",
    lastUsed: used,
  });
}

export async function getIamUser(ctx: Ctx, accountId: string, userName: string): Promise<IamUser | null> {
  let user;
  try {
    user = (await ctx.session.run("iam.GetUser", global(ctx, accountId), (iam) => iam.send(new GetUserCommand({ UserName: userName })))).User;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  if (!user) return null;
  const [policies, groups] = await Promise.all([
    ctx.session.run("iam.ListAttachedUserPolicies", global(ctx, accountId), (iam) => allPages(paginateListAttachedUserPolicies, iam, { UserName: userName })),
    ctx.session.run("iam.ListGroupsForUser", global(ctx, accountId), (iam) => allPages(paginateListGroupsForUser, iam, { UserName: userName })),
  ]);
  return {
    userName: user.UserName ?? userName,
    userId: user.UserId ?? "",
    arn: user.Arn ?? "",
    createDate: iso(user.CreateDate) ?? "",
    path: user.Path ?? "/",
    attachedPolicies: policies.flatMap((p) => p.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? p.PolicyName ?? "").filter(Boolean),
    groups: groups.flatMap((p) => p.Groups ?? []).map((g) => g.GroupName ?? "").filter(Boolean),
    tags: tagsOf(user.Tags),
  };
}

export async function setAccessKeyStatus(ctx: Ctx, accountId: string, userName: string, accessKeyId: string, status: "Active" | "Inactive"): Promise<void> {
  await ctx.session.run("iam.UpdateAccessKey", global(ctx, accountId), (iam) =>
    iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status })),
  );
}
