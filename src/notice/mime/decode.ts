/** Content-Transfer-Encodings and charsets. Tolerant: broken base64 or QP decodes what it can. */

import { TextDecoder } from "node:util";

const decoders = new Map<string, TextDecoder | null>();

const ALIASES: Record<string, string> = {
  "us-ascii": "utf-8", ascii: "utf-8", "ansi_x3.4-1968": "utf-8", utf8: "utf-8", "utf-8": "utf-8",
  latin1: "windows-1252", "iso-8859-1": "windows-1252", "iso8859-1": "windows-1252", cp1252: "windows-1252",
  "ks_c_5601-1987": "euc-kr", "x-sjis": "shift_jis", sjis: "shift_jis", cp932: "shift_jis", "ms932": "shift_jis",
};

function decoder(charset: string): TextDecoder | null {
  const cs = (ALIASES[charset.toLowerCase()] ?? charset.toLowerCase()).trim();
  let d = decoders.get(cs);
  if (d === undefined) {
    try {
      d = new TextDecoder(cs);
    } catch {
      d = null;
    }
    decoders.set(cs, d);
  }
  return d;
}

// Windows-1252's 0x80-0x9F (curly quotes, dashes, euro): Node's TextDecoder reads them as Latin-1
// control characters, so they are mapped here.
const CP1252 = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

function windows1252(bytes: Buffer): string {
  return bytes.toString("latin1").replace(/[\u0080-\u009f]/g, (c) => CP1252[c.charCodeAt(0) - 0x80]!);
}

/** Text of `bytes` in `charset`; null when the charset is unknown. UTF-8 errors become U+FFFD. */
export function decodeBytes(bytes: Buffer, charset: string | undefined): string | null {
  const cs = (charset ?? "utf-8").toLowerCase();
  if (cs === "utf-8" || cs === "utf8" || cs === "us-ascii" || cs === "ascii") return bytes.toString("utf8");
  if ((ALIASES[cs] ?? cs) === "windows-1252") return windows1252(bytes);
  const d = decoder(cs);
  return d ? d.decode(bytes) : null;
}

export function knownCharset(charset: string | undefined): boolean {
  return charset === undefined || decoder(charset) !== null;
}

/** Quoted-printable (RFC 2045), soft line breaks removed; a malformed `=` is kept as written. */
export function decodeQuotedPrintable(input: Buffer): Buffer {
  const s = input.toString("latin1");
  const out = Buffer.allocUnsafe(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61 /* = */) {
      const a = s.charCodeAt(i + 1);
      if (a === 13 && s.charCodeAt(i + 2) === 10) {
        i += 2;
        continue;
      }
      if (a === 10) {
        i += 1;
        continue;
      }
      const h = hex(a);
      const l = hex(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        out[n++] = h * 16 + l;
        i += 2;
        continue;
      }
      // trailing spaces before a soft break: "=  \r\n"
      const rest = /^=[ \t]+\r?\n/.exec(s.slice(i, i + 80));
      if (rest) {
        i += rest[0].length - 1;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Base64, ignoring line breaks and junk; stops at the first `=` padding of a broken stream. */
export function decodeBase64(input: Buffer): Buffer {
  return Buffer.from(input.toString("latin1").replace(/[^A-Za-z0-9+/=]/g, ""), "base64");
}

export function decodeTransfer(body: Buffer, encoding: string | null): Buffer | null {
  const e = (encoding ?? "7bit").trim().toLowerCase();
  if (e === "7bit" || e === "8bit" || e === "binary" || e === "") return body;
  if (e === "quoted-printable") return decodeQuotedPrintable(body);
  if (e === "base64") return decodeBase64(body);
  return null;
}
