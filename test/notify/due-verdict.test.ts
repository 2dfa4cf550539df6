/** Reminders follow the verdict: a doubtful case is never told to reply to its sender or to apply its plan. */
import { describe, expect, it } from "vitest";
import { dueNotifications } from "../../src/notify/due.ts";
import { makeCase, makePlan } from "../reply/fixtures.ts";

const NOW = new Date("2026-05-01T12:00:00.000Z");
const sent = new Set(["case-new:AD-2026-0007"]);

describe("reminders for a phishing or suspicious case", () => {
  it.each(["phishing", "suspicious"] as const)("%s: report it to AWS; no 'draft the reply', no 'apply it'", (verdict) => {
    const c = makeCase({ verdict, status: "triaged", deadline: { at: "2026-05-01T15:00:00.000Z", basis: "default", text: null } });
    const out = dueNotifications({ case: c, plans: [makePlan({ verdict })] }, NOW, { sent });
    expect(out.map((e) => e.kind).sort()).toEqual(["deadline-near", "plan-awaiting-approval", "verdict-alarm"]);
    for (const e of out) {
      expect(e.text, e.kind).not.toMatch(/abuse-desk reply|abuse-desk apply|Review and apply/);
      expect(e.text, e.kind).toContain("stop-spoofing@amazon.com");
    }
  });

  it("an authentic case keeps its reply and apply hints", () => {
    const c = makeCase({ verdict: "authentic", status: "triaged", deadline: { at: "2026-05-01T15:00:00.000Z", basis: "default", text: null } });
    const out = dueNotifications({ case: c, plans: [makePlan({ verdict: "authentic" })] }, NOW, { sent });
    expect(out.find((e) => e.kind === "deadline-near")!.text).toContain("abuse-desk reply AD-2026-0007");
    expect(out.find((e) => e.kind === "plan-awaiting-approval")!.text).toContain("abuse-desk apply plan-1");
  });
});
