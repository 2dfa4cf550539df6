/**
 * The CloudTrail reader: what happened around the implicated resources and principals over the
 * subject's window. Who launched, changed or accessed them; what the implicated keys, users and
 * roles did; the instance role's credentials used from outside the instance.
 *
 * Two sources give the same records:
 * - LookupEvents (the last 90 days) through the shared search (src/investigate/trail.ts): every
 *   region that matters in parallel, each paced at CloudTrail's 2 requests/second; a region that
 *   cannot be read is "not searched".
 * - The organization trail's log files in S3 (`investigate.orgTrail`), used whenever configured:
 *   only the partitions of the window are listed and downloaded, then read with DuckDB; or, with
 *   `engine: athena`, read in place through the table the generated DDL defines (partition
 *   projection). The same query text runs on both.
 * Past LookupEvents' 90 days without an organization trail, the older part is "not searched".
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CloudReader } from "../../cloud/port.ts";
import { searchTrail } from "../trail.ts";
import { emptyPart, type InvestigateContext, type InvestigationPart, type Reader, type Subject } from "../types.ts";
import { analyzeTrail, type FoundEvent } from "./analyze.ts";
import { cloudTrailDdl } from "../sql/tables.ts";
import { DEFAULT_FILES_LIMITS, downloadTrailFiles, planSql, readRows, type TrailDuckDb, type TrailFilesLimits, type TrailObjectReader, type TrailSqlEngine } from "./files.ts";
import { planTrail, type TrailPlan, type TrailSearch } from "./plan.ts";
import { UnsafeSqlValue } from "./sql.ts";

export { analyzeTrail } from "./analyze.ts";
export { trailQuerySql } from "./sql.ts";

/** LookupEvents keeps 90 days of management events. */
export const LOOKUP_DAYS = 90;

export const EVIDENCE_LABEL = "cloudtrail-events";

/** Events kept in the evidence extract at most (all are analysed). */
const MAX_EXTRACT_EVENTS = 20_000;

export interface TrailReaderDeps {
  search: typeof searchTrail;
  /** DuckDB over files in the work directory (src/investigate/sql/duckdb.ts). */
  openDuckDb: (ctx: InvestigateContext) => Promise<TrailDuckDb>;
  /** Athena, as investigate.athena says (src/investigate/sql/athena.ts). */
  openAthena: (ctx: InvestigateContext) => Promise<TrailSqlEngine>;
  limits: TrailFilesLimits;
}

const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Clamps a search to what LookupEvents still holds; null when nothing of it is left. */
function withinLookup(s: TrailSearch, oldest: string): TrailSearch | null {
  if (s.end < oldest) return null;
  return s.start < oldest ? { ...s, start: oldest } : s;
}

async function fromLookup(ctx: InvestigateContext, deps: TrailReaderDeps, plan: TrailPlan, subject: Subject, part: InvestigationPart) {
  const oldest = new Date(ctx.now().getTime() - LOOKUP_DAYS * 86_400_000 + 60_000).toISOString();
  if (subject.window.start < oldest)
    part.notSearched.push({ what: `CloudTrail before ${oldest.slice(0, 16)}Z (${subject.window.start.slice(0, 16)}Z to then)`, reason: `LookupEvents keeps ${LOOKUP_DAYS} days and no organization trail is configured (investigate.orgTrail)` });
  const foundBy = new Map<string, string>();
  const events: FoundEvent[] = [];
  const queries: string[] = [];
  const port = ctx.port as Pick<CloudReader, "lookupEvents">;
  const runs = plan.searches.map((s) => withinLookup(s, oldest)).filter((s): s is TrailSearch => s !== null && s.scopes.length > 0);
  const answers = await Promise.all(
    runs.map(async (s) => {
      const q = { scopes: s.scopes, start: s.start, end: s.end, ...(s.resourceName !== undefined ? { resourceName: s.resourceName } : {}), ...(s.username !== undefined ? { username: s.username } : {}), ...(s.accessKeyId !== undefined ? { accessKeyId: s.accessKeyId } : {}), ...(s.eventNames ? { eventNames: s.eventNames } : {}) };
      const attr = s.resourceName !== undefined ? `ResourceName=${s.resourceName}` : s.username !== undefined ? `Username=${s.username}` : `AccessKeyId=${s.accessKeyId ?? ""}`;
      const text = `LookupEvents ${attr} ${s.start}..${s.end} in ${s.scopes.length} region${s.scopes.length === 1 ? "" : "s"} (${s.label})`;
      queries.push(text);
      return { s, text, r: await deps.search(port, q, { ...(ctx.progress ? { progress: ctx.progress } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) }) };
    }),
  );
  const seen = new Set<string>();
  for (const { s, text, r } of answers) {
    for (const e of r.events) {
      if (!foundBy.has(e.eventId)) {
        foundBy.set(e.eventId, text);
        events.push(e);
      }
    }
    for (const n of r.notSearched) {
      const key = `${n.scope?.accountId ?? ""}/${n.scope?.region ?? ""}/${n.reason}`;
      // One unreadable region is said once, with what it held back.
      if (seen.has(key)) continue;
      seen.add(key);
      part.notSearched.push({ ...n, what: `${n.what} (CloudTrail: ${s.label}${answers.length > 1 ? " and the other searches there" : ""})` });
    }
  }
  return { events, foundBy, queries, source: "LookupEvents" };
}

async function fromFiles(ctx: InvestigateContext, deps: TrailReaderDeps, plan: TrailPlan, subject: Subject, part: InvestigationPart) {
  const loc = ctx.options.orgTrail!;
  const foundBy = new Map<string, string>();
  const window = subject.window;
  let sql: string;
  try {
    sql = planSql(plan, window);
  } catch (e) {
    if (e instanceof UnsafeSqlValue) part.notSearched.push({ what: `the organization trail's files for ${e.kind} ${JSON.stringify(e.value.slice(0, 80))}`, reason: e.message });
    else throw e;
    // Drop the values that cannot be quoted and ask for the rest.
    const safe = (kind: string, xs: string[]) => xs.filter((x) => { try { planSql({ ...plan, resourceIds: kind === "r" ? [x] : [], accessKeyIds: kind === "k" ? [x] : [], userNames: kind === "u" ? [x] : [], sessionNames: kind === "s" ? [x] : [] }, window); return true; } catch { return false; } });
    const kept = { ...plan, resourceIds: safe("r", plan.resourceIds), accessKeyIds: safe("k", plan.accessKeyIds), userNames: safe("u", plan.userNames), sessionNames: safe("s", plan.sessionNames) };
    try {
      sql = planSql(kept, window);
    } catch (e2) {
      part.notSearched.push({ what: "the organization trail's files", reason: reasonOf(e2) });
      return null;
    }
  }
  // The trail's files are read for the window only: the searches before it (a launch, a key pair's creation) are said.
  for (const s of plan.searches) if (s.start < window.start) part.notSearched.push({ what: `${s.label} (${s.start.slice(0, 16)}Z, before the window) in the organization trail's files`, reason: "only the window's partitions are read from the trail's files" });
  const engineKind = ctx.options.engine === "athena" ? "athena" : "duckdb";
  const queries: string[] = [];
  let engine: TrailSqlEngine | undefined;
  try {
    if (engineKind === "duckdb") {
      const dir = join(ctx.workDir, "cloudtrail");
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const got = await downloadTrailFiles(ctx.port as unknown as TrailObjectReader, loc, plan, window, dir, deps.limits, ctx.signal);
      part.notSearched.push(...got.notSearched);
      ctx.progress?.(`cloudtrail: ${got.files.length} trail files (${got.bytes} bytes) from ${got.partitions} partitions of s3://${loc.bucket}`);
      if (got.files.length === 0) {
        if (got.notSearched.length === 0) part.notSearched.push({ what: `the organization trail's files for ${window.start}..${window.end}`, reason: `s3://${loc.bucket} holds no trail files in the ${got.partitions} partitions of the window` });
        return { events: [], foundBy, queries: [sql], source: "trail files (none found)" };
      }
      const db = await deps.openDuckDb(ctx);
      engine = db;
      await db.registerCloudTrail(got.files);
      queries.push(`-- ${got.files.length} files, ${got.bytes} bytes, from s3://${loc.bucket}`);
    } else {
      const athena = ctx.options.athena;
      if (!athena) {
        part.notSearched.push({ what: "the organization trail's files through Athena", reason: "engine athena needs investigate.athena (database, output location)" });
        return null;
      }
      engine = await deps.openAthena(ctx);
      const ddl = cloudTrailDdl({ bucket: loc.bucket, ...(loc.prefix ? { prefix: loc.prefix.replace(/^\/+|\/+$/g, "") } : {}), ...(loc.organizationId ? { organizationId: loc.organizationId } : {}), accounts: plan.accounts, regions: plan.regions, since: window.start.slice(0, 10).replace(/-/g, "/") });
      for await (const _ of engine.query(ddl));
      queries.push(ddl);
    }
    queries.push(sql);
    const { events, truncated } = await readRows(engine, sql, deps.limits.maxRows, ctx.signal);
    if (truncated) part.notSearched.push({ what: `trail events after the first ${deps.limits.maxRows}`, reason: "the query returned more rows than the reader keeps; narrow the window" });
    for (const e of events) foundBy.set(e.eventId, `the ${engineKind === "athena" ? "Athena" : "DuckDB"} query over the organization trail (in the extract)`);
    return { events, foundBy, queries, source: `trail files (${engineKind})` };
  } catch (e) {
    ctx.signal?.throwIfAborted();
    part.notSearched.push({ what: `the organization trail's files (s3://${loc.bucket}) with ${engineKind}`, reason: reasonOf(e) });
    return null;
  } finally {
    await engine?.close();
  }
}

export function makeReadTrail(deps: TrailReaderDeps): Reader {
  return async (ctx, subject) => {
    const part = emptyPart();
    if (subject.resources.length === 0 && subject.principals.length === 0) return part;
    const plan = await planTrail(ctx.port, subject, ctx.progress ? { progress: ctx.progress } : {});
    part.notSearched.push(...plan.notSearched);
    const got = ctx.options.orgTrail ? await fromFiles(ctx, deps, plan, subject, part) : await fromLookup(ctx, deps, plan, subject, part);
    if (!got) return part;
    const events = got.events;
    part.findings = analyzeTrail({ subject, events, instances: plan.instances, foundBy: got.foundBy, evidence: EVIDENCE_LABEL });
    const kept = [...events].sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : a.eventId < b.eventId ? -1 : 1));
    part.artifacts.push({
      label: EVIDENCE_LABEL,
      source: `cloudtrail: ${got.source}, ${plan.accounts.length} account(s), ${plan.regions.length} region(s), ${subject.window.start}..${subject.window.end}`,
      content: JSON.stringify(
        {
          caseId: subject.caseId,
          window: subject.window,
          source: got.source,
          queries: got.queries,
          events: kept.length,
          kept: Math.min(kept.length, MAX_EXTRACT_EVENTS),
          records: kept.slice(0, MAX_EXTRACT_EVENTS).map((e) => ({ accountId: e.accountId, ...e.detail, eventID: e.eventId })),
        },
        null,
        1,
      ),
      collectedAt: ctx.now().toISOString(),
    });
    if (kept.length > MAX_EXTRACT_EVENTS) part.notSearched.push({ what: `the extract's events after the first ${MAX_EXTRACT_EVENTS}`, reason: "kept out of the evidence for size; all were analysed" });
    return part;
  };
}

/** The CloudTrail reader. */
export const readTrail: Reader = makeReadTrail({
  search: searchTrail,
  openDuckDb: async (ctx) => (await import("./engine.ts")).openDuckDb(ctx),
  openAthena: async (ctx) => (await import("./engine.ts")).openAthena(ctx),
  limits: DEFAULT_FILES_LIMITS,
});

