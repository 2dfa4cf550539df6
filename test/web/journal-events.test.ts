import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyPlan } from "../../src/desk/index.ts";
import { caseFeed, FeedLimiter, FeedWaker, formatCursor, parseCursor, readNews, type FeedItem } from "../../src/web/journal-events.ts";
import { drillCase, type DrillCase } from "./case-fixture.ts";

describe("feed cursor", () => {
  it("reads only what the feed writes", () => {
    expect(parseCursor(formatCursor({ seq: 12, event: 40 }))).toEqual({ seq: 12, event: 40 });
    for (const bad of [null, "", "12", "j1.t", "j-1.t2", "j1.t2; drop", "j9999999999999999.t1", "j1.t2\nid: x", " j1.t2x"]) expect(parseCursor(bad)).toBeNull();
  });
});

describe("FeedWaker and FeedLimiter", () => {
  it("a poke wakes the case's waiters at once; an abort too; nothing is left waiting", async () => {
    const w = new FeedWaker();
    const a = w.wait("AD-1", 60_000);
    const b = w.wait("AD-2", 60_000);
    expect(w.waiting).toBe(2);
    w.poke("AD-1");
    await a;
    expect(w.waiting).toBe(1);
    const ac = new AbortController();
    const c = w.wait("AD-2", 60_000, ac.signal);
    ac.abort();
    await c;
    w.poke("AD-2");
    await b;
    expect(w.waiting).toBe(0);
  });

  it("caps the streams open at once; a release is counted once", () => {
    const l = new FeedLimiter(2);
    const r1 = l.take()!;
    const r2 = l.take()!;
    expect(l.take()).toBeNull();
    r1();
    r1();
    expect(l.count).toBe(1);
    expect(l.take()).not.toBeNull();
    r2();
  });
});

describe("the case feed", () => {
  let d: DrillCase;
  beforeEach(async () => {
    d = await drillCase();
  });
  afterEach(async () => {
    await d.close();
  });

  it("sends the journal of an apply in order once written, then resumes after a cursor without repeating", async () => {
    const start = await readNews(d.store, d.caseId, { seq: 0, event: 0 });
    const cursor = start.cursor;
    expect(start.items.filter((i) => i.kind === "journal")).toEqual([]);
    expect(start.items.filter((i) => i.kind === "timeline").length).toBeGreaterThan(0);

    const ac = new AbortController();
    const got: (FeedItem | null)[] = [];
    // The feed waits between rounds until the test lets it read again (no timers).
    let permits = 0;
    let wake: (() => void) | null = null;
    const gate = () => {
      permits++;
      wake?.();
    };
    const wait = async () => {
      while (permits === 0) await new Promise<void>((r) => (wake = r));
      permits--;
    };
    const feed = caseFeed(d.store, d.caseId, { cursor, signal: ac.signal, wait });
    const next = async () => (await feed.next()).value as FeedItem | null;
    got.push(await next()); // nothing new yet: a keep-alive
    expect(got[0]).toBeNull();

    // Apply; the feed's next round sends every journal entry it wrote, in order.
    const seen: number[] = [];
    await applyPlan(d.store, d.plan, {
      port: d.port,
      approve: "person",
      actor: "alice",
    });
    gate();
    const journal = (await Promise.all((await d.store.plansForCase(d.caseId)).map((p) => d.store.entries(p.id)))).flat();
    let status: string | null = null;
    let lastId = "";
    // One round sends the whole journal, the timeline events and the status change.
    while (status === null) {
      const item = await next();
      expect(item).not.toBeNull();
      lastId = item!.id;
      if (item!.kind === "journal") seen.push(item!.data.seq);
      if (item!.kind === "status") status = item!.data.status;
    }
    expect(status).toBe("contained");
    expect(seen).toEqual(journal.map((e) => e.seq).sort((a, b) => a - b));
    ac.abort();
    gate();
    expect((await feed.next()).done).toBe(true);

    // A reconnect with the last id sent gets nothing it had.
    const last = parseCursor(lastId)!;
    expect(last.seq).toBe(Math.max(...seen));
    const again = await readNews(d.store, d.caseId, last);
    expect(again.items).toEqual([]);
  });

  it("tells a status change once, and stops after maxRounds and maxMs", async () => {
    const ac = new AbortController();
    const items: (FeedItem | null)[] = [];
    let round = 0;
    const feed = caseFeed(d.store, d.caseId, {
      cursor: { seq: 0, event: Number.MAX_SAFE_INTEGER },
      signal: ac.signal,
      maxRounds: 3,
      wait: async () => {
        round++;
        if (round === 1) await d.store.setStatus(d.caseId, "triaged", { actor: "alice" });
      },
    });
    for await (const i of feed) items.push(i);
    expect(items.filter((i) => i?.kind === "status")).toEqual([expect.objectContaining({ data: { status: "triaged", assignee: null } })]);

    let t = 0;
    const timed = caseFeed(d.store, d.caseId, { cursor: { seq: 0, event: 0 }, signal: ac.signal, maxMs: 100, now: () => (t += 60), wait: async () => undefined });
    let n = 0;
    for await (const i of timed) if (i === null) n++;
    expect(n).toBeLessThanOrEqual(2);
  });
});
