/**
 * The simulated security-group calls: describe and find groups, create a group (with AWS's default
 * egress), authorize and revoke rules (InvalidPermission.Duplicate / .NotFound by AWS's notion of
 * the same rule, ../sg-rule.ts, shared with the playbook; the per-group rule quota), and set a network interface's groups.
 */
import { normaliseProtocol, type Scope, type SecurityGroup, type Tags } from "../model.ts";
import type { RuleSpec } from "../port.ts";
import { ruleKey } from "../sg-rule.ts";
import { allows, checkTags, invalid, notFound, tagsMatch, type SimCore } from "./core.ts";
import { defaultEgress, toRule, type RegionState } from "./state.ts";
import { sgView } from "./views.ts";

export function describeRule(r: RuleSpec): string {
  const protocol = normaliseProtocol(r.protocol);
  const ports = protocol === "-1" ? "all traffic" : r.fromPort === undefined ? protocol : r.fromPort === r.toPort ? `${protocol}/${r.fromPort}` : `${protocol}/${r.fromPort}-${r.toPort}`;
  const peer = r.cidrIpv4 ?? r.cidrIpv6 ?? r.groupId ?? r.prefixListId ?? "?";
  return `${r.direction} ${ports} ${r.direction === "ingress" ? "from" : "to"} ${peer}`;
}

export function describeSecurityGroups(api: SimCore, scope: Scope, groupIds: string[]): SecurityGroup[] {
  const rs = api.region(scope, "ec2:DescribeSecurityGroups");
  return [...new Set(groupIds)].flatMap((id) => {
    const g = rs.groups.get(id);
    return g ? [sgView(g)] : [];
  });
}

export function findSecurityGroups(api: SimCore, scope: Scope, q: { vpcId: string; groupNames?: string[]; tags?: Tags }): SecurityGroup[] {
  const rs = api.region(scope, "ec2:DescribeSecurityGroups");
  return [...rs.groups.values()].filter((g) => g.vpcId === q.vpcId && allows(q.groupNames, g.groupName) && tagsMatch(g.tags, q.tags)).map(sgView);
}

export function createSecurityGroup(api: SimCore, scope: Scope, spec: { vpcId: string; groupName: string; description: string; tags: Tags }): string {
  const action = "ec2:CreateSecurityGroup";
  const rs = api.region(scope, action);
  if (!rs.vpcs.has(spec.vpcId)) throw notFound("InvalidVpcID.NotFound", `the vpc ID '${spec.vpcId}' does not exist`, action, scope);
  if (!spec.groupName || spec.groupName.length > 255) throw invalid("InvalidParameterValue", "a group name is 1 to 255 characters", action, scope);
  if (spec.groupName.toLowerCase().startsWith("sg-")) throw invalid("InvalidParameterValue", "group names may not start with sg-", action, scope);
  if ([...rs.groups.values()].some((g) => g.vpcId === spec.vpcId && g.groupName === spec.groupName))
    throw invalid("InvalidGroup.Duplicate", `the security group '${spec.groupName}' already exists for VPC '${spec.vpcId}'`, action, scope);
  checkTags(spec.tags, action, scope);
  const groupId = api.newId("sg");
  // AWS creates every VPC security group with all IPv4 traffic out, plus all IPv6 out when the VPC has IPv6.
  const egress = defaultEgress(rs.vpcs.get(spec.vpcId)).map((r) => ({ ...r, ruleId: api.newId("sgr") }));
  rs.groups.set(groupId, { groupId, groupName: spec.groupName, description: spec.description, vpcId: spec.vpcId, rules: egress, tags: { ...spec.tags } });
  api.log(rs, "CreateSecurityGroup", { groupName: spec.groupName, groupDescription: spec.description, vpcId: spec.vpcId }, { _return: true, groupId }, [{ type: "AWS::EC2::SecurityGroup", name: groupId }]);
  return groupId;
}

function group(rs: RegionState, groupId: string, action: string): SecurityGroup {
  const g = rs.groups.get(groupId);
  if (!g) throw notFound("InvalidGroup.NotFound", `the security group '${groupId}' does not exist in ${rs.accountId}/${rs.region}`, action, rs);
  return g;
}

export function authorizeRules(api: SimCore, scope: Scope, groupId: string, rules: RuleSpec[]): void {
  const action = rules.some((r) => r.direction === "ingress") ? "ec2:AuthorizeSecurityGroupIngress" : "ec2:AuthorizeSecurityGroupEgress";
  const rs = api.region(scope, action);
  const g = group(rs, groupId, action);
  const existing = new Set(g.rules.map(ruleKey));
  const adding = new Set<string>();
  for (const r of rules) {
    checkRule(rs, r, action, scope);
    const key = ruleKey(r);
    if (existing.has(key) || adding.has(key))
      throw invalid("InvalidPermission.Duplicate", `the specified rule "${describeRule(r)}" already exists in ${groupId}`, action, scope);
    adding.add(key);
  }
  for (const dir of ["ingress", "egress"] as const) {
    const n = g.rules.filter((r) => r.direction === dir).length + rules.filter((r) => r.direction === dir).length;
    if (n > api.limits.rulesPerSecurityGroup)
      throw invalid("RulesPerSecurityGroupLimitExceeded", `the maximum number of ${dir} rules (${api.limits.rulesPerSecurityGroup}) for ${groupId} has been reached`, action, scope);
  }
  for (const r of rules) g.rules.push(toRule(r.direction, { ...r, ruleId: api.newId("sgr") }));
  api.log(rs, action.endsWith("Ingress") ? "AuthorizeSecurityGroupIngress" : "AuthorizeSecurityGroupEgress", { groupId, ipPermissions: rules.map(describeRule) }, { _return: true }, [{ type: "AWS::EC2::SecurityGroup", name: groupId }]);
}

export function revokeRules(api: SimCore, scope: Scope, groupId: string, rules: RuleSpec[]): void {
  const action = rules.some((r) => r.direction === "ingress") ? "ec2:RevokeSecurityGroupIngress" : "ec2:RevokeSecurityGroupEgress";
  const rs = api.region(scope, action);
  const g = group(rs, groupId, action);
  const keys = rules.map(ruleKey);
  for (const [i, key] of keys.entries())
    if (!g.rules.some((r) => ruleKey(r) === key))
      throw notFound("InvalidPermission.NotFound", `the specified rule "${describeRule(rules[i]!)}" does not exist in ${groupId}`, action, scope);
  g.rules = g.rules.filter((r) => !keys.includes(ruleKey(r)));
  api.log(rs, action.endsWith("Ingress") ? "RevokeSecurityGroupIngress" : "RevokeSecurityGroupEgress", { groupId, ipPermissions: rules.map(describeRule) }, { _return: true }, [{ type: "AWS::EC2::SecurityGroup", name: groupId }]);
}

function checkRule(rs: RegionState, r: RuleSpec, action: string, scope: Scope): void {
  if (r.direction !== "ingress" && r.direction !== "egress") throw invalid("InvalidParameterValue", `rule direction must be ingress or egress`, action, scope);
  const peers = [r.cidrIpv4, r.cidrIpv6, r.groupId, r.prefixListId].filter((p) => p !== undefined).length;
  if (peers !== 1) throw invalid("InvalidParameterValue", `a rule needs exactly one peer (CIDR, group or prefix list): ${describeRule(r)}`, action, scope);
  const protocol = normaliseProtocol(r.protocol);
  if ((protocol === "tcp" || protocol === "udp") && (r.fromPort === undefined || r.toPort === undefined || r.fromPort > r.toPort || r.fromPort < 0 || r.toPort > 65535))
    throw invalid("InvalidParameterValue", `a ${protocol} rule needs a port range 0-65535 with fromPort <= toPort: ${describeRule(r)}`, action, scope);
  if (r.groupId !== undefined && !rs.groups.has(r.groupId)) throw notFound("InvalidGroup.NotFound", `the security group '${r.groupId}' does not exist`, action, scope);
}

export function setNetworkInterfaceGroups(api: SimCore, scope: Scope, networkInterfaceId: string, groupIds: string[]): void {
  const action = "ec2:ModifyNetworkInterfaceAttribute";
  const rs = api.region(scope, action);
  const eni = rs.enis.get(networkInterfaceId);
  if (!eni) throw notFound("InvalidNetworkInterfaceID.NotFound", `the networkInterface ID '${networkInterfaceId}' does not exist`, action, scope);
  if (eni.requesterManaged)
    throw invalid(
      "OperationNotPermitted",
      `${networkInterfaceId} is managed by AWS for a service (${eni.description || eni.interfaceType}); its security groups can't be modified (change them on the service instead)`,
      action,
      scope,
    );
  if (groupIds.length === 0) throw invalid("InvalidParameterValue", "a network interface needs at least one security group", action, scope);
  if (groupIds.length > api.limits.groupsPerNetworkInterface)
    throw invalid("SecurityGroupsPerInterfaceLimitExceeded", `at most ${api.limits.groupsPerNetworkInterface} security groups per network interface`, action, scope);
  for (const gid of groupIds) {
    const g = rs.groups.get(gid);
    if (!g || g.vpcId !== eni.vpcId) throw notFound("InvalidGroup.NotFound", `the security group '${gid}' does not exist in VPC '${eni.vpcId}'`, action, scope);
  }
  eni.groupIds = [...new Set(groupIds)];
  api.log(rs, "ModifyNetworkInterfaceAttribute", { networkInterfaceId, groupSet: { items: groupIds.map((groupId) => ({ groupId })) } }, { _return: true }, [{ type: "AWS::EC2::NetworkInterface", name: networkInterfaceId }]);
}
