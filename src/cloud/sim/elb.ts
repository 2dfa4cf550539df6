/**
 * The simulated Elastic Load Balancing calls: the target groups holding a target, describe load
 * balancers, register and deregister targets (matched on id and port, as AWS does) and classic
 * load balancer instances.
 */
import type { LoadBalancer, Scope, TargetGroup } from "../model.ts";
import { invalid, notFound, type SimCore } from "./core.ts";
import { addTargetIndex, type RegionState } from "./state.ts";
import { lbView, tgView } from "./views.ts";

export function targetGroupsOf(api: SimCore, scope: Scope, targetIds: string[]): TargetGroup[] {
  const rs = api.region(scope, "elasticloadbalancing:DescribeTargetGroups");
  const arns = new Set<string>();
  if (api.indexed) for (const id of targetIds) for (const arn of rs.tgsByTarget.get(id) ?? []) arns.add(arn);
  else for (const tg of rs.tgs.values()) if (tg.targets.some((t) => targetIds.includes(t.id))) arns.add(tg.arn);
  return [...arns].flatMap((arn) => {
    const tg = rs.tgs.get(arn);
    return tg && tg.targets.some((t) => targetIds.includes(t.id)) ? [tgView(rs, tg)] : [];
  });
}

export function describeLoadBalancers(api: SimCore, scope: Scope, q: { ids?: string[]; instanceIds?: string[] }): LoadBalancer[] {
  const rs = api.region(scope, "elasticloadbalancing:DescribeLoadBalancers");
  const out: LoadBalancer[] = [];
  for (const lb of rs.lbs.values()) {
    if (q.ids && !q.ids.includes(lb.id) && !q.ids.includes(lb.name)) continue;
    if (q.instanceIds && !(lb.type === "classic" && lb.instanceIds.some((i) => q.instanceIds!.includes(i)))) continue;
    out.push(lbView(lb));
  }
  return out;
}

function targetGroup(rs: RegionState, arn: string, action: string) {
  const tg = rs.tgs.get(arn);
  if (!tg) throw notFound("TargetGroupNotFound", `target group '${arn}' not found`, action, rs);
  return tg;
}

/**
 * DeregisterTargets matches (id, port), the port defaulting to the group's: a target registered
 * on another port is left in place and AWS still answers 200, so the caller must pass the port.
 */
export function deregisterTargets(api: SimCore, scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): void {
  const action = "elasticloadbalancing:DeregisterTargets";
  const rs = api.region(scope, action);
  const tg = targetGroup(rs, targetGroupArn, action);
  const matches = (t: { id: string; port?: number }, x: { id: string; port?: number }) => t.id === x.id && (x.port ?? tg.port) === (t.port ?? tg.port);
  tg.targets = tg.targets.filter((t) => !targets.some((x) => matches(t, x)));
  for (const x of targets) if (!tg.targets.some((t) => t.id === x.id)) rs.tgsByTarget.get(x.id)?.delete(tg.arn);
  api.log(rs, "DeregisterTargets", { targetGroupArn, targets });
}

export function registerTargets(api: SimCore, scope: Scope, targetGroupArn: string, targets: { id: string; port?: number }[]): void {
  const action = "elasticloadbalancing:RegisterTargets";
  const rs = api.region(scope, action);
  const tg = targetGroup(rs, targetGroupArn, action);
  if (tg.targetType === "instance")
    for (const x of targets) {
      const rec = rs.instances.get(x.id);
      if (!rec) throw invalid("InvalidTarget", `the following targets are not valid: ${x.id}`, action, scope);
      if (rec.state !== "running") throw invalid("InvalidTarget", `the following targets are not in a running state and cannot be registered: '${x.id}'`, action, scope);
      const vpc = rs.enis.get(rec.eniIds[0] ?? "")?.vpcId;
      if (tg.vpcId && vpc !== tg.vpcId) throw invalid("InvalidTarget", `the following targets are not in the target group VPC '${tg.vpcId}': '${x.id}'`, action, scope);
    }
  for (const x of targets) {
    const port = x.port ?? tg.port;
    if (tg.targets.some((t) => t.id === x.id && (t.port ?? tg.port) === port)) continue;
    tg.targets.push({ id: x.id, health: "healthy", ...(port !== undefined ? { port } : {}) });
    addTargetIndex(rs, x.id, tg.arn);
  }
  api.log(rs, "RegisterTargets", { targetGroupArn, targets });
}

function classic(rs: RegionState, name: string, action: string) {
  const lb = rs.lbs.get(name);
  if (!lb || lb.type !== "classic") throw notFound("LoadBalancerNotFound", `there is no ACTIVE load balancer named '${name}'`, action, rs);
  return lb;
}

export function deregisterFromClassicLoadBalancer(api: SimCore, scope: Scope, loadBalancerName: string, instanceIds: string[]): void {
  const action = "elasticloadbalancing:DeregisterInstancesFromLoadBalancer";
  const rs = api.region(scope, action);
  const lb = classic(rs, loadBalancerName, action);
  for (const id of instanceIds) if (!rs.instances.has(id)) throw invalid("InvalidInstance", `the specified instance '${id}' does not exist`, action, scope);
  lb.instanceIds = lb.instanceIds.filter((id) => !instanceIds.includes(id));
  api.log(rs, "DeregisterInstancesFromLoadBalancer", { loadBalancerName, instances: instanceIds.map((instanceId) => ({ instanceId })) });
}

export function registerWithClassicLoadBalancer(api: SimCore, scope: Scope, loadBalancerName: string, instanceIds: string[]): void {
  const action = "elasticloadbalancing:RegisterInstancesWithLoadBalancer";
  const rs = api.region(scope, action);
  const lb = classic(rs, loadBalancerName, action);
  for (const id of instanceIds) {
    const rec = rs.instances.get(id);
    if (!rec) throw invalid("InvalidInstance", `the specified instance '${id}' does not exist`, action, scope);
    const vpc = rs.enis.get(rec.eniIds[0] ?? "")?.vpcId;
    if (lb.vpcId && vpc !== lb.vpcId) throw invalid("InvalidInstance", `instance '${id}' is not in the load balancer's VPC ${lb.vpcId}`, action, scope);
  }
  for (const id of instanceIds) if (!lb.instanceIds.includes(id)) lb.instanceIds.push(id);
  api.log(rs, "RegisterInstancesWithLoadBalancer", { loadBalancerName, instances: instanceIds.map((instanceId) => ({ instanceId })) });
}
