/** An investigation context over the scenario's simulated account, with a fresh work directory (removed after the file's tests). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { SimAccount, validateEstate, type FaultRule } from "../../../src/cloud/sim/index.ts";
import type { InvestigateContext, InvestigateOptions } from "../../../src/investigate/types.ts";
import { T, trailEstate } from "./scenario.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function simCtx(opts: { faults?: FaultRule[]; options?: Partial<InvestigateOptions>; sim?: SimAccount } = {}): InvestigateContext & { sim: SimAccount } {
  const sim = opts.sim ?? new SimAccount(validateEstate(trailEstate(), "trail"), opts.faults ? { faults: opts.faults } : {});
  const workDir = mkdtempSync(join(tmpdir(), "trail13-reader-"));
  dirs.push(workDir);
  return { sim, port: sim, options: { marginMinutes: 60, engine: "local", hostTimeoutSeconds: 60, ...opts.options }, now: () => new Date(T.now), workDir };
}

