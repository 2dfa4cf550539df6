/** The Notice as printed by `parse --json`: the flat keys outside tools rely on first, in the order. */
import type { Notice } from "./types.ts";

const FIRST = ["activityType", "kind", "caseNumber", "accountIds", "regions", "instanceIds", "publicIps", "accessKeyIds", "networkInterfaceIds", "remoteIps", "remotePorts", "protocol", "destinationUrls", "window", "deadline", "resources", "fields"] as const;

export function noticeToJson(n: Notice, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...extra };
  const rec = n as unknown as Record<string, unknown>;
  for (const k of FIRST) out[k] = rec[k];
  for (const [k, v] of Object.entries(rec)) if (!(k in out)) out[k] = v;
  return out;
}
