/**
 * The report and the reply state what the investigation found: the activity confirmed (with its
 * figures), the likely cause, whether the traffic stopped after containment; a case never
 * investigated states none of it; a hostile summary cannot break the Markdown.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { investigationStatement } from "../../src/investigate/statement.ts";
import { renderMarkdown } from "../../src/report/markdown.ts";
import { renderPdf } from "../../src/report/pdf.ts";
import { checkPdf, pdfText } from "../report/pdf-text.ts";
import { reportForCase } from "../../src/report/model.ts";
import { replyForCase } from "../../src/reply/case.ts";
import { makeNotice, makeVerdict, raw } from "../case/fixtures.ts";

let home: string;
let store: CaseStore;
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), "abuse-desk-statement-"));
  store = await openStore({ home, url: undefined });
});
afterEach(async () => {
  await store.destroy();
  rmSync(home, { recursive: true, force: true });
});

const W = { start: "2026-05-04T07:30:00.000Z", end: "2026-05-04T09:00:00.000Z" };

async function investigated(): Promise<string> {
  const n = makeNotice();
  const id = (await store.intake({ notice: n, verdict: makeVerdict("authentic"), raw: raw(n) })).case.id;
  await store.recordInvestigation(id, {
    startedAt: "2026-05-04T10:00:00.000Z",
    finishedAt: "2026-05-04T10:01:00.000Z",
    options: {},
    subject: {},
    readers: [{ name: "flows", status: "ran", findings: 2, artifacts: 1 }],
    findings: [
      { kind: "flow.scan.confirmed", area: "flow-logs", severity: "high", subject: "eni-1", summary: "412 distinct destinations on 22/tcp in one minute", sources: [{ evidence: "flow query" }] },
      { kind: "host.miner.running", area: "host", severity: "critical", subject: "i-1", summary: "xmrig running as www-data | <script>alert(1)</script>", sources: [{ evidence: "host triage i-1" }] },
    ],
    activity: [{ verdict: "confirmed", networkInterfaceIds: ["eni-1"], window: W, stoppedAfterContainment: true, query: "SELECT dstport, count(DISTINCT dstaddr) FROM vpc_flow_logs", figures: { maxDistinctPerMinute: 412 } }],
    notSearched: [{ what: "CloudTrail", reason: "this build has no reader for it" }],
    evidenceIds: [],
  });
  return id;
}

describe("the investigation's statement", () => {
  it("the report has an Investigation section: confirmed with figures, likely cause, stopped after containment, sources, not searched", async () => {
    const id = await investigated();
    const r = await reportForCase(store, id);
    expect(r.investigation!.likelyCause).toBe("xmrig running as www-data | <script>alert(1)</script>");
    const md = renderMarkdown(r);
    expect(md).toContain("## Investigation (partial: something was not searched)");
    expect(md).toContain("The reported activity was confirmed in the VPC flow logs of eni-1 between 2026-05-04 07:30:00 UTC and 2026-05-04 09:00:00 UTC (maxDistinctPerMinute 412).");
    expect(md).toContain("No traffic of the reported kind was seen on eni-1 after containment.");
    expect(md).toContain("host triage i-1");
    expect(md).toContain("CloudTrail: this build has no reader for it");
    expect(md).not.toContain("<script>");
  });

  it("the PDF report shows the same: the verdict with its figures and query, the findings with their sources, what was not searched", async () => {
    const id = await investigated();
    const pdf = await renderPdf(await reportForCase(store, id), { compress: false, createdAt: new Date("2026-05-04T12:00:00Z") });
    checkPdf(pdf);
    // table cells and long lines wrap: compare the text with line breaks as spaces
    const all = pdfText(pdf).join(" ").replace(/\s+/g, " ");
    for (const s of [
      "Investigation (partial: something was not searched)",
      "Activity confirmed: The reported activity was confirmed in the VPC flow logs of eni-1 between 2026-05-04 07:30:00 UTC and 2026-05-04 09:00:00 UTC (maxDistinctPerMinute 412).",
      "Query: SELECT dstport, count(DISTINCT dstaddr) FROM vpc_flow_logs",
      "Likely cause: xmrig running as www-data | <script>alert(1)</script>",
      "No traffic of the reported kind was seen on eni-1 after containment.",
      "412 distinct destinations on 22/tcp in one minute",
      "Sources: flow query",
      "Sources: host triage i-1",
      "Not searched (nothing there is known to be absent):",
      "- CloudTrail: this build has no reader for it",
    ])
      expect(all, s).toContain(s);
    // a case never investigated has no such section
    const n = makeNotice({ instanceIds: ["i-0fedcba9876543210"], publicIps: ["203.0.113.222"] });
    const other = (await store.intake({ notice: n, verdict: makeVerdict("authentic"), raw: raw(n) })).case.id;
    expect(pdfText(await renderPdf(await reportForCase(store, other), { compress: false })).join(" ")).not.toContain("Investigation (");
  });

  it("the reply states the confirmation and the likely cause as the root cause (a person's --root-cause wins)", async () => {
    const id = await investigated();
    const { draft } = await replyForCase(store, id);
    expect(draft.text).toContain("The reported activity was confirmed in the VPC flow logs of eni-1");
    expect(draft.text).toContain("Root cause: xmrig running as www-data");
    const own = await replyForCase(store, id, { options: { rootCause: "a weak SSH password" } });
    expect(own.draft.text).toContain("Root cause: a weak SSH password.");
  });

  it("a case never investigated states nothing of it", async () => {
    const n = makeNotice();
    const id = (await store.intake({ notice: n, verdict: makeVerdict("authentic"), raw: raw(n) })).case.id;
    expect((await reportForCase(store, id)).investigation).toBeNull();
    expect(renderMarkdown(await reportForCase(store, id))).not.toContain("## Investigation");
    expect((await replyForCase(store, id)).draft.text).toContain("Our investigation of the root cause is ongoing");
    expect(investigationStatement([])).toBeNull();
  });
});
