/**
 * What the investigation looks at, built from the case as the store keeps it: the acting notice's
 * facts (window, remote addresses and ports, activity), the resources the last resolution found
 * (resolved again through the port when the case has none recorded), the principals (access keys
 * the notice named and their users), and when containment was applied (the first applied step of
 * the case's plans, from the journal).
 */
import type { Case, CaseStore, StoredNotice } from "../case/types.ts";
import type { CloudReader } from "../cloud/port.ts";
import { UserError } from "../errors.ts";
import type { Notice } from "../notice/types.ts";
import type { Resolved } from "../resolve/types.ts";
import type { Subject, SubjectPrincipal, SubjectResource } from "./types.ts";

/** With no start in the notice, the window reaches this far back from its end (the notice's receipt, else now). */
export const DEFAULT_LOOKBACK_MS = 24 * 3600_000;

export interface SubjectOptions {
  marginMinutes: number;
  now: Date;
  /** Resolves the notice again when the case has no recorded resolution (the CLI and the service pass their port). */
  port?: CloudReader | null;
  actor?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The notice's window widened by the margin; a missing start is the day before the end, a missing end is now. */
export function subjectWindow(notice: Pick<Notice, "window" | "receivedAt">, marginMinutes: number, now: Date): Subject["window"] {
  const margin = Math.max(0, marginMinutes) * 60_000;
  const nowMs = now.getTime();
  const parsed = (t: string | null | undefined) => (t && !Number.isNaN(Date.parse(t)) ? Date.parse(t) : null);
  const end = parsed(notice.window.end);
  const begin = parsed(notice.window.begin);
  const endMs = end === null ? nowMs : Math.min(nowMs, end + margin);
  const anchor = end ?? parsed(notice.receivedAt) ?? nowMs;
  let startMs = begin === null ? anchor - DEFAULT_LOOKBACK_MS - margin : begin - margin;
  if (startMs > endMs) startMs = endMs;
  return { start: iso(startMs), end: iso(endMs) };
}

const uniq = <T>(xs: Iterable<T>) => [...new Set(xs)];

/** A resolved resource as the readers see it (its addresses, ENIs, platform), or null for what has no network or host to read. */
export function subjectResource(r: Resolved): SubjectResource | null {
  const scope = { accountId: r.accountId, region: r.region };
  switch (r.type) {
    case "ec2-instance": {
      const i = r.instance;
      const enis = r.interfaces;
      return {
        scope,
        kind: "instance",
        id: r.id,
        publicIps: uniq([...(i.publicIpAddress ? [i.publicIpAddress] : []), ...r.publicIps, ...enis.flatMap((e) => e.associations.map((a) => a.publicIp))]),
        privateIps: uniq([...(i.privateIpAddress ? [i.privateIpAddress] : []), ...enis.flatMap((e) => e.privateIpAddresses)]),
        networkInterfaceIds: uniq([...i.networkInterfaceIds, ...enis.map((e) => e.networkInterfaceId)]),
        // EC2 sets Platform only for Windows.
        platform: (i.platform ?? "").toLowerCase() === "windows" ? "windows" : "linux",
      };
    }
    case "network-interface": {
      const e = r.networkInterface;
      return { scope, kind: "network-interface", id: r.id, publicIps: uniq(e.associations.map((a) => a.publicIp)), privateIps: uniq(e.privateIpAddresses), networkInterfaceIds: [e.networkInterfaceId] };
    }
    case "elastic-ip": {
      const a = r.address;
      return {
        scope,
        kind: "elastic-ip",
        id: r.id,
        publicIps: [a.publicIp],
        privateIps: a.privateIpAddress ? [a.privateIpAddress] : [],
        networkInterfaceIds: a.networkInterfaceId ? [a.networkInterfaceId] : [],
      };
    }
    case "nat-gateway": {
      const n = r.natGateway;
      return {
        scope,
        kind: "nat-gateway",
        id: r.id,
        publicIps: uniq(n.addresses.flatMap((a) => (a.publicIp ? [a.publicIp] : []))),
        privateIps: uniq(n.addresses.map((a) => a.privateIp)),
        networkInterfaceIds: uniq(n.addresses.map((a) => a.networkInterfaceId)),
      };
    }
    case "load-balancer":
      return { scope, kind: "load-balancer", id: r.id, publicIps: [], privateIps: [], networkInterfaceIds: [] };
    case "s3-bucket":
    case "cloudfront-distribution":
      return { scope, kind: "other", id: r.id, publicIps: [], privateIps: [], networkInterfaceIds: [] };
    case "access-key":
      return null;
  }
}

function principalsOf(notice: Notice, resolved: Resolved[], fallbackAccount: string | null): SubjectPrincipal[] {
  const out = new Map<string, SubjectPrincipal>();
  const add = (p: SubjectPrincipal) => out.set(`${p.accountId}/${p.kind}/${p.id}`, p);
  for (const r of resolved) {
    if (r.type !== "access-key") continue;
    add({ accountId: r.accountId, kind: "access-key", id: r.accessKey.accessKeyId });
    add({ accountId: r.accountId, kind: "user", id: r.user?.userName ?? r.accessKey.userName });
  }
  const found = new Set([...out.values()].filter((p) => p.kind === "access-key").map((p) => p.id));
  // A key the notice names that the account did not answer for is still a principal to look for.
  const account = notice.accountIds[0] ?? fallbackAccount;
  if (account) for (const k of notice.accessKeyIds) if (!found.has(k)) add({ accountId: account, kind: "access-key", id: k });
  return [...out.values()];
}

/** The resources resolution found, as the case's timeline last recorded them. */
export async function recordedResources(store: CaseStore, caseId: string): Promise<Resolved[] | null> {
  const last = (await store.timeline(caseId)).filter((e) => e.type === "resources-found").at(-1);
  if (!last) return null;
  const findings = (last.data.findings ?? []) as { status?: string; resources?: Resolved[] }[];
  return findings.filter((f) => f.status === "found" || f.status === "moved").flatMap((f) => f.resources ?? []);
}

/** When containment began: the first step of the case's plans the journal says was applied (done, or already in place). */
export async function containedAt(store: CaseStore, caseId: string): Promise<string | null> {
  let first: string | null = null;
  for (const plan of await store.plansForCase(caseId)) {
    for (const e of await store.entries(plan.id)) {
      if (e.stepId && (e.phase === "done" || e.phase === "skipped") && (first === null || e.at < first)) first = e.at;
    }
  }
  return first;
}

export async function buildSubject(store: CaseStore, c: Case, opts: SubjectOptions): Promise<{ subject: Subject; notice: StoredNotice; resolvedNow: boolean }> {
  const { actingNotice } = await import("../case/rules.ts");
  const chosen = actingNotice(await store.notices(c.id));
  if (!chosen) throw new UserError(`case ${c.id} has no notice to investigate`, { exitCode: 66 });
  const n = chosen.notice;
  let resolved = await recordedResources(store, c.id);
  let resolvedNow = false;
  if (resolved === null && opts.port && n.resources.length) {
    // The case's search, recorded as every command records it (a credential case's kept sweep's gaps with it).
    const { resolveCase } = await import("../desk/index.ts");
    const { resolution } = await resolveCase(store, c, n, { port: opts.port, now: opts.now, sweep: "stored", ...(opts.actor ? { actor: opts.actor } : {}) });
    resolved = resolution.findings.filter((f) => f.status === "found" || f.status === "moved").flatMap((f) => f.resources);
    resolvedNow = true;
  }
  const resources = new Map<string, SubjectResource>();
  for (const r of resolved ?? []) {
    const s = subjectResource(r);
    if (s) resources.set(`${s.scope.accountId}/${s.scope.region}/${s.kind}/${s.id}`, s);
  }
  const subject: Subject = {
    caseId: c.id,
    activityType: c.activityType,
    window: subjectWindow(n, opts.marginMinutes, opts.now),
    noticeWindow: { begin: n.window.begin, end: n.window.end },
    remoteIps: uniq(n.remoteIps),
    remotePorts: Array.isArray(n.remotePorts) ? uniq(n.remotePorts) : [],
    resources: [...resources.values()],
    principals: principalsOf(n, resolved ?? [], c.accountId),
    containedAt: await containedAt(store, c.id),
  };
  return { subject, notice: chosen, resolvedNow };
}
