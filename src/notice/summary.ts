/** A Notice as a few readable lines (the `parse` command without --json). */
import type { Notice } from "./types.ts";

type Colors = { bold(s: string): string; dim(s: string): string; yellow(s: string): string; red(s: string): string; cyan(s: string): string };

export function formatNotice(n: Notice, c: Colors): string {
  const lines: string[] = [];
  const row = (label: string, value: string | null | undefined) => {
    if (value) lines.push(`${c.dim(label.padEnd(14))} ${value}`);
  };
  const title = `${n.activityType.replace(/_/g, " ")} (${n.kind.replace(/_/g, " ")})`;
  lines.push(c.bold(title) + (n.activityText ? c.dim(`  "${n.activityText.slice(0, 100)}"`) : ""));
  row("case", n.caseNumber);
  row("subject", n.subject);
  row("from", n.from);
  row("received", n.receivedAt);
  row("accounts", n.accountIds.join(", "));
  row("regions", n.regions.join(", "));
  for (const r of n.resources) {
    const extra = [r.publicIp && `[${r.publicIp}]`, r.iamUser && `IAM user ${r.iamUser}`, r.region, r.accountId].filter(Boolean).join(" ");
    row("resource", `${r.type} ${r.id}${extra ? " " + c.dim(extra) : ""}`);
  }
  row("remote IPs", n.remoteIps.join(", "));
  row("remote ports", Array.isArray(n.remotePorts) ? n.remotePorts.join(", ") : `${n.remotePorts.count} ports`);
  row("protocol", n.protocol);
  row("URLs", n.destinationUrls.join(" "));
  if (n.window.begin || n.window.end) row("activity", `${n.window.begin ?? "?"} .. ${n.window.end ?? "?"}`);
  row("deadline", n.deadline.at ? `${n.deadline.at} (${n.deadline.basis}${n.deadline.text ? `: ${n.deadline.text}` : ""})` : n.deadline.text ?? "unknown");
  for (const m of n.mitigations) row("AWS did", m.text);
  if (n.health) row("Health event", [n.health.eventTypeCode, n.health.source].filter(Boolean).join(" "));
  if (n.redactions.length) row("redacted", n.redactions.map((r) => r.text).join(", "));
  for (const w of n.warnings) lines.push(c.yellow(`warning: ${w}`));
  return lines.join("\n");
}
