/**
 * The simulated network ACL calls: describe ACLs (by id or by the subnets they cover), create and
 * delete entries with AWS's rules (rule numbers 1-32766, one CIDR, ports for TCP and UDP, the
 * per-direction quota with the default rule counted, the default rule kept).
 */
import type { NetworkAcl, NetworkAclEntry, Scope } from "../model.ts";
import { invalid, notFound, type SimCore } from "./core.ts";
import { aclView } from "./views.ts";

export function describeNetworkAcls(api: SimCore, scope: Scope, q: { subnetIds?: string[]; networkAclIds?: string[] }): NetworkAcl[] {
  const rs = api.region(scope, "ec2:DescribeNetworkAcls");
  const ids = new Set<string>();
  if (q.networkAclIds) for (const id of q.networkAclIds) ids.add(id);
  else if (q.subnetIds) for (const s of q.subnetIds) { const id = rs.subnets.get(s)?.networkAclId; if (id) ids.add(id); }
  else for (const id of rs.acls.keys()) ids.add(id);
  const out: NetworkAcl[] = [];
  for (const id of ids) {
    const a = rs.acls.get(id);
    if (!a) continue;
    const view = aclView(rs, a);
    if (q.subnetIds && !view.subnetIds.some((s) => q.subnetIds!.includes(s))) continue;
    out.push(view);
  }
  return out;
}

export function createNetworkAclEntry(api: SimCore, scope: Scope, networkAclId: string, entry: NetworkAclEntry): void {
  const action = "ec2:CreateNetworkAclEntry";
  const rs = api.region(scope, action);
  const acl = rs.acls.get(networkAclId);
  if (!acl) throw notFound("InvalidNetworkAclID.NotFound", `the network ACL '${networkAclId}' does not exist`, action, scope);
  if (!Number.isInteger(entry.ruleNumber) || entry.ruleNumber < 1 || entry.ruleNumber > 32766)
    throw invalid("InvalidParameterValue", `rule numbers are 1 to 32766 (32767 is the default rule): ${entry.ruleNumber}`, action, scope);
  if (entry.ruleAction !== "allow" && entry.ruleAction !== "deny") throw invalid("InvalidParameterValue", "ruleAction is allow or deny", action, scope);
  if ((entry.cidrBlock === undefined) === (entry.ipv6CidrBlock === undefined)) throw invalid("InvalidParameterValue", "an entry has exactly one of cidrBlock, ipv6CidrBlock", action, scope);
  const protocol = String(entry.protocol);
  if ((protocol === "6" || protocol === "17") && !entry.portRange) throw invalid("InvalidParameterValue", "TCP and UDP entries need a port range", action, scope);
  const dir = entry.egress ? "egress" : "ingress";
  if (acl.entries.some((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber))
    throw invalid("NetworkAclEntryAlreadyExists", `${networkAclId} already has ${dir} rule number ${entry.ruleNumber}`, action, scope);
  const count = acl.entries.filter((e) => e.egress === entry.egress).length;
  if (count >= api.limits.networkAclRulesPerDirection)
    throw invalid("NetworkAclEntryLimitExceeded", `${networkAclId} already has ${count} ${dir} rules (limit ${api.limits.networkAclRulesPerDirection}, the default rule included)`, action, scope);
  const clean: NetworkAclEntry = { ruleNumber: entry.ruleNumber, egress: entry.egress, protocol, ruleAction: entry.ruleAction };
  if (entry.cidrBlock) clean.cidrBlock = entry.cidrBlock;
  if (entry.ipv6CidrBlock) clean.ipv6CidrBlock = entry.ipv6CidrBlock;
  if (entry.portRange) clean.portRange = { from: entry.portRange.from, to: entry.portRange.to };
  acl.entries.push(clean);
  api.log(rs, "CreateNetworkAclEntry", { networkAclId, ...clean }, { _return: true });
}

export function deleteNetworkAclEntry(api: SimCore, scope: Scope, networkAclId: string, entry: { ruleNumber: number; egress: boolean }): void {
  const action = "ec2:DeleteNetworkAclEntry";
  const rs = api.region(scope, action);
  const acl = rs.acls.get(networkAclId);
  if (!acl) throw notFound("InvalidNetworkAclID.NotFound", `the network ACL '${networkAclId}' does not exist`, action, scope);
  if (entry.ruleNumber >= 32767) throw invalid("InvalidParameterValue", "the default rule can't be deleted", action, scope);
  const i = acl.entries.findIndex((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber);
  if (i < 0) throw notFound("InvalidNetworkAclEntry.NotFound", `${networkAclId} has no ${entry.egress ? "egress" : "ingress"} rule number ${entry.ruleNumber}`, action, scope);
  acl.entries.splice(i, 1);
  api.log(rs, "DeleteNetworkAclEntry", { networkAclId, ruleNumber: entry.ruleNumber, egress: entry.egress }, { _return: true });
}
