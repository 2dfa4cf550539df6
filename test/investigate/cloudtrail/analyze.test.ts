/**
 * The CloudTrail findings, from the scenario's events as LookupEvents returns them: who launched and
 * changed the scanner with the leaked key, what the key did elsewhere, and the web server's role
 * credentials used from outside it (and not its own, NAT or AWS-service calls).
 */
import { describe, expect, it } from "vitest";
import { SimAccount, validateEstate } from "../../../src/cloud/sim/index.ts";
import { analyzeTrail, type FoundEvent } from "../../../src/investigate/cloudtrail/analyze.ts";
import { buildTrailEvent } from "../../../src/cloud/sim/trail.ts";
import { scanSubject, T, trailEstate, webSubject } from "./scenario.ts";

async function allEvents(): Promise<FoundEvent[]> {
  const sim = new SimAccount(validateEstate(trailEstate(), "trail"));
  const out: FoundEvent[] = [];
  for (const region of ["eu-west-1", "us-east-1"]) for (const e of await sim.lookupEvents({ accountId: T.account, region }, { start: T.window.start, end: T.window.end })) out.push({ ...e, accountId: T.account });
  return out;
}

const web = { instanceId: T.web, ownAddresses: [T.webIp, T.webPrivate], natAddresses: [T.natIp], roleName: T.role };

describe("analyzeTrail", () => {
  it("states who launched the scanner, opened its group and imported its key, and what the leaked key did elsewhere", async () => {
    const events = await allEvents();
    const f = analyzeTrail({ subject: scanSubject(), events, instances: [], foundBy: new Map(), evidence: "cloudtrail-events" });
    const launched = f.filter((x) => x.kind === "trail.instance.launched");
    expect(launched.map((x) => x.figures?.instances).sort()).toEqual([T.miner, T.scanner].sort());
    const own = launched.find((x) => x.figures?.instances === T.scanner)!;
    expect(own.subject).toBe(T.scanner);
    expect(own.severity).toBe("high");
    expect(own.summary).toContain(`key ${T.leakedKey}`);
    expect(own.summary).toContain(`from ${T.attacker}`);
    expect(own.sources[0]!.query).toMatch(/^eventID [0-9a-f-]{36} \(111122223333 eu-west-1\)/);
    const opened = f.find((x) => x.kind === "trail.security-group.opened")!;
    expect(opened.figures).toMatchObject({ groupId: T.openedGroup, ports: "tcp/22", sources: "0.0.0.0/0", openToWorld: true });
    expect(opened.severity).toBe("high");
    expect(f.find((x) => x.kind === "trail.key-pair.created")?.figures?.keyName).toBe("x");
    expect(f.find((x) => x.kind === "trail.iam.user-created")?.figures).toMatchObject({ userName: "backup-admin", region: "us-east-1" });
    const activity = f.find((x) => x.kind === "trail.principal.activity")!;
    expect(activity.subject).toBe(T.leakedKey);
    expect(activity.figures).toMatchObject({ calls: 5, changes: 5, refused: 0, regions: "eu-west-1,us-east-1", addresses: 1, first: "2026-12-07T02:58:00Z", last: "2026-12-07T03:10:00Z" });
    expect(activity.sources).toHaveLength(5);
    // alice's calls name nothing implicated; the web role is not this subject's.
    expect(f.some((x) => x.summary.includes("alice"))).toBe(false);
    expect(f.some((x) => x.kind === "trail.role-credentials-outside")).toBe(false);
  });

  it("finds the instance role's credentials used from outside, and only those calls", async () => {
    const events = await allEvents();
    const f = analyzeTrail({ subject: webSubject(), events, instances: [web], foundBy: new Map(), evidence: "cloudtrail-events" });
    const outside = f.filter((x) => x.kind === "trail.role-credentials-outside");
    expect(outside).toHaveLength(1);
    expect(outside[0]!.severity).toBe("critical");
    expect(outside[0]!.figures).toMatchObject({ calls: 2, addresses: T.thief, regions: "eu-west-1,us-east-1", first: "2026-12-07T04:05:00Z", last: "2026-12-07T04:06:00Z", callsFromInstance: 3, role: T.role });
    expect(outside[0]!.sources).toHaveLength(2);
    // SendCommand on the instance by alice: who accessed it.
    const cmd = f.find((x) => x.kind === "trail.ssm.command")!;
    expect(cmd.subject).toBe(T.web);
    expect(cmd.figures).toMatchObject({ documentName: "AWS-RunShellScript", sourceIp: "192.0.2.1" });
  });

  it("says nothing of the role when every call came from the instance, its NAT gateway or AWS", async () => {
    const events = (await allEvents()).filter((e) => e.sourceIpAddress !== T.thief);
    const f = analyzeTrail({ subject: webSubject(), events, instances: [web], foundBy: new Map(), evidence: "e" });
    expect(f.some((x) => x.kind === "trail.role-credentials-outside")).toBe(false);
    // Without the NAT gateway's address known, its call is from outside.
    const f2 = analyzeTrail({ subject: webSubject(), events, instances: [{ ...web, natAddresses: [] }], foundBy: new Map(), evidence: "e" });
    expect(f2.find((x) => x.kind === "trail.role-credentials-outside")?.figures?.addresses).toBe(T.natIp);
  });

  it("a role session of another role with the same session name is not the instance's", async () => {
    const events = await allEvents();
    const f = analyzeTrail({ subject: webSubject(), events, instances: [{ ...web, roleName: "other-role" }], foundBy: new Map(), evidence: "e" });
    expect(f.some((x) => x.kind === "trail.role-credentials-outside")).toBe(false);
  });

  it("with the role's ARN (from the instance profile), a session of the instance's role under another name is the instance's credentials used from outside", () => {
    const call = (session: string, ip: string, role = T.role, at = "2026-12-07T04:10:00Z"): FoundEvent => ({ ...buildTrailEvent({ eventName: "ListBuckets", eventTime: at, username: `${role}/${session}`, sourceIpAddress: ip, resources: [], requestParameters: null, responseElements: null }, T.account, T.region, session + ip + role), accountId: T.account });
    const events = [
      call("stolen-session", T.thief),
      // another instance of the fleet, with the same role: its own credentials, not this instance's
      call("i-0000000000000aaa2", "52.18.1.99"),
      // another role's session of the same name: not this role
      call("stolen-session", T.thief, "other-role", "2026-12-07T04:11:00Z"),
    ];
    const withArn = analyzeTrail({ subject: webSubject(), events, instances: [{ ...web, roleArn: `arn:aws:iam::${T.account}:role/app/${T.role}` }], foundBy: new Map(), evidence: "e" });
    const outside = withArn.filter((x) => x.kind === "trail.role-credentials-outside");
    expect(outside).toHaveLength(1);
    expect(outside[0]!.figures).toMatchObject({ calls: 1, addresses: T.thief, role: T.role });
    expect(outside[0]!.summary).toContain(T.role);
    // by the session name alone (no role ARN), the renamed session is not recognised
    expect(analyzeTrail({ subject: webSubject(), events, instances: [web], foundBy: new Map(), evidence: "e" }).some((x) => x.kind === "trail.role-credentials-outside")).toBe(false);
  });
});
