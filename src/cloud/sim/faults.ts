/**
 * Fault injection: latency, throttling, access denied and 5xx, per call and per account/region.
 * A rule matches a call by port method name (`describeAddresses`), IAM action
 * (`ec2:DescribeAddresses`), service wildcard (`ec2:*`) or `*`. "N times then succeed" counts per
 * rule and per account/region, so "throttle DescribeInstances twice" throttles it twice in each
 * region. Latency is deterministic (no jitter): the same estate and rules give the same timings.
 */
import { CloudError } from "../errors.ts";
import { ruleMatches } from "./actions.ts";

export interface FaultRule {
  /** Port method, IAM action, `service:*` or `*`. */
  call: string;
  /** Only in this account (default: every account). */
  accountId?: string;
  /** Only in this region (default: every region; account-wide calls such as IAM have no region). */
  region?: string;
  /** Added to every attempt, in milliseconds (the largest of the matching rules applies). */
  latencyMs?: number;
  /** Throttle the first N attempts (then succeed), or every attempt. */
  throttle?: number | "always";
  /** Refuse with AccessDenied, naming the IAM action. */
  accessDenied?: boolean;
  /** Fail with a 5xx (InternalError / ServiceUnavailable) the first N attempts, or every attempt. */
  serverError?: number | "always";
}

/**
 * The error codes each service really answers with: EC2 says UnauthorizedOperation and
 * RequestLimitExceeded, the JSON-protocol services AccessDeniedException and ThrottlingException,
 * Organizations TooManyRequestsException, S3 SlowDown, the rest AccessDenied and Throttling.
 */
function codesOf(action: string): { denied: string; throttled: string } {
  switch (action.slice(0, action.indexOf(":"))) {
    case "ec2":
      return { denied: "UnauthorizedOperation", throttled: "RequestLimitExceeded" };
    case "cloudtrail":
    case "ssm":
      return { denied: "AccessDeniedException", throttled: "ThrottlingException" };
    case "organizations":
      return { denied: "AccessDeniedException", throttled: "TooManyRequestsException" };
    case "s3":
      return { denied: "AccessDenied", throttled: "SlowDown" };
    default:
      return { denied: "AccessDenied", throttled: "Throttling" };
  }
}

export interface Attempt {
  method: string;
  actions: readonly string[];
  accountId?: string;
  region?: string;
}

export class Faults {
  private rules: FaultRule[] = [];
  private counts = new Map<string, number>();

  constructor(rules: FaultRule[] = [], private readonly defaultLatencyMs = 0) {
    for (const r of rules) this.add(r);
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
    this.counts.clear();
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The latency of this attempt and the error it fails with, if any. Counts the attempt. */
  decide(a: Attempt): { latencyMs: number; error: CloudError | null } {
    let latencyMs = this.defaultLatencyMs;
    let error: CloudError | null = null;
    this.rules.forEach((rule, index) => {
      if (rule.accountId !== undefined && rule.accountId !== a.accountId) return;
      if (rule.region !== undefined && rule.region !== a.region) return;
      const action = ruleMatches(rule.call, a.method, a.actions);
      if (action === null) return;
      if (rule.latencyMs !== undefined) latencyMs = Math.max(latencyMs, rule.latencyMs);
      if (error) return;
      const where = { action, accountId: a.accountId, region: a.region };
      const place = a.region ? `${a.accountId}/${a.region}` : `${a.accountId ?? "the caller"}`;
      if (rule.accessDenied) {
        error = new CloudError("access-denied", `access denied: the caller is not authorized to perform ${action} in ${place}`, {
          ...where,
          code: codesOf(action).denied,
        });
        return;
      }
      const key = `${index}|${a.accountId ?? ""}|${a.region ?? ""}`;
      const n = (this.counts.get(key) ?? 0) + 1;
      if (rule.throttle !== undefined || rule.serverError !== undefined) this.counts.set(key, n);
      if (rule.throttle !== undefined && (rule.throttle === "always" || n <= rule.throttle)) {
        error = new CloudError("throttled", `throttled: ${action} in ${place} (Rate exceeded)`, { ...where, code: codesOf(action).throttled });
        return;
      }
      if (rule.serverError !== undefined && (rule.serverError === "always" || n <= rule.serverError)) {
        error = new CloudError("unavailable", `${action} in ${place} failed with a server error (InternalError)`, { ...where, code: "InternalError" });
      }
    });
    return { latencyMs, error };
  }
}
