/**
 * The EventBridge -> SQS source: an EventBridge rule on `aws.health` abuse and risk events delivers
 * each event, as JSON, to an SQS queue (deploy/cloudformation/health-intake.yaml); this consumer
 * long-polls the queue and hands each message body to the sink as an Arrival (the EventBridge
 * envelope is a shape src/notice/health reads).
 *
 * - A message is deleted only after the sink resolved (kept, or already kept): a crash before that
 *   leaves it on the queue, and it comes back when its visibility timeout ends.
 * - While the sink works, the message's visibility is extended (ChangeMessageVisibility every half
 *   timeout), so a slow store does not hand the same message to a second consumer.
 * - Poison messages go to the dead-letter queue with the reason as message attributes, then are
 *   deleted from the queue: a body that is too large, not JSON, or not a Health event; or a message
 *   received more than `maxReceiveCount` times (something kept failing on it). If the send to the
 *   DLQ fails, nothing is deleted.
 * - The ref is SQS's MessageId (assigned by SQS, not by whoever wrote the body); the store's raw
 *   SHA-256 dedupe makes EventBridge's at-least-once re-deliveries one arrival.
 * Everything in a body is hostile: it is measured, parsed only to classify it, and carried as bytes.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import { z } from "zod";
import { findHealthEvents } from "../notice/health/event.ts";
import { backoffMs, clientConfig, endpointUrl, inWords, isRefusal, regionCode, scrub, sourceName, type AwsSourceDeps } from "./aws-common.ts";
import { sleep, SourceStatus } from "./status.ts";
import type { Arrival, ArrivalSink, IntakeSource, SourceHealth } from "./types.ts";

const queueUrl = z.string().max(2048).regex(/^https?:\/\/[^\s/@]+\/[^\s@]+$/, "a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>), without credentials");

export const sqsSourceSchema = z
  .object({
    name: sourceName.default("sqs"),
    queueUrl,
    /** Where poison messages go, with the reason (the stack's dead-letter queue). */
    dlqUrl: queueUrl,
    /** The queue's region; read from the queue URL when it is AWS's (sqs.<region>.amazonaws.com). */
    region: regionCode.optional(),
    /** An endpoint override (an emulator); by default the queue URL's host is the endpoint. */
    endpoint: endpointUrl.optional(),
    profile: z.string().min(1).optional(),
    /** Long polling: seconds a receive waits for a message (SQS allows 0-20). */
    waitTimeSeconds: z.number().int().min(0).max(20).default(20),
    /** Seconds a received message stays invisible; extended every half of it while the sink works. */
    visibilityTimeout: z.number().int().min(10).max(43_200).default(120),
    maxMessages: z.number().int().min(1).max(10).default(10),
    /** A message received more times than this goes to the dead-letter queue. */
    maxReceiveCount: z.number().int().min(1).max(1000).default(5),
    /** Bodies above this many bytes are poison (SQS's own maximum is 1 MiB). */
    maxBodyBytes: z.number().int().min(1024).max(1_048_576).default(1_048_576),
    maxAttempts: z.number().int().min(1).max(10).default(3),
  })
  .strict();

export type SqsSourceConfig = z.output<typeof sqsSourceSchema>;

export interface SqsSourceDeps extends AwsSourceDeps {
  /** Calls `fn` every `ms` until the returned stop is called; injectable so tests drive the heartbeat. */
  every?: (ms: number, fn: () => void) => () => void;
}

/** Why a message is poison: the typed catalogue the DLQ attribute carries. */
export const POISON_REASONS = {
  "too-large": "the body is larger than intake.sqs.maxBodyBytes",
  "not-json": "the body is not JSON",
  "not-health-event": "the body is JSON but holds no AWS Health event",
  "too-many-receives": "received more than intake.sqs.maxReceiveCount times without being kept",
  refused: "the case store refused the arrival itself (too large or unusable): offering it again will not help",
} as const;
export type PoisonReason = keyof typeof POISON_REASONS;

/** The region of an AWS queue URL: `sqs.<region>.amazonaws.com` or the legacy `<region>.queue.amazonaws.com`. */
export function queueRegion(url: string): string | null {
  const host = /^https?:\/\/([^/:]+)/.exec(url)?.[1]?.toLowerCase() ?? "";
  const m = /^sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host) ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?$/.exec(host) ?? /^sqs\.([a-z0-9-]+)\.api\.aws$/.exec(host);
  return m ? m[1]! : null;
}

/** Poison or not: only size and shape are looked at, never acted on. */
export function classify(body: string, receiveCount: number, config: Pick<SqsSourceConfig, "maxBodyBytes" | "maxReceiveCount">): PoisonReason | null {
  if (Buffer.byteLength(body, "utf8") > config.maxBodyBytes) return "too-large";
  if (receiveCount > config.maxReceiveCount) return "too-many-receives";
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return "not-json";
  }
  return findHealthEvents(value).length > 0 ? null : "not-health-event";
}

function defaultEvery(ms: number, fn: () => void): () => void {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
}

/** A bounded string for meta and attributes: no control characters, at most `n`. */
function clip(v: unknown, n = 256): string | undefined {
  if (typeof v !== "string") return undefined;
  return v.replace(/[\u0000-\u001f\u007f]/g, " ").slice(0, n);
}

export class SqsSource implements IntakeSource {
  readonly kind = "sqs";
  readonly name: string;
  private readonly status: SourceStatus;
  private readonly now: () => Date;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly every: (ms: number, fn: () => void) => () => void;
  private client: SQSClient | null = null;
  /** Poison messages moved to the DLQ since start, by reason (for /metrics). */
  readonly poisoned: Record<PoisonReason, number> = { "too-large": 0, "not-json": 0, "not-health-event": 0, "too-many-receives": 0, refused: 0 };

  constructor(
    readonly config: SqsSourceConfig,
    private readonly deps: SqsSourceDeps = {},
  ) {
    this.name = config.name;
    this.now = deps.now ?? (() => new Date());
    this.sleep = deps.sleep ?? sleep;
    this.every = deps.every ?? defaultEvery;
    this.status = new SourceStatus(this.name, this.kind, this.now, { clean: scrub });
    if (!config.region && !config.endpoint && !queueRegion(config.queueUrl)) {
      throw new Error(`intake.${config.name}.region: the queue URL does not name a region (${config.queueUrl}); set region`);
    }
  }

  health(): SourceHealth {
    return this.status.snapshot();
  }

  private sqs(): SQSClient {
    this.client ??= new SQSClient(
      clientConfig({
        region: this.config.region ?? queueRegion(this.config.queueUrl) ?? "us-east-1",
        endpoint: this.config.endpoint,
        profile: this.config.profile,
        maxAttempts: this.config.maxAttempts,
        credentials: this.deps.credentials,
      }),
    );
    return this.client;
  }

  private close(): void {
    this.client?.destroy();
    this.client = null;
  }

  async run(sink: ArrivalSink, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const r = await this.round(sink, signal, this.config.waitTimeSeconds);
        if (r.failed) await this.sleep(backoffMs(this.status.failures), signal);
      } catch (err) {
        if (signal.aborted) break;
        this.status.fail(err instanceof Error ? err.message : String(err));
        this.deps.log?.warn({ source: this.name, error: this.status.snapshot().lastError }, "sqs source failed");
        await this.sleep(backoffMs(this.status.failures), signal);
      }
    }
    this.close();
    this.status.stopped();
  }

  /** Receives until the queue answers empty: what is waiting now. Throws when the queue cannot be read. */
  async drain(sink: ArrivalSink, signal: AbortSignal): Promise<number> {
    let kept = 0;
    try {
      for (let i = 0; i < 10_000 && !signal.aborted; i++) {
        // a 1-second long poll asks every SQS server, so an empty answer means empty
        const r = await this.round(sink, signal, 1);
        kept += r.kept;
        if (r.failed) throw new Error(this.status.snapshot().lastError ?? "the sink refused a message");
        if (r.received === 0) break;
      }
      return kept;
    } catch (err) {
      if (!(err instanceof Error && err.message === this.status.snapshot().lastError)) this.status.fail(err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      this.close();
    }
  }

  /** One receive and the handling of each message in it. */
  private async round(sink: ArrivalSink, signal: AbortSignal, wait: number): Promise<{ received: number; kept: number; failed: boolean }> {
    let messages: Message[];
    try {
      const r = await this.sqs().send(
        new ReceiveMessageCommand({
          QueueUrl: this.config.queueUrl,
          MaxNumberOfMessages: this.config.maxMessages,
          WaitTimeSeconds: wait,
          VisibilityTimeout: this.config.visibilityTimeout,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        }),
        { abortSignal: signal },
      );
      messages = r.Messages ?? [];
    } catch (err) {
      throw new Error(inWords("sqs:ReceiveMessage", err), { cause: err });
    }
    let kept = 0;
    let failed = false;
    // every message of the batch shares the window: extend the ones not yet done
    const pending = new Set(messages);
    const stop = this.every((this.config.visibilityTimeout * 1000) / 2, () => void this.extend([...pending]));
    try {
      for (const m of messages) {
        if (signal.aborted) break;
        const outcome = await this.handle(m, sink);
        pending.delete(m);
        if (outcome === "kept") kept++;
        if (outcome === "failed") {
          // the store (or SQS) is refusing: the rest of the batch comes back after its visibility timeout
          failed = true;
          break;
        }
      }
    } finally {
      stop();
    }
    if (!failed) this.status.ok();
    return { received: messages.length, kept, failed };
  }

  private async extend(messages: Message[]): Promise<void> {
    for (const m of messages) {
      if (!m.ReceiptHandle) continue;
      try {
        await this.sqs().send(new ChangeMessageVisibilityCommand({ QueueUrl: this.config.queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: this.config.visibilityTimeout }));
      } catch (err) {
        // the message may come back to another consumer; the store's dedupe makes that harmless
        this.deps.log?.warn({ source: this.name, messageId: clip(m.MessageId), error: inWords("sqs:ChangeMessageVisibility", err) }, "could not extend a message's visibility");
      }
    }
  }

  private async handle(m: Message, sink: ArrivalSink): Promise<"kept" | "duplicate" | "poison" | "failed"> {
    const body = m.Body ?? "";
    const count = Number(m.Attributes?.ApproximateReceiveCount ?? "1");
    const limits = { maxReceiveCount: this.config.maxReceiveCount, maxBodyBytes: Math.min(this.config.maxBodyBytes, this.deps.maxBytes ?? Infinity) };
    const reason = classify(body, Number.isFinite(count) ? count : 1, limits);
    if (reason) return (await this.toDeadLetter(m, reason, count)) ? "poison" : "failed";

    let receipt;
    try {
      receipt = await sink(this.arrival(m, body, count));
    } catch (err) {
      if (isRefusal(err)) return (await this.toDeadLetter(m, "refused", count, (err as Error).message)) ? "poison" : "failed";
      this.status.fail(`the ${this.name} source could not keep message ${clip(m.MessageId, 100)}: ${err instanceof Error ? err.message : String(err)}`);
      return "failed";
    }
    if (!(await this.delete(m))) return "failed";
    if (receipt.duplicate) return "duplicate";
    this.status.received++;
    return "kept";
  }

  private arrival(m: Message, body: string, count: number): Arrival {
    const meta: Record<string, string> = { origin: "sqs", queueUrl: this.config.queueUrl, messageId: clip(m.MessageId) ?? "", receiveCount: String(count) };
    try {
      const v = JSON.parse(body) as Record<string, unknown>;
      const detail = (typeof v.detail === "object" && v.detail !== null ? v.detail : {}) as Record<string, unknown>;
      const id = clip(v.id, 128);
      if (id) meta.eventId = id;
      const arn = clip(detail.eventArn, 1024);
      if (arn) meta.eventArn = arn;
    } catch {
      // classify() already proved it JSON
    }
    const sent = Number(m.Attributes?.SentTimestamp);
    if (Number.isFinite(sent)) meta.sentAt = new Date(sent).toISOString();
    return { raw: Buffer.from(body, "utf8"), source: this.name, ref: m.MessageId ?? "", receivedAt: this.now(), meta };
  }

  private async delete(m: Message): Promise<boolean> {
    try {
      await this.sqs().send(new DeleteMessageCommand({ QueueUrl: this.config.queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      return true;
    } catch (err) {
      // kept but not deleted: it comes back and is a duplicate then
      this.status.fail(inWords("sqs:DeleteMessage", err));
      return false;
    }
  }

  /** Sends the message, with why, to the DLQ; deletes it from the queue only once that send succeeded. */
  private async toDeadLetter(m: Message, reason: PoisonReason, count: number, detail?: string): Promise<boolean> {
    const words = detail ? `${POISON_REASONS[reason]}: ${scrub(detail)}` : POISON_REASONS[reason];
    // a body too large for the DLQ is cut (the reason says so); SQS bodies are at most 1 MiB anyway
    const body = m.Body && m.Body.length > 0 ? m.Body : "(empty body)";
    try {
      await this.sqs().send(
        new SendMessageCommand({
          QueueUrl: this.config.dlqUrl,
          MessageBody: body,
          MessageAttributes: {
            "abuse-desk.reason": { DataType: "String", StringValue: reason },
            "abuse-desk.detail": { DataType: "String", StringValue: words },
            "abuse-desk.source": { DataType: "String", StringValue: this.name },
            "abuse-desk.message-id": { DataType: "String", StringValue: clip(m.MessageId) || "unknown" },
            "abuse-desk.receive-count": { DataType: "Number", StringValue: String(Number.isFinite(count) ? count : 0) },
            "abuse-desk.at": { DataType: "String", StringValue: this.now().toISOString() },
          },
        }),
      );
    } catch (err) {
      this.status.fail(inWords("sqs:SendMessage", err));
      return false;
    }
    this.poisoned[reason]++;
    this.deps.log?.warn({ source: this.name, messageId: clip(m.MessageId), reason }, `poison message moved to the dead-letter queue: ${words}`);
    return this.delete(m);
  }
}

/** The registry's factory: an SQS source from its `intake.sqs` section. */
export function sqsSource(config: unknown, deps: SqsSourceDeps = {}): SqsSource {
  return new SqsSource(sqsSourceSchema.parse(config ?? {}), deps);
}
