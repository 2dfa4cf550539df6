/**
 * The case page (/cases/:id) and its actions: a person understands the case in a minute (the
 * notice with each fact marked where it was read, the verdict with every reason, the facts, the
 * deadline, the resources with their context, the plan with the exact API calls), approves and
 * applies the plan (all of it, or chosen steps), watches the journal live (server-sent events,
 * /cases/:id/events), rolls back, downloads evidence and the report, adds notes, assigns, links,
 * changes the status, and edits and sends the reply.
 *
 * Roles (src/web/README.md): viewer reads; responder writes notes, drafts, plans, assignment,
 * links and status; approver applies, rolls back and sends the reply. Four-eyes (`web.fourEyes`):
 * the approver of a plan is not the person who wrote it. Every write goes through the store as
 * `web:<name>`, so the timeline and the audit chain name the person.
 *
 * Everything the notice says is attacker-controlled: it is rendered as text (hono/jsx escapes it;
 * `Safe` shows bidi and control characters), downloads are attachments of a neutral type, and the
 * live journal is JSON the page's script writes with textContent.
 */
import { streamSSE } from "hono/streaming";
import type { Child } from "hono/jsx";
import { CASE_STATUSES, type Case, type CaseStatus } from "../../case/types.ts";
import { UserError } from "../../errors.ts";
import { requireRole } from "../auth.ts";
import { buildCaseView, caseViewFor, type CaseView, type NoticeView, type PlanView, type Segment, type StepView } from "../case-view.ts";
import { receivedView, type ReceivedHeader, type ReceivedView } from "../notice-received.ts";
import { denied } from "../errors.tsx";
import { caseFeed, FeedLimiter, FeedWaker, formatCursor, parseCursor } from "../journal-events.ts";
import { CsrfField, page, Safe } from "../layout.tsx";
import { assetPath } from "../static.ts";
import type { WebApp, WebContext, WebDeps } from "../types.ts";
import { Countdown, VerdictBadge } from "./queue.tsx";
import { applyAsPerson, approvePlan, casePlan, checkId, replyContext, rollbackAsPerson, saveDraft, sendReply, writePlan, type ActAs, type ReplyContext } from "./case-actions.ts";
import { readCase } from "../../case/read.ts";
import { InvestigationSection } from "./case-investigation.tsx";
import { GapsSection } from "./case-gaps.tsx";

/** Live feeds open at once in this process, and how long one lives before the browser reconnects. */
export const FEED_LIMIT = 200;
export const FEED_MAX_MS = 5 * 60_000;
export const FEED_POLL_MS = 1000;

const MAX_REF = 100;
const MAX_NOTE = 10_000;
const MAX_REASON = 1000;

function act(c: WebContext, deps: WebDeps): ActAs {
  return { user: c.get("user"), actor: c.get("actor"), now: deps.clock() };
}

async function caseOf(c: WebContext, deps: WebDeps): Promise<Case> {
  const ref = c.req.param("id") ?? "";
  if (ref.length === 0 || ref.length > MAX_REF || /[\u0000-\u001f]/.test(ref)) throw new UserError("there is no such case", { exitCode: 66 });
  return deps.store.requireCase(ref);
}

const isHtmx = (c: WebContext) => c.req.header("hx-request") === "true";
const caseUrl = (id: string, anchor = "") => `/cases/${encodeURIComponent(id)}${anchor}`;

async function form(c: WebContext): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === "string");
  }
  return out;
}
const one = (f: Record<string, string | string[]>, k: string): string => {
  const v = f[k];
  return typeof v === "string" ? v : Array.isArray(v) ? (v[0] ?? "") : "";
};
const many = (f: Record<string, string | string[]>, k: string): string[] => {
  const v = f[k];
  return v === undefined ? [] : typeof v === "string" ? [v] : v;
};
function bounded(text: string, max: number, what: string): string {
  if (text.length > max) throw new UserError(`the ${what} is longer than ${max} characters`, { exitCode: 64 });
  return text;
}

/** A file name for a download: the label's safe characters only. */
export function downloadName(label: string, fallback: string): string {
  const n = label.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 120);
  return n || fallback;
}

// ---------------------------------------------------------------------------------------------
// Rendering

function Severity(props: { s: string }) {
  return <span class={`sev ${props.s}`}>{props.s}</span>;
}

/** A fact marked in the notice's text: named for a screen reader and on hover, reachable by keyboard. */
function Fact(props: { s: Segment }) {
  const fact = props.s.fact ?? "";
  return (
    <mark data-fact={fact} title={fact} tabindex={0}>
      <Safe text={props.s.text} />
      <span class="sr-only"> ({fact})</span>
    </mark>
  );
}

function Segments(props: { segments: readonly Segment[] }) {
  return <>{props.segments.map((s) => (s.fact ? <Fact s={s} /> : <Safe text={s.text} />))}</>;
}

/** Header rows of the notice as received (its own, or those of the message it forwards). */
function HeaderRows(props: { headers: readonly ReceivedHeader[] }) {
  return (
    <>
      {props.headers.map((h) => (
        <>
          <dt>{h.name}</dt>
          <dd>
            <Segments segments={h.segments} />
          </dd>
        </>
      ))}
    </>
  );
}

/** The notice as received: its headers and its whole text, each fact marked where it was read; or why it cannot be shown. */
function Received(props: { n: NoticeView; r: ReceivedView; caseId: string }) {
  const { n, r } = props;
  const rawUrl = caseUrl(props.caseId, `/notices/${n.id}/raw`);
  return (
    <>
      <h3>The notice as received, each fact marked where it was read</h3>
      {r.state === "kept" ? (
        <>
          <p class="muted">
            {r.size} bytes as received (<a href={rawUrl}>download them</a>); shown: the headers and {r.textIs}. {r.marked} fact{r.marked === 1 ? "" : "s"} marked; tab to a mark to hear its name.
          </p>
          {r.headers.length ? (
            <dl class="kv received-headers">
              <HeaderRows headers={r.headers} />
              <dt>Authentication-Results</dt>
              <dd>
                {r.authResults.length ? (
                  <ul class="plain">
                    {r.authResults.map((a) => (
                      <li>
                        <Safe text={a} max={500} />
                      </li>
                    ))}
                  </ul>
                ) : (
                  "none in the message"
                )}
              </dd>
            </dl>
          ) : null}
          {r.forwarded.length ? (
            <>
              <p>The forwarded message:</p>
              <dl class="kv received-headers">
                <HeaderRows headers={r.forwarded} />
              </dl>
            </>
          ) : null}
          <pre class="received" aria-label={`The text of notice ${n.id}`} tabindex={0}>
            {r.lines.map((l, i) => (
              <>
                {i > 0 ? "\n" : ""}
                <Segments segments={l} />
              </>
            ))}
          </pre>
          {r.truncated ? <p class="warn">The text is longer than what is shown: only its first 2 MiB are shown (download the bytes for the rest).</p> : null}
          {r.notFound.length ? (
            <details>
              <summary>Facts not written literally in the text ({r.notFound.length})</summary>
              <ul class="plain">
                {r.notFound.map((x) => (
                  <li>
                    <Safe text={x} max={500} />
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </>
      ) : (
        <>
          <p class="warn">
            <Safe text={`The notice as received cannot be shown: ${r.statement ?? "its bytes were not kept"}.`} max={600} />
          </p>
          <p class="muted">The lines the parser read facts from, as it kept them with the facts (SHA-256 of the bytes: {n.sha256}).</p>
          <ol class="notice-lines">
            {n.lines.map((l) => (
              <li>
                <span class="where">
                  {l.part}
                  {l.line !== null ? ` ${l.line}` : ""}
                </span>
                <span class="line">
                  <Segments segments={l.segments} />
                </span>
              </li>
            ))}
          </ol>
        </>
      )}
    </>
  );
}

function NoticeBlock(props: { n: NoticeView; open: boolean; received: ReceivedView; caseId: string }) {
  const n = props.n;
  return (
    <details class="notice" open={props.open}>
      <summary>
        <VerdictBadge verdict={n.verdict} /> {n.kind.replace(/_/g, " ")}, received <time datetime={n.receivedAt}>{n.receivedAt}</time>{" "}
        <span class="muted">
          <Safe text={n.subject} max={200} />
        </span>
      </summary>
      <dl class="kv">
        <dt>From</dt>
        <dd>
          <Safe text={n.from ?? "unknown"} max={300} />
        </dd>
        <dt>Subject</dt>
        <dd>
          <Safe text={n.subject ?? ""} max={500} />
        </dd>
        <dt>Message-ID</dt>
        <dd class="mono">
          <Safe text={n.messageId ?? "none"} max={300} />
        </dd>
        <dt>SHA-256</dt>
        <dd class="mono">{n.sha256}</dd>
        <dt>Joined by</dt>
        <dd>{n.joinedBy}</dd>
      </dl>
      <h3>Why it is judged {n.verdict}</h3>
      <ul class="reasons">
        {n.reasons.map((r) => (
          <li>
            <Severity s={r.severity} /> <Safe text={r.message} max={1000} /> <span class="muted mono">{r.code}</span>
          </li>
        ))}
      </ul>
      <Received n={n} r={props.received} caseId={props.caseId} />
      {n.fields.length ? (
        <details>
          <summary>Every labelled field ({n.fields.length})</summary>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Label</th>
                  <th scope="col">Value</th>
                  <th scope="col">Where</th>
                </tr>
              </thead>
              <tbody>
                {n.fields.slice(0, 500).map((f) => (
                  <tr>
                    <td>
                      <Safe text={f.label} max={200} />
                    </td>
                    <td class="mono">
                      <Safe text={f.value} max={2000} />
                    </td>
                    <td class="muted">
                      <Safe text={f.where} max={300} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
      {n.logExtract ? (
        <details>
          <summary>The reporter's log extract</summary>
          <pre class="pre">
            <Safe text={n.logExtract} max={20_000} />
          </pre>
        </details>
      ) : null}
      <AwsMitigations list={n.mitigations} />
      {n.warnings.map((w) => (
        <p class="warn">
          <Safe text={w} max={500} />
        </p>
      ))}
    </details>
  );
}

function StepRow(props: { s: StepView; planId: string; mayAct: boolean }) {
  const s = props.s;
  return (
    <tr data-step={s.id} class={`state-${s.state}`}>
      <td>
        {props.mayAct && (s.canApply || s.canRollback) ? (
          // No id on it: htmx's swap copies attributes between elements of the same id, which the CSP reports.
          <label>
            <input type="checkbox" name="step" value={s.id} />
            <span class="sr-only">{`Choose step ${s.id}`}</span>
          </label>
        ) : null}
      </td>
      <td>
        <div class="mono">{s.id}</div>
        <div>
          <strong>{s.action}</strong> on <span class="mono">{s.target}</span>
        </div>
        <div>{s.reason}</div>
        <div class="muted">Changes: {s.changes}</div>
        {s.dependsOn.length ? <div class="muted">After: {s.dependsOn.join(", ")}</div> : null}
        <details>
          <summary>{`${s.calls.length} API call${s.calls.length === 1 ? "" : "s"}`}</summary>
          {s.calls.map((call) => (
            <div class="call">
              <div class="mono">{call.api}</div>
              <pre class="pre">{call.params}</pre>
            </div>
          ))}
        </details>
      </td>
      <td>
        <span class={`risk ${s.risk}`}>{s.risk}</span>
        <div class="muted">{s.reversible ? "reversible" : "not reversible"}</div>
      </td>
      <td>
        <span class={`state ${s.state}`}>{s.state.replace(/-/g, " ")}</span>
        <div class="muted">
          <Safe text={s.outcome} max={600} />
        </div>
      </td>
    </tr>
  );
}

function PlanSection(props: { c: WebContext; view: CaseView; message?: Child; deps: WebDeps }) {
  const { c, view } = props;
  const role = c.get("user").role;
  const mayPlan = role === "responder" || role === "approver";
  const mayAct = role === "approver";
  const latest = view.plans[0];
  const doubtful = view.verdict.level === "phishing" || view.verdict.level === "suspicious";
  return (
    <section id="plan" aria-labelledby="plan-h">
      <h2 id="plan-h">Plan</h2>
      <div id="action-result" role="status" aria-live="polite">
        {props.message ?? null}
      </div>
      {latest ? null : <p class="muted">No plan yet.</p>}
      {mayPlan ? (
        <form method="post" action={caseUrl(view.case.id, "/plan")} class="inline">
          <CsrfField c={c} />
          <button type="submit" class="secondary">
            {latest ? "Write a new plan" : "Write a plan"}
          </button>
          <span class="muted"> from the case's notice, resolved in the account {props.deps.accountSpec ?? "(none configured)"} as it is now</span>
        </form>
      ) : null}
      {view.plans.map((p, i) => (
        <PlanBlock c={c} view={view} p={p} latest={i === 0} mayAct={mayAct} doubtful={doubtful} fourEyes={props.deps.config.fourEyes} />
      ))}
    </section>
  );
}

function PlanBlock(props: { c: WebContext; view: CaseView; p: PlanView; latest: boolean; mayAct: boolean; doubtful: boolean; fourEyes: boolean }) {
  const { c, p, view } = props;
  const me = c.get("user").name;
  const ownPlan = props.fourEyes && p.author !== null && (p.author === me || p.author === `web:${me}`);
  const counts = Object.entries(p.counts)
    .map(([k, v]) => `${v} ${k.replace(/-/g, " ")}`)
    .join(", ");
  const anyApply = p.steps.some((s) => s.canApply);
  const anyRollback = p.steps.some((s) => s.canRollback);
  const hx = { "hx-target": "#plan", "hx-swap": "outerHTML", "hx-disabled-elt": "find button" };
  return (
    <details class="plan" open={props.latest} data-plan={p.id}>
      <summary>
        <span class="mono">{p.id}</span> ({p.playbook}), {p.steps.length} steps: {counts}
      </summary>
      <p>{p.summary}</p>
      <p class="muted">
        Written <time datetime={p.createdAt}>{p.createdAt}</time>
        {p.author ? (
          <>
            {" by "}
            <Safe text={p.author} max={100} />
          </>
        ) : null}
      </p>
      <p class={p.approval ? "approval" : "approval muted"} data-approved={p.approval ? "yes" : "no"}>
        {p.approval ? (
          <>
            Approved by <Safe text={p.approval.by} max={100} /> at <time datetime={p.approval.at}>{p.approval.at}</time>
          </>
        ) : (
          "Not approved: an approver approves it before it is applied (or approves and applies it in one step, confirmed)."
        )}
      </p>
      {p.refused.map((r) => (
        <p class="warn">
          Not touched: <Safe text={r} max={500} />
        </p>
      ))}
      {p.warnings.map((w) => (
        <p class="warn">
          <Safe text={w} max={500} />
        </p>
      ))}
      <form method="post" action={caseUrl(view.case.id, `/plans/${encodeURIComponent(p.id)}/act`)} {...(props.mayAct ? { "hx-post": caseUrl(view.case.id, `/plans/${encodeURIComponent(p.id)}/act`), ...hx } : {})}>
        <CsrfField c={c} />
        <div class="table-wrap">
          <table class="steps">
            <caption class="sr-only">{`Steps of plan ${p.id}`}</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span class="sr-only">Choose</span>
                </th>
                <th scope="col">Step, why, API calls</th>
                <th scope="col">Risk</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {p.steps.map((s) => (
                <StepRow s={s} planId={p.id} mayAct={props.mayAct} />
              ))}
            </tbody>
          </table>
        </div>
        {props.mayAct ? (
          <div class="actions">
            {props.doubtful && anyApply ? (
              <label>
                Why you are sure the notice is genuine (the verdict is {view.verdict.level}; required to apply)
                <input type="text" name="override" maxlength={MAX_REASON} />
              </label>
            ) : null}
            <label>
              Reason (for the journal)
              <input type="text" name="reason" maxlength={MAX_REASON} />
            </label>
            {ownPlan ? <p class="warn">Four-eyes: you wrote this plan, so another approver approves and applies it.</p> : null}
            {anyApply && !ownPlan && !p.approval ? (
              <>
                <button type="submit" name="do" value="approve">
                  Approve the plan
                </button>
                <label class="check">
                  <input type="checkbox" name="confirm" value="yes" />
                  Approve and apply in one step: I have read every step
                </label>
              </>
            ) : null}
            {anyApply && !ownPlan ? (
              <>
                <button type="submit" name="do" value="apply-all" class={p.approval ? "" : "secondary"}>
                  Apply all steps
                </button>
                <button type="submit" name="do" value="apply-chosen" class="secondary">
                  Apply chosen steps
                </button>
              </>
            ) : null}
            {anyRollback ? (
              <>
                <button type="submit" name="do" value="rollback-chosen" class="secondary">
                  Roll back chosen steps
                </button>
                <button type="submit" name="do" value="rollback-all" class="secondary">
                  Roll back the plan
                </button>
              </>
            ) : null}
          </div>
        ) : (
          <p class="muted">Applying and rolling back need the approver role.</p>
        )}
      </form>
    </details>
  );
}

function ReplySection(props: { c: WebContext; view: CaseView; reply: ReplyContext; message?: Child }) {
  const { c, view, reply } = props;
  const role = c.get("user").role;
  const mayDraft = role === "responder" || role === "approver";
  const maySend = role === "approver";
  const d = reply.draft;
  const url = caseUrl(view.case.id, "/reply");
  const hx = { "hx-post": url, "hx-target": "#reply", "hx-swap": "outerHTML", "hx-disabled-elt": "find button" };
  return (
    <section id="reply" aria-labelledby="reply-h">
      <h2 id="reply-h">Reply to AWS</h2>
      <div id="reply-result" role="status" aria-live="polite">
        {props.message ?? null}
      </div>
      {view.reply?.status === "sent" ? (
        <p>
          Sent <time datetime={view.reply.at}>{view.reply.at}</time> by {view.reply.via ?? "?"} to <Safe text={view.reply.to ?? ""} />.
        </p>
      ) : null}
      <dl class="kv">
        <dt>To</dt>
        <dd>
          <Safe text={d.to ?? "unknown: the notice does not say who sent it"} />
          {d.to ? <span class="muted">{d.toIsAws ? " (an AWS abuse address)" : " (NOT an AWS abuse address)"}</span> : null}
        </dd>
        <dt>Subject</dt>
        <dd>
          <Safe text={d.subject} max={500} />
        </dd>
        <dt>Template</dt>
        <dd>{d.template}</dd>
        <dt>Sent through</dt>
        <dd>{reply.via ?? "no channel configured (smtp: or reply.ses.region in config.yaml)"}</dd>
      </dl>
      {d.warnings.map((w) => (
        <p class="warn">
          <Safe text={w} max={600} />
        </p>
      ))}
      {reply.savedAt ? <p class="muted">Your edit saved {reply.savedAt} is shown; it was saved after the last change to the case.</p> : null}
      <form method="post" action={url} {...(mayDraft ? hx : {})}>
        <CsrfField c={c} />
        <label for="reply-text">Reply text</label>
        <textarea id="reply-text" name="text" rows={20} readonly={!mayDraft} maxlength={60_000}>
          {reply.text}
        </textarea>
        {mayDraft ? (
          <div class="actions">
            <button type="submit" name="do" value="save" class="secondary">
              Save draft
            </button>
            {maySend ? (
              <>
                {d.to && !d.toIsAws ? (
                  <label class="check">
                    <input type="checkbox" name="allow_non_aws" value="yes" /> Send although the recipient is not an AWS abuse address
                  </label>
                ) : null}
                <button type="submit" name="do" value="send">
                  Send the reply
                </button>
              </>
            ) : null}
          </div>
        ) : null}
      </form>
    </section>
  );
}

/** The evidence table; `oob` when it comes back beside the plan after an apply (htmx swaps it by id). */
function EvidenceSection(props: { view: CaseView; oob?: boolean }) {
  const view = props.view;
  return (
  <section id="evidence" aria-labelledby="evidence-h" hx-swap-oob={props.oob ? "true" : undefined}>
    <h2 id="evidence-h">Evidence</h2>
    {view.evidence.length === 0 ? <p class="muted">No evidence yet.</p> : null}
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Artifact</th>
            <th scope="col">SHA-256</th>
            <th scope="col">Size</th>
            <th scope="col">From</th>
            <th scope="col">Collected</th>
          </tr>
        </thead>
        <tbody>
          {view.evidence.map((e) => (
            <tr>
              <td>
                {e.downloadable && e.id !== null ? (
                  <a href={caseUrl(view.case.id, `/evidence/${e.id}`)} download>
                    <Safe text={e.label} max={200} />
                  </a>
                ) : (
                  <>
                    <Safe text={e.label} max={200} /> <span class="muted">({e.where || "not kept here"})</span>
                  </>
                )}
              </td>
              <td class="mono">{e.sha256}</td>
              <td>{e.size}</td>
              <td class="mono">
                <Safe text={e.source} max={300} />
              </td>
              <td>{e.collectedAt}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  </section>
  );
}

function CasePage(props: { c: WebContext; deps: WebDeps; view: CaseView; reply: ReplyContext; users: string[]; flash: string | null; received: ReceivedView[] }) {
  const { c, view, deps } = props;
  const k = view.case;
  const role = c.get("user").role;
  const mayWrite = role === "responder" || role === "approver";
  const now = new Date(view.now);
  const inPlace = view.plans.some((p) => p.steps.some((s) => s.canRollback));
  return (
    <article class="case" data-case={k.id}>
      <link rel="stylesheet" href={assetPath("case.css")} />
      <script src={assetPath("case.js")} defer></script>
      <header class="case-head">
        <h1>
          <span class="mono">{k.id}</span> <Safe text={k.subject ?? ""} max={200} />
        </h1>
        <p>
          <VerdictBadge verdict={view.verdict.level} /> <span class="status" id="case-status">{k.status}</span> · deadline <Countdown at={k.deadline.at} now={now} /> (
          {k.deadline.basis}) · <span id="case-assignee">{k.assignee ? <Safe text={k.assignee} /> : "unassigned"}</span>
        </p>
        {props.flash ? (
          <p class="flash" role="status">
            {props.flash}
          </p>
        ) : null}
        {(k.status === "closed" || k.status === "resolved") && inPlace ? <p class="warn">Closed, but containment is still in place in the account (closing changes nothing there): roll it back or keep it on purpose.</p> : null}
        <p class="muted">
          {view.subtitle} · <a href={caseUrl(k.id, "/report.md")}>Report (Markdown)</a> · <a href={caseUrl(k.id, "/report.pdf")}>Report (PDF)</a>
        </p>
      </header>

      <nav aria-label="On this page" class="toc">
        <a href="#facts">Facts</a> <a href="#verdict">Verdict</a> <a href="#notices">Notice</a> <a href="#resources">Resources</a> <a href="#plan">Plan</a> <a href="#journal">Journal</a>{" "}
        <a href="#gaps">Gaps</a> <a href="#evidence">Evidence</a> <a href="#reply">Reply</a> <a href="#timeline">Timeline</a> <a href="#manage">Manage</a>
      </nav>

      <section id="facts" aria-labelledby="facts-h">
        <h2 id="facts-h">Facts</h2>
        <dl class="kv">
          {view.facts.map((f) => (
            <>
              <dt>{f.label}</dt>
              <dd>
                <Safe text={f.value} max={1000} />
              </dd>
            </>
          ))}
          <dt>Time left</dt>
          <dd class={view.deadline.overdue ? "overdue" : undefined}>{view.deadline.left}</dd>
        </dl>
        <AwsMitigations list={view.awsMitigations} />
      </section>

      <section id="verdict" aria-labelledby="verdict-h">
        <h2 id="verdict-h">
          Verdict: <VerdictBadge verdict={view.verdict.level} />
        </h2>
        <ul class="reasons">
          {view.verdict.reasons.map((r) => (
            <li>
              <Severity s={r.severity} /> <Safe text={r.message} max={1000} />
            </li>
          ))}
        </ul>
      </section>

      <section id="notices" aria-labelledby="notices-h">
        <h2 id="notices-h">{view.notices.length === 1 ? "The notice" : `The notices (${view.notices.length})`}</h2>
        {view.notices.map((n, i) => (
          <NoticeBlock n={n} open={i === 0} received={props.received[i]!} caseId={view.case.id} />
        ))}
      </section>

      <section id="resources" aria-labelledby="resources-h">
        <h2 id="resources-h">Resources</h2>
        {view.notSearched.length ? (
          <div class="warn" role="note">
            <p>NOT SEARCHED: the search is incomplete; these places could not be read:</p>
            <ul>
              {view.notSearched.map((l) => (
                <li>
                  <Safe text={l} max={600} />
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Where</th>
                <th scope="col">Status</th>
                <th scope="col">Owner</th>
                <th scope="col">Network and scaling</th>
              </tr>
            </thead>
            <tbody>
              {view.resources.map((r) => (
                <tr>
                  <td class="mono">
                    <Safe text={r.id} max={300} />
                    <div class="muted">{r.type}</div>
                  </td>
                  <td class="mono">{r.where}</td>
                  <td>
                    {r.status}
                    <div class="muted">
                      <Safe text={r.summary} max={600} />
                    </div>
                  </td>
                  <td>
                    <Safe text={r.owner} max={300} />
                  </td>
                  <td>
                    <ul class="plain">
                      {[...r.network, ...r.scaling, ...r.notes].map((l) => (
                        <li>
                          <Safe text={l} max={600} />
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <PlanSection c={c} view={view} deps={deps} />

      <section id="journal" aria-labelledby="journal-h" data-feed={caseUrl(k.id, "/events")} data-cursor={formatCursor({ seq: view.journalSeq, event: view.timelineId })}>
        <h2 id="journal-h">Journal</h2>
        <p class="muted" id="feed-state" role="status" aria-live="polite">
          Updates live while a plan runs.
        </p>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">At</th>
                <th scope="col">Step</th>
                <th scope="col">Phase</th>
                <th scope="col">By</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody id="journal-rows">
              {view.journal.map((j) => (
                <tr data-seq={String(j.seq)}>
                  <td>{j.seq}</td>
                  <td>
                    <time datetime={j.at}>{j.at}</time>
                  </td>
                  <td class="mono">{j.stepId ?? j.planId}</td>
                  <td class={`phase ${j.phase}`}>{j.phase}</td>
                  <td>
                    <Safe text={j.actor} max={100} />
                  </td>
                  <td>
                    <Safe text={j.text} max={600} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <InvestigationSection statement={view.investigation} caseId={view.case.id} />
      <GapsSection gaps={view.gaps} />

      <EvidenceSection view={view} />

      <ReplySection c={c} view={view} reply={props.reply} />

      <section id="timeline" aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        <ol class="timeline" id="timeline-rows">
          {view.timeline.map((e) => (
            <li data-id={String(e.id)}>
              <time datetime={e.at}>{e.at}</time> <span class="type">{e.type}</span> <Safe text={e.actor} max={100} />: <Safe text={e.summary} max={1000} />
            </li>
          ))}
        </ol>
      </section>

      <section id="manage" aria-labelledby="manage-h">
        <h2 id="manage-h">Notes, assignment, links, status</h2>
        {mayWrite ? (
          <div class="manage">
            <form method="post" action={caseUrl(k.id, "/note")} class="stack">
              <CsrfField c={c} />
              <label for="note-text">Note</label>
              <textarea id="note-text" name="text" rows={3} maxlength={MAX_NOTE} required></textarea>
              <button type="submit">Add note</button>
            </form>
            <form method="post" action={caseUrl(k.id, "/assign")} class="stack">
              <CsrfField c={c} />
              <label for="assignee">Assignee</label>
              <select id="assignee" name="assignee">
                <option value="">nobody</option>
                {props.users.map((u) => (
                  <option value={u} selected={k.assignee === u}>
                    {u}
                  </option>
                ))}
              </select>
              <button type="submit">Assign</button>
            </form>
            <form method="post" action={caseUrl(k.id, "/status")} class="stack">
              <CsrfField c={c} />
              <label for="status">Status</label>
              <select id="status" name="status">
                {CASE_STATUSES.map((s) => (
                  <option value={s} selected={k.status === s}>
                    {s}
                  </option>
                ))}
                <option value="reopen">reopen</option>
              </select>
              <label for="status-reason">Reason</label>
              <input id="status-reason" type="text" name="reason" maxlength={MAX_REASON} />
              <button type="submit">Change status</button>
            </form>
            <form method="post" action={caseUrl(k.id, "/link")} class="stack">
              <CsrfField c={c} />
              <label for="link-into">Link this case's notices into case</label>
              <input id="link-into" type="text" name="into" maxlength={MAX_REF} value={k.linkInto ?? ""} placeholder="AD-2026-0001" />
              {k.needsLinking ? (
                <p class="warn">
                  Needs linking: <Safe text={k.linkReason ?? ""} max={500} />
                </p>
              ) : null}
              <button type="submit">Link</button>
            </form>
          </div>
        ) : (
          <p class="muted">Notes, assignment, links and status need the responder role.</p>
        )}
        {view.links.length ? (
          <ul>
            {view.links.map((l) => (
              <li>
                {l.direction === "into" ? "Linked into " : "Linked from "}
                <a href={caseUrl(l.caseId)}>{l.caseId}</a>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </article>
  );
}

// ---------------------------------------------------------------------------------------------
// Messages after an action

const FLASH: Record<string, string> = {
  note: "Note added.",
  assigned: "Assignment saved.",
  status: "Status changed.",
  linked: "Linked.",
  planned: "Plan written.",
  approved: "Plan approved: it may be applied now.",
  applied: "Plan applied: see each step's state and the journal.",
  "rolled-back": "Rolled back: see each step's state and the journal.",
  drafted: "Draft saved.",
  sent: "Reply sent.",
};

function applyMessage(r: Awaited<ReturnType<typeof applyAsPerson>>): string {
  const n = (s: string) => r.result.steps.filter((x) => x.status === s).length;
  const parts = [`${n("done")} done`];
  if (n("skipped")) parts.push(`${n("skipped")} already in place`);
  if (n("already-done")) parts.push(`${n("already-done")} done before`);
  if (n("not-run")) parts.push(`${n("not-run")} not run`);
  if (n("failed")) parts.push(`${n("failed")} FAILED`);
  const status = r.result.status === "complete" ? "Applied" : r.result.status === "failed" ? "A step failed; the run stopped" : "Applied in part";
  const notSearched = (r.result as { notSearched?: unknown[] }).notSearched?.length ? " The case is NOT contained: the search it was planned from is incomplete." : "";
  return `${status}: ${parts.join(", ")}.${r.added.length ? ` Also run, as chosen steps depend on them: ${r.added.join(", ")}.` : ""}${notSearched}`;
}

function rollbackMessage(r: Awaited<ReturnType<typeof rollbackAsPerson>>): string {
  const n = (s: string) => r.result.steps.filter((x) => x.status === s).length;
  if (r.result.status === "nothing-to-roll-back") return "Nothing to roll back: no step of it is in place.";
  const parts = [`${n("rolled-back")} rolled back`];
  if (n("failed")) parts.push(`${n("failed")} FAILED`);
  if (n("not-run")) parts.push(`${n("not-run")} not run`);
  return `${r.result.status === "complete" ? "Rolled back" : "The rollback did not finish"}: ${parts.join(", ")}.${r.added.length ? ` Also rolled back, as they depend on the chosen steps: ${r.added.join(", ")}.` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// Routes

export interface CaseRouteOptions {
  waker?: FeedWaker;
  limiter?: FeedLimiter;
  pollMs?: number;
  maxMs?: number;
}

export function caseRoutesWith(opts: CaseRouteOptions = {}) {
  const waker = opts.waker ?? new FeedWaker();
  const limiter = opts.limiter ?? new FeedLimiter(FEED_LIMIT);
  const pollMs = opts.pollMs ?? FEED_POLL_MS;
  const maxMs = opts.maxMs ?? FEED_MAX_MS;

  return function caseRoutes(app: WebApp, deps: WebDeps): void {
    const render = async (c: WebContext, k: Case, flash: string | null) => {
      // The case is read once: the view and the reply draft are both built from these records.
      const [records, users] = await Promise.all([readCase(deps.store, k.id), deps.store.users.listUsers()]);
      const view = buildCaseView(records, deps.clock());
      const [reply, received] = await Promise.all([replyContext(records, deps.document), Promise.all(records.notices.map(async (s) => receivedView(s, await deps.store.noticeRaw(s.id))))]);
      return page(c, `${k.id}`, <CasePage c={c} deps={deps} view={view} reply={reply} users={users.map((u) => u.name)} flash={flash} received={received} />, { active: "queue" });
    };
    const done = (c: WebContext, k: Case, what: keyof typeof FLASH, anchor = "") => c.redirect(`${caseUrl(k.id)}?done=${what}${anchor}`, 303);

    app.get("/cases/:id", requireRole("viewer"), async (c) => {
      const k = await caseOf(c, deps);
      const flash = FLASH[c.req.query("done") ?? ""] ?? null;
      return render(c, k, flash);
    });

    // --- a notice's bytes as received (an attachment of a neutral type: never rendered) -------
    app.get("/cases/:id/notices/:nid/raw", requireRole("viewer"), async (c) => {
      const k = await caseOf(c, deps);
      const nid = c.req.param("nid");
      const notice = /^[0-9]{1,15}$/.test(nid) ? (await deps.store.notices(k.id)).find((n) => n.id === Number(nid)) : undefined;
      if (!notice) throw new UserError(`case ${k.id} has no notice ${nid.slice(0, 20)}`, { exitCode: 66 });
      const raw = await deps.store.noticeRaw(notice.id);
      if (raw.state !== "kept") return c.text(`The bytes of notice ${notice.id} are not available: ${raw.reason}.`, 404);
      return c.body(new Uint8Array(raw.bytes), 200, {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": `attachment; filename="${downloadName(k.id, "case")}-notice-${notice.id}.${notice.notice.format === "email" ? "eml" : notice.notice.format === "health-event" ? "json" : "txt"}"`,
        "X-Content-Type-Options": "nosniff",
      });
    });

    // --- the live feed -----------------------------------------------------------------------
    app.get("/cases/:id/events", requireRole("viewer"), async (c) => {
      const k = await caseOf(c, deps);
      const cursor = parseCursor(c.req.header("last-event-id")) ?? parseCursor(c.req.query("after"));
      let start = cursor;
      if (!start) {
        // No cursor: from now on (the page shows what was before).
        const records = await readCase(deps.store, k.id);
        start = { seq: records.journal.reduce((m, e) => Math.max(m, e.seq), 0), event: records.timeline.reduce((m, e) => Math.max(m, e.id), 0) };
      }
      const release = limiter.take();
      if (!release) return c.text("Too many live views are open; the page still works, reload it to see the journal.", 503, { "Retry-After": "30" });
      return streamSSE(c, async (stream) => {
        const ac = new AbortController();
        stream.onAbort(() => ac.abort());
        try {
          await stream.writeSSE({ event: "hello", data: "{}", retry: 3000 });
          const feed = caseFeed(deps.store, k.id, { cursor: start, signal: ac.signal, maxMs, wait: (signal) => waker.wait(k.id, pollMs, signal) });
          for await (const item of feed) {
            if (item === null) await stream.write(": keep-alive\n\n");
            else await stream.writeSSE({ event: item.kind, id: item.id, data: JSON.stringify(item.data) });
          }
        } finally {
          ac.abort();
          release();
        }
      }, async (err, stream) => {
        // Never the error's text (it may name internals): the log has it; the browser reconnects.
        deps.log.error({ err: { name: err.name, message: err.message }, caseId: k.id }, "web: the live feed failed");
        await stream.writeSSE({ event: "failed", data: "{}" }).catch(() => undefined);
      });
    });

    // --- downloads ----------------------------------------------------------------------------
    app.get("/cases/:id/evidence/:eid", requireRole("viewer"), async (c) => {
      const k = await caseOf(c, deps);
      const eid = c.req.param("eid");
      if (!/^\d{1,12}$/.test(eid)) return denied(c, 404, "There is no such evidence.");
      const e = (await deps.store.evidence(k.id)).find((x) => x.id === Number(eid));
      if (!e) return denied(c, 404, `Case ${k.id} has no evidence ${eid}.`);
      if (e.content === null) return denied(c, 404, `Evidence ${eid} is not kept in the case store${e.path ? " (it is kept elsewhere, as the case page says)" : ""}.`);
      const body = e.encoding === "base64" ? Buffer.from(e.content, "base64") : Buffer.from(e.content, "utf8");
      return c.body(new Uint8Array(body), 200, {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": `attachment; filename="${downloadName(e.label, `evidence-${e.id}`)}"`,
        "X-Evidence-SHA256": e.sha256,
      });
    });

    app.get("/cases/:id/report.md", requireRole("viewer"), async (c) => {
      const k = await caseOf(c, deps);
      const [{ reportForCase }, { renderMarkdown }] = await Promise.all([import("../../report/model.ts"), import("../../report/markdown.ts")]);
      const md = renderMarkdown(await reportForCase(deps.store, k.id, deps.clock()));
      return c.body(md, 200, { "Content-Type": "text/markdown; charset=UTF-8", "Content-Disposition": `attachment; filename="${downloadName(k.id, "case")}-report.md"` });
    });

    app.get("/cases/:id/report.pdf", requireRole("viewer"), async (c) => {
      const k = await caseOf(c, deps);
      const [{ reportForCase }, { renderPdf }] = await Promise.all([import("../../report/model.ts"), import("../../report/pdf.ts")]);
      const pdf = await renderPdf(await reportForCase(deps.store, k.id, deps.clock()));
      return c.body(new Uint8Array(pdf), 200, { "Content-Type": "application/pdf", "Content-Disposition": `attachment; filename="${downloadName(k.id, "case")}-report.pdf"` });
    });

    // --- responder: notes, assignment, status, links, plans, drafts ----------------------------
    app.post("/cases/:id/note", requireRole("responder"), async (c) => {
      const k = await caseOf(c, deps);
      const text = bounded(one(await form(c), "text"), MAX_NOTE, "note");
      const as = act(c, deps);
      await deps.store.addNote(k.id, text, { actor: as.actor, now: as.now });
      return done(c, k, "note", "#timeline");
    });

    app.post("/cases/:id/assign", requireRole("responder"), async (c) => {
      const k = await caseOf(c, deps);
      const who = one(await form(c), "assignee").trim();
      if (who && !(await deps.store.users.getUser(who))) throw new UserError(`${who} is not a user of this desk`, { exitCode: 64 });
      const as = act(c, deps);
      await deps.store.assign(k.id, who || null, { actor: as.actor, now: as.now });
      return done(c, k, "assigned");
    });

    app.post("/cases/:id/status", requireRole("responder"), async (c) => {
      const k = await caseOf(c, deps);
      const f = await form(c);
      const to = one(f, "status");
      const reason = bounded(one(f, "reason").trim(), MAX_REASON, "reason");
      const as = act(c, deps);
      const opts = { actor: as.actor, now: as.now, ...(reason ? { reason } : {}) };
      if (to === "reopen") await deps.store.reopenCase(k.id, opts);
      else if ((CASE_STATUSES as readonly string[]).includes(to)) await deps.store.setStatus(k.id, to as CaseStatus, opts);
      else throw new UserError("that is not a status", { exitCode: 64 });
      return done(c, k, "status");
    });

    app.post("/cases/:id/link", requireRole("responder"), async (c) => {
      const k = await caseOf(c, deps);
      const into = one(await form(c), "into").trim();
      if (!into || into.length > MAX_REF) throw new UserError("name the case to link into", { exitCode: 64 });
      const target = await deps.store.requireCase(into);
      const as = act(c, deps);
      const joined = await deps.store.linkCase(k.id, target.id, { actor: as.actor, now: as.now });
      return c.redirect(`${caseUrl(joined.id)}?done=linked`, 303);
    });

    app.post("/cases/:id/plan", requireRole("responder"), async (c) => {
      const k = await caseOf(c, deps);
      const port = await deps.openCloud();
      try {
        await writePlan(deps.store, k, port, act(c, deps), deps.policyPath);
      } finally {
        port.close?.();
      }
      return done(c, k, "planned", "#plan");
    });

    // --- approver: apply and roll back -------------------------------------------------------
    app.post("/cases/:id/plans/:pid/act", requireRole("approver"), async (c) => {
      const k = await caseOf(c, deps);
      const plan = await casePlan(deps.store, k, c.req.param("pid"));
      const f = await form(c);
      const what = one(f, "do");
      const chosen = many(f, "step").map((s) => checkId("step", s));
      if ((what === "apply-chosen" || what === "rollback-chosen") && chosen.length === 0) throw new UserError("choose the steps first (the boxes beside them)", { exitCode: 64 });
      const reason = bounded(one(f, "reason"), MAX_REASON, "reason");
      const override = bounded(one(f, "override"), MAX_REASON, "reason");
      const as = act(c, deps);
      // approving changes nothing in the account: no cloud port is opened for it
      const port = what === "approve" ? null : await deps.openCloud();
      let message: string;
      try {
        const onProgress = () => waker.poke(k.id);
        if (what === "approve" || !port) {
          const a = await approvePlan(deps.store, { plan, fourEyes: deps.config.fourEyes }, as);
          message = `Plan ${plan.id} approved by ${a.by}.`;
        } else if (what === "apply-all" || what === "apply-chosen") {
          const approveNow = one(f, "confirm") === "yes";
          const r = await applyAsPerson(deps.store, { plan, steps: what === "apply-all" ? [] : chosen, ...(override.trim() ? { override } : {}), fourEyes: deps.config.fourEyes, approveNow, port, onProgress }, as);
          message = applyMessage(r);
        } else if (what === "rollback-all" || what === "rollback-chosen") {
          const r = await rollbackAsPerson(deps.store, { plan, steps: what === "rollback-all" ? [] : chosen, reason, port, onProgress }, as);
          message = rollbackMessage(r);
        } else {
          throw new UserError("that is not an action on a plan", { exitCode: 64 });
        }
      } finally {
        port?.close?.();
        waker.poke(k.id);
      }
      if (!isHtmx(c)) return done(c, k, what === "approve" ? "approved" : what.startsWith("apply") ? "applied" : "rolled-back", "#plan");
      const view = await caseViewFor(deps.store, k.id, deps.clock());
      return c.html(
        <>
          <PlanSection c={c} view={view} deps={deps} message={<p class="flash">{message}</p>} />
          <EvidenceSection view={view} oob />
        </>,
      );
    });

    // --- the reply: save (responder), send (approver) -----------------------------------------
    app.post("/cases/:id/reply", requireRole("responder"), async (c) => {
      const k = await caseOf(c, deps);
      const f = await form(c);
      const what = one(f, "do");
      const text = one(f, "text");
      const as = act(c, deps);
      let message: string;
      if (what === "save") {
        const r = await saveDraft(deps.store, k.id, text, deps.document, as);
        message = r.recorded ? "Draft saved." : "Draft unchanged.";
      } else if (what === "send") {
        if (as.user.role !== "approver") return denied(c, 403, `Sending the reply needs the approver role; ${as.user.name} is a ${as.user.role}.`);
        const r = await sendReply(deps.store, k.id, { text, allowNonAws: one(f, "allow_non_aws") === "yes" }, deps.document, as);
        message = `Sent by ${r.sent?.via ?? "?"} to ${r.draft.to}: ${r.sent?.detail ?? ""}`;
      } else {
        throw new UserError("that is not an action on the reply", { exitCode: 64 });
      }
      waker.poke(k.id);
      if (!isHtmx(c)) return done(c, k, what === "send" ? "sent" : "drafted", "#reply");
      const records = await readCase(deps.store, k.id);
      const [view, reply] = [buildCaseView(records, deps.clock()), await replyContext(records, deps.document)];
      return c.html(
        <ReplySection
          c={c}
          view={view}
          reply={reply}
          message={
            <p class="flash">
              <Safe text={message} max={600} />
            </p>
          }
        />,
      );
    });
  };
}

export const caseRoutes = caseRoutesWith();

/** What AWS says it already did about the activity (blocked ports, throttling), as chips; nothing when it did nothing. */
function AwsMitigations(props: { list: readonly string[] }) {
  if (!props.list.length) return null;
  return (
    <p>
      AWS already did:{" "}
      {props.list.map((m) => (
        <span class="chip">
          <Safe text={m} max={300} />
        </span>
      ))}
    </p>
  );
}
