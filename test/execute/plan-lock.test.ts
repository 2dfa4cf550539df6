/**
 * The plan lock with real processes: two `apply`s (or `rollback`s, or one of each) of the same plan
 * at once, each in its own process (./child/desk-apply.ts, the desk operation the CLI and the drill
 * run) against one persisted simulated account and one SQLite case store. One acts, the other is
 * refused with a message naming it, and the account ends exactly as after a single run: no AWS
 * call is made twice. A holder killed mid-run is taken over at once by the next run on this host.
 * And the CLI's refusal: exit 75 and the message.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { loadEstateFile, SimAccount, type CallRecord, type SimState } from "../../src/cloud/sim/index.ts";
import { apply } from "../../src/execute/apply.ts";
import { rollback } from "../../src/execute/rollback.ts";
import type { JournalEntry, Plan } from "../../src/execute/types.ts";
import { runCli } from "../helpers/cli.ts";
import { INCIDENT, newSim, normalized, tempStore } from "./helpers.ts";
import { reference, writeCounts, type Reference } from "./kill-helpers.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./child/desk-apply.ts", import.meta.url));
const me = `${userInfo().username}@${hostname()}`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Child {
  proc: ChildProcessWithoutNullStreams;
  pid: number;
  lines: string[];
  waitFor(line: string): Promise<void>;
  send(line: string): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The JSON it printed last (its result, or its refusal). */
  result(): { status?: string; refused?: string; hint?: string; exitCode?: number; writes: number };
}

/** One account, one store, one plan; children that apply or roll it back. */
class Desk {
  readonly dir = mkdtempSync(join(tmpdir(), "abuse-desk-lock-"));
  readonly stateFile = join(this.dir, "account.bin");
  readonly dbPath = join(this.dir, "cases.db");
  readonly planFile = join(this.dir, "plan.json");
  private readonly children: ChildProcessWithoutNullStreams[] = [];

  constructor(readonly plan: Plan) {
    writeFileSync(this.planFile, JSON.stringify(plan));
    writeFileSync(this.stateFile, serialize({ state: loadEstateFile(INCIDENT).state, calls: [] }));
  }

  spawn(mode: "apply" | "rollback", o: { holdAtWrite?: number } = {}): Child {
    const arg = { stateFile: this.stateFile, dbPath: this.dbPath, planFile: this.planFile, mode, ...o };
    const proc = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(arg)], { cwd: root, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
    this.children.push(proc);
    const lines: string[] = [];
    let err = "";
    const waiters: { line: string; resolve: () => void }[] = [];
    let buf = "";
    proc.stdout.setEncoding("utf8").on("data", (c: string) => {
      buf += c;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        for (const w of waiters.filter((x) => x.line === line)) w.resolve();
      }
    });
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
    return {
      proc,
      pid: proc.pid!,
      lines,
      exited,
      send: (line) => proc.stdin.write(`${line}\n`),
      waitFor(line) {
        if (lines.includes(line)) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`child ${mode}: no "${line}" after 60 s; stderr: ${err}`)), 60_000);
          waiters.push({ line, resolve: () => (clearTimeout(timer), resolve()) });
          void exited.then(({ code, signal }) => reject(new Error(`child ${mode} exited (${code ?? signal}) before "${line}"; stderr: ${err}`)));
        });
      },
      result() {
        const last = lines.filter((l) => l.startsWith("{")).at(-1);
        if (!last) throw new Error(`child ${mode} printed no result; stderr: ${err}`);
        return JSON.parse(last) as ReturnType<Child["result"]>;
      },
    };
  }

  account(): SimAccount {
    const saved = deserialize(readFileSync(this.stateFile)) as { state: SimState; calls: CallRecord[] };
    const sim = new SimAccount(saved.state);
    sim.calls.push(...saved.calls);
    return sim;
  }

  async inStore<T>(fn: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
    const store = await openStore({ url: this.dbPath });
    try {
      return await fn(store);
    } finally {
      await store.destroy();
    }
  }

  journal(): Promise<JournalEntry[]> {
    return this.inStore((s) => s.entries(this.plan.id));
  }

  /** Ends any child a failed test left waiting, then removes the files. */
  close(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Two children released at the same moment; the one refused exits first (the other holds at its first write). */
async function race(desk: Desk, mode: "apply" | "rollback"): Promise<{ winner: Child; loser: Child }> {
  const pair = [desk.spawn(mode, { holdAtWrite: 1 }), desk.spawn(mode, { holdAtWrite: 1 })] as const;
  await Promise.all(pair.map((c) => c.waitFor("ready")));
  for (const c of pair) c.send("go");
  // Without a lock both would hold at their first write, and neither would end.
  const neither = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`neither ${mode} was refused: both ran`)), 30_000).unref());
  const loser = await Promise.race([...pair.map((c) => c.exited.then(() => c)), neither]);
  const winner = loser === pair[0] ? pair[1] : pair[0];
  await winner.waitFor("holding");
  return { winner, loser };
}

const refusal = (verb: string, holder: Child) =>
  new RegExp(`^plan L-race is being ${verb} by ${esc(me)} pid ${holder.pid} \\(as child-${holder.pid}\\) since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+s ago; last heartbeat \\d+s ago\\)$`);

/** Where a single apply, then a single rollback, leave the account (run in this process). */
async function rollbackReference(plan: Plan): Promise<{ state: unknown; writes: Record<string, number> }> {
  const sim = newSim();
  const base = sim.snapshot();
  sim.calls.length = 0;
  const t = await tempStore();
  try {
    expect((await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "person" })).status).toBe("complete");
    expect((await rollback(plan.id, { port: sim, journal: t.store })).status).toBe("complete");
  } finally {
    await t.close();
  }
  return { state: normalized(sim, base).state, writes: writeCounts(sim.calls) };
}

let ref: Reference;
let refBack: { state: unknown; writes: Record<string, number> };
const desks: Desk[] = [];
beforeAll(async () => {
  ref = await reference("L-race");
  refBack = await rollbackReference(ref.plan);
}, 60_000);
afterAll(() => desks.forEach((d) => d.close()));

describe("two processes, one plan", () => {
  it("apply and apply at once: one applies, the other is refused naming it, a rollback meanwhile too; no AWS call is made twice", async () => {
    const desk = new Desk(ref.plan);
    desks.push(desk);
    const { winner, loser } = await race(desk, "apply");
    expect(await loser.exited).toEqual({ code: 75, signal: null });
    const refused = loser.result();
    expect(refused.refused).toMatch(refusal("applied", winner));
    expect(refused.hint).toMatch(/wait for it to finish, then run the command again: it resumes/);
    expect(refused.writes).toBe(0);

    // A rollback pressed while the apply runs is refused the same way.
    const rb = desk.spawn("rollback");
    await rb.waitFor("ready");
    rb.send("go");
    expect(await rb.exited).toEqual({ code: 75, signal: null });
    expect(rb.result().refused).toMatch(refusal("applied", winner));

    winner.send("continue");
    expect(await winner.exited).toEqual({ code: 0, signal: null });
    expect(winner.result().status).toBe("complete");

    // The account is where one apply leaves it, with every write made once.
    const sim = desk.account();
    const n = normalized(sim, ref.base);
    expect(n.createdCounts).toEqual(ref.created);
    expect(JSON.stringify(n.state)).toEqual(JSON.stringify(ref.state));
    expect(writeCounts(sim.calls)).toEqual(ref.writes);
    // One writer in the journal, each step once, nothing interleaved; the lock is gone.
    const entries = await desk.journal();
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set([`child-${winner.pid}`]));
    for (const step of ref.plan.steps) expect(entries.filter((e) => e.stepId === step.id).map((e) => e.phase), step.id).toEqual(step.action === "isolate-eni" ? ["started", "transit", "done"] : ["started", "done"]);
    expect(await desk.inStore((s) => s.planLock(ref.plan.id))).toBeNull();

    // Then two rollbacks at once: one rolls back, the other is refused.
    const back = await race(desk, "rollback");
    expect(await back.loser.exited).toEqual({ code: 75, signal: null });
    expect(back.loser.result()).toMatchObject({ writes: 0, refused: expect.stringMatching(refusal("rolled back", back.winner)) });
    back.winner.send("continue");
    expect(await back.winner.exited).toEqual({ code: 0, signal: null });
    expect(back.winner.result().status).toBe("complete");
    const after = desk.account();
    expect(JSON.stringify(normalized(after, ref.base).state)).toEqual(JSON.stringify(refBack.state));
    expect(writeCounts(after.calls)).toEqual(refBack.writes);
    const undo = (await desk.journal()).filter((e) => e.phase.startsWith("roll"));
    expect(new Set(undo.map((e) => e.actor))).toEqual(new Set([`child-${back.winner.pid}`]));
    const audit = await desk.inStore((s) => s.auditEntries({ limit: 10_000 }));
    expect(audit.filter((e) => e.action === "plan.lock.acquired").map((e) => e.data.holder)).toEqual([`${me} pid ${winner.pid}`, `${me} pid ${back.winner.pid}`]);
    expect(audit.filter((e) => e.action === "plan.lock.released")).toHaveLength(2);
  }, 180_000);

  it("a holder killed mid-run is taken over at once by the next run on this host, which finishes the plan without doubling a call", async () => {
    const desk = new Desk(ref.plan);
    desks.push(desk);
    const first = desk.spawn("apply", { holdAtWrite: 3 });
    await first.waitFor("ready");
    first.send("go");
    await first.waitFor("holding");
    first.proc.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    expect(await desk.inStore((s) => s.planLock(ref.plan.id))).toMatchObject({
      lock: { holder: `${me} pid ${first.pid}` },
      takeover: `its process ${first.pid} on ${hostname()} is gone`,
    });

    const next = desk.spawn("apply");
    await next.waitFor("ready");
    next.send("go");
    expect(await next.exited).toEqual({ code: 0, signal: null });
    expect(next.result().status).toBe("complete");

    const sim = desk.account();
    const n = normalized(sim, ref.base);
    expect(n.createdCounts).toEqual(ref.created);
    expect(JSON.stringify(n.state)).toEqual(JSON.stringify(ref.state));
    expect(writeCounts(sim.calls)).toEqual(ref.writes);
    const entries = await desk.journal();
    const takeover = entries.filter((e) => e.phase === "lock-taken-over");
    expect(takeover).toMatchObject([{ stepId: null, actor: `child-${next.pid}`, detail: { from: { holder: `${me} pid ${first.pid}`, actor: `child-${first.pid}` }, reason: `its process ${first.pid} on ${hostname()} is gone` } }]);
    // Everything the killed run journalled comes before the takeover, everything after is the new holder's.
    const at = entries.indexOf(takeover[0]!);
    expect(entries.slice(0, at).every((e) => e.actor === `child-${first.pid}`)).toBe(true);
    expect(entries.slice(at).every((e) => e.actor === `child-${next.pid}`)).toBe(true);
    expect(await desk.inStore((s) => s.planLock(ref.plan.id))).toBeNull();
  }, 180_000);
});

describe("abuse-desk apply and rollback while someone else holds the plan", () => {
  let home: string;
  const saved = { ...process.env };
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "abuse-desk-lock-cli-"));
    process.env.ABUSE_DESK_HOME = home;
    delete process.env.DATABASE_URL;
    delete process.env.ABUSE_DESK_ACCOUNT;
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(home, { recursive: true, force: true });
  });

  it("refuses with exit 75, who holds it and since when, before asking anything; applies once it is free", async () => {
    const file = join(home, "plan.json");
    writeFileSync(file, JSON.stringify(ref.plan));
    const store = await openStore({ home });
    try {
      await store.savePlan(ref.plan);
      const held = await store.acquirePlanLock(ref.plan.id, { operation: "apply", actor: "bob", process: { user: "bob", host: "ops-2.example", pid: 4242, instance: null } });
      const r = await runCli("apply", file, "--account", `sim:${INCIDENT}`);
      expect(r.code).toBe(75);
      expect(r.err).toMatch(/^abuse-desk: plan L-race is being applied by bob@ops-2\.example pid 4242 since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+s ago; last heartbeat \d+s ago\)\n {2}wait for it to finish/);
      expect(r.out).toBe(""); // refused before the plan was shown or a confirmation asked for
      const rb = await runCli("rollback", ref.plan.id, "--yes", "--account", `sim:${INCIDENT}`);
      expect(rb.code).toBe(75);
      expect(rb.err).toMatch(/plan L-race is being applied by bob@ops-2\.example pid 4242/);
      expect(await store.entries(ref.plan.id)).toEqual([]);

      await store.releasePlanLock(held);
      const ok = await runCli("apply", file, "--yes", "--json", "--account", `sim:${INCIDENT}`);
      expect(ok.code, ok.err).toBe(0);
      expect((JSON.parse(ok.out) as { status: string }).status).toBe("complete");
      expect(await store.planLock(ref.plan.id)).toBeNull();
      const back = await runCli("rollback", ref.plan.id, "--yes", "--json", "--account", `sim:${INCIDENT}`);
      expect(back.code, back.err).toBe(0);
      const actions = (await store.auditEntries({ limit: 10_000 })).map((e) => e.action).filter((a) => a.startsWith("plan.lock."));
      expect(actions).toEqual(["plan.lock.acquired", "plan.lock.released", "plan.lock.acquired", "plan.lock.released", "plan.lock.acquired", "plan.lock.released"]);
    } finally {
      await store.destroy();
    }
  }, 60_000);
});
