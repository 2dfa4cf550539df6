import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JournalEntry, JournalPhase, Plan, Step } from "../../src/execute/types.ts";
import { ACTIVITY_TYPES, type ActivityType, type NoticeKind } from "../../src/notice/types.ts";
import { ACTIVITY_LABELS, activityFamily } from "../../src/reply/family.ts";
import { describeStep, stepOutcomes, stopsActivity } from "../../src/reply/actions.ts";
import { draftReply, ReplyInputError } from "../../src/reply/draft.ts";
import { fmtTime } from "../../src/reply/format.ts";
import type { ActivityFamily, ReplyDraft } from "../../src/reply/types.ts";
import { ACCOUNT, CASE_NUMBER, MESSAGE_ID, SUBJECT, makeCase, makeEvidence, makeFindings, makeNotice, makePlan, mixedJournal } from "./fixtures.ts";

const T0 = Date.parse("2026-05-01T10:00:00.000Z");
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();

function step(id: string, action: string, type: string, targetId: string, params: Record<string, unknown> = {}, changes = `changes ${targetId}`): Step {
  return { id, action, target: { accountId: ACCOUNT, region: "eu-west-1", type, id: targetId }, params, calls: [], reason: "contain", changes, reversible: true, risk: "low", dependsOn: [], autoApprovable: false } as unknown as Step;
}

function plan(id: string, steps: Step[]): Plan {
  return { id, caseId: "AD-2026-0007", createdAt: at(0), playbook: "test", activityType: "other", verdict: "authentic", summary: "", steps, refused: [], warnings: [] };
}

/** A journal written the way the executor writes it: `started` then the outcome, seq increasing. */
function journal(planId: string, events: [stepId: string | null, phase: JournalPhase, minute: number, extra?: Partial<JournalEntry>][]): JournalEntry[] {
  return events.map(([stepId, phase, minute, extra], i) => ({ seq: 100 + i, planId, stepId, phase, at: at(minute), actor: "responder", ...extra }));
}

interface Scenario {
  name: string;
  family: ActivityFamily;
  activity: ActivityType;
  kind?: NoticeKind;
  /** A sentence only this family's template says. */
  phrase: string;
  plan?: Plan;
  journal?: JournalEntry[];
  manual?: { at: string; text: string }[];
}

const SCENARIOS: Scenario[] = [
  {
    name: "port scan: snapshot and isolation done, ASG detach failed",
    family: "intrusion",
    activity: "port_scan",
    phrase: "AWS penetration testing policy",
    plan: plan("p-scan", [step("s1", "snapshot-volumes", "ec2-instance", "i-0aaa1111bbbb2222c", { instanceId: "i-0aaa1111bbbb2222c", volumeIds: ["vol-0aaa1111bbbb2222c"] }), step("s2", "isolate-eni", "network-interface", "eni-0aaa1111bbbb2222c", { networkInterfaceId: "eni-0aaa1111bbbb2222c", instanceId: "i-0aaa1111bbbb2222c" }), step("s3", "asg-detach", "auto-scaling-group", "web-asg", { groupName: "web-asg", instanceIds: ["i-0aaa1111bbbb2222c"] })]),
    journal: journal("p-scan", [["s1", "started", 1], ["s1", "done", 2], ["s2", "started", 3], ["s2", "done", 4], ["s3", "started", 5], ["s3", "failed", 6, { error: "Throttling" }]]),
  },
  {
    name: "brute force: stop done after a failed first attempt",
    family: "intrusion",
    activity: "brute_force",
    phrase: "restrict administrative access",
    plan: plan("p-bf", [step("s1", "stop-instance", "ec2-instance", "i-0bbb1111bbbb2222c", { instanceId: "i-0bbb1111bbbb2222c" })]),
    journal: journal("p-bf", [["s1", "started", 1], ["s1", "failed", 2, { error: "RequestLimitExceeded" }], ["s1", "started", 3], ["s1", "done", 4]]),
  },
  {
    name: "DoS: isolation rolled back later",
    family: "dos",
    activity: "dos",
    phrase: "reflection or amplification",
    plan: plan("p-dos", [step("s1", "isolate-eni", "network-interface", "eni-0ccc1111bbbb2222c", { networkInterfaceId: "eni-0ccc1111bbbb2222c" }), step("s2", "snapshot-volumes", "ec2-instance", "i-0ccc1111bbbb2222c", { instanceId: "i-0ccc1111bbbb2222c", volumeIds: ["vol-0c1", "vol-0c2"] })]),
    journal: journal("p-dos", [["s2", "started", 1], ["s2", "done", 2], ["s1", "started", 3], ["s1", "done", 4], ["s1", "rollback-started", 30], ["s1", "rolled-back", 31, { detail: { reason: "false positive" } }]]),
  },
  {
    name: "open proxy: inbound rule revoked",
    family: "open-proxy",
    activity: "open_proxy",
    phrase: "turn off proxying and relaying",
    plan: plan("p-proxy", [step("s1", "revoke-open-ingress", "security-group", "sg-0ddd1111bbbb2222c", { groupId: "sg-0ddd1111bbbb2222c" })]),
    journal: journal("p-proxy", [["s1", "started", 1], ["s1", "done", 2]]),
  },
  {
    name: "spam: isolation done, a step skipped on resume",
    family: "spam",
    activity: "spam_email",
    phrase: "authentication on every mail relay",
    plan: plan("p-spam", [step("s1", "block-smtp-egress", "security-group", "sg-0eee1111bbbb2222c", { groupId: "sg-0eee1111bbbb2222c" }), step("s2", "tag-resources", "ec2-instance", "i-0eee1111bbbb2222c", { resourceIds: ["i-0eee1111bbbb2222c"] })]),
    journal: journal("p-spam", [["s1", "started", 1], ["s1", "done", 2], ["s2", "started", 3], ["s2", "skipped", 4]]),
  },
  {
    name: "phishing page: bucket public access blocked",
    family: "content",
    activity: "phishing",
    phrase: "documented takedown process",
    plan: plan("p-content", [step("s1", "block-bucket-public-access", "s3-bucket", "example-phish-bucket", { bucketName: "example-phish-bucket" })]),
    journal: journal("p-content", [["s1", "started", 1], ["s1", "done", 2]]),
  },
  {
    name: "crypto mining: stopped, snapshot failed",
    family: "crypto-mining",
    activity: "crypto_mining",
    phrase: "billing anomalies",
    plan: plan("p-mine", [step("s1", "snapshot-volumes", "ec2-instance", "i-0fff1111bbbb2222c", { instanceId: "i-0fff1111bbbb2222c", volumeIds: ["vol-0fff"] }), step("s2", "stop-instance", "ec2-instance", "i-0fff1111bbbb2222c", { instanceId: "i-0fff1111bbbb2222c" })]),
    journal: journal("p-mine", [["s1", "started", 1], ["s1", "failed", 2, { error: "SnapshotLimitExceeded" }], ["s2", "started", 3], ["s2", "done", 4]]),
  },
  {
    name: "botnet: isolated, rollback failed (still in place)",
    family: "botnet",
    activity: "botnet_c2",
    phrase: "command-and-control destinations",
    plan: plan("p-bot", [step("s1", "isolate-eni", "network-interface", "eni-0abc2222bbbb2222c", { networkInterfaceId: "eni-0abc2222bbbb2222c" })]),
    journal: journal("p-bot", [["s1", "started", 1], ["s1", "done", 2], ["s1", "rollback-started", 10], ["s1", "rollback-failed", 11, { error: "InvalidGroup.NotFound" }]]),
  },
  {
    name: "credentials exposed: key deactivated",
    family: "credentials-exposed",
    activity: "credentials_exposed",
    kind: "credentials_exposed",
    phrase: "scan our repositories for secrets",
    plan: plan("p-key", [step("s1", "deactivate-access-key", "access-key", "AKIAIOSFODNN7EXAMPLE", { accessKeyId: "AKIAIOSFODNN7EXAMPLE", userName: "ci-deploy" })]),
    journal: journal("p-key", [["s1", "started", 1], ["s1", "done", 2]]),
  },
  {
    name: "account compromise: key deactivated, deny policy failed",
    family: "account-compromise",
    activity: "account_compromise",
    kind: "account_compromise",
    phrase: "multi-factor authentication for the root user",
    plan: plan("p-acct", [step("s1", "deactivate-access-key", "access-key", "AKIAI44QH8DHBEXAMPLE", { accessKeyId: "AKIAI44QH8DHBEXAMPLE", userName: "deploy-bot" }), step("s2", "attach-deny-policy", "iam-user", "deploy-bot", {}, "attaches a deny-all policy to deploy-bot")]),
    journal: journal("p-acct", [["s1", "started", 1], ["s1", "done", 2], ["s2", "started", 3], ["s2", "failed", 4, { error: "AccessDenied" }]]),
  },
  {
    name: "SES enforcement: a manual action only",
    family: "ses-enforcement",
    activity: "spam_email",
    kind: "ses_enforcement",
    phrase: "double opt-in",
    manual: [{ at: at(20), text: "Paused the weekly newsletter campaign and removed 412 unconfirmed addresses" }],
  },
  {
    name: "other: nothing done yet",
    family: "other",
    activity: "other",
    phrase: "monitor the affected resources for a recurrence",
  },
];

function draftFor(s: Scenario): ReplyDraft {
  return draftReply({
    notices: [makeNotice({ activityType: s.activity, kind: s.kind ?? "initial_report", ...(s.activity === "port_scan" ? {} : { activityText: null }) })],
    case: makeCase({ activityType: s.activity }),
    verdict: "authentic",
    plans: s.plan ? [s.plan] : [],
    journal: s.journal ?? [],
    manualActions: s.manual ?? [],
    evidence: makeEvidence(),
  });
}

describe("draftReply, for each activity family against its journal", () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      const d = draftFor(s);
      expect(d.family).toBe(s.family);
      expect(d.template).toBe(s.family);
      expect(d.subject).toBe(`Re: ${SUBJECT}`);
      expect(d.text).toContain(`abuse case ${CASE_NUMBER}`);
      expect(d.text).toContain(s.phrase);
      expect(d.text).toContain("PREVENTING A RECURRENCE");

      // Every step: stated with its time exactly when the journal shows it done, never otherwise.
      const { outcomes } = stepOutcomes(s.plan ? [s.plan] : [], s.journal ?? []);
      for (const o of outcomes) {
        const text = describeStep(o);
        if (o.status === "done") {
          expect(d.text).toContain(`${fmtTime(o.doneAt)}: ${text}.`);
          if (o.rollback?.status === "rolled-back") expect(d.text).toContain(`${text}. This change was rolled back at ${fmtTime(o.rollback.at)}.`);
          else expect(d.text).not.toContain(`${text}. This change was rolled back`);
        } else {
          expect(d.text).not.toContain(text);
          expect(d.warnings.join("\n")).toContain(`Step ${o.stepId}`);
        }
      }
      for (const m of s.manual ?? []) expect(d.text).toContain(`${fmtTime(m.at)}: ${m.text}.`);
      const anyDone = outcomes.some((o) => o.status === "done") || (s.manual ?? []).length > 0;
      // "Acted" only while a done step that acts against the activity is still in place.
      const inPlace = outcomes.some((o) => o.status === "done" && o.rollback?.status !== "rolled-back" && (!o.step || stopsActivity(o.step.action))) || (s.manual ?? []).length > 0;
      if (inPlace) {
        expect(d.text).toContain("We have investigated it and acted");
        expect(d.text).not.toContain("No containment action has been completed yet");
      } else if (anyDone) {
        expect(d.text).toContain("preserved evidence; no action that stops the activity is in place yet");
        expect(d.text).not.toContain("We have investigated it and acted");
      } else {
        expect(d.text).toContain("No containment action has been completed yet");
        expect(d.text).not.toContain("We have investigated it and acted");
        expect(d.claimed).toEqual([]);
      }
      // The evidence with its hashes.
      for (const e of makeEvidence()) expect(d.text).toContain(`SHA-256 ${e.sha256}`);
      expect(d.text).toMatchSnapshot();
    });
  }

  it("drafts for every activity type the parser knows, from the same journal", () => {
    const own = new Set(["credentials-exposed", "account-compromise"]);
    for (const activity of ACTIVITY_TYPES) {
      const d = draftReply({ notices: [makeNotice({ activityType: activity, activityText: null })], case: makeCase({ activityType: activity }), plans: [makePlan()], journal: mixedJournal() });
      expect(d.family, activity).toBe(activityFamily(activity));
      // Templates of their own word the activity themselves; the others name it.
      if (!own.has(d.family)) expect(d.text, activity).toContain(ACTIVITY_LABELS[activity]);
      expect(d.text, activity).toContain("PREVENTING A RECURRENCE");
      expect(d.claimed.map((c) => c.stepId), activity).toEqual(["01-snapshot", "02-isolate"]);
      expect(d.text, activity).not.toContain("Auto Scaling");
      expect(d.subject, activity).toBe(`Re: ${SUBJECT}`);
    }
  });

  it("claims each action with the journal entry that proves it", () => {
    const d = draftReply({ notices: [makeNotice()], case: makeCase(), plans: [makePlan()], journal: mixedJournal() });
    expect(d.claimed.map((c) => [c.stepId, c.at, c.seq])).toEqual([
      ["01-snapshot", "2026-05-01T09:41:10.000Z", expect.any(Number)],
      ["02-isolate", "2026-05-01T09:41:15.000Z", expect.any(Number)],
    ]);
    expect(d.text).not.toMatch(/Auto Scaling|quarantine directory/);
    expect(d.warnings).toEqual([
      "Step 03-detach-asg failed (AccessDenied: autoscaling:DetachInstances): not mentioned in the reply.",
      "Step 04-custom was started but the journal does not show it finished: not mentioned in the reply.",
    ]);
  });

  it("says a change re-applied after a rollback is in place, with the later time", () => {
    const p = plan("p", [step("s1", "isolate-eni", "network-interface", "eni-0123456789abcdef0", { networkInterfaceId: "eni-0123456789abcdef0" })]);
    const j = journal("p", [["s1", "started", 1], ["s1", "done", 2], ["s1", "rollback-started", 5], ["s1", "rolled-back", 6], ["s1", "started", 8], ["s1", "done", 9]]);
    const d = draftReply({ notices: [makeNotice()], plans: [p], journal: j });
    expect(d.claimed).toHaveLength(1);
    expect(d.claimed[0]!.at).toBe(at(9));
    expect(d.claimed[0]!.rolledBackAt).toBeNull();
    expect(d.text).not.toContain("rolled back");
  });

  it("does not say the activity was acted on when only evidence was kept, or the stopping change was undone", () => {
    const p = plan("p", [
      step("s1", "snapshot-volumes", "ec2-instance", "i-0aaa1111bbbb2222c", { instanceId: "i-0aaa1111bbbb2222c", volumeIds: ["vol-0aaa"] }),
      step("s2", "create-isolation-group", "security-group", "vpc-0aaa", { groupName: "isolation", vpcId: "vpc-0aaa" }),
      step("s3", "isolate-eni", "network-interface", "eni-0aaa1111bbbb2222c", { networkInterfaceId: "eni-0aaa1111bbbb2222c" }),
    ]);
    const preserved = journal("p", [["s1", "started", 1], ["s1", "done", 2], ["s2", "started", 3], ["s2", "done", 4], ["s3", "started", 5], ["s3", "failed", 6, { error: "UnauthorizedOperation" }]]);
    const notStopped = "We have investigated it and preserved evidence; no action that stops the activity is in place yet. Each step we took is listed below with its time.";
    for (const j of [preserved, [...preserved, ...journal("p", [["s3", "started", 7], ["s3", "done", 8], ["s3", "rollback-started", 9], ["s3", "rolled-back", 10]])]]) {
      const d = draftReply({ notices: [makeNotice()], plans: [p], journal: j });
      expect(d.text).toContain(notStopped);
      expect(d.text).not.toContain("acted");
      expect(d.warnings.join("\n")).toMatch(/No completed step stops the activity/);
    }
    const stopped = draftReply({ notices: [makeNotice()], plans: [p], journal: [...preserved, ...journal("p", [["s3", "started", 7], ["s3", "done", 8]])] });
    expect(stopped.text).toContain("We have investigated it and acted; each action is listed below with its time.");
    expect(stopped.warnings.join("\n")).not.toMatch(/No completed step stops the activity/);
    // What a person recorded as done by hand counts as acting (they said what they did).
    const byHand = draftReply({ notices: [makeNotice()], plans: [p], journal: preserved, manualActions: [{ at: at(20), text: "Shut the scanner down from its console" }] });
    expect(byHand.text).toContain("We have investigated it and acted");
  });

  it("uses the plan's own words for an action it has no sentence for", () => {
    const d = draftReply({ notices: [makeNotice()], plans: [makePlan()], journal: [...mixedJournal(), { seq: 99, planId: "plan-1", stepId: "04-custom", phase: "done", at: "2026-05-01T09:45:00.000Z", actor: "dana" }] });
    expect(d.text).toContain("2026-05-01 09:45:00 UTC: Moves /var/www to a quarantine directory (111122223333/eu-west-1).");
    expect(d.text).toContain("2026-05-01 09:41:15 UTC: Isolated network interface eni-0f1e2d3c4b5a69788 of instance i-0a1b2c3d4e5f60718: its security groups were replaced by the isolation group (111122223333/eu-west-1).");
  });

  it("promises to address an identified cause only when one was identified", () => {
    const unknown = draftReply({ notices: [makeNotice({ activityType: "other" })], case: makeCase({ activityType: "other" }) });
    expect(unknown.text).toContain("Our investigation of the root cause is ongoing");
    expect(unknown.text).not.toContain("the cause we identified");
    const known = draftReply({ notices: [makeNotice({ activityType: "other" })], case: makeCase({ activityType: "other" }), options: { rootCause: "a test script left running on the host" } });
    expect(known.text).toContain("the cause we identified");
  });

  it("names the resources, their owners only when asked, and the root cause", () => {
    const plain = draftReply({ notices: [makeNotice()], findings: makeFindings() });
    expect(plain.text).toContain('- EC2 instance i-0a1b2c3d4e5f60718 "web-1" (203.0.113.10), running, account 111122223333, eu-west-1\n');
    expect(plain.text).not.toContain("alice");
    const d = draftReply({ notices: [makeNotice()], findings: makeFindings(), options: { rootCause: "password logins were allowed on SSH from anywhere", includeOwners: true } });
    expect(d.text).toContain('- EC2 instance i-0a1b2c3d4e5f60718 "web-1" (203.0.113.10), running, account 111122223333, eu-west-1, owned by alice, team payments');
    expect(d.text).toContain("Root cause: password logins were allowed on SSH from anywhere.");
    expect(d.text).toContain("between 2026-05-01 07:12:00 UTC and 2026-05-01 07:20:30 UTC");
  });

  it("mentions what AWS already blocked", () => {
    const n = makeNotice({ mitigations: [{ text: "Blocked OUTBOUND TCP traffic on port 22", action: "block_port", ports: [22], source: { part: "body", excerpt: "" } }] });
    const d = draftReply({ notices: [n] });
    expect(d.text).toContain("We note the measures you have already applied:\n- Blocked OUTBOUND TCP traffic on port 22");
  });
});

describe("legitimate activity", () => {
  it("states the use case instead of containment", () => {
    const d = draftReply({
      notices: [makeNotice()],
      case: makeCase(),
      options: { legitimate: { useCase: "an authorised penetration test of our own web tier by Example Security Ltd, 2026-05-01 07:00-08:00 UTC" } },
    });
    expect(d.template).toBe("legitimate");
    expect(d.text).toContain("USE CASE\n\nAn authorised penetration test of our own web tier by Example Security Ltd, 2026-05-01 07:00-08:00 UTC.");
    expect(d.text).not.toContain("PREVENTING A RECURRENCE");
    expect(d.text).not.toContain("ACTIONS TAKEN");
    expect(d.warnings.join()).not.toContain("no completed action");
  });

  it("refuses an empty use case", () => {
    expect(() => draftReply({ notices: [makeNotice()], options: { legitimate: { useCase: "  " } } })).toThrow(ReplyInputError);
  });
});

describe("asking for more time", () => {
  it("says how long, until when (from the case deadline) and why", () => {
    const d = draftReply({ notices: [makeNotice()], case: makeCase(), options: { extension: { hours: 48, why: "the forensic copy of the volumes takes two days" } } });
    expect(d.text).toContain("We ask for 48 hours more to complete our response, that is until 2026-05-04 09:00:00 UTC. Reason: the forensic copy of the volumes takes two days.");
  });

  it("falls back to the notice's deadline, and omits the date when there is none", () => {
    const d1 = draftReply({ notices: [makeNotice({ deadline: { at: "2026-05-03T00:00:00.000Z", basis: "stated" } })], options: { extension: { hours: 1, why: "x" } } });
    expect(d1.text).toContain("We ask for 1 hour more to complete our response, that is until 2026-05-03 01:00:00 UTC.");
    const d2 = draftReply({ notices: [makeNotice({ deadline: { at: null, basis: "unknown" } })], options: { extension: { hours: 12, why: "x" } } });
    expect(d2.text).toContain("We ask for 12 hours more to complete our response. Reason: x.");
  });

  it("rejects nonsense", () => {
    for (const hours of [0, -3, 1.5, 10_000]) expect(() => draftReply({ notices: [makeNotice()], options: { extension: { hours, why: "x" } } })).toThrow(/whole number of hours/);
    expect(() => draftReply({ notices: [makeNotice()], options: { extension: { hours: 24, why: " " } } })).toThrow(/needs the reason/);
  });
});

describe("subject, thread and recipient", () => {
  it("keeps the subject, never doubling the prefix", () => {
    for (const s of [SUBJECT, `Re: ${SUBJECT}`, `RE: Re: ${SUBJECT}`, `Fwd: ${SUBJECT}`, `[EXTERNAL] Re: ${SUBJECT}`, `AW: ${SUBJECT}`, `Re[2]: ${SUBJECT}`]) {
      expect(draftReply({ notices: [makeNotice({ subject: s })] }).subject, s).toBe(`Re: ${SUBJECT}`);
    }
  });

  it("keeps a case reference that looks like a prefix", () => {
    expect(draftReply({ notices: [makeNotice({ subject: "Your instances have been port scanning remote hosts on the Internet" })] }).subject).toBe("Re: Your instances have been port scanning remote hosts on the Internet");
  });

  it("builds a subject carrying the case when the notice had none", () => {
    const d = draftReply({ notices: [makeNotice({ format: "text", subject: null, messageId: null, from: null })] });
    expect(d.subject).toBe(`Re: Your AWS Abuse Report [${CASE_NUMBER}] [AWS ID ${ACCOUNT}]`);
    expect(d.inReplyTo).toBeNull();
    expect(d.references).toEqual([]);
    expect(d.to).toBeNull();
    expect(d.warnings.join("\n")).toMatch(/no subject[\s\S]*--to/);
  });

  it("threads on the latest e-mail of the case, with its References", () => {
    const first = makeNotice({ messageId: "<first@amazon.com>", receivedAt: "2026-05-01T09:00:00Z" });
    const reminder = makeNotice({ kind: "follow_up", messageId: "reminder@amazon.com", references: ["<first@amazon.com>", "<first@amazon.com>", "junk"], subject: `Re: ${SUBJECT}`, receivedAt: "2026-05-02T09:00:00Z" });
    const resolved = makeNotice({ kind: "resolved", messageId: "<resolved@amazon.com>", receivedAt: "2026-05-03T09:00:00Z" });
    const d = draftReply({ notices: [first, resolved, reminder] });
    expect(d.inReplyTo).toBe("<reminder@amazon.com>");
    expect(d.references).toEqual(["<first@amazon.com>", "<reminder@amazon.com>"]);
    expect(d.subject).toBe(`Re: ${SUBJECT}`);
  });

  it("replies to AWS's address, and flags any other", () => {
    expect(draftReply({ notices: [makeNotice()] })).toMatchObject({ to: "trustandsafety@support.aws.com", toIsAws: true });
    expect(draftReply({ notices: [makeNotice({ from: "Amazon EC2 Abuse <EC2-Abuse@amazon.com>" })] })).toMatchObject({ to: "ec2-abuse@amazon.com", toIsAws: true });
    const typo = draftReply({ notices: [makeNotice()], options: { to: "trustandsafety@support.aws.co" } });
    expect(typo).toMatchObject({ to: "trustandsafety@support.aws.co", toIsAws: false });
    expect(typo.warnings.join()).toContain("is not one of AWS's abuse addresses");
    expect(draftReply({ notices: [makeNotice()], options: { to: "abuse-desk@example.com", awsAddresses: ["abuse-desk@example.com"] } }).toIsAws).toBe(true);
    expect(() => draftReply({ notices: [makeNotice()], options: { to: "not an address" } })).toThrow(/not an e-mail address/);
  });

  it("warns when the notice may be phishing", () => {
    const d = draftReply({ notices: [makeNotice()], verdict: { verdict: "phishing", reasons: [], auth: null } });
    expect(d.verdict).toBe("phishing");
    expect(d.warnings[0]).toMatch(/judged phishing/);
    expect(draftReply({ notices: [makeNotice()], case: makeCase({ verdict: "suspicious" }), verdict: "authentic" }).verdict).toBe("suspicious");
  });

  it("needs something to reply to", () => {
    expect(() => draftReply({ notices: [] })).toThrow(ReplyInputError);
  });
});

describe("no claim without a done entry (property)", () => {
  const PHASES: JournalPhase[] = ["started", "done", "failed", "skipped", "rollback-started", "rolled-back", "rollback-failed"];
  const STEPS = ["a", "b", "c", "d"].map((id) => step(id, id === "a" ? "stop-instance" : "custom", "ec2-instance", `i-0${id}${id}${id}1111222233334`, {}, `does thing ${id}`));
  const p = plan("pp", STEPS);

  it("states exactly the steps whose last application ended in done", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "d"), fc.constantFrom(...PHASES)), { maxLength: 30 }), (events) => {
        const j = journal("pp", events.map(([s, ph], i) => [s, ph, i] as [string, JournalPhase, number]));
        const d = draftReply({ notices: [makeNotice()], plans: [p], journal: j });
        for (const s of STEPS) {
          const mine = j.filter((e) => e.stepId === s.id);
          const lastDone = [...mine].reverse().find((e) => e.phase === "done");
          const text = describeStep({ step: s, stepId: s.id });
          if (lastDone) {
            expect(d.text).toContain(`${fmtTime(lastDone.at)}: ${text}.`);
            expect(d.claimed.find((c) => c.stepId === s.id)?.seq).toBe(lastDone.seq);
          } else {
            expect(d.text).not.toContain(text);
            expect(d.claimed.some((c) => c.stepId === s.id)).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

it("uses the message id as given when it has no brackets", () => {
  expect(draftReply({ notices: [makeNotice({ messageId: MESSAGE_ID.slice(1, -1) })] }).inReplyTo).toBe(MESSAGE_ID);
});

describe("what the executor's journal carries", () => {
  const p = plan("px", [
    step("snap", "snapshot-volumes", "ec2-instance", "i-0123456789abcdef0", { instanceId: "i-0123456789abcdef0", volumeIds: ["vol-01", "vol-02"] }),
    step("cap", "capture-metadata", "ec2-instance", "i-0123456789abcdef0", { instanceId: "i-0123456789abcdef0" }),
  ]);
  const HASH = "a".repeat(64);
  const j = journal("px", [
    ["cap", "started", 1],
    ["cap", "done", 2, { after: { evidence: [{ name: "i-0123456789abcdef0-console-output.txt", contentType: "text/plain", sha256: HASH, bytes: 2048, source: "ec2:GetConsoleOutput i-0123456789abcdef0", capturedAt: at(2) }], notes: [] } }],
    ["snap", "started", 3],
    ["snap", "done", 4, { after: { snapshots: [{ snapshotId: "snap-0a1" }, { snapshotId: "snap-0b2" }] } }],
    // Rolling the plan back keeps the snapshots (they are evidence).
    ["snap", "rollback-started", 10, { detail: { reason: "false positive" } }],
    ["snap", "rolled-back", 11, { detail: { outcome: "kept" } }],
  ]);

  it("names the snapshots taken and does not call kept evidence rolled back", () => {
    const d = draftReply({ notices: [makeNotice()], plans: [p], journal: j });
    expect(d.text).toContain(`${fmtTime(at(4))}: Took snapshots of the EBS volumes vol-01, vol-02 of instance i-0123456789abcdef0 for forensic analysis: snap-0a1, snap-0b2 (111122223333/eu-west-1).`);
    expect(d.text).not.toContain("rolled back");
    expect(d.claimed.find((c) => c.stepId === "snap")!.rolledBackAt).toBeNull();
  });

  it("lists the evidence the capture steps recorded, beside the store's, once each", () => {
    const stored = { label: "i-0123456789abcdef0-console-output.txt", sha256: HASH, source: "ec2:GetConsoleOutput i-0123456789abcdef0", collectedAt: at(2) };
    const d = draftReply({ notices: [makeNotice()], plans: [p], journal: j, evidence: [stored, ...makeEvidence()] });
    expect(d.text.match(new RegExp(`SHA-256 ${HASH}`, "g"))).toHaveLength(1);
    expect(d.text).toContain(`- i-0123456789abcdef0-console-output.txt (collected ${fmtTime(at(2))} from ec2:GetConsoleOutput i-0123456789abcdef0), SHA-256 ${HASH}`);
    expect(d.text).toContain(`SHA-256 ${makeEvidence()[0]!.sha256}`);
  });
});
