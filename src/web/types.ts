/**
 * What the web desk is given (`WebDeps`) and what each request carries (`WebEnv`): the app never
 * reaches for a global, so tests build it on a throwaway store and call `app.request()`.
 */
import type { Context, Hono } from "hono";
import type { CaseStore } from "../case/types.ts";
import type { Role, WebSession } from "../case/users.ts";
import type { CloudPort } from "../cloud/port.ts";
import type { ConfigDocument } from "../config/file.ts";
import type { SourceHealth } from "../intake/types.ts";
import type { VerifyOptions } from "../verify/types.ts";
import type { WebConfig } from "./config.ts";

export interface WebLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface WebDeps {
  store: CaseStore;
  /** The `web:` section (config.ts). */
  config: WebConfig;
  /** The whole configuration file (the sources/settings page shows it, secrets masked). */
  document: ConfigDocument;
  /** Now (tests pass a fixed clock). */
  clock: () => Date;
  /** The configured account's cloud port (`web.account`, else $ABUSE_DESK_ACCOUNT); throws a UserError when none is configured. */
  openCloud: () => Promise<CloudPort>;
  /** The account spec `openCloud` opens (`sim`, `aws`...), or null when none is configured. */
  accountSpec: string | null;
  /** The intake sources' health, when the desk runs inside `serve` (absent when it runs alone). */
  sources?: () => SourceHealth[];
  log: WebLog;
  /** The containment policy file plans written on the desk follow (read at the edge: webDeps, from $ABUSE_DESK_POLICY); absent: the safe defaults. */
  policyPath?: string | null;
  /** How notices taken in through the intake page are verified (DNS resolver, trusted mail servers); default: the system's DNS. */
  verify?: VerifyOptions;
}

/** Who is signed in. */
export interface Principal {
  name: string;
  role: Role;
  /** How they signed in. */
  via: "password" | "proxy";
}

export interface WebEnv {
  Variables: {
    /** Set by the auth middleware on every route but /login and /static. */
    user: Principal;
    session: WebSession;
    /** The session's CSRF token (forms: `<CsrfField />`; htmx: sent as X-CSRF-Token by the layout). */
    csrf: string;
    /** How the timeline and the audit chain name the signed-in user: `web:<name>`. */
    actor: string;
    /** The request's client address (the peer; never a forwarded header). */
    client: string;
  };
}

export type WebApp = Hono<WebEnv>;
export type WebContext = Context<WebEnv>;

/** A route module: `src/web/routes/<area>.tsx` exports one, `app.ts` lists it. */
export type RouteModule = (app: WebApp, deps: WebDeps) => void;
