/**
 * The reply to AWS, as plain data: what goes in (the case's notices, verdict, resolution, plans,
 * journal and evidence) and what comes out (a draft: subject, text, threading headers, recipient,
 * and the list of actions it claims, each traceable to a `done` journal entry).
 */
import type { InvestigationStatement } from "../investigate/statement.ts";
import type { Case } from "../case/types.ts";
import type { JournalEntry, Plan } from "../execute/types.ts";
import type { Notice } from "../notice/types.ts";
import type { Finding, Unsearched } from "../resolve/types.ts";
import type { Verdict, VerdictLevel } from "../verify/types.ts";
import type { TemplateSet } from "./templates.ts";
import type { SweepResult } from "../credentials/sweep.ts";
import type { ChecklistItemState } from "../credentials/checklist.ts";

/** A notice of the case (its `references`, when the parser read them, thread the reply). */
export type ReplyNotice = Notice;

/** What the reply needs of an evidence record (the store's `Evidence` fits). */
export interface ReplyEvidence {
  label: string;
  sha256: string;
  source: string;
  collectedAt: string;
  size?: number | null;
}

/** What the reply needs of the case (the store's `Case` fits). */
export type ReplyCase = Pick<Case, "id"> & Partial<Pick<Case, "awsCaseNumber" | "accountIds" | "resources" | "regions" | "deadline" | "activityType" | "subject" | "verdict">>;

/** A step a person did by hand and recorded on the case (not through a plan). */
export interface ManualAction {
  at: string;
  text: string;
  actor?: string;
}

export interface ReplyOptions {
  /** Ask AWS for more time: how many hours, and why. */
  extension?: { hours: number; why: string };
  /** The activity was legitimate (an approved penetration test): the use case, in words. */
  legitimate?: { useCase: string };
  /** What caused it, when the investigation found out (an exposed admin port, a leaked key). */
  rootCause?: string;
  /** Measures beyond the template's own, one sentence each. */
  prevention?: string[];
  /** Sends to this address instead of the notice's sender. */
  to?: string;
  /** Extra addresses accepted as AWS's (configuration `reply.awsAddresses`). */
  awsAddresses?: string[];
  /** Who signs the reply. */
  signature?: { name?: string; team?: string; organisation?: string };
  /** The template to use instead of the one for the activity (`other`, a custom one). */
  template?: string;
  /**
   * Name the resources' owners and teams (from their tags) in the reply. Off by default: AWS needs
   * to know what was found and done, not who in the organisation runs it (configuration
   * `reply.includeOwners`).
   */
  includeOwners?: boolean;
}

export interface ReplyInput {
  /** The case's notices, any order; the reply goes to the thread of the latest e-mail from AWS. */
  notices: ReplyNotice[];
  case?: ReplyCase | null;
  verdict?: Verdict | VerdictLevel | null;
  /** What resolution found (resources, their owners). */
  findings?: Finding[];
  /** The places resolution could not read (src/resolve/outcome.ts): the reply never says "not found" for what is there. */
  unsearched?: Unsearched[];
  plans?: Plan[];
  journal?: JournalEntry[];
  evidence?: ReplyEvidence[];
  manualActions?: ManualAction[];
  /** What the latest investigation states (src/investigate/statement.ts): the activity confirmed or not, the likely cause. */
  investigation?: InvestigationStatement | null;
  options?: ReplyOptions;
  /** Default: the shipped templates. */
  templates?: TemplateSet;
  /**
   * A credential case: its latest stored sweep (null when none was run) and its root checklist;
   * the reply then lists what was done in AWS's order (src/credentials/reply.ts).
   */
  credentials?: { sweep: SweepResult | null; checklist: ChecklistItemState[] | null } | null;
}

/** One action the reply states, and the journal entry that proves it. */
export interface ClaimedAction {
  planId: string | null;
  stepId: string | null;
  /** When it was done (the `done` entry's time; a manual action's recorded time). */
  at: string;
  text: string;
  /** Journal sequence number of the `done` entry (null for manual actions). */
  seq: number | null;
  /** Set when the change was later undone. */
  rolledBackAt: string | null;
  /** False for a step that only kept evidence or prepared containment (a snapshot, a tag): it did not act against the activity. */
  stops: boolean;
}

export interface ReplyDraft {
  subject: string;
  text: string;
  /** The Message-ID of the notice replied to, with angle brackets; null when it had none. */
  inReplyTo: string | null;
  /** Its References then its Message-ID, oldest first. */
  references: string[];
  /** The bare address the reply goes to; null when no notice says who sent it. */
  to: string | null;
  /** True when `to` is one of AWS's abuse addresses (sending elsewhere needs an explicit flag). */
  toIsAws: boolean;
  /** The case the reply is about. */
  caseId: string | null;
  awsCaseNumber: string | null;
  /** The template used (`intrusion`, `legitimate`...) and the activity family. */
  template: string;
  family: ActivityFamily;
  /** The worst of the verdicts given (the input's and the case's): a reply to phishing is never sent. */
  verdict: VerdictLevel | null;
  claimed: ClaimedAction[];
  /** What a person should know before sending: failed steps not mentioned, a missing subject... */
  warnings: string[];
}

export const ACTIVITY_FAMILIES = [
  "intrusion",
  "dos",
  "open-proxy",
  "spam",
  "content",
  "crypto-mining",
  "botnet",
  "credentials-exposed",
  "account-compromise",
  "ses-enforcement",
  "other",
] as const;
export type ActivityFamily = (typeof ACTIVITY_FAMILIES)[number];
