/**
 * Sources and settings, read-only: the intake sources and their health (when the desk runs inside
 * `serve`), the notification and reply channels, the policy, and how the desk itself is set up
 * (sign-in mode, timeouts, four-eyes, account, store). Every configuration value that could be a
 * secret is masked; an `env:NAME` reference is shown as the reference (it names, it does not hold).
 */
import { stringify } from "yaml";
import { requireRole } from "../auth.ts";
import { roleAtLeast } from "../../case/users.ts";
import { page, Safe } from "../layout.tsx";
import type { WebApp, WebDeps } from "../types.ts";

const SECRET_KEY = /pass|secret|token|key|credential|auth|cookie|signature|private|webhook|url/i;

/** A copy of a configuration value with secrets masked (URLs too: they carry credentials and webhook tokens). */
export function masked(v: unknown, key = ""): unknown {
  if (Array.isArray(v)) return v.map((x) => masked(x, key));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, masked(x, k)]));
  if (typeof v === "string") {
    if (/^env:[A-Za-z_][A-Za-z0-9_]*$/.test(v.trim())) return v.trim();
    if (SECRET_KEY.test(key) || /:\/\/[^/\s]*@/.test(v) || /^https?:\/\/hooks\./i.test(v)) return "•••• (set)";
  }
  return v;
}

const SECTIONS: [string, string][] = [
  ["intake", "Intake sources"],
  ["notify", "Notification channels"],
  ["reply", "Reply channel"],
  ["smtp", "SMTP"],
  ["policy", "Policy"],
  ["aws", "AWS"],
];

export function settingsRoutes(app: WebApp, deps: WebDeps): void {
  app.get("/settings", requireRole("viewer"), async (c) => {
    const cfg = deps.config;
    const sources = deps.sources?.() ?? null;
    const doc = deps.document;
    const users = roleAtLeast(c.get("user").role, "approver") ? await deps.store.users.listUsers() : null;
    return page(
      c,
      "Sources & settings",
      <section>
        <h1>Sources &amp; settings</h1>
        <p class="muted">Read-only. Change the configuration file {doc.path ? <code>{doc.path}</code> : "(none: the embedded defaults)"} and restart.</p>
        <h2>Intake sources</h2>
        {sources === null ? (
          <p class="muted">The desk runs alone (abuse-desk web): no intake source runs in this process. abuse-desk serve runs them.</p>
        ) : sources.length === 0 ? (
          <p class="muted">No intake source is configured.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Kind</th>
                  <th scope="col">State</th>
                  <th scope="col">Since</th>
                  <th scope="col">Received</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {sources.map((s) => (
                  <tr>
                    <td>
                      <Safe text={s.name} />
                    </td>
                    <td>{s.kind}</td>
                    <td class={s.state === "failing" ? "overdue" : undefined}>{s.state}</td>
                    <td class="mono">{s.since}</td>
                    <td>{s.received}</td>
                    <td>{s.lastError ? <Safe text={s.lastError} max={300} /> : <span class="muted">none</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <h2>The web desk</h2>
        <dl class="kv">
          <dt>Sign-in</dt>
          <dd>{cfg.proxy.enabled ? `local users, and the ${cfg.proxy.header} header from ${cfg.proxy.trusted.join(", ")}` : "local users (abuse-desk user add)"}</dd>
          <dt>Sessions</dt>
          <dd>
            end after {cfg.session.idleMinutes} minutes idle, {cfg.session.absoluteHours} hours at most
          </dd>
          <dt>Four-eyes</dt>
          <dd>{cfg.fourEyes ? "on: the approver of a plan must not be who wrote it" : "off"}</dd>
          <dt>Account actions run on</dt>
          <dd>{deps.accountSpec ?? "none configured (web.account)"}</dd>
          <dt>Case store</dt>
          <dd class="mono">
            {deps.store.dialect}: <Safe text={deps.store.location} />
          </dd>
          <dt>Limits</dt>
          <dd>
            forms {cfg.limits.bodyBytes} bytes, notices {cfg.limits.noticeBytes} bytes
          </dd>
        </dl>
        {SECTIONS.map(([key, title]) => (
          <>
            <h2>{title}</h2>
            {doc.data[key] === undefined ? (
              <p class="muted">Not configured: the defaults apply.</p>
            ) : (
              <pre class="pre notice-box">
                <Safe text={stringify(masked(doc.data[key]))} max={20_000} />
              </pre>
            )}
          </>
        ))}
        {users ? (
          <>
            <h2>Users</h2>
            <ul>
              {users.map((u) => (
                <li>
                  {u.name} ({u.role}){u.hasPassword ? "" : ", proxy only"}, last sign-in {u.lastLoginAt ?? "never"}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>,
      { active: "settings" },
    );
  });
}
