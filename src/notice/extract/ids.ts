/**
 * Shapes of AWS identifiers and network addresses: one pattern per kind, used by every extractor.
 * Patterns are linear (no nested quantifiers) so they are safe on hostile input.
 */
import ipaddr from "ipaddr.js";

// an upper-case letter may follow (ids are lower-case hex; "...b8IP Address" is two words glued by HTML-to-text)
export const INSTANCE_ID = /(?<![\w-])i-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![a-z0-9_-])/g;
export const ENI_ID = /(?<![\w-])eni-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![\w-])/g;
export const NAT_ID = /(?<![\w-])nat-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![\w-])/g;
export const EIP_ALLOC = /(?<![\w-])eipalloc-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![\w-])/g;
/** Long-term (AKIA) and temporary (ASIA) access key ids: exactly 20 characters. */
export const ACCESS_KEY = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
/** Something that was meant to be an access key id (masked or a placeholder), for the redaction list. */
export const ACCESS_KEY_LIKE = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Za-z0-9*x■#]{4,30}/g;
export const ARN = /\barn:aws[a-z-]{0,12}:[a-z0-9-]{1,40}:[a-z0-9-]{0,30}:[^:\s"'<>]{0,40}(?:<<?[^>\s]{1,40}>>?)?:[^\s"',<>)\]}]{1,512}/g;
export const IPV4 = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\d]|\.\d)/g;
/** An IPv4 address with some octets masked (`52.79.xxx.xxx`, `34.xx.xx.xx`, `1.2.*.*`). */
export const IPV4_MASKED = /(?<![\w.])(?:\d{1,3}|[x*]{1,4})(?:\.(?:\d{1,3}|[x*]{1,4})){3}(?![\w.])/gi;
/** Candidate IPv6 tokens; confirmed with ipaddr.js. */
export const IPV6_CANDIDATE = /(?<![\w:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])/gi;
/** EC2 public DNS names carry the IP and (outside us-east-1) the region. */
export const EC2_DNS = /\bec2-(\d{1,3}|x{1,4})-(\d{1,3}|x{1,4})-(\d{1,3}|x{1,4})-(\d{1,3}|x{1,4})\.(?:([a-z]{2}(?:-gov)?-[a-z]+-\d{1,2})\.compute|compute-1)\.amazonaws\.com\b/gi;
export const ACCOUNT_ID = /(?<![\d-])\d{4}-?\d{4}-?\d{4}(?![\d-])/g;

export function isInstanceId(s: string): boolean {
  return /^i-(?:[0-9a-f]{17}|[0-9a-f]{8})$/.test(s);
}
/**
 * An access key id by its shape. A publisher's stand-in written as a key (AWS's documentation key
 * AKIAIOSFODNN7EXAMPLE in a blog copy) is reported as written, like any other key: readers record
 * it, and the key to act on is whatever the notice names. Only masks are redactions: `AKIA****`
 * never has this shape, and a run of X's (`AKIAXXXXXXXXXXXXXXXX`, `AKIA2XXXXXXXXXXXWBAA`) is a mask,
 * not a key (real ids are random; four X's in a row is a publisher's pen).
 */
export function isAccessKeyId(s: string): boolean {
  return /^(?:AKIA|ASIA)[A-Z0-9]{16}$/.test(s) && !/XXXX/.test(s);
}
export function isAccountId(s: string): boolean {
  return /^\d{12}$/.test(s);
}
/** `1234-5678-9012` and `123456789012` are the same account. */
export function normalizeAccountId(s: string): string | null {
  if (s.length === 12) return /^\d{12}$/.test(s) ? s : null;
  if (s.length < 13 || s.length > 14) return null;
  return /^\d{4}-?\d{4}-?\d{4}$/.test(s) ? s.replace(/-/g, "") : null;
}

const IPV4_WHOLE = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Whole-string test. (Not the global IPV4 pattern: exec would leave its lastIndex behind, and matchAll copies it.) */
export function isIPv4(s: string): boolean {
  return IPV4_WHOLE.test(s);
}

export function isIP(s: string): boolean {
  if (isIPv4(s)) return true;
  return s.includes(":") && ipaddr.IPv6.isValid(s);
}

/** Canonical text of an address (IPv6 lower-case and compressed). */
export function normalizeIP(s: string): string {
  const t = s.replace(/^\[|\]$/g, "");
  if (t.includes(":") && ipaddr.IPv6.isValid(t)) return ipaddr.IPv6.parse(t).toString();
  return t;
}

/**
 * Addresses that are never the remote party of an incident: private, loopback, link-local,
 * documentation-free "unspecified" and multicast ranges. (RFC 5737 documentation ranges are kept:
 * our own fixtures use them as public addresses.)
 */
export function isPublicIP(s: string): boolean {
  try {
    const addr = ipaddr.parse(normalizeIP(s));
    const range = addr.range();
    return range === "unicast" || (range === "reserved" && isDocumentation(s));
  } catch {
    return false;
  }
}

function isDocumentation(s: string): boolean {
  return /^(?:192\.0\.2|198\.51\.100|203\.0\.113)\.|^2001:db8:/i.test(s);
}

/** Every IPv4 and IPv6 address in `s`, in order. */
export function findIPs(s: string): { ip: string; index: number }[] {
  const out: { ip: string; index: number }[] = [];
  for (const m of s.matchAll(IPV4)) out.push({ ip: m[0], index: m.index });
  if (s.includes(":")) {
    for (const m of s.matchAll(IPV6_CANDIDATE)) {
      const t = m[0];
      if (/^\d{1,2}:\d{2}(?::\d{2})?$/.test(t)) continue; // a time of day
      // at least two written groups ("e::" or "a::" in prose is not an address)
      if (t.split(":").filter((g) => g !== "").length >= 2 && ipaddr.IPv6.isValid(t)) out.push({ ip: normalizeIP(t), index: m.index });
    }
    out.sort((a, b) => a.index - b.index);
  }
  return out;
}

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
  arn: string;
}

export function parseArn(arn: string): ParsedArn | null {
  const m = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):([^:]*):(.+)$/.exec(arn);
  if (!m) return null;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, accountId: m[4]!, resource: m[5]!, arn };
}
