/**
 * Two applies of different plans, in two real processes at the same time, on one simulated account
 * kept in the data directory (as two `abuse-desk apply` commands with `--account sim:PATH` would
 * run): neither loses the other's changes (src/cloud/sim/persist.ts: each change under the state
 * file's lock, on the latest saved state).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import { openPersistentSim } from "../../src/cloud/sim/persist.ts";
import type { Plan } from "../../src/execute/types.ts";
import { planContainment } from "../../src/playbook/index.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { INCIDENT, newSim, notice, resolveAll, X } from "./helpers.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./child/sim-apply.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "abuse-desk-sim-two-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function planFor(planId: string, instanceId: string): Promise<Plan> {
  const sim = newSim();
  return planContainment({
    planId,
    caseId: null,
    createdAt: "2025-06-01T12:00:00Z",
    notice: notice(),
    verdict: "authentic",
    resolution: await resolveAll(sim, [{ scope: X.eu, ids: [instanceId] }]),
    policy: parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n"),
  });
}

function child(arg: unknown) {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(arg)], { cwd: root, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
  let out = "";
  let err = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  proc.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
    if (out.startsWith("ready\n")) onReady();
  });
  proc.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; out: string; err: string }>((resolve) => proc.on("exit", (code) => resolve({ code, out, err })));
  void exited.then(() => onReady());
  return { proc, ready, exited };
}

describe("two applies of different plans on one simulated account", () => {
  it("keep each other's changes", async () => {
    const plans = [await planFor("P-web", X.web1), await planFor("P-proxy", X.proxy)];
    const home = join(dir, "home");
    const kids = plans.map((plan, i) => {
      const planFile = join(dir, `${plan.id}.json`);
      writeFileSync(planFile, JSON.stringify(plan));
      return child({ estate: INCIDENT, home, dbPath: join(dir, `j${i}.db`), planFile, delayMs: 3 });
    });
    await Promise.all(kids.map((k) => k.ready));
    for (const k of kids) k.proc.stdin.write("go\n");
    const ends = await Promise.all(kids.map((k) => k.exited));
    for (const e of ends) {
      expect(e.code, e.err).toBe(0);
      expect(JSON.parse(e.out.trim().split("\n").at(-1)!)).toEqual({ status: "complete" });
    }

    const sim = new SimAccount(openPersistentSim(INCIDENT, home).state);
    for (const [i, plan] of plans.entries()) {
      const store = await openStore({ url: join(dir, `j${i}.db`) });
      const entries = await store.entries(plan.id);
      await store.destroy();
      const after = (stepId: string) => entries.find((e) => e.stepId === stepId && e.phase === "done")?.after as Record<string, unknown>;
      const step = (action: string) => plan.steps.filter((s) => s.action === action);
      // Its groups exist, its interfaces are in its isolation group, its snapshots and protections are there.
      const iso = after(step("create-isolation-group")[0]!.id).groupId as string;
      const all = after(step("create-all-traffic-group")[0]!.id).groupId as string;
      expect((await sim.describeSecurityGroups(X.eu, [iso, all])).map((g) => g.groupId).sort(), plan.id).toEqual([iso, all].sort());
      for (const s of step("isolate-eni")) {
        const [eni] = await sim.describeNetworkInterfaces(X.eu, { networkInterfaceIds: [s.target.id] });
        expect(eni!.groupIds, `${plan.id} ${s.target.id}`).toEqual([iso]);
      }
      for (const s of step("snapshot-volumes")) {
        const ids = (after(s.id).snapshots as { snapshotId: string }[]).map((x) => x.snapshotId);
        const found = await sim.describeSnapshots(X.eu, { snapshotIds: ids });
        expect(found.map((x) => x.snapshotId).sort(), plan.id).toEqual([...ids].sort());
      }
      for (const s of step("protect-termination")) {
        const [inst] = await sim.describeInstances(X.eu, { instanceIds: [s.target.id] });
        expect(inst!.disableApiTermination, `${plan.id} ${s.target.id}`).toBe(true);
      }
    }
  }, 120_000);
});
