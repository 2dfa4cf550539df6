/**
 * Notices and verdicts for the case store tests, written for the project (documentation account
 * ids and RFC 5737 addresses; no text from real notices).
 */
import type { Notice } from "../../src/notice/types.ts";
import type { Verdict, VerdictLevel } from "../../src/verify/types.ts";
import type { Plan } from "../../src/execute/types.ts";
import { blankNotice } from "../../src/notice/blank.ts";

let counter = 0;

export function makeNotice(over: Partial<Notice> = {}): Notice {
  counter++;
  return blankNotice({
    format: "email",
    activityType: "port_scan",
    activityText: "Port Scanning",
    subject: "Your AWS Abuse Report [AWS ID 111122223333]",
    from: "ec2-abuse@amazon.com",
    messageId: `<fixture-${process.pid}-${counter}-${Math.random().toString(36).slice(2)}@test.example>`,
    receivedAt: "2026-05-04T09:00:00.000Z",
    accountIds: ["111122223333"],
    regions: ["eu-west-1"],
    instanceIds: ["i-0abc1234def567890"],
    publicIps: ["203.0.113.10"],
    remoteIps: ["198.51.100.7"],
    remotePorts: [22],
    protocol: "TCP",
    window: { begin: "2026-05-04T08:00:00.000Z", end: "2026-05-04T08:30:00.000Z" },
    deadline: { at: null, basis: "default" },
    ...over,
  });
}

export function makeVerdict(level: VerdictLevel = "authentic"): Verdict {
  const reasons: Verdict["reasons"] =
    level === "authentic"
      ? [{ code: "dkim.pass", severity: "pass", message: "DKIM signature by amazon.com verifies." }]
      : level === "phishing"
        ? [{ code: "link.lookalike", severity: "fail", message: "A link points to a look-alike of aws.amazon.com." }]
        : level === "suspicious"
          ? [{ code: "from.mismatch", severity: "warn", message: "The sender is not an AWS address." }]
          : [{ code: "text.pasted", severity: "info", message: "Pasted text cannot be authenticated." }];
  return { verdict: level, reasons, auth: null };
}

export function raw(notice: Notice, extra = ""): Buffer {
  return Buffer.from(`Message-ID: ${notice.messageId ?? ""}\nSubject: ${notice.subject ?? ""}\n\nbody ${extra}\n`);
}

export function makePlan(caseId: string | null, id = `plan-${Math.random().toString(36).slice(2, 10)}`): Plan {
  return {
    id,
    caseId,
    createdAt: "2026-05-04T10:00:00.000Z",
    playbook: "compromised-host",
    activityType: "port_scan",
    verdict: "authentic",
    summary: "Isolate the instance that scanned, snapshot its volumes first.",
    steps: [
      {
        id: "01-snapshot-vol-0aaa",
        action: "snapshot-volumes",
        target: { accountId: "111122223333", region: "eu-west-1", type: "ec2-instance", id: "i-0abc1234def567890" },
        params: { instanceId: "i-0abc1234def567890", volumeIds: ["vol-0aaa"], description: "case", tags: {} },
        calls: [{ api: "ec2:CreateSnapshot", params: { VolumeId: "vol-0aaa" } }],
        reason: "Keep the disk as evidence before anything changes.",
        changes: "creates a snapshot of vol-0aaa",
        reversible: true,
        risk: "low",
        dependsOn: [],
        autoApprovable: true,
      },
      {
        id: "02-isolate-eni-0bbb",
        action: "isolate-eni",
        target: { accountId: "111122223333", region: "eu-west-1", type: "network-interface", id: "eni-0bbb" },
        params: { networkInterfaceId: "eni-0bbb", allTrafficGroupId: "sg-all", isolationGroupId: "sg-iso" },
        calls: [{ api: "ec2:ModifyNetworkInterfaceAttribute", params: { NetworkInterfaceId: "eni-0bbb", Groups: ["sg-iso"] } }],
        reason: "Stop the scanning traffic.",
        changes: "replaces sg-1 on eni-0bbb with sg-iso",
        reversible: true,
        risk: "medium",
        dependsOn: ["01-snapshot-vol-0aaa"],
        autoApprovable: false,
      },
    ],
    refused: [],
    warnings: [],
  };
}
