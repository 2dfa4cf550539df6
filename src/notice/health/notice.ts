/**
 * HealthEvent -> Notice. The event code decides the activity; the description (often the full text
 * of the abuse notice) is read like any notice text for the rest; times, regions, accounts and
 * affected entities come from the event's own fields.
 */
import type { Notice, ResourceType, Source } from "../types.ts";
import { classifyHealthCode, isAbuseOrRiskCode } from "../extract/activity.ts";
import { NoticeBuilder, P, extractText, type TextSignals } from "../extract/index.ts";
import { findIPs, isAccessKeyId, isInstanceId, normalizeAccountId, parseArn } from "../extract/ids.ts";
import { isRedactedId, isRedactedText } from "../extract/redaction.ts";
import { regionCode } from "../extract/regions.ts";
import { excerpt } from "../extract/text.ts";
import { findTime, isoUTC } from "../extract/times.ts";
import { decide } from "../classify.ts";
import type { HealthEvent } from "./event.ts";

function src(label: string, value: string): Source {
  return { part: "event", label, excerpt: excerpt(value) };
}

export function healthEventToNotice(e: HealthEvent, opts: { receivedAt?: string | undefined } = {}): Notice {
  const b = new NoticeBuilder();
  for (const [label, value] of e.flat) b.field({ label, value, source: src(label, value) });
  const p = e.path;

  // receipt: the envelope time, else the event's last update, else its start
  const when = [e.time, e.lastUpdatedTime, e.startTime].map((t) => (t ? eventTime(t) : null)).find((t) => t !== null) ?? null;
  const receivedAt = opts.receivedAt ?? when?.iso ?? null;
  const reference = receivedAt ? new Date(receivedAt) : null;

  const codeType = e.code ? classifyHealthCode(e.code) : null;
  const codeSrc = src(`${p}.eventTypeCode`, e.code);
  if (codeType) b.offer("activity", { type: codeType, text: e.code }, P.event, codeSrc);
  else if (e.code) b.offer("activity", { type: "other", text: e.code }, P.weak + 1, codeSrc);
  if (!e.code) b.warn("the event has no eventTypeCode");
  else if (!isAbuseOrRiskCode(e.code)) b.warn(`${e.code} is not an AWS Health abuse or risk event`);
  else if (!codeType) b.warn(`unknown AWS Health event code ${e.code}: kept as "other"`);
  if (e.source && e.source !== "aws.health") b.warn(`the event's source is "${e.source}", not aws.health`);

  const t0 = e.startTime ? eventTime(e.startTime) : null;
  if (t0) b.offer("begin", t0.iso, P.event, src(`${p}.startTime`, e.startTime!));
  const t1 = e.endTime ? eventTime(e.endTime) : null;
  if (t1) b.offer("end", t1.iso, P.event, src(`${p}.endTime`, e.endTime!));

  const regionOf = (r: string | undefined, label: string) => {
    const code = r ? regionCode(r) : null;
    if (code) b.add("regions", code, src(label, r!));
    return code;
  };
  regionOf(e.region, `${p}.${"eventRegion"}`);

  for (const a of e.accountIds) {
    const id = normalizeAccountId(a);
    if (id) b.add("accountIds", id, src("account", a));
    else if (isRedactedId(a) || isRedactedText(a)) b.redact("accountIds", a, src("account", a));
  }

  const credentials = codeType === "credentials_exposed";
  for (const ent of e.entities) entity(b, ent.value, src(ent.label, ent.value), credentials);

  let signals: TextSignals = { kinds: new Set(), hasReporterReport: false, reporterUrls: [] };
  if (e.description) signals = extractText({ text: e.description, part: "event", label: `${p}.eventDescription`, reference }, b);
  // the event ARN's region, then the envelope's (the bus's), only when nothing more specific names one
  const arn = e.arn ? parseArn(e.arn) : null;
  if (b.list("regions").length === 0 && arn && arn.region) regionOf(arn.region, `${p}.eventArn`);
  if (b.list("regions").length === 0 && e.envelopeRegion) regionOf(e.envelopeRegion, "region");

  const receivedMs = receivedAt ? Date.parse(receivedAt) : null;
  const d = decide(b, signals, { health: true, receivedMs });
  if (d.activityType === "other" && e.code && codeType === null) d.activityText = e.code;
  const health: Notice["health"] = { eventTypeCode: e.code };
  if (e.service) health.service = e.service;
  if (e.category) health.category = e.category;
  if (e.arn) health.arn = e.arn;
  if (e.statusCode) health.statusCode = e.statusCode;
  if (e.source) health.source = e.source;
  health.fetchedFromApi = false;
  return b.build({
    format: "health-event",
    kind: d.kind,
    activityType: d.activityType,
    activityText: d.activityText,
    subject: null,
    from: null,
    messageId: null,
    receivedAt,
    deadline: d.deadline,
    health,
  });
}

/**
 * A time field of an event: text in any format the time parser reads, or seconds since the epoch
 * (`1709528712.0`, as the AWS CLI v1 and some SDK dumps print timestamps). Only event fields are read
 * as epoch numbers: in prose a ten-digit number is a case or an account.
 */
function eventTime(t: string): { iso: string } | null {
  const epoch = /^(\d{9,10})(?:\.(\d{1,6}))?$/.exec(t.trim());
  if (epoch) return { iso: isoUTC(Number(epoch[1]) * 1000 + (epoch[2] ? Math.floor(Number(`0.${epoch[2]}`) * 1000) : 0)) };
  return findTime(t);
}

/** An affected entity: an ARN, an instance id, an access key, an IP, or a placeholder. */
export function entity(b: NoticeBuilder, value: string, s: Source, credentials: boolean): void {
  const v = value.trim();
  if (v.startsWith("arn:")) {
    const a = parseArn(v);
    if (!a) return;
    const acct = normalizeAccountId(a.accountId);
    if (acct) b.add("accountIds", acct, s);
    else if (a.accountId) b.redact("accountIds", a.accountId, s);
    const region = a.region ? regionCode(a.region) : null;
    const base = { arn: v, source: s, ...(acct ? { accountId: acct } : {}), ...(region ? { region } : {}) };
    if (region) b.add("regions", region, s);
    const m = /^instance\/(.+)$/.exec(a.resource);
    if (a.service === "ec2" && m) {
      if (isInstanceId(m[1]!)) b.resource({ type: "ec2-instance", id: m[1]!, ...base });
      else b.redact("instanceIds", m[1]!, s);
      return;
    }
    const kinds: [string, RegExp, ResourceType][] = [
      ["ec2", /^network-interface\/(.+)$/, "network-interface"],
      ["ec2", /^natgateway\/(.+)$/, "nat-gateway"],
      ["ec2", /^(?:elastic-ip|eip-allocation)\/(.+)$/, "elastic-ip"],
      ["elasticloadbalancing", /^loadbalancer\/(?:app\/|net\/|gwy\/)?([^/]+)/, "load-balancer"],
      ["s3", /^([^/]+)/, "s3-bucket"],
      ["cloudfront", /^distribution\/(.+)$/, "cloudfront-distribution"],
      ["lightsail", /^Instance\/(.+)$/i, "lightsail-instance"],
      ["iam", /^user\/(?:.*\/)?(.+)$/, "iam-user"],
      ["ses", /^identity\/(.+)$/, "ses-identity"],
      ["lambda", /^function:([^:]+)/, "lambda-function"],
    ];
    for (const [svc, re, type] of kinds) {
      const k = a.service === svc ? re.exec(a.resource) : null;
      if (k) return b.resource({ type, id: k[1]!, ...base });
    }
    b.resource({ type: "other", id: a.resource, ...base });
    return;
  }
  if (isInstanceId(v)) return b.resource({ type: "ec2-instance", id: v, source: s });
  if (isAccessKeyId(v)) return b.resource({ type: "access-key", id: v, source: s });
  const ip = findIPs(v)[0];
  if (ip && ip.ip === v) return b.resource({ type: "public-ip", id: v, source: s });
  if (isRedactedId(v) || isRedactedText(v) || /^[A-Z_]+$/.test(v)) {
    b.redact(credentials ? "accessKeyIds" : /^i-/.test(v) ? "instanceIds" : "resources", v, s);
    return;
  }
  if (/^(?:[a-z0-9-]+\.)+[a-z]{2,}$/i.test(v) || /@/.test(v)) return b.resource({ type: "ses-identity", id: v.toLowerCase(), source: s });
  b.resource({ type: "other", id: v, source: s });
}
