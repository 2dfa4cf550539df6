/**
 * The web desk under test: a throwaway SQLite store, the app built on it, and signed-in agents
 * that carry their cookie and CSRF token. Requests go through `app.request()` (no socket); the
 * client address is given the way @hono/node-server gives it (env.incoming.socket).
 *
 *   const w = await webFixture();
 *   const alice = await w.agent("alice", "approver");
 *   const res = await alice.get("/");
 *   const res2 = await alice.post("/intake", { text: "..." });          // form post with the token
 *   const res3 = await alice.post("/intake", { text: "..." }, { csrf: false }); // without it
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/case/index.ts";
import type { CaseStore } from "../../src/case/types.ts";
import type { Role } from "../../src/case/users.ts";
import { createWebApp } from "../../src/web/app.ts";
import { timeouts } from "../../src/web/auth.ts";
import { defaultWebConfig, type WebConfig } from "../../src/web/config.ts";
import type { RouteModule, WebApp, WebDeps, WebLog } from "../../src/web/types.ts";

export const PASSWORD = "correct horse battery staple";
export const BASE = "http://desk.test";

export interface LogLine {
  level: "info" | "warn" | "error";
  obj: Record<string, unknown>;
  msg: string;
}

export function memoryLog(): WebLog & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: "info", obj, msg }),
    warn: (obj, msg) => lines.push({ level: "warn", obj, msg }),
    error: (obj, msg) => lines.push({ level: "error", obj, msg }),
  };
}

export interface Agent {
  name: string;
  cookie: string;
  csrf: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** A form post (urlencoded), with the CSRF token unless `csrf: false` (or another token given). */
  post(path: string, form?: Record<string, string | string[]>, opts?: { csrf?: boolean | string; headers?: Record<string, string> }): Promise<Response>;
  request(path: string, init?: RequestInit): Promise<Response>;
}

export interface WebFixture {
  app: WebApp;
  store: CaseStore;
  deps: WebDeps;
  home: string;
  log: ReturnType<typeof memoryLog>;
  /** A request as from `address` (default 127.0.0.1). */
  request(path: string, init?: RequestInit, address?: string): Promise<Response>;
  /** Creates the user (if needed) and signs in through POST /login. */
  agent(name: string, role?: Role): Promise<Agent>;
  close(): Promise<void>;
}

export function envFor(address: string) {
  return { incoming: { socket: { remoteAddress: address } } };
}

export function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const i = pair!.indexOf("=");
    out[pair!.slice(0, i).trim()] = pair!.slice(i + 1).trim();
  }
  return out;
}

export async function webFixture(opts: { config?: Partial<WebConfig>; now?: () => Date; store?: CaseStore; deps?: Partial<WebDeps>; extra?: RouteModule[] } = {}): Promise<WebFixture> {
  const home = mkdtempSync(join(tmpdir(), "abuse-desk-web-"));
  const store = opts.store ?? (await openStore({ home, url: undefined }));
  const log = memoryLog();
  const deps: WebDeps = {
    store,
    config: defaultWebConfig(opts.config),
    document: { path: null, data: {} },
    clock: opts.now ?? (() => new Date()),
    openCloud: async () => {
      const { openCloud } = await import("../../src/cloud/open.ts");
      return openCloud("sim", { home });
    },
    accountSpec: "sim",
    log,
    ...opts.deps,
  };
  const app = createWebApp(deps, { extra: opts.extra ?? [] });
  const request = (path: string, init: RequestInit = {}, address = "127.0.0.1") => Promise.resolve(app.request(`${BASE}${path}`, init, envFor(address)));

  async function agent(name: string, role: Role = "viewer"): Promise<Agent> {
    if (!(await store.users.getUser(name))) await store.users.addUser(name, role, PASSWORD);
    const form = await request("/login");
    const loginCookie = cookiesOf(form)["abuse-desk-signin"]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const res = await request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: `abuse-desk-signin=${loginCookie}`, origin: BASE },
      body: new URLSearchParams({ _csrf: token, name, password: PASSWORD }),
    });
    if (res.status !== 303) throw new Error(`sign-in of ${name} failed: ${res.status} ${await res.text()}`);
    const session = cookiesOf(res)["abuse-desk"]!;
    const s = await store.users.session(session, { now: deps.clock(), timeouts: timeouts(deps.config) });
    const a: Agent = {
      name,
      cookie: `abuse-desk=${session}`,
      csrf: s!.csrf,
      request: (path, init = {}) => request(path, { ...init, headers: { cookie: a.cookie, ...(init.headers as Record<string, string>) } }),
      get: (path, headers = {}) => a.request(path, { headers }),
      post: (path, form = {}, o = {}) => {
        const body = new URLSearchParams();
        for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
        if (o.csrf !== false) body.set("_csrf", typeof o.csrf === "string" ? o.csrf : a.csrf);
        return a.request(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, ...o.headers }, body });
      },
    };
    return a;
  }

  return {
    app,
    store,
    deps,
    home,
    log,
    request,
    agent,
    async close() {
      if (!opts.store) await store.destroy();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
