/**
 * The case store contract: one suite, run against every database the store supports
 * (store.sqlite.test.ts, store.pg.test.ts). A test here fails on a store that forgets a rule.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CaseStore } from "../../src/case/index.ts";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { sha256Hex } from "../../src/case/rules.ts";
import { MAX_NOTICE_RAW_BYTES } from "../../src/case/notice-raw.ts";
import { UserError } from "../../src/errors.ts";
import type { Notice } from "../../src/notice/types.ts";
import type { VerdictLevel } from "../../src/verify/types.ts";
import { makeNotice, makePlan, makeVerdict, raw } from "./fixtures.ts";

export interface StoreHarness {
  store: CaseStore;
  /** Runs SQL behind the store's back (tampering, inspection). */
  exec(text: string): Promise<Record<string, unknown>[]>;
  /** Lifts the append-only triggers of a table, as someone with write access to the database could. */
  allowTampering(table: string): Promise<void>;
  close(): Promise<void>;
}

export function harnessFor(store: CaseStore): Omit<StoreHarness, "close"> {
  const db = (store as SqlCaseStore).db;
  return {
    store,
    async exec(text) {
      const r = await sql.raw(text).execute(db);
      return r.rows as Record<string, unknown>[];
    },
    async allowTampering(table) {
      if (store.dialect === "sqlite") {
        await sql.raw(`drop trigger ${table}_no_update`).execute(db);
        await sql.raw(`drop trigger ${table}_no_delete`).execute(db);
      } else {
        await sql.raw(`alter table ${table} disable trigger ${table}_append_only`).execute(db);
      }
    },
  };
}

const T0 = new Date("2026-05-04T09:05:00.000Z");
const at = (h: number) => new Date(T0.getTime() + h * 3600_000);

export function storeSuite(name: string, make: () => Promise<StoreHarness>): void {
  describe(`case store on ${name}`, () => {
    let h: StoreHarness;
    let store: CaseStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.close();
    });

    const intake = (n: Notice, level: VerdictLevel = "authentic", now = T0, bytes?: Buffer) =>
      store.intake({ notice: n, verdict: makeVerdict(level), raw: bytes ?? raw(n), now, actor: "intake" });

    describe("cases from notices", () => {
      it("opens a case with a readable id, facts, a derived severity and the default 24-hour deadline", async () => {
        const n = makeNotice();
        const r = await intake(n);
        expect(r.created).toBe(true);
        expect(r.duplicate).toBe(false);
        expect(r.joinedBy).toBe("new");
        expect(r.case.id).toBe("AD-2026-0001");
        expect(r.case).toMatchObject({
          status: "new",
          severity: "medium",
          severitySource: "derived",
          activityType: "port_scan",
          accountId: "111122223333",
          accountIds: ["111122223333"],
          resources: ["i-0abc1234def567890", "203.0.113.10"],
          regions: ["eu-west-1"],
          verdict: "authentic",
          noticeCount: 1,
          needsLinking: false,
          receivedAt: "2026-05-04T09:00:00.000Z",
        });
        expect(r.case.deadline).toEqual({ at: "2026-05-05T09:00:00.000Z", basis: "default", text: null });
        expect(await store.getCase(r.case.id)).toEqual(r.case);
        const second = await intake(makeNotice({ instanceIds: ["i-0fff"], publicIps: [] }));
        expect(second.case.id).toBe("AD-2026-0002");
        const [stored] = await store.notices(r.case.id);
        expect(stored!.rawSha256).toBe(sha256Hex(raw(n)));
        expect(stored!.notice).toEqual(n);
        expect(stored!.verdictDetail.verdict).toBe("authentic");
        const tl = await store.timeline(r.case.id);
        expect(tl.map((e) => e.type)).toEqual(["notice-received", "verdict"]);
        expect(tl[0]!).toMatchObject({ actor: "intake", at: T0.toISOString() });
      });

      it("takes the notice's own deadline when it states one, and the receipt time when the notice has no date", async () => {
        const stated = await intake(makeNotice({ deadline: { at: "2026-05-09T00:00:00Z", basis: "stated", text: "within five (5) days" } }));
        expect(stated.case.deadline).toEqual({ at: "2026-05-09T00:00:00.000Z", basis: "stated", text: "within five (5) days" });
        const pasted = await intake(makeNotice({ format: "text", messageId: null, receivedAt: null, instanceIds: ["i-0other"], publicIps: [] }), "unverified");
        expect(pasted.case.receivedAt).toBe(T0.toISOString());
        expect(pasted.case.deadline.at).toBe(at(24).toISOString());
      });

      it("derives severity from the activity and verdict, and keeps a person's override", async () => {
        const keys = await intake(makeNotice({ activityType: "credentials_exposed", accessKeyIds: ["AKIAIOSFODNN7EXAMPLE"], instanceIds: [], publicIps: [] }));
        expect(keys.case.severity).toBe("critical");
        const phish = await intake(makeNotice({ activityType: "dos", instanceIds: ["i-0phish"], publicIps: [] }), "phishing");
        expect(phish.case.severity).toBe("low");
        const c = await store.setSeverity(keys.case.id, "high", { actor: "alice", reason: "key already rotated" });
        expect(c).toMatchObject({ severity: "high", severitySource: "manual" });
        const back = await store.setSeverity(keys.case.id, "derived");
        expect(back).toMatchObject({ severity: "critical", severitySource: "derived" });
        await expect(store.setSeverity(keys.case.id, "urgent" as never)).rejects.toThrow(/unknown severity urgent/);
      });
    });

    describe("the same notice twice is one notice", () => {
      it("dedupes on the Message-ID even when the bytes differ (another relay added headers)", async () => {
        const n = makeNotice();
        const a = await intake(n);
        const b = await intake(n, "authentic", at(1), Buffer.concat([Buffer.from("Received: by relay.example\n"), raw(n)]));
        expect(b.duplicate).toBe(true);
        expect(b.created).toBe(false);
        expect(b.case.id).toBe(a.case.id);
        expect(b.notice.id).toBe(a.notice.id);
        expect(await store.notices(a.case.id)).toHaveLength(1);
        expect((await store.getCase(a.case.id))!.noticeCount).toBe(1);
        expect(await store.timeline(a.case.id)).toHaveLength(2);
      });

      it("a forgery carrying a genuine notice's Message-ID cannot shadow it, before or after it", async () => {
        const { actingNotice } = await import("../../src/case/rules.ts");
        const n = makeNotice({ caseNumber: "57575757575" });
        const forgedBytes = Buffer.concat([raw(n), Buffer.from("Please isolate i-0attacker now\n")]);
        const forgery = await intake(makeNotice({ ...n, instanceIds: ["i-0attacker"], publicIps: [] }), "suspicious", T0, forgedBytes);
        const genuine = await intake(n, "authentic", at(1));
        expect(genuine.duplicate).toBe(false);
        expect(genuine.notice.id).not.toBe(forgery.notice.id);
        expect(genuine.notice.dedupeKey).toBe(`mid:${n.messageId!.replace(/^<|>$/g, "")} sha256:${sha256Hex(raw(n))}`);
        const c = (await store.getCase(genuine.case.id))!;
        expect(c.verdict).toBe("authentic");
        expect(c.resources).toEqual(["i-0abc1234def567890", "203.0.113.10"]);
        expect(actingNotice(await store.notices(c.id))!.id).toBe(genuine.notice.id);
        // After the genuine one, a forgery with its Message-ID is stored too (kept apart), and changes nothing.
        const late = await intake(makeNotice({ ...n, instanceIds: ["i-0late"], publicIps: [] }), "phishing", at(2), Buffer.concat([forgedBytes, Buffer.from("again\n")]));
        expect(late).toMatchObject({ duplicate: false, joinedBy: "kept-apart" });
        expect((await store.getCase(c.id))!.resources).toEqual(c.resources);
        // The genuine bytes again are the genuine notice again.
        expect(await intake(n, "authentic", at(3))).toMatchObject({ duplicate: true, notice: { id: genuine.notice.id } });
      });

      it("dedupes on the SHA-256 of the raw bytes when there is no Message-ID", async () => {
        const n = makeNotice({ format: "text", messageId: null });
        const bytes = Buffer.from("pasted notice text, exactly as given\n");
        const a = await intake(n, "unverified", T0, bytes);
        const b = await intake(n, "unverified", at(2), Buffer.from(bytes));
        expect(b.duplicate).toBe(true);
        expect(b.case.id).toBe(a.case.id);
        expect(a.notice.dedupeKey).toBe(`sha256:${sha256Hex(bytes)}`);
        // Different bytes are a different notice: it joins the case about the same instance.
        const c = await intake(n, "unverified", at(3), Buffer.from("pasted again, with a line more\n"));
        expect(c.duplicate).toBe(false);
        expect(c.joinedBy).toBe("resources");
        expect(c.case.id).toBe(a.case.id);
        expect(await store.notices(a.case.id)).toHaveLength(2);
      });

      it("dedupes an AWS Health event on its ARN, account and status, however it was serialised", async () => {
        const arn = "arn:aws:health:global::event/ABUSE/AWS_ABUSE_DOS_REPORT/AWS_ABUSE_DOS_REPORT_a1b2c3d4";
        const event = (over: Partial<Notice> = {}, status = "open") =>
          makeNotice({ format: "health-event", kind: "health_event", messageId: null, subject: null, from: null, instanceIds: [], publicIps: [], health: { eventTypeCode: "AWS_ABUSE_DOS_REPORT", arn, statusCode: status }, ...over });
        // The same event from the Health API and from EventBridge: other bytes, one notice, one case.
        const a = await intake(event(), "authentic", T0, Buffer.from(`{"eventArn":"${arn}","statusCode":"open"}`));
        const b = await intake(event(), "authentic", at(1), Buffer.from(`{ "detail": { "eventArn": "${arn}", "statusCode": "open" } }`));
        expect(a.notice.dedupeKey).toBe(`health:${arn}:111122223333:open`);
        expect(b).toMatchObject({ duplicate: true, created: false, case: { id: a.case.id } });
        expect(await store.listCases({ all: true })).toMatchObject({ items: [{ id: a.case.id, noticeCount: 1 }] });
        // Its update (closed) is news; the same event for another account of an organisation is another notice.
        expect((await intake(event({}, "closed"), "authentic", at(2), Buffer.from("closed"))).duplicate).toBe(false);
        expect((await intake(event({ accountIds: ["444455556666"] }), "authentic", at(3), Buffer.from("other account"))).duplicate).toBe(false);
      });

      it("accepts a precomputed hash and rejects one that is not SHA-256 hex", async () => {
        const n = makeNotice({ messageId: null });
        const r = await store.intake({ notice: n, verdict: makeVerdict(), raw: { sha256: "AB".repeat(32) }, now: T0 });
        expect(r.notice.rawSha256).toBe("ab".repeat(32));
        await expect(store.intake({ notice: n, verdict: makeVerdict(), raw: { sha256: "xyz" } })).rejects.toThrow(UserError);
      });
    });

    describe("the notice as received (0010-notice-raw)", () => {
      it("keeps the received bytes of a new notice, exactly, checked against its SHA-256", async () => {
        const bytes = Buffer.concat([Buffer.from("Subject: x\r\n\r\nbody \u00e9 "), Buffer.from([0xff, 0x00, 0x80])]);
        const n = makeNotice();
        const r = await intake(n, "authentic", T0, bytes);
        const kept = await store.noticeRaw(r.notice.id);
        expect(kept.state).toBe("kept");
        if (kept.state !== "kept") return;
        expect(kept.bytes.equals(bytes)).toBe(true);
        expect(kept.sha256).toBe(r.notice.rawSha256);
        expect(kept.size).toBe(bytes.length);
        // the same notice again is a duplicate: nothing more kept, the first bytes stay
        const again = await intake(n, "authentic", at(1), bytes);
        expect(again.duplicate).toBe(true);
        expect(Number((await (store as SqlCaseStore).db.selectFrom("notice_raw").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n)).toBe(1);
      });

      it("says when a notice was too large to keep, with its size and hash", async () => {
        const big = Buffer.alloc(MAX_NOTICE_RAW_BYTES + 1, 0x61);
        const r = await intake(makeNotice({ messageId: "<big@example>" }), "authentic", T0, big);
        const kept = await store.noticeRaw(r.notice.id);
        expect(kept).toMatchObject({ state: "too-large", size: MAX_NOTICE_RAW_BYTES + 1, sha256: r.notice.rawSha256 });
        if (kept.state === "too-large") expect(kept.reason).toMatch(/larger than the 4194304 bytes/);
      });

      it("says the bytes were not kept for a notice given only by its hash (as before 0010), and refuses bytes that do not match", async () => {
        const r = await store.intake({ notice: makeNotice({ messageId: null }), verdict: makeVerdict(), raw: { sha256: "ab".repeat(32) }, now: T0 });
        expect(await store.noticeRaw(r.notice.id)).toMatchObject({ state: "not-kept" });
        const s = await intake(makeNotice({ messageId: "<other@example>", caseNumber: "99" }), "authentic", T0, Buffer.from("the real bytes"));
        await (store as SqlCaseStore).db.updateTable("notice_raw").set({ content: Buffer.from("other bytes").toString("base64") }).where("notice_id", "=", s.notice.id).execute();
        expect(await store.noticeRaw(s.notice.id)).toMatchObject({ state: "mismatch" });
        await expect(store.noticeRaw(999_999)).rejects.toThrow(/no notice 999999/);
      });
    });

    describe("later notices join the case they belong to", () => {
      it("joins by AWS case number first (a -N suffix is the same case; DMCA ids are whole)", async () => {
        const first = await intake(makeNotice({ caseNumber: "14425262173-1" }));
        const reminder = await intake(
          makeNotice({ kind: "follow_up", caseNumber: "14425262173", activityType: "other", instanceIds: [], publicIps: [], accountIds: ["444455556666"] }),
          "authentic",
          at(30 * 24), // a month later: the case number is not bound by the window
        );
        expect(reminder.joinedBy).toBe("case-number");
        expect(reminder.case.id).toBe(first.case.id);
        expect(reminder.case.noticeCount).toBe(2);
        expect(reminder.case.accountIds).toEqual(["111122223333", "444455556666"]);
        const dmca = await intake(makeNotice({ caseNumber: "AWS-DMCA-3816", activityType: "copyright", instanceIds: ["i-0dmca"], publicIps: [] }));
        const other = await intake(makeNotice({ caseNumber: "AWS-DMCA-3817", activityType: "copyright", instanceIds: ["i-0dmcb"], publicIps: [] }));
        expect(other.case.id).not.toBe(dmca.case.id);
        expect((await store.requireCase("14425262173-1")).id).toBe(first.case.id);
        expect((await store.requireCase("aws-dmca-3816")).id).toBe(dmca.case.id);
      });

      it("joins by account + resource + activity within 14 days, and not outside them", async () => {
        const first = await intake(makeNotice());
        const again = await intake(makeNotice({ receivedAt: at(13 * 24).toISOString() }), "authentic", at(13 * 24));
        expect(again.joinedBy).toBe("resources");
        expect(again.case.id).toBe(first.case.id);
        // The window runs from the case's latest notice.
        const later = await intake(makeNotice({ receivedAt: at(26 * 24).toISOString() }), "authentic", at(26 * 24));
        expect(later.case.id).toBe(first.case.id);
        const tooLate = await intake(makeNotice({ receivedAt: at(41 * 24).toISOString() }), "authentic", at(41 * 24));
        expect(tooLate.created).toBe(true);
        const otherAccount = await intake(makeNotice({ accountIds: ["999988887777"] }));
        expect(otherAccount.created).toBe(true);
        const otherActivity = await intake(makeNotice({ activityType: "dos" }));
        expect(otherActivity.created).toBe(true);
        // A resource id matches whatever case AWS spells it in.
        const upper = await intake(makeNotice({ instanceIds: ["I-0ABC1234DEF567890"], publicIps: [] }));
        expect(upper.case.id).toBe(first.case.id);
      });

      it("a follow-up that names nothing joins the only open case it could belong to", async () => {
        const first = await intake(makeNotice());
        const f = await intake(makeNotice({ kind: "follow_up", activityType: "other", instanceIds: [], publicIps: [], caseNumber: null }), "authentic", at(2));
        expect(f.joinedBy).toBe("only-open-case");
        expect(f.case.id).toBe(first.case.id);
      });

      it("when it is ambiguous (or possibly forged) it opens its own case, flagged for linking", async () => {
        await intake(makeNotice());
        await intake(makeNotice({ instanceIds: ["i-0second"], publicIps: [] }));
        const f = await intake(makeNotice({ kind: "follow_up", activityType: "other", instanceIds: [], publicIps: [] }), "authentic", at(2));
        expect(f.created).toBe(true);
        expect(f.joinedBy).toBe("new-needs-linking");
        expect(f.case.needsLinking).toBe(true);
        const linking = await store.listCases({ needsLinking: true });
        expect(linking.items.map((c) => c.id)).toEqual([f.case.id]);
        const forged = await intake(makeNotice({ kind: "follow_up", activityType: "other", instanceIds: [], publicIps: [], accountIds: ["111122223333"] }), "phishing", at(3));
        expect(forged.joinedBy).toBe("new-needs-linking");
      });

      it("a person links a case flagged for linking into the case it belongs to", async () => {
        const a = await intake(makeNotice({ caseNumber: "88888888888" }));
        await intake(makeNotice({ instanceIds: ["i-0second"], publicIps: [] }));
        const f = await intake(
          makeNotice({ kind: "final_notification", activityType: "other", instanceIds: [], publicIps: [], accountIds: ["555566667777"], deadline: { at: "2026-05-04T20:00:00Z", basis: "stated" } }),
          "authentic",
          at(2),
        );
        expect(f.case.needsLinking).toBe(true);
        const into = await store.linkCase(f.case.id, a.case.id, { actor: "alice" });
        expect(into).toMatchObject({ id: a.case.id, noticeCount: 2, accountIds: ["111122223333", "555566667777"], severity: "high" });
        expect(into.deadline.at).toBe("2026-05-04T20:00:00.000Z");
        expect((await store.notices(a.case.id)).map((n) => n.joinedBy)).toEqual(["new", "manual"]);
        const from = (await store.getCase(f.case.id))!;
        expect(from).toMatchObject({ status: "closed", resolution: `linked into ${a.case.id}`, needsLinking: false, noticeCount: 0 });
        expect((await store.timeline(a.case.id)).filter((e) => e.type === "linked")[0]).toMatchObject({ actor: "alice", summary: `${f.case.id} linked here (1 notice)` });
        // Later notices of that thread now find the case they were linked into.
        const again = await intake(makeNotice({ kind: "follow_up", activityType: "other", instanceIds: [], publicIps: [], accountIds: ["555566667777"] }), "authentic", at(3));
        expect(again.case.id).toBe(a.case.id);
        await expect(store.linkCase(f.case.id, a.case.id)).rejects.toThrow(/has no notices to link/);
        await expect(store.linkCase(a.case.id, a.case.id)).rejects.toThrow(/into itself/);
        expect((await store.auditVerify()).intact).toBe(true);
      });

      it("linking learns the activity, as joining does, when the receiving case had none", async () => {
        const vague = await intake(makeNotice({ activityType: "other", caseNumber: "22222222222" }));
        await intake(makeNotice({ instanceIds: ["i-0second"], publicIps: [] }));
        const f = await intake(makeNotice({ kind: "follow_up", activityType: "dos", instanceIds: [], publicIps: [], accountIds: ["555566667777"] }), "authentic", at(2));
        expect(f.case.needsLinking).toBe(true);
        const into = await store.linkCase(f.case.id, vague.case.id);
        expect(into.activityType).toBe("dos");
        expect(into.severity).toBe("high");
      });

      it("a final notification shortens the deadline and never lengthens it; a plain reminder leaves it", async () => {
        const first = await intake(makeNotice({ caseNumber: "12345678901" }));
        expect(first.case.deadline.at).toBe("2026-05-05T09:00:00.000Z");
        const reminder = await intake(makeNotice({ kind: "follow_up", caseNumber: "12345678901", receivedAt: at(4).toISOString() }), "authentic", at(4));
        expect(reminder.case.deadline.at).toBe("2026-05-05T09:00:00.000Z");
        const laterFinal = await intake(
          makeNotice({ kind: "final_notification", caseNumber: "12345678901", deadline: { at: "2026-05-20T00:00:00Z", basis: "stated" } }),
          "authentic",
          at(5),
        );
        expect(laterFinal.case.deadline.at).toBe("2026-05-05T09:00:00.000Z");
        expect(laterFinal.case.severity).toBe("high"); // a final notification raises it one step
        const final = await intake(
          makeNotice({ kind: "final_notification", caseNumber: "12345678901", deadline: { at: "2026-05-04T21:00:00Z", basis: "stated", text: "within 12 hours" } }),
          "authentic",
          at(6),
        );
        expect(final.case.deadline).toEqual({ at: "2026-05-04T21:00:00.000Z", basis: "stated", text: "within 12 hours" });
        const events = await store.timeline(first.case.id);
        expect(events.filter((e) => e.type === "deadline")).toHaveLength(1);
        expect(events.find((e) => e.type === "severity")!.summary).toMatch(/medium -> high/);
      });

      it("AWS's resolved notice resolves the case; a later notice about it reopens it", async () => {
        const first = await intake(makeNotice({ caseNumber: "55555555555" }));
        await store.setStatus(first.case.id, "contained");
        const resolved = await intake(makeNotice({ kind: "resolved", caseNumber: "55555555555", activityType: "other" }), "authentic", at(10));
        expect(resolved.case).toMatchObject({ status: "resolved", statusBeforeClose: "contained", resolution: "AWS reported the case resolved" });
        expect(resolved.case.closedAt).toBe(at(10).toISOString());
        const again = await intake(makeNotice({ kind: "follow_up", caseNumber: "55555555555", receivedAt: at(48).toISOString() }), "authentic", at(48));
        expect(again.case).toMatchObject({ status: "contained", closedAt: null, resolution: null });
        expect(again.case.deadline.at).toBe(at(72).toISOString());
      });

      it("AWS writing again after our reply wants another one: back to work, with the new notice's deadline", async () => {
        const first = await intake(makeNotice({ caseNumber: "44444444444" }));
        await store.setStatus(first.case.id, "contained", { now: at(1) });
        await store.setStatus(first.case.id, "replied", { now: at(5), reason: "reply sent by smtp" });
        // A reminder written before our reply, processed late, changes nothing.
        const crossed = await intake(makeNotice({ kind: "follow_up", caseNumber: "44444444444", receivedAt: at(4).toISOString() }), "authentic", at(6));
        expect(crossed.case).toMatchObject({ status: "replied", deadline: first.case.deadline });
        // One written after it: "we still see the activity".
        const again = await intake(makeNotice({ kind: "follow_up", caseNumber: "44444444444", receivedAt: at(30).toISOString() }), "authentic", at(30));
        expect(again.case.status).toBe("contained");
        expect(again.case.deadline).toEqual({ at: at(54).toISOString(), basis: "default", text: null });
        const status = (await store.timeline(first.case.id)).filter((e) => e.type === "status").at(-1)!;
        expect(status.summary).toBe("Status replied -> contained: AWS wrote again after our reply (follow-up)");
        // A doubtful one moves nothing, as ever.
        await store.setStatus(first.case.id, "replied", { now: at(31) });
        await intake(makeNotice({ kind: "follow_up", caseNumber: "44444444444", receivedAt: at(40).toISOString() }), "phishing", at(40));
        expect((await store.getCase(first.case.id))!.status).toBe("replied");
      });

      it("a possibly forged notice moves nothing", async () => {
        const first = await intake(makeNotice({ caseNumber: "66666666666" }));
        const forged = await intake(
          makeNotice({ kind: "final_notification", caseNumber: "66666666666", deadline: { at: "2026-05-04T10:00:00Z", basis: "stated" } }),
          "phishing",
          at(1),
        );
        const after = (await store.getCase(first.case.id))!;
        expect(after.deadline).toEqual(first.case.deadline);
        expect(after.verdict).toBe("authentic");
        expect(after.severity).toBe("medium");
        expect(forged.case.id).not.toBe(first.case.id);
        await intake(makeNotice({ kind: "resolved", caseNumber: "66666666666" }), "suspicious", at(2));
        expect((await store.getCase(first.case.id))!.status).toBe("new");
        // And the other way round: a genuine notice makes a case opened by a doubtful one genuine.
        const doubtful = await intake(makeNotice({ caseNumber: "77777777777", instanceIds: ["i-0d"], publicIps: [] }), "unverified");
        const genuine = await intake(makeNotice({ caseNumber: "77777777777", instanceIds: ["i-0d"], publicIps: [] }), "authentic", at(1));
        expect(genuine.case.id).toBe(doubtful.case.id);
        expect(genuine.case.verdict).toBe("authentic");
      });

      for (const level of ["phishing", "suspicious", "unverified"] as const) {
        it(`a ${level} notice never changes what an authentic case acts on: kept apart, needing linking, with the reason`, async () => {
          const { actingNotice } = await import("../../src/case/rules.ts");
          const genuine = await intake(makeNotice({ caseNumber: "13131313131" }));
          const before = (await store.getCase(genuine.case.id))!;
          // The same AWS case number, an instance the genuine notice never named, a "new report".
          const other = makeNotice({ kind: "initial_report", caseNumber: "13131313131-2", instanceIds: ["i-0ffffffffffffffff"], publicIps: ["192.0.2.99"], receivedAt: at(2).toISOString() });
          const r = await intake(other, level, at(2));
          expect(r).toMatchObject({ created: true, duplicate: false, joinedBy: "kept-apart" });
          const c = (await store.getCase(genuine.case.id))!;
          expect(c.resources).toEqual(before.resources);
          expect(c).toMatchObject({ verdict: "authentic", deadline: before.deadline, status: before.status, severity: before.severity, noticeCount: 1 });
          expect(actingNotice(await store.notices(c.id))!.id).toBe(genuine.notice.id);
          // Stored, listed as needing linking, and saying why.
          expect(r.case).toMatchObject({ needsLinking: true, linkInto: genuine.case.id, verdict: level, resources: ["i-0ffffffffffffffff", "192.0.2.99"] });
          expect(r.case.linkReason).toMatch(new RegExp(`a ${level} notice naming authentic case ${genuine.case.id} \\(the same AWS case number\\): kept apart`));
          expect((await store.listCases({ needsLinking: true })).items.map((x) => x.id)).toEqual([r.case.id]);
          expect(await store.notices(r.case.id)).toMatchObject([{ id: r.notice.id, verdict: level, joinedBy: "kept-apart" }]);
          // The authentic case records the attempt, and nothing else; the number still finds it.
          expect((await store.timeline(c.id)).map((e) => e.type)).toEqual(["notice-received", "verdict", "notice-kept-apart"]);
          expect((await store.requireCase("13131313131")).id).toBe(c.id);
          // Its own resources never pull a later genuine notice away from the authentic case.
          const reminder = await intake(makeNotice({ kind: "follow_up", caseNumber: "13131313131" }), "authentic", at(3));
          expect(reminder.case.id).toBe(c.id);
          // Linked by hand, it is recorded in the authentic case and still changes nothing there.
          const linked = await store.linkCase(r.case.id, c.id);
          expect(linked.resources).toEqual(before.resources);
          expect(actingNotice(await store.notices(c.id))!.id).toBe(genuine.notice.id);
          expect((await store.auditVerify({ deep: true })).intact).toBe(true);
        });
      }

      it("a notice kept apart that is re-verified as authentic joins the case (and may act); re-verified down, it no longer acts", async () => {
        const { actingNotice } = await import("../../src/case/rules.ts");
        const genuine = await intake(makeNotice({ caseNumber: "24242424242" }));
        const later = makeNotice({ kind: "initial_report", caseNumber: "24242424242", instanceIds: ["i-0later"], publicIps: [], receivedAt: at(2).toISOString() });
        const first = await intake(later, "unverified", at(2)); // DNS was down
        expect(first.joinedBy).toBe("kept-apart");
        const again = await intake(later, "authentic", at(3)); // the same bytes, verified now
        expect(again).toMatchObject({ duplicate: true, reverified: { from: "unverified", to: "authentic" }, case: { id: genuine.case.id } });
        let c = (await store.getCase(genuine.case.id))!;
        expect(c.resources).toEqual(["i-0abc1234def567890", "203.0.113.10", "i-0later"]);
        expect(actingNotice(await store.notices(c.id))!.id).toBe(first.notice.id);
        expect((await store.getCase(first.case.id))!).toMatchObject({ status: "closed", needsLinking: false });
        // A later check finds it is not genuine after all: it stops acting, its resources go.
        const down = await intake(later, "suspicious", at(4));
        expect(down.reverified).toEqual({ from: "authentic", to: "suspicious" });
        c = (await store.getCase(genuine.case.id))!;
        expect(c.resources).toEqual(["i-0abc1234def567890", "203.0.113.10"]);
        expect(actingNotice(await store.notices(c.id))!.id).toBe(genuine.notice.id);
        const tl = (await store.timeline(c.id)).filter((e) => e.type === "verdict").map((e) => e.summary);
        expect(tl.at(-1)).toMatch(new RegExp(`Verdict of notice #${first.notice.id} re-checked: authentic -> suspicious`));
        // Taken in again with the same verdict, or with a check that proves nothing either way
        // (offline, a rotated DKIM key): nothing changes.
        expect(await intake(later, "suspicious", at(5))).toMatchObject({ duplicate: true, reverified: null });
        expect(await intake(later, "unverified", at(6))).toMatchObject({ duplicate: true, reverified: null, notice: { verdict: "suspicious" } });
        expect(await intake(makeNotice({ ...genuine.notice.notice }), "unverified", at(6), raw(genuine.notice.notice))).toMatchObject({ duplicate: true, reverified: null, notice: { verdict: "authentic" } });
        expect((await store.auditVerify({ deep: true })).intact).toBe(true);
      });

      it("a case's only notice re-verified: the verdict and resources follow, and the case never claims more than its notices", async () => {
        const n = makeNotice({ caseNumber: "35353535353" });
        const a = await intake(n, "unverified");
        expect(a.case.verdict).toBe("unverified");
        const up = await intake(n, "authentic", at(1));
        expect(up).toMatchObject({ duplicate: true, reverified: { from: "unverified", to: "authentic" }, case: { id: a.case.id, verdict: "authentic" } });
        const down = await intake(n, "phishing", at(2));
        expect(down.case).toMatchObject({ verdict: "phishing", severity: "low" });
        expect((await store.timeline(a.case.id)).filter((e) => e.type === "verdict")).toHaveLength(3);
      });
    });

    describe("status", () => {
      it("moves forward (steps may be skipped), closes, reopens to where it was", async () => {
        const { case: c } = await intake(makeNotice());
        expect((await store.setStatus(c.id, "triaged", { actor: "bob" })).status).toBe("triaged");
        expect((await store.setStatus(c.id, "replied")).status).toBe("replied");
        const same = await store.setStatus(c.id, "replied");
        expect(same.updatedAt).toBe((await store.getCase(c.id))!.updatedAt);
        const closed = await store.closeCase(c.id, { actor: "bob", reason: "instance terminated by owner" });
        expect(closed).toMatchObject({ status: "closed", statusBeforeClose: "replied", resolution: "instance terminated by owner" });
        expect(closed.closedAt).not.toBeNull();
        const reopened = await store.reopenCase(c.id, { reason: "AWS wrote again" });
        expect(reopened).toMatchObject({ status: "replied", closedAt: null, resolution: null });
        const statuses = (await store.timeline(c.id)).filter((e) => e.type === "status").map((e) => [e.data.from, e.data.to, e.actor]);
        expect(statuses).toEqual([
          ["new", "triaged", "bob"],
          ["triaged", "replied", expect.any(String)],
          ["replied", "closed", "bob"],
          ["closed", "replied", expect.any(String)],
        ]);
      });

      it("refuses invalid transitions with a clear error", async () => {
        const { case: c } = await intake(makeNotice());
        await store.setStatus(c.id, "contained");
        await expect(store.setStatus(c.id, "triaged")).rejects.toThrow(`case ${c.id} is contained; it cannot become triaged: statuses only move forward`);
        await expect(store.reopenCase(c.id)).rejects.toThrow(/only resolved or closed cases reopen/);
        await store.closeCase(c.id);
        await expect(store.setStatus(c.id, "replied")).rejects.toThrow(`case ${c.id} is closed; it cannot become replied: reopen it first`);
        expect((await store.setStatus(c.id, "resolved")).status).toBe("resolved");
        await expect(store.setStatus(c.id, "pending" as never)).rejects.toThrow(/unknown status pending/);
        const err = await store.setStatus(c.id, "new").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UserError);
      });

      it("names an unknown case clearly, and accepts ids typed loosely", async () => {
        const { case: c } = await intake(makeNotice());
        await expect(store.requireCase("AD-2026-9999")).rejects.toThrow("no case AD-2026-9999");
        await expect(store.assign("AD-2026-9999", "alice")).rejects.toThrow("no case AD-2026-9999");
        await expect(store.addNote("nope", "x")).rejects.toThrow(UserError);
        expect((await store.requireCase("ad-2026-1")).id).toBe(c.id);
        expect(await store.getCase("AD-2026-9999")).toBeNull();
      });
    });

    describe("assignee, notes, deadline by hand", () => {
      it("records each change on the timeline with its actor", async () => {
        const { case: c } = await intake(makeNotice());
        expect((await store.assign(c.id, "alice", { actor: "lead" })).assignee).toBe("alice");
        expect((await store.assign(c.id, "bob", { actor: "lead" })).assignee).toBe("bob");
        expect((await store.assign(c.id, null, { actor: "lead" })).assignee).toBeNull();
        const note = await store.addNote(c.id, "  Owner says the instance runs a scanner for a pentest.  ", { actor: "alice" });
        expect(note).toMatchObject({ type: "note", summary: "Owner says the instance runs a scanner for a pentest.", actor: "alice" });
        await expect(store.addNote(c.id, "   ")).rejects.toThrow(/needs some text/);
        await expect(store.setDeadline(c.id, "2026-05-08T00:00:00Z", { reason: "" })).rejects.toThrow(/needs a reason/);
        const longer = await store.setDeadline(c.id, "2026-05-08T00:00:00Z", { actor: "alice", reason: "AWS granted 3 more days" });
        expect(longer.deadline).toEqual({ at: "2026-05-08T00:00:00.000Z", basis: "manual", text: "AWS granted 3 more days" });
        const tl = await store.timeline(c.id);
        expect(tl.map((e) => [e.type, e.actor])).toEqual([
          ["notice-received", "intake"],
          ["verdict", "intake"],
          ["assignment", "lead"],
          ["assignment", "lead"],
          ["assignment", "lead"],
          ["note", "alice"],
          ["deadline", "alice"],
        ]);
        expect(tl[3]!.summary).toBe("Assigned to bob (was alice)");
      });
    });

    describe("listing", () => {
      async function seed() {
        const ids: string[] = [];
        for (let i = 0; i < 12; i++) {
          const r = await intake(
            makeNotice({
              instanceIds: [`i-0list${i}`],
              publicIps: [],
              accountIds: i % 3 === 0 ? ["111122223333"] : ["222233334444", ...(i === 4 ? ["111122223333"] : [])],
              activityType: i % 2 === 0 ? "port_scan" : "dos",
              deadline: { at: new Date(Date.UTC(2026, 4, 20 - i)).toISOString(), basis: "stated" },
            }),
          );
          ids.push(r.case.id);
        }
        return ids;
      }

      it("sorts by deadline, filters, and pages without gaps or repeats", async () => {
        const ids = await seed();
        const all = await store.listCases();
        expect(all.items.map((c) => c.id)).toEqual([...ids].reverse());
        expect(all.next).toBeNull();
        const seen: string[] = [];
        let after: string | null = null;
        do {
          const page = await store.listCases({}, { limit: 5, after });
          expect(page.items.length).toBeLessThanOrEqual(5);
          seen.push(...page.items.map((c) => c.id));
          after = page.next;
        } while (after);
        expect(seen).toEqual([...ids].reverse());
        // and back: `before` a page's `prev` gives the page before it, the same pages in reverse
        const pages: string[][] = [];
        const forward: { prev: string | null | undefined }[] = [];
        after = null;
        do {
          const page = await store.listCases({}, { limit: 5, after });
          pages.push(page.items.map((c) => c.id));
          forward.push({ prev: page.prev });
          after = page.next;
        } while (after);
        expect(forward[0]!.prev ?? null).toBeNull();
        let prev = forward.at(-1)!.prev ?? null;
        for (let i = pages.length - 2; i >= 0; i--) {
          const back = await store.listCases({}, { limit: 5, before: prev });
          expect(back.items.map((c) => c.id)).toEqual(pages[i]);
          expect(back.next).not.toBeNull();
          prev = back.prev ?? null;
          if (i === 0) expect(prev).toBeNull();
          else expect(prev).not.toBeNull();
        }
        await expect(store.listCases({}, { before: "garbage" })).rejects.toThrow(/not a page cursor/);
        const acct = await store.listCases({ accountId: "111122223333" });
        expect(acct.items.map((c) => c.id).sort()).toEqual([ids[0], ids[3], ids[4], ids[6], ids[9]].sort());
        const dos = await store.listCases({ activityType: "dos" });
        expect(dos.items).toHaveLength(6);
        const before = await store.listCases({ deadlineBefore: "2026-05-12T00:00:00Z" });
        expect(before.items.map((c) => c.deadline.at)).toEqual(["2026-05-09T00:00:00.000Z", "2026-05-10T00:00:00.000Z", "2026-05-11T00:00:00.000Z"]);
        await store.assign(ids[2]!, "alice");
        expect((await store.listCases({ assignee: "alice" })).items.map((c) => c.id)).toEqual([ids[2]]);
        expect((await store.listCases({ assignee: null })).items).toHaveLength(11);
        await store.closeCase(ids[5]!);
        await store.setStatus(ids[7]!, "contained");
        expect((await store.listCases()).items).toHaveLength(11);
        expect((await store.listCases({ all: true })).items).toHaveLength(12);
        expect((await store.listCases({ status: ["closed"] })).items.map((c) => c.id)).toEqual([ids[5]]);
        expect((await store.listCases({ status: ["contained", "closed"] })).items.map((c) => c.id)).toEqual([ids[7], ids[5]]);
        await expect(store.listCases({}, { after: "garbage" })).rejects.toThrow(/not a page cursor/);
      });

      it("counts by status", async () => {
        const ids = await seed();
        await store.closeCase(ids[0]!);
        await store.setStatus(ids[1]!, "contained");
        await store.setStatus(ids[2]!, "contained");
        expect(await store.countByStatus()).toEqual({ new: 9, triaged: 0, contained: 2, "rolled-back": 0, replied: 0, resolved: 0, closed: 1 });
        expect(await store.countByStatus({ activityType: "dos" })).toMatchObject({ new: 5, contained: 1 });
      });
    });

    describe("timeline, evidence", () => {
      it("records events of every kind with time and actor", async () => {
        const { case: c } = await intake(makeNotice());
        await store.recordEvent(c.id, "resources-found", "Found i-0abc1234def567890 in eu-west-1", { resources: ["i-0abc1234def567890"] }, { actor: "resolver", now: at(1) });
        await store.recordEvent(c.id, "reply-drafted", "Reply drafted", { path: "/tmp/reply.eml" }, { actor: "alice" });
        await store.recordEvent(c.id, "reply-sent", "Reply sent to ec2-abuse@amazon.com", { messageId: "<r1@example>" });
        await store.recordEvent(c.id, "aws-answer", "AWS acknowledged");
        await expect(store.recordEvent(c.id, "bogus" as never, "x")).rejects.toThrow(/unknown event type/);
        await expect(store.recordEvent("AD-2026-0404", "note", "x")).rejects.toThrow(/no case/);
        const tl = await store.timeline(c.id);
        expect(tl.map((e) => e.type)).toEqual(["notice-received", "verdict", "resources-found", "reply-drafted", "reply-sent", "aws-answer"]);
        expect(tl[2]).toMatchObject({ actor: "resolver", at: at(1).toISOString(), data: { resources: ["i-0abc1234def567890"] } });
        // The timeline is append-only in the database itself.
        await expect(h.exec(`update timeline set summary = 'x' where case_id = '${c.id}'`)).rejects.toThrow(/append-only/);
        await expect(h.exec(`delete from timeline where case_id = '${c.id}'`)).rejects.toThrow(/append-only/);
      });

      it("keeps evidence with its SHA-256, where it came from and when", async () => {
        const { case: c } = await intake(makeNotice());
        const text = await store.addEvidence(c.id, { label: "console-output i-0abc", content: "login: root\n", source: "ec2:GetConsoleOutput eu-west-1", actor: "investigator", collectedAt: "2026-05-04T10:00:00Z" });
        expect(text).toMatchObject({ sha256: sha256Hex("login: root\n"), size: 12, encoding: "utf8", content: "login: root\n", collectedAt: "2026-05-04T10:00:00.000Z", actor: "investigator" });
        const bin = await store.addEvidence(c.id, { label: "memory excerpt", content: Buffer.from([0, 1, 2, 255]), source: "ssm" });
        expect(bin).toMatchObject({ encoding: "base64", content: "AAEC/w==", sha256: sha256Hex(Buffer.from([0, 1, 2, 255])), size: 4 });
        const dir = mkdtempSync(join(tmpdir(), "evidence-"));
        writeFileSync(join(dir, "flows.csv"), "src,dst\n203.0.113.10,198.51.100.7\n");
        const file = await store.addEvidence(c.id, { label: "flow logs", path: join(dir, "flows.csv"), source: "vpc flow logs" });
        expect(file).toMatchObject({ path: join(dir, "flows.csv"), content: null, sha256: sha256Hex("src,dst\n203.0.113.10,198.51.100.7\n"), size: 34 });
        const remote = await store.addEvidence(c.id, { label: "snapshot", path: "s3://evidence/snap.img", sha256: "a".repeat(64), source: "ec2:CreateSnapshot", planId: "p1", stepId: "s1" });
        expect(remote).toMatchObject({ sha256: "a".repeat(64), planId: "p1", stepId: "s1" });
        await expect(store.addEvidence(c.id, { label: "x", path: join(dir, "missing"), source: "s" })).rejects.toThrow(/cannot read .* to hash it/);
        await expect(store.addEvidence(c.id, { label: "x", content: "abc", sha256: "b".repeat(64), source: "s" })).rejects.toThrow(/does not match its content/);
        await expect(store.addEvidence(c.id, { label: "x", source: "s" })).rejects.toThrow(/content or its path/);
        expect((await store.evidence(c.id)).map((e) => e.label)).toEqual(["console-output i-0abc", "memory excerpt", "flow logs", "snapshot"]);
        expect((await store.timeline(c.id)).filter((e) => e.type === "evidence")).toHaveLength(4);
        rmSync(dir, { recursive: true, force: true });
      });
    });

    describe("plans and the journal", () => {
      it("saves plans, appends entries with increasing seq, and reads them back as written", async () => {
        const { case: c } = await intake(makeNotice());
        const plan = makePlan(c.id);
        await store.savePlan(plan);
        await store.savePlan(plan); // the same plan again: nothing changes
        expect(await store.getPlan(plan.id)).toEqual(plan);
        expect(await store.getPlan("nope")).toBeNull();
        expect(await store.plansForCase(c.id)).toEqual([plan]);
        const s1 = await store.append({ planId: plan.id, stepId: "01-snapshot-vol-0aaa", phase: "started", actor: "executor", before: { volumes: ["vol-0aaa"] } });
        const s2 = await store.append({ planId: plan.id, stepId: "01-snapshot-vol-0aaa", phase: "done", actor: "executor", after: { snapshotIds: ["snap-0123"] } });
        const s3 = await store.append({
          planId: plan.id,
          stepId: "02-isolate-eni-0bbb",
          phase: "failed",
          actor: "executor",
          error: "UnauthorizedOperation",
          detail: { attempt: 2 },
          at: "2026-05-04T11:00:00Z",
        });
        expect(s2.seq).toBeGreaterThan(s1.seq);
        expect(s3.seq).toBeGreaterThan(s2.seq);
        expect(s3.at).toBe("2026-05-04T11:00:00.000Z");
        expect(await store.entries(plan.id)).toEqual([s1, s2, s3]);
        expect(s1).toMatchObject({ before: { volumes: ["vol-0aaa"] }, stepId: "01-snapshot-vol-0aaa" });
        expect(s1).not.toHaveProperty("after");
        const tl = await store.timeline(c.id);
        expect(tl.map((e) => e.type)).toEqual(["notice-received", "verdict", "plan", "step-applied", "step-failed"]);
        expect(tl[3]!.summary).toBe("Step 01-snapshot-vol-0aaa (snapshot-volumes on i-0abc1234def567890) applied");
        expect(tl[4]!.summary).toMatch(/failed: UnauthorizedOperation/);
      });

      it("refuses entries for an unknown plan, and changes to a plan that has entries", async () => {
        await expect(store.append({ planId: "ghost", stepId: null, phase: "started", actor: "x" })).rejects.toThrow(/no plan ghost/);
        const plan = makePlan(null);
        await store.savePlan(plan);
        await store.savePlan({ ...plan, summary: "revised before anything ran" });
        expect((await store.getPlan(plan.id))!.summary).toBe("revised before anything ran");
        await store.append({ planId: plan.id, stepId: null, phase: "override", actor: "lead", detail: { reason: "confirmed by phone" } });
        await expect(store.savePlan({ ...plan, summary: "changed after" })).rejects.toThrow(/already has journal entries/);
        await expect(h.exec(`update journal set phase = 'done'`)).rejects.toThrow(/append-only/);
        await expect(h.exec(`delete from journal`)).rejects.toThrow(/append-only/);
      });
    });

    describe("writes made at the same time", () => {
      it("commit together, each succeeding or failing alone, in order, with the chain intact", async () => {
        const { case: c } = await intake(makeNotice());
        const plan = makePlan(c.id);
        await store.savePlan(plan);
        const writes = Array.from({ length: 40 }, (_, i) =>
          i === 17
            ? store.append({ planId: "no-such-plan", stepId: null, phase: "started", actor: "x" })
            : i % 2
              ? store.addNote(c.id, `note ${i}`)
              : store.append({ planId: plan.id, stepId: plan.steps[0]!.id, phase: "started", actor: "executor", detail: { i } }),
        );
        const results = await Promise.allSettled(writes);
        expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
        expect((results[17] as PromiseRejectedResult).reason).toBeInstanceOf(UserError);
        const entries = await store.entries(plan.id);
        expect(entries.map((e) => e.detail?.i)).toEqual(Array.from({ length: 20 }, (_, k) => k * 2));
        const notes = (await store.timeline(c.id)).filter((e) => e.type === "note").map((e) => e.summary);
        expect(notes).toEqual(Array.from({ length: 20 }, (_, k) => k * 2 + 1).filter((i) => i !== 17).map((i) => `note ${i}`));
        expect((await store.auditVerify()).intact).toBe(true);
      });
    });

    describe("audit chain", () => {
      async function activity() {
        const { case: c } = await intake(makeNotice({ caseNumber: "10000000001" }));
        await store.assign(c.id, "alice");
        await store.addNote(c.id, "looking");
        const plan = makePlan(c.id);
        await store.savePlan(plan);
        await store.append({ planId: plan.id, stepId: "01-snapshot-vol-0aaa", phase: "done", actor: "executor" });
        await store.setStatus(c.id, "contained");
        await store.addEvidence(c.id, { label: "x", content: "y", source: "z" });
        await store.auditAppend([{ action: "reply.sent", caseId: c.id, data: { to: "ec2-abuse@amazon.com" } }]);
        return c;
      }

      it("chains every change and verifies intact", async () => {
        const c = await activity();
        const v = await store.auditVerify({ batch: 3 }); // small batches: the chain is checked across them
        expect(v.intact).toBe(true);
        expect(v.entries).toBeGreaterThanOrEqual(12);
        const entries = await store.auditEntries({ caseId: c.id });
        expect(entries.map((e) => e.action)).toContain("case.created");
        expect(entries.map((e) => e.action)).toContain("journal.append");
        expect(entries.map((e) => e.action)).toContain("timeline.status");
        expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => a - b));
        expect(v.head).toEqual({ seq: entries[entries.length - 1]!.seq, hash: entries[entries.length - 1]!.hash });
        await expect(h.exec(`update audit_log set actor = 'mallory'`)).rejects.toThrow(/append-only/);
      });

      it("shows an entry changed behind its back, and which one", async () => {
        await activity();
        await h.allowTampering("audit_log");
        await h.exec(`update audit_log set data = replace(data, 'alice', 'mallory') where action = 'timeline.assignment'`);
        const seq = Number((await h.exec(`select seq from audit_log where action = 'timeline.assignment'`))[0]!.seq);
        const v = await store.auditVerify();
        expect(v.intact).toBe(false);
        if (v.intact) return;
        expect(v.firstBroken.seq).toBe(seq);
        expect(v.firstBroken.reason).toMatch(/content does not match its hash/);
        expect(v.entries).toBe(seq - 1);
      });

      it("deep: timeline events and journal entries changed, added or deleted behind its back show too", async () => {
        const c = await activity();
        const ok = await store.auditVerify({ deep: true });
        expect(ok).toMatchObject({ intact: true, records: { unaudited: 0 } });
        expect(ok.records!.checked).toBeGreaterThanOrEqual(8);
        await h.allowTampering("timeline");
        await h.allowTampering("journal");
        const note = (await store.timeline(c.id)).find((e) => e.type === "note")!;
        await h.exec(`update timeline set summary = 'nothing to see' where id = ${note.id}`);
        let v = await store.auditVerify({ deep: true });
        expect(v.intact).toBe(false);
        if (!v.intact) {
          expect(v.firstBroken.record).toEqual({ table: "timeline", id: note.id });
          expect(v.firstBroken.reason).toMatch(/differs from what audit entry \d+ recorded/);
        }
        expect((await store.auditVerify()).intact).toBe(true); // the chain itself is whole
        await h.exec(`update timeline set summary = '${note.summary}' where id = ${note.id}`);
        expect((await store.auditVerify({ deep: true })).intact).toBe(true);
        await h.exec(`insert into timeline (case_id, at, actor, type, summary, data) values ('${c.id}', '2026-05-04T09:00:00.000Z', 'mallory', 'note', 'all fine', '{}')`);
        v = await store.auditVerify({ deep: true });
        if (!v.intact) expect(v.firstBroken.reason).toMatch(/has no audit entry: it was added behind the store's back/);
        else throw new Error("an inserted timeline row went unnoticed");
        await h.exec(`delete from timeline where actor = 'mallory'`);
        const [entry] = await store.entries((await store.plansForCase(c.id))[0]!.id);
        await h.exec(`delete from journal where seq = ${entry!.seq}`);
        v = await store.auditVerify({ deep: true });
        if (!v.intact) expect(v.firstBroken).toMatchObject({ record: { table: "journal", id: entry!.seq }, reason: expect.stringMatching(/is gone/) });
        else throw new Error("a deleted journal entry went unnoticed");
      });

      it("shows a deleted entry, a re-hashed one, and a truncated tail (against an anchor)", async () => {
        await activity();
        const v0 = await store.auditVerify();
        if (!v0.intact || !v0.head) throw new Error("expected an intact chain");
        await h.allowTampering("audit_log");
        // A forger who recomputes the hash of the entry they changed (without the key, which is not
        // in the database) does not get the hash the entry must have.
        const row = (await h.exec(`select * from audit_log where seq = 3`))[0]!;
        const { entryHash } = await import("../../src/case/audit.ts");
        const forged = entryHash(String(row.prev_hash), { seq: 3, at: String(row.at), actor: "mallory", action: String(row.action), caseId: row.case_id as string, data: JSON.parse(String(row.data)) });
        await h.exec(`update audit_log set actor = 'mallory', hash = '${forged}' where seq = 3`);
        let v = await store.auditVerify();
        expect(v).toMatchObject({ intact: false, firstBroken: { seq: 3 } });
        if (!v.intact) expect(v.firstBroken.reason).toMatch(/content does not match its hash/);
        await h.exec(`update audit_log set actor = '${String(row.actor)}', hash = '${String(row.hash)}' where seq = 3`);
        expect((await store.auditVerify()).intact).toBe(true);
        await h.exec(`delete from audit_log where seq = 5`);
        v = await store.auditVerify();
        expect(v).toMatchObject({ intact: false, firstBroken: { seq: 5 } });
        if (!v.intact) expect(v.firstBroken.reason).toMatch(/entry 5 is missing/);
        await h.exec(`delete from audit_log where seq >= 5`);
        // A cut tail shows beside the timeline and journal rows that outlive the entries...
        v = await store.auditVerify();
        expect(v.intact).toBe(false);
        if (!v.intact) expect(v.firstBroken.reason).toMatch(/newer than anything the audit log records/);
        v = await store.auditVerify({ deep: true });
        expect(v.intact).toBe(false);
        if (!v.intact) expect(v.firstBroken.reason).toMatch(/has no audit entry/);
        // ...and, rows cut with it, against a head recorded earlier.
        await h.allowTampering("timeline");
        await h.allowTampering("journal");
        await h.exec(`delete from timeline`);
        await h.exec(`delete from journal`);
        v = await store.auditVerify({ anchor: v0.head });
        expect(v).toMatchObject({ intact: false, firstBroken: { seq: v0.head.seq } });
      });

      it("deep: an edited verdict of a notice or a case, or its resources, shows", async () => {
        const { case: c } = await intake(makeNotice({ caseNumber: "80808080808" }));
        const forged = await intake(makeNotice({ kind: "follow_up", caseNumber: "80808080808", instanceIds: ["i-0evil"], publicIps: [] }), "phishing", at(1));
        const ok = await store.auditVerify({ deep: true });
        expect(ok).toMatchObject({ intact: true });
        expect(ok.records!.verdicts).toBe(4); // two notices, two cases
        const expectBroken = async (table: string, id: number | string, why: RegExp) => {
          const v = await store.auditVerify({ deep: true });
          expect(v.intact).toBe(false);
          if (!v.intact) {
            expect(v.firstBroken.record).toEqual({ table, id });
            expect(v.firstBroken.reason).toMatch(why);
          }
          expect((await store.auditVerify()).intact).toBe(true); // the chain itself is whole
        };
        // The forgery promoted to authentic, behind the store's back.
        await h.exec(`update notices set verdict = 'authentic' where id = ${forged.notice.id}`);
        await expectBroken("notices", forged.notice.id, /notice \d+: its verdict \(or case\) differ from what audit entry \d+ recorded/);
        await h.exec(`update notices set verdict = 'phishing' where id = ${forged.notice.id}`);
        await h.exec(`update notices set verdict_json = '{"verdict":"phishing","reasons":[],"auth":null}' where id = ${forged.notice.id}`);
        await expectBroken("notices", forged.notice.id, /differ from what audit entry/);
        await h.exec(`update notices set verdict_json = '${JSON.stringify(makeVerdict("phishing"))}' where id = ${forged.notice.id}`);
        expect((await store.auditVerify({ deep: true })).intact).toBe(true);
        // Moved into the authentic case.
        await h.exec(`update notices set case_id = '${c.id}' where id = ${forged.notice.id}`);
        await expectBroken("notices", forged.notice.id, /differ from what audit entry/);
        await h.exec(`update notices set case_id = '${forged.case.id}' where id = ${forged.notice.id}`);
        // A case's verdict, or the resources it acts on.
        await h.exec(`update cases set verdict = 'authentic' where id = '${forged.case.id}'`);
        await expectBroken("cases", forged.case.id, /case .*: its verdict or resources differ/);
        await h.exec(`update cases set verdict = 'phishing' where id = '${forged.case.id}'`);
        await h.exec(`update cases set resources = '["i-0abc1234def567890","i-0evil"]' where id = '${c.id}'`);
        await expectBroken("cases", c.id, /its verdict or resources differ/);
        await h.exec(`update cases set resources = '["i-0abc1234def567890","203.0.113.10"]' where id = '${c.id}'`);
        expect((await store.auditVerify({ deep: true })).intact).toBe(true);
        // A notice inserted behind the store's back.
        await h.exec(
          `insert into notices (case_id, dedupe_key, message_id, raw_sha256, kind, activity_type, case_number, subject, received_at, stored_at, verdict, joined_by, notice_json, verdict_json) select case_id, 'x', null, raw_sha256, kind, activity_type, case_number, subject, received_at, stored_at, 'authentic', joined_by, notice_json, verdict_json from notices where id = ${forged.notice.id}`,
        );
        const v = await store.auditVerify({ deep: true });
        if (!v.intact) expect(v.firstBroken.reason).toMatch(/has no audit entry: it was added behind the store's back/);
        else throw new Error("an inserted notice went unnoticed");
      });

      it("the chain is keyed: an edit re-hashed all the way to the head is caught, and so is a chain rewritten without its keyed marker", async () => {
        const { canonicalJson, chainEntry, AUDIT_KEYED } = await import("../../src/case/audit.ts");
        const { case: c } = await intake(makeNotice({ caseNumber: "90909090909" }));
        await store.addNote(c.id, "first look");
        await store.assign(c.id, "alice");
        const v0 = await store.auditVerify({ deep: true });
        expect(v0).toMatchObject({ intact: true, keyed: { from: 2, legacy: 1 } }); // the baseline was written before the key
        const rows = await h.exec(`select * from audit_log order by seq`);
        expect(rows[1]).toMatchObject({ action: AUDIT_KEYED });
        await h.allowTampering("audit_log");
        await h.allowTampering("timeline");
        // Mallory edits the note and its audit entry, then hashes every entry after it again, as
        // the hash was computed before the chain was keyed (SHA-256) and with a guessed key.
        const note = (await store.timeline(c.id)).find((e) => e.type === "note")!;
        await h.exec(`update timeline set summary = 'nothing to see' where id = ${note.id}`);
        const from = rows.findIndex((r) => r.action === "timeline.note");
        for (const key of [null, Buffer.from("a guessed key, 32 characters long")]) {
          let prev = String(rows[from - 1]!.hash);
          for (const r of rows.slice(from)) {
            const data = JSON.parse(String(r.data)) as Record<string, unknown>;
            if (r.action === "timeline.note") data.summary = "nothing to see";
            const e = chainEntry(prev, { seq: Number(r.seq), at: String(r.at), actor: String(r.actor), action: String(r.action), caseId: (r.case_id as string | null) ?? null, data }, key);
            await h.exec(`update audit_log set data = '${canonicalJson(e.data).replace(/'/g, "''")}', prev_hash = '${e.prevHash}', hash = '${e.hash}' where seq = ${e.seq}`);
            prev = e.hash;
          }
          for (const deep of [false, true]) {
            const v = await store.auditVerify({ deep });
            expect(v).toMatchObject({ intact: false, firstBroken: { seq: Number(rows[from]!.seq) } });
            if (!v.intact) expect(v.firstBroken.reason).toMatch(/content does not match its hash/);
          }
        }
        // The whole chain rewritten as plain SHA-256, without its keyed marker.
        await h.exec(`delete from audit_log where seq >= 2`);
        let prev = String(rows[0]!.hash);
        let seq = 1;
        for (const r of rows.slice(2)) {
          const data = JSON.parse(String(r.data)) as Record<string, unknown>;
          if (r.action === "timeline.note") data.summary = "nothing to see";
          const e = chainEntry(prev, { seq: ++seq, at: String(r.at), actor: String(r.actor), action: String(r.action), caseId: (r.case_id as string | null) ?? null, data });
          await h.exec(`insert into audit_log (seq, at, actor, action, case_id, data, prev_hash, hash) values (${e.seq}, '${e.at}', '${e.actor}', '${e.action}', ${e.caseId === null ? "null" : `'${e.caseId}'`}, '${canonicalJson(e.data).replace(/'/g, "''")}', '${e.prevHash}', '${e.hash}')`);
          prev = e.hash;
        }
        const v = await store.auditVerify();
        expect(v.intact).toBe(false);
        if (!v.intact) expect(v.firstBroken.reason).toMatch(/no keyed marker/);
      });

      it("an emptied audit log is not an intact one", async () => {
        await activity();
        await h.allowTampering("audit_log");
        await h.exec(`delete from audit_log`);
        for (const deep of [false, true]) {
          const v = await store.auditVerify({ deep });
          expect(v.intact, `deep: ${deep}`).toBe(false);
          if (!v.intact) expect(v.firstBroken.reason).toMatch(/no baseline entry/);
        }
      });

      it("verifies deep while other writes commit, without calling their rows forged", async () => {
        const c = await activity();
        // A writer that keeps committing, one note after another, for as long as the verification runs.
        let verifying = true;
        const writer = (async () => {
          for (let i = 0; verifying; i++) await store.addNote(c.id, `during verify ${i}`);
        })();
        const v = await store.auditVerify({ deep: true, batch: 1 });
        verifying = false;
        await writer;
        expect(v.intact ? "intact" : v.firstBroken.reason).toBe("intact");
        expect((await store.auditVerify({ deep: true })).intact).toBe(true);
      });

      it("shows two entries swapped (reordered), even with their seq numbers swapped back", async () => {
        await activity();
        await h.allowTampering("audit_log");
        const [a, b] = await h.exec(`select * from audit_log where seq in (3, 4) order by seq`);
        const set = (seq: number, r: Record<string, unknown>) =>
          h.exec(
            `update audit_log set at = '${String(r.at)}', actor = '${String(r.actor)}', action = '${String(r.action)}', case_id = ${r.case_id === null ? "null" : `'${String(r.case_id)}'`}, data = '${String(r.data).replace(/'/g, "''")}', prev_hash = '${String(r.prev_hash)}', hash = '${String(r.hash)}' where seq = ${seq}`,
          );
        await set(3, b!);
        await set(4, a!);
        const v = await store.auditVerify();
        expect(v).toMatchObject({ intact: false, firstBroken: { seq: 3 } });
        if (!v.intact) expect(v.firstBroken.reason).toMatch(/previous-hash .* is not the hash of entry 2/);
      });
    });
  });
}
