/**
 * The SQS source over the SDK's real stack (no mocked `send`) against a loopback queue: the queue
 * URL as the endpoint, SigV4 for the configured region, the SDK's body checksum (a body altered
 * on the way is refused, never kept), the DLQ send with its checksum, deletes after the sink.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sqsSource } from "../../src/intake/sqs.ts";
import { parseInput } from "../../src/notice/index.ts";
import { instantSleep, memorySink, staticCredentials } from "./helpers.ts";
import { jsonError, startJsonLoopback, type JsonLoopback } from "./json-loopback.ts";

for (const k of Object.keys(process.env)) if (k.startsWith("AWS_ENDPOINT_URL") || k === "AWS_PROFILE") delete process.env[k];

const EVENT = readFileSync(new URL("../../fixtures/notices/health-eventbridge-abuse.json", import.meta.url), "utf8");
const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");

/** A queue pair in memory behind the JSON protocol: enough of SQS for the consumer. */
class FakeQueues {
  queue: { id: string; body: string; count: number; md5?: string }[] = [];
  dlq: { body: string; attributes: Record<string, { StringValue: string }> }[] = [];
  deleted: string[] = [];
  denyDelete = false;
}

let q = new FakeQueues();
let server: JsonLoopback;
let QUEUE = "";
let DLQ = "";
beforeAll(async () => {
  server = await startJsonLoopback((req) => {
    const url = String(req.body.QueueUrl ?? "");
    switch (req.op) {
      case "ReceiveMessage": {
        const max = Number(req.body.MaxNumberOfMessages ?? 1);
        const out = q.queue.filter((m) => !q.deleted.includes(m.id)).slice(0, max);
        for (const m of out) m.count++;
        return {
          status: 200,
          body: out.length ? { Messages: out.map((m) => ({ MessageId: m.id, ReceiptHandle: `rh-${m.id}-${m.count}`, MD5OfBody: m.md5 ?? md5(m.body), Body: m.body, Attributes: { ApproximateReceiveCount: String(m.count) } })) } : {},
        };
      }
      case "DeleteMessage": {
        if (q.denyDelete) return jsonError("com.amazonaws.sqs#AccessDenied", "Access to the resource is denied.", 403);
        const id = /^rh-(.+)-\d+$/.exec(String(req.body.ReceiptHandle))![1]!;
        q.deleted.push(id);
        return { status: 200, body: {} };
      }
      case "SendMessage": {
        if (url !== DLQ) return jsonError("com.amazonaws.sqs#QueueDoesNotExist", "The specified queue does not exist.", 400);
        const body = String(req.body.MessageBody);
        q.dlq.push({ body, attributes: req.body.MessageAttributes as Record<string, { StringValue: string }> });
        return { status: 200, body: { MessageId: `dlq-${q.dlq.length}`, MD5OfMessageBody: md5(body) } };
      }
      case "ChangeMessageVisibility":
        return { status: 200, body: {} };
      default:
        return jsonError("com.amazonaws.sqs#UnsupportedOperation", req.op, 400);
    }
  });
  QUEUE = `${server.url}/111122223333/abuse-desk-health-events`;
  DLQ = `${server.url}/111122223333/abuse-desk-health-events-dlq`;
});
afterAll(() => server.close());
afterEach(() => {
  q = new FakeQueues();
  server.received.length = 0;
});

const make = () => sqsSource({ queueUrl: QUEUE, dlqUrl: DLQ, region: "eu-west-1", maxAttempts: 1 }, { credentials: staticCredentials, sleep: instantSleep().sleep });

describe("SQS over the SDK's real stack", () => {
  it("receives from the queue URL signed for its region, keeps, then deletes; the bytes parse into the notice", async () => {
    q.queue.push({ id: "m-1", body: EVENT, count: 0 });
    const sink = memorySink();
    expect(await make().drain(sink, new AbortController().signal)).toBe(1);
    expect(server.received.map((r) => r.op)).toEqual(["ReceiveMessage", "DeleteMessage", "ReceiveMessage"]);
    expect(server.received.every((r) => r.signingRegion === "eu-west-1" && r.signingService === "sqs")).toBe(true);
    expect(q.deleted).toEqual(["m-1"]);
    expect(sink.kept[0]!.raw.toString()).toBe(EVENT);
    expect((await parseInput(sink.kept[0]!.raw)).items[0]!.notice.activityType).toBe("port_scan");
  });

  it("a body whose checksum does not match (altered on the way) is refused by the SDK: nothing kept, nothing deleted", async () => {
    q.queue.push({ id: "m-1", body: EVENT, count: 0, md5: md5("something else") });
    const sink = memorySink();
    const s = make();
    await expect(s.drain(sink, new AbortController().signal)).rejects.toThrow(/sqs:ReceiveMessage failed: .*MD5/);
    expect(sink.offered).toEqual([]);
    expect(q.deleted).toEqual([]);
    expect(s.health().state).toBe("failing");
  });

  it("a poison message goes to the DLQ with its reason and leaves the queue; the good one is kept", async () => {
    q.queue.push({ id: "bad", body: "<html>not an event</html>", count: 0 }, { id: "good", body: EVENT, count: 0 });
    const sink = memorySink();
    expect(await make().drain(sink, new AbortController().signal)).toBe(1);
    expect(q.dlq).toHaveLength(1);
    expect(q.dlq[0]!.body).toBe("<html>not an event</html>");
    expect(q.dlq[0]!.attributes["abuse-desk.reason"]!.StringValue).toBe("not-json");
    expect(q.deleted.sort()).toEqual(["bad", "good"]);
    expect(sink.kept.map((a) => a.ref)).toEqual(["good"]);
  });

  it("a delete refused by SQS: the source fails, the message stays, and the next pass keeps it once (a duplicate) and deletes it", async () => {
    q.queue.push({ id: "m-1", body: EVENT, count: 0 });
    q.denyDelete = true;
    const sink = memorySink();
    await expect(make().drain(sink, new AbortController().signal)).rejects.toThrow(/sqs:DeleteMessage failed: .*denied/i);
    q.denyDelete = false;
    expect(await make().drain(sink, new AbortController().signal)).toBe(0);
    expect(sink.kept).toHaveLength(1);
    expect(sink.offered).toHaveLength(2);
    expect(q.deleted).toEqual(["m-1"]);
  });
});
