/**
 * Reported content (phishing, malware, copyright, illegal content): keep it as evidence, then take
 * it offline where it is served: the bucket's public access blocked, the CloudFront distribution
 * disabled, or the web ingress of the instance closed. Nothing is deleted: the owner reviews it and
 * decides (delete, dispute, or roll back).
 */
import type { StepRef } from "./builder.ts";
import type { PlanContext } from "./context.ts";
import { WEB_PORTS, hostPortsInNotice, mergePorts, planRuleSurgery, seekPorts } from "./exposure.ts";
import { planPreserve, planTags } from "./host.ts";
import { hostKey, scopeOf, subjectOf, type ResolvedBucket, type ResolvedDistribution, type ResolvedInstance } from "./types.ts";

const OWNER_REVIEW = "flagged for the owner's review: the content is offline, not deleted; the owner decides to delete it, dispute the report, or roll back.";

export function planContent(ctx: PlanContext, hosts: ResolvedInstance[], buckets: ResolvedBucket[], distributions: ResolvedDistribution[]): void {
  const { b } = ctx;
  const urls = ctx.notice.destinationUrls;
  let flagged = false;

  if (hosts.length) {
    const pre = planPreserve(ctx, hosts, { autoScaling: false });
    const deps = new Map<string, StepRef | undefined>();
    for (const h of hosts) deps.set(hostKey(h), pre.snapshot.get(hostKey(h)) ?? pre.capture.get(hostKey(h)));
    const named = hostPortsInNotice(ctx.notice, hosts.flatMap((h) => h.publicIps));
    const ports = mergePorts(WEB_PORTS, { tcp: named, udp: [] }, { tcp: ctx.options.ports?.tcp ?? [], udp: [] });
    seekPorts(ctx, ports, "the content playbook closes web ports, which are TCP");
    const n = planRuleSurgery(ctx, hosts, {
      action: "close-web-ingress",
      direction: "ingress",
      ports,
      what: `the web (tcp/${ports.tcp.join(", ")})`,
      reason: `Reported content is served from the host: the internet can no longer reach its web ports once the disks are preserved; ${OWNER_REVIEW}`,
      deps,
    });
    if (!n) b.warn("The reported hosts take no web traffic straight from the internet (a load balancer or CDN in front?): take the content offline in the application or at the load balancer.");
    planTags(ctx, hosts.map((h) => ({ scope: scopeOf(h), ids: [h.id, ...h.instance.blockDevices.map((d) => d.volumeId)], subject: subjectOf(h), dep: pre.capture.get(hostKey(h)) })));
    flagged = true;
  }

  for (const r of buckets) {
    const target = { ...scopeOf(r), type: "s3-bucket", id: r.bucket.name };
    const subjects = [{ accountId: r.accountId, tags: r.bucket.tags }];
    const mine = urls.filter((u) => u.includes(r.bucket.name));
    const cap = b.add({
      action: "capture-bucket",
      slug: r.bucket.name,
      target,
      params: { bucketName: r.bucket.name, urls: mine },
      reason: "Evidence first: the bucket's settings and the reported URLs, as they are before access changes.",
      changes: "nothing (reads only)",
      reversible: true,
      risk: "low",
      subjects,
    });
    const pab = r.bucket.publicAccessBlock;
    if (pab && pab.blockPublicAcls && pab.ignorePublicAcls && pab.blockPublicPolicy && pab.restrictPublicBuckets) {
      b.warn(`${r.bucket.name} already blocks all public access: the content is served another way (a CloudFront distribution with origin access, presigned URLs); look there.`);
      continue;
    }
    b.add({
      action: "block-bucket-public-access",
      slug: r.bucket.name,
      target,
      params: { bucketName: r.bucket.name },
      reason: `Reported content is public in this bucket: block public access (ACLs and policy) so nobody outside the account reads it; ${OWNER_REVIEW}`,
      changes: `sets all four public access block settings on ${r.bucket.name} (was ${pab ? JSON.stringify(pab) : "none"}); every public object of the bucket goes offline, not only the reported one; restored on rollback`,
      reversible: true,
      risk: "high",
      dependsOn: [cap],
      subjects,
    });
    flagged = true;
  }

  for (const r of distributions) {
    const d = r.distribution;
    const target = { ...scopeOf(r), type: "cloudfront-distribution", id: d.id };
    const subjects = [{ accountId: r.accountId, tags: d.tags }];
    const cap = b.add({
      action: "capture-distribution",
      slug: d.id,
      target,
      params: { distributionId: d.id, urls: urls.filter((u) => u.includes(d.domainName) || d.aliases.some((a) => u.includes(a))) },
      reason: "Evidence first: the distribution's configuration as it is.",
      changes: "nothing (reads only)",
      reversible: true,
      risk: "low",
      subjects,
    });
    if (!d.enabled) {
      ctx.already.push(`distribution ${d.id} disabled`);
      continue;
    }
    b.add({
      action: "disable-distribution",
      slug: d.id,
      target,
      params: { distributionId: d.id },
      reason: `Reported content is served through ${d.domainName}${d.aliases.length ? ` (${d.aliases.join(", ")})` : ""}: disable the distribution; ${OWNER_REVIEW}`,
      changes: `disables CloudFront distribution ${d.id}: the whole site it serves goes offline (minutes to propagate); enabled again on rollback`,
      reversible: true,
      risk: "high",
      dependsOn: [cap],
      subjects,
    });
    flagged = true;
  }
  if (flagged) b.warn(`Owner review: ${OWNER_REVIEW}`);
}
