import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { freshSchema } from "../case/pg.ts";
import { inboxSuite } from "./inbox-suite.ts";

describe("the inbox on PostgreSQL", () => {
  inboxSuite(async () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-inbox-"));
    const schema = await freshSchema();
    const a = (await openStore({ home, url: schema.url })) as SqlCaseStore;
    const b = (await openStore({ home, url: schema.url })) as SqlCaseStore;
    return { a, b, close: async () => (await a.destroy(), await b.destroy(), await schema.drop()) };
  });
});
