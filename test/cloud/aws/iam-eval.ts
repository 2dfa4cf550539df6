/**
 * A small IAM policy evaluator for the tests of docs/iam/*.json, covering exactly the features those
 * documents use, and refusing any other (an operator it does not know fails the test rather than
 * being guessed at):
 * - Effect Allow/Deny: an explicit Deny wins, else any Allow, else the implicit deny;
 * - Action and Resource with `*` and `?` wildcards (actions case-insensitive, as IAM compares them);
 * - Condition: every operator of a statement must hold, every key of an operator must hold, and a
 *   key holds when any of its values matches (IAM's AND/OR rules). Operators: StringEquals,
 *   StringEqualsIgnoreCase, StringLike, Null, NumericEquals/LessThan(Equals)/GreaterThan(Equals),
 *   Bool; the `...IfExists` suffix (an absent key holds); the `ForAllValues:` (every request value
 *   matches; an absent key holds) and `ForAnyValue:` (some request value matches) set qualifiers.
 *   Condition key names compare case-insensitively, as IAM does.
 *
 * A request is one authorization: an action on one resource with its request context. One API call
 * can need several (CreateSecurityGroup: the VPC and the new group; tag-on-create: CreateTags too);
 * see authorizationsOf in the tests.
 */

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

export interface AuthRequest {
  action: string;
  resource: string;
  /** Condition keys present in the request; a multi-valued key (aws:TagKeys) is an array. */
  context: Record<string, string | string[]>;
}

export type Decision = "allowed" | "explicit-deny" | "implicit-deny";

const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, ignoreCase ? "is" : "s").test(value);
}

type Match = (want: string, got: string) => boolean;
const num = (s: string): number => {
  const n = Number(s);
  if (s.trim() === "" || Number.isNaN(n)) throw new Error(`not a number in a numeric condition: ${JSON.stringify(s)}`);
  return n;
};
const MATCHERS: Record<string, Match> = {
  StringEquals: (w, g) => w === g,
  StringEqualsIgnoreCase: (w, g) => w.toLowerCase() === g.toLowerCase(),
  StringLike: (w, g) => wildcard(w, g, false),
  NumericEquals: (w, g) => num(g) === num(w),
  NumericLessThan: (w, g) => num(g) < num(w),
  NumericLessThanEquals: (w, g) => num(g) <= num(w),
  NumericGreaterThan: (w, g) => num(g) > num(w),
  NumericGreaterThanEquals: (w, g) => num(g) >= num(w),
  Bool: (w, g) => w.toLowerCase() === g.toLowerCase(),
};

function lookup(context: AuthRequest["context"], key: string): string[] | undefined {
  const k = Object.keys(context).find((c) => c.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : list(context[k]!);
}

function conditionHolds(operator: string, key: string, wanted: string[], context: AuthRequest["context"]): boolean {
  const got = lookup(context, key);
  if (operator === "Null") {
    if (wanted.length !== 1 || !["true", "false"].includes(wanted[0]!)) throw new Error(`Null takes "true" or "false", not ${JSON.stringify(wanted)}`);
    return (got === undefined) === (wanted[0] === "true");
  }
  let op = operator;
  let qualifier: "ForAllValues" | "ForAnyValue" | null = null;
  const q = /^(ForAllValues|ForAnyValue):(.+)$/.exec(op);
  if (q) {
    qualifier = q[1] as "ForAllValues" | "ForAnyValue";
    op = q[2]!;
  }
  let ifExists = false;
  if (op.endsWith("IfExists")) {
    ifExists = true;
    op = op.slice(0, -"IfExists".length);
  }
  const match = MATCHERS[op];
  if (!match) throw new Error(`condition operator ${operator} is not supported by this evaluator`);
  const matchesAny = (g: string) => wanted.some((w) => match(w, g));
  if (qualifier === "ForAllValues") return got === undefined ? true : got.every(matchesAny);
  if (qualifier === "ForAnyValue") return got === undefined ? false : got.some(matchesAny);
  if (got === undefined) return ifExists;
  if (got.length !== 1) throw new Error(`${operator} on the multi-valued key ${key} needs ForAllValues or ForAnyValue`);
  return matchesAny(got[0]!);
}

/** Whether a statement applies to the request (its action, resource and every condition). */
export function statementApplies(s: Statement, r: AuthRequest): boolean {
  if (!list(s.Action).some((a) => wildcard(a, r.action, true))) return false;
  if (!list(s.Resource).some((p) => wildcard(p, r.resource, false))) return false;
  for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, wanted] of Object.entries(keys)) if (!conditionHolds(operator, key, list(wanted).map(String), r.context)) return false;
  }
  return true;
}

export function evaluate(policy: PolicyDocument, r: AuthRequest): Decision {
  const applying = policy.Statement.filter((s) => statementApplies(s, r));
  if (applying.some((s) => s.Effect === "Deny")) return "explicit-deny";
  return applying.some((s) => s.Effect === "Allow") ? "allowed" : "implicit-deny";
}
