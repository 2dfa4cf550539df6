/**
 * Test data for the reply, notify and report suites: a notice, a plan and its journal, in the
 * formats the parser and executor produce. Our own wording and ids (RFC 5737 addresses, account
 * 111122223333); nothing here is copied from a real notice.
 */
import type { Case } from "../../src/case/types.ts";
import type { JournalEntry, JournalPhase, Plan, Step } from "../../src/execute/types.ts";
import type { ActivityType, Notice, NoticeKind } from "../../src/notice/types.ts";
import type { Finding } from "../../src/resolve/types.ts";
import type { ReplyEvidence, ReplyNotice } from "../../src/reply/types.ts";
import { blankNotice } from "../../src/notice/blank.ts";

export const ACCOUNT = "111122223333";
export const CASE_NUMBER = "17654321098";
export const SUBJECT = `Your AWS Abuse Report [${CASE_NUMBER}] [AWS ID ${ACCOUNT}]`;
export const MESSAGE_ID = "<0100018f.case-17654321098@email.amazonses.com>";

export function makeNotice(over: Partial<ReplyNotice> = {}): ReplyNotice {
  const src = { part: "body" as const, excerpt: "" };
  const base: Notice = blankNotice({
    format: "email",
    kind: "initial_report" as NoticeKind,
    activityType: "port_scan" as ActivityType,
    activityText: "scanning remote hosts on the internet for security vulnerabilities",
    caseNumber: CASE_NUMBER,
    subject: SUBJECT,
    from: "AWS Trust & Safety <trustandsafety@support.aws.com>",
    messageId: MESSAGE_ID,
    receivedAt: "2026-05-01T09:00:00.000Z",
    accountIds: [ACCOUNT],
    regions: ["eu-west-1"],
    instanceIds: ["i-0a1b2c3d4e5f60718"],
    publicIps: ["203.0.113.10"],
    remoteIps: ["198.51.100.23"],
    remotePorts: { count: 1400 },
    protocol: "TCP",
    window: { begin: "2026-05-01T07:12:00.000Z", end: "2026-05-01T07:20:30.000Z" },
    deadline: { at: "2026-05-02T09:00:00.000Z", basis: "default" },
    resources: [{ type: "ec2-instance", id: "i-0a1b2c3d4e5f60718", accountId: ACCOUNT, region: "eu-west-1", publicIp: "203.0.113.10", source: src }],
  });
  return { ...base, ...over };
}

export function makeCase(over: Partial<Case> = {}): Case {
  return {
    id: "AD-2026-0007",
    status: "contained",
    statusBeforeClose: null,
    severity: "high",
    severitySource: "derived",
    activityType: "port_scan",
    awsCaseNumber: CASE_NUMBER,
    accountId: ACCOUNT,
    accountIds: [ACCOUNT],
    resources: ["i-0a1b2c3d4e5f60718", "203.0.113.10"],
    regions: ["eu-west-1"],
    verdict: "authentic",
    subject: SUBJECT,
    assignee: "dana",
    deadline: { at: "2026-05-02T09:00:00.000Z", basis: "default", text: null },
    needsLinking: false,
    linkReason: null,
    linkInto: null,
    noticeCount: 1,
    receivedAt: "2026-05-01T09:00:00.000Z",
    lastNoticeAt: "2026-05-01T09:00:00.000Z",
    createdAt: "2026-05-01T09:00:05.000Z",
    updatedAt: "2026-05-01T10:00:00.000Z",
    closedAt: null,
    resolution: null,
    ...over,
  };
}

function step(id: string, action: string, targetId: string, changes: string, params: Record<string, unknown>, type = "ec2-instance"): Step {
  return {
    id,
    action,
    target: { accountId: ACCOUNT, region: "eu-west-1", type, id: targetId },
    params,
    calls: [],
    reason: "contain the reported host",
    changes,
    reversible: true,
    risk: "low",
    dependsOn: [],
    autoApprovable: false,
  } as unknown as Step;
}

export function makePlan(over: Partial<Plan> = {}): Plan {
  return {
    id: "plan-1",
    caseId: "AD-2026-0007",
    createdAt: "2026-05-01T09:30:00.000Z",
    playbook: "compromised-host",
    activityType: "port_scan",
    verdict: "authentic",
    summary: "Preserve and isolate the scanning instance.",
    steps: [
      step("01-snapshot", "snapshot-volumes", "i-0a1b2c3d4e5f60718", "creates snapshots of vol-0aa11bb22cc33dd44", { instanceId: "i-0a1b2c3d4e5f60718", volumeIds: ["vol-0aa11bb22cc33dd44"] }),
      step("02-isolate", "isolate-eni", "eni-0f1e2d3c4b5a69788", "replaces sg-0123 on eni-0f1e2d3c4b5a69788 with sg-0iso", { networkInterfaceId: "eni-0f1e2d3c4b5a69788", instanceId: "i-0a1b2c3d4e5f60718" }, "network-interface"),
      step("03-detach-asg", "asg-detach", "web-asg", "detaches the instance from web-asg", { groupName: "web-asg", instanceIds: ["i-0a1b2c3d4e5f60718"] }, "auto-scaling-group"),
      step("04-custom", "quarantine-web-root", "i-0a1b2c3d4e5f60718", "moves /var/www to a quarantine directory", {}),
    ],
    refused: [],
    warnings: [],
    ...over,
  };
}

let seq = 0;
export function entry(stepId: string | null, phase: JournalPhase, at: string, extra: Partial<JournalEntry> = {}): JournalEntry {
  seq += 1;
  return { seq, planId: "plan-1", stepId, phase, at, actor: "dana", ...extra };
}

/** Snapshot done, isolation done, ASG detach failed, custom step started and never finished. */
export function mixedJournal(): JournalEntry[] {
  return [
    entry("01-snapshot", "started", "2026-05-01T09:40:00.000Z"),
    entry("01-snapshot", "done", "2026-05-01T09:41:10.000Z", { after: { snapshotIds: ["snap-0abc"] } }),
    entry("02-isolate", "started", "2026-05-01T09:41:11.000Z"),
    entry("02-isolate", "done", "2026-05-01T09:41:15.000Z"),
    entry("03-detach-asg", "started", "2026-05-01T09:41:16.000Z"),
    entry("03-detach-asg", "failed", "2026-05-01T09:41:17.000Z", { error: "AccessDenied: autoscaling:DetachInstances" }),
    entry("04-custom", "started", "2026-05-01T09:41:18.000Z"),
  ];
}

export function makeEvidence(): ReplyEvidence[] {
  return [
    { label: "instance-metadata i-0a1b2c3d4e5f60718", sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", source: "ec2:DescribeInstances eu-west-1 111122223333", collectedAt: "2026-05-01T09:40:30.000Z" },
    { label: "console-output i-0a1b2c3d4e5f60718", sha256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752", source: "ec2:GetConsoleOutput eu-west-1 111122223333", collectedAt: "2026-05-01T09:40:45.000Z" },
  ];
}

export function makeFindings(): Finding[] {
  return [
    {
      ref: { type: "ec2-instance", id: "i-0a1b2c3d4e5f60718", accountId: ACCOUNT, region: "eu-west-1" },
      status: "found",
      summary: "i-0a1b2c3d4e5f60718 in 111122223333/eu-west-1, running, owner alice",
      searched: [{ accountId: ACCOUNT, regions: ["eu-west-1"] }],
      resources: [
        {
          type: "ec2-instance",
          id: "i-0a1b2c3d4e5f60718",
          accountId: ACCOUNT,
          region: "eu-west-1",
          instance: {
            instanceId: "i-0a1b2c3d4e5f60718",
            state: "running",
            instanceType: "t3.micro",
            imageId: "ami-0123456789abcdef0",
            launchTime: "2026-04-01T00:00:00.000Z",
            availabilityZone: "eu-west-1a",
            blockDevices: [],
            networkInterfaceIds: ["eni-0f1e2d3c4b5a69788"],
            securityGroupIds: ["sg-0123"],
            tags: { Name: "web-1", Owner: "alice" },
          },
          interfaces: [],
          targetGroups: [],
          classicLoadBalancers: [],
          publicIps: ["203.0.113.10"],
          elasticIps: [],
          ownership: { owner: "alice", team: "payments" },
          tags: { Name: "web-1", Owner: "alice" },
        },
      ],
    },
  ];
}
