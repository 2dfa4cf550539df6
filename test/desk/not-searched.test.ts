/**
 * An account that could not be read is "not searched", never "not found" and never "nothing to
 * change": intake, plan, apply and resolve exit 69 naming what is missing (where, why, the fix),
 * the case records it (case show, the report), a plan from a partial search says so, apply does not
 * call the case contained, and the reply never tells AWS "not found". The simulated account's
 * fault injection makes the account unreadable; the AWS adapter's tests below do it with the
 * SDK mock (AccessDenied, no credentials, an endpoint that does not answer).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeAddressesCommand, DescribeInstancesCommand, DescribeNetworkInterfacesCommand, DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type * as OpenModule from "../../src/cloud/open.ts";
import type { FaultRule } from "../../src/cloud/sim/faults.ts";
import type { SimAccount } from "../../src/cloud/sim/index.ts";
import type { Plan } from "../../src/execute/types.ts";
import { resolveNotice } from "../../src/resolve/index.ts";
import { searchOutcome } from "../../src/resolve/outcome.ts";
import { SAMPLE_FILE } from "../../scripts/gen-samples.ts";
import { DRILL_DIR } from "../../src/drill/index.ts";
import { runCli } from "../helpers/cli.ts";
import { awsError, CALLER, mockAws, REGION, testPort } from "../cloud/aws/helpers.ts";
import { notice } from "../resolve/helpers.ts";

// The CLI opens the simulated account itself: the test adds its faults to what it opens.
const injected = vi.hoisted(() => ({ faults: [] as FaultRule[] }));
vi.mock("../../src/cloud/open.ts", async (importOriginal) => {
  const real = await importOriginal<typeof OpenModule>();
  return {
    ...real,
    openCloud: async (...args: Parameters<typeof real.openCloud>) => {
      const port = await real.openCloud(...args);
      for (const f of injected.faults) (port as SimAccount).faults.add(f);
      return port;
    },
  };
});

const DNS = ["--offline", "--dns-cache", join(DRILL_DIR, "dns.json")];
let home: string;
const saved = { ...process.env };
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "abuse-desk-not-searched-"));
  process.env.ABUSE_DESK_HOME = home;
  for (const k of ["DATABASE_URL", "ABUSE_DESK_POLICY", "ABUSE_DESK_ACCOUNT", "ABUSE_DESK_CONFIG"]) delete process.env[k];
  injected.faults = [];
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(home, { recursive: true, force: true });
});

const caseIdOf = (out: string) => /AD-\d{4}-\d{4}/.exec(out)?.[0];

describe("an account that cannot be read is not searched (CLI, simulated account)", () => {
  it("the instance found, one region's SSM unreadable: intake, plan, apply exit 69; the case says what is missing and is not contained", async () => {
    injected.faults = [{ call: "ssm:DescribeInstanceInformation", accessDenied: true }];
    const intake = await runCli("intake", SAMPLE_FILE, "--account", "sim", ...DNS);
    expect(intake.code).toBe(69);
    expect(intake.err).toContain("the search is not complete");
    expect(intake.err).toContain("111122223333/eu-west-1: access denied: ssm:DescribeInstanceInformation is not allowed");
    expect(intake.err).toContain("fix: grant ssm:DescribeInstanceInformation");
    const id = caseIdOf(intake.out)!;
    expect(id).toBeDefined();

    const show = await runCli("case", "show", id);
    expect(show.out).toContain("Not searched");
    expect(show.out).toContain("111122223333/eu-west-1: access denied: ssm:DescribeInstanceInformation");

    const plan = await runCli("plan", id, "--account", "sim", "--json");
    expect(plan.code).toBe(69);
    const p = JSON.parse(plan.out) as Plan;
    expect(p.warnings.join("\n")).toMatch(/The search is incomplete: not searched: 111122223333\/eu-west-1/);
    expect(p.summary).toContain("The search is INCOMPLETE");

    const apply = await runCli("apply", id, "--account", "sim", "--yes", "--json");
    expect(apply.code).toBe(69);
    expect(apply.err).toContain("the case is not contained");
    const after = await runCli("case", "show", id, "--json");
    const data = JSON.parse(after.out) as { case: { status: string }; timeline: { summary: string }[] };
    expect(data.case.status).not.toBe("contained");
    expect(data.timeline.map((e) => e.summary).join("\n")).toMatch(/the case is not contained: the search is incomplete/);

    const report = await runCli("report", id);
    expect(report.out).toContain("**Not searched**");
    expect(report.out).toContain("111122223333/eu-west-1: access denied: ssm:DescribeInstanceInformation");

    const reply = await runCli("reply", id, "--json");
    const draft = (JSON.parse(reply.out) as { draft: { text: string; warnings: string[] } }).draft;
    expect(draft.warnings.join("\n")).toMatch(/The search was incomplete/);
  });

  it("nothing could be read: the plan never says 'nothing to change' and the reply never says 'not found'", async () => {
    injected.faults = [{ call: "ec2:DescribeInstances", accessDenied: true }];
    const intake = await runCli("intake", SAMPLE_FILE, "--account", "sim", ...DNS);
    expect(intake.code).toBe(69);
    expect(intake.out).toContain("NOT SEARCHED");
    expect(intake.out).not.toMatch(/not-found|was not found/);
    const id = caseIdOf(intake.out)!;

    const plan = await runCli("plan", id, "--account", "sim");
    expect(plan.code).toBe(69);
    expect(plan.out).not.toMatch(/Nothing to change/i);
    expect(plan.out).toMatch(/NOT SEARCHED/);

    const reply = await runCli("reply", id, "--json");
    const draft = (JSON.parse(reply.out) as { draft: { text: string } }).draft;
    expect(draft.text).not.toMatch(/not found/i);
    expect(draft.text).toContain("our search of our accounts is not complete yet");

    const resolve = await runCli("resolve", SAMPLE_FILE, "--account", "sim");
    expect(resolve.code).toBe(69);
    expect(resolve.out).toContain("NOT SEARCHED");
  });

  it("a complete search exits 0 (the exit code is the search's, not a fixed answer)", async () => {
    const intake = await runCli("intake", SAMPLE_FILE, "--account", "sim", ...DNS);
    expect(intake.code).toBe(0);
    const plan = await runCli("plan", caseIdOf(intake.out)!, "--account", "sim", "--json");
    expect(plan.code).toBe(0);
    expect((JSON.parse(plan.out) as Plan).warnings.join("\n")).not.toMatch(/search is incomplete/);
  });
});

describe("an account that cannot be read is not searched (AWS adapter, SDK mock)", () => {
  const aws = mockAws();
  afterEach(() => aws.reset());
  afterAll(() => aws.restore());
  const n = notice({ accountIds: [CALLER], regions: [REGION], instanceIds: ["i-0a1b2c3d4e5f67890"] });

  const expectNotSearched = async (port: ReturnType<typeof testPort>, cause: string, fix: RegExp) => {
    const res = await resolveNotice(n, port);
    expect(res.findings[0]?.status).toBe("not-searched");
    expect(res.findings[0]?.summary).not.toMatch(/was not found/);
    const o = searchOutcome(res);
    expect(o.status).toBe("not-searched");
    const missing = o.status === "not-searched" ? o.missing : [];
    expect(missing).toContainEqual(expect.objectContaining({ accountId: CALLER, cause, fix: expect.stringMatching(fix) }));
  };

  it("AccessDenied (UnauthorizedOperation)", async () => {
    aws.ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: REGION, OptInStatus: "opt-in-not-required" }] });
    aws.ec2.on(DescribeInstancesCommand).rejects(awsError("UnauthorizedOperation", "You are not authorized to perform this operation.", 403));
    await expectNotSearched(testPort(), "access-denied", /^grant ec2:DescribeInstances/);
  });

  it("no credentials", async () => {
    // What the SDK's send() throws when the credential chain is empty (the mock stands in for the chain).
    const none = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    for (const c of [DescribeRegionsCommand, DescribeInstancesCommand, DescribeNetworkInterfacesCommand, DescribeAddressesCommand]) aws.ec2.on(c).rejects(none);
    await expectNotSearched(testPort(), "no-credentials", /AWS_PROFILE or --profile/);
  });

  it("an endpoint that does not answer", async () => {
    const down = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), { code: "ECONNREFUSED", $metadata: {} });
    for (const c of [DescribeRegionsCommand, DescribeInstancesCommand, DescribeNetworkInterfacesCommand, DescribeAddressesCommand]) aws.ec2.on(c).rejects(down);
    await expectNotSearched(testPort(), "unavailable", /AWS_ENDPOINT_URL/);
  });
});
