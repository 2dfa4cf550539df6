/**
 * AWS Health events in every shape they are handed over:
 *  - the EventBridge delivery (`detail-type`, `source`, `account`, `time`, `region`, `resources`, `detail`),
 *  - the PutEvents input (`DetailType`, `Source`, `Time`, `Resources`, `Detail` as a JSON string), alone, in
 *    an array or in `{ "Entries": [...] }`,
 *  - the Health API: DescribeEvents `{ events: [...] }`, DescribeEventDetails(ForOrganization)
 *    `{ successfulSet: [{ event, eventDescription, awsAccountId }] }`, a bare `event` object,
 *  - wrappers: an SNS notification (`Message` as a string), SQS records (`body`),
 *  - fragments that are not JSON on their own (read by ./json.ts).
 * All become one normal form, HealthEvent.
 */
import { parseJsonLenient } from "./json.ts";

export interface HealthEvent {
  code: string;
  service?: string;
  category?: string;
  arn?: string;
  /** `detail.eventRegion` or the API event's `region`. */
  region?: string;
  /** The EventBridge envelope's `region` (often `global` or the region of the bus). */
  envelopeRegion?: string;
  startTime?: string;
  endTime?: string;
  lastUpdatedTime?: string;
  statusCode?: string;
  scope?: string;
  /** `aws.health`, or `awsmock.health` in AWS's own test payloads. */
  source?: string;
  detailType?: string;
  /** The envelope's `time`. */
  time?: string;
  accountIds: string[];
  /** Envelope `resources` and `affectedEntities[].entityValue`, in order. */
  entities: { value: string; label: string }[];
  description?: string;
  /** Prefix of labels for provenance: `detail`, `event`, `Detail`. */
  path: string;
  /** Every scalar of the event, flattened (`detail.eventTypeCode`), for the `fields` list. */
  flat: [string, string][];
  /** The JSON value the event was read from (an array element, a successfulSet item). */
  original: unknown;
}

const MAX_WALK = 10_000;

/** Finds every Health event in a parsed JSON value. */
export function findHealthEvents(value: unknown): HealthEvent[] {
  const out: HealthEvent[] = [];
  walk(value, out, 0, { n: 0 });
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function parseMaybe(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const t = v.trim();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  try {
    return parseJsonLenient(t);
  } catch {
    return undefined;
  }
}

function walk(v: unknown, out: HealthEvent[], depth: number, budget: { n: number }): void {
  if (depth > 12 || ++budget.n > MAX_WALK || out.length > 10_000) return;
  if (Array.isArray(v)) {
    for (const x of v) walk(x, out, depth + 1, budget);
    return;
  }
  if (!isObj(v)) return;
  const detailType = str(v["detail-type"] ?? v.DetailType ?? v.detailType);
  const detailRaw = v.detail ?? v.Detail;
  if (detailRaw !== undefined && (detailType !== undefined || str(v.source ?? v.Source)?.includes("health"))) {
    const detail = isObj(detailRaw) ? detailRaw : parseMaybe(detailRaw);
    if (isObj(detail)) {
      out.push({ ...fromEnvelope(v, detail, detailType, "detail" in v ? "detail" : "Detail"), original: v });
      return;
    }
  }
  if (Array.isArray(v.Entries)) return walk(v.Entries, out, depth + 1, budget);
  if (Array.isArray(v.successfulSet)) {
    for (const item of v.successfulSet) {
      if (!isObj(item) || !isObj(item.event)) continue;
      const e = fromApiEvent(item.event, "event");
      const d = isObj(item.eventDescription) ? str(item.eventDescription.latestDescription) : undefined;
      if (d) e.description = d;
      const acct = str(item.awsAccountId);
      if (acct) e.accountIds.push(acct);
      addFlat(e.flat, "eventDescription", item.eventDescription);
      if (isObj(item.eventMetadata)) addFlat(e.flat, "eventMetadata", item.eventMetadata);
      e.original = item;
      out.push(e);
    }
    return;
  }
  if (Array.isArray(v.events)) {
    for (const item of v.events) if (isObj(item) && (item.eventTypeCode || item.arn)) out.push({ ...fromApiEvent(item, "event"), original: item });
    return;
  }
  if (isObj(v.event) && (v.event.eventTypeCode !== undefined || v.event.arn !== undefined)) {
    const e = fromApiEvent(v.event, "event");
    const d = isObj(v.eventDescription) ? str(v.eventDescription.latestDescription) : str(v.eventDescription);
    if (d) e.description = d;
    if (Array.isArray(v.affectedEntities) || Array.isArray(v.entities)) addEntities(e, (v.affectedEntities ?? v.entities) as unknown[], "affectedEntities");
    const acct = str(v.awsAccountId);
    if (acct) e.accountIds.push(acct);
    e.original = v;
    out.push(e);
    return;
  }
  if (v.eventTypeCode !== undefined && (v.eventArn !== undefined || v.arn !== undefined || v.service !== undefined)) {
    out.push({ ...(v.eventArn !== undefined ? fromEnvelope({}, v, undefined, "detail") : fromApiEvent(v, "event")), original: v });
    return;
  }
  // wrappers: SNS notification, SQS message / Lambda records
  const inner = parseMaybe(v.Message ?? v.message ?? v.body ?? v.Body);
  if (inner !== undefined) return walk(inner, out, depth + 1, budget);
  if (Array.isArray(v.Records)) return walk(v.Records, out, depth + 1, budget);
  if (Array.isArray(v.Messages)) return walk(v.Messages, out, depth + 1, budget);
  if (isObj(v.Sns)) return walk(v.Sns, out, depth + 1, budget);
}

function addFlat(flat: [string, string][], prefix: string, v: unknown, depth = 0): void {
  if (flat.length > 500 || depth > 6) return;
  if (Array.isArray(v)) v.forEach((x, i) => addFlat(flat, `${prefix}[${i}]`, x, depth + 1));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) addFlat(flat, `${prefix}.${k}`, x, depth + 1);
  else {
    const s = str(v) ?? (typeof v === "boolean" ? String(v) : undefined);
    if (s !== undefined) flat.push([prefix, s.length > 2000 ? s.slice(0, 2000) : s]);
  }
}

function addEntities(e: HealthEvent, list: unknown[], label: string): void {
  list.forEach((x, i) => {
    if (isObj(x)) {
      const val = str(x.entityValue) ?? str(x.entityArn);
      if (val) e.entities.push({ value: val, label: `${label}[${i}].entityValue` });
      const acct = str(x.awsAccountId);
      if (acct) e.accountIds.push(acct);
    } else {
      const val = str(x);
      if (val) e.entities.push({ value: val, label: `${label}[${i}]` });
    }
  });
}

function fromEnvelope(env: Record<string, unknown>, d: Record<string, unknown>, detailType: string | undefined, path: string): HealthEvent {
  const e: HealthEvent = {
    code: str(d.eventTypeCode) ?? "",
    accountIds: [],
    entities: [],
    path,
    flat: [],
    original: d,
  };
  const set = <K extends keyof HealthEvent>(k: K, v: HealthEvent[K] | undefined) => {
    if (v !== undefined) e[k] = v;
  };
  set("service", str(d.service));
  set("category", str(d.eventTypeCategory));
  set("arn", str(d.eventArn ?? d.arn));
  set("region", str(d.eventRegion ?? d.region));
  set("envelopeRegion", str(env.region ?? env.Region));
  set("startTime", str(d.startTime));
  set("endTime", str(d.endTime));
  set("lastUpdatedTime", str(d.lastUpdatedTime));
  set("statusCode", str(d.statusCode));
  set("scope", str(d.eventScopeCode));
  set("source", str(env.source ?? env.Source));
  set("detailType", detailType);
  set("time", str(env.time ?? env.Time));
  const acct = str(env.account ?? env.Account ?? d.affectedAccount);
  if (acct) e.accountIds.push(acct);
  const res = env.resources ?? env.Resources;
  if (Array.isArray(res)) addEntities(e, res, "resources");
  if (Array.isArray(d.affectedEntities)) addEntities(e, d.affectedEntities, `${path}.affectedEntities`);
  if (Array.isArray(d.eventDescription)) {
    const en = d.eventDescription.find((x) => isObj(x) && /^en/i.test(str(x.language) ?? "en")) ?? d.eventDescription[0];
    if (isObj(en)) set("description", str(en.latestDescription));
  } else if (isObj(d.eventDescription)) set("description", str(d.eventDescription.latestDescription));
  for (const [k, v] of Object.entries(env)) if (k !== "detail" && k !== "Detail") addFlat(e.flat, k, v);
  addFlat(e.flat, path, d);
  return e;
}

function fromApiEvent(ev: Record<string, unknown>, path: string): HealthEvent {
  const e = fromEnvelope({}, ev, undefined, path);
  e.arn = str(ev.arn ?? ev.eventArn);
  if (e.arn === undefined) delete e.arn;
  return e;
}
