/**
 * Collects steps while a playbook writes them, then numbers them (`007-isolate-eni-eni-0abc`),
 * resolves references between them, writes each step's exact API calls and decides which steps a
 * written policy lets run without a person.
 */
import type { Scope } from "../cloud/model.ts";
import type { Step, Subject } from "../plan/types.ts";
import { callsFor, type ActionName, type ActionParams } from "../plan/actions/index.ts";
import { TAG_STEP } from "../plan/tags.ts";
import { allowsAutomatic } from "../policy/automatic.ts";
import type { Policy } from "../policy/policy.ts";

export type { Subject };

interface StepSpec<A extends ActionName> {
  action: A;
  /** Makes the id readable and unique: the target's id, usually. */
  slug: string;
  target: Scope & { type: string; id: string };
  params: ActionParams[A];
  reason: string;
  changes: string;
  reversible: boolean;
  risk: Step["risk"];
  dependsOn?: (StepRef | undefined)[];
  subjects: Subject[];
  vpcHasIpv6?: boolean;
  /** Numbered before every step not marked so (traffic that must stop now), in the order added. */
  first?: boolean;
}

/** A step not yet numbered; `out(key)` is a reference to what it will produce. */
export interface StepRef {
  readonly key: string;
  out(name: string): string;
}

interface Pending {
  key: string;
  spec: StepSpec<ActionName>;
}

export class PlanBuilder {
  private readonly pending: Pending[] = [];
  /** How many steps at the start of `pending` were added with `first`. */
  private leading = 0;
  readonly warnings: string[] = [];
  readonly refused: { target: string; reason: string }[] = [];

  add<A extends ActionName>(spec: StepSpec<A>): StepRef {
    const key = `@@${this.pending.length}@@`;
    const p = { key, spec: spec as unknown as StepSpec<ActionName> };
    if (spec.first) this.pending.splice(this.leading++, 0, p);
    else this.pending.push(p);
    return { key, out: (name: string) => `\${${key}.${name}}` };
  }

  warn(text: string): void {
    if (!this.warnings.includes(text)) this.warnings.push(text);
  }

  refuse(target: string, reason: string): void {
    if (!this.refused.some((r) => r.target === target)) this.refused.push({ target, reason });
  }

  /** Some step of this action was written. */
  has(action: ActionName): boolean {
    return this.pending.some((p) => p.spec.action === action);
  }

  get size(): number {
    return this.pending.length;
  }

  /** Numbers the steps in the order they were added (those marked `first` before the rest) and replaces every reference by the final id. */
  build(policy: Policy, playbook: string, planId: string): Step[] {
    const width = Math.max(2, String(this.pending.length).length);
    const ids = new Map<string, string>();
    this.pending.forEach((p, i) => {
      const slug = p.spec.slug.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 80);
      ids.set(p.key, `${String(i + 1).padStart(width, "0")}-${p.spec.action}-${slug}`);
    });
    const resolve = <T>(value: T): T =>
      JSON.parse(JSON.stringify(value).replace(/@@\d+@@/g, (k) => {
        const id = ids.get(k);
        if (!id) throw new Error(`plan builder: dangling reference ${k}`);
        return id;
      })) as T;
    return this.pending.map((p) => {
      const id = ids.get(p.key)!;
      const params = resolve(p.spec.params);
      if (p.spec.action === "snapshot-volumes") {
        // The step's own tag lets a resumed run find the snapshots a killed one already made.
        const snap = params as ActionParams["snapshot-volumes"];
        snap.tags = { ...snap.tags, [TAG_STEP]: `${planId}/${id}` };
      }
      const deps = [...new Set(p.spec.dependsOn?.filter((d): d is StepRef => d !== undefined).map((d) => ids.get(d.key)!))];
      const autoApprovable = p.spec.reversible !== false && allowsAutomatic(policy, playbook, p.spec.action, p.spec.subjects, params);
      return {
        id,
        action: p.spec.action,
        target: p.spec.target,
        params: params as Record<string, unknown>,
        calls: callsFor(p.spec.action, params, { stepId: id, accountId: p.spec.target.accountId, vpcHasIpv6: p.spec.vpcHasIpv6 }),
        reason: p.spec.reason,
        changes: p.spec.changes,
        reversible: p.spec.reversible,
        risk: p.spec.risk,
        dependsOn: deps,
        autoApprovable,
        subjects: p.spec.subjects.map((s) => ({ accountId: s.accountId, tags: { ...s.tags } })),
      } as Step;
    });
  }
}
