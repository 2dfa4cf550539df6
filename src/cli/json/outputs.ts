/**
 * What each command prints with `--json`, made of the one vocabulary (./vocabulary.ts). One entry
 * per command (`case show` is `case-show`): docs/schemas/<name>.json is generated from it by
 * scripts/gen-json-schemas.ts, and test/cli/json-schemas.test.ts runs the command and parses its
 * output with it. A command that prints JSON and has no entry here fails that test.
 */
import { z } from "zod";
import {
  accountId,
  activityResult,
  auditEntry,
  awsCaseNumber,
  caseId,
  caseObject,
  checklistItem,
  failure,
  investigationFinding,
  investigationNotSearched,
  investigationSubject,
  isoTime,
  notice,
  notSearched,
  plan,
  planId,
  readerRun,
  reason,
  resolution,
  scope,
  stepId,
  storedInvestigation,
  storedNotice,
  timelineEvent,
  transitOutcome,
  verdict,
  verdictLevel,
} from "./vocabulary.ts";

const many = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), failures: z.array(failure) });
/** One notice gives the object itself; an mbox, or an input with an unreadable message, gives `{ items, failures }`. */
const oneOrMany = <T extends z.ZodType, U extends z.ZodType>(one: T, item: U) => z.union([one, many(item)]);

/** `parse --json` also prints AWS's number as `caseNumber`, the key it published first (tools such as the notice scorer read it). */
const parsedNotice = notice.extend({ caseNumber: awsCaseNumber.nullable().describe("deprecated: the same as awsCaseNumber, kept for tools that read parse --json") });

const timeLeft = z.strictObject({ at: isoTime.nullable(), basis: z.string(), remainingMs: z.number().nullable(), overdue: z.boolean(), text: z.string() });
const triageReport = z.strictObject({
  index: z.int(),
  notAnAwsNotice: z.string().nullable(),
  verdict,
  summary: z.string(),
  notice,
  deadline: timeLeft,
  nextSteps: z.array(z.string()),
  resolution: resolution.nullable(),
});

const stepResult = z.strictObject({
  stepId,
  action: z.string(),
  target: z.string(),
  status: z.enum(["done", "skipped", "already-done", "failed", "not-run"]),
  after: z.unknown().optional(),
  error: z.string().optional(),
  reason: z.string().optional(),
  observed: z.unknown().optional(),
  attempts: z.int().optional(),
});
const undoResult = z.strictObject({
  stepId,
  action: z.string(),
  target: z.string(),
  status: z.enum(["rolled-back", "nothing", "kept", "already-rolled-back", "never-applied", "not-chosen", "failed", "not-run"]),
  detail: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
  reason: z.string().optional(),
});

const applyResult = z.strictObject({ planId, status: z.enum(["complete", "failed", "incomplete"]), steps: z.array(stepResult), override: z.string().optional(), recovered: z.array(transitOutcome).optional() });

const evidence = z
  .object({ id: z.int(), caseId, label: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), source: z.string(), collectedAt: isoTime })
  .loose();

const draft = z
  .object({
    subject: z.string(),
    text: z.string(),
    to: z.string().nullable(),
    caseId,
    awsCaseNumber: awsCaseNumber.nullable(),
    template: z.string(),
    verdict: verdictLevel,
    claimed: z.array(z.object({ planId, stepId, at: isoTime }).loose()),
    warnings: z.array(z.string()),
  })
  .loose();

const notifyEvent = z
  .object({ kind: z.string(), key: z.string(), caseId: z.union([caseId, z.literal("AD-TEST")]), awsCaseNumber: awsCaseNumber.nullable(), at: isoTime, title: z.string(), text: z.string() })
  .loose();
const delivery = z.strictObject({
  channel: z.string(),
  ok: z.boolean(),
  attempts: z.int(),
  status: z.int().optional(),
  error: z.string().optional(),
  retryable: z.boolean().optional(),
  elapsedMs: z.number(),
});

const webUser = z.strictObject({ name: z.string(), role: z.enum(["viewer", "responder", "approver"]), hasPassword: z.boolean(), createdAt: isoTime, updatedAt: isoTime, lastLoginAt: isoTime.nullable() });

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const storedEvidence = z.strictObject({
  id: z.int(),
  caseId,
  label: z.string(),
  path: z.string().nullable(),
  encoding: z.string(),
  sha256,
  size: z.int().min(0),
  source: z.string(),
  collectedAt: isoTime,
  recordedAt: isoTime,
  actor: z.string(),
  planId: planId.nullable(),
  stepId: stepId.nullable(),
});
const notRun = z.strictObject({ accountId, region: z.string().optional(), reason: z.string(), action: z.string().optional() });

const reportTime = isoTime.or(z.literal("")).describe("ISO 8601 UTC, or empty when unknown");

export const OUTPUTS = {
  parse: oneOrMany(parsedNotice, parsedNotice.extend({ index: z.int() })).describe("abuse-desk parse --json: what a notice says"),
  verify: oneOrMany(verdict, verdict.extend({ index: z.int(), subject: z.string().nullable(), awsCaseNumber: awsCaseNumber.nullable() })).describe("abuse-desk verify --json: the verdict"),
  triage: oneOrMany(triageReport, triageReport).describe("abuse-desk triage --json"),
  resolve: oneOrMany(resolution, z.strictObject({ index: z.int(), resolution })).describe("abuse-desk resolve --json: where the resources are"),
  intake: z
    .strictObject({
      items: z.array(
        z.strictObject({
          file: z.string(),
          index: z.int(),
          case: caseObject,
          created: z.boolean(),
          duplicate: z.boolean(),
          joinedBy: z.string(),
          reverified: z.strictObject({ from: verdictLevel, to: verdictLevel }).nullable(),
          verdict,
          resolution: resolution.nullable(),
        }),
      ),
      failures: z.array(z.object({ file: z.string(), error: z.string() }).loose()),
      notNotices: z.array(z.strictObject({ file: z.string(), index: z.int(), reason: z.string() })),
      warnings: z.array(z.string()),
    })
    .describe("abuse-desk intake --json: the cases the notices opened or joined"),
  plan: plan.describe("abuse-desk plan --json: the containment plan (the same JSON apply reads)"),
  apply: applyResult.describe("abuse-desk apply --json: what each step did"),
  rollback: z
    .strictObject({
      planId,
      status: z.enum(["complete", "failed", "nothing-to-roll-back"]),
      steps: z.array(undoResult),
      rolledBackBefore: z.strictObject({ at: isoTime, actor: z.string() }).optional(),
      recovered: z.array(transitOutcome).optional(),
    })
    .describe("abuse-desk rollback --json: what each step's undo did"),
  "case-list": z.strictObject({ items: z.array(caseObject), next: z.string().nullable(), prev: z.string().nullable().optional() }).describe("abuse-desk case list --json: a page of cases; next is the cursor of the next page"),
  "case-show": z
    .strictObject({
      case: caseObject,
      notices: z.array(storedNotice),
      plans: z.array(plan),
      evidence: z.array(evidence),
      timeline: z.array(timelineEvent),
      transits: z.array(z.object({}).loose()),
      recovered: z.array(transitOutcome),
      investigations: z.array(storedInvestigation).optional(),
      checklist: z.array(checklistItem).nullable().optional().describe("a credential case's root checklist; null for any other case"),
    })
    .describe("abuse-desk case show --json: a case and everything kept with it"),
  "case-checklist": z
    .strictObject({ caseId, changed: z.boolean().describe("with --done or --reopen: whether the item's state changed"), items: z.array(checklistItem) })
    .describe("abuse-desk case checklist --json: the root checklist of a credential case"),
  "case-assign": caseObject.describe("abuse-desk case assign --json: the case"),
  "case-note": timelineEvent.describe("abuse-desk case note --json: the note, as a timeline event"),
  "case-status": caseObject.describe("abuse-desk case status --json: the case"),
  "case-link": caseObject.describe("abuse-desk case link --json: the receiving case"),
  "case-close": caseObject
    .extend({ stillInPlace: z.array(z.strictObject({ planId, stepId, action: z.string(), target: z.string(), how: z.string(), changes: z.string() })) })
    .describe("abuse-desk case close --json: the case, and the containment still in place"),
  "case-reopen": caseObject.describe("abuse-desk case reopen --json: the case"),
  reply: z
    .strictObject({ case: caseObject, draft, sent: z.object({ via: z.string() }).loose().nullable(), eml: z.string().nullable() })
    .describe("abuse-desk reply --json: the draft, and how it was sent"),
  report: z
    .strictObject({
      caseId,
      title: z.string(),
      subtitle: z.string(),
      generatedAt: isoTime,
      facts: z.array(z.strictObject({ label: z.string(), value: z.string() })),
      verdict: verdict.nullable(),
      notices: z.array(z.strictObject({ receivedAt: isoTime.nullable(), kind: z.string(), subject: z.string(), awsCaseNumber: awsCaseNumber.nullable(), verdict: verdictLevel, sha256: z.string() })),
      resources: z.array(z.strictObject({ id: z.string(), type: z.string(), where: z.string(), status: z.string(), owner: z.string(), summary: z.string() })),
      notSearched: z.array(z.string()),
      plans: z.array(z.strictObject({ id: planId, playbook: z.string(), createdAt: reportTime, summary: z.string(), refused: z.array(z.string()) })),
      actions: z.array(z.strictObject({ at: isoTime.nullable(), planId, stepId, text: z.string(), outcome: z.string() })),
      overrides: z.array(z.strictObject({ at: isoTime, planId, actor: z.string(), reason: z.string() })),
      awsMitigations: z.array(z.string()),
      evidence: z.array(z.strictObject({ label: z.string(), sha256: z.string(), size: z.string(), source: z.string(), collectedAt: reportTime, where: z.string() })),
      timeline: z.array(z.strictObject({ at: isoTime, actor: z.string(), type: z.string(), summary: z.string() })),
      reply: z.object({ status: z.enum(["sent", "drafted"]), at: isoTime }).loose().nullable(),
      checklist: z.array(checklistItem).nullable().optional().describe("a credential case's root checklist; null for any other case"),
      investigation: z
        .strictObject({
          investigationId: z.int(),
          status: z.enum(["complete", "partial"]),
          at: isoTime,
          activity: z.array(z.string()),
          likelyCause: z.string().nullable(),
          fixed: z.array(z.string()),
          findings: z.array(z.strictObject({ severity: z.enum(["info", "low", "medium", "high", "critical"]), area: z.string(), kind: z.string(), subject: z.string(), summary: z.string(), at: isoTime.nullable(), sources: z.array(z.string()) })),
          notSearched: z.array(z.string()),
          verdicts: z.array(z.strictObject({ result: z.enum(["confirmed", "not-observed", "no-logs"]), sentence: z.string(), query: z.string() })),
        })
        .nullable(),
      gaps: z
        .strictObject({
          gaps: z.array(
            z.strictObject({
              checkId: z.string(),
              title: z.string(),
              severity: z.enum(["critical", "high", "medium", "low"]),
              category: z.enum(["notices", "logging", "identity", "exposure", "response"]),
              accountId,
              scope: z.enum(["resource", "region", "account"]).describe("how it concerns the case: one of its resources, its region, or its account"),
              resources: z.array(z.strictObject({ accountId, region: z.string().optional(), id: z.string(), detail: z.string() })),
              why: z.string().optional(),
              remediation: z.strictObject({ console: z.string(), cli: z.string() }).optional(),
              runId: z.int().min(1),
              generatedAt: isoTime,
            }),
          ),
          notChecked: z.array(z.strictObject({ checkId: z.string(), title: z.string(), severity: z.enum(["critical", "high", "medium", "low"]), accountId, notRun: z.array(notRun), runId: z.int().min(1), generatedAt: isoTime })),
          runs: z.array(z.strictObject({ accountId, runId: z.int().min(1), generatedAt: isoTime })),
          noRun: z.array(accountId).describe("accounts of the case no readiness run was kept for"),
        })
        .nullable()
        .describe("the gaps that let this happen: failing readiness checks that concern the case (docs/readiness.md)"),
    })
    .describe("abuse-desk report --json: the report's content"),
  "audit-verify": z
    .object({
      intact: z.boolean(),
      entries: z.int(),
      head: z.strictObject({ seq: z.int(), hash: z.string() }).nullable().optional(),
      keyed: z.object({ from: z.int(), legacy: z.int() }).loose().nullable().optional(),
      firstBroken: z.object({ seq: z.int(), reason: z.string() }).loose().optional(),
      records: z.object({ checked: z.int() }).loose().optional(),
    })
    .loose()
    .describe("abuse-desk audit verify --json: whether the audit chain is intact"),
  "audit-log": z.array(auditEntry).describe("abuse-desk audit log --json: audit entries, oldest first"),
  "notify-test": z.array(delivery).describe("abuse-desk notify test --json: each channel's outcome"),
  "notify-due": z.array(notifyEvent).describe("abuse-desk notify due --json: the notifications due"),
  "notify-run": z.array(z.strictObject({ event: notifyEvent, outcomes: z.array(delivery) })).describe("abuse-desk notify run --json: each event sent and its outcomes"),
  "sim-status": z.strictObject({ estate: z.string(), stateFile: z.string(), changed: z.boolean(), changes: z.array(z.string()) }).describe("abuse-desk sim status --json"),
  "sim-reset": z.strictObject({ estate: z.string(), stateFile: z.string(), existed: z.boolean() }).describe("abuse-desk sim reset --json"),
  doctor: z
    .strictObject({ ok: z.boolean(), checks: z.array(z.strictObject({ id: z.string(), status: z.enum(["ok", "warn", "fail"]), detail: z.string(), fix: z.string().optional() })) })
    .describe("abuse-desk doctor --json: each check of the setup"),
  drill: z
    .strictObject({
      home: z.string(),
      database: z.string(),
      notice: z.string(),
      case: caseObject,
      verdict,
      resolution: resolution.nullable(),
      plan,
      applied: z.strictObject({ byPolicy: applyResult.nullable(), byPerson: applyResult.nullable() }),
      reply: z.string(),
      report: z.string(),
    })
    .describe("abuse-desk drill --json: the whole response on the simulated account"),
  serve: z
    .strictObject({
      drained: z.record(z.string(), z.int()),
      outcomes: z.strictObject({ done: z.int(), rejected: z.int(), retry: z.int(), failed: z.int(), lost: z.int() }),
      failingSources: z.array(z.object({ name: z.string(), error: z.string().nullable().optional() }).loose()),
      waiting: z.int(),
      failed: z.int(),
    })
    .describe("abuse-desk serve --once --json: what one pass took in and did"),
  "user-add": webUser.describe("abuse-desk user add --json: the user"),
  "user-list": z.strictObject({ items: z.array(webUser) }).describe("abuse-desk user list --json: the web desk's users"),
  "user-remove": z.strictObject({ removed: z.string() }).describe("abuse-desk user remove --json"),
  "user-passwd": webUser.describe("abuse-desk user passwd --json: the user"),
  "user-role": webUser.describe("abuse-desk user role --json: the user"),
  investigate: z
    .strictObject({
      caseId,
      investigationId: z.int(),
      status: z.enum(["complete", "partial"]).describe("partial (exit 69) when something was not searched"),
      startedAt: isoTime,
      finishedAt: isoTime,
      subject: investigationSubject,
      readers: z.array(readerRun),
      activity: z.array(activityResult),
      findings: z.array(investigationFinding),
      notSearched: z.array(investigationNotSearched),
      evidence: z.array(z.strictObject({ id: z.int(), label: z.string(), source: z.string(), sha256, size: z.int().min(0), collectedAt: isoTime })),
    })
    .describe("abuse-desk investigate --json: what the investigation found, and what it could not search"),
  "evidence-list": z.array(storedEvidence).describe("abuse-desk evidence list --json: the case's evidence, without its content"),
  "evidence-export": z
    .strictObject({
      caseId,
      out: z.string().nullable(),
      sha256,
      size: z.int().min(0),
      gzip: z.boolean(),
      items: z.int().min(0),
      included: z.int().min(0),
      notIncluded: z.array(z.object({ evidenceId: z.int(), label: z.string(), reason: z.string(), location: z.string().optional() }).loose()),
      s3: z.object({}).loose().nullable().describe("where the bundle was put in S3 (PutObject's answer), or null"),
    })
    .describe("abuse-desk evidence export --json: the bundle written"),
  sweep: z
    .strictObject({
      caseId: caseId.optional().describe("with a CASE: the case swept"),
      investigationId: z.int().optional().describe("with a CASE: the investigation run the sweep is kept as"),
      evidence: z.strictObject({ id: z.int(), label: z.literal("credential-sweep.json"), sha256 }).optional().describe("with a CASE: the sweep kept as case evidence, with its SHA-256"),
      sweep: z.strictObject({
        window: z.strictObject({ start: isoTime, end: isoTime }),
        holders: z.array(
          z.strictObject({
            accessKeyId: z.string(),
            accountId: accountId.nullable(),
            kind: z.enum(["user", "root", "role-session", "unknown"]),
            userName: z.string().optional(),
            roleName: z.string().optional(),
            roleArn: z.string().optional(),
            sessionName: z.string().optional(),
            user: z.object({ userName: z.string(), arn: z.string() }).loose().optional().describe("the IAM user as IAM describes it"),
            quarantinePolicies: z.array(z.string()),
            issuedBy: z.strictObject({ eventId: z.string(), eventTime: isoTime, accountId, region: z.string(), by: z.string() }).optional().describe("a temporary key: the AssumeRole event that issued it"),
          }),
        ),
        principals: z.array(
          z.strictObject({
            kind: z.enum(["access-key", "user"]),
            id: z.string(),
            accountId: accountId.nullable(),
            origin: z.union([z.literal("exposed"), z.strictObject({ eventId: z.string(), eventName: z.string(), by: z.string() })]),
          }),
        ),
        events: z.array(
          z.strictObject({
            accountId,
            region: z.string(),
            eventId: z.string(),
            eventName: z.string(),
            eventTime: isoTime,
            category: z.string(),
            principal: z.string(),
            username: z.string().optional(),
            accessKeyId: z.string().optional(),
            sourceIpAddress: z.string().optional(),
            errorCode: z.string().optional(),
            requestParameters: z.record(z.string(), z.unknown()).nullable().describe("CloudTrail's record, as AWS wrote it"),
            responseElements: z.record(z.string(), z.unknown()).nullable().describe("CloudTrail's record, as AWS wrote it"),
          }),
        ),
        inventory: z.array(
          z.strictObject({
            kind: z.string(),
            scope,
            id: z.string(),
            event: z.strictObject({ eventId: z.string(), eventName: z.string(), eventTime: isoTime, by: z.string() }).nullable(),
            state: z.string(),
            instanceType: z.string().optional(),
            gpu: z.boolean().optional(),
            cost: z.strictObject({ usdPerHour: z.number(), hours: z.number(), usd: z.number(), basis: z.enum(["listed", "from the family"]) }).optional(),
            details: z.record(z.string(), z.unknown()).optional(),
          }),
        ),
        cost: z.strictObject({ usdSoFar: z.number(), usdPerHourNow: z.number(), pricesAsOf: z.string(), note: z.string() }),
        searched: z.array(scope),
        notSearched: z.array(investigationNotSearched),
      }),
      plan: plan.optional().describe("the containment plan, when one was made"),
    })
    .describe("abuse-desk sweep --json: who holds the key, what it did, and the plan; with a CASE, where it is kept"),
  readiness: z
    .strictObject({
      generatedAt: isoTime,
      source: z.string(),
      accounts: z.array(z.strictObject({ accountId, name: z.string().optional(), regions: z.int().min(0), reachable: z.boolean() })),
      score: z.number().min(0).max(100),
      counts: z.strictObject({ pass: z.int(), fail: z.int(), "could-not-run": z.int() }),
      checks: z.array(
        z.strictObject({
          id: z.string(),
          title: z.string(),
          severity: z.enum(["critical", "high", "medium", "low"]),
          category: z.enum(["notices", "logging", "identity", "exposure", "response"]),
          alignedWith: z.string().optional(),
          why: z.string(),
          remediation: z.strictObject({ console: z.string(), cli: z.string() }),
          status: z.enum(["pass", "fail", "could-not-run"]),
          examined: z.int().min(0),
          failed: z.array(z.strictObject({ accountId, region: z.string().optional(), id: z.string(), detail: z.string() })),
          notRun: z.array(notRun),
        }),
      ),
      elapsedMs: z.number().min(0),
      saved: z
        .strictObject({ runId: z.int().min(1), kept: z.int().min(0), total: z.int().min(0), truncated: z.string().nullable().describe("what was cut to keep the run bounded, or null") })
        .nullable()
        .describe("the run as kept in the case store (the web desk's readiness page reads it), or null with --no-save or when it could not be kept"),
    })
    .describe("abuse-desk readiness --json: each check, what failed and what could not run"),
  inventory: z
    .strictObject({
      generatedAt: isoTime,
      source: z.string(),
      rows: z.array(
        z.strictObject({
          accountId,
          region: z.string(),
          kind: z.enum(["instance", "network-interface", "elastic-ip", "nat-gateway", "load-balancer"]),
          id: z.string(),
          name: z.string(),
          owner: z.string(),
          team: z.string(),
          publicAddresses: z.array(z.string()),
          privateAddresses: z.array(z.string()),
          securityGroups: z.array(z.string()),
          subnet: z.string(),
          vpc: z.string(),
          autoScalingGroup: z.string(),
          launchTime: isoTime.or(z.literal("")).describe("ISO 8601 UTC, or empty when it has none"),
          ami: z.string(),
          platform: z.string(),
          state: z.string(),
          ssm: z.string(),
          imds: z.string(),
          terminationProtection: z.string(),
        }),
      ),
      notRead: z.array(notRun),
      history: z.object({}).loose().nullable().describe("what the address history recorded from this inventory, or null"),
    })
    .describe("abuse-desk inventory --json: the assets, and the places that could not be read"),
} as const;

export type OutputName = keyof typeof OUTPUTS;

/** Shared pieces published beside the outputs (docs/schemas/vocabulary.json), for tools that want one shape. */
export const VOCABULARY = { verdict, reason, case: caseObject, plan, notice, storedNotice, resolution, notSearched, timelineEvent } as const;
