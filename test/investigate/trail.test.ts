/**
 * searchTrail: every scope at once, newest first, and a region that could not be read is "not
 * searched", never "no events".
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Scope, TrailEvent } from "../../src/cloud/model.ts";
import type { TrailQuery } from "../../src/cloud/port.ts";
import type { FaultRule } from "../../src/cloud/sim/faults.ts";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import { searchTrail } from "../../src/investigate/trail.ts";
import { C, CONTRACT_ESTATE } from "../cloud/contract.ts";

const { state } = parseEstate(readFileSync(CONTRACT_ESTATE, "utf8"), "contract.yaml");
const sim = (faults: FaultRule[] = []) => new SimAccount(structuredClone(state), { label: "sim:contract", faults });
const window = { start: "2025-04-01T00:00:00Z", end: "2025-06-01T12:00:00Z" };

describe("searchTrail", () => {
  it("searches every scope, merges newest first with the account, and reports progress per scope", async () => {
    const lines: string[] = [];
    const r = await searchTrail(sim(), { ...window, scopes: [C.eu, C.use1, C.eu] }, { progress: (m) => lines.push(m) });
    expect(r.searched).toEqual([C.eu, C.use1]);
    expect(r.notSearched).toEqual([]);
    expect(r.events.map((e) => [e.eventName, e.accountId, e.awsRegion])).toEqual([
      ["StopInstances", C.prod, "eu-west-1"],
      ["AssociateAddress", C.prod, "eu-west-1"],
      ["AllocateAddress", C.prod, "eu-west-1"],
      ["RunInstances", C.prod, "eu-west-1"],
      ["CreateAccessKey", C.prod, "us-east-1"],
    ]);
    expect(lines).toHaveLength(2);
  });

  it("passes the query's filters to each scope", async () => {
    const r = await searchTrail(sim(), { ...window, scopes: [C.eu, C.use1], username: "bob" });
    expect(r.events.map((e) => e.eventName)).toEqual(["AssociateAddress", "AllocateAddress"]);
    const k = await searchTrail(sim(), { ...window, scopes: [C.eu, C.use1], accessKeyId: "ASIA2CONTRACTSESSION1" });
    expect(k.events.map((e) => e.eventName)).toEqual(["AssociateAddress"]);
  });

  it("names a region it could not read as not searched, with the reason, and keeps the others", async () => {
    const r = await searchTrail(sim([{ call: "cloudtrail:LookupEvents", region: "us-east-1", accessDenied: true }]), { ...window, scopes: [C.eu, C.use1] });
    expect(r.searched).toEqual([C.eu]);
    expect(r.notSearched).toHaveLength(1);
    expect(r.notSearched[0]).toMatchObject({ what: "CloudTrail LookupEvents", scope: C.use1 });
    expect(r.notSearched[0]!.reason).toMatch(/cloudtrail:LookupEvents/);
    expect(r.events.every((e) => e.awsRegion === "eu-west-1")).toBe(true);
  });

  it("an unexpected failure is also not searched (never silence), and an abort leaves unfinished scopes not searched", async () => {
    const broken = { lookupEvents: async (s: Scope): Promise<TrailEvent[]> => { if (s.region === "us-east-1") throw new TypeError("boom"); return []; } };
    const r = await searchTrail(broken, { ...window, scopes: [C.eu, C.use1] });
    expect(r.notSearched.map((n) => [n.scope?.region, n.reason])).toEqual([["us-east-1", "unexpected error: boom"]]);

    const ac = new AbortController();
    const hanging = { lookupEvents: (s: Scope, _q: TrailQuery): Promise<TrailEvent[]> => (s.region === "eu-west-1" ? Promise.resolve([]) : new Promise(() => {})) };
    const pending = searchTrail(hanging, { ...window, scopes: [C.eu, C.use1] }, { signal: ac.signal });
    await new Promise((r) => setImmediate(r));
    ac.abort();
    const a = await pending;
    expect(a.searched).toEqual([C.eu]);
    expect(a.notSearched.map((n) => n.scope?.region)).toEqual(["us-east-1"]);
  });
});
