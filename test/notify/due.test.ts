import { describe, expect, it } from "vitest";
import type { TimelineEvent } from "../../src/case/types.ts";
import type { JournalEntry } from "../../src/execute/types.ts";
import { dueNotifications, duration, sentKeys } from "../../src/notify/due.ts";
import { makeCase, makePlan, mixedJournal } from "../reply/fixtures.ts";

const NOW = new Date("2026-05-01T12:00:00.000Z");
const kinds = (xs: { kind: string }[]) => xs.map((x) => x.kind);
let nextId = 1;
const ev = (type: TimelineEvent["type"], data: Record<string, unknown> = {}, summary = "x"): TimelineEvent => ({ id: nextId++, caseId: "AD-2026-0007", at: "2026-05-01T11:00:00.000Z", actor: "dana", type, summary, data });

describe("dueNotifications", () => {
  it("announces a new case once", () => {
    const c = makeCase({ status: "new", deadline: { at: "2026-05-02T09:00:00.000Z", basis: "default", text: null } });
    const first = dueNotifications({ case: c }, NOW);
    expect(kinds(first)).toEqual(["case-new"]);
    expect(first[0]).toMatchObject({ key: "case-new:AD-2026-0007", title: "New abuse case AD-2026-0007 (AWS case 17654321098): port scanning", severity: "warning" });
    expect(first[0]!.fields).toContainEqual({ label: "Deadline", value: "2026-05-02 09:00:00 UTC" });
    const timeline = [ev("notification", { key: first[0]!.key })];
    expect(dueNotifications({ case: c, timeline }, NOW)).toEqual([]);
    // A case someone already contained is not announced as new (notifications turned on later).
    expect(dueNotifications({ case: { ...c, status: "contained" } }, NOW)).toEqual([]);
  });

  it("raises the alarm for a suspicious or phishing verdict", () => {
    const sent = new Set(["case-new:AD-2026-0007"]);
    for (const verdict of ["suspicious", "phishing"] as const) {
      const [e] = dueNotifications({ case: makeCase({ verdict }) }, NOW, { sent });
      expect(e).toMatchObject({ kind: "verdict-alarm", key: `verdict:AD-2026-0007:${verdict}`, severity: "critical" });
    }
    expect(dueNotifications({ case: makeCase({ verdict: "unverified" }) }, NOW, { sent })).toEqual([]);
    expect(dueNotifications({ case: makeCase({ verdict: "phishing", status: "closed" }) }, NOW, { sent })).toEqual([]);
  });

  it("raises the alarm for a doubtful notice that joined a genuine case (someone impersonating AWS about it)", () => {
    const sent = new Set(["case-new:AD-2026-0007"]);
    const forged = ev("verdict", { noticeId: 2, verdict: "phishing", reasons: [{ code: "link.lookalike", severity: "fail" }] }, "Verdict: phishing (a link points to a look-alike)");
    const timeline = [ev("verdict", { noticeId: 1, verdict: "authentic", reasons: [] }), forged];
    const [e, ...rest] = dueNotifications({ case: makeCase({ verdict: "authentic" }), timeline }, NOW, { sent });
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ kind: "verdict-alarm", key: "verdict:AD-2026-0007:notice:2", severity: "critical" });
    expect(e!.title).toBe("A notice judged phishing joined AD-2026-0007 (AWS case 17654321098)");
    expect(e!.text).toMatch(/Do not follow its links or reply to its sender/);
    expect(dueNotifications({ case: makeCase(), timeline }, NOW, { sent: new Set([...sent, e!.key]) })).toEqual([]);
    // A closed case hears of a fresh one too (it is not reopened by it), but not of old ones.
    const closed = makeCase({ status: "closed" });
    expect(kinds(dueNotifications({ case: closed, timeline: [{ ...forged, at: "2026-05-01T11:00:00.000Z" }] }, NOW, { sent }))).toEqual(["verdict-alarm"]);
    expect(dueNotifications({ case: closed, timeline: [{ ...forged, at: "2026-04-20T11:00:00.000Z" }] }, NOW, { sent })).toEqual([]);
  });

  it("warns when the deadline is within 4 hours, again when it is shortened, not after the reply", () => {
    const sent = new Set(["case-new:AD-2026-0007"]);
    const at = (iso: string) => makeCase({ deadline: { at: iso, basis: "default", text: null } });
    expect(dueNotifications({ case: at("2026-05-01T16:00:01.000Z") }, NOW, { sent })).toEqual([]);
    const [warn] = dueNotifications({ case: at("2026-05-01T15:00:00.000Z") }, NOW, { sent });
    expect(warn).toMatchObject({ kind: "deadline-near", key: "deadline-near:AD-2026-0007:2026-05-01T15:00:00.000Z", severity: "warning", title: "Reply due in 3 h: AD-2026-0007 (AWS case 17654321098)" });
    const [soon] = dueNotifications({ case: at("2026-05-01T12:40:00.000Z") }, NOW, { sent });
    expect(soon!.severity).toBe("critical");
    const [late] = dueNotifications({ case: at("2026-05-01T10:30:00.000Z") }, NOW, { sent });
    expect(late!.title).toBe("Reply overdue by 1 h 30 min: AD-2026-0007 (AWS case 17654321098)");
    // A final notification shortens the deadline: a new key, so a new warning.
    const sent2 = new Set([...sent, warn!.key]);
    expect(dueNotifications({ case: at("2026-05-01T15:00:00.000Z") }, NOW, { sent: sent2 })).toEqual([]);
    expect(kinds(dueNotifications({ case: at("2026-05-01T13:00:00.000Z") }, NOW, { sent: sent2 }))).toEqual(["deadline-near"]);
    // Replied, resolved or closed: nothing is due.
    for (const status of ["replied", "resolved", "closed"] as const) {
      expect(dueNotifications({ case: { ...at("2026-05-01T13:00:00.000Z"), status } }, NOW, { sent })).toEqual([]);
    }
    expect(kinds(dueNotifications({ case: at("2026-05-01T19:00:00.000Z") }, NOW, { sent, deadlineWarningHours: 8 }))).toEqual(["deadline-near"]);
  });

  it("says a plan is waiting for approval until it is applied, and only for the newest plan", () => {
    const c = makeCase();
    const sent = new Set(["case-new:AD-2026-0007"]);
    const plan = makePlan();
    const [e] = dueNotifications({ case: c, plans: [plan] }, NOW, { sent });
    expect(e).toMatchObject({ kind: "plan-awaiting-approval", key: "plan-awaiting-approval:plan-1" });
    expect(e!.text).toContain("4 steps (4 change the account)");
    expect(dueNotifications({ case: c, plans: [plan], journal: [{ seq: 1, planId: "plan-1", stepId: "01-snapshot", phase: "started", at: "2026-05-01T11:00:00Z", actor: "x" }] }, NOW, { sent })).toEqual([]);
    const older = { ...plan, id: "plan-0", createdAt: "2026-05-01T08:00:00.000Z" };
    expect(dueNotifications({ case: c, plans: [older, plan], journal: mixedJournal() }, NOW, { sent }).filter((x) => x.kind === "plan-awaiting-approval")).toEqual([]);
    expect(dueNotifications({ case: { ...c, status: "closed" }, plans: [plan] }, NOW, { sent })).toEqual([]);
  });

  it("reports a step that failed and stayed failed, and a failed rollback", () => {
    const sent = new Set(["case-new:AD-2026-0007"]);
    const plan = makePlan();
    const j = mixedJournal();
    const failed = dueNotifications({ case: makeCase(), plans: [plan], journal: j }, NOW, { sent });
    expect(kinds(failed)).toEqual(["step-failed"]);
    const seq = j.find((e) => e.phase === "failed")!.seq;
    expect(failed[0]).toMatchObject({ key: `step-failed:plan-1:03-detach-asg:${seq}`, severity: "critical" });
    expect(failed[0]!.text).toContain("Detached i-0a1b2c3d4e5f60718 from Auto Scaling group web-asg (111122223333/eu-west-1): AccessDenied: autoscaling:DetachInstances.");
    // Retried and done: nothing to report any more.
    const fixed: JournalEntry[] = [...j, { seq: 900, planId: "plan-1", stepId: "03-detach-asg", phase: "done", at: "2026-05-01T11:30:00Z", actor: "dana" }];
    expect(dueNotifications({ case: makeCase(), plans: [plan], journal: fixed }, NOW, { sent })).toEqual([]);
    const rb: JournalEntry[] = [...fixed, { seq: 901, planId: "plan-1", stepId: "02-isolate", phase: "rollback-failed", at: "2026-05-01T11:40:00Z", actor: "dana", error: "InvalidGroup.NotFound" }];
    const [r] = dueNotifications({ case: makeCase(), plans: [plan], journal: rb }, NOW, { sent });
    expect(r).toMatchObject({ kind: "step-failed", key: "step-failed:plan-1:02-isolate:901", title: "Rollback of a step failed: AD-2026-0007 (AWS case 17654321098)" });
  });

  it("tells the team when the reply was sent", () => {
    const sent = new Set(["case-new:AD-2026-0007"]);
    const e = ev("reply-sent", { via: "smtp", to: "trustandsafety@support.aws.com", messageId: "<r@example.com>" }, "Reply sent by smtp to trustandsafety@support.aws.com");
    const [n] = dueNotifications({ case: makeCase({ status: "replied" }), timeline: [e] }, NOW, { sent });
    expect(n).toMatchObject({ kind: "reply-sent", key: `reply-sent:AD-2026-0007:${e.id}`, severity: "info", data: expect.objectContaining({ via: "smtp", messageId: "<r@example.com>" }) });
    expect(n!.fields).toContainEqual({ label: "To", value: "trustandsafety@support.aws.com" });
  });

  it("reads the sent keys from the timeline's notification events", () => {
    expect([...sentKeys([ev("notification", { key: "a" }), ev("note", { key: "b" }), ev("notification", {})])]).toEqual(["a"]);
  });

  it("sends again, on a later run, what no channel could deliver (a few times at most)", () => {
    const failed = (key: string, retryable = true) => ev("notification", { key, outcomes: [{ channel: "slack", ok: false, attempts: 4, error: "HTTP 503", status: 503, retryable, elapsedMs: 9000 }] });
    const delivered = (key: string) => ev("notification", { key, outcomes: [{ channel: "slack", ok: false, attempts: 4, error: "HTTP 503", retryable: true, elapsedMs: 9000 }, { channel: "email", ok: true, attempts: 1, elapsedMs: 20 }] });
    const key = "deadline-near:AD-2026-0007:2026-05-01T15:00:00.000Z";
    // Slack was down for the run that found it: the warning is due again on the next run.
    const c = makeCase({ deadline: { at: "2026-05-01T15:00:00.000Z", basis: "default", text: null } });
    const timeline = [ev("notification", { key: "case-new:AD-2026-0007" }), failed(key)];
    expect(kinds(dueNotifications({ case: c, timeline }, NOW))).toEqual(["deadline-near"]);
    // Delivered on one channel: the team heard it; the others are not sent a copy.
    expect(sentKeys([delivered(key)]).has(key)).toBe(true);
    // A refusal that will not change (a revoked webhook) is not tried again, nor is anything after three failed runs.
    expect(sentKeys([failed(key, false)]).has(key)).toBe(true);
    expect(sentKeys([failed(key), failed(key)]).has(key)).toBe(false);
    expect(sentKeys([failed(key), failed(key), failed(key)]).has(key)).toBe(true);
  });

  it("writes durations a person reads at a glance", () => {
    expect([0, 59_000, 45 * 60_000, 3 * 3_600_000, 200 * 60_000, 50 * 3_600_000, 72 * 3_600_000].map(duration)).toEqual(["0 min", "1 min", "45 min", "3 h", "3 h 20 min", "2 d 2 h", "3 d"]);
  });
});
