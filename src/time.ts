/**
 * The one way a time is written for a person at the terminal: UTC first (what AWS writes), then the
 * person's own zone (TZ) when it is not UTC, then, for a deadline, the time left or how long it is
 * overdue. `2026-05-01 14:03 UTC (16:03 CEST), 3 h 12 min left`. JSON output keeps ISO 8601 UTC with
 * `Z`; replies and reports to AWS keep UTC alone (src/reply/format.ts).
 */
import { timeLeft } from "./case/format.ts";

export interface HumanTimeOptions {
  /** The person's zone (IANA name); default: $TZ, else the system's. An unknown zone is left out. */
  tz?: string;
  /** With `now`, the time is a deadline: `, 3 h 12 min left` / `, overdue by 2 h` / `, due now`. */
  now?: Date;
  /** Seconds too (default: minutes). */
  seconds?: boolean;
}

/** The zone times are shown in beside UTC. */
export function localZone(env: Record<string, string | undefined> = process.env): string {
  const tz = env.TZ?.replace(/^:/, "");
  if (tz) return tz;
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
}

const isUtc = (tz: string) => /^(Etc\/)?(UTC|UCT|GMT|Zulu|Universal)(\+0|-0|0)?$/i.test(tz);

function inZone(d: Date, tz: string, seconds: boolean): { date: string; clock: string; zone: string } | null {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      ...(seconds ? { second: "2-digit" } : {}),
      hourCycle: "h23",
      timeZoneName: "short",
    }).formatToParts(d);
  } catch {
    return null; // not a zone Intl knows
  }
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? "";
  return { date: `${p("year")}-${p("month")}-${p("day")}`, clock: `${p("hour")}:${p("minute")}${seconds ? `:${p("second")}` : ""}`, zone: p("timeZoneName") };
}

/** `2026-05-01 14:03 UTC (16:03 CEST)`; with `now`, `, 3 h 12 min left`. The input as it is when it is not a time. */
export function humanTime(iso: string | null | undefined, o: HumanTimeOptions = {}): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const seconds = o.seconds === true;
  const utc = `${d.toISOString().slice(0, seconds ? 19 : 16).replace("T", " ")} UTC`;
  const tz = o.tz ?? localZone();
  let local = "";
  if (!isUtc(tz)) {
    const z = inZone(d, tz, seconds);
    if (z && z.zone !== "UTC") local = ` (${z.date === utc.slice(0, 10) ? "" : `${z.date} `}${z.clock} ${z.zone})`;
  }
  return `${utc}${local}${o.now ? `, ${timeLeft(d.toISOString(), o.now)}` : ""}`;
}
