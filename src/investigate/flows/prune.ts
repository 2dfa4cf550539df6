/**
 * Which flow-log objects in S3 can hold records of a window: the one rule the reader
 * (./index.ts) and the bench (bench/flows.bench.ts) both use to read less.
 *
 * AWS delivers a flow log to S3 as objects named
 * `{account}_vpcflowlogs_{region}_{flowLogId}_{YYYYMMDDTHHmmZ}_{hash}.log.gz` (or .parquet) in
 * `[prefix/]AWSLogs/{account}/vpcflowlogs/{region}/yyyy/mm/dd/[HH/]` (or the Hive-compatible
 * equivalent). Objects are published every 5 minutes, each holding records of traffic recorded in
 * the 5 minutes before; S3's Last-Modified is later than the name's time. A record is therefore in
 * an object named AFTER the record ended, and a record ends at most one aggregation interval
 * (10 minutes at most) after it starts; AWS adds its processing and delivery time (about
 * 10 minutes to S3, best effort).
 *
 * The rule: the records that start in [start, end) are read from the objects of the flow logs that
 * cover the ENIs (DescribeFlowLogs) whose name time lies in
 * [start - BEFORE, end + delivery slack]. BEFORE (10 minutes) only absorbs the name's minute
 * precision and clock skew (a record is never in an object named before it started). The slack
 * after (default 30 minutes: the 10-minute aggregation interval, the 5-minute publishing period,
 * and 15 minutes of delivery delay, above the 10 minutes AWS gives as typical) is configurable
 * (investigate.flowLogs.deliverySlackMinutes): a record delivered later than that is not read,
 * and the reader's evidence says which objects it read. The folders listed are the days (or
 * hours) of that same range: an object's folder is its name's date.
 */
import type { Scope } from "../../cloud/model.ts";
import type { FlowLog } from "../../cloud/port-logs.ts";

/** Seconds before the window's start whose objects are read. */
export const SLACK_BEFORE_SECONDS = 600;
/** Default minutes after the window's end whose objects are read (aggregation + publishing + delivery). */
export const DEFAULT_DELIVERY_SLACK_MINUTES = 30;

/** Epoch seconds: the name times of the objects to read, inclusive. */
export interface DeliveryRange {
  from: number;
  to: number;
}

/** The objects that can hold records starting in [start, end). */
export function deliveryRange(start: number, end: number, slackMinutes: number = DEFAULT_DELIVERY_SLACK_MINUTES): DeliveryRange {
  if (!Number.isFinite(slackMinutes) || slackMinutes < 0) throw new Error(`not a delivery slack: ${slackMinutes}`);
  return { from: start - SLACK_BEFORE_SECONDS, to: end + Math.round(slackMinutes * 60) };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The `dt` partition of a time: yyyy/MM/dd or yyyy/MM/dd/HH (UTC). */
export function dtOf(t: number, hourly: boolean): string {
  const d = new Date(t * 1000);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}${hourly ? `/${pad(d.getUTCHours())}` : ""}`;
}

/** The day (or hour) folders that hold the objects of the range. */
export function partitionsOf(range: DeliveryRange, hourly: boolean): string[] {
  const step = hourly ? 3600 : 86400;
  const out: string[] = [];
  for (let t = range.from - (range.from % step); t <= range.to; t += step) out.push(dtOf(t, hourly));
  return out;
}

/** The folder of a flow log's objects for one partition. */
export function partitionPrefix(fl: Pick<FlowLog, "prefix" | "hiveCompatiblePartitions">, scope: Scope, dt: string): string {
  const [y, m, d, h] = dt.split("/");
  const base = fl.prefix ? `${fl.prefix}/` : "";
  return fl.hiveCompatiblePartitions
    ? `${base}AWSLogs/aws-account-id=${scope.accountId}/aws-service=vpcflowlogs/aws-region=${scope.region}/year=${y}/month=${m}/day=${d}/${h ? `hour=${h}/` : ""}`
    : `${base}AWSLogs/${scope.accountId}/vpcflowlogs/${scope.region}/${y}/${m}/${d}/${h ? `${h}/` : ""}`;
}

/** The start of the object names of one flow log in a folder: listing with it skips the other flow logs' objects. */
export function objectNamePrefix(flowLogId: string, scope: Scope): string {
  return `${scope.accountId}_vpcflowlogs_${scope.region}_${flowLogId}_`;
}

/** The name time of a flow-log object (…_{flowLogId}_20250501T1005Z_…), epoch seconds; undefined when the name has none. */
export function objectTime(key: string): number | undefined {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[^_/]*$/.exec(name);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) / 1000 : undefined;
}

/** Whether the object is one of this flow log's and its name time is in the range. */
export function keepObject(key: string, flowLogId: string, range: DeliveryRange): boolean {
  const name = key.slice(key.lastIndexOf("/") + 1);
  if (!name.includes(`_${flowLogId}_`)) return false;
  const at = objectTime(name);
  return at !== undefined && at >= range.from && at <= range.to;
}

export interface FlowObject {
  key: string;
  size: number;
  /** The partition it was listed in. */
  dt: string;
}

/** Lists one folder with a key prefix: the keys and sizes, and whether the listing was cut short. */
export type ListFolder = (prefix: string) => Promise<{ objects: { key: string; size: number }[]; truncated: boolean }>;

/**
 * The objects of one flow log that can hold records of the range, listed folder by folder with the
 * flow log's own name prefix. A cut-short listing is an error (an object not listed is a record not
 * read, never silence).
 */
export async function flowLogObjects(list: ListFolder, fl: Pick<FlowLog, "flowLogId" | "prefix" | "hiveCompatiblePartitions" | "perHourPartition">, scope: Scope, range: DeliveryRange): Promise<FlowObject[]> {
  const out: FlowObject[] = [];
  for (const dt of partitionsOf(range, fl.perHourPartition)) {
    const listed = await list(partitionPrefix(fl, scope, dt) + objectNamePrefix(fl.flowLogId, scope));
    if (listed.truncated) throw new ListingCutShort(`the listing of ${partitionPrefix(fl, scope, dt)} for ${fl.flowLogId} was cut short`);
    for (const o of listed.objects) if (keepObject(o.key, fl.flowLogId, range)) out.push({ key: o.key, size: o.size, dt });
  }
  return out;
}

export class ListingCutShort extends Error {}
