/**
 * A fake AWS behind aws-sdk-client-mock: every command the adapter sends is answered from a
 * simulated account (src/cloud/sim), translated into the SDK's response shapes the way AWS answers
 * (one reservation per instance, IpPermissions, Marker/NextToken pagination with small pages, S3's
 * LocationConstraint quirks, CloudFront's ETag) and failing with AWS's error codes
 * (InvalidInstanceID.NotFound for an id parameter naming nothing, NoSuchEntity, OptInRequired...).
 *
 * The account and region of a call come from the client that sent it (its region, and the
 * accountId its credentials carry), so the adapter's assume-role plumbing is exercised too.
 *
 * Retries: aws-sdk-client-mock replaces `client.send`, retry middleware included, so the fake
 * stands in for it: a transient fault is retried up to the client's own maxAttempts, as the SDK
 * would (the real middleware is exercised against a loopback server in errors.test.ts).
 */
import {
  AttachInstancesCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  ResumeProcessesCommand,
  SetInstanceProtectionCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { GetDistributionCommand, GetDistributionConfigCommand, ListTagsForResourceCommand, UpdateDistributionCommand } from "@aws-sdk/client-cloudfront";
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclEntryCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DeleteNetworkAclEntryCommand,
  DescribeAddressesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  GetConsoleOutputCommand,
  GetConsoleScreenshotCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import {
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeLoadBalancersCommand as ClassicDescribeLoadBalancersCommand,
  DescribeTagsCommand as ClassicDescribeTagsCommand,
  RegisterInstancesWithLoadBalancerCommand,
} from "@aws-sdk/client-elastic-load-balancing";
import {
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetAccessKeyLastUsedCommand, GetUserCommand, ListAccessKeysCommand, ListAttachedUserPoliciesCommand, ListGroupsForUserCommand, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import { ListAccountsCommand } from "@aws-sdk/client-organizations";
import {
  DeletePublicAccessBlockCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetAccessKeyInfoCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { OPERATIONS, type Operation, type ServiceKey } from "../../../src/cloud/aws/actions.ts";
import { CloudError } from "../../../src/cloud/errors.ts";
import type { Instance, NetworkInterface, Scope, SecurityGroup, SgRule, Tags } from "../../../src/cloud/model.ts";
import type { RuleSpec } from "../../../src/cloud/port.ts";
import type { SimAccount } from "../../../src/cloud/sim/index.ts";
import type { RegionState } from "../../../src/cloud/sim/state.ts";
import { aclView, asgView, eniView, lbView, tgView } from "../../../src/cloud/sim/views.ts";
import type { AnyStub, Mocks } from "./helpers.ts";
import { installFakeLogs } from "./fake-aws-logs.ts";
import { installFakeIam } from "./fake-aws-iam.ts";
import { installFakeFleet } from "./fake-aws-fleet.ts";
import { installPostureFakes } from "./fake-aws-posture.ts";

/** Small pages, so every list the contract reads crosses a page boundary somewhere. */
export const PAGE = 2;

const REGIONAL: ReadonlySet<ServiceKey> = new Set(["ec2", "autoscaling", "elbv2", "elb", "ssm", "cloudtrail", "logs", "sesv2", "eventbridge", "guardduty", "lightsail"]);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK inputs are checked field by field below
export type In = any;
export interface Call {
  accountId: string;
  region: string;
  scope: Scope;
  input: In;
}

/** An SDK-style service exception: `name` is AWS's code, as the SDK's deserializers set it. */
export function sdkError(code: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name: code, Code: code, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status, attempts: 1 } });
}

/** A simulator failure, as AWS's wire error for the service that failed. */
function asSdkError(err: unknown, service: ServiceKey): unknown {
  if (!(err instanceof CloudError)) return err;
  const code = err.code ?? defaultCode(err.kind, service);
  const status = err.kind === "unavailable" ? 500 : err.kind === "throttled" ? 400 : err.kind === "access-denied" ? 403 : err.kind === "not-found" && (service === "s3" || service === "cloudfront" || service === "iam") ? 404 : 400;
  // EC2 says UnauthorizedOperation where the other services say AccessDenied.
  const wire = err.kind === "access-denied" && service === "ec2" ? "UnauthorizedOperation" : code;
  return sdkError(wire, err.message, status);
}

function defaultCode(kind: CloudError["kind"], service: ServiceKey): string {
  switch (kind) {
    case "access-denied":
      return service === "ec2" ? "UnauthorizedOperation" : "AccessDenied";
    case "throttled":
      return service === "ec2" ? "RequestLimitExceeded" : "Throttling";
    case "region-disabled":
      return "OptInRequired";
    case "unavailable":
      return "InternalError";
    case "not-found":
      return "NotFound";
    default:
      return "InvalidParameterValue";
  }
}

export function page<T>(items: T[], token: string | undefined, size = PAGE): { items: T[]; next: string | undefined } {
  const start = token ? Number(token) : 0;
  if (!Number.isInteger(start) || start < 0) throw sdkError("InvalidNextToken", `bad pagination token ${token}`);
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}

const tagList = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const tagsFrom = (specs: { Tags?: { Key?: string; Value?: string }[] }[] | undefined): Tags =>
  Object.fromEntries((specs ?? []).flatMap((s) => s.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""]));

/** EC2 filters as a map; an unknown filter name is refused as EC2 refuses it (catches typos in the adapter). */
function ec2Filters(filters: { Name?: string; Values?: string[] }[] | undefined, known: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of filters ?? []) {
    const name = f.Name ?? "";
    if (!known.includes(name) && !name.startsWith("tag:")) throw sdkError("InvalidParameterValue", `The filter '${name}' is invalid`);
    out.set(name, [...(out.get(name) ?? []), ...(f.Values ?? [])]);
  }
  return out;
}

function tagFilterMatch(tags: Tags, f: Map<string, string[]>): boolean {
  for (const [name, values] of f) if (name.startsWith("tag:") && !values.includes(tags[name.slice(4)] ?? "\u0000")) return false;
  return true;
}

/** Both the id parameter and the id filter: the parameter must name only things that exist. */
function idParam(ids: string[] | undefined, exists: (id: string) => boolean, code: string, what: string): string[] | undefined {
  if (ids === undefined) return undefined;
  const missing = ids.filter((id) => !exists(id));
  if (missing.length) throw sdkError(code, `The ${what} '${missing.join(", ")}' does not exist`);
  return ids;
}

function and(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.filter((x) => b.includes(x));
}

// ---- model -> SDK shapes

function sdkRule(r: SgRule): IpPermission {
  const p: IpPermission = { IpProtocol: r.protocol };
  if (r.protocol !== "-1") {
    p.FromPort = r.fromPort ?? -1;
    p.ToPort = r.toPort ?? -1;
  }
  const d = r.description ? { Description: r.description } : {};
  if (r.cidrIpv4) p.IpRanges = [{ CidrIp: r.cidrIpv4, ...d }];
  if (r.cidrIpv6) p.Ipv6Ranges = [{ CidrIpv6: r.cidrIpv6, ...d }];
  if (r.groupId) p.UserIdGroupPairs = [{ GroupId: r.groupId, ...d }];
  if (r.prefixListId) p.PrefixListIds = [{ PrefixListId: r.prefixListId, ...d }];
  return p;
}

function sdkGroup(g: SecurityGroup, ownerId: string) {
  return {
    GroupId: g.groupId,
    GroupName: g.groupName,
    Description: g.description,
    VpcId: g.vpcId,
    OwnerId: ownerId,
    IpPermissions: g.rules.filter((r) => r.direction === "ingress").map(sdkRule),
    IpPermissionsEgress: g.rules.filter((r) => r.direction === "egress").map(sdkRule),
    Tags: tagList(g.tags),
  };
}

function sdkEni(n: NetworkInterface, rs: RegionState) {
  const assocOf = (ip: string) => {
    const a = n.associations.find((x) => x.privateIp === ip);
    return a ? { PublicIp: a.publicIp, IpOwnerId: a.ipOwnerId, ...(a.allocationId ? { AllocationId: a.allocationId, AssociationId: rs.eips.get(a.allocationId)?.associationId } : {}) } : undefined;
  };
  return {
    NetworkInterfaceId: n.networkInterfaceId,
    SubnetId: n.subnetId,
    VpcId: n.vpcId,
    AvailabilityZone: n.availabilityZone,
    Description: n.description,
    InterfaceType: n.interfaceType,
    RequesterManaged: n.requesterManaged,
    Status: n.status,
    MacAddress: n.macAddress,
    OwnerId: rs.accountId,
    PrivateIpAddress: n.privateIpAddress,
    Association: assocOf(n.privateIpAddress),
    PrivateIpAddresses: n.privateIpAddresses.map((ip, i) => ({ PrivateIpAddress: ip, Primary: i === 0, Association: assocOf(ip) })),
    Ipv6Addresses: n.ipv6Addresses.map((Ipv6Address) => ({ Ipv6Address })),
    Groups: n.groupIds.map((GroupId) => ({ GroupId, GroupName: rs.groups.get(GroupId)?.groupName })),
    Attachment: n.attachment
      ? { InstanceId: n.attachment.instanceId, DeviceIndex: n.attachment.deviceIndex, AttachmentId: n.attachment.attachmentId, DeleteOnTermination: n.attachment.deleteOnTermination, Status: n.attachment.status }
      : undefined,
    SourceDestCheck: n.sourceDestCheck,
    TagSet: tagList(n.tags),
  };
}

function sdkInstance(i: Instance, rs: RegionState) {
  const enis = i.networkInterfaceIds.map((id) => eniView(rs, rs.enis.get(id)!));
  return {
    InstanceId: i.instanceId,
    State: { Name: i.state },
    InstanceType: i.instanceType,
    ImageId: i.imageId,
    LaunchTime: new Date(i.launchTime),
    Placement: { AvailabilityZone: i.availabilityZone },
    VpcId: i.vpcId,
    SubnetId: i.subnetId,
    PrivateIpAddress: i.privateIpAddress,
    PublicIpAddress: i.publicIpAddress,
    KeyName: i.keyName,
    PlatformDetails: i.platform,
    IamInstanceProfile: i.iamInstanceProfile ? { Arn: i.iamInstanceProfile } : undefined,
    RootDeviceName: i.rootDeviceName,
    BlockDeviceMappings: i.blockDevices.map((b) => ({ DeviceName: b.deviceName, Ebs: { VolumeId: b.volumeId, DeleteOnTermination: b.deleteOnTermination, Status: "attached" } })),
    // Listed in reverse device order: the adapter must put the primary first itself.
    NetworkInterfaces: [...enis].reverse().map((n) => ({ ...sdkEni(n, rs), Attachment: { DeviceIndex: n.attachment?.deviceIndex ?? 0, AttachmentId: n.attachment?.attachmentId } })),
    // AWS lists the primary interface's groups here.
    SecurityGroups: (enis[0]?.groupIds ?? []).map((GroupId) => ({ GroupId })),
    InstanceLifecycle: i.lifecycle,
    MetadataOptions: i.metadataHttpTokens ? { HttpTokens: i.metadataHttpTokens, HttpEndpoint: "enabled" } : undefined,
    Tags: tagList(i.tags),
  };
}

/** IpPermissions back to the port's rules (one per peer), as the simulator takes them. */
function rulesFromPermissions(perms: IpPermission[] | undefined, direction: "ingress" | "egress"): RuleSpec[] {
  const out: RuleSpec[] = [];
  for (const p of perms ?? []) {
    const base: RuleSpec = { direction, protocol: p.IpProtocol ?? "-1" };
    if (p.FromPort !== undefined && p.FromPort !== -1) base.fromPort = p.FromPort;
    if (p.ToPort !== undefined && p.ToPort !== -1) base.toPort = p.ToPort;
    for (const r of p.IpRanges ?? []) out.push({ ...base, cidrIpv4: r.CidrIp!, ...(r.Description ? { description: r.Description } : {}) });
    for (const r of p.Ipv6Ranges ?? []) out.push({ ...base, cidrIpv6: r.CidrIpv6!, ...(r.Description ? { description: r.Description } : {}) });
    for (const r of p.UserIdGroupPairs ?? []) out.push({ ...base, groupId: r.GroupId! });
    for (const r of p.PrefixListIds ?? []) out.push({ ...base, prefixListId: r.PrefixListId! });
  }
  return out;
}

// ---- installation

export interface FakeAws {
  /** Every operation answered, in order, with its account and region: for assertions on what the adapter sent. */
  readonly log: { op: Operation; accountId: string; region: string }[];
}

export function installFakeAws(sim: SimAccount, mocks: Mocks): FakeAws {
  const api = sim.api;
  const state = sim.state;
  const log: FakeAws["log"] = [];
  const etags = new Map<string, number>();

  const regionState = (scope: Scope, action: string): RegionState => {
    api.region(scope, action);
    return state.accounts.get(scope.accountId)!.regions.get(scope.region)!;
  };

  function on(stub: AnyStub, command: new (input: In) => unknown, op: Operation, handler: (call: Call) => unknown): void {
    const service = op.slice(0, op.indexOf(".")) as ServiceKey;
    const action = OPERATIONS[op][0] ?? op;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    stub.on(command as any).callsFake(async (input: In, getClient: () => unknown) => {
      // First thing, synchronously: getClient() answers the client of the latest send.
      const client = getClient() as { config: { region(): Promise<string>; credentials(): Promise<{ accountId?: string }>; maxAttempts(): Promise<number> } };
      const region = await client.config.region();
      const creds = await client.config.credentials();
      const accountId = creds.accountId ?? state.callerAccountId;
      const maxAttempts = await client.config.maxAttempts();
      const faultScope = REGIONAL.has(service) ? { accountId, region } : service === "sts" || service === "organizations" ? {} : { accountId };
      log.push({ op, accountId, region });
      for (let attempt = 1; ; attempt++) {
        try {
          await sim.simulate(action, faultScope, [structuredClone(input)]);
          break;
        } catch (err) {
          if (err instanceof CloudError && err.transient && attempt < maxAttempts) continue;
          throw asSdkError(err, service);
        }
      }
      try {
        return await handler({ accountId, region, scope: { accountId, region }, input });
      } catch (err) {
        throw asSdkError(err, service);
      }
    });
  }

  // ---- STS, Organizations
  const m = mocks;
  on(m.sts, GetCallerIdentityCommand, "sts.GetCallerIdentity", () => ({
    Account: state.callerAccountId,
    Arn: `arn:aws:iam::${state.callerAccountId}:user/abuse-desk-contract`,
    UserId: "AIDACONTRACTCALLER01",
  }));
  on(m.sts, AssumeRoleCommand, "sts.AssumeRole", ({ input }) => {
    const match = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(String(input.RoleArn));
    if (!match) throw sdkError("ValidationError", `bad role ARN ${input.RoleArn}`);
    if (!input.RoleSessionName) throw sdkError("ValidationError", "RoleSessionName is required");
    // The simulator's rule: the account reachable and, where the estate models abuse-desk's roles, the role there trusting the caller.
    api.assumeRole(match[1]!, match[2]!.slice(match[2]!.lastIndexOf("/") + 1));
    return {
      Credentials: { AccessKeyId: `ASIA${match[1]}CONTR`, SecretAccessKey: "contract-secret", SessionToken: "contract-token", Expiration: new Date(Date.now() + 3600_000) },
      AssumedRoleUser: { Arn: `arn:aws:sts::${match[1]}:assumed-role/${match[2]}/${input.RoleSessionName}`, AssumedRoleId: "AROACONTRACT:abuse-desk" },
    };
  });
  on(m.sts, GetAccessKeyInfoCommand, "sts.GetAccessKeyInfo", ({ input }) => ({ Account: api.accountOfAccessKey(input.AccessKeyId) ?? "000000000000" }));
  on(m.organizations, ListAccountsCommand, "organizations.ListAccounts", ({ input }) => {
    const all = [...state.accounts.values()].map((a) => ({ Id: a.accountId, Name: a.name, Email: a.email, Status: a.status, State: a.status, Arn: `arn:aws:organizations::${state.callerAccountId}:account/o-contract/${a.accountId}` }));
    const p = page(all, input.NextToken);
    return { Accounts: p.items, NextToken: p.next };
  });

  // ---- EC2 reads
  on(m.ec2, DescribeRegionsCommand, "ec2.DescribeRegions", ({ accountId }) => ({
    Regions: api.regions(accountId).map((RegionName) => ({ RegionName, Endpoint: `ec2.${RegionName}.amazonaws.com`, OptInStatus: "opt-in-not-required" })),
  }));

  on(m.ec2, DescribeInstancesCommand, "ec2.DescribeInstances", ({ scope, input }) => {
    const rs = regionState(scope, "ec2:DescribeInstances");
    const f = ec2Filters(input.Filters, ["instance-id", "ip-address", "network-interface.addresses.private-ip-address", "subnet-id"]);
    const ids = and(idParam(input.InstanceIds, (id) => rs.instances.has(id), "InvalidInstanceID.NotFound", "instance IDs"), f.get("instance-id"));
    const found = api.describeInstances(scope, { instanceIds: ids, publicIps: f.get("ip-address"), privateIps: f.get("network-interface.addresses.private-ip-address"), subnetIds: f.get("subnet-id") });
    const p = page(found.filter((i) => tagFilterMatch(i.tags, f)), input.NextToken);
    return { Reservations: p.items.map((i) => ({ ReservationId: `r-${i.instanceId.slice(2)}`, OwnerId: scope.accountId, Instances: [sdkInstance(i, rs)] })), NextToken: p.next };
  });

  on(m.ec2, DescribeAddressesCommand, "ec2.DescribeAddresses", ({ scope, input }) => {
    const rs = regionState(scope, "ec2:DescribeAddresses");
    const f = ec2Filters(input.Filters, ["public-ip", "allocation-id", "instance-id", "network-interface-id"]);
    const ips = and(idParam(input.PublicIps, (ip) => rs.eipByIp.has(ip), "InvalidAddress.NotFound", "addresses"), f.get("public-ip"));
    const allocs = and(idParam(input.AllocationIds, (id) => rs.eips.has(id), "InvalidAllocationID.NotFound", "allocation IDs"), f.get("allocation-id"));
    const found = api.describeAddresses(scope, { publicIps: ips, allocationIds: allocs, instanceIds: f.get("instance-id"), networkInterfaceIds: f.get("network-interface-id") });
    return {
      Addresses: found.map((a) => ({
        PublicIp: a.publicIp,
        AllocationId: a.allocationId,
        Domain: a.domain,
        AssociationId: a.associationId,
        InstanceId: a.instanceId,
        NetworkInterfaceId: a.networkInterfaceId,
        PrivateIpAddress: a.privateIpAddress,
        NetworkInterfaceOwnerId: a.networkInterfaceOwnerId,
        Tags: tagList(a.tags),
      })),
    };
  });

  on(m.ec2, DescribeNetworkInterfacesCommand, "ec2.DescribeNetworkInterfaces", ({ scope, input }) => {
    const rs = regionState(scope, "ec2:DescribeNetworkInterfaces");
    const f = ec2Filters(input.Filters, ["network-interface-id", "association.public-ip", "addresses.association.public-ip", "ipv6-addresses.ipv6-address", "attachment.instance-id"]);
    const ids = and(idParam(input.NetworkInterfaceIds, (id) => rs.enis.has(id), "InvalidNetworkInterfaceID.NotFound", "network interface IDs"), f.get("network-interface-id"));
    // As AWS: `addresses.association.public-ip` matches the public IP of any private address of the
    // ENI, `association.public-ip` only the primary private address's.
    const primaryOnly = f.get("association.public-ip");
    const found = api
      .describeNetworkInterfaces(scope, { networkInterfaceIds: ids, publicIps: and(and(f.get("addresses.association.public-ip"), primaryOnly), f.get("ipv6-addresses.ipv6-address")), instanceIds: f.get("attachment.instance-id") })
      .filter((n) => !primaryOnly || n.associations.some((a) => a.privateIp === n.privateIpAddress && primaryOnly.includes(a.publicIp)));
    const p = page(found, input.NextToken);
    return { NetworkInterfaces: p.items.map((n) => sdkEni(n, rs)), NextToken: p.next };
  });

  on(m.ec2, DescribeNatGatewaysCommand, "ec2.DescribeNatGateways", ({ scope, input }) => {
    const rs = regionState(scope, "ec2:DescribeNatGateways");
    if (input.Filters) throw sdkError("InvalidParameterValue", "DescribeNatGateways takes `Filter`, not `Filters`");
    const f = ec2Filters(input.Filter, ["nat-gateway-id", "vpc-id"]);
    const ids = and(idParam(input.NatGatewayIds, (id) => rs.nats.has(id), "NatGatewayNotFound", "NAT gateways"), f.get("nat-gateway-id"));
    const found = api.describeNatGateways(scope, { natGatewayIds: ids, vpcIds: f.get("vpc-id") });
    const p = page(found, input.NextToken);
    return {
      NatGateways: p.items.map((n) => ({
        NatGatewayId: n.natGatewayId,
        VpcId: n.vpcId,
        SubnetId: n.subnetId,
        State: n.state,
        ConnectivityType: n.connectivityType,
        NatGatewayAddresses: n.addresses.map((a) => ({ PublicIp: a.publicIp, PrivateIp: a.privateIp, AllocationId: a.allocationId, NetworkInterfaceId: a.networkInterfaceId })),
        Tags: tagList(n.tags),
      })),
      NextToken: p.next,
    };
  });

  on(m.ec2, DescribeSecurityGroupsCommand, "ec2.DescribeSecurityGroups", ({ scope, input }) => {
    const rs = regionState(scope, "ec2:DescribeSecurityGroups");
    const f = ec2Filters(input.Filters, ["group-id", "vpc-id", "group-name"]);
    const ids = and(idParam(input.GroupIds, (id) => rs.groups.has(id), "InvalidGroup.NotFound", "security groups"), f.get("group-id"));
    const all = api.describeSecurityGroups(scope, ids ?? [...rs.groups.keys()]);
    const found = all.filter((g) => (f.get("vpc-id")?.includes(g.vpcId) ?? true) && (f.get("group-name")?.includes(g.groupName) ?? true) && tagFilterMatch(g.tags, f));
    const p = page(found, input.NextToken);
    return { SecurityGroups: p.items.map((g) => sdkGroup(g, scope.accountId)), NextToken: p.next };
  });

  on(m.ec2, DescribeSubnetsCommand, "ec2.DescribeSubnets", ({ scope, input }) => {
    const rs = regionState(scope, "ec2:DescribeSubnets");
    const f = ec2Filters(input.Filters, ["subnet-id"]);
    const ids = and(idParam(input.SubnetIds, (id) => rs.subnets.has(id), "InvalidSubnetID.NotFound", "subnet IDs"), f.get("subnet-id"));
    const p = page(api.describeSubnets(scope, ids ?? [...rs.subnets.keys()]), input.NextToken);
    // DescribeSubnets does not say which network ACL a subnet uses: the adapter must ask DescribeNetworkAcls.
    return { Subnets: p.items.map((s) => ({ SubnetId: s.subnetId, VpcId: s.vpcId, CidrBlock: s.cidrBlock, AvailabilityZone: s.availabilityZone, Tags: tagList(s.tags) })), NextToken: p.next };
  });

  on(m.ec2, DescribeVpcsCommand, "ec2.DescribeVpcs", ({ scope, input }) => {
    const rs = regionState(scope, "ec2:DescribeVpcs");
    const f = ec2Filters(input.Filters, ["vpc-id"]);
    const ids = and(idParam(input.VpcIds, (id) => rs.vpcs.has(id), "InvalidVpcID.NotFound", "VPC IDs"), f.get("vpc-id"));
    const p = page(api.describeVpcs(scope, ids ?? [...rs.vpcs.keys()]), input.NextToken);
    return {
      Vpcs: p.items.map((v) => ({
        VpcId: v.vpcId,
        CidrBlock: v.cidrBlock,
        IsDefault: v.isDefault,
        Ipv6CidrBlockAssociationSet: (v.ipv6CidrBlocks ?? []).map((b, i) => ({ Ipv6CidrBlock: b, AssociationId: `vpc-cidr-assoc-${i}`, Ipv6CidrBlockState: { State: "associated" } })),
        Tags: tagList(v.tags),
      })),
      NextToken: p.next,
    };
  });

  on(m.ec2, DescribeNetworkAclsCommand, "ec2.DescribeNetworkAcls", ({ scope, input }) => {
    const rs = regionState(scope, "ec2:DescribeNetworkAcls");
    const f = ec2Filters(input.Filters, ["network-acl-id", "association.subnet-id", "vpc-id", "default"]);
    const ids = and(idParam(input.NetworkAclIds, (id) => rs.acls.has(id), "InvalidNetworkAclID.NotFound", "network ACLs"), f.get("network-acl-id"));
    const views = [...rs.acls.values()].map((a) => aclView(rs, a));
    const found = views.filter(
      (a) =>
        (ids?.includes(a.networkAclId) ?? true) &&
        (f.get("association.subnet-id")?.some((s) => a.subnetIds.includes(s)) ?? true) &&
        (f.get("vpc-id")?.includes(a.vpcId) ?? true) &&
        (f.get("default")?.includes(String(a.isDefault)) ?? true) &&
        tagFilterMatch(a.tags, f),
    );
    const p = page(found, input.NextToken);
    return {
      NetworkAcls: p.items.map((a) => ({
        NetworkAclId: a.networkAclId,
        VpcId: a.vpcId,
        IsDefault: a.isDefault,
        Associations: a.subnetIds.map((SubnetId) => ({ SubnetId, NetworkAclId: a.networkAclId })),
        Entries: a.entries.map((e) => ({
          RuleNumber: e.ruleNumber,
          Egress: e.egress,
          Protocol: e.protocol,
          RuleAction: e.ruleAction,
          CidrBlock: e.cidrBlock,
          Ipv6CidrBlock: e.ipv6CidrBlock,
          PortRange: e.portRange ? { From: e.portRange.from, To: e.portRange.to } : undefined,
        })),
        Tags: tagList(a.tags),
      })),
      NextToken: p.next,
    };
  });

  on(m.ec2, DescribeSnapshotsCommand, "ec2.DescribeSnapshots", ({ scope, input }) => {
    const rs = regionState(scope, "ec2:DescribeSnapshots");
    const f = ec2Filters(input.Filters, ["snapshot-id"]);
    const ids = and(idParam(input.SnapshotIds, (id) => rs.snapshots.has(id), "InvalidSnapshot.NotFound", "snapshots"), f.get("snapshot-id"));
    const found = api.describeSnapshots(scope, { snapshotIds: ids }).filter((s) => tagFilterMatch(s.tags, f));
    const p = page(found, input.NextToken);
    return {
      Snapshots: p.items.map((s) => ({ SnapshotId: s.snapshotId, VolumeId: s.volumeId, State: s.state, StartTime: new Date(s.startTime), Description: s.description, OwnerId: scope.accountId, Tags: tagList(s.tags) })),
      NextToken: p.next,
    };
  });

  // ---- EC2 writes and evidence
  const mustExist = (scope: Scope, id: string) => {
    if (!regionState(scope, "ec2:DescribeInstances").instances.has(id)) throw sdkError("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
  };
  on(m.ec2, DescribeInstanceAttributeCommand, "ec2.DescribeInstanceAttribute", ({ scope, input }) => {
    mustExist(scope, input.InstanceId);
    const id = input.InstanceId;
    const [view] = api.describeInstances(scope, { instanceIds: [id] });
    switch (input.Attribute) {
      case "userData": {
        const value = api.getUserData(scope, id);
        return { InstanceId: id, UserData: value === null ? {} : { Value: value } };
      }
      case "disableApiTermination":
        return { InstanceId: id, DisableApiTermination: { Value: view!.disableApiTermination } };
      case "disableApiStop":
        return { InstanceId: id, DisableApiStop: { Value: view!.disableApiStop } };
      case "instanceInitiatedShutdownBehavior":
        return { InstanceId: id, InstanceInitiatedShutdownBehavior: { Value: view!.instanceInitiatedShutdownBehavior } };
      default:
        throw sdkError("InvalidParameterValue", `Value (${input.Attribute}) for parameter attribute is invalid`);
    }
  });
  on(m.ec2, GetConsoleOutputCommand, "ec2.GetConsoleOutput", ({ scope, input }) => {
    mustExist(scope, input.InstanceId);
    const text = api.getConsoleOutput(scope, input.InstanceId);
    return { InstanceId: input.InstanceId, Timestamp: api.now(), ...(text === null ? {} : { Output: Buffer.from(text, "utf8").toString("base64") }) };
  });
  on(m.ec2, GetConsoleScreenshotCommand, "ec2.GetConsoleScreenshot", ({ scope, input }) => {
    mustExist(scope, input.InstanceId);
    const image = api.getConsoleScreenshot(scope, input.InstanceId);
    return { InstanceId: input.InstanceId, ...(image === null ? {} : { ImageData: image }) };
  });
  on(m.ec2, ModifyInstanceAttributeCommand, "ec2.ModifyInstanceAttribute", ({ scope, input }) => {
    if (input.DisableApiTermination) api.modifyInstanceAttribute(scope, input.InstanceId, { disableApiTermination: input.DisableApiTermination.Value });
    else if (input.InstanceInitiatedShutdownBehavior) api.modifyInstanceAttribute(scope, input.InstanceId, { instanceInitiatedShutdownBehavior: input.InstanceInitiatedShutdownBehavior.Value });
    else if (input.BlockDeviceMappings)
      api.modifyInstanceAttribute(scope, input.InstanceId, {
        blockDeviceDeleteOnTermination: input.BlockDeviceMappings.map((b: In) => ({ deviceName: b.DeviceName, deleteOnTermination: b.Ebs.DeleteOnTermination })),
      });
    else throw sdkError("InvalidParameterCombination", "no attribute to modify");
    return {};
  });
  on(m.ec2, CreateSnapshotsCommand, "ec2.CreateSnapshots", ({ scope, input }) => {
    if (input.InstanceSpecification?.ExcludeBootVolume) throw sdkError("InvalidParameterValue", "this fake snapshots every volume");
    const made = api.createSnapshots(scope, input.InstanceSpecification.InstanceId, { description: input.Description ?? "", tags: tagsFrom(input.TagSpecifications) });
    return { Snapshots: made.map((s) => ({ SnapshotId: s.snapshotId, VolumeId: s.volumeId, State: "pending", OwnerId: scope.accountId })) };
  });
  on(m.ec2, StopInstancesCommand, "ec2.StopInstances", ({ scope, input }) => {
    if (input.Force || input.Hibernate) throw sdkError("InvalidParameterCombination", "the fake expects a plain stop");
    api.stopInstances(scope, input.InstanceIds);
    return { StoppingInstances: input.InstanceIds.map((InstanceId: string) => ({ InstanceId })) };
  });
  on(m.ec2, StartInstancesCommand, "ec2.StartInstances", ({ scope, input }) => {
    api.startInstances(scope, input.InstanceIds);
    return { StartingInstances: input.InstanceIds.map((InstanceId: string) => ({ InstanceId })) };
  });
  on(m.ec2, CreateSecurityGroupCommand, "ec2.CreateSecurityGroup", ({ scope, input }) => ({
    GroupId: api.createSecurityGroup(scope, { vpcId: input.VpcId, groupName: input.GroupName, description: input.Description, tags: tagsFrom(input.TagSpecifications) }),
  }));
  on(m.ec2, AuthorizeSecurityGroupIngressCommand, "ec2.AuthorizeSecurityGroupIngress", ({ scope, input }) => {
    api.authorizeRules(scope, input.GroupId, rulesFromPermissions(input.IpPermissions, "ingress"));
    return { Return: true };
  });
  on(m.ec2, AuthorizeSecurityGroupEgressCommand, "ec2.AuthorizeSecurityGroupEgress", ({ scope, input }) => {
    api.authorizeRules(scope, input.GroupId, rulesFromPermissions(input.IpPermissions, "egress"));
    return { Return: true };
  });
  on(m.ec2, RevokeSecurityGroupIngressCommand, "ec2.RevokeSecurityGroupIngress", ({ scope, input }) => {
    api.revokeRules(scope, input.GroupId, rulesFromPermissions(input.IpPermissions, "ingress"));
    return { Return: true };
  });
  on(m.ec2, RevokeSecurityGroupEgressCommand, "ec2.RevokeSecurityGroupEgress", ({ scope, input }) => {
    api.revokeRules(scope, input.GroupId, rulesFromPermissions(input.IpPermissions, "egress"));
    return { Return: true };
  });
  on(m.ec2, ModifyNetworkInterfaceAttributeCommand, "ec2.ModifyNetworkInterfaceAttribute", ({ scope, input }) => {
    if (!input.Groups) throw sdkError("InvalidParameterCombination", "the fake only changes Groups");
    api.setNetworkInterfaceGroups(scope, input.NetworkInterfaceId, input.Groups);
    return {};
  });
  on(m.ec2, CreateTagsCommand, "ec2.CreateTags", ({ scope, input }) => {
    api.createTags(scope, input.Resources, Object.fromEntries(input.Tags.map((t: In) => [t.Key, t.Value])));
    return {};
  });
  on(m.ec2, CreateNetworkAclEntryCommand, "ec2.CreateNetworkAclEntry", ({ scope, input }) => {
    api.createNetworkAclEntry(scope, input.NetworkAclId, {
      ruleNumber: input.RuleNumber,
      egress: input.Egress,
      protocol: input.Protocol,
      ruleAction: input.RuleAction,
      ...(input.CidrBlock ? { cidrBlock: input.CidrBlock } : {}),
      ...(input.Ipv6CidrBlock ? { ipv6CidrBlock: input.Ipv6CidrBlock } : {}),
      ...(input.PortRange ? { portRange: { from: input.PortRange.From, to: input.PortRange.To } } : {}),
    });
    return {};
  });
  on(m.ec2, DeleteNetworkAclEntryCommand, "ec2.DeleteNetworkAclEntry", ({ scope, input }) => {
    api.deleteNetworkAclEntry(scope, input.NetworkAclId, { ruleNumber: input.RuleNumber, egress: input.Egress });
    return {};
  });

  // ---- Auto Scaling
  const sdkAsg = (g: ReturnType<typeof asgView>) => ({
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: g.arn,
    MinSize: g.minSize,
    MaxSize: g.maxSize,
    DesiredCapacity: g.desiredCapacity,
    VPCZoneIdentifier: g.subnetIds.join(","),
    TargetGroupARNs: g.targetGroupArns,
    LoadBalancerNames: g.loadBalancerNames,
    SuspendedProcesses: g.suspendedProcesses.map((ProcessName) => ({ ProcessName, SuspensionReason: "User suspended" })),
    Instances: g.instances.map((i) => ({ InstanceId: i.instanceId, LifecycleState: i.lifecycleState, HealthStatus: i.healthStatus, ProtectedFromScaleIn: i.protectedFromScaleIn, AvailabilityZone: i.availabilityZone })),
    Tags: Object.entries(g.tags).map(([Key, Value]) => ({ Key, Value, ResourceId: g.name, ResourceType: "auto-scaling-group", PropagateAtLaunch: true })),
  });
  on(m.autoscaling, DescribeAutoScalingInstancesCommand, "autoscaling.DescribeAutoScalingInstances", ({ scope, input }) => {
    const rs = regionState(scope, "autoscaling:DescribeAutoScalingInstances");
    if ((input.InstanceIds ?? []).length > 50) throw sdkError("ValidationError", "at most 50 instance ids");
    const wanted: string[] | undefined = input.InstanceIds;
    const rows = [...rs.asgs.values()].flatMap((g) =>
      asgView(rs, g)
        .instances.filter((i) => !wanted || wanted.includes(i.instanceId))
        .map((i) => ({ InstanceId: i.instanceId, AutoScalingGroupName: g.name, AvailabilityZone: i.availabilityZone, LifecycleState: i.lifecycleState, HealthStatus: i.healthStatus.toUpperCase(), ProtectedFromScaleIn: i.protectedFromScaleIn })),
    );
    const p = page(rows, input.NextToken);
    return { AutoScalingInstances: p.items, NextToken: p.next };
  });
  on(m.autoscaling, DescribeAutoScalingGroupsCommand, "autoscaling.DescribeAutoScalingGroups", ({ scope, input }) => {
    const rs = regionState(scope, "autoscaling:DescribeAutoScalingGroups");
    if ((input.AutoScalingGroupNames ?? []).length > (input.MaxRecords ?? 50)) throw sdkError("ValidationError", "at most MaxRecords (default 50) group names");
    const groups = input.AutoScalingGroupNames ? api.describeAutoScalingGroups(scope, input.AutoScalingGroupNames) : [...rs.asgs.values()].map((g) => asgView(rs, g));
    const p = page(groups, input.NextToken, 1);
    return { AutoScalingGroups: p.items.map(sdkAsg), NextToken: p.next };
  });
  const asgWrite = (cmd: new (i: In) => unknown, op: Operation, fn: (c: Call) => void) => on(m.autoscaling, cmd, op, (c) => (fn(c), {}));
  asgWrite(EnterStandbyCommand, "autoscaling.EnterStandby", ({ scope, input }) => api.enterStandby(scope, input.AutoScalingGroupName, input.InstanceIds, input.ShouldDecrementDesiredCapacity));
  asgWrite(ExitStandbyCommand, "autoscaling.ExitStandby", ({ scope, input }) => api.exitStandby(scope, input.AutoScalingGroupName, input.InstanceIds));
  asgWrite(DetachInstancesCommand, "autoscaling.DetachInstances", ({ scope, input }) => api.detachInstances(scope, input.AutoScalingGroupName, input.InstanceIds, input.ShouldDecrementDesiredCapacity));
  asgWrite(AttachInstancesCommand, "autoscaling.AttachInstances", ({ scope, input }) => api.attachInstances(scope, input.AutoScalingGroupName, input.InstanceIds));
  asgWrite(SuspendProcessesCommand, "autoscaling.SuspendProcesses", ({ scope, input }) => api.suspendProcesses(scope, input.AutoScalingGroupName, input.ScalingProcesses ?? []));
  asgWrite(ResumeProcessesCommand, "autoscaling.ResumeProcesses", ({ scope, input }) => api.resumeProcesses(scope, input.AutoScalingGroupName, input.ScalingProcesses ?? []));
  asgWrite(SetInstanceProtectionCommand, "autoscaling.SetInstanceProtection", ({ scope, input }) => api.setInstanceProtection(scope, input.AutoScalingGroupName, input.InstanceIds, input.ProtectedFromScaleIn));
  asgWrite(UpdateAutoScalingGroupCommand, "autoscaling.UpdateAutoScalingGroup", ({ scope, input }) =>
    api.updateAutoScalingGroup(scope, input.AutoScalingGroupName, {
      ...(input.MinSize !== undefined ? { minSize: input.MinSize } : {}),
      ...(input.MaxSize !== undefined ? { maxSize: input.MaxSize } : {}),
      ...(input.DesiredCapacity !== undefined ? { desiredCapacity: input.DesiredCapacity } : {}),
    }),
  );

  // ---- Elastic Load Balancing
  on(m.elbv2, DescribeTargetGroupsCommand, "elbv2.DescribeTargetGroups", ({ scope, input }) => {
    const rs = regionState(scope, "elasticloadbalancing:DescribeTargetGroups");
    const p = page([...rs.tgs.values()], input.Marker);
    return {
      TargetGroups: p.items.map((t) => ({ TargetGroupArn: t.arn, TargetGroupName: t.name, TargetType: t.targetType, Protocol: t.protocol, Port: t.port, VpcId: t.vpcId, LoadBalancerArns: t.loadBalancerArns })),
      NextMarker: p.next,
    };
  });
  on(m.elbv2, DescribeTargetHealthCommand, "elbv2.DescribeTargetHealth", ({ scope, input }) => {
    const rs = regionState(scope, "elasticloadbalancing:DescribeTargetHealth");
    const tg = rs.tgs.get(input.TargetGroupArn);
    if (!tg) throw sdkError("TargetGroupNotFound", `Target groups '${input.TargetGroupArn}' not found`);
    return {
      TargetHealthDescriptions: tgView(rs, tg).targets.map((t) => ({ Target: { Id: t.id, Port: t.port, AvailabilityZone: t.availabilityZone }, TargetHealth: { State: t.health } })),
    };
  });
  const v2Lbs = (rs: RegionState) => [...rs.lbs.values()].filter((l) => l.type !== "classic");
  on(m.elbv2, DescribeLoadBalancersCommand, "elbv2.DescribeLoadBalancers", ({ scope, input }) => {
    const rs = regionState(scope, "elasticloadbalancing:DescribeLoadBalancers");
    if (input.LoadBalancerArns && input.Names) throw sdkError("ValidationError", "LoadBalancerArns and Names can't be combined");
    let lbs = v2Lbs(rs);
    const wanted: string[] | undefined = input.LoadBalancerArns ?? input.Names;
    if (wanted) {
      const key = input.LoadBalancerArns ? (l: { id: string }) => l.id : (l: { name: string }) => l.name;
      const missing = wanted.filter((w) => !lbs.some((l) => key(l) === w));
      if (missing.length) throw sdkError("LoadBalancerNotFound", `Load balancers '${missing.join(", ")}' not found`);
      lbs = lbs.filter((l) => wanted.includes(key(l)));
    }
    const p = page(lbs, input.Marker);
    return {
      LoadBalancers: p.items.map((l) => ({
        LoadBalancerArn: l.id,
        LoadBalancerName: l.name,
        Type: l.type,
        Scheme: l.scheme,
        VpcId: l.vpcId,
        DNSName: l.dnsName,
        SecurityGroups: l.securityGroupIds,
        AvailabilityZones: l.subnetIds.map((SubnetId) => ({ SubnetId, ZoneName: rs.subnets.get(SubnetId)?.availabilityZone })),
      })),
      NextMarker: p.next,
    };
  });
  on(m.elbv2, DescribeTagsCommand, "elbv2.DescribeTags", ({ scope, input }) => {
    const rs = regionState(scope, "elasticloadbalancing:DescribeTags");
    if (input.ResourceArns.length > 20) throw sdkError("ValidationError", "at most 20 resource ARNs");
    return { TagDescriptions: input.ResourceArns.map((arn: string) => ({ ResourceArn: arn, Tags: tagList(rs.lbs.get(arn)?.tags ?? {}) })) };
  });
  on(m.elbv2, DeregisterTargetsCommand, "elbv2.DeregisterTargets", ({ scope, input }) => {
    api.deregisterTargets(scope, input.TargetGroupArn, input.Targets.map((t: In) => ({ id: t.Id, ...(t.Port !== undefined ? { port: t.Port } : {}) })));
    return {};
  });
  on(m.elbv2, RegisterTargetsCommand, "elbv2.RegisterTargets", ({ scope, input }) => {
    api.registerTargets(scope, input.TargetGroupArn, input.Targets.map((t: In) => ({ id: t.Id, ...(t.Port !== undefined ? { port: t.Port } : {}) })));
    return {};
  });
  on(m.elb, ClassicDescribeLoadBalancersCommand, "elb.DescribeLoadBalancers", ({ scope, input }) => {
    const rs = regionState(scope, "elasticloadbalancing:DescribeLoadBalancers");
    let lbs = [...rs.lbs.values()].filter((l) => l.type === "classic").map(lbView);
    if (input.LoadBalancerNames) {
      const missing = input.LoadBalancerNames.filter((n: string) => !lbs.some((l) => l.name === n));
      if (missing.length) throw sdkError("LoadBalancerNotFound", `There is no ACTIVE Load Balancer named '${missing.join(", ")}'`);
      lbs = lbs.filter((l) => input.LoadBalancerNames.includes(l.name));
    }
    const p = page(lbs, input.Marker);
    return {
      LoadBalancerDescriptions: p.items.map((l) => ({
        LoadBalancerName: l.name,
        DNSName: l.dnsName,
        Scheme: l.scheme,
        VPCId: l.vpcId,
        SecurityGroups: l.securityGroupIds,
        Subnets: l.subnetIds,
        Instances: (l.instanceIds ?? []).map((InstanceId) => ({ InstanceId })),
      })),
      NextMarker: p.next,
    };
  });
  on(m.elb, ClassicDescribeTagsCommand, "elb.DescribeTags", ({ scope, input }) => {
    const rs = regionState(scope, "elasticloadbalancing:DescribeTags");
    return { TagDescriptions: input.LoadBalancerNames.map((n: string) => ({ LoadBalancerName: n, Tags: tagList(rs.lbs.get(n)?.tags ?? {}) })) };
  });
  on(m.elb, DeregisterInstancesFromLoadBalancerCommand, "elb.DeregisterInstancesFromLoadBalancer", ({ scope, input }) => {
    api.deregisterFromClassicLoadBalancer(scope, input.LoadBalancerName, input.Instances.map((i: In) => i.InstanceId));
    return { Instances: [] };
  });
  on(m.elb, RegisterInstancesWithLoadBalancerCommand, "elb.RegisterInstancesWithLoadBalancer", ({ scope, input }) => {
    api.registerWithClassicLoadBalancer(scope, input.LoadBalancerName, input.Instances.map((i: In) => i.InstanceId));
    return { Instances: [] };
  });

  // ---- IAM
  const user = (accountId: string, name: string) => {
    const u = state.accounts.get(accountId)?.users.get(name);
    if (!u) throw sdkError("NoSuchEntity", `The user with name ${name} cannot be found.`, 404);
    return u;
  };
  on(m.iam, GetAccessKeyLastUsedCommand, "iam.GetAccessKeyLastUsed", ({ accountId, input }) => {
    const k = api.findAccessKey(accountId, input.AccessKeyId);
    if (!k) throw sdkError("AccessDenied", `not authorized to perform iam:GetAccessKeyLastUsed on access key ${input.AccessKeyId}`, 403);
    return {
      UserName: k.userName,
      AccessKeyLastUsed: k.lastUsed?.date
        ? { LastUsedDate: new Date(k.lastUsed.date), ServiceName: k.lastUsed.service ?? "N/A", Region: k.lastUsed.region ?? "N/A" }
        : { ServiceName: "N/A", Region: "N/A" },
    };
  });
  on(m.iam, ListAccessKeysCommand, "iam.ListAccessKeys", ({ accountId, input }) => {
    const p = page(user(accountId, input.UserName).keys, input.Marker, 1);
    return { AccessKeyMetadata: p.items.map((k) => ({ UserName: input.UserName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: new Date(k.createDate) })), IsTruncated: p.next !== undefined, Marker: p.next };
  });
  on(m.iam, GetUserCommand, "iam.GetUser", ({ accountId, input }) => {
    const u = user(accountId, input.UserName).user;
    return { User: { UserName: u.userName, UserId: u.userId, Arn: u.arn, Path: u.path, CreateDate: new Date(u.createDate), Tags: tagList(u.tags) } };
  });
  on(m.iam, ListAttachedUserPoliciesCommand, "iam.ListAttachedUserPolicies", ({ accountId, input }) => {
    const p = page(user(accountId, input.UserName).user.attachedPolicies, input.Marker, 1);
    return { AttachedPolicies: p.items.map((PolicyArn) => ({ PolicyArn, PolicyName: PolicyArn.split("/").pop() })), IsTruncated: p.next !== undefined, Marker: p.next };
  });
  on(m.iam, ListGroupsForUserCommand, "iam.ListGroupsForUser", ({ accountId, input }) => {
    const p = page(user(accountId, input.UserName).user.groups, input.Marker, 1);
    return { Groups: p.items.map((GroupName) => ({ GroupName, GroupId: `AGPA${GroupName.toUpperCase()}`, Path: "/", Arn: `arn:aws:iam::${accountId}:group/${GroupName}`, CreateDate: new Date(0) })), IsTruncated: p.next !== undefined, Marker: p.next };
  });
  on(m.iam, UpdateAccessKeyCommand, "iam.UpdateAccessKey", ({ accountId, input }) => {
    api.setAccessKeyStatus(accountId, input.UserName, input.AccessKeyId, input.Status);
    return {};
  });

  // ---- SSM, CloudTrail
  on(m.ssm, DescribeInstanceInformationCommand, "ssm.DescribeInstanceInformation", ({ scope, input }) => {
    const filter = (input.Filters ?? []).find((f: In) => f.Key === "InstanceIds");
    if (!filter) throw sdkError("InvalidFilterKey", "the fake expects the InstanceIds filter");
    const p = page(api.ssmManagedInstances(scope, filter.Values), input.NextToken);
    return {
      InstanceInformationList: p.items.map((i) => ({ InstanceId: i.instanceId, PingStatus: i.pingStatus, PlatformType: i.platformType, PlatformName: i.platformName, AgentVersion: i.agentVersion, LastPingDateTime: i.lastPingDateTime ? new Date(i.lastPingDateTime) : undefined })),
      NextToken: p.next,
    };
  });
  on(m.ssm, SendCommandCommand, "ssm.SendCommand", ({ scope, input }) => {
    const commands = input.Parameters?.commands;
    const timeout = input.Parameters?.executionTimeout;
    if (!Array.isArray(commands) || !Array.isArray(timeout) || timeout.length !== 1) throw sdkError("InvalidParameters", "the fake expects Parameters.commands and one executionTimeout");
    if (typeof input.TimeoutSeconds !== "number" || input.TimeoutSeconds < 30) throw sdkError("ValidationException", "TimeoutSeconds is at least 30");
    const commandId = api.sendCommand(scope, {
      instanceIds: input.InstanceIds ?? [],
      documentName: input.DocumentName,
      commands,
      timeoutSeconds: Number(timeout[0]),
      comment: input.Comment ?? "",
      ...(input.OutputS3BucketName ? { outputS3: { bucket: input.OutputS3BucketName, ...(input.OutputS3KeyPrefix ? { prefix: input.OutputS3KeyPrefix } : {}) } } : {}),
    });
    return { Command: { CommandId: commandId, DocumentName: input.DocumentName, InstanceIds: input.InstanceIds, Status: "Pending" } };
  });
  on(m.ssm, GetCommandInvocationCommand, "ssm.GetCommandInvocation", ({ scope, region, input }) => {
    const inv = api.getCommandInvocation(scope, input.CommandId, input.InstanceId);
    if (!inv) throw sdkError("InvocationDoesNotExist", "invocation does not exist");
    const url = (key: string) => `https://s3.${region}.amazonaws.com/${inv.outputS3!.bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
    return {
      CommandId: inv.commandId,
      InstanceId: inv.instanceId,
      Status: inv.status,
      StatusDetails: inv.statusDetails,
      ResponseCode: inv.responseCode,
      StandardOutputContent: inv.stdout,
      StandardErrorContent: inv.stderr,
      StandardOutputUrl: inv.outputS3 ? url(inv.outputS3.stdoutKey) : "",
      StandardErrorUrl: inv.outputS3 ? url(inv.outputS3.stderrKey) : "",
    };
  });
  on(m.cloudtrail, LookupEventsCommand, "cloudtrail.LookupEvents", ({ scope, input }) => {
    const attrs = input.LookupAttributes ?? [];
    if (attrs.length > 1) throw sdkError("InvalidLookupAttributesException", "LookupEvents takes one lookup attribute");
    const a = attrs[0];
    const events = api.lookupEvents(scope, {
      start: (input.StartTime as Date).toISOString(),
      end: (input.EndTime as Date).toISOString(),
      ...(a?.AttributeKey === "EventName" ? { eventNames: [a.AttributeValue] } : {}),
      ...(a?.AttributeKey === "ResourceName" ? { resourceName: a.AttributeValue } : {}),
      ...(a?.AttributeKey === "Username" ? { username: a.AttributeValue } : {}),
      ...(a?.AttributeKey === "AccessKeyId" ? { accessKeyId: a.AttributeValue } : {}),
    });
    const p = page(events, input.NextToken);
    return {
      Events: p.items.map((e) => ({
        EventId: e.eventId,
        EventName: e.eventName,
        EventSource: e.eventSource,
        EventTime: new Date(e.eventTime),
        Username: e.username,
        AccessKeyId: e.accessKeyId,
        Resources: e.resources.map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
        CloudTrailEvent: JSON.stringify(e.detail),
      })),
      NextToken: p.next,
    };
  });

  // ---- S3
  const bucket = (accountId: string, region: string, input: In, anyRegion = false) => {
    if (input.ExpectedBucketOwner !== accountId) throw sdkError("AccessDenied", `ExpectedBucketOwner ${input.ExpectedBucketOwner} is not ${accountId}`, 403);
    const b = state.accounts.get(accountId)?.buckets.get(input.Bucket);
    if (!b) throw sdkError("NoSuchBucket", "The specified bucket does not exist", 404);
    if (!anyRegion && b.region !== region) throw sdkError("PermanentRedirect", `The bucket is in ${b.region}; this request went to ${region}`, 301);
    return b;
  };
  on(m.s3, ListBucketsCommand, "s3.ListBuckets", ({ accountId, input }) => {
    const all = [...(state.accounts.get(accountId)?.buckets.values() ?? [])].filter((b) => !input.Prefix || b.name.startsWith(input.Prefix));
    const p = page(all, input.ContinuationToken);
    // No BucketRegion, as older S3-compatible endpoints answer: the adapter must ask GetBucketLocation.
    return { Buckets: p.items.map((b) => ({ Name: b.name, CreationDate: new Date(0) })), ContinuationToken: p.next, Prefix: input.Prefix };
  });
  on(m.s3, GetBucketLocationCommand, "s3.GetBucketLocation", ({ accountId, region, input }) => {
    const b = bucket(accountId, region, input, true);
    return { LocationConstraint: b.region === "us-east-1" ? undefined : b.region === "eu-west-1" ? "EU" : b.region };
  });
  on(m.s3, GetPublicAccessBlockCommand, "s3.GetPublicAccessBlock", ({ accountId, region, input }) => {
    const b = bucket(accountId, region, input);
    if (!b.publicAccessBlock) throw sdkError("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404);
    const c = b.publicAccessBlock;
    return { PublicAccessBlockConfiguration: { BlockPublicAcls: c.blockPublicAcls, IgnorePublicAcls: c.ignorePublicAcls, BlockPublicPolicy: c.blockPublicPolicy, RestrictPublicBuckets: c.restrictPublicBuckets } };
  });
  on(m.s3, GetBucketTaggingCommand, "s3.GetBucketTagging", ({ accountId, region, input }) => {
    const b = bucket(accountId, region, input);
    if (Object.keys(b.tags).length === 0) throw sdkError("NoSuchTagSet", "The TagSet does not exist", 404);
    return { TagSet: tagList(b.tags) };
  });
  on(m.s3, PutPublicAccessBlockCommand, "s3.PutPublicAccessBlock", ({ accountId, region, input }) => {
    bucket(accountId, region, input);
    const c = input.PublicAccessBlockConfiguration;
    api.putPublicAccessBlock(accountId, input.Bucket, { blockPublicAcls: c.BlockPublicAcls, ignorePublicAcls: c.IgnorePublicAcls, blockPublicPolicy: c.BlockPublicPolicy, restrictPublicBuckets: c.RestrictPublicBuckets });
    return {};
  });
  on(m.s3, PutObjectCommand, "s3.PutObject", ({ accountId, region, input }) => {
    bucket(accountId, region, input);
    const body = input.Body as Uint8Array;
    if (input.ContentLength !== body.length) throw sdkError("IncompleteBody", "ContentLength does not match the body", 400);
    if ((input.ObjectLockMode === undefined) !== (input.ObjectLockRetainUntilDate === undefined)) throw sdkError("InvalidRequest", "x-amz-object-lock-mode and -retain-until-date go together", 400);
    const out = api.putObject(accountId, {
      bucket: input.Bucket,
      key: input.Key,
      body,
      sha256: Buffer.from(String(input.ChecksumSHA256 ?? ""), "base64").toString("hex"),
      ...(input.ContentType ? { contentType: input.ContentType } : {}),
      ...(input.ObjectLockMode ? { retention: { mode: input.ObjectLockMode, retainUntil: (input.ObjectLockRetainUntilDate as Date).toISOString() } } : {}),
    });
    return { VersionId: out.versionId, ETag: out.etag, ChecksumSHA256: input.ChecksumSHA256 };
  });
  on(m.s3, DeletePublicAccessBlockCommand, "s3.DeletePublicAccessBlock", ({ accountId, region, input }) => {
    bucket(accountId, region, input);
    api.deletePublicAccessBlock(accountId, input.Bucket);
    return {};
  });

  // ---- flow logs, log files in S3, Logs Insights
  installFakeLogs(sim, m, on, page, sdkError);

  // ---- CloudFront
  const distribution = (accountId: string, id: string) => {
    const d = api.getDistribution(accountId, id);
    if (!d) throw sdkError("NoSuchDistribution", "The specified distribution does not exist.", 404);
    return d;
  };
  const configOf = (d: NonNullable<ReturnType<typeof api.getDistribution>>) => ({
    CallerReference: `ref-${d.id}`,
    Comment: "",
    Enabled: d.enabled,
    Aliases: { Quantity: d.aliases.length, Items: d.aliases },
    Origins: { Quantity: d.origins.length, Items: d.origins.map((o, i) => ({ Id: `origin-${i}`, DomainName: o })) },
    DefaultCacheBehavior: { TargetOriginId: "origin-0", ViewerProtocolPolicy: "redirect-to-https" },
  });
  const etag = (id: string) => `E${etags.get(id) ?? 1}`;
  on(m.cloudfront, GetDistributionCommand, "cloudfront.GetDistribution", ({ accountId, input }) => {
    const d = distribution(accountId, input.Id);
    return { Distribution: { Id: d.id, ARN: d.arn, DomainName: d.domainName, Status: d.status, DistributionConfig: configOf(d) }, ETag: etag(d.id) };
  });
  on(m.cloudfront, ListTagsForResourceCommand, "cloudfront.ListTagsForResource", ({ accountId, input }) => {
    const d = [...(state.accounts.get(accountId)?.distributions.values() ?? [])].find((x) => x.arn === input.Resource);
    if (!d) throw sdkError("NoSuchResource", "The specified resource does not exist.", 404);
    return { Tags: { Items: tagList(d.tags) } };
  });
  on(m.cloudfront, GetDistributionConfigCommand, "cloudfront.GetDistributionConfig", ({ accountId, input }) => ({ DistributionConfig: configOf(distribution(accountId, input.Id)), ETag: etag(input.Id) }));
  on(m.cloudfront, UpdateDistributionCommand, "cloudfront.UpdateDistribution", ({ accountId, input }) => {
    const d = distribution(accountId, input.Id);
    if (input.IfMatch !== etag(d.id)) throw sdkError("PreconditionFailed", "The If-Match version is missing or not valid for the resource.", 412);
    // UpdateDistribution replaces the whole configuration: a partial one would wipe the rest.
    const cfg = input.DistributionConfig;
    if (JSON.stringify({ ...cfg, Enabled: d.enabled }) !== JSON.stringify(configOf(d))) throw sdkError("InvalidArgument", "the configuration sent back differs from the one read");
    api.setDistributionEnabled(accountId, d.id, cfg.Enabled);
    etags.set(d.id, (etags.get(d.id) ?? 1) + 1);
    return { Distribution: { Id: d.id, ARN: d.arn, Status: "InProgress" }, ETag: etag(d.id) };
  });

  installFakeIam(on, sim, m);
  installFakeFleet(on, sim, m);
  installPostureFakes(sim, mocks, on, sdkError);
  return { log };
}
