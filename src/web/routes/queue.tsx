/**
 * The queue: open cases, deadline first, with a live countdown, verdict, activity, accounts,
 * assignee and status; each links to its case page (/cases/:id, routes/case.tsx).
 */
import { CASE_STATUSES, SEVERITIES, type Case } from "../../case/types.ts";
import { ACTIVITY_TYPES } from "../../notice/types.ts";
import { parseQueueQuery, queryString, searchCaseId, toFilter, VERDICTS, type QueueQuery } from "../queue-filter.ts";
import { requireRole } from "../auth.ts";
import { page, Safe } from "../layout.tsx";
import type { WebApp, WebDeps } from "../types.ts";

/** Cases per page. */
export const PAGE = 50;

export function Countdown(props: { at: string; now: Date }) {
  const ms = Date.parse(props.at) - props.now.getTime();
  return (
    <time data-countdown datetime={props.at} class={ms < 0 ? "overdue" : undefined} title={props.at}>
      {timeLeft(ms)}
    </time>
  );
}

/** `2d 4h left`, `overdue by 3h 5m` (the same words app.js writes as it ticks). */
export function timeLeft(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const t = d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
  return ms < 0 ? `overdue by ${t}` : `${t} left`;
}

export function VerdictBadge(props: { verdict: string }) {
  return <span class={`badge ${props.verdict}`}>{props.verdict}</span>;
}

export function CaseRows(props: { cases: Case[]; now: Date }) {
  return (
    <>
      {props.cases.map((k) => (
        <tr>
          <td class="mono">
            <a href={`/cases/${encodeURIComponent(k.id)}`}>{k.id}</a>
            {k.awsCaseNumber ? (
              <div class="muted">
                <Safe text={k.awsCaseNumber} max={80} />
              </div>
            ) : null}
          </td>
          <td>
            <Countdown at={k.deadline.at} now={props.now} />
          </td>
          <td>
            <VerdictBadge verdict={k.verdict} />
          </td>
          <td>{k.activityType}</td>
          <td class="mono">{k.accountIds.join(", ")}</td>
          <td>{k.assignee ? <Safe text={k.assignee} /> : <span class="muted">unassigned</span>}</td>
          <td>{k.status}</td>
          <td class="hide-narrow">
            <Safe text={k.subject} max={140} />
          </td>
        </tr>
      ))}
    </>
  );
}

function CaseTable(props: { cases: Case[]; now: Date; caption: string }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Case</th>
            <th scope="col">Deadline</th>
            <th scope="col">Verdict</th>
            <th scope="col">Activity</th>
            <th scope="col">Accounts</th>
            <th scope="col">Assignee</th>
            <th scope="col">Status</th>
            <th scope="col" class="hide-narrow">Subject</th>
          </tr>
        </thead>
        <tbody>
          <CaseRows cases={props.cases} now={props.now} />
        </tbody>
      </table>
    </div>
  );
}

function Select(props: { name: string; label: string; options: readonly string[]; value: string | null; any?: string }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">{props.any ?? "any"}</option>
        {props.options.map((o) => (
          <option value={o} selected={props.value === o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

function Filters(props: { q: QueueQuery }) {
  const { q } = props;
  return (
    <form class="filters" method="get" action="/" role="search">
      <label>
        Search
        <input type="search" name="q" value={q.q} placeholder="case number, instance, IP, key" maxlength={200} />
      </label>
      <Select name="status" label="Status" options={CASE_STATUSES} value={q.status[0] ?? null} any="open" />
      <Select name="verdict" label="Verdict" options={VERDICTS} value={q.verdict[0] ?? null} />
      <Select name="activity" label="Activity" options={ACTIVITY_TYPES} value={q.activity} />
      <Select name="severity" label="Severity" options={SEVERITIES} value={q.severity} />
      <label>
        Account
        <input type="text" name="account" value={q.account ?? ""} inputmode="numeric" pattern="[0-9]{12}" maxlength={12} size={13} />
      </label>
      <label>
        Assignee (- for nobody)
        <input type="text" name="assignee" value={q.assignee ?? ""} maxlength={64} size={12} />
      </label>
      <label>
        <span>
          <input type="checkbox" name="needsLinking" value="1" checked={q.needsLinking} /> needs linking
        </span>
      </label>
      <label>
        <span>
          <input type="checkbox" name="all" value="1" checked={q.all} /> closed too
        </span>
      </label>
      <button type="submit">Filter</button>
      <a href="/">Clear</a>
    </form>
  );
}

export function queueRoutes(app: WebApp, deps: WebDeps): void {
  app.get("/", requireRole("viewer"), async (c) => {
    const now = deps.clock();
    const qq = parseQueueQuery((k) => c.req.query(k), (k) => c.req.queries(k) ?? []);
    // The desk's own case id goes straight to the case.
    const direct = qq.q ? searchCaseId(qq.q) : null;
    if (direct && (await deps.store.getCase(direct))) return c.redirect(`/cases/${encodeURIComponent(direct)}`, 303);
    const r = await deps.store.listCases(toFilter(qq), { limit: PAGE, after: qq.after, before: qq.before });
    const caption = qq.q ? "Cases matching the search, deadline first" : qq.all ? "Cases, deadline first" : "Open cases, deadline first";
    return page(
      c,
      "Queue",
      <section>
        <h1>Queue</h1>
        <Filters q={qq} />
        <CaseTable cases={r.items} now={now} caption={caption} />
        {r.items.length === 0 ? <p class="muted">{qq.q ? "No case matches the search." : "No case matches these filters."}</p> : null}
        <p class="pager">
          {qq.after || qq.before ? <a href={`/${queryString(qq)}`}>First page</a> : null}
          {r.prev ? (
            <a href={`/${queryString(qq, null, r.prev)}`} rel="prev">
              Previous page
            </a>
          ) : null}
          {r.next ? (
            <a href={`/${queryString(qq, r.next)}`} rel="next">
              Next page
            </a>
          ) : null}
        </p>
      </section>,
      { active: "queue" },
    );
  });

  app.get("/needs-a-person", requireRole("viewer"), async (c) => {
    const now = deps.clock();
    const [att, doubtful, unlinked] = await Promise.all([
      deps.store.needsAttention(),
      deps.store.listCases({ verdict: ["suspicious", "phishing"] }, { limit: PAGE }),
      deps.store.listCases({ needsLinking: true }, { limit: PAGE }),
    ]);
    const caseLink = (id: string) => <a href={`/cases/${encodeURIComponent(id)}`}>{id}</a>;
    return page(
      c,
      "Needs a person",
      <section>
        <h1>Needs a person</h1>
        {att.truncated ? <p class="muted">Showing the most urgent open cases' plans only.</p> : null}
        <h2 id="approve">Plans waiting for approval or to be applied ({att.pendingPlans.length})</h2>
        {att.pendingPlans.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <div class="table-wrap">
            <table aria-labelledby="approve">
              <thead>
                <tr>
                  <th scope="col">Case</th>
                  <th scope="col">Deadline</th>
                  <th scope="col">Plan</th>
                  <th scope="col">State</th>
                  <th scope="col">Steps waiting</th>
                </tr>
              </thead>
              <tbody>
                {att.pendingPlans.map((p) => (
                  <tr>
                    <td class="mono">{caseLink(p.caseId)}</td>
                    <td>
                      <Countdown at={p.deadline} now={now} />
                    </td>
                    <td class="mono">
                      {p.planId} <span class="muted">({p.playbook})</span>
                    </td>
                    <td>
                      {p.approval ? (
                        <>
                          <strong>approved, not applied</strong> <span class="muted">
                            by <Safe text={p.approval.by} max={80} /> at <span class="mono">{p.approval.at}</span>
                          </span>
                        </>
                      ) : (
                        "waiting for approval"
                      )}
                    </td>
                    <td>
                      {p.waiting} of {p.steps}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <h2 id="failed">Failed steps ({att.failedSteps.length})</h2>
        {att.failedSteps.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <div class="table-wrap">
            <table aria-labelledby="failed">
              <thead>
                <tr>
                  <th scope="col">Case</th>
                  <th scope="col">Plan / step</th>
                  <th scope="col">What failed</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {att.failedSteps.map((f) => (
                  <tr>
                    <td class="mono">{caseLink(f.caseId)}</td>
                    <td class="mono">
                      {f.planId} / {f.stepId}
                    </td>
                    <td>
                      {f.phase === "rollback-failed" ? "roll-back failed" : "apply failed"}
                      {f.error ? (
                        <div class="pre">
                          <Safe text={f.error} max={500} />
                        </div>
                      ) : null}
                    </td>
                    <td class="mono">{f.at}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <h2>Suspicious or phishing notices ({doubtful.items.length}{doubtful.next ? "+" : ""})</h2>
        {doubtful.items.length === 0 ? <p class="muted">None.</p> : <CaseTable cases={doubtful.items} now={now} caption="Open cases whose notice is not trusted: do not act on them; report them to AWS" />}
        {doubtful.next ? <a href="/?verdict=suspicious&verdict=phishing">All of them in the queue</a> : null}
        <h2>Follow-ups that matched no case ({unlinked.items.length}{unlinked.next ? "+" : ""})</h2>
        {unlinked.items.length === 0 ? <p class="muted">None.</p> : <CaseTable cases={unlinked.items} now={now} caption="Open cases to link into the case they belong to" />}
        {unlinked.next ? <a href="/?needsLinking=1">All of them in the queue</a> : null}
      </section>,
      { active: "needs" },
    );
  });
}
