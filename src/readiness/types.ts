/**
 * Readiness: the posture that decides how the next abuse notice goes. Each check is a typed entry
 * of the catalogue (./checks.ts) with an id aligned with Prowler / CIS AWS Foundations where one
 * exists, and a function over the cloud port that answers pass, fail (with the resources) or
 * could-not-run (with the reason, naming the IAM action when access was denied). A check that
 * could not run is never counted as passed.
 */
import type { AccountInfo } from "../cloud/model.ts";
import type { CloudReader } from "../cloud/port.ts";
import type { Facts } from "./facts.ts";

export type Severity = "critical" | "high" | "medium" | "low";
export type Category = "notices" | "logging" | "identity" | "exposure" | "response";

/** A resource a check found wanting. */
export interface FailedResource {
  accountId: string;
  region?: string;
  /** The resource's id (sg-..., i-..., a user name, a region code for "no trail here"). */
  id: string;
  detail: string;
}

/** A place a check could not read. */
export interface NotRun {
  accountId: string;
  region?: string;
  reason: string;
  /** The IAM action that was denied, when that is the reason. */
  action?: string;
}

/** What one check found in one account. */
export interface CheckOutcome {
  /** Resources examined (0 is fine: nothing to examine). */
  examined: number;
  failed: FailedResource[];
  notRun: NotRun[];
}

export interface CheckContext {
  port: CloudReader;
  accountId: string;
  /** The account's enabled regions (read once). */
  regions: string[];
  now: Date;
  /** Memoised port reads shared by every check (./facts.ts). */
  facts: Facts;
  /** abuse-desk's own intake sources from the configuration, or undefined when no configuration was read. */
  intakeSources?: { name: string; kind: string }[];
}

/** What the runner gives a check that runs once for the whole organization. */
export interface OrganizationCheckContext {
  port: CloudReader;
  /** The accounts the port works in (after --account narrowing): examined even when Organizations does not list them. */
  accounts: AccountInfo[];
  /** True when the run was narrowed to some accounts: only those are examined. */
  narrowed: boolean;
  now: Date;
  facts: Facts;
}

export interface CheckMeta {
  id: string;
  title: string;
  severity: Severity;
  category: Category;
  /** The Prowler check id / CIS AWS Foundations control it follows, when one exists. */
  alignedWith?: string;
  /** Why it matters when AWS writes about abuse. */
  why: string;
  remediation: { console: string; cli: string };
}

/** A check of the catalogue: run in each account the port reaches (the default), or once for the organization. */
export type CheckDef = CheckMeta &
  ({ scope?: "account"; run(ctx: CheckContext): Promise<CheckOutcome> } | { scope: "organization"; run(ctx: OrganizationCheckContext): Promise<CheckOutcome> });

export type CheckStatus = "pass" | "fail" | "could-not-run";

export interface CheckResult {
  id: string;
  title: string;
  severity: Severity;
  category: Category;
  alignedWith?: string;
  why: string;
  remediation: { console: string; cli: string };
  /** fail when any resource failed; could-not-run when nothing failed but a place could not be read; pass only when every place was read and nothing failed. */
  status: CheckStatus;
  examined: number;
  failed: FailedResource[];
  notRun: NotRun[];
}

export interface ReadinessReport {
  generatedAt: string;
  source: string;
  accounts: { accountId: string; name?: string; regions: number; reachable: boolean }[];
  /** 0-100: the severity-weighted share of checks that passed (could-not-run counts as not passed). */
  score: number;
  counts: Record<CheckStatus, number>;
  checks: CheckResult[];
  elapsedMs: number;
}
