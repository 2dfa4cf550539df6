/**
 * The scheduler's jobs, one instance, on SQLite with the simulated account: deadline warnings and
 * the reminders after them, follow-ups, notifications no channel could deliver tried again (and
 * given up, said so), failed automatic steps retried with back-off a bounded number of times (a
 * retry that failed says so), not-searched cases resolved again until the search is complete,
 * interfaces left in the all-traffic group moved out. Every outcome is read back from the case's
 * timeline and the audit chain, not from the scheduler's own report alone.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CaseStore, TimelineEvent } from "../../src/case/index.ts";
import type { SimAccount } from "../../src/cloud/sim/index.ts";
import { withPlanLock } from "../../src/case/locks.ts";
import { applyPlan } from "../../src/desk/index.ts";
import type { JournalStore } from "../../src/execute/types.ts";
import { runScheduler, schedulerSettings, schedulerTick, type JobName, type SchedulerLog, type TickReport } from "../../src/serve/scheduler.ts";
import { makeNotice, makeVerdict, raw } from "../case/fixtures.ts";
import { caseAbout, deps, hours, instance, memoryChannel, newSim, notifyWith, planned, POLICY, sqliteStores, X, type Stores } from "./helpers.ts";

let s: Stores;
let store: CaseStore;
let sim: SimAccount;
beforeEach(async () => {
  s = await sqliteStores();
  store = s.store;
  sim = newSim();
});
afterEach(async () => {
  await s.close();
});

const T0 = new Date("2026-05-04T09:00:00.000Z");
const job = (r: TickReport, name: JobName) => r.jobs.find((j) => j.job === name)!;
const scheduled = async (caseId: string) => (await store.timeline(caseId)).filter((e) => e.type === "scheduled");
const summaries = (events: TimelineEvent[]) => events.map((e) => e.summary);

describe("notifications: deadline warnings, reminders, follow-ups", () => {
  it("warns once before the deadline, reminds when a quarter of the warning time is left and when it is overdue, then stays quiet", async () => {
    const ch = memoryChannel("siem");
    const id = await caseAbout(store, instance(X.legacy, { receivedAt: T0.toISOString() }), T0);
    const d = deps(store, { notify: notifyWith(ch), jobs: ["notifications"] });

    await schedulerTick(d, hours(T0, 21)); // 3 h left
    expect(ch.got.map((e) => e.key)).toEqual([`case-new:${id}`, `deadline-near:${id}:${hours(T0, 24).toISOString()}`]);
    await schedulerTick(d, hours(T0, 22)); // nothing new
    expect(ch.got).toHaveLength(2);
    const r = await schedulerTick(d, hours(T0, 23.5)); // 30 min left
    expect(job(r, "notifications")).toMatchObject({ status: "ran", items: [{ caseId: id, outcome: "notified" }] });
    expect(ch.got.at(-1)).toMatchObject({ kind: "deadline-near", key: `deadline-near:${id}:${hours(T0, 24).toISOString()}:final`, severity: "critical" });
    expect(ch.got.at(-1)!.title).toBe(`Reminder: reply due in 30 min, still unanswered: ${id}`);
    await schedulerTick(d, hours(T0, 25));
    expect(ch.got.at(-1)).toMatchObject({ key: `deadline-near:${id}:${hours(T0, 24).toISOString()}:overdue` });
    expect(ch.got.at(-1)!.title).toMatch(/^Reply overdue by 1 h, still unanswered/);
    await schedulerTick(d, hours(T0, 30));
    expect(ch.got).toHaveLength(4);
    // Each is on the timeline (and so on the audit chain), as delivered.
    const notes = (await store.timeline(id)).filter((e) => e.type === "notification");
    expect(notes.map((e) => e.data.key)).toEqual(ch.got.map((e) => e.key));
    expect(notes.every((e) => e.summary.startsWith("Notified siem: ") && e.actor === "abuse-desk scheduler")).toBe(true);
    const audited = (await store.auditEntries({ caseId: id })).filter((e) => e.action === "timeline.notification");
    expect(audited).toHaveLength(4);
    expect((await store.auditVerify({ deep: true })).intact).toBe(true);
  });

  it("a case first seen with 30 minutes left is warned once, not reminded a minute later; a replied case is not reminded", async () => {
    const ch = memoryChannel("slack");
    const late = await caseAbout(store, instance(X.legacy, { receivedAt: T0.toISOString() }), T0);
    const d = deps(store, { notify: notifyWith(ch), jobs: ["notifications"] });
    await schedulerTick(d, hours(T0, 23.5));
    await schedulerTick(d, hours(T0, 23.55));
    expect(ch.got.filter((e) => e.kind === "deadline-near").map((e) => e.key)).toEqual([`deadline-near:${late}:${hours(T0, 24).toISOString()}`]);
    await store.setStatus(late, "replied", { reason: "answered in Support Center" });
    await schedulerTick(d, hours(T0, 25));
    expect(ch.got.filter((e) => e.kind === "deadline-near")).toHaveLength(1);
  });

  it("announces a follow-up AWS sent about an open case, and asks for a look when AWS stays silent after our reply", async () => {
    const ch = memoryChannel("mail");
    const first = instance(X.legacy, { receivedAt: T0.toISOString(), caseNumber: "27182818284" });
    const id = await caseAbout(store, first, T0);
    const d = deps(store, { notify: notifyWith(ch), jobs: ["notifications"] });
    await schedulerTick(d, hours(T0, 1));
    const follow = makeNotice({ kind: "final_notification", caseNumber: "27182818284-1", receivedAt: hours(T0, 2).toISOString(), instanceIds: [], publicIps: [] });
    const joined = await store.intake({ notice: follow, verdict: makeVerdict(), raw: raw(follow), now: hours(T0, 2) });
    expect(joined.case.id).toBe(id);
    await schedulerTick(d, hours(T0, 3));
    const fu = ch.got.filter((e) => e.kind === "aws-follow-up");
    expect(fu).toHaveLength(1);
    expect(fu[0]).toMatchObject({ key: `aws-follow-up:${id}:${joined.notice.id}`, severity: "critical", title: `Final notification from AWS: ${id} (AWS case 27182818284)` });
    // A forged follow-up kept apart from the case is not announced as AWS's (the verdict alarm covers it).
    const forged = makeNotice({ kind: "follow_up", caseNumber: "27182818284", receivedAt: hours(T0, 3).toISOString() });
    await store.intake({ notice: forged, verdict: makeVerdict("suspicious"), raw: raw(forged), now: hours(T0, 3) });
    await schedulerTick(d, hours(T0, 4));
    expect(ch.got.filter((e) => e.kind === "aws-follow-up")).toHaveLength(1);

    await store.setStatus(id, "replied", { reason: "reply sent", now: hours(T0, 5) });
    await store.recordEvent(id, "reply-sent", "Reply sent by smtp", { via: "smtp" }, { now: hours(T0, 5) });
    await schedulerTick(d, hours(T0, 5 + 71));
    expect(ch.got.filter((e) => e.kind === "follow-up-due")).toHaveLength(0);
    await schedulerTick(d, hours(T0, 5 + 73));
    const due = ch.got.filter((e) => e.kind === "follow-up-due");
    expect(due).toHaveLength(1);
    expect(due[0]!.title).toBe(`No word from AWS 3 d 1 h after our reply: ${id} (AWS case 27182818284)`);
    await schedulerTick(d, hours(T0, 5 + 80));
    expect(ch.got.filter((e) => e.kind === "follow-up-due")).toHaveLength(1);
  });

  it("leaves a case changed a moment ago to the command that changed it (it notifies itself), and catches it on a later run", async () => {
    const ch = memoryChannel("slack");
    const id = await caseAbout(store, instance(X.legacy, { receivedAt: T0.toISOString() }), T0);
    await store.addNote(id, "looking into it", { now: hours(T0, 1) });
    const d = deps(store, { notify: notifyWith(ch), jobs: ["notifications"] });
    await schedulerTick(d, new Date(hours(T0, 1).getTime() + 30_000));
    expect(ch.got).toEqual([]);
    await schedulerTick(d, new Date(hours(T0, 1).getTime() + 61_000));
    expect(ch.got.map((e) => e.key)).toEqual([`case-new:${id}`]);
  });

  it("tries a notification no channel could deliver on later runs, at most three, and says when it gave up", async () => {
    const down = memoryChannel("slack", () => ({ ok: false, retryable: true, error: "HTTP 503" }));
    const id = await caseAbout(store, instance(X.legacy, { receivedAt: T0.toISOString() }), T0);
    const d = deps(store, { notify: notifyWith(down), jobs: ["notifications"] });
    for (let h = 1; h <= 5; h++) await schedulerTick(d, hours(T0, h));
    const notes = (await store.timeline(id)).filter((e) => e.type === "notification" && e.data.key === `case-new:${id}`);
    expect(summaries(notes)).toEqual([
      `Notification failed on slack (HTTP 503; 1 attempt): New abuse case ${id}: port scanning (run 1 of 3: tried again on the next run)`,
      `Notification failed on slack (HTTP 503; 1 attempt): New abuse case ${id}: port scanning (run 2 of 3: tried again on the next run)`,
      `Notification failed on slack (HTTP 503; 1 attempt): New abuse case ${id}: port scanning (run 3 of 3: given up, not tried again)`,
    ]);
    expect(notes.at(-1)!.data).toMatchObject({ run: 3, of: 3, givenUp: true });
    expect(down.got.filter((e) => e.key === `case-new:${id}`)).toHaveLength(3);

    // A refusal for good is said once, and not tried again.
    const gone = memoryChannel("webhook:old", () => ({ ok: false, retryable: false, error: "HTTP 404", status: 404 }));
    const other = await caseAbout(store, instance(X.web3, { receivedAt: T0.toISOString() }), T0);
    const d2 = deps(store, { notify: notifyWith(gone), jobs: ["notifications"] });
    await schedulerTick(d2, hours(T0, 1));
    await schedulerTick(d2, hours(T0, 2));
    expect(gone.got.filter((e) => e.key === `case-new:${other}`)).toHaveLength(1);
    expect((await store.timeline(other)).find((e) => e.data.key === `case-new:${other}`)!.summary).toMatch(/\(refused for good: not tried again\)$/);
  });
});

describe("failed steps retried, bounded", () => {
  async function failedAutomaticApply(faults: Parameters<SimAccount["faults"]["add"]>[0]) {
    const id = await caseAbout(store, instance(X.legacy));
    const plan = await planned(store, sim, id);
    sim.faults.add(faults);
    const first = await applyPlan(store, plan, { port: sim, approve: "policy", policy: POLICY, actor: "abuse-desk service", retry: { sleep: () => Promise.resolve() } });
    expect(first.status).toBe("failed");
    const failed = first.steps.filter((x) => x.status === "failed");
    expect(failed.length).toBeGreaterThan(0);
    return { id, plan, failed: failed.map((x) => x.stepId) };
  }
  const startedOf = async (planId: string, stepId: string) => (await store.entries(planId)).filter((e) => e.stepId === stepId && e.phase === "started").length;

  it("retries a step that failed on a throttled API with back-off, three times at most, each outcome on the timeline", async () => {
    const { id, plan, failed } = await failedAutomaticApply({ call: "createSnapshots", throttle: "always" });
    const step = failed[0]!;
    const d = deps(store, { port: sim, policy: POLICY, jobs: ["step-retries"] });
    const now = Date.now();
    // Within the back-off (5 minutes after the failure): not yet.
    await schedulerTick(d, new Date(now + 60_000));
    expect(await scheduled(id)).toEqual([]);
    expect(await startedOf(plan.id, step)).toBe(1);
    for (let h = 1; h <= 5; h++) await schedulerTick(d, new Date(now + h * 3_600_000));
    const events = await scheduled(id);
    expect(summaries(events)).toEqual([
      expect.stringMatching(new RegExp(`^Retry 1 of 3 of plan ${plan.id} failed again \\(${step}: throttled: .*\\); tried again after \\d{4}-`)),
      expect.stringMatching(/^Retry 2 of 3 .* failed again .*; tried again after /),
      expect.stringMatching(new RegExp(`^Retry 3 of 3 .* failed again .*; no more automatic retries: a person must resume it with abuse-desk apply ${plan.id}$`)),
    ]);
    expect(events.map((e) => e.data)).toMatchObject([{ job: "step-retries", outcome: "failed", attempt: 1 }, { attempt: 2 }, { attempt: 3 }]);
    // Four runs of the step in all: the first apply and three retries; the journal says each failed.
    expect(await startedOf(plan.id, step)).toBe(4);
    expect((await store.entries(plan.id)).filter((e) => e.stepId === step && e.phase === "failed")).toHaveLength(4);
    expect((await store.requireCase(id)).status).not.toBe("contained");
    expect((await store.auditVerify({ deep: true })).intact).toBe(true);
  });

  it("a retry that works says so, and the case is not called contained while steps still wait for a person", async () => {
    const { id, plan, failed } = await failedAutomaticApply({ call: "createSnapshots", throttle: "always" });
    sim.faults.clear();
    const r = await schedulerTick(deps(store, { port: sim, policy: POLICY, jobs: ["step-retries"] }), new Date(Date.now() + 3_600_000));
    expect(job(r, "step-retries")).toMatchObject({ status: "ran", items: [{ caseId: id, planId: plan.id, outcome: "done" }] });
    const [ev] = await scheduled(id);
    expect(ev!.summary).toMatch(new RegExp(`^Retry 1 of 3 of plan ${plan.id}: steps ${failed.join(", ")} done now; \\d+ steps wait for a person$`));
    expect((await store.timeline(id)).filter((e) => e.type === "step-applied" && failed.includes(String(e.data.stepId)))).toHaveLength(failed.length);
    expect((await store.requireCase(id)).status).not.toBe("contained");
    // Nothing left to retry.
    await schedulerTick(deps(store, { port: sim, policy: POLICY, jobs: ["step-retries"] }), new Date(Date.now() + 7_200_000));
    expect(await scheduled(id)).toHaveLength(1);
  });

  it("does not retry a refusal a retry cannot fix (access denied), and says so once", async () => {
    const { id, plan, failed } = await failedAutomaticApply({ call: "createSnapshots", accessDenied: true });
    const calls = sim.callsOf("createSnapshots").length;
    const d = deps(store, { port: sim, policy: POLICY, jobs: ["step-retries"] });
    await schedulerTick(d, new Date(Date.now() + 3_600_000));
    await schedulerTick(d, new Date(Date.now() + 7_200_000));
    const events = await scheduled(id);
    expect(summaries(events)).toEqual([expect.stringMatching(new RegExp(`^Plan ${plan.id} step ${failed[0]} is not retried automatically: it failed with an error a retry does not fix \\(access-denied: .*\\); a person must resume it with abuse-desk apply ${plan.id}$`))]);
    // Not run again: no new start in the journal, no new call to the account.
    expect(await startedOf(plan.id, failed[0]!)).toBe(1);
    expect(sim.callsOf("createSnapshots")).toHaveLength(calls);
  });

  it("resumes an automatic apply whose process died inside a step (the journal says started, nobody holds the plan)", async () => {
    const id = await caseAbout(store, instance(X.legacy));
    const plan = await planned(store, sim, id);
    const snap = plan.steps.find((x) => x.action === "snapshot-volumes")!;
    // The process "dies" after the step's call, before it could journal how the step ended.
    const dying: CaseStore = new Proxy(store, {
      get(t, p) {
        if (p === "withPlanLock") return (planId: string, opts: Parameters<CaseStore["withPlanLock"]>[1], fn: Parameters<CaseStore["withPlanLock"]>[2]) => withPlanLock(dying, planId, opts, fn);
        if (p === "heldJournal")
          return (lock: Parameters<CaseStore["heldJournal"]>[0]): JournalStore => {
            const j = t.heldJournal(lock);
            return { ...j, append: (e) => (e.stepId === snap.id && e.phase !== "started" ? Promise.reject(new Error("killed")) : j.append(e)) };
          };
        const v = Reflect.get(t, p, t) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    await expect(applyPlan(dying, plan, { port: sim, approve: "policy", policy: POLICY, actor: "abuse-desk service", retry: { sleep: () => Promise.resolve() } })).rejects.toThrow("killed");
    const last = () => store.entries(plan.id).then((es) => es.filter((e) => e.stepId === snap.id).at(-1));
    expect((await last())!.phase).toBe("started");
    expect(await store.planLock(plan.id)).toBeNull();

    await schedulerTick(deps(store, { port: sim, policy: POLICY, jobs: ["step-retries"] }), new Date(Date.now() + 60_000));
    expect(["done", "skipped"]).toContain((await last())!.phase);
    const [ev] = await scheduled(id);
    expect(ev!.summary).toMatch(new RegExp(`^Resumed plan ${plan.id}, left with steps ${snap.id} started by abuse-desk service at \\S+ and never finished \\(resume 1 of 3\\): steps ${snap.id} done now; \\d+ steps wait for a person$`));
  });

  it("a retry that apply refuses outright is said once and not tried again until the journal changes", async () => {
    const { id, plan } = await failedAutomaticApply({ call: "createSnapshots", throttle: "always" });
    let reads = 0;
    // The plan vanishes from under the retry (apply runs only a stored plan automatically).
    const vanishing: CaseStore = new Proxy(store, {
      get(t, p) {
        if (p === "getPlan") return (planId: string) => (reads++ % 2 === 1 ? Promise.resolve(null) : t.getPlan(planId));
        const v = Reflect.get(t, p, t) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    const before = (await store.entries(plan.id)).length;
    for (let h = 1; h <= 3; h++) await schedulerTick(deps(vanishing, { port: sim, policy: POLICY, jobs: ["step-retries"] }), new Date(Date.now() + h * 3_600_000));
    expect(summaries(await scheduled(id))).toEqual([
      expect.stringMatching(new RegExp(`^Retry 1 of 3 of plan ${plan.id} could not run: plan ${plan.id} is not in the case store: .*; not tried again until the plan's journal changes: a person must resume it with abuse-desk apply ${plan.id}$`)),
    ]);
    expect((await store.entries(plan.id)).length).toBe(before);
  });

  it("leaves the failed steps of a closed case alone", async () => {
    const { id, plan } = await failedAutomaticApply({ call: "createSnapshots", throttle: "always" });
    await store.closeCase(id, { reason: "handled by hand" });
    const before = (await store.entries(plan.id)).length;
    await schedulerTick(deps(store, { port: sim, policy: POLICY, jobs: ["step-retries"] }), new Date(Date.now() + 3_600_000));
    expect((await store.entries(plan.id)).length).toBe(before);
    expect(await scheduled(id)).toEqual([]);
  });

  it("never retries the plan of a notice that is not authentic", async () => {
    const id = await caseAbout(store, instance(X.legacy), undefined, "unverified");
    const plan = await planned(store, sim, id);
    sim.faults.add({ call: "createSnapshots", throttle: "always" });
    await applyPlan(store, plan, { port: sim, approve: "person", actor: "alice", retry: { sleep: () => Promise.resolve() } });
    const before = (await store.entries(plan.id)).length;
    await schedulerTick(deps(store, { port: sim, policy: POLICY, jobs: ["step-retries"] }), new Date(Date.now() + 3_600_000));
    expect((await store.entries(plan.id)).length).toBe(before);
    expect(await scheduled(id)).toEqual([]);
  });
});

describe("re-resolution of not-searched cases", () => {
  it("resolves again with back-off while the account cannot be read, then replans once the search is complete", async () => {
    sim.faults.add({ call: "ssm:DescribeInstanceInformation", accessDenied: true });
    const id = await caseAbout(store, instance(X.legacy));
    const plan = await planned(store, sim, id);
    expect((await store.timeline(id)).filter((e) => e.type === "resources-found").at(-1)!.summary).toMatch(/NOT SEARCHED/);
    const d = deps(store, { port: sim, policy: POLICY, jobs: ["re-resolve"] });
    const now = Date.now();
    await schedulerTick(d, new Date(now + 60_000)); // within the back-off
    expect(await scheduled(id)).toEqual([]);
    await schedulerTick(d, new Date(now + 3_600_000));
    expect(summaries(await scheduled(id))).toEqual([expect.stringMatching(/^Re-resolution 1 of 6: still not searched \(.*ssm:DescribeInstanceInformation.*\); tried again after /)]);
    sim.faults.clear();
    await schedulerTick(d, new Date(now + 7_200_000));
    const events = await scheduled(id);
    expect(events).toHaveLength(2);
    expect(events[1]!.summary).toMatch(/^Re-resolution 2 of 6: the search is complete now, 1 of 1 resources found; new plan (plan-\S+) made from the complete search \(\d+ steps\): review and apply it with abuse-desk apply plan-/);
    const plans = await store.plansForCase(id);
    expect(plans.map((p) => p.id)).toContain(plan.id);
    expect(plans).toHaveLength(2);
    expect((await store.timeline(id)).filter((e) => e.type === "resources-found").at(-1)!.data.search).toEqual({ status: "searched" });
    // Searched now: nothing more to do.
    await schedulerTick(d, new Date(now + 30 * 3_600_000));
    expect(await scheduled(id)).toHaveLength(2);
  });

  it("stops after the configured attempts and says what a person must do", async () => {
    sim.faults.add({ call: "ec2:DescribeInstances", accessDenied: true });
    const id = await caseAbout(store, instance(X.legacy));
    await planned(store, sim, id);
    const d = deps(store, { port: sim, policy: POLICY, jobs: ["re-resolve"], settings: { maxResolveAttempts: 2 } });
    for (let h = 1; h <= 6; h++) await schedulerTick(d, new Date(Date.now() + h * 3_600_000));
    expect(summaries(await scheduled(id))).toEqual([
      expect.stringMatching(/^Re-resolution 1 of 2: still not searched .*; tried again after /),
      expect.stringMatching(new RegExp(`^Re-resolution 2 of 2: still not searched .*; no more automatic attempts: give the desk access, then run abuse-desk plan ${id}$`)),
    ]);
  });
});

describe("transit recovery", () => {
  it("moves an interface left in the all-traffic group on to the isolation group, and the case's journal and timeline say so", async () => {
    const id = await caseAbout(store, instance(X.legacy));
    const plan = await planned(store, sim, id);
    const step = plan.steps.find((x) => x.action === "isolate-eni")!;
    expect(step).toBeDefined();
    const eni = step.target.id;
    const [before] = await sim.describeNetworkInterfaces(X.eu, { networkInterfaceIds: [eni] });
    // A run was killed inside the transit: the journal holds it, the interface is in the all-traffic group.
    await store.append({ planId: plan.id, stepId: step.id, phase: "started", actor: "abuse-desk service", before: {} });
    await store.append({ planId: plan.id, stepId: step.id, phase: "transit", actor: "abuse-desk service", detail: { networkInterfaceId: eni, groupIds: before!.groupIds, allTrafficGroupId: X.sgApp, isolationGroupId: X.sgProxy } });
    await sim.setNetworkInterfaceGroups(X.eu, eni, [X.sgApp]);

    const r = await schedulerTick(deps(store, { port: sim, jobs: ["transits"] }));
    expect(job(r, "transits")).toMatchObject({ status: "ran", items: [{ caseId: id, planId: plan.id, outcome: "isolated" }] });
    const [after] = await sim.describeNetworkInterfaces(X.eu, { networkInterfaceIds: [eni] });
    expect(after!.groupIds).toEqual([X.sgProxy]);
    const resolved = (await store.entries(plan.id)).filter((e) => e.phase === "transit-resolved");
    expect(resolved).toMatchObject([{ stepId: step.id, actor: "abuse-desk scheduler", detail: { outcome: "isolated" } }]);
    expect((await store.timeline(id)).map((e) => e.summary)).toContainEqual(expect.stringMatching(new RegExp(`found left in the all-traffic transit: ${eni} was left in the all-traffic group`)));
    // Ended: the next round finds nothing.
    const again = await schedulerTick(deps(store, { port: sim, jobs: ["transits"] }));
    expect(job(again, "transits").items).toEqual([]);
  });
});

describe("what cannot run, and a job that fails", () => {
  it("skips the jobs whose account, policy or channels are not configured, and says why", async () => {
    const r = await schedulerTick({ store });
    expect(r.jobs.map((j) => [j.job, j.status, j.reason])).toEqual([
      ["transits", "skipped", "no cloud account is configured"],
      ["re-resolve", "skipped", "no cloud account is configured"],
      ["step-retries", "skipped", "no cloud account is configured"],
      ["notifications", "skipped", "no notification channel is configured"],
      ["inventory", "skipped", "no cloud account is configured"],
      ["readiness", "skipped", "no cloud account is configured"],
    ]);
    const noAuto = await schedulerTick({ store, port: sim, policy: { ...POLICY, automatic: [] }, jobs: ["step-retries"] });
    expect(noAuto.jobs[0]).toMatchObject({ status: "skipped", reason: "the policy lets no step run without a person, so nothing is retried automatically" });
    expect(await store.jobLeases()).toEqual([]);
  });

  it("reports a job that threw, puts it on the audit log, frees its lease and runs the others", async () => {
    await caseAbout(store, instance(X.legacy));
    const broken = { ...store, listCases: () => Promise.reject(new Error("the database went away")) } as unknown as CaseStore;
    // Only reads fail: the lease is taken and freed through the real store.
    const proxy = new Proxy(store, { get: (t, p) => (p === "listCases" ? broken.listCases : (Reflect.get(t, p, t) as unknown)) }) as CaseStore;
    const ch = memoryChannel("slack");
    const r = await schedulerTick({ store: proxy, port: sim, notify: notifyWith(ch), jobs: ["re-resolve", "notifications", "transits"] });
    expect(job(r, "transits").status).toBe("ran");
    expect(job(r, "re-resolve")).toMatchObject({ status: "failed", error: "the database went away" });
    expect(job(r, "notifications")).toMatchObject({ status: "failed", error: "the database went away" });
    const audit = (await store.auditEntries()).filter((e) => e.action === "scheduler.job.failed");
    expect(audit.map((e) => e.data.job).sort()).toEqual(["notifications", "re-resolve"]);
    expect((await store.jobLeases()).every((l) => l.holder === null)).toBe(true);
  });

  it("runScheduler runs rounds until its signal aborts; a round that fails is logged and the loop goes on", async () => {
    const ch = memoryChannel("slack");
    await caseAbout(store, instance(X.legacy, { receivedAt: T0.toISOString() }), T0);
    const stop = new AbortController();
    const ticks: TickReport[] = [];
    const errors: string[] = [];
    let calls = 0;
    // The first round cannot reach the store; the second works.
    const flaky = new Proxy(store, {
      get: (t, p) => (p === "acquireJobLease" && calls++ === 0 ? () => Promise.reject(new Error("connection refused")) : (Reflect.get(t, p, t) as unknown)),
    }) as CaseStore;
    const log: SchedulerLog = { info: () => undefined, warn: () => undefined, error: (o, msg) => void errors.push(`${msg}: ${String(o.err)}`) };
    await runScheduler(
      { store: flaky, notify: notifyWith(ch), jobs: ["notifications"], log },
      {
        now: () => hours(T0, 21),
        signal: stop.signal,
        pollMs: 100,
        onTick: (r) => {
          ticks.push(r);
          stop.abort();
        },
      },
    );
    expect(errors).toEqual(["scheduler: a round failed; trying again at the next poll: connection refused"]);
    expect(ticks).toHaveLength(1);
    expect(ticks[0]!.jobs[0]!.status).toBe("ran");
    expect(ch.got.map((e) => e.kind)).toEqual(["case-new", "deadline-near"]);
  });

  it("reads its settings from the scheduler: section and refuses what is not one", () => {
    expect(schedulerSettings({ path: null, data: {} }).intervals.notifications).toBe(60_000);
    const s = schedulerSettings({ path: "c.yaml", data: { scheduler: { intervals: { transits: 30_000 }, stepRetries: { max: 5 }, followUpAfterHours: 24 } } });
    expect(s).toMatchObject({ intervals: { transits: 30_000, notifications: 60_000 }, maxStepRetries: 5, followUpAfterHours: 24 });
    expect(() => schedulerSettings({ path: "c.yaml", data: { scheduler: { intervals: { transits: 10 } } } })).toThrow(/^c\.yaml: scheduler\.intervals\.transits: /);
    expect(() => schedulerSettings({ path: "c.yaml", data: { scheduler: { leaseMs: -1 } } })).toThrow(expect.objectContaining({ exitCode: 78 }) as Error);
    expect(() => schedulerSettings({ path: "c.yaml", data: { scheduler: { retries: 3 } } })).toThrow(/scheduler/);
  });
});
