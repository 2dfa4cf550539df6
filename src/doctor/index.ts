/**
 * `abuse-desk doctor`: checks a setup before the night a notice arrives. Each check is one line,
 * ok / warn / fail, with the fix for anything not ok. Nothing is changed in any account and nothing
 * is sent; the case store is opened (and migrated) as any command opens it.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { Env } from "../config/file.ts";
import { UserError } from "../errors.ts";
import { dataHome } from "../home.ts";
import { check, type Check } from "./types.ts";

export type { Check, CheckStatus } from "./types.ts";

export interface DoctorOptions {
  /** `sim`, `sim:PATH` or `aws` (default: ABUSE_DESK_ACCOUNT). */
  account?: string;
  profile?: string;
  region?: string;
  policy?: string;
  /** Make no DNS lookup (the DNS check is a warning). */
  offline?: boolean;
  dnsServers?: string[];
  dnsTimeoutMs?: number;
  /**
   * The environment the doctor checks, given by its edge (the CLI passes process.env): the data
   * directory, the configuration, DATABASE_URL, the audit key, the account and policy defaults.
   */
  env: Env;
}

/** The name looked up to prove DNS works for DKIM: AWS's mail domain (its SPF record is a TXT record). */
export const DNS_PROBE = "amazonses.com";

const said = (err: unknown) => (err instanceof UserError ? `${err.message}${err.hint ? ` (${err.hint})` : ""}` : ((err as Error)?.message ?? String(err)).split("\n")[0]!);
const fixOf = (err: unknown, fallback: string) => (err instanceof UserError && err.hint ? err.hint : fallback);

export async function runDoctor(o: DoctorOptions): Promise<Check[]> {
  const env = o.env;
  const out: Check[] = [];
  const home = dataHome(undefined, env);

  // The data directory.
  try {
    if (existsSync(home)) {
      const st = statSync(home);
      if (!st.isDirectory()) throw new UserError(`${home} is not a directory`, { kind: "cannot-create", hint: `move the file away (mv ${home} ${home}.old), or set ABUSE_DESK_HOME to a directory of your own` });
      accessSync(home, constants.W_OK | constants.X_OK);
      if ((st.mode & 0o077) !== 0) out.push(check("home", "warn", `${home} is open to others (mode ${(st.mode & 0o777).toString(8)}); the next command makes it 0700 if it is yours`, `chmod 700 ${home}`));
      else out.push(check("home", "ok", `data directory ${home}`));
    } else {
      // The nearest existing ancestor must be a directory this user can write in.
      let up = dirname(home);
      while (!existsSync(up) && dirname(up) !== up) up = dirname(up);
      if (!statSync(up).isDirectory()) throw new UserError(`${home} cannot be created: ${up} is a file, not a directory`, { kind: "cannot-create", hint: `move ${up} away, or set ABUSE_DESK_HOME to a directory of your own` });
      accessSync(up, constants.W_OK | constants.X_OK);
      out.push(check("home", "ok", `data directory ${home} (created 0700 by the first command that writes)`));
    }
  } catch (err) {
    out.push(check("home", "fail", `the data directory cannot be used: ${said(err)}`, fixOf(err, `make ${home} a directory you can write (ls -ld ${home}), or set ABUSE_DESK_HOME`)));
  }

  // The configuration file.
  const { readConfigFile, configPath } = await import("../config/file.ts");
  let doc: Awaited<ReturnType<typeof readConfigFile>> | null = null;
  try {
    doc = readConfigFile(env);
    out.push(check("config", "ok", doc.path ? `configuration ${doc.path}` : `no configuration file (${configPath(env)}): the defaults`));
  } catch (err) {
    out.push(check("config", "fail", said(err), fixOf(err, `fix ${configPath(env)} (docs/aws.md, docs/reply.md and docs/notify.md list its sections)`)));
  }

  // The case store.
  try {
    const [{ openStore, describeTarget }, { storeOptions, storeTarget }] = await Promise.all([import("../case/index.ts"), import("../config/store.ts")]);
    const target = describeTarget(storeTarget(env));
    const store = await openStore(await storeOptions(env));
    await store.destroy();
    out.push(check("store", "ok", `${target.dialect === "sqlite" ? "SQLite" : "PostgreSQL"} ${target.location}: reachable, schema up to date`));
  } catch (err) {
    out.push(check("store", "fail", `the case store cannot be opened: ${said(err)}`, fixOf(err, "check DATABASE_URL (postgres://user:password@host:5432/db) or the data directory")));
  }

  // The containment policy and the examiners it lets reach an isolated host.
  try {
    const [{ loadPolicy }, { policyPath }] = await Promise.all([import("../policy/load.ts"), import("../config/policy.ts")]);
    const path = policyPath({ flag: o.policy }, env);
    const policy = await loadPolicy(path ?? undefined);
    out.push(check("policy", "ok", path ? `policy ${path}` : "no policy file: the safe defaults"));
    if (policy.examiners.cidrs.length === 0) {
      out.push(check("policy.examiners", "warn", "no examiner CIDRs: an isolated host can be reached by no one (not even for forensics)", "add your forensic workstation or bastion to the policy: examiners: { cidrs: [203.0.113.10/32] } (docs/containment.md)"));
    } else out.push(check("policy.examiners", "ok", `examiners ${policy.examiners.cidrs.join(", ")} on port ${policy.examiners.ports.join(", ")}`));
  } catch (err) {
    out.push(check("policy", "fail", said(err), fixOf(err, "fix the policy file (docs/containment.md)")));
  }

  // The account.
  const { accountSpec } = await import("../config/account.ts");
  const spec = (accountSpec({ flag: o.account }, env) ?? "").trim();
  if (!spec) {
    out.push(check("account", "warn", "no account configured: commands need --account each time", "give doctor --account aws (or sim), or set ABUSE_DESK_ACCOUNT=aws"));
  } else if (spec === "aws") {
    try {
      const { loadAwsOptions } = await import("../config/aws.ts");
      const { awsChecks } = await import("./aws.ts");
      out.push(...(await awsChecks(loadAwsOptions({ ...(o.profile ? { profile: o.profile } : {}), ...(o.region ? { region: o.region } : {}) }, env), env)));
    } catch (err) {
      out.push(check("account", "fail", said(err), fixOf(err, "fix the aws: section of the configuration (docs/aws.md)")));
    }
  } else {
    try {
      const { openCloud } = await import("../cloud/open.ts");
      const port = await openCloud(spec, { home });
      const accounts = await port.accounts();
      let regions = 0;
      for (const a of accounts) regions += (await port.regions(a.accountId)).length;
      out.push(check("account", "ok", `${spec}: ${accounts.length} account${accounts.length === 1 ? "" : "s"} (${accounts.map((a) => a.accountId).join(", ")}), ${regions} regions readable`));
    } catch (err) {
      out.push(check("account", "fail", `${spec}: ${said(err)}`, fixOf(err, "give --account sim, sim:PATH or aws")));
    }
  }

  // Replies: the From address and the way they are sent.
  if (doc) {
    try {
      const { replySettings, smtpSettings, smtpTransportOptions } = await import("../reply/config.ts");
      const reply = replySettings(doc, env);
      if (reply.from) out.push(check("reply.from", "ok", `replies are sent from ${reply.from}`));
      else out.push(check("reply.from", "warn", "no From address for replies: a reply can be drafted but not sent", "set reply.from in config.yaml (the address AWS's notices go to), or ABUSE_DESK_REPLY_FROM"));
      const smtp = smtpSettings(doc, env);
      if (smtp) {
        const { createTransport } = await import("nodemailer");
        const transport = createTransport({ ...smtpTransportOptions(smtp), connectionTimeout: 10_000, greetingTimeout: 10_000 } as Parameters<typeof createTransport>[0]);
        try {
          await transport.verify();
          out.push(check("send.smtp", "ok", `SMTP ${smtp.host}:${smtp.port} accepts a connection${smtp.auth ? " and the login" : ""}`));
        } catch (err) {
          out.push(check("send.smtp", "fail", `SMTP ${smtp.host}:${smtp.port}: ${said(err)}`, "check smtp.url (or ABUSE_DESK_SMTP_URL), the password and the network"));
        } finally {
          transport.close();
        }
      } else if (reply.ses.region) {
        out.push(...(await sesCheck(reply.ses.region, reply.from)));
      } else {
        out.push(check("send", "warn", "no SMTP server and no SES region: replies can be saved (--send file) but not sent", "set smtp.url (smtp://user:password@host:587) or reply.ses.region in config.yaml (docs/reply.md)"));
      }
    } catch (err) {
      out.push(check("reply", "fail", said(err), fixOf(err, "fix the reply: and smtp: sections (docs/reply.md)")));
    }

    // Notification channels: their configuration (nothing is sent: `abuse-desk notify test` sends a test).
    try {
      const { notifySettings } = await import("../notify/config.ts");
      const n = notifySettings(doc, env);
      if (n.channels.length === 0) out.push(check("notify", "warn", "no notification channel: nobody is told of a new case or a deadline", "add notify.slack, notify.email or notify.webhooks to config.yaml (docs/notify.md), then abuse-desk notify test"));
      else out.push(check("notify", "ok", `${n.channels.length} notification channel${n.channels.length === 1 ? "" : "s"} configured (${n.channels.map((c) => c.name).join(", ")}); abuse-desk notify test sends a test`));
    } catch (err) {
      out.push(check("notify", "fail", said(err), fixOf(err, "fix the notify: section (docs/notify.md)")));
    }
  }

  // DNS, for DKIM, SPF and DMARC.
  if (o.offline) {
    out.push(check("dns", "warn", "DNS not checked (--offline): without DNS a notice's signatures cannot be checked", "run doctor without --offline"));
  } else {
    try {
      const { systemResolver } = await import("../verify/dns.ts");
      const resolve = systemResolver({ timeoutMs: o.dnsTimeoutMs ?? 3000, ...(o.dnsServers?.length ? { servers: o.dnsServers } : {}) });
      const answers = await resolve(DNS_PROBE, "TXT");
      out.push(check("dns", "ok", `DNS answers (${answers.length} TXT record${answers.length === 1 ? "" : "s"} for ${DNS_PROBE}): DKIM keys can be fetched`));
    } catch (err) {
      out.push(check("dns", "fail", `DNS does not answer for ${DNS_PROBE} (${said(err)}): DKIM signatures cannot be checked`, "check the resolver (/etc/resolv.conf) or give --dns-server ADDR; the commands that verify take the same flag"));
    }
  }
  return out;
}

async function sesCheck(region: string, from: string | null): Promise<Check[]> {
  if (!from) return [check("send.ses", "warn", `SES in ${region}, but no From address to check`, "set reply.from")];
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const domain = address.split("@")[1] ?? address;
  const { SESv2Client, GetEmailIdentityCommand } = await import("@aws-sdk/client-sesv2");
  const ses = new SESv2Client({ region, maxAttempts: 2 });
  for (const identity of [address, domain]) {
    try {
      const r = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
      if (r.VerifiedForSendingStatus) return [check("send.ses", "ok", `SES in ${region} may send as ${identity}`)];
    } catch (err) {
      if ((err as { name?: string }).name !== "NotFoundException") return [check("send.ses", "fail", `SES in ${region}: ${said(err)}`, "allow ses:GetEmailIdentity and ses:SendEmail, and check the region")];
    }
  }
  return [check("send.ses", "fail", `SES in ${region} may not send as ${address}: neither the address nor ${domain} is a verified identity`, `verify it: aws sesv2 create-email-identity --email-identity ${domain} --region ${region}`)];
}

/** The exit status of a run: 0 unless a check failed (then 78: the setup needs fixing). */
export function doctorStatus(checks: readonly Check[]): number {
  return checks.some((c) => c.status === "fail") ? 78 : 0;
}
