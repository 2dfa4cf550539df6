/**
 * Labelled fields and tables, as found.
 *
 * A label is what precedes a colon at the start of a line (`Reported Activity: Port Scanning`),
 * after an optional bullet (`* Abuse Time:`), with or without a space after the colon
 * (`Region:eu-central-1`), with the value on the same line or the next one, several to a line when
 * AWS packs them (`AWS ID: ...    Region: ...    EC2 Instance Id: ...`, or the same with single
 * spaces after a copy collapsed them), or mid-line when HTML-to-text merged two lines
 * (`...as well.Instance Id: i-...`). Each label maps to a canonical key through one alias table.
 * Tables (`Instance Id  Remote IP  Port  Protocol  Action Taken`, `Access Key  Web Site`) become
 * rows of the same keys.
 */
import type { TextDoc, Zone } from "./text.ts";

export type FieldKey =
  | "account" | "region" | "instance" | "eni" | "nat" | "eip" | "publicIp" | "lb" | "accessKey" | "iamUser"
  | "bucket" | "cloudfront" | "lightsail" | "sesIdentity" | "implicated" | "activity" | "abuseTime" | "abuseDate"
  | "timeZone" | "begin" | "end" | "protocol" | "remoteIp" | "remotePort" | "portsProtocols" | "sourceIp"
  | "sourcePort" | "url" | "caseNumber" | "log" | "comments" | "requiredActions" | "vulnerability" | "subject"
  | "severity" | "action" | "description";

const ALIASES: Record<FieldKey, string[]> = {
  account: ["awsid", "awsaccountid", "awsaccount", "accountid", "account", "awsaccountnumber", "accountnumber", "awsaccountids", "accountids", "awsaccountidnumber"],
  region: ["region", "regions", "awsregion", "regionavailabilityzone", "awsregions"],
  instance: ["ec2instanceid", "instanceid", "instance", "ec2instance", "instanceids", "ec2instanceids", "ec2id"],
  eni: ["networkinterfaceid", "networkinterface", "eni", "eniid", "networkinterfaceids", "elasticnetworkinterface"],
  nat: ["natgatewayid", "natgateway", "natgatewayids"],
  eip: ["elasticip", "elasticipaddress", "eip", "allocationid", "elasticips"],
  publicIp: ["ipaddress", "publicip", "publicipaddress", "ip", "ipv4address", "ips", "ipaddresses", "publicips", "awsip", "publicipv4address", "implicatedip", "reportedip"],
  lb: ["loadbalancer", "loadbalancername", "elb", "loadbalancerarn", "elbname", "loadbalancerdnsname", "elasticloadbalancer", "elasticloadbalancername", "applicationloadbalancer", "networkloadbalancer", "classicloadbalancer", "elasticloadbalancing"],
  accessKey: ["accesskey", "accesskeyid", "awsaccesskeyid", "accesskeyids", "iamaccesskey", "exposedaccesskey", "accesskeys"],
  iamUser: ["iamuser", "iamusername", "username"],
  bucket: ["s3bucket", "bucket", "bucketname", "s3bucketname", "amazons3bucket"],
  cloudfront: ["cloudfrontdistribution", "distribution", "distributionid", "cloudfrontdistributionid", "cloudfrontid", "cloudfrontdomain"],
  lightsail: ["lightsailinstance", "lightsailinstancename"],
  sesIdentity: ["sesidentity", "identity", "sendingidentity", "verifiedidentity", "sendingdomain", "identities"],
  implicated: ["implicatedresource", "implicatedresources", "affectedresource", "affectedresources", "resource", "resources", "resourceid", "resourcearn", "affectedentity", "affectedentities", "resourcename"],
  activity: ["reportedactivity", "abusetype", "activity", "typeofabuse", "abusecategory", "reporttype", "activitytype", "violationtype", "complainttype", "typeofactivity", "incidenttype"],
  abuseTime: ["abusetime", "timeofabuse", "incidenttime", "activitytime", "timestamp", "eventtime", "dateandtime", "datetime", "timeofincident", "abusedatetime", "timeofattack", "attacktime", "dateofattack", "attackdate", "detectiontime", "timedetected", "detectedat", "observedat", "timeofevent", "timeoflastattack", "lastattack", "reportedtime"],
  abuseDate: ["abusedate", "dateofabuse", "incidentdate"],
  timeZone: ["timezone", "tz"],
  begin: ["reportbegintime", "begintime", "starttime", "firstseen", "activitystart", "startdate", "reportstarttime", "begin"],
  end: ["reportendtime", "endtime", "lastseen", "activityend", "enddate", "reportend"],
  protocol: ["protocol", "protocols", "ipprotocol", "proto"],
  remoteIp: ["remoteip", "remoteips", "destinationips", "destinationip", "destinationipaddress", "destinationipaddresses", "targetip", "targetips", "victimip", "dstip", "destinationaddress", "remoteaddress", "remotehost", "targetedips", "targetedipaddresses", "targetipaddress", "targetipaddresses", "remoteipaddress"],
  remotePort: ["remoteport", "remoteports", "destinationport", "destinationports", "dstport", "targetport", "targetports", "targetedports", "port", "ports"],
  portsProtocols: ["destinationportsandprotocols", "targetedportsandprotocols", "portsandprotocols", "portprotocol", "targetportsandprotocols"],
  sourceIp: ["sourceips", "sourceip", "sourceaddress", "attackerip", "offendingip", "srcip", "sourceipaddress", "sourceipaddresses", "attackingip"],
  sourcePort: ["sourceport", "sourceports", "sourceportsandprotocols"],
  url: ["destinationurls", "destinationurl", "url", "urls", "website", "reportedurl", "phishingurl", "infringingurl", "offendingurl", "maliciousurl", "reportedurls", "infringingurls", "contenturl", "location"],
  caseNumber: ["casenumber", "abusecasenumber", "caseid", "case", "ticket", "ticketnumber", "ticketid", "caseno", "referencenumber", "abusecaseid", "casereference"],
  log: ["logextract", "logs", "log", "evidence", "logexcerpt", "logentries"],
  comments: ["comments", "comment", "additionalinformation"],
  requiredActions: ["requiredactions", "requiredaction"],
  vulnerability: ["reportedvulnerability", "vulnerability"],
  subject: ["subject"],
  severity: ["severity"],
  action: ["actiontaken", "actionstaken"],
  description: ["description"],
};

/** X-ARF (v0.2 YAML, v4 JSON) keys, read only where the report is X-ARF. */
const XARF_ALIASES: Record<string, FieldKey> = {
  source: "sourceIp", destination: "remoteIp", destinationport: "remotePort", sourceport: "sourcePort",
  date: "abuseTime", reporttype: "activity", category: "activity", port: "remotePort", reportclass: "activity",
  // v4 (JSON, snake_case): source_identifier, destination_ip, destination_port, ports_scanned, type, timestamp
  sourceidentifier: "sourceIp", type: "activity", class: "activity", portsscanned: "remotePort", destinationports: "remotePort",
};

const KEY_OF = new Map<string, FieldKey>();
for (const [key, names] of Object.entries(ALIASES) as [FieldKey, string[]][]) for (const n of names) KEY_OF.set(n, key);

/** `Abuse time, 24-hr format (hh:mm)*` -> `abusetime`. */
const canonicalCache = new Map<string, string>();

export function canonicalLabel(label: string): string {
  let c = canonicalCache.get(label);
  if (c === undefined) {
    c = canonicalUncached(label);
    // labels repeat from notice to notice; a bounded cache keeps hostile input from growing it
    if (canonicalCache.size < 5000) canonicalCache.set(label, c);
  }
  return c;
}

function canonicalUncached(label: string): string {
  return label
    .replace(/\([^()]*\)/g, " ")
    .replace(/,.*$/, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

/**
 * Short labels a reporter writes in its own report ("Date:", "Target:", "Start:"). In AWS's text
 * these words mean something else or nothing (a copied mail's "Date:" is when it was sent), so they
 * count only in the reporter's zone.
 */
const REPORTER_ALIASES: Record<string, FieldKey> = {
  date: "abuseDate", time: "abuseTime", start: "begin", end: "end", from: "sourceIp",
  target: "remoteIp", victim: "remoteIp", victimip: "remoteIp", destination: "remoteIp", dst: "remoteIp", dport: "remotePort", dstport: "remotePort",
  source: "sourceIp", src: "sourceIp", attacker: "sourceIp", sport: "sourcePort", service: "portsProtocols",
};

function keyOfLabel(label: string, xarf = false, reporter = false): FieldKey | null {
  const c = canonicalLabel(label);
  if (xarf && XARF_ALIASES[c]) return XARF_ALIASES[c]!;
  return KEY_OF.get(c) ?? (reporter ? REPORTER_ALIASES[c] ?? null : null);
}

export interface RawField {
  label: string;
  key: FieldKey | null;
  value: string;
  /** 0-based line of the label. */
  line: number;
  zone: Zone;
  /** Fields from one line (or one table row) share a group: they describe one resource. */
  group: number;
  /** Value spans several lines (a log block). */
  multiline?: boolean;
  fromTable?: boolean;
  /** The label ended in `*` (a required field of a web form). */
  starred?: boolean;
}

/** Labels AWS packs several to a line; recognised anywhere after whitespace or sentence end. */
const INLINE_LABELS = String.raw`AWS ID|AWS Account ID|AWS Account|Account ID|Region\(s\)|Regions?|EC2 Instance Id|Instance Id|Instance ID|Network Interface Id|NAT Gateway Id|Elastic IP|Public IP|IP Address|Implicated Resource|Reported Vulnerability|Reported Activity|Required Actions|Abuse Time|Abuse Case Number|Case number|Case ID|Remote IP|Remote port\(s\)|Protocol|Load Balancer|S3 Bucket|Access Key Id|IAM User|Lightsail Instance|CloudFront Distribution|Destination IPs|Destination Ports|Destination URLs|Log Extract|Report begin time|Report end time|Total bytes sent|Total packets sent|Total bytes received|Total packets received`;
const INLINE_SPLIT = new RegExp(String.raw`(?:^|(?<=[\s.!?|;:,\]>)*]))(?:${INLINE_LABELS})\s*:`, "gi");
/** HTML-to-text can glue a label to the id before it (`i-0a1b...b8IP Address: ...`): capitalised labels after a lower-case letter or digit. */
const GLUED_SPLIT = /(?<=[a-z0-9])(?:IP Address|Instance Id|AWS ID|Region|Abuse Time|Case number|Remote IP|Protocol|Public IP|Network Interface Id)\s*:/g;
// a bullet (the glyphs blogs use too: ■ ● ・ ※), a list number, or only indentation (a code block or an indented quote in a published copy)
const BULLET = /^\s*(?:[*•·+>■□●○◆◇▶►▸・※→]\s*|-\s+|\d{1,2}[.)]\s*)?/;
const LABEL = /^"?([A-Za-z](?:[\w /,'.&#+*-]|\([^()\n]{0,40}\)){0,58}?)"?\s*:(?!\/\/)[ \t]?(.*)$/;
const SEPARATOR = /^\s*(?:[-=_*~#]{3,}.*|.*[-=]{5,}\s*)$/;

/** The line without its bullet or indentation; the line itself (no copy) when it has neither, as most lines. */
function stripBullet(line: string): string {
  const c = line.charCodeAt(0);
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return line;
  return line.replace(BULLET, "");
}

interface LabelHit {
  label: string;
  value: string;
}

/** The label of a line, or null when the line is prose, a URL, a time or a log line. */
export function parseLabel(line: string): LabelHit | null {
  if (line.length > 4000 && line.indexOf(":") > 80) return null;
  const body = stripBullet(line);
  const m = LABEL.exec(body.length > 4000 ? body.slice(0, 4000) : body);
  if (!m) return null;
  const label = m[1]!.trim();
  let value = m[2]!;
  if (body.length > 4000) value = body.slice(body.indexOf(":") + 1);
  if (label.length < 2 || label.length > 60) return null;
  if (label.split(/\s+/).length > 7) return null;
  if (/\d$/.test(label) && /^\d/.test(value)) return null; // 14:46:47
  if (/^(?:https?|ftp|mailto|hxxps?|arn|urn|file|data|javascript)$/i.test(label)) return null;
  // prose that happens to end in a colon ("We've received a report that your instance(s):")
  if (/^(?:we|you|please|if|this|to|in|for|our|i|it|as|once|when|note that)\b/i.test(label) && !KEY_OF.has(canonicalLabel(label))) return null;
  if (/\w'(?:ve|re|ll|s|t|d)\b/i.test(label)) return null;
  if (/^[A-Z][a-z]{2} \d{1,2} \d{1,2}$/.test(label)) return null; // syslog "Jan 15 15"
  return { label, value: value.trim() };
}

function isTableHeader(line: string): TableHeader | null {
  const cached = headerCache.get(line);
  return cached !== undefined ? cached : remember(headerCache, line, matchTableHeader(line));
}

/** Reads every labelled field and table row of the document, in order. */
export function readFields(doc: TextDoc): RawField[] {
  const out: RawField[] = [];
  const { lines } = doc;
  let group = 0;
  const head = doc.text.slice(0, 200_000);
  const xarf = /report|x-arf|xarf|source-type/i.test(head) && /(?:^|\n)[ \t]*"?(?:Reported-From|Report-Type|X-ARF|Source-Type|ReportClass|ReportType|xarf_version)"?[ \t]*:/i.test(head);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0 || line.indexOf(":") < 0) {
      const header = line.length < 300 ? isTableHeader(line) : null;
      if (header) i = readTable(doc, i, header, out, () => ++group);
      continue;
    }
    const g = ++group;
    if (line.charCodeAt(0) === 0x22 || /^\s+"/.test(line)) {
      const json = jsonMember(line);
      if (json) {
        const at = i;
        if (json.value === "[") i = readJsonArray(lines, i, json);
        // an object opens here: its members follow on their own lines
        if (json.value !== "{") out.push({ label: json.label, key: keyOfLabel(json.label, xarf, doc.zones[at] === "reporter"), value: json.value, line: at, zone: doc.zones[at]!, group: g });
        continue;
      }
    }
    const segments = splitInline(line);
    if (segments.length === 0) continue;
    for (let s = 0; s < segments.length; s++) {
      const seg = segments[s]!;
      const key = keyOfLabel(seg.label, xarf, doc.zones[i] === "reporter");
      const field: RawField = { label: seg.label.replace(/\s*\*\s*$/, "").trim(), key, value: seg.value, line: i, zone: doc.zones[i]!, group: g };
      if (/\*\s*$/.test(seg.label)) field.starred = true;
      const last = s === segments.length - 1;
      if (last && seg.value === "") {
        i = readValueBelow(doc, i, field);
      } else if (last && key === "log") {
        i = readLogContinuation(doc, i, field, xarf);
      }
      out.push(field);
    }
  }
  return out;
}

/**
 * A member of a JSON object on its own line (`  "destination_ip": "203.0.113.7",`), as reporters
 * paste X-ARF v4 and other JSON reports: the key is the label, the value is unquoted. An object or
 * array opening on the line has the value `{` or `[` (an array's items are read by readJsonArray).
 */
const JSON_MEMBER = /^\s*"([A-Za-z][\w .@-]{0,59})"\s*:\s*(.*?)\s*,?\s*$/;

export function jsonMember(line: string): LabelHit | null {
  if (line.length > 4000) return null;
  const m = JSON_MEMBER.exec(line);
  if (!m) return null;
  const raw = m[2]!;
  if (raw === "{" || raw === "[") return { label: m[1]!, value: raw };
  if (raw.startsWith("[")) return { label: m[1]!, value: jsonItems(raw.replace(/^\[|\]$/g, "")) };
  if (raw.startsWith('"')) return { label: m[1]!, value: jsonString(raw) };
  if (/^(?:-?\d[\d.eE+-]*|true|false)$/.test(raw)) return { label: m[1]!, value: raw };
  if (raw === "null") return { label: m[1]!, value: "" };
  return null;
}

function jsonString(raw: string): string {
  const q = /^"((?:[^"\\]|\\.)*)"?/.exec(raw);
  if (!q) return raw;
  try {
    return JSON.parse(`"${q[1]}"`) as string;
  } catch {
    return q[1]!;
  }
}

/** `"a", "b", 3` -> `a, b, 3`. */
function jsonItems(inner: string): string {
  return inner
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "" && x !== "[" && x !== "]")
    .map((x) => (x.startsWith('"') ? jsonString(x) : x))
    .join(", ");
}

/** An array opened at line `i`: its scalar items, one or several to a line, up to the closing `]`. */
function readJsonArray(lines: string[], i: number, hit: { value: string }): number {
  const items: string[] = [];
  let k = i + 1;
  for (; k < lines.length && k < i + 500; k++) {
    const l = lines[k]!;
    const close = l.indexOf("]");
    const part = close >= 0 ? l.slice(0, close) : l;
    if (/[{}:]/.test(part)) break; // objects in the array: not a list of values
    const v = jsonItems(part);
    if (v) items.push(v);
    if (close >= 0) break;
  }
  hit.value = items.join(", ");
  return Math.min(k, lines.length - 1);
}

/** Splits `AWS ID: 1    Region: eu-west-1    EC2 Instance Id: i-...` into its labelled segments. */
const MAYBE_MORE_LABELS = /[A-Za-z)]\s*:(?!\/\/)/;

/**
 * Notices are templates: the same lines recur from one notice to the next ("Hello,", "Please take
 * action...", "Required Actions: Investigate root cause"). Reading a line is a pure function of its
 * text, so short lines are remembered (a bounded map, emptied when full; results are never mutated).
 */
const lineCache = new Map<string, readonly LabelHit[]>();
const headerCache = new Map<string, TableHeader | null>();
const CACHE_MAX = 20_000;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, value);
  return value;
}

function splitInline(line: string): readonly LabelHit[] {
  if (line.length > 300) return splitInlineUncached(line);
  return lineCache.get(line) ?? remember(lineCache, line, splitInlineUncached(line));
}

function splitInlineUncached(line: string): LabelHit[] {
  const head = parseLabel(line);
  // the common case, one label per line: only look for more when the value has a "word:" in it
  if (head ? !MAYBE_MORE_LABELS.test(head.value) : !MAYBE_MORE_LABELS.test(line)) return head ? [head] : [];
  const scan = line.length > 4000 ? line.slice(0, 4000) : line;
  const hits: { index: number; end: number; label: string }[] = [];
  for (const m of scan.matchAll(INLINE_SPLIT)) {
    hits.push({ index: m.index, end: m.index + m[0].length, label: m[0].slice(0, -1).trim() });
    if (hits.length > 20) break;
  }
  if (hits.length < 20) {
    for (const m of scan.matchAll(GLUED_SPLIT)) hits.push({ index: m.index, end: m.index + m[0].length, label: m[0].slice(0, -1).trim() });
    hits.sort((a, b) => a.index - b.index);
  }
  if (hits.length === 0) return head ? [head] : [];
  const bodyStart = line.length - stripBullet(line).length;
  const segs: LabelHit[] = [];
  const colon = line.indexOf(":");
  if (head && hits[0]!.index > bodyStart && colon < hits[0]!.index) {
    // a label of its own first ("Implicated Resource:EC2 Instance Id: i-..."): keep it, with what lies before the next label
    segs.push({ label: head.label, value: line.slice(colon + 1, hits[0]!.index).trim() });
  }
  for (let h = 0; h < hits.length; h++) {
    const end = h + 1 < hits.length ? hits[h + 1]!.index : line.length;
    // a bullet glued to the next label ("203.0.113.7* Destination Ports:") is not part of the value
    segs.push({ label: hits[h]!.label, value: line.slice(hits[h]!.end, end).trim().replace(/\s*[*•]+$/, "") });
  }
  return segs;
}

/** A label with nothing after it: its value is the next line, or a `<<< ... >>>` block. */
function readValueBelow(doc: TextDoc, i: number, field: RawField): number {
  const { lines } = doc;
  let j = i + 1;
  if (j < lines.length && lines[j]!.trim() === "" && j + 1 < lines.length) j++;
  if (j >= lines.length) return i;
  const next = lines[j]!.trim();
  if (next.startsWith("<<<")) {
    const parts: string[] = [];
    const first = next.slice(3).trim();
    if (first) parts.push(first);
    let k = j + 1;
    for (; k < lines.length && k < j + 2000; k++) {
      const l = lines[k]!;
      const endAt = l.indexOf(">>>");
      if (endAt >= 0) {
        if (l.slice(0, endAt).trim()) parts.push(l.slice(0, endAt));
        break;
      }
      parts.push(l);
    }
    field.value = parts.join("\n").trim();
    field.multiline = true;
    // the block's own lines are parsed too (an auto-detected report inside a log extract), so do not skip them
    return i;
  }
  if (field.key === "log" && next !== "" && !parseLabel(next)) {
    return readLogContinuation(doc, i, field, false);
  }
  if (next === "" || SEPARATOR.test(next) || parseLabel(next) || isTableHeader(next) || next.startsWith(">>>")) return i;
  if (field.key === null && /[.!?]$/.test(next) && next.split(/\s+/).length > 8) return i; // prose after a heading
  field.value = next;
  // a list label ("Infringing URLs:", "Remote IP:") may have one value a line: take the lines of the same shape
  const shape = field.key ? LIST_LINE[field.key] : undefined;
  if (!shape || !shape.test(next)) return j;
  const values = [next];
  let k = j + 1;
  for (; k < lines.length && values.length < 200; k++) {
    const t = lines[k]!.trim();
    if (!shape.test(t)) break;
    values.push(t);
  }
  field.value = values.join("\n");
  return k - 1;
}

/** What one line of a listed value looks like, for the labels whose value may be a list below them. */
const LIST_LINE: Partial<Record<FieldKey, RegExp>> = {
  url: /^(?:[a-z][a-z0-9+.-]{1,9}:\/\/|www\.)\S+$/i,
  remoteIp: /^[\d.:a-fx*[\]]{3,45}(?:\s*[,;]?\s*(?::?\d{1,5}|\/(?:tcp|udp)))?$/i,
  publicIp: /^[\d.:a-fx*[\]]{3,45}$/i,
  sourceIp: /^[\d.:a-fx*[\]]{3,45}$/i,
  instance: /^i-[0-9a-fx*■]{4,17}(?:\s*[[(][^\])]{3,45}[\])])?$/i,
  accessKey: /^(?:AKIA|ASIA)[A-Z0-9*x■]{4,16}$/,
  remotePort: /^\d{1,5}(?:\s*\/\s*(?:tcp|udp))?$/i,
};

/** `Logs (4KB max)*: <first line>` continues until the next form label. */
function readLogContinuation(doc: TextDoc, i: number, field: RawField, xarf: boolean): number {
  const { lines } = doc;
  const parts = field.value ? [field.value] : [];
  let k = i + 1;
  for (; k < lines.length && k < i + 2000; k++) {
    const l = lines[k]!;
    const hit = parseLabel(l);
    if (hit && (keyOfLabel(hit.label, xarf) !== null || /\*\s*$/.test(hit.label))) break;
    if (/^\s*(?:-{3}\s*Beginning of forwarded|={3,}|>>>)/i.test(l)) break;
    parts.push(l);
  }
  field.value = parts.join("\n").trim();
  field.multiline = true;
  return k - 1;
}

// ---- tables ---------------------------------------------------------------------------------

interface TableHeader {
  keys: (FieldKey | null)[];
  names: string[];
  /** Cells split on this character (markdown, CSV, TSV); otherwise on runs of spaces. */
  delim?: Delimiter;
}

const COLUMNS: [RegExp, FieldKey | null][] = [
  // a reporter's log columns (CSV headers: src_ip, dst_ip, dst_port, proto)
  [/^(?:dst|dest|destination|target)(?:[ -]?(?:ip|addr(?:ess)?|host))?$/i, "remoteIp"],
  [/^(?:dst|dest|destination|target)[ -]?port$|^dpt$/i, "remotePort"],
  [/^(?:src|source)[ -]?port$|^spt$/i, "sourcePort"],
  [/^(?:src|source)(?:[ -]?(?:ip|addr(?:ess)?|host))?$|^attacker(?:'s)?[ -]?ip/i, "sourceIp"],
  [/^proto$/i, "protocol"],
  [/^(?:ec2 )?instance[ -]?id/i, "instance"],
  [/^remote[ -]?ip/i, "remoteIp"],
  [/^destination[ -]?ip/i, "remoteIp"],
  [/^(?:remote |destination )?port/i, "remotePort"],
  [/^protocol/i, "protocol"],
  [/^action[ -]?taken/i, "action"],
  [/^access[ -]?key(?: id)?/i, "accessKey"],
  [/^web[ -]?site|^url/i, "url"],
  [/^public[ -]?ip(?: address)?|^ip[ -]?address/i, "publicIp"],
  [/^source[ -]?ip/i, "sourceIp"],
  [/^region/i, "region"],
  [/^(?:aws )?account(?: id)?/i, "account"],
  [/^network[ -]?interface(?: id)?|^eni/i, "eni"],
  [/^time(?:stamp)?|^date/i, "abuseTime"],
  [/^(?:iam )?user(?:name)?/i, "iamUser"],
];
const COLUMN_WORDS = /(?:EC2 )?Instance[ -]?Id|Remote[ -]?IP|Destination[ -]?IP|(?:Remote |Destination )?Port|Protocol|Action[ -]?Taken|Access[ -]?Key(?: Id)?|Web[ -]?Site|URL|Public[ -]?IP(?: Address)?|IP[ -]?Address|Source[ -]?IP|Region|(?:AWS )?Account(?: Id)?|Network[ -]?Interface(?: Id)?|Timestamp|Time|Date|IAM[ -]?User(?:[ -]?Name)?/iy;

/** Whitespace at a position (sticky: set lastIndex before each use). */
const SPACES = /\s*/y;

function matchTableHeader(line: string): TableHeader | null {
  const t = line.trim();
  if (t.length < 8 || t.includes(":")) return null;
  const delim = delimiterOf(t);
  if (delim) return delimitedHeader(t, delim);
  const names: string[] = [];
  let pos = 0;
  while (pos < t.length) {
    COLUMN_WORDS.lastIndex = pos;
    const m = COLUMN_WORDS.exec(t);
    if (!m) return null;
    names.push(m[0]);
    pos = COLUMN_WORDS.lastIndex;
    SPACES.lastIndex = pos;
    SPACES.exec(t);
    if (SPACES.lastIndex === pos && pos < t.length) return null;
    pos = SPACES.lastIndex;
  }
  if (names.length < 2) return null;
  const keys = names.map((n) => COLUMNS.find(([re]) => re.test(n))?.[1] ?? null);
  if (keys.filter((k) => k !== null).length < 2) return null;
  return { keys, names };
}

/**
 * Tables whose cells are delimited: a markdown copy (`| Instance Id | Remote IP | ... |`), a
 * reporter's CSV or TSV log with a header row (`timestamp,src_ip,src_port,dst_ip,dst_port,proto`).
 */
type Delimiter = "|" | "\t" | "," | ";";

function delimiterOf(t: string): Delimiter | null {
  if (t.startsWith("|") || t.split("|").length >= 3) return "|";
  if (t.includes("\t")) return "\t";
  if (t.includes(",")) return ",";
  if (t.includes(";")) return ";";
  return null;
}

function cellsOf(t: string, delim: Delimiter): string[] {
  // CSV cells may be quoted ("dst_ip","dst_port")
  const cells = t.split(delim).map((c) => c.trim().replace(/^"(.*)"$/, "$1").trim());
  if (delim === "|") {
    if (cells[0] === "") cells.shift();
    if (cells.at(-1) === "") cells.pop();
  }
  return cells;
}

const COLUMN_NAME = /^[A-Za-z][\w .'()/#-]{0,40}$/;
/** Columns that make a table worth reading: who, and the other party. */
const TELLING = new Set<FieldKey | null>(["instance", "remoteIp", "remotePort", "publicIp", "sourceIp", "accessKey", "url", "eni"]);

function delimitedHeader(t: string, delim: Delimiter): TableHeader | null {
  const names = cellsOf(t, delim);
  if (names.length < 2 || names.length > 40 || !names.every((n) => COLUMN_NAME.test(n))) return null;
  const keys = names.map((n) => {
    const c = n.replace(/[_*]+/g, " ").trim();
    return COLUMNS.find(([re]) => re.test(c))?.[1] ?? null;
  });
  if (keys.filter((k) => k !== null).length < 2 || !keys.some((k) => TELLING.has(k))) return null;
  return { keys, names, delim };
}

const CELL_OK: Partial<Record<FieldKey, RegExp>> = {
  instance: /^(?:i-[0-9a-fx*]{4,17}|<[^>]+>|[■*x]+)$/i,
  remoteIp: /^[\d.:a-fx*]{3,45}$/i,
  publicIp: /^[\d.:a-fx*]{3,45}$/i,
  sourceIp: /^[\d.:a-fx*]{3,45}$/i,
  remotePort: /^\d{1,5}$/,
  protocol: /^(?:\d{1,3}|tcp|udp|icmp)$/i,
  accessKey: /^[A-Z0-9*■x-]{4,32}$/i,
  url: /^\S+$/,
  region: /^[a-z]{2}(?:-gov)?-[a-z]+-\d$|^global$/i,
  account: /^[\d*x-]{4,14}$/i,
  eni: /^eni-[0-9a-fx]{4,17}$/i,
  iamUser: /^[\w+=,.@-]{1,64}$/,
};

function readTable(doc: TextDoc, at: number, header: TableHeader, out: RawField[], nextGroup: () => number): number {
  const { lines } = doc;
  let i = at + 1;
  let rows = 0;
  for (; i < lines.length && rows < 1000; i++) {
    const raw = lines[i]!;
    const t = raw.trim();
    if (t === "") {
      if (rows === 0) continue;
      break;
    }
    if (/^[-=_+|:\s]+$/.test(t)) continue; // rule line under the header (`|---|:---:|` in markdown)
    let cells: string[];
    if (header.delim) cells = cellsOf(t, header.delim);
    else {
      cells = t.split(/\s{2,}|\t/);
      if (cells.length < header.keys.length) cells = t.split(/\s+/);
    }
    if (cells.length < header.keys.length) break;
    if (cells.length > header.keys.length) {
      const last = cells.slice(header.keys.length - 1).join(" ");
      cells = [...cells.slice(0, header.keys.length - 1), last];
    }
    let ok = 0;
    let checked = 0;
    header.keys.forEach((k, c) => {
      const re = k ? CELL_OK[k] : undefined;
      if (re) {
        checked++;
        if (re.test(cells[c]!)) ok++;
      }
    });
    if (checked > 0 && ok * 2 < checked) break;
    const g = nextGroup();
    header.keys.forEach((k, c) => {
      out.push({ label: header.names[c]!, key: k, value: cells[c]!, line: i, zone: doc.zones[i]!, group: g, fromTable: true });
    });
    rows++;
  }
  return i - 1;
}
