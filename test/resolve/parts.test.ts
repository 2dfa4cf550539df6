/** The parts of resolution on their own: the IP timeline, ownership folding, the limiter, the references. */
import { describe, expect, it } from "vitest";
import type { TrailEvent } from "../../src/cloud/model.ts";
import { collectRefs, describeTimeline, holdersDuring, ipTimeline, Limiter, ownershipOf } from "../../src/resolve/index.ts";
import { notice, resource } from "./helpers.ts";

let n = 0;
function ev(eventName: string, eventTime: string, req: Record<string, unknown> | null = null, resp: Record<string, unknown> | null = null, extra: Record<string, unknown> = {}): TrailEvent & { accountId: string } {
  n++;
  return { eventId: `e${String(n).padStart(3, "0")}`, eventName, eventSource: "ec2.amazonaws.com", eventTime, awsRegion: "eu-west-1", resources: [], detail: { requestParameters: req, responseElements: resp, ...extra }, accountId: "111122223333" };
}

const IP = "203.0.113.7";
const A = "eipalloc-0000000000000000a";

describe("IP timeline from CloudTrail", () => {
  it("allocate, associate, reassociate elsewhere, disassociate, release", () => {
    const tl = ipTimeline(IP, [
      ev("ReleaseAddress", "2026-04-10T00:00:00Z", { allocationId: A }),
      ev("AllocateAddress", "2026-04-01T00:00:00Z", null, { publicIp: IP, allocationId: A }),
      ev("AssociateAddress", "2026-04-01T00:05:00Z", { allocationId: A, instanceId: "i-0000000000000001a" }, { associationId: "eipassoc-1" }),
      ev("AssociateAddress", "2026-04-05T00:00:00Z", { allocationId: A, networkInterfaceId: "eni-0000000000000002b", allowReassociation: true }, { associationId: "eipassoc-2" }),
      ev("DisassociateAddress", "2026-04-09T00:00:00Z", { associationId: "eipassoc-2" }),
    ]);
    expect(tl.allocated).toMatchObject({ at: "2026-04-01T00:00:00Z", allocationId: A });
    expect(tl.released).toMatchObject({ at: "2026-04-10T00:00:00Z", allocationId: A });
    expect(tl.holders.map((h) => [h.resourceId, h.kind, h.from, h.to, h.endedBy])).toEqual([
      ["i-0000000000000001a", "instance", "2026-04-01T00:05:00Z", "2026-04-05T00:00:00Z", "reassociated"],
      ["eni-0000000000000002b", "network-interface", "2026-04-05T00:00:00Z", "2026-04-09T00:00:00Z", "disassociated"],
    ]);
    expect(tl.eventIds).toHaveLength(5);
    expect(describeTimeline(tl, { begin: "2026-04-02T00:00:00Z", end: "2026-04-02T01:00:00Z" })).toBe("released at 2026-04-10T00:00:00Z; held by i-0000000000000001a from 2026-04-01T00:05:00Z to 2026-04-05T00:00:00Z (then moved to another resource)");
    expect(holdersDuring(tl, { begin: "2026-04-06T00:00:00Z", end: null }).map((h) => h.resourceId)).toEqual(["eni-0000000000000002b"]);
    expect(holdersDuring(tl, { begin: null, end: null })).toHaveLength(2);
  });

  it("ignores failed calls and other addresses; knows an allocation from the account when Allocate is older than 90 days", () => {
    const tl = ipTimeline(
      IP,
      [
        ev("AssociateAddress", "2026-04-02T00:00:00Z", { allocationId: A, instanceId: "i-0000000000000009f" }, null, { errorCode: "Client.InvalidInstanceID.NotFound" }),
        ev("AssociateAddress", "2026-04-03T00:00:00Z", { allocationId: "eipalloc-0000000000000000b", instanceId: "i-0000000000000001a" }),
        ev("AssociateAddress", "2026-04-04T00:00:00Z", { allocationId: A, instanceId: "i-0000000000000001a" }),
      ],
      [A],
    );
    expect(tl.holders.map((h) => [h.resourceId, h.from, h.to])).toEqual([["i-0000000000000001a", "2026-04-04T00:00:00Z", null]]);
    expect(describeTimeline(tl, { begin: null, end: null })).toBe("held now by i-0000000000000001a since 2026-04-04T00:00:00Z");
  });

  it("a termination ends the holding; another address on the same instance replaces ours", () => {
    const terminated = ipTimeline(IP, [
      ev("AssociateAddress", "2026-04-01T00:00:00Z", { allocationId: A, instanceId: "i-0000000000000001a" }),
      ev("TerminateInstances", "2026-04-03T00:00:00Z", { instancesSet: { items: [{ instanceId: "i-0000000000000001a" }] } }),
    ], [A]);
    expect(terminated.holders[0]).toMatchObject({ to: "2026-04-03T00:00:00Z", endedBy: "terminated" });
    const replaced = ipTimeline(IP, [
      ev("AssociateAddress", "2026-04-01T00:00:00Z", { allocationId: A, instanceId: "i-0000000000000001a" }),
      ev("AssociateAddress", "2026-04-02T00:00:00Z", { allocationId: "eipalloc-0000000000000000b", instanceId: "i-0000000000000001a" }),
    ], [A]);
    expect(replaced.holders[0]).toMatchObject({ to: "2026-04-02T00:00:00Z", endedBy: "replaced" });
  });

  it("a classic (EC2-Classic style) address is followed by its public IP", () => {
    const tl = ipTimeline(IP, [ev("AssociateAddress", "2026-04-01T00:00:00Z", { publicIp: IP, instanceId: "i-0000000000000001a" }), ev("DisassociateAddress", "2026-04-02T00:00:00Z", { publicIp: IP })]);
    expect(tl.holders.map((h) => [h.from, h.to])).toEqual([["2026-04-01T00:00:00Z", "2026-04-02T00:00:00Z"]]);
  });

  it("says so when nothing is recorded", () => {
    expect(describeTimeline(ipTimeline(IP, []), { begin: null, end: null })).toBe("no association recorded");
    expect(describeTimeline(ipTimeline(IP, [ev("AllocateAddress", "2026-04-01T00:00:00Z", null, { publicIp: IP, allocationId: A })]), { begin: null, end: null })).toBe("allocated at 2026-04-01T00:00:00Z, never associated since");
  });
});

describe("ownership from tags", () => {
  it("folds the usual spellings", () => {
    expect(ownershipOf({ Owner: "a@example.com", Team: "pay", Environment: "prod", Application: "web" })).toEqual({ owner: "a@example.com", team: "pay", environment: "prod", application: "web" });
    expect(ownershipOf({ owner_email: "b@example.com", squad: "growth", env: "dev", "app-name": "shop" })).toEqual({ owner: "b@example.com", team: "growth", environment: "dev", application: "shop" });
    expect(ownershipOf({ CreatedBy: "ci", "business-unit": "retail", STAGE: "qa", Service: "api" })).toEqual({ owner: "ci", team: "retail", environment: "qa", application: "api" });
  });
  it("prefers the first source, falls back to the next, ignores aws: tags and blanks", () => {
    expect(ownershipOf({ Owner: " " }, { owner: "asg-owner", Team: "t" })).toEqual({ owner: "asg-owner", team: "t" });
    expect(ownershipOf({ "aws:cloudformation:stack-name": "x", Name: "web-1" })).toEqual({});
  });
});

describe("limiter", () => {
  it("caps per key and in total", async () => {
    const lim = new Limiter(2, 3);
    const active = new Map<string, number>();
    let total = 0;
    let peakTotal = 0;
    const peak = new Map<string, number>();
    const job = (key: string) =>
      lim.run(key, async () => {
        active.set(key, (active.get(key) ?? 0) + 1);
        total++;
        peak.set(key, Math.max(peak.get(key) ?? 0, active.get(key)!));
        peakTotal = Math.max(peakTotal, total);
        await new Promise((r) => setTimeout(r, 2));
        active.set(key, active.get(key)! - 1);
        total--;
      });
    await Promise.all([..."aaaaabbbbbccccc"].map(job));
    expect([...peak.values()].every((p) => p <= 2)).toBe(true);
    expect(peakTotal).toBe(3);
  });
  it("releases its slot when a job fails", async () => {
    const lim = new Limiter(1, 1);
    await expect(lim.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await lim.run("k", async () => 42)).toBe(42);
  });
});

describe("references a notice makes", () => {
  it("deduplicates the flat lists and typed resources, keeping the most specific account/region/IP", () => {
    const refs = collectRefs(
      notice({
        instanceIds: ["i-0a1b2c3d4e5f67890"],
        publicIps: ["198.51.100.23"],
        resources: [
          resource("ec2-instance", "i-0a1b2c3d4e5f67890", { region: "eu-west-1", accountId: "111122223333", publicIp: "198.51.100.23" }),
          resource("elastic-ip", "203.0.113.45"),
          resource("elastic-ip", "eipalloc-0a1b2c3d4e5f60045"),
          resource("ec2-instance", "not-an-instance-id"),
          resource("lightsail-instance", "box-1", { region: "global" }),
        ],
      }),
    );
    expect(refs.map((r) => [r.type, r.id, r.region ?? null])).toEqual([
      ["ec2-instance", "i-0a1b2c3d4e5f67890", "eu-west-1"],
      ["public-ip", "203.0.113.45", null],
      ["elastic-ip", "eipalloc-0a1b2c3d4e5f60045", null],
      ["unsupported", "not-an-instance-id", null],
      ["unsupported", "box-1", null],
      ["public-ip", "198.51.100.23", "eu-west-1"],
    ]);
  });
});
