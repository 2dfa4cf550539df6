/**
 * `abuse-desk reply`, `report` and `notify`, run in-process the way main() runs them, against a
 * real SQLite store in a temp data directory, a real SMTP listener and a real HTTP receiver on
 * loopback.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { verifySignature } from "../../src/notify/webhook.ts";
import { checkPdf } from "../report/pdf-text.ts";
import { startHttp, type HttpListener } from "../notify/http-listener.ts";
import { CASE_NUMBER, SUBJECT, makeEvidence, makeFindings, makeNotice, makePlan } from "./fixtures.ts";
import { startSmtp, type Listener } from "./smtp-listener.ts";
import { runCli as run } from "../helpers/cli.ts";

const SECRET = "cli-test-secret-0123456789";


async function withStore<T>(fn: (s: CaseStore) => Promise<T>): Promise<T> {
  const s = await openStore();
  try {
    return await fn(s);
  } finally {
    await s.destroy();
  }
}

let smtp: Listener;
let http: HttpListener;
beforeAll(async () => {
  smtp = await startSmtp();
  http = await startHttp();
});
afterAll(async () => {
  await smtp.close();
  await http.close();
});

describe("abuse-desk reply / report / notify", () => {
  let home: string;
  let caseId: string;
  const saved = { ...process.env };

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), "abuse-desk-reply-"));
    for (const k of Object.keys(process.env)) if (k.startsWith("ABUSE_DESK_") || k === "DATABASE_URL") delete process.env[k];
    process.env.ABUSE_DESK_HOME = home;
    process.env.ABUSE_DESK_ACTOR = "tester";
    smtp.received.length = 0;
    http.requests.length = 0;
    const soon = new Date(Date.now() + 3 * 3600_000).toISOString();
    caseId = await withStore(async (s) => {
      const notice = makeNotice({ messageId: `<cli-${Math.random().toString(36).slice(2)}@email.amazonses.com>`, receivedAt: new Date(Date.now() - 21 * 3600_000).toISOString(), deadline: { at: soon, basis: "stated", text: "within 24 hours" } });
      const { case: c } = await s.intake({ notice, verdict: { verdict: "authentic", reasons: [{ code: "dkim.pass", severity: "pass", message: "DKIM verifies." }], auth: null }, raw: Buffer.from(`Message-ID: ${notice.messageId}\n\nbody\n`) });
      const plan = makePlan({ caseId: c.id });
      await s.savePlan(plan);
      await s.append({ planId: plan.id, stepId: "01-snapshot", phase: "started", actor: "executor" });
      await s.append({ planId: plan.id, stepId: "01-snapshot", phase: "done", actor: "executor", after: { snapshots: [{ snapshotId: "snap-0c1i" }] } });
      await s.append({ planId: plan.id, stepId: "02-isolate", phase: "started", actor: "executor" });
      await s.append({ planId: plan.id, stepId: "02-isolate", phase: "done", actor: "executor" });
      await s.append({ planId: plan.id, stepId: "03-detach-asg", phase: "started", actor: "executor" });
      await s.append({ planId: plan.id, stepId: "03-detach-asg", phase: "failed", actor: "executor", error: "AccessDenied" });
      for (const e of makeEvidence()) await s.addEvidence(c.id, { label: e.label, content: `content of ${e.label}`, source: e.source, collectedAt: e.collectedAt });
      await s.recordEvent(c.id, "resources-found", "1 resource found", { findings: makeFindings() });
      return c.id;
    });
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(home, { recursive: true, force: true });
  });

  it("drafts without sending, records the draft once, and says how to send", async () => {
    const r = await run("reply", caseId, "--include-owners");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Re: ${SUBJECT}`);
    expect(r.out).toContain("trustandsafety@support.aws.com");
    expect(r.out).toMatch(/: Took snapshots of the EBS volume vol-0aa11bb22cc33dd44 of instance i-0a1b2c3d4e5f60718 for forensic analysis: snap-0c1i \(111122223333\/eu-west-1\)\./);
    expect(r.out).not.toContain("Auto Scaling");
    expect(r.out).toContain("owned by alice, team payments");
    expect(r.out).toContain("SHA-256 ");
    expect(r.err).toContain("warning: Step 03-detach-asg failed (AccessDenied): not mentioned in the reply.");
    expect(r.err).toContain("Dry run: nothing sent.");
    expect(smtp.received).toHaveLength(0);
    await run("reply", caseId, "--include-owners");
    const tl = await withStore((s) => s.timeline(caseId));
    expect(tl.filter((e) => e.type === "reply-drafted")).toHaveLength(1);
    expect((await withStore((s) => s.getCase(caseId)))!.status).toBe("new");
  });

  it("prints JSON", async () => {
    const r = await run("reply", caseId, "--json", "--extend", "48", "--why", "imaging the volumes takes two days");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.draft).toMatchObject({ subject: `Re: ${SUBJECT}`, to: "trustandsafety@support.aws.com", toIsAws: true, awsCaseNumber: CASE_NUMBER, family: "intrusion" });
    expect(j.draft.text).toContain("We ask for 48 hours more");
    expect(j.draft.claimed.map((c: { stepId: string }) => c.stepId)).toEqual(["01-snapshot", "02-isolate"]);
    expect(j.sent).toBeNull();
  });

  it("sends by SMTP in the thread, records it, marks the case replied and tells the team", async () => {
    process.env.ABUSE_DESK_SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
    process.env.ABUSE_DESK_REPLY_FROM = "Example Security <security@example.com>";
    process.env.ABUSE_DESK_WEBHOOK_URL = http.url;
    process.env.ABUSE_DESK_WEBHOOK_SECRET = SECRET;
    const r = await run("reply", caseId, "--send", "smtp", "--done", "Rotated the SSH host keys and the deploy key");
    expect(r.code, r.err).toBe(0);
    expect(smtp.received).toHaveLength(1);
    const notice = (await withStore((s) => s.notices(caseId)))[0]!;
    const m = await simpleParser(smtp.received[0]!.raw);
    expect(m.subject).toBe(`Re: ${SUBJECT}`);
    const mid = `<${notice.messageId!.replace(/^<|>$/g, "")}>`;
    expect(m.inReplyTo).toBe(mid);
    expect(m.references).toBe(mid);
    expect(m.text).toContain(": Rotated the SSH host keys and the deploy key.");
    expect(smtp.received[0]!.to).toEqual(["trustandsafety@support.aws.com"]);
    const [c, tl] = await withStore(async (s) => [await s.getCase(caseId), await s.timeline(caseId)] as const);
    expect(c!.status).toBe("replied");
    const sent = tl.find((e) => e.type === "reply-sent")!;
    expect(sent.data).toMatchObject({ via: "smtp", to: "trustandsafety@support.aws.com", subject: `Re: ${SUBJECT}`, messageId: m.messageId });
    // The team heard about it through the signed webhook, and the timeline says so.
    const hooks = http.requests.map((q) => ({ q, body: JSON.parse(q.body.toString("utf8")) }));
    const replyHook = hooks.find((h) => h.body.type === "abuse-desk.reply-sent")!;
    expect(replyHook).toBeDefined();
    expect(verifySignature(SECRET, replyHook.q.headers["x-abuse-desk-signature"] as string, replyHook.q.body)).toMatchObject({ ok: true });
    expect(tl.some((e) => e.type === "notification" && e.data.kind === "reply-sent")).toBe(true);
  });

  it("refuses a recipient that is not AWS's unless confirmed", async () => {
    process.env.ABUSE_DESK_SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
    process.env.ABUSE_DESK_REPLY_FROM = "security@example.com";
    const r = await run("reply", caseId, "--send", "smtp", "--to", "trustandsafety@support.aws.co");
    expect(r.code).toBe(77);
    expect(r.err).toContain("refusing to send to trustandsafety@support.aws.co");
    expect(smtp.received).toHaveLength(0);
    const ok = await run("reply", caseId, "--send", "smtp", "--to", "abuse-desk-archive@example.com", "--allow-non-aws-recipient");
    expect(ok.code, ok.err).toBe(0);
    expect(smtp.received[0]!.to).toEqual(["abuse-desk-archive@example.com"]);
  });

  it("needs an SMTP server and a From to send", async () => {
    expect((await run("reply", caseId, "--send", "smtp")).err).toContain("no SMTP server configured");
    process.env.ABUSE_DESK_SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
    const r = await run("reply", caseId, "--send", "smtp");
    expect(r.code).toBe(78);
    expect(r.err).toContain("no From address");
  });

  it("writes a .eml to send by hand, without calling it sent", async () => {
    const out = join(home, "reply.eml");
    const r = await run("reply", caseId, "--send", "file", "--out", out);
    expect(r.code, r.err).toBe(0);
    const m = await simpleParser(readFileSync(out));
    expect(m.subject).toBe(`Re: ${SUBJECT}`);
    const tl = await withStore((s) => s.timeline(caseId));
    expect(tl.find((e) => e.type === "reply-drafted")!.data.eml).toBe(out);
    expect(tl.some((e) => e.type === "reply-sent")).toBe(false);
    const again = await run("reply", caseId, "--send", "file", "--out", out);
    expect(again.code).toBe(73);
    expect(again.err).toContain("the file exists, and is not overwritten");
  });

  it("checks its flags", async () => {
    expect((await run("reply", caseId, "--extend", "48")).code).toBe(64);
    expect((await run("reply", caseId, "--why", "x")).code).toBe(64);
    expect((await run("reply", caseId, "--extend", "two", "--why", "x")).code).toBe(64);
    expect((await run("reply", "AD-1999-0001")).code).not.toBe(0);
    const r = await run("reply", caseId, "--template", "nope");
    expect(r.code).toBe(64);
    expect(r.err).toContain('no reply template named "nope"');
  });

  it("states a legitimate use case", async () => {
    const r = await run("reply", caseId, "--legitimate", "an authorised penetration test by Example Security Ltd");
    expect(r.out).toContain("USE CASE\n\nAn authorised penetration test by Example Security Ltd.");
  });

  it("reports in Markdown, PDF and JSON", async () => {
    await run("reply", caseId);
    const md = await run("report", caseId);
    expect(md.code).toBe(0);
    expect(md.out).toContain(`# Abuse case ${caseId}`);
    expect(md.out).toContain("| AWS case | 17654321098 |");
    expect(md.out).toContain("failed: AccessDenied");
    expect(md.out).toContain("Drafted ");
    const pdfPath = join(home, "r.pdf");
    const pdf = await run("report", caseId, "--out", pdfPath);
    expect(pdf.code, pdf.err).toBe(0);
    const bytes = readFileSync(pdfPath);
    expect(checkPdf(bytes).pages).toBeGreaterThanOrEqual(1);
    const uncompressed = await run("report", caseId, "--json");
    expect(JSON.parse(uncompressed.out).actions.map((a: { outcome: string }) => a.outcome)).toEqual(["done", "done", "failed: AccessDenied", "not applied"]);
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    const js = JSON.parse((await run("report", caseId, "--json")).out);
    expect(js.caseId).toBe(caseId);
    expect(js.evidence).toHaveLength(2);
    expect(existsSync(pdfPath)).toBe(true);
  });

  it("lists what is due, sends it once, and records it", async () => {
    process.env.ABUSE_DESK_WEBHOOK_URL = http.url;
    process.env.ABUSE_DESK_WEBHOOK_SECRET = SECRET;
    const due = await run("notify", "due", "--json");
    const kinds = JSON.parse(due.out).map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(["case-new", "deadline-near", "step-failed"]);
    const r = await run("notify", "run");
    expect(r.code, r.err).toBe(0);
    expect(http.requests.map((q) => JSON.parse(q.body.toString()).type).sort()).toEqual(["abuse-desk.case-new", "abuse-desk.deadline-near", "abuse-desk.step-failed"]);
    expect((await run("notify", "run")).out).toBe("nothing due\n");
    const tl = await withStore((s) => s.timeline(caseId));
    expect(tl.filter((e) => e.type === "notification").map((e) => e.data.kind)).toEqual(["case-new", "deadline-near", "step-failed"]);
  });

  it("records a channel that keeps failing, without failing the case", async () => {
    process.env.ABUSE_DESK_WEBHOOK_URL = http.url;
    process.env.ABUSE_DESK_WEBHOOK_SECRET = SECRET;
    http.fallback = { status: 404, body: "gone" };
    try {
      const r = await run("notify", "run", caseId);
      expect(r.code).toBe(69);
      const tl = await withStore((s) => s.timeline(caseId));
      const n = tl.filter((e) => e.type === "notification");
      expect(n).toHaveLength(3);
      expect(n[0]!.summary).toContain("Notification failed on webhook:env (HTTP 404: gone; 1 attempt)");
    } finally {
      http.fallback = { status: 200, body: "ok" };
    }
  });

  it("tests the channels", async () => {
    expect((await run("notify", "test")).code).toBe(78);
    process.env.ABUSE_DESK_WEBHOOK_URL = http.url;
    process.env.ABUSE_DESK_WEBHOOK_SECRET = SECRET;
    const r = await run("notify", "test", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([expect.objectContaining({ channel: "webhook:env", ok: true })]);
    expect(JSON.parse(http.requests[0]!.body.toString()).type).toBe("abuse-desk.test");
  });
});
