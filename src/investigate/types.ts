/**
 * The investigation's plain data: what it looks at (a Subject), what it states (Findings, each traced
 * to the evidence and the query that produced it) and what it could not look at (NotSearched).
 *
 * Every reader (CloudTrail, VPC flow logs, the host through SSM, the credential sweep) is a function
 * `(ctx, subject) => Promise<InvestigationPart>` over ports, so the simulated account and AWS answer
 * the same questions; the orchestrator (src/investigate/index.ts) merges the parts, stores the
 * artifacts as case evidence and the findings on the case.
 */
import type { Scope } from "../cloud/model.ts";
import type { CloudPort } from "../cloud/port.ts";
import type { EvidenceInput } from "../case/types.ts";
import type { ActivityType } from "../notice/types.ts";

/** What is investigated: built from a case (its notices' facts and its resolved resources). */
export interface Subject {
  caseId: string;
  activityType: ActivityType;
  /** The notice's activity window widened by the configured margin, ISO 8601 UTC. `end` is "now" when the notice gave none. */
  window: { start: string; end: string };
  /** The window as the notice gave it, before widening (null bounds when the notice did not say). */
  noticeWindow: { begin: string | null; end: string | null };
  /** Remote addresses and ports the notice reported (the targets of a scan, a DoS, spam...). */
  remoteIps: string[];
  remotePorts: number[];
  /** The implicated resources, where they were found. */
  resources: SubjectResource[];
  /** Principals named by the notice or found on the resources (access key ids, user names, role ARNs). */
  principals: SubjectPrincipal[];
  /** When containment was applied (the first applied step of the case's plan), to tell whether the traffic stopped after it. */
  containedAt: string | null;
}

export interface SubjectResource {
  scope: Scope;
  kind: "instance" | "network-interface" | "elastic-ip" | "nat-gateway" | "load-balancer" | "other";
  id: string;
  /** Addresses the resource held (public and private), its ENIs, its instance role (ARN), its platform. */
  publicIps: string[];
  privateIps: string[];
  networkInterfaceIds: string[];
  instanceRoleArn?: string;
  platform?: "linux" | "windows";
}

export interface SubjectPrincipal {
  accountId: string;
  kind: "access-key" | "user" | "role" | "root";
  /** The access key id, the user name or the role ARN. */
  id: string;
}

export type FindingArea = "cloudtrail" | "flow-logs" | "host" | "credentials";
export type FindingSeverity = "info" | "low" | "medium" | "high" | "critical";

/** One statement the investigation makes, with numbers, traced to its source. */
export interface Finding {
  /** A stable kind (`flow.scan.confirmed`, `trail.role-credentials-outside`, `host.miner.running`): what the reply and the report key on. */
  kind: string;
  area: FindingArea;
  severity: FindingSeverity;
  /** The resource or principal it is about. */
  subject: string;
  /** One sentence a responder can paste ("xmrig running as www-data since 03:12, connected to 198.51.100.7:3333"). */
  summary: string;
  /** The numbers behind the sentence (distinct destinations per minute, packets per second...). */
  figures?: Record<string, number | string | boolean>;
  /** When what it states happened (ISO 8601 UTC), when known. */
  at?: string;
  /** Where it comes from: the evidence labels it was read from, and the exact query or command. */
  sources: FindingSource[];
}

export interface FindingSource {
  /** The evidence label of the artifact (as stored with the case). */
  evidence: string;
  /** The query (SQL, Logs Insights, LookupEvents parameters) or command that produced it. */
  query?: string;
}

/** For a notice about traffic: was it seen in the flow logs. */
export interface ActivityVerdict {
  verdict: "confirmed" | "not-observed" | "no-logs";
  /** The ENIs and window the verdict covers. */
  networkInterfaceIds: string[];
  window: { start: string; end: string };
  /** Whether flows of the activity continued after containment: null when there was no containment or no logs after it. */
  stoppedAfterContainment: boolean | null;
  query: string;
  figures: Record<string, number | string | boolean>;
}

/** Something that could not be read: said, never passed over as "nothing found". */
export interface NotSearched {
  what: string;
  scope?: Scope;
  reason: string;
}

/** What one reader returns. Artifacts become case evidence (SHA-256 computed by the store). */
export interface InvestigationPart {
  findings: Finding[];
  artifacts: EvidenceInput[];
  notSearched: NotSearched[];
  activity?: ActivityVerdict;
}

export function emptyPart(): InvestigationPart {
  return { findings: [], artifacts: [], notSearched: [] };
}

/** Where the organization's CloudTrail trail delivers its log files (AWSLogs/[o-id/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/). */
export interface TrailLogLocation {
  accountId: string;
  region: string;
  bucket: string;
  prefix?: string;
  organizationId?: string;
}

/** Athena, when the user asks for it (`--engine athena`). */
export interface AthenaOptions {
  accountId: string;
  region: string;
  database: string;
  workgroup?: string;
  /** s3://bucket/prefix/ for query results. */
  outputLocation: string;
}

/** The investigation's settings (config `investigate:`, flags override). Readers add optional fields here. */
export interface InvestigateOptions {
  /** How far the notice's window is widened on each side, in minutes. */
  marginMinutes: number;
  engine: "local" | "athena";
  athena?: AthenaOptions;
  orgTrail?: TrailLogLocation;
  /** Where SSM Run Command writes full outputs (inline output is truncated at 24,000 characters). */
  hostOutputs?: { bucket: string; prefix?: string; region?: string };
  hostTimeoutSeconds: number;
  /** Between two GetCommandInvocation polls, in milliseconds (default 3000; tests use 0). */
  hostPollMs?: number;
  /** VPC flow logs (src/investigate/flows): bounds on what is downloaded, and who owns a log bucket in another account. */
  flowLogs?: FlowLogOptions;
}

export interface FlowLogOptions {
  /** At most this many log files per investigation (default 5,000). */
  maxFiles?: number;
  /** At most this many bytes downloaded in all (default 8 GiB); each file at most 1 GiB. */
  maxBytes?: number;
  /** Log bucket -> the account that owns it (a log-archive account); default: the ENI's own account. */
  bucketOwners?: Record<string, string>;
  /** DuckDB's memory limit (default 512MB). */
  memoryLimit?: string;
  /** S3 objects named up to this many minutes after the window's end are read (default 30; src/investigate/flows/prune.ts). */
  deliverySlackMinutes?: number;
}

/** What every reader gets. */
export interface InvestigateContext {
  port: CloudPort;
  options: InvestigateOptions;
  now: () => Date;
  /** A private scratch directory for downloaded log files; the orchestrator removes it afterwards. */
  workDir: string;
  /** Progress for a person on a terminal (one line per step), never results. */
  progress?: (message: string) => void;
  signal?: AbortSignal;
}

/** The shape of every reader. */
export type Reader = (ctx: InvestigateContext, subject: Subject) => Promise<InvestigationPart>;
