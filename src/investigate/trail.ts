/**
 * The one CloudTrail search the investigation and the credential sweep share: a LookupEvents query
 * run in every scope (account + region) at once.
 *
 * CloudTrail's LookupEvents quota is 2 requests per second per account and region. The AWS adapter
 * paces each region on its own (src/cloud/aws/cloudtrail.ts), so running every scope in parallel
 * makes the wall time the slowest region's, not the sum. A scope that could not be read (access
 * denied, region disabled, throttled past the retries) is reported in `notSearched` with the reason:
 * it is never the same as "no events".
 */
import { CloudError } from "../cloud/errors.ts";
import type { Scope, TrailEvent } from "../cloud/model.ts";
import type { CloudReader, TrailQuery } from "../cloud/port.ts";
import type { NotSearched } from "./types.ts";

export interface TrailSearch extends Omit<TrailQuery, "limit"> {
  /** Every account and region to search. */
  scopes: Scope[];
}

export interface TrailSearchResult {
  /** Every event found, newest first, with the account it was read in. */
  events: (TrailEvent & { accountId: string })[];
  /** Scopes read completely. */
  searched: Scope[];
  notSearched: NotSearched[];
}

export interface TrailSearchOptions {
  /** One line per scope finished, for a person on a terminal. */
  progress?: (message: string) => void;
  /** Stops waiting: scopes not finished are reported as not searched. */
  signal?: AbortSignal;
}

export async function searchTrail(
  port: Pick<CloudReader, "lookupEvents">,
  q: TrailSearch,
  opts: TrailSearchOptions = {},
): Promise<TrailSearchResult> {
  const { scopes, ...query } = q;
  const unique = [...new Map(scopes.map((s) => [`${s.accountId}/${s.region}`, s])).values()];
  const result: TrailSearchResult = { events: [], searched: [], notSearched: [] };
  let done = 0;
  const aborted = new Promise<"aborted">((resolve) => {
    if (opts.signal?.aborted) resolve("aborted");
    opts.signal?.addEventListener("abort", () => resolve("aborted"), { once: true });
  });

  await Promise.all(
    unique.map(async (scope) => {
      const where = `${scope.accountId}/${scope.region}`;
      try {
        const outcome = await Promise.race([port.lookupEvents(scope, query), aborted]);
        if (outcome === "aborted") {
          result.notSearched.push({ what: "CloudTrail LookupEvents", scope, reason: "stopped before this region was read" });
          return;
        }
        for (const e of outcome) result.events.push({ ...e, accountId: scope.accountId });
        result.searched.push(scope);
        opts.progress?.(`CloudTrail ${where}: ${outcome.length} event(s) (${++done}/${unique.length})`);
      } catch (err) {
        const reason = err instanceof CloudError ? err.message : `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
        result.notSearched.push({ what: "CloudTrail LookupEvents", scope, reason });
        opts.progress?.(`CloudTrail ${where}: not searched (${++done}/${unique.length})`);
      }
    }),
  );

  const seen = new Set<string>();
  result.events = result.events.filter((e) => {
    const key = `${e.accountId}/${e.eventId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  result.events.sort((a, b) => Date.parse(b.eventTime) - Date.parse(a.eventTime) || a.eventId.localeCompare(b.eventId));
  const order = (s: Scope) => `${s.accountId}/${s.region}`;
  result.searched.sort((a, b) => order(a).localeCompare(order(b)));
  result.notSearched.sort((a, b) => order(a.scope!).localeCompare(order(b.scope!)));
  return result;
}
