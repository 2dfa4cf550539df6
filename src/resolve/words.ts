/**
 * The findings in words: each reference's status (found, moved, not-found, not-searched: a
 * reference in none of the places read while a place it could be in was not read is never
 * "not found"), its summary, and what a responder should notice (groups open to the world).
 */
import { ruleTraffic } from "./format.ts";
import { describeOwnership, ownershipOf } from "./ownership.ts";
import { t } from "./history.ts";
import type { TrailHistories } from "./holders.ts";
import type { Located } from "./locate.ts";
import { placeOf, searchOutcome } from "./outcome.ts";
import type { Ref } from "./refs.ts";
import { note, uniq, type InstanceResolved, type Search } from "./search.ts";
import type { Finding, Resolved } from "./types.ts";
import type { IamUser, SecurityGroup } from "../cloud/model.ts";
import type { Notice } from "../notice/types.ts";

/** Says every reference's finding: its status, summary and notes. */
export function sayFindings(s: Search, notice: Notice, refs: Ref[], loc: Located, trail: TrailHistories, users: Map<Finding, { accountId: string; user: IamUser }[]>, nowHolders: Map<Finding, Resolved[]>): void {
  for (const ref of refs) {
    const f = s.findingOf(ref);
    f.searched = s.searchedOf(ref);
    if (ref.type === "unsupported") {
      f.status = "error";
      f.error = `${ref.noticeType} is not looked up by the cloud port`;
      f.summary = `${ref.id}: ${ref.noticeType} resources are not looked up (the cloud port covers EC2, ELB, Auto Scaling, IAM, S3 and CloudFront); find it by hand`;
      continue;
    }
    dedupeResources(f);
    const foundUsers = users.get(f) ?? [];
    const unreadTrail = trail.trailUnread.get(ref);
    if (unreadTrail && f.resources.length > 0 && !s.moved.has(f))
      note(f, `CloudTrail could not be read in ${unreadTrail} region${unreadTrail === 1 ? "" : "s"} (see gaps): that ${ref.id} was with this holder during the activity is not confirmed`);
    // The places this reference could be in that were not read: the accounts searched for it and the one the notice names.
    const gapsHere = searchOutcome({ gaps: s.gaps.filter((g) => g.accountId === "*" || loc.accountsOf(ref).includes(g.accountId) || g.accountId === ref.accountId || notice.accountIds.includes(g.accountId)) });
    const missing = gapsHere.status === "not-searched" ? gapsHere.missing : [];
    if (s.moved.has(f)) f.status = "moved";
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
      // Who held it then, from abuse-desk's own address history, where CloudTrail had nothing.
      if (f.ipHistory?.source === "address-history") f.summary += `; ${f.ipHistory.summary}`;
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
}

function openRules(groups: SecurityGroup[]): string[] {
  const out: string[] = [];
  for (const g of groups)
    for (const r of g.rules) {
      if (r.direction !== "ingress" || (r.cidrIpv4 !== "0.0.0.0/0" && r.cidrIpv6 !== "::/0")) continue;
      const what = r.protocol === "-1" ? "all traffic" : ruleTraffic(r);
      const s = `${g.groupId} (${g.groupName}) is open to the world on ${what}`;
      if (!out.includes(s)) out.push(s);
    }
  return out;
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
