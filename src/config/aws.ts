/**
 * The `aws:` section of the configuration file, the ABUSE_DESK_AWS_* environment variables and the
 * command-line flags, merged into the AWS adapter's options. Precedence, highest first: flags, then
 * the environment (AWS's own AWS_PROFILE / AWS_REGION / AWS_MAX_ATTEMPTS included), then the file,
 * then the adapter's defaults. docs/aws.md documents every key.
 *
 *   aws:
 *     profile: security-prod
 *     region: eu-west-1
 *     organizations: true
 *     accounts: ["111122223333", { id: "444455556666", name: staging, profile: staging }]
 *     assumeRole: { roleName: AbuseDeskReadOnly, containmentRoleName: AbuseDeskContainment, externalId: env:ABUSE_DESK_EXTERNAL_ID }
 */
import { z } from "zod";
import type { ServiceKey } from "../cloud/aws/actions.ts";
import { environmentEndpoints, type AwsPortOptions } from "../cloud/aws/options.ts";
import { UserError } from "../errors.ts";
import { EX_CONFIG, fromEnvReference, parseSection, readConfigFile, type ConfigDocument, type Env } from "./file.ts";

const accountId = z.string().regex(/^\d{12}$/, "an AWS account id is 12 digits (quote it in YAML: \"012345678901\")");
// Every partition's shape: us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1.
const region = z.string().regex(/^[a-z]{2,4}(-[a-z]+){1,3}-\d+$/, "not a region code (eu-west-1, us-east-1...)");
const url = z.string().regex(/^https?:\/\/[^\s/]+/, "an endpoint is an http:// or https:// URL");
const roleName = z.string().regex(/^[\w+=,.@/-]{1,512}$/, "not an IAM role name (a path is allowed: security/AbuseDesk)");

export const SERVICE_KEYS = ["ec2", "autoscaling", "elbv2", "elb", "iam", "sts", "organizations", "ssm", "cloudtrail", "s3", "cloudfront", "s3control"] as const satisfies readonly ServiceKey[];

export const awsSection = z
  .object({
    profile: z.string().min(1).optional(),
    region: region.optional(),
    accounts: z
      .array(
        z.union([
          accountId,
          z
            .object({
              id: accountId,
              name: z.string().optional(),
              profile: z.string().min(1).optional(),
              roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, "not a role ARN").optional(),
            })
            .strict(),
        ]),
      )
      .optional(),
    organizations: z.boolean().optional(),
    excludeAccounts: z.array(accountId).optional(),
    assumeRole: z
      .object({
        roleName: roleName.optional(),
        containmentRoleName: roleName.optional(),
        externalId: z.string().min(2).optional(),
        sessionName: z.string().regex(/^[\w+=,.@-]{2,64}$/, "a session name is 2-64 of letters, digits and +=,.@-_").optional(),
        durationSeconds: z.number().int().min(900).max(43200).optional(),
      })
      .strict()
      .optional(),
    regions: z.array(region).min(1).optional(),
    maxConcurrency: z.number().int().min(1).max(64).optional(),
    maxAttempts: z.number().int().min(1).max(20).optional(),
    endpoints: z.partialRecord(z.enum(SERVICE_KEYS), url).optional(),
    s3ForcePathStyle: z.boolean().optional(),
  })
  .strict();

export type AwsSection = z.output<typeof awsSection>;

/** What the CLI's flags can say (each overrides the file and the environment). */
export interface AwsFlags {
  profile?: string;
  region?: string;
  accounts?: string[];
  regions?: string[];
  concurrency?: number;
}

function list(v: string | undefined): string[] | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  return v.split(",").map((s) => s.trim()).filter(Boolean);
}

function bool(v: string | undefined, name: string): boolean | undefined {
  if (v === undefined || v === "") return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new UserError(`${name}=${v}: expected true or false`, { exitCode: EX_CONFIG });
}

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${name}=${v}: expected a whole number of at least 1`, { exitCode: EX_CONFIG });
  return n;
}

function check<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UserError(`${name}: ${r.error.issues[0]!.message}`, { exitCode: EX_CONFIG });
  return r.data;
}

/** The environment's part: ABUSE_DESK_AWS_* plus AWS's own variables for profile, region and attempts. */
function fromEnv(env: Env): AwsSection {
  const out: AwsSection = {};
  const accounts = list(env.ABUSE_DESK_AWS_ACCOUNTS);
  if (accounts) out.accounts = accounts.map((a) => check(accountId, a, "ABUSE_DESK_AWS_ACCOUNTS"));
  const regions = list(env.ABUSE_DESK_AWS_REGIONS);
  if (regions) out.regions = regions.map((r) => check(region, r, "ABUSE_DESK_AWS_REGIONS"));
  const org = bool(env.ABUSE_DESK_AWS_ORGANIZATIONS, "ABUSE_DESK_AWS_ORGANIZATIONS");
  if (org !== undefined) out.organizations = org;
  const assume: NonNullable<AwsSection["assumeRole"]> = {};
  if (env.ABUSE_DESK_AWS_ROLE_NAME) assume.roleName = check(roleName, env.ABUSE_DESK_AWS_ROLE_NAME, "ABUSE_DESK_AWS_ROLE_NAME");
  if (env.ABUSE_DESK_AWS_CONTAINMENT_ROLE_NAME) assume.containmentRoleName = check(roleName, env.ABUSE_DESK_AWS_CONTAINMENT_ROLE_NAME, "ABUSE_DESK_AWS_CONTAINMENT_ROLE_NAME");
  if (env.ABUSE_DESK_AWS_EXTERNAL_ID) assume.externalId = env.ABUSE_DESK_AWS_EXTERNAL_ID;
  if (Object.keys(assume).length) out.assumeRole = assume;
  const conc = int(env.ABUSE_DESK_AWS_MAX_CONCURRENCY, "ABUSE_DESK_AWS_MAX_CONCURRENCY");
  if (conc !== undefined) out.maxConcurrency = conc;
  const attempts = int(env.AWS_MAX_ATTEMPTS, "AWS_MAX_ATTEMPTS");
  if (attempts !== undefined) out.maxAttempts = attempts;
  if (env.AWS_PROFILE) out.profile = env.AWS_PROFILE;
  const r = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (r) out.region = check(region, r, env.AWS_REGION ? "AWS_REGION" : "AWS_DEFAULT_REGION");
  return out;
}

function fromFlags(flags: AwsFlags): AwsSection {
  const out: AwsSection = {};
  if (flags.profile) out.profile = flags.profile;
  if (flags.region) out.region = check(region, flags.region, "--region");
  if (flags.accounts) out.accounts = flags.accounts.map((a) => check(accountId, a, "--accounts"));
  if (flags.regions) out.regions = flags.regions.map((r) => check(region, r, "--regions"));
  if (flags.concurrency !== undefined) out.maxConcurrency = check(z.number().int().min(1).max(64), flags.concurrency, "--concurrency");
  return out;
}

/** Later layers win, key by key; assumeRole and endpoints merge field by field. */
function merge(...layers: AwsSection[]): AwsSection {
  const out: AwsSection = {};
  for (const l of layers) {
    for (const [k, v] of Object.entries(l) as [keyof AwsSection, unknown][]) {
      if (v === undefined) continue;
      if (k === "assumeRole" || k === "endpoints") (out as Record<string, unknown>)[k] = { ...(out[k] as object | undefined), ...(v as object) };
      else (out as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}

/** The adapter's options from a configuration document, the environment and the flags. */
export function awsOptionsFrom(doc: ConfigDocument, env: Env = process.env, flags: AwsFlags = {}): AwsPortOptions {
  const file = parseSection(awsSection, doc, "aws");
  const where = `${doc.path ?? "configuration"}: aws.assumeRole.externalId`;
  const s = merge(file, fromEnv(env), fromFlags(flags));
  const o: AwsPortOptions = {};
  if (s.profile) o.profile = s.profile;
  if (s.region) o.region = s.region;
  if (s.accounts) o.accounts = s.accounts.map((a) => (typeof a === "string" ? a : { ...a }));
  if (s.organizations !== undefined) o.discoverAccounts = s.organizations;
  if (s.excludeAccounts) o.excludeAccounts = s.excludeAccounts;
  if (s.assumeRole) {
    const externalId = fromEnvReference(s.assumeRole.externalId, env, where);
    o.assumeRole = { ...s.assumeRole, ...(externalId !== undefined ? { externalId } : {}) };
  }
  if (s.regions) o.regions = s.regions;
  if (s.maxConcurrency !== undefined) o.maxConcurrency = s.maxConcurrency;
  if (s.maxAttempts !== undefined) o.maxAttempts = s.maxAttempts;
  if (s.endpoints) o.endpoints = s.endpoints;
  const sdkEndpoints = environmentEndpoints(env);
  if (Object.keys(sdkEndpoints).length) o.environmentEndpoints = sdkEndpoints;
  if (s.s3ForcePathStyle !== undefined) o.s3ForcePathStyle = s.s3ForcePathStyle;
  return o;
}

/** Reads the configuration file and returns the AWS adapter's options (for `--account aws`). */
export function loadAwsOptions(flags: AwsFlags = {}, env: Env = process.env): AwsPortOptions {
  return awsOptionsFrom(readConfigFile(env), env, flags);
}
