/**
 * The exact AWS requests each action makes, written from its parameters: what `abuse-desk plan`
 * shows as the dry run, what the IAM policy must allow, and what the tests compare against the
 * calls the executor really makes. API names are IAM action names (`ec2:CreateSnapshots`).
 */
import { ASG_BATCH, chunk, PROTECTION_BATCH } from "../cloud/limits.ts";
import type { NetworkAclEntry, Tags } from "../cloud/model.ts";
import type { RuleSpec } from "../cloud/port.ts";
import type { ApiCall } from "../execute/types.ts";
import type { ActionName, ActionParams } from "../execute/params.ts";

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

function ruleCalls(groupId: string, rules: RuleSpec[], verb: "Authorize" | "Revoke"): ApiCall[] {
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
const defaultEgress = (vpcHasIpv6: boolean | undefined): RuleSpec[] => [
  { direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" },
  ...(vpcHasIpv6 ? [{ direction: "egress" as const, protocol: "-1", cidrIpv6: "::/0" }] : []),
];

/** What a new group's create step calls; `selfRef` stands for the id CreateSecurityGroup returns. */
function groupCreateCalls(p: ActionParams["create-isolation-group"], selfRef: string, revokeDefault: RuleSpec[]): ApiCall[] {
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

export interface CallContext {
  /** The step's own id, for `${STEP.groupId}` references to what it creates. */
  stepId: string;
  /** The account the step acts in: S3 calls name it as the bucket's expected owner. */
  accountId: string;
  /** The VPC has IPv6: a new group also gets a default `::/0` egress rule. */
  vpcHasIpv6?: boolean;
}

export function callsFor<A extends ActionName>(action: A, params: ActionParams[A], ctx: CallContext): ApiCall[] {
  const p = params as ActionParams[ActionName] & Record<string, unknown>;
  switch (action) {
    case "capture-metadata": {
      const { instanceId } = p as ActionParams["capture-metadata"];
      return [
        { api: "ec2:DescribeInstances", params: { InstanceIds: [instanceId] } },
        { api: "ec2:DescribeInstanceAttribute", params: { InstanceId: instanceId, Attribute: "userData" } },
        { api: "ec2:GetConsoleOutput", params: { InstanceId: instanceId, Latest: true } },
        { api: "ec2:GetConsoleScreenshot", params: { InstanceId: instanceId } },
      ];
    }
    case "protect-termination":
      return [{ api: "ec2:ModifyInstanceAttribute", params: { InstanceId: (p as ActionParams["protect-termination"]).instanceId, DisableApiTermination: { Value: true } } }];
    case "shutdown-stop":
      return [{ api: "ec2:ModifyInstanceAttribute", params: { InstanceId: (p as ActionParams["shutdown-stop"]).instanceId, InstanceInitiatedShutdownBehavior: { Value: "stop" } } }];
    case "keep-volumes": {
      const k = p as ActionParams["keep-volumes"];
      return [
        {
          api: "ec2:ModifyInstanceAttribute",
          params: { InstanceId: k.instanceId, BlockDeviceMappings: k.deviceNames.map((d) => ({ DeviceName: d, Ebs: { DeleteOnTermination: false } })) },
        },
      ];
    }
    case "snapshot-volumes": {
      const s = p as ActionParams["snapshot-volumes"];
      return [
        {
          api: "ec2:CreateSnapshots",
          params: {
            InstanceSpecification: { InstanceId: s.instanceId, ExcludeBootVolume: false },
            Description: s.description,
            TagSpecifications: [{ ResourceType: "snapshot", Tags: awsTags(s.tags) }],
            // The snapshots also keep the volumes' own tags (owner, application): evidence with its context.
            CopyTagsFromSource: "volume",
          },
        },
      ];
    }
    case "asg-suspend-processes": {
      const a = p as ActionParams["asg-suspend-processes"];
      return [{ api: "autoscaling:SuspendProcesses", params: { AutoScalingGroupName: a.groupName, ScalingProcesses: a.processes } }];
    }
    case "asg-protect-scale-in": {
      const a = p as ActionParams["asg-protect-scale-in"];
      return chunk(a.instanceIds, PROTECTION_BATCH).map((ids) => ({
        api: "autoscaling:SetInstanceProtection",
        params: { AutoScalingGroupName: a.groupName, InstanceIds: ids, ProtectedFromScaleIn: true },
      }));
    }
    case "asg-lower-min": {
      const a = p as ActionParams["asg-lower-min"];
      return [{ api: "autoscaling:UpdateAutoScalingGroup", params: { AutoScalingGroupName: a.groupName, MinSize: a.minSize } }];
    }
    case "asg-standby":
    case "asg-detach": {
      const a = p as ActionParams["asg-standby"];
      const api = action === "asg-standby" ? "autoscaling:EnterStandby" : "autoscaling:DetachInstances";
      return chunk(a.instanceIds, ASG_BATCH).map((ids) => ({
        api,
        params: { AutoScalingGroupName: a.groupName, InstanceIds: ids, ShouldDecrementDesiredCapacity: true },
      }));
    }
    case "deregister-targets": {
      const d = p as ActionParams["deregister-targets"];
      return [
        {
          api: "elasticloadbalancing:DeregisterTargets",
          params: { TargetGroupArn: d.targetGroupArn, Targets: d.targets.map((t) => (t.port === undefined ? { Id: t.id } : { Id: t.id, Port: t.port })) },
        },
      ];
    }
    case "deregister-classic": {
      const d = p as ActionParams["deregister-classic"];
      return [
        {
          api: "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
          params: { LoadBalancerName: d.loadBalancerName, Instances: d.instanceIds.map((InstanceId) => ({ InstanceId })) },
        },
      ];
    }
    case "create-all-traffic-group": {
      const g = p as ActionParams["create-all-traffic-group"];
      // A new group already allows all IPv4 out (and IPv6 out when the VPC has IPv6): only the missing rules are added.
      const defaults = defaultEgress(ctx.vpcHasIpv6);
      const egress = g.egress.filter((r) => !defaults.some((d) => d.cidrIpv4 === r.cidrIpv4 && d.cidrIpv6 === r.cidrIpv6 && d.protocol === r.protocol));
      return groupCreateCalls({ ...g, egress }, `\${${ctx.stepId}.groupId}`, []);
    }
    case "create-isolation-group": {
      const g = p as ActionParams["create-isolation-group"];
      return groupCreateCalls(g, `\${${ctx.stepId}.groupId}`, defaultEgress(ctx.vpcHasIpv6));
    }
    case "isolate-eni": {
      const e = p as ActionParams["isolate-eni"];
      return [
        { api: "ec2:ModifyNetworkInterfaceAttribute", params: { NetworkInterfaceId: e.networkInterfaceId, Groups: [e.allTrafficGroupId] } },
        { api: "ec2:ModifyNetworkInterfaceAttribute", params: { NetworkInterfaceId: e.networkInterfaceId, Groups: [e.isolationGroupId] } },
      ];
    }
    case "nacl-deny": {
      const n = p as ActionParams["nacl-deny"];
      return n.entries.map((e) => ({ api: "ec2:CreateNetworkAclEntry", params: aclEntryRequest(n.networkAclId, e) }));
    }
    case "stop-instance":
      return [{ api: "ec2:StopInstances", params: { InstanceIds: [(p as ActionParams["stop-instance"]).instanceId] } }];
    case "tag-resources": {
      const t = p as ActionParams["tag-resources"];
      return chunk(t.resourceIds, TAG_BATCH).map((ids) => ({ api: "ec2:CreateTags", params: { Resources: ids, Tags: awsTags(t.tags) } }));
    }
    case "revoke-open-ingress":
    case "close-web-ingress":
    case "block-smtp-egress": {
      const r = p as ActionParams["revoke-open-ingress"];
      // Make before break: the narrower rules exist before the broad one goes.
      return [...ruleCalls(r.groupId, r.add, "Authorize"), ...ruleCalls(r.groupId, r.revoke, "Revoke")];
    }
    case "capture-bucket": {
      const b = p as ActionParams["capture-bucket"];
      const bucket = { Bucket: b.bucketName, ExpectedBucketOwner: ctx.accountId };
      return [
        { api: "s3:GetBucketLocation", params: bucket },
        { api: "s3:GetBucketPublicAccessBlock", params: bucket },
        { api: "s3:GetBucketTagging", params: bucket },
      ];
    }
    case "block-bucket-public-access": {
      const b = p as ActionParams["block-bucket-public-access"];
      return [
        {
          api: "s3:PutBucketPublicAccessBlock",
          // A bucket of the same name in another account (deleted and re-created) is refused, not changed.
          params: {
            Bucket: b.bucketName,
            ExpectedBucketOwner: ctx.accountId,
            PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
          },
        },
      ];
    }
    case "capture-distribution":
      return [{ api: "cloudfront:GetDistribution", params: { Id: (p as ActionParams["capture-distribution"]).distributionId } }];
    case "disable-distribution": {
      const id = (p as ActionParams["disable-distribution"]).distributionId;
      return [
        { api: "cloudfront:GetDistributionConfig", params: { Id: id } },
        { api: "cloudfront:UpdateDistribution", params: { Id: id, IfMatch: "<ETag from GetDistributionConfig>", DistributionConfig: { "...": "as read", Enabled: false } } },
      ];
    }
    case "capture-key-usage": {
      const k = p as ActionParams["capture-key-usage"];
      return [
        { api: "iam:ListAccessKeys", params: { UserName: k.userName } },
        { api: "iam:GetAccessKeyLastUsed", params: { AccessKeyId: k.accessKeyId } },
      ];
    }
    case "deactivate-access-key": {
      const k = p as ActionParams["deactivate-access-key"];
      return [{ api: "iam:UpdateAccessKey", params: { UserName: k.userName, AccessKeyId: k.accessKeyId, Status: "Inactive" } }];
    }
  }
  const never: never = action as never;
  throw new Error(`no calls for action ${String(never)}`);
}
