/**
 * Which steps a written policy lets run without a person. The one judgement, used when a plan is
 * written (the dry run shows it) and again, from the policy in force, every time `apply --auto`
 * runs: a plan's own `autoApprovable` flags are never what decides.
 */
import { expandActions, needsPerson } from "../plan/actions/index.ts";
import type { Plan, Step, Subject } from "../plan/types.ts";
import type { Policy } from "./policy.ts";

/** A rule covers the step: its action (or an alias), its playbook, and every subject's account and tags. */
export function allowsAutomatic(policy: Policy, playbook: string, action: string, subjects: readonly Subject[] | undefined, params: unknown): boolean {
  if (!subjects?.length) return false;
  // What cannot be undone, or changes the customer's own principals, is a person's decision, whatever a rule names.
  if (needsPerson(action, params)) return false;
  return policy.automatic.some(
    (rule) =>
      (expandActions(rule.actions).actions as Set<string>).has(action) &&
      (rule.playbooks.includes("*") || rule.playbooks.includes(playbook)) &&
      subjects.every((s) => (rule.accounts === undefined || rule.accounts.includes(s.accountId)) && Object.entries(rule.tags).every(([k, v]) => s.tags[k] === v)),
  );
}

/** The ids of the plan's steps the policy lets run without a person. */
export function automaticSteps(policy: Policy, plan: Pick<Plan, "playbook" | "steps">): Set<string> {
  return new Set(plan.steps.filter((s: Step) => s.reversible !== false && allowsAutomatic(policy, plan.playbook, s.action, s.subjects, s.params)).map((s) => s.id));
}
