/**
 * The case page's live feed: the journal of the case's plans, its timeline and its status as they
 * change, for server-sent events (GET /cases/:id/events).
 *
 * The store is the only authority and several desks may share one PostgreSQL, so the feed reads
 * the store (never an in-memory bus a second instance would not see): each round reads what is
 * newer than the cursor and yields it; between rounds it waits for a poke from this process (an
 * apply here calls `FeedWaker.poke`) or the poll interval, whichever comes first.
 *
 * Bounded: a cursor from the client (`Last-Event-ID`) is checked before use, a stream lives at
 * most `maxMs` (the browser reconnects with its cursor), each round sends at most `batch` items
 * per kind (the rest follows in the next round), and the number of open streams is capped by
 * `FeedLimiter`.
 */
import type { CaseStatus, CaseStore, TimelineEvent } from "../case/types.ts";
import { journalLine, type JournalLine } from "./case-view.ts";

export interface Cursor {
  /** Last journal seq sent. */
  seq: number;
  /** Last timeline event id sent. */
  event: number;
}

export type FeedItem =
  | { kind: "journal"; id: string; data: JournalLine }
  | { kind: "timeline"; id: string; data: { id: number; at: string; actor: string; type: string; summary: string } }
  | { kind: "status"; id: string; data: { status: CaseStatus; assignee: string | null } };

/** `j12.t40`: the SSE id of the feed's position. */
export function formatCursor(c: Cursor): string {
  return `j${c.seq}.t${c.event}`;
}

/** Reads a client's cursor; null when it is absent or not one this feed wrote (then the page's own cursor is used). */
export function parseCursor(text: string | null | undefined): Cursor | null {
  if (!text) return null;
  const m = /^j(\d{1,15})\.t(\d{1,15})$/.exec(text.trim());
  if (!m) return null;
  const seq = Number(m[1]);
  const event = Number(m[2]);
  return Number.isSafeInteger(seq) && Number.isSafeInteger(event) ? { seq, event } : null;
}

const timelineItem = (e: TimelineEvent) => ({ id: e.id, at: e.at, actor: e.actor, type: e.type, summary: e.summary });

/** One round: what is newer than `cursor`, oldest first, at most `batch` of each kind. */
export async function readNews(store: CaseStore, caseId: string, cursor: Cursor, batch = 200): Promise<{ items: FeedItem[]; cursor: Cursor; status: CaseStatus | null; assignee: string | null }> {
  const c = await store.getCase(caseId);
  if (!c) return { items: [], cursor, status: null, assignee: null };
  const plans = await store.plansForCase(caseId);
  const entries = (await Promise.all(plans.map((p) => store.entries(p.id)))).flat().filter((e) => e.seq > cursor.seq);
  entries.sort((a, b) => a.seq - b.seq);
  const events = (await store.timeline(caseId)).filter((e) => e.id > cursor.event).sort((a, b) => a.id - b.id);
  const next = { ...cursor };
  const items: FeedItem[] = [];
  for (const e of entries.slice(0, batch)) {
    next.seq = e.seq;
    items.push({ kind: "journal", id: "", data: journalLine(e) });
  }
  for (const e of events.slice(0, batch)) {
    next.event = e.id;
    items.push({ kind: "timeline", id: "", data: timelineItem(e) });
  }
  // Every item carries the position after it was read, so a reconnect resumes exactly there.
  const id = formatCursor(next);
  for (const i of items) i.id = id;
  return { items, cursor: next, status: c.status, assignee: c.assignee };
}

/** Wakes the feeds of a case in this process when something was written to it (an apply's progress). */
export class FeedWaker {
  private waiters = new Map<string, Set<() => void>>();

  poke(caseId: string): void {
    const set = this.waiters.get(caseId);
    if (!set) return;
    this.waiters.delete(caseId);
    for (const w of set) w();
  }

  /** Resolves at the next poke of the case, after `ms`, or when `signal` aborts. */
  wait(caseId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(caseId) ?? new Set<() => void>();
      this.waiters.set(caseId, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(caseId) === set) this.waiters.delete(caseId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      set.add(done);
      if (signal?.aborted) done();
      else signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Cases some feed waits on (for tests and metrics). */
  get waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }
}

/** Caps the streams open at once in this process. */
export class FeedLimiter {
  private open = 0;
  constructor(readonly max: number) {}
  /** A release function, or null when the cap is reached. */
  take(): (() => void) | null {
    if (this.open >= this.max) return null;
    this.open++;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.open--;
      }
    };
  }
  get count(): number {
    return this.open;
  }
}

export interface FeedOptions {
  cursor: Cursor;
  /** Waits between rounds (default: the waker or `pollMs`). Tests pass their own. */
  wait: (signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
  /** Stop after this long (the client reconnects with its cursor). */
  maxMs?: number;
  /** Rounds at most (tests). */
  maxRounds?: number;
  now?: () => number;
}

/**
 * The feed as an async sequence: news as it comes, a `status` item when the case's status or
 * assignee changes, and `null` after a round with nothing new (a keep-alive for the stream).
 */
export async function* caseFeed(store: CaseStore, caseId: string, opts: FeedOptions): AsyncGenerator<FeedItem | null> {
  const now = opts.now ?? Date.now;
  const start = now();
  let cursor = opts.cursor;
  let last: { status: CaseStatus; assignee: string | null } | null = null;
  for (let round = 0; !opts.signal.aborted; round++) {
    if (opts.maxRounds !== undefined && round >= opts.maxRounds) return;
    if (opts.maxMs !== undefined && now() - start >= opts.maxMs) return;
    const news = await readNews(store, caseId, cursor);
    if (news.status === null) return; // the case is gone (it cannot be, but a feed never spins on nothing)
    cursor = news.cursor;
    for (const item of news.items) yield item;
    if (last && (last.status !== news.status || last.assignee !== news.assignee)) {
      yield { kind: "status", id: formatCursor(cursor), data: { status: news.status, assignee: news.assignee } };
    }
    last = { status: news.status, assignee: news.assignee };
    if (news.items.length === 0) yield null;
    if (opts.signal.aborted) return;
    await opts.wait(opts.signal);
  }
}
