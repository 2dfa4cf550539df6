/**
 * The simulator's side of the trail logging methods (../port-trail.ts), over the estate's
 * `posture.trails`. AWS's rules kept: a name designates a trail that applies to the region
 * (homed there, or multi-region); an ARN designates the account's trail wherever it is homed;
 * StartLogging must be called in the trail's home region (InvalidHomeRegionException elsewhere) and
 * is no error on a trail that already logs; an unknown trail is TrailNotFoundException. Logging an
 * estate trail as stopped is `isLogging: false` (what the scripted attacker's StopLogging left).
 */
import { CloudError } from "../errors.ts";
import type { Scope } from "../model.ts";
import type { TrailStatus } from "../port-trail.ts";
import type { PostureInput } from "./posture-schema.ts";
import type { AccountState, RegionState } from "./state.ts";

export interface SimTrailHost {
  account(accountId: string, action?: string): AccountState;
  region(scope: Scope, action: string): RegionState;
  record(where: { accountId: string; region?: string }, eventName: string, requestParameters: Record<string, unknown>, resources: { type?: string; name?: string }[]): void;
}

type Trail = PostureInput["trails"][number];

const arnOf = (accountId: string, t: Trail) => `arn:aws:cloudtrail:${t.homeRegion}:${accountId}:trail/${t.name}`;

function find(h: SimTrailHost, scope: Scope, ref: string, action: string): Trail | undefined {
  h.region(scope, action);
  const trails = h.account(scope.accountId).posture.trails;
  if (ref.startsWith("arn:")) return trails.find((t) => arnOf(scope.accountId, t) === ref);
  return trails.find((t) => t.name === ref && (t.isMultiRegionTrail || t.homeRegion === scope.region));
}

export function getTrailStatus(h: SimTrailHost, scope: Scope, ref: string): TrailStatus | null {
  const t = find(h, scope, ref, "cloudtrail:GetTrailStatus");
  if (!t) return null;
  return {
    isLogging: t.isLogging,
    ...(t.latestDeliveryTime !== undefined ? { latestDeliveryTime: t.latestDeliveryTime } : {}),
    ...(t.latestDeliveryError !== undefined ? { latestDeliveryError: t.latestDeliveryError } : {}),
  };
}

export function startLogging(h: SimTrailHost, scope: Scope, ref: string): void {
  const action = "cloudtrail:StartLogging";
  const t = find(h, scope, ref, action);
  if (!t) throw new CloudError("not-found", `Unknown trail: ${ref} for the user: ${scope.accountId}`, { code: "TrailNotFoundException", action, ...scope });
  if (t.homeRegion !== scope.region)
    throw new CloudError("invalid", `This operation must be called from the trail's home region (${t.homeRegion}), not ${scope.region}`, { code: "InvalidHomeRegionException", action, ...scope });
  t.isLogging = true;
  h.record(scope, "StartLogging", { name: ref }, [{ type: "AWS::CloudTrail::Trail", name: arnOf(scope.accountId, t) }]);
}
