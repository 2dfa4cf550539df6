/**
 * The `notify:` section of config.yaml (and its environment variables) -> the channels to send to.
 * docs/notify.md documents every key. No channel configured means no notification, silently: a
 * desk without Slack still works.
 */
import { z } from "zod";
import { UserError } from "../errors.ts";
import { docEnv, fromEnvReference, parseSection, type ConfigDocument, type Env } from "../config/file.ts";
import { smtpSettings } from "../reply/config.ts";
import { DEFAULT_DEADLINE_WARNING_HOURS } from "./due.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "./dispatch.ts";
import { emailChannel } from "./email.ts";
import { checkWebhookUrl } from "./http.ts";
import { slackChannel } from "./slack.ts";
import { NOTIFY_EVENTS, type Channel, type NotifyEventKind } from "./types.ts";
import { webhookChannel } from "./webhook.ts";

const KINDS: readonly string[] = NOTIFY_EVENTS.filter((e) => e !== "test");
const EventList = z
  .union([z.literal("all"), z.array(z.string())], { error: `events must be "all" or a list of: ${KINDS.join(", ")}` })
  .superRefine((v, ctx) => {
    if (v === "all") return;
    v.forEach((e, i) => {
      if (!KINDS.includes(e)) ctx.addIssue({ code: "custom", path: [i], message: `unknown event "${e}" (one of: ${KINDS.join(", ")})` });
    });
  })
  .transform((v) => v as readonly NotifyEventKind[] | "all");

const NotifySchema = z
  .object({
    deadlineWarningHours: z.number().positive().max(168).optional(),
    timeoutMs: z.number().int().positive().max(120_000).optional(),
    retry: z
      .object({
        attempts: z.number().int().min(1).max(10).optional(),
        initialDelayMs: z.number().int().min(0).max(60_000).optional(),
        maxDelayMs: z.number().int().min(0).max(300_000).optional(),
      })
      .strict()
      .optional(),
    slack: z.object({ webhookUrl: z.string(), events: EventList.optional() }).strict().optional(),
    email: z.object({ to: z.array(z.string()).min(1), from: z.string().optional(), events: EventList.optional() }).strict().optional(),
    webhooks: z
      .array(z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).optional(), url: z.string(), secret: z.string(), events: EventList.optional() }).strict())
      .optional(),
  })
  .strict();

export interface NotifySettings {
  channels: Channel[];
  retry: RetryPolicy;
  deadlineWarningHours: number;
}

export function notifySettings(doc: ConfigDocument, env: Env = docEnv(doc)): NotifySettings {
  const n = parseSection(NotifySchema, doc, "notify");
  const timeoutMs = n.timeoutMs ?? 10_000;
  const channels: Channel[] = [];
  const where = doc.path ?? "configuration";

  const slackUrl = env.ABUSE_DESK_SLACK_WEBHOOK_URL || fromEnvReference(n.slack?.webhookUrl, env, "notify.slack.webhookUrl");
  if (slackUrl) {
    const bad = checkWebhookUrl(slackUrl);
    if (bad) throw new UserError(`${where}: notify.slack.webhookUrl ${bad}`, { exitCode: 78 });
    channels.push(slackChannel({ webhookUrl: slackUrl, events: n.slack?.events ?? "all", timeoutMs }));
  }

  const emailTo = env.ABUSE_DESK_NOTIFY_EMAIL ? env.ABUSE_DESK_NOTIFY_EMAIL.split(",").map((s) => s.trim()).filter(Boolean) : n.email?.to;
  if (emailTo && emailTo.length > 0) {
    const smtp = smtpSettings(doc, env);
    if (!smtp) throw new UserError(`${where}: notify.email needs an SMTP server (smtp: section or ABUSE_DESK_SMTP_URL)`, { exitCode: 78 });
    const from = env.ABUSE_DESK_NOTIFY_FROM || n.email?.from || env.ABUSE_DESK_REPLY_FROM || (doc.data.reply as { from?: string } | undefined)?.from;
    if (!from) throw new UserError(`${where}: notify.email needs a from address (notify.email.from or reply.from)`, { exitCode: 78 });
    channels.push(emailChannel({ smtp, from, to: emailTo, events: n.email?.events ?? "all" }));
  }

  const hooks = [...(n.webhooks ?? [])];
  if (env.ABUSE_DESK_WEBHOOK_URL) hooks.push({ name: "env", url: env.ABUSE_DESK_WEBHOOK_URL, secret: "env:ABUSE_DESK_WEBHOOK_SECRET" });
  hooks.forEach((h, i) => {
    const name = `webhook:${h.name ?? String(i + 1)}`;
    const bad = checkWebhookUrl(h.url);
    if (bad) throw new UserError(`${where}: ${name} url ${bad}`, { exitCode: 78 });
    const secret = fromEnvReference(h.secret, env, `${name} secret`)!;
    if (secret.length < 16) throw new UserError(`${where}: ${name} secret is too short (at least 16 characters; 32 random bytes are better)`, { exitCode: 78 });
    channels.push(webhookChannel({ url: h.url, secret, events: h.events ?? "all", timeoutMs, name }));
  });

  const names = new Set<string>();
  for (const c of channels) {
    if (names.has(c.name)) throw new UserError(`${where}: two notification channels are named ${c.name}`, { exitCode: 78 });
    names.add(c.name);
  }
  return {
    channels,
    retry: { ...DEFAULT_RETRY, ...n.retry },
    deadlineWarningHours: n.deadlineWarningHours ?? DEFAULT_DEADLINE_WARNING_HOURS,
  };
}
