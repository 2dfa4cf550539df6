import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { defaultPolicy, parsePolicy } from "../../src/policy/policy.ts";

const FIXTURES = new URL("../../fixtures/policies/", import.meta.url).pathname;

describe("policy file", () => {
  it("defaults to the safe policy: no examiners, protected tag, 10 instances, no triage, never stop, nothing automatic", () => {
    const p = defaultPolicy();
    expect(p.examiners).toEqual({ cidrs: [], ports: [22] });
    expect(p.protected.tags).toEqual({ "abuse-desk:protected": "true" });
    expect(p.blastRadius.maxInstances).toBe(10);
    expect(p.hostTriage.enabled).toBe(false);
    expect(p.host).toEqual({ stop: false, autoScaling: "standby", suspendProcesses: ["ReplaceUnhealthy", "AZRebalance"] });
    expect(p.networkAcl).toEqual({ use: "multi-host", ruleQuota: 20 });
    expect(p.automatic).toEqual([]);
    expect(parsePolicy("")).toEqual(p);
    expect(parsePolicy("# only a comment\n")).toEqual(p);
  });

  it("reads the documented example", async () => {
    const p = await loadPolicy(`${FIXTURES}example.yaml`);
    expect(p.examiners.cidrs).toEqual(["203.0.113.16/28", "2001:db8:5::/64"]);
    expect(p.protected.ids).toEqual(["i-0aaaaaaaaaaaaaaa1"]);
    expect(p.blastRadius.maxInstances).toBe(25);
    expect(p.hostTriage).toEqual({ enabled: true, egress: "vpc-cidr" });
    expect(p.automatic[0]).toEqual({ name: "isolate verified notices on dev instances", playbooks: ["compromised-host"], actions: ["isolate"], tags: { env: "dev" } });
    expect(p.automatic[1]!.playbooks).toEqual(["*"]);
  });

  it("names every problem with its key path", async () => {
    const err = await loadPolicy(`${FIXTURES}invalid.yaml`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as UserError).message;
    expect(msg).toContain("invalid.yaml: invalid policy");
    expect(msg).toContain("examiners.cidrs.0: expected an IPv4 or IPv6 CIDR");
    expect(msg).toContain("blastRadius.maxInstances");
    expect(msg).toContain("automatic.0.actions: unknown action(s): terminate-everything");
    expect(msg).toContain('Unrecognized key: "unknownKey"');
    expect((err as UserError).exitCode).toBe(65);
  });

  it("refuses YAML that does not parse, and a missing file, as user errors", async () => {
    expect(() => parsePolicy("examiners: [", "p.yaml")).toThrow(/p.yaml: not valid YAML/);
    await expect(loadPolicy(`${FIXTURES}nope.yaml`)).rejects.toThrow(/cannot read the policy \(no such file\)/);
  });

  it("accepts explicit triage egress (CIDRs and prefix lists) and refuses a bad prefix list", () => {
    const p = parsePolicy("hostTriage: { enabled: true, egress: { cidrs: [10.0.5.0/28], prefixListIds: [pl-0abc123] } }");
    expect(p.hostTriage.egress).toEqual({ cidrs: ["10.0.5.0/28"], prefixListIds: ["pl-0abc123"] });
    expect(() => parsePolicy("hostTriage: { egress: { prefixListIds: [sg-1] } }")).toThrow(/prefix list id/);
  });
  it("refuses an automatic rule naming a playbook that does not exist (it would silently never match)", () => {
    expect(() => parsePolicy("automatic: [{ playbooks: [compromised_host], actions: [isolate] }]", "p.yaml")).toThrow(
      /automatic\.0\.playbooks: unknown playbook\(s\): compromised_host \(known: \*, compromised-host, open-proxy/,
    );
    expect(parsePolicy("automatic: [{ playbooks: [compromised-host, content], actions: [preserve] }]").automatic[0]!.playbooks).toEqual(["compromised-host", "content"]);
  });
});
