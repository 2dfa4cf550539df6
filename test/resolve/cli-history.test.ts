/**
 * The CLI `resolve` (and `triage --account`, `plan FILE`) read the case store's address history
 * when CloudTrail has nothing, and say which source answered: in words and in `ipHistory.source`.
 * Without a store nothing is claimed, and no store is created.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore, DB_FILE } from "../../src/case/index.ts";
import { resolution as resolutionSchema } from "../../src/cli/json/vocabulary.ts";
import type { Resolution } from "../../src/resolve/types.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { notice } from "./helpers.ts";

const home = tempHome("abuse-desk-cli-history-");
const PROD = "111122223333";
/** In no resource of the sample estate now, and in none of its CloudTrail events. */
const IP = "198.51.100.249";

/** The same notice as pasted text, for the commands that take a notice as received (triage, plan). */
function textNoticeFile(): string {
  const p = join(home.dir, "notice.txt");
  writeFileSync(
    p,
    `Hello,

We have received a report that your EC2 instance has been implicated in activity resembling port scanning.

Public IP: ${IP}
Region: eu-west-1
AWS ID: ${PROD}
Reported Activity: Port Scanning
* Abuse Time: Sun Feb 01 03:00:00 UTC 2026

Please take action within 24 hours.
`,
  );
  return p;
}

function noticeFile(): string {
  const p = join(home.dir, "notice.json");
  writeFileSync(p, JSON.stringify(notice({ accountIds: [PROD], regions: ["eu-west-1"], publicIps: [IP], window: { begin: "2026-02-01T03:00:00Z", end: "2026-02-01T04:00:00Z" } })));
  return p;
}

async function recordHolder(): Promise<void> {
  const store = await openStore();
  try {
    const row = { publicIp: IP, accountId: PROD, region: "eu-west-1", resourceKind: "instance", resourceId: "i-0deadbeef00000001", resourceName: "old-crawler" };
    await store.recordAddresses([row], "2026-01-10T00:00:00Z");
    await store.recordAddresses([row], "2026-02-20T00:00:00Z");
  } finally {
    await store.destroy();
  }
}

describe("abuse-desk resolve with the address history", () => {
  it("CloudTrail has nothing, the history has the holder on the notice's date: resolve names it and says 'address history'", async () => {
    await recordHolder();
    const file = noticeFile();
    const text = await runCli("resolve", file, "--account", "sim", "--now", "2026-03-01T00:00:00Z");
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/history \(abuse-desk's address history\)\s+held by instance i-0deadbeef00000001 \(old-crawler\) in 111122223333\/eu-west-1 at 2026-02-01T03:00:00Z/);

    const json = await runCli("resolve", file, "--account", "sim", "--json", "--now", "2026-03-01T00:00:00Z");
    expect(json.code).toBe(0);
    const res = resolutionSchema.parse(JSON.parse(json.out)) as unknown as Resolution;
    const f = res.findings.find((x) => x.ref.id === IP)!;
    expect(f.ipHistory).toMatchObject({ source: "address-history", holders: [{ resourceId: "i-0deadbeef00000001", kind: "instance" }] });
  });

  it("triage --account and plan FILE use the same history", async () => {
    await recordHolder();
    const file = textNoticeFile();
    const t = await runCli("triage", file, "--account", "sim", "--offline", "--json", "--now", "2026-03-01T00:00:00Z");
    const tr = JSON.parse(t.out) as { resolution: Resolution };
    expect(tr.resolution.findings.find((x) => x.ref.id === IP)!.ipHistory?.source).toBe("address-history");
    const p = await runCli("plan", file, "--account", "sim", "--offline", "--json", "--now", "2026-03-01T00:00:00Z");
    expect(p.err).not.toMatch(/could not be opened/);
    // nothing holds it now, so nothing to contain; the plan says who held it then, from the history
    expect((JSON.parse(p.out) as { warnings: string[] }).warnings.join("\n")).toMatch(/held by instance i-0deadbeef00000001 \(old-crawler\).*address history/);
  });

  it("without a store, nothing is claimed about who held it, and no store is created", async () => {
    const file = noticeFile();
    const json = await runCli("resolve", file, "--account", "sim", "--json", "--now", "2026-03-01T00:00:00Z");
    const res = JSON.parse(json.out) as Resolution;
    expect(res.findings.find((x) => x.ref.id === IP)!.ipHistory).toBeUndefined();
    expect(existsSync(join(home.dir, DB_FILE))).toBe(false);
  });
});
