/**
 * From a resolution to the things a plan may touch: instances, stand-alone interfaces, buckets,
 * distributions and keys, deduplicated, with everything the policy forbids (protected tags and
 * ids, the blast radius, resources that moved or are gone) set aside in `refused` with the reason.
 */
import type { Tags } from "../cloud/model.ts";
import type { Policy } from "../policy/policy.ts";
import type { Resolution } from "../resolve/types.ts";
import type { PlanBuilder } from "./builder.ts";
import { hostKey, scopedKey, type ResolvedBucket, type ResolvedDistribution, type ResolvedEni, type ResolvedInstance, type ResolvedKey } from "./types.ts";

export interface Targets {
  instances: ResolvedInstance[];
  /** Interfaces not attached to a planned instance (an unattached ENI, a secondary one found by IP). */
  interfaces: ResolvedEni[];
  buckets: ResolvedBucket[];
  distributions: ResolvedDistribution[];
  keys: ResolvedKey[];
}

export function protectedBy(policy: Policy, id: string, tags: Tags): string | null {
  if (policy.protected.ids.includes(id)) return `${id} is listed in the policy's protected ids`;
  for (const [k, v] of Object.entries(policy.protected.tags)) {
    if (tags[k] === v) return `tagged ${k}=${v} (protected by the policy)`;
  }
  return null;
}

const GONE = new Set(["terminated", "shutting-down"]);

/** Why the policy forbids touching an instance, if it does: the instance or its Auto Scaling group is protected. */
function refusal(policy: Policy, i: ResolvedInstance): string | null {
  const own = protectedBy(policy, i.id, i.instance.tags);
  if (own) return own;
  const why = i.autoScalingGroup ? protectedBy(policy, i.autoScalingGroup.name, i.autoScalingGroup.tags) : null;
  return why && `its Auto Scaling group ${i.autoScalingGroup!.name} is ${why}: isolating the instance without taking it out of the group would let the group terminate it`;
}

export function gatherTargets(resolution: Resolution, policy: Policy, b: PlanBuilder): Targets {
  const t: Targets = { instances: [], interfaces: [], buckets: [], distributions: [], keys: [] };
  const seen = new Set<string>();
  const once = (key: string) => (seen.has(key) ? false : (seen.add(key), true));

  for (const f of resolution.findings) {
    if (f.status === "moved") {
      // The address changed hands after the activity: whoever holds it now did not do it.
      b.refuse(f.ref.publicIp ?? f.ref.id, `moved: ${f.summary}; the current holder is not the reported resource, so nothing is planned for it`);
      continue;
    }
    if (f.status === "not-found") {
      b.warn(`${f.ref.id}: not found (${f.summary}); nothing to contain there`);
      continue;
    }
    if (f.status === "not-searched") {
      b.warn(`${f.ref.id}: NOT SEARCHED (${f.error ?? f.summary}); nothing is planned for it: plan again when the account can be read`);
      continue;
    }
    if (f.status === "error") {
      b.warn(`${f.ref.id}: not looked up (${f.error ?? f.summary}); contain it by hand`);
      continue;
    }
    for (const r of f.resources) {
      const where = `${r.accountId}/${r.region}`;
      if (!once(`${r.type}|${r.accountId}|${r.region}|${r.id}`)) continue;
      switch (r.type) {
        case "ec2-instance":
          t.instances.push(r);
          break;
        case "network-interface":
          t.interfaces.push(r);
          break;
        case "s3-bucket":
          t.buckets.push(r);
          break;
        case "cloudfront-distribution":
          t.distributions.push(r);
          break;
        case "access-key":
          t.keys.push(r);
          break;
        case "nat-gateway":
          b.warn(
            `${r.id} (${where}) is a NAT gateway: the traffic came from a host behind it. A NAT gateway cannot be isolated without cutting every host behind it; find the host in the VPC flow logs of its interfaces (abuse-desk investigate CASE --only flows reads them: the gateway's interfaces are part of what it investigates) and plan for it.`,
          );
          break;
        case "load-balancer":
          b.warn(`${r.id} (${where}) is a load balancer: the activity came from a target behind it or through it; find the target and plan for it.`);
          break;
        case "elastic-ip":
          if (!r.address.instanceId && !r.address.networkInterfaceId) b.warn(`${r.address.publicIp} (${where}) is an Elastic IP associated with nothing now.`);
          break;
      }
    }
  }

  // Interfaces of planned instances are contained with their instance.
  const planned = new Set(t.instances.map(hostKey));
  t.interfaces = t.interfaces.filter((e) => {
    const owner = e.networkInterface.attachment?.instanceId;
    return !(owner && planned.has(scopedKey(e, owner)));
  });

  t.instances = t.instances.filter((i) => {
    const why = refusal(policy, i);
    if (why) {
      b.refuse(i.id, why);
      return false;
    }
    if (GONE.has(i.instance.state)) {
      b.refuse(i.id, `instance is ${i.instance.state}: nothing left to contain (its volumes may survive: check for them)`);
      return false;
    }
    return true;
  });
  t.interfaces = t.interfaces.filter((e) => {
    const why = protectedBy(policy, e.id, e.networkInterface.tags);
    if (why) b.refuse(e.id, why);
    else if (e.networkInterface.requesterManaged)
      b.warn(`${e.id} is managed by AWS for ${e.networkInterface.interfaceType} (${e.networkInterface.description}): its security groups cannot be changed here; contain the service that owns it.`);
    return !why && !e.networkInterface.requesterManaged;
  });
  t.buckets = t.buckets.filter((x) => {
    const why = protectedBy(policy, x.id, x.bucket.tags);
    if (why) b.refuse(x.id, why);
    return !why;
  });
  t.distributions = t.distributions.filter((x) => {
    const why = protectedBy(policy, x.id, x.distribution.tags);
    if (why) b.refuse(x.id, why);
    return !why;
  });
  t.keys = t.keys.filter((x) => {
    const why = protectedBy(policy, x.id, x.user?.tags ?? x.tags) ?? (x.user ? protectedBy(policy, x.user.userName, x.user.tags) : null);
    if (why) b.refuse(x.id, why);
    return !why;
  });

  // A stand-alone interface is a host too (the secondary ENI of an instance not in the plan, an
  // unattached one): isolating it cuts traffic like isolating an instance, so it counts.
  const count = t.instances.length + t.interfaces.length;
  if (count > policy.blastRadius.maxInstances) {
    const what = t.interfaces.length ? `${count} hosts (${t.instances.length} instances, ${t.interfaces.length} stand-alone network interfaces)` : `${count} instances`;
    for (const r of [...t.instances, ...t.interfaces]) b.refuse(r.id, `the plan would touch ${what}, more than the policy's blast radius (${policy.blastRadius.maxInstances})`);
    b.warn(`Blast radius: ${what} exceed the limit of ${policy.blastRadius.maxInstances}; none is planned. Raise blastRadius.maxInstances in the policy deliberately if this is right.`);
    t.instances = [];
    t.interfaces = [];
  }
  const order = (a: { accountId: string; region: string; id: string }, z: { accountId: string; region: string; id: string }) =>
    a.accountId.localeCompare(z.accountId) || a.region.localeCompare(z.region) || a.id.localeCompare(z.id);
  t.instances.sort(order);
  t.interfaces.sort(order);
  return t;
}
