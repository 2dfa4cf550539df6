/**
 * The log reads on the AWS adapter: the exact requests (aws-sdk-client-mock). The S3 reads over the
 * SDK's real stack are in s3-stack.test.ts (a mocked client cannot be in the same file).
 */
import { GetQueryResultsCommand, StartQueryCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeFlowLogsCommand } from "@aws-sdk/client-ec2";
import { GetBucketLocationCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CALLER, mockAws, SCOPE, sent, testPort } from "./helpers.ts";

const aws = mockAws();
const dir = mkdtempSync(join(tmpdir(), "abuse-desk-logs-test-"));
afterAll(() => {
  aws.restore();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => aws.reset());
let n = 0;
const fresh = () => join(dir, `f${++n}`);

describe("exact requests", () => {
  it("DescribeFlowLogs: one resource-id filter with the ENIs, subnets and VPCs, at most 200 values per call", async () => {
    aws.ec2.on(DescribeFlowLogsCommand).resolves({
      FlowLogs: [
        {
          FlowLogId: "fl-1",
          ResourceId: "eni-1",
          TrafficType: "ALL",
          LogDestinationType: "s3",
          LogDestination: "arn:aws:s3:::logs-bucket/vpc/flows/",
          LogFormat: "${version} ${srcaddr}",
          DestinationOptions: { FileFormat: "parquet", HiveCompatiblePartitions: true, PerHourPartition: true },
          MaxAggregationInterval: 60,
          FlowLogStatus: "ACTIVE",
        },
        { FlowLogId: "fl-2", ResourceId: "vpc-1", LogDestinationType: "cloud-watch-logs", LogGroupName: "flows", LogDestination: "arn:aws:logs:eu-west-1:111122223333:log-group:flows:*" },
      ],
    });
    const port = testPort();
    const eni = Array.from({ length: 201 }, (_, i) => `eni-${i}`);
    const fls = await port.describeFlowLogs(SCOPE, { networkInterfaceIds: eni, vpcIds: ["vpc-1"] });
    const inputs = sent(aws.ec2, DescribeFlowLogsCommand) as { Filter: { Name: string; Values: string[] }[] }[];
    expect(inputs.map((i) => i.Filter[0]!.Values.length)).toEqual([200, 2]);
    expect(inputs[1]).toEqual({ Filter: [{ Name: "resource-id", Values: ["eni-200", "vpc-1"] }] });
    // The same flow logs answered twice are one.
    expect(fls).toHaveLength(2);
    expect(fls[0]).toMatchObject({ bucket: "logs-bucket", prefix: "vpc/flows", fileFormat: "parquet", hiveCompatiblePartitions: true, perHourPartition: true, maxAggregationInterval: 60, logFormat: "${version} ${srcaddr}" });
    expect(fls[1]).toMatchObject({ destinationType: "cloud-watch-logs", logGroupName: "flows", trafficType: "ALL", fileFormat: "plain-text" });
    expect(fls[1]!.logFormat).toMatch(/^\$\{version\} \$\{account-id\} \$\{interface-id\}/);
    expect(await port.describeFlowLogs(SCOPE, { networkInterfaceIds: [] })).toEqual([]);
    expect(sent(aws.ec2, DescribeFlowLogsCommand)).toHaveLength(2);
  });

  it("ListObjectsV2 and GetObject: in the bucket's region, with ExpectedBucketOwner", async () => {
    aws.s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "EU" });
    aws.s3.on(ListObjectsV2Command).resolvesOnce({ Contents: [{ Key: "p/a", Size: 1, LastModified: new Date("2025-05-01T00:00:00Z") }], IsTruncated: true, NextContinuationToken: "t1" }).resolves({ Contents: [{ Key: "p/b", Size: 2, LastModified: new Date("2025-05-01T00:00:00Z") }], IsTruncated: false });
    aws.s3.on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([Buffer.from("hello")]), ContentLength: 5 }));
    const port = testPort();
    const listed = await port.listObjects(CALLER, "logs-bucket", "p/", { startAfter: "p/0" });
    expect(listed).toEqual({ truncated: false, objects: [{ key: "p/a", size: 1, lastModified: "2025-05-01T00:00:00.000Z" }, { key: "p/b", size: 2, lastModified: "2025-05-01T00:00:00.000Z" }] });
    expect(sent(aws.s3, GetBucketLocationCommand)).toEqual([{ Bucket: "logs-bucket", ExpectedBucketOwner: CALLER }]);
    expect(sent(aws.s3, ListObjectsV2Command)).toEqual([
      { Bucket: "logs-bucket", Prefix: "p/", ExpectedBucketOwner: CALLER, StartAfter: "p/0", MaxKeys: 1000 },
      { Bucket: "logs-bucket", Prefix: "p/", ExpectedBucketOwner: CALLER, ContinuationToken: "t1", MaxKeys: 1000 },
    ]);
    const f = fresh();
    expect(await port.getObject(CALLER, "logs-bucket", "p/a", f)).toEqual({ bytes: 5 });
    expect(sent(aws.s3, GetObjectCommand)).toEqual([{ Bucket: "logs-bucket", Key: "p/a", ExpectedBucketOwner: CALLER }]);
    // The region was learnt once.
    expect(sent(aws.s3, GetBucketLocationCommand)).toHaveLength(1);
    expect(aws.s3.commandCalls(GetObjectCommand)[0]!.thisValue).toBeDefined();
  });

  it("StartQuery in whole seconds, limit capped at 10,000; GetQueryResults rows without @ptr", async () => {
    aws.logs.on(StartQueryCommand).resolves({ queryId: "q-1" });
    aws.logs.on(GetQueryResultsCommand).resolves({
      status: "Complete",
      results: [[{ field: "@timestamp", value: "2025-05-01 10:00:00.000" }, { field: "@message", value: "m" }, { field: "@ptr", value: "x" }]],
      statistics: { recordsMatched: 1, recordsScanned: 5, bytesScanned: 100 },
    });
    const port = testPort();
    const id = await port.startLogsQuery(SCOPE, { logGroupNames: ["flows"], start: "2025-05-01T09:00:00.500Z", end: "2025-05-01T11:00:00.200Z", queryString: "fields @message", limit: 50_000 });
    expect(id).toBe("q-1");
    expect(sent(aws.logs, StartQueryCommand)).toEqual([{ logGroupNames: ["flows"], startTime: 1746090000, endTime: 1746097201, queryString: "fields @message", limit: 10_000 }]);
    expect(await port.getLogsQueryResults(SCOPE, "q-1")).toEqual({ status: "Complete", rows: [{ "@timestamp": "2025-05-01 10:00:00.000", "@message": "m" }], statistics: { recordsMatched: 1, recordsScanned: 5, bytesScanned: 100 } });
    expect(sent(aws.logs, GetQueryResultsCommand)).toEqual([{ queryId: "q-1" }]);
  });
});
