/**
 * Every action a plan can contain, one module each (its parameters, its dry-run calls, its
 * handler, the port methods and so the IAM actions it needs). The playbooks write steps of these
 * actions, the executor carries them out and undoes them through the handlers named here, the dry
 * run shows the calls written here, docs/actions.md and the IAM policy test read this table.
 */
import { METHODS, OPERATIONS } from "../../cloud/aws/actions.ts";
import type { z } from "zod";
import type { ActionModule, CallContext, Handler } from "../action.ts";
import type { ApiCall } from "../types.ts";
import { BLOCK_BUCKET_PUBLIC_ACCESS, CAPTURE_BUCKET, CAPTURE_DISTRIBUTION, CAPTURE_KEY_USAGE, DEACTIVATE_ACCESS_KEY, DISABLE_DISTRIBUTION } from "./account.ts";
import { ASG_DETACH, ASG_LOWER_MIN, ASG_PROTECT_SCALE_IN, ASG_STANDBY, ASG_SUSPEND_PROCESSES } from "./asg.ts";
import { CAPTURE_METADATA, KEEP_VOLUMES, PROTECT_TERMINATION, SHUTDOWN_STOP, SNAPSHOT_VOLUMES, STOP_INSTANCE, TAG_RESOURCES } from "./instance.ts";
import { CANCEL_SPOT_REQUESTS, DELETE_LOGIN_PROFILE, QUARANTINE_USER, RESTORE_TRUST_POLICY, REVOKE_SESSIONS, SUSPEND_SES_SENDING } from "./credentials.ts";
import { DETACH_POLICY, REMOVE_INLINE_POLICY } from "./policies.ts";
import { DEREGISTER_CLASSIC, DEREGISTER_TARGETS } from "./lb.ts";
import { START_LOGGING } from "./trail.ts";
import { CANCEL_SPOT_FLEET_REQUESTS, DELETE_FLEETS, SNAPSHOT_LIGHTSAIL_INSTANCE, STOP_LIGHTSAIL_INSTANCE } from "./fleet.ts";
import { BLOCK_SMTP_EGRESS, CLOSE_WEB_INGRESS, CREATE_ALL_TRAFFIC_GROUP, CREATE_ISOLATION_GROUP, ISOLATE_ENI, NACL_DENY, REVOKE_OPEN_INGRESS } from "./network.ts";

export { ASG_PROCESSES } from "./asg.ts";

/** The action modules, in the order a compromised-host plan uses them. */
export const ACTION_MODULES = {
  "capture-metadata": CAPTURE_METADATA,
  "protect-termination": PROTECT_TERMINATION,
  "shutdown-stop": SHUTDOWN_STOP,
  "keep-volumes": KEEP_VOLUMES,
  "snapshot-volumes": SNAPSHOT_VOLUMES,
  "asg-suspend-processes": ASG_SUSPEND_PROCESSES,
  "asg-protect-scale-in": ASG_PROTECT_SCALE_IN,
  "asg-lower-min": ASG_LOWER_MIN,
  "asg-standby": ASG_STANDBY,
  "asg-detach": ASG_DETACH,
  "deregister-targets": DEREGISTER_TARGETS,
  "deregister-classic": DEREGISTER_CLASSIC,
  "create-all-traffic-group": CREATE_ALL_TRAFFIC_GROUP,
  "create-isolation-group": CREATE_ISOLATION_GROUP,
  "isolate-eni": ISOLATE_ENI,
  "nacl-deny": NACL_DENY,
  "stop-instance": STOP_INSTANCE,
  "tag-resources": TAG_RESOURCES,
  "revoke-open-ingress": REVOKE_OPEN_INGRESS,
  "close-web-ingress": CLOSE_WEB_INGRESS,
  "block-smtp-egress": BLOCK_SMTP_EGRESS,
  "capture-bucket": CAPTURE_BUCKET,
  "block-bucket-public-access": BLOCK_BUCKET_PUBLIC_ACCESS,
  "capture-distribution": CAPTURE_DISTRIBUTION,
  "disable-distribution": DISABLE_DISTRIBUTION,
  "capture-key-usage": CAPTURE_KEY_USAGE,
  "deactivate-access-key": DEACTIVATE_ACCESS_KEY,
  "revoke-sessions": REVOKE_SESSIONS,
  "quarantine-user": QUARANTINE_USER,
  "restore-trust-policy": RESTORE_TRUST_POLICY,
  "detach-policy": DETACH_POLICY,
  "remove-inline-policy": REMOVE_INLINE_POLICY,
  "cancel-spot-requests": CANCEL_SPOT_REQUESTS,
  "cancel-spot-fleet-requests": CANCEL_SPOT_FLEET_REQUESTS,
  "delete-fleets": DELETE_FLEETS,
  "snapshot-lightsail-instance": SNAPSHOT_LIGHTSAIL_INSTANCE,
  "stop-lightsail-instance": STOP_LIGHTSAIL_INSTANCE,
  "suspend-ses-sending": SUSPEND_SES_SENDING,
  "delete-login-profile": DELETE_LOGIN_PROFILE,
  "start-logging": START_LOGGING,
} as const;

type Modules = typeof ACTION_MODULES;
export type ActionName = keyof Modules;
/** Each action's exact parameters (its module's schema). */
export type ActionParams = { [N in ActionName]: z.infer<Modules[N]["params"]> };

export const ACTIONS = Object.keys(ACTION_MODULES) as ActionName[];

export function isAction(name: string): name is ActionName {
  return Object.hasOwn(ACTION_MODULES, name);
}

export function moduleOf<N extends ActionName>(action: N): ActionModule<ActionParams[N]> {
  return ACTION_MODULES[action] as unknown as ActionModule<ActionParams[N]>;
}

/** Every action's handler: the one place that says how a step is done and undone. */
export const HANDLERS = Object.fromEntries(ACTIONS.map((a) => [a, ACTION_MODULES[a].handler])) as { [N in ActionName]: Handler<ActionParams[N], any, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The exact AWS requests a step of this action makes: what the dry run shows. */
export function callsFor<A extends ActionName>(action: A, params: ActionParams[A], ctx: CallContext): ApiCall[] {
  return moduleOf(action).calls(params, ctx);
}

/** The IAM actions an action's handler may need (from the port methods it uses, src/cloud/aws/actions.ts). */
export function iamActionsOf(action: ActionName): string[] {
  const out = new Set<string>();
  for (const m of moduleOf(action).uses) for (const op of METHODS[m].ops) for (const a of OPERATIONS[op] as readonly string[]) out.add(a);
  return [...out].sort();
}

/** Actions that only read (their steps change nothing, so rollback has nothing to undo). */
export const READ_ONLY_ACTIONS: ReadonlySet<string> = new Set(ACTIONS.filter((a) => (ACTION_MODULES[a] as ActionModule<unknown>).readOnly === true));

/** Actions that cannot be undone: never run without a person, whatever a policy rule names (src/policy/automatic.ts). */
export const IRREVERSIBLE_ACTIONS: ReadonlySet<string> = new Set(ACTIONS.filter((a) => (ACTION_MODULES[a] as ActionModule<unknown>).irreversible === true));

/**
 * A step of this action with these params is for a person to approve whatever a policy rule names:
 * irreversible actions, and reversible ones whose module says so for these params (e.g. detaching
 * a policy from one of the customer's own principals). Params that do not parse count as a person's.
 */
export function needsPerson(action: string, params: unknown): boolean {
  if (IRREVERSIBLE_ACTIONS.has(action)) return true;
  if (!isAction(action)) return true;
  const m = ACTION_MODULES[action] as ActionModule<unknown>;
  if (!m.person) return false;
  const p = m.params.safeParse(params);
  return !p.success || m.person(p.data);
}

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
  // Never cancel-spot-requests nor delete-login-profile: they cannot be undone (IRREVERSIBLE_ACTIONS), a person decides them.
  // detach-policy and remove-inline-policy are automatic only on principals the attacker created (needsPerson).
  // start-logging only makes the account more observed again (the trail logged before the attacker stopped it) and
  // changes nothing a workload depends on; rollback leaves it on, which is the safe side.
  "cut-off-credentials": ["capture-key-usage", "deactivate-access-key", "revoke-sessions", "quarantine-user", "restore-trust-policy", "suspend-ses-sending", "detach-policy", "remove-inline-policy", "start-logging"],
};

/** Expands action names and aliases (`isolate`) to action names; unknown words are returned in `unknown`. */
export function expandActions(words: readonly string[]): { actions: Set<ActionName>; unknown: string[] } {
  const actions = new Set<ActionName>();
  const unknown: string[] = [];
  for (const w of words) {
    const alias = Object.hasOwn(ACTION_ALIASES, w) ? ACTION_ALIASES[w] : undefined;
    if (alias) for (const a of alias) actions.add(a);
    else if (isAction(w)) actions.add(w);
    else unknown.push(w);
  }
  return { actions, unknown };
}
