/**
 * When two security-group rules are the same rule, as AWS decides it (the one definition: the
 * simulator refuses a duplicate and finds the rule to revoke with it, src/cloud/sim/security-groups.ts;
 * the playbook and the actions compare what a group holds with what they want with it,
 * src/plan/rules.ts). Pure: no state, no I/O.
 *
 * AWS's rules, as the adapter writes them (src/cloud/aws/ec2.ts ipPermission):
 * - the direction and the protocol, by name or number (`6` is `tcp`, `-1` and `all` are all traffic);
 * - all traffic (`-1`) has no ports; nor has a protocol other than TCP, UDP, ICMP and ICMPv6 (AWS
 *   allows all of its traffic whatever ports are given);
 * - TCP and UDP: the range, an absent or -1 bound being the end of 0-65535 (`tcp` without ports is
 *   0-65535);
 * - ICMP and ICMPv6: the type and the code, absent meaning -1 (all); all types means all codes;
 * - the one peer: an IPv4 CIDR, an IPv6 CIDR (never equal to an IPv4 one; compared in its canonical
 *   text, as AWS echoes it), a security group (by its id alone: group ids are unique across
 *   accounts, so the owner's account id AWS adds to a group pair, UserId, is not part of it), or a
 *   prefix list;
 * - the description and AWS's rule id are not part of a rule's identity.
 */
import ipaddr from "ipaddr.js";
import { normaliseProtocol, type SgRule } from "./model.ts";

/** What identifies a rule: SgRule and RuleSpec both fit. */
export type RuleLike = Pick<SgRule, "direction" | "protocol" | "fromPort" | "toPort" | "cidrIpv4" | "cidrIpv6" | "groupId" | "prefixListId"> & Partial<Pick<SgRule, "description" | "ruleId">>;

const unset = (n: number | undefined): boolean => n === undefined || n === -1;

/** The protocol as AWS stores it: `tcp`, `udp`, `icmp`, `icmpv6`, `-1`, or another IP protocol number. */
export function ruleProtocol(r: Pick<SgRule, "protocol">): string {
  return normaliseProtocol(r.protocol);
}

/** The ports part of a rule's identity: a TCP/UDP range, an ICMP type and code, or nothing. */
function portsKey(protocol: string, r: Pick<SgRule, "fromPort" | "toPort">): string {
  if (protocol === "tcp" || protocol === "udp") return `${unset(r.fromPort) ? 0 : r.fromPort}-${unset(r.toPort) ? 65535 : r.toPort}`;
  if (protocol === "icmp" || protocol === "icmpv6") {
    const type = unset(r.fromPort) ? -1 : r.fromPort!;
    const code = type === -1 || unset(r.toPort) ? -1 : r.toPort!;
    return `${type}/${code}`;
  }
  return "";
}

function canonicalIpv6Cidr(cidr: string): string {
  const slash = cidr.indexOf("/");
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  const len = slash < 0 ? "" : cidr.slice(slash + 1);
  if (!ipaddr.IPv6.isValid(addr) || !/^\d{1,3}$/.test(len)) return cidr.toLowerCase();
  return `${ipaddr.IPv6.parse(addr).toString()}/${Number(len)}`;
}

/** The peer part of a rule's identity: its kind and value ("" when the rule names none). */
export function peerKey(r: Pick<SgRule, "cidrIpv4" | "cidrIpv6" | "groupId" | "prefixListId">): string {
  const peers: string[] = [];
  if (r.cidrIpv4 !== undefined) peers.push(`ipv4:${r.cidrIpv4}`);
  if (r.cidrIpv6 !== undefined) peers.push(`ipv6:${canonicalIpv6Cidr(r.cidrIpv6)}`);
  if (r.groupId !== undefined) peers.push(`group:${r.groupId}`);
  if (r.prefixListId !== undefined) peers.push(`prefix-list:${r.prefixListId}`);
  return peers.join(",");
}

/** A rule's identity as one string: equal keys, the same rule (usable in a Set or a Map). */
export function ruleKey(r: RuleLike): string {
  const protocol = ruleProtocol(r);
  return [r.direction, protocol, portsKey(protocol, r), peerKey(r)].join("|");
}

/** The two rules are the same rule to AWS (descriptions and rule ids aside). */
export function sameRule(a: RuleLike, b: RuleLike): boolean {
  return ruleKey(a) === ruleKey(b);
}

/** The two rules name the same peer (CIDR, group or prefix list). */
export function samePeer(a: Pick<SgRule, "cidrIpv4" | "cidrIpv6" | "groupId" | "prefixListId">, b: Pick<SgRule, "cidrIpv4" | "cidrIpv6" | "groupId" | "prefixListId">): boolean {
  return peerKey(a) === peerKey(b);
}
