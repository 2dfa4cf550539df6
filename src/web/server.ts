/**
 * Building the desk's dependencies from the configuration, and running it on a socket
 * (@hono/node-server). `abuse-desk web` uses both; `abuse-desk serve` builds the deps the same way
 * and mounts `createWebApp(deps)` on its own server.
 */
import type { AddressInfo } from "node:net";
import type { CaseStore } from "../case/types.ts";
import type { ConfigDocument } from "../config/file.ts";
import { UserError } from "../errors.ts";
import { webConfig, type WebConfig } from "./config.ts";
import type { WebDeps, WebLog } from "./types.ts";

/** JSON lines on stderr (pino), with anything that looks like a secret redacted. */
export async function defaultLog(): Promise<WebLog> {
  const { pino } = await import("pino");
  const p = pino(
    { name: "abuse-desk-web", redact: { paths: ["password", "*.password", "token", "*.token", "cookie", "*.cookie", "headers.cookie", "headers.authorization", "csrf", "*.csrf"], censor: "[redacted]" } },
    pino.destination(2),
  );
  return { info: (o, m) => p.info(o, m), warn: (o, m) => p.warn(o, m), error: (o, m) => p.error(o, m) };
}

export async function webDeps(store: CaseStore, doc: ConfigDocument, over: { account?: string; config?: Partial<WebConfig>; log?: WebLog; sources?: WebDeps["sources"] } = {}): Promise<WebDeps> {
  const config = { ...webConfig(doc), ...over.config };
  const spec = over.account ?? config.account ?? (process.env.ABUSE_DESK_ACCOUNT || null);
  const { dnsOptions } = await import("../cli/dns-options.ts");
  const dns = await dnsOptions.open({ trustAuthserv: [], trustArcSealer: [] });
  return {
    verify: dns.verifyOptions,
    store,
    config,
    document: doc,
    policyPath: process.env.ABUSE_DESK_POLICY || null,
    clock: () => new Date(),
    accountSpec: spec,
    openCloud: async () => {
      if (!spec) throw new UserError("no cloud account is configured for the web desk", { exitCode: 78, hint: "set web.account (sim, sim:PATH or aws) in the configuration, or ABUSE_DESK_ACCOUNT" });
      const { openCloud } = await import("../cloud/open.ts");
      return openCloud(spec);
    },
    log: over.log ?? (await defaultLog()),
    ...(over.sources ? { sources: over.sources } : {}),
  };
}

export interface RunningWeb {
  url: string;
  close(): Promise<void>;
}

export async function listen(deps: WebDeps, opts: { host?: string; port?: number } = {}): Promise<RunningWeb> {
  const { serve } = await import("@hono/node-server");
  const { createWebApp } = await import("./app.ts");
  const app = createWebApp(deps);
  const host = opts.host ?? deps.config.listen.host;
  const port = opts.port ?? deps.config.listen.port;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      const h = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${h}:${info.port}`,
        close: () => new Promise<void>((res) => server.close(() => res())),
      });
    });
    server.on("error", (err: NodeJS.ErrnoException) =>
      reject(new UserError(`the web desk cannot listen on ${host}:${port}: ${err.code === "EADDRINUSE" ? "the address is in use" : err.code === "EACCES" ? "not permitted" : err.message}`, { exitCode: err.code === "EACCES" ? 77 : 69, cause: err })),
    );
    // Slow clients may not hold a socket open for ever (headers, then the whole request).
    const http = server as unknown as { headersTimeout: number; requestTimeout: number };
    http.headersTimeout = 20_000;
    http.requestTimeout = 120_000;
  });
}
