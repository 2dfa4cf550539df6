/**
 * Wave 0 and 1: the accounts to search, their enabled regions, and every regional reference
 * located in every region to search, one batched call per kind per region.
 *
 * Where the notice names regions they are searched first, then every other enabled region for
 * what was not there. Where it names none: every enabled region, starting at once in the default
 * regions (they can't be disabled) while DescribeRegions lists the opt-in ones. When the notice
 * names accounts the port can't reach at all, the ones it can are searched.
 */
import { DEFAULT_REGIONS, type Scope } from "../cloud/model.ts";
import type { Notice } from "../notice/types.ts";
import type { Ref } from "./refs.ts";
import { key, uniq, type LookupKind, type ScopeHits, type Search } from "./search.ts";

type RegionalType = "ec2-instance" | "public-ip" | "elastic-ip" | "network-interface" | "nat-gateway" | "load-balancer";

/** Per kind of regional reference: the lookup that finds it, and whether a region's answer has it. */
const REGIONAL: Record<RegionalType, { kind: LookupKind; has: (h: ScopeHits, id: string) => boolean }> = {
  "ec2-instance": { kind: "instances", has: (h, id) => h.instances.has(id) },
  "public-ip": { kind: "ips", has: (h, id) => h.eniByIp.has(id) || h.instanceByIp.has(id) || h.eipByIp.has(id) },
  "elastic-ip": { kind: "allocs", has: (h, id) => h.eipByAlloc.has(id) },
  "network-interface": { kind: "enis", has: (h, id) => h.eniById.has(id) },
  "nat-gateway": { kind: "nats", has: (h, id) => h.natById.has(id) },
  "load-balancer": { kind: "lbs", has: (h, id) => h.lbById.has(id) },
};

export const isRegional = (ref: Ref): ref is Ref & { type: RegionalType } => ref.type in REGIONAL;

/** The ids to look up in one region, per kind. */
type Want = Record<LookupKind, Set<string>>;
const emptyWant = (): Want => ({ instances: new Set(), ips: new Set(), enis: new Set(), nats: new Set(), allocs: new Set(), lbs: new Set() });

/** Where the references are: the accounts searched for each, and the regions each was found in. */
export interface Located {
  /** The regional references (instances, addresses, ENIs, NAT gateways, load balancers). */
  regional: Ref[];
  /** The accounts a reference is searched in. */
  accountsOf: (ref: Ref) => string[];
  /** The regions whose answer has the reference. */
  foundIn: (ref: Ref) => ScopeHits[];
  /** The regions the notice names (beside no reference in particular). */
  noticeRegions: string[];
}

/** Looks up, in one region, every reference wanted there: one call per kind. */
async function locateScope(s: Search, scope: Scope, want: Want, speculative: boolean): Promise<ScopeHits> {
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
  const p = s.port;
  const searches: Promise<void>[] = [];
  /** One lookup: records what it found; says whether it succeeded (a failure is already a gap, or held). */
  const ask = <T>(fn: () => Promise<T[]>, record: (item: T) => void, service = "ec2"): Promise<boolean> =>
    s.call(scope, fn, service, speculative).then((r) => {
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

  if (want.instances.size > 0) search("instances", ask(() => p.describeInstances(scope, { instanceIds: [...want.instances] }), (i) => hits.instances.set(i.instanceId, i)));
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
  if (want.enis.size > 0) search("enis", ask(() => p.describeNetworkInterfaces(scope, { networkInterfaceIds: [...want.enis] }), (e) => hits.eniById.set(e.networkInterfaceId, e)));
  if (want.nats.size > 0) search("nats", ask(() => p.describeNatGateways(scope, { natGatewayIds: [...want.nats] }), (n) => hits.natById.set(n.natGatewayId, n)));
  if (want.allocs.size > 0)
    search(
      "allocs",
      ask(
        () => p.describeAddresses(scope, { allocationIds: [...want.allocs] }),
        (a) => {
          hits.eipByAlloc.set(a.allocationId, a);
          hits.eipByIp.set(a.publicIp, a);
        },
      ),
    );
  if (want.lbs.size > 0)
    search(
      "lbs",
      ask(
        () => p.describeLoadBalancers(scope, { ids: [...want.lbs] }),
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

/** Chooses the accounts and locates every regional reference of the notice; records hits and where each was searched in `s`. */
export async function locate(s: Search, notice: Notice, refs: Ref[]): Promise<Located> {
  const opts = s.opts;
  const noticeRegions = uniq(notice.regions.filter((r) => r && r !== "global"));

  // ---- accounts -------------------------------------------------------------------------------
  s.progress("accounts", "choosing accounts");
  let accounts: string[];
  let listedAccounts: string[] | null = null;
  const listAccounts = async () => {
    if (listedAccounts) return listedAccounts;
    const r = await s.call({ accountId: "*" }, () => s.port.accounts());
    listedAccounts = r.ok ? r.value.map((a) => a.accountId) : [];
    return listedAccounts;
  };
  if (opts.accounts?.length) accounts = uniq(opts.accounts);
  else if (notice.accountIds.length) accounts = uniq(notice.accountIds);
  else accounts = await listAccounts();

  /** The regions to search first for a reference: `--regions`, the one beside it, or the notice's. */
  const namedRegions = (ref: Ref): string[] => (opts.regions?.length ? opts.regions : ref.region ? [ref.region] : noticeRegions);

  const regional = refs.filter(isRegional);
  let fellBack = false;
  const accountsOf = (ref: Ref) => (ref.accountId && !opts.accounts?.length && !fellBack ? [ref.accountId] : accounts);
  const foundIn = (ref: Ref): ScopeHits[] => (isRegional(ref) ? s.located.filter((h) => REGIONAL[ref.type].has(h, ref.id)) : []);

  /** Locates refs in the regions `scopesOf` gives, one batched call per kind per region; records hits and where each ref was searched. */
  const locatePass = async (pass: Ref[], scopesOf: (ref: Ref, accountId: string) => Promise<string[]>, speculative = false) => {
    const wants = new Map<string, { scope: Scope; want: Want; refs: Set<Ref> }>();
    await Promise.all(
      pass.filter(isRegional).flatMap((ref) =>
        accountsOf(ref).map(async (accountId) => {
          for (const region of await scopesOf(ref, accountId)) {
            const scope = { accountId, region };
            let w = wants.get(key(scope));
            if (!w) wants.set(key(scope), (w = { scope, want: emptyWant(), refs: new Set() }));
            w.refs.add(ref);
            w.want[REGIONAL[ref.type].kind].add(ref.id);
          }
        }),
      ),
    );
    s.progress("locate", `searching ${wants.size} account/region${wants.size === 1 ? "" : "s"}`);
    const results = await Promise.all([...wants.values()].map(async (w) => ({ w, hits: await locateScope(s, w.scope, w.want, speculative) })));
    for (const { w, hits } of results) {
      s.located.push(hits);
      for (const ref of w.refs) if (isRegional(ref) && hits.ok.has(REGIONAL[ref.type].kind)) s.markSearched(ref, w.scope);
    }
  };

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
        s.regionsOf(a).then((enabled) =>
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
    for (const h of [...s.located]) {
      if (!h.speculative) continue;
      const listed = await s.regionsOf(h.scope.accountId);
      if (!listed || listed.includes(h.scope.region)) continue;
      s.located.splice(s.located.indexOf(h), 1);
      for (const ref of regional.filter(unplaced)) s.searched.get(ref)?.get(h.scope.accountId)?.delete(h.scope.region);
    }
  };
  const pass = async () => {
    await firstPass();
    await s.releaseHeld();
    await dropUnlisted();
  };
  await pass();
  // When the notice named accounts this port can't reach at all, search the ones it can.
  const nothingFound = regional.every((r) => foundIn(r).length === 0);
  const unreachable = async () => (await Promise.all(accounts.map((a) => s.regionsOf(a)))).every((r) => r === null) && s.gaps.some((g) => /not reachable/.test(g.reason));
  if (!opts.accounts?.length && notice.accountIds.length && nothingFound && refs.some((r) => r.type !== "unsupported") && (await unreachable())) {
    const reachable = (await listAccounts()).filter((a) => !accounts.includes(a));
    if (reachable.length) {
      accounts = reachable;
      fellBack = true;
      await pass();
    }
  }
  // Pass 2: not in the region the notice named: every other enabled region.
  const fallback = opts.regions?.length ? [] : regional.filter((ref) => foundIn(ref).length === 0 && (ref.region || noticeRegions.length));
  if (fallback.length) {
    s.progress("locate", `not where the notice says: searching every enabled region for ${fallback.length} reference(s)`);
    await locatePass(fallback, async (ref, accountId) => ((await s.regionsOf(accountId)) ?? []).filter((r) => !namedRegions(ref).includes(r)));
  }
  return { regional, accountsOf, foundIn, noticeRegions };
}
