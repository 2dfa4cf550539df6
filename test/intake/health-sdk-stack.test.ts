/**
 * The Health source over the SDK's real stack (no mocked `send`) against a loopback endpoint:
 * requests signed for the Health region, the wire format read (epoch timestamps), failover from
 * the active region to the other one when the first does not answer, and AWS's errors in words.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { healthSource } from "../../src/intake/health.ts";
import { parseInput } from "../../src/notice/index.ts";
import { instantSleep, MemoryCursors, memorySink, staticCredentials } from "./helpers.ts";
import { jsonError, startJsonLoopback, type JsonHandler, type JsonLoopback } from "./json-loopback.ts";

for (const k of Object.keys(process.env)) if (k.startsWith("AWS_ENDPOINT_URL") || k === "AWS_PROFILE") delete process.env[k];

const ARN = "arn:aws:health:global::event/ABUSE/AWS_ABUSE_DOS_REPORT/AWS_ABUSE_DOS_REPORT_111122223333_1";
const event = { arn: ARN, service: "ABUSE", eventTypeCode: "AWS_ABUSE_DOS_REPORT", eventTypeCategory: "issue", region: "eu-central-1", startTime: 1716212400, lastUpdatedTime: 1716213780.5, statusCode: "open" };
const ok: JsonHandler = (req) => {
  switch (req.op) {
    case "DescribeEvents":
      return { status: 200, body: { events: [event] } };
    case "DescribeEventDetails":
      return { status: 200, body: { successfulSet: [{ event, eventDescription: { latestDescription: "Your instance was reported for a denial of service attack against 198.51.100.7 on port 443." } }], failedSet: [] } };
    case "DescribeAffectedEntities":
      return { status: 200, body: { entities: [{ eventArn: ARN, entityValue: "i-0123456789abcdef0", awsAccountId: "111122223333" }] } };
    default:
      return jsonError("UnknownOperationException", req.op, 400);
  }
};

let handler: JsonHandler = ok;
let server: JsonLoopback;
beforeAll(async () => {
  server = await startJsonLoopback((req, n) => handler(req, n));
});
afterAll(() => server.close());
afterEach(() => {
  server.received.length = 0;
  handler = ok;
});

const make = (config: Record<string, unknown>, resolveCname?: (h: string) => Promise<string[]>) =>
  healthSource(
    { endpoint: server.url, maxAttempts: 1, ...config },
    { cursors: new MemoryCursors(), credentials: staticCredentials, now: () => new Date("2024-05-21T00:00:00Z"), sleep: instantSleep().sleep, ...(resolveCname ? { resolveCname } : {}) },
  );

describe("AWS Health over the SDK's real stack", () => {
  it("signs for the active region named by DNS, reads the wire format, and the bytes parse into the notice", async () => {
    const s = make({ region: "auto" }, async () => ["health.us-east-2.amazonaws.com"]);
    const sink = memorySink();
    expect(await s.drain(sink, new AbortController().signal)).toBe(1);
    expect(server.received.map((r) => r.op)).toEqual(["DescribeEvents", "DescribeEventDetails", "DescribeAffectedEntities"]);
    expect(server.received.every((r) => r.signingRegion === "us-east-2" && r.signingService === "health")).toBe(true);
    expect(server.received[0]!.body).toMatchObject({ filter: { services: ["ABUSE", "RISK"], lastUpdatedTimes: [{ from: Date.parse("2024-05-13T23:00:00Z") / 1000 }] } });
    expect(sink.kept[0]!.ref).toBe(`${ARN}@2024-05-20T14:03:00.500Z`);
    const item = (await parseInput(sink.kept[0]!.raw)).items[0]!;
    expect(item.notice.activityType).toBe("dos");
    expect(item.notice.resources.map((r) => r.id)).toContain("i-0123456789abcdef0");
    expect(item.notice.window.begin).toMatch(/^2024-05-20T13:40:00(\.000)?Z$/);
  });

  it("the active region not answering: the same poll is served by the other region of the pair, which is then tried first", async () => {
    handler = (req, n) => (req.signingRegion === "us-east-1" ? jsonError("ServiceUnavailableException", "unavailable", 503) : ok(req, n));
    const s = make({ region: "auto" }, async () => ["health.us-east-1.amazonaws.com"]);
    const sink = memorySink();
    expect(await s.drain(sink, new AbortController().signal)).toBe(1);
    expect(server.received.map((r) => `${r.op}@${r.signingRegion}`)).toEqual(["DescribeEvents@us-east-1", "DescribeEvents@us-east-2", "DescribeEventDetails@us-east-2", "DescribeAffectedEntities@us-east-2"]);
  });

  it("DNS saying nothing: us-east-1 first, as documented", async () => {
    const s = make({ region: "auto" }, async () => {
      throw Object.assign(new Error("queryCname ENOTFOUND"), { code: "ENOTFOUND" });
    });
    await s.drain(memorySink(), new AbortController().signal);
    expect(server.received[0]!.signingRegion).toBe("us-east-1");
  });

  it("both regions down: failing, in words, nothing kept", async () => {
    handler = () => jsonError("InternalFailure", "boom", 500);
    const s = make({ region: "auto" }, async () => ["health.us-east-1.amazonaws.com"]);
    const sink = memorySink();
    const err = (await s.drain(sink, new AbortController().signal).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/health:DescribeEvents failed: InternalFailure: boom \(AWS Health in us-east-1, then us-east-2\)/);
    expect(sink.offered).toEqual([]);
    expect(s.health().state).toBe("failing");
  });

  it("SubscriptionRequiredException (no Business support plan) is said as AWS says it, and no failover", async () => {
    handler = () => jsonError("SubscriptionRequiredException", "The AWS Health API requires a Business, Enterprise On-Ramp, or Enterprise Support plan.", 400);
    const s = make({ region: "auto" }, async () => ["health.us-east-1.amazonaws.com"]);
    const err = (await s.drain(memorySink(), new AbortController().signal).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("SubscriptionRequiredException");
    expect(server.received).toHaveLength(1);
  });

  it("an explicit region is used alone (GovCloud, a pinned choice)", async () => {
    handler = () => jsonError("InternalFailure", "boom", 500);
    const s = make({ region: "us-gov-west-1" });
    await expect(s.drain(memorySink(), new AbortController().signal)).rejects.toThrow(/us-gov-west-1\)/);
    expect(server.received.map((r) => r.signingRegion)).toEqual(["us-gov-west-1"]);
  });

  it("AWS_ENDPOINT_URL_HEALTH points it at an emulator too (the SDK reads it)", async () => {
    process.env.AWS_ENDPOINT_URL_HEALTH = server.url;
    try {
      const s = healthSource({ region: "us-east-1", maxAttempts: 1 }, { cursors: new MemoryCursors(), credentials: staticCredentials, sleep: instantSleep().sleep });
      expect(await s.drain(memorySink(), new AbortController().signal)).toBe(1);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_HEALTH;
    }
  });
});
