/**
 * What rolling a step back does, in words, for the person asked to confirm a rollback: the undo,
 * not the step (`Step.changes` says what the step did). Written from the step's parameters and the
 * state its first `started` entry journalled (`before`), as each handler's `undo` uses them.
 */
import { stopLoggingByHand } from "../plan/actions/trail.ts";
import type { ActionName } from "../plan/actions/index.ts";
import type { Step } from "./types.ts";

type Before = Record<string, unknown> | undefined;
const list = (v: unknown): string => (Array.isArray(v) && v.length ? v.map(String).join(", ") : "");
const p = (s: Step, k: string): unknown => (s.params as Record<string, unknown>)[k];

/** Whose inline or managed policy a step names: `user NAME`, `role NAME` or `group NAME`. */
function owner(s: Step): string {
  const o = (p(s, "owner") ?? {}) as Record<string, unknown>;
  if (typeof o.userName === "string") return `user ${o.userName}`;
  if (typeof o.roleName === "string") return `role ${o.roleName}`;
  if (typeof o.groupName === "string") return `group ${o.groupName}`;
  return s.target.id;
}

/** One text per action (a new action without one does not typecheck): never a generic "restores". */
const TEXT: Record<ActionName, (s: Step, before: Before) => string> = {
  "capture-metadata": () => "nothing to undo: the captures are evidence and are kept",
  "capture-bucket": () => "nothing to undo: the captures are evidence and are kept",
  "capture-distribution": () => "nothing to undo: the captures are evidence and are kept",
  "capture-key-usage": () => "nothing to undo: the captures are evidence and are kept",
  "protect-termination": (s, b) =>
    b?.disableApiTermination === null || b?.disableApiTermination === undefined
      ? `leaves termination protection on ${String(p(s, "instanceId"))} enabled (its setting before the plan is unknown)`
      : `sets termination protection on ${String(p(s, "instanceId"))} back to ${b.disableApiTermination ? "enabled" : "disabled"}`,
  "shutdown-stop": (s, b) =>
    typeof b?.instanceInitiatedShutdownBehavior === "string"
      ? `sets the shutdown behaviour of ${String(p(s, "instanceId"))} back to ${b.instanceInitiatedShutdownBehavior}`
      : `leaves the shutdown behaviour of ${String(p(s, "instanceId"))} at stop (its setting before the plan is unknown)`,
  "keep-volumes": (s) => `turns DeleteOnTermination back on for ${list(p(s, "deviceNames"))} of ${String(p(s, "instanceId"))} where it was on before`,
  "snapshot-volumes": (s) => `nothing to undo: the snapshots of ${String(p(s, "instanceId"))} are evidence and are kept`,
  "asg-suspend-processes": (s) => `resumes the processes of ${String(p(s, "groupName"))} this plan suspended (${list(p(s, "processes"))}); any suspended before stay suspended`,
  "asg-protect-scale-in": (s) => `removes the scale-in protection this plan set on ${list(p(s, "instanceIds"))} in ${String(p(s, "groupName"))}`,
  "asg-lower-min": (s, b) => `sets the MinSize of ${String(p(s, "groupName"))} back to ${typeof b?.minSize === "number" ? b.minSize : "its value before the plan"}`,
  "asg-standby": (s) => `takes ${list(p(s, "instanceIds"))} out of standby in ${String(p(s, "groupName"))} (back in service, desired capacity back up)`,
  "asg-detach": (s) => `attaches ${list(p(s, "instanceIds"))} to ${String(p(s, "groupName"))} again (desired capacity back up)`,
  "deregister-targets": (s) => `registers the targets this plan removed with ${String(p(s, "targetGroupArn"))} again`,
  "deregister-classic": (s) => `registers ${list(p(s, "instanceIds"))} with ${String(p(s, "loadBalancerName"))} again`,
  "create-all-traffic-group": (s) => `keeps the group ${String(p(s, "groupName"))} (groups abuse-desk creates are left in place)`,
  "create-isolation-group": (s) => `keeps the group ${String(p(s, "groupName"))} (groups abuse-desk creates are left in place)`,
  "isolate-eni": (s, b) => `puts ${String(p(s, "networkInterfaceId"))} back in its groups from before the plan${list(b?.groupIds) ? ` (${list(b?.groupIds)})` : ""}, out of the isolation group`,
  "nacl-deny": (s) => `deletes the deny entries this plan added to ${String(p(s, "networkAclId"))}`,
  "stop-instance": (s, b) => (b?.state === "running" || b?.state === "pending" ? `starts ${String(p(s, "instanceId"))} again` : `leaves ${String(p(s, "instanceId"))} as it is (it was not running before the plan)`),
  "tag-resources": () => "keeps the case tags (a record of the case)",
  "revoke-open-ingress": (s) => `puts back the rules this plan revoked from ${String(p(s, "groupId"))} and removes the narrower ones it added`,
  "close-web-ingress": (s) => `puts back the rules this plan revoked from ${String(p(s, "groupId"))} and removes the narrower ones it added`,
  "block-smtp-egress": (s) => `puts back the rules this plan revoked from ${String(p(s, "groupId"))} and removes the narrower ones it added`,
  "block-bucket-public-access": (s) => `restores the public access block ${String(p(s, "bucketName"))} had before the plan`,
  "disable-distribution": (s) => `enables ${String(p(s, "distributionId"))} again if it was enabled before the plan`,
  "start-logging": (s) => `leaves the trail ${String(p(s, "trail"))} logging: abuse-desk never stops a trail (by hand: ${stopLoggingByHand(String(p(s, "trail")), s.target.region)})`,
  "revoke-sessions": (s) => `puts back the inline policy ${owner(s)} had under the revoke policy's name before the plan (or removes it if there was none): sessions issued before ${String(p(s, "issuedBefore"))} work again`,
  "quarantine-user": (s) => `removes the deny-all policy from user ${String(p(s, "userName"))}: the user and its keys work again`,
  "restore-trust-policy": (s) => `puts the attacker's trust policy back on role ${String(p(s, "roleName"))} (if it is still the one this plan restored)`,
  "detach-policy": (s) => `attaches ${String(p(s, "policyArn"))} to ${owner(s)} again (if it was attached before the plan)`,
  "remove-inline-policy": (s) => `puts the inline policy ${String(p(s, "policyName"))} back on ${owner(s)} with the document the journal kept (not if someone put one since)`,
  "cancel-spot-requests": (s) => `cannot be undone: the spot requests ${list(p(s, "spotInstanceRequestIds"))} stay cancelled (the instances they launched were kept)`,
  "cancel-spot-fleet-requests": (s) => `cannot be undone: the spot fleet requests ${list(p(s, "spotFleetRequestIds"))} stay cancelled (their instances were kept)`,
  "delete-fleets": (s) => `cannot be undone: the EC2 fleets ${list(p(s, "fleetIds"))} stay deleted (their instances were kept)`,
  "snapshot-lightsail-instance": (s) => `nothing to undo: the snapshot ${String(p(s, "snapshotName"))} of ${String(p(s, "instanceName"))} is evidence and is kept`,
  "stop-lightsail-instance": (s, b) => (b?.state === "running" ? `starts the Lightsail instance ${String(p(s, "instanceName"))} again` : `leaves the Lightsail instance ${String(p(s, "instanceName"))} as it is (it was not running before the plan)`),
  "suspend-ses-sending": (s) => `turns SES sending on again in ${s.target.accountId}/${s.target.region} if it was on before the plan`,
  "delete-login-profile": (s) => `cannot be undone: the console password of ${String(p(s, "userName"))} stays deleted (set a new one by hand if the user is yours)`,
  "deactivate-access-key": (s) => `makes the access key ${String(p(s, "accessKeyId"))} of ${String(p(s, "userName"))} active again if it was active before the plan`,
};

/** What undoing this step does, given the state journalled before it. */
export function describeUndo(step: Step, before?: unknown): string {
  const f = (TEXT as Record<string, ((s: Step, b: Before) => string) | undefined>)[step.action];
  const b = before && typeof before === "object" ? (before as Record<string, unknown>) : undefined;
  return f ? f(step, b) : `undoes ${step.action} on ${step.target.id} as its handler recorded`;
}
