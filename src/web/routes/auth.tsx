/**
 * Sign-in and sign-out. GET /login sets a short-lived sign-in token (cookie + hidden field: a
 * forged cross-site sign-in has neither); POST /login checks it, the Origin, the throttle and the
 * password, then opens a new session (the browser's old one, if any, is ended: rotation). No
 * default user and no default password: with no users yet, the page says how to create one.
 */
import { randomBytes } from "node:crypto";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { actorOf, clearSessionCookie, overTls, readSessionToken, requireRole, safeNext, setSessionCookie, timeouts } from "../auth.ts";
import { CSRF_FIELD, sameOrigin, sameToken } from "../csrf.ts";
import { page } from "../layout.tsx";
import type { WebApp, WebContext, WebDeps } from "../types.ts";

const LOGIN_COOKIE = "abuse-desk-signin";

function LoginForm(props: { token: string; next: string; message?: string | null; noUsers: boolean; name?: string }) {
  return (
    <section class="login">
      <h1>Sign in</h1>
      {props.noUsers ? (
        <p class="error" role="alert">
          This desk has no users yet. Create one on the server with: <code>abuse-desk user add NAME --role approver</code>
        </p>
      ) : null}
      {props.message ? (
        <p class="error" role="alert">
          {props.message}
        </p>
      ) : null}
      <form class="stack" method="post" action={`/login?next=${encodeURIComponent(props.next)}`}>
        <input type="hidden" name={CSRF_FIELD} value={props.token} />
        <label>
          User name
          <input type="text" name="name" autocomplete="username" required maxlength={64} value={props.name ?? ""} />
        </label>
        <label>
          Password
          <input type="password" name="password" autocomplete="current-password" required maxlength={1024} />
        </label>
        <div>
          <button type="submit">Sign in</button>
        </div>
      </form>
    </section>
  );
}

async function showLogin(c: WebContext, deps: WebDeps, status: 200 | 401 | 403 | 429, message: string | null, name?: string) {
  // One sign-in token per browser while it is fresh: a second tab, or a stray request that lands on
  // /login (an image, a prefetch), must not make the form already on screen stale.
  const had = getCookie(c, LOGIN_COOKIE);
  const token = had && /^[A-Za-z0-9_-]{32}$/.test(had) ? had : randomBytes(24).toString("base64url");
  setCookie(c, LOGIN_COOKIE, token, { httpOnly: true, secure: overTls(c, deps.config), sameSite: "Strict", path: "/login", maxAge: 30 * 60 });
  const noUsers = (await deps.store.users.listUsers()).length === 0;
  return page(c, "Sign in", <LoginForm token={token} next={safeNext(c.req.query("next"))} message={message} noUsers={noUsers} name={name} />, { status });
}

export function authRoutes(app: WebApp, deps: WebDeps): void {
  app.get("/login", (c) => showLogin(c, deps, 200, null));

  app.post("/login", async (c) => {
    if (!sameOrigin(c, deps.config)) return showLogin(c, deps, 403, "Refused: the sign-in came from another site.");
    const body = await c.req.parseBody();
    const field = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : "");
    if (!sameToken(field(CSRF_FIELD), getCookie(c, LOGIN_COOKIE))) return showLogin(c, deps, 403, "The sign-in form expired. Try again.");
    const name = field("name").trim();
    const r = await deps.store.users.checkPassword(name, field("password"), { address: c.get("client"), now: deps.clock() });
    if (!r.ok) {
      if (r.reason === "throttled") {
        c.header("Retry-After", String(Math.ceil((r.retryAfterMs ?? 60_000) / 1000)));
        return showLogin(c, deps, 429, "Too many failed sign-ins. Wait a few minutes and try again.", name.slice(0, 64));
      }
      return showLogin(c, deps, 401, "Wrong user name or password.", name.slice(0, 64));
    }
    const s = await deps.store.users.createSession(r.user.name, { via: "password", replaces: readSessionToken(c, deps.config), now: deps.clock(), timeouts: timeouts(deps.config), actor: actorOf(r.user.name) });
    setSessionCookie(c, deps.config, s.token);
    deleteCookie(c, LOGIN_COOKIE, { path: "/login", secure: overTls(c, deps.config) });
    return c.redirect(safeNext(c.req.query("next")), 303);
  });

  app.post("/logout", requireRole("viewer"), async (c) => {
    const token = readSessionToken(c, deps.config);
    if (token) await deps.store.users.endSession(token, { actor: c.get("actor"), now: deps.clock() });
    clearSessionCookie(c, deps.config);
    return c.redirect("/login", 303);
  });
}
