/**
 * The desk's IAM policies (docs/iam/*.json) as simulation requests: for each Allow statement, its
 * actions, its resources with the account filled in, and context values that meet its conditions
 * (so a permission granted under the condition the desk always meets is simulated as granted).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type PolicyName = "read-only" | "containment";

export const POLICY_FILES: Record<PolicyName, string> = {
  "read-only": fileURLToPath(new URL("../../docs/iam/read-only-policy.json", import.meta.url)),
  containment: fileURLToPath(new URL("../../docs/iam/containment-policy.json", import.meta.url)),
};

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface ContextEntry {
  ContextKeyName: string;
  ContextKeyType: "string" | "stringList";
  ContextKeyValues: string[];
}

export interface SimulationRequest {
  sid: string;
  actions: string[];
  /** Concrete resource ARNs; empty: "*" (the simulator's default). */
  resources: string[];
  context: ContextEntry[];
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/** A value meeting a condition's pattern: its first value, with `*` made concrete. */
const sample = (pattern: string) => pattern.replace(/\*/g, "x");

const LIST_KEYS = /^aws:TagKeys$/;

function contextFor(condition: Statement["Condition"]): ContextEntry[] {
  const entries = new Map<string, ContextEntry>();
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, value] of Object.entries(keys)) {
      const values = list(value);
      if (operator === "Null") {
        // "false": the key must be present; "true": absent (so nothing is set).
        if (values[0] === "false" && !entries.has(key)) {
          entries.set(key, { ContextKeyName: key, ContextKeyType: LIST_KEYS.test(key) ? "stringList" : "string", ContextKeyValues: [key.startsWith("aws:RequestTag/") ? "AD-2026-0001" : LIST_KEYS.test(key) ? "abuse-desk:case" : "x"] });
        }
        continue;
      }
      const type = operator.startsWith("ForAllValues:") || operator.startsWith("ForAnyValue:") || LIST_KEYS.test(key) ? "stringList" : "string";
      entries.set(key, { ContextKeyName: key, ContextKeyType: type, ContextKeyValues: [sample(values[0]!)] });
    }
  }
  return [...entries.values()];
}

/** The Allow statements of a policy file as simulation requests in `accountId` (partition `aws` unless given). */
export function simulationRequests(name: PolicyName, accountId: string, partition = "aws", file = POLICY_FILES[name]): SimulationRequest[] {
  const doc = JSON.parse(readFileSync(file, "utf8")) as { Statement: Statement[] };
  return doc.Statement.filter((s) => s.Effect === "Allow").map((s, i) => {
    const resources = list(s.Resource)
      .filter((r) => r !== "*")
      .map((r) =>
        r
          .replace(/^arn:aws:/, `arn:${partition}:`)
          .replace(/^(arn:[^:]+:[^:]+:)\*:/, "$1us-east-1:")
          .replace(/^(arn:[^:]+:[^:]+:[^:]*:)\*:/, `$1${accountId}:`)
          .replace(/\*/g, "abuse-desk-doctor"),
      );
    return { sid: s.Sid ?? `statement ${i + 1}`, actions: list(s.Action), resources, context: contextFor(s.Condition) };
  });
}

/**
 * The principal to simulate for a caller ARN: an assumed-role session is simulated as its role
 * (`arn:aws:sts::1:assumed-role/R/s` -> `arn:aws:iam::1:role/R`); a user or role as itself.
 */
export function principalOf(callerArn: string): string | null {
  const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  if (m) return `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`;
  if (/^arn:[^:]+:iam::\d{12}:(user|role)\//.test(callerArn)) return callerArn;
  return null;
}
