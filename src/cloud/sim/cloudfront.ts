/**
 * The simulated CloudFront calls: a distribution's record, and enabling or disabling it.
 */
import type { Distribution } from "../model.ts";
import { notFound, type SimCore } from "./core.ts";

export function getDistribution(api: SimCore, accountId: string, distributionId: string): Distribution | null {
  const d = api.account(accountId, "cloudfront:GetDistribution").distributions.get(distributionId);
  return d ? structuredClone(d) : null;
}

export function setDistributionEnabled(api: SimCore, accountId: string, distributionId: string, enabled: boolean): void {
  const action = "cloudfront:UpdateDistribution";
  const d = api.account(accountId, action).distributions.get(distributionId);
  if (!d) throw notFound("NoSuchDistribution", `the specified distribution does not exist: ${distributionId}`, action, { accountId });
  d.enabled = enabled;
  api.log(api.globalTrail(accountId), "UpdateDistribution", { id: distributionId, distributionConfig: { enabled } }, null, [{ type: "AWS::CloudFront::Distribution", name: distributionId }]);
}
