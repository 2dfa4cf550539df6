/** Load balancer registration: target groups (ELBv2) and classic load balancers. */
import { z } from "zod";
import { defineAction, type Handler, type StepContext } from "../action.ts";
import { instanceId } from "../schemas.ts";

const PARAMS = {
  "deregister-targets": z.strictObject({
    targetGroupArn: z.string().regex(/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^\s]+$/, "expected a target group ARN"),
    targets: z.array(z.strictObject({ id: z.string().min(1), port: z.int().min(1).max(65535).optional() })).min(1),
  }),
  "deregister-classic": z.strictObject({ loadBalancerName: z.string().min(1).max(32), instanceIds: z.array(instanceId).min(1) }),
};
type ActionParams = { [K in keyof typeof PARAMS]: z.infer<(typeof PARAMS)[K]> };

type Target = { id: string; port?: number };
const same = (a: Target, b: Target) => a.id === b.id && (a.port === undefined || b.port === undefined || a.port === b.port);
/** A draining target is on its way out: deregistering it again would be a second call for one action. */
const GONE = new Set(["draining", "unused"]);

async function registered(ctx: StepContext<ActionParams["deregister-targets"]>): Promise<Target[]> {
  const groups = await ctx.port.targetGroupsOf(ctx.scope, [...new Set(ctx.params.targets.map((t) => t.id))]);
  const tg = groups.find((g) => g.targetGroupArn === ctx.params.targetGroupArn);
  if (!tg) return [];
  return tg.targets.filter((t) => !GONE.has(t.health ?? "")).map((t) => (t.port === undefined ? { id: t.id } : { id: t.id, port: t.port }));
}

export const deregisterTargets: Handler<ActionParams["deregister-targets"], { registered: Target[] }, { deregistered: Target[] }> = {
  async observe(ctx) {
    return { registered: (await registered(ctx)).filter((r) => ctx.params.targets.some((t) => same(t, r))) };
  },
  async run(ctx, now) {
    const todo = ctx.params.targets.filter((t) => now.registered.some((r) => same(t, r)));
    if (!todo.length) return { outcome: "skipped", after: { deregistered: [] } };
    await ctx.port.deregisterTargets(ctx.scope, ctx.params.targetGroupArn, todo);
    return { outcome: "done", after: { deregistered: todo } };
  },
  async undo(ctx, before) {
    const now = await registered(ctx);
    const back = before.registered.filter((t) => !now.some((r) => same(t, r)));
    if (!back.length) return { outcome: "nothing" };
    await ctx.port.registerTargets(ctx.scope, ctx.params.targetGroupArn, back);
    return { outcome: "rolled-back", detail: { registered: back } };
  },
};

async function classicMembers(ctx: StepContext<ActionParams["deregister-classic"]>): Promise<string[]> {
  const [lb] = await ctx.port.describeLoadBalancers(ctx.scope, { ids: [ctx.params.loadBalancerName] });
  return lb?.instanceIds ?? [];
}

export const deregisterClassic: Handler<ActionParams["deregister-classic"], { registered: string[] }, { deregistered: string[] }> = {
  async observe(ctx) {
    const members = await classicMembers(ctx);
    return { registered: ctx.params.instanceIds.filter((id) => members.includes(id)) };
  },
  async run(ctx, now) {
    if (!now.registered.length) return { outcome: "skipped", after: { deregistered: [] } };
    await ctx.port.deregisterFromClassicLoadBalancer(ctx.scope, ctx.params.loadBalancerName, now.registered);
    return { outcome: "done", after: { deregistered: now.registered } };
  },
  async undo(ctx, before) {
    const members = await classicMembers(ctx);
    const back = before.registered.filter((id) => !members.includes(id));
    if (!back.length) return { outcome: "nothing" };
    await ctx.port.registerWithClassicLoadBalancer(ctx.scope, ctx.params.loadBalancerName, back);
    return { outcome: "rolled-back", detail: { registered: back } };
  },
};

export const DEREGISTER_TARGETS = defineAction({
  summary: "deregisters the instances from a target group (in-flight requests drain); registered again on rollback",
  params: PARAMS["deregister-targets"],
  target: { type: "target-group", id: (p) => p.targetGroupArn },
  calls: (d) => [
    {
      api: "elasticloadbalancing:DeregisterTargets",
      params: { TargetGroupArn: d.targetGroupArn, Targets: d.targets.map((t) => (t.port === undefined ? { Id: t.id } : { Id: t.id, Port: t.port })) },
    },
  ],
  handler: deregisterTargets,
  uses: ["targetGroupsOf", "deregisterTargets", "registerTargets"],
});

export const DEREGISTER_CLASSIC = defineAction({
  summary: "deregisters the instances from a classic load balancer; registered again on rollback",
  params: PARAMS["deregister-classic"],
  target: { type: "classic-load-balancer", id: (p) => p.loadBalancerName },
  calls: (d) => [
    {
      api: "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
      params: { LoadBalancerName: d.loadBalancerName, Instances: d.instanceIds.map((InstanceId) => ({ InstanceId })) },
    },
  ],
  handler: deregisterClassic,
  uses: ["describeLoadBalancers", "deregisterFromClassicLoadBalancer", "registerWithClassicLoadBalancer"],
});
