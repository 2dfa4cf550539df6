/**
 * Investigations (migration "0011-investigations"): each run of `abuse-desk investigate` on a case,
 * what it was asked (options, the subject it looked at), what it could not read (not searched,
 * said, never passed over), its findings (each traced to evidence labels and the query) and the
 * activity verdicts of the flow logs. History, not state: a new run adds rows, it never rewrites an
 * earlier one. Written in one store transaction with a timeline event and an audit entry that
 * holds the SHA-256 of the findings and verdicts as stored.
 *
 * The artifacts themselves are case evidence (store.addEvidence, SHA-256 computed there); findings
 * name them by label.
 */
import { createHash } from "node:crypto";
import type { CreateTableBuilder, Generated, Kysely } from "kysely";
import { UserError } from "../errors.ts";
import type { ActivityVerdict, Finding, FindingArea, FindingSeverity, NotSearched } from "../investigate/types.ts";
import { canonicalJson } from "./audit.ts";
import type { Database } from "./db/schema.ts";
import { caseForWrite, num } from "./rows.ts";
import type { Write } from "./writes.ts";

/** A reader's outcome in a run: ran (with how many findings), or failed (then it is also in notSearched). */
export interface ReaderOutcome {
  name: string;
  status: "ran" | "failed" | "skipped";
  findings: number;
  artifacts: number;
  error?: string;
}

/** What a run hands the store. */
export interface InvestigationInput {
  startedAt: string;
  finishedAt: string;
  /** The options it ran with (engine, margin, only...): plain JSON. */
  options: Record<string, unknown>;
  /** The subject it looked at (src/investigate/types.ts Subject): plain JSON. */
  subject: Record<string, unknown>;
  readers: ReaderOutcome[];
  findings: Finding[];
  /** One per reader that judged the reported activity (the flow logs). */
  activity: ActivityVerdict[];
  notSearched: NotSearched[];
  /** Evidence ids stored by this run (store.addEvidence). */
  evidenceIds: number[];
}

export interface StoredInvestigation extends InvestigationInput {
  id: number;
  caseId: string;
  actor: string;
  recordedAt: string;
  /** complete: every reader ran and nothing was left unsearched; partial otherwise. */
  status: "complete" | "partial";
}

export interface InvestigationsTable {
  id: Generated<number | string>;
  case_id: string;
  started_at: string;
  finished_at: string;
  recorded_at: string;
  actor: string;
  status: string;
  options: string; // JSON
  subject: string; // JSON
  readers: string; // JSON ReaderOutcome[]
  not_searched: string; // JSON NotSearched[]
  evidence_ids: string; // JSON number[]
}

export interface InvestigationFindingsTable {
  id: Generated<number | string>;
  investigation_id: number | string;
  case_id: string;
  ord: number;
  kind: string;
  area: string;
  severity: string;
  subject: string;
  summary: string;
  figures: string | null; // JSON
  at: string | null;
  sources: string; // JSON FindingSource[]
}

export interface InvestigationActivityTable {
  id: Generated<number | string>;
  investigation_id: number | string;
  case_id: string;
  verdict: string;
  network_interface_ids: string; // JSON string[]
  window_start: string;
  window_end: string;
  /** 1 / 0, null when it could not be told. */
  stopped_after_containment: number | null;
  query: string;
  figures: string; // JSON
}

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was then */
export async function createInvestigationTables(db: Kysely<any>, serialKey: <T extends string>(t: CreateTableBuilder<T, any>, name: string) => CreateTableBuilder<T, any>): Promise<void> {
  await serialKey(db.schema.createTable("investigations"), "id")
    .addColumn("case_id", "text", (c) => c.notNull())
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text", (c) => c.notNull())
    .addColumn("recorded_at", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("options", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("readers", "text", (c) => c.notNull())
    .addColumn("not_searched", "text", (c) => c.notNull())
    .addColumn("evidence_ids", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("investigations_case").on("investigations").columns(["case_id", "id"]).execute();
  await serialKey(db.schema.createTable("investigation_findings"), "id")
    .addColumn("investigation_id", "integer", (c) => c.notNull())
    .addColumn("case_id", "text", (c) => c.notNull())
    .addColumn("ord", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("area", "text", (c) => c.notNull())
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull())
    .addColumn("figures", "text")
    .addColumn("at", "text")
    .addColumn("sources", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("investigation_findings_run").on("investigation_findings").columns(["investigation_id", "ord"]).execute();
  await serialKey(db.schema.createTable("investigation_activity"), "id")
    .addColumn("investigation_id", "integer", (c) => c.notNull())
    .addColumn("case_id", "text", (c) => c.notNull())
    .addColumn("verdict", "text", (c) => c.notNull())
    .addColumn("network_interface_ids", "text", (c) => c.notNull())
    .addColumn("window_start", "text", (c) => c.notNull())
    .addColumn("window_end", "text", (c) => c.notNull())
    .addColumn("stopped_after_containment", "integer")
    .addColumn("query", "text", (c) => c.notNull())
    .addColumn("figures", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("investigation_activity_run").on("investigation_activity").columns(["investigation_id"]).execute();
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const AREAS: readonly FindingArea[] = ["cloudtrail", "flow-logs", "host", "credentials"];
const SEVERITIES: readonly FindingSeverity[] = ["info", "low", "medium", "high", "critical"];
const VERDICTS: readonly ActivityVerdict["verdict"][] = ["confirmed", "not-observed", "no-logs"];

/** What a reader hands over is checked before it is kept: a finding the store would misread is refused, not stored half-true. */
function check(input: InvestigationInput): void {
  const bad = (what: string) => new UserError(`investigation: ${what}`, { exitCode: 65 });
  for (const [i, f] of input.findings.entries()) {
    if (!f || typeof f.kind !== "string" || !f.kind.trim()) throw bad(`finding ${i + 1} has no kind`);
    if (!AREAS.includes(f.area)) throw bad(`finding ${i + 1} (${f.kind}) has an unknown area ${String(f.area)}`);
    if (!SEVERITIES.includes(f.severity)) throw bad(`finding ${i + 1} (${f.kind}) has an unknown severity ${String(f.severity)}`);
    if (typeof f.summary !== "string" || !f.summary.trim()) throw bad(`finding ${i + 1} (${f.kind}) has no summary`);
    if (!Array.isArray(f.sources)) throw bad(`finding ${i + 1} (${f.kind}) has no sources`);
    if (f.at !== undefined && Number.isNaN(Date.parse(f.at))) throw bad(`finding ${i + 1} (${f.kind}): "at" is not a time`);
  }
  for (const a of input.activity) if (!VERDICTS.includes(a.verdict)) throw bad(`an activity verdict of ${String(a.verdict)}`);
  for (const t of [input.startedAt, input.finishedAt]) if (Number.isNaN(Date.parse(t))) throw bad(`"${t}" is not a time`);
}

export function investigationStatus(input: Pick<InvestigationInput, "readers" | "notSearched">): "complete" | "partial" {
  return input.notSearched.length === 0 && input.readers.every((r) => r.status === "ran") ? "complete" : "partial";
}

/** The SHA-256 of what the run states, as the audit entry records it (findings and verdicts, canonical JSON). */
export function investigationDigest(input: Pick<InvestigationInput, "findings" | "activity" | "notSearched">): string {
  return createHash("sha256")
    .update(canonicalJson(JSON.parse(JSON.stringify({ findings: input.findings, activity: input.activity, notSearched: input.notSearched }))))
    .digest("hex");
}

export async function recordInvestigationTx(w: Write, caseId: string, input: InvestigationInput): Promise<StoredInvestigation> {
  check(input);
  const c = await caseForWrite(w.trx, caseId);
  const status = investigationStatus(input);
  const row = await w.trx
    .insertInto("investigations")
    .values({
      case_id: c.id,
      started_at: input.startedAt,
      finished_at: input.finishedAt,
      recorded_at: w.at,
      actor: w.actor,
      status,
      options: JSON.stringify(input.options),
      subject: JSON.stringify(input.subject),
      readers: JSON.stringify(input.readers),
      not_searched: JSON.stringify(input.notSearched),
      evidence_ids: JSON.stringify(input.evidenceIds),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const id = num(row.id);
  const findings = input.findings.map((f, ord) => ({
    investigation_id: id,
    case_id: c.id,
    ord,
    kind: f.kind,
    area: f.area,
    severity: f.severity,
    subject: f.subject,
    summary: f.summary,
    figures: f.figures ? JSON.stringify(f.figures) : null,
    at: f.at ?? null,
    sources: JSON.stringify(f.sources),
  }));
  // Chunked: SQLite allows a limited number of bound parameters per statement.
  for (let i = 0; i < findings.length; i += 50) await w.trx.insertInto("investigation_findings").values(findings.slice(i, i + 50)).execute();
  for (const a of input.activity) {
    await w.trx
      .insertInto("investigation_activity")
      .values({
        investigation_id: id,
        case_id: c.id,
        verdict: a.verdict,
        network_interface_ids: JSON.stringify(a.networkInterfaceIds),
        window_start: a.window.start,
        window_end: a.window.end,
        stopped_after_containment: a.stoppedAfterContainment === null ? null : a.stoppedAfterContainment ? 1 : 0,
        query: a.query,
        figures: JSON.stringify(a.figures),
      })
      .execute();
  }
  await w.trx.updateTable("cases").set({ updated_at: w.at }).where("id", "=", c.id).execute();
  const digest = investigationDigest(input);
  const verdicts = input.activity.map((a) => a.verdict);
  await w.event(c.id, "investigation", investigationSummary(input, status), {
    investigationId: id,
    status,
    findings: input.findings.length,
    verdicts,
    notSearched: input.notSearched.length,
    evidenceIds: input.evidenceIds,
  });
  w.audit("investigation.recorded", c.id, { investigationId: id, status, findings: input.findings.length, verdicts, notSearched: input.notSearched.length, sha256: digest });
  return { ...input, id, caseId: c.id, actor: w.actor, recordedAt: w.at, status };
}

/** `Investigation: 4 findings (1 high); activity confirmed; NOT SEARCHED: host (...)`: the timeline's line. */
export function investigationSummary(input: Pick<InvestigationInput, "findings" | "activity" | "notSearched">, status: "complete" | "partial"): string {
  const high = input.findings.filter((f) => f.severity === "high" || f.severity === "critical").length;
  const parts = [`${input.findings.length} finding${input.findings.length === 1 ? "" : "s"}${high ? ` (${high} high or critical)` : ""}`];
  if (input.activity.length) parts.push(`activity ${[...new Set(input.activity.map((a) => a.verdict))].join(", ")}`);
  if (status === "partial") parts.push(`NOT SEARCHED: ${input.notSearched.map((n) => n.what).join(", ") || "a reader failed"}`);
  return `Investigation: ${parts.join("; ")}`;
}

/** A case's investigations, oldest first, with their findings and verdicts. */
export async function investigationsOf(db: Kysely<Database>, caseId: string): Promise<StoredInvestigation[]> {
  const runs = await db.selectFrom("investigations").selectAll().where("case_id", "=", caseId).orderBy("id", "asc").execute();
  if (!runs.length) return [];
  const ids = runs.map((r) => num(r.id));
  const findings = await db.selectFrom("investigation_findings").selectAll().where("investigation_id", "in", ids).orderBy("investigation_id", "asc").orderBy("ord", "asc").execute();
  const activity = await db.selectFrom("investigation_activity").selectAll().where("investigation_id", "in", ids).orderBy("id", "asc").execute();
  return runs.map((r) => {
    const id = num(r.id);
    return {
      id,
      caseId: r.case_id,
      actor: r.actor,
      recordedAt: r.recorded_at,
      status: r.status === "complete" ? "complete" : "partial",
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      options: JSON.parse(r.options) as Record<string, unknown>,
      subject: JSON.parse(r.subject) as Record<string, unknown>,
      readers: JSON.parse(r.readers) as ReaderOutcome[],
      notSearched: JSON.parse(r.not_searched) as NotSearched[],
      evidenceIds: JSON.parse(r.evidence_ids) as number[],
      findings: findings
        .filter((f) => num(f.investigation_id) === id)
        .map((f) => ({
          kind: f.kind,
          area: f.area as FindingArea,
          severity: f.severity as FindingSeverity,
          subject: f.subject,
          summary: f.summary,
          ...(f.figures ? { figures: JSON.parse(f.figures) as Finding["figures"] } : {}),
          ...(f.at ? { at: f.at } : {}),
          sources: JSON.parse(f.sources) as Finding["sources"],
        })),
      activity: activity
        .filter((a) => num(a.investigation_id) === id)
        .map((a) => ({
          verdict: a.verdict as ActivityVerdict["verdict"],
          networkInterfaceIds: JSON.parse(a.network_interface_ids) as string[],
          window: { start: a.window_start, end: a.window_end },
          stoppedAfterContainment: a.stopped_after_containment === null ? null : num(a.stopped_after_containment) === 1,
          query: a.query,
          figures: JSON.parse(a.figures) as ActivityVerdict["figures"],
        })),
    };
  });
}
