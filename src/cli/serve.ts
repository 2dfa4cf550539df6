/**
 * `abuse-desk serve [--once]`: the desk running by itself (docs/service.md). The sources in
 * config.yaml's `intake:` (default: the folder `inbox/` in the data directory) hand in notices;
 * each is kept, verified, cased, resolved, planned, what the policy allows applied (authentic
 * notices only), and the team told; `/healthz`, `/readyz` and `/metrics` answer on loopback.
 * `--once` takes in what is waiting, processes it, runs the timed jobs once and exits (cron, tests).
 */
import type { Command } from "commander";

interface Options {
  once?: boolean;
  account?: string;
  policy?: string;
  http?: boolean;
  web?: boolean;
  port?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("run the desk unattended: take notices from the configured sources (intake: in config.yaml), verify, case, plan, apply what the policy allows, notify")
    .option("--once", "take in what is waiting, process it, run the timed jobs once, and exit (for cron and tests)")
    .option("--account <spec>", "the account to resolve in and act on: sim, sim:PATH or aws (default: intake.account, else $ABUSE_DESK_ACCOUNT)")
    .option("--policy <file>", "the containment policy whose automatic steps run without a person (default: intake.policy, else $ABUSE_DESK_POLICY, else nothing automatic)")
    .option("--no-http", "do not serve /healthz, /readyz, /metrics and the web desk")
    .option("--no-web", "serve /healthz, /readyz and /metrics only, without the web desk")
    .option("--port <port>", "the HTTP port (default: intake.http.port, 8025)")
    .option("--json", "with --once: print { drained, outcomes, failingSources, waiting, failed }")
    .action(async (opts: Options) => {
      const { UserError } = await import("../errors.ts");
      const { openService, createServeApp, listen } = await import("../serve/index.ts");
      const { createLogger } = await import("../serve/log.ts");
      const { readConfigFile } = await import("../config/file.ts");
      const { serveSettings } = await import("../serve/config.ts");
      // serve's edge: the environment and the configuration are read here, once, and passed down.
      const env = process.env;
      const doc = readConfigFile(env);
      const settings = serveSettings(doc, env);
      if (opts.port !== undefined) {
        const p = Number(opts.port);
        if (!Number.isInteger(p) || p < 0 || p > 65535) throw new UserError(`--port: "${opts.port}" is not a port number`, { exitCode: 64 });
        if (settings.http) settings.http.port = p;
      }
      if (opts.http === false) settings.http = false;
      // --once prints its summary on stdout; the log goes to stderr then.
      const log = createLogger({ level: opts.once && settings.logLevel === "info" ? "warn" : settings.logLevel, ...(opts.once ? { destination: process.stderr } : {}) });
      const opened = await openService({
        env,
        doc,
        settings,
        log,
        ...(opts.account !== undefined ? { account: opts.account } : {}),
        ...(opts.policy !== undefined ? { policy: opts.policy } : {}),
      });
      const { service } = opened;
      try {
        if (opts.once) {
          const summary = await service.once();
          if (opts.json) {
            const { printJson } = await import("./io.ts");
            printJson(summary);
          } else {
            const kept = Object.entries(summary.drained).map(([s, n]) => `${s} ${n}`).join(", ");
            process.stdout.write(`taken in: ${kept || "no source"}\n`);
            process.stdout.write(`processed: ${summary.outcomes.done} done, ${summary.outcomes.rejected} rejected (not a notice or unreadable), ${summary.outcomes.retry} to retry, ${summary.outcomes.failed} given up\n`);
            for (const f of summary.failingSources) process.stdout.write(`source ${f.name} is failing: ${f.error ?? "unknown error"}\n`);
            if (summary.waiting) process.stdout.write(`${summary.waiting} arrival(s) wait for a retry\n`);
          }
          // Something could not be done (a source unreadable, a stage to retry, an arrival given up): 69.
          if (summary.failingSources.length || summary.outcomes.retry || summary.outcomes.failed) process.exitCode = 69;
          return;
        }
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        let server: Awaited<ReturnType<typeof listen>> | null = null;
        if (settings.http) {
          // The web desk on the same socket (src/serve/web-mount.ts), unless --no-web.
          const { webDeskMount } = await import("../serve/web-mount.ts");
          const mounts = opts.web === false ? [] : [webDeskMount({ store: opened.store, doc, env, account: opened.account, policy: opened.policy, sources: () => service.sourceHealth() })];
          const app = await createServeApp(service, { token: settings.http.token, mounts });
          try {
            server = await listen(app, settings.http.host, settings.http.port);
          } catch (err) {
            throw new UserError(`cannot listen on ${settings.http.host}:${settings.http.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { exitCode: 69, hint: "another process uses the port? set intake.http.port, or --port, or --no-http" });
          }
          log.info({ address: server.address, port: server.port }, "http listening (/healthz /readyz /metrics)");
        }
        try {
          await service.run(ac.signal);
        } finally {
          await server?.close();
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
      } finally {
        await opened.close();
        log.flush();
      }
    });
}
