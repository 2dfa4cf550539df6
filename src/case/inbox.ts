/**
 * The service's inbox: what the sources handed in (table `arrivals`, migration 0007) and their
 * durable positions (`source_cursors`). An arrival is kept (its bytes, their SHA-256, the source
 * and the source's own reference) before the source acknowledges its peer; the pipeline then
 * claims it, records how far it got after each stage, and finishes it. Nothing here parses or
 * decides: src/serve/process.ts does, through the desk.
 *
 * Dedupe: `(source, ref)` is unique (a re-delivery of the same item is the same arrival), and the
 * same bytes from another source are kept as a `duplicate` of the first (one notice, not two).
 *
 * Claiming: an arrival is leased to one worker (a random token, the holder's host and process, a
 * lease end on the database's clock). On PostgreSQL the claim is `FOR UPDATE SKIP LOCKED`, so
 * several services share the work without waiting on each other; on SQLite the write lock
 * serialises it. A lease lapses when its holder stops renewing it, at once when its process on
 * this host is gone (a killed service's work is taken up by the next start). Every progress write
 * is fenced by the token: a worker whose lease was taken over cannot record anything more.
 */
import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { UserError } from "../errors.ts";
import type { Arrival, ArrivalReceipt, SourceCursorStore } from "../intake/types.ts";
import type { Connection } from "./db/connect.ts";
import type { Selectable } from "kysely";
import type { ArrivalsTable, Database } from "./db/schema.ts";
import { dbNow, processState, selfIdentity } from "./locks.ts";
import { sha256Hex } from "./rules.ts";
import { num } from "./rows.ts";
import type { ProcessIdentity } from "./types.ts";

export const ARRIVAL_STATES = ["pending", "done", "rejected", "failed", "duplicate"] as const;
export type ArrivalState = (typeof ARRIVAL_STATES)[number];

export const ARRIVAL_STAGES = ["kept", "parsed", "cased", "planned", "applied", "notified"] as const;
export type ArrivalStage = (typeof ARRIVAL_STAGES)[number];

/** Largest arrival kept by default (a notice with its attachments is far smaller). */
export const DEFAULT_MAX_ARRIVAL_BYTES = 10 * 1024 * 1024;
const MAX_REF = 1000;
const MAX_SOURCE = 100;
const MAX_META = 16_384;

export interface StoredArrival {
  id: number;
  source: string;
  ref: string;
  sha256: string;
  size: number;
  meta: Record<string, string>;
  receivedAt: string;
  keptAt: string;
  state: ArrivalState;
  stage: ArrivalStage;
  duplicateOf: number | null;
  progress: Record<string, unknown>;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string;
  doneAt: string | null;
}

/** An arrival leased to this worker: its bytes and the token every write under the lease carries. */
export interface ClaimedArrival extends StoredArrival {
  raw: Buffer;
  token: string;
  leaseUntil: string;
}

/** The arrival is too big, or its source or reference unusable: refused, never kept. */
export class ArrivalRefused extends UserError {
  constructor(message: string) {
    super(message, { exitCode: 65 });
  }
}

type Conn = Pick<Connection, "db" | "dialect" | "writeTx">;

function rowToArrival(r: Omit<Selectable<ArrivalsTable>, "raw">): StoredArrival {
  return {
    id: num(r.id),
    source: r.source,
    ref: r.ref,
    sha256: r.sha256,
    size: num(r.size),
    meta: JSON.parse(r.meta) as Record<string, string>,
    receivedAt: r.received_at,
    keptAt: r.kept_at,
    state: r.state as ArrivalState,
    stage: r.stage as ArrivalStage,
    duplicateOf: r.duplicate_of === null ? null : num(r.duplicate_of),
    progress: JSON.parse(r.progress) as Record<string, unknown>,
    attempts: num(r.attempts),
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at,
    doneAt: r.done_at,
  };
}

function cleanMeta(meta: Record<string, string> | undefined): string {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta ?? {})) if (typeof v === "string") out[k.slice(0, 100)] = v.slice(0, 2000);
  const text = JSON.stringify(out);
  return text.length > MAX_META ? JSON.stringify({ truncated: "the source's envelope details were too long to keep" }) : text;
}

const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

export class Inbox implements SourceCursorStore {
  constructor(
    private readonly conn: Conn,
    private readonly opts: { maxBytes?: number } = {},
  ) {}

  private get db(): Kysely<Database> {
    return this.conn.db;
  }

  /**
   * Keeps an arrival durably (the promise resolves after the commit). The same source + ref
   * again, or the same bytes from another source, is a duplicate: it resolves with the first
   * one's id and `duplicate: true` (acknowledge it again; it is not new work). Rejects when the
   * store cannot keep it, and with ArrivalRefused (nothing kept) when it is unusable.
   */
  async keep(arrival: Arrival): Promise<ArrivalReceipt> {
    const max = this.opts.maxBytes ?? DEFAULT_MAX_ARRIVAL_BYTES;
    if (!Buffer.isBuffer(arrival.raw)) throw new ArrivalRefused("an arrival's raw bytes must be a Buffer");
    if (arrival.raw.length > max) throw new ArrivalRefused(`arrival of ${arrival.raw.length} bytes is larger than the limit (${max} bytes)`);
    if (!arrival.source || arrival.source.length > MAX_SOURCE) throw new ArrivalRefused("an arrival needs a source name (at most 100 characters)");
    if (!arrival.ref || arrival.ref.length > MAX_REF) throw new ArrivalRefused("an arrival needs the source's reference (at most 1000 characters)");
    const sha256 = sha256Hex(arrival.raw);
    const received = arrival.receivedAt instanceof Date && !Number.isNaN(arrival.receivedAt.getTime()) ? arrival.receivedAt.toISOString() : new Date().toISOString();
    const meta = cleanMeta(arrival.meta);
    const raw = arrival.raw.toString("base64");
    return this.conn.writeTx(async (trx) => {
      const same = await trx.selectFrom("arrivals").select(["id", "duplicate_of"]).where("source", "=", arrival.source).where("ref", "=", arrival.ref).executeTakeFirst();
      if (same) return { id: String(num(same.id as number | string)), duplicate: true };
      const first = await trx.selectFrom("arrivals").select("id").where("sha256", "=", sha256).where("duplicate_of", "is", null).orderBy("id", "asc").limit(1).executeTakeFirst();
      const now = await dbNow(trx, this.conn.dialect);
      const row = await trx
        .insertInto("arrivals")
        .values({
          source: arrival.source,
          ref: arrival.ref,
          sha256,
          raw: first ? "" : raw,
          size: arrival.raw.length,
          meta,
          received_at: received,
          kept_at: now,
          state: first ? "duplicate" : "pending",
          stage: "kept",
          duplicate_of: first ? num(first.id as number | string) : null,
          progress: "{}",
          attempts: 0,
          last_error: null,
          next_attempt_at: now,
          lease_token: null,
          lease_holder: null,
          lease_host: null,
          lease_pid: null,
          lease_instance: null,
          lease_until: null,
          done_at: first ? now : null,
          updated_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return first ? { id: String(num(first.id as number | string)), duplicate: true } : { id: String(num(row.id as number | string)), duplicate: false };
    });
  }

  /**
   * Leases up to `limit` arrivals that are due (pending, their next attempt now or past, and
   * nobody's lease alive), oldest first.
   */
  async claim(opts: { limit?: number; leaseMs: number; holder?: ProcessIdentity; holderName?: string; exclude?: readonly number[] }): Promise<ClaimedArrival[]> {
    const self = opts.holder ?? selfIdentity();
    const limit = Math.max(1, Math.min(opts.limit ?? 1, 100));
    const run = async (trx: Kysely<Database>) => {
      const now = await dbNow(trx, this.conn.dialect);
      let q = trx
        .selectFrom("arrivals")
        .select(["id", "lease_until", "lease_host", "lease_pid", "lease_instance"])
        .where("state", "=", "pending")
        .where("next_attempt_at", "<=", now)
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now), eb("lease_host", "=", self.host)]))
        .orderBy("id", "asc")
        .limit(limit * 4);
      if (opts.exclude?.length) q = q.where("id", "not in", [...opts.exclude]);
      if (this.conn.dialect === "postgres") q = q.forUpdate().skipLocked();
      const rows = await q.execute();
      const free = rows.filter(
        (r) =>
          r.lease_until === null ||
          r.lease_until < now ||
          // a lease of a process on this host that is gone (killed) lapses at once
          (r.lease_pid !== null && num(r.lease_pid) !== self.pid && processState({ host: r.lease_host ?? "", pid: num(r.lease_pid), instance: r.lease_instance }, self) === "gone"),
      );
      const out: ClaimedArrival[] = [];
      for (const r of free.slice(0, limit)) {
        const token = randomUUID();
        const until = later(now, opts.leaseMs);
        await trx
          .updateTable("arrivals")
          .set({ lease_token: token, lease_holder: opts.holderName ?? `${self.user}@${self.host} pid ${self.pid}`, lease_host: self.host, lease_pid: self.pid, lease_instance: self.instance, lease_until: until, updated_at: now })
          .where("id", "=", r.id)
          .execute();
        const full = await trx.selectFrom("arrivals").selectAll().where("id", "=", r.id).executeTakeFirstOrThrow();
        out.push({ ...rowToArrival(full), raw: Buffer.from(full.raw, "base64"), token, leaseUntil: until });
      }
      return out;
    };
    // PostgreSQL: row locks (SKIP LOCKED) are enough, no need for the writers' advisory lock.
    return this.conn.dialect === "postgres" ? this.db.transaction().execute(run) : this.conn.writeTx(run);
  }

  /** Moves the lease on; false when it is no longer this worker's. */
  async renew(a: ClaimedArrival, leaseMs: number): Promise<boolean> {
    const now = await dbNow(this.db, this.conn.dialect);
    const until = later(now, leaseMs);
    const r = await this.db.updateTable("arrivals").set({ lease_until: until, updated_at: now }).where("id", "=", a.id).where("lease_token", "=", a.token).where("state", "=", "pending").executeTakeFirst();
    const ok = num(r.numUpdatedRows) === 1;
    if (ok) a.leaseUntil = until;
    return ok;
  }

  /** Records how far the pipeline got; false (nothing written) when the lease was lost. */
  async progress(a: ClaimedArrival, stage: ArrivalStage, progress: Record<string, unknown>): Promise<boolean> {
    const now = new Date().toISOString();
    const r = await this.db
      .updateTable("arrivals")
      .set({ stage, progress: JSON.stringify(progress), updated_at: now })
      .where("id", "=", a.id)
      .where("lease_token", "=", a.token)
      .where("state", "=", "pending")
      .executeTakeFirst();
    const ok = num(r.numUpdatedRows) === 1;
    if (ok) {
      a.stage = stage;
      a.progress = progress;
    }
    return ok;
  }

  /** Ends an arrival: `done` (the pipeline ran), or `rejected` (not something the pipeline can take: unreadable, not a notice). */
  async finish(a: ClaimedArrival, state: "done" | "rejected", progress: Record<string, unknown>, reason?: string): Promise<boolean> {
    const now = new Date().toISOString();
    const r = await this.db
      .updateTable("arrivals")
      .set({ state, progress: JSON.stringify(progress), last_error: reason ?? null, done_at: now, updated_at: now, lease_token: null, lease_until: null })
      .where("id", "=", a.id)
      .where("lease_token", "=", a.token)
      .where("state", "=", "pending")
      .executeTakeFirst();
    return num(r.numUpdatedRows) === 1;
  }

  /**
   * A stage failed: counted, and tried again after a back-off, or, past `maxAttempts`, given up
   * (`failed`, for a person). Returns what became of it (`lost`: the lease was no longer ours).
   */
  async fail(a: ClaimedArrival, error: string, retry: { maxAttempts: number; backoffMs: number; maxBackoffMs: number }): Promise<{ outcome: "retry" | "failed" | "lost"; attempts: number; nextAttemptAt: string | null }> {
    const now = await dbNow(this.db, this.conn.dialect);
    const attempts = a.attempts + 1;
    const giveUp = attempts >= retry.maxAttempts;
    const wait = Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** (attempts - 1));
    const next = later(now, wait);
    const r = await this.db
      .updateTable("arrivals")
      .set({
        attempts,
        last_error: error.slice(0, 2000),
        next_attempt_at: giveUp ? now : next,
        state: giveUp ? "failed" : "pending",
        done_at: giveUp ? now : null,
        lease_token: null,
        lease_until: null,
        progress: JSON.stringify(a.progress),
        updated_at: now,
      })
      .where("id", "=", a.id)
      .where("lease_token", "=", a.token)
      .where("state", "=", "pending")
      .executeTakeFirst();
    if (num(r.numUpdatedRows) !== 1) return { outcome: "lost", attempts: a.attempts, nextAttemptAt: null };
    a.attempts = attempts;
    return { outcome: giveUp ? "failed" : "retry", attempts, nextAttemptAt: giveUp ? null : next };
  }

  /** Gives a lease back without counting an attempt (the service is stopping). */
  async release(a: ClaimedArrival): Promise<void> {
    await this.db.updateTable("arrivals").set({ lease_token: null, lease_until: null }).where("id", "=", a.id).where("lease_token", "=", a.token).execute();
  }

  async get(id: number | string): Promise<StoredArrival | null> {
    const r = await this.db
      .selectFrom("arrivals")
      .select(["id", "source", "ref", "sha256", "size", "meta", "received_at", "kept_at", "state", "stage", "duplicate_of", "progress", "attempts", "last_error", "next_attempt_at", "lease_token", "lease_holder", "lease_host", "lease_pid", "lease_instance", "lease_until", "done_at", "updated_at"])
      .where("id", "=", Number(id))
      .executeTakeFirst();
    return r ? rowToArrival(r) : null;
  }

  /** The newest arrivals first (the web desk's sources page, `--json` summaries, tests). */
  async list(opts: { state?: ArrivalState; limit?: number } = {}): Promise<StoredArrival[]> {
    let q = this.db
      .selectFrom("arrivals")
      .select(["id", "source", "ref", "sha256", "size", "meta", "received_at", "kept_at", "state", "stage", "duplicate_of", "progress", "attempts", "last_error", "next_attempt_at", "lease_token", "lease_holder", "lease_host", "lease_pid", "lease_instance", "lease_until", "done_at", "updated_at"])
      .orderBy("id", "desc")
      .limit(Math.max(1, Math.min(opts.limit ?? 100, 10_000)));
    if (opts.state) q = q.where("state", "=", opts.state);
    return (await q.execute()).map(rowToArrival);
  }

  /** How many arrivals are in each state, and how many of the pending are due now. */
  async counts(): Promise<Record<ArrivalState, number> & { due: number }> {
    const rows = await this.db
      .selectFrom("arrivals")
      .select((eb) => ["state", eb.fn.countAll().as("n")])
      .groupBy("state")
      .execute();
    const out = Object.fromEntries(ARRIVAL_STATES.map((s) => [s, 0])) as Record<ArrivalState, number> & { due: number };
    for (const r of rows) if ((ARRIVAL_STATES as readonly string[]).includes(r.state)) out[r.state as ArrivalState] = num(r.n as number | string);
    const now = await dbNow(this.db, this.conn.dialect);
    const due = await this.db
      .selectFrom("arrivals")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("state", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .executeTakeFirst();
    out.due = num((due?.n ?? 0) as number | string);
    return out;
  }

  /** When the next pending arrival falls due (null: none waiting). */
  async nextDue(): Promise<string | null> {
    const r = await this.db.selectFrom("arrivals").select((eb) => eb.fn.min("next_attempt_at").as("at")).where("state", "=", "pending").executeTakeFirst();
    return (r?.at as string | null | undefined) ?? null;
  }

  /**
   * The service plans a case once: the first arrival to ask gets `planId` recorded for the case
   * (`mine: true`); any other arrival of the case (another source, another worker or instance)
   * is told whose plan it is. The same arrival asking again (after a restart) gets its own back.
   */
  async claimCasePlan(caseId: string, planId: string, arrivalId: number): Promise<{ planId: string; arrivalId: number; mine: boolean }> {
    const now = new Date().toISOString();
    await this.db.insertInto("case_autoplans").values({ case_id: caseId, plan_id: planId, arrival_id: arrivalId, at: now }).onConflict((oc) => oc.column("case_id").doNothing()).execute();
    const row = await this.db.selectFrom("case_autoplans").selectAll().where("case_id", "=", caseId).executeTakeFirstOrThrow();
    const owner = num(row.arrival_id);
    return { planId: row.plan_id, arrivalId: owner, mine: owner === arrivalId };
  }

  // ---------------------------------------------------------------- SourceCursorStore

  async getCursor(source: string): Promise<string | null> {
    const r = await this.db.selectFrom("source_cursors").select("value").where("source", "=", source).executeTakeFirst();
    return r?.value ?? null;
  }

  async setCursor(source: string, value: string): Promise<void> {
    if (!source || source.length > MAX_SOURCE) throw new ArrivalRefused("a cursor needs its source's name (at most 100 characters)");
    if (typeof value !== "string" || value.length > MAX_META) throw new ArrivalRefused(`cursor of ${source}: a string of at most ${MAX_META} characters`);
    const now = new Date().toISOString();
    await this.db
      .insertInto("source_cursors")
      .values({ source, value, updated_at: now })
      .onConflict((oc) => oc.column("source").doUpdateSet({ value, updated_at: now }))
      .execute();
  }

  /** True when the database answers (readiness). */
  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }
}
