/**
 * The simulator's side of the fleet and Lightsail methods (../port-fleet.ts). SimApi delegates here
 * in a few lines. AWS's rules that matter to containment are kept: an unknown id is not-found; a
 * cancelled spot fleet or a deleted EC2 fleet launches nothing more and, with TerminateInstances
 * false, keeps its instances running (`cancelled_running` / `deleted_running`); an instant fleet
 * cannot be deleted without terminating its instances; a Lightsail snapshot name is unique in the
 * region; Lightsail refuses to stop an instance that is not running and to start one that is not
 * stopped.
 */
import { CloudError } from "../errors.ts";
import type { Scope, Tags } from "../model.ts";
import { LIGHTSAIL_REGIONS, type Ec2Fleet, type LightsailInstance, type LightsailInstanceSnapshot, type SpotFleetRequest } from "../port-fleet.ts";
import type { RegionInput } from "./schema.ts";
import type { RegionState } from "./state.ts";

/** What a region holds for these methods (RegionState.fleet). */
export interface FleetRegionState {
  spotFleets: Map<string, SpotFleetRequest>;
  fleets: Map<string, Ec2Fleet>;
  lightsail: Map<string, LightsailInstance>;
  lightsailSnapshots: Map<string, LightsailInstanceSnapshot>;
}

/** What these operations need from SimApi. */
export interface SimFleetHost {
  region(scope: Scope, action: string): RegionState;
  record(where: { accountId: string; region?: string }, eventName: string, requestParameters: Record<string, unknown>, resources: { type?: string; name?: string }[]): void;
  /** The simulated clock. */
  now(): Date;
}

const copyTags = (t: Tags): Tags => ({ ...t });

export function buildFleetRegion(rs: RegionState, input: RegionInput): void {
  const f: FleetRegionState = { spotFleets: new Map(), fleets: new Map(), lightsail: new Map(), lightsailSnapshots: new Map() };
  for (const s of input.spotFleets) f.spotFleets.set(s.spotFleetRequestId, { ...s, instanceTypes: [...s.instanceTypes], instanceIds: [...s.instanceIds].sort(), tags: copyTags(s.tags) });
  for (const s of input.fleets) f.fleets.set(s.fleetId, { ...s, instanceTypes: [...s.instanceTypes], instanceIds: [...s.instanceIds].sort(), tags: copyTags(s.tags) });
  for (const l of input.lightsailInstances)
    f.lightsail.set(l.name, { ...l, arn: `arn:aws:lightsail:${rs.region}:${rs.accountId}:Instance/${l.name}`, tags: copyTags(l.tags) });
  rs.fleet = f;
}

const stateOf = (rs: RegionState): FleetRegionState => (rs.fleet ??= { spotFleets: new Map(), fleets: new Map(), lightsail: new Map(), lightsailSnapshots: new Map() });

/** The instances a fleet still runs: those of its list that exist and are not terminated (AWS's "active instances"). */
function active(rs: RegionState, ids: string[]): string[] {
  return ids.filter((id) => {
    const i = rs.instances.get(id);
    return i && i.state !== "terminated" && i.state !== "shutting-down";
  });
}

function notFound(code: string, message: string, action: string, scope: Scope): CloudError {
  return new CloudError("not-found", message, { code, action, ...scope });
}

export function describeSpotFleetRequests(h: SimFleetHost, scope: Scope, ids?: string[]): SpotFleetRequest[] {
  const action = "ec2:DescribeSpotFleetRequests";
  const rs = h.region(scope, action);
  const all = stateOf(rs).spotFleets;
  const missing = (ids ?? []).filter((id) => !all.has(id));
  if (missing.length) throw notFound("InvalidSpotFleetRequestId.NotFound", `the spot fleet request ID '${missing[0]}' does not exist`, action, scope);
  return [...all.values()]
    .filter((s) => !ids || ids.includes(s.spotFleetRequestId))
    .map((s) => ({ ...s, instanceTypes: [...s.instanceTypes], instanceIds: active(rs, s.instanceIds), tags: copyTags(s.tags) }));
}

export function describeFleets(h: SimFleetHost, scope: Scope, ids?: string[]): Ec2Fleet[] {
  const action = "ec2:DescribeFleets";
  const rs = h.region(scope, action);
  const all = stateOf(rs).fleets;
  const missing = (ids ?? []).filter((id) => !all.has(id));
  if (missing.length) throw notFound("InvalidFleetId.NotFound", `the fleet ID '${missing[0]}' does not exist`, action, scope);
  return [...all.values()]
    .filter((s) => !ids || ids.includes(s.fleetId))
    .map((s) => ({ ...s, instanceTypes: [...s.instanceTypes], instanceIds: active(rs, s.instanceIds), tags: copyTags(s.tags) }));
}

export function cancelSpotFleetRequests(h: SimFleetHost, scope: Scope, ids: string[]): void {
  const action = "ec2:CancelSpotFleetRequests";
  const rs = h.region(scope, action);
  const f = stateOf(rs);
  const missing = ids.filter((id) => !f.spotFleets.has(id));
  if (missing.length) throw notFound("InvalidSpotFleetRequestId.NotFound", `the spot fleet request ID '${missing[0]}' does not exist`, action, scope);
  for (const id of ids) {
    const s = f.spotFleets.get(id)!;
    if (s.state.startsWith("cancelled") || s.state === "failed") continue;
    // TerminateInstances=false: the fleet stops launching, its instances keep running.
    s.state = active(rs, s.instanceIds).length ? "cancelled_running" : "cancelled";
  }
  h.record(scope, "CancelSpotFleetRequests", { CancelSpotFleetRequestsRequest: { SpotFleetRequestId: ids.length === 1 ? ids[0] : ids, TerminateInstances: false } }, []);
}

export function deleteFleets(h: SimFleetHost, scope: Scope, ids: string[]): void {
  const action = "ec2:DeleteFleets";
  const rs = h.region(scope, action);
  const f = stateOf(rs);
  const missing = ids.filter((id) => !f.fleets.has(id));
  if (missing.length) throw notFound("InvalidFleetId.NotFound", `the fleet ID '${missing[0]}' does not exist`, action, scope);
  const instant = ids.find((id) => f.fleets.get(id)!.type === "instant");
  // AWS: an instant fleet must terminate its instances when deleted; NoTerminateInstances is refused.
  if (instant) throw new CloudError("invalid", `fleet ${instant} is an instant fleet: it cannot be deleted without terminating its instances`, { code: "InvalidParameterCombination", action, ...scope });
  for (const id of ids) {
    const s = f.fleets.get(id)!;
    if (s.state.startsWith("deleted") || s.state === "failed") continue;
    s.state = active(rs, s.instanceIds).length ? "deleted_running" : "deleted";
  }
  h.record(scope, "DeleteFleets", { DeleteFleetsRequest: { FleetId: ids.length === 1 ? ids[0] : ids, TerminateInstances: false } }, []);
}

/** Where Lightsail is not offered the adapter sends nothing: the simulator answers before looking at the region, as it does. */
function lightsailRegion(h: SimFleetHost, scope: Scope, action: string): FleetRegionState | null {
  return LIGHTSAIL_REGIONS.has(scope.region) ? stateOf(h.region(scope, action)) : null;
}

function offered(h: SimFleetHost, scope: Scope, action: string): FleetRegionState {
  const f = lightsailRegion(h, scope, action);
  if (!f) throw new CloudError("unavailable", `Lightsail is not offered in ${scope.region}`, { code: "UnknownEndpoint", action, ...scope });
  return f;
}

function instanceOf(f: FleetRegionState, name: string, action: string, scope: Scope): LightsailInstance {
  const i = f.lightsail.get(name);
  if (!i) throw notFound("NotFoundException", `the Instance does not exist: ${name}`, action, scope);
  return i;
}

export function getLightsailInstances(h: SimFleetHost, scope: Scope): LightsailInstance[] | null {
  const f = lightsailRegion(h, scope, "lightsail:GetInstances");
  if (!f) return null;
  return [...f.lightsail.values()].sort((a, b) => a.name.localeCompare(b.name)).map((i) => ({ ...i, tags: copyTags(i.tags) }));
}

export function getLightsailInstanceSnapshot(h: SimFleetHost, scope: Scope, snapshotName: string): LightsailInstanceSnapshot | null {
  const f = offered(h, scope, "lightsail:GetInstanceSnapshot");
  const s = f.lightsailSnapshots.get(snapshotName);
  return s ? { ...s } : null;
}

export function createLightsailInstanceSnapshot(h: SimFleetHost, scope: Scope, instanceName: string, snapshotName: string): void {
  const action = "lightsail:CreateInstanceSnapshot";
  const f = offered(h, scope, action);
  instanceOf(f, instanceName, action, scope);
  if (!/^[A-Za-z0-9][\w.-]{1,254}$/.test(snapshotName)) throw new CloudError("invalid", `invalid snapshot name ${snapshotName}`, { code: "InvalidInputException", action, ...scope });
  if (f.lightsailSnapshots.has(snapshotName) || f.lightsail.has(snapshotName)) throw new CloudError("invalid", `a resource named ${snapshotName} already exists`, { code: "InvalidInputException", action, ...scope });
  // The simulator's snapshots complete at once (AWS's are `pending` for a while).
  f.lightsailSnapshots.set(snapshotName, { name: snapshotName, fromInstanceName: instanceName, state: "available", createdAt: h.now().toISOString().slice(0, 19) + "Z" });
  h.record(scope, "CreateInstanceSnapshot", { instanceName, instanceSnapshotName: snapshotName }, []);
}

export function stopLightsailInstance(h: SimFleetHost, scope: Scope, instanceName: string): void {
  const action = "lightsail:StopInstance";
  const i = instanceOf(offered(h, scope, action), instanceName, action, scope);
  if (i.state !== "running") throw new CloudError("invalid", `instance ${instanceName} is ${i.state}: only a running instance can be stopped`, { code: "InvalidInputException", action, ...scope });
  i.state = "stopped";
  h.record(scope, "StopInstance", { instanceName }, []);
}

export function startLightsailInstance(h: SimFleetHost, scope: Scope, instanceName: string): void {
  const action = "lightsail:StartInstance";
  const i = instanceOf(offered(h, scope, action), instanceName, action, scope);
  if (i.state !== "stopped") throw new CloudError("invalid", `instance ${instanceName} is ${i.state}: only a stopped instance can be started`, { code: "InvalidInputException", action, ...scope });
  i.state = "running";
  h.record(scope, "StartInstance", { instanceName }, []);
}
