/**
 * The adapter's way into the organization's accounts (src/cloud/aws/accounts.ts listOrganization,
 * enter), with the exact requests: ListAccounts from the caller's account whatever accounts are
 * configured, AssumeRole of the configured role names, a refusal as an answer; and readiness's
 * roles check over it, reaching an organization account outside the configured ones.
 */
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { ListAccountsCommand } from "@aws-sdk/client-organizations";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CHECKS } from "../../../src/readiness/checks.ts";
import { runReadiness } from "../../../src/readiness/run.ts";
import { awsError, CALLER, mockAws, OTHER, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
const SUSPENDED = "999900001111";
const ROLES = { roleName: "AbuseDeskReadOnly", containmentRoleName: "AbuseDeskContainment", externalId: "ext-1" };
const creds = { AccessKeyId: "ASIAROLE", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3600_000) };

beforeEach(() => {
  aws.reset();
  aws.organizations.on(ListAccountsCommand).resolves({
    Accounts: [
      { Id: CALLER, Name: "prod", State: "ACTIVE" },
      { Id: OTHER, Name: "staging", State: "ACTIVE" },
      { Id: SUSPENDED, Name: "old", State: "SUSPENDED" },
    ],
  });
  // OTHER has the read-only role but not the containment role; the caller's account has its containment role.
  aws.sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
    if (input.RoleArn === `arn:aws:iam::${OTHER}:role/AbuseDeskContainment`) throw awsError("AccessDenied", `User is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`, 403);
    return { Credentials: creds };
  });
  aws.iam.on(GetRoleCommand).rejects(awsError("NoSuchEntity", "The role with name AbuseDeskContainment cannot be found.", 404));
  aws.ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: "eu-west-1", OptInStatus: "opt-in-not-required" }] });
});

describe("reaching the organization's accounts on AWS", () => {
  it("lists the organization with each account's state, from the caller's account, even when accounts are configured", async () => {
    const port = testPort({ accounts: [CALLER], assumeRole: ROLES });
    expect(await port.organizationAccounts()).toEqual([
      { accountId: CALLER, name: "prod", state: "ACTIVE" },
      { accountId: OTHER, name: "staging", state: "ACTIVE" },
      { accountId: SUSPENDED, name: "old", state: "SUSPENDED" },
    ]);
    expect(sent(aws.organizations, ListAccountsCommand)).toEqual([{}]);
  });

  it("an account excluded in configuration (aws.excludeAccounts) is not reported, so readiness never judges it", async () => {
    const port = testPort({ accounts: [CALLER], assumeRole: ROLES, excludeAccounts: [OTHER] });
    expect((await port.organizationAccounts())?.map((a) => a.accountId)).toEqual([CALLER, SUSPENDED]);
  });

  it("not in an organization: null", async () => {
    aws.organizations.on(ListAccountsCommand).rejects(awsError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.", 400));
    expect(await testPort({ assumeRole: ROLES }).organizationAccounts()).toBeNull();
  });

  it("enters an account outside the configured ones with the configured roles; AccessDenied is entered: false", async () => {
    const port = testPort({ accounts: [CALLER], assumeRole: ROLES });
    expect(await port.enterAccount(OTHER, "read")).toEqual({ accountId: OTHER, side: "read", via: "role", roleArn: `arn:aws:iam::${OTHER}:role/AbuseDeskReadOnly`, roleName: "AbuseDeskReadOnly", entered: true });
    const w = await port.enterAccount(OTHER, "write");
    expect(w).toMatchObject({ accountId: OTHER, side: "write", via: "role", roleName: "AbuseDeskContainment", entered: false });
    expect(w.refusal).toContain("sts:AssumeRole");
    expect(sent(aws.sts, AssumeRoleCommand)).toEqual([
      { RoleArn: `arn:aws:iam::${OTHER}:role/AbuseDeskReadOnly`, RoleSessionName: "abuse-desk", DurationSeconds: 3600, ExternalId: "ext-1" },
      { RoleArn: `arn:aws:iam::${OTHER}:role/AbuseDeskContainment`, RoleSessionName: "abuse-desk", DurationSeconds: 3600, ExternalId: "ext-1" },
    ]);
    expect(await port.enterAccount(CALLER, "read")).toEqual({ accountId: CALLER, side: "read", via: "caller", entered: true });
  });

  it("readiness: the organization's other account lacks the containment role (GetRole through its read-only role says so); the suspended account is not examined", async () => {
    const port = testPort({ accounts: [CALLER], assumeRole: ROLES });
    const report = await runReadiness(port, { checks: [CHECKS.find((c) => c.id === "abuse_desk_roles_deployed")!] });
    expect(report.checks[0]).toMatchObject({ status: "fail", examined: 2, notRun: [], failed: [{ accountId: OTHER, id: "AbuseDeskContainment", detail: "containment role AbuseDeskContainment does not exist in the account" }] });
    expect(sent(aws.iam, GetRoleCommand)).toEqual([{ RoleName: "AbuseDeskContainment" }]);
    expect((sent(aws.sts, AssumeRoleCommand) as { RoleArn: string }[]).map((r) => r.RoleArn).sort()).toEqual([
      `arn:aws:iam::${CALLER}:role/AbuseDeskContainment`,
      `arn:aws:iam::${OTHER}:role/AbuseDeskContainment`,
      `arn:aws:iam::${OTHER}:role/AbuseDeskReadOnly`,
    ]);
  });
});
