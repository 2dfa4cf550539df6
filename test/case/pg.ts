/**
 * PostgreSQL for the store tests: the server `scripts/services.sh start` runs (scripts/test.sh
 * starts it and exports DATABASE_URL_TEST). Run alone, a test file starts one itself. When no
 * server can be had, `pgUrl()` throws with the reason: the PostgreSQL tests fail, never skip.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll } from "vitest";

const script = fileURLToPath(new URL("../../scripts/services.sh", import.meta.url));
let started: { url: string; dir: string } | null = null;

export function pgUrl(): string {
  if (process.env.DATABASE_URL_TEST) return process.env.DATABASE_URL_TEST;
  if (started) return started.url;
  let out: string;
  try {
    out = execFileSync("bash", [script, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ABUSE_DESK_PG_DIR: "" } });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`PostgreSQL store tests need a server and scripts/services.sh could not start one: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
  const url = /DATABASE_URL_TEST='([^']+)'/.exec(out)?.[1];
  const dir = /ABUSE_DESK_PG_DIR='([^']+)'/.exec(out)?.[1];
  if (!url || !dir) throw new Error(`scripts/services.sh start printed no DATABASE_URL_TEST: ${out}`);
  started = { url, dir };
  return url;
}

// A server this file started is stopped when the file's tests end (vitest ends its workers
// without an exit event, so a process.on("exit") hook would leak the cluster).
afterAll(() => {
  if (!started) return;
  const { dir } = started;
  started = null;
  execFileSync("bash", [script, "stop"], { stdio: "ignore", env: { ...process.env, ABUSE_DESK_PG_DIR: dir } });
});

/** A new, empty schema for one test, and the URL that makes it the default (search_path). */
export async function freshSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = pgUrl();
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create schema ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(base);
  u.searchParams.set("options", `-c search_path=${name}`);
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`drop schema ${name} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}
