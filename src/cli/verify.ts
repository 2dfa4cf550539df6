/**
 * `abuse-desk verify FILE [--json]`: is this notice genuinely from AWS?
 *
 * Prints the verdict first, then its reasons. DNS is used by default (DKIM keys, SPF and DMARC
 * records live there; without it nothing can be proven authentic). `--offline` makes no lookups
 * (signatures are reported as not checked; the body hash, the sender, links and requests still
 * are); `--dns-cache FILE` answers from a saved cache first and saves new answers to it (with
 * `--offline`, only the cache is used: reproducible verification of stored mail).
 *
 * Exit status: 0 authentic or unverified, 2 suspicious, 3 phishing (the worst item of an mbox);
 * 64-66 for usage and input errors (src/errors.ts).
 */
import type { Command } from "commander";
import type { DnsResolver, Verdict } from "../verify/types.ts";

export const EXIT = { ok: 0, suspicious: 2, phishing: 3 } as const;

interface Options {
  json?: boolean;
  offline?: boolean;
  dnsCache?: string;
  trustAuthserv: string[];
  trustArcSealer: string[];
  dnsTimeout?: string;
  dnsServer: string[];
  at?: string;
}

const collect = (v: string, prev: string[]) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];

export function register(program: Command): void {
  program
    .command("verify")
    .description("check whether an AWS abuse notice is genuine (DKIM, SPF, DMARC, ARC, sender, links, requests, attachments)")
    .argument("[file]", "the notice (.eml, mbox, Health event JSON, or pasted text); standard input when absent or -")
    .option("--json", "print the verdict as JSON")
    .option("--offline", "make no DNS lookups (signatures are reported as not checked)")
    .option("--dns-cache <file>", "answer DNS from this JSON cache first and save new answers to it")
    .option("--trust-authserv <id>", "believe Authentication-Results and Received headers written by this mail server (repeatable, or comma-separated)", collect, [])
    .option("--trust-arc-sealer <domain>", "believe what this ARC sealer recorded (repeatable, or comma-separated)", collect, [])
    .option("--dns-timeout <ms>", "per-query DNS timeout", "3000")
    .option("--dns-server <addr>", "ask this DNS server (IP or IP:port) instead of the system's (repeatable, or comma-separated)", collect, [])
    .option("--at <iso>", "check signature expiry as of this time (default: now)")
    .addHelpText(
      "after",
      "\nExit status: 0 authentic or unverified, 2 suspicious, 3 phishing (the worst of several notices).\nSee docs/verify.md for every reason code and how the verdict is decided.",
    )
    .action(async (file: string | undefined, opts: Options) => {
      const { readInput, printJson, colors } = await import("./io.ts");
      const { UserError } = await import("../errors.ts");
      const { parseInput } = await import("../notice/index.ts");
      const { verify } = await import("../verify/index.ts");
      const { DnsCache, OFFLINE, systemResolver } = await import("../verify/dns.ts");
      const timeout = Number(opts.dnsTimeout);
      if (!Number.isInteger(timeout) || timeout <= 0) throw new UserError(`--dns-timeout: "${opts.dnsTimeout}" is not a positive number of milliseconds`, { exitCode: 64 });
      let now: Date | undefined;
      if (opts.at) {
        const t = Date.parse(opts.at);
        if (Number.isNaN(t)) throw new UserError(`--at: "${opts.at}" is not a date`, { exitCode: 64 });
        now = new Date(t);
      }

      const upstream = () => {
        try {
          return systemResolver({ timeoutMs: timeout, ...(opts.dnsServer.length ? { servers: opts.dnsServer } : {}) });
        } catch (err) {
          throw new UserError(`--dns-server: ${(err as Error).message}`, { exitCode: 64 });
        }
      };
      const cache = opts.dnsCache ? await loadCache(opts.dnsCache, opts.offline === true ? null : upstream()) : opts.offline ? null : new DnsCache({ upstream: upstream() });
      const { bytes, name } = await readInput(file);
      let parsed;
      try {
        parsed = await parseInput(bytes);
      } catch (e) {
        if (e instanceof UserError) throw new UserError(`${name}: ${e.message}`, { exitCode: e.exitCode, ...(e.hint ? { hint: e.hint } : {}) });
        throw e;
      }
      const verdicts: (Verdict & { index: number; subject: string | null; caseNumber: string | null })[] = [];
      for (const item of parsed.items) {
        const v = await verify(item, {
          ...(cache ? { resolver: cache.resolve } : {}),
          ...(now ? { now } : {}),
          trustedAuthServIds: opts.trustAuthserv,
          trustedArcSealers: opts.trustArcSealer,
        });
        verdicts.push({ index: item.index, subject: item.notice.subject, caseNumber: item.notice.caseNumber, ...v });
      }
      if (cache && opts.dnsCache && cache.dirty) await saveCache(opts.dnsCache, cache);

      if (opts.json) {
        if (verdicts.length === 1 && parsed.failures.length === 0) {
          const { verdict, reasons, auth } = verdicts[0]!;
          printJson({ verdict, reasons, auth });
        } else {
          printJson({ items: verdicts, failures: parsed.failures });
        }
      } else {
        const c = colors;
        const paint = { authentic: c.green, unverified: c.yellow, suspicious: c.magenta, phishing: c.red } as const;
        const mark = { fail: c.red("✗"), warn: c.yellow("!"), pass: c.green("✓"), info: c.dim("·") } as const;
        verdicts.forEach((v, k) => {
          if (verdicts.length > 1) process.stdout.write(`${k ? "\n" : ""}${c.bold(`# ${v.index + 1}`)}${v.subject ? `  ${v.subject}` : ""}\n`);
          process.stdout.write(`${c.bold(paint[v.verdict](v.verdict.toUpperCase()))}  ${SUMMARY[v.verdict]}\n`);
          for (const r of v.reasons) process.stdout.write(`  ${mark[r.severity]} ${r.message} ${c.dim(`(${r.code})`)}\n`);
        });
        for (const f of parsed.failures) process.stdout.write(c.red(`message ${f.index + 1}: could not be read: ${f.error}\n`));
        if (!cache && verdicts.length) process.stdout.write(c.dim(`offline: no DNS lookups were made (${OFFLINE}); drop --offline to check signatures\n`));
      }

      if (verdicts.length === 0) {
        process.exitCode = 65;
        return;
      }
      const worst = verdicts.some((v) => v.verdict === "phishing") ? EXIT.phishing : verdicts.some((v) => v.verdict === "suspicious") ? EXIT.suspicious : EXIT.ok;
      process.exitCode = worst;
    });
}

const SUMMARY = {
  authentic: "sent by AWS, as far as its signatures prove.",
  unverified: "cannot be proven either way; check it in the AWS console or AWS Support before acting.",
  suspicious: "something is wrong with it; do not act on it before checking with AWS directly.",
  phishing: "evidence of forgery: do not follow its links, reply, or act on it.",
} as const;

/** The cache file at `path` in front of `upstream` (null: offline, misses are not looked up). */
async function loadCache(path: string, upstream: DnsResolver | null) {
  const { readFile } = await import("node:fs/promises");
  const { UserError } = await import("../errors.ts");
  const { DnsCache, OFFLINE } = await import("../verify/dns.ts");
  const opts = upstream ? { upstream } : { missCode: OFFLINE };
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return new DnsCache(opts); // created on save
    throw new UserError(`--dns-cache ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { exitCode: 66 });
  }
  try {
    return DnsCache.parse(text, opts);
  } catch (err) {
    throw new UserError(`--dns-cache ${path}: not a DNS cache file (${(err as Error).message.split("\n")[0]})`, {
      exitCode: 65,
      hint: 'expected {"version": 1, "entries": {"TXT name": {"answer": [...]}}}; delete the file to start a new cache',
    });
  }
}

/** Writes next to the file and renames, so an interrupted run never leaves half a cache. */
async function saveCache(path: string, cache: { toJSON(): unknown }) {
  const { writeFile, rename } = await import("node:fs/promises");
  const { UserError } = await import("../errors.ts");
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(cache.toJSON(), null, 1) + "\n");
    await rename(tmp, path);
  } catch (err) {
    throw new UserError(`--dns-cache ${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { exitCode: 73 });
  }
}
