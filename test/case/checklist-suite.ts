/**
 * The root checklist of a credential case (src/case/checklist.ts, migration 0013), on every
 * database the store supports: every catalogue item open until marked, who and when kept, a change
 * on the timeline and in the audit chain, the same state twice changes nothing, an item outside
 * the catalogue refused with nothing written.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CaseStore } from "../../src/case/types.ts";
import { ROOT_CHECKLIST_IDS } from "../../src/credentials/checklist.ts";
import { makeNotice, makeVerdict, raw } from "./fixtures.ts";
import type { StoreHarness } from "./store-suite.ts";

export function checklistSuite(name: string, make: () => Promise<StoreHarness>): void {
  describe(`the root checklist on ${name}`, () => {
    let h: StoreHarness;
    let store: CaseStore;
    let caseId: string;
    beforeEach(async () => {
      h = await make();
      store = h.store;
      const n = makeNotice({ kind: "credentials_exposed", activityType: "credentials_exposed", accessKeyIds: ["AKIAEXPOSEDKEY000001"], instanceIds: [], publicIps: [] });
      caseId = (await store.intake({ notice: n, verdict: makeVerdict("authentic"), raw: raw(n) })).case.id;
    });
    afterEach(async () => {
      await h.close();
    });

    it("lists every item open; marks one done with who and when; open again; the chain holds each change", async () => {
      const before = await store.checklist(caseId);
      expect(before.map((i) => [i.id, i.state, i.by, i.at])).toEqual(ROOT_CHECKLIST_IDS.map((id) => [id, "open", null, null]));
      const r = await store.setChecklistItem(caseId, "root-password-mfa", "done", { actor: "ana" });
      expect(r.changed).toBe(true);
      const after = await store.checklist(caseId);
      const item = after.find((i) => i.id === "root-password-mfa")!;
      expect([item.state, item.by]).toEqual(["done", "ana"]);
      expect(Date.parse(item.at!)).not.toBeNaN();
      expect(after.filter((i) => i.state === "done")).toHaveLength(1);
      // The same state again: nothing written.
      const again = await store.setChecklistItem(caseId, "root-password-mfa", "done", { actor: "bob" });
      expect(again.changed).toBe(false);
      expect((await store.checklist(caseId)).find((i) => i.id === "root-password-mfa")!.by).toBe("ana");
      await store.setChecklistItem(caseId, "root-password-mfa", "open", { actor: "bob" });
      expect((await store.checklist(caseId)).find((i) => i.id === "root-password-mfa")).toMatchObject({ state: "open", by: "bob" });
      const events = (await store.timeline(caseId)).filter((e) => e.type === "checklist");
      expect(events.map((e) => [e.actor, e.data.item, e.data.state])).toEqual([
        ["ana", "root-password-mfa", "done"],
        ["bob", "root-password-mfa", "open"],
      ]);
      const audit = (await store.auditEntries({ caseId })).filter((a) => a.action === "checklist.item");
      expect(audit.map((a) => a.data)).toEqual([
        { item: "root-password-mfa", state: "done" },
        { item: "root-password-mfa", state: "open" },
      ]);
      expect((await store.auditVerify({ deep: true })).intact).toBe(true);
    });

    it("refuses an item outside the catalogue (hostile input) and an unknown case, writing nothing", async () => {
      for (const bad of ["delete-everything", "root-password-mfa' OR 1=1 --", "", "ROOT-PASSWORD-MFA", "__proto__", "x".repeat(10_000)])
        await expect(store.setChecklistItem(caseId, bad, "done")).rejects.toMatchObject({ exitCode: 64 });
      await expect(store.setChecklistItem(caseId, "billing-review", "maybe" as never)).rejects.toMatchObject({ exitCode: 64 });
      await expect(store.setChecklistItem("AD-1999-9999", "billing-review", "done")).rejects.toMatchObject({ exitCode: 66 });
      expect((await store.checklist(caseId)).every((i) => i.state === "open")).toBe(true);
      expect((await store.timeline(caseId)).some((e) => e.type === "checklist")).toBe(false);
      const rows = await h.exec("select count(*) as n from case_checklist");
      expect(Number(rows[0]!.n)).toBe(0);
    });
  });
}
