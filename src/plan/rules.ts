/**
 * Security group rule arithmetic: which rules are open to the world, which ports they cover, and
 * how to replace a rule by rules that cover everything it did except some ports (security groups
 * have no deny, so "block port 25" is written as "allow everything else").
 */
import { normaliseProtocol, type SgRule } from "../cloud/model.ts";
import type { RuleSpec } from "../cloud/port.ts";
import { samePeer, sameRule } from "../cloud/sg-rule.ts";

export type Proto = "tcp" | "udp";

/** Ports to take away, by protocol. */
export interface PortSet {
  tcp: number[];
  udp: number[];
}

export function isWorldOpen(rule: Pick<SgRule, "cidrIpv4" | "cidrIpv6">): boolean {
  return rule.cidrIpv4 === "0.0.0.0/0" || rule.cidrIpv6 === "::/0";
}

/** The port range a tcp/udp rule covers ([0, 65535] when it names none). */
export function portRange(rule: Pick<SgRule, "fromPort" | "toPort">): [number, number] {
  const from = rule.fromPort === undefined || rule.fromPort === -1 ? 0 : rule.fromPort;
  const to = rule.toPort === undefined || rule.toPort === -1 ? 65535 : rule.toPort;
  return [from, to];
}

export function coversPort(rule: SgRule | RuleSpec, proto: Proto, port: number): boolean {
  const p = normaliseProtocol(rule.protocol);
  if (p === "-1") return true;
  if (p !== proto) return false;
  const [from, to] = portRange(rule);
  return port >= from && port <= to;
}

/** The ports of `blocked` this rule lets through. */
export function coveredPorts(rule: SgRule | RuleSpec, blocked: PortSet): PortSet {
  return {
    tcp: blocked.tcp.filter((port) => coversPort(rule, "tcp", port)),
    udp: blocked.udp.filter((port) => coversPort(rule, "udp", port)),
  };
}

export function isEmpty(ports: PortSet): boolean {
  return ports.tcp.length === 0 && ports.udp.length === 0;
}

/** [from, to] minus the given ports, as sorted disjoint ranges. */
export function subtractPorts(from: number, to: number, ports: number[]): [number, number][] {
  const cut = [...new Set(ports)].filter((p) => p >= from && p <= to).sort((a, b) => a - b);
  const out: [number, number][] = [];
  let start = from;
  for (const p of cut) {
    if (p > start) out.push([start, p - 1]);
    start = p + 1;
  }
  if (start <= to) out.push([start, to]);
  return out;
}

/** A rule as the write side takes it (no AWS rule id). */
export function toSpec(rule: SgRule | RuleSpec): RuleSpec {
  const spec: RuleSpec = { direction: rule.direction, protocol: rule.protocol };
  if (rule.fromPort !== undefined) spec.fromPort = rule.fromPort;
  if (rule.toPort !== undefined) spec.toPort = rule.toPort;
  if (rule.cidrIpv4 !== undefined) spec.cidrIpv4 = rule.cidrIpv4;
  if (rule.cidrIpv6 !== undefined) spec.cidrIpv6 = rule.cidrIpv6;
  if (rule.groupId !== undefined) spec.groupId = rule.groupId;
  if (rule.prefixListId !== undefined) spec.prefixListId = rule.prefixListId;
  if (rule.description !== undefined) spec.description = rule.description;
  return spec;
}

/** Two rules grant the same thing (descriptions and rule ids aside): AWS's identity of a rule, defined once in ../cloud/sg-rule.ts. */
export { sameRule };

/** `inner` allows nothing `outer` does not: same direction and peer, protocol and ports inside outer's. */
export function within(inner: SgRule | RuleSpec, outer: SgRule | RuleSpec): boolean {
  if (inner.direction !== outer.direction || !samePeer(inner, outer)) return false;
  const po = normaliseProtocol(outer.protocol);
  if (po === "-1") return true;
  const pi = normaliseProtocol(inner.protocol);
  if (pi !== po) return false;
  if (pi === "tcp" || pi === "udp") {
    const [of, ot] = portRange(outer);
    const [inf, int] = portRange(inner);
    return inf >= of && int <= ot;
  }
  if (pi !== "icmp" && pi !== "icmpv6") return true; // another IP protocol has no ports (AWS allows all of its traffic)
  // ICMP: "ports" are type and code; -1 (or none) is all of them, and all types is all codes.
  const all = (v: number | undefined) => v === undefined || v === -1;
  if (all(outer.fromPort)) return true;
  return outer.fromPort === inner.fromPort && (all(outer.toPort) || outer.toPort === inner.toPort);
}

/** The AWS-allowed character set for rule descriptions, and its length limit. */
export function ruleDescription(text: string): string {
  return text.replace(/[^a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]/g, " ").slice(0, 255);
}

export function describePorts(ports: PortSet): string {
  const parts = [...ports.tcp.map((p) => `tcp/${p}`), ...ports.udp.map((p) => `udp/${p}`)];
  return parts.join(", ");
}

/**
 * The rules that allow everything `rule` allowed except `blocked`. An all-protocol rule becomes tcp,
 * udp and icmp rules: other IP protocols (GRE, ESP...) are then no longer allowed, which `lost` says.
 */
export function splitRule(rule: SgRule | RuleSpec, blocked: PortSet, note: string): { add: RuleSpec[]; lost: string | null } {
  const base = toSpec(rule);
  delete base.fromPort;
  delete base.toPort;
  const desc = ruleDescription(note + (rule.description ? ` (was: ${rule.description})` : ""));
  const ranges = (proto: Proto, from: number, to: number): RuleSpec[] =>
    subtractPorts(from, to, blocked[proto]).map(([f, t]) => ({ ...base, protocol: proto, fromPort: f, toPort: t, description: desc }));
  const p = normaliseProtocol(rule.protocol);
  if (p === "tcp" || p === "udp") {
    const [from, to] = portRange(rule);
    return { add: ranges(p, from, to), lost: null };
  }
  if (p === "-1") {
    const icmp: RuleSpec = { ...base, protocol: rule.cidrIpv6 !== undefined ? "icmpv6" : "icmp", fromPort: -1, toPort: -1, description: desc };
    return {
      add: [...ranges("tcp", 0, 65535), ...ranges("udp", 0, 65535), icmp],
      lost: "IP protocols other than TCP, UDP and ICMP (GRE, ESP...)",
    };
  }
  return { add: [], lost: null };
}
