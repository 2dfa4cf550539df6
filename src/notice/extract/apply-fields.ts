/**
 * Labelled fields -> facts: each canonical key (see ./fields.ts) has one rule here. Fields on one
 * line (or one table row) describe one resource and share its account and region; a reporter's
 * split date, time and zone fields make one instant.
 */
import type { Source } from "../types.ts";
import { classifyPhrase } from "./activity.ts";
import { P } from "./builder.ts";
import type { FieldKey, RawField } from "./fields.ts";
import { ACCOUNT_ID, findIPs, isPublicIP, normalizeAccountId } from "./ids.ts";
import { mitigationFromAction } from "./mitigations.ts";
import { addBlocked, blockedFields, isDirection } from "./blocked.ts";
import { parsePorts, protocolName } from "./ports.ts";
import { isRedactedId, isRedactedText } from "./redaction.ts";
import { findRegions } from "./regions.ts";
import { findTime, parseTime, zoneOffset } from "./times.ts";
import { findUrls, isAwsHelpLink } from "./urls.ts";
import type { Ctx } from "./context.ts";
import { addAccount, firstAccount, listOfKey, readEc2Dns, refMaker, resourcesIn } from "./identifiers.ts";

interface GroupCtx {
  instance?: string;
  account?: string;
  region?: string;
  iamUser?: string;
}

export function applyFields(fields: RawField[], ctx: Ctx): void {
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
      const m = /(?<![\w-])i-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![a-z0-9_-])/.exec(f.value);
      if (m) g.instance = m[0];
    } else if (f.key === "iamUser" && f.value && !isRedactedText(f.value)) {
      g.iamUser = f.value.replace(/^["']|["']$/g, "");
    }
    groups.set(f.group, g);
  }
  const form = collectForm(fields);
  const blocked = blockedFields(fields, ctx);
  let lastRegion: string | undefined;
  for (const f of fields) {
    const src = ctx.src(f.line, f.label);
    const value = f.value;
    b.field({ label: f.label, value: value.length > 4000 ? value.slice(0, 4000) : value, source: src });
    if (f.zone === "reporter" && !f.fromTable && Object.keys(b.reporterFields).length < 200) b.reporterFields[f.label] ??= value.slice(0, 4000);
    const g = groups.get(f.group) ?? {};
    if (f.key === "region" && g.region) lastRegion = g.region;
    const anchor = blocked.get(f);
    if (anchor !== undefined && !/^(?:[-\s]*|n\/?a|none|unknown|null)$/i.test(value)) {
      // a port, protocol or direction of what AWS blocked: the mitigation's, not the activity's
      if (isDirection(f)) {
        const d = /\b(?:both|in\s*(?:and|&|\/)\s*out)/i.test(value) ? "both" : /\b(?:out|egress)/i.test(value) ? "outbound" : /\b(?:in|ingress)/i.test(value) ? "inbound" : null;
        if (d) addBlocked(ctx, anchor, f, { direction: d });
        continue;
      }
      const p = f.key === "protocol" ? null : parsePorts(value);
      const proto = f.key === "protocol" ? protocolName(value) : p!.protocols[0] ?? null;
      addBlocked(ctx, anchor, f, { ...(p ? { ports: p.ports } : {}), ...(proto ? { protocol: proto } : {}) });
      continue;
    }
    if (!f.key || value === "" || /^[-\s]*$/.test(value) || /^(?:n\/?a|none|unknown|null)$/i.test(value)) continue;
    applyField(f.key, f, value, src, g, ctx, { lastRegion, form });
  }
  if (form.date) {
    const t = composeFormTime(form, ctx.reference);
    if (t) b.offer("begin", t.iso, fieldPriority(form.date.field), ctx.src(form.date.field.line, form.date.field.label));
  }
}

/** AWS's labels outrank the reporter's. */
function fieldPriority(f: RawField): number {
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
    if (f.key === "abuseTime" && !out.time && /^\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:\(?(?:UTC|GMT|Z|[+-]\d{2}:?\d{2})\)?)?$/i.test(f.value.trim())) out.time = { field: f, value: f.value.trim() };
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

function applyField(key: FieldKey, f: RawField, value: string, src: Source, g: GroupCtx, ctx: Ctx, env: { lastRegion: string | undefined; form: FormTime }): void {
  const { b } = ctx;
  const reporter = f.zone === "reporter";
  // AWS's labels, then AWS's tables, then anything the reporter wrote (a reporter's log table included)
  const pri = reporter ? P.reporterLabel : f.fromTable ? P.table : P.label;
  const region = g.region ?? (f.fromTable ? env.lastRegion : undefined);
  const ref = refMaker(src, g.account, region, g.iamUser);
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
        if (t.yearInferred) b.warn(`"${value.slice(0, 60)}" has no year; took ${new Date(t.ms).getUTCFullYear()} from ${ctx.input.reference ? "the message date" : "a dated time in the notice"}`);
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
