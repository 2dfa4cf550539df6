import type { NetworkAcl, Scope, Tags } from "../cloud/model.ts";
import { TAG_CASE, TAG_PLAN } from "../plan/tags.ts";
import type { Policy } from "../policy/policy.ts";
import type { PlanBuilder, StepRef, Subject } from "./builder.ts";
import type { PortSet } from "../plan/rules.ts";
import { scopedKey, scopeOf, subjectOf, type NoticeFacts, type PlaybookInput, type PlaybookOptions, type ResolvedEni, type ResolvedInstance } from "./types.ts";

/** What every playbook function reads while it writes steps. */
export interface PlanContext {
  b: PlanBuilder;
  policy: Policy;
  notice: NoticeFacts;
  options: PlaybookOptions;
  planId: string;
  /** The case id, or the plan id when there is no case yet: names groups and descriptions. */
  caseKey: string;
  /** Tags every touched resource gets. */
  caseTags: Tags;
  /** Group Auto Scaling, load balancer and tagging calls across instances. */
  batch: boolean;
  /** Protections found already in place (the plan's summary names them; no step is written). */
  already: string[];
  /**
   * Every host (instance or stand-alone interface) the playbook contains, by scoped id, with the
   * evidence steps written for it: the network ACL stage (acl.ts) denies the reported peers in the
   * ACLs these hosts use, whatever the playbook.
   */
  hosts: Map<string, PlannedHost>;
  /** What the playbook did with `--ports`: the ports it sought to close, and those it closed (none: it takes no port list). */
  ports?: { sought: PortSet; closed: PortSet; refused: PortSet; dropped?: string };
  /** The playbook isolates its hosts (compromised host): it also stops them when asked (`--stop`). */
  isolates?: boolean;
}

/** A host a playbook contains, as the network ACL stage needs it. */
export interface PlannedHost {
  kind: "instance" | "interface";
  scope: Scope;
  id: string;
  /** The ACL of the host's subnet (of the primary interface's, for an instance), when it was read. */
  networkAcl?: NetworkAcl;
  subnetId?: string;
  /** Interfaces of the host in another subnet than the primary one: their ACL is not read. */
  otherSubnets: { networkInterfaceId: string; subnetId: string }[];
  subject: Subject;
  /** The evidence steps (capture, snapshots) a deny that does not have to be first waits for. */
  evidence: StepRef[];
}

export function makeContext(input: PlaybookInput, b: PlanBuilder): PlanContext {
  const caseKey = input.caseId ?? input.planId;
  return {
    b,
    policy: input.policy,
    notice: input.notice,
    options: input.options ?? {},
    planId: input.planId,
    caseKey,
    caseTags: { [TAG_CASE]: caseKey, [TAG_PLAN]: input.planId },
    batch: input.options?.batch ?? true,
    already: [],
    hosts: new Map(),
  };
}

/**
 * Records a host the playbook contains, and an evidence step written for it: the network ACL
 * stage (acl.ts) denies the reported peers in the ACLs of these hosts, whatever the playbook.
 */
export function containHost(ctx: PlanContext, r: ResolvedInstance | ResolvedEni, evidence?: StepRef): void {
  const key = scopedKey(r, r.id);
  let h = ctx.hosts.get(key);
  if (!h) {
    h =
      r.type === "ec2-instance"
        ? {
            kind: "instance" as const,
            scope: scopeOf(r),
            id: r.id,
            ...(r.networkAcl ? { networkAcl: r.networkAcl } : {}),
            ...(r.instance.subnetId ? { subnetId: r.instance.subnetId } : {}),
            otherSubnets: r.interfaces
              .filter((e) => r.instance.subnetId && e.subnetId && e.subnetId !== r.instance.subnetId)
              .map((e) => ({ networkInterfaceId: e.networkInterfaceId, subnetId: e.subnetId })),
            subject: subjectOf(r),
            evidence: [],
          }
        : {
            kind: "interface" as const,
            scope: scopeOf(r),
            id: r.id,
            ...(r.networkAcl ? { networkAcl: r.networkAcl } : {}),
            subnetId: r.networkInterface.subnetId,
            otherSubnets: [],
            subject: { accountId: r.accountId, tags: r.networkInterface.tags },
            evidence: [],
          };
    ctx.hosts.set(key, h);
  }
  if (evidence) h.evidence.push(evidence);
}
