/**
 * The gaps that let a case happen: given what a case resolved to (its instance, network
 * interfaces, security groups, VPC, subnet, keys, buckets, and the accounts and regions they are
 * in) and the latest readiness run of each of its accounts (src/case/readiness-runs.ts), the failing
 * checks that concern them. Matched by the check results' resource ids and scopes, never by
 * reading the text of a detail:
 *
 *   resource  the failed resource's id is one of the case's resources in the same account (and
 *             region, when the result names one): a security group of the case open on admin or
 *             proxy ports, IMDSv1 on its instance, the instance outside SSM, its VPC without flow
 *             logs, a key of the case's user older than 90 days (`user#keyN`, `user/NAME`)
 *   region    the failed resource is a region (its id is its region) the case has resources in:
 *             no trail logging it, no GuardDuty there
 *   account   the failed resource is the case's account itself (its id is the account id, no
 *             region): no security contact, Health events not routed, abuse-desk cannot enter it;
 *             account-wide exposure (S3 Block Public Access off) only for a case about a bucket
 *
 * Checks that could not run for the case's account or region are returned apart (`notChecked`),
 * never as "no gap".
 */
import type { ReadinessAccountRun } from "../case/readiness-runs.ts";
import type { Case } from "../case/types.ts";
import type { Finding, Resolved } from "../resolve/types.ts";
import { CHECKS } from "./checks.ts";
import type { Category, FailedResource, NotRun, Severity } from "./types.ts";

/** What a case is about, as gaps are matched against it. */
export interface GapSubject {
  accountIds: string[];
  /** Account and region pairs the case's resources are in (or the notice names). */
  places: { accountId: string; region: string }[];
  /** The case's resources by id: instances, interfaces, security groups, VPCs, subnets, addresses, keys, users, buckets... */
  resources: { accountId: string; region?: string; id: string; kind: string }[];
}

export type GapScope = "resource" | "region" | "account";

export interface Gap {
  checkId: string;
  title: string;
  severity: Severity;
  category: Category;
  accountId: string;
  scope: GapScope;
  /** The failed resources of the check that concern the case (its own, its region, its account). */
  resources: FailedResource[];
  /** Why it matters and the fix, from the check catalogue (absent for a check this build no longer has). */
  why?: string;
  remediation?: { console: string; cli: string };
  /** The run it was read from. */
  runId: number;
  generatedAt: string;
}

export interface NotChecked {
  checkId: string;
  title: string;
  severity: Severity;
  accountId: string;
  notRun: NotRun[];
  runId: number;
  generatedAt: string;
}

export interface CaseGaps {
  gaps: Gap[];
  notChecked: NotChecked[];
  /** The runs read, per account of the case; accounts with no run recorded are listed apart. */
  runs: { accountId: string; runId: number; generatedAt: string }[];
  noRun: string[];
}

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
/** Account-wide failures that concern any case of the account: whether AWS's mail reaches a person, whether abuse-desk can enter it. */
const ACCOUNT_WIDE: readonly Category[] = ["notices", "response", "logging"];

function add(s: GapSubject, accountId: string, region: string | undefined, id: string | undefined, kind: string): void {
  if (!id) return;
  s.resources.push({ accountId, ...(region ? { region } : {}), id, kind });
}

function addResolved(s: GapSubject, r: Resolved): void {
  const { accountId, region } = r;
  s.places.push({ accountId, region });
  switch (r.type) {
    case "ec2-instance": {
      const i = r.instance;
      add(s, accountId, region, i.instanceId, "instance");
      add(s, accountId, region, i.vpcId ?? r.vpc?.vpcId, "vpc");
      add(s, accountId, region, i.subnetId ?? r.subnet?.subnetId, "subnet");
      for (const g of i.securityGroupIds) add(s, accountId, region, g, "security-group");
      for (const e of [...i.networkInterfaceIds]) add(s, accountId, region, e, "network-interface");
      for (const e of r.interfaces) {
        add(s, accountId, region, e.networkInterfaceId, "network-interface");
        add(s, accountId, region, e.vpcId, "vpc");
        add(s, accountId, region, e.subnetId, "subnet");
        for (const g of e.groupIds) add(s, accountId, region, g, "security-group");
      }
      for (const a of r.elasticIps) add(s, accountId, region, a.allocationId, "elastic-ip");
      break;
    }
    case "network-interface": {
      const e = r.networkInterface;
      add(s, accountId, region, e.networkInterfaceId, "network-interface");
      add(s, accountId, region, e.vpcId, "vpc");
      add(s, accountId, region, e.subnetId, "subnet");
      add(s, accountId, region, e.attachment?.instanceId, "instance");
      for (const g of e.groupIds) add(s, accountId, region, g, "security-group");
      break;
    }
    case "elastic-ip":
      add(s, accountId, region, r.address.allocationId, "elastic-ip");
      add(s, accountId, region, r.address.instanceId, "instance");
      add(s, accountId, region, r.address.networkInterfaceId, "network-interface");
      break;
    case "nat-gateway":
      add(s, accountId, region, r.natGateway.natGatewayId, "nat-gateway");
      add(s, accountId, region, r.natGateway.vpcId, "vpc");
      add(s, accountId, region, r.natGateway.subnetId, "subnet");
      break;
    case "load-balancer":
      add(s, accountId, region, r.loadBalancer.id, "load-balancer");
      add(s, accountId, region, r.loadBalancer.vpcId, "vpc");
      for (const g of r.loadBalancer.securityGroupIds) add(s, accountId, region, g, "security-group");
      break;
    case "access-key":
      add(s, accountId, undefined, r.accessKey.accessKeyId, "access-key");
      add(s, accountId, undefined, r.accessKey.userName, "iam-user");
      break;
    case "s3-bucket":
      add(s, accountId, undefined, r.id, "s3-bucket");
      break;
    case "cloudfront-distribution":
      add(s, accountId, undefined, r.id, "cloudfront-distribution");
      break;
  }
}

/** The subject of a case: the resources its findings resolved to, and the accounts and regions the case names. */
export function gapSubject(findings: readonly Finding[], c?: Pick<Case, "accountIds" | "regions">): GapSubject {
  const s: GapSubject = { accountIds: [], places: [], resources: [] };
  for (const f of findings) {
    if (f.status !== "found" && f.status !== "moved") continue;
    for (const r of f.resources) addResolved(s, r);
  }
  // A case whose resources were not found still concerns the accounts and regions its notice names.
  if (c) for (const a of c.accountIds) for (const region of c.regions) s.places.push({ accountId: a, region });
  const accounts = new Set([...(c?.accountIds ?? []), ...s.places.map((p) => p.accountId), ...s.resources.map((r) => r.accountId)]);
  s.accountIds = [...accounts].sort();
  const seen = new Set<string>();
  s.places = s.places.filter((p) => !seen.has(`${p.accountId}|${p.region}`) && (seen.add(`${p.accountId}|${p.region}`), true));
  const seenR = new Set<string>();
  s.resources = s.resources.filter((r) => !seenR.has(`${r.accountId}|${r.region ?? ""}|${r.id}`) && (seenR.add(`${r.accountId}|${r.region ?? ""}|${r.id}`), true));
  return s;
}

/** The IAM user a failed identity resource names (`alice#key1`, `user/alice`), or null. */
function userOf(id: string): string | null {
  const key = /^(.+)#key\d+$/.exec(id);
  if (key) return key[1]!;
  const u = /^user\/(.+)$/.exec(id);
  return u ? u[1]! : null;
}

/** How a failed resource concerns the subject, or null. */
function concerns(s: GapSubject, f: FailedResource, category: Category): GapScope | null {
  if (!s.accountIds.includes(f.accountId)) return null;
  const own = s.resources.filter((r) => r.accountId === f.accountId && (!f.region || !r.region || r.region === f.region));
  if (own.some((r) => r.id === f.id)) return "resource";
  const user = userOf(f.id);
  if (user !== null && !f.region && own.some((r) => r.kind === "iam-user" && r.id === user)) return "resource";
  if (f.region && f.id === f.region && s.places.some((p) => p.accountId === f.accountId && p.region === f.region)) return "region";
  if (!f.region && f.id === f.accountId) {
    if (ACCOUNT_WIDE.includes(category)) return "account";
    if (category === "exposure" && own.some((r) => r.kind === "s3-bucket")) return "account";
  }
  return null;
}

const SCOPE_ORDER: Record<GapScope, number> = { resource: 0, region: 1, account: 2 };

/**
 * The failing checks of the latest runs that concern the subject, most severe first; and the
 * checks that could not run for its accounts and regions. `runs`: the latest run of each account
 * (the store's readinessAccountRun); runs of accounts the case is not about are ignored.
 */
export function caseGaps(subject: GapSubject, runs: readonly (ReadinessAccountRun | null)[]): CaseGaps {
  const catalogue = new Map(CHECKS.map((c) => [c.id, c]));
  const gaps: Gap[] = [];
  const notChecked: NotChecked[] = [];
  const read: CaseGaps["runs"] = [];
  for (const run of runs) {
    if (!run || !subject.accountIds.includes(run.accountId)) continue;
    read.push({ accountId: run.accountId, runId: run.runId, generatedAt: run.generatedAt });
    for (const r of run.results) {
      if (r.status === "fail") {
        const hits = r.failed.map((f) => ({ f, scope: concerns(subject, f, r.category) })).filter((x): x is { f: FailedResource; scope: GapScope } => x.scope !== null);
        if (hits.length) {
          const scope = hits.map((h) => h.scope).sort((a, b) => SCOPE_ORDER[a] - SCOPE_ORDER[b])[0]!;
          const def = catalogue.get(r.id);
          gaps.push({
            checkId: r.id,
            title: r.title,
            severity: r.severity,
            category: r.category,
            accountId: run.accountId,
            scope,
            resources: hits.map((h) => h.f),
            ...(def ? { why: def.why, remediation: def.remediation } : {}),
            runId: run.runId,
            generatedAt: run.generatedAt,
          });
          continue;
        }
      }
      // Not failed for the case, but not read where the case is (its account, or one of its regions): not known to be fine.
      const where = r.notRun.filter((n) => n.accountId === run.accountId && (!n.region || subject.places.some((p) => p.accountId === n.accountId && p.region === n.region)));
      const cut = r.status === "could-not-run" && r.notRunTotal > r.notRun.length;
      if (where.length === 0 && !cut) continue;
      notChecked.push({ checkId: r.id, title: r.title, severity: r.severity, accountId: run.accountId, notRun: where.length ? where : r.notRun.slice(0, 3), runId: run.runId, generatedAt: run.generatedAt });
    }
  }
  gaps.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope] || a.checkId.localeCompare(b.checkId) || a.accountId.localeCompare(b.accountId));
  notChecked.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.checkId.localeCompare(b.checkId));
  const noRun = subject.accountIds.filter((a) => !read.some((r) => r.accountId === a));
  return { gaps, notChecked, runs: read, noRun };
}
