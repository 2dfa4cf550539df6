/**
 * CloudTrail LookupEvents: management events of the last 90 days, newest first. LookupEvents takes
 * one lookup attribute per call, so a query by resource name filters event names on our side, and a
 * query by several event names is one call per name, merged.
 */
import { paginateLookupEvents, type Event as SdkEvent, type LookupAttribute } from "@aws-sdk/client-cloudtrail";
import type { Scope, TrailEvent } from "../model.ts";
import type { TrailQuery } from "../port.ts";
import { definedOnly, iso } from "./convert.ts";
import { allPages, type AwsSession, type Purpose } from "./session.ts";

type Ctx = { session: AwsSession; purpose: Purpose };

function parseDetail(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toTrailEvent(e: SdkEvent, region: string): TrailEvent {
  const detail = parseDetail(e.CloudTrailEvent);
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return definedOnly({
    eventId: e.EventId ?? "",
    eventName: e.EventName ?? "",
    eventSource: e.EventSource ?? "",
    eventTime: iso(e.EventTime) ?? "",
    awsRegion: str(detail.awsRegion) ?? region,
    username: e.Username,
    accessKeyId: e.AccessKeyId,
    sourceIpAddress: str(detail.sourceIPAddress),
    resources: (e.Resources ?? []).map((r) => definedOnly({ type: r.ResourceType, name: r.ResourceName })),
    detail,
  });
}

export async function lookupEvents(ctx: Ctx, scope: Scope, q: TrailQuery): Promise<TrailEvent[]> {
  const limit = q.limit ?? Infinity;
  const names = q.eventNames ? new Set(q.eventNames) : undefined;
  if (names?.size === 0) return [];
  const lookup = async (attribute: LookupAttribute | undefined, keep: (e: SdkEvent) => boolean) =>
    ctx.session.run("cloudtrail.LookupEvents", { ...scope, purpose: ctx.purpose }, async (ct) => {
      const kept: SdkEvent[] = [];
      await allPages(
        paginateLookupEvents,
        ct,
        definedOnly({ StartTime: new Date(q.start), EndTime: new Date(q.end), LookupAttributes: attribute ? [attribute] : undefined }),
        (pages) => {
          const last = pages[pages.length - 1];
          for (const e of last?.Events ?? []) if (keep(e)) kept.push(e);
          return kept.length >= limit;
        },
      );
      return kept;
    });

  let events: SdkEvent[];
  if (q.resourceName !== undefined) {
    events = await lookup({ AttributeKey: "ResourceName", AttributeValue: q.resourceName }, (e) => !names || names.has(e.EventName ?? ""));
  } else if (names) {
    const parts = await Promise.all([...names].map((n) => lookup({ AttributeKey: "EventName", AttributeValue: n }, () => true)));
    events = parts.flat();
  } else {
    events = await lookup(undefined, () => true);
  }
  const unique = [...new Map(events.map((e) => [e.EventId ?? "", e])).values()];
  unique.sort((a, b) => (b.EventTime?.getTime() ?? 0) - (a.EventTime?.getTime() ?? 0));
  return unique.slice(0, limit).map((e) => toTrailEvent(e, scope.region));
}
