/**
 * The queue: open cases, deadline first, with a live countdown, verdict, activity, accounts,
 * assignee and status; each links to its case page (/cases/:id, routes/case.tsx).
 */
import type { Case } from "../../case/types.ts";
import { requireRole } from "../auth.ts";
import { page, Safe } from "../layout.tsx";
import type { WebApp, WebDeps } from "../types.ts";

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

export function queueRoutes(app: WebApp, deps: WebDeps): void {
  app.get("/", requireRole("viewer"), async (c) => {
    const now = deps.clock();
    const after = c.req.query("after") ?? null;
    const r = await deps.store.listCases({}, { limit: 50, after });
    return page(
      c,
      "Queue",
      <section>
        <h1>Queue</h1>
        <div class="table-wrap">
          <table>
            <caption class="muted">Open cases, deadline first</caption>
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
              <CaseRows cases={r.items} now={now} />
            </tbody>
          </table>
        </div>
        {r.items.length === 0 ? <p class="muted">No open case.</p> : null}
        {r.next ? (
          <p class="pager">
            <a href={`/?after=${encodeURIComponent(r.next)}`}>Next page</a>
          </p>
        ) : null}
      </section>,
      { active: "queue" },
    );
  });
}
