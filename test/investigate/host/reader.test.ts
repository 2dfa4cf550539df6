/**
 * readHost over the simulated account: the five scripted hosts, an instance Systems Manager does
 * not manage, one whose agent lost its connection (an isolated host without the SSM egress), a
 * script that timed out, and the full output from S3 when investigate.hostOutputs is set.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CloudPort } from "../../../src/cloud/port.ts";
import { SimAccount, type EstateInput } from "../../../src/cloud/sim/index.ts";
import { scenarioOutput } from "../../../src/cloud/sim/host-scenarios.ts";
import { readHost } from "../../../src/investigate/host/index.ts";
import type { InvestigateContext, InvestigateOptions, Subject, SubjectResource } from "../../../src/investigate/types.ts";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const scope = { accountId: ACCOUNT, region: REGION };
const NOW = "2026-12-07T08:00:00Z";
const id = (n: number) => `i-0a0000000000000${n.toString(16).padStart(2, "0")}`;
const HOSTS = { miner: id(1), scanner: id(2), squid: id(3), apache: id(4), spam: id(5), clean: id(6), unmanaged: id(7), lost: id(8), timedOut: id(9), big: id(10) };

// A host whose output is larger than Run Command's inline 24,000 characters: the agents section comes last.
const bigOutput = scenarioOutput("clean", new Date(NOW)).replace(
  "@@ADX NONCE END recent",
  `${Array.from({ length: 600 }, (_, i) => `F\t${Date.parse(NOW) / 1000 - 3600}\t10\troot\t644\t/var/www/html/cache/page-${i}.html`).join("\n")}\n@@ADX NONCE END recent`,
);

const estate: EstateInput = {
  version: 1,
  now: NOW,
  accounts: [
    {
      accountId: ACCOUNT,
      enabledRegions: [REGION],
      regions: {
        [REGION]: {
          vpcs: [{ vpcId: "vpc-0a000000000000001", cidrBlock: "10.0.0.0/16" }],
          subnets: [{ subnetId: "subnet-0a000000000000001", vpcId: "vpc-0a000000000000001", cidrBlock: "10.0.1.0/24", availabilityZone: "eu-west-1a" }],
          securityGroups: [{ groupId: "sg-0a000000000000001", groupName: "web", vpcId: "vpc-0a000000000000001" }],
          instances: Object.values(HOSTS).map((i, n) => ({
            instanceId: i,
            instanceType: "t3.small",
            imageId: "ami-0a000000000000001",
            launchTime: "2026-11-01T00:00:00Z",
            networkInterfaces: [{ networkInterfaceId: `eni-0a0000000000000${(n + 1).toString(16).padStart(2, "0")}`, subnetId: "subnet-0a000000000000001", privateIpAddress: `10.0.1.${n + 10}`, groupIds: ["sg-0a000000000000001"] }],
          })),
          ssmManagedInstances: Object.values(HOSTS)
            .filter((i) => i !== HOSTS.unmanaged)
            .map((i) => ({ instanceId: i, pingStatus: i === HOSTS.lost ? ("ConnectionLost" as const) : ("Online" as const), platformType: "Linux" as const })),
          hostTriage: [
            { instanceId: HOSTS.miner, scenario: "miner" },
            { instanceId: HOSTS.scanner, scenario: "scanner" },
            { instanceId: HOSTS.squid, scenario: "open-proxy-squid" },
            { instanceId: HOSTS.apache, scenario: "open-proxy-apache", pendingPolls: 5 },
            { instanceId: HOSTS.spam, scenario: "spam-relay" },
            { instanceId: HOSTS.clean, scenario: "clean" },
            { instanceId: HOSTS.timedOut, scenario: "miner", status: "TimedOut" },
            { instanceId: HOSTS.big, stdout: bigOutput },
          ],
        },
      },
    },
  ],
};

const work = mkdtempSync(join(tmpdir(), "adx-host-reader-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function ctx(port: CloudPort, over: Partial<InvestigateOptions> = {}): InvestigateContext {
  return { port, options: { marginMinutes: 60, engine: "local", hostTimeoutSeconds: 300, hostPollMs: 0, ...over }, now: () => new Date(NOW), workDir: work };
}
const res = (instanceId: string): SubjectResource => ({ scope, kind: "instance", id: instanceId, publicIps: [], privateIps: [], networkInterfaceIds: [] });
const subject = (ids: string[], remoteIps: string[] = []): Subject => ({
  caseId: "C-42",
  activityType: "port-scan" as Subject["activityType"],
  window: { start: "2026-12-07T00:00:00Z", end: NOW },
  noticeWindow: { begin: null, end: null },
  remoteIps,
  remotePorts: [],
  resources: ids.map(res),
  principals: [],
  containedAt: null,
});

describe("readHost on the simulated account", () => {
  it("examines each scripted host and states what it found, traced to the stored output", async () => {
    const sim = SimAccount.fromEstate(estate, { label: "sim:host" });
    const part = await readHost(ctx(sim), subject([HOSTS.miner, HOSTS.scanner, HOSTS.squid, HOSTS.apache, HOSTS.spam, HOSTS.clean], ["198.51.100.7"]));
    const of = (i: string) => part.findings.filter((f) => f.subject === i).map((f) => f.kind);
    expect(of(HOSTS.miner)).toEqual(expect.arrayContaining(["host.miner.running", "host.miner.pool-config", "host.ssh.key-changed", "host.webshell", "host.persistence.cron", "host.net.reported-peer"]));
    expect(of(HOSTS.scanner)).toEqual(expect.arrayContaining(["host.scanner.running", "host.net.scan"]));
    expect(of(HOSTS.squid)).toEqual(expect.arrayContaining(["host.proxy.open-config", "host.proxy.traffic"]));
    expect(of(HOSTS.apache)).toEqual(expect.arrayContaining(["host.proxy.open-config"]));
    expect(of(HOSTS.spam)).toEqual(expect.arrayContaining(["host.net.smtp-fanout", "host.webshell"]));
    expect(of(HOSTS.clean)).toContain("host.clean");
    expect(of(HOSTS.clean).filter((k) => k !== "host.clean" && k !== "host.agents" && k !== "host.net.listening")).toEqual([]);
    expect(part.notSearched).toEqual([]);

    // one artifact per host, its source the command; every finding cites it
    const sends = sim.callsOf("sendCommand");
    expect(sends).toHaveLength(6);
    expect(part.artifacts).toHaveLength(6);
    for (const a of part.artifacts) {
      expect(a.source).toMatch(/^ssm:SendCommand i-0a[0-9a-f]{15} [0-9a-f-]{36}$/);
      expect(a.label).toBe(`host-triage ${a.source.split(" ")[1]} ${a.source.split(" ")[2]}`);
      expect(String(a.content)).toContain("@@ADX ");
    }
    for (const f of part.findings) expect(part.artifacts.map((a) => a.label)).toContain(f.sources[0]!.evidence);

    // what was sent: the Linux document, the nonce first, the timeout and a comment naming the case
    const [req] = sends[0]!.args as [{ documentName: string; commands: string[]; timeoutSeconds: number; comment: string; outputS3?: unknown }];
    expect(req).toMatchObject({ documentName: "AWS-RunShellScript", timeoutSeconds: 300, comment: "abuse-desk host triage C-42" });
    expect(req.commands[0]).toMatch(/^ADX_NONCE=[0-9a-f]{32}$/);
    expect(req.outputS3).toBeUndefined();
    // every run has its own nonce
    expect(new Set(sends.map((s) => (s.args[0] as { commands: string[] }).commands[0])).size).toBe(6);
  });

  it("an instance it cannot examine is said, never clean", async () => {
    const sim = SimAccount.fromEstate(estate);
    const part = await readHost(ctx(sim), subject([HOSTS.unmanaged, HOSTS.lost, HOSTS.timedOut]));
    const why = Object.fromEntries(part.notSearched.filter((n) => n.what === `host ${n.what.split(" ")[1]}`).map((n) => [n.what.split(" ")[1], n.reason]));
    expect(why[HOSTS.unmanaged]).toMatch(/^Systems Manager does not manage this instance/);
    expect(why[HOSTS.lost]).toMatch(/^its SSM agent is ConnectionLost: stopped, or cut off from the SSM endpoints \(after isolation: policy hostTriage/);
    expect(why[HOSTS.timedOut]).toBe("the triage script ended TimedOut (exit -1); the output it printed is read");
    expect(part.findings.filter((f) => f.subject === HOSTS.unmanaged || f.subject === HOSTS.lost)).toEqual([]);
    expect(sim.callsOf("sendCommand")).toHaveLength(1);
  });

  it("a refused or failing Run Command is said", async () => {
    const sim = SimAccount.fromEstate(estate, { faults: [{ call: "ssm:SendCommand", accessDenied: true }] });
    const part = await readHost(ctx(sim), subject([HOSTS.clean]));
    expect(part.notSearched).toEqual([{ what: `host ${HOSTS.clean}`, scope, reason: expect.stringMatching(/^Run Command refused the triage script: .*ssm:SendCommand/) }]);
    expect(part.findings).toEqual([]);
  });

  it("reads the inline output only up to 24,000 characters, and says which sections that cost", async () => {
    const sim = SimAccount.fromEstate(estate);
    const part = await readHost(ctx(sim), subject([HOSTS.big]));
    expect(String(part.artifacts[0]!.content).length).toBe(24_000);
    expect(part.notSearched.map((n) => n.what)).toEqual(expect.arrayContaining([`host ${HOSTS.big}: agents`]));
    expect(part.notSearched.find((n) => n.what.endsWith(": agents"))!.reason).toContain("investigate.hostOutputs");
  });

  it("with investigate.hostOutputs: the agent writes the full output to S3, read back with the port's getObject", async () => {
    const withBucket: EstateInput = structuredClone(estate);
    withBucket.accounts[0]!.s3Buckets = [{ name: "triage-outputs", region: REGION }];
    const sim = SimAccount.fromEstate(withBucket);
    const part = await readHost(ctx(sim, { hostOutputs: { bucket: "triage-outputs", prefix: "abuse-desk/" } }), subject([HOSTS.big]));
    const [send] = sim.callsOf("sendCommand");
    expect((send!.args[0] as { outputS3: unknown }).outputS3).toEqual({ bucket: "triage-outputs", prefix: "abuse-desk/C-42" });
    const gets = sim.callsOf("getObject");
    expect(gets).toHaveLength(1);
    expect(gets[0]!.args[0]).toBe("triage-outputs");
    expect(gets[0]!.args[1]).toMatch(new RegExp(`^abuse-desk/C-42/[0-9a-f-]{36}/${HOSTS.big}/awsrunShellScript/0.awsrunShellScript/stdout$`));
    expect(String(part.artifacts[0]!.content).length).toBeGreaterThan(24_000);
    expect(part.notSearched).toEqual([]);
    expect(part.findings.map((f) => f.kind)).toContain("host.agents");
    expect(part.findings.find((f) => f.kind === "host.clean")!.sources[0]!.query).toContain("output s3://triage-outputs/abuse-desk/C-42/");
  });

  it("with investigate.hostOutputs but the output not in S3 (no such bucket, or the isolated agent could not reach S3): the inline output, and the gap said", async () => {
    const sim = SimAccount.fromEstate(estate);
    const part = await readHost(ctx(sim, { hostOutputs: { bucket: "triage-outputs" } }), subject([HOSTS.clean]));
    expect(part.notSearched).toEqual([{ what: `host ${HOSTS.clean}: the full output in S3`, scope, reason: expect.stringMatching(/does not exist.*; the inline output \(at most 24,000 characters\) was read instead$/) }]);
    expect(part.findings.map((f) => f.kind)).toContain("host.clean");
  });
});
