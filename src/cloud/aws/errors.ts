/**
 * SDK errors -> CloudError. One place decides what a failure means for the person running the tool:
 * which IAM action is missing, whether the region is simply not enabled, whether the credentials
 * chain came up empty (and how to fix it), whether to come back later.
 */
import { CloudError } from "../errors.ts";
import { primaryAction, type Operation } from "./actions.ts";

/** Where a call was going, for the message. `region` is "global" for IAM, Organizations, CloudFront. */
export interface CallSite {
  op: Operation;
  accountId?: string;
  region?: string;
  /** The profile in use, to make the credentials hint concrete. */
  profile?: string;
  /** Regions known to be enabled for the account, when already read (tells a disabled region from bad credentials). */
  enabledRegions?: readonly string[];
  /** The endpoint override in force for this service, when any (emulators). */
  endpoint?: string;
}

// AWS's own codes. Throttling and transient lists follow the SDK's service-error-classification.
const ACCESS_DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
  "AuthorizationError",
  "Forbidden",
]);
const THROTTLED = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);
/** Refused credentials: in a region that is not enabled AWS answers with these too. */
const CREDENTIALS_REFUSED = new Set([
  "AuthFailure",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "InvalidAccessKeyId",
]);
const CREDENTIALS_EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"]);
/** Error codes of a network failure (no answer from AWS), however the SDK or Node carried them. */
export const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
const CREDENTIAL_PROVIDER_ERRORS = new Set(["CredentialsProviderError", "TokenProviderError", "ProviderError"]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string };
}

/** AWS's error code, however the SDK carried it. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as SdkErrorShape;
  return e.Code ?? e.name ?? e.code;
}

/** AWS's "does not exist" answers to a query: on a read they mean an empty result. */
const NOT_FOUND_SUFFIXES = [".NotFound", ".Malformed"];
const NOT_FOUND_CODES = new Set([
  "NatGatewayNotFound",
  "NatGatewayMalformed",
  "NoSuchEntity",
  "NoSuchBucket",
  "NoSuchKey",
  "NoSuchDistribution",
  "LoadBalancerNotFound",
  "LoadBalancerNotFoundException",
  "AccessPointNotFound",
  "AccessPointNotFoundException",
  "TargetGroupNotFound",
  "TargetGroupNotFoundException",
  "NotFound",
  "ResourceNotFoundException",
  // Lightsail's
  "NotFoundException",
  // CloudTrail's, for a trail that does not exist (GetTrailStatus, StartLogging)
  "TrailNotFoundException",
  // CreateTags' answer for an id that names nothing
  "InvalidID",
]);

export function isNotFound(err: unknown): boolean {
  if (err instanceof CloudError) return err.kind === "not-found";
  const code = errorCode(err);
  if (code === undefined) return false;
  return NOT_FOUND_CODES.has(code) || NOT_FOUND_SUFFIXES.some((s) => code.endsWith(s));
}

function where(site: CallSite): string {
  const parts: string[] = [];
  if (site.accountId) parts.push(`account ${site.accountId}`);
  if (site.region && site.region !== "global") parts.push(`region ${site.region}`);
  return parts.length ? ` in ${parts.join(", ")}` : "";
}

function credentialsHint(profile: string | undefined): string {
  const p = profile ? ` --profile ${profile}` : "";
  return (
    `Configure credentials the usual AWS way: \`aws configure${p}\` for access keys, ` +
    `\`aws sso login${p}\` for IAM Identity Center (SSO), or set AWS_PROFILE to a profile in ~/.aws/config ` +
    `(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and instance or container roles work too).`
  );
}

/** Translates anything thrown while calling AWS into a CloudError. CloudErrors pass through unchanged. */
export function translateError(err: unknown, site: CallSite): CloudError {
  if (err instanceof CloudError) return err;
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as SdkErrorShape;
  const code = errorCode(err);
  const opName = site.op.split(".")[1] ?? site.op;
  const action = primaryAction(site.op);
  const attempts = e.$metadata?.attempts;
  const status = e.$metadata?.httpStatusCode;
  const awsMessage = e.message ? `: ${e.message}` : "";
  const base = { accountId: site.accountId, region: site.region, code, cause: err };

  if (code !== undefined && CREDENTIAL_PROVIDER_ERRORS.has(code)) {
    const sso = /sso|token/i.test(e.message ?? "");
    const lead = sso
      ? `No usable AWS credentials: the SSO session is missing or expired (${e.message ?? code}).`
      : `No AWS credentials found (${e.message ?? code}).`;
    return new CloudError("no-credentials", `${lead} ${credentialsHint(site.profile)}`, { ...base, action: opName });
  }
  if (code !== undefined && ACCESS_DENIED.has(code)) {
    return new CloudError(
      "access-denied",
      `Access denied: ${action}${where(site)}. Allow ${action} for the identity or role abuse-desk uses ` +
        `(see docs/iam/*.json)${awsMessage}`,
      { ...base, action },
    );
  }
  if (code === "OptInRequired" || code === "RegionDisabledException" || code === "InvalidRegion") {
    return new CloudError(
      "region-disabled",
      `Region ${site.region ?? "?"} is not enabled${site.accountId ? ` for account ${site.accountId}` : ""} ` +
        `(${code}); enable it in the account settings or leave it out of aws.regions.`,
      { ...base, action: opName },
    );
  }
  if (code !== undefined && CREDENTIALS_REFUSED.has(code)) {
    // In a region the account has not opted into, AWS refuses valid credentials with AuthFailure.
    const known = site.enabledRegions;
    const regional = site.region !== undefined && site.region !== "global";
    if (regional && (known === undefined || !known.includes(site.region!))) {
      return new CloudError(
        "region-disabled",
        `AWS refused the credentials in region ${site.region}${site.accountId ? ` for account ${site.accountId}` : ""} (${code}): ` +
          `the region is not enabled for the account${known === undefined ? ", or the credentials are not valid there" : ""}.`,
        { ...base, action: opName },
      );
    }
    return new CloudError(
      "no-credentials",
      `AWS refused the credentials${where(site)} (${code}${awsMessage}). ${credentialsHint(site.profile)}`,
      { ...base, action: opName },
    );
  }
  if (code !== undefined && CREDENTIALS_EXPIRED.has(code)) {
    return new CloudError(
      "no-credentials",
      `The AWS credentials have expired (${code}). ${credentialsHint(site.profile)}`,
      { ...base, action: opName },
    );
  }
  if ((code !== undefined && THROTTLED.has(code)) || status === 429) {
    return new CloudError(
      "throttled",
      `AWS is still throttling ${action}${where(site)}${attempts ? ` after ${attempts} attempts` : ""}; ` +
        `try again in a minute, or lower aws.maxConcurrency.`,
      { ...base, action: opName },
    );
  }
  if (isNotFound(err)) {
    return new CloudError("not-found", `${opName}${where(site)}: ${e.message ?? code}`, { ...base, action: opName });
  }
  const errno = (err as { code?: string }).code;
  if (e.$fault === "server" || (status !== undefined && status >= 500) || (code !== undefined && NETWORK.has(code)) || (errno !== undefined && NETWORK.has(errno))) {
    const target = site.endpoint ? ` at ${site.endpoint}` : "";
    return new CloudError(
      "unavailable",
      `AWS ${opName}${where(site)} failed${attempts ? ` after ${attempts} attempts` : ""}${target} (${code ?? errno ?? status}${awsMessage}); try again later.`,
      { ...base, action: opName },
    );
  }
  return new CloudError("invalid", `AWS refused ${opName}${where(site)} (${code ?? "error"}${awsMessage})`, { ...base, action: opName });
}
