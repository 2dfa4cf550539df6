/**
 * Elastic Load Balancing, both generations: ALB/NLB/GWLB and their target groups (v2), and classic
 * load balancers, which register instances directly. No AWS call answers "which target groups hold
 * this instance": targetGroupsOf lists the region's target groups and reads each one's targets
 * (DescribeTargetHealth), within the per-region concurrency cap.
 */
import {
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeTagsCommand as ClassicDescribeTagsCommand,
  paginateDescribeLoadBalancers as paginateClassicLoadBalancers,
  RegisterInstancesWithLoadBalancerCommand,
  type LoadBalancerDescription,
} from "@aws-sdk/client-elastic-load-balancing";
import {
  DeregisterTargetsCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
  RegisterTargetsCommand,
  type LoadBalancer as SdkLoadBalancer,
  type TargetGroup as SdkTargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { LoadBalancer, Scope, Tags, TargetGroup } from "../model.ts";
import { definedOnly, tagsOf } from "./convert.ts";
import { isNotFound } from "./errors.ts";
import { chunk } from "../limits.ts";
import { allPages, target, type Ctx } from "./session.ts";


/** DescribeLoadBalancers (both APIs) and DescribeTags take at most 20 names or ARNs per call. */
const ELB_BATCH = 20;

// ---------------------------------------------------------------------------------------------
// v2: target groups

function toTargetGroup(g: SdkTargetGroup, targets: TargetGroup["targets"]): TargetGroup {
  return definedOnly({
    targetGroupArn: g.TargetGroupArn ?? "",
    name: g.TargetGroupName ?? "",
    targetType: (g.TargetType ?? "instance") as TargetGroup["targetType"],
    protocol: g.Protocol,
    port: g.Port,
    vpcId: g.VpcId,
    loadBalancerArns: g.LoadBalancerArns ?? [],
    targets,
  });
}

async function targetsOf(ctx: Ctx, scope: Scope, arn: string): Promise<TargetGroup["targets"]> {
  try {
    // DescribeTargetHealth is not paginated: one answer lists every target of the group.
    const out = await ctx.session.run("elbv2.DescribeTargetHealth", target(ctx, scope), (elb) => elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })));
    return (out.TargetHealthDescriptions ?? [])
      .filter((d) => d.Target?.Id)
      .map((d) => definedOnly({ id: d.Target!.Id!, port: d.Target!.Port, availabilityZone: d.Target!.AvailabilityZone, health: d.TargetHealth?.State }));
  } catch (err) {
    // Deleted between the listing and this call: it holds nothing.
    if (isNotFound(err)) return [];
    throw err;
  }
}

export async function targetGroupsOf(ctx: Ctx, scope: Scope, targetIds: string[]): Promise<TargetGroup[]> {
  const wanted = new Set(targetIds);
  if (wanted.size === 0) return [];
  const pages = await ctx.session.run("elbv2.DescribeTargetGroups", target(ctx, scope), (elb) => allPages(paginateDescribeTargetGroups, elb, {}));
  const groups = pages.flatMap((p) => p.TargetGroups ?? []).filter((g) => g.TargetGroupArn);
  // One DescribeTargetHealth per group, all at once: the session's limiter keeps the region's cap.
  const withTargets = await Promise.all(groups.map(async (g) => toTargetGroup(g, await targetsOf(ctx, scope, g.TargetGroupArn!))));
  return withTargets.filter((g) => g.targets.some((t) => wanted.has(t.id)));
}

export async function deregisterTargets(ctx: Ctx, scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): Promise<void> {
  if (targets.length === 0) return;
  await ctx.session.run("elbv2.DeregisterTargets", target(ctx, scope), (elb) =>
    elb.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: targets.map((t) => definedOnly({ Id: t.id, Port: t.port })) })),
  );
}

export async function registerTargets(ctx: Ctx, scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): Promise<void> {
  if (targets.length === 0) return;
  await ctx.session.run("elbv2.RegisterTargets", target(ctx, scope), (elb) =>
    elb.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: targets.map((t) => definedOnly({ Id: t.id, Port: t.port })) })),
  );
}

// ---------------------------------------------------------------------------------------------
// Load balancers, both generations

function toLoadBalancerV2(lb: SdkLoadBalancer, tags: Tags): LoadBalancer {
  return definedOnly({
    id: lb.LoadBalancerArn ?? "",
    name: lb.LoadBalancerName ?? "",
    type: (lb.Type ?? "application") as LoadBalancer["type"],
    scheme: (lb.Scheme ?? "internet-facing") as LoadBalancer["scheme"],
    vpcId: lb.VpcId,
    dnsName: lb.DNSName ?? "",
    securityGroupIds: lb.SecurityGroups ?? [],
    subnetIds: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId ?? "").filter(Boolean),
    tags,
  });
}

function toClassic(lb: LoadBalancerDescription, tags: Tags): LoadBalancer {
  return definedOnly({
    id: lb.LoadBalancerName ?? "",
    name: lb.LoadBalancerName ?? "",
    type: "classic" as const,
    scheme: (lb.Scheme ?? "internet-facing") as LoadBalancer["scheme"],
    vpcId: lb.VPCId,
    dnsName: lb.DNSName ?? "",
    securityGroupIds: lb.SecurityGroups ?? [],
    subnetIds: lb.Subnets ?? [],
    instanceIds: (lb.Instances ?? []).map((i) => i.InstanceId ?? "").filter(Boolean),
    tags,
  });
}

/** Queries by name or ARN; a list with unknown entries is retried one by one (ELB has no id filter). */
async function tolerant<T>(items: string[], query: (batch: string[]) => Promise<T[]>): Promise<T[]> {
  const parts = await Promise.all(
    chunk(items, ELB_BATCH).map(async (batch) => {
      try {
        return await query(batch);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (batch.length === 1) return [];
        return (await Promise.all(batch.map((one) => query([one]).catch((e) => (isNotFound(e) ? [] : Promise.reject(e)))))).flat();
      }
    }),
  );
  return parts.flat();
}

async function describeV2(ctx: Ctx, scope: Scope, by: "LoadBalancerArns" | "Names", values: string[]): Promise<SdkLoadBalancer[]> {
  return tolerant(values, (batch) =>
    ctx.session.run("elbv2.DescribeLoadBalancers", target(ctx, scope), async (elb) => {
      const pages = await allPages(paginateDescribeLoadBalancers, elb, { [by]: batch });
      return pages.flatMap((p) => p.LoadBalancers ?? []);
    }),
  );
}

async function describeClassic(ctx: Ctx, scope: Scope, names: string[] | undefined): Promise<LoadBalancerDescription[]> {
  const send = (LoadBalancerNames: string[] | undefined) =>
    ctx.session.run("elb.DescribeLoadBalancers", target(ctx, scope), async (elb) => {
      const pages = await allPages(paginateClassicLoadBalancers, elb, definedOnly({ LoadBalancerNames }));
      return pages.flatMap((p) => p.LoadBalancerDescriptions ?? []);
    });
  return names === undefined ? send(undefined) : tolerant(names, send);
}

async function tagsV2(ctx: Ctx, scope: Scope, arns: string[]): Promise<Map<string, Tags>> {
  const out = new Map<string, Tags>();
  for (const ResourceArns of chunk(arns, ELB_BATCH)) {
    const res = await ctx.session.run("elbv2.DescribeTags", target(ctx, scope), (elb) => elb.send(new DescribeTagsCommand({ ResourceArns })));
    for (const d of res.TagDescriptions ?? []) if (d.ResourceArn) out.set(d.ResourceArn, tagsOf(d.Tags));
  }
  return out;
}

async function tagsClassic(ctx: Ctx, scope: Scope, names: string[]): Promise<Map<string, Tags>> {
  const out = new Map<string, Tags>();
  for (const LoadBalancerNames of chunk(names, ELB_BATCH)) {
    const res = await ctx.session.run("elb.DescribeTags", target(ctx, scope), (elb) => elb.send(new ClassicDescribeTagsCommand({ LoadBalancerNames })));
    for (const d of res.TagDescriptions ?? []) if (d.LoadBalancerName) out.set(d.LoadBalancerName, tagsOf(d.Tags));
  }
  return out;
}

/**
 * By `ids`: ARNs are ALB/NLB/GWLB; a bare name may be either generation, so both are asked.
 * By `instanceIds`: the classic load balancers those instances are registered with.
 */
export async function describeLoadBalancers(ctx: Ctx, scope: Scope, q: { ids?: string[]; instanceIds?: string[] }): Promise<LoadBalancer[]> {
  const v2: SdkLoadBalancer[] = [];
  const classic: LoadBalancerDescription[] = [];
  if (q.ids?.length) {
    const ids = [...new Set(q.ids)];
    const arns = ids.filter((i) => i.startsWith("arn:"));
    const names = ids.filter((i) => !i.startsWith("arn:"));
    const [byArn, byName, classicByName] = await Promise.all([
      arns.length ? describeV2(ctx, scope, "LoadBalancerArns", arns) : [],
      names.length ? describeV2(ctx, scope, "Names", names) : [],
      names.length ? describeClassic(ctx, scope, names) : [],
    ]);
    v2.push(...byArn, ...byName);
    classic.push(...classicByName);
  }
  if (q.instanceIds?.length) {
    const wanted = new Set(q.instanceIds);
    const all = await describeClassic(ctx, scope, undefined);
    classic.push(...all.filter((lb) => (lb.Instances ?? []).some((i) => i.InstanceId && wanted.has(i.InstanceId))));
  }
  const v2Unique = [...new Map(v2.filter((l) => l.LoadBalancerArn).map((l) => [l.LoadBalancerArn!, l])).values()];
  const classicUnique = [...new Map(classic.filter((l) => l.LoadBalancerName).map((l) => [l.LoadBalancerName!, l])).values()];
  const [t2, tc] = await Promise.all([
    v2Unique.length ? tagsV2(ctx, scope, v2Unique.map((l) => l.LoadBalancerArn!)) : new Map<string, Tags>(),
    classicUnique.length ? tagsClassic(ctx, scope, classicUnique.map((l) => l.LoadBalancerName!)) : new Map<string, Tags>(),
  ]);
  return [
    ...v2Unique.map((l) => toLoadBalancerV2(l, t2.get(l.LoadBalancerArn!) ?? {})),
    ...classicUnique.map((l) => toClassic(l, tc.get(l.LoadBalancerName!) ?? {})),
  ];
}

export async function deregisterFromClassicLoadBalancer(ctx: Ctx, scope: Scope, name: string, instanceIds: string[]): Promise<void> {
  if (instanceIds.length === 0) return;
  await ctx.session.run("elb.DeregisterInstancesFromLoadBalancer", target(ctx, scope), (elb) =>
    elb.send(new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: name, Instances: instanceIds.map((InstanceId) => ({ InstanceId })) })),
  );
}

export async function registerWithClassicLoadBalancer(ctx: Ctx, scope: Scope, name: string, instanceIds: string[]): Promise<void> {
  if (instanceIds.length === 0) return;
  await ctx.session.run("elb.RegisterInstancesWithLoadBalancer", target(ctx, scope), (elb) =>
    elb.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: name, Instances: instanceIds.map((InstanceId) => ({ InstanceId })) })),
  );
}
