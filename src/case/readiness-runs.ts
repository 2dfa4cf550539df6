/**
 * Readiness runs (migration "0014-readiness-runs"): each `abuse-desk readiness` run kept (unless
 * `--no-save`), and the service's daily one: when it ran, over which accounts, the score, and
 * every check's result per account with the resources that failed and where it could not run.
 * History, not state: a new run adds rows and never rewrites an earlier one. Written in one store
 * transaction with an audit entry holding the SHA-256 of what was kept.
 *
 * Per account: a check's status in one account is `fail` when a resource of that account failed,
 * else `could-not-run` when a place of that account could not be read, else `pass`; the account's
 * score is the report's scoring (severity-weighted, could-not-run never counted as passed) over
 * those statuses. The web desk's readiness page shows the latest run of each account and its
 * trend; a case's gaps (src/readiness/gaps.ts) are read from the latest run of its accounts.
 *
 * Bounded: an estate is outside input, and a hostile one may list a million resources with
 * megabyte names. At most `READINESS_LIMITS.accounts` accounts per run, `resources` failed
 * resources and `notRun` unread places per check and account, `runResources` resources in all,
 * each text clipped to `text` characters. What was cut is counted (failedTotal, notRunTotal) and
 * said (the run's `truncated` sentence), never silently dropped.
 *
 * Retained: each save prunes, in the same transaction, an account's runs beyond its newest
 * `keepRuns` and those recorded more than `keepDays` ago, but never an account's latest run (a
 * case's gaps and the readiness page read it, however old). A run none of whose accounts is left
 * goes too. What was pruned is audited (`readiness.pruned`: the counts, the runs removed and the
 * first account runs, the bound applied). Config: `readiness.retention` (src/readiness/config.ts).
 */
import { createHash } from "node:crypto";
import { sql, type CreateTableBuilder, type Generated, type Kysely } from "kysely";
import { UserError } from "../errors.ts";
import type { Category, CheckResult, CheckStatus, FailedResource, NotRun, ReadinessReport, Severity } from "../readiness/types.ts";
import { canonicalJson } from "./audit.ts";
import type { Database } from "./db/schema.ts";
import { num } from "./rows.ts";
import type { Write } from "./writes.ts";

export const READINESS_LIMITS = {
  /** Accounts kept per run. */
  accounts: 1000,
  /** Failed resources kept per check and account. */
  resources: 100,
  /** Places that could not be read kept per check and account. */
  notRun: 20,
  /** Failed resources kept per run, all checks and accounts together. */
  runResources: 20_000,
  /** Characters kept of any text (ids, details, reasons, names). */
  text: 300,
  /** Runs a trend reads at most. */
  trend: 60,
} as const;

/** How long readiness runs are kept (docs/readiness.md): both bounds apply; an account's latest run is always kept. */
export interface ReadinessRetention {
  /** An account's newest runs kept (older ones are pruned). */
  keepRuns: number;
  /** Runs recorded more than this many days ago are pruned (but an account's latest). */
  keepDays: number;
}

/** A year of daily runs, by count and by age; the trend reads the last READINESS_LIMITS.trend of them. */
export const DEFAULT_READINESS_RETENTION: ReadinessRetention = { keepRuns: 366, keepDays: 366 };

/** What a save pruned. */
export interface PrunedReadinessRuns {
  /** Account runs removed (one account's results in one run). */
  accountRuns: number;
  /** Runs removed whole (none of their accounts left). */
  runs: number;
  /** Check result rows removed. */
  results: number;
}

/** Account runs (and whole runs) an audit entry lists at most; the counts are always complete. */
const PRUNE_LISTED = 100;

/** One check's result in one account of a run, as kept. */
export interface StoredCheckResult {
  id: string;
  title: string;
  severity: Severity;
  category: Category;
  status: CheckStatus;
  /** The failed resources kept (at most READINESS_LIMITS.resources). */
  failed: FailedResource[];
  /** How many failed in this account, kept or not. */
  failedTotal: number;
  notRun: NotRun[];
  notRunTotal: number;
}

/** One account in one run: its score and counts. */
export interface ReadinessAccountSummary {
  runId: number;
  generatedAt: string;
  recordedAt: string;
  source: string;
  accountId: string;
  name?: string;
  reachable: boolean;
  regions: number;
  score: number;
  counts: Record<CheckStatus, number>;
}

/** One account of a run with its check results. */
export interface ReadinessAccountRun extends ReadinessAccountSummary {
  results: StoredCheckResult[];
  /** What was cut from the run to keep it bounded, or null. */
  truncated: string | null;
}

/** What recording a run returns. */
export interface RecordedReadinessRun {
  runId: number;
  recordedAt: string;
  accounts: number;
  /** Failed resources kept, and how many there were. */
  kept: number;
  total: number;
  /** What was cut (a sentence), or null when everything was kept. */
  truncated: string | null;
  sha256: string;
  /** Older runs pruned by the retention on this save. */
  pruned: PrunedReadinessRuns;
}

export interface ReadinessRunsTable {
  id: Generated<number | string>;
  generated_at: string;
  recorded_at: string;
  actor: string;
  source: string;
  score: number;
  pass: number;
  fail: number;
  could_not_run: number;
  accounts: number;
  elapsed_ms: number;
  truncated: string | null;
  sha256: string;
}

export interface ReadinessRunAccountsTable {
  id: Generated<number | string>;
  run_id: number | string;
  account_id: string;
  name: string | null;
  reachable: number;
  regions: number;
  score: number;
  pass: number;
  fail: number;
  could_not_run: number;
}

export interface ReadinessResultsTable {
  id: Generated<number | string>;
  run_id: number | string;
  account_id: string;
  ord: number;
  check_id: string;
  title: string;
  severity: string;
  category: string;
  status: string;
  failed: string; // JSON FailedResource[]
  failed_total: number;
  not_run: string; // JSON NotRun[]
  not_run_total: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was then */
export async function createReadinessTables(db: Kysely<any>, serialKey: <T extends string>(t: CreateTableBuilder<T, any>, name: string) => CreateTableBuilder<T, any>): Promise<void> {
  await serialKey(db.schema.createTable("readiness_runs"), "id")
    .addColumn("generated_at", "text", (c) => c.notNull())
    .addColumn("recorded_at", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("score", "integer", (c) => c.notNull())
    .addColumn("pass", "integer", (c) => c.notNull())
    .addColumn("fail", "integer", (c) => c.notNull())
    .addColumn("could_not_run", "integer", (c) => c.notNull())
    .addColumn("accounts", "integer", (c) => c.notNull())
    .addColumn("elapsed_ms", "integer", (c) => c.notNull())
    .addColumn("truncated", "text")
    .addColumn("sha256", "text", (c) => c.notNull())
    .execute();
  await serialKey(db.schema.createTable("readiness_run_accounts"), "id")
    .addColumn("run_id", "integer", (c) => c.notNull())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("reachable", "integer", (c) => c.notNull())
    .addColumn("regions", "integer", (c) => c.notNull())
    .addColumn("score", "integer", (c) => c.notNull())
    .addColumn("pass", "integer", (c) => c.notNull())
    .addColumn("fail", "integer", (c) => c.notNull())
    .addColumn("could_not_run", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("readiness_run_accounts_account").on("readiness_run_accounts").columns(["account_id", "run_id"]).execute();
  await serialKey(db.schema.createTable("readiness_results"), "id")
    .addColumn("run_id", "integer", (c) => c.notNull())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("ord", "integer", (c) => c.notNull())
    .addColumn("check_id", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("failed", "text", (c) => c.notNull())
    .addColumn("failed_total", "integer", (c) => c.notNull())
    .addColumn("not_run", "text", (c) => c.notNull())
    .addColumn("not_run_total", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("readiness_results_run").on("readiness_results").columns(["run_id", "account_id", "ord"]).execute();
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];
const CATEGORIES: readonly Category[] = ["notices", "logging", "identity", "exposure", "response"];
const STATUSES: readonly CheckStatus[] = ["pass", "fail", "could-not-run"];
const WEIGHT: Record<Severity, number> = { critical: 10, high: 5, medium: 3, low: 1 };

/** Text as kept: clipped, NUL removed (PostgreSQL text cannot hold it), never undefined. */
function clip(s: unknown, max: number = READINESS_LIMITS.text): string {
  const t = (typeof s === "string" ? s : String(s ?? "")).replace(/\u0000/g, "\u2400");
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function keptResource(r: FailedResource): FailedResource {
  return { accountId: clip(r.accountId, 64), ...(r.region ? { region: clip(r.region, 64) } : {}), id: clip(r.id), detail: clip(r.detail) };
}
function keptNotRun(r: NotRun): NotRun {
  return { accountId: clip(r.accountId, 64), ...(r.region ? { region: clip(r.region, 64) } : {}), reason: clip(r.reason), ...(r.action ? { action: clip(r.action, 120) } : {}) };
}

/** The status of a check in one account: a failure there wins, then a place there not read, then pass. */
export function statusIn(check: Pick<CheckResult, "failed" | "notRun">, accountId: string): CheckStatus {
  if (check.failed.some((f) => f.accountId === accountId)) return "fail";
  if (check.notRun.some((n) => n.accountId === accountId)) return "could-not-run";
  return "pass";
}

/** The severity-weighted share of checks passed (as src/readiness/run.ts scores a report). */
function scoreOf(rows: { severity: Severity; status: CheckStatus }[]): number {
  const total = rows.reduce((s, c) => s + WEIGHT[c.severity], 0);
  if (total === 0) return 0;
  return Math.round((100 * rows.filter((c) => c.status === "pass").reduce((s, c) => s + WEIGHT[c.severity], 0)) / total);
}

/** A report as the store is handed it: checked before anything is kept (a malformed report is refused, not stored half-true). */
function check(report: ReadinessReport): void {
  const bad = (what: string) => new UserError(`readiness run: ${what}`, { exitCode: 65 });
  if (!report || !Array.isArray(report.checks) || !Array.isArray(report.accounts)) throw bad("not a readiness report");
  if (Number.isNaN(Date.parse(report.generatedAt))) throw bad(`"${clip(report.generatedAt, 40)}" is not a time`);
  for (const c of report.checks) {
    if (!c || typeof c.id !== "string" || !c.id) throw bad("a check has no id");
    if (!SEVERITIES.includes(c.severity)) throw bad(`check ${clip(c.id, 80)} has an unknown severity`);
    if (!CATEGORIES.includes(c.category)) throw bad(`check ${clip(c.id, 80)} has an unknown category`);
    if (!STATUSES.includes(c.status)) throw bad(`check ${clip(c.id, 80)} has an unknown status`);
    if (!Array.isArray(c.failed) || !Array.isArray(c.notRun)) throw bad(`check ${clip(c.id, 80)} has no resource lists`);
  }
}

/** A retention as given (config, a caller): whole numbers in range, else refused (never "keep nothing" by mistake). */
export function checkRetention(r: ReadinessRetention): ReadinessRetention {
  const ok = (n: unknown, min: number, max: number) => typeof n === "number" && Number.isInteger(n) && n >= min && n <= max;
  if (!ok(r.keepRuns, 2, 100_000)) throw new UserError(`readiness retention: keepRuns "${String(r.keepRuns).slice(0, 20)}" is not a whole number from 2 to 100000`, { exitCode: 78 });
  if (!ok(r.keepDays, 1, 36_500)) throw new UserError(`readiness retention: keepDays "${String(r.keepDays).slice(0, 20)}" is not a whole number from 1 to 36500`, { exitCode: 78 });
  return r;
}

/**
 * Prunes what the retention no longer keeps, in the write's transaction: each account's runs
 * ranked newest first (by run id, the order they were kept in); a rank beyond `keepRuns` goes, and
 * so does a rank beyond the first recorded before `at - keepDays`. Set-based (one ranking, deletes
 * by it), so an estate's long history is pruned without being read into memory.
 */
export async function pruneReadinessRunsTx(w: Write, retention: ReadinessRetention, keepRunId?: number): Promise<PrunedReadinessRuns> {
  const { keepRuns, keepDays } = checkRetention(retention);
  const cutoff = new Date(Date.parse(w.at) - keepDays * 86_400_000).toISOString();
  const ranked = w.trx
    .selectFrom("readiness_run_accounts as a")
    .innerJoin("readiness_runs as r", "r.id", "a.run_id")
    .select(["a.id", "a.run_id", "a.account_id", "r.recorded_at", sql<number>`row_number() over (partition by a.account_id order by a.run_id desc)`.as("rank")]);
  const doomed = () => w.trx.selectFrom(ranked.as("k")).where((eb) => eb.or([eb("k.rank", ">", keepRuns), eb.and([eb("k.rank", ">", 1), eb("k.recorded_at", "<", cutoff)])]));
  const count = num((await doomed().select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  let results = 0;
  let listed: { runId: number; accountId: string }[] = [];
  if (count > 0) {
    listed = (await doomed().select(["k.run_id", "k.account_id"]).orderBy("k.run_id", "asc").orderBy("k.account_id", "asc").limit(PRUNE_LISTED).execute()).map((x) => ({ runId: num(x.run_id), accountId: x.account_id }));
    // The results first: the ranking reads the account rows, which are still all there.
    const r = await w.trx
      .deleteFrom("readiness_results")
      .where((eb) => eb(eb.refTuple("run_id", "account_id"), "in", doomed().select(["k.run_id", "k.account_id"]).$asTuple("run_id", "account_id")))
      .executeTakeFirst();
    results = Number(r.numDeletedRows);
    await w.trx
      .deleteFrom("readiness_run_accounts")
      .where("id", "in", doomed().select("k.id"))
      .execute();
  }
  // Runs none of whose accounts is left (the run just kept stays, even with no account).
  const empty = () => {
    let q = w.trx.selectFrom("readiness_runs").where("id", "not in", w.trx.selectFrom("readiness_run_accounts").select("run_id"));
    if (keepRunId !== undefined) q = q.where("id", "<>", keepRunId);
    return q;
  };
  const runIds = (await empty().select("id").orderBy("id", "asc").execute()).map((x) => num(x.id));
  if (runIds.length) await w.trx.deleteFrom("readiness_runs").where("id", "in", empty().select("id")).execute();
  const pruned = { accountRuns: count, runs: runIds.length, results };
  if (count > 0 || runIds.length > 0)
    w.audit("readiness.pruned", null, {
      ...pruned,
      keepRuns,
      keepDays,
      recordedBefore: cutoff,
      runIds: runIds.slice(0, PRUNE_LISTED),
      accountRunsListed: listed,
      ...(count > listed.length || runIds.length > PRUNE_LISTED ? { listedAtMost: PRUNE_LISTED } : {}),
    });
  return pruned;
}

/** Records a run in the store's write transaction; an audit entry holds the SHA-256 of what was kept. Then prunes what the retention no longer keeps. */
export async function recordReadinessRunTx(w: Write, report: ReadinessReport, retention: ReadinessRetention = DEFAULT_READINESS_RETENTION): Promise<RecordedReadinessRun> {
  check(report);
  checkRetention(retention);
  const L = READINESS_LIMITS;
  const cut: string[] = [];
  // Accounts: those the report names, then any a result names that the summary missed.
  const summaries = new Map(report.accounts.map((a) => [a.accountId, a]));
  for (const c of report.checks) for (const x of [...c.failed, ...c.notRun]) if (!summaries.has(x.accountId)) summaries.set(x.accountId, { accountId: x.accountId, regions: 0, reachable: true });
  let accounts = [...summaries.values()].sort((a, b) => String(a.accountId).localeCompare(String(b.accountId)));
  if (accounts.length > L.accounts) {
    cut.push(`${accounts.length - L.accounts} of ${accounts.length} accounts not kept (at most ${L.accounts} per run)`);
    accounts = accounts.slice(0, L.accounts);
  }
  // Each check's resources by account, read once.
  const byAccount = report.checks.map((c) => {
    const failed = new Map<string, FailedResource[]>();
    const notRun = new Map<string, NotRun[]>();
    for (const f of c.failed) (failed.get(f.accountId) ?? failed.set(f.accountId, []).get(f.accountId)!).push(f);
    for (const n of c.notRun) (notRun.get(n.accountId) ?? notRun.set(n.accountId, []).get(n.accountId)!).push(n);
    return { c, failed, notRun };
  });

  let budget: number = L.runResources;
  let kept = 0;
  let total = 0;
  let perCheckCut = 0;
  let budgetCut = 0;
  const results: { accountId: string; rows: StoredCheckResult[] }[] = accounts.map((a) => ({
    accountId: a.accountId,
    rows: byAccount.map(({ c, failed, notRun }) => {
      const f = failed.get(a.accountId) ?? [];
      const n = notRun.get(a.accountId) ?? [];
      const take = Math.max(0, Math.min(f.length, L.resources, budget));
      if (f.length > L.resources) perCheckCut += f.length - L.resources;
      if (take < Math.min(f.length, L.resources)) budgetCut += Math.min(f.length, L.resources) - take;
      budget -= take;
      kept += take;
      total += f.length;
      const status: CheckStatus = f.length ? "fail" : n.length ? "could-not-run" : "pass";
      return {
        id: clip(c.id, 120),
        title: clip(c.title),
        severity: c.severity,
        category: c.category,
        status,
        failed: f.slice(0, take).map(keptResource),
        failedTotal: f.length,
        notRun: n.slice(0, L.notRun).map(keptNotRun),
        notRunTotal: n.length,
      };
    }),
  }));
  if (perCheckCut) cut.push(`${perCheckCut} failed resources beyond ${L.resources} per check and account counted, not listed`);
  if (budgetCut) cut.push(`${budgetCut} more failed resources counted, not listed (at most ${L.runResources} per run)`);
  const notRunCut = results.reduce((s, a) => s + a.rows.reduce((t, r) => t + (r.notRunTotal - r.notRun.length), 0), 0);
  if (notRunCut) cut.push(`${notRunCut} places not read beyond ${L.notRun} per check and account counted, not listed`);
  const truncated = cut.length ? cut.join("; ") : null;

  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, "could-not-run": 0 };
  for (const c of report.checks) counts[c.status]++;
  const digest = createHash("sha256")
    .update(canonicalJson(JSON.parse(JSON.stringify({ generatedAt: report.generatedAt, score: report.score, results }))))
    .digest("hex");
  const row = await w.trx
    .insertInto("readiness_runs")
    .values({
      generated_at: new Date(report.generatedAt).toISOString(),
      recorded_at: w.at,
      actor: w.actor,
      source: clip(report.source, 120),
      score: Math.max(0, Math.min(100, Math.round(Number(report.score) || 0))),
      pass: counts.pass,
      fail: counts.fail,
      could_not_run: counts["could-not-run"],
      accounts: accounts.length,
      elapsed_ms: Math.max(0, Math.min(2 ** 31 - 1, Math.round(Number(report.elapsedMs) || 0))),
      truncated,
      sha256: digest,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const runId = num(row.id);
  const accountRows = accounts.map((a, i) => {
    const rows = results[i]!.rows;
    const n = { pass: 0, fail: 0, "could-not-run": 0 } as Record<CheckStatus, number>;
    for (const r of rows) n[r.status]++;
    return {
      run_id: runId,
      account_id: clip(a.accountId, 64),
      name: a.name ? clip(a.name, 120) : null,
      reachable: a.reachable ? 1 : 0,
      regions: Math.max(0, Math.round(Number(a.regions) || 0)),
      score: scoreOf(rows),
      pass: n.pass,
      fail: n.fail,
      could_not_run: n["could-not-run"],
    };
  });
  // Chunked: SQLite allows a limited number of bound parameters per statement.
  for (let i = 0; i < accountRows.length; i += 50) await w.trx.insertInto("readiness_run_accounts").values(accountRows.slice(i, i + 50)).execute();
  const resultRows = results.flatMap((a) =>
    a.rows.map((r, ord) => ({
      run_id: runId,
      account_id: clip(a.accountId, 64),
      ord,
      check_id: r.id,
      title: r.title,
      severity: r.severity,
      category: r.category,
      status: r.status,
      failed: JSON.stringify(r.failed),
      failed_total: r.failedTotal,
      not_run: JSON.stringify(r.notRun),
      not_run_total: r.notRunTotal,
    })),
  );
  for (let i = 0; i < resultRows.length; i += 50) await w.trx.insertInto("readiness_results").values(resultRows.slice(i, i + 50)).execute();
  w.audit("readiness.recorded", null, { runId, generatedAt: report.generatedAt, score: report.score, counts, accounts: accounts.length, kept, total, truncated, sha256: digest });
  const pruned = await pruneReadinessRunsTx(w, retention, runId);
  return { runId, recordedAt: w.at, accounts: accounts.length, kept, total, truncated, sha256: digest, pruned };
}

type Db = Kysely<Database>;

function summaryOf(r: { run_id: number | string; generated_at: string; recorded_at: string; source: string; account_id: string; name: string | null; reachable: number | string; regions: number | string; score: number | string; pass: number | string; fail: number | string; could_not_run: number | string }): ReadinessAccountSummary {
  return {
    runId: num(r.run_id),
    generatedAt: r.generated_at,
    recordedAt: r.recorded_at,
    source: r.source,
    accountId: r.account_id,
    ...(r.name ? { name: r.name } : {}),
    reachable: num(r.reachable) === 1,
    regions: num(r.regions),
    score: num(r.score),
    counts: { pass: num(r.pass), fail: num(r.fail), "could-not-run": num(r.could_not_run) },
  };
}

function accountsQuery(db: Db) {
  return db
    .selectFrom("readiness_run_accounts as a")
    .innerJoin("readiness_runs as r", "r.id", "a.run_id")
    .select(["a.run_id", "r.generated_at", "r.recorded_at", "r.source", "a.account_id", "a.name", "a.reachable", "a.regions", "a.score", "a.pass", "a.fail", "a.could_not_run"]);
}

/** The latest recorded run of each account (at most `limit` accounts, by account id). */
export async function readinessLatest(db: Db, opts: { limit?: number } = {}): Promise<ReadinessAccountSummary[]> {
  const limit = Math.max(1, Math.min(opts.limit ?? READINESS_LIMITS.accounts, READINESS_LIMITS.accounts));
  const latest = db.selectFrom("readiness_run_accounts").select(["account_id", (eb) => eb.fn.max("run_id").as("run_id")]).groupBy("account_id");
  const rows = await accountsQuery(db)
    .innerJoin(latest.as("l"), (j) => j.onRef("l.account_id", "=", "a.account_id").onRef("l.run_id", "=", "a.run_id"))
    .orderBy("a.account_id", "asc")
    .limit(limit)
    .execute();
  return rows.map(summaryOf);
}

/** An account's recorded runs, oldest first: the last `limit` (default and at most READINESS_LIMITS.trend). */
export async function readinessTrend(db: Db, accountId: string, opts: { limit?: number } = {}): Promise<ReadinessAccountSummary[]> {
  const limit = Math.max(1, Math.min(opts.limit ?? READINESS_LIMITS.trend, READINESS_LIMITS.trend));
  const rows = await accountsQuery(db).where("a.account_id", "=", accountId).orderBy("a.run_id", "desc").limit(limit).execute();
  return rows.map(summaryOf).reverse();
}

/** One account of a run (default: its latest recorded run) with every check's result; null when none was recorded. */
export async function readinessAccountRun(db: Db, accountId: string, opts: { runId?: number } = {}): Promise<ReadinessAccountRun | null> {
  let q = accountsQuery(db).select(["r.truncated"]).where("a.account_id", "=", accountId);
  if (opts.runId !== undefined) q = q.where("a.run_id", "=", opts.runId);
  const head = await q.orderBy("a.run_id", "desc").limit(1).executeTakeFirst();
  if (!head) return null;
  const rows = await db.selectFrom("readiness_results").selectAll().where("run_id", "=", num(head.run_id)).where("account_id", "=", accountId).orderBy("ord", "asc").execute();
  return {
    ...summaryOf(head),
    truncated: head.truncated,
    results: rows.map((r) => ({
      id: r.check_id,
      title: r.title,
      severity: r.severity as Severity,
      category: r.category as Category,
      status: r.status as CheckStatus,
      failed: JSON.parse(r.failed) as FailedResource[],
      failedTotal: num(r.failed_total),
      notRun: JSON.parse(r.not_run) as NotRun[],
      notRunTotal: num(r.not_run_total),
    })),
  };
}
