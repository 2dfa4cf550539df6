/**
 * Builds a Notice value by value, keeping where each came from. Every extractor reports here; this
 * is the one place that de-duplicates, keeps list order, merges what several lines say about one
 * resource, and keeps redacted values out of the identifier lists.
 */
import { isIP } from "./ids.ts";
import type { ActivityType, Deadline, Field, InputFormat, Mitigation, Notice, NoticeKind, RemotePorts, ResourceRef, ResourceType, Source } from "../types.ts";

export type ListField = "accountIds" | "regions" | "instanceIds" | "publicIps" | "accessKeyIds" | "networkInterfaceIds" | "remoteIps" | "destinationUrls";

interface Candidate<T> {
  value: T;
  priority: number;
  source: Source;
}

/** Lower is stronger. */
export const P = { event: 0, label: 1, table: 2, sentence: 3, subject: 4, reporterLabel: 5, family: 6, reporterText: 7, weak: 8 } as const;

const RESOURCE_LIST: Partial<Record<ResourceType, ListField>> = {
  "ec2-instance": "instanceIds",
  "network-interface": "networkInterfaceIds",
  "access-key": "accessKeyIds",
  "public-ip": "publicIps",
  "elastic-ip": "publicIps",
};

export class NoticeBuilder {
  private lists: Record<ListField, string[]> = {
    accountIds: [], regions: [], instanceIds: [], publicIps: [], accessKeyIds: [], networkInterfaceIds: [], remoteIps: [], destinationUrls: [],
  };
  private seen = new Map<string, Set<string>>();
  readonly provenance: Record<string, Source[]> = {};
  private resources = new Map<string, ResourceRef>();
  private ports: number[] = [];
  private portCount: Candidate<number> | null = null;
  private scalars = new Map<string, Candidate<unknown>[]>();
  readonly mitigations: Mitigation[] = [];
  readonly fields: Field[] = [];
  readonly redactions: Notice["redactions"] = [];
  readonly warnings: string[] = [];
  readonly reporterFields: Record<string, string> = {};
  logExtract: string | null = null;

  add(field: ListField, value: string, source: Source): boolean {
    let set = this.seen.get(field);
    if (!set) this.seen.set(field, (set = new Set()));
    const k = field === "destinationUrls" ? value.replace(/\/$/, "") : value.toLowerCase();
    if (set.has(k)) return false;
    set.add(k);
    this.lists[field].push(value);
    (this.provenance[field] ??= []).push(source);
    return true;
  }

  list(field: ListField): readonly string[] {
    return this.lists[field];
  }

  redact(field: string, text: string, source: Source): void {
    const t = text.trim().slice(0, 200);
    if (!t || this.redactions.some((r) => r.field === field && r.text === t)) return;
    this.redactions.push({ field, text: t, source });
  }

  /** Adds or enriches a resource; its id also goes to the matching flat list. */
  resource(ref: ResourceRef): void {
    const k = `${ref.type}:${ref.id.toLowerCase()}`;
    const prev = this.resources.get(k);
    if (prev) {
      // what another line says about the same resource fills what this one lacked
      if (prev.accountId === undefined && ref.accountId !== undefined) prev.accountId = ref.accountId;
      if (prev.region === undefined && ref.region !== undefined) prev.region = ref.region;
      if (prev.publicIp === undefined && ref.publicIp !== undefined) prev.publicIp = ref.publicIp;
      if (prev.iamUser === undefined && ref.iamUser !== undefined) prev.iamUser = ref.iamUser;
      if (prev.arn === undefined && ref.arn !== undefined) prev.arn = ref.arn;
    } else {
      const clean: ResourceRef = { type: ref.type, id: ref.id, source: ref.source };
      if (ref.accountId !== undefined) clean.accountId = ref.accountId;
      if (ref.region !== undefined) clean.region = ref.region;
      if (ref.publicIp !== undefined) clean.publicIp = ref.publicIp;
      if (ref.iamUser !== undefined) clean.iamUser = ref.iamUser;
      if (ref.arn !== undefined) clean.arn = ref.arn;
      this.resources.set(k, clean);
    }
    // the IAM user a key belongs to is a resource of its own (the one to disable, or to check for others' keys)
    if (ref.type === "access-key" && ref.iamUser) this.resource({ type: "iam-user", id: ref.iamUser, source: ref.source, ...(ref.accountId ? { accountId: ref.accountId } : {}) });
    const list = RESOURCE_LIST[ref.type];
    // an Elastic IP named by its allocation id (eipalloc-...) is a resource, not an address
    if (list && (ref.type !== "elastic-ip" || isIP(ref.id))) this.add(list, ref.id, ref.source);
    if (ref.publicIp) this.add("publicIps", ref.publicIp, ref.source);
    if (ref.accountId) this.add("accountIds", ref.accountId, ref.source);
    if (ref.region) this.add("regions", ref.region, ref.source);
  }

  hasResource(type: ResourceType, id: string): boolean {
    return this.resources.has(`${type}:${id.toLowerCase()}`);
  }

  allResources(): ResourceRef[] {
    return [...this.resources.values()];
  }

  addPort(port: number, source: Source): void {
    if (this.ports.includes(port)) return;
    this.ports.push(port);
    (this.provenance.remotePorts ??= []).push(source);
  }

  setPortCount(n: number, priority: number, source: Source): void {
    if (!this.portCount || priority < this.portCount.priority) this.portCount = { value: n, priority, source };
  }

  /** Offers a value for a one-valued field; the strongest (lowest priority) offer wins, then the first. */
  offer<T>(name: string, value: T, priority: number, source: Source): void {
    let list = this.scalars.get(name);
    if (!list) this.scalars.set(name, (list = []));
    list.push({ value, priority, source });
  }

  best<T>(name: string): Candidate<T> | null {
    const list = this.scalars.get(name) as Candidate<T>[] | undefined;
    if (!list || list.length === 0) return null;
    let best = list[0]!;
    for (const c of list) if (c.priority < best.priority) best = c;
    return best;
  }

  offers<T>(name: string): Candidate<T>[] {
    return (this.scalars.get(name) as Candidate<T>[] | undefined) ?? [];
  }

  /** Among the strongest offers of a time, the earliest (or latest) one; ISO strings in UTC compare as text. */
  private extreme(name: string, better: (a: string, b: string) => boolean): string | null {
    const list = this.scalars.get(name) as Candidate<string>[] | undefined;
    if (!list || list.length === 0) return null;
    const top = Math.min(...list.map((c) => c.priority));
    let best: Candidate<string> | null = null;
    for (const c of list) if (c.priority === top && (!best || better(normIso(c.value), normIso(best.value)))) best = c;
    this.provenance[name] = [best!.source];
    return best!.value;
  }

  field(f: Field): void {
    if (this.fields.length < 2000) this.fields.push(f);
  }

  warn(message: string): void {
    if (!this.warnings.includes(message) && this.warnings.length < 50) this.warnings.push(message);
  }

  build(base: {
    format: InputFormat;
    kind: NoticeKind;
    activityType: ActivityType;
    activityText: string | null;
    subject: string | null;
    from: string | null;
    messageId: string | null;
    receivedAt: string | null;
    deadline: Deadline;
    health: Notice["health"];
  }): Notice {
    const pick = <T>(name: string): T | null => {
      const b = this.best<T>(name);
      if (b) (this.provenance[name] ??= []).splice(0, Infinity, b.source);
      return b ? b.value : null;
    };
    const caseNumber = pick<string>("caseNumber");
    const protocol = pick<string>("protocol");
    // several activity blocks (one per instance): the window spans them all
    const begin = this.extreme("begin", (a, b) => a < b);
    const end = this.extreme("end", (a, b) => a > b);
    let remotePorts: RemotePorts = this.ports;
    // AWS's "multiple ports (N ports in total)" is the whole; ports a table or a log names beside it are a sample
    if (this.portCount && (this.ports.length === 0 || this.portCount.priority <= P.label)) {
      remotePorts = { count: this.portCount.value };
      this.provenance.remotePorts = [this.portCount.source];
    }
    return {
      activityType: base.activityType,
      kind: base.kind,
      caseNumber,
      accountIds: this.lists.accountIds,
      regions: this.lists.regions,
      instanceIds: this.lists.instanceIds,
      publicIps: this.lists.publicIps,
      accessKeyIds: this.lists.accessKeyIds,
      networkInterfaceIds: this.lists.networkInterfaceIds,
      remoteIps: this.lists.remoteIps,
      remotePorts,
      protocol,
      destinationUrls: this.lists.destinationUrls,
      window: { begin, end },
      deadline: base.deadline,
      resources: this.allResources(),
      fields: this.fields,
      format: base.format,
      activityText: base.activityText,
      subject: base.subject,
      from: base.from,
      messageId: base.messageId,
      receivedAt: base.receivedAt,
      mitigations: this.mitigations,
      logExtract: this.logExtract,
      reporterFields: this.reporterFields,
      provenance: this.provenance,
      redactions: this.redactions,
      health: base.health,
      warnings: this.warnings,
    };
  }
}

/** `2024-01-01T00:00:00Z` and `2024-01-01T00:00:00.500Z` compare correctly as text once both carry milliseconds. */
function normIso(s: string): string {
  return s.length === 20 ? s.slice(0, 19) + ".000Z" : s;
}
