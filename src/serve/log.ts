/**
 * The service's log: pino, one JSON object per line. Secrets never reach it: fields whose names
 * say they hold one are replaced by `[redacted]` at any depth, and every string is scrubbed of the
 * forms a secret takes inside text (URL credentials, `Bearer ...`, AWS secret keys, `password=`).
 * Control characters from a notice are escaped by JSON itself.
 */
import { pino, type Logger } from "pino";
import type { Writable } from "node:stream";

export type { Logger } from "pino";

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|credential|api[-_]?key|private[-_]?key|session/i;

/** Secrets written inside text: `user:pass@` in URLs, bearer tokens, `password=...`, AWS secret access keys. */
export function scrub(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*:[^\s/@]*@/gi, "$1[redacted]@")
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, "$1 [redacted]")
    .replace(/\b(pass(word)?|secret|token|api[-_]?key)(["']?\s*[=:]\s*["']?)[^\s"'&,;]+/gi, "$1$3[redacted]")
    .replace(/(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, (m) => (/[A-Z]/.test(m) && /[a-z]/.test(m) && /[0-9]/.test(m) ? "[redacted]" : m));
}

function clean(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { type: value.name, message: scrub(value.message) };
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => clean(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = SECRET_KEY.test(k) ? "[redacted]" : clean(v, depth + 1);
  return out;
}

export function createLogger(opts: { level?: string; destination?: Writable; name?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? "abuse-desk",
      level: opts.level ?? "info",
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (obj) => clean(obj) as Record<string, unknown> },
      hooks: {
        // the message string itself is scrubbed too
        logMethod(args, method) {
          const a = args as unknown[];
          for (let i = 0; i < a.length; i++) if (typeof a[i] === "string") a[i] = scrub(a[i] as string);
          return method.apply(this, args);
        },
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
