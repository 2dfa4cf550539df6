/**
 * Triage: the first look at a notice. Parse -> verify -> (resolve, when an account is configured)
 * -> a report a person reads in ten seconds: whether it is an AWS notice at all, the verdict and
 * its reasons, one sentence of what happened, the facts, the time left until the deadline, and
 * what to do next (which follows the verdict: a forged notice is reported, never acted on).
 */
import { humanDuration } from "../case/format.ts";
import { notAnAwsNotice } from "../notice/aws-notice.ts";
import type { Notice, ParsedItem } from "../notice/types.ts";
import type { Resolution } from "../resolve/types.ts";
import type { Verdict } from "../verify/types.ts";
import { nextSteps, type Invocation } from "./advice.ts";
import { summarize } from "./summary.ts";

export interface TimeLeft {
  /** ISO 8601, or null when the notice's deadline is unknown. */
  at: string | null;
  basis: Notice["deadline"]["basis"];
  /** Milliseconds until the deadline (negative when overdue), or null. */
  remainingMs: number | null;
  overdue: boolean;
  /** "23 h 12 min left", "overdue by 2 h 5 min", "unknown (...)". */
  text: string;
}

export interface TriageReport {
  index: number;
  /** Why the input is not an AWS abuse notice at all (said first), or null when it is one. */
  notAnAwsNotice: string | null;
  verdict: Verdict;
  summary: string;
  notice: Notice;
  deadline: TimeLeft;
  nextSteps: string[];
  resolution: Resolution | null;
}

export function timeLeft(deadline: Notice["deadline"], now: Date): TimeLeft {
  if (!deadline.at) {
    return { at: null, basis: deadline.basis, remainingMs: null, overdue: false, text: `unknown${deadline.text ? ` (${deadline.text})` : ""}` };
  }
  const ms = Date.parse(deadline.at) - now.getTime();
  const dur = formatDuration(Math.abs(ms));
  return { at: deadline.at, basis: deadline.basis, remainingMs: ms, overdue: ms < 0, text: ms < 0 ? `overdue by ${dur}` : `${dur} left` };
}

export function formatDuration(ms: number): string {
  return humanDuration(ms);
}

export interface TriageDeps {
  verify: (item: ParsedItem) => Promise<Verdict>;
  /** Present when an account is configured: finds the notice's resources. */
  resolve?: (notice: Notice) => Promise<Resolution>;
  /** The command lines the next steps name, as the person can paste them (the CLI's file and account flags). */
  invocation?: Invocation;
  now: Date;
}

export async function triageItem(item: ParsedItem, deps: TriageDeps): Promise<TriageReport> {
  const verdict = await deps.verify(item);
  const notANotice = notAnAwsNotice(item.notice);
  // text that is not a notice names nothing to look for
  const resolution = deps.resolve && !notANotice ? await deps.resolve(item.notice) : null;
  return {
    index: item.index,
    notAnAwsNotice: notANotice,
    verdict,
    summary: notANotice ? `This is not an AWS abuse notice: ${notANotice}.` : summarize(item.notice),
    notice: item.notice,
    deadline: timeLeft(item.notice.deadline, deps.now),
    nextSteps: nextSteps(item.notice, verdict.verdict, notANotice, deps.invocation),
    resolution,
  };
}
