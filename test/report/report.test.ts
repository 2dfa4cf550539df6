import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/report/markdown.ts";
import { buildReport, replyFromTimeline } from "../../src/report/model.ts";
import { pdfSafe, renderPdf } from "../../src/report/pdf.ts";
import { makeEvidence, makePlan, SUBJECT } from "../reply/fixtures.ts";
import { checkPdf, pdfText } from "./pdf-text.ts";
import { NOTICE_SHA, reportInput, storedNotice, timeline } from "./fixtures.ts";

describe("the report's content", () => {
  const r = buildReport(reportInput());

  it("states the facts, the verdict with its reasons and the notices", () => {
    expect(r.facts).toContainEqual({ label: "AWS case", value: "17654321098" });
    expect(r.facts).toContainEqual({ label: "Deadline", value: "2026-05-02 09:00:00 UTC (default)" });
    expect(r.verdict).toEqual({ level: "authentic", reasons: [expect.objectContaining({ code: "dkim.pass", severity: "pass" }), expect.objectContaining({ code: "sender.known" })], auth: storedNotice().verdictDetail.auth });
    expect(r.notices[0]).toMatchObject({ kind: "initial_report", sha256: NOTICE_SHA });
    expect(r.awsMitigations).toEqual(["Blocked OUTBOUND TCP traffic on port 22"]);
  });

  it("says when a notice of a genuine case was judged worse than the case (a forgery that joined it)", () => {
    const forged = { ...storedNotice(), id: 2, verdict: "phishing" as const, verdictDetail: { verdict: "phishing" as const, reasons: [{ code: "link.lookalike", severity: "fail" as const, message: "A link points to a look-alike domain." }], auth: null } };
    const mixed = buildReport(reportInput({ notices: [storedNotice(), forged] }));
    expect(mixed.facts).toContainEqual({ label: "Verdict", value: "authentic (1 of 2 notices judged phishing: see Verdict)" });
    expect(mixed.verdict!.level).toBe("phishing");
    expect(r.facts).toContainEqual({ label: "Verdict", value: "authentic" });
  });

  it("lists the resources from resolution, with owners, and nothing twice", () => {
    expect(r.resources).toEqual([{ id: "i-0a1b2c3d4e5f60718", type: "ec2-instance", where: "111122223333/eu-west-1", status: "found", owner: "alice, payments", summary: expect.stringContaining("running") }]);
    const noResolution = buildReport(reportInput({ timeline: [] }));
    expect(noResolution.resources.map((x) => [x.id, x.status])).toEqual([
      ["i-0a1b2c3d4e5f60718", "named in the notice"],
      ["203.0.113.10", "named in the notice"],
    ]);
  });

  it("shows every step with its outcome, failures included", () => {
    expect(r.actions.map((a) => [a.step, a.at, a.outcome])).toEqual([
      ["01-snapshot", "2026-05-01 09:41:10 UTC", "done"],
      ["02-isolate", "2026-05-01 09:41:15 UTC", "done"],
      ["03-detach-asg", "2026-05-01 09:41:17 UTC", "failed: AccessDenied: autoscaling:DetachInstances"],
      ["04-custom", "", "started, not finished"],
    ]);
  });

  it("shows a rolled-back step as rolled back, and a plan applied despite the verdict", () => {
    const j = [
      { seq: 1, planId: "plan-1", stepId: null, phase: "override" as const, at: "2026-05-01T09:39:00.000Z", actor: "dana", detail: { reason: "AWS confirmed the notice by phone" } },
      { seq: 2, planId: "plan-1", stepId: "02-isolate", phase: "started" as const, at: "2026-05-01T09:40:00.000Z", actor: "dana" },
      { seq: 3, planId: "plan-1", stepId: "02-isolate", phase: "done" as const, at: "2026-05-01T09:41:00.000Z", actor: "dana" },
      { seq: 4, planId: "plan-1", stepId: "02-isolate", phase: "rollback-started" as const, at: "2026-05-01T11:00:00.000Z", actor: "dana", detail: { reason: "false positive" } },
      { seq: 5, planId: "plan-1", stepId: "02-isolate", phase: "rolled-back" as const, at: "2026-05-01T11:00:05.000Z", actor: "dana", detail: { outcome: "rolled-back" } },
    ];
    const x = buildReport(reportInput({ journal: j }));
    expect(x.actions.find((a) => a.step === "02-isolate")!.outcome).toBe("done, rolled back at 2026-05-01 11:00:05 UTC (false positive)");
    expect(x.actions.find((a) => a.step === "01-snapshot")!.outcome).toBe("not applied");
    expect(x.overrides).toEqual([{ at: "2026-05-01 09:39:00 UTC", plan: "plan-1", actor: "dana", reason: "AWS confirmed the notice by phone" }]);
  });

  it("lists evidence from the store and from capture steps, with SHA-256", () => {
    const HASH = "b".repeat(64);
    const j = [{ seq: 9, planId: "plan-1", stepId: "cap", phase: "done" as const, at: "2026-05-01T09:45:00.000Z", actor: "dana", after: { evidence: [{ name: "i-0a1b2c3d4e5f60718-user-data.txt", sha256: HASH, bytes: 120, source: "ec2:DescribeInstanceAttribute userData i-0a1b2c3d4e5f60718", capturedAt: "2026-05-01T09:45:00.000Z" }] } }];
    const x = buildReport(reportInput({ journal: j, plans: [makePlan()] }));
    expect(x.evidence.map((e) => [e.label, e.sha256, e.where])).toEqual([
      [makeEvidence()[0]!.label, makeEvidence()[0]!.sha256, "in the case store"],
      [makeEvidence()[1]!.label, makeEvidence()[1]!.sha256, "/var/lib/abuse-desk/evidence/console-output.txt"],
      ["i-0a1b2c3d4e5f60718-user-data.txt", HASH, "in the containment journal"],
    ]);
  });

  it("carries the reply last sent, else the last draft", () => {
    expect(r.reply).toMatchObject({ status: "sent", via: "smtp", to: "trustandsafety@support.aws.com", subject: `Re: ${SUBJECT}` });
    const drafted = timeline().filter((e) => e.type !== "reply-sent");
    drafted.push({ id: 99, caseId: "AD-2026-0007", at: "2026-05-01T10:30:00.000Z", actor: "dana", type: "reply-drafted", summary: "Reply drafted", data: { subject: "Re: x", text: "draft text\n" } });
    expect(replyFromTimeline(drafted)).toMatchObject({ status: "drafted", text: "draft text\n" });
    expect(buildReport(reportInput({ timeline: [] })).reply).toBeNull();
  });
});

describe("Markdown", () => {
  const md = renderMarkdown(buildReport(reportInput()));

  it("has every section, in order", () => {
    const sections = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(sections).toEqual(["Facts", "Verdict: authentic", "Notices", "Resources", "Actions", "Evidence", "Timeline", "Reply to AWS"]);
    expect(md.startsWith("# Abuse case AD-2026-0007\n")).toBe(true);
  });

  it("puts the key facts in tables that stay tables", () => {
    expect(md).toContain("| AWS case | 17654321098 |");
    expect(md).toContain("**Plan plan-1** (compromised-host, 2026-05-01 09:30:00 UTC): Preserve and isolate the scanning instance.\n\n| Time | Step | Action | Outcome |");
    expect(md).toContain("| 2026-05-01 09:41:17 UTC | 03-detach-asg | Detached i-0a1b2c3d4e5f60718 from Auto Scaling group web-asg (111122223333/eu-west-1) | failed: AccessDenied: autoscaling:DetachInstances |");
    expect(md).toContain(`| \`${makeEvidence()[0]!.sha256}\` |`);
    expect(md).toContain("- **pass** `dkim.pass`: DKIM signature of amazonses.com verifies and is aligned.");
    // Every table row has as many cells as its header.
    for (const block of md.split("\n\n").filter((b) => b.startsWith("| "))) {
      const rows = block.split("\n").map((l) => l.replace(/\\\|/g, "").split("|").length);
      expect(new Set(rows).size, block).toBe(1);
    }
  });

  it("escapes pipes in cells and fences the reply so its backticks cannot close it", () => {
    const x = buildReport(reportInput());
    x.timeline[0]!.summary = "a | b\nc";
    expect(renderMarkdown(x)).toContain("| a \\| b<br>c |");
    expect(md).toContain("````text\nHello AWS Trust & Safety,\n\nThis is our reply to abuse case 17654321098.\n| a pipe, ``` backticks and a 'quote'\n````\n");
  });
});

describe("PDF", () => {
  it("is a valid PDF with page numbers and the case's key strings", async () => {
    const pdf = await renderPdf(buildReport(reportInput()), { compress: false, createdAt: new Date("2026-05-01T12:00:00Z") });
    const info = checkPdf(pdf);
    expect(info.version).toBe("1.3");
    expect(info.pages).toBeGreaterThanOrEqual(2);
    const text = pdfText(pdf);
    const all = text.join("\n");
    for (const s of [
      "Abuse case AD-2026-0007",
      "17654321098",
      "Verdict: authentic",
      "dkim.pass",
      "i-0a1b2c3d4e5f60718",
      `SHA-256 ${makeEvidence()[0]!.sha256}`,
      `SHA-256 ${makeEvidence()[1]!.sha256}`,
      `SHA-256 ${NOTICE_SHA}`,
      "Plan plan-1 (compromised-host, 2026-05-01 09:30:00 UTC)",
      "Detached i-0a1b2c3d4e5f60718 from Auto Scaling group web-asg",
      "failed: AccessDenied: aut",
      "Reply to AWS",
      `Subject: Re: ${SUBJECT}`,
      "This is our reply to abuse case 17654321098.",
    ]) {
      expect(all, s).toContain(s);
    }
    for (let p = 1; p <= info.pages; p++) expect(text).toContain(`Page ${p} of ${info.pages}`);
    const raw = pdf.toString("latin1");
    const titleRef = /\/Title (\d+) 0 R/.exec(raw)![1];
    expect(raw).toContain(`\n${titleRef} 0 obj\n(Abuse case AD-2026-0007)\nendobj`);
  });

  it("grows over pages and repeats table headers, with a long case", async () => {
    const tl = Array.from({ length: 120 }, (_, i) => ({ id: i + 1, caseId: "AD-2026-0007", at: new Date(Date.parse("2026-05-01T09:00:00Z") + i * 60_000).toISOString(), actor: "dana", type: "note" as const, summary: `note number ${i + 1}: ${"long words ".repeat(i % 7)}`, data: {} }));
    const pdf = await renderPdf(buildReport(reportInput({ timeline: tl })), { compress: false });
    const info = checkPdf(pdf);
    expect(info.pages).toBeGreaterThanOrEqual(4);
    const text = pdfText(pdf);
    expect(text.some((l) => l.startsWith("note number 120:"))).toBe(true);
    // A long cell wraps inside its column and goes on on the next line.
    const i7 = text.findIndex((l) => l.startsWith("note number 7: long words"));
    expect((text[i7]! + text[i7 + 1]!).replace(/\s+/g, " ").trim()).toBe("note number 7: long words long words long words long words long words long words");
    expect(text.filter((l) => l === "Summary").length).toBeGreaterThanOrEqual(info.pages - 2); // the header again on each page the table spans
    expect(text).toContain(`Page ${info.pages} of ${info.pages}`);
  });

  it("compresses by default and stays a valid document", async () => {
    const pdf = await renderPdf(buildReport(reportInput()));
    expect(pdf.toString("latin1")).toContain("/FlateDecode");
    expect(checkPdf(pdf).pages).toBeGreaterThanOrEqual(2);
  });

  it("replaces what the standard fonts cannot show", () => {
    expect(pdfSafe("naïve “quotes” – ok € 日本 🙂\tx")).toBe("naïve “quotes” – ok € ?? ?    x");
  });
});
