/** Systems Manager: whether an instance is managed (so host triage through SSM is possible). */
import { paginateDescribeInstanceInformation } from "@aws-sdk/client-ssm";
import type { Scope, SsmManagedInstance } from "../model.ts";
import { definedOnly, iso } from "./convert.ts";
import { chunk } from "../limits.ts";
import { allPages, target, type Ctx } from "./session.ts";


/** The InstanceIds filter takes at most 50 values per call. */
const SSM_BATCH = 50;

export async function ssmManagedInstances(ctx: Ctx, scope: Scope, instanceIds: string[]): Promise<SsmManagedInstance[]> {
  const unique = [...new Set(instanceIds)];
  const out: SsmManagedInstance[] = [];
  for (const ids of chunk(unique, SSM_BATCH)) {
    // Ids SSM does not manage are simply absent from the answer.
    const pages = await ctx.session.run("ssm.DescribeInstanceInformation", target(ctx, scope), (ssm) =>
      allPages(paginateDescribeInstanceInformation, ssm, { Filters: [{ Key: "InstanceIds", Values: ids }] }),
    );
    for (const p of pages) {
      for (const i of p.InstanceInformationList ?? []) {
        if (!i.InstanceId) continue;
        out.push(
          definedOnly({
            instanceId: i.InstanceId,
            pingStatus: i.PingStatus ?? "",
            platformType: i.PlatformType,
            platformName: i.PlatformName,
            agentVersion: i.AgentVersion,
            lastPingDateTime: iso(i.LastPingDateTime),
          }),
        );
      }
    }
  }
  return out;
}
