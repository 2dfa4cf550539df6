/**
 * draftReply: the case's facts -> the reply AWS asks for. Pure: the same input gives the same
 * draft, nothing is read or sent (templates come in loaded, the shipped ones by default).
 *
 * What it writes is the order AWS's notices ask for: the case reference (kept in the subject), what
 * was found (resources, owners, root cause when known), each action with its time, the evidence
 * kept (with SHA-256), what prevents a recurrence (the activity family's template), and, when
 * asked, a request for more time. When the activity was legitimate, the use case instead.
 *
 * The one rule that matters most: an action is stated only when the journal shows it `done`
 * (src/reply/actions.ts decides). Failed, skipped and unfinished steps are listed in `warnings`
 * for the person sending, never in the text.
 */
import type { NoticeKind } from "../notice/types.ts";
import { missingSentence, searchOutcome } from "../resolve/outcome.ts";
import { safeText } from "../safe-text.ts";
import type { Finding, Resolved } from "../resolve/types.ts";
import type { VerdictLevel } from "../verify/types.ts";
import { describeStep, stepOutcomes, stopsActivity } from "./actions.ts";
import { credentialReply, stepKey, type StepState } from "../credentials/reply.ts";
import { evidenceFromJournal, mergeEvidence } from "./evidence.ts";
import { ACTIVITY_LABELS, activityFamily } from "./family.ts";
import { fmtHours, fmtTime } from "./format.ts";
import { render } from "./template.ts";
import { shippedTemplates } from "./templates.ts";
import { bareAddress, fallbackSubject, isAwsAbuseAddress, replySubject, threadHeaders, threadNotice } from "./thread.ts";
import type { ClaimedAction, ReplyDraft, ReplyInput, ReplyNotice } from "./types.ts";

const VERDICT_RANK: Record<VerdictLevel, number> = { authentic: 0, unverified: 1, suspicious: 2, phishing: 3 };
/** AWS accepts a request for more time; a request beyond a month is a typo, not a plan. */
const MAX_EXTENSION_HOURS = 24 * 30;

export class ReplyInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplyInputError";
  }
}

export function draftReply(input: ReplyInput): ReplyDraft {
  const opts = input.options ?? {};
  const warnings: string[] = [];
  const notices = input.notices;
  const thread = threadNotice(notices);
  const kase = input.case ?? null;
  if (!thread && !kase) throw new ReplyInputError("a reply needs the case or at least one of its notices");

  // --- the case and the activity --------------------------------------------------------------
  const activity = kase?.activityType ?? firstKnownActivity(notices) ?? "other";
  const kinds = notices.map((n) => n.kind) as NoticeKind[];
  const family = activityFamily(activity, kinds);
  const awsCaseNumber = kase?.awsCaseNumber ?? notices.find((n) => n.caseNumber)?.caseNumber ?? null;
  const accounts = unique([...(kase?.accountIds ?? []), ...notices.flatMap((n) => n.accountIds)]);
  const verdict = worstVerdict(input.verdict, kase?.verdict);

  if (verdict === "phishing" || verdict === "suspicious") {
    warnings.push(`The notice was judged ${verdict}: it may not come from AWS. Do not send this reply to its sender; contact AWS through the console or a known address.`);
  }
  if (notices.some((n) => n.kind === "resolved") && thread?.kind === "resolved") {
    warnings.push("AWS already said this case is resolved: a reply is not needed unless AWS asks for one.");
  }

  // --- subject and threading ------------------------------------------------------------------
  const original = thread?.subject ?? kase?.subject ?? null;
  let subject: string;
  if (original && original.trim()) {
    subject = replySubject(original);
  } else {
    const fb = fallbackSubject(awsCaseNumber, accounts[0] ?? null);
    if (fb) {
      subject = fb;
      warnings.push("The notice had no subject (pasted text or a Health event): the subject was built from the case number; check it matches AWS's.");
    } else {
      subject = `Re: AWS abuse report${accounts[0] ? ` for account ${accounts[0]}` : ""}`;
      warnings.push("No subject and no AWS case number: AWS may not be able to match this reply to its case. Add the case reference before sending.");
    }
  }
  const { inReplyTo, references } = thread ? threadHeaders(thread) : { inReplyTo: null, references: [] };
  if (thread && thread.format === "email" && !inReplyTo) warnings.push("The notice has no Message-ID: the reply cannot be threaded; the subject alone carries the case.");

  // --- recipient ------------------------------------------------------------------------------
  const to = opts.to ? bareAddress(opts.to) : bareAddress(thread?.from);
  if (opts.to && !to) throw new ReplyInputError(`"${opts.to}" is not an e-mail address`);
  const toIsAws = to !== null && isAwsAbuseAddress(to, opts.awsAddresses);
  if (!to) warnings.push("No notice says who sent it: give the address to reply to (--to).");
  else if (!toIsAws) warnings.push(`${to} is not one of AWS's abuse addresses: sending there needs an explicit confirmation.`);

  // --- what could not be searched ------------------------------------------------------------
  const unsearched = searchOutcome({ gaps: input.unsearched ?? [] }).status === "searched" ? [] : (input.unsearched ?? []);
  const notSearchedRefs = (input.findings ?? []).filter((f) => f.status === "not-searched").map((f) => f.ref.id);
  if (unsearched.length || notSearchedRefs.length)
    warnings.push(
      `The search was incomplete (${unsearched.length ? missingSentence(unsearched) : `${notSearchedRefs.join(", ")} not searched`}): the reply says the search is not complete rather than "not found"; search again (abuse-desk plan CASE) before sending if you can.`,
    );

  // --- what was done, from the journal --------------------------------------------------------
  const { outcomes } = stepOutcomes(input.plans ?? [], input.journal ?? []);
  const claimed: ClaimedAction[] = [];
  for (const o of outcomes) {
    if (o.status === "done" && o.doneAt) {
      claimed.push({
        planId: o.planId,
        stepId: o.stepId,
        at: o.doneAt,
        text: describeStep(o),
        seq: o.doneSeq,
        rolledBackAt: o.rollback?.status === "rolled-back" ? o.rollback.at : null,
        stops: o.step ? stopsActivity(o.step.action) : true,
      });
      if (o.rollback?.status === "in-progress") warnings.push(`Step ${o.stepId} is being rolled back: the reply says it is in place; check before sending.`);
      if (o.rollback?.status === "failed") warnings.push(`Rolling back step ${o.stepId} failed (${o.rollback.error}): the change is still in place, as the reply says.`);
    } else if (o.status === "failed") {
      warnings.push(`Step ${o.stepId} failed (${o.error}): not mentioned in the reply.`);
    } else if (o.status === "skipped") {
      warnings.push(`Step ${o.stepId} was skipped (already in the wanted state): not claimed as an action; add it by hand if you did it.`);
    } else if (o.status === "in-progress") {
      warnings.push(`Step ${o.stepId} was started but the journal does not show it finished: not mentioned in the reply.`);
    }
  }
  for (const m of input.manualActions ?? []) {
    // A person recorded it as done: they said what they did, so it counts as acting.
    claimed.push({ planId: null, stepId: null, at: m.at, text: m.text.trim().replace(/\.$/, ""), seq: null, rolledBackAt: null, stops: true });
  }
  claimed.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const legitimate = opts.legitimate ? opts.legitimate.useCase.trim() : null;
  if (opts.legitimate && !legitimate) throw new ReplyInputError("the use case of a legitimate activity cannot be empty");
  // Whether anything still in place acts against the activity: a reply listing only snapshots and
  // tags (or a change since rolled back) must not tell AWS "we acted".
  const stopped = claimed.some((a) => a.stops && a.rolledBackAt === null);
  if (claimed.length === 0 && !legitimate) warnings.push("The journal shows no completed action: the reply states none. Contain first (abuse-desk apply), or say what was done by hand.");
  else if (!stopped && !legitimate) warnings.push("No completed step stops the activity (evidence was kept, or the change was rolled back): the reply says so. Contain first (abuse-desk apply), or say what was done by hand.");

  // --- extension ------------------------------------------------------------------------------
  let extension: { hours: number; why: string; until: string | null; duration: string } | null = null;
  if (opts.extension) {
    const { hours, why } = opts.extension;
    if (!Number.isInteger(hours) || hours <= 0 || hours > MAX_EXTENSION_HOURS) throw new ReplyInputError(`more time must be a whole number of hours between 1 and ${MAX_EXTENSION_HOURS}, not ${hours}`);
    if (!why || !why.trim()) throw new ReplyInputError("a request for more time needs the reason (--why)");
    const deadline = kase?.deadline?.at ?? thread?.deadline.at ?? null;
    const until = deadline && !Number.isNaN(Date.parse(deadline)) ? new Date(Date.parse(deadline) + hours * 3_600_000).toISOString() : null;
    extension = { hours, why: sentence(why), until: until ? fmtTime(until) : null, duration: fmtHours(hours) };
  }

  // --- a credential case: what was done in AWS's order, from the same journal outcomes ----------
  let credentials: { text: string } | null = null;
  if (input.credentials && (family === "credentials-exposed" || family === "account-compromise")) {
    const states = new Map<string, StepState>();
    for (const o of outcomes) {
      const st: StepState =
        o.status === "done"
          ? o.rollback?.status === "rolled-back"
            ? { status: "rolled-back", at: o.rollback.at }
            : { status: "done", at: o.doneAt }
          : o.status === "skipped"
            ? { status: "already" }
            : o.status === "failed"
              ? { status: "failed", error: o.error }
              : { status: "pending" };
      states.set(stepKey(o.planId, o.stepId), st);
    }
    credentials = { text: credentialReply(input.credentials.sweep, input.plans ?? [], states, input.credentials.checklist) };
    if (!input.credentials.sweep) warnings.push("The credential sweep was not run: the reply says every region is still to be checked (abuse-desk sweep CASE).");
    else if (input.credentials.sweep.notSearched.length) warnings.push(`The credential sweep did not read everything (${input.credentials.sweep.notSearched.length} place(s)): the reply says the check is not complete.`);
  }

  // --- the view the template renders ---------------------------------------------------------
  const window = thread?.window ?? { begin: null, end: null };
  const evidence = mergeEvidence(input.evidence ?? [], evidenceFromJournal(input.journal ?? []));
  const awsMitigations = unique(notices.flatMap((n) => n.mitigations.map((m) => m.text.trim())));
  const prevention = (opts.prevention ?? []).map((p) => sentence(p)).filter(Boolean);
  const view = {
    case: { id: kase?.id ?? null, number: awsCaseNumber },
    awsTeam: family === "ses-enforcement" ? "Amazon SES team" : "AWS Trust & Safety",
    accounts: accounts.join(", "),
    activity: {
      label: ACTIVITY_LABELS[activity],
      text: thread?.activityText ?? null,
      window: window.begin ? (window.end ? `between ${fmtTime(window.begin)} and ${fmtTime(window.end)}` : `from ${fmtTime(window.begin)}`) : null,
    },
    resources: resourceLines(input.findings ?? [], notices, kase?.resources ?? [], opts.includeOwners === true, unsearched.length > 0),
    // A person's --root-cause wins; else the likely cause the investigation found (a finding, with its sources in the case).
    rootCause: opts.rootCause?.trim() ? sentence(opts.rootCause) : input.investigation?.likelyCause ? sentence(input.investigation.likelyCause) : null,
    investigation: input.investigation
      ? { activity: input.investigation.activity, fixed: input.investigation.fixed, partial: input.investigation.status === "partial" }
      : null,
    actions: claimed.map((a) => ({
      at: fmtTime(a.at),
      text: a.text,
      rolledBackAt: a.rolledBackAt ? fmtTime(a.rolledBackAt) : null,
      line: `${fmtTime(a.at)}: ${a.text}.${a.rolledBackAt ? ` This change was rolled back at ${fmtTime(a.rolledBackAt)}.` : ""}`,
    })),
    hasActions: claimed.length > 0,
    stopped,
    evidence: evidence.map((e) => ({
      label: e.label,
      sha256: e.sha256,
      collectedAt: fmtTime(e.collectedAt),
      source: e.source,
      line: `${e.label} (collected ${fmtTime(e.collectedAt)} from ${e.source}), SHA-256 ${e.sha256}`,
    })),
    awsMitigations,
    hasAwsMitigations: awsMitigations.length > 0,
    prevention,
    hasPrevention: prevention.length > 0,
    hasEvidence: evidence.length > 0,
    extension,
    credentials,
    legitimate: legitimate ? { useCase: capitalise(sentence(legitimate)) } : null,
    signature: {
      name: opts.signature?.name ?? null,
      team: opts.signature?.team ?? null,
      organisation: opts.signature?.organisation ?? null,
    },
  };

  const templates = input.templates ?? shippedTemplates();
  const templateName = opts.template ?? (legitimate ? "legitimate" : family);
  const template = templates.message(templateName);
  if (!template) throw new ReplyInputError(`no reply template named "${templateName}"`);
  // What the notice carried (its subject, activity text, ids) goes to AWS and to a person's screen: no control character or escape survives (src/safe-text.ts).
  const text = safeText(tidy(render(template, view, (n) => templates.partial(n))));
  subject = safeText(subject).replace(/\n/g, " ");

  return { subject, text, inReplyTo, references, to, toIsAws, caseId: kase?.id ?? null, awsCaseNumber, template: templateName, family, verdict, claimed, warnings };
}

function firstKnownActivity(notices: readonly ReplyNotice[]) {
  return notices.find((n) => n.activityType !== "other")?.activityType ?? notices[0]?.activityType;
}

function worstVerdict(...vs: (ReplyInput["verdict"] | undefined)[]): VerdictLevel | null {
  let worst: VerdictLevel | null = null;
  for (const v of vs) {
    const level = v == null ? null : typeof v === "string" ? v : v.verdict;
    if (level && (worst === null || VERDICT_RANK[level] > VERDICT_RANK[worst])) worst = level;
  }
  return worst;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** A sentence as the user typed it, with its final full stop (so templates can follow it). */
function sentence(s: string): string {
  const t = s.trim().replace(/\s+/g, " ");
  if (!t) return t;
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** Blank lines collapsed to one, no trailing spaces, one final newline. */
function tidy(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.replace(/[ \t]+$/, ""))
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim() + "\n"
  );
}

interface ResourceLine {
  id: string;
  type: string;
  line: string;
  owner: string | null;
}

/** What was found, one line per resource: from resolution when it ran, else as the notices name them. */
function resourceLines(findings: readonly Finding[], notices: readonly ReplyNotice[], caseResources: readonly string[], includeOwners: boolean, incomplete: boolean): ResourceLine[] {
  const out: ResourceLine[] = [];
  const seen = new Set<string>();
  for (const f of findings) {
    if (f.status === "found" || f.status === "moved") {
      for (const r of f.resources) {
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        const owner = includeOwners ? ownerText(r) : null;
        out.push({ id: r.id, type: r.type, owner, line: `${describeResolved(r)}, account ${r.accountId}, ${r.region}${owner ? `, owned by ${owner}` : ""}` });
      }
    } else if (f.status === "not-found" && !incomplete) {
      if (seen.has(f.ref.id)) continue;
      seen.add(f.ref.id);
      out.push({ id: f.ref.id, type: f.ref.type, owner: null, line: `${f.ref.id}: not found in our accounts (${f.summary.replace(/\.$/, "")})` });
    } else if (f.status === "not-found" || f.status === "not-searched") {
      // A place it could be in was not read: never "not found" to AWS.
      if (seen.has(f.ref.id)) continue;
      seen.add(f.ref.id);
      out.push({ id: f.ref.id, type: f.ref.type, owner: null, line: `${TYPE_WORDS[f.ref.type] ?? f.ref.type} ${f.ref.id}: our search of our accounts is not complete yet; we will follow up on it` });
    }
  }
  if (out.length > 0) return out;
  for (const n of notices) {
    for (const r of n.resources) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      if (r.publicIp) seen.add(r.publicIp);
      const where = [r.accountId ? `account ${r.accountId}` : null, r.region].filter(Boolean).join(", ");
      out.push({ id: r.id, type: r.type, owner: null, line: `${TYPE_WORDS[r.type] ?? r.type} ${r.id}${r.publicIp ? ` (${r.publicIp})` : ""}${where ? `, ${where}` : ""}` });
    }
  }
  for (const id of caseResources) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id, type: "other", owner: null, line: id });
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  "ec2-instance": "EC2 instance",
  "network-interface": "network interface",
  "elastic-ip": "Elastic IP",
  "public-ip": "public IP",
  "nat-gateway": "NAT gateway",
  "load-balancer": "load balancer",
  "access-key": "access key",
  "iam-user": "IAM user",
  "s3-bucket": "S3 bucket",
  "cloudfront-distribution": "CloudFront distribution",
  "lightsail-instance": "Lightsail instance",
  "ses-identity": "SES identity",
  "lambda-function": "Lambda function",
};

function describeResolved(r: Resolved): string {
  switch (r.type) {
    case "ec2-instance": {
      const name = r.tags.Name ? ` "${r.tags.Name}"` : "";
      const ips = r.publicIps.length ? ` (${r.publicIps.join(", ")})` : "";
      return `EC2 instance ${r.id}${name}${ips}, ${r.instance.state}`;
    }
    case "network-interface":
      return `network interface ${r.id}${r.networkInterface.attachment?.instanceId ? ` of ${r.networkInterface.attachment.instanceId}` : ""}`;
    case "elastic-ip":
      return `Elastic IP ${r.address.publicIp} (${r.address.allocationId})`;
    case "nat-gateway":
      return `NAT gateway ${r.id}`;
    case "load-balancer":
      return `${r.loadBalancer.type} load balancer ${r.loadBalancer.name}`;
    case "access-key":
      return `access key ${r.id}${r.user ? ` of IAM user ${r.user.userName}` : r.accessKey.userName ? ` of IAM user ${r.accessKey.userName}` : ""}`;
    case "s3-bucket":
      return `S3 bucket ${r.id}`;
    case "cloudfront-distribution":
      return `CloudFront distribution ${r.id} (${r.distribution.domainName})`;
  }
}

function ownerText(r: Resolved): string | null {
  const o = r.ownership;
  const parts = [o.owner, o.team && o.team !== o.owner ? `team ${o.team}` : null].filter(Boolean);
  return parts.length ? parts.join(", ") : null;
}
