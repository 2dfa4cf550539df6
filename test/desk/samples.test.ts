/** The bundled sample notice the README's examples use: current, authentic under the drill's DNS, and about the demo incident. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SAMPLE_FILE, samplePortScan } from "../../scripts/gen-samples.ts";
import { DRILL_DIR } from "../../src/drill/index.ts";
import type { TriageJson as TriageReport } from "../../src/cli/json/view.ts";
import { runCli } from "../helpers/cli.ts";

describe("fixtures/samples/port-scan.eml", () => {
  it("is what scripts/gen-samples.ts writes", async () => {
    expect(readFileSync(SAMPLE_FILE).equals(await samplePortScan())).toBe(true);
  });

  it("triages as the README says: authentic, the demo instance found, a day to answer", async () => {
    const r = await runCli("triage", SAMPLE_FILE, "--account", "sim", "--offline", "--dns-cache", join(DRILL_DIR, "dns.json"), "--now", "2026-05-01T10:00:00Z", "--json");
    expect(r.code).toBe(0);
    const t = JSON.parse(r.out) as TriageReport;
    expect(t.verdict.level).toBe("authentic");
    expect(t.deadline.text).toBe("23 h left");
    expect(t.resolution!.findings.map((f) => [f.ref.id, f.status])).toEqual([
      ["i-0a1b2c3d4e5f67890", "found"],
      ["198.51.100.23", "found"],
    ]);
    const human = await runCli("triage", SAMPLE_FILE, "--account", "sim", "--offline", "--dns-cache", join(DRILL_DIR, "dns.json"), "--now", "2026-05-01T10:00:00Z");
    expect(human.out).toContain("198.51.100.23: held by i-0a1b2c3d4e5f67890 (above)");
    expect(human.out).not.toContain("signatures were not checked");
  });
});
