/**
 * Host names against AWS's: is this host AWS's own, a customer's page on AWS, or a name made to
 * look like AWS's? Used for links, for hosts named in the text, and for sender domains.
 */
import { isIP } from "node:net";
import { domainToASCII, domainToUnicode } from "node:url";
import { remove as removeConfusables } from "confusables";
import { getDomain, parse as parseHost } from "tldts";
import {
  AMAZON_RETAIL_SUFFIXES,
  AWS_CUSTOMER_HOSTING_DOMAINS,
  AWS_LINK_DOMAINS,
  AWS_SENDING_DOMAINS,
  BRANDS,
  SES_TRANSPORT_DOMAINS,
  URL_SHORTENERS,
} from "./aws.ts";

export type HostKind =
  /** Run by AWS (docs.aws.amazon.com, console.aws.amazon.com, repost.aws). */
  | "aws"
  /** On AWS's infrastructure but a customer's: an S3 bucket, API Gateway, CloudFront, WorkMail, SES click tracking. */
  | "aws-customer"
  /** Amazon's retail storefronts (amazon.de): Amazon's, not AWS's. */
  | "amazon-retail"
  | "ip"
  | "shortener"
  /** Non-ASCII (IDN / punycode) that reads as an AWS name once confusable characters are folded. */
  | "homograph"
  /** ASCII spelled to look like an AWS name: amaz0n, arnazon, aws-support-center, amazon-security. */
  | "lookalike"
  /** An AWS name placed left of someone else's domain: aws.amazon.com.example.net, amazon.com-login.net. */
  | "subdomain-trick"
  /** IDN that does not read as AWS: odd in an AWS notice, not proof of anything. */
  | "punycode"
  | "invalid"
  | "other";

export interface HostInfo {
  kind: HostKind;
  /** The host as ASCII (punycode), lower-case, without a trailing dot. */
  ascii: string;
  /** The host as a person reads it (Unicode). */
  display: string;
  /** The registrable domain (ICANN section of the Public Suffix List), or the host itself. */
  domain: string;
  /** For lookalikes: the AWS name it imitates. */
  imitates?: string;
}

const LINK_DOMAINS = new Set(AWS_LINK_DOMAINS);
const HOSTING_DOMAINS = new Set(AWS_CUSTOMER_HOSTING_DOMAINS);
const SHORTENERS = new Set(URL_SHORTENERS);
const RETAIL = new Set(AMAZON_RETAIL_SUFFIXES);
const SENDING = new Set(AWS_SENDING_DOMAINS);
const SES = new Set(SES_TRANSPORT_DOMAINS);
const LONG_BRANDS: readonly string[] = BRANDS.long;
const SHORT_BRANDS = new Set<string>(BRANDS.short);
/** AWS names as whole host suffixes, for skeleton matches (`аmazon.com` folds to `amazon.com`). */
const AWS_NAMES = [...AWS_SENDING_DOMAINS, ...AWS_LINK_DOMAINS];

/** Digits and symbols people read as letters, after Unicode confusables are folded. */
const LEET: Record<string, string> = { "0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s", "|": "l", "!": "i" };

/**
 * What a string looks like to a reader: Unicode confusables folded to ASCII (confusables), digits
 * read as letters, and the two-letter shapes that read as one (`rn` as `m`, `vv` as `w`).
 */
export function skeleton(s: string): string {
  let out = s.normalize("NFKC");
  // confusables walks every character; ASCII input has nothing for it to fold
  if (/[^\x00-\x7f]/.test(out)) out = removeConfusables(out);
  out = out.toLowerCase().replace(/[013457@$|!]/g, (c) => LEET[c] ?? c);
  return out.replace(/rn/g, "m").replace(/vv/g, "w");
}

/** Damerau-Levenshtein (optimal string alignment) distance, giving up above `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push(new Array<number>(b.length + 1).fill(0));
  for (let i = 0; i <= a.length; i++) rows[i]![0] = i;
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
  }
  return rows[a.length]![b.length]!;
}

function isUnder(host: string, domain: string): boolean {
  return host === domain || host.endsWith("." + domain);
}

/** The AWS name a label imitates, or null. Tokens are split on hyphens; `aws` only matches exactly. */
export function imitatedBrand(label: string): string | null {
  const sk = skeleton(label);
  const tokens = sk.split(/[-_]+/).filter(Boolean);
  for (const t of tokens) {
    if (SHORT_BRANDS.has(t)) return t;
    for (const brand of LONG_BRANDS) {
      if (t === brand) return brand;
      const max = brand.length >= 9 ? 2 : 1;
      if (t.length >= 5 && editDistance(t, brand, max) <= max) return brand;
    }
  }
  const joined = tokens.join("");
  if (joined.includes("amazon")) return "amazon";
  if (joined.startsWith("aws") && joined.length > 3) return "aws";
  return null;
}

const cache = new Map<string, HostInfo>();
const CACHE_LIMIT = 20_000;

/** Classifies a host name (Unicode or punycode, any case). Results are cached: notices repeat the same hosts. */
export function classifyHost(host: string): HostInfo {
  const hit = cache.get(host);
  if (hit) return hit;
  const info = classify(host);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(host, info);
  return info;
}

function classify(rawHost: string): HostInfo {
  let host = rawHost.trim().toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (isIP(host)) return { kind: "ip", ascii: host, display: host, domain: host };
  const ascii = domainToASCII(host);
  if (!ascii) return { kind: "invalid", ascii: host, display: host, domain: host };
  const display = domainToUnicode(ascii) || host;
  const domain = getDomain(ascii) ?? ascii;
  const base = { ascii, display, domain };

  if (SHORTENERS.has(domain) || SHORTENERS.has(ascii)) return { kind: "shortener", ...base };
  if (LINK_DOMAINS.has(domain) || SENDING.has(domain) || SES.has(domain)) {
    // bucket.s3.amazonaws.com: the Public Suffix List's private section marks customers' hosts
    const priv = parseHost(ascii, { allowPrivateDomains: true });
    return { kind: priv.isPrivate ? "aws-customer" : "aws", ...base };
  }
  if (HOSTING_DOMAINS.has(domain)) return { kind: "aws-customer", ...base };

  const icann = parseHost(ascii);
  const label = icann.domainWithoutSuffix ?? "";
  if (label === "amazon" && RETAIL.has(icann.publicSuffix ?? "")) return { kind: "amazon-retail", ...base };

  const nonAscii = ascii.includes("xn--");
  // The whole host as a reader sees it: does it fold into an AWS name?
  const sk = skeleton(display);
  const skDomain = getDomain(sk);
  for (const name of AWS_NAMES) {
    if (skDomain === name || isUnder(sk, name)) return { kind: nonAscii ? "homograph" : "lookalike", imitates: name, ...base };
  }
  // AWS names to the left of the registrable domain
  const sub = icann.subdomain ?? "";
  if (sub) {
    for (const part of sub.split(".")) {
      const brand = imitatedBrand(part);
      if (brand) return { kind: "subdomain-trick", imitates: brand, ...base };
    }
  }
  const brand = imitatedBrand(label);
  if (brand) return { kind: nonAscii ? "homograph" : "lookalike", imitates: brand, ...base };
  if (nonAscii) return { kind: "punycode", ...base };
  return { kind: "other", ...base };
}

const registrableCache = new Map<string, string>();

/** getDomain(d) ?? d for a lower-case name, remembered (a few sending and signing domains recur in every message). */
function registrable(d: string): string {
  let org = registrableCache.get(d);
  if (org === undefined) {
    org = getDomain(d) ?? d;
    if (registrableCache.size >= CACHE_LIMIT) registrableCache.clear();
    registrableCache.set(d, org);
  }
  return org;
}

/** True when the host's registrable domain is one AWS sends abuse mail from (amazon.com, amazonaws.com, aws.com). */
export function isAwsSendingDomain(domain: string): boolean {
  return SENDING.has(registrable(domain.toLowerCase()));
}

/** True for Amazon SES's own domain (the transport). */
export function isSesDomain(domain: string): boolean {
  return SES.has(registrable(domain.toLowerCase()));
}

/** The organisational (registrable) domain, lower-case. */
export function orgDomain(domain: string): string {
  return registrable(domain.toLowerCase().replace(/\.$/, ""));
}
