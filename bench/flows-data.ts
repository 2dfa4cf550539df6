/**
 * A day of a busy estate's VPC flow logs, as AWS delivers them to S3 (for bench/flows.bench.ts):
 * three flow logs (one per VPC) in one account and region, default format (version 2), one gzip
 * object per flow log per ~5 minutes, named
 * `{account}_vpcflowlogs_{region}_{flowLogId}_{YYYYMMDDTHHmmZ}_{hash}.log.gz` under
 * `AWSLogs/{account}/vpcflowlogs/{region}/yyyy/mm/dd/` (no hourly partitions).
 *
 * Each record lands in the object of its DELIVERY time, as on AWS: after its end (an aggregation
 * interval of up to 10 minutes), plus a delivery delay of 1 to 9 minutes, 3% of records up to 24
 * minutes. So records of the notice's window are also in objects named after the window.
 *
 * The subject (VPC A's first ENI) does ordinary traffic all day, scans port 22 in the notice's
 * window (about 150 new addresses a minute), and scans port 3389 harder (400 a minute) hours
 * before the window: an answer that read outside the window would be wrong.
 */
import { once } from "node:events";
import { createWriteStream, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import { rng } from "../src/cloud/sim/flowgen.ts";

export const ACCOUNT = "111122223333";
export const REGION = "eu-west-1";
export const DAY = Date.parse("2025-05-30T00:00:00Z") / 1000;
export const DAY_FOLDER = `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2025/05/30`;
const HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

export interface BenchFlowLog {
  flowLogId: string;
  vpcId: string;
  /** Share of the day's bytes. */
  share: number;
  enis: string[];
  ips: string[];
}

const hex = (n: number, w: number) => n.toString(16).padStart(w, "0");
function vpc(i: number, share: number, count: number): BenchFlowLog {
  const enis = Array.from({ length: count }, (_, k) => `eni-0${hex(i, 4)}${hex(k + 1, 12)}`);
  const ips = enis.map((_, k) => `10.${i}.${Math.floor((k + 1) / 250)}.${((k + 1) % 250) + 1}`);
  return { flowLogId: `fl-0${hex(0xbe00 + i, 16)}`, vpcId: `vpc-0${hex(0xa000 + i, 16)}`, share, enis, ips };
}
export const FLOW_LOGS: BenchFlowLog[] = [vpc(1, 0.5, 120), vpc(2, 0.3, 80), vpc(3, 0.2, 60)];
export const SUBJECT = { eni: FLOW_LOGS[0]!.enis[0]!, ip: FLOW_LOGS[0]!.ips[0]!, vpcId: FLOW_LOGS[0]!.vpcId };
/** The notice's window: 30 minutes; the scan runs inside it. */
export const NOTICE = { start: DAY + 14 * 3600 + 10 * 60, end: DAY + 14 * 3600 + 40 * 60 };
const SCAN = { start: DAY + 14 * 3600 + 12 * 60, end: DAY + 14 * 3600 + 35 * 60, perMinute: 150, port: 22 };
const DECOY = { start: DAY + 9 * 3600, end: DAY + 9 * 3600 + 10 * 60, perMinute: 400, port: 3389 };
const SLOT = 300;
const SLOTS = 287;

/** The name time of slot k (1..287): every 5 minutes, a minute or two late now and then. */
const slotTime = (k: number) => DAY + k * SLOT + ((k * 7) % 3) * 60;
const stamp = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace(/[-:]/g, "") + "Z";

/** When a record that ended at `end` is delivered. */
function delivery(r: () => number, end: number): number {
  return end + 60 + Math.floor(r() * 480) + (r() < 0.03 ? Math.floor(r() * 900) : 0);
}

/** The subject's scan records, by the slot they are delivered in. */
function scans(r: () => number): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const s of [SCAN, DECOY]) {
    for (let m = s.start; m < s.end; m += 60) {
      for (let i = 0; i < s.perMinute; i++) {
        const start = m + Math.floor(r() * 60);
        const end = start + Math.floor(r() * 5);
        const at = delivery(r, end);
        let k = 1;
        while (k < SLOTS && slotTime(k) < at) k++;
        const dst = `${45 + (i % 3)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
        const line = `2 ${ACCOUNT} ${SUBJECT.eni} ${SUBJECT.ip} ${dst} ${32768 + Math.floor(r() * 28000)} ${s.port} 6 1 44 ${start} ${end} REJECT OK`;
        out.set(k, [...(out.get(k) ?? []), line]);
      }
    }
  }
  return out;
}

const PORTS = [443, 443, 443, 80, 53, 123, 5432, 3306, 8080, 22];

/** Writes the day under `root`; returns the bytes written. */
export async function generateDay(root: string, targetBytes: number, progress: (m: string) => void = () => {}): Promise<number> {
  const dir = join(root, DAY_FOLDER);
  mkdirSync(dir, { recursive: true });
  const r = rng(13_2048);
  const scan = scans(r);
  let total = 0;
  for (let k = 1; k <= SLOTS; k++) {
    const t = slotTime(k);
    for (const fl of FLOW_LOGS) {
      const target = (targetBytes * fl.share) / SLOTS;
      const name = `${ACCOUNT}_vpcflowlogs_${REGION}_${fl.flowLogId}_${stamp(t)}_${hex((k * 2654435761 + fl.share * 1e6) >>> 0, 8)}.log.gz`;
      const path = join(dir, name);
      const gz = createGzip({ level: 6 });
      const out = createWriteStream(path);
      let written = 0;
      gz.on("data", (b: Buffer) => (written += b.length));
      gz.pipe(out);
      gz.write(HEADER + "\n");
      if (fl === FLOW_LOGS[0]) {
        const extra = scan.get(k);
        if (extra) gz.write(extra.join("\n") + "\n");
      }
      const n = fl.enis.length;
      while (written < target) {
        const lines: string[] = [];
        for (let i = 0; i < 2000; i++) {
          const at = t - Math.floor(r() * SLOT);
          const end = at - 60 - Math.floor(r() * 480);
          const start = end - Math.floor(r() * r() * 600);
          const e = Math.floor(r() * n);
          const remote = `${Math.floor(r() * 223) + 1}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
          const port = PORTS[Math.floor(r() * PORTS.length)]!;
          const eph = 32768 + Math.floor(r() * 28000);
          const pk = 1 + Math.floor(r() * 40);
          const by = pk * (40 + Math.floor(r() * 1400));
          const acc = r() < 0.92 ? "ACCEPT" : "REJECT";
          lines.push(
            r() < 0.7
              ? `2 ${ACCOUNT} ${fl.enis[e]} ${fl.ips[e]} ${remote} ${eph} ${port} 6 ${pk} ${by} ${start} ${end} ${acc} OK`
              : `2 ${ACCOUNT} ${fl.enis[e]} ${remote} ${fl.ips[e]} ${port} ${eph} 6 ${pk} ${by} ${start} ${end} ${acc} OK`,
          );
        }
        if (!gz.write(lines.join("\n") + "\n")) await once(gz, "drain");
      }
      gz.end();
      await once(out, "close");
      total += statSync(path).size;
    }
    if (k % 24 === 0) progress(`generated ${k}/${SLOTS} delivery slots, ${(total / 1024 / 1024).toFixed(0)} MB`);
  }
  return total;
}
