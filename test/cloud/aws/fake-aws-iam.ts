/**
 * The fake AWS's answers for the credential methods (src/cloud/port-iam.ts), from the simulator:
 * IAM users (ListUsers, GetLoginProfile, ListUserPolicies), roles (GetRole with the trust policy
 * URL-encoded as IAM sends it), inline policies, spot requests (EC2's query API shapes) and SES v2.
 * Installed by installFakeAws; small pages so the adapter's pagination is crossed.
 */
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DeleteGroupPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetGroupPolicyCommand,
  GetLoginProfileCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { CancelSpotInstanceRequestsCommand, DescribeSpotInstanceRequestsCommand } from "@aws-sdk/client-ec2";
import { GetAccountCommand, PutAccountSendingAttributesCommand } from "@aws-sdk/client-sesv2";
import type { Operation } from "../../../src/cloud/aws/actions.ts";
import type { SimAccount } from "../../../src/cloud/sim/index.ts";
import { page, sdkError, type Call, type In } from "./fake-aws.ts";
import type { AnyStub, Mocks } from "./helpers.ts";

type On = (stub: AnyStub, command: new (input: In) => unknown, op: Operation, handler: (call: Call) => unknown) => void;

const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export function installFakeIam(on: On, sim: SimAccount, m: Mocks): void {
  const api = sim.api;
  const state = sim.state;
  const user = (accountId: string, name: string) => {
    const u = state.accounts.get(accountId)?.users.get(name);
    if (!u) throw sdkError("NoSuchEntity", `The user with name ${name} cannot be found.`, 404);
    return u;
  };
  const role = (accountId: string, name: string) => {
    const r = state.accounts.get(accountId)?.roles?.get(name);
    if (!r) throw sdkError("NoSuchEntity", `The role with name ${name} cannot be found.`, 404);
    return r;
  };
  const policyDoc = (doc: string | null | undefined, what: string) => {
    if (doc === null || doc === undefined) throw sdkError("NoSuchEntity", `The ${what} cannot be found.`, 404);
    // IAM returns documents URL-encoded.
    return encodeURIComponent(doc);
  };

  on(m.iam, ListUsersCommand, "iam.ListUsers", ({ accountId, input }) => {
    const users = [...(state.accounts.get(accountId)?.users.values() ?? [])].map((u) => u.user);
    const p = page(users, input.Marker);
    return { Users: p.items.map((u) => ({ UserName: u.userName, UserId: u.userId, Arn: u.arn, Path: u.path, CreateDate: new Date(u.createDate) })), IsTruncated: p.next !== undefined, Marker: p.next };
  });
  on(m.iam, GetLoginProfileCommand, "iam.GetLoginProfile", ({ accountId, input }) => {
    const lp = user(accountId, input.UserName).loginProfile;
    if (!lp) throw sdkError("NoSuchEntity", `Login Profile for User ${input.UserName} cannot be found.`, 404);
    return { LoginProfile: { UserName: input.UserName, CreateDate: new Date(lp.createDate), PasswordResetRequired: lp.passwordResetRequired } };
  });
  on(m.iam, ListUserPoliciesCommand, "iam.ListUserPolicies", ({ accountId, input }) => {
    const p = page([...(user(accountId, input.UserName).inline?.keys() ?? [])], input.Marker, 1);
    return { PolicyNames: p.items, IsTruncated: p.next !== undefined, Marker: p.next };
  });
  on(m.iam, GetInstanceProfileCommand, "iam.GetInstanceProfile", ({ accountId, input }) => {
    const p = api.getInstanceProfile(accountId, String(input.InstanceProfileName));
    if (!p) throw sdkError("NoSuchEntity", `Instance Profile ${String(input.InstanceProfileName)} cannot be found.`, 404);
    return { InstanceProfile: { InstanceProfileName: p.instanceProfileName, InstanceProfileId: "AIPAEXAMPLE", Arn: p.arn, Path: p.path, CreateDate: new Date("2024-11-01T00:00:00Z"), Roles: p.roles.map((r) => ({ RoleName: r.roleName, Arn: r.arn, RoleId: "AROAEXAMPLE", Path: "/", CreateDate: new Date("2024-11-01T00:00:00Z") })) } };
  });
  on(m.iam, GetRoleCommand, "iam.GetRole", ({ accountId, input }) => {
    const r = role(accountId, input.RoleName);
    return { Role: { RoleName: r.roleName, RoleId: r.roleId, Arn: r.arn, Path: r.path, CreateDate: new Date(r.createDate), AssumeRolePolicyDocument: encodeURIComponent(r.trustPolicy) } };
  });
  on(m.iam, ListRolePoliciesCommand, "iam.ListRolePolicies", ({ accountId, input }) => {
    const p = page([...role(accountId, input.RoleName).inline.keys()], input.Marker, 1);
    return { PolicyNames: p.items, IsTruncated: p.next !== undefined, Marker: p.next };
  });
  on(m.iam, ListAttachedRolePoliciesCommand, "iam.ListAttachedRolePolicies", ({ accountId, input }) => {
    const p = page(role(accountId, input.RoleName).attachedPolicies, input.Marker, 1);
    return { AttachedPolicies: p.items.map((a) => ({ PolicyArn: a.startsWith("arn:") ? a : `arn:aws:iam::aws:policy/${a}`, PolicyName: a.split("/").pop() })), IsTruncated: p.next !== undefined, Marker: p.next };
  });
  on(m.iam, GetUserPolicyCommand, "iam.GetUserPolicy", ({ accountId, input }) => {
    user(accountId, input.UserName);
    const doc = api.getInlinePolicy(accountId, { userName: input.UserName }, input.PolicyName);
    return { UserName: input.UserName, PolicyName: input.PolicyName, PolicyDocument: policyDoc(doc, `user policy ${input.PolicyName}`) };
  });
  on(m.iam, GetRolePolicyCommand, "iam.GetRolePolicy", ({ accountId, input }) => {
    role(accountId, input.RoleName);
    const doc = api.getInlinePolicy(accountId, { roleName: input.RoleName }, input.PolicyName);
    return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: policyDoc(doc, `role policy ${input.PolicyName}`) };
  });
  on(m.iam, PutUserPolicyCommand, "iam.PutUserPolicy", ({ accountId, input }) => {
    api.putInlinePolicy(accountId, { userName: input.UserName }, input.PolicyName, input.PolicyDocument);
    return {};
  });
  on(m.iam, PutRolePolicyCommand, "iam.PutRolePolicy", ({ accountId, input }) => {
    api.putInlinePolicy(accountId, { roleName: input.RoleName }, input.PolicyName, input.PolicyDocument);
    return {};
  });
  on(m.iam, DeleteUserPolicyCommand, "iam.DeleteUserPolicy", ({ accountId, input }) => {
    api.deleteInlinePolicy(accountId, { userName: input.UserName }, input.PolicyName);
    return {};
  });
  on(m.iam, DeleteRolePolicyCommand, "iam.DeleteRolePolicy", ({ accountId, input }) => {
    api.deleteInlinePolicy(accountId, { roleName: input.RoleName }, input.PolicyName);
    return {};
  });
  // Groups, and managed policies attached and detached (the plan's detach-policy step and its undo).
  on(m.iam, ListAttachedGroupPoliciesCommand, "iam.ListAttachedGroupPolicies", ({ accountId, input }) => {
    const all = api.listAttachedPolicies(accountId, { groupName: input.GroupName });
    if (!all) throw sdkError("NoSuchEntity", `The group with name ${input.GroupName} cannot be found.`, 404);
    const p = page(all, input.Marker, 1);
    return { AttachedPolicies: p.items.map((a) => ({ PolicyArn: a.arn, PolicyName: a.name })), IsTruncated: p.next !== undefined, Marker: p.next };
  });
  on(m.iam, GetGroupPolicyCommand, "iam.GetGroupPolicy", ({ accountId, input }) => {
    if (!api.listAttachedPolicies(accountId, { groupName: input.GroupName })) throw sdkError("NoSuchEntity", `The group with name ${input.GroupName} cannot be found.`, 404);
    const doc = api.getInlinePolicy(accountId, { groupName: input.GroupName }, input.PolicyName);
    return { GroupName: input.GroupName, PolicyName: input.PolicyName, PolicyDocument: policyDoc(doc, `group policy ${input.PolicyName}`) };
  });
  on(m.iam, PutGroupPolicyCommand, "iam.PutGroupPolicy", ({ accountId, input }) => {
    api.putInlinePolicy(accountId, { groupName: input.GroupName }, input.PolicyName, input.PolicyDocument);
    return {};
  });
  on(m.iam, DeleteGroupPolicyCommand, "iam.DeleteGroupPolicy", ({ accountId, input }) => {
    api.deleteInlinePolicy(accountId, { groupName: input.GroupName }, input.PolicyName);
    return {};
  });
  const owners = [
    ["User", (i: In) => ({ userName: i.UserName as string })],
    ["Role", (i: In) => ({ roleName: i.RoleName as string })],
    ["Group", (i: In) => ({ groupName: i.GroupName as string })],
  ] as const;
  const attach = { User: AttachUserPolicyCommand, Role: AttachRolePolicyCommand, Group: AttachGroupPolicyCommand };
  const detach = { User: DetachUserPolicyCommand, Role: DetachRolePolicyCommand, Group: DetachGroupPolicyCommand };
  for (const [kind, owner] of owners) {
    on(m.iam, attach[kind] as new (input: In) => unknown, `iam.Attach${kind}Policy`, ({ accountId, input }) => {
      api.attachManagedPolicy(accountId, owner(input), input.PolicyArn);
      return {};
    });
    on(m.iam, detach[kind] as new (input: In) => unknown, `iam.Detach${kind}Policy`, ({ accountId, input }) => {
      api.detachManagedPolicy(accountId, owner(input), input.PolicyArn);
      return {};
    });
  }
  on(m.iam, UpdateAssumeRolePolicyCommand, "iam.UpdateAssumeRolePolicy", ({ accountId, input }) => {
    api.updateAssumeRolePolicy(accountId, input.RoleName, input.PolicyDocument);
    return {};
  });
  on(m.iam, DeleteLoginProfileCommand, "iam.DeleteLoginProfile", ({ accountId, input }) => {
    api.deleteLoginProfile(accountId, input.UserName);
    return {};
  });

  on(m.ec2, DescribeSpotInstanceRequestsCommand, "ec2.DescribeSpotInstanceRequests", ({ scope, input }) => {
    const all = api.describeSpotInstanceRequests(scope, input.SpotInstanceRequestIds);
    const p = page(all, input.NextToken);
    return {
      SpotInstanceRequests: p.items.map((s) => ({
        SpotInstanceRequestId: s.spotInstanceRequestId,
        State: s.state,
        InstanceId: s.instanceId,
        CreateTime: new Date(s.createTime),
        LaunchSpecification: s.instanceType ? { InstanceType: s.instanceType } : undefined,
        Tags: tagList(s.tags),
      })),
      NextToken: p.next,
    };
  });
  on(m.ec2, CancelSpotInstanceRequestsCommand, "ec2.CancelSpotInstanceRequests", ({ scope, input }) => {
    api.cancelSpotInstanceRequests(scope, input.SpotInstanceRequestIds);
    return { CancelledSpotInstanceRequests: input.SpotInstanceRequestIds.map((id: string) => ({ SpotInstanceRequestId: id, State: "cancelled" })) };
  });

  on(m.sesv2, GetAccountCommand, "sesv2.GetAccount", ({ scope }) => {
    const a = api.getSesAccount(scope);
    if (!a) throw sdkError("UnknownEndpoint", `SES is not offered in ${scope.region}`, 500);
    return { SendingEnabled: a.sendingEnabled, ProductionAccessEnabled: a.productionAccessEnabled, SendQuota: { Max24HourSend: a.max24HourSend, MaxSendRate: 1, SentLast24Hours: 0 } };
  });
  on(m.sesv2, PutAccountSendingAttributesCommand, "sesv2.PutAccountSendingAttributes", ({ scope, input }) => {
    api.setSesSendingEnabled(scope, input.SendingEnabled);
    return {};
  });
}
