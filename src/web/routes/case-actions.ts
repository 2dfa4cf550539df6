/**
 * What the case page's actions do, apart from HTTP: each reads and writes through the desk
 * (src/desk), the reply (src/reply) and the store, as the signed-in person. The route module
 * (case.tsx) parses the form, checks the role and renders; these decide.
 */
import type { CaseRecords } from "../../case/read.ts";
import type { Case, CaseStore } from "../../case/types.ts";
import type { CloudPort } from "../../cloud/port.ts";
import type { ConfigDocument } from "../../config/file.ts";
import { applyPlan, planCase, rollbackPlan, storedVerdict } from "../../desk/index.ts";
import type { ApplyResult } from "../../execute/apply.ts";
import type { RollbackResult } from "../../execute/rollback.ts";
import type { Plan } from "../../execute/types.ts";
import { UserError } from "../../errors.ts";
import type { ReplyDraft } from "../../reply/types.ts";
import type { Principal } from "../types.ts";
import { approvalIn, planAuthorIn, samePerson } from "../../case/approval.ts";

export interface ActAs {
  user: Principal;
  /** `web:<name>`: how the journal, timeline and audit chain name the person. */
  actor: string;
  now: Date;
}

/** Every id a form may name: plan and step ids are short, printable, and belong to the plan. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

export function checkId(kind: string, id: string): string {
  if (!ID.test(id)) throw new UserError(`that is not a ${kind} id`, { exitCode: 64 });
  return id;
}

/** The plan, only when it is one of this case's (a plan id from a form is input, not a grant). */
export async function casePlan(store: CaseStore, c: Case, planId: string): Promise<Plan> {
  const plan = await store.getPlan(checkId("plan", planId));
  if (!plan || plan.caseId !== c.id) throw new UserError(`case ${c.id} has no plan ${planId}`, { exitCode: 66 });
  return plan;
}

/** The chosen steps with what they depend on (a step cannot run before them), or null for all. */
export function chosenWithDependencies(plan: Plan, chosen: readonly string[]): { only: Set<string> | null; added: string[] } {
  if (chosen.length === 0) return { only: null, added: [] };
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  for (const id of chosen) if (!byId.has(id)) throw new UserError(`plan ${plan.id} has no step ${id}`, { exitCode: 64 });
  const only = new Set<string>();
  const visit = (id: string) => {
    if (only.has(id)) return;
    only.add(id);
    for (const d of byId.get(id)?.dependsOn ?? []) visit(d);
  };
  for (const id of chosen) visit(id);
  return { only, added: [...only].filter((id) => !chosen.includes(id)) };
}

/** The chosen steps with the steps that depend on them (they must be undone first), or null for all. */
export function chosenWithDependants(plan: Plan, chosen: readonly string[]): { only: Set<string> | null; added: string[] } {
  if (chosen.length === 0) return { only: null, added: [] };
  for (const id of chosen) if (!plan.steps.some((s) => s.id === id)) throw new UserError(`plan ${plan.id} has no step ${id}`, { exitCode: 64 });
  const only = new Set<string>(chosen);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of plan.steps) {
      if (!only.has(s.id) && s.dependsOn.some((d) => only.has(d))) {
        only.add(s.id);
        grew = true;
      }
    }
  }
  return { only, added: [...only].filter((id) => !chosen.includes(id)) };
}

/**
 * Who wrote the plan, for four-eyes: the web desk's note naming the author, else the store's
 * `plan` event's actor. Null when neither says.
 */
export async function planAuthor(store: CaseStore, plan: Plan): Promise<string | null> {
  if (!plan.caseId) return null;
  return planAuthorIn(await store.timeline(plan.caseId), plan.id);
}

/** A responder writes a plan: resolved in the configured account now, kept with the case, its author named on the timeline. */
export async function writePlan(store: CaseStore, c: Case, port: CloudPort, as: ActAs, policyPath?: string | null): Promise<Plan> {
  const { loadPolicy } = await import("../../policy/load.ts");
  const policy = await loadPolicy(policyPath ?? undefined);
  const { plan } = await planCase(store, c.id, { port, policy, now: as.now, actor: as.actor, recoverWith: port });
  await store.recordEvent(c.id, "note", `Plan ${plan.id} written by ${as.user.name} on the web desk`, { planId: plan.id, planAuthor: as.user.name }, { actor: as.actor, now: as.now });
  return plan;
}

/** Who approved the plan and when (the web desk's `note` naming the approval), or null: not approved. */
export async function planApproval(store: CaseStore, plan: Plan): Promise<{ by: string; at: string } | null> {
  if (!plan.caseId) return null;
  return approvalIn(await store.timeline(plan.caseId), plan.id);
}

function fourEyesCheck(author: string | null, as: ActAs, plan: Plan, what: "approve" | "apply") {
  if (author && samePerson(author, as.user.name)) {
    throw new UserError(`four-eyes: ${as.user.name} wrote plan ${plan.id}, so another approver must ${what} it`, { exitCode: 77 });
  }
}

/**
 * An approver approves the plan as it stands (every step, its reason, risk and API calls, as the
 * page shows them): recorded on the timeline and in the audit chain with the person. Four-eyes:
 * not the plan's author. A plan is approved once.
 */
export async function approvePlan(store: CaseStore, req: { plan: Plan; fourEyes: boolean }, as: ActAs): Promise<{ by: string; at: string }> {
  if (as.user.role !== "approver") throw new UserError(`approving a plan needs the approver role; ${as.user.name} is a ${as.user.role}`, { exitCode: 77 });
  if (req.fourEyes) fourEyesCheck(await planAuthor(store, req.plan), as, req.plan, "approve");
  const already = await planApproval(store, req.plan);
  if (already) throw new UserError(`plan ${req.plan.id} was already approved by ${already.by} at ${already.at}`, { exitCode: 65 });
  const e = await store.recordEvent(
    req.plan.caseId!,
    "note",
    `Plan ${req.plan.id} approved by ${as.user.name} on the web desk (${req.plan.steps.length} steps)`,
    { planId: req.plan.id, planApproved: req.plan.id, approvedBy: as.user.name, steps: req.plan.steps.map((s) => s.id) },
    { actor: as.actor, now: as.now },
  );
  return { by: as.user.name, at: e.at };
}

export interface ApplyRequest {
  plan: Plan;
  /** Step ids chosen; empty: the whole plan. */
  steps: string[];
  /** A person's reason to apply despite a doubtful verdict. */
  override?: string;
  fourEyes: boolean;
  /** The person approves the plan and applies it in one step (they confirmed it explicitly); else the plan must be approved already. */
  approveNow?: boolean;
  port: CloudPort;
  onProgress?: () => void;
}

/** An approver applies the plan (all of it, or chosen steps with what they depend on). */
export async function applyAsPerson(store: CaseStore, req: ApplyRequest, as: ActAs): Promise<{ result: ApplyResult; added: string[] }> {
  if (req.fourEyes) fourEyesCheck(await planAuthor(store, req.plan), as, req.plan, "apply");
  const verdict = await storedVerdict(store, req.plan);
  const override = req.override?.trim();
  if ((verdict === "phishing" || verdict === "suspicious") && !override) {
    throw new UserError(`the notice was judged ${verdict}: applying its plan is refused unless you give the reason you are sure it is genuine`, { exitCode: 77 });
  }
  if (!(await planApproval(store, req.plan))) {
    if (!req.approveNow) {
      throw new UserError(`plan ${req.plan.id} is not approved: approve it first, or confirm that you approve and apply it in one step`, { exitCode: 77 });
    }
    await approvePlan(store, { plan: req.plan, fourEyes: req.fourEyes }, as);
  }
  const { only, added } = chosenWithDependencies(req.plan, req.steps);
  const { ApplyRefused } = await import("../../execute/errors.ts");
  try {
    const result = await applyPlan(store, req.plan, {
      port: req.port,
      approve: "person",
      actor: as.actor,
      ...(only ? { only } : {}),
      ...(override ? { override: { reason: override } } : {}),
      onProgress: () => req.onProgress?.(),
    });
    return { result, added };
  } catch (err) {
    if (err instanceof ApplyRefused) throw new UserError(err.message, { exitCode: err.code === "verdict" ? 77 : 65 });
    throw err;
  }
}

/** An approver rolls back the plan (all of it, or chosen steps with the steps that depend on them). */
export async function rollbackAsPerson(store: CaseStore, req: { plan: Plan; steps: string[]; reason?: string; port: CloudPort; onProgress?: () => void }, as: ActAs): Promise<{ result: RollbackResult; added: string[] }> {
  const { only, added } = chosenWithDependants(req.plan, req.steps);
  const { ApplyRefused } = await import("../../execute/errors.ts");
  try {
    const result = await rollbackPlan(store, req.plan.id, {
      port: req.port,
      actor: as.actor,
      ...(only ? { only } : {}),
      ...(req.reason?.trim() ? { reason: req.reason.trim() } : {}),
      onProgress: () => req.onProgress?.(),
    });
    return { result, added };
  } catch (err) {
    if (err instanceof ApplyRefused) throw new UserError(err.message, { exitCode: 65 });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// The reply

export interface ReplyContext {
  draft: ReplyDraft;
  /** The text the editor starts with: the person's last saved edit when nothing happened since, else the template's draft. */
  text: string;
  savedAt: string | null;
  /** How it would be sent now: smtp, ses, or null (no channel configured: say so). */
  via: "smtp" | "ses" | null;
  from: string | null;
}

/** The channel replies are sent through: the configured SMTP server, else SES when a region is configured, else none. */
export async function replyChannel(doc: ConfigDocument): Promise<{ via: "smtp" | "ses" | null; from: string | null }> {
  const { replySettings, smtpSettings } = await import("../../reply/config.ts");
  const settings = replySettings(doc);
  const via = smtpSettings(doc) ? "smtp" : settings.ses.region ? "ses" : null;
  return { via, from: settings.from };
}

async function draftOptions(doc: ConfigDocument) {
  const [{ replySettings }, { loadTemplates }] = await Promise.all([import("../../reply/config.ts"), import("../../reply/templates.ts")]);
  const settings = replySettings(doc);
  return {
    settings,
    templates: loadTemplates(settings.templateDirs),
    options: { awsAddresses: settings.awsAddresses, signature: settings.signature, includeOwners: settings.includeOwners },
  };
}

/** The draft as the editor shows it (nothing is recorded: a page view writes nothing). */
export async function replyContext(records: CaseRecords, doc: ConfigDocument): Promise<ReplyContext> {
  const [{ caseData }, { draftReply }] = await Promise.all([import("../../reply/case.ts"), import("../../reply/draft.ts")]);
  const data = caseData(records);
  const { templates, options } = await draftOptions(doc);
  const draft = draftReply({ ...data.input, options, templates });
  const saved = [...data.timeline].reverse().find((e) => (e.type === "reply-drafted" || e.type === "reply-sent") && typeof e.data.text === "string");
  const lastChange = [...data.timeline].reverse().find((e) => e.type.startsWith("step-") || e.type === "plan" || e.type === "notice-received");
  const fresh = saved && saved.type === "reply-drafted" && saved.data.edited === true && (!lastChange || lastChange.id < saved.id);
  const channel = await replyChannel(doc);
  return { draft, text: fresh ? (saved.data.text as string) : draft.text, savedAt: fresh ? saved.at : null, ...channel };
}

export const MAX_REPLY = 60_000;

function checkReplyText(text: string): string {
  if (text.trim() === "") throw new UserError("the reply is empty", { exitCode: 64 });
  if (text.length > MAX_REPLY) throw new UserError(`the reply is longer than ${MAX_REPLY} characters`, { exitCode: 64 });
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) throw new UserError("the reply contains control characters", { exitCode: 64 });
  return text;
}

/** A responder saves the edited text as the case's draft (recorded once per distinct text). */
export async function saveDraft(store: CaseStore, caseId: string, text: string, doc: ConfigDocument, as: ActAs) {
  const { replyForCase } = await import("../../reply/case.ts");
  const { templates, options } = await draftOptions(doc);
  return replyForCase(store, caseId, { options, templates, text: checkReplyText(text), actor: as.actor, now: as.now });
}

/** An approver sends the (edited) reply through the configured channel, in the notice's thread. */
export async function sendReply(store: CaseStore, caseId: string, req: { text: string; allowNonAws: boolean }, doc: ConfigDocument, as: ActAs) {
  const [{ replyForCase }, send, { smtpSettings }] = await Promise.all([import("../../reply/case.ts"), import("../../reply/send.ts"), import("../../reply/config.ts")]);
  const { settings, templates, options } = await draftOptions(doc);
  const channel = await replyChannel(doc);
  let sender;
  if (channel.via === "smtp") sender = send.smtpSender(smtpSettings(doc)!);
  else if (channel.via === "ses") {
    const { SESv2Client } = await import("@aws-sdk/client-sesv2");
    sender = send.sesSender(new SESv2Client({ region: settings.ses.region }), settings.ses.configurationSet ? { configurationSet: settings.ses.configurationSet } : {});
  } else {
    throw new UserError("no channel to send replies through is configured: set the smtp: section (or reply.ses.region) of config.yaml (docs/reply.md)", { exitCode: 69 });
  }
  return replyForCase(store, caseId, {
    options,
    templates,
    text: checkReplyText(req.text),
    send: { sender, from: channel.from, cc: settings.cc, allowNonAws: req.allowNonAws, awsAddresses: settings.awsAddresses },
    actor: as.actor,
    now: as.now,
  });
}
