/**
 * The model objects (../model.ts) the simulator returns, derived from its normalised state the way
 * AWS derives them: an instance's public IP is its primary ENI's, its groups are the union of its
 * ENIs' groups, an ENI's associations are its Elastic IPs and its auto-assigned address. Every view
 * is a fresh object, so a caller can't change the state by editing a result.
 */
import type { AutoScalingGroup, ElasticIp, Instance, LoadBalancer, NatGateway, NetworkAcl, NetworkInterface, SecurityGroup, TargetGroup } from "../model.ts";
import type { AsgRec, EipRec, EniRec, InstanceRec, LbRec, NatRec, RegionState, TgRec } from "./state.ts";

export function eniView(rs: RegionState, e: EniRec): NetworkInterface {
  const associations: NetworkInterface["associations"] = [];
  const eips = eipsOnEni(rs, e.networkInterfaceId);
  if (e.publicIp && !eips.some((x) => x.privateIpAddress === e.privateIpAddress))
    associations.push({ publicIp: e.publicIp, privateIp: e.privateIpAddress, ipOwnerId: "amazon" });
  for (const x of eips) associations.push({ publicIp: x.publicIp, privateIp: x.privateIpAddress!, allocationId: x.allocationId, ipOwnerId: rs.accountId });
  const view: NetworkInterface = {
    networkInterfaceId: e.networkInterfaceId,
    subnetId: e.subnetId,
    vpcId: e.vpcId,
    availabilityZone: e.availabilityZone,
    description: e.description,
    interfaceType: e.interfaceType,
    requesterManaged: e.requesterManaged,
    status: e.attachment || e.inUse ? "in-use" : "available",
    macAddress: e.macAddress,
    privateIpAddress: e.privateIpAddress,
    privateIpAddresses: [e.privateIpAddress, ...e.secondaryPrivateIpAddresses],
    ipv6Addresses: [...e.ipv6Addresses],
    associations,
    groupIds: [...e.groupIds],
    sourceDestCheck: e.sourceDestCheck,
    tags: { ...e.tags },
  };
  if (e.attachment) view.attachment = { ...e.attachment, status: "attached" };
  return view;
}

/** The Elastic IPs associated with an ENI, in declaration order. */
export function eipsOnEni(rs: RegionState, eniId: string): EipRec[] {
  return rs.eipsByEni.get(eniId) ?? [];
}

export function instanceView(rs: RegionState, r: InstanceRec): Instance {
  const enis = r.eniIds.map((id) => rs.enis.get(id)!).filter(Boolean);
  const primary = enis[0];
  const groups: string[] = [];
  for (const e of enis) for (const g of e.groupIds) if (!groups.includes(g)) groups.push(g);
  const view: Instance = {
    instanceId: r.instanceId,
    state: r.state,
    instanceType: r.instanceType,
    imageId: r.imageId,
    launchTime: r.launchTime,
    availabilityZone: r.availabilityZone,
    rootDeviceName: r.rootDeviceName,
    blockDevices: r.blockDevices.map((b) => ({ ...b })),
    networkInterfaceIds: [...r.eniIds],
    securityGroupIds: groups,
    disableApiTermination: r.disableApiTermination,
    disableApiStop: r.disableApiStop,
    instanceInitiatedShutdownBehavior: r.instanceInitiatedShutdownBehavior,
    tags: { ...r.tags },
  };
  if (primary) {
    view.vpcId = primary.vpcId;
    view.subnetId = primary.subnetId;
    view.privateIpAddress = primary.privateIpAddress;
    const pub = primaryPublicIp(rs, primary);
    if (pub) view.publicIpAddress = pub;
  }
  for (const k of ["keyName", "platform", "iamInstanceProfile", "lifecycle", "metadataHttpTokens"] as const) if (r[k] !== undefined) view[k] = r[k] as never;
  return view;
}

/** The public IPv4 on the primary private IP of the primary ENI: what DescribeInstances calls PublicIpAddress. */
export function primaryPublicIp(rs: RegionState, primary: EniRec): string | undefined {
  for (const eip of eipsOnEni(rs, primary.networkInterfaceId)) if (eip.privateIpAddress === primary.privateIpAddress) return eip.publicIp;
  return primary.publicIp;
}

export function eipView(rs: RegionState, x: EipRec): ElasticIp {
  const view: ElasticIp = { publicIp: x.publicIp, allocationId: x.allocationId, domain: x.domain, tags: { ...x.tags } };
  if (x.networkInterfaceId) {
    const eni = rs.enis.get(x.networkInterfaceId);
    view.associationId = x.associationId!;
    view.networkInterfaceId = x.networkInterfaceId;
    view.privateIpAddress = x.privateIpAddress!;
    view.networkInterfaceOwnerId = rs.accountId;
    if (eni?.attachment) view.instanceId = eni.attachment.instanceId;
  }
  return view;
}

export function natView(rs: RegionState, n: NatRec): NatGateway {
  const eip = n.allocationId ? rs.eips.get(n.allocationId) : undefined;
  const address: NatGateway["addresses"][number] = { privateIp: n.privateIp, networkInterfaceId: n.networkInterfaceId };
  if (eip) {
    address.publicIp = eip.publicIp;
    address.allocationId = eip.allocationId;
  }
  return { natGatewayId: n.natGatewayId, vpcId: n.vpcId, subnetId: n.subnetId, state: n.state, connectivityType: n.connectivityType, addresses: [address], tags: { ...n.tags } };
}

export function sgView(g: SecurityGroup): SecurityGroup {
  return { ...g, rules: g.rules.map((r) => ({ ...r })), tags: { ...g.tags } };
}

export function aclView(rs: RegionState, a: { networkAclId: string; vpcId: string; isDefault: boolean; entries: NetworkAcl["entries"]; tags: Record<string, string> }): NetworkAcl {
  const subnetIds = [...rs.subnets.values()].filter((s) => s.networkAclId === a.networkAclId).map((s) => s.subnetId);
  return {
    networkAclId: a.networkAclId,
    vpcId: a.vpcId,
    isDefault: a.isDefault,
    subnetIds,
    entries: [...a.entries].sort((x, y) => Number(x.egress) - Number(y.egress) || x.ruleNumber - y.ruleNumber).map((e) => ({ ...e, ...(e.portRange ? { portRange: { ...e.portRange } } : {}) })),
    tags: { ...a.tags },
  };
}

export function lbView(rec: LbRec): LoadBalancer {
  const view: LoadBalancer = {
    id: rec.id,
    name: rec.name,
    type: rec.type,
    scheme: rec.scheme,
    dnsName: rec.dnsName,
    securityGroupIds: [...rec.securityGroupIds],
    subnetIds: [...rec.subnetIds],
    tags: { ...rec.tags },
  };
  if (rec.vpcId) view.vpcId = rec.vpcId;
  if (rec.type === "classic") view.instanceIds = [...rec.instanceIds];
  return view;
}

export function tgView(rs: RegionState, t: TgRec): TargetGroup {
  const view: TargetGroup = {
    targetGroupArn: t.arn,
    name: t.name,
    targetType: t.targetType,
    loadBalancerArns: [...t.loadBalancerArns],
    targets: t.targets.map((x) => {
      const out: TargetGroup["targets"][number] = { id: x.id, health: x.health };
      if (x.port !== undefined) out.port = x.port;
      const inst = rs.instances.get(x.id);
      if (inst) out.availabilityZone = inst.availabilityZone;
      return out;
    }),
  };
  if (t.protocol) view.protocol = t.protocol;
  if (t.port !== undefined) view.port = t.port;
  if (t.vpcId) view.vpcId = t.vpcId;
  return view;
}

export function asgView(rs: RegionState, g: AsgRec): AutoScalingGroup {
  return {
    name: g.name,
    arn: g.arn,
    minSize: g.minSize,
    maxSize: g.maxSize,
    desiredCapacity: g.desiredCapacity,
    subnetIds: [...g.subnetIds],
    targetGroupArns: [...g.targetGroupArns],
    loadBalancerNames: [...g.loadBalancerNames],
    suspendedProcesses: [...g.suspendedProcesses],
    instances: g.instances.map((m) => ({ ...m, availabilityZone: rs.instances.get(m.instanceId)?.availabilityZone ?? "" })),
    tags: { ...g.tags },
  };
}
