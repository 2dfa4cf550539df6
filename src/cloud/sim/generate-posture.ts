/**
 * The sample estate's posture (the `posture:` sections readiness reads): every account set up the
 * way docs/readiness.md asks, except for the deliberate gaps the readiness test expects to find:
 * - the sandbox account has no security alternate contact;
 * - the staging account's trails are single-region and us-east-2 has none;
 * - the squid-test host (the open proxy of the staging account) allows IMDSv1;
 * - prod's ap-southeast-2 VPC has no flow logs (./generate-logs.ts gives every other VPC in use one).
 * The open proxy port (squid-test, 3128) and alice's 151-day-old access key were already in the
 * estate, as were SSH open to the world on the demo incident's group and the squid-test host not
 * being managed by Systems Manager. Every running instance otherwise is SSM-managed, with a Wazuh
 * agent in its inventory, and abuse-desk's roles (AbuseDeskReadOnly, AbuseDeskContainment) are
 * deployed in every account, trusting the management account (`deskRoles`: modelled, ./access.ts).
 */
import type { EstateInput } from "./schema.ts";

type Acc = EstateInput["accounts"][number];

const HEALTH_PATTERN = JSON.stringify({ source: ["aws.health"], detail: { service: ["ABUSE", "RISK"], eventTypeCategory: ["issue"] } });
const PAB = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

export function addSamplePosture(estate: EstateInput, now: string, ids: { proxy: string }): void {
  const management = estate.organization?.managementAccountId ?? estate.callerAccountId ?? estate.accounts[0]!.accountId;
  estate.deskRoles = { roleName: "AbuseDeskReadOnly", containmentRoleName: "AbuseDeskContainment" };
  // As deploy/cloudformation/roles-stackset.yaml creates them: trusting the management account, with the external id.
  const trustPolicy = () => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${management}:root` }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "abuse-desk-sample" } } }] });
  const delivered = new Date(Date.parse(now) - 3_600_000).toISOString().slice(0, 19) + "Z";
  for (const acc of estate.accounts) {
    const name = acc.name ?? acc.accountId;
    const trailBucket = `${name}-cloudtrail-${acc.accountId}`;
    const logBucket = `${name}-access-logs-${acc.accountId}`;
    acc.s3Buckets = [...(acc.s3Buckets ?? []), { name: trailBucket, region: "us-east-1", publicAccessBlock: PAB, tags: { team: "security" } }, { name: logBucket, region: "us-east-1", publicAccessBlock: PAB, tags: { team: "security" } }];
    const regions = acc.enabledRegions;
    const staging = name === "staging";
    const trails = staging
      ? regions.filter((r) => r !== "us-east-2").map((r) => ({ name: `staging-${r}`, homeRegion: r, isMultiRegionTrail: false, s3BucketName: trailBucket, latestDeliveryTime: delivered }))
      : [{ name: `${name}-all-regions`, homeRegion: "us-east-1", isMultiRegionTrail: true, isOrganizationTrail: acc.accountId === estate.organization?.managementAccountId, s3BucketName: trailBucket, latestDeliveryTime: delivered }];
    const inventory: Record<string, { name: string; version?: string }[]> = {};
    for (const [region, reg] of Object.entries(acc.regions ?? {})) {
      const managed = new Set((reg.ssmManagedInstances ?? []).map((m) => m.instanceId));
      for (const i of reg.instances ?? []) {
        if (i.instanceId === ids.proxy) {
          i.metadataHttpTokens = "optional";
          continue;
        }
        if ((i.state ?? "running") === "running" && !managed.has(i.instanceId)) {
          reg.ssmManagedInstances = [...(reg.ssmManagedInstances ?? []), { instanceId: i.instanceId, pingStatus: "Online", platformType: "Linux" }];
          managed.add(i.instanceId);
        }
      }
      for (const id of managed) inventory[id] = [{ name: "wazuh-agent", version: "4.7.2" }];
      void region;
    }
    const posture: NonNullable<Acc["posture"]> = {
      ...(name === "sandbox" ? {} : { securityContact: { name: "Security team", title: "Security", emailAddress: "security@example.com", phoneNumber: "+1-555-0100" } }),
      root: { mfaActive: true, accessKeys: 0, passwordLastUsed: "2025-09-01T10:00:00Z" },
      consoleUsers: (acc.iam?.users ?? []).filter((u) => !u.path?.startsWith("/automation/")).map((u) => ({ userName: u.userName, mfaActive: true, passwordLastUsed: "2026-04-20T08:00:00Z" })),
      publicAccessBlock: PAB,
      bucketLogging: { [trailBucket]: { targetBucket: logBucket, targetPrefix: "cloudtrail/" } },
      trails,
      guardDuty: Object.fromEntries(regions.map((r) => [r, "ENABLED" as const])),
      eventRules: { "us-east-1": [{ name: "abuse-desk-health", eventPattern: HEALTH_PATTERN, targets: [`arn:aws:sqs:us-east-1:${acc.accountId}:abuse-desk`] }] },
      inventory,
    };
    acc.posture = posture;
    const iam = acc.iam ?? {};
    iam.roles = [
      ...(iam.roles ?? []),
      { roleName: "AbuseDeskReadOnly", createDate: "2025-01-05T09:00:00Z", trustPolicy: trustPolicy() },
      { roleName: "AbuseDeskContainment", createDate: "2025-01-05T09:00:00Z", trustPolicy: trustPolicy() },
    ];
    acc.iam = iam;
  }
}
