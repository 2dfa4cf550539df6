/**
 * CloudTrail LookupEvents: management events of the last 90 days, newest first. LookupEvents takes
 * one lookup attribute per call, so the most selective attribute given (access key, resource name,
 * user name) goes to AWS and the rest are filtered on our side; a query by several event names alone
 * is one call per name, merged.
 *
 * Its quota is 2 requests per second per account and region, far below the other APIs': every
 * page request waits its turn on the session's pacer (outside the concurrency slots, so waiting
 * for CloudTrail never holds up EC2 in the same region) instead of being throttled and retried.
 */
import { LookupEventsCommand, type Event as SdkEvent, type LookupAttribute } from "@aws-sdk/client-cloudtrail";
import type { Scope, TrailEvent } from "../model.ts";
import type { TrailQuery } from "../port.ts";
import { definedOnly, iso } from "./convert.ts";
import { target, type Ctx } from "./session.ts";


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
  const input = (attribute: LookupAttribute | undefined) => definedOnly({ StartTime: new Date(q.start), EndTime: new Date(q.end), LookupAttributes: attribute ? [attribute] : undefined });
  const lookup = async (attribute: LookupAttribute | undefined, keep: (e: SdkEvent) => boolean) => {
    const kept: SdkEvent[] = [];
    let token: string | undefined;
    do {
      await ctx.session.trailPacer.wait(`${scope.accountId}/${scope.region}`);
      const page = await ctx.session.run("cloudtrail.LookupEvents", target(ctx, scope), (ct) =>
        ct.send(new LookupEventsCommand({ ...input(attribute), ...(token ? { NextToken: token } : {}) })),
      );
      for (const e of page.Events ?? []) if (keep(e)) kept.push(e);
      token = page.NextToken;
    } while (token && kept.length < limit);
    return kept;
  };

  // One lookup attribute per call: the most selective one given goes to AWS, the others are applied here.
  const attrs: [LookupAttribute["AttributeKey"], string | undefined, (e: SdkEvent) => boolean][] = [
    ["AccessKeyId", q.accessKeyId, (e) => e.AccessKeyId === q.accessKeyId],
    ["ResourceName", q.resourceName, (e) => (e.Resources ?? []).some((r) => r.ResourceName === q.resourceName)],
    ["Username", q.username, (e) => e.Username === q.username],
  ];
  const given = attrs.filter(([, v]) => v !== undefined);
  const keepRest = (skip: number) => (e: SdkEvent) => (!names || names.has(e.EventName ?? "")) && given.every(([, , test], i) => i === skip || test(e));
  let events: SdkEvent[];
  if (given.length) {
    const [key, value] = given[0]!;
    events = await lookup({ AttributeKey: key, AttributeValue: value }, keepRest(0));
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
