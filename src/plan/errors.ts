/**
 * A step cannot proceed for a reason that is not the cloud's (the instance is gone, a rule number
 * was taken since the plan was made). Never retried.
 */
export class StepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StepError";
  }
}
