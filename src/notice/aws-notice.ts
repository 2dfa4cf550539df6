/**
 * Is this an AWS abuse notice at all? Anything can be handed to the desk (a colleague's e-mail, a
 * newsletter, the wrong file); before it is verified, triaged or opened as a case, the desk says
 * when the text names nothing an AWS notice names.
 */
import type { Notice } from "./types.ts";

/**
 * Why `notice` is not an AWS abuse notice, or null when it is one. An AWS notice (or a reminder,
 * a final notification, a resolution) names at least one of: an AWS case number, an account, a
 * resource (instance, IP, key, bucket...), or an activity the desk recognises; a Health event is
 * one by its form. Text that names none of those is not a notice, whoever it claims to be from.
 */
export function notAnAwsNotice(notice: Notice): string | null {
  if (notice.format === "health-event" || notice.format === "health-console" || notice.health) return null;
  if (notice.kind !== "initial_report") return null;
  if (notice.activityType !== "other") return null;
  if (notice.caseNumber || notice.accountIds.length || notice.resources.length || notice.instanceIds.length || notice.publicIps.length || notice.accessKeyIds.length || notice.networkInterfaceIds.length) return null;
  return "it names no AWS case number, account, resource or abuse activity";
}
