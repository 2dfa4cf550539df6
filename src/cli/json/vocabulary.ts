/**
 * The one vocabulary of every `--json` output: each shape that appears in more than one command is
 * defined here once (the verdict, a case, a stored notice, a plan, the times and ids), and the
 * command outputs (./outputs.ts) are made of them. docs/schemas/*.json are generated from these
 * (scripts/gen-json-schemas.ts); test/cli/json-schemas.test.ts runs every command and parses what
 * it printed with the same schemas.
 *
 * The names, everywhere:
 * - `caseId` (or `id` inside a case object): the desk's own case id, `AD-2026-0001`;
 * - `awsCaseNumber`: AWS's case number (`31415926535`, `AWS-DMCA-3816`), never `caseNumber`;
 * - `planId`, `stepId` (or `id` inside a plan or a step object);
 * - `verdict`: the object `{ level, reasons, auth }` wherever a notice's verdict is given; a case
 *   and a plan carry the level only, as `verdict` (a plan file is read back by `apply`, and a case
 *   is judged by the most trusted of its notices, whose full verdicts `case show` gives);
 * - times: ISO 8601 in UTC with `Z` (`2026-05-01T10:00:00Z`, milliseconds allowed).
 *
 * This module imports zod: only the tests and the generator load it, never a command's start.
 */
import { z } from "zod";
import { ROOT_CHECKLIST_ITEMS } from "../../credentials/checklist.ts";
import { ACTIVITY_TYPES } from "../../notice/types.ts";
import { CASE_STATUSES, EVENT_TYPES, SEVERITIES } from "../../case/types.ts";

/** ISO 8601, UTC, with `Z`. */
export const isoTime = z.iso.datetime({ offset: false }).describe("ISO 8601 UTC time with Z");
export const caseId = z.string().regex(/^AD-\d{4}-\d{4,}$/).describe("the desk's case id (AD-2026-0001)");
export const awsCaseNumber = z.string().min(1).describe("AWS's case number, as AWS writes it");
export const planId = z.string().regex(/^[A-Za-z0-9._-]{1,120}$/).describe("a plan id");
export const stepId = z.string().regex(/^[A-Za-z0-9._-]{1,160}$/).describe("a step id, unique in its plan");
export const accountId = z.string().regex(/^\d{12}$/);
export const activityType = z.enum(ACTIVITY_TYPES);

export const verdictLevel = z.enum(["authentic", "unverified", "suspicious", "phishing"]);
export const reason = z.strictObject({ code: z.string(), severity: z.enum(["pass", "info", "warn", "fail"]), message: z.string() });
export const auth = z.strictObject({
  dkim: z.array(z.object({ result: z.string(), domain: z.string().optional(), aligned: z.boolean().optional(), selector: z.string().optional() })),
  spf: z.object({ result: z.string(), domain: z.string().optional() }).nullable(),
  dmarc: z.object({ result: z.string(), domain: z.string().optional(), policy: z.string().optional() }).nullable(),
  arc: z.object({ result: z.string() }).nullable(),
});
/** A notice's verdict: the same object in every output. */
export const verdict = z.strictObject({ level: verdictLevel, reasons: z.array(reason), auth: auth.nullable() }).describe("is the notice genuinely from AWS: the level and the reasons for it");

export const deadline = z.strictObject({ at: isoTime, basis: z.enum(["stated", "default", "manual"]), text: z.string().nullable() });

/** A case, as every command prints one. */
export const caseObject = z
  .strictObject({
    id: caseId,
    status: z.enum(CASE_STATUSES),
    statusBeforeClose: z.enum(CASE_STATUSES).nullable(),
    severity: z.enum(SEVERITIES),
    severitySource: z.enum(["derived", "manual"]),
    activityType,
    awsCaseNumber: awsCaseNumber.nullable(),
    accountId: accountId.nullable(),
    accountIds: z.array(accountId),
    resources: z.array(z.string()),
    regions: z.array(z.string()),
    verdict: verdictLevel.describe("the level of its most trusted notice's verdict"),
    subject: z.string().nullable(),
    assignee: z.string().nullable(),
    deadline,
    needsLinking: z.boolean(),
    linkReason: z.string().nullable(),
    linkInto: caseId.nullable(),
    noticeCount: z.int().min(0),
    receivedAt: isoTime,
    lastNoticeAt: isoTime,
    createdAt: isoTime,
    updatedAt: isoTime,
    closedAt: isoTime.nullable(),
    resolution: z.string().nullable(),
  })
  .describe("a case");

const source = z.object({ part: z.string() }).loose();

/** What a notice says (`parse --json`): the facts every tool relies on typed, the rest described loosely. */
export const notice = z
  .object({
    activityType,
    kind: z.string(),
    awsCaseNumber: awsCaseNumber.nullable(),
    accountIds: z.array(z.string()),
    regions: z.array(z.string()),
    instanceIds: z.array(z.string()),
    publicIps: z.array(z.string()),
    accessKeyIds: z.array(z.string()),
    networkInterfaceIds: z.array(z.string()),
    remoteIps: z.array(z.string()),
    remotePorts: z.union([z.array(z.int()), z.strictObject({ count: z.int() })]).describe("the remote ports, or how many when the notice only counts them"),
    protocol: z.string().nullable(),
    destinationUrls: z.array(z.string()),
    window: z.strictObject({ begin: isoTime.nullable(), end: isoTime.nullable() }),
    deadline: z.strictObject({ at: isoTime.nullable(), basis: z.enum(["stated", "default", "unknown"]), text: z.string().nullable(), source: source.optional().describe("where a stated deadline was read") }),
    resources: z.array(z.object({ type: z.string(), id: z.string(), source: source.optional() }).loose()),
    fields: z.array(z.object({ label: z.string(), value: z.string() }).loose()),
    format: z.string(),
    activityText: z.string().nullable(),
    subject: z.string().nullable(),
    from: z.string().nullable(),
    messageId: z.string().nullable(),
    receivedAt: isoTime.nullable(),
    mitigations: z.array(z.object({}).loose()),
    logExtract: z.string().nullable(),
    reporterFields: z.record(z.string(), z.string()),
    provenance: z.record(z.string(), z.array(source)),
    redactions: z.array(z.object({}).loose()),
    health: z.object({}).loose().nullable(),
    warnings: z.array(z.string()),
  })
  .loose()
  .describe("what a notice says, as facts");

/** A notice as the store keeps it (`case show`). */
export const storedNotice = z.strictObject({
  id: z.int(),
  caseId,
  kind: z.string(),
  activityType,
  messageId: z.string().nullable(),
  rawSha256: z.string().regex(/^[0-9a-f]{64}$/),
  dedupeKey: z.string(),
  receivedAt: isoTime,
  storedAt: isoTime,
  subject: z.string().nullable(),
  awsCaseNumber: awsCaseNumber.nullable(),
  verdict,
  joinedBy: z.string(),
  notice,
});

export const notSearched = z
  .object({ accountId: z.string(), region: z.string().optional(), reason: z.string(), fix: z.string().optional(), cause: z.string().optional() })
  .loose()
  .describe("a place that could not be read: never 'not found'");

/** Who held a public address when, and which source answered: CloudTrail, or abuse-desk's address history (inventory runs) when CloudTrail had nothing. */
export const ipHistory = z
  .strictObject({
    ip: z.string(),
    summary: z.string(),
    holders: z.array(
      z.strictObject({
        resourceId: z.string(),
        kind: z.enum(["instance", "network-interface", "nat-gateway", "other"]),
        from: isoTime.nullable(),
        to: isoTime.nullable(),
        allocationId: z.string().optional(),
      }),
    ),
    eventIds: z.array(z.string()),
    source: z.enum(["cloudtrail", "address-history"]).describe("which source answered who held the address"),
  })
  .describe("who held a public address when, and where that was read");

export const resolution = z
  .strictObject({
    findings: z.array(
      z
        .object({
          ref: z.object({ type: z.string(), id: z.string() }).loose(),
          status: z.enum(["found", "not-found", "moved", "not-searched", "error"]),
          summary: z.string(),
          resources: z.array(z.object({ type: z.string(), id: z.string() }).loose()),
          ipHistory: ipHistory.optional(),
        })
        .loose(),
    ),
    gaps: z.array(notSearched),
    elapsedMs: z.number().min(0),
  })
  .describe("where the notice's resources are, and the places that could not be searched");

export const planStep = z
  .object({
    id: stepId,
    action: z.string(),
    target: z.strictObject({ accountId, region: z.string(), type: z.string(), id: z.string() }),
    params: z.record(z.string(), z.unknown()),
    calls: z.array(z.strictObject({ api: z.string(), params: z.record(z.string(), z.unknown()) })),
    reason: z.string(),
    changes: z.string(),
    reversible: z.boolean(),
    risk: z.enum(["low", "medium", "high"]),
    dependsOn: z.array(stepId),
    autoApprovable: z.boolean(),
  })
  .loose();

/** A containment plan (the same JSON `plan --out` writes and `apply` reads). */
export const plan = z
  .strictObject({
    id: planId,
    caseId: caseId.nullable(),
    createdAt: isoTime,
    playbook: z.string(),
    activityType,
    verdict: verdictLevel.describe("the level of its notice's verdict"),
    summary: z.string(),
    steps: z.array(planStep),
    refused: z.array(z.strictObject({ target: z.string(), reason: z.string() })),
    warnings: z.array(z.string()),
  })
  .describe("a containment plan");

export const transitOutcome = z.object({}).loose();

export const timelineEvent = z.strictObject({ id: z.int(), caseId, at: isoTime, actor: z.string(), type: z.enum(EVENT_TYPES), summary: z.string(), data: z.record(z.string(), z.unknown()) });

export const auditEntry = z.strictObject({
  seq: z.int(),
  at: isoTime,
  actor: z.string(),
  action: z.string(),
  caseId: caseId.nullable(),
  data: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});

export const failure = z.strictObject({ index: z.int(), error: z.string() });

/** Where a reader looked: an account and a region. */
export const scope = z.strictObject({ accountId, region: z.string() });

/** What an investigation is about (src/investigate/types.ts Subject). */
export const investigationSubject = z.strictObject({
  caseId,
  activityType,
  window: z.strictObject({ start: isoTime, end: isoTime }),
  noticeWindow: z.strictObject({ begin: isoTime.nullable(), end: isoTime.nullable() }),
  remoteIps: z.array(z.string()),
  remotePorts: z.array(z.int()),
  resources: z.array(
    z.strictObject({
      scope,
      kind: z.enum(["instance", "network-interface", "elastic-ip", "nat-gateway", "load-balancer", "other"]),
      id: z.string(),
      publicIps: z.array(z.string()),
      privateIps: z.array(z.string()),
      networkInterfaceIds: z.array(z.string()),
      instanceRoleArn: z.string().optional(),
      platform: z.enum(["linux", "windows"]).optional(),
    }),
  ),
  principals: z.array(z.strictObject({ accountId, kind: z.enum(["access-key", "user", "role", "root"]), id: z.string() })),
  containedAt: isoTime.nullable().optional(),
});

const figures = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));

/** One statement an investigation makes, traced to its source. */
export const investigationFinding = z.strictObject({
  kind: z.string(),
  area: z.enum(["cloudtrail", "flow-logs", "host", "credentials"]),
  severity: z.enum(["info", "low", "medium", "high", "critical"]),
  subject: z.string(),
  summary: z.string(),
  figures: figures.optional(),
  at: isoTime.optional(),
  sources: z.array(z.strictObject({ evidence: z.string(), query: z.string().optional() })),
});

/** Was the reported traffic seen in the flow logs: `result`, not `verdict` (a verdict is a notice's). */
export const activityResult = z.strictObject({
  result: z.enum(["confirmed", "not-observed", "no-logs"]),
  networkInterfaceIds: z.array(z.string()),
  window: z.strictObject({ start: isoTime, end: isoTime }),
  stoppedAfterContainment: z.boolean().nullable(),
  query: z.string(),
  figures,
});

/** Something an investigation could not read: said, never passed over as "nothing found". */
export const investigationNotSearched = z.strictObject({ what: z.string(), scope: scope.optional(), reason: z.string() }).describe("a thing the investigation could not read");

export const readerRun = z.strictObject({ name: z.string(), status: z.enum(["ran", "failed", "skipped"]), findings: z.int().min(0), artifacts: z.int().min(0), error: z.string().optional() });

/** An investigation as the case keeps it (`case show`). */
/** An item of a credential case's root checklist (src/credentials/checklist.ts, src/case/checklist.ts). */
export const checklistItem = z.strictObject({
  id: z.enum(ROOT_CHECKLIST_ITEMS.map((x) => x.id) as [string, ...string[]]),
  text: z.string(),
  state: z.enum(["open", "done"]),
  by: z.string().nullable().describe("who set its state last (null: never touched)"),
  at: isoTime.nullable(),
});

export const storedInvestigation = z.strictObject({
  id: z.int(),
  caseId,
  actor: z.string(),
  recordedAt: isoTime,
  status: z.enum(["complete", "partial"]),
  startedAt: isoTime,
  finishedAt: isoTime,
  options: z.record(z.string(), z.unknown()),
  subject: investigationSubject,
  readers: z.array(readerRun),
  findings: z.array(investigationFinding),
  activity: z.array(activityResult),
  notSearched: z.array(investigationNotSearched),
  evidenceIds: z.array(z.int()),
});
