/**
 * Pieces of the AWS requests the action modules write from their parameters (src/plan/actions/):
 * what `abuse-desk plan` shows as the dry run, what the IAM policy must allow, and what the tests
 * compare against the calls the executor really makes. API names are IAM action names
 * (`ec2:CreateSnapshots`).
 */
import type { NetworkAclEntry, Tags } from "../cloud/model.ts";
import type { RuleSpec } from "../cloud/port.ts";
import type { ApiCall } from "./types.ts";

/** CreateTags: resources per call kept well inside the API's request size. */
export const TAG_BATCH = 500;

export function awsTags(tags: Tags): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * A security group rule as EC2's IpPermissions item. A revoke names the rule by what it allows, so
 * it carries no description (AWS matches rules without it, and the adapter sends none).
 */
export function ipPermission(rule: RuleSpec, withDescription = true): Record<string, unknown> {
  const perm: Record<string, unknown> = { IpProtocol: rule.protocol };
  if (rule.fromPort !== undefined) perm.FromPort = rule.fromPort;
  if (rule.toPort !== undefined) perm.ToPort = rule.toPort;
  const desc = rule.description === undefined || !withDescription ? {} : { Description: rule.description };
  if (rule.cidrIpv4 !== undefined) perm.IpRanges = [{ CidrIp: rule.cidrIpv4, ...desc }];
  if (rule.cidrIpv6 !== undefined) perm.Ipv6Ranges = [{ CidrIpv6: rule.cidrIpv6, ...desc }];
  if (rule.groupId !== undefined) perm.UserIdGroupPairs = [{ GroupId: rule.groupId, ...desc }];
  if (rule.prefixListId !== undefined) perm.PrefixListIds = [{ PrefixListId: rule.prefixListId, ...desc }];
  return perm;
}

export function ruleCalls(groupId: string, rules: RuleSpec[], verb: "Authorize" | "Revoke"): ApiCall[] {
  const out: ApiCall[] = [];
  const ingress = rules.filter((r) => r.direction === "ingress");
  const egress = rules.filter((r) => r.direction === "egress");
  const perm = (r: RuleSpec) => ipPermission(r, verb === "Authorize");
  if (ingress.length) out.push({ api: `ec2:${verb}SecurityGroupIngress`, params: { GroupId: groupId, IpPermissions: ingress.map(perm) } });
  if (egress.length) out.push({ api: `ec2:${verb}SecurityGroupEgress`, params: { GroupId: groupId, IpPermissions: egress.map(perm) } });
  return out;
}

export function aclEntryRequest(networkAclId: string, e: NetworkAclEntry): Record<string, unknown> {
  const req: Record<string, unknown> = { NetworkAclId: networkAclId, RuleNumber: e.ruleNumber, Egress: e.egress, Protocol: e.protocol, RuleAction: e.ruleAction };
  if (e.cidrBlock !== undefined) req.CidrBlock = e.cidrBlock;
  if (e.ipv6CidrBlock !== undefined) req.Ipv6CidrBlock = e.ipv6CidrBlock;
  if (e.portRange !== undefined) req.PortRange = { From: e.portRange.from, To: e.portRange.to };
  return req;
}

/** The egress rules a new security group gets: all IPv4 out, and all IPv6 out when its VPC has IPv6. */
export const defaultEgress = (vpcHasIpv6: boolean | undefined): RuleSpec[] => [
  { direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" },
  ...(vpcHasIpv6 ? [{ direction: "egress" as const, protocol: "-1", cidrIpv6: "::/0" }] : []),
];

/** What a new group's create step calls; `selfRef` stands for the id CreateSecurityGroup returns. */
export function groupCreateCalls(p: { vpcId: string; groupName: string; description: string; tags: Tags; ingress: RuleSpec[]; egress: RuleSpec[] }, selfRef: string, revokeDefault: RuleSpec[]): ApiCall[] {
  return [
    {
      api: "ec2:CreateSecurityGroup",
      params: { GroupName: p.groupName, Description: p.description, VpcId: p.vpcId, TagSpecifications: [{ ResourceType: "security-group", Tags: awsTags(p.tags) }] },
    },
    ...ruleCalls(selfRef, revokeDefault, "Revoke"),
    ...ruleCalls(selfRef, p.ingress, "Authorize"),
    ...ruleCalls(selfRef, p.egress, "Authorize"),
  ];
}
