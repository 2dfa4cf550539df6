/**
 * Text -> facts. Reads a notice's text (an e-mail body, a pasted copy, a Health event's
 * description) and reports every value to a NoticeBuilder with where it was found. The decisions
 * that weigh several findings (activity, kind, deadline) are made afterwards, in ../classify.ts.
 *
 * Where a value may be read is part of the rule: identifiers with an unambiguous shape (instance
 * ids, access keys, ARNs) anywhere; addresses and ports only from labelled fields, AWS's tables and
 * the reporter's logs; activity from labelled fields and AWS's sentences before the reporter's
 * prose. AWS's generic advice ("restrict 22 and 3389", `0.0.0.0/0`) matches none of these.
 */
import type { ActivityType, ResourceRef, ResourceType, Source } from "../types.ts";
import { classifyPhrase, classifyReporterText } from "./activity.ts";
import { P, type NoticeBuilder } from "./builder.ts";
import { findStatedDeadlines } from "./deadline.ts";
import { readFields, type FieldKey, type RawField } from "./fields.ts";
import {
  ACCESS_KEY, ACCESS_KEY_LIKE, ACCOUNT_ID, ARN, EC2_DNS, EIP_ALLOC, ENI_ID, INSTANCE_ID, IPV4_MASKED, NAT_ID,
  findIPs, isAccessKeyId, isPublicIP, normalizeAccountId, parseArn,
} from "./ids.ts";
import { findMitigations, mitigationFromAction } from "./mitigations.ts";
import { parsePorts, protocolName } from "./ports.ts";
import { isRedactedId, isRedactedText } from "./redaction.ts";
import { findRegions, regionCode } from "./regions.ts";
import { assignZones, markFormZones } from "./sections.ts";
import { excerpt, lineAt, makeDoc, normalizeText, type TextDoc, type Zone } from "./text.ts";
import { findTime, parseTime, zoneOffset } from "./times.ts";
import { findUrls, isAwsHelpLink, URL_RE } from "./urls.ts";

export { NoticeBuilder, P } from "./builder.ts";

export interface TextInput {
  text: string;
  subject?: string | null;
  /** What AWS's own lines are, as a Source part: the mail body or a Health event's description. */
  part: "body" | "event";
  /** Label recorded on every source (`eventDescription` for Health descriptions). */
  label?: string;
  /** The message date: the year of year-less times, the start of the default deadline. */
  reference: Date | null;
}

/** Signals the classifier weighs; the values themselves went to the builder. */
export interface TextSignals {
  kinds: Set<"resolved" | "final_notification" | "follow_up" | "credentials_exposed" | "account_compromise" | "ses_enforcement">;
  hasReporterReport: boolean;
  /** URLs in the reporter's prose, kept only when the activity is about content. */
  reporterUrls: { url: string; source: Source }[];
}

export function extractText(input: TextInput, b: NoticeBuilder): TextSignals {
  const signals: TextSignals = { kinds: new Set(), hasReporterReport: false, reporterUrls: [] };
  const { text, truncated } = normalizeText(input.text);
  if (truncated) b.warn("the text is longer than 2 MiB; only its start was read");
  const doc = makeDoc(text);
  const firstReporter = assignZones(doc);
  const fields = readFields(doc);
  markFormZones(doc, fields);
  signals.hasReporterReport = firstReporter !== null || fields.some((f) => f.zone === "reporter");
  const ctx = new Ctx(doc, input, b);

  if (input.subject) readSubject(input.subject, ctx, signals);
  applyFields(fields, ctx);
  scanIdentifiers(ctx);
  readAwsSentences(ctx, signals);
  readReporter(ctx, fields, signals);
  return signals;
}

/** Shared state of one extraction. */
class Ctx {
  readonly awsText: string;
  /** AWS's text lower-cased, for cheap substring gates before the patterns run. */
  readonly awsLower: string;
  readonly reporterText: string;
  constructor(
    readonly doc: TextDoc,
    readonly input: TextInput,
    readonly b: NoticeBuilder,
  ) {
    // same length as the text, with the other zone blanked, so offsets still map to lines
    this.awsText = maskZone(doc, "reporter");
    this.awsLower = this.awsText.toLowerCase();
    this.reporterText = doc.zones.includes("reporter") ? maskZone(doc, "aws") : "";
  }
  private excerpts = new Map<number, string>();
  src(line: number, label?: string, text?: string): Source {
    const zone = this.doc.zones[line] ?? "aws";
    let ex: string;
    if (text !== undefined) ex = excerpt(text);
    else {
      ex = this.excerpts.get(line) ?? excerpt(this.doc.lines[line] ?? "");
      this.excerpts.set(line, ex);
    }
    const s: Source = { part: zone === "reporter" ? "forwarded" : this.input.part, line: line + 1, excerpt: ex };
    const l = label ?? this.input.label;
    if (l) s.label = l;
    return s;
  }
  srcAt(offset: number, label?: string): Source {
    return this.src(lineAt(this.doc, offset), label);
  }
  zoneAt(offset: number): Zone {
    return this.doc.zones[lineAt(this.doc, offset)] ?? "aws";
  }
  get reference(): Date | null {
    return this.input.reference;
  }
}

function maskZone(doc: TextDoc, blank: Zone): string {
  if (!doc.zones.includes(blank)) return doc.text;
  return doc.lines.map((l, i) => (doc.zones[i] === blank ? " ".repeat(l.length) : l)).join("\n");
}

// ---- subject ----------------------------------------------------------------------------------

const SUBJECT_CASE = /\[\s*(\d{8,14}(?:-\d{1,3})?)\s*\]|Abuse Report\s+#?(\d{8,14}(?:-\d{1,3})?)\b/i;
const DMCA_CASE = /\bAWS-DMCA-\d{1,10}\b/i;

function readSubject(subject: string, ctx: Ctx, signals: TextSignals): void {
  const s = subject.replace(/\s+/g, " ").trim();
  const src: Source = { part: "subject", excerpt: excerpt(s) };
  const m = SUBJECT_CASE.exec(s.replace(/\[\s*AWS ID[^\]]*\]/gi, ""));
  if (m) ctx.b.offer("caseNumber", m[1] ?? m[2]!, P.subject, src);
  const d = DMCA_CASE.exec(s);
  if (d) ctx.b.offer("caseNumber", d[0].toUpperCase(), P.subject, src);
  const acct = /\bAWS\s*(?:ID|Account(?:\s*ID)?)\s*:?\s*([\d*x■-]{4,20})/i.exec(s);
  if (acct) addAccount(ctx, acct[1]!, src);
  const phrase = /\bhave\s+been\s+([^.;[\]]{3,120})/i.exec(s) ?? /\bAbuse Report\s*[-:]\s*([A-Za-z][^[\]]{2,60})/i.exec(s);
  const type = phrase ? classifyPhrase(phrase[1]!) : null;
  if (type) ctx.b.offer("activity", { type, text: phrase![1]!.trim() }, P.subject, src);
  const lower = s.toLowerCase();
  kindSignals(s, lower, signals);
  familySignals(s, lower, ctx, src, signals);
  if (/^\s*(?:re|aw|sv|antw)\s*:/i.test(s)) signals.kinds.add("follow_up");
}

// ---- labelled fields --------------------------------------------------------------------------

interface GroupCtx {
  instance?: string;
  account?: string;
  region?: string;
  iamUser?: string;
}

function applyFields(fields: RawField[], ctx: Ctx): void {
  const { b } = ctx;
  const groups = new Map<number, GroupCtx>();
  for (const f of fields) {
    const g = groups.get(f.group) ?? {};
    if (f.key === "account") {
      const id = firstAccount(f.value);
      if (id) g.account = id;
    } else if (f.key === "region") {
      const r = findRegions(f.value)[0]?.code ?? (/^\s*global\s*$/i.test(f.value) ? "global" : undefined);
      if (r) g.region = r;
    } else if (f.key === "instance") {
      const m = /(?<![\w-])i-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![\w-])/.exec(f.value);
      if (m) g.instance = m[0];
    } else if (f.key === "iamUser" && f.value && !isRedactedText(f.value)) {
      g.iamUser = f.value.replace(/^["']|["']$/g, "");
    }
    groups.set(f.group, g);
  }
  const form = collectForm(fields);
  let lastRegion: string | undefined;
  const hasDestinationField = fields.some((f) => f.key === "remoteIp");
  for (const f of fields) {
    const src = ctx.src(f.line, f.label);
    const value = f.value;
    b.field({ label: f.label, value: value.length > 4000 ? value.slice(0, 4000) : value, source: src });
    if (f.zone === "reporter" && !f.fromTable && Object.keys(b.reporterFields).length < 200) b.reporterFields[f.label] ??= value.slice(0, 4000);
    const g = groups.get(f.group) ?? {};
    if (f.key === "region" && g.region) lastRegion = g.region;
    if (!f.key || value === "" || /^[-\s]*$/.test(value) || /^(?:n\/?a|none|unknown|null)$/i.test(value)) continue;
    applyField(f.key, f, value, src, g, ctx, { lastRegion, hasDestinationField, form });
  }
  if (form.date) {
    const t = composeFormTime(form, ctx.reference);
    if (t) b.offer("begin", t.iso, f2p(form.date.field), ctx.src(form.date.field.line, form.date.field.label));
  }
}

function f2p(f: RawField): number {
  return f.zone === "reporter" ? P.reporterLabel : P.label;
}

interface FormTime {
  date?: { field: RawField; value: string };
  time?: { field: RawField; value: string };
  zone?: { field: RawField; value: string };
}

function collectForm(fields: RawField[]): FormTime {
  const out: FormTime = {};
  for (const f of fields) {
    if (f.key === "abuseDate" && !out.date && f.value) out.date = { field: f, value: f.value };
    if (f.key === "abuseTime" && !out.time && /^\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?$/.test(f.value.trim())) out.time = { field: f, value: f.value.trim() };
    if (f.key === "timeZone" && !out.zone && f.value) out.zone = { field: f, value: f.value.trim() };
  }
  return out;
}

/** `Abuse date: 2018-01-15` + `Abuse time: 15:37` + `Time zone: -0800` -> one instant. */
function composeFormTime(form: FormTime, reference: Date | null): { iso: string } | null {
  if (!form.date) return null;
  const text = `${form.date.value.trim()} ${form.time?.value ?? "00:00"}`;
  const off = form.zone ? zoneOffset(form.zone.value.replace(/^(?:UTC|GMT)\s*(?=[+-])/i, "")) ?? zoneOffset(form.zone.value) : null;
  const t = parseTime(text, { reference, ...(off !== null ? { defaultOffsetMinutes: off } : {}) });
  return t ? { iso: t.iso } : null;
}

function applyField(key: FieldKey, f: RawField, value: string, src: Source, g: GroupCtx, ctx: Ctx, env: { lastRegion: string | undefined; hasDestinationField: boolean; form: FormTime }): void {
  const { b } = ctx;
  const reporter = f.zone === "reporter";
  const pri = f.fromTable ? P.table : reporter ? P.reporterLabel : P.label;
  const region = g.region ?? (f.fromTable ? env.lastRegion : undefined);
  const ref = refMaker(src, g.account, region);
  switch (key) {
    case "account": {
      for (const m of value.matchAll(ACCOUNT_ID)) {
        const id = normalizeAccountId(m[0]);
        if (id) b.add("accountIds", id, src);
      }
      if (!firstAccount(value)) addAccount(ctx, value.split(/\s+/)[0]!, src);
      return;
    }
    case "region": {
      const found = findRegions(value);
      for (const r of found) b.add("regions", r.code, src);
      if (found.length === 0) {
        if (/^\s*global\b/i.test(value)) b.add("regions", "global", src);
        else if (isRedactedText(value) || isRedactedId(value)) b.redact("regions", value, src);
      }
      return;
    }
    case "instance":
    case "implicated":
    case "eni":
    case "nat":
    case "eip":
    case "lb":
    case "bucket":
    case "cloudfront":
    case "lightsail":
    case "sesIdentity":
    case "accessKey": {
      const found = resourcesIn(value, key, ref, ctx, src);
      if (!found && (isRedactedId(value) || isRedactedText(value) || /^i-|^eni-|^AKIA|^ASIA/.test(value))) {
        b.redact(listOfKey(key), value, src);
        const ip = /[[(]\s*([^\])]{3,45})\s*[\])]/.exec(value);
        if (ip && isRedactedId(ip[1]!)) b.redact("publicIps", ip[1]!, src);
      }
      return;
    }
    case "publicIp":
    case "sourceIp": {
      if (key === "publicIp" && reporter) return; // "IP address" in a reporter's prose may be anyone's
      let any = false;
      for (const { ip } of findIPs(value)) {
        any = true;
        b.resource(ref("public-ip", ip));
      }
      any = readEc2Dns(value, ctx, src) || any;
      if (!any) for (const tok of value.split(/[\s,;]+/)) if (isRedactedId(tok)) b.redact("publicIps", tok, src);
      return;
    }
    case "remoteIp": {
      let any = false;
      for (const { ip } of findIPs(value)) {
        any = true;
        if (isPublicIP(ip)) b.add("remoteIps", ip, src);
        else b.warn(`a non-public address (${ip}) given as the remote party was not reported`);
      }
      if (!any) for (const tok of value.split(/[\s,;]+/)) if (isRedactedId(tok)) b.redact("remoteIps", tok, src);
      return;
    }
    case "remotePort":
    case "portsProtocols": {
      const p = parsePorts(value);
      if (p.count !== undefined) b.setPortCount(p.count, pri, src);
      for (const port of p.ports) b.addPort(port, src);
      for (const proto of p.protocols) b.offer("protocol", proto, pri, src);
      return;
    }
    case "protocol": {
      const proto = protocolName(value);
      if (proto) b.offer("protocol", proto, pri, src);
      return;
    }
    case "url": {
      for (const tok of value.split(/[\s,;]+/)) {
        if (!tok) continue;
        const u = findUrls(tok)[0]?.url ?? (/^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+\/\S*$/i.test(tok) ? `http://${tok}` : null);
        if (u && !isAwsHelpLink(u)) {
          if (isRedactedText(u) || /x{3,}/i.test(u)) b.redact("destinationUrls", u, src);
          else b.add("destinationUrls", u, src);
        } else if (isRedactedText(tok)) b.redact("destinationUrls", tok, src);
      }
      return;
    }
    case "caseNumber": {
      const m = /\bAWS-DMCA-\d{1,10}\b/i.exec(value) ?? /(?<![\w-])(\d{6,14}(?:-\d{1,3})?)(?![\w-])/.exec(value);
      if (m) b.offer("caseNumber", m[0].toUpperCase(), pri, src);
      else if (isRedactedId(value) || isRedactedText(value)) b.redact("caseNumber", value, src);
      return;
    }
    case "activity": {
      const type = classifyPhrase(value);
      if (type) b.offer("activity", { type, text: value }, pri, src);
      return;
    }
    case "begin":
    case "end":
    case "abuseTime": {
      if (key === "abuseTime" && env.form.time && env.form.time.field === f) return; // part of a split date/time
      const t = findTime(value, { reference: ctx.reference });
      if (t) {
        if (t.yearInferred) b.warn(`"${value.slice(0, 60)}" has no year; took ${new Date(t.ms).getUTCFullYear()} from the message date`);
        b.offer(key === "end" ? "end" : "begin", t.iso, key === "abuseTime" ? pri + 0.5 : pri, src);
      } else if (!/^\d{1,2}:\d{2}/.test(value) && ctx.reference === null && /^(?:[A-Z][a-z]{2}\s+){1,2}\d/.test(value)) {
        b.warn(`"${value.slice(0, 60)}" has no year and the message date is unknown; the time was not used`);
      }
      return;
    }
    case "log": {
      if (b.logExtract === null || (f.multiline && b.logExtract.length < 8)) b.logExtract = value.slice(0, 64 * 1024);
      return;
    }
    case "action": {
      b.mitigations.push(mitigationFromAction(value, { ...(g.instance ? { resourceId: g.instance } : {}), ...(env.lastRegion ? { region: env.lastRegion } : {}) }, src));
      return;
    }
    case "subject": {
      // the support-case wrapper's "Subject: Your AWS account 1234... is compromised"
      const acct = /\baccount\s+(\d{12}|[\d*x■-]{4,20})\b/i.exec(value);
      if (acct) addAccount(ctx, acct[1]!, src);
      return;
    }
    case "iamUser":
    case "abuseDate":
    case "timeZone":
    case "sourcePort":
    case "comments":
    case "requiredActions":
    case "vulnerability":
    case "severity":
    case "description":
      return;
  }
}

type RefMaker = (type: ResourceType, id: string, extra?: Partial<ResourceRef>) => ResourceRef;

/** Resources named on one line share its account and region. */
function refMaker(source: Source, accountId: string | undefined, region: string | undefined): RefMaker {
  return (type, id, extra) => {
    const r: ResourceRef = { type, id, source, ...extra };
    if (accountId && !r.accountId) r.accountId = accountId;
    if (region && !r.region) r.region = region;
    return r;
  };
}

function listOfKey(key: FieldKey): string {
  switch (key) {
    case "instance":
      return "instanceIds";
    case "eni":
      return "networkInterfaceIds";
    case "accessKey":
      return "accessKeyIds";
    case "eip":
      return "publicIps";
    default:
      return "resources";
  }
}

function firstAccount(value: string): string | null {
  ACCOUNT_ID.lastIndex = 0;
  for (const m of value.matchAll(ACCOUNT_ID)) {
    const id = normalizeAccountId(m[0]);
    if (id) return id;
  }
  return null;
}

/** An account id written in a sentence or a field: valid, or masked (kept as a redaction). */
function addAccount(ctx: Ctx, raw: string, src: Source): void {
  const v = raw.replace(/^[(["']+|[)\]"'.,;:]+$/g, "");
  const id = normalizeAccountId(v);
  if (id) ctx.b.add("accountIds", id, src);
  else if (isRedactedId(v) || isRedactedText(v)) ctx.b.redact("accountIds", v, src);
  else if (/^\d{6,16}$/.test(v)) ctx.b.warn(`"${v}" is written as an account id but is not 12 digits; not reported`);
}

/** Every resource identifier in a value; returns whether any was found. */
function resourcesIn(value: string, key: FieldKey, ref: RefMaker, ctx: Ctx, src: Source): boolean {
  const { b } = ctx;
  let found = false;
  const has = (needle: string) => value.includes(needle);
  if (has("i-")) for (const m of value.matchAll(INSTANCE_ID)) {
    found = true;
    const after = value.slice(m.index + m[0].length, m.index + m[0].length + 60);
    const ipm = /^\s*[[(]\s*([^\])]{3,45})\s*[\])]/.exec(after);
    const extra: Partial<ResourceRef> = {};
    if (ipm) {
      const ip = findIPs(ipm[1]!)[0]?.ip;
      if (ip) extra.publicIp = ip;
      else if (isRedactedId(ipm[1]!)) b.redact("publicIps", ipm[1]!, src);
    }
    b.resource(ref("ec2-instance", m[0], extra));
  }
  if (has("eni-")) for (const m of value.matchAll(ENI_ID)) { found = true; b.resource(ref("network-interface", m[0])); }
  if (has("nat-")) for (const m of value.matchAll(NAT_ID)) { found = true; b.resource(ref("nat-gateway", m[0])); }
  if (has("eipalloc-")) for (const m of value.matchAll(EIP_ALLOC)) { found = true; b.resource(ref("elastic-ip", m[0])); }
  if (has("AKIA") || has("ASIA")) for (const m of value.matchAll(ACCESS_KEY)) {
    if (!isAccessKeyId(m[0])) continue;
    found = true;
    const user = /IAM user\s*:?\s*["']?([\w+=,.@-]{1,64})/i.exec(value);
    b.resource(ref("access-key", m[0], user ? { iamUser: user[1]! } : {}));
  }
  if (has("arn:")) for (const m of value.matchAll(ARN)) found = addArn(m[0], ctx, src) || found;
  if (found) return true;
  const v = value.trim().replace(/^["']|["']$/g, "");
  if (isRedactedId(v) || isRedactedText(v)) return false;
  switch (key) {
    case "eip":
      for (const { ip } of findIPs(v)) { found = true; b.resource(ref("elastic-ip", ip)); }
      return found;
    case "lb":
      if (/^[\w.-]{1,255}$/.test(v)) return b.resource(ref("load-balancer", v)), true;
      return false;
    case "bucket": {
      const name = v.replace(/^s3:\/\//, "").replace(/\/.*$/, "");
      if (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) return b.resource(ref("s3-bucket", name)), true;
      return false;
    }
    case "cloudfront": {
      const d = /\b(E[A-Z0-9]{12,14})\b/.exec(v) ?? /\b(d[a-z0-9]{8,16}\.cloudfront\.net)\b/.exec(v);
      if (d) return b.resource(ref("cloudfront-distribution", d[1]!)), true;
      return false;
    }
    case "lightsail":
      if (/^[\w.-]{1,255}$/.test(v)) return b.resource(ref("lightsail-instance", v)), true;
      return false;
    case "sesIdentity": {
      const id = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:[a-z0-9-]+\.)+[a-z]{2,}/i.exec(v);
      if (id) return b.resource(ref("ses-identity", id[0].toLowerCase())), true;
      return false;
    }
    case "implicated": {
      for (const { ip } of findIPs(v)) { found = true; b.resource(ref("public-ip", ip)); }
      const bucket = /^(?:s3:\/\/|(?:Amazon )?S3 bucket:?\s*)([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/i.exec(v);
      if (bucket) { found = true; b.resource(ref("s3-bucket", bucket[1]!)); }
      return found;
    }
    default:
      return false;
  }
}

/** An ARN names an account, often a region, and a resource. Health event ARNs name no resource. */
function addArn(arn: string, ctx: Ctx, src: Source): boolean {
  const { b } = ctx;
  const a = parseArn(arn);
  if (!a) return false;
  if (a.service === "health") return false;
  const account = normalizeAccountId(a.accountId);
  if (account) b.add("accountIds", account, src);
  else if (a.accountId && (isRedactedId(a.accountId) || isRedactedText(a.accountId))) b.redact("accountIds", a.accountId, src);
  const region = a.region && regionCode(a.region) ? a.region : undefined;
  if (region) b.add("regions", region, src);
  const base: Partial<ResourceRef> = { arn, ...(account ? { accountId: account } : {}), ...(region ? { region } : {}) };
  const res = a.resource;
  const r = (type: ResourceType, id: string) => b.resource({ type, id, source: src, ...base });
  let m: RegExpExecArray | null;
  if (a.service === "ec2") {
    if ((m = /^instance\/(.+)$/.exec(res))) {
      INSTANCE_ID.lastIndex = 0;
      if (/^i-(?:[0-9a-f]{17}|[0-9a-f]{8})$/.test(m[1]!)) r("ec2-instance", m[1]!);
      else b.redact("instanceIds", m[1]!, src);
      return true;
    }
    if ((m = /^network-interface\/(eni-[0-9a-f]+)$/.exec(res))) return r("network-interface", m[1]!), true;
    if ((m = /^natgateway\/(nat-[0-9a-f]+)$/.exec(res))) return r("nat-gateway", m[1]!), true;
    if ((m = /^(?:elastic-ip|eip-allocation)\/(eipalloc-[0-9a-f]+)$/.exec(res))) return r("elastic-ip", m[1]!), true;
  }
  if (a.service === "elasticloadbalancing" && (m = /^loadbalancer\/(?:app\/|net\/|gwy\/)?([^/]+)/.exec(res))) return r("load-balancer", m[1]!), true;
  if (a.service === "s3" && (m = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/|$)/.exec(res))) return r("s3-bucket", m[1]!), true;
  if (a.service === "cloudfront" && (m = /^distribution\/([A-Z0-9]+)$/.exec(res))) return r("cloudfront-distribution", m[1]!), true;
  if (a.service === "lightsail" && (m = /^Instance\/(.+)$/i.exec(res))) return r("lightsail-instance", m[1]!), true;
  if (a.service === "iam" && (m = /^user\/(?:.*\/)?([\w+=,.@-]+)$/.exec(res))) return r("iam-user", m[1]!), true;
  if (a.service === "ses" && (m = /^identity\/(.+)$/.exec(res))) return r("ses-identity", m[1]!), true;
  if (a.service === "lambda" && (m = /^function:([\w-]+)/.exec(res))) return r("lambda-function", m[1]!), true;
  r("other", res);
  return true;
}

/** `ec2-203-0-113-7.eu-west-1.compute.amazonaws.com`: the instance's public IP and its region. */
function readEc2Dns(text: string, ctx: Ctx, src: Source): boolean {
  let any = false;
  for (const m of text.matchAll(EC2_DNS)) {
    any = true;
    const region = m[5] ? m[5].toLowerCase() : "us-east-1";
    ctx.b.add("regions", region, src);
    const octets = [m[1]!, m[2]!, m[3]!, m[4]!];
    if (octets.every((o) => /^\d+$/.test(o))) {
      const ip = octets.join(".");
      if (findIPs(ip)[0]?.ip === ip) ctx.b.resource({ type: "public-ip", id: ip, region, source: src });
    } else ctx.b.redact("publicIps", m[0], src);
  }
  return any;
}

// ---- identifiers anywhere -----------------------------------------------------------------------

function scanIdentifiers(ctx: Ctx): void {
  const { doc, b } = ctx;
  const text = doc.text;
  // each pattern only where its fixed prefix occurs: most notices name one or two kinds of id
  const has = (needle: string) => text.includes(needle);
  if (has("i-")) for (const m of text.matchAll(INSTANCE_ID)) if (!b.hasResource("ec2-instance", m[0])) b.resource({ type: "ec2-instance", id: m[0], source: ctx.srcAt(m.index) });
  if (has("eni-")) for (const m of text.matchAll(ENI_ID)) if (!b.hasResource("network-interface", m[0])) b.resource({ type: "network-interface", id: m[0], source: ctx.srcAt(m.index) });
  if (has("nat-")) for (const m of text.matchAll(NAT_ID)) if (!b.hasResource("nat-gateway", m[0])) b.resource({ type: "nat-gateway", id: m[0], source: ctx.srcAt(m.index) });
  if (has("eipalloc-")) for (const m of text.matchAll(EIP_ALLOC)) b.resource({ type: "elastic-ip", id: m[0], source: ctx.srcAt(m.index) });
  const keys = has("AKIA") || has("ASIA");
  if (keys) for (const m of text.matchAll(ACCESS_KEY)) {
    if (!isAccessKeyId(m[0])) continue;
    const near = text.slice(m.index, m.index + 160);
    const user = /^\S+\s*\(?\s*(?:belonging\s+to\s+|for\s+|of\s+)?(?:the\s+)?IAM\s+user\s*(?:name)?\s*:?\s*["']?([\w+=,.@-]{1,64})/i.exec(near);
    b.resource({ type: "access-key", id: m[0], source: ctx.srcAt(m.index), ...(user ? { iamUser: user[1]!.replace(/[.,]$/, "") } : {}) });
    if (user) b.resource({ type: "iam-user", id: user[1]!.replace(/[.,]$/, ""), source: ctx.srcAt(m.index) });
  }
  if (keys) for (const m of text.matchAll(ACCESS_KEY_LIKE)) {
    if (isAccessKeyId(m[0])) continue;
    if (isRedactedId(m[0]) || isRedactedText(m[0])) b.redact("accessKeyIds", m[0], ctx.srcAt(m.index));
    else if (m[0].length >= 16) b.warn(`"${m[0]}" looks like an access key id but is not one (an access key id is 20 characters); not reported`);
  }
  if (has("arn:")) for (const m of text.matchAll(ARN)) addArn(m[0].replace(/[.,;]+$/, ""), ctx, ctx.srcAt(m.index));
  if (text.includes("compute")) readEc2Dns(text, ctx, ctx.srcAt(text.search(EC2_DNS) >= 0 ? text.search(EC2_DNS) : 0));
  // region codes and names, outside URLs (a help link's `?region=` is not a fact)
  const noUrls = has("://") ? text.replace(URL_RE, (u) => " ".repeat(u.length)) : text;
  for (const r of findRegions(noUrls)) b.add("regions", r.code, ctx.srcAt(r.index));
  // masked instance ids and IPs next to an instance label were handled with their fields; masked
  // instance ids elsewhere are still evidence a reader should see
  // masked instance ids (x's, y's, stars, squares: never hex) are evidence a reader should see
  if (text.includes("i-")) for (const m of text.matchAll(/(?<![\w-])i-[0-9a-f]{0,16}[x-z*■#]{2,}[0-9a-fx-z*■#]{0,16}(?![\w-])/gi)) if (!isInstanceShape(m[0])) b.redact("instanceIds", m[0], ctx.srcAt(m.index));
}

// ---- AWS's sentences --------------------------------------------------------------------------

/** Each sentence pattern with a word that must occur for it to match (a cheap test first). */
const ACTIVITY_SENTENCES: { gate: string[]; re: RegExp; weak?: boolean }[] = [
  { gate: ["resembl"], re: /\b(?:resembles?|resembling)\s+([^.;\n]{3,200}(?:\n[^.;\n]{1,200})?)/gi },
  { gate: ["implicated"], re: /\bimplicated\s+in\s+(?!activity\s+(?:which|that))([^.;]{3,200})/gi },
  { gate: ["been"], re: /(?:^|\n)[ \t]*(?:has|have)\s+been\s+(?!implicated)([^.;\n]{3,200})/gi },
  { gate: ["been"], re: /\byour\s+(?:AWS\s+)?(?:EC2\s+)?(?:instances?|resources?)(?:\(s\))?\s+(?:has|have)\s+been\s+(?!implicated)([^.;]{3,200})/gi },
  { gate: ["observed"], re: /\bobserved\s+([A-Za-z][\w /&-]{2,60}?)\s+activity\b/gi },
  { gate: ["involved", "participating", "engaged"], re: /\b(?:is|are|was|were|has\s+been|have\s+been)\s+(?:involved|participating|engaged)\s+in\s+([^.;]{3,160})/gi },
  { gate: ["report"], re: /\breport(?:s|ed|\(s\))?\s+(?:of\s+|for\s+|about\s+|regarding\s+|concerning\s+)?([a-z][\w /-]{2,40}?)\s+(?:activity\s+)?(?:originating\s+from|coming\s+from|from\s+(?:your\s+)?(?:instance|resource|account|ip|host))\b/gi },
  { gate: ["infected"], re: /\bmay\s+be\s+(infected\s+with\s+malware)/gi, weak: true },
];

const KIND_PATTERNS: [string[], RegExp, TextSignals["kinds"] extends Set<infer K> ? K : never][] = [
  [["resolved", "closed"], /\b(?:has|have)\s+been\s+investigated\s+and\s+resolved\b|\b(?:this|the|your)\s+(?:abuse\s+)?(?:case|report|issue)\s+(?:has\s+been|is\s+now|is)\s+(?:resolved|closed)\b|\bwe\s+(?:have\s+)?(?:resolved|closed)\s+(?:this|the|your)\s+(?:case|report)\b/i, "resolved"],
  [["final"], /\bFINAL\s+(?:NOTIFICATION|NOTICE|WARNING)\b/i, "final_notification"],
  [["follow"], /\bfollow(?:ing)?[\s-]*up\s+(?:on|with)\b/i, "follow_up"],
  [["remind"], /\breminder\b/i, "follow_up"],
  [["have not", "haven't", "not heard"], /\bhave\s+not\s+(?:yet\s+)?(?:received|heard)|\bhaven'?t\s+(?:yet\s+)?(?:received|heard)|\bnot\s+heard\s+back\b/i, "follow_up"],
  [["no response"], /\bno\s+response\s+(?:from\s+you|has\s+been)/i, "follow_up"],
  [["outstanding", "previous", "recently sent", "additional abuse report"], /\boutstanding\s+(?:ec2\s+)?abuse\s+reports?\b|\bprevious(?:ly)?\s+(?:notice|notification|e-?mail|report|correspondence|sent|notified|reported|informed)\b|\bwe\s+recently\s+sent\b|\b(?:received|another|an)\s+additional\s+abuse\s+report/i, "follow_up"],
  [["still", "thank you for your", "in reviewing", "without confirmation"], /\bwe\s+are\s+still\s+(?:seeing|receiving|observing)\b|\bthank\s+you\s+for\s+your\s+(?:reply|response)\b|\bin\s+reviewing\s+your\b|\bwithout\s+confirmation\s+that\s+the\s+matter\b/i, "follow_up"],
];

function kindSignals(text: string, lower: string, signals: TextSignals): void {
  for (const [words, re, kind] of KIND_PATTERNS) if (anyOf(lower, words) && re.test(text)) signals.kinds.add(kind);
}

/** True when `lower` (lower-cased text) contains one of `words`: a substring search, much cheaper than a regular expression pass. */
function anyOf(lower: string, words: readonly string[]): boolean {
  for (const w of words) if (lower.includes(w)) return true;
  return false;
}

const CREDENTIALS = /(?:access\s+keys?|credentials?|secret\s+(?:access\s+)?keys?)\b[^.]{0,200}?\b(?:publicly\s+available|exposed|found\s+online|posted\s+publicly|published|leaked)|\bexpos(?:ed|ure\s+of)\s+(?:your\s+)?(?:aws\s+)?(?:iam\s+)?(?:credentials|access\s+keys?)/i;
const COMPROMISE = /\baccount\s+(?:may\s+(?:still\s+)?be|is|has\s+been|was|appears\s+to\s+(?:be|have\s+been)|might\s+be)\s+compromised|\bcompromised\s+(?:aws\s+)?account\b|\bunauthori[sz]ed\s+(?:usage|activity|access)\s+(?:on|in|of|to)\s+your\s+(?:aws\s+)?account/i;
const COPYRIGHT = /\bDMCA\b|\bDigital Millennium Copyright Act\b|\bcopyright(?:ed)?\s+(?:infringement|material|content|holder|owner|notice)|\binfring\w*\s+(?:the\s+|on\s+)?(?:copyright|intellectual\s+property)/i;
const SES = /\b(?:Amazon\s+)?SES\b|\bSimple\s+Email\s+Service\b/;
const SES_ACTION = /\bprobation|suspen(?:d|sion)|sending\s+(?:has\s+been\s+|is\s+)?paus|pause\s+(?:your\s+)?(?:the\s+)?(?:ability|sending)|enforcement|shut\s*down|bounce\s+rate|complaint\s+rate|vulnerable\s+site\s+review|under\s+review|sending\s+(?:quota|privileges)/i;

function familySignals(text: string, lower: string, ctx: Ctx, src: Source, signals: TextSignals): void {
  if (anyOf(lower, ["key", "credential"]) && CREDENTIALS.test(text)) {
    signals.kinds.add("credentials_exposed");
    ctx.b.offer("activity", { type: "credentials_exposed" as ActivityType, text: CREDENTIALS.exec(text)![0].replace(/\s+/g, " ") }, P.family, src);
  }
  const c = anyOf(lower, ["compromis", "unauthori"]) ? COMPROMISE.exec(text) : null;
  if (c) {
    signals.kinds.add("account_compromise");
    ctx.b.offer("activity", { type: "account_compromise" as ActivityType, text: c[0] }, P.family + 0.5, src);
  }
  const cr = anyOf(lower, ["dmca", "copyright", "infring"]) ? COPYRIGHT.exec(text) : null;
  if (cr) ctx.b.offer("activity", { type: "copyright" as ActivityType, text: cr[0] }, P.family + 0.8, src);
  if (anyOf(lower, ["ses", "simple email"]) && SES.test(text) && SES_ACTION.test(text)) {
    signals.kinds.add("ses_enforcement");
    const phrase = /unwanted\s+sending|unsolicited[^.]{0,60}|spam\w*|bounce\s+rate|complaint\s+rate|vulnerable\s+site\s+review|phish\w*/i.exec(text);
    const type = phrase ? classifyPhrase(phrase[0]) ?? "spam_email" : "spam_email";
    ctx.b.offer("activity", { type: type === "crawling" || type === "web_attack" ? "spam_email" : type, text: phrase ? phrase[0] : "Amazon SES enforcement" }, P.family + 0.7, src);
  }
}


function readAwsSentences(ctx: Ctx, signals: TextSignals): void {
  const { b } = ctx;
  const aws = ctx.awsText;
  for (const { gate, re, weak } of ACTIVITY_SENTENCES) {
    if (!anyOf(ctx.awsLower, gate)) continue;
    for (const m of aws.matchAll(re)) {
      const phrase = m[1]!.replace(/\s+/g, " ").trim();
      const type = classifyPhrase(phrase);
      const src = ctx.srcAt(m.index + m[0].indexOf(m[1]!), undefined);
      if (type) b.offer("activity", { type, text: phrase }, weak ? P.weak : P.sentence, src);
      else if (/^(?:hosting|operating|activity|content|a website)/i.test(phrase)) b.offer("activity", { type: "other" as ActivityType, text: phrase }, P.weak + 0.5, src);
    }
  }
  kindSignals(aws, ctx.awsLower, signals);
  familySignals(aws, ctx.awsLower, ctx, ctx.srcAt(Math.max(0, aws.search(CREDENTIALS) >= 0 ? aws.search(CREDENTIALS) : aws.search(COMPROMISE) >= 0 ? aws.search(COMPROMISE) : aws.search(SES))), signals);

  // case numbers written in sentences
  if (ctx.awsLower.includes("case")) for (const m of aws.matchAll(/\b(?:opened\s+case|case\s+(?:number|#|no\.?|id)?\s*:?\s*#?)\s*(\d{6,14}(?:-\d{1,3})?)\b/gi)) b.offer("caseNumber", m[1]!, P.sentence, ctx.srcAt(m.index));
  if (ctx.awsLower.includes("aws-dmca")) for (const m of aws.matchAll(/\bAWS-DMCA-\d{1,10}\b/gi)) b.offer("caseNumber", m[0].toUpperCase(), P.sentence, ctx.srcAt(m.index));
  // a bare "<11 digits>-<n>" is a case number only when nothing better names one
  if (!b.best("caseNumber")) for (const m of aws.matchAll(/(?<![\w-])(\d{11}-\d{1,3})(?![\w-])/g)) b.offer("caseNumber", m[1]!, P.weak, ctx.srcAt(m.index));

  // accounts written in sentences: "from account xxxx370", "account (****-****-6006)", "AWS account 1234..."
  if (ctx.awsLower.includes("account")) for (const m of aws.matchAll(/\b(?:aws\s+)?account\s+(?:id\s+|number\s+)?(?:is\s+)?\(?([\d*x■#-]{4,20})\)?(?![\w*■#-])/gi)) {
    const v = m[1]!;
    if (/\d{12}|[*x■#]/i.test(v) || /^\d{4}-\d{4}-\d{4}$/.test(v) || /^\d{6,16}$/.test(v)) addAccount(ctx, v, ctx.srcAt(m.index));
  }

  // URLs where a key or content was published
  if (ctx.awsLower.includes("://")) for (const m of aws.matchAll(/\b(?:publicly\s+available\s+online\s+at|available\s+(?:online\s+)?at|found\s+at|posted\s+(?:publicly\s+)?(?:at|on)|located\s+at)\s*:?\s*((?:https?|hxxps?):\/\/\S+)/gi)) {
    const u = findUrls(m[1]!)[0]?.url;
    if (u && !isAwsHelpLink(u)) b.add("destinationUrls", u, ctx.srcAt(m.index));
  }

  // deadlines
  const stated = anyOf(ctx.awsLower, ["within", "by", "before", "later than", "until"]) ? findStatedDeadlines(aws, ctx.reference) : [];
  for (const d of stated) b.offer("deadline", d, P.sentence, ctx.srcAt(d.index));

  // mitigations: AWS's lines only
  if (anyOf(ctx.awsLower, ["block", "limit", "quarantin", "paus", "suspend", "disabl", "denied"])) for (let i = 0; i < ctx.doc.lines.length; i++) {
    if (ctx.doc.zones[i] !== "aws") continue;
    const line = ctx.doc.lines[i]!;
    if (line.length > 2000) continue;
    for (const mit of findMitigations(line, ctx.src(i))) {
      if (b.mitigations.some((x) => x.text === mit.text)) continue;
      b.mitigations.push(mit);
    }
  }

  // "between January 22 and February 4"
  const between = /\bbetween\s+((?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+[A-Z][a-z]{2,8})[^\n]{0,40}?)\s+and\s+((?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+[A-Z][a-z]{2,8})[^.;\n]{0,40})/g;
  if (ctx.doc.text.includes("between")) for (const m of ctx.doc.text.matchAll(between)) {
    const a = parseTime(m[1]!, { reference: ctx.reference });
    const z = parseTime(m[2]!, { reference: ctx.reference });
    if (a && z && z.ms >= a.ms) {
      const src = ctx.srcAt(m.index);
      b.offer("begin", a.iso, P.sentence + 1, src);
      // a date alone as the end of a range means the whole of that day
      b.offer("end", z.dateOnly ? new Date(z.ms + 86_399_000).toISOString().replace(".000Z", "Z") : z.iso, P.sentence + 1, src);
      break;
    }
  }
}

// ---- the reporter's report ----------------------------------------------------------------------

function readReporter(ctx: Ctx, fields: RawField[], signals: TextSignals): void {
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
    const ips = findIPs(line);
    if (ips.length >= 2 && !hasDestination) {
      const idxOurs = ips.findIndex((x) => ours.has(x.ip));
      const arrow = /->|=>|>\s|\bto\b/.test(line);
      if (idxOurs >= 0 || header || arrow) {
        const srcIdx = idxOurs >= 0 ? idxOurs : 0;
        for (let k = 0; k < ips.length; k++) {
          if (k === srcIdx) continue;
          const ip = ips[k]!;
          if (!isPublicIP(ip.ip) || ours.has(ip.ip)) continue;
          b.add("remoteIps", ip.ip, src);
          const after = line.slice(ip.index + ip.ip.length, ip.index + ip.ip.length + 12);
          const port = /^(?::|\s+(?:port\s+)?)(\d{1,5})\b/.exec(after);
          if (port && Number(port[1]) <= 65535) b.addPort(Number(port[1]), src);
        }
        if (idxOurs < 0 && header && isPublicIP(ips[0]!.ip)) b.resource({ type: "public-ip", id: ips[0]!.ip, source: src });
      }
    }
    for (const m of line.matchAll(IPV4_MASKED)) if (isRedactedId(m[0])) b.redact("remoteIps", m[0], src);
  }

  // URLs in the reporter's prose: facts when the report is about content (decided by the classifier)
  for (const { url, index } of findUrls(rep)) {
    if (isAwsHelpLink(url)) continue;
    signals.reporterUrls.push({ url, source: ctx.srcAt(index) });
    if (signals.reporterUrls.length > 50) break;
  }

  // the reporter's log, when no labelled log extract exists: the forwarded report itself
  if (b.logExtract === null) {
    const text = doc.lines.filter((_, i) => doc.zones[i] === "reporter").join("\n").trim();
    if (text) b.logExtract = text.slice(0, 64 * 1024);
  }
}

function isInstanceShape(s: string): boolean {
  return /^i-(?:[0-9a-f]{17}|[0-9a-f]{8})$/.test(s);
}

function firstNonSpace(s: string): number {
  const i = s.search(/\S/);
  return i < 0 ? 0 : i;
}
