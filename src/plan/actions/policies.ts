/**
 * Containing the policies an attacker attached or put (issue 14): `detach-policy` detaches a
 * managed policy from a user, a role or a group, `remove-inline-policy` deletes an inline one. Both
 * read the state first (already detached or gone: skipped, recorded as such), both are undone
 * exactly: the managed policy is attached again, the inline document (kept in the journal as the
 * step's `before`: it is evidence) is put back byte for byte.
 *
 * Never touched, whatever a plan file says (the parameter schema refuses them): the quarantine
 * policy AWS attaches to an exposed key's user (`arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine*`)
 * and abuse-desk's own deny policies (AWSRevokeOlderSessions, AbuseDeskQuarantine). A step on one
 * of the customer's own principals is a person's decision (`person`): no policy rule runs it
 * without one.
 */
import { z } from "zod";
import { IAM_POLICY_ARN, IAM_POLICY_NAME, IAM_PRINCIPAL_NAME, ownerParts, type PolicyOwner } from "../../cloud/port-iam.ts";
import { StepError } from "../errors.ts";
import { defineAction, type Handler } from "../action.ts";
import { QUARANTINE_POLICY_NAME, REVOKE_POLICY_NAME, samePolicy } from "./credentials.ts";

/** AWS's quarantine policy, any version and partition: detected and reported, never removed. */
export const AWS_QUARANTINE_ARN = /^arn:aws(-[a-z]+)*:iam::aws:policy\/(.*\/)?AWSCompromisedKeyQuarantine/;
const QUARANTINE_NAME = /^AWSCompromisedKeyQuarantine/;
/** Inline policies abuse-desk itself puts (revoke sessions, quarantine a user): its own steps undo them. */
export const DESK_POLICY_NAMES: ReadonlySet<string> = new Set([REVOKE_POLICY_NAME, QUARANTINE_POLICY_NAME]);

/** Whether a managed policy may be detached by a plan: not AWS's quarantine policy. */
export const detachable = (policyArn: string): boolean => IAM_POLICY_ARN.test(policyArn) && !AWS_QUARANTINE_ARN.test(policyArn);
/** Whether an inline policy may be removed by a plan: not abuse-desk's own, not named as AWS's quarantine. */
export const removable = (policyName: string): boolean => IAM_POLICY_NAME.test(policyName) && !DESK_POLICY_NAMES.has(policyName) && !QUARANTINE_NAME.test(policyName);

const name = z.string().regex(IAM_PRINCIPAL_NAME, "expected an IAM user, role or group name");
const owner = z.union([z.strictObject({ userName: name }), z.strictObject({ roleName: name }), z.strictObject({ groupName: name })]);
/** Whose principal it is: one the attacker created (CreateUser/CreateRole/CreateGroup in the sweep) or the customer's own. */
const principal = z.enum(["created-by-attacker", "yours"]);

const PARAMS = {
  "detach-policy": z.strictObject({
    owner,
    policyArn: z
      .string()
      .regex(IAM_POLICY_ARN, "expected a managed policy ARN (arn:aws:iam::aws:policy/NAME or arn:aws:iam::ACCOUNT:policy/PATH/NAME)")
      .refine((a) => !AWS_QUARANTINE_ARN.test(a), "AWS's quarantine policy (AWSCompromisedKeyQuarantine*) is never detached by abuse-desk"),
    principal,
  }),
  "remove-inline-policy": z.strictObject({
    owner,
    policyName: z
      .string()
      .regex(IAM_POLICY_NAME, "expected an IAM policy name")
      .refine((n) => !DESK_POLICY_NAMES.has(n), "abuse-desk's own deny policies are removed only by rolling back the step that put them")
      .refine((n) => !QUARANTINE_NAME.test(n), "a policy named as AWS's quarantine policy is never removed by abuse-desk"),
    principal,
  }),
};
type ActionParams = { [K in keyof typeof PARAMS]: z.infer<(typeof PARAMS)[K]> };

const ownerText = (o: PolicyOwner) => `${ownerParts(o).kind} ${ownerParts(o).name}`;
const verb = (o: PolicyOwner) => ({ user: "User", role: "Role", group: "Group" })[ownerParts(o).kind];
const ownerParam = (o: PolicyOwner): Record<string, string> => ({ [`${verb(o)}Name`]: ownerParts(o).name });

export const detachPolicy: Handler<ActionParams["detach-policy"], { attached: boolean }, { detached: boolean }> = {
  async observe(ctx) {
    const list = await ctx.port.listAttachedPolicies(ctx.scope.accountId, ctx.params.owner);
    if (list === null) throw new StepError(`${ownerText(ctx.params.owner)} no longer exists in ${ctx.scope.accountId}`);
    return { attached: list.some((a) => a.arn === ctx.params.policyArn) };
  },
  async run(ctx, now) {
    if (!now.attached) return { outcome: "skipped", after: { detached: false } };
    await ctx.port.detachManagedPolicy(ctx.scope.accountId, ctx.params.owner, ctx.params.policyArn);
    return { outcome: "done", after: { detached: true } };
  },
  async undo(ctx, before) {
    const now = await this.observe(ctx);
    if (now.attached === before.attached) return { outcome: "nothing" };
    // Only what was there is put back: a policy attached since by someone else is theirs.
    if (!before.attached) return { outcome: "nothing" };
    await ctx.port.attachManagedPolicy(ctx.scope.accountId, ctx.params.owner, ctx.params.policyArn);
    return { outcome: "rolled-back" };
  },
};

/** `before.document` is the inline policy as IAM holds it (URL-decoded JSON text): the journal keeps it, rollback puts it back exactly. */
export const removeInlinePolicy: Handler<ActionParams["remove-inline-policy"], { document: string | null }, { removed: boolean }> = {
  async observe(ctx) {
    return { document: await ctx.port.getInlinePolicy(ctx.scope.accountId, ctx.params.owner, ctx.params.policyName) };
  },
  async run(ctx, now) {
    if (now.document === null) return { outcome: "skipped", after: { removed: false } };
    await ctx.port.deleteInlinePolicy(ctx.scope.accountId, ctx.params.owner, ctx.params.policyName);
    return { outcome: "done", after: { removed: true } };
  },
  async undo(ctx, before) {
    const now = await this.observe(ctx);
    if (now.document === before.document || (now.document !== null && samePolicy(now.document, before.document))) return { outcome: "nothing" };
    if (before.document === null) return { outcome: "nothing" };
    if (now.document !== null)
      throw new StepError(`the inline policy ${ctx.params.policyName} of ${ownerText(ctx.params.owner)} was put again by someone since this plan removed it: not replaced; the removed document is in the journal`);
    await ctx.port.putInlinePolicy(ctx.scope.accountId, ctx.params.owner, ctx.params.policyName, before.document);
    return { outcome: "rolled-back" };
  },
};

export const DETACH_POLICY = defineAction({
  summary:
    "detaches a managed policy the attacker attached to a user, role or group (attached again on rollback); never AWS's quarantine policy; on your own principals only with a person's approval",
  params: PARAMS["detach-policy"],
  target: { type: "iam-principal", id: (p) => ownerParts(p.owner).name },
  calls: (p) => [{ api: `iam:Detach${verb(p.owner)}Policy`, params: { ...ownerParam(p.owner), PolicyArn: p.policyArn } }],
  handler: detachPolicy,
  uses: ["listAttachedPolicies", "detachManagedPolicy", "attachManagedPolicy"],
  person: (p) => p.principal !== "created-by-attacker",
});

export const REMOVE_INLINE_POLICY = defineAction({
  summary:
    "deletes an inline policy the attacker put on a user, role or group; its document is kept in the journal and put back exactly on rollback; never abuse-desk's own deny policies; on your own principals only with a person's approval",
  params: PARAMS["remove-inline-policy"],
  target: { type: "iam-principal", id: (p) => ownerParts(p.owner).name },
  calls: (p) => [
    { api: `iam:Get${verb(p.owner)}Policy`, params: { ...ownerParam(p.owner), PolicyName: p.policyName } },
    { api: `iam:Delete${verb(p.owner)}Policy`, params: { ...ownerParam(p.owner), PolicyName: p.policyName } },
  ],
  handler: removeInlinePolicy,
  uses: ["getInlinePolicy", "deleteInlinePolicy", "putInlinePolicy"],
  person: (p) => p.principal !== "created-by-attacker",
});
