/** A Notice that says nothing yet: the starting point for one built by hand (tests, benchmarks, tools). */
import type { Notice } from "./types.ts";

export function blankNotice(over: Partial<Notice> = {}): Notice {
  return {
    format: "text",
    kind: "initial_report",
    activityType: "other",
    activityText: null,
    caseNumber: null,
    subject: null,
    from: null,
    messageId: null,
    receivedAt: null,
    accountIds: [],
    regions: [],
    instanceIds: [],
    publicIps: [],
    accessKeyIds: [],
    networkInterfaceIds: [],
    remoteIps: [],
    remotePorts: [],
    protocol: null,
    destinationUrls: [],
    window: { begin: null, end: null },
    deadline: { at: null, basis: "unknown" },
    resources: [],
    mitigations: [],
    logExtract: null,
    reporterFields: {},
    fields: [],
    provenance: {},
    redactions: [],
    health: null,
    warnings: [],
    ...over,
  };
}
