/**
 * Text from a notice (or anything else outside) made safe to show a person: control characters
 * and escape sequences become visible instead of acting on the terminal, the document or the
 * reader's eyes. One definition of "unsafe", used by every human-readable output: the CLI's
 * stdout/stderr guard (src/cli/io.ts), the Markdown report (src/report/markdown.ts, which also
 * escapes HTML and links), the PDF report (src/report/pdf.ts) and the reply draft (src/reply/draft.ts).
 *
 * Unsafe: C0 controls but newline and tab (ESC, which starts every ANSI CSI/OSC sequence, BEL,
 * backspace, a lone carriage return that would overwrite the line), DEL, C1 controls (U+0080-U+009F:
 * 8-bit CSI and OSC among them), the bidirectional overrides, embeddings and isolates
 * (U+202A-U+202E, U+2066-U+2069) and marks (U+200E, U+200F, U+061C), and the line and paragraph
 * separators (U+2028, U+2029). Each is shown as a visible stand-in: C0 as its Unicode control
 * picture (ESC as ␛, so `ESC [ 3 1 m` prints as the inert text "␛[31m"), the others as <U+XXXX>.
 */

const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20) return String.fromCodePoint(0x2400 + cp);
  if (cp === 0x7f) return "\u2421";
  return `<U+${cp.toString(16).toUpperCase().padStart(4, "0")}>`;
}

/** Text with every unsafe character made visible; CRLF is a newline, a lone CR is shown. */
export function safeText(s: string): string {
  return s.replace(/\r\n/g, "\n").replace(UNSAFE, visible);
}

/** Whether the text holds anything `safeText` would change (besides CRLF). */
export function hasUnsafe(s: string): boolean {
  UNSAFE.lastIndex = 0;
  const r = UNSAFE.test(s.replace(/\r\n/g, "\n"));
  UNSAFE.lastIndex = 0;
  return r;
}

/**
 * The SGR sequences the CLI's own colours use (picocolors: bold, dim, their reset, red, green,
 * yellow, magenta, cyan, the foreground reset). Only these, one parameter each, pass the terminal
 * guard, and only when colours are on: no cursor movement, no erasing, no OSC (title, clipboard,
 * hyperlinks), no concealed or background colours.
 */
const OWN_SGR = /\u001b\[(?:1|2|22|31|32|33|35|36|39)m/g;

/** For a terminal: `safeText`, keeping the colour sequences the CLI itself writes when colours are on. */
export function terminalText(s: string, keepColours: boolean): string {
  if (!keepColours) return safeText(s);
  let out = "";
  let last = 0;
  for (const m of s.matchAll(OWN_SGR)) {
    out += safeText(s.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + safeText(s.slice(last));
}

/**
 * JSON text with the characters JSON.stringify leaves raw (DEL, C1, bidi, U+2028/9) written as
 * \u escapes: the same value for a program, inert for a terminal.
 */
export function safeJson(json: string): string {
  return json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}
