/**
 * Slack incoming webhook: a Block Kit message (header, summary, a field table, a context line) with
 * `text` as the fallback Slack shows in notifications and to screen readers.
 * https://api.slack.com/messaging/webhooks, https://api.slack.com/block-kit
 */
import { postJson } from "./http.ts";
import type { Channel, NotifyEvent, NotifyEventKind } from "./types.ts";

const ICON: Record<NotifyEvent["severity"], string> = { info: ":information_source:", warning: ":warning:", critical: ":rotating_light:" };

/** Slack's mrkdwn reserves &, < and > (links and mentions); everything else is literal. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * At most `n` characters, with an ellipsis when cut. Never ends inside an escape (`&am`, which Slack
 * would print as is) or between the two halves of a character outside the BMP (an emoji).
 */
function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  let head = s.slice(0, n - 1);
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  head = head.replace(/&[a-z]*$/, "");
  return head + "…";
}

// Block Kit limits (docs.slack.dev, Block Kit reference): a header's plain text 150 characters, a
// section's text 3000, a section's fields at most 10 of 2000 characters each (and none at all is
// an invalid block, so an event without fields has no field section).
export function slackPayload(event: NotifyEvent): Record<string, unknown> {
  const fields = event.fields.slice(0, 10).map((f) => ({ type: "mrkdwn", text: cut(`*${slackEscape(f.label)}*\n${slackEscape(f.value || "-")}`, 2000) }));
  return {
    text: `${ICON[event.severity]} ${slackEscape(event.title)}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: cut(event.title, 150), emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: cut(`${ICON[event.severity]} ${slackEscape(event.text)}`, 3000) } },
      ...(fields.length ? [{ type: "section", fields }] : []),
      { type: "context", elements: [{ type: "mrkdwn", text: slackEscape(`abuse-desk · ${event.kind} · ${event.at}`) }] },
    ],
  };
}

export function slackChannel(opts: { webhookUrl: string; events: readonly NotifyEventKind[] | "all"; timeoutMs: number; name?: string }): Channel {
  return {
    name: opts.name ?? "slack",
    kind: "slack",
    events: opts.events,
    deliver: (event) => postJson(opts.webhookUrl, JSON.stringify(slackPayload(event)), {}, opts.timeoutMs),
  };
}
