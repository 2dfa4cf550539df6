/**
 * Writes docs/readiness.md from the check catalogue (src/readiness/checks.ts); test/readiness/docs.test.ts fails when it is stale.
 *     npx tsx scripts/gen-readiness-docs.ts
 */
import { writeFileSync } from "node:fs";
import { readinessDoc } from "../src/readiness/doc.ts";

const target = new URL("../docs/readiness.md", import.meta.url).pathname;
writeFileSync(target, readinessDoc());
console.log(`wrote ${target}`);
