/**
 * The readiness catalogue: every check, its id (Prowler's / CIS AWS Foundations' where one exists),
 * severity, why it matters for abuse notices, and the exact fix. docs/readiness.md lists them all
 * (a test keeps it in step). Each `run` reads through the port (via ./facts.ts) and returns what
 * failed and where it could not read; it never turns an unreadable place into a pass.
 */
import { CloudError } from "../cloud/errors.ts";
import type { Bucket, Scope, SgRule } from "../cloud/model.ts";
import { QUARANTINE_POLICIES } from "../cloud/port-posture.ts";
import type { CheckContext, CheckDef, CheckMeta, CheckOutcome, FailedResource, NotRun, OrganizationCheckContext } from "./types.ts";

const DAY = 86_400_000;

/** A CloudError (or anything) as the reason a place could not be read. */
export function notRunOf(err: unknown, accountId: string, region?: string): NotRun {
  const where = { accountId, ...(region ? { region } : {}) };
  if (err instanceof CloudError) {
    if (err.kind === "access-denied") return { ...where, reason: `access denied: ${err.action ?? "an IAM action"} is not allowed`, ...(err.action ? { action: err.action } : {}) };
    if (err.kind === "region-disabled") return { ...where, reason: `region not enabled: ${err.message}` };
    return { ...where, reason: err.message };
  }
  return { ...where, reason: err instanceof Error ? err.message : String(err) };
}

function outcome(): CheckOutcome {
  return { examined: 0, failed: [], notRun: [] };
}

/** Runs `fn` in every enabled region at once; a region that cannot be read is notRun, never passed. */
async function eachRegion(ctx: CheckContext, fn: (scope: Scope, out: CheckOutcome) => Promise<void>): Promise<CheckOutcome> {
  const out = outcome();
  await Promise.all(
    ctx.regions.map(async (region) => {
      const scope = { accountId: ctx.accountId, region };
      try {
        await fn(scope, out);
      } catch (err) {
        out.notRun.push(notRunOf(err, ctx.accountId, region));
      }
    }),
  );
  return out;
}

async function forAccount(ctx: CheckContext, fn: (out: CheckOutcome) => Promise<void>): Promise<CheckOutcome> {
  const out = outcome();
  try {
    await fn(out);
  } catch (err) {
    out.notRun.push(notRunOf(err, ctx.accountId));
  }
  return out;
}

function fail(out: CheckOutcome, r: FailedResource): void {
  out.failed.push(r);
}

// ---- security groups ------------------------------------------------------------------------

const WORLD4 = "0.0.0.0/0";
const WORLD6 = "::/0";

function fromWorld(r: SgRule): string | undefined {
  if (r.cidrIpv4 === WORLD4) return WORLD4;
  if (r.cidrIpv6 === WORLD6) return WORLD6;
  return undefined;
}

/** Whether the rule lets `protocol`/`port` through (all-traffic rules and port ranges included). */
function covers(r: SgRule, protocol: "tcp" | "udp", port: number): boolean {
  if (r.protocol === "-1") return true;
  if (r.protocol !== protocol) return false;
  const from = r.fromPort === undefined || r.fromPort === -1 ? 0 : r.fromPort;
  const to = r.toPort === undefined || r.toPort === -1 ? 65535 : r.toPort;
  return from <= port && port <= to;
}

function worldOpenCheck(def: CheckMeta, protocol: "tcp" | "udp", ports: number[]): CheckDef {
  return {
    ...def,
    run: (ctx) =>
      eachRegion(ctx, async (scope, out) => {
        for (const { group, enis } of await ctx.facts.groupsInUse(scope)) {
          out.examined++;
          const open = ports.filter((p) => group.rules.some((r) => r.direction === "ingress" && fromWorld(r) && covers(r, protocol, p)));
          if (open.length === 0) continue;
          const holders = [...new Set(enis.map((e) => e.attachment?.instanceId ?? e.networkInterfaceId))].sort();
          fail(out, {
            accountId: scope.accountId,
            region: scope.region,
            id: group.groupId,
            detail: `${group.groupName} lets the internet reach ${protocol.toUpperCase()} ${open.join(", ")}; used by ${holders.slice(0, 5).join(", ")}${holders.length > 5 ? ` and ${holders.length - 5} more` : ""}`,
          });
        }
      }),
  };
}

// ---- identity helpers -------------------------------------------------------------------------

const ROLE_MAILBOX = /^(security|sec|secops|soc|abuse|cert|csirt|cirt|incident|incidents|ir|infosec|cloud-?security|aws-?security|aws|cloud|ops|noc|alerts?|it-?security|team|root|admin|admins)([._+-].*)?$|[._-](team|ops|security|alerts?|list|group)$/i;

/** The catalogue. Order is the report's order. */
export const CHECKS: CheckDef[] = [
  // ---- notices reach a person
  {
    id: "account_security_contact_information_is_registered",
    title: "The security alternate contact is set to a distribution list",
    severity: "high",
    category: "notices",
    alignedWith: "Prowler account_security_contact_information_is_registered; CIS AWS Foundations 1.2",
    why: "AWS sends abuse notices to the account's security contact (and the root address). Unset, they land in a mailbox nobody reads for this; one person's mailbox goes quiet on holiday, and AWS's deadline (often 24 hours) does not.",
    remediation: {
      console: "Account (top right) > Account > Alternate contacts > Security > Edit: a distribution list such as security@",
      cli: "aws account put-alternate-contact --alternate-contact-type SECURITY --email-address security@example.com --name 'Security team' --title 'Security' --phone-number '+1-555-0100'",
    },
    run: (ctx) =>
      forAccount(ctx, async (out) => {
        out.examined = 1;
        const c = await ctx.facts.securityContact(ctx.accountId);
        if (!c) return fail(out, { accountId: ctx.accountId, id: ctx.accountId, detail: "no security alternate contact: AWS's abuse mail goes only to the root address" });
        const local = c.emailAddress.split("@")[0] ?? "";
        if (!ROLE_MAILBOX.test(local)) fail(out, { accountId: ctx.accountId, id: ctx.accountId, detail: `the security contact ${c.emailAddress} looks like one person's mailbox, not a list` });
      }),
  },
  {
    id: "abuse_desk_health_events_routed",
    title: "An EventBridge rule routes AWS Health abuse and risk events to a target",
    severity: "high",
    category: "notices",
    why: "AWS Health carries the abuse notice as an event (AWS_ABUSE_* and RISK event types). A rule on aws.health with a target (SNS, SQS for abuse-desk serve) puts it in front of a person within minutes instead of waiting for the mail.",
    remediation: {
      console: "Amazon EventBridge > Rules > Create rule: event source AWS services > Health, event type Specific Health events > service ABUSE or RISK; target the SQS queue abuse-desk reads (or SNS to the security list)",
      cli: "aws events put-rule --name abuse-desk-health --event-pattern '{\"source\":[\"aws.health\"],\"detail\":{\"eventTypeCategory\":[\"issue\"],\"service\":[\"ABUSE\",\"RISK\"]}}' && aws events put-targets --rule abuse-desk-health --targets Id=q,Arn=arn:aws:sqs:REGION:ACCOUNT:abuse-desk",
    },
    run: async (ctx) => {
      const inner = await eachRegion(ctx, async (scope, out) => {
        out.examined++;
        for (const r of await ctx.facts.eventRules(scope)) {
          if (r.state === "DISABLED" || r.targets.length === 0 || !r.eventPattern) continue;
          if (routesHealth(r.eventPattern)) fail(out, { accountId: scope.accountId, region: scope.region, id: r.name, detail: "routes" });
        }
      });
      // `failed` above collects the rules that DO route; the account passes when one region has one.
      const routing = inner.failed;
      const out: CheckOutcome = { examined: 1, failed: [], notRun: [] };
      if (routing.length > 0) return out;
      if (inner.notRun.length > 0) {
        out.notRun = inner.notRun;
        return out;
      }
      out.failed.push({ accountId: ctx.accountId, id: ctx.accountId, detail: `no enabled EventBridge rule with a target matches aws.health abuse or risk events in any of ${ctx.regions.length} regions` });
      return out;
    },
  },
  {
    id: "abuse_desk_intake_configured",
    title: "abuse-desk has an intake source configured",
    severity: "medium",
    category: "notices",
    why: "abuse-desk serve works a notice only when one of its intake sources (mailbox, SMTP, SQS, Health API, directory) receives it. Without one, notices wait for someone to run abuse-desk by hand.",
    remediation: {
      console: "config.yaml: an intake: section with at least one source (see docs/serve.md)",
      cli: "abuse-desk intake list   # then add a source under intake: in config.yaml",
    },
    run: async (ctx) => {
      const out = outcome();
      if (!ctx.intakeSources) {
        out.notRun.push({ accountId: ctx.accountId, reason: "no abuse-desk configuration was read (give --config or set ABUSE_DESK_CONFIG)" });
        return out;
      }
      out.examined = 1;
      if (ctx.intakeSources.length === 0) out.failed.push({ accountId: ctx.accountId, id: "intake", detail: "the configuration lists no intake source" });
      return out;
    },
  },

  // ---- logging
  {
    id: "cloudtrail_multi_region_enabled",
    title: "Every enabled region is logged by a CloudTrail trail that is logging",
    severity: "critical",
    category: "logging",
    alignedWith: "Prowler cloudtrail_multi_region_enabled; CIS AWS Foundations 3.1",
    why: "Answering a notice means saying who launched the instance, opened the port, created the key. LookupEvents keeps 90 days of management events; a trail keeps them as long as you do, and is the only record once a region is abused quietly.",
    remediation: {
      console: "CloudTrail > Trails > Create trail: apply to all regions (and to the organization from the management account)",
      cli: "aws cloudtrail create-trail --name org-trail --s3-bucket-name BUCKET --is-multi-region-trail --enable-log-file-validation && aws cloudtrail start-logging --name org-trail",
    },
    run: (ctx) =>
      eachRegion(ctx, async (scope, out) => {
        out.examined++;
        const trails = await ctx.facts.trails(scope);
        if (trails.length === 0) return fail(out, { accountId: scope.accountId, region: scope.region, id: scope.region, detail: "no trail logs this region" });
        if (!trails.some((t) => t.isLogging === true)) {
          const unknown = trails.filter((t) => t.isLogging === undefined);
          if (unknown.length === trails.length) throw new CloudError("unavailable", `the status of ${unknown.map((t) => t.name).join(", ")} could not be read here (an organization trail's status is read in the management account)`);
          fail(out, { accountId: scope.accountId, region: scope.region, id: scope.region, detail: `trails here are stopped: ${trails.map((t) => t.name).join(", ")}` });
        }
      }),
  },
  {
    id: "cloudtrail_log_file_validation_enabled",
    title: "CloudTrail log file validation is on",
    severity: "medium",
    category: "logging",
    alignedWith: "Prowler cloudtrail_log_file_validation_enabled; CIS AWS Foundations 3.2",
    why: "After a compromise the intruder may have had the keys to the log bucket. Validation's signed digests prove the logs you send AWS and your lawyers are the ones CloudTrail wrote.",
    remediation: { console: "CloudTrail > Trails > TRAIL > General details > Edit > Log file validation: Enabled", cli: "aws cloudtrail update-trail --name TRAIL --enable-log-file-validation" },
    run: (ctx) =>
      eachRegion(ctx, async (scope, out) => {
        for (const t of await ctx.facts.trails(scope)) {
          if (t.homeRegion !== scope.region) continue; // each trail once, in its home region
          out.examined++;
          if (!t.logFileValidationEnabled) fail(out, { accountId: scope.accountId, region: scope.region, id: t.arn || t.name, detail: `trail ${t.name} writes logs without digests` });
        }
      }),
  },
  {
    id: "cloudtrail_logs_delivered_recently",
    title: "CloudTrail delivered logs in the last 24 hours, without error",
    severity: "high",
    category: "logging",
    why: "A trail that is on but cannot write to its bucket (a changed bucket policy, a deleted KMS key) records nothing; you find out when you need the logs for a notice.",
    remediation: { console: "CloudTrail > Trails > TRAIL: check 'Last log file delivered' and the S3 bucket policy / KMS key it names", cli: "aws cloudtrail get-trail-status --name TRAIL --query '[IsLogging,LatestDeliveryTime,LatestDeliveryError]'" },
    run: (ctx) =>
      eachRegion(ctx, async (scope, out) => {
        for (const t of await ctx.facts.trails(scope)) {
          if (t.homeRegion !== scope.region || t.isLogging !== true) continue;
          out.examined++;
          const at = t.latestDeliveryTime ? Date.parse(t.latestDeliveryTime) : NaN;
          if (t.latestDeliveryError) fail(out, { accountId: scope.accountId, region: scope.region, id: t.arn || t.name, detail: `delivery error: ${t.latestDeliveryError}` });
          else if (Number.isNaN(at) || ctx.now.getTime() - at > DAY) fail(out, { accountId: scope.accountId, region: scope.region, id: t.arn || t.name, detail: t.latestDeliveryTime ? `last delivery ${t.latestDeliveryTime}` : "never delivered" });
        }
      }),
  },
  {
    id: "cloudtrail_logs_s3_bucket_is_not_publicly_accessible",
    title: "The CloudTrail bucket blocks public access",
    severity: "high",
    category: "logging",
    alignedWith: "Prowler cloudtrail_logs_s3_bucket_is_not_publicly_accessible; CIS AWS Foundations 3.3",
    why: "Trail logs name every principal, key and address in the account: a public log bucket is a map for the next intruder, and a finding AWS will ask about.",
    remediation: { console: "S3 > BUCKET > Permissions > Block public access (bucket settings) > Edit: all four on", cli: "aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true" },
    run: (ctx) => trailBuckets(ctx, async (bucket, b, out) => {
      const p = b.publicAccessBlock;
      if (!p || !p.blockPublicAcls || !p.ignorePublicAcls || !p.blockPublicPolicy || !p.restrictPublicBuckets)
        fail(out, { accountId: ctx.accountId, region: b.region, id: bucket, detail: "Block Public Access is not fully on for the trail bucket" });
    }),
  },
  {
    id: "cloudtrail_logs_s3_bucket_access_logging_enabled",
    title: "The CloudTrail bucket has S3 server access logging",
    severity: "low",
    category: "logging",
    alignedWith: "Prowler cloudtrail_logs_s3_bucket_access_logging_enabled; CIS AWS Foundations 3.6",
    why: "Who read or deleted the trail's logs is not in the trail: the bucket's access log is where an intruder covering tracks shows up.",
    remediation: { console: "S3 > BUCKET > Properties > Server access logging > Edit: Enable, to a separate log bucket", cli: "aws s3api put-bucket-logging --bucket BUCKET --bucket-logging-status '{\"LoggingEnabled\":{\"TargetBucket\":\"LOGBUCKET\",\"TargetPrefix\":\"cloudtrail/\"}}'" },
    run: (ctx) => trailBuckets(ctx, async (bucket, b, out) => {
      if (!(await ctx.facts.bucketLogging(ctx.accountId, bucket))) fail(out, { accountId: ctx.accountId, region: b.region, id: bucket, detail: "server access logging is off" });
    }),
  },
  {
    id: "vpc_flow_logs_enabled",
    title: "Every VPC in use has flow logs",
    severity: "high",
    category: "logging",
    alignedWith: "Prowler vpc_flow_logs_enabled; CIS AWS Foundations 3.9",
    why: "Flow logs are how you confirm or refute what AWS says an instance did (the scan, the DoS, the proxy traffic) and show it stopped after containment.",
    remediation: { console: "VPC > Your VPCs > VPC > Flow logs > Create flow log: All traffic, to S3 or CloudWatch Logs", cli: "aws ec2 create-flow-logs --resource-type VPC --resource-ids VPC_ID --traffic-type ALL --log-destination-type s3 --log-destination arn:aws:s3:::BUCKET/flow-logs/" },
    run: async (ctx) => {
      return eachRegion(ctx, async (scope, out) => {
        const vpcs = [...new Set((await ctx.facts.networkInterfaces(scope)).map((e) => e.vpcId))].sort();
        if (vpcs.length === 0) return;
        const logs = await ctx.facts.flowLogs(scope, vpcs);
        for (const vpc of vpcs) {
          out.examined++;
          if (!logs.some((l) => l.resourceId === vpc)) fail(out, { accountId: scope.accountId, region: scope.region, id: vpc, detail: "VPC in use without flow logs" });
        }
      });
    },
  },
  {
    id: "guardduty_is_enabled",
    title: "GuardDuty is enabled in every enabled region",
    severity: "high",
    category: "logging",
    alignedWith: "Prowler guardduty_is_enabled",
    why: "GuardDuty sees the mining pool, the C2 beacon, the credential used from outside before AWS's abuse team does: the difference between finding it yourself and receiving the notice.",
    remediation: { console: "GuardDuty > Get started > Enable GuardDuty (in each region, or delegated administrator > auto-enable for the organization)", cli: "aws guardduty create-detector --enable --region REGION" },
    run: (ctx) =>
      eachRegion(ctx, async (scope, out) => {
        out.examined++;
        const d = await ctx.facts.guardDuty(scope);
        if (!d.some((x) => x.status === "ENABLED")) fail(out, { accountId: scope.accountId, region: scope.region, id: scope.region, detail: d.length ? "GuardDuty detector suspended" : "no GuardDuty detector" });
      }),
  },

  // ---- identity
  {
    id: "iam_root_mfa_enabled",
    title: "The root user has MFA",
    severity: "critical",
    category: "identity",
    alignedWith: "Prowler iam_root_mfa_enabled; CIS AWS Foundations 1.5",
    why: "The root user can close the account, change the contacts AWS writes to and undo every containment. A phished root password without MFA turns one notice into losing the account.",
    remediation: { console: "Sign in as root > Account name (top right) > Security credentials > Multi-factor authentication > Assign MFA device", cli: "(root MFA is assigned in the console only)" },
    run: (ctx) =>
      forAccount(ctx, async (out) => {
        out.examined = 1;
        const s = await ctx.facts.accountSummary(ctx.accountId);
        if (!s.accountMfaEnabled) fail(out, { accountId: ctx.accountId, id: "root", detail: "root has no MFA device" });
      }),
  },
  {
    id: "iam_no_root_access_key",
    title: "The root user has no access keys",
    severity: "critical",
    category: "identity",
    alignedWith: "Prowler iam_no_root_access_key; CIS AWS Foundations 1.4",
    why: "An exposed root key is the worst notice AWS sends: nothing in the account can contain it, and it cannot be scoped down.",
    remediation: { console: "Sign in as root > Security credentials > Access keys > Delete", cli: "(root keys are deleted in the console, signed in as root)" },
    run: (ctx) =>
      forAccount(ctx, async (out) => {
        out.examined = 1;
        const s = await ctx.facts.accountSummary(ctx.accountId);
        if (s.accountAccessKeysPresent) fail(out, { accountId: ctx.accountId, id: "root", detail: "root has an access key" });
      }),
  },
  {
    id: "iam_avoid_root_usage",
    title: "The root user was not used in the last 90 days",
    severity: "medium",
    category: "identity",
    alignedWith: "Prowler iam_avoid_root_usage; CIS AWS Foundations 1.7",
    why: "Day-to-day root use means the root password is known to several people and typed often: the credential AWS's compromised-account notices most often start from.",
    remediation: { console: "IAM Identity Center or IAM > Users: give people their own administrators; keep the root password and MFA in a safe", cli: "aws iam get-credential-report --query Content --output text | base64 -d | grep '<root_account>'" },
    run: (ctx) =>
      forAccount(ctx, async (out) => {
        out.examined = 1;
        const root = (await ctx.facts.credentialReport(ctx.accountId)).find((r) => r.user === "<root_account>");
        if (!root) throw new CloudError("unavailable", "the credential report has no root row");
        const last = [root.passwordLastUsed, ...root.accessKeys.map((k) => k.lastUsedDate)].filter((d): d is string => !!d).map(Date.parse);
        const recent = last.filter((t) => ctx.now.getTime() - t < 90 * DAY);
        if (recent.length) fail(out, { accountId: ctx.accountId, id: "root", detail: `root used ${new Date(Math.max(...recent)).toISOString().slice(0, 10)}` });
      }),
  },
  {
    id: "iam_user_mfa_enabled_console_access",
    title: "Every IAM user with a console password has MFA",
    severity: "high",
    category: "identity",
    alignedWith: "Prowler iam_user_mfa_enabled_console_access; CIS AWS Foundations 1.10",
    why: "A console password without MFA is how a phished or reused password becomes instances mining in 17 regions and a notice about them.",
    remediation: { console: "IAM > Users > USER > Security credentials > Multi-factor authentication (MFA) > Assign MFA device", cli: "aws iam create-virtual-mfa-device --virtual-mfa-device-name USER --outfile qr.png --bootstrap-method QRCodePNG && aws iam enable-mfa-device --user-name USER --serial-number ARN --authentication-code1 CODE1 --authentication-code2 CODE2" },
    run: (ctx) =>
      forAccount(ctx, async (out) => {
        for (const r of await ctx.facts.credentialReport(ctx.accountId)) {
          if (r.user === "<root_account>" || !r.passwordEnabled) continue;
          out.examined++;
          if (!r.mfaActive) fail(out, { accountId: ctx.accountId, id: r.user, detail: "console password without MFA" });
        }
      }),
  },
  {
    id: "iam_rotate_access_keys_90_days",
    title: "Active access keys are younger than 90 days",
    severity: "medium",
    category: "identity",
    alignedWith: "Prowler iam_rotate_access_keys_90_days; CIS AWS Foundations 1.14",
    why: "The older a key, the more laptops, CI logs and repositories it has passed through: the source of most exposed-credential notices. Rotation bounds how long a leaked key works.",
    remediation: { console: "IAM > Users > USER > Security credentials > Access keys > Create access key; deploy it; then Deactivate and Delete the old one", cli: "aws iam create-access-key --user-name USER && aws iam update-access-key --user-name USER --access-key-id OLD --status Inactive && aws iam delete-access-key --user-name USER --access-key-id OLD" },
    run: (ctx) =>
      forAccount(ctx, async (out) => {
        for (const r of await ctx.facts.credentialReport(ctx.accountId)) {
          for (const k of r.accessKeys) {
            if (!k.active) continue;
            out.examined++;
            const age = k.lastRotated ? (ctx.now.getTime() - Date.parse(k.lastRotated)) / DAY : Infinity;
            if (age > 90) fail(out, { accountId: ctx.accountId, id: `${r.user}#key${k.n}`, detail: k.lastRotated ? `key ${k.n} of ${r.user} is ${Math.floor(age)} days old` : `key ${k.n} of ${r.user} has no rotation date` });
          }
        }
      }),
  },
  {
    id: "iam_user_accesskey_unused",
    title: "No active access key unused for 45 days",
    severity: "low",
    category: "identity",
    alignedWith: "Prowler iam_user_accesskey_unused; CIS AWS Foundations 1.12",
    why: "A key nobody uses is a key nobody would miss, and nobody watches: when it leaks, its first use is the intruder's.",
    remediation: { console: "IAM > Users > USER > Security credentials > Access keys > Actions > Deactivate (then Delete)", cli: "aws iam update-access-key --user-name USER --access-key-id KEY --status Inactive" },
    run: (ctx) =>
      forAccount(ctx, async (out) => {
        for (const r of await ctx.facts.credentialReport(ctx.accountId)) {
          for (const k of r.accessKeys) {
            if (!k.active) continue;
            out.examined++;
            const ref = k.lastUsedDate ?? k.lastRotated;
            if (ref && ctx.now.getTime() - Date.parse(ref) > 45 * DAY) fail(out, { accountId: ctx.accountId, id: `${r.user}#key${k.n}`, detail: k.lastUsedDate ? `key ${k.n} of ${r.user} last used ${k.lastUsedDate.slice(0, 10)}` : `key ${k.n} of ${r.user} never used since ${ref.slice(0, 10)}` });
          }
        }
      }),
  },
  {
    id: "iam_compromised_key_quarantine_attached",
    title: "No AWSCompromisedKeyQuarantine policy is attached",
    severity: "critical",
    category: "identity",
    why: "AWS attaches AWSCompromisedKeyQuarantine(V2/V3) when it finds one of your keys exposed. Still attached means an exposure was handled by AWS's guard rail, perhaps never by you: the key, what it did, and the reply may be outstanding.",
    remediation: { console: "IAM > Policies > AWSCompromisedKeyQuarantineV3 > Entities attached: follow the exposed-key playbook, then detach", cli: "aws iam list-entities-for-policy --policy-arn arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3 && abuse-desk case list   # then aws iam detach-user-policy --user-name USER --policy-arn ..." },
    run: (ctx) =>
      forAccount(ctx, async (out) => {
        for (const arn of QUARANTINE_POLICIES) {
          out.examined++;
          const e = await ctx.facts.policyEntities(ctx.accountId, arn);
          const name = arn.split("/").pop()!;
          for (const u of e.users) fail(out, { accountId: ctx.accountId, id: `user/${u}`, detail: `${name} attached` });
          for (const g of e.groups) fail(out, { accountId: ctx.accountId, id: `group/${g}`, detail: `${name} attached` });
          for (const r of e.roles) fail(out, { accountId: ctx.accountId, id: `role/${r}`, detail: `${name} attached` });
        }
      }),
  },

  // ---- exposure
  worldOpenCheck(
    {
      id: "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22_3389",
      title: "No security group in use opens SSH or RDP to the internet",
      severity: "high",
      category: "exposure",
      alignedWith: "Prowler ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22 / _3389; CIS AWS Foundations 5.2, 5.3",
      why: "SSH and RDP open to the world are brute-forced within hours; a guessed password becomes the scanning or mining host AWS writes about.",
      remediation: { console: "EC2 > Security Groups > GROUP > Inbound rules > Edit: source your office range or remove (use Session Manager instead)", cli: "aws ec2 revoke-security-group-ingress --group-id GROUP --protocol tcp --port 22 --cidr 0.0.0.0/0" },
    },
    "tcp",
    [22, 3389],
  ),
  worldOpenCheck(
    {
      id: "ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports",
      title: "No security group in use opens proxy ports to the internet",
      severity: "high",
      category: "exposure",
      why: "An open proxy (3128 Squid, 8080, 1080 SOCKS, 8118 Privoxy) is found by scanners within a day and used to relay attacks and spam: one of AWS's most common abuse notices.",
      remediation: { console: "EC2 > Security Groups > GROUP > Inbound rules > Edit: restrict the proxy port to your clients' ranges", cli: "aws ec2 revoke-security-group-ingress --group-id GROUP --protocol tcp --port 3128 --cidr 0.0.0.0/0" },
    },
    "tcp",
    [3128, 8080, 1080, 8118],
  ),
  worldOpenCheck(
    {
      id: "ec2_securitygroup_allow_ingress_from_internet_to_udp_reflector_ports",
      title: "No security group in use opens reflector UDP ports to the internet",
      severity: "high",
      category: "exposure",
      why: "Open resolvers and reflectors (DNS 53, NTP 123, SNMP 161, SSDP 1900, memcached 11211 over UDP) amplify DDoS traffic at someone else: AWS's DoS-reflection notices.",
      remediation: { console: "EC2 > Security Groups > GROUP > Inbound rules > Edit: restrict the UDP port to the clients that need it", cli: "aws ec2 revoke-security-group-ingress --group-id GROUP --protocol udp --port 53 --cidr 0.0.0.0/0" },
    },
    "udp",
    [53, 123, 161, 1900, 11211],
  ),
  {
    id: "ec2_securitygroup_allow_egress_to_internet_tcp_port_25",
    title: "No security group in use explicitly opens SMTP (TCP 25) to the internet",
    severity: "medium",
    category: "exposure",
    why: "A rule that names port 25 outbound says a host is meant to send mail directly; a compromised one sends spam, AWS's spam notices follow, and with the port 25 throttle lifted nothing slows it. (All-traffic egress is not flagged: AWS throttles port 25 on EC2 unless you asked it not to.)",
    remediation: { console: "EC2 > Security Groups > GROUP > Outbound rules > Edit: remove TCP 25 to 0.0.0.0/0; send through SES or a relay on 587", cli: "aws ec2 revoke-security-group-egress --group-id GROUP --ip-permissions IpProtocol=tcp,FromPort=25,ToPort=25,IpRanges=[{CidrIp=0.0.0.0/0}]" },
    run: (ctx) =>
      eachRegion(ctx, async (scope, out) => {
        for (const { group } of await ctx.facts.groupsInUse(scope)) {
          out.examined++;
          const smtp = group.rules.some((r) => r.direction === "egress" && fromWorldOut(r) && r.protocol === "tcp" && covers(r, "tcp", 25));
          if (smtp) fail(out, { accountId: scope.accountId, region: scope.region, id: group.groupId, detail: `${group.groupName} allows SMTP (TCP 25) to the internet` });
        }
      }),
  },
  {
    id: "ec2_instance_imdsv2_enabled",
    title: "Instances require IMDSv2",
    severity: "high",
    category: "exposure",
    alignedWith: "Prowler ec2_instance_imdsv2_enabled",
    why: "With IMDSv1 an SSRF or an open proxy on the host hands out the instance role's credentials; those credentials used from elsewhere are a compromised-credentials notice.",
    remediation: { console: "EC2 > Instances > INSTANCE > Actions > Instance settings > Modify instance metadata options: IMDSv2 Required", cli: "aws ec2 modify-instance-metadata-options --instance-id INSTANCE --http-tokens required --http-endpoint enabled" },
    run: (ctx) =>
      eachRegion(ctx, async (scope, out) => {
        for (const i of await ctx.facts.instances(scope)) {
          if (i.state === "terminated" || i.state === "shutting-down") continue;
          out.examined++;
          if (i.metadataHttpTokens === "optional") fail(out, { accountId: scope.accountId, region: scope.region, id: i.instanceId, detail: `${i.tags.Name ?? i.instanceId} allows IMDSv1` });
          else if (i.metadataHttpTokens === undefined) out.notRun.push({ accountId: scope.accountId, region: scope.region, reason: `the metadata options of ${i.instanceId} were not returned` });
        }
      }),
  },
  {
    id: "s3_account_level_public_access_blocks",
    title: "S3 Block Public Access is on for the whole account",
    severity: "high",
    category: "exposure",
    alignedWith: "Prowler s3_account_level_public_access_blocks; CIS AWS Foundations 2.1.4",
    why: "A public bucket serving malware or phishing pages is an abuse notice about content you did not know you hosted; the account-level block stops any bucket from being made public by mistake.",
    remediation: { console: "S3 > Block Public Access settings for this account > Edit: all four on", cli: "aws s3control put-public-access-block --account-id ACCOUNT --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true" },
    run: (ctx) =>
      forAccount(ctx, async (out) => {
        const p = await ctx.facts.accountPublicAccessBlock(ctx.accountId);
        out.examined = 1;
        if (!p || !p.blockPublicAcls || !p.ignorePublicAcls || !p.blockPublicPolicy || !p.restrictPublicBuckets) fail(out, { accountId: ctx.accountId, id: ctx.accountId, detail: p ? "account-level Block Public Access is partly off" : "no account-level Block Public Access" });
      }),
  },

  // ---- response readiness
  {
    id: "ec2_instance_managed_by_ssm",
    title: "Running instances are managed by Systems Manager",
    severity: "medium",
    category: "response",
    alignedWith: "Prowler ec2_instance_managed_by_ssm",
    why: "Host triage (what is running, who logged in, what changed) goes through SSM Run Command. An unmanaged instance can only be stopped or snapshotted blind, and the reply to AWS cannot say what the cause was.",
    remediation: { console: "Systems Manager > Fleet Manager / Quick Setup > Host management: instance profile with AmazonSSMManagedInstanceCore, SSM agent installed", cli: "aws ec2 associate-iam-instance-profile --instance-id INSTANCE --iam-instance-profile Name=SSMInstanceProfile" },
    run: (ctx) =>
      eachRegion(ctx, async (scope, out) => {
        const running = (await ctx.facts.instances(scope)).filter((i) => i.state === "running").map((i) => i.instanceId);
        if (running.length === 0) return;
        const managed = new Set((await ctx.facts.ssmManaged(scope, running)).filter((m) => m.pingStatus === "Online").map((m) => m.instanceId));
        for (const id of running) {
          out.examined++;
          if (!managed.has(id)) fail(out, { accountId: scope.accountId, region: scope.region, id, detail: "not managed by SSM (or not online)" });
        }
      }),
  },
  {
    id: "ssm_inventory_ids_agent_installed",
    title: "Managed hosts run a host IDS agent (OSSEC or Wazuh)",
    severity: "low",
    category: "response",
    why: "A host IDS records the file changes, logins and processes of the incident; without one, the reply to AWS rests on guesses about how the host was compromised.",
    remediation: { console: "Systems Manager > Distributor or State Manager: install the Wazuh (or OSSEC) agent on every managed host; Inventory > Setup inventory", cli: "aws ssm send-command --document-name AWS-RunShellScript --targets Key=tag:ids,Values=missing --parameters commands='curl -so wazuh-agent.deb ... && dpkg -i wazuh-agent.deb'" },
    run: (ctx) =>
      eachRegion(ctx, async (scope, out) => {
        const running = (await ctx.facts.instances(scope)).filter((i) => i.state === "running").map((i) => i.instanceId);
        if (running.length === 0) return;
        const managed = (await ctx.facts.ssmManaged(scope, running)).map((m) => m.instanceId);
        await Promise.all(
          managed.map(async (id) => {
            out.examined++;
            const apps = await ctx.facts.inventory(scope, id);
            if (apps.length === 0) fail(out, { accountId: scope.accountId, region: scope.region, id, detail: "no SSM Inventory collected (IDS presence unknown)" });
            else if (!apps.some((a) => /ossec|wazuh/i.test(a.name))) fail(out, { accountId: scope.accountId, region: scope.region, id, detail: "no OSSEC or Wazuh agent in SSM Inventory" });
          }),
        );
      }),
  },
  {
    id: "ec2_instance_termination_protection_stateful",
    title: "Stateful instances have termination protection",
    severity: "low",
    category: "response",
    why: "Evidence lives on the disks of the instance AWS wrote about. A stand-alone instance with data volumes (not in an Auto Scaling group) terminated in a hurry, by a person or a script, takes it with it.",
    remediation: { console: "EC2 > Instances > INSTANCE > Actions > Instance settings > Change termination protection: Enable", cli: "aws ec2 modify-instance-attribute --instance-id INSTANCE --disable-api-termination" },
    run: (ctx) =>
      eachRegion(ctx, async (scope, out) => {
        const stateful = (await ctx.facts.instances(scope)).filter((i) => i.state !== "terminated" && i.state !== "shutting-down" && !i.tags["aws:autoscaling:groupName"] && i.blockDevices.some((b) => b.deviceName !== i.rootDeviceName));
        const read = await ctx.facts.instancesById(scope, stateful.map((i) => i.instanceId));
        for (const i of read) {
          out.examined++;
          if (i.disableApiTermination === undefined) out.notRun.push({ accountId: scope.accountId, region: scope.region, reason: `termination protection of ${i.instanceId} could not be read (ec2:DescribeInstanceAttribute)`, action: "ec2:DescribeInstanceAttribute" });
          else if (!i.disableApiTermination) fail(out, { accountId: scope.accountId, region: scope.region, id: i.instanceId, detail: `${i.tags.Name ?? i.instanceId} has data volumes and no termination protection` });
        }
      }),
  },
  {
    id: "abuse_desk_roles_deployed",
    title: "abuse-desk's read-only and containment roles are deployed, and can be assumed, in every account of the organization",
    severity: "high",
    category: "response",
    why: "A notice can name any account of the organization. An account abuse-desk cannot enter is 'not searched': the resource is not found, not contained, and the reply is late; an account without the containment role can be searched but not contained when the 24 hours run out.",
    remediation: {
      console:
        "CloudFormation > StackSets: deploy deploy/cloudformation/roles-stackset.yaml (AbuseDeskReadOnly and AbuseDeskContainment, trusting the account abuse-desk runs in) to every account of the organization (service-managed StackSets skip the management account: deploy it there as a stack)",
      cli: "aws cloudformation create-stack-instances --stack-set-name abuse-desk-roles --deployment-targets OrganizationalUnitIds=ROOT_OU --regions us-east-1   # then: abuse-desk doctor --account aws",
    },
    scope: "organization",
    run: rolesDeployed,
  },
];

function fromWorldOut(r: SgRule): boolean {
  return r.cidrIpv4 === WORLD4 || r.cidrIpv6 === WORLD6;
}

/** Whether an event pattern matches AWS Health's abuse or risk events (by source, and not narrowed away from them). */
export function routesHealth(pattern: string): boolean {
  let p: unknown;
  try {
    p = JSON.parse(pattern);
  } catch {
    return false;
  }
  if (!p || typeof p !== "object") return false;
  const o = p as { source?: unknown; "detail-type"?: unknown; detail?: { service?: unknown; eventTypeCode?: unknown; eventTypeCategory?: unknown } };
  const arr = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined);
  if (!arr(o.source)?.includes("aws.health")) return false;
  const dt = arr(o["detail-type"]);
  if (dt && !dt.some((t) => /AWS Health (Event|Abuse Event)/.test(t))) return false;
  const service = arr(o.detail?.service);
  if (service && !service.some((s) => s === "ABUSE" || s === "RISK")) return false;
  const code = arr(o.detail?.eventTypeCode);
  if (code && !code.some((c) => /ABUSE|RISK/.test(c))) return false;
  const cat = arr(o.detail?.eventTypeCategory);
  if (cat && !cat.includes("issue")) return false;
  return true;
}

/** The buckets of the trails homed in this account, each once. */
/** Each trail bucket of the account, read once per check: one that is in another account is said as not run here. */
async function trailBuckets(ctx: CheckContext, fn: (bucket: string, b: Bucket, out: CheckOutcome) => Promise<void>): Promise<CheckOutcome> {
  const out = outcome();
  const buckets = new Set<string>();
  await Promise.all(
    ctx.regions.map(async (region) => {
      try {
        for (const t of await ctx.facts.trails({ accountId: ctx.accountId, region }))
          if (t.s3BucketName && t.homeRegion === region && t.arn.includes(`:${ctx.accountId}:`)) buckets.add(t.s3BucketName);
      } catch (err) {
        out.notRun.push(notRunOf(err, ctx.accountId, region));
      }
    }),
  );
  for (const name of [...buckets].sort()) {
    try {
      const b = await ctx.facts.bucket(ctx.accountId, name);
      if (!b) {
        out.notRun.push({ accountId: ctx.accountId, reason: `the trail bucket ${name} is not in this account (check it in the account that owns it)` });
        continue;
      }
      out.examined++;
      await fn(name, b, out);
    } catch (err) {
      out.notRun.push(notRunOf(err, ctx.accountId));
    }
  }
  return out;
}

const SIDE_NAME = { read: "read-only role", write: "containment role" } as const;

/**
 * abuse_desk_roles_deployed: every active account of the organization (and every account the port
 * works in) entered for reads and for writes the way the configuration does. A role AssumeRole
 * refuses fails (it is not deployed, or does not trust abuse-desk: GetRole through the read-only
 * role says which, where that role works); an account where it could not be told (throttling, the
 * network, iam:GetRole denied when nothing else failed) is not run there, never passed.
 */
async function rolesDeployed(ctx: OrganizationCheckContext): Promise<CheckOutcome> {
  const out = outcome();
  const ids = new Map<string, string | undefined>(ctx.accounts.map((a) => [a.accountId, a.name]));
  if (!ctx.narrowed) {
    try {
      const org = await ctx.facts.organizationAccounts();
      for (const a of org ?? []) if (a.state === "ACTIVE" && !ids.has(a.accountId)) ids.set(a.accountId, a.name);
    } catch (err) {
      const why = notRunOf(err, "organization");
      out.notRun.push({ ...why, reason: `the organization's accounts could not be listed (only the accounts abuse-desk is configured for were checked): ${why.reason}` });
    }
  }
  await Promise.all(
    [...ids.keys()].map(async (accountId) => {
      let read, write;
      try {
        [read, write] = await Promise.all([ctx.facts.enterAccount(accountId, "read"), ctx.facts.enterAccount(accountId, "write")]);
      } catch (err) {
        const why = notRunOf(err, accountId);
        out.notRun.push({ ...why, reason: `whether abuse-desk's roles can be assumed could not be told: ${why.reason}` });
        return;
      }
      out.examined++;
      const entries = write.roleArn !== undefined && write.roleArn === read.roleArn ? [read] : [read, write];
      for (const e of entries) {
        if (e.entered) continue;
        const what = `${SIDE_NAME[e.side]}${e.roleName ? ` ${e.roleName}` : ""}`;
        let detail = `${what} cannot be assumed${e.refusal ? ` (${e.refusal})` : ""}`;
        if (e.roleName && read.entered) {
          try {
            const role = await ctx.facts.role(accountId, e.roleName);
            detail = role ? `${what} exists but does not let abuse-desk assume it (its trust policy, or the external id)` : `${what} does not exist in the account`;
          } catch (err) {
            detail += `; whether it exists could not be read: ${notRunOf(err, accountId).reason}`;
          }
        } else if (e.side === "write" && !read.entered) detail += "; whether it exists could not be read (the read-only role cannot be assumed either)";
        fail(out, { accountId, id: e.roleName ?? e.side, detail });
      }
    }),
  );
  return out;
}
