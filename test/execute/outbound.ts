/**
 * The outbound-traffic estate (estates/outbound.yaml) for the tests of the network ACL stage:
 * resolvers and proxies in two subnets with their own ACLs, a second region, a second account, a
 * NAT gateway's interface, an ACL near its quota. Resolutions are read through the port, as in
 * helpers.ts.
 */
import type { Scope } from "../../src/cloud/model.ts";
import type { CloudPort } from "../../src/cloud/port.ts";
import { loadEstateFile, SimAccount, type SimOptions, type SimState } from "../../src/cloud/sim/index.ts";
import type { Resolved } from "../../src/resolve/types.ts";

export const OUTBOUND = new URL("./estates/outbound.yaml", import.meta.url).pathname;
export const REFLECTION_NOTICE = new URL("./notices/dns-reflection.txt", import.meta.url).pathname;

export const O = {
  acct: "222233334444",
  lab: "555566667777",
  eu: { accountId: "222233334444", region: "eu-central-1" } as Scope,
  ap: { accountId: "222233334444", region: "ap-southeast-2" } as Scope,
  labEu: { accountId: "555566667777", region: "eu-central-1" } as Scope,
  /** ns-1 and ns-2 share edge-a; ns-3 is in edge-b with a second interface in edge-a's other subnet. */
  ns1: "i-0f0000000000000a1",
  ns2: "i-0f0000000000000a2",
  ns3: "i-0f0000000000000a3",
  ns3Eni2: "eni-0f0000000000000a8",
  ns4: "i-0f0000000000000a4",
  ns5: "i-0f0000000000000a5",
  nsCrowded: "i-0f0000000000000d1",
  px1: "i-0f0000000000000b1",
  px2: "i-0f0000000000000b2",
  mx1: "i-0f0000000000000c1",
  natEni: "eni-0f0000000000000e1",
  aclA: "acl-0f000000000000001",
  aclB: "acl-0f000000000000002",
  aclCrowded: "acl-0f000000000000003",
  aclLab: "acl-0f000000000000005",
  sgResolver: "sg-0f000000000000001",
  sgProxy: "sg-0f000000000000002",
  sgMail: "sg-0f000000000000003",
  victims: ["192.0.2.61", "192.0.2.62"],
};

let loaded: SimState | undefined;
export function outboundSim(opts: SimOptions = {}): SimAccount {
  loaded ??= loadEstateFile(OUTBOUND).state;
  return new SimAccount(structuredClone(loaded), { label: "sim:outbound", ...opts });
}

/** The sim's default ACL of ap-southeast-2 (no ACL declared there): its generated id. */
export async function defaultAclOf(port: CloudPort, scope: Scope, subnetId: string): Promise<string> {
  const [acl] = await port.describeNetworkAcls(scope, { subnetIds: [subnetId] });
  if (!acl) throw new Error(`no ACL for ${subnetId}`);
  return acl.networkAclId;
}

/** A stand-alone interface as the resolver hands it over (groups, subnet, ACL). */
export async function resolveEni(port: CloudPort, scope: Scope, eniId: string): Promise<Resolved> {
  const [eni] = await port.describeNetworkInterfaces(scope, { networkInterfaceIds: [eniId] });
  if (!eni) throw new Error(`no ${eniId}`);
  const [subnet] = await port.describeSubnets(scope, [eni.subnetId]);
  const [networkAcl] = await port.describeNetworkAcls(scope, { subnetIds: [eni.subnetId] });
  return {
    ...scope,
    type: "network-interface",
    id: eniId,
    networkInterface: { ...eni, securityGroups: await port.describeSecurityGroups(scope, eni.groupIds) },
    ...(subnet ? { subnet } : {}),
    ...(networkAcl ? { networkAcl } : {}),
    ownership: {},
    tags: eni.tags,
  };
}
