import { DescribeRegionsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { ListAccountsCommand } from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CALLER, CALLER_ARN, mockAws, OTHER, REGION, sent, testPort, awsError } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

const assumed = (account: string) => ({
  Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3600_000) },
  AssumedRoleUser: { Arn: `arn:aws:sts::${account}:assumed-role/AbuseDeskReadOnly/abuse-desk`, AssumedRoleId: "AROA:abuse-desk" },
});

/** The account a call went to, read from the credentials of the client that sent it. */
async function accountOfCall(stub: typeof aws.ec2, n: number): Promise<string | undefined> {
  const client = stub.send.thisValues[n] as { config: { credentials(): Promise<{ accountId?: string }> } };
  return (await client.config.credentials()).accountId;
}

describe("accounts", () => {
  it("with nothing configured: the caller's own account (GetCallerIdentity, no permission needed)", async () => {
    expect(await testPort().accounts()).toEqual([{ accountId: CALLER, origin: "caller" }]);
    expect(sent(aws.sts, GetCallerIdentityCommand)).toEqual([{}]);
  });

  it("listed in configuration, with names; a malformed id is refused up front", async () => {
    const port = testPort({ accounts: [CALLER, { id: OTHER, name: "staging" }] });
    expect(await port.accounts()).toEqual([
      { accountId: CALLER, origin: "config" },
      { accountId: OTHER, name: "staging", origin: "config" },
    ]);
    expect(() => testPort({ accounts: ["12345"] })).toThrow(/12 digits/);
  });

  it("discovered through Organizations: active accounts only, every page, excluded ones left out", async () => {
    aws.organizations
      .on(ListAccountsCommand)
      .resolvesOnce({
        Accounts: [
          { Id: CALLER, Name: "management", State: "ACTIVE" },
          { Id: "555555555555", Name: "closed", State: "CLOSED" },
        ],
        NextToken: "p2",
      })
      .resolvesOnce({
        Accounts: [
          { Id: OTHER, Name: "staging", Status: "ACTIVE" },
          { Id: "666666666666", Name: "sandbox", State: "ACTIVE" },
          { Id: "777777777777", Name: "leaving", State: "PENDING_CLOSURE" },
        ],
      });
    const accounts = await testPort({ discoverAccounts: true, excludeAccounts: ["666666666666"] }).accounts();
    expect(sent(aws.organizations, ListAccountsCommand)).toEqual([{}, { NextToken: "p2" }]);
    expect(accounts).toEqual([
      { accountId: CALLER, name: "management", origin: "organizations" },
      { accountId: OTHER, name: "staging", origin: "organizations" },
    ]);
  });

  it("Organizations discovery outside an organization, or from a member account, says what to do", async () => {
    aws.organizations.on(ListAccountsCommand).rejectsOnce(awsError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")).rejectsOnce(awsError("AccessDeniedException", "You don't have permissions to access this resource.", 403));
    const notInOrg = await testPort({ discoverAccounts: true }).accounts().catch((e: unknown) => e);
    expect(notInOrg).toMatchObject({ kind: "invalid", code: "AWSOrganizationsNotInUseException" });
    expect((notInOrg as Error).message).toMatch(/not in an AWS Organization.*aws\.accounts/);
    const member = await testPort({ discoverAccounts: true }).accounts().catch((e: unknown) => e);
    expect(member).toMatchObject({ kind: "access-denied", action: "organizations:ListAccounts" });
    expect((member as Error).message).toMatch(/management account or a delegated administrator/);
  });

  it("an account not in the list is unknown-account, and nothing is sent to it", async () => {
    const port = testPort({ accounts: [CALLER] });
    await expect(port.describeVpcs({ accountId: OTHER, region: REGION }, ["vpc-1"])).rejects.toMatchObject({ kind: "unknown-account", accountId: OTHER });
    await expect(port.regions(OTHER)).rejects.toMatchObject({ kind: "unknown-account" });
    expect(aws.ec2).not.toHaveReceivedAnyCommand();
    expect(aws.sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });
});

describe("assume-role into each account", () => {
  it("assumes the configured role with the external id, once per account, and calls with its credentials", async () => {
    aws.sts.on(AssumeRoleCommand).resolves(assumed(OTHER));
    aws.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const port = testPort({ accounts: [CALLER, OTHER], assumeRole: { roleName: "AbuseDeskReadOnly", externalId: "ext-123", durationSeconds: 1800 } });
    await port.describeVpcs({ accountId: OTHER, region: REGION }, ["vpc-1"]);
    await port.describeVpcs({ accountId: OTHER, region: "us-east-1" }, ["vpc-1"]);
    await port.describeVpcs({ accountId: CALLER, region: REGION }, ["vpc-1"]);
    expect(sent(aws.sts, AssumeRoleCommand)).toEqual([
      { RoleArn: `arn:aws:iam::${OTHER}:role/AbuseDeskReadOnly`, RoleSessionName: "abuse-desk", DurationSeconds: 1800, ExternalId: "ext-123" },
    ]);
    expect(await accountOfCall(aws.ec2, 0)).toBe(OTHER);
    expect(await accountOfCall(aws.ec2, 1)).toBe(OTHER);
    // the caller's own account is used directly, with the caller's credentials
    expect(await accountOfCall(aws.ec2, 2)).toBe(CALLER);
  });

  it("builds the role ARN in the caller's partition, and honours a role path and session name", async () => {
    aws.sts.on(GetCallerIdentityCommand).resolves({ Account: CALLER, Arn: `arn:aws-cn:iam::${CALLER}:user/responder` });
    aws.sts.on(AssumeRoleCommand).resolves(assumed(OTHER));
    aws.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    await testPort({ accounts: [OTHER], assumeRole: { roleName: "security/AbuseDesk", sessionName: "desk-alice" } }).describeVpcs({ accountId: OTHER, region: "cn-north-1" }, ["vpc-1"]);
    expect(sent(aws.sts, AssumeRoleCommand)).toEqual([{ RoleArn: `arn:aws-cn:iam::${OTHER}:role/security/AbuseDesk`, RoleSessionName: "desk-alice", DurationSeconds: 3600 }]);
  });

  it("an exact role ARN per account wins over the role name", async () => {
    aws.sts.on(AssumeRoleCommand).resolves(assumed(OTHER));
    aws.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    await testPort({ accounts: [{ id: OTHER, roleArn: `arn:aws:iam::${OTHER}:role/Special` }], assumeRole: { roleName: "AbuseDeskReadOnly" } }).describeVpcs(
      { accountId: OTHER, region: REGION },
      ["vpc-1"],
    );
    expect(sent(aws.sts, AssumeRoleCommand)).toMatchObject([{ RoleArn: `arn:aws:iam::${OTHER}:role/Special` }]);
  });

  it("writes go through the containment role when one is configured, even in the caller's own account", async () => {
    aws.sts.on(AssumeRoleCommand).resolves(assumed(CALLER));
    aws.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const { CreateTagsCommand } = await import("@aws-sdk/client-ec2");
    aws.ec2.on(CreateTagsCommand).resolves({});
    const port = testPort({ assumeRole: { roleName: "AbuseDeskReadOnly", containmentRoleName: "AbuseDeskContainment" } });
    await port.describeVpcs({ accountId: CALLER, region: REGION }, ["vpc-1"]);
    await port.createTags({ accountId: CALLER, region: REGION }, ["i-1"], { case: "C-1" });
    expect(sent(aws.sts, AssumeRoleCommand)).toMatchObject([{ RoleArn: `arn:aws:iam::${CALLER}:role/AbuseDeskContainment` }]);
  });

  it("without a role name, another account can't be reached: unknown-account says what to configure", async () => {
    const port = testPort({ accounts: [CALLER, OTHER] });
    const e = await port.describeVpcs({ accountId: OTHER, region: REGION }, ["vpc-1"]).catch((err: unknown) => err);
    expect(e).toMatchObject({ kind: "unknown-account", accountId: OTHER });
    expect((e as Error).message).toMatch(/aws\.assumeRole\.roleName/);
  });

  it("a refused AssumeRole is access-denied naming sts:AssumeRole, the role and the trust policy", async () => {
    aws.sts.on(AssumeRoleCommand).rejects(awsError("AccessDenied", `User: ${CALLER_ARN} is not authorized to perform: sts:AssumeRole`, 403));
    const port = testPort({ accounts: [OTHER], assumeRole: { roleName: "AbuseDeskReadOnly", externalId: "x" } });
    const e = await port.describeVpcs({ accountId: OTHER, region: REGION }, ["vpc-1"]).catch((err: unknown) => err);
    expect(e).toMatchObject({ kind: "access-denied", action: "sts:AssumeRole", accountId: OTHER });
    expect((e as Error).message).toContain(`arn:aws:iam::${OTHER}:role/AbuseDeskReadOnly`);
    expect((e as Error).message).toContain("trust policy");
    expect(aws.ec2).not.toHaveReceivedAnyCommand();
  });

  it("refreshes the role's credentials shortly before they expire", async () => {
    const soon = { ...assumed(OTHER), Credentials: { ...assumed(OTHER).Credentials, Expiration: new Date(Date.now() + 60_000) } };
    aws.sts.on(AssumeRoleCommand).resolves(soon);
    aws.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const port = testPort({ accounts: [OTHER], assumeRole: { roleName: "R" } });
    await port.describeVpcs({ accountId: OTHER, region: REGION }, ["vpc-1"]);
    await port.describeVpcs({ accountId: OTHER, region: REGION }, ["vpc-1"]);
    // one minute left is inside the five-minute margin: each use fetches fresh credentials
    expect(aws.sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });
});

describe("regions", () => {
  it("are the account's enabled regions (DescribeRegions), read once, sorted", async () => {
    aws.ec2.on(DescribeRegionsCommand).resolves({
      Regions: [
        { RegionName: "us-east-1", OptInStatus: "opt-in-not-required" },
        { RegionName: "eu-south-2", OptInStatus: "opted-in" },
        { RegionName: "ap-east-1", OptInStatus: "not-opted-in" },
        { RegionName: "eu-west-1" },
      ],
    });
    const port = testPort();
    expect(await port.regions(CALLER)).toEqual(["eu-south-2", "eu-west-1", "us-east-1"]);
    await port.regions(CALLER);
    expect(sent(aws.ec2, DescribeRegionsCommand)).toEqual([{ AllRegions: false }]);
    const client = aws.ec2.send.thisValues[0] as { config: { region(): Promise<string> } };
    expect(await client.config.region()).toBe(REGION);
  });

  it("narrowed to the configured regions; none enabled is region-disabled", async () => {
    aws.ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: "us-east-1" }, { RegionName: "eu-west-1" }] });
    expect(await testPort({ regions: ["eu-west-1", "ap-east-1"] }).regions(CALLER)).toEqual(["eu-west-1"]);
    await expect(testPort({ regions: ["ap-east-1"] }).regions(CALLER)).rejects.toMatchObject({ kind: "region-disabled" });
  });

  it("once the regions are known, a call to a disabled region is refused without being sent", async () => {
    aws.ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: "eu-west-1" }] });
    const port = testPort();
    await port.regions(CALLER);
    await expect(port.describeVpcs({ accountId: CALLER, region: "ap-east-1" }, ["vpc-1"])).rejects.toMatchObject({ kind: "region-disabled", region: "ap-east-1" });
    expect(aws.ec2).not.toHaveReceivedCommand(DescribeVpcsCommand);
  });
});
