/**
 * What the CloudTrail events say about the implicated resources and principals: who launched,
 * changed or accessed them, what the implicated principals did, and the instance role's credentials
 * used from outside the instance. Pure: events in, findings out (the reader gathers the events from
 * LookupEvents or the trail's files, which give the same records).
 */
import type { TrailEvent } from "../../cloud/model.ts";
import type { Finding, FindingSeverity, FindingSource, Subject } from "../types.ts";

export type FoundEvent = TrailEvent & { accountId: string };

/** What the reader learnt about an instance besides the subject (from DescribeInstances). */
export interface InstanceFacts {
  instanceId: string;
  /** Every address the instance held or sends from: its own public and private addresses, and the public addresses of its VPC's NAT gateways. */
  ownAddresses: string[];
  natAddresses: string[];
  roleName?: string;
  /** The instance role's ARN (from its instance profile): its sessions are the instance's whatever their names, but for another instance's id. */
  roleArn?: string;
}

export interface AnalyzeInput {
  subject: Subject;
  events: FoundEvent[];
  instances: InstanceFacts[];
  /** How each event was found (the LookupEvents parameters or the SQL), by event id. */
  foundBy: Map<string, string>;
  /** The evidence label the events are stored under. */
  evidence: string;
}

interface Identity {
  type?: string;
  arn?: string;
  principalId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
}

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

export function identityOf(e: TrailEvent): Identity {
  const u = e.detail.userIdentity;
  if (!u || typeof u !== "object") return {};
  const o = u as Record<string, unknown>;
  const sessionIssuer = ((o.sessionContext as Record<string, unknown> | undefined)?.sessionIssuer ?? {}) as Record<string, unknown>;
  const id: Identity = {};
  const set = <K extends keyof Identity>(k: K, v: string | undefined) => {
    if (v !== undefined) id[k] = v;
  };
  set("type", str(o.type));
  set("arn", str(o.arn));
  set("principalId", str(o.principalId));
  set("accessKeyId", str(o.accessKeyId) ?? e.accessKeyId);
  set("userName", str(o.userName) ?? str(sessionIssuer.userName));
  set("invokedBy", str(o.invokedBy));
  return id;
}

/** Who made the call, as a responder reads it: the ARN (and the key), or the service. */
export function actorOf(e: TrailEvent): string {
  const id = identityOf(e);
  const who = id.arn ?? (id.invokedBy ? `AWS service ${id.invokedBy}` : id.type === "Root" ? "root" : (e.username ?? id.type ?? "unknown caller"));
  return id.accessKeyId ? `${who} (key ${id.accessKeyId})` : who;
}

const sourceIp = (e: TrailEvent) => e.sourceIpAddress ?? str(e.detail.sourceIPAddress);

/** A call an AWS service made on the caller's behalf, or from inside AWS, has no address of the caller. */
export function isAwsServiceCall(e: TrailEvent): boolean {
  const id = identityOf(e);
  const ip = sourceIp(e);
  return id.type === "AWSService" || id.invokedBy !== undefined || ip === undefined || ip === "AWS Internal" || /\.amazonaws\.com$/.test(ip);
}

/** The role session name of an AssumedRole caller (principalId is ROLEID:SESSION). */
export function sessionNameOf(e: TrailEvent): string | undefined {
  const id = identityOf(e);
  if (id.type !== "AssumedRole" || !id.principalId) return undefined;
  const i = id.principalId.indexOf(":");
  return i >= 0 ? id.principalId.slice(i + 1) : undefined;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/** arn:aws:iam::ACCOUNT:role/PATH/NAME -> arn:aws:sts::ACCOUNT:assumed-role/NAME/, or undefined. */
function assumedRoleArnPrefix(roleArn: string): string | undefined {
  const m = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/.exec(roleArn);
  return m ? `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/` : undefined;
}

const roleNameOfArn = (arn: string | undefined) => (arn ? /:assumed-role\/([^/]+)\//.exec(arn)?.[1] : undefined);

const text = (v: unknown) => (v === null || v === undefined ? "" : JSON.stringify(v));

/** Whether the event names the id: in its resources, its request or its response. */
export function eventNames(e: TrailEvent, id: string): boolean {
  if (e.resources.some((r) => r.name === id || (r.name?.endsWith(`/${id}`) ?? false))) return true;
  const quoted = JSON.stringify(id);
  return text(e.detail.requestParameters).includes(quoted) || text(e.detail.responseElements).includes(quoted);
}

interface ActionKind {
  kind: string;
  verb: string;
  severity: FindingSeverity;
}

/** The events that launch, change or access a resource, and the finding each gives. */
const ACTIONS: Record<string, ActionKind> = {
  RunInstances: { kind: "trail.instance.launched", verb: "launched", severity: "medium" },
  ModifyInstanceAttribute: { kind: "trail.instance.modified", verb: "changed an attribute of", severity: "medium" },
  AuthorizeSecurityGroupIngress: { kind: "trail.security-group.opened", verb: "opened inbound access in", severity: "medium" },
  AuthorizeSecurityGroupEgress: { kind: "trail.security-group.opened", verb: "opened outbound access in", severity: "low" },
  CreateSecurityGroup: { kind: "trail.security-group.created", verb: "created", severity: "low" },
  CreateKeyPair: { kind: "trail.key-pair.created", verb: "created key pair", severity: "medium" },
  ImportKeyPair: { kind: "trail.key-pair.created", verb: "imported key pair", severity: "medium" },
  AssociateIamInstanceProfile: { kind: "trail.instance.role-attached", verb: "attached an instance role to", severity: "medium" },
  ReplaceIamInstanceProfileAssociation: { kind: "trail.instance.role-attached", verb: "replaced the instance role of", severity: "medium" },
  SendCommand: { kind: "trail.ssm.command", verb: "ran an SSM command on", severity: "medium" },
  StartSession: { kind: "trail.ssm.session", verb: "opened an SSM session on", severity: "medium" },
  ConsoleLogin: { kind: "trail.console-login", verb: "signed in to the console as", severity: "medium" },
  StartInstances: { kind: "trail.instance.state-changed", verb: "started", severity: "info" },
  StopInstances: { kind: "trail.instance.state-changed", verb: "stopped", severity: "info" },
  RebootInstances: { kind: "trail.instance.state-changed", verb: "rebooted", severity: "info" },
  TerminateInstances: { kind: "trail.instance.state-changed", verb: "terminated", severity: "low" },
  AssociateAddress: { kind: "trail.address.associated", verb: "associated an Elastic IP with", severity: "low" },
  AllocateAddress: { kind: "trail.address.allocated", verb: "allocated", severity: "low" },
  GetConsoleOutput: { kind: "trail.instance.read", verb: "read the console output of", severity: "low" },
  GetPasswordData: { kind: "trail.instance.read", verb: "read the Windows password data of", severity: "medium" },
  CreateUser: { kind: "trail.iam.user-created", verb: "created IAM user", severity: "high" },
  CreateAccessKey: { kind: "trail.iam.key-created", verb: "created an access key for", severity: "high" },
  CreateLoginProfile: { kind: "trail.iam.console-password", verb: "set a console password for", severity: "high" },
  AttachUserPolicy: { kind: "trail.iam.policy-attached", verb: "attached a policy to", severity: "high" },
  PutUserPolicy: { kind: "trail.iam.policy-attached", verb: "put an inline policy on", severity: "high" },
  StopLogging: { kind: "trail.cloudtrail.stopped", verb: "stopped CloudTrail logging of", severity: "critical" },
  DeleteTrail: { kind: "trail.cloudtrail.stopped", verb: "deleted the trail", severity: "critical" },
};

/** The event names the reader asks LookupEvents for by resource (ResourceName) and the trail files by name. */
export const ACTION_EVENT_NAMES = Object.keys(ACTIONS);

/** What of the request says most about the change (the rule opened, the attribute, the document, the key name...). */
function detailOf(e: TrailEvent): Record<string, string | number | boolean> {
  const req = (e.detail.requestParameters ?? {}) as Record<string, unknown>;
  const out: Record<string, string | number | boolean> = {};
  const put = (k: string, v: unknown) => {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = typeof v === "string" ? v.slice(0, 200) : v;
  };
  switch (e.eventName) {
    case "AuthorizeSecurityGroupIngress":
    case "AuthorizeSecurityGroupEgress": {
      put("groupId", req.groupId);
      const perms = ((req.ipPermissions as { items?: unknown[] } | undefined)?.items ?? []) as Record<string, unknown>[];
      const cidrs: string[] = [];
      const ports: string[] = [];
      for (const p of perms) {
        const from = p.fromPort;
        const to = p.toPort;
        ports.push(`${String(p.ipProtocol ?? "?")}/${from === to ? String(from) : `${String(from)}-${String(to)}`}`);
        for (const r of ((p.ipRanges as { items?: { cidrIp?: string }[] } | undefined)?.items ?? [])) if (r.cidrIp) cidrs.push(r.cidrIp);
        for (const r of ((p.ipv6Ranges as { items?: { cidrIpv6?: string }[] } | undefined)?.items ?? [])) if (r.cidrIpv6) cidrs.push(r.cidrIpv6);
      }
      if (ports.length) out.ports = ports.join(", ");
      if (cidrs.length) out.sources = cidrs.join(", ");
      out.openToWorld = cidrs.some((c) => c === "0.0.0.0/0" || c === "::/0");
      break;
    }
    case "ModifyInstanceAttribute":
      put("instanceId", req.instanceId);
      put("attribute", req.attribute ?? Object.keys(req).find((k) => k !== "instanceId"));
      break;
    case "RunInstances": {
      put("instanceType", req.instanceType);
      put("imageId", req.imageId);
      put("keyName", req.keyName);
      const items = ((e.detail.responseElements as { instancesSet?: { items?: { instanceId?: string }[] } } | null)?.instancesSet?.items ?? []).map((i) => i.instanceId).filter(Boolean);
      if (items.length) out.instances = items.join(", ");
      break;
    }
    case "CreateKeyPair":
    case "ImportKeyPair":
      put("keyName", req.keyName);
      break;
    case "SendCommand":
      put("documentName", req.documentName);
      break;
    case "StartSession":
      put("target", req.target);
      break;
    case "ConsoleLogin": {
      const resp = (e.detail.responseElements ?? {}) as Record<string, unknown>;
      put("result", resp.ConsoleLogin);
      const add = (e.detail.additionalEventData ?? {}) as Record<string, unknown>;
      put("mfaUsed", add.MFAUsed);
      break;
    }
    default:
      for (const k of ["instanceId", "groupId", "userName", "keyName", "allocationId", "name"]) put(k, req[k]);
  }
  const err = str(e.detail.errorCode);
  if (err) out.errorCode = err;
  return out;
}

const hhmm = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const listed = (xs: string[], n = 5) => (xs.length <= n ? xs.join(", ") : `${xs.slice(0, n).join(", ")} and ${xs.length - n} more`);

/** Desk's own calls (containment) are in its journal; they are not findings about the incident. */
const byAbuseDesk = (e: TrailEvent) => (str(e.detail.userAgent) ?? "").startsWith("abuse-desk");

const MAX_ACTION_FINDINGS = 200;

export function analyzeTrail(input: AnalyzeInput): Finding[] {
  const { subject, instances, foundBy, evidence } = input;
  const events = [...new Map(input.events.map((e) => [e.eventId, e])).values()].sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : a.eventId < b.eventId ? -1 : 1));
  const src = (e: FoundEvent): FindingSource => ({ evidence, query: `eventID ${e.eventId} (${e.accountId} ${e.awsRegion}); found by ${foundBy.get(e.eventId) ?? "the trail search"}` });
  const findings: Finding[] = [];

  const resourceIds = subject.resources.map((r) => r.id);
  const principalKeys = new Set(subject.principals.filter((p) => p.kind === "access-key").map((p) => p.id));
  const principalUsers = new Set(subject.principals.filter((p) => p.kind === "user").map((p) => p.id));
  const principalRoles = new Set(subject.principals.filter((p) => p.kind === "role").map((p) => p.id.split("/").pop()!));
  const byPrincipal = (e: TrailEvent): string | undefined => {
    const id = identityOf(e);
    if (id.accessKeyId && principalKeys.has(id.accessKeyId)) return id.accessKeyId;
    if (id.type === "IAMUser" && id.userName && principalUsers.has(id.userName)) return id.userName;
    if (e.eventName === "ConsoleLogin" && e.username && principalUsers.has(e.username)) return e.username;
    const role = roleNameOfArn(id.arn);
    if (role && principalRoles.has(role)) return role;
    return undefined;
  };

  // ---- who launched, changed or accessed each resource; what the implicated principals did ----
  let actionCount = 0;
  let actionsLeftOut = 0;
  for (const e of events) {
    const a = ACTIONS[e.eventName];
    if (!a || byAbuseDesk(e)) continue;
    const about = resourceIds.filter((id) => eventNames(e, id));
    const principal = byPrincipal(e);
    if (about.length === 0 && principal === undefined) continue;
    if (actionCount >= MAX_ACTION_FINDINGS) {
      actionsLeftOut++;
      continue;
    }
    actionCount++;
    const figures: Record<string, string | number | boolean> = { eventName: e.eventName, region: e.awsRegion, account: e.accountId, actor: actorOf(e), ...detailOf(e) };
    const ip = sourceIp(e);
    if (ip) figures.sourceIp = ip;
    let severity: FindingSeverity = a.severity;
    if (principal !== undefined && severity !== "critical") severity = e.detail.errorCode ? "medium" : "high";
    if (figures.openToWorld === true && severity !== "critical") severity = "high";
    if (e.eventName === "ModifyInstanceAttribute" && figures.attribute === "userData") severity = "high";
    const target =
      about.length > 0
        ? about.join(", ")
        : e.eventName === "ConsoleLogin"
          ? (e.username ?? "the account")
          : str(figures.instances) ?? str(figures.groupId) ?? str(figures.keyName) ?? str(figures.userName) ?? str(figures.instanceId) ?? `${e.accountId} ${e.awsRegion}`;
    const extra = [
      figures.ports !== undefined ? `${String(figures.ports)} from ${String(figures.sources ?? "?")}` : "",
      figures.attribute !== undefined ? `(${String(figures.attribute)})` : "",
      figures.documentName !== undefined ? `(document ${String(figures.documentName)})` : "",
      figures.instanceType !== undefined && e.eventName === "RunInstances" ? `(${String(figures.instanceType)})` : "",
      figures.result !== undefined ? `: ${String(figures.result)}${figures.mfaUsed !== undefined ? `, MFA ${String(figures.mfaUsed)}` : ""}` : "",
      figures.errorCode !== undefined ? `— refused (${String(figures.errorCode)})` : "",
    ].filter(Boolean);
    findings.push({
      kind: a.kind,
      area: "cloudtrail",
      severity,
      subject: about[0] ?? principal ?? target,
      summary: `${actorOf(e)}${ip ? ` from ${ip}` : ""} ${a.verb} ${target}${extra.length ? ` ${extra.join(" ")}` : ""} at ${hhmm(e.eventTime)} in ${e.awsRegion}${principal !== undefined && about.length === 0 ? ` (with the implicated ${principal})` : ""}.`,
      figures,
      at: e.eventTime,
      sources: [src(e)],
    });
  }
  if (actionsLeftOut > 0)
    findings.push({
      kind: "trail.actions.more",
      area: "cloudtrail",
      severity: "info",
      subject: subject.caseId,
      summary: `${actionsLeftOut} more launch/change/access events than the ${MAX_ACTION_FINDINGS} stated; all are in the CloudTrail extract.`,
      figures: { stated: MAX_ACTION_FINDINGS, more: actionsLeftOut },
      sources: [{ evidence }],
    });

  // ---- each implicated principal's activity, in numbers ----
  const perPrincipal = new Map<string, FoundEvent[]>();
  for (const e of events) {
    const p = byPrincipal(e);
    if (p === undefined) continue;
    const l = perPrincipal.get(p);
    if (l) l.push(e);
    else perPrincipal.set(p, [e]);
  }
  for (const [p, list] of perPrincipal) {
    const writes = list.filter((e) => e.detail.readOnly !== true && e.detail.readOnly !== "true");
    const denied = list.filter((e) => str(e.detail.errorCode) !== undefined);
    const ips = [...new Set(list.map(sourceIp).filter((x): x is string => x !== undefined))];
    const regions = [...new Set(list.map((e) => e.awsRegion))].sort();
    const counts = new Map<string, number>();
    for (const e of list) counts.set(e.eventName, (counts.get(e.eventName) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    findings.push({
      kind: "trail.principal.activity",
      area: "cloudtrail",
      severity: writes.length > 0 ? "high" : "medium",
      subject: p,
      summary: `${p} made ${list.length} calls (${writes.length} changes, ${denied.length} refused) in ${regions.length} region${regions.length === 1 ? "" : "s"} from ${ips.length} address${ips.length === 1 ? "" : "es"} (${listed(ips)}) between ${hhmm(list[0]!.eventTime)} and ${hhmm(list.at(-1)!.eventTime)}: ${listed(top.map(([n, c]) => `${n} ×${c}`), 8)}.`,
      figures: { calls: list.length, changes: writes.length, refused: denied.length, regions: regions.join(","), addresses: ips.length, first: list[0]!.eventTime, last: list.at(-1)!.eventTime },
      at: list[0]!.eventTime,
      sources: list.slice(0, 100).map(src),
    });
  }

  // ---- the instance role's credentials used from outside the instance ----
  for (const inst of instances) {
    const own = new Set(inst.ownAddresses);
    const nat = new Set(inst.natAddresses);
    const sessionsOf = inst.roleArn ? assumedRoleArnPrefix(inst.roleArn) : undefined;
    const sessionCalls = events.filter((e) => {
      const session = sessionNameOf(e);
      if (session === undefined) return false;
      const arn = identityOf(e).arn;
      // A session of the instance's role: named after this instance, or after no instance at all
      // (credentials taken and re-used under another name); another instance's id is that instance's own.
      if (sessionsOf && arn?.startsWith(sessionsOf)) return session === inst.instanceId || !INSTANCE_ID.test(session);
      return session === inst.instanceId && (inst.roleName === undefined || roleNameOfArn(arn) === inst.roleName);
    });
    const outside = sessionCalls.filter((e) => {
      if (isAwsServiceCall(e)) return false;
      const ip = sourceIp(e)!;
      return !own.has(ip) && !nat.has(ip);
    });
    if (outside.length === 0) continue;
    const ips = [...new Set(outside.map((e) => sourceIp(e)!))];
    const regions = [...new Set(outside.map((e) => e.awsRegion))].sort();
    const names = [...new Set(outside.map((e) => e.eventName))];
    const role = inst.roleName ?? roleNameOfArn(identityOf(outside[0]!).arn) ?? "the instance role";
    findings.push({
      kind: "trail.role-credentials-outside",
      area: "cloudtrail",
      severity: "critical",
      subject: inst.instanceId,
      summary: `The credentials of ${inst.instanceId}'s role ${role} were used from outside the instance: ${outside.length} call${outside.length === 1 ? "" : "s"} from ${listed(ips)} (not the instance's address${own.size === 1 ? "" : "es"} ${listed([...own]) || "(none known)"}) in ${regions.join(", ")} between ${hhmm(outside[0]!.eventTime)} and ${hhmm(outside.at(-1)!.eventTime)}: ${listed(names, 8)}. The role's sessions must be revoked.`,
      figures: { calls: outside.length, addresses: ips.join(","), regions: regions.join(","), first: outside[0]!.eventTime, last: outside.at(-1)!.eventTime, callsFromInstance: sessionCalls.length - outside.length, role },
      at: outside[0]!.eventTime,
      sources: outside.slice(0, 100).map(src),
    });
  }
  return findings;
}
