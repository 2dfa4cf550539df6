/** SDK errors -> CloudError, one rule per row (the wire-level paths are in sdk-stack.test.ts). */
import { describe, expect, it } from "vitest";
import { isNotFound, translateError } from "../../../src/cloud/aws/errors.ts";
import { CloudError } from "../../../src/cloud/errors.ts";
import { awsError } from "./helpers.ts";

const site = { op: "ec2.DescribeAddresses" as const, accountId: "111122223333", region: "eu-west-1" };

describe("translateError", () => {
  it.each(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "AuthorizationError"])("%s is access-denied naming the IAM action and where", (code) => {
    const e = translateError(awsError(code, "not authorized", 403), site);
    expect(e).toMatchObject({ kind: "access-denied", action: "ec2:DescribeAddresses", accountId: "111122223333", region: "eu-west-1", code });
    expect(e.message).toContain("ec2:DescribeAddresses");
    expect(e.message).toContain("account 111122223333, region eu-west-1");
  });

  it("names the IAM action, not the API call, where they differ", () => {
    expect(translateError(awsError("AccessDenied", "denied", 403), { op: "s3.DeletePublicAccessBlock", accountId: "111122223333", region: "eu-west-1" }).action).toBe("s3:PutBucketPublicAccessBlock");
    expect(translateError(awsError("AccessDenied", "denied", 403), { op: "s3.ListBuckets", accountId: "111122223333", region: "global" }).action).toBe("s3:ListAllMyBuckets");
  });

  it.each(["Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "SlowDown", "RequestThrottled"])("%s (after the SDK's retries) is throttled", (code) => {
    const err = Object.assign(awsError(code, "Rate exceeded"), { $metadata: { httpStatusCode: 400, attempts: 5 } });
    const e = translateError(err, site);
    expect(e.kind).toBe("throttled");
    expect(e.transient).toBe(true);
    expect(e.message).toContain("after 5 attempts");
  });

  it("a 5xx, a network failure or a timeout is unavailable", () => {
    expect(translateError(awsError("InternalError", "boom", 500, "server"), site).kind).toBe("unavailable");
    expect(translateError(awsError("ServiceUnavailable", "busy", 503, "server"), site).kind).toBe("unavailable");
    expect(translateError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), { code: "ECONNREFUSED" }), { ...site, endpoint: "http://127.0.0.1:4566" }).message).toContain("http://127.0.0.1:4566");
    expect(translateError(Object.assign(new Error("timed out"), { name: "TimeoutError" }), site).kind).toBe("unavailable");
  });

  it("OptInRequired is region-disabled", () => {
    expect(translateError(awsError("OptInRequired", "You are not subscribed to this service", 401), site)).toMatchObject({ kind: "region-disabled", region: "eu-west-1" });
  });

  it("AuthFailure is region-disabled unless the region is known to be enabled; then the credentials were refused", () => {
    expect(translateError(awsError("AuthFailure", "AWS was not able to validate the provided access credentials", 401), site).kind).toBe("region-disabled");
    expect(translateError(awsError("AuthFailure", "x", 401), { ...site, enabledRegions: ["us-east-1"] }).kind).toBe("region-disabled");
    const refused = translateError(awsError("AuthFailure", "x", 401), { ...site, enabledRegions: ["eu-west-1"] });
    expect(refused.kind).toBe("no-credentials");
    expect(refused.message).toContain("aws configure");
    // a global service has no region to blame
    expect(translateError(awsError("InvalidClientTokenId", "x", 403), { op: "iam.GetUser", accountId: "111122223333", region: "global" }).kind).toBe("no-credentials");
  });

  it("an expired session says so and how to renew it", () => {
    const e = translateError(awsError("ExpiredToken", "The security token included in the request is expired", 400), { ...site, profile: "prod" });
    expect(e.kind).toBe("no-credentials");
    expect(e.message).toContain("expired");
    expect(e.message).toContain("aws sso login --profile prod");
  });

  it("an empty credential chain is no-credentials with the ways to configure them", () => {
    const e = translateError(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }), site);
    expect(e.kind).toBe("no-credentials");
    for (const hint of ["aws configure", "aws sso login", "AWS_PROFILE"]) expect(e.message).toContain(hint);
  });

  it("NotFound codes are not-found (reads turn them into empty answers)", () => {
    for (const code of ["InvalidInstanceID.NotFound", "InvalidNetworkInterfaceID.NotFound", "InvalidAllocationID.NotFound", "InvalidGroup.NotFound", "NatGatewayNotFound", "NoSuchEntity", "NoSuchBucket", "NoSuchDistribution", "LoadBalancerNotFound", "InvalidInstanceID.Malformed", "InvalidID"]) {
      expect(isNotFound(awsError(code)), code).toBe(true);
      expect(translateError(awsError(code), site).kind, code).toBe("not-found");
    }
    expect(isNotFound(awsError("InvalidPermission.Duplicate"))).toBe(false);
  });

  it("anything else AWS refuses is invalid, keeping AWS's code and message", () => {
    const e = translateError(awsError("InvalidPermission.Duplicate", "the specified rule already exists"), site);
    expect(e).toMatchObject({ kind: "invalid", code: "InvalidPermission.Duplicate" });
    expect(e.message).toContain("the specified rule already exists");
  });

  it("a CloudError passes through unchanged", () => {
    const original = new CloudError("unknown-account", "no");
    expect(translateError(original, site)).toBe(original);
  });
});
