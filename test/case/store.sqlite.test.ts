import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/case/index.ts";
import { investigationSuite } from "./investigation-suite.ts";
import { checklistSuite } from "./checklist-suite.ts";
import { addressHistorySuite } from "./address-history-suite.ts";
import { readinessRunsSuite } from "./readiness-runs-suite.ts";
import { leaseSuite } from "./lease-suite.ts";
import { lockSuite } from "./lock-suite.ts";
import { harnessFor, storeSuite } from "./store-suite.ts";

async function make() {
  const home = mkdtempSync(join(tmpdir(), "abuse-desk-store-"));
  const store = await openStore({ home, url: undefined });
  return {
    ...harnessFor(store),
    second: () => openStore({ home, url: undefined }),
    async close() {
      await store.destroy();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

storeSuite("SQLite", make);
lockSuite("SQLite", make);
leaseSuite("SQLite", make);
investigationSuite("SQLite", make);
addressHistorySuite("SQLite", make);
readinessRunsSuite("SQLite", make);
checklistSuite("SQLite", make);
