/**
 * Text normalisation and the line model every extractor works on.
 *
 * Notices reach us as plain e-mail, as HTML turned to text, as blog copies and as Health event
 * descriptions. Normalising once here (line ends, typographic quotes and dashes, exotic spaces,
 * zero-width characters, mail quoting) lets every rule downstream be written for one spelling.
 */

/** Largest text the extractors read. A notice is a few kilobytes; beyond this we read the start and say so. */
export const MAX_EXTRACT_CHARS = 2 * 1024 * 1024;

const LINE_ENDS = /\r\n?/g;
// exotic spaces, invisible characters, typographic quotes and dashes, in one class for one pass
const EXOTIC = /[\u00a0\u2000-\u200d\u2010-\u2015\u2018-\u201f\u202f\u2032\u2033\u205f\u2060\u2212\u3000\ufeff\u00ad\uff1a]/g;
const QUOTE_PREFIX = /^> ?/gm;

function plain(c: string): string {
  const code = c.charCodeAt(0);
  if (code === 0xa0 || (code >= 0x2000 && code <= 0x200a) || code === 0x202f || code === 0x205f || code === 0x3000) return " ";
  if ((code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff || code === 0xad) return "";
  if ((code >= 0x2018 && code <= 0x201b) || code === 0x2032) return "'";
  if ((code >= 0x201c && code <= 0x201f) || code === 0x2033) return '"';
  if (code === 0xff1a) return ":"; // a full-width colon after a label retyped in a CJK blog
  return "-"; // U+2010-2015 dashes, U+2212 minus
}

/** One line ending every 16 KiB is plenty; a file with none is one giant line, which we allow. */
export function normalizeText(input: string): { text: string; truncated: boolean } {
  let s = input;
  let truncated = false;
  if (s.length > MAX_EXTRACT_CHARS) {
    s = s.slice(0, MAX_EXTRACT_CHARS);
    truncated = true;
  }
  s = s.replace(LINE_ENDS, "\n");
  if (hasExotic(s)) s = s.replace(EXOTIC, plain);
  s = unquoteMail(s);
  return { text: s, truncated };
}

/** Cheap check so plain ASCII mail (the common case) skips five replace passes. */
function hasExotic(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7e) return true;
  return false;
}

/**
 * A notice pasted from a reply ("> We've received a report...") or a blog blockquote: when most
 * non-empty lines start with "> ", remove one level of quoting. `>>>` (the end of a log extract)
 * and mbox `>From ` are not quoting.
 */
function unquoteMail(s: string): string {
  if (s.indexOf("\n>") < 0 && !s.startsWith(">")) return s;
  let quoted = 0;
  let nonEmpty = 0;
  for (const line of s.split("\n", 5000)) {
    if (line.trim() === "") continue;
    nonEmpty++;
    if (/^> ?(?!>)/.test(line) && !line.startsWith(">>>")) quoted++;
  }
  if (nonEmpty >= 2 && quoted / nonEmpty >= 0.6) return s.replace(QUOTE_PREFIX, "");
  return s;
}

/** Where a line sits: AWS's own words, or the third party's report AWS forwarded. */
export type Zone = "aws" | "reporter";

export interface TextDoc {
  text: string;
  lines: string[];
  /** Offset of each line's first character in `text`. */
  starts: number[];
  zones: Zone[];
}

export function makeDoc(text: string): TextDoc {
  const lines = text.split("\n");
  const starts = new Array<number>(lines.length);
  let off = 0;
  for (let i = 0; i < lines.length; i++) {
    starts[i] = off;
    off += lines[i]!.length + 1;
  }
  return { text, lines, starts, zones: new Array<Zone>(lines.length).fill("aws") };
}

/** 0-based line index of a character offset (binary search over line starts). */
export function lineAt(doc: TextDoc, offset: number): number {
  let lo = 0;
  let hi = doc.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (doc.starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}


/** At most 200 characters of context, on one line. */
export function excerpt(s: string): string {
  if (s === "") return s;
  // most lines are already short and single-spaced: return them as they are (no copy)
  if (s.length <= 200 && s.length > 0 && s.charCodeAt(0) > 32 && s.charCodeAt(s.length - 1) > 32 && s.indexOf("  ") < 0 && s.indexOf("\t") < 0 && s.indexOf("\n") < 0) return s;
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 200 ? t.slice(0, 197) + "..." : t;
}
