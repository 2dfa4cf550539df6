/**
 * The cloud port's methods for a CloudTrail trail an attacker stopped (issue 14, defence evasion):
 * read whether a trail logs (GetTrailStatus) and restart it (StartLogging). There is deliberately
 * no StopLogging: whoever holds abuse-desk's containment role must not be able to blind an account,
 * so a restarted trail stays on after a rollback (src/plan/actions/trail.ts). CloudReader and
 * CloudWriter extend these interfaces; the simulator (src/cloud/sim/trail-logging.ts) and the AWS
 * adapter (src/cloud/aws/trail-logging.ts) implement them, test/cloud/contract-trail.ts checks both.
 */
import type { Scope } from "./model.ts";

/** A trail's status (GetTrailStatus). */
export interface TrailStatus {
  isLogging: boolean;
  /** When CloudTrail last delivered a log file (ISO 8601, whole seconds), when it has. */
  latestDeliveryTime?: string;
  latestDeliveryError?: string;
}

/**
 * CloudTrail's trail name grammar (CreateTrail): 3-128 letters, digits, `.`, `_`, `-`, starting
 * and ending with a letter or digit, no `..`, `._`, `-_`... adjacent; or a trail ARN. Names that come
 * from CloudTrail events are the attacker's text: they are checked against this before any call.
 */
const TRAIL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{1,126})[A-Za-z0-9]$/;
const TRAIL_ARN = /^arn:aws(?:-[a-z]+)*:cloudtrail:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):(\d{12}):trail\/([A-Za-z0-9._-]{3,128})$/;

/** The trail a name or ARN designates, or null when it is neither (the text is not passed to AWS). */
export function parseTrailRef(ref: string): { name: string; arn?: { region: string; accountId: string } } | null {
  const m = TRAIL_ARN.exec(ref);
  if (m) return TRAIL_NAME.test(m[3]!) && !/[._-]{2}/.test(m[3]!) ? { name: m[3]!, arn: { region: m[1]!, accountId: m[2]! } } : null;
  return TRAIL_NAME.test(ref) && !/[._-]{2}/.test(ref) ? { name: ref } : null;
}

export interface TrailReader {
  /**
   * Whether a trail logs now. `trail` is a trail name (a trail of this region) or a trail ARN (any
   * region of the account). Null when there is no such trail (deleted, or never there).
   */
  getTrailStatus(scope: Scope, trail: string): Promise<TrailStatus | null>;
}

export interface TrailWriter {
  /** StartLogging, called in the trail's home region (CloudTrail refuses it elsewhere). Logging already on is no error. */
  startLogging(scope: Scope, trail: string): Promise<void>;
}
