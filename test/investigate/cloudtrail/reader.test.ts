/**
 * readTrail on the simulated account (LookupEvents through the shared search): the scripted
 * scenarios (a scanning host launched by a leaked key; role credentials used from outside), an
 * unreadable region said as not searched, and the 90 days LookupEvents keeps.
 */
import { describe, expect, it } from "vitest";
import { readTrail } from "../../../src/investigate/cloudtrail/index.ts";
import type { Subject } from "../../../src/investigate/types.ts";
import { simCtx } from "./ctx.ts";
import { scanSubject, T, webSubject } from "./scenario.ts";

const kinds = (fs: { kind: string }[]) => [...new Set(fs.map((f) => f.kind))].sort();

describe("readTrail on the simulated account", () => {
  it("a scanning host launched by a leaked key: who launched it, opened its group, made its key pair, and what else the key did", async () => {
    const ctx = simCtx();
    const part = await readTrail(ctx, scanSubject());
    expect(part.notSearched).toEqual([]);
    expect(kinds(part.findings)).toEqual(["trail.iam.user-created", "trail.instance.launched", "trail.key-pair.created", "trail.principal.activity", "trail.security-group.opened"]);
    const launch = part.findings.find((f) => f.kind === "trail.instance.launched" && f.subject === T.scanner)!;
    expect(launch.summary).toBe(`arn:aws:iam::${T.account}:user/${T.leakedUser} (key ${T.leakedKey}) from ${T.attacker} launched ${T.scanner} (c5.4xlarge) at 2026-12-07 03:01 UTC in eu-west-1.`);
    expect(launch.sources).toHaveLength(1);
    expect(launch.sources[0]!.evidence).toBe("cloudtrail-events");
    // The event id in the source is the one the extract holds.
    const extract = JSON.parse(String(part.artifacts[0]!.content)) as { records: { eventID: string; eventName: string }[]; queries: string[] };
    const id = launch.sources[0]!.query!.split(" ")[1]!;
    expect(extract.records.find((r) => r.eventID === id)?.eventName).toBe("RunInstances");
    expect(extract.queries.some((q) => q.startsWith(`LookupEvents AccessKeyId=${T.leakedKey}`) && q.includes("in 2 regions"))).toBe(true);
    // The key's other launch, in another region.
    expect(part.findings.some((f) => f.kind === "trail.instance.launched" && f.figures?.instances === T.miner && f.figures.region === "us-east-1")).toBe(true);
    expect(part.findings.find((f) => f.kind === "trail.principal.activity")!.figures).toMatchObject({ calls: 5, regions: "eu-west-1,us-east-1" });
  });

  it("the web server's role credentials used from outside it: critical, its NAT gateway's calls excepted (found by the reader, not given)", async () => {
    const ctx = simCtx();
    const part = await readTrail(ctx, webSubject());
    expect(part.notSearched).toEqual([]);
    const outside = part.findings.filter((f) => f.kind === "trail.role-credentials-outside");
    expect(outside).toHaveLength(1);
    expect(outside[0]!).toMatchObject({ severity: "critical", subject: T.web });
    expect(outside[0]!.figures).toMatchObject({ calls: 2, addresses: T.thief, regions: "eu-west-1,us-east-1", callsFromInstance: 3 });
    expect(outside[0]!.summary).toContain(`from ${T.thief}`);
    expect(part.findings.find((f) => f.kind === "trail.ssm.command")?.subject).toBe(T.web);
    // The role session was searched for in every enabled region.
    const extract = JSON.parse(String(part.artifacts[0]!.content)) as { queries: string[] };
    expect(extract.queries.some((q) => q.startsWith(`LookupEvents Username=${T.web}`) && q.includes("in 2 regions"))).toBe(true);
  });

  it("a region CloudTrail refuses is said as not searched; the other region's findings stand", async () => {
    const ctx = simCtx({ faults: [{ call: "lookupEvents", region: "us-east-1", accessDenied: true }] });
    const part = await readTrail(ctx, scanSubject());
    const ns = part.notSearched.filter((n) => n.scope?.region === "us-east-1");
    expect(ns.length).toBeGreaterThan(0);
    expect(ns[0]!.reason).toMatch(/cloudtrail:LookupEvents/);
    expect(part.findings.some((f) => f.kind === "trail.instance.launched" && f.subject === T.scanner)).toBe(true);
    expect(part.findings.some((f) => f.figures?.region === "us-east-1")).toBe(false);
  });

  it("past LookupEvents' 90 days without an organization trail: the older part is not searched, and said", async () => {
    const ctx = simCtx();
    const subject: Subject = { ...scanSubject(), window: { start: "2026-08-01T00:00:00Z", end: T.window.end } };
    const part = await readTrail(ctx, subject);
    expect(part.notSearched.some((n) => /LookupEvents keeps 90 days/.test(n.reason) && n.what.includes("2026-08-01T00:00Z"))).toBe(true);
    expect(part.findings.some((f) => f.kind === "trail.instance.launched")).toBe(true);
  });

  it("nothing to look at: an empty part, no calls", async () => {
    const ctx = simCtx();
    const part = await readTrail(ctx, { ...scanSubject(), resources: [], principals: [] });
    expect(part).toEqual({ findings: [], artifacts: [], notSearched: [] });
    expect(ctx.sim.calls.length).toBe(0);
  });
});
