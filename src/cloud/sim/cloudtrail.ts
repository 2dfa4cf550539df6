/**
 * The simulated CloudTrail LookupEvents: the region's management events of the last 90 days,
 * newest first, by time window, event name, resource, user name or access key. The events
 * themselves are built in ./trail.ts; the simulator's writes are logged by ./core.ts.
 */
import type { Scope, TrailEvent } from "../model.ts";
import type { TrailQuery } from "../port.ts";
import { invalid, type SimCore } from "./core.ts";

/** CloudTrail keeps management events for 90 days (LookupEvents). */
const TRAIL_DAYS = 90;

export function lookupEvents(api: SimCore, scope: Scope, q: TrailQuery): TrailEvent[] {
  const rs = api.region(scope, "cloudtrail:LookupEvents");
  const start = Date.parse(q.start);
  const end = Date.parse(q.end);
  if (Number.isNaN(start) || Number.isNaN(end)) throw invalid("InvalidTimeRangeException", `LookupEvents needs ISO 8601 start and end (got ${q.start}, ${q.end})`, "cloudtrail:LookupEvents", scope);
  if (start > end) throw invalid("InvalidTimeRangeException", `LookupEvents start ${q.start} is after end ${q.end}`, "cloudtrail:LookupEvents", scope);
  const oldest = api.now().getTime() - TRAIL_DAYS * 86_400_000;
  const out: TrailEvent[] = [];
  for (const ev of rs.trail) {
    const t = Date.parse(ev.eventTime);
    if (t > end || t < start || t < oldest) continue;
    if (q.eventNames && !q.eventNames.includes(ev.eventName)) continue;
    if (q.resourceName !== undefined && !ev.resources.some((r) => r.name === q.resourceName)) continue;
    if (q.username !== undefined && ev.username !== q.username) continue;
    if (q.accessKeyId !== undefined && ev.accessKeyId !== q.accessKeyId) continue;
    out.push(structuredClone(ev));
    if (q.limit !== undefined && out.length >= q.limit) break;
  }
  return out;
}
