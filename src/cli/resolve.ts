/**
 * `abuse-desk resolve FILE [--json] [--account sim|sim:PATH|aws] [--profile P] [--region R]`:
 * which resources of the account a notice is about, found in every region and account, with what
 * a responder needs to contain them. FILE is a notice (.eml, mbox, Health event, pasted text) or
 * the JSON `abuse-desk parse --json` prints.
 *
 * --json prints `{ findings, gaps, elapsedMs }` (a Resolution, src/resolve/types.ts) for one
 * notice, `{ items: [{ index, resolution }], failures }` for several.
 *
 * Who held a public address when: CloudTrail, else (beyond its 90 days, no trail) the case
 * store's address history that `inventory` records, when there is a store; each finding's
 * `ipHistory.source` says which answered.
 *
 * Exit 69 when a place could not be read (no credentials, access denied, an endpoint error): what
 * was found is printed, then what was not searched, why, and the fix (src/resolve/outcome.ts).
 */
import type { Command } from "commander";
import type { Notice } from "../notice/types.ts";
import { noticeFromJson } from "./json/view.ts";
import { commandLine } from "./hint.ts";

interface Options {
  json?: boolean;
  account?: string;
  profile?: string;
  region?: string;
  accounts?: string;
  regions?: string;
  concurrency?: string;
  now?: string;
}

const list = (s: string | undefined) => (s ? s.split(",").map((x) => x.trim()).filter(Boolean) : undefined);

/** `parse --json` output (a Notice, or several under `items`) is read as is; anything else goes to the parser. */
function noticesFromJson(bytes: Buffer): Notice[] | null {
  const text = bytes.toString("utf8").trim();
  if (!text.startsWith("{")) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const isNotice = (x: unknown): x is Record<string, unknown> => !!x && typeof x === "object" && "activityType" in x && "resources" in x && "instanceIds" in x && "publicIps" in x;
  if (isNotice(v)) return [noticeFromJson(v)];
  const items = (v as { items?: unknown }).items;
  if (Array.isArray(items) && items.length > 0 && items.every(isNotice)) return items.map(noticeFromJson);
  return null;
}

export function register(program: Command): void {
  program
    .command("resolve")
    .description("find the resources a notice is about, in every region and account, with owner, network and scaling context")
    .argument("[file]", "the notice (.eml, mbox, Health event JSON, pasted text, or `parse --json` output); standard input when absent or -")
    .option("--json", "print the resolution as JSON")
    .option("--account <spec>", "where to search: sim (the bundled simulated estate), sim:PATH (an estate file), or aws (default: $ABUSE_DESK_ACCOUNT)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region for STS, Organizations and DescribeRegions (with --account aws)")
    .option("--accounts <ids>", "search only these accounts (comma-separated)")
    .option("--regions <codes>", "search only these regions (comma-separated)")
    .option("--concurrency <n>", "cloud calls in flight per account, region and service (default 8)")
    .option("--now <iso>", "the current time (default: now)")
    .action(async (file: string | undefined, opts: Options) => {
      const { readInput, parseNotices, timeOption, printJson, colors, progressLine, withStoreIfAny } = await import("./io.ts");
      const { UserError } = await import("../errors.ts");
      const { openAccount } = await import("../config/account.ts");
      const { resolveNotice, addressHistoryOf } = await import("../resolve/index.ts");
      const { formatResolution } = await import("../resolve/format.ts");

      let concurrency: number | undefined;
      if (opts.concurrency !== undefined) {
        concurrency = Number(opts.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw new UserError(`--concurrency: "${opts.concurrency}" is not a whole number >= 1`, { exitCode: 64 });
      }
      const now = opts.now ? timeOption("--now", opts.now) : undefined;
      const accounts = list(opts.accounts);
      for (const a of accounts ?? []) if (!/^\d{12}$/.test(a)) throw new UserError(`--accounts: "${a}" is not a 12-digit account id`, { exitCode: 64 });
      const regions = list(opts.regions);
      for (const r of regions ?? []) if (!/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(r)) throw new UserError(`--regions: "${r}" is not a region code (eu-west-1, us-east-1...)`, { exitCode: 64 });

      // Open the account first: a bad --account should not wait for the notice to be read.
      const port = await openAccount(opts.account, { profile: opts.profile, region: opts.region });
      const { bytes, name } = await readInput(file);
      let notices: { index: number; notice: Notice }[];
      let failures: { index: number; error: string }[] = [];
      const fromJson = noticesFromJson(bytes);
      if (fromJson) notices = fromJson.map((notice, index) => ({ index, notice }));
      else {
        const parsed = await parseNotices(bytes, name);
        notices = parsed.items.map((i) => ({ index: i.index, notice: i.notice }));
        failures = parsed.failures;
      }
      if (notices.length === 0) throw new UserError(`${name}: no notice could be read${failures.length ? ` (${failures.map((f) => f.error).join("; ")})` : ""}`, { exitCode: 65 });

      // Progress: one line on stderr, only when a person is watching.
      const tty = process.stderr.isTTY === true;
      const onProgress = tty
        ? (e: { message: string; callsDone: number; callsStarted: number; region?: string }) => progressLine(`resolving: ${e.callsDone}/${e.callsStarted} calls${e.region ? ` (${e.region})` : ""}`)
        : undefined;
      const results: { index: number; resolution: Awaited<ReturnType<typeof resolveNotice>> }[] = [];
      try {
        // Where CloudTrail has nothing, the case store's address history (when there is a store) may say who held an address.
        await withStoreIfAny(async (store) => {
          for (const { index, notice } of notices) {
            const resolution = await resolveNotice(notice, port, {
              ...(accounts ? { accounts } : {}),
              ...(regions ? { regions } : {}),
              ...(concurrency ? { concurrency } : {}),
              ...(now ? { now } : {}),
              ...(onProgress ? { onProgress } : {}),
              ...addressHistoryOf(store),
            });
            results.push({ index, resolution });
          }
        });
      } finally {
        if (tty) progressLine(null);
        port.close?.();
      }

      // A place that could not be read: printed as it is, then exit 69 naming what is missing.
      const { searchOutcome, notSearchedError } = await import("../resolve/index.ts");
      const missing = results.flatMap(({ resolution }) => {
        const o = searchOutcome(resolution);
        return o.status === "not-searched" ? o.missing : [];
      });
      const done = () => {
        if (missing.length) throw notSearchedError(missing, "resolve", commandLine("resolve", file, opts));
      };
      if (opts.json) {
        if (results.length === 1 && failures.length === 0) printJson(results[0]!.resolution);
        else printJson({ items: results, failures });
        return done();
      }
      const c = colors;
      results.forEach(({ index, resolution }, k) => {
        if (results.length > 1) process.stdout.write(`${k ? "\n" : ""}${c.bold(`# notice ${index + 1}`)}\n`);
        process.stdout.write(formatResolution(resolution, c, { label: port.label }) + "\n");
      });
      for (const f of failures) process.stdout.write(c.red(`message ${f.index + 1}: could not be read: ${f.error}\n`));
      done();
    });
}
