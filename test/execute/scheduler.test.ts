import { describe, expect, it } from "vitest";
import { runJobs, type Job } from "../../src/execute/scheduler.ts";

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("the step scheduler", () => {
  it("keeps to the caps: at most `total` at once and `perLane` per account and region", async () => {
    const jobs: Job[] = Array.from({ length: 40 }, (_, i) => ({ id: `j${i}`, deps: [], lane: `lane${i % 3}` }));
    let now = 0;
    let peak = 0;
    const lanes = new Map<string, number>();
    let lanePeak = 0;
    const out = await runJobs(jobs, { total: 5, perLane: 2 }, {
      run: async (job) => {
        now++;
        lanes.set(job.lane, (lanes.get(job.lane) ?? 0) + 1);
        peak = Math.max(peak, now);
        lanePeak = Math.max(lanePeak, lanes.get(job.lane)!);
        await tick();
        await tick();
        now--;
        lanes.set(job.lane, lanes.get(job.lane)! - 1);
        return "ok";
      },
    });
    expect([...out.values()].every((s) => s.status === "ok")).toBe(true);
    expect(peak).toBe(5);
    expect(lanePeak).toBe(2);
  });

  it("starts a job only after its dependencies succeeded", async () => {
    const order: string[] = [];
    const jobs: Job[] = [
      { id: "c", deps: ["a", "b"], lane: "x" },
      { id: "a", deps: [], lane: "x" },
      { id: "b", deps: ["a"], lane: "y" },
    ];
    await runJobs(jobs, { total: 4, perLane: 4 }, {
      run: async (job) => {
        order.push(`start ${job.id}`);
        await tick();
        order.push(`end ${job.id}`);
        return "ok";
      },
    });
    expect(order).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("after a failure starts nothing new, lets running jobs finish, and says why the rest did not run", async () => {
    const started: string[] = [];
    const jobs: Job[] = [
      { id: "slow", deps: [], lane: "x" },
      { id: "bad", deps: [], lane: "y" },
      { id: "after-slow", deps: ["slow"], lane: "x" },
      { id: "after-bad", deps: ["bad"], lane: "y" },
      { id: "free", deps: [], lane: "z" },
    ];
    const out = await runJobs(jobs, { total: 2, perLane: 2 }, {
      run: async (job) => {
        started.push(job.id);
        if (job.id === "bad") return "failed";
        await tick();
        await tick();
        return "ok";
      },
    });
    expect(started).toEqual(["slow", "bad"]);
    expect(out.get("slow")).toEqual({ status: "ok" });
    expect(out.get("bad")).toEqual({ status: "failed" });
    expect(out.get("after-bad")).toEqual({ status: "not-run", reason: "needs bad, which did not complete" });
    expect(out.get("free")).toEqual({ status: "not-run", reason: "not started: bad failed and the run stopped" });
    expect(out.get("after-slow")).toEqual({ status: "not-run", reason: "not started: bad failed and the run stopped" });
  });

  it("holds jobs that need a person, and their dependants with them; done jobs are not run again", async () => {
    const ran: string[] = [];
    const jobs: Job[] = [
      { id: "done-before", deps: [], lane: "x" },
      { id: "auto", deps: ["done-before"], lane: "x" },
      { id: "person", deps: [], lane: "x" },
      { id: "after-person", deps: ["person"], lane: "x" },
    ];
    const out = await runJobs(jobs, { total: 4, perLane: 4 }, {
      done: new Set(["done-before"]),
      hold: (job) => (job.id === "person" ? "needs a person" : null),
      run: async (job) => {
        ran.push(job.id);
        return "ok";
      },
    });
    expect(ran).toEqual(["auto"]);
    expect(out.get("person")).toEqual({ status: "not-run", reason: "needs a person" });
    expect(out.get("after-person")).toEqual({ status: "not-run", reason: "needs person, which did not complete" });
  });
  it("when a job throws (the journal failed), starts nothing more and rejects only once the jobs in flight have finished", async () => {
    const started: string[] = [];
    let slowDone = false;
    const jobs: Job[] = [
      { id: "slow", deps: [], lane: "x" },
      { id: "broken", deps: [], lane: "y" },
      { id: "later", deps: ["broken"], lane: "y" },
      { id: "other", deps: [], lane: "z" },
    ];
    const run = runJobs(jobs, { total: 2, perLane: 2 }, {
      run: async (job) => {
        started.push(job.id);
        if (job.id === "broken") throw new Error("journal: disk full");
        for (let i = 0; i < 5; i++) await tick();
        if (job.id === "slow") slowDone = true;
        return "ok";
      },
    });
    await expect(run).rejects.toThrow("journal: disk full");
    // The caller sees the error only when no job is still calling the cloud, and nothing new started.
    expect(slowDone).toBe(true);
    expect(started).toEqual(["slow", "broken"]);
  });
});
