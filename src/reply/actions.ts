/**
 * What the journal says became of each step: the one place that decides whether an action may be
 * told to AWS. A step counts as done only when its last application ended in a `done` entry; a
 * `skipped`, `failed` or unfinished (`started`) step is never claimed. A later rollback is kept
 * beside it, so the reply can say "isolated at T1, restored at T2" instead of claiming a change
 * that is no longer in place.
 */
import { ACTION_ALIASES, type ActionName } from "../plan/actions/index.ts";
import type { JournalEntry, Plan, Step } from "../execute/types.ts";

export type StepStatus = "done" | "failed" | "skipped" | "in-progress" | "not-started";

export interface StepOutcome {
  planId: string;
  stepId: string;
  /** The plan's step, when the plan is known. */
  step: Step | null;
  status: StepStatus;
  /** Time of the `done` entry that makes it done (the last one, after a re-apply). */
  doneAt: string | null;
  doneSeq: number | null;
  /** What the `done` entry recorded (snapshot ids, the isolation group). */
  after: unknown;
  /** The last failure, when the step failed (or failed before succeeding on a retry). */
  error: string | null;
  failedAt: string | null;
  actor: string | null;
  rollback: { status: "rolled-back" | "failed" | "in-progress"; at: string; error: string | null; reason: string | null } | null;
}

export interface PlanOverride {
  planId: string;
  at: string;
  actor: string;
  reason: string | null;
}

/**
 * Folds the journal into one outcome per step, in plan order (steps without entries are
 * `not-started`; entries for steps a plan does not list are kept, after the plan's own).
 */
export function stepOutcomes(plans: readonly Plan[], journal: readonly JournalEntry[]): { outcomes: StepOutcome[]; overrides: PlanOverride[] } {
  const byKey = new Map<string, StepOutcome>();
  const order: string[] = [];
  const key = (planId: string, stepId: string) => `${planId}\u0000${stepId}`;
  const stepsOf = new Map<string, Map<string, Step>>();
  for (const plan of plans) {
    const steps = new Map<string, Step>();
    for (const step of plan.steps) {
      steps.set(step.id, step);
      const k = key(plan.id, step.id);
      if (!byKey.has(k)) {
        byKey.set(k, blank(plan.id, step.id, step));
        order.push(k);
      }
    }
    stepsOf.set(plan.id, steps);
  }
  const overrides: PlanOverride[] = [];
  const sorted = [...journal].sort((a, b) => a.seq - b.seq);
  for (const e of sorted) {
    if (e.stepId === null) {
      if (e.phase === "override") overrides.push({ planId: e.planId, at: e.at, actor: e.actor, reason: typeof e.detail?.reason === "string" ? e.detail.reason : null });
      continue;
    }
    const k = key(e.planId, e.stepId);
    let o = byKey.get(k);
    if (!o) {
      o = blank(e.planId, e.stepId, stepsOf.get(e.planId)?.get(e.stepId) ?? null);
      byKey.set(k, o);
      order.push(k);
    }
    switch (e.phase) {
      case "started":
        // A new attempt; a step already done stays done until this attempt says otherwise.
        if (o.status !== "done") o.status = "in-progress";
        break;
      case "done":
        o.status = "done";
        o.doneAt = e.at;
        o.doneSeq = e.seq;
        o.after = e.after ?? null;
        o.actor = e.actor;
        o.rollback = null; // applied again after a rollback: the change is in place again
        break;
      case "failed":
        o.error = e.error ?? "failed";
        o.failedAt = e.at;
        if (o.status !== "done") o.status = "failed";
        break;
      case "skipped":
        if (o.status !== "done") o.status = "skipped";
        break;
      case "rollback-started":
        o.rollback = { status: "in-progress", at: e.at, error: null, reason: reasonOf(e) };
        break;
      case "rolled-back":
        // The executor's rollback keeps what is evidence (snapshots, captures): `kept` means the
        // change is still in place, so it is not reported as undone.
        if (e.detail?.outcome === "kept") o.rollback = null;
        else o.rollback = { status: "rolled-back", at: e.at, error: null, reason: reasonOf(e) ?? o.rollback?.reason ?? null };
        break;
      case "rollback-failed":
        o.rollback = { status: "failed", at: e.at, error: e.error ?? "rollback failed", reason: reasonOf(e) ?? o.rollback?.reason ?? null };
        break;
      case "override":
        overrides.push({ planId: e.planId, at: e.at, actor: e.actor, reason: reasonOf(e) });
        break;
    }
  }
  return { outcomes: order.map((k) => byKey.get(k)!), overrides };
}

/**
 * Actions that keep evidence or prepare containment without stopping the reported activity by
 * themselves: a snapshot, a tag, termination protection, the isolation group before any interface
 * is moved into it, Auto Scaling held still. Every other action (and a custom one this table does
 * not know) is taken to act against the activity.
 */
const PREPARES_ONLY: ReadonlySet<string> = new Set<string>([
  ...ACTION_ALIASES.preserve!,
  "asg-suspend-processes",
  "asg-protect-scale-in",
  "asg-lower-min",
  "asg-standby",
  "asg-detach",
  "create-all-traffic-group",
  "create-isolation-group",
]);

/** True when a done step of this action acts against the activity (rather than only keeping evidence or preparing). */
export function stopsActivity(action: string): boolean {
  return !PREPARES_ONLY.has(action);
}

function blank(planId: string, stepId: string, step: Step | null): StepOutcome {
  return { planId, stepId, step, status: "not-started", doneAt: null, doneSeq: null, after: null, error: null, failedAt: null, actor: null, rollback: null };
}

function reasonOf(e: JournalEntry): string | null {
  return typeof e.detail?.reason === "string" ? e.detail.reason : null;
}

/**
 * The action in words AWS reads ("Stopped EC2 instance i-0abc"). Every action of the executor's
 * vocabulary has a sentence, built from the step's exact parameters; a step of an action this
 * table does not know falls back to what the plan says it changes (written for a reviewer, and
 * accurate by construction).
 */
export function describeStep(o: Pick<StepOutcome, "step" | "stepId"> & { after?: unknown }): string {
  const step = o.step;
  if (!step) return `Completed step ${o.stepId}`;
  // IAM is global: an access key has an account, not a region.
  const where = GLOBAL_ACTIONS.has(step.action) || step.target.region === "global" ? `account ${step.target.accountId}` : `${step.target.accountId}/${step.target.region}`;
  const phrase = PHRASES[step.action as ActionName];
  if (phrase) return `${phrase(step.params, step.target.id)}${produced(o.after)} (${where})`;
  const changes = step.changes.trim().replace(/\.$/, "");
  if (changes) return `${capitalise(changes)} (${where})`;
  return `${capitalise(step.action.replace(/-/g, " "))} on ${step.target.id} (${where})`;
}

/** What a done step produced that AWS may want to see named: the snapshots it took. */
function produced(after: unknown): string {
  if (!after || typeof after !== "object") return "";
  const snaps = (after as { snapshots?: unknown }).snapshots;
  if (!Array.isArray(snaps)) return "";
  const ids = snaps.map((x) => (x && typeof x === "object" ? (x as { snapshotId?: unknown }).snapshotId : null)).filter((x): x is string => typeof x === "string");
  return ids.length ? `: ${ids.join(", ")}` : "";
}

const GLOBAL_ACTIONS: ReadonlySet<string> = new Set(["capture-key-usage", "deactivate-access-key", "revoke-sessions", "quarantine-user", "restore-trust-policy", "delete-login-profile", "detach-policy", "remove-inline-policy"]);

type Params = Record<string, unknown>;
const str = (p: Params, k: string, fallback: string) => (typeof p[k] === "string" && p[k] ? (p[k] as string) : fallback);
const list = (p: Params, k: string, fallback: string) => {
  const v = p[k];
  if (!Array.isArray(v) || v.length === 0) return fallback;
  return v.map((x) => (typeof x === "string" ? x : typeof x === "object" && x && "id" in x ? String((x as { id: unknown }).id) : String(x))).join(", ");
};
const plural = (p: Params, k: string, one: string, many: string) => (Array.isArray(p[k]) && (p[k] as unknown[]).length > 1 ? many : one);
/** `{ roleName: "x" }` -> `role x`. */
const principalOf = (p: Params, id: string) => {
  const o = p.owner && typeof p.owner === "object" ? (p.owner as Params) : {};
  for (const k of ["user", "role", "group"]) if (typeof o[`${k}Name`] === "string") return `${k} ${o[`${k}Name`] as string}`;
  return `principal ${id}`;
};
/** `arn:aws:elasticloadbalancing:...:targetgroup/web/abc` -> `web`. */
const tgName = (arn: string) => /targetgroup\/([^/]+)/.exec(arn)?.[1] ?? arn;

const PHRASES: { [A in ActionName]: (p: Params, id: string) => string } = {
  "capture-metadata": (p, id) => `Recorded the configuration, user data and console output of instance ${str(p, "instanceId", id)} as evidence`,
  "protect-termination": (p, id) => `Enabled termination protection on instance ${str(p, "instanceId", id)} so it is preserved for the investigation`,
  "shutdown-stop": (p, id) => `Set instance ${str(p, "instanceId", id)} to stop rather than terminate when shut down from inside`,
  "keep-volumes": (p, id) => `Set the volumes of instance ${str(p, "instanceId", id)} to be kept if it is terminated`,
  "snapshot-volumes": (p, id) => {
    const vols = list(p, "volumeIds", "");
    return `Took snapshots of the EBS ${plural(p, "volumeIds", "volume", "volumes")}${vols ? ` ${vols}` : ""} of instance ${str(p, "instanceId", id)} for forensic analysis`;
  },
  "asg-suspend-processes": (p, id) => `Suspended the ${list(p, "processes", "scaling")} processes of Auto Scaling group ${str(p, "groupName", id)} so it does not replace the instance`,
  "asg-protect-scale-in": (p, id) => `Protected ${list(p, "instanceIds", "the instance")} from scale-in in Auto Scaling group ${str(p, "groupName", id)}`,
  "asg-lower-min": (p, id) => `Lowered the minimum size of Auto Scaling group ${str(p, "groupName", id)} to ${typeof p.minSize === "number" ? p.minSize : "allow taking the instance out"}`,
  "asg-standby": (p, id) => `Took ${list(p, "instanceIds", "the instance")} out of service (standby) in Auto Scaling group ${str(p, "groupName", id)}`,
  "asg-detach": (p, id) => `Detached ${list(p, "instanceIds", "the instance")} from Auto Scaling group ${str(p, "groupName", id)}`,
  "deregister-targets": (p, id) => `Removed ${list(p, "targets", "the instance")} from load balancer target group ${tgName(str(p, "targetGroupArn", id))}`,
  "deregister-classic": (p, id) => `Removed ${list(p, "instanceIds", "the instance")} from classic load balancer ${str(p, "loadBalancerName", id)}`,
  "create-all-traffic-group": (p, id) => `Created a transitional security group in ${str(p, "vpcId", id)} so that existing connections are cut when the isolation group is applied`,
  "create-isolation-group": (p, id) => `Created the isolation security group ${str(p, "groupName", id)} in ${str(p, "vpcId", id)}, which allows no traffic except our investigators' access`,
  "isolate-eni": (p, id) => `Isolated network interface ${str(p, "networkInterfaceId", id)}${typeof p.instanceId === "string" ? ` of instance ${p.instanceId}` : ""}: its security groups were replaced by the isolation group`,
  "nacl-deny": (p, id) => `Added deny rules to network ACL ${str(p, "networkAclId", id)}${Array.isArray(p.subnetIds) && p.subnetIds.length ? ` (subnets ${list(p, "subnetIds", "")})` : ""}`,
  "stop-instance": (p, id) => `Stopped EC2 instance ${str(p, "instanceId", id)}`,
  "tag-resources": (p, id) => `Tagged ${list(p, "resourceIds", id)} as under investigation`,
  "revoke-open-ingress": (p, id) => `Removed the inbound rules of security group ${str(p, "groupId", id)} that were open to the internet`,
  "close-web-ingress": (p, id) => `Closed public web access in security group ${str(p, "groupId", id)}`,
  "block-smtp-egress": (p, id) => `Blocked outbound SMTP (port 25) in security group ${str(p, "groupId", id)}`,
  "capture-bucket": (p, id) => `Recorded the reported objects of S3 bucket ${str(p, "bucketName", id)} as evidence`,
  "block-bucket-public-access": (p, id) => `Blocked all public access to S3 bucket ${str(p, "bucketName", id)}`,
  "capture-distribution": (p, id) => `Recorded the reported content of CloudFront distribution ${str(p, "distributionId", id)} as evidence`,
  "disable-distribution": (p, id) => `Disabled CloudFront distribution ${str(p, "distributionId", id)}`,
  "capture-key-usage": (p, id) => `Recorded the recent use of access key ${str(p, "accessKeyId", id)} from CloudTrail`,
  "deactivate-access-key": (p, id) => `Deactivated access key ${str(p, "accessKeyId", id)}${typeof p.userName === "string" ? ` of IAM user ${p.userName}` : ""}`,
  "revoke-sessions": (p, id) => {
    const o = (p.owner ?? {}) as Params;
    const who = typeof o.userName === "string" ? `IAM user ${o.userName}` : typeof o.roleName === "string" ? `IAM role ${o.roleName}` : id;
    return `Revoked every active session of ${who} issued before ${str(p, "issuedBefore", "the response")}`;
  },
  "quarantine-user": (p, id) => `Denied all access to the unauthorized IAM user ${str(p, "userName", id)} (kept, with its keys, as evidence)`,
  "restore-trust-policy": (p, id) => `Restored the trust policy of IAM role ${str(p, "roleName", id)} to what it was before the unauthorized change`,
  "detach-policy": (p, id) => `Detached the managed policy ${str(p, "policyArn", "?")} that was attached without authorization from IAM ${principalOf(p, id)}`,
  "remove-inline-policy": (p, id) => `Removed the inline policy ${str(p, "policyName", "?")} that was added without authorization to IAM ${principalOf(p, id)} (its document is kept as evidence)`,
  "cancel-spot-requests": (p, id) => `Cancelled the unauthorized spot instance ${plural(p, "spotInstanceRequestIds", "request", "requests")} ${list(p, "spotInstanceRequestIds", id)}`,
  "suspend-ses-sending": () => `Suspended Amazon SES sending`,
  "delete-login-profile": (p, id) => `Removed the console password of the unauthorized IAM user ${str(p, "userName", id)}`,
  "cancel-spot-fleet-requests": (p, id) => `Cancelled the unauthorized spot fleet ${plural(p, "spotFleetRequestIds", "request", "requests")} ${list(p, "spotFleetRequestIds", id)} (their instances kept and stopped)`,
  "delete-fleets": (p, id) => `Deleted the unauthorized EC2 ${plural(p, "fleetIds", "fleet", "fleets")} ${list(p, "fleetIds", id)} (their instances kept and stopped)`,
  "snapshot-lightsail-instance": (p, id) => `Preserved Lightsail instance ${str(p, "instanceName", id)} in snapshot ${str(p, "snapshotName", "?")}`,
  "stop-lightsail-instance": (p, id) => `Stopped the unauthorized Lightsail instance ${str(p, "instanceName", id)}`,
  "start-logging": (p, id) => `Restarted CloudTrail logging of the trail ${str(p, "trail", id)}, which the attacker had stopped`,
};

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}
