import type { TransitOutcome } from "./transit.ts";

/** Why apply or rollback will not run a plan at all. The CLI turns it into a UserError. */
export type RefusalCode = "verdict" | "automatic-not-authentic" | "rolled-back" | "plan-mismatch" | "not-applied" | "unknown-plan" | "plan-invalid" | "not-stored" | "not-chosen";

export class ApplyRefused extends Error {
  readonly code: RefusalCode;
  /** What the refused command still did first: interfaces left in transit it moved out (./transit.ts). */
  readonly recovered: TransitOutcome[];
  constructor(code: RefusalCode, message: string, recovered: TransitOutcome[] = []) {
    super(message);
    this.name = "ApplyRefused";
    this.code = code;
    this.recovered = recovered;
  }
}

export { StepError } from "../plan/errors.ts";
