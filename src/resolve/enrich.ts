/**
 * Wave 2: what was found, enriched with what a responder needs to contain it: an instance's ENIs,
 * groups and rules, subnet, VPC, ACL, Auto Scaling group, target groups, classic LBs, SSM and
 * Elastic IPs (one call per kind for all the instances of a region asked in the same tick); a
 * standalone ENI's groups, subnet and ACL; and the global references (IAM, S3, CloudFront) per
 * account. The Resolved shapes of each kind are built here, once.
 */
import type { ElasticIp, IamUser, Instance, LoadBalancer, NatGateway, NetworkAcl, NetworkInterface, Scope, SecurityGroup, Subnet } from "../cloud/model.ts";
import { ownershipOf } from "./ownership.ts";
import type { Ref } from "./refs.ts";
import { key, uniq, valueOr, type InstanceResolved, type ScopeHits, type Search } from "./search.ts";
import type { EnrichedInterface, Finding, Resolved } from "./types.ts";

type Resource<T extends Resolved["type"]> = Extract<Resolved, { type: T }>;

/** An ENI with the security groups it names (those that could be read). */
const withGroups = (eni: NetworkInterface, groups: SecurityGroup[]): EnrichedInterface => ({ ...eni, securityGroups: eni.groupIds.map((g) => groups.find((x) => x.groupId === g)).filter((g): g is SecurityGroup => !!g) });

export const eipResolved = (scope: Scope, eip: ElasticIp): Resource<"elastic-ip"> => ({ type: "elastic-ip", id: eip.allocationId, accountId: scope.accountId, region: scope.region, address: eip, ownership: ownershipOf(eip.tags), tags: eip.tags });
export const natResolved = (scope: Scope, nat: NatGateway, subnet: Subnet | undefined): Resource<"nat-gateway"> => ({ type: "nat-gateway", id: nat.natGatewayId, accountId: scope.accountId, region: scope.region, natGateway: nat, ...(subnet ? { subnet } : {}), ownership: ownershipOf(nat.tags), tags: nat.tags });
export const lbResolved = (scope: Scope, lb: LoadBalancer): Resource<"load-balancer"> => ({ type: "load-balancer", id: lb.id, accountId: scope.accountId, region: scope.region, loadBalancer: lb, ownership: ownershipOf(lb.tags), tags: lb.tags });

/**
 * Enriched instances of one region, memoised. Requests made in the same tick (every reference
 * of a notice asks at once) join one batch: one call per kind for all of them.
 */
export function enrichInstances(s: Search, scope: Scope, ids: string[], known: Map<string, Instance>): Promise<Map<string, InstanceResolved>> {
  const k = key(scope);
  for (const id of uniq(ids)) {
    if (s.enriched.has(`${k}|${id}`)) continue;
    let batch = s.pending.get(k);
    if (!batch) {
      let start!: (m: Promise<Map<string, InstanceResolved>>) => void;
      const result = new Promise<Map<string, InstanceResolved>>((r) => (start = r));
      const b = { ids: new Set<string>(), known: new Map<string, Instance>(), result };
      s.pending.set(k, (batch = b));
      queueMicrotask(() => {
        s.pending.delete(k);
        start(enrichBatch(s, scope, [...b.ids], b.known));
      });
    }
    batch.ids.add(id);
    const inst = known.get(id);
    if (inst) batch.known.set(id, inst);
    s.enriched.set(`${k}|${id}`, batch.result.then((m) => m.get(id) ?? null));
  }
  return Promise.all(uniq(ids).map(async (id) => [id, await s.enriched.get(`${k}|${id}`)!] as const)).then(
    (pairs) => new Map(pairs.filter((p): p is readonly [string, InstanceResolved] => p[1] !== null)),
  );
}

/** One enriched instance of a region, or undefined when it could not be read (or is gone). */
export async function enrichInstance(s: Search, scope: Scope, id: string, known: Map<string, Instance> = new Map()): Promise<InstanceResolved | undefined> {
  return (await enrichInstances(s, scope, [id], known)).get(id);
}

async function enrichBatch(s: Search, scope: Scope, ids: string[], known: Map<string, Instance>): Promise<Map<string, InstanceResolved>> {
  const p = s.port;
  const missing = ids.filter((id) => !known.has(id));
  const instances = new Map(ids.filter((id) => known.has(id)).map((id) => [id, known.get(id)!]));
  if (missing.length > 0) {
    const r = await s.call(scope, () => p.describeInstances(scope, { instanceIds: missing }));
    if (r.ok) for (const i of r.value) instances.set(i.instanceId, i);
  }
  const list = [...instances.values()];
  if (list.length === 0) return new Map();
  s.progress("enrich", `enriching ${list.length} instance(s) in ${key(scope)}`, scope);
  const iids = list.map((i) => i.instanceId);
  const groupIds = uniq(list.flatMap((i) => i.securityGroupIds));
  const subnetIds = uniq(list.flatMap((i) => (i.subnetId ? [i.subnetId] : [])));
  const vpcIds = uniq(list.flatMap((i) => (i.vpcId ? [i.vpcId] : [])));
  const targetIds = uniq([...iids, ...list.flatMap((i) => (i.privateIpAddress ? [i.privateIpAddress] : []))]);
  const [enis, groups, subnets, vpcs, acls, asgs, tgs, clbs, ssm, eips] = await Promise.all([
    s.call(scope, () => p.describeNetworkInterfaces(scope, { instanceIds: iids })).then((r) => valueOr(r, [])),
    groupIds.length ? s.call(scope, () => p.describeSecurityGroups(scope, groupIds)).then((r) => valueOr(r, [])) : ([] as SecurityGroup[]),
    subnetIds.length ? s.call(scope, () => p.describeSubnets(scope, subnetIds)).then((r) => valueOr(r, [])) : ([] as Subnet[]),
    vpcIds.length ? s.call(scope, () => p.describeVpcs(scope, vpcIds)).then((r) => valueOr(r, [])) : [],
    subnetIds.length ? s.call(scope, () => p.describeNetworkAcls(scope, { subnetIds })).then((r) => valueOr(r, [])) : [],
    s.call(scope, () => p.autoScalingGroupsOf(scope, iids), "autoscaling").then((r) => valueOr(r, [])),
    s.call(scope, () => p.targetGroupsOf(scope, targetIds), "elasticloadbalancing").then((r) => valueOr(r, [])),
    s.call(scope, () => p.describeLoadBalancers(scope, { instanceIds: iids }), "elasticloadbalancing").then((r) => valueOr(r, [])),
    s.call(scope, () => p.ssmManagedInstances(scope, iids), "ssm").then((r) => valueOr(r, [])),
    s.call(scope, () => p.describeAddresses(scope, { instanceIds: iids })).then((r) => valueOr(r, [])),
  ]);
  // An instance's groups are the union of its ENIs' groups; should an ENI carry one the instance view lacked, read it (one more round, only then).
  const moreGroups = uniq(enis.flatMap((e) => e.groupIds)).filter((g) => !groups.some((x) => x.groupId === g));
  if (moreGroups.length) groups.push(...(await s.call(scope, () => p.describeSecurityGroups(scope, moreGroups)).then((r) => valueOr(r, [] as SecurityGroup[]))));
  const out = new Map<string, InstanceResolved>();
  for (const inst of list) {
    const mine = enis.filter((e) => e.attachment?.instanceId === inst.instanceId).sort((a, b) => (a.attachment?.deviceIndex ?? 0) - (b.attachment?.deviceIndex ?? 0));
    const interfaces = mine.map((e) => withGroups(e, groups));
    const subnet = subnets.find((x) => x.subnetId === inst.subnetId);
    const asg = asgs.find((g) => g.instances.some((m) => m.instanceId === inst.instanceId));
    const publicIps = uniq([...(inst.publicIpAddress ? [inst.publicIpAddress] : []), ...mine.flatMap((e) => e.associations.map((a) => a.publicIp))]);
    const r: InstanceResolved = {
      type: "ec2-instance",
      id: inst.instanceId,
      accountId: scope.accountId,
      region: scope.region,
      instance: inst,
      interfaces,
      targetGroups: tgs.filter((tg) => tg.targets.some((x) => x.id === inst.instanceId || x.id === inst.privateIpAddress)),
      classicLoadBalancers: clbs.filter((lb) => lb.instanceIds?.includes(inst.instanceId)),
      publicIps,
      elasticIps: eips.filter((a) => a.instanceId === inst.instanceId),
      ownership: ownershipOf(inst.tags, asg?.tags),
      tags: inst.tags,
    };
    const vpc = vpcs.find((v) => v.vpcId === inst.vpcId);
    if (vpc) r.vpc = vpc;
    if (subnet) r.subnet = subnet;
    const acl = acls.find((a) => a.subnetIds.includes(inst.subnetId ?? ""));
    if (acl) r.networkAcl = acl;
    if (asg) r.autoScalingGroup = asg;
    const managed = ssm.find((m) => m.instanceId === inst.instanceId);
    if (managed) r.ssm = managed;
    out.set(inst.instanceId, r);
  }
  return out;
}

export interface EniContext {
  interfaces: Map<string, EnrichedInterface>;
  subnets: Map<string, Subnet>;
  acls: Map<string, NetworkAcl>;
}

/** Groups, subnet and ACL of standalone ENIs (a NAT gateway's, a load balancer's, Lambda's, a named one). */
export async function enrichEnis(s: Search, scope: Scope, enis: NetworkInterface[]): Promise<EniContext> {
  const p = s.port;
  const groupIds = uniq(enis.flatMap((e) => e.groupIds));
  const subnetIds = uniq(enis.map((e) => e.subnetId));
  const [groups, subnets, acls] = await Promise.all([
    groupIds.length ? s.call(scope, () => p.describeSecurityGroups(scope, groupIds)).then((r) => valueOr(r, [])) : [],
    subnetIds.length ? s.call(scope, () => p.describeSubnets(scope, subnetIds)).then((r) => valueOr(r, [])) : [],
    subnetIds.length ? s.call(scope, () => p.describeNetworkAcls(scope, { subnetIds })).then((r) => valueOr(r, [])) : [],
  ]);
  const interfaces = new Map(enis.map((e) => [e.networkInterfaceId, withGroups(e, groups)]));
  const aclBySubnet = new Map<string, NetworkAcl>();
  for (const a of acls) for (const x of a.subnetIds) aclBySubnet.set(x, a);
  return { interfaces, subnets: new Map(subnets.map((x) => [x.subnetId, x])), acls: aclBySubnet };
}

/** A standalone ENI as a resource, from what enrichEnis read for it. */
export function eniResolved(scope: Scope, eni: NetworkInterface, read: EniContext): Resource<"network-interface"> {
  const subnet = read.subnets.get(eni.subnetId);
  const acl = read.acls.get(eni.subnetId);
  return {
    type: "network-interface",
    id: eni.networkInterfaceId,
    accountId: scope.accountId,
    region: scope.region,
    networkInterface: read.interfaces.get(eni.networkInterfaceId)!,
    ...(subnet ? { subnet } : {}),
    ...(acl ? { networkAcl: acl } : {}),
    ownership: ownershipOf(eni.tags),
    tags: eni.tags,
  };
}

/** A standalone ENI, enriched, as a resource. */
export async function enrichEni(s: Search, scope: Scope, eni: NetworkInterface): Promise<Resource<"network-interface">> {
  return eniResolved(scope, eni, await enrichEnis(s, scope, [eni]));
}

/** ENI, Elastic IP allocation, NAT gateway or load balancer named by id, found in one region. */
export async function resolveOther(s: Search, hits: ScopeHits, ref: Ref, f: Finding): Promise<void> {
  const scope = hits.scope;
  if (ref.type === "network-interface") {
    const eni = hits.eniById.get(ref.id)!;
    f.resources.push(await enrichEni(s, scope, eni));
    if (eni.attachment?.instanceId) {
      const r = await enrichInstance(s, scope, eni.attachment.instanceId, hits.instances);
      if (r) f.resources.push(r);
    }
  } else if (ref.type === "elastic-ip") {
    const eip = hits.eipByAlloc.get(ref.id)!;
    f.resources.push(eipResolved(scope, eip));
    if (eip.instanceId) {
      const r = await enrichInstance(s, scope, eip.instanceId, hits.instances);
      if (r) f.resources.push(r);
    }
  } else if (ref.type === "nat-gateway") {
    const nat = hits.natById.get(ref.id)!;
    const r = await s.call(scope, () => s.port.describeSubnets(scope, [nat.subnetId]));
    f.resources.push(natResolved(scope, nat, r.ok ? r.value[0] : undefined));
  } else if (ref.type === "load-balancer") {
    f.resources.push(lbResolved(scope, hits.lbById.get(ref.id)!));
  }
}

/**
 * A global reference (access key, IAM user, bucket, distribution) in one account. An IAM user
 * alone is no resource to contain (there is no Resolved type for it, and a plan must not invent an
 * access key): it is returned to be said in words; its keys are resolved when the notice names them.
 */
export async function resolveGlobal(s: Search, ref: Ref, f: Finding, accountId: string): Promise<IamUser | undefined> {
  const port = s.port;
  const scope = { accountId };
  const searchedHere = () => s.markSearched(ref, { accountId, region: "global" });
  if (ref.type === "access-key") {
    const r = await s.call(scope, () => port.findAccessKey(accountId, ref.id), "iam");
    if (!r.ok) return;
    searchedHere();
    if (!r.value) return;
    const k = r.value;
    const u = await s.call(scope, () => port.getIamUser(accountId, k.userName), "iam");
    const user = u.ok ? u.value : null;
    f.resources.push({ type: "access-key", id: ref.id, accountId, region: "global", accessKey: k, user, ownership: ownershipOf(user?.tags), tags: user?.tags ?? {} });
  } else if (ref.type === "iam-user") {
    const r = await s.call(scope, () => port.getIamUser(accountId, ref.id), "iam");
    if (!r.ok) return;
    searchedHere();
    return r.value ?? undefined;
  } else if (ref.type === "s3-bucket") {
    const r = await s.call(scope, () => port.getBucket(accountId, ref.id), "s3");
    if (!r.ok) return;
    searchedHere();
    if (r.value) f.resources.push({ type: "s3-bucket", id: ref.id, accountId, region: r.value.region, bucket: r.value, ownership: ownershipOf(r.value.tags), tags: r.value.tags });
  } else if (ref.type === "cloudfront-distribution") {
    const r = await s.call(scope, () => port.getDistribution(accountId, ref.id), "cloudfront");
    if (!r.ok) return;
    searchedHere();
    if (r.value) f.resources.push({ type: "cloudfront-distribution", id: ref.id, accountId, region: "global", distribution: r.value, ownership: ownershipOf(r.value.tags), tags: r.value.tags });
  }
  return undefined;
}
