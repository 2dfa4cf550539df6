/**
 * Who is asking: the session cookie, or (when configured) the trusted reverse proxy's header;
 * and `requireRole`, the guard every route states.
 *
 * - Sessions: the cookie holds a random token (the store keeps its hash: src/case/users.ts);
 *   HttpOnly, SameSite=Lax, Path=/, and Secure with the `__Host-` prefix when the request came
 *   over TLS (or `web.secureCookies: always`). A new session is issued on every sign-in and the
 *   old one ended (no fixation).
 * - Proxy mode (`web.proxy.enabled`): the header (default X-Forwarded-User) names the person,
 *   believed only on a connection from one of `web.proxy.trusted`; from anyone else it is ignored
 *   and the request is treated as anyone's. Their role is their local user's (created with
 *   `abuse-desk user add NAME --role R --no-password`), else `web.proxy.defaultRole`, else refused.
 *   A session (for its CSRF token) is kept alongside and ends when the header names someone else.
 * - Every route but /login and /static needs a signed-in person; a page redirects to /login, an
 *   htmx or form request gets 401.
 */
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import type { MiddlewareHandler } from "hono";
import ipaddr from "ipaddr.js";
import { roleAtLeast, type Role, type WebSession } from "../case/users.ts";
import type { WebConfig } from "./config.ts";
import { denied } from "./errors.tsx";
import type { Principal, WebContext, WebDeps, WebEnv } from "./types.ts";

/** Paths served to anyone (the sign-in page and the static files). */
export function isPublicPath(path: string): boolean {
  return path === "/login" || path === "/favicon.ico" || path.startsWith("/static/");
}

/** The peer's address as the socket says (never a forwarded header); "unknown" under app.request() without an env. */
export function clientAddress(c: WebContext): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } }; server?: { incoming?: { socket?: { remoteAddress?: string } } } } | undefined;
  const raw = env?.server?.incoming?.socket?.remoteAddress ?? env?.incoming?.socket?.remoteAddress;
  if (!raw || !ipaddr.isValid(raw)) return "unknown";
  const a = ipaddr.parse(raw);
  return a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address().toString() : a.toString();
}

export function addressIn(address: string, ranges: readonly string[]): boolean {
  if (!ipaddr.isValid(address)) return false;
  const a = ipaddr.parse(address);
  for (const r of ranges) {
    const [net, bits] = r.includes("/") ? ipaddr.parseCIDR(r) : [ipaddr.parse(r), ipaddr.parse(r).kind() === "ipv4" ? 32 : 128];
    if (net.kind() === a.kind() && a.match(net, bits)) return true;
  }
  return false;
}

export function fromTrustedProxy(c: WebContext, config: WebConfig): boolean {
  return config.proxy.enabled && addressIn(c.get("client") ?? clientAddress(c), config.proxy.trusted);
}

/** Whether the browser reached the desk over TLS (directly, or through the trusted proxy that says so). */
export function overTls(c: WebContext, config: WebConfig): boolean {
  if (config.secureCookies === "always") return true;
  if (config.secureCookies === "never") return false;
  if (new URL(c.req.url).protocol === "https:") return true;
  return fromTrustedProxy(c, config) && c.req.header("x-forwarded-proto")?.toLowerCase() === "https";
}

export function sessionCookieName(tls: boolean): string {
  return tls ? "__Host-abuse-desk" : "abuse-desk";
}

export function timeouts(config: WebConfig) {
  return { idleMs: config.session.idleMinutes * 60_000, absoluteMs: config.session.absoluteHours * 3_600_000 };
}

export function readSessionToken(c: WebContext, config: WebConfig): string | null {
  return getCookie(c, sessionCookieName(overTls(c, config))) ?? null;
}

export function setSessionCookie(c: WebContext, config: WebConfig, token: string): void {
  const tls = overTls(c, config);
  setCookie(c, sessionCookieName(tls), token, { httpOnly: true, secure: tls, sameSite: "Lax", path: "/", maxAge: config.session.absoluteHours * 3600 });
}

export function clearSessionCookie(c: WebContext, config: WebConfig): void {
  const tls = overTls(c, config);
  deleteCookie(c, sessionCookieName(tls), { httpOnly: true, secure: tls, sameSite: "Lax", path: "/" });
}

export const actorOf = (name: string) => `web:${name}`;

/** A local path to go back to after sign-in (anything else -> "/"): no open redirect. */
export function safeNext(next: string | undefined | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\") || /[\u0000-\u001f\\]/.test(next) || next.length > 2000) return "/";
  return next;
}

function unauthenticated(c: WebContext): Response {
  const htmx = c.req.header("hx-request") === "true";
  const page = (c.req.method === "GET" || c.req.method === "HEAD") && !htmx;
  const target = `/login?next=${encodeURIComponent(safeNext(c.req.path + (new URL(c.req.url).search || "")))}`;
  if (page) return c.redirect(target, 303);
  if (htmx) c.header("HX-Redirect", target);
  return c.text("Sign in first.", 401);
}

async function proxySession(c: WebContext, deps: WebDeps, name: string): Promise<{ session: WebSession; principal: Principal } | Response> {
  const { store, config } = deps;
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name)) return denied(c, 403, "The sign-in proxy named a user this desk cannot accept.");
  if (!(await store.users.getUser(name))) {
    if (!config.proxy.defaultRole) return denied(c, 403, `${name} has no user on this desk. An administrator adds one with: abuse-desk user add ${name} --role viewer --no-password`);
    await store.users.addUser(name, config.proxy.defaultRole, null, { actor: "web (proxy sign-in)", now: deps.clock() });
  }
  const t = timeouts(config);
  const token = readSessionToken(c, config);
  const existing = token ? await store.users.session(token, { now: deps.clock(), timeouts: t }) : null;
  if (existing && existing.user === name && existing.via === "proxy") return { session: existing, principal: { name, role: existing.role, via: "proxy" } };
  const fresh = await store.users.createSession(name, { via: "proxy", replaces: token, now: deps.clock(), timeouts: t });
  setSessionCookie(c, config, fresh.token);
  return { session: fresh.session, principal: { name, role: fresh.session.role, via: "proxy" } };
}

/** Sets `user`, `session`, `csrf`, `actor` for every route but the public ones; refuses the rest. */
export function authenticate(deps: WebDeps): MiddlewareHandler<WebEnv> {
  const { config, store } = deps;
  return async (c, next) => {
    c.set("client", clientAddress(c));
    if (isPublicPath(c.req.path)) return next();
    let found: { session: WebSession; principal: Principal } | null = null;
    const header = config.proxy.enabled ? c.req.header(config.proxy.header) : undefined;
    if (header !== undefined && fromTrustedProxy(c, config)) {
      const r = await proxySession(c, deps, header.trim());
      if (r instanceof Response) return r;
      found = r;
    } else {
      if (header !== undefined) deps.log.warn({ client: c.get("client"), header: config.proxy.header }, "web: a sign-in header from an untrusted address was ignored");
      const token = readSessionToken(c, config);
      const session = token ? await store.users.session(token, { now: deps.clock(), timeouts: timeouts(config) }) : null;
      // A proxy session stands only while the proxy keeps vouching for it.
      if (session && session.via === "password") found = { session, principal: { name: session.user, role: session.role, via: "password" } };
    }
    if (!found) return unauthenticated(c);
    c.set("user", found.principal);
    c.set("session", found.session);
    c.set("csrf", found.session.csrf);
    c.set("actor", actorOf(found.principal.name));
    return next();
  };
}

/** The guard a route states: `app.post("/x", requireRole("approver"), handler)`. Viewer < responder < approver. */
export function requireRole(role: Role): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const user = c.get("user");
    if (!user) return denied(c, 401, "Sign in first.");
    if (!roleAtLeast(user.role, role)) return denied(c, 403, `This needs the ${role} role; ${user.name} is a ${user.role}.`);
    return next();
  };
}
