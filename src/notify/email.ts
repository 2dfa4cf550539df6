/**
 * E-mail to a distribution list (the team's abuse or security list), through the same SMTP
 * settings as replies. A 4xx SMTP answer or a network error is tried again; a 5xx answer (unknown
 * recipient, relay denied) is not.
 */
import { smtpTransportOptions, type SmtpSettings } from "../reply/config.ts";
import type { AttemptResult, Channel, NotifyEvent, NotifyEventKind } from "./types.ts";

export function emailText(event: NotifyEvent): string {
  const width = Math.max(...event.fields.map((f) => f.label.length), 0);
  return [event.text, "", ...event.fields.map((f) => `${(f.label + ":").padEnd(width + 1)} ${f.value}`), "", `-- abuse-desk (${event.kind}, ${event.at})`, ""].join("\n");
}

export function emailChannel(opts: { smtp: SmtpSettings; from: string; to: string[]; events: readonly NotifyEventKind[] | "all"; name?: string }): Channel {
  return {
    name: opts.name ?? "email",
    kind: "email",
    events: opts.events,
    async deliver(event): Promise<AttemptResult> {
      const { createTransport } = await import("nodemailer");
      const transport = createTransport(smtpTransportOptions(opts.smtp));
      try {
        const info = await transport.sendMail({
          from: opts.from,
          to: opts.to,
          subject: `[abuse-desk] ${event.title}`,
          text: emailText(event),
          headers: { "X-Abuse-Desk-Case": event.caseId, "X-Abuse-Desk-Event": event.kind, "Auto-Submitted": "auto-generated" },
        });
        return { ok: true, detail: String(info.response ?? "") };
      } catch (err) {
        const e = err as Error & { responseCode?: number };
        const permanent = typeof e.responseCode === "number" && e.responseCode >= 500;
        return { ok: false, retryable: !permanent, error: e.message, ...(e.responseCode ? { status: e.responseCode } : {}) };
      } finally {
        transport.close();
      }
    },
  };
}
