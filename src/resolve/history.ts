/**
 * Who held a public IP, and when, read from CloudTrail: AllocateAddress ties an address to its
 * allocation, AssociateAddress / DisassociateAddress open and close a holding, ReleaseAddress
 * ends the allocation, TerminateInstances ends a holding without a DisassociateAddress of its own.
 * An address AWS assigned automatically (not an Elastic IP) leaves no trace there: that is said
 * plainly, not guessed.
 */
import type { TrailEvent } from "../cloud/model.ts";
import type { IpHistory } from "./types.ts";

/** The events that move an address: read for a whole region (they are few). */
export const ADDRESS_EVENTS = ["AllocateAddress", "AssociateAddress", "DisassociateAddress", "ReleaseAddress"];
/** The events that start and end an instance's holding: read per holder (ResourceName), never for a whole region. */
export const INSTANCE_EVENTS = ["RunInstances", "TerminateInstances"];

type Holder = IpHistory["holders"][number] & { region: string; accountId: string; endedBy?: "disassociated" | "reassociated" | "released" | "terminated" | "replaced" };

export interface IpTimeline {
  ip: string;
  allocationIds: string[];
  holders: Holder[];
  /** When, and by whom, the instances that held it were launched (RunInstances), when CloudTrail still has it. */
  launches: Map<string, { at: string; by?: string }>;
  released?: { at: string; allocationId?: string; region: string; accountId: string };
  allocated?: { at: string; allocationId: string; region: string; accountId: string };
  eventIds: string[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

function instanceIdsOf(e: TrailEvent, part: "requestParameters" | "responseElements"): string[] {
  const items = obj(obj(obj(e.detail[part]).instancesSet)).items;
  const ids = Array.isArray(items) ? items.map((i) => str(obj(i).instanceId)).filter((x): x is string => !!x) : [];
  for (const r of e.resources) if (r.name && /^i-[0-9a-f]+$/.test(r.name) && !ids.includes(r.name)) ids.push(r.name);
  return ids;
}

/** ISO 8601 to the second, as CloudTrail writes times. */
export function t(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19) + "Z";
}

/**
 * Builds the holdings of `ip` from address events of one or more account/regions (any order).
 * `knownAllocations`: allocation ids the account says hold this address now.
 */
export function ipTimeline(ip: string, events: (TrailEvent & { accountId: string })[], knownAllocations: string[] = []): IpTimeline {
  const ok = events.filter((e) => !e.detail.errorCode && !str(obj(e.detail).errorCode));
  const sorted = [...ok].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime) || (a.eventId < b.eventId ? -1 : 1));
  const allocs = new Set(knownAllocations);
  for (const e of sorted) {
    if (e.eventName !== "AllocateAddress") continue;
    const resp = obj(e.detail.responseElements);
    if (str(resp.publicIp) === ip && str(resp.allocationId)) allocs.add(str(resp.allocationId)!);
  }
  const timeline: IpTimeline = { ip, allocationIds: [...allocs], holders: [], launches: new Map(), eventIds: [] };
  const launched = new Map<string, { at: string; by?: string; eventId: string }>();
  let open: (Holder & { associationId?: string }) | undefined;
  const used = new Set<string>();
  const close = (at: string, e: TrailEvent, endedBy: Holder["endedBy"]) => {
    if (!open) return;
    open.to = t(at);
    open.endedBy = endedBy;
    used.add(e.eventId);
    open = undefined;
  };
  for (const e of sorted) {
    const req = obj(e.detail.requestParameters);
    const resp = obj(e.detail.responseElements);
    const ours = (alloc: string | undefined, pub: string | undefined) => (alloc !== undefined && allocs.has(alloc)) || pub === ip;
    switch (e.eventName) {
      case "AllocateAddress":
        if (ours(str(resp.allocationId), str(resp.publicIp))) {
          timeline.allocated = { at: t(e.eventTime), allocationId: str(resp.allocationId) ?? "", region: e.awsRegion, accountId: e.accountId };
          used.add(e.eventId);
        }
        break;
      case "AssociateAddress": {
        const instanceId = str(req.instanceId);
        const eniId = str(req.networkInterfaceId);
        if (ours(str(req.allocationId), str(req.publicIp))) {
          close(e.eventTime, e, "reassociated");
          const holder: Holder & { associationId?: string } = {
            resourceId: instanceId ?? eniId ?? "unknown",
            kind: instanceId ? "instance" : eniId ? "network-interface" : "other",
            from: t(e.eventTime),
            to: null,
            region: e.awsRegion,
            accountId: e.accountId,
          };
          const alloc = str(req.allocationId);
          if (alloc) holder.allocationId = alloc;
          const assoc = str(resp.associationId);
          if (assoc) holder.associationId = assoc;
          open = holder;
          timeline.holders.push(holder);
          used.add(e.eventId);
        } else if (open && instanceId && open.resourceId === instanceId && !str(req.privateIpAddress)) {
          // Another address on the same instance's primary IP replaces ours.
          close(e.eventTime, e, "replaced");
        }
        break;
      }
      case "DisassociateAddress": {
        const assoc = str(req.associationId);
        if (open && ((assoc !== undefined && assoc === open.associationId) || str(req.publicIp) === ip)) close(e.eventTime, e, "disassociated");
        break;
      }
      case "ReleaseAddress":
        if (ours(str(req.allocationId), str(req.publicIp))) {
          close(e.eventTime, e, "released");
          timeline.released = { at: t(e.eventTime), region: e.awsRegion, accountId: e.accountId, ...(str(req.allocationId) ? { allocationId: str(req.allocationId)! } : {}) };
          used.add(e.eventId);
        }
        break;
      case "RunInstances":
        // A launch record carries no auto-assigned public IP (it is assigned after "pending"); it says who launched a holder, and when.
        for (const id of instanceIdsOf(e, "responseElements")) launched.set(id, { at: t(e.eventTime), ...(e.username ? { by: e.username } : {}), eventId: e.eventId });
        break;
      case "TerminateInstances":
        if (open && instanceIdsOf(e, "requestParameters").includes(open.resourceId)) close(e.eventTime, e, "terminated");
        break;
    }
  }
  for (const h of timeline.holders) {
    delete (h as { associationId?: string }).associationId;
    const l = h.kind === "instance" ? launched.get(h.resourceId) : undefined;
    if (l) {
      timeline.launches.set(h.resourceId, { at: l.at, ...(l.by ? { by: l.by } : {}) });
      used.add(l.eventId);
    }
  }
  timeline.eventIds = sorted.filter((e) => used.has(e.eventId)).map((e) => e.eventId).reverse();
  return timeline;
}

/** The holdings that overlap the activity window (all of them when the window is unknown). */
export function holdersDuring(tl: IpTimeline, window: { begin: string | null; end: string | null }): Holder[] {
  const begin = window.begin ? Date.parse(window.begin) : -Infinity;
  const end = window.end ? Date.parse(window.end) : window.begin ? Date.parse(window.begin) : Infinity;
  return tl.holders.filter((h) => (h.from === null || Date.parse(h.from) <= end) && (h.to === null || Date.parse(h.to) >= begin));
}

const ENDED: Record<NonNullable<Holder["endedBy"]>, string> = {
  disassociated: "",
  reassociated: " (then moved to another resource)",
  released: " (released)",
  terminated: " (the instance was terminated)",
  replaced: " (replaced by another address)",
};

/** Plain words: "released at T; held by i-… from T1 to T2". */
export function describeTimeline(tl: IpTimeline, window: { begin: string | null; end: string | null }): string {
  const parts: string[] = [];
  if (tl.released) parts.push(`released at ${tl.released.at}`);
  const during = holdersDuring(tl, window);
  const shown = during.length > 0 ? during : tl.holders;
  for (const h of shown) {
    const span = h.to ? `from ${h.from ?? "before CloudTrail's 90 days"} to ${h.to}${ENDED[h.endedBy ?? "disassociated"]}` : `since ${h.from ?? "before CloudTrail's 90 days"}`;
    parts.push(`${h.to ? "held" : "held now"} by ${h.resourceId} ${span}`);
  }
  if (shown.length === 0 && !tl.released) parts.push(tl.allocated ? `allocated at ${tl.allocated.at}, never associated since` : "no association recorded");
  return parts.join("; ");
}
