/**
 * The AWS Health source under aws-sdk-client-mock: what it asks the API, the arrivals it hands the
 * sink (bytes the notice parser reads into the right notice), the cursor, the organization view,
 * and every failure path (store down mid-batch, details failing, access denied).
 */
import {
  DescribeAffectedAccountsForOrganizationCommand,
  DescribeAffectedEntitiesCommand,
  DescribeAffectedEntitiesForOrganizationCommand,
  DescribeEventDetailsCommand,
  DescribeEventDetailsForOrganizationCommand,
  DescribeEventsCommand,
  DescribeEventsForOrganizationCommand,
  HealthClient,
} from "@aws-sdk/client-health";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { activeHealthRegion, fetchedFromHealthApi, healthSource, healthSourceSchema } from "../../src/intake/health.ts";
import { verify } from "../../src/verify/index.ts";
import { parseInput } from "../../src/notice/index.ts";
import { instantSleep, MemoryCursors, memorySink, staticCredentials } from "./helpers.ts";

const health = mockClient(HealthClient);
afterAll(() => health.restore());

const NOW = new Date("2024-05-21T12:00:00Z");
const ACCOUNT = "111122223333";
const SCAN_ARN = "arn:aws:health:global::event/ABUSE/AWS_ABUSE_EC2_PORT_SCANNING_REPORT/AWS_ABUSE_EC2_PORT_SCANNING_REPORT_111122223333_20240520";
const KEY_ARN = "arn:aws:health:us-east-1::event/RISK/AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED/AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED_9z8y";
const INSTANCE_ARN = `arn:aws:ec2:eu-west-2:${ACCOUNT}:instance/i-0abcabcabcabcabca`;

const scan = {
  arn: SCAN_ARN,
  service: "ABUSE",
  eventTypeCode: "AWS_ABUSE_EC2_PORT_SCANNING_REPORT",
  eventTypeCategory: "issue" as const,
  region: "eu-west-2",
  startTime: new Date("2024-05-20T13:40:00Z"),
  endTime: new Date("2024-05-20T13:55:00Z"),
  lastUpdatedTime: new Date("2024-05-20T14:03:00Z"),
  statusCode: "open" as const,
};
const key = {
  arn: KEY_ARN,
  service: "RISK",
  eventTypeCode: "AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED",
  eventTypeCategory: "issue" as const,
  region: "us-east-1",
  startTime: new Date("2024-05-21T08:47:33Z"),
  lastUpdatedTime: new Date("2024-05-21T09:02:00Z"),
  statusCode: "open" as const,
};
const SCAN_TEXT =
  "We've received a report(s) that your AWS resource(s) has been implicated in activity which resembles scanning remote hosts on the internet for security vulnerabilities.\n\nRemote IP: 203.0.113.150\nRemote port(s): 22, 3389\nProtocol: TCP";

function accountView(): void {
  // newest first, as the API answers
  health.on(DescribeEventsCommand).resolves({ events: [key, scan] });
  health.on(DescribeEventDetailsCommand).callsFake((input: { eventArns: string[] }) => ({
    successfulSet: input.eventArns.map((arn) =>
      arn === SCAN_ARN
        ? { event: scan, eventDescription: { latestDescription: SCAN_TEXT } }
        : { event: key, eventDescription: { latestDescription: "We have detected that the access key listed below may have been exposed publicly." } },
    ),
    failedSet: [],
  }));
  health.on(DescribeAffectedEntitiesCommand).callsFake((input: { filter: { eventArns: string[] } }) => ({
    entities: input.filter.eventArns[0] === SCAN_ARN ? [{ eventArn: SCAN_ARN, entityValue: INSTANCE_ARN, awsAccountId: ACCOUNT }] : [{ eventArn: KEY_ARN, entityValue: "AKIA4B7YQ2N6M3XZ5WPD" }],
  }));
}

function source(config: Record<string, unknown> = {}, cursors = new MemoryCursors()) {
  const s = healthSource({ region: "us-east-1", ...config }, { cursors, credentials: staticCredentials, now: () => NOW, sleep: instantSleep().sleep });
  return { s, cursors };
}

const inputs = (cmd: unknown) => health.commandCalls(cmd as typeof DescribeEventsCommand).map((c) => c.args[0].input as Record<string, unknown>);

beforeEach(() => health.reset());

describe("the account view", () => {
  it("each event becomes an arrival whose bytes the notice parser reads as that event's notice", async () => {
    accountView();
    const { s, cursors } = source();
    const sink = memorySink();
    expect(await s.drain(sink, new AbortController().signal)).toBe(2);

    // asked for abuse and risk events updated since the lookback (7 days) minus the overlap (60 min)
    const [ask] = inputs(DescribeEventsCommand);
    expect(ask).toMatchObject({ filter: { services: ["ABUSE", "RISK"], lastUpdatedTimes: [{ from: new Date("2024-05-14T11:00:00Z") }] } });

    // oldest first; ref = ARN @ lastUpdatedTime
    expect(sink.kept.map((a) => a.ref)).toEqual([`${SCAN_ARN}@2024-05-20T14:03:00.000Z`, `${KEY_ARN}@2024-05-21T09:02:00.000Z`]);
    expect(sink.kept[0]).toMatchObject({ source: "health", receivedAt: NOW, meta: { origin: "aws-health-api", eventArn: SCAN_ARN, eventTypeCode: "AWS_ABUSE_EC2_PORT_SCANNING_REPORT" } });

    const parsed = await parseInput(sink.kept[0]!.raw);
    expect(parsed.failures).toEqual([]);
    expect(parsed.items).toHaveLength(1);
    const n = parsed.items[0]!.notice;
    expect(parsed.items[0]!.format).toBe("health-event");
    expect(n.activityType).toBe("port_scan");
    expect(n.health).toMatchObject({ eventTypeCode: "AWS_ABUSE_EC2_PORT_SCANNING_REPORT", arn: SCAN_ARN, service: "ABUSE", statusCode: "open" });
    expect(n.accountIds).toContain(ACCOUNT);
    expect(n.regions).toContain("eu-west-2");
    expect(n.resources.map((r) => [r.type, r.id])).toContainEqual(["ec2-instance", "i-0abcabcabcabcabca"]);
    expect(n.remoteIps).toEqual(["203.0.113.150"]);

    const risk = (await parseInput(sink.kept[1]!.raw)).items[0]!.notice;
    expect(risk.activityType).toBe("credentials_exposed");
    expect(risk.resources.map((r) => [r.type, r.id])).toContainEqual(["access-key", "AKIA4B7YQ2N6M3XZ5WPD"]);

    // the cursor is the newest lastUpdatedTime kept
    expect(JSON.parse(cursors.values.get("health")!)).toEqual({ v: 1, lastUpdated: "2024-05-21T09:02:00.000Z" });
    expect(s.health()).toMatchObject({ name: "health", kind: "health", state: "ok", received: 2, lastError: null });
  });

  it("the next poll reads from the cursor minus the overlap; what it re-reads is a duplicate, not new work", async () => {
    accountView();
    const { s, cursors } = source();
    const sink = memorySink();
    await s.drain(sink, new AbortController().signal);
    const again = source({}, cursors).s;
    expect(await again.drain(sink, new AbortController().signal)).toBe(0);
    expect(inputs(DescribeEventsCommand)[1]).toMatchObject({ filter: { lastUpdatedTimes: [{ from: new Date("2024-05-21T08:02:00Z") }] } });
    expect(sink.kept).toHaveLength(2);
    expect(sink.offered).toHaveLength(4);
  });

  it("an updated event (new lastUpdatedTime) is a new arrival", async () => {
    accountView();
    const { s, cursors } = source();
    const sink = memorySink();
    await s.drain(sink, new AbortController().signal);
    const closed = { ...scan, statusCode: "closed" as const, lastUpdatedTime: new Date("2024-05-21T10:00:00Z") };
    health.on(DescribeEventsCommand).resolves({ events: [closed] });
    health.on(DescribeEventDetailsCommand).resolves({ successfulSet: [{ event: closed, eventDescription: { latestDescription: SCAN_TEXT } }] });
    expect(await source({}, cursors).s.drain(sink, new AbortController().signal)).toBe(1);
    expect(sink.kept[2]!.ref).toBe(`${SCAN_ARN}@2024-05-21T10:00:00.000Z`);
    expect((await parseInput(sink.kept[2]!.raw)).items[0]!.notice.health?.statusCode).toBe("closed");
  });

  it("the store failing mid-batch: the cursor stays on what was kept, the source says failing, and the rest comes again", async () => {
    accountView();
    const { s, cursors } = source();
    const sink = memorySink();
    sink.failFrom = 2;
    await expect(s.drain(sink, new AbortController().signal)).rejects.toThrow(/unavailable/);
    expect(sink.kept).toHaveLength(1);
    expect(JSON.parse(cursors.values.get("health")!).lastUpdated).toBe("2024-05-20T14:03:00.000Z");
    expect(s.health().state).toBe("failing");
    sink.failFrom = null;
    expect(await source({}, cursors).s.drain(sink, new AbortController().signal)).toBe(1);
    expect(sink.kept.map((a) => a.meta?.eventArn)).toEqual([SCAN_ARN, KEY_ARN]);
  });

  it("an event the store refuses outright (never keepable) is said and passed, not allowed to block the ones after it", async () => {
    accountView();
    const { s, cursors } = source();
    const sink = memorySink();
    sink.refuse = (a) => (a.meta?.eventArn === SCAN_ARN ? "arrival of 99999999 bytes is larger than the limit" : null);
    expect(await s.drain(sink, new AbortController().signal)).toBe(1);
    expect(sink.kept.map((a) => a.meta?.eventArn)).toEqual([KEY_ARN]);
    expect(s.refused).toBe(1);
    expect(s.health()).toMatchObject({ state: "ok" });
    expect(s.health().lastError).toContain(`the store refused event ${SCAN_ARN}: arrival of 99999999 bytes`);
    expect(JSON.parse(cursors.values.get("health")!).lastUpdated).toBe("2024-05-21T09:02:00.000Z");
  });

  it("an event larger than the store keeps is shortened to fit (entities, then description), and says so", async () => {
    const entities = Array.from({ length: 1000 }, (_, i) => ({ eventArn: SCAN_ARN, entityValue: `arn:aws:ec2:eu-west-2:${ACCOUNT}:instance/i-0${String(i).padStart(16, "0")}` }));
    health.on(DescribeEventsCommand).resolves({ events: [scan] });
    health.on(DescribeEventDetailsCommand).resolves({ successfulSet: [{ event: scan, eventDescription: { latestDescription: SCAN_TEXT + "x".repeat(200_000) } }] });
    health.on(DescribeAffectedEntitiesCommand).resolves({ entities });
    const sink = memorySink();
    const s = healthSource({ region: "us-east-1" }, { cursors: new MemoryCursors(), credentials: staticCredentials, now: () => NOW, sleep: instantSleep().sleep, maxBytes: 20_000 });
    await s.drain(sink, new AbortController().signal);
    const a = sink.kept[0]!;
    expect(a.raw.length).toBeLessThanOrEqual(20_000);
    expect(a.meta?.truncated).toMatch(/larger than 20000 bytes/);
    const n = (await parseInput(a.raw)).items[0]!.notice;
    expect(n.activityType).toBe("port_scan");
    expect(n.health?.arn).toBe(SCAN_ARN);
  });

  it("a reference longer than the store takes becomes its SHA-256 (still the same on every re-read)", async () => {
    const long = { ...scan, arn: `${SCAN_ARN}/${"z".repeat(1200)}` };
    health.on(DescribeEventsCommand).resolves({ events: [long] });
    health.on(DescribeEventDetailsCommand).resolves({ successfulSet: [{ event: long }] });
    health.on(DescribeAffectedEntitiesCommand).resolves({ entities: [] });
    const sink = memorySink();
    await source().s.drain(sink, new AbortController().signal);
    await source().s.drain(sink, new AbortController().signal);
    expect(sink.kept).toHaveLength(1);
    expect(sink.kept[0]!.ref).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("details the API could not give: the event still arrives (with its entities), the failure on record", async () => {
    health.on(DescribeEventsCommand).resolves({ events: [scan] });
    health.on(DescribeEventDetailsCommand).resolves({ successfulSet: [], failedSet: [{ eventArn: SCAN_ARN, errorName: "InternalError", errorMessage: "try later" }] });
    health.on(DescribeAffectedEntitiesCommand).resolves({ entities: [{ eventArn: SCAN_ARN, entityValue: INSTANCE_ARN }] });
    const sink = memorySink();
    await source().s.drain(sink, new AbortController().signal);
    expect(sink.kept[0]!.meta?.detailsError).toBe("InternalError: try later");
    const n = (await parseInput(sink.kept[0]!.raw)).items[0]!.notice;
    expect(n.activityType).toBe("port_scan");
    expect(n.resources.map((r) => r.id)).toContain("i-0abcabcabcabcabca");
  });

  it("details are asked ten events at a time, entities per event with paging", async () => {
    const many = Array.from({ length: 23 }, (_, i) => ({ ...scan, arn: `${SCAN_ARN}-${i}`, lastUpdatedTime: new Date(Date.UTC(2024, 4, 20, 0, i)) }));
    health.on(DescribeEventsCommand).resolvesOnce({ events: many.slice(0, 20), nextToken: "p2" }).resolvesOnce({ events: many.slice(20) });
    health.on(DescribeEventDetailsCommand).callsFake((input: { eventArns: string[] }) => ({ successfulSet: input.eventArns.map((arn) => ({ event: many.find((e) => e.arn === arn) })) }));
    health
      .on(DescribeAffectedEntitiesCommand)
      .callsFake((input: { filter: { eventArns: string[] }; nextToken?: string }) =>
        input.nextToken ? { entities: [{ entityValue: "i-0bbbbbbbbbbbbbbbb" }] } : { entities: [{ entityValue: "i-0aaaaaaaaaaaaaaaa" }], nextToken: "e2" },
      );
    const sink = memorySink();
    expect(await source().s.drain(sink, new AbortController().signal)).toBe(23);
    expect(inputs(DescribeEventsCommand)[1]).toMatchObject({ nextToken: "p2" });
    expect(inputs(DescribeEventDetailsCommand).map((i) => (i.eventArns as string[]).length)).toEqual([10, 10, 3]);
    const n = (await parseInput(sink.kept[0]!.raw)).items[0]!.notice;
    expect(n.resources.map((r) => r.id).sort()).toEqual(["i-0aaaaaaaaaaaaaaaa", "i-0bbbbbbbbbbbbbbbb"]);
    // oldest first
    expect(sink.kept.map((a) => a.meta?.eventArn)).toEqual(many.map((e) => e.arn));
  });

  it("more events than one poll takes: the oldest are taken and the cursor stops there, the rest come next poll", async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ ...scan, arn: `${SCAN_ARN}-${i}`, lastUpdatedTime: new Date(Date.UTC(2024, 4, 20, 0, i)) }));
    health.on(DescribeEventsCommand).resolves({ events: [...many].reverse() });
    health.on(DescribeEventDetailsCommand).callsFake((input: { eventArns: string[] }) => ({ successfulSet: input.eventArns.map((arn) => ({ event: many.find((e) => e.arn === arn) })) }));
    health.on(DescribeAffectedEntitiesCommand).resolves({ entities: [] });
    const { s, cursors } = source({ maxEventsPerPoll: 2 });
    const sink = memorySink();
    expect(await s.drain(sink, new AbortController().signal)).toBe(2);
    expect(JSON.parse(cursors.values.get("health")!).lastUpdated).toBe("2024-05-20T00:01:00.000Z");
    expect(sink.kept.map((a) => a.meta?.eventArn)).toEqual([many[0]!.arn, many[1]!.arn]);
  });

  it("access denied: failing, in words naming the IAM action, not tried in the other region, nothing kept", async () => {
    health.on(DescribeEventsCommand).rejects(Object.assign(new Error("User is not authorized to perform: health:DescribeEvents"), { name: "AccessDeniedException", $fault: "client", $metadata: { httpStatusCode: 403 } }));
    const { s, cursors } = source({ region: "auto" });
    const sink = memorySink();
    const err = (await s.drain(sink, new AbortController().signal).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/health:DescribeEvents failed: AccessDeniedException/);
    expect(err.message).toContain("docs/iam/read-only-policy.json");
    expect(health.commandCalls(DescribeEventsCommand)).toHaveLength(1);
    expect(s.health()).toMatchObject({ state: "failing" });
    expect(s.health().lastError).toContain("health:DescribeEvents");
    expect(cursors.values.size).toBe(0);
  });

  it("an unreadable cursor (hand-edited, from another version) reads from the lookback window", async () => {
    accountView();
    const cursors = new MemoryCursors();
    cursors.values.set("health", "{not json");
    await source({}, cursors).s.drain(memorySink(), new AbortController().signal);
    expect(inputs(DescribeEventsCommand)[0]).toMatchObject({ filter: { lastUpdatedTimes: [{ from: new Date("2024-05-14T11:00:00Z") }] } });
  });
});

describe("authenticity by source", () => {
  it("an event fetched from the API is authentic by source once the service marks it so; the mark comes from the source kind, not the bytes", async () => {
    accountView();
    const sink = memorySink();
    const { s } = source();
    await s.drain(sink, new AbortController().signal);
    const arrival = sink.kept[0]!;
    expect(fetchedFromHealthApi(arrival, s.kind)).toBe(true);
    // the same meta claimed by another kind of source, or no mark: not an API answer
    expect(fetchedFromHealthApi(arrival, "sqs")).toBe(false);
    expect(fetchedFromHealthApi({ meta: {} }, "health")).toBe(false);
    expect(fetchedFromHealthApi({}, "health")).toBe(false);

    const item = (await parseInput(arrival.raw)).items[0]!;
    const asFile = await verify(item);
    expect(asFile.reasons.map((r) => r.code)).toContain("source.health_file");
    item.notice.health!.fetchedFromApi = fetchedFromHealthApi(arrival, s.kind);
    const asApi = await verify(item);
    expect(asApi.reasons.map((r) => r.code)).toContain("source.health_api");
    expect(asApi.verdict).toBe("authentic");
  });
});

describe("the organization view", () => {
  it("one arrival per event and affected account, its account in the bytes and the ref", async () => {
    const orgEvent = { ...scan };
    health.on(DescribeEventsForOrganizationCommand).resolves({ events: [orgEvent] });
    health.on(DescribeAffectedAccountsForOrganizationCommand).resolves({ affectedAccounts: [ACCOUNT, "444455556666", "not-an-account"] });
    health.on(DescribeEventDetailsForOrganizationCommand).callsFake((input: { organizationEventDetailFilters: { eventArn: string; awsAccountId: string }[] }) => ({
      successfulSet: input.organizationEventDetailFilters.map((f) => ({ awsAccountId: f.awsAccountId, event: orgEvent, eventDescription: { latestDescription: SCAN_TEXT } })),
    }));
    health
      .on(DescribeAffectedEntitiesForOrganizationCommand)
      .callsFake((input: { organizationEntityAccountFilters: { awsAccountId: string }[] }) => ({
        entities: [{ entityValue: `arn:aws:ec2:eu-west-2:${input.organizationEntityAccountFilters[0]!.awsAccountId}:instance/i-0abcabcabcabcabca`, awsAccountId: input.organizationEntityAccountFilters[0]!.awsAccountId }],
      }));
    const sink = memorySink();
    const { s } = source({ organization: true });
    expect(await s.drain(sink, new AbortController().signal)).toBe(2);
    expect(inputs(DescribeEventsForOrganizationCommand)[0]).toMatchObject({ filter: { services: ["ABUSE", "RISK"], lastUpdatedTime: { from: new Date("2024-05-14T11:00:00Z") } } });
    expect(sink.kept.map((a) => a.ref)).toEqual([`${SCAN_ARN}#${ACCOUNT}@2024-05-20T14:03:00.000Z`, `${SCAN_ARN}#444455556666@2024-05-20T14:03:00.000Z`]);
    expect(sink.kept[1]!.meta).toMatchObject({ account: "444455556666" });
    const n = (await parseInput(sink.kept[1]!.raw)).items[0]!.notice;
    expect(n.accountIds).toEqual(["444455556666"]);
    expect(n.activityType).toBe("port_scan");
    expect(health.commandCalls(DescribeEventsCommand)).toHaveLength(0);
  });
});

describe("the run loop", () => {
  it("polls, sleeps the poll interval, backs off after a failure, and stops when aborted", async () => {
    accountView();
    health.on(DescribeEventsCommand).rejectsOnce(Object.assign(new Error("socket hang up"), { name: "ECONNRESET", code: "ECONNRESET" })).resolves({ events: [] });
    const asked: number[] = [];
    const ac = new AbortController();
    const s = healthSource({ region: "us-east-1", pollSeconds: 120 }, {
      cursors: new MemoryCursors(),
      credentials: staticCredentials,
      now: () => NOW,
      sleep: async (ms) => {
        asked.push(ms);
        if (asked.length === 3) ac.abort();
      },
    });
    await s.run(memorySink(), ac.signal);
    expect(asked).toEqual([1000, 120_000, 120_000]);
    expect(s.health().state).toBe("stopped");
  });
});

describe("configuration and the endpoint", () => {
  it("defaults, and names the key that is wrong", () => {
    expect(healthSourceSchema.parse({})).toMatchObject({ name: "health", organization: false, services: ["ABUSE", "RISK"], region: "auto", pollSeconds: 300 });
    expect(healthSourceSchema.safeParse({ services: ["EC2"] }).success).toBe(false);
    expect(healthSourceSchema.safeParse({ endpoint: "http://user:secret@127.0.0.1:1" }).success).toBe(false);
    expect(healthSourceSchema.safeParse({ pollSeconds: 1 }).success).toBe(false);
    expect(healthSourceSchema.safeParse({ unknown: 1 }).success).toBe(false);
  });

  it("the active region is the one the global endpoint's CNAME names, only if it is one of the documented pair", async () => {
    expect(await activeHealthRegion(async () => ["health.us-east-2.amazonaws.com"])).toBe("us-east-2");
    expect(await activeHealthRegion(async () => ["health.us-east-1.amazonaws.com."])).toBe("us-east-1");
    expect(await activeHealthRegion(async () => ["health.eu-west-1.amazonaws.com"])).toBeNull();
    expect(await activeHealthRegion(async () => ["evil.example"])).toBeNull();
    expect(await activeHealthRegion(async () => Promise.reject(new Error("ENOTFOUND")))).toBeNull();
  });
});
