/**
 * `abuse-desk plan`, `apply` and `rollback`, run in-process the way main() runs them, against the
 * simulated incident estate and a case store in a temporary data directory.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { ApplyResult } from "../../src/execute/apply.ts";
import type { Plan } from "../../src/execute/types.ts";
import { parseInput } from "../../src/notice/index.ts";
import { INCIDENT } from "./helpers.ts";
import { runCli as run, tempHome } from "../helpers/cli.ts";

const NOTICE = new URL("./notices/web-port-scan.txt", import.meta.url).pathname;
const POLICY = new URL("../../fixtures/policies/example.yaml", import.meta.url).pathname;
const ACCOUNT = `sim:${INCIDENT}`;


const data = tempHome("abuse-desk-contain-cli-");

describe("abuse-desk plan", () => {
  it("shows the plan with the API calls of the dry run, and writes it for apply", async () => {
    const out = join(data.dir, "plan.json");
    const r = await run("plan", NOTICE, "--account", ACCOUNT, "--offline", "--policy", POLICY, "--out", out, "--plan-id", "P-cli", "--now", "2025-06-01T12:00:00Z");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Plan P-cli · compromised-host · port scan · verdict unverified");
    expect(r.out).toContain("ec2:ModifyNetworkInterfaceAttribute");
    expect(r.out).toContain('"Groups":["${14-create-all-traffic-group-vpc-0e000000000000001.groupId}"]');
    expect(r.out).toMatch(/The notice could not be verified as coming from AWS/);
    const plan = JSON.parse(readFileSync(out, "utf8")) as Plan;
    expect(plan.id).toBe("P-cli");
    expect(plan.steps.map((s) => s.action)).toContain("isolate-eni");
    // Shown again from the file, as JSON, unchanged.
    const again = await run("plan", out, "--json");
    expect(JSON.parse(again.out)).toEqual(plan);
  });

  it("refuses bad flags and a missing policy file as user errors", async () => {
    expect((await run("plan", NOTICE, "--account", ACCOUNT, "--playbook", "nuke")).code).toBe(64);
    expect((await run("plan", NOTICE, "--account", ACCOUNT, "--ports", "tcp/99999")).err).toMatch(/--ports: "tcp\/99999" is not a port/);
    const r = await run("plan", NOTICE, "--account", ACCOUNT, "--offline", "--policy", join(data.dir, "nope.yaml"));
    expect(r.code).toBe(66);
    expect(r.err).toMatch(/cannot read the policy/);
  });
});

describe("abuse-desk apply and rollback", () => {
  /** A plan of a stored case (apply takes the verdict from the case's notice), written to a file too. */
  const planFile = async (verdict: Plan["verdict"] = "authentic") => {
    const out = join(data.dir, "plan.json");
    const store = await openStore();
    const { items } = await parseInput(readFileSync(NOTICE));
    const { case: c } = await store.intake({ notice: items[0]!.notice, verdict: { verdict, reasons: [], auth: null }, raw: items[0]!.raw });
    await store.destroy();
    const p = await run("plan", c.id, "--account", ACCOUNT, "--policy", POLICY, "--out", out, "--plan-id", "P-cli");
    expect(p.code).toBe(0);
    return out;
  };

  it("refuses without a terminal unless --yes, and changes nothing", async () => {
    const file = await planFile();
    const r = await run("apply", file, "--account", ACCOUNT);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/refusing to change an account without a confirmation: there is no terminal/);
    expect(r.out).toBe("");
    const store = await openStore();
    expect(await store.entries("P-cli")).toEqual([]);
    await store.destroy();
  });

  it("applies with --yes, shows progress and what was done; a second apply does nothing again", async () => {
    const file = await planFile();
    const r = await run("apply", file, "--yes", "--account", ACCOUNT, "--actor", "alice");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Contained: every step is done.");
    expect(r.out).toMatch(/done\s+05-snapshot-volumes-i-0e0000000000000a1\s+snap-0/);
    expect(r.err).toMatch(/\[20\/20\] done /);
    const store = await openStore();
    const entries = await store.entries("P-cli");
    expect(entries.filter((e) => e.phase === "done")).toHaveLength(20);
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set(["alice"]));
    await store.destroy();

    const again = await run("apply", file, "--yes", "--account", ACCOUNT, "--json");
    const result = JSON.parse(again.out) as ApplyResult;
    expect(result.status).toBe("complete");
    expect(result.steps.every((s) => s.status === "already-done")).toBe(true);

    // Each CLI run opens the simulated account afresh, so the rollback finds nothing to undo
    // there; it still journals, and apply then refuses the rolled-back plan.
    const rb = await run("rollback", "P-cli", "--yes", "--account", ACCOUNT, "--json");
    expect(rb.code).toBe(0);
    const denied = await run("apply", file, "--yes", "--account", ACCOUNT);
    expect(denied.code).toBe(65);
    expect(denied.err).toMatch(/has been rolled back; make a new plan/);
  });

  it("refuses a plan from a phishing notice (exit 77) unless overridden with a reason", async () => {
    const file = await planFile("phishing");
    const r = await run("apply", file, "--yes", "--account", ACCOUNT);
    expect(r.code).toBe(77);
    expect(r.err).toMatch(/judged phishing/);
    expect(r.err).toMatch(/--override-verdict/);
    const ok = await run("apply", file, "--yes", "--account", ACCOUNT, "--override-verdict", "AWS confirmed by phone");
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("Applied despite the verdict; reason journalled: AWS confirmed by phone");
    expect((await run("apply", file, "--auto", "--account", ACCOUNT, "--override-verdict", "x")).code).toBe(64);
  });

  it("plans for a case from its notice, saves the plan with the case, applies it and marks the case contained", async () => {
    const store = await openStore();
    const { items } = await parseInput(readFileSync(NOTICE));
    const { case: c } = await store.intake({ notice: items[0]!.notice, verdict: { verdict: "authentic", reasons: [], auth: null }, raw: items[0]!.raw });
    await store.destroy();

    const p = await run("plan", c.id, "--account", ACCOUNT, "--policy", POLICY, "--plan-id", "P-case", "--no-calls");
    expect(p.code).toBe(0);
    expect(p.out).toContain(`case ${c.id}`);
    expect(p.out).toContain(`Apply it with: abuse-desk apply ${c.id}`);
    const a = await run("apply", c.id, "--yes", "--account", ACCOUNT);
    expect(a.code).toBe(0);

    const after = await openStore();
    expect((await after.getCase(c.id))!.status).toBe("contained");
    expect((await after.plansForCase(c.id)).map((x) => x.id)).toEqual(["P-case"]);
    // The captures went to the case's evidence, with their hashes; the journal points at them.
    const evidence = await after.evidence(c.id);
    expect(evidence.map((e) => e.label)).toContain("i-0e0000000000000a1-console-output.txt");
    const cap = (await after.entries("P-case")).find((e) => e.stepId === "01-capture-metadata-i-0e0000000000000a1" && e.phase === "done")!;
    expect((cap.after as { evidence: { ref: string }[] }).evidence[0]!.ref).toMatch(/^evidence:\d+$/);
    await after.destroy();

    const rb = await run("rollback", c.id, "--yes", "--account", ACCOUNT);
    expect(rb.code).toBe(0);
    expect(rb.out).toContain("Rolled back");
  });

  it("says what the web desk says of the plan before confirming; under web.fourEyes its author cannot apply it until another person approved it", async () => {
    const store = await openStore();
    const { items } = await parseInput(readFileSync(NOTICE));
    const { case: c } = await store.intake({ notice: items[0]!.notice, verdict: { verdict: "authentic", reasons: [], auth: null }, raw: items[0]!.raw });
    await store.destroy();
    process.env.ABUSE_DESK_ACTOR = "bob";
    expect((await run("plan", c.id, "--account", ACCOUNT, "--policy", POLICY, "--plan-id", "P-4e", "--no-calls")).code).toBe(0);

    // Without four-eyes: applied, and the desk's word on it said first.
    writeFileSync(join(data.dir, "config.yaml"), "web:\n  fourEyes: true\n");
    const refused = await run("apply", c.id, "--yes", "--account", ACCOUNT);
    expect(refused.code).toBe(77);
    expect(refused.err).toContain("four-eyes (web.fourEyes): bob wrote plan P-4e");
    const s2 = await openStore();
    expect(await s2.entries("P-4e")).toEqual([]);
    // Another person approves it on the desk (the note the web desk records): bob may now apply it.
    await s2.recordEvent(c.id, "note", "Plan P-4e approved by alice on the web desk (n steps)", { planId: "P-4e", planApproved: "P-4e", approvedBy: "alice" }, { actor: "web:alice" });
    await s2.destroy();
    const a = await run("apply", c.id, "--yes", "--account", ACCOUNT);
    expect(a.code).toBe(0);
    expect(a.err).toMatch(/desk: plan P-4e approved on the web desk by alice at \d{4}-/);
  });

  it("without four-eyes the author applies, told the plan is not approved on the desk", async () => {
    const store = await openStore();
    const { items } = await parseInput(readFileSync(NOTICE));
    const { case: c } = await store.intake({ notice: items[0]!.notice, verdict: { verdict: "authentic", reasons: [], auth: null }, raw: items[0]!.raw });
    await store.destroy();
    process.env.ABUSE_DESK_ACTOR = "bob";
    expect((await run("plan", c.id, "--account", ACCOUNT, "--policy", POLICY, "--plan-id", "P-1e", "--no-calls")).code).toBe(0);
    const a = await run("apply", c.id, "--yes", "--account", ACCOUNT);
    expect(a.code).toBe(0);
    expect(a.err).toContain("desk: plan P-1e not approved on the web desk");
  });
});

