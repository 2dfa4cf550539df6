/**
 * The simulated posture reads (src/cloud/port-posture.ts), answered from the account's `posture:`
 * section (./posture-schema.ts) and the rest of its state (IAM users, buckets, managed instances).
 * SimApi delegates here; AWS's rules kept: a trail applies to a region when it is multi-region or
 * homed there; a report row per console user and per user with keys, plus the root row.
 */
import { CloudError } from "../errors.ts";
import type { Scope } from "../model.ts";
import type { AccountSummary, AlternateContact, CredentialReportRow, EventRule, GuardDutyDetector, InventoryApplication, PolicyEntities, PublicAccessBlock, TrailInfo } from "../port-posture.ts";
import { hexOf } from "./ids.ts";
import type { AccountState, RegionState } from "./state.ts";

type Api = {
  account(accountId: string, action?: string): AccountState;
  region(scope: Scope, action: string): RegionState;
};

export function getSecurityContact(api: Api, accountId: string): AlternateContact | null {
  const c = api.account(accountId).posture.securityContact;
  return c ? { type: "SECURITY", name: c.name, title: c.title, emailAddress: c.emailAddress, phoneNumber: c.phoneNumber } : null;
}

export function listEventRules(api: Api, scope: Scope): EventRule[] {
  api.region(scope, "events:ListRules");
  const rules = api.account(scope.accountId).posture.eventRules[scope.region] ?? [];
  return rules.map((r) => ({
    name: r.name,
    arn: `arn:aws:events:${scope.region}:${scope.accountId}:rule/${r.name}`,
    state: r.state,
    ...(r.eventPattern !== undefined ? { eventPattern: r.eventPattern } : {}),
    targets: r.targets.map((arn, i) => ({ id: `target-${i + 1}`, arn })),
  }));
}

export function describeTrails(api: Api, scope: Scope): TrailInfo[] {
  api.region(scope, "cloudtrail:DescribeTrails");
  const acc = api.account(scope.accountId);
  return acc.posture.trails
    .filter((t) => t.isMultiRegionTrail || t.homeRegion === scope.region)
    .map((t) => ({
      name: t.name,
      arn: `arn:aws:cloudtrail:${t.homeRegion}:${scope.accountId}:trail/${t.name}`,
      homeRegion: t.homeRegion,
      isMultiRegionTrail: t.isMultiRegionTrail,
      isOrganizationTrail: t.isOrganizationTrail,
      logFileValidationEnabled: t.logFileValidationEnabled,
      ...(t.s3BucketName !== undefined ? { s3BucketName: t.s3BucketName } : {}),
      isLogging: t.isLogging,
      ...(t.latestDeliveryTime !== undefined ? { latestDeliveryTime: t.latestDeliveryTime } : {}),
      ...(t.latestDeliveryError !== undefined ? { latestDeliveryError: t.latestDeliveryError } : {}),
    }));
}

export function guardDutyDetectors(api: Api, scope: Scope): GuardDutyDetector[] {
  api.region(scope, "guardduty:ListDetectors");
  const status = api.account(scope.accountId).posture.guardDuty[scope.region];
  return status ? [{ detectorId: hexOf(`gd|${scope.accountId}|${scope.region}`, 32), status }] : [];
}

export function credentialReport(api: Api, accountId: string): CredentialReportRow[] {
  const acc = api.account(accountId, "iam:GenerateCredentialReport");
  const p = acc.posture;
  const rows: CredentialReportRow[] = [
    {
      user: "<root_account>",
      arn: `arn:aws:iam::${accountId}:root`,
      passwordEnabled: true,
      ...(p.root.passwordLastUsed ? { passwordLastUsed: p.root.passwordLastUsed } : {}),
      mfaActive: p.root.mfaActive,
      accessKeys: [1, 2].map((n) => ({ n: n as 1 | 2, active: p.root.accessKeys >= n })),
    },
  ];
  const console = new Map(p.consoleUsers.map((u) => [u.userName, u]));
  for (const [name, u] of [...acc.users].sort(([a], [b]) => a.localeCompare(b))) {
    const c = console.get(name);
    rows.push({
      user: name,
      arn: u.user.arn,
      userCreationTime: u.user.createDate,
      passwordEnabled: c !== undefined,
      ...(c?.passwordLastUsed ? { passwordLastUsed: c.passwordLastUsed } : {}),
      mfaActive: c?.mfaActive ?? false,
      accessKeys: ([0, 1] as const).map((i) => {
        const k = u.keys[i];
        return { n: (i + 1) as 1 | 2, active: k?.status === "Active", ...(k ? { lastRotated: k.createDate } : {}), ...(k?.lastUsed?.date ? { lastUsedDate: k.lastUsed.date } : {}) };
      }),
    });
  }
  return rows;
}

export function accountSummary(api: Api, accountId: string): AccountSummary {
  const root = api.account(accountId, "iam:GetAccountSummary").posture.root;
  return { accountMfaEnabled: root.mfaActive, accountAccessKeysPresent: root.accessKeys > 0 };
}

export function accountPublicAccessBlock(api: Api, accountId: string): PublicAccessBlock | null {
  const b = api.account(accountId, "s3:GetAccountPublicAccessBlock").posture.publicAccessBlock;
  return b ? { ...b } : null;
}

export function getBucketLogging(api: Api, accountId: string, bucketName: string): { targetBucket: string; targetPrefix: string } | null {
  const acc = api.account(accountId, "s3:GetBucketLogging");
  if (!acc.buckets.has(bucketName)) throw new CloudError("not-found", `bucket ${bucketName} is not in account ${accountId}`, { accountId, action: "s3:GetBucketLogging", code: "NoSuchBucket" });
  const l = acc.posture.bucketLogging[bucketName];
  return l ? { ...l } : null;
}

export function policyEntities(api: Api, accountId: string, policyArn: string): PolicyEntities {
  const acc = api.account(accountId, "iam:ListEntitiesForPolicy");
  const users = [...acc.users.values()].filter((u) => u.user.attachedPolicies.includes(policyArn)).map((u) => u.user.userName).sort();
  return { users, groups: [], roles: [] };
}

export function inventoryApplications(api: Api, scope: Scope, instanceId: string): InventoryApplication[] {
  const rs = api.region(scope, "ssm:ListInventoryEntries");
  if (!rs.ssm.has(instanceId)) return [];
  return (api.account(scope.accountId).posture.inventory[instanceId] ?? []).map((a) => ({ name: a.name, ...(a.version !== undefined ? { version: a.version } : {}) }));
}
