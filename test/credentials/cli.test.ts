/** `abuse-desk sweep`: the scripted attacker through the real CLI, its JSON, its plan file, its usage errors. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { openStore } from "../../src/case/index.ts";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import { intakeItem } from "../../src/desk/index.ts";
import type { Notice } from "../../src/notice/types.ts";
import { makeNotice, makeVerdict, raw } from "../case/fixtures.ts";
import { credentialNotice } from "./helpers.ts";

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

/** A case in the CLI's data directory, from a notice, its resources found in the scenario's account. */
async function caseOf(notice: Notice): Promise<string> {
  const store = await openStore({ home: home.dir, url: undefined });
  try {
    const port = SimAccount.fromEstate(compromisedKeyEstate());
    const out = await intakeItem({ index: 0, notice, raw: raw(notice), format: "email", mail: null } as never, { store, verify: async () => makeVerdict("authentic"), port, now: new Date(S.now) });
    return out.intake.case.id;
  } finally {
    await store.destroy();
  }
}

describe("abuse-desk sweep CASE", () => {
  it("sweeps the case's keys from its notice's window, keeps it with the case, and --plan saves the plan for apply CASE", async () => {
    const id = await caseOf(credentialNotice());
    const r = await runCli("sweep", id, "--account", estate(), "--until", S.now, "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { caseId: string; investigationId: number; evidence: { id: number; sha256: string; label: string }; sweep: { window: { start: string }; holders: { userName: string }[] } };
    expect(j.caseId).toBe(id);
    expect(j.sweep.window.start).toBe(new Date(S.exposedAt).toISOString());
    expect(j.sweep.holders[0]!.userName).toBe(S.holder);
    expect(j.evidence.label).toBe("credential-sweep.json");
    expect(j.evidence.sha256).toMatch(/^[0-9a-f]{64}$/);

    const p = await runCli("sweep", id, "--account", estate(), "--until", S.now, "--plan", "--json");
    expect(p.code).toBe(0);
    const pj = JSON.parse(p.out) as { plan: { id: string; caseId: string; steps: { action: string }[] } };
    expect(pj.plan.caseId).toBe(id);
    expect(pj.plan.steps.some((s) => s.action === "quarantine-user")).toBe(true);
    const store = await openStore({ home: home.dir, url: undefined });
    try {
      expect((await store.getPlan(pj.plan.id))?.caseId).toBe(id);
      expect((await store.investigations(id)).map((i) => i.options.via)).toEqual(["sweep", "plan"]);
    } finally {
      await store.destroy();
    }

    const text = await runCli("sweep", id, "--account", estate(), "--until", S.now);
    expect(text.out).toMatch(new RegExp(`Case ${id}: keys ${S.exposedKey}, from ${new Date(S.exposedAt).toISOString()} \\(the notice's window\\)`));
    expect(text.out).toMatch(/Kept with case .*evidence \d+ \(credential-sweep\.json, sha256 [0-9a-f]{64}\)/);
  });

  it("exits 69 naming what was not searched; refuses a case that is not a credential case (65) and a case with --key (64)", async () => {
    // The notice names a second account this port cannot enter: not searched, said, exit 69.
    const id = await caseOf(credentialNotice({ accountIds: [S.account, "999988887777"] }));
    const r = await runCli("sweep", id, "--account", estate(), "--until", S.now, "--json");
    expect(r.code).toBe(69);
    expect(r.err).toMatch(/not searched: account 999988887777/);
    expect(JSON.parse(r.out).sweep.notSearched).toHaveLength(1);
    const plan = await runCli("plan", id, "--account", estate(), "--now", S.now, "--json");
    expect(plan.code).toBe(69);
    expect(plan.err).toMatch(/999988887777/);

    const scan = await caseOf(makeNotice({ accountIds: [S.account], instanceIds: [], publicIps: [], caseNumber: "77777777777-1" }));
    const bad = await runCli("sweep", scan, "--account", estate(), "--until", S.now);
    expect(bad.code).toBe(65);
    expect(bad.err).toMatch(/not a credential case/);
    expect((await runCli("sweep", id, "--key", S.exposedKey, "--account", estate())).code).toBe(64);
    expect((await runCli("sweep", "--account", estate())).code).toBe(64);
  });
});
