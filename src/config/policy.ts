/**
 * Which containment policy file is in force, read at the edge and given to the stages as a path
 * (src/policy/load.ts loads what it is given, and the safe defaults for none).
 *
 * Precedence (README "Configuration", docs/containment.md, docs/service.md): the `--policy` flag,
 * then the configuration's own key where the command has one (`intake.policy` for serve), then
 * `$ABUSE_DESK_POLICY`; none: the safe defaults.
 */
import type { Env } from "./file.ts";

export const POLICY_ENV = "ABUSE_DESK_POLICY";

/** The policy file: the flag, else the configuration's key, else $ABUSE_DESK_POLICY (an empty value is none), else null. */
export function policyPath(o: { flag?: string | null | undefined; configured?: string | null | undefined }, env: Env): string | null {
  if (o.flag !== undefined && o.flag !== null) return o.flag;
  if (o.configured !== undefined && o.configured !== null) return o.configured;
  return env[POLICY_ENV] || null;
}
