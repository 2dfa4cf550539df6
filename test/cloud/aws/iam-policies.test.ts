/**
 * The policy calls of the AWS adapter (src/cloud/aws/iam-policies.ts, and the group inline calls of
 * src/cloud/aws/credentials.ts) under aws-sdk-client-mock: the exact request each port method sends
 * for a user, a role and a group, pagination of the attached list, NoSuchEntity as null, and the
 * inline document IAM hands back URL-encoded turned into the exact JSON text.
 */
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DeleteGroupPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetGroupPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  PutGroupPolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CloudError } from "../../../src/cloud/errors.ts";
import { awsError, CALLER, mockAws, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const DOC = '{"Version":"2012-10-17","Statement":[{"Sid":"100% + more & é","Effect":"Allow","Action":"s3:*","Resource":"*"}]}';

describe("managed policies of users, roles and groups", () => {
  it("lists each kind with its own call and name parameter, every page", async () => {
    aws.iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: ADMIN, PolicyName: "AdministratorAccess" }], IsTruncated: false });
    aws.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [], IsTruncated: false });
    aws.iam
      .on(ListAttachedGroupPoliciesCommand, { GroupName: "developers" })
      .resolvesOnce({ AttachedPolicies: [{ PolicyArn: "arn:aws:iam::aws:policy/IAMFullAccess", PolicyName: "IAMFullAccess" }], IsTruncated: true, Marker: "m1" })
      .resolvesOnce({ AttachedPolicies: [{ PolicyArn: ADMIN, PolicyName: "AdministratorAccess" }], IsTruncated: false });
    const p = testPort();
    expect(await p.listAttachedPolicies(CALLER, { userName: "backup-admin" })).toEqual([{ arn: ADMIN, name: "AdministratorAccess" }]);
    expect(await p.listAttachedPolicies(CALLER, { roleName: "deploy-role" })).toEqual([]);
    expect((await p.listAttachedPolicies(CALLER, { groupName: "developers" }))!.map((a) => a.name)).toEqual(["IAMFullAccess", "AdministratorAccess"]);
    expect(sent(aws.iam, ListAttachedUserPoliciesCommand)).toEqual([{ UserName: "backup-admin" }]);
    expect(sent(aws.iam, ListAttachedRolePoliciesCommand)).toEqual([{ RoleName: "deploy-role" }]);
    expect(sent(aws.iam, ListAttachedGroupPoliciesCommand)).toEqual([{ GroupName: "developers" }, { GroupName: "developers", Marker: "m1" }]);
  });

  it("a principal that does not exist is null; any other failure is an error", async () => {
    aws.iam.on(ListAttachedRolePoliciesCommand).rejects(awsError("NoSuchEntity", "The role with name gone cannot be found.", 404));
    expect(await testPort().listAttachedPolicies(CALLER, { roleName: "gone" })).toBeNull();
    aws.iam.on(ListAttachedGroupPoliciesCommand).rejects(awsError("AccessDenied", "not authorized to perform: iam:ListAttachedGroupPolicies", 403));
    const e = (await testPort().listAttachedPolicies(CALLER, { groupName: "g" }).catch((x: unknown) => x)) as CloudError;
    expect(e).toBeInstanceOf(CloudError);
    expect([e.kind, e.action]).toEqual(["access-denied", "iam:ListAttachedGroupPolicies"]);
  });

  it("detaches and attaches with exactly the principal's name and the ARN", async () => {
    aws.iam.on(AttachUserPolicyCommand).resolves({});
    aws.iam.on(AttachRolePolicyCommand).resolves({});
    aws.iam.on(AttachGroupPolicyCommand).resolves({});
    aws.iam.on(DetachUserPolicyCommand).resolves({});
    aws.iam.on(DetachRolePolicyCommand).resolves({});
    aws.iam.on(DetachGroupPolicyCommand).resolves({});
    const p = testPort();
    await p.detachManagedPolicy(CALLER, { userName: "backup-admin" }, ADMIN);
    await p.detachManagedPolicy(CALLER, { roleName: "deploy-role" }, ADMIN);
    await p.detachManagedPolicy(CALLER, { groupName: "developers" }, ADMIN);
    await p.attachManagedPolicy(CALLER, { userName: "backup-admin" }, ADMIN);
    await p.attachManagedPolicy(CALLER, { roleName: "deploy-role" }, ADMIN);
    await p.attachManagedPolicy(CALLER, { groupName: "developers" }, ADMIN);
    expect(sent(aws.iam, DetachUserPolicyCommand)).toEqual([{ UserName: "backup-admin", PolicyArn: ADMIN }]);
    expect(sent(aws.iam, DetachRolePolicyCommand)).toEqual([{ RoleName: "deploy-role", PolicyArn: ADMIN }]);
    expect(sent(aws.iam, DetachGroupPolicyCommand)).toEqual([{ GroupName: "developers", PolicyArn: ADMIN }]);
    expect(sent(aws.iam, AttachUserPolicyCommand)).toEqual([{ UserName: "backup-admin", PolicyArn: ADMIN }]);
    expect(sent(aws.iam, AttachRolePolicyCommand)).toEqual([{ RoleName: "deploy-role", PolicyArn: ADMIN }]);
    expect(sent(aws.iam, AttachGroupPolicyCommand)).toEqual([{ GroupName: "developers", PolicyArn: ADMIN }]);
    expect(aws.iam.calls()).toHaveLength(6);
  });
});

describe("inline policies of groups", () => {
  it("reads the document URL-decoded, deletes it, and puts the saved text back unchanged", async () => {
    aws.iam.on(GetGroupPolicyCommand).resolves({ GroupName: "developers", PolicyName: "dev-escalate", PolicyDocument: encodeURIComponent(DOC) });
    aws.iam.on(DeleteGroupPolicyCommand).resolves({});
    aws.iam.on(PutGroupPolicyCommand).resolves({});
    const p = testPort();
    const doc = await p.getInlinePolicy(CALLER, { groupName: "developers" }, "dev-escalate");
    expect(doc).toBe(DOC);
    await p.deleteInlinePolicy(CALLER, { groupName: "developers" }, "dev-escalate");
    await p.putInlinePolicy(CALLER, { groupName: "developers" }, "dev-escalate", doc!);
    expect(sent(aws.iam, GetGroupPolicyCommand)).toEqual([{ GroupName: "developers", PolicyName: "dev-escalate" }]);
    expect(sent(aws.iam, DeleteGroupPolicyCommand)).toEqual([{ GroupName: "developers", PolicyName: "dev-escalate" }]);
    expect(sent(aws.iam, PutGroupPolicyCommand)).toEqual([{ GroupName: "developers", PolicyName: "dev-escalate", PolicyDocument: DOC }]);
  });

  it("no such policy or group: null", async () => {
    aws.iam.on(GetGroupPolicyCommand).rejects(awsError("NoSuchEntity", "The group policy with name x cannot be found.", 404));
    expect(await testPort().getInlinePolicy(CALLER, { groupName: "developers" }, "x")).toBeNull();
  });
});
