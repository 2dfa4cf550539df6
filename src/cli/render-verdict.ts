/** Human rendering of a Verdict, shared by `verify` and `triage`. */
import type { Verdict, VerdictLevel } from "../verify/types.ts";
import { colors as c } from "./io.ts";

export const VERDICT_SUMMARY: Record<VerdictLevel, string> = {
  authentic: "sent by AWS, as far as its signatures prove.",
  unverified: "cannot be proven either way; check it in the AWS console or AWS Support before acting.",
  suspicious: "something is wrong with it; do not act on it before checking with AWS directly.",
  phishing: "evidence of forgery: do not follow its links, reply, or act on it.",
};

/** The colour of each verdict, wherever one is printed. */
export const PAINT = { authentic: c.green, unverified: c.yellow, suspicious: c.magenta, phishing: c.red } as const;
const MARK = { fail: c.red("✗"), warn: c.yellow("!"), pass: c.green("✓"), info: c.dim("·") } as const;

/** The verdict line, then one line per reason. */
export function renderVerdict(v: Pick<Verdict, "verdict" | "reasons">): string {
  const lines = [`${c.bold(PAINT[v.verdict](v.verdict.toUpperCase()))}  ${VERDICT_SUMMARY[v.verdict]}`];
  for (const r of v.reasons) lines.push(`  ${MARK[r.severity]} ${r.message} ${c.dim(`(${r.code})`)}`);
  return lines.join("\n");
}
