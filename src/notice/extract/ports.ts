/**
 * Ports and protocols as notices write them: `80`, `22, 443`, `22/TCP`, `30303/UDP`,
 * "multiple ports (1505 ports in total)", and protocols as names or IP protocol numbers (17 = UDP).
 */

const PROTOCOL_NUMBERS: Record<string, string> = { "1": "ICMP", "6": "TCP", "17": "UDP", "41": "IPV6", "47": "GRE", "50": "ESP", "58": "ICMPV6", "132": "SCTP" };
const PROTOCOL_NAMES = new Set(["TCP", "UDP", "ICMP", "ICMPV6", "GRE", "ESP", "SCTP", "IPV6"]);

/** `udp`, `17`, `UDP (17)` -> `UDP`; anything else -> null. */
export function protocolName(text: string): string | null {
  const t = text.trim().toUpperCase().replace(/[.,;]$/, "");
  if (PROTOCOL_NAMES.has(t)) return t;
  if (PROTOCOL_NUMBERS[t]) return PROTOCOL_NUMBERS[t];
  const m = /^(TCP|UDP|ICMP|ICMPV6|GRE|ESP|SCTP)\b/.exec(t) ?? /\b(TCP|UDP|ICMP)\b/.exec(t);
  if (m) return m[1]!;
  const n = /^(\d{1,3})\b/.exec(t);
  if (n && PROTOCOL_NUMBERS[n[1]!]) return PROTOCOL_NUMBERS[n[1]!]!;
  return null;
}

export interface PortsValue {
  ports: number[];
  /** "multiple ports (N ports in total)" */
  count?: number;
  /** Protocols written beside the ports (`22/TCP`). */
  protocols: string[];
}

const COUNT = /(\d{1,6})\s+(?:different\s+|distinct\s+|unique\s+)?ports?\s+in\s+total|multiple\s+(?:ports\s*)?\((\d{1,6})(?:\s+ports?)?[^)]{0,20}\)|(\d{1,6})\s+(?:different|distinct|unique)\s+ports/i;
const PORT_PROTO = /(?<![\w.:])(\d{1,5})\s*\/\s*(tcp|udp|sctp)\b|\b(tcp|udp|sctp)\s*\/\s*(\d{1,5})(?![\w.])/gi;
const RANGE = /(?<![\w.:/])(\d{1,5})\s*-\s*(\d{1,5})(?![\w.:/])/g;
const BARE = /(?<![\w.:/-])(\d{1,5})(?![\w.:/-]|\s*(?:bytes|packets|ms|seconds|minutes|hours|days))/g;

function valid(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}

/** Reads a labelled ports value. Ranges are kept as their two ends only when small (< 32 ports). */
export function parsePorts(text: string): PortsValue {
  const out: PortsValue = { ports: [], protocols: [] };
  const t = text.slice(0, 2000);
  const c = COUNT.exec(t);
  if (c) {
    out.count = Number(c[1] ?? c[2] ?? c[3]);
    return out;
  }
  const seen = new Set<number>();
  const add = (n: number) => {
    if (valid(n) && !seen.has(n)) {
      seen.add(n);
      out.ports.push(n);
    }
  };
  let rest = t;
  for (const m of t.matchAll(PORT_PROTO)) {
    const port = Number(m[1] ?? m[4]);
    add(port);
    const proto = (m[2] ?? m[3])!.toUpperCase();
    if (!out.protocols.includes(proto)) out.protocols.push(proto);
  }
  rest = rest.replace(PORT_PROTO, " ");
  for (const m of rest.matchAll(RANGE)) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (valid(a) && valid(b) && b > a && b - a < 32) for (let p = a; p <= b; p++) add(p);
    else {
      add(a);
      add(b);
    }
  }
  rest = rest.replace(RANGE, " ");
  for (const m of rest.matchAll(BARE)) add(Number(m[1]));
  return out;
}
