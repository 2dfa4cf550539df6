/**
 * The intake page: drop a file or paste a notice; it takes the same path as `abuse-desk intake`
 * (parse -> verify -> store in its case -> find its resources in the configured account ->
 * notify), as the signed-in person. Responders and approvers may take notices in; viewers see the
 * page and are told why they cannot. The upload limit is `web.limits.noticeBytes`.
 */
import type { IntakeOutcome } from "../../desk/index.ts";
import { UserError } from "../../errors.ts";
import { requireRole } from "../auth.ts";
import { roleAtLeast } from "../../case/users.ts";
import { CsrfField, page, Safe } from "../layout.tsx";
import { VerdictBadge } from "./queue.tsx";
import type { WebApp, WebContext, WebDeps } from "../types.ts";

const HOW: Record<string, string> = {
  new: "opened a new case",
  "case-number": "joined its case by AWS case number",
  resources: "joined its case by account, resource and activity",
  "only-open-case": "joined the only open case",
  "new-needs-linking": "opened a case flagged for linking (a follow-up that matched no case)",
  "kept-apart": "kept apart from an authentic case, flagged for linking (not authentic: it changes nothing there)",
  manual: "linked by hand",
};

interface Outcome {
  items: (IntakeOutcome & { warning?: string })[];
  failures: string[];
  notNotices: string[];
  notSearched: string[];
}

function IntakeForm(props: { c: WebContext; maxBytes: number; canTake: boolean }) {
  if (!props.canTake) return <p class="muted">Taking notices in needs the responder role.</p>;
  return (
    <form class="stack" method="post" action="/intake" enctype="multipart/form-data">
      <CsrfField c={props.c} />
      <label>
        A notice file (.eml, mbox, Health event JSON, text)
        <input type="file" name="file" />
      </label>
      <label>
        Or paste it (the whole message with its headers verifies best)
        <textarea name="text" spellcheck={false} maxlength={props.maxBytes}></textarea>
      </label>
      <label>
        <span>
          <input type="checkbox" name="forceCase" value="1" /> open a case even if it does not look like an AWS abuse notice
        </span>
      </label>
      <div>
        <button type="submit">Take it in</button>
      </div>
      <p class="muted">Up to {Math.floor(props.maxBytes / 1024)} KiB. Nothing is changed in any account: the notice is verified, stored in its case, and its resources are looked up.</p>
    </form>
  );
}

function Results(props: { o: Outcome }) {
  const { o } = props;
  return (
    <section aria-labelledby="result">
      <h2 id="result">Result</h2>
      {o.items.length ? (
        <ul>
          {o.items.map((r) => (
            <li>
              <a href={`/cases/${encodeURIComponent(r.intake.case.id)}`}>{r.intake.case.id}</a>{" "}
              {r.intake.duplicate ? (r.intake.reverified ? `already stored: verdict re-checked, ${r.intake.reverified.from} -> ${r.intake.reverified.to}` : "already stored: nothing changed") : HOW[r.intake.joinedBy] ?? r.intake.joinedBy}{" "}
              <VerdictBadge verdict={r.verdict.verdict} /> {r.intake.case.activityType}
              {r.verdict.verdict === "phishing" || r.verdict.verdict === "suspicious" ? <div class="error">Do not act on it: report it to AWS.</div> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {o.notNotices.map((n) => (
        <p class="error" role="alert">
          Not an AWS abuse notice (<Safe text={n} max={300} />): no case opened.
        </p>
      ))}
      {o.failures.map((f) => (
        <p class="error" role="alert">
          Could not be read: <Safe text={f} max={300} />
        </p>
      ))}
      {o.notSearched.map((m) => (
        <p class="error">
          Not searched: <Safe text={m} max={300} />
        </p>
      ))}
    </section>
  );
}

async function takeIn(deps: WebDeps, bytes: Buffer, actor: string, forceCase: boolean): Promise<Outcome> {
  const { parseInput } = await import("../../notice/index.ts");
  const { verify } = await import("../../verify/index.ts");
  const { intakeItem, notifyAfterChange, NotANoticeError } = await import("../../desk/index.ts");
  const { searchOutcome, missingLines } = await import("../../resolve/outcome.ts");
  const out: Outcome = { items: [], failures: [], notNotices: [], notSearched: [] };
  let parsed;
  try {
    parsed = await parseInput(bytes);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    out.failures.push(e.message);
    return out;
  }
  for (const f of parsed.failures) out.failures.push(`#${f.index + 1}: ${f.error}`);
  const port = deps.accountSpec ? await deps.openCloud() : null;
  try {
    for (const item of parsed.items) {
      let r: IntakeOutcome;
      try {
        r = await intakeItem(item, { store: deps.store, verify: (i) => verify(i, deps.verify ?? {}), port, recoverWith: port, actor, now: deps.clock(), forceCase });
      } catch (e) {
        if (!(e instanceof NotANoticeError)) throw e;
        out.notNotices.push(e.why);
        continue;
      }
      out.items.push(r);
      if (r.resolution) {
        const s = searchOutcome(r.resolution);
        if (s.status === "not-searched") out.notSearched.push(...missingLines(s.missing));
      } else {
        out.notSearched.push(`${r.intake.case.id}: no account is configured for the web desk (web.account), so its resources were not looked up`);
      }
      if (!r.intake.duplicate) {
        const n = await notifyAfterChange(deps.store, r.intake.case.id, deps.document);
        if (n.warning) deps.log.warn({ case: r.intake.case.id }, n.warning);
      }
    }
  } finally {
    port?.close?.();
  }
  return out;
}

export function intakeRoutes(app: WebApp, deps: WebDeps): void {
  const max = deps.config.limits.noticeBytes;
  app.get("/intake", requireRole("viewer"), (c) =>
    page(
      c,
      "Intake",
      <section>
        <h1>Intake</h1>
        <IntakeForm c={c} maxBytes={max} canTake={roleAtLeast(c.get("user").role, "responder")} />
      </section>,
      { active: "intake" },
    ),
  );

  app.post("/intake", requireRole("responder"), async (c) => {
    const body = await c.req.parseBody();
    const file = body.file;
    const text = typeof body.text === "string" ? body.text : "";
    let bytes: Buffer | null = null;
    if (file instanceof File && file.size > 0) bytes = Buffer.from(await file.arrayBuffer());
    else if (text.trim()) bytes = Buffer.from(text, "utf8");
    if (!bytes) throw new UserError("Give a notice: choose a file or paste the text.", { exitCode: 64 });
    if (bytes.length > max) return c.text(`The notice is larger than the desk accepts (${max} bytes).`, 413);
    const o = await takeIn(deps, bytes, c.get("actor"), body.forceCase === "1");
    const status = o.items.length ? 200 : 422;
    return page(
      c,
      "Intake",
      <section>
        <h1>Intake</h1>
        <Results o={o} />
        <h2>Another</h2>
        <IntakeForm c={c} maxBytes={max} canTake={true} />
      </section>,
      { active: "intake", status },
    );
  });
}
