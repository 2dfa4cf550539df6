import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { inboxSuite } from "./inbox-suite.ts";

describe("the inbox on SQLite", () => {
  inboxSuite(async () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-inbox-"));
    // One connection: better-sqlite3 waits for another connection's lock synchronously, so two
    // in one process would block each other (processes sharing a file: the kill and CLI tests).
    const a = (await openStore({ home })) as SqlCaseStore;
    return { a, b: a, close: () => a.destroy() };
  });
});
