/**
 * The AWS Health console's text copy: each label on its own line and its value on the next
 * ("Event" / "Abuse open proxy report", "Start time" / "October 14, 2021 at 6:30:56 AM UTC+3",
 * "Affected resources" / "1"), then "Description" and the notice text.
 */
import type { Notice } from "../types.ts";
import { classifyHealthCode, classifyPhrase } from "../extract/activity.ts";
import { NoticeBuilder, P, extractText } from "../extract/index.ts";
import { regionCode } from "../extract/regions.ts";
import { excerpt, normalizeText } from "../extract/text.ts";
import { findTime } from "../extract/times.ts";
import { decide } from "../classify.ts";
import { entity } from "./notice.ts";

const LABELS = new Map<string, string>(
  [
    ["event", "event"], ["event type", "eventType"], ["event type code", "eventType"], ["service", "service"], ["status", "status"],
    ["start time", "start"], ["end time", "end"], ["last update time", "updated"], ["last updated time", "updated"],
    ["region / availability zone", "region"], ["region/availability zone", "region"], ["region", "region"], ["availability zone", "az"],
    ["category", "category"], ["event category", "category"], ["account specific", "accountSpecific"], ["affected resources", "resources"],
    ["affected entities", "resources"], ["description", "description"], ["event arn", "arn"], ["affected account", "account"], ["account", "account"],
  ],
);

function labelOf(line: string): string | null {
  return LABELS.get(line.trim().toLowerCase().replace(/\s+/g, " ").replace(/:$/, "")) ?? null;
}

/** A label alone on its line, or a label and its value on one line separated by a tab (a copied table row). */
function consoleLine(line: string): { key: string; value?: string } | null {
  const key = labelOf(line);
  if (key) return { key };
  const tab = line.indexOf("\t");
  if (tab < 2 || tab > 40) return null;
  const k = labelOf(line.slice(0, tab));
  const value = line.slice(tab + 1).trim();
  return k ? (value ? { key: k, value } : { key: k }) : null;
}

/** True when the text reads like a copy of the Health console's event details. */
export function looksLikeHealthConsole(text: string): boolean {
  const head = normalizeText(text.slice(0, 20_000)).text.split("\n", 400);
  const found = new Set<string>();
  for (const l of head) {
    const k = consoleLine(l)?.key;
    if (k) found.add(k);
  }
  return found.size >= 3 && (found.has("start") || found.has("resources")) && (found.has("event") || found.has("status") || found.has("description"));
}

export function healthConsoleToNotice(text: string, opts: { receivedAt?: string | undefined } = {}): Notice {
  const b = new NoticeBuilder();
  // one spelling (a "> " quoted copy unquoted, exotic spaces plain) before the label lines are read
  const lines = normalizeText(text).text.split("\n");
  const values = new Map<string, { value: string; line: number }>();
  const resources: { value: string; line: number }[] = [];
  let description: { text: string; line: number } | null = null;
  let title: { value: string; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const cl = consoleLine(lines[i]!);
    if (!cl) {
      if (!title && /^\s*(?:Abuse|Risk)\b.{2,80}$|^\s*AWS_(?:ABUSE|RISK)_[A-Z0-9_]+\s*$/.test(lines[i]!)) title = { value: lines[i]!.trim(), line: i };
      continue;
    }
    const key = cl.key;
    if (key === "description") {
      description = { text: (cl.value !== undefined ? [cl.value, ...lines.slice(i + 1)] : lines.slice(i + 1)).join("\n"), line: cl.value !== undefined ? i : i + 1 };
      break;
    }
    let j = i + 1;
    if (cl.value !== undefined) j = i; // "Start time<TAB>March 3, 2024 ..."
    else {
      while (j < lines.length && lines[j]!.trim() === "") j++;
      if (j >= lines.length || consoleLine(lines[j]!)) continue;
    }
    const value = cl.value ?? lines[j]!.trim();
    const label = cl.value !== undefined ? lines[i]!.slice(0, lines[i]!.indexOf("\t")).trim() : lines[i]!.trim();
    if (key === "resources" && !/^\d+$/.test(value)) {
      // the tab copies as a table (resource, status, last update): the first cell is the resource
      for (; j < lines.length && lines[j]!.trim() !== "" && (j === i || !consoleLine(lines[j]!)); j++) {
        const cell = lines[j]!.trim().split(/\t| {2,}/)[0]!;
        if (!/^(?:resource|entity|status|last updated?)/i.test(cell)) resources.push({ value: cell, line: j });
      }
      i = j - 1;
      continue;
    }
    if (!values.has(key)) values.set(key, { value, line: j });
    b.field({ label, value, source: { part: "event", line: j + 1, label, excerpt: excerpt(value) } });
    if (key === "event" || key === "eventType") title ??= { value, line: j };
    i = j;
  }
  const s = (label: string, v: { value: string; line: number }) => ({ part: "event" as const, line: v.line + 1, label, excerpt: excerpt(v.value) });

  let code = "";
  if (title) {
    const codeMatch = /AWS_(?:ABUSE|RISK)_[A-Z0-9_]+/.exec(title.value);
    if (codeMatch) code = codeMatch[0];
    const type = code ? classifyHealthCode(code) : classifyPhrase(title.value.replace(/^\s*(?:Abuse|Risk)\s+/i, "").replace(/\s+report\s*$/i, ""));
    if (type) b.offer("activity", { type, text: title.value }, P.event, s("Event", title));
  }
  const start = values.get("start");
  const startT = start ? findTime(start.value) : null;
  if (startT && start) b.offer("begin", startT.iso, P.event, s("Start time", start));
  const end = values.get("end");
  const endT = end ? findTime(end.value) : null;
  if (endT && end) b.offer("end", endT.iso, P.event, s("End time", end));
  const region = values.get("region");
  if (region) {
    const code2 = regionCode(region.value);
    if (code2) b.add("regions", code2, s("Region / Availability Zone", region));
  }
  for (const r of resources) entity(b, r.value, s("Affected resources", r), false);

  const updated = values.get("updated");
  const receivedAt = opts.receivedAt ?? (updated ? findTime(updated.value)?.iso : undefined) ?? startT?.iso ?? null;
  const reference = receivedAt ? new Date(receivedAt) : null;
  let signals = { kinds: new Set(), hasReporterReport: false, reporterUrls: [] } as ReturnType<typeof extractText>;
  if (description) signals = extractText({ text: description.text, part: "event", label: "Description", reference }, b);
  const d = decide(b, signals, { health: true, receivedMs: receivedAt ? Date.parse(receivedAt) : null });
  return b.build({
    format: "health-console",
    kind: d.kind,
    activityType: d.activityType,
    activityText: d.activityText,
    subject: null,
    from: null,
    messageId: null,
    receivedAt,
    deadline: d.deadline,
    health: { eventTypeCode: code || (title?.value ?? ""), ...(values.get("service") ? { service: values.get("service")!.value } : {}), ...(values.get("status") ? { statusCode: values.get("status")!.value.toLowerCase() } : {}), fetchedFromApi: false },
  });
}
