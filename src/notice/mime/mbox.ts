/**
 * mbox files: messages separated by "From " lines (mboxo and mboxrd). Split by hand on the bytes,
 * which is much cheaper than a parser, and `>From ` quoting undone (mboxrd: one `>` removed from
 * any line of `>`s followed by "From ").
 */

const FROM_LINE = /^From \S+/;

/** True when `buf` starts with an mbox "From " line followed by a header. */
export function isMbox(buf: Buffer): boolean {
  if (buf.length < 8 || buf.toString("latin1", 0, 5) !== "From ") return false;
  const nl = buf.indexOf(0x0a);
  if (nl < 0) return false;
  const next = buf.toString("latin1", nl + 1, Math.min(buf.length, nl + 200));
  return /^[!-9;-~]+:/.test(next) || next.startsWith("\n") || next.startsWith("\r\n");
}

/** The messages of an mbox, each as its exact bytes (From_ line removed, quoting undone). */
export function splitMbox(buf: Buffer): Buffer[] {
  const s = buf.toString("latin1");
  const starts: number[] = [];
  if (s.startsWith("From ")) starts.push(0);
  let pos = 0;
  for (;;) {
    const at = s.indexOf("\nFrom ", pos);
    if (at < 0) break;
    const lineStart = at + 1;
    // a From_ line follows an empty line (or starts the file); "From " inside a body is quoted as ">From "
    const prevBlank = at === 0 || s[at - 1] === "\n" || (s[at - 1] === "\r" && s[at - 2] === "\n");
    const lineEnd = s.indexOf("\n", lineStart);
    const line = s.slice(lineStart, lineEnd < 0 ? s.length : Math.min(lineEnd, lineStart + 300));
    if (prevBlank && FROM_LINE.test(line)) starts.push(lineStart);
    pos = lineStart;
  }
  const out: Buffer[] = [];
  for (let k = 0; k < starts.length; k++) {
    const from = starts[k]!;
    const to = k + 1 < starts.length ? starts[k + 1]! : buf.length;
    const nl = s.indexOf("\n", from);
    if (nl < 0 || nl >= to) continue;
    let end = to;
    // the empty line that separates messages belongs to the mbox, not the message
    if (k + 1 < starts.length) {
      if (s[end - 1] === "\n") end--;
      if (s[end - 1] === "\r") end--;
    }
    let msg = buf.subarray(nl + 1, Math.max(nl + 1, end));
    if (msg.indexOf(">From ") >= 0) msg = Buffer.from(msg.toString("latin1").replace(/^>(>*From )/gm, "$1"), "latin1");
    out.push(msg);
  }
  return out;
}
