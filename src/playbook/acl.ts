/**
 * The network ACL stage, the same for every playbook: deny the notice's remote peers (the scan
 * target, the flood victim, the C2 server) in the network ACL of every subnet the plan's hosts use,
 * one step per account, region and ACL. An ACL is stateless: a deny ends the flows to and from the
 * peers at once, established or not, which a security group change does not (a reflector keeps
 * answering spoofed requests over flows already tracked). docs/containment.md explains it.
 *
 * When: `--urgent` (the first steps of the plan, waiting for nothing), policy `networkAcl.use:
 * always`, or with the default `multi-host` where several of the plan's hosts share an ACL (then
 * after those hosts' evidence). A playbook only records the hosts it contains (`ctx.hosts`, done by
 * the capture every playbook starts a host with), so a playbook added later gets the same denies.
 * Where the option or the policy asks for a deny the plan cannot write (no peer in the notice, an
 * ACL not read, a protected ACL, the rule quota, a host refused or managed by AWS), a warning says
 * so and names what asked.
 */
import ipaddr from "ipaddr.js";
import type { NetworkAcl, NetworkAclEntry, Scope } from "../cloud/model.ts";
import type { Resolution } from "../resolve/types.ts";
import type { PlanContext, PlannedHost } from "./context.ts";
import { flagOf } from "./options.ts";
import { protectedBy } from "./targets.ts";
import { scopedKey, type PlaybookName } from "./types.ts";

/** Lowest free rule numbers below the first allow rule, per direction and address family, within the quota. */
export function planAclEntries(acl: NetworkAcl, peers: string[], quota: number): { entries: NetworkAclEntry[]; problem: string | null } {
  const entries: NetworkAclEntry[] = [];
  for (const egress of [false, true]) {
    const all = acl.entries.filter((e) => e.egress === egress);
    const dir = all.filter((e) => e.ruleNumber < 32767);
    const used = new Set(dir.map((e) => e.ruleNumber));
    const firstAllow = Math.min(32767, ...dir.filter((e) => e.ruleAction === "allow").map((e) => e.ruleNumber));
    const v4 = peers.filter((p) => !p.includes(":"));
    const v6 = peers.filter((p) => p.includes(":"));
    for (const [family, list] of [
      ["IPv4", v4],
      ["IPv6", v6],
    ] as const) {
      if (!list.length) continue;
      // The quota counts IPv4 and IPv6 rules separately, each family's default (`*`) deny included.
      const mine = all.filter((e) => (family === "IPv6" ? e.ipv6CidrBlock !== undefined : e.cidrBlock !== undefined));
      const existing = mine.length + (family === "IPv4" && !mine.some((e) => e.ruleNumber === 32767) ? 1 : 0);
      if (existing + list.length > quota) {
        return { entries: [], problem: `${acl.networkAclId} has ${existing} ${family} ${egress ? "outbound" : "inbound"} rules; ${list.length} more would exceed the quota of ${quota}` };
      }
    }
    let n = 1;
    for (const peer of peers) {
      while (used.has(n)) n++;
      if (n >= firstAllow) {
        return { entries: [], problem: `${acl.networkAclId} has no free rule number below its first ${egress ? "outbound" : "inbound"} allow rule (${firstAllow}): a deny placed after it would never match` };
      }
      used.add(n);
      const v6 = peer.includes(":");
      entries.push({ ruleNumber: n, egress, protocol: "-1", ruleAction: "deny", ...(v6 ? { ipv6CidrBlock: `${peer}/128` } : { cidrBlock: `${peer}/32` }) });
    }
  }
  return { entries, problem: null };
}

/** The notice's remote peers as addresses, each once, sorted. */
export function reportedPeers(remoteIps: string[]): string[] {
  return [...new Set(remoteIps.filter((ip) => ipaddr.isValid(ip)).map((ip) => ipaddr.parse(ip).toString()))].sort();
}

interface AclWork {
  scope: Scope;
  acl: NetworkAcl;
  hosts: PlannedHost[];
}

/**
 * Writes the deny steps for the plan's hosts (`ctx.hosts`, filled by the playbook that ran), or
 * the warnings that say why not. `resolution` names what the plan does not contain, so an option
 * that asked for a deny says where it could not act.
 */
export function planNetworkAcls(ctx: PlanContext, playbook: PlaybookName, resolution: Resolution): void {
  const { b, policy } = ctx;
  const mode = ctx.options.urgent ? "urgent" : policy.networkAcl.use;
  if (mode === "never") return;
  // What asked for a deny everywhere (and is named when the plan cannot write it); null: the default.
  const asked = mode === "urgent" ? flagOf("urgent") : mode === "always" ? "networkAcl.use: always (policy)" : null;
  const peers = reportedPeers(ctx.notice.remoteIps);
  const hosts = [...ctx.hosts.values()];
  const denied = new Set<string>();

  if (!hosts.length) {
    if (mode === "urgent") {
      b.warn(
        `${asked}: the ${playbook} plan contains no host (instance or network interface), so there is no network ACL to deny the reported peers in` +
          (peers.length ? "." : ", and the notice names no remote peer."),
      );
    }
    if (asked && peers.length) notContained(ctx, playbook, resolution, asked, denied);
    return;
  }

  const acls = new Map<string, AclWork>();
  for (const h of hosts) {
    if (!h.networkAcl) {
      if (asked) b.warn(`${asked}: the network ACL of ${h.id}${h.subnetId ? `'s subnet ${h.subnetId}` : ""} (${h.scope.accountId}/${h.scope.region}) could not be read, so no deny is planned there; deny the reported peers in it by hand, or re-plan when it can be read.`);
      continue;
    }
    const k = scopedKey(h.scope, h.networkAcl.networkAclId);
    const e = acls.get(k) ?? { scope: h.scope, acl: h.networkAcl, hosts: [] };
    e.hosts.push(h);
    acls.set(k, e);
  }
  const wanted = [...acls.values()].filter((a) => mode !== "multi-host" || a.hosts.length >= 2);
  if (wanted.length && !peers.length) {
    const who = asked ?? `${wanted.map((a) => `${a.hosts.length} reported hosts share ${a.acl.networkAclId}`).join("; ")} (networkAcl.use: multi-host)`;
    b.warn(
      `${who}: a network ACL deny was wanted, but the notice names no remote peer. An ACL rule matches the remote address, so it cannot single out a host of its own subnet; ` +
        (ctx.isolates ? "the isolation steps (all-traffic group first) already cut the hosts' established connections." : `the ${playbook} playbook's own steps are all this plan does.`),
    );
    return;
  }
  for (const a of wanted) {
    const why = protectedBy(policy, a.acl.networkAclId, a.acl.tags);
    if (why) {
      b.refuse(a.acl.networkAclId, why);
      if (asked) b.warn(`${asked}: no deny in ${a.acl.networkAclId}: ${why} (see refused).`);
      continue;
    }
    const { entries, problem } = planAclEntries(a.acl, peers, policy.networkAcl.ruleQuota);
    if (problem) {
      b.warn(`${asked ? `${asked}: ` : ""}No network ACL step for ${a.acl.networkAclId}: ${problem}. The playbook's other steps still apply.`);
      continue;
    }
    const urgent = mode === "urgent";
    b.add({
      action: "nacl-deny",
      slug: a.acl.networkAclId,
      target: { ...a.scope, type: "network-acl", id: a.acl.networkAclId },
      params: { networkAclId: a.acl.networkAclId, subnetIds: a.acl.subnetIds, entries },
      reason: urgent
        ? "Traffic must stop now: a network ACL is stateless, so a deny cuts the reported flows at once, established or not, without waiting for the evidence steps."
        : mode === "always"
          ? "The policy denies the reported peers in the network ACL of every subnet the hosts use (networkAcl.use: always): statelessly, established flows included, once the hosts' evidence is kept."
          : `${a.hosts.length} reported hosts share this ACL's subnets: once their evidence is kept, deny the reported peers there, statelessly (established flows included), for every host of those subnets.`,
      changes: `adds ${entries.length} deny entries (rules ${entries.map((e) => `${e.egress ? "out" : "in"} #${e.ruleNumber}`).join(", ")}) for ${peers.join(", ")} to ${a.acl.networkAclId}, affecting every host of subnets ${a.acl.subnetIds.join(", ")} (removed on rollback)`,
      reversible: true,
      risk: "medium",
      // Urgent: the first steps, waiting for nothing. Otherwise after every host's evidence, like the
      // isolation: a C2 server that stops answering may tell the intruder to wipe the disk.
      first: urgent,
      dependsOn: urgent ? [] : a.hosts.flatMap((h) => h.evidence),
      // The ACL is every subnet host's: an automatic rule must cover the ACL too, not only the reported hosts.
      subjects: [...a.hosts.map((h) => h.subject), { accountId: a.scope.accountId, tags: a.acl.tags }],
    });
    denied.add(scopedKey(a.scope, a.acl.networkAclId));
  }
  if (!asked) return;
  for (const h of hosts) {
    for (const o of h.otherSubnets) {
      b.warn(`${asked}: ${o.networkInterfaceId} of ${h.id} is in subnet ${o.subnetId}, whose network ACL this plan did not read, so nothing is denied there; deny the reported peers in that subnet's ACL by hand if traffic leaves through it.`);
    }
  }
  notContained(ctx, playbook, resolution, asked, denied);
}

/**
 * What the notice implicates that the plan does not contain (a refused host, an interface or a
 * gateway AWS manages, a host the playbook leaves): no deny was written for it, unless its ACL got
 * one anyway. Said once per resource, naming what asked for the deny.
 */
function notContained(ctx: PlanContext, playbook: PlaybookName, resolution: Resolution, asked: string, denied: Set<string>): void {
  const seen = new Set<string>();
  for (const f of resolution.findings) {
    if (f.status !== "found") continue;
    for (const r of f.resources) {
      const key = scopedKey(r, r.id);
      if (seen.has(key) || ctx.hosts.has(key)) continue;
      seen.add(key);
      let acl: NetworkAcl | undefined;
      let reason: string;
      switch (r.type) {
        case "ec2-instance":
          acl = r.networkAcl;
          reason = ctx.b.refused.some((x) => x.target === r.id) ? "the plan refuses it (see refused)" : `the ${playbook} playbook does not contain it`;
          break;
        case "network-interface": {
          const owner = r.networkInterface.attachment?.instanceId;
          if (owner && ctx.hosts.has(scopedKey(r, owner))) continue;
          acl = r.networkAcl;
          reason = r.networkInterface.requesterManaged
            ? `it is an interface AWS manages for ${r.networkInterface.interfaceType}; contain the service that owns it`
            : ctx.b.refused.some((x) => x.target === r.id)
              ? "the plan refuses it (see refused)"
              : `the ${playbook} playbook does not contain it`;
          break;
        }
        case "nat-gateway":
          reason = "it is a NAT gateway, managed by AWS: the traffic came from a host behind it; find that host and plan for it";
          break;
        case "load-balancer":
          reason = "it is a load balancer, managed by AWS: find the target behind it and plan for it";
          break;
        default:
          continue;
      }
      if (acl && denied.has(scopedKey(r, acl.networkAclId))) continue;
      ctx.b.warn(`${asked}: no network ACL deny for ${r.id} (${r.accountId}/${r.region}): ${reason}.`);
    }
  }
}
