/**
 * Plans: the contract between the playbook stage (which writes them), the executor (which applies
 * them and journals every step), the case store (which keeps them) and the reply (which tells AWS
 * what was done). A step is typed by its action: its `params` are that action's parameters.
 */
import type { Scope, Tags } from "../cloud/model.ts";
import type { ActivityType } from "../notice/types.ts";
import type { VerdictLevel } from "../verify/types.ts";
import type { ActionName, ActionParams } from "./actions/index.ts";

/** One API call, exactly as a dry run would make it. */
export interface ApiCall {
  /** `ec2:ModifyNetworkInterfaceAttribute` (the IAM action name). */
  api: string;
  params: Record<string, unknown>;
}

export type StepTarget = Scope & { type: string; id: string };

interface StepBase {
  /** Stable and unique within the plan (`03-isolate-eni-0abc`); the journal keys on it. */
  id: string;
  target: StepTarget;
  /** The API calls it makes (for the dry run and the IAM policy): written from the action's module, never trusted from a file. */
  calls: ApiCall[];
  /** Why this step, in words a reviewer accepts or rejects. */
  reason: string;
  /** What it changes in the account, in words ("replaces sg-1, sg-2 on eni-0abc with sg-iso"). */
  changes: string;
  reversible: boolean;
  risk: "low" | "medium" | "high";
  /** Steps whose completion this one needs (ids). */
  dependsOn: string[];
  /**
   * A written policy lets this step run without a person, as judged when the plan was written
   * (shown in the dry run). Never trusted when applying: `apply --auto` judges again from the
   * policy and `subjects`.
   */
  autoApprovable: boolean;
  /** What the policy's automatic rules judge the step by: the account and tags of every resource it touches. */
  subjects?: Subject[];
}

/** Something a step touches, for the policy's automatic rules (all of a rule's tags must match). */
export interface Subject {
  accountId: string;
  tags: Tags;
}

/** A step of one action: `capture-metadata`, `protect-termination`, `snapshot-volumes`, `isolate-eni`, ... */
export type Step = { [N in ActionName]: StepBase & { action: N; params: ActionParams[N] } }[ActionName];
export type StepOf<N extends ActionName> = Extract<Step, { action: N }>;

export interface Plan {
  id: string;
  caseId: string | null;
  createdAt: string;
  /** The playbook that produced it (`compromised-host`, `open-proxy`, `content`, `case-only`...). */
  playbook: string;
  activityType: ActivityType;
  verdict: VerdictLevel;
  /** One paragraph: what the plan does and why. */
  summary: string;
  steps: Step[];
  /** Resources the policy protects, or that exceed the blast radius: named, never touched. */
  refused: { target: string; reason: string }[];
  warnings: string[];
}
