/**
 * `abuse-desk triage FILE [--json]`: the first look at a notice. The verdict and its reasons first,
 * one sentence of what happened, the facts, the time left until the deadline, the resources (when
 * an account is configured) and the next steps.
 */
import type { Command } from "commander";
import type { CloudPort } from "../cloud/port.ts";
import type { Notice } from "../notice/types.ts";
import type { Resolution, ResolveOptions } from "../resolve/types.ts";
import type { TriageReport } from "../triage/index.ts";
import type { TriageJson } from "./json/view.ts";
import { dnsOptions, type DnsFlags } from "./dns-options.ts";

interface Options extends DnsFlags {
  json?: boolean;
  account?: string;
  profile?: string;
  region?: string;
  now?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("triage")
    .description("verify a notice, say what happened, the facts, the time left and what to do next")
    .argument("[file]", "the notice (.eml, mbox, Health event JSON, or pasted text); standard input when absent or -")
    .option("--json", "print the triage as JSON")
    .option("--account <spec>", "find the resources in: sim (the bundled simulated estate), sim:PATH, or aws")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS region for global calls (with --account aws)")
    .option("--now <iso>", "the current time, for the time left (default: now)")
    .addHelpText("after", "\nExit status: 0 authentic or unverified, 2 suspicious, 3 phishing (the worst of several notices), as `verify`.");
  dnsOptions.add(cmd);
  cmd.action(async (file: string | undefined, opts: Options) => {
    const { readInput, parseNotices, timeOption, printJson, withStoreIfAny } = await import("./io.ts");
    const { verify } = await import("../verify/index.ts");
    const { triageItem } = await import("../triage/index.ts");

    const now = opts.now ? timeOption("--now", opts.now) : new Date();
    const dns = await dnsOptions.open(opts);
    const { bytes, name } = await readInput(file);
    const parsed = await parseNotices(bytes, name);

    let resolve: ((n: Notice, history: Pick<ResolveOptions, "addressHistory">) => Promise<Resolution>) | undefined;
    let port: CloudPort | undefined;
    if (opts.account) {
      const { openAccount } = await import("../config/account.ts");
      const { resolveNotice } = await import("../resolve/index.ts");
      const account = await openAccount(opts.account, { profile: opts.profile, region: opts.region });
      port = account;
      resolve = (n, history) => resolveNotice(n, account, { now, ...history });
    }

    // The commands the advice names, as they can be pasted: this notice's file, the account flags given.
    const { commandLine } = await import("./hint.ts");
    const invocation = (command: string) => commandLine(command, file, opts);
    const reports: TriageReport[] = [];
    try {
      const each = async (history: Pick<ResolveOptions, "addressHistory">) => {
        for (const item of parsed.items) {
          reports.push(await triageItem(item, { verify: (i) => verify(i, dns.verifyOptions), ...(resolve ? { resolve: (n: Notice) => resolve(n, history) } : {}), invocation, now }));
        }
      };
      // Finding resources: the case store's address history (when there is a store) answers where CloudTrail has nothing.
      if (resolve) {
        const { addressHistoryOf } = await import("../resolve/index.ts");
        await withStoreIfAny((store) => each(addressHistoryOf(store)));
      } else await each({});
    } finally {
      port?.close?.();
    }
    await dns.save();

    if (opts.json) {
      const { noticeJson, verdictJson } = await import("./json/view.ts");
      const view = (r: TriageReport) => ({ ...r, verdict: verdictJson(r.verdict), notice: noticeJson(r.notice) }) as unknown as TriageJson;
      if (reports.length === 1 && parsed.failures.length === 0) printJson(view(reports[0]!));
      else printJson({ items: reports.map(view), failures: parsed.failures });
    } else {
      const { renderTriage } = await import("./render-triage.ts");
      reports.forEach((r, k) => process.stdout.write((k ? "\n" : "") + renderTriage(r, { many: reports.length > 1 })));
      for (const f of parsed.failures) process.stdout.write(`message ${f.index + 1}: could not be read: ${f.error}\n`);
      if (!dns.verifyOptions.resolver && reports.some((r) => r.notice.format === "email")) {
        process.stdout.write("(offline: signatures were not checked against DNS; drop --offline to check them)\n");
      }
    }
    // The same exit status as `verify`, so a script can stop on a forged notice.
    const { verdictExit } = await import("./verify.ts");
    process.exitCode = verdictExit(reports.map((r) => r.verdict.verdict));
  });
}
