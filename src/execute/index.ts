/** The execute stage: apply a plan, journalled; roll it back from the journal. */
export { apply, type ApplyOptions, type ApplyResult, type ExecOptions, type ProgressEvent, type StepResult, type StepStatus } from "./apply.ts";
export { rollback, type RollbackOptions, type RollbackResult, type UndoStepResult } from "./rollback.ts";
export { ApplyRefused, StepError, type RefusalCode } from "./errors.ts";
export type { EvidenceRecord, EvidenceSink, EvidenceItem } from "../plan/evidence.ts";
export { stepStates, isComplete } from "./journal.ts";
export * from "../plan/actions/index.ts";
export { TAG_CASE, TAG_PLAN, TAG_ROLE, TAG_STEP } from "../plan/tags.ts";
export type * from "./types.ts";
