/**
 * The one table of the CLI: every command that prints rows in columns prints them through here, so
 * each fits the terminal (80 columns when the output is not a terminal) or wraps cleanly inside its
 * column, never past the right edge.
 *
 * Columns keep their natural width while the table fits. When it does not, the columns marked
 * `wrap` (by default the widest) share what is left after the others, and their text wraps at
 * spaces inside the column (a word longer than the column is cut). A cell is a string, or
 * `{ text, paint }` to colour it line by line after wrapping (colour codes are never cut).
 */

export type Cell = string | { text: string; paint: (s: string) => string };

export interface TableOptions {
  head?: string[];
  /** Paints the header cells (bold, dim...). */
  headPaint?: (s: string) => string;
  /** Indexes of the columns that may wrap; default: the widest. */
  wrap?: number[];
  /** Total width; default: the terminal's, else $COLUMNS, else 80. */
  width?: number;
  /** Spaces before the first column. */
  indent?: number;
  /** Spaces between columns. */
  gap?: number;
}

const ANSI = /\x1b\[[0-9;]*m/g;
export const visibleLength = (s: string): number => [...s.replace(ANSI, "")].length;

/** The width the CLI's tables fit: the terminal's when stdout is one, else $COLUMNS, else 80. */
export function outputWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env: Record<string, string | undefined> = process.env): number {
  if (stream.isTTY && stream.columns && stream.columns > 20) return stream.columns;
  const cols = Number(env.COLUMNS);
  return Number.isInteger(cols) && cols > 20 ? cols : 80;
}

/** Text wrapped at spaces to `width` columns (a longer word is cut); colour codes in `s` are dropped when it has to wrap. */
export function wrapText(s: string, width: number): string[] {
  if (visibleLength(s) <= width) return [s];
  const lines: string[] = [];
  for (const para of s.replace(ANSI, "").split("\n")) {
    let line = "";
    for (let word of para.split(/ +/)) {
      while ([...word].length > width) {
        if (line) {
          lines.push(line);
          line = "";
        }
        const chars = [...word];
        lines.push(chars.slice(0, width).join(""));
        word = chars.slice(width).join("");
      }
      if (!line) line = word;
      else if ([...line].length + 1 + [...word].length <= width) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}

const textOf = (c: Cell) => (typeof c === "string" ? c : c.text);
const paintOf = (c: Cell) => (typeof c === "string" ? (s: string) => s : c.paint);

export function renderTable(rows: Cell[][], o: TableOptions = {}): string {
  const gap = o.gap ?? 2;
  const indent = o.indent ?? 0;
  const width = o.width ?? outputWidth();
  const all: Cell[][] = o.head ? [o.head.map((h) => ({ text: h, paint: o.headPaint ?? ((s: string) => s) })), ...rows] : rows;
  const n = Math.max(0, ...all.map((r) => r.length));
  if (n === 0) return "";
  const natural = Array.from({ length: n }, (_, i) => Math.max(0, ...all.map((r) => Math.max(...textOf(r[i] ?? "").split("\n").map(visibleLength)))));
  const widths = [...natural];
  const budget = width - indent - gap * (n - 1);
  // a column's floor: its longest word (ids, addresses, times' parts are never cut while it can be helped)
  const longestWord = Array.from({ length: n }, (_, i) => Math.max(1, ...all.map((r) => Math.max(0, ...textOf(r[i] ?? "").replace(ANSI, "").split(/[\s]+/).map((w) => [...w].length)))));
  const flexible = o.wrap?.length ? o.wrap.filter((i) => i < n) : [natural.indexOf(Math.max(...natural))];
  // narrow the widest column of `cols` above its floor, one column at a time, until the table fits
  const shrink = (cols: number[], floor: (i: number) => number) => {
    for (let over = widths.reduce((a, b) => a + b, 0) - budget; over > 0; over--) {
      const i = cols.filter((c) => widths[c]! > floor(c)).sort((a, b) => widths[b]! - widths[a]!)[0];
      if (i === undefined) return;
      widths[i]!--;
    }
  };
  const every = natural.map((_, i) => i);
  shrink(flexible, (i) => longestWord[i]!); // first: the columns meant to wrap, at spaces
  shrink(every, (i) => longestWord[i]!); // then: any column, at spaces
  shrink(flexible, (i) => Math.min(10, natural[i]!)); // then: long words of the wrapping columns are cut
  // Still too wide (many columns on a narrow terminal): with a header, each row becomes its first
  // columns on a line and the rest beneath, one `HEADER value` line each; ids are never cut.
  if (widths.reduce((a, b) => a + b, 0) > budget && o.head && n > 2) return stacked(rows, o, width);
  shrink(every, (i) => Math.min(8, natural[i]!)); // last, without a header: any long word is cut
  const out: string[] = [];
  for (const row of all) {
    const cells = widths.map((w, i) => {
      const cell = row[i] ?? "";
      const text = textOf(cell);
      const lines = text.split("\n").flatMap((l) => (visibleLength(l) > w ? wrapText(l, w) : [l]));
      return { lines, paint: paintOf(cell) };
    });
    const height = Math.max(...cells.map((c) => c.lines.length));
    for (let k = 0; k < height; k++) {
      const parts = cells.map((c, i) => {
        const line = c.lines[k] ?? "";
        const pad = " ".repeat(Math.max(0, widths[i]! - visibleLength(line)));
        return i === n - 1 ? (line ? c.paint(line) : "") : (line ? c.paint(line) : "") + pad;
      });
      out.push((" ".repeat(indent) + parts.join(" ".repeat(gap))).trimEnd());
    }
  }
  return out.join("\n");
}

/** The rows as blocks: the columns that fit on the first line, then one indented `HEADER value` line per other column. */
function stacked(rows: Cell[][], o: TableOptions, width: number): string {
  const head = o.head!;
  // the leading columns that fit in a table of their own
  let k = head.length - 1;
  let first = "";
  for (; k >= 1; k--) {
    first = renderTable(rows.map((r) => r.slice(0, k)), { ...o, head: head.slice(0, k), wrap: [], width: Number.MAX_SAFE_INTEGER });
    if (first.split("\n").every((l) => visibleLength(l) <= width)) break;
  }
  const lines = first.split("\n");
  const out = [lines[0]!];
  const indent = (o.indent ?? 0) + 4;
  rows.forEach((r, i) => {
    out.push(lines[i + 1]!);
    const rest = r.slice(k).map((c, j) => [{ text: head[k + j]!.toLowerCase(), paint: o.headPaint ?? ((x: string) => x) }, c] as Cell[]);
    out.push(renderTable(rest, { width, indent, gap: 2, wrap: [1] }));
  });
  return out.join("\n");
}
