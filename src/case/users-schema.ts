/**
 * The web desk's tables (migration "0009-web-users-sessions"): local users, their sessions and the
 * login throttle. Kept here, apart from the case tables, with the migration step that creates them.
 */
import type { Kysely } from "kysely";

export interface WebUsersTable {
  /** The login name (also the actor the audit chain names: `web:<name>`). */
  name: string;
  role: string;
  /** `scrypt$N$r$p$<salt b64>$<hash b64>`; null: no password (a user who signs in only through the trusted proxy). */
  password_hash: string | null;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface WebSessionsTable {
  /** SHA-256 (hex) of the session token: the token itself is only ever in the browser's cookie. */
  id: string;
  user_name: string;
  /** The CSRF token of this session (random, sent back in every form and htmx request). */
  csrf: string;
  /** `password` or `proxy`. */
  via: string;
  created_at: string;
  last_seen_at: string;
  /** The absolute end of the session, whatever its activity. */
  expires_at: string;
}

/** Failed sign-ins per key (`user:<name>` or `addr:<ip>`), for throttling. */
export interface WebLoginThrottleTable {
  key: string;
  failures: number;
  window_start: string;
  locked_until: string | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was then */
export async function webUsersSessions(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("web_users")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("last_login_at", "text")
    .execute();
  await db.schema
    .createTable("web_sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_name", "text", (c) => c.notNull())
    .addColumn("csrf", "text", (c) => c.notNull())
    .addColumn("via", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_seen_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("web_sessions_user").on("web_sessions").columns(["user_name"]).execute();
  await db.schema
    .createTable("web_login_throttle")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("failures", "integer", (c) => c.notNull())
    .addColumn("window_start", "text", (c) => c.notNull())
    .addColumn("locked_until", "text")
    .execute();
}
