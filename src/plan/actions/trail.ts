/**
 * Containing defence evasion (issue 14): restart logging of a CloudTrail trail the attacker stopped.
 * The handler reads the trail's status first: a trail that already logs is skipped (run twice, one
 * StartLogging at most); a trail that no longer exists is an error that says to recreate it by hand
 * (abuse-desk creates no trail). Rollback deliberately leaves the trail logging: abuse-desk's
 * containment role has no cloudtrail:StopLogging (it is denied), so whoever holds the role can never
 * blind the account; the rollback says so and names the command a person would run.
 */
import { z } from "zod";
import { parseTrailRef } from "../../cloud/port-trail.ts";
import { StepError } from "../errors.ts";
import { defineAction, type Handler } from "../action.ts";

const PARAMS = z.strictObject({
  /** The trail's name or ARN, as CloudTrail's StopLogging event named it (checked against CloudTrail's grammar). */
  trail: z.string().max(300).refine((t) => parseTrailRef(t) !== null, "expected a CloudTrail trail name or trail ARN"),
});
type Params = z.infer<typeof PARAMS>;

/** The command a person runs to stop the trail again (abuse-desk never does). */
export function stopLoggingByHand(trail: string, region: string): string {
  return `aws cloudtrail stop-logging --name ${trail} --region ${region}`;
}

export const startLogging: Handler<Params, { exists: boolean; isLogging: boolean }, { started: boolean }> = {
  async observe(ctx) {
    const ref = parseTrailRef(ctx.params.trail);
    if (!ref) throw new StepError(`${JSON.stringify(ctx.params.trail)} is not a CloudTrail trail name or ARN`);
    if (ref.arn && (ref.arn.region !== ctx.scope.region || ref.arn.accountId !== ctx.scope.accountId))
      throw new StepError(`${ctx.params.trail} is homed in ${ref.arn.accountId}/${ref.arn.region}, not ${ctx.scope.accountId}/${ctx.scope.region}: CloudTrail restarts a trail only from its home region`);
    const s = await ctx.port.getTrailStatus(ctx.scope, ctx.params.trail);
    return { exists: s !== null, isLogging: s?.isLogging ?? false };
  },
  async run(ctx, now) {
    if (!now.exists) throw new StepError(`the trail ${ctx.params.trail} no longer exists (deleted): recreate it by hand (abuse-desk creates no trail)`);
    if (now.isLogging) return { outcome: "skipped", after: { started: false } };
    await ctx.port.startLogging(ctx.scope, ctx.params.trail);
    return { outcome: "done", after: { started: true } };
  },
  async undo(ctx, _before, after) {
    if (!after?.started) return { outcome: "nothing" };
    return {
      outcome: "kept",
      detail: { left: `${ctx.params.trail} left logging: abuse-desk never stops a trail; by hand: ${stopLoggingByHand(ctx.params.trail, ctx.scope.region)}` },
    };
  },
};

export const START_LOGGING = defineAction({
  summary: "restarts logging of a CloudTrail trail the attacker stopped (StartLogging, in the trail's home region); rollback LEAVES IT LOGGING: abuse-desk never stops a trail (its role is denied cloudtrail:StopLogging)",
  params: PARAMS,
  target: { type: "cloudtrail-trail", id: (p) => p.trail },
  calls: (p) => [{ api: "cloudtrail:StartLogging", params: { Name: p.trail } }],
  handler: startLogging,
  uses: ["getTrailStatus", "startLogging"],
});
