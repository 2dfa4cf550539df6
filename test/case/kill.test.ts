/**
 * Kill tests: a child process writes cases, journal entries and notes without pause and is
 * SIGKILLed mid-write, again and again. Afterwards every write it acknowledged is in the
 * database, nothing is half-written (each case agrees with its notices, timeline and counter),
 * and the audit chain is intact.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { freshSchema } from "./pg.ts";
import { spawnChild } from "./processes.ts";

const ROUNDS = 5;

async function killRepeatedly(url: string) {
  const acked = { notices: new Map<string, string>(), journal: new Map<string, number[]>(), notes: [] as [string, string][] };
  let killedMidWrite = 0;
  for (let run = 0; run < ROUNDS; run++) {
    const child = spawnChild("writer.ts", { url, run });
    // Let it get going (past opening and migrating), then kill it at a random moment.
    await child.waitFor((l) => l.startsWith("journal "), 30_000);
    await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 120)));
    const before = child.lines.length;
    child.proc.kill("SIGKILL");
    const { signal } = await child.exited;
    expect(signal).toBe("SIGKILL");
    if (child.lines.length === before) killedMidWrite++;
    const planId = child.lines.find((l) => l.startsWith("plan "))!.split(" ")[1]!;
    for (const line of child.lines) {
      const [what, a, b] = line.split(" ");
      if (what === "notice") acked.notices.set(a!, b!);
      if (what === "journal") acked.journal.set(planId, [...(acked.journal.get(planId) ?? []), Number(a)]);
      if (what === "note") acked.notes.push([a!, `note ${b}`]);
    }
  }
  return { acked, killedMidWrite };
}

async function checkNothingLost(url: string, acked: Awaited<ReturnType<typeof killRepeatedly>>["acked"]) {
  const store = await openStore({ url });
  try {
    const db = (store as SqlCaseStore).db;
    expect(acked.notices.size).toBeGreaterThan(ROUNDS);
    // Every acknowledged notice is stored, in the case it was acknowledged with.
    const rows = await db.selectFrom("notices").select(["message_id", "case_id"]).execute();
    const stored = new Map(rows.map((r) => [`<${r.message_id}>`, r.case_id]));
    for (const [mid, caseId] of acked.notices) expect(stored.get(mid), mid).toBe(caseId);
    // Every acknowledged journal entry is there, in order.
    for (const [planId, seqs] of acked.journal) {
      const entries = (await store.entries(planId)).map((e) => e.seq);
      for (const s of seqs) expect(entries).toContain(s);
    }
    for (const [caseId, text] of acked.notes) {
      expect((await store.timeline(caseId)).some((e) => e.type === "note" && e.summary === text)).toBe(true);
    }
    // Nothing half-written: each case's count matches its notices and its timeline.
    const cases = await db.selectFrom("cases").select(["id", "notice_count"]).execute();
    const perCase = await db.selectFrom("notices").select((eb) => ["case_id", eb.fn.countAll().as("n")]).groupBy("case_id").execute();
    const received = await db
      .selectFrom("timeline")
      .select((eb) => ["case_id", eb.fn.countAll().as("n")])
      .where("type", "=", "notice-received")
      .groupBy("case_id")
      .execute();
    const noticeCount = new Map(perCase.map((r) => [r.case_id, Number(r.n)]));
    const receivedCount = new Map(received.map((r) => [r.case_id, Number(r.n)]));
    for (const c of cases) {
      expect(noticeCount.get(c.id), c.id).toBe(Number(c.notice_count));
      expect(receivedCount.get(c.id), c.id).toBe(Number(c.notice_count));
    }
    // Case numbers were drawn without gaps: a killed transaction gave its number back.
    const numbers = cases.map((c) => Number(c.id.split("-")[2])).sort((a, b) => a - b);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    const v = await store.auditVerify();
    expect(v.intact).toBe(true);
    if (store.dialect === "sqlite") {
      const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
      expect(check.rows[0]!.integrity_check).toBe("ok");
    }
    // And the store still takes writes after all that.
    await store.addNote(cases[0]!.id, "after the kills");
  } finally {
    await store.destroy();
  }
}

describe("kill tests: SIGKILL mid-write loses nothing acknowledged", () => {
  it("on SQLite", async () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-kill-"));
    try {
      const url = join(home, "cases.db");
      const { acked } = await killRepeatedly(url);
      await checkNothingLost(url, acked);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);

  it("on PostgreSQL", async () => {
    const schema = await freshSchema();
    try {
      const { acked } = await killRepeatedly(schema.url);
      await checkNothingLost(schema.url, acked);
    } finally {
      await schema.drop();
    }
  }, 120_000);
});
