/**
 * Opens the store, says `ready`, waits for `go` on stdin, triages one notice and prints the result
 * as JSON. Several of these started together race on the same notice.
 *
 *   node --import tsx test/case/child/intake-once.ts '{"url":"...","notice":{...},"raw":"base64"}'
 */
import { createInterface } from "node:readline";
import { openStore } from "../../../src/case/index.ts";
import type { Notice } from "../../../src/notice/types.ts";
import { makeVerdict } from "../fixtures.ts";

const { url, notice, raw } = JSON.parse(process.argv[2]!) as { url: string; notice: Notice; raw: string };
const store = await openStore({ url });
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== "go") continue;
  const r = await store.intake({ notice, verdict: makeVerdict(), raw: Buffer.from(raw, "base64") });
  process.stdout.write(JSON.stringify({ caseId: r.case.id, created: r.created, duplicate: r.duplicate, noticeId: r.notice.id }) + "\n");
  break;
}
lines.close();
await store.destroy();
