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

/**
 * A DNS lookup as mailauth and node:dns make it: `(name, rrtype)` -> records (TXT records as arrays
 * of strings). Failures reject with an Error whose `code` is a node:dns code (ENOTFOUND, ENODATA,
 * ETIMEOUT, ...). Production uses node:dns; tests and benchmarks inject their own (src/verify/dns.ts).
 */
export type DnsResolver = (name: string, rrtype: string) => Promise<unknown[]>;

export interface VerifyOptions {
  /** DNS for DKIM keys, SPF and DMARC. Absent: offline (signatures reported as not checked). */
  resolver?: DnsResolver;
  /** The time signatures are checked at (DKIM x= expiry). Default: now. */
  now?: Date;
  /**
   * authserv-ids of mail servers you run or trust (`mx.google.com`, `protection.outlook.com`,
   * `mx.example.org`): the Authentication-Results headers they wrote themselves are believed (which
   * those are is decided by `trustZone` in received.ts, from where they sit relative to the
   * server's own Received header), and that Received header gives the connecting IP for SPF.
   * Nothing is trusted by default: anyone can write those headers.
   */
  trustedAuthServIds?: string[];
  /** ARC sealers (domains, `google.com`) whose record of earlier authentication is believed. */
  trustedArcSealers?: string[];
  /**
   * Which DKIM verifier: "fast" (default; src/verify/dkim-fast.ts for the signatures it fully
   * understands, mailauth's dkimVerify for the rest) or "mailauth" (mailauth's for every signature,
   * the reference the fast path is tested against).
   */
  dkim?: "fast" | "mailauth";
}
