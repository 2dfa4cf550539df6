/**
 * The investigation's readers, in the order their results are listed. Each is a `Reader`
 * (src/investigate/types.ts): `(ctx, subject) => Promise<InvestigationPart>` over the cloud port.
 *
 * The orchestrator (./index.ts) runs every reader here concurrently (or those `--only` names); a
 * reader that throws becomes a NotSearched entry naming it, never silence.
 *
 * Each is imported lazily, so `abuse-desk` starts without loading DuckDB or the SDK. A name listed in READER_NAMES with no entry in READERS is reported as "not searched: this build
 * has no reader for it", never as "nothing found".
 */
import type { FindingArea, Reader } from "./types.ts";

export const READER_NAMES = ["trail", "flows", "host", "credentials"] as const;
export type ReaderName = (typeof READER_NAMES)[number];

export interface NamedReader {
  name: ReaderName;
  area: FindingArea;
  /** What it reads, for progress and "not searched" lines. */
  title: string;
  /** Loads the reader (a lazy import). */
  load(): Promise<Reader>;
}

export const READER_TITLES: Record<ReaderName, { area: FindingArea; title: string }> = {
  trail: { area: "cloudtrail", title: "CloudTrail" },
  flows: { area: "flow-logs", title: "VPC flow logs" },
  host: { area: "host", title: "the host (SSM Run Command triage)" },
  credentials: { area: "credentials", title: "the credentials" },
};

export const READERS: NamedReader[] = [
  { name: "trail", ...READER_TITLES.trail, load: async () => (await import("./cloudtrail/index.ts")).readTrail },
  { name: "flows", ...READER_TITLES.flows, load: async () => (await import("./flows/index.ts")).readFlows },
  { name: "host", ...READER_TITLES.host, load: async () => (await import("./host/index.ts")).readHost },
  { name: "credentials", ...READER_TITLES.credentials, load: async () => (await import("../credentials/index.ts")).readCredentials },
];
