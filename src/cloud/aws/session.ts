/**
 * The adapter's plumbing: one SDK client per (service, region, credentials) created once and reused,
 * a concurrency cap per (account, region), and every call's failure translated into a CloudError
 * that names the IAM action. Service files (ec2.ts, s3.ts, ...) only ever talk to AWS through `run`.
 */
import { AccountClient } from "@aws-sdk/client-account";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { LightsailClient } from "@aws-sdk/client-lightsail";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { CloudError } from "../errors.ts";
import type { Scope } from "../model.ts";
import type { Operation, ServiceKey } from "./actions.ts";
import { translateError } from "./errors.ts";
import { Limiter, Pacer } from "./limiter.ts";
import { DEFAULTS, endpointFor, type AwsPortOptions, type CredentialProvider } from "./options.ts";
import { s3ControlClientConfig } from "./s3control.ts";

export interface ClientMap {
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
  elbv2: ElasticLoadBalancingV2Client;
  elb: ElasticLoadBalancingClient;
  iam: IAMClient;
  sts: STSClient;
  organizations: OrganizationsClient;
  ssm: SSMClient;
  cloudtrail: CloudTrailClient;
  s3: S3Client;
  cloudfront: CloudFrontClient;
  logs: CloudWatchLogsClient;
  sesv2: SESv2Client;
  account: AccountClient;
  eventbridge: EventBridgeClient;
  guardduty: GuardDutyClient;
  lightsail: LightsailClient;
  s3control: S3ControlClient;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each client takes its own config type; the shared fields are what we pass
const CLIENTS: { [K in ServiceKey]: new (config: any) => ClientMap[K] } = {
  ec2: EC2Client,
  autoscaling: AutoScalingClient,
  elbv2: ElasticLoadBalancingV2Client,
  elb: ElasticLoadBalancingClient,
  iam: IAMClient,
  sts: STSClient,
  organizations: OrganizationsClient,
  ssm: SSMClient,
  cloudtrail: CloudTrailClient,
  s3: S3Client,
  cloudfront: CloudFrontClient,
  logs: CloudWatchLogsClient,
  sesv2: SESv2Client,
  account: AccountClient,
  eventbridge: EventBridgeClient,
  guardduty: GuardDutyClient,
  lightsail: LightsailClient,
  s3control: S3ControlClient,
};

/** IAM, Organizations and CloudFront have one endpoint per partition; their calls carry region "global". */
export const GLOBAL = "global";
/** The account of calls made before the caller's account is known (GetCallerIdentity, GetAccessKeyInfo). */
export const CALLER = "caller";

type ServiceOf<O extends Operation> = O extends `${infer S}.${string}` ? (S extends ServiceKey ? S : never) : never;

export type Purpose = "read" | "write";

/** What the service files' functions run in: the session, and the side (role) of the port method calling. */
export type Ctx = { session: AwsSession; purpose: Purpose };

export interface Target {
  accountId: string;
  /** A region, or GLOBAL for global services. */
  region: string;
  purpose?: Purpose;
  /**
   * Use the caller's own credentials and skip the account check: for the calls that find out who
   * the caller is and which accounts exist (GetCallerIdentity, AssumeRole, ListAccounts).
   */
  base?: boolean;
}

/** Where a regional call goes. */
export const target = (ctx: Ctx, scope: Scope): Target => ({ accountId: scope.accountId, region: scope.region, purpose: ctx.purpose });
/** Where a call to a global service (IAM, CloudFront) goes. */
export const global = (ctx: Ctx, accountId: string): Target => ({ accountId, region: GLOBAL, purpose: ctx.purpose });

/** What the session needs from the account directory (accounts.ts): how to reach an account. */
export interface Reach {
  /** Credentials for an account and purpose, with a key identifying them (clients are shared per key). */
  credentials(accountId: string, purpose: Purpose): Promise<{ key: string; provider: CredentialProvider }>;
  /** The account's enabled regions when already read; undefined when not known yet. */
  knownRegions(accountId: string): readonly string[] | undefined;
}

export class AwsSession {
  readonly options: AwsPortOptions;
  readonly maxConcurrency: number;
  readonly baseCredentials: CredentialProvider;
  private reach: Reach | undefined;
  private home: Promise<string> | undefined;
  private readonly clients = new Map<string, unknown>();
  /** `operation|filter names` an emulator refused: asked without filters from then on (ec2.ts). */
  readonly unsupportedFilters = new Set<string>();
  private readonly limiters = new Map<string, Limiter>();
  /** LookupEvents' quota is a rate (2 per second per account and region): its calls are spaced, keyed `account/region`. */
  readonly trailPacer: Pacer;

  constructor(options: AwsPortOptions) {
    this.options = options;
    this.maxConcurrency = options.maxConcurrency ?? DEFAULTS.maxConcurrency;
    this.trailPacer = new Pacer(1000 / (options.lookupEventsPerSecond ?? DEFAULTS.lookupEventsPerSecond));
    // One chain for the whole session: the SDK memoizes it, so SSO/profile files are read once.
    this.baseCredentials = options.credentials ?? fromNodeProviderChain(options.profile ? { profile: options.profile } : {});
  }

  attach(reach: Reach): void {
    this.reach = reach;
  }

  /** The home region: option, else AWS_REGION / AWS_DEFAULT_REGION / the profile's region, else us-east-1. */
  homeRegion(): Promise<string> {
    this.home ??= (async () => {
      if (this.options.region) return this.options.region;
      try {
        const probe = new STSClient(this.options.profile ? { profile: this.options.profile } : {});
        const region = await probe.config.region();
        probe.destroy();
        return region || DEFAULTS.fallbackRegion;
      } catch {
        return DEFAULTS.fallbackRegion;
      }
    })();
    return this.home;
  }

  /** The client for a service in an account and region, created on first use and reused after. */
  async client<K extends ServiceKey>(service: K, target: Target): Promise<ClientMap[K]> {
    const region = target.region === GLOBAL ? await this.homeRegion() : target.region;
    let creds: { key: string; provider: CredentialProvider };
    if (target.base) creds = { key: "base", provider: this.baseCredentials };
    else {
      if (!this.reach) throw new Error("AwsSession used before an account directory was attached");
      creds = await this.reach.credentials(target.accountId, target.purpose ?? "read");
    }
    const key = `${service}|${region}|${creds.key}`;
    let client = this.clients.get(key) as ClientMap[K] | undefined;
    if (!client) {
      client = new CLIENTS[service](this.clientConfig(service, region, creds.provider));
      this.clients.set(key, client);
    }
    return client;
  }

  private clientConfig(service: ServiceKey, region: string, credentials: CredentialProvider): Record<string, unknown> {
    const o = this.options;
    const config: Record<string, unknown> = {
      region,
      credentials,
      retryMode: "adaptive",
      maxAttempts: o.maxAttempts ?? DEFAULTS.maxAttempts,
    };
    // The profile also carries endpoint_url / services sections of ~/.aws/config, which the SDK reads.
    if (o.profile) config.profile = o.profile;
    // Only an explicit override is passed: AWS_ENDPOINT_URL(_<SERVICE>) is resolved by the SDK itself.
    const explicit = o.endpoints?.[service];
    if (explicit) config.endpoint = explicit;
    if (service === "s3") {
      // Emulators serve buckets by path, not by virtual host; real S3 redirects across regions.
      config.forcePathStyle = o.s3ForcePathStyle ?? endpointFor(o, "s3") !== undefined;
      config.followRegionRedirects = true;
    }
    // S3 Control prefixes the endpoint's host with the account id: `*.localhost` must reach the emulator (./s3control.ts).
    if (service === "s3control") Object.assign(config, s3ControlClientConfig(endpointFor(o, "s3control")));
    return config;
  }

  /** True when this service's calls go to an endpoint override (an API emulator, a proxy). */
  emulated(service: ServiceKey): boolean {
    return endpointFor(this.options, service) !== undefined;
  }

  /** Closes every client's sockets. */
  close(): void {
    for (const c of this.clients.values()) (c as { destroy(): void }).destroy();
    this.clients.clear();
  }

  private limiter(accountId: string, region: string): Limiter {
    const key = `${accountId}/${region}`;
    let l = this.limiters.get(key);
    if (!l) {
      l = new Limiter(this.maxConcurrency);
      this.limiters.set(key, l);
    }
    return l;
  }

  /**
   * Sends one operation (or one paginated sequence of it) through the right client, within the
   * (account, region) concurrency cap, translating any failure. `fn` must only use the client it is
   * given: nested `run`s inside it could wait on their own slot.
   */
  async run<O extends Operation, T>(op: O, target: Target, fn: (client: ClientMap[ServiceOf<O>]) => Promise<T>): Promise<T> {
    const service = op.slice(0, op.indexOf(".")) as ServiceOf<O>;
    try {
      const known = target.region === GLOBAL ? undefined : this.reach?.knownRegions(target.accountId);
      if (known && !known.includes(target.region) && !target.base) {
        throw new CloudError("region-disabled", `Region ${target.region} is not enabled for account ${target.accountId}.`, {
          accountId: target.accountId,
          region: target.region,
          action: op.split(".")[1],
        });
      }
      const client = await this.client(service, target);
      // The calls that reach accounts (GetCallerIdentity, AssumeRole, ListAccounts) have their own
      // cap: a role's credentials are refreshed from *inside* a call to the account as the SDK signs
      // it, and that refresh must never queue behind the very calls that wait for it.
      return await this.limiter(target.base ? "base" : target.accountId, target.region).run(() => fn(client));
    } catch (err) {
      const enabledRegions = this.reach?.knownRegions(target.accountId);
      throw translateError(err, {
        op,
        ...(target.accountId === CALLER ? {} : { accountId: target.accountId }),
        region: target.region,
        // AWS_PROFILE is in options.profile when the edge read it (src/config/aws.ts).
        profile: this.options.profile,
        endpoint: endpointFor(this.options, service),
        ...(enabledRegions ? { enabledRegions } : {}),
      });
    }
  }
}

/**
 * Collects every page of an SDK paginator. The SDK's paginators reuse one input object across pages;
 * `withCommand` gives each page's command its own copy, so what was sent stays what was sent (the
 * exact-request tests read it back).
 */
type PageConfig<C> = { client: C; withCommand: (command: { input: object }) => undefined };

export async function allPages<C, I extends object, P>(
  paginate: (config: PageConfig<C>, input: I) => AsyncIterable<P>,
  client: C,
  input: I,
  /** Stop early once this says enough (e.g. a result limit reached). */
  enough?: (pages: P[]) => boolean,
): Promise<P[]> {
  const pages: P[] = [];
  const withCommand = (command: { input: object }) => {
    command.input = { ...command.input };
    return undefined;
  };
  for await (const page of paginate({ client, withCommand }, { ...input })) {
    pages.push(page);
    if (enough?.(pages)) break;
  }
  return pages;
}
