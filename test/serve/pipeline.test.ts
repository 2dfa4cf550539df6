/**
 * The service end to end, in one process, on SQLite: a notice dropped in the folder is kept,
 * verified, cased, resolved, planned and what the policy allows applied; a forged one only opens
 * its case and raises the alarm; the same notice twice is one notice; a failing stage is recorded
 * on the case and retried; what is not a notice is rejected.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { openCloud } from "../../src/cloud/open.ts";
import { Service } from "../../src/serve/service.ts";
import { countingPort, FORGED, memoryChannel, newHome, ROOT, SAMPLE, testService } from "./service-helpers.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function service(home: string, extra: Parameters<typeof testService>[0] extends infer T ? Partial<T> : never = {}) {
  const opened = await testService({ home, ...extra });
  cleanups.push(() => opened.close());
  return opened;
}

describe("serve --once on the folder source", () => {
  it("takes an authentic notice from the folder to a case with its plan, applies the policy's automatic steps, notifies with a link, and moves the file", async () => {
    const home = newHome();
    copyFileSync(SAMPLE, join(home, "inbox", "n1.eml"));
    const mem = memoryChannel();
    const { service: svc, store, inbox } = await service(home, { notify: mem.settings, intake: { publicUrl: "https://desk.example.org/" } });
    const summary = await svc.once();
    expect(summary.drained).toEqual({ dir: 1 });
    expect(summary.outcomes.done).toBe(1);
    expect(existsSync(join(home, "inbox", "n1.eml"))).toBe(false);
    expect(existsSync(join(home, "inbox", "processed", "n1.eml"))).toBe(true);

    const [c] = (await store.listCases({ all: true })).items;
    expect(c!.verdict).toBe("authentic");
    const plans = await store.plansForCase(c!.id);
    expect(plans).toHaveLength(1);
    const timeline = await store.timeline(c!.id);
    expect(timeline.some((e) => e.type === "resources-found")).toBe(true);
    // the drill policy lets some steps run alone, never all of them: the case is not "contained"
    const applied = timeline.filter((e) => e.type === "step-applied");
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.length).toBeLessThan(plans[0]!.steps.length);
    expect(c!.status).not.toBe("contained");
    const [arrival] = await inbox.list();
    expect(arrival!.state).toBe("done");
    expect(arrival!.progress).toMatchObject({ items: [{ caseId: c!.id, verdict: "authentic", plan: { id: plans[0]!.id }, apply: { status: "incomplete", contained: false } }] });
    // the team heard of it, with the link to the case
    const news = mem.events.find((e) => e.kind === "case-new");
    expect(news?.data.url).toBe(`https://desk.example.org/cases/${c!.id}`);
    expect(news?.fields.some((f) => f.value === `https://desk.example.org/cases/${c!.id}`)).toBe(true);

    // a second run has nothing to do and changes nothing
    const before = (await store.timeline(c!.id)).length;
    const again = await svc.once();
    expect(again.drained).toEqual({ dir: 0 });
    expect(again.outcomes.done).toBe(0);
    expect((await store.timeline(c!.id)).length).toBe(before);
  });

  it("a forged notice opens its case marked phishing and raises the verdict alarm, and nothing else: the account is never read, nothing planned or applied", async () => {
    const home = newHome();
    copyFileSync(FORGED, join(home, "inbox", "forged.eml"));
    // The scheduler's daily estate jobs (inventory, readiness) read the account on their own timer, not because of a notice: off here.
    writeFileSync(join(home, "config.yaml"), "scheduler:\n  inventory: { enabled: false }\n  readiness: { enabled: false }\n");
    const sim = countingPort(await openCloud("sim", { home }));
    const mem = memoryChannel();
    const { service: svc, store } = await service(home, { port: sim.port, notify: mem.settings });
    expect((await svc.once()).outcomes.done).toBe(1);
    const [c] = (await store.listCases({ all: true })).items;
    expect(c!.verdict).toBe("phishing");
    expect(sim.calls).toEqual([]);
    expect(await store.plansForCase(c!.id)).toEqual([]);
    const types = (await store.timeline(c!.id)).map((e) => e.type);
    expect(types).not.toContain("resources-found");
    expect(types).not.toContain("step-applied");
    expect(mem.events.map((e) => e.kind)).toContain("verdict-alarm");
    expect(mem.events.map((e) => e.kind)).not.toContain("plan-awaiting-approval");
    expect(mem.events.map((e) => e.kind)).not.toContain("step-failed");
  });

  it("the same notice by two sources (and re-delivered) is one notice, one case, one plan", async () => {
    const home = newHome();
    const { service: svc, store, inbox } = await service(home);
    const raw = readFileSync(SAMPLE);
    const [dir] = svc.sources;
    const other = { ...dir!, name: "mail" } as typeof dir;
    const a = await svc.sinkFor(dir!)({ raw, source: "dir", ref: "a.eml#1", receivedAt: new Date() });
    const b = await svc.sinkFor(dir!)({ raw, source: "dir", ref: "a.eml#1", receivedAt: new Date() });
    const c = await svc.sinkFor(other!)({ raw, source: "mail", ref: "1:42", receivedAt: new Date() });
    expect(a.duplicate).toBe(false);
    expect(b).toEqual({ id: a.id, duplicate: true });
    expect(c).toEqual({ id: a.id, duplicate: true });
    // a copy with other bytes (forwarded again: new headers) joins the case by its AWS case number, and does not plan it again
    const forwarded = Buffer.concat([Buffer.from("X-Forwarded-By: desk-alias\r\n"), raw]);
    await svc.sinkFor(other!)({ raw: forwarded, source: "mail", ref: "1:43", receivedAt: new Date() });
    await svc.once();
    const cases = (await store.listCases({ all: true })).items;
    expect(cases).toHaveLength(1);
    expect(await store.plansForCase(cases[0]!.id)).toHaveLength(1);
    const states = (await inbox.list()).map((x) => x.state).sort();
    expect(states).toEqual(["done", "done", "duplicate"]);
    const second = (await inbox.list()).find((x) => x.ref === "1:43")!;
    expect((second.progress as { items: { planSkipped?: string }[] }).items[0]!.planSkipped).toMatch(/already has plan/);
  });

  it("a stage that fails is recorded on the case and retried; the retry resumes the plan and does no step twice", async () => {
    const home = newHome();
    copyFileSync(SAMPLE, join(home, "inbox", "n1.eml"));
    let fail = true;
    const sim = countingPort(await openCloud("sim", { home }), (m) => {
      if (fail && m.startsWith("create")) throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    });
    const { service: svc, store, inbox } = await service(home, { port: sim.port });
    const first = await svc.once();
    expect(first.outcomes.retry).toBe(1);
    const [c] = (await store.listCases({ all: true })).items;
    let [arrival] = await inbox.list();
    expect(arrival!.state).toBe("pending");
    expect(arrival!.attempts).toBe(1);
    expect((await store.timeline(c!.id)).some((e) => e.type === "note" && /could not finish applying what the policy allows .*attempt 1 of 3/.test(e.summary))).toBe(true);
    expect(c!.status).not.toBe("contained");
    fail = false;
    const second = await svc.once();
    expect(second.outcomes.done).toBe(1);
    [arrival] = await inbox.list();
    expect(arrival!.state).toBe("done");
    expect(await store.notices(c!.id)).toHaveLength(1);
    expect(await store.plansForCase(c!.id)).toHaveLength(1);
    const applied = (await store.timeline(c!.id)).filter((e) => e.type === "step-applied").map((e) => e.summary);
    expect(applied.length).toBeGreaterThan(0);
    expect(new Set(applied).size).toBe(applied.length);
  });

  it("gives up after the configured attempts and says so on the case", async () => {
    const home = newHome();
    copyFileSync(SAMPLE, join(home, "inbox", "n1.eml"));
    const sim = countingPort(await openCloud("sim", { home }), (m) => {
      if (m === "createSecurityGroup" || m.startsWith("create") || m.startsWith("modify")) throw new Error("simulated outage");
    });
    const { service: svc, store, inbox } = await service(home, { port: sim.port, intake: { retry: { maxAttempts: 2, backoffMs: 0, maxBackoffMs: 0 } } });
    await svc.once();
    await svc.once();
    const [arrival] = await inbox.list();
    expect(arrival!.state).toBe("failed");
    expect(arrival!.attempts).toBe(2);
    const [c] = (await store.listCases({ all: true })).items;
    const notes = (await store.timeline(c!.id)).filter((e) => e.type === "note" && /could not finish/.test(e.summary));
    expect(notes.map((n) => n.summary).join("\n")).toMatch(/given up after 2 attempts/);
    expect(c!.status).not.toBe("contained");
  });

  it("rejects what is not an AWS notice, and what cannot be read, without a case", async () => {
    const home = newHome();
    writeFileSync(join(home, "inbox", "hello.txt"), "Hello, this is a newsletter about gardening.\n");
    const { service: svc, store, inbox } = await service(home);
    const s = await svc.once();
    expect(s.outcomes.rejected).toBe(1);
    expect((await store.listCases({ all: true })).items).toEqual([]);
    const [a] = await inbox.list();
    expect(a!.state).toBe("rejected");
    expect(a!.lastError).toMatch(/not an AWS abuse notice|no notice/);
  });

  it("without an account, the case is opened and says nothing was searched or planned", async () => {
    const home = newHome();
    copyFileSync(SAMPLE, join(home, "inbox", "n1.eml"));
    const { service: svc, store, inbox } = await service(home, { port: null });
    await svc.once();
    const [c] = (await store.listCases({ all: true })).items;
    expect(await store.plansForCase(c!.id)).toEqual([]);
    const [a] = await inbox.list();
    expect((a!.progress as { items: { planSkipped?: string }[] }).items[0]!.planSkipped).toMatch(/no account/);
    expect((store as SqlCaseStore).dialect).toBe("sqlite");
  });
});

const fakeSource = (name: string, kind: string) => ({
  name,
  kind,
  run: async () => undefined,
  drain: async () => 0,
  health: () => ({ name, kind, state: "ok" as const, since: new Date().toISOString(), lastError: null, lastOkAt: null, received: 0 }),
});

describe("Health events", () => {
  it("are authentic by source only when this desk's Health source fetched them, never because the bytes or a folder say so", async () => {
    const home = newHome();
    const raw = readFileSync(join(ROOT, "fixtures/notices/health-eventbridge-abuse.json"));
    const { service: svc, store, inbox } = await service(home, { port: null });
    const [dir] = svc.sources;
    const fakeHealth = fakeSource("health", "health");
    const svc2 = new Service({ ...svc.opts, sources: [dir!, fakeHealth] });
    // the same bytes dropped in the folder, even with the mark and a kind in its envelope, prove
    // nothing: the sink stamps the kind of the source that received it
    await svc2.sinkFor(dir!)({ raw, source: "dir", ref: "e.json#1", receivedAt: new Date(), meta: { origin: "aws-health-api", kind: "health" } });
    await svc2.once();
    const [viaDir] = await inbox.list();
    const dirVerdict = (viaDir!.progress as { items: { verdict: string }[] }).items[0]?.verdict;
    expect(dirVerdict).toBeDefined();
    expect(dirVerdict).not.toBe("authentic");
    // fetched by the Health source (its kind and its mark)
    const home2 = newHome();
    const other = await service(home2, { port: null });
    const [dir2] = other.service.sources;
    const health2 = fakeSource("health", "health");
    const svc3 = new Service({ ...other.service.opts, sources: [dir2!, health2] });
    await svc3.sinkFor(health2)({ raw, source: "health", ref: "arn:aws:health:us-east-1::event/ABUSE/x", receivedAt: new Date(), meta: { origin: "aws-health-api" } });
    await svc3.once();
    const [viaHealth] = await other.inbox.list();
    expect((viaHealth!.progress as { items: { verdict: string }[] }).items[0]?.verdict).toBe("authentic");
    expect(store).toBeDefined();
  });
});
