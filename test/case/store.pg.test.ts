/**
 * The store suite on a real PostgreSQL server (scripts/services.sh). No server, no pass: the
 * harness throws, and every test fails with the reason.
 */
import { openStore } from "../../src/case/index.ts";
import { investigationSuite } from "./investigation-suite.ts";
import { checklistSuite } from "./checklist-suite.ts";
import { addressHistorySuite } from "./address-history-suite.ts";
import { readinessRunsSuite } from "./readiness-runs-suite.ts";
import { leaseSuite } from "./lease-suite.ts";
import { lockSuite } from "./lock-suite.ts";
import { freshSchema } from "./pg.ts";
import { harnessFor, storeSuite } from "./store-suite.ts";

async function make() {
  const schema = await freshSchema();
  const store = await openStore({ url: schema.url });
  return {
    ...harnessFor(store),
    second: () => openStore({ url: schema.url }),
    async close() {
      await store.destroy();
      await schema.drop();
    },
  };
}

storeSuite("PostgreSQL", make);
lockSuite("PostgreSQL", make);
leaseSuite("PostgreSQL", make);
investigationSuite("PostgreSQL", make);
addressHistorySuite("PostgreSQL", make);
readinessRunsSuite("PostgreSQL", make);
checklistSuite("PostgreSQL", make);
