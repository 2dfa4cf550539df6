/**
 * Deterministic VPC flow log records and files for the simulator's scenarios, the tests and the
 * benchmark: the records a scanning host, an open proxy, a miner, a spam relay or an innocent web
 * server leaves, written as AWS delivers them (gzip text with the format's header line, one file per
 * five minutes, under AWS's S3 key layout, default or Hive-compatible, daily or hourly partitions).
 */
import { gzipSync } from "node:zlib";
import type { Scope } from "../model.ts";
import { DEFAULT_FLOW_LOG_FORMAT, type FlowLog } from "../port-logs.ts";
import { addFlowLog, putObject } from "./logs.ts";
import { rng } from "./generate.ts";
import type { SimState } from "./state.ts";

export { rng };

export interface FlowRecord {
  version: number;
  accountId: string;
  interfaceId: string;
  srcaddr: string;
  dstaddr: string;
  srcport: number;
  dstport: number;
  protocol: number;
  packets: number;
  bytes: number;
  start: number;
  end: number;
  action: "ACCEPT" | "REJECT";
  tcpFlags: number;
  flowDirection: "ingress" | "egress";
  vpcId?: string;
  subnetId?: string;
  instanceId?: string;
  region?: string;
}


const FIELD_VALUE: Record<string, (r: FlowRecord) => string | number | undefined> = {
  version: (r) => r.version,
  "account-id": (r) => r.accountId,
  "interface-id": (r) => r.interfaceId,
  srcaddr: (r) => r.srcaddr,
  dstaddr: (r) => r.dstaddr,
  srcport: (r) => r.srcport,
  dstport: (r) => r.dstport,
  protocol: (r) => r.protocol,
  packets: (r) => r.packets,
  bytes: (r) => r.bytes,
  start: (r) => r.start,
  end: (r) => r.end,
  action: (r) => r.action,
  "log-status": () => "OK",
  "vpc-id": (r) => r.vpcId,
  "subnet-id": (r) => r.subnetId,
  "instance-id": (r) => r.instanceId,
  "tcp-flags": (r) => r.tcpFlags,
  type: () => "IPv4",
  "pkt-srcaddr": (r) => r.srcaddr,
  "pkt-dstaddr": (r) => r.dstaddr,
  region: (r) => r.region,
  "az-id": (r) => (r.region ? `${r.region.slice(0, 3)}-az1` : undefined),
  "sublocation-type": () => undefined,
  "sublocation-id": () => undefined,
  "pkt-src-aws-service": () => undefined,
  "pkt-dst-aws-service": () => undefined,
  "flow-direction": (r) => r.flowDirection,
  "traffic-path": (r) => (r.flowDirection === "egress" ? 8 : undefined),
};

export function formatFields(format: string): string[] {
  return [...format.matchAll(/\$\{([a-z0-9-]+)\}/g)].map((m) => m[1]!);
}

/** The text of one delivered file: the header line (field names), then one line per record ("-" for a missing value). */
export function flowLogText(records: FlowRecord[], format: string = DEFAULT_FLOW_LOG_FORMAT): string {
  const fields = formatFields(format);
  const lines = [fields.join(" ")];
  for (const r of records) lines.push(fields.map((f) => FIELD_VALUE[f]?.(r) ?? "-").join(" "));
  return lines.join("\n") + "\n";
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The S3 key AWS delivers a file under. `at`: the file's delivery time (epoch seconds). */
export function flowLogKey(fl: Pick<FlowLog, "flowLogId" | "prefix" | "hiveCompatiblePartitions" | "perHourPartition" | "fileFormat">, scope: Scope, at: number, seq: number): string {
  const d = new Date(at * 1000);
  const [y, m, day, h, min] = [d.getUTCFullYear(), pad(d.getUTCMonth() + 1), pad(d.getUTCDate()), pad(d.getUTCHours()), pad(d.getUTCMinutes())];
  const base = fl.prefix ? `${fl.prefix}/` : "";
  const dir = fl.hiveCompatiblePartitions
    ? `${base}AWSLogs/aws-account-id=${scope.accountId}/aws-service=vpcflowlogs/aws-region=${scope.region}/year=${y}/month=${m}/day=${day}/${fl.perHourPartition ? `hour=${h}/` : ""}`
    : `${base}AWSLogs/${scope.accountId}/vpcflowlogs/${scope.region}/${y}/${m}/${day}/${fl.perHourPartition ? `${h}/` : ""}`;
  const ext = fl.fileFormat === "parquet" ? "log.parquet" : "log.gz";
  return `${dir}${scope.accountId}_vpcflowlogs_${scope.region}_${fl.flowLogId}_${y}${m}${day}T${h}${min}Z_${String(seq).padStart(8, "0")}.${ext}`;
}

export type ScenarioKind = "scanning-host" | "open-proxy" | "miner" | "spam-relay" | "false-report";

export interface ScenarioSpec {
  kind: ScenarioKind;
  accountId: string;
  region: string;
  interfaceId: string;
  /** The ENI's private address. */
  privateIp: string;
  /** Epoch seconds; the activity runs from `start` for `minutes`. */
  start: number;
  minutes: number;
  /** The activity stops at this time (containment), epoch seconds; background traffic goes on. */
  stopAt?: number;
  seed?: number;
}

/** Where the scenarios aim: the reported targets a notice names. */
export const SCENARIO_TARGETS = {
  scanPort: 22,
  proxyPort: 3128,
  pool: { ip: "198.51.100.77", port: 3333 },
  dosTarget: "203.0.113.200",
};

const ip = (r: () => number, net = "203.0.113") => `${net}.${1 + Math.floor(r() * 253)}`;

/** The records of one scenario, one minute at a time (ordered by start). */
export function scenarioRecords(s: ScenarioSpec): FlowRecord[] {
  const r = rng(s.seed ?? 13);
  const out: FlowRecord[] = [];
  const base = { version: 5, accountId: s.accountId, interfaceId: s.interfaceId, region: s.region };
  const egress = (t: number, dst: string, dstport: number, more: Partial<FlowRecord> = {}): FlowRecord => ({ ...base, srcaddr: s.privateIp, dstaddr: dst, srcport: 32768 + Math.floor(r() * 28000), dstport, protocol: 6, packets: 1 + Math.floor(r() * 5), bytes: 60 + Math.floor(r() * 400), start: t, end: t + 60, action: "ACCEPT", tcpFlags: 19, flowDirection: "egress", ...more });
  const ingress = (t: number, src: string, dstport: number, more: Partial<FlowRecord> = {}): FlowRecord => ({ ...base, srcaddr: src, dstaddr: s.privateIp, srcport: 32768 + Math.floor(r() * 28000), dstport, protocol: 6, packets: 5 + Math.floor(r() * 20), bytes: 800 + Math.floor(r() * 8000), start: t, end: t + 60, action: "ACCEPT", tcpFlags: 19, flowDirection: "ingress", ...more });
  for (let m = 0; m < s.minutes; m++) {
    const t = s.start + m * 60;
    const active = s.stopAt === undefined || t < s.stopAt;
    // Background: a web server's clients and its updates, in every scenario.
    for (let i = 0; i < 3; i++) out.push(ingress(t, ip(r, "192.0.2"), 443));
    out.push(egress(t, "52.94.0.10", 443, { packets: 20, bytes: 12000 }));
    if (!active) continue;
    switch (s.kind) {
      case "scanning-host":
        // SYN-only probes to 120 fresh addresses a minute on port 22, most unanswered.
        for (let i = 0; i < 120; i++) out.push(egress(t, `${10 + (m % 200)}.${Math.floor(i / 250)}.${i % 250}.${1 + ((m * 7 + i) % 250)}`, SCENARIO_TARGETS.scanPort, { packets: 1, bytes: 60, tcpFlags: 2 }));
        break;
      case "open-proxy":
        for (let i = 0; i < 25; i++) out.push(ingress(t, ip(r, "198.18.0"), SCENARIO_TARGETS.proxyPort));
        for (let i = 0; i < 40; i++) out.push(egress(t, ip(r, "100.64.0"), r() < 0.5 ? 80 : 443, { packets: 10, bytes: 9000 }));
        break;
      case "miner":
        out.push(egress(t, SCENARIO_TARGETS.pool.ip, SCENARIO_TARGETS.pool.port, { packets: 30, bytes: 4200, tcpFlags: 24 }));
        break;
      case "spam-relay":
        for (let i = 0; i < 30; i++) out.push(egress(t, ip(r, "192.88.99"), [25, 465, 587][i % 3]!, { packets: 12, bytes: 6000 }));
        break;
      case "false-report":
        break;
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * Writes a scenario into the simulator: a flow log on the ENI delivering to `bucket` (created when
 * absent) and its files, one per five minutes of records (gzip text, the flow log's format).
 */
export function seedFlowScenario(state: SimState, s: ScenarioSpec, fl: { flowLogId: string; bucket: string; prefix?: string; logFormat?: string; perHourPartition?: boolean; hiveCompatiblePartitions?: boolean }): FlowLog {
  const scope = { accountId: s.accountId, region: s.region };
  const flowLog = addFlowLog(state, scope, {
    flowLogId: fl.flowLogId,
    resourceId: s.interfaceId,
    destinationType: "s3",
    bucket: fl.bucket,
    prefix: fl.prefix ?? "",
    logFormat: fl.logFormat ?? DEFAULT_FLOW_LOG_FORMAT,
    perHourPartition: fl.perHourPartition ?? true,
    hiveCompatiblePartitions: fl.hiveCompatiblePartitions ?? false,
    maxAggregationInterval: 60,
  });
  const records = scenarioRecords(s);
  const byFile = new Map<number, FlowRecord[]>();
  for (const rec of records) {
    // Delivered within five minutes of the aggregation interval's end.
    const at = Math.floor(rec.end / 300) * 300 + 300;
    byFile.set(at, [...(byFile.get(at) ?? []), rec]);
  }
  let seq = 0;
  for (const [at, recs] of [...byFile].sort((a, b) => a[0] - b[0])) {
    putObject(state, s.accountId, fl.bucket, flowLogKey(flowLog, scope, at, ++seq), gzipSync(flowLogText(recs, flowLog.logFormat)), { region: s.region, lastModified: new Date(at * 1000).toISOString() });
  }
  return flowLog;
}
