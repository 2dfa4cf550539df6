/**
 * Readiness on the bundled sample estate finds exactly its gaps, and a check that could not run
 * is never a pass. Outputs: SARIF 2.1.0 shape, escaped HTML, formula-safe CSV.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SAMPLE_ESTATE } from "../../src/cloud/open.ts";
import { genId } from "../../src/cloud/sim/generate.ts";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import { CHECKS, routesHealth } from "../../src/readiness/checks.ts";
import { renderCsv, renderHtml, renderMarkdown, renderSarif } from "../../src/readiness/render.ts";
import { runReadiness, scoreOf, statusOf } from "../../src/readiness/run.ts";

const NOW = new Date("2026-05-01T09:30:00Z");
const text = readFileSync(SAMPLE_ESTATE, "utf8");
const fresh = (faults: ConstructorParameters<typeof SimAccount>[1] = {}) => new SimAccount(parseEstate(text, "sample.yaml").state, faults);

describe("readiness on the sample estate", async () => {
  const report = await runReadiness(fresh(), { now: NOW, intakeSources: [{ name: "sqs", kind: "sqs" }] });
  const failing = (id: string) => report.checks.find((c) => c.id === id)!.failed.map((f) => `${f.accountId}/${f.region ?? "-"}/${f.id}`);

  it("fails exactly the checks of the estate's gaps", () => {
    expect(report.checks.filter((c) => c.status === "fail").map((c) => c.id).sort()).toEqual(
      [
        // the deliberate gaps
        "account_security_contact_information_is_registered",
        "cloudtrail_multi_region_enabled",
        "ec2_instance_imdsv2_enabled",
        "ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports",
        "iam_rotate_access_keys_90_days",
        // flow logs on every VPC in use but prod's ap-southeast-2 one (src/cloud/sim/generate-logs.ts)
        "vpc_flow_logs_enabled",
        // in the estate before: the demo incident's SSH rule, the squid-test host outside SSM
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22_3389",
        "ec2_instance_managed_by_ssm",
      ].sort(),
    );
  });
  it("names the failing resources", () => {
    expect(failing("account_security_contact_information_is_registered")).toEqual(["777788889999/-/777788889999"]);
    expect(failing("cloudtrail_multi_region_enabled")).toEqual(["444455556666/us-east-2/us-east-2"]);
    expect(failing("ec2_instance_imdsv2_enabled")).toEqual(["444455556666/us-east-1/i-0b5c6d7e8f9a01234"]);
    expect(failing("ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports")).toEqual(["444455556666/us-east-1/sg-0b5c6d7e8f9a0f128"]);
    expect(failing("iam_rotate_access_keys_90_days")).toEqual(["111122223333/-/alice#key1"]);
    expect(failing("ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22_3389")).toEqual(["111122223333/eu-west-1/sg-0a1b2c3d4e5f6a7b8"]);
    expect(failing("ec2_instance_managed_by_ssm")).toEqual(["444455556666/us-east-1/i-0b5c6d7e8f9a01234"]);
    expect(failing("vpc_flow_logs_enabled")).toEqual([`111122223333/ap-southeast-2/${genId("vpc", "111122223333|ap-southeast-2|prod-ap-southeast-2")}`]);
  });
  it("says which checks could not run (access denied), and does not count them as passed", async () => {
    expect(report.checks.filter((c) => c.status === "could-not-run")).toEqual([]);
    expect(report.counts).toEqual({ pass: CHECKS.length - 8, fail: 8, "could-not-run": 0 });
    const denied = await runReadiness(fresh({ faults: [{ call: "ec2:DescribeFlowLogs", accessDenied: true }] }), { now: NOW, intakeSources: [{ name: "sqs", kind: "sqs" }] });
    expect(denied.checks.filter((c) => c.status === "could-not-run").map((c) => c.id)).toEqual(["vpc_flow_logs_enabled"]);
    expect(denied.checks.find((c) => c.id === "vpc_flow_logs_enabled")!.failed).toEqual([]);
    expect(denied.counts).toEqual({ pass: CHECKS.length - 8, fail: 7, "could-not-run": 1 });
    expect(denied.score).toBe(scoreOf(denied.checks));
    expect(denied.score).toBeLessThan(100);
  });
  it("abuse-desk's roles are deployed in every account of the organization: the roles check passes, having examined all three", () => {
    expect(report.checks.find((c) => c.id === "abuse_desk_roles_deployed")).toMatchObject({ status: "pass", examined: 3, failed: [], notRun: [] });
  });
  it("reads every account and every enabled region (3 accounts, 17 + 4 + 3 regions)", () => {
    expect(report.accounts.map((a) => [a.accountId, a.regions, a.reachable])).toEqual([
      ["111122223333", 17, true],
      ["444455556666", 4, true],
      ["777788889999", 3, true],
    ]);
  });

  it("SARIF 2.1.0: one rule per check, one result per failed resource, could-not-run as open", async () => {
    const denied = await runReadiness(fresh({ faults: [{ call: "ec2:DescribeFlowLogs", accessDenied: true }] }), { now: NOW, intakeSources: [{ name: "sqs", kind: "sqs" }] });
    const s = JSON.parse(renderSarif(denied, "1.2.3"));
    expect(s.version).toBe("2.1.0");
    expect(s.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(CHECKS.map((c) => c.id));
    const results = s.runs[0].results as { ruleId: string; kind: string; locations?: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
    expect(results.filter((r) => r.kind === "fail")).toHaveLength(denied.checks.reduce((n, c) => n + c.failed.length, 0));
    expect(results.filter((r) => r.kind === "open").map((r) => r.ruleId)).toEqual(["vpc_flow_logs_enabled"]);
    expect(results.find((r) => r.ruleId === "ec2_instance_imdsv2_enabled")!.locations![0]!.physicalLocation.artifactLocation.uri).toBe("aws://444455556666/us-east-1/i-0b5c6d7e8f9a01234");
  });
  it("Markdown lists every failing check with its fix", () => {
    const md = renderMarkdown(report);
    for (const c of report.checks.filter((x) => x.status === "fail")) expect(md).toContain(`\`${c.id}\``);
    expect(md).toContain("aws ec2 modify-instance-metadata-options");
  });
});

describe("a check that could not run is never passed", () => {
  it("GuardDuty denied in one region: could-not-run naming the action, not pass", async () => {
    const report = await runReadiness(fresh({ faults: [{ call: "guardduty:ListDetectors", region: "eu-north-1", accessDenied: true }] }), { now: NOW, accounts: ["111122223333"] });
    const gd = report.checks.find((c) => c.id === "guardduty_is_enabled")!;
    expect(gd.status).toBe("could-not-run");
    expect(gd.notRun).toEqual([expect.objectContaining({ accountId: "111122223333", region: "eu-north-1", action: "guardduty:ListDetectors" })]);
  });
  it("an account that cannot be entered runs none of its checks (could not run, not passed), and fails the roles check", async () => {
    const state = parseEstate(text, "sample.yaml").state;
    state.accounts.get("777788889999")!.reachable = false;
    const report = await runReadiness(new SimAccount(state), { now: NOW, intakeSources: [] });
    expect(report.checks.find((c) => c.id === "abuse_desk_roles_deployed")!.failed.map((f) => `${f.accountId}/${f.id}`)).toEqual(["777788889999/AbuseDeskContainment", "777788889999/AbuseDeskReadOnly"]);
    const contact = report.checks.find((c) => c.id === "account_security_contact_information_is_registered")!;
    // the sandbox's missing contact can no longer be seen: not run there, and the check does not pass
    expect(contact.notRun.map((n) => n.accountId)).toEqual(["777788889999"]);
    expect(contact.status).not.toBe("pass");
  });
  it("statusOf: a failure wins, then not-run, then pass", () => {
    expect(statusOf({ failed: [], notRun: [] })).toBe("pass");
    expect(statusOf({ failed: [], notRun: [{ accountId: "1", reason: "x" }] })).toBe("could-not-run");
    expect(statusOf({ failed: [{ accountId: "1", id: "x", detail: "" }], notRun: [{ accountId: "1", reason: "x" }] })).toBe("fail");
  });
});

describe("outputs from hostile values", () => {
  const hostile = {
    generatedAt: NOW.toISOString(),
    source: "sim",
    accounts: [],
    score: 0,
    counts: { pass: 0, fail: 1, "could-not-run": 0 },
    elapsedMs: 1,
    checks: [{ ...CHECKS[0]!, status: "fail" as const, examined: 1, failed: [{ accountId: "111122223333", id: "=HYPERLINK(\"http://x\")", detail: "<script>alert(1)</script> | [x](javascript:1)" }], notRun: [] }],
  };
  it("HTML escapes everything from the cloud", () => {
    const html = renderHtml(hostile);
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&lt;script&gt;");
  });
  it("CSV cells never start a formula", () => {
    const csv = renderCsv(hostile);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
  });
  it("Markdown cannot open a link or a tag", () => {
    const md = renderMarkdown(hostile);
    expect(md).not.toContain("<script>");
    expect(md).not.toContain("](javascript");
  });
});

describe("health rule patterns", () => {
  it("matches aws.health patterns that include abuse or risk events, not others", () => {
    expect(routesHealth('{"source":["aws.health"]}')).toBe(true);
    expect(routesHealth('{"source":["aws.health"],"detail":{"service":["ABUSE","RISK"]}}')).toBe(true);
    expect(routesHealth('{"source":["aws.health"],"detail":{"service":["EC2"]}}')).toBe(false);
    expect(routesHealth('{"source":["aws.ec2"]}')).toBe(false);
    expect(routesHealth("not json")).toBe(false);
  });
});

describe("every read goes through the limiter", () => {
  it("never more calls in flight than totalConcurrency, whatever the check (flow logs included)", async () => {
    const sim = fresh();
    let inFlight = 0;
    let most = 0;
    const port = new Proxy(sim, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== "function" || prop === "constructor") return v;
        return (...args: unknown[]) => {
          const r = (v as (...a: unknown[]) => unknown).apply(target, args);
          if (!(r instanceof Promise) || prop === "accounts") return r;
          most = Math.max(most, ++inFlight);
          return r.finally(() => inFlight--);
        };
      },
    });
    const report = await runReadiness(port, { now: NOW, intakeSources: [], concurrency: 1, totalConcurrency: 2 });
    expect(report.checks.find((c) => c.id === "vpc_flow_logs_enabled")!.examined).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
  });
});
