/**
 * Two services on one PostgreSQL store, racing on the same arrivals: both drain the same folder
 * and both work the inbox at once, with two workers each. Every notice is kept once, cased once,
 * planned once, and each arrival is processed by exactly one of them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { freshSchema } from "../case/pg.ts";
import { newHome, signedVariant, testService } from "./service-helpers.ts";

const N = 8;

describe("two serve instances on one PostgreSQL", () => {
  it("share the work without doing anything twice", async () => {
    const schema = await freshSchema();
    const home = newHome();
    const now = new Date();
    for (let i = 1; i <= N; i++) writeFileSync(join(home, "inbox", `n${i}.eml`), await signedVariant(i, now));
    const one = await testService({ home, storeUrl: schema.url, policy: null, intake: { workers: 2 } });
    const two = await testService({ home, storeUrl: schema.url, policy: null, intake: { workers: 2 } });
    try {
      const [a, b] = await Promise.all([one.service.once(), two.service.once()]);
      expect(a.outcomes.done + b.outcomes.done).toBe(N);
      expect(a.outcomes.retry + b.outcomes.retry + a.outcomes.failed + b.outcomes.failed + a.outcomes.lost + b.outcomes.lost).toBe(0);
      const store = one.store as SqlCaseStore;
      expect(store.dialect).toBe("postgres");
      const arrivals = await one.inbox.list();
      expect(arrivals.filter((x) => x.state === "done")).toHaveLength(N);
      expect(arrivals.every((x) => x.state === "done" || x.state === "duplicate")).toBe(true);
      const cases = (await store.listCases({ all: true })).items;
      const notices = (await Promise.all(cases.map((c) => store.notices(c.id)))).flat();
      expect(notices).toHaveLength(N);
      expect(new Set(notices.map((n) => n.notice.messageId)).size).toBe(N);
      expect(notices.every((n) => n.verdict === "authentic")).toBe(true);
      for (const c of cases) {
        const received = (await store.timeline(c.id)).filter((e) => e.type === "notice-received");
        expect(received).toHaveLength((await store.notices(c.id)).length);
        expect(await store.plansForCase(c.id)).toHaveLength(1);
      }
      expect((await store.auditVerify()).intact).toBe(true);
    } finally {
      await one.close();
      await two.close();
      await schema.drop();
    }
  }, 120_000);
});
