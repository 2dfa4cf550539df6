/**
 * One HTTP POST of a notification, classified for the retry loop: 2xx delivered; 408, 429 and 5xx
 * worth another try (honouring Retry-After); any other 4xx is a configuration problem that trying
 * again will not fix (a revoked Slack webhook answers 404 or 410 forever).
 */
import type { AttemptResult } from "./types.ts";

export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<AttemptResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "user-agent": "abuse-desk/0.1", ...headers },
      body,
      redirect: "manual", // a redirect would re-send the signed body somewhere else
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { ok: false, retryable: true, error: reason };
  }
  const text = await res.text().catch(() => "");
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, detail: text.slice(0, 200) };
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
  return { ok: false, retryable, status: res.status, error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Webhook URLs must be https, except to this machine (a local relay, the tests). */
export function checkWebhookUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (u.protocol === "https:") return null;
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (u.protocol === "http:" && (host === "localhost" || host === "::1" || /^127\./.test(host))) return null;
  return "must be an https:// URL (notifications carry incident details)";
}
