/**
 * The Verdict: is a notice genuinely from AWS? Verification never throws: every outcome, including
 * "could not check", is a reason in the result.
 */
export type VerdictLevel = "authentic" | "unverified" | "suspicious" | "phishing";

export interface Reason {
  /** Stable identifier for machines and tests: `dkim.pass`, `link.lookalike`, `text.pasted`... */
  code: string;
  /** `pass` supports authenticity; `info` is neutral; `warn` raises doubt; `fail` is evidence of forgery. */
  severity: "pass" | "info" | "warn" | "fail";
  /** One sentence a person can read. */
  message: string;
}

export interface AuthResults {
  dkim: { result: string; domain?: string; aligned?: boolean; selector?: string }[];
  spf: { result: string; domain?: string } | null;
  dmarc: { result: string; domain?: string; policy?: string } | null;
  arc: { result: string } | null;
}

export interface Verdict {
  verdict: VerdictLevel;
  reasons: Reason[];
  /** Mail authentication details, when the input was an e-mail. */
  auth: AuthResults | null;
}
