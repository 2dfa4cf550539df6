/**
 * The part of a message's headers that the recipient's own mail servers wrote, and what they
 * recorded: the IP that delivered the message (for SPF) and their Authentication-Results.
 *
 * Anyone can write Received and Authentication-Results headers into a message before sending it,
 * so nothing here is believed unless the user names the servers they trust (authserv-ids such as
 * `mx.google.com`). The rule, top of the message downwards:
 * 1. the *entry hop* is the topmost Received header written `by` a trusted server (same
 *    organisational domain as a trusted authserv-id); Received headers above it (internal hops,
 *    `by 2002:a05::...`) are skipped. It moves one header down only while the hop came from a
 *    private address (an internal relay) and the next one is also written by a trusted server:
 *    a public address is where the message came in, and anything below it was written by the
 *    sender (a forger appends "from SES's IP by your-mx" lines to borrow someone else's IP);
 * 2. its `from (... [IP])` is the connecting IP, its `from` host the HELO;
 * 3. Authentication-Results with a trusted authserv-id count only above the next Received header
 *    below the entry hop: everything below it was written before the trusted server had the message.
 */
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { orgDomain } from "./hosts.ts";
import type { HeaderList } from "../notice/mime/headers.ts";

export interface ReceivedHop {
  /** Position among all header lines. */
  index: number;
  fromHost?: string;
  fromIp?: string;
  by?: string;
}

function parseReceived(value: string, index: number): ReceivedHop {
  const hop: ReceivedHop = { index };
  const from = /\bfrom\s+([^\s;()]+)(?:\s+\(([^)]{0,300})\))?/i.exec(value);
  if (from) {
    hop.fromHost = from[1]!.toLowerCase();
    const ip = from[2] ? /\[(?:IPv6:)?([0-9a-fA-F:.]{2,45})\]/.exec(from[2]) : null;
    const bare = /^\[?(?:IPv6:)?([0-9a-fA-F:.]{2,45})\]?$/.exec(hop.fromHost);
    const candidate = ip?.[1] ?? bare?.[1];
    if (candidate && isIP(candidate)) hop.fromIp = candidate;
  }
  const by = /\bby\s+([^\s;()]+)/i.exec(value);
  if (by) hop.by = by[1]!.toLowerCase().replace(/\.$/, "");
  return hop;
}

export interface AuthMethodResult {
  method: string;
  result: string;
  /** `header.d`, `header.i`, `header.from`, `smtp.mailfrom`... lower-cased names, values as written. */
  props: Record<string, string>;
}

export interface AuthResultsHeader {
  authservId: string;
  index: number;
  methods: AuthMethodResult[];
}

/** Removes RFC 5322 comments (nested, bounded) so `dkim=pass (good signature) header.d=x` reads plainly. */
function stripComments(s: string): string {
  if (!s.includes("(")) return s;
  let out = "";
  let depth = 0;
  for (const ch of s) {
    if (ch === "(") depth++;
    else if (ch === ")" && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

function parseAuthResults(value: string, index: number): AuthResultsHeader {
  const parts = stripComments(value).split(";");
  const authservId = (parts.shift() ?? "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  const methods: AuthMethodResult[] = [];
  for (const part of parts) {
    const m = /^\s*([a-z0-9_-]+)\s*=\s*([a-z]+)/i.exec(part);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const p of part.slice(m[0].length).matchAll(/([a-z]{1,20}\.[a-z0-9_-]{1,40})[ \t]*=[ \t]*("[^"]{0,1000}"|[^\s;]{1,1000})/gi)) {
      props[p[1]!.toLowerCase()] = p[2]!.replace(/^"|"$/g, "");
    }
    methods.push({ method: m[1]!.toLowerCase(), result: m[2]!.toLowerCase(), props });
  }
  return { authservId, index, methods };
}

export interface TrustZone {
  /** The connecting IP and HELO your trusted server saw, when found. */
  entry: { ip: string; helo?: string; by?: string } | null;
  /** Authentication-Results your trusted servers wrote. */
  trusted: AuthResultsHeader[];
  /** authserv-ids of Authentication-Results headers that are not trusted (said, not believed). */
  untrustedIds: string[];
}

const INTERNAL_RANGES = new Set(["private", "loopback", "linkLocal", "uniqueLocal", "carrierGradeNat"]);

/** A private, loopback, link-local or unique-local address: a relay inside the recipient's network. */
function isInternal(ip: string | undefined): boolean {
  if (!ip || !ipaddr.isValid(ip)) return false;
  return INTERNAL_RANGES.has(ipaddr.process(ip).range());
}

function matchesTrusted(host: string | undefined, trustedOrgs: Set<string>, trustedIds: Set<string>): boolean {
  if (!host) return false;
  return trustedIds.has(host) || trustedOrgs.has(orgDomain(host));
}

export function trustZone(headers: HeaderList, trustedAuthServIds: readonly string[]): TrustZone {
  const ids = new Set(trustedAuthServIds.map((s) => s.toLowerCase()));
  const orgs = new Set([...ids].map(orgDomain));
  const hops: ReceivedHop[] = [];
  const results: AuthResultsHeader[] = [];
  headers.forEach(([name, value], index) => {
    if (name === "received") hops.push(parseReceived(value, index));
    else if (name === "authentication-results") results.push(parseAuthResults(value, index));
  });

  let entry: ReceivedHop | null = null;
  let zoneEnd = -1;
  if (ids.size) {
    let i = hops.findIndex((h) => matchesTrusted(h.by, orgs, ids));
    if (i >= 0) {
      while (i + 1 < hops.length && isInternal(hops[i]!.fromIp) && matchesTrusted(hops[i + 1]!.by, orgs, ids)) i++;
      entry = hops[i]!;
      zoneEnd = i + 1 < hops.length ? hops[i + 1]!.index : headers.length;
    }
  }
  const trusted = results.filter((r) => ids.has(r.authservId) && r.index < zoneEnd);
  const untrustedIds = [...new Set(results.filter((r) => !trusted.includes(r)).map((r) => r.authservId).filter(Boolean))];
  return {
    entry: entry?.fromIp && !isInternal(entry.fromIp) ? { ip: entry.fromIp, ...(entry.fromHost ? { helo: entry.fromHost } : {}), ...(entry.by ? { by: entry.by } : {}) } : null,
    trusted,
    untrustedIds,
  };
}
