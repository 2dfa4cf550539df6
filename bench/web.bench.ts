/**
 * The web desk at 100,000 cases: server time for the queue's first filtered page (the whole
 * request through the app: session, CSRF-free GET, the query, rendering 50 rows) against the same
 * query run bare through the store, in the same process; and the case page of one case with a
 * realistic amount of data in that store (bench/web-case.ts). SQLite always; PostgreSQL too when
 * DATABASE_URL names one (a fresh schema, dropped afterwards). Targets: queue under 50 ms, case
 * page under 100 ms.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { median, type Bench, type Figure } from "./harness.ts";
import { measureCasePage } from "./web-case.ts";
import { openStore } from "../src/case/index.ts";
import type { SqlCaseStore } from "../src/case/store.ts";
import type { CaseRefsTable, CasesTable } from "../src/case/db/schema.ts";
import type { CaseFilter } from "../src/case/types.ts";
import { ACTIVITY_TYPES } from "../src/notice/types.ts";
import { createWebApp } from "../src/web/app.ts";
import { defaultWebConfig } from "../src/web/config.ts";
import type { WebDeps } from "../src/web/types.ts";

/** $ABUSE_DESK_BENCH_WEB_CASES: a smaller load to check the bench works (the figures count at 100,000). */
const CASES = Number(process.env.ABUSE_DESK_BENCH_WEB_CASES) > 0 ? Number(process.env.ABUSE_DESK_BENCH_WEB_CASES) : 100_000;
const STATUSES = ["new", "triaged", "contained", "replied", "resolved", "closed", "resolved", "closed", "closed", "closed"];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function load(store: SqlCaseStore): Promise<void> {
  const rand = rng(7);
  await store.writeTx(async (trx) => {
    const chunk = store.dialect === "sqlite" ? 1000 : 2000;
    for (let start = 0; start < CASES; start += chunk) {
      const rows: CasesTable[] = [];
      const refs: CaseRefsTable[] = [];
      for (let i = start; i < Math.min(CASES, start + chunk); i++) {
        const status = STATUSES[Math.floor(rand() * STATUSES.length)]!;
        const acct = String(100000000000 + Math.floor(rand() * 500) * 7919).slice(0, 12);
        const received = new Date(Date.UTC(2025, 0, 1) + Math.floor(rand() * 365 * 86_400_000)).toISOString();
        const id = `AD-2025-${String(i + 1).padStart(6, "0")}`;
        const instance = `i-0${i.toString(16).padStart(16, "0")}`;
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
          resources: JSON.stringify([instance]),
          regions: '["eu-west-1"]',
          verdict: rand() < 0.05 ? "suspicious" : "authentic",
          subject: `Your AWS Abuse Report [${10000000000 + i}] [AWS ID ${acct}]`,
          assignee: rand() < 0.5 ? null : `analyst${Math.floor(rand() * 20)}`,
          deadline_at: new Date(new Date(received).getTime() + 86_400_000).toISOString(),
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
        refs.push({ case_id: id, kind: "account", value: acct }, { case_id: id, kind: "resource", value: instance }, { case_id: id, kind: "aws-case", value: String(10000000000 + i) });
      }
      await trx.insertInto("cases").values(rows).execute();
      for (let k = 0; k < refs.length; k += 900) await trx.insertInto("case_refs").values(refs.slice(k, k + 900)).execute();
    }
    await trx.insertInto("case_counters").values({ year: 2025, last: CASES }).execute();
  });
  if (store.dialect === "sqlite") await sql.raw("analyze").execute(store.db);
  else for (const t of ["cases", "case_refs"]) await sql.raw(`vacuum analyze ${t}`).execute(store.db);
}

async function measure(label: string, store: SqlCaseStore, log: (l: string) => void): Promise<Figure[]> {
  const t0 = performance.now();
  await load(store);
  log(`${label}: ${CASES.toLocaleString("en")} cases loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const silent = { info() {}, warn() {}, error() {} };
  const deps: WebDeps = {
    store,
    config: defaultWebConfig(),
    document: { path: null, data: {} },
    clock: () => new Date(),
    openCloud: () => Promise.reject(new Error("no account in the bench")),
    accountSpec: null,
    log: silent,
  };
  const app = createWebApp(deps);
  await store.users.addUser("bench", "viewer", "a bench password long enough");
  const { token } = await store.users.createSession("bench", { via: "password" });
  const env = { incoming: { socket: { remoteAddress: "127.0.0.1" } } };
  const figures: Figure[] = [];
  // The previous page, deep in the queue: the keyset walked backwards from the 11th page's start.
  let cursor: string | null = null;
  for (let i = 0; i < 10; i++) {
    const p = await store.listCases({ activityType: "port_scan" }, { limit: 50, after: cursor });
    if (!p.next) break;
    cursor = p.next;
  }
  const deep = await store.listCases({ activityType: "port_scan" }, { limit: 50, after: cursor });
  const before = deep.prev ?? null;
  const cases: { name: string; path: string; filter: CaseFilter; before?: string | null }[] = [
    { name: "queue, open port scans", path: "/?activity=port_scan", filter: { activityType: "port_scan" } },
    { name: "queue, contained cases", path: "/?status=contained", filter: { status: ["contained"] } },
    ...(before ? [{ name: "queue, open port scans, a previous page", path: `/?activity=port_scan&before=${before}`, filter: { activityType: "port_scan" } as CaseFilter, before }] : []),
    { name: "queue, search by instance id", path: `/?q=i-0${(4242).toString(16).padStart(16, "0")}`, filter: { all: true, refs: [{ kind: "aws-case", value: `I-0${(4242).toString(16).padStart(16, "0")}`.toUpperCase() }, { kind: "resource", value: `i-0${(4242).toString(16).padStart(16, "0")}` }] } },
  ];
  for (const q of cases) {
    const get = async () => {
      const res = await app.request(`http://bench.test${q.path}`, { headers: { cookie: `abuse-desk=${token}` } }, env);
      if (res.status !== 200) throw new Error(`bench: ${q.path} answered ${res.status}`);
      return res.text();
    };
    const html = await get();
    const bare = () => store.listCases(q.filter, { limit: 50, ...(q.before ? { before: q.before } : {}) });
    const expected = (await bare()).items;
    if (expected.length === 0) throw new Error(`bench: ${q.name} matched nothing`);
    for (const c of expected) if (!html.includes(`/cases/${c.id}"`)) throw new Error(`bench: the page of ${q.name} lacks ${c.id}`);
    const pageMs = await median(get, 31, 3);
    const bareMs = await median(bare, 31, 3);
    figures.push({
      name: `${label}: ${q.name}, ${q.before ? "page" : "first page"} (${expected.length}) at ${CASES.toLocaleString("en")} cases, server time`,
      value: pageMs,
      unit: "ms",
      baseline: { name: "the same query bare through the store", value: bareMs },
      better: "lower",
      target: { text: "< 50 ms", met: pageMs < 50 },
    });
  }
  figures.push(await measureCasePage(label, CASES, store, app, `abuse-desk=${token}`, env, log));
  return figures;
}

const bench: Bench = {
  name: "web desk: queue and case page at 100,000 cases",
  async run(log) {
    const figures: Figure[] = [];
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-bench-web-"));
    const store = (await openStore({ url: join(home, "cases.db"), home })) as SqlCaseStore;
    try {
      figures.push(...(await measure("SQLite", store, log)));
    } finally {
      await store.destroy();
      rmSync(home, { recursive: true, force: true });
    }
    const url = process.env.DATABASE_URL;
    if (url && /^postgres(ql)?:/i.test(url)) {
      const schema = `bench_web_${process.pid}_${Date.now()}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      const u = new URL(url);
      u.searchParams.set("options", `-c search_path=${schema}`);
      const pgHome = mkdtempSync(join(tmpdir(), "abuse-desk-bench-web-pg-"));
      const pgStore = (await openStore({ url: u.toString(), home: pgHome })) as SqlCaseStore;
      try {
        figures.push(...(await measure("PostgreSQL", pgStore, log)));
      } finally {
        await pgStore.destroy();
        await admin.query(`drop schema ${schema} cascade`);
        await admin.end();
        rmSync(pgHome, { recursive: true, force: true });
      }
    } else {
      log("PostgreSQL: not measured (set DATABASE_URL=postgres://... to include it)");
    }
    return figures;
  },
};

export default bench;
