/**
 * The web desk: `createWebApp(deps)` returns a hono app, mounted by `abuse-desk serve` in its own
 * process or run alone by `abuse-desk web`. Server-rendered hono/jsx pages, htmx for partial
 * updates, no SPA. See src/web/README.md for how a page and an action are added.
 *
 * Order of the middleware (every request passes all of it):
 *   1. security headers + strict CSP on every response (security.ts)
 *   2. request size limit: `web.limits.bodyBytes`, larger only for the paths in `LARGE_BODIES`
 *   3. authenticate: the session or the trusted proxy's header; /login and /static/* are public
 *   4. CSRF on every POST/PUT/PATCH/DELETE (csrf.ts)
 *   5. the route, which states its role with `requireRole(...)`
 */
import { Hono } from "hono";
import { authenticate, overTls } from "./auth.ts";
import { csrfProtect } from "./csrf.ts";
import { denied, onError } from "./errors.tsx";
import { authRoutes } from "./routes/auth.tsx";
import { caseRoutes } from "./routes/case.tsx";
import { intakeRoutes } from "./routes/intake.tsx";
import { queueRoutes } from "./routes/queue.tsx";
import { readinessRoutes } from "./routes/readiness.tsx";
import { settingsRoutes } from "./routes/settings.tsx";
import { soonRoutes } from "./routes/soon.tsx";
import { securityHeaders, sizeLimits } from "./security.ts";
import { staticRoutes } from "./static.ts";
import type { RouteModule, WebApp, WebDeps, WebEnv } from "./types.ts";

export type { WebDeps, WebEnv, WebApp, Principal } from "./types.ts";

/** The route modules, in order. A new area: a file in routes/ exporting a `RouteModule`, listed here. */
const ROUTES: RouteModule[] = [authRoutes, queueRoutes, caseRoutes, intakeRoutes, settingsRoutes, readinessRoutes, soonRoutes];

/** Paths whose posts may be larger than `web.limits.bodyBytes` (the notice upload). */
function largeBodies(deps: WebDeps): { path: RegExp; bytes: number }[] {
  return [{ path: /^\/intake$/, bytes: deps.config.limits.noticeBytes }];
}

/** `extra`: route modules added after the desk's own (tests; a host process adding pages of its own). */
export function createWebApp(deps: WebDeps, opts: { extra?: RouteModule[] } = {}): WebApp {
  const app = new Hono<WebEnv>();
  app.use("*", securityHeaders({ tls: (c) => overTls(c, deps.config) }));
  app.use("*", sizeLimits(deps.config.limits.bodyBytes, largeBodies(deps)));
  staticRoutes(app as unknown as Hono<never>);
  app.use("*", authenticate(deps));
  app.use("*", csrfProtect(deps.config));
  for (const r of [...ROUTES, ...(opts.extra ?? [])]) r(app, deps);
  app.notFound((c) => denied(c, 404, "There is no such page."));
  app.onError(onError(deps));
  return app;
}
