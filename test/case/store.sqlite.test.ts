import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/case/index.ts";
import { harnessFor, storeSuite } from "./store-suite.ts";

storeSuite("SQLite", async () => {
  const home = mkdtempSync(join(tmpdir(), "abuse-desk-store-"));
  const store = await openStore({ home, url: undefined });
  return {
    ...harnessFor(store),
    async close() {
      await store.destroy();
      rmSync(home, { recursive: true, force: true });
    },
  };
});
