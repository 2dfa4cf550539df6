/**
 * CSRF: every state change (POST, PUT, PATCH, DELETE) must carry the session's token, as the
 * form field `_csrf` (`<CsrfField />` in every form) or the `X-CSRF-Token` header (htmx sends it:
 * the layout puts it in `hx-headers` on <body>). A request whose Origin (or Sec-Fetch-Site) says
 * it came from another site is refused before the token is even looked at. Tokens are compared in
 * constant time. Sign-in, before any session, uses a token of its own (routes/auth.tsx).
 */
import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { isPublicPath } from "./auth.ts";
import type { WebConfig } from "./config.ts";
import { denied } from "./errors.tsx";
import type { WebContext, WebEnv } from "./types.ts";

export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function sameToken(a: string | undefined | null, b: string | undefined | null): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether the browser says the request came from this site (absent headers: a non-browser client, judged by the token alone). */
export function sameOrigin(c: WebContext, config: WebConfig): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return false;
  const origin = c.req.header("origin");
  if (origin === undefined) return true;
  const allowed = new Set([new URL(c.req.url).origin]);
  if (config.publicUrl) allowed.add(new URL(config.publicUrl).origin);
  const host = c.req.header("host");
  if (host) allowed.add(`${new URL(c.req.url).protocol}//${host}`);
  return allowed.has(origin);
}

/** The token a request carries: the header, else the form field (the parsed form is cached for the route). */
export async function tokenOf(c: WebContext): Promise<string | undefined> {
  const h = c.req.header(CSRF_HEADER);
  if (h) return h;
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data") return undefined;
  try {
    const body = await c.req.parseBody();
    const v = body[CSRF_FIELD];
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses a state change without the session's token (403), after `authenticate`. */
export function csrfProtect(config: WebConfig): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (!UNSAFE.has(c.req.method)) return next();
    if (!sameOrigin(c, config)) return denied(c, 403, "Refused: the request came from another site.");
    if (isPublicPath(c.req.path)) return next(); // sign-in checks a token of its own
    const expected = c.get("csrf");
    if (!sameToken(await tokenOf(c), expected)) return denied(c, 403, "Refused: the form's security token is missing or stale. Reload the page and try again.");
    return next();
  };
}
