/**
 * The simulator's log stores: flow log configurations per region, S3 objects per bucket (the log
 * files scenarios generate), CloudWatch Logs log groups (flow logs delivered there) and Logs
 * Insights queries. Kept in `SimState.logs`, created on first use.
 *
 * Logs Insights is simulated for the one query shape the investigation sends, and only that:
 *   fields @timestamp, @logStream, @message | filter @logStream like /^(eni-a|eni-b)-/ | sort @timestamp asc | limit N
 * (each part but `fields` optional). Any other query is refused with MalformedQueryException,
 * so a change to the query text fails the tests instead of silently matching everything.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { CloudError } from "../errors.ts";
import type { Scope } from "../model.ts";
import { DEFAULT_FLOW_LOG_FORMAT, type FlowLog, type FlowLogQuery, type GetObjectOptions, type ListObjectsOptions, type LogsQuery, type LogsQueryResults, type S3Object } from "../port-logs.ts";
import type { SimApi } from "./api.ts";
import { materializeFlowFiles, type PendingFlowFiles } from "./logs-estate.ts";
import { uuidOf } from "./ids.ts";
import type { SimState } from "./state.ts";

export interface SimObject {
  body: Uint8Array;
  lastModified: string;
}

export interface SimLogEvent {
  stream: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  message: string;
}

export interface LogsState {
  /** `account/region` -> flow logs. */
  flowLogs: Map<string, FlowLog[]>;
  /** `account/bucket` -> key -> object. */
  objects: Map<string, Map<string, SimObject>>;
  /** `account/region/logGroup` -> events. */
  logGroups: Map<string, SimLogEvent[]>;
  /** Query id -> its results (computed when started). */
  queries: Map<string, { scope: string; results: LogsQueryResults }>;
  queryCounter: number;
  /** `account/bucket` -> flow log files the estate's `logs:` section holds, written on first read (./logs-estate.ts). */
  pendingFlowFiles?: Map<string, PendingFlowFiles[]>;
}

export function logsOf(state: SimState): LogsState {
  state.logs ??= { flowLogs: new Map(), objects: new Map(), logGroups: new Map(), queries: new Map(), queryCounter: 0 };
  return state.logs;
}

const DEFAULT_MAX_KEYS = 100_000;
const DEFAULT_MAX_BYTES = 1024 ** 3;
const INSIGHTS_MAX = 10_000;

function err(kind: "invalid" | "not-found", code: string, message: string, action: string, where: { accountId?: string; region?: string } = {}): CloudError {
  return new CloudError(kind, message, { code, action, ...where });
}

// ---- writing the estate's logs (scenarios, tests) --------------------------------------------

export function addFlowLog(state: SimState, scope: Scope, fl: Partial<FlowLog> & Pick<FlowLog, "flowLogId" | "resourceId" | "destinationType">): FlowLog {
  const full: FlowLog = {
    trafficType: "ALL",
    logFormat: DEFAULT_FLOW_LOG_FORMAT,
    fileFormat: "plain-text",
    hiveCompatiblePartitions: false,
    perHourPartition: false,
    maxAggregationInterval: 600,
    status: "ACTIVE",
    deliverLogsStatus: "SUCCESS",
    ...fl,
  };
  if (full.destinationType === "s3" && !full.destination) full.destination = `arn:aws:s3:::${full.bucket}${full.prefix ? `/${full.prefix}` : ""}`;
  if (full.destinationType === "cloud-watch-logs" && !full.destination) full.destination = `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:${full.logGroupName}`;
  const key = `${scope.accountId}/${scope.region}`;
  const logs = logsOf(state);
  const list = logs.flowLogs.get(key) ?? [];
  list.push(full);
  logs.flowLogs.set(key, list);
  return full;
}

/** Puts an object into a bucket of the estate (the bucket is created in `region` when the account has none of that name). */
export function putObject(state: SimState, accountId: string, bucket: string, key: string, body: Uint8Array | string, opts: { region?: string; lastModified?: string } = {}): void {
  const acc = state.accounts.get(accountId);
  if (!acc) throw new Error(`no account ${accountId} in the estate`);
  if (!acc.buckets.has(bucket)) acc.buckets.set(bucket, { name: bucket, region: opts.region ?? "us-east-1", tags: {} });
  const logs = logsOf(state);
  const id = `${accountId}/${bucket}`;
  const objects = logs.objects.get(id) ?? new Map<string, SimObject>();
  objects.set(key, { body: typeof body === "string" ? Buffer.from(body) : body, lastModified: new Date(opts.lastModified ?? state.now ?? "2025-01-01T00:00:00Z").toISOString() });
  logs.objects.set(id, objects);
}

export function putLogEvents(state: SimState, scope: Scope, logGroupName: string, events: SimLogEvent[]): void {
  const logs = logsOf(state);
  const id = `${scope.accountId}/${scope.region}/${logGroupName}`;
  const list = logs.logGroups.get(id) ?? [];
  list.push(...events);
  list.sort((a, b) => a.timestamp - b.timestamp);
  logs.logGroups.set(id, list);
}

// ---- the API ---------------------------------------------------------------------------------

export function describeFlowLogs(api: SimApi, scope: Scope, q: FlowLogQuery): FlowLog[] {
  api.region(scope, "ec2:DescribeFlowLogs");
  const lists = [q.networkInterfaceIds, q.subnetIds, q.vpcIds].filter((l): l is string[] => l !== undefined);
  const wanted = lists.length === 0 ? undefined : new Set(lists.flat());
  const all = logsOf(api.state).flowLogs.get(`${scope.accountId}/${scope.region}`) ?? [];
  return structuredClone(all.filter((f) => !wanted || wanted.has(f.resourceId)));
}

function bucketObjects(api: SimApi, accountId: string, bucket: string, action: string): Map<string, SimObject> {
  const acc = api.account(accountId, action);
  materializeFlowFiles(api.state, accountId, bucket);
  if (!acc.buckets.has(bucket)) throw err("not-found", "NoSuchBucket", `The specified bucket ${bucket} does not exist in account ${accountId}`, action, { accountId });
  return logsOf(api.state).objects.get(`${accountId}/${bucket}`) ?? new Map();
}

export function listObjects(api: SimApi, accountId: string, bucket: string, prefix: string, opts: ListObjectsOptions = {}): { objects: S3Object[]; truncated: boolean } {
  const objects = bucketObjects(api, accountId, bucket, "s3:ListBucket");
  const max = opts.maxKeys ?? DEFAULT_MAX_KEYS;
  const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && (opts.startAfter === undefined || k > opts.startAfter)).sort();
  const out = keys.slice(0, max).map((key) => {
    const o = objects.get(key)!;
    return { key, size: o.body.byteLength, lastModified: o.lastModified };
  });
  return { objects: out, truncated: keys.length > max };
}

export function getObject(api: SimApi, accountId: string, bucket: string, key: string, toFile: string, opts: GetObjectOptions = {}): { bytes: number } {
  const action = "s3:GetObject";
  const o = bucketObjects(api, accountId, bucket, action).get(key);
  if (!o) throw err("not-found", "NoSuchKey", `The specified key does not exist: s3://${bucket}/${key}`, action, { accountId });
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (o.body.byteLength > max) throw err("invalid", "ObjectTooLarge", `s3://${bucket}/${key} is ${o.body.byteLength} bytes, over the ${max}-byte bound`, action, { accountId });
  const fd = openSync(toFile, "wx", 0o600);
  try {
    writeSync(fd, o.body);
  } finally {
    closeSync(fd);
  }
  return { bytes: o.body.byteLength };
}

/** The one Logs Insights query shape the simulator understands (see the module comment). */
const QUERY = /^\s*fields\s+(@[\w]+(?:\s*,\s*@[\w]+)*)\s*(?:\|\s*filter\s+@logStream\s+like\s+\/((?:[^/\\]|\\.)*)\/\s*)?(?:\|\s*sort\s+@timestamp\s+(asc|desc)\s*)?(?:\|\s*limit\s+(\d+)\s*)?$/;

function insightsTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

export function startLogsQuery(api: SimApi, scope: Scope, q: LogsQuery): string {
  const action = "logs:StartQuery";
  api.region(scope, action);
  const start = Date.parse(q.start);
  const end = Date.parse(q.end);
  if (Number.isNaN(start) || Number.isNaN(end) || start > end) throw err("invalid", "InvalidParameterException", `StartQuery needs a start before its end (got ${q.start}, ${q.end})`, action, scope);
  if (q.logGroupNames.length === 0) throw err("invalid", "InvalidParameterException", "StartQuery needs at least one log group", action, scope);
  const m = QUERY.exec(q.queryString);
  if (!m) throw err("invalid", "MalformedQueryException", `the simulator does not understand this query: ${q.queryString.slice(0, 200)}`, action, scope);
  const fields = m[1]!.split(",").map((f) => f.trim());
  const re = m[2] !== undefined ? new RegExp(m[2]) : undefined;
  const limit = Math.min(q.limit ?? INSIGHTS_MAX, m[4] !== undefined ? Number(m[4]) : INSIGHTS_MAX, INSIGHTS_MAX);
  const logs = logsOf(api.state);
  const events: SimLogEvent[] = [];
  let scanned = 0;
  let bytes = 0;
  for (const g of q.logGroupNames) {
    const list = logs.logGroups.get(`${scope.accountId}/${scope.region}/${g}`);
    if (!list) throw err("not-found", "ResourceNotFoundException", `Log group ${g} does not exist`, action, scope);
    for (const e of list) {
      // Logs Insights works on whole seconds: end is inclusive.
      if (e.timestamp < start || e.timestamp > end + 999) continue;
      scanned++;
      bytes += e.message.length;
      if (!re || re.test(e.stream)) events.push(e);
    }
  }
  events.sort((a, b) => (m[3] === "desc" ? b.timestamp - a.timestamp : a.timestamp - b.timestamp));
  const rows = events.slice(0, limit).map((e) => {
    const row: Record<string, string> = {};
    for (const f of fields) {
      if (f === "@timestamp") row[f] = insightsTime(e.timestamp);
      else if (f === "@logStream") row[f] = e.stream;
      else if (f === "@message") row[f] = e.message;
    }
    return row;
  });
  logs.queryCounter += 1;
  const id = uuidOf(`insights|${scope.accountId}|${scope.region}|${logs.queryCounter}`);
  logs.queries.set(id, { scope: `${scope.accountId}/${scope.region}`, results: { status: "Complete", rows, statistics: { recordsMatched: events.length, recordsScanned: scanned, bytesScanned: bytes } } });
  return id;
}

export function getLogsQueryResults(api: SimApi, scope: Scope, queryId: string): LogsQueryResults {
  const action = "logs:GetQueryResults";
  api.region(scope, action);
  const q = logsOf(api.state).queries.get(queryId);
  if (!q || q.scope !== `${scope.accountId}/${scope.region}`) throw err("not-found", "ResourceNotFoundException", `No query ${queryId}`, action, scope);
  return structuredClone(q.results);
}
