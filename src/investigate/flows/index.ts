/**
 * VPC flow logs: is the reported traffic real? `readFlows` finds the flow logs that cover the
 * subject's ENIs (on the ENI, its subnet or its VPC), fetches only the window's partitions of those
 * flow logs (S3: the hourly or daily prefixes, the files of that flow log id and delivery time;
 * CloudWatch Logs: a Logs Insights query over the ENIs' streams), loads them into DuckDB, and asks
 * the questions of ./queries.ts for the notice's activity. The verdict is confirmed, not observed
 * (records for the ENIs exist in the window, none of the activity) or no logs (nothing to read),
 * with the query that produced it and whether the activity continued after containment.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";
import { CloudError } from "../../cloud/errors.ts";
import type { Scope } from "../../cloud/model.ts";
import type { FlowLog } from "../../cloud/port-logs.ts";
import { DuckDbEngine, type FlowLogFile } from "../sql/duckdb.ts";
import { allRows, type SqlEngine } from "../sql/engine.ts";
import { flowLogsDdl, flowLogsViewSql, flowTableName, flowViewName, parseLogFormat, type FlowField } from "../sql/tables.ts";
import { emptyPart, type ActivityVerdict, type InvestigateContext, type InvestigationPart, type Reader, type Subject } from "../types.ts";
import { deliveryRange, dtOf, flowLogObjects, partitionsOf } from "./prune.ts";
import { coverageSql, dosSql, miningSql, POOL_PORTS, PROXY_PORTS, proxySql, remotesSql, scanSql, spamSql, type FlowScope } from "./queries.ts";

export type FlowActivity = "scan" | "dos" | "spam" | "proxy" | "mining" | "remotes";

/** The flow question that answers each notice activity. */
export function flowActivityOf(activityType: Subject["activityType"]): FlowActivity {
  switch (activityType) {
    case "port_scan":
      return "scan";
    case "dos":
      return "dos";
    case "spam_email":
      return "spam";
    case "open_proxy":
      return "proxy";
    case "crypto_mining":
      return "mining";
    default:
      return "remotes";
  }
}

/** Thresholds above which the activity is confirmed. */
export const THRESHOLDS = {
  scanDestinationsPerMinute: 20,
  dosPacketsPerSecond: 1000,
  dosBitsPerSecond: 10_000_000,
  spamDestinations: 20,
  proxyInboundSources: 10,
  proxyOutboundDestinations: 20,
  miningSeconds: 1800,
};

const MAX_FILES = 5000;
const MAX_BYTES = 8 * 1024 ** 3;
const INSIGHTS_POLLS = 120;
/** One folder of one flow log holds 288 objects a day (more when AWS splits a delivery): a listing this long means something is wrong. */
const LIST_MAX_KEYS = 100_000;

interface Target {
  scope: Scope;
  enis: string[];
  ips: string[];
  subnets: string[];
  vpcs: string[];
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
const num = (v: unknown) => (typeof v === "number" ? v : Number(v ?? 0));

function targetsOf(subject: Subject): Target[] {
  const by = new Map<string, Target>();
  for (const r of subject.resources) {
    const enis = [...r.networkInterfaceIds, ...(r.kind === "network-interface" ? [r.id] : [])];
    if (enis.length === 0) continue;
    const k = `${r.scope.accountId}/${r.scope.region}`;
    const t = by.get(k) ?? { scope: r.scope, enis: [], ips: [], subnets: [], vpcs: [] };
    for (const e of enis) if (!t.enis.includes(e)) t.enis.push(e);
    for (const ip of [...r.privateIps, ...r.publicIps]) if (!t.ips.includes(ip)) t.ips.push(ip);
    by.set(k, t);
  }
  return [...by.values()];
}

export interface ReadFlowsDeps {
  /** The engine the questions run on with engine local (default: DuckDB over the downloaded files). */
  openEngine?: (ctx: InvestigateContext) => Promise<DuckDbEngine>;
  /** The engine with engine athena (default: Athena as investigate.athena says, the process's credentials). */
  openAthena?: (ctx: InvestigateContext) => Promise<SqlEngine>;
  /** Between Logs Insights polls (default 1 s). */
  sleep?: (ms: number) => Promise<void>;
}

export const readFlows: Reader = (ctx, subject) => readFlowsWith(ctx, subject, {});

export async function readFlowsWith(ctx: InvestigateContext, subject: Subject, deps: ReadFlowsDeps): Promise<InvestigationPart> {
  const part = emptyPart();
  const progress = ctx.progress ?? (() => {});
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const opts = ctx.options.flowLogs ?? {};
  const maxFiles = opts.maxFiles ?? MAX_FILES;
  let budget = opts.maxBytes ?? MAX_BYTES;
  const activity = flowActivityOf(subject.activityType);
  const ws = Math.floor(Date.parse(subject.window.start) / 1000);
  const we = Math.ceil(Date.parse(subject.window.end) / 1000);
  const contained = subject.containedAt ? Math.floor(Date.parse(subject.containedAt) / 1000) : null;
  const nowS = Math.floor(ctx.now().getTime() / 1000);
  // Read past containment (up to an hour, not past now) to tell whether the traffic stopped.
  const readEnd = contained !== null ? Math.max(we, Math.min(nowS, contained + 3600)) : we;
  // The objects that can hold records starting in the window or after containment (./prune.ts).
  const range = deliveryRange(ws, readEnd, opts.deliverySlackMinutes);
  const dir = join(ctx.workDir, "flows");
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const targets = targetsOf(subject);
  const files: FlowLogFile[] = [];
  const enis: string[] = [];
  const ips: string[] = [];
  const dts = new Set<string>();
  let flowLogsFound = 0;
  // engine athena: the logs are read where they lie, through one table per flow log (partition projection) and a view over them.
  const athena = ctx.options.engine === "athena";
  const tables: { flowLogId: string; table: string; fields: FlowField[]; ddl: string }[] = [];
  const readable: string[] = [];
  let fileCount = 0;

  for (const t of targets) {
    ctx.signal?.throwIfAborted();
    try {
      const described = await ctx.port.describeNetworkInterfaces(t.scope, { networkInterfaceIds: t.enis });
      for (const e of described) {
        if (!t.subnets.includes(e.subnetId)) t.subnets.push(e.subnetId);
        if (!t.vpcs.includes(e.vpcId)) t.vpcs.push(e.vpcId);
        for (const ip of [...e.privateIpAddresses, e.privateIpAddress, ...e.associations.map((a) => a.publicIp)]) if (ip && !t.ips.includes(ip)) t.ips.push(ip);
      }
    } catch (err) {
      // Without the subnets and VPCs, only flow logs on the ENIs themselves are found.
      part.notSearched.push({ what: `subnets and VPCs of ${t.enis.join(", ")} (flow logs on them)`, scope: t.scope, reason: reason(err) });
    }
    enis.push(...t.enis);
    ips.push(...t.ips);
    let fls: FlowLog[];
    try {
      fls = await ctx.port.describeFlowLogs(t.scope, { networkInterfaceIds: t.enis, subnetIds: t.subnets, vpcIds: t.vpcs });
    } catch (err) {
      part.notSearched.push({ what: `flow logs of ${t.enis.join(", ")}`, scope: t.scope, reason: reason(err) });
      continue;
    }
    progress(`flow logs: ${fls.length} covering ${t.enis.join(", ")} in ${t.scope.accountId}/${t.scope.region}`);
    for (const fl of fls) {
      if (fl.trafficType === "REJECT") part.notSearched.push({ what: `accepted traffic in flow log ${fl.flowLogId}`, scope: t.scope, reason: "it captures rejected traffic only" });
      if (fl.destinationType === "kinesis-data-firehose") {
        part.notSearched.push({ what: `flow log ${fl.flowLogId}`, scope: t.scope, reason: `it delivers to Kinesis Data Firehose (${fl.destination ?? "?"}), which abuse-desk cannot read back` });
        continue;
      }
      flowLogsFound++;
      try {
        if (fl.destinationType === "s3" && athena) {
          const fields = parseLogFormat(fl.logFormat);
          const table = flowTableName(fl.flowLogId);
          const since = fl.creationTime && !Number.isNaN(Date.parse(fl.creationTime)) ? dtOf(Math.floor(Date.parse(fl.creationTime) / 1000), false) : "2015/06/01";
          const ddl = flowLogsDdl({ table, bucket: fl.bucket!, prefix: fl.prefix ?? "", accounts: [t.scope.accountId], regions: [t.scope.region], fileFormat: fl.fileFormat, perHourPartition: fl.perHourPartition, hiveCompatiblePartitions: fl.hiveCompatiblePartitions, since }, fields);
          for (const dt of partitionsOf(range, fl.perHourPartition)) dts.add(dt);
          tables.push({ flowLogId: fl.flowLogId, table, fields, ddl });
          readable.push(fl.flowLogId);
        } else if (fl.destinationType === "s3") {
          const owner = opts.bucketOwners?.[fl.bucket ?? ""] ?? t.scope.accountId;
          // Only this flow log's objects whose name time can hold records of the window (./prune.ts).
          for (const dt of partitionsOf(range, fl.perHourPartition)) dts.add(dt);
          const objects = await flowLogObjects((prefix) => ctx.port.listObjects(owner, fl.bucket!, prefix, { maxKeys: LIST_MAX_KEYS }), fl, t.scope, range);
          for (const o of objects) {
            if (++fileCount > maxFiles) throw new BoundError(`more than ${maxFiles} log files in the window`);
            if (o.size > budget) throw new BoundError(`the window's log files exceed the download bound (${opts.maxBytes ?? MAX_BYTES} bytes)`);
            budget -= o.size;
            const path = join(dir, `${fileCount}-${basename(o.key).replace(/[^\w.-]/g, "_")}`);
            await ctx.port.getObject(owner, fl.bucket!, o.key, path, { maxBytes: Math.min(budget + o.size, 1024 ** 3) });
            files.push({ path, fileFormat: fl.fileFormat, logFormat: fl.logFormat, accountId: t.scope.accountId, region: t.scope.region, dt: o.dt });
          }
          readable.push(fl.flowLogId);
        } else if (fl.destinationType === "cloud-watch-logs" && fl.logGroupName && athena) {
          part.notSearched.push({ what: `flow log ${fl.flowLogId} (${fl.logGroupName})`, scope: t.scope, reason: "it delivers to CloudWatch Logs, which Athena does not read: run with --engine local (Logs Insights)" });
        } else if (fl.destinationType === "cloud-watch-logs" && fl.logGroupName) {
          const got = await insights(ctx, t.scope, fl, t.enis, ws - 600, readEnd, sleep);
          if (got.truncated) part.notSearched.push({ what: `part of flow log ${fl.flowLogId} (${fl.logGroupName})`, scope: t.scope, reason: "Logs Insights returns at most 10,000 records per query; the window held more" });
          // One file per hour, so the partition column means the same as for S3.
          const byHour = new Map<string, string[]>();
          for (const r of got.rows) {
            const t0 = Math.floor(Date.parse(r["@timestamp"]!.replace(" ", "T") + "Z") / 1000);
            const dt = dtOf(t0, true);
            byHour.set(dt, [...(byHour.get(dt) ?? []), r["@message"] ?? ""]);
          }
          for (const dt of partitionsOf(range, true)) dts.add(dt);
          const header = [...fl.logFormat.matchAll(/\$\{([a-z0-9-]+)\}/g)].map((m) => m[1]).join(" ");
          for (const [dt, lines] of byHour) {
            const path = join(dir, `${++fileCount}-${fl.flowLogId}-${dt.replace(/\//g, "")}.log.gz`);
            writeFileSync(path, gzipSync([header, ...lines.filter((l) => !/[\r\n]/.test(l))].join("\n") + "\n"), { mode: 0o600, flag: "wx" });
            files.push({ path, fileFormat: "plain-text", logFormat: fl.logFormat, accountId: t.scope.accountId, region: t.scope.region, dt });
          }
          readable.push(fl.flowLogId);
        }
      } catch (err) {
        if (err instanceof BoundError) throw new Error(`VPC flow logs: ${err.message}; narrow the window or raise investigate.flowLogs bounds`, { cause: err });
        part.notSearched.push({ what: `flow log ${fl.flowLogId} (${fl.destination ?? fl.logGroupName ?? ""})`, scope: t.scope, reason: reason(err) });
      }
    }
  }

  const window = { start: subject.window.start, end: subject.window.end };
  if (targets.length === 0) {
    part.notSearched.push({ what: "VPC flow logs", reason: "the case names no network interface" });
    return part;
  }
  if (flowLogsFound === 0) {
    part.activity = { verdict: "no-logs", networkInterfaceIds: enis, window, stoppedAfterContainment: null, query: "DescribeFlowLogs (resource-id: the ENIs, their subnets and VPCs)", figures: { flowLogs: 0 } };
    part.findings.push({ kind: "flow.no-logs", area: "flow-logs", severity: "info", subject: enis.join(", "), summary: `No VPC flow logs cover ${enis.join(", ")}: the reported traffic cannot be checked.`, sources: [] });
    return part;
  }

  if (readable.length === 0) {
    // Flow logs exist but none could be read: never "no records" or "not observed".
    part.activity = { verdict: "no-logs", networkInterfaceIds: enis, window, stoppedAfterContainment: null, query: "none: no flow log could be read (see not searched)", figures: { flowLogs: flowLogsFound, read: 0 } };
    return part;
  }
  // One view name for these flow logs, on either engine: the questions' text is the same.
  const view = flowViewName(readable);
  let engine: SqlEngine;
  const statements: string[] = [];
  if (athena) {
    progress(`flow logs: ${tables.length} Athena table${tables.length === 1 ? "" : "s"}, querying`);
    engine = await (deps.openAthena ?? (async (c) => (await import("../cloudtrail/engine.ts")).openAthena(c)))(ctx);
  } else {
    progress(`flow logs: ${files.length} files, querying`);
    const db = await (deps.openEngine ?? ((c) => DuckDbEngine.open({ workDir: c.workDir, ...(opts.memoryLimit ? { memoryLimit: opts.memoryLimit } : {}) })))(ctx);
    engine = db;
    try {
      await db.registerFlowLogs(files, view);
    } catch (e) {
      await db.close();
      throw e;
    }
  }
  try {
    if (athena) {
      // The tables (IF NOT EXISTS: a flow log's location and format never change), then the view over them.
      statements.push(...tables.map((x) => x.ddl), flowLogsViewSql(view, tables));
      for (const sql of statements) for await (const _ of engine.query(sql)) void _;
    }
    const during: FlowScope = { networkInterfaceIds: enis, ownIps: ips, start: ws, end: we, dts: [...dts].sort(), table: view };
    const result = await ask(engine, activity, during, subject);
    const cov = (await allRows(engine, coverageSql(during)))[0] ?? {};
    const records = num(cov.records);
    const evidence = `flow-logs ${activity} ${subject.caseId}`;
    const artifact = () =>
      JSON.stringify({ engine: engine.kind, window, networkInterfaceIds: enis, ...(athena ? { statements } : { files: files.length }), coverage: { sql: coverageSql(during), rows: [cov] }, questions: result.questions }, null, 2);
    part.artifacts.push({
      label: evidence,
      content: artifact(),
      source: athena ? `vpc flow logs: ${tables.length} Athena table${tables.length === 1 ? "" : "s"} (${tables.map((x) => x.table).join(", ")})` : `vpc flow logs: ${files.length} files, ${engine.kind}`,
      collectedAt: ctx.now().toISOString(),
    });
    let stopped: boolean | null = null;
    if (contained !== null && readEnd > contained) {
      const after: FlowScope = { ...during, start: contained, end: readEnd };
      const afterCov = num((await allRows(engine, coverageSql(after)))[0]?.records);
      if (afterCov > 0) stopped = !(await ask(engine, activity, after, subject)).detected;
    }
    const verdict: ActivityVerdict["verdict"] = result.detected ? "confirmed" : records > 0 ? "not-observed" : "no-logs";
    part.activity = { verdict, networkInterfaceIds: enis, window, stoppedAfterContainment: stopped, query: result.main, figures: { ...result.figures, records, ...(athena ? { tables: tables.length } : { files: files.length }) } };
    const sources = [{ evidence, query: result.main }];
    const who = enis.join(", ");
    if (verdict === "confirmed") {
      part.findings.push({ kind: `flow.${activity}.confirmed`, area: "flow-logs", severity: "high", subject: who, summary: result.summary, figures: result.figures, ...(result.at ? { at: result.at } : {}), sources });
    } else if (verdict === "not-observed") {
      part.findings.push({ kind: `flow.${activity}.not-observed`, area: "flow-logs", severity: "info", subject: who, summary: `No ${activity} traffic in ${records} flow records of ${who} between ${window.start} and ${window.end}. ${result.summary}`, figures: { ...result.figures, records }, sources });
    } else {
      part.findings.push({ kind: "flow.no-records", area: "flow-logs", severity: "info", subject: who, summary: `Flow logs cover ${who} but hold no records for ${window.start} to ${window.end}.`, sources });
    }
    if (stopped !== null) part.findings.push({ kind: stopped ? "flow.stopped-after-containment" : "flow.continued-after-containment", area: "flow-logs", severity: stopped ? "info" : "high", subject: who, summary: stopped ? `The ${activity} traffic stopped after containment at ${subject.containedAt}.` : `The ${activity} traffic continued after containment at ${subject.containedAt}.`, sources });
    if (subject.remoteIps.length > 0 || subject.remotePorts.length > 0) {
      const sql = remotesSql(during, subject.remoteIps, subject.remotePorts);
      const rows = await allRows(engine, sql);
      const seen = new Set(rows.map((r) => String(r.remote)));
      const notSeen = subject.remoteIps.filter((r) => !seen.has(r));
      part.findings.push({
        kind: "flow.reported-remotes",
        area: "flow-logs",
        severity: rows.length > 0 ? "medium" : "info",
        subject: who,
        summary: `Reported remotes seen in the flow logs: ${[...seen].slice(0, 10).join(", ") || "none"}${notSeen.length > 0 ? `; not seen: ${notSeen.slice(0, 10).join(", ")}` : ""}.`,
        figures: { seen: seen.size, notSeen: notSeen.length, flows: rows.reduce((a, r) => a + num(r.flows), 0) },
        sources: [{ evidence, query: sql }],
      });
      result.questions.push({ sql, rows });
      part.artifacts[0]!.content = artifact();
    }
  } finally {
    await engine.close();
  }
  return part;
}

class BoundError extends Error {}

function reason(err: unknown): string {
  if (err instanceof CloudError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

async function insights(ctx: InvestigateContext, scope: Scope, fl: FlowLog, enis: string[], start: number, end: number, sleep: (ms: number) => Promise<void>): Promise<{ rows: Record<string, string>[]; truncated: boolean }> {
  for (const e of enis) if (!/^eni-[0-9a-f]{8,17}$/.test(e)) throw new Error(`not an ENI id: ${e}`);
  const queryString = `fields @timestamp, @logStream, @message | filter @logStream like /^(${enis.join("|")})-/ | sort @timestamp asc | limit 10000`;
  const id = await ctx.port.startLogsQuery(scope, { logGroupNames: [fl.logGroupName!], start: iso(start), end: iso(end), queryString, limit: 10_000 });
  for (let i = 0; i < INSIGHTS_POLLS; i++) {
    const r = await ctx.port.getLogsQueryResults(scope, id);
    if (r.status === "Complete") return { rows: r.rows, truncated: r.rows.length >= 10_000 };
    if (r.status !== "Running" && r.status !== "Scheduled") throw new Error(`Logs Insights query ${id} ended ${r.status}`);
    await sleep(1000);
  }
  throw new Error(`Logs Insights query ${id} did not complete in ${INSIGHTS_POLLS} polls`);
}

interface Answer {
  detected: boolean;
  main: string;
  summary: string;
  figures: Record<string, number | string | boolean>;
  at?: string;
  questions: { sql: string; rows: Record<string, unknown>[] }[];
}

/** Asks the activity's question; `detected` against THRESHOLDS. */
export async function ask(engine: SqlEngine, activity: FlowActivity, s: FlowScope, subject: Pick<Subject, "remoteIps" | "remotePorts">): Promise<Answer> {
  const T = THRESHOLDS;
  switch (activity) {
    case "scan": {
      const sql = scanSql(s);
      const rows = await allRows(engine, sql);
      const top = rows[0];
      const max = num(top?.destinations);
      const minutes = rows.filter((r) => num(r.destinations) >= T.scanDestinationsPerMinute).length;
      const flags = num(top?.with_tcp_flags) > 0;
      return {
        detected: max >= T.scanDestinationsPerMinute,
        main: sql,
        summary: top
          ? `Up to ${max} distinct destinations a minute on port ${top.dstport} (${flags ? `${num(top.syn_only_flows)} SYN-only flows` : "SYN-only flows unknown: the format has no tcp-flags"} of ${num(top.flows)} flows in that minute, ${iso(num(top.minute))}).`
          : "No outbound flows.",
        figures: { maxDestinationsPerMinute: max, port: num(top?.dstport), synOnlyFlows: num(top?.syn_only_flows), tcpFlagsLogged: flags, flows: num(top?.flows), minutesOverThreshold: minutes, threshold: T.scanDestinationsPerMinute },
        ...(top ? { at: iso(num(top.minute)) } : {}),
        questions: [{ sql, rows }],
      };
    }
    case "dos": {
      const sql = dosSql(s, subject.remoteIps);
      const rows = await allRows(engine, sql);
      const top = rows[0];
      const pps = Math.round(num(top?.packets) / 60);
      const bps = Math.round((num(top?.bytes) * 8) / 60);
      return {
        detected: pps >= T.dosPacketsPerSecond || bps >= T.dosBitsPerSecond,
        main: sql,
        summary: top ? `Up to ${pps} packets/s and ${bps} bit/s to ${top.dstaddr} (minute ${iso(num(top.minute))}).` : "No outbound flows to the reported targets.",
        figures: { packetsPerSecond: pps, bitsPerSecond: bps, target: String(top?.dstaddr ?? ""), thresholdPps: T.dosPacketsPerSecond },
        ...(top ? { at: iso(num(top.minute)) } : {}),
        questions: [{ sql, rows }],
      };
    }
    case "spam": {
      const sql = spamSql(s);
      const rows = await allRows(engine, sql);
      const dest = rows.reduce((a, r) => a + num(r.destinations), 0);
      const flows = rows.reduce((a, r) => a + num(r.flows), 0);
      return {
        detected: dest >= T.spamDestinations,
        main: sql,
        summary: `${dest} distinct mail servers reached on ports 25/465/587 (${flows} flows).`,
        figures: { mailDestinations: dest, flows, ports: rows.map((r) => r.dstport).join(","), threshold: T.spamDestinations },
        ...(rows[0] ? { at: iso(Math.min(...rows.map((r) => num(r.first_start)))) } : {}),
        questions: [{ sql, rows }],
      };
    }
    case "proxy": {
      const proxyPorts = subject.remotePorts.length > 0 ? subject.remotePorts : PROXY_PORTS;
      const sql = proxySql(s, proxyPorts);
      const rows = await allRows(engine, sql);
      const inbound = rows.filter((r) => r.direction === "inbound").sort((a, b) => num(b.peers) - num(a.peers))[0];
      const outbound = rows.find((r) => r.direction === "outbound");
      const src = num(inbound?.peers);
      const dst = num(outbound?.peers);
      return {
        detected: src >= T.proxyInboundSources && dst >= T.proxyOutboundDestinations,
        main: sql,
        summary: `${src} distinct sources connected in to port ${inbound?.port ?? "-"}, and ${dst} distinct destinations were reached out.`,
        figures: { inboundSources: src, proxyPort: num(inbound?.port), outboundDestinations: dst },
        questions: [{ sql, rows }],
      };
    }
    case "mining": {
      const sql = miningSql(s, subject.remoteIps, POOL_PORTS);
      const rows = await allRows(engine, sql);
      const top = rows[0];
      const secs = num(top?.seconds);
      return {
        detected: secs >= T.miningSeconds,
        main: sql,
        summary: top ? `Connected to ${top.dstaddr}:${top.dstport} for ${Math.round(secs / 60)} minutes (${num(top.flows)} flow records, ${num(top.bytes)} bytes).` : "No flows to mining pool ports or the reported remotes.",
        figures: { longestSeconds: secs, pool: top ? `${top.dstaddr}:${top.dstport}` : "", thresholdSeconds: T.miningSeconds },
        ...(top ? { at: iso(num(top.first_start)) } : {}),
        questions: [{ sql, rows }],
      };
    }
    case "remotes": {
      const sql = remotesSql(s, subject.remoteIps, subject.remotePorts);
      const rows = await allRows(engine, sql);
      const flows = rows.reduce((a, r) => a + num(r.flows), 0);
      return {
        detected: rows.length > 0 && (subject.remoteIps.length > 0 || subject.remotePorts.length > 0),
        main: sql,
        summary: `${flows} flows with the reported remotes.`,
        figures: { flows, remotesSeen: new Set(rows.map((r) => r.remote)).size },
        questions: [{ sql, rows }],
      };
    }
  }
}
