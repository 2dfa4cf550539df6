/**
 * The estate's `logs:` section (src/cloud/sim/logs-schema.ts, logs-estate.ts): flow logs are
 * configured on load and their files written on the bucket's first read, as AWS lays them out;
 * trail archives hold every account's events; what does not fit the estate is refused with its path.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { SAMPLE_IDS, sampleEstate } from "../../src/cloud/sim/generate.ts";
import { SAMPLE_FLOW_FORMAT, sampleScenarioHosts } from "../../src/cloud/sim/generate-logs.ts";
import { EstateError, SimAccount, validateEstate, type EstateInput } from "../../src/cloud/sim/index.ts";

const issuesOf = (e: EstateInput) => {
  try {
    validateEstate(e, "e");
  } catch (err) {
    expect(err).toBeInstanceOf(EstateError);
    return (err as EstateError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected an EstateError");
};

describe("the estate's logs section", () => {
  it("configures the flow logs and writes the traffic when the bucket is first read", async () => {
    const estate = sampleEstate();
    const state = validateEstate(estate, "sample");
    const scanner = sampleScenarioHosts(estate, { instance: SAMPLE_IDS.instance, proxy: SAMPLE_IDS.proxy }).scanner;
    // nothing written yet: loading stays cheap
    expect(state.logs!.objects.get("111122223333/prod-access-logs-111122223333")).toBeUndefined();
    const sim = new SimAccount(state);
    const scope = { accountId: scanner.accountId, region: scanner.region };
    const [fl] = await sim.describeFlowLogs(scope, { networkInterfaceIds: [scanner.networkInterfaceId], vpcIds: estate.accounts[0]!.regions!["eu-west-1"]!.vpcs!.map((v) => v.vpcId) });
    expect(fl).toMatchObject({ destinationType: "s3", bucket: "prod-access-logs-111122223333", prefix: "flow-logs", logFormat: SAMPLE_FLOW_FORMAT, perHourPartition: true });
    const listed = await sim.listObjects("111122223333", fl!.bucket!, "flow-logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/05/01/07/");
    expect(listed.objects.length).toBeGreaterThan(0);
    for (const o of listed.objects) expect(o.key).toMatch(new RegExp(`^flow-logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/05/01/07/111122223333_vpcflowlogs_eu-west-1_${fl!.flowLogId}_20260501T07\\d\\dZ_\\d{8}\\.log\\.gz$`));
    const dir = mkdtempSync(join(tmpdir(), "abuse-desk-logs-"));
    try {
      await sim.getObject("111122223333", fl!.bucket!, listed.objects[0]!.key, join(dir, "f.gz"));
      const lines = gunzipSync(readFileSync(join(dir, "f.gz"))).toString().trim().split("\n");
      expect(lines[0]).toBe(SAMPLE_FLOW_FORMAT.replace(/\$\{|\}/g, ""));
      const scan = lines.slice(1).filter((l) => l.includes(` ${scanner.networkInterfaceId} `) && / 22 6 1 60 /.test(l));
      expect(scan.length).toBeGreaterThan(0);
      // vpc-id, subnet-id and instance-id filled from the ENI
      expect(scan[0]).toContain(` ${SAMPLE_IDS.instance} 2 IPv4 `);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // the organization trail's archive holds the demo's role session calls
    const trail = await sim.listObjects("111122223333", "prod-cloudtrail-111122223333", "AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/eu-west-1/2026/05/01/");
    expect(trail.objects.length).toBeGreaterThan(0);
  });

  it("refuses an ENI the flow log does not cover, an unknown resource and a bucket the account does not have", () => {
    const estate = sampleEstate();
    const fl = estate.logs!.flowLogs!.find((f) => f.region === "eu-west-1" && f.accountId === "111122223333")!;
    const other = estate.logs!.flowLogs!.find((f) => f.region === "us-east-1" && f.accountId === "111122223333")!;
    other.traffic = [{ scenario: "miner", networkInterfaceId: SAMPLE_IDS.eni, start: "2026-05-01T07:00:00Z", minutes: 5 }];
    fl.bucket = "no-such-bucket-here";
    estate.logs!.flowLogs!.push({ accountId: "111122223333", region: "eu-west-1", flowLogId: "fl-0123456789abcdef0", resourceId: "vpc-0123456789abcdef0", bucket: "prod-access-logs-111122223333" });
    estate.logs!.trailFiles!.push({ accountId: "444455556666", bucket: "prod-cloudtrail-111122223333" });
    const issues = issuesOf(estate);
    expect(issues.join("\n")).toContain("is not in account 111122223333's s3Buckets");
    expect(issues.join("\n")).toContain(`no ENI ${SAMPLE_IDS.eni} in 111122223333/us-east-1`);
    expect(issues.join("\n")).toContain("vpc-0123456789abcdef0 is not a VPC, subnet or ENI of 111122223333/eu-west-1");
    expect(issues.join("\n")).toContain("bucket prod-cloudtrail-111122223333 is not in account 444455556666's s3Buckets");
  });

  it("refuses a bad shape with its path (a prefix with ..)", () => {
    const estate = sampleEstate();
    estate.logs!.flowLogs![0]!.prefix = "a/../b";
    expect(issuesOf(estate).join("\n")).toMatch(/logs\.flowLogs\[0\]\.prefix/);
  });
});
