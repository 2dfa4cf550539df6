/**
 * The audit chain, as pure functions. Each entry's hash is an HMAC-SHA-256, under the audit key
 * (kept outside the database: audit-key.ts), over the previous entry's hash and a canonical
 * serialisation of the entry (keys sorted, no whitespace, the same bytes for the same data on
 * every run and both databases). Changing, removing or reordering any entry breaks every hash
 * after it, and without the key nobody can compute the hashes again after an edit; `verifyChain`
 * names the first entry that no longer fits and why.
 *
 * Entries written before the chain was keyed (an upgraded store) are plain SHA-256 and end at the
 * `audit.keyed` marker, the first keyed entry, which names the last of them: a change to any of
 * them breaks the marker's link, and the marker cannot be rewritten without the key.
 */
import { createHash, createHmac } from "node:crypto";
import type { AuditEntry } from "./types.ts";

/** The hash before the first entry. */
export const GENESIS = "0".repeat(64);

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no insignificant whitespace, numbers
 * as JavaScript prints them, `undefined` members dropped (as JSON.stringify does). Close to
 * RFC 8785 for the data the desk writes (strings, safe integers, booleans, null, arrays, objects).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case "bigint":
      return value.toString();
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Buffer.isBuffer(value)) return JSON.stringify(value.toString("base64"));
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined && typeof obj[k] !== "function")
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
  }
}

export type UnhashedEntry = Omit<AuditEntry, "hash" | "prevHash">;

/** The first keyed entry: from it on every hash is an HMAC under the audit key; before it, legacy SHA-256. */
export const AUDIT_KEYED = "audit.keyed";

/** What the hash covers: every field of the entry except the hash itself. Keyed: HMAC-SHA-256 under `key`; legacy: SHA-256. */
export function entryHash(prevHash: string, e: UnhashedEntry, key: Buffer | null = null): string {
  const body = canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, caseId: e.caseId, data: e.data });
  return (key ? createHmac("sha256", key) : createHash("sha256")).update(prevHash).update("\n").update(body).digest("hex");
}

export function chainEntry(prevHash: string, e: UnhashedEntry, key: Buffer | null = null): AuditEntry {
  return { ...e, prevHash, hash: entryHash(prevHash, e, key) };
}

/** Names a key without revealing it: the marker records it, so a wrong key is told from tampering. */
export function auditKeyId(key: Buffer): string {
  return createHmac("sha256", key).update("abuse-desk audit key id").digest("hex").slice(0, 16);
}

export interface ChainCursor {
  /** The seq the next entry must have. */
  nextSeq: number;
  /** The hash the next entry must point to. */
  prevHash: string;
  /** The seq of the `audit.keyed` marker once it has been read (entries from it on are keyed). */
  keyedFrom: number | null;
}

export const CHAIN_START: ChainCursor = { nextSeq: 1, prevHash: GENESIS, keyedFrom: null };

export type ChainBreak = { ok: false; seq: number; reason: string; problem?: "key" };

/**
 * Checks entries in order, continuing from `cursor` (so a long log is read in batches). Returns
 * the cursor after the last entry, or the first broken entry and why.
 */
export function verifyChain(entries: Iterable<AuditEntry>, cursor: ChainCursor = CHAIN_START, key: Buffer | null = null): { ok: true; cursor: ChainCursor } | ChainBreak {
  let { nextSeq, prevHash, keyedFrom } = cursor;
  for (const e of entries) {
    if (e.seq !== nextSeq) {
      return e.seq > nextSeq
        ? { ok: false, seq: nextSeq, reason: `entry ${nextSeq} is missing (the next entry is ${e.seq})` }
        : { ok: false, seq: e.seq, reason: `entry ${e.seq} appears out of order (expected ${nextSeq})` };
    }
    if (e.prevHash !== prevHash) {
      return { ok: false, seq: e.seq, reason: `its previous-hash ${short(e.prevHash)} is not the hash of entry ${e.seq - 1} (${short(prevHash)}): an entry before it was changed or replaced` };
    }
    const marker = keyedFrom === null && e.action === AUDIT_KEYED;
    if (marker || keyedFrom !== null) {
      if (!key) return { ok: false, seq: e.seq, reason: "it is keyed, and no audit key was given to check it with", problem: "key" };
      if (marker && e.data.keyId !== auditKeyId(key)) {
        return { ok: false, seq: e.seq, reason: `the chain is keyed with audit key ${String(e.data.keyId)}, not with the key given (${auditKeyId(key)})`, problem: "key" };
      }
    }
    let expected: string;
    try {
      expected = entryHash(prevHash, e, marker || keyedFrom !== null ? key : null);
    } catch (err) {
      return { ok: false, seq: e.seq, reason: `its content cannot be serialised (${(err as Error).message})` };
    }
    if (expected !== e.hash) {
      return { ok: false, seq: e.seq, reason: `its content does not match its hash (stored ${short(e.hash)}, computed ${short(expected)}): the entry was changed after it was written` };
    }
    if (marker) {
      const legacy = e.data.legacy as { entries?: unknown; head?: unknown } | undefined;
      if (legacy?.entries !== e.seq - 1 || legacy?.head !== prevHash) {
        return { ok: false, seq: e.seq, reason: "the keyed marker does not name the entries before it: the chain before it was rewritten" };
      }
      keyedFrom = e.seq;
    }
    prevHash = e.hash;
    nextSeq++;
  }
  return { ok: true, cursor: { nextSeq, prevHash, keyedFrom } };
}

function short(h: string): string {
  return h.length > 12 ? `${h.slice(0, 12)}...` : h;
}

/** What the chain vouches for of a stored notice: the case it is in and its verdict (level and detail). */
export function noticeRecord(r: { case_id: string; verdict: string; verdict_json: string }): { caseId: string; verdict: string; verdictSha256: string } {
  return { caseId: r.case_id, verdict: r.verdict, verdictSha256: createHash("sha256").update(canonicalJson(JSON.parse(r.verdict_json))).digest("hex") };
}

/** What the chain vouches for of a case: its verdict and the resources it acts on. */
export function caseRecord(r: { verdict: string; resources: readonly string[] }): { verdict: string; resources: string[] } {
  return { verdict: r.verdict, resources: [...r.resources] };
}
