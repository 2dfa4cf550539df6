/**
 * Resolution: a Notice in, the implicated resources out, found in every account and region the
 * port reaches, enriched with what a responder needs to contain them.
 *
 * The work runs in waves of parallel calls, so the wall time is a few round trips whatever the
 * number of regions: (0) the enabled regions of each account, when some reference has no region;
 * (1) locate every reference in every region to search, one batched call per kind per region;
 * (2) enrich what was found (ENIs, groups and rules, subnet, VPC, ACL, Auto Scaling group, target
 * groups, classic LBs, SSM, Elastic IPs) and read CloudTrail for the history of public IPs;
 * (3) only when needed: the instance that held an IP at the time, or a secondary ENI's subnet.
 * Calls are capped per account/region (AWS throttles there) and overall.
 *
 * Nothing here throws on a cloud failure: an account or region that can't be searched becomes a
 * gap (access denied names the IAM action, each gap says its fix), and a reference found nowhere
 * says where it was looked for. A reference that is in none of the places read while a place it
 * could be in was not read is "not-searched", never "not-found" (src/resolve/outcome.ts).
 */
import type { IamUser } from "../cloud/model.ts";
import type { CloudReader } from "../cloud/port.ts";
import type { Notice } from "../notice/types.ts";
import { enrichInstance, resolveGlobal, resolveOther } from "./enrich.ts";
import { fromAddressHistory, readTrailHistories, resolveHoldersThen, resolveIpHolder, separateNowHolders } from "./holders.ts";
import { locate } from "./locate.ts";
import { collectRefs } from "./refs.ts";
import { note, Search } from "./search.ts";
import type { Finding, Resolution, ResolveOptions } from "./types.ts";
import { sayFindings } from "./words.ts";

export async function resolveNotice(notice: Notice, port: CloudReader, opts: ResolveOptions = {}): Promise<Resolution> {
  const started = performance.now();
  const s = new Search(port, opts);
  const refs = collectRefs(notice);
  const window = notice.window ?? { begin: null, end: null };

  // ---- waves 0 and 1: accounts, regions, where each reference is (locate.ts) -------------------
  const loc = await locate(s, notice, refs);

  // ---- wave 2: enrich what was found (enrich.ts), and read CloudTrail for public IPs (holders.ts)
  const tasks: Promise<void>[] = [];
  for (const ref of loc.regional) {
    const f = s.findingOf(ref);
    const hitsList = loc.foundIn(ref);
    for (const hits of hitsList) {
      const scope = hits.scope;
      if (ref.region && scope.region !== ref.region) note(f, `found in ${scope.region}, not in ${ref.region} as the notice says`);
      else if (!ref.region && loc.noticeRegions.length && !loc.noticeRegions.includes(scope.region)) note(f, `found in ${scope.region}, not in ${loc.noticeRegions.join(", ")} as the notice says`);
      if (ref.accountId && scope.accountId !== ref.accountId) note(f, `found in account ${scope.accountId}, not ${ref.accountId} as the notice says`);
    }
    if (ref.type === "ec2-instance") {
      for (const hits of hitsList)
        tasks.push(
          enrichInstance(s, hits.scope, ref.id, hits.instances).then((r) => {
            if (!r) return;
            f.resources.push(r);
            if (ref.publicIp && !r.publicIps.includes(ref.publicIp))
              note(f, `the notice gives ${ref.publicIp} for ${ref.id}; it holds ${r.publicIps.length ? r.publicIps.join(", ") : "no public IP"} now`);
          }),
        );
    } else if (ref.type === "public-ip") {
      for (const hits of hitsList) tasks.push(resolveIpHolder(s, hits, ref, f, window));
    } else {
      for (const hits of hitsList) tasks.push(resolveOther(s, hits, ref, f));
    }
  }

  // Global references: IAM, S3, CloudFront, per account.
  const users = new Map<Finding, { accountId: string; user: IamUser }[]>();
  for (const ref of refs.filter((r) => ["access-key", "iam-user", "s3-bucket", "cloudfront-distribution"].includes(r.type))) {
    const f = s.findingOf(ref);
    for (const accountId of loc.accountsOf(ref))
      tasks.push(
        resolveGlobal(s, ref, f, accountId).then((user) => {
          if (user) users.set(f, [...(users.get(f) ?? []), { accountId, user }]);
        }),
      );
  }

  const trailRead = readTrailHistories(s, notice, loc);
  await Promise.all(tasks);
  const trail = await trailRead;

  // ---- wave 3: whoever held an IP during the activity, when it is not what holds it now ---------
  await resolveHoldersThen(s, trail.histories, window);
  await fromAddressHistory(s, notice, trail);
  const nowHolders = separateNowHolders(s, trail.histories, window);

  // ---- findings in words (words.ts) -------------------------------------------------------------
  sayFindings(s, notice, refs, loc, trail, users, nowHolders);
  s.progress("done", `${s.findings.size} finding(s), ${s.gaps.length} gap(s)`);
  return { findings: refs.map((r) => s.findings.get(r)!), gaps: s.gaps, elapsedMs: Math.round(performance.now() - started) };
}
