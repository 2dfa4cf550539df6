/**
 * Intake sources: where notices arrive from when the desk runs by itself (`abuse-desk serve`).
 *
 * A source (IMAP mailbox, SMTP listener, AWS Health, EventBridge -> SQS, a watched directory)
 * turns what it receives into `Arrival`s and hands each to the service's sink. The sink resolves
 * only once the arrival is durably kept in the case store (not necessarily processed yet); a
 * source acknowledges to its peer (moves or flags the IMAP message, answers 250 to SMTP, deletes
 * the SQS message, advances the Health cursor) only after that. When the sink rejects (the store
 * is down), the source acknowledges nothing: the peer keeps the message and it is offered again.
 * So a crash at any point loses nothing, and the store's dedupe (Message-ID + raw SHA-256, the
 * source's own reference) makes a second delivery the same notice.
 *
 * Sources never parse, verify or decide anything: they carry bytes. Everything they carry is
 * hostile until the pipeline has verified it.
 */

export interface Arrival {
  /** The bytes as received: RFC 822 for mail, the Health event JSON for Health and SQS, the file for a directory. */
  raw: Buffer;
  /** The configured source's name (`intake.<kind>.name`, default its kind): `imap`, `smtp`, `health`, `sqs`, `dir`. */
  source: string;
  /**
   * The source's own stable reference for this item, the same on every re-delivery of the same
   * item: `UIDVALIDITY:UID` for IMAP, the SQS message id (or the Health event's ARN inside it),
   * the Health event ARN, the file's name and content hash for a directory, the SMTP envelope's
   * queue id. Together with `source` it identifies a delivery (a second delivery is a duplicate).
   */
  ref: string;
  /** When the source received it. */
  receivedAt: Date;
  /** What the source knows about the envelope, for the record (SMTP MAIL FROM / RCPT TO / peer address, IMAP mailbox...). */
  meta?: Record<string, string>;
}

/** What the sink says once it has kept an arrival. */
export interface ArrivalReceipt {
  /** The store's id for the kept arrival. */
  id: string;
  /** True when this source + ref (or the same bytes) was already kept: acknowledge it again, it is not new work. */
  duplicate: boolean;
}

/**
 * Keeps an arrival durably (resolves) or says it could not (rejects: acknowledge nothing, the
 * peer will offer it again). Never throws for a bad notice: parsing and verifying come later.
 */
export type ArrivalSink = (arrival: Arrival) => Promise<ArrivalReceipt>;

export type SourceState = "starting" | "ok" | "failing" | "stopped";

/** A source's health, as `/readyz`, `/metrics` and the web desk's sources page show it. */
export interface SourceHealth {
  name: string;
  kind: string;
  state: SourceState;
  /** Since when it has been in this state (ISO 8601 UTC). */
  since: string;
  /** The last error, in words (never a secret: no password, token or URL credentials). */
  lastError: string | null;
  lastOkAt: string | null;
  /** Arrivals handed to the sink and kept since the process started. */
  received: number;
}

/**
 * A source's durable position (IMAP UIDVALIDITY + last UID, the Health cursor), kept in the case
 * store so a restart neither skips nor repeats. Values are the source's own opaque strings.
 */
export interface SourceCursorStore {
  getCursor(source: string): Promise<string | null>;
  setCursor(source: string, value: string): Promise<void>;
}

export interface IntakeSource {
  readonly name: string;
  readonly kind: string;
  /**
   * Runs until `signal` aborts: receives, hands each arrival to `sink`, acknowledges after the
   * sink resolved. A peer that is down is retried with back-off and shown as `failing` in
   * `health()`; it never ends the process. Resolves once stopped.
   */
  run(sink: ArrivalSink, signal: AbortSignal): Promise<void>;
  /**
   * `serve --once`: takes in what is waiting now and returns how many arrivals were kept (a
   * listener, which cannot poll, returns 0 and is not started by --once).
   */
  drain(sink: ArrivalSink, signal: AbortSignal): Promise<number>;
  health(): SourceHealth;
}
