/**
 * The things a notice asks us to find, deduplicated: the flat lists (instanceIds, publicIps,
 * accessKeyIds, networkInterfaceIds) and the typed resources, with the account, region and IP
 * the notice wrote beside each.
 */
import type { Notice, ResourceType } from "../notice/types.ts";

type RefType = "ec2-instance" | "public-ip" | "elastic-ip" | "network-interface" | "nat-gateway" | "load-balancer" | "access-key" | "iam-user" | "s3-bucket" | "cloudfront-distribution" | "unsupported";

export interface Ref {
  type: RefType;
  /** The type as the notice gave it (for unsupported ones: lightsail-instance, ses-identity...). */
  noticeType: ResourceType;
  id: string;
  accountId?: string;
  region?: string;
  publicIp?: string;
}

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

function classify(type: ResourceType, id: string): RefType {
  switch (type) {
    case "ec2-instance":
      return /^i-[0-9a-f]{8,17}$/.test(id) ? "ec2-instance" : "unsupported";
    case "public-ip":
      return "public-ip";
    case "elastic-ip":
      return IPV4.test(id) ? "public-ip" : "elastic-ip";
    case "network-interface":
    case "nat-gateway":
    case "load-balancer":
    case "access-key":
    case "iam-user":
    case "s3-bucket":
    case "cloudfront-distribution":
      return type;
    default:
      return "unsupported";
  }
}

export function collectRefs(notice: Notice): Ref[] {
  const refs = new Map<string, Ref>();
  const add = (r: Ref) => {
    const key = `${r.type === "elastic-ip" ? "public-ip" : r.type}|${r.id}`;
    const prev = refs.get(key);
    if (!prev) refs.set(key, r);
    else {
      // Keep the most specific account/region/IP the notice gave anywhere.
      prev.accountId ??= r.accountId;
      prev.region ??= r.region;
      prev.publicIp ??= r.publicIp;
    }
  };
  const regionOf = (r?: string) => (r && r !== "global" ? r : undefined);
  for (const res of notice.resources) {
    const type = classify(res.type, res.id);
    const ref: Ref = { type, noticeType: res.type, id: res.id };
    if (res.accountId) ref.accountId = res.accountId;
    const region = regionOf(res.region);
    if (region) ref.region = region;
    if (res.publicIp) ref.publicIp = res.publicIp;
    add(ref);
  }
  for (const id of notice.instanceIds) add({ type: "ec2-instance", noticeType: "ec2-instance", id });
  for (const ip of notice.publicIps) add({ type: "public-ip", noticeType: "public-ip", id: ip });
  for (const id of notice.networkInterfaceIds) add({ type: "network-interface", noticeType: "network-interface", id });
  for (const id of notice.accessKeyIds) add({ type: "access-key", noticeType: "access-key", id });
  // The IP written beside an instance is a public IP to check too (did it stay with the instance?).
  for (const r of [...refs.values()]) if (r.type === "ec2-instance" && r.publicIp) add({ type: "public-ip", noticeType: "public-ip", id: r.publicIp, ...(r.accountId ? { accountId: r.accountId } : {}), ...(r.region ? { region: r.region } : {}) });
  return [...refs.values()];
}
