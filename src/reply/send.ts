/**
 * Sending a drafted reply: composed once as an RFC 822 message (threaded under the notice with
 * In-Reply-To and References), then handed to one of three senders: SMTP (nodemailer), Amazon SES
 * (SESv2 SendEmail with the raw message), or a `.eml` file. The same bytes go out whichever way,
 * so what was tested against a real SMTP listener is what SES sends.
 *
 * `checkSendable` is the one place that decides whether a reply may leave: never to a notice judged
 * phishing, never without a From, and never to an address that is not AWS's abuse address unless
 * the person said so explicitly (a typo must not mail incident details to a stranger).
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import type { SESv2Client } from "@aws-sdk/client-sesv2";
import { UserError } from "../errors.ts";
import { ensurePrivateDir, writePrivateFile } from "../private-file.ts";
import { smtpTransportOptions, type SmtpSettings } from "./config.ts";
import { bareAddress, isAwsAbuseAddress } from "./thread.ts";
import type { ReplyDraft } from "./types.ts";

export type SendVia = "smtp" | "ses" | "file";

export interface OutgoingMessage {
  from: string | null;
  to: string[];
  cc: string[];
  subject: string;
  messageId: string;
  /** The whole message, CRLF line ends. */
  raw: Buffer;
}

export interface SendResult {
  via: SendVia;
  /** Our Message-ID; SES replaces it with its own, given in `providerId`. */
  messageId: string;
  providerId: string | null;
  /** The server's answer (SMTP), or the file written. */
  detail: string;
  path: string | null;
}

export interface ReplySender {
  readonly via: SendVia;
  send(msg: OutgoingMessage): Promise<SendResult>;
}

export interface SendChecks {
  via: SendVia;
  from: string | null;
  /** The person confirmed a recipient that is not AWS's (`--allow-non-aws-recipient`). */
  allowNonAws: boolean;
  awsAddresses?: readonly string[];
}

/** Throws a UserError saying why this reply may not be sent this way; returns when it may. */
export function checkSendable(draft: ReplyDraft, checks: SendChecks): void {
  if (draft.verdict === "phishing") {
    throw new UserError("refusing to send: the notice was judged phishing, so AWS did not send it and there is no one to reply to", {
      exitCode: 77,
      hint: "if AWS really contacted you, reply from the AWS console (Support Center) instead",
    });
  }
  if (checks.via === "file") return; // a file leaves nothing outside this machine
  if (!checks.from || !bareAddress(checks.from)) {
    throw new UserError("no From address for the reply", { exitCode: 78, hint: "set reply.from in config.yaml or ABUSE_DESK_REPLY_FROM (the address AWS wrote to)" });
  }
  if (!draft.to) throw new UserError("no recipient: the notice does not say who sent it", { exitCode: 64, hint: "give --to ec2-abuse@amazon.com (or the address in AWS's notice)" });
  const aws = isAwsAbuseAddress(draft.to, checks.awsAddresses);
  if (!aws && !checks.allowNonAws) {
    throw new UserError(`refusing to send to ${draft.to}: it is not one of AWS's abuse addresses`, {
      exitCode: 77,
      hint: "check the address; if it is right, add --allow-non-aws-recipient (or list it in reply.awsAddresses)",
    });
  }
  if (!aws && draft.verdict === "suspicious") {
    throw new UserError(`refusing to send to ${draft.to}: the notice was judged suspicious and the address is not AWS's`, { exitCode: 77, hint: "reply to a known AWS address with --to" });
  }
}

/** The reply as an RFC 822 message, threaded under the notice. */
export async function composeReply(draft: ReplyDraft, opts: { from: string | null; cc?: string[]; messageId?: string; date?: Date }): Promise<OutgoingMessage> {
  const { default: MailComposer } = await import("nodemailer/lib/mail-composer");
  const fromAddr = opts.from ? bareAddress(opts.from) : null;
  const domain = fromAddr?.split("@")[1] ?? "abuse-desk.invalid";
  const messageId = opts.messageId ?? `<abuse-desk.${randomUUID()}@${domain}>`;
  const to = draft.to ? [draft.to] : [];
  const cc = (opts.cc ?? []).map((c) => bareAddress(c)).filter((c): c is string => c !== null);
  const composer = new MailComposer({
    from: opts.from ?? undefined,
    to,
    cc: cc.length ? cc : undefined,
    subject: draft.subject,
    text: draft.text,
    messageId,
    date: opts.date ?? new Date(),
    inReplyTo: draft.inReplyTo ?? undefined,
    references: draft.references.length ? draft.references : undefined,
    headers: draft.caseId ? { "X-Abuse-Desk-Case": draft.caseId } : undefined,
    newline: "win",
  });
  const raw = await composer.compile().build();
  return { from: opts.from, to, cc, subject: draft.subject, messageId, raw };
}

export function smtpSender(settings: SmtpSettings): ReplySender {
  return {
    via: "smtp",
    async send(msg) {
      const { createTransport } = await import("nodemailer");
      const transport = createTransport(smtpTransportOptions(settings));
      try {
        const from = msg.from ? bareAddress(msg.from) : null;
        if (!from) throw new UserError("no From address for the reply", { exitCode: 78 });
        const info = await transport.sendMail({ envelope: { from, to: [...msg.to, ...msg.cc] }, raw: msg.raw });
        return { via: "smtp", messageId: msg.messageId, providerId: null, detail: String(info.response ?? ""), path: null };
      } catch (err) {
        if (err instanceof UserError) throw err;
        throw new UserError(`SMTP ${settings.host}:${settings.port}: ${(err as Error).message}`, { exitCode: 69, cause: err });
      } finally {
        transport.close();
      }
    },
  };
}

export function sesSender(client: SESv2Client, opts: { configurationSet?: string } = {}): ReplySender {
  return {
    via: "ses",
    async send(msg) {
      const { SendEmailCommand } = await import("@aws-sdk/client-sesv2");
      const from = msg.from ? bareAddress(msg.from) : null;
      if (!from) throw new UserError("no From address for the reply", { exitCode: 78 });
      try {
        const out = await client.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: msg.to, ...(msg.cc.length ? { CcAddresses: msg.cc } : {}) },
            Content: { Raw: { Data: new Uint8Array(msg.raw) } },
            ...(opts.configurationSet ? { ConfigurationSetName: opts.configurationSet } : {}),
          }),
        );
        return { via: "ses", messageId: msg.messageId, providerId: out.MessageId ?? null, detail: `SES accepted the message${out.MessageId ? ` (${out.MessageId})` : ""}`, path: null };
      } catch (err) {
        const e = err as Error & { name?: string };
        throw new UserError(`SES: ${e.name ?? "error"}: ${e.message}`, { exitCode: 69, cause: err, hint: e.name === "MessageRejected" ? "is the From address verified in SES in this region?" : undefined });
      }
    },
  };
}

/** Writes the message to `path`, 0600, never through a symbolic link, never over an existing file unless `force` (src/private-file.ts). */
export function fileSender(path: string, opts: { force?: boolean } = {}): ReplySender {
  return {
    via: "file",
    async send(msg) {
      if (!existsSync(dirname(path))) ensurePrivateDir(dirname(path), "the reply's directory");
      writePrivateFile(path, msg.raw, opts);
      return { via: "file", messageId: msg.messageId, providerId: null, detail: `written to ${path}`, path };
    },
  };
}
