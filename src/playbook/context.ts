import type { Tags } from "../cloud/model.ts";
import { TAG_CASE, TAG_PLAN } from "../execute/params.ts";
import type { Policy } from "../policy/policy.ts";
import type { PlanBuilder } from "./builder.ts";
import type { NoticeFacts, PlaybookInput, PlaybookOptions } from "./types.ts";

/** What every playbook function reads while it writes steps. */
export interface PlanContext {
  b: PlanBuilder;
  policy: Policy;
  notice: NoticeFacts;
  options: PlaybookOptions;
  planId: string;
  /** The case id, or the plan id when there is no case yet: names groups and descriptions. */
  caseKey: string;
  /** Tags every touched resource gets. */
  caseTags: Tags;
  /** Group Auto Scaling, load balancer and tagging calls across instances. */
  batch: boolean;
  /** Protections found already in place (the plan's summary names them; no step is written). */
  already: string[];
}

export function makeContext(input: PlaybookInput, b: PlanBuilder): PlanContext {
  const caseKey = input.caseId ?? input.planId;
  return {
    b,
    policy: input.policy,
    notice: input.notice,
    options: input.options ?? {},
    planId: input.planId,
    caseKey,
    caseTags: { [TAG_CASE]: caseKey, [TAG_PLAN]: input.planId },
    batch: input.options?.batch ?? true,
    already: [],
  };
}
