/**
 * The posture reads (src/cloud/port-posture.ts) over the AWS SDK: Account, EventBridge, CloudTrail,
 * GuardDuty, IAM, S3 and SSM. A thing AWS says is not configured (no alternate contact, a policy
 * that exists nowhere, no logging) is an empty answer; everything else goes through the session's
 * error translation, so an AccessDenied names the IAM action.
 * The account-level S3 Block Public Access is read through S3 Control.
 */
import { GetAlternateContactCommand } from "@aws-sdk/client-account";
import { DescribeTrailsCommand } from "@aws-sdk/client-cloudtrail";
import { ListRulesCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetDetectorCommand, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { GenerateCredentialReportCommand, GetAccountSummaryCommand, GetCredentialReportCommand, ListEntitiesForPolicyCommand } from "@aws-sdk/client-iam";
import { GetBucketLoggingCommand } from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import { ListInventoryEntriesCommand } from "@aws-sdk/client-ssm";
import { CloudError } from "../errors.ts";
import type { Scope } from "../model.ts";
import type { AccountSummary, AlternateContact, CredentialReportRow, EventRule, GuardDutyDetector, InventoryApplication, PolicyEntities, PublicAccessBlock, TrailInfo } from "../port-posture.ts";
import { isNotFound } from "./errors.ts";
import { endpointFor } from "./options.ts";
import { bucketRegion, type BucketRegions } from "./s3.ts";
import { s3ControlEndpointProblem } from "./s3control.ts";
import { global, target, type Ctx } from "./session.ts";
import { getTrailStatus } from "./trail-logging.ts";

/** The Account API has one endpoint, in us-east-1. */
const ACCOUNT_API_REGION = "us-east-1";
/** The credential report is at most this big (AWS's reports are a few hundred bytes per user). */
const REPORT_MAX_BYTES = 16 * 1024 * 1024;
/** GenerateCredentialReport is asked again until COMPLETE: at most this many times, this far apart. */
const REPORT_POLLS = 20;

async function emptyWhenMissing<T>(fallback: T, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isNotFound(err)) return fallback;
    throw err;
  }
}

export async function getSecurityContact(ctx: Ctx, accountId: string): Promise<AlternateContact | null> {
  return emptyWhenMissing<AlternateContact | null>(null, async () => {
    // No AccountId: the call is made with this account's own role, so it reads this account's contact.
    const out = await ctx.session.run("account.GetAlternateContact", { accountId, region: ACCOUNT_API_REGION, purpose: ctx.purpose }, (a) =>
      a.send(new GetAlternateContactCommand({ AlternateContactType: "SECURITY" })),
    );
    const c = out.AlternateContact;
    if (!c?.EmailAddress) return null;
    return { type: "SECURITY", name: c.Name ?? "", title: c.Title ?? "", emailAddress: c.EmailAddress, phoneNumber: c.PhoneNumber ?? "" };
  });
}

export async function listEventRules(ctx: Ctx, scope: Scope): Promise<EventRule[]> {
  const rules: EventRule[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.session.run("eventbridge.ListRules", target(ctx, scope), (eb) => eb.send(new ListRulesCommand({ ...(token ? { NextToken: token } : {}) })));
    for (const r of page.Rules ?? []) {
      if (!r.Name) continue;
      rules.push({ name: r.Name, arn: r.Arn ?? "", state: r.State ?? "", ...(r.EventPattern ? { eventPattern: r.EventPattern } : {}), targets: [] });
    }
    token = page.NextToken;
  } while (token);
  await Promise.all(
    rules.map(async (rule) => {
      let t: string | undefined;
      do {
        const page = await ctx.session.run("eventbridge.ListTargetsByRule", target(ctx, scope), (eb) => eb.send(new ListTargetsByRuleCommand({ Rule: rule.name, ...(t ? { NextToken: t } : {}) })));
        for (const x of page.Targets ?? []) if (x.Arn) rule.targets.push({ id: x.Id ?? "", arn: x.Arn });
        t = page.NextToken;
      } while (t);
    }),
  );
  return rules;
}

export async function describeTrails(ctx: Ctx, scope: Scope): Promise<TrailInfo[]> {
  const out = await ctx.session.run("cloudtrail.DescribeTrails", target(ctx, scope), (ct) => ct.send(new DescribeTrailsCommand({ includeShadowTrails: true })));
  const trails: TrailInfo[] = (out.trailList ?? []).map((t) => ({
    name: t.Name ?? "",
    arn: t.TrailARN ?? "",
    homeRegion: t.HomeRegion ?? scope.region,
    isMultiRegionTrail: t.IsMultiRegionTrail ?? false,
    isOrganizationTrail: t.IsOrganizationTrail ?? false,
    logFileValidationEnabled: t.LogFileValidationEnabled ?? false,
    ...(t.S3BucketName ? { s3BucketName: t.S3BucketName } : {}),
  }));
  await Promise.all(
    trails.map(async (t) => {
      const s = await getTrailStatus(ctx, scope, t.arn || t.name);
      // null: an organization trail seen from a member account, whose status belongs to the management account.
      if (!s) return;
      t.isLogging = s.isLogging;
      if (s.latestDeliveryTime) t.latestDeliveryTime = s.latestDeliveryTime;
      if (s.latestDeliveryError) t.latestDeliveryError = s.latestDeliveryError;
    }),
  );
  return trails;
}

export async function guardDutyDetectors(ctx: Ctx, scope: Scope): Promise<GuardDutyDetector[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.session.run("guardduty.ListDetectors", target(ctx, scope), (gd) => gd.send(new ListDetectorsCommand({ ...(token ? { NextToken: token } : {}) })));
    ids.push(...(page.DetectorIds ?? []));
    token = page.NextToken;
  } while (token);
  return Promise.all(
    ids.map(async (detectorId) => {
      const d = await ctx.session.run("guardduty.GetDetector", target(ctx, scope), (gd) => gd.send(new GetDetectorCommand({ DetectorId: detectorId })));
      return { detectorId, status: d.Status === "ENABLED" ? ("ENABLED" as const) : ("DISABLED" as const) };
    }),
  );
}

/** RFC 4180 CSV: quoted fields may hold commas (IAM user names can), doubled quotes are one quote. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A report's date column: AWS writes N/A, no_information or not_supported when there is none. */
function date(v: string | undefined): string | undefined {
  if (!v || !/^\d{4}-\d\d-\d\dT/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().slice(0, 19) + "Z";
}

/** The credential report's CSV as rows (the columns AWS documents; unknown columns ignored). */
export function parseCredentialReport(csv: string): CredentialReportRow[] {
  const [header, ...rows] = parseCsv(csv).filter((r) => r.length > 1);
  if (!header) return [];
  const col = (r: string[], name: string) => {
    const i = header.indexOf(name);
    return i < 0 ? undefined : r[i];
  };
  return rows.map((r) => {
    const out: CredentialReportRow = {
      user: col(r, "user") ?? "",
      arn: col(r, "arn") ?? "",
      passwordEnabled: col(r, "password_enabled") === "true",
      mfaActive: col(r, "mfa_active") === "true",
      accessKeys: ([1, 2] as const).map((n) => {
        const k: CredentialReportRow["accessKeys"][number] = { n, active: col(r, `access_key_${n}_active`) === "true" };
        const rotated = date(col(r, `access_key_${n}_last_rotated`));
        const used = date(col(r, `access_key_${n}_last_used_date`));
        if (rotated) k.lastRotated = rotated;
        if (used) k.lastUsedDate = used;
        return k;
      }),
    };
    const created = date(col(r, "user_creation_time"));
    const pwUsed = date(col(r, "password_last_used"));
    if (created) out.userCreationTime = created;
    if (pwUsed) out.passwordLastUsed = pwUsed;
    return out;
  });
}

export async function credentialReport(ctx: Ctx, accountId: string, pollMs: number): Promise<CredentialReportRow[]> {
  for (let i = 0; ; i++) {
    const g = await ctx.session.run("iam.GenerateCredentialReport", global(ctx, accountId), (iam) => iam.send(new GenerateCredentialReportCommand({})));
    if (g.State === "COMPLETE") break;
    if (i + 1 >= REPORT_POLLS) throw new CloudError("unavailable", `IAM did not finish the credential report of account ${accountId} after ${REPORT_POLLS} polls; try again in a minute.`, { accountId, action: "iam:GenerateCredentialReport" });
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const out = await ctx.session.run("iam.GetCredentialReport", global(ctx, accountId), (iam) => iam.send(new GetCredentialReportCommand({})));
  const content = out.Content;
  if (!content) return [];
  if (content.byteLength > REPORT_MAX_BYTES) throw new CloudError("invalid", `the credential report of account ${accountId} is larger than ${REPORT_MAX_BYTES} bytes`, { accountId, action: "iam:GetCredentialReport" });
  return parseCredentialReport(Buffer.from(content).toString("utf8"));
}

export async function accountSummary(ctx: Ctx, accountId: string): Promise<AccountSummary> {
  const out = await ctx.session.run("iam.GetAccountSummary", global(ctx, accountId), (iam) => iam.send(new GetAccountSummaryCommand({})));
  const m = out.SummaryMap ?? {};
  return { accountMfaEnabled: (m.AccountMFAEnabled ?? 0) > 0, accountAccessKeysPresent: (m.AccountAccessKeysPresent ?? 0) > 0 };
}

/**
 * S3 Control GetPublicAccessBlock for the account itself (AccountId is the account read, with that
 * account's role). NoSuchPublicAccessBlockConfiguration is AWS's "none set": null, which the
 * readiness check fails. The call goes to the home region's S3 Control endpoint (the setting is
 * account-wide), whose host the SDK prefixes with the account id (./s3control.ts).
 */
export async function accountPublicAccessBlock(ctx: Ctx, accountId: string): Promise<PublicAccessBlock | null> {
  const override = endpointFor(ctx.session.options, "s3control");
  const problem = override ? s3ControlEndpointProblem(override, accountId) : undefined;
  if (problem) throw problem;
  try {
    const out = await ctx.session.run("s3control.GetPublicAccessBlock", global(ctx, accountId), (s3c) => s3c.send(new GetPublicAccessBlockCommand({ AccountId: accountId })));
    const c = out.PublicAccessBlockConfiguration;
    if (!c) return null;
    return { blockPublicAcls: c.BlockPublicAcls ?? false, ignorePublicAcls: c.IgnorePublicAcls ?? false, blockPublicPolicy: c.BlockPublicPolicy ?? false, restrictPublicBuckets: c.RestrictPublicBuckets ?? false };
  } catch (err) {
    if (err instanceof CloudError && err.code === "NoSuchPublicAccessBlockConfiguration") return null;
    throw err;
  }
}

export async function getBucketLogging(ctx: Ctx, accountId: string, bucketName: string, cache: BucketRegions): Promise<{ targetBucket: string; targetPrefix: string } | null> {
  const region = await bucketRegion(ctx, accountId, bucketName, cache);
  const out = await ctx.session.run("s3.GetBucketLogging", { accountId, region, purpose: ctx.purpose }, (s3) => s3.send(new GetBucketLoggingCommand({ Bucket: bucketName, ExpectedBucketOwner: accountId })));
  const l = out.LoggingEnabled;
  return l?.TargetBucket ? { targetBucket: l.TargetBucket, targetPrefix: l.TargetPrefix ?? "" } : null;
}

export async function policyEntities(ctx: Ctx, accountId: string, policyArn: string): Promise<PolicyEntities> {
  return emptyWhenMissing<PolicyEntities>({ users: [], groups: [], roles: [] }, async () => {
    const out: PolicyEntities = { users: [], groups: [], roles: [] };
    let marker: string | undefined;
    do {
      const page = await ctx.session.run("iam.ListEntitiesForPolicy", global(ctx, accountId), (iam) => iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: policyArn, ...(marker ? { Marker: marker } : {}) })));
      out.users.push(...(page.PolicyUsers ?? []).map((u) => u.UserName ?? "").filter(Boolean));
      out.groups.push(...(page.PolicyGroups ?? []).map((g) => g.GroupName ?? "").filter(Boolean));
      out.roles.push(...(page.PolicyRoles ?? []).map((r) => r.RoleName ?? "").filter(Boolean));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return out;
  });
}

export async function inventoryApplications(ctx: Ctx, scope: Scope, instanceId: string): Promise<InventoryApplication[]> {
  const out: InventoryApplication[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await ctx.session.run("ssm.ListInventoryEntries", target(ctx, scope), (ssm) =>
        ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId, TypeName: "AWS:Application", ...(token ? { NextToken: token } : {}) })),
      );
      for (const e of page.Entries ?? []) if (e.Name) out.push({ name: e.Name, ...(e.Version ? { version: e.Version } : {}) });
      token = page.NextToken;
    } while (token);
  } catch (err) {
    // An instance SSM does not manage has no inventory.
    if (err instanceof CloudError && (err.code === "InvalidInstanceId" || err.code === "InvalidResourceId")) return [];
    throw err;
  }
  return out;
}
