/**
 * CloudFront (global): a distribution with its aliases, origins and tags; and turning it off or on.
 * UpdateDistribution takes the whole configuration back with the ETag it was read with (IfMatch),
 * so a change made by someone else in between is never overwritten: AWS answers PreconditionFailed
 * and the read-modify-write is done again on the fresh configuration.
 */
import {
  GetDistributionCommand,
  GetDistributionConfigCommand,
  ListTagsForResourceCommand,
  UpdateDistributionCommand,
} from "@aws-sdk/client-cloudfront";
import { CloudError } from "../errors.ts";
import type { Distribution } from "../model.ts";
import { tagsOf } from "./convert.ts";
import { isNotFound } from "./errors.ts";
import { global, type Ctx } from "./session.ts";


/** Read-modify-write attempts when the configuration changes under us. */
const ETAG_ATTEMPTS = 3;

export async function getDistribution(ctx: Ctx, accountId: string, id: string): Promise<Distribution | null> {
  let d;
  try {
    d = (await ctx.session.run("cloudfront.GetDistribution", global(ctx, accountId), (cf) => cf.send(new GetDistributionCommand({ Id: id })))).Distribution;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  if (!d?.Id) return null;
  const arn = d.ARN ?? "";
  const tags = arn
    ? tagsOf((await ctx.session.run("cloudfront.ListTagsForResource", global(ctx, accountId), (cf) => cf.send(new ListTagsForResourceCommand({ Resource: arn })))).Tags?.Items)
    : {};
  const cfg = d.DistributionConfig;
  return {
    id: d.Id,
    arn,
    domainName: d.DomainName ?? "",
    aliases: cfg?.Aliases?.Items ?? [],
    enabled: cfg?.Enabled ?? false,
    origins: (cfg?.Origins?.Items ?? []).map((o) => o.DomainName ?? "").filter(Boolean),
    status: d.Status ?? "",
    tags,
  };
}

export async function setDistributionEnabled(ctx: Ctx, accountId: string, id: string, enabled: boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.session.run("cloudfront.GetDistributionConfig", global(ctx, accountId), (cf) => cf.send(new GetDistributionConfigCommand({ Id: id })));
    const config = current.DistributionConfig;
    if (!config || !current.ETag) throw new CloudError("invalid", `GetDistributionConfig ${id} returned no configuration`, { accountId, action: "GetDistributionConfig" });
    // Already as asked: nothing to write (a resumed plan must not update twice).
    if (config.Enabled === enabled) return;
    try {
      await ctx.session.run("cloudfront.UpdateDistribution", global(ctx, accountId), (cf) =>
        cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: { ...config, Enabled: enabled } })),
      );
      return;
    } catch (err) {
      if (err instanceof CloudError && err.code === "PreconditionFailed" && attempt < ETAG_ATTEMPTS) continue;
      throw err;
    }
  }
}
