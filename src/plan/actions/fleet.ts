/**
 * Containing what an attacker launched through fleets and Lightsail (issue 14): cancel a spot fleet
 * request and delete an EC2 fleet WITHOUT terminating their instances (TerminateInstances=false,
 * always: the instances are stopped by their own steps, snapshots first), and snapshot then stop a
 * Lightsail instance. Cancelling and deleting a fleet cannot be undone (AWS has no call to reopen
 * one), and the plan says so; the snapshots are evidence and stay on rollback; a stopped Lightsail
 * instance is started again on rollback. Every handler reads the state first: run twice, each call is
 * made at most once.
 */
import { z } from "zod";
import { EC2_FLEET_ID, SPOT_FLEET_REQUEST_ID } from "../../cloud/port-fleet.ts";
import { StepError } from "../errors.ts";
import { defineAction, type Handler, type StepContext } from "../action.ts";

/** Lightsail resource names: letters, digits, `_`, `-`, `.`, starting with a letter or digit. */
const lightsailName = z.string().regex(/^[A-Za-z0-9][\w.-]{1,254}$/, "expected a Lightsail resource name");

const PARAMS = {
  "cancel-spot-fleet-requests": z.strictObject({ spotFleetRequestIds: z.array(z.string().regex(SPOT_FLEET_REQUEST_ID, "expected a spot fleet request id")).min(1).max(100) }),
  "delete-fleets": z.strictObject({ fleetIds: z.array(z.string().regex(EC2_FLEET_ID, "expected an EC2 fleet id")).min(1).max(100) }),
  "snapshot-lightsail-instance": z.strictObject({ instanceName: lightsailName, snapshotName: lightsailName }),
  "stop-lightsail-instance": z.strictObject({ instanceName: lightsailName }),
};
type ActionParams = { [K in keyof typeof PARAMS]: z.infer<(typeof PARAMS)[K]> };

/** Fleet states in which a fleet still launches instances. */
const SPOT_FLEET_LIVE = new Set(["submitted", "active", "modifying"]);
const FLEET_LIVE = new Set(["submitted", "active", "modifying"]);

export const cancelSpotFleets: Handler<ActionParams["cancel-spot-fleet-requests"], { states: Record<string, string> }, { cancelled: string[] }> = {
  async observe(ctx) {
    const found = await ctx.port.describeSpotFleetRequests(ctx.scope, ctx.params.spotFleetRequestIds);
    return { states: Object.fromEntries(found.map((f) => [f.spotFleetRequestId, f.state])) };
  },
  async run(ctx, now) {
    const live = ctx.params.spotFleetRequestIds.filter((id) => SPOT_FLEET_LIVE.has(now.states[id] ?? ""));
    if (!live.length) return { outcome: "skipped", after: { cancelled: [] } };
    await ctx.port.cancelSpotFleetRequests(ctx.scope, live);
    return { outcome: "done", after: { cancelled: live } };
  },
  async undo(_ctx, _before, after) {
    return after?.cancelled.length ? { outcome: "kept", detail: { cancelled: after.cancelled, why: "a cancelled spot fleet request cannot be reopened; its instances were kept" } } : { outcome: "nothing" };
  },
};

export const deleteFleets: Handler<ActionParams["delete-fleets"], { fleets: Record<string, { state: string; type: string }> }, { deleted: string[] }> = {
  async observe(ctx) {
    const found = await ctx.port.describeFleets(ctx.scope, ctx.params.fleetIds);
    return { fleets: Object.fromEntries(found.map((f) => [f.fleetId, { state: f.state, type: f.type }])) };
  },
  async run(ctx, now) {
    const instant = ctx.params.fleetIds.filter((id) => now.fleets[id]?.type === "instant");
    // An instant fleet cannot be deleted without terminating its instances: never a step.
    if (instant.length) throw new StepError(`${instant.join(", ")} is an instant fleet: deleting it would terminate its instances; its instances are contained by their own steps`);
    const live = ctx.params.fleetIds.filter((id) => FLEET_LIVE.has(now.fleets[id]?.state ?? ""));
    if (!live.length) return { outcome: "skipped", after: { deleted: [] } };
    await ctx.port.deleteFleets(ctx.scope, live);
    return { outcome: "done", after: { deleted: live } };
  },
  async undo(_ctx, _before, after) {
    return after?.deleted.length ? { outcome: "kept", detail: { deleted: after.deleted, why: "a deleted EC2 fleet cannot be restored; its instances were kept" } } : { outcome: "nothing" };
  },
};

async function lightsailInstance(ctx: StepContext<{ instanceName: string }>) {
  const all = await ctx.port.getLightsailInstances(ctx.scope);
  if (all === null) throw new StepError(`Lightsail is not offered in ${ctx.scope.region}`);
  const i = all.find((x) => x.name === ctx.params.instanceName);
  if (!i) throw new StepError(`Lightsail instance ${ctx.params.instanceName} no longer exists in ${ctx.scope.accountId}/${ctx.scope.region}`);
  return i;
}

export const snapshotLightsail: Handler<ActionParams["snapshot-lightsail-instance"], { snapshot: boolean }, { created: boolean }> = {
  async observe(ctx) {
    const s = await ctx.port.getLightsailInstanceSnapshot(ctx.scope, ctx.params.snapshotName);
    if (s && s.fromInstanceName !== ctx.params.instanceName) throw new StepError(`a snapshot named ${ctx.params.snapshotName} already exists, of ${s.fromInstanceName}, not of ${ctx.params.instanceName}`);
    return { snapshot: s !== null };
  },
  async run(ctx, now) {
    if (now.snapshot) return { outcome: "skipped", after: { created: false } };
    await ctx.port.createLightsailInstanceSnapshot(ctx.scope, ctx.params.instanceName, ctx.params.snapshotName);
    return { outcome: "done", after: { created: true } };
  },
  async undo(ctx, _before, after) {
    // Evidence: kept, as EBS snapshots are.
    return after?.created ? { outcome: "kept", detail: { snapshot: ctx.params.snapshotName } } : { outcome: "nothing" };
  },
};

export const stopLightsail: Handler<ActionParams["stop-lightsail-instance"], { state: string }, { stopped: boolean }> = {
  async observe(ctx) {
    return { state: (await lightsailInstance(ctx)).state };
  },
  async run(ctx, now) {
    if (now.state === "stopped" || now.state === "stopping") return { outcome: "skipped", after: { stopped: false } };
    if (now.state !== "running") throw new StepError(`Lightsail instance ${ctx.params.instanceName} is ${now.state}: run the step again once it is running or stopped`);
    await ctx.port.stopLightsailInstance(ctx.scope, ctx.params.instanceName);
    return { outcome: "done", after: { stopped: true } };
  },
  async undo(ctx, before) {
    if (before.state !== "running") return { outcome: "nothing" };
    const now = await this.observe(ctx);
    if (now.state === "running" || now.state === "starting" || now.state === "pending") return { outcome: "nothing" };
    if (now.state === "stopping") throw new StepError(`Lightsail instance ${ctx.params.instanceName} is still stopping; run the rollback again once it has stopped`);
    await ctx.port.startLightsailInstance(ctx.scope, ctx.params.instanceName);
    return { outcome: "rolled-back" };
  },
};

export const CANCEL_SPOT_FLEET_REQUESTS = defineAction({
  summary: "cancels spot fleet requests WITHOUT terminating their instances (TerminateInstances=false), so they launch nothing more; not reversible (a cancelled fleet cannot be reopened); the instances are kept and stopped by their own steps",
  params: PARAMS["cancel-spot-fleet-requests"],
  target: { type: "spot-fleet-requests", id: (p) => p.spotFleetRequestIds.join(",") },
  calls: (p) => [{ api: "ec2:CancelSpotFleetRequests", params: { SpotFleetRequestIds: p.spotFleetRequestIds, TerminateInstances: false } }],
  handler: cancelSpotFleets,
  uses: ["describeSpotFleetRequests", "cancelSpotFleetRequests"],
});

export const DELETE_FLEETS = defineAction({
  summary: "deletes maintain and request EC2 fleets WITHOUT terminating their instances (TerminateInstances=false), so they launch nothing more; not reversible (a deleted fleet cannot be restored); instant fleets are never deleted",
  params: PARAMS["delete-fleets"],
  target: { type: "ec2-fleets", id: (p) => p.fleetIds.join(",") },
  calls: (p) => [{ api: "ec2:DeleteFleets", params: { FleetIds: p.fleetIds, TerminateInstances: false } }],
  handler: deleteFleets,
  uses: ["describeFleets", "deleteFleets"],
});

export const SNAPSHOT_LIGHTSAIL_INSTANCE = defineAction({
  summary: "snapshots a Lightsail instance (its disks as found: evidence, kept on rollback)",
  params: PARAMS["snapshot-lightsail-instance"],
  target: { type: "lightsail-instance", id: (p) => p.instanceName },
  calls: (p) => [{ api: "lightsail:CreateInstanceSnapshot", params: { instanceName: p.instanceName, instanceSnapshotName: p.snapshotName } }],
  handler: snapshotLightsail,
  uses: ["getLightsailInstanceSnapshot", "createLightsailInstanceSnapshot"],
});

export const STOP_LIGHTSAIL_INSTANCE = defineAction({
  summary: "stops a Lightsail instance (its disk is kept); started again on rollback",
  params: PARAMS["stop-lightsail-instance"],
  target: { type: "lightsail-instance", id: (p) => p.instanceName },
  calls: (p) => [{ api: "lightsail:StopInstance", params: { instanceName: p.instanceName } }],
  handler: stopLightsail,
  uses: ["getLightsailInstances", "stopLightsailInstance", "startLightsailInstance"],
});
