/**
 * The cloud contract for the log reads (src/cloud/port-logs.ts): flow log configurations, log files
 * in S3 and Logs Insights. Run from cloudContract (contract.ts) on every implementation; the logs
 * themselves are seeded into the simulator's state by `seedContractLogs` (the estate YAML has no
 * section for them), which every setup over the contract estate calls.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_FLOW_LOG_FORMAT } from "../../src/cloud/port-logs.ts";
import type { CloudPort } from "../../src/cloud/port.ts";
import { addFlowLog, putLogEvents, putObject } from "../../src/cloud/sim/logs.ts";
import type { SimState } from "../../src/cloud/sim/state.ts";
import type { FaultRule } from "../../src/cloud/sim/faults.ts";
import { expectCloudError } from "./contract.ts";

const PROD = "111122223333";
const EU = { accountId: PROD, region: "eu-west-1" };
const WEB_ENI = "eni-0c0000000000000a1";
const SUBNET = "subnet-0c000000000000001";
const VPC = "vpc-0c000000000000001";
export const LOGS = {
  bucket: "contract-bucket",
  prefix: "flows/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2025/05/01/",
  keys: Array.from({ length: 7 }, (_, i) => `flows/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2025/05/01/111122223333_vpcflowlogs_eu-west-1_fl-0c00000000000001_20250501T${String(i).padStart(2, "0")}00Z_hash.log.gz`),
  bigKey: "flows/big.bin",
  group: "contract-flows",
  customFormat: "${version} ${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${tcp-flags}",
};

/** Puts the contract's flow logs, log files and log group into a state parsed from the contract estate. */
export function seedContractLogs(state: SimState): SimState {
  addFlowLog(state, EU, { flowLogId: "fl-0c00000000000001", resourceId: WEB_ENI, destinationType: "s3", bucket: LOGS.bucket, prefix: "flows", perHourPartition: true, maxAggregationInterval: 60 });
  addFlowLog(state, EU, { flowLogId: "fl-0c00000000000002", resourceId: SUBNET, destinationType: "cloud-watch-logs", logGroupName: LOGS.group, logFormat: LOGS.customFormat, trafficType: "REJECT" });
  addFlowLog(state, EU, { flowLogId: "fl-0c00000000000003", resourceId: VPC, destinationType: "s3", bucket: LOGS.bucket, prefix: "parquet", fileFormat: "parquet", hiveCompatiblePartitions: true });
  addFlowLog(state, EU, { flowLogId: "fl-0c00000000000004", resourceId: VPC, destinationType: "kinesis-data-firehose", destination: "arn:aws:firehose:eu-west-1:111122223333:deliverystream/flows" });
  LOGS.keys.forEach((k, i) => putObject(state, PROD, LOGS.bucket, k, `object ${i}\n`.repeat(i + 1), { lastModified: `2025-05-01T0${i}:05:00Z` }));
  putObject(state, PROD, LOGS.bucket, "other/file.txt", "not a flow log");
  putObject(state, PROD, LOGS.bucket, LOGS.bigKey, Buffer.alloc(20_000, 7));
  putLogEvents(state, EU, LOGS.group, [
    { stream: `${WEB_ENI}-all`, timestamp: Date.parse("2025-05-01T10:00:00Z"), message: `5 ${WEB_ENI} 10.0.1.5 203.0.113.9 22 6 3 180 1746093600 1746093660 REJECT 2` },
    { stream: `${WEB_ENI}-all`, timestamp: Date.parse("2025-05-01T10:05:00Z"), message: `5 ${WEB_ENI} 10.0.1.5 203.0.113.9 23 6 3 180 1746093900 1746093960 REJECT 2` },
    { stream: "eni-0c0000000000000f4-all", timestamp: Date.parse("2025-05-01T10:06:00Z"), message: "5 eni-0c0000000000000f4 10.0.1.9 203.0.113.9 22 6 1 60 1746093960 1746094020 REJECT 2" },
    { stream: `${WEB_ENI}-all`, timestamp: Date.parse("2025-05-01T12:00:00Z"), message: "outside the window" },
  ]);
  return state;
}

export function logsContract(port: (opts?: { faults?: FaultRule[] }) => Promise<CloudPort>): void {
  const dir = mkdtempSync(join(tmpdir(), "abuse-desk-contract-logs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const fresh = () => join(dir, `f${++n}`);

  describe("flow logs, log files in S3, Logs Insights", () => {
    it("describes the flow logs on an ENI, its subnet and its VPC, with their destinations and formats", async () => {
      const p = await port();
      const fls = await p.describeFlowLogs(EU, { networkInterfaceIds: [WEB_ENI], subnetIds: [SUBNET], vpcIds: [VPC] });
      expect(fls.map((f) => f.flowLogId).sort()).toEqual(["fl-0c00000000000001", "fl-0c00000000000002", "fl-0c00000000000003", "fl-0c00000000000004"]);
      const byId = new Map(fls.map((f) => [f.flowLogId, f]));
      expect(byId.get("fl-0c00000000000001")).toMatchObject({ resourceId: WEB_ENI, destinationType: "s3", bucket: LOGS.bucket, prefix: "flows", destination: "arn:aws:s3:::contract-bucket/flows", logFormat: DEFAULT_FLOW_LOG_FORMAT, fileFormat: "plain-text", hiveCompatiblePartitions: false, perHourPartition: true, maxAggregationInterval: 60, trafficType: "ALL", status: "ACTIVE" });
      expect(byId.get("fl-0c00000000000002")).toMatchObject({ destinationType: "cloud-watch-logs", logGroupName: LOGS.group, logFormat: LOGS.customFormat, trafficType: "REJECT" });
      expect(byId.get("fl-0c00000000000003")).toMatchObject({ fileFormat: "parquet", hiveCompatiblePartitions: true, prefix: "parquet" });
      expect(byId.get("fl-0c00000000000004")).toMatchObject({ destinationType: "kinesis-data-firehose", destination: "arn:aws:firehose:eu-west-1:111122223333:deliverystream/flows" });
    });
    it("filters by resource: only the ENI's own flow log; empty lists match nothing; no filter matches all", async () => {
      const p = await port();
      expect((await p.describeFlowLogs(EU, { networkInterfaceIds: [WEB_ENI] })).map((f) => f.flowLogId)).toEqual(["fl-0c00000000000001"]);
      expect(await p.describeFlowLogs(EU, { networkInterfaceIds: [], vpcIds: [] })).toEqual([]);
      expect(await p.describeFlowLogs(EU, { networkInterfaceIds: ["eni-0fffffffffffffff0"] })).toEqual([]);
      expect((await p.describeFlowLogs(EU, {})).length).toBe(4);
      expect(await p.describeFlowLogs({ accountId: PROD, region: "us-east-1" }, {})).toEqual([]);
      await expectCloudError(p.describeFlowLogs({ accountId: PROD, region: "ap-south-1" }, {}), "region-disabled");
    });
    it("lists objects under a prefix in key order, across pages, after a key, and up to a bound", async () => {
      const p = await port();
      const all = await p.listObjects(PROD, LOGS.bucket, LOGS.prefix);
      expect(all.truncated).toBe(false);
      expect(all.objects.map((o) => o.key)).toEqual(LOGS.keys);
      expect(all.objects[2]).toEqual({ key: LOGS.keys[2], size: "object 2\n".length * 3, lastModified: "2025-05-01T02:05:00.000Z" });
      expect((await p.listObjects(PROD, LOGS.bucket, LOGS.prefix, { startAfter: LOGS.keys[4] })).objects.map((o) => o.key)).toEqual(LOGS.keys.slice(5));
      const bounded = await p.listObjects(PROD, LOGS.bucket, LOGS.prefix, { maxKeys: 4 });
      expect(bounded).toMatchObject({ truncated: true });
      expect(bounded.objects.map((o) => o.key)).toEqual(LOGS.keys.slice(0, 4));
      expect((await p.listObjects(PROD, LOGS.bucket, "nothing/here/")).objects).toEqual([]);
      await expectCloudError(p.listObjects(PROD, "no-such-bucket-here", ""), "not-found");
      // The bucket of another account is never read: the contract bucket is the production account's.
      await expectCloudError(p.listObjects("444455556666", LOGS.bucket, ""), "not-found");
    });
    it("streams an object to a new file, byte for byte, and never overwrites", async () => {
      const p = await port();
      const f = fresh();
      expect(await p.getObject(PROD, LOGS.bucket, LOGS.keys[3]!, f)).toEqual({ bytes: "object 3\n".length * 4 });
      expect(readFileSync(f, "utf8")).toBe("object 3\n".repeat(4));
      expect(statSync(f).mode & 0o777).toBe(0o600);
      const big = fresh();
      expect((await p.getObject(PROD, LOGS.bucket, LOGS.bigKey, big)).bytes).toBe(20_000);
      expect(readFileSync(big).equals(Buffer.alloc(20_000, 7))).toBe(true);
      const existing = fresh();
      writeFileSync(existing, "mine");
      await expect(p.getObject(PROD, LOGS.bucket, LOGS.keys[0]!, existing)).rejects.toThrow();
      expect(readFileSync(existing, "utf8")).toBe("mine");
    });
    it("refuses an object over the bound and leaves no partial file", async () => {
      const p = await port();
      const f = fresh();
      await expectCloudError(p.getObject(PROD, LOGS.bucket, LOGS.bigKey, f, { maxBytes: 10_000 }), "invalid", { code: "ObjectTooLarge" });
      expect(() => statSync(f)).toThrow();
    });
    it("says not-found for a missing key or bucket, and names s3:GetObject when denied", async () => {
      const p = await port();
      await expectCloudError(p.getObject(PROD, LOGS.bucket, "no/such/key", fresh()), "not-found");
      await expectCloudError(p.getObject(PROD, "no-such-bucket-here", "k", fresh()), "not-found");
      const denied = await port({ faults: [{ call: "s3:GetObject", accessDenied: true }] });
      await expectCloudError(denied.getObject(PROD, LOGS.bucket, LOGS.keys[0]!, fresh()), "access-denied", { action: "s3:GetObject" });
      const noList = await port({ faults: [{ call: "s3:ListBucket", accessDenied: true }] });
      await expectCloudError(noList.listObjects(PROD, LOGS.bucket, ""), "access-denied", { action: "s3:ListBucket" });
    });
    it("runs a Logs Insights query over the window and the ENI's streams, and reads its results", async () => {
      const p = await port();
      const queryString = `fields @timestamp, @logStream, @message | filter @logStream like /^(${WEB_ENI})-/ | sort @timestamp asc | limit 100`;
      const id = await p.startLogsQuery(EU, { logGroupNames: [LOGS.group], start: "2025-05-01T09:00:00Z", end: "2025-05-01T11:00:00Z", queryString });
      expect(typeof id).toBe("string");
      const r = await p.getLogsQueryResults(EU, id);
      expect(r.status).toBe("Complete");
      expect(r.rows).toEqual([
        { "@timestamp": "2025-05-01 10:00:00.000", "@logStream": `${WEB_ENI}-all`, "@message": `5 ${WEB_ENI} 10.0.1.5 203.0.113.9 22 6 3 180 1746093600 1746093660 REJECT 2` },
        { "@timestamp": "2025-05-01 10:05:00.000", "@logStream": `${WEB_ENI}-all`, "@message": `5 ${WEB_ENI} 10.0.1.5 203.0.113.9 23 6 3 180 1746093900 1746093960 REJECT 2` },
      ]);
      expect(r.statistics).toMatchObject({ recordsMatched: 2, recordsScanned: 3 });
      await expectCloudError(p.startLogsQuery(EU, { logGroupNames: ["no-such-group"], start: "2025-05-01T09:00:00Z", end: "2025-05-01T11:00:00Z", queryString }), "not-found");
      await expectCloudError(p.getLogsQueryResults(EU, "00000000-0000-0000-0000-000000000000"), "not-found");
      const denied = await port({ faults: [{ call: "logs:StartQuery", accessDenied: true }] });
      await expectCloudError(denied.startLogsQuery(EU, { logGroupNames: [LOGS.group], start: "2025-05-01T09:00:00Z", end: "2025-05-01T11:00:00Z", queryString }), "access-denied", { action: "logs:StartQuery" });
    });
  });
}
