/**
 * Reading a triage output (./sections.ts) into Findings with figures and times: a miner and the
 * pool it talks to, a scanner's half-open connections, an open proxy's configuration and traffic,
 * a spam relay's SMTP fan-out, deleted-but-running binaries, new SSH keys, suspicious cron entries
 * and shell histories, recent executables in /tmp, web shells, the agents' state; and, when none of
 * that is there, that the host shows no sign of the reported activity.
 *
 * Every string from the host is data: cut short and stripped of control characters before it is put
 * in a sentence (safe()), never used as a pattern, a path or a command.
 */
import type { Finding, FindingSeverity, NotSearched } from "../types.ts";
import { blocks, tagged, type Section, type SplitOutput } from "./sections.ts";

export interface AnalyseInput {
  out: SplitOutput;
  platform: "linux" | "windows";
  instanceId: string;
  /** The evidence label of the output and the command that produced it. */
  evidence: string;
  query: string;
  /** The activity window (ISO) and the reported peers. */
  window: { start: string; end: string };
  remoteIps: string[];
  remotePorts: number[];
  /** Fallback "now" when the output has no meta section (seconds since the epoch). */
  nowEpoch: number;
  /** Why the output may end before the script's end marker: the reason given for each section missing from it. */
  endedEarly?: string;
}

export interface Analysis {
  findings: Finding[];
  notSearched: NotSearched[];
  figures: Record<string, number | string | boolean>;
}

// ---- data hygiene -------------------------------------------------------------------------------

/** A host string made fit for a sentence: control and bidi characters replaced, cut at `max`. */
export function safe(s: string | undefined, max = 160): string {
  if (!s) return "";
  const cut = s.length > max ? s.slice(0, max) : s;
  const clean = cut.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "?");
  return s.length > max ? `${clean}…` : clean;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined || !/^-?\d{1,15}(\.\d{1,9})?$/.test(s)) return undefined;
  return Number(s);
}

function iso(epoch: number | undefined): string | undefined {
  if (epoch === undefined || !Number.isFinite(epoch) || epoch <= 0 || epoch > 4102444800) return undefined;
  return new Date(Math.floor(epoch) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/** "03:12 UTC" on the day of `ref`, else "2026-12-06 03:12 UTC". */
function when(epoch: number | undefined, refEpoch: number): string {
  const t = iso(epoch);
  if (!t) return "an unknown time";
  const ref = iso(refEpoch) ?? "";
  return t.slice(0, 10) === ref.slice(0, 10) ? `${t.slice(11, 16)} UTC` : `${t.slice(0, 10)} ${t.slice(11, 16)} UTC`;
}

function basename(p: string): string {
  const cut = p.replace(/ \(deleted\)$/, "");
  const i = Math.max(cut.lastIndexOf("/"), cut.lastIndexOf("\\"));
  return i >= 0 ? cut.slice(i + 1) : cut;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

// ---- what is known to be bad -------------------------------------------------------------------

const MINERS = ["xmrig", "xmr-stak", "minerd", "cpuminer", "ccminer", "kdevtmpfsi", "kinsing", "nbminer", "lolminer", "t-rex", "phoenixminer", "ethminer", "srbminer", "teamredminer", "nanominer", "gminer", "xmrig-notls", "moneroocean"];
const SCANNERS = ["masscan", "zmap", "nmap", "pnscan", "zgrab", "zgrab2", "hydra", "medusa", "ncrack", "naabu", "rustscan"];
const PROXIES = ["squid", "squid3", "tinyproxy", "danted", "sockd", "3proxy", "microsocks", "gost", "privoxy", "ccproxy"];
const MTAS = ["master", "postfix", "smtpd", "exim", "exim4", "sendmail", "qmail-send", "opensmtpd"];
const POOL_PORTS = new Set([3333, 3334, 3335, 4444, 5555, 5556, 6666, 7777, 8008, 9999, 10128, 10343, 13333, 14433, 14444, 17777, 20580, 45560, 45700]);
const PROXY_PORTS = new Set([1080, 3128, 3129, 8080, 8118, 8888, 9050, 1081, 8000]);
const SMTP_PORTS = new Set([25, 465, 587, 2525]);
const DROP = /^(\/tmp\/|\/var\/tmp\/|\/dev\/shm\/|\/run\/shm\/)|\/\.[^/]{0,64}\/|^[A-Za-z]:\\(Users\\[^\\]{1,64}\\AppData\\|Windows\\Temp\\|ProgramData\\[^\\]{0,64}\.exe$)/i;

function isMinerName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.exe$/, "");
  return MINERS.some((m) => n === m || n.startsWith(`${m}-`) || n.startsWith(`${m}_`) || n.startsWith(`${m}.`));
}
function nameIn(list: readonly string[], name: string): boolean {
  const n = name.toLowerCase().replace(/\.exe$/, "");
  return list.includes(n);
}
function minerArgs(args: string): boolean {
  const a = args.toLowerCase();
  return a.includes("stratum+tcp://") || a.includes("stratum+ssl://") || a.includes("--donate-level") || a.includes("--coin=monero") || a.includes("--algo=rx/0") || a.includes("-a rx/0");
}

// ---- the host's model -------------------------------------------------------------------------

export interface Proc {
  pid: number;
  ppid?: number;
  user: string;
  start?: number;
  args: string;
  exe?: string;
  deleted?: boolean;
  sha256?: string;
  name: string;
}

export interface Endpoint {
  ip: string;
  port: number;
}
export interface Conn {
  proto: string;
  state: string;
  local: Endpoint;
  peer: Endpoint | null;
  pid?: number;
  name?: string;
}

function endpoint(s: string): Endpoint | null {
  if (!s || s.length > 80) return null;
  const i = s.lastIndexOf(":");
  if (i <= 0) return null;
  let ip = s.slice(0, i);
  const port = s.slice(i + 1);
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  const pct = ip.indexOf("%");
  if (pct > 0) ip = ip.slice(0, pct);
  if (ip.startsWith("::ffff:")) ip = ip.slice(7);
  if (port === "*") return { ip, port: 0 };
  const p = num(port);
  return p !== undefined && p >= 0 && p <= 65535 ? { ip, port: p } : null;
}

function normState(s: string): string {
  const u = s.toUpperCase().replace(/[()]/g, "");
  if (u === "ESTABLISHED") return "ESTAB";
  if (u === "SYN_SENT") return "SYN-SENT";
  if (u === "SYN_RECV") return "SYN-RECV";
  if (u === "TIME_WAIT") return "TIME-WAIT";
  if (u === "UNCONN") return "UNCONN";
  return u.replace("_", "-");
}

export function parseSs(lines: string[]): Conn[] {
  const out: Conn[] = [];
  for (const l of lines) {
    const f = l.trim().split(/\s+/, 7);
    if (f.length < 6 || f[0] === "Netid") continue;
    const local = endpoint(f[4]!);
    const peer = endpoint(f[5]!);
    if (!local) continue;
    const c: Conn = { proto: f[0]!, state: normState(f[1]!), local, peer: peer && peer.ip !== "*" && peer.ip !== "0.0.0.0" && peer.ip !== "::" ? peer : null };
    const u = l.indexOf("users:((\"");
    if (u >= 0) {
      const m = /^users:\(\("([^"]{0,64})",pid=(\d{1,9})/.exec(l.slice(u, u + 120));
      if (m) {
        c.name = m[1]!;
        c.pid = Number(m[2]);
      }
    }
    out.push(c);
  }
  return out;
}

export function parseLsof(lines: string[]): Conn[] {
  const out: Conn[] = [];
  for (const l of lines) {
    const f = l.trim().split(/\s+/);
    if (f.length < 9 || f[0] === "COMMAND") continue;
    const name = f[8]!;
    const state = f[9] ? normState(f[9]) : "UNCONN";
    const arrow = name.indexOf("->");
    const local = endpoint(arrow >= 0 ? name.slice(0, arrow) : name);
    const peer = arrow >= 0 ? endpoint(name.slice(arrow + 2)) : null;
    if (!local) continue;
    const pid = num(f[1]);
    out.push({ proto: (f[7] ?? "").toLowerCase(), state, local, peer, ...(pid !== undefined ? { pid } : {}), name: f[0]! });
  }
  return out;
}

export function parseNetstat(lines: string[]): Conn[] {
  const out: Conn[] = [];
  for (const l of lines) {
    const f = l.trim().split(/\s+/);
    if (f.length < 6 || !/^(tcp|udp)6?$/.test(f[0]!)) continue;
    const local = endpoint(f[3]!);
    const peer = endpoint(f[4]!);
    if (!local) continue;
    const udp = f[0]!.startsWith("udp");
    const state = udp ? "UNCONN" : normState(f[5]!);
    const prog = f[udp ? 5 : 6] ?? "";
    const slash = prog.indexOf("/");
    const pid = slash > 0 ? num(prog.slice(0, slash)) : undefined;
    out.push({ proto: f[0]!, state, local, peer: peer && peer.ip !== "0.0.0.0" && peer.ip !== "::" ? peer : null, ...(pid !== undefined ? { pid, name: prog.slice(slash + 1) } : {}) });
  }
  return out;
}

function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip === "localhost";
}

// ---- the analysis -----------------------------------------------------------------------------

const MAX_PER_KIND = 10;

class Out {
  findings: Finding[] = [];
  notSearched: NotSearched[] = [];
  private perKind = new Map<string, number>();
  constructor(
    private readonly input: AnalyseInput,
    readonly now: number,
  ) {}
  add(kind: string, severity: FindingSeverity, summary: string, figures: Record<string, number | string | boolean> = {}, at?: number): void {
    const n = (this.perKind.get(kind) ?? 0) + 1;
    this.perKind.set(kind, n);
    if (n > MAX_PER_KIND) return;
    const f: Finding = {
      kind,
      area: "host",
      severity,
      subject: this.input.instanceId,
      summary: n === MAX_PER_KIND ? `${summary} (further ${kind} findings not listed)` : summary,
      figures,
      sources: [{ evidence: this.input.evidence, query: this.input.query }],
    };
    const t = iso(at);
    if (t) f.at = t;
    this.findings.push(f);
  }
  when(epoch: number | undefined): string {
    return when(epoch, this.now);
  }
}

function linuxProcs(ps: Section | undefined): Proc[] {
  const users = new Map<string, string>();
  for (const [uid, name] of tagged(ps, "U", 2)) if (uid && name && users.size < 5000) users.set(uid, name);
  const procs = new Map<number, Proc>();
  for (const [pid, ppid, uid, start, args] of tagged(ps, "P", 5)) {
    const p = num(pid);
    if (p === undefined) continue;
    const a = args ?? "";
    const argv0 = a.split(" ", 1)[0] ?? "";
    const pp = num(ppid);
    const st = num(start);
    procs.set(p, { pid: p, ...(pp !== undefined ? { ppid: pp } : {}), user: users.get(uid ?? "") ?? `uid ${safe(uid, 12)}`, ...(st !== undefined ? { start: st } : {}), args: a, name: basename(argv0.replace(/:$/, "")) });
  }
  for (const [pid, deleted, sha, exe] of tagged(ps, "X", 4)) {
    const p = num(pid);
    if (p === undefined) continue;
    const rec = procs.get(p) ?? { pid: p, user: "?", args: "", name: basename(exe ?? "") };
    rec.exe = exe ?? "";
    rec.deleted = deleted === "1";
    if (sha && /^[0-9a-f]{64}$/.test(sha)) rec.sha256 = sha;
    if (rec.exe && !rec.exe.startsWith("/memfd:")) rec.name = basename(rec.exe);
    procs.set(p, rec);
  }
  return [...procs.values()];
}

function linuxConns(net: Section | undefined): Conn[] {
  const out: Conn[] = [];
  for (const b of blocks(net)) {
    if (b.head[0] === "ss") out.push(...parseSs(b.lines));
    else if (b.head[0] === "lsof") out.push(...parseLsof(b.lines));
    else if (b.head[0] === "netstat") out.push(...parseNetstat(b.lines));
  }
  return out;
}

function procLabel(p: Proc | undefined, pid?: number, name?: string): string {
  if (!p) return `${safe(name ?? "a process", 40)}${pid !== undefined ? ` (pid ${pid})` : ""}`;
  return `${safe(p.name, 40)} (pid ${p.pid}, ${safe(p.user, 32)})`;
}

/** Processes and connections: miners, scanners, proxies, spam, deleted binaries, the reported peers. */
function processesAndNetwork(o: Out, input: AnalyseInput, procs: Proc[], conns: Conn[]): void {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  // indexed once: a flood of processes and sockets stays linear
  const byConnPid = new Map<number, Conn[]>();
  for (const c of conns) {
    if (c.pid === undefined) continue;
    const list = byConnPid.get(c.pid);
    if (list) list.push(c);
    else byConnPid.set(c.pid, [c]);
  }
  const connsOf = (pid: number) => byConnPid.get(pid) ?? [];

  for (const p of procs) {
    const miner = isMinerName(p.name) || isMinerName(basename(p.args.split(" ", 1)[0] ?? "")) || minerArgs(p.args);
    if (miner) {
      const peers = connsOf(p.pid).filter((c) => c.peer && c.state === "ESTAB");
      const pool = peers.find((c) => POOL_PORTS.has(c.peer!.port)) ?? peers[0];
      o.add(
        "host.miner.running",
        "critical",
        `${safe(p.name, 40)} running as ${safe(p.user, 32)} since ${o.when(p.start)}${pool?.peer ? `, connected to ${safe(pool.peer.ip, 45)}:${pool.peer.port}` : ""} (pid ${p.pid}${p.exe ? `, ${safe(p.exe, 120)}` : ""})`,
        { pid: p.pid, user: safe(p.user, 32), connections: peers.length, ...(pool?.peer ? { pool: `${safe(pool.peer.ip, 45)}:${pool.peer.port}` } : {}), ...(p.sha256 ? { sha256: p.sha256 } : {}) },
        p.start,
      );
    }
    if (nameIn(SCANNERS, p.name)) o.add("host.scanner.running", "high", `${safe(p.name, 40)} running as ${safe(p.user, 32)} since ${o.when(p.start)}: ${safe(p.args, 160)}`, { pid: p.pid }, p.start);
    if (p.deleted && p.exe && !p.exe.startsWith("/memfd:"))
      o.add("host.process.deleted-binary", "high", `${procLabel(p)} runs from a deleted binary ${safe(p.exe, 120)}${p.sha256 ? ` (sha256 ${p.sha256})` : ""}, since ${o.when(p.start)}`, { pid: p.pid, ...(p.sha256 ? { sha256: p.sha256 } : {}) }, p.start);
    else if (p.exe && DROP.test(p.exe.replace(/ \(deleted\)$/, "")))
      o.add("host.process.temp-binary", "high", `${procLabel(p)} runs from ${safe(p.exe, 120)}, since ${o.when(p.start)}`, { pid: p.pid, ...(p.sha256 ? { sha256: p.sha256 } : {}) }, p.start);
  }

  // Half-open connections: a scanner, whatever it is called.
  const synByPid = new Map<string, { pid?: number; name?: string; peers: Set<string>; ports: Map<number, number> }>();
  for (const c of conns) {
    if (c.state !== "SYN-SENT" || !c.peer) continue;
    const key = c.pid !== undefined ? String(c.pid) : c.name ?? "?";
    const e = synByPid.get(key) ?? { ...(c.pid !== undefined ? { pid: c.pid } : {}), ...(c.name ? { name: c.name } : {}), peers: new Set(), ports: new Map() };
    e.peers.add(c.peer.ip);
    e.ports.set(c.peer.port, (e.ports.get(c.peer.port) ?? 0) + 1);
    synByPid.set(key, e);
  }
  for (const e of synByPid.values()) {
    if (e.peers.size < 10) continue;
    const top = [...e.ports.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    const n = [...e.ports.values()].reduce((a, b) => a + b, 0);
    const p = e.pid !== undefined ? byPid.get(e.pid) : undefined;
    o.add("host.net.scan", "high", `${procLabel(p, e.pid, e.name)} has ${plural(n, "half-open connection")} to ${plural(e.peers.size, "address", "addresses")} on port ${top.map(([port]) => port).join(", ")}`, { connections: n, distinctAddresses: e.peers.size, ports: top.map(([port]) => port).join(",") }, p?.start);
  }

  // SMTP fan-out: a spam relay.
  const smtp = new Map<string, { pid?: number; name?: string; peers: Set<string>; n: number }>();
  for (const c of conns) {
    if (!c.peer || !SMTP_PORTS.has(c.peer.port) || (c.state !== "ESTAB" && c.state !== "SYN-SENT")) continue;
    const key = c.pid !== undefined ? String(c.pid) : c.name ?? "?";
    const e = smtp.get(key) ?? { ...(c.pid !== undefined ? { pid: c.pid } : {}), ...(c.name ? { name: c.name } : {}), peers: new Set(), n: 0 };
    e.peers.add(c.peer.ip);
    e.n++;
    smtp.set(key, e);
  }
  for (const e of smtp.values()) {
    if (e.peers.size < 5) continue;
    const p = e.pid !== undefined ? byPid.get(e.pid) : undefined;
    const mta = nameIn(MTAS, p?.name ?? e.name ?? "");
    o.add("host.net.smtp-fanout", mta ? "medium" : "high", `${procLabel(p, e.pid, e.name)} holds ${plural(e.n, "connection")} to mail ports of ${plural(e.peers.size, "address", "addresses")}${mta ? " (the mail server itself: check its queue and relay settings)" : ""}${p ? `: ${safe(p.args, 120)}` : ""}`, { connections: e.n, distinctAddresses: e.peers.size, mta }, p?.start);
  }

  // Listening sockets; proxies by port and traffic pattern.
  const listening = conns.filter((c) => c.state === "LISTEN" || (c.state === "UNCONN" && c.proto.startsWith("udp")));
  const exposed = listening.filter((c) => !isLoopback(c.local.ip));
  if (exposed.length) {
    const list = [...new Set(exposed.map((c) => `${c.proto}/${c.local.port} (${safe(c.name ?? "?", 24)})`))].slice(0, 20);
    o.add("host.net.listening", "info", `listening on non-loopback addresses: ${list.join(", ")}`, { sockets: exposed.length });
  }
  const estabByLocalPort = new Map<number, Conn[]>();
  for (const c of conns) {
    if (c.state !== "ESTAB" || !c.peer) continue;
    const list = estabByLocalPort.get(c.local.port);
    if (list) list.push(c);
    else estabByLocalPort.set(c.local.port, [c]);
  }
  const proxyPorts = new Set<number>();
  for (const l of listening) {
    if (l.state !== "LISTEN" || isLoopback(l.local.ip)) continue;
    // one finding per port (IPv4 and IPv6 listeners, or a flood of duplicated lines, are one proxy)
    if (proxyPorts.has(l.local.port) || proxyPorts.size >= MAX_PER_KIND) continue;
    const p = l.pid !== undefined ? byPid.get(l.pid) : undefined;
    const name = p?.name ?? l.name ?? "";
    const proxyish = PROXY_PORTS.has(l.local.port) || nameIn(PROXIES, name);
    if (!proxyish) continue;
    proxyPorts.add(l.local.port);
    const clients = new Set((estabByLocalPort.get(l.local.port) ?? []).map((c) => c.peer!.ip));
    const sameProc = l.pid !== undefined ? connsOf(l.pid).filter((c) => c.state === "ESTAB" && c.peer && c.local.port !== l.local.port) : [];
    const outbound = new Set(sameProc.map((c) => c.peer!.ip));
    const open = clients.size >= 5 && outbound.size >= 5;
    o.add(
      open ? "host.proxy.traffic" : "host.proxy.listening",
      open ? "high" : "medium",
      `${procLabel(p, l.pid, l.name)} listens on ${safe(l.local.ip, 45)}:${l.local.port}${open ? `, with ${plural(clients.size, "client")} connected and ${plural(outbound.size, "outbound destination")} (an open proxy's pattern)` : ` (a proxy${PROXY_PORTS.has(l.local.port) ? " port" : ""})`}`,
      { port: l.local.port, clients: clients.size, outboundDestinations: outbound.size },
    );
  }

  // The reported peers.
  if (input.remoteIps.length || input.remotePorts.length) {
    const ips = new Set(input.remoteIps);
    const hits = conns.filter((c) => c.peer && (ips.has(c.peer.ip) || (ips.size === 0 && input.remotePorts.includes(c.peer.port))));
    if (hits.length) {
      const list = [...new Set(hits.map((c) => `${safe(c.peer!.ip, 45)}:${c.peer!.port} (${safe((c.pid !== undefined ? byPid.get(c.pid)?.name : undefined) ?? c.name ?? "?", 24)})`))].slice(0, 10);
      o.add("host.net.reported-peer", "high", `connections to the reported addresses: ${list.join(", ")}`, { connections: hits.length });
    }
  }

  // Connections of a mining pool port by any process (a renamed miner).
  for (const c of conns) {
    if (c.state !== "ESTAB" || !c.peer || !POOL_PORTS.has(c.peer.port)) continue;
    const p = c.pid !== undefined ? byPid.get(c.pid) : undefined;
    if (p && (isMinerName(p.name) || minerArgs(p.args))) continue;
    o.add("host.net.pool-port", "medium", `${procLabel(p, c.pid, c.name)} connected to ${safe(c.peer.ip, 45)}:${c.peer.port} (a mining pool port)`, { port: c.peer.port });
  }
}

const SUSPICIOUS_CMD: { re: RegExp; why: string }[] = [
  { re: /\b(curl|wget|fetch)\b[^|]{0,300}\|\s{0,4}(sudo\s{1,4})?(ba|z|da)?sh\b/, why: "download piped to a shell" },
  { re: /\b(curl|wget)\b.{0,200}(\/tmp\/|\/dev\/shm\/|\/var\/tmp\/)/, why: "download into a temporary directory" },
  { re: /\bchmod\s{1,4}[+0-7ugoa]{0,6}x?\s{1,4}\S{0,200}(\/tmp\/|\/dev\/shm\/|\/var\/tmp\/|\/\.)/, why: "made a hidden or temporary file executable" },
  { re: /\bhistory\s{1,4}-c\b|\bunset\s{1,4}HISTFILE\b|HISTFILE=\/dev\/null/, why: "cleared the history" },
  { re: /\/dev\/tcp\/|\bnc\b.{0,60}\s-e\s|\bsocat\b.{0,100}exec:/i, why: "reverse shell" },
  { re: /\bbase64\s{1,4}(-d|--decode)\b/, why: "decoded base64" },
  { re: /\b(xmrig|minerd|cpuminer|masscan|zmap|hydra)\b/i, why: "a known attack tool" },
  { re: /\biptables\s{1,4}(-F|--flush)\b|\bufw\s{1,4}disable\b|\bsetenforce\s{1,4}0\b/, why: "disabled a protection" },
  { re: /\b(useradd|adduser)\b|\bauthorized_keys\b/, why: "added a user or a key" },
  { re: /\bProxyRequests\s{1,4}On\b|\bhttp_access\s{1,4}allow\s{1,4}all\b/i, why: "opened a proxy" },
];

function suspicious(line: string): string | null {
  const l = line.length > 600 ? line.slice(0, 600) : line;
  for (const s of SUSPICIOUS_CMD) if (s.re.test(l)) return s.why;
  return null;
}

function recentEnough(o: Out, input: AnalyseInput, epoch: number | undefined, days: number): boolean {
  if (epoch === undefined) return false;
  const start = Date.parse(input.window.start) / 1000;
  return epoch >= Math.min(start, o.now - days * 86400);
}

function linuxFiles(o: Out, input: AnalyseInput, s: Map<string, Section>): void {
  // Miner files and pool configurations.
  for (const [mtime, size, path] of tagged(s.get("miners"), "M", 3)) {
    const t = num(mtime);
    o.add("host.miner.file", "high", `miner binary ${safe(path, 160)} (${Math.round((num(size) ?? 0) / 1024)} KiB) written at ${o.when(t)}`, { bytes: num(size) ?? 0 }, t);
  }
  for (const b of blocks(s.get("miners"))) {
    if (b.head[0] !== "pool") continue;
    const t = num(b.head[2]);
    const pools: string[] = [];
    for (const l of b.lines) {
      const m = /stratum\+(?:tcp|ssl|tls):\/\/([^\s"',]{1,120})|"url"\s{0,4}:\s{0,4}"([^"]{1,120})"/.exec(l.slice(0, 300));
      if (m) pools.push(safe(m[1] ?? m[2], 120));
    }
    o.add("host.miner.pool-config", "high", `mining pool configuration ${safe(b.head[1], 160)} (written ${o.when(t)})${pools.length ? `: ${[...new Set(pools)].slice(0, 3).join(", ")}` : ""}`, { pools: pools.length }, t);
  }

  // Proxy software and configuration.
  const installed = tagged(s.get("proxy"), "B", 2).map(([name]) => safe(name, 24));
  if (installed.length) o.add("host.proxy.installed", "low", `proxy software installed: ${installed.join(", ")}`, { count: installed.length });
  for (const b of blocks(s.get("proxy"))) {
    const file = safe(b.head[1], 160);
    const kind = b.head[0];
    const at = (l: string) => {
      const c = l.indexOf(":");
      return c > 0 && c < 8 && /^\d+$/.test(l.slice(0, c)) ? { line: l.slice(0, c), text: l.slice(c + 1).trim() } : { line: "", text: l.trim() };
    };
    if (kind === "squid") {
      for (const l of b.lines) {
        const { line, text } = at(l);
        if (/^http_access\s{1,8}allow\s{1,8}all\b/i.test(text)) o.add("host.proxy.open-config", "high", `${safe(text, 80)} in ${file}${line ? `:${line}` : ""} (squid serves every client)`, { line: Number(line) || 0 }, num(b.head[2]));
      }
    } else if (kind === "tinyproxy") {
      const allows = b.lines.filter((l) => /^Allow\s/i.test(at(l).text));
      if (!allows.length) o.add("host.proxy.open-config", "high", `tinyproxy with no Allow line in ${file} (it serves every client)`, {}, num(b.head[2]));
      for (const l of allows) if (/\b0\.0\.0\.0\/0\b|^Allow\s+::\/0/i.test(at(l).text)) o.add("host.proxy.open-config", "high", `${safe(at(l).text, 80)} in ${file} (tinyproxy serves every client)`, {}, num(b.head[2]));
    } else if (kind === "socks") {
      for (const l of b.lines) {
        const { line, text } = at(l);
        if (/pass\s{0,4}\{?[^}]{0,200}from:\s{0,4}0\.0\.0\.0\/0/i.test(text)) o.add("host.proxy.open-config", "high", `${safe(text, 100)} in ${file}${line ? `:${line}` : ""} (the SOCKS server serves every client)`, {});
      }
    } else if (kind === "apache") {
      for (const l of b.lines) {
        const { line, text } = at(l);
        if (/^ProxyRequests\s{1,8}On\b/i.test(text)) o.add("host.proxy.open-config", "high", `ProxyRequests On in ${file}${line ? `:${line}` : ""} (Apache is a forward proxy)`, { line: Number(line) || 0 });
      }
    } else if (kind === "nginx") {
      for (const l of b.lines) o.add("host.proxy.open-config", "medium", `nginx passes requests to the host the client names (${safe(at(l).text, 80)}) in ${file}`, {});
    }
  }

  // SSH keys.
  for (const b of blocks(s.get("keys"))) {
    if (b.head[0] !== "keys") continue;
    const t = num(b.head[2]);
    const comments = b.lines.map((l) => {
      const f = l.trim().split(/\s+/, 40);
      const i = f.findIndex((x) => /^(ssh-|ecdsa-|sk-)/.test(x));
      return i >= 0 && f.length > i + 2 ? f.slice(i + 2).join(" ") : "";
    });
    if (recentEnough(o, input, t, 7))
      o.add("host.ssh.key-changed", "high", `new key in ${safe(b.head[1], 160)} at ${o.when(t)}${comments.filter(Boolean).length ? ` (${comments.filter(Boolean).slice(-3).map((c) => safe(c, 60)).join(", ")})` : ""}; ${plural(b.lines.length, "key")} in all`, { keys: b.lines.length, owner: safe(b.head[3], 32) }, t);
  }

  // Logins.
  let failed = 0;
  const failedBy = new Map<string, number>();
  const accepted: string[] = [];
  for (const b of blocks(s.get("logins"))) {
    if (b.head[0] === "lastb") {
      for (const l of b.lines) {
        const f = l.trim().split(/\s+/, 4);
        if (f.length < 3 || l.startsWith("btmp begins")) continue;
        failed++;
        const ip = f[2]!;
        if (failedBy.size < 10000 || failedBy.has(ip)) failedBy.set(ip, (failedBy.get(ip) ?? 0) + 1);
      }
    } else if (b.head[0] === "last") {
      for (const l of b.lines) {
        const f = l.trim().split(/\s+/, 9);
        if (f.length < 8 || l.startsWith("wtmp begins") || f[0] === "reboot") continue;
        const t = Date.parse(`${f[4]} ${f[5]} ${f[7]} ${f[6]} UTC`) / 1000;
        if (!Number.isFinite(t) || !recentEnough(o, input, t, 2)) continue;
        const entry = `${safe(f[0], 32)} from ${safe(f[2], 60)} at ${o.when(t)}`;
        accepted.push(entry);
        o.add("host.login", f[0] === "root" ? "medium" : "low", `${safe(f[0], 32)} logged in from ${safe(f[2], 60)} at ${o.when(t)} (${safe(f[1], 16)})`, { user: safe(f[0], 32), from: safe(f[2], 60) }, t);
      }
    } else if (b.head[0] === "auth" || b.head[0] === "journal") {
      for (const l of b.lines) {
        const m = /sshd\[\d{1,9}\]: Accepted (\w{1,32}) for (\S{1,64}) from (\S{1,64})/.exec(l.slice(0, 400));
        if (m && accepted.length < 200) accepted.push(`${m[2]} from ${m[3]}`);
        if (/sshd\[\d{1,9}\]: (Failed|Invalid user)/.test(l.slice(0, 200))) {
          failed++;
          const ip = / from (\S{1,64}) port /.exec(l.slice(0, 400))?.[1];
          if (ip && (failedBy.size < 10000 || failedBy.has(ip))) failedBy.set(ip, (failedBy.get(ip) ?? 0) + 1);
        }
      }
    }
  }
  if (failed >= 20) {
    const top = [...failedBy.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    o.add("host.logins.failed", "low", `${plural(failed, "failed login")} from ${plural(failedBy.size, "address", "addresses")} in the logs read (most: ${top.map(([ip, n]) => `${safe(ip, 45)} ×${n}`).join(", ")})`, { failed, sources: failedBy.size });
  }

  // Shell histories.
  for (const b of blocks(s.get("history"))) {
    if (b.head[0] !== "history") continue;
    const hits: string[] = [];
    const why = new Set<string>();
    for (const l of b.lines) {
      const w = suspicious(l);
      if (w) {
        hits.push(safe(l.trim(), 100));
        why.add(w);
      }
    }
    if (hits.length) {
      const t = num(b.head[2]);
      o.add("host.history.suspicious", "high", `${safe(b.head[1], 120)} (changed ${o.when(t)}): ${hits.slice(-4).join("; ")}`, { commands: hits.length, what: [...why].join(", ") }, t);
    }
  }

  // Cron and systemd.
  for (const b of blocks(s.get("cron"))) {
    const t = num(b.head[2]);
    if (b.head[0] === "cron") {
      const bad = b.lines.filter((l) => suspicious(l) !== null || /(\/tmp\/|\/dev\/shm\/|\/var\/tmp\/|\/\.\w)/.test(l.slice(0, 600)));
      if (bad.length) o.add("host.persistence.cron", "high", `cron entry in ${safe(b.head[1], 120)} (changed ${o.when(t)}): ${bad.slice(0, 2).map((l) => safe(l.trim(), 120)).join("; ")}`, { entries: bad.length }, t);
      else if (recentEnough(o, input, t, 7)) o.add("host.persistence.cron-changed", "medium", `${safe(b.head[1], 120)} changed at ${o.when(t)}`, { entries: b.lines.length }, t);
    } else if (b.head[0] === "unit") {
      const exec = b.lines.find((l) => /^\s*ExecStart=/.test(l)) ?? "";
      const bad = suspicious(exec) !== null || /(\/tmp\/|\/dev\/shm\/|\/var\/tmp\/|\/\.\w)/.test(exec);
      if (bad || recentEnough(o, input, t, 7))
        o.add(bad ? "host.persistence.systemd" : "host.persistence.systemd-changed", bad ? "high" : "low", `systemd unit ${safe(b.head[1], 120)} changed at ${o.when(t)}${exec ? `: ${safe(exec.trim(), 120)}` : ""}`, {}, t);
    }
  }

  // Recent files in /tmp, /var/tmp, /dev/shm and the web roots.
  const recent = tagged(s.get("recent"), "F", 5);
  let executables = 0;
  for (const [mtime, size, user, mode, path] of recent) {
    const m = /^[0-7]{1,4}$/.test(mode ?? "") ? parseInt(mode!, 8) : 0;
    const t = num(mtime);
    if (m & 0o111 && path && DROP.test(path)) {
      executables++;
      o.add("host.files.executable", "high", `executable ${safe(path, 160)} (${Math.round((num(size) ?? 0) / 1024)} KiB, ${safe(user, 32)}) written at ${o.when(t)}`, { bytes: num(size) ?? 0 }, t);
    }
  }
  if (recent.length) {
    const newest = recent
      .map(([mtime, , , , path]) => ({ t: num(mtime) ?? 0, path: path ?? "" }))
      .sort((a, b) => b.t - a.t)
      .slice(0, 5);
    o.add("host.files.recent", "info", `${plural(recent.length, "file")} changed in the last 14 days in /tmp, /var/tmp, /dev/shm and the web roots; newest: ${newest.map((n) => `${safe(n.path, 100)} (${o.when(n.t)})`).join(", ")}`, { files: recent.length, executables });
  }

  // Web shells.
  for (const b of blocks(s.get("webshell"))) {
    if (b.head[0] !== "webshell") continue;
    const t = num(b.head[2]);
    o.add("host.webshell", "critical", `web shell ${safe(b.head[1], 160)} (written ${o.when(t)}): ${safe(b.lines[0]?.trim(), 100)}`, {}, t);
  }
}

function agents(o: Out, rows: string[][]): void {
  if (!rows.length) return;
  const state = new Map(rows.map(([name, st]) => [name ?? "", st ?? ""]));
  const active = (names: string[]) => names.some((n) => state.get(n) === "active" || state.get(n) === "Running");
  const ssm = active(["amazon-ssm-agent", "snap.amazon-ssm-agent.amazon-ssm-agent", "AmazonSSMAgent"]);
  const cw = active(["amazon-cloudwatch-agent", "AmazonCloudWatchAgent"]);
  const ids = active(["wazuh-agent", "ossec", "ossec-hids", "WazuhSvc", "OssecSvc"]);
  const edr = active(["falcon-sensor", "CSFalconService", "Sense"]);
  o.add(
    "host.agents",
    "info",
    `SSM agent ${ssm ? "running" : "not running"}; CloudWatch agent ${cw ? "running" : "not running"}; Wazuh/OSSEC ${ids ? "running" : "not running"}${edr ? "; an EDR sensor running" : ""}`,
    { ssmAgent: ssm, cloudWatchAgent: cw, wazuhOrOssec: ids, edr },
  );
}

// ---- Windows ----------------------------------------------------------------------------------

function windowsModel(s: Map<string, Section>): { procs: Proc[]; conns: Conn[] } {
  const procs: Proc[] = [];
  for (const [pid, ppid, name, start, path, sha, user, args] of tagged(s.get("procs"), "P", 8)) {
    const p = num(pid);
    if (p === undefined) continue;
    const st = start ? Date.parse(start) / 1000 : NaN;
    const pp = num(ppid);
    procs.push({ pid: p, ...(pp !== undefined ? { ppid: pp } : {}), name: name ?? "", user: user || "?", ...(Number.isFinite(st) ? { start: st } : {}), args: args ?? "", ...(path ? { exe: path } : {}), ...(sha && /^[0-9A-Fa-f]{64}$/.test(sha) ? { sha256: sha.toLowerCase() } : {}) });
  }
  const conns: Conn[] = [];
  for (const [proto, state, lip, lport, rip, rport, pid] of tagged(s.get("net"), "N", 7)) {
    const lp = num(lport);
    const rp = num(rport);
    const p = num(pid);
    if (lp === undefined || !lip) continue;
    const st = normState(state === "Listen" ? "LISTEN" : state === "Established" ? "ESTAB" : state === "SynSent" ? "SYN-SENT" : state ?? "");
    const peer = rip && rp !== undefined && rip !== "0.0.0.0" && rip !== "::" ? { ip: rip, port: rp } : null;
    conns.push({ proto: (proto ?? "tcp").toLowerCase(), state: st, local: { ip: lip, port: lp }, peer, ...(p !== undefined ? { pid: p } : {}) });
  }
  return { procs, conns };
}

function windowsPersistence(o: Out, input: AnalyseInput, s: Map<string, Section>): void {
  const bad = (v: string) => DROP.test(v) || /-enc(odedcommand)?\s|frombase64string|downloadstring|invoke-webrequest|iex\s*\(/i.test(v.slice(0, 600)) || MINERS.some((m) => v.toLowerCase().includes(m));
  for (const [key, name, value] of tagged(s.get("runkeys"), "R", 3)) if (value && bad(value)) o.add("host.persistence.runkey", "high", `Run key ${safe(key, 80)}\\${safe(name, 60)}: ${safe(value, 160)}`, {});
  for (const [path, name, state, action] of tagged(s.get("tasks"), "T", 4)) if (action && bad(action)) o.add("host.persistence.task", "high", `scheduled task ${safe(path, 80)}${safe(name, 60)} (${safe(state, 16)}): ${safe(action, 160)}`, {});
  for (const [name, state, mode, path] of tagged(s.get("services"), "S", 4)) if (path && bad(path)) o.add("host.persistence.service", "high", `service ${safe(name, 60)} (${safe(state, 16)}, ${safe(mode, 16)}): ${safe(path, 160)}`, {});
  for (const [time, type, user, domain, ip] of tagged(s.get("logons"), "L", 5)) {
    const t = time ? Date.parse(time) / 1000 : NaN;
    if (!Number.isFinite(t) || !recentEnough(o, input, t, 2)) continue;
    if ((type === "10" || type === "3") && ip && ip !== "-" && !isLoopback(ip) && ip !== "::1")
      o.add("host.login", type === "10" ? "medium" : "low", `${type === "10" ? "remote desktop" : "network"} logon as ${safe(domain, 40)}\\${safe(user, 40)} from ${safe(ip, 45)} at ${o.when(t)}`, { logonType: Number(type) }, t);
  }
}

// ---- entry point ------------------------------------------------------------------------------

const LINUX_SECTIONS = ["meta", "ps", "net", "miners", "proxy", "keys", "logins", "history", "cron", "recent", "webshell", "agents"];
const WINDOWS_SECTIONS = ["meta", "procs", "net", "services", "tasks", "logons", "runkeys", "agents"];

export function analyse(input: AnalyseInput): Analysis {
  const s = input.out.sections;
  const metaNow = tagged(s.get("meta"), "now", 1)[0]?.[0];
  const now = num(metaNow) ?? input.nowEpoch;
  const o = new Out(input, now);
  const expected = input.platform === "windows" ? WINDOWS_SECTIONS : LINUX_SECTIONS;

  for (const name of expected) {
    const sec = s.get(name);
    const what = `host ${input.instanceId}: ${name}`;
    if (!sec) o.notSearched.push({ what, reason: input.out.done ? "the script printed no such section" : (input.endedEarly ?? "the output ends before this section") });
    else if (!sec.complete) o.notSearched.push({ what, reason: "the section is cut off (the output ends inside it)" });
    else if (sec.rc === 124 || sec.rc === 137) o.notSearched.push({ what, reason: "the section timed out on the host; what it printed before is read" });
    else if (sec.bytes !== undefined && sec.cap !== undefined && sec.bytes > sec.cap) o.notSearched.push({ what, reason: `only the first ${sec.cap.toLocaleString("en-US")} of ${sec.bytes.toLocaleString("en-US")} bytes were kept` });
  }

  let procs: Proc[];
  let conns: Conn[];
  if (input.platform === "windows") {
    ({ procs, conns } = windowsModel(s));
    processesAndNetwork(o, input, procs, conns);
    windowsPersistence(o, input, s);
    agents(o, tagged(s.get("agents"), "A", 2));
  } else {
    procs = linuxProcs(s.get("ps"));
    conns = linuxConns(s.get("net"));
    processesAndNetwork(o, input, procs, conns);
    linuxFiles(o, input, s);
    agents(o, tagged(s.get("agents"), "A", 2));
  }

  const serious = o.findings.filter((f) => f.severity === "medium" || f.severity === "high" || f.severity === "critical");
  const figures = { processes: procs.length, connections: conns.length, findings: o.findings.length, serious: serious.length, sectionsNotRead: o.notSearched.length };
  if (!serious.length && procs.length > 0) {
    o.add(
      "host.clean",
      "info",
      `no sign of compromise on ${input.instanceId} in ${plural(expected.length - o.notSearched.length, "section")} read: ${plural(procs.length, "process", "processes")}, ${plural(conns.length, "socket")}; no miner, scanner, proxy, spam fan-out, web shell, new key or suspicious cron entry${o.notSearched.length ? ` (${plural(o.notSearched.length, "section")} not read)` : ""}`,
      figures,
    );
  }
  return { findings: o.findings, notSearched: o.notSearched, figures };
}
