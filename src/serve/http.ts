/**
 * The service's HTTP side: a hono app with `/healthz` (the process answers), `/readyz` (the store
 * answers and the service runs; 503 otherwise) and `/metrics` (Prometheus text), and `mount(app)`
 * hooks through which the web desk adds its routes to the same process.
 *
 * Bound to loopback by default. With a token (`intake.http.token`, required off loopback),
 * `/metrics` and the details of `/readyz` (each source's state and last error) need
 * `Authorization: Bearer <token>`; `/healthz` and `/readyz`'s status code never say more than up
 * or down. Only GET and HEAD; every answer `no-store` and `nosniff`.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import { Hono } from "hono";
import type { Service } from "./service.ts";

/** The web desk (or anything else) adds its routes here, before the server starts. */
export type MountHook = (app: Hono) => void | Promise<void>;

const digest = (s: string) => createHash("sha256").update(s).digest();

export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!m) return false;
  return timingSafeEqual(digest(m[1]!), digest(token));
}

export async function createServeApp(service: Pick<Service, "readiness" | "metricsText">, opts: { token: string | null; mounts?: MountHook[] }): Promise<Hono> {
  const app = new Hono();
  const authorized = (h: string | undefined) => opts.token === null || tokenMatches(h, opts.token);
  app.use("*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
  });
  app.on(["POST", "PUT", "PATCH", "DELETE"], ["/healthz", "/readyz", "/metrics"], (c) => c.text("method not allowed\n", 405, { Allow: "GET, HEAD" }));
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const r = await service.readiness();
    const code = r.ready ? 200 : 503;
    if (!authorized(c.req.header("authorization"))) return c.json({ status: r.ready ? "ready" : "not ready" }, code);
    return c.json(
      {
        status: r.ready ? "ready" : "not ready",
        store: r.store ? "ok" : "unavailable",
        running: r.running,
        sources: r.sources.map((s) => ({ name: s.name, kind: s.kind, state: s.state, since: s.since, lastError: s.lastError, lastOkAt: s.lastOkAt, received: s.received })),
      },
      code,
    );
  });
  app.get("/metrics", async (c) => {
    if (!authorized(c.req.header("authorization"))) return c.text("unauthorized\n", 401, { "WWW-Authenticate": 'Bearer realm="abuse-desk metrics"' });
    return c.body(await service.metricsText(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });
  for (const m of opts.mounts ?? []) await m(app);
  app.notFound((c) => c.text("not found\n", 404));
  app.onError((_err, c) => c.text("internal error\n", 500));
  return app;
}

/** Starts listening; resolves with the address once it listens, and a close function. */
export async function listen(app: Hono, host: string, port: number): Promise<{ address: string; port: number; close(): Promise<void> }> {
  const { serve } = await import("@hono/node-server");
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      resolve({
        address: info.address,
        port: info.port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
    server.once("error", reject);
  });
}
