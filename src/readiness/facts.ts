/**
 * The port reads readiness makes, each made once per account/region however many checks use it,
 * all through one limiter (the resolver's: src/resolve/limiter.ts), so every account and region
 * is read side by side while no (account, region) pair has more than `perKey` calls in flight.
 */
import type { Instance, NetworkInterface, Scope, SecurityGroup } from "../cloud/model.ts";
import type { AccessSide } from "../cloud/port-access.ts";
import type { CloudReader } from "../cloud/port.ts";
import { Limiter } from "../resolve/limiter.ts";

export class Facts {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly port: CloudReader,
    readonly limiter: Limiter = new Limiter(8, 64),
  ) {}

  private once<T>(key: string, limitKey: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = this.limiter.run(limitKey, fn);
      this.memo.set(key, p);
    }
    return p;
  }

  private at<T>(name: string, scope: Scope, fn: () => Promise<T>): Promise<T> {
    return this.once(`${name}|${scope.accountId}|${scope.region}`, `${scope.accountId}/${scope.region}`, fn);
  }
  private global<T>(name: string, accountId: string, arg: string, fn: () => Promise<T>): Promise<T> {
    return this.once(`${name}|${accountId}|${arg}`, `${accountId}/global`, fn);
  }

  regions(accountId: string): Promise<string[]> {
    return this.global("regions", accountId, "", () => this.port.regions(accountId));
  }
  instances(scope: Scope): Promise<Instance[]> {
    return this.at("instances", scope, () => this.port.describeInstances(scope, {}));
  }
  /** Instances by id with their protections (DescribeInstanceAttribute is made for named instances). */
  instancesById(scope: Scope, ids: string[]): Promise<Instance[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.at(`instancesById:${ids.join(",")}`, scope, () => this.port.describeInstances(scope, { instanceIds: ids }));
  }
  networkInterfaces(scope: Scope): Promise<NetworkInterface[]> {
    return this.at("enis", scope, () => this.port.describeNetworkInterfaces(scope, {}));
  }
  /** The security groups in use: those of the region's network interfaces. */
  async groupsInUse(scope: Scope): Promise<{ group: SecurityGroup; enis: NetworkInterface[] }[]> {
    const enis = await this.networkInterfaces(scope);
    const ids = [...new Set(enis.flatMap((e) => e.groupIds))].sort();
    if (ids.length === 0) return [];
    const groups = await this.at("groups", scope, () => this.port.describeSecurityGroups(scope, ids));
    return groups.map((group) => ({ group, enis: enis.filter((e) => e.groupIds.includes(group.groupId)) }));
  }
  ssmManaged(scope: Scope, ids: string[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return this.at(`ssm:${ids.join(",")}`, scope, () => this.port.ssmManagedInstances(scope, ids));
  }
  inventory(scope: Scope, instanceId: string) {
    return this.at(`inventory:${instanceId}`, scope, () => this.port.inventoryApplications(scope, instanceId));
  }
  /** The flow logs on these VPCs (through the limiter like every other read). */
  flowLogs(scope: Scope, vpcIds: string[]) {
    return this.at(`flowlogs:${vpcIds.join(",")}`, scope, () => this.port.describeFlowLogs(scope, { vpcIds }));
  }
  trails(scope: Scope) {
    return this.at("trails", scope, () => this.port.describeTrails(scope));
  }
  guardDuty(scope: Scope) {
    return this.at("guardduty", scope, () => this.port.guardDutyDetectors(scope));
  }
  eventRules(scope: Scope) {
    return this.at("rules", scope, () => this.port.listEventRules(scope));
  }
  securityContact(accountId: string) {
    return this.global("contact", accountId, "", () => this.port.getSecurityContact(accountId));
  }
  credentialReport(accountId: string) {
    return this.global("report", accountId, "", () => this.port.credentialReport(accountId));
  }
  accountSummary(accountId: string) {
    return this.global("summary", accountId, "", () => this.port.accountSummary(accountId));
  }
  accountPublicAccessBlock(accountId: string) {
    return this.global("pab", accountId, "", () => this.port.accountPublicAccessBlock(accountId));
  }
  bucket(accountId: string, name: string) {
    return this.global("bucket", accountId, name, () => this.port.getBucket(accountId, name));
  }
  bucketLogging(accountId: string, name: string) {
    return this.global("logging", accountId, name, () => this.port.getBucketLogging(accountId, name));
  }
  organizationAccounts() {
    return this.once("org", "organization/global", () => this.port.organizationAccounts());
  }
  enterAccount(accountId: string, side: AccessSide) {
    return this.global("enter", accountId, side, () => this.port.enterAccount(accountId, side));
  }
  role(accountId: string, roleName: string) {
    return this.global("role", accountId, roleName, () => this.port.getIamRole(accountId, roleName));
  }
  policyEntities(accountId: string, arn: string) {
    return this.global("entities", accountId, arn, () => this.port.policyEntities(accountId, arn));
  }
}
