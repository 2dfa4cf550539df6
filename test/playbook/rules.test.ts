import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { coversPort, isWorldOpen, sameRule, splitRule, subtractPorts, within } from "../../src/plan/rules.ts";
import type { RuleSpec } from "../../src/cloud/port.ts";

describe("security group rule arithmetic", () => {
  it("subtracts ports from a range", () => {
    expect(subtractPorts(0, 65535, [25, 465, 587])).toEqual([
      [0, 24],
      [26, 464],
      [466, 586],
      [588, 65535],
    ]);
    expect(subtractPorts(53, 53, [53])).toEqual([]);
    expect(subtractPorts(80, 443, [80, 443])).toEqual([[81, 442]]);
    expect(subtractPorts(1000, 2000, [53])).toEqual([[1000, 2000]]);
  });

  it("covers every port of a range except the removed ones (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.array(fc.integer({ min: 0, max: 320 }), { maxLength: 8 }), (a, b, cut) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const ranges = subtractPorts(from, to, cut);
        for (let p = from; p <= to; p++) {
          const inside = ranges.some(([f, t]) => p >= f && p <= t);
          expect(inside).toBe(!cut.includes(p));
        }
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThan(ranges[i - 1]![1] + 1);
      }),
    );
  });

  it("knows which rules are world-open and which ports they cover", () => {
    const all: RuleSpec = { direction: "egress", protocol: "-1", cidrIpv4: "0.0.0.0/0" };
    expect(isWorldOpen(all)).toBe(true);
    expect(isWorldOpen({ cidrIpv6: "::/0" })).toBe(true);
    expect(isWorldOpen({ cidrIpv4: "10.0.0.0/8" })).toBe(false);
    expect(coversPort(all, "tcp", 25)).toBe(true);
    expect(coversPort({ direction: "ingress", protocol: "6", fromPort: 20, toPort: 30, cidrIpv4: "0.0.0.0/0" }, "tcp", 25)).toBe(true);
    expect(coversPort({ direction: "ingress", protocol: "udp", fromPort: 20, toPort: 30, cidrIpv4: "0.0.0.0/0" }, "tcp", 25)).toBe(false);
    expect(coversPort({ direction: "ingress", protocol: "udp", cidrIpv4: "0.0.0.0/0" }, "udp", 53)).toBe(true);
  });

  it("splits an all-protocol rule into tcp, udp and icmp rules without the blocked ports, and says what is lost", () => {
    const { add, lost } = splitRule({ direction: "egress", protocol: "-1", cidrIpv6: "::/0" }, { tcp: [25, 465, 587], udp: [] }, "abuse-desk C-1");
    expect(add.map((r) => `${r.protocol} ${r.fromPort}-${r.toPort} ${r.cidrIpv6}`)).toEqual([
      "tcp 0-24 ::/0",
      "tcp 26-464 ::/0",
      "tcp 466-586 ::/0",
      "tcp 588-65535 ::/0",
      "udp 0-65535 ::/0",
      "icmpv6 -1--1 ::/0",
    ]);
    expect(lost).toMatch(/GRE, ESP/);
    expect(add.every((r) => r.description === "abuse-desk C-1")).toBe(true);
  });

  it("keeps the original description inside the new one, in AWS's character set", () => {
    const { add } = splitRule({ direction: "ingress", protocol: "udp", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0", description: "every <udp> port" }, { tcp: [], udp: [53] }, "abuse-desk C-1");
    expect(add).toHaveLength(2);
    expect(add[0]!.description).toBe("abuse-desk C-1 (was: every  udp  port)");
  });

  it("compares rules by what they allow", () => {
    expect(sameRule({ direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" }, { direction: "ingress", protocol: "6", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0", description: "x" })).toBe(true);
    expect(sameRule({ direction: "ingress", protocol: "tcp", cidrIpv4: "0.0.0.0/0" }, { direction: "ingress", protocol: "tcp", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0" })).toBe(true);
    expect(sameRule({ direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" }, { direction: "egress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" })).toBe(false);
  });
  it("within: a rule allows nothing another does not", () => {
    const broad = { direction: "ingress" as const, protocol: "udp", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0" };
    expect(within({ ...broad, fromPort: 54, toPort: 65535 }, broad)).toBe(true);
    expect(within({ ...broad, protocol: "tcp", fromPort: 54, toPort: 60 }, broad)).toBe(false);
    expect(within({ ...broad, fromPort: 54, toPort: 60, cidrIpv4: "10.0.0.0/8" }, broad)).toBe(false);
    const all = { direction: "egress" as const, protocol: "-1", cidrIpv6: "::/0" };
    expect(within({ direction: "egress", protocol: "icmpv6", fromPort: -1, toPort: -1, cidrIpv6: "::/0" }, all)).toBe(true);
    expect(within({ direction: "ingress", protocol: "tcp", fromPort: 1, toPort: 2, cidrIpv6: "::/0" }, all)).toBe(false);
    expect(within({ direction: "ingress", protocol: "icmp", fromPort: 8, toPort: 0, cidrIpv4: "0.0.0.0/0" }, { direction: "ingress", protocol: "icmp", fromPort: 3, toPort: -1, cidrIpv4: "0.0.0.0/0" })).toBe(false);
    // What the playbooks add in place of a broad rule is always within it (apply relies on it).
    const ports = fc.uniqueArray(fc.integer({ min: 0, max: 65535 }), { maxLength: 6 });
    fc.assert(
      fc.property(fc.constantFrom("tcp", "udp", "-1"), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), ports, ports, (protocol, a, b, tcp, udp) => {
        const rule: RuleSpec = { direction: "ingress", protocol, cidrIpv4: "0.0.0.0/0", ...(protocol === "-1" ? {} : { fromPort: Math.min(a, b), toPort: Math.max(a, b) }) };
        return splitRule(rule, { tcp, udp }, "x").add.every((r) => within(r, rule));
      }),
    );
  });
});
