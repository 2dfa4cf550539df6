/**
 * The sample estate's logs and host outputs: what `abuse-desk investigate` reads on it.
 *
 * - VPC flow logs on every VPC in use but one (prod's ap-southeast-2 VPC: the deliberate gap the
 *   readiness check `vpc_flow_logs_enabled` finds), delivered to the account's log bucket under
 *   `flow-logs/`, hourly partitions, a version 5 format with tcp-flags and flow-direction.
 * - On 2026-05-01 from 07:40 to 08:40 UTC (the sample notice's window, fixtures/samples/port-scan.eml,
 *   is 07:49 to 08:20), the scripted activities:
 *     the demo incident's payments-web-1 scans port 22 and probes the reported 203.0.113.99 on 1204 ports;
 *     squid-test (staging) is an open proxy on 3128;
 *     a sandbox host mines (long flows to a pool port);
 *     a staging host relays spam (25/465/587);
 *     a prod web server in us-east-1 does only what a web server does (the false report).
 * - Host triage outputs (Run Command) for the SSM-managed ones: scanner, miner, spam relay, clean.
 *   squid-test is not managed by Systems Manager (a readiness gap): its host is not read.
 * - The organization trail: every account's CloudTrail events delivered as log files into the
 *   management account's trail bucket (`investigate.orgTrail` in docs/sim.md), and, in the notice's
 *   window, the demo instance's role credentials used from the scanner's controller (203.0.113.51).
 */
import type { EstateInput } from "./schema.ts";
import { genId } from "./generate.ts";

type Acc = EstateInput["accounts"][number];
type Region = NonNullable<Acc["regions"]>[string];
type Logs = NonNullable<EstateInput["logs"]>;
type FlowLogIn = NonNullable<Logs["flowLogs"]>[number];

/** A version 5 custom format: what the scan, proxy and mining questions read best. */
export const SAMPLE_FLOW_FORMAT =
  "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${region} ${flow-direction}";

export const SAMPLE_ACTIVITY = { start: "2026-05-01T07:40:00Z", minutes: 60 };
/** The reported remote of the sample notice, and the ports it counts. */
export const SAMPLE_PROBE = { ip: "203.0.113.99", ports: 1204 };
/** Where the attacker drove the scanner from (its `last` log) and used the instance's role credentials. */
export const SAMPLE_ATTACKER_IP = "203.0.113.51";

export interface SampleHost {
  accountId: string;
  region: string;
  instanceId: string;
  networkInterfaceId: string;
  publicIp: string;
}

/** The hosts of the scripted activities (flow scenario, host triage scenario). */
export interface SampleScenarioHosts {
  scanner: SampleHost;
  proxy: SampleHost;
  miner: SampleHost;
  spamRelay: SampleHost;
  falseReport: SampleHost;
}

function hostOf(estate: EstateInput, accountId: string, region: string, pick: (i: NonNullable<Region["instances"]>[number]) => boolean): SampleHost {
  const reg = estate.accounts.find((a) => a.accountId === accountId)?.regions?.[region];
  const inst = (reg?.instances ?? []).find((i) => (i.state ?? "running") === "running" && i.networkInterfaces?.[0]?.publicIp !== undefined && pick(i));
  if (!inst) throw new Error(`the sample estate has no host for a scenario in ${accountId}/${region}`);
  const eni = inst.networkInterfaces![0]!;
  return { accountId, region, instanceId: inst.instanceId, networkInterfaceId: eni.networkInterfaceId, publicIp: eni.publicIp! };
}

export function sampleScenarioHosts(estate: EstateInput, ids: { instance: string; proxy: string }): SampleScenarioHosts {
  const [prod, staging, sandbox] = ["111122223333", "444455556666", "777788889999"];
  return {
    scanner: hostOf(estate, prod, "eu-west-1", (i) => i.instanceId === ids.instance),
    proxy: hostOf(estate, staging, "us-east-1", (i) => i.instanceId === ids.proxy),
    miner: hostOf(estate, sandbox, "us-west-2", () => true),
    spamRelay: hostOf(estate, staging, "us-east-1", (i) => i.instanceId !== ids.proxy),
    falseReport: hostOf(estate, prod, "us-east-1", () => true),
  };
}

/** The VPC without flow logs (the readiness gap). */
export const SAMPLE_NO_FLOW_LOGS = { accountId: "111122223333", region: "ap-southeast-2" };

export function addSampleLogs(estate: EstateInput, ids: { instance: string; proxy: string; instanceRole: string }): void {
  const hosts = sampleScenarioHosts(estate, ids);
  const scenarioOn = new Map<string, NonNullable<FlowLogIn["traffic"]>>();
  const traffic = (h: SampleHost, scenario: "scanning-host" | "open-proxy" | "miner" | "spam-relay" | "false-report", more: object = {}) => {
    const k = `${h.accountId}/${h.region}`;
    scenarioOn.set(k, [...(scenarioOn.get(k) ?? []), { scenario, networkInterfaceId: h.networkInterfaceId, start: SAMPLE_ACTIVITY.start, minutes: SAMPLE_ACTIVITY.minutes, ...more }]);
  };
  traffic(hosts.scanner, "scanning-host", { probe: SAMPLE_PROBE });
  traffic(hosts.proxy, "open-proxy");
  traffic(hosts.miner, "miner");
  traffic(hosts.spamRelay, "spam-relay");
  traffic(hosts.falseReport, "false-report");

  const flowLogs: FlowLogIn[] = [];
  for (const acc of estate.accounts) {
    const logBucket = `${acc.name ?? acc.accountId}-access-logs-${acc.accountId}`;
    if (!(acc.s3Buckets ?? []).some((b) => b.name === logBucket)) throw new Error(`the sample account ${acc.accountId} has no log bucket ${logBucket}`);
    for (const [region, reg] of Object.entries(acc.regions ?? {})) {
      if (acc.accountId === SAMPLE_NO_FLOW_LOGS.accountId && region === SAMPLE_NO_FLOW_LOGS.region) continue;
      for (const vpc of reg.vpcs ?? []) {
        flowLogs.push({
          accountId: acc.accountId,
          region,
          flowLogId: genId("fl", `${acc.accountId}|${region}|${vpc.vpcId}`),
          resourceId: vpc.vpcId,
          bucket: logBucket,
          prefix: "flow-logs",
          logFormat: SAMPLE_FLOW_FORMAT,
          perHourPartition: true,
          traffic: scenarioOn.get(`${acc.accountId}/${region}`) ?? [],
        });
      }
    }
  }

  // Host triage: what Run Command answers on the managed scenario hosts.
  const triage = (h: SampleHost, scenario: "scanner" | "miner" | "spam-relay" | "clean") => {
    const reg = estate.accounts.find((a) => a.accountId === h.accountId)!.regions![h.region]!;
    if (!(reg.ssmManagedInstances ?? []).some((m) => m.instanceId === h.instanceId)) throw new Error(`${h.instanceId} is not managed by Systems Manager in the sample`);
    // Done at the first poll: the sample answers at once (the drill and the tests wait for no polling interval).
    reg.hostTriage = [...(reg.hostTriage ?? []), { instanceId: h.instanceId, scenario, pendingPolls: 0 }];
  };
  triage(hosts.scanner, "scanner");
  triage(hosts.miner, "miner");
  triage(hosts.spamRelay, "spam-relay");
  triage(hosts.falseReport, "clean");

  // The scanner's role credentials, taken from the instance metadata service, used from outside.
  const prod = estate.accounts.find((a) => a.accountId === hosts.scanner.accountId)!;
  const eu = prod.regions![hosts.scanner.region]!;
  const session = { sourceIpAddress: SAMPLE_ATTACKER_IP, userAgent: "aws-cli/1.18.69 Python/3.8.10 Linux/5.15.0 botocore/1.16.19", username: `${ids.instanceRole}/${ids.instance}`, accessKeyId: "ASIA2EXAMPLESESSION1" };
  eu.cloudTrail = [
    ...(eu.cloudTrail ?? []),
    { ...session, eventName: "GetCallerIdentity", eventTime: "2026-05-01T07:52:10Z", resources: [] },
    { ...session, eventName: "ListBuckets", eventTime: "2026-05-01T07:53:40Z", resources: [] },
    { ...session, eventName: "DescribeInstances", eventTime: "2026-05-01T07:55:02Z", resources: [] },
  ];

  // The instance profiles the prod instances hold, and their roles (IAM GetInstanceProfile).
  prod.instanceProfiles = [
    { instanceProfileName: "payments-web", roles: [ids.instanceRole] },
    { instanceProfileName: "batch-worker", roles: ["batch-worker-role"] },
  ];

  const mgmt = estate.organization?.managementAccountId ?? estate.accounts[0]!.accountId;
  const mgmtAcc = estate.accounts.find((a) => a.accountId === mgmt)!;
  estate.logs = {
    flowLogs,
    trailFiles: [{ accountId: mgmt, bucket: `${mgmtAcc.name ?? mgmt}-cloudtrail-${mgmt}`, region: "us-east-1", ...(estate.organization ? { organizationId: estate.organization.id } : {}) }],
  };
}
