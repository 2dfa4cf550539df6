/** One line of `abuse-desk doctor`: what was checked, how it went, and what to do about it. */
export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  /** Stable id (`store`, `aws.identity`, `aws.simulate.read-only`): scripts key on it. */
  id: string;
  status: CheckStatus;
  /** What was found, in a sentence. */
  detail: string;
  /** What to do, for a warn or a fail: a copy-pasteable command or the setting to change. */
  fix?: string;
}

export const check = (id: string, status: CheckStatus, detail: string, fix?: string): Check => ({ id, status, detail, ...(fix ? { fix } : {}) });
