/**
 * The cloud port's log reads: where VPC flow logs go (DescribeFlowLogs), the log files themselves
 * in S3 (ListObjectsV2, GetObject streamed to a file, bounded) and CloudWatch Logs Insights
 * (StartQuery / GetQueryResults). CloudReader extends this interface; the investigation's flow-log
 * and CloudTrail readers use it (src/investigate), host triage reads SSM outputs with getObject.
 *
 * Every S3 call carries ExpectedBucketOwner = accountId (a bucket of the same name in another
 * account is never read) and goes to the bucket's own region (learnt with GetBucketLocation unless
 * given).
 */
import type { Scope } from "./model.ts";

export type FlowLogDestinationType = "s3" | "cloud-watch-logs" | "kinesis-data-firehose";

/** One flow log as DescribeFlowLogs describes it. */
export interface FlowLog {
  flowLogId: string;
  /** The ENI, subnet or VPC (or transit gateway) it captures. */
  resourceId: string;
  trafficType: "ACCEPT" | "REJECT" | "ALL";
  destinationType: FlowLogDestinationType;
  /** The destination ARN as AWS gives it (arn:aws:s3:::bucket/prefix, a log group ARN, a stream ARN). */
  destination?: string;
  /** S3 destinations: the bucket and the prefix before AWSLogs/ ("" when none). */
  bucket?: string;
  prefix?: string;
  /** CloudWatch Logs destinations: the log group. */
  logGroupName?: string;
  /** The record format ("${version} ${account-id} ..."); AWS's default v2 format when none was set. */
  logFormat: string;
  fileFormat: "plain-text" | "parquet";
  hiveCompatiblePartitions: boolean;
  perHourPartition: boolean;
  /** Seconds: 60 or 600. */
  maxAggregationInterval: number;
  /** ACTIVE when it delivers. */
  status: string;
  /** SUCCESS or FAILED (with the reason in deliverLogsErrorMessage). */
  deliverLogsStatus?: string;
  deliverLogsErrorMessage?: string;
  creationTime?: string;
}

/** AWS's default flow log format (version 2), used when a flow log has no custom format. */
export const DEFAULT_FLOW_LOG_FORMAT =
  "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

export interface FlowLogQuery {
  /**
   * Flow logs on any of these resources (DescribeFlowLogs' `resource-id` filter takes all of them):
   * the ENIs, their subnets and their VPCs. All absent: every flow log of the scope; given lists that
   * are all empty: nothing.
   */
  networkInterfaceIds?: string[];
  subnetIds?: string[];
  vpcIds?: string[];
}

export interface S3Object {
  key: string;
  size: number;
  lastModified: string;
}

export interface ListObjectsOptions {
  /** The bucket's region when known (skips GetBucketLocation). */
  region?: string;
  /** ListObjectsV2's StartAfter: keys after this one only. */
  startAfter?: string;
  /** Stop after this many keys (default 100,000): the answer says it was truncated. */
  maxKeys?: number;
}

export interface GetObjectOptions {
  region?: string;
  /** Refuse objects larger than this (default 1 GiB): the partial file is removed and the call fails with kind "invalid" (code ObjectTooLarge). */
  maxBytes?: number;
}

export interface LogsQuery {
  logGroupNames: string[];
  /** ISO 8601 bounds. */
  start: string;
  end: string;
  /** The Logs Insights query text. */
  queryString: string;
  /** At most 10,000 (Logs Insights' own limit). */
  limit?: number;
}

export type LogsQueryStatus = "Scheduled" | "Running" | "Complete" | "Failed" | "Cancelled" | "Timeout" | "Unknown";

export interface LogsQueryResults {
  status: LogsQueryStatus;
  /** Each row: field name -> value, as Logs Insights returns them (strings). */
  rows: Record<string, string>[];
  statistics?: { recordsMatched: number; recordsScanned: number; bytesScanned: number };
}

export interface LogsReader {
  describeFlowLogs(scope: Scope, query: FlowLogQuery): Promise<FlowLog[]>;
  /** Objects under a prefix, in key order; complete up to `maxKeys`. A bucket that does not exist (or is not this account's) is a not-found error. */
  listObjects(accountId: string, bucket: string, prefix: string, opts?: ListObjectsOptions): Promise<{ objects: S3Object[]; truncated: boolean }>;
  /** Streams one object into `toFile` (created, mode 0600; never overwrites), bounded by `maxBytes`. */
  getObject(accountId: string, bucket: string, key: string, toFile: string, opts?: GetObjectOptions): Promise<{ bytes: number }>;
  /** Starts a Logs Insights query; the id is what getLogsQueryResults takes. */
  startLogsQuery(scope: Scope, query: LogsQuery): Promise<string>;
  getLogsQueryResults(scope: Scope, queryId: string): Promise<LogsQueryResults>;
}
