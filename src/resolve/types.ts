/**
 * What resolution returns: each resource the notice names, found (or not) in the estate, enriched
 * with what a responder needs to contain it. Plain data; the playbook stage plans from this.
 */
import type {
  AccessKey,
  AutoScalingGroup,
  Bucket,
  Distribution,
  ElasticIp,
  IamUser,
  Instance,
  LoadBalancer,
  NatGateway,
  NetworkAcl,
  NetworkInterface,
  SecurityGroup,
  SsmManagedInstance,
  Subnet,
  Tags,
  TargetGroup,
  Vpc,
} from "../cloud/model.ts";
import type { AddressAt } from "../case/address-history.ts";
import type { ResourceRef } from "../notice/types.ts";

/** Who held a public IP during the activity window, read from CloudTrail or abuse-desk's address history (`source`). */
export interface IpHistory {
  ip: string;
  /** Plain words: "released at T; held by i-… from T1 to T2". */
  summary: string;
  holders: { resourceId: string; kind: "instance" | "network-interface" | "nat-gateway" | "other"; from: string | null; to: string | null; allocationId?: string }[];
  /** The CloudTrail events it was read from (event ids), newest first. */
  eventIds: string[];
  /** Where it was read: CloudTrail, or abuse-desk's own address history (inventory runs) when CloudTrail had nothing. Absent only in resolutions stored before it was said (read them as CloudTrail). */
  source?: "cloudtrail" | "address-history";
}

/** An ENI with its security groups read in full (rules included). */
export interface EnrichedInterface extends NetworkInterface {
  securityGroups: SecurityGroup[];
}

/** The owner, team and environment as the tags say (common key spellings folded). */
export interface Ownership {
  owner?: string;
  team?: string;
  environment?: string;
  application?: string;
}

interface Located {
  accountId: string;
  region: string;
}

export type Resolved =
  | (Located & {
      type: "ec2-instance";
      id: string;
      instance: Instance;
      vpc?: Vpc;
      subnet?: Subnet;
      networkAcl?: NetworkAcl;
      interfaces: EnrichedInterface[];
      autoScalingGroup?: AutoScalingGroup;
      targetGroups: TargetGroup[];
      classicLoadBalancers: LoadBalancer[];
      ssm?: SsmManagedInstance;
      publicIps: string[];
      elasticIps: ElasticIp[];
      ownership: Ownership;
      tags: Tags;
    })
  | (Located & { type: "network-interface"; id: string; networkInterface: EnrichedInterface; subnet?: Subnet; networkAcl?: NetworkAcl; ownership: Ownership; tags: Tags })
  | (Located & { type: "elastic-ip"; id: string; address: ElasticIp; ownership: Ownership; tags: Tags })
  | (Located & { type: "nat-gateway"; id: string; natGateway: NatGateway; subnet?: Subnet; ownership: Ownership; tags: Tags })
  | (Located & { type: "load-balancer"; id: string; loadBalancer: LoadBalancer; ownership: Ownership; tags: Tags })
  | (Located & { type: "access-key"; id: string; accessKey: AccessKey; user: IamUser | null; ownership: Ownership; tags: Tags })
  | (Located & { type: "s3-bucket"; id: string; bucket: Bucket; ownership: Ownership; tags: Tags })
  | (Located & { type: "cloudfront-distribution"; id: string; distribution: Distribution; ownership: Ownership; tags: Tags });

/** One thing the notice named, and what became of looking for it. */
export interface Finding {
  /** What the notice said (the ref's type and id; an IP for public-ip refs). */
  ref: Pick<ResourceRef, "type" | "id" | "accountId" | "region" | "publicIp">;
  /**
   * found / moved: it is there (or was, and moved). not-found: every place it could be was read and
   * it is in none. not-searched: it is in none of the places read, and some place it could be could
   * not be read (see `Resolution.gaps`): never "not found". error: the cloud port does not look
   * this kind of resource up at all.
   */
  status: "found" | "not-found" | "moved" | "not-searched" | "error";
  /** Plain words for a person: "i-0abc in 111122223333/eu-west-1, running, owner alice". */
  summary: string;
  /** What it resolved to (several when an IP maps to an instance and its ENI, or a key to its user). */
  resources: Resolved[];
  ipHistory?: IpHistory;
  /** Where it was looked for, so "not found" can say "in 3 accounts, 17 regions". */
  searched: { accountId: string; regions: string[] }[];
  error?: string;
  /** Further plain-words observations ("found in us-east-1, not in eu-west-1 as the notice says", "sg-0abc is open to the world on tcp/22"). */
  notes?: string[];
}

/**
 * An account or region resolution could not read, with why and what fixes it. `accountId` "*" is
 * the listing of the accounts itself. Read it through `searchOutcome` (src/resolve/outcome.ts):
 * whether the search was complete is decided there, once, for every command and renderer.
 */
export interface Unsearched {
  accountId: string;
  region?: string;
  /** Why, in words: "access denied: ec2:DescribeInstances is not allowed (...)". */
  reason: string;
  /** What a person does about it: "grant ec2:DescribeInstances to the role resolution uses (docs/iam/read-only-policy.json)". */
  fix?: string;
  /** The cloud error's kind ("access-denied", "no-credentials", "unavailable", ...; "unexpected" for anything else). */
  cause?: string;
}

export interface Resolution {
  findings: Finding[];
  /** Accounts and regions that could not be searched (access denied, no credentials, endpoint errors, region disabled), with why. */
  gaps: Unsearched[];
  /** Wall time spent, for the progress line. */
  elapsedMs: number;
}

/** What resolution reports while it runs (the CLI's progress line). */
export interface ResolveProgress {
  phase: "accounts" | "locate" | "enrich" | "history" | "done";
  /** One line for a person ("eu-west-1: 3 of 17 regions searched"). */
  message: string;
  accountId?: string;
  region?: string;
  /** Cloud calls finished and started so far. */
  callsDone: number;
  callsStarted: number;
}

export interface ResolveOptions {
  /** Search only these accounts (default: the notice's, else every account the port reaches). */
  accounts?: string[];
  /** Search only these regions (default: the notice's, else every enabled region). */
  regions?: string[];
  /** Cloud calls in flight per account and region (default 8). */
  concurrency?: number;
  /** Cloud calls in flight in all (default 64). */
  totalConcurrency?: number;
  onProgress?: (e: ResolveProgress) => void;
  /** The clock (CloudTrail's 90 days are counted back from it). */
  now?: Date;
  /** Who held an address at a time per abuse-desk's address history (the case store's addressAt): asked when CloudTrail has nothing. */
  addressHistory?: (publicIp: string, at: string) => Promise<AddressAt>;
}
