/**
 * What the reply and the report read back from a case's timeline: the resolution results the
 * resolve stage recorded (`resources-found` with `data.findings`) and the actions a person recorded
 * as done by hand (`note` with `data.manualAction`).
 */
import type { TimelineEvent } from "../case/types.ts";
import { readResolution, searchOutcome } from "../resolve/outcome.ts";
import type { Finding, Unsearched } from "../resolve/types.ts";
import type { ManualAction } from "./types.ts";

/** A note recorded with this marker is an action a person did by hand; the reply states it. */
export const MANUAL_ACTION = "manualAction";

/**
 * A note recorded with this marker says the case is a drill (`abuse-desk drill`): its notice and
 * its account are simulated, so a reply is never sent anywhere but to a file.
 */
export const DRILL_CASE = "drill";

export function isDrillCase(timeline: readonly TimelineEvent[]): boolean {
  return timeline.some((e) => e.type === "note" && e.data[DRILL_CASE] === true);
}

/** The latest resolution results on the timeline, or none (read through readResolution: "not found" where a place was not read is "not searched"). */
export function findingsFromTimeline(timeline: readonly TimelineEvent[]): Finding[] {
  return resolutionFromTimeline(timeline).findings;
}

/** The latest resolution the timeline records: its findings and the places it could not read. */
export function resolutionFromTimeline(timeline: readonly TimelineEvent[]): { findings: Finding[]; gaps: Unsearched[] } {
  const e = [...timeline].reverse().find((x) => x.type === "resources-found" && Array.isArray(x.data.findings));
  return readResolution(e?.data);
}

/** The places the latest search could not read (none when it was complete, or never ran). */
export function unsearchedFromTimeline(timeline: readonly TimelineEvent[]): Unsearched[] {
  const o = searchOutcome(resolutionFromTimeline(timeline));
  return o.status === "not-searched" ? o.missing : [];
}

export function manualActions(timeline: readonly TimelineEvent[]): ManualAction[] {
  return timeline
    .filter((e) => e.type === "note" && e.data[MANUAL_ACTION] === true && typeof e.data.text === "string")
    .map((e) => ({ at: e.at, text: e.data.text as string, actor: e.actor }));
}
