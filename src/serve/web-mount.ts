/**
 * The web desk inside `abuse-desk serve`: one socket, one store. The desk (src/web) answers every
 * path the service's own endpoints (/healthz, /readyz, /metrics) do not, with its own sign-in,
 * roles, CSRF and headers on each; its sources page shows this service's sources. The request's
 * node-server bindings (the socket, for the trusted-proxy check) are passed on unchanged.
 */
import type { Hono } from "hono";
import type { ConfigDocument, Env } from "../config/file.ts";
import type { CaseStore } from "../case/types.ts";
import type { SourceHealth } from "../intake/types.ts";
import type { MountHook } from "./http.ts";

/**
 * `account` and `policy` are the service's own (its flag, intake:, else the environment), so the
 * desk acts on what the service acts on; `env` is the environment serve's entry read (default:
 * none), for what neither names.
 */
export function webDeskMount(o: { store: CaseStore; doc: ConfigDocument; account: string | null; policy?: string | null; env?: Env; sources: () => SourceHealth[] }): MountHook {
  return async (app: Hono) => {
    const [{ webDeps }, { createWebApp }] = await Promise.all([import("../web/server.ts"), import("../web/app.ts")]);
    const deps = await webDeps(o.store, o.doc, { ...(o.account ? { account: o.account } : {}), ...(o.policy ? { policy: o.policy } : {}), sources: o.sources }, o.env ?? {});
    const web = createWebApp(deps);
    app.all("*", (c) => web.fetch(c.req.raw, c.env));
  };
}
