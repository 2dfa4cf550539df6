/**
 * The trail logging calls of the AWS adapter (src/cloud/aws/trail-logging.ts) under
 * aws-sdk-client-mock: the exact requests (GetTrailStatus { Name }, StartLogging { Name }, in the
 * region asked), TrailNotFoundException read as "no such trail" (null) for the status and as
 * not-found for StartLogging, and CloudTrail's home-region refusal passed on with its code.
 */
import { GetTrailStatusCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CloudError } from "../../../src/cloud/errors.ts";
import { awsError, CALLER, mockAws, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());
const EU = { accountId: CALLER, region: "eu-west-1" };
const ARN = `arn:aws:cloudtrail:eu-west-1:${CALLER}:trail/regional`;

describe("trail logging", () => {
  it("reads GetTrailStatus with exactly { Name }; delivery time in whole seconds", async () => {
    aws.cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: false, LatestDeliveryTime: new Date("2025-06-01T08:29:59.123Z") });
    expect(await testPort().getTrailStatus(EU, ARN)).toEqual({ isLogging: false, latestDeliveryTime: "2025-06-01T08:29:59Z" });
    expect(sent(aws.cloudtrail, GetTrailStatusCommand)).toEqual([{ Name: ARN }]);
  });

  it("a trail CloudTrail does not know is null, not an error", async () => {
    aws.cloudtrail.on(GetTrailStatusCommand).rejects(awsError("TrailNotFoundException", `Unknown trail: ${ARN} for the user: ${CALLER}`, 400));
    expect(await testPort().getTrailStatus(EU, ARN)).toBeNull();
  });

  it("starts logging with exactly { Name }, in the region asked", async () => {
    aws.cloudtrail.on(StartLoggingCommand).resolves({});
    await testPort().startLogging(EU, ARN);
    expect(sent(aws.cloudtrail, StartLoggingCommand)).toEqual([{ Name: ARN }]);
    expect(await aws.cloudtrail.commandCalls(StartLoggingCommand)[0]!.thisValue.config.region()).toBe("eu-west-1");
  });

  it("StartLogging refused outside the home region, or for a trail that is gone: errors with AWS's code and the call", async () => {
    aws.cloudtrail.on(StartLoggingCommand).rejects(awsError("InvalidHomeRegionException", "This operation must be called from the trail's home region", 400));
    const e = (await testPort().startLogging(EU, ARN).catch((x: unknown) => x)) as CloudError;
    expect(e).toBeInstanceOf(CloudError);
    expect([e.kind, e.code, e.action]).toEqual(["invalid", "InvalidHomeRegionException", "StartLogging"]);
    aws.cloudtrail.on(StartLoggingCommand).rejects(awsError("TrailNotFoundException", "Unknown trail", 400));
    const gone = (await testPort().startLogging(EU, ARN).catch((x: unknown) => x)) as CloudError;
    expect([gone.kind, gone.code]).toEqual(["not-found", "TrailNotFoundException"]);
  });
});
