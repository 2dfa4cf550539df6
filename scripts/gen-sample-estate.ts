/**
 * Writes fixtures/estates/sample.yaml, the bundled sample estate, from src/cloud/sim/generate.ts.
 * Deterministic: running it again writes the same bytes (`--check` fails when the file is stale).
 *
 *     npx tsx scripts/gen-sample-estate.ts [--check]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { sampleEstate, sampleEstateYaml } from "../src/cloud/sim/generate.ts";
import { validateEstate } from "../src/cloud/sim/load.ts";

const target = new URL("../fixtures/estates/sample.yaml", import.meta.url).pathname;
validateEstate(sampleEstate(), "sample estate");
const text = sampleEstateYaml();
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error(`${target} is stale: run npx tsx scripts/gen-sample-estate.ts`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target} (${text.length} bytes)`);
}
