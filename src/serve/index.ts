/**
 * `abuse-desk serve`, composed: the configuration (`intake:`), the store and its inbox, the
 * account, the policy, verification, notifications, the sources (from the registry), the
 * scheduler and the HTTP side, as one `Service`. The CLI and the tests build it here.
 */
import { join } from "node:path";
import { readConfigFile, type ConfigDocument, type Env } from "../config/file.ts";
import type { InvestigateOptions } from "../investigate/types.ts";
import type { Inbox } from "../case/inbox.ts";
import type { CaseStore } from "../case/types.ts";
import type { CloudPort } from "../cloud/port.ts";
import { dataHome } from "../home.ts";
import { buildSources, type SourceKind, SOURCE_KINDS } from "../intake/registry.ts";
import type { IntakeSource } from "../intake/types.ts";
import type { NotifySettings } from "../notify/config.ts";
import type { VerifyOptions } from "../verify/types.ts";
import { serveSettings, type ServeSettings } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { ServeMetrics } from "./metrics.ts";
import { openScheduler, type SchedulerPort } from "./scheduler-port.ts";
import { Service, type ServiceOptions } from "./service.ts";

export { Service } from "./service.ts";
export { serveSettings } from "./config.ts";
export { createServeApp, listen, type MountHook } from "./http.ts";

export interface OpenServiceOptions {
  home?: string;
  /**
   * The environment serve's entry read (the CLI gives process.env, once): the data directory, the
   * configuration file, DATABASE_URL, the audit key, `env:NAME` references and the defaults of
   * intake.account / intake.policy come from it. Nothing below reads process.env.
   */
  env: Env;
  /** The configuration already read (default: read from `env`). */
  doc?: ConfigDocument;
  /** The store (default: opened as every command opens it: DATABASE_URL, else SQLite in the data directory). */
  storeUrl?: string;
  /** Settings already read (default: config.yaml's `intake:`). */
  settings?: ServeSettings;
  /** Overrides for what the settings say (the CLI's flags). */
  account?: string | null;
  policy?: string | null;
  /** Verification options (default: from intake.verify). */
  verifyOptions?: VerifyOptions;
  log?: Logger;
  /** Tests: the account (a wrapped port), the notification settings, the scheduler, the kinds of source, extra sources. */
  port?: CloudPort | null;
  notify?: NotifySettings | null;
  scheduler?: SchedulerPort;
  kinds?: Record<string, SourceKind>;
  hooks?: ServiceOptions["hooks"];
}

export interface OpenedService {
  service: Service;
  store: CaseStore;
  inbox: Inbox;
  settings: ServeSettings;
  log: Logger;
  /** The account spec the service acts on (the web desk it serves acts on the same one); null when none. */
  account: string | null;
  /** The policy file whose automatic steps the service runs (the web desk it serves plans with the same one); null: the defaults. */
  policy: string | null;
  close(): Promise<void>;
}

export async function openService(o: OpenServiceOptions): Promise<OpenedService> {
  const env = o.env;
  const home = dataHome(o.home, env);
  const doc = o.doc ?? readConfigFile(env, o.home);
  const kinds = o.kinds ?? SOURCE_KINDS;
  const settings = o.settings ?? serveSettings(doc, env, kinds);
  const log = o.log ?? createLogger({ level: settings.logLevel });
  const account = o.account !== undefined ? o.account : settings.account;
  const policyPath = o.policy !== undefined ? o.policy : settings.policy;

  const [{ openStore }, { storeOptions }, { SqlCaseStore }, { loadPolicy }, { verify }, { notifySettings }] = await Promise.all([
    import("../case/index.ts"),
    import("../config/store.ts"),
    import("../case/store.ts"),
    import("../policy/load.ts"),
    import("../verify/index.ts"),
    import("../notify/config.ts"),
  ]);
  const policy = await loadPolicy(policyPath ?? undefined);
  const notify = o.notify !== undefined ? o.notify : notifySettings(doc, env);
  let verifyOptions = o.verifyOptions;
  let saveDns: () => Promise<void> = async () => undefined;
  if (!verifyOptions) {
    const { dnsOptions } = await import("../cli/dns-options.ts");
    const dns = await dnsOptions.open({ offline: settings.verify.offline, ...(settings.verify.dnsCache ? { dnsCache: settings.verify.dnsCache } : {}), trustAuthserv: settings.verify.trustAuthserv, trustArcSealer: settings.verify.trustArcSealer });
    verifyOptions = dns.verifyOptions;
    saveDns = dns.save;
  }
  let port: CloudPort | null = null;
  if (o.port !== undefined) port = o.port;
  else if (account) {
    const [{ openCloud }, { loadAwsOptions }] = await Promise.all([import("../cloud/open.ts"), import("../config/aws.ts")]);
    const flags = { ...(settings.profile ? { profile: settings.profile } : {}), ...(settings.region ? { region: settings.region } : {}) };
    port = await openCloud(account, { home, aws: () => loadAwsOptions(flags, env) });
  }

  const store = await openStore(await storeOptions(env, { home, ...(o.storeUrl ? { url: o.storeUrl } : {}) }));
  if (!(store instanceof SqlCaseStore)) throw new Error("the service needs the SQL case store (openStore returned another kind)"); // an internal invariant, not a user error (exit 70)
  const inbox = store.inbox({ maxBytes: settings.maxBytes });
  let sources: IntakeSource[];
  try {
    sources = buildSources(settings.sources, (name) => ({ cursors: inbox, log: log.child({ source: name }), home, env, maxBytes: settings.maxBytes }), kinds);
  } catch (err) {
    await store.destroy();
    throw err;
  }
  const scheduler = o.scheduler ?? (await openScheduler({ store, doc, port, policy, notify, actor: settings.actor, log }));
  const metrics = new ServeMetrics();
  const investigateAfter = await investigateAfterContainment(doc, home);
  const service = new Service({
    store,
    inbox,
    sources,
    scheduler,
    metrics,
    log,
    workers: settings.workers,
    leaseMs: settings.leaseMs,
    pollMs: settings.pollMs,
    pipeline: {
      verify: (item) => verify(item, verifyOptions),
      port,
      policy,
      actor: settings.actor,
      notify,
      caseUrl: settings.publicUrl ? (id) => `${settings.publicUrl}/cases/${encodeURIComponent(id)}` : null,
      retry: settings.retry,
      investigate: investigateAfter,
    },
    ...(o.hooks ? { hooks: o.hooks } : {}),
  });
  return {
    service,
    store,
    inbox,
    settings,
    log,
    account: typeof account === "string" ? account : null,
    policy: typeof policyPath === "string" ? policyPath : null,
    async close() {
      await saveDns().catch(() => undefined);
      port?.close?.();
      await store.destroy();
    },
  };
}

/** Config `investigate.afterContainment: true`: the service investigates each case it contains (src/serve/process.ts). */
async function investigateAfterContainment(doc: ConfigDocument, home: string | undefined): Promise<{ options: InvestigateOptions; evidenceDir: string } | null> {
  const { investigateSettings } = await import("../config/investigate.ts");
  const { afterContainment, ...options } = investigateSettings(doc);
  return afterContainment ? { options, evidenceDir: join(dataHome(home), "evidence") } : null;
}
