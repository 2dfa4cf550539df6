/**
 * The playbook stage: activity type + resolved resources + policy -> Plan. A pure function: the
 * same input gives the same plan (ids and time are inputs), so a plan can be reviewed, diffed,
 * stored and applied later.
 */
import type { Plan } from "../plan/types.ts";
import { missingSentence, searchOutcome, type SearchOutcome } from "../resolve/outcome.ts";
import { planNetworkAcls } from "./acl.ts";
import { PlanBuilder } from "./builder.ts";
import { planContent } from "./content.ts";
import { makeContext, type PlanContext } from "./context.ts";
import { planCredentials } from "./credentials.ts";
import { planSweep } from "../credentials/plan.ts";
import { isReflection, planEmailSpam, planOpenProxy, planReflection } from "./exposure.ts";
import { planHosts } from "./host.ts";
import { flagOf } from "./options.ts";
import { describePorts, type PortSet } from "../plan/rules.ts";
import { gatherTargets, type Targets } from "./targets.ts";
import type { NoticeFacts, PlaybookInput, PlaybookName, PlaybookOptions } from "./types.ts";

export type { NoticeFacts, PlaybookInput, PlaybookName, PlaybookOptions } from "./types.ts";
export { PLAYBOOKS } from "./types.ts";
export { PLAN_OPTIONS, optionsFromFlags, type PersonOptions, type PlanOption } from "./options.ts";

const HOST_ACTIVITIES = new Set(["port_scan", "brute_force", "web_attack", "botnet_c2", "crypto_mining", "intrusion", "dos", "malware_hosting"]);
const CONTENT_ACTIVITIES = new Set(["phishing", "copyright", "illegal_content", "malware_hosting"]);
const CASE_ONLY_KINDS = new Set(["follow_up", "final_notification", "resolved", "ses_enforcement"]);

/** Which playbook a notice calls for, and why (in words for the plan's summary). */
export function selectPlaybook(n: NoticeFacts, t: Pick<Targets, "instances" | "buckets" | "distributions">, opts: PlaybookOptions = {}): { name: PlaybookName; why: string } {
  if (opts.playbook) return { name: opts.playbook, why: `chosen by a person (--playbook ${opts.playbook})` };
  if (CASE_ONLY_KINDS.has(n.kind)) {
    return { name: "case-only", why: `a ${n.kind.replace(/_/g, " ")} notice changes the case, not the account` };
  }
  switch (n.activityType) {
    case "credentials_exposed":
    case "account_compromise":
      return { name: "credentials", why: `${n.activityType.replace(/_/g, " ")}: deactivate the exposed keys` };
    case "open_proxy":
    case "spam_web":
      return { name: "open-proxy", why: `${n.activityType.replace(/_/g, " ")}: close the proxy to the internet, keep the service` };
    case "spam_email":
      return { name: "email-spam", why: "e-mail spam: no SMTP to the internet, keep the service" };
    case "dos":
      if (isReflection(n)) return { name: "reflection", why: "reflection/amplification: close the reflecting service to the internet, keep the rest" };
      return { name: "compromised-host", why: "outbound denial of service: a misbehaving host" };
    default:
      break;
  }
  if (n.activityType === "malware_hosting" && t.instances.length === 0 && (t.buckets.length || t.distributions.length)) {
    return { name: "content", why: "malware hosted in storage or a CDN: take the content offline at its source" };
  }
  if (HOST_ACTIVITIES.has(n.activityType)) return { name: "compromised-host", why: `${n.activityType.replace(/_/g, " ")}: a compromised or misbehaving host` };
  if (CONTENT_ACTIVITIES.has(n.activityType)) return { name: "content", why: `${n.activityType.replace(/_/g, " ")}: preserve, then take the content offline at its source` };
  return { name: "case-only", why: `no playbook acts on ${n.activityType.replace(/_/g, " ")} by itself: contain by hand or re-plan with --playbook` };
}

function unhandled(ctx: PlanContext, name: PlaybookName, t: Targets): void {
  const left: string[] = [];
  const uses = {
    instances: ["compromised-host", "open-proxy", "reflection", "email-spam", "content"],
    interfaces: ["compromised-host"],
    buckets: ["content"],
    distributions: ["content"],
    keys: ["credentials"],
  } as const;
  for (const [kind, playbooks] of Object.entries(uses) as [keyof Targets, readonly string[]][]) {
    if (t[kind].length && !playbooks.includes(name)) left.push(`${t[kind].length} ${kind} (${t[kind].map((r) => r.id).join(", ")})`);
  }
  if (left.length) ctx.b.warn(`Not covered by the ${name} playbook: ${left.join("; ")}. Re-plan with --playbook if they must be contained too.`);
}

/** The ports of `a` not in `b`. */
const minus = (a: PortSet, b: PortSet): PortSet => ({ tcp: a.tcp.filter((p) => !b.tcp.includes(p)), udp: a.udp.filter((p) => !b.udp.includes(p)) });
const none = (p: PortSet) => !p.tcp.length && !p.udp.length;

/**
 * What a person asked of this plan that it does not do, said in a warning that names the option
 * (`--urgent` is the ACL stage's to say, acl.ts). An option that changes nothing is never silent.
 */
function unhonoured(ctx: PlanContext, name: PlaybookName): void {
  const { b, options } = ctx;
  if (options.stop && !b.has("stop-instance")) {
    const instances = [...ctx.hosts.values()].filter((h) => h.kind === "instance");
    const why = !instances.length
      ? `the ${name} plan contains no instance`
      : !ctx.isolates
        ? `the ${name} playbook stops no instance (it keeps the hosts running); re-plan with --playbook compromised-host to isolate and stop them`
        : `none of its instances is running (${instances.map((h) => h.id).join(", ")})`;
    b.warn(`${flagOf("stop")}: no instance is stopped: ${why}.`);
  }
  if (options.ports) {
    const given: PortSet = { tcp: options.ports.tcp ?? [], udp: options.ports.udp ?? [] };
    const p = ctx.ports;
    if (!p) b.warn(`${flagOf("ports")} ${describePorts(given)}: changes nothing: ${ctx.hosts.size ? `the ${name} playbook takes no port list` : `the ${name} plan contains no host`}.`);
    else notClosed(ctx, name, given, p);
  }
}

/** The ports given with `--ports` that the plan does not close, and why. */
function notClosed(ctx: PlanContext, name: PlaybookName, given: PortSet, p: NonNullable<PlanContext["ports"]>): void {
  const { b } = ctx;
  const flag = flagOf("ports");
  const dropped = minus(given, p.sought);
  if (!none(dropped)) b.warn(`${flag}: ${describePorts(dropped)} not closed: ${p.dropped ?? `the ${name} playbook does not close them`}.`);
  const open = minus(minus(given, dropped), p.closed);
  const refused = { tcp: open.tcp.filter((x) => p.refused.tcp.includes(x)), udp: open.udp.filter((x) => p.refused.udp.includes(x)) };
  if (!none(refused)) b.warn(`${flag}: ${describePorts(refused)} not closed: the security group that opens it to the internet is refused (see refused).`);
  const unreached = minus(open, refused);
  if (!none(unreached)) {
    b.warn(
      `${flag}: ${describePorts(unreached)} not closed: ` +
        (ctx.hosts.size ? "no world-open rule of the reported hosts' security groups lets the internet reach it, so there is nothing to close." : `the ${name} plan contains no host.`),
    );
  }
}

function summarize(ctx: PlanContext, name: PlaybookName, why: string, plan: Pick<Plan, "steps" | "refused">, search: SearchOutcome): string {
  const count = (action: string) => plan.steps.filter((s) => s.action === action).length;
  const parts: string[] = [];
  const regions = new Set(plan.steps.map((s) => `${s.target.accountId}/${s.target.region}`));
  const hosts = new Set(plan.steps.filter((s) => s.action === "capture-metadata").map((s) => s.target.id));
  if (hosts.size) parts.push(`${hosts.size} instance(s)`);
  if (count("snapshot-volumes")) parts.push(`snapshot the volumes of ${count("snapshot-volumes")}`);
  const moves = plan.steps.filter((s) => s.action === "asg-standby" || s.action === "asg-detach");
  if (moves.length) {
    const moved = moves.reduce((n, s) => n + (s.params.instanceIds as string[]).length, 0);
    const groups = new Set(moves.map((s) => `${s.target.accountId}/${s.target.region}/${s.target.id}`)).size;
    parts.push(`${ctx.policy.host.autoScaling === "standby" ? "put" : "detach"} ${moved} of them ${ctx.policy.host.autoScaling === "standby" ? "in standby in" : "from"} ${groups} Auto Scaling group(s)`);
  }
  const lb = count("deregister-targets") + count("deregister-classic");
  if (lb) parts.push(`deregister from ${lb} target group(s) or classic load balancer(s)`);
  if (count("isolate-eni")) parts.push(`isolate ${count("isolate-eni")} network interface(s)` + (ctx.policy.examiners.cidrs.length ? ` (examiners ${ctx.policy.examiners.cidrs.join(", ")} on tcp/${ctx.policy.examiners.ports.join(",")})` : " (no examiner access)"));
  if (count("nacl-deny")) parts.push(`deny the reported peers in ${count("nacl-deny")} network ACL(s)`);
  const rules = count("revoke-open-ingress") + count("close-web-ingress") + count("block-smtp-egress");
  if (rules) parts.push(`change ${rules} security group(s)`);
  if (count("block-bucket-public-access")) parts.push(`block public access on ${count("block-bucket-public-access")} bucket(s)`);
  if (count("disable-distribution")) parts.push(`disable ${count("disable-distribution")} distribution(s)`);
  if (count("deactivate-access-key")) parts.push(`deactivate ${count("deactivate-access-key")} access key(s)`);
  if (count("stop-instance")) parts.push(`stop ${count("stop-instance")} instance(s) after that`);
  let text = `${name} (${why}).`;
  if (name === "case-only") text += " No change to any account: the notice is recorded on the case.";
  else if (plan.steps.length === 0) text += search.status === "searched" ? " Nothing to change in any account." : " No step for what was found.";
  else text += ` ${plan.steps.length} steps in ${regions.size} account/region(s): ${parts.join(", ")}.`;
  // Made from a partial search: never "nothing to do".
  if (search.status === "not-searched") text += ` The search is INCOMPLETE (${search.missing.length} place(s) not searched, see warnings): what is there is not in this plan.`;
  if (name === "compromised-host" && hosts.size && !count("stop-instance")) text += " Not stopped: memory is evidence.";
  if (ctx.already.length) text += ` Already in place: ${ctx.already.join("; ")}.`;
  if (plan.refused.length) text += ` Refused: ${plan.refused.length} (see refused).`;
  return text;
}

/** Writes the plan for a notice's resolved resources under a policy. */
export function planContainment(input: PlaybookInput): Plan {
  const b = new PlanBuilder();
  const ctx = makeContext(input, b);
  const search = searchOutcome(input.resolution);
  if (search.status === "not-searched")
    b.warn(`The search is incomplete: ${missingSentence(search.missing)}. Whatever is there is not in this plan: fix what is missing (${search.missing.map((g) => g.fix).filter(Boolean).join("; ") || "make the account readable"}), then plan again.`);
  const targets = gatherTargets(input.resolution, input.policy, b);
  const { name, why } = selectPlaybook(input.notice, targets, input.options);
  switch (name) {
    case "compromised-host":
      planHosts(ctx, targets.instances, targets.interfaces);
      break;
    case "open-proxy":
      planOpenProxy(ctx, targets.instances);
      break;
    case "reflection":
      planReflection(ctx, targets.instances);
      break;
    case "email-spam":
      planEmailSpam(ctx, targets.instances);
      break;
    case "content":
      planContent(ctx, targets.instances, targets.buckets, targets.distributions);
      break;
    case "credentials":
      planCredentials(ctx, targets.keys);
      if (input.credentialSweep) planSweep(ctx, input.credentialSweep.result, { deleteConsolePasswords: input.credentialSweep.deleteConsolePasswords === true, plannedKeys: new Set(targets.keys.map((k) => k.accessKey.accessKeyId)) });
      // An account compromise names instances too (the intruder's miners): contain them as hosts.
      if (input.notice.activityType === "account_compromise" && (targets.instances.length || targets.interfaces.length)) planHosts(ctx, targets.instances, targets.interfaces);
      break;
    case "case-only":
      if (!CASE_ONLY_KINDS.has(input.notice.kind) && !input.options?.playbook) b.warn(why + ".");
      break;
  }
  // One stage for every playbook: deny the reported peers in the network ACLs of the plan's hosts.
  planNetworkAcls(ctx, name, input.resolution);
  unhonoured(ctx, name);
  if (name !== "case-only") {
    const hostsHandled = name === "credentials" && input.notice.activityType === "account_compromise";
    unhandled(ctx, name, hostsHandled ? { ...targets, instances: [], interfaces: [] } : targets);
  }
  if (input.verdict === "phishing" || input.verdict === "suspicious") {
    b.warn(`The notice was judged ${input.verdict}: applying this plan is refused unless a person overrides the verdict with a reason.`);
  } else if (input.verdict === "unverified") {
    b.warn("The notice could not be verified as coming from AWS: only a person can apply this plan (no automatic step).");
  }
  const steps = name === "case-only" ? [] : b.build(input.policy, name, input.planId);
  if (input.verdict !== "authentic") for (const s of steps) s.autoApprovable = false;
  const plan: Plan = {
    id: input.planId,
    caseId: input.caseId,
    createdAt: input.createdAt,
    playbook: name,
    activityType: input.notice.activityType,
    verdict: input.verdict,
    summary: "",
    steps,
    refused: b.refused,
    warnings: b.warnings,
  };
  plan.summary = summarize(ctx, name, why, plan, search);
  return plan;
}
