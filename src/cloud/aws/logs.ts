/**
 * Log reads: VPC flow log configurations (DescribeFlowLogs), log files in S3 (ListObjectsV2,
 * GetObject streamed to a file and bounded) and CloudWatch Logs Insights (StartQuery,
 * GetQueryResults). S3 calls carry ExpectedBucketOwner and go to the bucket's own region.
 */
import { GetQueryResultsCommand, StartQueryCommand } from "@aws-sdk/client-cloudwatch-logs";
import { paginateDescribeFlowLogs, type FlowLog as SdkFlowLog } from "@aws-sdk/client-ec2";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CloudError } from "../errors.ts";
import type { Scope } from "../model.ts";
import {
  DEFAULT_FLOW_LOG_FORMAT,
  type FlowLog,
  type FlowLogQuery,
  type GetObjectOptions,
  type ListObjectsOptions,
  type LogsQuery,
  type LogsQueryResults,
  type LogsQueryStatus,
  type S3Object,
} from "../port-logs.ts";
import { definedOnly, iso } from "./convert.ts";
import { bucketRegion, type BucketRegions } from "./s3.ts";
import { allPages, target, type Ctx } from "./session.ts";

const DEFAULT_MAX_KEYS = 100_000;
const DEFAULT_MAX_BYTES = 1024 ** 3;
const INSIGHTS_MAX = 10_000;

/** arn:aws:s3:::bucket/prefix/ -> bucket and prefix (without a trailing slash). */
export function parseS3Destination(arn: string | undefined): { bucket: string; prefix: string } | undefined {
  const m = /^arn:[\w-]+:s3:::([^/]+)(?:\/(.*))?$/.exec(arn ?? "");
  if (!m) return undefined;
  return { bucket: m[1]!, prefix: (m[2] ?? "").replace(/\/+$/, "") };
}

export function toFlowLog(f: SdkFlowLog): FlowLog {
  const type = (f.LogDestinationType ?? "cloud-watch-logs") as FlowLog["destinationType"];
  const s3 = type === "s3" ? parseS3Destination(f.LogDestination) : undefined;
  const opts = f.DestinationOptions;
  return definedOnly({
    flowLogId: f.FlowLogId ?? "",
    resourceId: f.ResourceId ?? "",
    trafficType: (f.TrafficType ?? "ALL") as FlowLog["trafficType"],
    destinationType: type,
    destination: f.LogDestination,
    bucket: s3?.bucket,
    prefix: s3?.prefix,
    logGroupName: type === "cloud-watch-logs" ? f.LogGroupName ?? f.LogDestination?.split(":log-group:")[1]?.replace(/:\*$/, "") : undefined,
    logFormat: f.LogFormat || DEFAULT_FLOW_LOG_FORMAT,
    fileFormat: opts?.FileFormat === "parquet" ? "parquet" : "plain-text",
    hiveCompatiblePartitions: opts?.HiveCompatiblePartitions ?? false,
    perHourPartition: opts?.PerHourPartition ?? false,
    maxAggregationInterval: f.MaxAggregationInterval ?? 600,
    status: f.FlowLogStatus ?? "ACTIVE",
    deliverLogsStatus: f.DeliverLogsStatus,
    deliverLogsErrorMessage: f.DeliverLogsErrorMessage,
    creationTime: iso(f.CreationTime),
  }) as FlowLog;
}

export async function describeFlowLogs(ctx: Ctx, scope: Scope, q: FlowLogQuery): Promise<FlowLog[]> {
  const lists = [q.networkInterfaceIds, q.subnetIds, q.vpcIds].filter((l): l is string[] => l !== undefined);
  const ids = [...new Set(lists.flat())];
  if (lists.length > 0 && ids.length === 0) return [];
  const out: FlowLog[] = [];
  // A filter takes at most 200 values.
  const chunks = lists.length === 0 ? [undefined] : Array.from({ length: Math.ceil(ids.length / 200) }, (_, i) => ids.slice(i * 200, i * 200 + 200));
  for (const chunk of chunks) {
    const pages = await ctx.session.run("ec2.DescribeFlowLogs", target(ctx, scope), (ec2) =>
      allPages(paginateDescribeFlowLogs, ec2, chunk ? { Filter: [{ Name: "resource-id", Values: chunk }] } : {}),
    );
    for (const p of pages) for (const f of p.FlowLogs ?? []) out.push(toFlowLog(f));
  }
  return [...new Map(out.map((f) => [f.flowLogId, f])).values()];
}

export async function listObjects(ctx: Ctx, accountId: string, bucket: string, prefix: string, opts: ListObjectsOptions = {}, cache: BucketRegions): Promise<{ objects: S3Object[]; truncated: boolean }> {
  const region = await bucketRegion(ctx, accountId, bucket, cache, opts.region);
  const max = opts.maxKeys ?? DEFAULT_MAX_KEYS;
  const objects: S3Object[] = [];
  let token: string | undefined;
  let truncated = false;
  do {
    const page = await ctx.session.run("s3.ListObjectsV2", { accountId, region, purpose: ctx.purpose }, (s3) =>
      s3.send(
        new ListObjectsV2Command(
          definedOnly({
            Bucket: bucket,
            Prefix: prefix,
            ExpectedBucketOwner: accountId,
            StartAfter: token ? undefined : opts.startAfter,
            ContinuationToken: token,
            MaxKeys: Math.min(1000, max - objects.length + 1),
          }),
        ),
      ),
    );
    for (const o of page.Contents ?? []) {
      if (objects.length >= max) {
        truncated = true;
        break;
      }
      objects.push({ key: o.Key ?? "", size: o.Size ?? 0, lastModified: iso(o.LastModified) ?? "" });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (token && objects.length >= max) truncated = true;
  } while (token && !truncated);
  return { objects, truncated };
}

function tooLarge(accountId: string, bucket: string, key: string, size: number | string, max: number): CloudError {
  return new CloudError("invalid", `s3://${bucket}/${key} is ${size} bytes, over the ${max}-byte bound`, { action: "s3:GetObject", accountId, code: "ObjectTooLarge" });
}

export async function getObject(ctx: Ctx, accountId: string, bucket: string, key: string, toFile: string, opts: GetObjectOptions = {}, cache: BucketRegions): Promise<{ bytes: number }> {
  const region = await bucketRegion(ctx, accountId, bucket, cache, opts.region);
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return ctx.session.run("s3.GetObject", { accountId, region, purpose: ctx.purpose }, async (s3) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ExpectedBucketOwner: accountId }));
    const body = out.Body as Readable | undefined;
    if (out.ContentLength !== undefined && out.ContentLength > max) {
      body?.destroy();
      throw tooLarge(accountId, bucket, key, out.ContentLength, max);
    }
    let bytes = 0;
    const bound = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > max) done(tooLarge(accountId, bucket, key, `more than ${max}`, max));
        else done(null, chunk);
      },
    });
    // "wx": never overwrite a file that is already there (the caller names a fresh path in its work directory).
    const file = createWriteStream(toFile, { flags: "wx", mode: 0o600 });
    try {
      if (!body) throw new CloudError("unavailable", `S3 returned no body for s3://${bucket}/${key}`, { action: "s3:GetObject", accountId });
      await pipeline(body, bound, file);
    } catch (err) {
      // The file was created by this call ("wx"): a partial download is never left behind.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") await rm(toFile, { force: true });
      throw err;
    }
    return { bytes };
  });
}

export async function startLogsQuery(ctx: Ctx, scope: Scope, q: LogsQuery): Promise<string> {
  const out = await ctx.session.run("logs.StartQuery", target(ctx, scope), (logs) =>
    logs.send(
      new StartQueryCommand({
        logGroupNames: q.logGroupNames,
        startTime: Math.floor(Date.parse(q.start) / 1000),
        endTime: Math.ceil(Date.parse(q.end) / 1000),
        queryString: q.queryString,
        limit: Math.min(q.limit ?? INSIGHTS_MAX, INSIGHTS_MAX),
      }),
    ),
  );
  if (!out.queryId) throw new CloudError("unavailable", "StartQuery returned no query id", { action: "logs:StartQuery", accountId: scope.accountId, region: scope.region });
  return out.queryId;
}

export async function getLogsQueryResults(ctx: Ctx, scope: Scope, queryId: string): Promise<LogsQueryResults> {
  const out = await ctx.session.run("logs.GetQueryResults", target(ctx, scope), (logs) => logs.send(new GetQueryResultsCommand({ queryId })));
  const rows = (out.results ?? []).map((fields) => {
    const row: Record<string, string> = {};
    for (const f of fields) if (f.field !== undefined && f.field !== "@ptr") row[f.field] = f.value ?? "";
    return row;
  });
  const s = out.statistics;
  return definedOnly({
    status: (out.status ?? "Unknown") as LogsQueryStatus,
    rows,
    statistics: s ? { recordsMatched: s.recordsMatched ?? 0, recordsScanned: s.recordsScanned ?? 0, bytesScanned: s.bytesScanned ?? 0 } : undefined,
  }) as LogsQueryResults;
}
