/**
 * scripts/services.sh: starts a PostgreSQL that takes connections, is idempotent, stops cleanly,
 * and when PostgreSQL cannot be had says why and fails (the PostgreSQL tests then fail too).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../../scripts/services.sh", import.meta.url));
const asRoot = process.getuid?.() === 0;

function startCluster(env: Record<string, string | undefined> = {}): { url: string; dir: string } {
  const out = execFileSync("bash", [script, "start"], { encoding: "utf8", env: { ...process.env, ABUSE_DESK_PG_DIR: "", ...env } });
  const url = /^export DATABASE_URL_TEST='([^']+)'$/m.exec(out)?.[1];
  const dir = /^export ABUSE_DESK_PG_DIR='([^']+)'$/m.exec(out)?.[1];
  if (!url || !dir) throw new Error(`services.sh start printed ${out}`);
  return { url, dir };
}

function stopCluster(dir: string, env: Record<string, string | undefined> = {}): void {
  execFileSync("bash", [script, "stop"], { env: { ...process.env, ...env, ABUSE_DESK_PG_DIR: dir }, stdio: "ignore" });
}

/** The postmaster's pid, from the cluster's lock file; null when there is none. */
function postmasterPid(dir: string): number | null {
  try {
    return Number(readFileSync(join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return null;
  }
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

async function connects(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

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

  it("starts a new cluster when the one named has died, instead of printing a dead URL", async () => {
    const first = startCluster();
    const pid = postmasterPid(first.dir)!;
    try {
      process.kill(pid, "SIGKILL"); // its lock file stays behind, as after a crash
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      const out = execFileSync("bash", [script, "start"], { encoding: "utf8", env: { ...process.env, ABUSE_DESK_PG_DIR: first.dir } });
      const url = /^export DATABASE_URL_TEST='([^']+)'$/m.exec(out)![1]!;
      const dir = /^export ABUSE_DESK_PG_DIR='([^']+)'$/m.exec(out)![1]!;
      try {
        expect(dir).not.toBe(first.dir);
        expect(await connects(url)).toBe(true);
      } finally {
        stopCluster(dir);
      }
    } finally {
      stopCluster(first.dir);
    }
  }, 60_000);

  it("puts the cluster where the postgres user can reach it, whatever TMPDIR says", async () => {
    // mkdtemp makes a 0700 directory: as root, the postgres user cannot enter it.
    const priv = mkdtempSync(join(tmpdir(), "services-private-"));
    try {
      const { url, dir } = startCluster({ TMPDIR: priv });
      try {
        expect(await connects(url)).toBe(true);
      } finally {
        stopCluster(dir, { TMPDIR: priv });
      }
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(priv, { recursive: true, force: true });
    }
  }, 60_000);

  it("leaves no server running when it is interrupted after starting one", async () => {
    // A PostgreSQL whose createdb hangs: the script is stopped (SIGTERM to its process group, as a
    // CI runner cancelling a job does) while the new server is up but not yet handed over.
    const fake = mkdtempSync(join(tmpdir(), "services-fakepg-"));
    chmodSync(fake, 0o755);
    const real = execFileSync("bash", ["-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1"], { encoding: "utf8" }).trim();
    const bin = join(fake, "99", "bin");
    mkdirSync(bin, { recursive: true });
    for (const f of readdirSync(real)) if (f !== "createdb") symlinkSync(join(real, f), join(bin, f));
    writeFileSync(join(bin, "createdb"), "#!/bin/sh\nexec sleep 60\n", { mode: 0o755 });
    const base = mkdtempSync(join(tmpdir(), "services-base-"));
    chmodSync(base, 0o1777);
    try {
      const child = spawn("bash", [script, "start"], { env: { ...process.env, ABUSE_DESK_PG_DIR: "", ABUSE_DESK_PG_LIB: fake, TMPDIR: base }, detached: true, stdio: "ignore" });
      const exited = new Promise<void>((r) => child.on("exit", () => r()));
      let pid: number | null = null;
      for (let i = 0; i < 300 && pid === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const dir = readdirSync(base).find((d) => d.startsWith("abuse-desk-pg."));
        // The server is up when pg_ctl has started it (server.log) and its lock file says ready.
        const lock = dir ? join(base, dir, "data", "postmaster.pid") : "";
        if (dir && existsSync(join(base, dir, "server.log")) && existsSync(lock) && /\bready\b/.test(readFileSync(lock, "utf8"))) pid = postmasterPid(join(base, dir));
      }
      expect(pid).not.toBeNull();
      await new Promise((r) => setTimeout(r, 300)); // past pg_ctl start, into createdb
      process.kill(-child.pid!, "SIGTERM");
      await exited;
      for (let i = 0; i < 100 && alive(pid!); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive(pid!)).toBe(false);
      expect(readdirSync(base).filter((d) => d.startsWith("abuse-desk-pg."))).toEqual([]);
    } finally {
      rmSync(fake, { recursive: true, force: true });
      rmSync(base, { recursive: true, force: true });
    }
  }, 60_000);

  it("fails with the reason when PostgreSQL is missing and cannot be installed", () => {
    // As root the script would install PostgreSQL; run it as an unprivileged user instead, from a
    // copy that user can read (a checkout under a private temporary directory is not readable).
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
    if (asRoot) rmSync(join(readable, ".."), { recursive: true, force: true });
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain("DATABASE_URL_TEST");
    expect(r.stderr).toMatch(/PostgreSQL is not installed and installing it needs root/);
  });
});
