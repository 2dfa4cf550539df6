/**
 * The estate's `logs:` section (./logs-schema.ts) made real when the estate is loaded: each flow
 * log is configured (DescribeFlowLogs answers it) and its traffic written into its bucket as AWS
 * delivers it; each trail archive gets every account's CloudTrail events as log files. What the
 * section names must exist: the account, the region, the flow log's resource, the ENIs (covered by
 * the flow log), the bucket in its account; otherwise the estate is refused with the path.
 */
import { gzipSync } from "node:zlib";
import { DEFAULT_FLOW_LOG_FORMAT } from "../port-logs.ts";
import type { Scope } from "../model.ts";
import { flowLogKey, flowLogText, rng, scenarioRecords, type FlowRecord, type ScenarioKind } from "./flowgen.ts";
import { addFlowLog, logsOf, putObject } from "./logs.ts";
import type { LogsInput } from "./logs-schema.ts";
import type { EstateIssue, Path } from "./build.ts";
import type { SimState } from "./state.ts";
import { putTrailFiles } from "./trail-files.ts";

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** SYN probes to one address on `ports` ports, spread evenly over the minutes (a notice's reported remote). */
function probeRecords(base: Omit<FlowRecord, "dstaddr" | "dstport" | "srcport" | "start" | "end" | "packets" | "bytes" | "tcpFlags" | "action" | "flowDirection" | "srcaddr" | "protocol">, src: string, ip: string, ports: number, start: number, minutes: number, stopAt: number | undefined, seed: number): FlowRecord[] {
  const r = rng(seed);
  const out: FlowRecord[] = [];
  for (let p = 0; p < ports; p++) {
    const t = start + Math.floor((p * minutes) / ports) * 60;
    if (stopAt !== undefined && t >= stopAt) break;
    out.push({ ...base, srcaddr: src, dstaddr: ip, srcport: 32768 + Math.floor(r() * 28000), dstport: 1 + ((p * 7919) % 65535), protocol: 6, packets: 1, bytes: 40, start: t, end: t + 60, action: "ACCEPT", tcpFlags: 2, flowDirection: "egress" });
  }
  return out;
}

export interface PendingTraffic {
  scenario: ScenarioKind;
  networkInterfaceId: string;
  privateIp: string;
  vpcId: string;
  subnetId: string;
  instanceId?: string;
  start: string;
  minutes: number;
  stopAt?: string;
  seed: number;
  probe?: { ip: string; ports: number };
}

/** A flow log's traffic, written into its bucket when the bucket is first read. */
export interface PendingFlowFiles {
  scope: Scope;
  flowLogId: string;
  traffic: PendingTraffic[];
}

/** Writes the pending flow log files of a bucket (once). Called by every S3 read of the simulator. */
export function materializeFlowFiles(state: SimState, accountId: string, bucket: string): void {
  const key = `${accountId}/${bucket}`;
  const pending = state.logs?.pendingFlowFiles?.get(key);
  if (!pending) return;
  state.logs!.pendingFlowFiles!.delete(key);
  const acc = state.accounts.get(accountId);
  const bucketRegion = acc?.buckets.get(bucket)?.region ?? "us-east-1";
  for (const p of pending) {
    const flowLog = (state.logs!.flowLogs.get(`${p.scope.accountId}/${p.scope.region}`) ?? []).find((f) => f.flowLogId === p.flowLogId);
    if (!flowLog) continue;
    const records: FlowRecord[] = [];
    for (const t of p.traffic) {
      const start = epoch(t.start);
      const stopAt = t.stopAt !== undefined ? epoch(t.stopAt) : undefined;
      const extra = { vpcId: t.vpcId, subnetId: t.subnetId, ...(t.instanceId ? { instanceId: t.instanceId } : {}) };
      const spec = { kind: t.scenario, accountId: p.scope.accountId, region: p.scope.region, interfaceId: t.networkInterfaceId, privateIp: t.privateIp, start, minutes: t.minutes, seed: t.seed, ...(stopAt !== undefined ? { stopAt } : {}) };
      for (const rec of scenarioRecords(spec)) records.push({ ...rec, ...extra });
      if (t.probe) records.push(...probeRecords({ version: 5, accountId: p.scope.accountId, interfaceId: t.networkInterfaceId, region: p.scope.region, ...extra }, t.privateIp, t.probe.ip, t.probe.ports, start, t.minutes, stopAt, t.seed + 1));
    }
    // One file per five minutes of delivery, records in start order, as the flow log delivers them.
    const byFile = new Map<number, FlowRecord[]>();
    for (const rec of records.sort((a, b) => a.start - b.start || (a.interfaceId < b.interfaceId ? -1 : a.interfaceId > b.interfaceId ? 1 : 0))) {
      const at = Math.floor(rec.end / 300) * 300 + 300;
      const list = byFile.get(at);
      if (list) list.push(rec);
      else byFile.set(at, [rec]);
    }
    let seq = 0;
    for (const [at, recs] of [...byFile].sort((a, b) => a[0] - b[0])) {
      putObject(state, accountId, bucket, flowLogKey(flowLog, p.scope, at, ++seq), gzipSync(flowLogText(recs, flowLog.logFormat), { level: 6 }), { region: bucketRegion, lastModified: new Date(at * 1000).toISOString() });
    }
  }
}

/** Applies the section to a built state; returns what in it does not fit the estate. */
export function applyEstateLogs(state: SimState, logs: LogsInput | undefined): EstateIssue[] {
  const issues: EstateIssue[] = [];
  if (!logs) return issues;
  logs.flowLogs.forEach((fl, i) => {
    const path: Path = ["logs", "flowLogs", i];
    const acc = state.accounts.get(fl.accountId);
    const rs = acc?.regions.get(fl.region);
    if (!acc || !rs) {
      issues.push({ path: [...path, fl.accountId === undefined || !acc ? "accountId" : "region"], message: `no ${!acc ? `account ${fl.accountId}` : `region ${fl.region} in account ${fl.accountId}`} in the estate` });
      return;
    }
    if (!acc.buckets.has(fl.bucket)) issues.push({ path: [...path, "bucket"], message: `bucket ${fl.bucket} is not in account ${fl.accountId}'s s3Buckets` });
    const covers = (eni: { networkInterfaceId: string; subnetId: string; vpcId: string }) => [eni.networkInterfaceId, eni.subnetId, eni.vpcId].includes(fl.resourceId);
    if (!rs.vpcs.has(fl.resourceId) && !rs.subnets.has(fl.resourceId) && !rs.enis.has(fl.resourceId)) {
      issues.push({ path: [...path, "resourceId"], message: `${fl.resourceId} is not a VPC, subnet or ENI of ${fl.accountId}/${fl.region}` });
      return;
    }
    const scope = { accountId: fl.accountId, region: fl.region };
    const traffic: PendingTraffic[] = [];
    fl.traffic.forEach((t, j) => {
      const eni = rs.enis.get(t.networkInterfaceId);
      if (!eni || !covers(eni)) {
        issues.push({ path: [...path, "traffic", j, "networkInterfaceId"], message: eni ? `${t.networkInterfaceId} is not covered by ${fl.resourceId}` : `no ENI ${t.networkInterfaceId} in ${fl.accountId}/${fl.region}` });
        return;
      }
      traffic.push({ ...t, privateIp: eni.privateIpAddress, vpcId: eni.vpcId, subnetId: eni.subnetId, ...(eni.attachment ? { instanceId: eni.attachment.instanceId } : {}), seed: t.seed ?? 13 + j });
    });
    addFlowLog(state, scope, {
      flowLogId: fl.flowLogId,
      resourceId: fl.resourceId,
      destinationType: "s3",
      bucket: fl.bucket,
      prefix: fl.prefix,
      logFormat: fl.logFormat ?? DEFAULT_FLOW_LOG_FORMAT,
      perHourPartition: fl.perHourPartition,
      hiveCompatiblePartitions: fl.hiveCompatiblePartitions,
      maxAggregationInterval: 60,
    });
    if (!acc.buckets.has(fl.bucket) || traffic.length === 0) return;
    // The files are written when the bucket is first read (./logs.ts): loading the estate stays fast.
    const logs = logsOf(state);
    logs.pendingFlowFiles ??= new Map();
    const key = `${fl.accountId}/${fl.bucket}`;
    logs.pendingFlowFiles.set(key, [...(logs.pendingFlowFiles.get(key) ?? []), { scope, flowLogId: fl.flowLogId, traffic }]);
  });
  logs.trailFiles.forEach((t, i) => {
    const acc = state.accounts.get(t.accountId);
    if (!acc) return void issues.push({ path: ["logs", "trailFiles", i, "accountId"], message: `no account ${t.accountId} in the estate` });
    if (!acc.buckets.has(t.bucket)) return void issues.push({ path: ["logs", "trailFiles", i, "bucket"], message: `bucket ${t.bucket} is not in account ${t.accountId}'s s3Buckets` });
    putTrailFiles(state, { accountId: t.accountId, bucket: t.bucket, region: t.region, ...(t.prefix ? { prefix: t.prefix } : {}), ...(t.organizationId ? { organizationId: t.organizationId } : {}) });
  });
  return issues;
}
