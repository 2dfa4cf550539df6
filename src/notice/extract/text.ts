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
// U+00A0 NBSP, U+2000-U+200A spaces, U+202F, U+205F, U+3000 ideographic space
const SPACES = /[\u00a0\u2000-\u200a\u202f\u205f\u3000]/g;
// zero-width space/joiners, word joiner, BOM, soft hyphen
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff\u00ad]/g;
const SINGLE_QUOTES = /[\u2018\u2019\u201a\u201b\u2032]/g;
const DOUBLE_QUOTES = /[\u201c\u201d\u201e\u201f\u2033]/g;
const DASHES = /[\u2010-\u2015\u2212]/g;
const QUOTE_PREFIX = /^> ?/gm;

/** One line ending every 16 KiB is plenty; a file with none is one giant line, which we allow. */
export function normalizeText(input: string): { text: string; truncated: boolean } {
  let s = input;
  let truncated = false;
  if (s.length > MAX_EXTRACT_CHARS) {
    s = s.slice(0, MAX_EXTRACT_CHARS);
    truncated = true;
  }
  s = s.replace(LINE_ENDS, "\n");
  if (hasExotic(s)) {
    s = s
      .replace(SPACES, " ")
      .replace(INVISIBLE, "")
      .replace(SINGLE_QUOTES, "'")
      .replace(DOUBLE_QUOTES, '"')
      .replace(DASHES, "-");
  }
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

const NEEDS_SQUEEZE = /\s\s|[\t\n\r]|^\s|\s$/;

/** At most 200 characters of context, on one line. */
export function excerpt(s: string): string {
  // most lines are already short and single-spaced: return them as they are (no copy)
  if (s.length <= 200 && !NEEDS_SQUEEZE.test(s)) return s;
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 200 ? t.slice(0, 197) + "..." : t;
}
