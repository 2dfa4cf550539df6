/**
 * Splitting a triage output into its sections. The output comes from a host an attacker may
 * control, so this is bounded everywhere: the text read (MAX_TEXT), the length of a line
 * (MAX_LINE), the lines kept per section (MAX_LINES); no regular expression runs on more than a
 * line, and none can backtrack badly (each is anchored or a plain scan). A section counts only
 * between markers carrying this run's nonce, so text on the host cannot open or close one.
 */

export const MAX_TEXT = 8 * 1024 * 1024;
export const MAX_LINE = 2000;
export const MAX_LINES = 20_000;

export interface Section {
  name: string;
  lines: string[];
  /** The END marker was seen (a section without one was cut off: inline limit, timeout of the whole script). */
  complete: boolean;
  rc?: number;
  /** What the section printed on the host, and the cap it was cut to. */
  bytes?: number;
  cap?: number;
  /** Lines dropped here (beyond MAX_LINES). */
  dropped: number;
}

export interface SplitOutput {
  sections: Map<string, Section>;
  /** The DONE marker was seen: the script ran to its end. */
  done: boolean;
  /** Characters of the output not read (beyond MAX_TEXT). */
  unread: number;
}

const NAME = /^[a-z]{1,20}$/;

function intField(s: string | undefined, key: string): number | undefined {
  if (!s) return undefined;
  for (const part of s.split(" ")) {
    if (part.startsWith(`${key}=`)) {
      const v = part.slice(key.length + 1);
      if (/^-?\d{1,12}$/.test(v)) return Number(v);
    }
  }
  return undefined;
}

export function splitSections(text: string, nonce: string): SplitOutput {
  const unread = Math.max(0, text.length - MAX_TEXT);
  const body = unread ? text.slice(0, MAX_TEXT) : text;
  const sections = new Map<string, Section>();
  const begin = `@@ADX ${nonce} BEGIN `;
  const end = `@@ADX ${nonce} END `;
  const doneMark = `@@ADX ${nonce} DONE`;
  let current: Section | null = null;
  let done = false;
  let pos = 0;
  while (pos < body.length) {
    let nl = body.indexOf("\n", pos);
    if (nl === -1) nl = body.length;
    let line = body.slice(pos, Math.min(nl, pos + MAX_LINE));
    pos = nl + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.startsWith("@@ADX ")) {
      if (line.startsWith(begin)) {
        const name = line.slice(begin.length).trim();
        if (NAME.test(name) && !sections.has(name)) {
          current = { name, lines: [], complete: false, dropped: 0 };
          sections.set(name, current);
        } else current = null;
        continue;
      }
      if (line.startsWith(end)) {
        const rest = line.slice(end.length);
        const name = rest.split(" ", 1)[0] ?? "";
        if (current && current.name === name) {
          current.complete = true;
          const rc = intField(rest, "rc");
          const bytes = intField(rest, "bytes");
          const cap = intField(rest, "cap");
          if (rc !== undefined) current.rc = rc;
          if (bytes !== undefined) current.bytes = bytes;
          if (cap !== undefined) current.cap = cap;
        }
        current = null;
        continue;
      }
      if (line === doneMark) {
        done = true;
        current = null;
        continue;
      }
    }
    if (!current || line === "") continue;
    if (current.lines.length >= MAX_LINES) current.dropped++;
    else current.lines.push(line);
  }
  return { sections, done, unread };
}

/** Content lines of a section grouped under their `#> ` headings (content lines start "| "). */
export interface Block {
  /** The heading's tab-separated fields (`#> keys\t/root/.ssh/authorized_keys\t1700000000\troot` -> ["keys", path, mtime, owner]). */
  head: string[];
  lines: string[];
}

export function blocks(section: Section | undefined): Block[] {
  const out: Block[] = [];
  if (!section) return out;
  let cur: Block | null = null;
  for (const l of section.lines) {
    if (l.startsWith("#> ")) {
      cur = { head: l.slice(3).split("\t").slice(0, 8), lines: [] };
      out.push(cur);
    } else if (l.startsWith("| ") || l === "|") {
      if (cur) cur.lines.push(l.slice(2));
    }
  }
  return out;
}

/** Tagged lines (`P\t...`) of a section, split on tabs (at most `max` fields, the last keeps the rest). */
export function tagged(section: Section | undefined, tag: string, max: number): string[][] {
  const out: string[][] = [];
  if (!section) return out;
  const prefix = `${tag}\t`;
  for (const l of section.lines) {
    if (!l.startsWith(prefix)) continue;
    const parts = l.slice(prefix.length).split("\t");
    if (parts.length > max) parts.splice(max - 1, parts.length, parts.slice(max - 1).join(" "));
    out.push(parts);
  }
  return out;
}
