/**
 * One error type for everything that goes wrong talking to a cloud account. `kind` says what a
 * person can do about it; the message says it in words.
 */
export type CloudErrorKind =
  | "access-denied" // the caller lacks an IAM permission: `action` names it
  | "no-credentials" // nothing in the credential chain
  | "throttled" // still throttled after the retries
  | "region-disabled" // the region is not enabled for the account
  | "unknown-account" // an account id this port can't reach
  | "not-found" // a write to something that does not exist
  | "invalid" // the request was refused as malformed or in the wrong state
  | "unavailable"; // 5xx, network, timeouts after the retries

export class CloudError extends Error {
  readonly kind: CloudErrorKind;
  /** The IAM action (`ec2:DescribeInstances`) for access-denied; the API call otherwise. */
  readonly action: string | undefined;
  readonly accountId: string | undefined;
  readonly region: string | undefined;
  /** AWS's own error code, when the error came from AWS. */
  readonly code: string | undefined;
  constructor(
    kind: CloudErrorKind,
    message: string,
    opts: { action?: string; accountId?: string; region?: string; code?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "CloudError";
    this.kind = kind;
    this.action = opts.action;
    this.accountId = opts.accountId;
    this.region = opts.region;
    this.code = opts.code;
  }

  /** Retrying later may succeed. */
  get transient(): boolean {
    return this.kind === "throttled" || this.kind === "unavailable";
  }
}
