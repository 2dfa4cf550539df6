/**
 * The estate's `posture:` section of an account: what the readiness checks read (src/cloud/port-posture.ts).
 * Absent means an account with none of it set up: no security contact, no trail, no GuardDuty, no
 * rules, root without MFA (a new account, as AWS hands it over). See docs/sim.md.
 */
import { z } from "zod";

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const region = z.string().regex(REGION, "not an AWS region code");
const isoTime = z.iso.datetime({ offset: true, message: "not an ISO 8601 date-time (2025-05-01T10:00:00Z)" });

const trail = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{3,128}$/, "not a trail name"),
    homeRegion: region,
    isMultiRegionTrail: z.boolean().default(true),
    isOrganizationTrail: z.boolean().default(false),
    logFileValidationEnabled: z.boolean().default(true),
    s3BucketName: z.string().optional(),
    isLogging: z.boolean().default(true),
    latestDeliveryTime: isoTime.optional(),
    latestDeliveryError: z.string().optional(),
  })
  .strict();

const eventRule = z
  .object({
    name: z.string().regex(/^[.\-_A-Za-z0-9]{1,64}$/, "not an EventBridge rule name"),
    state: z.enum(["ENABLED", "DISABLED"]).default("ENABLED"),
    eventPattern: z.string().optional(),
    targets: z.array(z.string()).default([]),
  })
  .strict();

export const postureSchema = z
  .object({
    securityContact: z.object({ name: z.string(), title: z.string().default(""), emailAddress: z.string(), phoneNumber: z.string().default("") }).strict().optional(),
    root: z
      .object({ mfaActive: z.boolean().default(false), accessKeys: z.number().int().min(0).max(2).default(0), passwordLastUsed: isoTime.optional() })
      .strict()
      .default({ mfaActive: false, accessKeys: 0 }),
    /** IAM users with a console password: their MFA and last sign-in (users without are API-only). */
    consoleUsers: z.array(z.object({ userName: z.string(), mfaActive: z.boolean().default(false), passwordLastUsed: isoTime.optional() }).strict()).default([]),
    /** Account-level S3 Block Public Access; absent: none set. */
    publicAccessBlock: z
      .object({ blockPublicAcls: z.boolean(), ignorePublicAcls: z.boolean(), blockPublicPolicy: z.boolean(), restrictPublicBuckets: z.boolean() })
      .strict()
      .optional(),
    /** Bucket name -> where its server access logs go. */
    bucketLogging: z.record(z.string(), z.object({ targetBucket: z.string(), targetPrefix: z.string().default("") }).strict()).default({}),
    trails: z.array(trail).default([]),
    /** Region -> GuardDuty detector status (a region not listed has no detector). */
    guardDuty: z.record(region, z.enum(["ENABLED", "DISABLED"])).default({}),
    /** Region -> rules of its default event bus. */
    eventRules: z.record(region, z.array(eventRule)).default({}),
    /** Instance id -> applications SSM Inventory recorded on it. */
    inventory: z.record(z.string(), z.array(z.object({ name: z.string(), version: z.string().optional() }).strict())).default({}),
  })
  .strict();

export type PostureInput = z.output<typeof postureSchema>;

export const EMPTY_POSTURE: PostureInput = postureSchema.parse({});
