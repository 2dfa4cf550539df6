/**
 * A plan read from anywhere (a file, the store, a form) is input to check, never a grant: before
 * any step runs, the plan's shape and every step are checked against the action modules.
 *
 * - the action is known, and its params pass the action's schema (no unknown, missing or
 *   wrong-typed key);
 * - the target is of the action's type and names what the params name (a reviewer reads the target);
 * - the calls are exactly what the action's module writes from those params (what was shown is
 *   what will be done);
 * - a `${STEP.key}` reference names an earlier step this one depends on; the groups an ENI is
 *   moved to are the ones this plan creates, and the groups it creates carry a plan tag.
 *
 * Every problem names the step; the caller refuses the plan (exit 65).
 */
import { z } from "zod";
import { ACTIVITY_TYPES } from "../notice/types.ts";
import { isAction, moduleOf, type ActionName } from "./actions/index.ts";
import { PLAYBOOKS } from "./playbooks.ts";
import { TAG_PLAN } from "./tags.ts";
import type { ApiCall, Plan } from "./types.ts";

export class PlanInvalid extends Error {
  readonly problems: string[];
  constructor(planId: string, problems: string[]) {
    super(`plan ${planId} is refused: ${problems.length === 1 ? problems[0] : `\n  ${problems.join("\n  ")}`}`);
    this.name = "PlanInvalid";
    this.problems = problems;
  }
}

const stepShape = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,160}$/, "expected a step id (letters, digits, . _ -)"),
  action: z.string(),
  target: z.strictObject({ accountId: z.string().regex(/^\d{12}$/, "expected a 12-digit account id"), region: z.string().regex(/^[a-z0-9-]{2,32}$/, "expected a region"), type: z.string(), id: z.string().min(1) }),
  params: z.record(z.string(), z.unknown()),
  calls: z.array(z.strictObject({ api: z.string(), params: z.record(z.string(), z.unknown()) })),
  reason: z.string(),
  changes: z.string(),
  reversible: z.boolean(),
  risk: z.enum(["low", "medium", "high"]),
  dependsOn: z.array(z.string()),
  autoApprovable: z.boolean(),
  subjects: z.array(z.strictObject({ accountId: z.string(), tags: z.record(z.string(), z.string()) })).optional(),
});

const planShape = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/, "expected a plan id (letters, digits, . _ -)"),
  caseId: z.string().min(1).nullable(),
  createdAt: z.string(),
  playbook: z.enum(PLAYBOOKS),
  activityType: z.enum(ACTIVITY_TYPES),
  verdict: z.enum(["authentic", "unverified", "suspicious", "phishing"]),
  summary: z.string(),
  steps: z.array(z.unknown()),
  refused: z.array(z.strictObject({ target: z.string(), reason: z.string() })),
  warnings: z.array(z.string()),
});

const issues = (e: z.ZodError) => e.issues.map((i) => `${i.path.length ? i.path.join(".") : "(top)"}: ${i.message}`).join("; ");

/** Sorted-key JSON, so equal requests compare equal whatever their key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}

const REF = /\$\{([^.}]+)\.([^}]+)\}/g;
const refsIn = (v: unknown) => [...JSON.stringify(v).matchAll(REF)].map((m) => ({ stepId: m[1]!, key: m[2]! }));

/** Checks a plan (from a file, the store, anywhere) and returns it typed; throws PlanInvalid naming every problem. */
export function validatePlan(input: unknown): Plan {
  const top = planShape.safeParse(input);
  const id = input && typeof input === "object" && typeof (input as { id?: unknown }).id === "string" ? (input as { id: string }).id : "(no id)";
  if (!top.success) throw new PlanInvalid(id, [issues(top.error)]);
  const problems: string[] = [];
  const seen = new Map<string, ActionName>();
  for (const [i, raw] of top.data.steps.entries()) {
    const s = stepShape.safeParse(raw);
    const name = `step ${i + 1}${raw && typeof raw === "object" && typeof (raw as { id?: unknown }).id === "string" ? ` (${(raw as { id: string }).id})` : ""}`;
    if (!s.success) {
      problems.push(`${name}: ${issues(s.error)}`);
      continue;
    }
    const step = s.data;
    const label = `step ${step.id}`;
    if (seen.has(step.id)) problems.push(`${label}: its id is used twice`);
    if (!isAction(step.action)) {
      problems.push(`${label}: unknown action "${step.action}"`);
      continue;
    }
    const m = moduleOf(step.action);
    const p = m.params.safeParse(step.params);
    if (!p.success) {
      problems.push(`${label}: params of ${step.action}: ${issues(p.error)}`);
      continue;
    }
    if (step.target.type !== m.target.type) problems.push(`${label}: target type ${step.target.type} is not ${m.target.type}, what ${step.action} acts on`);
    const targetId = m.target.id?.(p.data);
    if (targetId !== undefined && targetId !== step.target.id) problems.push(`${label}: target ${step.target.id} disagrees with its params, which name ${targetId}`);
    for (const d of step.dependsOn) if (!seen.has(d)) problems.push(`${label}: depends on ${d}, which is not an earlier step of the plan`);
    for (const r of refsIn(step.params)) {
      if (!step.dependsOn.includes(r.stepId)) problems.push(`${label}: refers to \${${r.stepId}.${r.key}}, which is not a step it depends on`);
    }
    if (step.action === "isolate-eni") {
      const e = p.data as { allTrafficGroupId: string; isolationGroupId: string };
      const made = (ref: string, action: ActionName) => {
        const m2 = /^\$\{([^.}]+)\.groupId\}$/.exec(ref);
        return m2 !== null && seen.get(m2[1]!) === action;
      };
      if (!made(e.allTrafficGroupId, "create-all-traffic-group")) problems.push(`${label}: the all-traffic group must be the one this plan creates (\${STEP.groupId} of its create-all-traffic-group step), not ${e.allTrafficGroupId}`);
      if (!made(e.isolationGroupId, "create-isolation-group")) problems.push(`${label}: the isolation group must be the one this plan creates (\${STEP.groupId} of its create-isolation-group step), not ${e.isolationGroupId}`);
    }
    if (step.action === "create-all-traffic-group" || step.action === "create-isolation-group") {
      const tags = (p.data as { tags: Record<string, string> }).tags;
      // The handler adopts a group of this name only when it carries all of these tags: without a
      // plan tag, any untagged group of the name would pass for the plan's own.
      if (!tags[TAG_PLAN]) problems.push(`${label}: the group it creates must carry the plan's tag ${TAG_PLAN}`);
    }
    if (!callsMatch(step.action, p.data, step)) problems.push(`${label}: its calls are not the calls ${step.action} makes with these params (what is shown must be what is done)`);
    seen.set(step.id, step.action);
  }
  if (problems.length) throw new PlanInvalid(top.data.id, problems);
  return input as Plan;
}

function callsMatch(action: ActionName, params: unknown, step: { id: string; target: { accountId: string }; calls: ApiCall[] }): boolean {
  const m = moduleOf(action);
  const given = canonical(step.calls);
  // A new group's default egress depends on whether its VPC has IPv6, which the plan does not record.
  return [undefined, true].some((vpcHasIpv6) => canonical(m.calls(params as never, { stepId: step.id, accountId: step.target.accountId, ...(vpcHasIpv6 ? { vpcHasIpv6 } : {}) })) === given);
}

