/**
 * The actions a plan can contain and the exact parameters of each: the vocabulary shared by the
 * playbooks (which write steps) and the executor (which carries them out and undoes them).
 *
 * A parameter that names something an earlier step creates (the isolation group's id) is written
 * `${STEP_ID.key}` and resolved from that step's journalled result when the step runs.
 */
import type { NetworkAclEntry, Tags } from "../cloud/model.ts";
import type { RuleSpec } from "../cloud/port.ts";

export interface ActionParams {
  /** Read-only: instance description, user data, console output and screenshot, kept as evidence. */
  "capture-metadata": { instanceId: string };
  /** DisableApiTermination on: nobody terminates the evidence by mistake (Auto Scaling still can). */
  "protect-termination": { instanceId: string };
  /** Shutdown from inside the host stops the instance instead of terminating it. */
  "shutdown-stop": { instanceId: string };
  /** DeleteOnTermination off for these devices: the volumes outlive the instance. */
  "keep-volumes": { instanceId: string; deviceNames: string[] };
  /** CreateSnapshots of every volume, crash-consistent, tagged with the case and this step. */
  "snapshot-volumes": { instanceId: string; volumeIds: string[]; description: string; tags: Tags };
  "asg-suspend-processes": { groupName: string; processes: string[] };
  "asg-protect-scale-in": { groupName: string; instanceIds: string[] };
  /** Lowers MinSize so that taking the instances out with a decremented capacity is allowed. */
  "asg-lower-min": { groupName: string; minSize: number };
  "asg-standby": { groupName: string; instanceIds: string[] };
  "asg-detach": { groupName: string; instanceIds: string[] };
  "deregister-targets": { targetGroupArn: string; targets: { id: string; port?: number }[] };
  "deregister-classic": { loadBalancerName: string; instanceIds: string[] };
  /** A group allowing all traffic both ways: flows through it are untracked, so the next group change cuts them. */
  "create-all-traffic-group": { vpcId: string; groupName: string; description: string; tags: Tags; ingress: RuleSpec[]; egress: RuleSpec[] };
  /** No rules but the examiners' way in (and HTTPS to the SSM endpoints when host triage is wanted). */
  "create-isolation-group": { vpcId: string; groupName: string; description: string; tags: Tags; ingress: RuleSpec[]; egress: RuleSpec[] };
  /** Replaces the ENI's groups: first the all-traffic group, then the isolation group. */
  "isolate-eni": { networkInterfaceId: string; instanceId?: string; allTrafficGroupId: string; isolationGroupId: string };
  "nacl-deny": { networkAclId: string; subnetIds: string[]; entries: NetworkAclEntry[] };
  "stop-instance": { instanceId: string };
  "tag-resources": { resourceIds: string[]; tags: Tags };
  /** Adds `add` first, then revokes `revoke` (make before break): a half-done step never opens more. */
  "revoke-open-ingress": { groupId: string; vpcId: string; revoke: RuleSpec[]; add: RuleSpec[] };
  "close-web-ingress": { groupId: string; vpcId: string; revoke: RuleSpec[]; add: RuleSpec[] };
  "block-smtp-egress": { groupId: string; vpcId: string; revoke: RuleSpec[]; add: RuleSpec[] };
  "capture-bucket": { bucketName: string; urls: string[] };
  "block-bucket-public-access": { bucketName: string };
  "capture-distribution": { distributionId: string; urls: string[] };
  "disable-distribution": { distributionId: string };
  "capture-key-usage": { accessKeyId: string; userName: string };
  "deactivate-access-key": { accessKeyId: string; userName: string };
}

export type ActionName = keyof ActionParams;

export const ACTIONS = [
  "capture-metadata",
  "protect-termination",
  "shutdown-stop",
  "keep-volumes",
  "snapshot-volumes",
  "asg-suspend-processes",
  "asg-protect-scale-in",
  "asg-lower-min",
  "asg-standby",
  "asg-detach",
  "deregister-targets",
  "deregister-classic",
  "create-all-traffic-group",
  "create-isolation-group",
  "isolate-eni",
  "nacl-deny",
  "stop-instance",
  "tag-resources",
  "revoke-open-ingress",
  "close-web-ingress",
  "block-smtp-egress",
  "capture-bucket",
  "block-bucket-public-access",
  "capture-distribution",
  "disable-distribution",
  "capture-key-usage",
  "deactivate-access-key",
] as const satisfies readonly ActionName[];

/** Actions that only read (their steps change nothing, so rollback has nothing to undo). */
export const READ_ONLY_ACTIONS: ReadonlySet<string> = new Set(["capture-metadata", "capture-bucket", "capture-distribution", "capture-key-usage"]);

/**
 * Names a policy's `automatic` rules may use for several actions at once. `preserve` only keeps
 * evidence; `isolate` is everything the compromised-host playbook does short of stopping, because
 * isolating an ENI depends on the steps before it (Auto Scaling, load balancers, the groups).
 */
export const ACTION_ALIASES: Record<string, readonly ActionName[]> = {
  preserve: ["capture-metadata", "protect-termination", "shutdown-stop", "keep-volumes", "snapshot-volumes", "tag-resources", "capture-bucket", "capture-distribution", "capture-key-usage"],
  isolate: [
    "capture-metadata",
    "protect-termination",
    "shutdown-stop",
    "keep-volumes",
    "snapshot-volumes",
    "asg-suspend-processes",
    "asg-protect-scale-in",
    "asg-lower-min",
    "asg-standby",
    "asg-detach",
    "deregister-targets",
    "deregister-classic",
    "create-all-traffic-group",
    "create-isolation-group",
    "isolate-eni",
    "nacl-deny",
    "tag-resources",
  ],
  "restrict-ports": ["capture-metadata", "revoke-open-ingress", "close-web-ingress", "block-smtp-egress", "tag-resources"],
  "take-content-offline": ["capture-metadata", "snapshot-volumes", "capture-bucket", "block-bucket-public-access", "capture-distribution", "disable-distribution", "close-web-ingress", "tag-resources"],
  "deactivate-keys": ["capture-key-usage", "deactivate-access-key"],
};

/** Expands action names and aliases (`isolate`) to action names; unknown words are returned in `unknown`. */
export function expandActions(words: readonly string[]): { actions: Set<ActionName>; unknown: string[] } {
  const actions = new Set<ActionName>();
  const unknown: string[] = [];
  for (const w of words) {
    const alias = ACTION_ALIASES[w];
    if (alias) for (const a of alias) actions.add(a);
    else if ((ACTIONS as readonly string[]).includes(w)) actions.add(w as ActionName);
    else unknown.push(w);
  }
  return { actions, unknown };
}

/** Tag keys containment writes. The case tag marks every resource (and snapshot, and group) it touched. */
export const TAG_CASE = "abuse-desk:case";
export const TAG_PLAN = "abuse-desk:plan";
/** On snapshots: `PLAN_ID/STEP_ID`, so a resumed step finds the snapshots a killed run already made. */
export const TAG_STEP = "abuse-desk:step";
/** On groups containment creates: what they are for (`isolation`, `all-traffic`). */
export const TAG_ROLE = "abuse-desk:role";
