import { describe, expect, it } from "vitest";
import { DnsCache, DnsError, OFFLINE, offlineResolver } from "../../src/verify/dns.ts";

const code = async (p: Promise<unknown>) => (await p.then(() => "resolved", (e: { code?: string }) => e.code)) as string;

function counting(answers: Record<string, unknown[] | string>) {
  const calls: string[] = [];
  const resolve = async (name: string, rrtype: string) => {
    calls.push(`${rrtype} ${name}`);
    const a = answers[`${rrtype} ${name}`];
    if (a === undefined) throw new DnsError("ENOTFOUND", name, rrtype);
    if (typeof a === "string") throw new DnsError(a, name, rrtype);
    return a;
  };
  return { resolve, calls };
}

describe("DnsCache", () => {
  it("answers from upstream once, then from memory; names are case- and dot-insensitive", async () => {
    const up = counting({ "TXT example.net": [["v=spf1 -all"]] });
    const c = new DnsCache({ upstream: up.resolve });
    expect(await c.resolve("example.net", "TXT")).toEqual([["v=spf1 -all"]]);
    expect(await c.resolve("EXAMPLE.net.", "txt")).toEqual([["v=spf1 -all"]]);
    expect(up.calls).toEqual(["TXT example.net"]);
    expect(c.stats).toMatchObject({ hits: 1, misses: 1 });
  });

  it("remembers that a record does not exist, but not that DNS was down", async () => {
    const up = counting({ "TXT down.example": "ETIMEOUT" });
    const c = new DnsCache({ upstream: up.resolve });
    expect(await code(c.resolve("missing.example", "TXT"))).toBe("ENOTFOUND");
    expect(await code(c.resolve("missing.example", "TXT"))).toBe("ENOTFOUND");
    expect(await code(c.resolve("down.example", "TXT"))).toBe("ETIMEOUT");
    expect(await code(c.resolve("down.example", "TXT"))).toBe("ETIMEOUT");
    expect(up.calls).toEqual(["TXT missing.example", "TXT down.example", "TXT down.example"]);
    expect(c.stats.upstreamErrors).toBe(2);
  });

  it("shares one query between concurrent lookups", async () => {
    const up = counting({ "A example.net": ["192.0.2.1"] });
    const c = new DnsCache({ upstream: up.resolve });
    const all = await Promise.all([c.resolve("example.net", "A"), c.resolve("example.net", "A"), c.resolve("example.net", "A")]);
    expect(all).toEqual([["192.0.2.1"], ["192.0.2.1"], ["192.0.2.1"]]);
    expect(up.calls).toHaveLength(1);
  });

  it("refreshes stale entries and keeps the old answer when the refresh fails", async () => {
    let t = Date.parse("2024-07-10T00:00:00Z");
    let answer: unknown[] | string = [["one"]];
    const c = new DnsCache({ upstream: async (n, r) => (typeof answer === "string" ? Promise.reject(new DnsError(answer, n, r)) : answer), maxAgeMs: 1000, now: () => t });
    expect(await c.resolve("x.example", "TXT")).toEqual([["one"]]);
    t += 5000;
    answer = [["two"]];
    expect(await c.resolve("x.example", "TXT")).toEqual([["two"]]);
    t += 5000;
    answer = "ESERVFAIL";
    expect(await c.resolve("x.example", "TXT")).toEqual([["two"]]);
  });

  it("with no upstream: a fixed zone (misses ENOTFOUND) or offline (misses EOFFLINE), whatever the age", async () => {
    const zone = new DnsCache({ now: () => 0 }).set("TXT", "a.example", [["x"]]).set("TXT", "gone.example", { error: "ENODATA" });
    expect(await zone.resolve("a.example", "TXT")).toEqual([["x"]]);
    expect(await code(zone.resolve("gone.example", "TXT"))).toBe("ENODATA");
    expect(await code(zone.resolve("b.example", "TXT"))).toBe("ENOTFOUND");
    const offline = new DnsCache({ missCode: OFFLINE }, zone.toJSON());
    expect(await offline.resolve("a.example", "TXT")).toEqual([["x"]]);
    expect(await code(offline.resolve("b.example", "TXT"))).toBe(OFFLINE);
  });

  it("saves and loads its file; a bad file is refused", () => {
    const c = new DnsCache({ now: () => 0 }).set("TXT", "a.example", [["x"]]).set("MX", "b.example", [{ exchange: "mx.b.example", priority: 10 }]);
    const again = DnsCache.parse(JSON.stringify(c.toJSON()));
    expect(again.toJSON()).toEqual(c.toJSON());
    expect(Object.keys(c.toJSON().entries)).toEqual(["MX b.example", "TXT a.example"]);
    expect(() => DnsCache.parse("{}")).toThrow();
    expect(() => DnsCache.parse('{"version":1,"entries":{"TXT x":{"error":"ETIMEOUT"}}}')).toThrow();
    expect(() => DnsCache.parse("not json")).toThrow();
  });

  it("answers are copies: a caller changing one does not change the cache", async () => {
    const c = new DnsCache().set("A", "a.example", ["192.0.2.1"]);
    const a = await c.resolve("a.example", "A");
    a.push("198.51.100.1");
    expect(await c.resolve("a.example", "A")).toEqual(["192.0.2.1"]);
  });
});

describe("offlineResolver", () => {
  it("fails every lookup with EOFFLINE", async () => {
    expect(await code(offlineResolver()("amazon.com", "TXT"))).toBe(OFFLINE);
  });
});
