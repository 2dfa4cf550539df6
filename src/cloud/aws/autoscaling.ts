/**
 * Auto Scaling: which group holds an instance, the groups themselves, and the containment calls
 * (standby, detach, process suspension, scale-in protection, capacity). AWS takes at most 20
 * instance ids per Enter/ExitStandby, Attach/DetachInstances call and 50 per SetInstanceProtection;
 * larger lists go out in batches of that size, one after the other, so a failure leaves a clear
 * boundary of what was and was not done.
 */
import {
  AttachInstancesCommand,
  DetachInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  paginateDescribeAutoScalingGroups,
  paginateDescribeAutoScalingInstances,
  ResumeProcessesCommand,
  SetInstanceProtectionCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup as SdkGroup,
} from "@aws-sdk/client-auto-scaling";
import { ASG_BATCH, chunk, PROTECTION_BATCH } from "../limits.ts";
import type { AutoScalingGroup, Scope } from "../model.ts";
import { definedOnly, tagsOf } from "./convert.ts";
import { allPages, target, type Ctx } from "./session.ts";

/**
 * DescribeAutoScalingInstances takes at most 50 ids; DescribeAutoScalingGroups at most MaxRecords
 * names, 50 unless MaxRecords is raised (emulators do not all know MaxRecords: the default is kept).
 */
const DESCRIBE_INSTANCES_BATCH = 50;
const DESCRIBE_GROUPS_BATCH = 50;

export function toAutoScalingGroup(g: SdkGroup): AutoScalingGroup {
  return definedOnly({
    name: g.AutoScalingGroupName ?? "",
    arn: g.AutoScalingGroupARN,
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    desiredCapacity: g.DesiredCapacity ?? 0,
    subnetIds: (g.VPCZoneIdentifier ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    targetGroupArns: g.TargetGroupARNs ?? [],
    loadBalancerNames: g.LoadBalancerNames ?? [],
    suspendedProcesses: (g.SuspendedProcesses ?? []).map((p) => p.ProcessName ?? "").filter(Boolean),
    instances: (g.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId ?? "",
      lifecycleState: i.LifecycleState ?? "",
      healthStatus: i.HealthStatus ?? "",
      protectedFromScaleIn: i.ProtectedFromScaleIn ?? false,
      availabilityZone: i.AvailabilityZone ?? "",
    })),
    tags: tagsOf(g.Tags),
  });
}

export async function describeAutoScalingGroups(ctx: Ctx, scope: Scope, names: string[]): Promise<AutoScalingGroup[]> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return [];
  const parts = await Promise.all(
    chunk(unique, DESCRIBE_GROUPS_BATCH).map((AutoScalingGroupNames) =>
      // Names that don't exist are simply absent from the answer (no error).
      ctx.session.run("autoscaling.DescribeAutoScalingGroups", target(ctx, scope), async (asg) => {
        const pages = await allPages(paginateDescribeAutoScalingGroups, asg, { AutoScalingGroupNames });
        return pages.flatMap((p) => (p.AutoScalingGroups ?? []).map(toAutoScalingGroup));
      }),
    ),
  );
  return parts.flat();
}

export async function autoScalingGroupsOf(ctx: Ctx, scope: Scope, instanceIds: string[]): Promise<AutoScalingGroup[]> {
  const unique = [...new Set(instanceIds)];
  if (unique.length === 0) return [];
  const names = new Set<string>();
  for (const InstanceIds of chunk(unique, DESCRIBE_INSTANCES_BATCH)) {
    const pages = await ctx.session.run("autoscaling.DescribeAutoScalingInstances", target(ctx, scope), (asg) =>
      allPages(paginateDescribeAutoScalingInstances, asg, { InstanceIds }),
    );
    for (const p of pages) for (const i of p.AutoScalingInstances ?? []) if (i.AutoScalingGroupName) names.add(i.AutoScalingGroupName);
  }
  return describeAutoScalingGroups(ctx, scope, [...names]);
}

export async function enterStandby(ctx: Ctx, scope: Scope, groupName: string, instanceIds: string[], decrement: boolean): Promise<void> {
  for (const InstanceIds of chunk(instanceIds, ASG_BATCH)) {
    await ctx.session.run("autoscaling.EnterStandby", target(ctx, scope), (asg) =>
      asg.send(new EnterStandbyCommand({ AutoScalingGroupName: groupName, InstanceIds, ShouldDecrementDesiredCapacity: decrement })),
    );
  }
}

export async function exitStandby(ctx: Ctx, scope: Scope, groupName: string, instanceIds: string[]): Promise<void> {
  for (const InstanceIds of chunk(instanceIds, ASG_BATCH)) {
    await ctx.session.run("autoscaling.ExitStandby", target(ctx, scope), (asg) => asg.send(new ExitStandbyCommand({ AutoScalingGroupName: groupName, InstanceIds })));
  }
}

export async function detachInstances(ctx: Ctx, scope: Scope, groupName: string, instanceIds: string[], decrement: boolean): Promise<void> {
  for (const InstanceIds of chunk(instanceIds, ASG_BATCH)) {
    await ctx.session.run("autoscaling.DetachInstances", target(ctx, scope), (asg) =>
      asg.send(new DetachInstancesCommand({ AutoScalingGroupName: groupName, InstanceIds, ShouldDecrementDesiredCapacity: decrement })),
    );
  }
}

export async function attachInstances(ctx: Ctx, scope: Scope, groupName: string, instanceIds: string[]): Promise<void> {
  for (const InstanceIds of chunk(instanceIds, ASG_BATCH)) {
    await ctx.session.run("autoscaling.AttachInstances", target(ctx, scope), (asg) => asg.send(new AttachInstancesCommand({ AutoScalingGroupName: groupName, InstanceIds })));
  }
}

export async function suspendProcesses(ctx: Ctx, scope: Scope, groupName: string, processes: string[]): Promise<void> {
  // An empty ScalingProcesses list would suspend *every* process: never send one.
  if (processes.length === 0) return;
  await ctx.session.run("autoscaling.SuspendProcesses", target(ctx, scope), (asg) =>
    asg.send(new SuspendProcessesCommand({ AutoScalingGroupName: groupName, ScalingProcesses: processes })),
  );
}

export async function resumeProcesses(ctx: Ctx, scope: Scope, groupName: string, processes: string[]): Promise<void> {
  // Likewise, an empty list would resume every process, including ones suspended before us.
  if (processes.length === 0) return;
  await ctx.session.run("autoscaling.ResumeProcesses", target(ctx, scope), (asg) =>
    asg.send(new ResumeProcessesCommand({ AutoScalingGroupName: groupName, ScalingProcesses: processes })),
  );
}

export async function setInstanceProtection(ctx: Ctx, scope: Scope, groupName: string, instanceIds: string[], protectedFromScaleIn: boolean): Promise<void> {
  for (const InstanceIds of chunk(instanceIds, PROTECTION_BATCH)) {
    await ctx.session.run("autoscaling.SetInstanceProtection", target(ctx, scope), (asg) =>
      asg.send(new SetInstanceProtectionCommand({ AutoScalingGroupName: groupName, InstanceIds, ProtectedFromScaleIn: protectedFromScaleIn })),
    );
  }
}

export async function updateAutoScalingGroup(
  ctx: Ctx,
  scope: Scope,
  groupName: string,
  change: { minSize?: number; maxSize?: number; desiredCapacity?: number },
): Promise<void> {
  await ctx.session.run("autoscaling.UpdateAutoScalingGroup", target(ctx, scope), (asg) =>
    asg.send(
      new UpdateAutoScalingGroupCommand(
        definedOnly({ AutoScalingGroupName: groupName, MinSize: change.minSize, MaxSize: change.maxSize, DesiredCapacity: change.desiredCapacity }),
      ),
    ),
  );
}
