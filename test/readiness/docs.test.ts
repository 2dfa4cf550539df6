import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { CHECKS } from "../../src/readiness/checks.ts";
import { readinessDoc } from "../../src/readiness/doc.ts";

it("docs/readiness.md is the catalogue as it runs (npx tsx scripts/gen-readiness-docs.ts)", () => {
  const doc = readFileSync(new URL("../../docs/readiness.md", import.meta.url), "utf8");
  expect(doc).toBe(readinessDoc());
  for (const c of CHECKS) expect(doc).toContain(`### \`${c.id}\``);
  expect(new Set(CHECKS.map((c) => c.id)).size).toBe(CHECKS.length);
});
