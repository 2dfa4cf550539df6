/**
 * `abuse-desk doctor [--account sim|aws] [--json]`: checks the setup before it is needed (the data
 * directory, configuration, case store, policy and examiners, the account: credentials, regions,
 * every IAM action of docs/iam simulated, Organizations, the assume-role chain; the reply From
 * address and SMTP/SES, notification channels, DNS for DKIM). One line per check, ok / warn /
 * fail with the fix; exit 78 when a check fails. Changes nothing, sends nothing.
 */
import type { Command } from "commander";

interface Options {
  account?: string;
  profile?: string;
  region?: string;
  policy?: string;
  json?: boolean;
  offline?: boolean;
  dnsServer: string[];
  dnsTimeout: string;
}

const collect = (v: string, prev: string[]) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];

export function register(program: Command): void {
  program
    .command("doctor")
    .description("check the setup before a notice arrives: data directory, configuration, case store, policy, account (credentials, regions, IAM permissions simulated, roles), reply sending, notifications, DNS")
    .option("--account <spec>", "the account to check: sim, sim:PATH or aws (default: $ABUSE_DESK_ACCOUNT)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .option("--policy <file>", "the containment policy (default: $ABUSE_DESK_POLICY, else the safe defaults)")
    .option("--offline", "make no DNS lookup (the DNS check is then a warning)")
    .option("--dns-server <addr>", "ask this DNS server (IP or IP:port) instead of the system's (repeatable, or comma-separated)", collect, [])
    .option("--dns-timeout <ms>", "per-query DNS timeout", "3000")
    .option("--json", "print JSON: { ok, checks: [{ id, status, detail, fix }] }")
    .action(async (opts: Options) => {
      const { UserError } = await import("../errors.ts");
      const timeout = Number(opts.dnsTimeout);
      if (!Number.isInteger(timeout) || timeout <= 0) throw new UserError(`--dns-timeout: "${opts.dnsTimeout}" is not a positive number of milliseconds`, { kind: "usage" });
      const { runDoctor, doctorStatus } = await import("../doctor/index.ts");
      const { printJson, colors } = await import("./io.ts");
      const checks = await runDoctor({
        ...(opts.account ? { account: opts.account } : {}),
        ...(opts.profile ? { profile: opts.profile } : {}),
        ...(opts.region ? { region: opts.region } : {}),
        ...(opts.policy ? { policy: opts.policy } : {}),
        offline: opts.offline === true,
        dnsServers: opts.dnsServer,
        dnsTimeoutMs: timeout,
        env: process.env,
      });
      const status = doctorStatus(checks);
      if (opts.json) printJson({ ok: status === 0, checks });
      else {
        const mark = { ok: colors.green("ok  "), warn: colors.yellow("warn"), fail: colors.red("FAIL") };
        const lines = checks.flatMap((c) => [`${mark[c.status]}  ${c.id}: ${c.detail}`, ...(c.fix && c.status !== "ok" ? [`      fix: ${c.fix}`] : [])]);
        const n = (s: string) => checks.filter((c) => c.status === s).length;
        process.stdout.write(`${lines.join("\n")}\n\n${n("ok")} ok, ${n("warn")} warnings, ${n("fail")} failed\n`);
      }
      process.exitCode = status;
    });
}
