/**
 * Configuration for sending mail (replies to AWS and e-mail notifications): the `smtp:` and
 * `reply:` sections of `config.yaml` in the data directory (or the file `ABUSE_DESK_CONFIG` names),
 * with environment variables winning over the file. A secret is never written in the file: write
 * `env:NAME` and the value is read from that environment variable. docs/reply.md lists every key.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { docEnv, fromEnvReference, parseSection, type ConfigDocument, type Env } from "../config/file.ts";
import { UserError } from "../errors.ts";
import { dataHome } from "../home.ts";

// --- smtp ------------------------------------------------------------------------------------

const SmtpSchema = z
  .object({
    url: z.string().optional(),
    host: z.string().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    secure: z.boolean().optional(),
    requireTLS: z.boolean().optional(),
    rejectUnauthorized: z.boolean().optional(),
    user: z.string().optional(),
    pass: z.string().optional(),
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict();

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). */
  secure: boolean;
  /** Refuse to send unless the server offers STARTTLS: incident details never cross a network in clear. */
  requireTLS: boolean;
  rejectUnauthorized: boolean;
  auth: { user: string; pass: string } | null;
  timeoutMs: number;
}

/**
 * The SMTP server, or null when none is configured. `ABUSE_DESK_SMTP_URL` (`smtp://` or `smtps://`,
 * credentials in the URL) or `ABUSE_DESK_SMTP_HOST` / `_PORT` / `_USER` / `_PASS` / `_SECURE` win
 * over the file. TLS is required except to a loopback relay (a local MTA that forwards the mail).
 */
export function smtpSettings(doc: ConfigDocument, env: Env = docEnv(doc)): SmtpSettings | null {
  const file = parseSection(SmtpSchema, doc, "smtp");
  const url = env.ABUSE_DESK_SMTP_URL || fromEnvReference(file.url, env, "smtp.url");
  let host = env.ABUSE_DESK_SMTP_HOST || file.host;
  let port = env.ABUSE_DESK_SMTP_PORT ? Number(env.ABUSE_DESK_SMTP_PORT) : file.port;
  let secure = env.ABUSE_DESK_SMTP_SECURE ? /^(1|true|yes)$/i.test(env.ABUSE_DESK_SMTP_SECURE) : file.secure;
  let user = env.ABUSE_DESK_SMTP_USER || file.user;
  let pass = env.ABUSE_DESK_SMTP_PASS || fromEnvReference(file.pass, env, "smtp.pass");
  if (url) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new UserError("the SMTP URL is not a URL (smtp://user:password@host:587)", { exitCode: 78 });
    }
    if (u.protocol !== "smtp:" && u.protocol !== "smtps:") throw new UserError(`the SMTP URL must start with smtp:// or smtps://, not ${u.protocol}//`, { exitCode: 78 });
    host ??= u.hostname.replace(/^\[|\]$/g, "");
    secure ??= u.protocol === "smtps:";
    port ??= u.port ? Number(u.port) : secure ? 465 : 587;
    user ??= u.username ? decodeURIComponent(u.username) : undefined;
    pass ??= u.password ? decodeURIComponent(u.password) : undefined;
  }
  if (!host) return null;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new UserError(`SMTP port ${port} is not a port number`, { exitCode: 78 });
  secure ??= port === 465;
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/i.test(host);
  return {
    host,
    port: port ?? (secure ? 465 : 587),
    secure,
    requireTLS: file.requireTLS ?? !loopback,
    rejectUnauthorized: file.rejectUnauthorized ?? true,
    auth: user ? { user, pass: pass ?? "" } : null,
    timeoutMs: file.timeoutMs ?? 30_000,
  };
}

/** nodemailer's transport options for these settings: the one place both replies and e-mail notifications take them from. */
export function smtpTransportOptions(s: SmtpSettings) {
  return {
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: s.requireTLS,
    ignoreTLS: false,
    auth: s.auth ?? undefined,
    tls: { rejectUnauthorized: s.rejectUnauthorized },
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    socketTimeout: s.timeoutMs,
  };
}

// --- reply -----------------------------------------------------------------------------------

const ReplySchema = z
  .object({
    from: z.string().optional(),
    cc: z.array(z.string()).optional(),
    awsAddresses: z.array(z.string()).optional(),
    templates: z.string().optional(),
    includeOwners: z.boolean().optional(),
    signature: z.object({ name: z.string().optional(), team: z.string().optional(), organisation: z.string().optional() }).strict().optional(),
    ses: z.object({ region: z.string().optional(), configurationSet: z.string().optional() }).strict().optional(),
  })
  .strict();

export interface ReplySettings {
  /** The From of replies (`Security <security@example.com>`): the address AWS's notices went to. */
  from: string | null;
  /** Copies to your own team (never to a third party). */
  cc: string[];
  awsAddresses: string[];
  /** Directories whose templates override the shipped ones, first wins. */
  templateDirs: string[];
  signature: { name?: string; team?: string; organisation?: string };
  ses: { region?: string; configurationSet?: string };
  /** Name the resources' owners (from their tags) in replies to AWS. */
  includeOwners: boolean;
}

export function replySettings(doc: ConfigDocument, env: Env = docEnv(doc), home?: string): ReplySettings {
  const r = parseSection(ReplySchema, doc, "reply");
  const dirs: string[] = [];
  if (r.templates) dirs.push(r.templates);
  const homeDir = join(dataHome(home, env), "templates", "reply");
  if (existsSync(homeDir) && !dirs.includes(homeDir)) dirs.push(homeDir);
  return {
    from: env.ABUSE_DESK_REPLY_FROM || r.from || null,
    cc: r.cc ?? [],
    awsAddresses: r.awsAddresses ?? [],
    templateDirs: dirs,
    signature: r.signature ?? {},
    includeOwners: r.includeOwners ?? false,
    ses: { region: env.ABUSE_DESK_SES_REGION || r.ses?.region, configurationSet: r.ses?.configurationSet },
  };
}
