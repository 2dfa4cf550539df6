/**
 * `--urgent` with the reflection and open-proxy playbooks, applied and rolled back on the simulated
 * account and through the AWS adapter (aws-sdk-client-mock over the same simulated account, as in
 * aws.test.ts): the exact CreateNetworkAclEntry requests, the denies before anything else changes,
 * and every ACL as it was after rollback. Then `abuse-desk plan --urgent` on a reflection notice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAwsPort } from "../../src/cloud/aws/index.ts";
import type { NetworkAcl } from "../../src/cloud/model.ts";
import type { CloudPort } from "../../src/cloud/port.ts";
import type { SimAccount } from "../../src/cloud/sim/index.ts";
import { apply } from "../../src/execute/apply.ts";
import { rollback } from "../../src/execute/rollback.ts";
import type { Plan, StepOf } from "../../src/plan/types.ts";
import { planContainment, type NoticeFacts } from "../../src/playbook/index.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { installFakeAws } from "../cloud/aws/fake-aws.ts";
import { mockAws } from "../cloud/aws/helpers.ts";
import { runCli } from "../helpers/cli.ts";
import { notice, resolveAll, tempStore, withoutKept } from "./helpers.ts";
import { defaultAclOf, O, OUTBOUND, outboundSim, REFLECTION_NOTICE } from "./outbound.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n");
const noSleep = { sleep: async () => {} };

const REFLECTION: Partial<NoticeFacts> = { activityType: "dos", activityText: "DNS amplification: unsolicited answers to the hosts below", protocol: "UDP", remoteIps: O.victims };
const PROXY: Partial<NoticeFacts> = { activityType: "open_proxy", activityText: "operating an open proxy", logExtract: "CONNECT through 198.51.100.121:3128", remoteIps: O.victims };

interface Case {
  name: string;
  playbook: string;
  n: Partial<NoticeFacts>;
  hosts: { scope: typeof O.eu; ids: string[] }[];
}
const CASES: Case[] = [
  { name: "reflection", playbook: "reflection", n: REFLECTION, hosts: [{ scope: O.eu, ids: [O.ns1, O.ns2, O.ns3] }, { scope: O.ap, ids: [O.ns4] }, { scope: O.labEu, ids: [O.ns5] }] },
  { name: "open proxy", playbook: "open-proxy", n: PROXY, hosts: [{ scope: O.eu, ids: [O.px1, O.px2] }] },
];

async function urgentPlan(sim: SimAccount, c: Case, planId: string): Promise<Plan> {
  return planContainment({
    planId,
    caseId: null,
    createdAt: "2025-07-01T09:00:00Z",
    notice: notice(c.n),
    verdict: "authentic",
    resolution: await resolveAll(sim, c.hosts),
    policy: POLICY,
    options: { urgent: true },
  });
}

/** Every ACL the plan denies in, as the account has it now. */
async function aclsOf(port: CloudPort, plan: Plan): Promise<NetworkAcl[]> {
  const out: NetworkAcl[] = [];
  for (const s of plan.steps.filter((x) => x.action === "nacl-deny")) out.push(...(await port.describeNetworkAcls(s.target, { networkAclIds: [s.target.id] })));
  return out;
}

const deny = (ruleNumber: number, egress: boolean, ip: string) => ({ ruleNumber, egress, protocol: "-1", ruleAction: "deny", cidrBlock: `${ip}/32` });
/** The four denies for the two victims at these inbound and outbound numbers. */
const denies = (inbound: [number, number], outbound: [number, number]) => [
  deny(inbound[0], false, O.victims[0]!),
  deny(inbound[1], false, O.victims[1]!),
  deny(outbound[0], true, O.victims[0]!),
  deny(outbound[1], true, O.victims[1]!),
];
const request = (acl: string) => (e: ReturnType<typeof deny>) => ({ NetworkAclId: acl, RuleNumber: e.ruleNumber, Egress: e.egress, Protocol: "-1", RuleAction: "deny", CidrBlock: e.cidrBlock });

describe("--urgent on the simulated account", () => {
  for (const c of CASES) {
    it(`${c.name}: the reported peers are denied in every ACL the hosts use before anything else changes, and rollback leaves each ACL as it was`, async () => {
      const sim = outboundSim();
      const plan = await urgentPlan(sim, c, `P-sim-${c.playbook}`);
      expect(plan.playbook).toBe(c.playbook);
      const before = await aclsOf(sim, plan);
      const snap = sim.snapshot();
      sim.calls.length = 0;
      const t = await tempStore();
      try {
        const r = await apply(plan, { port: sim, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep });
        expect(r.status).toBe("complete");
        // The first change made in the account is a deny.
        const writes = sim.calls.filter((x) => x.outcome === "ok" && /^(create|delete|authorize|revoke|modify|update)/.test(x.method));
        expect(writes[0]!.method).toBe("createNetworkAclEntry");
        // Each ACL now holds the four denies, below its first allow rule.
        const after = await aclsOf(sim, plan);
        for (const [i, acl] of after.entries()) {
          const added = acl.entries.filter((e) => !before[i]!.entries.some((b) => b.ruleNumber === e.ruleNumber && b.egress === e.egress));
          expect(added.sort((a, b) => Number(a.egress) - Number(b.egress) || a.ruleNumber - b.ruleNumber), acl.networkAclId).toEqual(
            acl.networkAclId === O.aclLab ? denies([2, 3], [1, 2]) : denies([1, 2], [1, 2]),
          );
        }
        const rb = await rollback(plan.id, { port: sim, journal: t.store, retry: noSleep });
        expect(rb.status).toBe("complete");
        expect(await aclsOf(sim, plan)).toEqual(before);
        expect(withoutKept(sim.snapshot(), snap)).toEqual(withoutKept(snap, snap));
      } finally {
        await t.close();
      }
    });
  }
});

describe("--urgent through the AWS adapter", () => {
  for (const c of CASES) {
    it(`${c.name}: exactly the CreateNetworkAclEntry requests of the dry run, then DeleteNetworkAclEntry for each on rollback`, async () => {
      const sim = outboundSim();
      const plan = await urgentPlan(sim, c, `P-aws-${c.playbook}`);
      const before = await aclsOf(sim, plan);
      const snap = sim.snapshot();
      installFakeAws(sim, aws);
      const port = createAwsPort({
        region: "eu-central-1",
        credentials: async () => ({ accessKeyId: "AKIAOUTBOUNDCALLER01", secretAccessKey: "x", accountId: O.acct }),
        accounts: [O.acct, O.lab],
        assumeRole: { roleName: "AbuseDeskContainment" },
        maxAttempts: 3,
      });
      sim.calls.length = 0;
      const t = await tempStore();
      try {
        const r = await apply(plan, { port, journal: t.store, verdict: "authentic", approve: "person", retry: noSleep });
        expect(r.status).toBe("complete");
        const sent = (api: string) =>
          sim.calls.filter((x) => x.method === api && x.outcome === "ok").map((x) => ({ ...(x.args[0] as Record<string, unknown>), at: `${x.accountId}/${x.region}` }));
        const apAcl = await defaultAclOf(outboundSim(), O.ap, "subnet-0f000000000000004");
        const expected =
          c.playbook === "reflection"
            ? [
                ...denies([1, 2], [1, 2]).map((e) => ({ ...request(apAcl)(e), at: `${O.acct}/ap-southeast-2` })),
                ...denies([1, 2], [1, 2]).map((e) => ({ ...request(O.aclA)(e), at: `${O.acct}/eu-central-1` })),
                ...denies([1, 2], [1, 2]).map((e) => ({ ...request(O.aclB)(e), at: `${O.acct}/eu-central-1` })),
                ...denies([2, 3], [1, 2]).map((e) => ({ ...request(O.aclLab)(e), at: `${O.lab}/eu-central-1` })),
              ]
            : [
                ...denies([1, 2], [1, 2]).map((e) => ({ ...request(O.aclA)(e), at: `${O.acct}/eu-central-1` })),
                ...denies([1, 2], [1, 2]).map((e) => ({ ...request(O.aclB)(e), at: `${O.acct}/eu-central-1` })),
              ];
        const key = (x: object) => JSON.stringify(x, Object.keys(x).sort());
        expect(sent("ec2:CreateNetworkAclEntry").map(key).sort()).toEqual(expected.map(key).sort());
        // ...which are the dry run's calls, to the letter.
        const planned = plan.steps.filter((s) => s.action === "nacl-deny").flatMap((s) => s.calls.map((x) => ({ ...x.params, at: `${s.target.accountId}/${s.target.region}` })));
        expect(planned.map(key).sort()).toEqual(expected.map(key).sort());
        // The denies went first: no other change reached AWS before the first of them.
        const writes = sim.calls.filter((x) => x.outcome === "ok" && /:(Create|Delete|Authorize|Revoke|Modify)/.test(x.method));
        expect(writes[0]!.method).toBe("ec2:CreateNetworkAclEntry");

        sim.calls.length = 0;
        const rb = await rollback(plan.id, { port, journal: t.store, retry: noSleep });
        expect(rb.status).toBe("complete");
        const pick = ({ NetworkAclId, RuleNumber, Egress, at }: Record<string, unknown>) => ({ NetworkAclId, RuleNumber, Egress, at });
        expect(sent("ec2:DeleteNetworkAclEntry").map(key).sort()).toEqual(expected.map(pick).map(key).sort());
        expect(await aclsOf(sim, plan)).toEqual(before);
        expect(withoutKept(sim.snapshot(), snap)).toEqual(withoutKept(snap, snap));
      } finally {
        await t.close();
      }
    });
  }
});

describe("abuse-desk plan --urgent on an outbound reflection notice", () => {
  let home: string;
  const saved = { ...process.env };
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "abuse-desk-urgent-"));
    process.env.ABUSE_DESK_HOME = home;
    for (const k of ["DATABASE_URL", "ABUSE_DESK_POLICY", "ABUSE_DESK_ACCOUNT"]) delete process.env[k];
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(home, { recursive: true, force: true });
  });
  const plan = (...flags: string[]) => runCli("plan", REFLECTION_NOTICE, "--account", `sim:${OUTBOUND}`, "--offline", "--now", "2025-07-01T09:00:00Z", "--plan-id", "P-urgent", ...flags);

  it("two hosts of one subnet reflecting UDP/53 to two victims: the ACL denies come first", async () => {
    const r = await plan("--urgent", "--json");
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out) as Plan;
    expect(p.playbook).toBe("reflection");
    expect(p.steps.map((s) => s.action)).toEqual(["nacl-deny", "capture-metadata", "capture-metadata", "revoke-open-ingress", "tag-resources"]);
    expect((p.steps[0] as StepOf<"nacl-deny">).params.entries).toEqual(denies([1, 2], [1, 2]));
    expect(p.steps[0]!.dependsOn).toEqual([]);
  });

  it("says, in the output, an option that changes nothing", async () => {
    const r = await plan("--urgent", "--stop", "--ports", "udp/5353,tcp/2525", "--no-calls");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^01-nacl-deny-acl-0f000000000000001 /m);
    expect(r.out).toContain("--stop: no instance is stopped: the reflection playbook stops no instance (it keeps the hosts running)");
    expect(r.out).toContain("--ports: tcp/2525 not closed: no world-open rule of the reported hosts' security groups lets the internet reach it");
    expect(r.out).not.toMatch(/--ports: [^\n]*udp\/5353/);
  });

  it("registers its playbook options from the one list the tests walk", async () => {
    const { PLAN_OPTIONS } = await import("../../src/playbook/options.ts");
    const help = await runCli("plan", "--help");
    for (const o of PLAN_OPTIONS) expect(help.out).toContain(`${o.flag}${o.arg ? ` ${o.arg}` : ""}`);
    expect((await plan("--playbook", "nuke")).err).toMatch(/--playbook: "nuke" is not a playbook/);
  });
});
