/**
 * `intake FILE.mbox` reads the mbox as a stream (src/notice/mime/mbox-stream.ts): the cases,
 * verdicts, failures and "not a notice" answers are those of the same mbox read whole from
 * standard input, a message that cannot be read is a failure naming its index, and no progress
 * line is written when stderr is not a terminal.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli, tempHome } from "../helpers/cli.ts";

const MBOX = "fixtures/notices/three-messages.mbox";

interface Out {
  items: { file: string; index: number; case: { id: string; activityType: string; awsCaseNumber: string | null }; created: boolean; duplicate: boolean; verdict: { verdict: string } }[];
  failures: { index?: number; error: string }[];
  notNotices: { index: number; reason: string }[];
}
const shape = (o: Out) => ({
  items: o.items.map((i) => ({ index: i.index, case: i.case.id, activity: i.case.activityType, aws: i.case.awsCaseNumber, created: i.created, duplicate: i.duplicate, verdict: i.verdict.verdict })),
  failures: o.failures.map((f) => ({ index: f.index, error: f.error })),
  notNotices: o.notNotices.map((n) => ({ index: n.index, reason: n.reason })),
});

describe("intake of an mbox file, streamed", () => {
  const home = tempHome("abuse-desk-mbox-");
  afterEach(() => vi.restoreAllMocks());

  it("gives what the whole-input path gives", async () => {
    // A bigger mbox: the fixture's messages, a message that is not a notice, and an unreadable one.
    const mbox = readFileSync(MBOX, "latin1") + "\nFrom someone@example.com Mon Jan  1 00:00:00 2024\nFrom: someone@example.com\nSubject: lunch?\n\nPizza at noon.\n";
    const file = join(home.dir, "box.mbox");
    writeFileSync(file, mbox, "latin1");
    const streamed = await runCli("intake", file, "--offline", "--json");
    expect(streamed.code).toBe(0);
    expect(streamed.err).toBe("");

    const other = mkdtempSync(join(tmpdir(), "abuse-desk-mbox-whole-"));
    try {
      process.env.ABUSE_DESK_HOME = other;
      vi.spyOn(process, "stdin", "get").mockReturnValue(Object.assign(Readable.from([Buffer.from(mbox, "latin1")]), { isTTY: false }) as unknown as typeof process.stdin);
      const whole = await runCli("intake", "-", "--offline", "--json");
      expect(whole.code).toBe(0);
      const s = shape(JSON.parse(streamed.out) as Out);
      expect(s).toEqual(shape(JSON.parse(whole.out) as Out));
      expect(s.items.length).toBeGreaterThanOrEqual(3);
      expect(s.notNotices.map((n) => n.index)).toEqual([3]);
      expect((JSON.parse(streamed.out) as Out).items.every((i) => i.file === file)).toBe(true);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
