/**
 * Schedulers in separate processes racing on one store, SQLite and PostgreSQL: two `tsx`
 * children (what two `serve` instances are) open the same database, start their round at the
 * same moment, and send to one signed webhook on loopback. Each job runs in one of them, each
 * notification arrives once, and the failed step is retried once.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type CaseStore } from "../../src/case/index.ts";
import { applyPlan } from "../../src/desk/index.ts";
import { verifySignature } from "../../src/notify/webhook.ts";
import { JOBS, type TickReport } from "../../src/serve/scheduler.ts";
import { freshSchema } from "../case/pg.ts";
import { caseAbout, hours, instance, newSim, planned, POLICY, X } from "./helpers.ts";

const SECRET = "a-test-secret-of-enough-length-0123";
const root = fileURLToPath(new URL("../../", import.meta.url));
const got: { key: string; signed: boolean }[] = [];
const server = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    got.push({ key: (JSON.parse(body) as { key: string }).key, signed: verifySignature([SECRET], String(req.headers["x-abuse-desk-signature"] ?? ""), body).ok });
    res.writeHead(204).end();
  });
});
let hook: string;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

interface Proc {
  ready: Promise<void>;
  go(): void;
  report: Promise<TickReport>;
}

function child(arg: Record<string, unknown>): Proc {
  const proc = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./child/tick.ts", import.meta.url)), JSON.stringify(arg)], { cwd: root, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
  let out = "";
  let err = "";
  let onReady!: () => void;
  let failed!: (e: Error) => void;
  const ready = new Promise<void>((r, j) => ((onReady = r), (failed = j)));
  proc.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
    if (out.startsWith("ready\n")) onReady();
  });
  proc.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
  const report = new Promise<TickReport>((resolve, reject) =>
    proc.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code === 0 && line) return resolve(JSON.parse(line) as TickReport);
      const e = new Error(`scheduler child exited ${code}: ${err}`);
      failed(e);
      reject(e);
    }),
  );
  return { ready, go: () => proc.stdin.end("go\n"), report };
}

async function race(store: CaseStore, where: { url?: string; home?: string }) {
  got.length = 0;
  const t0 = hours(new Date(), -21);
  const ids: string[] = [];
  for (const id of [X.legacy, X.web3]) ids.push(await caseAbout(store, instance(id, { receivedAt: t0.toISOString() }), t0));
  const sim = newSim();
  const plan = await planned(store, sim, ids[0]!);
  sim.faults.add({ call: "createSnapshots", throttle: "always" });
  const first = await applyPlan(store, plan, { port: sim, approve: "policy", policy: POLICY, actor: "abuse-desk service", retry: { sleep: () => Promise.resolve() } });
  const failedStep = first.steps.find((x) => x.status === "failed")!.stepId;

  const now = hours(new Date(), 1).toISOString();
  const procs = [0, 1].map(() => child({ ...where, hook, secret: SECRET, now, throttle: true }));
  await Promise.all(procs.map((p) => p.ready));
  for (const p of procs) p.go();
  const reports = await Promise.all(procs.map((p) => p.report));

  for (const job of JOBS) {
    const statuses = reports.map((r) => r.jobs.find((j) => j.job === job)!.status);
    expect(statuses.filter((x) => x === "ran"), `${job}: ${statuses.join(", ")}`).toHaveLength(1);
    expect(statuses.every((x) => x === "ran" || x === "busy" || x === "not-due"), `${job}: ${statuses.join(", ")}`).toBe(true);
  }
  const keys = got.map((g) => g.key);
  expect(got.every((g) => g.signed)).toBe(true);
  expect(new Set(keys).size).toBe(keys.length);
  for (const id of ids) expect(keys).toContain(`case-new:${id}`);
  expect((await store.entries(plan.id)).filter((e) => e.stepId === failedStep && e.phase === "started")).toHaveLength(2);
  expect((await store.timeline(ids[0]!)).filter((e) => e.type === "scheduled" && e.data.job === "step-retries")).toHaveLength(1);
  expect((await store.auditVerify({ deep: true })).intact).toBe(true);
}

describe("schedulers in separate processes on one store", () => {
  it("SQLite: two processes, one round each at once: each job once, each notification once, one retry", { timeout: 90_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-sched-proc-"));
    const store = await openStore({ home, url: undefined });
    try {
      await race(store, { home });
    } finally {
      await store.destroy();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("PostgreSQL: two processes, one round each at once: each job once, each notification once, one retry", { timeout: 90_000 }, async () => {
    const schema = await freshSchema();
    const store = await openStore({ url: schema.url });
    try {
      await race(store, { url: schema.url });
    } finally {
      await store.destroy();
      await schema.drop();
    }
  });
});
