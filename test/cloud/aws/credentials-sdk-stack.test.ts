/**
 * The credential response's calls (src/cloud/aws/credentials.ts) and the fleet and Lightsail calls
 * (src/cloud/aws/fleet.ts) through the SDK's real stack, against a loopback endpoint: no mocked
 * `send`. Each call is made once; the server checks the request as it comes off the wire (IAM, STS
 * and EC2: the query protocol's Action and parameters; SES v2: rest-json method, path and body;
 * Lightsail: awsJson1_1's X-Amz-Target and body) and answers in AWS's wire format (XML for the query
 * protocols, JSON for the others, errors in each protocol's envelope); what the adapter parsed is
 * asserted, and an AccessDenied of each protocol becomes the adapter's typed error.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAwsPort, type AwsPort } from "../../../src/cloud/aws/index.ts";
import { CloudError } from "../../../src/cloud/errors.ts";
import { CALLER, staticCredentials } from "./helpers.ts";
import { callerIdentityOk, ec2Error, startLoopback, type Answer, type Handler, type Loopback, type Received } from "./loopback.ts";

const USE1 = { accountId: CALLER, region: "us-east-1" };
const IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/";
const EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/";
const TRUST = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] };
const DENY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: ["*"], Resource: ["*"] }] });
const SFR = "sfr-11111111-2222-4333-8444-555555555555";
const FLEET = "fleet-11111111-2222-4333-8444-555555555555";

/** A query-protocol answer: `<ActionResponse><ActionResult>inner</ActionResult>...`, as IAM and STS send it. */
const queryOk = (action: string, inner: string, ns = IAM_NS): Answer => ({
  status: 200,
  body: `<${action}Response xmlns="${ns}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>`,
});
/** An IAM answer with no result element (the writes). */
const iamDone = (action: string): Answer => ({ status: 200, body: `<${action}Response xmlns="${IAM_NS}"><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>` });
const iamError = (code: string, message: string, status: number): Answer => ({
  status,
  body: `<ErrorResponse xmlns="${IAM_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
});
/** EC2's answers: the response element with the request id, no result wrapper. */
const ec2Ok = (action: string, inner: string): Answer => ({ status: 200, body: `<${action}Response xmlns="${EC2_NS}"><requestId>req-1</requestId>${inner}</${action}Response>` });
const json = (status: number, body: unknown, contentType: string, more: Record<string, string> = {}): Answer => ({ status, body: JSON.stringify(body), headers: { "content-type": contentType, ...more } });
const lightsailOk = (body: unknown) => json(200, body, "application/x-amz-json-1.1");
const sesOk = (body: unknown) => json(200, body, "application/json");

let handler: Handler = () => ({ status: 500, body: "" });
let server: Loopback;
let port: AwsPort;
beforeAll(async () => {
  server = await startLoopback((req, n) => (req.action === "GetCallerIdentity" ? callerIdentityOk(CALLER) : handler(req, n)));
  const url = server.url;
  port = createAwsPort({ region: "us-east-1", credentials: staticCredentials, endpoints: { sts: url, iam: url, ec2: url, sesv2: url, lightsail: url }, maxAttempts: 1 });
});
afterAll(() => server.close());
afterEach(() => {
  server.received.length = 0;
});
/** What reached the server, caller lookups aside. */
const ops = (): Received[] => server.received.filter((r) => r.action !== "GetCallerIdentity");
const params = (r: Received) => Object.fromEntries([...r.params].filter(([k]) => k !== "Version"));

async function denied(p: Promise<unknown>): Promise<CloudError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CloudError);
  return e as CloudError;
}

describe("IAM and STS (query protocol, XML)", () => {
  it("GetAccessKeyInfo: the owning account of a key", async () => {
    handler = () => queryOk("GetAccessKeyInfo", `<Account>444455556666</Account>`, "https://sts.amazonaws.com/doc/2011-06-15/");
    expect(await port.accessKeyAccount("AKIAEXPOSEDKEY000001")).toBe("444455556666");
    expect(ops().map(params)).toEqual([{ Action: "GetAccessKeyInfo", AccessKeyId: "AKIAEXPOSEDKEY000001" }]);
  });

  it("a user with its keys and their last use, console password and policies (ListUsers, ListAccessKeys, GetAccessKeyLastUsed, GetLoginProfile, ListAttachedUserPolicies, ListUserPolicies)", async () => {
    const user = `<Path>/</Path><UserName>ci-deploy</UserName><UserId>AIDACIDEPLOY00000001</UserId><Arn>arn:aws:iam::${CALLER}:user/ci-deploy</Arn><CreateDate>2024-01-10T00:00:00Z</CreateDate>`;
    handler = (req) => {
      switch (req.action) {
        case "ListUsers":
          return queryOk("ListUsers", `<Users><member>${user}</member></Users><IsTruncated>false</IsTruncated>`);
        case "ListAccessKeys":
          return queryOk("ListAccessKeys", `<AccessKeyMetadata><member><UserName>ci-deploy</UserName><AccessKeyId>AKIAEXPOSEDKEY000001</AccessKeyId><Status>Active</Status><CreateDate>2024-01-10T00:00:00Z</CreateDate></member></AccessKeyMetadata><IsTruncated>false</IsTruncated>`);
        case "GetAccessKeyLastUsed":
          return queryOk("GetAccessKeyLastUsed", `<UserName>ci-deploy</UserName><AccessKeyLastUsed><LastUsedDate>2025-06-01T08:40:00Z</LastUsedDate><ServiceName>ec2</ServiceName><Region>eu-west-1</Region></AccessKeyLastUsed>`);
        case "GetLoginProfile":
          return queryOk("GetLoginProfile", `<LoginProfile><UserName>ci-deploy</UserName><CreateDate>2025-06-01T08:08:00Z</CreateDate><PasswordResetRequired>false</PasswordResetRequired></LoginProfile>`);
        case "ListAttachedUserPolicies":
          return queryOk("ListAttachedUserPolicies", `<AttachedPolicies><member><PolicyName>AWSCompromisedKeyQuarantineV3</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated>`);
        case "ListUserPolicies":
          return queryOk("ListUserPolicies", `<PolicyNames><member>ci-logs</member></PolicyNames><IsTruncated>false</IsTruncated>`);
        default:
          return iamError("InvalidAction", req.action, 400);
      }
    };
    const [u, ...rest] = await port.describeIamUsers(CALLER);
    expect(rest).toEqual([]);
    expect(u).toEqual({
      userName: "ci-deploy",
      userId: "AIDACIDEPLOY00000001",
      arn: `arn:aws:iam::${CALLER}:user/ci-deploy`,
      createDate: "2024-01-10T00:00:00Z",
      path: "/",
      tags: {},
      accessKeys: [{ accessKeyId: "AKIAEXPOSEDKEY000001", userName: "ci-deploy", status: "Active", createDate: "2024-01-10T00:00:00Z", lastUsed: { date: "2025-06-01T08:40:00Z", service: "ec2", region: "eu-west-1" } }],
      loginProfile: { createDate: "2025-06-01T08:08:00Z", passwordResetRequired: false },
      attachedPolicies: [{ arn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3", name: "AWSCompromisedKeyQuarantineV3" }],
      inlinePolicies: ["ci-logs"],
    });
    const by = (a: string) => ops().filter((r) => r.action === a).map(params);
    expect(by("ListUsers")).toEqual([{ Action: "ListUsers" }]);
    expect(by("ListAccessKeys")).toEqual([{ Action: "ListAccessKeys", UserName: "ci-deploy" }]);
    expect(by("GetAccessKeyLastUsed")).toEqual([{ Action: "GetAccessKeyLastUsed", AccessKeyId: "AKIAEXPOSEDKEY000001" }]);
    expect(by("GetLoginProfile")).toEqual([{ Action: "GetLoginProfile", UserName: "ci-deploy" }]);
    expect(by("ListAttachedUserPolicies")).toEqual([{ Action: "ListAttachedUserPolicies", UserName: "ci-deploy" }]);
    expect(by("ListUserPolicies")).toEqual([{ Action: "ListUserPolicies", UserName: "ci-deploy" }]);
    // signed for IAM
    expect(ops()[0]!.authorization).toMatch(/\/us-east-1\/iam\/aws4_request/);
  });

  it("GetUser for a name that exists nowhere: NoSuchEntity (404) is left out, not an error", async () => {
    handler = () => iamError("NoSuchEntity", "The user with name ghost cannot be found.", 404);
    expect(await port.describeIamUsers(CALLER, ["ghost"])).toEqual([]);
    expect(ops().map(params)).toEqual([{ Action: "GetUser", UserName: "ghost" }]);
  });

  it("a role with its trust policy URL-decoded (GetRole, ListRolePolicies, ListAttachedRolePolicies)", async () => {
    handler = (req) =>
      req.action === "GetRole"
        ? queryOk("GetRole", `<Role><Path>/</Path><RoleName>deploy-role</RoleName><RoleId>AROADEPLOY0000000001</RoleId><Arn>arn:aws:iam::${CALLER}:role/deploy-role</Arn><CreateDate>2025-04-01T09:00:00Z</CreateDate><AssumeRolePolicyDocument>${encodeURIComponent(JSON.stringify(TRUST))}</AssumeRolePolicyDocument></Role>`)
        : req.action === "ListRolePolicies"
          ? queryOk("ListRolePolicies", `<PolicyNames><member>deploy-extra</member></PolicyNames><IsTruncated>false</IsTruncated>`)
          : queryOk("ListAttachedRolePolicies", `<AttachedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated>`);
    const r = await port.getIamRole(CALLER, "deploy-role");
    expect(r).toEqual({
      roleName: "deploy-role",
      roleId: "AROADEPLOY0000000001",
      arn: `arn:aws:iam::${CALLER}:role/deploy-role`,
      createDate: "2025-04-01T09:00:00Z",
      path: "/",
      trustPolicy: JSON.stringify(TRUST),
      inlinePolicies: ["deploy-extra"],
      attachedPolicies: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess", name: "ReadOnlyAccess" }],
    });
    expect(ops().map(params).sort((a, b) => String(a.Action).localeCompare(String(b.Action)))).toEqual([
      { Action: "GetRole", RoleName: "deploy-role" },
      { Action: "ListAttachedRolePolicies", RoleName: "deploy-role" },
      { Action: "ListRolePolicies", RoleName: "deploy-role" },
    ]);
  });

  it("GetUserPolicy: the document URL-decoded", async () => {
    handler = () => queryOk("GetUserPolicy", `<UserName>ci-deploy</UserName><PolicyName>AWSRevokeOlderSessions</PolicyName><PolicyDocument>${encodeURIComponent(DENY)}</PolicyDocument>`);
    expect(await port.getInlinePolicy(CALLER, { userName: "ci-deploy" }, "AWSRevokeOlderSessions")).toBe(DENY);
    expect(ops().map(params)).toEqual([{ Action: "GetUserPolicy", UserName: "ci-deploy", PolicyName: "AWSRevokeOlderSessions" }]);
  });

  it("PutRolePolicy, DeleteUserPolicy, UpdateAssumeRolePolicy, DeleteLoginProfile: exactly these parameters", async () => {
    handler = (req) => iamDone(req.action);
    await port.putInlinePolicy(CALLER, { roleName: "ops-automation" }, "AWSRevokeOlderSessions", DENY);
    await port.deleteInlinePolicy(CALLER, { userName: "backup-admin" }, "AbuseDeskQuarantine");
    await port.updateAssumeRolePolicy(CALLER, "deploy-role", JSON.stringify(TRUST));
    await port.deleteLoginProfile(CALLER, "backup-admin");
    expect(ops().map(params)).toEqual([
      { Action: "PutRolePolicy", RoleName: "ops-automation", PolicyName: "AWSRevokeOlderSessions", PolicyDocument: DENY },
      { Action: "DeleteUserPolicy", UserName: "backup-admin", PolicyName: "AbuseDeskQuarantine" },
      { Action: "UpdateAssumeRolePolicy", RoleName: "deploy-role", PolicyDocument: JSON.stringify(TRUST) },
      { Action: "DeleteLoginProfile", UserName: "backup-admin" },
    ]);
  });

  it("AccessDenied from IAM is the adapter's access-denied error naming the IAM action", async () => {
    handler = () => iamError("AccessDenied", `User: arn:aws:iam::${CALLER}:user/responder is not authorized to perform: iam:PutUserPolicy`, 403);
    const e = await denied(port.putInlinePolicy(CALLER, { userName: "ci-deploy" }, "AWSRevokeOlderSessions", DENY));
    expect([e.kind, e.action, e.accountId]).toEqual(["access-denied", "iam:PutUserPolicy", CALLER]);
  });
});

describe("IAM policies on users, roles and groups (query protocol, XML): the plan's detach-policy and remove-inline-policy", () => {
  /** What IAM URL-encodes in a policy document: spaces, %, +, &, quotes, <, non-ASCII. */
  const DOC = '{"Version":"2012-10-17","Statement":[{"Sid":"a b+c%20d&<é>","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::my bucket/*"}]}';

  it("ListAttachedGroupPolicies, page by page (Marker)", async () => {
    handler = (req) =>
      req.params.get("Marker") === "m1"
        ? queryOk("ListAttachedGroupPolicies", `<AttachedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated>`)
        : queryOk("ListAttachedGroupPolicies", `<AttachedPolicies><member><PolicyName>IAMFullAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/IAMFullAccess</PolicyArn></member></AttachedPolicies><IsTruncated>true</IsTruncated><Marker>m1</Marker>`);
    expect(await port.listAttachedPolicies(CALLER, { groupName: "developers" })).toEqual([
      { arn: "arn:aws:iam::aws:policy/IAMFullAccess", name: "IAMFullAccess" },
      { arn: "arn:aws:iam::aws:policy/ReadOnlyAccess", name: "ReadOnlyAccess" },
    ]);
    expect(ops().map(params)).toEqual([
      { Action: "ListAttachedGroupPolicies", GroupName: "developers" },
      { Action: "ListAttachedGroupPolicies", GroupName: "developers", Marker: "m1" },
    ]);
  });

  it("ListAttachedUserPolicies / ListAttachedRolePolicies; NoSuchEntity (404) is null, not an error", async () => {
    handler = (req) =>
      req.action === "ListAttachedUserPolicies"
        ? queryOk("ListAttachedUserPolicies", `<AttachedPolicies><member><PolicyName>AdministratorAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AdministratorAccess</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated>`)
        : iamError("NoSuchEntity", "The role with name gone cannot be found.", 404);
    expect(await port.listAttachedPolicies(CALLER, { userName: "backup-admin" })).toEqual([{ arn: "arn:aws:iam::aws:policy/AdministratorAccess", name: "AdministratorAccess" }]);
    expect(await port.listAttachedPolicies(CALLER, { roleName: "gone" })).toBeNull();
    expect(ops().map(params)).toEqual([
      { Action: "ListAttachedUserPolicies", UserName: "backup-admin" },
      { Action: "ListAttachedRolePolicies", RoleName: "gone" },
    ]);
  });

  it("GetGroupPolicy and GetRolePolicy: the document URL-decoded exactly, XML-escaped or not", async () => {
    // IAM sends the document URL-encoded (RFC 3986) inside XML: nothing of it is left encoded once parsed.
    handler = (req) =>
      req.action === "GetGroupPolicy"
        ? queryOk("GetGroupPolicy", `<GroupName>developers</GroupName><PolicyName>dev-escalate</PolicyName><PolicyDocument>${encodeURIComponent(DOC)}</PolicyDocument>`)
        : queryOk("GetRolePolicy", `<RoleName>ops-automation</RoleName><PolicyName>ops-inline</PolicyName><PolicyDocument>${encodeURIComponent(DOC).replaceAll("%26", "&amp;")}</PolicyDocument>`);
    expect(await port.getInlinePolicy(CALLER, { groupName: "developers" }, "dev-escalate")).toBe(DOC);
    expect(await port.getInlinePolicy(CALLER, { roleName: "ops-automation" }, "ops-inline")).toBe(DOC);
    expect(ops().map(params)).toEqual([
      { Action: "GetGroupPolicy", GroupName: "developers", PolicyName: "dev-escalate" },
      { Action: "GetRolePolicy", RoleName: "ops-automation", PolicyName: "ops-inline" },
    ]);
  });

  it("Detach/Attach {User,Role,Group}Policy, DeleteGroupPolicy and PutGroupPolicy (the saved document back byte for byte): exactly these parameters", async () => {
    handler = (req) => iamDone(req.action);
    const arn = "arn:aws:iam::aws:policy/AdministratorAccess";
    await port.detachManagedPolicy(CALLER, { userName: "backup-admin" }, arn);
    await port.detachManagedPolicy(CALLER, { roleName: "deploy-role" }, arn);
    await port.detachManagedPolicy(CALLER, { groupName: "developers" }, "arn:aws:iam::aws:policy/IAMFullAccess");
    await port.attachManagedPolicy(CALLER, { userName: "backup-admin" }, arn);
    await port.attachManagedPolicy(CALLER, { roleName: "deploy-role" }, arn);
    await port.attachManagedPolicy(CALLER, { groupName: "developers" }, "arn:aws:iam::aws:policy/IAMFullAccess");
    await port.deleteInlinePolicy(CALLER, { groupName: "developers" }, "dev-escalate");
    await port.putInlinePolicy(CALLER, { groupName: "developers" }, "dev-escalate", DOC);
    expect(ops().map(params)).toEqual([
      { Action: "DetachUserPolicy", UserName: "backup-admin", PolicyArn: arn },
      { Action: "DetachRolePolicy", RoleName: "deploy-role", PolicyArn: arn },
      { Action: "DetachGroupPolicy", GroupName: "developers", PolicyArn: "arn:aws:iam::aws:policy/IAMFullAccess" },
      { Action: "AttachUserPolicy", UserName: "backup-admin", PolicyArn: arn },
      { Action: "AttachRolePolicy", RoleName: "deploy-role", PolicyArn: arn },
      { Action: "AttachGroupPolicy", GroupName: "developers", PolicyArn: "arn:aws:iam::aws:policy/IAMFullAccess" },
      { Action: "DeleteGroupPolicy", GroupName: "developers", PolicyName: "dev-escalate" },
      { Action: "PutGroupPolicy", GroupName: "developers", PolicyName: "dev-escalate", PolicyDocument: DOC },
    ]);
    for (const r of ops()) expect(r.authorization).toMatch(/\/us-east-1\/iam\/aws4_request/);
  });

  it("AccessDenied on a detach names the IAM action; NoSuchEntity is not-found", async () => {
    handler = () => iamError("AccessDenied", `User: arn:aws:iam::${CALLER}:user/responder is not authorized to perform: iam:DetachRolePolicy`, 403);
    const e = await denied(port.detachManagedPolicy(CALLER, { roleName: "deploy-role" }, "arn:aws:iam::aws:policy/AdministratorAccess"));
    expect([e.kind, e.action, e.accountId]).toEqual(["access-denied", "iam:DetachRolePolicy", CALLER]);
    handler = () => iamError("NoSuchEntity", "Policy arn:aws:iam::aws:policy/AdministratorAccess was not found.", 404);
    const n = await denied(port.detachManagedPolicy(CALLER, { groupName: "developers" }, "arn:aws:iam::aws:policy/AdministratorAccess"));
    expect([n.kind, n.code]).toEqual(["not-found", "NoSuchEntity"]);
  });
});

describe("EC2 spot requests and fleets (query protocol, XML)", () => {
  it("DescribeSpotInstanceRequests and CancelSpotInstanceRequests", async () => {
    handler = (req) =>
      req.action === "DescribeSpotInstanceRequests"
        ? ec2Ok(
            "DescribeSpotInstanceRequests",
            `<spotInstanceRequestSet><item><spotInstanceRequestId>sir-a77ac4e1</spotInstanceRequestId><state>active</state><launchSpecification><instanceType>p3.2xlarge</instanceType></launchSpecification><instanceId>i-0a7ac4e10000005f0</instanceId><createTime>2025-06-01T08:25:00.000Z</createTime><tagSet><item><key>Name</key><value>x</value></item></tagSet></item></spotInstanceRequestSet>`,
          )
        : ec2Ok("CancelSpotInstanceRequests", `<spotInstanceRequestSet><item><spotInstanceRequestId>sir-a77ac4e1</spotInstanceRequestId><state>cancelled</state></item></spotInstanceRequestSet>`);
    expect(await port.describeSpotInstanceRequests(USE1, ["sir-a77ac4e1"])).toEqual([{ spotInstanceRequestId: "sir-a77ac4e1", state: "active", instanceType: "p3.2xlarge", instanceId: "i-0a7ac4e10000005f0", createTime: "2025-06-01T08:25:00Z", tags: { Name: "x" } }]);
    await port.cancelSpotInstanceRequests(USE1, ["sir-a77ac4e1"]);
    expect(ops().map(params)).toEqual([
      { Action: "DescribeSpotInstanceRequests", "SpotInstanceRequestId.1": "sir-a77ac4e1" },
      { Action: "CancelSpotInstanceRequests", "SpotInstanceRequestId.1": "sir-a77ac4e1" },
    ]);
    expect(ops()[0]!.authorization).toMatch(/\/us-east-1\/ec2\/aws4_request/);
  });

  it("DescribeSpotFleetRequests with DescribeSpotFleetInstances", async () => {
    handler = (req) =>
      req.action === "DescribeSpotFleetRequests"
        ? ec2Ok(
            "DescribeSpotFleetRequests",
            `<spotFleetRequestConfigSet><item><spotFleetRequestId>${SFR}</spotFleetRequestId><spotFleetRequestState>active</spotFleetRequestState><createTime>2025-06-01T08:27:00.000Z</createTime><spotFleetRequestConfig><iamFleetRole>arn:aws:iam::${CALLER}:role/fleet</iamFleetRole><targetCapacity>2</targetCapacity><type>maintain</type><launchSpecifications><item><instanceType>p3.8xlarge</instanceType></item></launchSpecifications></spotFleetRequestConfig><tagSet/></item></spotFleetRequestConfigSet>`,
          )
        : ec2Ok("DescribeSpotFleetInstances", `<spotFleetRequestId>${SFR}</spotFleetRequestId><activeInstanceSet><item><instanceId>i-0a7ac4e10000000f1</instanceId><instanceType>p3.8xlarge</instanceType><instanceHealth>healthy</instanceHealth></item></activeInstanceSet>`);
    expect(await port.describeSpotFleetRequests(USE1, [SFR])).toEqual([
      { spotFleetRequestId: SFR, state: "active", createTime: "2025-06-01T08:27:00Z", type: "maintain", targetCapacity: 2, instanceTypes: ["p3.8xlarge"], instanceIds: ["i-0a7ac4e10000000f1"], tags: {} },
    ]);
    expect(ops().map(params)).toEqual([
      { Action: "DescribeSpotFleetRequests", "SpotFleetRequestId.1": SFR },
      { Action: "DescribeSpotFleetInstances", SpotFleetRequestId: SFR },
    ]);
  });

  it("DescribeFleets with DescribeFleetInstances (maintain) and the instances inline (instant)", async () => {
    const INSTANT = "fleet-99999999-2222-4333-8444-555555555555";
    handler = (req) =>
      req.action === "DescribeFleets"
        ? ec2Ok(
            "DescribeFleets",
            `<fleetSet><item><fleetId>${FLEET}</fleetId><fleetState>active</fleetState><type>maintain</type><createTime>2025-06-01T08:28:00.000Z</createTime><targetCapacitySpecification><totalTargetCapacity>1</totalTargetCapacity></targetCapacitySpecification><launchTemplateConfigs><item><overrides><item><instanceType>g5.12xlarge</instanceType></item></overrides></item></launchTemplateConfigs></item>` +
              `<item><fleetId>${INSTANT}</fleetId><fleetState>active</fleetState><type>instant</type><createTime>2025-06-01T08:29:00.000Z</createTime><targetCapacitySpecification><totalTargetCapacity>1</totalTargetCapacity></targetCapacitySpecification><fleetInstanceSet><item><instanceIds><item>i-0a7ac4e10000000f3</item></instanceIds><instanceType>p4d.24xlarge</instanceType></item></fleetInstanceSet></item></fleetSet>`,
          )
        : ec2Ok("DescribeFleetInstances", `<fleetId>${FLEET}</fleetId><activeInstanceSet><item><instanceId>i-0a7ac4e10000000f2</instanceId><instanceType>g5.12xlarge</instanceType></item></activeInstanceSet>`);
    const all = await port.describeFleets(USE1);
    expect(all.map((f) => [f.fleetId, f.state, f.type, f.createTime, f.targetCapacity, f.instanceTypes, f.instanceIds])).toEqual([
      [FLEET, "active", "maintain", "2025-06-01T08:28:00Z", 1, ["g5.12xlarge"], ["i-0a7ac4e10000000f2"]],
      [INSTANT, "active", "instant", "2025-06-01T08:29:00Z", 1, ["p4d.24xlarge"], ["i-0a7ac4e10000000f3"]],
    ]);
    expect(ops().map(params)).toEqual([{ Action: "DescribeFleets" }, { Action: "DescribeFleetInstances", FleetId: FLEET }]);
  });

  it("CancelSpotFleetRequests and DeleteFleets send TerminateInstances=false on the wire", async () => {
    handler = (req) =>
      req.action === "CancelSpotFleetRequests"
        ? ec2Ok("CancelSpotFleetRequests", `<successfulFleetRequestSet><item><spotFleetRequestId>${SFR}</spotFleetRequestId><currentSpotFleetRequestState>cancelled_running</currentSpotFleetRequestState><previousSpotFleetRequestState>active</previousSpotFleetRequestState></item></successfulFleetRequestSet><unsuccessfulFleetRequestSet/>`)
        : ec2Ok("DeleteFleets", `<successfulFleetDeletionSet><item><fleetId>${FLEET}</fleetId><currentFleetState>deleted_running</currentFleetState><previousFleetState>active</previousFleetState></item></successfulFleetDeletionSet><unsuccessfulFleetDeletionSet/>`);
    await port.cancelSpotFleetRequests(USE1, [SFR]);
    await port.deleteFleets(USE1, [FLEET]);
    expect(ops().map(params)).toEqual([
      { Action: "CancelSpotFleetRequests", "SpotFleetRequestId.1": SFR, TerminateInstances: "false" },
      { Action: "DeleteFleets", "FleetId.1": FLEET, TerminateInstances: "false" },
    ]);
  });

  it("a failure listed in DeleteFleets' 200 answer is an error; UnauthorizedOperation is access-denied", async () => {
    handler = () => ec2Ok("DeleteFleets", `<successfulFleetDeletionSet/><unsuccessfulFleetDeletionSet><item><fleetId>${FLEET}</fleetId><error><code>fleetIdDoesNotExist</code><message>The fleet does not exist</message></error></item></unsuccessfulFleetDeletionSet>`);
    const e = await denied(port.deleteFleets(USE1, [FLEET]));
    expect([e.kind, e.code]).toEqual(["not-found", "fleetIdDoesNotExist"]);
    handler = () => ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.", 403);
    const d = await denied(port.cancelSpotFleetRequests(USE1, [SFR]));
    expect([d.kind, d.action]).toEqual(["access-denied", "ec2:CancelSpotFleetRequests"]);
  });
});

describe("SES v2 (rest-json)", () => {
  it("GetAccount is GET /v2/email/account; PutAccountSendingAttributes is PUT /v2/email/account/sending with the flag", async () => {
    handler = (req) => (req.method === "GET" ? sesOk({ SendingEnabled: true, ProductionAccessEnabled: true, EnforcementStatus: "HEALTHY", SendQuota: { Max24HourSend: 50000, MaxSendRate: 14, SentLast24Hours: 3 } }) : sesOk({}));
    expect(await port.getSesAccount(USE1)).toEqual({ sendingEnabled: true, productionAccessEnabled: true, max24HourSend: 50000 });
    await port.setSesSendingEnabled(USE1, false);
    expect(ops().map((r) => [r.method, r.path, r.body])).toEqual([
      ["GET", "/v2/email/account", ""],
      ["PUT", "/v2/email/account/sending", JSON.stringify({ SendingEnabled: false })],
    ]);
    expect(ops()[1]!.authorization).toMatch(/\/us-east-1\/ses\/aws4_request/);
  });

  it("AccessDeniedException from SES is access-denied naming ses:GetAccount", async () => {
    handler = () => json(403, { message: "User is not authorized to perform ses:GetAccount" }, "application/json", { "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/" });
    const e = await denied(port.getSesAccount(USE1));
    expect([e.kind, e.action]).toEqual(["access-denied", "ses:GetAccount"]);
  });
});

describe("Lightsail (awsJson1_1)", () => {
  it("GetInstances: the target, the body, the instances parsed (epoch-seconds timestamps)", async () => {
    handler = () =>
      lightsailOk({
        instances: [
          {
            name: "wp-backup-1",
            arn: `arn:aws:lightsail:us-east-1:${CALLER}:Instance/wp-backup-1`,
            createdAt: Date.parse("2025-06-01T08:31:00Z") / 1000,
            location: { availabilityZone: "us-east-1a", regionName: "us-east-1" },
            resourceType: "Instance",
            blueprintId: "ubuntu_22_04",
            bundleId: "2xlarge_3_0",
            publicIpAddress: "198.51.100.201",
            state: { code: 16, name: "running" },
            tags: [{ key: "Owner", value: "nobody" }],
          },
        ],
      });
    expect(await port.getLightsailInstances(USE1)).toEqual([
      { name: "wp-backup-1", arn: `arn:aws:lightsail:us-east-1:${CALLER}:Instance/wp-backup-1`, createdAt: "2025-06-01T08:31:00Z", state: "running", bundleId: "2xlarge_3_0", blueprintId: "ubuntu_22_04", publicIpAddress: "198.51.100.201", tags: { Owner: "nobody" } },
    ]);
    expect(ops().map((r) => [r.method, r.target, r.contentType, JSON.parse(r.body) as unknown])).toEqual([["POST", "Lightsail_20161128.GetInstances", "application/x-amz-json-1.1", {}]]);
    expect(ops()[0]!.authorization).toMatch(/\/us-east-1\/lightsail\/aws4_request/);
  });

  it("CreateInstanceSnapshot, StopInstance, StartInstance, GetInstanceSnapshot: exactly these bodies", async () => {
    const operation = (type: string) => lightsailOk({ operations: [{ id: "op-1", resourceName: "wp-backup-1", resourceType: "Instance", operationType: type, status: "Started", isTerminal: false, createdAt: 1748766660 }] });
    handler = (req) =>
      req.target.endsWith(".GetInstanceSnapshot")
        ? lightsailOk({ instanceSnapshot: { name: "abuse-desk-P-1-wp-backup-1", fromInstanceName: "wp-backup-1", state: "pending", createdAt: Date.parse("2025-06-02T12:00:00Z") / 1000, resourceType: "InstanceSnapshot" } })
        : operation(req.target.split(".")[1]!);
    await port.createLightsailInstanceSnapshot(USE1, "wp-backup-1", "abuse-desk-P-1-wp-backup-1");
    await port.stopLightsailInstance(USE1, "wp-backup-1");
    await port.startLightsailInstance(USE1, "wp-backup-1");
    expect(await port.getLightsailInstanceSnapshot(USE1, "abuse-desk-P-1-wp-backup-1")).toEqual({ name: "abuse-desk-P-1-wp-backup-1", fromInstanceName: "wp-backup-1", state: "pending", createdAt: "2025-06-02T12:00:00Z" });
    expect(ops().map((r) => [r.target, JSON.parse(r.body) as unknown])).toEqual([
      ["Lightsail_20161128.CreateInstanceSnapshot", { instanceName: "wp-backup-1", instanceSnapshotName: "abuse-desk-P-1-wp-backup-1" }],
      ["Lightsail_20161128.StopInstance", { instanceName: "wp-backup-1" }],
      ["Lightsail_20161128.StartInstance", { instanceName: "wp-backup-1" }],
      ["Lightsail_20161128.GetInstanceSnapshot", { instanceSnapshotName: "abuse-desk-P-1-wp-backup-1" }],
    ]);
  });

  it("NotFoundException on GetInstanceSnapshot is null; AccessDeniedException is access-denied naming lightsail:StopInstance", async () => {
    handler = () => json(400, { __type: "NotFoundException", code: "DoesNotExist", message: "The InstanceSnapshot does not exist" }, "application/x-amz-json-1.1");
    expect(await port.getLightsailInstanceSnapshot(USE1, "nope")).toBeNull();
    handler = () => json(403, { __type: "AccessDeniedException", code: "AccessDenied", message: "not authorized" }, "application/x-amz-json-1.1");
    const e = await denied(port.stopLightsailInstance(USE1, "wp-backup-1"));
    expect([e.kind, e.action]).toEqual(["access-denied", "lightsail:StopInstance"]);
  });
});
