/**
 * Whether a search was complete: the one reading of `Resolution.gaps` that every consumer uses
 * (intake, plan, apply, the playbooks, case show, the report, the reply). A place that could not be
 * read (no credentials, access denied, an endpoint that did not answer, an account that can't be
 * entered) is "not searched": never "not found", never "nothing to change".
 *
 * The one gap that leaves nothing unread is a region the account has not enabled: it holds no
 * resources, so not reading it hides nothing.
 */
import { UserError } from "../errors.ts";
import type { Finding, Resolution, Unsearched } from "./types.ts";

export type SearchOutcome = { status: "searched" } | { status: "not-searched"; missing: Unsearched[] };

/** A gap that hides nothing: a region the account has not enabled (older records carry no `cause`: read from the words). */
export function hidesNothing(g: Unsearched): boolean {
  return g.cause === "region-disabled" || (g.cause === undefined && / is not enabled for the account$/.test(g.reason));
}

/** Searched (every place that could hold a resource was read), or not searched, with each place missing. */
export function searchOutcome(r: { gaps?: readonly Unsearched[] | null } | null | undefined): SearchOutcome {
  const missing = (r?.gaps ?? []).filter((g) => !hidesNothing(g));
  return missing.length ? { status: "not-searched", missing: [...missing] } : { status: "searched" };
}

/** `111122223333/eu-west-1`, `account 111122223333`, or `the list of accounts`. */
export function placeOf(g: Pick<Unsearched, "accountId" | "region">): string {
  if (g.accountId === "*") return "the list of accounts (organizations:ListAccounts)";
  return g.region ? `${g.accountId}/${g.region}` : `account ${g.accountId}`;
}

/** What to do about a gap recorded before gaps carried their fix. */
const FALLBACK_FIX = "make the account readable (docs/aws.md), then run the command again";

/** One line per missing place: where, why, and the fix. */
export function missingLines(missing: readonly Unsearched[]): string[] {
  return missing.map((g) => `${placeOf(g)}: ${g.reason}; fix: ${g.fix ?? FALLBACK_FIX}`);
}

/** One sentence for a timeline or a summary: "not searched: A (why); B (why)". */
export function missingSentence(missing: readonly Unsearched[]): string {
  return `not searched: ${missing.map((g) => `${placeOf(g)} (${g.reason})`).join("; ")}`;
}

/**
 * The error `intake`, `plan`, `apply` and `resolve` end with when the search was not complete
 * (exit 69, service unavailable): what they did is done and printed; this says what is missing.
 */
export function notSearchedError(missing: readonly Unsearched[], what: string): UserError {
  const n = missing.length;
  const lines = missingLines(missing).map((l) => `  - ${l}`);
  return new UserError(
    `${what}: the search is not complete: ${n} place${n === 1 ? "" : "s"} could not be read, so nothing there is "not found" (not searched):\n${lines.join("\n")}`,
    { exitCode: 69, hint: "fix what is named above, then search again: abuse-desk plan CASE --account ... searches the account anew and records the result on the case" },
  );
}

/**
 * A resolution as it was recorded (a timeline event's data, perhaps from before `not-searched`
 * existed): a finding "not found" in an account with a place that was not read is not searched.
 */
export function readResolution(data: { findings?: unknown; gaps?: unknown } | null | undefined): Pick<Resolution, "findings" | "gaps"> {
  const findings = Array.isArray(data?.findings) ? (data.findings as Finding[]) : [];
  const gaps = Array.isArray(data?.gaps) ? (data.gaps as Unsearched[]) : [];
  const outcome = searchOutcome({ gaps });
  if (outcome.status === "searched") return { findings, gaps };
  const touches = (f: Finding) => outcome.missing.some((g) => g.accountId === "*" || !f.ref.accountId || g.accountId === f.ref.accountId || f.searched.some((s) => s.accountId === g.accountId));
  return { findings: findings.map((f) => (f.status === "not-found" && touches(f) ? { ...f, status: "not-searched" as const } : f)), gaps };
}
