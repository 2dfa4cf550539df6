/**
 * The bundled sample estate holds what the investigation reads (src/cloud/sim/generate-logs.ts):
 * VPC flow logs with the scripted activities, host triage outputs and the organization trail's
 * files. A notice about each scripted host gets the verdict its traffic supports: confirmed with
 * figures for the open proxy, the miner and the spam relay, not observed for the false report (the
 * host's ordinary traffic is there, the reported activity is not), with the host's findings.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { SAMPLE_IDS, sampleEstate } from "../../src/cloud/sim/generate.ts";
import { SAMPLE_NO_FLOW_LOGS, sampleScenarioHosts, type SampleHost } from "../../src/cloud/sim/generate-logs.ts";
import { intakeItem } from "../../src/desk/index.ts";
import { planSql } from "../../src/investigate/cloudtrail/files.ts";
import { planTrail } from "../../src/investigate/cloudtrail/plan.ts";
import { investigateCase } from "../../src/investigate/index.ts";
import type { Subject } from "../../src/investigate/types.ts";
import type { Notice } from "../../src/notice/types.ts";
import { makeNotice, makeVerdict, raw } from "../case/fixtures.ts";
import { resource, sim } from "../resolve/helpers.ts";

const NOW = new Date("2026-05-01T09:30:00.000Z");
const hosts = sampleScenarioHosts(sampleEstate(), { instance: SAMPLE_IDS.instance, proxy: SAMPLE_IDS.proxy });

let home: string;
let store: CaseStore;
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "abuse-desk-sample-investigate-"));
  store = await openStore({ home, url: undefined });
});
afterAll(async () => {
  await store.destroy();
  rmSync(home, { recursive: true, force: true });
});

async function investigate(h: SampleHost, activityType: Notice["activityType"], more: Partial<Notice> = {}) {
  const port = sim("sample");
  const notice = makeNotice({
    activityType,
    accountIds: [h.accountId],
    regions: [h.region],
    instanceIds: [h.instanceId],
    publicIps: [h.publicIp],
    remoteIps: [],
    remotePorts: [],
    receivedAt: "2026-05-01T09:00:00.000Z",
    window: { begin: "2026-05-01T07:50:00.000Z", end: "2026-05-01T08:20:00.000Z" },
    resources: [resource("ec2-instance", h.instanceId, { accountId: h.accountId, region: h.region })],
    ...more,
  });
  const intake = await intakeItem({ index: 0, notice, raw: raw(notice), format: "email", mail: null } as never, { store, verify: async () => makeVerdict("authentic"), port, now: NOW });
  const out = await investigateCase(store, intake.intake.case.id, {
    port,
    options: { marginMinutes: 10, engine: "local", hostTimeoutSeconds: 60, hostPollMs: 0 },
    only: ["flows", "host"],
    now: () => NOW,
    evidenceDir: join(home, "evidence"),
    scratchDir: home,
  });
  const i = out.investigation;
  return { verdict: i.activity[0], kinds: i.findings.map((f) => f.kind), findings: i.findings, notSearched: i.notSearched, status: i.status };
}

describe("the demo instance's role, from its instance profile", () => {
  it("planTrail reads the profile's role and asks the trail files for its sessions whatever their names", async () => {
    const subject = { caseId: "AD-2026-0001", activityType: "port_scan", window: { start: "2026-05-01T07:40:00.000Z", end: "2026-05-01T08:30:00.000Z" }, noticeWindow: { begin: null, end: null }, remoteIps: [], remotePorts: [], principals: [], containedAt: null, resources: [{ scope: { accountId: hosts.scanner.accountId, region: hosts.scanner.region }, kind: "instance", id: hosts.scanner.instanceId, publicIps: [hosts.scanner.publicIp], privateIps: [], networkInterfaceIds: [hosts.scanner.networkInterfaceId] }] } as unknown as Subject;
    const plan = await planTrail(sim("sample"), subject);
    expect(plan.roleArns).toEqual(["arn:aws:iam::111122223333:role/payments-web-role"]);
    expect(plan.instances[0]).toMatchObject({ roleName: "payments-web-role", roleArn: "arn:aws:iam::111122223333:role/payments-web-role" });
    expect(planSql(plan, subject.window)).toContain("useridentity.arn LIKE 'arn:aws:sts::111122223333:assumed-role/payments-web-role/%' ESCAPE");
    // IAM denied: the role is not known, said as not searched, the session name still used
    const denied = await planTrail(sim("sample", { faults: [{ call: "iam:GetInstanceProfile", accessDenied: true }] }), subject);
    expect(denied.roleArns).toEqual([]);
    expect(denied.sessionNames).toEqual([hosts.scanner.instanceId]);
    expect(denied.notSearched.map((n) => n.what)).toEqual([expect.stringContaining("under another session name")]);
  });
});

describe("investigate on the sample estate's scripted hosts", () => {
  it("the open proxy (squid-test): confirmed from the flow logs; its host is not managed by SSM, so not searched", async () => {
    const r = await investigate(hosts.proxy, "open_proxy");
    expect(r.verdict).toMatchObject({ verdict: "confirmed" });
    expect(r.verdict!.figures).toMatchObject({ proxyPort: 3128 });
    expect(Number(r.verdict!.figures.inboundSources)).toBeGreaterThanOrEqual(10);
    expect(Number(r.verdict!.figures.outboundDestinations)).toBeGreaterThanOrEqual(20);
    expect(r.kinds).toContain("flow.proxy.confirmed");
    expect(r.notSearched.map((n) => n.what).join("\n")).toContain(hosts.proxy.instanceId);
    expect(r.status).toBe("partial");
  });

  it("the miner (sandbox): confirmed (long flows to the pool port), xmrig found on the host", async () => {
    const r = await investigate(hosts.miner, "crypto_mining");
    expect(r.verdict).toMatchObject({ verdict: "confirmed" });
    expect(r.kinds).toContain("flow.mining.confirmed");
    expect(Number(r.verdict!.figures.longestSeconds)).toBeGreaterThanOrEqual(1800);
    expect(r.kinds).toContain("host.miner.running");
    expect(r.findings.find((f) => f.kind === "host.miner.running")!.summary).toContain("xmrig");
    expect(r.status).toBe("complete");
  });

  it("the spam relay (staging): confirmed (many destinations on 25/465/587), the mailer and web shell found on the host", async () => {
    const r = await investigate(hosts.spamRelay, "spam_email");
    expect(r.verdict).toMatchObject({ verdict: "confirmed" });
    expect(Number(r.verdict!.figures.mailDestinations)).toBeGreaterThanOrEqual(20);
    expect(r.kinds).toContain("flow.spam.confirmed");
    expect(r.findings.some((f) => f.area === "host" && /mailer\.pl|up\.php/.test(f.summary))).toBe(true);
  });

  it("the false report (a prod web server): not observed, with the records that were read; a clean host", async () => {
    const r = await investigate(hosts.falseReport, "port_scan", { remoteIps: ["192.0.2.250"], remotePorts: [22] });
    expect(r.verdict).toMatchObject({ verdict: "not-observed" });
    expect(Number(r.verdict!.figures.records)).toBeGreaterThan(0);
    expect(r.kinds).toContain("flow.scan.not-observed");
    expect(r.kinds.filter((k) => /^host\.(miner|scanner|proxy|webshell|spam)/.test(k))).toEqual([]);
  });

  it("the scanner (the demo incident): confirmed with figures, the reported remote seen, masscan on the host", async () => {
    const r = await investigate(hosts.scanner, "port_scan", { remoteIps: ["203.0.113.99"] });
    expect(r.verdict).toMatchObject({ verdict: "confirmed" });
    expect(r.verdict!.figures).toMatchObject({ maxDestinationsPerMinute: 120, port: 22, tcpFlagsLogged: true });
    expect(r.findings.find((f) => f.kind === "flow.reported-remotes")!.summary).toContain("203.0.113.99");
    expect(r.kinds).toContain("host.scanner.running");
  });

  it("a host in the VPC without flow logs (the readiness gap): no logs, never not observed", async () => {
    const e = sampleEstate();
    const reg = e.accounts.find((a) => a.accountId === SAMPLE_NO_FLOW_LOGS.accountId)!.regions![SAMPLE_NO_FLOW_LOGS.region]!;
    const inst = reg.instances![0]!;
    const eni = inst.networkInterfaces![0]!;
    const r = await investigate({ accountId: SAMPLE_NO_FLOW_LOGS.accountId, region: SAMPLE_NO_FLOW_LOGS.region, instanceId: inst.instanceId, networkInterfaceId: eni.networkInterfaceId, publicIp: "198.51.100.254" }, "port_scan", { publicIps: [] });
    expect(r.verdict).toMatchObject({ verdict: "no-logs" });
  });
});
