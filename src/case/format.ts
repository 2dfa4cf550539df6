/**
 * Words for people at the command line: time left before a deadline (`3 h 12 min left`), durations
 * typed as flags. (Notifications write durations for a sentence instead: notify/due.ts.)
 */
import { UserError } from "../errors.ts";

/** `3 h 12 min left`, `overdue by 1 d 2 h`, `due now`. */
export function timeLeft(deadlineIso: string, now: Date = new Date()): string {
  const ms = new Date(deadlineIso).getTime() - now.getTime();
  if (Math.abs(ms) < 60_000) return "due now";
  const span = humanDuration(Math.abs(ms));
  return ms > 0 ? `${span} left` : `overdue by ${span}`;
}

/** The one way a span of time is written for a person: `45 min`, `3 h 12 min`, `3 h`, `2 d 4 h`, `2 d` (rounded down). */
export function humanDuration(ms: number): string {
  const m = Math.floor(ms / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const min = m % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return min > 0 ? `${h} h ${min} min` : `${h} h`;
  return `${min} min`;
}

/** `90m`, `4h`, `2d`, `1h30m` -> milliseconds. */
export function parseDuration(text: string): number {
  const s = text.trim().toLowerCase();
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;
  let total = 0;
  if (/^(\d+\s*[dhm]\s*)+$/.test(s)) {
    for (const m of s.matchAll(/(\d+)\s*([dhm])/g)) total += Number(m[1]) * unit[m[2] as keyof typeof unit];
  }
  if (total <= 0) throw new UserError(`not a duration: ${text}`, { exitCode: 64, hint: "write it like 90m, 4h, 2d or 1h30m" });
  return total;
}
