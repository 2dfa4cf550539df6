/**
 * The pruning rule of src/investigate/flows/prune.ts: which S3 objects of which flow logs can hold
 * records of the window. The rule is proved on generated files with real DuckDB, through the
 * reader's own path (readFlows on the simulated account): a record of the window delivered in a
 * later object is still counted, the pruned answer equals the answer over every object of every
 * flow log, and a slack too small to reach that late object gives a different answer (so the test
 * can fail).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it, vi } from "vitest";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import { addFlowLog, logsOf, putObject } from "../../src/cloud/sim/logs.ts";
import { ask, readFlows } from "../../src/investigate/flows/index.ts";
import { deliveryRange, flowLogObjects, keepObject, objectTime, partitionPrefix, partitionsOf } from "../../src/investigate/flows/prune.ts";
import { DuckDbEngine } from "../../src/investigate/sql/duckdb.ts";
import type { InvestigateContext, Subject } from "../../src/investigate/types.ts";
import { CONTRACT_ESTATE } from "../cloud/contract.ts";
import { readFileSync } from "node:fs";

vi.setConfig({ testTimeout: 120_000 });

const PROD = "111122223333";
const EU = { accountId: PROD, region: "eu-west-1" };
const ENI = "eni-0c0000000000000a1";
const OTHER_ENI = "eni-0c0000000000000a2";
const IP = "10.0.1.10";
const FL = "fl-0c0000000000000a1";
const OTHER_FL = "fl-0c0000000000000a2";
const bucket = "flow-logs-archive";
const T = (hhmm: string) => Date.parse(`2025-05-30T${hhmm}:00Z`) / 1000;
const HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
const root = mkdtempSync(join(tmpdir(), "abuse-desk-prune-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const stamp = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace(/[-:]/g, "") + "Z";
const keyOf = (fl: string, t: number, seq: number) => `AWSLogs/${PROD}/vpcflowlogs/eu-west-1/2025/05/30/${PROD}_vpcflowlogs_eu-west-1_${fl}_${stamp(t)}_${String(seq).padStart(8, "0")}.log.gz`;
const rec = (eni: string, src: string, dst: string, port: number, start: number) => `2 ${PROD} ${eni} ${src} ${dst} 40000 ${port} 6 1 44 ${start} ${start + 1} REJECT OK`;

/**
 * Two flow logs (the subject's ENI, another ENI) delivering every 5 minutes from 08:00 to 13:00.
 * Each object of the subject holds ordinary records that ended before the object's name time.
 * The scan that matters: 40 destinations in the window's last minute (10:59), delivered late, in
 * the object named 11:25. Decoys outside the window: 60 destinations at 09:58 (in the object named
 * 10:05, inside the pruned range) and 70 at 11:05 (in the object named 11:40, outside it).
 */
function estate() {
  const s = new SimAccount(parseEstate(readFileSync(CONTRACT_ESTATE, "utf8"), "contract.yaml").state, { label: "sim:prune" });
  addFlowLog(s.state, EU, { flowLogId: FL, resourceId: ENI, destinationType: "s3", bucket, prefix: "", perHourPartition: false });
  addFlowLog(s.state, EU, { flowLogId: OTHER_FL, resourceId: OTHER_ENI, destinationType: "s3", bucket, prefix: "", perHourPartition: false });
  const extra = new Map<number, string[]>([
    [T("11:25"), Array.from({ length: 40 }, (_, i) => rec(ENI, IP, `198.51.100.${i + 1}`, 22, T("10:59") + 30))],
    [T("10:05"), Array.from({ length: 60 }, (_, i) => rec(ENI, IP, `203.0.113.${i + 1}`, 22, T("09:58")))],
    [T("11:40"), Array.from({ length: 70 }, (_, i) => rec(ENI, IP, `192.0.2.${i + 1}`, 22, T("11:05")))],
  ]);
  let seq = 0;
  for (let t = T("08:00"); t <= T("13:00"); t += 300) {
    const mine = [rec(ENI, IP, "93.184.216.34", 443, t - 420), rec(ENI, "93.184.216.34", IP, 40000, t - 400), ...(extra.get(t) ?? [])];
    putObject(s.state, PROD, bucket, keyOf(FL, t, ++seq), gzipSync([HEADER, ...mine].join("\n") + "\n"), { region: "eu-west-1" });
    // The other flow log also holds a scan in the window, of another ENI: never the subject's.
    const theirs = Array.from({ length: 30 }, (_, i) => rec(OTHER_ENI, "10.0.1.11", `100.64.0.${i + 1}`, 22, t - 200));
    putObject(s.state, PROD, bucket, keyOf(OTHER_FL, t, ++seq), gzipSync([HEADER, ...theirs].join("\n") + "\n"), { region: "eu-west-1" });
  }
  return s;
}

const subject: Subject = {
  caseId: "C-13",
  activityType: "port_scan",
  window: { start: "2025-05-30T10:00:00Z", end: "2025-05-30T11:00:00Z" },
  noticeWindow: { begin: "2025-05-30T10:30:00Z", end: "2025-05-30T10:30:00Z" },
  remoteIps: [],
  remotePorts: [],
  resources: [{ scope: EU, kind: "instance", id: "i-0c0000000000000a1", publicIps: [], privateIps: [IP], networkInterfaceIds: [ENI] }],
  principals: [],
  containedAt: null,
};

function ctx(port: SimAccount, deliverySlackMinutes?: number): InvestigateContext {
  return {
    port,
    options: { marginMinutes: 0, engine: "local", hostTimeoutSeconds: 60, ...(deliverySlackMinutes !== undefined ? { flowLogs: { deliverySlackMinutes } } : {}) },
    now: () => new Date("2025-06-01T12:00:00Z"),
    workDir: join(root, `w${++n}`),
  };
}

/** The scan question over EVERY object in the bucket (both flow logs, the whole day): no pruning. */
async function unpruned(s: SimAccount) {
  const dir = join(root, `all${++n}`);
  const db = await DuckDbEngine.open({ workDir: dir, threads: 1 });
  const { writeFileSync, mkdirSync } = await import("node:fs");
  mkdirSync(dir, { recursive: true });
  const files = [...logsOf(s.state).objects.get(`${PROD}/${bucket}`)!.entries()].map(([key, o], i) => {
    const path = join(dir, `${i}.log.gz`);
    writeFileSync(path, o.body);
    return { path, fileFormat: "plain-text" as const, logFormat: "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}", accountId: PROD, region: "eu-west-1", dt: key.split("/").slice(4, 7).join("/") };
  });
  await db.registerFlowLogs(files);
  const a = await ask(db, "scan", { networkInterfaceIds: [ENI], ownIps: [IP], start: T("10:00"), end: T("11:00"), dts: ["2025/05/30"] }, { remoteIps: [], remotePorts: [] });
  await db.close();
  return { files: files.length, figures: a.figures, at: a.at };
}

describe("pruning S3 flow-log objects by flow log and name time (real DuckDB, generated files)", () => {
  it("a record of the window delivered in a later object is counted, and the pruned answer equals the unpruned one", async () => {
    const s = estate();
    const part = await readFlows(ctx(s), subject);
    const all = await unpruned(s);
    expect(all.files).toBe(2 * 61);
    expect(all.figures).toMatchObject({ maxDestinationsPerMinute: 40, port: 22 });
    expect(all.at).toBe("2025-05-30T10:59:00Z");
    expect(part.activity?.verdict).toBe("confirmed");
    expect(part.activity?.figures).toMatchObject({ maxDestinationsPerMinute: all.figures.maxDestinationsPerMinute, port: all.figures.port, flows: all.figures.flows });
    expect(part.findings[0]?.at).toBe(all.at);
    // Read: the subject's flow log only, objects named 09:50 .. 11:30 (10 minutes before, 30 after): 21 of 122.
    const got = s.callsOf("getObject").map((c) => String(c.args[2]));
    expect(got).toHaveLength(21);
    expect(got.every((k) => k.includes(`_${FL}_`))).toBe(true);
    expect(got.map((k) => objectTime(k)!).sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, i) => T("09:50") + i * 300));
  });

  it("a slack too small to reach the late object misses the window's last minute: the answer differs (this test can fail)", async () => {
    const s = estate();
    const part = await readFlows(ctx(s, 20), subject);
    expect(s.callsOf("getObject").some((c) => String(c.args[2]).includes(stamp(T("11:25"))))).toBe(false);
    expect(part.activity?.figures.maxDestinationsPerMinute).not.toBe(40);
  });
});

describe("the rule", () => {
  it("name times: parsed from the name's own field, never from the folder or the flow log id", () => {
    expect(objectTime(keyOf(FL, T("10:05"), 3))).toBe(T("10:05"));
    expect(objectTime(`AWSLogs/${PROD}/vpcflowlogs/eu-west-1/2025/05/30/10/${PROD}_vpcflowlogs_eu-west-1_${FL}_20250530T1005Z_0a1b2c3d.log.parquet`)).toBe(T("10:05"));
    expect(objectTime("AWSLogs/x_20250530T1005Z_/y.log.gz")).toBeUndefined();
    expect(objectTime("notes.txt")).toBeUndefined();
  });
  it("the range: 10 minutes before the start, the slack after the end, both ends included", () => {
    const r = deliveryRange(T("10:00"), T("11:00"));
    expect(r).toEqual({ from: T("09:50"), to: T("11:30") });
    expect(keepObject(keyOf(FL, T("09:50"), 1), FL, r)).toBe(true);
    expect(keepObject(keyOf(FL, T("09:45"), 1), FL, r)).toBe(false);
    expect(keepObject(keyOf(FL, T("11:30"), 1), FL, r)).toBe(true);
    expect(keepObject(keyOf(FL, T("11:35"), 1), FL, r)).toBe(false);
    expect(keepObject(keyOf(OTHER_FL, T("10:30"), 1), FL, r)).toBe(false);
    expect(deliveryRange(T("10:00"), T("11:00"), 45).to).toBe(T("11:45"));
    expect(() => deliveryRange(0, 1, -1)).toThrow(/delivery slack/);
  });
  it("the folders: a window near midnight lists both days (or every hour), each with the flow log's name prefix", async () => {
    const r = deliveryRange(Date.parse("2025-05-30T23:40:00Z") / 1000, Date.parse("2025-05-30T23:55:00Z") / 1000);
    expect(partitionsOf(r, false)).toEqual(["2025/05/30", "2025/05/31"]);
    expect(partitionsOf(r, true)).toEqual(["2025/05/30/23", "2025/05/31/00"]);
    const asked: string[] = [];
    await flowLogObjects(async (p) => (asked.push(p), { objects: [], truncated: false }), { flowLogId: FL, prefix: "org", hiveCompatiblePartitions: false, perHourPartition: false }, EU, r);
    expect(asked).toEqual([`org/AWSLogs/${PROD}/vpcflowlogs/eu-west-1/2025/05/30/${PROD}_vpcflowlogs_eu-west-1_${FL}_`, `org/AWSLogs/${PROD}/vpcflowlogs/eu-west-1/2025/05/31/${PROD}_vpcflowlogs_eu-west-1_${FL}_`]);
    expect(partitionPrefix({ prefix: "", hiveCompatiblePartitions: true }, EU, "2025/05/31/00")).toBe(`AWSLogs/aws-account-id=${PROD}/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2025/month=05/day=31/hour=00/`);
  });
  it("a listing cut short is an error, never a shorter answer", async () => {
    const r = deliveryRange(T("10:00"), T("11:00"));
    await expect(flowLogObjects(async () => ({ objects: [], truncated: true }), { flowLogId: FL, prefix: "", hiveCompatiblePartitions: false, perHourPartition: false }, EU, r)).rejects.toThrow(/cut short/);
  });
});

describe("the slack in the configuration", () => {
  it("investigate.flowLogs.deliverySlackMinutes reaches the reader's options; a bad value is refused with its key", async () => {
    const { investigateSettings } = await import("../../src/config/investigate.ts");
    const s = investigateSettings({ path: "c.yaml", data: { investigate: { flowLogs: { deliverySlackMinutes: 45, bucketOwners: { "org-flow-logs": "444455556666" } } } } });
    expect(s.flowLogs).toEqual({ deliverySlackMinutes: 45, bucketOwners: { "org-flow-logs": "444455556666" } });
    expect(() => investigateSettings({ path: "c.yaml", data: { investigate: { flowLogs: { deliverySlackMinutes: -5 } } } })).toThrow(/investigate\.flowLogs\.deliverySlackMinutes/);
    expect(() => investigateSettings({ path: "c.yaml", data: { investigate: { flowLogs: { slack: 5 } } } })).toThrow(/investigate\.flowLogs/);
  });
});
