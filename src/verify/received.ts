/**
 * The part of a message's headers that the recipient's own mail servers wrote, and what they
 * recorded: the IP that delivered the message (for SPF) and their Authentication-Results.
 *
 * Anyone can write Received and Authentication-Results headers into a message before sending it,
 * so nothing here is believed unless the user names the servers they trust (authserv-ids such as
 * `mx.google.com`), and then only what those servers themselves wrote. `trustZone` is the one
 * place that decides it; every reader of Authentication-Results goes through it. Top of the
 * message downwards:
 * 1. the *entry hop* is the topmost Received header written `by` a trusted server, named exactly
 *    or a host under it (`--trust-authserv protection.outlook.com` names
 *    `BN1PEPF00004680.mail.protection.outlook.com`; never by organisational domain, which would
 *    take the hop of anyone's mail sent out through the same provider). Received headers above it (internal hops, `by 2002:a05::...`) are skipped. It moves one header
 *    down only while the hop came from a private address (an internal relay) and the next one is
 *    also written by a trusted server: a public address is where the message came in, and anything
 *    below it was written by the sender (a forger appends "from SES's IP by your-mx" lines to
 *    borrow someone else's IP);
 * 2. its `from (... [IP])` (or Exchange's `from HELO (IP)`) is the connecting IP, its `from` host the HELO;
 * 3. the Authentication-Results the trusted server wrote (authserv-id a trusted id or a host under one), by layout:
 *    - above the entry hop (Microsoft 365, Postfix milters such as OpenDKIM and OpenDMARC, anything
 *      the recipient's own later hops add): every header with a trusted authserv-id, and one with
 *      no authserv-id at all (Microsoft 365 writes none) only between the entry hop and the
 *      Received header above it. The sender cannot write above the entry hop.
 *    - below the entry hop (Gmail puts its record there, exactly where the sender's own headers
 *      begin), only when the server wrote none above: the single topmost header with a trusted
 *      authserv-id, reached from the entry hop through trace headers only (Received-SPF,
 *      Return-Path, ARC-*, X-*, other Authentication-Results). Everything lower, and anything
 *      after the first header of the message itself (From, DKIM-Signature...), is what the sender
 *      wrote: never believed, however far the header block goes on.
 * 4. a `dkim=pass` a trusted server recorded counts only for a domain the message carries a
 *    DKIM-Signature of (`d=`): a server does not record a signature that is not there.
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
    // `(host [IP])` as Postfix, Sendmail and Gmail write it; `(IP)` as Microsoft Exchange writes it
    const ip = from[2] ? /\[(?:IPv6:)?([0-9a-fA-F:.]{2,45})\]/.exec(from[2]) ?? /^\s*([0-9a-fA-F:.]{2,45})\s*$/.exec(from[2]) : null;
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
  // Microsoft 365 writes no authserv-id: the header starts with its first result (`spf=pass ...`)
  const first = (parts[0] ?? "").trim();
  const authservId = /^[a-z0-9_-]+\s*=/i.test(first) ? "" : (parts.shift() ?? "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
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


export interface UnbackedClaim {
  authservId: string;
  /** The domain the record says signed, which no DKIM-Signature in the message names. */
  domain: string;
}

export interface TrustZone {
  /** The connecting IP and HELO your trusted server saw, when found. */
  entry: { ip: string; helo?: string; by?: string } | null;
  /** Authentication-Results your trusted servers wrote (a `dkim=pass` with no matching signature removed). */
  trusted: AuthResultsHeader[];
  /** `dkim=pass` records in `trusted` headers for a domain no DKIM-Signature in the message names: not relied on. */
  unbacked: UnbackedClaim[];
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

/** `host` is a trusted id or a host under one (`bn1.mail.protection.outlook.com` under `protection.outlook.com`). */
function namedExactly(host: string | undefined, trustedIds: Set<string>): boolean {
  if (!host) return false;
  for (const id of trustedIds) if (host === id || host.endsWith(`.${id}`)) return true;
  return false;
}

/** Headers a receiving server writes next to its Received header; anything else below the entry hop is the message's own. */
const TRACE = /^(?:received-spf|return-path|authentication-results|arc-[a-z-]+|x-[a-z0-9-]+|delivered-to)$/;

/** The domain a `dkim` result names: `header.d`, else the domain of `header.i`. */
function claimedDomain(m: AuthMethodResult): string {
  return (m.props["header.d"] ?? m.props["header.i"] ?? "").replace(/^.*@/, "").toLowerCase();
}

/** `d=` of every DKIM-Signature in the headers. */
function signatureDomains(headers: HeaderList): Set<string> {
  const out = new Set<string>();
  for (const [name, value] of headers) {
    if (name !== "dkim-signature") continue;
    const d = /(?:^|;)\s*d\s*=\s*([^;\s]+)/i.exec(value)?.[1]?.toLowerCase();
    if (d) out.add(d);
  }
  return out;
}

/**
 * The trust zone: the entry hop of your trusted mail server and the Authentication-Results it
 * wrote (see the rules at the top of this file). The only decider of which Authentication-Results
 * are believed.
 */
export function trustZone(headers: HeaderList, trustedAuthServIds: readonly string[]): TrustZone {
  const ids = new Set(trustedAuthServIds.map((s) => s.toLowerCase().trim()).filter(Boolean));
  const orgs = new Set([...ids].map(orgDomain));
  const hops: ReceivedHop[] = [];
  const results: AuthResultsHeader[] = [];
  headers.forEach(([name, value], index) => {
    if (name === "received") hops.push(parseReceived(value, index));
    else if (name === "authentication-results") results.push(parseAuthResults(value, index));
  });

  let entry: ReceivedHop | null = null;
  let trusted: AuthResultsHeader[] = [];
  if (ids.size) {
    // named exactly: an organisational-domain match would take the hop of anyone's mail sent out
    // through the same provider (Gmail's or Microsoft 365's outbound servers) for your own server's
    let i = hops.findIndex((h) => namedExactly(h.by, ids));
    if (i >= 0) {
      while (i + 1 < hops.length && isInternal(hops[i]!.fromIp) && matchesTrusted(hops[i + 1]!.by, orgs, ids)) i++;
      entry = hops[i]!;
      const above = i > 0 ? hops[i - 1]!.index : -1;
      const at = entry.index;
      // above the entry hop: written after the trusted server had the message
      trusted = results.filter((r) => r.index < at && (namedExactly(r.authservId, ids) || (r.authservId === "" && r.index > above)));
      if (!trusted.length) {
        // below it (Gmail's layout): the topmost one, reached through trace headers only
        for (let k = at + 1; k < headers.length; k++) {
          const name = headers[k]![0];
          if (!TRACE.test(name)) break;
          const r = name === "authentication-results" ? results.find((x) => x.index === k) : undefined;
          if (r && namedExactly(r.authservId, ids)) {
            trusted = [r];
            break;
          }
        }
      }
    }
  }

  // a recorded dkim=pass for a domain that signed nothing in this message is not relied on
  const signed = signatureDomains(headers);
  const unbacked: UnbackedClaim[] = [];
  trusted = trusted.map((r) => ({
    ...r,
    // Microsoft 365's record has no authserv-id: it is named by the server that wrote the entry hop
    authservId: r.authservId || entry?.by || "your mail server",
    methods: r.methods.filter((m) => {
      if (m.method !== "dkim" || m.result !== "pass") return true;
      const d = claimedDomain(m);
      if (d && (signed.has(d) || (!m.props["header.d"] && [...signed].some((s) => d.endsWith(`.${s}`))))) return true;
      unbacked.push({ authservId: r.authservId, domain: d });
      return false;
    }),
  }));
  const trustedAt = new Set(trusted.map((r) => r.index));
  const untrustedIds = [...new Set(results.filter((r) => !trustedAt.has(r.index)).map((r) => r.authservId).filter(Boolean))];
  return {
    entry: entry?.fromIp && !isInternal(entry.fromIp) ? { ip: entry.fromIp, ...(entry.fromHost ? { helo: entry.fromHost } : {}), ...(entry.by ? { by: entry.by } : {}) } : null,
    trusted,
    unbacked,
    untrustedIds,
  };
}
