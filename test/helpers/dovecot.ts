/**
 * A real IMAP server for the mailbox source's tests: Debian's dovecot ($ABUSE_DESK_DOVECOT,
 * default /usr/sbin/dovecot) started with a throwaway configuration in a temp directory.
 *
 * - Listens on 127.0.0.1 on a free port; its base_dir (sockets, pid file), state_dir, log and
 *   maildirs all live in the temp directory, so nothing touches /etc/dovecot or /var/run/dovecot
 *   and several runs on one machine never meet.
 * - Users come from a passwd-file it writes (one mailbox user with a password, PLAIN scheme).
 * - Runs as the current user. Run as root (CI), dovecot refuses to run its login and mail
 *   processes as root, so they run as `nobody` and the maildir is given to that user.
 * - Optional: STARTTLS with a self-signed certificate generated for the run (openssl), and
 *   XOAUTH2 through dovecot's oauth2 passdb asking a local token-info endpoint the test runs.
 *
 * When dovecot (or openssl, for TLS) is missing, `startDovecot` throws: the tests fail, never skip.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { ImapFlow } from "imapflow";

export interface DovecotOptions {
  /** STARTTLS with a self-signed certificate (cert written to `certPath`); plaintext login then refused without TLS. */
  tls?: boolean;
  /** XOAUTH2: dovecot asks this URL (GET, the token appended) whether a token is valid. */
  oauthTokenInfoUrl?: string;
}

export interface Dovecot {
  host: string;
  port: number;
  user: string;
  pass: string;
  dir: string;
  /** The self-signed certificate (PEM) when started with `tls`. */
  cert: string | null;
  /** Appends one message to a mailbox (INBOX by default), returns its UID. */
  append(raw: string | Buffer, mailbox?: string): Promise<number>;
  /** The UIDs in a mailbox and their flags (a fresh connection each time). */
  list(mailbox?: string): Promise<Array<{ uid: number; flags: string[] }>>;
  mailboxes(): Promise<string[]>;
  create(mailbox: string): Promise<void>;
  /** Deletes and recreates a mailbox: a new UIDVALIDITY. */
  recreate(mailbox: string): Promise<void>;
  /** Stops the server (its connections drop); `start()` brings it back on the same port and maildirs. */
  stop(): Promise<void>;
  start(): Promise<void>;
  log(): string;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

export function dovecotBinary(): string {
  const bin = process.env.ABUSE_DESK_DOVECOT || "/usr/sbin/dovecot";
  if (!existsSync(bin)) throw new Error(`the IMAP tests need Debian's dovecot at ${bin} (apt-get install dovecot-imapd, or set ABUSE_DESK_DOVECOT)`);
  return bin;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The account the mail processes run as: the current user, or `nobody` when that is root. */
function mailAccount(): { user: string; group: string; uid: number; gid: number } {
  const me = userInfo();
  const passwd = readFileSync("/etc/passwd", "utf8").split("\n");
  const groups = readFileSync("/etc/group", "utf8").split("\n");
  const groupName = (gid: number) => groups.map((l) => l.split(":")).find((f) => Number(f[2]) === gid)?.[0] ?? String(gid);
  if (me.uid !== 0) return { user: me.username, group: groupName(me.gid), uid: me.uid, gid: me.gid };
  const nobody = passwd.map((l) => l.split(":")).find((f) => f[0] === "nobody");
  if (!nobody) throw new Error("run as root, the dovecot harness needs the `nobody` user for dovecot's unprivileged processes");
  const uid = Number(nobody[2]);
  const gid = Number(nobody[3]);
  return { user: "nobody", group: groupName(gid), uid, gid };
}

function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
  } catch (err) {
    throw new Error(`the TLS tests need openssl to make a self-signed certificate: ${(err as Error).message}`, { cause: err });
  }
  return { cert, key };
}

/** A self-signed certificate and key (PEM) for a TLS test server (SMTP STARTTLS). */
export function makeCertificate(): { cert: string; key: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "abuse-desk-cert-"));
  const p = selfSignedCert(dir);
  return { cert: readFileSync(p.cert, "utf8"), key: readFileSync(p.key, "utf8"), dir };
}

async function waitForPort(port: number, child: ChildProcess, logPath: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${existsSync(logPath) ? readFileSync(logPath, "utf8") : ""}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`dovecot did not listen on 127.0.0.1:${port}: ${existsSync(logPath) ? readFileSync(logPath, "utf8") : ""}`);
}

/** The processes whose parent is `pid` (from /proc). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export async function startDovecot(opts: DovecotOptions = {}): Promise<Dovecot> {
  const bin = dovecotBinary();
  const dir = mkdtempSync(join(tmpdir(), "abuse-desk-dovecot-"));
  chmodSync(dir, 0o755); // the unprivileged processes must reach the maildir below it
  const acct = mailAccount();
  if (userInfo().uid === 0) {
    for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
      if ((statSync(d).mode & 0o001) === 0) throw new Error(`dovecot's processes run as ${acct.user} and cannot enter ${d}: set TMPDIR to a directory others may enter (like /tmp)`);
    }
  }
  const port = await freePort();
  const user = "abuse";
  const pass = `pw-${Math.random().toString(36).slice(2)}`;
  const mail = join(dir, "mail");
  mkdirSync(mail);
  if (userInfo().uid === 0) chownSync(mail, acct.uid, acct.gid);
  const logPath = join(dir, "dovecot.log");
  const passwdPath = join(dir, "passwd");
  // passwd-file: user:password:uid:gid:gecos:home:shell:extra
  writeFileSync(passwdPath, `${user}:{PLAIN}${pass}:${acct.uid}:${acct.gid}::${join(mail, user)}::\n`);
  let cert: { cert: string; key: string } | null = null;
  if (opts.tls) cert = selfSignedCert(dir);
  const oauthConf = join(dir, "oauth2.conf");
  if (opts.oauthTokenInfoUrl) {
    writeFileSync(oauthConf, [`introspection_url = ${opts.oauthTokenInfoUrl}`, "introspection_mode = get", "username_attribute = username", "active_attribute = active", "active_value = true", ""].join("\n"));
  }
  const conf = [
    `base_dir = ${join(dir, "run")}`,
    `state_dir = ${join(dir, "state")}`,
    `instance_name = abuse-desk-test-${port}`,
    "protocols = imap",
    "listen = 127.0.0.1",
    `log_path = ${logPath}`,
    `info_log_path = ${logPath}`,
    `default_internal_user = ${acct.user}`,
    `default_internal_group = ${acct.group}`,
    `default_login_user = ${acct.user}`,
    `first_valid_uid = ${Math.min(acct.uid, 500)}`,
    `first_valid_gid = ${Math.min(acct.gid, 500)}`,
    `mail_location = maildir:${mail}/%u`,
    "mail_privileged_group =",
    "auth_verbose = yes",
    "auth_failure_delay = 0",
    `auth_mechanisms = plain login${opts.oauthTokenInfoUrl ? " xoauth2" : ""}`,
    ...(cert
      ? ["ssl = yes", `ssl_cert = <${cert.cert}`, `ssl_key = <${cert.key}`, "disable_plaintext_auth = yes"]
      : ["ssl = no", "disable_plaintext_auth = no"]),
    "passdb {",
    "  driver = passwd-file",
    `  args = scheme=PLAIN username_format=%u ${passwdPath}`,
    "}",
    ...(opts.oauthTokenInfoUrl ? ["passdb {", "  driver = oauth2", "  mechanisms = xoauth2", `  args = ${oauthConf}`, "}"] : []),
    "userdb {",
    "  driver = passwd-file",
    `  args = username_format=%u ${passwdPath}`,
    "}",
    "service imap-login {",
    "  chroot =",
    "  inet_listener imap {",
    "    address = 127.0.0.1",
    `    port = ${port}`,
    "  }",
    "  inet_listener imaps {",
    "    port = 0",
    "  }",
    "}",
    "service anvil {",
    "  chroot =",
    "}",
    "",
  ].join("\n");
  const confPath = join(dir, "dovecot.conf");
  writeFileSync(confPath, conf);

  let child: ChildProcess | null = null;
  let admin: ImapFlow | null = null;

  const client = () =>
    new ImapFlow({
      host: "127.0.0.1",
      port,
      secure: false,
      doSTARTTLS: cert ? true : false,
      tls: cert ? { ca: [readFileSync(cert.cert)], servername: "localhost" } : undefined,
      auth: { user, pass },
      logger: false,
    });

  async function withAdmin<T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> {
    if (!admin || !admin.usable) {
      admin = client();
      admin.on("error", () => undefined);
      await admin.connect();
    }
    return fn(admin);
  }

  const start = async () => {
    if (child) return;
    const c = spawn(bin, ["-F", "-c", confPath], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    c.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child = c;
    try {
      await waitForPort(port, c, logPath);
    } catch (err) {
      c.kill("SIGKILL");
      child = null;
      throw new Error(`${(err as Error).message}\n${stderr}`, { cause: err });
    }
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (admin) {
      const a = admin;
      admin = null;
      a.close();
    }
    if (!c || c.exitCode !== null) return;
    // The master's children (imap, auth, log...) outlive it by ~10 s waiting for it; a restart
    // ends them too, as `systemctl restart` does (SIGTERM: imap says BYE "Server shutting down").
    const children = childPids(c.pid!);
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    c.kill("SIGTERM");
    await exited;
    for (const pid of children) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    for (let i = 0; i < 200 && children.some(alive); i++) await new Promise((r) => setTimeout(r, 25));
  };

  await start();
  return {
    host: "127.0.0.1",
    port,
    user,
    pass,
    dir,
    cert: cert ? readFileSync(cert.cert, "utf8") : null,
    append: (raw, mailbox = "INBOX") =>
      withAdmin(async (c) => {
        const r = await c.append(mailbox, raw);
        if (!r || !r.uid) throw new Error("dovecot did not report the appended message's UID");
        return r.uid;
      }),
    list: async (mailbox = "INBOX") => {
      // A fresh connection: a selected mailbox on a long-lived one may not have heard of another session's expunges yet.
      const c = client();
      c.on("error", () => undefined);
      await c.connect();
      try {
        const out: Array<{ uid: number; flags: string[] }> = [];
        const mb = await c.mailboxOpen(mailbox, { readOnly: true });
        if (!mb.exists) return out;
        for await (const m of c.fetch("1:*", { uid: true, flags: true })) out.push({ uid: m.uid, flags: [...(m.flags ?? [])].filter((f) => f !== "\\Recent") });
        return out;
      } finally {
        await c.logout().catch(() => c.close());
      }
    },
    mailboxes: () => withAdmin(async (c) => (await c.list()).map((m) => m.path)),
    create: (mailbox) =>
      withAdmin(async (c) => {
        await c.mailboxCreate(mailbox);
      }),
    recreate: (mailbox) =>
      withAdmin(async (c) => {
        await c.mailboxDelete(mailbox);
        await c.mailboxCreate(mailbox);
      }),
    stop,
    start,
    log: () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : ""),
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
