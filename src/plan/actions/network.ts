/** Security groups, interfaces and network ACLs. */
import { z } from "zod";
import type { NetworkAclEntry, SecurityGroup, SgRule } from "../../cloud/model.ts";
import type { RuleSpec } from "../../cloud/port.ts";
import { sameRule, toSpec, within } from "../rules.ts";
import { CloudError } from "../../cloud/errors.ts";
import { StepError } from "../errors.ts";
import { defineAction, enterTransit, type Handler, type StepContext } from "../action.ts";
import { aclEntryRequest, defaultEgress, groupCreateCalls, ruleCalls } from "../calls.ts";
import { aclEntry, awsId, idOrRef, instanceId, ruleSpec, tags, text } from "../schemas.ts";

const group = z.strictObject({
  vpcId: awsId("vpc"),
  groupName: z.string().min(1).max(255),
  description: text,
  tags,
  ingress: z.array(ruleSpec),
  egress: z.array(ruleSpec),
});
const surgery = z.strictObject({ groupId: awsId("sg"), vpcId: awsId("vpc"), revoke: z.array(ruleSpec), add: z.array(ruleSpec) });
const PARAMS = {
  /** A group allowing all traffic both ways: flows through it are untracked, so the next group change cuts them. */
  "create-all-traffic-group": group,
  /** No rules but the examiners' way in (and HTTPS to the SSM endpoints when host triage is wanted). */
  "create-isolation-group": group,
  /** Replaces the ENI's groups: first the all-traffic group, then the isolation group. */
  "isolate-eni": z.strictObject({ networkInterfaceId: awsId("eni"), instanceId: instanceId.optional(), allTrafficGroupId: idOrRef("sg"), isolationGroupId: idOrRef("sg") }),
  "nacl-deny": z.strictObject({ networkAclId: awsId("acl"), subnetIds: z.array(awsId("subnet")), entries: z.array(aclEntry).min(1) }),
  /** Adds `add` first, then revokes `revoke` (make before break): a half-done step never opens more. */
  "revoke-open-ingress": surgery,
  "close-web-ingress": surgery,
  "block-smtp-egress": surgery,
};
type ActionParams = { [K in keyof typeof PARAMS]: z.infer<(typeof PARAMS)[K]> };

type GroupParams = ActionParams["create-isolation-group"];

/** EC2 authorizes and revokes ingress and egress in separate calls: one call per direction present. */
async function byDirection(rules: RuleSpec[], call: (rules: RuleSpec[]) => Promise<void>): Promise<void> {
  const ingress = rules.filter((r) => r.direction === "ingress");
  const egress = rules.filter((r) => r.direction === "egress");
  if (ingress.length) await call(ingress);
  if (egress.length) await call(egress);
}

async function findGroup(ctx: StepContext<GroupParams>): Promise<SecurityGroup | null> {
  const [g] = await ctx.port.findSecurityGroups(ctx.scope, { vpcId: ctx.params.vpcId, groupNames: [ctx.params.groupName] });
  if (g) adoptOnlyOurs(ctx, g);
  return g ?? null;
}

/**
 * A group of the wanted name is this plan's only when it carries every tag the plan gives its
 * groups (the plan's own id among them): then a killed run made it. Anyone else's group of that
 * name (made by hand, by an attacker, by another plan) is never adopted: its rules are not ours
 * to rewrite, and moving interfaces into it would isolate nothing.
 */
function adoptOnlyOurs(ctx: StepContext<GroupParams>, g: SecurityGroup): void {
  const missing = Object.entries(ctx.params.tags).filter(([k, v]) => g.tags[k] !== v);
  if (!missing.length) return;
  throw new StepError(
    `security group ${ctx.params.groupName} already exists in ${ctx.params.vpcId} (${g.groupId}) and was not created by this plan (it lacks ${missing.map(([k, v]) => `${k}=${v}`).join(", ")}): abuse-desk never adopts a group it did not create; remove or rename that group, or make a new plan`,
  );
}

/**
 * Creates the group if a previous run did not, then makes its rules exactly the wanted ones: the
 * default egress a new group gets is revoked unless wanted, missing rules are added.
 */
export const createGroup: Handler<GroupParams, { groupId: string | null }, { groupId: string; created: boolean; revoked: RuleSpec[]; added: RuleSpec[] }> = {
  async observe(ctx) {
    return { groupId: (await findGroup(ctx))?.groupId ?? null };
  },
  async run(ctx, now) {
    let groupId = now.groupId;
    let created = false;
    if (groupId === null) {
      try {
        groupId = await ctx.port.createSecurityGroup(ctx.scope, { vpcId: ctx.params.vpcId, groupName: ctx.params.groupName, description: ctx.params.description, tags: ctx.params.tags });
        created = true;
      } catch (err) {
        // A killed run created it and the name lookup (eventually consistent) did not show it yet:
        // the name is the plan's own, so the group is ours; use it rather than fail.
        const existing = err instanceof CloudError && err.code === "InvalidGroup.Duplicate" ? await findGroup(ctx) : null;
        if (!existing) throw err;
        groupId = existing.groupId;
      }
    }
    const [g] = await ctx.port.describeSecurityGroups(ctx.scope, [groupId]);
    if (!g) throw new StepError(`security group ${groupId} vanished right after it was created`);
    const wanted = [...ctx.params.ingress, ...ctx.params.egress];
    const extra = g.rules.filter((r) => !wanted.some((w) => sameRule(r, w))).map(toSpec);
    const missing = wanted.filter((w) => !g.rules.some((r) => sameRule(r, w)));
    await byDirection(extra, (rules) => ctx.port.revokeRules(ctx.scope, groupId, rules));
    await byDirection(missing, (rules) => ctx.port.authorizeRules(ctx.scope, groupId, rules));
    return { outcome: created || extra.length || missing.length ? "done" : "skipped", after: { groupId, created, revoked: extra, added: missing } };
  },
  async undo(_ctx, _before, after) {
    // Left in place: deleting needs every interface off it first, and an empty group costs nothing.
    return { outcome: "kept", detail: { kept: after?.groupId ?? null, why: "groups abuse-desk creates are left (docs/containment.md)" } };
  },
};

async function eniGroups(ctx: StepContext<ActionParams["isolate-eni"]>): Promise<string[]> {
  const [eni] = await ctx.port.describeNetworkInterfaces(ctx.scope, { networkInterfaceIds: [ctx.params.networkInterfaceId] });
  if (!eni) throw new StepError(`network interface ${ctx.params.networkInterfaceId} no longer exists`);
  return eni.groupIds;
}
const equalSets = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

export const isolateEni: Handler<ActionParams["isolate-eni"], { groupIds: string[] }, { groupIds: string[] }> = {
  async observe(ctx) {
    return { groupIds: await eniGroups(ctx) };
  },
  async run(ctx, now) {
    const { allTrafficGroupId: all, isolationGroupId: iso, networkInterfaceId: eni } = ctx.params;
    if (equalSets(now.groupIds, [iso])) return { outcome: "skipped", after: { groupIds: [iso] } };
    // Through the all-traffic group first: its flows are untracked, so the next change cuts them.
    // Open to all until the next call: journalled first, so a later command finishes or undoes it.
    if (!equalSets(now.groupIds, [all])) {
      await enterTransit(ctx, { networkInterfaceId: eni, groupIds: now.groupIds, allTrafficGroupId: all, isolationGroupId: iso });
      await ctx.port.setNetworkInterfaceGroups(ctx.scope, eni, [all]);
    }
    await ctx.port.setNetworkInterfaceGroups(ctx.scope, eni, [iso]);
    return { outcome: "done", after: { groupIds: [iso] } };
  },
  async compensate(ctx, before) {
    // Never leave an interface in the all-traffic group: it allows everything.
    const now = await eniGroups(ctx);
    if (!equalSets(now, [ctx.params.allTrafficGroupId])) return null;
    await ctx.port.setNetworkInterfaceGroups(ctx.scope, ctx.params.networkInterfaceId, before.groupIds);
    return `left the all-traffic group: ${ctx.params.networkInterfaceId} is back in ${before.groupIds.join(", ")}`;
  },
  async undo(ctx, before) {
    const now = await eniGroups(ctx);
    if (equalSets(now, before.groupIds)) return { outcome: "nothing" };
    const ours = [ctx.params.isolationGroupId, ctx.params.allTrafficGroupId];
    if (!(now.length === 1 && ours.includes(now[0]!))) {
      // Someone changed the groups after isolation: restoring blindly would undo their change too.
      throw new StepError(`${ctx.params.networkInterfaceId} is now in ${now.join(", ")}, not in the isolation group: changed by someone since; restore ${before.groupIds.join(", ")} by hand if that is still right`);
    }
    await ctx.port.setNetworkInterfaceGroups(ctx.scope, ctx.params.networkInterfaceId, before.groupIds);
    return { outcome: "rolled-back", detail: { groupIds: before.groupIds } };
  },
};

const sameEntry = (a: NetworkAclEntry, b: NetworkAclEntry) =>
  a.ruleNumber === b.ruleNumber &&
  a.egress === b.egress &&
  a.protocol === b.protocol &&
  a.ruleAction === b.ruleAction &&
  (a.cidrBlock ?? "") === (b.cidrBlock ?? "") &&
  (a.ipv6CidrBlock ?? "") === (b.ipv6CidrBlock ?? "") &&
  (a.portRange?.from ?? -1) === (b.portRange?.from ?? -1) &&
  (a.portRange?.to ?? -1) === (b.portRange?.to ?? -1);

async function aclEntries(ctx: StepContext<ActionParams["nacl-deny"]>): Promise<NetworkAclEntry[]> {
  const [acl] = await ctx.port.describeNetworkAcls(ctx.scope, { networkAclIds: [ctx.params.networkAclId] });
  if (!acl) throw new StepError(`network ACL ${ctx.params.networkAclId} no longer exists`);
  return acl.entries;
}

export const naclDeny: Handler<ActionParams["nacl-deny"], { entries: NetworkAclEntry[] }, { created: NetworkAclEntry[] }> = {
  async observe(ctx) {
    return { entries: await aclEntries(ctx) };
  },
  async run(ctx, now) {
    const created: NetworkAclEntry[] = [];
    for (const e of ctx.params.entries) {
      const there = now.entries.find((x) => x.ruleNumber === e.ruleNumber && x.egress === e.egress);
      if (there && sameEntry(there, e)) continue;
      if (there) throw new StepError(`${ctx.params.networkAclId} ${e.egress ? "outbound" : "inbound"} rule #${e.ruleNumber} was taken since the plan was made (${there.ruleAction} ${there.cidrBlock ?? there.ipv6CidrBlock}); make a new plan`);
      await ctx.port.createNetworkAclEntry(ctx.scope, ctx.params.networkAclId, e);
      created.push(e);
    }
    return { outcome: created.length ? "done" : "skipped", after: { created } };
  },
  async undo(ctx, before) {
    const now = await aclEntries(ctx);
    // Delete exactly this step's entries, and only those that were not there before it.
    const ours = ctx.params.entries.filter((e) => now.some((x) => sameEntry(x, e)) && !before.entries.some((x) => sameEntry(x, e)));
    for (const e of ours) await ctx.port.deleteNetworkAclEntry(ctx.scope, ctx.params.networkAclId, { ruleNumber: e.ruleNumber, egress: e.egress });
    return ours.length ? { outcome: "rolled-back", detail: { deleted: ours.map((e) => `${e.egress ? "out" : "in"} #${e.ruleNumber}`) } } : { outcome: "nothing" };
  },
};

type Surgery = ActionParams["revoke-open-ingress"];

async function groupRules(ctx: StepContext<Surgery>): Promise<SgRule[]> {
  const [g] = await ctx.port.describeSecurityGroups(ctx.scope, [ctx.params.groupId]);
  if (!g) throw new StepError(`security group ${ctx.params.groupId} no longer exists`);
  return g.rules;
}

/** Adds the narrower rules, then revokes the broad ones (make before break), each only if needed. */
export const replaceRules: Handler<Surgery, { rules: RuleSpec[] }, { added: RuleSpec[]; revoked: RuleSpec[] }> = {
  async observe(ctx) {
    return { rules: (await groupRules(ctx)).map(toSpec) };
  },
  async run(ctx, now) {
    const has = (r: RuleSpec) => now.rules.some((x) => sameRule(x, r));
    const revoked = ctx.params.revoke.filter(has);
    // Only what a broad rule still there allows: one removed since the plan was made (by its owner,
    // or by this step before a kill) is not brought back in pieces.
    const added = ctx.params.add.filter((r) => !has(r) && revoked.some((broad) => within(r, broad)));
    await byDirection(added, (rules) => ctx.port.authorizeRules(ctx.scope, ctx.params.groupId, rules));
    await byDirection(revoked, (rules) => ctx.port.revokeRules(ctx.scope, ctx.params.groupId, rules));
    return { outcome: added.length || revoked.length ? "done" : "skipped", after: { added, revoked } };
  },
  async undo(ctx, before) {
    const now = (await groupRules(ctx)).map(toSpec);
    const had = (r: RuleSpec) => before.rules.some((x) => sameRule(x, r));
    const has = (r: RuleSpec) => now.some((x) => sameRule(x, r));
    const restore = ctx.params.revoke.filter((r) => had(r) && !has(r)).map((r) => before.rules.find((x) => sameRule(x, r))!);
    const remove = ctx.params.add.filter((r) => !had(r) && has(r));
    await byDirection(restore, (rules) => ctx.port.authorizeRules(ctx.scope, ctx.params.groupId, rules));
    await byDirection(remove, (rules) => ctx.port.revokeRules(ctx.scope, ctx.params.groupId, rules));
    return restore.length || remove.length ? { outcome: "rolled-back", detail: { restored: restore.length, removed: remove.length } } : { outcome: "nothing" };
  },
};

const GROUP_USES = ["findSecurityGroups", "createSecurityGroup", "describeSecurityGroups", "revokeRules", "authorizeRules"] as const;

export const CREATE_ALL_TRAFFIC_GROUP = defineAction({
  summary: "creates a security group allowing all traffic both ways, used for an instant per interface so the move to isolation cuts tracked flows; kept on rollback",
  params: PARAMS["create-all-traffic-group"],
  target: { type: "vpc", id: (p) => p.vpcId },
  calls: (g, ctx) => {
    // A new group already allows all IPv4 out (and IPv6 out when the VPC has IPv6): only the missing rules are added.
    const defaults = defaultEgress(ctx.vpcHasIpv6);
    const egress = g.egress.filter((r) => !defaults.some((d) => d.cidrIpv4 === r.cidrIpv4 && d.cidrIpv6 === r.cidrIpv6 && d.protocol === r.protocol));
    return groupCreateCalls({ ...g, egress }, `\${${ctx.stepId}.groupId}`, []);
  },
  handler: createGroup,
  uses: GROUP_USES,
});

export const CREATE_ISOLATION_GROUP = defineAction({
  summary: "creates the isolation security group: nothing in or out but the examiners' way in (and HTTPS to Systems Manager for host triage); kept on rollback",
  params: PARAMS["create-isolation-group"],
  target: { type: "vpc", id: (p) => p.vpcId },
  calls: (g, ctx) => groupCreateCalls(g, `\${${ctx.stepId}.groupId}`, defaultEgress(ctx.vpcHasIpv6)),
  handler: createGroup,
  uses: GROUP_USES,
});

export const ISOLATE_ENI = defineAction({
  summary: "replaces the interface's security groups: the all-traffic group for an instant, then the isolation group (the old groups come back on rollback)",
  params: PARAMS["isolate-eni"],
  target: { type: "network-interface", id: (p) => p.networkInterfaceId },
  calls: (e) => [
    { api: "ec2:ModifyNetworkInterfaceAttribute", params: { NetworkInterfaceId: e.networkInterfaceId, Groups: [e.allTrafficGroupId] } },
    { api: "ec2:ModifyNetworkInterfaceAttribute", params: { NetworkInterfaceId: e.networkInterfaceId, Groups: [e.isolationGroupId] } },
  ],
  handler: isolateEni,
  uses: ["describeNetworkInterfaces", "setNetworkInterfaceGroups"],
});

export const NACL_DENY = defineAction({
  summary: "adds deny entries for the reported peers to the subnet's network ACL (deleted on rollback)",
  params: PARAMS["nacl-deny"],
  target: { type: "network-acl", id: (p) => p.networkAclId },
  calls: (n) => n.entries.map((e) => ({ api: "ec2:CreateNetworkAclEntry", params: aclEntryRequest(n.networkAclId, e) })),
  handler: naclDeny,
  uses: ["describeNetworkAcls", "createNetworkAclEntry", "deleteNetworkAclEntry"],
});

/** Make before break: the narrower rules exist before the broad one goes. */
const surgeryCalls = (r: Surgery) => [...ruleCalls(r.groupId, r.add, "Authorize"), ...ruleCalls(r.groupId, r.revoke, "Revoke")];
const SURGERY_USES = ["describeSecurityGroups", "authorizeRules", "revokeRules"] as const;

export const REVOKE_OPEN_INGRESS = defineAction({
  summary: "replaces world-open ingress rules of a security group by narrower ones (added first, then the broad rule revoked)",
  params: PARAMS["revoke-open-ingress"],
  target: { type: "security-group", id: (p) => p.groupId },
  calls: surgeryCalls,
  handler: replaceRules,
  uses: SURGERY_USES,
});

export const CLOSE_WEB_INGRESS = defineAction({
  summary: "closes the web ports of a security group to the world (narrower rules added first, then the broad rule revoked)",
  params: PARAMS["close-web-ingress"],
  target: { type: "security-group", id: (p) => p.groupId },
  calls: surgeryCalls,
  handler: replaceRules,
  uses: SURGERY_USES,
});

export const BLOCK_SMTP_EGRESS = defineAction({
  summary: "takes port 25 out of a security group's egress (the rest re-added first, then the broad rule revoked)",
  params: PARAMS["block-smtp-egress"],
  target: { type: "security-group", id: (p) => p.groupId },
  calls: surgeryCalls,
  handler: replaceRules,
  uses: SURGERY_USES,
});
