/**
 * Runs a dependency graph of jobs with concurrency caps: at most `total` at once and at most
 * `perLane` in one lane (an account and region: the unit AWS rate-limits). Jobs start in list
 * order as soon as their dependencies succeeded. After a failure nothing new starts; jobs in
 * flight finish; everything else is reported as not run, with the reason. A job that throws
 * (not a failed step: the journal itself failed) stops the run the same way, and the promise
 * rejects only once the jobs in flight have finished, so nothing still calls the cloud after it.
 */
export interface Job {
  id: string;
  deps: string[];
  lane: string;
}

export interface Caps {
  total: number;
  perLane: number;
}

type JobStatus = { status: "ok" } | { status: "failed" } | { status: "not-run"; reason: string };

interface Schedule {
  /** Already complete before this run (done in an earlier run, or nothing to do). */
  done?: ReadonlySet<string>;
  /** Returns a reason when a job must not run now (it needs a person); its dependants wait too. */
  hold?: (job: Job) => string | null;
  run: (job: Job) => Promise<"ok" | "failed">;
}

export function runJobs(jobs: readonly Job[], caps: Caps, s: Schedule): Promise<Map<string, JobStatus>> {
  const result = new Map<string, JobStatus>();
  for (const id of s.done ?? []) result.set(id, { status: "ok" });
  const pending = jobs.filter((j) => !result.has(j.id));
  const lanes = new Map<string, number>();
  let inFlight = 0;
  let failedId: string | null = null;
  let crash: { error: unknown } | null = null;

  return new Promise((resolve, reject) => {
    const pump = () => {
      try {
        let changed = true;
        while (changed) {
          changed = false;
          for (let i = 0; i < pending.length; i++) {
            const job = pending[i]!;
            const blocker = job.deps.find((d) => {
              const r = result.get(d);
              return r !== undefined && r.status !== "ok";
            });
            if (blocker) {
              result.set(job.id, { status: "not-run", reason: `needs ${blocker}, which did not complete` });
              pending.splice(i--, 1);
              changed = true;
              continue;
            }
            if (failedId !== null || crash) continue;
            if (!job.deps.every((d) => result.get(d)?.status === "ok" || !jobs.some((j) => j.id === d))) continue;
            const held = s.hold?.(job);
            if (held) {
              result.set(job.id, { status: "not-run", reason: held });
              pending.splice(i--, 1);
              changed = true;
              continue;
            }
            const lane = lanes.get(job.lane) ?? 0;
            if (inFlight >= caps.total || lane >= caps.perLane) continue;
            pending.splice(i--, 1);
            inFlight++;
            lanes.set(job.lane, lane + 1);
            s.run(job)
              .then(
                (r) => {
                  result.set(job.id, { status: r });
                  if (r === "failed" && failedId === null) failedId = job.id;
                },
                (error: unknown) => {
                  crash ??= { error };
                },
              )
              .finally(() => {
                inFlight--;
                lanes.set(job.lane, (lanes.get(job.lane) ?? 1) - 1);
                pump();
              });
          }
        }
        if (inFlight === 0 && crash) {
          reject(crash.error);
          return;
        }
        if (inFlight === 0) {
          for (const job of pending) result.set(job.id, { status: "not-run", reason: failedId ? `not started: ${failedId} failed and the run stopped` : "its dependencies did not complete" });
          pending.length = 0;
          resolve(result);
        }
      } catch (err) {
        reject(err);
      }
    };
    pump();
  });
}
