/**
 * The EventBridge -> SQS source under aws-sdk-client-mock: delete only after the sink resolved,
 * visibility extended while the sink works, poison messages to the DLQ with the reason, and the
 * store refusing (nothing deleted, the source failing).
 */
import { readFileSync } from "node:fs";
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { classify, queueRegion, sqsSource, sqsSourceSchema } from "../../src/intake/sqs.ts";
import { parseInput } from "../../src/notice/index.ts";
import { instantSleep, memorySink, staticCredentials } from "./helpers.ts";

const sqs = mockClient(SQSClient);
afterAll(() => sqs.restore());
beforeEach(() => sqs.reset());

const QUEUE = "https://sqs.eu-west-1.amazonaws.com/111122223333/abuse-desk-health-events";
const DLQ = "https://sqs.eu-west-1.amazonaws.com/111122223333/abuse-desk-health-events-dlq";
const EVENT = readFileSync(new URL("../../fixtures/notices/health-eventbridge-abuse.json", import.meta.url), "utf8");
const NOW = new Date("2024-05-20T14:05:00Z");

const msg = (id: string, body: string, count = 1) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: body, Attributes: { ApproximateReceiveCount: String(count), SentTimestamp: "1716213780000" } });

function source(config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return sqsSource({ queueUrl: QUEUE, dlqUrl: DLQ, ...config }, { credentials: staticCredentials, now: () => NOW, sleep: instantSleep().sleep, ...extra });
}

const calls = (cmd: unknown) => sqs.commandCalls(cmd as typeof DeleteMessageCommand).map((c) => c.args[0].input as unknown as Record<string, unknown>);

describe("a Health event on the queue", () => {
  it("is handed to the sink as the EventBridge JSON, then deleted (after the sink resolved, not before)", async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg("m-1", EVENT)] }).resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
    const sink = memorySink();
    const order: string[] = [];
    const s = source();
    const count = await s.drain(async (a) => {
      order.push(`sink; deleted so far: ${calls(DeleteMessageCommand).length}`);
      return sink(a);
    }, new AbortController().signal);
    expect(count).toBe(1);
    expect(order).toEqual(["sink; deleted so far: 0"]);
    expect(calls(DeleteMessageCommand)).toEqual([{ QueueUrl: QUEUE, ReceiptHandle: "rh-m-1" }]);
    expect(calls(ReceiveMessageCommand)[0]).toMatchObject({ QueueUrl: QUEUE, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 120, MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"] });

    const a = sink.kept[0]!;
    expect(a.raw.toString("utf8")).toBe(EVENT);
    expect(a).toMatchObject({ source: "sqs", ref: "m-1", receivedAt: NOW });
    expect(a.meta).toMatchObject({ origin: "sqs", messageId: "m-1", eventId: "7bf73129-1428-4cd3-a780-95db273d1602", receiveCount: "1", sentAt: "2024-05-20T14:03:00.000Z" });
    expect(a.meta?.eventArn).toMatch(/^arn:aws:health:global::event\/ABUSE\//);
    const n = (await parseInput(a.raw)).items[0]!.notice;
    expect(n.activityType).toBe("port_scan");
    expect(n.resources.map((r) => r.id)).toContain("i-0abcabcabcabcabca");
    expect(s.health()).toMatchObject({ state: "ok", received: 1, kind: "sqs" });
  });

  it("the store refusing: nothing deleted, the rest of the batch not offered, the source failing, drain says so", async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [msg("m-1", EVENT), msg("m-2", EVENT)] });
    const sink = memorySink();
    sink.down = true;
    const s = source();
    await expect(s.drain(sink, new AbortController().signal)).rejects.toThrow(/could not keep message m-1: the case store is unavailable/);
    expect(sink.offered).toHaveLength(1);
    expect(calls(DeleteMessageCommand)).toEqual([]);
    expect(calls(SendMessageCommand)).toEqual([]);
    expect(s.health().state).toBe("failing");
  });

  it("a message already kept (re-delivery) is deleted and not counted as new", async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg("m-1", EVENT)] }).resolvesOnce({ Messages: [msg("m-1", EVENT, 2)] }).resolves({});
    const sink = memorySink();
    expect(await source().drain(sink, new AbortController().signal)).toBe(1);
    expect(calls(DeleteMessageCommand)).toHaveLength(2);
    expect(sink.kept).toHaveLength(1);
  });

  it("a delete that fails leaves the source failing (the message comes back and is a duplicate then)", async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg("m-1", EVENT)] }).resolves({});
    sqs.on(DeleteMessageCommand).rejects(Object.assign(new Error("The receipt handle has expired."), { name: "ReceiptHandleIsInvalid" }));
    const s = source();
    await expect(s.drain(memorySink(), new AbortController().signal)).rejects.toThrow(/sqs:DeleteMessage failed: ReceiptHandleIsInvalid/);
  });

  it("the visibility is extended while the sink works, for the messages of the batch not yet done", async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg("m-1", EVENT), msg("m-2", EVENT)] }).resolves({});
    let tick: () => void = () => {};
    let period = 0;
    let stopped = 0;
    const every = (ms: number, fn: () => void) => {
      period = ms;
      tick = fn;
      return () => void stopped++;
    };
    const sink = memorySink();
    const s = source({ visibilityTimeout: 300 }, { every });
    await s.drain(async (a) => {
      // the store is slow: the heartbeat fires while this message is being kept
      tick();
      await new Promise((r) => setImmediate(r));
      return sink(a);
    }, new AbortController().signal);
    expect(period).toBe(150_000);
    expect(calls(ChangeMessageVisibilityCommand)).toEqual([
      { QueueUrl: QUEUE, ReceiptHandle: "rh-m-1", VisibilityTimeout: 300 },
      { QueueUrl: QUEUE, ReceiptHandle: "rh-m-2", VisibilityTimeout: 300 },
      { QueueUrl: QUEUE, ReceiptHandle: "rh-m-2", VisibilityTimeout: 300 },
    ]);
    expect(stopped).toBe(2);
  });
});

describe("poison messages", () => {
  const cases: [string, string, number, string][] = [
    ["not JSON", "this is not json {", 1, "not-json"],
    ["JSON that is no Health event", JSON.stringify({ hello: "world" }), 1, "not-health-event"],
    ["received more than maxReceiveCount times", EVENT, 6, "too-many-receives"],
    ["larger than maxBodyBytes", JSON.stringify({ source: "aws.health", "detail-type": "x", detail: { eventTypeCode: "A".repeat(3000) } }), 1, "too-large"],
  ];
  for (const [what, body, count, reason] of cases) {
    it(`${what}: to the DLQ with the reason, then deleted; never offered to the sink`, async () => {
      sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg("p-1", body, count)] }).resolves({});
      const sink = memorySink();
      const s = source({ maxBodyBytes: 2048 });
      expect(await s.drain(sink, new AbortController().signal)).toBe(0);
      expect(sink.offered).toEqual([]);
      const [sent] = calls(SendMessageCommand) as { QueueUrl: string; MessageBody: string; MessageAttributes: Record<string, { StringValue: string }> }[];
      expect(sent!.QueueUrl).toBe(DLQ);
      expect(sent!.MessageBody).toBe(body);
      expect(sent!.MessageAttributes["abuse-desk.reason"]!.StringValue).toBe(reason);
      expect(sent!.MessageAttributes["abuse-desk.message-id"]!.StringValue).toBe("p-1");
      expect(sent!.MessageAttributes["abuse-desk.receive-count"]!.StringValue).toBe(String(count));
      expect(sent!.MessageAttributes["abuse-desk.detail"]!.StringValue.length).toBeGreaterThan(10);
      expect(calls(DeleteMessageCommand)).toEqual([{ QueueUrl: QUEUE, ReceiptHandle: "rh-p-1" }]);
      expect(s.poisoned[reason as keyof typeof s.poisoned]).toBe(1);
    });
  }

  it("a message the store refuses outright goes to the DLQ with the store's words; the next one is kept", async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg("big", EVENT), msg("ok", EVENT.replace("7bf73129", "8bf73129"))] }).resolves({});
    const sink = memorySink();
    sink.refuse = (a) => (a.ref === "big" ? "arrival of 5000 bytes is larger than the limit (4000 bytes)" : null);
    const s = source();
    expect(await s.drain(sink, new AbortController().signal)).toBe(1);
    const [sent] = calls(SendMessageCommand) as { MessageAttributes: Record<string, { StringValue: string }> }[];
    expect(sent!.MessageAttributes["abuse-desk.reason"]!.StringValue).toBe("refused");
    expect(sent!.MessageAttributes["abuse-desk.detail"]!.StringValue).toContain("larger than the limit (4000 bytes)");
    expect(calls(DeleteMessageCommand).map((d) => d.ReceiptHandle)).toEqual(["rh-big", "rh-ok"]);
    expect(sink.kept.map((a) => a.ref)).toEqual(["ok"]);
  });

  it("the service's arrival limit is the body limit when it is lower", async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg("m", EVENT)] }).resolves({});
    const sink = memorySink();
    const s = source({}, { maxBytes: 100 });
    await s.drain(sink, new AbortController().signal);
    expect(sink.offered).toEqual([]);
    expect(s.poisoned["too-large"]).toBe(1);
  });

  it("the DLQ refusing: the poison message is not deleted (SQS's own redrive policy is the backstop)", async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg("p-1", "garbage")] }).resolves({});
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error("Access to the resource is denied."), { name: "AccessDenied" }));
    const s = source();
    await expect(s.drain(memorySink(), new AbortController().signal)).rejects.toThrow(/sqs:SendMessage failed: AccessDenied/);
    expect(calls(DeleteMessageCommand)).toEqual([]);
  });

  it("classify looks only at size and shape", () => {
    const c = { maxBodyBytes: 1_048_576, maxReceiveCount: 5 };
    expect(classify(EVENT, 1, c)).toBeNull();
    expect(classify(EVENT, 5, c)).toBeNull();
    expect(classify(JSON.stringify({ Type: "Notification", Message: EVENT }), 1, c)).toBeNull();
    expect(classify("", 1, c)).toBe("not-json");
    expect(classify("[]", 1, c)).toBe("not-health-event");
    expect(classify("é".repeat(600_000), 1, c)).toBe("too-large");
  });
});

describe("running", () => {
  it("long polls (WaitTimeSeconds 20), backs off after a failed receive, and stops when aborted", async () => {
    const ac = new AbortController();
    const asked: number[] = [];
    let receives = 0;
    sqs.on(ReceiveMessageCommand).callsFake(() => {
      receives++;
      if (receives === 1) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
      if (receives === 3) ac.abort();
      return { Messages: [] };
    });
    const s = source({}, { sleep: async (ms: number) => void asked.push(ms) });
    await s.run(memorySink(), ac.signal);
    expect(asked).toEqual([1000]);
    expect(calls(ReceiveMessageCommand)[1]).toMatchObject({ WaitTimeSeconds: 20 });
    expect(s.health().state).toBe("stopped");
  });
});

describe("configuration", () => {
  it("requires both queues, reads the region from the queue URL, refuses credentials in URLs", () => {
    expect(sqsSourceSchema.safeParse({ queueUrl: QUEUE }).success).toBe(false);
    expect(sqsSourceSchema.parse({ queueUrl: QUEUE, dlqUrl: DLQ })).toMatchObject({ name: "sqs", waitTimeSeconds: 20, visibilityTimeout: 120, maxReceiveCount: 5 });
    expect(sqsSourceSchema.safeParse({ queueUrl: "https://user:pw@sqs.eu-west-1.amazonaws.com/1/q", dlqUrl: DLQ }).success).toBe(false);
    expect(sqsSourceSchema.safeParse({ queueUrl: QUEUE, dlqUrl: DLQ, waitTimeSeconds: 21 }).success).toBe(false);
    expect(queueRegion(QUEUE)).toBe("eu-west-1");
    expect(queueRegion("https://eu-central-1.queue.amazonaws.com/1/q")).toBe("eu-central-1");
    expect(queueRegion("http://127.0.0.1:4566/000000000000/q")).toBeNull();
    expect(() => sqsSource({ queueUrl: "http://127.0.0.1:4566/000000000000/q", dlqUrl: DLQ })).toThrow(/set region/);
  });
});
