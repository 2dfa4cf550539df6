/** `abuse-desk sweep`: the scripted attacker through the real CLI, its JSON, its plan file, its usage errors. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

const home = tempHome("abuse-desk-sweep-");
const estate = () => {
  const p = join(home.dir, "estate.yaml");
  writeFileSync(p, JSON.stringify(compromisedKeyEstate()));
  return `sim:${p}`;
};
const window = ["--since", S.exposedAt, "--until", S.now];

describe("abuse-desk sweep", () => {
  it("prints the sweep as JSON and saves the plan for apply", async () => {
    const out = join(home.dir, "plan.json");
    const r = await runCli("sweep", "--account", estate(), "--key", S.exposedKey, ...window, "--plan", "--out", out, "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { sweep: { holders: { userName: string }[]; inventory: unknown[] }; plan: { id: string; steps: unknown[] } };
    expect(j.sweep.holders[0]!.userName).toBe(S.holder);
    expect(j.sweep.inventory.length).toBeGreaterThan(15);
    expect(JSON.parse(readFileSync(out, "utf8")).id).toBe(j.plan.id);
  });

  it("says in words who holds the key and what was made", async () => {
    const r = await runCli("sweep", "--account", estate(), "--key", S.exposedKey, ...window);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`${S.exposedKey}: IAM user ${S.holder}`));
    expect(r.out).toMatch(/g4dn\.12xlarge GPU: now running/);
    expect(r.out).toMatch(/Cost exposure: ~\$\d+/);
  });

  it("refuses what is not an access key, a window beyond CloudTrail's 90 days, and --out without --plan (exit 64)", async () => {
    expect((await runCli("sweep", "--account", estate(), "--key", "not-a-key")).code).toBe(64);
    expect((await runCli("sweep", "--account", estate(), "--key", S.exposedKey, "--since", "2025-01-01T00:00:00Z", "--until", S.now)).code).toBe(64);
    expect((await runCli("sweep", "--account", estate(), "--key", S.exposedKey, "--out", join(home.dir, "x.json"))).code).toBe(64);
  });
});
