/**
 * The credential sweep: who holds an exposed credential, and everything it (and every principal it
 * created) did and made, in every region of every account this port reaches, from the exposure to
 * now. CloudTrail is read through the investigation's one search (src/investigate/trail.ts,
 * searchTrail): one query per principal per region, all regions at once. What a region could not
 * tell is said as not searched, never as "nothing there".
 *
 * The chain: the exposed key's events name what it created (CreateUser, CreateAccessKey, AssumeRole
 * credentials, CreateLoginProfile...); each new key and user is swept in turn (bounded rounds).
 * The inventory lists what was created or changed with the event that did it and its state now;
 * instances launched in the window in every region are listed even where CloudTrail is silent.
 */
import { CloudError } from "../cloud/errors.ts";
import type { Scope, TrailEvent } from "../cloud/model.ts";
import type { CloudReader } from "../cloud/port.ts";
import type { IamUserDetail } from "../cloud/port-iam.ts";
import { searchTrail } from "../investigate/trail.ts";
import type { NotSearched } from "../investigate/types.ts";
import { hourlyPrice, isGpuBundle, isGpuType, lightsailHourlyPrice, PRICES_AS_OF } from "./prices.ts";

/** IAM, STS and the other global services log to us-east-1: IAM things are placed in region "global". */
export const GLOBAL = "global";
const IAM_LOG_REGION = "us-east-1";

/** The events the sweep keeps (the issue's list; Lambda's CreateFunction carries a version suffix). */
export const SWEEP_EVENTS: Record<string, SweepCategory> = {
  RunInstances: "compute",
  RequestSpotInstances: "compute",
  RequestSpotFleet: "compute",
  CreateFleet: "compute",
  CreateInstances: "compute", // Lightsail
  CreateUser: "persistence",
  CreateAccessKey: "persistence",
  CreateLoginProfile: "persistence",
  UpdateLoginProfile: "persistence",
  AttachUserPolicy: "privilege",
  PutUserPolicy: "privilege",
  AttachRolePolicy: "privilege",
  PutRolePolicy: "privilege",
  AttachGroupPolicy: "privilege",
  PutGroupPolicy: "privilege",
  CreateRole: "persistence",
  CreateGroup: "persistence",
  UpdateAssumeRolePolicy: "persistence",
  AssumeRole: "identity",
  ConsoleLogin: "identity",
  CreateKeyPair: "persistence",
  ImportKeyPair: "persistence",
  AuthorizeSecurityGroupIngress: "network",
  CreateFunction: "compute",
  CreateEmailIdentity: "email",
  VerifyEmailIdentity: "email",
  VerifyDomainIdentity: "email",
  PutAccountSendingAttributes: "email",
  UpdateAccountSendingEnabled: "email",
  PutAccountDetails: "email",
  StopLogging: "defence-evasion",
  DeleteTrail: "defence-evasion",
  DeleteDetector: "defence-evasion",
  DisableRegion: "defence-evasion",
  LeaveOrganization: "defence-evasion",
  PutBucketPolicy: "exfiltration",
  PutBucketAcl: "exfiltration",
  GetSecretValue: "exfiltration",
  ListBuckets: "reconnaissance",
};
export type SweepCategory = "compute" | "persistence" | "privilege" | "identity" | "network" | "email" | "defence-evasion" | "exfiltration" | "reconnaissance";

export function categoryOf(eventName: string): SweepCategory | null {
  if (/^CreateFunction/.test(eventName)) return "compute";
  return Object.hasOwn(SWEEP_EVENTS, eventName) ? SWEEP_EVENTS[eventName]! : null;
}

export interface SweepRequest {
  /** The exposed keys (AKIA long-term, ASIA temporary). */
  accessKeyIds: string[];
  /** ISO 8601: from the exposure (or the notice's window, or a chosen start) ... */
  start: string;
  /** ... to now. */
  end: string;
  /** Only these accounts (default: every account the port reaches). */
  accountIds?: string[];
  /** Rounds of "principals created by principals" followed (default 4). */
  maxRounds?: number;
}

export interface Holder {
  accessKeyId: string;
  /** The owning account (STS GetAccessKeyInfo), null when it could not be told. */
  accountId: string | null;
  kind: "user" | "root" | "role-session" | "unknown";
  userName?: string;
  roleName?: string;
  roleArn?: string;
  sessionName?: string;
  /** The user and everything it holds (keys, console password, policies). */
  user?: IamUserDetail;
  /** AWS's quarantine policies found on the user (AWSCompromisedKeyQuarantine, any version): reported, never removed. */
  quarantinePolicies: string[];
  /** A temporary key: the AssumeRole event that issued it (who assumed the role, when, where). */
  issuedBy?: { eventId: string; eventTime: string; accountId: string; region: string; by: string };
}

export interface Principal {
  kind: "access-key" | "user";
  id: string;
  accountId: string | null;
  /** Why it is swept: "exposed", or the event that created it. */
  origin: "exposed" | { eventId: string; eventName: string; by: string };
}

export interface SweepEvent {
  accountId: string;
  region: string;
  eventId: string;
  eventName: string;
  eventTime: string;
  category: SweepCategory;
  /** The principal of ours it was swept under (key id or user name). */
  principal: string;
  username?: string;
  accessKeyId?: string;
  sourceIpAddress?: string;
  errorCode?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
}

export type InventoryKind =
  | "instance"
  | "spot-request"
  | "spot-fleet"
  | "fleet"
  | "lightsail-instance"
  | "lambda-function"
  | "iam-user"
  | "access-key"
  | "login-profile"
  | "policy"
  | "role"
  | "trust-policy"
  | "key-pair"
  | "security-group-ingress"
  | "ses"
  | "trail-stopped"
  | "detector-deleted"
  | "region-disabled"
  | "left-organization"
  | "bucket-policy"
  | "secret-read"
  | "bucket-list";

export interface InventoryItem {
  kind: InventoryKind;
  scope: Scope;
  id: string;
  /** The event that created or changed it; null for an instance launched in the window with no event of a swept principal. */
  event: { eventId: string; eventName: string; eventTime: string; by: string } | null;
  /** Its state now, as read ("running", "Active", "cancelled", "sending enabled", "not read: ..."). */
  state: string;
  instanceType?: string;
  gpu?: boolean;
  cost?: CostEstimate;
  /** What the plan needs (volumes, the trust policies, the rule...). */
  details?: Record<string, unknown>;
}

export interface CostEstimate {
  usdPerHour: number;
  hours: number;
  usd: number;
  basis: "listed" | "from the family";
}

export interface SweepResult {
  window: { start: string; end: string };
  holders: Holder[];
  principals: Principal[];
  events: SweepEvent[];
  inventory: InventoryItem[];
  cost: { usdSoFar: number; usdPerHourNow: number; pricesAsOf: string; note: string };
  searched: Scope[];
  notSearched: NotSearched[];
}

const QUARANTINE = /^AWSCompromisedKeyQuarantine/;

const reasonOf = (err: unknown) => (err instanceof CloudError ? err.message : `unexpected error: ${err instanceof Error ? err.message : String(err)}`);
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);
const items = (v: unknown): Record<string, unknown>[] => {
  const o = obj(v);
  const list = o && Array.isArray(o.items) ? o.items : Array.isArray(v) ? v : [];
  return list.map(obj).filter((x): x is Record<string, unknown> => x !== null);
};

/** Who holds a key: the account (STS), then the user among the account's IAM users, or the role session from CloudTrail. */
async function holderOf(port: CloudReader, accessKeyId: string, accounts: string[], notSearched: NotSearched[]): Promise<Holder> {
  let accountId: string | null = null;
  try {
    accountId = await port.accessKeyAccount(accessKeyId);
  } catch (err) {
    notSearched.push({ what: `the owner of ${accessKeyId} (sts:GetAccessKeyInfo)`, reason: reasonOf(err) });
  }
  const h: Holder = { accessKeyId, accountId, kind: "unknown", quarantinePolicies: [] };
  if (accessKeyId.startsWith("ASIA")) {
    h.kind = "role-session";
    return h;
  }
  // The owning account first; without STS's answer, every reachable account (ListUsers across the organization).
  const where = accountId ? [accountId] : accounts;
  for (const acc of where) {
    let users: IamUserDetail[];
    try {
      users = await port.describeIamUsers(acc);
    } catch (err) {
      notSearched.push({ what: `IAM users of ${acc}`, scope: { accountId: acc, region: GLOBAL }, reason: reasonOf(err) });
      continue;
    }
    const u = users.find((x) => x.accessKeys.some((k) => k.accessKeyId === accessKeyId));
    if (u) {
      h.accountId = acc;
      h.kind = "user";
      h.userName = u.userName;
      h.user = u;
      h.quarantinePolicies = [...u.attachedPolicies.map((p) => p.name), ...u.inlinePolicies].filter((n) => QUARANTINE.test(n));
      return h;
    }
  }
  // A key of the account that no IAM user holds is the root user's (only root can act on it).
  if (h.accountId) h.kind = "root";
  return h;
}

/** The role session behind a temporary key, from the identity CloudTrail recorded for it. */
function sessionOf(h: Holder, events: (TrailEvent & { accountId: string })[]): void {
  if (h.roleName) return;
  for (const e of events) {
    const id = obj(e.detail.userIdentity);
    const arn = str(id?.arn);
    const m = arn ? /^arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn) : null;
    if (m) {
      h.accountId ??= m[1]!;
      h.roleName = m[2]!;
      h.roleArn = `arn:aws:iam::${m[1]}:role/${m[2]}`;
      h.sessionName = m[3]!;
      return;
    }
  }
}

/** Temporary credentials live at most 12 hours (a role's longest session): the AssumeRole that issued a key is searched from that far before the window. */
const MAX_SESSION_MS = 12 * 3_600_000;

/**
 * The role and session behind a temporary key, from the AssumeRole event whose response carries
 * that key id (through the one CloudTrail search, searchTrail, in the holder's account's regions,
 * or every region when STS could not tell the account). Regions not read are said.
 */
async function sessionIssuedBy(port: CloudReader, h: Holder, scopes: Scope[], req: SweepRequest, opts: { progress?: (m: string) => void; signal?: AbortSignal }, notSearched: NotSearched[]): Promise<void> {
  const where = h.accountId ? scopes.filter((s) => s.accountId === h.accountId) : scopes;
  const start = new Date(Date.parse(req.start) - MAX_SESSION_MS).toISOString();
  const r = await searchTrail(port, { scopes: where, start, end: req.end, eventNames: ["AssumeRole"] }, opts);
  for (const e of r.events) {
    if (e.detail.errorCode) continue;
    const res = obj(e.detail.responseElements);
    if (str(obj(res?.credentials)?.accessKeyId) !== h.accessKeyId) continue;
    const reqp = obj(e.detail.requestParameters);
    const roleArn = str(reqp?.roleArn);
    const m = roleArn ? /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(roleArn) : null;
    if (!m) continue;
    h.accountId ??= m[1]!;
    h.roleName = m[2]!;
    h.roleArn = `arn:aws:iam::${m[1]}:role/${m[2]}`;
    const session = str(reqp?.roleSessionName);
    if (session) h.sessionName = session;
    h.issuedBy = { eventId: e.eventId, eventTime: e.eventTime, accountId: e.accountId, region: e.awsRegion, by: byOf(e) };
    return;
  }
  // Not found where it could be read: what could not be read is said (the key's own events may still name the role).
  for (const n of r.notSearched) notSearched.push({ ...n, what: `the AssumeRole event that issued ${h.accessKeyId} (${n.what})` });
}

const byOf = (e: TrailEvent) => e.username ?? e.accessKeyId ?? "unknown";

/** The new principals an event creates (a user, a key, temporary credentials). */
function createdBy(e: TrailEvent & { accountId: string }): Principal[] {
  const req = obj(e.detail.requestParameters);
  const res = obj(e.detail.responseElements);
  const origin = { eventId: e.eventId, eventName: e.eventName, by: byOf(e) };
  if (e.detail.errorCode) return [];
  switch (e.eventName) {
    case "CreateUser": {
      const name = str(req?.userName) ?? str(obj(res?.user)?.userName);
      return name ? [{ kind: "user", id: name, accountId: e.accountId, origin }] : [];
    }
    case "CreateAccessKey": {
      const key = obj(res?.accessKey);
      const id = str(key?.accessKeyId);
      return id ? [{ kind: "access-key", id, accountId: e.accountId, origin }] : [];
    }
    case "CreateLoginProfile": {
      const name = str(req?.userName);
      return name ? [{ kind: "user", id: name, accountId: e.accountId, origin }] : [];
    }
    case "AssumeRole": {
      const id = str(obj(res?.credentials)?.accessKeyId);
      return id ? [{ kind: "access-key", id, accountId: e.accountId, origin }] : [];
    }
    default:
      return [];
  }
}

export async function sweep(port: CloudReader, req: SweepRequest, opts: { progress?: (m: string) => void; signal?: AbortSignal } = {}): Promise<SweepResult> {
  const notSearched: NotSearched[] = [];
  const window = { start: req.start, end: req.end };

  // Every account and its enabled regions; an account that cannot be entered is said.
  let accounts: string[];
  if (req.accountIds) accounts = [...new Set(req.accountIds)];
  else {
    try {
      accounts = (await port.accounts()).map((a) => a.accountId);
    } catch (err) {
      accounts = [];
      notSearched.push({ what: "the accounts this port reaches", reason: reasonOf(err) });
    }
  }
  const scopes: Scope[] = [];
  await Promise.all(
    accounts.map(async (accountId) => {
      try {
        for (const region of await port.regions(accountId)) scopes.push({ accountId, region });
      } catch (err) {
        notSearched.push({ what: `account ${accountId}`, scope: { accountId, region: GLOBAL }, reason: reasonOf(err) });
      }
    }),
  );
  scopes.sort((a, b) => `${a.accountId}/${a.region}`.localeCompare(`${b.accountId}/${b.region}`));

  const holders = await Promise.all(req.accessKeyIds.map((k) => holderOf(port, k, accounts, notSearched)));
  // A temporary key: the AssumeRole event that issued it names the role and the session, even when the key itself made no call yet.
  await Promise.all(holders.filter((h) => h.kind === "role-session").map((h) => sessionIssuedBy(port, h, scopes, req, opts, notSearched)));

  // The chain of principals, round by round.
  const principals: Principal[] = req.accessKeyIds.map((id, i) => ({ kind: "access-key", id, accountId: holders[i]!.accountId, origin: "exposed" }));
  const seen = new Set(principals.map((p) => `${p.kind}:${p.accountId ?? "*"}:${p.id}`));
  const events = new Map<string, SweepEvent>();
  const searchedKeys = new Map<string, Scope>();
  const trailNotSearched = new Map<string, NotSearched>();
  let frontier = [...principals];
  const maxRounds = req.maxRounds ?? 4;
  for (let round = 0; round < maxRounds && frontier.length; round++) {
    const next: Principal[] = [];
    await Promise.all(
      frontier.map(async (p) => {
        // A user's events are those of its account only; a key's, wherever it was used.
        const where = p.kind === "user" && p.accountId ? scopes.filter((s) => s.accountId === p.accountId) : scopes;
        const q = p.kind === "access-key" ? { accessKeyId: p.id } : { username: p.id };
        const r = await searchTrail(port, { scopes: where, start: req.start, end: req.end, ...q }, opts);
        for (const s of r.searched) searchedKeys.set(`${s.accountId}/${s.region}`, s);
        for (const n of r.notSearched) trailNotSearched.set(`${n.scope?.accountId}/${n.scope?.region}`, n);
        // The attribute filter is AWS's; applied again here so a reader that ignores it can't widen the sweep.
        const mine = r.events.filter((e) => (p.kind === "access-key" ? e.accessKeyId === p.id : e.username === p.id));
        if (p.kind === "access-key") {
          const h = holders.find((x) => x.accessKeyId === p.id);
          if (h?.kind === "role-session") sessionOf(h, mine);
        }
        // Oldest first: a principal's origin is the event that first made it (CreateUser before CreateLoginProfile).
        for (const e of [...mine].reverse()) {
          const category = categoryOf(e.eventName);
          if (category) {
            const d = e.detail;
            const ev: SweepEvent = {
              accountId: e.accountId,
              region: e.awsRegion,
              eventId: e.eventId,
              eventName: e.eventName,
              eventTime: e.eventTime,
              category,
              principal: p.id,
              requestParameters: obj(d.requestParameters),
              responseElements: obj(d.responseElements),
            };
            if (e.username) ev.username = e.username;
            if (e.accessKeyId) ev.accessKeyId = e.accessKeyId;
            if (e.sourceIpAddress) ev.sourceIpAddress = e.sourceIpAddress;
            if (typeof d.errorCode === "string") ev.errorCode = d.errorCode;
            events.set(`${e.accountId}/${e.eventId}`, ev);
          }
          for (const c of createdBy(e)) {
            const key = `${c.kind}:${c.accountId ?? "*"}:${c.id}`;
            if (seen.has(key)) continue;
            seen.add(key);
            principals.push(c);
            next.push(c);
          }
        }
      }),
    );
    frontier = next;
    opts.progress?.(`sweep round ${round + 1}: ${events.size} event(s), ${principals.length} principal(s)`);
  }
  if (frontier.length) notSearched.push({ what: `principals created after ${maxRounds} rounds: ${frontier.map((p) => p.id).join(", ")}`, reason: "the chain goes deeper than the sweep follows; sweep them on their own" });
  for (const n of trailNotSearched.values()) if (!searchedKeys.has(`${n.scope?.accountId}/${n.scope?.region}`)) notSearched.push(n);

  const sorted = [...events.values()].sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.eventId.localeCompare(b.eventId));
  const searched = [...searchedKeys.values()].sort((a, b) => `${a.accountId}/${a.region}`.localeCompare(`${b.accountId}/${b.region}`));
  const inventory = await inventoryOf(port, sorted, searched, scopes, req, notSearched);

  let usdSoFar = 0;
  let usdPerHourNow = 0;
  for (const i of inventory) {
    if (!i.cost) continue;
    usdSoFar += i.cost.usd;
    if (i.state === "running" || i.state === "pending") usdPerHourNow += i.cost.usdPerHour;
  }
  return {
    window,
    holders,
    principals,
    events: sorted,
    inventory,
    cost: {
      usdSoFar: Math.round(usdSoFar * 100) / 100,
      usdPerHourNow: Math.round(usdPerHourNow * 100) / 100,
      pricesAsOf: PRICES_AS_OF,
      note: `estimate: on-demand Linux prices of us-east-1 as of ${PRICES_AS_OF}, hours from launch to now (or to the window's end); regions, spot and savings plans differ`,
    },
    searched,
    notSearched,
  };
}

function hoursBetween(a: string, b: string): number {
  return Math.max(0, (Date.parse(b) - Date.parse(a)) / 3_600_000);
}

function costOf(instanceType: string, launched: string, until: string): CostEstimate | undefined {
  const p = hourlyPrice(instanceType);
  if (!p) return undefined;
  const hours = Math.round(hoursBetween(launched, until) * 100) / 100;
  return { usdPerHour: p.usdPerHour, hours, usd: Math.round(p.usdPerHour * hours * 100) / 100, basis: p.basis };
}

const globalScope = (accountId: string): Scope => ({ accountId, region: GLOBAL });

/** What was created or changed, each with its event and its state now. */
async function inventoryOf(port: CloudReader, events: SweepEvent[], searched: Scope[], allScopes: Scope[], req: SweepRequest, notSearched: NotSearched[]): Promise<InventoryItem[]> {
  const out: InventoryItem[] = [];
  const ev = (e: SweepEvent) => ({ eventId: e.eventId, eventName: e.eventName, eventTime: e.eventTime, by: e.username ?? e.accessKeyId ?? e.principal });
  const ok = events.filter((e) => !e.errorCode);
  const safely = async <T>(what: string, scope: Scope, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (err) {
      notSearched.push({ what, scope, reason: reasonOf(err) });
      return null;
    }
  };

  // Instances: by event, then every instance launched in the window in every searched region.
  const launched = new Set<string>();
  for (const e of ok.filter((x) => x.eventName === "RunInstances")) {
    const scope = { accountId: e.accountId, region: e.region };
    for (const it of items(e.responseElements?.instancesSet)) {
      const id = str(it.instanceId);
      if (!id) continue;
      launched.add(`${e.accountId}/${e.region}/${id}`);
      out.push({ kind: "instance", scope, id, event: ev(e), state: "not read", ...(str(it.instanceType) ? { instanceType: str(it.instanceType)! } : {}) });
    }
  }
  // Every region, CloudTrail read or not: an instance is listed even where CloudTrail is silent.
  const described = new Set<string>();
  await Promise.all(
    allScopes.map(async (scope) => {
      const all = await safely(`instances of ${scope.accountId}/${scope.region} (launched in the window)`, scope, () => port.describeInstances(scope, {}));
      if (!all) return;
      described.add(`${scope.accountId}/${scope.region}`);
      for (const inst of all) {
        const mine = out.find((i) => i.kind === "instance" && i.id === inst.instanceId && i.scope.accountId === scope.accountId && i.scope.region === scope.region);
        if (mine) {
          mine.state = inst.state;
          mine.instanceType = inst.instanceType;
          mine.details = { volumeIds: inst.blockDevices.map((b) => b.volumeId), launchTime: inst.launchTime, lifecycle: inst.lifecycle ?? "on-demand", keyName: inst.keyName ?? null };
          continue;
        }
        const t = Date.parse(inst.launchTime);
        if (t >= Date.parse(req.start) && t <= Date.parse(req.end) && inst.state !== "terminated")
          out.push({ kind: "instance", scope, id: inst.instanceId, event: null, state: inst.state, instanceType: inst.instanceType, details: { volumeIds: inst.blockDevices.map((b) => b.volumeId), launchTime: inst.launchTime, noEvent: true } });
      }
    }),
  );
  for (const i of out) {
    if (i.kind !== "instance") continue;
    if (i.state === "not read" && described.has(`${i.scope.accountId}/${i.scope.region}`)) i.state = "gone (terminated or not found)";
    if (i.instanceType) {
      i.gpu = isGpuType(i.instanceType);
      const from = (i.details?.launchTime as string | undefined) ?? i.event?.eventTime;
      // Until the end of the window: for an instance stopped or gone meanwhile, an upper bound (when it stopped is not read).
      const c = from ? costOf(i.instanceType, from, req.end) : undefined;
      if (c) i.cost = c;
    }
  }

  // Spot requests and fleets.
  const spots = new Map<string, { scope: Scope; ids: Map<string, SweepEvent> }>();
  for (const e of ok.filter((x) => x.eventName === "RequestSpotInstances")) {
    const key = `${e.accountId}/${e.region}`;
    const s = spots.get(key) ?? spots.set(key, { scope: { accountId: e.accountId, region: e.region }, ids: new Map() }).get(key)!;
    for (const it of items(e.responseElements?.spotInstanceRequestSet)) {
      const id = str(it.spotInstanceRequestId);
      if (id) s.ids.set(id, e);
    }
  }
  await Promise.all(
    [...spots.values()].map(async ({ scope, ids }) => {
      const now = await safely(`spot requests of ${scope.accountId}/${scope.region}`, scope, () => port.describeSpotInstanceRequests(scope));
      for (const [id, e] of ids) {
        const s = now?.find((x) => x.spotInstanceRequestId === id);
        const item: InventoryItem = { kind: "spot-request", scope, id, event: ev(e), state: now ? (s?.state ?? "gone") : "not read" };
        if (s?.instanceType) {
          item.instanceType = s.instanceType;
          item.gpu = isGpuType(s.instanceType);
        }
        if (s?.instanceId) item.details = { instanceId: s.instanceId };
        out.push(item);
      }
    }),
  );
  // An instance a swept spot request launched is the attacker's, whoever CloudTrail names for its launch (the Spot service).
  for (const sp of out.filter((x) => x.kind === "spot-request" && typeof x.details?.instanceId === "string")) {
    const inst = out.find((x) => x.kind === "instance" && x.id === sp.details!.instanceId && x.scope.accountId === sp.scope.accountId && x.scope.region === sp.scope.region);
    if (inst && !inst.event) {
      inst.event = sp.event;
      inst.details = { ...inst.details, viaSpotRequest: sp.id };
      delete inst.details.noEvent;
    }
  }
  await fleetsAndLightsail(port, ok, allScopes, req, out, ev, safely);
  for (const e of ok.filter((x) => /^CreateFunction/.test(x.eventName)))
    out.push({ kind: "lambda-function", scope: { accountId: e.accountId, region: e.region }, id: str(e.requestParameters?.functionName) ?? e.eventId, event: ev(e), state: "not read: abuse-desk does not read Lambda; check it in the console" });

  // IAM: users, keys, console passwords, policies, roles and trust.
  const userEvents = new Map<string, { accountId: string; name: string; e: SweepEvent }>();
  for (const e of ok.filter((x) => x.eventName === "CreateUser")) {
    const name = str(e.requestParameters?.userName);
    if (name) userEvents.set(`${e.accountId}/${name}`, { accountId: e.accountId, name, e });
  }
  const touchedUsers = new Map<string, Set<string>>();
  const touch = (accountId: string, name: string | undefined) => {
    // CloudTrail's text is the attacker's: only a valid IAM user name goes into a request.
    if (!name || !/^[\w+=,.@-]{1,64}$/.test(name)) return;
    (touchedUsers.get(accountId) ?? touchedUsers.set(accountId, new Set()).get(accountId)!).add(name);
  };
  for (const e of ok) if (/^(CreateUser|CreateAccessKey|CreateLoginProfile|UpdateLoginProfile|AttachUserPolicy|PutUserPolicy)$/.test(e.eventName)) touch(e.accountId, str(e.requestParameters?.userName) ?? str(obj(e.responseElements?.accessKey)?.userName));
  const users = new Map<string, IamUserDetail>();
  await Promise.all(
    [...touchedUsers].map(async ([accountId, names]) => {
      const found = await safely(`IAM users of ${accountId}`, globalScope(accountId), () => port.describeIamUsers(accountId, [...names]));
      for (const u of found ?? []) users.set(`${accountId}/${u.userName}`, u);
    }),
  );
  const userState = (accountId: string, name: string) => users.get(`${accountId}/${name}`);
  for (const { accountId, name, e } of userEvents.values()) {
    const u = userState(accountId, name);
    out.push({
      kind: "iam-user",
      scope: globalScope(accountId),
      id: name,
      event: ev(e),
      state: u ? `exists: ${u.accessKeys.filter((k) => k.status === "Active").length} active key(s), console ${u.loginProfile ? "enabled" : "off"}, policies ${[...u.attachedPolicies.map((p) => p.name), ...u.inlinePolicies].join(", ") || "none"}` : "gone",
      details: { createdByAttacker: true, ...(u ? { keys: u.accessKeys.map((k) => ({ id: k.accessKeyId, status: k.status })), console: u.loginProfile !== null, inlinePolicies: u.inlinePolicies } : {}) },
    });
  }
  for (const e of ok.filter((x) => x.eventName === "CreateAccessKey")) {
    const k = obj(e.responseElements?.accessKey);
    const id = str(k?.accessKeyId);
    const userName = str(k?.userName) ?? str(e.requestParameters?.userName) ?? e.username;
    if (!id || !userName) continue;
    const u = userState(e.accountId, userName);
    const now = u?.accessKeys.find((x) => x.accessKeyId === id);
    out.push({ kind: "access-key", scope: globalScope(e.accountId), id, event: ev(e), state: now ? now.status : u ? "deleted" : "not read", details: { userName, userCreatedByAttacker: userEvents.has(`${e.accountId}/${userName}`) } });
  }
  for (const e of ok.filter((x) => x.eventName === "CreateLoginProfile" || x.eventName === "UpdateLoginProfile")) {
    const userName = str(e.requestParameters?.userName);
    if (!userName) continue;
    const u = userState(e.accountId, userName);
    out.push({ kind: "login-profile", scope: globalScope(e.accountId), id: userName, event: ev(e), state: u ? (u.loginProfile ? "console password set" : "no console password") : "not read", details: { userCreatedByAttacker: userEvents.has(`${e.accountId}/${userName}`) } });
  }
  out.push(...(await policiesOf(port, ok, ev, userEvents, notSearched)));
  for (const e of ok.filter((x) => x.eventName === "CreateRole")) {
    const name = str(e.requestParameters?.roleName);
    if (!name) continue;
    const r = await safely(`IAM role ${name}`, globalScope(e.accountId), () => port.getIamRole(e.accountId, name));
    out.push({ kind: "role", scope: globalScope(e.accountId), id: name, event: ev(e), state: r ? "exists" : r === null ? "gone" : "not read", details: { createdByAttacker: true } });
  }
  for (const e of ok.filter((x) => x.eventName === "UpdateAssumeRolePolicy")) {
    const name = str(e.requestParameters?.roleName);
    const attacker = str(e.requestParameters?.policyDocument);
    if (!name || !attacker) continue;
    const r = await safely(`IAM role ${name}`, globalScope(e.accountId), () => port.getIamRole(e.accountId, name));
    const previous = await previousTrust(port, e, name, notSearched);
    const { samePolicy } = await import("../plan/actions/credentials.ts");
    out.push({
      kind: "trust-policy",
      scope: globalScope(e.accountId),
      id: name,
      event: ev(e),
      state: r ? (samePolicy(r.trustPolicy, attacker) ? "still the attacker's" : "changed since") : "not read",
      details: { attacker, previous: previous ?? null, current: r?.trustPolicy ?? null },
    });
  }
  for (const e of ok.filter((x) => x.eventName === "CreateKeyPair" || x.eventName === "ImportKeyPair"))
    out.push({ kind: "key-pair", scope: { accountId: e.accountId, region: e.region }, id: str(e.requestParameters?.keyName) ?? e.eventId, event: ev(e), state: "created (key pairs are not read; delete it after the instances using it are preserved)" });

  // Security group openings, still in place or not.
  for (const e of ok.filter((x) => x.eventName === "AuthorizeSecurityGroupIngress")) {
    const scope = { accountId: e.accountId, region: e.region };
    const groupId = str(e.requestParameters?.groupId);
    if (!groupId) continue;
    const rules = items(e.requestParameters?.ipPermissions).flatMap((p) =>
      items(p.ipRanges).map((r) => ({ direction: "ingress" as const, protocol: String(p.ipProtocol ?? "-1"), ...(typeof p.fromPort === "number" ? { fromPort: p.fromPort } : {}), ...(typeof p.toPort === "number" ? { toPort: p.toPort } : {}), cidrIpv4: String(r.cidrIp) })),
    );
    const groups = await safely(`security group ${groupId}`, scope, () => port.describeSecurityGroups(scope, [groupId]));
    const g = groups?.[0];
    const present = g ? rules.filter((r) => g.rules.some((x) => x.direction === "ingress" && x.cidrIpv4 === r.cidrIpv4 && String(x.protocol) === (r.protocol === "-1" ? "-1" : r.protocol) && (x.fromPort ?? -1) === (r.fromPort ?? -1) && (x.toPort ?? -1) === (r.toPort ?? -1))) : [];
    out.push({ kind: "security-group-ingress", scope, id: groupId, event: ev(e), state: groups === null ? "not read" : !g ? "gone" : present.length ? `${present.length} rule(s) still open` : "rules no longer present", details: { rules: present, vpcId: g?.vpcId ?? null } });
  }

  // SES: per region where the principals touched it, the account's sending state now.
  const sesRegions = new Map<string, { scope: Scope; e: SweepEvent[] }>();
  for (const e of ok.filter((x) => x.category === "email")) {
    const key = `${e.accountId}/${e.region}`;
    (sesRegions.get(key) ?? sesRegions.set(key, { scope: { accountId: e.accountId, region: e.region }, e: [] }).get(key)!).e.push(e);
  }
  for (const { scope, e } of sesRegions.values()) {
    const a = await safely(`SES in ${scope.accountId}/${scope.region}`, scope, () => port.getSesAccount(scope));
    const identities = e.filter((x) => /Identity$/.test(x.eventName)).map((x) => str(x.requestParameters?.emailIdentity) ?? str(x.requestParameters?.emailAddress) ?? str(x.requestParameters?.domain) ?? "?");
    out.push({
      kind: "ses",
      scope,
      id: `ses:${scope.region}`,
      event: ev(e[0]!),
      state: a ? `sending ${a.sendingEnabled ? "enabled" : "suspended"}${a.productionAccessEnabled ? ", production access" : ", sandbox"}, ${a.max24HourSend}/24h` : a === null ? "not read" : "SES not offered here",
      details: { identities, sendingEnabled: a?.sendingEnabled ?? null, events: e.map((x) => x.eventName) },
    });
  }

  // Defence evasion: trails the principals stopped or deleted, each with its status read now.
  out.push(...(await trailsStopped(port, ok, ev, safely)));

  // Defence evasion, exfiltration, reconnaissance: said, with the event.
  const said: [RegExp, InventoryKind, (e: SweepEvent) => string, string][] = [
    [/^DeleteDetector$/, "detector-deleted", (e) => str(e.requestParameters?.detectorId) ?? "detector", "GuardDuty detector deleted: re-enable GuardDuty in this region"],
    [/^DisableRegion$/, "region-disabled", (e) => str(e.requestParameters?.RegionName) ?? str(e.requestParameters?.regionName) ?? "region", "a region was disabled: what runs there is no longer visible; re-enable it to look"],
    [/^LeaveOrganization$/, "left-organization", () => "organization", "the account left the organization: its guardrails (SCPs) no longer apply"],
    [/^(PutBucketPolicy|PutBucketAcl)$/, "bucket-policy", (e) => str(e.requestParameters?.bucketName) ?? "bucket", "a bucket's policy or ACL was changed: check it is not public"],
    [/^GetSecretValue$/, "secret-read", (e) => str(e.requestParameters?.secretId) ?? "secret", "a secret was read: rotate it"],
    [/^ListBuckets$/, "bucket-list", () => "buckets", "the bucket list was read (reconnaissance)"],
  ];
  for (const e of ok)
    for (const [re, kind, id, state] of said) if (re.test(e.eventName)) out.push({ kind, scope: { accountId: e.accountId, region: e.region }, id: id(e), event: ev(e), state });

  return out;
}

/**
 * The trails the swept principals stopped (StopLogging) or deleted (DeleteTrail): one item per
 * trail (its latest event), with GetTrailStatus read now in the trail's home region (the event's
 * region: CloudTrail takes both calls only there). The name comes from CloudTrail, written by the
 * attacker: one that is not a trail name or ARN of the event's account is reported, never sent.
 * States: `logging stopped` (details.exists, details.isLogging false), `logging again`, `trail
 * deleted`, `not read`, `not a trail name`.
 */
async function trailsStopped(
  port: CloudReader,
  ok: SweepEvent[],
  ev: (e: SweepEvent) => NonNullable<InventoryItem["event"]>,
  safely: <T>(what: string, scope: Scope, f: () => Promise<T>) => Promise<T | null>,
): Promise<InventoryItem[]> {
  const { parseTrailRef } = await import("../cloud/port-trail.ts");
  const latest = new Map<string, SweepEvent>();
  for (const e of ok.filter((x) => x.eventName === "StopLogging" || x.eventName === "DeleteTrail")) {
    const raw = str(e.requestParameters?.name) ?? "trail";
    const ref = parseTrailRef(raw);
    const key = `${e.accountId}/${e.region}/${ref?.name ?? raw}`;
    const prev = latest.get(key);
    if (!prev || prev.eventTime <= e.eventTime) latest.set(key, e);
  }
  const items: InventoryItem[] = [];
  for (const e of latest.values()) {
    const raw = str(e.requestParameters?.name) ?? "trail";
    const ref = parseTrailRef(raw);
    const scope = { accountId: e.accountId, region: e.region };
    const base = { kind: "trail-stopped" as const, scope, id: raw, event: ev(e) };
    if (!ref || (ref.arn && (ref.arn.accountId !== e.accountId || ref.arn.region !== e.region))) {
      items.push({ ...base, id: raw.slice(0, 300), state: "not a trail name of this account and region (nothing read)", details: { valid: false } });
      continue;
    }
    const read = await safely(`the status of trail ${ref.name} in ${scope.accountId}/${scope.region}`, scope, async () => ({ s: await port.getTrailStatus(scope, raw) }));
    const state = !read ? "not read" : !read.s ? "trail deleted" : read.s.isLogging ? "logging again" : "logging stopped";
    items.push({ ...base, state, details: { valid: true, name: ref.name, exists: read ? read.s !== null : null, isLogging: read?.s?.isLogging ?? null } });
  }
  return items;
}

/**
 * The policies the swept principals attached (Attach{User,Role,Group}Policy) or put
 * (Put{User,Role,Group}Policy), one item per principal and policy (the latest event), each with
 * its state read now: a managed policy still attached or not, an inline policy still the
 * attacker's document, changed since, or gone. Names and ARNs come from CloudTrail, written by the
 * attacker: one that does not match IAM's grammar is reported, never sent in a request.
 */
async function policiesOf(
  port: CloudReader,
  ok: SweepEvent[],
  ev: (e: SweepEvent) => NonNullable<InventoryItem["event"]>,
  userEvents: Map<string, unknown>,
  notSearched: NotSearched[],
): Promise<InventoryItem[]> {
  const { IAM_POLICY_ARN, IAM_POLICY_NAME, IAM_PRINCIPAL_NAME } = await import("../cloud/port-iam.ts");
  const { samePolicy } = await import("../plan/actions/credentials.ts");
  const created = new Set<string>();
  for (const e of ok) {
    const rp = e.requestParameters ?? {};
    if (e.eventName === "CreateUser" && str(rp.userName)) created.add(`${e.accountId}/user/${str(rp.userName)!}`);
    if (e.eventName === "CreateRole" && str(rp.roleName)) created.add(`${e.accountId}/role/${str(rp.roleName)!}`);
    if (e.eventName === "CreateGroup" && str(rp.groupName)) created.add(`${e.accountId}/group/${str(rp.groupName)!}`);
  }
  for (const k of userEvents.keys()) created.add(k.replace("/", "/user/"));
  const latest = new Map<string, SweepEvent>();
  for (const e of ok.filter((x) => /^(Attach|Put)(User|Role|Group)Policy$/.test(x.eventName))) {
    const on = /User/.test(e.eventName) ? "user" : /Role/.test(e.eventName) ? "role" : "group";
    const rp = e.requestParameters ?? {};
    const managed = e.eventName.startsWith("Attach");
    const key = `${e.accountId}/${on}/${String(rp[`${on}Name`])}/${managed ? "managed" : "inline"}/${String(managed ? rp.policyArn : rp.policyName)}`;
    const prev = latest.get(key);
    if (!prev || prev.eventTime <= e.eventTime) latest.set(key, e);
  }
  const items: InventoryItem[] = [];
  for (const e of latest.values()) {
    const on = (/User/.test(e.eventName) ? "user" : /Role/.test(e.eventName) ? "role" : "group") as "user" | "role" | "group";
    const rp = e.requestParameters ?? {};
    const managed = e.eventName.startsWith("Attach");
    const name = str(rp[`${on}Name`]);
    const policy = managed ? str(rp.policyArn) : str(rp.policyName);
    const scope = globalScope(e.accountId);
    const base = { kind: "policy" as const, scope, id: `${on}/${name ?? "?"}:${policy ?? "?"}`.slice(0, 600), event: ev(e) };
    const valid = name !== undefined && IAM_PRINCIPAL_NAME.test(name) && policy !== undefined && (managed ? IAM_POLICY_ARN.test(policy) : IAM_POLICY_NAME.test(policy));
    const details: Record<string, unknown> = { on, name: name ?? null, policy: policy ?? null, managed, valid, createdByAttacker: name !== undefined && created.has(`${e.accountId}/${on}/${name}`) };
    if (!valid) {
      items.push({ ...base, state: "not read: the principal or policy name in CloudTrail is not a valid IAM name", details });
      continue;
    }
    const owner = on === "user" ? { userName: name } : on === "role" ? { roleName: name } : { groupName: name };
    try {
      if (managed) {
        const list = await port.listAttachedPolicies(e.accountId, owner);
        items.push({ ...base, state: list === null ? `${on} gone` : list.some((a) => a.arn === policy) ? "attached" : "no longer attached", details });
      } else {
        const attacker = str(rp.policyDocument);
        const doc = await port.getInlinePolicy(e.accountId, owner, policy);
        const state = doc === null ? "gone" : attacker === undefined ? "in place" : samePolicy(doc, attacker) ? "still the attacker's" : "changed since";
        items.push({ ...base, state, details });
      }
    } catch (err) {
      notSearched.push({ what: `the ${managed ? "managed" : "inline"} policy ${policy} of ${on} ${name}`, scope, reason: reasonOf(err) });
      items.push({ ...base, state: "not read", details });
    }
  }
  return items;
}

/** The trust policy a role had before the attacker's change: the latest CreateRole / UpdateAssumeRolePolicy before it, within CloudTrail's 90 days. */
async function previousTrust(port: CloudReader, e: SweepEvent, roleName: string, notSearched: NotSearched[]): Promise<string | undefined> {
  const scope = { accountId: e.accountId, region: IAM_LOG_REGION };
  const start = new Date(Date.parse(e.eventTime) - 89 * 86_400_000).toISOString();
  const r = await searchTrail(port, { scopes: [scope], start, end: e.eventTime, eventNames: ["CreateRole", "UpdateAssumeRolePolicy"] });
  notSearched.push(...r.notSearched.map((n) => ({ ...n, what: `the trust policy ${roleName} had before ${e.eventTime}` })));
  for (const x of r.events) {
    if (x.eventId === e.eventId || x.detail.errorCode) continue;
    const rp = obj(x.detail.requestParameters);
    if (str(rp?.roleName) !== roleName) continue;
    const doc = x.eventName === "CreateRole" ? str(rp?.assumeRolePolicyDocument) : str(rp?.policyDocument);
    if (doc) return doc;
  }
  return undefined;
}

/** The fleet id an event created: RequestSpotFleet's spotFleetRequestId, CreateFleet's fleetId (EC2's XML-shaped responses, wrapped or not). */
function fleetIdOf(e: SweepEvent): string | undefined {
  const r = e.responseElements;
  if (e.eventName === "RequestSpotFleet") return str(r?.spotFleetRequestId) ?? str(obj(r?.RequestSpotFleetResponse)?.spotFleetRequestId);
  return str(r?.fleetId) ?? str(obj(r?.CreateFleetResponse)?.fleetId);
}

const inWindow = (t: string, req: SweepRequest) => {
  const x = Date.parse(t);
  return x >= Date.parse(req.start) && x <= Date.parse(req.end);
};

/**
 * Spot fleet requests, EC2 fleets and Lightsail instances: the ones the swept principals' events
 * created (with their state now: read again) and, in every region, CloudTrail read or not, those
 * created in the window with no event of a swept principal. A fleet's instances take its event
 * (the attacker's, whoever CloudTrail names for the launch); GPU types flagged; Lightsail priced.
 */
async function fleetsAndLightsail(
  port: CloudReader,
  ok: SweepEvent[],
  allScopes: Scope[],
  req: SweepRequest,
  out: InventoryItem[],
  ev: (e: SweepEvent) => NonNullable<InventoryItem["event"]>,
  safely: <T>(what: string, scope: Scope, f: () => Promise<T>) => Promise<T | null>,
): Promise<void> {
  const where = (s: Scope) => `${s.accountId}/${s.region}`;
  const fleetEvents = new Map<string, SweepEvent>();
  for (const e of ok.filter((x) => x.eventName === "RequestSpotFleet" || x.eventName === "CreateFleet")) {
    const id = fleetIdOf(e);
    const scope = { accountId: e.accountId, region: e.region };
    if (id) fleetEvents.set(`${where(scope)}/${id}`, e);
    else out.push({ kind: e.eventName === "RequestSpotFleet" ? "spot-fleet" : "fleet", scope, id: e.eventId, event: ev(e), state: "not read: the event names no fleet (it failed, or CloudTrail left the response out); check the region's fleets" });
  }
  const lightsailEvents = new Map<string, SweepEvent>();
  for (const e of ok.filter((x) => x.eventName === "CreateInstances")) {
    const names = Array.isArray(e.requestParameters?.instanceNames) ? (e.requestParameters!.instanceNames as unknown[]).filter((n): n is string => typeof n === "string" && n !== "") : [];
    for (const n of names) lightsailEvents.set(`${e.accountId}/${e.region}/${n}`, e);
  }
  const read = new Map<string, { spot: boolean; fleets: boolean; lightsail: "read" | "not offered" | "not read" }>();
  const typed = (types: string[]) => {
    const gpu = types.filter(isGpuType);
    return { ...(types.length ? { instanceType: (gpu[0] ?? types[0])! } : {}), gpu: gpu.length > 0 };
  };
  const fleetItem = (kind: "spot-fleet" | "fleet", scope: Scope, id: string, e: SweepEvent | undefined, f: { state: string; type: string; targetCapacity: number; instanceIds: string[]; instanceTypes: string[]; createTime: string }): InventoryItem => ({
    kind,
    scope,
    id,
    event: e ? ev(e) : null,
    state: f.state,
    ...typed(f.instanceTypes),
    details: { type: f.type, targetCapacity: f.targetCapacity, instanceIds: f.instanceIds, instanceTypes: f.instanceTypes, createTime: f.createTime, ...(e ? {} : { noEvent: true }) },
  });
  await Promise.all(
    allScopes.map(async (scope) => {
      const w = where(scope);
      const [spot, fleets, lightsail] = await Promise.all([
        safely(`spot fleet requests of ${w}`, scope, () => port.describeSpotFleetRequests(scope)),
        safely(`EC2 fleets of ${w}`, scope, () => port.describeFleets(scope)),
        // Wrapped: null from `safely` is "could not be read", a null list is "Lightsail not offered here".
        safely(`Lightsail instances of ${w}`, scope, async () => ({ list: await port.getLightsailInstances(scope) })),
      ]);
      read.set(w, { spot: spot !== null, fleets: fleets !== null, lightsail: lightsail === null ? "not read" : lightsail.list === null ? "not offered" : "read" });
      for (const f of spot ?? []) {
        const e = fleetEvents.get(`${w}/${f.spotFleetRequestId}`);
        if (!e && !inWindow(f.createTime, req)) continue;
        fleetEvents.delete(`${w}/${f.spotFleetRequestId}`);
        out.push(fleetItem("spot-fleet", scope, f.spotFleetRequestId, e, f));
      }
      for (const f of fleets ?? []) {
        const e = fleetEvents.get(`${w}/${f.fleetId}`);
        if (!e && !inWindow(f.createTime, req)) continue;
        fleetEvents.delete(`${w}/${f.fleetId}`);
        out.push(fleetItem("fleet", scope, f.fleetId, e, f));
      }
      for (const i of lightsail?.list ?? []) {
        const e = lightsailEvents.get(`${w}/${i.name}`);
        if (!e && !inWindow(i.createdAt, req)) continue;
        lightsailEvents.delete(`${w}/${i.name}`);
        const item: InventoryItem = {
          kind: "lightsail-instance",
          scope,
          id: i.name,
          event: e ? ev(e) : null,
          state: i.state,
          instanceType: i.bundleId,
          gpu: isGpuBundle(i.bundleId),
          details: { bundleId: i.bundleId, blueprintId: i.blueprintId, createdAt: i.createdAt, arn: i.arn, publicIpAddress: i.publicIpAddress ?? null, ...(e ? {} : { noEvent: true }) },
        };
        const p = lightsailHourlyPrice(i.bundleId);
        if (p) {
          // Lightsail bills a stopped instance too: from creation to the end of the window.
          const hours = Math.round(hoursBetween(i.createdAt, req.end) * 100) / 100;
          item.cost = { usdPerHour: p.usdPerHour, hours, usd: Math.round(p.usdPerHour * hours * 100) / 100, basis: p.basis };
        }
        out.push(item);
      }
    }),
  );
  // Created by a swept principal but not found now.
  for (const [k, e] of fleetEvents) {
    const scope = { accountId: e.accountId, region: e.region };
    const r = read.get(where(scope));
    const wasRead = e.eventName === "RequestSpotFleet" ? r?.spot : r?.fleets;
    out.push({ kind: e.eventName === "RequestSpotFleet" ? "spot-fleet" : "fleet", scope, id: k.slice(where(scope).length + 1), event: ev(e), state: wasRead ? "gone (deleted, or expired from the API)" : "not read" });
  }
  for (const [k, e] of lightsailEvents) {
    const scope = { accountId: e.accountId, region: e.region };
    const r = read.get(where(scope))?.lightsail;
    out.push({ kind: "lightsail-instance", scope, id: k.slice(where(scope).length + 1), event: ev(e), state: r === "read" ? "gone (deleted)" : r === "not offered" ? "Lightsail is not offered in this region" : "not read" });
  }
  // A fleet's instances are the attacker's when the fleet is, whoever CloudTrail names for their launch (the fleet service).
  for (const f of out.filter((x) => (x.kind === "spot-fleet" || x.kind === "fleet") && x.event && Array.isArray(x.details?.instanceIds))) {
    for (const id of f.details!.instanceIds as string[]) {
      const inst = out.find((x) => x.kind === "instance" && x.id === id && x.scope.accountId === f.scope.accountId && x.scope.region === f.scope.region);
      if (inst && !inst.event) {
        inst.event = f.event;
        inst.details = { ...inst.details, viaFleet: f.id };
        delete inst.details.noEvent;
      }
    }
  }
}
