/**
 * Containment through the AWS adapter: the executor drives the real adapter (SDK v3 commands),
 * answered by the fake AWS of the adapter's own tests (test/cloud/aws/fake-aws.ts: aws-sdk-client-mock
 * handlers over a simulated account). The requests the adapter sends are exactly the calls the
 * plan's dry run showed, and rollback through the adapter leaves the account as it was.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createAwsPort } from "../../src/cloud/aws/index.ts";
import type { SimAccount } from "../../src/cloud/sim/index.ts";
import { apply } from "../../src/execute/apply.ts";
import { resolveRefs } from "../../src/execute/refs.ts";
import { rollback } from "../../src/execute/rollback.ts";
import type { ApiCall, JournalEntry, Plan } from "../../src/execute/types.ts";
import { planContainment } from "../../src/playbook/index.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { installFakeAws } from "../cloud/aws/fake-aws.ts";
import { mockAws } from "../cloud/aws/helpers.ts";
import type { Resolution } from "../../src/resolve/types.ts";
import { newSim, notice, resolutionOf, resolveAll, resolveBucket, resolveDistribution, resolveInstance, resolveKey, tempStore, withoutKept, X } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\nhostTriage: { enabled: true }\n");
const READ = /:(Describe|Get|List)/;

function adapterOver(sim: SimAccount) {
  installFakeAws(sim, aws);
  return createAwsPort({ region: "eu-west-1", credentials: async () => ({ accessKeyId: "AKIAINCIDENTCALLER01", secretAccessKey: "x", accountId: X.acct }), maxAttempts: 3 });
}

/** The dry run's mutating calls, with the ids earlier steps produced (from the journal) filled in. */
function plannedWrites(plan: Plan, entries: JournalEntry[]): ApiCall[] {
  const afterOf = (id: string) => entries.find((e) => e.stepId === id && e.phase === "done")?.after;
  return plan.steps.flatMap((s) => resolveRefs(s.calls, afterOf)).filter((c) => !READ.test(c.api));
}

/** What the adapter sent, as IAM action and request, mutating calls only. */
const sentWrites = (sim: SimAccount) => sim.calls.filter((c) => c.method.includes(":") && !READ.test(c.method) && c.outcome === "ok").map((c) => ({ api: c.method, params: c.args[0] as Record<string, unknown> }));

describe("containment through the AWS adapter", () => {
  it("sends exactly the requests the dry run showed, and rolls back to the state before", async () => {
    const sim = newSim();
    const plan: Plan = planContainment({
      planId: "P-aws",
      caseId: null,
      createdAt: "2025-06-01T12:00:00Z",
      notice: notice({ remoteIps: X.peers }),
      verdict: "authentic",
      resolution: await resolveAll(sim, [{ scope: X.eu, ids: [X.web1, X.web2, X.legacy] }]),
      policy: POLICY,
    });
    const before = sim.snapshot();
    sim.calls.length = 0;
    const port = adapterOver(sim);
    const t = await tempStore();
    try {
      const r = await apply(plan, { port, journal: t.store, verdict: "authentic", approve: "person", retry: { sleep: async () => {} } });
      expect(r.steps.filter((s) => s.status !== "done")).toEqual([]);
      const entries = await t.store.entries(plan.id);
      const afterOf = (id: string) => entries.find((e) => e.stepId === id && e.phase === "done")?.after;
      const planned = plannedWrites(plan, entries);
      const sent = sentWrites(sim);
      expect(sent.map(requestKey).sort()).toEqual(planned.map(requestKey).sort());

      // The multi-ENI instance: one ModifyNetworkInterfaceAttribute per ENI and move, in order.
      const isoId = (afterOf(plan.steps.find((s) => s.action === "create-isolation-group")!.id) as { groupId: string }).groupId;
      const allId = (afterOf(plan.steps.find((s) => s.action === "create-all-traffic-group")!.id) as { groupId: string }).groupId;
      for (const eni of [X.web1Eni, X.web1Eni2]) {
        expect(sent.filter((c) => c.api === "ec2:ModifyNetworkInterfaceAttribute" && c.params.NetworkInterfaceId === eni).map((c) => c.params.Groups)).toEqual([[allId], [isoId]]);
      }
      expect(sent.filter((c) => c.api === "ec2:RevokeSecurityGroupEgress").map((c) => c.params)).toEqual([
        { GroupId: isoId, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] },
      ]);

      const rb = await rollback(plan.id, { port, journal: t.store, retry: { sleep: async () => {} } });
      expect(rb.status).toBe("complete");
      expect(withoutKept(sim.snapshot(), before)).toEqual(withoutKept(before, before));
    } finally {
      await t.close();
    }
  });
});

describe("every playbook through the AWS adapter", () => {
  const cases: { name: string; build: (sim: SimAccount) => Promise<Resolution>; n: Parameters<typeof notice>[0]; policy?: string }[] = [
    { name: "open proxy", build: (sim) => resolveAll(sim, [{ scope: X.eu, ids: [X.proxy] }]), n: { activityType: "open_proxy", logExtract: "via 198.51.100.30:3128" } },
    { name: "reflection", build: (sim) => resolveAll(sim, [{ scope: X.eu, ids: [X.dns] }]), n: { activityType: "dos", activityText: "open resolver amplification" } },
    { name: "e-mail spam", build: (sim) => resolveAll(sim, [{ scope: X.eu, ids: [X.mail] }]), n: { activityType: "spam_email" } },
    {
      name: "content",
      build: async (sim) => resolutionOf([await resolveInstance(sim, X.eu, X.site), await resolveBucket(sim, X.acct, X.bucket), await resolveDistribution(sim, X.acct, X.distribution)]),
      n: { activityType: "phishing" },
    },
    { name: "credentials", build: async (sim) => resolutionOf([await resolveKey(sim, X.acct, X.key)]), n: { activityType: "credentials_exposed", kind: "credentials_exposed" } },
    { name: "stopped host in another region", build: (sim) => resolveAll(sim, [{ scope: X.use1, ids: [X.miner] }]), n: { activityType: "crypto_mining" } },
    {
      name: "hosts detached from their group, peers denied at once",
      build: (sim) => resolveAll(sim, [{ scope: X.eu, ids: [X.web1, X.web2] }]),
      n: { remoteIps: X.peers },
      policy: "examiners: { cidrs: [203.0.113.16/28] }\nhost: { autoScaling: detach, suspendProcesses: [ReplaceUnhealthy, AZRebalance, HealthCheck] }\nnetworkAcl: { use: always }\n",
    },
  ];
  for (const c of cases) {
    it(`${c.name}: the calls of the dry run, then back to the state before`, async () => {
      const sim = newSim();
      const plan = planContainment({
        planId: `P-aws-${c.name.replace(/\W+/g, "-")}`,
        caseId: null,
        createdAt: "2025-06-01T12:00:00Z",
        notice: notice(c.n),
        verdict: "authentic",
        resolution: await c.build(sim),
        policy: parsePolicy(c.policy ?? "examiners: { cidrs: [203.0.113.16/28] }\nhost: { stop: true }\n"),
      });
      expect(plan.steps.length).toBeGreaterThan(1);
      const before = sim.snapshot();
      sim.calls.length = 0;
      const port = adapterOver(sim);
      const t = await tempStore();
      try {
        const r = await apply(plan, { port, journal: t.store, verdict: "authentic", approve: "person", retry: { sleep: async () => {} } });
        expect(r.status).toBe("complete");
        const planned = plannedWrites(plan, await t.store.entries(plan.id));
        // UpdateDistribution sends back the whole configuration GetDistributionConfig returned, with
        // its ETag: the dry run can only show the one field it changes, so that field is compared.
        const comparable = (x: ApiCall): ApiCall =>
          x.api === "cloudfront:UpdateDistribution" ? { api: x.api, params: { Id: x.params.Id, Enabled: (x.params.DistributionConfig as { Enabled: boolean }).Enabled } } : x;
        expect(sentWrites(sim).map(comparable).map(requestKey).sort()).toEqual(planned.map(comparable).map(requestKey).sort());
        const rb = await rollback(plan.id, { port, journal: t.store, retry: { sleep: async () => {} } });
        expect(rb.status).toBe("complete");
        const restored = withoutKept(sim.snapshot(), before);
        const want = withoutKept(before, before);
        if (c.name.startsWith("stopped")) {
          // Started again on rollback: AWS gives it a new public IP and launch time, as it would.
          const inst = (s: typeof restored) => (s.accounts[X.acct] as { regions: Record<string, { instances: Record<string, { state: string }> }> }).regions["us-east-1"]!.instances[X.miner]!;
          expect(inst(restored).state).toBe("running");
          return;
        }
        expect(restored).toEqual(want);
      } finally {
        await t.close();
      }
    });
  }
});

describe("the IAM policies for containment", () => {
  it("allows every call any playbook's dry run shows, and denies none of them", async () => {
    // The containment role carries both documents: the read side (what steps observe before they
    // act) and the write side.
    const docs = ["containment-policy.json", "read-only-policy.json"].map(
      (f) => JSON.parse(readFileSync(new URL(`../../docs/iam/${f}`, import.meta.url), "utf8")) as { Statement: { Effect: string; Action: string | string[] }[] },
    );
    const actions = (effect: string) => docs.flatMap((d) => d.Statement).filter((st) => st.Effect === effect).flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
    const matches = (pattern: string, api: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(api);
    const sim = newSim();
    const plans = [
      await resolveAll(sim, [{ scope: X.eu, ids: [X.web1, X.web2, X.legacy] }]),
      resolutionOf([await resolveInstance(sim, X.eu, X.site), await resolveBucket(sim, X.acct, X.bucket), await resolveDistribution(sim, X.acct, X.distribution), await resolveKey(sim, X.acct, X.key)]),
      await resolveAll(sim, [{ scope: X.eu, ids: [X.proxy, X.dns, X.mail] }]),
    ].flatMap((resolution) =>
      (["compromised-host", "content", "credentials", "open-proxy", "reflection", "email-spam"] as const).map((playbook) =>
        planContainment({ planId: "P-iam", caseId: null, createdAt: "2025-06-01T12:00:00Z", notice: notice({ remoteIps: X.peers, activityText: "open resolver" }), verdict: "authentic", resolution, policy: parsePolicy("host: { stop: true }\nnetworkAcl: { use: always }\nexaminers: { cidrs: [203.0.113.16/28] }"), options: { playbook } }),
      ),
    );
    const apis = new Set(plans.flatMap((p) => p.steps.flatMap((s) => s.calls.map((c) => c.api))));
    expect(apis.size).toBeGreaterThan(25);
    for (const api of apis) {
      expect(actions("Allow").some((a) => matches(a, api)), `${api} allowed`).toBe(true);
      expect(actions("Deny").some((a) => matches(a, api)), `${api} not denied`).toBe(false);
    }
  });
});

/** A request as text with its keys sorted at every level, so equal requests compare equal. */
const requestKey = (c: ApiCall) => `${c.api} ${JSON.stringify(c.params, Object.keys(flatten(c.params)).sort())}`;

/** Every key path of a nested object, so JSON.stringify's replacer keeps them all in sorted order. */
function flatten(v: unknown, out: Record<string, true> = {}): Record<string, true> {
  if (Array.isArray(v)) v.forEach((x) => flatten(x, out));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      out[k] = true;
      flatten(x, out);
    }
  }
  return out;
}
