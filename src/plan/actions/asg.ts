/** Auto Scaling actions. The port batches instance ids (20 per call, 50 for protection). */
import { z } from "zod";
import { ASG_BATCH, chunk, PROTECTION_BATCH } from "../../cloud/limits.ts";
import type { AutoScalingGroup } from "../../cloud/model.ts";
import { StepError } from "../errors.ts";
import { defineAction, type Handler, type StepContext } from "../action.ts";
import { instanceId } from "../schemas.ts";

/** Auto Scaling processes (SuspendProcesses' vocabulary). */
export const ASG_PROCESSES = [
  "Launch",
  "Terminate",
  "AddToLoadBalancer",
  "AlarmNotification",
  "AZRebalance",
  "HealthCheck",
  "InstanceRefresh",
  "ReplaceUnhealthy",
  "ScheduledActions",
] as const;

const groupName = z.string().min(1).max(255);
const instances = z.array(instanceId).min(1);
const PARAMS = {
  "asg-suspend-processes": z.strictObject({ groupName, processes: z.array(z.enum(ASG_PROCESSES)).min(1) }),
  "asg-protect-scale-in": z.strictObject({ groupName, instanceIds: instances }),
  /** Lowers MinSize so that taking the instances out with a decremented capacity is allowed. */
  "asg-lower-min": z.strictObject({ groupName, minSize: z.int().min(0) }),
  "asg-standby": z.strictObject({ groupName, instanceIds: instances }),
  "asg-detach": z.strictObject({ groupName, instanceIds: instances }),
};
type ActionParams = { [K in keyof typeof PARAMS]: z.infer<(typeof PARAMS)[K]> };

async function group(ctx: StepContext<{ groupName: string }>): Promise<AutoScalingGroup> {
  const [g] = await ctx.port.describeAutoScalingGroups(ctx.scope, [ctx.params.groupName]);
  if (!g) throw new StepError(`Auto Scaling group ${ctx.params.groupName} no longer exists in ${ctx.scope.accountId}/${ctx.scope.region}`);
  return g;
}

export const asgSuspend: Handler<ActionParams["asg-suspend-processes"], { suspended: string[] }, { suspended: string[] }> = {
  async observe(ctx) {
    return { suspended: [...(await group(ctx)).suspendedProcesses].sort() };
  },
  async run(ctx, now) {
    const todo = ctx.params.processes.filter((p) => !now.suspended.includes(p));
    if (!todo.length) return { outcome: "skipped", after: { suspended: [] } };
    await ctx.port.suspendProcesses(ctx.scope, ctx.params.groupName, todo);
    return { outcome: "done", after: { suspended: todo } };
  },
  async undo(ctx, before) {
    const now = await this.observe(ctx);
    // Only what this step suspended: a process suspended before the plan stays suspended.
    const back = ctx.params.processes.filter((p) => !before.suspended.includes(p) && now.suspended.includes(p));
    if (!back.length) return { outcome: "nothing" };
    await ctx.port.resumeProcesses(ctx.scope, ctx.params.groupName, back);
    return { outcome: "rolled-back", detail: { resumed: back } };
  },
};

interface Members {
  /** instance id -> lifecycle state, protected from scale-in. */
  members: Record<string, { lifecycleState: string; protectedFromScaleIn: boolean }>;
  desiredCapacity: number;
  minSize: number;
}

async function members(ctx: StepContext<{ groupName: string }>): Promise<Members> {
  const g = await group(ctx);
  return {
    members: Object.fromEntries(g.instances.map((i) => [i.instanceId, { lifecycleState: i.lifecycleState, protectedFromScaleIn: i.protectedFromScaleIn }])),
    desiredCapacity: g.desiredCapacity,
    minSize: g.minSize,
  };
}

export const asgProtect: Handler<ActionParams["asg-protect-scale-in"], Members, { protected: string[] }> = {
  observe: members,
  async run(ctx, now) {
    const todo = ctx.params.instanceIds.filter((id) => now.members[id] && !now.members[id].protectedFromScaleIn);
    if (!todo.length) return { outcome: "skipped", after: { protected: [] } };
    await ctx.port.setInstanceProtection(ctx.scope, ctx.params.groupName, todo, true);
    return { outcome: "done", after: { protected: todo } };
  },
  async undo(ctx, before) {
    const now = await members(ctx);
    const back = ctx.params.instanceIds.filter((id) => before.members[id] && !before.members[id].protectedFromScaleIn && now.members[id]?.protectedFromScaleIn);
    if (!back.length) return { outcome: "nothing" };
    await ctx.port.setInstanceProtection(ctx.scope, ctx.params.groupName, back, false);
    return { outcome: "rolled-back", detail: { unprotected: back } };
  },
};

export const asgLowerMin: Handler<ActionParams["asg-lower-min"], { minSize: number }, { minSize: number }> = {
  async observe(ctx) {
    return { minSize: (await group(ctx)).minSize };
  },
  async run(ctx, now) {
    if (now.minSize <= ctx.params.minSize) return { outcome: "skipped", after: { minSize: now.minSize } };
    await ctx.port.updateAutoScalingGroup(ctx.scope, ctx.params.groupName, { minSize: ctx.params.minSize });
    return { outcome: "done", after: { minSize: ctx.params.minSize } };
  },
  async undo(ctx, before, after) {
    const now = await this.observe(ctx);
    if (now.minSize === before.minSize) return { outcome: "nothing" };
    const ours = after?.minSize ?? ctx.params.minSize;
    if (now.minSize !== ours) {
      // Someone resized the group since: restoring the old minimum would undo their change too.
      throw new StepError(`MinSize of ${ctx.params.groupName} is now ${now.minSize}, not the ${ours} this plan set: changed by someone since; set it back to ${before.minSize} by hand if that is still right`);
    }
    await ctx.port.updateAutoScalingGroup(ctx.scope, ctx.params.groupName, { minSize: before.minSize });
    return { outcome: "rolled-back", detail: { minSize: before.minSize } };
  },
};

/** States in which the instance is already (or about to be) out of service in the group. */
const OUT = new Set(["Standby", "EnteringStandby"]);

export const asgStandby: Handler<ActionParams["asg-standby"], Members, { moved: string[]; absent: string[] }> = {
  observe: members,
  async run(ctx, now) {
    const todo = ctx.params.instanceIds.filter((id) => now.members[id]?.lifecycleState === "InService");
    const absent = ctx.params.instanceIds.filter((id) => !now.members[id]);
    const other = ctx.params.instanceIds.filter((id) => now.members[id] && now.members[id].lifecycleState !== "InService" && !OUT.has(now.members[id].lifecycleState));
    if (other.length) throw new StepError(`cannot move to standby: ${other.map((id) => `${id} is ${now.members[id]!.lifecycleState}`).join(", ")}; run again once they settle`);
    if (!todo.length) return { outcome: "skipped", after: { moved: [], absent } };
    await ctx.port.enterStandby(ctx.scope, ctx.params.groupName, todo, true);
    return { outcome: "done", after: { moved: todo, absent } };
  },
  async undo(ctx, before) {
    const now = await members(ctx);
    // Exactly the instances that were in service before and are in standby now; ExitStandby adds them back to the desired capacity.
    const back = ctx.params.instanceIds.filter((id) => before.members[id]?.lifecycleState === "InService" && now.members[id]?.lifecycleState === "Standby");
    if (!back.length) return { outcome: "nothing" };
    await ctx.port.exitStandby(ctx.scope, ctx.params.groupName, back);
    return { outcome: "rolled-back", detail: { exited: back } };
  },
};

export const asgDetach: Handler<ActionParams["asg-detach"], Members, { detached: string[] }> = {
  observe: members,
  async run(ctx, now) {
    const todo = ctx.params.instanceIds.filter((id) => now.members[id]?.lifecycleState === "InService" || now.members[id]?.lifecycleState === "Standby");
    const other = ctx.params.instanceIds.filter((id) => now.members[id] && !todo.includes(id) && now.members[id].lifecycleState !== "Detaching");
    if (other.length) throw new StepError(`cannot detach: ${other.map((id) => `${id} is ${now.members[id]!.lifecycleState}`).join(", ")}; run again once they settle`);
    if (!todo.length) return { outcome: "skipped", after: { detached: [] } };
    await ctx.port.detachInstances(ctx.scope, ctx.params.groupName, todo, true);
    return { outcome: "done", after: { detached: todo } };
  },
  async undo(ctx, before) {
    const now = await members(ctx);
    const back = ctx.params.instanceIds.filter((id) => before.members[id] && !now.members[id]);
    if (!back.length) return { outcome: "nothing" };
    // AttachInstances adds them back to the desired capacity.
    await ctx.port.attachInstances(ctx.scope, ctx.params.groupName, back);
    return { outcome: "rolled-back", detail: { attached: back } };
  },
};

const ASG = { type: "autoscaling-group", id: (p: { groupName: string }) => p.groupName };
const DESCRIBE = ["describeAutoScalingGroups"] as const;

export const ASG_SUSPEND_PROCESSES = defineAction({
  summary: "suspends Auto Scaling processes (ReplaceUnhealthy, AZRebalance...) so the group cannot replace or move the instance away",
  params: PARAMS["asg-suspend-processes"],
  target: ASG,
  calls: (a) => [{ api: "autoscaling:SuspendProcesses", params: { AutoScalingGroupName: a.groupName, ScalingProcesses: a.processes } }],
  handler: asgSuspend,
  uses: [...DESCRIBE, "suspendProcesses", "resumeProcesses"],
});

export const ASG_PROTECT_SCALE_IN = defineAction({
  summary: "protects the instances from scale-in: the group does not terminate them to shrink",
  params: PARAMS["asg-protect-scale-in"],
  target: ASG,
  calls: (a) =>
    chunk(a.instanceIds, PROTECTION_BATCH).map((ids) => ({
      api: "autoscaling:SetInstanceProtection",
      params: { AutoScalingGroupName: a.groupName, InstanceIds: ids, ProtectedFromScaleIn: true },
    })),
  handler: asgProtect,
  uses: [...DESCRIBE, "setInstanceProtection"],
});

export const ASG_LOWER_MIN = defineAction({
  summary: "lowers the group's MinSize so the instances can leave with a decremented capacity (never the desired capacity, never to zero by itself)",
  params: PARAMS["asg-lower-min"],
  target: ASG,
  calls: (a) => [{ api: "autoscaling:UpdateAutoScalingGroup", params: { AutoScalingGroupName: a.groupName, MinSize: a.minSize } }],
  handler: asgLowerMin,
  uses: [...DESCRIBE, "updateAutoScalingGroup"],
});

const outOfService = (api: string) => (a: ActionParams["asg-standby"]) =>
  chunk(a.instanceIds, ASG_BATCH).map((ids) => ({ api, params: { AutoScalingGroupName: a.groupName, InstanceIds: ids, ShouldDecrementDesiredCapacity: true } }));

export const ASG_STANDBY = defineAction({
  summary: "moves the instances to Standby: out of service, still in the group (ExitStandby undoes it)",
  params: PARAMS["asg-standby"],
  target: ASG,
  calls: outOfService("autoscaling:EnterStandby"),
  handler: asgStandby,
  uses: [...DESCRIBE, "enterStandby", "exitStandby"],
});

export const ASG_DETACH = defineAction({
  summary: "detaches the instances from the group, decrementing its desired capacity (AttachInstances undoes it)",
  params: PARAMS["asg-detach"],
  target: ASG,
  calls: outOfService("autoscaling:DetachInstances"),
  handler: asgDetach,
  uses: [...DESCRIBE, "detachInstances", "attachInstances"],
});
