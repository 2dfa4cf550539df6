/**
 * IAM GetInstanceProfile on AWS (src/cloud/port-profile.ts): the role(s) of an instance profile,
 * null when the account has no profile of that name (NoSuchEntity).
 */
import { GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import type { InstanceProfile } from "../port-profile.ts";
import { isNotFound } from "./errors.ts";
import { global, type Ctx } from "./session.ts";

export async function getInstanceProfile(ctx: Ctx, accountId: string, name: string): Promise<InstanceProfile | null> {
  let out;
  try {
    out = await ctx.session.run("iam.GetInstanceProfile", global(ctx, accountId), (iam) => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name })));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const p = out.InstanceProfile;
  if (!p) return null;
  return {
    instanceProfileName: p.InstanceProfileName ?? name,
    arn: p.Arn ?? "",
    path: p.Path ?? "/",
    roles: (p.Roles ?? []).map((r) => ({ roleName: r.RoleName ?? "", arn: r.Arn ?? "" })),
  };
}
