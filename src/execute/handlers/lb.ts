/** Load balancer registration: target groups (ELBv2) and classic load balancers. */
import type { ActionParams } from "../params.ts";
import type { Handler, StepContext } from "./types.ts";

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
