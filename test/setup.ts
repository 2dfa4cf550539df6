/**
 * Every test file gets its own empty data directory, so no test reads or writes the real
 * ~/.abuse-desk (case store, config.yaml, simulated accounts' state). A test that needs another
 * sets ABUSE_DESK_HOME itself or passes `home` explicitly.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

process.env.ABUSE_DESK_HOME = mkdtempSync(join(tmpdir(), "abuse-desk-test-home-"));
// Human times show the person's zone beside UTC (src/time.ts): the tests read them in UTC, whatever the machine.
process.env.TZ = "UTC";
delete process.env.ABUSE_DESK_CONFIG;
delete process.env.DATABASE_URL;
