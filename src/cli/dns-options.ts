/**
 * The verification flags shared by every command that verifies a notice (verify, triage, drill,
 * intake): DNS on or off, a DNS cache file, trusted mail servers and ARC sealers.
 */
import type { Command } from "commander";
import type { DnsResolver, VerifyOptions } from "../verify/types.ts";

export interface DnsFlags {
  offline?: boolean;
  dnsCache?: string;
  trustAuthserv: string[];
  trustArcSealer: string[];
  dnsTimeout?: string;
  /** --dns-server: ask these servers (IP or IP:port) instead of the system's. */
  dnsServer?: string[];
}

const collect = (v: string, prev: string[]) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];

export interface OpenDns {
  verifyOptions: VerifyOptions;
  /** DNS lookups are made (not --offline). */
  online: boolean;
  /** Writes new answers back to the --dns-cache file, if one was given. */
  save(): Promise<void>;
}

export const dnsOptions = {
  add(cmd: Command): Command {
    return cmd
      .option("--offline", "make no DNS lookups (signatures are reported as not checked)")
      .option("--dns-cache <file>", "answer DNS from this JSON cache first and save new answers to it")
      .option("--trust-authserv <id>", "believe Authentication-Results and Received headers written by this mail server (repeatable, or comma-separated)", collect, [])
      .option("--trust-arc-sealer <domain>", "believe what this ARC sealer recorded (repeatable, or comma-separated)", collect, [])
      .option("--dns-timeout <ms>", "per-query DNS timeout", "3000")
      .option("--dns-server <addr>", "ask this DNS server (IP or IP:port) instead of the system's (repeatable, or comma-separated)", collect, []);
  },

  async open(flags: DnsFlags, now?: Date): Promise<OpenDns> {
    const { UserError } = await import("../errors.ts");
    const { DnsCache, systemResolver } = await import("../verify/dns.ts");
    const timeout = Number(flags.dnsTimeout ?? "3000");
    if (!Number.isInteger(timeout) || timeout <= 0) {
      throw new UserError(`--dns-timeout: "${flags.dnsTimeout}" is not a positive number of milliseconds`, { exitCode: 64 });
    }
    const servers = flags.dnsServer ?? [];
    const upstream = () => {
      try {
        return systemResolver({ timeoutMs: timeout, ...(servers.length ? { servers } : {}) });
      } catch (err) {
        throw new UserError(`--dns-server: ${(err as Error).message}`, { exitCode: 64 });
      }
    };
    const cache = flags.dnsCache
      ? await loadCache(flags.dnsCache, flags.offline === true ? null : upstream())
      : flags.offline
        ? null
        : new DnsCache({ upstream: upstream() });
    return {
      online: !flags.offline,
      verifyOptions: {
        ...(cache ? { resolver: cache.resolve } : {}),
        ...(now ? { now } : {}),
        trustedAuthServIds: flags.trustAuthserv ?? [],
        trustedArcSealers: flags.trustArcSealer ?? [],
      },
      async save() {
        if (cache && flags.dnsCache && cache.dirty) await saveCache(flags.dnsCache, cache);
      },
    };
  },
};

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
