/**
 * A generic JSON webhook, signed so the receiver can tell it came from this desk and was not
 * replayed. The signature scheme (documented in docs/notify.md, with verification code):
 *
 *   X-Abuse-Desk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The receiver recomputes the HMAC over the timestamp and the raw body bytes, compares in constant
 * time, and rejects a timestamp outside its tolerance (default 5 minutes): a captured request
 * cannot be replayed later. Within the window, `X-Abuse-Desk-Delivery` (the same on every retry of
 * one delivery) lets it drop duplicates. Each attempt is signed afresh with the current time, so a
 * retry after a long back-off is not rejected as stale.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { postJson } from "./http.ts";
import type { Channel, NotifyEvent, NotifyEventKind } from "./types.ts";

export const SIGNATURE_HEADER = "x-abuse-desk-signature";
export const DELIVERY_HEADER = "x-abuse-desk-delivery";
export const EVENT_HEADER = "x-abuse-desk-event";
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function sign(secret: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: "missing" | "malformed" | "stale" | "mismatch" };

/**
 * Checks a signature header against the raw body. `secrets` may hold several (during rotation);
 * any `v1` of the header matching any secret passes.
 */
export function verifySignature(secrets: string | readonly string[], header: string | null | undefined, body: string | Buffer, opts: { now?: number; toleranceSeconds?: number } = {}): VerifyResult {
  if (!header) return { ok: false, reason: "missing" };
  let t: number | null = null;
  const sigs: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.trim().split("=", 2) as [string, string | undefined];
    if (k === "t" && v && /^\d+$/.test(v)) t = Number(v);
    else if (k === "v1" && v && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === null || sigs.length === 0) return { ok: false, reason: "malformed" };
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: "stale" };
  for (const secret of typeof secrets === "string" ? [secrets] : secrets) {
    const want = Buffer.from(sign(secret, t, body).split("v1=")[1]!, "hex");
    for (const s of sigs) {
      if (timingSafeEqual(want, Buffer.from(s, "hex"))) return { ok: true, timestamp: t };
    }
  }
  return { ok: false, reason: "mismatch" };
}

/** The JSON body a webhook receives. Its fields are only ever added to. */
export function webhookBody(event: NotifyEvent): Record<string, unknown> {
  return {
    type: `abuse-desk.${event.kind}`,
    key: event.key,
    at: event.at,
    severity: event.severity,
    caseId: event.caseId,
    awsCaseNumber: event.awsCaseNumber,
    title: event.title,
    text: event.text,
    fields: event.fields,
    data: event.data,
  };
}

export function webhookChannel(opts: { url: string; secret: string; events: readonly NotifyEventKind[] | "all"; timeoutMs: number; name?: string; now?: () => number }): Channel {
  const now = opts.now ?? Date.now;
  // One delivery id per event on this channel: the same across its retries.
  const deliveries = new Map<string, string>();
  return {
    name: opts.name ?? "webhook",
    kind: "webhook",
    events: opts.events,
    deliver(event) {
      let id = deliveries.get(event.key);
      if (!id) {
        id = randomUUID();
        deliveries.set(event.key, id);
        if (deliveries.size > 1000) deliveries.delete(deliveries.keys().next().value!);
      }
      const body = JSON.stringify({ id, ...webhookBody(event) });
      const t = Math.floor(now() / 1000);
      return postJson(opts.url, body, { [SIGNATURE_HEADER]: sign(opts.secret, t, body), [DELIVERY_HEADER]: id, [EVENT_HEADER]: event.kind }, opts.timeoutMs);
    },
  };
}
