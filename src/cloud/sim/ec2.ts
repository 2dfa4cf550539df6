/**
 * The simulated EC2 calls: instances, addresses, network interfaces, NAT gateways, subnets, VPCs
 * and snapshots (reads); instance attributes, snapshots, console capture, start/stop and tags
 * (writes). Security groups are in ./security-groups.ts, network ACLs in ./network-acls.ts.
 * Queries stand on the state's indices (./state.ts) unless the simulator is built without them
 * (the benchmark's baseline), when they scan every record.
 */
import type { ElasticIp, Instance, NatGateway, NetworkInterface, Scope, Snapshot, Subnet, Tags, Vpc } from "../model.ts";
import type { InstanceAttributeChange, InstanceQuery, NetworkInterfaceQuery } from "../port.ts";
import { terminateForGroup } from "./autoscaling.ts";
import { allows, checkTags, invalid, notFound, tagsMatch, type SimCore } from "./core.ts";
import type { RegionState } from "./state.ts";
import { eipView, eniView, instanceView, natView, primaryPublicIp } from "./views.ts";

export function describeInstances(api: SimCore, scope: Scope, q: InstanceQuery): Instance[] {
  const rs = api.region(scope, "ec2:DescribeInstances");
  let candidates: Iterable<string>;
  if (!api.indexed) candidates = rs.instances.keys();
  else if (q.instanceIds) candidates = q.instanceIds;
  else if (q.publicIps) candidates = q.publicIps.flatMap((ip) => instanceHoldingPrimary(rs, ip));
  else candidates = rs.instances.keys();
  const out: Instance[] = [];
  const seen = new Set<string>();
  for (const id of candidates) {
    if (seen.has(id)) continue;
    seen.add(id);
    const rec = rs.instances.get(id);
    if (!rec) continue;
    if (!api.indexed) {
      // The scan compares raw fields first, as a store without indices would.
      if (q.instanceIds && !q.instanceIds.includes(id)) continue;
      const primary = rs.enis.get(rec.eniIds[0] ?? "");
      if (q.publicIps && !(primary && q.publicIps.includes(primaryPublicIp(rs, primary) ?? ""))) continue;
    }
    const view = instanceView(rs, rec);
    if (!allows(q.instanceIds, view.instanceId)) continue;
    if (!allows(q.publicIps, view.publicIpAddress)) continue;
    if (q.privateIps && !rec.eniIds.some((e) => { const eni = rs.enis.get(e); return eni && (q.privateIps!.includes(eni.privateIpAddress) || eni.secondaryPrivateIpAddresses.some((p) => q.privateIps!.includes(p))); })) continue;
    if (q.subnetIds && !rec.eniIds.some((e) => q.subnetIds!.includes(rs.enis.get(e)?.subnetId ?? ""))) continue;
    out.push(view);
  }
  return out;
}

/** The instance whose PublicIpAddress is `ip` (the `ip-address` filter), via the public-IP index. */
function instanceHoldingPrimary(rs: RegionState, ip: string): string[] {
  const holder = rs.byPublicIp.get(ip);
  const eni = holder ? rs.enis.get(holder.eniId) : undefined;
  return eni?.attachment && eni.attachment.deviceIndex === 0 ? [eni.attachment.instanceId] : [];
}

export function describeAddresses(api: SimCore, scope: Scope, q: { publicIps?: string[]; allocationIds?: string[]; instanceIds?: string[]; networkInterfaceIds?: string[] }): ElasticIp[] {
  const rs = api.region(scope, "ec2:DescribeAddresses");
  let candidates: Iterable<string>;
  if (!api.indexed) candidates = [...rs.eips.values()].filter((x) => allows(q.allocationIds, x.allocationId) && allows(q.publicIps, x.publicIp)).map((x) => x.allocationId);
  else if (q.allocationIds) candidates = q.allocationIds;
  else if (q.publicIps) candidates = q.publicIps.map((ip) => rs.eipByIp.get(ip) ?? "");
  else if (q.networkInterfaceIds) candidates = q.networkInterfaceIds.flatMap((id) => (rs.eipsByEni.get(id) ?? []).map((x) => x.allocationId));
  else if (q.instanceIds)
    candidates = q.instanceIds.flatMap((id) => (rs.instances.get(id)?.eniIds ?? []).flatMap((e) => (rs.eipsByEni.get(e) ?? []).map((x) => x.allocationId)));
  else candidates = rs.eips.keys();
  const out: ElasticIp[] = [];
  const seen = new Set<string>();
  for (const id of candidates) {
    if (seen.has(id)) continue;
    seen.add(id);
    const rec = rs.eips.get(id);
    if (!rec) continue;
    const view = eipView(rs, rec);
    if (!allows(q.allocationIds, view.allocationId) || !allows(q.publicIps, view.publicIp)) continue;
    if (!allows(q.instanceIds, view.instanceId) || !allows(q.networkInterfaceIds, view.networkInterfaceId)) continue;
    out.push(view);
  }
  return out;
}

export function describeNetworkInterfaces(api: SimCore, scope: Scope, q: NetworkInterfaceQuery): NetworkInterface[] {
  const rs = api.region(scope, "ec2:DescribeNetworkInterfaces");
  let candidates: Iterable<string>;
  if (!api.indexed) {
    const eipHolders = new Set<string>();
    if (q.publicIps) for (const x of rs.eips.values()) if (x.networkInterfaceId && q.publicIps.includes(x.publicIp)) eipHolders.add(x.networkInterfaceId);
    candidates = [...rs.enis.values()]
      .filter((e) => allows(q.networkInterfaceIds, e.networkInterfaceId) && allows(q.instanceIds, e.attachment?.instanceId))
      .filter((e) => !q.publicIps || q.publicIps.includes(e.publicIp ?? "") || eipHolders.has(e.networkInterfaceId) || e.ipv6Addresses.some((ip) => q.publicIps!.includes(ip)))
      .map((e) => e.networkInterfaceId);
  }
  else if (q.networkInterfaceIds) candidates = q.networkInterfaceIds;
  // IPv6 addresses are rare in a notice and not indexed: those are a scan of the region's ENIs.
  else if (q.publicIps) candidates = q.publicIps.flatMap((ip) => (ip.includes(":") ? [...rs.enis.values()].filter((e) => e.ipv6Addresses.includes(ip)).map((e) => e.networkInterfaceId) : [rs.byPublicIp.get(ip)?.eniId ?? ""]));
  else if (q.instanceIds) candidates = q.instanceIds.flatMap((id) => rs.instances.get(id)?.eniIds ?? []);
  else candidates = rs.enis.keys();
  const out: NetworkInterface[] = [];
  const seen = new Set<string>();
  for (const id of candidates) {
    if (seen.has(id)) continue;
    seen.add(id);
    const rec = rs.enis.get(id);
    if (!rec) continue;
    const view = eniView(rs, rec);
    if (!allows(q.networkInterfaceIds, view.networkInterfaceId)) continue;
    if (q.publicIps && !view.associations.some((a) => q.publicIps!.includes(a.publicIp)) && !view.ipv6Addresses.some((ip) => q.publicIps!.includes(ip))) continue;
    if (!allows(q.instanceIds, view.attachment?.instanceId)) continue;
    out.push(view);
  }
  return out;
}

export function describeNatGateways(api: SimCore, scope: Scope, q: { natGatewayIds?: string[]; vpcIds?: string[] }): NatGateway[] {
  const rs = api.region(scope, "ec2:DescribeNatGateways");
  const ids = q.natGatewayIds ?? [...rs.nats.keys()];
  return [...new Set(ids)].flatMap((id) => {
    const n = rs.nats.get(id);
    return n && allows(q.vpcIds, n.vpcId) ? [natView(rs, n)] : [];
  });
}

export function describeSubnets(api: SimCore, scope: Scope, subnetIds: string[]): Subnet[] {
  const rs = api.region(scope, "ec2:DescribeSubnets");
  return [...new Set(subnetIds)].flatMap((id) => {
    const s = rs.subnets.get(id);
    return s ? [{ ...s, tags: { ...s.tags } }] : [];
  });
}

export function describeVpcs(api: SimCore, scope: Scope, vpcIds: string[]): Vpc[] {
  const rs = api.region(scope, "ec2:DescribeVpcs");
  return [...new Set(vpcIds)].flatMap((id) => {
    const v = rs.vpcs.get(id);
    return v ? [{ ...v, tags: { ...v.tags } }] : [];
  });
}

export function describeSnapshots(api: SimCore, scope: Scope, q: { snapshotIds?: string[]; tags?: Tags }): Snapshot[] {
  const rs = api.region(scope, "ec2:DescribeSnapshots");
  const ids = q.snapshotIds ? [...new Set(q.snapshotIds)] : [...rs.snapshots.keys()];
  return ids.flatMap((id) => {
    const s = rs.snapshots.get(id);
    return s && tagsMatch(s.tags, q.tags) ? [{ ...s, tags: { ...s.tags } }] : [];
  });
}

function instance(rs: RegionState, id: string, action: string) {
  const rec = rs.instances.get(id);
  if (!rec) throw notFound("InvalidInstanceID.NotFound", `the instance ID '${id}' does not exist in ${rs.accountId}/${rs.region}`, action, rs);
  return rec;
}

export function modifyInstanceAttribute(api: SimCore, scope: Scope, instanceId: string, change: InstanceAttributeChange): void {
  const action = "ec2:ModifyInstanceAttribute";
  const rs = api.region(scope, action);
  const rec = instance(rs, instanceId, action);
  if (rec.state === "terminated" || rec.state === "shutting-down") throw invalid("IncorrectInstanceState", `instance ${instanceId} is ${rec.state}`, action, scope);
  if ("disableApiTermination" in change) rec.disableApiTermination = change.disableApiTermination;
  else if ("instanceInitiatedShutdownBehavior" in change) {
    if (change.instanceInitiatedShutdownBehavior !== "stop" && change.instanceInitiatedShutdownBehavior !== "terminate")
      throw invalid("InvalidParameterValue", `shutdown behaviour must be stop or terminate`, action, scope);
    rec.instanceInitiatedShutdownBehavior = change.instanceInitiatedShutdownBehavior;
  } else {
    for (const d of change.blockDeviceDeleteOnTermination)
      if (!rec.blockDevices.some((b) => b.deviceName === d.deviceName))
        throw invalid("InvalidInstanceAttributeValue", `instance ${instanceId} has no block device ${d.deviceName}`, action, scope);
    for (const d of change.blockDeviceDeleteOnTermination) rec.blockDevices.find((b) => b.deviceName === d.deviceName)!.deleteOnTermination = d.deleteOnTermination;
  }
  api.log(rs, "ModifyInstanceAttribute", { instanceId, ...change }, { _return: true }, [{ type: "AWS::EC2::Instance", name: instanceId }]);
}

export function createSnapshots(api: SimCore, scope: Scope, instanceId: string, opts: { description: string; tags: Tags }): { snapshotId: string; volumeId: string }[] {
  const action = "ec2:CreateSnapshots";
  const rs = api.region(scope, action);
  const rec = instance(rs, instanceId, action);
  if (rec.state === "terminated") throw invalid("IncorrectInstanceState", `instance ${instanceId} is terminated`, action, scope);
  checkTags(opts.tags, action, scope);
  const out = rec.blockDevices.map((b) => {
    const snapshotId = api.newId("snap");
    rs.snapshots.set(snapshotId, { snapshotId, volumeId: b.volumeId, description: opts.description, startTime: api.nowIso(), state: "completed", tags: { ...opts.tags } });
    return { snapshotId, volumeId: b.volumeId };
  });
  api.log(rs, "CreateSnapshots", { instanceSpecification: { instanceId }, description: opts.description }, { snapshotSet: { items: out } }, [{ type: "AWS::EC2::Instance", name: instanceId }]);
  return out;
}

export function getConsoleOutput(api: SimCore, scope: Scope, instanceId: string): string | null {
  const rs = api.region(scope, "ec2:GetConsoleOutput");
  return rs.instances.get(instanceId)?.consoleOutput ?? null;
}

export function getConsoleScreenshot(api: SimCore, scope: Scope, instanceId: string): string | null {
  const rs = api.region(scope, "ec2:GetConsoleScreenshot");
  const rec = rs.instances.get(instanceId);
  // AWS takes screenshots of running instances only.
  return rec && rec.state === "running" ? (rec.consoleScreenshot ?? null) : null;
}

export function getUserData(api: SimCore, scope: Scope, instanceId: string): string | null {
  const rs = api.region(scope, "ec2:DescribeInstanceAttribute");
  const ud = rs.instances.get(instanceId)?.userData;
  return ud === undefined ? null : Buffer.from(ud, "utf8").toString("base64");
}

export function stopInstances(api: SimCore, scope: Scope, instanceIds: string[]): void {
  const action = "ec2:StopInstances";
  const rs = api.region(scope, action);
  const recs = instanceIds.map((id) => instance(rs, id, action));
  for (const rec of recs) {
    if (rec.state === "terminated" || rec.state === "shutting-down") throw invalid("IncorrectInstanceState", `instance ${rec.instanceId} is ${rec.state} and can't be stopped`, action, scope);
    if (rec.disableApiStop) throw invalid("OperationNotPermitted", `instance ${rec.instanceId} has stop protection (disableApiStop); turn it off first`, action, scope);
  }
  for (const rec of recs) {
    if (rec.state === "stopped") continue;
    rec.state = "stopped";
    // AWS releases an auto-assigned public IPv4 when the instance stops; Elastic IPs stay.
    for (const id of rec.eniIds) {
      const eni = rs.enis.get(id);
      if (eni?.publicIp) {
        rs.byPublicIp.delete(eni.publicIp);
        delete eni.publicIp;
      }
    }
  }
  api.log(rs, "StopInstances", { instancesSet: { items: instanceIds.map((instanceId) => ({ instanceId })) } });
  // An Auto Scaling group's EC2 health check counts a stopped instance as unhealthy, and the
  // ReplaceUnhealthy process terminates it: stopping an InService member is how evidence gets
  // destroyed, unless HealthCheck or ReplaceUnhealthy is suspended or the member is in Standby.
  for (const rec of recs) {
    for (const g of rs.asgs.values()) {
      const m = g.instances.find((x) => x.instanceId === rec.instanceId);
      if (!m || m.lifecycleState !== "InService" || g.suspendedProcesses.includes("HealthCheck")) continue;
      m.healthStatus = "Unhealthy";
      if (!g.suspendedProcesses.includes("ReplaceUnhealthy")) terminateForGroup(api, rs, rec.instanceId, g);
    }
  }
}

export function startInstances(api: SimCore, scope: Scope, instanceIds: string[]): void {
  const action = "ec2:StartInstances";
  const rs = api.region(scope, action);
  const recs = instanceIds.map((id) => instance(rs, id, action));
  for (const rec of recs)
    if (rec.state === "terminated" || rec.state === "shutting-down") throw invalid("IncorrectInstanceState", `instance ${rec.instanceId} is ${rec.state} and can't be started`, action, scope);
  for (const rec of recs) {
    if (rec.state === "running" || rec.state === "pending") continue;
    rec.state = "running";
    rec.launchTime = api.nowIso();
    // A new auto-assigned address, unless an Elastic IP covers the primary private IP.
    for (const id of rec.eniIds) {
      const eni = rs.enis.get(id);
      if (!eni || !eni.associatePublicIp || eni.publicIp) continue;
      if ((rs.eipsByEni.get(id) ?? []).some((x) => x.privateIpAddress === eni.privateIpAddress)) continue;
      eni.publicIp = freshPublicIp(api);
      rs.byPublicIp.set(eni.publicIp, { eniId: id });
    }
  }
  api.log(rs, "StartInstances", { instancesSet: { items: instanceIds.map((instanceId) => ({ instanceId })) } });
}

/** Addresses handed out on start come from 198.18.0.0/15 (RFC 2544), never from the estate's documentation ranges. */
function freshPublicIp(api: SimCore): string {
  const used = new Set<string>();
  for (const acc of api.state.accounts.values()) for (const rs of acc.regions.values()) for (const ip of rs.byPublicIp.keys()) used.add(ip);
  for (let n = 1; ; n++) {
    const ip = `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
    if ((n & 255) !== 0 && (n & 255) !== 255 && !used.has(ip)) return ip;
  }
}

/** The tag map of any taggable EC2 resource in the region, by id. */
function taggable(rs: RegionState, id: string): Tags | null {
  const maps: Map<string, { tags: Tags }>[] = [rs.instances, rs.enis, rs.groups, rs.subnets, rs.vpcs, rs.acls, rs.nats, rs.eips, rs.snapshots];
  for (const m of maps) {
    const rec = m.get(id);
    if (rec) return rec.tags;
  }
  if (rs.survivingVolumes.has(id)) return (rs.volumeTags.get(id) ?? rs.volumeTags.set(id, {}).get(id))!;
  if (id.startsWith("vol-")) {
    for (const inst of rs.instances.values()) if (inst.blockDevices.some((b) => b.volumeId === id)) return (rs.volumeTags.get(id) ?? rs.volumeTags.set(id, {}).get(id))!;
  }
  return null;
}

export function createTags(api: SimCore, scope: Scope, resourceIds: string[], tags: Tags): void {
  const action = "ec2:CreateTags";
  const rs = api.region(scope, action);
  checkTags(tags, action, scope);
  const targets = resourceIds.map((id) => {
    const t = taggable(rs, id);
    if (!t) throw notFound("InvalidID", `the ID '${id}' is not valid or does not exist in ${scope.accountId}/${scope.region}`, action, scope);
    return t;
  });
  for (const [i, t] of targets.entries())
    if (new Set([...Object.keys(t), ...Object.keys(tags)]).size > api.limits.tagsPerResource)
      throw invalid("TagLimitExceeded", `${resourceIds[i]} would have more than ${api.limits.tagsPerResource} tags`, action, scope);
  for (const t of targets) Object.assign(t, tags);
  api.log(rs, "CreateTags", { resourcesSet: { items: resourceIds.map((resourceId) => ({ resourceId })) }, tagSet: { items: Object.entries(tags).map(([key, value]) => ({ key, value })) } }, { _return: true });
}
