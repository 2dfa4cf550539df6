/**
 * The readiness page (/readiness) and the case page's gaps: the latest kept run of each account
 * with its score, trend, failing checks by severity with resources and fix, and the checks that
 * could not run (never shown as passed); any signed-in role may read it, nobody else; everything
 * from the estate is escaped. The case page lists the gaps that let it happen and links here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_ESTATE } from "../../src/cloud/open.ts";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import { CHECKS } from "../../src/readiness/checks.ts";
import { runReadiness } from "../../src/readiness/run.ts";
import type { ReadinessReport } from "../../src/readiness/types.ts";
import { composeDrillNotice, DRILL_DIR } from "../../src/drill/index.ts";
import { DnsCache } from "../../src/verify/dns.ts";
import { drillCase, type DrillCase } from "./case-fixture.ts";
import { BASE, webFixture, type WebFixture } from "./helpers.ts";

const NOW = new Date("2026-05-01T09:30:00Z");
const estate = readFileSync(SAMPLE_ESTATE, "utf8");
const sim = (faults: ConstructorParameters<typeof SimAccount>[1] = {}) => new SimAccount(parseEstate(estate, "sample.yaml").state, faults);
const intakeSources = [{ name: "sqs", kind: "sqs" }];
const HOSTILE_ACCOUNT = "999900001111";
const PAYLOAD = `<script>window.__pwned="readiness"</script>"><img src=x onerror=alert(1)>\u202Eevil`;

function hostileRun(): ReadinessReport {
  return {
    generatedAt: NOW.toISOString(),
    source: `<b>sim</b>`,
    accounts: [{ accountId: HOSTILE_ACCOUNT, name: `<i>${PAYLOAD}</i>`, regions: 1, reachable: true }],
    score: 10,
    counts: { pass: 0, fail: 1, "could-not-run": 1 },
    checks: [
      {
        id: "ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports",
        title: "No security group in use opens proxy ports to the internet",
        severity: "high",
        category: "exposure",
        why: "w",
        remediation: { console: "c", cli: "x" },
        status: "fail",
        examined: 1,
        failed: [{ accountId: HOSTILE_ACCOUNT, region: "eu-west-1", id: `sg-${PAYLOAD}`, detail: `tag Name=${PAYLOAD}` }],
        notRun: [],
      },
      {
        id: "guardduty_is_enabled",
        title: "GuardDuty is enabled in every enabled region",
        severity: "high",
        category: "logging",
        why: "w",
        remediation: { console: "c", cli: "x" },
        status: "could-not-run",
        examined: 0,
        failed: [],
        notRun: [{ accountId: HOSTILE_ACCOUNT, region: "eu-west-1", reason: `access denied: ${PAYLOAD}`, action: "guardduty:ListDetectors" }],
      },
    ],
    elapsedMs: 1,
  };
}

let w: WebFixture;
let drill: DrillCase;

beforeAll(async () => {
  w = await webFixture({ now: () => NOW });
});
afterAll(async () => {
  await drill?.close();
  await w?.close();
});

describe("the readiness page", () => {
  it("says when no run is kept, and how to get one", async () => {
    const v = await w.agent("r-viewer", "viewer");
    const res = await v.get("/readiness");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("No readiness run is kept yet");
    expect(html).toContain('href="/readiness" aria-current="page"');
  });

  it("asks to sign in first, and keeps its CSP", async () => {
    const res = await w.request("/readiness");
    expect(res.status).toBe(303);
    const v = await w.agent("r-viewer", "viewer");
    const ok = await v.get("/readiness");
    expect(ok.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    expect(ok.headers.get("content-security-policy")).not.toMatch(/unsafe-inline/);
  });

  it("shows the latest run of each account: score, trend, failing checks by severity with resources and fix, what could not run", async () => {
    await w.store.recordReadinessRun(await runReadiness(sim(), { now: new Date(NOW.getTime() - 86_400_000), intakeSources }));
    await w.store.recordReadinessRun(await runReadiness(sim({ faults: [{ call: "ec2:DescribeFlowLogs", accessDenied: true }] }), { now: NOW, intakeSources }));
    const v = await w.agent("r-viewer", "viewer");
    const html = await (await v.get("/readiness")).text();
    for (const a of ["111122223333", "444455556666", "777788889999"]) expect(html).toContain(`href="/readiness?account=${a}#account-${a}"`);
    // the proxy port gap with its resource and fix
    const staging = html.slice(html.indexOf('id="account-444455556666"'));
    expect(staging).toContain("sg-0b5c6d7e8f9a0f128");
    expect(staging).toContain("<code>ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports</code>");
    expect(staging).toContain("aws ec2 revoke-security-group-ingress");
    expect(staging).toMatch(/Fix \(console\)/);
    // the flow-log check could not run in the latest run: under "Could not run", not among the passed or failed
    const notRun = staging.slice(staging.indexOf("<h3>Could not run</h3>"), staging.indexOf("</section>"));
    expect(notRun).toContain("<code>vpc_flow_logs_enabled</code>");
    expect(notRun).toContain("ec2:DescribeFlowLogs");
    expect(staging.slice(0, staging.indexOf("<h3>Could not run</h3>"))).not.toContain("<code>vpc_flow_logs_enabled</code>");
    // the trend: two runs, oldest first
    expect(staging).toMatch(/Scores of the last 2 runs, oldest first: <span>\d+ → \d+ <span class="muted">\((down|up|steady) over 2 runs\)/);
    // severities in order
    expect(staging.indexOf('class="sev high"')).toBeLessThan(staging.indexOf('class="sev medium"'));
  });

  it("one account on its own with ?account=; an account id that is not one shows nothing of anyone's details", async () => {
    const v = await w.agent("r-viewer", "viewer");
    const one = await (await v.get("/readiness?account=777788889999")).text();
    expect(one).toContain('id="account-777788889999"');
    expect(one).not.toContain('id="account-444455556666"');
    const junk = await v.get(`/readiness?account=${encodeURIComponent("<script>x</script>")}`);
    expect(junk.status).toBe(200);
    const text = await junk.text();
    expect(text).toContain("No readiness run is kept for that account.");
    expect(text).not.toContain("<script>x");
  });

  it("escapes everything the estate said: resource ids, names, details, reasons", async () => {
    await w.store.recordReadinessRun(hostileRun());
    const v = await w.agent("r-viewer", "viewer");
    const html = await (await v.get(`/readiness?account=${HOSTILE_ACCOUNT}`)).text();
    const main = html.slice(html.indexOf("<main"));
    expect(main).not.toContain("<script>");
    expect(main).not.toContain("<img");
    expect(main).not.toContain("<i>");
    expect(main).not.toContain("<b>");
    expect(main).toContain("&lt;script&gt;window.__pwned=");
    expect(main).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(main).toContain("&lt;U+202E&gt;evil");
    expect(main).not.toContain("\u202E");
  });
});

describe("the readiness page after older runs were pruned", () => {
  it("the trend reads the runs the retention kept, oldest first; an account's latest run stays however old", async () => {
    const x = await webFixture({ now: () => NOW });
    try {
      const retention = { keepRuns: 2, keepDays: 30 };
      const at = (d: number) => new Date(NOW.getTime() + d * 86_400_000);
      // sandbox only in the first run; then three runs of staging, the last with flow logs denied
      await x.store.recordReadinessRun(await runReadiness(sim(), { now: at(0), accounts: ["444455556666", "777788889999"], intakeSources }), { now: at(0), retention });
      await x.store.recordReadinessRun(await runReadiness(sim(), { now: at(1), accounts: ["444455556666"], intakeSources }), { now: at(1), retention });
      const last = await x.store.recordReadinessRun(await runReadiness(sim({ faults: [{ call: "ec2:DescribeFlowLogs", accessDenied: true }] }), { now: at(2), accounts: ["444455556666"], intakeSources }), { now: at(2), retention });
      expect(last.pruned).toEqual({ accountRuns: 1, runs: 0, results: CHECKS.length });
      const v = await x.agent("p-viewer", "viewer");
      const html = await (await v.get("/readiness")).text();
      const staging = html.slice(html.indexOf('id="account-444455556666"'), html.indexOf("</section>", html.indexOf('id="account-444455556666"')));
      expect(staging).toMatch(/Scores of the last 2 runs, oldest first: <span>\d+ → \d+ <span class="muted">\(down over 2 runs\)/);
      // sandbox's one run is its latest: still shown
      expect(html).toContain('id="account-777788889999"');
    } finally {
      await x.close();
    }
  });
});

describe("the case page: gaps that let this happen", () => {
  it("lists the failing checks of the case's resources, region and account, with the fix and a link to the readiness page; nothing of other accounts", async () => {
    drill = await drillCase({ now: NOW, store: w.store, plan: false });
    const v = await w.agent("r-viewer", "viewer");
    const html = await (await v.get(`/cases/${drill.caseId}`)).text();
    const section = html.slice(html.indexOf('<section id="gaps"'), html.indexOf("</section>", html.indexOf('<section id="gaps"')));
    expect(section).toContain("Gaps that let this happen");
    expect(section).toContain('href="/readiness?account=111122223333#account-111122223333"');
    expect(section).toContain("<code>ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22_3389</code>");
    expect(section).toContain("sg-0a1b2c3d4e5f6a7b8");
    expect(section).toContain("Fix (CLI)");
    expect(section).not.toMatch(/777788889999|444455556666|proxy_ports|alice/);
  });
});

describe("a case taken in through the intake page (the browser's path)", () => {
  const gapsOf = (html: string) => html.slice(html.indexOf('<section id="gaps"'), html.indexOf("</section>", html.indexOf('<section id="gaps"')));
  const checkIds = (section: string) => [...section.matchAll(/<\/strong> <code>([^<]+)<\/code>/g)].map((m) => m[1]);

  it("is in the account its resources were found in, and reads the latest run at each load: none kept, then the run kept after it was opened, the same gaps as a case built directly", async () => {
    const dns = DnsCache.parse(readFileSync(join(DRILL_DIR, "dns.json"), "utf8"), { missCode: "ENOTFOUND" });
    const x = await webFixture({ now: () => NOW, deps: { verify: { resolver: dns.resolve, now: NOW } } });
    try {
      const r = await x.agent("g-resp", "responder");
      const fd = new FormData();
      fd.set("file", new Blob([new Uint8Array(await composeDrillNotice(NOW))]), "notice.eml");
      const res = await r.request("/intake", { method: "POST", headers: { origin: BASE, "x-csrf-token": r.csrf }, body: fd });
      expect(res.status).toBe(200);
      const id = /href="\/cases\/(AD-[^"]+)"/.exec(await res.text())?.[1];
      expect(id).toBeTruthy();
      // the account as the store keeps every other one: the 12-digit id, never an alias, "*" or nothing
      expect((await x.store.requireCase(id!)).accountIds).toEqual(["111122223333"]);
      const before = gapsOf(await (await r.get(`/cases/${id}`)).text());
      expect(before).toContain("No readiness run is kept for the accounts of this case");
      // a run kept after the case was opened: the next load of the page shows it
      await x.store.recordReadinessRun(await runReadiness(sim(), { now: NOW, intakeSources }));
      const after = gapsOf(await (await r.get(`/cases/${id}`)).text());
      expect(after).toContain('href="/readiness?account=111122223333#account-111122223333"');
      expect(after).not.toContain("No readiness run is kept");
      expect(checkIds(after)).toEqual(["ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22_3389"]);
      // the same notice built directly (intakeItem, no browser) in a store with the same run: the same gaps
      const direct = await drillCase({ now: NOW, plan: false });
      try {
        await direct.store.recordReadinessRun(await runReadiness(sim(), { now: NOW, intakeSources }));
        const y = await webFixture({ now: () => NOW, store: direct.store });
        try {
          const v = await y.agent("g-viewer", "viewer");
          expect(checkIds(gapsOf(await (await v.get(`/cases/${direct.caseId}`)).text()))).toEqual(checkIds(after));
        } finally {
          await y.close();
        }
      } finally {
        await direct.close();
      }
    } finally {
      await x.close();
    }
  });
});
