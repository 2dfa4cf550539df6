/**
 * An mbox file read as a stream, one message at a time: memory is bounded by the largest message
 * (and the read buffer), not by the file, however many notices it holds. Each message comes out as
 * exactly the bytes `splitMbox` gives for it (From_ line removed, the separating empty line left
 * to the mbox, mboxrd quoting undone).
 */
import { createReadStream, statSync } from "node:fs";
import { splitMbox } from "./mbox.ts";

/** A message larger than this is reported as a failure, not held. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const FROM_LINE = /^From \S+/;

export interface MboxProgress {
  messages: number;
  bytesRead: number;
  totalBytes: number;
}

export type MboxPiece = { index: number; bytes: Buffer } | { index: number; error: string };

/** True when the file at `path` starts like an mbox (a From_ line, then a header). */
export { isMbox } from "./mbox.ts";

/** The messages of the mbox at `path`, in order; `onProgress` after each. */
export async function* mboxMessages(path: string, o: { onProgress?: (p: MboxProgress) => void; chunkBytes?: number; maxMessageBytes?: number } = {}): AsyncGenerator<MboxPiece> {
  const totalBytes = statSync(path).size;
  const max = o.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  let bytesRead = 0;
  let index = 0;
  // The message being collected (from its From_ line), as chunks; `skipping` once it is too large.
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let started = false;
  // Bytes not yet scanned for a boundary (a line not yet complete stays here).
  let tail: Buffer = Buffer.alloc(0);
  /** The last byte(s) handed to `parts`: to know whether a From_ line follows an empty line. */
  let before = "\n\n";

  const finish = (last: boolean): MboxPiece | null => {
    if (!started) return null;
    const i = index++;
    if (skipping) return { index: i, error: `the message is larger than ${max} bytes` };
    let region = Buffer.concat(parts, size);
    if (!last) {
      // the empty line that separates messages belongs to the mbox
      let end = region.length;
      if (region[end - 1] === 0x0a) end--;
      if (region[end - 1] === 0x0d) end--;
      region = region.subarray(0, end);
    }
    const [msg] = splitMbox(region);
    return msg ? { index: i, bytes: msg } : { index: i, error: "an empty message" };
  };
  const keep = (b: Buffer) => {
    if (b.length === 0) return;
    before = (before + b.toString("latin1", Math.max(0, b.length - 3))).slice(-3);
    if (skipping) return;
    size += b.length;
    if (size > max) {
      skipping = true;
      parts = [];
      return;
    }
    parts.push(b);
  };

  const stream = createReadStream(path, { highWaterMark: o.chunkBytes ?? 1024 * 1024 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    const buf = tail.length ? Buffer.concat([tail, chunk]) : chunk;
    // Scan line by line for From_ lines at the start of a line after an empty line.
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break;
      const line = buf.subarray(pos, nl + 1);
      const blankBefore = before.endsWith("\n\n") || before.endsWith("\n\r\n") || (!started && bytesRead - chunk.length + pos === 0);
      if (line.length >= 5 && line.toString("latin1", 0, 5) === "From " && blankBefore && FROM_LINE.test(line.toString("latin1", 0, Math.min(line.length, 300)))) {
        const done = finish(false);
        if (done) {
          yield done;
          o.onProgress?.({ messages: index, bytesRead, totalBytes });
        }
        parts = [];
        size = 0;
        skipping = false;
        started = true;
      }
      if (started) keep(line);
      else before = (before + line.toString("latin1", Math.max(0, line.length - 3))).slice(-3);
      pos = nl + 1;
    }
    tail = Buffer.from(buf.subarray(pos));
    if (tail.length > max + 1024) {
      // one line longer than a message may be: it is not kept
      if (started) keep(tail);
      tail = Buffer.alloc(0);
    }
  }
  if (tail.length && started) keep(tail);
  const last = finish(true);
  if (last) {
    yield last;
    o.onProgress?.({ messages: index, bytesRead, totalBytes });
  }
}
