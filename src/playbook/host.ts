/**
 * The compromised-host playbook: keep the evidence, keep the instance, cut its traffic, keep a
 * way in for the examiner. In order:
 *
 *  1. capture metadata (description, user data, console output, screenshot) before anything changes;
 *  2. termination protection, shutdown behaviour `stop`, DeleteOnTermination off;
 *  3. crash-consistent snapshots of every volume, tagged with the case (before isolation: an
 *     intruder who notices the cut may wipe the disk);
 *  4. Auto Scaling: suspend the processes that replace or rebalance instances, protect from scale-in,
 *     then standby (or detach) with a decremented capacity so no replacement launches;
 *  5. deregister from target groups and classic load balancers;
 *  6. every ENI to an all-traffic group (its flows become untracked) and then to the isolation
 *     group (examiners in, HTTPS to the SSM endpoints out when host triage is wanted);
 *  7. optionally stop; 8. tag everything with the case. The network ACL denies for the reported
 *     peers (several hosts in one subnet, `--urgent`, policy `always`) are acl.ts's, as for every
 *     playbook: written after this, first in the plan when urgent.
 *
 * docs/containment.md explains each choice.
 */
import type { AutoScalingGroup, Scope, Tags } from "../cloud/model.ts";
import type { RuleSpec } from "../cloud/port.ts";
import { TAG_ROLE } from "../plan/tags.ts";
import type { EnrichedInterface } from "../resolve/types.ts";
import type { StepRef, Subject } from "./builder.ts";
import { containHost, type PlanContext } from "./context.ts";
import { protectedBy } from "./targets.ts";
import { hostKey, scopeOf, scopedKey, subjectOf, type ResolvedEni, type ResolvedInstance } from "./types.ts";

interface HostSteps {
  capture: Map<string, StepRef>;
  snapshot: Map<string, StepRef>;
}


/** The read-only capture every playbook that touches an instance starts with. */
export function planCapture(ctx: PlanContext, h: ResolvedInstance, reason: string): StepRef {
  const cap = ctx.b.add({
    action: "capture-metadata",
    slug: h.id,
    target: { ...scopeOf(h), type: "ec2-instance", id: h.id },
    params: { instanceId: h.id },
    reason,
    changes: "nothing (reads only); the captures are kept as evidence with their SHA-256",
    reversible: true,
    risk: "low",
    subjects: [subjectOf(h)],
  });
  // A host a playbook captures is a host it contains: the network ACL stage covers it (acl.ts).
  containHost(ctx, h, cap);
  return cap;
}

/**
 * Capture, protections and snapshots: the preservation both the host and the content playbooks
 * start with. `autoScaling`: the playbook also takes the hosts out of their Auto Scaling groups
 * (the only thing that stops a group terminating them); otherwise the plan warns about members.
 */
export function planPreserve(ctx: PlanContext, hosts: ResolvedInstance[], opts: { autoScaling: boolean }): HostSteps {
  const { b } = ctx;
  const out: HostSteps = { capture: new Map(), snapshot: new Map() };
  for (const h of hosts) {
    const scope = scopeOf(h);
    const target = { ...scope, type: "ec2-instance", id: h.id };
    const subjects = [subjectOf(h)];
    if (h.autoScalingGroup && !opts.autoScaling) {
      b.warn(
        `${h.id} is in Auto Scaling group ${h.autoScalingGroup.name}, which this playbook leaves as it is: if the group's health checks fail (a load balancer checking through a rule this plan closes), the group terminates the instance, termination protection or not. The snapshots and DeleteOnTermination off keep its disks; to keep the instance itself, put it in standby first or re-plan with --playbook compromised-host.`,
      );
    }
    const cap = planCapture(ctx, h, "Evidence first: the instance's description, user data, console output and screenshot, as they are before anything changes.");
    out.capture.set(hostKey(h), cap);
    const deps = [cap];
    if (h.instance.disableApiTermination !== true) {
      deps.push(
        b.add({
          action: "protect-termination",
          slug: h.id,
          target,
          params: { instanceId: h.id },
          reason: `Nobody terminates the evidence by mistake (Auto Scaling still could: ${opts.autoScaling ? "handled below" : "see the warnings"}).`,
          changes: `sets DisableApiTermination on ${h.id} (was off)`,
          reversible: true,
          risk: "low",
          dependsOn: [cap],
          subjects,
        }),
      );
    } else ctx.already.push(`termination protection on ${h.id}`);
    if (h.instance.instanceInitiatedShutdownBehavior !== "stop") {
      deps.push(
        b.add({
          action: "shutdown-stop",
          slug: h.id,
          target,
          params: { instanceId: h.id },
          reason: "A shutdown from inside the host (an intruder covering tracks) stops the instance instead of terminating it.",
          changes: `sets InstanceInitiatedShutdownBehavior=stop on ${h.id} (was ${h.instance.instanceInitiatedShutdownBehavior ?? "unknown"})`,
          reversible: true,
          risk: "low",
          dependsOn: [cap],
          subjects,
        }),
      );
    } else ctx.already.push(`shutdown behaviour stop on ${h.id}`);
    const devices = h.instance.blockDevices.filter((d) => d.deleteOnTermination).map((d) => d.deviceName);
    if (devices.length) {
      deps.push(
        b.add({
          action: "keep-volumes",
          slug: h.id,
          target,
          params: { instanceId: h.id, deviceNames: devices },
          reason: "The volumes outlive the instance if it is terminated anyway.",
          changes: `sets DeleteOnTermination=false for ${devices.join(", ")} of ${h.id}`,
          reversible: true,
          risk: "low",
          dependsOn: [cap],
          subjects,
        }),
      );
    }
    const volumes = h.instance.blockDevices.map((d) => d.volumeId);
    if (volumes.length) {
      const snap = b.add({
          action: "snapshot-volumes",
          slug: h.id,
          target,
          params: { instanceId: h.id, volumeIds: volumes, description: `abuse-desk ${ctx.caseKey}: ${h.id} as found`, tags: ctx.caseTags },
          reason: "Crash-consistent snapshots of every volume, taken together, before the host is cut off (an intruder who notices may wipe the disk).",
          changes: `creates ${volumes.length} snapshot(s) of ${volumes.join(", ")}, tagged with the case; kept on rollback (evidence)`,
          reversible: true,
          risk: "low",
          dependsOn: deps,
          subjects,
        });
      out.snapshot.set(hostKey(h), snap);
      containHost(ctx, h, snap);
    } else b.warn(`${h.id} has no EBS volume to snapshot (instance store only?): its disk is evidence only while it runs.`);
  }
  return out;
}

interface GroupWork {
  scope: Scope;
  asg: AutoScalingGroup;
  hosts: ResolvedInstance[];
}

function planAutoScaling(ctx: PlanContext, hosts: ResolvedInstance[], pre: HostSteps): Map<string, StepRef> {
  const { b, policy } = ctx;
  const out = new Map<string, StepRef>(); // instance key -> the step that takes it out of its group
  const groups = new Map<string, GroupWork>();
  for (const h of hosts) {
    if (!h.autoScalingGroup) continue;
    const k = scopedKey(h, h.autoScalingGroup.name);
    const g = groups.get(k) ?? { scope: scopeOf(h), asg: h.autoScalingGroup, hosts: [] };
    g.hosts.push(h);
    groups.set(k, g);
  }
  for (const { scope, asg, hosts: members } of groups.values()) {
    const target = { ...scope, type: "autoscaling-group", id: asg.name };
    const subjects = members.map(subjectOf);
    // Suspending processes and lowering the minimum change the whole group, its other members too:
    // an automatic rule must cover the group as well as the reported hosts.
    const groupWide = [...subjects, { accountId: scope.accountId, tags: asg.tags }];
    const caps = members.map((h) => pre.capture.get(hostKey(h)));
    const state = (id: string) => asg.instances.find((i) => i.instanceId === id);
    const movable = members.filter((h) => state(h.id)?.lifecycleState === "InService");
    const standing = members.filter((h) => state(h.id)?.lifecycleState === "Standby");
    for (const h of members) {
      const s = state(h.id)?.lifecycleState;
      if (s !== "InService" && s !== "Standby") b.warn(`${h.id} is ${s ?? "not listed"} in Auto Scaling group ${asg.name}: it is not moved out of the group; re-plan once it settles.`);
    }
    if (standing.length) ctx.already.push(`${standing.map((h) => h.id).join(", ")} already in standby in ${asg.name}`);

    let last: StepRef | undefined;
    const suspend = policy.host.suspendProcesses.filter((p) => !asg.suspendedProcesses.includes(p));
    if (suspend.length) {
      last = b.add({
        action: "asg-suspend-processes",
        slug: asg.name,
        target,
        params: { groupName: asg.name, processes: suspend },
        reason: "The group must not replace the instance as unhealthy (isolation fails its health checks) nor rebalance it away.",
        changes: `suspends ${suspend.join(", ")} for the whole group ${asg.name} until rollback (other unhealthy members are not replaced meanwhile)`,
        reversible: true,
        risk: "medium",
        dependsOn: caps,
        subjects: groupWide,
      });
    }
    const unprotected = [...movable, ...standing].filter((h) => !state(h.id)?.protectedFromScaleIn);
    const batches = ctx.batch ? [unprotected] : unprotected.map((h) => [h]);
    const protects: StepRef[] = [];
    for (const batch of batches) {
      if (!batch.length) continue;
      protects.push(
        b.add({
          action: "asg-protect-scale-in",
          slug: ctx.batch ? asg.name : `${asg.name}-${batch[0]!.id}`,
          target,
          params: { groupName: asg.name, instanceIds: batch.map((h) => h.id) },
          reason: "A scale-in must not pick these instances while they are being taken out of the group.",
          changes: `protects ${batch.map((h) => h.id).join(", ")} from scale-in`,
          reversible: true,
          risk: "low",
          dependsOn: [last, ...caps],
          subjects: batch.map(subjectOf),
        }),
      );
    }
    if (!movable.length) continue;
    const desired = asg.desiredCapacity - movable.length;
    let lower: StepRef | undefined;
    if (desired < asg.minSize) {
      lower = b.add({
        action: "asg-lower-min",
        slug: asg.name,
        target,
        params: { groupName: asg.name, minSize: Math.max(0, desired) },
        reason: "Taking the instances out with a decremented capacity is refused while it would go below the minimum size.",
        changes: `lowers MinSize of ${asg.name} from ${asg.minSize} to ${Math.max(0, desired)} (restored on rollback)`,
        reversible: true,
        risk: "medium",
        dependsOn: [last, ...protects, ...caps],
        subjects: groupWide,
      });
    }
    const mode = policy.host.autoScaling;
    const moveBatches = ctx.batch ? [movable] : movable.map((h) => [h]);
    for (const batch of moveBatches) {
      const ref = b.add({
        action: mode === "standby" ? "asg-standby" : "asg-detach",
        slug: ctx.batch ? asg.name : `${asg.name}-${batch[0]!.id}`,
        target,
        params: { groupName: asg.name, instanceIds: batch.map((h) => h.id) },
        reason:
          mode === "standby"
            ? "Standby keeps the instance in its group but out of service, health checks and scaling; the decremented capacity means no replacement launches."
            : "Detached, the group can no longer terminate the instance; the decremented capacity means no replacement launches.",
        changes:
          `${mode === "standby" ? "moves to Standby" : "detaches"} ${batch.map((h) => h.id).join(", ")} in ${asg.name}, desired capacity decremented by ${batch.length}` +
          (asg.targetGroupArns.length || asg.loadBalancerNames.length
            ? `; the group itself deregisters them from its target groups and load balancers (${[...asg.targetGroupArns.map((a) => a.split("/")[1] ?? a), ...asg.loadBalancerNames].join(", ")})`
            : ""),
        reversible: true,
        risk: "medium",
        dependsOn: [last, ...protects, lower, ...caps],
        subjects: batch.map(subjectOf),
      });
      for (const h of batch) out.set(hostKey(h), ref);
    }
  }
  return out;
}

function planLoadBalancers(ctx: PlanContext, hosts: ResolvedInstance[], pre: HostSteps, moved: Map<string, StepRef>): Map<string, StepRef[]> {
  const { b, policy } = ctx;
  const out = new Map<string, StepRef[]>();
  const note = (h: ResolvedInstance, ref: StepRef) => out.set(hostKey(h), [...(out.get(hostKey(h)) ?? []), ref]);
  const tgs = new Map<string, { scope: Scope; arn: string; name: string; items: { h: ResolvedInstance; targets: { id: string; port?: number }[] }[] }>();
  const clbs = new Map<string, { scope: Scope; name: string; tags: Tags; hosts: ResolvedInstance[] }>();
  for (const h of hosts) {
    const ips = new Set(h.interfaces.flatMap((e) => e.privateIpAddresses.length ? e.privateIpAddresses : [e.privateIpAddress]));
    if (h.instance.privateIpAddress) ips.add(h.instance.privateIpAddress);
    // Standby and detach deregister the instance from the group's own target groups and classic
    // load balancers: AWS does those, so the plan does not.
    const viaGroup = moved.has(hostKey(h)) ? h.autoScalingGroup : undefined;
    for (const tg of h.targetGroups) {
      if (viaGroup?.targetGroupArns.includes(tg.targetGroupArn)) continue;
      // Target groups carry no tags here: the policy protects them by ARN or name.
      const guarded = protectedBy(policy, tg.targetGroupArn, {}) ?? protectedBy(policy, tg.name, {});
      if (guarded) {
        b.warn(`${h.id} stays registered with target group ${tg.name}: ${guarded}.`);
        continue;
      }
      const mine = tg.targets.filter((t) => (tg.targetType === "instance" ? t.id === h.id : tg.targetType === "ip" ? ips.has(t.id) : false));
      if (!mine.length) continue;
      const k = scopedKey(h, tg.targetGroupArn);
      const e = tgs.get(k) ?? { scope: scopeOf(h), arn: tg.targetGroupArn, name: tg.name, items: [] };
      e.items.push({ h, targets: mine.map((t) => (t.port === undefined ? { id: t.id } : { id: t.id, port: t.port })) });
      tgs.set(k, e);
    }
    for (const lb of h.classicLoadBalancers) {
      if (viaGroup?.loadBalancerNames.includes(lb.name)) continue;
      const why = protectedBy(policy, lb.name, lb.tags);
      if (why) {
        b.warn(`${h.id} stays registered with classic load balancer ${lb.name}: ${why}.`);
        continue;
      }
      const k = scopedKey(h, lb.name);
      const e = clbs.get(k) ?? { scope: scopeOf(h), name: lb.name, tags: lb.tags, hosts: [] };
      e.hosts.push(h);
      clbs.set(k, e);
    }
  }
  for (const tg of tgs.values()) {
    const batches = ctx.batch ? [tg.items] : tg.items.map((i) => [i]);
    for (const batch of batches) {
      const ref = b.add({
        action: "deregister-targets",
        slug: ctx.batch ? tg.name : `${tg.name}-${batch[0]!.h.id}`,
        target: { ...tg.scope, type: "target-group", id: tg.arn },
        params: { targetGroupArn: tg.arn, targets: batch.flatMap((i) => i.targets) },
        reason: "Clients stop being sent to the host (isolation would fail them anyway); in-flight requests drain.",
        changes: `deregisters ${batch.flatMap((i) => i.targets.map((t) => t.id + (t.port ? `:${t.port}` : ""))).join(", ")} from target group ${tg.name} (in-flight requests drain for its deregistration delay); registered again on rollback`,
        reversible: true,
        risk: "medium",
        dependsOn: batch.flatMap((i) => [pre.capture.get(hostKey(i.h)), moved.get(hostKey(i.h))]),
        subjects: batch.map((i) => subjectOf(i.h)),
      });
      for (const i of batch) note(i.h, ref);
    }
  }
  for (const lb of clbs.values()) {
    const batches = ctx.batch ? [lb.hosts] : lb.hosts.map((h) => [h]);
    for (const batch of batches) {
      const ref = b.add({
        action: "deregister-classic",
        slug: ctx.batch ? lb.name : `${lb.name}-${batch[0]!.id}`,
        target: { ...lb.scope, type: "classic-load-balancer", id: lb.name },
        params: { loadBalancerName: lb.name, instanceIds: batch.map((h) => h.id) },
        reason: "Clients stop being sent to the host (isolation would fail them anyway).",
        changes: `deregisters ${batch.map((h) => h.id).join(", ")} from classic load balancer ${lb.name}; registered again on rollback`,
        reversible: true,
        risk: "medium",
        dependsOn: batch.flatMap((h) => [pre.capture.get(hostKey(h)), moved.get(hostKey(h))]),
        subjects: batch.map(subjectOf),
      });
      for (const h of batch) note(h, ref);
    }
  }
  return out;
}

interface VpcGroups {
  allTraffic: StepRef;
  isolation: StepRef;
}

function isolationRules(ctx: PlanContext, vpcCidr: string | undefined, vpcId: string): { ingress: RuleSpec[]; egress: RuleSpec[] } {
  const { policy } = ctx;
  const ingress: RuleSpec[] = [];
  for (const cidr of policy.examiners.cidrs) {
    for (const port of policy.examiners.ports) {
      const peer = cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
      ingress.push({ direction: "ingress", protocol: "tcp", fromPort: port, toPort: port, ...peer, description: `abuse-desk examiner access ${ctx.caseKey}` });
    }
  }
  const egress: RuleSpec[] = [];
  if (policy.hostTriage.enabled) {
    const https = { direction: "egress" as const, protocol: "tcp", fromPort: 443, toPort: 443, description: `abuse-desk host triage: SSM endpoints ${ctx.caseKey}` };
    if (policy.hostTriage.egress === "vpc-cidr") {
      if (vpcCidr) egress.push({ ...https, cidrIpv4: vpcCidr });
      else ctx.b.warn(`Host triage: the CIDR of ${vpcId} is unknown, so no HTTPS egress to the SSM endpoints is planned there.`);
    } else {
      for (const c of policy.hostTriage.egress.cidrs) egress.push({ ...https, ...(c.includes(":") ? { cidrIpv6: c } : { cidrIpv4: c }) });
      for (const pl of policy.hostTriage.egress.prefixListIds) egress.push({ ...https, prefixListId: pl });
    }
  }
  return { ingress, egress };
}

function planVpcGroups(ctx: PlanContext, vpcs: Map<string, { scope: Scope; vpcId: string; cidr?: string; ipv6: boolean; subjects: Subject[] }>): Map<string, VpcGroups> {
  const { b } = ctx;
  const out = new Map<string, VpcGroups>();
  for (const [k, v] of vpcs) {
    const target = { ...v.scope, type: "vpc", id: v.vpcId };
    const world: RuleSpec[] = [
      { direction: "ingress", protocol: "-1", cidrIpv4: "0.0.0.0/0" },
      { direction: "ingress", protocol: "-1", cidrIpv6: "::/0" },
    ];
    const worldOut: RuleSpec[] = [
      { direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" },
      { direction: "egress", protocol: "-1", cidrIpv6: "::/0" },
    ];
    const allTraffic = b.add({
      action: "create-all-traffic-group",
      slug: v.vpcId,
      target,
      params: {
        vpcId: v.vpcId,
        groupName: `abuse-desk-all-traffic-${ctx.planId}`,
        description: `abuse-desk ${ctx.caseKey}: all traffic, untracked; transit group before isolation`,
        tags: { ...ctx.caseTags, [TAG_ROLE]: "all-traffic" },
        ingress: world,
        egress: worldOut,
      },
      reason:
        "Security groups track connections: removing a rule does not cut a flow already open. An interface first moved to a group allowing all traffic both ways has its flows untracked, so the move to the isolation group then cuts them at once.",
      changes: `creates security group abuse-desk-all-traffic-${ctx.planId} in ${v.vpcId} (allows all traffic; used for an instant per interface); kept on rollback, never deleted by abuse-desk`,
      reversible: true,
      risk: "low",
      subjects: v.subjects,
      vpcHasIpv6: v.ipv6,
    });
    const rules = isolationRules(ctx, v.cidr, v.vpcId);
    const isolation = b.add({
      action: "create-isolation-group",
      slug: v.vpcId,
      target,
      params: {
        vpcId: v.vpcId,
        groupName: `abuse-desk-isolation-${ctx.planId}`,
        description: `abuse-desk ${ctx.caseKey}: isolation, examiners only`,
        tags: { ...ctx.caseTags, [TAG_ROLE]: "isolation" },
        ...rules,
      },
      reason: "The group the hosts end in: no traffic at all but the examiners' way in" + (ctx.policy.hostTriage.enabled ? " and HTTPS to the Systems Manager endpoints for host triage." : "."),
      changes:
        `creates security group abuse-desk-isolation-${ctx.planId} in ${v.vpcId}, revokes its default egress (IPv4${v.ipv6 ? " and IPv6" : v.cidr ? "" : "; IPv6 too if the VPC has an IPv6 block, which this plan could not read, so the dry run shows only the IPv4 revoke"}), ` +
        (rules.ingress.length ? `allows ${ctx.policy.examiners.cidrs.join(", ")} in on tcp/${ctx.policy.examiners.ports.join(",")}` : "allows nothing in (no examiner CIDRs in the policy)") +
        (rules.egress.length ? `, allows tcp/443 out to ${rules.egress.map((r) => r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId).join(", ")}` : "") +
        "; kept on rollback, never deleted by abuse-desk",
      reversible: true,
      risk: "low",
      subjects: v.subjects,
      vpcHasIpv6: v.ipv6,
    });
    if (!rules.ingress.length) b.warn("No examiner CIDRs in the policy: isolated hosts will be reachable by no one (set examiners.cidrs).");
    out.set(k, { allTraffic, isolation });
  }
  return out;
}

/** Plans the compromised-host playbook for these instances and stand-alone interfaces. */
export function planHosts(ctx: PlanContext, all: ResolvedInstance[], enis: ResolvedEni[]): void {
  const { b, policy } = ctx;
  // Isolating a host changes the groups of every one of its ENIs: a protected ENI protects its host.
  const hosts = all.filter((h) => {
    for (const e of h.interfaces) {
      const why = protectedBy(policy, e.networkInterfaceId, e.tags);
      if (why) {
        b.refuse(h.id, `its network interface ${e.networkInterfaceId} is ${why}: isolating the host would change that interface's groups, and leaving it out would leave the host connected`);
        return false;
      }
    }
    return true;
  });
  ctx.isolates = true;
  for (const e of enis) containHost(ctx, e);
  const pre = planPreserve(ctx, hosts, { autoScaling: true });
  const moved = planAutoScaling(ctx, hosts, pre);
  const lbs = planLoadBalancers(ctx, hosts, pre, moved);

  // Interfaces to isolate, per VPC.
  interface EniWork {
    scope: Scope;
    eni: EnrichedInterface | { networkInterfaceId: string; vpcId: string; requesterManaged: false };
    host?: ResolvedInstance;
    subject: Subject;
    vpcCidr?: string;
    vpcIpv6: boolean;
  }
  const work: EniWork[] = [];
  for (const h of hosts) {
    const ipv6 = (h.vpc?.ipv6CidrBlocks?.length ?? 0) > 0 || h.interfaces.some((e) => e.ipv6Addresses.length > 0);
    const known = new Map(h.interfaces.map((e) => [e.networkInterfaceId, e]));
    const ids = h.instance.networkInterfaceIds.length ? h.instance.networkInterfaceIds : h.interfaces.map((e) => e.networkInterfaceId);
    for (const id of ids) {
      const e = known.get(id);
      if (e?.requesterManaged) {
        b.warn(`${id} on ${h.id} is managed by AWS (${e.interfaceType}): its groups cannot be changed.`);
        continue;
      }
      const vpcId = e?.vpcId ?? h.instance.vpcId;
      if (!vpcId) {
        b.warn(`${h.id} is not in a VPC (EC2-Classic?): it cannot be isolated with security groups here.`);
        continue;
      }
      work.push({ scope: scopeOf(h), eni: e ?? { networkInterfaceId: id, vpcId, requesterManaged: false }, host: h, subject: subjectOf(h), vpcCidr: h.vpc?.cidrBlock, vpcIpv6: ipv6 });
    }
  }
  for (const e of enis) {
    work.push({ scope: scopeOf(e), eni: e.networkInterface, subject: { accountId: e.accountId, tags: e.networkInterface.tags }, vpcIpv6: e.networkInterface.ipv6Addresses.length > 0 });
  }
  const vpcs = new Map<string, { scope: Scope; vpcId: string; cidr?: string; ipv6: boolean; subjects: Subject[] }>();
  for (const w of work) {
    const k = scopedKey(w.scope, w.eni.vpcId);
    const v = vpcs.get(k) ?? { scope: w.scope, vpcId: w.eni.vpcId, cidr: w.vpcCidr, ipv6: false, subjects: [] };
    v.ipv6 ||= w.vpcIpv6;
    v.cidr ??= w.vpcCidr;
    v.subjects.push(w.subject);
    vpcs.set(k, v);
  }
  const groups = planVpcGroups(ctx, vpcs);
  const isolated = new Map<string, StepRef[]>();
  for (const w of work) {
    const g = groups.get(scopedKey(w.scope, w.eni.vpcId))!;
    const hk = w.host ? hostKey(w.host) : undefined;
    const current = "groupIds" in w.eni ? w.eni.groupIds : undefined;
    const ref = b.add({
      action: "isolate-eni",
      slug: w.eni.networkInterfaceId,
      target: { ...w.scope, type: "network-interface", id: w.eni.networkInterfaceId },
      params: {
        networkInterfaceId: w.eni.networkInterfaceId,
        ...(w.host ? { instanceId: w.host.id } : {}),
        allTrafficGroupId: g.allTraffic.out("groupId"),
        isolationGroupId: g.isolation.out("groupId"),
      },
      reason: "Cut the host's traffic, established connections included, leaving only the examiners' way in.",
      changes: `replaces the groups of ${w.eni.networkInterfaceId}${w.host ? ` (${w.host.id})` : ""} (${current?.join(", ") ?? "as found at apply time"}) with the all-traffic group, then the isolation group; the old groups are journalled and restored on rollback`,
      reversible: true,
      risk: "high",
      dependsOn: [
        g.allTraffic,
        g.isolation,
        ...(hk ? [pre.capture.get(hk), pre.snapshot.get(hk), moved.get(hk), ...(lbs.get(hk) ?? [])] : []),
      ],
      subjects: [w.subject],
    });
    if (hk) isolated.set(hk, [...(isolated.get(hk) ?? []), ref]);
  }

  // The network ACL denies for the reported peers: acl.ts, the same for every playbook.

  const stop = ctx.options.stop ?? policy.host.stop;
  if (stop) {
    for (const h of hosts) {
      if (h.instance.state !== "running") {
        ctx.already.push(`${h.id} not running (${h.instance.state})`);
        continue;
      }
      const hk = hostKey(h);
      b.add({
        action: "stop-instance",
        slug: h.id,
        target: { ...scopeOf(h), type: "ec2-instance", id: h.id },
        params: { instanceId: h.id },
        reason: "Stopped, not terminated: the disks stay; memory is lost, so this runs only after the snapshots and isolation, and only when asked.",
        changes: `stops ${h.id} (memory and instance-store data are lost; an auto-assigned public IP is released); started again on rollback`,
        reversible: true,
        risk: "high",
        dependsOn: [pre.snapshot.get(hk), ...(isolated.get(hk) ?? [])],
        subjects: [subjectOf(h)],
      });
    }
  }

  planTags(
    ctx,
    hosts.map((h) => ({
      scope: scopeOf(h),
      ids: [h.id, ...h.instance.blockDevices.map((d) => d.volumeId), ...h.instance.networkInterfaceIds],
      subject: subjectOf(h),
      dep: pre.capture.get(hostKey(h)),
    })),
  );
  for (const e of enis) planTags(ctx, [{ scope: scopeOf(e), ids: [e.id], subject: { accountId: e.accountId, tags: e.networkInterface.tags } }]);
}

/** One CreateTags per account and region (or one per resource set, unbatched). */
export function planTags(ctx: PlanContext, items: { scope: Scope; ids: string[]; subject: Subject; dep?: StepRef }[]): void {
  const { b } = ctx;
  const byScope = new Map<string, { scope: Scope; items: typeof items }>();
  for (const it of items) {
    const k = `${it.scope.accountId}|${it.scope.region}`;
    const e = byScope.get(k) ?? { scope: it.scope, items: [] };
    e.items.push(it);
    byScope.set(k, e);
  }
  for (const { scope, items: list } of byScope.values()) {
    const batches = ctx.batch ? [list] : list.map((i) => [i]);
    for (const batch of batches) {
      const ids = [...new Set(batch.flatMap((i) => i.ids))];
      b.add({
        action: "tag-resources",
        slug: ctx.batch ? `${scope.accountId}-${scope.region}` : batch[0]!.ids[0]!,
        target: { ...scope, type: "resources", id: ctx.batch ? `${scope.accountId}/${scope.region}` : batch[0]!.ids[0]! },
        params: { resourceIds: ids, tags: ctx.caseTags },
        reason: "Anyone looking at these resources sees they belong to an open abuse case.",
        changes: `tags ${ids.length} resource(s) with ${Object.entries(ctx.caseTags).map(([k, v]) => `${k}=${v}`).join(", ")} (kept on rollback as a record)`,
        reversible: true,
        risk: "low",
        dependsOn: batch.map((i) => i.dep),
        subjects: batch.map((i) => i.subject),
      });
    }
  }
}

