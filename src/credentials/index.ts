/**
 * The response to a compromised credential (issue 14): who holds it and what the attacker did and
 * made (./sweep.ts), the containment plan (./plan.ts through the playbooks), the reply in AWS's
 * order and the root checklist (./reply.ts), and `readCredentials`, the investigation reader the
 * orchestrator runs (src/investigate). See docs/credentials.md.
 */
import type { Plan } from "../plan/types.ts";
import { planContainment } from "../playbook/index.ts";
import type { NoticeFacts } from "../playbook/types.ts";
import type { Policy } from "../policy/policy.ts";
import type { Resolved, Resolution } from "../resolve/types.ts";
import type { EvidenceInput } from "../case/types.ts";
import type { Finding, FindingSeverity, InvestigationPart, Reader } from "../investigate/types.ts";
import { sweep, type InventoryItem, type SweepResult } from "./sweep.ts";

export { sweep, SWEEP_EVENTS, type SweepResult, type SweepRequest, type InventoryItem, type Holder } from "./sweep.ts";
export { planSweep, type SweepPlanOptions } from "./plan.ts";
export { credentialReply, ROOT_CHECKLIST } from "./reply.ts";

/** The notice's keys as the playbook's resolution carries them (the holder's key, user and tags). */
export function resolutionOfSweep(s: SweepResult): Resolution {
  const resources: Resolved[] = [];
  for (const h of s.holders) {
    const k = h.user?.accessKeys.find((x) => x.accessKeyId === h.accessKeyId);
    if (!h.accountId || !h.user || !k) continue;
    const u = h.user;
    resources.push({
      accountId: h.accountId,
      region: "global",
      type: "access-key",
      id: h.accessKeyId,
      accessKey: k,
      user: { userName: u.userName, userId: u.userId, arn: u.arn, createDate: u.createDate, path: u.path, attachedPolicies: u.attachedPolicies.map((p) => p.arn), groups: [], tags: u.tags },
      ownership: {},
      tags: u.tags,
    } as Resolved);
  }
  return {
    findings: resources.map((r) => ({ ref: { type: "access-key", id: r.id }, status: "found" as const, summary: `${r.id} in ${r.accountId}`, resources: [r], searched: [{ accountId: r.accountId, regions: ["global"] }] })),
    gaps: [],
    elapsedMs: 0,
  };
}

/** A plan from a sweep (`abuse-desk sweep --plan`, a credential case's plan): the credentials playbook over the holder's key plus the sweep. */
export function planSweepFor(
  s: SweepResult,
  o: { planId: string; caseId: string | null; createdAt: string; policy: Policy; notice?: NoticeFacts; deleteConsolePasswords?: boolean },
): Plan {
  const notice: NoticeFacts = o.notice ?? {
    kind: "credentials_exposed",
    activityType: "account_compromise",
    activityText: `exposed access key ${s.holders.map((h) => h.accessKeyId).join(", ")}`,
    caseNumber: null,
    remoteIps: [],
    remotePorts: [],
    protocol: null,
    destinationUrls: [],
    logExtract: null,
    fields: [],
  };
  return planContainment({
    planId: o.planId,
    caseId: o.caseId,
    createdAt: o.createdAt,
    notice,
    verdict: "authentic",
    resolution: resolutionOfSweep(s),
    policy: o.policy,
    options: { playbook: "credentials" },
    credentialSweep: { result: s, deleteConsolePasswords: o.deleteConsolePasswords === true },
  });
}

const SEVERITY: Record<InventoryItem["kind"], FindingSeverity> = {
  instance: "high",
  "spot-request": "high",
  fleet: "high",
  "spot-fleet": "high",
  "lightsail-instance": "high",
  "lambda-function": "medium",
  "iam-user": "critical",
  "access-key": "critical",
  "login-profile": "critical",
  policy: "high",
  role: "high",
  "trust-policy": "critical",
  "key-pair": "medium",
  "security-group-ingress": "high",
  ses: "high",
  "trail-stopped": "critical",
  "detector-deleted": "critical",
  "region-disabled": "critical",
  "left-organization": "critical",
  "bucket-policy": "high",
  "secret-read": "high",
  "bucket-list": "low",
};

/** The evidence label of a stored sweep (the whole SweepResult as JSON). */
export const SWEEP_LABEL = "credential-sweep.json";
const LABEL = SWEEP_LABEL;

/** The sweep's findings: one per holder and per inventory item, each traced to the sweep's evidence and query. */
export function findingsOf(s: SweepResult): Finding[] {
  const query = (what: string) => ({ evidence: LABEL, query: `CloudTrail LookupEvents ${what}, ${s.window.start}..${s.window.end}, ${s.searched.length} region(s)` });
  const out: Finding[] = [];
  for (const h of s.holders) {
    out.push({
      kind: `credentials.holder.${h.kind}`,
      area: "credentials",
      severity: h.kind === "root" ? "critical" : "high",
      subject: h.accessKeyId,
      summary:
        h.kind === "user"
          ? `${h.accessKeyId} belongs to IAM user ${h.userName} of ${h.accountId} (${h.user?.accessKeys.length ?? 0} key(s), console ${h.user?.loginProfile ? "enabled" : "off"})`
          : h.kind === "role-session"
            ? `${h.accessKeyId} is a session of role ${h.roleName ?? "?"}${h.sessionName ? ` (${h.sessionName})` : ""} in ${h.accountId ?? "?"}`
            : h.kind === "root"
              ? `${h.accessKeyId} is a root user key of ${h.accountId}: only root can act on it`
              : `the owner of ${h.accessKeyId} was not found in the accounts reached`,
      sources: [{ evidence: LABEL, query: "sts:GetAccessKeyInfo, iam:ListUsers, iam:ListAccessKeys" }],
    });
    if (h.quarantinePolicies.length)
      out.push({ kind: "credentials.aws-quarantine", area: "credentials", severity: "high", subject: h.userName ?? h.accessKeyId, summary: `AWS attached ${h.quarantinePolicies.join(", ")} to ${h.userName}: AWS saw the key exposed (kept; not removed by abuse-desk)`, sources: [{ evidence: LABEL, query: "iam:ListAttachedUserPolicies" }] });
  }
  for (const i of s.inventory) {
    const f: Finding = {
      kind: `credentials.${i.kind}`,
      area: "credentials",
      severity: i.kind === "instance" && !i.event ? "low" : SEVERITY[i.kind],
      subject: `${i.id} (${i.scope.accountId}/${i.scope.region})`,
      summary: `${i.event ? `${i.event.eventName} by ${i.event.by} at ${i.event.eventTime}` : "launched in the window, no event of a swept principal"}: ${i.kind} ${i.id}${i.instanceType ? ` ${i.instanceType}${i.gpu ? " (GPU)" : ""}` : ""}, now ${i.state}${i.cost ? `; about $${i.cost.usd} so far at $${i.cost.usdPerHour}/h (estimate)` : ""}`,
      sources: [query(i.event ? `by ${i.event.by}` : "instances launched in the window (ec2:DescribeInstances)")],
    };
    if (i.event) f.at = i.event.eventTime;
    if (i.cost) f.figures = { usdPerHour: i.cost.usdPerHour, hours: i.cost.hours, usdEstimate: i.cost.usd, gpu: i.gpu === true };
    out.push(f);
  }
  return out;
}

/**
 * The investigation reader: a sweep for every access key the subject names (its principals), from
 * the subject's window start (the exposure or the notice's window) to now. Artifacts: the whole
 * sweep as JSON. Regions and accounts not read are in notSearched.
 */
export const readCredentials: Reader = async (ctx, subject): Promise<InvestigationPart> => {
  const keys = subject.principals.filter((p) => p.kind === "access-key" && /^(AKIA|ASIA)[A-Z0-9]{16}$/.test(p.id)).map((p) => p.id);
  if (!keys.length) return { findings: [], artifacts: [], notSearched: [] };
  ctx.progress?.(`credential sweep: ${keys.join(", ")} from ${subject.window.start}`);
  // To now, not to the window's end: what the attacker made after the notice's window is the point of the sweep.
  const end = ctx.now().toISOString();
  const s = await sweep(ctx.port, { accessKeyIds: keys, start: subject.window.start, end }, { ...(ctx.progress ? { progress: ctx.progress } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const artifact: EvidenceInput = { label: LABEL, content: JSON.stringify(s, null, 2), source: `abuse-desk credential sweep of ${keys.join(", ")}`, collectedAt: ctx.now().toISOString() } as EvidenceInput;
  return { findings: findingsOf(s), artifacts: [artifact], notSearched: s.notSearched };
};
