/** A whole case as the store returns it, for the report tests. Own wording, documentation ids. */
import type { Evidence, StoredNotice, TimelineEvent } from "../../src/case/types.ts";
import type { ReportInput } from "../../src/report/model.ts";
import { makeCase, makeEvidence, makeFindings, makeNotice, makePlan, mixedJournal, MESSAGE_ID, SUBJECT } from "../reply/fixtures.ts";

export const NOTICE_SHA = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea";

export function storedNotice(): StoredNotice {
  return {
    id: 1,
    caseId: "AD-2026-0007",
    kind: "initial_report",
    activityType: "port_scan",
    messageId: MESSAGE_ID,
    rawSha256: NOTICE_SHA,
    dedupeKey: `mid:${MESSAGE_ID}`,
    receivedAt: "2026-05-01T09:00:00.000Z",
    storedAt: "2026-05-01T09:00:04.000Z",
    subject: SUBJECT,
    caseNumber: "17654321098",
    verdict: "authentic",
    joinedBy: "new",
    notice: makeNotice({ mitigations: [{ text: "Blocked OUTBOUND TCP traffic on port 22", action: "block_port", ports: [22], source: { part: "body", excerpt: "" } }] }),
    verdictDetail: {
      verdict: "authentic",
      reasons: [
        { code: "dkim.pass", severity: "pass", message: "DKIM signature of amazonses.com verifies and is aligned." },
        { code: "sender.known", severity: "pass", message: "Sent from AWS Trust & Safety's known address." },
      ],
      auth: null,
    },
  };
}

export function storedEvidence(): Evidence[] {
  return makeEvidence().map((e, i) => ({
    id: i + 1,
    caseId: "AD-2026-0007",
    label: e.label,
    path: i === 0 ? null : "/var/lib/abuse-desk/evidence/console-output.txt",
    content: i === 0 ? "{}" : null,
    encoding: i === 0 ? "utf8" : null,
    sha256: e.sha256,
    size: i === 0 ? 2 : 18_432,
    source: e.source,
    collectedAt: e.collectedAt,
    recordedAt: e.collectedAt,
    actor: "dana",
    planId: null,
    stepId: null,
  }));
}

export function timeline(): TimelineEvent[] {
  const ev = (id: number, at: string, type: TimelineEvent["type"], summary: string, data: Record<string, unknown> = {}): TimelineEvent => ({ id, caseId: "AD-2026-0007", at, actor: "dana", type, summary, data });
  return [
    ev(1, "2026-05-01T09:00:04.000Z", "notice-received", "Notice received: initial report, port scanning [17654321098]"),
    ev(2, "2026-05-01T09:00:04.000Z", "verdict", "Verdict: authentic"),
    ev(3, "2026-05-01T09:20:00.000Z", "resources-found", "1 resource found", { findings: makeFindings() }),
    ev(4, "2026-05-01T09:30:00.000Z", "plan", "Plan plan-1 (compromised-host), 4 steps"),
    ev(5, "2026-05-01T09:41:17.000Z", "step-failed", "Step 03-detach-asg failed: AccessDenied"),
    ev(6, "2026-05-01T10:00:00.000Z", "reply-sent", "Reply sent by smtp to trustandsafety@support.aws.com", {
      via: "smtp",
      to: "trustandsafety@support.aws.com",
      subject: `Re: ${SUBJECT}`,
      text: "Hello AWS Trust & Safety,\n\nThis is our reply to abuse case 17654321098.\n| a pipe, ``` backticks and a 'quote'\n",
      messageId: "<reply-1@example.com>",
    }),
  ];
}

export function reportInput(over: Partial<ReportInput> = {}): ReportInput {
  return {
    case: makeCase(),
    notices: [storedNotice()],
    plans: [makePlan()],
    journal: mixedJournal(),
    evidence: storedEvidence(),
    timeline: timeline(),
    generatedAt: new Date("2026-05-01T12:00:00.000Z"),
    ...over,
  };
}
