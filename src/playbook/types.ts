import type { Scope } from "../cloud/model.ts";
import type { Notice } from "../notice/types.ts";
import type { Resolution, Resolved } from "../resolve/types.ts";
import type { VerdictLevel } from "../verify/types.ts";
import type { Policy } from "../policy/policy.ts";
import type { Subject } from "./builder.ts";

import type { PlaybookName } from "../plan/playbooks.ts";
import type { SweepResult } from "../credentials/sweep.ts";

export { PLAYBOOKS, type PlaybookName } from "../plan/playbooks.ts";

/** What the playbooks read of a notice. */
export type NoticeFacts = Pick<
  Notice,
  "kind" | "activityType" | "activityText" | "caseNumber" | "remoteIps" | "remotePorts" | "protocol" | "destinationUrls" | "logExtract" | "fields"
>;

export interface PlaybookOptions {
  /** Use this playbook whatever the activity says (a person's decision). */
  playbook?: PlaybookName;
  /** Stop the instances after snapshots and isolation (the policy's `host.stop` otherwise). */
  stop?: boolean;
  /** Traffic must stop now: deny the reported peers in the network ACL whatever the policy's `networkAcl.use`. */
  urgent?: boolean;
  /** Ports the offending service listens on (open proxy, reflection), when the notice does not say. */
  ports?: { tcp?: number[]; udp?: number[] };
  /**
   * Group Auto Scaling, load balancer and tagging calls across instances (default). `false` writes
   * one step per instance: the baseline the benchmark measures batching against.
   */
  batch?: boolean;
}

export interface PlaybookInput {
  planId: string;
  caseId: string | null;
  /** ISO 8601: the plan's creation time (a parameter so the function stays pure). */
  createdAt: string;
  notice: NoticeFacts;
  verdict: VerdictLevel;
  resolution: Resolution;
  policy: Policy;
  options?: PlaybookOptions;
  /** The credential sweep (src/credentials), for a credential case: the plan contains what the attacker made. */
  credentialSweep?: { result: SweepResult; deleteConsolePasswords?: boolean };
}

export type ResolvedInstance = Extract<Resolved, { type: "ec2-instance" }>;
export type ResolvedEni = Extract<Resolved, { type: "network-interface" }>;
export type ResolvedBucket = Extract<Resolved, { type: "s3-bucket" }>;
export type ResolvedDistribution = Extract<Resolved, { type: "cloudfront-distribution" }>;
export type ResolvedKey = Extract<Resolved, { type: "access-key" }>;

export function scopeOf(r: { accountId: string; region: string }): Scope {
  return { accountId: r.accountId, region: r.region };
}

/** One key for a thing in an account and region (ids are unique only there). */
export const scopedKey = (s: { accountId: string; region: string }, id: string) => `${s.accountId}|${s.region}|${id}`;
export const hostKey = (h: ResolvedInstance) => scopedKey(h, h.id);

/** What an automatic policy rule sees of a host: its account and tags. */
export const subjectOf = (h: ResolvedInstance): Subject => ({ accountId: h.accountId, tags: h.instance.tags });
