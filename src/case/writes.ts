/**
 * How the store writes: every change is a function of a `Write` (its transaction, time and actor,
 * and the timeline events and audit entries it adds), queued and committed in groups, with the
 * audit entries of the whole group chained just before the commit.
 */
import { UserError } from "../errors.ts";
import { AUDIT_KEYED, canonicalJson, chainEntry, GENESIS } from "./audit.ts";
import type { AuditKey } from "./audit-key.ts";
import type { Connection } from "./db/connect.ts";
import type { AuditTable } from "./db/schema.ts";
import { iso } from "./rules.ts";
import { num, type Trx } from "./rows.ts";
import type { ActorOpt, AuditEntry, EventType, TimelineEvent } from "./types.ts";

interface QueuedWrite {
  opts: ActorOpt | undefined;
  fn: (w: Write) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** Most writes committed together in one transaction. */
const MAX_GROUP = 500;


/** Data as it will read back: JSON-clean (undefined dropped, dates as text). */
function clean(data: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(canonicalJson(data)) as Record<string, unknown>;
}

/** Audit entries waiting to be chained: appended, in order, just before the transaction commits. */
class ChainBuffer {
  private readonly pending: Omit<AuditEntry, "seq" | "prevHash" | "hash">[] = [];

  add(e: Omit<AuditEntry, "seq" | "prevHash" | "hash">): void {
    this.pending.push(e);
  }

  /** Appends the pending entries to the chain, HMAC'd under `key`. The caller holds the write lock, so the head cannot move. */
  async flush(trx: Trx, key: AuditKey, checkKey: () => Promise<void>): Promise<void> {
    if (this.pending.length === 0) return;
    await checkKey();
    const head = await trx.selectFrom("audit_log").select(["seq", "hash"]).orderBy("seq", "desc").limit(1).executeTakeFirst();
    let seq = head ? num(head.seq) : 0;
    let prev = head?.hash ?? GENESIS;
    const rows: AuditTable[] = [];
    for (const p of this.pending) {
      const e = chainEntry(prev, { ...p, seq: ++seq }, key.key);
      rows.push({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, case_id: e.caseId, data: canonicalJson(e.data), prev_hash: e.prevHash, hash: e.hash });
      prev = e.hash;
    }
    // Chunked: SQLite allows a limited number of bound parameters per statement.
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto("audit_log").values(rows.slice(i, i + 500)).execute();
    this.pending.length = 0;
  }
}

/** One write: the transaction, its time and actor, the timeline events and audit entries it adds. */
export class Write {
  readonly at: string;
  constructor(
    readonly trx: Trx,
    readonly actor: string,
    now: Date,
    private readonly chain: ChainBuffer,
  ) {
    this.at = iso(now);
  }

  audit(action: string, caseId: string | null, data: Record<string, unknown>): void {
    this.chain.add({ at: this.at, actor: this.actor, action, caseId, data: clean(data) });
  }

  async event(caseId: string, type: EventType, summary: string, data: Record<string, unknown> = {}): Promise<TimelineEvent> {
    const d = clean(data);
    const row = await this.trx
      .insertInto("timeline")
      .values({ case_id: caseId, at: this.at, actor: this.actor, type, summary, data: JSON.stringify(d) })
      .returning("id")
      .executeTakeFirstOrThrow();
    const ev: TimelineEvent = { id: num(row.id), caseId, at: this.at, actor: this.actor, type, summary, data: d };
    this.audit(`timeline.${type}`, caseId, { eventId: ev.id, summary, data: d });
    return ev;
  }
}

/**
 * The queue every change goes through. Writes that arrive while a transaction is committing wait
 * and then commit together (group commit): one transaction, one fsync and one audit append for
 * many writes under load; each promise resolves only once its write is durable. If any write of a
 * group fails, the group is rolled back and its writes run again one transaction each, so every
 * write still succeeds or fails on its own.
 */
export class WriteQueue {
  private readonly queue: QueuedWrite[] = [];
  private draining = false;
  private keyChecked = false;

  constructor(private readonly conn: Connection) {}

  /**
   * Before the first append: the chain must be keyed with this process's key. Entries under
   * another key would make the chain unverifiable for everyone else (a team sharing one
   * PostgreSQL store needs the same key on every machine).
   */
  private async checkKey(trx: Trx): Promise<void> {
    if (this.keyChecked) return;
    const marker = await trx.selectFrom("audit_log").select("data").where("action", "=", AUDIT_KEYED).orderBy("seq", "asc").limit(1).executeTakeFirst();
    const { id, source } = this.conn.auditKey;
    if (!marker) throw new UserError(`the audit chain of ${this.conn.location} has no keyed marker (${AUDIT_KEYED}): it was cut or rewritten; nothing is written until it is looked into`, { exitCode: 65, hint: "run abuse-desk audit verify" });
    const keyId = (JSON.parse(marker.data) as { keyId?: unknown }).keyId;
    if (keyId !== id) {
      throw new UserError(`the audit chain of ${this.conn.location} is keyed with audit key ${String(keyId)}, and this process has another (${id}, from ${source})`, {
        exitCode: 78,
        hint: "set ABUSE_DESK_AUDIT_KEY (or copy the audit.key file) to the key the store was written with; docs/case.md, 'The audit chain'",
      });
    }
    this.keyChecked = true;
  }

  /** Queues `fn`; resolves with its result once the group it committed in is durable. */
  write<T>(opts: ActorOpt | undefined, fn: (w: Write) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ opts, fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // Let the callers the last commit woke up queue their next writes first, so they join
        // this group rather than trickle in one per transaction.
        await new Promise<void>((r) => setImmediate(r));
        const batch = this.queue.splice(0, MAX_GROUP);
        try {
          const values = await this.commitGroup(batch);
          batch.forEach((op, i) => op.resolve(values[i]));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          for (const op of batch) {
            try {
              op.resolve((await this.commitGroup([op]))[0]);
            } catch (err) {
              op.reject(err);
            }
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private commitGroup(batch: QueuedWrite[]): Promise<unknown[]> {
    return this.conn.writeTx(async (trx) => {
      const chain = new ChainBuffer();
      const values: unknown[] = [];
      for (const op of batch) values.push(await op.fn(new Write(trx, op.opts?.actor ?? this.conn.actor, op.opts?.now ?? new Date(), chain)));
      await chain.flush(trx, this.conn.auditKey, () => this.checkKey(trx));
      return values;
    });
  }
}
