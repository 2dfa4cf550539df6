/**
 * The fake AWS's log services (installed by fake-aws.ts): DescribeFlowLogs, S3 ListObjectsV2 and
 * GetObject, CloudWatch Logs StartQuery and GetQueryResults, answered from the simulator's log
 * stores (src/cloud/sim/logs.ts) with AWS's response shapes and small pages.
 */
import { GetQueryResultsCommand, StartQueryCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeFlowLogsCommand } from "@aws-sdk/client-ec2";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import type { Operation } from "../../../src/cloud/aws/actions.ts";
import type { Scope } from "../../../src/cloud/model.ts";
import type { SimAccount } from "../../../src/cloud/sim/index.ts";
import * as simLogs from "../../../src/cloud/sim/logs.ts";
import type { AnyStub, Mocks } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type In = any;
type On = (stub: AnyStub, command: new (input: In) => unknown, op: Operation, handler: (call: { accountId: string; region: string; scope: Scope; input: In }) => unknown) => void;
type Page = <T>(items: T[], token: string | undefined, size?: number) => { items: T[]; next: string | undefined };
type SdkError = (code: string, message: string, status?: number) => Error;

export function installFakeLogs(sim: SimAccount, m: Mocks, on: On, page: Page, sdkError: SdkError): void {
  const api = sim.api;
  const state = sim.state;

  on(m.ec2, DescribeFlowLogsCommand, "ec2.DescribeFlowLogs", ({ scope, input }) => {
    const filters = (input.Filter ?? []) as { Name: string; Values: string[] }[];
    for (const f of filters) if (f.Name !== "resource-id") throw sdkError("InvalidParameterValue", `the fake knows only the resource-id filter, not ${f.Name}`);
    if (filters.some((f) => f.Values.length > 200)) throw sdkError("InvalidParameterValue", "a filter takes at most 200 values");
    const ids = filters.find((f) => f.Name === "resource-id")?.Values;
    const all = simLogs.describeFlowLogs(api, scope, ids ? { networkInterfaceIds: ids } : {});
    const p = page(all, input.NextToken);
    return {
      FlowLogs: p.items.map((f) => ({
        FlowLogId: f.flowLogId,
        ResourceId: f.resourceId,
        TrafficType: f.trafficType,
        LogDestinationType: f.destinationType,
        LogDestination: f.destination,
        ...(f.destinationType === "cloud-watch-logs" ? { LogGroupName: f.logGroupName } : {}),
        LogFormat: f.logFormat,
        ...(f.destinationType === "s3" ? { DestinationOptions: { FileFormat: f.fileFormat, HiveCompatiblePartitions: f.hiveCompatiblePartitions, PerHourPartition: f.perHourPartition } } : {}),
        MaxAggregationInterval: f.maxAggregationInterval,
        FlowLogStatus: f.status,
        DeliverLogsStatus: f.deliverLogsStatus,
      })),
      NextToken: p.next,
    };
  });

  const bucketIn = (accountId: string, region: string, input: In) => {
    if (input.ExpectedBucketOwner !== accountId) throw sdkError("AccessDenied", `ExpectedBucketOwner ${input.ExpectedBucketOwner} is not ${accountId}`, 403);
    const b = state.accounts.get(accountId)?.buckets.get(input.Bucket);
    if (!b) throw sdkError("NoSuchBucket", "The specified bucket does not exist", 404);
    if (b.region !== region) throw sdkError("PermanentRedirect", `The bucket is in ${b.region}; this request went to ${region}`, 301);
  };
  on(m.s3, ListObjectsV2Command, "s3.ListObjectsV2", ({ accountId, region, input }) => {
    bucketIn(accountId, region, input);
    const all = simLogs.listObjects(api, accountId, input.Bucket, input.Prefix ?? "", input.StartAfter !== undefined ? { startAfter: input.StartAfter } : {}).objects;
    const size = Math.min(input.MaxKeys ?? 1000, 1000, 3);
    const p = page(all, input.ContinuationToken, size);
    return {
      Contents: p.items.map((o) => ({ Key: o.key, Size: o.size, LastModified: new Date(o.lastModified) })),
      IsTruncated: p.next !== undefined,
      NextContinuationToken: p.next,
      KeyCount: p.items.length,
    };
  });
  on(m.s3, GetObjectCommand, "s3.GetObject", ({ accountId, region, input }) => {
    bucketIn(accountId, region, input);
    const o = simLogs.logsOf(state).objects.get(`${accountId}/${input.Bucket}`)?.get(input.Key);
    if (!o) throw sdkError("NoSuchKey", "The specified key does not exist.", 404);
    // Split in small chunks, as a socket delivers them: the bound is checked while streaming.
    const chunks: Buffer[] = [];
    for (let i = 0; i < o.body.byteLength; i += 4096) chunks.push(Buffer.from(o.body.subarray(i, i + 4096)));
    return { Body: Readable.from(chunks), ContentLength: o.body.byteLength, LastModified: new Date(o.lastModified) };
  });

  on(m.logs, StartQueryCommand, "logs.StartQuery", ({ scope, input }) => {
    const queryId = simLogs.startLogsQuery(api, scope, {
      logGroupNames: input.logGroupNames,
      start: new Date(input.startTime * 1000).toISOString(),
      end: new Date(input.endTime * 1000).toISOString(),
      queryString: input.queryString,
      limit: input.limit,
    });
    return { queryId };
  });
  on(m.logs, GetQueryResultsCommand, "logs.GetQueryResults", ({ scope, input }) => {
    const r = simLogs.getLogsQueryResults(api, scope, input.queryId);
    return {
      status: r.status,
      results: r.rows.map((row, i) => [...Object.entries(row).map(([field, value]) => ({ field, value })), { field: "@ptr", value: `ptr-${i}` }]),
      statistics: r.statistics,
    };
  });
}
