/**
 * The web desk's local users and their sessions, kept in the case store (migration
 * "0009-web-users-sessions", tables in users-schema.ts).
 *
 * - Passwords are hashed with scrypt (N=2^15, r=8, p=1, 16-byte salt), compared in constant time;
 *   an unknown user costs the same hash as a known one, so timing does not tell which names exist.
 * - A session is a random 256-bit token in the browser's cookie; the store keeps only its SHA-256,
 *   so a copy of the database signs nobody in. Each session has an idle timeout (renewed as it is
 *   used, at most once a minute) and an absolute one, and its own CSRF token. A session reads its
 *   user's role from `web_users` on every request: a removed user or a changed role takes effect
 *   at once, and a new password ends every session of that user.
 * - Failed sign-ins are counted per user name and per client address in the store (several
 *   instances share the count); past the limit the key is locked for a time that doubles.
 * - Adding, removing, changing a password or a role, signing in and out go to the audit chain.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import type { Kysely } from "kysely";
import { UserError } from "../errors.ts";
import type { Database } from "./db/schema.ts";
import { iso } from "./rules.ts";
import type { ActorOpt } from "./types.ts";
import type { Write } from "./writes.ts";

export const ROLES = ["viewer", "responder", "approver"] as const;
export type Role = (typeof ROLES)[number];

/** Whether `have` is at least `need` (viewer < responder < approver). */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

export interface WebUser {
  name: string;
  role: Role;
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

export interface WebSession {
  /** SHA-256 of the token (what the store keys it by; safe to log). */
  id: string;
  user: string;
  role: Role;
  csrf: string;
  via: "password" | "proxy";
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export interface SessionTimeouts {
  /** Ends after this long without a request (default 1 h). */
  idleMs: number;
  /** Ends this long after sign-in, whatever its activity (default 12 h). */
  absoluteMs: number;
}

export const DEFAULT_TIMEOUTS: SessionTimeouts = { idleMs: 60 * 60_000, absoluteMs: 12 * 60 * 60_000 };

export interface ThrottlePolicy {
  /** Failures allowed per user name within `windowMs` before it is locked. */
  perUser: number;
  /** Failures allowed per client address within `windowMs`. */
  perAddress: number;
  windowMs: number;
  /** The first lock; each failure past the limit doubles it, up to `maxLockMs`. */
  baseLockMs: number;
  maxLockMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { perUser: 5, perAddress: 20, windowMs: 15 * 60_000, baseLockMs: 30_000, maxLockMs: 15 * 60_000 };

export type SignIn = { ok: true; user: WebUser } | { ok: false; reason: "invalid" | "throttled"; retryAfterMs?: number };

export interface UserStore {
  addUser(name: string, role: Role, password: string | null, opts?: ActorOpt): Promise<WebUser>;
  getUser(name: string): Promise<WebUser | null>;
  listUsers(): Promise<WebUser[]>;
  /** Removes the user and ends their sessions. */
  removeUser(name: string, opts?: ActorOpt): Promise<void>;
  /** Sets (or, with null, clears) the password; ends the user's sessions. */
  setPassword(name: string, password: string | null, opts?: ActorOpt): Promise<WebUser>;
  setRole(name: string, role: Role, opts?: ActorOpt): Promise<WebUser>;
  /** Checks a password under the throttle; records the failure or clears the user's count. Never says which of name and password was wrong. */
  checkPassword(name: string, password: string, opts: { address: string; now?: Date; policy?: ThrottlePolicy }): Promise<SignIn>;
  /** Opens a session (ending `replaces`, the session the browser had: rotation on sign-in). Returns the token for the cookie. */
  createSession(user: string, opts: { via: "password" | "proxy"; replaces?: string | null; now?: Date; timeouts?: SessionTimeouts; actor?: string }): Promise<{ token: string; session: WebSession }>;
  /** The live session of a token (renewing its idle time), or null: unknown, idle too long, past its end, or its user removed. */
  session(token: string, opts?: { now?: Date; timeouts?: SessionTimeouts }): Promise<WebSession | null>;
  endSession(token: string, opts?: ActorOpt): Promise<void>;
}

// ---------------------------------------------------------------- passwords

const SCRYPT = { N: 1 << 15, r: 8, p: 1, keylen: 32 };
export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 1024;

function scrypt(password: string, salt: Buffer, N: number, r: number, p: number, keylen: number): Promise<Buffer> {
  const opts: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize("NFC"), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  checkPasswordShape(password);
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keylen);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** A hash of nothing anyone knows: an unknown user's password is checked against it, so it costs the same time. */
let dummyHash: Promise<string> | null = null;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m || password.length > MAX_PASSWORD) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Only the parameters this code writes (or stronger within reason): a tampered row cannot make sign-in cost minutes.
  if (N < 1 << 14 || N > 1 << 17 || r < 8 || r > 16 || p < 1 || p > 4) return false;
  const expected = Buffer.from(m[5]!, "base64");
  const got = await scrypt(password, Buffer.from(m[4]!, "base64"), N, r, p, expected.length || 32);
  return expected.length > 0 && got.length === expected.length && timingSafeEqual(got, expected);
}

export function checkPasswordShape(password: string): void {
  if (password.length < MIN_PASSWORD) throw new UserError(`the password is too short: at least ${MIN_PASSWORD} characters`, { exitCode: 65 });
  if (password.length > MAX_PASSWORD) throw new UserError(`the password is too long: at most ${MAX_PASSWORD} characters`, { exitCode: 65 });
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function checkUserName(name: string): string {
  if (!NAME.test(name)) {
    throw new UserError(`"${name.slice(0, 80)}" is not a user name`, { exitCode: 65, hint: "1 to 64 characters: letters, digits, and . _ @ - (not first)" });
  }
  return name;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

// ---------------------------------------------------------------- the store

type Row = Database["web_users"];

function rowToUser(r: Row): WebUser {
  return {
    name: r.name,
    role: isRole(r.role) ? r.role : "viewer",
    hasPassword: r.password_hash !== null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastLoginAt: r.last_login_at,
  };
}

type WriteFn = <T>(opts: ActorOpt | undefined, fn: (w: Write) => Promise<T>) => Promise<T>;

export class SqlUserStore implements UserStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: WriteFn,
  ) {}

  async addUser(name: string, role: Role, password: string | null, opts: ActorOpt = {}): Promise<WebUser> {
    checkUserName(name);
    if (!isRole(role)) throw new UserError(`"${String(role)}" is not a role`, { exitCode: 64, hint: `one of ${ROLES.join(", ")}` });
    const hash = password === null ? null : await hashPassword(password);
    return this.write(opts, async (w) => {
      const exists = await w.trx.selectFrom("web_users").select("name").where("name", "=", name).executeTakeFirst();
      if (exists) throw new UserError(`user ${name} already exists`, { exitCode: 65, hint: "abuse-desk user passwd NAME changes the password; user remove NAME removes it" });
      const row: Row = { name, role, password_hash: hash, created_at: w.at, updated_at: w.at, last_login_at: null };
      await w.trx.insertInto("web_users").values(row).execute();
      w.audit("web.user.added", null, { user: name, role, password: hash !== null });
      return rowToUser(row);
    });
  }

  async getUser(name: string): Promise<WebUser | null> {
    const r = await this.db.selectFrom("web_users").selectAll().where("name", "=", name).executeTakeFirst();
    return r ? rowToUser(r) : null;
  }

  async listUsers(): Promise<WebUser[]> {
    return (await this.db.selectFrom("web_users").selectAll().orderBy("name").execute()).map(rowToUser);
  }

  async removeUser(name: string, opts: ActorOpt = {}): Promise<void> {
    await this.write(opts, async (w) => {
      const r = await w.trx.deleteFrom("web_users").where("name", "=", name).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw new UserError(`no user ${name}`, { exitCode: 66, hint: "abuse-desk user list shows them" });
      await w.trx.deleteFrom("web_sessions").where("user_name", "=", name).execute();
      w.audit("web.user.removed", null, { user: name });
    });
  }

  async setPassword(name: string, password: string | null, opts: ActorOpt = {}): Promise<WebUser> {
    const hash = password === null ? null : await hashPassword(password);
    return this.write(opts, async (w) => {
      const r = await w.trx.updateTable("web_users").set({ password_hash: hash, updated_at: w.at }).where("name", "=", name).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new UserError(`no user ${name}`, { exitCode: 66, hint: "abuse-desk user add NAME --role ROLE creates one" });
      await w.trx.deleteFrom("web_sessions").where("user_name", "=", name).execute();
      w.audit("web.user.password", null, { user: name, password: hash !== null });
      return rowToUser(await w.trx.selectFrom("web_users").selectAll().where("name", "=", name).executeTakeFirstOrThrow());
    });
  }

  async setRole(name: string, role: Role, opts: ActorOpt = {}): Promise<WebUser> {
    if (!isRole(role)) throw new UserError(`"${String(role)}" is not a role`, { exitCode: 64, hint: `one of ${ROLES.join(", ")}` });
    return this.write(opts, async (w) => {
      const r = await w.trx.updateTable("web_users").set({ role, updated_at: w.at }).where("name", "=", name).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new UserError(`no user ${name}`, { exitCode: 66 });
      w.audit("web.user.role", null, { user: name, role });
      return rowToUser(await w.trx.selectFrom("web_users").selectAll().where("name", "=", name).executeTakeFirstOrThrow());
    });
  }

  async checkPassword(name: string, password: string, opts: { address: string; now?: Date; policy?: ThrottlePolicy }): Promise<SignIn> {
    const now = opts.now ?? new Date();
    const policy = opts.policy ?? DEFAULT_THROTTLE;
    const keys = [`user:${name.slice(0, 64).toLowerCase()}`, `addr:${opts.address}`];
    const rows = await this.db.selectFrom("web_login_throttle").selectAll().where("key", "in", keys).execute();
    const lockedUntil = rows.map((r) => (r.locked_until ? Date.parse(r.locked_until) : 0)).reduce((a, b) => Math.max(a, b), 0);
    if (lockedUntil > now.getTime()) return { ok: false, reason: "throttled", retryAfterMs: lockedUntil - now.getTime() };

    const row = NAME.test(name) ? await this.db.selectFrom("web_users").selectAll().where("name", "=", name).executeTakeFirst() : undefined;
    dummyHash ??= hashPassword(randomBytes(24).toString("base64"));
    const stored = row?.password_hash ?? (await dummyHash);
    const good = (await verifyPassword(password, stored)) && row?.password_hash != null;
    return this.write({ actor: row ? `web:${row.name}` : "web (sign-in)", now }, async (w) => {
      if (good && row) {
        await w.trx.deleteFrom("web_login_throttle").where("key", "=", keys[0]!).execute();
        await w.trx.updateTable("web_users").set({ last_login_at: w.at }).where("name", "=", row.name).execute();
        return { ok: true as const, user: rowToUser({ ...row, last_login_at: w.at }) };
      }
      for (const [i, key] of keys.entries()) {
        const limit = i === 0 ? policy.perUser : policy.perAddress;
        const cur = await w.trx.selectFrom("web_login_throttle").selectAll().where("key", "=", key).executeTakeFirst();
        const fresh = !cur || now.getTime() - Date.parse(cur.window_start) > policy.windowMs;
        const failures = fresh ? 1 : cur.failures + 1;
        const over = failures - limit;
        const locked = over >= 0 ? iso(new Date(now.getTime() + Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** Math.min(over, 20)))) : null;
        if (cur) {
          await w.trx
            .updateTable("web_login_throttle")
            .set({ failures, window_start: fresh ? w.at : cur.window_start, locked_until: locked })
            .where("key", "=", key)
            .execute();
        } else {
          await w.trx.insertInto("web_login_throttle").values({ key, failures, window_start: w.at, locked_until: locked }).execute();
        }
      }
      w.audit("web.signin.failed", null, { user: name.slice(0, 64), address: opts.address });
      return { ok: false as const, reason: "invalid" as const };
    });
  }

  async createSession(
    user: string,
    opts: { via: "password" | "proxy"; replaces?: string | null; now?: Date; timeouts?: SessionTimeouts; actor?: string },
  ): Promise<{ token: string; session: WebSession }> {
    const t = opts.timeouts ?? DEFAULT_TIMEOUTS;
    const token = randomBytes(32).toString("base64url");
    const now = opts.now ?? new Date();
    return this.write({ actor: opts.actor ?? `web:${user}`, now }, async (w) => {
      const u = await w.trx.selectFrom("web_users").selectAll().where("name", "=", user).executeTakeFirst();
      if (!u) throw new UserError(`no user ${user}`, { exitCode: 66 });
      if (opts.replaces) await w.trx.deleteFrom("web_sessions").where("id", "=", sha256(opts.replaces)).execute();
      const row = { id: sha256(token), user_name: user, csrf: randomBytes(32).toString("base64url"), via: opts.via, created_at: w.at, last_seen_at: w.at, expires_at: iso(new Date(now.getTime() + t.absoluteMs)) };
      await w.trx.insertInto("web_sessions").values(row).execute();
      // Sessions past their end are swept as new ones open (one indexed delete; nothing else keeps them).
      await w.trx.deleteFrom("web_sessions").where("expires_at", "<", w.at).execute();
      w.audit("web.signin", null, { user, via: opts.via, session: row.id.slice(0, 16) });
      return { token, session: toSession(row, rowToUser(u).role) };
    });
  }

  async session(token: string, opts: { now?: Date; timeouts?: SessionTimeouts } = {}): Promise<WebSession | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const now = opts.now ?? new Date();
    const t = opts.timeouts ?? DEFAULT_TIMEOUTS;
    const id = sha256(token);
    const r = await this.db
      .selectFrom("web_sessions")
      .innerJoin("web_users", "web_users.name", "web_sessions.user_name")
      .select(["web_sessions.id", "web_sessions.user_name", "web_sessions.csrf", "web_sessions.via", "web_sessions.created_at", "web_sessions.last_seen_at", "web_sessions.expires_at", "web_users.role"])
      .where("web_sessions.id", "=", id)
      .executeTakeFirst();
    if (!r) return null;
    const at = now.getTime();
    if (Date.parse(r.expires_at) <= at || at - Date.parse(r.last_seen_at) >= t.idleMs) {
      await this.write({ actor: `web:${r.user_name}`, now }, async (w) => {
        await w.trx.deleteFrom("web_sessions").where("id", "=", id).execute();
      });
      return null;
    }
    let lastSeen = r.last_seen_at;
    if (at - Date.parse(r.last_seen_at) >= 60_000) {
      lastSeen = iso(now);
      await this.write({ now }, async (w) => {
        await w.trx.updateTable("web_sessions").set({ last_seen_at: lastSeen }).where("id", "=", id).execute();
      });
    }
    return toSession({ ...r, last_seen_at: lastSeen }, isRole(r.role) ? r.role : "viewer");
  }

  async endSession(token: string, opts: ActorOpt = {}): Promise<void> {
    const id = sha256(token);
    await this.write(opts, async (w) => {
      const r = await w.trx.deleteFrom("web_sessions").where("id", "=", id).executeTakeFirst();
      if (Number(r.numDeletedRows) > 0) w.audit("web.signout", null, { session: id.slice(0, 16) });
    });
  }
}

function toSession(r: Database["web_sessions"], role: Role): WebSession {
  return {
    id: r.id,
    user: r.user_name,
    role,
    csrf: r.csrf,
    via: r.via === "proxy" ? "proxy" : "password",
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
  };
}
