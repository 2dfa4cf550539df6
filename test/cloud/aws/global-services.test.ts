import { GetDistributionCommand, GetDistributionConfigCommand, ListTagsForResourceCommand, UpdateDistributionCommand } from "@aws-sdk/client-cloudfront";
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { GetAccessKeyLastUsedCommand, GetUserCommand, ListAccessKeysCommand, ListAttachedUserPoliciesCommand, ListGroupsForUserCommand, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import {
  DeletePublicAccessBlockCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { DescribeInstanceInformationCommand } from "@aws-sdk/client-ssm";
import { GetAccessKeyInfoCommand } from "@aws-sdk/client-sts";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { awsError, CALLER, mockAws, OTHER, REGION, SCOPE, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

const KEY = "AKIAEXAMPLEKEY000001";

async function regionOfCall(stub: typeof aws.s3, n: number): Promise<string> {
  return (stub.send.thisValues[n] as { config: { region(): Promise<string> } }).config.region();
}

describe("IAM", () => {
  it("findAccessKey: the owner from STS, the user and last use, then the key's status", async () => {
    aws.sts.on(GetAccessKeyInfoCommand).resolves({ Account: CALLER });
    aws.iam.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "ci", AccessKeyLastUsed: { LastUsedDate: new Date("2026-01-05T10:00:00Z"), ServiceName: "ec2", Region: "eu-west-1" } });
    aws.iam
      .on(ListAccessKeysCommand)
      .resolvesOnce({ AccessKeyMetadata: [{ AccessKeyId: "AKIAOTHER", Status: "Active" }], IsTruncated: true, Marker: "m2" })
      .resolvesOnce({ AccessKeyMetadata: [{ AccessKeyId: KEY, Status: "Inactive", CreateDate: new Date("2025-01-01T00:00:00Z") }], IsTruncated: false });
    const k = await testPort().findAccessKey(CALLER, KEY);
    expect(sent(aws.sts, GetAccessKeyInfoCommand)).toEqual([{ AccessKeyId: KEY }]);
    expect(sent(aws.iam, GetAccessKeyLastUsedCommand)).toEqual([{ AccessKeyId: KEY }]);
    expect(sent(aws.iam, ListAccessKeysCommand)).toEqual([{ UserName: "ci" }, { UserName: "ci", Marker: "m2" }]);
    expect(k).toEqual({ accessKeyId: KEY, userName: "ci", status: "Inactive", createDate: "2025-01-01T00:00:00.000Z", lastUsed: { date: "2026-01-05T10:00:00.000Z", service: "ec2", region: "eu-west-1" } });
  });

  it("a key of another account is null without asking IAM; STS is asked once per key", async () => {
    aws.sts.on(GetAccessKeyInfoCommand).resolves({ Account: "999999999999" });
    const port = testPort({ accounts: [CALLER, OTHER] });
    expect(await port.findAccessKey(CALLER, KEY)).toBeNull();
    expect(await port.findAccessKey(OTHER, KEY)).toBeNull();
    expect(aws.sts).toHaveReceivedCommandTimes(GetAccessKeyInfoCommand, 1);
    expect(aws.iam).not.toHaveReceivedAnyCommand();
  });

  it("a key never used has no lastUsed; a malformed key id is null without any call", async () => {
    aws.sts.on(GetAccessKeyInfoCommand).resolves({ Account: CALLER });
    aws.iam.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "ci", AccessKeyLastUsed: { ServiceName: "N/A", Region: "N/A" } });
    aws.iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ AccessKeyId: KEY, Status: "Active", CreateDate: new Date(0) }] });
    const port = testPort();
    expect((await port.findAccessKey(CALLER, KEY))?.lastUsed).toBeUndefined();
    expect(await port.findAccessKey(CALLER, "not-a-key")).toBeNull();
    expect(aws.sts).toHaveReceivedCommandTimes(GetAccessKeyInfoCommand, 1);
  });

  it("without sts:GetAccessKeyInfo it asks IAM directly", async () => {
    aws.sts.on(GetAccessKeyInfoCommand).rejects(awsError("AccessDenied", "not authorized to perform sts:GetAccessKeyInfo", 403));
    aws.iam.on(GetAccessKeyLastUsedCommand).rejects(awsError("NoSuchEntity", "no such key", 404));
    expect(await testPort().findAccessKey(CALLER, KEY)).toBeNull();
    expect(aws.iam).toHaveReceivedCommandTimes(GetAccessKeyLastUsedCommand, 1);
  });

  it("getIamUser: the user, every attached policy and group page", async () => {
    aws.iam.on(GetUserCommand).resolves({
      User: { UserName: "ci", UserId: "AIDAEXAMPLE", Arn: `arn:aws:iam::${CALLER}:user/ci`, Path: "/", CreateDate: new Date("2024-01-01T00:00:00Z"), Tags: [{ Key: "Team", Value: "platform" }] },
    });
    aws.iam
      .on(ListAttachedUserPoliciesCommand)
      .resolvesOnce({ AttachedPolicies: [{ PolicyArn: "arn:aws:iam::aws:policy/A", PolicyName: "A" }], IsTruncated: true, Marker: "p2" })
      .resolvesOnce({ AttachedPolicies: [{ PolicyArn: "arn:aws:iam::aws:policy/B", PolicyName: "B" }] });
    aws.iam.on(ListGroupsForUserCommand).resolves({ Groups: [{ GroupName: "deployers", GroupId: "g", Path: "/", Arn: "arn", CreateDate: new Date(0) }] });
    const u = await testPort().getIamUser(CALLER, "ci");
    expect(sent(aws.iam, GetUserCommand)).toEqual([{ UserName: "ci" }]);
    expect(sent(aws.iam, ListAttachedUserPoliciesCommand)).toEqual([{ UserName: "ci" }, { UserName: "ci", Marker: "p2" }]);
    expect(sent(aws.iam, ListGroupsForUserCommand)).toEqual([{ UserName: "ci" }]);
    expect(u).toEqual({
      userName: "ci",
      userId: "AIDAEXAMPLE",
      arn: `arn:aws:iam::${CALLER}:user/ci`,
      createDate: "2024-01-01T00:00:00.000Z",
      path: "/",
      attachedPolicies: ["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B"],
      groups: ["deployers"],
      tags: { Team: "platform" },
    });
  });

  it("getIamUser of nobody is null", async () => {
    aws.iam.on(GetUserCommand).rejects(awsError("NoSuchEntity", "The user with name x cannot be found.", 404));
    expect(await testPort().getIamUser(CALLER, "x")).toBeNull();
  });

  it("UpdateAccessKey turns a key off and on", async () => {
    aws.iam.on(UpdateAccessKeyCommand).resolves({});
    const port = testPort();
    await port.setAccessKeyStatus(CALLER, "ci", KEY, "Inactive");
    await port.setAccessKeyStatus(CALLER, "ci", KEY, "Active");
    expect(sent(aws.iam, UpdateAccessKeyCommand)).toEqual([
      { UserName: "ci", AccessKeyId: KEY, Status: "Inactive" },
      { UserName: "ci", AccessKeyId: KEY, Status: "Active" },
    ]);
  });
});

describe("S3", () => {
  const PAB = { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false };

  it("getBucket: ours (ListBuckets), its region (GetBucketLocation, 'EU' is eu-west-1), block and tags read there", async () => {
    aws.s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "media-assets" }, { Name: "media-assets-logs" }] });
    aws.s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "EU" });
    aws.s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: PAB });
    aws.s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: "Team", Value: "web" }] });
    const b = await testPort({ region: "us-east-1" }).getBucket(CALLER, "media-assets");
    expect(sent(aws.s3, ListBucketsCommand)).toEqual([{ Prefix: "media-assets" }]);
    expect(sent(aws.s3, GetBucketLocationCommand)).toEqual([{ Bucket: "media-assets", ExpectedBucketOwner: CALLER }]);
    expect(sent(aws.s3, GetPublicAccessBlockCommand)).toEqual([{ Bucket: "media-assets", ExpectedBucketOwner: CALLER }]);
    expect(sent(aws.s3, GetBucketTaggingCommand)).toEqual([{ Bucket: "media-assets", ExpectedBucketOwner: CALLER }]);
    expect(b).toEqual({
      name: "media-assets",
      region: "eu-west-1",
      publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: false },
      tags: { Team: "web" },
    });
    expect(await regionOfCall(aws.s3, 1)).toBe("us-east-1");
    expect(await regionOfCall(aws.s3, 2)).toBe("eu-west-1");
  });

  it("uses ListBuckets' BucketRegion when S3 gives it; no block and no tags read as absent", async () => {
    aws.s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "open-bucket", BucketRegion: "us-west-2" }] });
    aws.s3.on(GetPublicAccessBlockCommand).rejects(awsError("NoSuchPublicAccessBlockConfiguration", "not found", 404));
    aws.s3.on(GetBucketTaggingCommand).rejects(awsError("NoSuchTagSet", "not found", 404));
    expect(await testPort().getBucket(CALLER, "open-bucket")).toEqual({ name: "open-bucket", region: "us-west-2", tags: {} });
    expect(aws.s3).not.toHaveReceivedCommand(GetBucketLocationCommand);
  });

  it("a bucket this account does not own is null (ListBuckets pages followed)", async () => {
    aws.s3
      .on(ListBucketsCommand)
      .resolvesOnce({ Buckets: [{ Name: "media-assets-2" }], ContinuationToken: "c2" })
      .resolvesOnce({ Buckets: [] });
    expect(await testPort().getBucket(CALLER, "media-assets")).toBeNull();
    expect(sent(aws.s3, ListBucketsCommand)).toEqual([{ Prefix: "media-assets" }, { Prefix: "media-assets", ContinuationToken: "c2" }]);
  });

  it("put and delete the public access block in the bucket's region, with the expected owner", async () => {
    aws.s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: undefined });
    aws.s3.on(PutPublicAccessBlockCommand).resolves({}).on(DeletePublicAccessBlockCommand).resolves({});
    const port = testPort();
    await port.putPublicAccessBlock(CALLER, "media-assets", { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true });
    await port.deletePublicAccessBlock(CALLER, "media-assets");
    expect(sent(aws.s3, GetBucketLocationCommand)).toEqual([{ Bucket: "media-assets", ExpectedBucketOwner: CALLER }]);
    expect(sent(aws.s3, PutPublicAccessBlockCommand)).toEqual([
      {
        Bucket: "media-assets",
        ExpectedBucketOwner: CALLER,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      },
    ]);
    expect(sent(aws.s3, DeletePublicAccessBlockCommand)).toEqual([{ Bucket: "media-assets", ExpectedBucketOwner: CALLER }]);
    // an empty LocationConstraint is us-east-1
    expect(await regionOfCall(aws.s3, 1)).toBe("us-east-1");
  });

  it("S3 clients follow region redirects; path-style only when an endpoint override is in force", async () => {
    aws.s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "eu-west-1" });
    aws.s3.on(PutPublicAccessBlockCommand).resolves({});
    await testPort().putPublicAccessBlock(CALLER, "b", { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true });
    const cfg = (aws.s3.send.thisValues[0] as { config: { forcePathStyle?: boolean; followRegionRedirects?: boolean } }).config;
    expect(cfg.followRegionRedirects).toBe(true);
    expect(cfg.forcePathStyle).toBe(false);
    aws.reset();
    aws.s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "eu-west-1" });
    aws.s3.on(PutPublicAccessBlockCommand).resolves({});
    await testPort({ endpoints: { s3: "http://127.0.0.1:4566" } }).putPublicAccessBlock(CALLER, "b", { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true });
    expect((aws.s3.send.thisValues[0] as { config: { forcePathStyle?: boolean } }).config.forcePathStyle).toBe(true);
  });
});

describe("CloudFront", () => {
  const config = {
    CallerReference: "ref",
    Comment: "site",
    Enabled: true,
    Aliases: { Quantity: 1, Items: ["cdn.example.com"] },
    Origins: { Quantity: 1, Items: [{ Id: "o1", DomainName: "origin.example.com" }] },
    DefaultCacheBehavior: { TargetOriginId: "o1", ViewerProtocolPolicy: "redirect-to-https" as const },
  };

  it("getDistribution with its tags", async () => {
    const arn = `arn:aws:cloudfront::${CALLER}:distribution/E1EXAMPLE`;
    aws.cloudfront.on(GetDistributionCommand).resolves({
      Distribution: { Id: "E1EXAMPLE", ARN: arn, DomainName: "d111.cloudfront.net", Status: "Deployed", LastModifiedTime: new Date(0), InProgressInvalidationBatches: 0, DistributionConfig: config as never },
    });
    aws.cloudfront.on(ListTagsForResourceCommand).resolves({ Tags: { Items: [{ Key: "Team", Value: "web" }] } });
    const d = await testPort().getDistribution(CALLER, "E1EXAMPLE");
    expect(sent(aws.cloudfront, GetDistributionCommand)).toEqual([{ Id: "E1EXAMPLE" }]);
    expect(sent(aws.cloudfront, ListTagsForResourceCommand)).toEqual([{ Resource: arn }]);
    expect(d).toEqual({ id: "E1EXAMPLE", arn, domainName: "d111.cloudfront.net", aliases: ["cdn.example.com"], enabled: true, origins: ["origin.example.com"], status: "Deployed", tags: { Team: "web" } });
  });

  it("getDistribution of nothing is null", async () => {
    aws.cloudfront.on(GetDistributionCommand).rejects(awsError("NoSuchDistribution", "The specified distribution does not exist.", 404));
    expect(await testPort().getDistribution(CALLER, "E9NONE")).toBeNull();
  });

  it("disabling sends the whole configuration back with Enabled false and the ETag it was read with", async () => {
    aws.cloudfront.on(GetDistributionConfigCommand).resolves({ DistributionConfig: config as never, ETag: "E2QWRUHEXAMPLE" });
    aws.cloudfront.on(UpdateDistributionCommand).resolves({});
    await testPort().setDistributionEnabled(CALLER, "E1EXAMPLE", false);
    expect(sent(aws.cloudfront, GetDistributionConfigCommand)).toEqual([{ Id: "E1EXAMPLE" }]);
    expect(sent(aws.cloudfront, UpdateDistributionCommand)).toEqual([{ Id: "E1EXAMPLE", IfMatch: "E2QWRUHEXAMPLE", DistributionConfig: { ...config, Enabled: false } }]);
  });

  it("already in the state asked for: no update", async () => {
    aws.cloudfront.on(GetDistributionConfigCommand).resolves({ DistributionConfig: config as never, ETag: "E2" });
    await testPort().setDistributionEnabled(CALLER, "E1EXAMPLE", true);
    expect(aws.cloudfront).not.toHaveReceivedCommand(UpdateDistributionCommand);
  });

  it("a configuration changed in between (PreconditionFailed) is read again and the update retried", async () => {
    aws.cloudfront
      .on(GetDistributionConfigCommand)
      .resolvesOnce({ DistributionConfig: config as never, ETag: "E-old" })
      .resolvesOnce({ DistributionConfig: { ...config, Comment: "edited" } as never, ETag: "E-new" });
    aws.cloudfront.on(UpdateDistributionCommand).rejectsOnce(awsError("PreconditionFailed", "The If-Match version is missing or not valid", 412)).resolvesOnce({});
    await testPort().setDistributionEnabled(CALLER, "E1EXAMPLE", false);
    expect(sent(aws.cloudfront, UpdateDistributionCommand)).toEqual([
      { Id: "E1EXAMPLE", IfMatch: "E-old", DistributionConfig: { ...config, Enabled: false } },
      { Id: "E1EXAMPLE", IfMatch: "E-new", DistributionConfig: { ...config, Comment: "edited", Enabled: false } },
    ]);
  });
});

describe("Systems Manager and CloudTrail", () => {
  it("ssmManagedInstances: the InstanceIds filter, 50 ids a call, every page", async () => {
    const many = Array.from({ length: 51 }, (_, i) => `i-0${String(i).padStart(16, "0")}`);
    aws.ssm
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: many[0], PingStatus: "Online", PlatformType: "Linux", PlatformName: "Amazon Linux", AgentVersion: "3.3", LastPingDateTime: new Date("2026-01-01T00:00:00Z") }], NextToken: "n2" })
      .resolvesOnce({ InstanceInformationList: [] })
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: many[50], PingStatus: "ConnectionLost" }] });
    const got = await testPort().ssmManagedInstances(SCOPE, many);
    expect(sent(aws.ssm, DescribeInstanceInformationCommand)).toEqual([
      { Filters: [{ Key: "InstanceIds", Values: many.slice(0, 50) }] },
      { Filters: [{ Key: "InstanceIds", Values: many.slice(0, 50) }], NextToken: "n2" },
      { Filters: [{ Key: "InstanceIds", Values: many.slice(50) }] },
    ]);
    expect(got).toEqual([
      { instanceId: many[0], pingStatus: "Online", platformType: "Linux", platformName: "Amazon Linux", agentVersion: "3.3", lastPingDateTime: "2026-01-01T00:00:00.000Z" },
      { instanceId: many[50], pingStatus: "ConnectionLost" },
    ]);
  });

  const event = (id: string, name: string, time: string) => ({
    EventId: id,
    EventName: name,
    EventSource: "ec2.amazonaws.com",
    EventTime: new Date(time),
    Username: "bob",
    Resources: [{ ResourceType: "AWS::EC2::Instance", ResourceName: "i-0aaaaaaaaaaaaaaa1" }],
    CloudTrailEvent: JSON.stringify({ awsRegion: REGION, sourceIPAddress: "192.0.2.44", requestParameters: { instanceId: "i-0aaaaaaaaaaaaaaa1" } }),
  });

  it("lookupEvents by resource name: one attribute, the window, event names filtered on our side", async () => {
    aws.cloudtrail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: [event("e3", "StopInstances", "2026-01-03T00:00:00Z")], NextToken: "t2" })
      .resolvesOnce({ Events: [event("e1", "AssociateAddress", "2026-01-01T00:00:00Z")] });
    const got = await testPort().lookupEvents(SCOPE, { start: "2026-01-01T00:00:00Z", end: "2026-01-04T00:00:00Z", resourceName: "i-0aaaaaaaaaaaaaaa1", eventNames: ["AssociateAddress"] });
    const window = { StartTime: new Date("2026-01-01T00:00:00Z"), EndTime: new Date("2026-01-04T00:00:00Z") };
    expect(sent(aws.cloudtrail, LookupEventsCommand)).toEqual([
      { ...window, LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: "i-0aaaaaaaaaaaaaaa1" }] },
      { ...window, LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: "i-0aaaaaaaaaaaaaaa1" }], NextToken: "t2" },
    ]);
    expect(got).toEqual([
      {
        eventId: "e1",
        eventName: "AssociateAddress",
        eventSource: "ec2.amazonaws.com",
        eventTime: "2026-01-01T00:00:00.000Z",
        awsRegion: REGION,
        username: "bob",
        sourceIpAddress: "192.0.2.44",
        resources: [{ type: "AWS::EC2::Instance", name: "i-0aaaaaaaaaaaaaaa1" }],
        detail: { awsRegion: REGION, sourceIPAddress: "192.0.2.44", requestParameters: { instanceId: "i-0aaaaaaaaaaaaaaa1" } },
      },
    ]);
  });

  it("lookupEvents by access key and user name: the access key goes to AWS, the user name and resource are filtered on our side", async () => {
    const mine = { ...event("e2", "AssociateAddress", "2026-01-02T00:00:00Z"), AccessKeyId: "ASIAEXAMPLESESSION01" };
    const other = { ...event("e1", "AssociateAddress", "2026-01-01T00:00:00Z"), AccessKeyId: "ASIAEXAMPLESESSION01", Username: "alice" };
    aws.cloudtrail.on(LookupEventsCommand).resolves({ Events: [mine, other] });
    const got = await testPort().lookupEvents(SCOPE, { start: "2026-01-01T00:00:00Z", end: "2026-01-04T00:00:00Z", accessKeyId: "ASIAEXAMPLESESSION01", username: "bob", resourceName: "i-0aaaaaaaaaaaaaaa1" });
    expect(sent(aws.cloudtrail, LookupEventsCommand)).toEqual([
      { StartTime: new Date("2026-01-01T00:00:00Z"), EndTime: new Date("2026-01-04T00:00:00Z"), LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: "ASIAEXAMPLESESSION01" }] },
    ]);
    expect(got.map((e) => [e.eventId, e.accessKeyId, e.username])).toEqual([["e2", "ASIAEXAMPLESESSION01", "bob"]]);
    aws.cloudtrail.reset();
    aws.cloudtrail.on(LookupEventsCommand).resolves({ Events: [other] });
    const byUser = await testPort().lookupEvents(SCOPE, { start: "2026-01-01T00:00:00Z", end: "2026-01-04T00:00:00Z", username: "alice" });
    expect(sent(aws.cloudtrail, LookupEventsCommand)[0]).toMatchObject({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "alice" }] });
    expect(byUser.map((e) => e.eventId)).toEqual(["e1"]);
  });

  it("lookupEvents by several event names: one call per name, merged newest first", async () => {
    aws.cloudtrail
      .on(LookupEventsCommand, { LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AllocateAddress" }] })
      .resolves({ Events: [event("e1", "AllocateAddress", "2026-01-01T00:00:00Z")] })
      .on(LookupEventsCommand, { LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "ReleaseAddress" }] })
      .resolves({ Events: [event("e2", "ReleaseAddress", "2026-01-02T00:00:00Z")] });
    const got = await testPort().lookupEvents(SCOPE, { start: "2026-01-01T00:00:00Z", end: "2026-01-04T00:00:00Z", eventNames: ["AllocateAddress", "ReleaseAddress"] });
    expect(aws.cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 2);
    expect(got.map((e) => e.eventId)).toEqual(["e2", "e1"]);
  });

  it("lookupEvents keeps to CloudTrail's 2 requests per second per account and region, pages included", async () => {
    vi.useFakeTimers({ now: new Date("2026-01-05T00:00:00Z") });
    try {
      const startedAt: number[] = [];
      aws.cloudtrail.on(LookupEventsCommand).callsFake(async (input: { NextToken?: string }) => {
        startedAt.push(Date.now());
        return { Events: [], ...(input.NextToken ? {} : { NextToken: "t2" }) };
      });
      const port = testPort({ lookupEventsPerSecond: 2 });
      const window = { start: "2026-01-01T00:00:00Z", end: "2026-01-04T00:00:00Z" };
      const both = Promise.all([
        port.lookupEvents(SCOPE, { ...window, eventNames: ["AllocateAddress", "ReleaseAddress"] }),
        // another region has its own quota: not held back by this one
        port.lookupEvents({ ...SCOPE, region: "us-east-1" }, { ...window, eventNames: ["AllocateAddress"] }),
      ]);
      await vi.advanceTimersByTimeAsync(5_000);
      await both;
      const t0 = Date.parse("2026-01-05T00:00:00Z");
      // two names x two pages in eu-west-1, 500 ms apart; us-east-1's two pages beside them
      expect(startedAt.map((t) => t - t0).sort((a, b) => a - b)).toEqual([0, 0, 500, 500, 1000, 1500]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("lookupEvents stops reading pages at the limit", async () => {
    aws.cloudtrail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: [event("e3", "A", "2026-01-03T00:00:00Z"), event("e2", "A", "2026-01-02T00:00:00Z")], NextToken: "t2" })
      .resolvesOnce({ Events: [event("e1", "A", "2026-01-01T00:00:00Z")] });
    const got = await testPort().lookupEvents(SCOPE, { start: "2026-01-01T00:00:00Z", end: "2026-01-04T00:00:00Z", limit: 2 });
    expect(got.map((e) => e.eventId)).toEqual(["e3", "e2"]);
    expect(aws.cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 1);
  });
});
