import type { NotifyEvent } from "../../src/notify/types.ts";

export function makeEvent(over: Partial<NotifyEvent> = {}): NotifyEvent {
  return {
    kind: "deadline-near",
    key: "deadline-near:AD-2026-0007:2026-05-02T09:00:00.000Z",
    caseId: "AD-2026-0007",
    awsCaseNumber: "17654321098",
    at: "2026-05-02T06:00:00.000Z",
    title: "Reply due in 3 h: AD-2026-0007 (AWS case 17654321098)",
    text: "AWS expects a reply by 2026-05-02 09:00:00 UTC. <b>not markup</b> & co",
    severity: "warning",
    fields: [
      { label: "Case", value: "AD-2026-0007 (AWS case 17654321098)" },
      { label: "Account", value: "111122223333" },
    ],
    data: { caseId: "AD-2026-0007", deadline: "2026-05-02T09:00:00.000Z" },
    ...over,
  };
}
