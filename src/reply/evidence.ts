/**
 * The evidence a case holds: what the store keeps (its evidence table) and what the executor's
 * capture steps recorded in the journal (`after.evidence` of a `done` entry: name, SHA-256, size,
 * source, time). Both are listed, once each: the same bytes under the same name are one artefact.
 */
import type { JournalEntry } from "../execute/types.ts";
import type { ReplyEvidence } from "./types.ts";

export function evidenceFromJournal(journal: readonly JournalEntry[]): ReplyEvidence[] {
  const out: ReplyEvidence[] = [];
  for (const e of [...journal].sort((a, b) => a.seq - b.seq)) {
    if (e.phase !== "done" || !e.after || typeof e.after !== "object") continue;
    const list = (e.after as { evidence?: unknown }).evidence;
    if (!Array.isArray(list)) continue;
    for (const r of list) {
      if (!r || typeof r !== "object") continue;
      const rec = r as Record<string, unknown>;
      if (typeof rec.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(rec.sha256) || typeof rec.name !== "string") continue;
      out.push({
        label: rec.name,
        sha256: rec.sha256,
        source: typeof rec.source === "string" ? rec.source : `plan ${e.planId} step ${e.stepId}`,
        collectedAt: typeof rec.capturedAt === "string" ? rec.capturedAt : e.at,
        size: typeof rec.bytes === "number" ? rec.bytes : null,
      });
    }
  }
  return out;
}

export function mergeEvidence(...lists: readonly (readonly ReplyEvidence[])[]): ReplyEvidence[] {
  const seen = new Set<string>();
  const out: ReplyEvidence[] = [];
  for (const list of lists) {
    for (const e of list) {
      const k = `${e.sha256}\u0000${e.label}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(e);
    }
  }
  return out.sort((a, b) => Date.parse(a.collectedAt) - Date.parse(b.collectedAt));
}
