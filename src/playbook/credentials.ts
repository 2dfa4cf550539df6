/**
 * Exposed credentials: record how the key was last used, then deactivate it. Never delete: an
 * inactive key can be turned back on (rollback) if it turns out to be needed, and its id stays
 * in CloudTrail queries for the investigation.
 */
import type { PlanContext } from "./context.ts";
import type { ResolvedKey } from "./types.ts";

export function planCredentials(ctx: PlanContext, keys: ResolvedKey[]): void {
  const { b } = ctx;
  for (const k of keys) {
    const userName = k.accessKey.userName;
    const target = { accountId: k.accountId, region: k.region, type: "access-key", id: k.accessKey.accessKeyId };
    const subjects = [{ accountId: k.accountId, tags: k.user?.tags ?? k.tags }];
    if (!userName || /^(root|<root_account>)$/i.test(userName)) {
      b.warn(`${k.accessKey.accessKeyId} belongs to the root user: only the root user can deactivate it (console, Security credentials). Do it now, then enable MFA on root.`);
      continue;
    }
    const cap = b.add({
      action: "capture-key-usage",
      slug: k.accessKey.accessKeyId,
      target,
      params: { accessKeyId: k.accessKey.accessKeyId, userName },
      reason: "Evidence first: when, where and for which service the key was last used, before it is deactivated.",
      changes: "nothing (reads only)",
      reversible: true,
      risk: "low",
      subjects,
    });
    if (k.accessKey.status === "Inactive") {
      ctx.already.push(`${k.accessKey.accessKeyId} inactive`);
      continue;
    }
    b.add({
      action: "deactivate-access-key",
      slug: k.accessKey.accessKeyId,
      target,
      params: { accessKeyId: k.accessKey.accessKeyId, userName },
      reason: "The key is exposed: whoever holds it can act as the user. Deactivated, not deleted: reversible, and its id stays searchable in CloudTrail.",
      changes: `sets ${k.accessKey.accessKeyId} of ${userName} to Inactive: everything using it fails from now (rotate it into the application first if you can); restored on rollback`,
      reversible: true,
      risk: "high",
      dependsOn: [cap],
      subjects,
    });
  }
  if (keys.length) {
    const ref = ctx.caseKey === ctx.planId ? "CASE" : ctx.caseKey;
    b.warn(`After deactivating: find what the key did with abuse-desk investigate ${ref} --only credentials,trail (its findings and the CloudTrail extracts are kept with the case), remove anything it created, and rotate any secret it could read.`);
  }
}
