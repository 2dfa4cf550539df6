/**
 * The web desk's store parts on both dialects: users (scrypt, never the hash out), sessions
 * (hashed token, idle and absolute ends, role read live, ended by a new password or a removal),
 * the sign-in throttle, the queue's search and verdict filters, and what needs a person.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { makeNotice, makePlan, makeVerdict, raw } from "../case/fixtures.ts";
import { freshSchema } from "../case/pg.ts";

const T = { idleMs: 10 * 60_000, absoluteMs: 60 * 60_000 };
const at = (m: number) => new Date(Date.UTC(2026, 4, 4, 10, m));

function suite(label: string, make: () => Promise<{ store: CaseStore; close(): Promise<void> }>) {
  describe(`web store parts (${label})`, () => {
    it("keeps users and sessions as the desk needs them", async () => {
      const { store, close } = await make();
      try {
        const u = await store.users.addUser("ann", "responder", "twelve chars!!");
        expect(u).toMatchObject({ name: "ann", role: "responder", hasPassword: true });
        expect(JSON.stringify(await store.users.listUsers())).not.toContain("scrypt");
        await expect(store.users.addUser("ann", "viewer", null)).rejects.toThrow(/already exists/);
        await expect(store.users.addUser("ann", "viewer", "short")).rejects.toThrow();
        expect((await store.users.checkPassword("ann", "twelve chars!!", { address: "192.0.2.1", now: at(0) })).ok).toBe(true);
        expect((await store.users.checkPassword("ann", "twelve chars!?", { address: "192.0.2.1", now: at(0) })).ok).toBe(false);
        const { token, session } = await store.users.createSession("ann", { via: "password", now: at(0), timeouts: T });
        expect(session.id).not.toBe(token);
        expect(session.id).toMatch(/^[0-9a-f]{64}$/);
        expect((await store.users.session(token, { now: at(9), timeouts: T }))?.role).toBe("responder");
        await store.users.setRole("ann", "approver");
        expect((await store.users.session(token, { now: at(18), timeouts: T }))?.role).toBe("approver");
        expect(await store.users.session(token, { now: at(29), timeouts: T })).toBeNull(); // idle 11 min
        const s2 = await store.users.createSession("ann", { via: "password", now: at(30), timeouts: T });
        await store.users.setPassword("ann", "another twelve");
        expect(await store.users.session(s2.token, { now: at(31), timeouts: T })).toBeNull();
        const s3 = await store.users.createSession("ann", { via: "password", now: at(32), timeouts: T });
        const s4 = await store.users.createSession("ann", { via: "password", now: at(33), timeouts: T, replaces: s3.token });
        expect(await store.users.session(s3.token, { now: at(34), timeouts: T })).toBeNull(); // rotated away
        expect(await store.users.session(s4.token, { now: at(34), timeouts: T })).not.toBeNull();
        await store.users.removeUser("ann");
        expect(await store.users.session(s4.token, { now: at(35), timeouts: T })).toBeNull();
        const audit = (await store.auditEntries({})).map((e) => e.action);
        for (const a of ["web.user.added", "web.signin", "web.signin.failed", "web.user.role", "web.user.password", "web.user.removed"]) expect(audit).toContain(a);
      } finally {
        await close();
      }
    });

    it("throttles per name and per address, and clears the name's count on success", async () => {
      const { store, close } = await make();
      try {
        await store.users.addUser("bo", "viewer", "twelve chars!!");
        const policy = { perUser: 3, perAddress: 100, windowMs: 15 * 60_000, baseLockMs: 30_000, maxLockMs: 15 * 60_000 };
        for (let i = 0; i < 2; i++) expect((await store.users.checkPassword("bo", "wrong", { address: "a", now: at(0), policy })).ok).toBe(false);
        expect((await store.users.checkPassword("bo", "twelve chars!!", { address: "a", now: at(0), policy })).ok).toBe(true);
        for (let i = 0; i < 3; i++) await store.users.checkPassword("bo", "wrong", { address: "b", now: at(1), policy });
        const locked = await store.users.checkPassword("bo", "twelve chars!!", { address: "c", now: at(1), policy });
        expect(locked).toMatchObject({ ok: false, reason: "throttled" });
        expect((await store.users.checkPassword("bo", "twelve chars!!", { address: "c", now: new Date(at(1).getTime() + 31_000), policy })).ok).toBe(true);
      } finally {
        await close();
      }
    });

    it("finds cases by their keys and verdict, and what needs a person", async () => {
      const { store, close } = await make();
      try {
        const n = makeNotice({ instanceIds: ["i-0abcabcabcabcabc1"], caseNumber: "12345678901-1", accountIds: ["111122223333"] });
        const k = (await store.intake({ notice: n, verdict: makeVerdict("authentic"), raw: raw(n) })).case;
        const m = makeNotice({ instanceIds: ["i-0def0def0def0def2"], accountIds: ["444455556666"] });
        const bad = (await store.intake({ notice: m, verdict: makeVerdict("phishing"), raw: raw(m) })).case;
        const ids = async (f: Parameters<CaseStore["listCases"]>[0]) => (await store.listCases(f)).items.map((c) => c.id);
        expect(await ids({ refs: [{ kind: "resource", value: "i-0abcabcabcabcabc1" }] })).toEqual([k.id]);
        expect(await ids({ refs: [{ kind: "aws-case", value: "12345678901" }] })).toEqual([k.id]);
        expect(await ids({ refs: [] })).toEqual([]);
        expect(await ids({ verdict: ["phishing"] })).toEqual([bad.id]);
        const plan = makePlan(k.id);
        await store.savePlan(plan);
        let att = await store.needsAttention();
        expect(att.pendingPlans.map((p) => p.planId)).toEqual([plan.id]);
        expect(att.pendingPlans[0]!.approval).toBeNull();
        // approved on the web desk (its note), not applied: still waiting, now for someone to apply it
        await store.recordEvent(k.id, "note", `Plan ${plan.id} approved by carol on the web desk`, { planId: plan.id, planApproved: plan.id, approvedBy: "carol" }, { actor: "web:carol" });
        await store.recordEvent(k.id, "note", "an unrelated note mentioning planApproved", { other: "planApproved" });
        att = await store.needsAttention();
        expect(att.pendingPlans).toMatchObject([{ planId: plan.id, approval: { by: "carol" } }]);
        await store.append({ planId: plan.id, stepId: plan.steps[0]!.id, phase: "started", actor: "t" });
        await store.append({ planId: plan.id, stepId: plan.steps[0]!.id, phase: "failed", actor: "t", error: "boom" });
        att = await store.needsAttention();
        expect(att.pendingPlans).toEqual([]);
        expect(att.failedSteps).toMatchObject([{ planId: plan.id, stepId: plan.steps[0]!.id, error: "boom" }]);
      } finally {
        await close();
      }
    });
  });
}

suite("SQLite", async () => {
  const home = mkdtempSync(join(tmpdir(), "abuse-desk-web-store-"));
  const store = await openStore({ home, url: undefined });
  return {
    store,
    async close() {
      await store.destroy();
      rmSync(home, { recursive: true, force: true });
    },
  };
});

suite("PostgreSQL", async () => {
  const schema = await freshSchema();
  const store = await openStore({ url: schema.url });
  return {
    store,
    async close() {
      await store.destroy();
      await schema.drop();
    },
  };
});
