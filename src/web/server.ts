/**
 * Building the desk's dependencies from the configuration, and running it on a socket
 * (@hono/node-server). `abuse-desk web` uses both; `abuse-desk serve` builds the deps the same way
 * and mounts `createWebApp(deps)` on its own server.
 *
 * `webDeps` is the web desk's edge: the account and the policy are resolved here, once, from what
 * the entry point gives it (its flags, the configuration document and the environment it read:
 * src/cli/web.ts, src/cli/serve.ts), and the routes get them in their deps. It reads no
 * environment of its own.
 */
import type { AddressInfo } from "node:net";
import type { CaseStore } from "../case/types.ts";
import { accountSpec } from "../config/account.ts";
import type { ConfigDocument, Env } from "../config/file.ts";
import { policyPath } from "../config/policy.ts";
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

/**
 * The desk's deps. `env` is the environment the entry point read (process.env for `abuse-desk web`
 * and `serve`): the account is `over.account` (--account), else web.account, else
 * $ABUSE_DESK_ACCOUNT; the policy `over.policy`, else $ABUSE_DESK_POLICY.
 */
export async function webDeps(
  store: CaseStore,
  doc: ConfigDocument,
  over: { account?: string; policy?: string; config?: Partial<WebConfig>; log?: WebLog; sources?: WebDeps["sources"] },
  env: Env,
): Promise<WebDeps> {
  const config = { ...webConfig(doc), ...over.config };
  const spec = accountSpec({ flag: over.account, configured: config.account }, env);
  const { dnsOptions } = await import("../cli/dns-options.ts");
  const dns = await dnsOptions.open({ trustAuthserv: [], trustArcSealer: [] });
  return {
    verify: dns.verifyOptions,
    store,
    config,
    document: doc,
    policyPath: policyPath({ flag: over.policy }, env),
    clock: () => new Date(),
    accountSpec: spec,
    openCloud: async () => {
      if (!spec) throw new UserError("no cloud account is configured for the web desk", { exitCode: 78, hint: "set web.account (sim, sim:PATH or aws) in the configuration, or ABUSE_DESK_ACCOUNT" });
      const [{ openCloud }, { loadAwsOptions }] = await Promise.all([import("../cloud/open.ts"), import("../config/aws.ts")]);
      return openCloud(spec, { aws: () => loadAwsOptions({}, env) });
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
