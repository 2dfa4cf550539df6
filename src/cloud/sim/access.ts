/**
 * The simulated way into accounts (../port-access.ts): the organization's accounts, and entering an
 * account for reads or writes as the adapter does with aws.assumeRole { roleName, containmentRoleName }:
 * reads in the caller's own account use the caller's credentials; every other entry assumes a role.
 *
 * Whether a role can be assumed:
 * - an estate with a `deskRoles:` section models abuse-desk's roles: the role must be listed under the
 *   account's `iam.roles` with a trust policy that lets the caller's account assume it (an Allow of
 *   sts:AssumeRole to the account id, its root ARN, an ARN in it, or `*`, and no such Deny;
 *   conditions such as the external id are not evaluated), and the account must be `reachable`.
 *   The read role gates every read of the account (SimCore.account); writes are not refused for a
 *   missing containment role (enterAccount and AssumeRole say it);
 * - an estate without it (written before roles were modelled) does not model them: `reachable` alone
 *   decides, for both sides, under the default names AbuseDeskReadOnly and AbuseDeskContainment.
 */
import { CloudError } from "../errors.ts";
import type { AccessSide, AccountEntry, OrganizationAccount } from "../port-access.ts";
import type { AccountState, SimState } from "./state.ts";

export const DEFAULT_DESK_ROLES = { roleName: "AbuseDeskReadOnly", containmentRoleName: "AbuseDeskContainment" } as const;

type Host = { state: SimState; account(accountId: string, action?: string): AccountState };

/** The organization's accounts (all of the estate's), or null when the estate has no organization. */
export function organizationAccounts(h: Host): OrganizationAccount[] | null {
  if (!h.state.organization) return null;
  return [...h.state.accounts.values()].map((a) => ({ accountId: a.accountId, ...(a.name ? { name: a.name } : {}), state: a.status }));
}

/** The role an entry uses, or null for the caller's own credentials. */
export function roleOf(state: SimState, accountId: string, side: AccessSide): string | null {
  const names = state.deskRoles ?? DEFAULT_DESK_ROLES;
  if (side === "read") return accountId === state.callerAccountId ? null : names.roleName;
  return names.containmentRoleName;
}

function list(v: unknown): string[] {
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** Whether a trust policy lets principals of `caller` assume the role (Allow, and no matching Deny). */
export function trustsAccount(trustPolicy: string, caller: string): boolean {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(trustPolicy) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).filter((s): s is Record<string, unknown> => !!s && typeof s === "object");
  const matches = (s: Record<string, unknown>) => {
    if (!list(s.Action).some((a) => a === "*" || a.toLowerCase() === "sts:assumerole" || a.toLowerCase() === "sts:*")) return false;
    const p = s.Principal;
    const aws = p === "*" ? ["*"] : p && typeof p === "object" ? list((p as { AWS?: unknown }).AWS) : [];
    return aws.some((x) => x === "*" || x === caller || x.startsWith(`arn:aws:iam::${caller}:`) || x.startsWith(`arn:aws:sts::${caller}:`));
  };
  if (statements.some((s) => s.Effect === "Deny" && matches(s))) return false;
  return statements.some((s) => s.Effect === "Allow" && matches(s));
}

/** Why the role cannot be assumed in the account, or null when it can. Unknown accounts throw. */
export function refusal(state: SimState, acc: AccountState, roleName: string): string | null {
  const arn = `arn:aws:iam::${acc.accountId}:role/${roleName}`;
  const said = `AccessDenied: ${state.callerAccountId} is not authorized to perform sts:AssumeRole on ${arn}`;
  if (!acc.reachable) return said;
  if (!state.deskRoles) return null;
  const role = acc.roles?.get(roleName);
  if (!role || !trustsAccount(role.trustPolicy, state.callerAccountId)) return said;
  return null;
}

/** Whether reads of the account are let in (its read role, where roles are modelled). */
export function readable(state: SimState, acc: AccountState): boolean {
  if (!acc.reachable) return false;
  const role = roleOf(state, acc.accountId, "read");
  return role === null || refusal(state, acc, role) === null;
}

/** STS AssumeRole of a named role (the fake AWS's answer): the account must exist, the role be assumable. */
export function assumeRole(h: Host, accountId: string, roleName: string): void {
  const acc = h.state.accounts.get(accountId);
  if (!acc) throw new CloudError("unknown-account", `account ${accountId} is not one this port can reach`, { accountId, action: "sts:AssumeRole" });
  const why = refusal(h.state, acc, roleName);
  if (why) throw new CloudError("access-denied", why, { accountId, action: "sts:AssumeRole", code: "AccessDenied" });
}

export function enterAccount(h: Host, accountId: string, side: AccessSide): AccountEntry {
  const acc = h.state.accounts.get(accountId);
  if (!acc) throw new CloudError("unknown-account", `account ${accountId} is not one this port can reach (known: ${[...h.state.accounts.keys()].join(", ")})`, { accountId, action: "sts:AssumeRole" });
  const roleName = roleOf(h.state, accountId, side);
  if (roleName === null) return { accountId, side, via: "caller", entered: acc.reachable, ...(acc.reachable ? {} : { refusal: `account ${accountId} cannot be entered` }) };
  const role = { roleArn: `arn:aws:iam::${accountId}:role/${roleName}`, roleName };
  const why = refusal(h.state, acc, roleName);
  return { accountId, side, via: "role", ...role, entered: why === null, ...(why ? { refusal: why } : {}) };
}
