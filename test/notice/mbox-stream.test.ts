/**
 * The streamed mbox gives exactly the messages splitMbox gives, whatever the read size (a From_
 * line, a CRLF, a ">From " quote cut across reads), and a message over the limit is a failure,
 * not held.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { splitMbox } from "../../src/notice/mime/mbox.ts";
import { mboxMessages, type MboxPiece } from "../../src/notice/mime/mbox-stream.ts";

const dir = mkdtempSync(join(tmpdir(), "mbox-stream-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function streamed(content: string | Buffer, chunkBytes: number, maxMessageBytes?: number): Promise<MboxPiece[]> {
  const file = join(dir, `m${n++}.mbox`);
  writeFileSync(file, content);
  const out: MboxPiece[] = [];
  for await (const p of mboxMessages(file, { chunkBytes, ...(maxMessageBytes ? { maxMessageBytes } : {}) })) out.push(p);
  return out;
}

const msg = (i: number, body: string, eol = "\n") => [`From sender${i}@example.com Mon Jan  1 00:00:00 2024`, `Subject: n${i}`, "", ...body.split("\n")].join(eol);

describe("mboxMessages", () => {
  it("equals splitMbox for every read size", async () => {
    const mbox = [msg(1, "hello\n>From quoted\nFrom inside body not after blank"), msg(2, "second\n\nFrom is a word here"), msg(3, "crlf body", "\r\n")].join("\n\n") + "\n";
    const want = splitMbox(Buffer.from(mbox, "latin1")).map((b) => b.toString("latin1"));
    expect(want).toHaveLength(4); // "From is a word" after an empty line starts a message, as in splitMbox
    for (const size of [1, 2, 3, 7, 16, 64, 1 << 20]) {
      const got = await streamed(mbox, size);
      expect(got.map((p) => ("bytes" in p ? p.bytes.toString("latin1") : p.error)), `chunk ${size}`).toEqual(want);
      expect(got.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    }
  });

  it("equals splitMbox on arbitrary mboxes (property)", async () => {
    const line = fc.oneof(fc.constantFrom("", "From x@y Mon", ">From q", ">>From q", "From", "\r", "body text"), fc.string({ maxLength: 12 }).map((s) => s.replace(/\n/g, "")));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(line, { maxLength: 6 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 40 }), async (bodies, size) => {
        const mbox = bodies.map((b, i) => msg(i, b.join("\n"))).join("\n\n");
        const want = splitMbox(Buffer.from(mbox, "latin1")).map((b) => b.toString("latin1"));
        const got = (await streamed(mbox, size)).flatMap((p) => ("bytes" in p ? [p.bytes.toString("latin1")] : []));
        expect(got).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  it("a message over the limit is a failure and the next ones still come", async () => {
    const mbox = [msg(1, "x".repeat(5000)), msg(2, "small")].join("\n\n");
    const got = await streamed(mbox, 256, 1000);
    expect(got[0]).toEqual({ index: 0, error: "the message is larger than 1000 bytes" });
    expect(got[1] && "bytes" in got[1] && got[1].bytes.toString()).toContain("Subject: n2");
  });
});
