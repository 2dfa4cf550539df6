/**
 * The reply for a case in the store: gather what the draft needs (notices, verdicts, resolution,
 * plans, journal, evidence, hand-recorded actions), draft it, and, only when asked, send it and
 * record it on the timeline. This is what `abuse-desk reply` and the drill call.
 */
import { investigationStatement } from "../investigate/statement.ts";
import { sweepFromRecords } from "../credentials/case.ts";
import { createHash } from "node:crypto";
import { readCase, type CaseRecords } from "../case/read.ts";
import { canMoveCase } from "../case/rules.ts";
import type { Case, CaseStore, StoredNotice, TimelineEvent } from "../case/types.ts";
import { UserError } from "../errors.ts";
import type { VerdictLevel } from "../verify/types.ts";
import { draftReply, ReplyInputError } from "./draft.ts";
import { checkSendable, composeReply, fileSender, type OutgoingMessage, type ReplySender, type SendResult } from "./send.ts";
import { TemplateError } from "./template.ts";
import type { TemplateSet } from "./templates.ts";
import { findingsFromTimeline, isDrillCase, MANUAL_ACTION, manualActions, unsearchedFromTimeline } from "./timeline.ts";
import type { ReplyDraft, ReplyInput, ReplyOptions } from "./types.ts";

export async function recordManualAction(store: CaseStore, caseId: string, text: string, opts: { actor?: string; now?: Date } = {}): Promise<TimelineEvent> {
  const t = text.trim().replace(/\s+/g, " ");
  if (!t) throw new UserError("say what was done (--done TEXT)", { exitCode: 64 });
  return store.recordEvent(caseId, "note", `Done by hand: ${t}`, { [MANUAL_ACTION]: true, text: t }, opts);
}

export interface CaseData {
  case: Case;
  input: Omit<ReplyInput, "options" | "templates">;
  timeline: TimelineEvent[];
  /** Notices of the case judged suspicious or phishing that the reply leaves out (see `replyNotices`). */
  leftOut: StoredNotice[];
}

/**
 * The notices a reply answers and takes its facts from. A forgery quoting a real case number joins
 * that case (so the team sees it), but the reply must never thread under it, write to its sender,
 * keep its subject or repeat what it claims: when the case has notices that may move it (authentic
 * or unverified), only those count. A case made only of doubtful notices keeps them all, and its
 * verdict then stops the reply from being sent.
 */
export function replyNotices(notices: readonly StoredNotice[]): { used: StoredNotice[]; leftOut: StoredNotice[] } {
  const trusted = notices.filter((n) => canMoveCase(n.verdict));
  if (trusted.length === 0) return { used: [...notices], leftOut: [] };
  return { used: trusted, leftOut: notices.filter((n) => !canMoveCase(n.verdict)) };
}

export async function loadCaseData(store: CaseStore, ref: string): Promise<CaseData> {
  return caseData(await readCase(store, ref));
}

/** What the reply is drafted from, out of a case's records (already read: the web desk's case page reads them once). */
export function caseData({ case: c, notices, plans, journal, evidence, timeline, investigations, checklist }: CaseRecords): CaseData {
  const { used, leftOut } = replyNotices(notices);
  return {
    case: c,
    timeline,
    leftOut,
    input: {
      notices: used.map((n) => n.notice),
      case: c,
      verdict: c.verdict as VerdictLevel,
      findings: findingsFromTimeline(timeline),
      unsearched: unsearchedFromTimeline(timeline),
      plans,
      journal,
      evidence,
      manualActions: manualActions(timeline),
      investigation: investigationStatement(investigations ?? []),
      // A credential case: the latest sweep kept with it (checked against its SHA-256) and its root checklist.
      credentials: checklist ? { sweep: sweepFromRecords(investigations ?? [], evidence)?.sweep ?? null, checklist } : null,
    },
  };
}

export interface SendRequest {
  sender: ReplySender;
  from: string | null;
  cc?: string[];
  allowNonAws: boolean;
  awsAddresses?: string[];
}

export interface CaseReplyOptions {
  options?: ReplyOptions;
  templates?: TemplateSet;
  /** Send it (SMTP, SES, or a file). Without it, the reply is only drafted. */
  send?: SendRequest | null;
  /** Also write the message as a .eml file here (a draft to send by hand, or a copy of what was sent). */
  eml?: string | null;
  /** Replace an existing `eml` file (never a symbolic link). */
  force?: boolean;
  actor?: string;
  now?: Date;
  /**
   * A person's edit of the drafted text (the web desk's reply editor): it replaces the template's
   * text, keeping the draft's recipient, subject, thread and checks; the timeline records that the
   * text was edited and the hash of both texts.
   */
  text?: string;
}

export interface CaseReplyResult {
  case: Case;
  draft: ReplyDraft;
  message: OutgoingMessage | null;
  sent: SendResult | null;
  eml: string | null;
  /** The timeline event written (reply-drafted or reply-sent); null when an identical draft was already recorded. */
  recorded: TimelineEvent | null;
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** A drill's reply goes to a file at most: its notice and its account are simulated. */
export function refuseDrillSend(caseId: string, timeline: readonly TimelineEvent[], via: string): void {
  if (via === "file" || !isDrillCase(timeline)) return;
  throw new UserError(`case ${caseId} is a drill: its notice and account are simulated, so its reply is not sent to anyone`, {
    exitCode: 77,
    hint: "write it to a file instead: --send file --out reply.eml",
  });
}

export async function replyForCase(store: CaseStore, ref: string, opts: CaseReplyOptions = {}): Promise<CaseReplyResult> {
  const data = await loadCaseData(store, ref);
  let draft: ReplyDraft;
  try {
    draft = draftReply({ ...data.input, options: opts.options ?? {}, ...(opts.templates ? { templates: opts.templates } : {}) });
  } catch (err) {
    if (err instanceof ReplyInputError) throw new UserError(err.message, { exitCode: 64 });
    if (err instanceof TemplateError) throw new UserError(err.message, { exitCode: 78, hint: "fix the template (docs/reply.md lists the names a template can use)" });
    throw err;
  }
  let drafted: string | null = null;
  if (opts.text !== undefined && opts.text.replace(/\r\n/g, "\n") !== draft.text) {
    drafted = draft.text;
    draft = { ...draft, text: opts.text.replace(/\r\n/g, "\n") };
  }
  if (data.leftOut.length > 0) {
    const levels = [...new Set(data.leftOut.map((n) => n.verdict))].join(" or ");
    const n = data.leftOut.length;
    draft.warnings.push(
      `${n} notice${n === 1 ? "" : "s"} of this case ${n === 1 ? "was" : "were"} judged ${levels} (someone may be impersonating AWS about this case): left out of the reply, which answers the case's genuine notices only.`,
    );
  }
  const send = opts.send ?? null;
  if (send) refuseDrillSend(data.case.id, data.timeline, send.sender.via);
  const actor = opts.actor ? { actor: opts.actor } : {};
  const now = opts.now ? { now: opts.now } : {};

  let message: OutgoingMessage | null = null;
  let eml: string | null = null;
  let sent: SendResult | null = null;
  if (send) checkSendable(draft, { via: send.sender.via, from: send.from, allowNonAws: send.allowNonAws, awsAddresses: send.awsAddresses ?? [] });
  else if (draft.verdict === "phishing" && opts.eml) checkSendable(draft, { via: "file", from: null, allowNonAws: false });
  if (send || opts.eml) {
    message = await composeReply(draft, { from: send?.from ?? null, cc: send?.cc ?? [], ...(opts.now ? { date: opts.now } : {}) });
    if (opts.eml && send?.sender.via !== "file") eml = (await fileSender(opts.eml, { force: opts.force === true }).send(message)).path;
    if (send) {
      sent = await send.sender.send(message);
      if (sent.via === "file") eml = sent.path;
    }
  }

  const c = data.case;
  const textSha256 = sha(draft.text);
  const edited = drafted === null ? {} : { edited: true, draftedSha256: sha(drafted) };
  const common = { subject: draft.subject, text: draft.text, textSha256, to: draft.to, inReplyTo: draft.inReplyTo, references: draft.references, template: draft.template, claimed: draft.claimed, warnings: draft.warnings, ...edited };
  let recorded: TimelineEvent | null = null;
  if (sent && sent.via !== "file") {
    recorded = await store.recordEvent(
      c.id,
      "reply-sent",
      `Reply sent by ${sent.via} to ${draft.to}${message!.cc.length ? ` (cc ${message!.cc.join(", ")})` : ""}: ${draft.subject}`,
      { ...common, via: sent.via, cc: message!.cc, messageId: sent.messageId, providerId: sent.providerId, response: sent.detail, eml },
      { ...actor, ...now },
    );
    if (c.status === "new" || c.status === "triaged" || c.status === "contained") {
      await store.setStatus(c.id, "replied", { ...actor, ...now, reason: `reply sent by ${sent.via}` });
    }
  } else {
    // A draft (or a .eml to send by hand) is recorded once per distinct text: re-running the
    // dry run does not fill the timeline with copies.
    const last = [...data.timeline].reverse().find((e) => e.type === "reply-drafted");
    if (eml || last?.data.textSha256 !== textSha256) {
      recorded = await store.recordEvent(
        c.id,
        "reply-drafted",
        eml
          ? `Reply written to ${eml} (not sent: send it from a mail client, then mark the case replied)`
          : drafted !== null
            ? `Reply drafted (${draft.template} template, edited by hand)`
            : `Reply drafted (${draft.template} template, ${draft.claimed.length} actions stated)`,
        { ...common, eml },
        { ...actor, ...now },
      );
    }
  }
  return { case: (await store.getCase(c.id)) ?? c, draft, message, sent, eml, recorded };
}
