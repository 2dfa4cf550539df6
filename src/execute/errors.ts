/** Why apply or rollback will not run a plan at all. The CLI turns it into a UserError. */
export type RefusalCode = "verdict" | "automatic-not-authentic" | "rolled-back" | "plan-mismatch" | "not-applied" | "unknown-plan" | "plan-invalid" | "not-stored";

export class ApplyRefused extends Error {
  readonly code: RefusalCode;
  constructor(code: RefusalCode, message: string) {
    super(message);
    this.name = "ApplyRefused";
    this.code = code;
  }
}

export { StepError } from "../plan/errors.ts";
