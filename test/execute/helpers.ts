/**
 * Shared by the containment tests: the incident estate on the simulated account, resolutions read
 * from it through the port (what src/resolve hands the playbooks), notices, a real SQLite journal,
 * and the comparison "the account is as it was, except the evidence kept on purpose".
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Scope } from "../../src/cloud/model.ts";
import type { CloudPort } from "../../src/cloud/port.ts";
import { loadEstateFile, SimAccount, type SimOptions, type SimSnapshot, type SimState } from "../../src/cloud/sim/index.ts";
import { openStore, type CaseStore } from "../../src/case/index.ts";
import type { NoticeFacts } from "../../src/playbook/index.ts";
import type { EnrichedInterface, Finding, Resolution, Resolved } from "../../src/resolve/types.ts";

export const INCIDENT = new URL("./estates/incident.yaml", import.meta.url).pathname;

export const X = {
  acct: "111122223333",
  eu: { accountId: "111122223333", region: "eu-west-1" } as Scope,
  use1: { accountId: "111122223333", region: "us-east-1" } as Scope,
  vpc: "vpc-0e000000000000001",
  webAcl: "acl-0e000000000000001",
  web1: "i-0e0000000000000a1",
  web1Eni: "eni-0e0000000000000a1",
  web1Eni2: "eni-0e0000000000000a9",
  web2: "i-0e0000000000000a2",
  web2Eni: "eni-0e0000000000000a2",
  web3: "i-0e0000000000000a3",
  legacy: "i-0e0000000000000c1",
  proxy: "i-0e0000000000000b1",
  dns: "i-0e0000000000000b2",
  mail: "i-0e0000000000000b3",
  site: "i-0e0000000000000b4",
  protected: "i-0e0000000000000f1",
  miner: "i-0e0000000000000d1",
  sgWeb: "sg-0e0000000000000a1",
  sgApp: "sg-0e0000000000000a2",
  sgProxy: "sg-0e0000000000000b1",
  sgDns: "sg-0e0000000000000b2",
  sgMail: "sg-0e0000000000000b3",
  sgSite: "sg-0e0000000000000b4",
  asg: "web-asg",
  clb: "legacy-clb",
  key: "AKIA2INCIDENTKEY0001",
  user: "ci-deployer",
  bucket: "incident-assets",
  distribution: "E1INCIDENT0001",
  peers: ["192.0.2.44", "192.0.2.45"],
};

let loaded: SimState | undefined;
/** A fresh simulated account over the incident estate (parsed once, copied for each account). */
export function newSim(opts: SimOptions = {}): SimAccount {
  loaded ??= loadEstateFile(INCIDENT).state;
  return new SimAccount(structuredClone(loaded), { label: "sim:incident", ...opts });
}

const ownership = (tags: Record<string, string>) => ({ ...(tags.Owner ? { owner: tags.Owner } : {}), ...(tags.env ? { environment: tags.env } : {}) });

/** An ec2-instance resolution, read through the port the way the resolver enriches it. */
export async function resolveInstance(port: CloudPort, scope: Scope, instanceId: string): Promise<Resolved> {
  const [instance] = await port.describeInstances(scope, { instanceIds: [instanceId] });
  if (!instance) throw new Error(`test estate has no ${instanceId}`);
  const enis = await port.describeNetworkInterfaces(scope, { instanceIds: [instanceId] });
  const interfaces: EnrichedInterface[] = [];
  for (const e of enis) interfaces.push({ ...e, securityGroups: await port.describeSecurityGroups(scope, e.groupIds) });
  const [vpc] = instance.vpcId ? await port.describeVpcs(scope, [instance.vpcId]) : [];
  const [subnet] = instance.subnetId ? await port.describeSubnets(scope, [instance.subnetId]) : [];
  const [networkAcl] = instance.subnetId ? await port.describeNetworkAcls(scope, { subnetIds: [instance.subnetId] }) : [];
  const [autoScalingGroup] = await port.autoScalingGroupsOf(scope, [instanceId]);
  const ips = enis.flatMap((e) => e.privateIpAddresses.length ? e.privateIpAddresses : [e.privateIpAddress]);
  const targetGroups = await port.targetGroupsOf(scope, [instanceId, ...ips]);
  const classicLoadBalancers = (await port.describeLoadBalancers(scope, { instanceIds: [instanceId] })).filter((l) => l.type === "classic");
  return {
    ...scope,
    type: "ec2-instance",
    id: instanceId,
    instance,
    ...(vpc ? { vpc } : {}),
    ...(subnet ? { subnet } : {}),
    ...(networkAcl ? { networkAcl } : {}),
    interfaces,
    ...(autoScalingGroup ? { autoScalingGroup } : {}),
    targetGroups,
    classicLoadBalancers,
    publicIps: enis.flatMap((e) => e.associations.map((a) => a.publicIp)),
    elasticIps: [],
    ownership: ownership(instance.tags),
    tags: instance.tags,
  };
}

export async function resolveKey(port: CloudPort, accountId: string, keyId: string): Promise<Resolved> {
  const accessKey = await port.findAccessKey(accountId, keyId);
  if (!accessKey) throw new Error(`no key ${keyId}`);
  const user = await port.getIamUser(accountId, accessKey.userName);
  return { accountId, region: "global", type: "access-key", id: keyId, accessKey, user, ownership: {}, tags: user?.tags ?? {} };
}

export async function resolveBucket(port: CloudPort, accountId: string, name: string): Promise<Resolved> {
  const bucket = await port.getBucket(accountId, name);
  if (!bucket) throw new Error(`no bucket ${name}`);
  return { accountId, region: bucket.region, type: "s3-bucket", id: name, bucket, ownership: {}, tags: bucket.tags };
}

export async function resolveDistribution(port: CloudPort, accountId: string, id: string): Promise<Resolved> {
  const distribution = await port.getDistribution(accountId, id);
  if (!distribution) throw new Error(`no distribution ${id}`);
  return { accountId, region: "global", type: "cloudfront-distribution", id, distribution, ownership: {}, tags: distribution.tags };
}

/** A resolution with one finding per resource. */
export function resolutionOf(resources: Resolved[], extra: Finding[] = []): Resolution {
  return {
    findings: [
      ...resources.map(
        (r): Finding => ({
          ref: { type: r.type === "access-key" ? "access-key" : r.type, id: r.id },
          status: "found",
          summary: `${r.id} in ${r.accountId}/${r.region}`,
          resources: [r],
          searched: [{ accountId: r.accountId, regions: [r.region] }],
        }),
      ),
      ...extra,
    ],
    gaps: [],
    elapsedMs: 1,
  };
}

export async function resolveAll(port: CloudPort, items: { scope: Scope; ids: string[] }[]): Promise<Resolution> {
  const out: Resolved[] = [];
  for (const { scope, ids } of items) for (const id of ids) out.push(await resolveInstance(port, scope, id));
  return resolutionOf(out);
}

export function notice(over: Partial<NoticeFacts> = {}): NoticeFacts {
  return {
    kind: "initial_report",
    activityType: "port_scan",
    activityText: "scanning remote hosts",
    caseNumber: "12345678901-1",
    remoteIps: [],
    remotePorts: [],
    protocol: "TCP",
    destinationUrls: [],
    logExtract: null,
    fields: [],
    ...over,
  };
}

/** A real SQLite case store in a fresh directory; `close()` destroys it and removes the files. */
export async function tempStore(): Promise<{ store: CaseStore; dir: string; path: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "abuse-desk-exec-"));
  const path = join(dir, "journal.db");
  const store = await openStore({ url: path });
  return {
    store,
    dir,
    path,
    async close() {
      await store.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Region = Record<string, Record<string, Record<string, unknown>>>;

/**
 * The account as it was before, minus what containment keeps on purpose: the snapshots it took,
 * the security groups it created, and its `abuse-desk:*` tags (docs/containment.md). Applied to
 * both snapshots so `toEqual` compares everything else.
 */
export function withoutKept(snap: SimSnapshot, before: SimSnapshot): SimSnapshot {
  const copy = structuredClone(snap);
  for (const [acct, a] of Object.entries(copy.accounts)) {
    const regions = (a as { regions: Record<string, Region> }).regions;
    for (const [name, r] of Object.entries(regions)) {
      const prior = ((before.accounts[acct] as { regions: Record<string, Region> }).regions[name] ?? {}) as Region;
      for (const kind of ["snapshots", "securityGroups"]) {
        for (const id of Object.keys(r[kind] ?? {})) if (!(id in (prior[kind] ?? {}))) delete r[kind]![id];
      }
      for (const kind of ["instances", "networkInterfaces", "volumeTags"]) {
        for (const rec of Object.values(r[kind] ?? {})) {
          const tags = (kind === "volumeTags" ? rec : (rec as { tags?: Record<string, string> }).tags) as Record<string, string> | undefined;
          if (tags) for (const k of Object.keys(tags)) if (k.startsWith("abuse-desk:")) delete tags[k];
        }
        if (kind === "volumeTags") for (const [id, tags] of Object.entries(r[kind] ?? {})) if (!Object.keys(tags as object).length && !(id in (prior[kind] ?? {}))) delete r[kind]![id];
      }
    }
  }
  return copy;
}

/** The write calls (mutations) the sim saw, as method names, attempts that reached AWS only. */
export function writeCalls(sim: SimAccount): { method: string; args: unknown[] }[] {
  const reads = /^(describe|find|get|lookup|accounts|regions|autoScalingGroupsOf|targetGroupsOf|ssmManagedInstances)/;
  return sim.calls.filter((c) => c.outcome === "ok" && !reads.test(c.method)).map((c) => ({ method: c.method, args: c.args }));
}

/**
 * The account's state with the ids the sim made up during a run replaced by stable names (a new
 * group by its name, a snapshot by its volume), so two runs that did the same things compare equal
 * even when parallel steps drew ids in another order. Duplicates are not hidden: `createdCounts`
 * says how many of each there are.
 */
export function normalized(sim: SimAccount, base: SimSnapshot): { state: unknown; createdCounts: Record<string, number> } {
  const snap = sim.snapshot();
  const names = new Map<string, string>();
  const createdCounts: Record<string, number> = {};
  for (const [acct, a] of Object.entries(snap.accounts)) {
    const regions = (a as { regions: Record<string, Region> }).regions;
    for (const [name, r] of Object.entries(regions)) {
      const prior = ((base.accounts[acct] as { regions: Record<string, Region> }).regions[name] ?? {}) as Region;
      for (const [id, g] of Object.entries(r.securityGroups ?? {})) {
        if (id in (prior.securityGroups ?? {})) continue;
        const key = `sg:${(g as { groupName: string }).groupName}`;
        names.set(id, key);
        createdCounts[key] = (createdCounts[key] ?? 0) + 1;
      }
      for (const [id, s] of Object.entries(r.snapshots ?? {})) {
        if (id in (prior.snapshots ?? {})) continue;
        const key = `snap:${(s as { volumeId: string }).volumeId}`;
        names.set(id, key);
        createdCounts[key] = (createdCounts[key] ?? 0) + 1;
      }
    }
  }
  let text = JSON.stringify(snap);
  for (const [id, key] of names) text = text.split(id).join(key);
  return { state: JSON.parse(text), createdCounts };
}
