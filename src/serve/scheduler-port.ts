/**
 * How the service calls its scheduler (the timed jobs: deadline warnings, follow-ups and
 * reminders, bounded retries, re-resolution, transit recovery), kept to two calls so the service
 * does not depend on what the jobs are.
 *
 * MERGE (w/scheduler): `noScheduler` is the stand-in until src/serve/scheduler.ts lands on main.
 * The merge replaces `openScheduler` below with:
 *
 *   const { schedulerTick, runScheduler } = await import("./scheduler.ts");
 *   return {
 *     name: "scheduler",
 *     tick: (now) => schedulerTick({ ...deps, force: true }, now),
 *     run: (signal) => runScheduler(deps, { signal }),
 *   };
 */
import type { CaseStore } from "../case/types.ts";
import type { CloudPort } from "../cloud/port.ts";
import type { NotifySettings } from "../notify/config.ts";
import type { Policy } from "../policy/policy.ts";
import type { SourceLog } from "../intake/registry.ts";

export interface SchedulerPort {
  readonly name: string;
  /** `serve --once`: runs every job once now (never while another instance runs it). */
  tick(now: Date): Promise<unknown>;
  /** Runs the jobs on their timers until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

export interface SchedulerPortDeps {
  store: CaseStore;
  port: CloudPort | null;
  policy: Policy | null;
  notify: NotifySettings | null;
  actor: string;
  log: SourceLog;
}

/** No timed jobs (the stand-in until the scheduler is merged; see above). It says so once. */
export function noScheduler(log?: SourceLog): SchedulerPort {
  let said = false;
  const say = () => {
    if (said) return;
    said = true;
    log?.warn({ scheduler: "none" }, "no scheduler in this build: deadline warnings and retries of notifications are not run by the service (abuse-desk notify run does them)");
  };
  return {
    name: "none",
    async tick() {
      say();
      return null;
    },
    async run(signal) {
      say();
      if (signal.aborted) return;
      await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
    },
  };
}

export async function openScheduler(deps: SchedulerPortDeps): Promise<SchedulerPort> {
  return noScheduler(deps.log);
}
