/**
 * Playbooks that keep the service up and close only what is abused: an open proxy, an open
 * resolver or another reflector (revoke the world-open ingress to those ports), an e-mail spammer
 * (no SMTP out to the internet), a web server hosting reported content (no web ingress from the
 * internet). Security groups have no deny rule, so a world-open rule that covers an abused port
 * among others is replaced by rules for everything else it allowed (docs/containment.md).
 */
import type { Scope, SecurityGroup } from "../cloud/model.ts";
import type { RuleSpec } from "../cloud/port.ts";
import type { ActionName } from "../plan/actions/index.ts";
import type { StepRef } from "./builder.ts";
import type { PlanContext } from "./context.ts";
import { coveredPorts, describePorts, isEmpty, isWorldOpen, sameRule, splitRule, toSpec, type PortSet } from "../plan/rules.ts";
import { protectedBy } from "./targets.ts";
import { planCapture, planTags } from "./host.ts";
import { hostKey, scopeOf, scopedKey, subjectOf, type NoticeFacts, type ResolvedInstance } from "./types.ts";

const REFLECTION_SERVICES: Record<string, { label: string; ports: PortSet; words: RegExp }> = {
  dns: { label: "DNS (open resolver)", ports: { tcp: [53], udp: [53] }, words: /\b(dns|resolver|recursi(ve|on)|domain name)\b/i },
  ntp: { label: "NTP", ports: { tcp: [], udp: [123] }, words: /\b(ntp|monlist|network time)\b/i },
  memcached: { label: "memcached", ports: { tcp: [11211], udp: [11211] }, words: /memcache/i },
  ssdp: { label: "SSDP", ports: { tcp: [], udp: [1900] }, words: /\b(ssdp|upnp)\b/i },
};

/** Where open proxies usually listen when the notice does not say (SOCKS, Squid, Privoxy, the 8080s). */
const PROXY_PORTS: PortSet = { tcp: [1080, 3128, 8080, 8118, 8888], udp: [] };
export const WEB_PORTS: PortSet = { tcp: [80, 443], udp: [] };
const SMTP_PORTS: PortSet = { tcp: [25, 465, 587], udp: [] };

function noticeText(n: NoticeFacts): string {
  return [n.activityText ?? "", n.logExtract ?? "", ...n.fields.map((f) => `${f.label}: ${f.value}`)].join("\n");
}

/** Is this DoS notice about reflection/amplification (the host answers spoofed requests)? */
export function isReflection(n: NoticeFacts): boolean {
  if (/reflect|amplif|open (dns )?resolver|recursive (dns|resolver)|monlist|memcache|ssdp|chargen/i.test(noticeText(n))) return true;
  const ports = Array.isArray(n.remotePorts) ? n.remotePorts : [];
  return (n.protocol === "UDP" || n.protocol === null) && ports.some((p) => [53, 123, 11211, 1900].includes(p));
}

/** The reflection services a notice names (all of them when it names none). */
function reflectionServices(n: NoticeFacts): string[] {
  const text = noticeText(n);
  const ports = Array.isArray(n.remotePorts) ? n.remotePorts : [];
  const named = Object.entries(REFLECTION_SERVICES)
    .filter(([, s]) => s.words.test(text) || ports.some((p) => s.ports.udp.includes(p) || s.ports.tcp.includes(p)))
    .map(([k]) => k);
  return named.length ? named : Object.keys(REFLECTION_SERVICES);
}

/** Ports written next to one of the hosts' own addresses in the notice (`203.0.113.7:3128`). */
export function hostPortsInNotice(n: NoticeFacts, hostIps: string[]): number[] {
  const text = noticeText(n);
  const out = new Set<number>();
  for (const ip of hostIps) {
    const re = new RegExp(`(?:^|[^\\d.])${ip.replace(/\./g, "\\.")}[:.](\\d{1,5})\\b`, "g");
    for (const m of text.matchAll(re)) {
      const port = Number(m[1]);
      if (port > 0 && port < 65536) out.add(port);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** The union of port sets, each protocol's ports sorted and without repeats. */
export function mergePorts(...sets: PortSet[]): PortSet {
  const uniq = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
  return { tcp: uniq(sets.flatMap((s) => s.tcp)), udp: uniq(sets.flatMap((s) => s.udp)) };
}

type SurgeryAction = Extract<ActionName, "revoke-open-ingress" | "close-web-ingress" | "block-smtp-egress">;

/**
 * For each security group of these hosts, replaces the world-open rules (0.0.0.0/0, ::/0) of one
 * direction that cover the ports by rules for the rest. Returns how many steps were written.
 */
export function planRuleSurgery(
  ctx: PlanContext,
  hosts: ResolvedInstance[],
  o: { action: SurgeryAction; direction: "ingress" | "egress"; ports: PortSet; what: string; reason: string; deps: Map<string, StepRef | undefined> },
): number {
  const { b, policy } = ctx;
  const groups = new Map<string, { scope: Scope; sg: SecurityGroup; hosts: ResolvedInstance[] }>();
  for (const h of hosts) {
    for (const eni of h.interfaces) {
      for (const sg of eni.securityGroups) {
        const k = scopedKey(h, sg.groupId);
        const e = groups.get(k) ?? { scope: scopeOf(h), sg, hosts: [] };
        if (!e.hosts.includes(h)) e.hosts.push(h);
        groups.set(k, e);
      }
    }
  }
  let steps = 0;
  for (const { scope, sg, hosts: users } of groups.values()) {
    const offending = sg.rules.filter((r) => r.direction === o.direction && isWorldOpen(r) && !isEmpty(coveredPorts(r, o.ports)));
    if (!offending.length) continue;
    const why = protectedBy(policy, sg.groupId, sg.tags);
    if (why) {
      b.refuse(sg.groupId, `${why}; it lets ${o.what} ${o.direction === "ingress" ? "in from" : "out to"} the internet`);
      if (ctx.ports) ctx.ports.refused = mergePorts(ctx.ports.refused, ...offending.map((r) => coveredPorts(r, o.ports)));
      continue;
    }
    const add: RuleSpec[] = [];
    const lost = new Set<string>();
    for (const r of offending) {
      const covered = coveredPorts(r, o.ports);
      const split = splitRule(r, o.ports, `abuse-desk ${ctx.caseKey}: was world-open, minus ${describePorts(covered)}`);
      if (split.lost) lost.add(split.lost);
      for (const spec of split.add) {
        const present = sg.rules.some((x) => !offending.includes(x) && sameRule(x, spec));
        if (!present && !add.some((x) => sameRule(x, spec))) add.push(spec);
      }
    }
    // AWS counts 60 rules per direction for IPv4 and, apart, 60 for IPv6; a rule naming a group or a
    // prefix list is counted in both here (a prefix list really weighs its maximum size).
    const after = [...sg.rules.filter((r) => r.direction === o.direction && !offending.includes(r)), ...add];
    const perFamily = { IPv4: after.filter((r) => r.cidrIpv6 === undefined).length, IPv6: after.filter((r) => r.cidrIpv4 === undefined).length };
    for (const [family, n] of Object.entries(perFamily)) {
      if (n > 60) b.warn(`${sg.groupId} would hold ${n} ${family} ${o.direction} rules, above the default quota of 60 per address family: the step will fail unless the quota was raised.`);
    }
    if (lost.size) b.warn(`${sg.groupId}: replacing an all-protocol world-open ${o.direction} rule allows only TCP, UDP and ICMP afterwards: ${[...lost].join("; ")} no longer pass.`);
    const covered = mergePorts(...offending.map((r) => coveredPorts(r, o.ports)));
    if (ctx.ports) ctx.ports.closed = mergePorts(ctx.ports.closed, covered);
    b.add({
      action: o.action,
      slug: sg.groupId,
      target: { ...scope, type: "security-group", id: sg.groupId },
      params: { groupId: sg.groupId, vpcId: sg.vpcId, revoke: offending.map(toSpec), add },
      reason: o.reason,
      changes:
        `${sg.groupId} (${sg.groupName}): ${o.direction === "ingress" ? "no longer lets the internet reach" : "no longer lets the host reach the internet on"} ${describePorts(covered)}; ` +
        `revokes ${offending.length} world-open rule(s)` +
        (add.length ? ` after adding ${add.length} rule(s) that keep everything else they allowed` : "") +
        `; affects every interface using the group (the reported: ${users.map((h) => h.id).join(", ")}); restored on rollback`,
      reversible: true,
      risk: "medium",
      dependsOn: users.map((h) => o.deps.get(hostKey(h))),
      // The group serves every interface using it, not only the reported ones: a rule must cover it too.
      subjects: [...users.map(subjectOf), { accountId: scope.accountId, tags: sg.tags }],
    });
    steps++;
  }
  return steps;
}

/**
 * The ports a playbook that takes `--ports` sets out to close; `dropped` says why a port given
 * with `--ports` is not among them. index.ts warns about every given port the plan does not close.
 */
export function seekPorts(ctx: PlanContext, sought: PortSet, dropped?: string): void {
  ctx.ports = { sought, closed: { tcp: [], udp: [] }, refused: { tcp: [], udp: [] }, ...(dropped ? { dropped } : {}) };
}

/** Each host's capture, by host key: what the rule changes wait for. */
function captures(ctx: PlanContext, hosts: ResolvedInstance[]): Map<string, StepRef | undefined> {
  return new Map(hosts.map((h) => [hostKey(h), planCapture(ctx, h, "Evidence for the reply and the investigation, before the rules change.")]));
}

export function planOpenProxy(ctx: PlanContext, hosts: ResolvedInstance[]): void {
  const named = hostPortsInNotice(ctx.notice, hosts.flatMap((h) => h.publicIps));
  const extra = ctx.options.ports;
  const ports = mergePorts(PROXY_PORTS, { tcp: named, udp: [] }, { tcp: extra?.tcp ?? [], udp: extra?.udp ?? [] });
  const web = ports.tcp.filter((p) => WEB_PORTS.tcp.includes(p));
  if (web.length) {
    ctx.b.warn(
      `The proxy answers on the web port(s) ${web.join(", ")}: closing them would take the site down, so they stay open. Turn the proxying off in the server (for Apache, ProxyRequests Off) and say so in the reply.`,
    );
  }
  const safe = { tcp: ports.tcp.filter((p) => !WEB_PORTS.tcp.includes(p)), udp: ports.udp };
  seekPorts(ctx, safe, "web ports stay open in the open-proxy playbook (see the warning about the web ports)");
  const deps = captures(ctx, hosts);
  const n = planRuleSurgery(ctx, hosts, {
    action: "revoke-open-ingress",
    direction: "ingress",
    ports: safe,
    what: `proxy ports (${describePorts(safe)})`,
    reason: `Operating an open proxy: the internet must no longer reach the proxy ports (${named.length ? `${named.join(", ")} named in the notice, ` : ""}${describePorts(safe)}); everything else the host serves stays up.`,
    deps,
  });
  if (!n) ctx.b.warn(`No world-open rule lets the internet reach ${describePorts(safe)} on the reported hosts: the proxy is reached another way (a narrower CIDR, a load balancer, another port); give the port with --ports.`);
  tagHosts(ctx, hosts, deps);
}

export function planReflection(ctx: PlanContext, hosts: ResolvedInstance[]): void {
  const services = reflectionServices(ctx.notice);
  const extra = ctx.options.ports;
  const ports = mergePorts(...services.map((s) => REFLECTION_SERVICES[s]!.ports), { tcp: extra?.tcp ?? [], udp: extra?.udp ?? [] });
  seekPorts(ctx, ports);
  const deps = captures(ctx, hosts);
  const labels = services.map((s) => REFLECTION_SERVICES[s]!.label).join(", ");
  const n = planRuleSurgery(ctx, hosts, {
    action: "revoke-open-ingress",
    direction: "ingress",
    ports,
    what: `${labels} (${describePorts(ports)})`,
    reason: `The host answers spoofed requests from anyone (${labels}) and so reflects and amplifies attacks: the internet must no longer reach ${describePorts(ports)}; the rest of the service stays up.`,
    deps,
  });
  if (!n) ctx.b.warn(`No world-open rule lets the internet reach ${describePorts(ports)} on the reported hosts: check how the reflector is reached (a narrower CIDR, a NAT), or give the port with --ports.`);
  tagHosts(ctx, hosts, deps);
}

export function planEmailSpam(ctx: PlanContext, hosts: ResolvedInstance[]): void {
  const deps = captures(ctx, hosts);
  const n = planRuleSurgery(ctx, hosts, {
    action: "block-smtp-egress",
    direction: "egress",
    ports: SMTP_PORTS,
    what: "SMTP (tcp/25, 465, 587)",
    reason: "The host sends spam: it must no longer reach mail servers on the internet (tcp/25, 465, 587); its own service keeps running, and mail to relays inside the VPC still flows.",
    deps,
  });
  if (!n) ctx.b.warn("No world-open egress rule lets the reported hosts send SMTP to the internet: the mail leaves another way (a relay, SES credentials on the host?); look at the host.");
  tagHosts(ctx, hosts, deps);
}

function tagHosts(ctx: PlanContext, hosts: ResolvedInstance[], deps: Map<string, StepRef | undefined>): void {
  planTags(ctx, hosts.map((h) => ({ scope: scopeOf(h), ids: [h.id], subject: subjectOf(h), dep: deps.get(hostKey(h)) })));
}
