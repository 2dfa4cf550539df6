/**
 * The asset inventory (the article's per-region spreadsheet): every instance, network interface,
 * Elastic IP, NAT gateway and load balancer of every account and region the port reaches, with
 * its owner and team tags, addresses, groups, network, Auto Scaling group, launch time, AMI,
 * platform, SSM state, IMDS setting and termination protection. Read through the cloud port, all
 * accounts and regions at once under the resolver's limiter. A region that cannot be read is
 * listed as not read, never as empty.
 */
import type { Scope, Tags } from "../cloud/model.ts";
import type { CloudReader } from "../cloud/port.ts";
import { notRunOf } from "../readiness/checks.ts";
import type { NotRun } from "../readiness/types.ts";
import { Limiter } from "../resolve/limiter.ts";

export type AssetKind = "instance" | "network-interface" | "elastic-ip" | "nat-gateway" | "load-balancer";

export interface AssetRow {
  accountId: string;
  region: string;
  kind: AssetKind;
  id: string;
  name: string;
  owner: string;
  team: string;
  publicAddresses: string[];
  privateAddresses: string[];
  securityGroups: string[];
  subnet: string;
  vpc: string;
  autoScalingGroup: string;
  launchTime: string;
  ami: string;
  platform: string;
  state: string;
  ssm: string;
  imds: string;
  terminationProtection: string;
}

export interface Inventory {
  generatedAt: string;
  source: string;
  rows: AssetRow[];
  notRead: NotRun[];
}

/** A tag by name, any case (Owner, owner, OWNER). */
function tag(tags: Tags, ...names: string[]): string {
  const lower = new Map(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
  for (const n of names) {
    const v = lower.get(n.toLowerCase());
    if (v !== undefined) return v;
  }
  return "";
}

const empty = (scope: Scope, kind: AssetKind, id: string): AssetRow => ({
  accountId: scope.accountId,
  region: scope.region,
  kind,
  id,
  name: "",
  owner: "",
  team: "",
  publicAddresses: [],
  privateAddresses: [],
  securityGroups: [],
  subnet: "",
  vpc: "",
  autoScalingGroup: "",
  launchTime: "",
  ami: "",
  platform: "",
  state: "",
  ssm: "",
  imds: "",
  terminationProtection: "",
});

async function region(port: CloudReader, limiter: Limiter, scope: Scope): Promise<AssetRow[]> {
  const key = `${scope.accountId}/${scope.region}`;
  const call = <T>(fn: () => Promise<T>) => limiter.run(key, fn);
  const [listed, enis, eips, nats, lbs] = await Promise.all([
    call(() => port.describeInstances(scope, {})),
    call(() => port.describeNetworkInterfaces(scope, {})),
    call(() => port.describeAddresses(scope, {})),
    call(() => port.describeNatGateways(scope, {})),
    call(() => port.describeLoadBalancers(scope, {})),
  ]);
  const live = listed.filter((i) => i.state !== "terminated").map((i) => i.instanceId);
  // Named instances come back with their protections (DescribeInstanceAttribute); the SSM state of each.
  const [instances, ssm] = await Promise.all([
    live.length ? call(() => port.describeInstances(scope, { instanceIds: live })) : Promise.resolve([]),
    live.length ? call(() => port.ssmManagedInstances(scope, live)) : Promise.resolve([]),
  ]);
  const ssmOf = new Map(ssm.map((m) => [m.instanceId, m.pingStatus]));
  const eniById = new Map(enis.map((e) => [e.networkInterfaceId, e]));
  const rows: AssetRow[] = [];
  for (const i of [...instances, ...listed.filter((x) => x.state === "terminated")]) {
    const its = i.networkInterfaceIds.map((id) => eniById.get(id)).filter((e) => e !== undefined);
    rows.push({
      ...empty(scope, "instance", i.instanceId),
      name: tag(i.tags, "Name"),
      owner: tag(i.tags, "Owner"),
      team: tag(i.tags, "Team"),
      publicAddresses: [...new Set([...(i.publicIpAddress ? [i.publicIpAddress] : []), ...its.flatMap((e) => e.associations.map((a) => a.publicIp)), ...its.flatMap((e) => e.ipv6Addresses)])],
      privateAddresses: [...new Set([...(i.privateIpAddress ? [i.privateIpAddress] : []), ...its.flatMap((e) => e.privateIpAddresses)])],
      securityGroups: i.securityGroupIds,
      subnet: i.subnetId ?? "",
      vpc: i.vpcId ?? "",
      autoScalingGroup: tag(i.tags, "aws:autoscaling:groupName"),
      launchTime: i.launchTime,
      ami: i.imageId,
      platform: i.platform ?? "",
      state: i.state,
      ssm: ssmOf.get(i.instanceId) ?? "not managed",
      imds: i.metadataHttpTokens === "required" ? "IMDSv2 only" : i.metadataHttpTokens === "optional" ? "IMDSv1 allowed" : "",
      terminationProtection: i.disableApiTermination === undefined ? "" : i.disableApiTermination ? "on" : "off",
    });
  }
  for (const e of enis) {
    rows.push({
      ...empty(scope, "network-interface", e.networkInterfaceId),
      name: tag(e.tags, "Name") || e.description,
      owner: tag(e.tags, "Owner"),
      team: tag(e.tags, "Team"),
      publicAddresses: [...e.associations.map((a) => a.publicIp), ...e.ipv6Addresses],
      privateAddresses: e.privateIpAddresses.length ? e.privateIpAddresses : [e.privateIpAddress],
      securityGroups: e.groupIds,
      subnet: e.subnetId,
      vpc: e.vpcId,
      state: `${e.status}${e.attachment?.instanceId ? ` (${e.attachment.instanceId})` : e.requesterManaged ? ` (${e.interfaceType})` : ""}`,
    });
  }
  for (const a of eips) {
    const eni = a.networkInterfaceId ? eniById.get(a.networkInterfaceId) : undefined;
    rows.push({
      ...empty(scope, "elastic-ip", a.allocationId),
      name: tag(a.tags, "Name"),
      owner: tag(a.tags, "Owner"),
      team: tag(a.tags, "Team"),
      publicAddresses: [a.publicIp],
      privateAddresses: a.privateIpAddress ? [a.privateIpAddress] : [],
      subnet: eni?.subnetId ?? "",
      vpc: eni?.vpcId ?? "",
      state: a.instanceId ? `associated (${a.instanceId})` : a.networkInterfaceId ? `associated (${a.networkInterfaceId})` : "unassociated",
    });
  }
  for (const n of nats) {
    rows.push({
      ...empty(scope, "nat-gateway", n.natGatewayId),
      name: tag(n.tags, "Name"),
      owner: tag(n.tags, "Owner"),
      team: tag(n.tags, "Team"),
      publicAddresses: n.addresses.map((a) => a.publicIp).filter((x): x is string => !!x),
      privateAddresses: n.addresses.map((a) => a.privateIp),
      subnet: n.subnetId,
      vpc: n.vpcId,
      state: n.state,
    });
  }
  for (const lb of lbs) {
    const its = enis.filter((e) => e.description === `ELB ${lb.type === "classic" ? lb.name : lb.id.split(":loadbalancer/")[1] ?? lb.name}` || (lb.type !== "classic" && e.description.endsWith(lb.id.split(":loadbalancer/")[1] ?? "\u0000")));
    rows.push({
      ...empty(scope, "load-balancer", lb.id),
      name: lb.name,
      owner: tag(lb.tags, "Owner"),
      team: tag(lb.tags, "Team"),
      publicAddresses: lb.scheme === "internet-facing" ? [...new Set([lb.dnsName, ...its.flatMap((e) => e.associations.map((a) => a.publicIp))])] : [],
      privateAddresses: its.flatMap((e) => e.privateIpAddresses),
      securityGroups: lb.securityGroupIds,
      subnet: lb.subnetIds.join(" "),
      vpc: lb.vpcId ?? "",
      platform: lb.type,
      state: lb.scheme,
    });
  }
  return rows;
}

export async function collectInventory(port: CloudReader, opts: { accounts?: string[]; regions?: string[]; concurrency?: number; now?: Date } = {}): Promise<Inventory> {
  const limiter = new Limiter(opts.concurrency ?? 8, 64);
  const accounts = (await port.accounts()).filter((a) => !opts.accounts || opts.accounts.includes(a.accountId));
  const rows: AssetRow[] = [];
  const notRead: NotRun[] = [];
  await Promise.all(
    accounts.map(async (acc) => {
      let regions: string[];
      try {
        regions = await port.regions(acc.accountId);
      } catch (err) {
        notRead.push(notRunOf(err, acc.accountId));
        return;
      }
      if (opts.regions) regions = regions.filter((r) => opts.regions!.includes(r));
      await Promise.all(
        regions.map(async (r) => {
          try {
            rows.push(...(await region(port, limiter, { accountId: acc.accountId, region: r })));
          } catch (err) {
            notRead.push(notRunOf(err, acc.accountId, r));
          }
        }),
      );
    }),
  );
  const order: AssetKind[] = ["instance", "network-interface", "elastic-ip", "nat-gateway", "load-balancer"];
  rows.sort((a, b) => a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region) || order.indexOf(a.kind) - order.indexOf(b.kind) || a.id.localeCompare(b.id));
  notRead.sort((a, b) => `${a.accountId}${a.region}`.localeCompare(`${b.accountId}${b.region}`));
  return { generatedAt: (opts.now ?? new Date()).toISOString(), source: port.label, rows, notRead };
}

/**
 * The public addresses the inventory saw and who held each, for the address history: an instance
 * holds its addresses, a NAT gateway and a load balancer theirs, an ENI only the ones no instance,
 * NAT gateway or load balancer already claims (a Lambda's, an endpoint's), an Elastic IP only when
 * unassociated (associated, its holder is what it is associated with).
 */
export function addressObservations(inv: Inventory): { publicIp: string; accountId: string; region: string; resourceKind: string; resourceId: string; resourceName?: string }[] {
  const out = new Map<string, { publicIp: string; accountId: string; region: string; resourceKind: string; resourceId: string; resourceName?: string }>();
  const isIp = (s: string) => /^(\d{1,3}\.){3}\d{1,3}$/.test(s) || (s.includes(":") && /^[0-9a-f:]+$/i.test(s));
  const rank: Record<AssetKind, number> = { instance: 0, "nat-gateway": 1, "load-balancer": 2, "network-interface": 3, "elastic-ip": 4 };
  for (const r of [...inv.rows].sort((a, b) => rank[a.kind] - rank[b.kind])) {
    if (r.kind === "elastic-ip" && r.state !== "unassociated") continue;
    for (const ip of r.publicAddresses.filter(isIp)) {
      const key = `${r.accountId}|${ip}`;
      if (out.has(key)) continue;
      out.set(key, { publicIp: ip, accountId: r.accountId, region: r.region, resourceKind: r.kind, resourceId: r.id, ...(r.name ? { resourceName: r.name } : {}) });
    }
  }
  return [...out.values()];
}
