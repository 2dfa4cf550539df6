/**
 * An error the user can act on: bad input, missing configuration, a refused action.
 * The CLI prints `message` (and `hint`, when given) without a stack trace.
 * Exit codes follow sysexits: 64 usage, 65 bad data, 66 no input, 69 unavailable, 77 permission.
 */
export class UserError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "UserError";
    this.exitCode = opts.exitCode ?? 65;
    this.hint = opts.hint;
  }
}
