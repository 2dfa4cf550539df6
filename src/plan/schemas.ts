/**
 * Pieces of the action modules' parameter schemas. Strict objects: a key the action does not take
 * is refused, so a plan file cannot smuggle anything past the handler.
 *
 * A value an earlier step produces (the isolation group's id) is written `${STEP_ID.key}` and
 * resolved from that step's journalled result when the step runs: `ref` accepts either.
 */
import { z } from "zod";
import type { NetworkAclEntry } from "../cloud/model.ts";
import type { RuleSpec } from "../cloud/port.ts";

export const REF_PATTERN = /^\$\{[^.}]+\.[^}]+\}$/;

/** An AWS id with its prefix (`i-`, `eni-`, `sg-`...). */
export const awsId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}-[0-9A-Za-z]+$`), `expected a ${prefix}- id`);
/** An id, or a reference to what an earlier step produces. */
export const idOrRef = (prefix: string) => z.union([awsId(prefix), z.string().regex(REF_PATTERN, "expected a step reference")]);

export const instanceId = awsId("i");
export const text = z.string().min(1).max(1024);
export const nonEmpty = z.string().min(1);
/** AWS tag keys and values. */
export const tags = z.record(z.string().min(1).max(128), z.string().max(256));

const port = z.int().min(-1).max(65535);

export const ruleSpec: z.ZodType<RuleSpec> = z.strictObject({
  direction: z.enum(["ingress", "egress"]),
  protocol: z.string().min(1).max(16),
  fromPort: port.optional(),
  toPort: port.optional(),
  cidrIpv4: z.cidrv4().optional(),
  cidrIpv6: z.cidrv6().optional(),
  groupId: idOrRef("sg").optional(),
  prefixListId: awsId("pl").optional(),
  description: z.string().max(255).optional(),
});

export const aclEntry: z.ZodType<NetworkAclEntry> = z.strictObject({
  ruleNumber: z.int().min(1).max(32766),
  egress: z.boolean(),
  protocol: z.string().min(1).max(8),
  ruleAction: z.enum(["allow", "deny"]),
  cidrBlock: z.cidrv4().optional(),
  ipv6CidrBlock: z.cidrv6().optional(),
  portRange: z.strictObject({ from: z.int().min(0).max(65535), to: z.int().min(0).max(65535) }).optional(),
});
