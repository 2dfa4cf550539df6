/**
 * The third party's report that AWS forwards: its prose (activity words, protocol), its logs
 * (firewall lines, honeypot rows, "attacker / scanned / port" tables) and its URLs. Read with more
 * care than AWS's labelled lines: addresses only from log-shaped lines and only when the report has
 * no labelled destination; private addresses never.
 */
import { classifyReporterText } from "./activity.ts";
import { P } from "./builder.ts";
import type { RawField } from "./fields.ts";
import { IPV4_MASKED, findIPs, isPublicIP } from "./ids.ts";
import { isRedactedId } from "./redaction.ts";
import { findTime, zoneOffset } from "./times.ts";
import { findUrls, isAwsHelpLink } from "./urls.ts";
import type { Ctx, TextSignals } from "./context.ts";

export function readReporter(ctx: Ctx, fields: RawField[], signals: TextSignals): void {
  const { b, doc } = ctx;
  const rep = ctx.reporterText;
  if (!signals.hasReporterReport) return;
  const type = classifyReporterText(rep);
  if (type) b.offer("activity", { type, text: "the reporter's description" }, P.reporterText, ctx.srcAt(firstNonSpace(rep)));

  // protocol named in the reporter's prose or logs: "TCP port scans", "PROTO=UDP", "30303/UDP"
  const protoCount = new Map<string, { n: number; at: number }>();
  for (const m of rep.matchAll(/\b(TCP|UDP|ICMP)\b(?=[\s/-]*(?:open\s+)?(?:ports?|scans?|syn|flood|packets?|traffic|connections?|handshake|probes?)\b)|PROTO=(TCP|UDP|ICMP)\b|\b\d{1,5}\/(tcp|udp)\b|:\d{1,5}\s+(TCP|UDP)\b/gi)) {
    const p = (m[1] ?? m[2] ?? m[3] ?? m[4])!.toUpperCase();
    const e = protoCount.get(p) ?? { n: 0, at: m.index };
    e.n++;
    protoCount.set(p, e);
  }
  if (protoCount.size === 1) {
    const [p, e] = [...protoCount.entries()][0]!;
    b.offer("protocol", p, P.reporterText, ctx.srcAt(e.at));
  }

  // addresses: only when the report has no labelled destination, and only in log-shaped lines
  const hasDestination = fields.some((f) => f.key === "remoteIp" || f.key === "remotePort");
  const ours = new Set(b.list("publicIps"));
  const header = /attacker|source|src/i.test(rep) && /being scanned|victim|target|destination|dst/i.test(rep);
  for (let i = 0; i < doc.lines.length; i++) {
    if (doc.zones[i] !== "reporter") continue;
    const line = doc.lines[i]!;
    if (line.length > 2000 || !/\d/.test(line)) continue;
    const src = ctx.src(i);
    // iptables / firewall: SRC=... DST=... DPT=...
    const fw = /\bSRC=(\S+)\s+DST=(\S+)/.exec(line);
    if (fw) {
      if (!hasDestination) {
        const dst = fw[2]!;
        if (isPublicIP(dst) && !ours.has(dst)) b.add("remoteIps", dst, src);
        const dpt = /\bDPT=(\d{1,5})/.exec(line);
        if (dpt) b.addPort(Number(dpt[1]), src);
      }
      continue;
    }
    // a flow written with an arrow ("src:port -> dst:port", tcpdump's "IP src.port > dst.port:"):
    // the destination is the remote party even when the publisher masked the source
    const flow = hasDestination ? null : flowOf(line);
    if (flow) {
      if (isPublicIP(flow.ip) && !ours.has(flow.ip)) {
        b.add("remoteIps", flow.ip, src);
        if (flow.port !== null) b.addPort(flow.port, src);
      }
      continue;
    }
    const ips = findIPs(line);
    // a row whose source the publisher masked ("54.xx.xx.xx 203.0.113.4 22"): the one real address is the other party
    const maskedFirst = ips.length === 1 && line.includes("x") && [...line.slice(0, ips[0]!.index).matchAll(IPV4_MASKED)].some((m) => isRedactedId(m[0]));
    if ((ips.length >= 2 || maskedFirst) && !hasDestination) {
      const idxOurs = ips.findIndex((x) => ours.has(x.ip));
      const arrow = /->|=>|>\s|\bto\b/.test(line);
      if (idxOurs >= 0 || header || arrow) {
        const srcIdx = idxOurs >= 0 ? idxOurs : maskedFirst ? -1 : 0;
        for (let k = 0; k < ips.length; k++) {
          if (k === srcIdx) continue;
          const ip = ips[k]!;
          if (!isPublicIP(ip.ip) || ours.has(ip.ip)) continue;
          b.add("remoteIps", ip.ip, src);
          const after = line.slice(ip.index + ip.ip.length, ip.index + ip.ip.length + 12);
          const port = /^(?::|\s+(?:port\s+)?)(\d{1,5})\b/.exec(after);
          if (port && Number(port[1]) <= 65535) b.addPort(Number(port[1]), src);
        }
        if (idxOurs < 0 && srcIdx === 0 && header && isPublicIP(ips[0]!.ip)) b.resource({ type: "public-ip", id: ips[0]!.ip, source: src });
      }
    }
    // a masked address ahead of the other party in a log row is the source: ours, as published
    for (const m of line.matchAll(IPV4_MASKED)) if (isRedactedId(m[0])) b.redact(maskedFirst && m.index < ips[0]!.index ? "publicIps" : "remoteIps", m[0], src);
  }

  // URLs in the reporter's prose: facts when the report is about content (decided by the classifier)
  for (const { url, index } of findUrls(rep)) {
    if (isAwsHelpLink(url)) continue;
    // the claimant's own work or the brand's real site, named to compare with the copy: not the incident's
    // the sentence before it, across a line break (a hard-wrapped copy puts the URL on the next line)
    if (LEGITIMATE.test(rep.slice(Math.max(0, index - 100), index).replace(/\s+/g, " "))) continue;
    signals.reporterUrls.push({ url, source: ctx.srcAt(index) });
    if (signals.reporterUrls.length > 50) break;
  }

  // when nothing labelled says when, the reporter's own timestamps do: the earliest and the latest
  // (a date and a time of day, on the first 500 lines of the report; a weak offer any label outranks)
  if (!b.best("begin")) {
    // "(time zone is UTC)", "all times are CET": the zone of the report's times that do not write one
    const stated = STATED_ZONE.exec(rep.slice(0, 64 * 1024));
    const off = stated ? zoneOffset(stated[1]!) : null;
    const tctx = { reference: ctx.reference, ...(off !== null ? { defaultOffsetMinutes: off } : {}) };
    let first: { iso: string; ms: number; line: number } | null = null;
    let last: { iso: string; ms: number; line: number } | null = null;
    let seen = 0;
    for (let i = 0; i < doc.lines.length && seen < 500; i++) {
      if (doc.zones[i] !== "reporter") continue;
      seen++;
      const line = doc.lines[i]!;
      if (line.length > 2000 || !/\d:\d\d/.test(line)) continue;
      const t = findTime(line, tctx);
      if (!t || t.dateOnly) continue;
      if (!first || t.ms < first.ms) first = { iso: t.iso, ms: t.ms, line: i };
      if (!last || t.ms > last.ms) last = { iso: t.iso, ms: t.ms, line: i };
    }
    if (first) b.offer("begin", first.iso, P.weak, ctx.src(first.line));
    if (last && first && last.ms > first.ms) b.offer("end", last.iso, P.weak, ctx.src(last.line));
  }

  // the reporter's log, when no labelled log extract exists: the forwarded report itself
  if (b.logExtract === null) {
    const text = doc.lines.filter((_, i) => doc.zones[i] === "reporter").join("\n").trim();
    if (text) b.logExtract = text.slice(0, 64 * 1024);
  }
}

const STATED_ZONE = /\b(?:time\s*zone\s*(?:is|:|=)?\s*|(?:all\s+)?(?:times|timestamps)\s+(?:are\s+)?(?:shown\s+|given\s+)?(?:in\s+)?)\(?((?:UTC|GMT)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?|[A-Z]{3,5}(?![a-z])|[A-Z][a-z]+\/[A-Za-z_]+)/;
/** Words before a URL that make it the claimant's own work or the brand's real site, not the incident's. */
export const LEGITIMATE = /\b(?:original|legitimate|genuine|official|authentic|real)\s+(?:\w+\s+){0,2}(?:work|site|website|page|url|domain|content|copy)\b[^.]{0,40}$|\b(?:my|our)\s+(?:own\s+)?(?:copyrighted\s+)?(?:work|site|website|page|book|content)\b[^.]{0,40}$|\bowner\s+of\s+the\s+(?:work|content|copyright)\b[^.]{0,40}$/i;
const TCPDUMP = /\bIP6?\s+\S+\s+>\s+(\S+?):\s/;
const ARROW = /\s?(?:->|=>|\u2192)\s?|\s>\s/;

/** The destination of a flow line, and its port, or null when the line has no arrow to a real address. */
function flowOf(line: string): { ip: string; port: number | null } | null {
  const td = line.includes(" > ") ? TCPDUMP.exec(line) : null;
  if (td) {
    // tcpdump joins address and port with a dot: 203.0.113.52.3389, 2001:db8::1.443
    const m = /^(.+)\.(\d{1,5})$/.exec(td[1]!);
    const ip = m ? findIPs(m[1]!)[0]?.ip : findIPs(td[1]!)[0]?.ip;
    if (ip && (!m || findIPs(m[1]!)[0]!.ip === m[1])) return { ip, port: m && Number(m[2]) <= 65535 ? Number(m[2]) : null };
    return null;
  }
  const a = ARROW.exec(line);
  if (!a) return null;
  const after = line.slice(a.index + a[0].length);
  const dst = findIPs(after)[0];
  // the address right after the arrow, not one further along the line
  if (!dst || after.slice(0, dst.index).trim().replace(/^\[/, "") !== "") return null;
  const port = /^\]?(?::|\s+port\s+)(\d{1,5})\b/.exec(after.slice(dst.index + dst.ip.length));
  return { ip: dst.ip, port: port && Number(port[1]) <= 65535 ? Number(port[1]) : null };
}

function firstNonSpace(s: string): number {
  const i = s.search(/\S/);
  return i < 0 ? 0 : i;
}
