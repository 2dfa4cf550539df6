/**
 * Managed policies attached to a user, a role or a group (../port-iam.ts): listed, detached and
 * attached back. What the attacker attached (AttachUserPolicy...) is detached by the plan's
 * `detach-policy` step and attached again on rollback. Inline policies are in ./credentials.ts.
 */
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  paginateListAttachedGroupPolicies,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  type AttachedPolicy as SdkAttachedPolicy,
} from "@aws-sdk/client-iam";
import type { AttachedPolicy, PolicyOwner } from "../port-iam.ts";
import { isNotFound } from "./errors.ts";
import { allPages, global, type Ctx } from "./session.ts";

const toPolicies = (pages: { AttachedPolicies?: SdkAttachedPolicy[] }[]): AttachedPolicy[] =>
  pages.flatMap((p) => p.AttachedPolicies ?? []).map((p) => ({ arn: p.PolicyArn ?? "", name: p.PolicyName ?? "" }));

export async function listAttachedPolicies(ctx: Ctx, accountId: string, owner: PolicyOwner): Promise<AttachedPolicy[] | null> {
  const g = global(ctx, accountId);
  try {
    if ("userName" in owner) return toPolicies(await ctx.session.run("iam.ListAttachedUserPolicies", g, (iam) => allPages(paginateListAttachedUserPolicies, iam, { UserName: owner.userName })));
    if ("roleName" in owner) return toPolicies(await ctx.session.run("iam.ListAttachedRolePolicies", g, (iam) => allPages(paginateListAttachedRolePolicies, iam, { RoleName: owner.roleName })));
    return toPolicies(await ctx.session.run("iam.ListAttachedGroupPolicies", g, (iam) => allPages(paginateListAttachedGroupPolicies, iam, { GroupName: owner.groupName })));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export async function attachManagedPolicy(ctx: Ctx, accountId: string, owner: PolicyOwner, policyArn: string): Promise<void> {
  const g = global(ctx, accountId);
  if ("userName" in owner) await ctx.session.run("iam.AttachUserPolicy", g, (iam) => iam.send(new AttachUserPolicyCommand({ UserName: owner.userName, PolicyArn: policyArn })));
  else if ("roleName" in owner) await ctx.session.run("iam.AttachRolePolicy", g, (iam) => iam.send(new AttachRolePolicyCommand({ RoleName: owner.roleName, PolicyArn: policyArn })));
  else await ctx.session.run("iam.AttachGroupPolicy", g, (iam) => iam.send(new AttachGroupPolicyCommand({ GroupName: owner.groupName, PolicyArn: policyArn })));
}

export async function detachManagedPolicy(ctx: Ctx, accountId: string, owner: PolicyOwner, policyArn: string): Promise<void> {
  const g = global(ctx, accountId);
  if ("userName" in owner) await ctx.session.run("iam.DetachUserPolicy", g, (iam) => iam.send(new DetachUserPolicyCommand({ UserName: owner.userName, PolicyArn: policyArn })));
  else if ("roleName" in owner) await ctx.session.run("iam.DetachRolePolicy", g, (iam) => iam.send(new DetachRolePolicyCommand({ RoleName: owner.roleName, PolicyArn: policyArn })));
  else await ctx.session.run("iam.DetachGroupPolicy", g, (iam) => iam.send(new DetachGroupPolicyCommand({ GroupName: owner.groupName, PolicyArn: policyArn })));
}
