/**
 * Least privilege, proved: every port method runs against the fake AWS (the contract estate), every
 * SDK operation it sends is recorded and mapped to its IAM actions (src/cloud/aws/actions.ts), and
 * - each method sends exactly the operations the action table declares for it;
 * - docs/iam/read-only-policy.json names exactly the actions of the read side, and
 *   docs/iam/containment-policy.json exactly those of the write side: nothing missing, nothing more.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { actionsForSide, METHODS, OPERATIONS, REACH, type Operation, type PortMethod } from "../../../src/cloud/aws/actions.ts";
import { PORT_ACTIONS } from "../../../src/cloud/sim/actions.ts";
import { createAwsPort } from "../../../src/cloud/aws/index.ts";
import type { CloudPort } from "../../../src/cloud/port.ts";
import { parseEstate, SimAccount } from "../../../src/cloud/sim/index.ts";
import { C, CONTRACT_ESTATE } from "../contract.ts";
import { LOGS, seedContractLogs } from "../contract-logs.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installFakeAws } from "./fake-aws.ts";
import { evaluate, type PolicyDocument } from "./iam-eval.ts";
import { mockAws } from "./helpers.ts";
import { intakeActions } from "../../intake/intake-actions.ts";

const text = readFileSync(CONTRACT_ESTATE, "utf8");
const aws = mockAws();
afterAll(() => aws.restore());

const EVIDENCE = new TextEncoder().encode("bundle");
const EVIDENCE_SHA256 = createHash("sha256").update(EVIDENCE).digest("hex");
const PAB = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };
const window = { start: "2025-05-01T00:00:00Z", end: "2025-06-01T12:00:00Z" };
const ssh = { direction: "ingress" as const, protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" };
const DENY_ALL = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] });
const allOut = { direction: "egress" as const, protocol: "-1", cidrIpv4: "0.0.0.0/0" };

type Ctx = { port: CloudPort; sim: SimAccount };
interface Scenario {
  /** Run first, not recorded: puts the account in the state the method needs. */
  setup?: (c: Ctx) => Promise<unknown>;
  run: (c: Ctx) => Promise<unknown>;
}

const tgArn = (sim: SimAccount) => [...sim.state.accounts.get(C.prod)!.regions.get("eu-west-1")!.tgs.keys()][0]!;

/** Every port method, with arguments that take it down every path that costs a permission. */
const SCENARIOS: Record<PortMethod, Scenario[]> = {
  accounts: [{ run: ({ port }) => port.accounts() }],
  regions: [{ run: ({ port }) => port.regions(C.staging) }],
  organizationAccounts: [{ run: ({ port }) => port.organizationAccounts() }],
  enterAccount: [{ run: ({ port }) => port.enterAccount(C.staging, "read") }, { run: ({ port }) => port.enterAccount(C.staging, "write") }],
  describeInstances: [{ run: ({ port }) => port.describeInstances(C.eu, { instanceIds: [C.web, "i-0ffffffffffffffff"] }) }],
  describeAddresses: [{ run: ({ port }) => port.describeAddresses(C.eu, { publicIps: [C.legacyEip] }) }],
  describeNetworkInterfaces: [{ run: ({ port }) => port.describeNetworkInterfaces(C.eu, { publicIps: [C.natIp] }) }],
  describeNatGateways: [{ run: ({ port }) => port.describeNatGateways(C.eu, { natGatewayIds: [C.natId] }) }],
  describeSecurityGroups: [{ run: ({ port }) => port.describeSecurityGroups(C.eu, [C.sgWeb]) }],
  describeSubnets: [{ run: ({ port }) => port.describeSubnets(C.eu, [C.privateSubnet, C.subnetA]) }],
  describeVpcs: [{ run: ({ port }) => port.describeVpcs(C.eu, [C.vpc]) }],
  describeNetworkAcls: [{ run: ({ port }) => port.describeNetworkAcls(C.eu, { subnetIds: [C.privateSubnet] }) }],
  describeSnapshots: [{ run: ({ port }) => port.describeSnapshots(C.eu, { tags: { Case: "C-1" } }) }],
  findSecurityGroups: [{ run: ({ port }) => port.findSecurityGroups(C.eu, { vpcId: C.vpc, groupNames: ["web"] }) }],
  autoScalingGroupsOf: [{ run: ({ port }) => port.autoScalingGroupsOf(C.eu, [C.web]) }],
  describeAutoScalingGroups: [{ run: ({ port }) => port.describeAutoScalingGroups(C.eu, [C.asg]) }],
  targetGroupsOf: [{ run: ({ port }) => port.targetGroupsOf(C.eu, [C.web]) }],
  describeLoadBalancers: [{ run: ({ port }) => port.describeLoadBalancers(C.eu, { ids: [C.albName, C.clbName], instanceIds: [C.legacy] }) }],
  findAccessKey: [{ run: ({ port }) => port.findAccessKey(C.prod, C.key) }],
  getIamUser: [{ run: ({ port }) => port.getIamUser(C.prod, C.user) }],
  ssmManagedInstances: [{ run: ({ port }) => port.ssmManagedInstances(C.eu, [C.web]) }],
  sendCommand: [{ run: ({ port }) => port.sendCommand(C.eu, { instanceIds: [C.web], documentName: "AWS-RunShellScript", commands: ["ADX_NONCE=0123456789abcdef", "true"], timeoutSeconds: 60, comment: "policy" }) }],
  getCommandInvocation: [
    {
      setup: ({ port }) => port.sendCommand(C.eu, { instanceIds: [C.web], documentName: "AWS-RunShellScript", commands: ["true"], timeoutSeconds: 60, comment: "policy" }),
      run: async ({ port, sim }) => {
        const commandId = [...sim.state.accounts.get(C.prod)!.regions.get("eu-west-1")!.commands.keys()][0]!;
        return port.getCommandInvocation(C.eu, commandId, C.web);
      },
    },
  ],
  lookupEvents: [{ run: ({ port }) => port.lookupEvents(C.eu, { ...window, eventNames: ["AssociateAddress", "RunInstances"] }) }],
  getBucket: [{ run: ({ port }) => port.getBucket(C.prod, C.bucket) }],
  getDistribution: [{ run: ({ port }) => port.getDistribution(C.prod, C.distribution) }],
  describeFlowLogs: [{ run: ({ port }) => port.describeFlowLogs(C.eu, { networkInterfaceIds: [C.webEni], vpcIds: [C.vpc] }) }],
  listObjects: [{ run: ({ port }) => port.listObjects(C.prod, LOGS.bucket, LOGS.prefix) }],
  getObject: [{ run: ({ port }) => port.getObject(C.prod, LOGS.bucket, LOGS.keys[0]!, join(mkdtempSync(join(tmpdir(), "abuse-desk-policy-")), "obj")) }],
  startLogsQuery: [{ run: ({ port }) => port.startLogsQuery(C.eu, { logGroupNames: [LOGS.group], start: "2025-05-01T09:00:00Z", end: "2025-05-01T11:00:00Z", queryString: "fields @timestamp, @message" }) }],
  getLogsQueryResults: [
    {
      setup: ({ port }) => port.startLogsQuery(C.eu, { logGroupNames: [LOGS.group], start: "2025-05-01T09:00:00Z", end: "2025-05-01T11:00:00Z", queryString: "fields @timestamp, @message" }),
      run: ({ port, sim }) => port.getLogsQueryResults(C.eu, [...sim.state.logs!.queries.keys()][0]!),
    },
  ],
  getSecurityContact: [{ run: ({ port }) => port.getSecurityContact(C.prod) }],
  listEventRules: [{ run: ({ port }) => port.listEventRules(C.eu) }],
  describeTrails: [{ run: ({ port }) => port.describeTrails(C.eu) }],
  guardDutyDetectors: [{ run: ({ port }) => port.guardDutyDetectors(C.eu) }],
  credentialReport: [{ run: ({ port }) => port.credentialReport(C.prod) }],
  accountSummary: [{ run: ({ port }) => port.accountSummary(C.prod) }],
  accountPublicAccessBlock: [{ run: ({ port }) => port.accountPublicAccessBlock(C.prod) }, { run: ({ port }) => port.accountPublicAccessBlock(C.staging) }],
  getBucketLogging: [{ run: ({ port }) => port.getBucketLogging(C.prod, C.bucket) }],
  policyEntities: [{ run: ({ port }) => port.policyEntities(C.prod, "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3") }],
  inventoryApplications: [{ run: ({ port }) => port.inventoryApplications(C.eu, C.web) }],

  modifyInstanceAttribute: [{ run: ({ port }) => port.modifyInstanceAttribute(C.eu, C.web, { disableApiTermination: true }) }],
  createSnapshots: [{ run: ({ port }) => port.createSnapshots(C.eu, C.web, { description: "case", tags: { Case: "C-7" } }) }],
  getConsoleOutput: [{ run: ({ port }) => port.getConsoleOutput(C.eu, C.web) }],
  getConsoleScreenshot: [{ run: ({ port }) => port.getConsoleScreenshot(C.eu, C.web) }],
  getUserData: [{ run: ({ port }) => port.getUserData(C.eu, C.web) }],
  stopInstances: [{ run: ({ port }) => port.stopInstances(C.eu, [C.web]) }],
  startInstances: [{ run: ({ port }) => port.startInstances(C.eu, [C.stopped]) }],
  createSecurityGroup: [{ run: ({ port }) => port.createSecurityGroup(C.eu, { vpcId: C.vpc, groupName: "policy-iso", description: "iso", tags: { Case: "C-7" } }) }],
  authorizeRules: [{ run: ({ port }) => port.authorizeRules(C.eu, C.sgIsolation, [ssh, allOut]) }],
  revokeRules: [{ run: ({ port }) => port.revokeRules(C.eu, C.sgWeb, [ssh, allOut]) }],
  setNetworkInterfaceGroups: [{ run: ({ port }) => port.setNetworkInterfaceGroups(C.eu, C.webEni, [C.sgIsolation]) }],
  createTags: [{ run: ({ port }) => port.createTags(C.eu, [C.web], { Case: "C-7" }) }],
  createNetworkAclEntry: [{ run: ({ port }) => port.createNetworkAclEntry(C.eu, C.privateAcl, { ruleNumber: 5, egress: false, protocol: "-1", ruleAction: "deny", cidrBlock: "192.0.2.1/32" }) }],
  deleteNetworkAclEntry: [{ run: ({ port }) => port.deleteNetworkAclEntry(C.eu, C.privateAcl, { ruleNumber: 100, egress: false }) }],
  enterStandby: [{ run: ({ port }) => port.enterStandby(C.eu, C.asg, [C.web], false) }],
  exitStandby: [{ setup: ({ port }) => port.enterStandby(C.eu, C.asg, [C.web], true), run: ({ port }) => port.exitStandby(C.eu, C.asg, [C.web]) }],
  detachInstances: [{ run: ({ port }) => port.detachInstances(C.eu, C.asg, [C.web], true) }],
  attachInstances: [{ setup: ({ port }) => port.detachInstances(C.eu, C.asg, [C.web], true), run: ({ port }) => port.attachInstances(C.eu, C.asg, [C.web]) }],
  suspendProcesses: [{ run: ({ port }) => port.suspendProcesses(C.eu, C.asg, ["ReplaceUnhealthy"]) }],
  resumeProcesses: [{ run: ({ port }) => port.resumeProcesses(C.eu, C.asg, ["ReplaceUnhealthy"]) }],
  setInstanceProtection: [{ run: ({ port }) => port.setInstanceProtection(C.eu, C.asg, [C.web], true) }],
  updateAutoScalingGroup: [{ run: ({ port }) => port.updateAutoScalingGroup(C.eu, C.asg, { maxSize: 5 }) }],
  deregisterTargets: [{ run: ({ port, sim }) => port.deregisterTargets(C.eu, tgArn(sim), [{ id: C.web, port: 443 }]) }],
  registerTargets: [
    {
      setup: ({ port, sim }) => port.deregisterTargets(C.eu, tgArn(sim), [{ id: C.web, port: 443 }]),
      run: ({ port, sim }) => port.registerTargets(C.eu, tgArn(sim), [{ id: C.web, port: 443 }]),
    },
  ],
  deregisterFromClassicLoadBalancer: [{ run: ({ port }) => port.deregisterFromClassicLoadBalancer(C.eu, C.clbName, [C.legacy]) }],
  registerWithClassicLoadBalancer: [{ run: ({ port }) => port.registerWithClassicLoadBalancer(C.eu, C.clbName, [C.legacy]) }],
  putPublicAccessBlock: [{ run: ({ port }) => port.putPublicAccessBlock(C.prod, C.bucket, PAB) }],
  putObject: [{ run: ({ port }) => port.putObject(C.prod, { bucket: C.bucket, key: "evidence/AD-2026-0001.tar.gz", body: EVIDENCE, sha256: EVIDENCE_SHA256, retention: { mode: "GOVERNANCE", retainUntil: "2099-01-01T00:00:00.000Z" } }) }],
  deletePublicAccessBlock: [{ run: ({ port }) => port.deletePublicAccessBlock(C.prod, C.bucket) }],
  setDistributionEnabled: [{ run: ({ port }) => port.setDistributionEnabled(C.prod, C.distribution, false) }],
  setAccessKeyStatus: [{ run: ({ port }) => port.setAccessKeyStatus(C.prod, C.user, C.key, "Inactive") }],

  accessKeyAccount: [{ run: ({ port }) => port.accessKeyAccount(C.key) }],
  describeIamUsers: [{ run: ({ port }) => port.describeIamUsers(C.prod) }, { run: ({ port }) => port.describeIamUsers(C.prod, [C.user]) }],
  getIamRole: [{ run: ({ port }) => port.getIamRole(C.prod, "contract-deploy") }],
  getInstanceProfile: [{ run: ({ port }) => port.getInstanceProfile(C.prod, "web-role") }],
  getInlinePolicy: [
    { run: ({ port }) => port.getInlinePolicy(C.prod, { userName: C.user }, "ci-logs") },
    { run: ({ port }) => port.getInlinePolicy(C.prod, { roleName: "contract-deploy" }, "deploy-extra") },
    { run: ({ port }) => port.getInlinePolicy(C.prod, { groupName: "deployers" }, "deployers-extra") },
  ],
  describeSpotInstanceRequests: [{ run: ({ port }) => port.describeSpotInstanceRequests(C.use1) }],
  getSesAccount: [{ run: ({ port }) => port.getSesAccount(C.use1) }],
  putInlinePolicy: [
    { run: ({ port }) => port.putInlinePolicy(C.prod, { userName: C.user }, "p", DENY_ALL) },
    { run: ({ port }) => port.putInlinePolicy(C.prod, { roleName: "contract-deploy" }, "p", DENY_ALL) },
    { run: ({ port }) => port.putInlinePolicy(C.prod, { groupName: "deployers" }, "p", DENY_ALL) },
  ],
  deleteInlinePolicy: [
    { run: ({ port }) => port.deleteInlinePolicy(C.prod, { userName: C.user }, "ci-logs") },
    { run: ({ port }) => port.deleteInlinePolicy(C.prod, { roleName: "contract-deploy" }, "deploy-extra") },
    { run: ({ port }) => port.deleteInlinePolicy(C.prod, { groupName: "deployers" }, "deployers-extra") },
  ],
  updateAssumeRolePolicy: [{ run: ({ port }) => port.updateAssumeRolePolicy(C.prod, "contract-deploy", DENY_ALL) }],
  listAttachedPolicies: [
    { run: ({ port }) => port.listAttachedPolicies(C.prod, { userName: C.user }) },
    { run: ({ port }) => port.listAttachedPolicies(C.prod, { roleName: "contract-deploy" }) },
    { run: ({ port }) => port.listAttachedPolicies(C.prod, { groupName: "deployers" }) },
  ],
  attachManagedPolicy: [
    { run: ({ port }) => port.attachManagedPolicy(C.prod, { userName: C.user }, "arn:aws:iam::aws:policy/ReadOnlyAccess") },
    { run: ({ port }) => port.attachManagedPolicy(C.prod, { roleName: "contract-deploy" }, "arn:aws:iam::aws:policy/ReadOnlyAccess") },
    { run: ({ port }) => port.attachManagedPolicy(C.prod, { groupName: "deployers" }, "arn:aws:iam::aws:policy/ReadOnlyAccess") },
  ],
  detachManagedPolicy: [
    { run: ({ port }) => port.detachManagedPolicy(C.prod, { userName: C.user }, "arn:aws:iam::aws:policy/AmazonEC2FullAccess") },
    { run: ({ port }) => port.detachManagedPolicy(C.prod, { roleName: "contract-deploy" }, "arn:aws:iam::aws:policy/ReadOnlyAccess") },
    { run: ({ port }) => port.detachManagedPolicy(C.prod, { groupName: "deployers" }, "arn:aws:iam::aws:policy/AWSCodeDeployFullAccess") },
  ],
  deleteLoginProfile: [{ run: ({ port }) => port.deleteLoginProfile(C.prod, C.user) }],
  cancelSpotInstanceRequests: [{ run: ({ port }) => port.cancelSpotInstanceRequests(C.use1, ["sir-c0000001"]) }],
  setSesSendingEnabled: [{ run: ({ port }) => port.setSesSendingEnabled(C.use1, false) }],

  describeSpotFleetRequests: [{ run: ({ port }) => port.describeSpotFleetRequests(C.use1) }],
  describeFleets: [{ run: ({ port }) => port.describeFleets(C.use1) }],
  getLightsailInstances: [{ run: ({ port }) => port.getLightsailInstances(C.use1) }],
  getLightsailInstanceSnapshot: [{ run: ({ port }) => port.getLightsailInstanceSnapshot(C.use1, "case-miner") }],
  cancelSpotFleetRequests: [{ run: ({ port }) => port.cancelSpotFleetRequests(C.use1, ["sfr-c0000000-0000-4000-8000-000000000001"]) }],
  deleteFleets: [{ run: ({ port }) => port.deleteFleets(C.use1, ["fleet-c0000000-0000-4000-8000-000000000001"]) }],
  createLightsailInstanceSnapshot: [{ run: ({ port }) => port.createLightsailInstanceSnapshot(C.use1, "contract-miner", "case-miner") }],
  stopLightsailInstance: [{ run: ({ port }) => port.stopLightsailInstance(C.use1, "contract-miner") }],
  startLightsailInstance: [{ run: ({ port }) => port.startLightsailInstance(C.use1, "contract-web") }],
  getTrailStatus: [{ run: ({ port }) => port.getTrailStatus(C.eu, "eu-only") }],
  startLogging: [{ run: ({ port }) => port.startLogging(C.eu, "arn:aws:cloudtrail:eu-west-1:111122223333:trail/eu-only") }],
};

/** Runs each method's scenarios on a fresh fake account and records the operations it sent. */
async function record(): Promise<Map<PortMethod, Set<Operation>>> {
  const out = new Map<PortMethod, Set<Operation>>();
  for (const [method, scenarios] of Object.entries(SCENARIOS) as [PortMethod, Scenario[]][]) {
    const ops = new Set<Operation>();
    for (const s of scenarios) {
      aws.reset();
      const state = seedContractLogs(parseEstate(text, "contract.yaml").state);
      const sim = new SimAccount(state, { label: "sim:policy" });
      const fake = installFakeAws(sim, aws);
      const port = createAwsPort({
        region: "us-east-1",
        credentials: async () => ({ accessKeyId: "AKIAPOLICYCALLER0001", secretAccessKey: "x", accountId: state.callerAccountId }),
        discoverAccounts: true,
        assumeRole: { roleName: "AbuseDeskReadOnly", containmentRoleName: "AbuseDeskContainment" },
        maxAttempts: 1,
        credentialReportPollMs: 0,
      });
      if (s.setup) await s.setup({ port, sim });
      fake.log.length = 0;
      await s.run({ port, sim });
      for (const l of fake.log) ops.add(l.op);
    }
    out.set(method, ops);
  }
  return out;
}

interface Policy {
  Version: string;
  Statement: { Sid?: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }[];
}

/** The actions a policy allows (its Deny statements are guard rails, checked separately). */
function policyActions(path: string): { actions: string[]; denied: string[]; policy: Policy } {
  const policy = JSON.parse(readFileSync(new URL(`../../../docs/iam/${path}`, import.meta.url), "utf8")) as Policy;
  const of = (effect: string) => policy.Statement.filter((s) => s.Effect === effect).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  return { actions: of("Allow"), denied: of("Deny"), policy };
}

describe("IAM least privilege", async () => {
  const recorded = await record();
  // The Health and SQS intake sources (`serve`) read with the read-only identity too.
  const intake = await intakeActions();
  const sideOf = (m: PortMethod) => METHODS[m].side;

  it("every method sends exactly the operations the action table declares (plus reaching the account)", () => {
    for (const [method, ops] of recorded) {
      const own = [...ops].filter((op) => !REACH.includes(op)).sort();
      expect(own, method).toEqual([...METHODS[method].ops].sort());
    }
  });

  it("the intake sources were exercised down every path that costs a permission", () => {
    expect([...intake].sort()).toEqual([
      "health:DescribeAffectedAccountsForOrganization",
      "health:DescribeAffectedEntities",
      "health:DescribeAffectedEntitiesForOrganization",
      "health:DescribeEventDetails",
      "health:DescribeEventDetailsForOrganization",
      "health:DescribeEvents",
      "health:DescribeEventsForOrganization",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]);
  });

  it("reaching accounts is exercised: who am I, which accounts, the role, which regions", () => {
    const all = new Set([...recorded.values()].flatMap((s) => [...s]));
    for (const op of REACH) expect(all.has(op), op).toBe(true);
  });

  for (const [file, side] of [
    ["read-only-policy.json", "read"],
    ["containment-policy.json", "write"],
  ] as const) {
    it(`docs/iam/${file} names every action the ${side} side calls, and nothing more`, () => {
      const used = new Set<string>();
      for (const [method, ops] of recorded) if (sideOf(method) === side) for (const op of ops) for (const a of OPERATIONS[op]) used.add(a);
      // Reaching an account is part of every side (the role, the account list, the regions).
      for (const op of REACH) for (const a of OPERATIONS[op]) used.add(a);
      if (side === "read") for (const a of intake) used.add(a);
      const { actions, denied, policy } = policyActions(file);
      expect(policy.Version).toBe("2012-10-17");
      expect(policy.Statement.every((s) => s.Effect === "Allow" || s.Effect === "Deny")).toBe(true);
      // a Deny may only fence off destruction the tool never does
      for (const a of denied) expect(used.has(a), `${a} is denied but used`).toBe(false);
      expect(actions.filter((a) => a.includes("*")), "no wildcards").toEqual([]);
      // An action is allowed by several statements only when each is narrowed (by a condition, or a
      // resource type: one per case it is allowed for, test/execute/iam-conditions.test.ts); a
      // statement allowing it on every resource without condition would make the others moot.
      const listed = (s: Policy["Statement"][number]) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
      const everywhere = (s: Policy["Statement"][number]) => s.Effect === "Allow" && !s.Condition && (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).includes("*");
      const plain = policy.Statement.filter(everywhere).flatMap(listed);
      const conditioned = new Set(policy.Statement.filter((s) => s.Effect === "Allow" && !everywhere(s)).flatMap(listed));
      expect(new Set(plain).size, "no action twice").toBe(plain.length);
      expect(plain.filter((a) => conditioned.has(a)), "an action allowed with and without a condition").toEqual([]);
      const unique = [...new Set(actions)].sort();
      expect(unique).toEqual([...used].sort());
      // and the table the adapter's error messages use agrees
      expect(unique).toEqual([...actionsForSide(side), ...(side === "read" ? intake : [])].sort());
    });
  }

  it("the simulator's fault rules can name every IAM action a method fails without against AWS, and no other", () => {
    // Denials the adapter tolerates: the protections stay unknown; IAM is asked without the owner lookup.
    const tolerated: Partial<Record<PortMethod, string[]>> = { describeInstances: ["ec2:DescribeInstanceAttribute"], findAccessKey: ["sts:GetAccessKeyInfo"] };
    const reach: string[] = REACH.flatMap((op) => [...OPERATIONS[op]]);
    for (const method of Object.keys(METHODS) as PortMethod[]) {
      const needed: string[] = METHODS[method].ops.flatMap((op) => [...OPERATIONS[op]]).filter((a) => !tolerated[method]?.includes(a));
      const sim = PORT_ACTIONS[method];
      expect([...new Set(sim)].filter((a) => !reach.includes(a)).sort(), method).toEqual([...new Set(needed)].sort());
    }
  });

  it("the containment policy writes evidence bundles only into abuse-desk-evidence-* buckets (the StackSet's EvidenceBucketName), no other object", () => {
    const { policy } = policyActions("containment-policy.json");
    const doc = policy as unknown as PolicyDocument;
    for (const action of ["s3:PutObject", "s3:PutObjectRetention"]) {
      expect(evaluate(doc, { action, resource: "arn:aws:s3:::abuse-desk-evidence-prod/abuse/AD-2026-0001/evidence.tar.gz", context: {} }), action).toBe("allowed");
      for (const other of ["arn:aws:s3:::payments-invoices-prod/abuse/x.tar.gz", "arn:aws:s3:::prod-cloudtrail-111122223333/AWSLogs/x.json.gz", "arn:aws:s3:::abuse-desk-evidencex/x"])
        expect(evaluate(doc, { action, resource: other, context: {} }), `${action} on ${other}`).toBe("implicit-deny");
    }
  });

  it("the containment policy denies destroying evidence outright (whatever else the role is given)", () => {
    const { denied } = policyActions("containment-policy.json");
    expect(denied).toEqual(expect.arrayContaining(["ec2:TerminateInstances", "ec2:DeleteSnapshot", "ec2:DeleteVolume"]));
  });

  it("the containment role can restart a trail and can never stop or delete one (whoever holds it must not blind the account)", () => {
    const { actions, denied } = policyActions("containment-policy.json");
    expect(actions.filter((a) => a.startsWith("cloudtrail:"))).toEqual(["cloudtrail:StartLogging"]);
    expect(denied).toEqual(expect.arrayContaining(["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"]));
    expect(Object.values(METHODS).flatMap((m) => m.ops.flatMap((op) => [...OPERATIONS[op]]))).not.toEqual(expect.arrayContaining(["cloudtrail:StopLogging"]));
  });

  it("a method's role is its side: reads never need the containment policy, writes never the read-only one", () => {
    const read = new Set(policyActions("read-only-policy.json").actions);
    const write = new Set(policyActions("containment-policy.json").actions);
    for (const [method, ops] of recorded) {
      const need = [...ops].flatMap((op) => [...OPERATIONS[op]]);
      const policy = sideOf(method) === "read" ? read : write;
      for (const a of need) expect(policy.has(a), `${method} needs ${a}`).toBe(true);
    }
  });
});
