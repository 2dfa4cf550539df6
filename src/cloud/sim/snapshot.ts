/**
 * A deep, canonical copy of the simulator's state, so a test can prove "rollback leaves the
 * account as it was": two snapshots are equal (`toEqual`) exactly when the accounts are the same
 * in every way AWS would call state. Collections are keyed by id (order-free); security group
 * rules are sorted and compared without their rule ids, because AWS gives a re-added rule a new
 * id; CloudTrail is history, not state, and is left out (read it with lookupEvents).
 */
import type { SgRule } from "../model.ts";
import type { RegionState, SimState } from "./state.ts";

export type SimSnapshot = {
  accounts: Record<string, Record<string, unknown>>;
};

function byId<T>(map: Map<string, T>, fn: (v: T) => unknown = (v) => v): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of [...map.keys()].sort()) out[k] = structuredClone(fn(map.get(k)!));
  return out;
}

function canonicalRules(rules: SgRule[]): Omit<SgRule, "ruleId">[] {
  return rules
    .map(({ ruleId: _ruleId, ...rest }) => rest)
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}

function region(rs: RegionState): Record<string, unknown> {
  return {
    vpcs: byId(rs.vpcs),
    subnets: byId(rs.subnets),
    networkAcls: byId(rs.acls, (a) => ({ ...a, entries: [...a.entries].sort((x, y) => Number(x.egress) - Number(y.egress) || x.ruleNumber - y.ruleNumber) })),
    securityGroups: byId(rs.groups, (g) => ({ ...g, rules: canonicalRules(g.rules) })),
    networkInterfaces: byId(rs.enis),
    instances: byId(rs.instances),
    addresses: byId(rs.eips),
    natGateways: byId(rs.nats),
    loadBalancers: byId(rs.lbs, (l) => ({ ...l, instanceIds: [...l.instanceIds].sort() })),
    targetGroups: byId(rs.tgs, (t) => ({ ...t, targets: [...t.targets].sort((a, b) => (a.id + (a.port ?? "") < b.id + (b.port ?? "") ? -1 : 1)) })),
    autoScalingGroups: byId(rs.asgs, (g) => ({
      ...g,
      suspendedProcesses: [...g.suspendedProcesses].sort(),
      instances: [...g.instances].sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1)),
    })),
    ssmManagedInstances: byId(rs.ssm),
    snapshots: byId(rs.snapshots),
    volumeTags: byId(rs.volumeTags),
    survivingVolumes: byId(rs.survivingVolumes),
  };
}

export function snapshotState(state: SimState): SimSnapshot {
  const accounts: SimSnapshot["accounts"] = {};
  for (const id of [...state.accounts.keys()].sort()) {
    const acc = state.accounts.get(id)!;
    const regions: Record<string, unknown> = {};
    for (const r of [...acc.regions.keys()].sort()) regions[r] = region(acc.regions.get(r)!);
    accounts[id] = {
      enabledRegions: [...acc.enabledRegions],
      regions,
      iamUsers: byId(acc.users),
      buckets: byId(acc.buckets),
      distributions: byId(acc.distributions),
    };
  }
  return { accounts };
}

/** Where two snapshots differ, as paths (`accounts.111122223333.regions.eu-west-1.securityGroups.sg-0abc`), for readable failures. */
export function diffSnapshots(a: unknown, b: unknown, path = ""): string[] {
  if (a === b) return [];
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return [path || "(root)"];
  if (Array.isArray(a)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
  const out: string[] = [];
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    if (!(k in ao) || !(k in bo)) out.push(path ? `${path}.${k}` : k);
    else out.push(...diffSnapshots(ao[k], bo[k], path ? `${path}.${k}` : k));
  }
  return out;
}
