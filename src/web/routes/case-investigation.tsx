/**
 * The case page's Investigation section (one component, apart from the rest of the page): what the
 * latest `abuse-desk investigate` run states (src/investigate/statement.ts): the activity confirmed
 * or not with its figures, the likely cause, whether the traffic stopped after containment, every
 * finding with its sources (the evidence labels, listed in the Evidence section below), and what was
 * not searched. Everything shown is text from the store, escaped and made safe (a finding can quote
 * a process name or a user agent from the account).
 */
import type { InvestigationStatement } from "../../investigate/statement.ts";
import { Safe } from "../layout.tsx";

export function InvestigationSection(props: { statement: InvestigationStatement | null; caseId: string }) {
  const s = props.statement;
  return (
    <section id="investigation" aria-labelledby="investigation-h">
      <h2 id="investigation-h">Investigation</h2>
      {s === null ? (
        <p class="muted">
          Not investigated yet: <code>abuse-desk investigate <Safe text={props.caseId} max={40} /></code>
        </p>
      ) : (
        <>
          <p>
            Investigation {s.investigationId}, finished <time datetime={s.at}>{s.at}</time>
            {s.status === "partial" ? <strong> (partial: something was not searched)</strong> : null}
          </p>
          <ul>
            {s.activity.map((a) => (
              <li>
                <Safe text={a} max={1000} />
              </li>
            ))}
            <li>
              Likely cause: {s.likelyCause ? <Safe text={s.likelyCause} max={1000} /> : <span class="muted">not established by the investigation</span>}
            </li>
            {s.fixed.map((f) => (
              <li>
                <Safe text={f} max={1000} />
              </li>
            ))}
          </ul>
          {s.findings.length ? (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Severity</th>
                    <th scope="col">Finding</th>
                    <th scope="col">About</th>
                    <th scope="col">Sources</th>
                  </tr>
                </thead>
                <tbody>
                  {s.findings.map((f) => (
                    <tr>
                      <td class={`severity ${f.severity}`}>{f.severity}</td>
                      <td>
                        <Safe text={f.summary} max={1000} />
                        {f.at ? (
                          <>
                            {" "}
                            (<time datetime={f.at}>{f.at}</time>)
                          </>
                        ) : null}
                      </td>
                      <td class="mono">
                        <Safe text={f.subject} max={200} />
                      </td>
                      <td>
                        <Safe text={f.sources.join(", ")} max={600} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p class="muted">No findings.</p>
          )}
          {s.notSearched.length ? (
            <>
              <p>
                <strong>Not searched</strong> (nothing there is known to be absent):
              </p>
              <ul>
                {s.notSearched.map((n) => (
                  <li>
                    <Safe text={n} max={1000} />
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
