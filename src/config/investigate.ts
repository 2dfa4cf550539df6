/**
 * The `investigate:` section of the configuration file -> InvestigateOptions (flags override).
 * docs/investigate.md documents every key.
 *
 *   investigate:
 *     marginMinutes: 30          # the notice's window widened on each side
 *     engine: local              # or athena (large estates)
 *     afterContainment: true     # the service investigates a case once its containment is applied
 *     athena: { accountId: "111122223333", region: eu-west-1, database: abuse_desk, workgroup: primary, outputLocation: s3://bucket/athena/ }
 *     orgTrail: { accountId: "111122223333", region: eu-west-1, bucket: org-trail-logs, prefix: trail, organizationId: o-abc123 }
 *     hostOutputs: { bucket: ssm-outputs, prefix: triage/, region: eu-west-1 }
 *     hostTimeoutSeconds: 120
 *     flowLogs: { deliverySlackMinutes: 30, maxFiles: 5000, maxBytes: 8589934592, memoryLimit: 512MB, bucketOwners: { log-archive-bucket: "444455556666" } }
 */
import { z } from "zod";
import type { InvestigateOptions } from "../investigate/types.ts";
import { parseSection, readConfigFile, type ConfigDocument, type Env } from "./file.ts";

const accountId = z.string().regex(/^\d{12}$/, "an AWS account id is 12 digits (quote it in YAML)");
const region = z.string().regex(/^[a-z]{2,4}(-[a-z]+){1,3}-\d+$/, "not a region code (eu-west-1, us-east-1...)");
// S3 bucket naming rules (no dots at the ends, no "..", 3-63 characters).
const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not an S3 bucket name").refine((b) => !b.includes(".."), "not an S3 bucket name");
const prefix = z
  .string()
  .max(900)
  .refine((p) => !p.split("/").includes(".."), "a prefix may not hold a .. segment");

export const investigateSection = z
  .object({
    marginMinutes: z.number().int().min(0).max(7 * 24 * 60).default(30),
    engine: z.enum(["local", "athena"]).default("local"),
    afterContainment: z.boolean().default(false),
    athena: z
      .object({
        accountId,
        region,
        database: z.string().regex(/^[a-z0-9_]{1,255}$/, "an Athena database name: lower-case letters, digits and _"),
        workgroup: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, "not a workgroup name").optional(),
        outputLocation: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, "an s3://bucket/prefix/ URI"),
      })
      .strict()
      .optional(),
    orgTrail: z
      .object({ accountId, region, bucket, prefix: prefix.optional(), organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, "an organization id (o-...)").optional() })
      .strict()
      .optional(),
    hostOutputs: z.object({ bucket, prefix: prefix.optional(), region: region.optional() }).strict().optional(),
    hostTimeoutSeconds: z.number().int().min(10).max(3600).default(120),
    flowLogs: z
      .object({
        deliverySlackMinutes: z.number().int().min(0).max(24 * 60).optional(),
        maxFiles: z.number().int().min(1).max(100_000).optional(),
        maxBytes: z.number().int().min(1).max(1024 ** 4).optional(),
        memoryLimit: z.string().regex(/^\d{1,6}(KB|MB|GB)$/, "a DuckDB memory limit (512MB, 2GB)").optional(),
        bucketOwners: z.record(bucket, accountId).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type InvestigateSettings = InvestigateOptions & { afterContainment: boolean };

export function investigateSettings(doc: ConfigDocument = readConfigFile()): InvestigateSettings {
  const s = parseSection(investigateSection, doc, "investigate");
  return {
    marginMinutes: s.marginMinutes,
    engine: s.engine,
    hostTimeoutSeconds: s.hostTimeoutSeconds,
    afterContainment: s.afterContainment,
    ...(s.athena ? { athena: s.athena } : {}),
    ...(s.orgTrail ? { orgTrail: s.orgTrail } : {}),
    ...(s.hostOutputs ? { hostOutputs: s.hostOutputs } : {}),
    ...(s.flowLogs ? { flowLogs: s.flowLogs } : {}),
  };
}

/** The options of one run: the file's, with the command line's flags over them. */
export function investigateOptions(flags: { engine?: "local" | "athena"; margin?: number }, env: Env = process.env): InvestigateOptions {
  const { afterContainment: _a, ...options } = investigateSettings(readConfigFile(env));
  return { ...options, ...(flags.engine ? { engine: flags.engine } : {}), ...(flags.margin !== undefined ? { marginMinutes: flags.margin } : {}) };
}
