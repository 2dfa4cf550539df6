/**
 * Reads a CloudFormation template written in YAML: the short-form intrinsic tags (!Ref, !Sub,
 * !GetAtt, !Equals...) become the long form ({ Ref }, { "Fn::Sub" }...), as CloudFormation reads them.
 */
import { parse, type CollectionTag, type ScalarTag } from "yaml";

const FUNCTIONS = ["Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "If", "ImportValue", "Join", "Not", "Or", "And", "Select", "Split", "Sub", "Transform", "ToJsonString", "Length"];

function tags(): (ScalarTag | CollectionTag)[] {
  const out: (ScalarTag | CollectionTag)[] = [];
  const add = (name: string, wrap: (v: unknown) => unknown) => {
    out.push({ tag: `!${name}`, resolve: (v: string) => wrap(v) } as ScalarTag);
    out.push({ tag: `!${name}`, collection: "seq", resolve: (v: { toJSON(): unknown }) => wrap(v.toJSON()) } as unknown as CollectionTag);
    out.push({ tag: `!${name}`, collection: "map", resolve: (v: { toJSON(): unknown }) => wrap(v.toJSON()) } as unknown as CollectionTag);
  };
  add("Ref", (v) => ({ Ref: v }));
  add("Condition", (v) => ({ Condition: v }));
  add("GetAtt", (v) => ({ "Fn::GetAtt": typeof v === "string" ? [v.slice(0, v.indexOf(".")), v.slice(v.indexOf(".") + 1)] : v }));
  for (const f of FUNCTIONS) add(f, (v) => ({ [`Fn::${f}`]: v }));
  return out;
}

export function parseTemplate(text: string): Template {
  return parse(text, { customTags: tags() }) as Template;
}

export interface Resource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
}

export interface Template {
  AWSTemplateFormatVersion?: string;
  Parameters?: Record<string, { Type: string; Default?: unknown; NoEcho?: boolean; AllowedPattern?: string }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
}

const PSEUDO = new Set(["AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix", "AWS::NoValue", "AWS::NotificationARNs"]);

/** Every Ref, GetAtt, Sub variable and Condition name used in the template that it does not declare. */
export function dangling(t: Template): string[] {
  const declared = new Set([...Object.keys(t.Parameters ?? {}), ...Object.keys(t.Resources), ...PSEUDO]);
  const conditions = new Set(Object.keys(t.Conditions ?? {}));
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    if (typeof o.Ref === "string" && !declared.has(o.Ref)) out.push(`Ref ${o.Ref}`);
    if (Array.isArray(o["Fn::GetAtt"]) && !t.Resources[String(o["Fn::GetAtt"][0])]) out.push(`GetAtt ${String(o["Fn::GetAtt"][0])}`);
    const sub = o["Fn::Sub"];
    if (typeof sub === "string") for (const m of sub.matchAll(/\$\{([^}!]+)\}/g)) if (!declared.has(m[1]!.split(".")[0]!)) out.push(`Sub ${m[1]}`);
    if (typeof o.Condition === "string" && !conditions.has(o.Condition)) out.push(`Condition ${o.Condition}`);
    Object.values(o).forEach(walk);
  };
  walk(t.Resources);
  walk(t.Outputs ?? {});
  walk(t.Conditions ?? {});
  return out;
}

/**
 * EventBridge's matching of an event against a pattern, for the operators the templates use:
 * arrays of values (any matches; an array in the event matches when any element does), `prefix`,
 * `anything-but`, `exists`, nested objects, and `$or`.
 */
export function matches(pattern: Record<string, unknown>, event: unknown): boolean {
  if (event === null || typeof event !== "object" || Array.isArray(event)) return false;
  const e = event as Record<string, unknown>;
  for (const [k, p] of Object.entries(pattern)) {
    if (k === "$or") {
      if (!(p as Record<string, unknown>[]).some((alt) => matches(alt, e))) return false;
      continue;
    }
    const v = e[k];
    if (Array.isArray(p)) {
      const values = Array.isArray(v) ? v : [v];
      if (!p.some((rule) => values.some((x) => matchValue(rule, x, k in e)))) return false;
    } else if (p !== null && typeof p === "object") {
      if (!matches(p as Record<string, unknown>, v)) return false;
    } else throw new Error(`pattern value for ${k} must be an array or an object`);
  }
  return true;
}

function matchValue(rule: unknown, x: unknown, present: boolean): boolean {
  if (rule === null || typeof rule !== "object") return x !== undefined && rule === x;
  const r = rule as Record<string, unknown>;
  if ("prefix" in r) return typeof x === "string" && x.startsWith(String(r.prefix));
  if ("exists" in r) return r.exists === present;
  if ("anything-but" in r) {
    const not = Array.isArray(r["anything-but"]) ? r["anything-but"] : [r["anything-but"]];
    return x !== undefined && !not.includes(x);
  }
  throw new Error(`unsupported pattern operator ${JSON.stringify(rule)}`);
}
