/**
 * DKIM verification of the signatures abuse notices carry, without mailauth's per-message overhead;
 * mailauth stays the reference, and everything this path does not fully understand goes to its
 * `dkimVerify`.
 *
 * Why: checking one RSA-2048 signature costs about 0.03 ms, but mailauth's `dkimVerify` spends
 * about 0.6 ms a message around it: it parses the public key from its DNS text for every
 * signature (`createPublicKey`, then exports it to PEM, which `crypto.verify` parses again), streams
 * the message through a byte-at-a-time header scanner, and parses the signature's tags character
 * by character. Over an mbox the same two or three keys sign every message.
 *
 * What is the same as mailauth, by construction: the message is cut into the pieces mailauth's
 * stream would see (64 KiB writes, bare LF turned into CRLF as mailauth turns it), the body hash
 * is computed by mailauth's own body canonicalizers fed those pieces, the signed header lines are
 * chosen by mailauth's `getSigningHeaderLines`, DNS answers are turned into keys by mailauth's
 * `getPublicKey` (once per distinct record, then kept as a KeyObject), alignment is mailauth's
 * `getAlignment`, and the From and Return-Path addresses are read by the addressparser mailauth
 * uses. What is this module's own: reading header lines, the tag list of a DKIM-Signature (strict:
 * it declines what it does not know), header canonicalization (the same expressions as mailauth's),
 * and the checks after the signature (expiry at `now`) in mailauth's order. The differential tests
 * (test/verify/dkim-fast.test.ts) hold both paths to the same outcomes and comments.
 *
 * Declined (answered by mailauth): ARC headers present; a DKIM-Signature with an algorithm other
 * than rsa-sha256 / ed25519-sha256, an unknown or repeated tag, quoting or comments, a missing
 * h=/b=/d=/s=, odd numbers in l=/t=/x=; a message with no header/body separator. Declining happens
 * before any DNS lookup, so a fallback never asks DNS twice.
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import type { DnsResolver } from "./types.ts";

// ---- mailauth's own pieces (CommonJS internals of the pinned mailauth ~4.13; the tests fail loudly if they move)

interface BodyHasher {
  update(chunk: Buffer | null, final?: boolean): void;
  digest(encoding: "base64"): string;
  bodyHashedBytes: number;
  canonicalizedLength: number;
}
interface HeaderRow {
  key: string | null;
  casedKey: string | undefined;
  line: string;
}
interface Mailauth {
  dkimBody(canonicalization: string, hashAlgo: string, maxBodyLength: number | ""): BodyHasher;
  getSigningHeaderLines(rows: HeaderRow[], fieldNames: string, verify: true): { keys: string; headers: HeaderRow[] };
  getPublicKey(type: "DKIM", name: string, minBitLength: number, resolver: (name: string, rrtype: string) => Promise<unknown>): Promise<{ publicKey: string; rr: string; modulusLength?: number }>;
  getAlignment(fromDomain: string, domains: string[]): { domain: string } | false;
  addressparser(value: string): { address?: string; name?: string }[];
}

const mailauth: Mailauth = (() => {
  const req = createRequire(createRequire(import.meta.url).resolve("mailauth"));
  const tools = req("./tools.js") as Pick<Mailauth, "getSigningHeaderLines" | "getPublicKey" | "getAlignment">;
  const body = req("./dkim/body/index.js") as Pick<Mailauth, "dkimBody">;
  return {
    dkimBody: body.dkimBody,
    getSigningHeaderLines: tools.getSigningHeaderLines,
    getPublicKey: tools.getPublicKey,
    getAlignment: tools.getAlignment,
    addressparser: req("nodemailer/lib/addressparser") as Mailauth["addressparser"],
  };
})();

/**
 * Pure functions of short strings that repeat from message to message (the same senders, the same
 * signing domains), remembered; a bounded map, emptied when full.
 */
function memo<T>(f: (key: string) => T, max = 1024): (key: string) => T {
  const seen = new Map<string, T>();
  return (key) => {
    let v = seen.get(key);
    if (v === undefined && !seen.has(key)) {
      v = f(key);
      if (seen.size >= max) seen.clear();
      seen.set(key, v);
    }
    return v as T;
  };
}

/** Addresses in a From or Return-Path value, as mailauth reads them. */
const addressesIn = memo((value: string): readonly string[] => mailauth.addressparser(value).flatMap((a) => (a?.address ? [a.address] : [])));
/** mailauth's getAlignment(fromDomain, [signingDomain])?.domain || false; the key is "fromDomain signingDomain". */
const alignment = memo((pair: string): string | false => {
  const [from, signing] = pair.split("\n") as [string, string];
  return (mailauth.getAlignment(from, [signing]) || undefined)?.domain || false;
});

// ---- results, in the shape of mailauth's (the fields abuse-desk reads)

export interface DkimStatus {
  /** pass, fail, neutral, policy, temperror, none (mailauth's words). */
  result: string;
  comment?: string;
  /** The aligned domain (mailauth gives the domain, not a boolean), or false. Absent without a From address. */
  aligned?: string | false;
  /** Bytes after the l= limit that nobody signed. */
  underSized?: number;
  policy?: Record<string, string>;
}

export interface DkimSignatureResult {
  id?: string;
  signingDomain: string;
  selector?: string;
  status: DkimStatus;
}

export interface DkimOutcome {
  headerFrom: string[];
  envelopeFrom: string | false;
  results: DkimSignatureResult[];
}

export interface FastDkimOptions {
  resolver: DnsResolver;
  /** The time x= expiry is checked at. */
  now: Date;
  /** RSA keys shorter than this are refused (policy), as mailauth's minBitLength. */
  minBitLength?: number;
  /** DKIM-Signature fields (given their value as written, folding included) not to verify at all: absent from the results. */
  skip?: (value: string) => boolean;
}

/** The outcome, or why this path declined (then mailauth's dkimVerify answers). */
export type FastDkimResult = { outcome: DkimOutcome } | { declined: string };

// ---- the message as mailauth's stream sees it

const LF = 0x0a;
const CR = 0x0d;
const CRLF = Buffer.from("\r\n");
/** mailauth's writeToStream chunk size. */
const WRITE_CHUNK = 64 * 1024;

/** mailauth's MessageParser in header state: looks for the end of the header across the pieces it is given. */
class HeaderCut {
  readonly head: Buffer[] = [];
  readonly body: Buffer[] = [];
  inHeader = true;
  /** The last two header bytes seen (-1: none yet). */
  private p1 = -1;
  private p2 = -1;

  take(piece: Buffer): void {
    if (!piece.length) return;
    if (!this.inHeader) {
      this.body.push(piece);
      return;
    }
    for (let i = piece.indexOf(LF); i >= 0; i = piece.indexOf(LF, i + 1)) {
      const b1 = i >= 1 ? piece[i - 1]! : this.p1;
      const b2 = i >= 2 ? piece[i - 2]! : i === 1 ? this.p1 : this.p2;
      if (b1 === LF || (b1 === CR && b2 === LF)) {
        this.inHeader = false;
        this.head.push(piece.subarray(0, i + 1));
        if (i < piece.length - 1) this.body.push(piece.subarray(i + 1));
        return;
      }
    }
    this.head.push(piece);
    if (piece.length >= 2) [this.p1, this.p2] = [piece[piece.length - 1]!, piece[piece.length - 2]!];
    else [this.p1, this.p2] = [piece[0]!, this.p1];
  }
}

/**
 * The header block and the body pieces exactly as mailauth's MessageParser produces them: the input
 * written in 64 KiB chunks, each cut after every bare LF (which becomes CRLF; "bare" means the last
 * byte before it that was not LF is not CR), the header ending at the first LF preceded by LF or by
 * CR LF. Null when the header never ends (mailauth then finds no signatures). (Exported for the
 * differential tests.)
 */
export function pieces(raw: Buffer): { head: string; body: Buffer[] } | null {
  const cut = new HeaderCut();
  let lastByte = -1;
  for (let at = 0; at < raw.length; at += WRITE_CHUNK) {
    const input = raw.subarray(at, Math.min(raw.length, at + WRITE_CHUNK));
    let pos = 0;
    for (let i = input.indexOf(LF); i >= 0; i = input.indexOf(LF, i + 1)) {
      if (i >= 1 && input[i - 1] !== LF) lastByte = input[i - 1]!;
      if (lastByte !== CR) {
        cut.take(pos === i ? CRLF : Buffer.concat([input.subarray(pos, i), CRLF]));
        pos = i + 1;
      }
    }
    if (input.length && input[input.length - 1] !== LF) lastByte = input[input.length - 1]!;
    cut.take(pos === 0 ? input : input.subarray(pos));
  }
  if (cut.inHeader) return null;
  return { head: (cut.head.length === 1 ? cut.head[0]! : Buffer.concat(cut.head)).toString("latin1"), body: cut.body };
}

/** JavaScript's \s, as mailauth's /^\s/ tests the first character of a line (the text is latin1). */
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;

/**
 * mailauth's parseHeaders: the block without its final line breaks, split at each LF (and a CR
 * before it), a line starting with white space joined to the one before with CRLF, the name being
 * the text before the first colon (trimmed; none when the line starts with a colon). (Exported for
 * the differential tests.)
 */
export function headerRows(block: string): HeaderRow[] {
  let end = block.length;
  while (end > 0 && (block.charCodeAt(end - 1) === LF || block.charCodeAt(end - 1) === CR)) end--;
  const rows: HeaderRow[] = [];
  let row = "";
  for (let start = 0, first = true; ; first = false) {
    const nl = block.indexOf("\n", start);
    const stop = nl < 0 || nl >= end ? end : nl;
    const line = block.slice(start, stop > start && block.charCodeAt(stop - 1) === CR && stop < end ? stop - 1 : stop);
    if (!first && line.length && isSpace(line.charCodeAt(0))) row += "\r\n" + line;
    else {
      if (!first) rows.push(headerRow(row));
      row = line;
    }
    if (stop >= end) break;
    start = stop + 1;
  }
  rows.push(headerRow(row));
  return rows;
}

/** A folded header line and its name (mailauth: the text before the first colon, none when there is none before it). */
function headerRow(line: string): HeaderRow {
  const colon = line.indexOf(":");
  const casedKey = line.length === 0 || colon === 0 ? undefined : (colon < 0 ? line : line.slice(0, colon)).trim();
  return { key: casedKey === undefined ? null : casedKey.toLowerCase(), casedKey, line };
}

/** A header line's text as mailauth reads it (`Buffer#toString()`: UTF-8), after the name. */
function valueAsUtf8(line: string): string {
  const s = Buffer.from(line, "latin1").toString();
  const colon = s.indexOf(":");
  return (colon >= 0 ? s.slice(colon + 1) : s).trim();
}

// ---- DKIM-Signature tags, strictly

const KNOWN_TAGS = new Set(["v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x", "z"]);
const CANONICALIZATIONS = new Set(["simple", "relaxed", "simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed"]);
const NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;
const DIGITS = /^\d{1,15}$/;

interface Signature {
  line: string;
  algorithm: "rsa-sha256" | "ed25519-sha256";
  headerCanon: "simple" | "relaxed";
  bodyCanon: "simple" | "relaxed";
  domain: string;
  selector: string;
  fieldNames: string;
  bodyHash: string;
  b: string;
  maxBodyLength: number | "";
  timestamp: Date | null;
  expiration: Date | null;
}

/**
 * The tags of a DKIM-Signature when they are the plain `tag=value; ...` abuse notices carry (the
 * values then read exactly as mailauth's parser reads them); a reason to decline otherwise.
 */
export function parseSignature(line: string): Signature | string {
  const colon = line.indexOf(":");
  const value = line.slice(colon + 1);
  // quotes, comments and escapes change how mailauth's parser reads a value; 8-bit text is decoded first
  if (/["'()\\]|[^\t\r\n\x20-\x7e]/.test(value)) return "quoting, comments or 8-bit text in DKIM-Signature";
  const tags = new Map<string, string>();
  for (const part of value.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) {
      if (part.trim()) return "a DKIM-Signature tag without a value";
      continue;
    }
    // mailauth: white space runs in a key or value become one space, then both are trimmed
    const key = part.slice(0, eq).trim();
    if (!KNOWN_TAGS.has(key)) return `DKIM-Signature tag ${key.slice(0, 20) || "without a name"}`;
    if (tags.has(key)) return `repeated DKIM-Signature tag ${key}`;
    const v = part.slice(eq + 1);
    tags.set(key, key === "b" || key === "bh" || key === "h" ? v.replace(/\s+/g, "") : v.replace(/\s+/g, " ").trim());
  }
  const a = tags.get("a");
  if (a !== "rsa-sha256" && a !== "ed25519-sha256") return `algorithm ${a ?? "missing"}`;
  const c = tags.get("c") ?? "";
  if (c && !CANONICALIZATIONS.has(c)) return `canonicalization ${c}`;
  const d = tags.get("d") ?? "";
  const s = tags.get("s") ?? "";
  if (!NAME.test(d) || !NAME.test(s)) return "d= or s= missing or unusual";
  const h = tags.get("h") ?? "";
  const b = tags.get("b") ?? "";
  const bh = tags.get("bh") ?? "";
  if (!h || !b || !bh) return "h=, b= or bh= missing";
  if (tags.has("v") && tags.get("v") !== "1") return `version ${tags.get("v")}`;
  if (tags.has("q") && tags.get("q") !== "dns/txt") return `query method ${tags.get("q")}`;
  for (const k of ["l", "t", "x"]) if (tags.has(k) && !DIGITS.test(tags.get(k)!)) return `${k}= is not a plain number`;
  // mailauth reads l=0 as "no limit"
  if (tags.get("l") === "0" || /^0\d/.test(tags.get("l") ?? "")) return "l=0";
  const [hc, bc] = c ? c.split("/") : [];
  return {
    line,
    algorithm: a,
    headerCanon: hc === "relaxed" ? "relaxed" : "simple",
    bodyCanon: bc === "relaxed" ? "relaxed" : "simple",
    domain: d,
    selector: s,
    fieldNames: h,
    bodyHash: bh,
    b,
    maxBodyLength: tags.has("l") ? Number(tags.get("l")) : "",
    timestamp: tags.has("t") ? new Date(Number(tags.get("t")) * 1000) : null,
    expiration: tags.has("x") ? new Date(Number(tags.get("x")) * 1000) : null,
  };
}

// ---- header canonicalization (mailauth's expressions)

/**
 * mailauth's formatRelaxedLine: line breaks removed, the name lower-cased and trimmed with the
 * white space after its colon, every run of white space one space, trimmed. Each step is skipped
 * when it would change nothing (trimStart and \s are the same set of characters).
 */
function relaxedLine(line: string): string {
  let s = line.includes("\n") ? line.replace(/\r?\n/g, "") : line;
  const colon = s.indexOf(":");
  if (colon >= 0) s = s.slice(0, colon).toLowerCase().trim() + ":" + s.slice(colon + 1).trimStart();
  if (/\s\s|[^\S ]/.test(s)) s = s.replace(/\s+/g, " ");
  return s.trim();
}

function canonicalHeader(sig: Signature, signed: HeaderRow[]): Buffer {
  let out = "";
  if (sig.headerCanon === "relaxed") {
    for (const r of signed) out += relaxedLine(r.line) + "\r\n";
    out += relaxedLine(sig.line).replace(/([;:\s]+b=)[^;]+/, "$1");
  } else {
    for (const r of signed) out += r.line + "\r\n";
    out += sig.line.replace(/([;:\s]+b=)[^;]+/, "$1");
  }
  return Buffer.from(out, "latin1");
}

// ---- keys: mailauth's reading of the DNS record, once per distinct record

type KeyOutcome = { key: KeyObject; type: string } | { error: { code?: string; message: string } };
/** By minimum key length, then by record text. */
const keyCache = new Map<number, Map<string, KeyOutcome>>();
const KEY_CACHE_MAX = 512;

/** Forgets every parsed key (benchmarks start each pass cold; tests start clean). */
export function resetDkimKeyCache(): void {
  keyCache.clear();
}

async function keyFor(list: unknown, name: string, minBitLength: number): Promise<KeyOutcome> {
  // the record text as mailauth's getPublicKey reads it: the first TXT record's strings joined
  const joined = list ? ([] as unknown[]).concat((list as unknown[])[0] || []).join("") : "";
  const rr = /\s/.test(joined) ? joined.replace(/\s+/g, "") : joined;
  let cache = keyCache.get(minBitLength);
  if (!cache) keyCache.set(minBitLength, (cache = new Map()));
  const hit = cache.get(rr);
  if (hit) return hit;
  let outcome: KeyOutcome;
  try {
    const { publicKey } = await mailauth.getPublicKey("DKIM", name, minBitLength, async () => list);
    const key = createPublicKey(publicKey);
    outcome = { key, type: key.asymmetricKeyType ?? "" };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    outcome = { error: { ...(e?.code ? { code: e.code } : {}), message: e?.message ?? String(err) } };
  }
  if (cache.size >= KEY_CACHE_MAX) cache.clear();
  cache.set(rr, outcome);
  return outcome;
}

/** mailauth's reading of a failed key lookup (DNS error, or a record it cannot use). */
function keyFailure(status: DkimStatus, err: { code?: string; message?: string }): void {
  switch (err.code) {
    case "ENOTFOUND":
    case "ENODATA":
      status.result = "neutral";
      status.comment = "no key";
      break;
    case "EINVALIDVER":
      status.result = "neutral";
      status.comment = "unknown key version";
      break;
    case "EINVALIDTYPE":
      status.result = "neutral";
      status.comment = "unknown key type";
      break;
    case "EINVALIDVAL":
      status.result = "neutral";
      status.comment = "invalid public key";
      break;
    case "ESHORTKEY":
      status.result = "policy";
      status.policy = { "dkim-rules": "weak-key" };
      break;
    default:
      status.result = "temperror";
      status.comment = `DNS failure: ${err.code || err.message}`;
  }
}

// ---- verification

const ARC_HEADERS = new Set(["arc-seal", "arc-message-signature", "arc-authentication-results"]);

/** Signatures with the same body canonicalization and length limit share one body hash (as in mailauth). */
const bodyKey = (s: Signature) => `${s.bodyCanon}:${s.maxBodyLength}`;

export async function dkimVerifyFast(raw: Buffer, opts: FastDkimOptions): Promise<FastDkimResult> {
  const split = pieces(raw);
  if (!split) return { declined: "no end of header" };
  const rows = headerRows(split.head);
  const sigs: Signature[] = [];
  const headerFrom: string[] = [];
  let rp: HeaderRow | undefined;
  for (const r of rows) {
    if (r.key === null) continue;
    if (ARC_HEADERS.has(r.key)) return { declined: "ARC headers" };
    if (r.key === "dkim-signature") {
      if (opts.skip?.(r.line.slice(r.line.indexOf(":") + 1))) continue;
      const s = parseSignature(r.line);
      if (typeof s === "string") return { declined: s };
      sigs.push(s);
    } else if (r.key === "from") {
      headerFrom.push(...addressesIn(valueAsUtf8(r.line)));
    } else if (r.key === "return-path") {
      rp = r;
    }
  }

  let envelopeFrom: string | false = false;
  if (rp) {
    // mailauth takes the first entry's address, if it has one (a group has none)
    const first = mailauth.addressparser(valueAsUtf8(rp.line))[0];
    envelopeFrom = first?.address ? first.address : false;
  }

  // one body hash per (canonicalization, length limit), fed the pieces mailauth's stream would feed
  const hashers = new Map<string, BodyHasher>();
  for (const s of sigs) if (!hashers.has(bodyKey(s))) hashers.set(bodyKey(s), mailauth.dkimBody(s.bodyCanon, "sha256", s.maxBodyLength));
  const digests = new Map<string, { hash: string; hashed: number; total: number }>();
  for (const [k, h] of hashers) {
    for (const p of split.body) h.update(p);
    digests.set(k, { hash: h.digest("base64"), hashed: h.bodyHashedBytes, total: h.canonicalizedLength });
  }

  const minBitLength = opts.minBitLength || 1024;
  const results: DkimSignatureResult[] = [];
  for (const s of sigs) {
    const status: DkimStatus = { result: "neutral" };
    const signature = Buffer.from(s.b, "base64");
    if (headerFrom.length) status.aligned = alignment(`${headerFrom[0]!.split("@").pop()!}\n${s.domain}`);
    const body = digests.get(bodyKey(s))!;
    if (s.bodyHash !== body.hash) {
      status.comment = "body hash did not verify";
    } else {
      const name = `${s.selector}._domainkey.${s.domain}`;
      let key: KeyOutcome;
      try {
        key = await keyFor(await opts.resolver(name, "TXT"), name, minBitLength);
      } catch (err) {
        key = { error: (err ?? {}) as { code?: string; message: string } };
      }
      if ("error" in key) {
        keyFailure(status, key.error);
      } else {
        const data = canonicalHeader(s, mailauth.getSigningHeaderLines(rows, s.fieldNames, true).headers);
        try {
          const rsa = s.algorithm === "rsa-sha256";
          const ok = verifySignature(rsa ? s.algorithm : null, rsa ? data : createHash("sha256").update(data).digest(), key.key, signature);
          status.result = ok ? "pass" : "fail";
          if (!ok) status.comment = "bad signature";
          if (ok) {
            if (s.expiration && s.timestamp && s.expiration < s.timestamp) {
              status.result = "neutral";
              status.comment = "invalid expiration";
            }
            if (s.expiration && s.expiration < opts.now) {
              status.result = "neutral";
              status.comment = "expired";
            }
          }
        } catch (err) {
          status.result = "neutral";
          status.comment = (err as Error).message;
        }
      }
    }
    if (typeof s.maxBodyLength === "number" && body.total > body.hashed) status.underSized = body.total - body.hashed;
    results.push({
      id: createHash("sha256").update(signature).digest("hex"),
      signingDomain: s.domain,
      selector: s.selector,
      status,
    });
  }
  if (!results.length) results.push({ signingDomain: "", status: { result: "none", comment: "message not signed" } });
  return { outcome: { headerFrom, envelopeFrom, results } };
}
