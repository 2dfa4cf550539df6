/**
 * The network ACL stage for every playbook (src/playbook/acl.ts): `--urgent` and policy
 * `networkAcl.use` deny the reported peers in every ACL the plan's hosts use, whatever the
 * playbook; where a deny cannot be written, a warning names what asked for it.
 */
import { describe, expect, it } from "vitest";
import type { Plan, Step } from "../../src/execute/types.ts";
import { planContainment, type NoticeFacts, type PlaybookOptions } from "../../src/playbook/index.ts";
import { parsePolicy, type Policy } from "../../src/policy/policy.ts";
import type { Resolution, Resolved } from "../../src/resolve/types.ts";
import { notice, resolutionOf, resolveInstance } from "../execute/helpers.ts";
import { defaultAclOf, O, outboundSim, resolveEni } from "../execute/outbound.ts";

const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n");

function plan(resolution: Resolution, n: Partial<NoticeFacts>, o: { options?: PlaybookOptions; policy?: Policy } = {}): Plan {
  return planContainment({
    planId: "P-acl",
    caseId: "AD-2025-0016",
    createdAt: "2025-07-01T09:00:00Z",
    notice: notice(n),
    verdict: "authentic",
    resolution,
    policy: o.policy ?? POLICY,
    ...(o.options ? { options: o.options } : {}),
  });
}

/** Instances of the outbound estate, each in its scope, as one resolution. */
async function outbound(...items: [typeof O.eu, string][]): Promise<{ r: Resolution; resources: Resolved[] }> {
  const sim = outboundSim();
  const resources: Resolved[] = [];
  for (const [scope, id] of items) resources.push(id.startsWith("eni-") ? await resolveEni(sim, scope, id) : await resolveInstance(sim, scope, id));
  return { r: resolutionOf(resources), resources };
}

const REFLECTION: Partial<NoticeFacts> = { activityType: "dos", activityText: "DNS amplification against the hosts below", protocol: "UDP", remoteIps: O.victims };
const PROXY: Partial<NoticeFacts> = { activityType: "open_proxy", activityText: "operating an open proxy", logExtract: "CONNECT through 198.51.100.121:3128", remoteIps: O.victims };
const SPAM: Partial<NoticeFacts> = { activityType: "spam_email", activityText: "sending unsolicited e-mail", remoteIps: O.victims };

const acls = (p: Plan) => p.steps.filter((s) => s.action === "nacl-deny");
const where = (s: Step) => `${s.target.accountId}/${s.target.region}/${s.target.id}`;
const warned = (p: Plan, re: RegExp) => expect(p.warnings.join("\n")).toMatch(re);
const entries = (peers: string[], inbound: number[], outbound: number[]) => [
  ...peers.map((p, i) => ({ ruleNumber: inbound[i], egress: false, protocol: "-1", ruleAction: "deny", cidrBlock: `${p}/32` })),
  ...peers.map((p, i) => ({ ruleNumber: outbound[i], egress: true, protocol: "-1", ruleAction: "deny", cidrBlock: `${p}/32` })),
];

describe("--urgent in every playbook with reported peers", () => {
  it("reflection: denies the victims first in every account/region/subnet ACL the hosts use, waiting for nothing", async () => {
    const { r } = await outbound([O.eu, O.ns1], [O.eu, O.ns2], [O.eu, O.ns3], [O.ap, O.ns4], [O.labEu, O.ns5]);
    const apAcl = await defaultAclOf(outboundSim(), O.ap, "subnet-0f000000000000004");
    const p = plan(r, REFLECTION, { options: { urgent: true } });
    expect(p.playbook).toBe("reflection");
    const denies = acls(p);
    // One step per ACL, and they are the plan's first steps.
    expect(denies.map(where)).toEqual([`${O.acct}/ap-southeast-2/${apAcl}`, `${O.acct}/eu-central-1/${O.aclA}`, `${O.acct}/eu-central-1/${O.aclB}`, `${O.lab}/eu-central-1/${O.aclLab}`]);
    expect(p.steps.slice(0, 4)).toEqual(denies);
    for (const s of denies) expect(s.dependsOn).toEqual([]);
    expect(denies[0]!.id).toBe(`01-nacl-deny-${apAcl}`);
    // Below each ACL's first allow rule, around the numbers it already uses.
    const byAcl = Object.fromEntries(denies.map((s) => [s.target.id, s.params.entries]));
    expect(byAcl[O.aclA]).toEqual(entries(O.victims, [1, 2], [1, 2]));
    expect(byAcl[O.aclLab]).toEqual(entries(O.victims, [2, 3], [1, 2]));
    expect(denies.find((s) => s.target.id === O.aclA)!.calls).toEqual(
      entries(O.victims, [1, 2], [1, 2]).map((e) => ({
        api: "ec2:CreateNetworkAclEntry",
        params: { NetworkAclId: O.aclA, RuleNumber: e.ruleNumber, Egress: e.egress, Protocol: "-1", RuleAction: "deny", CidrBlock: e.cidrBlock },
      })),
    );
    expect(denies[0]!.reason).toMatch(/^Traffic must stop now/);
    // The reflection playbook's own steps are all still there.
    expect(p.steps.filter((s) => s.action === "revoke-open-ingress").map((s) => s.target.id)).toEqual(["sg-0f000000000000004", O.sgResolver, "sg-0f000000000000005"]);
    expect(p.summary).toContain("deny the reported peers in 4 network ACL(s)");
    // ns-3's second interface is in another subnet, whose ACL the resolution did not read: said.
    warned(p, /--urgent: eni-0f0000000000000a8 of i-0f0000000000000a3 is in subnet subnet-0f000000000000006, whose network ACL this plan did not read/);
  });

  it("reflection without --urgent: the policy decides (multi-host by default, always, never)", async () => {
    const { r } = await outbound([O.eu, O.ns1], [O.eu, O.ns2], [O.eu, O.ns3]);
    // Default: only the ACL two reported hosts share, after their evidence.
    const p = plan(r, REFLECTION);
    expect(acls(p).map((s) => s.target.id)).toEqual([O.aclA]);
    const caps = p.steps.filter((s) => s.action === "capture-metadata" && [O.ns1, O.ns2].includes(s.target.id)).map((s) => s.id);
    expect(acls(p)[0]!.dependsOn).toEqual(caps);
    expect(acls(p)[0]!.reason).toMatch(/^2 reported hosts share this ACL's subnets/);
    expect(p.steps[0]!.action).toBe("capture-metadata");
    // always: every ACL, each after its hosts' evidence.
    const always = plan(r, REFLECTION, { policy: parsePolicy("networkAcl: { use: always }") });
    expect(acls(always).map((s) => s.target.id)).toEqual([O.aclA, O.aclB]);
    expect(acls(always)[1]!.dependsOn).toEqual([always.steps.find((s) => s.action === "capture-metadata" && s.target.id === O.ns3)!.id]);
    expect(acls(always)[1]!.reason).toMatch(/networkAcl.use: always/);
    warned(always, /networkAcl.use: always \(policy\): eni-0f0000000000000a8 of i-0f0000000000000a3 is in subnet/);
    // never: no deny, unless a person says traffic must stop now for this plan.
    const never = parsePolicy("networkAcl: { use: never }");
    expect(acls(plan(r, REFLECTION, { policy: never }))).toEqual([]);
    expect(acls(plan(r, REFLECTION, { policy: never, options: { urgent: true } })).map((s) => s.target.id)).toEqual([O.aclA, O.aclB]);
  });

  it("open proxy: the denies come first, then the proxy port is closed", async () => {
    const { r } = await outbound([O.eu, O.px1], [O.eu, O.px2]);
    const p = plan(r, PROXY, { options: { urgent: true } });
    expect(p.playbook).toBe("open-proxy");
    expect(p.steps.map((s) => s.action)).toEqual(["nacl-deny", "nacl-deny", "capture-metadata", "capture-metadata", "revoke-open-ingress", "tag-resources"]);
    expect(acls(p).map((s) => [s.target.id, s.dependsOn])).toEqual([
      [O.aclA, []],
      [O.aclB, []],
    ]);
    expect(acls(p)[1]!.params.entries).toEqual(entries(O.victims, [1, 2], [1, 2]));
    expect(p.warnings.join("\n")).not.toMatch(/--urgent/);
  });

  it("e-mail spam, content and an account compromise's instances get them too", async () => {
    const { r } = await outbound([O.eu, O.mx1]);
    const spam = plan(r, SPAM, { options: { urgent: true } });
    expect(spam.playbook).toBe("email-spam");
    expect(spam.steps[0]!.action).toBe("nacl-deny");
    expect(spam.steps[0]!.target.id).toBe(O.aclB);
    const content = plan(r, { activityType: "phishing", remoteIps: O.victims }, { options: { urgent: true } });
    expect(content.playbook).toBe("content");
    expect([content.steps[0]!.action, content.steps[0]!.target.id]).toEqual(["nacl-deny", O.aclB]);
    const compromise = plan(r, { kind: "account_compromise", activityType: "account_compromise", remoteIps: O.victims }, { options: { urgent: true } });
    expect(compromise.playbook).toBe("credentials");
    expect([compromise.steps[0]!.action, compromise.steps[0]!.target.id]).toEqual(["nacl-deny", O.aclB]);
    expect(compromise.steps.some((s) => s.action === "isolate-eni")).toBe(true);
  });

  it("a stand-alone interface's ACL is denied like an instance's", async () => {
    const sim = outboundSim();
    const eni = await resolveEni(sim, O.eu, "eni-0f0000000000000a2");
    if (eni.type !== "network-interface") throw new Error("not an interface");
    delete eni.networkInterface.attachment;
    const p = plan(resolutionOf([eni]), { activityType: "port_scan", remoteIps: O.victims }, { options: { urgent: true } });
    expect(p.steps.map((s) => s.action).slice(0, 2)).toEqual(["nacl-deny", "create-all-traffic-group"]);
    expect(p.steps[0]!.target.id).toBe(O.aclA);
  });
});

describe("where a deny cannot be written, the plan says so and names the option", () => {
  it("no remote peer in the notice", async () => {
    const { r } = await outbound([O.eu, O.ns1]);
    const p = plan(r, { ...REFLECTION, remoteIps: [] }, { options: { urgent: true } });
    expect(acls(p)).toEqual([]);
    warned(p, /--urgent: a network ACL deny was wanted, but the notice names no remote peer.*the reflection playbook's own steps are all this plan does/s);
  });

  it("a plan with no host: credentials, case-only", async () => {
    const p = plan(resolutionOf([]), { kind: "credentials_exposed", activityType: "credentials_exposed", remoteIps: O.victims }, { options: { urgent: true } });
    warned(p, /--urgent: the credentials plan contains no host \(instance or network interface\), so there is no network ACL to deny the reported peers in\./);
    const none = plan(resolutionOf([]), { kind: "resolved" }, { options: { urgent: true } });
    warned(none, /--urgent: the case-only plan contains no host.*and the notice names no remote peer/);
  });

  it("a protected ACL is refused, the others still denied", async () => {
    const { r } = await outbound([O.eu, O.ns1], [O.eu, O.ns3]);
    const p = plan(r, REFLECTION, { options: { urgent: true }, policy: parsePolicy(`protected: { ids: [${O.aclA}] }`) });
    expect(acls(p).map((s) => s.target.id)).toEqual([O.aclB]);
    expect(p.refused).toEqual([{ target: O.aclA, reason: `${O.aclA} is listed in the policy's protected ids` }]);
    warned(p, new RegExp(`--urgent: no deny in ${O.aclA}: ${O.aclA} is listed in the policy's protected ids \\(see refused\\)`));
  });

  it("an ACL at its rule quota", async () => {
    const { r } = await outbound([O.eu, O.nsCrowded], [O.eu, O.ns1]);
    const p = plan(r, REFLECTION, { options: { urgent: true } });
    expect(acls(p).map((s) => s.target.id)).toEqual([O.aclA]);
    warned(p, new RegExp(`--urgent: No network ACL step for ${O.aclCrowded}: ${O.aclCrowded} has 20 IPv4 inbound rules; 2 more would exceed the quota of 20`));
    // Raised quota: it fits.
    const raised = plan(r, REFLECTION, { options: { urgent: true }, policy: parsePolicy("networkAcl: { ruleQuota: 22 }") });
    expect(acls(raised).map((s) => s.target.id)).toEqual([O.aclA, O.aclCrowded]);
  });

  it("an ACL the resolution could not read", async () => {
    const { r, resources } = await outbound([O.eu, O.ns1]);
    if (resources[0]!.type === "ec2-instance") delete resources[0]!.networkAcl;
    const p = plan(r, REFLECTION, { options: { urgent: true } });
    expect(acls(p)).toEqual([]);
    warned(p, /--urgent: the network ACL of i-0f0000000000000a1's subnet subnet-0f000000000000001 \(222233334444\/eu-central-1\) could not be read, so no deny is planned there/);
  });

  it("an interface AWS manages and a refused host, when their ACL is not denied anyway", async () => {
    const { r } = await outbound([O.eu, O.ns1], [O.eu, O.natEni], [O.eu, O.ns3]);
    const p = plan(r, { activityType: "port_scan", remoteIps: O.victims }, { options: { urgent: true }, policy: parsePolicy(`protected: { ids: [${O.ns3}] }`) });
    expect(acls(p).map((s) => s.target.id)).toEqual([O.aclA]);
    warned(p, /--urgent: no network ACL deny for eni-0f0000000000000e1 \(222233334444\/eu-central-1\): it is an interface AWS manages for nat_gateway; contain the service that owns it\./);
    warned(p, /--urgent: no network ACL deny for i-0f0000000000000a3 \(222233334444\/eu-central-1\): the plan refuses it \(see refused\)\./);
    // Once a contained host shares that ACL, the deny covers them: nothing to say.
    const shared = await outbound([O.eu, O.px2], [O.eu, O.natEni]);
    const q = plan(shared.r, { activityType: "port_scan", remoteIps: O.victims }, { options: { urgent: true } });
    expect(acls(q).map((s) => s.target.id)).toEqual([O.aclB]);
    expect(q.warnings.join("\n")).not.toMatch(/--urgent/);
  });
});
