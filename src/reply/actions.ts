/**
 * What the journal says became of each step: the one place that decides whether an action may be
 * told to AWS. A step counts as done only when its last application ended in a `done` entry; a
 * `skipped`, `failed` or unfinished (`started`) step is never claimed. A later rollback is kept
 * beside it, so the reply can say "isolated at T1, restored at T2" instead of claiming a change
 * that is no longer in place.
 */
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
        o.rollback = { status: "rolled-back", at: e.at, error: null, reason: reasonOf(e) ?? o.rollback?.reason ?? null };
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

function blank(planId: string, stepId: string, step: Step | null): StepOutcome {
  return { planId, stepId, step, status: "not-started", doneAt: null, doneSeq: null, after: null, error: null, failedAt: null, actor: null, rollback: null };
}

function reasonOf(e: JournalEntry): string | null {
  return typeof e.detail?.reason === "string" ? e.detail.reason : null;
}

/**
 * The action in words AWS reads ("Stopped EC2 instance i-0abc"). Known actions get a sentence of
 * their own; anything else falls back to what the plan says the step changes, which the playbook
 * writes for a reviewer and is accurate by construction.
 */
export function describeStep(o: Pick<StepOutcome, "step" | "stepId">): string {
  const step = o.step;
  if (!step) return `Completed step ${o.stepId}`;
  const id = step.target.id;
  const where = `${step.target.accountId}/${step.target.region}`;
  const phrase = PHRASES[step.action];
  if (phrase) return `${phrase(id, step)} (${where})`;
  const changes = step.changes.trim().replace(/\.$/, "");
  if (changes) return `${capitalise(changes)} (${where})`;
  return `${capitalise(step.action.replace(/-/g, " "))} on ${id} (${where})`;
}

const PHRASES: Record<string, (id: string, step: Step) => string> = {
  "capture-metadata": (id) => `Recorded the configuration and metadata of ${id} for the investigation`,
  "protect-termination": (id) => `Enabled termination protection on ${id} so the evidence it holds is kept`,
  "snapshot-volumes": (id) => `Took snapshots of the EBS volumes of ${id} for forensic analysis`,
  "isolate-eni": (id) => `Isolated network interface ${id}: its security groups were replaced by one that allows no traffic`,
  "isolate-instance": (id) => `Isolated EC2 instance ${id} from the network: its security groups were replaced by one that allows no traffic`,
  "stop-instance": (id) => `Stopped EC2 instance ${id}`,
  "detach-from-asg": (id) => `Detached ${id} from its Auto Scaling group so it is not replaced or put back into service`,
  "deregister-targets": (id) => `Removed ${id} from its load balancer target groups`,
  "deactivate-access-key": (id) => `Deactivated access key ${id}`,
  "disable-access-key": (id) => `Deactivated access key ${id}`,
  "attach-deny-policy": (id) => `Attached a deny-all policy to ${id}`,
  "disassociate-address": (id) => `Disassociated public IP address ${id}`,
  "block-public-access": (id) => `Blocked public access to S3 bucket ${id}`,
  "disable-distribution": (id) => `Disabled CloudFront distribution ${id}`,
  "revoke-ingress": (id) => `Removed the open inbound rules of security group ${id}`,
  "network-acl-deny": (id) => `Added network ACL deny rules for the subnet of ${id}`,
  "tag-resource": (id) => `Tagged ${id} as under investigation`,
};

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}
