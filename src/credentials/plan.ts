/**
 * The containment plan for a compromised credential, written from the sweep (./sweep.ts): cut the
 * holder off (its key deactivated, its sessions revoked), then one step per thing the attacker made
 * or changed. Everything is reversible and journalled, except two things named as such: cancelling
 * a spot request (AWS cannot reopen one) and deleting a console password (only with
 * --delete-console-passwords). Termination and deletion of the attacker's resources are never
 * steps: they stay preserved (snapshotted and stopped) for the investigation, and the plan says
 * what a person may delete afterwards.
 */
import type { Scope } from "../cloud/model.ts";
import type { StepRef } from "../playbook/builder.ts";
import type { PlanContext } from "../playbook/context.ts";
import { detachable, removable } from "../plan/actions/policies.ts";
import type { InventoryItem, SweepResult } from "./sweep.ts";

export interface SweepPlanOptions {
  /** Delete the console password of users the attacker created (IRREVERSIBLE): only when a person asks. */
  deleteConsolePasswords?: boolean;
  /** Keys the playbook already deactivates (from the notice's resolution): not written twice. */
  plannedKeys?: ReadonlySet<string>;
}

const toSecond = (iso: string) => new Date(iso).toISOString().slice(0, 19) + "Z";

export function planSweep(ctx: PlanContext, s: SweepResult, o: SweepPlanOptions = {}): void {
  const { b } = ctx;
  const planned = new Set(o.plannedKeys ?? []);
  const subjects = (accountId: string) => [{ accountId, tags: {} }];
  const issuedBefore = toSecond(s.window.end);
  const cutOff: StepRef[] = [];

  const deactivate = (accountId: string, accessKeyId: string, userName: string, why: string) => {
    if (planned.has(accessKeyId)) return;
    planned.add(accessKeyId);
    const target = { accountId, region: "global", type: "access-key", id: accessKeyId };
    const cap = b.add({
      action: "capture-key-usage",
      slug: accessKeyId,
      target,
      params: { accessKeyId, userName },
      reason: "Evidence first: when, where and for which service the key was last used.",
      changes: "nothing (reads only)",
      reversible: true,
      risk: "low",
      subjects: subjects(accountId),
    });
    cutOff.push(
      b.add({
        action: "deactivate-access-key",
        slug: accessKeyId,
        target,
        params: { accessKeyId, userName },
        reason: why,
        changes: `sets ${accessKeyId} of ${userName} to Inactive (never deleted: it stays as evidence and searchable in CloudTrail); Active again on rollback`,
        reversible: true,
        risk: "high",
        dependsOn: [cap],
        subjects: subjects(accountId),
      }),
    );
  };

  // 1. The holder: its key off, its sessions revoked.
  for (const h of s.holders) {
    if (h.quarantinePolicies.length)
      b.warn(`AWS attached ${h.quarantinePolicies.join(", ")} to ${h.userName}: it stays (abuse-desk never removes it); remove it only once every exposed key is rotated and AWS's case is answered.`);
    if (h.kind === "root") {
      b.warn(`${h.accessKeyId} is a root user key: only the root user can deactivate or delete it (console, Security credentials). Root checklist: delete the root access keys, change the root password, enable MFA on root, check the account's contact and alternate contacts, check for root sign-ins you did not make.`);
      continue;
    }
    if (h.kind === "unknown" || !h.accountId) {
      b.warn(`The owner of ${h.accessKeyId} could not be found in the accounts this port reaches: nothing is planned for it.`);
      continue;
    }
    if (h.kind === "user" && h.userName) {
      const k = h.user?.accessKeys.find((x) => x.accessKeyId === h.accessKeyId);
      if (k?.status === "Active") deactivate(h.accountId, h.accessKeyId, h.userName, "The key is exposed: whoever holds it can act as the user.");
      for (const other of h.user?.accessKeys ?? [])
        if (other.accessKeyId !== h.accessKeyId)
          b.warn(`${h.userName}'s other key ${other.accessKeyId} (${other.status}${other.lastUsed?.date ? `, last used ${other.lastUsed.date}` : ", never used"}): rotate it too (create a new key, move the application, then deactivate this one).`);
      if (h.user?.loginProfile) b.warn(`${h.userName} has a console password: change it (and require MFA) if it may be known.`);
      cutOff.push(revoke(ctx, h.accountId, { userName: h.userName }, issuedBefore, `Temporary credentials the user obtained with the exposed key (GetSessionToken, federation) outlive the key: revoked.`));
    }
    if (h.kind === "role-session" && h.roleName)
      cutOff.push(revoke(ctx, h.accountId, { roleName: h.roleName }, issuedBefore, `${h.accessKeyId} is a session of role ${h.roleName}${h.sessionName ? ` (${h.sessionName})` : ""}: temporary keys cannot be deactivated, so every session of the role issued before now is denied, as the console's "Revoke active sessions" does.`));
  }

  // 2. What the attacker made or changed. Fleets first: a maintain fleet replaces what is stopped, so its instances stop after it is cancelled.
  const fleetSteps = planFleets(ctx, s, [...cutOff]);
  const spot = new Map<string, { scope: Scope; ids: string[] }>();
  for (const i of s.inventory) {
    switch (i.kind) {
      case "instance":
        if (i.event && (i.state === "running" || i.state === "pending")) containInstance(ctx, i, [...cutOff, ...fleetStepsOf(fleetSteps, i)]);
        else if (!i.event && i.state !== "terminated") b.warn(`${i.id} (${i.instanceType ?? "?"}, ${i.scope.accountId}/${i.scope.region}) was launched in the window but no swept principal's event names it: check whether it is yours before containing it.`);
        break;
      case "spot-request":
        if (i.state === "open" || i.state === "active") {
          const k = `${i.scope.accountId}/${i.scope.region}`;
          (spot.get(k) ?? spot.set(k, { scope: i.scope, ids: [] }).get(k)!).ids.push(i.id);
        }
        break;
      case "iam-user":
        if (i.state !== "gone") {
          const keys = (i.details?.keys as { id: string; status: string }[] | undefined) ?? [];
          for (const k of keys) if (k.status === "Active") deactivate(i.scope.accountId, k.id, i.id, `${i.id} was created by the attacker (${i.event?.eventName} ${i.event?.eventTime}): its keys are theirs.`);
          b.add({
            action: "quarantine-user",
            slug: i.id,
            target: { accountId: i.scope.accountId, region: "global", type: "iam-user", id: i.id },
            params: { userName: i.id },
            reason: `${i.id} was created by the attacker (${i.event?.eventName} at ${i.event?.eventTime} by ${i.event?.by}): a way back in. Denied everything rather than deleted, so it stays as evidence.`,
            changes: `puts the inline policy AbuseDeskQuarantine (deny everything) on ${i.id}: its keys and console sign-in can do nothing; removed on rollback`,
            reversible: true,
            risk: "medium",
            dependsOn: cutOff,
            subjects: subjects(i.scope.accountId),
          });
          if (i.details?.console === true) {
            if (o.deleteConsolePasswords)
              b.add({
                action: "delete-login-profile",
                slug: i.id,
                target: { accountId: i.scope.accountId, region: "global", type: "iam-user", id: i.id },
                params: { userName: i.id },
                reason: `A person asked (--delete-console-passwords): the console password the attacker gave ${i.id} is removed.`,
                changes: `IRREVERSIBLE: deletes the console password of ${i.id}; rollback cannot bring it back (the quarantine policy already blocks its use)`,
                reversible: false,
                risk: "high",
                dependsOn: cutOff,
                subjects: subjects(i.scope.accountId),
              });
            else b.warn(`${i.id} has a console password the attacker set: the quarantine policy makes it useless; deleting it is irreversible and only done when a person asks (plan again with --delete-console-passwords).`);
          }
        }
        break;
      case "access-key":
        if (i.state === "Active" && !(i.details?.userCreatedByAttacker === true)) deactivate(i.scope.accountId, i.id, String(i.details?.userName), `The attacker created ${i.id} for ${String(i.details?.userName)} (${i.event?.eventTime}): a way back in.`);
        else if (i.state === "Active") deactivate(i.scope.accountId, i.id, String(i.details?.userName), `${i.id} belongs to a user the attacker created.`);
        break;
      case "login-profile":
        if (!(i.details?.userCreatedByAttacker === true) && i.state === "console password set")
          b.warn(`The attacker ${i.event?.eventName === "CreateLoginProfile" ? "gave" : "changed"} the console password of ${i.id} (${i.event?.eventTime}): a person resets it (and requires MFA); abuse-desk does not delete a person's console access.`);
        break;
      case "role":
        if (i.state === "exists")
          b.add({
            action: "revoke-sessions",
            slug: i.id,
            target: { accountId: i.scope.accountId, region: "global", type: "iam-principal", id: i.id },
            params: { owner: { roleName: i.id }, issuedBefore },
            reason: `${i.id} was created by the attacker (${i.event?.eventTime}): every session of it is denied (the role is kept as evidence).`,
            changes: `puts AWSRevokeOlderSessions on ${i.id}; the previous policy (none) comes back on rollback`,
            reversible: true,
            risk: "medium",
            dependsOn: cutOff,
            subjects: subjects(i.scope.accountId),
          });
        break;
      case "trust-policy": {
        const prev = i.details?.previous as string | null | undefined;
        const attacker = i.details?.attacker as string;
        if (i.state === "still the attacker's" && prev)
          b.add({
            action: "restore-trust-policy",
            slug: i.id,
            target: { accountId: i.scope.accountId, region: "global", type: "iam-role", id: i.id },
            params: { roleName: i.id, restore: prev, attacker },
            reason: `The attacker changed who may assume ${i.id} (${i.event?.eventTime}): the trust policy it had before (from CloudTrail) is put back.`,
            changes: `replaces the trust policy of ${i.id} by the one before the change; the attacker's comes back on rollback`,
            reversible: true,
            risk: "high",
            dependsOn: cutOff,
            subjects: subjects(i.scope.accountId),
          });
        else if (i.state === "still the attacker's") b.warn(`The attacker changed the trust policy of ${i.id} and its previous version is not in CloudTrail's 90 days: edit it by hand (remove the principals you do not know).`);
        else b.warn(`The trust policy of ${i.id} was changed by the attacker and again since: check it by hand.`);
        break;
      }
      case "security-group-ingress": {
        const rules = (i.details?.rules as { direction: "ingress"; protocol: string; fromPort?: number; toPort?: number; cidrIpv4: string }[] | undefined) ?? [];
        const vpcId = i.details?.vpcId as string | null;
        if (rules.length && vpcId)
          b.add({
            action: "revoke-open-ingress",
            slug: i.id,
            target: { ...i.scope, type: "security-group", id: i.id },
            params: { groupId: i.id, vpcId, revoke: rules, add: [] },
            reason: `The attacker opened ${i.id} (${i.event?.eventTime}): the rules they added are revoked.`,
            changes: `revokes ${rules.length} ingress rule(s) the attacker added; added back on rollback`,
            reversible: true,
            risk: "medium",
            subjects: subjects(i.scope.accountId),
          });
        break;
      }
      case "ses":
        if (i.details?.sendingEnabled === true)
          b.add({
            action: "suspend-ses-sending",
            slug: i.scope.region,
            target: { ...i.scope, type: "ses-account", id: i.scope.region },
            params: {},
            reason: `The attacker touched SES in ${i.scope.region} (${(i.details?.events as string[]).join(", ")}${(i.details?.identities as string[]).length ? `; identities ${(i.details?.identities as string[]).join(", ")}` : ""}): sending is suspended before it is used for spam.`,
            changes: `turns SES sending off in ${i.scope.accountId}/${i.scope.region} (your own mail from SES there stops too); on again on rollback`,
            reversible: true,
            risk: "high",
            subjects: subjects(i.scope.accountId),
          });
        break;
      case "policy":
        planPolicy(ctx, i, cutOff);
        break;
      case "spot-fleet":
      case "fleet":
        if (!i.event) b.warn(`${i.kind === "fleet" ? "EC2 fleet" : "Spot fleet request"} ${i.id} (${i.scope.accountId}/${i.scope.region}, ${i.state}, created ${String(i.details?.createTime ?? "?")}) was created in the window but no swept principal's event names it: check whether it is yours before cancelling it.`);
        else if (i.kind === "fleet" && i.details?.type === "instant") b.warn(`EC2 fleet ${i.id} (${i.scope.accountId}/${i.scope.region}) is an instant fleet: it launches nothing more and cannot be deleted without terminating its instances; its instances are contained by their own steps.`);
        else if (!i.details) b.warn(`${i.kind} ${i.id} (${i.scope.accountId}/${i.scope.region}, ${i.event.eventName} ${i.event.eventTime}): ${i.state}.`);
        break;
      case "lightsail-instance":
        if (i.event && (i.state === "running" || i.state === "stopped")) containLightsail(ctx, i, [...cutOff]);
        else if (!i.event) b.warn(`Lightsail instance ${i.id} (${i.instanceType ?? "?"}, ${i.scope.accountId}/${i.scope.region}, ${i.state}) was created in the window but no swept principal's event names it: check whether it is yours before containing it.`);
        else b.warn(`Lightsail instance ${i.id} (${i.scope.accountId}/${i.scope.region}, ${i.event.eventName} ${i.event.eventTime}): ${i.state}.`);
        break;
      case "lambda-function":
      case "key-pair":
        b.warn(`${i.kind} ${i.id} (${i.scope.accountId}/${i.scope.region}, ${i.event?.eventName} ${i.event?.eventTime}): ${i.state}.`);
        break;
      case "trail-stopped":
        planTrail(ctx, i);
        break;
      case "detector-deleted":
      case "region-disabled":
      case "left-organization":
      case "bucket-policy":
      case "secret-read":
      case "bucket-list":
        b.warn(`${i.event?.eventName} in ${i.scope.accountId}/${i.scope.region} at ${i.event?.eventTime} by ${i.event?.by}: ${i.state}.`);
        break;
    }
  }
  for (const { scope, ids } of spot.values())
    b.add({
      action: "cancel-spot-requests",
      slug: `${scope.region}-spot`,
      target: { ...scope, type: "spot-requests", id: ids.join(",") },
      params: { spotInstanceRequestIds: ids },
      reason: `The attacker's spot requests would launch new instances as soon as these are stopped.`,
      changes: `NOT REVERSIBLE: cancels ${ids.join(", ")} (AWS cannot reopen a cancelled request); the instances they launched are kept and stopped by their own steps`,
      reversible: false,
      risk: "medium",
      dependsOn: cutOff,
      subjects: subjects(scope.accountId),
    });

  const made = s.inventory.filter((i) => i.kind === "instance" && i.event);
  if (made.length) b.warn(`Termination and deletion are never steps: the attacker's ${made.length} instance(s) are snapshotted and stopped, kept as evidence. Once the case is closed a person may terminate them (irreversible; abuse-desk's containment role is denied ec2:TerminateInstances).`);
  const lightsail = s.inventory.filter((i) => i.kind === "lightsail-instance" && i.event && (i.state === "running" || i.state === "stopped"));
  if (lightsail.length) b.warn(`The attacker's ${lightsail.length} Lightsail instance(s) are snapshotted and stopped, not deleted: a stopped Lightsail instance is still billed. Once the case is closed a person may delete them (IRREVERSIBLE; the containment role is denied lightsail:DeleteInstance).`);
  for (const n of s.notSearched) b.warn(`Not searched: ${n.what}${n.scope ? ` (${n.scope.accountId}/${n.scope.region})` : ""}: ${n.reason}. What is there is not in this plan.`);
}

/**
 * A policy the attacker attached or put: detached / removed by a reversible step. On a principal
 * the attacker created the step is an ordinary one; on the customer's own principal it is proposed
 * for a person to approve (`principal: "yours"`: never automatic, src/policy/automatic.ts). AWS's
 * quarantine policy and abuse-desk's own deny policies are never the subject of a step.
 */
function planPolicy(ctx: PlanContext, i: InventoryItem, cutOff: StepRef[]): void {
  const { b } = ctx;
  const d = i.details ?? {};
  const on = d.on as "user" | "role" | "group";
  const name = typeof d.name === "string" ? d.name : "?";
  const policy = typeof d.policy === "string" ? d.policy : "?";
  const managed = d.managed === true;
  const mine = d.createdByAttacker === true;
  const what = `${managed ? "managed policy" : "inline policy"} ${policy} on ${on} ${name}`;
  const when = `${i.event?.eventName} at ${i.event?.eventTime} by ${i.event?.by}`;
  if (d.valid !== true) {
    b.warn(`The attacker ${i.event?.eventName} (${i.event?.eventTime}) but CloudTrail's principal or policy name is not a valid IAM name (${JSON.stringify(name).slice(0, 80)}, ${JSON.stringify(policy).slice(0, 160)}): nothing is planned for it; check the principal's policies by hand.`);
    return;
  }
  if (managed ? !detachable(policy) : !removable(policy)) {
    b.warn(`The ${what} (${when}) bears the name of AWS's quarantine policy or of abuse-desk's own deny policy: abuse-desk never removes those; check its content by hand.`);
    return;
  }
  const owner = on === "user" ? { userName: name } : on === "role" ? { roleName: name } : { groupName: name };
  const whose = mine ? `${on} ${name} was created by the attacker` : `${on} ${name} is one of yours`;
  const approval = mine ? "" : "; proposed for a person to approve (never automatic: it changes one of your principals)";
  const target = { accountId: i.scope.accountId, region: "global", type: "iam-principal", id: name };
  const subjects = [{ accountId: i.scope.accountId, tags: {} }];
  if (managed) {
    if (i.state === "attached")
      b.add({
        action: "detach-policy",
        slug: `${name}-${policy.split("/").pop() ?? policy}`,
        target,
        params: { owner, policyArn: policy, principal: mine ? "created-by-attacker" : "yours" },
        reason: `The attacker attached ${policy} to ${on} ${name} (${when}); ${whose}. Detached, so the grant is gone${mine ? " (the principal is also denied everything)" : ""}.`,
        changes: `detaches ${policy} from ${on} ${name}; attached again on rollback${approval}`,
        reversible: true,
        risk: mine ? "medium" : "high",
        dependsOn: cutOff,
        subjects,
      });
    else if (i.state === "no longer attached") b.warn(`The attacker attached ${policy} to ${on} ${name} (${when}); it is no longer attached: nothing to do.`);
    else b.warn(`The attacker attached ${policy} to ${on} ${name} (${when}); its state now: ${i.state}. Check it by hand.`);
    return;
  }
  if (i.state === "still the attacker's" || i.state === "in place")
    b.add({
      action: "remove-inline-policy",
      slug: `${name}-${policy}`,
      target,
      params: { owner, policyName: policy, principal: mine ? "created-by-attacker" : "yours" },
      reason: `The attacker put the inline policy ${policy} on ${on} ${name} (${when}); ${whose}. Removed; its document is kept in the journal as evidence.`,
      changes: `deletes the inline policy ${policy} of ${on} ${name} (its document is journalled); put back exactly on rollback${approval}`,
      reversible: true,
      risk: mine ? "medium" : "high",
      dependsOn: cutOff,
      subjects,
    });
  else if (i.state === "gone") b.warn(`The attacker put the inline policy ${policy} on ${on} ${name} (${when}); it is gone now: nothing to do.`);
  else if (i.state === "changed since") b.warn(`The attacker put the inline policy ${policy} on ${on} ${name} (${when}) and it was changed since: check it by hand (abuse-desk removes only the attacker's document).`);
  else b.warn(`The attacker put the inline policy ${policy} on ${on} ${name} (${when}); its state now: ${i.state}. Check it by hand.`);
}

/**
 * A trail the attacker stopped: logging restarted (automatic under `cut-off-credentials`: it only
 * makes the account observed again). A deleted trail is a warning (abuse-desk creates no trail); a
 * name that is not CloudTrail's grammar was never read and is never sent.
 */
function planTrail(ctx: PlanContext, i: InventoryItem): void {
  const { b } = ctx;
  const when = `${i.event?.eventName} at ${i.event?.eventTime} by ${i.event?.by}`;
  const d = i.details ?? {};
  if (d.valid !== true) {
    b.warn(`The attacker stopped or deleted a trail (${when}) but CloudTrail's trail name is not a trail name or ARN of ${i.scope.accountId}/${i.scope.region} (${JSON.stringify(i.id).slice(0, 120)}): nothing is planned for it; check the region's trails by hand.`);
    return;
  }
  if (d.exists === false) {
    b.warn(`The attacker ${i.event?.eventName === "DeleteTrail" ? "deleted" : "stopped"} the trail ${i.id} (${when}) and it no longer exists: recreate it by hand (abuse-desk creates no trail); meanwhile Event history (LookupEvents) still records management events for 90 days.`);
    return;
  }
  if (d.isLogging === true) {
    b.warn(`The attacker stopped the trail ${i.id} (${when}); it logs again now: nothing to do.`);
    return;
  }
  if (d.isLogging !== false) {
    b.warn(`The attacker stopped the trail ${i.id} (${when}); its status could not be read: check it by hand (aws cloudtrail get-trail-status --name ${i.id} --region ${i.scope.region}).`);
    return;
  }
  b.add({
    action: "start-logging",
    slug: `${i.scope.region}-${String(d.name)}`,
    target: { ...i.scope, type: "cloudtrail-trail", id: i.id },
    params: { trail: i.id },
    reason: `The attacker stopped CloudTrail logging of ${i.id} (${when}) to hide what they do next: logging restarts so the account is observed again.`,
    changes: `starts logging of ${i.id} in ${i.scope.region}; rollback LEAVES IT LOGGING (abuse-desk never stops a trail; a person may: aws cloudtrail stop-logging --name ${i.id} --region ${i.scope.region})`,
    reversible: true,
    risk: "low",
    // Not after the cut-off: logging should record as early as possible, whatever else fails.
    subjects: [{ accountId: i.scope.accountId, tags: {} }],
  });
}

function revoke(ctx: PlanContext, accountId: string, owner: { userName: string } | { roleName: string }, issuedBefore: string, reason: string): StepRef {
  const id = "userName" in owner ? owner.userName : owner.roleName;
  return ctx.b.add({
    action: "revoke-sessions",
    slug: id,
    target: { accountId, region: "global", type: "iam-principal", id },
    params: { owner, issuedBefore },
    reason,
    changes: `puts the inline policy AWSRevokeOlderSessions (deny everything to credentials issued before ${issuedBefore}) on ${"userName" in owner ? "user" : "role"} ${id}; new sessions work; the previous policy comes back on rollback`,
    reversible: true,
    risk: "high",
    subjects: [{ accountId, tags: {} }],
  });
}

function containInstance(ctx: PlanContext, i: InventoryItem, cutOff: StepRef[]): void {
  const { b } = ctx;
  const target = { ...i.scope, type: "ec2-instance", id: i.id };
  const subjects = [{ accountId: i.scope.accountId, tags: {} }];
  const volumes = (i.details?.volumeIds as string[] | undefined) ?? [];
  const what = `${i.instanceType ?? "instance"}${i.gpu ? " (GPU)" : ""}${i.cost ? `, about $${i.cost.usdPerHour}/h (estimate)` : ""}`;
  const deps: StepRef[] = [...cutOff];
  if (volumes.length)
    deps.push(
      b.add({
        action: "snapshot-volumes",
        slug: i.id,
        target,
        params: { instanceId: i.id, volumeIds: volumes, description: `abuse-desk ${ctx.caseKey}: ${i.id} launched by the attacker, as found`, tags: ctx.caseTags },
        reason: `Preserve first: ${i.id} (${what}) was launched by the attacker (${i.event?.eventTime}); its disks are evidence of what ran.`,
        changes: `creates ${volumes.length} snapshot(s) of ${volumes.join(", ")}, tagged with the case; kept on rollback (evidence)`,
        reversible: true,
        risk: "low",
        subjects,
      }),
    );
  b.add({
    action: "stop-instance",
    slug: i.id,
    target,
    params: { instanceId: i.id },
    reason: `${i.id} (${what}) was launched by the attacker: stopped (not terminated) after its snapshots, so the cost stops and the disks stay.`,
    changes: `stops ${i.id} (its EBS volumes are kept); started again on rollback`,
    reversible: true,
    risk: "medium",
    dependsOn: deps,
    subjects,
  });
}

/** One cancel (spot fleets) and one delete (EC2 fleets) per region, TerminateInstances=false; both named not reversible. */
function planFleets(ctx: PlanContext, s: SweepResult, cutOff: StepRef[]): Map<string, StepRef> {
  const { b } = ctx;
  const LIVE = new Set(["submitted", "active", "modifying"]);
  const groups = new Map<string, { kind: "spot-fleet" | "fleet"; scope: Scope; ids: string[] }>();
  for (const i of s.inventory) {
    if ((i.kind !== "spot-fleet" && i.kind !== "fleet") || !i.event || !i.details || !LIVE.has(i.state)) continue;
    if (i.kind === "fleet" && i.details.type === "instant") continue;
    const k = `${i.kind}/${i.scope.accountId}/${i.scope.region}`;
    (groups.get(k) ?? groups.set(k, { kind: i.kind, scope: i.scope, ids: [] }).get(k)!).ids.push(i.id);
  }
  const steps = new Map<string, StepRef>();
  for (const [k, { kind, scope, ids }] of groups) {
    const spot = kind === "spot-fleet";
    steps.set(
      k,
      b.add({
        action: spot ? "cancel-spot-fleet-requests" : "delete-fleets",
        slug: `${scope.region}-${spot ? "spot-fleets" : "fleets"}`,
        target: { ...scope, type: spot ? "spot-fleet-requests" : "ec2-fleets", id: ids.join(",") },
        params: spot ? { spotFleetRequestIds: ids } : { fleetIds: ids },
        reason: `The attacker's ${spot ? "spot fleet requests" : "EC2 fleets"} would launch new instances as soon as theirs are stopped (a maintain fleet replaces what stops).`,
        changes: `NOT REVERSIBLE: ${spot ? "cancels" : "deletes"} ${ids.join(", ")} with TerminateInstances=false (AWS cannot ${spot ? "reopen a cancelled fleet request" : "restore a deleted fleet"}); their instances keep running until their own steps snapshot and stop them`,
        reversible: false,
        risk: "medium",
        dependsOn: cutOff,
        subjects: [{ accountId: scope.accountId, tags: {} }],
      }),
    );
  }
  return steps;
}

/** The fleet step an instance launched by a fleet waits for. */
function fleetStepsOf(steps: Map<string, StepRef>, i: InventoryItem): StepRef[] {
  const via = i.details?.viaFleet;
  if (typeof via !== "string") return [];
  const step = steps.get(`${via.startsWith("sfr-") ? "spot-fleet" : "fleet"}/${i.scope.accountId}/${i.scope.region}`);
  return step ? [step] : [];
}

/** A Lightsail resource name for the case's snapshot of an instance (letters, digits, `.`, `_`, `-`; at most 255). */
export function lightsailSnapshotName(caseKey: string, instanceName: string): string {
  return `abuse-desk-${caseKey}-${instanceName}`.replace(/[^\w.-]/g, "-").slice(0, 255);
}

function containLightsail(ctx: PlanContext, i: InventoryItem, cutOff: StepRef[]): void {
  const { b } = ctx;
  const target = { ...i.scope, type: "lightsail-instance", id: i.id };
  const subjects = [{ accountId: i.scope.accountId, tags: {} }];
  const what = `${i.instanceType ?? "bundle ?"}${i.gpu ? " (GPU)" : ""}${i.cost ? `, about $${i.cost.usdPerHour}/h (estimate)` : ""}`;
  const snapshotName = lightsailSnapshotName(ctx.caseKey, i.id);
  const snap = b.add({
    action: "snapshot-lightsail-instance",
    slug: i.id,
    target,
    params: { instanceName: i.id, snapshotName },
    reason: `Preserve first: Lightsail instance ${i.id} (${what}) was created by the attacker (${i.event?.eventTime}); its disk is evidence of what ran.`,
    changes: `creates the instance snapshot ${snapshotName}; kept on rollback (evidence)`,
    reversible: true,
    risk: "low",
    subjects,
  });
  if (i.state !== "running") return;
  b.add({
    action: "stop-lightsail-instance",
    slug: i.id,
    target,
    params: { instanceName: i.id },
    reason: `Lightsail instance ${i.id} (${what}) was created by the attacker: stopped (not deleted) after its snapshot.`,
    changes: `stops ${i.id} (its disk is kept); started again on rollback`,
    reversible: true,
    risk: "medium",
    dependsOn: [...cutOff, snap],
    subjects,
  });
}
