/**
 * Who holds a public address, and who held it during the activity.
 *
 * Wave 2: what holds it now in each region it was found in (an instance, or a service's ENI: NAT
 * gateway, load balancer, Lambda), and its history from CloudTrail (where it is an Elastic IP, or
 * where nothing holds it now). Wave 3, only when needed: the resource that held it during the
 * activity when that is not what holds it now. Where CloudTrail has nothing (beyond its 90 days,
 * no trail, an address AWS assigned automatically), abuse-desk's own address history may answer,
 * said as its source. Last, a moved address keeps as resources only what held it then.
 */
import type { NetworkInterface, Scope } from "../cloud/model.ts";
import type { AddressAt, AddressHolding } from "../case/address-history.ts";
import type { CaseStore } from "../case/types.ts";
import type { Notice } from "../notice/types.ts";
import { ADDRESS_EVENTS, describeTimeline, holdersDuring, INSTANCE_EVENTS, ipTimeline, t, type IpTimeline } from "./history.ts";
import { eipResolved, enrichEni, enrichInstance, lbResolved, natResolved } from "./enrich.ts";
import type { Located } from "./locate.ts";
import type { Ref } from "./refs.ts";
import { note, uniq, type ScopeHits, type Search, type TrailEvents } from "./search.ts";
import type { Finding, IpHistory, Resolved, ResolveOptions } from "./types.ts";

const DAY = 86_400_000;
/** CloudTrail LookupEvents keeps 90 days. */
const TRAIL_DAYS = 90;

type Window = { begin: string | null; end: string | null };

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

/** The ids CloudTrail may name a resource's holding by: an instance's own and its ENIs' (AssociateAddress takes either). */
function holderIdsOf(r: Resolved): string[] {
  return r.type === "ec2-instance" ? [r.id, ...r.instance.networkInterfaceIds] : [r.id];
}

/** What holds a public IP in one region: the instance (enriched), or a service's ENI (NAT gateway, load balancer, Lambda). */
export async function resolveIpHolder(s: Search, hits: ScopeHits, ref: Ref, f: Finding, window: Window): Promise<void> {
  const scope = hits.scope;
  const eip = hits.eipByIp.get(ref.id);
  const eni = hits.eniByIp.get(ref.id);
  const inst = hits.instanceByIp.get(ref.id);
  // The Elastic IP's own association names the instance too: it is what is left when the ENI could not be read.
  const instanceId = inst?.instanceId ?? eni?.attachment?.instanceId ?? eip?.instanceId;
  if (eip) f.resources.push(eipResolved(scope, eip));
  if (instanceId) {
    const r = await enrichInstance(s, scope, instanceId, hits.instances);
    if (!r) return;
    f.resources.unshift(r);
    // An auto-assigned address leaves no CloudTrail record; the launch (or last start) time says when it came.
    const end = window.end ?? window.begin;
    if (!eip && end && Date.parse(r.instance.launchTime) > Date.parse(end)) {
      s.moved.add(f);
      (f.notes ??= []).push(
        `${instanceId} got ${ref.id} when it started at ${t(r.instance.launchTime)}, after the activity (${end}); at the time of the activity the address was not this instance's (AWS assigns public IPv4 addresses from a shared pool, and CloudTrail does not record automatic assignments)`,
      );
    }
  } else if (eni) {
    const owner = managedOwner(eni);
    const resolved = await enrichEni(s, scope, eni);
    if (owner.kind === "nat-gateway") {
      const r = await s.call(scope, () => s.port.describeNatGateways(scope, owner.name ? { natGatewayIds: [owner.name] } : { vpcIds: [eni.vpcId] }));
      const nat = r.ok ? r.value.find((n) => n.addresses.some((a) => a.networkInterfaceId === eni.networkInterfaceId)) : undefined;
      if (nat) {
        f.resources.push(natResolved(scope, nat, resolved.subnet));
        f.notes = [...(f.notes ?? []), `${ref.id} is the NAT gateway's address: the traffic came from a resource in a private subnet routed through ${nat.natGatewayId} (VPC flow logs of the subnet tell which)`];
        return;
      }
    }
    if (owner.kind === "load-balancer" && owner.name) {
      const r = await s.call(scope, () => s.port.describeLoadBalancers(scope, { ids: [owner.name!] }), "elasticloadbalancing");
      const lb = r.ok ? r.value[0] : undefined;
      if (lb) {
        f.resources.push(lbResolved(scope, lb));
        f.notes = [...(f.notes ?? []), `${ref.id} belongs to load balancer ${lb.name}: look at its targets and access logs for the backend involved`];
        return;
      }
    }
    if (owner.kind === "lambda") f.notes = [...(f.notes ?? []), `${ref.id} is held by a Lambda function's ENI${owner.name ? ` (function ${owner.name})` : ""}`];
    f.resources.push(resolved);
  }
}

/**
 * CloudTrail events of one region, from 90 days before the activity (or now) to now: the address
 * events of the whole region, or, given an instance id, that instance's launch and termination.
 */
function trailEvents(s: Search, scope: Scope, since: Date, instanceId?: string): Promise<TrailEvents | null> {
  const start = new Date(Math.max(since.getTime() - TRAIL_DAYS * DAY, 0)).toISOString();
  const end = new Date(Math.max(s.now.getTime(), since.getTime())).toISOString();
  return s.lookupEvents(scope, instanceId ? { start, end, resourceName: instanceId, eventNames: INSTANCE_EVENTS } : { start, end, eventNames: ADDRESS_EVENTS });
}

/** What CloudTrail says about the notice's IPv4 addresses: each one's timeline, and the regions whose trail could not be read. */
export interface TrailHistories {
  /** The IPv4 address references (Elastic IPs, whose history CloudTrail keeps, are IPv4: an IPv6 address has none). */
  ipRefs: Ref[];
  histories: Map<Ref, IpTimeline>;
  /** Regions whose CloudTrail could not be read, per reference: its silence there proves nothing. */
  trailUnread: Map<Ref, number>;
}

/** IP history from CloudTrail: where the address is an Elastic IP, or where nothing holds it now. */
export async function readTrailHistories(s: Search, notice: Notice, where: Located): Promise<TrailHistories> {
  const ipRefs = where.regional.filter((r) => r.type === "public-ip" && !r.id.includes(":"));
  const histories = new Map<Ref, IpTimeline>();
  const trailUnread = new Map<Ref, number>();
  // CloudTrail is read back from the activity (or the notice's arrival), not from today: a drill on an old notice still finds its history.
  const sinceIso = notice.window?.begin ?? notice.receivedAt;
  const since = sinceIso && !Number.isNaN(Date.parse(sinceIso)) ? new Date(sinceIso) : s.now;
  await Promise.all(
    ipRefs.map(async (ref) => {
      const hits = where.foundIn(ref);
      const eipScopes = hits.filter((h) => h.eipByIp.has(ref.id));
      const scopes = hits.length > 0 ? eipScopes.map((h) => h.scope) : [...(s.searched.get(ref) ?? new Map<string, Set<string>>()).entries()].flatMap(([accountId, regions]) => [...regions].map((region) => ({ accountId, region })));
      if (scopes.length === 0) return;
      s.progress("history", `reading CloudTrail for ${ref.id} in ${scopes.length} region(s)`);
      const read = await Promise.all(scopes.map((x) => trailEvents(s, x, since)));
      const unread = read.filter((e) => e === null).length;
      if (unread > 0) trailUnread.set(ref, unread);
      const events = read.flatMap((e) => e ?? []);
      const known = hits.flatMap((h) => (h.eipByIp.get(ref.id) ? [h.eipByIp.get(ref.id)!.allocationId] : []));
      // Then, for the instances that held it, their launch (who, when) and termination (which ends a holding).
      const holders = uniq(ipTimeline(ref.id, events, known).holders.filter((h) => h.kind === "instance").map((h) => `${h.accountId}|${h.region}|${h.resourceId}`));
      const launches = await Promise.all(holders.map((k) => k.split("|") as [string, string, string]).map(([accountId, region, id]) => trailEvents(s, { accountId, region }, since, id)));
      const tl = ipTimeline(ref.id, [...events, ...launches.flatMap((e) => e ?? [])], known);
      if (tl.holders.length || tl.released || tl.allocated) histories.set(ref, tl);
    }),
  );
  return { ipRefs, histories, trailUnread };
}

/** Wave 3: whoever held an IP during the activity, when it is not what holds it now. */
export async function resolveHoldersThen(s: Search, histories: Map<Ref, IpTimeline>, window: Window): Promise<void> {
  const later: Promise<void>[] = [];
  for (const [ref, tl] of histories) {
    const f = s.findingOf(ref);
    const during = holdersDuring(tl, window);
    f.ipHistory = { ip: ref.id, summary: describeTimeline(tl, window), holders: tl.holders.map(({ region: _r, accountId: _a, endedBy: _e, ...h }) => h), eventIds: tl.eventIds, source: "cloudtrail" };
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
    if (!moved) continue;
    s.moved.add(f);
    for (const h of during) {
      if (currentIds.has(h.resourceId)) continue;
      const scope = { accountId: h.accountId, region: h.region };
      const gone = () => note(f, `${h.resourceId}, which held ${ref.id} during the activity, no longer exists in ${scope.accountId}/${scope.region}`);
      if (h.kind === "instance")
        later.push(
          enrichInstance(s, scope, h.resourceId).then((r) => {
            if (r) f.resources.push(r);
            else gone();
          }),
        );
      else if (h.kind === "network-interface")
        // Associated through the ENI's id: the instance it is attached to (if any) is the holder to contain.
        later.push(
          (async () => {
            const r = await s.call(scope, () => s.port.describeNetworkInterfaces(scope, { networkInterfaceIds: [h.resourceId] }));
            const eni = r.ok ? r.value[0] : undefined;
            if (!eni) return r.ok ? gone() : undefined;
            const instanceId = eni.attachment?.instanceId;
            const inst = instanceId ? await enrichInstance(s, scope, instanceId) : undefined;
            f.resources.push(inst ?? (await enrichEni(s, scope, eni)));
          })(),
        );
    }
  }
  await Promise.all(later);
}

/**
 * The address history a resolution may ask when CloudTrail has nothing: the case store's, when
 * there is a store. The one place that decides it for the service, the desk's stages and the CLI;
 * what is asked, when, and how the answer is said is `fromAddressHistory`.
 */
export function addressHistoryOf(store: Pick<CaseStore, "addressAt"> | null | undefined): Pick<ResolveOptions, "addressHistory"> {
  return store ? { addressHistory: (ip, at) => store.addressAt(ip, at) } : {};
}

/** The time the address history is asked about for a notice: the activity's start, its end, or the notice's arrival. */
export function historyTime(notice: Pick<Notice, "window" | "receivedAt">): string | null {
  const w = notice.window ?? { begin: null, end: null };
  return w.begin ?? w.end ?? notice.receivedAt ?? null;
}

/**
 * Where CloudTrail has nothing about an address (beyond its 90 days, no trail, an address AWS
 * assigned automatically), abuse-desk's own address history may: said as its source.
 */
export async function fromAddressHistory(s: Search, notice: Notice, trail: TrailHistories): Promise<void> {
  const ask = s.opts.addressHistory;
  const at = historyTime(notice);
  if (!ask || !at) return;
  await Promise.all(
    trail.ipRefs
      .filter((ref) => !trail.histories.has(ref))
      .map(async (ref) => {
        let h: AddressAt;
        try {
          h = await ask(ref.id, at);
        } catch (err) {
          note(s.findingOf(ref), `the address history could not be read: ${(err as Error).message}`);
          return;
        }
        if (h.status === "unknown") return;
        const f = s.findingOf(ref);
        const who = (x: AddressHolding) => `${x.resourceKind} ${x.resourceId}${x.resourceName ? ` (${x.resourceName})` : ""} in ${x.accountId}/${x.region}`;
        const kind = (k: string): IpHistory["holders"][number]["kind"] => (k === "instance" || k === "network-interface" || k === "nat-gateway" ? k : "other");
        const rows = h.status === "held" ? [h.holding] : [h.before, h.after].filter((x): x is AddressHolding => x !== undefined);
        const summary =
          h.status === "held"
            ? `held by ${who(h.holding)} at ${at}: seen by abuse-desk inventory from ${h.holding.firstSeen} to ${h.holding.lastSeen} (address history; CloudTrail has no record of it)`
            : `not observed at ${at}${h.before ? `: last seen with ${who(h.before)} until ${h.before.lastSeen}` : ""}${h.after ? `${h.before ? "," : ":"} next with ${who(h.after)} from ${h.after.firstSeen}` : ""} (address history; CloudTrail has no record of it)`;
        f.ipHistory = { ip: ref.id, summary, holders: rows.map((x) => ({ resourceId: x.resourceId, kind: kind(x.resourceKind), from: x.firstSeen, to: x.lastSeen })), eventIds: [], source: "address-history" };
        note(f, `who held ${ref.id} is from abuse-desk's address history (inventory runs), not CloudTrail: ${summary}`);
      }),
  );
}

/**
 * A moved address: what holds it now had nothing to do with the activity. It is named in the
 * words, never listed as a resource a plan could contain. Returns what holds it now, per finding.
 */
export function separateNowHolders(s: Search, histories: Map<Ref, IpTimeline>, window: Window): Map<Finding, Resolved[]> {
  const nowHolders = new Map<Finding, Resolved[]>();
  for (const f of s.moved) {
    const tl = [...histories.entries()].find(([r]) => s.findings.get(r) === f)?.[1];
    const then = new Set(tl ? holdersDuring(tl, window).map((h) => h.resourceId) : []);
    const heldThen = (r: Resolved) => holderIdsOf(r).some((id) => then.has(id));
    nowHolders.set(f, f.resources.filter((r) => !heldThen(r)));
    f.resources = f.resources.filter(heldThen);
  }
  return nowHolders;
}
