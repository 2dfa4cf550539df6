/**
 * The gaps that let a case happen (src/readiness/gaps.ts): the failing readiness checks that
 * concern a case's resources, region and account, matched by the results' resource ids and
 * scopes. On the sample estate's deliberate gaps: the case about the open-proxy host shows its
 * security group, its instance's IMDSv1 and SSM gaps and its VPC's flow logs, and nothing of the
 * other accounts; the report (Markdown) lists them with their fix.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { ReadinessAccountRun } from "../../src/case/readiness-runs.ts";
import { readCase } from "../../src/case/read.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { recordResolution } from "../../src/desk/index.ts";
import { caseGaps, gapSubject, type GapSubject } from "../../src/readiness/gaps.ts";
import { genId } from "../../src/cloud/sim/generate.ts";
import { runReadiness } from "../../src/readiness/run.ts";
import { renderMarkdown } from "../../src/report/markdown.ts";
import { renderPdf } from "../../src/report/pdf.ts";
import { buildReport } from "../../src/report/model.ts";
import { resolveNotice } from "../../src/resolve/index.ts";
import { makeNotice, makeVerdict, raw } from "../case/fixtures.ts";
import { checkPdf, pdfText } from "../report/pdf-text.ts";
import { sim } from "../resolve/helpers.ts";

const NOW = new Date("2026-05-01T09:30:00Z");
const PROD = "111122223333";
const STAGING = "444455556666";
const SANDBOX = "777788889999";
const PROXY_HOST = "i-0b5c6d7e8f9a01234";
const PROXY_SG = "sg-0b5c6d7e8f9a0f128";

let home: string;
let store: CaseStore;
let runs: ReadinessAccountRun[];

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "abuse-desk-gaps-"));
  store = await openStore({ home, url: undefined });
  await store.recordReadinessRun(await runReadiness(sim("sample"), { now: NOW, intakeSources: [{ name: "sqs", kind: "sqs" }] }));
  runs = (await Promise.all([PROD, STAGING, SANDBOX].map((a) => store.readinessAccountRun(a)))).filter((r): r is ReadinessAccountRun => r !== null);
});
afterAll(async () => {
  await store.destroy();
  rmSync(home, { recursive: true, force: true });
});

const summary = (g: ReturnType<typeof caseGaps>) => g.gaps.map((x) => [x.checkId, x.accountId, x.scope, x.resources.map((r) => r.id)]);

describe("the gaps of a case about the open-proxy host", () => {
  it("its security group, its instance and its VPC; nothing of the other accounts or regions", async () => {
    const res = await resolveNotice(makeNotice({ activityType: "open_proxy", accountIds: [], regions: [], instanceIds: [], publicIps: ["198.51.100.128"] }), sim("sample"), { now: NOW });
    const subject = gapSubject(res.findings);
    expect(subject.accountIds).toEqual([STAGING]);
    const gaps = caseGaps(subject, runs);
    // most severe first (all high but SSM), then by check id; its VPC has flow logs (the sample's
    // VPC without them is prod's ap-southeast-2 one, src/cloud/sim/generate-logs.ts), so no flow-log gap
    expect(summary(gaps)).toEqual([
      ["ec2_instance_imdsv2_enabled", STAGING, "resource", [PROXY_HOST]],
      ["ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports", STAGING, "resource", [PROXY_SG]],
      ["ec2_instance_managed_by_ssm", STAGING, "resource", [PROXY_HOST]],
    ]);
    // the fix comes with each gap
    expect(gaps.gaps[1]!.remediation?.cli).toMatch(/revoke-security-group-ingress/);
    expect(gaps.runs).toEqual([{ accountId: STAGING, runId: 1, generatedAt: NOW.toISOString() }]);
    expect(gaps.notChecked).toEqual([]);
    expect(gaps.noRun).toEqual([]);
  });

  it("the case page's and the report's source: the case store's latest runs, through readCase; the Markdown lists them with the fix", async () => {
    const notice = makeNotice({ activityType: "open_proxy", accountIds: [STAGING], regions: ["us-east-1"], instanceIds: [], publicIps: ["198.51.100.128"] });
    const { case: c } = await store.intake({ notice, verdict: makeVerdict(), raw: raw(notice) });
    await recordResolution(store, c.id, await resolveNotice(notice, sim("sample"), { now: NOW }));
    const records = await readCase(store, c.id);
    expect(records.readiness?.map((r) => r.accountId)).toEqual([STAGING]);
    const report = buildReport({ ...records, generatedAt: NOW });
    expect(summary(report.gaps!).map((g) => g[0])).toEqual(["ec2_instance_imdsv2_enabled", "ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports", "ec2_instance_managed_by_ssm"]);
    const md = renderMarkdown(report);
    const section = md.slice(md.indexOf("## Gaps that let this happen"), md.indexOf("## Evidence"));
    expect(section).toMatch(/`ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports`/);
    expect(section).toMatch(new RegExp(`\`${PROXY_SG}\``));
    expect(section).toMatch(/Fix \(console\): /);
    expect(section).toMatch(/Fix \(CLI\): `aws ec2 /);
    expect(section).not.toMatch(new RegExp(`${SANDBOX}|${PROD}|us-east-2|alice`));
  });

  it("the PDF report lists the same gaps, each with what it concerns and the fix, between the investigation and the evidence", async () => {
    const notice = makeNotice({ activityType: "open_proxy", accountIds: [STAGING], regions: ["us-east-1"], instanceIds: [], publicIps: ["198.51.100.128"] });
    const { case: c } = await store.intake({ notice, verdict: makeVerdict(), raw: raw(notice) });
    await recordResolution(store, c.id, await resolveNotice(notice, sim("sample"), { now: NOW }));
    const pdf = await renderPdf(buildReport({ ...(await readCase(store, c.id)), generatedAt: NOW }), { compress: false, createdAt: NOW });
    checkPdf(pdf);
    const lines = pdfText(pdf);
    const all = lines.join(" ").replace(/\s+/g, " ");
    const section = all.slice(all.indexOf("Gaps that let this happen"), all.lastIndexOf("Evidence"));
    expect(all.indexOf("Gaps that let this happen")).toBeGreaterThan(0);
    expect(section).toContain(`from the latest readiness run of each (${STAGING}: run 1, 2026-05-01 09:30:00 UTC)`);
    // a long id wraps inside its cell: compared without the line breaks
    const flat = section.replace(/ /g, "");
    for (const id of ["ec2_instance_imdsv2_enabled", "ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports", "ec2_instance_managed_by_ssm"]) expect(flat).toContain(`(${id})`);
    expect(section).toContain(`its resources: ${PROXY_SG}`);
    expect(section).toMatch(/Fix \(console\): EC2 > Security Groups/);
    expect(section).toMatch(/Fix \(CLI\): aws ec2 revoke-security-group-ingress/);
    // most severe first, as in the Markdown
    expect(flat.indexOf("(ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports)")).toBeLessThan(flat.indexOf("(ec2_instance_managed_by_ssm)"));
    expect(section).not.toMatch(new RegExp(`${SANDBOX}|${PROD}|us-east-2|alice`));
  });

  it("the PDF says when no run is kept for the case's accounts, and lists the checks not run where the case is", async () => {
    const notice = makeNotice({ activityType: "open_proxy", accountIds: [STAGING], regions: ["us-east-1"], instanceIds: [], publicIps: ["198.51.100.128"] });
    const { case: c } = await store.intake({ notice, verdict: makeVerdict(), raw: raw(notice) });
    await recordResolution(store, c.id, await resolveNotice(notice, sim("sample"), { now: NOW }));
    const records = await readCase(store, c.id);
    const text = async (readiness: ReadinessAccountRun[]) => pdfText(await renderPdf(buildReport({ ...records, readiness, generatedAt: NOW }), { compress: false })).join(" ").replace(/\s+/g, " ");
    expect(await text([])).toContain("No readiness run was kept for the accounts of this case: run \"abuse-desk readiness\" to know the gaps.");
    const staging = records.readiness!.find((r) => r.accountId === STAGING)!;
    const denied: ReadinessAccountRun = {
      ...staging,
      results: staging.results.map((r) => (r.id === "guardduty_is_enabled" ? { ...r, status: "could-not-run" as const, notRun: [{ accountId: STAGING, region: "us-east-1", reason: "access denied: guardduty:ListDetectors is not allowed" }], notRunTotal: 1 } : r)),
    };
    expect(await text([denied])).toContain("Not checked (these could not run where this case is, so nothing there is known to be fine): - guardduty_is_enabled in 444455556666: us-east-1: access denied: guardduty:ListDetectors is not allowed");
  });

  it("the PDF shows what the estate wrote as inert text, bounded: bidi and control characters made visible, a long list cut and counted", async () => {
    const notice = makeNotice({ activityType: "open_proxy", accountIds: [STAGING], regions: ["us-east-1"], instanceIds: [], publicIps: ["198.51.100.128"] });
    const { case: c } = await store.intake({ notice, verdict: makeVerdict(), raw: raw(notice) });
    await recordResolution(store, c.id, await resolveNotice(notice, sim("sample"), { now: NOW }));
    const records = await readCase(store, c.id);
    const HOSTILE = "evil\u202Etxt.exe\u001b[31m) Tj ET (x\\";
    const staging = records.readiness!.find((r) => r.accountId === STAGING)!;
    const hostile: ReadinessAccountRun = {
      ...staging,
      results: staging.results.map((r) =>
        r.id === "ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports"
          ? { ...r, failed: [{ accountId: STAGING, region: "us-east-1", id: PROXY_SG, detail: `tag Name=${HOSTILE}${"x".repeat(5000)}` }, ...Array.from({ length: 30 }, (_, i) => ({ accountId: STAGING, region: "us-east-1", id: PROXY_SG, detail: `copy ${i}` }))] }
          : r,
      ),
    };
    const pdf = await renderPdf(buildReport({ ...records, readiness: [hostile], generatedAt: NOW }), { compress: false, createdAt: NOW });
    checkPdf(pdf);
    const all = pdfText(pdf).join(" ").replace(/\s+/g, " ");
    // the bidi override shown as <U+202E>; ESC as its control picture, which the standard fonts cannot show ("?"); PDF syntax stays text
    expect(all).toContain("evil<U+202E>txt.exe?[31m) Tj ET (x\\");
    expect(all).not.toContain("\u202E");
    expect(all).not.toContain("\u001b");
    expect(all).not.toContain("x".repeat(400)); // clipped
    expect(all).toContain("; and 21 more");
    expect(all).not.toContain("copy 9;");
  });
});

describe("scopes: a region's, an account's, a user's gaps", () => {
  const subject = (over: Partial<GapSubject>): GapSubject => ({ accountIds: [], places: [], resources: [], ...over });

  it("a case in the region without a trail gets that gap; the same account's other regions do not", () => {
    const inEast2 = caseGaps(subject({ accountIds: [STAGING], places: [{ accountId: STAGING, region: "us-east-2" }] }), runs);
    expect(summary(inEast2)).toEqual([["cloudtrail_multi_region_enabled", STAGING, "region", ["us-east-2"]]]);
    const inEast1 = caseGaps(subject({ accountIds: [STAGING], places: [{ accountId: STAGING, region: "us-east-1" }] }), runs);
    expect(summary(inEast1)).toEqual([]);
  });

  it("a case in the VPC without flow logs gets that gap; a case in another VPC of the same account does not", () => {
    const vpc = genId("vpc", "111122223333|ap-southeast-2|prod-ap-southeast-2");
    const there = caseGaps(subject({ accountIds: [PROD], places: [{ accountId: PROD, region: "ap-southeast-2" }], resources: [{ accountId: PROD, region: "ap-southeast-2", id: vpc, kind: "vpc" }] }), runs);
    expect(summary(there).filter((g) => g[0] === "vpc_flow_logs_enabled")).toEqual([["vpc_flow_logs_enabled", PROD, "resource", [vpc]]]);
    const elsewhere = caseGaps(subject({ accountIds: [PROD], places: [{ accountId: PROD, region: "eu-west-1" }], resources: [{ accountId: PROD, region: "eu-west-1", id: genId("vpc", "111122223333|eu-west-1|prod-eu-west-1"), kind: "vpc" }] }), runs);
    expect(summary(elsewhere).map((g) => g[0])).not.toContain("vpc_flow_logs_enabled");
  });

  it("the account without a security contact: every case there; not a case of another account", () => {
    expect(summary(caseGaps(subject({ accountIds: [SANDBOX], places: [{ accountId: SANDBOX, region: "us-east-1" }] }), runs))).toEqual([["account_security_contact_information_is_registered", SANDBOX, "account", [SANDBOX]]]);
    expect(summary(caseGaps(subject({ accountIds: [PROD], places: [{ accountId: PROD, region: "eu-west-1" }] }), runs))).toEqual([]);
  });

  it("an exposed key's case: its user's old key; another user's case: nothing", () => {
    const alice = caseGaps(subject({ accountIds: [PROD], resources: [{ accountId: PROD, id: "alice", kind: "iam-user" }] }), runs);
    expect(summary(alice)).toEqual([["iam_rotate_access_keys_90_days", PROD, "resource", ["alice#key1"]]]);
    expect(summary(caseGaps(subject({ accountIds: [PROD], resources: [{ accountId: PROD, id: "bob", kind: "iam-user" }] }), runs))).toEqual([]);
  });

  it("the same resource id in another account is not the case's", () => {
    expect(summary(caseGaps(subject({ accountIds: [PROD], resources: [{ accountId: PROD, region: "us-east-1", id: PROXY_SG, kind: "security-group" }] }), runs))).toEqual([]);
  });

  it("a check that could not run where the case is: not checked, never 'no gap'", () => {
    const denied: ReadinessAccountRun = {
      ...runs.find((r) => r.accountId === STAGING)!,
      results: runs
        .find((r) => r.accountId === STAGING)!
        .results.map((r) => (r.id === "guardduty_is_enabled" ? { ...r, status: "could-not-run" as const, notRun: [{ accountId: STAGING, region: "us-east-1", reason: "access denied: guardduty:ListDetectors is not allowed", action: "guardduty:ListDetectors" }], notRunTotal: 1 } : r)),
    };
    const g = caseGaps(subject({ accountIds: [STAGING], places: [{ accountId: STAGING, region: "us-east-1" }] }), [denied]);
    expect(g.notChecked.map((n) => [n.checkId, n.notRun.map((w) => w.region)])).toEqual([["guardduty_is_enabled", ["us-east-1"]]]);
    const elsewhere = caseGaps(subject({ accountIds: [STAGING], places: [{ accountId: STAGING, region: "eu-west-1" }] }), [denied]);
    expect(elsewhere.notChecked).toEqual([]);
  });

  it("an account with no run kept is said", () => {
    const g = caseGaps(subject({ accountIds: ["999999999999"] }), runs);
    expect(g).toEqual({ gaps: [], notChecked: [], runs: [], noRun: ["999999999999"] });
  });
});
