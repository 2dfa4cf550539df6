/**
 * Activity windows written in words, as AWS and reporters state them in a sentence:
 *
 *   between January 22 and February 4          from 22 January to 4 February
 *   from Dec 28 through Jan 3                   January 22 - February 4, 2024
 *   from January 22 at 10:15 UTC until February 4 at 18:00 UTC
 *   from 2024-01-22 to 2024-02-04               on January 22-24 (one month, the end a day number)
 *
 * A date without a year takes it from the notice's own date (the Date header, a Health event's time,
 * the receipt; `Ctx.reference`), and the two ends are read together: the end takes the reference's
 * year (the year before when that would put it after the notice), the start takes the end's (the year
 * before when that would put it after the end), so a window across New Year ("December 28 to January
 * 3" in a notice of January 5) starts in December of the year before. When only one end writes its
 * year, the other end is dated from it. A date alone at the end of a window means the whole of that
 * day; at the start, the start of it. With no year anywhere and no notice date, the window is not used.
 */
import { parseTime, isoUTC, type ParsedTime } from "./times.ts";

/** `jan` -> `[Jj][Aa][Nn]`: month and weekday words in any case, in a pattern that is otherwise case-sensitive. */
function ci(word: string): string {
  return word.replace(/[a-z]/g, (c) => `[${c.toUpperCase()}${c}]`);
}

const MONTH = `(?:${["jan(?:uary)?", "feb(?:ruary)?", "mar(?:ch)?", "apr(?:il)?", "may", "june?", "july?", "aug(?:ust)?", "sept?(?:ember)?", "oct(?:ober)?", "nov(?:ember)?", "dec(?:ember)?"].map(ci).join("|")})\\.?(?![A-Za-z])`;
const WEEKDAY = `(?:(?:${["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(ci).join("|")})[a-z]*\\.?,?\\s+)?`;
const ORD = "(?:st|nd|rd|th)?";
const YEAR = String.raw`(?:,?\s+(?:19|20)\d\d(?![\d:]))?`;
const DAY_MONTH = String.raw`(?:${MONTH}\s+\d{1,2}${ORD}(?!\d)${YEAR}|\d{1,2}${ORD}\s+(?:of\s+)?${MONTH}${YEAR}|(?:19|20)\d\d-\d{1,2}-\d{1,2}(?!\d))`;
// a time of day and its zone, as the time parser reads them (zones in capitals: "to" is not a zone)
const CLOCK = String.raw`(?:,?\s+(?:at\s+)?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s*\(?(?:(?:UTC|GMT)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2}|Z|[A-Z]{3,4})\)?(?![A-Za-z]))?)?`;
const DATE = `${WEEKDAY}${DAY_MONTH}${CLOCK}`;
// "-" joins two ends only with spaces around it, or right after a day number ("January 22-24"): never inside "UTC-5"
const CONNECTOR = String.raw`\s+[-\u2013\u2014]\s+|(?<=\d)\s*[\u2013\u2014-](?=\s*[A-Za-z\d])|\s*[\u2013\u2014]\s*|\s+(?:to|until|till|through|thru|and)\s+(?:the\s+)?`;
const END_DAY = String.raw`\d{1,2}${ORD}(?![\d:])${YEAR}`;
const WINDOW = new RegExp(`(\\b[Bb]etween\\s+(?:the\\s+)?)?(${DATE})(?:\\s*,)?(${CONNECTOR})(?:(${DATE})|(${END_DAY}))(?![\\w:/-])`, "g");
const MONTH_WORD = new RegExp(MONTH);

export interface StatedWindow {
  begin: string;
  end: string;
  /** Offset of the window's words in the text. */
  index: number;
  /** The words, as written. */
  text: string;
}

/** A fixed reference that gives any year-less date a year: used only to learn whether the text wrote one. */
const PROBE = new Date(Date.UTC(2000, 6, 1));

function yearWritten(text: string): boolean | null {
  const t = parseTime(text, { reference: PROBE });
  return t ? !t.yearInferred : null;
}

/** The last moment of the year of `ms`: a reference that gives a year-less date that year, never the one before. */
function endOfYear(ms: number, plus = 0): Date {
  return new Date(Date.UTC(new Date(ms).getUTCFullYear() + plus, 11, 31, 23, 59, 59));
}

/** Both ends of a window, dated together (see the module comment), or null when they cannot be. */
export function dateWindow(beginText: string, endText: string, reference: Date | null): { begin: ParsedTime; end: ParsedTime } | null {
  const aHas = yearWritten(beginText);
  const zHas = yearWritten(endText);
  if (aHas === null || zHas === null) return null;
  let a: ParsedTime | null;
  let z: ParsedTime | null;
  if (aHas && !zHas) {
    a = parseTime(beginText);
    if (!a) return null;
    z = parseTime(endText, { reference: endOfYear(a.ms) });
    if (z && z.ms < a.ms) z = parseTime(endText, { reference: endOfYear(a.ms, 1) });
  } else {
    z = parseTime(endText, zHas ? {} : { reference });
    if (!z) return null;
    // the start is dated from the end: its year, or the year before when that would put it after the end
    a = parseTime(beginText, aHas ? {} : { reference: new Date(z.ms) });
  }
  if (!a || !z) return null;
  const endMs = z.dateOnly ? z.ms + 86_399_000 : z.ms;
  if (endMs < a.ms) return null;
  return { begin: a, end: { ...z, ms: endMs, iso: isoUTC(endMs) } };
}

/** Every window stated in `text`, in order (at most `limit`). */
export function findWindows(text: string, reference: Date | null, limit = 20): StatedWindow[] {
  const out: StatedWindow[] = [];
  if (!/\d/.test(text)) return out;
  for (const m of text.matchAll(WINDOW)) {
    const between = m[1] !== undefined;
    const connector = m[3]!.trim().toLowerCase();
    // "January 22 and February 4" is two dates; only "between ... and ..." makes them a window
    if (/^and\b/.test(connector) && !between) continue;
    const beginText = m[2]!;
    let endText = m[4];
    if (endText === undefined) {
      // "January 22-24": the end is a day of the start's month
      const month = MONTH_WORD.exec(beginText);
      if (!month || !new RegExp(`^${WEEKDAY}${MONTH}`).test(beginText)) continue;
      endText = `${month[0]} ${m[5]!}`;
    }
    const w = dateWindow(beginText, endText, reference);
    if (!w) continue;
    out.push({ begin: w.begin.iso, end: w.end.iso, index: m.index + (m[1]?.length ?? 0), text: m[0].slice(m[1]?.length ?? 0) });
    if (out.length >= limit) break;
  }
  return out;
}
