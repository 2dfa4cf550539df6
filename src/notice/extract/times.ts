/**
 * The one time parser. Every timestamp a notice carries goes through `parseTime`, which reads the
 * calendar fields itself and builds the instant with Date.UTC and an explicit offset: nothing here
 * depends on the machine's time zone. IANA zone names ("Asia/Tokyo" in a reporter's form) are
 * resolved with @date-fns/tz.
 *
 * Formats seen in AWS notices and the reports they forward (shared/corpus/FORMATS.md, "Values"):
 *   2018-11-28 02:04:18 UTC            2022-12-21T09:46:18.719000-05:00     2018-01-15 15:37 -0800
 *   10 Jul 2024 02:21:07 UTC           27 Apr 2023 14:46:47 GMT             29-Apr-2016 08:11:37 UTC
 *   Tue, 27 Nov 2018 01:30:00 GMT      Fri Mar 03 03:33:33 UTC 2013         Wed Sep 30 14:39:00 UTC (no year)
 *   October 14, 2021 at 6:30:56 AM UTC+3                                    Oct 14, 03:30 AM UTC
 *   2024/07/10 02:21:07                January 22, 22 January, 22nd of January (a date alone, no year: a window's end)
 *   2024.07.10 02:21   10.07.2024 02:21:07 (dots: day first)   10/Jul/2024:02:21:07 +0000 (web logs)
 *   2024-07-10 at 02:21:07 UTC        07-10-2024 02:21 (dashes or slashes: month first unless it cannot be)
 */
import { tzOffset } from "@date-fns/tz";

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
  january: 1, february: 2, march: 3, april: 4, june: 6, july: 7, august: 8, september: 9, october: 10, november: 11, december: 12,
};

/** Fixed offsets (minutes east of UTC) of the zone abbreviations notices and reporters use. */
const ZONES: Record<string, number> = {
  z: 0, ut: 0, utc: 0, gmt: 0, wet: 0,
  bst: 60, cet: 60, west: 60, cest: 120, eet: 120, eest: 180, msk: 180,
  ist: 330, sgt: 480, hkt: 480, awst: 480, cst8: 480, jst: 540, kst: 540, aest: 600, aedt: 660, nzst: 720, nzdt: 780,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420, akst: -540, akdt: -480, hst: -600,
  brt: -180, art: -180,
};

export interface ParsedTime {
  /** ISO 8601 in UTC (`2018-11-28T02:04:18Z`, milliseconds only when the source had them). */
  iso: string;
  /** Milliseconds since the epoch. */
  ms: number;
  /** The year was not written and came from the reference date. */
  yearInferred: boolean;
  /** No zone was written; UTC was assumed. */
  zoneAssumed: boolean;
  /** Only a date was written (no time of day). */
  dateOnly: boolean;
  /** How many characters of the input the time used. */
  length: number;
}

export interface TimeContext {
  /** The message date: gives the year to times written without one. */
  reference?: Date | null;
  /** Offset to use when the text has none (a reporter's separate "Time zone" field). */
  defaultOffsetMinutes?: number;
}

const ZONE_SRC = String.raw`(?:(?:UTC|GMT|UT)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|[A-Z][a-z]+\/[A-Za-z_]+(?:\/[A-Za-z_]+)?|Z(?![a-z])|[A-Z]{2,5}(?![a-z]))`;
const TIME_SRC = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*([AaPp]\.?[Mm]\.?))?`;
const WEEKDAY = String.raw`(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?`;
const MONTH = String.raw`(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`;

// Each family captures: year, month, day, time fields, zone. Anchored at the start of the value.
const ISO = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:T|\s+(?:at\s+)?)${TIME_SRC})?\s*\(?(${ZONE_SRC})?\)?`, "i");
// 2024/07/10 02:21:07, 2024.07.10 02:21
const SLASH_YMD = new RegExp(String.raw`^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:(?:T|\s+(?:at\s+)?)${TIME_SRC})?\s*\(?(${ZONE_SRC})?\)?`, "i");
// 10.07.2024 02:21:07 (day first, as everywhere dots are written)
const DOTTED_DMY = new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+${TIME_SRC})?\s*\(?(${ZONE_SRC})?\)?`, "i");
// a web server log: 10/Jul/2024:02:21:07 +0000
const CLF = new RegExp(String.raw`^\[?(\d{1,2})\/${MONTH}\/(\d{4}):${TIME_SRC}\s*(${ZONE_SRC})?\]?`, "i");
// 27 Apr 2023 14:46:47 GMT, 29-Apr-2016 08:11:37 UTC, Tue, 27 Nov 2018 01:30:00 GMT, 22 January / 22nd of January (no year)
const DMY = new RegExp(String.raw`^${WEEKDAY}(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s-]+${MONTH}(?:[\s,-]+(\d{4})(?![:\d]))?(?:,?\s+(?:at\s+)?${TIME_SRC})?\s*\(?(${ZONE_SRC})?\)?`, "i");
// October 14, 2021 at 6:30:56 AM UTC+3, Jul 10, 2024 02:21 UTC, January 22 (no year), Oct 14, 03:30 AM UTC
const MDY = new RegExp(String.raw`^${WEEKDAY}${MONTH}\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4})(?![:\d]))?(?:,?\s+(?:at\s+)?${TIME_SRC})?\s*\(?(${ZONE_SRC})?\)?(?:\s+(\d{4})(?![:\d]))?`, "i");
// 07/10/2024 02:21:07 (month first unless the first number cannot be a month)
const SLASH_MDY = new RegExp(String.raw`^(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:[T\s,]+${TIME_SRC})?\s*\(?(${ZONE_SRC})?\)?`, "i");

interface Parts {
  y: number | null;
  mo: number;
  d: number;
  h: number | null;
  mi: number;
  s: number;
  frac: string | undefined;
  ampm: string | undefined;
  zone: string | undefined;
  length: number;
}

function num(s: string | undefined): number {
  return s === undefined ? 0 : Number(s);
}

function month(s: string): number {
  return MONTHS[s.toLowerCase().replace(/\.$/, "")] ?? MONTHS[s.toLowerCase().slice(0, 3)] ?? 0;
}

function match(text: string): Parts | null {
  let m = ISO.exec(text) ?? SLASH_YMD.exec(text);
  if (m) return { y: num(m[1]), mo: num(m[2]), d: num(m[3]), h: m[4] ? num(m[4]) : null, mi: num(m[5]), s: num(m[6]), frac: m[7], ampm: m[8], zone: m[9], length: m[0].length };
  m = DMY.exec(text);
  if (m) return { y: m[3] ? num(m[3]) : null, mo: month(m[2]!), d: num(m[1]), h: m[4] ? num(m[4]) : null, mi: num(m[5]), s: num(m[6]), frac: m[7], ampm: m[8], zone: m[9], length: m[0].length };
  m = MDY.exec(text);
  if (m) {
    const y = m[3] ? num(m[3]) : m[10] ? num(m[10]) : null;
    return { y, mo: month(m[1]!), d: num(m[2]), h: m[4] ? num(m[4]) : null, mi: num(m[5]), s: num(m[6]), frac: m[7], ampm: m[8], zone: m[9], length: m[0].length };
  }
  m = DOTTED_DMY.exec(text);
  if (m) return { y: num(m[3]), mo: num(m[2]), d: num(m[1]), h: m[4] ? num(m[4]) : null, mi: num(m[5]), s: num(m[6]), frac: m[7], ampm: m[8], zone: m[9], length: m[0].length };
  m = CLF.exec(text);
  if (m) return { y: num(m[3]), mo: month(m[2]!), d: num(m[1]), h: num(m[4]), mi: num(m[5]), s: num(m[6]), frac: m[7], ampm: m[8], zone: m[9], length: m[0].length };
  m = SLASH_MDY.exec(text);
  if (m) {
    let mo = num(m[1]);
    let d = num(m[2]);
    if (mo > 12 && d <= 12) [mo, d] = [d, mo];
    return { y: num(m[3]), mo, d, h: m[4] ? num(m[4]) : null, mi: num(m[5]), s: num(m[6]), frac: m[7], ampm: m[8], zone: m[9], length: m[0].length };
  }
  return null;
}

/** Minutes east of UTC for a zone as written, or null when it is not a zone. */
export function zoneOffset(zone: string, at?: number): number | null {
  const z = zone.trim();
  let m = /^(?:UTC|GMT|UT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$/i.exec(z);
  if (m) {
    const mins = Number(m[2]) * 60 + Number(m[3] ?? 0);
    if (Number(m[2]) > 14 || Number(m[3] ?? 0) > 59) return null;
    return m[1] === "-" ? -mins : mins;
  }
  m = /^([+-])(\d{2})(\d{2})$/.exec(z);
  if (m) return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  const fixed = ZONES[z.toLowerCase()];
  if (fixed !== undefined) return fixed;
  if (z.includes("/")) {
    try {
      const off = tzOffset(z, new Date(at ?? Date.now()));
      return Number.isFinite(off) ? off : null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Reads the timestamp at the start of `text` (trailing words are ignored). Returns null when there
 * is no date there, or it names an impossible day or time.
 */
export function parseTime(text: string, ctx: TimeContext = {}): ParsedTime | null {
  const t = text.trim().slice(0, 120);
  if (t.length < 5 || !/\d/.test(t)) return null;
  const p = match(t);
  if (!p) return null;
  let yearInferred = false;
  let y = p.y;
  if (y === null) {
    if (!ctx.reference) return null;
    y = ctx.reference.getUTCFullYear();
    yearInferred = true;
  }
  let h = p.h ?? 0;
  if (p.ampm) {
    const pm = /^p/i.test(p.ampm);
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (pm ? 12 : 0);
  }
  const { mo, d, mi } = p;
  const s = Math.min(p.s, 59);
  if (y < 1990 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || p.s > 60) return null;
  const fracMs = p.frac ? Math.floor(Number(`0.${p.frac}`) * 1000) : 0;
  let local = Date.UTC(y, mo - 1, d, h, mi, s, fracMs);
  if (new Date(local).getUTCDate() !== d) return null; // 31 April and the like
  let zoneAssumed = false;
  let offset: number | null = null;
  if (p.zone) {
    offset = zoneOffset(p.zone, local);
    // A capital word after the time that is not a zone ("UTC" missing, "WAN" in a log): ignore it.
  }
  if (offset === null) {
    if (ctx.defaultOffsetMinutes !== undefined) offset = ctx.defaultOffsetMinutes;
    else {
      offset = 0;
      zoneAssumed = p.h !== null;
    }
  }
  let ms = local - offset * 60_000;
  if (yearInferred && ctx.reference && ms > ctx.reference.getTime() + 2 * 86_400_000) {
    // "Wed Sep 30" read in a January message happened last year
    local = Date.UTC(y - 1, mo - 1, d, h, mi, s, fracMs);
    ms = local - offset * 60_000;
  }
  return { iso: isoUTC(ms), ms, yearInferred, zoneAssumed, dateOnly: p.h === null, length: p.length };
}

/** ISO 8601 in UTC, without a `.000` when the time has no milliseconds. */
export function isoUTC(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith(".000Z") ? s.slice(0, -5) + "Z" : s;
}

/** Finds a timestamp anywhere in `text` (the first that parses), for labelled values with words before the time. */
export function findTime(text: string, ctx: TimeContext = {}): (ParsedTime & { index: number }) | null {
  const direct = parseTime(text, ctx);
  if (direct) return { ...direct, index: 0 };
  // try at each word start that begins with a digit or a capital letter; bounded so long values stay cheap
  const re = /(?<![\w:/-])(?=\d|[A-Z])/g;
  let tries = 0;
  for (const m of text.slice(0, 400).matchAll(re)) {
    if (m.index === 0) continue;
    if (++tries > 40) break;
    const r = parseTime(text.slice(m.index), ctx);
    if (r) return { ...r, index: m.index };
  }
  return null;
}
