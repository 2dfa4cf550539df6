/** Resolution on the bundled sample estate (ids: docs/sim.md) and on small estates built for one case. */
import { describe, expect, it } from "vitest";
import { SimAccount, VirtualClock } from "../../src/cloud/sim/index.ts";
import type { EstateInput } from "../../src/cloud/sim/index.ts";
import { resolveNotice } from "../../src/resolve/index.ts";
import type { Resolved, ResolveProgress } from "../../src/resolve/types.ts";
import { notice, resource, sim } from "./helpers.ts";

const PROD = "111122223333";
const STAGING = "444455556666";
const DEMO = "i-0a1b2c3d4e5f67890";
type Inst = Extract<Resolved, { type: "ec2-instance" }>;

describe("resolve: instances", () => {
  it("finds the demo instance in the notice's region, enriched with everything a responder needs", async () => {
    const port = sim("sample");
    const res = await resolveNotice(notice({ accountIds: [PROD], regions: ["eu-west-1"], instanceIds: [DEMO] }), port);
    expect(res.gaps).toEqual([]);
    const [f] = res.findings;
    expect(f?.status).toBe("found");
    expect(f?.searched).toEqual([{ accountId: PROD, regions: ["eu-west-1"] }]);
    const r = f!.resources[0] as Inst;
    expect(r).toMatchObject({ type: "ec2-instance", id: DEMO, accountId: PROD, region: "eu-west-1" });
    expect(r.instance).toMatchObject({ state: "running", imageId: "ami-0abcdef1234567890", keyName: "payments-deploy", iamInstanceProfile: `arn:aws:iam::${PROD}:instance-profile/payments-web`, launchTime: "2026-04-28T06:00:00Z" });
    expect(r.vpc?.vpcId).toBe(r.instance.vpcId);
    expect(r.subnet?.subnetId).toBe(r.instance.subnetId);
    expect(r.networkAcl?.subnetIds).toContain(r.instance.subnetId);
    expect(r.interfaces.map((e) => e.networkInterfaceId)).toEqual(["eni-0a1b2c3d4e5f60001", "eni-0a1b2c3d4e5f60002"]);
    expect(r.interfaces[0]!.securityGroups[0]!.rules).toEqual(expect.arrayContaining([expect.objectContaining({ direction: "ingress", protocol: "tcp", fromPort: 22, cidrIpv4: "0.0.0.0/0" })]));
    expect(r.interfaces[1]!.securityGroups.map((g) => g.groupName)).toEqual(["payments-app-internal"]);
    expect(r.autoScalingGroup?.name).toBe("web-asg");
    expect(r.autoScalingGroup?.instances).toHaveLength(3);
    expect(r.targetGroups.map((t) => t.name)).toEqual(["web-tg"]);
    expect(r.targetGroups[0]?.loadBalancerArns[0]).toMatch(/loadbalancer\/app\/payments-alb\//);
    expect(r.classicLoadBalancers).toEqual([]);
    expect(r.ssm?.pingStatus).toBe("Online");
    expect(r.publicIps).toEqual(["198.51.100.23"]);
    expect(r.elasticIps).toEqual([]);
    expect(r.ownership).toEqual({ owner: "alice@example.com", team: "payments", environment: "dev" });
    expect(f?.summary).toBe(
      `${DEMO} in ${PROD}/eu-west-1: running t3.medium, owner alice@example.com, team payments, dev, Auto Scaling group web-asg, target group web-tg, 2 ENIs, public IP 198.51.100.23, SSM managed (Online)`,
    );
    expect(f?.notes).toEqual(expect.arrayContaining(["sg-0a1b2c3d4e5f6a7b8 (payments-web-public) is open to the world on tcp/22", "sg-0a1b2c3d4e5f6a7b8 (payments-web-public) is open to the world on tcp/443"]));
  });

  it("searches every enabled region at once when the notice gives no region", async () => {
    const clock = new VirtualClock();
    const L = 50;
    const port = sim("sample", { clock, latencyMs: L });
    const res = await resolveNotice(notice({ accountIds: [PROD], instanceIds: [DEMO] }), port);
    const [f] = res.findings;
    expect(f?.status).toBe("found");
    expect(f?.searched[0]?.regions).toHaveLength(17);
    expect(port.callsOf("describeInstances").filter((c) => (c.args[0] as { instanceIds?: string[] }).instanceIds?.includes(DEMO))).toHaveLength(17);
    // The 17 default regions searched while DescribeRegions answers, then one round of enrichment: two latency periods.
    expect(clock.now()).toBe(2 * L);
  });

  it("with one call at a time, the same search takes a period per call (the baseline the parallel search beats)", async () => {
    const clock = new VirtualClock();
    const port = sim("sample", { clock, latencyMs: 50 });
    await resolveNotice(notice({ accountIds: [PROD], instanceIds: [DEMO] }), port, { concurrency: 1, totalConcurrency: 1 });
    expect(clock.now()).toBe(port.calls.length * 50);
    expect(clock.now()).toBeGreaterThanOrEqual(17 * 50);
  });

  it("keeps at most `concurrency` calls in flight per account, region and service", async () => {
    const clock = new VirtualClock();
    const port = sim("sample", { clock, latencyMs: 10 });
    await resolveNotice(notice({ accountIds: [PROD], regions: ["eu-west-1"], instanceIds: [DEMO], publicIps: ["198.51.100.23", "198.51.100.77"] }), port, { concurrency: 2 });
    const ec2 = port.calls.filter((c) => c.region === "eu-west-1" && c.action.startsWith("ec2:"));
    expect(ec2.length).toBeGreaterThan(6);
    let peak = 0;
    for (const c of ec2) peak = Math.max(peak, ec2.filter((o) => o.startedAt <= c.startedAt && o.endedAt > c.startedAt).length);
    expect(peak).toBe(2);
  });

  it("enriches every instance of a region in one batch: one call per kind, not one per instance", async () => {
    const port = sim("sample");
    const web2 = (await port.autoScalingGroupsOf({ accountId: PROD, region: "eu-west-1" }, [DEMO]))[0]!.instances.map((m) => m.instanceId);
    port.calls.length = 0;
    const res = await resolveNotice(notice({ accountIds: [PROD], regions: ["eu-west-1"], instanceIds: web2 }), port);
    expect(res.findings.map((f) => f.status)).toEqual(["found", "found", "found"]);
    expect(port.callsOf("describeNetworkInterfaces")).toHaveLength(1);
    expect(port.callsOf("autoScalingGroupsOf")).toHaveLength(1);
    expect((port.callsOf("ssmManagedInstances")[0]?.args[0] as string[]).sort()).toEqual([...web2].sort());
  });

  it("says where it is when the notice names the wrong region", async () => {
    const res = await resolveNotice(notice({ accountIds: [PROD], regions: ["us-east-1"], instanceIds: [DEMO] }), sim("sample"));
    const [f] = res.findings;
    expect(f?.status).toBe("found");
    expect(f?.resources[0]?.region).toBe("eu-west-1");
    expect(f?.notes).toContain("found in eu-west-1, not in us-east-1 as the notice says");
  });

  it("says plainly that an id exists nowhere, and where it looked", async () => {
    const res = await resolveNotice(notice({ accountIds: [PROD], instanceIds: ["i-0deadbeefdeadbeef"] }), sim("sample"));
    const [f] = res.findings;
    expect(f?.status).toBe("not-found");
    expect(f?.resources).toEqual([]);
    expect(f?.searched).toEqual([{ accountId: PROD, regions: expect.any(Array) }]);
    expect(f?.searched[0]?.regions).toHaveLength(17);
    expect(f?.summary).toBe(`i-0deadbeefdeadbeef was not found in account ${PROD}, 17 regions`);
  });

  it("searches every account the port reaches when the notice names none", async () => {
    const res = await resolveNotice(notice({ instanceIds: ["i-0b5c6d7e8f9a01234"] }), sim("sample"));
    const [f] = res.findings;
    expect(f?.status).toBe("found");
    expect(f?.resources[0]).toMatchObject({ accountId: STAGING, region: "us-east-1" });
    expect(f?.searched.map((s) => s.accountId).sort()).toEqual([PROD, STAGING, "777788889999"]);
  });
});

describe("resolve: public IPs", () => {
  it("an instance's public IP resolves to the instance", async () => {
    const res = await resolveNotice(notice({ accountIds: [PROD], regions: ["eu-west-1"], publicIps: ["198.51.100.23"] }), sim("sample"));
    const [f] = res.findings;
    expect(f?.status).toBe("found");
    expect(f?.resources.map((r) => r.id)).toEqual([DEMO]);
    expect(f?.summary).toMatch(/^198\.51\.100\.23 is held by i-0a1b2c3d4e5f67890 in 111122223333\/eu-west-1: running/);
  });

  it("a NAT gateway's address resolves to the NAT gateway, with its Elastic IP", async () => {
    const res = await resolveNotice(notice({ accountIds: [PROD], publicIps: ["198.51.100.77"] }), sim("sample"));
    const [f] = res.findings;
    expect(f?.status).toBe("found");
    expect(f?.resources.map((r) => r.type).sort()).toEqual(["elastic-ip", "nat-gateway"]);
    const nat = f!.resources.find((r) => r.type === "nat-gateway")!;
    expect(nat).toMatchObject({ id: "nat-0a1b2c3d4e5f60077", region: "eu-west-1", ownership: {} });
    expect(f?.notes?.[0]).toMatch(/NAT gateway's address/);
  });

  it("a load balancer's address resolves to the load balancer", async () => {
    const res = await resolveNotice(notice({ accountIds: [PROD], regions: ["eu-west-1"], publicIps: ["198.51.100.81"] }), sim("sample"));
    const [f] = res.findings;
    expect(f?.resources).toEqual([expect.objectContaining({ type: "load-balancer", loadBalancer: expect.objectContaining({ name: "payments-alb", type: "application" }) })]);
    expect(f?.summary).toBe(`198.51.100.81 is held by application load balancer payments-alb in ${PROD}/eu-west-1`);
  });

  it("a classic load balancer's address resolves to it", async () => {
    const res = await resolveNotice(notice({ accountIds: [PROD], publicIps: ["198.51.100.90"] }), sim("sample"));
    expect(res.findings[0]?.resources[0]).toMatchObject({ type: "load-balancer", region: "us-east-1", loadBalancer: { name: "legacy-clb", type: "classic" } });
  });

  it("the open-proxy host: found by IP in staging, with the world-open port named", async () => {
    const res = await resolveNotice(notice({ activityType: "open_proxy", publicIps: ["198.51.100.128"] }), sim("sample"));
    const [f] = res.findings;
    expect(f?.resources[0]).toMatchObject({ type: "ec2-instance", id: "i-0b5c6d7e8f9a01234", accountId: STAGING, region: "us-east-1", ownership: { owner: "dave@example.com", team: "search", environment: "staging" } });
    expect(f?.notes).toContain("sg-0b5c6d7e8f9a0f128 (squid-test) is open to the world on tcp/3128");
  });

  it("a released Elastic IP: who held it during the activity, in plain words", async () => {
    const n = notice({ accountIds: [PROD], regions: ["eu-west-1"], publicIps: ["203.0.113.45"], window: { begin: "2026-04-20T03:00:00Z", end: "2026-04-20T04:00:00Z" } });
    const res = await resolveNotice(n, sim("sample"));
    const [f] = res.findings;
    expect(f?.status).toBe("moved");
    expect(f?.ipHistory?.summary).toBe("released at 2026-04-24T16:05:00Z; held by i-0f9e8d7c6b5a43210 from 2026-04-02T10:00:00Z to 2026-04-24T16:00:00Z");
    expect(f?.ipHistory?.holders).toEqual([{ resourceId: "i-0f9e8d7c6b5a43210", kind: "instance", from: "2026-04-02T10:00:00Z", to: "2026-04-24T16:00:00Z", allocationId: "eipalloc-0a1b2c3d4e5f60045" }]);
    expect(f?.ipHistory?.eventIds).toHaveLength(5);
    expect(f?.notes).toContain("i-0f9e8d7c6b5a43210 was launched at 2026-03-30T11:00:00Z by bob (CloudTrail RunInstances)");
    // The instance that held it is still in the account: enriched like any other.
    expect(f?.resources).toEqual([expect.objectContaining({ type: "ec2-instance", id: "i-0f9e8d7c6b5a43210", ownership: { owner: "bob@example.com", team: "data", environment: "prod" } })]);
    expect(f?.summary).toMatch(/^203\.0\.113\.45 is not where it was during the activity: released at 2026-04-24T16:05:00Z; held by i-0f9e8d7c6b5a43210 from .* It belonged to i-0f9e8d7c6b5a43210 in 111122223333\/eu-west-1/);
  });

  it("CloudTrail is read for the address events, then for the launches and terminations of the holders only", async () => {
    // LookupEvents answers 2 requests a second: every RunInstances of 90 days in a busy region would be pages and pages.
    const port = sim("sample");
    const n = notice({ accountIds: [PROD], regions: ["eu-west-1"], publicIps: ["203.0.113.45"], window: { begin: "2026-04-20T03:00:00Z", end: "2026-04-20T04:00:00Z" } });
    const [f] = (await resolveNotice(n, port)).findings;
    expect(f?.status).toBe("moved");
    const asked = port.callsOf("lookupEvents").map((c) => ({ region: c.region, ...(c.args[0] as { eventNames?: string[]; resourceName?: string }) }));
    // the address is nowhere now: every region searched is asked for its address events...
    const regionWide = asked.filter((q) => q.resourceName === undefined);
    expect(regionWide.length).toBe(17);
    for (const q of regionWide) expect(q.eventNames).toEqual(["AllocateAddress", "AssociateAddress", "DisassociateAddress", "ReleaseAddress"]);
    // ...and the one instance that held it, for its launch and termination, where it held it
    expect(asked.filter((q) => q.resourceName !== undefined)).toEqual([expect.objectContaining({ region: "eu-west-1", resourceName: "i-0f9e8d7c6b5a43210", eventNames: ["RunInstances", "TerminateInstances"] })]);
  });

  it("CloudTrail is asked each question once per region, however many addresses need the answer", async () => {
    // The region-wide read names no address: three addresses found nowhere share one read per region (LookupEvents answers 2 requests a second).
    const port = sim("sample");
    const ips = ["192.0.2.97", "192.0.2.98", "192.0.2.99"];
    const res = await resolveNotice(notice({ accountIds: [PROD], publicIps: ips }), port);
    expect(res.findings.map((f) => f.status)).toEqual(["not-found", "not-found", "not-found"]);
    const asked = port.callsOf("lookupEvents").map((c) => JSON.stringify([c.region, c.args]));
    expect(new Set(asked).size).toBe(17);
    expect(asked).toHaveLength(17);
  });

  it("an Elastic IP that moved to another instance after the activity", async () => {
    const n = notice({ accountIds: [PROD], publicIps: ["203.0.113.60"], window: { begin: "2026-04-26T10:00:00Z", end: "2026-04-26T11:00:00Z" } });
    const res = await resolveNotice(n, sim("sample"));
    const [f] = res.findings;
    expect(f?.status).toBe("moved");
    const from = f!.ipHistory!.holders[0]!.resourceId;
    const to = f!.ipHistory!.holders[1]!.resourceId;
    expect(f?.ipHistory?.summary).toBe(`held by ${from} from 2026-03-01T08:12:00Z to 2026-04-28T12:00:00Z (then moved to another resource)`);
    expect(f?.notes).toContain(`${to} has held 203.0.113.60 since 2026-04-28T12:00:00Z, after the activity (2026-04-26T11:00:00Z)`);
    // Only what held it during the activity is a resource; the innocent new holder is named in words.
    expect(f!.resources.map((r) => r.id)).toEqual([from]);
    expect(f?.summary).toContain(`It belonged to ${from} in ${PROD}/us-east-1: running t3.small, owner carol@example.com, team growth, classic LB legacy-clb, 1 ENI, SSM managed (Online).`);
    expect(f?.summary).toContain(`It is now held by ${to} in ${PROD}/us-east-1`);
    expect(f?.summary).toMatch(/which had nothing to do with it\.$/);
  });

  it("an Elastic IP whose history can't be read: its holder now is found, and said to be unconfirmed for the time of the activity", async () => {
    const port = sim("sample", { faults: [{ call: "cloudtrail:LookupEvents", accessDenied: true }] });
    const n = notice({ accountIds: [PROD], publicIps: ["203.0.113.60"], window: { begin: "2026-04-26T10:00:00Z", end: "2026-04-26T11:00:00Z" } });
    const [f] = (await resolveNotice(n, port)).findings;
    expect(f?.status).toBe("found");
    expect(f?.notes).toContain("CloudTrail could not be read in 1 region (see gaps): that 203.0.113.60 was with this holder during the activity is not confirmed");
  });

  it("the same Elastic IP with an activity after the move belongs to the new holder", async () => {
    const n = notice({ accountIds: [PROD], publicIps: ["203.0.113.60"], window: { begin: "2026-04-29T10:00:00Z", end: "2026-04-29T11:00:00Z" } });
    const [f] = (await resolveNotice(n, sim("sample"))).findings;
    expect(f?.status).toBe("found");
    expect(f?.ipHistory?.summary).toMatch(/^held now by i-[0-9a-f]+ since 2026-04-28T12:00:00Z$/);
  });

  it("an auto-assigned address that came after the activity is not blamed on its holder", async () => {
    const n = notice({ accountIds: [PROD], regions: ["eu-west-1"], publicIps: ["198.51.100.23"], window: { begin: "2026-04-20T03:00:00Z", end: "2026-04-20T04:00:00Z" } });
    const [f] = (await resolveNotice(n, sim("sample"))).findings;
    expect(f?.status).toBe("moved");
    expect(f?.notes?.[0]).toMatch(/^i-0a1b2c3d4e5f67890 got 198\.51\.100\.23 when it started at 2026-04-28T06:00:00Z, after the activity/);
    expect(f?.summary).toMatch(/^198\.51\.100\.23 is held now by i-0a1b2c3d4e5f67890 in 111122223333\/eu-west-1: .* who held it then is not recorded/);
    expect(f?.resources).toEqual([]);
  });

  it("an IPv6 address resolves to the instance whose ENI holds it", async () => {
    const res = await resolveNotice(notice({ accountIds: ["111122223333"], publicIps: ["2001:db8:c0::e5"] }), sim("contract"));
    const [f] = res.findings;
    expect(f?.status).toBe("found");
    expect(f?.resources.map((r) => r.id)).toEqual(["i-0c0000000000000e5"]);
    expect(f?.summary).toMatch(/^2001:db8:c0::e5 is held by i-0c0000000000000e5 in 111122223333\/us-east-1/);
  });

  it("an IPv6 address found nowhere: said plainly, and no CloudTrail read for it (Elastic IPs are IPv4)", async () => {
    const port = sim("contract");
    const [f] = (await resolveNotice(notice({ accountIds: ["111122223333"], publicIps: ["2001:db8:c0::ff"] }), port)).findings;
    expect(f?.status).toBe("not-found");
    expect(f?.summary).toBe("2001:db8:c0::ff was not found in account 111122223333, 2 regions");
    expect(port.callsOf("lookupEvents")).toEqual([]);
  });

  it("an address that is nowhere, with CloudTrail unreadable: never 'CloudTrail has no record'", async () => {
    const port = sim("sample", { faults: [{ call: "cloudtrail:LookupEvents", region: "eu-west-1", accessDenied: true }] });
    const res = await resolveNotice(notice({ accountIds: [PROD], publicIps: ["192.0.2.99"] }), port);
    const [f] = res.findings;
    // Not in any region read, but whether it was an Elastic IP there could not be read: not searched, never "not found".
    expect(f?.status).toBe("not-searched");
    expect(f?.summary).not.toContain("has no record");
    expect(f?.summary).toContain("cloudtrail:LookupEvents");
    expect(res.gaps).toContainEqual(expect.objectContaining({ region: "eu-west-1", reason: expect.stringContaining("cloudtrail:LookupEvents") }));
  });

  it("an address that is nowhere and was never an Elastic IP here", async () => {
    const [f] = (await resolveNotice(notice({ accountIds: [PROD], publicIps: ["192.0.2.99"] }), sim("sample"))).findings;
    expect(f?.status).toBe("not-found");
    expect(f?.summary).toBe(`192.0.2.99 was not found in account ${PROD}, 17 regions; CloudTrail (90 days) has no record of it as an Elastic IP either`);
  });

  it("the IP written beside an instance is checked against what the instance holds", async () => {
    const n = notice({ accountIds: [PROD], regions: ["eu-west-1"], resources: [resource("ec2-instance", DEMO, { publicIp: "198.51.100.99" })] });
    const res = await resolveNotice(n, sim("sample"));
    const inst = res.findings.find((f) => f.ref.type === "ec2-instance");
    expect(inst?.notes).toContain(`the notice gives 198.51.100.99 for ${DEMO}; it holds 198.51.100.23 now`);
    expect(res.findings.find((f) => f.ref.id === "198.51.100.99")?.status).toBe("not-found");
  });
});

describe("resolve: other resource types", () => {
  it("an access key: its IAM user and last use", async () => {
    const [f] = (await resolveNotice(notice({ kind: "credentials_exposed", accountIds: [PROD], accessKeyIds: ["AKIA2EXAMPLEKEY00001"] }), sim("sample"))).findings;
    expect(f?.status).toBe("found");
    expect(f?.resources[0]).toMatchObject({ type: "access-key", region: "global", accessKey: { userName: "ci-deployer", status: "Active", lastUsed: { service: "ec2" } }, user: { arn: `arn:aws:iam::${PROD}:user/automation/ci-deployer` }, ownership: { owner: "platform@example.com", team: "platform" } });
    expect(f?.summary).toBe(`AKIA2EXAMPLEKEY00001 belongs to IAM user ci-deployer in account ${PROD}, Active; last used 2026-04-30T22:14:00Z (ec2, eu-west-1); owner platform@example.com, team platform`);
  });

  it("an access key that is in no account", async () => {
    const [f] = (await resolveNotice(notice({ accessKeyIds: ["AKIA2EXAMPLEKEY99999"] }), sim("sample"))).findings;
    expect(f?.status).toBe("not-found");
    expect(f?.summary).toBe(`AKIA2EXAMPLEKEY99999 was not found in 3 accounts (${PROD}, ${STAGING}, 777788889999), IAM/S3/CloudFront`);
  });

  it("ENI, NAT gateway, Elastic IP allocation, load balancer, bucket, distribution and IAM user by id", async () => {
    const n = notice({
      accountIds: [PROD],
      networkInterfaceIds: ["eni-0a1b2c3d4e5f60002"],
      resources: [
        resource("nat-gateway", "nat-0a1b2c3d4e5f60077"),
        resource("elastic-ip", "eipalloc-0a1b2c3d4e5f60060"),
        resource("load-balancer", "payments-alb"),
        resource("s3-bucket", "marketing-assets-public"),
        resource("cloudfront-distribution", "E2EXAMPLE0DIST"),
        resource("iam-user", "alice"),
      ],
    });
    const res = await resolveNotice(n, sim("sample"));
    const by = (id: string) => res.findings.find((f) => f.ref.id === id)!;
    expect(by("eni-0a1b2c3d4e5f60002").resources.map((r) => r.type)).toEqual(["network-interface", "ec2-instance"]);
    expect(by("eni-0a1b2c3d4e5f60002").summary).toBe(`ENI eni-0a1b2c3d4e5f60002 in ${PROD}/eu-west-1: app tier, attached to ${DEMO}`);
    expect(by("nat-0a1b2c3d4e5f60077").summary).toBe(`NAT gateway nat-0a1b2c3d4e5f60077 in ${PROD}/eu-west-1 (available), public IP 198.51.100.77`);
    expect(by("eipalloc-0a1b2c3d4e5f60060").resources.map((r) => r.type)).toEqual(["elastic-ip", "ec2-instance"]);
    expect(by("payments-alb").resources[0]).toMatchObject({ type: "load-balancer", region: "eu-west-1" });
    expect(by("marketing-assets-public").summary).toBe(`bucket marketing-assets-public in account ${PROD} (us-east-1), public access NOT fully blocked, owner carol@example.com, team growth`);
    expect(by("E2EXAMPLE0DIST").resources[0]).toMatchObject({ type: "cloudfront-distribution", distribution: { aliases: ["assets.example.com"] } });
    expect(by("alice").status).toBe("found");
    expect(by("alice").resources).toEqual([]);
    expect(by("alice").summary).toBe(`IAM user alice in account ${PROD} (arn:aws:iam::${PROD}:user/alice), created 2025-01-10T09:00:00Z, groups admins, team payments`);
    expect(res.gaps).toEqual([]);
  });

  it("a resource type the port does not cover is said so", async () => {
    const [f] = (await resolveNotice(notice({ resources: [resource("lightsail-instance", "my-lightsail-1")] }), sim("sample"))).findings;
    expect(f?.status).toBe("error");
    expect(f?.summary).toMatch(/lightsail-instance resources are not looked up/);
  });
});

describe("resolve: failures become gaps, never a crash", () => {
  it("access denied names the IAM action, and what can be found still is", async () => {
    const port = sim("sample", { faults: [{ call: "ec2:DescribeAddresses", accessDenied: true }] });
    const res = await resolveNotice(notice({ accountIds: [PROD], regions: ["eu-west-1"], publicIps: ["198.51.100.23"] }), port);
    expect(res.gaps).toContainEqual(expect.objectContaining({ accountId: PROD, region: "eu-west-1", reason: "access denied: ec2:DescribeAddresses is not allowed (docs/iam/read-only-policy.json lists what resolution needs)" }));
    expect(res.findings[0]?.resources[0]?.id).toBe(DEMO);
  });

  it("without DescribeNetworkInterfaces, an Elastic IP's own association still names its instance (never 'not associated')", async () => {
    // 203.0.113.40 is an Elastic IP on a secondary private address of i-0c0000000000000e5 (contract estate):
    // the instance's own public IP is another one, so only the ENI or the address itself can tie them.
    const port = sim("contract", { faults: [{ call: "ec2:DescribeNetworkInterfaces", accessDenied: true }] });
    const res = await resolveNotice(notice({ accountIds: ["111122223333"], regions: ["us-east-1"], publicIps: ["203.0.113.40"] }), port);
    expect(res.gaps).toContainEqual(expect.objectContaining({ region: "us-east-1", reason: expect.stringContaining("ec2:DescribeNetworkInterfaces") }));
    const [f] = res.findings;
    expect(f?.resources.map((r) => r.id)).toEqual(["i-0c0000000000000e5", "eipalloc-0c0000000000000e5"]);
    expect(f?.summary).not.toContain("not associated");
    expect(f?.summary).toMatch(/^203\.0\.113\.40 is held by i-0c0000000000000e5 in 111122223333\/us-east-1/);
  });

  it("a region that is not enabled is a gap; the resource is still found where it is", async () => {
    const res = await resolveNotice(notice({ accountIds: [PROD], regions: ["ap-east-1"], instanceIds: [DEMO] }), sim("sample"));
    expect(res.gaps).toContainEqual(expect.objectContaining({ accountId: PROD, region: "ap-east-1", reason: "region ap-east-1 is not enabled for the account" }));
    expect(res.findings[0]?.status).toBe("found");
    expect(res.findings[0]?.notes).toContain("found in eu-west-1, not in ap-east-1 as the notice says");
  });

  it("throttling is retried, then reported as a gap for that region only", async () => {
    const port = sim("sample", { faults: [{ call: "ec2:DescribeInstances", region: "sa-east-1", throttle: "always" }] });
    const res = await resolveNotice(notice({ accountIds: [PROD], instanceIds: ["i-0deadbeefdeadbeef"] }), port);
    expect(res.gaps).toEqual([expect.objectContaining({ accountId: PROD, region: "sa-east-1", reason: "still throttled after retries (ec2:DescribeInstances); try again or lower --concurrency" })]);
    expect(port.calls.filter((c) => c.region === "sa-east-1" && c.method === "describeInstances").map((c) => c.attempt)).toEqual([1, 2, 3]);
    const [f] = res.findings;
    expect(f?.searched[0]?.regions).toHaveLength(16);
    expect(f?.searched[0]?.regions).not.toContain("sa-east-1");
    expect(f?.status).toBe("not-searched");
    expect(f?.summary).toMatch(/16 regions, but 1 place it could be in could not be read \(111122223333\/sa-east-1: still throttled/);
    expect(res.gaps[0]?.fix).toBe("run it again later, or with a lower --concurrency");
  });

  it("a port restricted to some regions (aws.regions) is answered from those only, though the default regions were asked before it said so", async () => {
    // The AWS adapter's regions() is the enabled regions narrowed to aws.regions; the simulator stands in for it here.
    const port = sim("contract");
    const regions = port.regions.bind(port);
    port.regions = async (accountId) => (await regions(accountId)).filter((r) => r === "eu-west-1");
    const [f] = (await resolveNotice(notice({ accountIds: ["111122223333"], instanceIds: ["i-0c0000000000000e5"] }), port)).findings;
    // i-0c0000000000000e5 is in us-east-1, outside the restriction
    expect(f?.status).toBe("not-found");
    expect(f?.resources).toEqual([]);
    expect(f?.searched).toEqual([{ accountId: "111122223333", regions: ["eu-west-1"] }]);
  });

  it("the default regions searched before DescribeRegions answers: failures there count only where the account has the region", async () => {
    // staging enables 4 regions; a failure in a default region it has not enabled (another partition would look like this) is no gap.
    const port = sim("sample", { faults: [{ call: "ec2:DescribeInstances", accountId: STAGING, region: "ap-south-1", accessDenied: true }, { call: "ec2:DescribeInstances", accountId: STAGING, region: "us-east-2", accessDenied: true }] });
    const res = await resolveNotice(notice({ accountIds: [STAGING], instanceIds: ["i-0b5c6d7e8f9a01234"] }), port);
    expect(res.findings[0]?.status).toBe("found");
    expect(res.gaps).toEqual([expect.objectContaining({ accountId: STAGING, region: "us-east-2", reason: "access denied: ec2:DescribeInstances is not allowed (docs/iam/read-only-policy.json lists what resolution needs)" })]);
    expect(res.findings[0]?.searched).toEqual([{ accountId: STAGING, regions: ["eu-west-1", "us-east-1", "us-west-2"] }]);
  });

  it("throttling that passes is invisible", async () => {
    const port = sim("sample", { faults: [{ call: "ec2:DescribeInstances", throttle: 2 }] });
    const res = await resolveNotice(notice({ accountIds: [PROD], regions: ["eu-west-1"], instanceIds: [DEMO] }), port);
    expect(res.gaps).toEqual([]);
    expect(res.findings[0]?.status).toBe("found");
  });

  it("an account the notice names but the port can't reach: a gap, then every reachable account", async () => {
    const res = await resolveNotice(notice({ accountIds: ["999988887777"], instanceIds: [DEMO] }), sim("sample"));
    expect(res.gaps).toContainEqual(expect.objectContaining({ accountId: "999988887777", reason: "account 999988887777 is not reachable with these credentials" }));
    expect(res.findings[0]?.status).toBe("found");
    expect(res.findings[0]?.resources[0]?.accountId).toBe(PROD);
  });

  it("an account that can't be entered names sts:AssumeRole", async () => {
    const res = await resolveNotice(notice({ accountIds: ["777788889999"], regions: ["us-east-1"], instanceIds: [DEMO] }), sim("contract"));
    expect(res.gaps).toContainEqual(expect.objectContaining({ accountId: "777788889999", region: "us-east-1", reason: "access denied: sts:AssumeRole is not allowed (the role can't be assumed in this account)" }));
    expect(res.findings[0]?.status).toBe("not-searched");
    expect(res.findings[0]?.summary).toMatch(/not searched .*sts:AssumeRole/);
  });

  it("a port that throws something unexpected is a gap too", async () => {
    const port = sim("sample");
    port.describeInstances = async () => {
      throw new TypeError("socket hang up");
    };
    const res = await resolveNotice(notice({ accountIds: [PROD], regions: ["eu-west-1"], instanceIds: [DEMO] }), port);
    expect(res.gaps).toContainEqual(expect.objectContaining({ accountId: PROD, region: "eu-west-1", reason: "unexpected error: socket hang up" }));
    expect(res.findings[0]?.status).toBe("not-searched");
  });

  it("reports progress while it runs", async () => {
    const events: ResolveProgress[] = [];
    await resolveNotice(notice({ accountIds: [PROD], instanceIds: [DEMO] }), sim("sample"), { onProgress: (e) => events.push(e) });
    expect(events.map((e) => e.phase)).toEqual(expect.arrayContaining(["accounts", "locate", "enrich", "done"]));
    expect(events.at(-1)).toMatchObject({ phase: "done" });
    expect(events.at(-1)!.callsDone).toBe(events.at(-1)!.callsStarted);
  });
});

describe("resolve: AWS behaviour on small estates", () => {
  const base = (regions: EstateInput["accounts"][number]["regions"]): EstateInput => ({
    version: 1,
    now: "2026-05-01T00:00:00Z",
    accounts: [{ accountId: PROD, enabledRegions: ["eu-west-1"], regions }],
  });
  const net = {
    vpcs: [{ vpcId: "vpc-0000000000000aaaa", cidrBlock: "10.0.0.0/16" }],
    subnets: [
      { subnetId: "subnet-00000000000000a1", vpcId: "vpc-0000000000000aaaa", cidrBlock: "10.0.1.0/24", availabilityZone: "eu-west-1a" },
      { subnetId: "subnet-00000000000000a2", vpcId: "vpc-0000000000000aaaa", cidrBlock: "10.0.2.0/24", availabilityZone: "eu-west-1a" },
    ],
    securityGroups: [
      { groupId: "sg-00000000000000a1", groupName: "a", vpcId: "vpc-0000000000000aaaa" },
      { groupId: "sg-00000000000000a2", groupName: "b", vpcId: "vpc-0000000000000aaaa", ingress: [{ protocol: "-1", cidrIpv4: "0.0.0.0/0" }] },
    ],
  };

  it("an IP on an instance's secondary ENI in another subnet resolves to the instance, both subnets read", async () => {
    const port = SimAccount.fromEstate(
      base({
        "eu-west-1": {
          ...net,
          instances: [
            {
              instanceId: "i-00000000000000001",
              imageId: "ami-00000000000000001",
              launchTime: "2026-01-01T00:00:00Z",
              networkInterfaces: [
                { networkInterfaceId: "eni-00000000000000001", subnetId: "subnet-00000000000000a1", privateIpAddress: "10.0.1.5", groupIds: ["sg-00000000000000a1"] },
                { networkInterfaceId: "eni-00000000000000002", subnetId: "subnet-00000000000000a2", privateIpAddress: "10.0.2.5", groupIds: ["sg-00000000000000a2"], publicIp: "198.51.100.5" },
              ],
            },
          ],
        },
      }),
    );
    const [f] = (await resolveNotice(notice({ publicIps: ["198.51.100.5"] }), port)).findings;
    const r = f!.resources[0] as Inst;
    expect(r.id).toBe("i-00000000000000001");
    expect(r.instance.publicIpAddress).toBeUndefined();
    expect(r.publicIps).toEqual(["198.51.100.5"]);
    expect(r.interfaces[1]?.securityGroups.map((g) => g.groupId)).toEqual(["sg-00000000000000a2"]);
    expect(f?.notes).toContain("sg-00000000000000a2 (b) is open to the world on all traffic");
  });

  it("a Lambda function's ENI holding an address", async () => {
    const port = SimAccount.fromEstate(
      base({
        "eu-west-1": {
          ...net,
          networkInterfaces: [
            { networkInterfaceId: "eni-0000000000000000f", subnetId: "subnet-00000000000000a1", privateIpAddress: "10.0.1.9", interfaceType: "lambda", requesterManaged: true, description: "AWS Lambda VPC ENI-resizer-0a1b2c3d", groupIds: ["sg-00000000000000a1"], publicIp: "198.51.100.9" },
          ],
        },
      }),
    );
    const [f] = (await resolveNotice(notice({ publicIps: ["198.51.100.9"] }), port)).findings;
    expect(f?.resources[0]).toMatchObject({ type: "network-interface", networkInterface: { interfaceType: "lambda", requesterManaged: true } });
    expect(f?.notes).toContain("198.51.100.9 is held by a Lambda function's ENI (function resizer)");
  });

  describe("an Elastic IP associated through its ENI id (as Terraform's aws_eip with network_interface does)", () => {
    const estate = (events: { eventName: string; eventTime: string; requestParameters?: Record<string, unknown>; responseElements?: Record<string, unknown> }[], associated: boolean) =>
      SimAccount.fromEstate(
        base({
          "eu-west-1": {
            ...net,
            instances: [
              {
                instanceId: "i-000000000000000e1",
                imageId: "ami-00000000000000001",
                launchTime: "2026-01-01T00:00:00Z",
                networkInterfaces: [{ networkInterfaceId: "eni-000000000000000e1", subnetId: "subnet-00000000000000a1", privateIpAddress: "10.0.1.7", groupIds: ["sg-00000000000000a1"] }],
              },
            ],
            addresses: [{ publicIp: "203.0.113.77", allocationId: "eipalloc-000000000000000e1", ...(associated ? { networkInterfaceId: "eni-000000000000000e1" } : {}) }],
            cloudTrail: events,
          },
        }),
      );
    const allocate = { eventName: "AllocateAddress", eventTime: "2026-02-01T00:00:00Z", responseElements: { publicIp: "203.0.113.77", allocationId: "eipalloc-000000000000000e1" } };
    const associate = { eventName: "AssociateAddress", eventTime: "2026-02-01T00:01:00Z", requestParameters: { allocationId: "eipalloc-000000000000000e1", networkInterfaceId: "eni-000000000000000e1" }, responseElements: { associationId: "eipassoc-000000000000000e1" } };
    const window = { begin: "2026-03-01T00:00:00Z", end: "2026-03-01T01:00:00Z" };

    it("still held: the instance behind the ENI is the holder, found, not 'moved'", async () => {
      const [f] = (await resolveNotice(notice({ publicIps: ["203.0.113.77"], window }), estate([allocate, associate], true))).findings;
      expect(f?.status).toBe("found");
      expect(f?.resources.map((r) => r.id)).toEqual(["i-000000000000000e1", "eipalloc-000000000000000e1"]);
      expect(f?.summary).not.toContain("nothing to do with it");
    });

    it("disassociated since: the ENI that held it is read, and the instance it is attached to is the resource", async () => {
      const disassociate = { eventName: "DisassociateAddress", eventTime: "2026-03-10T00:00:00Z", requestParameters: { associationId: "eipassoc-000000000000000e1" } };
      const [f] = (await resolveNotice(notice({ publicIps: ["203.0.113.77"], window }), estate([allocate, associate, disassociate], false))).findings;
      expect(f?.status).toBe("moved");
      expect(f?.ipHistory?.holders).toEqual([expect.objectContaining({ resourceId: "eni-000000000000000e1", kind: "network-interface", to: "2026-03-10T00:00:00Z" })]);
      expect(f?.resources.map((r) => r.id)).toEqual(["i-000000000000000e1"]);
      expect(f?.summary).toContain("It belonged to i-000000000000000e1 in 111122223333/eu-west-1");
    });
  });

  it("an Elastic IP whose holder was terminated: CloudTrail closes the holding at the termination", async () => {
    const port = SimAccount.fromEstate(
      base({
        "eu-west-1": {
          ...net,
          instances: [{ instanceId: "i-000000000000000aa", state: "terminated", availabilityZone: "eu-west-1a", imageId: "ami-00000000000000001", launchTime: "2026-03-01T00:00:00Z" }],
          cloudTrail: [
            { eventName: "AllocateAddress", eventTime: "2026-03-01T00:01:00Z", responseElements: { publicIp: "203.0.113.9", allocationId: "eipalloc-000000000000000a9" } },
            { eventName: "AssociateAddress", eventTime: "2026-03-01T00:02:00Z", requestParameters: { allocationId: "eipalloc-000000000000000a9", instanceId: "i-000000000000000aa" } },
            { eventName: "TerminateInstances", eventTime: "2026-03-10T00:00:00Z", requestParameters: { instancesSet: { items: [{ instanceId: "i-000000000000000aa" }] } } },
            { eventName: "ReleaseAddress", eventTime: "2026-03-11T00:00:00Z", requestParameters: { allocationId: "eipalloc-000000000000000a9" } },
          ],
        },
      }),
    );
    const [f] = (await resolveNotice(notice({ publicIps: ["203.0.113.9"], window: { begin: "2026-03-05T00:00:00Z", end: "2026-03-05T01:00:00Z" } }), port)).findings;
    expect(f?.status).toBe("moved");
    expect(f?.ipHistory?.summary).toBe("released at 2026-03-11T00:00:00Z; held by i-000000000000000aa from 2026-03-01T00:02:00Z to 2026-03-10T00:00:00Z (the instance was terminated)");
    expect(f?.resources[0]).toMatchObject({ id: "i-000000000000000aa", instance: { state: "terminated" } });
  });
});

describe("resolve: accounts the notice names", () => {
  it("an access key in a notice naming an account the port can't reach is still looked for where it can", async () => {
    const res = await resolveNotice(notice({ accountIds: ["999988887777"], accessKeyIds: ["AKIA2EXAMPLEKEY00001"] }), sim("sample"));
    expect(res.gaps).toContainEqual(expect.objectContaining({ accountId: "999988887777", reason: "account 999988887777 is not reachable with these credentials" }));
    expect(res.findings[0]).toMatchObject({ status: "found", resources: [expect.objectContaining({ accountId: PROD })] });
  });
});
