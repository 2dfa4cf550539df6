/**
 * Headers every response carries, and the request size limit.
 *
 * The Content-Security-Policy allows scripts, styles, images and connections from the desk itself
 * and nothing else: no inline script, no inline style (not even a `style` attribute), no eval, no
 * plugin, no framing, no <base>, forms only to the desk. Notice content is escaped by hono/jsx on
 * output; the policy is the second wall should anything ever slip through.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { WebEnv } from "./types.ts";

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
  "manifest-src 'self'",
].join("; ");

export const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CSP,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
  "X-Permitted-Cross-Domain-Policies": "none",
};

/** Sets the security headers on every response (errors and 404s included); pages are never cached. */
export function securityHeaders(opts: { tls: (c: Parameters<MiddlewareHandler<WebEnv>>[0]) => boolean }): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) h.set(k, v);
    if (opts.tls(c)) h.set("Strict-Transport-Security", "max-age=31536000");
    if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
    // hono/jsx and c.html() say text/html; UTF-8 is spelt out for every text type so no sniffing decides it.
    const type = h.get("Content-Type");
    if (type && /^text\/[a-z]+$/i.test(type)) h.set("Content-Type", `${type}; charset=UTF-8`);
  };
}

/**
 * Refuses a request body larger than its route allows (413), before anything reads it: the
 * default for every route, larger for the few listed (the intake's upload). A declared length
 * is checked up front; a chunked body is counted as it streams and cut at the limit.
 */
export function sizeLimits(defaultBytes: number, larger: { path: RegExp; bytes: number }[]): MiddlewareHandler<WebEnv> {
  const limiters = new Map<number, MiddlewareHandler>();
  const limiter = (bytes: number) => {
    let l = limiters.get(bytes);
    if (!l) {
      l = bodyLimit({ maxSize: bytes, onError: (c) => c.text(`The request is larger than this page accepts (${bytes} bytes).`, 413) });
      limiters.set(bytes, l);
    }
    return l;
  };
  return async (c, next) => {
    const path = c.req.path;
    const bytes = larger.find((l) => l.path.test(path))?.bytes ?? defaultBytes;
    return limiter(bytes)(c, next);
  };
}
