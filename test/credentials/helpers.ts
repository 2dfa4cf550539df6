/** A credential notice about the scripted attacker's exposed key (src/credentials/scenario.ts). */
import { SCENARIO as S } from "../../src/credentials/scenario.ts";
import type { Notice } from "../../src/notice/types.ts";
import { makeNotice } from "../case/fixtures.ts";
import { resource } from "../resolve/helpers.ts";

export function credentialNotice(over: Partial<Notice> = {}): Notice {
  return makeNotice({
    kind: "credentials_exposed",
    activityType: "credentials_exposed",
    activityText: "Your AWS access key was found publicly available",
    subject: `Your AWS Account ${S.account} has exposed credentials`,
    receivedAt: "2025-06-01T08:10:00.000Z",
    accountIds: [S.account],
    regions: [],
    instanceIds: [],
    publicIps: [],
    accessKeyIds: [S.exposedKey],
    window: { begin: S.exposedAt, end: null },
    resources: [resource("access-key", S.exposedKey, { accountId: S.account })],
    ...over,
  });
}

