/**
 * Just enough MIME to authenticate: a message's header lines, and the exact bytes of a message
 * attached as message/rfc822 (a notice forwarded "as attachment" keeps AWS's DKIM signature, and
 * only these bytes can show it). Bounded everywhere: depth, parts, header size.
 */

export type HeaderLines = [name: string, value: string][];

const MAX_HEADER_BYTES = 256 * 1024;
const MAX_DEPTH = 8;
const MAX_PARTS = 256;

/** Where the header block ends: the offset of the body, or the whole length when there is no blank line. */
function headerEnd(buf: Buffer): { end: number; body: number } {
  const limit = Math.min(buf.length, MAX_HEADER_BYTES);
  for (let i = 0; i < limit; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return { end: i + 1, body: i + 2 };
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { end: i + 1, body: i + 3 };
  }
  if (buf[0] === 0x0a) return { end: 0, body: 1 };
  if (buf[0] === 0x0d && buf[1] === 0x0a) return { end: 0, body: 2 };
  return { end: limit, body: limit };
}

/** Header lines in order, names lower-cased, values unfolded (bytes read as latin1: nothing is lost, nothing decoded). */
export function parseHeaders(buf: Buffer): { headers: HeaderLines; bodyStart: number } {
  const { end, body } = headerEnd(buf);
  const text = buf.toString("latin1", 0, end);
  const headers: HeaderLines = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    if ((line[0] === " " || line[0] === "\t") && headers.length) {
      const last = headers[headers.length - 1]!;
      last[1] += " " + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { headers, bodyStart: body };
}

export function headerValue(headers: HeaderLines, name: string): string | undefined {
  for (const [n, v] of headers) if (n === name) return v;
  return undefined;
}

function contentType(headers: HeaderLines): { type: string; boundary: string | null } {
  const v = headerValue(headers, "content-type") ?? "text/plain";
  const type = (v.split(";")[0] ?? "").trim().toLowerCase();
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;"]{1,200}))/i.exec(v);
  return { type, boundary: m ? (m[1] ?? m[2] ?? null) : null };
}

function decodeQuotedPrintable(s: string): Buffer {
  const soft = s.replace(/=\r?\n/g, "");
  const out: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft.charCodeAt(i);
    if (c === 0x3d && /^[0-9a-fA-F]{2}$/.test(soft.slice(i + 1, i + 3))) {
      out.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return Buffer.from(out);
}

function decodeBody(headers: HeaderLines, body: Buffer): Buffer {
  const cte = (headerValue(headers, "content-transfer-encoding") ?? "").trim().toLowerCase();
  if (cte === "base64") return Buffer.from(body.toString("latin1").replace(/[^A-Za-z0-9+/=]/g, ""), "base64");
  if (cte === "quoted-printable") return decodeQuotedPrintable(body.toString("latin1"));
  return body;
}

/** Splits a multipart body at its boundary lines; the preamble and epilogue are dropped. */
function splitParts(body: Buffer, boundary: string): Buffer[] {
  const delim = Buffer.from("--" + boundary, "latin1");
  const parts: Buffer[] = [];
  let start = -1;
  let pos = 0;
  while (pos < body.length && parts.length < MAX_PARTS) {
    const at = body.indexOf(delim, pos);
    if (at < 0) break;
    const lineStart = at === 0 || body[at - 1] === 0x0a;
    pos = at + delim.length;
    if (!lineStart) continue;
    const closing = body[pos] === 0x2d && body[pos + 1] === 0x2d;
    if (start >= 0) {
      // the line break before the delimiter belongs to the delimiter
      let end = at;
      if (body[end - 1] === 0x0a) end--;
      if (body[end - 1] === 0x0d) end--;
      parts.push(body.subarray(start, Math.max(start, end)));
    }
    if (closing) return parts;
    const nl = body.indexOf(0x0a, pos);
    if (nl < 0) break;
    start = nl + 1;
    pos = start;
  }
  if (start >= 0 && start < body.length && parts.length < MAX_PARTS) parts.push(body.subarray(start)); // truncated: keep what is there
  return parts;
}

/** The exact bytes of every message attached as message/rfc822 (or message/global), outermost first. */
export function findAttachedMessages(raw: Buffer): Buffer[] {
  const found: Buffer[] = [];
  const walk = (buf: Buffer, depth: number) => {
    if (depth > MAX_DEPTH || found.length >= 8) return;
    const { headers, bodyStart } = parseHeaders(buf);
    const { type, boundary } = contentType(headers);
    const body = buf.subarray(bodyStart);
    if (type.startsWith("multipart/") && boundary) {
      for (const part of splitParts(body, boundary)) walk(part, depth + 1);
    } else if (type === "message/rfc822" || type === "message/global") {
      found.push(decodeBody(headers, body));
    }
  };
  walk(raw, 0);
  return found;
}
