/**
 * EC2: instances, addresses, ENIs, NAT gateways, security groups, subnets, VPCs, network ACLs,
 * snapshots (reads); instance attributes, snapshots, console capture, start/stop, security groups
 * and rules, ENI groups, tags, network ACL entries (writes).
 *
 * Queries by id first use AWS's id parameter; when AWS answers "does not exist" for a list of ids
 * (InvalidInstanceID.NotFound and friends), the same query is made with the id *filter*, which
 * returns the ones that do exist instead of failing the whole list.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclEntryCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DeleteNetworkAclEntryCommand,
  DescribeAddressesCommand,
  DescribeInstanceAttributeCommand,
  GetConsoleOutputCommand,
  GetConsoleScreenshotCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  paginateDescribeInstances,
  paginateDescribeNatGateways,
  paginateDescribeNetworkAcls,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSecurityGroups,
  paginateDescribeSnapshots,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type Address as SdkAddress,
  type Instance as SdkInstance,
  type IpPermission,
  type NatGateway as SdkNatGateway,
  type NetworkAcl as SdkNetworkAcl,
  type NetworkInterface as SdkNetworkInterface,
  type SecurityGroup as SdkSecurityGroup,
  type Snapshot as SdkSnapshot,
  type Subnet as SdkSubnet,
  type Vpc as SdkVpc,
} from "@aws-sdk/client-ec2";
import { CloudError } from "../errors.ts";
import type {
  ElasticIp,
  Instance,
  NatGateway,
  NetworkAcl,
  NetworkAclEntry,
  NetworkInterface,
  Scope,
  SecurityGroup,
  SgRule,
  Snapshot,
  Subnet,
  Tags,
  Vpc,
} from "../model.ts";
import { chunk } from "../limits.ts";
import { isIPv4 } from "../../notice/extract/ids.ts";
import type { InstanceAttributeChange, InstanceQuery, NetworkInterfaceQuery, RuleSpec } from "../port.ts";
import { definedOnly, fromBase64, iso, splitFilters, tagFilters, tagList, tagsOf, type Filter } from "./convert.ts";
import { isNotFound } from "./errors.ts";
import type { Operation } from "./actions.ts";
import { allPages, target, type Ctx } from "./session.ts";

/** Drops filters whose value list is undefined; returns null when a given list is empty (nothing can match). */
function filters(spec: Record<string, readonly string[] | undefined>): Filter[] | null {
  const out: Filter[] = [];
  for (const [Name, values] of Object.entries(spec)) {
    if (values === undefined) continue;
    if (values.length === 0) return null;
    out.push({ Name, Values: [...new Set(values)] });
  }
  return out;
}

/**
 * Id parameter first; on NotFound, the id filter. A single id that does not exist is simply nothing.
 * `byIds(undefined, filters)` must query without the id parameter.
 */
async function idsThenFilter<T>(
  ids: readonly string[] | undefined,
  idFilter: string,
  extra: Filter[],
  query: (ids: string[] | undefined, filters: Filter[]) => Promise<T[]>,
): Promise<T[]> {
  if (ids === undefined) return queryInFilterSets(undefined, extra, query);
  const unique = [...new Set(ids)];
  try {
    // The id parameter takes up to 1000 ids; the filters beside it are split when too long.
    const parts = await Promise.all(chunk(unique, 1000).map((part) => queryInFilterSets(part, extra, query)));
    return parts.flat();
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (unique.length === 1) return [];
    return queryInFilterSets(undefined, [{ Name: idFilter, Values: unique }, ...extra], query);
  }
}

async function queryInFilterSets<T>(ids: string[] | undefined, fs: Filter[], query: (ids: string[] | undefined, filters: Filter[]) => Promise<T[]>): Promise<T[]> {
  const sets = splitFilters(fs);
  const parts = await Promise.all(sets.map((set) => query(ids, set)));
  return parts.flat();
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const t of items) if (!seen.has(key(t))) seen.set(key(t), t);
  return [...seen.values()];
}

type Tagged = { Tags?: { Key?: string; Value?: string }[] | undefined };

/**
 * One EC2 Describe* call (all its pages), with what each of its filters looks at. AWS applies the
 * filters; an API emulator may not know one (moto has no `addresses.association.public-ip` on ENIs), and then
 * the same call is made without filters and they are applied here, from `fields`. Real AWS never
 * needs this; against an emulator it keeps every query answerable.
 */
interface Reader<R> {
  op: Operation;
  fields: Record<string, (r: R) => (string | boolean | undefined)[]>;
  send: (ids: string[] | undefined, filters: Filter[]) => Promise<R[]>;
}

function filterHere<R>(reader: Reader<R>, items: R[], fs: Filter[]): R[] {
  return items.filter((item) =>
    fs.every((f) => {
      const field = f.Name.startsWith("tag:")
        ? (r: R) => ((r as Tagged).Tags ?? (r as { TagSet?: Tagged["Tags"] }).TagSet ?? []).filter((t) => t.Key === f.Name.slice(4)).map((t) => t.Value)
        : reader.fields[f.Name];
      if (!field) throw new CloudError("invalid", `no way to apply filter ${f.Name} to ${reader.op}`);
      return field(item).some((v) => v !== undefined && f.Values.includes(String(v)));
    }),
  );
}

/** An emulator refusing a filter it does not implement (AWS itself knows every filter we send). */
function unsupportedFilter(ctx: Ctx, err: unknown): boolean {
  if (!(err instanceof CloudError)) return false;
  if (err.kind === "invalid" && /filter/i.test(err.message)) return true;
  return ctx.session.emulated("ec2") && (err.kind === "unavailable" || err.kind === "invalid");
}

async function read<R>(ctx: Ctx, reader: Reader<R>, ids: readonly string[] | undefined, idFilter: string, extra: Filter[]): Promise<R[]> {
  return idsThenFilter(ids, idFilter, extra, async (idList, fs) => {
    const key = `${reader.op}|${fs.map((f) => f.Name).sort().join(",")}`;
    if (fs.length === 0) return reader.send(idList, fs);
    if (!ctx.session.unsupportedFilters.has(key)) {
      try {
        return await reader.send(idList, fs);
      } catch (err) {
        if (!unsupportedFilter(ctx, err)) throw err;
        ctx.session.unsupportedFilters.add(key);
      }
    }
    return filterHere(reader, await reader.send(idList, []), fs);
  });
}

// ---------------------------------------------------------------------------------------------
// Reads

export function toInstance(i: SdkInstance): Instance {
  const enis = [...(i.NetworkInterfaces ?? [])].sort(
    (a, b) => (a.Attachment?.NetworkCardIndex ?? 0) - (b.Attachment?.NetworkCardIndex ?? 0) || (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0),
  );
  return definedOnly({
    instanceId: i.InstanceId ?? "",
    state: i.State?.Name ?? "unknown",
    instanceType: i.InstanceType ?? "",
    imageId: i.ImageId ?? "",
    launchTime: iso(i.LaunchTime) ?? "",
    availabilityZone: i.Placement?.AvailabilityZone ?? "",
    vpcId: i.VpcId,
    subnetId: i.SubnetId,
    privateIpAddress: i.PrivateIpAddress,
    publicIpAddress: i.PublicIpAddress,
    keyName: i.KeyName,
    // `Platform` is only ever "windows"; PlatformDetails names the OS family for every instance.
    platform: i.PlatformDetails ?? i.Platform,
    iamInstanceProfile: i.IamInstanceProfile?.Arn,
    rootDeviceName: i.RootDeviceName,
    blockDevices: (i.BlockDeviceMappings ?? [])
      .filter((b) => b.Ebs?.VolumeId)
      .map((b) => ({ deviceName: b.DeviceName ?? "", volumeId: b.Ebs!.VolumeId!, deleteOnTermination: b.Ebs?.DeleteOnTermination ?? false })),
    networkInterfaceIds: enis.map((n) => n.NetworkInterfaceId ?? "").filter(Boolean),
    // Every ENI's groups: isolating an instance means isolating all of its interfaces.
    securityGroupIds: [...new Set([...(i.SecurityGroups ?? []), ...enis.flatMap((n) => n.Groups ?? [])].map((g) => g.GroupId ?? "").filter(Boolean))],
    lifecycle: i.InstanceLifecycle as Instance["lifecycle"],
    metadataHttpTokens: i.MetadataOptions?.HttpTokens === "optional" || i.MetadataOptions?.HttpTokens === "required" ? i.MetadataOptions.HttpTokens : undefined,
    tags: tagsOf(i.Tags),
  });
}

const instances = (ctx: Ctx, scope: Scope): Reader<SdkInstance> => ({
  op: "ec2.DescribeInstances",
  fields: {
    "instance-id": (i) => [i.InstanceId],
    "ip-address": (i) => [i.PublicIpAddress],
    "network-interface.addresses.private-ip-address": (i) => [i.PrivateIpAddress, ...(i.NetworkInterfaces ?? []).flatMap((n) => (n.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress))],
    "subnet-id": (i) => [i.SubnetId, ...(i.NetworkInterfaces ?? []).map((n) => n.SubnetId)],
  },
  send: (InstanceIds, Filters) =>
    ctx.session.run("ec2.DescribeInstances", target(ctx, scope), async (ec2) => {
      const pages = await allPages(paginateDescribeInstances, ec2, definedOnly({ InstanceIds, Filters: Filters.length ? Filters : undefined }));
      return pages.flatMap((p) => (p.Reservations ?? []).flatMap((r) => r.Instances ?? []));
    }),
});

export async function describeInstances(ctx: Ctx, scope: Scope, q: InstanceQuery): Promise<Instance[]> {
  // `private-ip-address` is only the primary ENI's primary address; a notice may name any of them.
  const extra = filters({ "ip-address": q.publicIps, "network-interface.addresses.private-ip-address": q.privateIps, "subnet-id": q.subnetIds });
  if (extra === null || q.instanceIds?.length === 0) return [];
  const found = uniqueBy((await read(ctx, instances(ctx, scope), q.instanceIds, "instance-id", extra)).map(toInstance), (i) => i.instanceId);
  // Named instances (what containment and a notice's instance ids ask for) also get the protections
  // DescribeInstances does not return; containment journals them to restore them exactly.
  if (q.instanceIds) await Promise.all(found.map((i) => readProtections(ctx, scope, i)));
  return found;
}

const PROTECTION_ATTRIBUTES = ["disableApiTermination", "instanceInitiatedShutdownBehavior", "disableApiStop"] as const;

/** Fills termination/stop protection and shutdown behaviour (one DescribeInstanceAttribute each). */
async function readProtections(ctx: Ctx, scope: Scope, i: Instance): Promise<void> {
  if (i.state === "terminated" || i.state === "shutting-down") return;
  await Promise.all(
    PROTECTION_ATTRIBUTES.map(async (Attribute) => {
      try {
        const out = await ctx.session.run("ec2.DescribeInstanceAttribute", target(ctx, scope), (ec2) =>
          ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: i.instanceId, Attribute })),
        );
        if (Attribute === "disableApiTermination" && out.DisableApiTermination?.Value !== undefined) i.disableApiTermination = out.DisableApiTermination.Value;
        if (Attribute === "disableApiStop" && out.DisableApiStop?.Value !== undefined) i.disableApiStop = out.DisableApiStop.Value;
        const behaviour = out.InstanceInitiatedShutdownBehavior?.Value;
        if (Attribute === "instanceInitiatedShutdownBehavior" && (behaviour === "stop" || behaviour === "terminate")) i.instanceInitiatedShutdownBehavior = behaviour;
      } catch (err) {
        // Without ec2:DescribeInstanceAttribute (or where an attribute is unknown, as disableApiStop is
        // to some emulators) the instance is still found; the protection stays undefined: not known.
        if (err instanceof CloudError && (err.kind === "access-denied" || err.kind === "invalid" || isNotFound(err))) return;
        throw err;
      }
    }),
  );
}

export function toAddress(a: SdkAddress): ElasticIp {
  return definedOnly({
    publicIp: a.PublicIp ?? "",
    allocationId: a.AllocationId ?? "",
    domain: (a.Domain ?? "vpc") as ElasticIp["domain"],
    associationId: a.AssociationId,
    instanceId: a.InstanceId || undefined,
    networkInterfaceId: a.NetworkInterfaceId,
    privateIpAddress: a.PrivateIpAddress,
    networkInterfaceOwnerId: a.NetworkInterfaceOwnerId,
    tags: tagsOf(a.Tags),
  });
}

export async function describeAddresses(
  ctx: Ctx,
  scope: Scope,
  q: { publicIps?: string[]; allocationIds?: string[]; instanceIds?: string[]; networkInterfaceIds?: string[] },
): Promise<ElasticIp[]> {
  // The address list itself goes in the id parameter (PublicIps, else AllocationIds); everything else is a filter.
  const byIp = q.publicIps !== undefined;
  // Elastic IPs are IPv4: an IPv6 address (or anything else) in PublicIps can match nothing, and EC2
  // refuses the whole call for it.
  if (byIp) q = { ...q, publicIps: q.publicIps!.filter((ip) => isIPv4(ip)) };
  const extra = filters({
    ...(byIp ? { "allocation-id": q.allocationIds } : {}),
    "instance-id": q.instanceIds,
    "network-interface-id": q.networkInterfaceIds,
  });
  const ids = byIp ? q.publicIps : q.allocationIds;
  if (extra === null || ids?.length === 0) return [];
  const reader: Reader<SdkAddress> = {
    op: "ec2.DescribeAddresses",
    fields: {
      "public-ip": (a) => [a.PublicIp],
      "allocation-id": (a) => [a.AllocationId],
      "instance-id": (a) => [a.InstanceId],
      "network-interface-id": (a) => [a.NetworkInterfaceId],
    },
    send: (list, Filters) =>
      ctx.session.run("ec2.DescribeAddresses", target(ctx, scope), async (ec2) => {
        // DescribeAddresses is not paginated: one answer holds every address of the region.
        const input = definedOnly({ PublicIps: byIp ? list : undefined, AllocationIds: byIp ? undefined : list, Filters: Filters.length ? Filters : undefined });
        return (await ec2.send(new DescribeAddressesCommand(input))).Addresses ?? [];
      }),
  };
  const found = await read(ctx, reader, ids, byIp ? "public-ip" : "allocation-id", extra);
  return uniqueBy(found.map(toAddress), (a) => a.allocationId || a.publicIp);
}

export function toNetworkInterface(n: SdkNetworkInterface): NetworkInterface {
  const privates = n.PrivateIpAddresses ?? [];
  const associations = privates
    .filter((p) => p.Association?.PublicIp)
    .map((p) =>
      definedOnly({
        publicIp: p.Association!.PublicIp!,
        privateIp: p.PrivateIpAddress ?? "",
        allocationId: p.Association!.AllocationId,
        ipOwnerId: p.Association!.IpOwnerId,
      }),
    );
  // Some answers carry only the top-level association (the primary private IP's).
  if (associations.length === 0 && n.Association?.PublicIp) {
    associations.push(
      definedOnly({ publicIp: n.Association.PublicIp, privateIp: n.PrivateIpAddress ?? "", allocationId: n.Association.AllocationId, ipOwnerId: n.Association.IpOwnerId }),
    );
  }
  const att = n.Attachment;
  return definedOnly({
    networkInterfaceId: n.NetworkInterfaceId ?? "",
    subnetId: n.SubnetId ?? "",
    vpcId: n.VpcId ?? "",
    availabilityZone: n.AvailabilityZone ?? "",
    description: n.Description ?? "",
    // The API documents `natGateway` but answers `nat_gateway`, like every other managed type: one spelling out.
    interfaceType: n.InterfaceType === "natGateway" ? "nat_gateway" : (n.InterfaceType ?? "interface"),
    requesterManaged: n.RequesterManaged ?? false,
    status: n.Status ?? "",
    macAddress: n.MacAddress,
    privateIpAddress: n.PrivateIpAddress ?? "",
    privateIpAddresses: privates.map((p) => p.PrivateIpAddress ?? "").filter(Boolean),
    ipv6Addresses: (n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address ?? "").filter(Boolean),
    associations,
    groupIds: (n.Groups ?? []).map((g) => g.GroupId ?? "").filter(Boolean),
    attachment: att
      ? definedOnly({
          instanceId: att.InstanceId,
          deviceIndex: att.DeviceIndex ?? 0,
          attachmentId: att.AttachmentId ?? "",
          deleteOnTermination: att.DeleteOnTermination ?? false,
          status: att.Status ?? "",
        })
      : undefined,
    sourceDestCheck: n.SourceDestCheck ?? true,
    tags: tagsOf(n.TagSet),
  });
}

export async function describeNetworkInterfaces(ctx: Ctx, scope: Scope, q: NetworkInterfaceQuery): Promise<NetworkInterface[]> {
  if (q.networkInterfaceIds?.length === 0) return [];
  // By address: `addresses.association.public-ip` looks at every private address of the ENI
  // (`association.public-ip` only at the primary one, so it misses an Elastic IP on a secondary
  // private IP); IPv6 addresses, all public in AWS, are the ENI's own. Filters AND, so IPv4 and IPv6
  // are one query each.
  const v4 = q.publicIps?.filter((ip) => isIPv4(ip));
  const v6 = q.publicIps?.filter((ip) => ip.includes(":"));
  const byAddress: Record<string, string[] | undefined>[] =
    q.publicIps === undefined ? [{}] : [...(v4!.length ? [{ "addresses.association.public-ip": v4 }] : []), ...(v6!.length ? [{ "ipv6-addresses.ipv6-address": v6 }] : [])];
  const reader: Reader<SdkNetworkInterface> = {
    op: "ec2.DescribeNetworkInterfaces",
    fields: {
      "network-interface-id": (n) => [n.NetworkInterfaceId],
      "addresses.association.public-ip": (n) => [n.Association?.PublicIp, ...(n.PrivateIpAddresses ?? []).map((a) => a.Association?.PublicIp)],
      "ipv6-addresses.ipv6-address": (n) => (n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address),
      "attachment.instance-id": (n) => [n.Attachment?.InstanceId],
    },
    send: (NetworkInterfaceIds, Filters) =>
      ctx.session.run("ec2.DescribeNetworkInterfaces", target(ctx, scope), async (ec2) => {
        const pages = await allPages(paginateDescribeNetworkInterfaces, ec2, definedOnly({ NetworkInterfaceIds, Filters: Filters.length ? Filters : undefined }));
        return pages.flatMap((p) => p.NetworkInterfaces ?? []);
      }),
  };
  const found: SdkNetworkInterface[] = [];
  for (const address of byAddress) {
    const extra = filters({ ...address, "attachment.instance-id": q.instanceIds });
    if (extra !== null) found.push(...(await read(ctx, reader, q.networkInterfaceIds, "network-interface-id", extra)));
  }
  return uniqueBy(found.map(toNetworkInterface), (n) => n.networkInterfaceId);
}

export function toNatGateway(g: SdkNatGateway): NatGateway {
  return {
    natGatewayId: g.NatGatewayId ?? "",
    vpcId: g.VpcId ?? "",
    subnetId: g.SubnetId ?? "",
    state: g.State ?? "",
    connectivityType: (g.ConnectivityType ?? "public") as NatGateway["connectivityType"],
    addresses: (g.NatGatewayAddresses ?? []).map((a) =>
      definedOnly({ publicIp: a.PublicIp, privateIp: a.PrivateIp ?? "", allocationId: a.AllocationId, networkInterfaceId: a.NetworkInterfaceId ?? "" }),
    ),
    tags: tagsOf(g.Tags),
  };
}

export async function describeNatGateways(ctx: Ctx, scope: Scope, q: { natGatewayIds?: string[]; vpcIds?: string[] }): Promise<NatGateway[]> {
  const extra = filters({ "vpc-id": q.vpcIds });
  if (extra === null || q.natGatewayIds?.length === 0) return [];
  const reader: Reader<SdkNatGateway> = {
    op: "ec2.DescribeNatGateways",
    fields: { "nat-gateway-id": (g) => [g.NatGatewayId], "vpc-id": (g) => [g.VpcId] },
    send: (NatGatewayIds, Filter) =>
      ctx.session.run("ec2.DescribeNatGateways", target(ctx, scope), async (ec2) => {
        // DescribeNatGateways spells its filter parameter in the singular.
        const pages = await allPages(paginateDescribeNatGateways, ec2, definedOnly({ NatGatewayIds, Filter: Filter.length ? Filter : undefined }));
        return pages.flatMap((p) => p.NatGateways ?? []);
      }),
  };
  const found = await read(ctx, reader, q.natGatewayIds, "nat-gateway-id", extra);
  return uniqueBy(found.map(toNatGateway), (g) => g.natGatewayId);
}

/** One SgRule per peer of each IpPermission (AWS groups several peers under one protocol and port range). */
export function rulesOf(perms: IpPermission[] | undefined, direction: SgRule["direction"]): SgRule[] {
  const out: SgRule[] = [];
  for (const p of perms ?? []) {
    const protocol = p.IpProtocol ?? "-1";
    // "All" reads as no range: protocol -1, or ICMP's -1/-1 (all types and codes).
    const all = protocol === "-1" || (p.FromPort === -1 && (p.ToPort === undefined || p.ToPort === -1));
    const ports = all ? {} : definedOnly({ fromPort: p.FromPort, toPort: p.ToPort });
    const base = { direction, protocol, ...ports };
    for (const r of p.IpRanges ?? []) out.push(definedOnly({ ...base, cidrIpv4: r.CidrIp, description: r.Description }));
    for (const r of p.Ipv6Ranges ?? []) out.push(definedOnly({ ...base, cidrIpv6: r.CidrIpv6, description: r.Description }));
    for (const r of p.UserIdGroupPairs ?? []) out.push(definedOnly({ ...base, groupId: r.GroupId, description: r.Description }));
    for (const r of p.PrefixListIds ?? []) out.push(definedOnly({ ...base, prefixListId: r.PrefixListId, description: r.Description }));
  }
  return out;
}

export function toSecurityGroup(g: SdkSecurityGroup): SecurityGroup {
  return {
    groupId: g.GroupId ?? "",
    groupName: g.GroupName ?? "",
    description: g.Description ?? "",
    vpcId: g.VpcId ?? "",
    rules: [...rulesOf(g.IpPermissions, "ingress"), ...rulesOf(g.IpPermissionsEgress, "egress")],
    tags: tagsOf(g.Tags),
  };
}

const securityGroups = (ctx: Ctx, scope: Scope): Reader<SdkSecurityGroup> => ({
  op: "ec2.DescribeSecurityGroups",
  fields: { "group-id": (g) => [g.GroupId], "vpc-id": (g) => [g.VpcId], "group-name": (g) => [g.GroupName] },
  send: (GroupIds, Filters) =>
    ctx.session.run("ec2.DescribeSecurityGroups", target(ctx, scope), async (ec2) => {
      const pages = await allPages(paginateDescribeSecurityGroups, ec2, definedOnly({ GroupIds, Filters: Filters.length ? Filters : undefined }));
      return pages.flatMap((p) => p.SecurityGroups ?? []);
    }),
});

export async function describeSecurityGroups(ctx: Ctx, scope: Scope, groupIds: string[]): Promise<SecurityGroup[]> {
  if (groupIds.length === 0) return [];
  const found = await read(ctx, securityGroups(ctx, scope), groupIds, "group-id", []);
  return uniqueBy(found.map(toSecurityGroup), (g) => g.groupId);
}

export async function findSecurityGroups(ctx: Ctx, scope: Scope, q: { vpcId: string; groupNames?: string[]; tags?: Tags }): Promise<SecurityGroup[]> {
  const fs = filters({ "vpc-id": [q.vpcId], "group-name": q.groupNames });
  if (fs === null) return [];
  const found = await read(ctx, securityGroups(ctx, scope), undefined, "group-id", [...fs, ...tagFilters(q.tags)]);
  return uniqueBy(found.map(toSecurityGroup), (g) => g.groupId);
}

function toSubnet(s: SdkSubnet, networkAclId: string): Subnet {
  return {
    subnetId: s.SubnetId ?? "",
    vpcId: s.VpcId ?? "",
    cidrBlock: s.CidrBlock ?? "",
    availabilityZone: s.AvailabilityZone ?? "",
    networkAclId,
    tags: tagsOf(s.Tags),
  };
}

export async function describeSubnets(ctx: Ctx, scope: Scope, subnetIds: string[]): Promise<Subnet[]> {
  if (subnetIds.length === 0) return [];
  const reader: Reader<SdkSubnet> = {
    op: "ec2.DescribeSubnets",
    fields: { "subnet-id": (s) => [s.SubnetId] },
    send: (SubnetIds, Filters) =>
      ctx.session.run("ec2.DescribeSubnets", target(ctx, scope), async (ec2) => {
        const pages = await allPages(paginateDescribeSubnets, ec2, definedOnly({ SubnetIds, Filters: Filters.length ? Filters : undefined }));
        return pages.flatMap((p) => p.Subnets ?? []);
      }),
  };
  const raw = uniqueBy(await read(ctx, reader, subnetIds, "subnet-id", []), (s) => s.SubnetId ?? "");
  if (raw.length === 0) return [];
  // A subnet's network ACL is not on the subnet: it is the ACL whose associations name it (every
  // subnet has exactly one, the VPC's default unless another is associated).
  const acls = (await read(ctx, networkAcls(ctx, scope), undefined, "network-acl-id", [{ Name: "association.subnet-id", Values: raw.map((s) => s.SubnetId!) }])).map(toNetworkAcl);
  const aclOf = new Map<string, string>();
  for (const acl of acls) for (const id of acl.subnetIds) aclOf.set(id, acl.networkAclId);
  const missingVpcs = [...new Set(raw.filter((s) => !aclOf.has(s.SubnetId!)).map((s) => s.VpcId!))];
  if (missingVpcs.length) {
    const defaults = (
      await read(ctx, networkAcls(ctx, scope), undefined, "network-acl-id", [
        { Name: "vpc-id", Values: missingVpcs },
        { Name: "default", Values: ["true"] },
      ])
    ).map(toNetworkAcl);
    for (const s of raw) if (!aclOf.has(s.SubnetId!)) aclOf.set(s.SubnetId!, defaults.find((d) => d.vpcId === s.VpcId)?.networkAclId ?? "");
  }
  return raw.map((s) => toSubnet(s, aclOf.get(s.SubnetId!) ?? ""));
}

function toVpc(v: SdkVpc): Vpc {
  const vpc: Vpc = { vpcId: v.VpcId ?? "", cidrBlock: v.CidrBlock ?? "", isDefault: v.IsDefault ?? false, tags: tagsOf(v.Tags) };
  // An IPv6 block makes AWS give every new group a ::/0 egress rule too (isolation must revoke both).
  const v6 = (v.Ipv6CidrBlockAssociationSet ?? []).filter((a) => a.Ipv6CidrBlock && (a.Ipv6CidrBlockState?.State ?? "associated") === "associated").map((a) => a.Ipv6CidrBlock!);
  if (v6.length) vpc.ipv6CidrBlocks = v6;
  return vpc;
}

export async function describeVpcs(ctx: Ctx, scope: Scope, vpcIds: string[]): Promise<Vpc[]> {
  if (vpcIds.length === 0) return [];
  const reader: Reader<SdkVpc> = {
    op: "ec2.DescribeVpcs",
    fields: { "vpc-id": (v) => [v.VpcId] },
    send: (VpcIds, Filters) =>
      ctx.session.run("ec2.DescribeVpcs", target(ctx, scope), async (ec2) => {
        const pages = await allPages(paginateDescribeVpcs, ec2, definedOnly({ VpcIds, Filters: Filters.length ? Filters : undefined }));
        return pages.flatMap((p) => p.Vpcs ?? []);
      }),
  };
  const found = await read(ctx, reader, vpcIds, "vpc-id", []);
  return uniqueBy(found.map(toVpc), (v) => v.vpcId);
}

export function toNetworkAcl(a: SdkNetworkAcl): NetworkAcl {
  return {
    networkAclId: a.NetworkAclId ?? "",
    vpcId: a.VpcId ?? "",
    isDefault: a.IsDefault ?? false,
    subnetIds: (a.Associations ?? []).map((x) => x.SubnetId ?? "").filter(Boolean),
    entries: (a.Entries ?? []).map((e) =>
      definedOnly({
        ruleNumber: e.RuleNumber ?? 0,
        egress: e.Egress ?? false,
        protocol: e.Protocol ?? "-1",
        ruleAction: (e.RuleAction ?? "deny") as NetworkAclEntry["ruleAction"],
        cidrBlock: e.CidrBlock,
        ipv6CidrBlock: e.Ipv6CidrBlock,
        portRange: e.PortRange ? { from: e.PortRange.From ?? 0, to: e.PortRange.To ?? 65535 } : undefined,
      }),
    ),
    tags: tagsOf(a.Tags),
  };
}

const networkAcls = (ctx: Ctx, scope: Scope): Reader<SdkNetworkAcl> => ({
  op: "ec2.DescribeNetworkAcls",
  fields: {
    "network-acl-id": (a) => [a.NetworkAclId],
    "association.subnet-id": (a) => (a.Associations ?? []).map((x) => x.SubnetId),
    "vpc-id": (a) => [a.VpcId],
    default: (a) => [a.IsDefault],
  },
  send: (NetworkAclIds, Filters) =>
    ctx.session.run("ec2.DescribeNetworkAcls", target(ctx, scope), async (ec2) => {
      const pages = await allPages(paginateDescribeNetworkAcls, ec2, definedOnly({ NetworkAclIds, Filters: Filters.length ? Filters : undefined }));
      return pages.flatMap((p) => p.NetworkAcls ?? []);
    }),
});

export async function describeNetworkAcls(ctx: Ctx, scope: Scope, q: { subnetIds?: string[]; networkAclIds?: string[] }): Promise<NetworkAcl[]> {
  const extra = filters({ "association.subnet-id": q.subnetIds });
  if (extra === null || q.networkAclIds?.length === 0) return [];
  const found = await read(ctx, networkAcls(ctx, scope), q.networkAclIds, "network-acl-id", extra);
  return uniqueBy(found.map(toNetworkAcl), (a) => a.networkAclId);
}

function toSnapshot(s: SdkSnapshot): Snapshot {
  return {
    snapshotId: s.SnapshotId ?? "",
    volumeId: s.VolumeId ?? "",
    state: s.State ?? "",
    startTime: iso(s.StartTime) ?? "",
    description: s.Description ?? "",
    tags: tagsOf(s.Tags),
  };
}

export async function describeSnapshots(ctx: Ctx, scope: Scope, q: { snapshotIds?: string[]; tags?: Tags }): Promise<Snapshot[]> {
  if (q.snapshotIds?.length === 0) return [];
  const reader: Reader<SdkSnapshot> = {
    op: "ec2.DescribeSnapshots",
    fields: { "snapshot-id": (s) => [s.SnapshotId] },
    send: (SnapshotIds, Filters) =>
      ctx.session.run("ec2.DescribeSnapshots", target(ctx, scope), async (ec2) => {
        // OwnerIds=self: without it DescribeSnapshots lists every public snapshot in the region.
        const pages = await allPages(paginateDescribeSnapshots, ec2, definedOnly({ OwnerIds: ["self"], SnapshotIds, Filters: Filters.length ? Filters : undefined }));
        return pages.flatMap((p) => p.Snapshots ?? []);
      }),
  };
  const found = await read(ctx, reader, q.snapshotIds, "snapshot-id", tagFilters(q.tags));
  return uniqueBy(found.map(toSnapshot), (s) => s.snapshotId);
}

// ---------------------------------------------------------------------------------------------
// Writes and evidence capture: each is one call (or one batch of one call)

export async function modifyInstanceAttribute(ctx: Ctx, scope: Scope, instanceId: string, change: InstanceAttributeChange): Promise<void> {
  // ModifyInstanceAttribute changes one attribute per call.
  let input;
  if ("disableApiTermination" in change) input = { InstanceId: instanceId, DisableApiTermination: { Value: change.disableApiTermination } };
  else if ("instanceInitiatedShutdownBehavior" in change)
    input = { InstanceId: instanceId, InstanceInitiatedShutdownBehavior: { Value: change.instanceInitiatedShutdownBehavior } };
  else
    input = {
      InstanceId: instanceId,
      BlockDeviceMappings: change.blockDeviceDeleteOnTermination.map((b) => ({ DeviceName: b.deviceName, Ebs: { DeleteOnTermination: b.deleteOnTermination } })),
    };
  await ctx.session.run("ec2.ModifyInstanceAttribute", target(ctx, scope), (ec2) => ec2.send(new ModifyInstanceAttributeCommand(input)));
}

export async function createSnapshots(ctx: Ctx, scope: Scope, instanceId: string, opts: { description: string; tags: Tags }): Promise<{ snapshotId: string; volumeId: string }[]> {
  const out = await ctx.session.run("ec2.CreateSnapshots", target(ctx, scope), (ec2) =>
    ec2.send(
      new CreateSnapshotsCommand({
        // Every volume, boot included, at one point in time (crash-consistent across volumes).
        InstanceSpecification: { InstanceId: instanceId, ExcludeBootVolume: false },
        Description: opts.description,
        TagSpecifications: [{ ResourceType: "snapshot", Tags: tagList(opts.tags) }],
        // The volume's own tags (owner, team) travel with the evidence.
        CopyTagsFromSource: "volume",
      }),
    ),
  );
  return (out.Snapshots ?? []).map((s) => ({ snapshotId: s.SnapshotId ?? "", volumeId: s.VolumeId ?? "" }));
}

export async function getConsoleOutput(ctx: Ctx, scope: Scope, instanceId: string): Promise<string | null> {
  const send = (latest: boolean) =>
    ctx.session.run("ec2.GetConsoleOutput", target(ctx, scope), (ec2) =>
      ec2.send(new GetConsoleOutputCommand(latest ? { InstanceId: instanceId, Latest: true } : { InstanceId: instanceId })),
    );
  let out;
  try {
    try {
      // Latest: the live buffer (Nitro instances); older instance types only keep the last snapshot of it.
      out = await send(true);
    } catch (err) {
      if (!(err instanceof CloudError && (err.code === "UnsupportedOperation" || err.code === "InvalidParameterCombination" || err.code === "InvalidParameter"))) throw err;
      out = await send(false);
    }
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  return out.Output ? fromBase64(out.Output) : null;
}

export async function getConsoleScreenshot(ctx: Ctx, scope: Scope, instanceId: string): Promise<string | null> {
  try {
    const out = await ctx.session.run("ec2.GetConsoleScreenshot", target(ctx, scope), (ec2) =>
      // WakeUp would send a keystroke to the instance: evidence is taken without touching it.
      ec2.send(new GetConsoleScreenshotCommand({ InstanceId: instanceId, WakeUp: false })),
    );
    return out.ImageData ?? null;
  } catch (err) {
    // Not every instance type (or a stopped instance) can take a screenshot, nor every emulator: no
    // screenshot, not a failure.
    if (err instanceof CloudError && (err.code === "UnsupportedOperation" || err.code === "IncorrectInstanceState")) return null;
    if (err instanceof CloudError && ctx.session.emulated("ec2") && (err.kind === "unavailable" || err.kind === "invalid")) return null;
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** The instance's user data, base64 as AWS stores it (it may be gzip or any bytes), or null. */
export async function getUserData(ctx: Ctx, scope: Scope, instanceId: string): Promise<string | null> {
  try {
    const out = await ctx.session.run("ec2.DescribeInstanceAttribute", target(ctx, scope), (ec2) =>
      ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: "userData" })),
    );
    return out.UserData?.Value || null;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export async function stopInstances(ctx: Ctx, scope: Scope, instanceIds: string[]): Promise<void> {
  if (instanceIds.length === 0) return;
  // A plain stop: no Force (it skips the OS flush), no Hibernate (it needs setup at launch).
  await ctx.session.run("ec2.StopInstances", target(ctx, scope), (ec2) => ec2.send(new StopInstancesCommand({ InstanceIds: instanceIds })));
}

export async function startInstances(ctx: Ctx, scope: Scope, instanceIds: string[]): Promise<void> {
  if (instanceIds.length === 0) return;
  await ctx.session.run("ec2.StartInstances", target(ctx, scope), (ec2) => ec2.send(new StartInstancesCommand({ InstanceIds: instanceIds })));
}

export async function createSecurityGroup(ctx: Ctx, scope: Scope, spec: { vpcId: string; groupName: string; description: string; tags: Tags }): Promise<string> {
  const out = await ctx.session.run("ec2.CreateSecurityGroup", target(ctx, scope), (ec2) =>
    ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: spec.groupName,
        Description: spec.description,
        VpcId: spec.vpcId,
        TagSpecifications: [{ ResourceType: "security-group", Tags: tagList(spec.tags) }],
      }),
    ),
  );
  if (!out.GroupId) throw new CloudError("invalid", `CreateSecurityGroup ${spec.groupName} returned no group id`, { ...scope, action: "CreateSecurityGroup" });
  return out.GroupId;
}

const PORTLESS_ALL = new Set(["-1", "all"]);
const ICMP = new Set(["icmp", "1", "icmpv6", "58"]);
const TCP_UDP = new Set(["tcp", "udp", "6", "17"]);

/** One IpPermission per rule: exact, and a failure names the rule that failed. */
export function ipPermission(rule: RuleSpec, withDescription: boolean): IpPermission {
  // AWS's protocol names are lower case; a rule written "TCP" is the tcp rule (../sg-rule.ts).
  const protocol = rule.protocol.trim().toLowerCase();
  const p: IpPermission = { IpProtocol: PORTLESS_ALL.has(protocol) ? "-1" : protocol };
  const unset = (n: number | undefined) => n === undefined || n === -1;
  if (TCP_UDP.has(protocol)) {
    // AWS wants a range for TCP/UDP; "all ports" is 0-65535.
    p.FromPort = unset(rule.fromPort) ? 0 : rule.fromPort;
    p.ToPort = unset(rule.toPort) ? 65535 : rule.toPort;
  } else if (ICMP.has(protocol)) {
    // For ICMP the "ports" are type and code; -1 means all.
    p.FromPort = rule.fromPort ?? -1;
    p.ToPort = rule.toPort ?? -1;
  }
  const d = withDescription && rule.description ? { Description: rule.description } : {};
  if (rule.cidrIpv4) p.IpRanges = [{ CidrIp: rule.cidrIpv4, ...d }];
  else if (rule.cidrIpv6) p.Ipv6Ranges = [{ CidrIpv6: rule.cidrIpv6, ...d }];
  else if (rule.groupId) p.UserIdGroupPairs = [{ GroupId: rule.groupId, ...d }];
  else if (rule.prefixListId) p.PrefixListIds = [{ PrefixListId: rule.prefixListId, ...d }];
  else throw new CloudError("invalid", `security group rule without a peer (CIDR, group or prefix list): ${JSON.stringify(rule)}`);
  return p;
}

type RuleOp = "ec2.AuthorizeSecurityGroupIngress" | "ec2.AuthorizeSecurityGroupEgress" | "ec2.RevokeSecurityGroupIngress" | "ec2.RevokeSecurityGroupEgress";

async function sendRules(ctx: Ctx, scope: Scope, op: RuleOp, groupId: string, perms: IpPermission[]): Promise<{ UnknownIpPermissions?: IpPermission[] } | undefined> {
  const input = { GroupId: groupId, IpPermissions: perms };
  return ctx.session.run(op, target(ctx, scope), async (ec2): Promise<{ UnknownIpPermissions?: IpPermission[] } | undefined> => {
    switch (op) {
      case "ec2.AuthorizeSecurityGroupIngress":
        await ec2.send(new AuthorizeSecurityGroupIngressCommand(input));
        return undefined;
      case "ec2.AuthorizeSecurityGroupEgress":
        await ec2.send(new AuthorizeSecurityGroupEgressCommand(input));
        return undefined;
      case "ec2.RevokeSecurityGroupIngress":
        return ec2.send(new RevokeSecurityGroupIngressCommand(input));
      case "ec2.RevokeSecurityGroupEgress":
        return ec2.send(new RevokeSecurityGroupEgressCommand(input));
    }
  });
}

/**
 * Adds or removes rules: one call per direction holding every rule of it. AWS refuses the whole
 * authorize when one rule is already there (InvalidPermission.Duplicate), and the port passes that
 * on: whether "already there" means "done" is for the caller's journal to say, not for the adapter
 * to guess. A revoke of rules that are not there is refused the same way (InvalidPermission.NotFound),
 * whether AWS says so with that error or, as VPC groups now do, by listing them as unknown.
 */
async function changeRules(ctx: Ctx, scope: Scope, groupId: string, rules: RuleSpec[], mode: "authorize" | "revoke"): Promise<void> {
  for (const direction of ["ingress", "egress"] as const) {
    const mine = rules.filter((r) => r.direction === direction);
    if (mine.length === 0) continue;
    const op = `ec2.${mode === "authorize" ? "Authorize" : "Revoke"}SecurityGroup${direction === "ingress" ? "Ingress" : "Egress"}` as RuleOp;
    const out = await sendRules(ctx, scope, op, groupId, mine.map((r) => ipPermission(r, mode === "authorize")));
    const unknown = out?.UnknownIpPermissions ?? [];
    if (mode === "revoke" && unknown.length > 0) {
      const missing = rulesOf(unknown, direction)
        .map((r) => `${r.protocol}${r.fromPort !== undefined ? `/${r.fromPort}-${r.toPort}` : ""} ${r.cidrIpv4 ?? r.cidrIpv6 ?? r.groupId ?? r.prefixListId}`)
        .join(", ");
      throw new CloudError(
        "not-found",
        `RevokeSecurityGroup${direction === "ingress" ? "Ingress" : "Egress"}: ${groupId} has no rule ${missing}` +
          (unknown.length < mine.length ? " (the other rules of the call were revoked)" : ""),
        { ...scope, action: op.split(".")[1], code: "InvalidPermission.NotFound" },
      );
    }
  }
}

export const authorizeRules = (ctx: Ctx, scope: Scope, groupId: string, rules: RuleSpec[]) => changeRules(ctx, scope, groupId, rules, "authorize");
export const revokeRules = (ctx: Ctx, scope: Scope, groupId: string, rules: RuleSpec[]) => changeRules(ctx, scope, groupId, rules, "revoke");

export async function setNetworkInterfaceGroups(ctx: Ctx, scope: Scope, networkInterfaceId: string, groupIds: string[]): Promise<void> {
  await ctx.session.run("ec2.ModifyNetworkInterfaceAttribute", target(ctx, scope), (ec2) =>
    ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: networkInterfaceId, Groups: groupIds })),
  );
}

export async function createTags(ctx: Ctx, scope: Scope, resourceIds: string[], tags: Tags): Promise<void> {
  if (resourceIds.length === 0 || Object.keys(tags).length === 0) return;
  for (const Resources of chunk(resourceIds, 1000)) {
    await ctx.session.run("ec2.CreateTags", target(ctx, scope), (ec2) => ec2.send(new CreateTagsCommand({ Resources, Tags: tagList(tags) })));
  }
}

export async function createNetworkAclEntry(ctx: Ctx, scope: Scope, networkAclId: string, e: NetworkAclEntry): Promise<void> {
  const icmp = e.protocol === "1" || e.protocol === "58";
  await ctx.session.run("ec2.CreateNetworkAclEntry", target(ctx, scope), (ec2) =>
    ec2.send(
      new CreateNetworkAclEntryCommand(
        definedOnly({
          NetworkAclId: networkAclId,
          RuleNumber: e.ruleNumber,
          Egress: e.egress,
          Protocol: e.protocol,
          RuleAction: e.ruleAction,
          CidrBlock: e.cidrBlock,
          Ipv6CidrBlock: e.ipv6CidrBlock,
          PortRange: e.portRange ? { From: e.portRange.from, To: e.portRange.to } : undefined,
          // ICMP entries need a type and code; the model has none, so all of them.
          IcmpTypeCode: icmp ? { Type: -1, Code: -1 } : undefined,
        }),
      ),
    ),
  );
}

export async function deleteNetworkAclEntry(ctx: Ctx, scope: Scope, networkAclId: string, e: { ruleNumber: number; egress: boolean }): Promise<void> {
  await ctx.session.run("ec2.DeleteNetworkAclEntry", target(ctx, scope), (ec2) =>
    ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: networkAclId, RuleNumber: e.ruleNumber, Egress: e.egress })),
  );
}
