/**
 * The adapter over the real SDK stack, against a loopback endpoint (no mocked `send`): endpoint
 * overrides as an emulator user sets them, the adaptive retry strategy on throttling and 5xx,
 * error translation from AWS's wire errors, and the credential chain when it finds nothing.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAwsPort } from "../../../src/cloud/aws/index.ts";
import { CloudError } from "../../../src/cloud/errors.ts";
import { CALLER, staticCredentials } from "./helpers.ts";
import { callerIdentityOk, describeRegionsOk, describeVpcsOk, ec2Error, startLoopback, type Answer, type Handler, type Loopback } from "./loopback.ts";

const SCOPE = { accountId: CALLER, region: "eu-west-1" };

let handler: Handler = () => ({ status: 500, body: "" });
let server: Loopback;
beforeAll(async () => {
  // STS answers who the caller is (the adapter asks before using the caller's own account); the rest is the test's.
  server = await startLoopback((req, n) => (req.action === "GetCallerIdentity" ? callerIdentityOk(CALLER) : handler(req, n)));
});
const ops = () => server.received.filter((r) => r.action !== "GetCallerIdentity");
afterAll(() => server.close());

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  server.received.length = 0;
});

describe("endpoint overrides", () => {
  it("AWS_ENDPOINT_URL sends every service to the emulator (the SDK reads it; the adapter does not override it)", async () => {
    process.env.AWS_ENDPOINT_URL = server.url;
    handler = (req) => (req.action === "GetCallerIdentity" ? callerIdentityOk(CALLER) : describeVpcsOk());
    const port = createAwsPort({ region: "eu-west-1", credentials: staticCredentials });
    expect(await port.accounts()).toEqual([{ accountId: CALLER, origin: "caller" }]);
    expect((await port.describeVpcs(SCOPE, ["vpc-0loopback00000001"])).map((v) => v.vpcId)).toEqual(["vpc-0loopback00000001"]);
    expect(server.received.map((r) => r.action)).toEqual(["GetCallerIdentity", "DescribeVpcs"]);
    // signed as for the real service and region
    expect(server.received[1]!.authorization).toMatch(/Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/ec2\/aws4_request/);
    expect(server.received[1]!.params.get("VpcId.1")).toBe("vpc-0loopback00000001");
  });

  it("AWS_ENDPOINT_URL_EC2 overrides one service only", async () => {
    process.env.AWS_ENDPOINT_URL_EC2 = server.url;
    process.env.AWS_ENDPOINT_URL_STS = server.url;
    handler = () => describeVpcsOk();
    const port = createAwsPort({ region: "eu-west-1", credentials: staticCredentials });
    await port.describeVpcs(SCOPE, ["vpc-0loopback00000001"]);
    expect(server.received.map((r) => r.action)).toEqual(["GetCallerIdentity", "DescribeVpcs"]);
    expect(server.received[1]!.authorization).toContain("/eu-west-1/ec2/aws4_request");
  });

  it("an endpoint in the configuration wins over the environment", async () => {
    process.env.AWS_ENDPOINT_URL_EC2 = "http://127.0.0.1:9";
    handler = () => describeVpcsOk();
    const port = createAwsPort({ region: "eu-west-1", credentials: staticCredentials, endpoints: { ec2: server.url, sts: server.url } });
    await port.describeVpcs(SCOPE, ["vpc-0loopback00000001"]);
    expect(ops()).toHaveLength(1);
  });

  it("an emulator that does not answer is unavailable, naming the endpoint", async () => {
    const port = createAwsPort({ region: "eu-west-1", credentials: staticCredentials, endpoints: { ec2: "http://127.0.0.1:9", sts: server.url }, maxAttempts: 1 });
    const e = (await port.describeVpcs(SCOPE, ["vpc-1"]).catch((err: unknown) => err)) as CloudError;
    expect(e).toBeInstanceOf(CloudError);
    expect(e.kind).toBe("unavailable");
    expect(e.message).toContain("http://127.0.0.1:9");
  });
});

describe("S3 Control: the account id in front of the endpoint's host", () => {
  /** S3 Control's REST-XML answer to GetPublicAccessBlock, and its error envelope. */
  const pabOk = (policy: boolean): Answer => ({
    status: 200,
    body: `<?xml version="1.0" encoding="UTF-8"?><PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>${policy}</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
    headers: { "content-type": "application/xml" },
  });
  const s3ControlError = (code: string, status: number): Answer => ({
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Code>${code}</Code><Message>${code}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
    headers: { "content-type": "application/xml" },
  });
  // The SDK makes http://localhost:PORT into http://111122223333.localhost:PORT; the adapter resolves *.localhost to loopback itself.
  const port = () => createAwsPort({ region: "eu-west-1", credentials: staticCredentials, endpoints: { s3control: server.url.replace("127.0.0.1", "localhost"), sts: server.url }, maxAttempts: 1, accounts: [CALLER] });
  const pab = () => server.received.filter((r) => r.path.startsWith("/v20180820/"));

  it("GetPublicAccessBlock goes to {AccountId}.localhost with the account's id, signed for s3 in the home region", async () => {
    handler = (req) => (req.path === "/v20180820/configuration/publicAccessBlock" ? pabOk(false) : s3ControlError("NotImplemented", 501));
    expect(await port().accountPublicAccessBlock(CALLER)).toEqual({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: true });
    const [req] = pab();
    expect(req!.host).toBe(`${CALLER}.localhost:${new URL(server.url).port}`);
    expect(req!.path).toBe("/v20180820/configuration/publicAccessBlock");
    expect(req!.accountIdHeader).toBe(CALLER);
    expect(req!.authorization).toMatch(/Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request/);
  });

  it("NoSuchPublicAccessBlockConfiguration from the wire is null; AccessDenied names s3:GetAccountPublicAccessBlock", async () => {
    handler = () => s3ControlError("NoSuchPublicAccessBlockConfiguration", 404);
    expect(await port().accountPublicAccessBlock(CALLER)).toBeNull();
    handler = () => s3ControlError("AccessDenied", 403);
    const e = (await port().accountPublicAccessBlock(CALLER).catch((err: unknown) => err)) as CloudError;
    expect(e).toMatchObject({ kind: "access-denied", action: "s3:GetAccountPublicAccessBlock", accountId: CALLER });
  });
});

describe("retries and errors from the wire", () => {
  const port = (maxAttempts: number) => createAwsPort({ region: "eu-west-1", credentials: staticCredentials, endpoints: { ec2: server.url, sts: server.url }, maxAttempts });

  it("throttling is retried by the SDK's adaptive strategy, and the call succeeds", async () => {
    handler = (_req, n) => (n === 1 ? ec2Error("RequestLimitExceeded", "Request limit exceeded.", 503) : describeVpcsOk());
    expect((await port(3).describeVpcs(SCOPE, ["vpc-0loopback00000001"])).length).toBe(1);
    expect(ops()).toHaveLength(2);
  });

  it("throttling that does not stop is reported as throttled after every attempt", async () => {
    handler = () => ec2Error("RequestLimitExceeded", "Request limit exceeded.", 503);
    const e = (await port(2).describeVpcs(SCOPE, ["vpc-1"]).catch((err: unknown) => err)) as CloudError;
    expect(ops()).toHaveLength(2);
    expect(e).toMatchObject({ kind: "throttled", code: "RequestLimitExceeded", accountId: CALLER, region: "eu-west-1" });
    expect(e.message).toMatch(/ec2:DescribeVpcs.*after 2 attempts/);
    expect(e.transient).toBe(true);
  });

  it("a 5xx that does not stop is unavailable after the retries", async () => {
    handler = () => ec2Error("InternalError", "An internal error has occurred", 500);
    const e = (await port(2).describeVpcs(SCOPE, ["vpc-1"]).catch((err: unknown) => err)) as CloudError;
    expect(ops()).toHaveLength(2);
    expect(e).toMatchObject({ kind: "unavailable", code: "InternalError" });
  });

  it("UnauthorizedOperation is access-denied naming the IAM action, not retried", async () => {
    handler = () => ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.", 403);
    const e = (await port(3).describeVpcs(SCOPE, ["vpc-1"]).catch((err: unknown) => err)) as CloudError;
    expect(ops()).toHaveLength(1);
    expect(e).toMatchObject({ kind: "access-denied", action: "ec2:DescribeVpcs", accountId: CALLER, region: "eu-west-1" });
    expect(e.message).toContain("ec2:DescribeVpcs");
    expect(e.message).toContain(CALLER);
  });

  it("OptInRequired is region-disabled", async () => {
    handler = () => ec2Error("OptInRequired", "You are not subscribed to this service.", 401);
    const e = (await port(1).describeVpcs({ ...SCOPE, region: "ap-east-1" }, ["vpc-1"]).catch((err: unknown) => err)) as CloudError;
    expect(e).toMatchObject({ kind: "region-disabled", region: "ap-east-1" });
  });

  it("AuthFailure in a region the account has not enabled is region-disabled; in an enabled one, refused credentials", async () => {
    handler = (req) => (req.action === "DescribeRegions" ? describeRegionsOk(["eu-west-1", "us-east-1"]) : ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials", 401));
    const p = createAwsPort({ region: "eu-west-1", credentials: staticCredentials, endpoints: { ec2: server.url, sts: server.url }, maxAttempts: 1, accounts: [CALLER] });
    const before = (await p.describeVpcs({ ...SCOPE, region: "me-south-1" }, ["vpc-1"]).catch((err: unknown) => err)) as CloudError;
    expect(before.kind).toBe("region-disabled");
    expect(await p.regions(CALLER)).toEqual(["eu-west-1", "us-east-1"]);
    const inEnabled = (await p.describeVpcs(SCOPE, ["vpc-1"]).catch((err: unknown) => err)) as CloudError;
    expect(inEnabled.kind).toBe("no-credentials");
    expect(inEnabled.message).toMatch(/refused the credentials/);
  });

  it("InvalidVpcID.NotFound from the wire is an empty answer", async () => {
    handler = () => ec2Error("InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist", 400);
    expect(await port(1).describeVpcs(SCOPE, ["vpc-1"])).toEqual([]);
  });
});

describe("assumed-role credentials", () => {
  /** AssumeRole's answer, with credentials that expire `minutes` from now. */
  const assumeRoleOk = (minutes: number) => ({
    status: 200,
    body:
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
      `<AccessKeyId>ASIAEXAMPLEROLE00001</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken>` +
      `<Expiration>${new Date(Date.now() + minutes * 60_000).toISOString()}</Expiration></Credentials>` +
      `<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:abuse-desk</AssumedRoleId><Arn>arn:aws:sts::${CALLER}:assumed-role/Read/abuse-desk</Arn></AssumedRoleUser>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  });

  it("a refresh of role credentials due inside a call does not wait for that call's own concurrency slot", async () => {
    // A role in the caller's own account, credentials close to expiry (so the SDK refreshes them as it
    // signs), one call at a time: the refresh (AssumeRole) must not queue behind the call it is for.
    handler = (req) => (req.action === "AssumeRole" ? assumeRoleOk(2) : describeVpcsOk());
    const port = createAwsPort({
      region: "eu-west-1",
      credentials: staticCredentials,
      endpoints: { ec2: server.url, sts: server.url },
      maxAttempts: 1,
      maxConcurrency: 1,
      accounts: [{ id: CALLER, roleArn: `arn:aws:iam::${CALLER}:role/Read` }],
    });
    const answer = port.describeVpcs(SCOPE, ["vpc-0loopback00000001"]);
    const stuck = new Promise((resolve) => setTimeout(() => resolve("stuck"), 3000));
    expect(await Promise.race([answer.then((v) => v.map((x) => x.vpcId)), stuck])).toEqual(["vpc-0loopback00000001"]);
    // signed with the role's credentials, not the caller's own
    expect(ops().find((r) => r.action === "DescribeVpcs")!.authorization).toContain("Credential=ASIAEXAMPLEROLE00001/");
  });
});

describe("no credentials", () => {
  it("when the chain finds nothing, the message says how to configure credentials", async () => {
    const empty = mkdtempSync(join(tmpdir(), "abuse-desk-nocreds-"));
    for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) delete process.env[k];
    process.env.AWS_CONFIG_FILE = join(empty, "config");
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(empty, "credentials");
    // never reach for the instance metadata service from a test
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    handler = () => describeVpcsOk();
    const port = createAwsPort({ region: "eu-west-1", endpoints: { ec2: server.url, sts: server.url }, maxAttempts: 1 });
    const e = (await port.describeVpcs(SCOPE, ["vpc-1"]).catch((err: unknown) => err)) as CloudError;
    // nothing was sent: the chain failed before the first request was signed
    expect(e).toBeInstanceOf(CloudError);
    expect(e.kind).toBe("no-credentials");
    expect(e.message).toContain("aws configure");
    expect(e.message).toContain("aws sso login");
    expect(e.message).toContain("AWS_PROFILE");
    expect(server.received).toHaveLength(0);
  });

  it("names the profile in the advice when one is in use", async () => {
    const empty = mkdtempSync(join(tmpdir(), "abuse-desk-nocreds-"));
    for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) delete process.env[k];
    process.env.AWS_CONFIG_FILE = join(empty, "config");
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(empty, "credentials");
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    const port = createAwsPort({ region: "eu-west-1", profile: "prod", endpoints: { sts: server.url }, maxAttempts: 1 });
    const e = (await port.accounts().catch((err: unknown) => err)) as CloudError;
    expect(e.kind).toBe("no-credentials");
    expect(e.message).toContain("aws sso login --profile prod");
  });
});
