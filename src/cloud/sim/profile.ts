/**
 * Instance profiles in the simulator: the estate's `instanceProfiles:` (./profile-schema.ts) kept in
 * the state by account, answered as IAM GetInstanceProfile answers (null for a name it does not
 * hold; AccessDenied through the fault rules, action iam:GetInstanceProfile).
 */
import type { InstanceProfile } from "../port-profile.ts";
import type { Estate } from "./schema.ts";
import type { EstateIssue } from "./build.ts";
import type { AccountState, SimState } from "./state.ts";

export function applyInstanceProfiles(state: SimState, estate: Estate): EstateIssue[] {
  const issues: EstateIssue[] = [];
  estate.accounts.forEach((acc, ai) => {
    const as = state.accounts.get(acc.accountId);
    if (!as) return;
    const profiles = new Map<string, InstanceProfile>();
    acc.instanceProfiles.forEach((p, pi) => {
      if (profiles.has(p.instanceProfileName)) issues.push({ path: ["accounts", ai, "instanceProfiles", pi, "instanceProfileName"], message: `instance profile ${p.instanceProfileName} is listed twice` });
      profiles.set(p.instanceProfileName, {
        instanceProfileName: p.instanceProfileName,
        path: p.path,
        arn: `arn:aws:iam::${acc.accountId}:instance-profile${p.path}${p.instanceProfileName}`,
        roles: p.roles.map((roleName) => ({ roleName, arn: as.roles?.get(roleName)?.arn ?? `arn:aws:iam::${acc.accountId}:role/${roleName}` })),
      });
    });
    if (profiles.size) (state.instanceProfiles ??= new Map()).set(acc.accountId, profiles);
  });
  return issues;
}

export function getInstanceProfile(h: { account(accountId: string, action?: string): AccountState; state: SimState }, accountId: string, name: string): InstanceProfile | null {
  h.account(accountId, "iam:GetInstanceProfile");
  const p = h.state.instanceProfiles?.get(accountId)?.get(name);
  return p ? structuredClone(p) : null;
}
