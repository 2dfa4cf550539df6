/**
 * The case page's Investigation section: what the latest investigation states, with its sources,
 * escaped (a finding quotes data from the account), and "not investigated yet" before any run.
 */
import { afterEach, describe, expect, it } from "vitest";
import { drillCase, type DrillCase } from "./case-fixture.ts";
import { webFixture, type WebFixture } from "./helpers.ts";

let d: DrillCase;
let w: WebFixture;
afterEach(async () => {
  await w?.close();
  await d?.close();
});

describe("the case page's Investigation section", () => {
  it("shows the activity verdict, the likely cause and each finding with its sources, escaped; before any run, how to run one", async () => {
    d = await drillCase();
    w = await webFixture({ store: d.store, now: () => d.now });
    const viewer = await w.agent("vera", "viewer");
    const before = await (await viewer.get(`/cases/${d.caseId}`)).text();
    expect(before).toContain('id="investigation"');
    expect(before).toContain(`Not investigated yet: <code>abuse-desk investigate ${d.caseId}</code>`);

    await d.store.recordInvestigation(d.caseId, {
      startedAt: "2026-05-04T10:00:00.000Z",
      finishedAt: "2026-05-04T10:01:00.000Z",
      options: {},
      subject: {},
      readers: [{ name: "host", status: "ran", findings: 1, artifacts: 1 }],
      findings: [{ kind: "host.miner.running", area: "host", severity: "critical", subject: "i-0a1b2c3d4e5f67890", summary: 'xmrig "<img src=x onerror=alert(1)>" \u001b[31m', sources: [{ evidence: "host triage <b>i-0a1b</b>" }] }],
      activity: [{ verdict: "not-observed", networkInterfaceIds: ["eni-1"], window: { start: "2026-05-04T07:30:00.000Z", end: "2026-05-04T09:00:00.000Z" }, stoppedAfterContainment: null, query: "SELECT", figures: {} }],
      notSearched: [{ what: "CloudTrail", reason: "access denied" }],
      evidenceIds: [],
    });
    const html = await (await viewer.get(`/cases/${d.caseId}`)).text();
    const section = html.slice(html.indexOf('id="investigation"'), html.indexOf('id="evidence"'));
    expect(section).toContain("The VPC flow logs of eni-1 show no traffic of the reported kind");
    expect(section).toContain("Likely cause: xmrig");
    expect(section).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(section).not.toContain("<img");
    expect(section).not.toContain("<b>i-0a1b</b>");
    expect(section).not.toContain("\u001b");
    expect(section).toContain("CloudTrail: access denied");
    expect(section).toContain("(partial: something was not searched)");
  });
});
