/**
 * The JSON each command prints, in the one vocabulary (./vocabulary.ts): the few places where the
 * stages' own types say a thing differently are translated here, at the edge, so the stages and
 * the store keep their types and every `--json` output says it the same way.
 *
 * - a Verdict (`{ verdict, reasons, auth }` in src/verify) is printed `{ level, reasons, auth }`;
 * - a notice's `caseNumber` is printed `awsCaseNumber` (the name a case uses for the same number);
 * - a stored notice's `verdict` level and `verdictDetail` are printed as the one verdict object.
 *
 * No zod here: this runs in every command, and a command's start stays small.
 */
import type { StoredNotice } from "../../case/types.ts";
import type { Notice } from "../../notice/types.ts";
import type { Report } from "../../report/model.ts";
import type { TriageReport } from "../../triage/index.ts";
import type { Verdict } from "../../verify/types.ts";

export interface VerdictJson {
  level: Verdict["verdict"];
  reasons: Verdict["reasons"];
  auth: Verdict["auth"];
}

export function verdictJson(v: Verdict): VerdictJson {
  return { level: v.verdict, reasons: v.reasons, auth: v.auth };
}

/**
 * The Notice with its flat keys first (the order `parse --json` has always printed), AWS's number as
 * `awsCaseNumber`. `legacy`: also as `caseNumber`, right after it: the key `parse --json` published
 * first and that tools reading it rely on (the notice scorer, ../shared/tools/score-notices).
 */
export function noticeJson(n: Notice, extra: Record<string, unknown> = {}, opts: { legacy?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...extra };
  const rec = n as unknown as Record<string, unknown>;
  for (const k of FIRST) {
    out[k === "caseNumber" ? "awsCaseNumber" : k] = rec[k];
    if (k === "caseNumber" && opts.legacy) out.caseNumber = rec[k];
  }
  for (const [k, v] of Object.entries(rec)) if (!(k in out) && k !== "caseNumber") out[k] = v;
  return out;
}
const FIRST = ["activityType", "kind", "caseNumber", "accountIds", "regions", "instanceIds", "publicIps", "accessKeyIds", "networkInterfaceIds", "remoteIps", "remotePorts", "protocol", "destinationUrls", "window", "deadline", "resources", "fields"] as const;

/** Reads a notice printed by noticeJson (or by an older `parse --json`, with `caseNumber`) back into a Notice. */
export function noticeFromJson(v: Record<string, unknown>): Notice {
  const { awsCaseNumber, index: _index, ...rest } = v;
  // an older `parse --json` printed caseNumber only; this one prints both, the same value
  return { ...rest, caseNumber: (rest.caseNumber ?? awsCaseNumber ?? null) as string | null } as unknown as Notice;
}

export function storedNoticeJson(n: StoredNotice): Record<string, unknown> {
  const { verdict: _level, verdictDetail, caseNumber, notice, ...rest } = n;
  return { ...rest, awsCaseNumber: caseNumber, verdict: verdictJson(verdictDetail), notice: noticeJson(notice) };
}

/** The report's content (`report --json`): its notices and actions named in the one vocabulary. */
export function reportJson(r: Report): Record<string, unknown> {
  return {
    ...r,
    notices: r.notices.map(({ caseNumber, ...n }) => ({ ...n, receivedAt: n.receivedAt || null, awsCaseNumber: caseNumber || null })),
    actions: r.actions.map(({ plan, step, ...a }) => ({ ...a, at: a.at || null, planId: plan, stepId: step })),
    overrides: r.overrides.map(({ plan, ...o }) => ({ ...o, planId: plan })),
  };
}

/** `triage --json`: the TriageReport with its verdict and notice in the vocabulary. */
export type TriageJson = Omit<TriageReport, "verdict" | "notice"> & { verdict: VerdictJson; notice: Omit<Notice, "caseNumber"> & { awsCaseNumber: string | null } };
