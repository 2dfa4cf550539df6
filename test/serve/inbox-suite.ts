/** The inbox's contract, run on SQLite and on PostgreSQL: keeping, dedupe, leases, fencing, retries, cursors. */
import { expect, it } from "vitest";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { ArrivalRefused } from "../../src/case/inbox.ts";

export function inboxSuite(open: () => Promise<{ a: SqlCaseStore; b: SqlCaseStore; close(): Promise<void> }>) {
  const arrival = (ref: string, raw = `notice ${ref}`, source = "dir") => ({ raw: Buffer.from(raw), source, ref, receivedAt: new Date() });

  it("keeps an arrival once: the same source + ref, or the same bytes from another source, is a duplicate of the first", async () => {
    const s = await open();
    try {
      const inbox = s.a.inbox();
      const first = await inbox.keep(arrival("r1"));
      expect(first.duplicate).toBe(false);
      expect(await inbox.keep(arrival("r1", "other bytes, same ref"))).toEqual({ id: first.id, duplicate: true });
      expect(await s.b.inbox().keep(arrival("1:7", "notice r1", "imap"))).toEqual({ id: first.id, duplicate: true });
      const kept = await inbox.list();
      expect(kept.map((k) => k.state).sort()).toEqual(["duplicate", "pending"]);
      const [claimed] = await inbox.claim({ leaseMs: 60_000 });
      expect(claimed!.raw.toString()).toBe("notice r1");
      expect(claimed!.sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await s.close();
    }
  });

  it("refuses what is too big or has no reference, and keeps nothing of it", async () => {
    const s = await open();
    try {
      const inbox = s.a.inbox({ maxBytes: 1024 });
      await expect(inbox.keep(arrival("big", "x".repeat(1025)))).rejects.toBeInstanceOf(ArrivalRefused);
      await expect(inbox.keep(arrival(""))).rejects.toBeInstanceOf(ArrivalRefused);
      await expect(inbox.keep(arrival("r".repeat(1001)))).rejects.toBeInstanceOf(ArrivalRefused);
      expect(await inbox.list()).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("leases each arrival to one claimer at a time, across two connections claiming at once", async () => {
    const s = await open();
    try {
      for (let i = 0; i < 30; i++) await s.a.inbox().keep(arrival(`r${i}`));
      const claimedBy = new Map<number, string>();
      const claimer = async (name: string, store: SqlCaseStore) => {
        for (;;) {
          const got = await store.inbox().claim({ limit: 3, leaseMs: 60_000 });
          if (!got.length) return;
          for (const g of got) {
            expect(claimedBy.has(g.id), `arrival ${g.id} claimed twice`).toBe(false);
            claimedBy.set(g.id, name);
            expect(await store.inbox().finish(g, "done", {})).toBe(true);
          }
        }
      };
      await Promise.all([claimer("a", s.a), claimer("b", s.b), claimer("a2", s.a), claimer("b2", s.b)]);
      expect(claimedBy.size).toBe(30);
    } finally {
      await s.close();
    }
  });

  it("fences a worker whose lease lapsed: it can record nothing more once another took the arrival", async () => {
    const s = await open();
    try {
      await s.a.inbox().keep(arrival("r1"));
      const [first] = await s.a.inbox().claim({ leaseMs: 1 });
      await new Promise((r) => setTimeout(r, 20));
      const [second] = await s.b.inbox().claim({ leaseMs: 60_000 });
      expect(second!.id).toBe(first!.id);
      expect(await s.a.inbox().progress(first!, "parsed", { by: "a" })).toBe(false);
      expect(await s.a.inbox().renew(first!, 60_000)).toBe(false);
      expect(await s.a.inbox().finish(first!, "done", {})).toBe(false);
      expect((await s.a.inbox().fail(first!, "x", { maxAttempts: 3, backoffMs: 0, maxBackoffMs: 0 })).outcome).toBe("lost");
      expect(await s.b.inbox().progress(second!, "parsed", { by: "b" })).toBe(true);
      expect((await s.a.inbox().get(first!.id))!.progress).toEqual({ by: "b" });
    } finally {
      await s.close();
    }
  });

  it("retries a failed arrival after its back-off and gives it up after the last attempt", async () => {
    const s = await open();
    try {
      const inbox = s.a.inbox();
      await inbox.keep(arrival("r1"));
      const retry = { maxAttempts: 2, backoffMs: 3_600_000, maxBackoffMs: 3_600_000 };
      const [a1] = await inbox.claim({ leaseMs: 60_000 });
      expect(await inbox.fail(a1!, "throttled", retry)).toMatchObject({ outcome: "retry", attempts: 1 });
      // not due for an hour
      expect(await inbox.claim({ leaseMs: 60_000 })).toEqual([]);
      expect((await inbox.counts()).due).toBe(0);
      const [a2] = await inbox.claim({ leaseMs: 60_000, exclude: [] });
      expect(a2).toBeUndefined();
      await s.a.db.updateTable("arrivals").set({ next_attempt_at: "2000-01-01T00:00:00.000Z" }).execute();
      const [a3] = await inbox.claim({ leaseMs: 60_000 });
      expect(await inbox.fail(a3!, "throttled again", retry)).toMatchObject({ outcome: "failed", attempts: 2 });
      const stored = await inbox.get(a3!.id);
      expect(stored).toMatchObject({ state: "failed", attempts: 2, lastError: "throttled again" });
      expect(await inbox.claim({ leaseMs: 60_000 })).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("keeps each source's cursor", async () => {
    const s = await open();
    try {
      expect(await s.a.inbox().getCursor("imap")).toBeNull();
      await s.a.inbox().setCursor("imap", "1700000000:42");
      await s.b.inbox().setCursor("imap", "1700000000:43");
      expect(await s.a.inbox().getCursor("imap")).toBe("1700000000:43");
      expect(await s.a.inbox().getCursor("health")).toBeNull();
    } finally {
      await s.close();
    }
  });
}
