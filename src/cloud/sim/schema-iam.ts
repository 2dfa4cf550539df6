/**
 * The estate's sections for a compromised credential (issue 14): a user's console password and
 * inline policies, roles with their trust policy, spot instance requests and the SES account of a
 * region. Added to the estate schema (./schema.ts) one line each.
 */
import { z } from "zod";

const isoTime = z.iso.datetime({ offset: true, message: "not an ISO 8601 date-time (2025-05-01T10:00:00Z)" });
const tags = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({});
/** A policy document, written as YAML (an object) or as JSON text; kept as JSON text. */
const policyDocument = z.union([z.string(), z.record(z.string(), z.unknown())]).transform((d) => (typeof d === "string" ? d : JSON.stringify(d)));

/** Fields an IAM user gains (merged into the user schema). */
export const iamUserExtra = {
  /** The console password: present means the user can sign in to the console. */
  loginProfile: z.object({ createDate: isoTime, passwordResetRequired: z.boolean().default(false) }).strict().optional(),
  /** Inline policies by name. */
  inlinePolicies: z.record(z.string().regex(/^[\w+=,.@-]{1,128}$/), policyDocument).default({}),
};

export const iamRole = z
  .object({
    roleName: z.string().regex(/^[\w+=,.@-]{1,64}$/),
    path: z.string().default("/"),
    createDate: isoTime,
    trustPolicy: policyDocument,
    attachedPolicies: z.array(z.string()).default([]),
    inlinePolicies: z.record(z.string().regex(/^[\w+=,.@-]{1,128}$/), policyDocument).default({}),
  })
  .strict();

export const spotRequest = z
  .object({
    spotInstanceRequestId: z.string().regex(/^sir-[a-z0-9]{8,17}$/),
    state: z.enum(["open", "active", "closed", "cancelled", "failed"]).default("active"),
    instanceType: z.string().optional(),
    instanceId: z.string().optional(),
    createTime: isoTime,
    tags,
  })
  .strict();

export const sesAccount = z
  .object({ sendingEnabled: z.boolean().default(true), productionAccessEnabled: z.boolean().default(false), max24HourSend: z.number().int().min(0).default(200) })
  .strict();

/** An IAM group with its policies (account.iam.groups): what a policy the attacker attached to a group is read from. */
export const iamGroup = z
  .object({
    groupName: z.string().regex(/^[\w+=,.@-]{1,128}$/),
    path: z.string().default("/"),
    createDate: isoTime,
    attachedPolicies: z.array(z.string()).default([]),
    inlinePolicies: z.record(z.string().regex(/^[\w+=,.@-]{1,128}$/), policyDocument).default({}),
  })
  .strict();
