/**
 * Opening the database: SQLite (a file under the data directory) by default, PostgreSQL when a
 * `postgres://` URL is given. Also the one way the store writes: `writeTx`, a transaction that
 * holds the write lock from its first statement, so that reading the state and changing it are one
 * step even when several processes share the database.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Database as BetterDb } from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import { UserError } from "../../errors.ts";
import { dataHome } from "../../home.ts";
import { ensurePrivateDir, makePrivateFile } from "../../private-file.ts";
import { dataDirAuditKey, type AuditKey } from "../audit-key.ts";
import { migrationProvider, PG_WRITE_LOCK, type Dialect } from "./migrations.ts";
import type { Database } from "./schema.ts";

export interface OpenOptions {
  /**
   * `postgres://...`, `sqlite:/path/file.db` or a plain file path. Default: SQLite in `home`. The
   * edge gives `DATABASE_URL` here (src/config/store.ts); the store never reads it itself.
   */
  url?: string;
  /** The data directory. Default: `ABUSE_DESK_HOME`, else `~/.abuse-desk` (src/home.ts). */
  home?: string;
  /**
   * The key the audit chain is HMAC'd with, resolved by the edge (src/config/store.ts:
   * ABUSE_DESK_AUDIT_KEY, the configuration's audit:, else the data directory's key file).
   * Default: the data directory's key file (created when missing).
   */
  auditKey?: AuditKey;
  /** Run pending migrations (default true). Tests turn it off to build earlier versions. */
  migrate?: boolean;
  /** How long a writer waits for another process's write lock, in ms (SQLite busy_timeout). */
  busyTimeoutMs?: number;
  /** Who the store's writes are by when a write does not say: given by the edge (the CLI: src/config/actor.ts). Default "abuse-desk". */
  actor?: string;
}

export interface Connection {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The SQLite file, or the PostgreSQL URL without its password. */
  location: string;
  /** Runs `fn` in a write transaction (BEGIN IMMEDIATE on SQLite; on PostgreSQL a transaction that takes `lock` first). */
  writeTx<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** The key the audit chain is HMAC'd with (kept outside the database: audit-key.ts). */
  auditKey: AuditKey;
  /** Who a write is by when it does not say (OpenOptions.actor). */
  actor: string;
}

export const DB_FILE = "abuse-desk.db";

export { dataHome };

export function describeTarget(opts: OpenOptions = {}): { dialect: Dialect; location: string; url: string | null } {
  const url = opts.url;
  if (url === undefined) return { dialect: "sqlite", location: join(dataHome(opts.home), DB_FILE), url: null };
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: "postgres", location: redact(url), url };
  if (/^sqlite:/i.test(url)) return { dialect: "sqlite", location: resolve(url.replace(/^sqlite:(\/\/)?/i, "")), url: null };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new UserError(`DATABASE_URL: unsupported database ${url.split(":")[0]}`, {
      exitCode: 64,
      hint: "use postgres://user:password@host:5432/db, sqlite:/path/to/file.db, or unset it for SQLite in the data directory",
    });
  }
  return { dialect: "sqlite", location: resolve(url), url: null };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}

export async function connect(opts: OpenOptions = {}): Promise<Connection> {
  const target = describeTarget(opts);
  const auditKey = opts.auditKey ?? dataDirAuditKey(dataHome(opts.home));
  const conn = { ...(target.dialect === "postgres" ? await connectPostgres(target.url!, target.location) : await connectSqlite(target.location, opts)), auditKey, actor: opts.actor ?? "abuse-desk" };
  if (opts.migrate !== false) {
    try {
      await migrateToLatest(conn);
    } catch (err) {
      await conn.db.destroy();
      throw err;
    }
  }
  return conn;
}

async function connectSqlite(file: string, opts: OpenOptions): Promise<Omit<Connection, "auditKey" | "actor">> {
  const { default: BetterSqlite3 } = await import("better-sqlite3");
  // The store holds the notices, the evidence and the plans: its directory is 0700 (the data
  // directory is made so; a directory named by DATABASE_URL only when it is created here) and the
  // file 0600 before SQLite opens it, whatever the umask (src/private-file.ts).
  const dir = join(file, "..");
  if (resolve(dir) === dataHome(opts.home) || !existsSync(dir)) ensurePrivateDir(dir, resolve(dir) === dataHome(opts.home) ? "the data directory" : "the case store's directory");
  makePrivateFile(file);
  let raw;
  try {
    raw = new BetterSqlite3(file, { timeout: opts.busyTimeoutMs ?? 15_000 });
  } catch (err) {
    throw new UserError(`cannot open the case database ${file}: ${(err as Error).message}`, { exitCode: 66, cause: err });
  }
  // WAL: readers never block the writer and a crash never leaves a half-written transaction.
  // synchronous=FULL: a commit is on disk (fsync'd) when it returns, as JournalStore.append promises.
  raw.pragma("journal_mode = WAL");
  // SQLite creates the -wal and -shm files with the database's mode; an older store's are made private too.
  for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) makePrivateFile(f);
  raw.pragma("synchronous = FULL");
  raw.pragma("foreign_keys = ON");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  return {
    db,
    dialect: "sqlite",
    location: file,
    writeTx: (fn) =>
      db.connection().execute(async (c) => {
        // BEGIN IMMEDIATE takes the write lock now (waiting up to busy_timeout for other
        // processes), so nothing read inside can change before the commit.
        await sql`begin immediate`.execute(c).catch((err: unknown) => {
          throw busy(err, file);
        });
        try {
          const result = await fn(c);
          await sql`commit`.execute(c);
          return result;
        } catch (err) {
          await sql`rollback`.execute(c).catch(() => undefined);
          throw err;
        }
      }),
  };
}

type BetterStatement = ReturnType<BetterDb["prepare"]>;

/**
 * Kysely's SQLite driver prepares every statement each time it runs; the store runs the same few
 * statements over and over, so keep the prepared ones (least recently used out first). SQLite
 * re-prepares a kept statement by itself when the schema changes.
 */
function withStatementCache(db: BetterDb, max = 256): { prepare(sql: string): BetterStatement; close(): void } {
  const cache = new Map<string, BetterStatement>();
  return {
    prepare(text: string) {
      let stmt = cache.get(text);
      if (stmt) {
        cache.delete(text);
      } else {
        stmt = db.prepare(text);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, stmt);
      return stmt;
    },
    close: () => db.close(),
  };
}

function busy(err: unknown, file: string): unknown {
  const code = (err as { code?: string }).code;
  if (code === "SQLITE_BUSY") {
    return new UserError(`the case database ${file} stayed locked by another process`, { exitCode: 75, cause: err, hint: "another abuse-desk is writing; try again" });
  }
  return err;
}

async function connectPostgres(url: string, location: string): Promise<Omit<Connection, "auditKey" | "actor">> {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection that the server drops (restart, failover) must not crash the process: the
  // pool replaces it, and the next query reports any real problem.
  pool.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy();
    throw new UserError(`cannot connect to PostgreSQL at ${location}: ${(err as Error).message}`, { exitCode: 69, cause: err });
  }
  return {
    db,
    dialect: "postgres",
    location,
    writeTx: (fn) =>
      db.transaction().execute(async (trx) => {
        // One advisory lock for every writer: the audit chain head and case matching read then
        // write, and this makes that a single step across processes (released at commit).
        await sql`select pg_advisory_xact_lock(${PG_WRITE_LOCK})`.execute(trx);
        return fn(trx);
      }),
  };
}

/** Brings the schema to the latest version. Safe when several processes open a fresh database at once. */
export async function migrateToLatest(conn: Connection): Promise<void> {
  await migrate(conn, (m) => m.migrateToLatest());
}

export async function migrate(conn: Connection, step: (m: Migrator) => Promise<{ error?: unknown }>): Promise<void> {
  let error: unknown;
  if (conn.dialect === "sqlite") {
    // Kysely's SQLite adapter has no cross-process migration lock; BEGIN IMMEDIATE is one, and
    // SQLite's DDL is transactional, so the whole migration commits or none of it does.
    error = await conn.writeTx(async (trx) => (await step(new Migrator({ db: trx, provider: migrationProvider("sqlite", conn.auditKey.key), disableTransactions: true }))).error);
  } else {
    // PostgreSQL: Kysely takes an advisory lock and runs the migrations in one transaction.
    error = (await step(new Migrator({ db: conn.db, provider: migrationProvider("postgres", conn.auditKey.key) }))).error;
  }
  if (error) {
    const msg = (error as Error).message ?? String(error);
    if (/previously executed migration .* is missing/.test(msg)) {
      throw new UserError(`the case database ${conn.location} was written by a newer abuse-desk (${msg})`, { exitCode: 65, cause: error });
    }
    throw new UserError(`cannot migrate the case database ${conn.location}: ${msg}`, { exitCode: 65, cause: error });
  }
}
