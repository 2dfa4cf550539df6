/**
 * RFC 5322 header blocks: unfolding, RFC 2047 encoded words, Content-Type parameters (RFC 2045 and
 * RFC 2231 continuations), addresses. Small and strict enough for the fast path; anything odd is
 * left to mailparser by the caller.
 */
import { decodeBytes } from "./decode.ts";

export type HeaderList = [name: string, value: string][];

/** Offset where the body starts (after the first empty line), and the header block's text. */
export function splitHead(buf: Buffer): { head: string; bodyStart: number } {
  const crlf = buf.indexOf("\r\n\r\n");
  const lf = buf.indexOf("\n\n");
  let end: number;
  let bodyStart: number;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) [end, bodyStart] = [crlf, crlf + 4];
  else if (lf >= 0) [end, bodyStart] = [lf, lf + 2];
  else [end, bodyStart] = [buf.length, buf.length];
  return { head: buf.toString("utf8", 0, Math.min(end, 1024 * 1024)), bodyStart };
}

/** Header lines in order, names lower-cased, folded values joined. */
export function parseHeaders(head: string): HeaderList {
  const out: HeaderList = [];
  const lines = head.split(/\r?\n/);
  for (const line of lines) {
    if (line === "") continue;
    if ((line[0] === " " || line[0] === "\t") && out.length > 0) {
      const last = out[out.length - 1]!;
      if (last[1].length < 64 * 1024) last[1] += " " + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    if (out.length < 2000) out.push([name, line.slice(colon + 1).trim()]);
  }
  return out;
}

export function header(h: HeaderList, name: string): string | null {
  for (const [n, v] of h) if (n === name) return v;
  return null;
}

/**
 * The Message-IDs of a References or In-Reply-To value, with their angle brackets, oldest first,
 * each once. Bounded: a thread longer than 100 messages keeps its root and latest ids.
 */
export function messageIds(value: string): string[] {
  const ids: string[] = [];
  for (const m of value.slice(0, 64 * 1024).matchAll(/<[^<>\s]{1,998}>/g)) if (!ids.includes(m[0])) ids.push(m[0]);
  return ids.length > 100 ? [ids[0]!, ...ids.slice(-99)] : ids;
}

/** The message's thread: its References header, else its In-Reply-To. */
export function referencesOf(h: HeaderList): string[] {
  const v = header(h, "references") ?? header(h, "in-reply-to");
  return v ? messageIds(v) : [];
}

const ENCODED_WORD = /=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]{0,2000})\?=/g;

/** `=?UTF-8?B?...?=` and `=?iso-8859-1?Q?...?=` words decoded; whitespace between adjacent words dropped. */
export function decodeWords(value: string): string {
  if (!value.includes("=?")) return value;
  const joined = value.replace(/(\?=)\s+(?==\?)/g, "$1");
  return joined.replace(ENCODED_WORD, (whole, charset: string, enc: string, text: string) => {
    const cs = charset.replace(/\*.*$/, "");
    let bytes: Buffer;
    if (enc === "b" || enc === "B") bytes = Buffer.from(text, "base64");
    else bytes = Buffer.from(text.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1");
    return decodeBytes(bytes, cs) ?? whole;
  });
}

export interface ContentType {
  type: string;
  params: Record<string, string>;
}

/** `text/plain; charset="utf-8"; format=flowed` and RFC 2231 `filename*=utf-8''%E2%82%AC.txt`. */
export function parseContentType(value: string | null, fallback = "text/plain"): ContentType {
  if (!value) return { type: fallback, params: { charset: "us-ascii" } };
  const semi = value.indexOf(";");
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase() || fallback;
  const params: Record<string, string> = {};
  if (semi >= 0) {
    const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.){0,2000})"|([^;]{0,2000}))/g;
    const cont: Record<string, string[]> = {};
    for (const m of value.slice(semi).matchAll(re)) {
      const key = m[1]!.toLowerCase();
      const val = (m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!.trim());
      const c = /^(.+?)\*(\d+)?(\*)?$/.exec(key);
      if (c) {
        const base = c[1]!;
        const list = (cont[base] ??= []);
        list[Number(c[2] ?? 0)] = c[3] !== undefined || (c[2] === undefined && key.endsWith("*")) ? `\u0000${val}` : val;
      } else params[key] = val;
    }
    for (const [base, parts] of Object.entries(cont)) {
      let charset = "utf-8";
      const text = parts
        .map((p, i) => {
          if (p === undefined) return "";
          if (!p.startsWith("\u0000")) return p;
          let v = p.slice(1);
          if (i === 0) {
            const m = /^([^']*)'[^']*'(.*)$/.exec(v);
            if (m) [charset, v] = [m[1] || "utf-8", m[2]!];
          }
          return v;
        })
        .join("");
      try {
        params[base] = decodeBytes(Buffer.from(text.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1"), charset) ?? text;
      } catch {
        params[base] = text;
      }
    }
  }
  return { type, params };
}

export interface Address {
  address: string;
  name: string;
}

/** `"Amazon Web Services" <abuse@amazonaws.com>, other@example.com` -> addresses (display names decoded). */
export function parseAddresses(value: string | null): Address[] {
  if (!value) return [];
  const out: Address[] = [];
  const v = value.length > 8192 ? value.slice(0, 8192) : value;
  // split on commas outside quotes and angle brackets
  const parts: string[] = [];
  let cur = "";
  let quote = false;
  let angle = 0;
  for (const ch of v) {
    if (ch === '"') quote = !quote;
    else if (!quote && ch === "<") angle++;
    else if (!quote && ch === ">") angle = Math.max(0, angle - 1);
    if (ch === "," && !quote && angle === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  for (const p of parts) {
    const t = p.trim();
    if (!t) continue;
    const m = /^(.*?)<\s*([^<>\s]*)\s*>\s*(?:\(.*\))?$/.exec(t);
    if (m) out.push({ address: m[2]!, name: decodeWords(m[1]!.trim().replace(/^"|"$/g, "").replace(/\\(.)/g, "$1")).trim() });
    else {
      const addr = t.replace(/\s*\(.*\)\s*$/, "");
      const comment = /\((.*)\)/.exec(t)?.[1] ?? "";
      out.push({ address: addr, name: decodeWords(comment) });
    }
  }
  return out;
}
