/**
 * The AWS Health source: polls the Health API for `ABUSE` and `RISK` events (the account's own view,
 * or the organization view when enabled), reads each event's details and affected entities, and
 * hands the service one Arrival per event (per event and account in the organization view) whose
 * raw bytes are the API's own answer, in the shape src/notice/health reads:
 *
 *   { "event": {arn, service, eventTypeCode, region, startTime, lastUpdatedTime, statusCode...},
 *     "eventDescription": {"latestDescription": "..."}, "eventMetadata": {...},
 *     "affectedEntities": [{"entityValue": "...", ...}], "awsAccountId": "..." }
 *
 * The cursor (SourceCursorStore) is the latest `lastUpdatedTime` kept; each poll asks from it
 * minus an overlap (the API is eventually consistent), oldest first, and advances only past what
 * the sink kept. A re-read event is the same `ref` (ARN, account, lastUpdatedTime): the store says
 * duplicate. An update of an event (new description, closed) has a new lastUpdatedTime: a new
 * arrival, which the service joins to the event's case.
 *
 * The endpoint: the Health API is served from one active region of a pair (us-east-1 and
 * us-east-2 in the commercial partition, active-passive behind DNS); AWS documents finding the
 * active one by a DNS lookup of global.health.amazonaws.com (a CNAME to health.<region>.amazonaws.com)
 * and signing for that region. `region: auto` does that, tries the active region first and the
 * other one when the first is unavailable. An explicit region (GovCloud, China, a pinned choice)
 * is used alone.
 */
import { createHash } from "node:crypto";
import { promises as dns } from "node:dns";
import {
  DescribeAffectedAccountsForOrganizationCommand,
  DescribeAffectedEntitiesCommand,
  DescribeAffectedEntitiesForOrganizationCommand,
  DescribeEventDetailsCommand,
  DescribeEventDetailsForOrganizationCommand,
  DescribeEventsCommand,
  DescribeEventsForOrganizationCommand,
  HealthClient,
  type AffectedEntity,
  type Event as HealthApiEvent,
} from "@aws-sdk/client-health";
import { z } from "zod";
import {
  backoffMs,
  clientConfig,
  endpointUrl,
  inWords,
  isRefusal,
  isUnavailable,
  regionCode,
  scrub,
  sourceName,
  type AwsSourceDeps,
} from "./aws-common.ts";
import { sleep, SourceStatus } from "./status.ts";
import type { Arrival, ArrivalSink, IntakeSource, SourceCursorStore, SourceHealth } from "./types.ts";

/** `meta.origin` of an arrival this source fetched from the Health API itself. */
export const HEALTH_API_ORIGIN = "aws-health-api";

/**
 * Whether an arrival's bytes were fetched from the AWS Health API by this desk (so the verifier may
 * treat the event as authentic by source: `notice.health.fetchedFromApi`). Decided by the kind of
 * the source that produced it and the mark that source sets, never by the bytes: an SQS body or a
 * dropped file saying anything about itself is not an API answer.
 */
export function fetchedFromHealthApi(arrival: Pick<Arrival, "meta">, sourceKind: string): boolean {
  return sourceKind === "health" && arrival.meta?.origin === HEALTH_API_ORIGIN;
}

/** The pair AWS documents for the commercial partition's Health API, active first by default. */
export const HEALTH_REGIONS = ["us-east-1", "us-east-2"] as const;
export const HEALTH_GLOBAL_HOST = "global.health.amazonaws.com";

export const healthSourceSchema = z
  .object({
    name: sourceName.default("health"),
    /** The organization view (DescribeEventsForOrganization...): from the management or delegated administrator account. */
    organization: z.boolean().default(false),
    services: z.array(z.enum(["ABUSE", "RISK"])).min(1).default(["ABUSE", "RISK"]),
    /** Seconds between polls. */
    pollSeconds: z.number().int().min(30).max(3600).default(300),
    /** With no cursor yet (first start): how far back to read. */
    lookbackDays: z.number().int().min(0).max(90).default(7),
    /** Each poll re-reads this much before the cursor (late-visible events; the store dedupes). */
    overlapMinutes: z.number().int().min(0).max(1440).default(60),
    /** `auto`: the active region from DNS, failing over to the other one; or a region used alone. */
    region: z.union([z.literal("auto"), regionCode]).default("auto"),
    /** An endpoint override (an emulator); AWS_ENDPOINT_URL_HEALTH works too. */
    endpoint: endpointUrl.optional(),
    profile: z.string().min(1).optional(),
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** At most this many events (event x account in the organization view) per poll; the rest next poll. */
    maxEventsPerPoll: z.number().int().min(1).max(10_000).default(1000),
  })
  .strict();

export type HealthSourceConfig = z.output<typeof healthSourceSchema>;

export interface HealthSourceDeps extends AwsSourceDeps {
  cursors: SourceCursorStore;
  /** CNAME lookup of the global endpoint; default node:dns. */
  resolveCname?: (host: string) => Promise<string[]>;
}

interface Cursor {
  v: 1;
  /** ISO time: the latest lastUpdatedTime kept (and everything before it). */
  lastUpdated: string;
}

/** One unit of work: an event (and the account it concerns in the organization view). */
interface Item {
  event: HealthApiEvent;
  account?: string;
}

const MAX_ENTITIES = 1000;
/** The service's default limit on an arrival (src/case/inbox.ts); the service passes its own as deps.maxBytes. */
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const MAX_REF = 1000;
const MAX_PAGES = 100;
const MAX_DESCRIPTION = 256 * 1024;

/** The active Health region from the global endpoint's CNAME, or null when DNS does not say one of the pair. */
export async function activeHealthRegion(resolve: (host: string) => Promise<string[]>): Promise<string | null> {
  try {
    const names = await resolve(HEALTH_GLOBAL_HOST);
    for (const n of names) {
      const m = /^health\.([a-z0-9-]+)\.amazonaws\.com\.?$/i.exec(n.trim());
      const r = m?.[1]?.toLowerCase();
      if (r && (HEALTH_REGIONS as readonly string[]).includes(r)) return r;
    }
  } catch {
    // no answer: fall back to the documented order
  }
  return null;
}

export class HealthSource implements IntakeSource {
  readonly kind = "health";
  readonly name: string;
  private readonly status: SourceStatus;
  private readonly clients = new Map<string, HealthClient>();
  private readonly now: () => Date;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Events the store refused (never keepable: too large, unusable) since start. */
  refused = 0;
  /** The region that answered last: tried first next time. */
  private preferred: string | null = null;

  constructor(
    readonly config: HealthSourceConfig,
    private readonly deps: HealthSourceDeps,
  ) {
    this.name = config.name;
    this.now = deps.now ?? (() => new Date());
    this.sleep = deps.sleep ?? sleep;
    this.status = new SourceStatus(this.name, this.kind, this.now, { clean: scrub });
  }

  health(): SourceHealth {
    return this.status.snapshot();
  }

  async run(sink: ArrivalSink, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let wait = this.config.pollSeconds * 1000;
      try {
        await this.poll(sink, signal);
      } catch (err) {
        if (signal.aborted) break;
        this.status.fail(err instanceof Error ? err.message : String(err));
        this.deps.log?.warn({ source: this.name, error: this.status.snapshot().lastError }, "health source poll failed");
        wait = Math.min(wait, backoffMs(this.status.failures));
      }
      await this.sleep(wait, signal);
    }
    this.destroy();
    this.status.stopped();
  }

  async drain(sink: ArrivalSink, signal: AbortSignal): Promise<number> {
    try {
      return await this.poll(sink, signal);
    } catch (err) {
      this.status.fail(err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      this.destroy();
    }
  }

  private destroy(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }

  /** One poll: events since the cursor, oldest first, each kept before the cursor moves past it. */
  async poll(sink: ArrivalSink, signal: AbortSignal): Promise<number> {
    const cursor = await this.readCursor();
    const from = new Date(Date.parse(cursor.lastUpdated) - this.config.overlapMinutes * 60_000);
    const items = await this.withFailover((client, region) => this.list(client, region, from, signal));
    // oldest first, so the cursor can follow what is kept
    items.sort((a, b) => time(a.event.lastUpdatedTime) - time(b.event.lastUpdatedTime));
    const batch = items.slice(0, this.config.maxEventsPerPoll);
    let kept = 0;
    let high = Date.parse(cursor.lastUpdated);
    for (let i = 0; i < batch.length; i += 10) {
      if (signal.aborted) break;
      const group = batch.slice(i, i + 10);
      const docs = await this.withFailover((client, region) => this.details(client, region, group, signal));
      for (const doc of docs) {
        if (signal.aborted) break;
        const arrival = doc.arrival(this.name, this.now(), this.deps.maxBytes ?? DEFAULT_MAX_BYTES);
        try {
          const receipt = await sink(arrival);
          if (!receipt.duplicate) {
            kept++;
            this.status.received++;
          }
        } catch (err) {
          // the store down: stop here, the cursor stays; the store refusing this very item: it will
          // never be kept, so it must not block the events after it (said, counted, passed)
          if (!isRefusal(err)) throw err;
          this.refused++;
          const words = `the store refused event ${arrival.meta.eventArn}: ${(err as Error).message}`;
          this.status.note(words);
          this.deps.log?.warn({ source: this.name, eventArn: arrival.meta.eventArn }, words);
        }
        // kept (or already kept): the cursor may pass it
        high = Math.max(high, time(doc.item.event.lastUpdatedTime));
        await this.deps.cursors.setCursor(this.name, JSON.stringify({ v: 1, lastUpdated: new Date(high).toISOString() } satisfies Cursor));
      }
    }
    this.status.ok();
    return kept;
  }

  private async readCursor(): Promise<Cursor> {
    const raw = await this.deps.cursors.getCursor(this.name);
    if (raw) {
      try {
        const c = JSON.parse(raw) as Partial<Cursor>;
        if (c.v === 1 && typeof c.lastUpdated === "string" && Number.isFinite(Date.parse(c.lastUpdated))) return { v: 1, lastUpdated: c.lastUpdated };
      } catch {
        // an unreadable cursor is treated as none (the lookback re-reads; the store dedupes)
      }
      this.deps.log?.warn({ source: this.name }, "health source cursor unreadable: reading from the lookback window");
    }
    return { v: 1, lastUpdated: new Date(this.now().getTime() - this.config.lookbackDays * 86_400_000).toISOString() };
  }

  /** The regions to try, in order. */
  private async regions(): Promise<string[]> {
    if (this.config.region !== "auto") return [this.config.region];
    const active = this.preferred ?? (await activeHealthRegion(this.deps.resolveCname ?? ((h) => dns.resolveCname(h))));
    const first = active ?? HEALTH_REGIONS[0];
    return [first, ...HEALTH_REGIONS.filter((r) => r !== first)];
  }

  private client(region: string): HealthClient {
    let c = this.clients.get(region);
    if (!c) {
      c = new HealthClient(
        clientConfig({ region, endpoint: this.config.endpoint, profile: this.config.profile, maxAttempts: this.config.maxAttempts, credentials: this.deps.credentials }),
      );
      this.clients.set(region, c);
    }
    return c;
  }

  /** Runs `f` in the active region; when that region is unavailable (network, 5xx), in the other. */
  private async withFailover<T>(f: (client: HealthClient, region: string) => Promise<T>): Promise<T> {
    const regions = await this.regions();
    let last: unknown;
    for (const region of regions) {
      try {
        const out = await f(this.client(region), region);
        this.preferred = region;
        return out;
      } catch (err) {
        last = err;
        if (!isUnavailable(err)) throw err instanceof WordedError ? err : new WordedError((err as WordedError).action ?? "health", err, region);
        this.preferred = null;
      }
    }
    throw last instanceof WordedError ? last : new WordedError((last as WordedError)?.action ?? "health", last, regions.join(", then "));
  }

  private async list(client: HealthClient, region: string, from: Date, signal: AbortSignal): Promise<Item[]> {
    const out: Item[] = [];
    const services = [...this.config.services];
    let nextToken: string | undefined;
    let pages = 0;
    // Every page is read: the API answers newest first, and the cursor may only pass what was read.
    const more = (token: string | undefined) => {
      if (token && ++pages >= MAX_PAGES) throw new Error(`AWS Health lists more than ${MAX_PAGES * 100} events since ${from.toISOString()}: lower intake.health.lookbackDays`);
      return token !== undefined && !signal.aborted;
    };
    if (!this.config.organization) {
      do {
        const r = await call("health:DescribeEvents", () =>
          client.send(new DescribeEventsCommand({ filter: { services, lastUpdatedTimes: [{ from }] }, maxResults: 100, ...(nextToken ? { nextToken } : {}) }), { abortSignal: signal }),
        );
        for (const e of r.events ?? []) if (e.arn) out.push({ event: e });
        nextToken = r.nextToken;
      } while (more(nextToken));
      return out;
    }
    const events: HealthApiEvent[] = [];
    do {
      const r = await call("health:DescribeEventsForOrganization", () =>
        client.send(new DescribeEventsForOrganizationCommand({ filter: { services, lastUpdatedTime: { from } }, maxResults: 100, ...(nextToken ? { nextToken } : {}) }), { abortSignal: signal }),
      );
      for (const e of r.events ?? []) if (e.arn) events.push(e);
      nextToken = r.nextToken;
    } while (more(nextToken));
    for (const event of events) {
      let token: string | undefined;
      do {
        const r = await call("health:DescribeAffectedAccountsForOrganization", () =>
          client.send(new DescribeAffectedAccountsForOrganizationCommand({ eventArn: event.arn!, maxResults: 100, ...(token ? { nextToken: token } : {}) }), { abortSignal: signal }),
        );
        for (const account of r.affectedAccounts ?? []) if (/^\d{12}$/.test(account)) out.push({ event, account });
        token = r.nextToken;
      } while (more(token));
    }
    return out;
  }

  /** Details and affected entities of up to 10 items: each becomes one document. */
  private async details(client: HealthClient, region: string, items: Item[], signal: AbortSignal): Promise<EventDocument[]> {
    const docs = items.map((item) => new EventDocument(item));
    const byKey = new Map(docs.map((d) => [key(d.item.event.arn!, d.item.account), d]));
    if (!this.config.organization) {
      const r = await call("health:DescribeEventDetails", () =>
        client.send(new DescribeEventDetailsCommand({ eventArns: items.map((i) => i.event.arn!) }), { abortSignal: signal }),
      );
      for (const s of r.successfulSet ?? []) byKey.get(key(s.event?.arn ?? "", undefined))?.setDetails(s.event, s.eventDescription?.latestDescription, s.eventMetadata);
      for (const f of r.failedSet ?? []) byKey.get(key(f.eventArn ?? "", undefined))?.failed(`${f.errorName ?? "error"}: ${f.errorMessage ?? ""}`);
      for (const d of docs) {
        let token: string | undefined;
        do {
          const e = await call("health:DescribeAffectedEntities", () =>
            client.send(new DescribeAffectedEntitiesCommand({ filter: { eventArns: [d.item.event.arn!] }, maxResults: 100, ...(token ? { nextToken: token } : {}) }), { abortSignal: signal }),
          );
          d.addEntities(e.entities ?? []);
          token = e.nextToken;
        } while (token && d.entities.length < MAX_ENTITIES && !signal.aborted);
      }
      return docs;
    }
    const filters = items.map((i) => ({ eventArn: i.event.arn!, awsAccountId: i.account! }));
    const r = await call("health:DescribeEventDetailsForOrganization", () =>
      client.send(new DescribeEventDetailsForOrganizationCommand({ organizationEventDetailFilters: filters }), { abortSignal: signal }),
    );
    for (const s of r.successfulSet ?? []) byKey.get(key(s.event?.arn ?? "", s.awsAccountId))?.setDetails(s.event, s.eventDescription?.latestDescription, s.eventMetadata);
    for (const f of r.failedSet ?? []) byKey.get(key(f.eventArn ?? "", f.awsAccountId))?.failed(`${f.errorName ?? "error"}: ${f.errorMessage ?? ""}`);
    for (const d of docs) {
      let token: string | undefined;
      do {
        const e = await call("health:DescribeAffectedEntitiesForOrganization", () =>
          client.send(
            new DescribeAffectedEntitiesForOrganizationCommand({
              organizationEntityAccountFilters: [{ eventArn: d.item.event.arn!, awsAccountId: d.item.account! }],
              maxResults: 100,
              ...(token ? { nextToken: token } : {}),
            }),
            { abortSignal: signal },
          ),
        );
        d.addEntities(e.entities ?? []);
        token = e.nextToken;
      } while (token && d.entities.length < MAX_ENTITIES && !signal.aborted);
    }
    return docs;
  }
}

const key = (arn: string, account: string | undefined) => `${arn}#${account ?? ""}`;

function time(d: Date | undefined): number {
  const t = d ? d.getTime() : NaN;
  return Number.isFinite(t) ? t : 0;
}

/** An SDK failure with the IAM action and region it was for, said in words. */
class WordedError extends Error {
  constructor(
    readonly action: string,
    cause: unknown,
    region: string,
  ) {
    super(`${inWords(action, cause)} (AWS Health in ${region})`, { cause });
    this.name = "HealthSourceError";
  }
}

async function call<T>(action: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    // keep the SDK error (its status decides failover) but remember which action failed
    if (typeof err === "object" && err !== null) (err as { action?: string }).action = action;
    throw err;
  }
}

/** An event as the API described it, turned into the arrival's bytes. */
class EventDocument {
  event: HealthApiEvent;
  description: string | undefined;
  metadata: Record<string, string> | undefined;
  entities: AffectedEntity[] = [];
  detailsError: string | undefined;

  constructor(readonly item: Item) {
    this.event = item.event;
  }

  setDetails(event: HealthApiEvent | undefined, description: string | undefined, metadata: Record<string, string> | undefined): void {
    if (event?.arn === this.item.event.arn) this.event = { ...this.item.event, ...event };
    if (description !== undefined) this.description = description.length > MAX_DESCRIPTION ? description.slice(0, MAX_DESCRIPTION) : description;
    if (metadata) this.metadata = metadata;
  }

  failed(words: string): void {
    this.detailsError = words.slice(0, 300);
  }

  addEntities(list: AffectedEntity[]): void {
    for (const e of list) if (this.entities.length < MAX_ENTITIES) this.entities.push(e);
  }

  /** The JSON the notice parser reads (the API's shapes: `event`, `eventDescription`, `affectedEntities`). */
  json(): Record<string, unknown> {
    const doc: Record<string, unknown> = { event: this.event };
    if (this.description !== undefined) doc.eventDescription = { latestDescription: this.description };
    if (this.metadata) doc.eventMetadata = this.metadata;
    doc.affectedEntities = this.entities.map((e) => {
      const out: Record<string, unknown> = {};
      for (const k of ["entityValue", "entityArn", "entityUrl", "awsAccountId", "lastUpdatedTime", "statusCode", "tags", "entityMetadata"] as const) if (e[k] !== undefined) out[k] = e[k];
      return out;
    });
    if (this.item.account) doc.awsAccountId = this.item.account;
    return doc;
  }

  arrival(source: string, receivedAt: Date, maxBytes: number) {
    const ev = this.event;
    const updated = ev.lastUpdatedTime ? ev.lastUpdatedTime.toISOString() : "";
    const meta: Record<string, string> = {
      // the bytes came from the AWS Health API over TLS with the desk's credentials (not from a file or a queue)
      origin: HEALTH_API_ORIGIN,
      eventArn: ev.arn ?? "",
    };
    if (ev.eventTypeCode) meta.eventTypeCode = ev.eventTypeCode;
    if (this.item.account) meta.account = this.item.account;
    if (this.detailsError) meta.detailsError = this.detailsError;
    let text = JSON.stringify(this.json(), null, 2);
    if (Buffer.byteLength(text) > maxBytes) {
      // too large for the store: fewer entities, then a shorter description, said in meta
      meta.truncated = `the event was larger than ${maxBytes} bytes: entities and description shortened`;
      text = JSON.stringify(this.json());
      while (Buffer.byteLength(text) > maxBytes && this.entities.length > 0) {
        this.entities = this.entities.slice(0, Math.floor(this.entities.length / 2));
        text = JSON.stringify(this.json());
      }
      while (Buffer.byteLength(text) > maxBytes && this.description) {
        this.description = this.description.slice(0, Math.floor(this.description.length / 2));
        text = JSON.stringify(this.json());
      }
    }
    let ref = `${ev.arn}${this.item.account ? `#${this.item.account}` : ""}@${updated}`;
    if (ref.length > MAX_REF) ref = `sha256:${createHash("sha256").update(ref).digest("hex")}`;
    return { raw: Buffer.from(text), source, ref, receivedAt, meta };
  }
}

/** The registry's factory: a Health source from its `intake.health` section. */
export function healthSource(config: unknown, deps: HealthSourceDeps): HealthSource {
  return new HealthSource(healthSourceSchema.parse(config ?? {}), deps);
}
