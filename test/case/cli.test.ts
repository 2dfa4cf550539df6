/**
 * `abuse-desk case ...` and `abuse-desk audit ...`, run in-process the way main() runs them, on a
 * store in a temp data directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { makeNotice, makePlan, makeVerdict, raw } from "./fixtures.ts";
import { runCli as run } from "../helpers/cli.ts";


describe("abuse-desk case / audit", () => {
  let home: string;
  const env = { ...process.env };
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), "abuse-desk-cli-"));
    process.env.ABUSE_DESK_HOME = home;
    delete process.env.DATABASE_URL;
    process.env.ABUSE_DESK_ACTOR = "tester";
    const store = await openStore();
    const soon = new Date(Date.now() + 3 * 3600_000);
    const a = makeNotice({ caseNumber: "12121212121", subject: "Your AWS Abuse Report [12121212121]", receivedAt: new Date(soon.getTime() - 86_400_000).toISOString() });
    await store.intake({ notice: a, verdict: makeVerdict(), raw: raw(a) });
    const b = makeNotice({ activityType: "dos", accountIds: ["444455556666"], instanceIds: ["i-0dos"], publicIps: [], receivedAt: new Date(Date.now() - 30 * 3600_000).toISOString() });
    await store.intake({ notice: b, verdict: makeVerdict() , raw: raw(b) });
    const c = makeNotice({ instanceIds: ["i-0later"], publicIps: [], receivedAt: new Date(Date.now() + 2 * 86_400_000).toISOString() });
    await store.intake({ notice: c, verdict: makeVerdict("unverified"), raw: raw(c) });
    const plan = makePlan("AD-" + new Date().getUTCFullYear() + "-0001");
    await store.savePlan(plan);
    await store.append({ planId: plan.id, stepId: plan.steps[0]!.id, phase: "done", actor: "executor" });
    await store.addEvidence(plan.caseId!, { label: "console", content: "boot log", source: "ec2:GetConsoleOutput" });
    await store.destroy();
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    process.env = { ...env };
  });
  const Y = new Date().getUTCFullYear();

  it("lists open cases deadline first, with filters and --json", async () => {
    const r = await run("case", "list");
    expect(r.code).toBe(0);
    const ids = [...r.out.matchAll(/AD-\d{4}-\d{4}/g)].map((m) => m[0]);
    expect(ids).toEqual([`AD-${Y}-0002`, `AD-${Y}-0001`, `AD-${Y}-0003`]);
    expect(r.out).toMatch(/overdue by 6 h/);
    expect(r.out).toMatch(/2 h 59 min left|3 h left/);
    const j = JSON.parse((await run("case", "list", "--account", "444455556666", "--json")).out) as { items: { id: string }[]; next: string | null };
    expect(j.items.map((c) => c.id)).toEqual([`AD-${Y}-0002`]);
    const within = JSON.parse((await run("case", "list", "--deadline-within", "4h", "--json")).out) as { items: { id: string }[] };
    expect(within.items.map((c) => c.id)).toEqual([`AD-${Y}-0002`, `AD-${Y}-0001`]);
    const dos = JSON.parse((await run("case", "list", "--activity", "dos", "--json")).out) as { items: unknown[] };
    expect(dos.items).toHaveLength(1);
    const paged = JSON.parse((await run("case", "list", "--limit", "2", "--json")).out) as { items: unknown[]; next: string };
    expect(paged.items).toHaveLength(2);
    const rest = JSON.parse((await run("case", "list", "--limit", "2", "--after", paged.next, "--json")).out) as { items: { id: string }[]; next: null };
    expect(rest.items.map((c) => c.id)).toEqual([`AD-${Y}-0003`]);
    expect(rest.next).toBeNull();
    expect((await run("case", "list", "--status", "closed")).out).toMatch(/no cases match/);
    const bad = await run("case", "list", "--status", "done");
    expect(bad).toMatchObject({ code: 64 });
    expect(bad.err).toMatch(/unknown status done/);
    expect((await run("case", "list", "--deadline-within", "soon")).err).toMatch(/not a duration: soon/);
  });

  it("shows a case: facts, verdict, deadline with time left, plans, evidence, timeline", async () => {
    const r = await run("case", "show", `AD-${Y}-0001`);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`AD-${Y}-0001  new  medium`);
    expect(r.out).toMatch(/AWS case\s+12121212121/);
    expect(r.out).toMatch(/verdict\s+authentic/);
    expect(r.out).toMatch(/deadline\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC, (2 h 59 min|3 h) left \(default\)/);
    expect(r.out).toMatch(/Plans\n {2}plan-\w+ \(compromised-host\): 2 steps/);
    expect(r.out).toMatch(/console {2}sha256:[0-9a-f]{64}/);
    expect(r.out).toMatch(/step-applied\s+Step 01-snapshot-vol-0aaa/);
    const byAws = JSON.parse((await run("case", "show", "12121212121", "--json")).out) as { case: { id: string }; timeline: unknown[]; notices: unknown[] };
    expect(byAws.case.id).toBe(`AD-${Y}-0001`);
    expect(byAws.notices).toHaveLength(1);
    const missing = await run("case", "show", "AD-2020-0042");
    expect(missing.code).toBe(66);
    expect(missing.err).toContain("no case AD-2020-0042");
    expect(missing.err).toContain("case list --all");
  });

  it("assigns, notes, moves, closes and reopens, each on the timeline with the actor", async () => {
    const id = `AD-${Y}-0002`;
    expect((await run("case", "assign", id, "alice")).out).toBe(`${id} assigned to alice\n`);
    expect((await run("case", "note", id, "owner", "contacted")).out).toBe(`note added to ${id}\n`);
    expect((await run("case", "status", id, "contained", "--reason", "isolated")).out).toBe(`${id} is contained\n`);
    const back = await run("case", "status", id, "triaged");
    expect(back.code).toBe(65);
    expect(back.err).toMatch(/cannot become triaged: statuses only move forward/);
    expect((await run("case", "close", id, "--reason", "owner fixed it")).out).toBe(`${id} closed\n`);
    expect((await run("case", "reopen", id)).out).toBe(`${id} reopened: contained\n`);
    const c = JSON.parse((await run("case", "assign", id, "--unassign", "--json")).out) as { assignee: null; status: string };
    expect(c).toMatchObject({ assignee: null, status: "contained" });
    const show = JSON.parse((await run("case", "show", id, "--json")).out) as { timeline: { type: string; actor: string; summary: string }[] };
    expect(show.timeline.slice(2).map((e) => [e.type, e.actor])).toEqual([
      ["assignment", "tester"],
      ["note", "tester"],
      ["status", "tester"],
      ["status", "tester"],
      ["status", "tester"],
      ["assignment", "tester"],
    ]);
    expect((await run("case", "assign", id)).err).toMatch(/say who/);
    expect((await run("case", "link", `AD-${Y}-0003`, `AD-${Y}-0001`)).out).toBe(`AD-${Y}-0003 linked into AD-${Y}-0001 (2 notices now)\n`);
    expect((await run("case", "note", "AD-1999-0001", "x")).code).toBe(66);
  });

  it("case list and case show say why a case needs linking", async () => {
    const store = await openStore();
    const forged = makeNotice({ kind: "follow_up", caseNumber: "12121212121", instanceIds: ["i-0forged"], publicIps: [] });
    const r = await store.intake({ notice: forged, verdict: makeVerdict("suspicious"), raw: raw(forged) });
    await store.destroy();
    const list = await run("case", "list", "--needs-linking");
    expect(list.out).toContain(`${r.case.id}: a suspicious notice naming authentic case AD-${Y}-0001 (the same AWS case number): kept apart`);
    const show = await run("case", "show", r.case.id);
    expect(show.out).toMatch(/linking\s+a suspicious notice naming authentic case/);
  });

  it("audit verify: intact, then the first broken entry after tampering, with --json and exit 65", async () => {
    const ok = await run("audit", "verify");
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/audit chain intact: \d+ entries/);
    const head = /head (\d+:[0-9a-f]{64})/.exec(ok.out)![1]!;
    expect((await run("audit", "verify", "--anchor", head)).code).toBe(0);
    const deep = await run("audit", "verify", "--deep");
    expect(deep.out).toMatch(/\d+ timeline events and journal entries match what the chain recorded/);
    expect(deep.out).toMatch(/6 notices and cases have the verdicts \(and cases the resources\) the chain recorded/);
    expect(deep.out).toMatch(new RegExp(`keyed with audit key [0-9a-f]{16} \\(${join(home, "audit.key").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\) from entry 2; entry 1 predates the key \\(legacy: plain SHA-256, sealed by entry 2\\)`));
    // Another machine with another key: told it is the key (exit 78), not that the chain is broken.
    process.env.ABUSE_DESK_AUDIT_KEY = "some other key that is long enough to use";
    const other = await run("audit", "verify");
    expect(other.code).toBe(78);
    expect(other.out).toMatch(/this machine's audit key is [0-9a-f]{16} \(ABUSE_DESK_AUDIT_KEY\)/);
    delete process.env.ABUSE_DESK_AUDIT_KEY;
    const store = await openStore();
    const db = (store as SqlCaseStore).db;
    await sql`drop trigger audit_log_no_update`.execute(db);
    await sql`update audit_log set actor = 'mallory' where seq = 4`.execute(db);
    await store.destroy();
    const broken = await run("audit", "verify", "--json");
    expect(broken.code).toBe(65);
    expect(JSON.parse(broken.out)).toMatchObject({ intact: false, entries: 3, firstBroken: { seq: 4 } });
    const text = await run("audit", "verify");
    expect(text.out).toMatch(/audit chain BROKEN at entry 4: its content does not match its hash/);
    expect((await run("audit", "verify", "--anchor", "nonsense")).code).toBe(64);
    const log = await run("audit", "log", "--case", `AD-${Y}-0001`);
    expect(log.out).toMatch(/case\.created\s+AD-\d{4}-0001/);
  });
});
