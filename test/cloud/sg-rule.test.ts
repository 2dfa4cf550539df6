/**
 * Security-group rule identity is defined once (src/cloud/sg-rule.ts) and the simulator, the
 * playbook and the adapter's wire form all agree with it. Each case of the table is checked three
 * ways, so a second definition creeping back into one of them fails here:
 * - the playbook's `sameRule` (src/plan/rules.ts, what the actions and the exposure playbook use);
 * - the simulator: rule `a` authorized, then `b` revoked, succeeds exactly when they are the same
 *   rule (AWS's InvalidPermission.NotFound otherwise), and authorizing `b` again is a duplicate
 *   exactly when they are the same;
 * - the AWS adapter: a rule written as AWS's IpPermission and read back is the same rule.
 */
import { describe, expect, it } from "vitest";
import { rulesOf, ipPermission } from "../../src/cloud/aws/ec2.ts";
import { CloudError } from "../../src/cloud/errors.ts";
import type { RuleSpec } from "../../src/cloud/port.ts";
import { ruleKey, sameRule as sharedSameRule } from "../../src/cloud/sg-rule.ts";
import { SimAccount, type EstateInput } from "../../src/cloud/sim/index.ts";
import { sameRule, within } from "../../src/plan/rules.ts";

const scope = { accountId: "111122223333", region: "eu-west-1" };
const SG = "sg-00000000000000001";
const PEER = "sg-00000000000000002";

function sim(): SimAccount {
  const estate: EstateInput = {
    version: 1,
    accounts: [
      {
        accountId: scope.accountId,
        enabledRegions: [scope.region],
        regions: {
          [scope.region]: {
            vpcs: [{ vpcId: "vpc-00000000000000001", cidrBlock: "10.0.0.0/16", ipv6CidrBlocks: ["2001:db8:1234::/56"] }],
            securityGroups: [
              { groupId: SG, groupName: "a", vpcId: "vpc-00000000000000001", egress: [] },
              { groupId: PEER, groupName: "b", vpcId: "vpc-00000000000000001", egress: [] },
            ],
          },
        },
      },
    ],
  };
  return SimAccount.fromEstate(estate);
}

const v4 = { direction: "ingress" as const, cidrIpv4: "198.51.100.0/24" };
type Case = [name: string, a: RuleSpec, b: RuleSpec, same: boolean];
const CASES: Case[] = [
  ["a protocol by name and by number", { ...v4, protocol: "tcp", fromPort: 22, toPort: 22 }, { ...v4, protocol: "6", fromPort: 22, toPort: 22 }, true],
  ["upper case protocol", { ...v4, protocol: "udp", fromPort: 53, toPort: 53 }, { ...v4, protocol: "UDP", fromPort: 53, toPort: 53 }, true],
  ["the description is not part of a rule", { ...v4, protocol: "tcp", fromPort: 22, toPort: 22, description: "ssh" }, { ...v4, protocol: "tcp", fromPort: 22, toPort: 22, description: "other" }, true],
  ["the direction is", { ...v4, protocol: "tcp", fromPort: 22, toPort: 22 }, { ...v4, direction: "egress", protocol: "tcp", fromPort: 22, toPort: 22 }, false],
  ["a different port", { ...v4, protocol: "tcp", fromPort: 22, toPort: 22 }, { ...v4, protocol: "tcp", fromPort: 23, toPort: 23 }, false],
  ["a range is not its first port", { ...v4, protocol: "tcp", fromPort: 22, toPort: 25 }, { ...v4, protocol: "tcp", fromPort: 22, toPort: 22 }, false],
  ["tcp and udp on the same port", { ...v4, protocol: "tcp", fromPort: 53, toPort: 53 }, { ...v4, protocol: "udp", fromPort: 53, toPort: 53 }, false],
  ["tcp without ports is 0-65535", { ...v4, protocol: "tcp", fromPort: 0, toPort: 65535 }, { ...v4, protocol: "tcp" }, true],
  ["tcp with -1 bounds is 0-65535", { ...v4, protocol: "tcp", fromPort: 0, toPort: 65535 }, { ...v4, protocol: "tcp", fromPort: -1, toPort: -1 }, true],
  ["an open upper bound runs to 65535", { ...v4, protocol: "tcp", fromPort: 1024, toPort: 65535 }, { ...v4, protocol: "tcp", fromPort: 1024 }, true],
  ["all traffic: -1 and all", { ...v4, protocol: "-1" }, { ...v4, protocol: "all" }, true],
  ["all traffic ignores ports", { ...v4, protocol: "-1" }, { ...v4, protocol: "-1", fromPort: -1, toPort: -1 }, true],
  ["all traffic is not tcp 0-65535", { ...v4, protocol: "-1" }, { ...v4, protocol: "tcp", fromPort: 0, toPort: 65535 }, false],
  ["another IP protocol has no ports (AWS allows all of it)", { ...v4, protocol: "47" }, { ...v4, protocol: "47", fromPort: 10, toPort: 20 }, true],
  ["GRE is not ESP", { ...v4, protocol: "47" }, { ...v4, protocol: "50" }, false],
  ["icmp by name and by number, all types", { ...v4, protocol: "icmp", fromPort: -1, toPort: -1 }, { ...v4, protocol: "1" }, true],
  ["icmp all types means all codes", { ...v4, protocol: "icmp", fromPort: -1, toPort: -1 }, { ...v4, protocol: "icmp", fromPort: -1, toPort: 3 }, true],
  ["icmp type 8, all codes, written two ways", { ...v4, protocol: "icmp", fromPort: 8, toPort: -1 }, { ...v4, protocol: "icmp", fromPort: 8 }, true],
  ["icmp type 8, all codes, written the other way first", { ...v4, protocol: "icmp", fromPort: 8 }, { ...v4, protocol: "icmp", fromPort: 8, toPort: -1 }, true],
  ["icmp type 8 (no code) is not type 8 code 8", { ...v4, protocol: "icmp", fromPort: 8 }, { ...v4, protocol: "icmp", fromPort: 8, toPort: 8 }, false],
  ["icmp type 8 all codes is not type 8 code 8", { ...v4, protocol: "icmp", fromPort: 8, toPort: -1 }, { ...v4, protocol: "icmp", fromPort: 8, toPort: 8 }, false],
  ["icmp type 3 code 4 is not type 3 code 1", { ...v4, protocol: "icmp", fromPort: 3, toPort: 4 }, { ...v4, protocol: "icmp", fromPort: 3, toPort: 1 }, false],
  ["icmp type 8 is not all icmp", { ...v4, protocol: "icmp", fromPort: 8, toPort: -1 }, { ...v4, protocol: "icmp", fromPort: -1, toPort: -1 }, false],
  ["icmp is not icmpv6", { direction: "ingress", cidrIpv6: "::/0", protocol: "icmp", fromPort: -1, toPort: -1 }, { direction: "ingress", cidrIpv6: "::/0", protocol: "icmpv6", fromPort: -1, toPort: -1 }, false],
  ["icmpv6 by number", { direction: "ingress", cidrIpv6: "::/0", protocol: "icmpv6", fromPort: 128, toPort: 0 }, { direction: "ingress", cidrIpv6: "::/0", protocol: "58", fromPort: 128, toPort: 0 }, true],
  ["the world in IPv4 is not the world in IPv6", { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" }, { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "::/0" }, false],
  ["an IPv6 CIDR in AWS's canonical text and another", { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "2001:db8::/32" }, { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "2001:DB8:0:0::/32" }, true],
  ["an IPv6 prefix length is", { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "2001:db8::/32" }, { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "2001:db8::/48" }, false],
  ["a different IPv4 CIDR", { ...v4, protocol: "tcp", fromPort: 22, toPort: 22 }, { ...v4, cidrIpv4: "198.51.100.0/25", protocol: "tcp", fromPort: 22, toPort: 22 }, false],
  ["a group peer", { direction: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, groupId: PEER }, { direction: "ingress", protocol: "6", fromPort: 5432, toPort: 5432, groupId: PEER, description: "db" }, true],
  ["a group is not a CIDR", { direction: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, groupId: PEER }, { ...v4, protocol: "tcp", fromPort: 5432, toPort: 5432 }, false],
  ["a group is not another group", { direction: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, groupId: PEER }, { direction: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, groupId: SG }, false],
  ["a prefix list peer", { direction: "egress", protocol: "tcp", fromPort: 443, toPort: 443, prefixListId: "pl-6da54004" }, { direction: "egress", protocol: "tcp", fromPort: 443, toPort: 443, prefixListId: "pl-6da54004" }, true],
  ["a prefix list is not another", { direction: "egress", protocol: "tcp", fromPort: 443, toPort: 443, prefixListId: "pl-6da54004" }, { direction: "egress", protocol: "tcp", fromPort: 443, toPort: 443, prefixListId: "pl-6ea54007" }, false],
];

describe("security-group rule identity, defined once", () => {
  it.each(CASES)("%s", async (_name, a, b, same) => {
    // The shared definition, both ways round, and its key.
    expect(sharedSameRule(a, b)).toBe(same);
    expect(sharedSameRule(b, a)).toBe(same);
    expect(ruleKey(a) === ruleKey(b)).toBe(same);
    // The playbook's.
    expect(sameRule(a, b)).toBe(same);
    if (same) expect(within(a, b) && within(b, a)).toBe(true);

    // The simulator's: revoking b removes a exactly when they are the same rule.
    const s = sim();
    await s.authorizeRules(scope, SG, [a]);
    const revoked = s.revokeRules(scope, SG, [b]);
    if (same) {
      await revoked;
      expect((await s.describeSecurityGroups(scope, [SG]))[0]!.rules).toEqual([]);
    } else {
      await expect(revoked).rejects.toMatchObject({ kind: "not-found", code: "InvalidPermission.NotFound" });
      expect((await s.describeSecurityGroups(scope, [SG]))[0]!.rules).toHaveLength(1);
    }
    // ...and authorizing both is a duplicate exactly when they are the same (when b is a rule AWS's API takes as written).
    const ports = b.protocol.toLowerCase() === "tcp" || b.protocol.toLowerCase() === "udp" || b.protocol === "6" || b.protocol === "17";
    if (!ports || (b.fromPort !== undefined && b.toPort !== undefined && b.fromPort >= 0 && b.toPort >= 0)) {
      const t = sim();
      await t.authorizeRules(scope, SG, [a]);
      const again = t.authorizeRules(scope, SG, [b]);
      if (same) await expect(again).rejects.toMatchObject({ kind: "invalid", code: "InvalidPermission.Duplicate" });
      else await again;
    }

    // The adapter's wire form: written as an IpPermission and read back, each is still itself.
    for (const r of [a, b]) {
      const back = rulesOf([ipPermission(r, true)], r.direction);
      expect(back).toHaveLength(1);
      expect(sharedSameRule(back[0]!, r)).toBe(true);
    }
  });

  it("reads a group pair with its owner's account id (UserId) as the rule naming the group", () => {
    const [read] = rulesOf([{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ UserId: "444455556666", GroupId: PEER, Description: "db" }] }], "ingress");
    expect(sameRule(read!, { direction: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, groupId: PEER })).toBe(true);
    expect(sameRule(read!, { direction: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, groupId: SG })).toBe(false);
  });

  it("is an error the simulator raises, not a silent pass, when the rule is not there", async () => {
    const s = sim();
    await expect(s.revokeRules(scope, SG, [{ ...v4, protocol: "tcp", fromPort: 22, toPort: 22 }])).rejects.toBeInstanceOf(CloudError);
  });
});
