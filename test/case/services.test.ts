/**
 * scripts/services.sh: starts a PostgreSQL that takes connections, is idempotent, stops cleanly,
 * and when PostgreSQL cannot be had says why and fails (the PostgreSQL tests then fail too).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../../scripts/services.sh", import.meta.url));

describe("scripts/services.sh", () => {
  it("starts a throwaway cluster, says so again when asked twice, and removes it on stop", async () => {
    const out = execFileSync("bash", [script, "start"], { encoding: "utf8", env: { ...process.env, ABUSE_DESK_PG_DIR: "" } });
    const url = /^export DATABASE_URL_TEST='(postgres:\/\/postgres@127\.0\.0\.1:\d+\/abuse_desk_test)'$/m.exec(out)?.[1];
    const dir = /^export ABUSE_DESK_PG_DIR='([^']+)'$/m.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(dir).toBeDefined();
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      expect((await client.query("select current_database() as db")).rows[0].db).toBe("abuse_desk_test");
      await client.end();
      const again = execFileSync("bash", [script, "start"], { encoding: "utf8", env: { ...process.env, ABUSE_DESK_PG_DIR: dir } });
      expect(again).toContain(`DATABASE_URL_TEST='${url}'`);
    } finally {
      execFileSync("bash", [script, "stop"], { env: { ...process.env, ABUSE_DESK_PG_DIR: dir }, stdio: "ignore" });
    }
    expect(existsSync(dir!)).toBe(false);
  }, 60_000);

  it("fails with the reason when PostgreSQL is missing and cannot be installed", () => {
    // As root the script would install PostgreSQL; run it as an unprivileged user instead, from a
    // copy that user can read (a checkout under a private temporary directory is not readable).
    const asRoot = process.getuid?.() === 0;
    const asUser = asRoot ? ["/usr/sbin/runuser", "-u", "nobody", "--", "bash"] : ["bash"];
    let readable = script;
    if (asRoot) {
      const dir = mkdtempSync(join(tmpdir(), "services-sh-"));
      chmodSync(dir, 0o755);
      readable = join(dir, "services.sh");
      copyFileSync(script, readable);
      chmodSync(readable, 0o755);
    }
    const r = spawnSync(asUser[0]!, [...asUser.slice(1), readable, "start"], {
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin", ABUSE_DESK_PG_LIB: "/nonexistent", TMPDIR: "/tmp" },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain("DATABASE_URL_TEST");
    expect(r.stderr).toMatch(/PostgreSQL is not installed and installing it needs root/);
  });
});
