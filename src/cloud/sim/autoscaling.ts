/**
 * The simulated Auto Scaling calls: which groups hold an instance, describe groups, Standby,
 * detach and attach (each moving the instance out of or into the group's load balancers and
 * target groups, as AWS does), suspend and resume processes, instance protection, sizes; and the
 * group's own termination of an unhealthy member (./ec2.ts stopInstances).
 */
import type { AutoScalingGroup, Scope } from "../model.ts";
import { invalid, type SimCore } from "./core.ts";
import { addTargetIndex, reindexIps, type AsgRec, type RegionState } from "./state.ts";
import { asgView } from "./views.ts";

const ASG_PROCESSES = ["Launch", "Terminate", "AddToLoadBalancer", "AlarmNotification", "AZRebalance", "HealthCheck", "InstanceRefresh", "ReplaceUnhealthy", "ScheduledActions"];

export function autoScalingGroupsOf(api: SimCore, scope: Scope, instanceIds: string[]): AutoScalingGroup[] {
  const rs = api.region(scope, "autoscaling:DescribeAutoScalingInstances");
  const wanted = new Set(instanceIds);
  return [...rs.asgs.values()].filter((g) => g.instances.some((m) => wanted.has(m.instanceId))).map((g) => asgView(rs, g));
}

export function describeAutoScalingGroups(api: SimCore, scope: Scope, names: string[]): AutoScalingGroup[] {
  const rs = api.region(scope, "autoscaling:DescribeAutoScalingGroups");
  return [...new Set(names)].flatMap((n) => {
    const g = rs.asgs.get(n);
    return g ? [asgView(rs, g)] : [];
  });
}

/**
 * The group replaces an unhealthy member: AWS terminates it (the replacement launch is not
 * simulated). ENIs and volumes marked delete-on-termination go with it; the others stay,
 * detached; Elastic IPs are disassociated but stay allocated.
 */
export function terminateForGroup(api: SimCore, rs: RegionState, instanceId: string, g: AsgRec): void {
  const rec = rs.instances.get(instanceId)!;
  // A terminated instance leaves every target group and classic load balancer, not only its group's.
  for (const tg of rs.tgs.values()) tg.targets = tg.targets.filter((t) => t.id !== instanceId);
  rs.tgsByTarget.delete(instanceId);
  for (const lb of rs.lbs.values()) lb.instanceIds = lb.instanceIds.filter((x) => x !== instanceId);
  g.instances = g.instances.filter((x) => x.instanceId !== instanceId);
  for (const eniId of rec.eniIds) {
    const eni = rs.enis.get(eniId);
    if (!eni) continue;
    for (const eip of rs.eips.values())
      if (eip.networkInterfaceId === eniId) {
        delete eip.networkInterfaceId;
        delete eip.privateIpAddress;
        delete eip.associationId;
      }
    if (eni.attachment?.deleteOnTermination) rs.enis.delete(eniId);
    else {
      delete eni.attachment;
      delete eni.publicIp;
      eni.inUse = false;
    }
  }
  for (const b of rec.blockDevices) if (!b.deleteOnTermination) rs.survivingVolumes.set(b.volumeId, { volumeId: b.volumeId, ...(b.sizeGiB !== undefined ? { sizeGiB: b.sizeGiB } : {}), fromInstance: instanceId, deviceName: b.deviceName });
  rec.state = "terminated";
  rec.eniIds = [];
  rec.blockDevices = [];
  const ssm = rs.ssm.get(instanceId);
  if (ssm) ssm.pingStatus = "ConnectionLost";
  reindexIps(rs);
  api.log(rs, "TerminateInstances", { instancesSet: { items: [{ instanceId }] } }, null, [], { userAgent: "autoscaling.amazonaws.com", sourceIpAddress: "autoscaling.amazonaws.com" });
}

function asg(rs: RegionState, name: string, action: string): AsgRec {
  const g = rs.asgs.get(name);
  if (!g) throw invalid("ValidationError", `AutoScalingGroup name not found - ${name}`, action, rs);
  return g;
}

function asgIds(ids: string[], limit: number, action: string, scope: Scope): void {
  if (ids.length === 0) throw invalid("ValidationError", "at least one instance id is required", action, scope);
  if (ids.length > limit) throw invalid("ValidationError", `${action} takes at most ${limit} instance ids per call (got ${ids.length})`, action, scope);
}

function member(g: AsgRec, id: string, action: string, scope: Scope) {
  const m = g.instances.find((x) => x.instanceId === id);
  if (!m) throw invalid("ValidationError", `the instance ${id} is not part of Auto Scaling group ${g.name}`, action, scope);
  return m;
}

/** Moving out of service deregisters an instance from the group's load balancers and target groups, as AWS does. */
function leaveLoadBalancers(rs: RegionState, g: AsgRec, id: string): void {
  for (const arn of g.targetGroupArns) {
    const tg = rs.tgs.get(arn);
    if (!tg) continue;
    tg.targets = tg.targets.filter((t) => t.id !== id);
    rs.tgsByTarget.get(id)?.delete(arn);
  }
  for (const name of g.loadBalancerNames) {
    const lb = rs.lbs.get(name);
    if (lb) lb.instanceIds = lb.instanceIds.filter((x) => x !== id);
  }
}

function joinLoadBalancers(rs: RegionState, g: AsgRec, id: string): void {
  for (const arn of g.targetGroupArns) {
    const tg = rs.tgs.get(arn);
    if (!tg || tg.targets.some((t) => t.id === id)) continue;
    tg.targets.push({ id, health: "healthy", ...(tg.port !== undefined ? { port: tg.port } : {}) });
    addTargetIndex(rs, id, arn);
  }
  for (const name of g.loadBalancerNames) {
    const lb = rs.lbs.get(name);
    if (lb && !lb.instanceIds.includes(id)) lb.instanceIds.push(id);
  }
}

export function enterStandby(api: SimCore, scope: Scope, groupName: string, instanceIds: string[], decrementDesiredCapacity: boolean): void {
  const action = "autoscaling:EnterStandby";
  const rs = api.region(scope, action);
  asgIds(instanceIds, api.limits.autoScalingIdsPerCall, action, scope);
  const g = asg(rs, groupName, action);
  const members = instanceIds.map((id) => member(g, id, action, scope));
  for (const m of members)
    if (m.lifecycleState !== "InService") throw invalid("ValidationError", `the instance ${m.instanceId} is not in InService (it is ${m.lifecycleState}); only InService instances can enter Standby`, action, scope);
  if (decrementDesiredCapacity && g.desiredCapacity - members.length < g.minSize)
    throw invalid("ValidationError", `decrementing the desired capacity of ${groupName} by ${members.length} would take it below its minimum size ${g.minSize}`, action, scope);
  for (const m of members) {
    m.lifecycleState = "Standby";
    leaveLoadBalancers(rs, g, m.instanceId);
  }
  if (decrementDesiredCapacity) g.desiredCapacity -= members.length;
  api.log(rs, "EnterStandby", { autoScalingGroupName: groupName, instanceIds, shouldDecrementDesiredCapacity: decrementDesiredCapacity });
}

export function exitStandby(api: SimCore, scope: Scope, groupName: string, instanceIds: string[]): void {
  const action = "autoscaling:ExitStandby";
  const rs = api.region(scope, action);
  asgIds(instanceIds, api.limits.autoScalingIdsPerCall, action, scope);
  const g = asg(rs, groupName, action);
  const members = instanceIds.map((id) => member(g, id, action, scope));
  for (const m of members) if (m.lifecycleState !== "Standby") throw invalid("ValidationError", `the instance ${m.instanceId} is not in Standby (it is ${m.lifecycleState})`, action, scope);
  if (g.desiredCapacity + members.length > g.maxSize)
    throw invalid("ValidationError", `exiting standby would raise the desired capacity of ${groupName} above its maximum size ${g.maxSize}`, action, scope);
  for (const m of members) {
    m.lifecycleState = "InService";
    joinLoadBalancers(rs, g, m.instanceId);
  }
  g.desiredCapacity += members.length;
  api.log(rs, "ExitStandby", { autoScalingGroupName: groupName, instanceIds });
}

export function detachInstances(api: SimCore, scope: Scope, groupName: string, instanceIds: string[], decrementDesiredCapacity: boolean): void {
  const action = "autoscaling:DetachInstances";
  const rs = api.region(scope, action);
  asgIds(instanceIds, api.limits.autoScalingIdsPerCall, action, scope);
  const g = asg(rs, groupName, action);
  const members = instanceIds.map((id) => member(g, id, action, scope));
  for (const m of members)
    if (m.lifecycleState !== "InService" && m.lifecycleState !== "Standby")
      throw invalid("ValidationError", `the instance ${m.instanceId} is ${m.lifecycleState}; only InService or Standby instances can be detached`, action, scope);
  const inService = members.filter((m) => m.lifecycleState === "InService").length;
  if (decrementDesiredCapacity && g.desiredCapacity - inService < g.minSize)
    throw invalid("ValidationError", `decrementing the desired capacity of ${groupName} by ${inService} would take it below its minimum size ${g.minSize}`, action, scope);
  for (const m of members) leaveLoadBalancers(rs, g, m.instanceId);
  g.instances = g.instances.filter((m) => !instanceIds.includes(m.instanceId));
  if (decrementDesiredCapacity) g.desiredCapacity -= inService;
  api.log(rs, "DetachInstances", { autoScalingGroupName: groupName, instanceIds, shouldDecrementDesiredCapacity: decrementDesiredCapacity });
}

export function attachInstances(api: SimCore, scope: Scope, groupName: string, instanceIds: string[]): void {
  const action = "autoscaling:AttachInstances";
  const rs = api.region(scope, action);
  asgIds(instanceIds, api.limits.autoScalingIdsPerCall, action, scope);
  const g = asg(rs, groupName, action);
  for (const id of instanceIds) {
    const rec = rs.instances.get(id);
    if (!rec) throw invalid("ValidationError", `instance ${id} is not valid`, action, scope);
    if (rec.state !== "running") throw invalid("ValidationError", `instance ${id} is ${rec.state}; only running instances can be attached`, action, scope);
    for (const other of rs.asgs.values())
      if (other.instances.some((m) => m.instanceId === id)) throw invalid("ValidationError", `instance ${id} is already part of Auto Scaling group ${other.name}`, action, scope);
    const subnet = rs.enis.get(rec.eniIds[0] ?? "")?.subnetId;
    const azs = new Set(g.subnetIds.map((s) => rs.subnets.get(s)?.availabilityZone));
    if (g.subnetIds.length > 0 && !azs.has(rec.availabilityZone))
      throw invalid("ValidationError", `instance ${id} is in ${rec.availabilityZone} (${subnet}), outside the zones of ${groupName}`, action, scope);
  }
  if (g.desiredCapacity + instanceIds.length > g.maxSize)
    throw invalid("ValidationError", `attaching ${instanceIds.length} instances would raise the desired capacity of ${groupName} above its maximum size ${g.maxSize}`, action, scope);
  for (const id of instanceIds) {
    g.instances.push({ instanceId: id, lifecycleState: "InService", healthStatus: "Healthy", protectedFromScaleIn: false });
    joinLoadBalancers(rs, g, id);
  }
  g.desiredCapacity += instanceIds.length;
  api.log(rs, "AttachInstances", { autoScalingGroupName: groupName, instanceIds });
}

export function suspendProcesses(api: SimCore, scope: Scope, groupName: string, processes: string[]): void {
  const action = "autoscaling:SuspendProcesses";
  const rs = api.region(scope, action);
  const g = asg(rs, groupName, action);
  const list = processes.length === 0 ? ASG_PROCESSES : processes;
  for (const p of list) if (!ASG_PROCESSES.includes(p)) throw invalid("ValidationError", `unknown process ${p} (one of ${ASG_PROCESSES.join(", ")})`, action, scope);
  for (const p of list) if (!g.suspendedProcesses.includes(p)) g.suspendedProcesses.push(p);
  api.log(rs, "SuspendProcesses", { autoScalingGroupName: groupName, scalingProcesses: processes });
}

export function resumeProcesses(api: SimCore, scope: Scope, groupName: string, processes: string[]): void {
  const action = "autoscaling:ResumeProcesses";
  const rs = api.region(scope, action);
  const g = asg(rs, groupName, action);
  const list = processes.length === 0 ? ASG_PROCESSES : processes;
  for (const p of list) if (!ASG_PROCESSES.includes(p)) throw invalid("ValidationError", `unknown process ${p} (one of ${ASG_PROCESSES.join(", ")})`, action, scope);
  g.suspendedProcesses = g.suspendedProcesses.filter((p) => !list.includes(p));
  api.log(rs, "ResumeProcesses", { autoScalingGroupName: groupName, scalingProcesses: processes });
}

export function setInstanceProtection(api: SimCore, scope: Scope, groupName: string, instanceIds: string[], protectedFromScaleIn: boolean): void {
  const action = "autoscaling:SetInstanceProtection";
  const rs = api.region(scope, action);
  asgIds(instanceIds, api.limits.instanceProtectionIdsPerCall, action, scope);
  const g = asg(rs, groupName, action);
  const members = instanceIds.map((id) => member(g, id, action, scope));
  for (const m of members) m.protectedFromScaleIn = protectedFromScaleIn;
  api.log(rs, "SetInstanceProtection", { autoScalingGroupName: groupName, instanceIds, protectedFromScaleIn });
}

export function updateAutoScalingGroup(api: SimCore, scope: Scope, groupName: string, change: { minSize?: number; maxSize?: number; desiredCapacity?: number }): void {
  const action = "autoscaling:UpdateAutoScalingGroup";
  const rs = api.region(scope, action);
  const g = asg(rs, groupName, action);
  const min = change.minSize ?? g.minSize;
  const max = change.maxSize ?? g.maxSize;
  const desired = change.desiredCapacity ?? g.desiredCapacity;
  for (const v of [min, max, desired]) if (!Number.isInteger(v) || v < 0) throw invalid("ValidationError", "sizes are whole numbers >= 0", action, scope);
  if (min > max) throw invalid("ValidationError", `minimum size ${min} is above maximum size ${max}`, action, scope);
  if (desired < min || desired > max) throw invalid("ValidationError", `desired capacity ${desired} must be between the minimum ${min} and maximum ${max}`, action, scope);
  g.minSize = min;
  g.maxSize = max;
  g.desiredCapacity = desired;
  api.log(rs, "UpdateAutoScalingGroup", { autoScalingGroupName: groupName, ...change });
}
