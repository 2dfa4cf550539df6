/**
 * The AWS side of the trail logging methods (../port-trail.ts): GetTrailStatus (shared with the
 * readiness read of every trail, ./posture.ts) and StartLogging. There is no StopLogging here, and
 * none in the containment policy: abuse-desk restarts a trail, it never stops one.
 */
import { GetTrailStatusCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail";
import type { Scope } from "../model.ts";
import type { TrailStatus } from "../port-trail.ts";
import { isNotFound } from "./errors.ts";
import { target, type Ctx } from "./session.ts";

/** GetTrailStatus of a trail name (of this region) or ARN; null when CloudTrail knows no such trail. */
export async function getTrailStatus(ctx: Ctx, scope: Scope, trail: string): Promise<TrailStatus | null> {
  try {
    const s = await ctx.session.run("cloudtrail.GetTrailStatus", target(ctx, scope), (ct) => ct.send(new GetTrailStatusCommand({ Name: trail })));
    const delivered = s.LatestDeliveryTime ? s.LatestDeliveryTime.toISOString().slice(0, 19) + "Z" : undefined;
    return { isLogging: s.IsLogging === true, ...(delivered ? { latestDeliveryTime: delivered } : {}), ...(s.LatestDeliveryError ? { latestDeliveryError: s.LatestDeliveryError } : {}) };
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export async function startLogging(ctx: Ctx, scope: Scope, trail: string): Promise<void> {
  await ctx.session.run("cloudtrail.StartLogging", target(ctx, scope), (ct) => ct.send(new StartLoggingCommand({ Name: trail })));
}
