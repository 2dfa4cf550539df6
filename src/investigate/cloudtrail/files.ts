/**
 * The organization trail's log files: list the partitions the plan needs
 * (AWSLogs/[o-id/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/), keep the files whose delivery time can
 * hold the window's events, download them into the work directory under their keys, and query
 * them with DuckDB (the `cloudtrail_logs` view) or, with `engine: athena`, query the table the DDL
 * defines over the same files in place. The same query text runs on both.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import type { TrailEvent } from "../../cloud/model.ts";
import type { DuckDbEngine, TrailLogFile } from "../sql/duckdb.ts";
import type { SqlEngine } from "../sql/engine.ts";
import type { NotSearched, TrailLogLocation } from "../types.ts";
import type { FoundEvent } from "./analyze.ts";
import type { TrailPlan } from "./plan.ts";
import { daysOf, DELIVERY_SLACK_MS, fileMayHoldWindow, trailQuerySql, trailRegionPrefix } from "./sql.ts";

/** What the files path needs of the cloud port (flow13's S3 reads). */
export interface TrailObjectReader {
  listObjects(accountId: string, bucket: string, prefix: string, opts?: { region?: string; maxKeys?: number }): Promise<{ objects: { key: string; size: number }[]; truncated: boolean }>;
  getObject(accountId: string, bucket: string, key: string, toFile: string, opts?: { region?: string; maxBytes?: number }): Promise<{ bytes: number }>;
}

export type TrailSqlEngine = SqlEngine;
/** DuckDB with the view `cloudtrail_logs` over local files (src/investigate/sql/duckdb.ts). */
export type TrailDuckDb = SqlEngine & Pick<DuckDbEngine, "registerCloudTrail">;

export interface TrailFilesLimits {
  /** Files downloaded at most (beyond: the rest is not searched, and said). */
  maxFiles: number;
  maxBytes: number;
  /** Rows read at most. */
  maxRows: number;
}

export const DEFAULT_FILES_LIMITS: TrailFilesLimits = { maxFiles: 20_000, maxBytes: 4 * 1024 ** 3, maxRows: 200_000 };

const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The partition prefixes to list: every account x region x day of the window (and the delivery slack after it). */
export function partitionPrefixes(loc: TrailLogLocation, plan: Pick<TrailPlan, "accounts" | "regions">, start: string, end: string): { accountId: string; region: string; dt: string; prefix: string }[] {
  const days = daysOf(start, new Date(Date.parse(end) + DELIVERY_SLACK_MS).toISOString());
  const out: { accountId: string; region: string; dt: string; prefix: string }[] = [];
  for (const accountId of plan.accounts) for (const region of plan.regions) for (const dt of days) out.push({ accountId, region, dt, prefix: `${trailRegionPrefix(loc, accountId, region)}${dt}/` });
  return out;
}

/** Runs `fn` over items, `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

export interface DownloadResult {
  files: TrailLogFile[];
  bytes: number;
  partitions: number;
  notSearched: NotSearched[];
}

/** Lists and downloads only the needed partitions' files into `dir` (kept under their keys). */
export async function downloadTrailFiles(
  s3: TrailObjectReader,
  loc: TrailLogLocation,
  plan: Pick<TrailPlan, "accounts" | "regions">,
  window: { start: string; end: string },
  dir: string,
  limits: TrailFilesLimits = DEFAULT_FILES_LIMITS,
  signal?: AbortSignal,
): Promise<DownloadResult> {
  const result: DownloadResult = { files: [], bytes: 0, partitions: 0, notSearched: [] };
  const parts = partitionPrefixes(loc, plan, window.start, window.end);
  result.partitions = parts.length;
  const wanted: { key: string; size: number; part: (typeof parts)[number] }[] = [];
  await pool(parts, 8, async (part) => {
    signal?.throwIfAborted();
    try {
      const listed = await s3.listObjects(loc.accountId, loc.bucket, part.prefix, { region: loc.region });
      for (const o of listed.objects) if (fileMayHoldWindow(o.key, window.start, window.end)) wanted.push({ ...o, part });
      if (listed.truncated) result.notSearched.push({ what: `trail files after the first listed under s3://${loc.bucket}/${part.prefix}`, scope: { accountId: part.accountId, region: part.region }, reason: "the listing was truncated" });
    } catch (e) {
      result.notSearched.push({ what: `trail files under s3://${loc.bucket}/${part.prefix}`, scope: { accountId: part.accountId, region: part.region }, reason: reasonOf(e) });
    }
  });
  wanted.sort((a, b) => (a.key < b.key ? -1 : 1));
  const root = resolve(dir);
  let planned = 0;
  const take: typeof wanted = [];
  for (const w of wanted) {
    if (take.length >= limits.maxFiles || planned + w.size > limits.maxBytes) {
      result.notSearched.push({ what: `${wanted.length - take.length} trail files (of ${wanted.length}) beyond the download limits`, reason: `at most ${limits.maxFiles} files and ${limits.maxBytes} bytes are downloaded; narrow the window or use --engine athena` });
      break;
    }
    planned += w.size;
    take.push(w);
  }
  await pool(take, 8, async (w) => {
    signal?.throwIfAborted();
    // Keys come from the bucket: one that would leave the work directory is refused.
    const file = resolve(root, w.key);
    if (!file.startsWith(root + sep) || w.key.includes("\0")) {
      result.notSearched.push({ what: `trail file s3://${loc.bucket}/${w.key.slice(0, 200)}`, reason: "its key does not name a file under the work directory" });
      return;
    }
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const got = await s3.getObject(loc.accountId, loc.bucket, w.key, file, { region: loc.region, maxBytes: Math.max(1, limits.maxBytes - result.bytes) });
      result.bytes += got.bytes;
      result.files.push({ path: file, accountId: w.part.accountId, region: w.part.region, dt: w.part.dt });
    } catch (e) {
      result.notSearched.push({ what: `trail file s3://${loc.bucket}/${w.key}`, scope: { accountId: w.part.accountId, region: w.part.region }, reason: reasonOf(e) });
    }
  });
  result.files.sort((a, b) => (a.path < b.path ? -1 : 1));
  return result;
}

const s = (v: unknown) => (typeof v === "string" && v !== "" ? v : v === null || v === undefined ? undefined : String(v));

function parseJson(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "object") return v as Record<string, unknown>;
  try {
    const o = JSON.parse(String(v)) as unknown;
    return o && typeof o === "object" && !Array.isArray(o) ? (o as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A result row (the same columns on both engines) as the event LookupEvents would have returned. */
export function eventOfRow(row: Record<string, unknown>): FoundEvent {
  const userIdentity: Record<string, unknown> = {};
  for (const [col, field] of [
    ["identity_type", "type"],
    ["identity_arn", "arn"],
    ["identity_principalid", "principalId"],
    ["identity_accountid", "accountId"],
    ["identity_accesskeyid", "accessKeyId"],
    ["identity_username", "userName"],
    ["identity_invokedby", "invokedBy"],
  ] as const) {
    const v = s(row[col]);
    if (v !== undefined) userIdentity[field] = v;
  }
  const detail: Record<string, unknown> = {
    eventID: s(row.eventid),
    eventTime: s(row.eventtime),
    eventSource: s(row.eventsource),
    eventName: s(row.eventname),
    awsRegion: s(row.awsregion),
    sourceIPAddress: s(row.sourceipaddress),
    userAgent: s(row.useragent),
    userIdentity,
    requestParameters: parseJson(row.requestparameters),
    responseElements: parseJson(row.responseelements),
    recipientAccountId: s(row.recipientaccountid),
  };
  if (s(row.errorcode)) detail.errorCode = s(row.errorcode);
  if (s(row.vpcendpointid)) detail.vpcEndpointId = s(row.vpcendpointid);
  const ev: TrailEvent = {
    eventId: s(row.eventid) ?? "",
    eventName: s(row.eventname) ?? "",
    eventSource: s(row.eventsource) ?? "",
    eventTime: s(row.eventtime) ?? "",
    awsRegion: s(row.awsregion) ?? "",
    resources: [],
    detail,
  };
  const user = s(userIdentity.userName) ?? (typeof userIdentity.principalId === "string" && userIdentity.type === "AssumedRole" ? userIdentity.principalId.split(":").pop() : undefined);
  if (user) ev.username = user;
  if (s(userIdentity.accessKeyId)) ev.accessKeyId = s(userIdentity.accessKeyId);
  if (s(row.sourceipaddress)) ev.sourceIpAddress = s(row.sourceipaddress);
  return { ...ev, accountId: s(row.aws_account_id) ?? s(row.recipientaccountid) ?? "" };
}

/** The query for the plan (the same text on both engines). */
export function planSql(plan: TrailPlan, window: { start: string; end: string }): string {
  return trailQuerySql({ accounts: plan.accounts, regions: plan.regions, start: window.start, end: window.end, resourceIds: plan.resourceIds, accessKeyIds: plan.accessKeyIds, userNames: plan.userNames, sessionNames: plan.sessionNames, roleArns: plan.roleArns });
}

/** Runs the query and reads every page, bounded. */
export async function readRows(engine: TrailSqlEngine, sql: string, maxRows: number, signal?: AbortSignal): Promise<{ events: FoundEvent[]; truncated: boolean }> {
  const events: FoundEvent[] = [];
  for await (const page of engine.query(sql)) {
    signal?.throwIfAborted();
    for (const row of page) {
      if (events.length >= maxRows) return { events, truncated: true };
      events.push(eventOfRow(row));
    }
  }
  return { events, truncated: false };
}

