/**
 * `abuse-desk intake FILE... [--account SPEC] [--json]`: takes notices into the desk. Each is
 * verified and stored in its case: a new case, or the case it belongs to (a follow-up joins its
 * case by AWS's case number, else by account, resource and activity); the same notice twice is
 * stored once. With an account, the resources it names are found and recorded on the case.
 * Configured notification channels hear about new cases and bad verdicts. When a place could not
 * be read (no credentials, access denied, an endpoint error), the case records it as not searched
 * and intake exits 69 naming what is missing, why, and the fix.
 */
import type { Command } from "commander";
import { open } from "node:fs/promises";
import type { IntakeOutcome } from "../desk/index.ts";
import type { CloudPort } from "../cloud/port.ts";
import type { ParsedItem } from "../notice/types.ts";
import { REPORT_SPOOFING } from "../verify/aws.ts";
import { dnsOptions, type DnsFlags } from "./dns-options.ts";
import { accountFlags } from "./hint.ts";

interface Options extends DnsFlags {
  json?: boolean;
  account?: string;
  profile?: string;
  region?: string;
  actor?: string;
  forceCase?: boolean;
}

const HOW: Record<string, string> = {
  new: "opened",
  "case-number": "joined by AWS case number",
  resources: "joined by account, resource and activity",
  "only-open-case": "joined the only open case",
  "new-needs-linking": "opened, flagged for linking (a follow-up that matched no case)",
  "kept-apart": "kept apart from an authentic case, flagged for linking (not authentic: it changes nothing there)",
  manual: "linked by hand",
};

/** What to run next for a notice just taken in: its verdict decides (a forged notice is reported, not planned). */
function nextHint(r: IntakeOutcome, flags: string): string {
  const id = r.intake.case.id;
  if (r.verdict.verdict === "phishing" || r.verdict.verdict === "suspicious") {
    return `Next: do not act on it; report it to AWS (forward it as an attachment to ${REPORT_SPOOFING})  ·  abuse-desk case show ${id}`;
  }
  return `Next: abuse-desk case show ${id}  ·  abuse-desk plan ${id}${flags}`;
}

/** The file begins like an mbox (a From_ line, then a header); a file that cannot be read is left to readInput to say so. */
async function startsLikeMbox(file: string): Promise<boolean> {
  const { isMbox } = await import("../notice/mime/mbox.ts");
  let fh;
  try {
    fh = await open(file, "r");
    const st = await fh.stat();
    if (!st.isFile()) return false;
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    return isMbox(head.subarray(0, bytesRead));
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

export function register(program: Command): void {
  const cmd = program
    .command("intake")
    .description("take notices into the desk: verify each, open its case or join the case it belongs to, find its resources")
    .argument("[files...]", "notices (.eml, mbox, Health event JSON, or pasted text); standard input when none")
    .option("--account <spec>", "also find the resources in: sim, sim:PATH or aws (default: $ABUSE_DESK_ACCOUNT, else not searched)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .option("--actor <name>", "who takes it in, for the timeline (default: $USER)")
    .option("--force-case", "open a case even for text that is not an AWS abuse notice (refused otherwise)")
    .option("--json", "print JSON: { items: [{ file, index, case, created, duplicate, joinedBy, reverified, verdict, resolution }], failures, notNotices: [{ file, index, reason }] }");
  dnsOptions.add(cmd);
  cmd.action(async (files: string[], opts: Options) => {
    const { readInput, printJson, colors: c, withStore } = await import("./io.ts");
    const { UserError } = await import("../errors.ts");
    const { parseInput } = await import("../notice/index.ts");
    const { verify } = await import("../verify/index.ts");
    const { intakeItem, NotANoticeError } = await import("../desk/index.ts");
    const { notifyAfterChange, cliActor } = await import("./io.ts");
    const { searchOutcome, missingLines, notSearchedError } = await import("../resolve/outcome.ts");
    const missingOf = (r: IntakeOutcome["resolution"]) => {
      const o = searchOutcome(r);
      return o.status === "not-searched" ? o.missing : [];
    };

    const dns = await dnsOptions.open(opts);
    const spec = opts.account ?? (process.env.ABUSE_DESK_ACCOUNT || undefined);
    let port: CloudPort | null = null;
    if (spec) {
      const { openAccount } = await import("../config/account.ts");
      port = await openAccount(spec, { profile: opts.profile, region: opts.region });
    }
    const results: (IntakeOutcome & { file: string })[] = [];
    const failures: { file: string; index?: number; error: string }[] = [];
    const warnings: string[] = [];
    const notNotices: { file: string; index: number; reason: string }[] = [];
    try {
      await withStore(async (store) => {
        for (const file of files.length ? files : ["-"]) {
          // An mbox file is read as a stream, one message at a time: memory stays bounded by the
          // largest message however many it holds; a terminal sees the progress.
          if (file !== "-" && (await startsLikeMbox(file))) {
            const { mboxMessages } = await import("../notice/mime/mbox-stream.ts");
            const { parseMboxMessage } = await import("../notice/index.ts");
            const { progressLine } = await import("./io.ts");
            const tty = process.stderr.isTTY === true;
            const mib = (n: number) => (n / 1048576).toFixed(1);
            for await (const piece of mboxMessages(file, { ...(tty ? { onProgress: (p) => progressLine(`${file}: ${p.messages} messages, ${mib(p.bytesRead)} of ${mib(p.totalBytes)} MiB`) } : {}) })) {
              if ("error" in piece) {
                failures.push({ file, index: piece.index, error: piece.error });
                continue;
              }
              let item;
              try {
                item = await parseMboxMessage(piece.bytes, piece.index);
              } catch (e) {
                failures.push({ file, index: piece.index, error: (e as Error).message });
                continue;
              }
              await take(item, file);
            }
            if (tty) progressLine(null);
            continue;
          }
          const { bytes, name } = await readInput(file);
          let parsed;
          try {
            parsed = await parseInput(bytes);
          } catch (e) {
            if (!(e instanceof UserError)) throw e;
            failures.push({ file: name, error: e.message });
            continue;
          }
          for (const f of parsed.failures) failures.push({ file: name, index: f.index, error: f.error });
          for (const item of parsed.items) await take(item, name);
        }
        async function take(item: ParsedItem, name: string): Promise<void> {
          {
            let out;
            try {
              out = await intakeItem(item, { store, verify: (i) => verify(i, dns.verifyOptions), port, recoverWith: port, actor: opts.actor ?? (await cliActor()), ...(opts.forceCase ? { forceCase: true } : {}) });
            } catch (e) {
              if (!(e instanceof NotANoticeError)) throw e;
              notNotices.push({ file: name, index: item.index, reason: e.why });
              return;
            }
            results.push({ file: name, ...out });
            for (const r of out.recovered) warnings.push(`case ${out.intake.case.id}: ${r.message}`);
            if (!out.intake.duplicate) {
              const n = await notifyAfterChange(store, out.intake.case.id);
              if (n.warning && !warnings.includes(n.warning)) warnings.push(n.warning);
            }
          }
        }
      });
    } finally {
      port?.close?.();
      await dns.save();
    }

    if (opts.json) {
      const { verdictJson } = await import("./json/view.ts");
      printJson({
        items: results.map((r) => ({
          file: r.file,
          index: r.index,
          case: r.intake.case,
          created: r.intake.created,
          duplicate: r.intake.duplicate,
          joinedBy: r.intake.joinedBy,
          reverified: r.intake.reverified,
          verdict: verdictJson(r.verdict),
          resolution: r.resolution,
        })),
        failures,
        notNotices,
        warnings,
      });
    } else {
      const { PAINT: paint } = await import("./render-verdict.ts");
      const { humanTime } = await import("../time.ts");
      const now = new Date();
      for (const r of results) {
        const k = r.intake.case;
        const rv = r.intake.reverified;
        const kept = r.verdict.verdict !== r.intake.notice.verdict ? `; re-checked as ${r.verdict.verdict}, which proves nothing either way: the verdict stays ${r.intake.notice.verdict}` : "";
        const again = rv ? `already stored: verdict re-checked, ${rv.from} -> ${rv.to}` : r.resourcesRecorded ? `already stored: resources found again (recorded)${kept}` : `already stored: nothing changed${kept}`;
        const what = r.intake.duplicate ? (rv || r.resourcesRecorded ? again : c.dim(again)) : HOW[r.intake.joinedBy] ?? r.intake.joinedBy;
        process.stdout.write(`${c.bold(k.id)}  ${what}  ${paint[r.verdict.verdict](r.verdict.verdict)}  ${k.activityType}  deadline ${humanTime(k.deadline.at, { now })}  ${c.dim(r.file + (r.index ? ` #${r.index + 1}` : ""))}\n`);
        if (r.resolution) {
          for (const f of r.resolution.findings) process.stdout.write(`    ${f.status === "found" ? c.green("✓") : f.status === "not-searched" ? c.red("NOT SEARCHED") : c.yellow(f.status)} ${f.summary}\n`);
          for (const l of missingOf(r.resolution).map((g) => missingLines([g])[0]!)) process.stdout.write(`    ${c.red("!")} not searched: ${l}\n`);
        }
      }
      for (const f of failures) process.stdout.write(c.red(`${f.file}${f.index !== undefined ? ` #${f.index + 1}` : ""}: could not be read: ${f.error}\n`));
      for (const w of warnings) process.stderr.write(c.yellow(`warning: ${w}\n`));
      for (const n of notNotices) process.stdout.write(c.yellow(`${n.file}${n.index ? ` #${n.index + 1}` : ""}: not an AWS abuse notice (${n.reason}): no case opened; --force-case opens one anyway\n`));
      if (results.length) process.stdout.write(c.dim(`\n${nextHint(results[0]!, accountFlags({ account: spec, profile: opts.profile, region: opts.region }))}\n`));
    }
    if (results.length === 0) process.exitCode = 65;
    // Stored and recorded as it is; a place that could not be read ends it with 69, naming what is missing.
    const missing = results.flatMap((r) => missingOf(r.resolution));
    const short = [...new Set(results.filter((r) => missingOf(r.resolution).length).map((r) => r.intake.case.id))];
    const again = short.map((id) => `abuse-desk plan ${id}${accountFlags({ account: spec, profile: opts.profile, region: opts.region })}`).join("; ");
    if (missing.length) throw notSearchedError(missing, `intake: ${short.join(", ")}`, again);
  });
}
