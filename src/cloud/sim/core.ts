/**
 * What every simulated service stands on: the state, the estate's clock, AWS's limits, ids with
 * AWS's shape, reaching an account and a region (unknown-account, access-denied, region-disabled,
 * as AWS answers), and the CloudTrail record each write leaves. SimApi (./api.ts) extends this and
 * delegates each call to its service's module (./ec2.ts, ./security-groups.ts, ./autoscaling.ts,
 * ./elb.ts, ./s3.ts, ./cloudfront.ts, ./cloudtrail.ts, ./iam.ts, ./ssm.ts, ./posture.ts), which
 * take this core as their first argument.
 */
import { readable } from "./access.ts";
import { CloudError } from "../errors.ts";
import type { AccountInfo, Scope, Tags } from "../model.ts";
import { hexOf } from "./ids.ts";
import type { AccountState, RegionState, SimState } from "./state.ts";
import { buildTrailEvent, type TrailSpec } from "./trail.ts";

/** AWS's default quotas and per-call limits, adjustable per simulator (some are adjustable in AWS too). */
export interface SimLimits {
  /** Network ACL entries per direction, the default deny rule included (AWS default 20). */
  networkAclRulesPerDirection: number;
  /** Rules per security group per direction (AWS default 60). */
  rulesPerSecurityGroup: number;
  /** Security groups per network interface (AWS default 5). */
  groupsPerNetworkInterface: number;
  /** Instance ids per Auto Scaling call (EnterStandby, ExitStandby, DetachInstances, AttachInstances). */
  autoScalingIdsPerCall: number;
  /** Instance ids per SetInstanceProtection call. */
  instanceProtectionIdsPerCall: number;
  /** Tags per resource. */
  tagsPerResource: number;
}

export const DEFAULT_LIMITS: SimLimits = {
  networkAclRulesPerDirection: 20,
  rulesPerSecurityGroup: 60,
  groupsPerNetworkInterface: 5,
  autoScalingIdsPerCall: 20,
  instanceProtectionIdsPerCall: 50,
  tagsPerResource: 50,
};

/** The identity the simulator's own writes are logged under in CloudTrail. */
const SIM_CALLER = "abuse-desk";

export function invalid(code: string, message: string, action: string, scope?: Partial<Scope>): CloudError {
  return new CloudError("invalid", message, { code, action, ...(scope?.accountId ? { accountId: scope.accountId } : {}), ...(scope?.region ? { region: scope.region } : {}) });
}
export function notFound(code: string, message: string, action: string, scope?: Partial<Scope>): CloudError {
  return new CloudError("not-found", message, { code, action, ...(scope?.accountId ? { accountId: scope.accountId } : {}), ...(scope?.region ? { region: scope.region } : {}) });
}

/** Filter semantics shared by every query: an absent filter matches all; a filter given as a list matches its members (an empty list, nothing). */
export function allows<T>(filter: readonly T[] | undefined, value: T | undefined): boolean {
  if (filter === undefined) return true;
  return value !== undefined && filter.includes(value);
}

export function tagsMatch(have: Tags, want: Tags | undefined): boolean {
  return want === undefined || Object.entries(want).every(([k, v]) => have[k] === v);
}

/** AWS's rules for tags given to a write (reserved aws: prefix, key and value lengths). */
export function checkTags(tags: Tags, action: string, scope: Scope): void {
  for (const [k, v] of Object.entries(tags)) {
    if (k.toLowerCase().startsWith("aws:")) throw invalid("InvalidParameterValue", `tag keys starting with aws: are reserved (${k})`, action, scope);
    if (k.length === 0 || k.length > 128) throw invalid("InvalidParameterValue", `a tag key is 1 to 128 characters (${k})`, action, scope);
    if (String(v).length > 256) throw invalid("InvalidParameterValue", `a tag value is at most 256 characters (${k})`, action, scope);
  }
}

export class SimCore {
  constructor(
    /** Replaced when another process saved a newer state of a persistent account (./persist.ts). */
    public state: SimState,
    private readonly clockNow: () => Date,
    readonly limits: SimLimits = DEFAULT_LIMITS,
    /** False: answer every query by scanning every record (the benchmark's baseline). */
    readonly indexed = true,
  ) {}

  now(): Date {
    return this.clockNow();
  }

  /** Now, as CloudTrail and EC2 write times (seconds, `Z`). */
  nowIso(): string {
    return this.now().toISOString().slice(0, 19) + "Z";
  }

  /** A fresh id with AWS's shape (prefix + 17 hex digits), deterministic per simulator. */
  newId(prefix: string): string {
    this.state.idCounter += 1;
    return `${prefix}-0${hexOf(`sim|${prefix}|${this.state.idCounter}`, 16)}`;
  }

  // ---- accounts and regions --------------------------------------------------------------

  /** The account, or unknown-account; access-denied (sts:AssumeRole) when it can't be entered. */
  account(accountId: string, action = "sts:AssumeRole"): AccountState {
    const acc = this.state.accounts.get(accountId);
    if (!acc) throw new CloudError("unknown-account", `account ${accountId} is not one this port can reach (known: ${[...this.state.accounts.keys()].join(", ")})`, { accountId, action });
    if (!readable(this.state, acc))
      throw new CloudError("access-denied", `access denied: cannot assume a role in account ${accountId} (sts:AssumeRole)`, { accountId, action: "sts:AssumeRole", code: "AccessDenied" });
    return acc;
  }

  /** The region's state, or region-disabled. */
  region(scope: Scope, action: string): RegionState {
    const acc = this.account(scope.accountId);
    const rs = acc.regions.get(scope.region);
    if (!rs)
      throw new CloudError("region-disabled", `region ${scope.region} is not enabled for account ${scope.accountId} (enabled: ${acc.enabledRegions.join(", ")})`, {
        accountId: scope.accountId,
        region: scope.region,
        action,
        code: "OptInRequired",
      });
    return rs;
  }

  accounts(): AccountInfo[] {
    return [...this.state.accounts.values()].map((a) => ({ accountId: a.accountId, ...(a.name ? { name: a.name } : {}), origin: "sim" as const }));
  }

  regions(accountId: string): string[] {
    return [...this.account(accountId, "ec2:DescribeRegions").enabledRegions];
  }

  // ---- CloudTrail records of the simulator's writes ----------------------------------------

  /** Logs one of the simulator's writes in CloudTrail, as the simulator's caller unless `caller` says otherwise (an AWS service acting on its own). */
  log(
    rs: RegionState | { accountId: string; region: string },
    eventName: string,
    requestParameters: Record<string, unknown>,
    responseElements: Record<string, unknown> | null = null,
    resources: { type?: string; name?: string }[] = [],
    caller: Pick<TrailSpec, "username" | "userAgent" | "sourceIpAddress"> = { username: SIM_CALLER, userAgent: "abuse-desk", sourceIpAddress: "AWS Internal" },
  ): void {
    const acc = this.state.accounts.get(rs.accountId);
    const target = acc?.regions.get(rs.region);
    if (!target) return;
    const ev = buildTrailEvent(
      { eventName, eventTime: this.nowIso(), ...caller, resources, requestParameters, responseElements },
      rs.accountId,
      rs.region,
      `w${++this.state.idCounter}`,
    );
    target.trail.unshift(ev);
  }

  /** Where a global service's write (IAM, S3, CloudFront) is logged: the preferred region, else us-east-1, else the first enabled. */
  globalTrail(accountId: string, preferred?: string): { accountId: string; region: string } {
    const acc = this.state.accounts.get(accountId)!;
    const region = preferred && acc.regions.has(preferred) ? preferred : acc.regions.has("us-east-1") ? "us-east-1" : acc.enabledRegions[0]!;
    return { accountId, region };
  }

  /** Logs a write made by ./iam.ts (an IAM write in the account's global trail region). */
  record(where: { accountId: string; region?: string }, eventName: string, requestParameters: Record<string, unknown>, resources: { type?: string; name?: string }[]): void {
    this.log(where.region ? { accountId: where.accountId, region: where.region } : this.globalTrail(where.accountId), eventName, requestParameters, null, resources);
  }
}
