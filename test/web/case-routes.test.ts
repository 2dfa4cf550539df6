/**
 * The case page and its actions through app.request(): every page and action, each role that must
 * be refused, CSRF failures, four-eyes, and what each action leaves in the store (as the person).
 */
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { openCloud } from "../../src/cloud/open.ts";
import { stepStates } from "../../src/execute/journal.ts";
import { makeNotice, makeVerdict, raw } from "../case/fixtures.ts";
import { startSmtp, type Listener } from "../reply/smtp-listener.ts";
import { drillCase, type DrillCase } from "./case-fixture.ts";
import { webFixture, type Agent, type WebFixture } from "./helpers.ts";

let d: DrillCase;
let w: WebFixture;
let smtp: Listener;
let viewer: Agent;
let responder: Agent;
let approver: Agent;

async function setup(opts: { fourEyes?: boolean } = {}) {
  d = await drillCase();
  smtp = await startSmtp();
  w = await webFixture({
    store: d.store,
    now: () => d.now,
    config: { fourEyes: opts.fourEyes ?? false },
    deps: {
      openCloud: () => openCloud("sim", { home: d.home }),
      document: { path: null, data: { smtp: { host: "127.0.0.1", port: smtp.port }, reply: { from: "Security <security@example.com>" } } },
    },
  });
  viewer = await w.agent("vera", "viewer");
  responder = await w.agent("rita", "responder");
  approver = await w.agent("ann", "approver");
}

const url = (path = "") => `/cases/${d.caseId}${path}`;
const planUrl = () => url(`/plans/${d.plan.id}/act`);
const htmx = { "hx-request": "true" };

beforeEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith("ABUSE_DESK_SMTP") || k === "ABUSE_DESK_REPLY_FROM") delete process.env[k];
});
afterEach(async () => {
  await w?.close();
  await smtp?.close();
  await d?.close();
});

describe("the case page", () => {
  beforeEach(() => setup());

  it("shows the notice with its facts marked, the verdict with its reasons, the steps with their API calls, under the strict CSP", async () => {
    const res = await viewer.get(url());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toMatch(/<mark data-fact="remoteIps" title="remoteIps" tabindex="0">203\.0\.113\.99<span class="sr-only"> \(remoteIps\)<\/span><\/mark>/);
    expect(html).toMatch(/data-fact="instanceIds" title="instanceIds" tabindex="0">i-0a1b2c3d4e5f67890<span/);
    expect(html).toContain("dkim.aws_pass");
    expect(html).toContain("ec2:ModifyNetworkInterfaceAttribute");
    expect(html).toContain("Auto Scaling group web-asg");
    expect(html).toContain(`data-feed="/cases/${d.caseId}/events"`);
    // a viewer is offered no action
    expect(html).not.toContain("Apply all steps");
    expect(html).not.toContain('value="approve"');
    expect(html).not.toContain('name="step"');
    expect(html).toContain("Applying and rolling back need the approver role.");
    // no inline script or style anywhere
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it("shows the whole notice as received: its headers and every line of its text, each fact marked on its line; the bytes download as received", async () => {
    const html = await (await viewer.get(url())).text();
    const pre = /<pre class="received"[^>]*>([\s\S]*?)<\/pre>/.exec(html)?.[1] ?? "";
    // lines no fact was read from are shown too: the whole text, in order
    expect(pre).toContain("We&#39;ve received a report(s) that your AWS resource(s)");
    expect(pre.indexOf("Hello,")).toBeLessThan(pre.indexOf("Regards,"));
    expect(pre).toMatch(/Remote IP: <mark data-fact="remoteIps"[^>]*>203\.0\.113\.99<span class="sr-only"> \(remoteIps\)<\/span><\/mark>/);
    expect(pre).toMatch(/Protocol: <mark data-fact="protocol"[^>]*>TCP</);
    // the headers as received, the subject's facts marked in it
    expect(html).toMatch(/<dt>From<\/dt><dd>Amazon EC2 Abuse &lt;ec2-abuse@amazon.com&gt;<\/dd>/);
    expect(html).toMatch(/<dt>Subject<\/dt><dd>Your AWS Abuse Report \[31415926535\] \[AWS ID <mark data-fact="accountIds"/);
    expect(html).toMatch(/<dt>Authentication-Results<\/dt><dd>none in the message<\/dd>/);
    expect(html).toContain("the text body, decoded");
    const notice = (await d.store.notices(d.caseId))[0]!;
    const dl = await viewer.get(url(`/notices/${notice.id}/raw`));
    expect(dl.status).toBe(200);
    expect(dl.headers.get("content-type")).toBe("application/octet-stream");
    expect(dl.headers.get("content-disposition")).toMatch(/^attachment; filename="AD-\d{4}-\d{4}-notice-\d+\.eml"$/);
    expect(Buffer.from(await dl.arrayBuffer()).equals(d.raw)).toBe(true);
    // only this case's notices, by a number
    expect((await viewer.get(url("/notices/999/raw"))).status).toBe(404);
    expect((await viewer.get(url("/notices/..%2f1/raw"))).status).toBe(404);
  });

  it("says a notice's bytes were not kept (stored before 0010), and still shows the lines the facts were read from", async () => {
    const notice = (await d.store.notices(d.caseId))[0]!;
    await (d.store as SqlCaseStore).db.deleteFrom("notice_raw").execute();
    const html = await (await viewer.get(url())).text();
    expect(html).not.toContain('<pre class="received"');
    expect(html).toContain("The notice as received cannot be shown: the received bytes of this notice were not kept (it was stored before the desk kept them)");
    expect(html).toMatch(/<ol class="notice-lines">[\s\S]*data-fact="remoteIps"/);
    expect((await viewer.get(url(`/notices/${notice.id}/raw`))).status).toBe(404);
  });

  it("an approver is offered apply and rollback; a responder writing a plan is offered no apply", async () => {
    const a = await (await approver.get(url())).text();
    expect(a).toContain('value="approve"');
    expect(a).toContain("Approve and apply in one step");
    expect(a).toContain("Apply all steps");
    expect(a).toContain("Not approved: an approver approves it before it is applied");
    const r = await (await responder.get(url())).text();
    expect(r).toContain("Write a new plan");
    expect(r).not.toContain('value="approve"');
    expect(r).not.toContain("Apply all steps");
  });

  it("refuses an unknown case (404), a reference too long or with control characters, and anyone not signed in", async () => {
    expect((await viewer.get("/cases/AD-1999-9999")).status).toBe(404);
    expect((await viewer.get(`/cases/${"A".repeat(300)}`)).status).toBe(404);
    expect((await viewer.get("/cases/AD%0a1")).status).toBe(404);
    const anon = await w.request(url());
    expect(anon.status).toBe(303);
    expect(anon.headers.get("location")).toMatch(/^\/login\?next=/);
    for (const p of ["/events", "/report.md", "/report.pdf", "/evidence/1"]) expect((await w.request(url(p))).status).toBe(303);
  });
});

describe("actions and roles", () => {
  beforeEach(() => setup());

  it("every write is refused to a viewer (403) and leaves nothing", async () => {
    const before = (await d.store.timeline(d.caseId)).length;
    for (const [path, form] of [
      ["/note", { text: "x" }],
      ["/assign", { assignee: "rita" }],
      ["/status", { status: "triaged" }],
      ["/link", { into: d.caseId }],
      ["/plan", {}],
      ["/reply", { do: "save", text: "x" }],
    ] as const) {
      const res = await viewer.post(url(path), form);
      expect(res.status, path).toBe(403);
    }
    expect((await viewer.post(planUrl(), { do: "apply-all", confirm: "yes" })).status).toBe(403);
    expect((await viewer.post(planUrl(), { do: "approve" })).status).toBe(403);
    expect((await d.store.timeline(d.caseId)).length).toBe(before);
  });

  it("approve, apply, rollback and sending are refused to a responder (403)", async () => {
    const before = (await d.store.timeline(d.caseId)).length;
    expect((await responder.post(planUrl(), { do: "approve" })).status).toBe(403);
    expect((await responder.post(planUrl(), { do: "apply-all", confirm: "yes" })).status).toBe(403);
    expect((await d.store.timeline(d.caseId)).length).toBe(before);
    expect((await responder.post(planUrl(), { do: "rollback-all" })).status).toBe(403);
    const send = await responder.post(url("/reply"), { do: "send", text: "hello" });
    expect(send.status).toBe(403);
    expect(await d.store.entries(d.plan.id)).toEqual([]);
    expect(smtp.received).toEqual([]);
  });

  it("a state change without the CSRF token, with a stale one, or from another site is refused (403) and writes nothing", async () => {
    const before = (await d.store.timeline(d.caseId)).length;
    expect((await responder.post(url("/note"), { text: "no token" }, { csrf: false })).status).toBe(403);
    expect((await responder.post(url("/note"), { text: "wrong token" }, { csrf: "x".repeat(43) })).status).toBe(403);
    expect((await approver.post(planUrl(), { do: "apply-all", confirm: "yes" }, { csrf: false })).status).toBe(403);
    expect((await approver.post(planUrl(), { do: "approve" }, { csrf: false })).status).toBe(403);
    expect((await approver.post(planUrl(), { do: "approve" }, { csrf: "y".repeat(43) })).status).toBe(403);
    expect((await approver.post(planUrl(), { do: "approve" }, { headers: { origin: "https://evil.example" } })).status).toBe(403);
    expect((await responder.post(url("/note"), { text: "cross-site" }, { headers: { origin: "https://evil.example" } })).status).toBe(403);
    // another person's token is not mine
    expect((await responder.post(url("/note"), { text: "someone else's" }, { csrf: approver.csrf })).status).toBe(403);
    expect((await d.store.timeline(d.caseId)).length).toBe(before);
    expect(await d.store.entries(d.plan.id)).toEqual([]);
  });

  it("a responder adds a note, assigns, changes the status and reopens, each named on the timeline", async () => {
    let res = await responder.post(url("/note"), { text: "Called the owner <b>alice</b>" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${url()}?done=note#timeline`);
    res = await responder.post(url("/assign"), { assignee: "rita" });
    expect(res.status).toBe(303);
    expect((await responder.post(url("/assign"), { assignee: "mallory" })).status).toBe(400);
    res = await responder.post(url("/status"), { status: "triaged", reason: "looked at it" });
    expect(res.status).toBe(303);
    expect((await responder.post(url("/status"), { status: "pwned" })).status).toBe(400);
    expect((await d.store.requireCase(d.caseId)).status).toBe("triaged");
    await responder.post(url("/status"), { status: "closed", reason: "done" });
    expect((await d.store.requireCase(d.caseId)).status).toBe("closed");
    await responder.post(url("/status"), { status: "reopen" });
    expect((await d.store.requireCase(d.caseId)).status).toBe("triaged");
    const tl = await d.store.timeline(d.caseId);
    expect(tl.find((e) => e.type === "note" && e.summary.includes("Called the owner"))?.actor).toBe("web:rita");
    expect(tl.find((e) => e.type === "assignment")?.actor).toBe("web:rita");
    expect((await d.store.requireCase(d.caseId)).assignee).toBe("rita");
    const audit = await d.store.auditEntries({ caseId: d.caseId });
    expect(audit.some((a) => a.actor === "web:rita")).toBe(true);
    // the note is shown as text
    const html = await (await viewer.get(url())).text();
    expect(html).toContain("Called the owner &lt;b&gt;alice&lt;/b&gt;");
    // an oversized note is refused
    expect((await responder.post(url("/note"), { text: "x".repeat(10_001) })).status).toBe(400);
  });

  it("a responder links a follow-up's case into this one", async () => {
    const n = makeNotice({ caseNumber: null, accountIds: ["444455556666"], instanceIds: ["i-0fff"], publicIps: [], subject: "follow up" });
    const other = await d.store.intake({ notice: n, verdict: makeVerdict("authentic"), raw: raw(n) });
    expect(other.case.id).not.toBe(d.caseId);
    const res = await responder.post(`/cases/${other.case.id}/link`, { into: d.caseId });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${url()}?done=linked`);
    expect((await d.store.requireCase(other.case.id)).status).toBe("closed");
    expect((await responder.post(`/cases/${other.case.id}/link`, { into: "AD-1999-0001" })).status).toBe(404);
  });

  it("a responder writes a plan on the configured account; it is named as theirs", async () => {
    const res = await responder.post(url("/plan"));
    expect(res.status).toBe(303);
    const plans = await d.store.plansForCase(d.caseId);
    expect(plans).toHaveLength(2);
    const tl = await d.store.timeline(d.caseId);
    const fresh = plans.find((p) => p.id !== d.plan.id)!;
    expect(tl.find((e) => e.data.planId === fresh.id && e.data.planAuthor === "rita")?.actor).toBe("web:rita");
  });

  it("an unapproved plan is not applied; an approver approves it (named on the timeline and in the audit chain), once", async () => {
    const refused = await approver.post(planUrl(), { do: "apply-all" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain(`plan ${d.plan.id} is not approved: approve it first`);
    expect(await d.store.entries(d.plan.id)).toEqual([]);
    const res = await approver.post(planUrl(), { do: "approve" }, { headers: htmx });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`Plan ${d.plan.id} approved by ann.`);
    expect(html).toMatch(/data-approved="yes">Approved by ann at/);
    expect(html).not.toContain('value="approve"');
    const ev = (await d.store.timeline(d.caseId)).find((e) => e.data.planApproved === d.plan.id)!;
    expect(ev).toMatchObject({ actor: "web:ann", type: "note", data: { approvedBy: "ann" } });
    const audit = await d.store.auditEntries({ caseId: d.caseId });
    expect(audit.some((a) => a.actor === "web:ann" && a.action === "timeline.note" && JSON.stringify(a.data).includes(`"planApproved":"${d.plan.id}"`))).toBe(true);
    expect((await d.store.auditVerify()).intact).toBe(true);
    // approving changed nothing in the account; approving again is refused
    expect(await d.store.entries(d.plan.id)).toEqual([]);
    const again = await approver.post(planUrl(), { do: "approve" });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("already approved by ann");
    // now it applies
    expect((await approver.post(planUrl(), { do: "apply-all" })).status).toBe(303);
    expect((await d.store.requireCase(d.caseId)).status).toBe("contained");
  });

  it("an approver applies the whole plan (htmx: the plan section comes back); the journal names them; the case is contained", async () => {
    const res = await approver.post(planUrl(), { do: "apply-all", confirm: "yes" }, { headers: htmx });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/^<section id="plan"/);
    expect(html).toMatch(/<section id="evidence" aria-labelledby="evidence-h" hx-swap-oob="true">/);
    expect(html).toContain("i-0a1b2c3d4e5f67890-instance.json");
    expect(html).toContain("Applied: 12 done");
    const entries = await d.store.entries(d.plan.id);
    expect(entries.length).toBeGreaterThan(0);
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set(["web:ann"]));
    expect((await d.store.requireCase(d.caseId)).status).toBe("contained");
    // approved and applied in one step, confirmed: the approval is recorded first
    const tl = await d.store.timeline(d.caseId);
    const approval = tl.findIndex((e) => e.data.planApproved === d.plan.id);
    expect(approval).toBeGreaterThanOrEqual(0);
    expect(tl[approval]!.actor).toBe("web:ann");
    expect(approval).toBeLessThan(tl.findIndex((e) => e.type === "step-applied"));
  });

  it("an approver applies chosen steps (with what they depend on) and rolls one step back", async () => {
    const iso = d.plan.steps.find((s) => s.action === "isolate-eni")!;
    let res = await approver.post(planUrl(), { do: "apply-chosen", step: [iso.id], confirm: "yes" }, { headers: htmx });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("Also run, as chosen steps depend on them");
    let states = stepStates(await d.store.entries(d.plan.id));
    expect(states.has(iso.id)).toBe(true);
    for (const dep of iso.dependsOn) expect(states.has(dep)).toBe(true);
    const other = d.plan.steps.find((s) => s.action === "isolate-eni" && s.id !== iso.id)!;
    expect(states.has(other.id)).toBe(false);
    // no box ticked: refused
    expect((await approver.post(planUrl(), { do: "apply-chosen" })).status).toBe(400);
    // a step id of another shape, or of no step of the plan
    expect((await approver.post(planUrl(), { do: "apply-chosen", step: ["../../etc"] })).status).toBe(400);
    expect((await approver.post(planUrl(), { do: "apply-chosen", step: ["99-nope"] })).status).toBe(400);

    res = await approver.post(planUrl(), { do: "rollback-chosen", step: [iso.id], reason: "wrong one" });
    expect(res.status).toBe(303);
    states = stepStates(await d.store.entries(d.plan.id));
    expect(states.get(iso.id)?.lastRollback?.phase).toBe("rolled-back");
    const snapshot = d.plan.steps.find((s) => s.action === "snapshot-volumes")!;
    expect(states.get(snapshot.id)?.lastRollback).toBeUndefined();
  });

  it("a plan id of another case, or of no plan, is refused", async () => {
    const n = makeNotice({ accountIds: ["444455556666"], instanceIds: ["i-0eee"], publicIps: [], caseNumber: "999" });
    const other = await d.store.intake({ notice: n, verdict: makeVerdict("authentic"), raw: raw(n) });
    expect((await approver.post(`/cases/${other.case.id}/plans/${d.plan.id}/act`, { do: "apply-all", confirm: "yes" })).status).toBe(404);
    expect((await approver.post(url("/plans/plan-nope/act"), { do: "apply-all", confirm: "yes" })).status).toBe(404);
    expect((await approver.post(planUrl(), { do: "delete-everything" })).status).toBe(400);
    expect(await d.store.entries(d.plan.id)).toEqual([]);
  });

  it("evidence downloads as an attachment of a neutral type with its SHA-256; only the case's own", async () => {
    await approver.post(planUrl(), { do: "apply-all", confirm: "yes" });
    const ev = await d.store.evidence(d.caseId);
    expect(ev.length).toBeGreaterThan(0);
    const e = ev[0]!;
    const res = await viewer.get(url(`/evidence/${e.id}`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="[A-Za-z0-9._-]+"$/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(createHash("sha256").update(body).digest("hex")).toBe(e.sha256);
    expect((await viewer.get(url("/evidence/999999"))).status).toBe(404);
    expect((await viewer.get(url("/evidence/..%2f..%2fetc%2fpasswd"))).status).toBe(404);
    const n = makeNotice({ accountIds: ["444455556666"], instanceIds: ["i-0ddd"], publicIps: [], caseNumber: "998" });
    const other = await d.store.intake({ notice: n, verdict: makeVerdict("authentic"), raw: raw(n) });
    expect((await viewer.get(`/cases/${other.case.id}/evidence/${e.id}`)).status).toBe(404);
  });

  it("the report downloads in Markdown and PDF", async () => {
    const md = await viewer.get(url("/report.md"));
    expect(md.status).toBe(200);
    expect(md.headers.get("content-disposition")).toBe(`attachment; filename="${d.caseId}-report.md"`);
    expect(await md.text()).toContain(d.caseId);
    const pdf = await viewer.get(url("/report.pdf"));
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("a responder saves an edited draft; an approver sends the edited reply to the SMTP server, in the notice's thread", async () => {
    const page = await (await responder.get(url())).text();
    expect(page).toContain('id="reply-text"');
    let res = await responder.post(url("/reply"), { do: "save", text: "Hello AWS,\r\n\r\nWe isolated the host.\r\n" }, { headers: htmx });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Draft saved.");
    let tl = await d.store.timeline(d.caseId);
    const drafted = tl.filter((e) => e.type === "reply-drafted").at(-1)!;
    expect(drafted.actor).toBe("web:rita");
    expect(drafted.data).toMatchObject({ edited: true, text: "Hello AWS,\n\nWe isolated the host.\n" });
    // the saved edit is what the editor shows next
    expect(await (await responder.get(url())).text()).toContain("We isolated the host.");

    res = await approver.post(url("/reply"), { do: "send", text: "Hello AWS,\n\nEdited by Ann: the host is isolated.\n" });
    expect(res.status).toBe(303);
    expect(smtp.received).toHaveLength(1);
    const msg = smtp.received[0]!.raw.toString();
    expect(msg).toContain("Edited by Ann: the host is isolated.");
    expect(msg).toMatch(/^In-Reply-To: /m);
    expect(smtp.received[0]!.to).toEqual(["ec2-abuse@amazon.com"]);
    tl = await d.store.timeline(d.caseId);
    expect(tl.find((e) => e.type === "reply-sent")?.actor).toBe("web:ann");
    expect((await d.store.requireCase(d.caseId)).status).toBe("replied");
    // an empty reply or control characters are refused
    expect((await approver.post(url("/reply"), { do: "send", text: "   " })).status).toBe(400);
    expect((await approver.post(url("/reply"), { do: "send", text: "hi\u0007" })).status).toBe(400);
    expect(smtp.received).toHaveLength(1);
  });
});

describe("four-eyes", () => {
  beforeEach(() => setup({ fourEyes: true }));

  it("the approver who wrote the plan may not approve or apply it; another approver may", async () => {
    await approver.post(url("/plan"));
    const plans = await d.store.plansForCase(d.caseId);
    const mine = plans.find((p) => p.id !== d.plan.id)!;
    const res = await approver.post(url(`/plans/${mine.id}/act`), { do: "apply-all", confirm: "yes" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("four-eyes");
    const approve = await approver.post(url(`/plans/${mine.id}/act`), { do: "approve" });
    expect(approve.status).toBe(403);
    expect(await approve.text()).toContain("another approver must approve it");
    expect(await d.store.entries(mine.id)).toEqual([]);
    expect((await d.store.timeline(d.caseId)).some((e) => e.data.planApproved === mine.id)).toBe(false);
    const page = await (await approver.get(url())).text();
    expect(page).toContain("Four-eyes: you wrote this plan");
    const bob = await w.agent("bob", "approver");
    expect((await bob.post(url(`/plans/${mine.id}/act`), { do: "approve" })).status).toBe(303);
    const ok = await bob.post(url(`/plans/${mine.id}/act`), { do: "apply-all" });
    expect(ok.status).toBe(303);
    expect((await d.store.entries(mine.id)).every((e) => e.actor === "web:bob")).toBe(true);
  });
});

describe("the live journal (server-sent events)", () => {
  beforeEach(() => setup());

  it("streams the journal an apply writes, with ids a reconnect resumes from", async () => {
    const v = await viewer.get(url("/events"));
    expect(v.status).toBe(200);
    expect(v.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = v.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    const readUntil = async (re: RegExp) => {
      while (!re.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += dec.decode(value);
      }
    };
    await readUntil(/event: hello/);
    await approver.post(planUrl(), { do: "apply-all", confirm: "yes" });
    const last = d.plan.steps.at(-1)!;
    await readUntil(new RegExp(`"stepId":"${last.id}","phase":"done"`));
    await reader.cancel();
    expect(text).toMatch(/event: journal\ndata: \{"seq":\d+[^\n]*\}\nid: j\d+\.t\d+\n/);
    const ids = [...text.matchAll(/^id: (j\d+\.t\d+)$/gm)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(0);
    // resuming from the last id sends nothing already sent
    const again = await viewer.get(url("/events"), { "last-event-id": ids.at(-1)! });
    const r2 = again.body!.getReader();
    let t2 = "";
    while (!/keep-alive/.test(t2)) t2 += dec.decode((await r2.read()).value);
    await r2.cancel();
    expect(t2).not.toContain("event: journal");
  });
});
