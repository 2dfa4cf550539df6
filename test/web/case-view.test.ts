import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyPlan } from "../../src/desk/index.ts";
import { buildCaseView, caseViewFor, deadlineView, duration, highlight } from "../../src/web/case-view.ts";
import { readCase } from "../../src/case/read.ts";
import { drillCase, type DrillCase } from "./case-fixture.ts";

describe("highlight", () => {
  it("marks each value where it is written and keeps every character of the line", () => {
    const text = "AWS ID: 111122223333 Region: eu-west-1 EC2 Instance Id: i-0a1b [198.51.100.23]";
    const segs = highlight(text, [
      { value: "i-0a1b", fact: "instanceIds" },
      { value: "198.51.100.23", fact: "publicIps" },
      { value: "EU-WEST-1", fact: "regions" },
    ]);
    expect(segs.map((s) => s.text).join("")).toBe(text);
    expect(segs.filter((s) => s.fact).map((s) => [s.fact, s.text])).toEqual([
      ["regions", "eu-west-1"],
      ["instanceIds", "i-0a1b"],
      ["publicIps", "198.51.100.23"],
    ]);
  });

  it("marks what follows the label when the value was normalized (a time)", () => {
    const segs = highlight("Report begin time: 2026-12-07 16:12:54 UTC", [{ value: "2026-12-07T16:12:54Z", fact: "begin", label: "Report begin time" }]);
    expect(segs).toEqual([{ text: "Report begin time: " }, { text: "2026-12-07 16:12:54 UTC", fact: "begin" }]);
  });

  it("keeps the first, longest of overlapping marks and never marks nothing", () => {
    const segs = highlight("10.0.0.1 and 10.0.0.10", [
      { value: "10.0.0.1", fact: "a" },
      { value: "10.0.0.10", fact: "b" },
      { value: "", fact: "empty" },
      { value: null, fact: "none", label: "absent label" },
    ]);
    expect(segs.map((s) => s.text).join("")).toBe("10.0.0.1 and 10.0.0.10");
    expect(segs.filter((s) => s.fact).map((s) => s.text)).toEqual(["10.0.0.1", "10.0.0.10"]);
    expect(segs.find((s) => s.text === "10.0.0.10")?.fact).toBe("b");
  });

  it("hostile text stays text: the segments are the characters given, markup included", () => {
    const text = '<script>alert(1)</script> Remote IP: 203.0.113.9 <img src=x onerror=alert(2)>';
    const segs = highlight(text, [{ value: "203.0.113.9", fact: "remoteIps" }]);
    expect(segs.map((s) => s.text).join("")).toBe(text);
  });
});

describe("deadline", () => {
  it("says the time left, overdue when past, settled once closed", () => {
    const c = { deadline: { at: "2026-05-04T12:00:00.000Z", basis: "stated" as const, text: "within 24 hours" }, status: "new" as const };
    expect(deadlineView(c, new Date("2026-05-04T06:48:00Z"))).toMatchObject({ overdue: false, left: "5 h 12 min left" });
    expect(deadlineView(c, new Date("2026-05-04T14:03:00Z"))).toMatchObject({ overdue: true, left: "overdue by 2 h 3 min" });
    expect(deadlineView({ ...c, status: "closed" }, new Date("2026-05-05T00:00:00Z"))).toMatchObject({ overdue: false, settled: true });
    expect(duration(30_000)).toBe("under a minute");
    expect(duration(2 * 86_400_000 + 3 * 3_600_000)).toBe("2 d 3 h");
  });
});

describe("case view of a case the desk made", () => {
  let d: DrillCase;
  beforeEach(async () => {
    d = await drillCase();
  });
  afterEach(async () => {
    await d.close();
  });

  it("shows the notice's lines with the facts marked where the parser read them, the verdict with its reasons, the facts", async () => {
    const v = await caseViewFor(d.store, d.caseId, d.now);
    expect(v.case.id).toBe(d.caseId);
    expect(v.verdict.level).toBe("authentic");
    expect(v.verdict.reasons.map((r) => r.code)).toContain("dkim.aws_pass");
    const n = v.notices[0]!;
    const remote = n.lines.find((l) => l.segments.some((s) => s.fact === "remoteIps"));
    expect(remote?.segments.find((s) => s.fact === "remoteIps")?.text).toBe("203.0.113.99");
    expect(remote?.part).toBe("body");
    expect(typeof remote?.line).toBe("number");
    const instance = n.lines.find((l) => l.facts.includes("instanceIds"));
    expect(instance?.segments.find((s) => s.fact === "instanceIds")?.text).toBe("i-0a1b2c3d4e5f67890");
    // lines in the notice's order: the subject first, then the body by line number
    expect(n.lines[0]!.part).toBe("subject");
    const bodyLines = n.lines.filter((l) => l.part === "body").map((l) => l.line!);
    expect(bodyLines).toEqual([...bodyLines].sort((a, b) => a - b));
    expect(v.facts.find((f) => f.label === "AWS case")?.value).toBe("31415926535");
    expect(n.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("shows the deadline and time left, the resources with owner, network and scaling context", async () => {
    const v = await caseViewFor(d.store, d.caseId, d.now);
    expect(v.deadline.overdue).toBe(false);
    expect(v.deadline.left).toMatch(/left$/);
    const inst = v.resources.find((r) => r.id === "i-0a1b2c3d4e5f67890")!;
    expect(inst.owner).toContain("alice@example.com");
    expect(inst.network.join("\n")).toContain("eni-0a1b2c3d4e5f60001");
    expect(inst.scaling.join("\n")).toContain("Auto Scaling group web-asg");
    expect(v.notSearched).toEqual([]);
  });

  it("shows each step with why, risk and the exact API calls; after an apply, the journal and each step's outcome", async () => {
    let v = await caseViewFor(d.store, d.caseId, d.now);
    const plan = v.plans[0]!;
    expect(plan.id).toBe(d.plan.id);
    expect(plan.steps).toHaveLength(d.plan.steps.length);
    const iso = plan.steps.find((s) => s.action === "isolate-eni")!;
    expect(iso.reason).not.toBe("");
    expect(["low", "medium", "high"]).toContain(iso.risk);
    expect(iso.calls.map((c) => c.api)).toContain("ec2:ModifyNetworkInterfaceAttribute");
    expect(iso.calls.find((c) => c.api === "ec2:ModifyNetworkInterfaceAttribute")!.params).toContain("eni-0a1b2c3d4e5f60001");
    expect(plan.steps.every((s) => s.state === "not-started" && s.canApply && !s.canRollback)).toBe(true);
    expect(v.journal).toEqual([]);

    const r = await applyPlan(d.store, d.plan, { port: d.port, approve: "person", actor: "alice" });
    expect(r.status).toBe("complete");
    v = buildCaseView(await readCase(d.store, d.caseId), d.now);
    const after = v.plans[0]!;
    expect(after.steps.every((s) => s.state === "done")).toBe(true);
    expect(after.steps.find((s) => s.action === "isolate-eni")!.canRollback).toBe(true);
    // evidence capture is read-only: nothing to roll back
    expect(after.steps.find((s) => s.action === "capture-metadata")!.canRollback).toBe(false);
    expect(v.journal.length).toBeGreaterThanOrEqual(2 * d.plan.steps.length);
    expect(v.journal.map((j) => j.seq)).toEqual([...v.journal.map((j) => j.seq)].sort((a, b) => a - b));
    expect(v.journalSeq).toBe(v.journal.at(-1)!.seq);
    expect(v.case.status).toBe("contained");
    // evidence with SHA-256, downloadable from the store
    expect(v.evidence.length).toBeGreaterThan(0);
    expect(v.evidence.every((e) => /^[0-9a-f]{64}$/.test(e.sha256))).toBe(true);
    expect(v.evidence.some((e) => e.downloadable && e.id !== null)).toBe(true);
  });

  it("names the plan's author from the web desk's note when there is one", async () => {
    await d.store.recordEvent(d.caseId, "note", `Plan ${d.plan.id} written by bob`, { planId: d.plan.id, planAuthor: "bob" }, { actor: "bob" });
    const v = await caseViewFor(d.store, d.caseId, d.now);
    expect(v.plans[0]!.author).toBe("bob");
  });
});
