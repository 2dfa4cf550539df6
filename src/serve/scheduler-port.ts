/**
 * How the service calls its scheduler (the timed jobs: deadline warnings, follow-ups and
 * reminders, bounded retries, re-resolution, transit recovery), kept to two calls so the service
 * does not depend on what the jobs are.
 *
 * `openScheduler` is the scheduler of src/serve/scheduler.ts (its `scheduler:` settings from
 * config.yaml); `noScheduler` is for tests that want no timed jobs.
 */
import type { CaseStore } from "../case/types.ts";
import type { ConfigDocument } from "../config/file.ts";
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
  /** The configuration file (its `scheduler:` section). */
  doc: ConfigDocument;
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
  const { schedulerTick, runScheduler, schedulerSettings } = await import("./scheduler.ts");
  const log = {
    info: (o: Record<string, unknown>, m: string) => deps.log.info(o, m),
    warn: (o: Record<string, unknown>, m: string) => deps.log.warn(o, m),
    error: (o: Record<string, unknown>, m: string) => deps.log.error(o, m),
  };
  // The readiness job's intake check reads the configured sources, as `abuse-desk readiness` does.
  const { configuredSources } = await import("../intake/registry.ts");
  const intake = deps.doc.data.intake;
  let intakeSources: { name: string; kind: string }[] | undefined;
  try {
    intakeSources = intake && typeof intake === "object" && !Array.isArray(intake) ? configuredSources(intake as Record<string, unknown>).map((s) => ({ name: s.name, kind: s.kind })) : [];
  } catch {
    intakeSources = undefined; // an intake section the sources refuse: the check says it could not run
  }
  const { readinessRetention } = await import("../readiness/config.ts");
  const base = { store: deps.store, port: deps.port, policy: deps.policy, notify: deps.notify, settings: schedulerSettings(deps.doc), readinessRetention: readinessRetention(deps.doc), actor: deps.actor, log, ...(intakeSources ? { intakeSources } : {}) };
  return {
    name: "scheduler",
    tick: (now) => schedulerTick({ ...base, force: true }, now),
    run: (signal) => runScheduler(base, { signal }),
  };
}
