/**
 * The audit chain, as pure functions. Each entry's hash is SHA-256 over the previous entry's hash
 * and a canonical serialisation of the entry (keys sorted, no whitespace, the same bytes for the
 * same data on every run and both databases). Changing, removing or reordering any entry breaks
 * every hash after it; `verifyChain` names the first entry that no longer fits and why.
 */
import { createHash } from "node:crypto";
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

/** What the hash covers: every field of the entry except the hash itself. */
export function entryHash(prevHash: string, e: UnhashedEntry): string {
  const body = canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, caseId: e.caseId, data: e.data });
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}

export function chainEntry(prevHash: string, e: UnhashedEntry): AuditEntry {
  return { ...e, prevHash, hash: entryHash(prevHash, e) };
}

export interface ChainCursor {
  /** The seq the next entry must have. */
  nextSeq: number;
  /** The hash the next entry must point to. */
  prevHash: string;
}

export const CHAIN_START: ChainCursor = { nextSeq: 1, prevHash: GENESIS };

/**
 * Checks entries in order, continuing from `cursor` (so a long log is read in batches). Returns
 * the cursor after the last entry, or the first broken entry and why.
 */
export function verifyChain(entries: Iterable<AuditEntry>, cursor: ChainCursor = CHAIN_START): { ok: true; cursor: ChainCursor } | { ok: false; seq: number; reason: string } {
  let { nextSeq, prevHash } = cursor;
  for (const e of entries) {
    if (e.seq !== nextSeq) {
      return e.seq > nextSeq
        ? { ok: false, seq: nextSeq, reason: `entry ${nextSeq} is missing (the next entry is ${e.seq})` }
        : { ok: false, seq: e.seq, reason: `entry ${e.seq} appears out of order (expected ${nextSeq})` };
    }
    if (e.prevHash !== prevHash) {
      return { ok: false, seq: e.seq, reason: `its previous-hash ${short(e.prevHash)} is not the hash of entry ${e.seq - 1} (${short(prevHash)}): an entry before it was changed or replaced` };
    }
    let expected: string;
    try {
      expected = entryHash(prevHash, e);
    } catch (err) {
      return { ok: false, seq: e.seq, reason: `its content cannot be serialised (${(err as Error).message})` };
    }
    if (expected !== e.hash) {
      return { ok: false, seq: e.seq, reason: `its content does not match its hash (stored ${short(e.hash)}, computed ${short(expected)}): the entry was changed after it was written` };
    }
    prevHash = e.hash;
    nextSeq++;
  }
  return { ok: true, cursor: { nextSeq, prevHash } };
}

function short(h: string): string {
  return h.length > 12 ? `${h.slice(0, 12)}...` : h;
}
