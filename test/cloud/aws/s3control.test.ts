/**
 * The account-level S3 Block Public Access through S3 Control (src/cloud/aws/posture.ts): the exact
 * request (the account's own id, the home region's endpoint), AWS's "none set" as null, AccessDenied
 * naming s3:GetAccountPublicAccessBlock and turned into "could not run" by readiness (never passed),
 * and an endpoint override S3 Control cannot use refused with a sentence before anything is sent.
 */
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { GetPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CloudError } from "../../../src/cloud/errors.ts";
import { CHECKS } from "../../../src/readiness/checks.ts";
import { runReadiness } from "../../../src/readiness/run.ts";
import { awsError, CALLER, mockAws, OTHER, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => {
  aws.reset();
  // readiness reads the account's regions first (entering it)
  aws.ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: "eu-west-1", OptInStatus: "opt-in-not-required" }] });
});

const ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

describe("S3 Control GetPublicAccessBlock", () => {
  it("asks for the account itself, at the home region's S3 Control endpoint, and maps the four settings", async () => {
    aws.s3control.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { ...ON, BlockPublicPolicy: false } });
    expect(await testPort({ region: "eu-west-1" }).accountPublicAccessBlock(CALLER)).toEqual({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: true });
    expect(sent(aws.s3control, GetPublicAccessBlockCommand)).toEqual([{ AccountId: CALLER }]);
    expect(await (aws.s3control.send.thisValues[0] as { config: { region(): Promise<string> } }).config.region()).toBe("eu-west-1");
  });

  it("another account is read with that account's role, still naming that account", async () => {
    aws.sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: "ASIAOTHER", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3600_000) } });
    aws.s3control.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: ON });
    await testPort({ accounts: [CALLER, OTHER], assumeRole: { roleName: "AbuseDeskReadOnly" } }).accountPublicAccessBlock(OTHER);
    expect(sent(aws.s3control, GetPublicAccessBlockCommand)).toEqual([{ AccountId: OTHER }]);
    expect((sent(aws.sts, AssumeRoleCommand)[0] as { RoleArn: string }).RoleArn).toBe(`arn:aws:iam::${OTHER}:role/AbuseDeskReadOnly`);
  });

  it("NoSuchPublicAccessBlockConfiguration is 'none set' (null), which the readiness check fails", async () => {
    aws.s3control.on(GetPublicAccessBlockCommand).rejects(awsError("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404));
    const port = testPort({ accounts: [CALLER] });
    expect(await port.accountPublicAccessBlock(CALLER)).toBeNull();
    const check = CHECKS.find((c) => c.id === "s3_account_level_public_access_blocks")!;
    const report = await runReadiness(port, { checks: [check], regions: [] });
    expect(report.checks[0]).toMatchObject({ status: "fail", failed: [{ accountId: CALLER, id: CALLER, detail: "no account-level Block Public Access" }] });
  });

  it("AccessDenied names s3:GetAccountPublicAccessBlock, and the check could not run (not passed)", async () => {
    aws.s3control.on(GetPublicAccessBlockCommand).rejects(awsError("AccessDenied", "Access Denied", 403));
    const port = testPort({ accounts: [CALLER] });
    const e = (await port.accountPublicAccessBlock(CALLER).catch((err: unknown) => err)) as CloudError;
    expect(e).toBeInstanceOf(CloudError);
    expect(e).toMatchObject({ kind: "access-denied", action: "s3:GetAccountPublicAccessBlock", accountId: CALLER });
    const check = CHECKS.find((c) => c.id === "s3_account_level_public_access_blocks")!;
    const report = await runReadiness(port, { checks: [check], regions: [] });
    expect(report.checks[0]).toMatchObject({ status: "could-not-run", failed: [], notRun: [{ accountId: CALLER, action: "s3:GetAccountPublicAccessBlock" }] });
  });

  it("an endpoint override given as an IP address is refused with the reason, before anything is sent", async () => {
    const e = (await testPort({ endpoints: { s3control: "http://127.0.0.1:4566" } }).accountPublicAccessBlock(CALLER).catch((err: unknown) => err)) as CloudError;
    expect(e).toBeInstanceOf(CloudError);
    expect(e.kind).toBe("invalid");
    expect(e.message).toContain(`${CALLER}.HOST`);
    expect(e.message).toContain("http://localhost:PORT");
    expect(aws.s3control).not.toHaveReceivedCommand(GetPublicAccessBlockCommand);
  });
});
