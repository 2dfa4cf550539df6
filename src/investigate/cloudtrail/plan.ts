/**
 * What the CloudTrail reader asks, before it asks it: the instances' facts (DescribeInstances, their
 * VPC's NAT gateways), and the searches: per resource, per principal, the instance role's session,
 * the launch. One plan serves both sources (LookupEvents and the trail's files).
 */
import type { Scope } from "../../cloud/model.ts";
import { instanceProfileNameOf } from "../../cloud/port-profile.ts";
import { assumedRolePrefix } from "./sql.ts";
import type { CloudReader } from "../../cloud/port.ts";
import type { NotSearched, Subject } from "../types.ts";
import type { InstanceFacts } from "./analyze.ts";

/** One search: the attribute LookupEvents takes (one per call) over a window, in these scopes. */
export interface TrailSearch {
  /** Why (for the finding's source): "events naming i-0abc", "calls with key AKIA...". */
  label: string;
  scopes: Scope[];
  start: string;
  end: string;
  resourceName?: string;
  username?: string;
  accessKeyId?: string;
  eventNames?: string[];
}

export interface TrailPlan {
  searches: TrailSearch[];
  instances: InstanceFacts[];
  notSearched: NotSearched[];
  /** For the trail files: what the SQL asks. */
  accounts: string[];
  regions: string[];
  resourceIds: string[];
  accessKeyIds: string[];
  userNames: string[];
  sessionNames: string[];
  /** The instances' role ARNs: their sessions are asked for whatever their names (trail files). */
  roleArns: string[];
}

const LAUNCH_BEFORE_MS = 60 * 60_000;
const LAUNCH_AFTER_MS = 10 * 60_000;

const uniq = <T>(xs: T[]) => [...new Set(xs)];
const scopeKey = (s: Scope) => `${s.accountId}/${s.region}`;
const uniqScopes = (xs: Scope[]) => [...new Map(xs.map((s) => [scopeKey(s), s])).values()];

const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function planTrail(port: Pick<CloudReader, "regions" | "describeInstances" | "describeNatGateways"> & Partial<Pick<CloudReader, "getInstanceProfile">>, subject: Subject, opts: { progress?: (m: string) => void } = {}): Promise<TrailPlan> {
  const { start, end } = subject.window;
  const plan: TrailPlan = { searches: [], instances: [], notSearched: [], accounts: [], regions: [], resourceIds: [], accessKeyIds: [], userNames: [], sessionNames: [], roleArns: [] };

  // Every enabled region of the accounts involved: a stolen key or role session is used anywhere.
  const accountIds = uniq([...subject.resources.map((r) => r.scope.accountId), ...subject.principals.map((p) => p.accountId)]);
  const regionsOf = new Map<string, string[]>();
  await Promise.all(
    accountIds.map(async (a) => {
      try {
        regionsOf.set(a, await port.regions(a));
      } catch (e) {
        // The resources' own regions are still searched; the rest of the account is not.
        const own = uniq(subject.resources.filter((r) => r.scope.accountId === a).map((r) => r.scope.region));
        regionsOf.set(a, own);
        plan.notSearched.push({ what: `CloudTrail of account ${a} outside ${own.length ? own.join(", ") : "its resources' regions"} (its regions could not be listed)`, reason: reasonOf(e) });
      }
    }),
  );
  const allScopes = (a: string): Scope[] => (regionsOf.get(a) ?? []).map((region) => ({ accountId: a, region }));

  for (const r of subject.resources) {
    plan.resourceIds.push(r.id);
    plan.searches.push({ label: `events naming ${r.id}`, scopes: [r.scope], start, end, resourceName: r.id });
    if (r.kind !== "instance") continue;
    let inst;
    try {
      inst = (await port.describeInstances(r.scope, { instanceIds: [r.id] }))[0];
    } catch (e) {
      plan.notSearched.push({ what: `the launch, security groups and key pair of ${r.id} in CloudTrail (the instance could not be described)`, scope: r.scope, reason: reasonOf(e) });
    }
    const natAddresses: string[] = [];
    if (inst?.vpcId) {
      try {
        for (const n of await port.describeNatGateways(r.scope, { vpcIds: [inst.vpcId] })) for (const a of n.addresses ?? []) if (a.publicIp) natAddresses.push(a.publicIp);
      } catch (e) {
        plan.notSearched.push({ what: `the NAT gateways of ${inst.vpcId} (calls from them would be taken for calls from outside ${r.id})`, scope: r.scope, reason: reasonOf(e) });
      }
    }
    let roleArn = r.instanceRoleArn ?? inst?.iamInstanceProfile;
    // EC2 names the instance profile, not its role: IAM GetInstanceProfile gives the role's ARN.
    const profileName = roleArn && !/:role\//.test(roleArn) ? instanceProfileNameOf(roleArn) : null;
    if (profileName && port.getInstanceProfile) {
      try {
        const profile = await port.getInstanceProfile(r.scope.accountId, profileName);
        roleArn = profile?.roles[0]?.arn;
      } catch (e) {
        plan.notSearched.push({ what: `calls with ${r.id}'s role under another session name than ${r.id} (the role of instance profile ${profileName} could not be read)`, scope: r.scope, reason: reasonOf(e) });
      }
    }
    const facts: InstanceFacts = {
      instanceId: r.id,
      ownAddresses: uniq([...r.publicIps, ...r.privateIps, ...(inst?.publicIpAddress ? [inst.publicIpAddress] : []), ...(inst?.privateIpAddress ? [inst.privateIpAddress] : [])]),
      natAddresses: uniq(natAddresses),
    };
    // An instance profile ARN names the profile, not the role; only a role ARN names the role the session is of.
    const roleName = roleArn && /:role\//.test(roleArn) ? roleArn.split("/").pop() : undefined;
    if (roleName) facts.roleName = roleName;
    if (roleArn && /:role\//.test(roleArn)) {
      try {
        assumedRolePrefix(roleArn);
        facts.roleArn = roleArn;
        plan.roleArns.push(roleArn);
      } catch (e) {
        plan.notSearched.push({ what: `calls with the role ${roleArn.slice(0, 200)} of ${r.id}`, scope: r.scope, reason: reasonOf(e) });
      }
    }
    plan.instances.push(facts);
    // EC2 names the role session of an instance's credentials after the instance: the calls made with them, anywhere.
    plan.sessionNames.push(r.id);
    plan.searches.push({ label: `calls with the role session ${r.id} (the instance's role credentials)`, scopes: allScopes(r.scope.accountId), start, end, username: r.id });
    if (!inst) continue;
    for (const sg of inst.securityGroupIds) {
      plan.resourceIds.push(sg);
      plan.searches.push({ label: `events naming ${sg} (a security group of ${r.id})`, scopes: [r.scope], start, end, resourceName: sg });
    }
    const launched = Date.parse(inst.launchTime);
    if (!Number.isNaN(launched) && launched < Date.parse(start)) {
      // Who launched it, when that was before the window (events naming the instance around its launch).
      plan.searches.push({
        label: `the launch of ${r.id}`,
        scopes: [r.scope],
        start: new Date(launched - LAUNCH_BEFORE_MS).toISOString(),
        end: new Date(launched + LAUNCH_AFTER_MS).toISOString(),
        resourceName: r.id,
      });
    }
    if (inst.keyName) {
      plan.searches.push({
        label: `the creation of key pair ${inst.keyName} (of ${r.id})`,
        scopes: [r.scope],
        start: new Date(Math.min(Date.parse(start), Number.isNaN(launched) ? Date.parse(start) : launched) - 30 * 86_400_000).toISOString(),
        end,
        resourceName: inst.keyName,
        eventNames: ["CreateKeyPair", "ImportKeyPair"],
      });
    }
  }

  for (const p of subject.principals) {
    const scopes = allScopes(p.accountId);
    if (p.kind === "access-key") {
      plan.accessKeyIds.push(p.id);
      plan.searches.push({ label: `calls with key ${p.id}`, scopes, start, end, accessKeyId: p.id });
    } else if (p.kind === "user") {
      plan.userNames.push(p.id);
      plan.searches.push({ label: `calls by user ${p.id}`, scopes, start, end, username: p.id });
    } else if (p.kind === "root") {
      plan.userNames.push("root");
      plan.searches.push({ label: `calls by the root user of ${p.accountId}`, scopes, start, end, username: "root" });
    } else {
      // LookupEvents finds a role's sessions by their names, not the role: the events naming the role (AssumeRole, policy changes).
      plan.searches.push({ label: `events naming role ${p.id}`, scopes, start, end, resourceName: p.id });
    }
  }

  const scopes = uniqScopes(plan.searches.flatMap((s) => s.scopes));
  plan.accounts = uniq(scopes.map((s) => s.accountId));
  plan.regions = uniq(scopes.map((s) => s.region));
  plan.resourceIds = uniq(plan.resourceIds);
  plan.accessKeyIds = uniq(plan.accessKeyIds);
  plan.userNames = uniq(plan.userNames);
  plan.sessionNames = uniq(plan.sessionNames);
  plan.roleArns = uniq(plan.roleArns);
  opts.progress?.(`cloudtrail: ${plan.searches.length} searches over ${scopes.length} account-regions`);
  return plan;
}
