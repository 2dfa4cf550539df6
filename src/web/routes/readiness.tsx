/**
 * The readiness page (/readiness): the latest kept readiness run of each account
 * (src/case/readiness-runs.ts; `abuse-desk readiness` keeps one, and the service runs one daily),
 * its score and the trend of its scores over the recent runs, the failing checks by severity with
 * their resources and the fix (console path and CLI), and the checks that could not run (never
 * shown as passed). A case's page links here for the gaps that let it happen.
 *
 * Any signed-in role may read it. Everything shown of a run came from the estate (resource ids,
 * tag-derived names, details, reasons): it goes in as text through hono/jsx and `Safe`, never as
 * markup, and is already bounded by the store (at most READINESS_LIMITS per check and account).
 */
import type { ReadinessAccountRun, ReadinessAccountSummary, StoredCheckResult } from "../../case/readiness-runs.ts";
import { READINESS_LIMITS } from "../../case/readiness-runs.ts";
import { CHECKS } from "../../readiness/checks.ts";
import type { Severity } from "../../readiness/types.ts";
import { requireRole } from "../auth.ts";
import { page, Safe } from "../layout.tsx";
import type { WebApp, WebDeps } from "../types.ts";

/** Accounts whose details the page shows at once; beyond, the summary links to each. */
export const DETAIL_ACCOUNTS = 10;
/** Runs of the trend shown per account. */
export const TREND_RUNS = 12;
const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** An anchor for an account's section: its id's safe characters only. */
export const accountAnchor = (accountId: string) => `account-${accountId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64)}`;
export const readinessUrl = (accountId?: string) => (accountId ? `/readiness?account=${encodeURIComponent(accountId)}#${accountAnchor(accountId)}` : "/readiness");

function Trend(props: { runs: ReadinessAccountSummary[] }) {
  const runs = props.runs;
  if (runs.length < 2) return <span class="muted">one run so far</span>;
  const first = runs[0]!.score;
  const last = runs.at(-1)!.score;
  const way = last > first ? "up" : last < first ? "down" : "steady";
  return (
    <span>
      {runs.map((r) => r.score).join(" → ")} <span class="muted">({way} over {runs.length} runs)</span>
    </span>
  );
}

function Resources(props: { r: StoredCheckResult }) {
  const { r } = props;
  return (
    <ul class="plain">
      {r.failed.map((f) => (
        <li>
          <code>
            <Safe text={f.id} max={READINESS_LIMITS.text} />
          </code>
          {f.region ? (
            <>
              {" "}
              in <Safe text={f.region} max={64} />
            </>
          ) : null}
          : <Safe text={f.detail} max={READINESS_LIMITS.text} />
        </li>
      ))}
      {r.failedTotal > r.failed.length ? (
        <li class="muted">
          and {r.failedTotal - r.failed.length} more (counted, not kept: at most {READINESS_LIMITS.resources} per check and account)
        </li>
      ) : null}
    </ul>
  );
}

function Fix(props: { id: string }) {
  const def = CHECKS.find((c) => c.id === props.id);
  if (!def) return <p class="muted">This build no longer has this check; see docs/readiness.md of the version that ran it.</p>;
  return (
    <dl class="kv">
      <dt>Why it matters</dt>
      <dd>{def.why}</dd>
      <dt>Fix (console)</dt>
      <dd>{def.remediation.console}</dd>
      <dt>Fix (CLI)</dt>
      <dd>
        <code>{def.remediation.cli}</code>
      </dd>
    </dl>
  );
}

function AccountRun(props: { run: ReadinessAccountRun; trend: ReadinessAccountSummary[] }) {
  const { run, trend } = props;
  const failing = run.results.filter((r) => r.status === "fail");
  const notRun = run.results.filter((r) => r.status === "could-not-run");
  const id = accountAnchor(run.accountId);
  return (
    <section id={id} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>
        Account <Safe text={run.accountId} max={64} />
        {run.name ? (
          <>
            {" "}
            (<Safe text={run.name} max={120} />)
          </>
        ) : null}
        : score {run.score}/100
      </h2>
      <p>
        Run {run.runId}, <time datetime={run.generatedAt}>{run.generatedAt}</time>, from <Safe text={run.source} max={120} />: {run.counts.pass} passed, {run.counts.fail} failed, {run.counts["could-not-run"]} could not run
        (never counted as passed). {run.reachable ? `${run.regions} regions read.` : <strong>abuse-desk could not enter this account.</strong>}
      </p>
      {run.truncated ? <p class="muted">Bounded: <Safe text={run.truncated} max={1000} />.</p> : null}
      <h3>Trend</h3>
      <p>
        Scores of the last {trend.length} run{trend.length === 1 ? "" : "s"}, oldest first: <Trend runs={trend} />
      </p>
      {trend.length > 1 ? (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Scores of account {run.accountId} over its recent runs</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">When</th>
                <th scope="col">Score</th>
                <th scope="col">Failed</th>
                <th scope="col">Could not run</th>
              </tr>
            </thead>
            <tbody>
              {trend.map((t) => (
                <tr>
                  <td>{t.runId}</td>
                  <td>
                    <time datetime={t.generatedAt}>{t.generatedAt}</time>
                  </td>
                  <td>{t.score}</td>
                  <td>{t.counts.fail}</td>
                  <td>{t.counts["could-not-run"]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h3>Failing checks</h3>
      {failing.length === 0 ? <p>No check failed in this account.</p> : null}
      {SEVERITIES.map((sev) => {
        const these = failing.filter((r) => r.severity === sev);
        if (these.length === 0) return null;
        return (
          <>
            <h4>
              <span class={`sev ${sev}`}>{sev}</span> ({these.length})
            </h4>
            {these.map((r) => (
              <details open>
                <summary>
                  <strong>{r.title}</strong> <code>{r.id}</code>: {r.failedTotal} failing
                </summary>
                <Resources r={r} />
                <Fix id={r.id} />
              </details>
            ))}
          </>
        );
      })}
      <h3>Could not run</h3>
      {notRun.length === 0 ? (
        <p>Every check ran in this account.</p>
      ) : (
        <>
          <p>These checks could not read everything they need here: they are not passed, and nothing they would have found is known to be absent.</p>
          <ul>
            {notRun.map((r) => (
              <li>
                <strong>{r.title}</strong> <code>{r.id}</code> ({r.severity}):{" "}
                {r.notRun.map((n, i) => (
                  <>
                    {i ? "; " : ""}
                    {n.region ? (
                      <>
                        <Safe text={n.region} max={64} />:{" "}
                      </>
                    ) : null}
                    <Safe text={n.reason} max={READINESS_LIMITS.text} />
                  </>
                ))}
                {r.notRunTotal > r.notRun.length ? <span class="muted"> and {r.notRunTotal - r.notRun.length} more places</span> : null}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** The `account` query parameter: an account id as the store keeps them, or nothing. */
function accountParam(v: string | undefined): string | null {
  if (v === undefined || v === "") return null;
  return /^[A-Za-z0-9_-]{1,64}$/.test(v) ? v : "";
}

export function readinessRoutes(app: WebApp, deps: WebDeps): void {
  app.get("/readiness", requireRole("viewer"), async (c) => {
    const chosen = accountParam(c.req.query("account"));
    const latest = await deps.store.readinessLatest();
    if (latest.length === 0) {
      return page(
        c,
        "Readiness",
        <section>
          <h1>Readiness</h1>
          <p>
            No readiness run is kept yet. Run <code>abuse-desk readiness</code> (it keeps each run in the case store), or let the service run it daily (<code>scheduler.readiness</code> in the configuration, docs/service-scheduler.md).
          </p>
        </section>,
        { active: "readiness" },
      );
    }
    const shown = chosen !== null ? latest.filter((a) => a.accountId === chosen) : latest.slice(0, DETAIL_ACCOUNTS);
    const details = await Promise.all(
      shown.map(async (a) => {
        const [run, trend] = await Promise.all([deps.store.readinessAccountRun(a.accountId, { runId: a.runId }), deps.store.readinessTrend(a.accountId, { limit: TREND_RUNS })]);
        return run ? { run, trend } : null;
      }),
    );
    const trends = new Map(details.filter((d) => d !== null).map((d) => [d.run.accountId, d.trend]));
    return page(
      c,
      "Readiness",
      <>
        <section aria-labelledby="readiness-h">
          <h1 id="readiness-h">Readiness</h1>
          <p>
            The latest kept readiness run of each account: whether AWS's mail reaches a person, whether there are logs to answer a notice from, the exposures AWS writes about, and whether abuse-desk can investigate and contain. The score is
            severity-weighted; a check that could not run is never counted as passed. Checks and fixes: docs/readiness.md.
          </p>
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Latest readiness run of each account</caption>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Score</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Could not run</th>
                  <th scope="col">Run</th>
                </tr>
              </thead>
              <tbody>
                {latest.map((a) => (
                  <tr>
                    <td>
                      <a href={readinessUrl(a.accountId)}>
                        <Safe text={a.accountId} max={64} />
                      </a>
                      {a.name ? (
                        <>
                          {" "}
                          (<Safe text={a.name} max={120} />)
                        </>
                      ) : null}
                      {a.reachable ? null : <strong> not entered</strong>}
                    </td>
                    <td>{a.score}/100</td>
                    <td>{a.counts.fail}</td>
                    <td>{a.counts["could-not-run"]}</td>
                    <td>
                      {a.runId}, <time datetime={a.generatedAt}>{a.generatedAt}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {chosen === null && latest.length > DETAIL_ACCOUNTS ? <p class="muted">The details of the first {DETAIL_ACCOUNTS} accounts follow; choose an account above for its own.</p> : null}
          {chosen !== null && shown.length === 0 ? <p>No readiness run is kept for that account.</p> : null}
          {chosen !== null ? (
            <p>
              <a href="/readiness">Every account</a>
            </p>
          ) : null}
        </section>
        {details.map((d) => (d ? <AccountRun run={d.run} trend={trends.get(d.run.accountId) ?? []} /> : null))}
      </>,
      { active: "readiness" },
    );
  });
}
