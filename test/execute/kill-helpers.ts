/**
 * The kill tests' harness: a plan, a reference run without kills, child processes (./child/
 * contain.ts) killed at chosen points, and the comparison of where a chain of killed and resumed
 * runs ends with where the reference ended.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize } from "node:v8";
import { expect } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { SimAccount, type CallRecord, type SimSnapshot, type SimState } from "../../src/cloud/sim/index.ts";
import { apply } from "../../src/execute/apply.ts";
import type { JournalEntry, Plan } from "../../src/execute/types.ts";
import { planContainment } from "../../src/playbook/index.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { INCIDENT, newSim, normalized, notice, resolveAll, X } from "./helpers.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./child/contain.ts", import.meta.url));
const READS = /^(describe|find|get|lookup|accounts|regions|autoScalingGroupsOf|targetGroupsOf|ssmManagedInstances)/;

export interface KillSpec {
  killAfterJournal?: number;
  killAfterDone?: number;
  killAfterWrite?: number;
  killBeforeCall?: number;
  killAfterCall?: number;
  /** Kill from outside, this many ms after the child is ready. */
  killAfterMs?: number;
  concurrency?: number;
  latencyMs?: number;
  mode?: "apply" | "rollback";
}

export interface Reference {
  plan: Plan;
  base: SimSnapshot;
  state: unknown;
  created: Record<string, number>;
  writes: Record<string, number>;
}

/** One web host in an Auto Scaling group (two ENIs), with an ACL deny for the reported peer. */
export async function reference(planId: string): Promise<Reference> {
  const sim = newSim();
  const policy = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\nhostTriage: { enabled: true }\nnetworkAcl: { use: always }\n");
  const plan = planContainment({
    planId,
    caseId: null,
    createdAt: "2025-06-01T12:00:00Z",
    notice: notice({ remoteIps: ["192.0.2.44"] }),
    verdict: "authentic",
    resolution: await resolveAll(sim, [{ scope: X.eu, ids: [X.web1] }]),
    policy,
  });
  const base = sim.snapshot();
  sim.calls.length = 0;
  const dir = mkdtempSync(join(tmpdir(), "abuse-desk-ref-"));
  const store = await openStore({ url: join(dir, "j.db") });
  const r = await apply(plan, { port: sim, journal: store, verdict: "authentic", approve: "person" });
  await store.destroy();
  rmSync(dir, { recursive: true, force: true });
  expect(r.status).toBe("complete");
  const n = normalized(sim, base);
  return { plan, base, state: n.state, created: n.createdCounts, writes: writeCounts(sim.calls) };
}

/**
 * Successful writes per method. With latency, a call still in flight when the state was saved is
 * in the log (logged when it starts) but not in the account: its end time is still (within
 * microseconds) its start time, not the injected latency later, and it is not counted (its
 * resumed twin is).
 */
export function writeCounts(calls: CallRecord[], latency = false): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) {
    if (c.outcome !== "ok" || READS.test(c.method) || (latency && c.endedAt - c.startedAt < 1)) continue;
    out[c.method] = (out[c.method] ?? 0) + 1;
  }
  return out;
}

export class Chain {
  readonly dir = mkdtempSync(join(tmpdir(), "abuse-desk-kill-"));
  readonly stateFile = join(this.dir, "account.bin");
  readonly dbPath = join(this.dir, "journal.db");
  readonly planFile = join(this.dir, "plan.json");
  /** How each child ended, in order. */
  readonly runs: { spec: KillSpec; signal: string | null; code: number | null; out: string }[] = [];

  /** Every child of the chain runs with these (a latency makes in-flight calls visible in the log). */
  constructor(
    readonly plan: Plan,
    readonly defaults: Pick<KillSpec, "latencyMs" | "concurrency"> = {},
  ) {
    writeFileSync(this.planFile, JSON.stringify(plan));
  }

  async run(spec: KillSpec): Promise<{ killed: boolean; out: string }> {
    const { killAfterMs, ...rest } = spec;
    const arg = { estate: INCIDENT, stateFile: this.stateFile, dbPath: this.dbPath, planFile: this.planFile, mode: spec.mode ?? "apply", ...this.defaults, ...rest };
    const proc = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(arg)], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
    let out = "";
    let err = "";
    proc.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      if (killAfterMs !== undefined && out.startsWith("ready\n") && !proc.killed) setTimeout(() => proc.kill("SIGKILL"), killAfterMs).unref();
    });
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on("exit", (c, s) => resolve({ code: c, signal: s })));
    this.runs.push({ spec, signal, code, out });
    if (signal !== "SIGKILL" && code !== 0) throw new Error(`child failed (${code}): ${err}`);
    return { killed: signal === "SIGKILL", out };
  }

  /** Runs children with `next(i)` until one finishes; returns how many were killed. */
  async untilDone(next: (i: number) => KillSpec, max = 80): Promise<number> {
    let kills = 0;
    for (let i = 0; i < max; i++) {
      const r = await this.run(next(i));
      if (!r.killed) {
        expect(JSON.parse(r.out.trim().split("\n").at(-1)!).status).toBe("complete");
        return kills;
      }
      kills++;
    }
    throw new Error(`still not done after ${max} runs`);
  }

  account(): SimAccount {
    const saved = deserialize(readFileSync(this.stateFile)) as { state: SimState; calls: CallRecord[] };
    const sim = new SimAccount(saved.state);
    sim.calls.push(...saved.calls);
    return sim;
  }

  async journal(): Promise<JournalEntry[]> {
    const store = await openStore({ url: this.dbPath });
    try {
      return await store.entries(this.plan.id);
    } finally {
      await store.destroy();
    }
  }

  /** The account ended exactly where the run without kills ended, with no write made twice. */
  async expectSameEnd(ref: Reference): Promise<void> {
    const sim = this.account();
    const n = normalized(sim, ref.base);
    expect(n.createdCounts).toEqual(ref.created);
    expect(JSON.stringify(n.state)).toEqual(JSON.stringify(ref.state));
    expect(writeCounts(sim.calls, (this.defaults.latencyMs ?? 0) > 0)).toEqual(ref.writes);
    const entries = await this.journal();
    for (const step of this.plan.steps) {
      const last = entries.filter((e) => e.stepId === step.id).at(-1);
      expect(["done", "skipped"], step.id).toContain(last?.phase);
    }
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A small seeded generator: random kill points that are the same on every run. */
export { rng as seeded } from "../../src/cloud/sim/generate.ts";
