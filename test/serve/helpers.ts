/**
 * For the scheduler tests: a case store (SQLite in a temporary directory, or a fresh PostgreSQL
 * schema), the incident estate on the simulated account, an authentic notice about one of its
 * instances taken in and planned, and notification channels that keep what they were sent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type CaseStore, type ProcessIdentity } from "../../src/case/index.ts";
import type { SimAccount } from "../../src/cloud/sim/index.ts";
import { planCase } from "../../src/desk/index.ts";
import type { Plan } from "../../src/execute/types.ts";
import type { NotifySettings } from "../../src/notify/config.ts";
import type { AttemptResult, Channel, NotifyEvent } from "../../src/notify/types.ts";
import type { Notice } from "../../src/notice/types.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import type { SchedulerDeps } from "../../src/serve/scheduler.ts";
import { makeNotice, makeVerdict, raw } from "../case/fixtures.ts";
import { freshSchema } from "../case/pg.ts";
import { newSim, X } from "../execute/helpers.ts";

export { X };

/** A store and a way to open a second one on the same database (another instance of the service). */
export interface Stores {
  store: CaseStore;
  second(): Promise<CaseStore>;
  close(): Promise<void>;
}

export async function sqliteStores(): Promise<Stores> {
  const home = mkdtempSync(join(tmpdir(), "abuse-desk-sched-"));
  const store = await openStore({ home, url: undefined });
  const opened: CaseStore[] = [];
  return {
    store,
    async second() {
      const s = await openStore({ home, url: undefined });
      opened.push(s);
      return s;
    },
    async close() {
      for (const s of opened) await s.destroy();
      await store.destroy();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function pgStores(): Promise<Stores> {
  const schema = await freshSchema();
  const store = await openStore({ url: schema.url });
  const opened: CaseStore[] = [];
  return {
    store,
    async second() {
      const s = await openStore({ url: schema.url });
      opened.push(s);
      return s;
    },
    async close() {
      for (const s of opened) await s.destroy();
      await store.destroy();
      await schema.drop();
    },
  };
}

/** Snapshots and tags run without a person; isolation needs one. */
export const POLICY = parsePolicy(`examiners: { cidrs: [203.0.113.16/28] }\nautomatic: [{ actions: [preserve] }]\n`);

export const instance = (id: string = X.legacy, over: Partial<Notice> = {}): Notice =>
  makeNotice({ instanceIds: [id], publicIps: [], accountIds: [X.acct], regions: ["eu-west-1"], ...over });

/** An authentic notice about `id` taken in (at `now`), and its case's id. */
export async function caseAbout(store: CaseStore, notice: Notice, now?: Date, level: "authentic" | "unverified" | "suspicious" = "authentic"): Promise<string> {
  const r = await store.intake({ notice, verdict: makeVerdict(level), raw: raw(notice), ...(now ? { now } : {}) });
  return r.case.id;
}

export async function planned(store: CaseStore, sim: SimAccount, caseId: string): Promise<Plan> {
  return (await planCase(store, caseId, { port: sim, policy: POLICY, now: new Date() })).plan;
}

export { newSim };

/** A channel that keeps every event it is sent and answers as `answer` says. */
export function memoryChannel(name: string, answer: (e: NotifyEvent) => AttemptResult = () => ({ ok: true })): Channel & { got: NotifyEvent[] } {
  const got: NotifyEvent[] = [];
  return {
    name,
    kind: "webhook",
    events: "all",
    got,
    deliver(event) {
      got.push(event);
      return Promise.resolve(answer(event));
    },
  };
}

export function notifyWith(...channels: Channel[]): NotifySettings {
  return { channels, retry: { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 }, deadlineWarningHours: 4 };
}

/** The deps one instance runs with: the back-off of retries inside an apply costs no time. */
export function deps(store: CaseStore, over: Partial<SchedulerDeps> = {}): SchedulerDeps {
  return { store, applyRetry: { sleep: () => Promise.resolve() }, force: true, ...over };
}

export const instanceAt = (n: number): ProcessIdentity => ({ user: "svc", host: `desk-${n}.example`, pid: 1000 + n, instance: null });

export const hours = (t: Date, h: number) => new Date(t.getTime() + h * 3_600_000);
