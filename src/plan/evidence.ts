/**
 * Where captured evidence goes (console output, screenshots, descriptions). The case store may
 * provide a sink; without one the bytes are kept inline in the journal entry of the step that
 * captured them. Either way the journal records each artefact's SHA-256 and size.
 */
import { createHash } from "node:crypto";

export interface EvidenceItem {
  planId: string;
  stepId: string;
  /** `console-output.txt`, `screenshot.jpg`, `instance.json`. */
  name: string;
  contentType: string;
  data: Buffer;
  /** The API call it came from (`ec2:GetConsoleOutput i-0abc`). */
  source: string;
  capturedAt: string;
}

export interface EvidenceRecord {
  name: string;
  contentType: string;
  sha256: string;
  bytes: number;
  source: string;
  capturedAt: string;
  /** Where the sink keeps it; absent when inline. */
  ref?: string;
  /** Inline content: UTF-8 text, or base64 for binary. */
  text?: string;
  base64?: string;
}

export interface EvidenceSink {
  put(item: EvidenceItem): Promise<{ ref: string }>;
}

export const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

export async function keepEvidence(sink: EvidenceSink | undefined, item: EvidenceItem): Promise<EvidenceRecord> {
  const rec: EvidenceRecord = { name: item.name, contentType: item.contentType, sha256: sha256(item.data), bytes: item.data.length, source: item.source, capturedAt: item.capturedAt };
  if (sink) return { ...rec, ref: (await sink.put(item)).ref };
  if (item.contentType.startsWith("text/") || item.contentType === "application/json") return { ...rec, text: item.data.toString("utf8") };
  return { ...rec, base64: item.data.toString("base64") };
}
