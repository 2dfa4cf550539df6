/**
 * A plan's approval and its author, as the case's timeline records them: the web desk writes a
 * `note` naming the approval (`planApproved`, `approvedBy`) and, for a plan written there, its
 * author (`planAuthor`); otherwise the store's `plan` event's actor wrote it. One reading for the
 * web desk's case page and actions (src/web), the "needs a person" view (./attention.ts) and the
 * CLI's `apply` (src/cli/apply.ts), so they never disagree on whether a plan was approved.
 */
export interface PlanApproval {
  by: string;
  at: string;
}

type Entry = { at: string; type?: string; actor?: string; data: Record<string, unknown> };

/** Who approved the plan and when, or null: not approved. */
export function approvalIn(timeline: readonly Entry[], planId: string): PlanApproval | null {
  const e = timeline.find((x) => x.data.planApproved === planId && typeof x.data.approvedBy === "string");
  return e ? { by: e.data.approvedBy as string, at: e.at } : null;
}

/** Who wrote the plan: the web desk's note naming its author, else the `plan` event's actor; null when neither says. */
export function planAuthorIn(timeline: readonly Entry[], planId: string): string | null {
  const note = [...timeline].reverse().find((e) => e.data.planId === planId && typeof e.data.planAuthor === "string");
  if (note) return note.data.planAuthor as string;
  return timeline.find((e) => e.type === "plan" && e.data.planId === planId)?.actor ?? null;
}

/** The plan's author (a web user's name, or `web:<name>` as the store names them) is this person. */
export function samePerson(author: string, name: string): boolean {
  return author === name || author === `web:${name}`;
}

/**
 * What the desk says of a person applying a plan outside it (the CLI's `apply`): its approval, and,
 * under four-eyes (`web.fourEyes`), a refusal when that person wrote the plan and nobody else has
 * approved it, the same rule the web desk applies to its own approvers.
 */
export function applyGate(timeline: readonly Entry[], planId: string, actor: string, fourEyes: boolean): { approval: PlanApproval | null; refusal: string | null } {
  const approval = approvalIn(timeline, planId);
  if (!fourEyes) return { approval, refusal: null };
  const author = planAuthorIn(timeline, planId);
  if (author !== null && samePerson(author, actor) && (approval === null || samePerson(author, approval.by))) {
    return { approval, refusal: `four-eyes (web.fourEyes): ${actor} wrote plan ${planId}, so another person must approve it on the web desk before ${actor} applies it` };
  }
  return { approval, refusal: null };
}
