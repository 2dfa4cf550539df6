/**
 * The reply for a case in a real store (SQLite in a temp directory): what `replyForCase` reads
 * from the case, and which of its notices the reply answers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { replyForCase } from "../../src/reply/case.ts";
import { checkSendable } from "../../src/reply/send.ts";
import type { Verdict, VerdictLevel } from "../../src/verify/types.ts";
import { CASE_NUMBER, SUBJECT, makeNotice } from "./fixtures.ts";

const verdict = (level: VerdictLevel): Verdict => ({ verdict: level, reasons: [], auth: null });

describe("replyForCase", () => {
  let home: string;
  let store: CaseStore;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), "abuse-desk-reply-case-"));
    store = await openStore({ home, url: join(home, "cases.db") });
  });
  afterEach(async () => {
    await store.destroy();
    rmSync(home, { recursive: true, force: true });
  });

  it("answers the case's genuine notice, never a forgery that quoted its case number", async () => {
    const genuine = makeNotice({ messageId: "<genuine@email.amazonses.com>", receivedAt: "2026-05-01T09:00:00.000Z" });
    const { case: c } = await store.intake({ notice: genuine, verdict: verdict("authentic"), raw: Buffer.from("genuine"), now: new Date("2026-05-01T09:00:05Z") });
    // A later look-alike of a reminder, quoting the real case number: it is kept apart from the
    // authentic case; a person then links it there by hand (recorded, so the team sees it), and
    // the case stays authentic.
    const forged = makeNotice({
      kind: "follow_up",
      messageId: "<forged@aws-support-center.example>",
      from: "AWS Trust & Safety <trustandsafety@aws-support-center.example>",
      subject: `Re: Your AWS Abuse Report [${CASE_NUMBER}] - URGENT account suspension`,
      receivedAt: "2026-05-01T12:00:00.000Z",
      mitigations: [{ text: "We have suspended your account pending verification.", action: "other", source: { part: "body", excerpt: "" } }],
    });
    const kept = await store.intake({ notice: forged, verdict: verdict("phishing"), raw: Buffer.from("forged"), now: new Date("2026-05-01T12:00:05Z") });
    expect(kept).toMatchObject({ joinedBy: "kept-apart", case: { needsLinking: true, linkInto: c.id } });
    const joined = await store.linkCase(kept.case.id, c.id);
    expect(joined.verdict).toBe("authentic");

    const { draft } = await replyForCase(store, c.id);
    expect(draft.to).toBe("trustandsafety@support.aws.com");
    expect(draft.inReplyTo).toBe("<genuine@email.amazonses.com>");
    expect(draft.subject).toBe(`Re: ${SUBJECT}`);
    expect(draft.text).not.toContain("suspended your account");
    expect(draft.warnings.join("\n")).toMatch(/1 notice of this case was judged phishing[^\n]*left out of the reply/);
    // And so the reply may go, to AWS, in the genuine thread.
    expect(() => checkSendable(draft, { via: "smtp", from: "security@example.com", allowNonAws: false })).not.toThrow();
  });

  it("still refuses a case made only of doubtful notices", async () => {
    const n = makeNotice({ messageId: "<only@phish.example>", from: "AWS <abuse@phish.example>" });
    const { case: c } = await store.intake({ notice: n, verdict: verdict("phishing"), raw: Buffer.from("only"), now: new Date("2026-05-01T09:00:05Z") });
    const { draft } = await replyForCase(store, c.id);
    expect(draft.verdict).toBe("phishing");
    expect(() => checkSendable(draft, { via: "smtp", from: "security@example.com", allowNonAws: true })).toThrow(/judged phishing/);
  });
});
