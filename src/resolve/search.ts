/**
 * The state of one resolution: what every wave reads and writes. The places that could not be
 * read (gaps), the findings per reference, where each reference was searched and what each region
 * answered, and the caches that make each question to the cloud asked once (the enabled regions of
 * an account, a region's CloudTrail, an instance's enrichment). Every cloud call goes through
 * `call`: capped per account, region and service, counted for progress, and a failure becomes a
 * gap (never a "not found").
 */
import { CloudError } from "../cloud/errors.ts";
import type { ElasticIp, Instance, LoadBalancer, NatGateway, NetworkInterface, Scope, TrailEvent } from "../cloud/model.ts";
import type { CloudReader } from "../cloud/port.ts";
import type { Ref } from "./refs.ts";
import { Limiter } from "./limiter.ts";
import type { Finding, Resolution, Resolved, ResolveOptions, ResolveProgress } from "./types.ts";

export type InstanceResolved = Extract<Resolved, { type: "ec2-instance" }>;
export type Gap = Resolution["gaps"][number];
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: unknown };
export type TrailEvents = (TrailEvent & { accountId: string })[];

export const key = (s: Scope) => `${s.accountId}/${s.region}`;
export const uniq = <T>(xs: Iterable<T>) => [...new Set(xs)];
/** A call's value, or what stands for "nothing read" (the failure is already a gap). */
export const valueOr = <T>(r: CallResult<T>, fallback: T): T => (r.ok ? r.value : fallback);

/** The regional lookups, one per kind of reference (a failed one makes the region a gap for that kind, not a "not found"). */
export type LookupKind = "instances" | "ips" | "enis" | "nats" | "allocs" | "lbs";

/** What one region answered for the references located there. */
export interface ScopeHits {
  scope: Scope;
  /** Asked before DescribeRegions answered (a default region): kept only if the account's regions include it. */
  speculative: boolean;
  /** Which kinds of lookup succeeded. */
  ok: Set<LookupKind>;
  instances: Map<string, Instance>;
  /** Public IP -> the instance whose primary public IP it is. */
  instanceByIp: Map<string, Instance>;
  /** Public IP -> the ENI holding it. */
  eniByIp: Map<string, NetworkInterface>;
  eniById: Map<string, NetworkInterface>;
  eipByIp: Map<string, ElasticIp>;
  eipByAlloc: Map<string, ElasticIp>;
  natById: Map<string, NatGateway>;
  lbById: Map<string, LoadBalancer>;
}

export class Search {
  readonly gaps: Gap[] = [];
  /** Failures of speculative calls, held until DescribeRegions says whether the region is enabled at all. */
  private readonly held: { accountId: string; region?: string; error: unknown }[] = [];
  /** Findings whose IP is not (or no longer) with what held it during the activity. */
  readonly moved = new Set<Finding>();
  /** One finding per reference, in the notice's order of references. */
  readonly findings = new Map<Ref, Finding>();
  /** What each region searched answered (wave 1). */
  readonly located: ScopeHits[] = [];
  /** Where each reference was searched successfully: account -> regions ("global" for IAM, S3, CloudFront). */
  readonly searched = new Map<Ref, Map<string, Set<string>>>();
  /** Enriched instances by `account/region|id`, and the batch each region is gathering this tick (enrich.ts). */
  readonly enriched = new Map<string, Promise<InstanceResolved | null>>();
  readonly pending = new Map<string, { ids: Set<string>; known: Map<string, Instance>; result: Promise<Map<string, InstanceResolved>> }>();
  readonly now: Date;
  private readonly gapKeys = new Set<string>();
  private readonly limiter: Limiter;
  private callsStarted = 0;
  private callsDone = 0;
  private readonly regionCache = new Map<string, Promise<string[] | null>>();
  /** CloudTrail reads, by region and query: every IP reference of a region asks the same question. */
  private readonly trailCache = new Map<string, Promise<TrailEvents | null>>();

  constructor(
    readonly port: CloudReader,
    readonly opts: ResolveOptions,
  ) {
    this.limiter = new Limiter(opts.concurrency ?? 8, opts.totalConcurrency ?? 64);
    this.now = opts.now ?? new Date();
  }

  progress(phase: ResolveProgress["phase"], message: string, scope?: Partial<Scope>): void {
    this.opts.onProgress?.({ phase, message, ...(scope?.accountId ? { accountId: scope.accountId } : {}), ...(scope?.region ? { region: scope.region } : {}), callsDone: this.callsDone, callsStarted: this.callsStarted });
  }

  gap(accountId: string, region: string | undefined, why: Omit<Gap, "accountId" | "region">): void {
    const k = `${accountId}|${region ?? ""}|${why.reason}`;
    if (this.gapKeys.has(k)) return;
    this.gapKeys.add(k);
    this.gaps.push({ accountId, ...(region ? { region } : {}), ...why });
  }

  /** A speculative failure is a gap only in a region the account has enabled (unknown: any failure but "not enabled"). */
  async releaseHeld(): Promise<void> {
    const held = this.held.splice(0);
    for (const h of held) {
      const enabled = await this.regionsOf(h.accountId);
      const disabled = h.error instanceof CloudError && h.error.kind === "region-disabled";
      if (enabled ? h.region !== undefined && enabled.includes(h.region) : !disabled) this.gap(h.accountId, h.region, reasonOf(h.error, h));
    }
  }

  /**
   * One port call under the limiter; a failure becomes a gap and `{ ok: false }`. The failure of a
   * speculative call (a default region searched before DescribeRegions answered) is held until the
   * enabled regions are known: in a region the account has not enabled (another partition) it is no gap.
   */
  async call<T>(where: { accountId: string; region?: string }, fn: () => Promise<T>, service = "ec2", speculative = false): Promise<CallResult<T>> {
    // AWS's request rates are per account, region and service: cap there.
    return this.limiter.run(`${where.accountId}/${where.region ?? "global"}/${service}`, async () => {
      this.callsStarted++;
      try {
        return { ok: true as const, value: await fn() };
      } catch (error) {
        if (speculative) this.held.push({ accountId: where.accountId, region: where.region, error });
        else this.gap(where.accountId, where.region, reasonOf(error, where));
        return { ok: false as const, error };
      } finally {
        this.callsDone++;
        this.progress("locate", `${this.callsDone} calls done`, where);
      }
    });
  }

  regionsOf(accountId: string): Promise<string[] | null> {
    let p = this.regionCache.get(accountId);
    if (!p) {
      p = this.call({ accountId }, () => this.port.regions(accountId)).then((r) => (r.ok ? r.value : null));
      this.regionCache.set(accountId, p);
    }
    return p;
  }

  /**
   * One CloudTrail question of one region, memoised for the run: LookupEvents answers 2 requests a
   * second per region, so each question is asked once however many references need the answer.
   * null: the trail could not be read there (a gap), which proves nothing.
   */
  lookupEvents(scope: Scope, query: Parameters<CloudReader["lookupEvents"]>[1]): Promise<TrailEvents | null> {
    const k = `${key(scope)}|${JSON.stringify(query)}`;
    let p = this.trailCache.get(k);
    if (!p) {
      p = this.call(scope, () => this.port.lookupEvents(scope, query), "cloudtrail").then((r) => (r.ok ? r.value.map((e) => ({ ...e, accountId: scope.accountId })) : null));
      this.trailCache.set(k, p);
    }
    return p;
  }

  markSearched(ref: Ref, s: Scope): void {
    let m = this.searched.get(ref);
    if (!m) this.searched.set(ref, (m = new Map()));
    let set = m.get(s.accountId);
    if (!set) m.set(s.accountId, (set = new Set()));
    set.add(s.region);
  }

  /** The places a reference was searched, as a finding says them. */
  searchedOf(ref: Ref): Finding["searched"] {
    return [...(this.searched.get(ref) ?? new Map<string, Set<string>>()).entries()].filter(([, regions]) => regions.size > 0).map(([accountId, regions]) => ({ accountId, regions: [...regions].sort() }));
  }

  findingOf(ref: Ref): Finding {
    let f = this.findings.get(ref);
    if (!f) {
      f = { ref: { type: ref.noticeType === "elastic-ip" && ref.type === "public-ip" ? "elastic-ip" : ref.noticeType, id: ref.id, ...(ref.accountId ? { accountId: ref.accountId } : {}), ...(ref.region ? { region: ref.region } : {}), ...(ref.publicIp ? { publicIp: ref.publicIp } : {}) }, status: "not-found", summary: "", resources: [], searched: [] };
      this.findings.set(ref, f);
    }
    return f;
  }
}

/** Adds a note to a finding once. */
export function note(f: Finding, text: string): void {
  if (!(f.notes ??= []).includes(text)) f.notes.push(text);
}

/** Why a place could not be read, what fixes it, and the error's kind: one Unsearched without its place. */
export function reasonOf(error: unknown, where: { accountId: string; region?: string }): Omit<Gap, "accountId" | "region"> {
  if (error instanceof CloudError) {
    const cause = error.kind;
    switch (error.kind) {
      case "access-denied":
        return error.action === "sts:AssumeRole"
          ? { cause, reason: "access denied: sts:AssumeRole is not allowed (the role can't be assumed in this account)", fix: `let the caller assume the role in ${where.accountId}: its trust policy must name the caller (aws.assumeRole, docs/aws.md)` }
          : {
              cause,
              reason: `access denied: ${error.action ?? "an IAM action"} is not allowed (docs/iam/read-only-policy.json lists what resolution needs)`,
              fix: `grant ${error.action ?? "the actions of docs/iam/read-only-policy.json"} to the identity resolution runs as (docs/iam/read-only-policy.json)`,
            };
      case "region-disabled":
        return { cause, reason: `region ${error.region ?? where.region} is not enabled for the account`, fix: "none needed: a region the account has not enabled holds no resources" };
      case "unknown-account":
        return { cause, reason: `account ${where.accountId} is not reachable with these credentials`, fix: `list ${where.accountId} in aws.accounts with a role it lets you assume (aws.assumeRole, docs/aws.md), or run with that account's credentials` };
      case "throttled":
        return { cause, reason: `still throttled after retries (${error.action ?? "a call"}); try again or lower --concurrency`, fix: "run it again later, or with a lower --concurrency" };
      case "no-credentials":
        return { cause, reason: `no AWS credentials: ${error.message}`, fix: "give credentials: AWS_PROFILE or --profile, aws sso login, the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables, or an instance role (docs/aws.md)" };
      case "unavailable":
        return { cause, reason: `AWS did not answer (${error.action ?? "a call"}): ${error.message}`, fix: "check the network and AWS_ENDPOINT_URL (if set), then run it again" };
      default:
        return { cause, reason: error.message, fix: "run it again; if it persists, the message says what AWS refused" };
    }
  }
  return { cause: "unexpected", reason: `unexpected error: ${error instanceof Error ? error.message : String(error)}`, fix: "run it again; if it persists, report the error" };
}
