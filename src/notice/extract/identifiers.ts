/**
 * Resource identifiers: in a labelled value (`EC2 Instance Id: i-... [203.0.113.7]`), in an ARN,
 * in an EC2 public DNS name, and anywhere in the text for the shapes that cannot be mistaken
 * (instance, interface and NAT gateway ids, access keys, ARNs). Accounts written in a value or a
 * sentence are checked here too: valid, masked (a redaction) or malformed (a warning).
 */
import type { ResourceRef, ResourceType, Source } from "../types.ts";
import type { FieldKey } from "./fields.ts";
import {
  ACCESS_KEY, ACCESS_KEY_LIKE, ACCOUNT_ID, ARN, EC2_DNS, EIP_ALLOC, ENI_ID, INSTANCE_ID, NAT_ID,
  findIPs, isAccessKeyId, isInstanceId, normalizeAccountId, parseArn,
} from "./ids.ts";
import { isRedactedId, isRedactedText } from "./redaction.ts";
import { findRegions, regionCode } from "./regions.ts";
import { URL_RE } from "./urls.ts";
import type { Ctx } from "./context.ts";

export type RefMaker = (type: ResourceType, id: string, extra?: Partial<ResourceRef>) => ResourceRef;

/** Resources named on one line share its account and region. */
export function refMaker(source: Source, accountId: string | undefined, region: string | undefined, iamUser?: string): RefMaker {
  return (type, id, extra) => {
    const r: ResourceRef = { type, id, source, ...extra };
    if (accountId && !r.accountId) r.accountId = accountId;
    if (region && !r.region) r.region = region;
    if (iamUser && type === "access-key" && !r.iamUser) r.iamUser = iamUser;
    return r;
  };
}

export function listOfKey(key: FieldKey): string {
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

export function firstAccount(value: string): string | null {
  for (const m of value.matchAll(ACCOUNT_ID)) {
    const id = normalizeAccountId(m[0]);
    if (id) return id;
  }
  return null;
}

/** An account id written in a sentence or a field: valid, or masked (kept as a redaction). */
export function addAccount(ctx: Ctx, raw: string, src: Source): void {
  const v = raw.replace(/^[(["']+|[)\]"'.,;:]+$/g, "");
  const id = normalizeAccountId(v);
  if (id) ctx.b.add("accountIds", id, src);
  else if (isRedactedId(v) || isRedactedText(v)) ctx.b.redact("accountIds", v, src);
  else if (/^\d{6,16}$/.test(v)) ctx.b.warn(`"${v}" is written as an account id but is not 12 digits; not reported`);
}

/** Every resource identifier in a value; returns whether any was found. */
export function resourcesIn(value: string, key: FieldKey, ref: RefMaker, ctx: Ctx, src: Source): boolean {
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
  // an Elastic IP is written as its address, its allocation id, or both ("198.51.100.4 (eipalloc-...)")
  if (key === "eip") for (const { ip } of findIPs(value)) { found = true; b.resource(ref("elastic-ip", ip)); }
  if (found) return true;
  const v = value.trim().replace(/^["']|["']$/g, "");
  if (isRedactedId(v) || isRedactedText(v)) return false;
  switch (key) {
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
      if (isInstanceId(m[1]!)) r("ec2-instance", m[1]!);
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
export function readEc2Dns(text: string, ctx: Ctx, src: Source): boolean {
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

export function scanIdentifiers(ctx: Ctx): void {
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
  if (text.includes("i-")) for (const m of text.matchAll(/(?<![\w-])i-[0-9a-f]{0,16}[x-z*■#]{2,}[0-9a-fx-z*■#]{0,16}(?![\w-])/gi)) if (!isInstanceId(m[0])) b.redact("instanceIds", m[0], ctx.srcAt(m.index));
}
