/**
 * No option is silently ignored: every playbook x every plan option (PLAN_OPTIONS, the list the
 * CLI registers its flags from, so an option added there is walked here too), on a notice with
 * reported peers and on one without. Each option either changes the plan (its steps or what it
 * refuses) or the plan names the option in a warning that says why it changes nothing.
 */
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/execute/types.ts";
import { PLAYBOOKS, planContainment, type NoticeFacts, type PlaybookName, type PlaybookOptions } from "../../src/playbook/index.ts";
import { PLAN_OPTIONS, optionsFromFlags } from "../../src/playbook/options.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import type { Resolution } from "../../src/resolve/types.ts";
import { newSim, notice, resolutionOf, resolveBucket, resolveDistribution, resolveInstance, resolveKey, X } from "../execute/helpers.ts";
import { O, outboundSim } from "../execute/outbound.ts";

const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n");

/** Something for every playbook: resolvers, a proxy and a mailer (ns-1, ns-2 and px-1 share an ACL), a key, a bucket, a distribution. */
async function everything(): Promise<Resolution> {
  const out = outboundSim();
  const inc = newSim();
  return resolutionOf([
    ...(await Promise.all([O.ns1, O.ns2, O.px1, O.mx1].map((id) => resolveInstance(out, O.eu, id)))),
    await resolveKey(inc, X.acct, X.key),
    await resolveBucket(inc, X.acct, X.bucket),
    await resolveDistribution(inc, X.acct, X.distribution),
  ]);
}

const NOTICES: Record<string, Partial<NoticeFacts>> = {
  "with reported peers": {
    activityType: "dos",
    activityText: "open resolver amplification, relayed through an open proxy at 198.51.100.121:3128",
    protocol: "UDP",
    remoteIps: O.victims,
    destinationUrls: ["https://assets.example.com/login.html"],
  },
  "without a remote peer": { activityType: "dos", activityText: "open resolver amplification", protocol: "UDP" },
};

function plan(resolution: Resolution, n: Partial<NoticeFacts>, options: PlaybookOptions): Plan {
  return planContainment({ planId: "P-opt", caseId: "AD-2025-0016", createdAt: "2025-07-01T09:00:00Z", notice: notice(n), verdict: "authentic", resolution, policy: POLICY, options });
}

/** What a plan does to the account: its steps and what it refuses (the summary and warnings aside). */
const effect = (p: Plan) => JSON.stringify({ steps: p.steps.map((s) => [s.id, s.action, s.target, s.params, s.dependsOn]), refused: p.refused });

describe("every playbook x every plan option", () => {
  it("walks the options the CLI registers", () => {
    expect(PLAN_OPTIONS.map((o) => o.flag)).toEqual(["--playbook", "--stop", "--urgent", "--ports"]);
    // Each example parses the way the CLI parses it.
    for (const o of PLAN_OPTIONS) expect(optionsFromFlags({ [o.key]: o.example })).toEqual({ [o.key]: o.parse(o.example) });
  });

  const cases = Object.keys(NOTICES).flatMap((n) => PLAYBOOKS.flatMap((playbook) => PLAN_OPTIONS.map((o) => ({ n, playbook, o }))));
  it(`has ${Object.keys(NOTICES).length} x ${PLAYBOOKS.length} x ${PLAN_OPTIONS.length} cases`, () => expect(cases).toHaveLength(2 * 7 * 4));

  let resolution: Resolution;
  it.each(cases.map((c) => [c.n, c.playbook, c.o.flag, c] as const))("%s: %s %s changes the plan or says why not", async (_n, _p, _f, { n, playbook, o }) => {
    resolution ??= await everything();
    // The playbook is the axis: without the option is the plan with --playbook alone; for --playbook
    // itself, the plan the notice would get without it.
    const base: PlaybookOptions = o.key === "playbook" ? {} : { playbook };
    const value = o.key === "playbook" ? playbook : o.parse(o.example);
    const without = plan(resolution, NOTICES[n]!, base);
    const withIt = plan(resolution, NOTICES[n]!, { ...base, [o.key]: value });
    expect(withIt.playbook).toBe(playbook);
    const changed = effect(withIt) !== effect(without);
    const named = withIt.warnings.some((w) => w.includes(o.flag)) || (o.key === "playbook" && withIt.summary.includes(`${o.flag} ${playbook}`));
    expect(changed || named, `${o.flag} on ${playbook} (${n}): no change and no warning naming it.\nWarnings:\n${withIt.warnings.join("\n")}`).toBe(true);
  });

  it("--urgent: in every playbook whose plan contains a host, the denies are the first steps and wait for nothing", async () => {
    resolution ??= await everything();
    const withHosts: PlaybookName[] = [];
    for (const playbook of PLAYBOOKS) {
      const p = plan(resolution, NOTICES["with reported peers"]!, { playbook, urgent: true });
      if (!p.steps.some((s) => s.action === "capture-metadata")) continue;
      withHosts.push(playbook);
      const denies = p.steps.filter((s) => s.action === "nacl-deny");
      expect(denies.map((s) => s.target.id), playbook).toEqual([O.aclA, O.aclB]);
      expect(p.steps.slice(0, denies.length), playbook).toEqual(denies);
      for (const s of denies) expect(s.dependsOn, playbook).toEqual([]);
    }
    expect(withHosts).toEqual(["compromised-host", "open-proxy", "reflection", "email-spam", "content"]);
  });

  it("says which given ports a playbook leaves open, and why", async () => {
    resolution ??= await everything();
    const n = NOTICES["with reported peers"]!;
    const ports = { tcp: [8443, 2525], udp: [5353] };
    const content = plan(resolution, n, { playbook: "content", ports });
    expect(content.warnings).toContain("--ports: udp/5353 not closed: the content playbook closes web ports, which are TCP.");
    expect(content.warnings).toContain("--ports: tcp/2525 not closed: no world-open rule of the reported hosts' security groups lets the internet reach it, so there is nothing to close.");
    const proxy = plan(resolution, n, { playbook: "open-proxy", ports: { tcp: [80, 8443], udp: [] } });
    expect(proxy.warnings).toContain("--ports: tcp/80 not closed: web ports stay open in the open-proxy playbook (see the warning about the web ports).");
    expect(proxy.warnings.join("\n")).not.toMatch(/8443/);
    expect(plan(resolution, n, { playbook: "email-spam", ports }).warnings).toContain("--ports tcp/8443, tcp/2525, udp/5353: changes nothing: the email-spam playbook takes no port list.");
    expect(plan(resolution, n, { playbook: "compromised-host", stop: true }).warnings.join("\n")).not.toMatch(/--stop/);
    expect(plan(resolution, n, { playbook: "reflection", stop: true }).warnings).toContain(
      "--stop: no instance is stopped: the reflection playbook stops no instance (it keeps the hosts running); re-plan with --playbook compromised-host to isolate and stop them.",
    );
  });
});
