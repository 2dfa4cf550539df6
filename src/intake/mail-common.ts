/**
 * What the mailbox (IMAP) and listener (SMTP) sources share: their health as `/readyz` and the web
 * desk show it, errors said in words with no secret in them, a logger shape pino satisfies, and
 * back-off that ends when the service stops.
 */
import { safeText } from "../safe-text.ts";

/** The part of a pino logger the sources use (pino's `(object, message)` call shape). */
export interface SourceLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export const silentLogger: SourceLogger = { info() {}, warn() {}, error() {} };

/** The longest error text kept for health (a hostile peer's text is bounded and made inert). */
const MAX_ERROR_CHARS = 300;

/**
 * Text for a person from an error: one line, unsafe characters made visible, bounded, and every
 * secret the source holds (password, token) replaced, in case a library or a peer echoed one.
 */
export function errorWords(err: unknown, secrets: readonly string[] = []): string {
  let s = err instanceof Error ? err.message : typeof err === "string" ? err : "unknown error";
  for (const secret of secrets) if (secret && secret.length >= 3) s = s.split(secret).join("[secret]");
  s = safeText(s.replace(/\s+/g, " ").trim());
  if (s.length > MAX_ERROR_CHARS) s = `${s.slice(0, MAX_ERROR_CHARS)}…`;
  return s || "unknown error";
}



/** Exponential back-off between `initialMs` and `maxMs`, with up to 20% jitter so several services do not reconnect in step. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(base * (1 - 0.2 * this.random()));
  }
  reset(): void {
    this.attempt = 0;
  }
}

/** True for a host name or address that is this machine (where a cleartext connection crosses no network). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
