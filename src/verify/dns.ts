/**
 * DNS for verification, as small injectable functions (mailauth's resolver shape):
 * - `systemResolver()`: node:dns with a timeout, for production;
 * - `offlineResolver()`: answers nothing (every lookup fails with EOFFLINE);
 * - `DnsCache`: a cache in front of either, which remembers answers and "no such record" answers,
 *   can be saved to and loaded from a JSON file (`--dns-cache FILE`), and, with no upstream, serves
 *   a fixed set of records (tests, benchmarks, reproducible verification of stored mail).
 */
import { Resolver } from "node:dns/promises";
import { z } from "zod";
import type { DnsResolver } from "./types.ts";

/** Errors the way node:dns reports them, so mailauth tells "no record" (ENOTFOUND/ENODATA) from "could not ask". */
export class DnsError extends Error {
  readonly code: string;
  constructor(code: string, name: string, rrtype: string) {
    super(`${rrtype} ${name}: ${code}`);
    this.name = "DnsError";
    this.code = code;
  }
}

/** The code abuse-desk uses for "no DNS on purpose" (--offline). */
export const OFFLINE = "EOFFLINE";

/** Codes that mean the record does not exist (an answer, cached like one). */
export const NEGATIVE_CODES: ReadonlySet<string> = new Set(["ENOTFOUND", "ENODATA"]);

export function offlineResolver(): DnsResolver {
  return async (name, rrtype) => {
    throw new DnsError(OFFLINE, name, rrtype);
  };
}

/** node:dns, with a per-query timeout (ms) and tries, optionally against given servers. */
export function systemResolver(opts: { timeoutMs?: number; tries?: number; servers?: string[] } = {}): DnsResolver {
  const resolver = new Resolver({ timeout: opts.timeoutMs ?? 3000, tries: opts.tries ?? 2 });
  if (opts.servers?.length) resolver.setServers(opts.servers);
  return (name, rrtype) => resolver.resolve(name, rrtype) as Promise<unknown[]>;
}

const entrySchema = z.union([
  z.object({ answer: z.array(z.unknown()), at: z.string().optional() }),
  z.object({ error: z.enum(["ENOTFOUND", "ENODATA"]), at: z.string().optional() }),
]);
export const dnsCacheFileSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), entrySchema) });
export type DnsCacheFile = z.infer<typeof dnsCacheFileSchema>;
type Entry = z.infer<typeof entrySchema>;

export interface DnsCacheOptions {
  /** Where misses go. Absent: misses fail with `missCode`. */
  upstream?: DnsResolver;
  /** What a miss is when there is no upstream: ENOTFOUND for a fixed zone (tests), EOFFLINE for "not looked up" (--offline with a cache file). */
  missCode?: string;
  /** Entries older than this are asked again when there is an upstream (default: 1 day). A failed refresh keeps the old answer. */
  maxAgeMs?: number;
  /** The clock (ms), injectable for tests. */
  now?: () => number;
}

function keyOf(name: string, rrtype: string): string {
  return `${rrtype.toUpperCase()} ${name.toLowerCase().replace(/\.$/, "")}`;
}

/**
 * A DNS cache in front of a resolver. `resolve` is the function to hand to `verify`. Temporary
 * failures (timeouts, SERVFAIL) are never cached; concurrent lookups of one name share one query.
 */
export class DnsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown[]>>();
  private readonly upstream: DnsResolver | undefined;
  private readonly missCode: string;
  private readonly maxAgeMs: number;
  private readonly clock: () => number;
  readonly stats = { hits: 0, misses: 0, upstreamErrors: 0 };
  /** True when an entry was added or refreshed since load (the CLI saves only then). */
  dirty = false;

  constructor(opts: DnsCacheOptions = {}, file?: DnsCacheFile) {
    this.upstream = opts.upstream;
    this.missCode = opts.missCode ?? "ENOTFOUND";
    this.maxAgeMs = opts.maxAgeMs ?? 24 * 3600_000;
    this.clock = opts.now ?? Date.now;
    if (file) for (const [k, v] of Object.entries(file.entries)) this.entries.set(normaliseKey(k), v);
  }

  /** Parses a cache file's JSON (throws a ZodError or SyntaxError when it is not one). */
  static parse(json: string, opts: DnsCacheOptions = {}): DnsCache {
    return new DnsCache(opts, dnsCacheFileSchema.parse(JSON.parse(json)));
  }

  /** Adds records by hand: `set("TXT", "sel._domainkey.example.com", [["v=DKIM1; p=..."]])`, or a negative answer. */
  set(rrtype: string, name: string, answer: unknown[] | { error: "ENOTFOUND" | "ENODATA" }): this {
    const at = new Date(this.clock()).toISOString();
    this.entries.set(keyOf(name, rrtype), Array.isArray(answer) ? { answer, at } : { error: answer.error, at });
    this.dirty = true;
    return this;
  }

  readonly resolve: DnsResolver = (name, rrtype) => {
    const key = keyOf(name, rrtype);
    const entry = this.entries.get(key);
    if (entry && !this.stale(entry)) {
      this.stats.hits++;
      return answerOf(entry, name, rrtype);
    }
    this.stats.misses++;
    if (!this.upstream) return entry ? answerOf(entry, name, rrtype) : Promise.reject(answerError(this.missCode, name, rrtype));
    const pending = this.inflight.get(key);
    if (pending) return pending.then((a) => a.slice());
    const query = this.ask(this.upstream, key, name, rrtype, entry);
    this.inflight.set(key, query);
    void query.then(
      () => this.inflight.delete(key),
      () => this.inflight.delete(key),
    );
    return query;
  };

  private async ask(upstream: DnsResolver, key: string, name: string, rrtype: string, old: Entry | undefined): Promise<unknown[]> {
    const at = new Date(this.clock()).toISOString();
    try {
      const answer = await upstream(name, rrtype);
      this.entries.set(key, { answer, at });
      this.dirty = true;
      return answer.slice();
    } catch (err) {
      const code = (err as { code?: string }).code ?? "";
      if (NEGATIVE_CODES.has(code)) {
        this.entries.set(key, { error: code as "ENOTFOUND" | "ENODATA", at });
        this.dirty = true;
        throw err;
      }
      this.stats.upstreamErrors++;
      // a stale answer beats none when DNS is down
      if (old) return answerOf(old, name, rrtype);
      throw err;
    }
  }

  private stale(entry: Entry): boolean {
    if (!this.upstream || !entry.at) return false;
    const at = Date.parse(entry.at);
    return !Number.isFinite(at) || this.clock() - at > this.maxAgeMs;
  }

  get size(): number {
    return this.entries.size;
  }

  toJSON(): DnsCacheFile {
    const entries: Record<string, Entry> = {};
    for (const [k, v] of [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) entries[k] = v;
    return { version: 1, entries };
  }
}

function normaliseKey(k: string): string {
  const sp = k.indexOf(" ");
  return sp < 0 ? k : keyOf(k.slice(sp + 1), k.slice(0, sp));
}

/**
 * A stored "no such record" answer as the error node:dns would give. It is data, not a fault: no
 * stack trace is captured (in an async call chain that costs more than the rest of the lookup).
 */
function answerError(code: string, name: string, rrtype: string): DnsError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new DnsError(code, name, rrtype);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function answerOf(entry: Entry, name: string, rrtype: string): Promise<unknown[]> {
  if ("error" in entry) return Promise.reject(answerError(entry.error, name, rrtype));
  return Promise.resolve(entry.answer.slice());
}
