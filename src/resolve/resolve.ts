/**
 * Resolution: a Notice in, the implicated resources out, found in every account and region the
 * port reaches, enriched with what a responder needs to contain them.
 *
 * The work runs in waves of parallel calls, so the wall time is a few round trips whatever the
 * number of regions: (0) the enabled regions of each account, when some reference has no region;
 * (1) locate every reference in every region to search, one batched call per kind per region;
 * (2) enrich what was found (ENIs, groups and rules, subnet, VPC, ACL, Auto Scaling group, target
 * groups, classic LBs, SSM, Elastic IPs) and read CloudTrail for the history of public IPs;
 * (3) only when needed: the instance that held an IP at the time, or a secondary ENI's subnet.
 * Calls are capped per account/region (AWS throttles there) and overall.
 *
 * Nothing here throws on a cloud failure: an account or region that can't be searched becomes a
 * gap (access denied names the IAM action, each gap says its fix), and a reference found nowhere
 * says where it was looked for. A reference that is in none of the places read while a place it
 * could be in was not read is "not-searched", never "not-found" (src/resolve/outcome.ts).
 */
import { CloudError } from "../cloud/errors.ts";
import { DEFAULT_REGIONS, type ElasticIp, type IamUser, type Instance, type LoadBalancer, type NatGateway, type NetworkAcl, type NetworkInterface, type Scope, type SecurityGroup, type Subnet, type TrailEvent } from "../cloud/model.ts";
import type { CloudReader } from "../cloud/port.ts";
import type { Notice } from "../notice/types.ts";
import type { AddressAt, AddressHolding } from "../case/address-history.ts";
import { ADDRESS_EVENTS, describeTimeline, holdersDuring, INSTANCE_EVENTS, ipTimeline, t, type IpTimeline } from "./history.ts";
import { Limiter } from "./limiter.ts";
import { describeOwnership, ownershipOf } from "./ownership.ts";
import { collectRefs, type Ref } from "./refs.ts";
import { placeOf, searchOutcome } from "./outcome.ts";
import type { EnrichedInterface, Finding, IpHistory, Resolution, Resolved, ResolveOptions, ResolveProgress } from "./types.ts";

type InstanceResolved = Extract<Resolved, { type: "ec2-instance" }>;
type Gap = Resolution["gaps"][number];

const DAY = 86_400_000;
/** CloudTrail LookupEvents keeps 90 days. */
const TRAIL_DAYS = 90;

const key = (s: Scope) => `${s.accountId}/${s.region}`;
const uniq = <T>(xs: Iterable<T>) => [...new Set(xs)];

type LookupKind = "instances" | "ips" | "enis" | "nats" | "allocs" | "lbs";

/** What one region answered for the references located there. */
interface ScopeHits {
  scope: Scope;
  /** Asked before DescribeRegions answered (a default region): kept only if the account's regions include it. */
  speculative: boolean;
  /** Which kinds of lookup succeeded (a failed one makes the region a gap for that kind, not a "not found"). */
  ok: Set<LookupKind>;
  instances: Map<string, Instance>;
  /** Public IP -> the instance whose primary public IP it is. */
  instanceByIp: Map<string, Instance>;
  /** Public IP -> the ENI holding it. */
  eniByIp: Map<string, NetworkInterface>;
  eniById: Map<string, NetworkInterface>;
  eipByIp: Map<string, ElasticIp>;
  eipByAlloc: Map<string, ElasticIp>;
  natById: Map<string, NatGateway>;
  lbById: Map<string, LoadBalancer>;
}

interface Want {
  instanceIds: Set<string>;
  ips: Set<string>;
  eniIds: Set<string>;
  natIds: Set<string>;
  allocIds: Set<string>;
  lbIds: Set<string>;
}

const emptyWant = (): Want => ({ instanceIds: new Set(), ips: new Set(), eniIds: new Set(), natIds: new Set(), allocIds: new Set(), lbIds: new Set() });

/** What a service-managed ENI's description says about its owner. */
function managedOwner(eni: NetworkInterface): { kind: "nat-gateway" | "load-balancer" | "lambda" | "other"; name?: string } {
  const d = eni.description;
  let m = /Interface for NAT Gateway (nat-[0-9a-f]+)/.exec(d);
  if (m || eni.interfaceType === "nat_gateway") return { kind: "nat-gateway", ...(m ? { name: m[1]! } : {}) };
  m = /^ELB (?:(?:app|net|gwy)\/)?([A-Za-z0-9-]+)/.exec(d);
  if (m) return { kind: "load-balancer", name: m[1]! };
  m = /^AWS Lambda VPC ENI-(.+?)(?:-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}|-[0-9a-f]{6,})?$/.exec(d);
  if (m || eni.interfaceType === "lambda") return { kind: "lambda", ...(m ? { name: m[1]! } : {}) };
  return { kind: "other" };
}

function openRules(groups: SecurityGroup[]): string[] {
  const out: string[] = [];
  for (const g of groups)
    for (const r of g.rules) {
      if (r.direction !== "ingress" || (r.cidrIpv4 !== "0.0.0.0/0" && r.cidrIpv6 !== "::/0")) continue;
      const what = r.protocol === "-1" ? "all traffic" : r.fromPort === undefined ? r.protocol : r.fromPort === r.toPort ? `${r.protocol}/${r.fromPort}` : `${r.protocol}/${r.fromPort}-${r.toPort}`;
      const s = `${g.groupId} (${g.groupName}) is open to the world on ${what}`;
      if (!out.includes(s)) out.push(s);
    }
  return out;
}

class Run {
  readonly gaps: Gap[] = [];
  /** Failures of speculative calls, held until DescribeRegions says whether the region is enabled at all. */
  readonly held: { accountId: string; region?: string; error: unknown }[] = [];

  /** A speculative failure is a gap only in a region the account has enabled (unknown: any failure but "not enabled"). */
  async releaseHeld(): Promise<void> {
    const held = this.held.splice(0);
    for (const h of held) {
      const enabled = await this.regionsOf(h.accountId);
      const disabled = h.error instanceof CloudError && h.error.kind === "region-disabled";
      if (enabled ? h.region !== undefined && enabled.includes(h.region) : !disabled) this.gap(h.accountId, h.region, reasonOf(h.error, h));
    }
  }

  /** Findings whose IP is not (or no longer) with what held it during the activity. */
  readonly moved = new Set<Finding>();
  private readonly gapKeys = new Set<string>();
  private readonly limiter: Limiter;
  private callsStarted = 0;
  private callsDone = 0;
  private readonly regionCache = new Map<string, Promise<string[] | null>>();
  /** CloudTrail reads, by region and query: every IP reference of a region asks the same question. */
  private readonly trailCache = new Map<string, Promise<(TrailEvent & { accountId: string })[] | null>>();
  private readonly enriched = new Map<string, Promise<InstanceResolved | null>>();
  private readonly pending = new Map<string, { ids: Set<string>; known: Map<string, Instance>; result: Promise<Map<string, InstanceResolved>> }>();
  readonly now: Date;

  constructor(
    readonly port: CloudReader,
    readonly opts: ResolveOptions,
  ) {
    this.limiter = new Limiter(opts.concurrency ?? 8, opts.totalConcurrency ?? 64);
    this.now = opts.now ?? new Date();
  }

  progress(phase: ResolveProgress["phase"], message: string, scope?: Partial<Scope>): void {
    this.opts.onProgress?.({ phase, message, ...(scope?.accountId ? { accountId: scope.accountId } : {}), ...(scope?.region ? { region: scope.region } : {}), callsDone: this.callsDone, callsStarted: this.callsStarted });
  }

  gap(accountId: string, region: string | undefined, why: Omit<Gap, "accountId" | "region">): void {
    const k = `${accountId}|${region ?? ""}|${why.reason}`;
    if (this.gapKeys.has(k)) return;
    this.gapKeys.add(k);
    this.gaps.push({ accountId, ...(region ? { region } : {}), ...why });
  }

  /**
   * One port call under the limiter; a failure becomes a gap and `{ ok: false }`. The failure of a
   * speculative call (a default region searched before DescribeRegions answered) is held until the
   * enabled regions are known: in a region the account has not enabled (another partition) it is no gap.
   */
  async call<T>(where: { accountId: string; region?: string }, fn: () => Promise<T>, service = "ec2", speculative = false): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    // AWS's request rates are per account, region and service: cap there.
    return this.limiter.run(`${where.accountId}/${where.region ?? "global"}/${service}`, async () => {
      this.callsStarted++;
      try {
        return { ok: true as const, value: await fn() };
      } catch (error) {
        if (speculative) this.held.push({ accountId: where.accountId, region: where.region, error });
        else this.gap(where.accountId, where.region, reasonOf(error, where));
        return { ok: false as const, error };
      } finally {
        this.callsDone++;
        this.progress("locate", `${this.callsDone} calls done`, where);
      }
    });
  }

  regionsOf(accountId: string): Promise<string[] | null> {
    let p = this.regionCache.get(accountId);
    if (!p) {
      p = this.call({ accountId }, () => this.port.regions(accountId)).then((r) => (r.ok ? r.value : null));
      this.regionCache.set(accountId, p);
    }
    return p;
  }

  // ---- wave 1: locate ----------------------------------------------------------------------

  async locate(scope: Scope, want: Want, speculative = false): Promise<ScopeHits> {
    const hits: ScopeHits = {
      scope,
      speculative,
      ok: new Set(),
      instances: new Map(),
      instanceByIp: new Map(),
      eniByIp: new Map(),
      eniById: new Map(),
      eipByIp: new Map(),
      eipByAlloc: new Map(),
      natById: new Map(),
      lbById: new Map(),
    };
    const p = this.port;
    const searches: Promise<void>[] = [];
    /** One lookup: records what it found; says whether it succeeded (a failure is already a gap, or held). */
    const ask = <T>(fn: () => Promise<T[]>, record: (item: T) => void, service = "ec2"): Promise<boolean> =>
      this.call(scope, fn, service, speculative).then((r) => {
        if (r.ok) for (const item of r.value) record(item);
        return r.ok;
      });
    /** A kind of reference counts as searched here when every one of its lookups succeeded. */
    const search = (kind: LookupKind, ...lookups: Promise<boolean>[]) =>
      searches.push(
        Promise.all(lookups).then((ok) => {
          if (ok.every(Boolean)) hits.ok.add(kind);
        }),
      );

    if (want.instanceIds.size > 0) search("instances", ask(() => p.describeInstances(scope, { instanceIds: [...want.instanceIds] }), (i) => hits.instances.set(i.instanceId, i)));
    const ips = [...want.ips];
    if (ips.length > 0)
      search(
        "ips",
        ask(
          () => p.describeInstances(scope, { publicIps: ips }),
          (i) => {
            hits.instances.set(i.instanceId, i);
            if (i.publicIpAddress) hits.instanceByIp.set(i.publicIpAddress, i);
          },
        ),
        ask(
          () => p.describeNetworkInterfaces(scope, { publicIps: ips }),
          (e) => {
            hits.eniById.set(e.networkInterfaceId, e);
            for (const ip of [...e.associations.map((a) => a.publicIp), ...e.ipv6Addresses]) if (want.ips.has(ip)) hits.eniByIp.set(ip, e);
          },
        ),
        ask(
          () => p.describeAddresses(scope, { publicIps: ips }),
          (a) => {
            hits.eipByIp.set(a.publicIp, a);
            hits.eipByAlloc.set(a.allocationId, a);
          },
        ),
      );
    if (want.eniIds.size > 0) search("enis", ask(() => p.describeNetworkInterfaces(scope, { networkInterfaceIds: [...want.eniIds] }), (e) => hits.eniById.set(e.networkInterfaceId, e)));
    if (want.natIds.size > 0) search("nats", ask(() => p.describeNatGateways(scope, { natGatewayIds: [...want.natIds] }), (n) => hits.natById.set(n.natGatewayId, n)));
    if (want.allocIds.size > 0)
      search(
        "allocs",
        ask(
          () => p.describeAddresses(scope, { allocationIds: [...want.allocIds] }),
          (a) => {
            hits.eipByAlloc.set(a.allocationId, a);
            hits.eipByIp.set(a.publicIp, a);
          },
        ),
      );
    if (want.lbIds.size > 0)
      search(
        "lbs",
        ask(
          () => p.describeLoadBalancers(scope, { ids: [...want.lbIds] }),
          (lb) => {
            hits.lbById.set(lb.id, lb);
            hits.lbById.set(lb.name, lb);
          },
          "elasticloadbalancing",
        ),
      );
    await Promise.all(searches);
    return hits;
  }

  // ---- wave 2: enrich ----------------------------------------------------------------------

  /**
   * Enriched instances of one region, memoised. Requests made in the same tick (every reference
   * of a notice asks at once) join one batch: one call per kind for all of them.
   */
  enrichInstances(scope: Scope, ids: string[], known: Map<string, Instance>): Promise<Map<string, InstanceResolved>> {
    const k = key(scope);
    for (const id of uniq(ids)) {
      if (this.enriched.has(`${k}|${id}`)) continue;
      let batch = this.pending.get(k);
      if (!batch) {
        let start!: (m: Promise<Map<string, InstanceResolved>>) => void;
        const result = new Promise<Map<string, InstanceResolved>>((r) => (start = r));
        const b = { ids: new Set<string>(), known: new Map<string, Instance>(), result };
        this.pending.set(k, (batch = b));
        queueMicrotask(() => {
          this.pending.delete(k);
          start(this.enrichBatch(scope, [...b.ids], b.known));
        });
      }
      batch.ids.add(id);
      const inst = known.get(id);
      if (inst) batch.known.set(id, inst);
      this.enriched.set(`${k}|${id}`, batch.result.then((m) => m.get(id) ?? null));
    }
    return Promise.all(uniq(ids).map(async (id) => [id, await this.enriched.get(`${k}|${id}`)!] as const)).then(
      (pairs) => new Map(pairs.filter((p): p is readonly [string, InstanceResolved] => p[1] !== null)),
    );
  }

  private async enrichBatch(scope: Scope, ids: string[], known: Map<string, Instance>): Promise<Map<string, InstanceResolved>> {
    const p = this.port;
    const missing = ids.filter((id) => !known.has(id));
    const instances = new Map(ids.filter((id) => known.has(id)).map((id) => [id, known.get(id)!]));
    if (missing.length > 0) {
      const r = await this.call(scope, () => p.describeInstances(scope, { instanceIds: missing }));
      if (r.ok) for (const i of r.value) instances.set(i.instanceId, i);
    }
    const list = [...instances.values()];
    if (list.length === 0) return new Map();
    this.progress("enrich", `enriching ${list.length} instance(s) in ${key(scope)}`, scope);
    const iids = list.map((i) => i.instanceId);
    const groupIds = uniq(list.flatMap((i) => i.securityGroupIds));
    const subnetIds = uniq(list.flatMap((i) => (i.subnetId ? [i.subnetId] : [])));
    const vpcIds = uniq(list.flatMap((i) => (i.vpcId ? [i.vpcId] : [])));
    const targetIds = uniq([...iids, ...list.flatMap((i) => (i.privateIpAddress ? [i.privateIpAddress] : []))]);
    const val = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }, fallback: T): T => (r.ok ? r.value : fallback);
    const [enis, groups, subnets, vpcs, acls, asgs, tgs, clbs, ssm, eips] = await Promise.all([
      this.call(scope, () => p.describeNetworkInterfaces(scope, { instanceIds: iids })).then((r) => val(r, [])),
      groupIds.length ? this.call(scope, () => p.describeSecurityGroups(scope, groupIds)).then((r) => val(r, [])) : ([] as SecurityGroup[]),
      subnetIds.length ? this.call(scope, () => p.describeSubnets(scope, subnetIds)).then((r) => val(r, [])) : ([] as Subnet[]),
      vpcIds.length ? this.call(scope, () => p.describeVpcs(scope, vpcIds)).then((r) => val(r, [])) : [],
      subnetIds.length ? this.call(scope, () => p.describeNetworkAcls(scope, { subnetIds })).then((r) => val(r, [])) : [],
      this.call(scope, () => p.autoScalingGroupsOf(scope, iids), "autoscaling").then((r) => val(r, [])),
      this.call(scope, () => p.targetGroupsOf(scope, targetIds), "elasticloadbalancing").then((r) => val(r, [])),
      this.call(scope, () => p.describeLoadBalancers(scope, { instanceIds: iids }), "elasticloadbalancing").then((r) => val(r, [])),
      this.call(scope, () => p.ssmManagedInstances(scope, iids), "ssm").then((r) => val(r, [])),
      this.call(scope, () => p.describeAddresses(scope, { instanceIds: iids })).then((r) => val(r, [])),
    ]);
    // An instance's groups are the union of its ENIs' groups; should an ENI carry one the instance view lacked, read it (one more round, only then).
    const moreGroups = uniq(enis.flatMap((e) => e.groupIds)).filter((g) => !groups.some((x) => x.groupId === g));
    if (moreGroups.length) groups.push(...(await this.call(scope, () => p.describeSecurityGroups(scope, moreGroups)).then((r) => val(r, [] as SecurityGroup[]))));
    const out = new Map<string, InstanceResolved>();
    for (const inst of list) {
      const mine = enis.filter((e) => e.attachment?.instanceId === inst.instanceId).sort((a, b) => (a.attachment?.deviceIndex ?? 0) - (b.attachment?.deviceIndex ?? 0));
      const interfaces: EnrichedInterface[] = mine.map((e) => ({ ...e, securityGroups: e.groupIds.map((g) => groups.find((x) => x.groupId === g)).filter((g): g is SecurityGroup => !!g) }));
      const subnet = subnets.find((s) => s.subnetId === inst.subnetId);
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

  /** Groups, subnet and ACL of standalone ENIs (a NAT gateway's, a load balancer's, Lambda's, a named one). */
  async enrichEnis(scope: Scope, enis: NetworkInterface[]): Promise<{ interfaces: Map<string, EnrichedInterface>; subnets: Map<string, Subnet>; acls: Map<string, NetworkAcl> }> {
    const p = this.port;
    const groupIds = uniq(enis.flatMap((e) => e.groupIds));
    const subnetIds = uniq(enis.map((e) => e.subnetId));
    const [groups, subnets, acls] = await Promise.all([
      groupIds.length ? this.call(scope, () => p.describeSecurityGroups(scope, groupIds)).then((r) => (r.ok ? r.value : [])) : [],
      subnetIds.length ? this.call(scope, () => p.describeSubnets(scope, subnetIds)).then((r) => (r.ok ? r.value : [])) : [],
      subnetIds.length ? this.call(scope, () => p.describeNetworkAcls(scope, { subnetIds })).then((r) => (r.ok ? r.value : [])) : [],
    ]);
    const interfaces = new Map(enis.map((e) => [e.networkInterfaceId, { ...e, securityGroups: e.groupIds.map((g) => groups.find((x) => x.groupId === g)).filter((g): g is SecurityGroup => !!g) }]));
    const aclBySubnet = new Map<string, NetworkAcl>();
    for (const a of acls) for (const s of a.subnetIds) aclBySubnet.set(s, a);
    return { interfaces, subnets: new Map(subnets.map((s) => [s.subnetId, s])), acls: aclBySubnet };
  }

  /**
   * CloudTrail events of one region, from 90 days before the activity (or now) to now: the address
   * events of the whole region, or, given an instance id, that instance's launch and termination.
   * Memoised per run: the region-wide read names no address, and LookupEvents answers 2 requests a
   * second per region, so each question is asked once however many references need the answer.
   */
  trailEvents(scope: Scope, since: Date, instanceId?: string): Promise<(TrailEvent & { accountId: string })[] | null> {
    const start = new Date(Math.max(since.getTime() - TRAIL_DAYS * DAY, 0)).toISOString();
    const end = new Date(Math.max(this.now.getTime(), since.getTime())).toISOString();
    const k = `${key(scope)}|${start}|${end}|${instanceId ?? ""}`;
    let p = this.trailCache.get(k);
    if (!p) {
      const query = instanceId ? { start, end, resourceName: instanceId, eventNames: INSTANCE_EVENTS } : { start, end, eventNames: ADDRESS_EVENTS };
      p = this.call(scope, () => this.port.lookupEvents(scope, query), "cloudtrail").then((r) => (r.ok ? r.value.map((e) => ({ ...e, accountId: scope.accountId })) : null));
      this.trailCache.set(k, p);
    }
    return p;
  }
}

/** Why a place could not be read, what fixes it, and the error's kind: one Unsearched without its place. */
function reasonOf(error: unknown, where: { accountId: string; region?: string }): Omit<Gap, "accountId" | "region"> {
  if (error instanceof CloudError) {
    const cause = error.kind;
    switch (error.kind) {
      case "access-denied":
        return error.action === "sts:AssumeRole"
          ? { cause, reason: "access denied: sts:AssumeRole is not allowed (the role can't be assumed in this account)", fix: `let the caller assume the role in ${where.accountId}: its trust policy must name the caller (aws.assumeRole, docs/aws.md)` }
          : {
              cause,
              reason: `access denied: ${error.action ?? "an IAM action"} is not allowed (docs/iam/read-only-policy.json lists what resolution needs)`,
              fix: `grant ${error.action ?? "the actions of docs/iam/read-only-policy.json"} to the identity resolution runs as (docs/iam/read-only-policy.json)`,
            };
      case "region-disabled":
        return { cause, reason: `region ${error.region ?? where.region} is not enabled for the account`, fix: "none needed: a region the account has not enabled holds no resources" };
      case "unknown-account":
        return { cause, reason: `account ${where.accountId} is not reachable with these credentials`, fix: `list ${where.accountId} in aws.accounts with a role it lets you assume (aws.assumeRole, docs/aws.md), or run with that account's credentials` };
      case "throttled":
        return { cause, reason: `still throttled after retries (${error.action ?? "a call"}); try again or lower --concurrency`, fix: "run it again later, or with a lower --concurrency" };
      case "no-credentials":
        return { cause, reason: `no AWS credentials: ${error.message}`, fix: "give credentials: AWS_PROFILE or --profile, aws sso login, the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables, or an instance role (docs/aws.md)" };
      case "unavailable":
        return { cause, reason: `AWS did not answer (${error.action ?? "a call"}): ${error.message}`, fix: "check the network and AWS_ENDPOINT_URL (if set), then run it again" };
      default:
        return { cause, reason: error.message, fix: "run it again; if it persists, the message says what AWS refused" };
    }
  }
  return { cause: "unexpected", reason: `unexpected error: ${error instanceof Error ? error.message : String(error)}`, fix: "run it again; if it persists, report the error" };
}

function instanceSummary(r: InstanceResolved): string {
  const i = r.instance;
  const bits = [`${i.instanceId} in ${r.accountId}/${r.region}: ${i.state} ${i.instanceType}`];
  const own = describeOwnership(r.ownership);
  if (own) bits.push(own);
  if (r.autoScalingGroup) bits.push(`Auto Scaling group ${r.autoScalingGroup.name}`);
  if (r.targetGroups.length) bits.push(`target group${r.targetGroups.length > 1 ? "s" : ""} ${r.targetGroups.map((t) => t.name).join(", ")}`);
  if (r.classicLoadBalancers.length) bits.push(`classic LB ${r.classicLoadBalancers.map((l) => l.name).join(", ")}`);
  bits.push(`${r.interfaces.length || i.networkInterfaceIds.length} ENI${(r.interfaces.length || i.networkInterfaceIds.length) === 1 ? "" : "s"}`);
  if (r.publicIps.length) bits.push(`public IP ${r.publicIps.join(", ")}`);
  bits.push(r.ssm ? `SSM managed (${r.ssm.pingStatus})` : "not SSM managed");
  return bits.join(", ");
}

function where(searched: Finding["searched"]): string {
  if (searched.length === 0) return "nowhere (nothing could be searched)";
  const regions = uniq(searched.flatMap((s) => s.regions));
  const accounts = searched.map((s) => s.accountId);
  const regionText = regions.length === 1 ? regions[0] : `${regions.length} regions`;
  return `${accounts.length === 1 ? `account ${accounts[0]}` : `${accounts.length} accounts (${accounts.join(", ")})`}, ${regionText === "global" ? "IAM/S3/CloudFront" : regionText}`;
}

export async function resolveNotice(notice: Notice, port: CloudReader, opts: ResolveOptions = {}): Promise<Resolution> {
  const started = performance.now();
  const run = new Run(port, opts);
  const refs = collectRefs(notice);
  const findings = new Map<Ref, Finding>();
  const window = notice.window ?? { begin: null, end: null };
  const noticeRegions = uniq(notice.regions.filter((r) => r && r !== "global"));

  // ---- accounts -------------------------------------------------------------------------------
  run.progress("accounts", "choosing accounts");
  let accounts: string[];
  let listedAccounts: string[] | null = null;
  const listAccounts = async () => {
    if (listedAccounts) return listedAccounts;
    const r = await run.call({ accountId: "*" }, () => port.accounts());
    listedAccounts = r.ok ? r.value.map((a) => a.accountId) : [];
    return listedAccounts;
  };
  if (opts.accounts?.length) accounts = uniq(opts.accounts);
  else if (notice.accountIds.length) accounts = uniq(notice.accountIds);
  else accounts = await listAccounts();

  /** The regions to search first for a reference: `--regions`, the one beside it, or the notice's. */
  const namedRegions = (ref: Ref): string[] => (opts.regions?.length ? opts.regions : ref.region ? [ref.region] : noticeRegions);

  const located: ScopeHits[] = [];
  const searched = new Map<Ref, Map<string, Set<string>>>();
  const markSearched = (ref: Ref, s: Scope) => {
    let m = searched.get(ref);
    if (!m) searched.set(ref, (m = new Map()));
    let set = m.get(s.accountId);
    if (!set) m.set(s.accountId, (set = new Set()));
    set.add(s.region);
  };

  const regional = refs.filter((r) => ["ec2-instance", "public-ip", "elastic-ip", "network-interface", "nat-gateway", "load-balancer"].includes(r.type));
  let fellBack = false;
  const accountsOf = (ref: Ref) => (ref.accountId && !opts.accounts?.length && !fellBack ? [ref.accountId] : accounts);

  /** Locates refs in the regions `scopesOf` gives, one batched call per kind per region; records hits and where each ref was searched. */
  const locatePass = async (pass: Ref[], scopesOf: (ref: Ref, accountId: string) => Promise<string[]>, speculative = false) => {
    const wants = new Map<string, { scope: Scope; want: Want; refs: Set<Ref> }>();
    await Promise.all(
      pass.flatMap((ref) =>
        accountsOf(ref).map(async (accountId) => {
          for (const region of await scopesOf(ref, accountId)) {
            const scope = { accountId, region };
            let w = wants.get(key(scope));
            if (!w) wants.set(key(scope), (w = { scope, want: emptyWant(), refs: new Set() }));
            w.refs.add(ref);
            if (ref.type === "ec2-instance") w.want.instanceIds.add(ref.id);
            else if (ref.type === "public-ip") w.want.ips.add(ref.id);
            else if (ref.type === "elastic-ip") w.want.allocIds.add(ref.id);
            else if (ref.type === "network-interface") w.want.eniIds.add(ref.id);
            else if (ref.type === "nat-gateway") w.want.natIds.add(ref.id);
            else if (ref.type === "load-balancer") w.want.lbIds.add(ref.id);
          }
        }),
      ),
    );
    run.progress("locate", `searching ${wants.size} account/region${wants.size === 1 ? "" : "s"}`);
    const results = await Promise.all([...wants.values()].map(async (w) => ({ w, hits: await run.locate(w.scope, w.want, speculative) })));
    for (const { w, hits } of results) {
      located.push(hits);
      for (const ref of w.refs) {
        const kind = ref.type === "ec2-instance" ? "instances" : ref.type === "public-ip" ? "ips" : ref.type === "elastic-ip" ? "allocs" : ref.type === "network-interface" ? "enis" : ref.type === "nat-gateway" ? "nats" : "lbs";
        if (hits.ok.has(kind)) markSearched(ref, w.scope);
      }
    }
  };

  const foundIn = (ref: Ref): ScopeHits[] =>
    located.filter((h) => {
      switch (ref.type) {
        case "ec2-instance":
          return h.instances.has(ref.id);
        case "public-ip":
          return h.eniByIp.has(ref.id) || h.instanceByIp.has(ref.id) || h.eipByIp.has(ref.id);
        case "elastic-ip":
          return h.eipByAlloc.has(ref.id);
        case "network-interface":
          return h.eniById.has(ref.id);
        case "nat-gateway":
          return h.natById.has(ref.id);
        case "load-balancer":
          return h.lbById.has(ref.id);
        default:
          return false;
      }
    });

  // Pass 1: the regions the notice names. Where it names none: every enabled region, starting at
  // once in the default regions (they can't be disabled) while DescribeRegions lists the opt-in
  // ones, which are searched as soon as it answers. One round trip instead of two.
  const unplaced = (ref: Ref) => namedRegions(ref).length === 0;
  const defaults: readonly string[] = DEFAULT_REGIONS;
  const firstPass = async () => {
    const everywhere = regional.filter(unplaced);
    await Promise.all([
      locatePass(
        regional.filter((r) => !unplaced(r)),
        async (ref) => namedRegions(ref),
      ),
      locatePass(everywhere, async () => [...defaults], true),
      ...uniq(everywhere.flatMap(accountsOf)).map((a) =>
        run.regionsOf(a).then((enabled) =>
          locatePass(
            everywhere.filter((r) => accountsOf(r).includes(a)),
            async (_ref, accountId) => (accountId === a && enabled ? enabled.filter((x) => !defaults.includes(x)) : []),
          ),
        ),
      ),
    ]);
  };
  /**
   * The default regions were searched before the accounts' regions were known; what they found
   * counts only where the port's regions include them (another partition, or a port narrowed to
   * some regions by configuration, has not).
   */
  const dropUnlisted = async () => {
    for (const h of [...located]) {
      if (!h.speculative) continue;
      const listed = await run.regionsOf(h.scope.accountId);
      if (!listed || listed.includes(h.scope.region)) continue;
      located.splice(located.indexOf(h), 1);
      for (const ref of regional.filter(unplaced)) searched.get(ref)?.get(h.scope.accountId)?.delete(h.scope.region);
    }
  };
  await firstPass();
  await run.releaseHeld();
  await dropUnlisted();
  // When the notice named accounts this port can't reach at all, search the ones it can.
  const nothingFound = regional.every((r) => foundIn(r).length === 0);
  const unreachable = async () => (await Promise.all(accounts.map((a) => run.regionsOf(a)))).every((r) => r === null) && run.gaps.some((g) => /not reachable/.test(g.reason));
  if (!opts.accounts?.length && notice.accountIds.length && nothingFound && refs.some((r) => r.type !== "unsupported") && (await unreachable())) {
    const reachable = (await listAccounts()).filter((a) => !accounts.includes(a));
    if (reachable.length) {
      accounts = reachable;
      fellBack = true;
      await firstPass();
      await run.releaseHeld();
      await dropUnlisted();
    }
  }
  // Pass 2: not in the region the notice named: every other enabled region.
  const fallback = opts.regions?.length ? [] : regional.filter((ref) => foundIn(ref).length === 0 && (ref.region || noticeRegions.length));
  if (fallback.length) {
    run.progress("locate", `not where the notice says: searching every enabled region for ${fallback.length} reference(s)`);
    await locatePass(fallback, async (ref, accountId) => ((await run.regionsOf(accountId)) ?? []).filter((r) => !namedRegions(ref).includes(r)));
  }

  // ---- wave 2: enrich what was found, and read CloudTrail for public IPs -------------------
  const findingOf = (ref: Ref): Finding => {
    let f = findings.get(ref);
    if (!f) {
      f = { ref: { type: ref.noticeType === "elastic-ip" && ref.type === "public-ip" ? "elastic-ip" : ref.noticeType, id: ref.id, ...(ref.accountId ? { accountId: ref.accountId } : {}), ...(ref.region ? { region: ref.region } : {}), ...(ref.publicIp ? { publicIp: ref.publicIp } : {}) }, status: "not-found", summary: "", resources: [], searched: [] };
      findings.set(ref, f);
    }
    return f;
  };
  const note = (f: Finding, text: string) => {
    if (!(f.notes ??= []).includes(text)) f.notes.push(text);
  };

  const tasks: Promise<void>[] = [];
  const users = new Map<Finding, { accountId: string; user: IamUser }[]>();

  for (const ref of regional) {
    const f = findingOf(ref);
    const hitsList = foundIn(ref);
    for (const hits of hitsList) {
      const scope = hits.scope;
      if (ref.region && scope.region !== ref.region) note(f, `found in ${scope.region}, not in ${ref.region} as the notice says`);
      else if (!ref.region && noticeRegions.length && !noticeRegions.includes(scope.region)) note(f, `found in ${scope.region}, not in ${noticeRegions.join(", ")} as the notice says`);
      if (ref.accountId && scope.accountId !== ref.accountId) note(f, `found in account ${scope.accountId}, not ${ref.accountId} as the notice says`);
    }
    if (ref.type === "ec2-instance") {
      for (const hits of hitsList)
        tasks.push(
          run.enrichInstances(hits.scope, [ref.id], hits.instances).then((m) => {
            const r = m.get(ref.id);
            if (!r) return;
            f.resources.push(r);
            if (ref.publicIp && !r.publicIps.includes(ref.publicIp))
              note(f, `the notice gives ${ref.publicIp} for ${ref.id}; it holds ${r.publicIps.length ? r.publicIps.join(", ") : "no public IP"} now`);
          }),
        );
    } else if (ref.type === "public-ip") {
      for (const hits of hitsList) tasks.push(resolveIpHolder(run, hits, ref, f, window));
    } else if (ref.type === "network-interface" || ref.type === "elastic-ip" || ref.type === "nat-gateway" || ref.type === "load-balancer") {
      for (const hits of hitsList) tasks.push(resolveOther(run, hits, ref, f));
    }
  }

  // Global references: IAM, S3, CloudFront, per account.
  for (const ref of refs.filter((r) => ["access-key", "iam-user", "s3-bucket", "cloudfront-distribution"].includes(r.type))) {
    const f = findingOf(ref);
    for (const accountId of accountsOf(ref))
      tasks.push(
        (async () => {
          const scope = { accountId };
          if (ref.type === "access-key") {
            const r = await run.call(scope, () => port.findAccessKey(accountId, ref.id), "iam");
            if (!r.ok) return;
            markSearched(ref, { accountId, region: "global" });
            if (!r.value) return;
            const key = r.value;
            const u = await run.call(scope, () => port.getIamUser(accountId, key.userName), "iam");
            const user = u.ok ? u.value : null;
            f.resources.push({ type: "access-key", id: ref.id, accountId, region: "global", accessKey: key, user, ownership: ownershipOf(user?.tags), tags: user?.tags ?? {} });
          } else if (ref.type === "iam-user") {
            const r = await run.call(scope, () => port.getIamUser(accountId, ref.id), "iam");
            if (!r.ok) return;
            markSearched(ref, { accountId, region: "global" });
            // A user alone is no resource to contain (there is no Resolved type for it, and a plan must not
            // invent an access key): it is said in words; its keys are resolved when the notice names them.
            if (r.value) users.set(f, [...(users.get(f) ?? []), { accountId, user: r.value }]);
          } else if (ref.type === "s3-bucket") {
            const r = await run.call(scope, () => port.getBucket(accountId, ref.id), "s3");
            if (!r.ok) return;
            markSearched(ref, { accountId, region: "global" });
            if (r.value) f.resources.push({ type: "s3-bucket", id: ref.id, accountId, region: r.value.region, bucket: r.value, ownership: ownershipOf(r.value.tags), tags: r.value.tags });
          } else {
            const r = await run.call(scope, () => port.getDistribution(accountId, ref.id), "cloudfront");
            if (!r.ok) return;
            markSearched(ref, { accountId, region: "global" });
            if (r.value) f.resources.push({ type: "cloudfront-distribution", id: ref.id, accountId, region: "global", distribution: r.value, ownership: ownershipOf(r.value.tags), tags: r.value.tags });
          }
        })(),
      );
  }

  // IP history from CloudTrail: where the address is an Elastic IP, or where nothing holds it now.
  // Elastic IPs, whose history CloudTrail keeps, are IPv4: an IPv6 address has none to read.
  const ipRefs = regional.filter((r) => r.type === "public-ip" && !r.id.includes(":"));
  const histories = new Map<Ref, IpTimeline>();
  /** Regions whose CloudTrail could not be read, per reference: its silence there proves nothing. */
  const trailUnread = new Map<Ref, number>();
  // CloudTrail is read back from the activity (or the notice's arrival), not from today: a drill on an old notice still finds its history.
  const sinceIso = window.begin ?? notice.receivedAt;
  const since = sinceIso && !Number.isNaN(Date.parse(sinceIso)) ? new Date(sinceIso) : run.now;
  for (const ref of ipRefs)
    tasks.push(
      (async () => {
        const hits = foundIn(ref);
        const eipScopes = hits.filter((h) => h.eipByIp.has(ref.id));
        const scopes = hits.length > 0 ? eipScopes.map((h) => h.scope) : [...(searched.get(ref) ?? new Map<string, Set<string>>()).entries()].flatMap(([accountId, regions]) => [...regions].map((region) => ({ accountId, region })));
        if (scopes.length === 0) return;
        run.progress("history", `reading CloudTrail for ${ref.id} in ${scopes.length} region(s)`);
        const read = await Promise.all(scopes.map((s) => run.trailEvents(s, since)));
        const unread = read.filter((e) => e === null).length;
        if (unread > 0) trailUnread.set(ref, unread);
        const events = read.flatMap((e) => e ?? []);
        const known = hits.flatMap((h) => (h.eipByIp.get(ref.id) ? [h.eipByIp.get(ref.id)!.allocationId] : []));
        // Then, for the instances that held it, their launch (who, when) and termination (which ends a holding).
        const holders = uniq(ipTimeline(ref.id, events, known).holders.filter((h) => h.kind === "instance").map((h) => `${h.accountId}|${h.region}|${h.resourceId}`));
        const launches = await Promise.all(holders.map((k) => k.split("|") as [string, string, string]).map(([accountId, region, id]) => run.trailEvents({ accountId, region }, since, id)));
        const tl = ipTimeline(ref.id, [...events, ...launches.flatMap((e) => e ?? [])], known);
        if (tl.holders.length || tl.released || tl.allocated) histories.set(ref, tl);
      })(),
    );

  await Promise.all(tasks);

  // ---- wave 3: whoever held an IP during the activity, when it is not what holds it now -------
  const later: Promise<void>[] = [];
  for (const [ref, tl] of histories) {
    const f = findingOf(ref);
    const during = holdersDuring(tl, window);
    f.ipHistory = { ip: ref.id, summary: describeTimeline(tl, window), holders: tl.holders.map(({ region: _r, accountId: _a, endedBy: _e, ...h }) => h), eventIds: tl.eventIds };
    const currentIds = new Set(f.resources.flatMap(holderIdsOf));
    const holding = tl.holders.find((h) => h.to === null);
    const end = window.end ?? window.begin;
    const cameAfter = holding !== undefined && holding.from !== null && end !== null && Date.parse(holding.from) > Date.parse(end);
    if (cameAfter) note(f, `${holding.resourceId} has held ${ref.id} since ${holding.from}, after the activity (${end})`);
    for (const h of during) {
      const l = tl.launches.get(h.resourceId);
      if (l) note(f, `${h.resourceId} was launched at ${l.at}${l.by ? ` by ${l.by}` : ""} (CloudTrail RunInstances)`);
    }
    const moved = tl.released !== undefined || cameAfter || (window.begin !== null && during.length > 0 && during.every((h) => !currentIds.has(h.resourceId)));
    if (moved) {
      run.moved.add(f);
      for (const h of during) {
        if (currentIds.has(h.resourceId)) continue;
        const scope = { accountId: h.accountId, region: h.region };
        const gone = () => note(f, `${h.resourceId}, which held ${ref.id} during the activity, no longer exists in ${scope.accountId}/${scope.region}`);
        if (h.kind === "instance")
          later.push(
            run.enrichInstances(scope, [h.resourceId], new Map()).then((m) => {
              const r = m.get(h.resourceId);
              if (r) f.resources.push(r);
              else gone();
            }),
          );
        else if (h.kind === "network-interface")
          // Associated through the ENI's id: the instance it is attached to (if any) is the holder to contain.
          later.push(
            (async () => {
              const r = await run.call(scope, () => run.port.describeNetworkInterfaces(scope, { networkInterfaceIds: [h.resourceId] }));
              const eni = r.ok ? r.value[0] : undefined;
              if (!eni) return r.ok ? gone() : undefined;
              const instanceId = eni.attachment?.instanceId;
              const inst = instanceId ? (await run.enrichInstances(scope, [instanceId], new Map())).get(instanceId) : undefined;
              f.resources.push(inst ?? eniResolved(scope, eni, await run.enrichEnis(scope, [eni])));
            })(),
          );
      }
    }
  }
  await Promise.all(later);

  // Where CloudTrail has nothing about an address (beyond its 90 days, no trail, an address AWS
  // assigned automatically), abuse-desk's own address history may: said as its source.
  const historyAt = window.begin ?? window.end ?? notice.receivedAt;
  if (opts.addressHistory && historyAt)
    await Promise.all(
      ipRefs
        .filter((ref) => !histories.has(ref))
        .map(async (ref) => {
          let h: AddressAt;
          try {
            h = await opts.addressHistory!(ref.id, historyAt);
          } catch (err) {
            note(findingOf(ref), `the address history could not be read: ${(err as Error).message}`);
            return;
          }
          if (h.status === "unknown") return;
          const f = findingOf(ref);
          const who = (x: AddressHolding) => `${x.resourceKind} ${x.resourceId}${x.resourceName ? ` (${x.resourceName})` : ""} in ${x.accountId}/${x.region}`;
          const kind = (k: string): IpHistory["holders"][number]["kind"] => (k === "instance" || k === "network-interface" || k === "nat-gateway" ? k : "other");
          const rows = h.status === "held" ? [h.holding] : [h.before, h.after].filter((x): x is AddressHolding => x !== undefined);
          const summary =
            h.status === "held"
              ? `held by ${who(h.holding)} at ${historyAt}: seen by abuse-desk inventory from ${h.holding.firstSeen} to ${h.holding.lastSeen} (address history; CloudTrail has no record of it)`
              : `not observed at ${historyAt}${h.before ? `: last seen with ${who(h.before)} until ${h.before.lastSeen}` : ""}${h.after ? `${h.before ? "," : ":"} next with ${who(h.after)} from ${h.after.firstSeen}` : ""} (address history; CloudTrail has no record of it)`;
          f.ipHistory = { ip: ref.id, summary, holders: rows.map((x) => ({ resourceId: x.resourceId, kind: kind(x.resourceKind), from: x.firstSeen, to: x.lastSeen })), eventIds: [], source: "address-history" };
          note(f, `who held ${ref.id} is from abuse-desk's address history (inventory runs), not CloudTrail: ${summary}`);
        }),
    );

  // A moved address: what holds it now had nothing to do with the activity. It is named in the
  // words, never listed as a resource a plan could contain.
  const nowHolders = new Map<Finding, Resolved[]>();
  for (const f of run.moved) {
    const tl = [...histories.entries()].find(([r]) => findings.get(r) === f)?.[1];
    const then = new Set(tl ? holdersDuring(tl, window).map((h) => h.resourceId) : []);
    const heldThen = (r: Resolved) => holderIdsOf(r).some((id) => then.has(id));
    nowHolders.set(f, f.resources.filter((r) => !heldThen(r)));
    f.resources = f.resources.filter(heldThen);
  }

  // ---- findings in words -----------------------------------------------------------------------
  for (const ref of refs) {
    const f = findingOf(ref);
    f.searched = [...(searched.get(ref) ?? new Map<string, Set<string>>()).entries()].filter(([, regions]) => regions.size > 0).map(([accountId, regions]) => ({ accountId, regions: [...regions].sort() }));
    if (ref.type === "unsupported") {
      f.status = "error";
      f.error = `${ref.noticeType} is not looked up by the cloud port`;
      f.summary = `${ref.id}: ${ref.noticeType} resources are not looked up (the cloud port covers EC2, ELB, Auto Scaling, IAM, S3 and CloudFront); find it by hand`;
      continue;
    }
    dedupeResources(f);
    const foundUsers = users.get(f) ?? [];
    const unreadTrail = trailUnread.get(ref);
    if (unreadTrail && f.resources.length > 0 && !run.moved.has(f))
      note(f, `CloudTrail could not be read in ${unreadTrail} region${unreadTrail === 1 ? "" : "s"} (see gaps): that ${ref.id} was with this holder during the activity is not confirmed`);
    // The places this reference could be in that were not read: the accounts searched for it and the one the notice names.
    const gapsHere = searchOutcome({ gaps: run.gaps.filter((g) => g.accountId === "*" || accountsOf(ref).includes(g.accountId) || g.accountId === ref.accountId || notice.accountIds.includes(g.accountId)) });
    const missing = gapsHere.status === "not-searched" ? gapsHere.missing : [];
    if (run.moved.has(f)) f.status = "moved";
    else f.status = f.resources.length > 0 || foundUsers.length > 0 ? "found" : missing.length > 0 || f.searched.length === 0 ? "not-searched" : "not-found";
    if (f.status === "not-searched") {
      f.error = missing.length ? missing.map((g) => `${placeOf(g)}: ${g.reason}`).join("; ") : "nothing could be searched";
      f.summary = f.searched.length
        ? `${ref.id} is not in ${where(f.searched)}, but ${missing.length} place${missing.length === 1 ? "" : "s"} it could be in could not be read (${f.error}): not searched, so not "not found"`
        : `${ref.id}: not searched (${f.error})`;
    } else if (f.status === "not-found") {
      f.summary = `${ref.id} was not found in ${where(f.searched)}`;
      if (ref.type === "public-ip" && !ref.id.includes(":"))
        f.summary += unreadTrail ? `; CloudTrail could not be read in ${unreadTrail} region${unreadTrail === 1 ? "" : "s"} (see gaps), so whether it was an Elastic IP there is not known` : "; CloudTrail (90 days) has no record of it as an Elastic IP either";
    } else if (foundUsers.length) {
      f.summary = foundUsers
        .map(({ accountId, user }) => {
          const own = describeOwnership(ownershipOf(user.tags));
          return `IAM user ${user.userName} in account ${accountId} (${user.arn}), created ${t(user.createDate)}${user.groups.length ? `, groups ${user.groups.join(", ")}` : ""}${user.attachedPolicies.length ? `, policies ${user.attachedPolicies.map((a) => a.split("/").pop()).join(", ")}` : ""}${own ? `, ${own}` : ""}`;
        })
        .join("; ");
    } else {
      f.summary = summarise(ref, f, nowHolders.get(f));
    }
    for (const r of f.resources) {
      if (r.type === "ec2-instance") for (const o of openRules(r.interfaces.flatMap((e) => e.securityGroups))) note(f, o);
      if (r.type === "network-interface") for (const o of openRules(r.networkInterface.securityGroups)) note(f, o);
    }
  }
  run.progress("done", `${findings.size} finding(s), ${run.gaps.length} gap(s)`);
  return { findings: refs.map((r) => findings.get(r)!), gaps: run.gaps, elapsedMs: Math.round(performance.now() - started) };
}

function dedupeResources(f: Finding): void {
  const seen = new Set<string>();
  f.resources = f.resources.filter((r) => {
    const k = `${r.type}|${r.accountId}|${r.region}|${r.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function summarise(ref: Ref, f: Finding, now: Resolved[] = []): string {
  const first = f.resources[0];
  const history = f.ipHistory ? ` (${f.ipHistory.summary})` : "";
  if (ref.type === "public-ip") {
    if (f.status === "moved") {
      // The Elastic IP allocation is the address itself, not something holding it.
      const holdersNow = now.filter((r) => r.type !== "elastic-ip");
      const current = holdersNow.find((r) => r.type === "ec2-instance");
      const nowText = current && current.type === "ec2-instance" ? instanceSummary(current) : holdersNow[0] ? `${holdersNow[0].id} in ${holdersNow[0].accountId}/${holdersNow[0].region}` : undefined;
      if (!f.ipHistory) return `${ref.id} is held now by ${nowText ?? "another resource"}, but only since after the activity: who held it then is not recorded (automatically assigned addresses leave no CloudTrail trace)`;
      // A moved finding's resources are already only what held the address during the activity.
      const then = f.resources;
      const who = then.length ? ` It belonged to ${then.map((r) => (r.type === "ec2-instance" ? instanceSummary(r) : `${r.id} in ${r.accountId}/${r.region}`)).join("; ")}.` : "";
      return `${ref.id} is not where it was during the activity: ${f.ipHistory.summary}.${who}${nowText ? ` It is now held by ${nowText}, which had nothing to do with it.` : ""}`;
    }
    const holders = f.resources.filter((r) => r.type !== "elastic-ip");
    const eip = f.resources.find((r) => r.type === "elastic-ip");
    const desc = holders.map((r) => (r.type === "ec2-instance" ? instanceSummary(r) : r.type === "nat-gateway" ? `NAT gateway ${r.id} in ${r.accountId}/${r.region}${describeOwnership(r.ownership) ? `, ${describeOwnership(r.ownership)}` : ""}` : r.type === "load-balancer" ? `${r.loadBalancer.type} load balancer ${r.loadBalancer.name} in ${r.accountId}/${r.region}` : `ENI ${r.id} in ${r.accountId}/${r.region}${r.type === "network-interface" ? ` (${r.networkInterface.description || r.networkInterface.interfaceType})` : ""}`));
    if (desc.length === 0 && eip) {
      const a = (eip as Extract<Resolved, { type: "elastic-ip" }>).address;
      const on = a.instanceId ?? a.networkInterfaceId;
      return `${ref.id} is Elastic IP ${a.allocationId} in ${eip.accountId}/${eip.region}, ${on ? `associated with ${on} (which could not be read)` : "not associated with anything now"}${history}`;
    }
    return `${ref.id} is held by ${desc.join("; ")}${eip ? ` (Elastic IP ${(eip as Extract<Resolved, { type: "elastic-ip" }>).address.allocationId})` : ""}${history}`;
  }
  if (!first) return `${ref.id}: found`;
  switch (first.type) {
    case "ec2-instance":
      return instanceSummary(first);
    case "access-key": {
      const k = first.accessKey;
      return `${k.accessKeyId} belongs to IAM user ${k.userName} in account ${first.accountId}, ${k.status}; ${k.lastUsed?.date ? `last used ${t(k.lastUsed.date)}${k.lastUsed.service ? ` (${k.lastUsed.service}${k.lastUsed.region ? `, ${k.lastUsed.region}` : ""})` : ""}` : "never used"}${describeOwnership(first.ownership) ? `; ${describeOwnership(first.ownership)}` : ""}`;
    }
    case "s3-bucket": {
      const pab = first.bucket.publicAccessBlock;
      const blocked = pab && pab.blockPublicAcls && pab.ignorePublicAcls && pab.blockPublicPolicy && pab.restrictPublicBuckets;
      return `bucket ${first.id} in account ${first.accountId} (${first.region}), public access ${blocked ? "blocked" : "NOT fully blocked"}${describeOwnership(first.ownership) ? `, ${describeOwnership(first.ownership)}` : ""}`;
    }
    case "cloudfront-distribution":
      return `distribution ${first.id} (${first.distribution.domainName}${first.distribution.aliases.length ? `, ${first.distribution.aliases.join(", ")}` : ""}) in account ${first.accountId}, ${first.distribution.enabled ? "enabled" : "disabled"}`;
    case "network-interface":
      return `ENI ${first.id} in ${first.accountId}/${first.region}: ${first.networkInterface.description || first.networkInterface.interfaceType}${first.networkInterface.attachment?.instanceId ? `, attached to ${first.networkInterface.attachment.instanceId}` : ""}${first.networkInterface.requesterManaged ? ", managed by AWS for a service" : ""}`;
    case "nat-gateway":
      return `NAT gateway ${first.id} in ${first.accountId}/${first.region} (${first.natGateway.state}), public IP ${first.natGateway.addresses.map((a) => a.publicIp ?? "none").join(", ")}`;
    case "elastic-ip":
      return `Elastic IP ${first.address.publicIp} (${first.address.allocationId}) in ${first.accountId}/${first.region}${first.address.instanceId ? `, on ${first.address.instanceId}` : first.address.networkInterfaceId ? `, on ${first.address.networkInterfaceId}` : ", not associated"}`;
    case "load-balancer":
      return `${first.loadBalancer.type} load balancer ${first.loadBalancer.name} in ${first.accountId}/${first.region} (${first.loadBalancer.scheme}, ${first.loadBalancer.dnsName})`;
  }
}

/** The ids CloudTrail may name a resource's holding by: an instance's own and its ENIs' (AssociateAddress takes either). */
function holderIdsOf(r: Resolved): string[] {
  return r.type === "ec2-instance" ? [r.id, ...r.instance.networkInterfaceIds] : [r.id];
}

/** A standalone ENI as a resource, from what Run.enrichEnis read for it. */
function eniResolved(scope: Scope, eni: NetworkInterface, read: Awaited<ReturnType<Run["enrichEnis"]>>): Extract<Resolved, { type: "network-interface" }> {
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

/** What holds a public IP in one region: the instance (enriched), or a service's ENI (NAT gateway, load balancer, Lambda). */
async function resolveIpHolder(run: Run, hits: ScopeHits, ref: Ref, f: Finding, window: { begin: string | null; end: string | null }): Promise<void> {
  const scope = hits.scope;
  const eip = hits.eipByIp.get(ref.id);
  const eni = hits.eniByIp.get(ref.id);
  const inst = hits.instanceByIp.get(ref.id);
  // The Elastic IP's own association names the instance too: it is what is left when the ENI could not be read.
  const instanceId = inst?.instanceId ?? eni?.attachment?.instanceId ?? eip?.instanceId;
  const jobs: Promise<void>[] = [];
  if (eip) f.resources.push({ type: "elastic-ip", id: eip.allocationId, accountId: scope.accountId, region: scope.region, address: eip, ownership: ownershipOf(eip.tags), tags: eip.tags });
  if (instanceId) {
    jobs.push(
      run.enrichInstances(scope, [instanceId], hits.instances).then((m) => {
        const r = m.get(instanceId);
        if (!r) return;
        f.resources.unshift(r);
        // An auto-assigned address leaves no CloudTrail record; the launch (or last start) time says when it came.
        const end = window.end ?? window.begin;
        if (!eip && end && Date.parse(r.instance.launchTime) > Date.parse(end)) {
          run.moved.add(f);
          (f.notes ??= []).push(
            `${instanceId} got ${ref.id} when it started at ${t(r.instance.launchTime)}, after the activity (${end}); at the time of the activity the address was not this instance's (AWS assigns public IPv4 addresses from a shared pool, and CloudTrail does not record automatic assignments)`,
          );
        }
      }),
    );
  } else if (eni) {
    const owner = managedOwner(eni);
    jobs.push(
      (async () => {
        const read = await run.enrichEnis(scope, [eni]);
        const subnet = read.subnets.get(eni.subnetId);
        if (owner.kind === "nat-gateway") {
          const r = await run.call(scope, () => run.port.describeNatGateways(scope, owner.name ? { natGatewayIds: [owner.name] } : { vpcIds: [eni.vpcId] }));
          const nat = r.ok ? r.value.find((n) => n.addresses.some((a) => a.networkInterfaceId === eni.networkInterfaceId)) : undefined;
          if (nat) {
            f.resources.push({ type: "nat-gateway", id: nat.natGatewayId, accountId: scope.accountId, region: scope.region, natGateway: nat, ...(subnet ? { subnet } : {}), ownership: ownershipOf(nat.tags), tags: nat.tags });
            f.notes = [...(f.notes ?? []), `${ref.id} is the NAT gateway's address: the traffic came from a resource in a private subnet routed through ${nat.natGatewayId} (VPC flow logs of the subnet tell which)`];
            return;
          }
        }
        if (owner.kind === "load-balancer" && owner.name) {
          const r = await run.call(scope, () => run.port.describeLoadBalancers(scope, { ids: [owner.name!] }), "elasticloadbalancing");
          const lb = r.ok ? r.value[0] : undefined;
          if (lb) {
            f.resources.push({ type: "load-balancer", id: lb.id, accountId: scope.accountId, region: scope.region, loadBalancer: lb, ownership: ownershipOf(lb.tags), tags: lb.tags });
            f.notes = [...(f.notes ?? []), `${ref.id} belongs to load balancer ${lb.name}: look at its targets and access logs for the backend involved`];
            return;
          }
        }
        if (owner.kind === "lambda") f.notes = [...(f.notes ?? []), `${ref.id} is held by a Lambda function's ENI${owner.name ? ` (function ${owner.name})` : ""}`];
        f.resources.push(eniResolved(scope, eni, read));
      })(),
    );
  }
  await Promise.all(jobs);
}

/** ENI, Elastic IP allocation, NAT gateway or load balancer named by id. */
async function resolveOther(run: Run, hits: ScopeHits, ref: Ref, f: Finding): Promise<void> {
  const scope = hits.scope;
  if (ref.type === "network-interface") {
    const eni = hits.eniById.get(ref.id)!;
    f.resources.push(eniResolved(scope, eni, await run.enrichEnis(scope, [eni])));
    if (eni.attachment?.instanceId) {
      const m = await run.enrichInstances(scope, [eni.attachment.instanceId], hits.instances);
      const r = m.get(eni.attachment.instanceId);
      if (r) f.resources.push(r);
    }
  } else if (ref.type === "elastic-ip") {
    const eip = hits.eipByAlloc.get(ref.id)!;
    f.resources.push({ type: "elastic-ip", id: eip.allocationId, accountId: scope.accountId, region: scope.region, address: eip, ownership: ownershipOf(eip.tags), tags: eip.tags });
    if (eip.instanceId) {
      const m = await run.enrichInstances(scope, [eip.instanceId], hits.instances);
      const r = m.get(eip.instanceId);
      if (r) f.resources.push(r);
    }
  } else if (ref.type === "nat-gateway") {
    const nat = hits.natById.get(ref.id)!;
    const r = await run.call(scope, () => run.port.describeSubnets(scope, [nat.subnetId]));
    const subnet = r.ok ? r.value[0] : undefined;
    f.resources.push({ type: "nat-gateway", id: nat.natGatewayId, accountId: scope.accountId, region: scope.region, natGateway: nat, ...(subnet ? { subnet } : {}), ownership: ownershipOf(nat.tags), tags: nat.tags });
  } else if (ref.type === "load-balancer") {
    const lb = hits.lbById.get(ref.id)!;
    f.resources.push({ type: "load-balancer", id: lb.id, accountId: scope.accountId, region: scope.region, loadBalancer: lb, ownership: ownershipOf(lb.tags), tags: lb.tags });
  }
}
