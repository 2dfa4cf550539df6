/**
 * The estate's `instanceProfiles:` of an account (IAM instance profiles and the role in each), added
 * to the account schema with one line. A role named here that the account's `iam.roles` does not
 * list still gets the ARN AWS would give it (path /).
 */
import { z } from "zod";

export const instanceProfilesSchema = z
  .array(
    z
      .object({
        instanceProfileName: z.string().regex(/^[\w+=,.@-]{1,128}$/, "not an instance profile name"),
        path: z.string().regex(/^\/([\w+=,.@-]+\/)*$/, "an IAM path (/ or /a/b/)").default("/"),
        roles: z.array(z.string().regex(/^[\w+=,.@-]{1,64}$/, "not a role name")).max(1, "an instance profile holds at most one role").default([]),
      })
      .strict(),
  )
  .default([]);
