/**
 * The questions asked of the flow logs, as SQL over `vpc_flow_logs` (../sql/tables.ts): the same
 * text runs on DuckDB and on Athena. Only what both engines share is used: count(DISTINCT), CASE,
 * integer arithmetic (`start - start % 60` is the minute), IN lists, double-quoted "end"; no
 * bitwise operators (SYN-only is `tcp_flags = 2`, the OR of the flags seen being SYN alone).
 *
 * Every value put into the text is validated first (addresses, ENI ids, ports, epoch seconds,
 * partition strings): the notice is hostile, and nothing from it reaches the SQL unchecked.
 */

export interface FlowScope {
  networkInterfaceIds: string[];
  /** The subject's own addresses (private, and public for flows logged with them): outbound is from these. */
  ownIps: string[];
  /** Epoch seconds, [start, end). */
  start: number;
  end: number;
  /** The partitions that hold the window (`dt` values), for Athena's partition projection. */
  dts: string[];
  /** The table or view queried (default `vpc_flow_logs`): the reader names one view per set of flow logs, the same on both engines. */
  table?: string;
}

/** The relation a question reads. */
export function tableOf(s: FlowScope): string {
  const t = s.table ?? "vpc_flow_logs";
  if (!/^[a-z_][a-z0-9_]{0,127}$/.test(t)) throw new Error(`not a table name: ${t.slice(0, 60)}`);
  return t;
}

const ENI = /^eni-[0-9a-f]{8,17}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]{2,39}$/;
const DT = /^\d{4}\/\d{2}\/\d{2}(\/\d{2})?$/;

export function checkIp(v: string): string {
  if (!IPV4.test(v) && !(IPV6.test(v) && v.includes(":"))) throw new Error(`not an IP address: ${v.slice(0, 60)}`);
  return v;
}
function list(values: string[], check: (v: string) => string): string {
  return values.length === 0 ? "NULL" : values.map((v) => `'${check(v)}'`).join(", ");
}
function ports(values: number[]): string {
  for (const p of values) if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`not a port: ${p}`);
  return values.length === 0 ? "NULL" : values.join(", ");
}
function seconds(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 4102444800) throw new Error(`not a time: ${v}`);
  return v;
}

/** The WHERE clause every question shares: the partitions, the ENIs, the window. */
export function scopeClause(s: FlowScope): string {
  const enis = list(s.networkInterfaceIds, (v) => {
    if (!ENI.test(v)) throw new Error(`not an ENI id: ${v.slice(0, 60)}`);
    return v;
  });
  const dts = list(s.dts, (v) => {
    if (!DT.test(v)) throw new Error(`not a partition: ${v}`);
    return v;
  });
  return `dt IN (${dts}) AND interface_id IN (${enis}) AND start >= ${seconds(s.start)} AND start < ${seconds(s.end)}`;
}

const own = (s: FlowScope) => list(s.ownIps, checkIp);

export const MAIL_PORTS = [25, 465, 587];
export const PROXY_PORTS = [3128, 8080, 8118, 1080, 8888, 9050];
export const POOL_PORTS = [3333, 3334, 4444, 5555, 5556, 7777, 8333, 9999, 14433, 14444, 45560, 45700];

/** Port scan: distinct destination addresses per destination port per minute, with SYN-only flows. */
export function scanSql(s: FlowScope): string {
  return `SELECT dstport, start - start % 60 AS minute, count(DISTINCT dstaddr) AS destinations, count(*) AS flows, sum(CASE WHEN tcp_flags = 2 THEN 1 ELSE 0 END) AS syn_only_flows, count(tcp_flags) AS with_tcp_flags, sum(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) AS rejected_flows
FROM ${tableOf(s)}
WHERE ${scopeClause(s)} AND srcaddr IN (${own(s)})
GROUP BY dstport, start - start % 60
ORDER BY destinations DESC, minute ASC, dstport ASC
LIMIT 20`;
}

/** Outbound DoS: packets and bytes per minute towards each reported target (or the top destinations when none was reported). */
export function dosSql(s: FlowScope, targets: string[]): string {
  const toTargets = targets.length > 0 ? ` AND dstaddr IN (${list(targets, checkIp)})` : "";
  return `SELECT dstaddr, start - start % 60 AS minute, sum(packets) AS packets, sum(bytes) AS bytes, count(*) AS flows
FROM ${tableOf(s)}
WHERE ${scopeClause(s)} AND srcaddr IN (${own(s)})${toTargets}
GROUP BY dstaddr, start - start % 60
ORDER BY packets DESC, minute ASC, dstaddr ASC
LIMIT 20`;
}

/** Spam: distinct destinations on the mail ports. */
export function spamSql(s: FlowScope): string {
  return `SELECT dstport, count(DISTINCT dstaddr) AS destinations, count(*) AS flows, sum(bytes) AS bytes, min(start) AS first_start, max("end") AS last_end
FROM ${tableOf(s)}
WHERE ${scopeClause(s)} AND srcaddr IN (${own(s)}) AND dstport IN (${ports(MAIL_PORTS)}) AND action = 'ACCEPT'
GROUP BY dstport
ORDER BY dstport`;
}

/** Open proxy: sources connecting in to the proxy ports, and destinations reached out. */
export function proxySql(s: FlowScope, proxyPorts: number[]): string {
  return `SELECT 'inbound' AS direction, dstport AS port, count(DISTINCT srcaddr) AS peers, count(*) AS flows, sum(bytes) AS bytes
FROM ${tableOf(s)}
WHERE ${scopeClause(s)} AND dstaddr IN (${own(s)}) AND dstport IN (${ports(proxyPorts)}) AND action = 'ACCEPT'
GROUP BY dstport
UNION ALL
SELECT 'outbound' AS direction, 0 AS port, count(DISTINCT dstaddr) AS peers, count(*) AS flows, sum(bytes) AS bytes
FROM ${tableOf(s)}
WHERE ${scopeClause(s)} AND srcaddr IN (${own(s)}) AND action = 'ACCEPT'
ORDER BY direction, port`;
}

/** Mining: how long flows to pool ports (or the reported remotes) lasted. */
export function miningSql(s: FlowScope, remotes: string[], poolPorts: number[]): string {
  const remote = remotes.length > 0 ? ` OR dstaddr IN (${list(remotes, checkIp)})` : "";
  return `SELECT dstaddr, dstport, min(start) AS first_start, max("end") AS last_end, max("end") - min(start) AS seconds, count(*) AS flows, sum(bytes) AS bytes
FROM ${tableOf(s)}
WHERE ${scopeClause(s)} AND srcaddr IN (${own(s)}) AND (dstport IN (${ports(poolPorts)})${remote}) AND action = 'ACCEPT'
GROUP BY dstaddr, dstport
ORDER BY seconds DESC, dstaddr ASC, dstport ASC
LIMIT 20`;
}

/** The reported remote addresses and ports: seen, how often, when. */
export function remotesSql(s: FlowScope, remotes: string[], remotePorts: number[]): string {
  const conds = [remotes.length > 0 ? `dstaddr IN (${list(remotes, checkIp)}) OR srcaddr IN (${list(remotes, checkIp)})` : "", remotePorts.length > 0 ? `dstport IN (${ports(remotePorts)})` : ""].filter(Boolean);
  return `SELECT CASE WHEN srcaddr IN (${own(s)}) THEN dstaddr ELSE srcaddr END AS remote, dstport, count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes, min(start) AS first_start, max("end") AS last_end
FROM ${tableOf(s)}
WHERE ${scopeClause(s)}${conds.length > 0 ? ` AND (${conds.join(" OR ")})` : " AND false"}
GROUP BY CASE WHEN srcaddr IN (${own(s)}) THEN dstaddr ELSE srcaddr END, dstport
ORDER BY flows DESC, remote ASC, dstport ASC
LIMIT 50`;
}

/** How many records the window holds at all (tells "no traffic of that kind" from "no logs"). */
export function coverageSql(s: FlowScope): string {
  return `SELECT count(*) AS records, min(start) AS first_start, max("end") AS last_end
FROM ${tableOf(s)}
WHERE ${scopeClause(s)}`;
}
