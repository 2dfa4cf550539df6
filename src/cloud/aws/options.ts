/**
 * What the AWS adapter can be told. Everything is optional: with nothing set it behaves like the
 * AWS CLI (default credential chain, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL*) on the caller's
 * own account. src/config/aws.ts reads these from the configuration file, environment and flags.
 */
import type { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { ServiceKey } from "./actions.ts";

export type CredentialProvider = ReturnType<typeof fromNodeProviderChain>;

export interface AwsAccountEntry {
  id: string;
  name?: string;
  /** Reach this account through a named profile instead of assuming the role. */
  profile?: string;
  /** Assume this exact role instead of `arn:<partition>:iam::<id>:role/<roleName>`. */
  roleArn?: string;
}

export interface AssumeRoleOptions {
  /** The role to assume in every account but the caller's own (e.g. `AbuseDeskReadOnly`; a path may be included). */
  roleName?: string;
  /** A separate role for writes (containment); when unset, writes use `roleName` too. */
  containmentRoleName?: string;
  /** The external id the roles' trust policies require, when they do. */
  externalId?: string;
  /** Shows in the accounts' CloudTrail as the session name. */
  sessionName?: string;
  /** Seconds; 900 to the role's maximum session duration. */
  durationSeconds?: number;
}

export interface AwsPortOptions {
  /** A profile from ~/.aws/config (`--profile`); AWS_PROFILE is honoured by the SDK when unset. */
  profile?: string;
  /** The home region (`--region`): where STS, Organizations and DescribeRegions are called. */
  region?: string;
  /** Accounts to work in. Unset: the caller's own account (plus Organizations' when discovery is on). */
  accounts?: (string | AwsAccountEntry)[];
  /** Discover the accounts through AWS Organizations (ListAccounts, active accounts only). */
  discoverAccounts?: boolean;
  /** Accounts to leave out, whatever lists them. */
  excludeAccounts?: string[];
  assumeRole?: AssumeRoleOptions;
  /** Restrict searches to these regions (still intersected with the account's enabled regions). */
  regions?: string[];
  /** Calls in flight at once per (account, region). */
  maxConcurrency?: number;
  /** Attempts per call, retries included (adaptive retry mode). */
  maxAttempts?: number;
  /** CloudTrail LookupEvents calls per second per account and region: AWS's quota is 2, which is the default. */
  lookupEventsPerSecond?: number;
  /** How long to wait between GenerateCredentialReport polls while IAM builds the report (default 1000 ms). */
  credentialReportPollMs?: number;
  /** Endpoint per service, over AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL (which the SDK reads itself). */
  endpoints?: Partial<Record<ServiceKey, string>>;
  /**
   * The endpoints AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL put in force (none when
   * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), read at the edge (src/config/aws.ts). The SDK reads
   * those variables itself and sends the calls there; the adapter is told so that it knows an
   * emulator answers (S3 path-style addressing, S3 Control's host, the endpoint named in errors).
   */
  environmentEndpoints?: Partial<Record<ServiceKey, string>>;
  /** Path-style S3 addressing; on by default whenever an S3 endpoint override is in force (emulators). */
  s3ForcePathStyle?: boolean;
  /** Base credentials; the default is the SDK's node provider chain for `profile`. For embedding and tests. */
  credentials?: CredentialProvider;
}

export const DEFAULTS = {
  maxConcurrency: 8,
  maxAttempts: 5,
  lookupEventsPerSecond: 2,
  sessionName: "abuse-desk",
  durationSeconds: 3600,
  /** Used for the home region when neither options, environment nor profile name one. */
  fallbackRegion: "us-east-1",
} as const;

/**
 * The SDK's service id for each client: AWS_ENDPOINT_URL_<ID> with spaces as underscores,
 * upper case (the SDK derives the variable name the same way).
 */
export const SDK_SERVICE_IDS: Record<ServiceKey, string> = {
  ec2: "EC2",
  autoscaling: "Auto Scaling",
  elbv2: "Elastic Load Balancing v2",
  elb: "Elastic Load Balancing",
  iam: "IAM",
  sts: "STS",
  organizations: "Organizations",
  ssm: "SSM",
  cloudtrail: "CloudTrail",
  s3: "S3",
  cloudfront: "CloudFront",
  logs: "CloudWatch Logs",
  sesv2: "SESv2",
  account: "Account",
  eventbridge: "EventBridge",
  guardduty: "GuardDuty",
  lightsail: "Lightsail",
  s3control: "S3 Control",
};

export function endpointEnvVar(service: ServiceKey): string {
  return `AWS_ENDPOINT_URL_${SDK_SERVICE_IDS[service].toUpperCase().replace(/ /g, "_")}`;
}

/** The endpoint override in force for a service, if any: explicit option, then the SDK's variables (as the edge read them). */
export function endpointFor(opts: AwsPortOptions, service: ServiceKey): string | undefined {
  return opts.endpoints?.[service] ?? opts.environmentEndpoints?.[service];
}

/**
 * What the SDK's endpoint variables say for each service, from `env` (the edge's environment):
 * AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL; nothing when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
 */
export function environmentEndpoints(env: Record<string, string | undefined>): Partial<Record<ServiceKey, string>> {
  const out: Partial<Record<ServiceKey, string>> = {};
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true") return out;
  for (const service of Object.keys(SDK_SERVICE_IDS) as ServiceKey[]) {
    const url = env[endpointEnvVar(service)] ?? env.AWS_ENDPOINT_URL;
    if (url !== undefined) out[service] = url;
  }
  return out;
}
