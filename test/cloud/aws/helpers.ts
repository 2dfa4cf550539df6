/**
 * Shared set-up for the AWS adapter's tests: aws-sdk-client-mock stubs for every client the adapter
 * uses, a port over them with static credentials (the real chain is never consulted), and readers
 * for the exact requests sent.
 */
import { AccountClient } from "@aws-sdk/client-account";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { LightsailClient } from "@aws-sdk/client-lightsail";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient, type AwsStub } from "aws-sdk-client-mock";
import { createAwsPort, type AwsPort, type AwsPortOptions } from "../../../src/cloud/aws/index.ts";
import type { ServiceKey } from "../../../src/cloud/aws/actions.ts";

// Hermetic: an endpoint override or profile in the developer's shell must not leak into the tests.
for (const k of Object.keys(process.env)) if (k.startsWith("AWS_ENDPOINT_URL") || k === "AWS_PROFILE") delete process.env[k];

export const CALLER = "111122223333";
export const OTHER = "444455556666";
export const CALLER_ARN = `arn:aws:iam::${CALLER}:user/responder`;
export const REGION = "eu-west-1";
export const SCOPE = { accountId: CALLER, region: REGION };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one stub type for every client
export type AnyStub = AwsStub<any, any, any>;

export type Mocks = Record<ServiceKey, AnyStub>;

/** Stubs every client the adapter can create. Call `reset()` between tests and `restore()` at the end. */
export function mockAws(): Mocks & { reset(): void; restore(): void } {
  const m: Mocks = {
    ec2: mockClient(EC2Client),
    autoscaling: mockClient(AutoScalingClient),
    elbv2: mockClient(ElasticLoadBalancingV2Client),
    elb: mockClient(ElasticLoadBalancingClient),
    iam: mockClient(IAMClient),
    sts: mockClient(STSClient),
    organizations: mockClient(OrganizationsClient),
    ssm: mockClient(SSMClient),
    cloudtrail: mockClient(CloudTrailClient),
    s3: mockClient(S3Client),
    cloudfront: mockClient(CloudFrontClient),
    logs: mockClient(CloudWatchLogsClient),
    sesv2: mockClient(SESv2Client),
    account: mockClient(AccountClient),
    eventbridge: mockClient(EventBridgeClient),
    guardduty: mockClient(GuardDutyClient),
    lightsail: mockClient(LightsailClient),
    s3control: mockClient(S3ControlClient),
  };
  const all = Object.values(m);
  const reset = () => {
    for (const s of all) s.reset();
    m.sts.on(GetCallerIdentityCommand).resolves({ Account: CALLER, Arn: CALLER_ARN, UserId: "AIDAEXAMPLE" });
  };
  reset();
  return { ...m, reset, restore: () => all.forEach((s) => s.restore()) };
}

export const staticCredentials = async () => ({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "example-secret", accountId: CALLER });

/** A port over the mocks; LookupEvents is not paced unless a test asks (`lookupEventsPerSecond`). */
export function testPort(opts: AwsPortOptions = {}): AwsPort {
  return createAwsPort({ region: REGION, credentials: staticCredentials, maxAttempts: 1, lookupEventsPerSecond: 1000, ...opts });
}

/** The inputs of every call of one command, in order: what the adapter actually sent. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sent(stub: AnyStub, command: new (input: any) => unknown): unknown[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return stub.commandCalls(command as any).map((c) => (c.args[0] as { input: unknown }).input);
}

/** An SDK-style service exception, as the SDK throws it: `name` is AWS's error code. */
export function awsError(code: string, message = code, status = 400, fault: "client" | "server" = "client"): Error {
  return Object.assign(new Error(message), { name: code, Code: code, $fault: fault, $metadata: { httpStatusCode: status, attempts: 1 } });
}
