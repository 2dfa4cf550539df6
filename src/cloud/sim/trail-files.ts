/**
 * CloudTrail log files as a trail delivers them to S3, generated deterministically from the
 * simulator's trail events: gzip JSON `{"Records": [...]}` with the full CloudTrail records, one
 * file per account, region and 5-minute delivery interval, under
 * `[prefix/]AWSLogs/[o-id/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`
 * (the folder is the delivery day). Records in a file are oldest first, as CloudTrail writes them.
 */
import { gzipSync } from "node:zlib";
import type { TrailEvent } from "../model.ts";
import { hexOf } from "./ids.ts";
import { putObject } from "./logs.ts";
import type { SimState } from "./state.ts";

export interface TrailFileLayout {
  prefix?: string;
  organizationId?: string;
}

export interface TrailLogFile {
  key: string;
  body: Buffer;
  /** Records in the file. */
  records: number;
}

const INTERVAL_MS = 5 * 60_000;

const stamp = (t: number) => new Date(t).toISOString().replace(/[-:]/g, "").slice(0, 13) + "Z";

/** The files for one account and region. Events outside CloudTrail's shape (no detail) are written from their summary fields. */
export function trailLogFiles(events: TrailEvent[], accountId: string, region: string, layout: TrailFileLayout = {}): TrailLogFile[] {
  const groups = new Map<number, TrailEvent[]>();
  for (const e of events) {
    const t = Date.parse(e.eventTime);
    if (Number.isNaN(t)) continue;
    // Delivered at the end of its 5-minute interval plus 5 minutes (CloudTrail's typical delay).
    const delivered = Math.floor(t / INTERVAL_MS) * INTERVAL_MS + 2 * INTERVAL_MS;
    const g = groups.get(delivered);
    if (g) g.push(e);
    else groups.set(delivered, [e]);
  }
  const base = layout.prefix ? `${layout.prefix.replace(/^\/+|\/+$/g, "")}/` : "";
  const org = layout.organizationId ? `${layout.organizationId}/` : "";
  const out: TrailLogFile[] = [];
  for (const [delivered, group] of [...groups].sort((a, b) => a[0] - b[0])) {
    group.sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    const records = group.map((e) => (Object.keys(e.detail).length > 0 ? e.detail : { eventID: e.eventId, eventName: e.eventName, eventSource: e.eventSource, eventTime: e.eventTime, awsRegion: e.awsRegion, recipientAccountId: accountId }));
    const json = JSON.stringify({ Records: records });
    const day = new Date(delivered).toISOString().slice(0, 10).replace(/-/g, "/");
    const unique = hexOf(`${accountId}|${region}|${delivered}|${group.map((e) => e.eventId).join(",")}`, 16);
    out.push({
      key: `${base}AWSLogs/${org}${accountId}/CloudTrail/${region}/${day}/${accountId}_CloudTrail_${region}_${stamp(delivered)}_${unique}.json.gz`,
      body: gzipSync(json, { level: 6 }),
      records: records.length,
    });
  }
  return out;
}

/**
 * Delivers every account's and region's trail events of the estate as log files into a bucket of
 * `loc.accountId` (an organization trail's log archive): what the CloudTrail reader lists and
 * downloads with listObjects/getObject. Returns the number of files written.
 */
export function putTrailFiles(state: SimState, loc: TrailFileLayout & { accountId: string; bucket: string; region?: string }): number {
  let n = 0;
  for (const acc of state.accounts.values())
    for (const [region, rs] of acc.regions)
      for (const f of trailLogFiles(rs.trail, acc.accountId, region, loc)) {
        putObject(state, loc.accountId, loc.bucket, f.key, f.body, { region: loc.region ?? "us-east-1", lastModified: new Date(deliveryOf(f.key)).toISOString() });
        n++;
      }
  return n;
}

function deliveryOf(key: string): number {
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[0-9a-f]+\.json\.gz$/.exec(key)!;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
}
