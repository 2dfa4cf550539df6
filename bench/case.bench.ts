/**
 * The case store at 100,000 cases: the first page of a filtered, deadline-sorted list, counts by
 * status, and the audit chain's append rate. Each figure has its baseline measured in the same
 * run: the same query with the indexes dropped (a scan and a sort), plain inserts without the chain.
 * SQLite always; PostgreSQL too when DATABASE_URL names one (a fresh schema, dropped afterwards).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { median, type Bench, type Figure } from "./harness.ts";
import { openStore } from "../src/case/index.ts";
import type { SqlCaseStore } from "../src/case/store.ts";
import type { CasesTable, CaseRefsTable } from "../src/case/db/schema.ts";
import { ACTIVITY_TYPES } from "../src/notice/types.ts";

const CASES = 100_000;
const APPENDS = 10_000;
const STATUSES = ["new", "triaged", "contained", "replied", "resolved", "closed", "resolved", "closed", "closed", "closed"];

/** A deterministic pseudo-random sequence (the same data every run). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function account(i: number): string {
  return String(100000000000 + i * 7919).slice(0, 12);
}

async function bulkInsert(store: SqlCaseStore): Promise<number> {
  const rand = rng(42);
  const t0 = performance.now();
  await store.writeTx(async (trx) => {
    const chunk = store.dialect === "sqlite" ? 1000 : 2000;
    for (let start = 0; start < CASES; start += chunk) {
      const rows: CasesTable[] = [];
      const refs: CaseRefsTable[] = [];
      for (let i = start; i < Math.min(CASES, start + chunk); i++) {
        const status = STATUSES[Math.floor(rand() * STATUSES.length)]!;
        const acct = account(Math.floor(rand() * 500));
        const received = new Date(Date.UTC(2025, 0, 1) + Math.floor(rand() * 365 * 86_400_000)).toISOString();
        const deadline = new Date(new Date(received).getTime() + 86_400_000).toISOString();
        const id = `AD-2025-${String(i + 1).padStart(6, "0")}`;
        rows.push({
          id,
          status,
          is_open: ["resolved", "closed"].includes(status) ? 0 : 1,
          status_before_close: null,
          severity: ["low", "medium", "high", "critical"][Math.floor(rand() * 4)]!,
          severity_source: "derived",
          activity_type: ACTIVITY_TYPES[Math.floor(rand() * ACTIVITY_TYPES.length)]!,
          aws_case_number: String(10000000000 + i),
          account_id: acct,
          account_ids: JSON.stringify([acct]),
          resources: JSON.stringify([`i-0${i.toString(16).padStart(16, "0")}`]),
          regions: '["eu-west-1"]',
          verdict: "authentic",
          subject: `Your AWS Abuse Report [${10000000000 + i}]`,
          assignee: rand() < 0.5 ? null : `analyst${Math.floor(rand() * 20)}`,
          deadline_at: deadline,
          deadline_basis: "default",
          deadline_text: null,
          needs_linking: 0,
          link_reason: null,
          link_into: null,
          notice_count: 1,
          received_at: received,
          last_notice_at: received,
          created_at: received,
          updated_at: received,
          closed_at: null,
          resolution: null,
        });
        refs.push({ case_id: id, kind: "account", value: acct });
      }
      await trx.insertInto("cases").values(rows).execute();
      await trx.insertInto("case_refs").values(refs).execute();
    }
    await trx.insertInto("case_counters").values({ year: 2025, last: CASES }).execute();
  });
  const ms = performance.now() - t0;
  // Statistics (and on PostgreSQL the visibility map autovacuum would build) as a live store has them.
  if (store.dialect === "sqlite") await sql.raw("analyze").execute(store.db);
  else for (const t of ["cases", "case_refs"]) await sql.raw(`vacuum analyze ${t}`).execute(store.db);
  return ms;
}

const CASE_INDEXES = ["cases_open_deadline", "cases_status_deadline", "cases_account_deadline", "cases_activity_deadline", "cases_assignee_deadline", "cases_deadline", "cases_status"];

async function measure(label: string, store: SqlCaseStore, log: (l: string) => void): Promise<Figure[]> {
  const figures: Figure[] = [];
  const loadMs = await bulkInsert(store);
  log(`${label}: ${CASES.toLocaleString("en")} cases inserted in one transaction in ${(loadMs / 1000).toFixed(2)} s (${Math.round(CASES / (loadMs / 1000)).toLocaleString("en")} cases/s)`);

  const acct = account(17);
  const queries = {
    "open cases of one account": () => store.listCases({ accountId: acct }, { limit: 50 }),
    "open cases, no filter": () => store.listCases({}, { limit: 50 }),
    "contained port scans": () => store.listCases({ status: ["contained"], activityType: "port_scan" }, { limit: 50 }),
    "unassigned open cases due before 2025-07-01": () => store.listCases({ assignee: null, deadlineBefore: "2025-07-01T00:00:00Z" }, { limit: 50 }),
  };
  const withIdx: Record<string, number> = {};
  for (const [name, q] of Object.entries(queries)) {
    const page = await q();
    if (page.items.length !== 50) throw new Error(`bench: ${name} returned ${page.items.length} cases, expected a full page`);
    withIdx[name] = await median(q, 31, 3);
  }
  const counts = () => store.countByStatus();
  const total = Object.values(await counts()).reduce((a, b) => a + b, 0);
  if (total !== CASES) throw new Error(`bench: counts add up to ${total}, not ${CASES}`);
  const countMs = await median(counts, 11, 2);

  // Baselines: the same queries once the indexes are gone (what the planner does without them).
  for (const ix of CASE_INDEXES) await sql.raw(`drop index ${ix}`).execute(store.db);
  await sql.raw(store.dialect === "sqlite" ? "analyze" : "analyze cases").execute(store.db);
  // The account filter reads case_refs (its primary key stays), so its baseline is what a store
  // without either index would do: read every case, filter and sort in JavaScript.
  const scanInJs = async () => {
    const rows = await store.db.selectFrom("cases").selectAll().execute();
    return rows
      .filter((r) => r.is_open === 1 && (JSON.parse(r.account_ids) as string[]).includes(acct))
      .sort((a, b) => (a.deadline_at < b.deadline_at ? -1 : a.deadline_at > b.deadline_at ? 1 : a.id < b.id ? -1 : 1))
      .slice(0, 50);
  };
  const scanned = await scanInJs();
  const indexed = (await queries["open cases of one account"]()).items.map((c) => c.id);
  if (scanned.map((r) => r.id).join() !== indexed.join()) throw new Error("bench: the indexed page and the scanned page differ");
  for (const [name, q] of Object.entries(queries)) {
    const js = name === "open cases of one account";
    const base = await median(js ? scanInJs : q, 5, 1);
    figures.push({
      name: `${label}: first page (50) of ${name}, deadline-sorted, at ${CASES.toLocaleString("en")} cases`,
      value: withIdx[name]!,
      unit: "ms",
      baseline: { name: js ? "full scan, filter and sort in JS" : "same query without the indexes", value: base },
      better: "lower",
      target: { text: "< 10 ms", met: withIdx[name]! < 10 },
    });
  }
  const countBase = await median(counts, 5, 1);
  figures.push({
    name: `${label}: counts by status at ${CASES.toLocaleString("en")} cases`,
    value: countMs,
    unit: "ms",
    baseline: { name: "without the status index", value: countBase },
    better: "lower",
    target: { text: "< 50 ms", met: countMs < 50 },
  });

  // The audit chain: one entry per transaction (each durable on its own), then batches of 100.
  await sql.raw("create table bench_plain (seq integer primary key, at text not null, actor text not null, action text not null, case_id text, data text not null)").execute(store.db);
  let plainSeq = 0;
  // (the seq is taken inside the transaction, so concurrent callers never collide)
  const entry = (i: number) => ({ action: "bench.append", caseId: `AD-2025-${String((i % CASES) + 1).padStart(6, "0")}`, data: { i, note: "an audit entry of typical size", values: [i, i * 2, i * 3] } });
  const plain = async (n: number) => {
    await store.writeTx(async (trx) => {
      const rows = [];
      for (let k = 0; k < n; k++) {
        const e = entry(plainSeq);
        rows.push({ seq: ++plainSeq, at: new Date().toISOString(), actor: "bench", action: e.action, case_id: e.caseId, data: JSON.stringify(e.data) });
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a table of the bench's own
      await (trx as Kysely<any>).insertInto("bench_plain").values(rows).execute();
    });
  };
  let chainI = 0;
  const chained = async (n: number) => {
    const batch = [];
    for (let k = 0; k < n; k++) batch.push(entry(chainI++));
    await store.auditAppend(batch, { actor: "bench" });
  };
  // Three ways of appending: one caller, one entry per call (each call waits for its own commit
  // and fsync); 64 callers at once, one entry per call (the store commits them in groups); one
  // caller, 100 entries per call. The baseline does the same with plain inserts.
  const shapes = [
    { name: "1 entry per call, one caller (each durable before the next: bounded by fsync)", callers: 1, per: 1, total: 2_000, target: false },
    { name: "1 entry per call, 64 concurrent callers (group commit)", callers: 64, per: 1, total: APPENDS, target: true },
    { name: "100 entries per call, one caller", callers: 1, per: 100, total: APPENDS, target: true },
  ];
  for (const shape of shapes) {
    const rate = async (op: (n: number) => Promise<void>) => {
      const calls = shape.total / shape.per;
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: shape.callers }, async () => {
          while (next < calls) {
            next++;
            await op(shape.per);
          }
        }),
      );
      return shape.total / ((performance.now() - t0) / 1000);
    };
    const chainRate = await rate(chained);
    const plainRate = await rate(plain);
    figures.push({
      name: `${label}: audit chain append, ${shape.name}`,
      value: chainRate,
      unit: "entries/s",
      baseline: { name: "plain inserts, no chain, same shape", value: plainRate },
      better: "higher",
      ...(shape.target ? { target: { text: ">= 5,000 entries/s", met: chainRate >= 5000 } } : {}),
    });
  }
  const t0 = performance.now();
  const v = await store.auditVerify();
  const verifyMs = performance.now() - t0;
  if (!v.intact) throw new Error(`bench: the audit chain is broken after appending: ${JSON.stringify(v)}`);
  log(`${label}: audit chain of ${v.entries.toLocaleString("en")} entries intact; verified in ${verifyMs.toFixed(0)} ms (${Math.round(v.entries / (verifyMs / 1000)).toLocaleString("en")} entries/s)`);
  return figures;
}

const bench: Bench = {
  name: "case store: 100,000 cases, audit chain",
  async run(log) {
    const figures: Figure[] = [];
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-bench-"));
    const store = (await openStore({ url: join(home, "cases.db") })) as SqlCaseStore;
    try {
      figures.push(...(await measure("SQLite", store, log)));
    } finally {
      await store.destroy();
      rmSync(home, { recursive: true, force: true });
    }
    const url = process.env.DATABASE_URL;
    if (url && /^postgres(ql)?:/i.test(url)) {
      const schema = `bench_${process.pid}_${Date.now()}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      const u = new URL(url);
      u.searchParams.set("options", `-c search_path=${schema}`);
      const pgStore = (await openStore({ url: u.toString() })) as SqlCaseStore;
      try {
        figures.push(...(await measure("PostgreSQL", pgStore, log)));
      } finally {
        await pgStore.destroy();
        await admin.query(`drop schema ${schema} cascade`);
        await admin.end();
      }
    } else {
      log("PostgreSQL: not measured (set DATABASE_URL=postgres://... to include it)");
    }
    return figures;
  },
};

export default bench;
