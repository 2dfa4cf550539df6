/**
 * resolve falls back to abuse-desk's address history when CloudTrail has nothing about an address
 * (here: an address nothing holds now, whose holder was auto-assigned and left no trace), and says
 * that this is where the answer came from.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { resolveNotice } from "../../src/resolve/index.ts";
import { notice, sim } from "./helpers.ts";

const home = mkdtempSync(join(tmpdir(), "abuse-desk-addr-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const PROD = "111122223333";
const IP = "198.51.100.249";

describe("resolve with the address history", async () => {
  const store = await openStore({ home, url: undefined });
  afterAll(() => store.destroy());
  await store.recordAddresses([{ publicIp: IP, accountId: PROD, region: "eu-west-1", resourceKind: "instance", resourceId: "i-0deadbeef00000001", resourceName: "old-crawler" }], "2026-01-10T00:00:00Z");
  await store.recordAddresses([{ publicIp: IP, accountId: PROD, region: "eu-west-1", resourceKind: "instance", resourceId: "i-0deadbeef00000001", resourceName: "old-crawler" }], "2026-02-20T00:00:00Z");
  const n = notice({ accountIds: [PROD], regions: ["eu-west-1"], publicIps: [IP], window: { begin: "2026-02-01T03:00:00Z", end: "2026-02-01T04:00:00Z" } });

  it("answers from the address history when CloudTrail has nothing, and says so", async () => {
    const port = sim("sample");
    const res = await resolveNotice(n, port, { addressHistory: (ip, at) => store.addressAt(ip, at) });
    const f = res.findings.find((x) => x.ref.id === IP)!;
    // CloudTrail was read and had nothing about this address
    expect(port.callsOf("lookupEvents").length).toBeGreaterThan(0);
    expect(f.ipHistory).toMatchObject({ ip: IP, source: "address-history", eventIds: [], holders: [{ resourceId: "i-0deadbeef00000001", kind: "instance", from: "2026-01-10T00:00:00Z", to: "2026-02-20T00:00:00Z" }] });
    expect(f.ipHistory!.summary).toContain("address history; CloudTrail has no record");
    expect(f.notes?.join("\n")).toContain("not CloudTrail");
  });
  it("without the history, nothing is claimed about who held it", async () => {
    const res = await resolveNotice(n, sim("sample"), {});
    expect(res.findings.find((x) => x.ref.id === IP)!.ipHistory).toBeUndefined();
  });
  it("a time between two holders is said as such", async () => {
    await store.recordAddresses([{ publicIp: IP, accountId: PROD, region: "eu-west-1", resourceKind: "network-interface", resourceId: "eni-0deadbeef00000002" }], "2026-03-01T00:00:00Z");
    const later = notice({ accountIds: [PROD], regions: ["eu-west-1"], publicIps: [IP], window: { begin: "2026-02-25T00:00:00Z", end: null } });
    const res = await resolveNotice(later, sim("sample"), { addressHistory: (ip, at) => store.addressAt(ip, at) });
    const h = res.findings.find((x) => x.ref.id === IP)!.ipHistory!;
    expect(h.summary).toMatch(/^not observed at 2026-02-25T00:00:00Z: last seen with instance i-0deadbeef00000001 .* until 2026-02-20T00:00:00Z, next with network-interface eni-0deadbeef00000002 .* from 2026-03-01T00:00:00Z/);
    expect(h.holders.map((x) => x.resourceId)).toEqual(["i-0deadbeef00000001", "eni-0deadbeef00000002"]);
  });
});
