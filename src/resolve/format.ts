/**
 * A resolution as text for a person: each finding's verdict and summary, then what the account
 * says about each resource (network, groups and their open rules, scaling, load balancing, SSM,
 * tags), then the gaps. Colours are passed in (plain when piped).
 */
import type { SecurityGroup, SgRule } from "../cloud/model.ts";
import { hidesNothing, missingLines, placeOf, searchOutcome } from "./outcome.ts";
import type { Finding, IpHistory, Resolution, Resolved } from "./types.ts";

export type Colors = { bold(s: string): string; dim(s: string): string; yellow(s: string): string; red(s: string): string; green(s: string): string; cyan(s: string): string };

const STATUS: Record<Finding["status"], (c: Colors) => string> = {
  found: (c) => c.green("FOUND    "),
  moved: (c) => c.yellow("MOVED    "),
  "not-found": (c) => c.yellow("NOT FOUND"),
  "not-searched": (c) => c.red("NOT SEARCHED"),
  error: (c) => c.red("NOT LOOKED UP"),
};

/** The traffic a rule lets through: "all", "tcp/22", "udp/1000-2000", "icmp". */
export function ruleTraffic(r: SgRule): string {
  return r.protocol === "-1" ? "all" : r.fromPort === undefined ? r.protocol : r.fromPort === r.toPort ? `${r.protocol}/${r.fromPort}` : `${r.protocol}/${r.fromPort}-${r.toPort}`;
}

function rule(r: SgRule): string {
  return `${ruleTraffic(r)} ${r.cidrIpv4 ?? r.cidrIpv6 ?? r.groupId ?? r.prefixListId ?? "?"}`;
}

/** Where an address's history was read, in words. */
export function historySource(h: Pick<IpHistory, "source">): string {
  return h.source === "address-history" ? "abuse-desk's address history" : "CloudTrail";
}

function groupLine(g: SecurityGroup, c: Colors): string {
  const ins = g.rules.filter((r) => r.direction === "ingress").map((r) => (r.cidrIpv4 === "0.0.0.0/0" || r.cidrIpv6 === "::/0" ? c.yellow(rule(r)) : rule(r)));
  const outs = g.rules.filter((r) => r.direction === "egress").map(rule);
  return `${g.groupId} ${c.bold(g.groupName)}: in ${ins.length ? ins.join(", ") : "none"}; out ${outs.length ? outs.join(", ") : "none"}`;
}

function tags(t: Record<string, string>): string {
  const entries = Object.entries(t);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(", ") : "none";
}

function resourceLines(r: Resolved, c: Colors): string[] {
  const L = (label: string, text: string) => `    ${c.dim(label.padEnd(9))}${text}`;
  const out: string[] = [];
  switch (r.type) {
    case "ec2-instance": {
      const i = r.instance;
      out.push(`  ${c.bold(i.instanceId)} ${c.dim(`${r.accountId}/${r.region}`)} ${i.state} ${i.instanceType}`);
      if (r.vpc) out.push(L("VPC", `${r.vpc.vpcId}${r.vpc.tags.Name ? ` (${r.vpc.tags.Name})` : ""} ${r.vpc.cidrBlock}`));
      if (r.subnet) out.push(L("subnet", `${r.subnet.subnetId}${r.subnet.tags.Name ? ` (${r.subnet.tags.Name})` : ""} ${r.subnet.cidrBlock}, ${r.subnet.availabilityZone}${r.networkAcl ? `; ACL ${r.networkAcl.networkAclId}${r.networkAcl.isDefault ? " (default)" : ""}` : ""}`));
      out.push(L("launched", `${i.launchTime} from ${i.imageId}${i.keyName ? `, key ${i.keyName}` : ", no key pair"}${i.iamInstanceProfile ? `, profile ${i.iamInstanceProfile.split("/").pop()}` : ", no instance profile"}, ${i.platform ?? "Linux/UNIX"}`));
      for (const [k, e] of r.interfaces.entries()) {
        const pub = e.associations.map((a) => `${a.publicIp}${a.allocationId ? ` (EIP ${a.allocationId})` : ""}`).join(", ");
        out.push(L(k === 0 ? "ENIs" : "", `${e.networkInterfaceId} device ${e.attachment?.deviceIndex ?? "?"} ${e.privateIpAddress}${pub ? ` -> ${pub}` : ""}, groups ${e.groupIds.join(" ")}`));
      }
      const groups = new Map(r.interfaces.flatMap((e) => e.securityGroups.map((g) => [g.groupId, g] as const)));
      [...groups.values()].forEach((g, k) => out.push(L(k === 0 ? "groups" : "", groupLine(g, c))));
      if (r.autoScalingGroup) {
        const g = r.autoScalingGroup;
        const me = g.instances.find((m) => m.instanceId === i.instanceId);
        out.push(L("ASG", `${g.name} (min ${g.minSize}, desired ${g.desiredCapacity}, max ${g.maxSize}, ${g.instances.length} instances)${me ? `, ${me.lifecycleState}${me.protectedFromScaleIn ? ", protected" : ""}` : ""}${g.suspendedProcesses.length ? `, suspended: ${g.suspendedProcesses.join(", ")}` : ""}`));
      }
      for (const t of r.targetGroups) out.push(L("target", `${t.name} (${t.protocol ?? "?"}:${t.port ?? "?"}) <- ${t.loadBalancerArns.map((a) => a.split("/").slice(-2, -1)[0]).join(", ") || "no load balancer"}`));
      for (const lb of r.classicLoadBalancers) out.push(L("CLB", `${lb.name} (${lb.scheme}, ${lb.dnsName})`));
      out.push(L("SSM", r.ssm ? `${r.ssm.pingStatus}${r.ssm.platformName ? ` (${r.ssm.platformName}${r.ssm.agentVersion ? `, agent ${r.ssm.agentVersion}` : ""})` : ""}` : "not managed"));
      out.push(L("tags", tags(r.tags)));
      break;
    }
    case "network-interface": {
      const e = r.networkInterface;
      out.push(`  ${c.bold(e.networkInterfaceId)} ${c.dim(`${r.accountId}/${r.region}`)} ${e.interfaceType}${e.requesterManaged ? " (managed by AWS for a service)" : ""}: ${e.description || "no description"}`);
      out.push(L("address", `${e.privateIpAddress}${e.associations.length ? ` -> ${e.associations.map((a) => a.publicIp).join(", ")}` : ""} in ${e.subnetId} (${e.vpcId})`));
      e.securityGroups.forEach((g, k) => out.push(L(k === 0 ? "groups" : "", groupLine(g, c))));
      break;
    }
    case "elastic-ip":
      out.push(`  ${c.bold(r.address.publicIp)} ${c.dim(`${r.accountId}/${r.region}`)} Elastic IP ${r.address.allocationId}${r.address.instanceId ? ` on ${r.address.instanceId}` : r.address.networkInterfaceId ? ` on ${r.address.networkInterfaceId}` : ", not associated"}`);
      break;
    case "nat-gateway":
      out.push(`  ${c.bold(r.natGateway.natGatewayId)} ${c.dim(`${r.accountId}/${r.region}`)} NAT gateway ${r.natGateway.state} in ${r.natGateway.subnetId} (${r.natGateway.vpcId}), ${r.natGateway.addresses.map((a) => `${a.publicIp ?? "-"} / ${a.privateIp}`).join(", ")}`);
      out.push(L("tags", tags(r.tags)));
      break;
    case "load-balancer":
      out.push(`  ${c.bold(r.loadBalancer.name)} ${c.dim(`${r.accountId}/${r.region}`)} ${r.loadBalancer.type} load balancer, ${r.loadBalancer.scheme}, ${r.loadBalancer.dnsName}`);
      out.push(L("tags", tags(r.tags)));
      break;
    case "access-key":
      out.push(`  ${c.bold(r.accessKey.accessKeyId || r.accessKey.userName)} ${c.dim(r.accountId)} IAM user ${r.accessKey.userName}${r.user ? ` (${r.user.arn})` : ""}, key ${r.accessKey.status}, created ${r.accessKey.createDate}`);
      if (r.user) out.push(L("policies", r.user.attachedPolicies.join(", ") || "none attached"), L("groups", r.user.groups.join(", ") || "none"), L("tags", tags(r.tags)));
      break;
    case "s3-bucket":
      out.push(`  ${c.bold(r.bucket.name)} ${c.dim(`${r.accountId}/${r.region}`)} bucket, public access block: ${r.bucket.publicAccessBlock ? Object.entries(r.bucket.publicAccessBlock).map(([k, v]) => `${k}=${v}`).join(", ") : "none"}`);
      out.push(L("tags", tags(r.tags)));
      break;
    case "cloudfront-distribution":
      out.push(`  ${c.bold(r.distribution.id)} ${c.dim(r.accountId)} distribution ${r.distribution.domainName} (${r.distribution.enabled ? "enabled" : "disabled"}), origins ${r.distribution.origins.join(", ") || "none"}`);
      break;
  }
  return out;
}

export function formatResolution(res: Resolution, c: Colors, opts: { label?: string } = {}): string {
  const lines: string[] = [];
  for (const f of res.findings) {
    lines.push(`${STATUS[f.status](c)} ${c.bold(f.ref.id)}`);
    lines.push(`  ${f.summary}`);
    if (f.ipHistory) lines.push(`  ${c.dim(`history (${historySource(f.ipHistory)})`)}  ${f.status === "moved" ? "(said above)" : f.ipHistory.summary}`);
    for (const n of f.notes ?? []) lines.push(`  ${c.yellow("!")} ${n}`);
    for (const r of f.resources) lines.push(...resourceLines(r, c));
    lines.push("");
  }
  const search = searchOutcome(res);
  if (search.status === "not-searched") {
    lines.push(c.red("NOT SEARCHED (could not be read; nothing there is \"not found\"):"));
    for (const l of missingLines(search.missing)) lines.push(`  ${l}`);
    lines.push("");
  }
  const harmless = res.gaps.filter(hidesNothing);
  if (harmless.length) {
    lines.push(c.dim("Not searched, and nothing can be there:"));
    for (const g of harmless) lines.push(c.dim(`  ${placeOf(g)}: ${g.reason}`));
    lines.push("");
  }
  const found = res.findings.filter((f) => f.status === "found" || f.status === "moved").length;
  lines.push(c.dim(`${found} of ${res.findings.length} found${opts.label ? ` in ${opts.label}` : ""}${search.status === "not-searched" ? `, ${search.missing.length} place(s) NOT SEARCHED` : ""}, ${res.elapsedMs} ms`));
  return lines.join("\n");
}
