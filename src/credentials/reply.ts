/**
 * What the reply to AWS says about a compromised credential, in the order AWS's notices ask for:
 * (1) rotate (deactivate) the exposed and attacker-made keys, (2) delete (here: quarantine, kept as
 * evidence) unauthorized users, (3) check every region for what the attacker launched, (4) verify
 * the account's contact information. Only what was done is said as done: a step that did not run
 * is said as planned, a region not read as not searched.
 */
import type { Plan } from "../plan/types.ts";
import type { SweepResult } from "./sweep.ts";

/** What only the root user can do, tracked as a checklist for the case. */
export const ROOT_CHECKLIST = [
  "Sign in as root and delete any root access key (only root can; never keep one).",
  "Change the root password and enable MFA on the root user.",
  "Verify the account's contact information and alternate contacts (billing, operations, security): an attacker may have changed them.",
  "Check the root user's sign-ins (CloudTrail ConsoleLogin with userIdentity.type Root) for any you did not make.",
  "Review billing for the exposure window (Cost Explorer by region and service) and ask AWS about the charges in the case.",
] as const;

/** Step outcomes by step id ("done", "skipped", "already-done", "failed", "not-run"...), when the plan was applied. */
export type Outcomes = ReadonlyMap<string, string>;

export function credentialReply(s: SweepResult, plan: Plan | null, outcomes: Outcomes = new Map()): string {
  const did = (ids: string[]) => ids.length > 0 && ids.every((id) => ["done", "skipped", "already-done"].includes(outcomes.get(id) ?? ""));
  const steps = (action: string) => plan?.steps.filter((x) => x.action === action) ?? [];
  const verb = (ids: string[], done: string, planned: string) => (did(ids) ? done : planned);
  const lines: string[] = [];

  // 1. Rotate.
  const keys = steps("deactivate-access-key");
  const revoked = steps("revoke-sessions");
  lines.push("1. Exposed and unauthorized access keys:");
  if (!keys.length && !revoked.length) lines.push("   - No key was deactivated by this plan.");
  for (const k of keys) lines.push(`   - ${k.target.id}: ${verb([k.id], "deactivated", "to be deactivated (not yet done)")}.`);
  for (const r of revoked) lines.push(`   - Active sessions of ${r.target.id} ${verb([r.id], "revoked", "to be revoked (not yet done)")}.`);
  for (const h of s.holders) for (const k of h.user?.accessKeys ?? []) if (k.accessKeyId !== h.accessKeyId) lines.push(`   - ${k.accessKeyId} of ${h.userName}: to be rotated by its owner.`);

  // 2. Unauthorized users.
  const users = s.inventory.filter((i) => i.kind === "iam-user");
  lines.push("2. Unauthorized IAM users:");
  if (!users.length) lines.push("   - None created by the exposed credential in the window.");
  for (const u of users) {
    const q = steps("quarantine-user").filter((x) => x.target.id === u.id);
    lines.push(`   - ${u.id} (created ${u.event?.eventTime}): ${q.length ? verb(q.map((x) => x.id), "all access denied; kept as evidence, to be deleted once the investigation is closed", "to be denied all access (not yet done)") : "not contained by this plan"}.`);
  }

  // 3. Every region.
  lines.push(`3. Every region checked: ${s.searched.length} region(s) searched in CloudTrail from ${s.window.start} to ${s.window.end}.`);
  for (const n of s.notSearched) lines.push(`   - NOT searched: ${n.what}${n.scope ? ` (${n.scope.accountId}/${n.scope.region})` : ""}: ${n.reason}.`);
  const made = s.inventory.filter((i) => i.event && (i.kind === "instance" || i.kind === "spot-request"));
  for (const i of made) {
    const st = plan?.steps.filter((x) => x.target.id === i.id || x.target.id.split(",").includes(i.id)) ?? [];
    const stop = st.find((x) => x.action === "stop-instance" || x.action === "cancel-spot-requests");
    lines.push(`   - ${i.kind} ${i.id} in ${i.scope.region}${i.instanceType ? ` (${i.instanceType})` : ""}: ${stop ? verb([stop.id], stop.action === "stop-instance" ? "snapshotted and stopped" : "cancelled", "to be stopped (not yet done)") : `now ${i.state}`}.`);
  }

  // 4. Contact information.
  lines.push("4. Account contact information: to be verified by the account owner (root user): primary and alternate contacts.");
  return lines.join("\n");
}
