/**
 * A case as the desk makes it, for the web desk's case tests: the drill's notice (signed, verified
 * against the drill's recorded DNS answers), taken in through `intakeItem` with the bundled
 * simulated account, planned with `planCase`, in a SQLite store of its own. Nothing is applied.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/case/index.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { openCloud } from "../../src/cloud/open.ts";
import type { CloudPort } from "../../src/cloud/port.ts";
import { intakeItem, planCase } from "../../src/desk/index.ts";
import { composeDrillNotice, DRILL_DIR } from "../../src/drill/index.ts";
import type { Plan } from "../../src/execute/types.ts";
import { parseInput } from "../../src/notice/index.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { DnsCache } from "../../src/verify/dns.ts";
import { verify } from "../../src/verify/index.ts";

export interface DrillCase {
  home: string;
  store: CaseStore;
  port: CloudPort;
  caseId: string;
  plan: Plan;
  raw: Buffer;
  now: Date;
  close(): Promise<void>;
}



export async function drillCase(opts: { now?: Date; store?: CaseStore; plan?: boolean } = {}): Promise<DrillCase> {
  const now = opts.now ?? new Date();
  const home = mkdtempSync(join(tmpdir(), "webcase-"));
  const store = opts.store ?? (await openStore({ home, url: join(home, "cases.db") }));
  const port = await openCloud("sim", { home });
  const raw = await composeDrillNotice(now);
  const { items } = await parseInput(raw);
  const dns = DnsCache.parse(readFileSync(join(DRILL_DIR, "dns.json"), "utf8"), { missCode: "ENOTFOUND" });
  const item = items[0]!;
  const intake = await intakeItem(item, { store, verify: (i) => verify(i, { resolver: dns.resolve, now }), port, now, actor: "intake" });
  const caseId = intake.intake.case.id;
  let plan: Plan | null = null;
  if (opts.plan !== false) {
    const policy = await loadPolicy(join(DRILL_DIR, "policy.yaml"));
    plan = (await planCase(store, caseId, { port, policy, now, actor: "planner" })).plan;
  }
  return {
    home,
    store,
    port,
    caseId,
    plan: plan!,
    raw,
    now,
    async close() {
      port.close?.();
      if (!opts.store) await store.destroy();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
