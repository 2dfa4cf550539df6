/**
 * Investigations in the case store (src/case/investigations.ts), on every database the store
 * supports: a run is kept with its findings and verdicts exactly, runs add (never rewrite), a
 * malformed finding is refused with nothing stored, and the audit chain records the digest.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InvestigationInput } from "../../src/case/investigations.ts";
import { investigationDigest } from "../../src/case/investigations.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { UserError } from "../../src/errors.ts";
import { makeNotice, makeVerdict, raw } from "./fixtures.ts";
import type { StoreHarness } from "./store-suite.ts";

function run(over: Partial<InvestigationInput> = {}): InvestigationInput {
  return {
    startedAt: "2026-05-04T10:00:00.000Z",
    finishedAt: "2026-05-04T10:02:00.000Z",
    options: { engine: "local", marginMinutes: 30 },
    subject: { caseId: "x", window: { start: "2026-05-04T07:30:00.000Z", end: "2026-05-04T09:00:00.000Z" } },
    readers: [
      { name: "flows", status: "ran", findings: 1, artifacts: 1 },
      { name: "trail", status: "ran", findings: 1, artifacts: 0 },
    ],
    findings: [
      { kind: "flow.scan.confirmed", area: "flow-logs", severity: "high", subject: "eni-1", summary: "412 distinct destinations on 22/tcp in one minute", figures: { maxDistinctPerMinute: 412, synOnly: true }, at: "2026-05-04T08:01:00.000Z", sources: [{ evidence: "flow-logs scan", query: "SELECT 1" }] },
      { kind: "trail.key-pair.imported", area: "cloudtrail", severity: "medium", subject: "i-1", summary: "ImportKeyPair by 'alice' <script>", sources: [{ evidence: "cloudtrail events" }] },
    ],
    activity: [{ verdict: "confirmed", networkInterfaceIds: ["eni-1"], window: { start: "2026-05-04T07:30:00.000Z", end: "2026-05-04T09:00:00.000Z" }, stoppedAfterContainment: false, query: "SELECT 1", figures: { flows: 9000 } }],
    notSearched: [],
    evidenceIds: [1],
    ...over,
  };
}

export function investigationSuite(name: string, make: () => Promise<StoreHarness>): void {
  describe(`investigations on ${name}`, () => {
    let h: StoreHarness;
    let store: CaseStore;
    let caseId: string;
    beforeEach(async () => {
      h = await make();
      store = h.store;
      const n = makeNotice();
      caseId = (await store.intake({ notice: n, verdict: makeVerdict("authentic"), raw: raw(n) })).case.id;
    });
    afterEach(async () => {
      await h.close();
    });

    it("keeps a run with its findings and verdicts as given, in order; a second run adds to the first", async () => {
      const first = await store.recordInvestigation(caseId, run(), { actor: "alice" });
      expect(first.status).toBe("complete");
      const second = await store.recordInvestigation(caseId, run({ findings: [], activity: [{ ...run().activity[0]!, verdict: "not-observed", stoppedAfterContainment: null }], notSearched: [{ what: "the host", reason: "SSM agent offline" }] }));
      expect(second.status).toBe("partial");
      const all = await store.investigations(caseId);
      expect(all.map((i) => i.id)).toEqual([first.id, second.id]);
      expect(all[0]!.findings).toEqual(run().findings);
      expect(all[0]!.activity).toEqual(run().activity);
      expect(all[0]!.actor).toBe("alice");
      expect(all[0]!.readers).toEqual(run().readers);
      expect(all[1]!.activity[0]).toMatchObject({ verdict: "not-observed", stoppedAfterContainment: null });
      expect(all[1]!.notSearched).toEqual([{ what: "the host", reason: "SSM agent offline" }]);
      expect(await store.investigations("AD-1999-9999")).toEqual([]);
    });

    it("records a timeline event and an audit entry holding the digest of what it states; the chain stays intact", async () => {
      const r = run();
      await store.recordInvestigation(caseId, r);
      const ev = (await store.timeline(caseId)).filter((e) => e.type === "investigation");
      expect(ev).toHaveLength(1);
      expect(ev[0]!.summary).toBe("Investigation: 2 findings (1 high or critical); activity confirmed");
      const audit = (await store.auditEntries({ caseId })).find((a) => a.action === "investigation.recorded")!;
      expect(audit.data.sha256).toBe(investigationDigest(r));
      expect((await store.auditVerify()).intact).toBe(true);
    });

    it("refuses a finding it would misread (unknown area or severity, no summary, a time that is not one) and stores nothing of that run", async () => {
      const bad = [
        { ...run().findings[0]!, area: "dns" as never },
        { ...run().findings[0]!, severity: "urgent" as never },
        { ...run().findings[0]!, summary: "  " },
        { ...run().findings[0]!, at: "yesterday" },
      ];
      for (const f of bad) await expect(store.recordInvestigation(caseId, run({ findings: [f] }))).rejects.toThrow(UserError);
      await expect(store.recordInvestigation(caseId, run({ activity: [{ ...run().activity[0]!, verdict: "maybe" as never }] }))).rejects.toThrow(/activity verdict/);
      expect(await store.investigations(caseId)).toEqual([]);
      await expect(store.recordInvestigation("AD-1999-9999", run())).rejects.toThrow(UserError);
    });

    it("keeps many findings (past the statement's parameter limit) in order", async () => {
      const many = Array.from({ length: 300 }, (_, i) => ({ ...run().findings[0]!, kind: `k${i}`, summary: `finding ${i}` }));
      await store.recordInvestigation(caseId, run({ findings: many }));
      const [got] = await store.investigations(caseId);
      expect(got!.findings.map((f) => f.kind)).toEqual(many.map((f) => f.kind));
    });
  });
}
