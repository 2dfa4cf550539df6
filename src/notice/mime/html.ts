/**
 * HTML mail as the text a reader sees: paragraphs and line breaks kept, table cells apart (two
 * spaces, which the table reader splits on), list items on their own lines, tags dropped, entities
 * decoded. One linear pass over tokens: no backtracking on hostile markup.
 */
import { decodeEntities } from "./links.ts";

const TOKEN = /<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][\w:-]{0,30})(?:\s[^>]*)?\/?>|<![^>]*>|<\?[^>]*>|[^<]+|</g;
const BLOCK = new Set(["p", "div", "table", "tbody", "thead", "tfoot", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "address", "section", "article", "header", "footer", "center", "hr", "dt", "dd", "form", "fieldset"]);
const SKIP = new Set(["style", "script", "head", "title", "noscript", "template", "xml"]);

export function htmlToText(html: string): string {
  const out: string[] = [];
  let skipUntil: string | null = null;
  let pre = 0;
  const h = html.length > 8 * 1024 * 1024 ? html.slice(0, 8 * 1024 * 1024) : html;
  for (const m of h.matchAll(TOKEN)) {
    const tok = m[0];
    const name = m[2]?.toLowerCase();
    if (skipUntil) {
      if (name === skipUntil && m[1] === "/") skipUntil = null;
      continue;
    }
    if (tok.startsWith("<!--") || tok.startsWith("<!") || tok.startsWith("<?")) continue;
    if (name) {
      const closing = m[1] === "/";
      if (!closing && SKIP.has(name) && !tok.endsWith("/>")) {
        skipUntil = name;
        continue;
      }
      // \u0001 is a line end and \u0002 a paragraph end that collapse with their neighbours below
      if (name === "br") out.push("\n");
      else if (name === "tr" || name === "li" || name === "dt") out.push(!closing && name === "li" ? "\u0001* " : "\u0001");
      else if (name === "td" || name === "th") out.push(closing ? "  " : "");
      else if (BLOCK.has(name)) {
        out.push("\u0002");
        if (name === "pre") pre += closing ? -1 : 1;
      }
      continue;
    }
    if (tok === "<") {
      out.push("<");
      continue;
    }
    const text = decodeEntities(tok);
    out.push(pre > 0 ? text : text.replace(/[ \t\r\n\f]+/g, " "));
  }
  return tidy(out.join(""));
}

/**
 * Turns the markers into line ends (a paragraph marker, or a blank line, gives one empty line) and
 * trims every line. Written as loops, not regular expressions, so long runs of whitespace or
 * markers cost linear time.
 */
function tidy(s: string): string {
  const lines: string[] = [];
  let cur = "";
  let pendingBreak = 0; // 0 none, 1 line end, 2 paragraph end
  const flush = () => {
    lines.push(cur.trim());
    cur = "";
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\u0001" || c === "\u0002" || c === "\n") {
      const level = c === "\u0002" ? 2 : 1;
      if (cur.trim() !== "" || c === "\n") {
        if (pendingBreak === 2) lines.push("");
        flush();
        pendingBreak = level === 2 ? 2 : 0;
        if (c === "\n") pendingBreak = 0;
      } else pendingBreak = Math.max(pendingBreak, level);
      continue;
    }
    if (pendingBreak && cur === "" && c !== " " && c !== "\t") {
      if (pendingBreak === 2 && lines.length > 0 && lines[lines.length - 1] !== "") lines.push("");
      pendingBreak = 0;
    }
    cur += c;
  }
  if (cur.trim() !== "") {
    if (pendingBreak === 2 && lines.length > 0 && lines[lines.length - 1] !== "") lines.push("");
    lines.push(cur.trim());
  }
  // at most one empty line in a row, none at the ends
  const out: string[] = [];
  for (const l of lines) if (l !== "" || (out.length > 0 && out[out.length - 1] !== "")) out.push(l);
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n");
}
