/**
 * Cutting a compromised credential off and containing what the attacker made (issue 14): revoke
 * active sessions of a user or a role (the console's "Revoke active sessions" policy), quarantine a
 * user the attacker created, restore a role's trust policy the attacker changed, cancel spot
 * requests, suspend SES sending; and, only when a person asks, remove a console password (the one
 * step here that cannot be undone). Every handler reads the state first, so running a step twice
 * makes each call at most once, and undo restores exactly what was there before.
 */
import { z } from "zod";
import { ownerParts, type InlinePolicyOwner } from "../../cloud/port-iam.ts";
import { StepError } from "../errors.ts";
import { defineAction, type Handler, type StepContext } from "../action.ts";

/** The console's "Revoke active sessions" writes this inline policy (roles); the same name is used for users. */
export const REVOKE_POLICY_NAME = "AWSRevokeOlderSessions";
/** Denies everything to a user the attacker created, whatever credential it uses (keys, console). */
export const QUARANTINE_POLICY_NAME = "AbuseDeskQuarantine";

const iamName = z.string().regex(/^[\w+=,.@-]{1,64}$/, "expected an IAM user or role name");
const owner = z.union([z.strictObject({ userName: iamName }), z.strictObject({ roleName: iamName })]);
const isoSecond = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, "expected an ISO 8601 time to the second (2025-06-01T12:00:00Z)");
const policyText = z.string().max(10_240).refine((t) => {
  try {
    const v = JSON.parse(t) as unknown;
    return typeof v === "object" && v !== null && "Statement" in v;
  } catch {
    return false;
  }
}, "expected a policy document (JSON with a Statement)");

const PARAMS = {
  "revoke-sessions": z.strictObject({ owner, issuedBefore: isoSecond }),
  "quarantine-user": z.strictObject({ userName: iamName }),
  "restore-trust-policy": z.strictObject({ roleName: iamName, restore: policyText, attacker: policyText }),
  "cancel-spot-requests": z.strictObject({ spotInstanceRequestIds: z.array(z.string().regex(/^sir-[a-z0-9]{8,17}$/, "expected a spot request id")).min(1).max(100) }),
  "suspend-ses-sending": z.strictObject({}),
  "delete-login-profile": z.strictObject({ userName: iamName }),
};
type ActionParams = { [K in keyof typeof PARAMS]: z.infer<(typeof PARAMS)[K]> };

/** The document the console writes for "Revoke active sessions": every credential issued before the time is denied everything. */
export function revokeDocument(issuedBefore: string): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: ["*"], Resource: ["*"], Condition: { DateLessThan: { "aws:TokenIssueTime": issuedBefore } } }] });
}

export function quarantineDocument(): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "AbuseDeskQuarantineDenyAll", Effect: "Deny", Action: ["*"], Resource: ["*"] }] });
}

/** Two policy texts say the same (whitespace and key order aside). */
export function samePolicy(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)).map(([k, x]) => [k, canon(x)])) : v;
  try {
    return JSON.stringify(canon(JSON.parse(a))) === JSON.stringify(canon(JSON.parse(b)));
  } catch {
    return a === b;
  }
}

const ownerText = (o: InlinePolicyOwner) => `${ownerParts(o).kind} ${ownerParts(o).name}`;

/** A handler that makes one inline policy hold a document; undo puts back what was there (or deletes it). */
function inlinePolicyHandler<P>(owner: (p: P) => InlinePolicyOwner, name: string, doc: (p: P) => string): Handler<P, { document: string | null }, { changed: boolean }> {
  return {
    async observe(ctx) {
      return { document: await ctx.port.getInlinePolicy(ctx.scope.accountId, owner(ctx.params), name) };
    },
    async run(ctx, now) {
      if (samePolicy(now.document, doc(ctx.params))) return { outcome: "skipped", after: { changed: false } };
      await ctx.port.putInlinePolicy(ctx.scope.accountId, owner(ctx.params), name, doc(ctx.params));
      return { outcome: "done", after: { changed: true } };
    },
    async undo(ctx: StepContext<P>, before) {
      const now = await this.observe(ctx);
      if (samePolicy(now.document, before.document)) return { outcome: "nothing" };
      if (!samePolicy(now.document, doc(ctx.params)))
        throw new StepError(`the inline policy ${name} of ${ownerText(owner(ctx.params))} was changed by someone since this plan set it: restore it by hand if that is still right`);
      if (before.document === null) await ctx.port.deleteInlinePolicy(ctx.scope.accountId, owner(ctx.params), name);
      else await ctx.port.putInlinePolicy(ctx.scope.accountId, owner(ctx.params), name, before.document);
      return { outcome: "rolled-back" };
    },
  };
}

export const revokeSessions = inlinePolicyHandler<ActionParams["revoke-sessions"]>((p) => p.owner, REVOKE_POLICY_NAME, (p) => revokeDocument(p.issuedBefore));
export const quarantineUser = inlinePolicyHandler<ActionParams["quarantine-user"]>((p) => ({ userName: p.userName }), QUARANTINE_POLICY_NAME, () => quarantineDocument());

export const restoreTrust: Handler<ActionParams["restore-trust-policy"], { trustPolicy: string }, { changed: boolean }> = {
  async observe(ctx) {
    const r = await ctx.port.getIamRole(ctx.scope.accountId, ctx.params.roleName);
    if (!r) throw new StepError(`role ${ctx.params.roleName} no longer exists in ${ctx.scope.accountId}`);
    return { trustPolicy: r.trustPolicy };
  },
  async run(ctx, now) {
    if (samePolicy(now.trustPolicy, ctx.params.restore)) return { outcome: "skipped", after: { changed: false } };
    // Only the attacker's version is replaced: a trust policy someone changed since the sweep is theirs to judge.
    if (!samePolicy(now.trustPolicy, ctx.params.attacker))
      throw new StepError(`the trust policy of ${ctx.params.roleName} is no longer the one the attacker set (changed since the sweep): not replaced; compare it by hand`);
    await ctx.port.updateAssumeRolePolicy(ctx.scope.accountId, ctx.params.roleName, ctx.params.restore);
    return { outcome: "done", after: { changed: true } };
  },
  async undo(ctx, before) {
    const now = await this.observe(ctx);
    if (samePolicy(now.trustPolicy, before.trustPolicy)) return { outcome: "nothing" };
    if (!samePolicy(now.trustPolicy, ctx.params.restore)) throw new StepError(`the trust policy of ${ctx.params.roleName} was changed since this plan restored it: not touched`);
    await ctx.port.updateAssumeRolePolicy(ctx.scope.accountId, ctx.params.roleName, before.trustPolicy);
    return { outcome: "rolled-back" };
  },
};

const LIVE = new Set(["open", "active"]);

export const cancelSpot: Handler<ActionParams["cancel-spot-requests"], { states: Record<string, string> }, { cancelled: string[] }> = {
  async observe(ctx) {
    const found = await ctx.port.describeSpotInstanceRequests(ctx.scope, ctx.params.spotInstanceRequestIds);
    return { states: Object.fromEntries(found.map((s) => [s.spotInstanceRequestId, s.state])) };
  },
  async run(ctx, now) {
    const live = ctx.params.spotInstanceRequestIds.filter((id) => LIVE.has(now.states[id] ?? ""));
    if (!live.length) return { outcome: "skipped", after: { cancelled: [] } };
    await ctx.port.cancelSpotInstanceRequests(ctx.scope, live);
    return { outcome: "done", after: { cancelled: live } };
  },
  async undo(_ctx, _before, after) {
    // A cancelled request cannot be reopened (AWS has no such call); the instances it launched are kept.
    return after?.cancelled.length ? { outcome: "kept", detail: { cancelled: after.cancelled, why: "a cancelled spot request cannot be reopened" } } : { outcome: "nothing" };
  },
};

export const suspendSes: Handler<ActionParams["suspend-ses-sending"], { sendingEnabled: boolean }, { changed: boolean }> = {
  async observe(ctx) {
    const a = await ctx.port.getSesAccount(ctx.scope);
    if (!a) throw new StepError(`SES is not offered in ${ctx.scope.region}`);
    return { sendingEnabled: a.sendingEnabled };
  },
  async run(ctx, now) {
    if (!now.sendingEnabled) return { outcome: "skipped", after: { changed: false } };
    await ctx.port.setSesSendingEnabled(ctx.scope, false);
    return { outcome: "done", after: { changed: true } };
  },
  async undo(ctx, before) {
    const now = await this.observe(ctx);
    if (now.sendingEnabled === before.sendingEnabled) return { outcome: "nothing" };
    await ctx.port.setSesSendingEnabled(ctx.scope, before.sendingEnabled);
    return { outcome: "rolled-back" };
  },
};

export const deleteLoginProfile: Handler<ActionParams["delete-login-profile"], { hasPassword: boolean }, { deleted: boolean }> = {
  async observe(ctx) {
    const [u] = await ctx.port.describeIamUsers(ctx.scope.accountId, [ctx.params.userName]);
    if (!u) throw new StepError(`user ${ctx.params.userName} no longer exists in ${ctx.scope.accountId}`);
    return { hasPassword: u.loginProfile !== null };
  },
  async run(ctx, now) {
    if (!now.hasPassword) return { outcome: "skipped", after: { deleted: false } };
    await ctx.port.deleteLoginProfile(ctx.scope.accountId, ctx.params.userName);
    return { outcome: "done", after: { deleted: true } };
  },
  async undo(_ctx, _before, after) {
    // Irreversible: the password is gone; a person sets a new one if the console is needed again.
    return after?.deleted ? { outcome: "kept", detail: { why: "a deleted console password cannot be restored: set a new one (iam:CreateLoginProfile) if the console is needed" } } : { outcome: "nothing" };
  },
};

const putCall = (o: { userName: string } | { roleName: string }, name: string, doc: string) =>
  "userName" in o
    ? { api: "iam:PutUserPolicy", params: { UserName: o.userName, PolicyName: name, PolicyDocument: doc } }
    : { api: "iam:PutRolePolicy", params: { RoleName: o.roleName, PolicyName: name, PolicyDocument: doc } };

export const REVOKE_SESSIONS = defineAction({
  summary: `denies everything to credentials issued before a time: the inline policy ${REVOKE_POLICY_NAME} with aws:TokenIssueTime, as the console's "Revoke active sessions" (the previous policy comes back on rollback)`,
  params: PARAMS["revoke-sessions"],
  target: { type: "iam-principal", id: (p) => ("userName" in p.owner ? p.owner.userName : p.owner.roleName) },
  calls: (p) => [putCall(p.owner, REVOKE_POLICY_NAME, revokeDocument(p.issuedBefore))],
  handler: revokeSessions,
  uses: ["getInlinePolicy", "putInlinePolicy", "deleteInlinePolicy"],
});

export const QUARANTINE_USER = defineAction({
  summary: `denies everything to a user the attacker created (inline policy ${QUARANTINE_POLICY_NAME}: keys and console alike); the user and its keys are kept as evidence, the policy is removed on rollback`,
  params: PARAMS["quarantine-user"],
  target: { type: "iam-user", id: (p) => p.userName },
  calls: (p) => [putCall({ userName: p.userName }, QUARANTINE_POLICY_NAME, quarantineDocument())],
  handler: quarantineUser,
  uses: ["getInlinePolicy", "putInlinePolicy", "deleteInlinePolicy"],
});

export const RESTORE_TRUST_POLICY = defineAction({
  summary: "puts back the trust policy a role had before the attacker changed it (only while it is still the attacker's; the attacker's comes back on rollback)",
  params: PARAMS["restore-trust-policy"],
  target: { type: "iam-role", id: (p) => p.roleName },
  calls: (p) => [
    { api: "iam:GetRole", params: { RoleName: p.roleName } },
    { api: "iam:UpdateAssumeRolePolicy", params: { RoleName: p.roleName, PolicyDocument: p.restore } },
  ],
  handler: restoreTrust,
  uses: ["getIamRole", "updateAssumeRolePolicy"],
});

export const CANCEL_SPOT_REQUESTS = defineAction({
  summary: "cancels open and active spot instance requests so they launch nothing more (not reversible: a cancelled request cannot be reopened; the instances it launched are kept)",
  params: PARAMS["cancel-spot-requests"],
  target: { type: "spot-requests", id: (p) => p.spotInstanceRequestIds.join(",") },
  calls: (p) => [{ api: "ec2:CancelSpotInstanceRequests", params: { SpotInstanceRequestIds: p.spotInstanceRequestIds } }],
  handler: cancelSpot,
  uses: ["describeSpotInstanceRequests", "cancelSpotInstanceRequests"],
  irreversible: true,
});

export const SUSPEND_SES_SENDING = defineAction({
  summary: "turns SES sending off for the account in the region (on again on rollback)",
  params: PARAMS["suspend-ses-sending"],
  target: { type: "ses-account" },
  calls: () => [{ api: "ses:PutAccountSendingAttributes", params: { SendingEnabled: false } }],
  handler: suspendSes,
  uses: ["getSesAccount", "setSesSendingEnabled"],
});

export const DELETE_LOGIN_PROFILE = defineAction({
  summary: "IRREVERSIBLE, only when a person asks (--delete-console-passwords): deletes a user's console password; rollback cannot bring it back",
  params: PARAMS["delete-login-profile"],
  target: { type: "iam-user", id: (p) => p.userName },
  calls: (p) => [{ api: "iam:DeleteLoginProfile", params: { UserName: p.userName } }],
  handler: deleteLoginProfile,
  uses: ["describeIamUsers", "deleteLoginProfile"],
  irreversible: true,
});
