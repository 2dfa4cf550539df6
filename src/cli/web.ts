/**
 * `abuse-desk web [--host H] [--port P] [--account SPEC]`: runs the web desk alone (without the
 * intake sources and the scheduler that `serve` adds). Listens on 127.0.0.1:8080 by default
 * (`web.listen` in the configuration); stops cleanly on SIGINT/SIGTERM.
 */
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("web")
    .description("run the web desk alone: queue, case pages, intake, settings (sign in with a user from `abuse-desk user add`)")
    .option("--host <address>", "address to listen on (default web.listen.host, 127.0.0.1)")
    .option("--port <n>", "port to listen on (default web.listen.port, 8080; 0 picks a free one)")
    .option("--account <spec>", "the account actions run on: sim, sim:PATH or aws (default web.account, else $ABUSE_DESK_ACCOUNT)")
    .action(async (o: { host?: string; port?: string; account?: string }) => {
      const { UserError } = await import("../errors.ts");
      const { openStore } = await import("../case/index.ts");
      const { readConfigFile } = await import("../config/file.ts");
      const { storeOptions } = await import("../config/store.ts");
      const { webDeps, listen } = await import("../web/server.ts");
      let port: number | undefined;
      if (o.port !== undefined) {
        port = Number(o.port);
        if (!/^\d+$/.test(o.port) || port > 65535) throw new UserError(`--port ${o.port}: not a port number (0-65535)`, { exitCode: 64 });
      }
      // Read here, once: the environment and the configuration; the desk is given what they say.
      const env = process.env;
      const doc = readConfigFile(env);
      const store = await openStore(await storeOptions(env));
      try {
        const deps = await webDeps(store, doc, o.account ? { account: o.account } : {}, env);
        const web = await listen(deps, { ...(o.host ? { host: o.host } : {}), ...(port !== undefined ? { port } : {}) });
        const users = await store.users.listUsers();
        process.stderr.write(`abuse-desk web desk on ${web.url} (store: ${store.location}; account: ${deps.accountSpec ?? "none configured"})\n`);
        if (users.length === 0) process.stderr.write("No users yet: create one with  abuse-desk user add NAME --role approver\n");
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        await web.close();
      } finally {
        await store.destroy();
      }
    });
}
