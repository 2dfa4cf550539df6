/**
 * What the reply to AWS says about a compromised credential, in the order AWS's notices ask for:
 * (1) rotate (deactivate) the exposed key and revoke its sessions, (2) delete or disable the
 * unauthorized users and keys (here: denied everything, kept as evidence), (3) check every region
 * for what the attacker launched, (4) verify the account's contact information; then the root
 * checklist. Written from the journal's outcomes: only a step that ran and still holds is said
 * done; a step that failed is said failed (not done); one rolled back is said undone; anything
 * else is said pending. A region not read is said not searched, never "nothing there".
 */
import type { Plan, Step } from "../plan/types.ts";
import { ROOT_CHECKLIST_ITEMS, type ChecklistItemState } from "./checklist.ts";
import type { SweepResult } from "./sweep.ts";

/** What only the root user can do, as sentences (the catalogue with ids: ./checklist.ts). */
export const ROOT_CHECKLIST: readonly string[] = ROOT_CHECKLIST_ITEMS.map((i) => i.text);

/** A step's outcome as the journal tells it (src/reply/actions.ts stepOutcomes, folded). */
export interface StepState {
  /** done: ran and holds; already: found in the wanted state (holds, not changed by us); failed; rolled-back: undone since; pending: not run (or not finished). */
  status: "done" | "already" | "failed" | "rolled-back" | "pending";
  at?: string | null;
  error?: string | null;
}

/** Outcomes keyed `planId\u0000stepId`. */
export type StepStates = ReadonlyMap<string, StepState>;

export const stepKey = (planId: string, stepId: string) => `${planId}\u0000${stepId}`;

const RANK: Record<StepState["status"], number> = { done: 4, already: 3, failed: 2, "rolled-back": 1, pending: 0 };

/** The state of what the case's plans planned for an action on a target: the best any plan reached (a later plan may have redone it). */
function stateOf(plans: readonly Plan[], states: StepStates, action: string, target: (s: Step) => boolean): (StepState & { planned: boolean }) | null {
  let best: (StepState & { planned: boolean }) | null = null;
  for (const p of plans)
    for (const s of p.steps) {
      if (s.action !== action || !target(s)) continue;
      const st = states.get(stepKey(p.id, s.id)) ?? { status: "pending" as const };
      if (!best || RANK[st.status] > RANK[best.status]) best = { ...st, planned: true };
    }
  return best;
}

const when = (at: string | null | undefined) => (at ? ` (${at.replace(/\.\d+Z$/, "Z")})` : "");

/** The sentence for a planned step: what is true of it now. */
function said(st: (StepState & { planned: boolean }) | null, done: string, todo: string): string {
  if (!st) return `not planned: ${todo}`;
  switch (st.status) {
    case "done":
      return `${done}${when(st.at)}`;
    case "already":
      return `${done} (found so; nothing to change)`;
    case "failed":
      return `NOT done: the step failed${st.error ? ` (${st.error})` : ""}; pending: ${todo}`;
    case "rolled-back":
      return `NOT in place: done, then rolled back${when(st.at)}; pending: ${todo}`;
    case "pending":
      return `pending: ${todo}`;
  }
}

const onTarget = (id: string) => (s: Step) => s.target.id === id || s.target.id.split(",").includes(id);

/** A policy the attacker attached or put, and what became of it: from the step that detached / removed it, or from the sweep's reading when no step was needed. */
function policySaid(pol: SweepResult["inventory"][number], plans: readonly Plan[], states: StepStates): string {
  const d = pol.details ?? {};
  const managed = d.managed === true;
  const name = typeof d.name === "string" ? d.name : "?";
  const policy = typeof d.policy === "string" ? d.policy : "?";
  const head = `${managed ? "Managed policy" : "Inline policy"} ${policy} ${managed ? "attached to" : "put on"} ${String(d.on)} ${name} (${pol.event?.eventTime ?? "?"})`;
  if (d.valid !== true) return `${head}: pending, by hand: CloudTrail's names are not valid IAM names, nothing was sent`;
  const ownerName = (s: Step) => {
    const o = (s.params as { owner?: Record<string, unknown> }).owner ?? {};
    return o[`${String(d.on)}Name`];
  };
  const st = managed
    ? stateOf(plans, states, "detach-policy", (s) => ownerName(s) === name && (s.params as { policyArn?: unknown }).policyArn === policy)
    : stateOf(plans, states, "remove-inline-policy", (s) => ownerName(s) === name && (s.params as { policyName?: unknown }).policyName === policy);
  if (st) return `${head}: ${said(st, managed ? "detached" : "removed (its document kept as evidence)", managed ? "detach it" : "remove it")}`;
  if (pol.state === "no longer attached" || pol.state === "gone") return `${head}: ${managed ? "no longer attached" : "no longer there"} when we looked (found so; nothing to change)`;
  return `${head}: pending, by hand: ${pol.state}`;
}

/** A trail the attacker stopped or deleted: from the start-logging step, or from the sweep's reading when no step was planned. */
function trailSaid(i: SweepResult["inventory"][number], st: (StepState & { planned: boolean }) | null): string {
  const head = `CloudTrail trail ${i.id} in ${i.scope.region}, ${i.event?.eventName === "DeleteTrail" ? "deleted" : "stopped"} by the attacker (${i.event?.eventTime ?? "?"})`;
  if (st) return `${head}: ${said(st, "logging restarted (left on: abuse-desk never stops a trail)", "restart logging")}`;
  if (i.state === "logging again") return `${head}: logging again when we looked (found so; nothing to change)`;
  if (i.state === "trail deleted") return `${head}: pending, by hand: the trail no longer exists, recreate it`;
  return `${head}: pending, by hand: ${i.state}`;
}

/**
 * The reply's credential section. `sweep` is the case's latest stored sweep (null when none was
 * run: the section then says the regions were not checked); `plans` the case's plans; `states` the
 * journal's outcomes of their steps; `checklist` the case's root checklist.
 */
export function credentialReply(sweep: SweepResult | null, plans: readonly Plan[], states: StepStates, checklist: readonly ChecklistItemState[] | null): string {
  const lines: string[] = [];
  const state = (action: string, id: string) => stateOf(plans, states, action, onTarget(id));
  const item = (id: string) => checklist?.find((i) => i.id === id) ?? null;
  const itemSaid = (id: string) => {
    const i = item(id);
    return i?.state === "done" ? `done${i.by ? `, recorded by ${i.by}` : ""}${when(i.at)}` : "pending (to be done by the root user)";
  };

  // 1. Rotate: the exposed key deactivated, its sessions revoked.
  lines.push("1. The exposed access key (rotate it, revoke its sessions):");
  const holders = sweep?.holders ?? [];
  const keysFromPlans = [...new Set(plans.flatMap((p) => p.steps.filter((s) => s.action === "deactivate-access-key").map((s) => s.target.id)))];
  if (!holders.length) {
    if (!keysFromPlans.length) lines.push("   - No key was planned for; the credential sweep was not run.");
    for (const k of keysFromPlans) lines.push(`   - ${k}: ${said(state("deactivate-access-key", k), "deactivated", "deactivate it")}.`);
  }
  for (const h of holders) {
    if (h.kind === "user" && h.userName) {
      lines.push(`   - ${h.accessKeyId} of IAM user ${h.userName}: ${said(state("deactivate-access-key", h.accessKeyId), "deactivated (kept, not deleted, as evidence)", "deactivate it")}.`);
      lines.push(`   - Sessions of ${h.userName} issued before the deactivation: ${said(state("revoke-sessions", h.userName), "revoked", "revoke them")}.`);
      for (const k of h.user?.accessKeys ?? []) if (k.accessKeyId !== h.accessKeyId) lines.push(`   - ${k.accessKeyId}, another key of ${h.userName}: pending: to be rotated by its owner.`);
    } else if (h.kind === "role-session") {
      lines.push(
        `   - ${h.accessKeyId} is a temporary key of role ${h.roleName ?? "(not found)"}${h.sessionName ? ` (session ${h.sessionName})` : ""}: it cannot be deactivated; ${h.roleName ? `the role's sessions issued before the revocation: ${said(state("revoke-sessions", h.roleName), "revoked", "revoke them")}` : "pending: the role could not be told, revoke the sessions by hand"}.`,
      );
    } else if (h.kind === "root") {
      lines.push(`   - ${h.accessKeyId} is a key of the root user: only root can delete it: ${itemSaid("root-access-keys")}.`);
    } else {
      lines.push(`   - ${h.accessKeyId}: its owner was not found in the accounts we reached: pending.`);
    }
  }
  for (const k of sweep?.inventory.filter((i) => i.kind === "access-key") ?? [])
    lines.push(`   - ${k.id}, created by the attacker for ${String(k.details?.userName ?? "?")}: ${said(state("deactivate-access-key", k.id), "deactivated (kept as evidence)", "deactivate it")}.`);

  // 2. Unauthorized users and keys.
  lines.push("2. Unauthorized IAM users, roles and console access (delete or disable them):");
  if (!sweep) lines.push("   - Not looked for: the credential sweep was not run (pending).");
  else {
    const users = sweep.inventory.filter((i) => i.kind === "iam-user");
    const roles = sweep.inventory.filter((i) => i.kind === "role");
    const trust = sweep.inventory.filter((i) => i.kind === "trust-policy");
    if (!users.length && !roles.length && !trust.length && !sweep.inventory.some((i) => i.kind === "policy")) lines.push(`   - None created or changed by the exposed credential between ${sweep.window.start} and ${sweep.window.end}${sweep.notSearched.length ? " in the places we could read (see 3)" : ""}.`);
    for (const u of users) {
      lines.push(`   - IAM user ${u.id} (created ${u.event?.eventTime ?? "?"}): ${said(state("quarantine-user", u.id), "denied everything (kept as evidence; to be deleted once the investigation is closed)", "deny it everything")}.`);
      if (u.details?.console === true) lines.push(`     Its console password: ${said(state("delete-login-profile", u.id), "deleted", "a person decides to delete it (the quarantine already makes it useless)")}.`);
    }
    for (const r of roles) lines.push(`   - IAM role ${r.id} (created ${r.event?.eventTime ?? "?"}): ${said(state("revoke-sessions", r.id), "its sessions revoked (kept as evidence)", "revoke its sessions")}.`);
    for (const t of trust) lines.push(`   - Trust policy of role ${t.id}, changed ${t.event?.eventTime ?? "?"}: ${said(state("restore-trust-policy", t.id), "restored to the version before the change", "restore it")}.`);
    for (const pol of sweep.inventory.filter((i) => i.kind === "policy")) lines.push(`   - ${policySaid(pol, plans, states)}.`);
  }

  // 3. Every region.
  if (!sweep) lines.push("3. Every region: NOT checked yet (the credential sweep was not run): pending.");
  else {
    const accounts = new Set(sweep.searched.map((s) => s.accountId));
    lines.push(`3. Every region: CloudTrail read in ${sweep.searched.length} region(s) of ${accounts.size} account(s), from ${sweep.window.start} to ${sweep.window.end}${sweep.notSearched.length ? "; the check is NOT complete" : ""}.`);
    for (const n of sweep.notSearched) lines.push(`   - NOT searched: ${n.what}${n.scope ? ` (${n.scope.accountId}/${n.scope.region})` : ""}: ${n.reason}.`);
    for (const i of sweep.inventory) {
      if (i.kind === "instance" && i.event)
        lines.push(`   - Instance ${i.id} in ${i.scope.region}${i.instanceType ? ` (${i.instanceType})` : ""}, launched by the attacker: ${said(state("stop-instance", i.id), "its disks snapshotted, stopped (not terminated: kept as evidence)", "snapshot and stop it")}.`);
      else if (i.kind === "spot-request") lines.push(`   - Spot request ${i.id} in ${i.scope.region}: ${said(state("cancel-spot-requests", i.id), "cancelled", `cancel it (now ${i.state})`)}.`);
      else if (i.kind === "ses") lines.push(`   - SES in ${i.scope.region}, touched by the attacker: ${said(state("suspend-ses-sending", i.scope.region), "sending suspended", "suspend sending")}.`);
      else if (i.kind === "security-group-ingress" && Array.isArray(i.details?.rules) && (i.details.rules as unknown[]).length)
        lines.push(`   - Security group ${i.id} in ${i.scope.region}, opened by the attacker: ${said(state("revoke-open-ingress", i.id), "the rules they added revoked", "revoke the rules")}.`);
      else if (i.kind === "spot-fleet" && i.event && i.details)
        lines.push(`   - Spot fleet request ${i.id} in ${i.scope.region}: ${said(state("cancel-spot-fleet-requests", i.id), "cancelled (its instances kept and stopped by their own steps)", `cancel it (now ${i.state})`)}.`);
      else if (i.kind === "fleet" && i.event && i.details && i.details.type !== "instant")
        lines.push(`   - EC2 fleet ${i.id} in ${i.scope.region}: ${said(state("delete-fleets", i.id), "deleted (its instances kept and stopped by their own steps)", `delete it (now ${i.state})`)}.`);
      else if (i.kind === "lightsail-instance" && i.event && (i.state === "running" || i.state === "stopped"))
        lines.push(`   - Lightsail instance ${i.id} in ${i.scope.region}${i.instanceType ? ` (${i.instanceType})` : ""}, created by the attacker: ${said(state("stop-lightsail-instance", i.id), "snapshotted, stopped (not deleted: kept as evidence)", "snapshot and stop it")}.`);
      else if (i.kind === "trail-stopped") lines.push(`   - ${trailSaid(i, state("start-logging", i.id))}.`);
      else if (i.kind === "detector-deleted" || i.kind === "region-disabled" || i.kind === "fleet" || i.kind === "spot-fleet" || i.kind === "lightsail-instance" || i.kind === "lambda-function")
        lines.push(`   - ${i.event?.eventName ?? i.kind} in ${i.scope.region}: pending, by hand: ${i.state}.`);
    }
  }

  // 4. Contact information.
  lines.push(`4. The account's contact information and alternate contacts: ${itemSaid("contact-information")}.`);

  // The root checklist.
  if (checklist) {
    const open = checklist.filter((i) => i.state === "open").length;
    lines.push(`Root user checklist (${open ? `${open} of ${checklist.length} still to do` : "all done"}):`);
    for (const i of checklist) lines.push(`   - [${i.state === "done" ? "done" : "to do"}] ${i.text}${i.state === "done" && i.at ? ` (${i.at.replace(/\.\d+Z$/, "Z")})` : ""}`);
  }
  return lines.join("\n");
}
