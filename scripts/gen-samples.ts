/**
 * Writes fixtures/samples/port-scan.eml: the drill's notice at a fixed time (inside the sample
 * estate's history), signed with the drill key, for the README's examples and the tests.
 * `npx tsx scripts/gen-samples.ts`; test/desk/samples.test.ts fails when the file is stale.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { composeDrillNotice } from "../src/drill/index.ts";

export const SAMPLE_TIME = new Date("2026-05-01T09:05:00Z");
export const SAMPLE_FILE = join(import.meta.dirname, "../fixtures/samples/port-scan.eml");

export function samplePortScan(): Promise<Buffer> {
  return composeDrillNotice(SAMPLE_TIME, { messageId: "0100018f2d3c4b5a-sample-port-scan" });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SAMPLE_FILE, await samplePortScan());
  console.log(`wrote ${SAMPLE_FILE}`);
}
