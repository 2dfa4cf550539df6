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

/** A problem said once for the places it stopped: one account's regions that failed the same way (no credentials, the same denied action). */
export interface MissingGroup {
  accountId: string;
  /** The regions it stopped, in order; empty for an account-wide gap. */
  regions: string[];
  reason: string;
  fix: string;
}

/**
 * The gaps, one per problem: the regions of an account that could not be read for the same reason
 * with the same fix (a credential problem fails every region alike) are one group, said once. A
 * reason that names its region is compared with the region taken out.
 */
export function groupMissing(missing: readonly Unsearched[]): MissingGroup[] {
  const groups = new Map<string, MissingGroup>();
  for (const g of missing) {
    const general = g.region ? g.reason.split(g.region).join("{region}") : g.reason;
    const fix = (g.fix ?? FALLBACK_FIX).split(g.region ?? "\u0000").join("{region}");
    const key = JSON.stringify([g.accountId, g.region ? "r" : "a", g.cause ?? "", general, fix]);
    const found = groups.get(key);
    if (found && g.region) found.regions.push(g.region);
    else if (!found) groups.set(key, { accountId: g.accountId, regions: g.region ? [g.region] : [], reason: general, fix });
  }
  return [...groups.values()].map((x) => {
    // one region: its own words; several: the region in the words becomes "each region"
    const say = (t: string) => t.split("{region}").join(x.regions.length === 1 ? x.regions[0]! : "each region");
    return { ...x, reason: say(x.reason), fix: say(x.fix) };
  });
}

function groupPlace(x: MissingGroup): string {
  if (x.regions.length <= 1) return placeOf({ accountId: x.accountId, region: x.regions[0] });
  const shown = x.regions.length > 6 ? `${x.regions.slice(0, 5).join(", ")} and ${x.regions.length - 5} more` : x.regions.join(", ");
  return `${x.accountId} in ${x.regions.length} regions (${shown})`;
}

/** One line per problem: where (an account's regions that failed alike are one line), why, and the fix. */
export function missingLines(missing: readonly Unsearched[]): string[] {
  return groupMissing(missing).map((x) => `${groupPlace(x)}: ${x.reason}; fix: ${x.fix}`);
}

/** One sentence for a timeline or a summary: "not searched: A (why); B (why)". */
export function missingSentence(missing: readonly Unsearched[]): string {
  return `not searched: ${groupMissing(missing).map((x) => `${groupPlace(x)} (${x.reason})`).join("; ")}`;
}

/**
 * The error `intake`, `plan`, `apply` and `resolve` end with when the search was not complete
 * (exit 69, service unavailable): what they did is done and printed; this says what is missing.
 */
export function notSearchedError(missing: readonly Unsearched[], what: string, again?: string): UserError {
  const n = missing.length;
  const lines = missingLines(missing).map((l) => `  - ${l}`);
  return new UserError(
    `${what}: the search is not complete: ${n} place${n === 1 ? "" : "s"} could not be read, so nothing there is "not found" (not searched):\n${lines.join("\n")}`,
    { exitCode: 69, hint: `fix what is named above, then search again: ${again ?? "abuse-desk plan CASE --account ..."} (it searches the account anew and records the result on the case)` },
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
