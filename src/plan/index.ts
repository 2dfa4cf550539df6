/**
 * The plan vocabulary: plans and steps, the actions they can contain (one module each), playbook
 * names and the tags containment writes. The playbooks and the policy write plans in it, the
 * executor carries them out; this folder imports neither (test/plan/imports.test.ts).
 */
export * from "./actions/index.ts";
export type * from "./types.ts";
export type { ActionModule, CallContext, Handler, StepContext } from "./action.ts";
export { PLAYBOOKS, type PlaybookName } from "./playbooks.ts";
export { TAG_CASE, TAG_PLAN, TAG_ROLE, TAG_STEP } from "./tags.ts";
export { StepError } from "./errors.ts";
