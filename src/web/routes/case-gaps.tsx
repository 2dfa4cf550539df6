/**
 * The case page's "Gaps that let this happen" section (one component, apart from the rest of the
 * page): the failing readiness checks that concern the case's resources, regions and accounts
 * (src/readiness/gaps.ts, from the latest kept run of each of its accounts), each with the
 * resources concerned and the fix, the checks that could not run where the case is, and a link to
 * the readiness page. Resource ids and details came from the estate: text, escaped.
 */
import type { CaseGaps } from "../../readiness/gaps.ts";
import { Safe } from "../layout.tsx";
import { readinessUrl } from "./readiness.tsx";

const SCOPE = { resource: "its resources", region: "its region", account: "its account" } as const;

export function GapsSection(props: { gaps: CaseGaps | null }) {
  const g = props.gaps;
  return (
    <section id="gaps" aria-labelledby="gaps-h">
      <h2 id="gaps-h">Gaps that let this happen</h2>
      {g !== null && g.runs.length === 0 && g.noRun.length === 0 ? (
        <p class="muted">
          This case names no account and none of its resources was found yet, so no readiness gap can be linked to it (<a href={readinessUrl()}>readiness</a>).
        </p>
      ) : g === null || g.runs.length === 0 ? (
        <p class="muted">
          No readiness run is kept for the accounts of this case: run <code>abuse-desk readiness</code> to know its gaps (<a href={readinessUrl()}>readiness</a>).
        </p>
      ) : (
        <>
          <p>
            From the latest readiness run of{" "}
            {g.runs.map((r, i) => (
              <>
                {i ? ", " : ""}
                <a href={readinessUrl(r.accountId)}>
                  <Safe text={r.accountId} max={64} />
                </a>{" "}
                (run {r.runId}, <time datetime={r.generatedAt}>{r.generatedAt}</time>)
              </>
            ))}
            .{g.noRun.length ? ` No run is kept for ${g.noRun.join(", ")}.` : ""}
          </p>
          {g.gaps.length === 0 ? <p>No failing readiness check concerns this case's resources, regions or accounts.</p> : null}
          {g.gaps.length ? (
            <ul>
              {g.gaps.map((x) => (
                <li>
                  <span class={`sev ${x.severity}`}>{x.severity}</span> <strong>{x.title}</strong> <code>{x.checkId}</code>, {SCOPE[x.scope]}:{" "}
                  {x.resources.map((f, i) => (
                    <>
                      {i ? "; " : ""}
                      <code>
                        <Safe text={f.id} max={300} />
                      </code>{" "}
                      <Safe text={f.detail} max={300} />
                    </>
                  ))}
                  {x.remediation ? (
                    <dl class="kv">
                      <dt>Fix (console)</dt>
                      <dd>{x.remediation.console}</dd>
                      <dt>Fix (CLI)</dt>
                      <dd>
                        <code>{x.remediation.cli}</code>
                      </dd>
                    </dl>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : null}
          {g.notChecked.length ? (
            <>
              <p>Not checked where this case is (these could not run, so nothing there is known to be fine):</p>
              <ul>
                {g.notChecked.map((n) => (
                  <li>
                    <code>{n.checkId}</code> in <Safe text={n.accountId} max={64} />: <Safe text={n.notRun.map((w) => `${w.region ? `${w.region}: ` : ""}${w.reason}`).join("; ")} max={1000} />
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      )}
    </section>
  );
}
