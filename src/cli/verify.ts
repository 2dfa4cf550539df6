/**
 * `abuse-desk verify FILE [--json]`: is this notice genuinely from AWS?
 *
 * Prints the verdict first, then its reasons. DNS is used by default (DKIM keys, SPF and DMARC
 * records live there; without it nothing can be proven authentic). `--offline` makes no lookups
 * (signatures are reported as not checked; the body hash, the sender, links and requests still
 * are); `--dns-cache FILE` answers from a saved cache first and saves new answers to it (with
 * `--offline`, only the cache is used: reproducible verification of stored mail). The DNS and
 * trust flags are shared with triage (dns-options.ts), and so is the rendering (render-verdict.ts).
 *
 * Exit status: 0 authentic or unverified, 2 suspicious, 3 phishing (the worst item of an mbox);
 * 64-66 for usage and input errors (src/errors.ts).
 */
import type { Command } from "commander";
import { dnsOptions, type DnsFlags } from "./dns-options.ts";
import type { Verdict, VerdictLevel } from "../verify/types.ts";

export const EXIT = { ok: 0, suspicious: 2, phishing: 3 } as const;

/** The exit status of `verify` and `triage`: the worst verdict's, or 65 when no notice was read. */
export function verdictExit(levels: VerdictLevel[]): number {
  if (levels.length === 0) return 65;
  return levels.includes("phishing") ? EXIT.phishing : levels.includes("suspicious") ? EXIT.suspicious : EXIT.ok;
}

interface Options extends DnsFlags {
  json?: boolean;
  at?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("verify")
    .description("check whether an AWS abuse notice is genuine (DKIM, SPF, DMARC, ARC, sender, links, requests, attachments)")
    .argument("[file]", "the notice (.eml, mbox, Health event JSON, or pasted text); standard input when absent or -")
    .option("--json", "print the verdict as JSON")
    .option("--at <iso>", "check signature expiry as of this time (default: now)");
  dnsOptions.add(cmd);
  cmd
    .addHelpText(
      "after",
      "\nExit status: 0 authentic or unverified, 2 suspicious, 3 phishing (the worst of several notices).\nSee docs/verify.md for every reason code and how the verdict is decided.",
    )
    .action(async (file: string | undefined, opts: Options) => {
      const { readInput, parseNotices, timeOption, printJson, colors } = await import("./io.ts");
      const { verify } = await import("../verify/index.ts");
      const { renderVerdict } = await import("./render-verdict.ts");

      const now = opts.at ? timeOption("--at", opts.at) : undefined;
      const dns = await dnsOptions.open(opts, now);
      const { bytes, name } = await readInput(file);
      const parsed = await parseNotices(bytes, name);
      const verdicts: (Verdict & { index: number; subject: string | null; caseNumber: string | null })[] = [];
      for (const item of parsed.items) {
        const v = await verify(item, dns.verifyOptions);
        verdicts.push({ index: item.index, subject: item.notice.subject, caseNumber: item.notice.caseNumber, ...v });
      }
      await dns.save();

      if (opts.json) {
        const { verdictJson } = await import("./json/view.ts");
        if (verdicts.length === 1 && parsed.failures.length === 0) printJson(verdictJson(verdicts[0]!));
        else printJson({ items: verdicts.map((v) => ({ index: v.index, subject: v.subject, awsCaseNumber: v.caseNumber, ...verdictJson(v) })), failures: parsed.failures });
      } else {
        const c = colors;
        verdicts.forEach((v, k) => {
          if (verdicts.length > 1) process.stdout.write(`${k ? "\n" : ""}${c.bold(`# ${v.index + 1}`)}${v.subject ? `  ${v.subject}` : ""}\n`);
          process.stdout.write(renderVerdict(v) + "\n");
        });
        for (const f of parsed.failures) process.stdout.write(c.red(`message ${f.index + 1}: could not be read: ${f.error}\n`));
        if (!dns.online && !opts.dnsCache && verdicts.length) process.stdout.write(c.dim("offline: no DNS lookups were made; drop --offline to check signatures\n"));
      }

      process.exitCode = verdictExit(verdicts.map((v) => v.verdict));
    });
}
